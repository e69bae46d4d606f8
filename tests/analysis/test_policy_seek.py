"""Target seeking (analysis.policy.seek), verified by independent PySD runs (models.model).

Grids are kept small (n_grid 9–17) so that the suite also runs on the PySD fallback.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import turning_points as tpmod
from analysis.metrics import MetricError
from analysis.policy.levers import PolicyConfigError
from analysis.policy.plots import plot_seek
from analysis.policy.seek import seek
from models.model import load_model


def _pysd(overrides: dict[str, float]) -> pd.DataFrame:
    return load_model().run(overrides)


def _year(df: pd.DataFrame, key: str) -> float:
    """Turning-point year of a PySD run (projection era), inf when not reached."""
    p = tpmod.turning_points(df["gross emissions"], sink=df["land carbon sink"])[key]
    return p.year if p.reached else math.inf


def test_continuous_target_met_within_tolerance() -> None:
    """Returning cropland to forest (退耕还林) needed for an official forest coverage in
    2035 halfway between the coverage without the lever and at 400 x 10^4 ha/yr (both
    from PySD runs of the model defaults)."""
    lever, var = "returning cropland to forest rate", "official forest coverage"
    low, high = (_pysd({lever: x}).loc[2035.0, var] for x in (0.0, 400.0))
    assert high > low + 0.1  # the lever raises the coverage
    goal = round((low + high) / 2, 3)
    res = seek(lever, f"{var}@2035>={goal}", lower=0, upper=400, n_grid=9)
    assert res.reachable and res.direction == "increase" and res.method == "brentq"
    fail, ok = res.bracket
    assert ok == res.value and 0 < ok - fail <= 3 * res.xtol
    at_value = _pysd({lever: res.value})
    below = _pysd({lever: fail})
    # met (Target.met: >= with a 1e-12 relative tolerance) at the value, not below it
    assert res.target.met(at_value.loc[2035.0, var])
    assert not res.target.met(below.loc[2035.0, var])
    assert at_value.loc[2035.0, var] == pytest.approx(goal, abs=1e-3)  # crossing within xtol
    assert res.metric_value == pytest.approx(at_value.loc[2035.0, var], rel=1e-9)


def test_step_target_by_bisection() -> None:
    """Non-fossil mandate for new energy supply (新增能源非化石强制比例) needed for an
    emission peak (TP3) halfway between the peak years without the mandate and with a
    full mandate (PySD runs of the model defaults, with wind and solar limited to 30 % of
    new supply: with the default ceiling the peak comes in 2026 with or without the mandate,
    which starts in 2025 and leaves nothing to bisect)."""
    lever = "non fossil mandate for new supply"
    scen = {"maximum wind and solar share of new supply": 0.3}
    late, early = (min(_year(_pysd({**scen, lever: x}), "tp3"), 2101.0) for x in (0.0, 1.0))  # 2101: not by 2100
    assert late - early >= 2  # the mandate brings the peak forward
    goal = early + (late - early) // 2
    res = seek(lever, f"tp3<={goal:g}", scenario=scen, n_grid=9)
    assert res.reachable and res.method == "bisection" and res.change > 0
    fail, ok = res.bracket
    assert ok - fail <= res.xtol
    assert _year(_pysd({**scen, lever: res.value}), "tp3") <= goal
    assert _year(_pysd({**scen, lever: fail}), "tp3") > goal


def test_decreasing_lever_and_scenario() -> None:
    """CCS start year for neutrality in a year between those of a late (2080) and an
    early (2040) start, with a full non-fossil mandate and a large CCS programme fixed:
    the start has to move earlier."""
    lever = "CCS start year"
    scen = {"non fossil mandate for new supply": 1.0, "CCS target capacity": 5000.0, lever: 2080.0}
    # 2101: not by 2100
    late, early = (min(_year(_pysd({**scen, lever: x}), "neutrality"), 2101.0) for x in (2080.0, 2040.0))
    assert late - early >= 2  # an earlier start brings neutrality forward
    goal = early + (late - early) // 2
    res = seek(lever, f"neutrality<={goal:g}", scenario=scen, lower=2040, upper=2100, n_grid=9)
    assert res.reachable and res.direction == "decrease" and res.change < 0
    assert _year(_pysd({**scen, lever: res.value}), "neutrality") <= goal
    assert _year(_pysd({**scen, lever: res.bracket[0]}), "neutrality") > goal


def test_unreachable_target_is_an_answer() -> None:
    """Afforestation alone cannot bring neutrality by 2060: the sink potential space
    (suitable unused land) is nearly used up by 2025, so the lever barely acts."""
    res = seek("additional afforestation rate", "neutrality<=2060", n_grid=9)
    assert not res.reachable and res.value is None and res.change is None
    assert res.best_metric == 2101.0  # censored: not reached by 2100
    assert "cannot be reached" in res.message() and "无法实现" in res.message("zh")
    row = res.to_frame().iloc[0]
    assert not row.reachable and row.best_value == res.best_value


def test_already_met_and_bad_input() -> None:
    res = seek("fertiliser reduction", "tp3<=2040", n_grid=3)  # model defaults peak in 2038
    assert res.reachable and res.direction == "none" and res.change == 0.0 and res.n_runs == 3
    with pytest.raises(PolicyConfigError, match="search range"):
        seek("fertiliser reduction", "tp3<=2030", lower=0.5, upper=2.0)
    with pytest.raises(MetricError, match="must look like METRIC<=VALUE"):
        seek("fertiliser reduction", "tp3 about 2030")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figure(lang: str) -> None:
    res = seek("fertiliser reduction", "gross emissions@2030<=7380", n_grid=5)
    assert isinstance(plot_seek(res, lang), Figure)
