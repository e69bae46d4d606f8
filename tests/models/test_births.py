"""Births from the women of the main childbearing ages (出生人口): the start on the observed
birth rate, the total fertility rate (总和生育率) and the effect of ageing, checked against
hand calculations and a published census figure.

births = women aged 20-34 x TFR / 15 years, women = female share x population aged 20-34;
the initial TFR is the one that gives the initial crude birth rate with the initial age
structure, and the TFR falls from it towards its long-run level as income rises.
"""

from __future__ import annotations

import numpy as np
import pytest

from models.model import load_model
from tests.models.model_data import uniform_draws

MODEL = load_model()
COHORTS = ["Population Aged 20 to 24", "Population Aged 25 to 29", "Population Aged 30 to 34"]
COLUMNS = ["births", "total fertility rate", "crude birth rate", "total population",
           "relative GDP per capita", *COHORTS]
SPAN = 15.0  # years from 20 to 34


def _run(overrides: dict[str, float] | None = None, final_time: float = 2060):
    return MODEL.run(overrides or {}, return_columns=COLUMNS, final_time=final_time)


RANGES = {"initial birth rate": (0.008, 0.04), "long run total fertility rate": (0.7, 2.1),
          "fertility income elasticity": (0.1, 4),
          "female share of childbearing age population": (0.45, 0.55),
          "initial share aged 0 to 14": (0.15, 0.4), "initial share aged 65 and over": (0.03, 0.2)}


def _draws(n: int, seed: int) -> list[dict[str, float]]:
    return uniform_draws(RANGES, n, seed)


@pytest.mark.parametrize("draw", _draws(5, seed=21))
def test_births_start_at_the_observed_birth_rate(draw: dict[str, float]) -> None:
    """At INITIAL TIME births are the initial crude birth rate times the population, whatever
    the age structure, the female share or the long-run TFR (no transient)."""
    out = _run(draw, final_time=1991)
    first = out.iloc[0]
    assert first["births"] == pytest.approx(draw["initial birth rate"] * first["total population"], rel=1e-9)
    assert first["crude birth rate"] == pytest.approx(draw["initial birth rate"], rel=1e-9)


@pytest.mark.parametrize("draw", _draws(4, seed=22))
def test_births_are_the_women_of_childbearing_age_times_the_tfr_over_the_span(draw: dict[str, float]) -> None:
    out = _run(draw)
    women = out[COHORTS].sum(axis=1) * draw["female share of childbearing age population"]
    np.testing.assert_allclose(out["births"], women * out["total fertility rate"] / SPAN, rtol=1e-9)
    # the transition of the TFR with income, by hand from its initial and long-run levels
    tfr0, tfr_lr = float(out["total fertility rate"].iloc[0]), draw["long run total fertility rate"]
    expected = tfr_lr + (tfr0 - tfr_lr) * 2 / (1 + out["relative GDP per capita"] ** draw["fertility income elasticity"])
    np.testing.assert_allclose(out["total fertility rate"], np.maximum(0, expected), rtol=1e-9)


def test_the_initial_tfr_of_china_is_near_the_1990_census() -> None:
    """With China's 1990 census age structure and crude birth rate (21.06 per mille) the model's
    initial TFR is 2.34; the 1990 census gives 2.25 for 1989 (Feeney 1992, from the census's 10 % sample). A span over
    the full ages 15-49 would give 2.70 (the large cohorts born in the 1960s were in their
    twenties): the tolerance separates the two."""
    tfr0 = float(_run(final_time=1991)["total fertility rate"].iloc[0])
    assert tfr0 == pytest.approx(2.25, abs=0.15)


def test_ageing_lowers_the_birth_rate_at_a_constant_tfr() -> None:
    """A long-run TFR equal to the initial one keeps the TFR constant. The crude birth rate then
    moves with the share of the population aged 20-34 alone (births per person = female share
    x that share x TFR / 15): it falls as China's cohorts of the 1960s leave those ages."""
    start = {"initial birth rate": 0.015}  # an initial TFR inside the long-run range
    tfr0 = float(_run(start, final_time=1991)["total fertility rate"].iloc[0])
    out = _run({**start, "long run total fertility rate": tfr0})
    assert np.ptp(out["total fertility rate"]) == pytest.approx(0, abs=1e-12)
    share = out[COHORTS].sum(axis=1) / out["total population"]
    np.testing.assert_allclose(out["crude birth rate"] / out["crude birth rate"].iloc[0],
                               share / share.iloc[0], rtol=1e-9)
    assert out["crude birth rate"].loc[2010] < 0.9 * out["crude birth rate"].loc[1990]
