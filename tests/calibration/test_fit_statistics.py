"""Fit statistics (Sterman 1984) against values computed by hand on tiny series."""

import math

import numpy as np
import pytest

from calibration.statistics import STAT_NAMES, fit_statistics, statistics_table

SQ3 = math.sqrt(3.0)


def test_hand_computed_three_points():
    # A = actual, S = simulated
    st = fit_statistics([2, 2, 4], [1, 2, 3])
    assert st["n"] == 3
    assert st["mse"] == pytest.approx(2 / 3)
    assert st["rmse"] == pytest.approx(math.sqrt(2 / 3))
    assert st["mape"] == pytest.approx(100 * (1 + 0 + 1 / 3) / 3)  # 44.44 %
    assert st["rmspe"] == pytest.approx(100 * math.sqrt((1 + 0 + 1 / 9) / 3))  # 60.86 %
    assert st["r2"] == pytest.approx(0.0)  # SSE = SST = 2
    assert st["r"] == pytest.approx(SQ3 / 2)
    assert st["theil_u"] == pytest.approx(math.sqrt(2 / 3) / (math.sqrt(8) + math.sqrt(14 / 3)))
    # bias (mean S - mean A)^2 = 4/9 of MSE 2/3
    assert st["um"] == pytest.approx(2 / 3)
    # (s_S - s_A)^2 / MSE with s_S = sqrt(8/9), s_A = sqrt(2/3)
    assert st["us"] == pytest.approx(7 / 3 - 4 / SQ3)
    # 2 (1 - r) s_S s_A / MSE
    assert st["uc"] == pytest.approx(4 / SQ3 - 2)
    assert st["um"] + st["us"] + st["uc"] == pytest.approx(1.0)


def test_pure_bias_is_all_um():
    st = fit_statistics([2, 3, 4, 5], [1, 2, 3, 4])
    assert st["um"] == pytest.approx(1.0)
    assert st["us"] == pytest.approx(0.0, abs=1e-12)
    assert st["uc"] == pytest.approx(0.0, abs=1e-12)
    assert st["mape"] == pytest.approx(100 * np.mean([1, 1 / 2, 1 / 3, 1 / 4]))


def test_unequal_variation_is_all_us():
    # same mean, perfectly correlated, twice the spread
    st = fit_statistics([0, 2, 4], [1, 2, 3])
    assert st["um"] == pytest.approx(0.0, abs=1e-12)
    assert st["us"] == pytest.approx(1.0)
    assert st["uc"] == pytest.approx(0.0, abs=1e-12)
    assert st["r"] == pytest.approx(1.0)


def test_unequal_covariation_is_all_uc():
    # same mean and spread, r = -1
    st = fit_statistics([3, 2, 1], [1, 2, 3])
    assert st["um"] == pytest.approx(0.0, abs=1e-12)
    assert st["us"] == pytest.approx(0.0, abs=1e-12)
    assert st["uc"] == pytest.approx(1.0)
    assert st["r"] == pytest.approx(-1.0)
    assert st["r2"] == pytest.approx(1 - 8 / 2)  # SSE 8, SST 2


def test_perfect_fit():
    st = fit_statistics([1.0, 2.0, 4.0], [1.0, 2.0, 4.0])
    assert st["mse"] == 0 and st["mape"] == 0 and st["rmspe"] == 0
    assert st["r2"] == 1.0 and st["theil_u"] == 0.0
    assert all(math.isnan(st[k]) for k in ("um", "us", "uc"))  # 0/0: undefined


def test_constant_simulation_has_zero_covariance_term():
    st = fit_statistics([2, 2, 2], [1, 2, 3])
    assert math.isnan(st["r"])
    assert st["uc"] == 0.0
    assert st["um"] + st["us"] == pytest.approx(1.0)


def test_nan_pairs_dropped_and_zero_actual():
    st = fit_statistics([1, np.nan, 3], [1, 2, np.nan])
    assert st["n"] == 1
    st = fit_statistics([1, 1], [0, 1])
    assert math.isnan(st["mape"]) and math.isnan(st["rmspe"])
    assert st["mse"] == pytest.approx(0.5)


def test_empty_and_mismatch():
    st = fit_statistics([], [])
    assert st["n"] == 0 and math.isnan(st["mse"])
    with pytest.raises(ValueError):
        fit_statistics([1, 2], [1])


def test_table_columns():
    df = statistics_table({"a": fit_statistics([1, 2], [1, 3])})
    assert list(df.columns) == list(STAT_NAMES)
    assert df.index.tolist() == ["a"]
