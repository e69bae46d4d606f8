"""Medical progress (医疗进步): age-specific mortality falls at a given income as time goes on.

The mortality of every age group is its income-driven level (the lowest attainable level plus the
initial excess scaled by the mortality multiplier) times the Medical Progress Factor, a stock that
starts at 1 and declines at ``mortality decline from medical progress``. Checked by hand over
random constants: the factor is the model's Euler integration of exponential decay, the initial
crude death rate is reproduced whatever the rate, and a rate of 0 leaves the factor at 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.model import load_model
from tests.models.model_data import mortality_by_hand, uniform_draws

MODEL = load_model()
DT = MODEL.time_settings["TIME STEP"]
RATE = "mortality decline from medical progress"
COLUMNS = ["Medical Progress Factor", "current child mortality", "current working age mortality",
           "current mortality aged 65 to 74", "relative GDP per capita", "deaths", "total population"]
RANGES = {RATE: (0, 0.025), "mortality income elasticity": (0, 1.5),
          "child mortality": (0.001, 0.01), "working age mortality": (0.002, 0.006),
          "lowest child mortality": (0, 0.001), "lowest working age mortality": (0.001, 0.0015),
          "initial crude death rate": (0.006, 0.012)}


def _run(overrides: dict[str, float], final_time: float = 2100) -> pd.DataFrame:
    return MODEL.run(overrides, return_columns=COLUMNS, final_time=final_time)


@pytest.mark.parametrize("draw", uniform_draws(RANGES, 5, seed=41))
def test_every_age_falls_by_the_progress_factor_at_a_given_income(draw: dict[str, float]) -> None:
    out = _run(draw)
    steps = np.round((out.index.to_numpy() - out.index[0]) / DT)
    factor = (1 - draw[RATE] * DT) ** steps  # Euler steps of F' = -r F from F = 1
    np.testing.assert_allclose(out["Medical Progress Factor"], factor, rtol=1e-9)
    e, r = draw["mortality income elasticity"], draw[RATE]
    child = mortality_by_hand(out, draw["child mortality"], draw["lowest child mortality"], e, r, DT)
    working = mortality_by_hand(out, draw["working age mortality"], draw["lowest working age mortality"], e, r, DT)
    np.testing.assert_allclose(out["current child mortality"], child, rtol=1e-9)
    np.testing.assert_allclose(out["current working age mortality"], working, rtol=1e-9)
    # the initial crude death rate is reproduced whatever the rate of progress (no transient)
    first = out.iloc[0]
    assert first["deaths"] == pytest.approx(draw["initial crude death rate"] * first["total population"], rel=1e-9)


def test_without_progress_the_factor_stays_one_and_with_it_mortality_halves_in_about_seventy_years() -> None:
    still = _run({RATE: 0})
    assert (still["Medical Progress Factor"] == 1).all()
    moving = _run({RATE: 0.01, "mortality income elasticity": 0})
    # at 1 %/yr the factor halves after ln 2 / 0.01 = 69.3 years (Euler: within a year of it)
    half = moving.index[np.argmax(moving["Medical Progress Factor"].to_numpy() <= 0.5)] - moving.index[0]
    assert 68 <= half <= 70.5
    ratio = moving["current mortality aged 65 to 74"] / moving["current mortality aged 65 to 74"].iloc[0]
    np.testing.assert_allclose(ratio, moving["Medical Progress Factor"], rtol=1e-9)
