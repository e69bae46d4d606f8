"""Historical data inputs in the Numba kernel: a constant the model documents as a
"Historical data input" is always read as a time series, so runs that give it as a
series, as a number or not at all share one kernel, and its values are read once per
time step outside the loop over the runs of a block (inside it, the loads stopped the
vectorisation of that loop). Every result equals PySD and the NumPy backend."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from models.batch import compile_model, jit

from .conftest import MDL_DIR, assert_close, pysd_run


SHARE = pd.Series([0.30, 0.18, 0.26, 0.22], index=[1990.0, 2000.0, 2010.0, 2023.0])
PRICE = pd.Series([0.0, 0.0, 25.0, 80.0], index=[1990.0, 2004.0, 2005.0, 2022.0])


@pytest.fixture(scope="module")
def mdl():
    """Two data inputs (one with an integer default) and an ordinary constant; also in
    the equivalence suite's construct models."""
    return MDL_DIR / "data_inputs.mdl"


def _numba_engine(model) -> jit.NumbaEngine:
    engine = model.engine("numba")
    if not isinstance(engine, jit.NumbaEngine):
        pytest.skip("Numba is not installed")
    return engine


def test_data_inputs_are_the_constants_documented_as_such(mdl):
    engine = _numba_engine(compile_model(mdl))
    names = {engine.model.info[n].vensim for n in engine.data_inputs}
    assert names == {"investment share", "carbon price"}


@pytest.mark.parametrize("n_runs", [1, 5])
def test_series_number_or_nothing_share_one_kernel_and_equal_pysd(mdl, pysd_cache, n_runs):
    model = compile_model(mdl)
    engine = _numba_engine(model)
    cases = [
        {},
        {"investment share": 0.3, "carbon price": 40.0},
        {"investment share": SHARE},
        {"investment share": SHARE, "carbon price": PRICE},
        {"carbon price": PRICE, "loss rate": 0.15},
    ]
    pysd_model = pysd_cache(mdl)
    for params in cases:
        numba = model.run(params, n_runs=n_runs, backend="numba")
        numpy = model.run(params, n_runs=n_runs, backend="numpy")
        expected = pysd_run(pysd_model, params, ["Stock", "outflow"])
        for name in ("Stock", "outflow"):
            for k in range(n_runs):
                assert_close(numba[name][k], expected[name].values, f"{name} {params}")
                assert_close(numba[name][k], numpy[name][k], f"{name} {params} numpy")
    block = jit.SINGLE_RUN_BLOCK if n_runs == 1 else jit.BLOCK
    kernels = {id(entry[0]) for key, entry in engine._kernels.items() if key[1] == block}
    assert len(kernels) == 1, "every case above should run on one compiled kernel"


def test_a_data_input_given_per_run_is_still_simulated_per_run(mdl):
    """Per-run values of a data input (a sweep over it) keep their own kernel, and each
    run equals the same run given alone."""
    model = compile_model(mdl)
    shares = np.array([0.1, 0.2, 0.3])
    batch = model.run({"investment share": shares}, backend="numba")
    for k, share in enumerate(shares):
        alone = model.run({"investment share": float(share)}, n_runs=1, backend="numba")
        assert_close(batch["Stock"][k], alone["Stock"][0], f"run {k}")


def test_shared_series_are_read_outside_the_loop_over_runs(mdl):
    engine = _numba_engine(compile_model(mdl))
    share = next(n for n in engine.data_inputs if engine.model.info[n].vensim == "investment share")
    key = engine._signature_key({share: "series"}, frozenset(), engine.compiler.grid)
    source, layout = engine._source(key)
    assert set(layout.series) == set(engine.data_inputs)
    lines = source.splitlines()
    lane_loops = [i for i, line in enumerate(lines) if re.match(r"\s*for j1 in range\(B\):", line)]
    assert lane_loops, "the generator has no loop over the runs of a block"
    for start in lane_loops:
        indent = len(lines[start]) - len(lines[start].lstrip())
        for line in lines[start + 1:]:
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                break
            assert "TS[" not in line, f"a shared series read inside the lane loop: {line.strip()}"
    step_reads = [line for line in lines if re.search(r"TS\[\d+, i\]", line)]
    assert len(step_reads) == len(layout.series)


def test_per_run_series_are_copied_outside_the_loop_over_runs(mdl, pysd_cache):
    """A DataFrame (one series per run) is copied into the block's value array once per
    time step, before the loop over the runs (which then reads that array alone); five
    runs (two blocks, the second one partly filled) each equal PySD given its series."""
    model = compile_model(mdl)
    engine = _numba_engine(model)
    share = next(n for n in engine.data_inputs if engine.model.info[n].vensim == "investment share")
    key = engine._signature_key({share: "frame"}, frozenset(), engine.compiler.grid)
    source, layout = engine._source(key)
    assert layout.frames == (share,)
    lines = source.splitlines()
    for start in (i for i, line in enumerate(lines) if re.match(r"\s*for j1 in range\(B\):", line)):
        indent = len(lines[start]) - len(lines[start].lstrip())
        for line in lines[start + 1:]:
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                break
            assert "TF[" not in line, f"a per-run series read inside the lane loop: {line.strip()}"
    assert len([line for line in lines if re.search(r"= TF\[0, i, R\]", line)]) == 1

    frame = pd.DataFrame({k: SHARE.values * (0.6 + 0.2 * k) for k in range(5)}, index=SHARE.index)
    batch = model.run({"investment share": frame}, backend="numba")
    numpy = model.run({"investment share": frame}, backend="numpy")
    pysd_model = pysd_cache(mdl)
    for k in range(5):
        expected = pysd_run(pysd_model, {"investment share": frame[k]}, ["Stock", "outflow"])
        for name in ("Stock", "outflow"):
            assert_close(batch[name][k], expected[name].values, f"{name} run {k}")
            assert_close(batch[name][k], numpy[name][k], f"{name} run {k} numpy")
