"""Exports: documented columns, area conservation of the land-use demand, InVEST values
equal to the model constants, CSV/Excel contents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import export
from analysis.scenario_runs import analyse_scenarios
from models.model import load_model


@pytest.fixture(scope="module")
def runs():
    return analyse_scenarios(["baseline", "archetype_ecological"])


KEYS = [c.key for c in export.LAND_CLASSES]


def test_land_class_codes_are_unique_and_documented() -> None:
    table = export.land_class_table()
    assert table["code"].is_unique and table["key"].is_unique
    assert list(table.columns) == ["code", "key", "name_en", "name_zh", "model_stocks", "note"]
    stocks = [s for c in export.LAND_CLASSES for s in c.stocks]
    assert len(stocks) == len(set(stocks)) == 10  # every land stock in exactly one class
    doc = Path(__file__).resolve().parents[2] / "docs" / "spatial_handoff.md"
    text = doc.read_text(encoding="utf-8")
    for c in export.LAND_CLASSES:
        assert f"| {c.code} | `{c.key}` |" in text


@pytest.mark.parametrize("key", ["baseline", "archetype_ecological"])
def test_demand_table_columns_and_area_conservation(runs, key: str) -> None:
    res = runs[key].results
    demand = export.land_use_demand(res, cell_size_m=100)
    expected = [f"{k}_1e4ha" for k in KEYS] + [f"{k}_ha" for k in KEYS] + [f"{k}_cells" for k in KEYS]
    assert list(demand.columns) == expected
    assert demand.index.name == "year" and list(demand.index) == list(range(1990, 2101))
    area = res["total land area"].to_numpy(float)
    np.testing.assert_allclose(demand[[f"{k}_1e4ha" for k in KEYS]].sum(axis=1), area, rtol=1e-9)
    np.testing.assert_allclose(demand[[f"{k}_ha" for k in KEYS]].sum(axis=1), area * 1e4, rtol=1e-9)
    cells = demand[[f"{k}_cells" for k in KEYS]]
    assert (cells.dtypes == np.int64).all()
    np.testing.assert_array_equal(cells.sum(axis=1), np.rint(area * 1e4 / 1.0))  # 100 m cell = 1 ha
    np.testing.assert_allclose(demand["cropland_1e4ha"], res["Cropland"].to_numpy(), rtol=1e-12)


def test_demand_years_and_bad_cell_size(runs) -> None:
    res = runs["baseline"].results
    assert list(export.land_use_demand(res, years=[2020, 2060]).index) == [2020, 2060]
    with pytest.raises(ValueError, match="cell_size_m"):
        export.land_use_demand(res, cell_size_m=-30)


def _growth_curve(k: dict[str, float], age: float) -> float:
    """Chapman-Richards vegetation density (t C/ha) at a stand age, by hand from the
    constants of the model file (density = maximum x (1 - exp(-rate x age))^shape)."""
    return k["maximum forest carbon density"] * (
        1.0 - np.exp(-k["forest growth rate constant"] * age)) ** k["forest growth shape"]


def test_invest_table_equals_model_constants() -> None:
    k = {n: c.default for n, c in load_model().constants.items()}
    t = export.invest_carbon_table().set_index("lucode")
    assert list(export.invest_carbon_table().columns) == ["lucode", "LULC_Name", "C_above", "C_below", "C_soil", "C_dead"]
    assert set(t.index) == {1, 2, 3, 4, 51, 52, 6, 201, 202, 203}
    veg = t["C_above"] + t["C_below"]
    assert veg[1] == pytest.approx(k["vegetation carbon density cropland"])
    assert veg[3] == pytest.approx(k["vegetation carbon density grassland"])
    assert veg[4] == pytest.approx(k["vegetation carbon density wetland"])
    assert veg[51] == pytest.approx(k["vegetation carbon density construction land"])
    assert veg[52] == pytest.approx(k["vegetation carbon density construction land"])
    assert veg[6] == pytest.approx(k["vegetation carbon density other land"])
    # INITIAL TIME: each age group splits its initial fraction equally between its two
    # ten-year classes, except the mature group (40-60 / over 60 by their own share).
    d = {a: _growth_curve(k, k[f"representative age {a}"])
         for a in ("0 to 10", "10 to 20", "20 to 30", "30 to 40", "40 to 60", "over 60")}
    old = k["initial share of mature forest over 60 years"]
    assert veg[201] == pytest.approx((d["0 to 10"] + d["10 to 20"]) / 2, rel=1e-9)
    assert veg[202] == pytest.approx((d["20 to 30"] + d["30 to 40"]) / 2, rel=1e-9)
    assert veg[203] == pytest.approx((1 - old) * d["40 to 60"] + old * d["over 60"], rel=1e-9)
    fy, fm = k["initial young forest fraction"], k["initial middle aged forest fraction"]
    assert veg[2] == pytest.approx(fy * veg[201] + fm * veg[202] + (1 - fy - fm) * veg[203])
    assert t.loc[1, "C_soil"] == k["soil carbon density cropland"]
    assert t.loc[3, "C_soil"] == k["soil carbon density grassland"]
    assert t.loc[4, "C_soil"] == k["soil carbon density wetland"]
    assert t.loc[51, "C_soil"] == k["soil carbon density urban construction land"]
    assert t.loc[52, "C_soil"] == k["soil carbon density rural construction land"]
    assert t.loc[6, "C_soil"] == k["soil carbon density other land"]
    for code in (2, 201, 202, 203):
        assert t.loc[code, "C_soil"] == k["soil carbon density forest"]
        assert t.loc[code, "C_below"] / t.loc[code, "C_above"] == pytest.approx(export.ROOT_SHOOT_RATIOS["forest"])
        assert t.loc[code, "C_dead"] == pytest.approx(veg[code] * k["forest ecosystem carbon ratio"])
    assert (t.loc[[1, 3, 4, 51, 52, 6], "C_dead"] == 0).all()


def test_forest_age_groups_are_the_model_age_groups(runs) -> None:
    """The age classes of each group add up to the model's group area, and the groups'
    densities weighted by area give the model's mean forest density."""
    res = runs["baseline"].results
    for g in export.FOREST_AGE_CLASSES:
        np.testing.assert_allclose(res[[a for a, _ in g.classes]].sum(axis=1), res[g.stock], rtol=1e-12)
    t = export.invest_carbon_table(results=res, year=2060).set_index("lucode")
    assert t.loc[2, "C_above"] + t.loc[2, "C_below"] == pytest.approx(res.loc[2060.0, "forest carbon density"], rel=1e-9)


def test_invest_table_follows_overrides_and_simulated_year(runs) -> None:
    t = export.invest_carbon_table({"soil carbon density forest": 150, "vegetation carbon density grassland": 8})
    t = t.set_index("lucode")
    assert t.loc[2, "C_soil"] == 150 and t.loc[3, "C_above"] + t.loc[3, "C_below"] == pytest.approx(8)
    k = {n: c.default for n, c in load_model().constants.items()}
    dense = export.invest_carbon_table({"maximum forest carbon density": 2 * k["maximum forest carbon density"]})
    base = export.invest_carbon_table().set_index("lucode")
    assert dense.set_index("lucode").loc[201, "C_above"] == pytest.approx(2 * base.loc[201, "C_above"])
    res = runs["baseline"].results
    dyn = export.invest_carbon_table(results=res, year=2060).set_index("lucode")
    young = [("Forest Age 0 to 10", "forest carbon density 0 to 10"), ("Forest Age 10 to 20", "forest carbon density 10 to 20")]
    row = res.loc[2060.0]
    expected = sum(row[a] * row[d] for a, d in young) / sum(row[a] for a, _ in young)
    assert dyn.loc[201, "C_above"] + dyn.loc[201, "C_below"] == pytest.approx(expected)
    with pytest.raises(ValueError, match="both results and year"):
        export.invest_carbon_table(results=res)
    with pytest.raises(ValueError, match="root:shoot"):
        export.invest_carbon_table(root_shoot={"forest": -1})


def test_write_results_csv_and_excel(runs, tmp_path: Path) -> None:
    written = export.write_results(runs, tmp_path, ("csv", "xlsx"), lang="zh")
    names = {p.name for p in written}
    assert {"results_baseline.csv", "results_archetype_ecological.csv", "turning_points.csv",
            "turning_point_details.csv", "targets.csv", "assumptions.csv", "results.xlsx"} <= names
    res = pd.read_csv(tmp_path / "results_baseline.csv", index_col="year")
    np.testing.assert_allclose(res["gross emissions"], runs["baseline"].results["gross emissions"])
    tp = pd.read_csv(tmp_path / "turning_points.csv", index_col="scenario")
    assert list(tp.index) == ["baseline", "archetype_ecological"]
    assert {"tp1_year", "tp3_year", "tp3_value", "tp5_year", "neutrality_year", "tp4_status"} <= set(tp.columns)
    for scenario in tp.index:
        for key in ("tp1", "tp3", "tp5", "neutrality"):
            point = runs[scenario].turning_points[key]
            cell = tp.loc[scenario, f"{key}_year"]
            # an unreached point (or one at or before the projection start) is a blank cell
            assert (pd.isna(cell) if point.year is None else cell == point.year), (scenario, key)
            assert tp.loc[scenario, f"{key}_status"] == point.status, (scenario, key)
    details = pd.read_csv(tmp_path / "turning_point_details.csv")
    assert "碳达峰" in " ".join(details["name"])

    book = pd.read_excel(tmp_path / "results.xlsx", sheet_name=None, engine="openpyxl")
    assert set(book) == {"baseline", "archetype_ecological", "turning_points", "turning_point_details", "targets", "assumptions"}
    assert len(book["baseline"]) == 111
    ass = book["assumptions"]
    eco = ass[ass["scenario"] == "archetype_ecological"].set_index("variable")
    sc = runs["archetype_ecological"].scenario
    assert set(eco.index) == set(sc.overrides) | set(sc.data)  # data inputs inherited from its base
    assert eco.loc["total land area", "value"] == 300
    assert eco.loc["total land area", "rationale_zh"] == sc.rationale["total land area"]["zh"]
    base = ass[ass["scenario"] == "baseline"].set_index("variable")
    baseline = runs["baseline"].scenario
    if baseline.overrides:
        assert set(base.index) == set(baseline.overrides) | set(baseline.data)
    else:
        assert base["rationale_en"].iloc[0].startswith("No overrides")


def test_write_spatial_handoff(runs, tmp_path: Path) -> None:
    r = runs["archetype_ecological"]
    paths = export.write_spatial_handoff(r.scenario, r.results, tmp_path, cell_size_m=30)
    assert [p.name for p in paths] == ["land_use_demand.csv", "land_classes.csv", "invest_carbon_biophysical.csv"]
    inv = pd.read_csv(paths[2])
    assert list(inv.columns) == ["lucode", "LULC_Name", "C_above", "C_below", "C_soil", "C_dead"]
    assert all(name.isascii() for name in inv["LULC_Name"])  # plain ASCII names for InVEST
    demand = pd.read_csv(paths[0], index_col="year")
    np.testing.assert_allclose(demand.filter(like="_1e4ha").sum(axis=1), 300.0, rtol=1e-9)


def test_sheet_names_are_valid_and_unique() -> None:
    names = export._sheet_names(["a" * 40, "a" * 40 + "b", "targets", "x/y"])
    assert all(len(n) <= 31 for n in names.values())
    assert len(set(names.values())) == 4 and "targets" not in names.values()
    assert names["x/y"] == "x_y"
