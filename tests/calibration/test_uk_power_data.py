"""The United Kingdom's power fuel costs and carbon price: the data inputs of its fits equal
their documented parts.

Every derived value of ``calibration/data/raw/uk_power_fuel_costs_carbon_price.csv`` is
recomputed here from its source columns (the prices of coal and gas of DESNZ table 3.2.1, the
EU allowance price, the exchange rate, the fiscal-year Carbon Price Support rates as published,
the UK ETS price of 2021), and the series a fit to 2000 runs with are compared with them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from calibration.config import load_config
from calibration.observations import data_input_values, load_region_history
from tests.calibration.raw_data import raw_values

NATIONAL = Path(__file__).resolve().parents[2] / "calibration" / "national.yaml"
RAW = NATIONAL.parent / "data" / "raw" / "uk_power_fuel_costs_carbon_price.csv"
RATIO, GAS, PRICE = "coal to gas fuel cost ratio", "gas fuel cost for power", "carbon price for power"
#: Carbon Price Support, GBP/t CO2, by fiscal year starting 1 April (HM Treasury / HMRC)
CPS_FISCAL = {2012: 0.0, 2013: 4.94, 2014: 9.55, 2015: 18.08}
CPS_CAP = 18.0


@pytest.fixture(scope="module")
def raw() -> dict[str, dict[int, float]]:
    with open(RAW, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert row["region"] == "GBR" and row["source_id"], row
    return raw_values(RAW.name, "GBR")


@pytest.fixture(scope="module")
def inputs() -> dict:
    cfg = load_config(NATIONAL, region="GBR", fit_until=2000)
    history = load_region_history(cfg)
    assert int(history.fit["year"].max()) == 2000
    return {"values": data_input_values(cfg), "sources": cfg.data_series}


def _cps(year: int) -> float:
    """Calendar-year rate: a quarter at the previous fiscal year's rate, three at the new one."""
    rate = CPS_FISCAL.get
    return 0.25 * rate(year - 1, CPS_CAP) + 0.75 * rate(year, CPS_CAP)


def test_carbon_price_is_the_sum_of_its_parts(raw, inputs) -> None:
    price = inputs["values"][PRICE]
    assert list(price.index) == [float(y) for y in range(1990, 2022)]
    for year in range(1990, 2022):
        if year < 2005:  # before the EU emissions trading system
            expected = 0.0
        elif year <= 2020:
            expected = raw["eua_price"][year] * raw["gbp_per_eur"][year] + (_cps(year) if year >= 2013 else 0.0)
        else:
            expected = raw["uka_price"][year] + _cps(year)
        assert price.loc[float(year)] == pytest.approx(expected, abs=0.006), year
    assert _cps(2013) == pytest.approx(3.705) and _cps(2016) == pytest.approx(18.02) and _cps(2020) == CPS_CAP
    for year, value in raw["carbon_price_support"].items():
        assert value == pytest.approx(_cps(year), abs=5e-5), year
    # 2007: phase I allowances were worthless; 2019: 24.8 EUR x 0.87777 + 18
    assert price.loc[2007.0] == 0 and price.loc[2019.0] == pytest.approx(24.8 * 0.87777 + 18, abs=0.006)


def test_fuel_cost_ratio_and_gas_cost_come_from_table_3_2_1(raw, inputs) -> None:
    ratio, gas = inputs["values"][RATIO], inputs["values"][GAS]
    assert list(ratio.index) == [float(y) for y in range(1993, 2024)]  # no gas price before 1993
    for year in range(1993, 2024):
        real = year in raw["gas_cost_power_real"]
        coal, gas_price = (raw["coal_cost_power_real"], raw["gas_cost_power_real"]) if real else (
            raw["coal_cost_power"], raw["gas_cost_power"])
        assert ratio.loc[float(year)] == pytest.approx(coal[year] / gas_price[year], abs=5e-5), year
    assert list(gas.index) == [float(y) for y in range(1993, 2021)]
    for year in range(1993, 2021):
        assert gas.loc[float(year)] == pytest.approx(10 * raw["gas_cost_power"][year], rel=1e-12), year  # p/kWh -> GBP/MWh
    # the copies of table 3.2.1 agree: nominal / real is one deflator for coal and gas (1998-2007)
    for year in range(1998, 2008):
        coal_deflator = raw["coal_cost_power"][year] / raw["coal_cost_power_real"][year]
        gas_deflator = raw["gas_cost_power"][year] / raw["gas_cost_power_real"][year]
        assert coal_deflator == pytest.approx(gas_deflator, rel=0.006), year


def test_sources_are_named(inputs) -> None:
    for name in (RATIO, GAS, PRICE):
        _, source = inputs["sources"][name]
        assert "GBR" in source["en"] and "calibration/data/raw/SOURCES.md" in source["en"] and source["zh"]
    assert "DESNZ" in inputs["sources"][RATIO][1]["en"]
    assert "Carbon Price Support" in inputs["sources"][PRICE][1]["en"]
