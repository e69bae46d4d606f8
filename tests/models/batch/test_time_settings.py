"""Time settings per run (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER) equal PySD
with the same settings: in the model file (initial time: every initial value is
computed at the new start) or as ``Model.run`` arguments."""

from __future__ import annotations

import numpy as np
import pytest

from models.batch import ParameterError, UnsupportedConstructError, compile_model

from .conftest import MDL_DIR, assert_close, pysd_run, read_pysd, with_control

START = MDL_DIR / "start_time.mdl"


@pytest.fixture(scope="module")
def model():
    return compile_model(START)


def _compare(result, reference, names, label):
    np.testing.assert_allclose(result.times, reference.index.values, rtol=0, atol=1e-9)
    for name in names:
        for k in range(result[name].shape[0]):
            assert_close(result[name][k], reference[name].values, f"{label}: {name} run {k}")


@pytest.mark.parametrize(
    "settings",
    [
        {"initial_time": 2005},
        {"initial_time": 2012.5, "final_time": 2030},
        {"initial_time": 2020, "time_step": 0.125, "saveper": 0.5},
    ],
    ids=["2005", "2012.5-2030", "2020-dt0.125"],
)
def test_initial_time_equals_pysd_with_edited_file(model, tmp_path, settings):
    reference_model = read_pysd(with_control(tmp_path, START, **settings))
    birth_rates = np.array([0.02, 0.031])
    result = model.run({"birth rate": birth_rates}, **settings)
    single = model.run(**settings)  # N == 1 path
    for k, rate in enumerate(birth_rates):
        expected = pysd_run(reference_model, {"birth rate": rate}, model.variables)
        np.testing.assert_allclose(result.times, expected.index.values, rtol=0, atol=1e-9)
        for name in model.variables:
            assert_close(result[name][k], expected[name].values, f"{settings} run {k}: {name}")
    expected = pysd_run(reference_model, {}, model.variables)
    _compare(single, expected, model.variables, f"{settings} single")
    assert single["start year"][0, 0] == settings["initial_time"]


def test_final_time_step_and_saveper_equal_pysd_run_arguments(model, pysd_cache):
    reference_model = pysd_cache(START)
    cases = [
        {"final_time": 2021, "time_step": 0.5, "saveper": 2},
        {"time_step": 0.125},  # SAVEPER = TIME STEP in the file follows it
        {"saveper": 5},
    ]
    for settings in cases:
        result = model.run({"life delay": np.array([4.0, 12.0])}, **settings)
        for k, delay in enumerate((4.0, 12.0)):
            expected = pysd_run(reference_model, {"life delay": delay}, model.variables, **settings)
            np.testing.assert_allclose(result.times, expected.index.values, rtol=0, atol=1e-9)
            for name in model.variables:
                assert_close(result[name][k], expected[name].values, f"{settings} run {k}: {name}")


def test_time_settings_in_metrics_mode(model):
    full = model.run(initial_time=2000, final_time=2030, outputs=["Population"])
    table = model.run_metrics(
        {}, {"last": lambda arrays, times: arrays["Population"][:, -1],
             "t": lambda arrays, times: np.full(len(arrays["Population"]), times[-1])},
        outputs=["Population"], initial_time=2000, final_time=2030,
    )
    assert table["last"][0] == full["Population"][0, -1]
    assert table["t"][0] == 2030


def test_invalid_time_settings_are_refused(model):
    with pytest.raises(ParameterError, match="TIME STEP must be positive"):
        model.run(time_step=0)
    with pytest.raises(ParameterError, match="before INITIAL TIME"):
        model.run(initial_time=2050)
    with pytest.raises(ParameterError, match="finite"):
        model.run(saveper=float("nan"))
    with pytest.raises(ParameterError, match="at most"):
        model.run(time_step=1e-300)
    with pytest.raises(ParameterError, match="expected a number"):
        model.run(final_time="2030")


def test_delay_order_is_checked_for_each_time_step():
    """DELAY1 with delay time 4 (delay.mdl's default) runs at TIME STEP 1 but not at
    TIME STEP 5 (1 x 5 > 4): refused before running, naming the delay time."""
    model = compile_model(MDL_DIR / "delay.mdl")
    model.run(time_step=1)
    with pytest.raises(UnsupportedConstructError, match="'shipments 1'.*DELAY1 whose delay time "
                       "'delay time' = 4 is below order x TIME STEP = 1 x 5"):
        model.run(time_step=5)


def test_run_scenario_uses_the_batch_runner_for_time_settings():
    """models.model.run_scenario with time settings: batch runner, equal to PySD."""
    from models.model import ModelInputError, load_model, run_scenario

    model = load_model()
    columns = list(model.stocks())[:4]
    settings = {"final_time": 2060, "time_step": 0.5, "saveper": 2}
    batch = run_scenario({}, return_columns=columns, **settings)
    pysd = run_scenario({}, return_columns=columns, engine="pysd", **settings)
    np.testing.assert_allclose(batch.index.values, pysd.index.values)
    for name in columns:
        assert_close(batch[name].values, pysd[name].values, name)
    later = run_scenario({}, return_columns=columns, initial_time=2005)
    assert later.index[0] == 2005
    with pytest.raises(ModelInputError, match="TIME STEP must be positive"):
        run_scenario({}, time_step=-1)
