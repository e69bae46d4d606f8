"""Undefined (NaN) metric values: counted, censored and flagged, indicator, Morris drops."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from analysis.sensitivity import SensitivityProblem, compute_indices, run_analysis
from analysis.sensitivity.examples import LinearTrend
from analysis.sensitivity.indices import analysis_seed

PROBLEM = SensitivityProblem.from_mapping({"names": ["a", "b", "c"], "bounds": [[0, 1], [0, 1], [0, 1]]})
TIMES = np.arange(2020.0, 2031.0) - 2020.0  # horizon: 10 years
THRESHOLD = 6.0
CENSOR = TIMES[-1] + 1.0  # "not reached by the horizon" -> horizon end + 1


def not_reached(X: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """Independent of the evaluator: y(t)=a t + b never reaches the threshold."""
    return X[:, 0] * TIMES[-1] + X[:, 1] < threshold


def scalar_rows(result, metric: str) -> pd.DataFrame:
    return result.indices[result.indices["metric"] == metric]


def test_undefined_runs_are_counted_for_every_method() -> None:
    for method, n in (("sobol", 128), ("morris", 30), ("fast", 200)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Morris may drop every trajectory here (tested below)
            result = run_analysis(
                PROBLEM, LinearTrend(TIMES, THRESHOLD), method, n=n, seed=4, censor={"crossing": CENSOR}
            )
        expected = int(not_reached(result.samples).sum())
        assert 0 < expected < result.design.runs
        assert result.undefined_counts["crossing"] == expected
        assert result.undefined_counts["y"] == 0
        # raw outputs keep the NaN; censoring only happens inside the analysis
        assert int(np.isnan(result.outputs["crossing"]).sum()) == expected


def test_sobol_censors_flags_and_reports_the_indicator() -> None:
    result = run_analysis(PROBLEM, LinearTrend(TIMES, THRESHOLD), "sobol", n=256, seed=8, censor={"crossing": CENSOR})
    rows = scalar_rows(result, "crossing")
    assert set(rows["status"]) == {"censored"}
    assert rows["value"].notna().all()
    # the indices are exactly those of the censored vector
    censored = np.where(np.isnan(result.outputs["crossing"]), CENSOR, result.outputs["crossing"])
    direct = compute_indices(PROBLEM, result.design, censored, seed=analysis_seed(result.design.seed))
    np.testing.assert_array_equal(rows["value"].to_numpy(), direct["value"].to_numpy())
    # (b) the binary "reached or not" metric, analysed separately
    indicator = scalar_rows(result, "crossing__defined")
    assert set(indicator["status"]) == {"indicator"}
    assert indicator.query("index == 'ST'").set_index("parameter")["value"].idxmax() == "a"
    report = result.undefined.set_index("metric").loc["crossing"]
    assert report["treatment"] == f"censored at {CENSOR}"
    assert report["indicator_metric"] == "crossing__defined"


def test_without_censoring_value_metric_is_not_analysed_and_warned() -> None:
    with pytest.warns(UserWarning, match="metric 'crossing'.*no censoring value"):
        result = run_analysis(PROBLEM, LinearTrend(TIMES, THRESHOLD), "sobol", n=64, seed=8)
    rows = scalar_rows(result, "crossing")
    assert set(rows["status"]) == {"not_analysed"}
    assert rows["value"].isna().all()
    assert len(rows) == 6  # S1 and ST for each parameter: nothing silently dropped
    assert set(scalar_rows(result, "crossing__defined")["status"]) == {"indicator"}
    assert result.undefined_counts["crossing"] == int(not_reached(result.samples).sum())


def test_morris_drops_whole_trajectories_with_nan_and_reports_them() -> None:
    # threshold 3: undefined iff 10 a + b < 3, i.e. at the Morris level a = 0, so about
    # half of the trajectories (those visiting a = 0) contain an undefined run
    result = run_analysis(PROBLEM, LinearTrend(TIMES, 3.0), "morris", n=40, seed=2)
    bad_trajectories = not_reached(result.samples, 3.0).reshape(-1, PROBLEM.num_vars + 1).any(axis=1)
    assert 0 < bad_trajectories.sum() < 40
    report = result.undefined.set_index("metric").loc["crossing"]
    assert report["trajectories_dropped"] == int(bad_trajectories.sum()) > 0
    assert report["treatment"] == f"{int(bad_trajectories.sum())} trajectories dropped"
    assert np.isnan(report["censor_value"])
    rows = scalar_rows(result, "crossing")
    assert set(rows["status"]) == {"trajectories_dropped"}
    # equals a Morris analysis of only the complete trajectories
    keep = np.repeat(~bad_trajectories, PROBLEM.num_vars + 1)
    direct = compute_indices(
        PROBLEM,
        result.design,
        result.outputs["crossing"][keep],
        X=result.samples[keep],
        seed=analysis_seed(result.design.seed),
    )
    np.testing.assert_array_equal(rows["value"].to_numpy(), direct["value"].to_numpy())


def test_morris_with_too_few_complete_trajectories_is_not_analysed() -> None:
    with pytest.warns(UserWarning, match="fewer than 2 complete trajectories"):
        result = run_analysis(PROBLEM, LinearTrend(TIMES, 9.5), "morris", n=10, seed=2)
    report = result.undefined.set_index("metric").loc["crossing"]
    assert report["treatment"].startswith("not analysed (fewer than 2 complete trajectories")
    assert scalar_rows(result, "crossing")["value"].isna().all()
    assert set(scalar_rows(result, "crossing__defined")["status"]) == {"indicator"}


def test_all_defined_metric_has_no_indicator() -> None:
    result = run_analysis(PROBLEM, LinearTrend(TIMES, threshold=-1.0), "sobol", n=64, seed=1)
    assert result.undefined_counts == {"y": 0, "crossing": 0}
    assert "crossing__defined" not in set(result.indices["metric"])


def test_time_resolved_nan_counted_per_time_step() -> None:
    class Gappy:
        times = np.arange(4.0)

        def __call__(self, X, names):
            y = X[:, [0]] + self.times[None, :] * X[:, [1]]
            y[X[:, 2] > 0.75, 2:] = np.nan  # undefined late in the horizon for ~25 % of runs
            return {"y": y}

    result = run_analysis(PROBLEM, Gappy(), "sobol", n=64, seed=3, censor={"y": 0.0})
    expected = int((result.samples[:, 2] > 0.75).sum())
    ds = result.time_indices
    np.testing.assert_array_equal(ds["n_undefined"].sel(metric="y").values, [0, 0, expected, expected])
    assert list(ds["status"].sel(metric="y").values) == ["ok", "ok", "censored", "censored"]
    assert "y__defined" in ds["metric"].values
    assert result.undefined_counts["y"] == expected


def test_constant_output_is_flagged_without_warnings() -> None:
    class Constant:
        def __call__(self, X, names):
            return {"flat": np.full(X.shape[0], 3.0)}

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = run_analysis(PROBLEM, Constant(), "sobol", n=64, seed=3)
    assert set(result.indices["status"]) == {"constant"}
    assert result.indices["value"].isna().all()
