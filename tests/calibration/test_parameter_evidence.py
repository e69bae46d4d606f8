"""Constants derived from data: recomputed here from the raw CSVs (with pandas), independently
of the model file and the calibration configuration that state them."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from calibration.config import read_yaml
from models.model import load_model

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "calibration" / "data" / "raw"


@cache
def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(RAW / name)


def _displacement_elasticity(region: str, year: int) -> float:
    """(d - s)/(s(1 - s)): d the coal share of fossil-fired electricity, s the coal share of
    fossil primary energy (the elasticity of the coal-to-oil-and-gas ratio with respect to the
    fossil share of energy supply when non-fossil power displaces the fuels of power plants)."""
    power, mix = _raw("power_mix_owid.csv"), _raw("energy_mix_ei.csv")

    def value(df: pd.DataFrame, variable: str) -> float:
        row = df[(df.region == region) & (df.year == year) & (df.variable == variable)]
        assert len(row) == 1, (region, year, variable)
        return float(row.value.iloc[0])

    d = value(power, "coal_electricity") / sum(
        value(power, f"{f}_electricity") for f in ("coal", "gas", "oil"))
    s = value(mix, "coal_share_energy") / sum(value(mix, f"{f}_share_energy") for f in ("coal", "gas", "oil"))
    return (d - s) / (s * (1 - s))


def test_power_mix_rows_add_up_to_at_most_the_generation() -> None:
    power = _raw("power_mix_owid.csv").pivot_table(index=["region", "year"], columns="variable", values="value")
    fossil = power[["coal_electricity", "gas_electricity", "oil_electricity"]].sum(axis=1)
    assert ((fossil > 0) & (fossil <= power["electricity_generation"])).all()


def test_coal_displacement_elasticities_are_those_of_the_data() -> None:
    """China (the model default): mean of 2000 and 2010; the United States and the United
    Kingdom (their calibration blocks): mean of 1990 and 2000; other regions: the mean of the
    three. These are the years every out-of-sample fit (China to 2012, the others to 2000) has
    seen."""
    chn = (_displacement_elasticity("CHN", 2000) + _displacement_elasticity("CHN", 2010)) / 2
    usa = (_displacement_elasticity("USA", 1990) + _displacement_elasticity("USA", 2000)) / 2
    gbr = (_displacement_elasticity("GBR", 1990) + _displacement_elasticity("GBR", 2000)) / 2
    regions = read_yaml(ROOT / "calibration" / "national.yaml")["regions"]

    def configured(region: str) -> float:
        return float(regions[region]["fixed"]["coal displacement elasticity"]["value"])

    assert load_model().constants["coal displacement elasticity"].default == pytest.approx(chn, abs=0.05)
    assert configured("USA") == pytest.approx(usa, abs=0.05)
    assert configured("GBR") == pytest.approx(gbr, abs=0.05)
    assert configured("default") == pytest.approx((chn + usa + gbr) / 3, abs=0.05)
    # the mechanism's premise: coal's share of fossil-fired power exceeds its share of fossil
    # energy wherever coal was a major fuel
    for region, year in (("CHN", 2023), ("USA", 2010), ("GBR", 2010)):
        assert _displacement_elasticity(region, year) > 1


def _implied_clinker_ratio(region: str, cement_series: str) -> pd.Series:
    """Clinker per tonne of cement implied by the data: GCB cement process CO2 / cement
    production / 0.52 t CO2 per t clinker (the model's clinker emission factor), by year."""
    history = pd.read_csv(ROOT / "calibration" / "data" / f"history_{region}.csv")
    wide = history.pivot_table(index="year", columns="variable", values="value")
    ratio = wide["co2_cement"] / wide[cement_series] / 0.52
    return ratio.dropna()


def test_clinker_ratios_quoted_in_the_configuration() -> None:
    """The US ratio of 2000 (the rationale of its clinker ratio decline rate of 0) and China's
    ratio over 1978-2000 (the bound reason of the initial clinker ratio)."""
    assert load_model().constants["clinker emission factor"].default == pytest.approx(0.52)
    usa = _implied_clinker_ratio("USA", "cement_production")
    assert usa[2000] == pytest.approx(0.89, abs=0.01)
    chn = _implied_clinker_ratio("CHN", "cement_production_nbs")
    early = chn[chn.index <= 2000]
    assert len(early) >= 4 and early.between(0.77, 0.81).all()
    assert early.mean() == pytest.approx(0.79, abs=0.01)
    fixed = read_yaml(ROOT / "calibration" / "national.yaml")["regions"]["USA"]["fixed"]
    assert float(fixed["clinker ratio decline rate"]["value"]) == 0
