"""Tests of the calibration history data, the series registry and the history loader.

Spot checks recompute converted values directly from the raw CSVs in
``calibration/data/raw`` (verbatim copy of the shared sourced data) with pandas,
independently of ``build_history.py``.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import math
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calibration.history import (
    NOTE_FLAGS,
    REQUIRED_COLUMNS,
    HistoryDataError,
    fit_mask_wide,
    history_wide,
    load_history,
    parse_note_flags,
)
from calibration.series import SERIES, alternatives_of, get_series, primary_series

DATA = Path(__file__).resolve().parents[2] / "calibration" / "data"
RAW = DATA / "raw"
MAIN_FILES = ["history_CHN.csv", "history_USA.csv", "history_GBR.csv", "example_region.csv"]
SPARSE_FILES = ["history_CHN_sparse.csv"]
ALL_FILES = MAIN_FILES + SPARSE_FILES
HEADER = ",".join(REQUIRED_COLUMNS)


def _load(name: str) -> pd.DataFrame:
    return load_history(DATA / name, min_points=1 if name in SPARSE_FILES else 3)


def _raw(name: str) -> pd.DataFrame:
    return pd.read_csv(RAW / name, dtype={"note": str}, keep_default_na=False)


def _raw_value(df: pd.DataFrame, region: str, variable: str, year: int) -> float:
    sel = df[(df.region == region) & (df.variable == variable) & (df.year == year)]
    assert len(sel) == 1, (region, variable, year)
    return float(sel.value.iloc[0])


@pytest.fixture(scope="module")
def shipped() -> dict[str, pd.DataFrame]:
    return {name: _load(name) for name in ALL_FILES}


def _value(df: pd.DataFrame, variable: str, year: int, region: str | None = None) -> float:
    sel = df[(df.variable == variable) & (df.year == year)]
    if region is not None:
        sel = sel[sel.region == region]
    assert len(sel) == 1, (variable, year)
    return float(sel.value.iloc[0])


# ---------------------------------------------------------------- shipped files


@pytest.mark.parametrize("name", ALL_FILES)
def test_shipped_files_load_and_have_exact_columns(name: str, shipped) -> None:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == list(REQUIRED_COLUMNS)
    df = shipped[name]
    assert len(df) > 0
    assert df["value"].map(math.isfinite).all()


def test_sparse_file_really_needs_min_points_1() -> None:
    with pytest.raises(HistoryDataError, match="grassland"):
        load_history(DATA / "history_CHN_sparse.csv")


def test_region_files_hold_one_region(shipped) -> None:
    for region in ("CHN", "USA", "GBR"):
        assert set(shipped[f"history_{region}.csv"].region) == {region}
    assert set(shipped["history_CHN_sparse.csv"].region) == {"CHN"}


def test_shipped_files_equal_a_fresh_build(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("_build_history", DATA / "build_history.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, mod)  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    built = mod.build_rows(RAW)
    assert set(built) == set(ALL_FILES)
    for name, rows in built.items():
        assert (DATA / name).read_text(encoding="utf-8") == mod.render(rows), name


def test_main_and_sparse_files_do_not_share_variables(shipped) -> None:
    main = set(shipped["history_CHN.csv"].variable)
    sparse = set(shipped["history_CHN_sparse.csv"].variable)
    assert not main & sparse


def test_every_value_has_a_documented_source(shipped) -> None:
    register = (RAW / "SOURCES.md").read_text(encoding="utf-8")
    for name, df in shipped.items():
        assert (df.source.str.strip() != "").all(), name
        for sid in set(df.source):
            assert f"**{sid}**" in register or sid in register, f"{name}: {sid} not in raw register"


def test_every_shipped_variable_is_documented_in_sources_md(shipped) -> None:
    doc = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for df in shipped.values():
        for v in set(df.variable):
            assert f"`{v}`" in doc or f"| {v} |" in doc, v


def test_every_note_names_raw_file_and_conversion(shipped) -> None:
    for name, df in shipped.items():
        assert df.note.str.contains("raw: ").all(), name
        assert df.note.str.contains("conversion: ").all(), name


def test_primary_series_present_for_china(shipped) -> None:
    chn = set(shipped["history_CHN.csv"].variable) | set(shipped["history_CHN_sparse.csv"].variable)
    for model_var, name in primary_series().items():
        assert name in chn, (model_var, name)
    assert "co2_land_use_change" in chn
    assert "urban_built_up_area" in chn  # the documented proxy


def test_usa_gbr_have_the_required_series(shipped) -> None:
    need = {"total_population", "urban_population", "rural_population", "urbanization_rate",
            "gdp", "primary_energy", "co2_fossil_industry", "co2_cement", "cropland",
            "forest_area"}
    for region in ("USA", "GBR"):
        assert need <= set(shipped[f"history_{region}.csv"].variable), region


def test_years_from_1950(shipped) -> None:
    for name, df in shipped.items():
        assert df.year.min() >= 1950, name


def test_urban_plus_rural_equals_total_in_primary_series(shipped) -> None:
    for region in ("CHN", "USA", "GBR"):
        w = history_wide(shipped[f"history_{region}.csv"])
        gap = (w.urban_population + w.rural_population - w.total_population).abs().max()
        assert gap < 1e-3, region


# ---------------------------------------------------------------- spot checks vs raw


def test_spot_check_faostat_cropland_and_forest(shipped) -> None:
    fao = _raw("land_use_faostat.csv")
    for region, year in (("CHN", 2019), ("USA", 1990), ("GBR", 2023), ("CHN", 1961)):
        expect = _raw_value(fao, region, "cropland_area", year) / 10  # kha -> 10^4 ha
        got = _value(shipped[f"history_{region}.csv"], "cropland", year)
        assert got == pytest.approx(expect, rel=1e-12)
    expect = _raw_value(fao, "CHN", "forest_area_fao", 2020) / 10
    assert _value(shipped["history_CHN.csv"], "forest_area", 2020) == pytest.approx(expect)


def test_spot_check_owid(shipped) -> None:
    owid = _raw("owid_co2_energy_gdp_pop.csv")
    chn = shipped["history_CHN.csv"]
    assert _value(chn, "gdp", 2010) == pytest.approx(
        _raw_value(owid, "CHN", "gdp_const", 2010) / 1e9, rel=1e-12)
    assert _value(chn, "co2_fossil_industry", 2005) == _raw_value(owid, "CHN", "co2_fossil", 2005)
    assert _value(chn, "co2_cement", 2020) == _raw_value(owid, "CHN", "co2_cement", 2020)
    assert _value(chn, "primary_energy", 1990) == _raw_value(owid, "CHN", "primary_energy", 1990)
    assert _value(chn, "total_population_wpp", 2021) == pytest.approx(
        _raw_value(owid, "CHN", "population", 2021) / 1e4)
    gbr = shipped["history_GBR.csv"]
    assert _value(gbr, "co2_land_use_change", 2000) == _raw_value(owid, "GBR", "co2_luc", 2000)


def test_spot_check_wup_and_nbs(shipped) -> None:
    wup = _raw("urbanization_wup2018.csv")
    chn = shipped["history_CHN.csv"]
    assert _value(chn, "urban_population", 2000) == pytest.approx(
        _raw_value(wup, "CHN", "urban_population_wup", 2000) / 1e4)
    assert _value(chn, "urbanization_rate", 2018) == pytest.approx(59.152)
    nbs = _raw("china_population_urbanization_nbs.csv")
    assert _value(chn, "urban_population_nbs", 2024) == _raw_value(
        nbs, "CHN", "urban_population_nbs", 2024) == 94350
    sparse = shipped["history_CHN_sparse.csv"]
    assert _value(sparse, "urban_population_census", 2020) == pytest.approx(901991162 / 1e4)


def test_spot_check_published_chinese_figures(shipped) -> None:
    """Recompute from the figures as published (亿亩 / 万亩 / 万km² / 亿tce)."""
    chn, sparse = shipped["history_CHN.csv"], shipped["history_CHN_sparse.csv"]
    mu_per_ha = 15
    # 3rd land survey: construction land 6.13 亿亩 (rounded)
    assert _value(chn, "construction_land", 2019) == pytest.approx(6.13e8 / mu_per_ha / 1e4, abs=1e-3)
    # 2022: 6.30 亿亩; 2021 derived = 6.30 亿亩 - 440 万亩
    assert _value(chn, "construction_land", 2022) == pytest.approx(6.30e8 / 15 / 1e4, abs=1e-3)
    assert _value(chn, "construction_land", 2021) == pytest.approx((6.30e8 - 440e4) / 15 / 1e4, abs=1e-3)
    # 3rd survey cropland 191792.79 万亩
    assert _value(chn, "cropland_survey3", 2019) == pytest.approx(191792.79e4 / 15 / 1e4, abs=1e-3)
    # 3rd survey grassland 396795.21 万亩; 2nd survey grassland 28731.4 万ha
    assert _value(sparse, "grassland", 2019) == pytest.approx(396795.21e4 / 15 / 1e4, abs=1e-3)
    assert _value(sparse, "grassland_survey2", 2009) == pytest.approx(28731.4)
    # MOHURD built district 2021: 62,420.53 km2 -> /100
    assert _value(chn, "urban_built_up_area", 2021) == pytest.approx(624.2053)
    # NBS CSY2004 energy 1990: 98703 万tce * 29.3076 GJ/tce / 3.6e6 GJ/TWh
    assert _value(chn, "primary_energy_nbs_csy2004", 1990) == pytest.approx(
        98703e4 * 29.3076 / 3.6e6, rel=1e-12)


def test_spot_check_land_carbon_and_construction_figures(shipped) -> None:
    """Recompute from the figures as published (Gg, 亿吨, 亿亩, 万公顷) and cross-check sources."""
    chn, sparse = shipped["history_CHN.csv"], shipped["history_CHN_sparse.csv"]
    # UNFCCC DI prints -1.11479e+06 Gg CO2e for 2014; the model sign is positive for a net removal
    assert _value(chn, "lulucf_net_removals", 2014) == pytest.approx(1.11479e6 / 1e3)
    # BTR1: 1.315 billion t in 2021 equals its totals 14.314 (excl. LULUCF) - 12.999 (incl.)
    assert _value(chn, "lulucf_net_removals", 2021) == pytest.approx((14.314 - 12.999) * 1e3)
    # INC 1994: "about 407 million tons", CO2 only; 5A + 5B = -431192 + 23713 Gg
    assert _value(chn, "lulucf_net_removals_lucf", 1994) == pytest.approx((431192 - 23713) / 1e3)
    assert round(_value(chn, "lulucf_net_removals_lucf", 1994)) == 407
    lulucf = chn[chn.variable.str.startswith("lulucf_")]
    assert (lulucf.value > 0).all()  # every inventory year found is a net sink
    # 9th NFI: 总碳储量91.86亿吨 = 9.186e9 t C
    assert _value(sparse, "forest_vegetation_carbon", 2018) == pytest.approx(91.86e8 / 1e6)
    # 2018 planted afforestation: 人工造林 367.80 + 飞播造林 13.53 万ha
    assert _value(chn, "afforestation_area", 2018) == pytest.approx(367.80 + 13.53)
    # urban construction land 2019 = 6.13 亿亩 / 15 - 2193.56 万ha (village land)
    assert _value(sparse, "urban_construction_land", 2019) == pytest.approx(
        6.13e8 / 15 / 1e4 - 2193.56, abs=1e-3)
    assert _value(sparse, "rural_construction_land", 2019) + _value(
        sparse, "urban_construction_land", 2019) == pytest.approx(
        _value(chn, "construction_land", 2019), abs=1e-3)
    # floor space: MOHURD 1978 value + Xinhua's "比1978年增加33.1平方米" = NBS 2019 value
    assert _value(chn, "urban_floor_space_per_capita", 1978) + 33.1 == pytest.approx(
        _value(chn, "urban_floor_space_per_capita_nbs", 2019))
    # NBS cement 2000: 59700 万吨; floor space completed 2005: 150166.5 万m2
    assert _value(chn, "cement_production_nbs", 2000) == pytest.approx(597.0)
    assert _value(chn, "floor_space_completed", 2005) == pytest.approx(15.01665)


def test_spot_check_age_structure(shipped) -> None:
    """Age shares: recomputed from the raw counts and from the published census figures."""
    chn = shipped["history_CHN.csv"]
    raw = _raw("china_age_structure.csv")
    groups = {"children_share": "0_14", "working_age_share": "15_64", "elderly_share": "65_over"}
    for year in range(2000, 2020):  # NBS table: count / year-end total, to 0.01 point
        total = _raw_value(raw, "CHN", "population_age_table_nbs", year)
        for out, grp in groups.items():
            count = _raw_value(raw, "CHN", f"population_{grp}_nbs", year)
            assert _value(chn, out, year) == pytest.approx(round(100 * count / total, 2) / 100, abs=1e-12)
        assert sum(_value(chn, out, year) for out in groups) == pytest.approx(1, abs=2e-4)
    # census communiques as printed: 2010 16.60 % / 8.87 %, 2020 17.95 % / 13.50 %, 2000 6.96 %
    assert _value(chn, "children_share_census", 2010) == pytest.approx(0.1660)
    assert _value(chn, "elderly_share_census", 2020) == pytest.approx(0.1350)
    assert _value(chn, "elderly_share_census", 2000) == pytest.approx(0.0696)
    # 2020 working age from the communique's counts: (1411778724 - 253383938 - 190635280) / total
    assert _value(chn, "working_age_share_census", 2020) == pytest.approx(
        round(100 * (1411778724 - 253383938 - 190635280) / 1411778724, 2) / 100)
    # 1990 (UNSD counts): the 2000 communique says 65+ rose 1.39 points from 1990 to 6.96 %
    assert _value(chn, "elderly_share_census", 1990) == pytest.approx(0.0696 - 0.0139)
    el = chn[chn.variable == "elderly_share"].set_index("year")
    assert el.loc[2021, "note"].startswith("[rounded]") and not el.loc[2021, "derived"]
    assert el.loc[2005, "derived"] and el.loc[2005, "fit_mask"]
    assert 2020 not in el.index and set(range(1991, 2000)).isdisjoint(el.index)


def test_new_series_flags(shipped) -> None:
    chn = shipped["history_CHN.csv"]
    lu = chn[chn.variable == "lulucf_net_removals"].set_index("year")
    assert lu.loc[2018, "note"].startswith("[rounded]")  # "almost 1.26 billion t"
    old = chn[(chn.variable == "lulucf_net_removals_lucf") & (chn.year == 2005)].iloc[0]
    assert old.note.startswith("[superseded]")  # SNC 2005 as first reported, later recalculated
    aff = chn[chn.variable == "afforestation_area"].set_index("year")
    assert aff.loc[2018, "derived"] and not aff.loc[2005, "derived"]
    cement = pd.concat([shipped["history_CHN.csv"], shipped["history_USA.csv"]])
    cement = cement[cement.variable == "cement_production"]
    assert set(cement.region) == {"CHN", "USA"} and cement.note.str.startswith("[rounded]").all()


# ---------------------------------------------------------------- flags: interpolations, projections


def test_fao_forest_interpolations_are_not_observations(shipped) -> None:
    reporting = {1990, 2000, 2010, 2015, 2020, 2025}
    for region in ("CHN", "USA", "GBR"):
        df = shipped[f"history_{region}.csv"]
        f = df[df.variable == "forest_area"]
        assert set(f.year) == set(range(1990, 2026))
        assert set(f[f.fit_mask].year) == reporting
        assert f[~f.fit_mask].note.str.startswith("[interpolated]").all()
        old = df[df.variable == "forest_area_fra2020"]
        assert set(old[old.fit_mask].year) == reporting - {2025}


def test_fra2020_interpolation_flags_match_raw_notes(shipped) -> None:
    raw = _raw("forest_fra2020.csv")
    raw_interp = {(r.region, int(r.year)) for r in raw.itertuples()
                  if "interpolation" in r.note}
    for region in ("CHN", "USA", "GBR"):
        df = shipped[f"history_{region}.csv"]
        f = df[df.variable == "forest_area_fra2020"]
        ours = {(region, int(y)) for y in f[~f.fit_mask].year}
        assert ours == {k for k in raw_interp if k[0] == region}


RAW_TO_OUT = {  # raw variable -> shipped name, for files that can carry projections
    ("urbanization_wup2018.csv", "population_wup"): "total_population",
    ("urbanization_wup2018.csv", "urban_population_wup"): "urban_population",
    ("urbanization_wup2018.csv", "rural_population_wup"): "rural_population",
    ("urbanization_wup2018.csv", "urbanization_rate_wup"): "urbanization_rate",
}


def test_no_raw_projection_is_shipped_as_history(shipped) -> None:
    keys = {(r, int(y), v) for df in shipped.values()
            for r, y, v in zip(df.region, df.year, df.variable)}
    n_proj = 0
    for raw_file in sorted(p.name for p in RAW.glob("*.csv")):
        raw = _raw(raw_file)
        proj = raw[raw.note.str.contains("projection", case=False)]
        for r in proj.itertuples():
            n_proj += 1
            out = RAW_TO_OUT.get((raw_file, r.variable), r.variable)
            assert (r.region, int(r.year), out) not in keys, (raw_file, r)
    assert n_proj > 0  # the raw data do contain projections (WUP 2019-2050)
    for df in shipped.values():
        wup = df[df.source == "UN_WUP2018_OWID"]
        assert (wup.year <= 2018).all()
        assert not df.note.str.contains(r"\[projection\]").any()
        assert not df.note.str.contains("projection (not observed)", regex=False).any()


def test_derived_raw_rows_are_flagged_derived(shipped) -> None:
    for name, df in shipped.items():
        has_raw_derived = df.note.str.contains("raw note: .*derived", case=False, regex=True)
        assert df.loc[has_raw_derived, "derived"].all(), name
    chn = shipped["history_CHN.csv"]
    row = chn[(chn.variable == "construction_land") & (chn.year == 2021)].iloc[0]
    assert row.derived and row.fit_mask


# ---------------------------------------------------------------- registry


def test_registry_consistency() -> None:
    assert {"total_population", "urban_population", "rural_population", "urbanization_rate",
            "gdp", "primary_energy", "co2_fossil_industry", "co2_cement", "cropland",
            "forest_area", "construction_land", "urban_construction_land", "grassland",
            "co2_land_use_change"} <= set(SERIES)
    for spec in SERIES.values():
        assert spec.flow == spec.unit.endswith("/Year")
        assert spec.description_en and spec.description_zh
    assert primary_series()["Cropland"] == "cropland"
    assert get_series("co2_land_use_change").model_variable is None
    assert get_series("co2_land_use_change").min_value is None
    assert "cropland_survey3" in alternatives_of("Cropland")
    with pytest.raises(KeyError, match="known"):
        get_series("nope")


def test_units_in_files_are_registry_units(shipped) -> None:
    for df in shipped.values():
        for v, u in set(zip(df.variable, df.unit)):
            assert u == SERIES[v].unit


# ---------------------------------------------------------------- wide helpers


def test_history_wide_and_mask(shipped) -> None:
    df = shipped["history_CHN.csv"]
    w = history_wide(df)
    assert w.index.name == "year" and w.index.is_monotonic_increasing
    assert w.loc[2019, "cropland"] == _value(df, "cropland", 2019)
    assert math.isnan(w.loc[2019, "urbanization_rate"])
    m = fit_mask_wide(df)
    assert m.shape == w.shape and m.dtypes.eq(bool).all()
    assert not m.loc[2016, "forest_area"] and m.loc[2015, "forest_area"]
    obs = history_wide(df, observations_only=True)
    assert math.isnan(obs.loc[2016, "forest_area"]) and obs.loc[2015, "forest_area"] > 0
    both = pd.concat([df, shipped["history_USA.csv"]])
    with pytest.raises(ValueError, match="several regions"):
        history_wide(both)
    assert history_wide(both, region="USA").loc[2000, "gdp"] == _value(
        shipped["history_USA.csv"], "gdp", 2000)


# ---------------------------------------------------------------- malformed input

GOOD_ROWS = [
    "X,2000,cropland,100,10^4 ha,SRC,",
    "X,2001,cropland,101,10^4 ha,SRC,[derived] sum of parts",
    "X,2002,cropland,102.5,10^4 ha,SRC,[interpolated] by source",
]


def _write(tmp_path: Path, lines: list[str] | str, name: str = "h.csv",
           encoding: str = "utf-8") -> Path:
    text = lines if isinstance(lines, str) else "\n".join(lines) + "\n"
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def _error(path: Path, **kw) -> str:
    with pytest.raises(HistoryDataError) as exc:
        load_history(path, **kw)
    msg = str(exc.value)
    assert str(path) in msg  # every message names the file
    return msg


def test_good_minimal_file(tmp_path: Path) -> None:
    df = load_history(_write(tmp_path, [HEADER, *GOOD_ROWS]))
    assert list(df.year) == [2000, 2001, 2002]
    assert list(df.fit_mask) == [True, True, False]
    assert list(df.derived) == [False, True, False]
    assert list(df.row) == [2, 3, 4]


def test_bom_and_crlf_and_column_order_accepted(tmp_path: Path) -> None:
    cols = "note,source,unit,value,variable,year,region"
    rows = [",".join(reversed(r.split(","))) for r in GOOD_ROWS]
    text = "\ufeff" + "\r\n".join([cols, *rows]) + "\r\n"
    df = load_history(_write(tmp_path, text))
    assert df.value.tolist() == [100, 101, 102.5]


def test_unit_alias_normalised(tmp_path: Path) -> None:
    rows = [r.replace("10^4 ha", "万公顷") for r in GOOD_ROWS]
    df = load_history(_write(tmp_path, [HEADER, *rows, "X,2000,urban_population,5,万人,S,"]),
                      min_points=1)
    assert set(df.unit) == {"10^4 ha", "10^4 person"}


@pytest.mark.parametrize(
    "header, expected",
    [
        ("region,year,variable,value,unit,note", ["row 1", "missing required column(s) source",
                                                   "required columns: region, year"]),
        (HEADER + ",comment", ["row 1", "unexpected column(s) 'comment'", "allowed columns"]),
        ("region;year;variable;value;unit;source;note", ["row 1", "separated by ';'"]),
        (HEADER + ",year", ["row 1", "duplicate column(s) year"]),
    ],
)
def test_bad_header(tmp_path: Path, header: str, expected: list[str]) -> None:
    msg = _error(_write(tmp_path, [header, *GOOD_ROWS]))
    for e in expected:
        assert e in msg


@pytest.mark.parametrize(
    "bad_row, expected",
    [
        ("X,2003,croplnd,1,10^4 ha,S,", ["row 5", "column 'variable'", "unknown variable 'croplnd'",
                                          "known variables:", "cropland", "forest_area"]),
        ("X,2003,cropland,1,ha,S,", ["row 5", "column 'unit'", "'ha'", "expected unit '10^4 ha'"]),
        ("X,2003,cropland,abc,10^4 ha,S,", ["row 5", "column 'value'", "'abc' is not a number"]),
        ("X,2003,cropland,,10^4 ha,S,", ["row 5", "column 'value'", "is not a number"]),
        ("X,2003,cropland,nan,10^4 ha,S,", ["row 5", "column 'value'", "not a finite number"]),
        ("X,2003,cropland,inf,10^4 ha,S,", ["row 5", "column 'value'", "not a finite number"]),
        ("X,2003,cropland,-5,10^4 ha,S,", ["row 5", "column 'value'", "below the minimum 0",
                                            "negative"]),
        ("X,2003,urbanization_rate,101,%,S,", ["row 5", "column 'value'", "above the maximum 100"]),
        ("X,2003.5,cropland,1,10^4 ha,S,", ["row 5", "column 'year'", "not an integer",
                                             "1900-2100"]),
        ("X,1899,cropland,1,10^4 ha,S,", ["row 5", "column 'year'", "outside the allowed range 1900-2100"]),
        ("X,2101,cropland,1,10^4 ha,S,", ["row 5", "column 'year'", "1900-2100"]),
        ("X,2001,cropland,1,10^4 ha,S,", ["row 5", "duplicate of row 3", "'X'", "2001", "'cropland'"]),
        ("X,2003,cropland,1,10^4 ha,,", ["row 5", "column 'source'", "empty"]),
        (",2003,cropland,1,10^4 ha,S,", ["row 5", "column 'region'", "empty"]),
        ("X,2003,cropland,1,10^4 ha,S,[guess] x", ["row 5", "column 'note'", "unknown flag(s) [guess]",
                                                    "[interpolated]", "[derived]"]),
        ("X,2003,cropland,1,10^4 ha,S", ["row 5", "has 6 fields, expected 7"]),
        ("X,2003,cropland,1,000,10^4 ha,S,", ["row 5", "has 8 fields"]),
    ],
)
def test_bad_row(tmp_path: Path, bad_row: str, expected: list[str]) -> None:
    msg = _error(_write(tmp_path, [HEADER, *GOOD_ROWS, bad_row]))
    for e in expected:
        assert e in msg, (e, msg)


def test_negative_allowed_for_land_use_change(tmp_path: Path) -> None:
    rows = [f"X,{y},co2_land_use_change,-{y - 1999},Mt CO2/Year,S," for y in (2000, 2001, 2002)]
    df = load_history(_write(tmp_path, [HEADER, *rows]))
    assert (df.value < 0).all()


def test_all_row_problems_reported_together(tmp_path: Path) -> None:
    with pytest.raises(HistoryDataError) as exc:
        load_history(_write(tmp_path, [HEADER, *GOOD_ROWS, "X,20x0,cropland,1,10^4 ha,S,",
                                       "X,2004,bogus,1,10^4 ha,S,"]))
    assert len(exc.value.problems) == 2
    assert "row 5" in str(exc.value) and "row 6" in str(exc.value)


def test_too_few_points(tmp_path: Path) -> None:
    path = _write(tmp_path, [HEADER, *GOOD_ROWS[:2]])
    msg = _error(path)
    assert "variable 'cropland'" in msg and "2 point(s)" in msg and "at least 3" in msg
    assert "rows 2, 3" in msg
    assert len(load_history(path, min_points=2)) == 2
    msg = _error(_write(tmp_path, [HEADER, *GOOD_ROWS], name="h4.csv"), min_points=4)
    assert "min_points=4" in msg


def test_region_filter(tmp_path: Path) -> None:
    rows = GOOD_ROWS + [r.replace("X,", "Y,", 1) for r in GOOD_ROWS]
    path = _write(tmp_path, [HEADER, *rows])
    assert set(load_history(path, region="Y").region) == {"Y"}
    msg = _error(path, region="CHN")
    assert "no rows for region 'CHN'" in msg and "X, Y" in msg


def test_blank_lines_skipped_and_row_numbers_kept(tmp_path: Path) -> None:
    msg = _error(_write(tmp_path, [HEADER, GOOD_ROWS[0], "", GOOD_ROWS[1], GOOD_ROWS[2],
                                   "X,2003,cropland,x,10^4 ha,S,"]))
    assert "row 6" in msg


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", "file is empty"),
        (b"  \n\n", "file is empty"),
        (HEADER.encode() + b"\n", "no data rows"),
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-zip", "Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel workbook (.xls)"),
        (b"abc\x00def\n", "NUL bytes"),
        ("\n".join([HEADER, *GOOD_ROWS]).encode("utf-16"), "UTF-16"),
        (b"just some text\nwithout columns\n", "missing required column(s)"),
    ],
)
def test_not_a_csv(tmp_path: Path, content: bytes, expected: str) -> None:
    p = tmp_path / "f.csv"
    p.write_bytes(content)
    assert expected in _error(p)


def test_wrong_encoding_names_row(tmp_path: Path) -> None:
    lines = [HEADER, *GOOD_ROWS[:2], "X,2002,cropland,102,10^4 ha,国家统计局,耕地"]
    p = _write(tmp_path, lines, encoding="gb18030")
    msg = _error(p)
    assert "row 4" in msg and "not valid UTF-8" in msg and "with or without BOM" in msg


def test_missing_file(tmp_path: Path) -> None:
    assert "file not found" in _error(tmp_path / "nope.csv")


def test_parse_note_flags() -> None:
    assert parse_note_flags("[derived] [Rounded] text [interpolated]") == (["derived", "rounded"], [])
    assert parse_note_flags("text [derived]") == ([], [])
    assert parse_note_flags("[x][derived]") == (["derived"], ["x"])
    assert set(NOTE_FLAGS) >= {"interpolated", "projection", "derived"}


# ---------------------------------------------------------------- property: round trip

_area_vars = [n for n, s in SERIES.items() if s.unit == "10^4 ha"]


@settings(max_examples=40, deadline=None)
@given(
    variable=st.sampled_from(_area_vars),
    years=st.lists(st.integers(1900, 2100), min_size=3, max_size=12, unique=True),
    data=st.data(),
)
def test_round_trip(tmp_path_factory, variable: str, years: list[int], data) -> None:
    values = data.draw(st.lists(
        st.decimals(min_value=0, max_value=10**7, places=4, allow_nan=False),
        min_size=len(years), max_size=len(years)))
    flags = data.draw(st.lists(st.sampled_from(["", *(f"[{f}] " for f in NOTE_FLAGS)]),
                               min_size=len(years), max_size=len(years)))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(REQUIRED_COLUMNS)
    for y, v, f in zip(years, values, flags):
        w.writerow(["R", y, variable, str(v), "10^4 ha", "src, with comma", f + "note"])
    p = tmp_path_factory.mktemp("rt") / "h.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    df = load_history(p)
    expect = sorted(zip(years, values, flags))
    assert df.year.tolist() == [y for y, _, _ in expect]
    assert df.value.tolist() == [float(v) for _, v, _ in expect]
    assert df.fit_mask.tolist() == [
        NOTE_FLAGS.get(re.sub(r"[\[\] ]", "", f), True) for _, _, f in expect]
    assert (df.source == "src, with comma").all()
