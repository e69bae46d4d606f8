"""Composition of final demand in energy use (最终需求结构): the factor on the energy of
the rest of the economy, checked against its closed form worked out by hand.

With investment share i(t) and export share x(t) of GDP (historical data inputs) and the
ratio r of energy per unit of investment and export demand to energy per unit of
consumption demand, the factor is (1 + (r - 1) (i + x)) / (1 + (r - 1) (i0 + x0)), i0 and x0
the shares at INITIAL TIME. Exports change nothing but energy, so raising the export share
must scale the energy of the rest of the economy by the ratio of the two factors and leave
GDP as it was; a region without the data (constant shares) or with r = 1 must see no effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.model import load_model

MODEL = load_model()
YEARS = [1990.0, 1995.0, 2001.0, 2006.0, 2012.0, 2020.0, 2023.0]
# China, World Bank WDI (calibration/data/raw/investment_share_wdi.csv, export_share_wdi.csv),
# rounded: the test needs shaped series, not the exact data
INVESTMENT = pd.Series([0.341, 0.409, 0.355, 0.405, 0.458, 0.430, 0.413], index=YEARS)
EXPORTS = pd.Series([0.136, 0.179, 0.201, 0.355, 0.251, 0.183, 0.194], index=YEARS)
COLUMNS = ["final demand structure factor", "other economic energy", "GDP",
           "investment share of GDP", "export share of GDP"]
RATIO = "investment and export energy intensity ratio"


def _factor(ratio: float, i: np.ndarray, x: np.ndarray) -> np.ndarray:
    index = 1.0 + (ratio - 1.0) * (i + x)
    return index / index[0]


@pytest.mark.parametrize("ratio", [1.0, 1.37, 1.8, 2.6, 3.0])
def test_the_factor_follows_the_shares_of_investment_and_exports(ratio: float) -> None:
    out = MODEL.run({RATIO: ratio, "investment share of GDP": INVESTMENT, "export share of GDP": EXPORTS},
                    return_columns=COLUMNS)
    at = out.loc[YEARS]
    assert at["investment share of GDP"].to_numpy() == pytest.approx(INVESTMENT.to_numpy(), rel=1e-12)
    assert at["export share of GDP"].to_numpy() == pytest.approx(EXPORTS.to_numpy(), rel=1e-12)
    expected = _factor(ratio, INVESTMENT.to_numpy(), EXPORTS.to_numpy())
    assert at["final demand structure factor"].to_numpy() == pytest.approx(expected, rel=1e-12)
    # after the last data year both shares are held, and with them the factor
    assert out.loc[2023.0:, "final demand structure factor"].nunique() == 1


@pytest.mark.parametrize("seed", range(4))
def test_a_region_without_the_data_sees_no_effect(seed: int) -> None:
    """Constant shares (a region without the series keeps the defaults, or any constant):
    the factor is exactly 1 and the energy of the rest of the economy does not depend on r."""
    rng = np.random.default_rng(seed)
    shares = {"investment share of GDP": float(rng.uniform(0.1, 0.5)),
              "export share of GDP": float(rng.uniform(0.0, 1.5))}
    low = MODEL.run({**shares, RATIO: 1.0}, return_columns=COLUMNS)
    high = MODEL.run({**shares, RATIO: float(rng.uniform(1.0, 3.0))}, return_columns=COLUMNS)
    assert (high["final demand structure factor"] == 1.0).all()
    assert high["other economic energy"].to_numpy() == pytest.approx(low["other economic energy"].to_numpy(), rel=1e-12)


def test_exports_change_energy_in_proportion_and_not_gdp() -> None:
    """Export-led growth without more output: a higher export share raises the energy of the
    rest of the economy by the ratio of the factors, year by year, and GDP stays the same."""
    ratio = 2.2
    more = EXPORTS.copy()
    more.loc[[2001.0, 2006.0, 2012.0]] += [0.05, 0.15, 0.10]
    base = MODEL.run({RATIO: ratio, "investment share of GDP": INVESTMENT, "export share of GDP": EXPORTS},
                     return_columns=COLUMNS)
    boom = MODEL.run({RATIO: ratio, "investment share of GDP": INVESTMENT, "export share of GDP": more},
                     return_columns=COLUMNS)
    assert boom["GDP"].to_numpy() == pytest.approx(base["GDP"].to_numpy(), rel=1e-12)
    scale = (_factor(ratio, INVESTMENT.to_numpy(), more.to_numpy())
             / _factor(ratio, INVESTMENT.to_numpy(), EXPORTS.to_numpy()))
    measured = (boom.loc[YEARS, "other economic energy"] / base.loc[YEARS, "other economic energy"]).to_numpy()
    assert measured == pytest.approx(scale, rel=1e-12)
    assert measured[3] > 1.05  # 2006: the change is visible, not a rounding effect
