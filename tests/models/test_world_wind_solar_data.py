"""The world wind and solar data input of the model file equals its documented source.

The model's lookup ``global wind and solar generation data``, the initial world experience
and the parity experience are recomputed here from the verbatim source rows
(``calibration/data/raw/global_wind_solar_ei.csv``, Energy Institute via OWID), so a typo in
the model file or an edit of either file without the other fails.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.model import list_constants
from tests.models.model_data import model_lookup

RAW = Path(__file__).resolve().parents[2] / "calibration" / "data" / "raw" / "global_wind_solar_ei.csv"


@pytest.fixture(scope="module")
def world() -> pd.Series:
    """Wind + solar generation of the world by year (TWh), straight from the source rows."""
    df = pd.read_csv(RAW)
    assert set(df["region"]) == {"WLD"}
    assert set(df["variable"]) == {"wind_electricity", "solar_electricity"}
    assert (df["unit"] == "TWh").all()
    wide = df.pivot(index="year", columns="variable", values="value")
    assert list(wide.index) == list(range(1965, 2025)), "consecutive years 1965-2024"
    return (wide["wind_electricity"] + wide["solar_electricity"]).round(3)


def test_lookup_equals_source(world: pd.Series) -> None:
    table = model_lookup("global wind and solar generation data")
    assert list(table.index) == list(range(1990, 2025))
    np.testing.assert_allclose(table.to_numpy(), world.loc[1990:2024].to_numpy(), rtol=0, atol=1e-9)


def test_initial_experience_is_the_sum_before_1990(world: pd.Series, constants: pd.Series) -> None:
    assert constants["initial global wind and solar experience"] == pytest.approx(
        world.loc[:1989].sum(), abs=5e-4)


def test_parity_experience_is_cumulative_generation_to_2019(world: pd.Series, constants: pd.Series) -> None:
    # IRENA: 56 % of the renewable capacity commissioned in 2019 was cheaper than the
    # cheapest new fossil option; range: cumulative to 2016 .. to 2021
    cumulative = world.cumsum()
    assert constants["wind and solar parity experience"] == pytest.approx(cumulative.loc[2019], abs=0.5)
    row = list_constants().set_index("name").loc["wind and solar parity experience"]
    assert row["min"] == pytest.approx(cumulative.loc[2016], abs=0.5)
    assert row["max"] == pytest.approx(cumulative.loc[2021], abs=0.5)


def test_world_experience_is_the_euler_sum_of_the_data_and_the_cost_is_one_at_parity(
        world: pd.Series, constants: pd.Series) -> None:
    """Hand calculation: Euler steps of 0.25 year over the linearly interpolated data, held at
    the 2024 value afterwards; relative cost (experience / parity)^-0.3 (no policy)."""
    from models.model import run_scenario

    cols = ["Global Wind and Solar Experience", "global wind and solar generation",
            "wind and solar relative cost", "wind and solar share of new supply"]
    out = run_scenario({}, return_columns=cols)
    dt = 0.25
    t = np.arange(1990, 2100, dt)
    generation = np.interp(t, np.arange(1990, 2025), world.loc[1990:2024].to_numpy())
    experience = constants["initial global wind and solar experience"] + np.concatenate(
        [[0.0], np.cumsum(generation * dt)])
    years = np.arange(1990, 2101)
    expected = pd.Series(experience[(years - 1990) * 4], index=years)
    np.testing.assert_allclose(out["Global Wind and Solar Experience"].loc[years].to_numpy(),
                               expected.to_numpy(), rtol=1e-9)
    # projection rule: held at the last observed value
    assert (out["global wind and solar generation"].loc[2025:] == world.loc[2024]).all()
    parity = constants["wind and solar parity experience"]
    exponent = constants["wind and solar learning exponent"]
    np.testing.assert_allclose(out["wind and solar relative cost"].loc[years].to_numpy(),
                               (expected / parity).to_numpy() ** -exponent, rtol=1e-9)
    # the cost falls below 1 in the first year whose experience passes parity
    first = int(expected[expected >= parity].index[0])
    assert out["wind and solar relative cost"].loc[first] <= 1 < out["wind and solar relative cost"].loc[first - 1]
    ceiling = constants["maximum wind and solar share of new supply"]
    share = out["wind and solar share of new supply"]
    assert share.loc[first - 1] < ceiling / 2 <= share.loc[first]
