"""The vectorized turning points equal the scalar reference, run by run.

:func:`analysis.turning_points.turning_points` is the reference: for every run and
every key, :func:`turning_points_batch` must give the same status, year, value and
bound year (exactly, NaN for "none").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.turning_points import (
    KEYS,
    STATUS_CODES,
    Smoothing,
    turning_point_years,
    turning_points,
    turning_points_batch,
)

ARGS = ("emissions", "sink", "growth_emissions", "construction_land", "energy", "gdp")


def _nan(v: float | None) -> float:
    return np.nan if v is None else float(v)


def assert_same_as_reference(times, inputs: dict[str, np.ndarray], **options) -> pd.DataFrame:
    """Compare batch and scalar results for every run; return the batch status counts."""
    batch = turning_points_batch(times, **inputs, **options)
    n = inputs["emissions"].shape[0] if inputs["emissions"].ndim == 2 else 1
    index = pd.Index(np.asarray(times, dtype=float))
    for i in range(n):
        series = {
            name: pd.Series(np.atleast_2d(arr)[i], index=index) for name, arr in inputs.items() if arr is not None
        }
        table = turning_points(series.pop("emissions"), **series, **options)
        for key in batch.keys:
            p = table[key]
            got = (
                STATUS_CODES[batch.status[key][i]],
                batch.years[key][i],
                batch.values[key][i],
                batch.bound_years[key][i],
            )
            want = (p.status, _nan(p.year), _nan(p.value), _nan(p.bound_year))
            assert got[0] == want[0], f"run {i}, {key}: status {got[0]} != {want[0]}"
            for label, g, w in zip(("year", "value", "bound_year"), got[1:], want[1:]):
                assert np.array_equal(g, w, equal_nan=True), f"run {i}, {key}: {label} {g!r} != {w!r}"
    return batch.counts()


# --------------------------------------------------------------------------------------
# Model runs (batch runner, random lever draws)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_runs() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    from analysis.policy.evaluate import batch_model
    from analysis.policy.levers import LEVER_NAMES
    from analysis.policy.metrics import TP_OUTPUTS
    from models.model import load_model
    from scenarios import load_scenario

    model = load_model()
    bm = batch_model()
    rng = np.random.default_rng(20240501)
    n = 240
    # first half: calibrated baseline, second half: model defaults; levers over their
    # full ranges and 20 % draws of a few economy/energy/sink constants in both halves
    half = n // 2
    params: dict[str, object] = {}
    for name, value in load_scenario("baseline").overrides.items():
        params[name] = np.r_[np.full(half, value), np.full(n - half, model.constants[name].default)]
    for name in LEVER_NAMES:
        c = model.constants[name]
        params[name] = rng.uniform(c.minimum, c.maximum, n)
    for name in ("energy intensity decline rate with targets", "initial GDP growth rate", "long run GDP growth rate",
                 "non fossil transition midpoint", "migration coefficient", "young forest sink per hectare"):
        c = model.constants[name]
        base = np.asarray(params.get(name, c.default), dtype=float)
        width = 0.2 * (c.maximum - c.minimum)
        params[name] = np.clip(base + rng.uniform(-width, width, n), c.minimum, c.maximum)
    result = bm.run(params, n_runs=n, outputs=list(TP_OUTPUTS.values()))
    inputs = {arg: np.ascontiguousarray(result[var]) for arg, var in TP_OUTPUTS.items()}
    return np.asarray(result.times, dtype=float), inputs


def test_model_runs_equal_reference(model_runs) -> None:
    times, inputs = model_runs
    counts = assert_same_as_reference(times, inputs)
    # the draws exercise the boundary and threshold outcomes, not only "reached"
    assert counts.loc["tp1", "before_start"] > 0 and counts.loc["tp4", "before_start"] > 0
    assert counts.loc["neutrality", "not_yet"] > 0 and counts.loc["tp3", "not_yet"] > 0
    assert counts.loc["tp2_intensity", "not_sustained"] > 0
    assert (counts.loc[["tp1", "tp2", "tp3", "tp4", "tp5", "neutrality"], "reached"] > 0).all()


def test_model_runs_with_options_equal_reference(model_runs) -> None:
    times, inputs = model_runs
    sub = {k: v[::6] for k, v in inputs.items()}
    assert_same_as_reference(
        times, sub, start=2000.0, end=2080.0, tp5_growth_share=0.05, tp5_land_growth_tol=0.002,
        neutrality_tol_share=0.03, intensity_tol=0.1,
    )
    assert_same_as_reference(times, sub, tp5_growth_threshold=5.0, neutrality_tol=50.0)
    assert_same_as_reference(times, sub, smoothing=Smoothing("moving_average", 5.0))
    assert_same_as_reference(times, {k: v[::20] for k, v in inputs.items()}, smoothing=Smoothing("savgol", 7.0, 2))


def test_years_shortcut_and_key_subset(model_runs) -> None:
    times, inputs = model_runs
    full = turning_points_batch(times, **inputs)
    years = turning_point_years(times, **inputs)
    assert set(years) == set(KEYS)
    sub = turning_points_batch(times, inputs["emissions"], sink=inputs["sink"], keys=["neutrality", "tp3"])
    assert sub.keys == ("tp3", "neutrality")
    for key in sub.keys:
        np.testing.assert_array_equal(years[key], full.years[key])
        np.testing.assert_array_equal(sub.years[key], full.years[key])
        np.testing.assert_array_equal(sub.status[key], full.status[key])
    reached = full.reached("tp3")
    assert np.isfinite(full.years["tp3"][reached]).all() and np.isnan(full.years["tp3"][~reached]).all()


# --------------------------------------------------------------------------------------
# Synthetic curves and edge cases
# --------------------------------------------------------------------------------------

T9 = np.arange(2000.0, 2009.0)


def rows(*curves) -> np.ndarray:
    return np.array(curves, dtype=float)


def test_edge_cases_of_the_maximum_rules() -> None:
    E = rows(
        [9, 8, 7, 6, 5, 4, 3, 2, 1],  # max at the first step: before_start
        [1, 2, 3, 4, 5, 6, 7, 8, 9],  # max at the last step: not_yet
        [1, 3, 5, 5, 5, 2, 1, 1, 1],  # plateau: earliest
        [1, 5, 2, 5, 1, 0, 0, 0, 0],  # tie of two local maxima: earliest
        [4, 4, 4, 4, 4, 4, 4, 4, 4],  # constant: no_peak
        [0, 0, 1, 2, 0, -1, -2, -3, -1],  # E <= 0: growth rate undefined there
        [5, 1, 2, 3, 4, 3, 2, 1, 0],  # boundary max with later local max
        [1, 2, 3, 2, 1, 2, 3, 4, 3],  # two peaks, later higher
        [2, 2, 2, 2, 2, 2, 2, 2, 3],  # rising only at the end
    )
    S = E[::-1] * 0.5 + 1.0
    assert_same_as_reference(T9, {"emissions": E, "sink": S})


def test_edge_cases_of_the_sustained_rules() -> None:
    E = np.full((6, 9), 10.0)
    S = rows(
        [0, 0, 0, 0, 0, 0, 0, 0, 0],  # never neutral: not_yet
        [0, 0, 11, 11, 11, 0, 0, 0, 0],  # crossing not sustained
        [11, 11, 11, 11, 11, 11, 11, 11, 11],  # neutral from the start: before_start
        [0, 11, 11, 0, 0, 11, 11, 11, 11],  # earlier crossing, final one counts
        [0, 0, 0, 0, 0, 0, 0, 0, 10],  # neutral exactly at the last step (N = 0 <= tol)
        [0, 0, 0, 0, 9.9, 9.9, 9.9, 9.9, 9.9],  # N = 0.1 <= 1 % of 10
    )
    G = rows(
        [5, 4, 3, 2, 1, 0, 0, 0, 0],
        [5, 4, 3, 2, 1, 0, 0, 0, 1],  # above threshold at the end
        [0, 0, 0, 0, 0, 0, 0, 0, 0],  # zero from the start (max 0 -> threshold 0)
        [5, 0, 0, 5, 0, 0, 0, 0, 0],
        [1, 1, 1, 1, 1, 1, 1, 1, 1],  # constant: threshold 2 % of 1 -> never
        [-1, -2, -3, 0, 0, 0, 0, 0, 0],  # negative maximum -> threshold 0
    )
    L = rows(
        [100, 110, 120, 125, 126, 126, 126, 126, 126],
        [100, 110, 120, 125, 126, 126, 126, 126, 126],
        [100, 100, 100, 100, 100, 100, 100, 100, 100],
        [100, 101, 101, 101, 101, 102, 102, 102, 102],  # land growing again
        [0, 0, 0, 0, 0, 0, 0, 0, 0],  # zero land: growth undefined -> not "no growth"
        [100, 99, 98, 97, 96, 95, 94, 93, 92],  # shrinking
    )
    assert_same_as_reference(T9, {"emissions": E, "sink": S, "growth_emissions": G, "construction_land": L})


def test_intensity_convergence_with_falling_gdp() -> None:
    t = np.arange(1990.0, 2031.0)
    gdp = rows(np.exp(0.05 * (t - 1990)), np.r_[np.linspace(1, 2, 20), np.linspace(2, 1.5, 21)], np.ones(41))
    energy = rows(
        1 + 0.5 * np.log1p(t - 1990),
        np.r_[np.linspace(1, 1.5, 20), np.linspace(1.5, 1.4, 21)],
        np.linspace(1, 2, 41),
    )
    E = energy * 2.0
    assert_same_as_reference(t, {"emissions": E, "energy": energy, "gdp": gdp})
    assert_same_as_reference(t, {"emissions": E, "energy": energy, "gdp": gdp}, intensity_tol=0.5)


def test_non_finite_rows_fall_back_to_the_reference() -> None:
    E = rows([1, 2, 3, 4, 3, 2, 1, 0, 0], [1, 2, np.nan, 4, 3, 2, 1, 0, 0], [1, np.inf, 3, 9, 3, 2, 1, 0, 0])
    S = rows([0, 1, 2, 3, 4, 5, 6, 7, 8], [0, 1, 2, 3, 4, 5, 6, 7, 8], [0, 1, 2, np.nan, 4, 5, 6, 7, 8])
    batch = turning_points_batch(T9, E, S)
    assert batch.fallback_rows.tolist() == [1, 2]
    assert_same_as_reference(T9, {"emissions": E, "sink": S})


def test_short_series_missing_inputs_horizon_and_grids() -> None:
    E2 = rows([1, 2], [2, 1])
    assert_same_as_reference(np.array([2000.0, 2001.0]), {"emissions": E2, "sink": E2 * 0.5})
    assert_same_as_reference(np.array([2000.0]), {"emissions": rows([1.0])})
    E = rows([1, 3, 5, 4, 2, 3, 1, 0, 0], [1, 2, 3, 4, 5, 4, 3, 2, 1])
    assert_same_as_reference(T9, {"emissions": E})  # no sink, G, L: no_input
    assert_same_as_reference(T9, {"emissions": E, "sink": E[::-1]}, start=2002, end=2006)
    uneven = np.array([2000, 2001, 2003, 2004, 2008, 2009, 2010, 2015, 2020], dtype=float)
    assert_same_as_reference(uneven, {"emissions": E, "sink": E[::-1]})
    assert_same_as_reference(uneven, {"emissions": E}, smoothing=Smoothing("moving_average", 4.0))
    shuffled = np.array([3, 0, 8, 1, 5, 2, 7, 4, 6])
    assert_same_as_reference(T9[shuffled], {"emissions": E[:, shuffled], "sink": E[::-1][:, shuffled]})
    quarter = 2000 + 0.25 * np.arange(9)
    assert_same_as_reference(quarter, {"emissions": E, "sink": E[::-1]}, smoothing=Smoothing("savgol", 1.0, 1))
    assert_same_as_reference(quarter, {"emissions": E}, smoothing=Smoothing("savgol", 5.0, 2))  # too short


def test_errors_match_the_reference() -> None:
    E = rows([1, 2, 3])
    t = np.array([2000.0, 2001.0, 2002.0])
    for bad in ({"tp5_growth_share": -1.0}, {"neutrality_tol_share": float("nan")}):
        with pytest.raises(ValueError, match="must be a finite number >= 0"):
            turning_points_batch(t, E, **bad)
        with pytest.raises(ValueError, match="must be a finite number >= 0"):
            turning_points(pd.Series(E[0], index=t), **bad)
    with pytest.raises(TypeError, match="smoothing must be a Smoothing"):
        turning_points_batch(t, E, smoothing="ma")
    with pytest.raises(ValueError, match="duplicate time 2001"):
        turning_points_batch(np.array([2000.0, 2001.0, 2001.0]), E)
    with pytest.raises(ValueError, match=r"sink: expected an array of shape \(N, 3\)"):
        turning_points_batch(t, E, sink=np.zeros((1, 4)))
    with pytest.raises(ValueError, match="2 runs, but emissions have 1"):
        turning_points_batch(t, E, sink=np.zeros((2, 3)))
    with pytest.raises(KeyError, match="unknown turning point"):
        turning_points_batch(t, E, keys=["tp9"])
    with pytest.raises(ValueError, match="even time grid"):
        turning_points_batch(np.array([2000.0, 2001.0, 2003.0]), E, smoothing=Smoothing("savgol", 3.0, 1))


# Small integer series make ties, plateaus, boundary maxima and threshold crossings common.
_series = st.lists(st.integers(-3, 6), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    n_times=st.integers(1, 12),
    n_runs=st.integers(1, 4),
)
def test_random_integer_series_equal_reference(data, n_times: int, n_runs: int) -> None:
    ints = st.lists(st.integers(-3, 6), min_size=n_times, max_size=n_times)

    def block() -> np.ndarray:
        return np.array([data.draw(ints) for _ in range(n_runs)], dtype=float)

    inputs = {
        "emissions": block(),
        "sink": block(),
        "growth_emissions": block(),
        "construction_land": block() + 3.0,
        "energy": block() + 4.0,
        "gdp": np.cumsum(block(), axis=1) + 10.0,
    }
    t = 2000.0 + np.arange(n_times)
    assert_same_as_reference(t, inputs)
