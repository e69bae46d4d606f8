"""The one metric grammar (指标语法): a run reduced to a number, for N runs at once.

Used by targets (:mod:`analysis.targets`), sensitivity analysis, policy analysis,
the CLI and the app. Grammar (case and spacing of variable names are free; Vensim or
python spelling):

==================================  =====================================================
text                                value (unit)
==================================  =====================================================
``tp3``, ``tp3@proj``               turning-point year in the projection era (year)
``tp3@hist``                        turning-point year over the whole horizon (year)
``forest coverage@2035``            a model variable at a year, linear interpolation
                                    between saved times (the variable's unit)
``cum_net[2020:2060]``              cumulative gross / net / sink emissions from 2020 to
``cum_gross[..]``, ``cum_sink[..]`` 2060 (Mt CO2), read from the model's cumulative
                                    stocks (its Euler integral), sink = gross − net
``max(gross emissions)``            maximum / minimum of a variable over the horizon or
``min(Cropland)[2021:]``            over ``[from:to]`` (either end may be left open)
``reduction(co2 per unit GDP)       1 − x(2030)/x(2005) (fraction)
[2005:2030]``
==================================  =====================================================

Named metrics (:data:`ALIASES`): ``peak_emissions`` = ``max(gross emissions)``,
``cum_net_2020_2060``, ``net_2060``, ``sink_2060``, ``cropland_2035``. The older
spelling ``cum:net@2020-2060`` is read as ``cum_net[2020:2060]``.

Turning points not identified in their window are censored by the one rule of
:func:`analysis.turning_points.censor`: ``before_start`` → window start − step
(direction −1), ``not_yet``/``not_sustained`` → horizon end + step (direction +1),
undefined → NaN. :class:`MetricTable` carries the values, the direction and the status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis import turning_points as tpmod
from analysis.turning_points.inputs import MODEL_INPUTS, py_name, roles_for, variables_for

__all__ = [
    "MetricError", "Metric", "MetricTable", "ALIASES", "CUMULATIVE", "VARIABLE_NAMES_ZH",
    "evaluate_metrics", "evaluate_on_frame", "arrays_of_frame",
]

KINDS = ("turning_point", "level", "cumulative", "extreme", "reduction")

#: Cumulative kinds → (stock roles added, stock roles subtracted) of :data:`MODEL_INPUTS`.
CUMULATIVE: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType({
    "gross": (("cumulative_gross",), ()),
    "net": (("cumulative_net",), ()),
    "sink": (("cumulative_gross",), ("cumulative_net",)),
})
_CUM_NAMES = {"gross": ("Cumulative gross emissions", "累计碳排放总量"),
              "net": ("Cumulative net emissions", "累计净排放"),
              "sink": ("Cumulative land sink", "累计碳汇")}

#: Named metrics and their grammar text.
ALIASES: Mapping[str, str] = MappingProxyType({
    "peak_emissions": f"max({MODEL_INPUTS['emissions']})",
    "cum_net_2020_2060": "cum_net[2020:2060]",
    "net_2060": f"{MODEL_INPUTS['net_emissions']}@2060",
    "sink_2060": f"{MODEL_INPUTS['sink']}@2060",
    "cropland_2035": f"{MODEL_INPUTS['cropland']}@2035",
})
_ALIAS_NAMES = {
    "peak_emissions": ("Peak gross emissions (E at TP3)", "碳达峰峰值排放"),
    "cum_net_2020_2060": ("Cumulative net emissions 2020–2060", "2020–2060年累计净排放"),
    "net_2060": ("Net emissions in 2060", "2060年净排放"),
    "sink_2060": ("Land carbon sink in 2060", "2060年国土碳汇"),
    "cropland_2035": ("Cropland in 2035", "2035年耕地面积"),
}

#: Chinese names of model variables commonly used in metrics (others show the Vensim name).
VARIABLE_NAMES_ZH: Mapping[str, str] = MappingProxyType({
    "gross emissions": "碳排放总量", "net emissions": "净排放", "land carbon sink": "国土碳汇",
    "carbon gap": "碳缺口", "forest coverage": "森林覆盖率", "Cropland": "耕地面积",
    "cropland minus red line": "耕地高于红线的面积", "total construction land": "建设用地面积",
    "construction land per capita": "人均建设用地", "urbanization rate": "城镇化率",
    "non fossil share of primary energy": "非化石能源占比", "co2 per unit GDP": "单位GDP二氧化碳排放",
    "CO2 per capita": "人均二氧化碳排放", "total forest area": "森林面积",
})


class MetricError(ValueError):
    """An unknown or malformed metric (the message names it and the grammar)."""


def _fy(y: float | None) -> str:
    return "" if y is None else f"{y:g}"


_NUM = r"[-+]?[0-9]*\.?[0-9]+"
_SPAN = rf"\[\s*({_NUM})?\s*:\s*({_NUM})?\s*\]"


@dataclass(frozen=True)
class Metric:
    """A scalar metric of a run (see the module docstring for the grammar).

    Attributes:
        kind: one of ``turning_point``, ``level``, ``cumulative``, ``extreme``, ``reduction``.
        name: turning-point key, Vensim variable, or ``gross``/``net``/``sink``.
        window: ``proj`` or ``hist`` (turning points).
        year: evaluation year (level).
        start, end: span in years (cumulative, extreme: None = open; reduction: base
            year and evaluation year).
        stat: ``max`` or ``min`` (extreme).
        base_value: reduction base used when the base year is outside the results
            (variable's unit).
        alias: the catalogue name the metric was written as (its label), if any.
    """

    kind: str
    name: str
    window: str | None = None
    year: float | None = None
    start: float | None = None
    end: float | None = None
    stat: str | None = None
    base_value: float | None = field(default=None, compare=False)
    alias: str | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """Canonical grammar text."""
        if self.kind == "turning_point":
            return self.name if self.window == "proj" else f"{self.name}@{self.window}"
        if self.kind == "level":
            return f"{self.name}@{_fy(self.year)}"
        span = f"[{_fy(self.start)}:{_fy(self.end)}]"
        if self.kind == "cumulative":
            return f"cum_{self.name}{span}"
        if self.kind == "extreme":
            return f"{self.stat}({self.name})" + ("" if self.start is None and self.end is None else span)
        return f"reduction({self.name}){span}"

    @property
    def label(self) -> str:
        """Column name of the metric: its alias if written as one, else :attr:`text`."""
        return self.alias or self.text

    def display(self, lang: str = "en") -> str:
        """Human-readable name in English or Chinese."""
        zh = lang == "zh"
        if self.alias in _ALIAS_NAMES:
            return _ALIAS_NAMES[self.alias][1 if zh else 0]
        if self.kind == "turning_point":
            n = tpmod.NAMES[self.name]
            hist = self.window == "hist"
            return (f"{n['zh']}年份" + ("（历史）" if hist else "")) if zh else \
                (f"{n['en']} year" + (" (historical)" if hist else ""))
        var = VARIABLE_NAMES_ZH.get(self.name, self.name) if zh else self.name
        if self.kind == "level":
            return f"{_fy(self.year)}年{var}" if zh else f"{var} in {_fy(self.year)}"
        span = f"{_fy(self.start) or '…'}–{_fy(self.end) or '…'}"
        if self.kind == "cumulative":
            en, zhn = _CUM_NAMES[self.name]
            return f"{zhn}（{span}）" if zh else f"{en} {span}"
        if self.kind == "extreme":
            word = {"max": ("Maximum", "最大值"), "min": ("Minimum", "最小值")}[self.stat]
            return f"{var}{word[1]}（{span}）" if zh else f"{word[0]} of {var} ({span})"
        return f"{var}较{_fy(self.start)}年下降（至{_fy(self.end)}年）" if zh else \
            f"Reduction of {var} from {_fy(self.start)} to {_fy(self.end)}"

    def unit(self, mdl_path: str | Path | None = None) -> str:
        """Unit of the metric's values."""
        if self.kind == "turning_point":
            return "year"
        if self.kind == "cumulative":
            return "Mt CO2"
        if self.kind == "reduction":
            return "fraction"
        from models.model import MODEL_PATH, load_model

        return load_model(mdl_path or MODEL_PATH).variables[self.name].units

    def outputs(self) -> list[str]:
        """Model variables (Vensim names) the metric reads."""
        if self.kind == "turning_point":
            return variables_for(roles_for([self.name]))
        if self.kind == "cumulative":
            plus, minus = CUMULATIVE[self.name]
            return variables_for([*plus, *minus])
        return [self.name]

    @classmethod
    def parse(cls, text: "str | Metric", year: float | None = None, mdl_path: str | Path | None = None,
              horizon: tuple[float, float] | None = None) -> "Metric":
        """A metric from its grammar text (``text`` + ``year`` = ``text@year``).

        ``horizon`` (first, last year): years must lie inside it when given.

        Raises:
            MetricError: naming the text and what is wrong.
        """
        if isinstance(text, Metric):
            return text
        raw = " ".join(str(text).split())
        low = raw.lower()
        if low in ALIASES:
            if year is not None:
                raise MetricError(f"metric '{raw}' is a named metric; it takes no year")
            return replace(cls.parse(ALIASES[low], mdl_path=mdl_path, horizon=horizon), alias=low)
        m = re.fullmatch(r"(tp[0-9a-z_]+|neutrality)\s*(?:@\s*(proj|hist))?", low)
        if m and m.group(1) in tpmod.KEYS:
            if year is not None:
                raise MetricError(f"metric '{raw}' is a turning point; it takes no year")
            return cls("turning_point", m.group(1), window=m.group(2) or "proj")
        if re.fullmatch(r"tp[0-9]\w*(@\w+)?", low):
            raise MetricError(f"unknown turning point '{raw}'; use one of {', '.join(tpmod.KEYS)} "
                              "(optionally @proj or @hist)")
        legacy = re.fullmatch(rf"cum:\s*(gross|net|sink)\s*(?:@\s*({_NUM})\s*-\s*({_NUM}))?", low)
        cum = re.fullmatch(rf"cum_(gross|net|sink)\s*(?:{_SPAN})?", low)
        if legacy or cum:
            g = (legacy or cum).groups()
            start = float(g[1]) if g[1] else 2020.0
            end = float(g[2]) if g[2] else 2060.0
            if end <= start:
                raise MetricError(f"cumulative metric '{raw}': need from < to")
            _check_years(raw, horizon, start, end)
            return cls("cumulative", g[0], start=start, end=end)
        if low.startswith("cum"):
            raise MetricError(f"cumulative metric '{raw}' must look like cum_net[2020:2060] "
                              "(cum_gross, cum_net or cum_sink)")
        fn = re.fullmatch(rf"(max|min|reduction)\s*\(\s*(.+?)\s*\)\s*(?:{_SPAN})?", raw, flags=re.I)
        if fn:
            op, var = fn.group(1).lower(), _resolve(raw, fn.group(2), mdl_path)
            a = float(fn.group(3)) if fn.group(3) else None
            b = float(fn.group(4)) if fn.group(4) else None
            if a is not None and b is not None and b <= a:
                raise MetricError(f"metric '{raw}': need from < to")
            _check_years(raw, horizon, *(y for y in (a, b) if y is not None))
            if op == "reduction":
                if a is None or b is None:
                    raise MetricError(f"metric '{raw}': a reduction needs [base year:year], "
                                      f"e.g. reduction({var})[2005:2030]")
                return cls("reduction", var, start=a, end=b)
            return cls("extreme", var, start=a, end=b, stat=op)
        if "@" in raw:
            var, _, yr = raw.rpartition("@")
            try:
                year = float(yr)
            except ValueError:
                raise MetricError(f"metric '{raw}': '{yr.strip()}' is not a year") from None
            raw = var.strip()
        if year is None:
            raise MetricError(
                f"unknown metric '{raw}': use a turning point ({', '.join(tpmod.KEYS)}, optionally "
                f"@proj/@hist), '<model variable>@<year>', cum_net[2020:2060], max(<variable>)[from:to], "
                f"reduction(<variable>)[base:year] or a named metric ({', '.join(ALIASES)})")
        _check_years(f"{raw}@{_fy(year)}", horizon, float(year))
        return cls("level", _resolve(raw, raw, mdl_path), year=float(year))


def _check_years(raw: str, horizon: tuple[float, float] | None, *years: float) -> None:
    if horizon is None:
        return
    for y in years:
        if not horizon[0] - 1e-9 <= y <= horizon[1] + 1e-9:
            raise MetricError(f"metric '{raw}': year {y:g} outside the horizon {horizon[0]:g}–{horizon[1]:g}")


def _resolve(raw: str, name: str, mdl_path: str | Path | None) -> str:
    from models.model import MODEL_PATH, ModelInputError, load_model

    try:
        return load_model(mdl_path or MODEL_PATH).resolve(name.strip())
    except ModelInputError as exc:
        raise MetricError(f"metric '{raw}': {exc}") from None


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricTable:
    """Metric values of N runs.

    Attributes:
        values: DataFrame (N runs × metric labels), metric units (years for turning points).
        censored: same shape, True where a turning-point year is censored (a bound).
        direction: same shape, int8: −1 censored at or before the window start, +1
            after the horizon end, 0 otherwise.
        status: turning-point status strings (N × turning-point labels).
        step: time step of the censoring rule (years).
    """

    values: pd.DataFrame
    censored: pd.DataFrame
    direction: pd.DataFrame = field(default_factory=pd.DataFrame)
    status: pd.DataFrame = field(default_factory=pd.DataFrame)
    step: float = 1.0


def _at(times: np.ndarray, values: np.ndarray, year: float, what: str) -> np.ndarray:
    """Column of ``values`` (N, T) at ``year`` (linear interpolation between saved times)."""
    if not times[0] - 1e-9 <= year <= times[-1] + 1e-9:
        raise MetricError(f"{what}: year {year:g} outside the run ({times[0]:g}–{times[-1]:g})")
    j = int(np.searchsorted(times, year - 1e-9))
    if j < len(times) and abs(times[j] - year) <= 1e-9:
        return values[:, j].copy()
    w = (year - times[j - 1]) / (times[j] - times[j - 1])
    return (1 - w) * values[:, j - 1] + w * values[:, j]


def _span(times: np.ndarray, start: float | None, end: float | None) -> np.ndarray:
    cols = np.ones(times.shape, bool)
    if start is not None:
        cols &= times >= start - 1e-9
    if end is not None:
        cols &= times <= end + 1e-9
    return cols


def evaluate_metrics(
    arrays: Mapping[str, np.ndarray],
    times: np.ndarray,
    metrics: Sequence["Metric | str"],
    tp_options: tpmod.TPOptions | Mapping[str, Any] | None = None,
    turning_points: tpmod.TurningPointArrays | None = None,
) -> MetricTable:
    """Values of ``metrics`` for N runs from saved series.

    Args:
        arrays: Vensim variable name → (N, T) at ``times`` (each metric's :meth:`Metric.outputs`).
        times: saved times, years (T,).
        metrics: metrics or their texts.
        tp_options: options of the turning-point engine.
        turning_points: detections already made for these runs (else computed once
            for all turning-point metrics, one vectorized call).
    """
    metrics = [Metric.parse(m) for m in metrics]
    times = np.asarray(times, dtype=float)
    n = next(iter(arrays.values())).shape[0] if arrays else 0
    values: dict[str, np.ndarray] = {}
    direction: dict[str, np.ndarray] = {}
    status: dict[str, np.ndarray] = {}
    tp_metrics = [m for m in metrics if m.kind == "turning_point"]
    tp = turning_points
    if tp_metrics and tp is None:
        keys = list(dict.fromkeys(m.name for m in tp_metrics))
        roles = roles_for(keys)
        missing = [MODEL_INPUTS[r] for r in roles[:1] if MODEL_INPUTS[r] not in arrays]
        if missing:
            raise MetricError(f"turning points need the output(s) {missing}")
        inputs = {r: arrays[MODEL_INPUTS[r]] for r in roles if MODEL_INPUTS[r] in arrays}
        tp = tpmod.detect(times, inputs, tp_options, keys=keys)
    step = tp.step if tp is not None else (float(np.median(np.diff(times))) if len(times) > 1 else 1.0)
    for m in metrics:
        d = np.zeros(n, np.int8)
        if m.kind == "turning_point":
            v, d = tp.censored(m.name, m.window)
            status[m.label] = tp.status_names(m.name, m.window)
        elif m.kind == "level":
            v = _at(times, _get(arrays, m.name), m.year, m.label)
        elif m.kind == "cumulative":
            plus, minus = CUMULATIVE[m.name]
            v = np.zeros(n)
            for sign, roles in ((1.0, plus), (-1.0, minus)):
                for role in roles:
                    s = _get(arrays, MODEL_INPUTS[role])
                    v = v + sign * (_at(times, s, m.end, m.label) - _at(times, s, m.start, m.label))
        elif m.kind == "extreme":
            cols = _span(times, m.start, m.end)
            x = _get(arrays, m.name)[:, cols]
            with np.errstate(invalid="ignore"):
                v = np.nanmax(x, axis=1) if m.stat == "max" else np.nanmin(x, axis=1)
        else:
            x = _get(arrays, m.name)
            if m.start < times[0] - 1e-9 and m.base_value is not None:
                base = np.full(n, float(m.base_value))
            else:
                base = _at(times, x, m.start, m.label)
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.where(base > 0, 1.0 - _at(times, x, m.end, m.label) / base, np.nan)
        values[m.label] = np.asarray(v, dtype=float)
        direction[m.label] = np.asarray(d, dtype=np.int8)
    dir_frame = pd.DataFrame(direction, index=range(n))
    return MetricTable(values=pd.DataFrame(values, index=range(n)), censored=dir_frame != 0,
                       direction=dir_frame, status=pd.DataFrame(status, index=range(n)), step=step)


def _get(arrays: Mapping[str, np.ndarray], name: str) -> np.ndarray:
    try:
        return arrays[name]
    except KeyError:
        raise MetricError(f"'{name}' is not among the saved outputs ({', '.join(arrays)})") from None


def arrays_of_frame(results: pd.DataFrame, names: Sequence[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(times, Vensim name → (1, T)) of the columns of one run's results that match
    ``names`` (Vensim or python spelling); absent columns are left out."""
    by_py = {py_name(str(c)): c for c in results.columns}
    times = np.asarray(results.index, dtype=float)
    out = {}
    for name in names:
        col = results.columns[results.columns == name]
        col = name if len(col) else by_py.get(py_name(name))
        if col is not None:
            out[name] = pd.to_numeric(results[col], errors="coerce").to_numpy(float)[None, :]
    return times, out


def evaluate_on_frame(results: pd.DataFrame, metrics: Sequence["Metric | str"],
                      tp_options: tpmod.TPOptions | Mapping[str, Any] | None = None) -> MetricTable:
    """:func:`evaluate_metrics` of one run's results indexed by year (N = 1)."""
    metrics = [Metric.parse(m) for m in metrics]
    names = list(dict.fromkeys(o for m in metrics for o in m.outputs()))
    times, arrays = arrays_of_frame(results, names)
    return evaluate_metrics(arrays, times, metrics, tp_options)
