"""The UK's crude birth and death rates of 1990-2016 equal the source counts over the UN WPP
population, recomputed here from the counts as the sources print them.

Deaths: ONS, 2016-based national population projections, summary results, figure 2.2 (estimated
years ending 30 June, thousands; source ONS_NPP2016_BIRTHS_DEATHS). The rate of the year ending
30 June of year Y is its deaths over the mean of the mid-year populations of Y-1 and Y, and the
calibration compares it with the model on 1 January of Y (``timing: start``). Births: ONS live
births of the calendar year as tabulated by statinvestor (source ONS_UK_BIRTHS) over the mid-year
population of the same year. The populations are those of ``owid_co2_energy_gdp_pop.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from calibration.config import load_config
from calibration.history import load_history
from tests.calibration.raw_data import raw_values

NATIONAL = Path(__file__).resolve().parents[2] / "calibration" / "national.yaml"
VITAL = "gbr_vital_rates.csv"
#: deaths in the years ending 30 June, thousands, as printed in the ONS figure's CSV
ONS_DEATHS = dict(zip(range(1990, 2017), (
    664.123, 645.025, 635.437, 633.55, 650.828, 630.37, 644.964, 637.09, 617.137, 633.863,
    626.941, 599.233, 601.519, 604.91, 603.252, 590.644, 575.265, 570.47, 569.912, 569.964,
    553.434, 555.953, 558.817, 580.285, 551.202, 603.625, 588.143)))
#: live births of the calendar year, as printed in the statinvestor table of ONS births
ONS_BIRTHS = dict(zip(range(1990, 2017), (
    798364, 792269, 780799, 761526, 750480, 731882, 733163, 726622, 716888, 699976, 679029,
    669123, 668777, 695549, 715996, 722549, 748563, 772245, 794383, 790204, 807271, 807776,
    812970, 778803, 776352, 777165, 774835)))
#: the two 1990s rates taken from the Human Fertility Database, not derived
HFD_YEARS = {1990, 1991}


def _population() -> dict[int, float]:
    return raw_values("owid_co2_energy_gdp_pop.csv", "GBR")["population"]


def test_death_rates_are_the_ons_deaths_over_the_mean_population() -> None:
    pop, rates = _population(), raw_values(VITAL, "GBR")["crude_death_rate"]
    assert sorted(rates) == list(range(1990, 2017))
    for year, deaths in ONS_DEATHS.items():
        expected = deaths * 1e3 / ((pop[year - 1] + pop[year]) / 2) * 1e3
        assert rates[year] == pytest.approx(expected, abs=0.006), year
    # the rate falls by about a quarter over the period while the population ages
    assert rates[2016] / rates[1990] == pytest.approx(0.77, abs=0.01)


def test_birth_rates_are_the_ons_births_over_the_mid_year_population() -> None:
    pop, rates = _population(), raw_values(VITAL, "GBR")["crude_birth_rate"]
    assert sorted(rates) == list(range(1990, 2017))
    for year, births in ONS_BIRTHS.items():
        tolerance = 0.05 if year in HFD_YEARS else 0.006  # HFD rates differ in the 2nd decimal
        assert rates[year] == pytest.approx(births / pop[year] * 1e3, abs=tolerance), year
    # the rebound of 2002-2012 is in the data
    assert rates[2012] > rates[2002] + 1.4


def test_the_fit_compares_the_death_rate_at_the_start_of_the_year() -> None:
    cfg = load_config(NATIONAL, region="GBR")
    (target,) = [t for t in cfg.series if t.name == "crude_death_rate"]
    assert target.timing == "start" and target.model_variable == "crude death rate"
    df = load_history(cfg.data[0].path)
    rows = df[df.variable == "crude_death_rate"].set_index("year")["value"]
    rates = raw_values(VITAL, "GBR")["crude_death_rate"]
    for year, value in rows.items():
        assert value == pytest.approx(rates[int(year)] / 1000, rel=1e-12)
