"""Shapley attribution (analysis.policy.attribution): exact additivity, order independence.

Model runs: 2^3 = 8 (and 2^2) per attribution, small enough for the PySD fallback.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from analysis.policy import attribution as attr_mod
from analysis.policy.attribution import OTHER_GROUP, attribute, coalition_matrix, shapley_values
from analysis.policy.levers import LeverGroup, PolicyConfigError, load_groups
from analysis.policy.evaluate import simulate
from analysis.policy.metrics import TP_KEYS, turning_point_table
from analysis.policy.plots import plot_turning_point_shifts, plot_wedges
from analysis.turning_points import default_analysis_start
from models.model import load_model

MANDATE = "non fossil mandate for new supply"
POLICY = {
    MANDATE: 1.0,
    "additional energy efficiency improvement": 0.02,
    "CCS target capacity": 1000.0,
    "compact urbanization": 0.1,
    "fertiliser reduction": 0.5,
}
GROUPS = [
    LeverGroup("energy", "Energy transition", "能源转型", (MANDATE, "additional energy efficiency improvement")),
    LeverGroup("ccs", "CCS", "碳捕集与封存", ("CCS target capacity",)),
    LeverGroup("land", "Land", "国土空间", ("compact urbanization", "fertiliser reduction")),
    LeverGroup("idle", "Unchanged", "未变化", ("household registration reform effect",)),
]


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(1.0, float(np.max(np.abs(b)))))


# ------------------------------------------------------------------ pure Shapley values
def _brute_force(v: np.ndarray, k: int) -> np.ndarray:
    """Shapley values as the average marginal contribution over all k! orders."""
    phi = np.zeros((k,) + v.shape[1:])
    for order in itertools.permutations(range(k)):
        mask = 0
        for i in order:
            phi[i] += v[mask | (1 << i)] - v[mask]
            mask |= 1 << i
    return phi / math.factorial(k)


def test_additive_game_gives_the_weights() -> None:
    w = np.array([3.0, -1.5, 0.25, 7.0])
    member = coalition_matrix(4)
    v = member.astype(float) @ w
    np.testing.assert_allclose(shapley_values(v, 4), w, rtol=0, atol=1e-12)


def test_glove_game() -> None:
    # players 0 (left glove), 1 and 2 (right gloves): v = 1 if a pair can be formed
    member = coalition_matrix(3)
    v = (member[:, 0] & (member[:, 1] | member[:, 2])).astype(float)
    np.testing.assert_allclose(shapley_values(v, 3), [2 / 3, 1 / 6, 1 / 6], atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(k=st.integers(1, 5), seed=st.integers(0, 2**31 - 1))
def test_matches_brute_force_and_is_efficient(k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(2**k, 3)) * 10 ** rng.uniform(-3, 4)
    phi = shapley_values(v, k)
    np.testing.assert_allclose(phi, _brute_force(v, k), rtol=1e-10, atol=1e-12 * np.abs(v).max())
    assert _rel(phi.sum(axis=0), v[-1] - v[0]) <= 1e-12


@settings(max_examples=30, deadline=None)
@given(k=st.integers(2, 5), seed=st.integers(0, 2**31 - 1))
def test_relabelling_players_permutes_the_values(k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    perm = rng.permutation(k)
    v = rng.normal(size=2**k)
    member = coalition_matrix(k)
    # w(C') = v(C) where C' = perm applied to C
    w = np.empty_like(v)
    for m in range(2**k):
        new = sum(1 << int(perm[i]) for i in range(k) if member[m, i])
        w[new] = v[m]
    np.testing.assert_allclose(shapley_values(w, k)[perm], shapley_values(v, k), atol=1e-12)


# ---------------------------------------------------------------- product model
@pytest.fixture(scope="module")
def result():
    return attribute(POLICY, groups=GROUPS)


def test_runs_all_coalitions_in_one_call(monkeypatch) -> None:
    calls = []
    real = attr_mod.simulate

    def spy(params, outputs, n_runs=None, **kw):
        calls.append(n_runs)
        return real(params, outputs, n_runs=n_runs, **kw)

    monkeypatch.setattr(attr_mod, "simulate", spy)
    res = attribute({MANDATE: 0.5, "CCS target capacity": 500.0}, groups=GROUPS[:2])
    assert calls == [4]
    assert res.n_runs == 4


def test_contributions_add_up_to_the_total_change(result) -> None:
    # time series, cumulative 2020-2060 and turning-point years: 1e-9 relative
    for name, w in result.wedges.items():
        assert _rel(w.sum(axis=1), result.total_change(name)) <= 1e-9, name
    groups = [g.key for g in result.groups]
    cum = result.cumulative
    assert _rel(cum.loc[groups].sum(axis=0), cum.loc["total"]) <= 1e-9
    np.testing.assert_allclose(
        cum.loc["total"].to_numpy(),
        result.cumulative_levels.loc["policy"].to_numpy() - result.cumulative_levels.loc["base"].to_numpy(),
    )
    tp = result.turning_points
    assert _rel(tp.loc[groups].sum(axis=0), tp.loc["total"]) <= 1e-9
    assert max(result.additivity_residuals().values()) <= 1e-9


def test_policy_moves_the_turning_points_and_the_totals(result) -> None:
    info = result.turning_point_info
    # the base never reaches neutrality by 2100: censored at 2101 and flagged
    assert info.loc["neutrality", "base_year"] == result.times[-1] + 1
    assert bool(info.loc["neutrality", "base_censored"])
    assert info.loc["neutrality", "policy_year"] < 2100
    assert result.turning_points.loc["total", "neutrality"] < 0
    assert result.cumulative.loc["total"].iloc[0] < 0  # less gross emissions 2020-2060
    tp = result.turning_points["neutrality"]
    assert (result.wedges["gross emissions"]["idle"] == 0).all()
    assert tp["idle"] == 0 and set(result.players) == {"energy", "ccs", "land"}


def test_contributions_are_the_shapley_values_of_separate_runs(result) -> None:
    """The turning-point and cumulative contributions equal the Shapley values computed by
    hand (average marginal contribution over the 3! orders) from the 8 coalition runs of
    the three changed groups, simulated here one coalition per run."""
    groups = [g for g in GROUPS if g.key in result.players]
    assert [g.key for g in groups] == list(result.players)
    coalitions = list(itertools.product([False, True], repeat=len(groups)))
    defaults = load_model().constants
    params = {c: np.array([POLICY[c] if any(m and c in g.constants for m, g in zip(co, groups))
                           else defaults[c].default for co in coalitions]) for c in POLICY}
    sim = simulate(params, ["gross emissions", "land carbon sink"])
    years = turning_point_table(sim, ["neutrality", "tp3"]).values
    # coalition bit i = group i, as coalition_matrix orders them (mask = sum of 1 << i)
    order = [sum(1 << i for i, m in enumerate(co) if m) for co in coalitions]
    for key in ("neutrality", "tp3"):
        v = np.empty(len(coalitions))
        v[order] = years[key].to_numpy(float)
        phi = _brute_force(v, len(groups))
        for g, expected in zip(groups, phi):
            assert result.turning_points.loc[g.key, key] == pytest.approx(expected, abs=1e-9), (key, g.key)


def test_result_does_not_depend_on_the_order_of_the_groups(result) -> None:
    shuffled = [GROUPS[2], GROUPS[0], GROUPS[3], GROUPS[1]]
    other = attribute(POLICY, groups=shuffled)
    for name, w in result.wedges.items():
        assert _rel(other.wedges[name][w.columns], w) <= 1e-12
    assert _rel(other.cumulative.loc[result.cumulative.index], result.cumulative) <= 1e-12
    tp_a = result.turning_points
    tp_b = other.turning_points.loc[tp_a.index, tp_a.columns]
    np.testing.assert_allclose(tp_b.to_numpy(dtype=float), tp_a.to_numpy(dtype=float), atol=1e-9, equal_nan=True)


def test_turning_point_years_are_censored_consistently(result) -> None:
    info = result.turning_point_info
    assert list(info.index) == list(TP_KEYS)
    for _key, row in info.iterrows():
        if row.base_status in ("not_yet", "not_sustained"):
            assert row.base_year == result.times[-1] + 1 and row.base_censored
        elif row.base_status == "before_start":  # at or before the projection era's start
            assert row.base_year == max(result.times[0], default_analysis_start()) - 1 and row.base_censored
        elif row.base_status == "reached":
            assert not row.base_censored


def test_ungrouped_constants_form_the_other_group() -> None:
    res = attribute({MANDATE: 0.3, "fertiliser reduction": 0.5}, groups=GROUPS[:1])
    assert res.players == ("energy", OTHER_GROUP.key)
    assert res.group("other").constants == ("fertiliser reduction",)


def test_policy_is_applied_on_top_of_the_base() -> None:
    base = {MANDATE: 0.3, "CCS target capacity": 500.0}
    res = attribute({"CCS target capacity": 1000.0}, base=base, groups=GROUPS)
    assert res.changed == {"CCS target capacity": (500.0, 1000.0)}
    assert res.policy[MANDATE] == 0.3
    assert res.n_runs == 2


def test_invalid_groups_are_clear_errors() -> None:
    with pytest.raises(PolicyConfigError, match="more than one group"):
        attribute(POLICY, groups=[GROUPS[0], LeverGroup("dup", "d", "d", (MANDATE,))])
    with pytest.raises(PolicyConfigError, match="at most 12"):
        pol = {
            MANDATE: 0.1, "CCS target capacity": 500.0, "fertiliser reduction": 0.5,
            "compact urbanization": 0.1, "rural reclamation policy rate": 0.05,
            "reclamation to forest share": 0.5, "additional afforestation rate": 10.0,
            "returning cropland to forest rate": 5.0, "additional energy efficiency improvement": 0.01,
            "low carbon building material share": 0.5, "household registration reform effect": 0.5,
            "CCS start year": 2040.0, "ecological red line share": 0.5,
        }
        attribute(pol, groups=[])  # 13 players, one per constant: refused before any run
    with pytest.raises(PolicyConfigError, match="no constants|not an adjustable"):
        load_groups({"bad": {"constants": ["gross emissions"]}})


def test_default_groups_cover_the_policy_levers() -> None:
    from analysis.policy.levers import policy_levers

    grouped = {c for g in load_groups() for c in g.constants}
    assert {lv.name for lv in policy_levers()} == grouped


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_figures(result, lang: str) -> None:
    for fig in (plot_wedges(result, lang=lang), plot_wedges(result, ("net emissions",), lang=lang, relative=True),
                plot_turning_point_shifts(result, lang=lang)):
        assert isinstance(fig, Figure)
        assert fig.axes
    fig = plot_turning_point_shifts(result, lang=lang)
    labels = " ".join(t.get_text() for t in fig.axes[0].get_yticklabels())
    assert ("碳中和" if lang == "zh" else "Carbon neutrality") in labels
