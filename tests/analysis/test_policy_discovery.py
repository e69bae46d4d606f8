"""Scenario discovery (analysis.policy.discovery): PRIM recovers known boxes; the product
model's box keeps its coverage and density on fresh runs.

Tolerance of the fresh-run check: the reported density (coverage) is a binomial
proportion over the n runs in the box (n positive runs); the fresh estimate is an
independent proportion over the fresh runs. Their difference, divided by its
Agresti–Caffo standard error, is about N(0, 1) if the box were not fitted to the same
sample; we accept |z| <= 3 (two-sided false-alarm rate 0.3 %). PRIM's in-sample
optimism (the box is chosen to maximise density on the training runs) is small when
the box holds a few hundred runs, as here (197 runs, 178 meeting the targets):
over 10 training seeds the observed |z| stayed below 1.8 for both quantities.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis.policy.discovery import (
    Factor, check_box, default_mass_min, discover, feature_scores, lhs_sample, make_factors, prim_box,
)
from analysis.policy.evaluate import resolve_engine, simulate
from analysis.policy.levers import PolicyConfigError
from analysis.policy.plots import plot_feature_scores, plot_prim_box, plot_prim_trajectory

requires_batch = pytest.mark.skipif(
    resolve_engine() != "batch",
    reason="needs the batch runner (models.batch unavailable or POLICY_ENGINE=pysd): "
    "3,000 model runs would take ~7 min with PySD",
)

UNIT = [Factor(f"x{i}", 0.0, 1.0) for i in range(1, 5)]


def _synthetic(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    X = lhs_sample(UNIT, n, seed)
    y = (X.x1 >= 0.2) & (X.x1 <= 0.6) & (X.x2 > 0.5)
    return X, y.to_numpy()


def test_lhs_is_seeded_and_stratified() -> None:
    a, b = lhs_sample(UNIT, 100, 7), lhs_sample(UNIT, 100, 7)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(lhs_sample(UNIT, 100, 8))
    for c in a.columns:  # one point per stratum of width 1/n
        assert sorted(np.floor(a[c] * 100).astype(int)) == list(range(100))
    narrowed = lhs_sample(UNIT, 50, 1, bounds={"x1": (0.2, 0.3)})
    assert narrowed.x1.between(0.2, 0.3).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_prim_recovers_a_known_box(seed: int) -> None:
    """y = 1 iff x1 in [0.2, 0.6] and x2 > 0.5 (x3, x4 irrelevant), 2,000 LHS points.

    Tolerance 0.05 on the bounds: PRIM peels 5 % of the box per step (peel_alpha), so a
    limit lands within one peel step (≈ 0.05 × remaining width) of the true edge.
    """
    X, y = _synthetic(2000, seed)
    res = prim_box(X, y, bounds={c: (0.0, 1.0) for c in X.columns})
    box = res.box()
    assert set(res.restricted()) == {"x1", "x2"}
    assert box.loc["x1", "lower"] == pytest.approx(0.2, abs=0.05)
    assert box.loc["x1", "upper"] == pytest.approx(0.6, abs=0.05)
    assert box.loc["x2", "lower"] == pytest.approx(0.5, abs=0.05)
    assert box.loc["x2", "upper"] == 1.0
    assert res.density >= 0.9 and res.coverage >= 0.9
    assert res.trajectory["chosen"].sum() == 1
    # reported coverage/density agree with counting inside the reported box
    inside = res.in_box(X)
    assert (inside & y).sum() / y.sum() == pytest.approx(res.coverage)
    assert (inside & y).sum() / inside.sum() == pytest.approx(res.density)
    # on a fresh sample the box keeps its quality (true box: x1 0.4 wide, x2 0.5)
    Xf, yf = _synthetic(4000, seed + 100)
    fin = res.in_box(Xf)
    assert (fin & yf).sum() / fin.sum() >= 0.85 and (fin & yf).sum() / yf.sum() >= 0.85


def test_feature_scores_rank_the_relevant_inputs_first() -> None:
    X, y = _synthetic(1000, 5)
    scores = feature_scores(X, {"y": y}, seed=1)
    assert set(scores.index[:2]) == {"x1", "x2"}
    assert scores["y"].sum() == pytest.approx(1.0)


def test_prim_settings_and_errors() -> None:
    assert default_mass_min(1000, 400) == 0.05
    assert default_mass_min(1000, 30) == 0.015
    assert default_mass_min(100, 2) == 0.1
    X, y = _synthetic(200, 1)
    with pytest.raises(ValueError, match="no run meets"):
        prim_box(X, np.zeros(len(X), bool))
    first = prim_box(X, y, box_index=0)
    assert first.chosen == 0 and first.coverage == 1.0 and not first.restricted()
    with pytest.raises(PolicyConfigError, match="lower < upper"):
        make_factors({"non fossil mandate for new supply": (0.4, 0.2)})


def test_unreachable_targets_are_reported_not_raised() -> None:
    res = discover(["forest coverage@2035>=60", "tp3<=2030"], levers=["additional afforestation rate"], n=20)
    assert res.prim is None and "no run meets" in res.message
    comp = res.compatibility()
    assert comp.loc["forest_coverage_2035_ge_60", "forest_coverage_2035_ge_60"] == 0.0
    assert comp.loc["tp3_le_2030", "tp3_le_2030"] == pytest.approx(res.met["tp3_le_2030"].mean())
    assert isinstance(plot_prim_box(res), Figure)


@requires_batch
def test_product_model_box_reproduces_on_fresh_runs() -> None:
    # model v2: returning cropland can no longer break the red line (a constraint); it
    # decides the forest target, set to the coverage reached at 150 x 10^4 ha/yr; the energy
    # levers are sampled as well and must not matter for it
    lever, var = "returning cropland to forest rate", "official forest coverage"
    sim = simulate({lever: np.array([150.0])}, [var])
    goal = round(float(sim[var][0, list(sim.times).index(2035.0)]), 3)
    targets = [f"{var}@2035>={goal}"]
    levers = {
        "non fossil mandate for new supply": (0.0, 1.0),
        "additional energy efficiency improvement": (-0.01, 0.05),
        "returning cropland to forest rate": (0.0, 400.0),
    }
    res = discover(targets, levers=levers, n=1000, seed=11)
    pr = res.prim
    assert pr is not None and pr.density >= 0.9
    assert pr.restricted() == [lever]
    # the box's lower bound on returning cropland sits at the forest-coverage crossing (seek)
    from analysis.policy.seek import seek

    crossing = seek(lever, targets[0], lower=0, upper=400).value
    assert crossing == pytest.approx(150.0, abs=0.01 * 400)
    assert pr.box().loc[lever, "lower"] == pytest.approx(crossing, abs=0.05 * 400)

    chk = check_box(res, n_inside=500, n_full=1500, seed=1234)
    assert abs(chk.density_z) <= 3.0, chk
    assert abs(chk.coverage_z) <= 3.0, chk
    assert chk.n_full_positive > 200

    runs = res.runs_table()
    assert {"in_box", "met:all", "official forest coverage@2035"} <= set(runs.columns)
    assert res.scores.index[0] == "returning cropland to forest rate"  # decides the forest target
    for fig in (plot_prim_trajectory(res, "zh"), plot_prim_box(res, "en"), plot_feature_scores(res, "zh")):
        assert isinstance(fig, Figure)
