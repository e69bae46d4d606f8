"""Tests of analysis.targets: YAML loading/validation and evaluation on hand-built results.

Expected values are computed by hand from the constructed inputs (see comments).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.metrics import Metric
from analysis.targets import (
    DEFAULT_TARGETS_PATH,
    RESULT_COLUMNS,
    Target,
    TargetsConfigError,
    evaluate_targets,
    load_targets,
    targets_from_dict,
)
from analysis.turning_points import NAMES, UNITS, TurningPoint
from models.model import load_model

YEARS = np.arange(2005, 2101, dtype=float)


def one(df: pd.DataFrame, key: str) -> pd.Series:
    rows = df[df["key"] == key]
    assert len(rows) == 1, f"expected one row for {key}"
    return rows.iloc[0]


def tp(key: str, status: str, year: float | None = None, bound: float | None = None) -> TurningPoint:
    return TurningPoint(
        key=key, name_en=NAMES[key]["en"], name_zh=NAMES[key]["zh"], year=year,
        value=None if year is None else 1.0, reached=status == "reached",
        reason_en="" if status == "reached" else f"because {status}",
        reason_zh="" if status == "reached" else f"原因 {status}",
        status=status, bound_year=bound, unit=UNITS[key],
    )


def T(**kw) -> Target:
    base = dict(name_en="n", name_zh="名", source="test", unit="u")
    base.update(kw)
    return Target.from_dict(base, "test")


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def test_default_set_values_and_sources():
    ts = load_targets()
    assert ts.region == "default"
    assert ts.keys() == [
        "co2_peak", "carbon_neutrality", "cropland_red_line", "forest_coverage_2025",
        "forest_coverage_2030", "forest_coverage_2035",
        "co2_intensity_2030", "non_fossil_share_2030",
    ]
    assert ts["co2_peak"].metric == Metric("turning_point", "tp3", window="proj") and ts["co2_peak"].threshold == 2030
    assert ts["co2_peak"].op == "<=" and ts["co2_peak"].text == "tp3<=2030"
    assert ts["carbon_neutrality"].metric.name == "neutrality" and ts["carbon_neutrality"].threshold == 2060
    # 18.65 亿亩 = 18.65e8 mu / 15 mu/ha = 1.2433e8 ha = 12,433 x 10^4 ha
    red = ts["cropland_red_line"]
    assert red.threshold == pytest.approx(18.65e8 / 15 / 1e4, abs=0.5) and red.op == ">="
    assert red.unit == "10^4 ha"
    assert red.metric == Metric("extreme", "cropland on survey basis", start=2021.0, stat="min")
    assert ts["forest_coverage_2025"].threshold == 24.1 and ts["forest_coverage_2025"].metric.year == 2025
    assert ts["forest_coverage_2035"].threshold == 26 and ts["forest_coverage_2035"].metric.year == 2035
    assert ts["co2_intensity_2030"].threshold == 0.65 and ts["co2_intensity_2030"].metric.start == 2005
    assert ts["non_fossil_share_2030"].threshold == 0.25 and ts["non_fossil_share_2030"].unit == "fraction"
    model = load_model()
    for t in ts:
        assert t.source.strip(), t.key
        for variable in t.metric.outputs():
            assert variable in model.variables, variable
    # disabled targets are not in the set (per-capita land: model definition differs from
    # the urban standard, see the YAML note)
    assert "development_intensity_2030" not in ts.keys()
    assert "construction_land_per_capita" not in ts.keys()


def test_builtin_region_override():
    ts = load_targets(region="xiongan")
    assert ts.region == "xiongan"
    assert ts["forest_coverage_2035"].threshold == 40.0
    assert ts["forest_coverage_2035"].metric == Metric("level", "official forest coverage", year=2035.0)  # inherited
    assert ts["forest_coverage_2035"].source.startswith("Seed 001")
    assert "forest_coverage_2025" not in ts.keys() and "cropland_red_line" not in ts.keys()
    assert ts["co2_peak"].threshold == 2030  # untouched national target


def write(tmp_path: Path, name: str, data) -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, allow_unicode=True) if not isinstance(data, str) else data,
                 encoding="utf-8")
    return p


def test_region_file(tmp_path):
    p = write(tmp_path, "hebei.yaml", {
        "region": "hebei",
        "targets": [
            {"key": "cropland_red_line", "threshold": 12000, "note": "18亿亩 (2006)"},
            {"key": "development_intensity_2030", "enabled": True, "threshold": 500.0},
            {"key": "non_fossil_share_2030", "enabled": False},
            {"key": "urban_share_2035", "metric": "urbanization_rate", "year": 2035, "name_en": "Urbanization",
             "name_zh": "城镇化率", "op": ">=", "threshold": 70, "unit": "%", "source": "test"},
        ],
    })
    ts = load_targets(region_file=p)
    assert ts.region == "hebei" and ts.files[-1] == str(p)
    assert ts["cropland_red_line"].threshold == 12000 and ts["cropland_red_line"].metric.start == 2021
    assert ts["development_intensity_2030"].threshold == 500.0  # re-enabled disabled target
    assert "non_fossil_share_2030" not in ts.keys()
    assert ts.keys()[-1] == "urban_share_2035" and ts["urban_share_2035"].metric.text == "urbanization rate@2035"
    p2 = write(tmp_path, "only.yaml", {"region": "x", "replace_default": True, "targets": [
        {"key": "a", "metric": "tp3@hist", "op": "<=", "threshold": 2025, "name_en": "a", "name_zh": "甲",
         "unit": "year", "source": "s"}]})
    assert load_targets(region_file=p2).keys() == ["a"]


def _base_cfg():
    return {"version": 2, "default": {"targets": [
        {"key": "f", "name_en": "F", "name_zh": "森", "metric": "forest_coverage@2025",
         "op": ">=", "threshold": 24.1, "unit": "%", "source": "s"},
    ]}}


@pytest.mark.parametrize(
    "mutate, pattern",
    [
        (lambda c: c["default"]["targets"][0].update(threshold="abc"), r"targets\[0\] \(key 'f'\): field 'threshold' must be a number"),
        (lambda c: c["default"]["targets"][0].update(threshold=True), r"field 'threshold' must be a number"),
        (lambda c: c["default"]["targets"][0].update(op="=>"), r"field 'op' must be '>=' or '<='"),
        (lambda c: c["default"]["targets"][0].update(colour="red"), r"key 'f'\): unknown field\(s\) \['colour'\]"),
        (lambda c: c["default"]["targets"][0].pop("source"), r"key 'f'\): missing field\(s\) \['source'\]"),
        (lambda c: c["default"]["targets"][0].update(metric="nonsense"), r"key 'f'\): field 'metric': .*nonsense"),
        (lambda c: c["default"]["targets"][0].update(key="Bad Key"), r"field 'key' must be an identifier"),
        (lambda c: c["default"]["targets"].append(dict(c["default"]["targets"][0])), r"targets\[1\]: duplicate key 'f'"),
        (lambda c: c.update(version=1), r"'version' must be 2"),
        (lambda c: c.update(extra=1), r"top level: unknown key\(s\) \['extra'\]"),
        (lambda c: c["default"].update(targets={"f": 1}), r"default.targets must be a list"),
        (lambda c: c.update(regions={"r": {"targets": [{"key": "f", "year": 2030}]}}),
         r"regions.r.targets\[0\] \(key 'f'\): to change the years give the whole 'metric'"),
        (lambda c: c.update(regions={"r": {"targets": [{"key": "f", "deadline": 2030}]}}),
         r"regions.r.targets\[0\] \(key 'f'\): unknown field\(s\) \['deadline'\]"),
        (lambda c: c.update(regions={"r": {"targets": [{"key": "g", "enabled": False}]}}),
         r"cannot disable unknown target 'g'"),
        (lambda c: c["default"]["targets"].append(
            {"key": "p", "metric": "tp9", "op": "<=", "threshold": 2030, "name_en": "P", "name_zh": "峰",
             "unit": "year", "source": "s"}), r"key 'p'\): field 'metric': unknown turning point 'tp9'"),
    ],
)
def test_validation_errors_name_file_and_key(tmp_path, mutate, pattern):
    cfg = _base_cfg()
    mutate(cfg)
    p = write(tmp_path, "bad_targets.yaml", cfg)
    with pytest.raises(TargetsConfigError, match=pattern) as exc:
        load_targets(p)
    assert str(p) in str(exc.value)


def test_load_errors(tmp_path):
    with pytest.raises(TargetsConfigError, match="file not found"):
        load_targets(tmp_path / "nope.yaml")
    bad = write(tmp_path, "broken.yaml", "version: 2\ndefault: [unclosed\n")
    with pytest.raises(TargetsConfigError, match=r"broken\.yaml: invalid YAML"):
        load_targets(bad)
    with pytest.raises(TargetsConfigError, match=r"region 'atlantis' not found.*xiongan"):
        load_targets(region="atlantis")
    rf = write(tmp_path, "reg.yaml", {"targets": []})
    with pytest.raises(TargetsConfigError, match=r"reg\.yaml: top level: missing key\(s\) \['region'\]"):
        load_targets(region_file=rf)
    assert targets_from_dict(_base_cfg()).keys() == ["f"]


def test_shipped_yaml_is_valid_for_all_regions():
    data = yaml.safe_load(DEFAULT_TARGETS_PATH.read_text(encoding="utf-8"))
    for region in [None, *data.get("regions", {})]:
        assert len(targets_from_dict(data, region, str(DEFAULT_TARGETS_PATH))) > 0


# --------------------------------------------------------------------------------------
# Evaluation: turning-point targets
# --------------------------------------------------------------------------------------

PEAK = T(key="peak", metric="tp3", op="<=", threshold=2030.0, unit="year")
NEUTRAL = T(key="neutral", metric="neutrality", op="<=", threshold=2060.0, unit="year")
EMPTY = pd.DataFrame(index=YEARS)


@pytest.mark.parametrize(
    "point, target, passed, margin",
    [
        (tp("tp3", "reached", 2027.0), PEAK, True, 3.0),          # 2030 - 2027
        (tp("tp3", "reached", 2030.0), PEAK, True, 0.0),          # at the deadline passes
        (tp("tp3", "reached", 2033.0), PEAK, False, -3.0),        # 3 years late
        (tp("tp3", "before_start", bound=2020.0), PEAK, True, 10.0),   # peak <= 2020: lower bound
        (tp("tp3", "before_start", bound=2035.0), PEAK, None, None),   # peak <= 2035: unknown
        (tp("tp3", "not_yet", bound=2100.0), PEAK, False, -70.0),      # still rising in 2100
        (tp("tp3", "not_yet", bound=2030.0), PEAK, None, None),        # could still peak in 2030 (max rule: >= b)
        (tp("tp3", "not_yet", bound=2025.0), PEAK, None, None),        # horizon too short
        (tp("tp3", "no_input"), PEAK, None, None),
        (tp("tp3", "too_short"), PEAK, None, None),
        (tp("neutrality", "reached", 2058.0), NEUTRAL, True, 2.0),
        (tp("neutrality", "not_sustained", bound=2100.0), NEUTRAL, False, -40.0),
        (tp("neutrality", "not_yet", bound=2060.0), NEUTRAL, False, 0.0),  # N > tol in 2060: failed (> b)
        (tp("neutrality", "not_yet", bound=2050.0), NEUTRAL, None, None),
    ],
)
def test_turning_point_target_statuses(point, target, passed, margin):
    df = evaluate_targets(EMPTY, {point.key: point}, [target])
    row = one(df, target.key)
    assert row["passed"] is passed
    if margin is None:
        assert math.isnan(row["margin"])
    else:
        assert row["margin"] == pytest.approx(margin)
    if point.status == "reached":
        assert row["value"] == point.year
    assert row["reason"]


def test_turning_points_computed_from_results_when_not_given():
    # Gaussian gross emissions peaking in 2028 -> peak target passes with margin 2.
    # Sink 400 + 20 (t - 2005); E = 6000 exp(-(t-2028)^2/(2*20^2)); neutrality is
    # computed by the turning-point module (tolerance 1 % of max E = 60 Mt):
    # expected year = first year with E - S <= 60 from then on, computed here directly.
    E = 6000 * np.exp(-((YEARS - 2028) ** 2) / (2 * 20**2))
    S = 400 + 20 * (YEARS - 2005)
    df = pd.DataFrame({"gross_emissions": E, "land_carbon_sink": S}, index=YEARS)
    ok = (E - S) <= 60
    expected = YEARS[np.flatnonzero(~ok)[-1] + 1]
    res = evaluate_targets(df, None, [PEAK, NEUTRAL])
    assert one(res, "peak")["passed"] is True and one(res, "peak")["value"] == 2028
    assert one(res, "neutral")["value"] == expected
    assert one(res, "neutral")["passed"] is bool(expected <= 2060)
    assert one(res, "neutral")["margin"] == pytest.approx(2060 - expected)


def test_turning_point_target_without_emissions_column():
    res = evaluate_targets(EMPTY, None, [PEAK])
    assert one(res, "peak")["passed"] is None


# --------------------------------------------------------------------------------------
# Evaluation: levels and reductions
# --------------------------------------------------------------------------------------


def test_level_at_year_and_interpolation():
    # forest = 20 + 0.5 (t - 2020): 2025 -> 22.5 (< 24.1: margin -1.6); 2035 -> 27.5 (>= 26: +1.5)
    f25 = T(key="f25", metric="forest_coverage@2025", op=">=", threshold=24.1, unit="%")
    f35 = T(key="f35", metric="forest_coverage@2035", op=">=", threshold=26.0, unit="%")
    df = pd.DataFrame({"forest_coverage": 20 + 0.5 * (YEARS - 2020)}, index=YEARS)
    res = evaluate_targets(df, {}, [f25, f35])
    assert one(res, "f25")["value"] == pytest.approx(22.5)
    assert one(res, "f25")["passed"] is False and one(res, "f25")["margin"] == pytest.approx(-1.6)
    assert one(res, "f35")["passed"] is True and one(res, "f35")["margin"] == pytest.approx(1.5)
    # output only every 2 years from 2006: 2025 interpolated between 2024 and 2026 -> 22.5
    ev = np.arange(2006, 2101, 2, dtype=float)
    df2 = pd.DataFrame({"forest_coverage": 20 + 0.5 * (ev - 2020)}, index=ev)
    assert one(evaluate_targets(df2, {}, [f25]), "f25")["value"] == pytest.approx(22.5)
    # quarter-year output gives the same
    q = np.arange(2020, 2040.001, 0.25)
    df3 = pd.DataFrame({"forest_coverage": 20 + 0.5 * (q - 2020)}, index=q)
    assert one(evaluate_targets(df3, {}, [f35]), "f35")["value"] == pytest.approx(27.5)
    # '<=' target: margin = threshold - value; per-capita land 98 in 2030 vs limit 100 -> +2
    cap = T(key="cap", metric="construction_land_per_capita@2030", op="<=", threshold=100.0, unit="m2/person")
    df4 = pd.DataFrame({"construction_land_per_capita": np.full(YEARS.size, 98.0)}, index=YEARS)
    r = one(evaluate_targets(df4, {}, [cap]), "cap")
    assert r["passed"] is True and r["margin"] == pytest.approx(2.0)


def test_level_at_year_outside_horizon_and_missing_column():
    f25 = T(key="f25", metric="forest_coverage@2025", op=">=", threshold=24.1)
    late = np.arange(2030, 2061, dtype=float)
    res = evaluate_targets(pd.DataFrame({"forest_coverage": 30.0}, index=late), {}, [f25])
    assert one(res, "f25")["passed"] is None and "outside" in one(res, "f25")["reason"]
    res2 = evaluate_targets(pd.DataFrame({"x": 1.0}, index=late), {}, [f25])
    assert one(res2, "f25")["passed"] is None and "forest coverage" in one(res2, "f25")["reason"]
    assert math.isnan(one(res2, "f25")["margin"])


def test_level_all_years_cropland_red_line():
    red = T(key="red", metric="min(cropland)[2021:]", op=">=", threshold=12433.0, unit="10^4 ha")
    crop = np.full(YEARS.size, 12600.0)
    crop[YEARS == 2010] = 12000.0  # before from_year: ignored
    df = pd.DataFrame({"cropland": crop}, index=YEARS)
    r = one(evaluate_targets(df, {}, [red]), "red")
    assert r["passed"] is True and r["value"] == 12600 and r["margin"] == pytest.approx(167.0)
    # dips to 12400 in 2040-2041 and to 12300 in 2070 -> fails first in 2040, worst 12300
    crop2 = crop.copy()
    crop2[(YEARS >= 2040) & (YEARS <= 2041)] = 12400.0
    crop2[YEARS == 2070] = 12300.0
    r2 = one(evaluate_targets(pd.DataFrame({"cropland": crop2}, index=YEARS), {}, [red]), "red")
    assert r2["passed"] is False and r2["value"] == 12300.0
    assert r2["margin"] == pytest.approx(12300 - 12433)
    assert "first in 2040" in r2["reason"] and "2070" in r2["reason"]
    # a to_year before 2070 only sees the 2040 dip
    red_to = T(key="red", metric="min(cropland)", **{"from": 2021.0, "to": 2060.0}, op=">=", threshold=12433.0,
               unit="10^4 ha")
    r3 = one(evaluate_targets(pd.DataFrame({"cropland": crop2}, index=YEARS), {}, [red_to]), "red")
    assert r3["value"] == 12400.0 and r3["margin"] == pytest.approx(-33.0)


def test_level_all_years_upper_limit():
    cap = T(key="cap", metric="max(construction_land_per_capita)", op="<=", threshold=100.0, unit="m2/person")
    v = 90 + 0.1 * (YEARS - 2005)  # max at 2100: 99.5 -> margin 0.5
    r = one(evaluate_targets(pd.DataFrame({"construction_land_per_capita": v}, index=YEARS), {}, [cap]), "cap")
    assert r["passed"] is True and r["value"] == pytest.approx(99.5) and r["margin"] == pytest.approx(0.5)


def test_reduction_from_base():
    red = T(key="int", metric="reduction(co2_per_unit_gdp)[2005:2030]", op=">=", threshold=0.65, unit="fraction")
    # linear from 1.0 (2005) to 0.3 (2030): reduction 0.70 -> margin +0.05
    x = np.interp(YEARS, [2005, 2030, 2100], [1.0, 0.3, 0.1])
    r = one(evaluate_targets(pd.DataFrame({"co2_per_unit_gdp": x}, index=YEARS), {}, [red]), "int")
    assert r["passed"] is True and r["value"] == pytest.approx(0.70) and r["margin"] == pytest.approx(0.05)
    # to 0.4 in 2030: reduction 0.60 -> margin -0.05
    x2 = np.interp(YEARS, [2005, 2030, 2100], [1.0, 0.4, 0.1])
    r2 = one(evaluate_targets(pd.DataFrame({"co2_per_unit_gdp": x2}, index=YEARS), {}, [red]), "int")
    assert r2["passed"] is False and r2["margin"] == pytest.approx(-0.05)
    # results start in 2020: base year missing -> not evaluable, unless base_value is configured
    late = YEARS[YEARS >= 2020]
    df_late = pd.DataFrame({"co2_per_unit_gdp": x[YEARS >= 2020]}, index=late)
    r3 = one(evaluate_targets(df_late, {}, [red]), "int")
    assert r3["passed"] is None and "base_value" in r3["reason"]
    red_b = T(key="int", metric="reduction(co2_per_unit_gdp)[2005:2030]", op=">=", threshold=0.65,
              base_value=2.0, unit="fraction")
    r4 = one(evaluate_targets(df_late, {}, [red_b]), "int")
    assert r4["value"] == pytest.approx(1 - 0.3 / 2.0) and r4["passed"] is True


# --------------------------------------------------------------------------------------
# Whole default set on a hand-built run
# --------------------------------------------------------------------------------------


def test_default_set_on_constructed_run(tmp_path):
    t = YEARS
    df = pd.DataFrame(
        {
            # peak in 2026 (Gaussian), sink constant 2000: N <= 0 once E <= 2000
            "gross_emissions": 11000 * np.exp(-((t - 2026) ** 2) / (2 * 18**2)),
            "land_carbon_sink": np.full(t.size, 2000.0),
            "cropland_on_survey_basis": np.full(t.size, 12500.0),     # above 12433: +67
            "official_forest_coverage": 22 + 0.25 * (t - 2020),       # 2025: 23.25; 2030: 24.5; 2035: 25.75
            "construction_land_per_capita": np.full(t.size, 120.0),   # above 100: -20
            "co2_per_unit_gdp": np.interp(t, [2005, 2030, 2100], [1.0, 0.32, 0.05]),  # reduction 0.68
            "non_fossil_share_of_primary_energy": np.interp(t, [2005, 2030, 2100], [0.07, 0.27, 0.8]),
        },
        index=t,
    )
    df["net_emissions"] = df["gross_emissions"] - df["land_carbon_sink"]
    # enable the per-capita limit (disabled in the national set) through a region file
    rf = write(tmp_path, "r.yaml", {"region": "r", "targets": [
        {"key": "construction_land_per_capita", "enabled": True, "threshold": 100.0}]})
    targets = load_targets(region_file=rf)
    res = evaluate_targets(df, targets=targets)
    assert list(res.columns) == list(RESULT_COLUMNS)
    # E = 2000 <=> (t-2026)^2 = 2*18^2 ln(5.5) -> t = 2026 + 18 sqrt(2 ln 5.5) ≈ 2059.3;
    # default tolerance 1 % of 11000 = 110 Mt: E <= 2110 <=> t >= 2026 + 18 sqrt(2 ln(11000/2110))
    t_n = 2026 + 18 * math.sqrt(2 * math.log(11000 / 2110))
    expected_n = float(np.ceil(t_n))
    exp = {
        "co2_peak": (True, 4.0),
        "carbon_neutrality": (expected_n <= 2060, 2060 - expected_n),
        "cropland_red_line": (True, 67.0),
        "forest_coverage_2025": (False, 23.25 - 24.1),
        "forest_coverage_2030": (False, 24.5 - 25.0),
        "forest_coverage_2035": (False, 25.75 - 26.0),
        "construction_land_per_capita": (False, -20.0),
        "co2_intensity_2030": (True, 0.68 - 0.65),
        "non_fossil_share_2030": (True, 0.27 - 0.25),
    }
    assert set(res["key"]) == set(exp)
    for key, (passed, margin) in exp.items():
        r = one(res, key)
        assert r["passed"] is passed, key
        assert r["margin"] == pytest.approx(margin, abs=1e-9), key
    assert "construction_land_per_capita" not in set(evaluate_targets(df)["key"])
    zh = evaluate_targets(df, lang="zh")
    assert one(zh, "forest_coverage_2025")["reason"].startswith("2025 年")
    with pytest.raises(ValueError):
        evaluate_targets(df, lang="de")


def test_vensim_column_names_are_accepted():
    # The PySD runner returns Vensim names ('gross emissions', 'cropland on survey basis');
    # python names ('official_forest_coverage') are accepted as well.  Peak of the Gaussian
    # at 2027 -> margin 3.
    df = pd.DataFrame({
        "gross emissions": 5000 * np.exp(-((YEARS - 2027) ** 2) / 200),
        "cropland on survey basis": np.full(YEARS.size, 12000.0),  # below 12433
    }, index=YEARS)
    res = evaluate_targets(df, None, load_targets())
    assert one(res, "co2_peak")["margin"] == pytest.approx(3.0)
    assert one(res, "cropland_red_line")["passed"] is False
    assert one(res, "cropland_red_line")["margin"] == pytest.approx(-433.0)
    assert one(res, "forest_coverage_2025")["passed"] is None  # column absent
