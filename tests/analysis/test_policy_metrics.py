"""Metrics, targets and the evaluation entry point of analysis.policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import turning_points as tpmod
from analysis.policy import evaluate as ev
from analysis.policy.evaluate import resolve_engine, simulate, validate_param_sets
from analysis.lever_catalogue import LEVERS
from analysis.policy.levers import DATA_DIR, load_scenario, policy_levers
from analysis.metrics import MetricError
from analysis.policy.metrics import Metric, Target, evaluate_metrics, load_targets, turning_point_table
from models.model import ModelInputError, load_model

requires_batch = pytest.mark.skipif(
    resolve_engine("auto") != "batch", reason="batch runner (models.batch) not available: PySD-only comparison skipped"
)


# ------------------------------------------------------------------------ evaluate
def test_validation_names_the_key() -> None:
    with pytest.raises(ModelInputError, match="outside the allowed range"):
        validate_param_sets({"non fossil mandate for new supply": np.array([0.1, 1.5])})
    with pytest.raises(ModelInputError, match="unknown model variable"):
        validate_param_sets({"non fosil mandate for new suply": 0.1})
    with pytest.raises(ModelInputError, match="not a constant"):
        validate_param_sets({"gross emissions": 1.0})
    with pytest.raises(ModelInputError, match="different lengths"):
        validate_param_sets({"fertiliser reduction": np.zeros(2), "CCS target capacity": np.zeros(3)})
    values, n = validate_param_sets({"fertiliser_reduction": 0.5, "CCS target capacity": np.array([1.0, 2.0])})
    assert n == 2 and values["fertiliser reduction"].tolist() == [0.5, 0.5]


def test_engine_selection(monkeypatch) -> None:
    monkeypatch.setenv(ev.ENGINE_ENV, "pysd")
    assert resolve_engine() == "pysd"
    assert resolve_engine("auto") in ("batch", "pysd")
    with pytest.raises(ValueError, match="unknown engine"):
        resolve_engine("fortran")


@requires_batch
def test_batch_and_pysd_agree() -> None:
    params = {"non fossil mandate for new supply": np.array([0.0, 0.3]), "CCS target capacity": np.array([0.0, 500.0])}
    outs = ["gross emissions", "land carbon sink", "forest coverage"]
    b = simulate(params, outs, engine="batch")
    p = simulate(params, outs, engine="pysd")
    assert (b.engine, p.engine) == ("batch", "pysd")
    np.testing.assert_array_equal(b.times, p.times)
    for o in outs:
        np.testing.assert_allclose(b[o], p[o], rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------------- levers
def test_policy_levers_have_names_in_both_languages() -> None:
    """Every policy lever of the model file has its labels in the one lever catalogue,
    and every catalogue entry is an adjustable constant of the model."""
    levers = policy_levers()
    assert len(levers) >= 10
    assert {lv.name for lv in levers} <= set(LEVERS), "policy levers missing from analysis/lever_catalogue.py"
    for lv in levers:
        assert (lv.zh, lv.en) == (LEVERS[lv.name].zh, LEVERS[lv.name].en)
        assert lv.zh and lv.en and lv.minimum < lv.maximum
        assert LEVERS[lv.name].policy, lv.name
    constants = load_model().constants
    for name in LEVERS:
        assert name in constants and constants[name].adjustable, name


def test_scenario_files_are_validated(tmp_path) -> None:
    assert load_scenario(DATA_DIR / "example_policy.yaml")["additional afforestation rate"] == 300
    bad = tmp_path / "bad.yaml"
    bad.write_text("overrides:\n  fertiliser reduction: 3\n", encoding="utf-8")
    with pytest.raises(ModelInputError, match=r"bad.yaml.*fertiliser reduction"):
        load_scenario(bad)


# ------------------------------------------------------------------ metrics/targets
def test_metric_and_target_parsing() -> None:
    assert Metric.parse("TP3") == Metric("turning_point", "tp3", window="proj")
    assert Metric.parse("tp3@hist") == Metric("turning_point", "tp3", window="hist")
    m = Metric.parse("forest_coverage@2035")
    assert (m.kind, m.name, m.year) == ("level", "forest coverage", 2035.0)
    assert Metric.parse("cum:net@2020-2060") == Metric("cumulative", "net", start=2020.0, end=2060.0)
    assert Metric.parse("cum_net[2020:2060]").text == "cum_net[2020:2060]"
    t = Target.parse("cropland minus red line@2035>=0")
    assert (t.op, t.threshold, t.metric.label) == (">=", 0.0, "cropland minus red line@2035")
    assert t.met(np.array([1.0, -1.0, np.nan])).tolist() == [True, False, False]
    assert Target.parse("tp3<=2030").margin(2024.0) == 6.0
    for bad in ("forest coverage>=26", "tp3=2030", "nonsense@2030>=1", "tp9<=2030"):
        with pytest.raises(MetricError):
            Target.parse(bad)


def test_censored_turning_points_meet_deadlines_by_their_bounds() -> None:
    # values of the censoring rule (step 1): 2024 = at or before 2025 (direction -1),
    # 2101 = still failing / rising at 2100 (direction +1), 2040 exact.
    peak, neutral = Target.parse("tp3<=2030"), Target.parse("neutrality<=2060")
    v, d = np.array([2024.0, 2101.0, 2040.0, np.nan]), np.array([-1, 1, 0, 0])
    assert np.array_equal(peak.assess(v, d), [1.0, 0.0, 0.0, np.nan], equal_nan=True)
    # a horizon ending at the deadline: a rising maximum may still peak then (undecided),
    # a threshold event failing then cannot be met by it (not met)
    assert np.isnan(peak.assess(2031.0, 1)[0]) and neutral.assess(2061.0, 1)[0] == 0.0
    # at or before 2035 does not decide a 2030 deadline
    assert np.isnan(peak.assess(2034.0, -1)[0])
    assert Target.parse("tp3>=2030").assess(2024.0, -1)[0] == 0.0


def test_default_discovery_targets_load() -> None:
    targets = load_targets(DATA_DIR / "discovery_targets.yaml")
    assert [t.key for t in targets] == ["peak_by_2030", "neutral_by_2060", "cropland_2035", "forest_2035"]
    assert targets[1].name("zh") == "2060年前碳中和"


def test_the_national_targets_are_the_same_type() -> None:
    from analysis.targets import load_targets as load_national

    by_key = {t.key: t for t in load_national()}
    assert all(isinstance(t, Target) for t in by_key.values())
    assert by_key["co2_peak"].text == "tp3<=2030"
    # compared on the official (inventory) basis the target is defined on (model v2)
    assert by_key["forest_coverage_2035"].text == "official forest coverage@2035>=26"


def test_metrics_match_the_reference_definitions() -> None:
    """Metric values equal those computed directly from a PySD run."""
    overrides = {"non fossil mandate for new supply": 0.3}
    metrics = ["tp3", "neutrality", "tp5", "forest coverage@2035.5", "cum_net[2020:2060]", "cum:sink@2020-2060"]
    outputs = list(dict.fromkeys(o for m in metrics for o in Metric.parse(m).outputs()))
    sim = simulate({k: np.array([v]) for k, v in overrides.items()}, outputs)
    table = evaluate_metrics(sim, metrics).values.iloc[0]

    df = load_model().run(overrides)
    ref = tpmod.turning_points(df["gross emissions"], df["land carbon sink"], df["growth attributable emissions"],
                               df["total construction land"])  # projection era (reference: PySD run)
    def censored(p):  # the documented rule, step 1 year
        if p.reached:
            return p.year
        return p.bound_year - 1 if p.status == "before_start" else p.bound_year + 1

    for key in ("tp3", "neutrality", "tp5"):
        assert table[key] == censored(ref[key]), key
    fc = df["forest coverage"]
    assert table["forest coverage@2035.5"] == pytest.approx(0.5 * (fc[2035.0] + fc[2036.0]), rel=1e-12)
    cn = df["Cumulative Net Emissions"]
    assert table["cum_net[2020:2060]"] == pytest.approx(cn[2060.0] - cn[2020.0], rel=1e-9)
    cg = df["Cumulative Gross Emissions"]
    assert table["cum_sink[2020:2060]"] == pytest.approx((cg[2060.0] - cg[2020.0]) - (cn[2060.0] - cn[2020.0]),
                                                        rel=1e-9)


def test_turning_point_table_flags_censored_runs() -> None:
    # model defaults (not reached by 2100) and a full non-fossil mandate with CCS (reached)
    sim = simulate({"non fossil mandate for new supply": np.array([0.0, 1.0]),
                    "CCS target capacity": np.array([0.0, 3000.0])},
                   ["gross emissions", "land carbon sink"])
    tpt = turning_point_table(sim, ["neutrality"])
    assert tpt.values["neutrality"].iloc[0] == sim.times[-1] + 1 and tpt.censored["neutrality"].iloc[0]
    assert tpt.values["neutrality"].iloc[1] < 2100 and not tpt.censored["neutrality"].iloc[1]
    assert list(tpt.status["neutrality"]) == ["not_yet", "reached"]
    assert isinstance(tpt.values, pd.DataFrame)
