"""Your own region (我的区域): read its data, build its calibration, fit, make its scenario.

Pure functions (no Streamlit); the page is :mod:`webapp.region_page`.

* **Data**: one reader, ``calibration.history.load_history`` (the user data format of
  ``calibration/history.py``: ``region,year,variable,value,unit,source,note``), for an
  uploaded CSV and for the table typed in the page alike; its errors name row and column.
* **Land survey (三调)**: the region's land classes in the survey year give the initial
  land shares the data cannot (rules in :data:`SURVEY_RULES`).
* **Calibration**: the configuration is built from ``calibration/national.yaml`` exactly
  as ``python -m calibration fit --region CODE --data CSV`` does (``load_config``), then
  adapted (:func:`build_config`, rules stated there) and fitted on the batch runner by
  ``calibration.fit.fit`` with a small, interactive optimizer (:data:`QUICK`).
* **Scenario**: ``calibration.baseline.baseline_document`` of the fit, with the region's
  targets written inline.
* **Targets**: the national set as a template; absolute thresholds scaled by the
  region's share of the national quantity (:func:`template_targets`).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from calibration.observations import EARLIEST_ANCHOR_FACTORS
from webapp.scenario_io import REPO_ROOT

NATIONAL_CONFIG = REPO_ROOT / "calibration" / "national.yaml"
#: Columns of the user data format (calibration.history.REQUIRED_COLUMNS).
DATA_COLUMNS = ("region", "year", "variable", "value", "unit", "source", "note")
#: Largest uploaded data file (bytes).
MAX_DATA_BYTES = 1_000_000  # = server.maxUploadSize of .streamlit/config.toml
#: Optimizer of an interactive region fit: population 5 x parameters, 60 DE generations,
#: a short least-squares polish (the national fit: :func:`national_optimizer`, with a
#: polish run to convergence). About 60 batch calls of ~150 runs: about half a second
#: (the national fit: about half a minute).
QUICK = {"popsize": 5, "maxiter": 60, "polish": True, "polish_max_nfev": 30}


def national_optimizer() -> tuple[int, int]:
    """Population factor and DE generations of the national fit (``calibration/national.yaml``),
    for the page's comparison with the quick settings; read once per version of the file
    (the page asks on every rerun)."""
    return _optimizer_of(str(NATIONAL_CONFIG), os.stat(NATIONAL_CONFIG).st_mtime_ns)


@functools.lru_cache(maxsize=4)
def _optimizer_of(path: str, mtime_ns: int) -> tuple[int, int]:
    import yaml

    from calibration.config import OptimizerSettings

    with open(path, encoding="utf-8") as fh:
        opt = (yaml.safe_load(fh) or {}).get("optimizer") or {}
    default = OptimizerSettings()
    return int(opt.get("popsize", default.popsize)), int(opt.get("maxiter", default.maxiter))
#: Model start years a region may choose (its data window starts there).
START_YEARS = (1990, 2020)
#: Widened anchor factors when the region has no observation at the model's start:
#: the initial stock lies between these multiples of its earliest observation.
EARLIEST_FACTORS = EARLIEST_ANCHOR_FACTORS  # one rule with the command-line calibration

#: Land-survey (三调) classes: key, Chinese and English name.
SURVEY_CLASSES: tuple[tuple[str, str, str], ...] = (
    ("cropland", "耕地", "Cropland"),
    ("garden", "园地", "Garden land"),
    ("forest", "林地", "Forest land"),
    ("grassland", "草地", "Grassland"),
    ("wetland", "湿地", "Wetland"),
    ("urban", "城镇用地（城市、建制镇、采矿及其他）", "Urban and industrial land"),
    ("village", "村庄用地", "Village land"),
    ("transport", "交通运输用地", "Transport land"),
    ("water", "水域及水利设施用地", "Water and water facilities"),
    ("other", "其他土地", "Other land"),
)
#: Stated rules: model land class <- survey classes (sums).
SURVEY_RULES: Mapping[str, tuple[str, ...]] = {
    "cropland": ("cropland", "garden"),  # the model's cropland is FAOSTAT 'Cropland' (arable + permanent crops)
    "forest": ("forest",),
    "grassland": ("grassland",),
    "wetland and water": ("wetland", "water"),
    "urban construction": ("urban", "transport"),  # towns, mining and transport (series urban_construction_land)
    "rural construction": ("village",),
    "other": ("other",),
}


class RegionInputError(ValueError):
    """Bad region data or settings; the message names the file or field, row and column."""


# ----------------------------------------------------------------------------- data
def read_history(content: bytes, filename: str, region: str | None = None) -> pd.DataFrame:
    """The history rows of an uploaded CSV, validated by ``calibration.history.load_history``.

    Messages name ``filename`` (not the temporary file), the row and the column.
    """
    from calibration.history import HistoryDataError, load_history

    if len(content) > MAX_DATA_BYTES:
        raise RegionInputError(f"{filename}: the file is larger than {MAX_DATA_BYTES // 1_000_000} MB.")
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="region_")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        try:
            return load_history(tmp, region=region)
        except HistoryDataError as err:
            raise RegionInputError(str(err).replace(tmp, filename)) from None
        except ValueError as err:
            raise RegionInputError(str(err).replace(tmp, filename)) from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def table_to_csv(table: pd.DataFrame, region: str) -> bytes:
    """Rows typed in the page (year, variable, value, unit, source, note) in the user format."""
    t = table.copy()
    t = t.dropna(how="all")
    t["region"] = region
    for c in DATA_COLUMNS:
        if c not in t:
            t[c] = ""
    t = t[list(DATA_COLUMNS)]
    t["year"] = t["year"].map(lambda v: "" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
    t["note"] = t["note"].fillna("")
    buf = io.StringIO()
    t.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def csv_to_table(history: pd.DataFrame) -> pd.DataFrame:
    """The editable table of loaded history rows."""
    cols = ["year", "variable", "value", "unit", "source", "note"]
    return history[cols].reset_index(drop=True).copy()


# ------------------------------------------------------------------------ survey
def survey_shares(survey: Mapping[str, float], area: float) -> dict[str, float]:
    """Model land class -> share of ``area`` from the survey classes (:data:`SURVEY_RULES`).

    Raises if a value is negative or the classes add up to more than 101 % of the area.
    """
    for key, zh, en in SURVEY_CLASSES:
        v = float(survey.get(key, 0.0) or 0.0)
        if v < 0 or not math.isfinite(v):
            raise RegionInputError(f"land survey: '{en}' ({zh}) must be a number >= 0, got {v:g}")
    total = sum(float(survey.get(k, 0.0) or 0.0) for k, _, _ in SURVEY_CLASSES)
    if area <= 0:
        raise RegionInputError("total land area must be > 0 (10^4 ha)")
    if total > area * 1.01:
        raise RegionInputError(f"land survey: the classes add up to {total:,.1f} x 10^4 ha, more than the "
                               f"total land area {area:,.1f} x 10^4 ha")
    return {cls: sum(float(survey.get(k, 0.0) or 0.0) for k in keys) / area for cls, keys in SURVEY_RULES.items()}


def survey_fixed(shares: Mapping[str, float], model) -> dict[str, float]:
    """Initial land-share constants from survey shares (the suitable part of 'other' land
    in the national default proportion)."""
    from models.model import INITIAL_LAND_SHARES
    from webapp.levers import LAND_SHARE_CONSTANTS

    out = {LAND_SHARE_CONSTANTS[cls]: v for cls, v in shares.items() if cls in LAND_SHARE_CONSTANTS}
    suitable = LAND_SHARE_CONSTANTS["suitable other"]
    d = {n: model.constants[n].default for n in INITIAL_LAND_SHARES}
    rest = 1.0 - sum(v for n, v in d.items() if n != suitable)
    out[suitable] = shares.get("other", 0.0) * (d[suitable] / rest if rest > 0 else 0.0)
    return {n: v for n, v in out.items() if n in INITIAL_LAND_SHARES}


# -------------------------------------------------------------------- calibration
@dataclass(frozen=True)
class RegionSetup:
    """What the page collected: code, names, area, start year, data, survey."""

    code: str
    name_zh: str
    name_en: str
    area: float  # 10^4 ha
    start_year: int
    history: pd.DataFrame  # load_history rows
    survey: Mapping[str, float]  # 10^4 ha by SURVEY_CLASSES key (may be empty)
    survey_year: int | None = None


def build_config(setup: RegionSetup, data_path: Path, model=None):
    """The region's calibration configuration (``calibration.config.CalibrationConfig``).

    Built with ``load_config(national.yaml, region=code, data=csv)`` (a ``regions``
    block of that code applies), then, stated rules:

    * ``total land area`` fixed to the region's area; the survey's land shares fixed
      for land classes the data has no series of;
    * series without data in the file are not fitted; parameters anchored on a series
      without data keep their default (reported as region-specific);
    * the runs start at the region's start year (``initial_time``, when later than the
      model's INITIAL TIME), and so does the data window: anchored initial values are
      fitted around that year's observations, the survey's land shares are that year's;
    * anchors need an observation at the start year; without one the bounds become
      :data:`EARLIEST_FACTORS` x the earliest observation;
    * the optimizer is :data:`QUICK`.
    """
    from calibration.config import ConfigError, FixedValue, load_config
    from models.model import load_model

    model = model or load_model()
    try:
        cfg = load_config(NATIONAL_CONFIG, region=setup.code, data=data_path, model=model)
    except ConfigError as err:
        raise RegionInputError(str(err).replace(str(data_path), "data")) from None
    hist = setup.history
    have = set(hist["variable"])
    t0 = int(model.time_settings["INITIAL TIME"])
    start = max(t0, int(setup.start_year))
    fixed = dict(cfg.fixed)
    fixed[_area_name()] = FixedValue(setup.area, f"Total land area of {setup.name_en} entered in the app.",
                                     f"在应用中输入的{setup.name_zh}国土总面积。")
    series = [s for s in cfg.series if s.name in have]
    if not series:
        raise RegionInputError("data: no series that the calibration can fit (e.g. total_population, gdp, "
                               "primary_energy, co2_fossil_industry, cropland, forest_area)")
    fitted_vars = {s.model_variable for s in series}
    shares = survey_fixed(survey_shares(setup.survey, setup.area), model) if setup.survey else {}
    params = []
    for p in cfg.parameters:
        if p.name in shares and not _share_has_data(p, have):
            fixed[p.name] = FixedValue(shares[p.name], "From the land survey entered in the app.",
                                       "由应用中输入的国土调查地类面积计算。")
            continue
        if p.anchor is not None:
            needed = [p.anchor.series] + ([p.anchor.per_series] if p.anchor.per_series else [])
            if any(s not in have for s in needed):
                continue  # no data: keep the default (listed as region-specific in the report)
            if not ((hist["variable"] == needed[0]) & (hist["year"] == start) & hist["fit_mask"]).any():
                p = dataclasses.replace(p, anchor=None, bounds=_earliest_bounds(p, hist, fixed, model))
        params.append(p)
    for name, v in shares.items():  # land shares without a parameter: fixed from the survey (the
        if name not in {p.name for p in params}:  # region's data, before any assumption of the config)
            fixed[name] = FixedValue(v, "From the land survey entered in the app.", "由应用中输入的国土调查地类面积计算。")
    del fitted_vars
    window_start = start
    opt = dataclasses.replace(cfg.optimizer, **QUICK)
    name = {"zh": f"{setup.name_zh}基准情景（在应用中校准）", "en": f"{setup.name_en} baseline (calibrated in the app)"}
    desc = {"zh": f"依据上传的{setup.name_zh}历史数据在网页应用中校准的基准情景（快速设置：{QUICK['maxiter']} 代差分进化）。",
            "en": f"Baseline of {setup.name_en} calibrated in the web app to its uploaded history "
                  f"(quick settings: {QUICK['maxiter']} DE generations)."}
    return dataclasses.replace(cfg, fixed=fixed, series=series, parameters=params, window_start=window_start,
                               evaluation_start=max(window_start, cfg.evaluation_start if window_start < 2000
                                                    else window_start),
                               optimizer=opt, name=name, description=desc,
                               initial_time=start if start > t0 else None)


def _area_name() -> str:
    from webapp.levers import AREA_CONSTANT

    return AREA_CONSTANT


def _share_has_data(p, have: set[str]) -> bool:
    return p.anchor is not None and p.anchor.series in have


def _earliest_bounds(p, hist: pd.DataFrame, fixed, model) -> tuple[float, float]:
    """Bounds of an anchored parameter from the earliest observation (no value at the start):
    :data:`EARLIEST_FACTORS` x that observation, inside the model's range (the whole range
    when the observation cannot be scaled)."""
    from calibration.observations import anchor_value

    rows = hist[(hist["variable"] == p.anchor.series) & hist["fit_mask"]]
    year = int(rows["year"].min())
    v, _ = anchor_value(hist, p.anchor, year, {k: f.value for k, f in fixed.items()}, model)
    c = model.constants[p.name]
    if v is None:
        return (c.minimum, c.maximum)
    lo = max(c.minimum, EARLIEST_FACTORS[0] * v)
    hi = min(c.maximum, EARLIEST_FACTORS[1] * v)
    if not lo < hi:
        lo, hi = c.minimum, c.maximum
    return (lo, hi)


@dataclass(frozen=True)
class RegionFit:
    """A finished region fit."""

    overrides: Mapping[str, float]
    statistics: pd.DataFrame  # per series: n, R², MAPE ... (calibration.report)
    document: Mapping[str, Any]  # the scenario mapping (baseline_document + inline targets)
    seconds: float
    warnings: tuple[str, ...]
    generations: int


def fit_region(setup: RegionSetup, targets: Mapping[str, Any] | None = None,
               progress: Callable[[int, int], None] | None = None) -> RegionFit:
    """Calibrate the region (batch runner) and build its scenario document.

    ``progress(generation, maxiter)`` is called after every DE generation; an exception
    it raises cancels the fit.
    """
    import time

    from calibration.baseline import baseline_document, rounded_overrides
    from calibration.fit import FitError, fit
    from calibration.observations import RegionHistory
    from calibration.report import assess

    started = time.perf_counter()
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="region_fit_")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(table_to_csv(csv_to_table(setup.history).assign(), setup.code))
        cfg = build_config(setup, Path(tmp))
        hist = setup.history.assign(file=tmp)
        history = RegionHistory(fit=hist, holdout=hist.iloc[0:0].copy(), files=[tmp])
        try:
            result, _ = fit(cfg, history, progress=progress)
        except (FitError, ValueError) as err:
            raise RegionInputError(f"calibration: {err}") from None
        overrides = rounded_overrides(result)
        assessment = assess(cfg, overrides, history, fitted_end=result.window[1])
        summary = assessment.summary()
        doc = baseline_document(cfg, result, overrides, summary, None)
    finally:
        Path(tmp).unlink(missing_ok=True)
    doc = dict(doc)
    cal = dict(doc["calibration"])
    cal["data"] = [{"file": f"{setup.code} (uploaded in the app)", "sha256": d["sha256"]} for d in cal["data"]]
    cal["config"] = "calibration/national.yaml (region built in the app)"
    doc["calibration"] = cal
    if targets:
        doc["targets"] = {"inline": dict(targets)}
    stats = pd.DataFrame([{"series": k, **{kk: vv for kk, vv in v.items() if not isinstance(vv, (dict, list))}}
                          for k, v in summary.items()])
    return RegionFit(overrides=overrides, statistics=stats, document=doc, seconds=time.perf_counter() - started,
                     warnings=tuple(result.warnings), generations=int(cfg.optimizer.maxiter))


# ----------------------------------------------------------------------- targets
def template_targets(region_name: str, share: Mapping[str, float]) -> pd.DataFrame:
    """The national targets as the region's template (an editable table).

    Stated rules: turning-point deadlines, percentages, fractions and reductions are
    kept; thresholds in absolute units are scaled by the region's share of the national
    quantity in the reference year: areas (10^4 ha) by ``share['area']`` (the region's
    cropland / national cropland for the cropland red line), emissions (Mt CO2/yr) by
    ``share['emissions']``.
    """
    from analysis.targets import load_targets

    rows = []
    for tg in load_targets():
        m = tg.metric
        scale = 1.0
        if m.kind == "turning_point":  # the threshold is a year: the deadline
            rows.append({"key": tg.key, "name_zh": tg.name_zh, "name_en": tg.name_en, "kind": m.kind,
                         "unit": tg.unit, "threshold": None, "deadline": float(tg.threshold),
                         "enabled": True, "scaled": False})
            continue
        if tg.unit == "10^4 ha":
            scale = share.get("cropland" if "cropland" in m.name.lower() else "area", share.get("area", 1.0))
        elif "Mt CO2" in str(tg.unit):
            scale = share.get("emissions", 1.0)
        rows.append({"key": tg.key, "name_zh": tg.name_zh, "name_en": tg.name_en, "kind": m.kind,
                     "unit": tg.unit, "threshold": float(tg.threshold) * scale, "deadline": None,
                     "enabled": True, "scaled": scale != 1.0})
    return pd.DataFrame(rows)


def targets_inline(region: str, table: pd.DataFrame) -> dict[str, Any]:
    """Inline region targets (the format of a region targets file) from the edited table."""
    entries = []
    for _, r in table.iterrows():
        e: dict[str, Any] = {"key": str(r["key"]), "enabled": bool(r["enabled"])}
        if bool(r["enabled"]):  # a turning point's deadline is its threshold (a year)
            if pd.notna(r.get("threshold")):
                e["threshold"] = float(r["threshold"])
            if pd.notna(r.get("deadline")):
                e["threshold"] = int(r["deadline"])
            e["name_zh"] = str(r["name_zh"])
            e["name_en"] = str(r["name_en"])
        entries.append(e)
    return {"region": region, "targets": entries}
