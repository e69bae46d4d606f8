"""The one :class:`Target` type (``metric op threshold``) and ordered target sets."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence as SequenceABC
from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from analysis.metrics import Metric, MetricError
from analysis.turning_points.definitions import SUSTAINED_KEYS

__all__ = ["Target", "TargetSet", "TargetsConfigError"]

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
        """``"tp3<=2030"``, ``"official forest coverage@2035>=26"``, ``"cum_net[2020:2060]<=2e5"``."""
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


