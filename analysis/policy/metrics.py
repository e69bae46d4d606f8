"""Scalar metrics of runs and targets on them (指标与目标).

A :class:`Metric` reduces one run to a number:

``turning_point``  (``tp1`` … ``tp5``, ``tp2_intensity``, ``tp4_sink_peak``,
                   ``neutrality``) — the year of that turning point, computed by
                   :func:`analysis.turning_points.turning_points_batch` on all runs
                   at once (the vectorized companion of the single definition of
                   the turning points, :func:`analysis.turning_points.turning_points`,
                   with identical results; E = ``gross emissions``, S = ``land
                   carbon sink``, G = ``growth attributable emissions``,
                   L = ``total construction land``, energy = ``primary energy
                   consumption``, GDP = ``GDP``). Unit: year.
``level``          ``<variable>@<year>`` — the variable at that year (linear
                   interpolation between saved times), in the variable's model unit.
``cumulative``     ``cum:gross|net|sink@<from>-<to>`` — emissions accumulated from
                   ``from`` to ``to`` (Mt CO2), read from the model's own stocks
                   ``Cumulative Gross Emissions`` and ``Cumulative Net Emissions``
                   (sink = gross − net), i.e. the model's Euler integral, not a sum of
                   annual values.

Not-reached turning points (censoring)
--------------------------------------
A turning-point year is a step function of the levers and may not exist within the
horizon. To keep every run comparable (targets, Shapley sums, PRIM), the year is
*censored* and flagged:

* ``not_yet`` / ``not_sustained`` (not reached, or not kept, by the end of the
  horizon): **horizon end + 1 step** (2101 for the product model) — "after 2100";
* ``before_start`` (at or before the first time step): **horizon start − 1 step**
  (1989) — "before 1990";
* ``no_peak`` / ``too_short`` / ``no_input``: NaN (undefined).

A censored year is a bound, not a value: differences involving it are lower bounds
of the true shift in magnitude. ``MetricTable.censored`` marks these runs.

A :class:`Target` is (metric, operator, threshold): ``tp3<=2030``,
``neutrality<=2060``, ``cropland minus red line@2035>=0``,
``forest coverage@2035>=26``. With the censoring above, a turning point that is not
reached fails a ``<=`` deadline inside the horizon, and one at or before the start
passes it (as in :mod:`analysis.targets`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import yaml

from analysis import turning_points as tpmod
from models.model import MODEL_PATH, ModelInputError, load_model

from .evaluate import Simulation
from .levers import PolicyConfigError

__all__ = [
    "TP_KEYS",
    "TP_OUTPUTS",
    "CUMULATIVE_KINDS",
    "VARIABLE_NAMES_ZH",
    "Metric",
    "MetricTable",
    "Target",
    "censor_year",
    "turning_point_table",
    "evaluate_metrics",
    "load_targets",
    "targets_from_analysis",
]

TP_KEYS: tuple[str, ...] = tpmod.KEYS

#: Model outputs feeding :func:`analysis.turning_points.turning_points` (argument → variable).
TP_OUTPUTS: Mapping[str, str] = {
    "emissions": "gross emissions",
    "sink": "land carbon sink",
    "growth_emissions": "growth attributable emissions",
    "construction_land": "total construction land",
    "energy": "primary energy consumption",
    "gdp": "GDP",
}

#: Inputs of :func:`analysis.turning_points.turning_points` each key needs besides E.
_TP_NEEDS: Mapping[str, tuple[str, ...]] = {
    "tp1": (), "tp2": (), "tp3": (),
    "tp2_intensity": ("energy", "gdp"),
    "tp4": ("sink",), "tp4_sink_peak": ("sink",),
    "tp5": ("growth_emissions", "construction_land"),
    "neutrality": ("sink",),
}

#: cumulative kinds → (stocks added, stocks subtracted), Mt CO2.
CUMULATIVE_KINDS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "gross": (("Cumulative Gross Emissions",), ()),
    "net": (("Cumulative Net Emissions",), ()),
    "sink": (("Cumulative Gross Emissions",), ("Cumulative Net Emissions",)),
}
CUMULATIVE_NAMES = {
    "gross": ("Cumulative gross emissions", "累计碳排放总量"),
    "net": ("Cumulative net emissions", "累计净排放"),
    "sink": ("Cumulative land sink", "累计碳汇"),
}
_OPS = ("<=", ">=")

#: Chinese names of model variables commonly used in targets (others show the Vensim name).
VARIABLE_NAMES_ZH: Mapping[str, str] = {
    "gross emissions": "碳排放总量",
    "net emissions": "净排放",
    "land carbon sink": "国土碳汇",
    "carbon gap": "碳缺口",
    "forest coverage": "森林覆盖率",
    "Cropland": "耕地面积",
    "cropland minus red line": "耕地高于红线的面积",
    "total construction land": "建设用地面积",
    "construction land per capita": "人均建设用地",
    "urbanization rate": "城镇化率",
    "non fossil share of primary energy": "非化石能源占比",
    "co2 per unit GDP": "单位GDP二氧化碳排放",
    "CO2 per capita": "人均二氧化碳排放",
    "total forest area": "森林面积",
}


def _fmt_year(y: float) -> str:
    return f"{y:g}"


@dataclass(frozen=True)
class Metric:
    """A scalar metric of a run (see the module docstring).

    Attributes:
        kind: ``"turning_point"``, ``"level"`` or ``"cumulative"``.
        name: turning-point key, Vensim variable name, or ``gross``/``net``/``sink``.
        year: evaluation year of a level metric.
        start, end: years of a cumulative metric (inclusive bounds of the integral).
    """

    kind: str
    name: str
    year: float | None = None
    start: float | None = None
    end: float | None = None

    @property
    def label(self) -> str:
        """Canonical text form, e.g. ``tp3``, ``forest coverage@2035``, ``cum:net@2020-2060``."""
        if self.kind == "turning_point":
            return self.name
        if self.kind == "level":
            return f"{self.name}@{_fmt_year(self.year)}"
        return f"cum:{self.name}@{_fmt_year(self.start)}-{_fmt_year(self.end)}"

    def display(self, lang: str = "en") -> str:
        """Human-readable name in English or Chinese."""
        zh = lang == "zh"
        if self.kind == "turning_point":
            n = tpmod.NAMES[self.name]
            return f"{n['zh']}年份" if zh else f"{n['en']} year"
        if self.kind == "level":
            if zh:
                return f"{_fmt_year(self.year)}年{VARIABLE_NAMES_ZH.get(self.name, self.name)}"
            return f"{self.name} in {_fmt_year(self.year)}"
        en, zhn = CUMULATIVE_NAMES[self.name]
        span = f"{_fmt_year(self.start)}–{_fmt_year(self.end)}"
        return f"{zhn}（{span}）" if zh else f"{en} {span}"

    def unit(self, mdl_path: str | Path = MODEL_PATH) -> str:
        if self.kind == "turning_point":
            return "year"
        if self.kind == "cumulative":
            return "Mt CO2"
        return load_model(mdl_path).variables[self.name].units

    def outputs(self) -> list[str]:
        """Model variables this metric reads."""
        if self.kind == "turning_point":
            return [TP_OUTPUTS["emissions"], *(TP_OUTPUTS[a] for a in _TP_NEEDS[self.name])]
        if self.kind == "level":
            return [self.name]
        plus, minus = CUMULATIVE_KINDS[self.name]
        return [*plus, *minus]

    @classmethod
    def parse(cls, text: str | "Metric", year: float | None = None,
              mdl_path: str | Path = MODEL_PATH) -> "Metric":
        """Parse ``tp3``, ``forest coverage@2035`` (or ``text`` + ``year``), ``cum:net@2020-2060``."""
        if isinstance(text, Metric):
            return text
        raw = " ".join(str(text).split())
        low = raw.lower()
        if low in TP_KEYS:
            if year is not None:
                raise PolicyConfigError(f"metric '{raw}' is a turning point; it takes no year")
            return cls("turning_point", low)
        if low.startswith("cum:"):
            m = re.fullmatch(r"cum:\s*(gross|net|sink)\s*(?:@\s*([0-9.]+)\s*-\s*([0-9.]+))?", low)
            if not m:
                raise PolicyConfigError(
                    f"cumulative metric '{raw}' must look like cum:gross|net|sink@2020-2060")
            start = float(m.group(2)) if m.group(2) else 2020.0
            end = float(m.group(3)) if m.group(3) else 2060.0
            if end <= start:
                raise PolicyConfigError(f"cumulative metric '{raw}': end year must be after start")
            return cls("cumulative", m.group(1), start=start, end=end)
        if "@" in raw:
            var, _, yr = raw.rpartition("@")
            try:
                year = float(yr)
            except ValueError:
                raise PolicyConfigError(f"metric '{raw}': '{yr}' is not a year") from None
            raw = var.strip()
        if year is None:
            raise PolicyConfigError(
                f"metric '{raw}': a model variable needs a year (e.g. '{raw}@2035'); "
                f"turning points are {', '.join(TP_KEYS)}")
        try:
            name = load_model(mdl_path).resolve(raw)
        except ModelInputError as exc:
            raise PolicyConfigError(f"metric '{raw}': {exc}") from None
        return cls("level", name, year=float(year))


@dataclass(frozen=True)
class MetricTable:
    """Metric values of N runs.

    Attributes:
        values: DataFrame (N runs × metric labels), model units / years.
        censored: same shape, True where a turning-point year is censored.
        status: turning-point status strings (N × turning-point labels).
    """

    values: pd.DataFrame
    censored: pd.DataFrame
    status: pd.DataFrame = field(default_factory=pd.DataFrame)


def censor_year(point: tpmod.TurningPoint, start: float, end: float, step: float) -> tuple[float, bool]:
    """(year, censored) of a turning point under the censoring rule of the module docstring."""
    if point.reached and point.year is not None:
        return float(point.year), False
    if point.status in ("not_yet", "not_sustained"):
        return end + step, True
    if point.status == "before_start":
        return start - step, True
    return math.nan, False


def turning_point_table(
    sim: Simulation, keys: Sequence[str] = TP_KEYS, tp_options: Mapping[str, Any] | None = None
) -> MetricTable:
    """Censored turning-point years (N × keys) of every run of ``sim``.

    ``sim`` must hold the outputs of :data:`TP_OUTPUTS` (energy and GDP may be
    missing; then ``tp2_intensity`` is undefined). ``tp_options`` go to
    :func:`analysis.turning_points.turning_points_batch` (tolerances, smoothing,
    horizon), the vectorized companion of :func:`analysis.turning_points.turning_points`
    that gives the same result for every run; the censoring is :func:`censor_year`'s.
    """
    times = sim.times
    start, end = float(times[0]), float(times[-1])
    step = float(times[1] - times[0]) if len(times) > 1 else 1.0
    n = sim.n_runs
    keys = list(keys)
    opts = dict(tp_options or {})
    unknown = [k for k in keys if k not in _TP_NEEDS]
    if unknown:
        raise PolicyConfigError(f"unknown turning point(s) {unknown}; use {', '.join(TP_KEYS)}")
    # Only the inputs the requested keys need (fewer series = faster; results of the
    # other keys are not used).
    needed = ["emissions", *dict.fromkeys(a for k in keys for a in _TP_NEEDS[k])]
    kwargs = {arg: sim.arrays[TP_OUTPUTS[arg]] for arg in needed if TP_OUTPUTS[arg] in sim.arrays}
    batch = tpmod.turning_points_batch(
        times, kwargs.pop("emissions"), **kwargs, **opts, keys=tuple(dict.fromkeys(keys))
    )
    years = np.full((n, len(keys)), np.nan)
    cens = np.zeros((n, len(keys)), dtype=bool)
    status = np.empty((n, len(keys)), dtype=object)
    for j, key in enumerate(keys):
        names = batch.status_names(key)
        reached = batch.reached(key)
        not_reached = (names == "not_yet") | (names == "not_sustained")
        before = names == "before_start"
        years[:, j] = np.where(reached, batch.years[key], np.nan)
        years[not_reached, j] = end + step
        years[before, j] = start - step
        cens[:, j] = not_reached | before
        status[:, j] = names
    return MetricTable(
        values=pd.DataFrame(years, columns=keys),
        censored=pd.DataFrame(cens, columns=keys),
        status=pd.DataFrame(status, columns=keys),
    )


def _at(times: np.ndarray, values: np.ndarray, year: float, what: str) -> np.ndarray:
    if not times[0] - 1e-9 <= year <= times[-1] + 1e-9:
        raise PolicyConfigError(f"{what}: year {year:g} outside the run ({times[0]:g}–{times[-1]:g})")
    j = int(np.searchsorted(times, year - 1e-9))
    if abs(times[min(j, len(times) - 1)] - year) <= 1e-9:
        return values[:, min(j, len(times) - 1)].copy()
    w = (year - times[j - 1]) / (times[j] - times[j - 1])
    return (1 - w) * values[:, j - 1] + w * values[:, j]


def evaluate_metrics(
    sim: Simulation, metrics: Sequence[Metric | str], tp_options: Mapping[str, Any] | None = None
) -> MetricTable:
    """Values of ``metrics`` for every run of ``sim`` (N × labels)."""
    metrics = [Metric.parse(m) for m in metrics]
    n = sim.n_runs
    values: dict[str, np.ndarray] = {}
    cens: dict[str, np.ndarray] = {}
    tp_keys = [m.name for m in metrics if m.kind == "turning_point"]
    status = pd.DataFrame(index=range(n))
    if tp_keys:
        tpt = turning_point_table(sim, list(dict.fromkeys(tp_keys)), tp_options)
        status = tpt.status
    for m in metrics:
        if m.kind == "turning_point":
            values[m.label] = tpt.values[m.name].to_numpy()
            cens[m.label] = tpt.censored[m.name].to_numpy()
        elif m.kind == "level":
            values[m.label] = _at(sim.times, sim[m.name], m.year, m.label)
            cens[m.label] = np.zeros(n, dtype=bool)
        else:
            plus, minus = CUMULATIVE_KINDS[m.name]
            acc = np.zeros(n)
            for sign, names in ((1.0, plus), (-1.0, minus)):
                for s in names:
                    arr = sim[s]
                    acc += sign * (_at(sim.times, arr, m.end, m.label) - _at(sim.times, arr, m.start, m.label))
            values[m.label] = acc
            cens[m.label] = np.zeros(n, dtype=bool)
    return MetricTable(values=pd.DataFrame(values), censored=pd.DataFrame(cens), status=status)


@dataclass(frozen=True)
class Target:
    """``metric op threshold``; ``margin`` > 0 means met with room (metric's unit)."""

    key: str
    metric: Metric
    op: str
    threshold: float
    name_en: str = ""
    name_zh: str = ""

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise PolicyConfigError(f"target '{self.key}': operator must be one of {_OPS}, got {self.op!r}")
        if not math.isfinite(self.threshold):
            raise PolicyConfigError(f"target '{self.key}': threshold must be finite")

    @property
    def text(self) -> str:
        return f"{self.metric.label}{self.op}{self.threshold:g}"

    def name(self, lang: str = "en") -> str:
        """Display name; default ``<metric display> <op> <threshold>``."""
        auto = f"{self.metric.display(lang)} {self.op} {self.threshold:g}"
        if lang == "zh":
            return self.name_zh or auto
        return self.name_en or auto

    def margin(self, values: np.ndarray | float) -> np.ndarray:
        """value − threshold for ``>=``, threshold − value for ``<=`` (NaN stays NaN)."""
        v = np.asarray(values, dtype=float)
        return v - self.threshold if self.op == ">=" else self.threshold - v

    def met(self, values: np.ndarray | float) -> np.ndarray:
        """Boolean: target met (NaN → False). Tolerance 1e-12 × max(1, |threshold|)."""
        m = self.margin(values)
        return np.nan_to_num(m, nan=-np.inf) >= -1e-12 * max(1.0, abs(self.threshold))

    @classmethod
    def parse(cls, text: str, key: str | None = None) -> "Target":
        """``"tp3<=2030"``, ``"forest coverage@2035>=26"``, ``"cum:net@2020-2060<=2e5"``."""
        m = re.fullmatch(r"\s*(.+?)\s*(<=|>=)\s*([-+]?[0-9.]+(?:[eE][-+]?[0-9]+)?)\s*", str(text))
        if not m:
            raise PolicyConfigError(f"target '{text}' must look like METRIC<=VALUE or METRIC>=VALUE")
        metric = Metric.parse(m.group(1))
        k = key or re.sub(r"\W+", "_", f"{metric.label}_{'le' if m.group(2) == '<=' else 'ge'}_{m.group(3)}").strip("_")
        return cls(key=k, metric=metric, op=m.group(2), threshold=float(m.group(3)))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str = "targets") -> "Target":
        if "metric" not in d or "op" not in d or "threshold" not in d:
            raise PolicyConfigError(f"{where}: a target needs metric, op and threshold (got {sorted(d)})")
        try:
            metric = Metric.parse(d["metric"], year=d.get("year"))
            if metric.kind == "cumulative" and ("from" in d or "to" in d):
                metric = Metric("cumulative", metric.name, start=float(d.get("from", metric.start)),
                                end=float(d.get("to", metric.end)))
            threshold = float(d["threshold"])
        except (PolicyConfigError, TypeError, ValueError) as exc:
            raise PolicyConfigError(f"{where}: {exc}") from None
        key = str(d.get("key") or re.sub(r"\W+", "_", metric.label).strip("_"))
        return cls(key=key, metric=metric, op=str(d["op"]), threshold=threshold,
                   name_en=str(d.get("name_en", "")), name_zh=str(d.get("name_zh", "")))


def load_targets(source: str | Path | Iterable[Any] | Mapping[str, Any]) -> list[Target]:
    """Targets from a YAML file, a list of dicts / strings / Targets, or ``{targets: [...]}``.

    A string that is not an existing file is parsed as one target (``"tp3<=2030"``).
    """
    where = "targets"
    raw: Any = source
    if isinstance(source, (str, Path)):
        p = Path(source)
        if p.suffix.lower() in (".yaml", ".yml") or p.exists():
            where = str(p)
            try:
                raw = yaml.safe_load(p.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError) as exc:
                raise PolicyConfigError(f"{where}: cannot read targets ({exc})") from None
        else:
            return [Target.parse(str(source))]
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
            raise PolicyConfigError(f"{where}[{i}]: expected a mapping or a string, got {type(item).__name__}")
    if not out:
        raise PolicyConfigError(f"{where}: no targets given")
    keys = [t.key for t in out]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise PolicyConfigError(f"{where}: duplicate target keys {sorted(dup)}")
    return out


def targets_from_analysis(target_set: Iterable[Any]) -> list[Target]:
    """Convert :class:`analysis.targets.Target` objects (``turning_point_by`` and
    ``level_at_year`` kinds) into policy targets; other kinds raise PolicyConfigError."""
    out = []
    for t in target_set:
        if t.kind == "turning_point_by":
            out.append(Target(t.key, Metric("turning_point", t.turning_point), "<=", float(t.deadline),
                              t.name_en, t.name_zh))
        elif t.kind == "level_at_year":
            out.append(Target(t.key, Metric.parse(t.variable, year=t.year), t.op, float(t.threshold),
                              t.name_en, t.name_zh))
        else:
            raise PolicyConfigError(
                f"target '{t.key}' of kind '{t.kind}' has no policy-analysis equivalent; "
                "use turning_point_by or level_at_year")
    return out
