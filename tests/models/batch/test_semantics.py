"""Vensim semantics in the batch runner: unary minus with ``^``, SMOOTH N / DELAY N
orders, and DELAY orders checked at compile time (issue 16 item 6).

Expected values are hand calculations (the equivalence suite compares the same
models with PySD for random draws)."""

from __future__ import annotations

import numpy as np
import pytest

from models.batch import ParameterError, compile_model

from .conftest import MDL_DIR, assert_close, pysd_run

UNARY = MDL_DIR / "unary_power.mdl"
DELAY_N = MDL_DIR / "delay_n.mdl"


def test_unary_minus_binds_looser_than_power():
    model = compile_model(UNARY)
    base = np.array([3.0, 1.5, 4.0])
    result = model.run({"base": base})
    times = result.times
    growth = 1 + 0.1 * times
    expected = {
        "negative square": np.full((3, len(times)), -4.0),
        "product with negative square": np.full((3, len(times)), -12.0),
        "sum with negative square": np.full((3, len(times)), -4.0),
        "power of negative power": np.full((3, len(times)), 1 / 16),
        "negated variable power": np.repeat((1 - base**2)[:, None], len(times), axis=1),
        "minus negated power": np.repeat((2 + base**2)[:, None], len(times), axis=1),
        "negative base chain": -(2.0 ** np.sqrt(base))[:, None] * growth[None, :],
    }
    for name, values in expected.items():
        np.testing.assert_allclose(result[name], values, rtol=1e-14, err_msg=name)


def test_unary_minus_equals_pysd(pysd_cache):
    model = compile_model(UNARY)
    expected = pysd_run(pysd_cache(UNARY), {}, model.variables)
    result = model.run()
    for name in model.variables:
        assert_close(result[name][0], expected[name].values, name)
    # the hand-calculated constants above are what PySD computes too
    assert expected["negative square"].iloc[0] == -4
    assert expected["power of negative power"].iloc[0] == 0.0625


def test_delay_n_with_constant_order_equals_delay_chain():
    """DELAY N with a constant delay time is a chain of first-order stages: with
    order 1 and a constant input the outflow relaxes as (1 - dt/T)^k."""
    model = compile_model(DELAY_N)
    result = model.run({"step height": 0.0, "ramp slope": 0.0, "transit time": 2.0},
                       outputs=["delayed n", "smoothed n", "Pipeline"])
    # input 5 from the start and initial outflow = input: equilibrium everywhere
    np.testing.assert_allclose(result["delayed n"], 5.0, rtol=1e-14)
    np.testing.assert_allclose(result["Pipeline"], 10.0, rtol=1e-14)
    # SMOOTH N(input, T, 2, 4): each of the 4 stages moves by (target - s) * 4 / T * dt
    dt, T, stages = 0.25, 2.0, np.full(4, 2.0)
    saved = []
    for k in range(int((2030 - 2000) / dt) + 1):
        if k % 4 == 0:
            saved.append(stages[-1])
        targets = np.concatenate([[5.0], stages[:-1]])
        stages = stages + (targets - stages) * 4 / T * dt
    np.testing.assert_allclose(result["smoothed n"][0], saved, rtol=1e-13)


def test_order_constants_cannot_be_overridden():
    model = compile_model(DELAY_N)
    with pytest.raises(ParameterError, match="order of DELAY N in 'delayed n'"):
        model.run({"delay order": 3})


LITERAL_POWER = MDL_DIR / "literal_power.mdl"


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_literal_powers_equal_numpy_power(backend):
    """The kernel writes x^2, x^3, x^4, x^8 as multiplications and x^0.5, x^0.25 as
    square roots; each equals NumPy's power (PySD's semantics) to a few ulp, with its
    signs, NaN for roots of negative numbers, overflow to inf and underflow to 0."""
    model = compile_model(LITERAL_POWER)
    x = np.array([-3.0, -0.5, 0.0, 2.0, 7.3, 1e80, 1e-200])
    result = model.run({"x": x}, backend=backend)
    exponents = {"square": 2, "cube": 3, "fourth": 4, "eighth": 8, "square root": 0.5,
                 "fourth root": 0.25, "other power": 1.5}
    with np.errstate(all="ignore"):
        for name, p in exponents.items():
            want = np.power(x, float(p))
            got = result[name][:, 0]
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
            np.testing.assert_array_equal(np.isinf(got), np.isinf(want), err_msg=name)
            ok = np.isfinite(want)
            np.testing.assert_allclose(got[ok], want[ok], rtol=1e-14, atol=0, err_msg=name)
