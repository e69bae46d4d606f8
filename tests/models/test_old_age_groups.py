"""The old-age groups of the age chain (老年人口分组): 65-74, 75-84 and 85 and over.

Mortality rises steeply with age above 65 (Gompertz), so the mortality of the people aged 65+
as a whole rises as that group itself grows older, even at constant age-specific rates. The
groups share the initial elderly deaths (from the initial crude death rate) in proportion to
their size times their relative mortality, so the model still starts on the observed crude
death rate. Checked against hand calculations over random constants, and in the limiting case of
equal mortality at all old ages, where the chain must behave like one stock of people aged 65+.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.model import load_model
from tests.models.model_data import mortality_by_hand, uniform_draws

MODEL = load_model()
DT = MODEL.time_settings["TIME STEP"]
GROUPS = ["Population Aged 65 to 74", "Population Aged 75 to 84", "Population Aged 85 and Over"]
DEATHS = ["deaths aged 65 to 74", "deaths aged 75 to 84", "deaths aged 85 and over"]
COLUMNS = [*GROUPS, *DEATHS, "Elderly Population", "elderly deaths", "current elderly mortality",
           "current mortality aged 65 to 74", "working age population reaching 65", "net emigration",
           "total population", "deaths", "relative GDP per capita", "population reaching 75",
           "population reaching 85", "initial elderly mortality"]
RANGES = {"initial share aged 65 and over": (0.03, 0.2), "initial crude death rate": (0.006, 0.012),
          "initial share of elderly aged 75 to 84": (0.15, 0.4),
          "initial share of elderly aged 85 and over": (0.02, 0.15),
          "relative mortality aged 75 to 84": (1.5, 4), "relative mortality aged 85 and over": (3, 10),
          "mortality income elasticity": (0, 1.5), "lowest mortality aged 65 to 74": (0.008, 0.02),
          "mortality decline from medical progress": (0, 0.025)}


def _run(overrides: dict[str, float], final_time: float = 2060, saveper: float | None = None) -> pd.DataFrame:
    return MODEL.run(overrides, return_columns=COLUMNS, final_time=final_time, saveper=saveper)


@pytest.mark.parametrize("draw", uniform_draws(RANGES, 5, seed=31))
def test_the_groups_start_on_their_shares_and_the_crude_death_rate(draw: dict[str, float]) -> None:
    first = _run(draw, final_time=1991).iloc[0]
    elderly = first["Elderly Population"]
    assert elderly == pytest.approx(draw["initial share aged 65 and over"] * first["total population"], rel=1e-9)
    s75, s85 = draw["initial share of elderly aged 75 to 84"], draw["initial share of elderly aged 85 and over"]
    assert first[GROUPS[1]] == pytest.approx(s75 * elderly, rel=1e-9)
    assert first[GROUPS[2]] == pytest.approx(s85 * elderly, rel=1e-9)
    # all deaths over all people: the observed crude death rate (no transient of the old ages)
    assert first["deaths"] == pytest.approx(draw["initial crude death rate"] * first["total population"], rel=1e-9)
    # the elderly deaths, split by hand: m0 x (share 65-74 + rel75 x share 75-84 + rel85 x share 85+) = initial rate
    index = 1 - s75 - s85 + s75 * draw["relative mortality aged 75 to 84"] + s85 * draw["relative mortality aged 85 and over"]
    m0 = first["initial elderly mortality"] / index
    assert first["current mortality aged 65 to 74"] == pytest.approx(m0, rel=1e-9)
    assert first["elderly deaths"] == pytest.approx(first["initial elderly mortality"] * elderly, rel=1e-9)


@pytest.mark.parametrize("draw", uniform_draws(RANGES, 4, seed=32))
def test_deaths_and_ageing_of_each_group_by_hand(draw: dict[str, float]) -> None:
    out = _run(draw)
    m0 = float(out["current mortality aged 65 to 74"].iloc[0])
    m = mortality_by_hand(out, m0, draw["lowest mortality aged 65 to 74"], draw["mortality income elasticity"],
                          draw["mortality decline from medical progress"], DT)
    np.testing.assert_allclose(out["current mortality aged 65 to 74"], m, rtol=1e-9)
    relative = [1.0, draw["relative mortality aged 75 to 84"], draw["relative mortality aged 85 and over"]]
    for group, death, rel in zip(GROUPS, DEATHS, relative):
        np.testing.assert_allclose(out[death], out[group] * m * rel, rtol=1e-9)
    np.testing.assert_allclose(out["population reaching 75"], out[GROUPS[0]] / 10, rtol=1e-12)
    np.testing.assert_allclose(out["population reaching 85"], out[GROUPS[1]] / 10, rtol=1e-12)
    np.testing.assert_allclose(out["elderly deaths"], out[DEATHS].sum(axis=1), rtol=1e-12)


def test_with_equal_mortality_at_all_old_ages_the_chain_is_one_stock() -> None:
    """Relative mortality 1 in both older groups: the people aged 65+ then die at one rate,
    and their number follows the single-stock equation E' = reaching 65 - m E - emigrants x E /
    population, integrated here by hand with the model's Euler step from the model's flows."""
    out = _run({"relative mortality aged 75 to 84": 1, "relative mortality aged 85 and over": 1}, saveper=DT)
    np.testing.assert_allclose(out["current elderly mortality"], out["current mortality aged 65 to 74"], rtol=1e-9)
    steps = np.arange(len(out))
    assert np.allclose(np.diff(out.index.to_numpy()), DT)
    elderly = float(out["Elderly Population"].iloc[0])
    for i in steps[:-1]:
        row = out.iloc[i]
        assert row["Elderly Population"] == pytest.approx(elderly, rel=1e-9), out.index[i]
        elderly += DT * (row["working age population reaching 65"] - row["current mortality aged 65 to 74"] * elderly
                         - row["net emigration"] * elderly / row["total population"])


def test_the_elderly_die_at_a_higher_rate_as_they_grow_older() -> None:
    """At constant age-specific rates (no fall of mortality with income or medical progress), China's people aged 65+
    are older in 2060 than in 1990 (the large cohorts of the 1950s and 1960s have passed 75),
    so their mortality as a whole is higher; with equal rates at all old ages it would not move."""
    out = _run({"mortality income elasticity": 0, "mortality decline from medical progress": 0})
    assert (out.index == np.round(out.index)).all()
    older = (out[GROUPS[1]] + out[GROUPS[2]]) / out["Elderly Population"]
    assert older.loc[2060] > older.loc[1990] + 0.05
    assert out["current elderly mortality"].loc[2060] > 1.1 * out["current elderly mortality"].loc[1990]
    np.testing.assert_allclose(out["current mortality aged 65 to 74"], out["current mortality aged 65 to 74"].iloc[0],
                               rtol=1e-12)


def test_extreme_elderly_mortality_empties_no_group_below_zero() -> None:
    """Extreme condition: a tiny initial share aged 65+ with a high crude death rate and high
    child mortality implies an elderly mortality above 1 per year (1.13 here), and the people
    aged 85+ would die at 4.1 per year, more than one time step's worth (1 / 0.25 year): each
    group's mortality is capped at the highest old-age mortality, so no group goes negative."""
    extreme = {"initial share aged 65 and over": 0.01, "initial crude death rate": 0.0173,
               "initial share aged 0 to 14": 0.157, "child mortality": 0.029, "working age mortality": 0.00167,
               "mortality income elasticity": 0}
    out = _run(extreme, saveper=DT)
    m0 = float(out["initial elderly mortality"].iloc[0])
    assert m0 > 1  # the crude death rate identity asks for more than one death per person-year
    highest = MODEL.constants["highest old age mortality"].default
    assert float(out["current mortality aged 65 to 74"].iloc[0]) * 5.7 > 1 / DT  # uncapped 85+: Euler overshoot
    for group, death in zip(GROUPS, DEATHS):
        assert out[group].min() >= 0, group
        per_person = out[death] / out[group]
        assert per_person.max() <= highest * (1 + 1e-12), death
