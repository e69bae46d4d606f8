"""Behaviour out of sample (Sterman, Business Dynamics ch. 21): China fitted only to its
history up to 2012 (the validation command's fitted scenarios, three optimizer seeds) must
project the turns that followed, not unbroken growth.

Benchmarks independent of the model:
- the projection the UN made from the same history: World Population Prospects, the 2012
  Revision (UN DESA, June 2013) projected India to pass China "around 2028, when both countries
  will have populations of 1.45 billion", China's population decreasing afterwards;
- the observed peak (UN WPP series of the history file, 2021), which came earlier than both
  projections because China's births fell after 2016 far faster than before: reported, not
  required (README, "Births from the women of childbearing age");
- for emissions, the issue's requirement: a peak before the end of the horizon and a fall
  after it, from the fitted constants alone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from calibration.validate import scenario_file_name, standard_cases
from models.model import run_scenario
from scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[2]
_, SEEDS = standard_cases(ROOT / "calibration/national.yaml")
FITTED = [ROOT / "calibration/reports/validation" / scenario_file_name("CHN", 2012, s) for s in SEEDS]
HISTORY = ROOT / "calibration/data/history_CHN.csv"
WPP2012_PEAK_YEAR = 2028  # "around 2028", UN WPP 2012 Revision
WPP2012_PEAK = 145000.0  # 1.45 billion, in 10^4 person


def test_every_seed_of_the_standard_case_has_its_fitted_scenario() -> None:
    assert len(SEEDS) >= 3
    assert all(p.is_file() for p in FITTED), FITTED


def test_the_observed_peak_is_one_the_fit_did_not_see() -> None:
    h = pd.read_csv(HISTORY)
    wpp = h[h["variable"] == "total_population_wpp"].set_index("year")["value"]
    assert int(wpp.idxmax()) > 2012


@pytest.mark.parametrize("path", FITTED, ids=lambda p: p.stem)
def test_china_fitted_to_2012_turns_like_the_un_projection_of_2012(path: Path) -> None:
    out = run_scenario(load_scenario(path).inputs, ["total population", "fossil and industry CO2 emissions"])
    population = out["total population"]
    assert abs(int(population.idxmax()) - WPP2012_PEAK_YEAR) <= 5
    assert population.max() == pytest.approx(WPP2012_PEAK, rel=0.05)
    co2 = out["fossil and industry CO2 emissions"]
    final = float(co2.index.max())
    assert co2.idxmax() < final - 10
    assert co2.loc[final] < 0.95 * co2.max()
