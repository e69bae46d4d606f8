"""Batch simulator == PySD, for every construct model and for the product model,
with both backends (NumPy and the compiled Numba kernel).

Each test draws random constants inside the ranges declared in the .mdl (read from
PySD's ``model.doc``), runs all draws in ONE batch and compares every variable at
every saved time with separate PySD runs (rtol 1e-9, atol 1e-9 * max(1, max|x|)).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import pytest

from models.batch import compile_model

from .conftest import (
    MDL_DIR,
    PRODUCT_MODEL,
    assert_close,
    declared_ranges,
    draw,
    pysd_run,
)

CONSTRUCT_MODELS = sorted(p for p in MDL_DIR.glob("*.mdl") if not p.stem.startswith("unsupported_"))
BACKENDS = ["numpy", "numba"]


def _seed(name: str) -> int:
    return zlib.crc32(name.encode())


def _assert_backend_ran(batch, backend: str) -> None:
    """The backend under test computed the results: a kernel that cannot be built
    falls back to NumPy with a log message, which would make the Numba rows of this
    suite compare NumPy again."""
    engine = batch.engine(backend)
    assert engine.fallback_reason is None, engine.fallback_reason


def _compare_draws(
    mdl, ref_model, n_draws: int, chunk_size: int | None = None, batch=None,
    spread: float = 1.0, backend: str = "numpy",
) -> None:
    batch = batch or compile_model(mdl, backend=backend)
    ranges = declared_ranges(ref_model)
    assert ranges, f"{mdl.name} declares no ranges"
    defaults = pysd_run(ref_model, {}, list(ranges)).iloc[0] if spread < 1 else None
    draws = draw(ranges, np.random.default_rng(_seed(mdl.stem)), n_draws, defaults, spread)
    kwargs = {"chunk_size": chunk_size} if chunk_size else {}
    result = batch.run(draws, **kwargs)
    _assert_backend_ran(batch, backend)
    columns = list(batch.variables)
    for k in range(n_draws):
        expected = pysd_run(ref_model, {n: float(v[k]) for n, v in draws.items()}, columns)
        np.testing.assert_allclose(result.times, expected.index.values, rtol=0, atol=1e-9)
        for name in columns:
            reference = expected[name].values.astype(float)
            # a comparison of NaNs would prove little: the draws must stay finite
            assert np.isfinite(reference).all(), f"{mdl.stem} run {k}: {name} not finite"
            assert_close(result[name][k], reference, f"{mdl.stem} run {k}: {name}")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mdl", CONSTRUCT_MODELS, ids=lambda p: p.stem)
def test_random_draws_in_one_batch_equal_separate_pysd_runs(mdl, backend, pysd_cache):
    _compare_draws(mdl, pysd_cache(mdl), n_draws=3, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mdl", CONSTRUCT_MODELS, ids=lambda p: p.stem)
def test_default_single_run_equals_pysd(mdl, backend, pysd_cache):
    """N == 1 with the .mdl defaults (scalar fast path)."""
    ref_model = pysd_cache(mdl)
    batch = compile_model(mdl, backend=backend)
    result = batch.run()
    _assert_backend_ran(batch, backend)
    expected = pysd_run(ref_model, {}, batch.variables)
    for name in batch.variables:
        assert_close(result[name][0], expected[name].values, f"{mdl.stem}: {name}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_time_series_params_equal_pysd(backend, pysd_cache):
    """A pandas Series is interpolated at every time step exactly as PySD does; a
    DataFrame gives one series per run."""
    mdl = MDL_DIR / "stock_flow.mdl"
    ref_model = pysd_cache(mdl)
    batch = compile_model(mdl, backend=backend)
    years = np.array([1995.0, 2010.0, 2020.5, 2045.0])  # starts before, ends before the run
    series = pd.Series([0.01, 0.08, 0.02, 0.05], index=years)
    frame = pd.DataFrame({0: series.values, 1: series.values[::-1] / 2}, index=years)
    shared = batch.run({"growth rate": series, "decay time": np.array([4.0, 12.0])})
    per_run = batch.run({"growth rate": frame}, outputs=["Stock A", "inflow A"])
    for k in range(2):
        expected = pysd_run(
            ref_model,
            {"growth rate": series, "decay time": [4.0, 12.0][k]},
            ["Stock A", "inflow A", "growth rate", "arithmetic mix"],
        )
        for name in ("Stock A", "inflow A", "growth rate", "arithmetic mix"):
            assert_close(shared[name][k], expected[name].values, f"series run {k}: {name}")
        expected = pysd_run(ref_model, {"growth rate": frame[k]}, ["Stock A", "inflow A"])
        for name in ("Stock A", "inflow A"):
            assert_close(per_run[name][k], expected[name].values, f"frame run {k}: {name}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_override_keeps_pysd_integer_semantics(backend, pysd_cache):
    """PySD keeps a Python int as an int: an integer SMOOTHI initial value makes an
    integer state array and truncates the first input. A float does not."""
    mdl = MDL_DIR / "smooth.mdl"
    ref_model = pysd_cache(mdl)
    batch = compile_model(mdl, backend=backend)
    for value in (6, 6.0):
        result = batch.run({"smooth initial": value, "initial signal": 10.7})
        expected = pysd_run(
            ref_model, {"smooth initial": value, "initial signal": 10.7}, batch.variables
        )
        for name in batch.variables:
            assert_close(result[name][0], expected[name].values, f"{value!r}: {name}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_chunks_and_threads_equal_pysd(backend, pysd_cache):
    """Several chunks (including a partial one), two threads, and (Numba) blocks of
    runs larger than a SIMD block with a partial last block: same as PySD."""
    mdl = MDL_DIR / "delay.mdl"
    ref_model = pysd_cache(mdl)
    batch = compile_model(mdl, backend=backend)
    n = 45
    draws = draw(declared_ranges(ref_model), np.random.default_rng(7), n)
    result = batch.run(draws, chunk_size=37, n_threads=2, outputs=["shipments 3", "Orders"])
    for k in range(0, n, 4):
        expected = pysd_run(ref_model, {n: float(v[k]) for n, v in draws.items()}, ["shipments 3", "Orders"])
        for name in ("shipments 3", "Orders"):
            assert_close(result[name][k], expected[name].values, f"run {k}: {name}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_product_model_equals_pysd(backend, pysd_cache):
    if not PRODUCT_MODEL.exists():
        pytest.skip(f"product model {PRODUCT_MODEL} does not exist yet")
    ref_model = pysd_cache(PRODUCT_MODEL)
    batch = compile_model(PRODUCT_MODEL, backend=backend)
    # uniform draws over the full declared ranges make most runs of the product model
    # non-finite (independent initial land shares can sum above 1): draw within 5 %
    # of each range around the default instead
    _compare_draws(PRODUCT_MODEL, ref_model, n_draws=3, chunk_size=2, batch=batch, spread=0.05)
    assert batch.engine().name == backend
    # defaults, N == 1 scalar path
    result = batch.run()
    expected = pysd_run(ref_model, {}, batch.variables)
    for name in batch.variables:
        assert_close(result[name][0], expected[name].values, f"default: {name}")
