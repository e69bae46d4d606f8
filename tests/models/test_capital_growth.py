"""Capital accumulation in the economy (资本积累): the steady-state start, the production
function and the growth rate, checked against closed forms worked out by hand.

GDP = effective labour output x (K / (k_ref x effective labour output))^alpha, with the
capital stock K growing by investment share x GDP less depreciation. Written with the
capital-output ratio k = K / GDP this is GDP = effective labour output x (k / k_ref)^(alpha /
(1 - alpha)) (Solow); the tests use that second form, which the model file does not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.model import load_model
from tests.models.model_data import uniform_draws

MODEL = load_model()
REFERENCE_RATIO = 0.21529213 / (0.0316 + 0.0368)  # US 1990: WDI share / (growth + depreciation)
COLUMNS = ["GDP", "Capital Stock", "capital intensity effect", "effective labour output",
           "GDP growth rate", "gross investment", "investment share of GDP"]


RANGES = {"capital share of income": (0.25, 0.55), "capital depreciation rate": (0.02, 0.1),
          "output growth before initial time": (0.0, 0.12), "investment share of GDP": (0.1, 0.5),
          "initial GDP": (500, 20000)}


def _draws(n: int, seed: int) -> list[dict[str, float]]:
    return uniform_draws(RANGES, n, seed)


def test_the_reference_ratio_is_that_of_the_united_states_in_1990() -> None:
    assert MODEL.constants["reference capital output ratio"].default == pytest.approx(REFERENCE_RATIO, abs=0.005)


@pytest.mark.parametrize("draw", _draws(6, seed=11))
def test_the_economy_starts_on_its_steady_state(draw: dict[str, float]) -> None:
    """At INITIAL TIME: GDP is the initial GDP, the capital stock is investment share / (growth
    + depreciation) years of it, and the capital intensity effect is (k / k_ref)^(alpha / (1 -
    alpha)); capital then grows at the growth before INITIAL TIME, so its ratio to GDP starts
    without a transient of its own."""
    out = MODEL.run(draw, return_columns=COLUMNS).iloc[0]
    a, d, g, s = (draw[k] for k in ("capital share of income", "capital depreciation rate",
                                    "output growth before initial time", "investment share of GDP"))
    k0 = s / (d + g)
    assert out["GDP"] == pytest.approx(draw["initial GDP"], rel=1e-12)
    assert out["Capital Stock"] == pytest.approx(k0 * draw["initial GDP"], rel=1e-12)
    ref = MODEL.constants["reference capital output ratio"].default
    assert out["capital intensity effect"] == pytest.approx((k0 / ref) ** (a / (1 - a)), rel=1e-12)
    assert (out["gross investment"] - d * out["Capital Stock"]) / out["Capital Stock"] == pytest.approx(g, abs=1e-12)


def test_an_economy_without_investment_keeps_a_small_capital_stock() -> None:
    """Extreme condition (found by the invariant test): with no investment at all the steady
    state has no capital and no output; the initial ratio is floored at 0.1 year, so the run
    keeps a positive capital stock and GDP, and both fall as capital depreciates."""
    out = MODEL.run({"investment share of GDP": 0.0, "initial GDP": 1000.0}, return_columns=COLUMNS)
    assert out["Capital Stock"].iloc[0] == pytest.approx(0.1 * 1000.0, rel=1e-12)
    assert np.isfinite(out.to_numpy()).all() and (out["GDP"] > 0).all()
    assert (np.diff(out["Capital Stock"].to_numpy()) < 0).all()


def test_the_gdp_growth_rate_is_the_derivative_of_gdp() -> None:
    """alpha x capital growth + (1 - alpha) x effective labour growth is the exact derivative of
    ln GDP: over one Euler step the change of ln GDP equals it to first order in the step."""
    dt = MODEL.time_settings["TIME STEP"]
    out = MODEL.run({}, saveper=dt, return_columns=COLUMNS)
    step = np.diff(np.log(out["GDP"].to_numpy())) / dt
    rate = out["GDP growth rate"].to_numpy()[:-1]
    assert np.abs(step - rate).max() < 2e-3
    assert np.abs(step - rate).mean() < 5e-4
    assert rate.max() > 0.04  # not a trivially flat economy


def test_without_investment_capital_decays_at_the_depreciation_rate() -> None:
    """Extreme condition: with no investment the capital stock falls by the depreciation rate
    each step, K(n dt) = K0 (1 - delta dt)^n, and GDP falls with it relative to the same
    economy with investment."""
    dt = MODEL.time_settings["TIME STEP"]
    d = MODEL.constants["capital depreciation rate"].default
    base = MODEL.run({"investment share of GDP": 0.3}, saveper=dt, return_columns=COLUMNS)
    # the same start (the steady state of the share 0.3), then no investment: a data series
    # that steps down within the first step of the run
    start = float(base.index[0])
    share = pd.Series([0.3, 0.0, 0.0], index=[start, start + dt / 2, 2200.0])
    none = MODEL.run({"investment share of GDP": share}, saveper=dt, return_columns=COLUMNS)
    k = none["Capital Stock"].to_numpy()
    n = np.arange(len(k))
    # first step: investment of the initial year, then none
    k1 = k[0] + dt * (0.3 * none["GDP"].iloc[0] - d * k[0])
    np.testing.assert_allclose(k[1:], k1 * (1 - d * dt) ** (n[1:] - 1), rtol=1e-9)
    assert (none["GDP"].to_numpy()[2:] < base["GDP"].to_numpy()[2:]).all()  # the first step is the same
    assert (k > 0).all()


def test_a_higher_investment_share_raises_the_level_of_gdp_by_the_solow_elasticity() -> None:
    """Two economies identical but for a constant investment share of 0.3 or 0.4 from the start
    (each on its own steady state): GDP differs by (k_b / k_a)^(alpha / (1 - alpha)) with k =
    s / (g + delta) at the start, and the ratio stays within a few per cent of that level
    effect as both grow (growth itself is set by productivity, people and urbanization)."""
    a = MODEL.constants["capital share of income"].default
    d = MODEL.constants["capital depreciation rate"].default
    g = MODEL.constants["output growth before initial time"].default
    runs = {s: MODEL.run({"investment share of GDP": s, "initial GDP": 3385.0 * ((s / (g + d)) / (0.3 / (g + d))) ** (a / (1 - a))},
                         return_columns=COLUMNS) for s in (0.3, 0.4)}
    ratio = runs[0.4]["GDP"] / runs[0.3]["GDP"]
    level = (0.4 / 0.3) ** (a / (1 - a))
    assert ratio.iloc[0] == pytest.approx(level, rel=1e-12)
    assert np.abs(ratio.to_numpy() / level - 1).max() < 0.05
