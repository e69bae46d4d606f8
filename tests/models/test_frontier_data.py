"""The frontier's historical data input equals its documented source, and the frontier
and the regions follow it as the model file says.

``frontier GDP per person deviation data`` is recomputed here from the United States'
history file (Maddison Project GDP over UN WPP population, ``calibration/data/
history_USA.csv``) and the model's own trend constants, so a typo in the lookup or an edit
of the history or of the trend without the lookup fails. The dynamics are checked against a
hand-written Euler scheme of the three equations involved.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.model import run_scenario
from tests.models.model_data import model_lookup

HISTORY = Path(__file__).resolve().parents[2] / "calibration" / "data" / "history_USA.csv"
LOOKUP = "frontier GDP per person deviation data"


@pytest.fixture
def deviation(constants: pd.Series) -> pd.Series:
    """ln(US GDP per person / trend) by year, 1990-2022, from the history rows."""
    df = pd.read_csv(HISTORY)
    wide = df.pivot_table(index="year", columns="variable", values="value")
    per_person = (wide["gdp"] / wide["total_population_wpp"] * 1e5).dropna().loc[1990:]
    years = per_person.index.to_numpy()
    trend = constants["frontier productivity in reference year"] * np.exp(
        constants["frontier productivity growth rate"] * (years - constants["frontier reference year"]))
    return pd.Series(np.log(per_person.to_numpy() / trend), index=years)


@pytest.fixture(scope="module")
def lookup() -> pd.Series:
    """The model file's lookup, year -> deviation."""
    return model_lookup(LOOKUP)


def test_lookup_equals_the_history_over_the_trend(deviation: pd.Series, lookup: pd.Series) -> None:
    table = lookup
    assert list(table.index) == list(range(1990, 2023)), "every year of the GDP series, 1990-2022"
    np.testing.assert_allclose(table.to_numpy(), deviation.to_numpy(), rtol=0, atol=5e-5)
    # the reference value is the 1990 data point, so the deviation starts at 0
    assert abs(deviation.loc[1990]) < 1e-4
    # the facts quoted in the model's comment
    assert deviation.loc[2000] == pytest.approx(0.051, abs=5e-4)
    assert deviation.loc[2009] == pytest.approx(-0.063, abs=5e-4)
    assert deviation.loc[2022] == pytest.approx(-0.129, abs=5e-4)


def _euler(constants: pd.Series, deviation: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Hand calculation, Euler steps of 0.25 year: the smoothed deviation S and the frontier
    F, sampled every year 1990-2100."""
    dt, tau = 0.25, constants["frontier deviation adjustment time"]
    g = constants["frontier productivity growth rate"]
    years = deviation.index.to_numpy()
    s = deviation.iloc[0]
    f = constants["frontier productivity in reference year"] * np.exp(s)
    out_s, out_f = [], []
    for n, t in enumerate(np.arange(1990, 2100 + dt / 2, dt)):
        if n % 4 == 0:
            out_s.append(s)
            out_f.append(f)
        d = np.interp(t, years, deviation.to_numpy())  # held at the 2022 value afterwards
        change = (d - s) / tau
        s, f = s + dt * change, f + dt * f * (g + change)
    return np.array(out_s), np.array(out_f)


def test_frontier_follows_the_data_with_a_first_order_delay(constants: pd.Series, lookup: pd.Series) -> None:
    out = run_scenario({}, return_columns=["Frontier Deviation from Trend", "Frontier Productivity",
                                           "frontier GDP per person deviation"])
    s, f = _euler(constants, lookup)
    years = np.arange(1990, 2101)
    np.testing.assert_allclose(out["Frontier Deviation from Trend"].loc[years].to_numpy(), s, rtol=0, atol=1e-9)
    np.testing.assert_allclose(out["Frontier Productivity"].loc[years].to_numpy(), f, rtol=1e-9)
    # projection rule: the deviation is held at its last observed value and the frontier
    # returns to the long-run rate
    np.testing.assert_allclose(out["frontier GDP per person deviation"].loc[2022:], lookup.loc[2022], rtol=0, atol=1e-12)
    late = np.diff(np.log(out["Frontier Productivity"].loc[2080:].to_numpy()))
    # (Euler steps of a quarter year: four factors 1 + g dt a year)
    np.testing.assert_allclose(late, 4 * np.log1p(0.25 * constants["frontier productivity growth rate"]), rtol=1e-6)


def test_a_region_far_from_the_frontier_feels_its_recession_in_proportion_to_its_proximity() -> None:
    """China of 1990 (the default) is far below the frontier: its productivity growth, and
    the level it converges to, move with the frontier's deviation only by its proximity
    P / F (distance to frontier)."""
    cols = ["productivity growth rate", "proximity to frontier", "frontier deviation change",
            "frontier productivity growth rate", "convergence speed", "attainable share of frontier productivity",
            "Frontier Productivity", "Productivity", "Frontier Deviation from Trend",
            "frontier productivity seen by region"]
    out = run_scenario({}, return_columns=cols).loc[1990:2030]
    prox = out["Productivity"] / out["Frontier Productivity"]
    assert (prox < 0.5).all() and (prox > 0).all()
    np.testing.assert_allclose(out["proximity to frontier"], prox, rtol=1e-12)
    # the level it converges to carries only that share of the frontier's deviation
    seen = out["Frontier Productivity"] * np.exp((prox - 1) * out["Frontier Deviation from Trend"])
    np.testing.assert_allclose(out["frontier productivity seen by region"], seen, rtol=1e-12)
    expected = (out["frontier productivity growth rate"] + prox * out["frontier deviation change"]
                + out["convergence speed"] * np.log(out["attainable share of frontier productivity"]
                                                    * seen / out["Productivity"]))
    np.testing.assert_allclose(out["productivity growth rate"], expected, rtol=1e-12)
    # the recession is in the data: the frontier's deviation falls in 2008-2010
    assert out["frontier deviation change"].loc[2009] < -0.005
