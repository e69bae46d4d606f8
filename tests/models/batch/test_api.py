"""Run API: names, metadata, result containers, metrics mode, parameters, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from models.batch import (
    DelayOrderError,
    ParameterError,
    UnknownVariableError,
    compile_model,
)

from .conftest import MDL_DIR, assert_close, declared_ranges, draw, pysd_run

STOCK_FLOW = MDL_DIR / "stock_flow.mdl"


@pytest.fixture(scope="module")
def model():
    return compile_model(STOCK_FLOW)


def test_names_resolve_from_vensim_and_python_spellings(model, pysd_cache):
    ref = pysd_cache(STOCK_FLOW)
    namespace = ref.namespace  # Vensim name -> PySD python name
    for vensim in model.variables:
        assert model.resolve(vensim) == namespace[vensim]
        assert model.resolve(namespace[vensim]) == namespace[vensim]
    assert model.resolve("STOCK  a") == namespace["Stock A"]


def test_unknown_name_lists_close_matches(model):
    with pytest.raises(UnknownVariableError) as info:
        model.resolve("Stok A")
    assert isinstance(info.value, KeyError)
    assert "Stock A" in str(info.value)
    with pytest.raises(KeyError):
        model.run({"growth rat": 0.1})


def test_metadata_matches_pysd(model, pysd_cache):
    ref = pysd_cache(STOCK_FLOW)
    doc = ref.doc.set_index("Real Name")
    expected_vars = {n for n in doc.index if n != "Time" and doc.loc[n, "Type"] != "Lookup"}
    assert set(model.variables) == expected_vars
    defaults = pysd_run(ref, {}, list(model.constants))
    for name, value in model.constants.items():
        assert value == pytest.approx(defaults[name].iloc[0], rel=1e-15)
    ranges = declared_ranges(ref)
    for name, (low, high, _) in ranges.items():
        assert model.limits[name][:2] == (low, high)


def test_result_containers(model, pysd_cache):
    ref = pysd_cache(STOCK_FLOW)
    growth = np.array([0.01, 0.05, 0.09])
    result = model.run({"growth rate": growth}, outputs=["Stock A", "decay_b"])
    assert set(result.arrays) == {"Stock A", "decay_b"}
    n_times = len(result.times)
    assert result["Stock A"].shape == (3, n_times)
    assert result["decay B"] is result["decay_b"]  # any spelling of an output
    expected = pysd_run(ref, {"growth rate": 0.05}, ["Stock A", "decay B"])

    frame = result.to_dataframe(run=1)
    assert list(frame.columns) == ["Stock A", "decay_b"]
    np.testing.assert_allclose(frame.index.values, expected.index.values)
    assert_close(frame["Stock A"].values, expected["Stock A"].values, "to_dataframe")

    dataset = result.to_xarray()
    assert isinstance(dataset, xr.Dataset)
    assert dataset["Stock A"].dims == ("run", "time")
    assert_close(dataset["decay_b"].sel(run=1).values, expected["decay B"].values, "to_xarray")

    long = result.to_long()
    assert list(long.columns) == ["run", "time", "variable", "value"]
    assert len(long) == 3 * n_times * 2
    picked = long[(long.run == 1) & (long.variable == "Stock A")].sort_values("time")
    assert_close(picked["value"].values, expected["Stock A"].values, "to_long")


def test_run_metrics_reduces_each_run(model, pysd_cache):
    ref = pysd_cache(STOCK_FLOW)
    draws = draw(declared_ranges(ref), np.random.default_rng(3), 5)
    calls = []
    metrics = {
        "final A": lambda arrays, times: arrays["Stock A"][:, -1],
        "peak B year": lambda arrays, times: times[np.argmax(arrays["Stock B"], axis=1)],
    }
    table = model.run_metrics(
        draws, metrics, chunk_size=2, outputs=["Stock A", "Stock B"],
        progress=lambda done, total: calls.append((done, total)),
    )
    assert list(table.columns) == ["final A", "peak B year"]
    assert len(table) == 5
    assert calls == [(2, 5), (4, 5), (5, 5)]
    for k in range(5):
        expected = pysd_run(ref, {n: float(v[k]) for n, v in draws.items()}, ["Stock A", "Stock B"])
        assert table["final A"][k] == pytest.approx(expected["Stock A"].iloc[-1], rel=1e-9)
        assert table["peak B year"][k] == expected["Stock B"].idxmax()


def test_run_metrics_cuts_numba_chunks_to_its_buffer_limit(model, monkeypatch):
    """With the Numba backend a chunk's time series are kept within METRICS_BUFFER_BYTES
    (here room for two runs), whatever chunk size is asked for; results are those of run()."""
    import models.batch.runner as runner

    if model.engine("numba").name != "numba":
        pytest.skip("Numba backend unavailable")
    outputs = ["Stock A", "Stock B"]
    n_saved = len(model.times)
    monkeypatch.setattr(runner, "METRICS_BUFFER_BYTES", 8 * len(outputs) * n_saved * 2)
    rates = {"growth rate": np.linspace(0, 0.1, 5)}
    calls = []
    table = model.run_metrics(
        rates, {"final A": lambda arrays, times: arrays["Stock A"][:, -1]},
        outputs=outputs, chunk_size=8192, backend="numba",
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(2, 5), (4, 5), (5, 5)]
    full = model.run(rates, outputs=outputs, backend="numba")
    np.testing.assert_array_equal(table["final A"].to_numpy(), full["Stock A"][:, -1])


def test_progress_reports_every_chunk(model):
    calls = []
    model.run({"growth rate": np.linspace(0, 0.1, 7)}, outputs=["Stock A"], chunk_size=3,
              progress=lambda done, total: calls.append((done, total)))
    assert calls == [(3, 7), (6, 7), (7, 7)]


def test_parameter_errors(model):
    with pytest.raises(ParameterError, match="control variable"):
        model.run({"TIME STEP": 0.5})
    with pytest.raises(ParameterError, match="different lengths"):
        model.run({"growth rate": np.ones(3), "decay time": np.ones(4)})
    with pytest.raises(ParameterError, match="n_runs"):
        model.run({"growth rate": np.ones(3)}, n_runs=4)
    with pytest.raises(ParameterError, match="increasing"):
        model.run({"growth rate": pd.Series([1.0, 2.0], index=[2010.0, 2000.0])})
    lookups = compile_model(MDL_DIR / "lookups.mdl")
    with pytest.raises(ParameterError, match="lookup"):
        lookups.run({"extraction effect": 1.0})
    with pytest.raises(ParameterError, match="lookup"):
        lookups.run({"extraction_effect": 1.0})


def test_a_constant_given_twice_is_refused_however_often_it_was_given_before():
    """Names accepted once are remembered (a single run's parameters are not resolved
    again); two spellings of one constant stay an error, in the first call and later."""
    model = compile_model(STOCK_FLOW)
    for _ in range(2):  # the second time both spellings are remembered
        with pytest.raises(ParameterError, match="given twice"):
            model.run({"growth rate": 0.02, "growth_rate": 0.03})
        model.run({"growth rate": 0.02})
        model.run({"growth_rate": 0.02})
    with pytest.raises(ParameterError, match="control variable"):
        model.run({"TIME STEP": 0.5})  # refused names are not remembered
    with pytest.raises(ParameterError, match="n_runs"):
        model.run({"growth rate": 0.02}, n_runs=0)
    shared = model.run({"growth rate": 0.02}, n_runs=3, outputs=["Stock A"])["Stock A"]
    alone = model.run({"growth_rate": 0.02}, outputs=["Stock A"])["Stock A"]
    assert shared.shape[0] == 3 and np.array_equal(shared[2], alone[0])


def test_scalars_shared_and_n_runs(model):
    result = model.run({"growth rate": 0.02}, n_runs=4, outputs=["Stock A"])
    assert result["Stock A"].shape[0] == 4
    assert np.all(result["Stock A"] == result["Stock A"][0])


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_delay_shorter_than_order_times_dt_is_refused(backend):
    """PySD would silently lower the DELAY3 order; the batch runner refuses, naming
    the first such DELAY in PySD's initialisation order, for one run, a few runs and
    a parallel block of runs where only some runs are affected."""
    model = compile_model(MDL_DIR / "delay.mdl", backend=backend)
    for value in (0.2, np.full(3, 0.2), np.where(np.arange(40) == 37, 0.2, 4.0)):
        with pytest.raises(DelayOrderError, match="'shipments 3':"):
            model.run({"delay time": value})


def test_to_xarray_carries_units_names_and_comments(model, pysd_cache):
    """Attributes come from the model file, as PySD documents it (``model.doc``)."""
    doc = pysd_cache(STOCK_FLOW).doc.set_index("Real Name")
    result = model.run({"growth rate": np.array([0.01, 0.05])}, outputs=["Stock A", "decay_b"])
    dataset = result.to_xarray()
    assert dataset["Stock A"].dims == ("run", "time")
    for key, vensim in (("Stock A", "Stock A"), ("decay_b", "decay B")):
        attrs = dataset[key].attrs
        assert attrs["long_name"] == vensim
        assert attrs["units"] == doc.loc[vensim, "Units"]
        assert attrs["comment"] == doc.loc[vensim, "Comment"]
    assert dataset["time"].attrs["units"] == doc.loc["INITIAL TIME", "Units"]
    assert dataset.attrs["source"] == "stock_flow.mdl"
    np.testing.assert_array_equal(dataset["Stock A"].values, result["Stock A"])
