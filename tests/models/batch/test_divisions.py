"""Divisions in the Numba kernel: by a literal power of two as a multiplication by its
exact reciprocal, and, in a time step, by a value that is constant over the run as a
multiplication by its reciprocal computed once per run. The model's results equal PySD
and the NumPy backend (which divides) to 1e-9 (``assert_close``), with the same zeros,
infinities and NaN; the equivalence suite draws the construct model too."""

from __future__ import annotations

import re

import numpy as np
import pytest

from models.batch import compile_model, jit

from .conftest import MDL_DIR, assert_close, pysd_run

MDL = MDL_DIR / "divisions.mdl"
OUTPUTS = ["Stock", "inflow", "outflow", "flow per residence"]


def _engine(model) -> jit.NumbaEngine:
    engine = model.engine("numba")
    if not isinstance(engine, jit.NumbaEngine):
        pytest.skip("Numba is not installed")
    return engine


def _steps(source: str) -> list[str]:
    """The lines of the two versions of a time step (inside the loop over the runs)."""
    lines = source.splitlines()
    out = []
    for start in (i for i, line in enumerate(lines) if re.match(r"\s*for j1 in range\(B\):", line)):
        indent = len(lines[start]) - len(lines[start].lstrip())
        for line in lines[start + 1:]:
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                break
            out.append(line.strip())
    return out


def test_divisions_by_run_constants_are_multiplications_by_reciprocals():
    engine = _engine(compile_model(MDL))
    source, _ = engine._source(engine._signature_key({}, frozenset(), engine.compiler.grid))
    steps = _steps(source)
    assert steps, "no loop over the runs of a block"
    divisions = [line for line in steps if " / " in line]
    # left: the division by a value of the step and by the literal 3 (no exact reciprocal)
    assert all(re.search(r" / \(\(t - 1980\.0\)\)| / \(?t - 1980| / 3\.0", line) for line in divisions), divisions
    assert any("* r_residence_time" in line for line in steps)
    assert any("* r_turnover_time" in line for line in steps)
    assert any("* 0.5" in line for line in steps)
    # once per run, at initialisation
    assert re.search(r"A\[\d+ \+ j0\] = 1\.0 / i_residence_time", source)
    assert re.search(r"A\[\d+ \+ j0\] = 1\.0 / i_turnover_time", source)


@pytest.mark.parametrize("n_runs", [1, 5])
def test_results_equal_pysd_and_numpy(pysd_cache, n_runs):
    model = compile_model(MDL)
    _engine(model)
    pysd_model = pysd_cache(MDL)
    for params in ({}, {"residence time": 0.7, "base inflow": 33.0}, {"residence time": 19.0}):
        numba = model.run(params, n_runs=n_runs, outputs=OUTPUTS, backend="numba")
        numpy = model.run(params, n_runs=n_runs, outputs=OUTPUTS, backend="numpy")
        expected = pysd_run(pysd_model, params, OUTPUTS)
        for name in OUTPUTS:
            for k in range(n_runs):
                assert_close(numba[name][k], expected[name].values, f"{name} {params}")
                assert_close(numba[name][k], numpy[name][k], f"{name} {params} numpy")


@pytest.mark.parametrize("residence", [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300])
def test_special_divisors_give_the_divisions_zeros_infinities_and_nan(residence):
    """x * (1 / c) has the zeros, signs, infinities and NaN of x / c (the NumPy backend
    divides), here for every saved value; finite values within 1e-9."""
    model = compile_model(MDL)
    _engine(model)
    params = {"residence time": np.array([residence, 5.0])}
    with np.errstate(all="ignore"):
        numba = model.run(params, outputs=OUTPUTS, backend="numba")
        numpy = model.run(params, outputs=OUTPUTS, backend="numpy")
    for name in OUTPUTS:
        got, want = numba[name], numpy[name]
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=name)
        np.testing.assert_array_equal(np.isinf(got), np.isinf(want), err_msg=name)
        finite = np.isfinite(want)
        np.testing.assert_array_equal(np.signbit(got[finite & (want == 0)]), np.signbit(want[finite & (want == 0)]))
        np.testing.assert_allclose(got[finite], want[finite], rtol=1e-9, atol=0, err_msg=name)
