"""Backend selection: Numba when available, NumPy as the automatic fallback (with a
log message), compile records, and the two backends agreeing on the product model."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from models.batch import compile_model
from models.batch import jit, jitgen

from .conftest import MDL_DIR, PRODUCT_MODEL, assert_close, draw, pysd_run


@pytest.fixture
def fresh_engines(monkeypatch):
    """A model whose compiler has no engine yet (engines are cached per compiler)."""
    def make(mdl, backend="auto"):
        model = compile_model(mdl, backend=backend)
        monkeypatch.setattr(model.compiler, "engines", {})
        return model
    return make


def test_numba_is_the_default_and_reports_its_compile(fresh_engines):
    model = fresh_engines(MDL_DIR / "stock_flow.mdl")
    model.run({"growth rate": np.array([0.01, 0.02])})
    engine = model.engine()
    assert engine.name == "numba"
    record = engine.compile_log[-1]
    assert record.seconds > 0 and record.path.endswith(".py")


def test_missing_numba_falls_back_to_numpy_with_a_log_message(fresh_engines, monkeypatch, caplog,
                                                               pysd_cache):
    def missing():
        raise jit.NumbaUnavailable("Numba is not installed (simulated)")

    monkeypatch.setattr(jit, "_configure_numba", missing)
    model = fresh_engines(MDL_DIR / "stock_flow.mdl")
    with caplog.at_level(logging.INFO, logger="models.batch.engines"):
        result = model.run()
    assert model.engine().name == "numpy"
    assert "Numba is not installed (simulated); using the NumPy backend" in caplog.text
    expected = pysd_run(pysd_cache(MDL_DIR / "stock_flow.mdl"), {}, ["Stock A"])
    assert_close(result["Stock A"][0], expected["Stock A"].values, "fallback")


def test_construct_unsupported_by_the_kernel_falls_back(fresh_engines, monkeypatch, caplog):
    monkeypatch.delitem(jitgen._MATH, "ln")
    model = fresh_engines(MDL_DIR / "math_functions.mdl")
    with caplog.at_level(logging.WARNING, logger="models.batch.engines"):
        model.run(backend="numba")
    assert model.engine("numba").name == "numpy"
    assert "does not support function LN" in caplog.text


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown backend 'cuda'"):
        compile_model(MDL_DIR / "stock_flow.mdl", backend="cuda")
    model = compile_model(MDL_DIR / "stock_flow.mdl")
    with pytest.raises(ValueError, match="unknown backend"):
        model.run(backend="gpu")


def _product_draws(seed: int, n: int):
    """The product model and ``n`` draws of its ranged constants, 5 % around the defaults."""
    model = compile_model(PRODUCT_MODEL)
    defaults = model.constants
    ranges = {name: (*limits[:2], None) for name, limits in model.limits.items()
              if name in defaults and None not in limits[:2]}
    return model, draw(ranges, np.random.default_rng(seed), n, defaults, spread=0.05)


def test_backends_agree_on_the_product_model():
    """Every saved value of every variable, 40 draws around the defaults: Numba ==
    NumPy to 1e-9 (each also equals PySD: test_equivalence.py)."""
    model, draws = _product_draws(seed=11, n=40)
    numba = model.run(draws, backend="numba")
    numpy = model.run(draws, backend="numpy")
    for name in model.variables:
        for k in range(40):
            assert_close(numba[name][k], numpy[name][k], f"{name} run {k}")


def test_single_run_kernel_equals_the_lane_kernel_and_numpy():
    """A single run uses the kernel generated with one run per block
    (jitgen.SINGLE_RUN_BLOCK); every saved value equals the same run simulated in the
    batch kernel (``jitgen.BLOCK`` lanes; bit for bit: same operations, no
    reassociation) and NumPy (1e-9)."""
    assert jitgen.SINGLE_RUN_BLOCK != jitgen.BLOCK
    model, draws = _product_draws(seed=5, n=3)
    lanes = model.run(draws, backend="numba")
    engine = model.engine("numba")
    assert isinstance(engine, jit.NumbaEngine)
    for k in range(3):
        one = {name: values[k] for name, values in draws.items()}
        single = model.run(one, n_runs=1, backend="numba")
        numpy = model.run(one, n_runs=1, backend="numpy")
        for name in model.variables:
            np.testing.assert_array_equal(single[name][0], lanes[name][k], err_msg=name)
            assert_close(single[name][0], numpy[name][0], f"{name} run {k}")
    blocks = {key[1] for key in engine._kernels}
    assert {jitgen.SINGLE_RUN_BLOCK, jitgen.BLOCK} <= blocks


EXP_MODEL = """{UTF-8}
x=
\t0
\t~\tdmnl [-800,800]
\t~\tArgument.
\t|

y=
\tEXP(x)
\t~\tdmnl
\t~\tValue.
\t|

FINAL TIME  = 1
\t~\tYear
\t~\tThe final time.
\t|

INITIAL TIME  = 0
\t~\tYear
\t~\tThe initial time.
\t|

SAVEPER  = 1
\t~\tYear [0,?]
\t~\tThe output interval.
\t|

TIME STEP  = 1
\t~\tYear [0,?]
\t~\tThe time step.
\t|
"""


def test_kernel_exp_is_within_one_ulp_of_libm(tmp_path):
    """The kernel computes EXP without a libm call (to stay vectorised): compare it
    with NumPy's exp on normal results, and NaN/inf/underflow cases exactly."""
    path = tmp_path / "exp.mdl"
    path.write_text(EXP_MODEL, encoding="utf-8")
    model = compile_model(path, backend="numba")
    rng = np.random.default_rng(5)
    x = np.concatenate([
        np.linspace(-708.0, 709.78, 40_001), rng.normal(0, 3, 20_000), rng.uniform(-50, 50, 20_000),
        [0.0, -0.0, 1e-300, -1e-300, 709.782712893384, 709.8, -745.2, -800.0, 800.0,
         np.nan, np.inf, -np.inf],
    ])
    got = model.run({"x": x}, outputs=["y"])["y"][:, 0]
    # the kernel ran (a model without dynamics once fell back to NumPy unnoticed)
    assert model.engine().name == "numba" and model.engine().fallback_reason is None
    with np.errstate(over="ignore"):
        expected = np.exp(x)
    normal = np.isfinite(expected) & (expected > 2.3e-308)
    np.testing.assert_allclose(got[normal], expected[normal], rtol=2.3e-16, atol=0)
    special = ~normal & (np.abs(x) > 700) | np.isnan(x) | np.isinf(x)
    np.testing.assert_array_equal(got[special], expected[special])


LN_POWER_MODEL = EXP_MODEL.replace("EXP(x)", "LN(x)").replace("dmnl [-800,800]", "dmnl [-1e308,1e308]").replace(
    "\nFINAL TIME", """\np=
\t1
\t~\tdmnl [-1e308,1e308]
\t~\tExponent.
\t|

z=
\tx^p
\t~\tdmnl
\t~\tPower with an exponent that is not a literal.
\t|

FINAL TIME""", 1)


def _ln_power(tmp_path, x, p):
    path = tmp_path / "ln_power.mdl"
    path.write_text(LN_POWER_MODEL, encoding="utf-8")
    model = compile_model(path, backend="numba")
    result = model.run({"x": x, "p": p}, outputs=["y", "z"])
    assert model.engine().name == "numba" and model.engine().fallback_reason is None
    return result["y"][:, 0], result["z"][:, 0]


def test_kernel_ln_is_within_two_ulp_of_libm(tmp_path):
    """LN without a libm call (``jitmath.ln``): within 2 ulp of NumPy's log from
    subnormal numbers to 1e308 and next to 1, exact on zeros, negatives, inf, NaN."""
    rng = np.random.default_rng(11)
    x = np.concatenate([
        np.exp(rng.uniform(-744, 709, 50_000)), rng.uniform(0, 4, 20_000), 1 + rng.normal(0, 1e-9, 5_000),
        [5e-324, 1e-310, 2.2250738585072014e-308, 1.0, 2.0, 0.5, np.sqrt(2), 1.7976931348623157e308],
    ])
    special = np.array([0.0, -0.0, -1.0, -1e-300, np.inf, -np.inf, np.nan])
    got, _ = _ln_power(tmp_path, np.concatenate([x, special]), 1.0)
    expected = np.log(x)
    error = np.abs(got[:len(x)] - expected)
    assert np.all(error <= 2 * np.spacing(np.abs(expected)) + (expected == 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(got[len(x):], np.log(special))


def test_kernel_power_follows_libm_and_its_special_cases(tmp_path):
    """x^p with a non-literal exponent (``jitmath.power``, exp(p ln|x|) in double-double):
    within (|p| + 4) ulp of NumPy's power on random values; on every pair of special
    values (zeros of both signs, ±1, ±inf, NaN, negative bases with integer and other
    exponents, subnormals) the same zeros, infinities, NaN, ones and signs."""
    rng = np.random.default_rng(12)
    x = np.exp(rng.uniform(-30, 30, 50_000)) * rng.choice([1.0, -1.0], 50_000)
    p = np.where(rng.random(50_000) < 0.5, rng.uniform(-6, 6, 50_000), rng.integers(-9, 10, 50_000) * 1.0)
    values = np.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, -3.0, 1e-310, -1e-310, 1e308,
                       np.inf, -np.inf, np.nan])
    gx, gp = (a.ravel() for a in np.meshgrid(values, values))
    _, got = _ln_power(tmp_path, np.concatenate([x, gx]), np.concatenate([p, gp]))
    with np.errstate(all="ignore"):
        expected = np.power(np.concatenate([x, gx]), np.concatenate([p, gp]))
    n = len(x)
    finite = np.isfinite(expected[:n]) & (expected[:n] != 0)
    assert np.isnan(expected[:n]).sum() > 1000  # negative bases with fractional exponents
    bound = (np.abs(p) + 4) * 2.0 ** -52
    assert np.all(np.abs(got[:n][finite] / expected[:n][finite] - 1) <= bound[finite])
    np.testing.assert_array_equal(got[:n][~finite], expected[:n][~finite])
    exact = ~np.isfinite(expected[n:]) | np.isin(expected[n:], [0.0, 1.0, -1.0])
    np.testing.assert_array_equal(got[n:][exact], expected[n:][exact])
    np.testing.assert_allclose(got[n:][~exact], expected[n:][~exact], rtol=1e-13)
    number = ~np.isnan(expected[n:])  # the sign of a NaN means nothing
    assert np.array_equal(np.signbit(got[n:][number]), np.signbit(expected[n:][number]))


def test_parallel_variant_is_compiled_only_when_a_batch_needs_threads(fresh_engines, tmp_path,
                                                                      monkeypatch, pysd_cache):
    """A single run uses the serial kernel only: the parallel variant (seconds of Numba's
    parfor compilation even for a tiny model) is compiled at its first use, recorded,
    and gives the serial kernel's results bit for bit."""
    folder = tmp_path / "cache"  # a cold kernel cache: ``cache_root`` is memoised, so patch it
    folder.mkdir()
    monkeypatch.setattr(jit, "cache_root", lambda: folder)
    monkeypatch.setattr(jit, "_KERNELS", {})
    monkeypatch.setattr(jit, "_PARALLEL_RECORDS", [])
    model = fresh_engines(MDL_DIR / "stock_flow.mdl")
    model.run()
    assert not [r for r in jit.compile_records() if r.path.endswith("(parallel)")]
    n = 4 * jit.PARALLEL_MIN_RUNS
    rates = np.linspace(0.0, 0.05, n)
    batch = model.run({"growth rate": rates}, outputs=["Stock A"])["Stock A"]
    parallel = [r for r in jit.compile_records() if r.path.endswith("(parallel)")]
    if model.engine().numba.get_num_threads() > 1:
        assert len(parallel) == 1 and not parallel[0].from_disk_cache and parallel[0].seconds > 0
    for i in (0, n // 2, n - 1):  # each run equals the same run alone (serial kernel), bit for bit
        alone = model.run({"growth rate": float(rates[i])}, outputs=["Stock A"])["Stock A"][0]
        np.testing.assert_array_equal(batch[i], alone)
    expected = pysd_run(pysd_cache(MDL_DIR / "stock_flow.mdl"), {"growth rate": 0.05}, ["Stock A"])
    assert_close(batch[-1], expected["Stock A"].values, "parallel kernel")


def test_kernel_source_has_no_conditional_expression_but_if_then_else():
    """Every choice but IF THEN ELSE is a branch-free ``select``: conditional expressions
    are basic blocks of Numba IR, and the compile time grows with their number."""
    import re

    model = compile_model(MDL_DIR / "math_functions.mdl", backend="numba")
    model.run()
    engine = model.engine()
    assert isinstance(engine, jit.NumbaEngine)
    sources = [open(r.path, encoding="utf-8").read() for r in engine.compile_log]
    assert sources and all("select(" in s for s in sources)
    for source in sources:
        body = source[source.index("def run_block"):]
        assert not re.search(r" if .+ else ", body), "a conditional expression in the kernel"
