"""Exports of scenario results (结果导出): CSV, Excel and hand-off tables for spatial models.

* :func:`write_results` — results of several scenarios as CSV and/or one Excel workbook
  (one sheet per scenario, plus turning points, targets and assumptions sheets).
* :func:`land_use_demand` — the non-spatial land-use demand that spatial allocation
  models (PLUS, FLUS, CLUE-S) take: one row per year, one column per land class, in the
  model's unit (10^4 ha), in ha and optionally in raster cells.
* :func:`invest_carbon_table` — the InVEST Carbon biophysical table
  (``lucode,LULC_Name,C_above,C_below,C_soil,C_dead`` in Mg C/ha) from the model's
  carbon densities.

Land-class codes (:data:`LAND_CLASSES`) follow the first level of China's national
land-use/cover classification used by the CAS Resource and Environment Science Data
Center (CNLUCC: 1 cropland, 2 forest, 3 grassland, 4 water, 51 urban, 52 rural
settlements, 6 unused land), so that the demand table and the carbon table match a
CNLUCC-coded raster after recoding its sub-classes; forest age classes for the carbon
table use 201-203.  ``docs/spatial_handoff.md`` documents both formats.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.results import DEFAULT_REGION, iamc_frame, results_dataset, write_iamc, write_netcdf
from analysis.scenario_runs import ScenarioRun, targets_comparison, turning_point_comparison, turning_point_details
from models.model import load_model
from scenarios import Scenario

__all__ = [
    "LandClass",
    "LAND_CLASSES",
    "ForestAgeGroup",
    "FOREST_AGE_CLASSES",
    "ROOT_SHOOT_RATIOS",
    "HA_PER_MODEL_AREA",
    "land_class_table",
    "land_use_demand",
    "invest_carbon_table",
    "assumptions_table",
    "flatten_comparison",
    "RESULT_FORMATS",
    "write_results",
    "write_spatial_handoff",
]

#: Formats of :func:`write_results`.
RESULT_FORMATS: tuple[str, ...] = ("csv", "xlsx", "netcdf", "iamc")

#: Hectares per model area unit (10^4 ha).
HA_PER_MODEL_AREA: float = 1.0e4


@dataclass(frozen=True)
class LandClass:
    """A land class of the hand-off tables.

    Attributes:
        code: integer class code (``lucode`` of InVEST, class value of PLUS/FLUS rasters).
        key: column stem in the demand table (ASCII identifier).
        name_en, name_zh: display names.
        stocks: model stocks (Vensim names) summed into the class, areas in 10^4 ha.
        note: how the class relates to the CNLUCC classification.
    """

    code: int
    key: str
    name_en: str
    name_zh: str
    stocks: tuple[str, ...]
    note: str


#: Land classes of the demand table (and of the aggregate rows of the carbon table).
LAND_CLASSES: tuple[LandClass, ...] = (
    LandClass(1, "cropland", "Cropland", "耕地", ("Cropland",), "CNLUCC 1 (11 paddy, 12 dry land)."),
    LandClass(
        2, "forest", "Forest", "林地", ("Young Forest", "Middle Aged Forest", "Mature Forest"),
        "CNLUCC 2 (21-24); all age classes.",
    ),
    LandClass(3, "grassland", "Grassland", "草地", ("Grassland",), "CNLUCC 3 (31-33)."),
    LandClass(
        4, "wetland_water", "Wetland and water", "湿地与水域", ("Wetland and Water",),
        "CNLUCC 4 (41-43, 46) plus marsh 64 (recode 64 to 4); glacier 44 and tidal flat 45 belong to 6.",
    ),
    LandClass(
        51, "urban_construction", "Urban construction land", "城镇建设用地", ("Urban Construction Land",),
        "CNLUCC 51 urban land plus 53 industrial, mining and transport land (recode 53 to 51).",
    ),
    LandClass(
        52, "rural_construction", "Rural construction land", "农村建设用地", ("Rural Construction Land",),
        "CNLUCC 52 rural settlements.",
    ),
    LandClass(
        6, "other_land", "Other (unused) land", "其他土地（未利用地）",
        ("Other Land Suitable for Forest", "Other Land Unsuitable"),
        "CNLUCC 6 (61-63, 65-67) plus glacier 44 and tidal flat 45, without marsh 64; suitable and unsuitable parts.",
    ),
)

@dataclass(frozen=True)
class ForestAgeGroup:
    """A forest age group of the carbon table (inventory age groups 龄组).

    Attributes:
        code: ``lucode`` of the group (201-203).
        key, name_en, name_zh: identifier and display names.
        stock: the model variable of the group's area (10^4 ha).
        classes: the model's age classes in the group, as (area stock in 10^4 ha,
            vegetation carbon density variable in t C/ha) pairs; their areas add up to
            ``stock`` (tested).
    """

    code: int
    key: str
    name_en: str
    name_zh: str
    stock: str
    classes: tuple[tuple[str, str], ...]


#: Forest age groups of the carbon table: the national forest inventory's young (幼龄林,
#: 0-20 years), middle-aged (中龄林, 20-40) and near-mature to over-mature (近成过熟林, 40+)
#: stands, each made of the model's ten- or twenty-year age classes.
FOREST_AGE_CLASSES: tuple[ForestAgeGroup, ...] = (
    ForestAgeGroup(201, "young_forest", "Young forest", "幼龄林", "Young Forest", (
        ("Forest Age 0 to 10", "forest carbon density 0 to 10"),
        ("Forest Age 10 to 20", "forest carbon density 10 to 20"))),
    ForestAgeGroup(202, "middle_aged_forest", "Middle-aged forest", "中龄林", "Middle Aged Forest", (
        ("Forest Age 20 to 30", "forest carbon density 20 to 30"),
        ("Forest Age 30 to 40", "forest carbon density 30 to 40"))),
    ForestAgeGroup(203, "mature_forest", "Mature forest", "近成过熟林", "Mature Forest", (
        ("Forest Age 40 to 60", "forest carbon density 40 to 60"),
        ("Forest Age over 60", "forest carbon density over 60"))),
)

#: Carbon of forest litter, dead wood and soil that the model lets change with the forest
#: vegetation, per unit of vegetation carbon (dimensionless); reported as ``C_dead``.
FOREST_LINKED_CARBON_RATIO = "forest ecosystem carbon ratio"

#: Root:shoot ratios R (below-ground / above-ground biomass carbon, dimensionless) used
#: to split the model's vegetation carbon density V into C_above = V/(1+R) and
#: C_below = V*R/(1+R).  Forest: 0.26, the mean root:shoot ratio of upland forests in
#: Cairns et al. (1997, Oecologia 111:1-11); all other values are assumptions.
ROOT_SHOOT_RATIOS: Mapping[str, float] = {
    "forest": 0.26,
    "cropland": 0.2,
    "grassland": 3.0,
    "wetland_water": 1.0,
    "urban_construction": 0.26,
    "rural_construction": 0.26,
    "other_land": 1.0,
}

# Vegetation and soil density constants (t C/ha) of the non-forest classes.
_DENSITY_CONSTANTS: Mapping[str, tuple[str, str]] = {
    "cropland": ("vegetation carbon density cropland", "soil carbon density cropland"),
    "grassland": ("vegetation carbon density grassland", "soil carbon density grassland"),
    "wetland_water": ("vegetation carbon density wetland", "soil carbon density wetland"),
    "urban_construction": ("vegetation carbon density construction land", "soil carbon density urban construction land"),
    "rural_construction": ("vegetation carbon density construction land", "soil carbon density rural construction land"),
    "other_land": ("vegetation carbon density other land", "soil carbon density other land"),
}

_INVEST_COLUMNS = ("lucode", "LULC_Name", "C_above", "C_below", "C_soil", "C_dead")


# --------------------------------------------------------------------------------------
# Land classes and demand
# --------------------------------------------------------------------------------------


def land_class_table() -> pd.DataFrame:
    """Class codes with names, model stocks and the CNLUCC correspondence."""
    rows = [
        {
            "code": c.code,
            "key": c.key,
            "name_en": c.name_en,
            "name_zh": c.name_zh,
            "model_stocks": "; ".join(c.stocks),
            "note": c.note,
        }
        for c in LAND_CLASSES
    ]
    rows += [
        {
            "code": g.code,
            "key": g.key,
            "name_en": g.name_en,
            "name_zh": g.name_zh,
            "model_stocks": g.stock,
            "note": "Carbon table only: forest age group (use with an age-class forest map); model age classes "
                    + " + ".join(a for a, _ in g.classes) + ".",
        }
        for g in FOREST_AGE_CLASSES
    ]
    return pd.DataFrame(rows)


def land_use_demand(
    results: pd.DataFrame,
    *,
    cell_size_m: float | None = None,
    years: Sequence[float] | None = None,
) -> pd.DataFrame:
    """Non-spatial land-use demand for PLUS/FLUS/CLUE-S.

    Args:
        results: one run (index year, Vensim columns, areas in 10^4 ha).
        cell_size_m: optional raster cell size in metres; adds ``<key>_cells`` columns
            (number of cells per class, rounded by largest remainder so that each row
            sums to the rounded total number of cells).
        years: years to keep (default: every whole year of the results).

    Returns:
        DataFrame indexed by ``year`` (int) with, per class of :data:`LAND_CLASSES`
        in code order, ``<key>_1e4ha`` (10^4 ha), ``<key>_ha`` (ha) and optionally
        ``<key>_cells``.  Each row's classes add up to the region's total land area.
    """
    stocks = [s for c in LAND_CLASSES for s in c.stocks]
    missing = [s for s in stocks if s not in results.columns]
    if missing:
        raise KeyError(f"results lack land stock column(s) {missing}")
    t = np.asarray(results.index, dtype=float)
    keep = np.isclose(t, np.round(t), atol=1e-9)
    if years is not None:
        wanted = np.asarray(list(years), dtype=float)
        keep &= np.isin(np.round(t), wanted)
    sub = results.loc[keep]
    index = pd.Index(np.round(np.asarray(sub.index, dtype=float)).astype(int), name="year")
    area = pd.DataFrame(
        {c.key: sub[list(c.stocks)].to_numpy(float).sum(axis=1) for c in LAND_CLASSES},
        index=index,
    )
    out = pd.DataFrame(index=index)
    for c in LAND_CLASSES:
        out[f"{c.key}_1e4ha"] = area[c.key]
    for c in LAND_CLASSES:
        out[f"{c.key}_ha"] = area[c.key] * HA_PER_MODEL_AREA
    if cell_size_m is not None:
        if not (isinstance(cell_size_m, (int, float)) and math.isfinite(cell_size_m) and cell_size_m > 0):
            raise ValueError(f"cell_size_m must be a positive number of metres, got {cell_size_m!r}")
        ha_per_cell = cell_size_m**2 / 1.0e4
        cells = _largest_remainder(area.to_numpy(float) * HA_PER_MODEL_AREA / ha_per_cell)
        for j, c in enumerate(LAND_CLASSES):
            out[f"{c.key}_cells"] = cells[:, j]
    return out


def _largest_remainder(x: np.ndarray) -> np.ndarray:
    """Round each row of non-negative reals to integers preserving the rounded row sum."""
    floor = np.floor(x).astype(np.int64)
    target = np.rint(x.sum(axis=1)).astype(np.int64)
    short = target - floor.sum(axis=1)
    frac = x - floor
    for i in range(x.shape[0]):
        if short[i] > 0:
            floor[i, np.argsort(-frac[i], kind="stable")[: short[i]]] += 1
    return floor


# --------------------------------------------------------------------------------------
# InVEST carbon table
# --------------------------------------------------------------------------------------


def _constants(overrides: Mapping[str, float] | None) -> dict[str, float]:
    model = load_model()
    values = {name: c.default for name, c in model.constants.items()}
    if overrides:
        values.update(model.validate_overrides(overrides, source="invest_carbon_table"))
    return values


def _forest_columns() -> list[str]:
    """Model variables the forest rows of the carbon table read (areas and densities)."""
    return [name for g in FOREST_AGE_CLASSES for pair in g.classes for name in pair]


def invest_carbon_table(
    overrides: Mapping[str, float] | None = None,
    *,
    results: pd.DataFrame | None = None,
    year: float | None = None,
    root_shoot: Mapping[str, float] | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """InVEST Carbon biophysical table from the model's carbon densities (Mg C/ha = t C/ha).

    * Non-forest classes: ``C_above + C_below`` = the model's vegetation carbon density
      of the class, split with :data:`ROOT_SHOOT_RATIOS`; ``C_soil`` = its soil carbon
      density (0-100 cm); ``C_dead`` = 0.
    * Forest age groups (201-203): vegetation density V = the area-weighted mean of the
      model's vegetation carbon densities (growth curve of stand age) of the age classes
      in the group, in the year ``year`` of ``results``, or at INITIAL TIME of a run of
      ``overrides`` when no results are given; ``C_soil`` = soil carbon density forest;
      ``C_dead`` = V × forest ecosystem carbon ratio (litter, dead wood and soil carbon
      that the model lets change with the forest vegetation).
    * Forest (2): the same over all age classes (weights: the areas of that year).

    Args:
        overrides: constant overrides of the scenario (Vensim or python names).
        results: optional run for the forest densities and age structure of ``year``.
        year: year of ``results`` to read (required with ``results``).
        root_shoot: ratios per class key overriding :data:`ROOT_SHOOT_RATIOS`.
        lang: 'en' (ASCII names, default) or 'zh' for ``LULC_Name``.

    Returns:
        DataFrame with columns ``lucode, LULC_Name, C_above, C_below, C_soil, C_dead``.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    if (results is None) != (year is None):
        raise ValueError("give both results and year, or neither")
    k = _constants(overrides)
    ratios = {**ROOT_SHOOT_RATIOS, **(root_shoot or {})}
    for key, r in ratios.items():
        if not (isinstance(r, (int, float)) and math.isfinite(r) and r >= 0):
            raise ValueError(f"root:shoot ratio of '{key}' must be a finite number >= 0, got {r!r}")
    if results is None:
        from models.model import run_scenario

        results = run_scenario(overrides, return_columns=_forest_columns(), source="invest_carbon_table")
        year = float(results.index[0])
    assert year is not None
    row = _row_at(results, year)
    missing = [c for c in _forest_columns() if c not in row.index]
    if missing:
        raise KeyError(f"results lack forest column(s) {missing}")

    def split(veg: float, r: float) -> tuple[float, float]:
        return veg / (1.0 + r), veg * r / (1.0 + r)

    # forest age groups: (code, en, zh, vegetation density t C/ha, area 10^4 ha)
    ages = []
    for g in FOREST_AGE_CLASSES:
        area = sum(float(row[a]) for a, _ in g.classes)
        carbon = sum(float(row[a]) * float(row[d]) for a, d in g.classes)
        veg = carbon / area if area > 0 else float(np.mean([float(row[d]) for _, d in g.classes]))
        ages.append((g.code, g.name_en, g.name_zh, veg, area))
    total_area = sum(a[4] for a in ages)
    forest_veg = sum(a[3] * a[4] for a in ages) / total_area if total_area > 0 else 0.0
    linked = k[FOREST_LINKED_CARBON_RATIO]

    rows = []
    soil_forest = k["soil carbon density forest"]
    for c in LAND_CLASSES:
        if c.key == "forest":
            veg, soil, dead = forest_veg, soil_forest, forest_veg * linked
        else:
            veg_name, soil_name = _DENSITY_CONSTANTS[c.key]
            veg, soil, dead = k[veg_name], k[soil_name], 0.0
        above, below = split(veg, ratios[c.key])
        rows.append((c.code, c.name_zh if lang == "zh" else c.name_en, above, below, soil, dead))
    for code, en, zh, veg, _ in ages:
        above, below = split(veg, ratios["forest"])
        rows.append((code, zh if lang == "zh" else en, above, below, soil_forest, veg * linked))
    df = pd.DataFrame(rows, columns=list(_INVEST_COLUMNS))
    df["lucode"] = df["lucode"].astype(int)
    return df


def _row_at(results: pd.DataFrame, year: float) -> pd.Series:
    t = np.asarray(results.index, dtype=float)
    hit = np.flatnonzero(np.isclose(t, float(year), atol=1e-9))
    if hit.size == 0:
        raise ValueError(f"year {year:g} not in the results ({t[0]:g}-{t[-1]:g})")
    return results.iloc[int(hit[0])]


# --------------------------------------------------------------------------------------
# Results, turning points, targets, assumptions
# --------------------------------------------------------------------------------------


def assumptions_table(scenarios: Mapping[str, Scenario] | Sequence[Scenario]) -> pd.DataFrame:
    """Overrides of each scenario with units, default, range and rationale (en, zh).

    Columns: scenario, variable (Vensim name), py_name, units, default, value, min, max,
    from_base (True if inherited from the base chain), rationale_en, rationale_zh.
    A scenario without overrides gets one row saying it uses the model defaults. A data
    input of the scenario's ``data`` block gets one row: value empty, its years and
    source in the rationale (the series itself is in the scenario file).
    """
    items = scenarios.values() if isinstance(scenarios, Mapping) else scenarios
    constants = load_model().constants
    rows = []
    for sc in items:
        if not sc.overrides:
            rows.append({
                "scenario": sc.key, "variable": "", "py_name": "", "units": "", "default": np.nan,
                "value": np.nan, "min": np.nan, "max": np.nan, "from_base": False,
                "rationale_en": "No overrides: model defaults.", "rationale_zh": "无参数修改：采用模型默认值。",
            })
        for name, value in sc.overrides.items():
            c = constants[name]
            rows.append({
                "scenario": sc.key,
                "variable": name,
                "py_name": c.py_name,
                "units": c.units,
                "default": c.default,
                "value": value,
                "min": c.minimum,
                "max": c.maximum,
                "from_base": name not in sc.own_overrides,
                "rationale_en": sc.rationale[name]["en"],
                "rationale_zh": sc.rationale[name]["zh"],
            })
        for name, entry in sc.data.items():
            c = constants[name]
            span = f"{entry.years[0]}–{entry.years[-1]}, {len(entry.years)}"
            rows.append({
                "scenario": sc.key, "variable": name, "py_name": c.py_name, "units": c.units,
                "default": c.default, "value": np.nan, "min": c.minimum, "max": c.maximum, "from_base": False,
                "rationale_en": f"Data input: time series {span} points; source: {entry.source['en']}",
                "rationale_zh": f"数据输入：时间序列 {entry.years[0]}–{entry.years[-1]}，{len(entry.years)} 个点；"
                                f"来源：{entry.source['zh']}",
            })
    return pd.DataFrame(rows)


def flatten_comparison(comparison: pd.DataFrame) -> pd.DataFrame:
    """Turning-point comparison with flat column names ``<tp>_<field>`` (e.g. ``tp3_year``)."""
    flat = comparison.copy()
    flat.columns = [f"{tp}_{field}" for tp, field in comparison.columns]
    return flat


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_RESERVED_SHEETS = ("turning_points", "turning_point_details", "targets", "assumptions")


def _sheet_names(keys: Sequence[str]) -> dict[str, str]:
    """Unique Excel sheet names (<= 31 characters, not reserved) per scenario key."""
    used = set(_RESERVED_SHEETS)
    out = {}
    for key in keys:
        base = _SHEET_BAD.sub("_", key)[:31] or "scenario"
        name, i = base, 1
        while name in used:
            i += 1
            name = f"{base[: 31 - len(str(i)) - 1]}_{i}"
        used.add(name)
        out[key] = name
    return out


def write_results(
    runs: Mapping[str, ScenarioRun],
    out_dir: str | Path,
    formats: Sequence[str] = ("csv",),
    *,
    lang: str = "en",
    region: str | None = None,
) -> list[Path]:
    """Write results, turning points, targets and assumptions of several runs.

    CSV (``formats`` contains 'csv'): ``results_<key>.csv`` per scenario (index year,
    Vensim columns, model units), ``turning_points.csv`` (scenarios × ``<tp>_year``,
    ``<tp>_value``, ``<tp>_status``), ``turning_point_details.csv`` (long, with names
    and reasons in ``lang``), ``targets.csv`` and ``assumptions.csv``.  Text files are
    UTF-8 with BOM so that spreadsheet programs show Chinese correctly.

    Excel ('xlsx'): ``results.xlsx`` with one sheet per scenario and the sheets
    ``turning_points``, ``turning_point_details``, ``targets``, ``assumptions``.

    NetCDF ('netcdf'): ``results.nc``, all scenarios in one CF-style dataset with dims
    (scenario, time) and units, names (en, zh) and comments on every variable
    (:func:`analysis.results.results_dataset`).

    IAMC ('iamc'): ``results_iamc.csv`` in the IAMC format that ``pyam`` reads, through
    the mapping ``analysis/iamc_variables.yaml``; the region is ``region``, else the
    scenario's calibration region, else ``Territory``.

    Returns:
        The files written.
    """
    bad = [f for f in formats if f not in RESULT_FORMATS]
    if bad:
        raise ValueError(f"formats must be among {list(RESULT_FORMATS)}, got {bad}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {k: r.turning_points for k, r in runs.items()}
    comparison = flatten_comparison(turning_point_comparison(tables))
    details = turning_point_details(tables, lang=lang)
    targets = targets_comparison(runs)
    assumptions = assumptions_table({k: r.scenario for k, r in runs.items()})
    written: list[Path] = []
    if "csv" in formats:
        for key, run in runs.items():
            path = out / f"results_{key}.csv"
            run.results.to_csv(path, index_label="year")
            written.append(path)
        for name, df, index in (
            ("turning_points", comparison, True),
            ("turning_point_details", details, False),
            ("targets", targets, False),
            ("assumptions", assumptions, False),
        ):
            path = out / f"{name}.csv"
            df.to_csv(path, index=index, encoding="utf-8-sig")
            written.append(path)
    if "xlsx" in formats:
        path = out / "results.xlsx"
        sheets = _sheet_names(list(runs))
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            for key, run in runs.items():
                run.results.to_excel(xw, sheet_name=sheets[key], index_label="year")
            comparison.to_excel(xw, sheet_name="turning_points", index_label="scenario")
            details.to_excel(xw, sheet_name="turning_point_details", index=False)
            targets.to_excel(xw, sheet_name="targets", index=False)
            assumptions.to_excel(xw, sheet_name="assumptions", index=False)
        written.append(path)
    if "netcdf" in formats:
        ds = results_dataset({k: r.results for k, r in runs.items()},
                             names={k: dict(r.scenario.name) for k, r in runs.items()})
        written.append(write_netcdf(ds, out / "results.nc"))
    if "iamc" in formats:
        regions = {k: region or _calibration_region(r.scenario) for k, r in runs.items()}
        frame = iamc_frame({k: r.results for k, r in runs.items()}, regions=regions)
        written.append(write_iamc(frame, out / "results_iamc.csv"))
    return written


def _calibration_region(scenario: Scenario) -> str:
    """The region a scenario is calibrated to (its calibration block), else the default."""
    cal = scenario.calibration or {}
    region = cal.get("region") if isinstance(cal, Mapping) else None
    return str(region) if region else DEFAULT_REGION


def write_spatial_handoff(
    scenario: Scenario,
    results: pd.DataFrame,
    out_dir: str | Path,
    *,
    cell_size_m: float | None = None,
    carbon_year: float | None = None,
) -> list[Path]:
    """Write the PLUS/FLUS demand table, the class codes and the InVEST carbon table.

    Files: ``land_use_demand.csv``, ``land_classes.csv``, ``invest_carbon_biophysical.csv``
    (plain UTF-8, ASCII names, as InVEST expects).

    Args:
        scenario: the scenario (its overrides set the carbon densities).
        results: its run.
        out_dir: output folder (created).
        cell_size_m: optional raster cell size (m) for cell counts in the demand table.
        carbon_year: optional year whose simulated forest age structure is used in the
            carbon table (default: the first year of ``results``, INITIAL TIME).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "land_use_demand.csv", out / "land_classes.csv", out / "invest_carbon_biophysical.csv"]
    land_use_demand(results, cell_size_m=cell_size_m).to_csv(paths[0], index_label="year")
    land_class_table().to_csv(paths[1], index=False, encoding="utf-8-sig")
    invest_carbon_table(
        scenario.inputs,
        results=results,
        year=float(results.index[0]) if carbon_year is None else carbon_year,
    ).to_csv(paths[2], index=False, float_format="%.6g")
    return paths
