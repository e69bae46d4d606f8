"""The world oil price's data input equals its documented source, and energy demand follows
it as the model file says.

``world crude oil price data`` is recomputed here from the two source columns of
``calibration/data/raw/world_crude_oil_price.csv`` (EIA Brent spot price, BLS CPI-U), so a
typo in the lookup or an edit of the data without the lookup fails. The perceived price and
the energy of every end use are checked against a hand-written Euler scheme and the
formulas of the model file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.model import run_scenario
from tests.models.model_data import model_lookup

DATA = Path(__file__).resolve().parents[2] / "calibration" / "data" / "raw" / "world_crude_oil_price.csv"
LOOKUP = "world crude oil price data"


@pytest.fixture(scope="module")
def real_price() -> pd.Series:
    """Brent x CPI-U(2024) / CPI-U(year), USD of 2024 per barrel, from the source columns."""
    wide = pd.read_csv(DATA).pivot_table(index="year", columns="variable", values="value")
    return wide["brent_spot_price"] * wide.loc[2024, "us_cpi_u"] / wide["us_cpi_u"]


@pytest.fixture(scope="module")
def lookup() -> pd.Series:
    return model_lookup(LOOKUP)


def test_lookup_equals_the_deflated_brent_price(real_price: pd.Series, lookup: pd.Series) -> None:
    assert list(lookup.index) == list(range(1990, 2025)), "every year of the price series, 1990-2024"
    np.testing.assert_allclose(lookup.to_numpy(), real_price.loc[1990:2024].to_numpy(), rtol=0, atol=0.006)
    # the derived column of the data file is the same computation
    derived = pd.read_csv(DATA).query("variable == 'brent_spot_price_real'").set_index("year")["value"]
    np.testing.assert_allclose(derived.loc[1990:2024].to_numpy(), real_price.loc[1990:2024].to_numpy(), atol=0.006)
    # the figures quoted in the model's comment (rounded to whole dollars)
    for year, value in {1990: 57, 1998: 25, 2000: 52, 2008: 141, 2011: 155, 2016: 57, 2022: 108, 2024: 81}.items():
        assert round(real_price.loc[year]) == value, year


def _euler(constants: pd.Series, price: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hand calculation, Euler steps of 0.25 year, every year 1990-2100: the perceived price,
    the sum of its relative rises and the sum of its relative cuts (negative)."""
    dt, tau = 0.25, constants["oil price adjustment time"]
    years = price.index.to_numpy()
    p, rises, cuts = price.iloc[0], 0.0, 0.0
    out = []
    for n, t in enumerate(np.arange(1990, 2100 + dt / 2, dt)):
        if n % 4 == 0:
            out.append((p, rises, cuts))
        change = (np.interp(t, years, price.to_numpy()) - p) / tau  # held at 2024 afterwards
        rises += dt * max(0.0, change / p)
        cuts += dt * min(0.0, change / p)
        p = p + dt * change
    perceived, rises, cuts = np.array(out).T
    return perceived, rises, cuts


def test_perceived_price_follows_the_data_with_a_first_order_delay(constants: pd.Series, lookup: pd.Series) -> None:
    out = run_scenario({}, return_columns=["Perceived Oil Price", "world crude oil price", "energy price demand factor",
                                           "oil price exposure", "Cumulative Oil Price Rises",
                                           "Cumulative Oil Price Cuts"])
    years = np.arange(1990, 2101)
    perceived, rises, cuts = _euler(constants, lookup)
    np.testing.assert_allclose(out["Perceived Oil Price"].loc[years].to_numpy(), perceived, rtol=1e-9)
    np.testing.assert_allclose(out["Cumulative Oil Price Rises"].loc[years].to_numpy(), rises, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(out["Cumulative Oil Price Cuts"].loc[years].to_numpy(), cuts, rtol=1e-9, atol=1e-12)
    # rises plus cuts are the log change of the perceived price since 1990, up to the second-
    # order term of Euler steps of a quarter year (a step adds x = dt x change / P, the log
    # grows by ln(1 + x); the steps of the perceived price are at most about 0.1)
    np.testing.assert_allclose(rises + cuts, np.log(perceived / perceived[0]), rtol=0, atol=0.05)
    # projection rule: the price is held at its last observed value
    np.testing.assert_allclose(out["world crude oil price"].loc[2024:], lookup.loc[2024], rtol=0, atol=1e-12)
    exposure = out["oil price exposure"].iloc[0]
    np.testing.assert_allclose(out["oil price exposure"], exposure, rtol=0, atol=0)  # fixed at INITIAL TIME
    reversibility = constants["price cut reversibility"]
    factor = np.exp(-constants["oil price elasticity of energy demand"] * exposure * (rises + reversibility * cuts))
    np.testing.assert_allclose(out["energy price demand factor"].loc[years].to_numpy(), factor, rtol=1e-9)
    # no transient at the start; energy use per service rose while oil was cheaper than in
    # 1990 (the 1990s) and fell while it was dear (2005-2014)
    assert out["energy price demand factor"].loc[1990] == 1
    assert out["energy price demand factor"].loc[2000] > 1
    assert out["energy price demand factor"].loc[2013] < 0.98


def test_price_cuts_reverse_a_share_of_the_response_to_rises(constants: pd.Series, lookup: pd.Series) -> None:
    """Imperfect price reversibility (Gately 1993): after the price rises of 2000-2013 and the
    fall of 2014-2016, energy use per service stays below its 1990 level, and the saving kept is
    larger the smaller the reversibility; with a reversibility of 1 the factor is the symmetric
    power law of the perceived price."""
    cols = ["energy price demand factor", "Perceived Oil Price", "oil price exposure"]
    runs = {r: run_scenario({"price cut reversibility": r}, return_columns=cols) for r in (0.0, 0.2, 1.0)}
    symmetric = runs[1.0]
    power = -constants["oil price elasticity of energy demand"] * symmetric["oil price exposure"].iloc[0]
    perceived = symmetric["Perceived Oil Price"]
    # the sum of Euler steps of d ln P equals ln P to the accuracy of quarter-year steps
    np.testing.assert_allclose(symmetric["energy price demand factor"], (perceived / perceived.iloc[0]) ** power,
                               rtol=2e-3)
    # the perceived price does not depend on the reversibility
    for r in (0.0, 0.2):
        np.testing.assert_allclose(runs[r]["Perceived Oil Price"], perceived, rtol=1e-12)
    # while the perceived price only fell (1990-1996: 57 $/bbl in 1990, 35-41 in 1993-1996) a
    # full ratchet keeps energy use per service at its 1990 level
    np.testing.assert_allclose(runs[0.0]["energy price demand factor"].loc[1990:1996], 1.0, rtol=0, atol=1e-12)
    assert runs[1.0]["energy price demand factor"].loc[1996] > 1.01
    # after the fall of 2014-2016 the ratchets keep more of the saving of the high prices
    for year in (2017, 2020, 2050, 2100):
        f0, f02, f1 = (runs[r]["energy price demand factor"].loc[year] for r in (0.0, 0.2, 1.0))
        assert f0 < f02 < f1, year
    # a full ratchet never lets energy use per service rise again: the factor only falls
    assert (np.diff(runs[0.0]["energy price demand factor"].to_numpy()) <= 1e-15).all()


def test_every_end_use_scales_with_the_price_factor(constants: pd.Series) -> None:
    """Doubling the elasticity multiplies each end use by the same ratio, the ratio of the two
    price factors, in every year to 2100 (the held price included): the price acts on energy
    per unit of service, not on the economy, the building stock or travel."""
    cols = ["construction materials energy", "buildings energy", "transport energy", "other economic energy",
            "energy price demand factor", "GDP", "total building floor space"]
    base = run_scenario({}, return_columns=cols)
    doubled = 2 * constants["oil price elasticity of energy demand"]
    more = run_scenario({"oil price elasticity of energy demand": doubled}, return_columns=cols)
    # the economy and the building stock do not depend on energy prices
    np.testing.assert_allclose(more["GDP"], base["GDP"], rtol=1e-12)
    np.testing.assert_allclose(more["total building floor space"], base["total building floor space"], rtol=1e-12)
    ratio = more["energy price demand factor"] / base["energy price demand factor"]
    for use in cols[:4]:
        np.testing.assert_allclose(more[use] / base[use], ratio, rtol=1e-9, err_msg=use)
    # the factor is (P/P0)^-(elasticity x exposure): doubling the elasticity squares it
    np.testing.assert_allclose(more["energy price demand factor"], base["energy price demand factor"] ** 2, rtol=1e-9)


def test_exposure_is_the_oil_and_gas_share_of_primary_energy_at_the_start() -> None:
    """Oil and gas = (1 - non-fossil share) x (1 - coal share of fossil energy), at INITIAL
    TIME; a region whose energy comes from coal and non-fossil sources only does not feel the
    oil price."""
    cols = ["oil price exposure", "Non Fossil Share", "Coal Share of Fossil Energy", "energy price demand factor"]
    out = run_scenario({}, return_columns=cols)
    first = out.iloc[0]
    assert first["oil price exposure"] == pytest.approx(
        (1 - first["Non Fossil Share"]) * (1 - first["Coal Share of Fossil Energy"]), rel=1e-12)
    # China's default: coal 0.8 of fossil energy, so about a fifth of its energy follows oil
    # (the Energy Institute gives 0.18 for oil and gas in 1990)
    assert 0.15 < first["oil price exposure"] < 0.25
    coal_only = run_scenario({"initial coal share of fossil energy": 1, "long run coal share of fossil energy": 1},
                             return_columns=cols)
    assert coal_only["oil price exposure"].iloc[0] == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(coal_only["energy price demand factor"], 1, rtol=0, atol=1e-12)


def test_a_run_started_later_takes_the_price_of_its_start_year_as_reference(lookup: pd.Series) -> None:
    """With INITIAL TIME 2010 energy use is taken as adjusted to the price of 2010: the factor
    is 1 then, below 1 while prices were higher (2011-2014) and, with a symmetric response,
    above 1 once they fell below it (2015-2017)."""
    out = run_scenario({"price cut reversibility": 1.0},
                       return_columns=["Perceived Oil Price", "energy price demand factor"], initial_time=2010)
    assert out["Perceived Oil Price"].iloc[0] == pytest.approx(lookup.loc[2010], rel=1e-12)
    assert out["energy price demand factor"].iloc[0] == 1
    assert out["energy price demand factor"].loc[2013] < 1 < out["energy price demand factor"].loc[2017]
