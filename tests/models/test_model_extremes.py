"""Extreme-condition tests: levers pushed to their limits move the model the expected way.

Expectations come from the structure described in DOMAIN.md, not from earlier outputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.model import ModelInputError, load_model, run_scenario
from tests.models.model_data import model_lookup

MODEL = load_model()
POLICY_YEAR = MODEL.constants["policy start year"].default


def test_no_migration_keeps_urbanization_rate_constant() -> None:
    out = run_scenario({"migration coefficient": 0})
    rate = out["urbanization rate"]
    # Urban and rural populations share one birth and death rate, so without
    # migration the urban share cannot move.
    np.testing.assert_allclose(rate, rate.iloc[0], rtol=1e-12)
    assert (out["rural to urban migration"] == 0).all()


def test_migration_raises_urbanization_towards_saturation() -> None:
    out = run_scenario({})
    rate = out["urbanization rate"]
    saturation = 100 * MODEL.constants["saturation urbanization level"].default
    assert (np.diff(rate) >= -1e-12).all()
    assert rate.iloc[-1] <= saturation + 1e-9
    assert rate.iloc[-1] > rate.iloc[0] + 30


def test_net_international_migration_adds_people_of_working_age() -> None:
    """A constant net immigration of 5 per mille a year (the USA's order, UN WPP 2024):
    over the first year the population grows by about 0.005 x P more than without it, all
    of them of working age, and no child or elderly person is added directly. By 2050 the
    working-age share is higher than in the closed population."""
    dt = MODEL.time_settings["TIME STEP"]
    closed = MODEL.run({}, saveper=dt)
    open_ = MODEL.run({"net international migration rate": 0.005}, saveper=dt)
    p0 = closed["total population"].iloc[0]
    first = closed.index[0]
    one_year = first + 1
    extra = open_["total population"][one_year] - closed["total population"][one_year]
    # Euler steps compound the 0.5 %: between 0.005 P and 0.005 P x (1.005 + births)
    assert 0.005 * p0 <= extra <= 0.005 * p0 * 1.03
    extra_working = (open_["Working Age Population"][one_year]
                     - closed["Working Age Population"][one_year])
    extra_elderly = open_["Elderly Population"][one_year] - closed["Elderly Population"][one_year]
    # The only extra children in the first year are born to the migrants (births ~ 2 %/yr).
    extra_children = open_["Children"][one_year] - closed["Children"][one_year]
    assert extra_working == pytest.approx(extra - extra_children - extra_elderly, rel=1e-9)
    assert 0 <= extra_children <= 0.005 * p0 * 0.03
    assert abs(extra_elderly) <= 0.005 * p0 * 0.01
    assert open_["working age share"][2050.0] > closed["working age share"][2050.0]
    # net emigration takes people of every age in proportion: the age shares stay put
    leaving = MODEL.run({"net international migration rate": -0.005}, saveper=dt)
    for share in ("children share", "working age share", "elderly share"):
        assert abs(leaving[share][one_year] - closed[share][one_year]) < 2e-5, share
    assert (closed["total population"][one_year] - leaving["total population"][one_year]
            == pytest.approx(0.005 * p0, rel=0.03))
    # migrants settle in town and country like the residents (in the urban share)
    np.testing.assert_allclose(
        open_["urban net international migration"],
        0.005 * open_["total population"] * open_["urbanization fraction"], rtol=1e-12)


ADOPTION = MODEL.constants["policy adoption time"].default


def test_frozen_urban_boundary_stops_urban_expansion() -> None:
    """A boundary of 0 is enforced through the adoption curve: expansion slows during the
    adoption time and stops once the policy is fully adopted."""
    out = run_scenario({"urban growth boundary": 0})
    full = POLICY_YEAR + ADOPTION
    after = out.loc[out.index >= full, "Urban Construction Land"]
    # the room inside the boundary is a smooth positive part (width 0.1 % of the urban
    # land), so what is left of expansion is of the order 1e-7 of the urban land per year
    np.testing.assert_allclose(after, after.iloc[0], rtol=1e-5)
    base = run_scenario({})
    before = out.index < POLICY_YEAR
    np.testing.assert_allclose(out.loc[before, "Urban Construction Land"],
                               base.loc[before, "Urban Construction Land"], rtol=1e-12)
    assert base.loc[2100, "Urban Construction Land"] > after.iloc[0] + 1


def test_zero_afforestation_leaves_potential_space_unplanted() -> None:
    out = run_scenario({"historical afforestation rate": 0, "additional afforestation rate": 0})
    assert (out["afforestation"] == 0).all()
    space = out["sink potential space"]
    assert (np.diff(space) <= 1e-9).all()
    base = run_scenario({})
    assert out.loc[2060, "total forest area"] < base.loc[2060, "total forest area"]
    assert out.loc[2060, "land carbon sink"] < base.loc[2060, "land carbon sink"]


def test_all_new_energy_supply_non_fossil_retires_fossil_energy() -> None:
    """With every new and replacement unit of energy supply non-fossil, the fossil share
    decays at least as fast as retirement alone makes it (capital lifetime L; expansion for
    growing demand adds new capacity on top): 1 - share <= exp(-(t - t_full) / L)."""
    out = run_scenario({"non fossil mandate for new supply": 1})
    life = MODEL.constants["energy supply capital lifetime"].default
    full = POLICY_YEAR + ADOPTION
    later = full + 2 * life
    fossil_share = 1 - out["non fossil share of primary energy"]
    # after two lifetimes at most exp(-2) of the fossil share at full adoption remains
    # (Euler steps of dt give (1 - dt/L)^(2L/dt) <= exp(-2))
    assert fossil_share.loc[later] <= fossil_share.loc[full] * np.exp(-2) * (1 + 1e-9)
    base = run_scenario({})
    assert (out.loc[full:, "fossil energy CO2 emissions"]
            < base.loc[full:, "fossil energy CO2 emissions"]).all()
    np.testing.assert_allclose(out.loc[:POLICY_YEAR, "gross emissions"],
                               base.loc[:POLICY_YEAR, "gross emissions"], rtol=1e-12)


def test_compensation_ratio_two_displaces_more_land_than_one() -> None:
    low = run_scenario({"compensation ratio": 1})
    high = run_scenario({"compensation ratio": 2})
    # More cropland is cleared elsewhere for each hectare lost to construction...
    assert high.loc[2060, "Cropland"] > low.loc[2060, "Cropland"]
    assert high.loc[2060, "total forest area"] < low.loc[2060, "total forest area"]
    assert high.loc[2060, "Grassland"] < low.loc[2060, "Grassland"]
    # ...so more land carbon is lost.
    assert (
        high.loc[2000:2060, "land use change emissions"].sum()
        > low.loc[2000:2060, "land use change emissions"].sum()
    )
    # With ratio 1 the balance rule, fully in force from its full year (2004), keeps
    # cropland lost to construction replaced one for one (no village land is reclaimed by
    # default); while it is phased in, less than all of it is replaced.
    full = int(MODEL.constants["cropland balance rule full year"].default)
    occupied = low.loc[full:2060, "cropland occupied by construction"]
    compensated = low.loc[full:2060, "cropland compensation"]
    np.testing.assert_allclose(compensated, occupied, rtol=1e-9)
    early = low.loc[2000:full - 1]
    assert (early["cropland compensation"] < early["cropland occupied by construction"]).all()
    # Displacement clears more than it replaces when the ratio is above 1.
    assert (high.loc[full:2060, "cropland displacement ratio"] > 1.9).all()


def test_red_line_protects_forest_from_conversion() -> None:
    protected = run_scenario(
        {"ecological red line share": 0.95, "protection share before red line": 0.95}
    )
    open_ = run_scenario({"ecological red line share": 0, "protection share before red line": 0})
    assert (
        protected["forest clearing"].sum() < open_["forest clearing"].sum()
    )
    # the red line protects grassland too
    assert (protected["compensation from grassland"].sum()
            < open_["compensation from grassland"].sum())


def test_api_returns_every_stock_flow_and_indicator_by_year() -> None:
    out = run_scenario({})
    assert out.index[0] == MODEL.time_settings["INITIAL TIME"]
    assert out.index[-1] == MODEL.time_settings["FINAL TIME"]
    assert list(np.diff(out.index)) == [1.0] * (len(out) - 1)
    for name in MODEL.stocks() + [
        "urbanization rate",
        "forest coverage",
        "cropland minus red line",
        "construction land per capita",
        "CO2 per capita",
        "co2 per unit GDP",
        "carbon gap",
        "net emissions",
        "growth attributable emissions",
    ]:
        assert name in out.columns, name


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"migration coeficient": 0.1}, "unknown model variable 'migration coeficient'"),
        ({"migration coefficient": 0.5}, "outside the allowed range [0, 0.2]"),
        ({"migration coefficient": "fast"}, "must be a number"),
        ({"gross emissions": 1.0}, "not a constant"),
        ({"initial cropland share": 0.8, "initial grassland share": 0.8}, "must not exceed 1"),
        ({"policy adoption time": 0}, "outside the allowed range"),
    ],
)
def test_bad_overrides_give_clear_errors(overrides: dict, fragment: str) -> None:
    with pytest.raises(ModelInputError) as err:
        run_scenario(overrides)
    assert fragment in str(err.value)


@pytest.mark.parametrize("key", ["new afforestation area", "afforestation target", "afforestation_target"])
def test_override_errors_suggest_only_constants(key: str) -> None:
    """A suggestion must be something the user can actually override."""
    with pytest.raises(ModelInputError) as err:
        run_scenario({key: 150})
    message = str(err.value)
    suggested = message.split("Did you mean: ", 1)[1].rstrip("?").split(", ")
    assert suggested and all(name in MODEL.constants for name in suggested), suggested
    assert "afforestation" in suggested[0]


def test_constants_listing_has_units_ranges_and_comments() -> None:
    frame = MODEL.constants_frame()
    adjustable = frame[frame["adjustable"]]
    assert len(adjustable) > 80
    assert (adjustable["units"].str.len() > 0).all()
    assert (adjustable["comment"].str.len() > 10).all()
    assert (adjustable["min"] <= adjustable["default"]).all()
    assert (adjustable["default"] <= adjustable["max"]).all()
    assert (frame["sector"].str.len() > 0).all()


def _frontier_start(share: float) -> tuple[dict[str, float], pd.DataFrame]:
    """Overrides that start the region's productivity exactly at the frontier's level
    (initial GDP solved from the model's own initial population, working-age,
    urbanization and capital intensity effects, none of which depends on initial GDP),
    and the run."""
    cols = ["Productivity", "Frontier Productivity", "total population", "demographic effect",
            "urbanization productivity effect", "capital intensity effect", "GDP per capita unit"]
    first = run_scenario({}, return_columns=cols).iloc[0]
    gdp0 = (first["Frontier Productivity"] * first["total population"] * first["demographic effect"]
            * first["urbanization productivity effect"] * first["capital intensity effect"]
            / first["GDP per capita unit"])
    overrides = {"initial GDP": float(gdp0), "attainable share of frontier productivity": share}
    return overrides, run_scenario(overrides, return_columns=cols[:2])


def test_the_frontier_economy_grows_at_the_frontier_rate() -> None:
    """Conditional convergence at the frontier itself: a region that starts at the frontier
    level and converges to 1 x the frontier has no gap to close, so its productivity
    grows at the frontier rate and stays equal to the frontier's at every step."""
    _, out = _frontier_start(1.0)
    ratio = out["Productivity"] / out["Frontier Productivity"]
    np.testing.assert_allclose(ratio, 1.0, rtol=1e-9)


def test_a_region_above_the_frontier_level_closes_the_log_gap_at_the_convergence_speed() -> None:
    """Attainable share 1.2 from the frontier level: the log gap ln(1.2 F / P) shrinks
    as exp(-convergence speed x t) (solution of d ln(P/F)/dt = lambda ln(s F / P)),
    so such a region outgrows the frontier for decades; this is what a fitted share at
    the top of its range carries into a projection."""
    _, out = _frontier_start(1.2)
    lam = MODEL.constants["convergence speed"].default
    g = MODEL.constants["frontier productivity growth rate"].default
    dt, save = MODEL.time_settings["TIME STEP"], MODEL.time_settings["SAVEPER"]
    per_save = int(round(save / dt))
    gap = np.log(1.2 * out["Frontier Productivity"] / out["Productivity"])
    t = out.index.to_numpy() - out.index[0]
    # the Euler scheme by hand: P += dt P (g + c + lam ln(1.2 F / P)), F += dt F (g + c),
    # with c the change of the frontier's deviation from its trend (a data input; the
    # region's proximity P / F is above 1 here, so it takes all of c)
    tau = MODEL.constants["frontier deviation adjustment time"].default
    table = model_lookup("frontier GDP per person deviation data")
    s = float(table.iloc[0])
    p, f, expected = out["Productivity"].iloc[0], out["Frontier Productivity"].iloc[0], []
    for n in range(int(round(t[-1] / dt)) + 1):
        if n % per_save == 0:
            expected.append(np.log(1.2 * f / p))
        c = (np.interp(out.index[0] + n * dt, table.index, table.to_numpy()) - s) / tau
        p, f, s = p + dt * p * (g + min(1.0, p / f) * c + lam * np.log(1.2 * f / p)), f + dt * f * (g + c), s + dt * c
    np.testing.assert_allclose(gap, expected, rtol=1e-9)
    # and the continuous solution, to the accuracy of Euler steps of a quarter year
    np.testing.assert_allclose(gap, np.log(1.2) * np.exp(-lam * t), rtol=1e-2)
    assert (np.diff(out["Productivity"] / out["Frontier Productivity"]) > 0).all()


def test_energy_supply_starts_at_demand_when_construction_takes_almost_all_energy() -> None:
    """A tiny initial GDP with a large built-up area and the most infrastructure cement: the
    construction materials alone need about 90 times the initial primary energy (intensity x
    GDP), so the other economic energy sits at its floor (5 % of it) and initial demand is
    larger than the initial primary energy. Capacity starts at that demand over (1 + g x
    adjustment time), its steady state: the share of capacity renewed per TIME STEP stays
    below 1 and the energy mix shares inside [0, 1] (found by the invariant test: capacity
    had started at a hundredth of demand, was renewed 34 times in a year, and the coal share
    of fossil capacity fell to -0.95)."""
    extreme = {
        "initial GDP": 1.9, "initial urban construction land share": 0.3057,
        "total land area": 709.78, "infrastructure cement per developed land": 60.37,
        "cement intensity income exponent": 0.3, "initial suitable other land share": 0.0,
    }
    dt = MODEL.time_settings["TIME STEP"]
    out = MODEL.run(extreme, saveper=dt)
    first = out.iloc[0]
    end_uses = (first["construction materials energy"] + first["buildings energy"]
                + first["transport energy"])
    assert end_uses > 50 * first["initial primary energy"]  # the extreme this test is about
    growth = first["GDP growth rate"]
    adjustment = MODEL.constants["energy supply capacity adjustment time"].default
    assert first["Energy Supply Capacity"] * (1 + adjustment * growth) == pytest.approx(
        first["primary energy consumption"], rel=1e-12)
    assert (out["energy supply turnover rate"] * dt < 1).all()
    for share in ("Coal Share of Fossil Capacity", "Non Fossil Share"):
        assert out[share].min() >= 0 and out[share].max() <= 1, share
