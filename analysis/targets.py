"""Targets: one :class:`Target` type for every part of the product (目标与指标评估).

A target is ``metric op threshold`` with a metric of the one grammar
(:mod:`analysis.metrics`): ``tp3<=2030``, ``neutrality<=2060``,
``min(Cropland)[2021:]>=12433``, ``forest coverage@2025>=24.1``,
``reduction(co2 per unit GDP)[2005:2030]>=0.65``. The same object is evaluated

* on one run with pass/fail, margin and a reason in English or Chinese
  (:func:`evaluate_targets`, the app and the CLI), and
* on N runs at once (:meth:`Target.assess` on :class:`analysis.metrics.MetricTable`
  columns: sensitivity, policy analysis, ensembles).

Not-identified turning points follow the one censoring rule: a point at or before
the window start ``b`` (direction −1) meets ``<= d`` when ``b <= d``; a maximum still
rising at the horizon end ``b`` (direction +1) fails ``<= d`` when ``b > d``, a
threshold event still failing there when ``b >= d``; otherwise the target cannot be
decided (``passed`` None, NaN in :meth:`Target.assess`). The margin ``d − b`` is then a
bound (lower resp. upper).

Targets are data: ``analysis/targets.yaml`` holds the national (China) set and
region-specific changes; a separate region file can be loaded on top; policy
analysis reads plain lists of targets (``{targets: [...]}``) or texts. Every error
names the file and the key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import numpy as np
import pandas as pd
import yaml

from analysis.metrics import Metric, MetricError, arrays_of_frame, evaluate_metrics
from analysis.turning_points import TurningPoint, TurningPointTable, turning_points_from_results
from analysis.turning_points.definitions import SUSTAINED_KEYS
from analysis.turning_points.inputs import MODEL_INPUTS, py_name

__all__ = [
    "DEFAULT_TARGETS_PATH", "RESULT_COLUMNS", "Target", "TargetSet", "TargetsConfigError",
    "load_targets", "targets_from_dict", "evaluate_targets", "turning_points_from_results",
]

#: The YAML file with the national default set and region-specific changes.
DEFAULT_TARGETS_PATH: Path = Path(__file__).with_name("targets.yaml")

#: Columns of the DataFrame returned by :func:`evaluate_targets`.
RESULT_COLUMNS: tuple[str, ...] = (
    "key", "name_en", "name_zh", "target", "value", "unit", "passed", "margin", "reason",
)
_OPS = ("<=", ">=")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELDS = ("key", "metric", "op", "threshold", "name_en", "name_zh", "source", "unit", "note", "enabled",
           "year", "from", "to", "base_value")
_STRICT_REQUIRED = ("key", "metric", "op", "threshold", "name_en", "name_zh", "source")


class TargetsConfigError(MetricError):
    """Invalid targets configuration; the message names the file and the key."""


def _fy(t: float | None) -> str:
    if t is None:
        return "?"
    r = round(t)
    return str(int(r)) if abs(t - r) < 1e-6 else f"{t:.6g}"


def _fv(v: float | None) -> str:
    return "?" if v is None else f"{v:.6g}"


@dataclass(frozen=True)
class Target:
    """``metric op threshold``; a positive margin means met with room (metric's unit).

    Attributes:
        key: identifier (lower-case letters, digits, underscores).
        metric: the :class:`analysis.metrics.Metric`.
        op: ``"<="`` or ``">="``.
        threshold: threshold in the metric's unit (a year for turning points).
        name_en, name_zh: display names (default: metric and threshold).
        source: where the target comes from (document, year).
        unit: unit shown with values (default: the metric's unit).
        note: remarks.
        enabled: disabled targets are dropped when loading.
    """

    key: str
    metric: Metric
    op: str
    threshold: float
    name_en: str = ""
    name_zh: str = ""
    source: str = ""
    unit: str = ""
    note: str = ""
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise TargetsConfigError(f"target '{self.key}': operator must be one of {_OPS}, got {self.op!r}")
        if isinstance(self.threshold, bool) or not math.isfinite(self.threshold):
            raise TargetsConfigError(f"target '{self.key}': threshold must be a finite number")

    @property
    def text(self) -> str:
        """Grammar text, e.g. ``tp3<=2030``."""
        return f"{self.metric.label}{self.op}{self.threshold:g}"

    def describe(self) -> str:
        """Short requirement, e.g. ``tp3 <= 2030 year``."""
        return f"{self.metric.text} {self.op} {self.threshold:g} {self.unit}".strip()

    def name(self, lang: str = "en") -> str:
        """Display name; default ``<metric display> <op> <threshold>``."""
        auto = f"{self.metric.display(lang)} {self.op} {self.threshold:g}"
        return (self.name_zh or auto) if lang == "zh" else (self.name_en or auto)

    def margin(self, values: np.ndarray | float) -> np.ndarray:
        """value − threshold for ``>=``, threshold − value for ``<=`` (NaN stays NaN)."""
        v = np.asarray(values, dtype=float)
        return v - self.threshold if self.op == ">=" else self.threshold - v

    def assess(self, values: np.ndarray | float, direction: np.ndarray | int | None = None,
               step: float = 1.0) -> np.ndarray:
        """1.0 met, 0.0 not met, NaN undecided, per run (see the module docstring).

        ``direction`` is the censoring direction of each value (−1: at or before the
        window start ``b = value + step``; +1: after the horizon end ``b = value − step``,
        i.e. a maximum still rising at ``b`` (true year >= b) or a threshold event still
        failing at ``b`` (true year > b); 0 exact); ``step`` the censoring step.
        """
        v = np.atleast_1d(np.asarray(values, dtype=float))
        d = np.zeros(v.shape, np.int8) if direction is None else np.broadcast_to(np.asarray(direction), v.shape)
        tol = 1e-12 * max(1.0, abs(self.threshold))
        strict = self.metric.kind == "turning_point" and self.metric.name in SUSTAINED_KEYS
        thr = self.threshold
        with np.errstate(invalid="ignore"):
            exact = np.where(self.margin(v) >= -tol, 1.0, 0.0)
            b_before, b_after = v + step, v - step
            if self.op == "<=":
                before = np.where(b_before <= thr + tol, 1.0, np.nan)
                late = (b_after > thr + tol) | (strict & (b_after >= thr - tol))
                after = np.where(late, 0.0, np.nan)
            else:
                before = np.where(b_before < thr - tol, 0.0, np.nan)
                after = np.where(b_after >= thr - tol, 1.0, np.nan)
        out = np.where(d == -1, before, np.where(d == 1, after, exact))
        return np.where(np.isnan(v), np.nan, out)

    def met(self, values: np.ndarray | float, direction: np.ndarray | int | None = None,
            step: float = 1.0) -> np.ndarray:
        """Boolean: target met (undecided and NaN → False)."""
        return np.nan_to_num(self.assess(values, direction, step), nan=0.0) == 1.0

    @classmethod
    def parse(cls, text: str, key: str | None = None) -> "Target":
        """``"tp3<=2030"``, ``"forest coverage@2035>=26"``, ``"cum_net[2020:2060]<=2e5"``."""
        m = re.fullmatch(r"\s*(.+?)\s*(<=|>=)\s*([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*", str(text))
        if not m:
            raise TargetsConfigError(f"target '{text}' must look like METRIC<=VALUE or METRIC>=VALUE")
        metric = Metric.parse(m.group(1))
        k = key or _auto_key(f"{metric.label}_{'le' if m.group(2) == '<=' else 'ge'}_{m.group(3)}")
        return cls(key=k, metric=metric, op=m.group(2), threshold=float(m.group(3)), unit=metric.unit())

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "targets", strict: bool = False) -> "Target":
        """A target from a mapping (fields of :data:`_FIELDS`); ``strict`` requires
        key, names and source (the national file)."""
        unknown = sorted(set(d) - set(_FIELDS))
        if unknown:
            raise TargetsConfigError(f"{where}: unknown field(s) {unknown}; allowed: {sorted(_FIELDS)}")
        required = _STRICT_REQUIRED if strict else ("metric", "op", "threshold")
        missing = [f for f in required if f not in d]
        if missing:
            raise TargetsConfigError(f"{where}: missing field(s) {missing}")
        for f in ("name_en", "name_zh", "source", "unit", "note"):
            if f in d and not isinstance(d[f], str) or (f in d and strict and f != "note" and not d[f].strip()):
                raise TargetsConfigError(f"{where}: field '{f}' must be a non-empty string, got {d.get(f)!r}")
        if "key" in d and not (isinstance(d["key"], str) and _KEY_RE.match(d["key"])):
            raise TargetsConfigError(f"{where}: field 'key' must be an identifier (lower-case letters, digits, "
                                     f"'_'), got {d['key']!r}")
        if "enabled" in d and not isinstance(d["enabled"], bool):
            raise TargetsConfigError(f"{where}: field 'enabled' must be true or false, got {d['enabled']!r}")
        if d["op"] not in _OPS:
            raise TargetsConfigError(f"{where}: field 'op' must be '>=' or '<=', got {d['op']!r}")
        for f in ("threshold", "year", "from", "to", "base_value"):
            v = d.get(f)
            if f in d and v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))
                                               or not math.isfinite(v)):
                raise TargetsConfigError(f"{where}: field '{f}' must be a number, got {v!r}")
        try:
            metric = Metric.parse(str(d["metric"]), year=d.get("year"))
            if ("from" in d or "to" in d) and metric.kind in ("cumulative", "extreme", "reduction"):
                metric = replace(metric, start=_num(d.get("from", metric.start)), end=_num(d.get("to", metric.end)))
            if d.get("base_value") is not None:
                metric = replace(metric, base_value=float(d["base_value"]))
            unit = str(d.get("unit") or metric.unit())
        except MetricError as exc:
            raise TargetsConfigError(f"{where}: field 'metric': {exc}") from None
        key = str(d.get("key") or _auto_key(metric.label))
        return cls(key=key, metric=metric, op=str(d["op"]), threshold=float(d["threshold"]),
                   name_en=str(d.get("name_en", "")).strip(), name_zh=str(d.get("name_zh", "")).strip(),
                   source=str(d.get("source", "")).strip(), unit=unit, note=str(d.get("note", "")).strip(),
                   enabled=bool(d.get("enabled", True)))

    def as_dict(self) -> dict[str, Any]:
        """Fields as a mapping accepted by :meth:`from_dict`."""
        out = {"key": self.key, "metric": self.metric.text, "op": self.op, "threshold": self.threshold,
               "name_en": self.name_en, "name_zh": self.name_zh, "source": self.source, "unit": self.unit,
               "note": self.note, "enabled": self.enabled}
        if self.metric.base_value is not None:
            out["base_value"] = self.metric.base_value
        return out


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def _auto_key(text: str) -> str:
    key = re.sub(r"\W+", "_", text.lower()).strip("_")
    return key if _KEY_RE.match(key) else f"t_{key}"


class TargetSet(SequenceABC):
    """An ordered set of enabled targets for one region (a sequence of :class:`Target`;
    ``set[i]`` by position, ``set['key']`` by key)."""

    def __init__(self, region: str, targets: Iterable[Target], files: Iterable[str] = ()) -> None:
        self.region = region
        self.targets = tuple(targets)
        self.files = tuple(files)

    def __iter__(self) -> Iterator[Target]:
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, key):  # type: ignore[override]
        if isinstance(key, (int, slice)):
            return self.targets[key]
        for t in self.targets:
            if t.key == key:
                return t
        raise KeyError(f"no target {key!r} for region {self.region!r}")

    def keys(self) -> list[str]:
        """Target keys in order."""
        return [t.key for t in self.targets]


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def _where(section: str, i: int, key: str | None = None) -> str:
    return f"{section}.targets[{i}]" + (f" (key '{key}')" if key else "")


def _entries(file: str, section: str, raw: Any) -> list[Mapping[str, Any]]:
    if not isinstance(raw, list):
        raise TargetsConfigError(f"{file}: {section}.targets must be a list of mappings, got {type(raw).__name__}")
    seen: set[str] = set()
    for i, e in enumerate(raw):
        if not isinstance(e, Mapping):
            raise TargetsConfigError(f"{file}: {_where(section, i)} must be a mapping, got {type(e).__name__}")
        if "key" not in e:
            raise TargetsConfigError(f"{file}: {_where(section, i)}: missing field 'key'")
        if not (isinstance(e["key"], str) and _KEY_RE.match(e["key"])):
            raise TargetsConfigError(f"{file}: {_where(section, i)}: field 'key' must be an identifier "
                                     f"(lower-case letters, digits, '_'), got {e['key']!r}")
        if e["key"] in seen:
            raise TargetsConfigError(f"{file}: {_where(section, i)}: duplicate key '{e['key']}'")
        seen.add(e["key"])
    return list(raw)


def _build(file: str, where: str, entry: Mapping[str, Any]) -> Target:
    try:
        return Target.from_dict(entry, f"{file}: {where}", strict=True)
    except TargetsConfigError:
        raise
    except MetricError as exc:  # pragma: no cover - from_dict wraps metric errors
        raise TargetsConfigError(f"{file}: {where}: {exc}") from None


def _merge(file: str, section: str, base: list[Target], raw: list[Mapping[str, Any]]) -> list[Target]:
    """Apply overrides: a known key changes only the fields given (``enabled: false``
    removes it); a new key must be complete."""
    by_key = {t.key: t for t in base}
    order = [t.key for t in base]
    for i, e in enumerate(raw):
        w = _where(section, i, e["key"])
        if e["key"] in by_key:
            merged = {**by_key[e["key"]].as_dict(), **e}
            if any(f in e for f in ("year", "from", "to")) and "metric" not in e:
                raise TargetsConfigError(f"{file}: {w}: to change the years give the whole 'metric'")
            by_key[e["key"]] = _build(file, w, merged)
        else:
            if set(e) - {"key"} == {"enabled"} and e["enabled"] is False:
                raise TargetsConfigError(f"{file}: {w}: cannot disable unknown target '{e['key']}'")
            by_key[e["key"]] = _build(file, w, e)
            order.append(e["key"])
    return [by_key[k] for k in order]


def _check_mapping(file: str, where: str, raw: Any, allowed: set[str], required: set[str]) -> None:
    if not isinstance(raw, Mapping):
        raise TargetsConfigError(f"{file}: {where} must be a mapping, got {type(raw).__name__}")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise TargetsConfigError(f"{file}: {where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    missing = sorted(required - set(raw))
    if missing:
        raise TargetsConfigError(f"{file}: {where}: missing key(s) {missing}")
    for k in ("description_en", "description_zh"):
        if k in raw and not isinstance(raw[k], str):
            raise TargetsConfigError(f"{file}: {where}.{k} must be a string")
    if "replace_default" in raw and not isinstance(raw["replace_default"], bool):
        raise TargetsConfigError(f"{file}: {where}.replace_default must be true or false")


_REGION_KEYS = {"description_en", "description_zh", "replace_default", "targets"}


def _resolve(data: Any, region: str | None, file: str) -> list[Target]:
    """Validate the whole national configuration; the targets of ``region`` incl. disabled."""
    _check_mapping(file, "top level", data, {"version", "default", "regions"}, {"version", "default"})
    if data["version"] != 2:
        raise TargetsConfigError(f"{file}: top level: 'version' must be 2, got {data['version']!r}")
    _check_mapping(file, "default", data["default"], {"description_en", "description_zh", "targets"}, {"targets"})
    entries = _entries(file, "default", data["default"]["targets"])
    base = [_build(file, _where("default", i, e["key"]), e) for i, e in enumerate(entries)]
    regions = data.get("regions") or {}
    if not isinstance(regions, Mapping):
        raise TargetsConfigError(f"{file}: 'regions' must be a mapping of region name to settings")
    resolved: dict[str, list[Target]] = {}
    for name, spec in regions.items():  # validate every region, not only the one asked for
        sec = f"regions.{name}"
        _check_mapping(file, sec, spec, _REGION_KEYS, {"targets"})
        resolved[name] = _merge(file, sec, [] if spec.get("replace_default") else base,
                                _entries(file, sec, spec["targets"]))
    if region is None:
        return base
    if region not in resolved:
        raise TargetsConfigError(f"{file}: region '{region}' not found under 'regions'; known: {sorted(resolved)}")
    return resolved[region]


def targets_from_dict(data: Mapping[str, Any], region: str | None = None, file: str = "<dict>") -> TargetSet:
    """Validate a parsed national configuration (``analysis/targets.yaml`` structure)
    and return the enabled set for ``region``."""
    chosen = _resolve(data, region, file)
    return TargetSet(region or "default", (t for t in chosen if t.enabled), (file,))


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TargetsConfigError(f"{path}: file not found") from None
    except OSError as exc:
        raise TargetsConfigError(f"{path}: cannot read targets ({exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TargetsConfigError(f"{path}: invalid YAML: {exc}") from None


def _plain(raw: Any, where: str) -> list[Target]:
    """Targets of a plain list (texts, mappings or Targets)."""
    if isinstance(raw, Mapping):
        raw = raw.get("targets", [])
    out: list[Target] = []
    for i, item in enumerate(raw or []):
        if isinstance(item, Target):
            out.append(item)
        elif isinstance(item, str):
            out.append(Target.parse(item))
        elif isinstance(item, Mapping):
            out.append(Target.from_dict(item, f"{where}[{i}]"))
        else:
            raise TargetsConfigError(f"{where}[{i}]: expected a mapping or a string, got {type(item).__name__}")
    if not out:
        raise TargetsConfigError(f"{where}: no targets given")
    keys = [t.key for t in out]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise TargetsConfigError(f"{where}: duplicate target keys {dup}")
    return out


def load_targets(
    source: str | Path | Iterable[Any] | Mapping[str, Any] = DEFAULT_TARGETS_PATH,
    region: str | None = None,
    region_file: str | Path | None = None,
) -> TargetSet:
    """Load and validate targets.

    Args:
        source: the national YAML (default ``analysis/targets.yaml``, with ``version``,
            ``default`` and ``regions``); or a plain target file / mapping
            (``{targets: [...]}``), a list of mappings, texts or :class:`Target`, or
            one text such as ``"tp3<=2030"``.
        region: region under ``regions:`` of the national file (None = national set).
        region_file: a region YAML (``region``, optional ``description_en/zh``,
            ``replace_default``, ``targets``) applied on top: its entries override
            targets by key, ``enabled: false`` removes one, new keys must be complete.

    Raises:
        TargetsConfigError: with the file name and key at fault.
    """
    where = "targets"
    raw: Any = source
    if isinstance(source, (str, Path)):
        p = Path(source)
        if p.suffix.lower() not in (".yaml", ".yml") and not p.exists():
            return TargetSet("custom", [Target.parse(str(source))])
        where, raw = str(p), _read_yaml(p)
    national = isinstance(raw, Mapping) and "version" in raw
    if not national:
        if region is not None or region_file is not None:
            raise TargetsConfigError(f"{where}: region and region_file need the national target file")
        return TargetSet("custom", _plain(raw, where), (where,))
    all_targets = _resolve(raw, region, where)
    files, name = [where], region or "default"
    if region_file is not None:
        rpath = Path(region_file)
        rdata, rfile = _read_yaml(rpath), str(rpath)
        _check_mapping(rfile, "top level", rdata, _REGION_KEYS | {"region"}, {"region", "targets"})
        if not (isinstance(rdata["region"], str) and rdata["region"].strip()):
            raise TargetsConfigError(f"{rfile}: top level: 'region' must be a non-empty string")
        name = rdata["region"]
        start = [] if rdata.get("replace_default") else all_targets
        all_targets = _merge(rfile, "region file", start, _entries(rfile, "region file", rdata["targets"]))
        files.append(rfile)
    return TargetSet(name, (t for t in all_targets if t.enabled), files)


# --------------------------------------------------------------------------------------
# Evaluation of one run, with reasons
# --------------------------------------------------------------------------------------


def _row(t: Target, value: float | None, passed: bool | None, margin: float | None,
         reason: tuple[str, str], lang: str) -> dict[str, Any]:
    return {"key": t.key, "name_en": t.name_en or t.name("en"), "name_zh": t.name_zh or t.name("zh"),
            "target": t.describe(), "value": np.nan if value is None else float(value), "unit": t.unit,
            "passed": passed, "margin": np.nan if margin is None else float(margin),
            "reason": reason[1] if lang == "zh" else reason[0]}


def _decision(x: float) -> bool | None:
    return None if math.isnan(x) else bool(x == 1.0)


def _eval_turning_point(t: Target, tps: TurningPointTable | Mapping[str, TurningPoint], step: float, lang: str):
    m = t.metric
    try:
        p = tps.hist[m.name] if (m.window == "hist" and isinstance(tps, TurningPointTable)) else tps[m.name]
    except KeyError:
        return _row(t, None, None, None, (f"turning point '{m.name}' not in the table",
                                         f"拐点表中没有“{m.name}”"), lang)
    if p.reached:
        ok = _decision(t.assess(p.year)[0])
        en, zh = f"{p.name_en} in {_fy(p.year)}", f"{p.name_zh}：{_fy(p.year)}"
        if p.reason_en:
            en, zh = f"{en} ({p.reason_en})", f"{zh}（{p.reason_zh}）"
        return _row(t, p.year, ok, float(t.margin(p.year)), (en, zh), lang)
    b = p.bound_year
    if p.status == "before_start" and b is not None:
        ok = _decision(t.assess(b - step, -1, step)[0])
        if ok is not None:
            return _row(t, None, ok, float(t.margin(b)), (
                f"at or before the start of the window ({_fy(b)}); margin is a bound. {p.reason_en}",
                f"在窗口起点（{_fy(b)}）或之前；裕度为界限值。{p.reason_zh}"), lang)
        return _row(t, None, None, None, (f"at or before {_fy(b)}, which does not decide the target. {p.reason_en}",
                                         f"在 {_fy(b)} 或之前，无法判断。{p.reason_zh}"), lang)
    if p.status in ("not_yet", "not_sustained") and b is not None:
        ok = _decision(t.assess(b + step, 1, step)[0])
        if ok is not None:
            return _row(t, None, ok, float(t.margin(b)), (
                f"not reached by {_fy(b)} (end of horizon); margin is a bound. {p.reason_en}",
                f"至 {_fy(b)}（研究期末）仍未达到；裕度为界限值。{p.reason_zh}"), lang)
        return _row(t, None, None, None, (
            f"horizon ends ({_fy(b)}) before the deadline and the turning point is not reached yet. {p.reason_en}",
            f"研究期（至 {_fy(b)}）早于期限结束，拐点尚未出现。{p.reason_zh}"), lang)
    return _row(t, None, None, None, (f"not evaluable: {p.reason_en}", f"无法评估：{p.reason_zh}"), lang)


def _eval_series(t: Target, times: np.ndarray, arrays: Mapping[str, np.ndarray], lang: str):
    m = t.metric
    if m.name not in arrays:
        return _row(t, None, None, None, (f"column '{m.name}' not in results", f"结果中没有“{m.name}”列"), lang)
    x = arrays[m.name][0]
    ok = np.isfinite(x)
    tt, xx = times[ok], x[ok]
    lo, hi = (f"{_fy(tt[0])}–{_fy(tt[-1])}" if tt.size else "empty"), None
    if m.kind == "level":
        if not tt.size or not tt[0] - 1e-9 <= m.year <= tt[-1] + 1e-9:
            return _row(t, None, None, None, (f"year {_fy(m.year)} outside the results ({lo})",
                                             f"{_fy(m.year)} 年不在结果时间范围内（{lo}）"), lang)
        v = float(np.interp(m.year, tt, xx))
        return _row(t, v, _decision(t.assess(v)[0]), float(t.margin(v)), (
            f"{_fv(v)} {t.unit} in {_fy(m.year)}", f"{_fy(m.year)} 年为 {_fv(v)} {t.unit}"), lang)
    if m.kind == "extreme":
        sel = np.ones(tt.shape, bool)
        if m.start is not None:
            sel &= tt >= m.start - 1e-9
        if m.end is not None:
            sel &= tt <= m.end + 1e-9
        ts, xs = tt[sel], xx[sel]
        if not ts.size:
            return _row(t, None, None, None, ("no results in the span", "该时段内没有结果"), lang)
        i = int(np.argmax(xs) if m.stat == "max" else np.argmin(xs))
        v, span = float(xs[i]), f"{_fy(ts[0])}–{_fy(ts[-1])}"
        passed = _decision(t.assess(v)[0])
        if passed:
            return _row(t, v, True, float(t.margin(v)), (f"worst {_fv(v)} {t.unit} in {_fy(ts[i])} ({span})",
                                                         f"{span} 最不利值 {_fv(v)} {t.unit}（{_fy(ts[i])}）"), lang)
        first = ts[np.flatnonzero(t.assess(xs) == 0.0)[0]]
        return _row(t, v, False, float(t.margin(v)), (
            f"violated first in {_fy(first)}; worst {_fv(v)} {t.unit} in {_fy(ts[i])} ({span})",
            f"{_fy(first)} 首次不满足；最不利值 {_fv(v)} {t.unit}（{_fy(ts[i])}，{span}）"), lang)
    if m.kind == "reduction":
        note = ("", "")
        inside = lambda y: tt.size and tt[0] - 1e-9 <= y <= tt[-1] + 1e-9  # noqa: E731
        if inside(m.start):
            base = float(np.interp(m.start, tt, xx))
        elif m.base_value is not None:
            base, note = float(m.base_value), (" (configured base_value)", "（采用配置的基准值）")
        else:
            return _row(t, None, None, None, (
                f"base year {_fy(m.start)} outside the results and no base_value configured",
                f"基准年 {_fy(m.start)} 不在结果范围内，且未配置 base_value"), lang)
        if not inside(m.end):
            return _row(t, None, None, None, (f"year {_fy(m.end)} outside the results",
                                             f"{_fy(m.end)} 年不在结果时间范围内"), lang)
        if not base > 0:
            return _row(t, None, None, None, (f"base value {_fv(base)} is not positive", f"基准值 {_fv(base)} 不为正"),
                        lang)
        v = float(np.interp(m.end, tt, xx))
        red = 1.0 - v / base
        return _row(t, red, _decision(t.assess(red)[0]), float(t.margin(red)), (
            f"{_fy(m.start)}: {_fv(base)}{note[0]}, {_fy(m.end)}: {_fv(v)} -> reduction {100 * red:.1f} %",
            f"{_fy(m.start)} 年 {_fv(base)}{note[1]}，{_fy(m.end)} 年 {_fv(v)}，下降 {100 * red:.1f}%"), lang)
    try:  # cumulative: the grammar's own evaluation
        table = evaluate_metrics(arrays, times, [m])
    except MetricError as exc:
        return _row(t, None, None, None, (str(exc), str(exc)), lang)
    v = float(table.values.iloc[0, 0])
    return _row(t, v, _decision(t.assess(v)[0]), float(t.margin(v)), (
        f"{_fv(v)} {t.unit} ({m.display('en')})", f"{m.display('zh')}：{_fv(v)} {t.unit}"), lang)


def evaluate_targets(
    results_df: pd.DataFrame,
    turning_points: TurningPointTable | Mapping[str, TurningPoint] | None = None,
    targets: TargetSet | Iterable[Target] | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Evaluate targets on one run.

    Args:
        results_df: model output indexed by year (float, possibly sub-annual); Vensim
            or python column names.
        turning_points: the turning-point table of the same run; None computes it from
            ``results_df`` when a turning-point target needs it.
        targets: a :class:`TargetSet` or iterable of :class:`Target`; None loads the
            national default set.
        lang: language of the ``reason`` column ('en' or 'zh').

    Returns:
        DataFrame with columns :data:`RESULT_COLUMNS`: ``passed`` True/False, or None
        when not decidable; ``margin`` positive = better than the target (years for
        turning points, the unit for levels, fraction for reductions), NaN when not
        evaluable.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    if not isinstance(results_df, pd.DataFrame):
        raise TypeError(f"results_df must be a pandas DataFrame, got {type(results_df).__name__}")
    try:
        times = np.asarray(results_df.index, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError("results_df must be indexed by year (numeric)") from exc
    order = np.argsort(times, kind="stable")
    results_df = results_df.iloc[order]
    targets = load_targets() if targets is None else targets
    targets = list(targets)
    for t in targets:
        if not isinstance(t, Target):
            raise TypeError(f"targets must contain Target objects, got {type(t).__name__}")
    names = list(dict.fromkeys(o for t in targets if t.metric.kind != "turning_point" for o in t.metric.outputs()))
    times, arrays = arrays_of_frame(results_df, names)
    step = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    has_e = py_name(MODEL_INPUTS["emissions"]) in {py_name(str(c)) for c in results_df.columns}
    tps = turning_points
    rows = []
    for t in targets:
        if t.metric.kind == "turning_point":
            if tps is None:
                if not has_e:
                    rows.append(_row(t, None, None, None, (
                        f"no turning points given and no '{MODEL_INPUTS['emissions']}' column",
                        f"未提供拐点表，且结果中没有“{MODEL_INPUTS['emissions']}”列"), lang))
                    continue
                tps = turning_points_from_results(results_df)
            rows.append(_eval_turning_point(t, tps, step, lang))
        else:
            rows.append(_eval_series(t, times, arrays, lang))
    df = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    df["passed"] = df["passed"].astype(object)
    df["value"] = df["value"].astype(float)
    df["margin"] = df["margin"].astype(float)
    return df
