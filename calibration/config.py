"""Calibration configuration: what is estimated, against which series, how (校准配置).

A configuration is a YAML file (``calibration/national.yaml`` is the national one).
Keys (all paths are relative to the configuration file):

``region``       region code of the history rows to fit (``CHN``).
``data``         list of history files in the user data format of
                 :mod:`calibration.history`; each item is a path or
                 ``{file: PATH, min_points: N}`` (``min_points`` as in ``load_history``).
                 ``{region}`` in a path is replaced by the region being fitted, so that
                 the ``default`` block can name ``data/history_{region}.csv`` for any
                 region without a block of its own.
``window``       ``{start: YEAR, end: YEAR | latest}``: years whose observations are
                 fitted (default 1990 - latest observation).
``evaluation_start``  statistics are also reported from this year to the end of the
                 window (default 2000).
``series``       history variable -> ``{weight: W, timing: start|mid|end, model: NAME}``
                 or just the weight. The model variable defaults to the one registered
                 in :mod:`calibration.series`. ``timing`` says at which model time a data
                 year is compared: ``start`` = 1 January (the model's saved value at the
                 integer year), ``mid`` = mid-year (mean of the values at the year and the
                 next, default: UN mid-year stocks and calendar-year flows), ``end`` =
                 31 December.
``parameters``   model constant -> ``{bounds: [LO, HI], anchor: {...}, integer: BOOL,
                 bound_reason: TEXT, literature: VALUE, source: TEXT}``. ``literature`` (with
                 its ``source``) is the value used when the data do not identify the
                 constant (default: the model default).
                 ``bounds`` must lie inside the model's declared range. ``anchor`` makes
                 the bounds relative to the data of the region being fitted:
                 ``{series: S, per: X, factor: [A, B]}`` gives ``[A*v, B*v]`` where ``v``
                 is the observation of history series ``S`` at the model's INITIAL TIME,
                 divided by ``X`` (another history series, or a model constant such as
                 ``total land area``) if ``per`` is given. With both ``bounds`` and
                 ``anchor`` the intersection is used. ``integer: true`` estimates a whole
                 number (years); such parameters are kept fixed in the local polish.
``fixed``        model constant -> value (or ``{value: V, rationale: {en, zh}}``): set,
                 not estimated; written to the baseline with the estimates.
``region_specific``  constants whose model default describes the home region; when
                 another region is fitted, each one that is neither estimated nor fixed
                 is reported as a warning. ``total land area`` must always be set
                 (fixed or estimated) for a region other than the home region.
``acceptance``   history variable -> maximum MAPE (percent) over the evaluation window;
                 the report marks each series as pass/fail.
``optimizer``    ``seed, popsize, maxiter, tol, atol, mutation, recombination, polish,
                 polish_max_nfev, jac_step``: settings of ``differential_evolution`` and
                 of the ``least_squares`` polish.
``identification``  ``{eliminate: BOOL, max_rounds: N, final_global: BOOL,
                 fix_at_bounds: BOOL, round_generations: N, se_limit: X,
                 first_generations: N, one_at_a_time: BOOL,
                 max_objective_increase: X}``: after the fit,
                 constants whose standard error exceeds ``se_limit`` (default 1) times their
                 bounds' width or that have no effect are fixed
                 to their literature value (the model default) and the rest is fitted again
                 from the previous optimum (:mod:`calibration.identify`): by the least-squares
                 polish alone, or after ``round_generations`` generations of differential
                 evolution seeded with it; with ``final_global`` a fresh global search
                 follows. With ``fix_at_bounds`` also those that end at a bound without a
                 ``bound_reason`` are fixed (otherwise they are reported as findings).
                 ``first_generations`` shortens the first global search (it only has to
                 find the basin for the identification test); the fresh global search at
                 the end then always runs with the optimizer's ``maxiter``. Each round fixes
                 the worst flagged constant (``one_at_a_time``, the default) or, with
                 ``one_at_a_time: false``, the worst third of them. With
                 ``max_objective_increase`` (a share, e.g. 0.2) a fixing that raises the
                 in-sample objective by more is undone (the data reject the literature
                 value) and the next flagged constant is tried. Default: on, bounds
                 reported, ``max_rounds`` 60, ``round_generations`` 0, ``first_generations``
                 the optimizer's ``maxiter``, one constant per round, every fixing stands.
``thresholds``   ``rel_se`` (relative standard error above which a parameter is poorly
                 identified, default 0.5), ``correlation`` (|r| above which a pair is
                 flagged, default 0.9), ``bound_tol`` (distance to a bound, as a fraction
                 of the bounds' width, that counts as "at the bound", default 0.001).
``baseline``     scenario file written by ``--write-baseline`` for the home region
                 (another region R writes ``baseline_R.yaml`` in the same folder).
``report_dir``   default report directory; ``{region}`` is replaced by the region.
``name``, ``description``  ``{en, zh}`` texts of the baseline scenario.
``from_data``    constant -> history variable: the constant is set to the region's own
                 observation of that series at the model's INITIAL TIME (the nearest
                 independent observation within 5 years). For a region other than the home
                 region, ``total land area`` comes from ``land_area`` unless fixed.
``data_inputs``  constant -> history variable: a historical data input of the model given
                 by the region's whole series of that variable (every observed year, also
                 after ``fit_until``: an exogenous input, not a fitted series); it is
                 passed to every run as a time series and written to the ``data`` block
                 of the fitted scenario (scenarios/data_block.py). ``{series: VAR,
                 required: false}`` makes it optional: a region without that series keeps
                 the model default, and the report says so (used by the ``default`` block,
                 whose regions may or may not have the data).
``regions``      region code -> block with any of ``data, fixed, parameters, series,
                 window, acceptance, name, description, from_data, data_inputs`` that replaces (``data``)
                 or updates (mappings) the top-level values when that region is fitted; a
                 key set to null removes a top-level constant or series (a constant fixed at
                 the top and null under the block's ``fixed`` may be estimated there). The
                 block ``default`` applies to any region without a block of its own (other
                 than the home region), so that a new region can be fitted without editing
                 the configuration.

Every problem raises :class:`ConfigError` whose message names the file and the key.
"""

from __future__ import annotations

import copy
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from calibration.history import DEFAULT_MIN_POINTS
from calibration.series import SERIES
from models.model import INITIAL_LAND_SHARES

TOP_KEYS = (
    "region", "data", "window", "evaluation_start", "series", "parameters", "fixed",
    "region_specific", "acceptance", "optimizer", "thresholds", "identification", "baseline",
    "report_dir", "from_data", "data_inputs", "validation",
    "name", "description", "regions",
)
REGION_KEYS = (
    "data", "fixed", "parameters", "series", "window", "acceptance", "name", "description",
    "evaluation_start", "from_data", "data_inputs",
)
#: Region block applied to a region that has no block of its own (other than the home one).
DEFAULT_REGION = "default"
TIMINGS = ("start", "mid", "end")
LAND_SHARES = INITIAL_LAND_SHARES
_REGION_RE = re.compile(r"^\w[\w-]*$")
_CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")


class ConfigError(ValueError):
    """A calibration configuration (or a command-line value) is invalid."""


@dataclass(frozen=True)
class DataFile:
    path: Path
    min_points: int = DEFAULT_MIN_POINTS


@dataclass(frozen=True)
class Anchor:
    """Bounds relative to an observation at the model's INITIAL TIME."""

    series: str
    factor: tuple[float, float]
    per_series: str | None = None
    per_constant: str | None = None


@dataclass(frozen=True)
class ParameterSpec:
    name: str  # Vensim name
    bounds: tuple[float, float] | None
    anchor: Anchor | None
    integer: bool
    key: str  # the key path used in messages
    bound_reason: str | None = None  # why an estimate at a bound is accepted (report)
    literature: float | None = None  # value used if not identified (default: model default)
    literature_source: str | None = None


@dataclass(frozen=True)
class SeriesTarget:
    name: str  # history variable
    model_variable: str  # Vensim name
    weight: float
    timing: str


@dataclass(frozen=True)
class FixedValue:
    value: float
    rationale_en: str
    rationale_zh: str


@dataclass(frozen=True)
class OptimizerSettings:
    seed: int = 20240601
    popsize: int = 15
    maxiter: int = 1000
    tol: float = 1e-8
    atol: float = 0.0
    mutation: tuple[float, float] = (0.5, 1.0)
    recombination: float = 0.7
    polish: bool = True
    polish_max_nfev: int = 100
    jac_step: float = 1e-6


@dataclass(frozen=True)
class IdentificationSettings:
    """Identifiable calibration (:mod:`calibration.identify`): after the fit, a constant
    whose standard error exceeds its prior range (the bounds' width), that has no effect,
    or that ends at a bound without a written ``bound_reason`` is fixed to its literature
    value (the model default) and the others are fitted again."""

    eliminate: bool = True
    max_rounds: int = 60
    final_global: bool = True
    fix_at_bounds: bool = False
    #: generations of differential evolution, seeded with the previous optimum, in each
    #: round after a constant is fixed; 0: the least-squares polish alone
    round_generations: int = 0
    #: a constant is unidentified when its standard error exceeds this multiple of the
    #: width of its prior range (1: the standard error is wider than the range; 0.255: the
    #: 95 % interval, +-1.96 standard errors, is wider than the range)
    se_limit: float = 1.0
    #: generations of the first global search (default: the optimizer's ``maxiter``); when
    #: fewer, the fresh global search at the end always runs with ``maxiter``
    first_generations: int | None = None
    #: fix one unidentified constant per round (the worst); false: the worst third
    one_at_a_time: bool = True
    #: largest relative rise of the in-sample objective that fixing a flagged constant to
    #: its literature value may cause; above it the fixing is undone (the data reject the
    #: value) and the next flagged constant is tried. None: every fixing stands
    max_objective_increase: float | None = None


@dataclass(frozen=True)
class Thresholds:
    rel_se: float = 0.5
    correlation: float = 0.9
    bound_tol: float = 1e-3


@dataclass
class CalibrationConfig:
    """A validated configuration, resolved for one region."""

    path: Path
    region: str
    home_region: str
    data: list[DataFile]
    window_start: int
    window_end: int | None  # None = latest observation
    evaluation_start: int
    series: list[SeriesTarget]
    parameters: list[ParameterSpec]
    fixed: dict[str, FixedValue]
    region_specific: list[str]
    acceptance: dict[str, float]
    optimizer: OptimizerSettings
    thresholds: Thresholds
    baseline_path: Path
    report_dir: Path
    name: dict[str, str]
    description: dict[str, str]
    fit_until: int | None = None
    identification: IdentificationSettings = field(default_factory=IdentificationSettings)
    from_data: dict[str, str] = field(default_factory=dict)
    #: constant -> history variable of the region's data inputs (key ``data_inputs``)
    data_inputs: dict[str, str] = field(default_factory=dict)
    #: data inputs that a region may lack (``required: false``): the model default is kept
    optional_data_inputs: set[str] = field(default_factory=set)
    #: report notes about the data inputs (an optional one the region has no data for)
    data_input_notes: list[str] = field(default_factory=list)
    #: constant -> (series by year, source text), set from the history when it is loaded
    data_series: dict[str, Any] = field(default_factory=dict)
    raw: dict = field(default_factory=dict)
    #: Year the fitted runs start (a region with later data); None: the model's INITIAL
    #: TIME. Anchors and constants from data then use that year's observations.
    initial_time: int | None = None

    @property
    def is_home_region(self) -> bool:
        return self.region == self.home_region

    def start_time(self, model) -> int:
        """The year the runs of this calibration start (:attr:`initial_time` or INITIAL TIME)."""
        return int(self.initial_time if self.initial_time is not None else model.time_settings["INITIAL TIME"])

    def fixed_values(self) -> dict[str, float]:
        return {k: v.value for k, v in self.fixed.items()}


# ----------------------------------------------------------------------------- helpers
def _series_of_constants(ctx: "_Ctx", raw: Mapping, block: Mapping | None, prefix: str, key: str,
                         model: Any, taken: set[str],
                         optional: set[str] | None = None) -> dict[str, str]:
    """A mapping constant -> history variable (``from_data``, ``data_inputs``): top level
    updated by the region block; each constant neither fixed, estimated nor set otherwise.
    With ``optional`` (``data_inputs``), a value may also be ``{series: VAR, required: BOOL}``;
    the constants with ``required: false`` are added to ``optional``."""
    mapping = _mapping(ctx, key, raw.get(key))
    where = key
    if block and key in block:
        mapping = _merge(mapping, _mapping(ctx, prefix + key, block[key]))
        where = prefix + key
    out: dict[str, str] = {}
    for name, series in mapping.items():
        vname = _resolve_constant(ctx, f"{where}.{name}", name, model)
        if series is None:
            continue
        required = True
        if optional is not None and isinstance(series, Mapping):
            _check_keys(ctx, f"{where}.{name}", series, ("series", "required"))
            req = series.get("required", True)
            if not isinstance(req, bool):
                raise ctx.fail(f"{where}.{name}.required", f"must be true or false, got {req!r}")
            required, series = req, series.get("series")
        if not isinstance(series, str):
            raise ctx.fail(f"{where}.{name}", f"must name a history variable, got {series!r}")
        if series not in SERIES:
            raise ctx.fail(f"{where}.{name}", f"unknown history variable {series!r}")
        if vname in taken:
            raise ctx.fail(f"{where}.{name}", f"{vname!r} is also fixed, estimated or set from data")
        out[vname] = series
        if not required and optional is not None:
            optional.add(vname)
    return out


class _Ctx:
    """Error context: file name and key path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, message: str) -> ConfigError:
        where = f"{self.path}: {key}: " if key else f"{self.path}: "
        return ConfigError(where + message)


def _number(ctx: _Ctx, key: str, value: Any, *, positive: bool = False,
            minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.fail(key, f"must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ctx.fail(key, f"must be finite, got {value!r}")
    if positive and value <= 0:
        raise ctx.fail(key, f"must be > 0, got {value:g}")
    if minimum is not None and value < minimum:
        raise ctx.fail(key, f"must be >= {minimum:g}, got {value:g}")
    return value


def _integer(ctx: _Ctx, key: str, value: Any, *, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.fail(key, f"must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ctx.fail(key, f"must be >= {minimum}, got {value}")
    return int(value)


def _mapping(ctx: _Ctx, key: str, value: Any) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ctx.fail(key, f"must be a mapping (key: value), got {type(value).__name__}")
    return dict(value)


def _check_keys(ctx: _Ctx, key: str, mapping: Mapping, allowed: tuple[str, ...]) -> None:
    unknown = [str(k) for k in mapping if k not in allowed]
    if unknown:
        raise ctx.fail(key or unknown[0], f"unknown key(s) {', '.join(repr(u) for u in unknown)}; "
                                          f"allowed: {', '.join(allowed)}")


def _pair(ctx: _Ctx, key: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ctx.fail(key, f"must be a list [low, high], got {value!r}")
    lo = _number(ctx, f"{key}[0]", value[0])
    hi = _number(ctx, f"{key}[1]", value[1])
    if not lo < hi:
        raise ctx.fail(key, f"low {lo:g} must be below high {hi:g}")
    return lo, hi


def _texts(ctx: _Ctx, key: str, value: Any, default: dict[str, str]) -> dict[str, str]:
    if value is None:
        return dict(default)
    value = _mapping(ctx, key, value)
    _check_keys(ctx, key, value, ("en", "zh"))
    out = dict(default)
    for lang, text in value.items():
        if not isinstance(text, str) or not text.strip():
            raise ctx.fail(f"{key}.{lang}", "must be a non-empty text")
        text = text.strip()
        if lang == "zh":  # YAML folding puts spaces between CJK lines: remove them
            text = _CJK_SPACE.sub("", text)
        out[lang] = text
    return out


def _resolve_constant(ctx: _Ctx, key: str, name: Any, model) -> str:
    from models.model import ModelInputError

    if not isinstance(name, str):
        raise ctx.fail(key, f"constant name must be a text, got {name!r}")
    try:
        vensim = model.resolve(name)
    except ModelInputError as err:
        raise ctx.fail(key, str(err)) from None
    if vensim not in model.constants:
        raise ctx.fail(key, f"{name!r} is a computed variable, not a constant of the model")
    return vensim


def _merge(base: dict, update: Mapping) -> dict:
    out = dict(base)
    for k, v in update.items():
        out[k] = v
    return out


# --------------------------------------------------------------------------- loading
def read_yaml(path: Path) -> dict:
    """Read a YAML mapping; errors name the file."""
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: must contain a YAML mapping of keys, got {type(data).__name__}")
    return data


def load_config(
    path: str | Path,
    *,
    region: str | None = None,
    data: str | Path | None = None,
    fit_until: int | None = None,
    model=None,
) -> CalibrationConfig:
    """Read and validate a calibration configuration for one region.

    Args:
        path: YAML file.
        region: region to fit (default: the file's ``region``); the ``regions`` block
            of that region, if any, is applied.
        data: a history CSV replacing the configured data files (relative to the
            current directory).
        fit_until: fit only observations up to this year (out-of-sample test).
        model: ``models.model.TerritorialModel`` (default: ``load_model()``).

    Raises:
        ConfigError: naming the file and the key.
    """
    from models.model import load_model

    path = Path(path)
    raw = read_yaml(path)
    ctx = _Ctx(path)
    model = model or load_model()
    base_dir = path.parent
    _check_keys(ctx, "", raw, TOP_KEYS)

    home = raw.get("region")
    if not isinstance(home, str) or not _REGION_RE.match(home.strip() if isinstance(home, str) else ""):
        raise ctx.fail("region", f"must be a region code such as CHN (letters, digits, '_' or '-'), "
                                 f"got {home!r}")
    home = home.strip()
    if region is not None:
        if not isinstance(region, str) or not _REGION_RE.match(region):
            raise ConfigError(f"--region: {region!r} is not a region code (letters, digits, '_' "
                              "or '-')")
    target_region = region or home

    regions = _mapping(ctx, "regions", raw.get("regions"))
    block: dict = {}
    block_name = target_region
    if target_region not in regions and target_region != home and DEFAULT_REGION in regions:
        block_name = DEFAULT_REGION
    if block_name in regions:
        block = _mapping(ctx, f"regions.{block_name}", regions[block_name])
        _check_keys(ctx, f"regions.{block_name}", block, REGION_KEYS)
    for key, value in regions.items():
        _mapping(ctx, f"regions.{key}", value)
        _check_keys(ctx, f"regions.{key}", value or {}, REGION_KEYS)
    prefix = f"regions.{block_name}." if block else ""

    def pick(key: str):
        """Value of ``key`` for the region and the key path to name in errors."""
        if key in block:
            return block[key], prefix + key
        return raw.get(key), key

    # ---- data files
    if data is not None:
        dpath = Path(data)
        if not dpath.is_file():
            raise ConfigError(f"--data: file not found: {dpath}")
        data_files = [DataFile(dpath, DEFAULT_MIN_POINTS)]
    else:
        items, dkey = pick("data")
        if items is None:
            raise ctx.fail(dkey, "missing: list the history files to fit")
        if isinstance(items, (str, Mapping)):
            items = [items]
        if not isinstance(items, list) or not items:
            raise ctx.fail(dkey, "must be a non-empty list of files")
        data_files = []
        for i, item in enumerate(items):
            ikey = f"{dkey}[{i}]"
            if isinstance(item, str):
                file, min_points = item, DEFAULT_MIN_POINTS
            else:
                item = _mapping(ctx, ikey, item)
                _check_keys(ctx, ikey, item, ("file", "min_points"))
                file = item.get("file")
                if not isinstance(file, str):
                    raise ctx.fail(f"{ikey}.file", "missing or not a path")
                min_points = _integer(ctx, f"{ikey}.min_points",
                                      item.get("min_points", DEFAULT_MIN_POINTS), minimum=1)
            fpath = base_dir / file.replace("{region}", target_region)
            if not fpath.is_file():
                hint = " (or give the region's history file with --data FILE)" if "{region}" in file else ""
                raise ctx.fail(ikey, f"history file not found: {fpath}{hint}")
            data_files.append(DataFile(fpath, min_points))

    # ---- window
    t0 = int(model.time_settings["INITIAL TIME"])
    t1 = int(model.time_settings["FINAL TIME"])
    win, wkey = pick("window")
    win = _mapping(ctx, wkey, win)
    _check_keys(ctx, wkey, win, ("start", "end"))
    start = _integer(ctx, f"{wkey}.start", win.get("start", t0))
    if start < t0:
        raise ctx.fail(f"{wkey}.start", f"{start} is before the model's INITIAL TIME {t0}")
    end_raw = win.get("end", "latest")
    if end_raw == "latest" or end_raw is None:
        end = None
    else:
        end = _integer(ctx, f"{wkey}.end", end_raw)
        if end <= start:
            raise ctx.fail(f"{wkey}.end", f"{end} must be after window start {start}")
        if end >= t1:
            raise ctx.fail(f"{wkey}.end", f"{end} must be before the model's FINAL TIME {t1}")
    ev, evkey = pick("evaluation_start")
    evaluation_start = _integer(ctx, evkey, ev if ev is not None else max(start, 2000))
    if fit_until is not None:
        if isinstance(fit_until, bool) or not isinstance(fit_until, int):
            raise ConfigError(f"--fit-until: must be a year, got {fit_until!r}")
        if not start < fit_until < t1:
            raise ConfigError(f"--fit-until: {fit_until} must lie after the window start {start} "
                              f"and before {t1}")

    # ---- fixed constants
    fkey = prefix + "fixed" if block and "fixed" in block else "fixed"
    fixed_map = _mapping(ctx, "fixed", raw.get("fixed"))
    if block and "fixed" in block:
        fixed_map = _merge(fixed_map, _mapping(ctx, fkey, block["fixed"]))
    fixed: dict[str, FixedValue] = {}
    for name, spec in fixed_map.items():
        key = f"{fkey}.{name}"
        vname = _resolve_constant(ctx, key, name, model)
        if spec is None and block and name in block.get("fixed", {}):
            continue  # fixed at the top, released by the region block (then estimated there)
        if isinstance(spec, Mapping):
            _check_keys(ctx, key, spec, ("value", "rationale"))
            value = _number(ctx, f"{key}.value", spec.get("value"))
            rat = _texts(ctx, f"{key}.rationale", spec.get("rationale"), {"en": "", "zh": ""})
        else:
            value = _number(ctx, key, spec)
            rat = {"en": "", "zh": ""}
        try:
            model.validate_overrides({vname: value}, source=f"{path}: {key}")
        except Exception as err:  # ModelInputError
            raise ConfigError(str(err)) from None
        fixed[vname] = FixedValue(value, rat["en"], rat["zh"])

    # ---- series
    series_map = _mapping(ctx, "series", raw.get("series"))
    skey = "series"
    if block and "series" in block:
        series_map = _merge(series_map, _mapping(ctx, prefix + "series", block["series"]))
        skey = prefix + "series"
    targets: list[SeriesTarget] = []
    for name, spec in series_map.items():
        key = f"{skey}.{name}"
        if name not in SERIES:
            raise ctx.fail(key, f"unknown history variable {name!r}; known: {', '.join(SERIES)}")
        sspec = SERIES[name]
        if spec is None or spec is False:
            continue  # removed in a region block
        if isinstance(spec, Mapping):
            _check_keys(ctx, key, spec, ("weight", "timing", "model"))
            weight = _number(ctx, f"{key}.weight", spec.get("weight", 1.0))
            timing = spec.get("timing", "mid")
            mvar = spec.get("model", sspec.model_variable)
        else:
            weight = _number(ctx, key, spec)
            timing, mvar = "mid", sspec.model_variable
        if weight < 0:
            raise ctx.fail(key, f"weight must be >= 0, got {weight:g}")
        if weight == 0:
            continue
        if timing not in TIMINGS:
            raise ctx.fail(f"{key}.timing", f"{timing!r} is not one of {', '.join(TIMINGS)}")
        if not sspec.fitted or mvar is None:
            raise ctx.fail(key, f"{name!r} is a display-only series and cannot be fitted")
        try:
            mvar = model.resolve(mvar)
        except Exception as err:
            raise ctx.fail(f"{key}.model", str(err)) from None
        targets.append(SeriesTarget(name, mvar, weight, timing))
    if not targets:
        raise ctx.fail(skey, "no series to fit (give at least one with a weight > 0)")

    # ---- parameters
    params_map = _mapping(ctx, "parameters", raw.get("parameters"))
    pkey_base = "parameters"
    if block and "parameters" in block:
        params_map = _merge(params_map, _mapping(ctx, prefix + "parameters", block["parameters"]))
        pkey_base = prefix + "parameters"
    params: list[ParameterSpec] = []
    seen: set[str] = set()
    for name, spec in params_map.items():
        key = f"{pkey_base}.{name}"
        vname = _resolve_constant(ctx, key, name, model)
        if spec is None or spec is False:
            continue  # removed in a region block
        if vname in seen:
            raise ctx.fail(key, f"{vname!r} is listed twice")
        seen.add(vname)
        if vname in fixed:
            raise ctx.fail(key, f"{vname!r} is also fixed (key 'fixed'); a constant is either "
                                "estimated or fixed")
        const = model.constants[vname]
        if not const.adjustable:
            raise ctx.fail(key, f"{vname!r} has no range in the model and cannot be estimated")
        spec = _mapping(ctx, key, spec)
        _check_keys(ctx, key, spec, ("bounds", "anchor", "integer", "bound_reason",
                                     "literature", "source"))
        bounds = None
        if "bounds" in spec:
            bounds = _pair(ctx, f"{key}.bounds", spec["bounds"])
            tol = 1e-12 * max(1.0, abs(const.minimum), abs(const.maximum))
            if bounds[0] < const.minimum - tol or bounds[1] > const.maximum + tol:
                raise ctx.fail(f"{key}.bounds", f"[{bounds[0]:g}, {bounds[1]:g}] is outside the "
                                                f"model range {const.range_text()}")
        anchor = None
        if "anchor" in spec:
            akey = f"{key}.anchor"
            a = _mapping(ctx, akey, spec["anchor"])
            _check_keys(ctx, akey, a, ("series", "per", "factor"))
            s = a.get("series")
            if s not in SERIES:
                raise ctx.fail(f"{akey}.series", f"unknown history variable {s!r}")
            factor = _pair(ctx, f"{akey}.factor", a.get("factor"))
            if factor[0] < 0:
                raise ctx.fail(f"{akey}.factor", "factors must be >= 0")
            per_s = per_c = None
            per = a.get("per")
            if per is not None:
                if per in SERIES:
                    per_s = per
                else:
                    per_c = _resolve_constant(ctx, f"{akey}.per", per, model)
            anchor = Anchor(s, factor, per_s, per_c)
        if bounds is None and anchor is None:
            raise ctx.fail(key, "give 'bounds' and/or 'anchor'")
        integer = spec.get("integer", False)
        if not isinstance(integer, bool):
            raise ctx.fail(f"{key}.integer", f"must be true or false, got {integer!r}")
        reason = spec.get("bound_reason")
        if reason is not None and (not isinstance(reason, str) or not reason.strip()):
            raise ctx.fail(f"{key}.bound_reason", "must be a non-empty text")
        lit = spec.get("literature")
        if lit is not None:
            lit = _number(ctx, f"{key}.literature", lit)
            if not const.minimum <= lit <= const.maximum:
                raise ctx.fail(f"{key}.literature", f"{lit:g} is outside the model range "
                                                    f"{const.range_text()}")
        src = spec.get("source")
        if src is not None and (not isinstance(src, str) or not src.strip()):
            raise ctx.fail(f"{key}.source", "must be a non-empty text")
        if lit is not None and src is None:
            raise ctx.fail(f"{key}.source", "a literature value needs its source")
        params.append(ParameterSpec(vname, bounds, anchor, integer, key,
                                    reason.strip() if reason else None, lit,
                                    src.strip() if src else None))
    if not params:
        raise ctx.fail(pkey_base, "no parameters to estimate")

    # ---- initial land shares: must not exceed 1 for any value inside the bounds
    share_max = 0.0
    anchored = []
    for share in LAND_SHARES:
        p = next((q for q in params if q.name == share), None)
        if p is None:
            share_max += fixed[share].value if share in fixed else model.constants[share].default
        elif p.bounds is not None:
            share_max += p.bounds[1]
        else:
            anchored.append(p)
    if not anchored and share_max > 1 + 1e-12:
        raise ctx.fail(pkey_base, f"the upper bounds of the initial land shares ({', '.join(LAND_SHARES)}) "
                                  f"add up to {share_max:.4f} > 1; lower them so that every parameter set "
                                  "inside the bounds is a valid land partition")

    # ---- region-specific constants
    rs = raw.get("region_specific", [])
    if not isinstance(rs, list):
        raise ctx.fail("region_specific", "must be a list of constant names")
    region_specific = [_resolve_constant(ctx, f"region_specific[{i}]", n, model)
                       for i, n in enumerate(rs)]
    # ---- constants set from the region's own data (value of a series at INITIAL TIME)
    from_data = _series_of_constants(ctx, raw, block, prefix, "from_data", model,
                                     set(fixed) | {p.name for p in params})
    optional_inputs: set[str] = set()
    data_inputs = _series_of_constants(ctx, raw, block, prefix, "data_inputs", model,
                                       set(fixed) | {p.name for p in params} | set(from_data),
                                       optional_inputs)
    if target_region != home:
        estimated = {p.name for p in params}
        if ("total land area" not in fixed and "total land area" not in estimated
                and "total land area" not in from_data):
            # the model default is the home region's area: take the region's own land area
            from_data["total land area"] = "land_area"

    # ---- acceptance
    acc_map = _mapping(ctx, "acceptance", raw.get("acceptance"))
    if block and "acceptance" in block:
        acc_map = _merge(acc_map, _mapping(ctx, prefix + "acceptance", block["acceptance"]))
    acceptance = {}
    for name, v in acc_map.items():
        if name not in SERIES:
            raise ctx.fail(f"acceptance.{name}", f"unknown history variable {name!r}")
        acceptance[name] = _number(ctx, f"acceptance.{name}", v, positive=True)

    # ---- optimizer and thresholds
    opt = _mapping(ctx, "optimizer", raw.get("optimizer"))
    _check_keys(ctx, "optimizer", opt, tuple(OptimizerSettings.__dataclass_fields__))
    d = OptimizerSettings()
    optimizer = OptimizerSettings(
        seed=_integer(ctx, "optimizer.seed", opt.get("seed", d.seed), minimum=0),
        popsize=_integer(ctx, "optimizer.popsize", opt.get("popsize", d.popsize), minimum=2),
        maxiter=_integer(ctx, "optimizer.maxiter", opt.get("maxiter", d.maxiter), minimum=0),
        tol=_number(ctx, "optimizer.tol", opt.get("tol", d.tol), minimum=0),
        atol=_number(ctx, "optimizer.atol", opt.get("atol", d.atol), minimum=0),
        mutation=_pair(ctx, "optimizer.mutation", opt.get("mutation", list(d.mutation))),
        recombination=_number(ctx, "optimizer.recombination",
                              opt.get("recombination", d.recombination), minimum=0),
        polish=bool(opt.get("polish", d.polish)),
        polish_max_nfev=_integer(ctx, "optimizer.polish_max_nfev",
                                 opt.get("polish_max_nfev", d.polish_max_nfev), minimum=1),
        jac_step=_number(ctx, "optimizer.jac_step", opt.get("jac_step", d.jac_step), positive=True),
    )
    if optimizer.mutation[0] < 0 or optimizer.mutation[1] > 2:
        raise ctx.fail("optimizer.mutation", "must lie in [0, 2]")
    if optimizer.recombination > 1:
        raise ctx.fail("optimizer.recombination", "must lie in [0, 1]")
    th = _mapping(ctx, "thresholds", raw.get("thresholds"))
    _check_keys(ctx, "thresholds", th, ("rel_se", "correlation", "bound_tol"))
    dt = Thresholds()
    thresholds = Thresholds(
        rel_se=_number(ctx, "thresholds.rel_se", th.get("rel_se", dt.rel_se), positive=True),
        correlation=_number(ctx, "thresholds.correlation", th.get("correlation", dt.correlation),
                            positive=True),
        bound_tol=_number(ctx, "thresholds.bound_tol", th.get("bound_tol", dt.bound_tol),
                          minimum=0),
    )

    ident = _mapping(ctx, "identification", raw.get("identification"))
    _check_keys(ctx, "identification", ident, tuple(IdentificationSettings.__dataclass_fields__))
    di = IdentificationSettings()
    for flag in ("eliminate", "final_global", "fix_at_bounds", "one_at_a_time"):
        if not isinstance(ident.get(flag, True), bool):
            raise ctx.fail(f"identification.{flag}", f"must be true or false, got {ident[flag]!r}")
    identification = IdentificationSettings(
        eliminate=ident.get("eliminate", di.eliminate),
        max_rounds=_integer(ctx, "identification.max_rounds",
                            ident.get("max_rounds", di.max_rounds), minimum=0),
        final_global=ident.get("final_global", di.final_global),
        fix_at_bounds=ident.get("fix_at_bounds", di.fix_at_bounds),
        round_generations=_integer(ctx, "identification.round_generations",
                                   ident.get("round_generations", di.round_generations),
                                   minimum=0),
        se_limit=_number(ctx, "identification.se_limit", ident.get("se_limit", di.se_limit), positive=True),
        one_at_a_time=ident.get("one_at_a_time", di.one_at_a_time),
        first_generations=(None if ident.get("first_generations") is None else
                           _integer(ctx, "identification.first_generations", ident["first_generations"], minimum=0)),
        max_objective_increase=(None if ident.get("max_objective_increase") is None else
                                _number(ctx, "identification.max_objective_increase",
                                        ident["max_objective_increase"], positive=True)),
    )

    # ---- outputs
    bl = raw.get("baseline", "../scenarios/baseline.yaml")
    if not isinstance(bl, str):
        raise ctx.fail("baseline", "must be a path")
    home_baseline = Path(os.path.normpath(base_dir / bl))
    baseline_path = home_baseline if target_region == home else \
        home_baseline.with_name(f"baseline_{target_region}.yaml")
    rd = raw.get("report_dir", "reports/{region}")
    if not isinstance(rd, str):
        raise ctx.fail("report_dir", "must be a path")
    report_name = rd.replace("{region}", target_region)
    report_dir = Path(os.path.normpath(base_dir / report_name))
    if fit_until is not None:
        report_dir = report_dir.with_name(f"{report_dir.name}_until{fit_until}")

    default_name = {"en": f"Calibrated baseline ({target_region})",
                    "zh": f"校准基准情景（{target_region}）"}
    default_desc = {"en": f"Model constants calibrated to the history of {target_region}.",
                    "zh": f"依据{target_region}历史数据校准的模型常数。"}
    nm, nkey = pick("name")
    ds, dkey2 = pick("description")
    if target_region != home:  # the home region's texts do not describe another region
        nm = block.get("name")
        ds = block.get("description")

    return CalibrationConfig(
        path=path,
        region=target_region,
        home_region=home,
        data=data_files,
        window_start=start,
        window_end=end,
        evaluation_start=evaluation_start,
        series=targets,
        parameters=params,
        fixed=fixed,
        region_specific=region_specific,
        acceptance=acceptance,
        optimizer=optimizer,
        thresholds=thresholds,
        baseline_path=baseline_path,
        report_dir=report_dir,
        name=_texts(ctx, nkey, nm, default_name),
        description=_texts(ctx, dkey2, ds, default_desc),
        fit_until=fit_until,
        identification=identification,
        from_data=from_data,
        data_inputs=data_inputs,
        optional_data_inputs=optional_inputs,
        raw=copy.deepcopy(raw),
    )


__all__ = [
    "Anchor",
    "CalibrationConfig",
    "ConfigError",
    "DataFile",
    "FixedValue",
    "IdentificationSettings",
    "OptimizerSettings",
    "ParameterSpec",
    "SeriesTarget",
    "Thresholds",
    "load_config",
    "read_yaml",
]
