"""The one turning-point engine (analysis.turning_points.core) against hand-computed values.

Every run of a call is an independent row: the expected outcome of each row below is
worked out by hand in its comment. Windows, the censoring rule, the sequence
diagnostic and the kink flag are tested the same way.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.turning_points import TPOptions, TurningPointOptionsError, censor, detect, turning_points
from analysis.turning_points.core import ddt
from analysis.turning_points.kinks import abrupt_changes

T9 = np.arange(2000.0, 2009.0)
OPTS = {"analysis_start": 2000.0}  # projection era = whole horizon unless a test says otherwise


def rows(*curves) -> np.ndarray:
    return np.array(curves, dtype=float)


def outcome(arrays, key, window="hist"):
    a = arrays.get(key, window)
    return list(zip(arrays.status_names(key, window), a.year, a.bound))


def test_maximum_rule_row_by_row() -> None:
    E = rows(
        [9, 8, 7, 6, 5, 4, 3, 2, 1],  # max at the first step: before_start, bound 2000
        [1, 2, 3, 4, 5, 6, 7, 8, 9],  # max at the last step: not_yet, bound 2008
        [1, 3, 5, 5, 5, 2, 1, 1, 1],  # plateau 2002-2004: earliest, 2002
        [1, 5, 2, 5, 1, 0, 0, 0, 0],  # tie 2001 / 2003: earliest, 2001
        [4, 4, 4, 4, 4, 4, 4, 4, 4],  # constant: no_peak
        [5, 1, 2, 3, 4, 3, 2, 1, 0],  # global max at the start, later local max: before_start
        [1, 2, 3, 2, 1, 2, 3, 4, 3],  # later peak is higher: 2007
        [2, 2, 2, 2, 2, 2, 2, 2, 3],  # rising only at the end: not_yet
    )
    got = outcome(detect(T9, {"emissions": E}, OPTS, keys=["tp3"]), "tp3")
    nan = np.nan
    want = [("before_start", nan, 2000), ("not_yet", nan, 2008), ("reached", 2002, nan), ("reached", 2001, nan),
            ("no_peak", nan, nan), ("before_start", nan, 2000), ("reached", 2007, nan), ("not_yet", nan, 2008)]
    for i, (g, w) in enumerate(zip(got, want)):
        assert g[0] == w[0], f"row {i}: {g} != {w}"
        np.testing.assert_array_equal(g[1:], w[1:], err_msg=f"row {i}")


def test_growth_peaks_count_only_growth() -> None:
    # E = [1, 2, 4, 7, 9, 10, 10, 9, 7]: central increments 1, 1.5, 2.5, 2.5, 1.5, 0.5, -0.5, -1.5, -2
    # -> TP2 at 2002 (earliest of the 2.5 tie), value 2.5.
    # growth rates 1/1, 1.5/2, 2.5/4, 2.5/7, ...: maximum at the first step -> before_start.
    # A falling series has no positive increment: its increment peak lies before the window.
    E = rows([1, 2, 4, 7, 9, 10, 10, 9, 7], [9, 8, 7, 6, 5, 4, 3, 2, 1])
    tp = detect(T9, {"emissions": E}, OPTS, keys=["tp1", "tp2"])
    assert outcome(tp, "tp2")[0][:2] == ("reached", 2002.0) and tp.get("tp2", "hist").value[0] == 2.5
    assert outcome(tp, "tp1")[0][0] == "before_start"
    assert outcome(tp, "tp2")[1][0] == "before_start" and outcome(tp, "tp1")[1][0] == "before_start"


def test_sustained_rule_row_by_row() -> None:
    # E = 10: tolerance 1 % of max E = 0.1 Mt; N = E - S.
    E = np.full((6, 9), 10.0)
    S = rows(
        [0, 0, 0, 0, 0, 0, 0, 0, 0],  # N = 10 throughout: not_yet, bound 2008
        [0, 0, 11, 11, 11, 0, 0, 0, 0],  # met 2002-2004 only: not_sustained, bound 2008
        [11, 11, 11, 11, 11, 11, 11, 11, 11],  # met from the start: before_start, bound 2000
        [0, 11, 11, 0, 0, 11, 11, 11, 11],  # met for good from 2005 (N = -1)
        [0, 0, 0, 0, 0, 0, 0, 0, 10],  # N = 0 at the last step only: 2008
        [0, 0, 0, 0, 9.9, 9.9, 9.9, 9.9, 9.9],  # N = 0.1 <= 0.1 from 2004
    )
    tp = detect(T9, {"emissions": E, "sink": S}, OPTS, keys=["neutrality"])
    a = tp.get("neutrality", "hist")
    assert list(tp.status_names("neutrality", "hist")) == [
        "not_yet", "not_sustained", "before_start", "reached", "reached", "reached"]
    np.testing.assert_array_equal(a.year, [np.nan, np.nan, np.nan, 2005, 2008, 2004])
    np.testing.assert_allclose(a.value[3:], [-1.0, 0.0, 0.1])
    np.testing.assert_array_equal(a.bound, [2008, 2008, 2000, np.nan, np.nan, np.nan])


def test_tp5_threshold_relative_to_the_horizon_maximum() -> None:
    # G max = 5 -> threshold 0.1: row 0 at or below it from 2005; row 1 ends at 1 > 0.1;
    # row 2: G = 0 throughout, max 0 -> threshold 0, met from the start.
    G = rows([5, 4, 3, 2, 1, 0, 0, 0, 0], [5, 4, 3, 2, 1, 0, 0, 0, 1], [0] * 9)
    tp = detect(T9, {"emissions": np.ones((3, 9)), "growth_emissions": G}, OPTS, keys=["tp5"])
    assert list(tp.status_names("tp5", "hist")) == ["reached", "not_sustained", "before_start"]
    assert tp.get("tp5", "hist").year[0] == 2005


def test_windows_projection_and_history() -> None:
    # Gaussian emissions peaking 2028 (row 0) and 2040 (row 1); analysis start 2030.
    t = np.arange(1990.0, 2101.0)
    E = rows(np.exp(-((t - 2028) ** 2) / 200), np.exp(-((t - 2040) ** 2) / 200)) * 1000
    tp = detect(t, {"emissions": E}, {"analysis_start": 2030.0}, keys=["tp3"])
    assert outcome(tp, "tp3", "hist")[0][:2] == ("reached", 2028.0)
    assert outcome(tp, "tp3", "proj")[0][0] == "before_start" and tp.get("tp3", "proj").bound[0] == 2030
    assert outcome(tp, "tp3", "proj")[1][:2] == outcome(tp, "tp3", "hist")[1][:2] == ("reached", 2040.0)
    assert tp.window_starts["proj"] == 2030.0 and tp.window_starts["hist"] == 1990.0


@settings(max_examples=40, deadline=None)
@given(mu=st.floats(2000, 2080), start=st.integers(1991, 2090), n_cross=st.floats(2000, 2095))
def test_projection_window_equals_history_after_its_start(mu, start, n_cross):
    # For every key: a point of the whole horizon at or after the analysis start has the
    # same year in the projection era; one at or before it is a boundary at the start there.
    t = np.arange(1990.0, 2101.0)
    E = 1000 * np.exp(-((t - mu) ** 2) / 300) + 10
    S = np.where(t < n_cross, 0.0, 2000.0)
    tp = detect(t, {"emissions": E, "sink": S}, {"analysis_start": float(start)})
    for key in tp.keys:
        h, p = tp.get(key, "hist"), tp.get(key, "proj")
        if tp.status_names(key, "hist")[0] == "reached" and h.year[0] > start:
            assert p.year[0] == h.year[0], key
        elif tp.status_names(key, "hist")[0] == "reached":
            assert tp.status_names(key, "proj")[0] in ("before_start", "reached", "not_yet", "no_peak"), key
            if key in ("tp3", "neutrality"):
                assert tp.status_names(key, "proj")[0] == "before_start" and p.bound[0] == start


def test_censoring_rule() -> None:
    # reached 2030 -> 2030; before_start at 2025 -> 2024 (direction -1); not_yet at 2100 -> 2101 (+1);
    # no_peak -> NaN.
    t = np.arange(2025.0, 2101.0)
    E = rows(np.exp(-((t - 2030) ** 2) / 50), np.exp(-(t - 2025) / 10), np.exp((t - 2025) / 10), np.ones(t.size))
    tp = detect(t, {"emissions": E}, {"analysis_start": 2025.0}, keys=["tp3"])
    years, direction = censor(tp.get("tp3"), tp.step)
    np.testing.assert_array_equal(years, [2030, 2024, 2101, np.nan])
    np.testing.assert_array_equal(direction, [0, -1, 1, 0])


def test_sequence_diagnostic() -> None:
    # Row 0: E a Gaussian bump (TP1 at the start boundary, TP2 = mu - sigma, TP3 = mu) and a
    # logistic sink (TP4 at its midpoint 2070) -> all pairs in order.
    # Row 1: the same emissions, sink midpoint 2010 < TP3 = 2050 -> tp3<=tp4 out of order.
    t = np.arange(1990.0, 2101.0)
    E = 1000 * np.exp(-((t - 2050) ** 2) / (2 * 15**2))
    S = rows(300 / (1 + np.exp(-(t - 2070) / 5)), 300 / (1 + np.exp(-(t - 2010) / 5)))
    tp = detect(t, {"emissions": np.vstack([E, E]), "sink": S}, {"analysis_start": 1990.0},
                keys=["tp1", "tp2", "tp3", "tp4"])
    seq = tp.sequence("hist")
    assert list(seq.columns) == ["tp1<=tp2", "tp2<=tp3", "tp3<=tp4"]
    assert seq.iloc[0].tolist() == [1, 1, 1]
    assert seq.iloc[1].tolist() == [1, 1, -1]
    table = turning_points(pd.Series(E, t), sink=pd.Series(S[1], t), analysis_start=1990.0)
    res = table.sequence.set_index(["window", "pair"])["result"]
    assert res[("hist", "tp3<=tp4")] == "out of order" and res[("hist", "tp1<=tp2")] == "in order"


def test_abrupt_changes_of_driver_series() -> None:
    t = np.arange(1990.0, 2101.0)
    ramp = np.maximum(t - 2030, 0.0)  # kink at 2030
    step = np.where(t >= 2050, 1.0, 0.0)  # jump between 2049 and 2050
    smooth = 1 / (1 + np.exp(-(t - 2040) / 5))  # logistic, width 5 years
    expo = np.exp(0.03 * (t - 1990))
    flags = abrupt_changes(t, rows(ramp, step, smooth, expo))
    assert t[flags[0]].tolist() == [2030.0]
    assert t[flags[1]].tolist() == [2049.0, 2050.0]
    assert not flags[2].any() and not flags[3].any()


def test_kink_flag_names_the_input() -> None:
    # Growth rate g = 0.02 + 0.0015 (t - 1990) until 2009, then a STEP down to 0.005:
    # E = exp(cumulative g). TP1 is the last year before the step (2009; the central
    # difference at 2009 already mixes in the lower rate, so 2008 or 2009), and it sits
    # on the abrupt change of g -> flagged. A smooth (Gaussian) growth rate peaking at
    # 2009 gives TP1 = 2009 without a flag.
    t = np.arange(1990.0, 2061.0)
    g_step = np.where(t < 2010, 0.02 + 0.0015 * (t - 1990), 0.005)
    g_smooth = 0.02 + 0.03 * np.exp(-((t - 2009) ** 2) / 50)
    E = np.exp(np.cumsum(np.vstack([g_step, g_smooth]), axis=1))
    tp = detect(t, {"emissions": E}, {"analysis_start": 1990.0}, keys=["tp1"],
                drivers={"growth rate": np.vstack([g_step, g_smooth])})
    years = tp.get("tp1", "hist").year
    assert 2008 <= years[0] <= 2009 and abs(years[1] - 2009) <= 1
    assert tp.kink("tp1", "hist").tolist() == [True, False]
    table = turning_points(pd.Series(E[0], t), drivers={"growth rate": pd.Series(g_step, t)}, analysis_start=1990.0)
    assert table.hist["tp1"].kink_inputs == ("growth rate",)
    assert re.search(r"abrupt change of input growth rate \((2009|2010)", table.hist["tp1"].reason_en)
    assert table.to_frame()["kink"].iloc[0] == "growth rate"


def test_an_input_kink_that_does_not_reach_the_series_is_not_flagged() -> None:
    # The same smooth (Gaussian) growth rate peaking at 2009 as above, but the input
    # passed as a driver has a STEP at 2010 that the emissions never see: TP1 = 2009 is
    # near the input's abrupt change, yet E changes smoothly there, so it is not flagged.
    t = np.arange(1990.0, 2061.0)
    g_smooth = 0.02 + 0.03 * np.exp(-((t - 2009) ** 2) / 50)
    E = np.exp(np.cumsum(g_smooth))
    unrelated = np.where(t < 2010, 1.0, 0.2)
    tp = detect(t, {"emissions": E}, {"analysis_start": 1990.0}, keys=["tp1"],
                drivers={"unrelated input": unrelated})
    assert abs(tp.get("tp1", "hist").year[0] - 2009) <= 1
    assert tp.kink("tp1", "hist").tolist() == [False]
    # the flag comes back as soon as the emissions themselves carry the step
    g_step = np.where(t < 2010, g_smooth, 0.005)
    tp = detect(t, {"emissions": np.exp(np.cumsum(g_step))}, {"analysis_start": 1990.0}, keys=["tp1"],
                drivers={"unrelated input": unrelated})
    assert tp.kink("tp1", "hist").tolist() == [True]


def test_missing_points_are_skipped_like_numpy_on_the_compressed_series() -> None:
    t = np.array([2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007], float)
    y = np.array([1.0, 4.0, np.nan, 9.0, 7.0, np.nan, np.nan, 2.0])
    ok = np.isfinite(y)
    want = np.full(t.size, np.nan)
    want[ok] = np.gradient(y[ok], t[ok])
    np.testing.assert_allclose(ddt(t, y[None, :])[0], want, equal_nan=True)
    # a level maximum ignores the gaps: TP3 = 2003 (value 9)
    tp = detect(t, {"emissions": y}, OPTS, keys=["tp3"])
    assert tp.get("tp3", "hist").year[0] == 2003


def test_many_runs_in_one_call_equal_their_rows() -> None:
    # rows are independent: a row's result does not depend on the other rows of the call
    rng = np.random.default_rng(1)
    t = np.arange(1990.0, 2101.0)
    mu = rng.uniform(2000, 2080, 50)
    E = 1000 * np.exp(-((t[None, :] - mu[:, None]) ** 2) / 300)
    all_rows = detect(t, {"emissions": E}, OPTS, keys=["tp2", "tp3"])
    for i in (0, 17, 49):
        one = detect(t, {"emissions": E[i]}, OPTS, keys=["tp2", "tp3"])
        for key in ("tp2", "tp3"):
            assert one.get(key, "hist").year[0] == all_rows.get(key, "hist").year[i]
        # TP3 = mu on the annual grid, TP2 = mu - sigma (sigma = sqrt(150) = 12.2)
        assert abs(all_rows.get("tp3", "hist").year[i] - mu[i]) <= 0.5 + 1e-9
        assert abs(all_rows.get("tp2", "hist").year[i] - (mu[i] - math.sqrt(150))) <= 1 + 1e-9


def test_errors_name_the_problem() -> None:
    E = rows([1, 2, 3])
    t = np.array([2000.0, 2001.0, 2002.0])
    with pytest.raises(TurningPointOptionsError, match="tp5_growth_share must be a finite number >= 0"):
        detect(t, {"emissions": E}, {"tp5_growth_share": -1.0})
    with pytest.raises(TurningPointOptionsError, match=r"unknown turning-point option\(s\) \['tolerance'\]"):
        TPOptions.of({"tolerance": 1})
    with pytest.raises(TurningPointOptionsError, match="smoothing must be a Smoothing"):
        TPOptions(smoothing="ma")
    with pytest.raises(ValueError, match="duplicate time 2001"):
        detect(np.array([2000.0, 2001.0, 2001.0]), {"emissions": E})
    with pytest.raises(ValueError, match=r"sink: expected an array of shape \(N, 3\)"):
        detect(t, {"emissions": E, "sink": np.zeros((1, 4))})
    with pytest.raises(ValueError, match="2 runs, but emissions have 1"):
        detect(t, {"emissions": E, "sink": np.zeros((2, 3))})
    with pytest.raises(KeyError, match="unknown turning point"):
        detect(t, {"emissions": E}, keys=["tp9"])
    with pytest.raises(ValueError, match="emissions are required"):
        detect(t, {"sink": E})
