"""A carbon price on power plants raises the cost of burning coal more than that of gas.

The cost ratio is recomputed by hand from the IPCC default carbon contents (94.6 t CO2/TJ for
bituminous coal, 56.1 t CO2/TJ for natural gas; 1 MWh = 0.0036 TJ, so t CO2 per MWh of fuel =
t/TJ x 0.0036), and the dispatch of coal plants follows the same equation as
for fuel prices alone (``tests/scenarios/test_data_block.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.model import run_scenario

RATIO = "coal to gas fuel cost ratio"
GAS = "gas fuel cost for power"
PRICE = "carbon price for power"
SENSITIVITY = "fuel cost sensitivity of coal share"
COLUMNS = ["coal to gas cost ratio with carbon price", "relative coal to gas fuel cost", "coal dispatch factor",
           "Coal Share of Fossil Energy", "coal CO2 emissions", "gross emissions", "GDP"]
YEARS = [1990.0, 2004.0, 2005.0, 2013.0, 2015.0, 2024.0]
PRICES = [0.0, 0.0, 15.0, 10.0, 40.0, 60.0]     # currency per t CO2
GAS_COSTS = [8.0, 9.0, 14.0, 25.0, 18.0, 30.0]  # currency per MWh of fuel
FUEL_RATIO = [0.6, 0.5, 0.45, 0.5, 0.4, 0.45]

#: t CO2 per MWh of fuel from the IPCC 2006 default carbon contents (t CO2/TJ x 0.0036 TJ/MWh)
COAL_T_PER_MWH, GAS_T_PER_MWH = 94.6 * 0.0036, 56.1 * 0.0036


def _series(values: list[float]) -> pd.Series:
    return pd.Series(values, index=YEARS)


def _run(price: list[float] | None, gas: list[float] = GAS_COSTS, engine: str = "batch") -> pd.DataFrame:
    inputs = {RATIO: _series(FUEL_RATIO), GAS: _series(gas), SENSITIVITY: 1.5}
    if price is not None:
        inputs[PRICE] = _series(price)
    return run_scenario(inputs, return_columns=COLUMNS, engine=engine)


@pytest.fixture(scope="module")
def runs() -> dict[str, pd.DataFrame]:
    return {"priced": _run(PRICES), "pysd": _run(PRICES, engine="pysd"), "unpriced": _run(None),
            "other gas cost": _run(None, gas=[g * 3 for g in GAS_COSTS]),
            "dearer": _run([2 * p for p in PRICES])}


def test_the_cost_ratio_adds_the_carbon_price_per_mwh_of_fuel(runs) -> None:
    out = runs["priced"]
    years = out.index.to_numpy(dtype=float)
    r, g, p = (np.interp(years, YEARS, v) for v in (FUEL_RATIO, GAS_COSTS, PRICES))
    by_hand = (r * g + p * COAL_T_PER_MWH) / (g + p * GAS_T_PER_MWH)
    # the model's emission factors are the IPCC figures rounded to 4 and 3 digits
    np.testing.assert_allclose(out["coal to gas cost ratio with carbon price"].to_numpy(), by_hand, rtol=5e-4)
    np.testing.assert_allclose(out["relative coal to gas fuel cost"].to_numpy(), by_hand / by_hand[0], rtol=5e-4)
    # 2015: coal 0.4 x 18 + 40 x 0.34 = 20.8, gas 18 + 40 x 0.202 = 26.1 per MWh of fuel
    assert out.loc[2015.0, "coal to gas cost ratio with carbon price"] == pytest.approx(20.8224 / 26.0784, rel=1e-3)
    assert out.loc[2050.0, "coal to gas cost ratio with carbon price"] == pytest.approx(
        (0.45 * 30 + 60 * COAL_T_PER_MWH) / (30 + 60 * GAS_T_PER_MWH), rel=5e-4)  # held after the data


def test_batch_runner_equals_pysd_with_the_carbon_price(runs) -> None:
    for column in COLUMNS:
        np.testing.assert_allclose(runs["priced"][column].to_numpy(), runs["pysd"][column].to_numpy(),
                                   rtol=1e-9, atol=1e-12)


def test_without_a_carbon_price_the_gas_cost_changes_nothing(runs) -> None:
    """The fuel cost ratio alone drives dispatch when no carbon price is paid."""
    unpriced, other = runs["unpriced"], runs["other gas cost"]
    for column in COLUMNS:
        np.testing.assert_allclose(unpriced[column].to_numpy(), other[column].to_numpy(), rtol=1e-12, atol=0)
    years = unpriced.index.to_numpy(dtype=float)
    np.testing.assert_allclose(unpriced["coal to gas cost ratio with carbon price"].to_numpy(),
                               np.interp(years, YEARS, FUEL_RATIO), rtol=1e-12)


def test_a_carbon_price_runs_coal_plants_less(runs) -> None:
    unpriced, priced, dearer = runs["unpriced"], runs["priced"], runs["dearer"]
    # identical until the price starts (2004), then less coal, and less still at twice the price
    for column in ("Coal Share of Fossil Energy", "coal CO2 emissions"):
        np.testing.assert_allclose(priced[column].loc[:2004.0], unpriced[column].loc[:2004.0], rtol=1e-12)
        assert (priced[column].loc[2006.0:] < unpriced[column].loc[2006.0:]).all(), column
        assert (dearer[column].loc[2006.0:] < priced[column].loc[2006.0:]).all(), column
    assert (priced["coal dispatch factor"].loc[2006.0:] < unpriced["coal dispatch factor"].loc[2006.0:]).all()
    # the economy does not see the price (only the choice between coal and gas plants does)
    np.testing.assert_allclose(priced["GDP"].to_numpy(), unpriced["GDP"].to_numpy(), rtol=1e-12)
    # a coal plant emits more than the gas it is replaced by: gross emissions fall
    assert (priced["gross emissions"].loc[2006.0:] < unpriced["gross emissions"].loc[2006.0:]).all()


def test_a_price_paid_since_the_start_changes_nothing() -> None:
    """Only the change of relative costs since INITIAL TIME moves the coal share: a constant
    price and constant fuel costs leave the relative cost at 1."""
    base = {SENSITIVITY: 1.5}
    flat = run_scenario(base, return_columns=COLUMNS)
    priced = run_scenario({**base, PRICE: 25.0, GAS: 12.0}, return_columns=COLUMNS)
    np.testing.assert_allclose(priced["relative coal to gas fuel cost"].to_numpy(), 1.0, rtol=1e-12)
    for column in ("Coal Share of Fossil Energy", "gross emissions"):
        np.testing.assert_allclose(priced[column].to_numpy(), flat[column].to_numpy(), rtol=1e-12)
