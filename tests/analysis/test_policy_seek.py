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


def _neutrality_year(df: pd.DataFrame) -> float:
    p = tpmod.turning_points(df["gross emissions"], sink=df["land carbon sink"])["neutrality"]
    return p.year if p.reached else math.inf


def test_continuous_target_met_within_tolerance() -> None:
    """Returning cropland to forest (退耕还林) needed for 25 % forest coverage in 2035."""
    lever = "returning cropland to forest rate"
    res = seek(lever, "forest coverage@2035>=25", lower=0, upper=400, n_grid=9)
    assert res.reachable and res.direction == "increase" and res.method == "brentq"
    fail, ok = res.bracket
    assert ok == res.value and 0 < ok - fail <= 3 * res.xtol
    at_value = _pysd({lever: res.value})
    below = _pysd({lever: fail})
    # met (Target.met: >= with a 1e-12 relative tolerance) at the value, not below it
    assert res.target.met(at_value.loc[2035.0, "forest coverage"])
    assert not res.target.met(below.loc[2035.0, "forest coverage"])
    assert at_value.loc[2035.0, "forest coverage"] == pytest.approx(25.0, abs=1e-3)  # crossing within xtol
    assert res.metric_value == pytest.approx(at_value.loc[2035.0, "forest coverage"], rel=1e-9)


def test_step_target_by_bisection() -> None:
    """Additional non-fossil share (非化石能源占比提升) needed for neutrality by 2060."""
    lever = "additional non fossil share"
    res = seek(lever, "neutrality<=2060", n_grid=9)
    assert res.reachable and res.method == "bisection" and res.change > 0
    fail, ok = res.bracket
    assert ok - fail <= res.xtol
    assert _neutrality_year(_pysd({lever: res.value})) <= 2060
    assert _neutrality_year(_pysd({lever: fail})) > 2060


def test_decreasing_lever_and_scenario() -> None:
    """Year of 100 % non-fossil energy for neutrality by 2050, with a CCS scenario fixed."""
    scen = {"CCS capacity growth": 10.0}
    res = seek("year of full non fossil energy", "neutrality<=2050", scenario=scen, lower=2030, upper=2200, n_grid=9)
    assert res.reachable and res.direction == "decrease" and res.change < 0
    assert _neutrality_year(_pysd({**scen, "year of full non fossil energy": res.value})) <= 2050
    assert _neutrality_year(_pysd({**scen, "year of full non fossil energy": res.bracket[0]})) > 2050


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
    res = seek("fertiliser reduction", "tp3<=2030", n_grid=3)
    assert res.reachable and res.direction == "none" and res.change == 0.0 and res.n_runs == 3
    with pytest.raises(PolicyConfigError, match="search range"):
        seek("fertiliser reduction", "tp3<=2030", lower=0.5, upper=2.0)
    with pytest.raises(MetricError, match="must look like METRIC<=VALUE"):
        seek("fertiliser reduction", "tp3 about 2030")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figure(lang: str) -> None:
    res = seek("fertiliser reduction", "gross emissions@2030<=7380", n_grid=5)
    assert isinstance(plot_seek(res, lang), Figure)
