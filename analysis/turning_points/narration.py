"""One run's turning points as a table with reasons in English and Chinese (拐点说明).

:func:`turning_points` runs the engine (:func:`.core.detect`) with N = 1 and explains
every outcome: why a point is not identified, an earlier crossing that was not
sustained, a later local maximum hidden by a boundary maximum, the construction-land
growth at TP5, and a kink flag naming the input that changes abruptly at that time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import numpy as np
import pandas as pd

from .core import MIN_POINTS, TurningPointArrays, detect
from .definitions import NAMES, STATUS_CODES, UNITS, WINDOWS, TPOptions
from .inputs import TP_ROLES, arrays_from_frame

__all__ = ["TurningPoint", "TurningPointTable", "turning_points", "turning_points_from_results", "narrate", "fy"]


def _lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    return lang


def fy(t: float) -> str:
    """A time in years as text: 2030 for whole years, 2030.25 otherwise."""
    r = round(t)
    return str(int(r)) if abs(t - r) < 1e-6 else f"{t:.6g}"


def _fv(v: float) -> str:
    return f"{v:.4g}"


@dataclass(frozen=True)
class TurningPoint:
    """One turning point of one run in one window.

    Attributes:
        key: one of :data:`.definitions.KEYS`.
        name_en, name_zh: display names.
        year: year (a time of the grid), or None when not identified.
        value: defining quantity at ``year`` (unit ``unit``), or None.
        reached: identified within the window.
        reason_en, reason_zh: why it is not identified, or a note.
        status: one of :data:`.definitions.STATUSES`.
        bound_year: window start for ``before_start``, horizon end for ``not_yet`` /
            ``not_sustained``, else None.
        unit: unit of ``value``.
        window: ``"proj"`` (projection era) or ``"hist"`` (whole horizon).
        kink_inputs: inputs that change abruptly within the kink tolerance of ``year``.
    """

    key: str
    name_en: str
    name_zh: str
    year: float | None
    value: float | None
    reached: bool
    reason_en: str = ""
    reason_zh: str = ""
    status: str = "reached"
    bound_year: float | None = None
    unit: str = ""
    window: str = "proj"
    kink_inputs: tuple[str, ...] = ()

    def name(self, lang: str = "en") -> str:
        return self.name_zh if _lang(lang) == "zh" else self.name_en

    def reason(self, lang: str = "en") -> str:
        return self.reason_zh if _lang(lang) == "zh" else self.reason_en

    def year_text(self) -> str:
        """The point as a year for tables, in the notation of the ensemble bands: its
        year ('2031'), a boundary at or before the window start ('≤2025'), not reached
        by the horizon ('>2100'); '' when neither applies (e.g. too few points)."""
        if self.reached and self.year is not None:
            return fy(self.year)
        if self.bound_year is not None and self.status == "before_start":
            return f"≤{fy(self.bound_year)}"
        if self.bound_year is not None and self.status == "not_yet":
            return f">{fy(self.bound_year)}"
        return ""


@dataclass(frozen=True, eq=False)
class TurningPointTable:
    """All turning points of one run: the projection era by default, history beside it.

    Attributes:
        points: projection-era points in the order of the keys (``table[key]``).
        historical: the same keys over the whole horizon (``table.hist[key]``).
        sequence: DataFrame (window, pair, result in {'in order', 'out of order',
            'undetermined'}) of the sequence diagnostic.
        diagnostics: time-indexed DataFrame of the series used (``emissions``,
            ``growth_rate``, ``increment``, ``sink``, ``sink_growth``, ``net_emissions``,
            ``avg_intensity``, ``marginal_intensity``, ``intensity_gap``,
            ``growth_emissions``, ``construction_land``, ``land_growth``, energy
            intensities when energy is given).
        settings: options used (plain values).
    """

    points: tuple[TurningPoint, ...]
    historical: tuple[TurningPoint, ...] = ()
    sequence: pd.DataFrame = field(default_factory=pd.DataFrame)
    diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> TurningPoint:
        return self._find(self.points, key)

    @property
    def hist(self) -> Mapping[str, TurningPoint]:
        """Historical (whole-horizon) points by key."""
        return {p.key: p for p in self.historical}

    def window(self, window: str) -> tuple[TurningPoint, ...]:
        """Points of ``window`` ('proj' or 'hist')."""
        if window not in WINDOWS:
            raise ValueError(f"window must be one of {WINDOWS}, got {window!r}")
        return self.points if window == "proj" else self.historical

    @staticmethod
    def _find(points: tuple[TurningPoint, ...], key: str) -> TurningPoint:
        for p in points:
            if p.key == key:
                return p
        raise KeyError(f"unknown turning point {key!r}; known: {', '.join(p.key for p in points)}")

    def __iter__(self) -> Iterator[TurningPoint]:
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)

    def keys(self) -> list[str]:
        return [p.key for p in self.points]

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        """One row per key: the projection-era point (key, name, year, value, unit,
        reached, status, reason), the historical one beside it (year_hist, status_hist,
        reason_hist) and the inputs changing abruptly at either year (kink)."""
        lg = _lang(lang)
        hist = self.hist
        rows = []
        for p in self.points:
            h = hist.get(p.key)
            kinks = list(dict.fromkeys([*p.kink_inputs, *(h.kink_inputs if h else ())]))
            rows.append({
                "key": p.key, "name": p.name(lg), "year": p.year, "value": p.value, "unit": p.unit,
                "reached": p.reached, "status": p.status, "reason": p.reason(lg),
                "year_hist": None if h is None else h.year, "status_hist": None if h is None else h.status,
                "reason_hist": "" if h is None else h.reason(lg), "kink": "; ".join(kinks),
            })
        df = pd.DataFrame(rows, columns=["key", "name", "year", "value", "unit", "reached", "status", "reason",
                                         "year_hist", "status_hist", "reason_hist", "kink"])
        for c in ("year", "value", "year_hist"):
            df[c] = df[c].astype(float)
        return df


# --------------------------------------------------------------------------------------
# Reasons
# --------------------------------------------------------------------------------------

_WHAT = {
    "tp1": ("emission growth rate", "碳排放增速"), "tp2": ("emission increment", "碳排放增量"),
    "tp3": ("emissions", "碳排放"), "tp4": ("sink increment", "碳汇增量"), "tp4_sink_peak": ("sink", "碳汇"),
}
_SERIES = {"tp1": "growth_rate", "tp2": "increment", "tp3": "emissions", "tp4": "sink_growth",
           "tp4_sink_peak": "sink"}
_NO_INPUT = {"tp2_intensity": ("GDP", "GDP"), "tp4": ("sink", "碳汇"), "tp4_sink_peak": ("sink", "碳汇"),
             "tp5": ("growth_emissions", "增长引起的排放"), "neutrality": ("sink", "碳汇")}


def _local_max_note(t: np.ndarray, y: np.ndarray) -> tuple[str, str]:
    ok = np.isfinite(y)
    t, y = t[ok], y[ok]
    idx = [i for i in range(1, len(y) - 1) if y[i - 1] < y[i] >= y[i + 1]]
    if not idx:
        return "", ""
    i = max(idx, key=lambda i: (y[i], -i))
    return (f"; a later, smaller local maximum at {fy(t[i])} ({_fv(y[i])}) is not counted — restrict the "
            f"horizon (start=) to analyse it",
            f"；之后 {fy(t[i])} 有较小的局部极大值（{_fv(y[i])}），不计入——可推后研究期起始年后单独分析")


def _sustained_parts(key: str, s: Mapping[str, np.ndarray], opts: TPOptions) -> tuple:
    """(condition, values, ok, what_en, what_zh, end_en, end_zh) of a threshold event."""
    if key == "neutrality":
        net, tol = s["net_emissions"], float(s["neutrality_tolerance"][0])
        return (net <= tol, net, np.isfinite(net), f"net emissions <= {_fv(tol)} Mt CO2/yr",
                f"净排放 ≤ {_fv(tol)} Mt CO2/年", f"net emissions {_fv(net[-1])} Mt CO2/yr",
                f"净排放 {_fv(net[-1])} Mt CO2/年")
    if key == "tp5":
        g, thr = s["growth_emissions"], float(s["tp5_threshold"][0])
        return (g <= thr, g, np.isfinite(g), "net-stock condition", "净存量条件",
                f"growth-attributable emissions {_fv(g[-1])} > threshold {_fv(thr)} Mt CO2/yr",
                f"增长引起的排放 {_fv(g[-1])} > 阈值 {_fv(thr)} Mt CO2/年")
    gap, tol = s["intensity_gap"], opts.intensity_tol
    okg = np.isfinite(gap)
    last = gap[okg][-1] if okg.any() else np.nan
    return (gap <= tol, gap, okg, f"convergence (gap <= {tol:.3g} of the peak intensity)",
            f"趋同条件（差距 ≤ 峰值强度的 {tol:.3g}）", f"gap {_fv(last)}", f"差距 {_fv(last)}")


def _reason(key: str, status: str, year: float | None, bound: float | None, t: np.ndarray, w0: int,
            s: Mapping[str, np.ndarray], opts: TPOptions) -> tuple[str, str]:
    tw = t[w0:]
    if status == "no_input":
        en, zh = _NO_INPUT.get(key, ("emissions", "碳排放"))
        return f"input not given ({en})", f"未提供输入（{zh}）"
    if key in _WHAT:
        what_en, what_zh = _WHAT[key]
        y = s.get(_SERIES[key])
        if status == "too_short":
            n = 0 if y is None else int(np.isfinite(y[w0:]).sum())
            return (f"series too short ({n} valid time points; at least {MIN_POINTS} needed)",
                    f"序列过短（有效时间点 {n} 个，至少需要 {MIN_POINTS} 个）")
        if status == "no_peak":
            return (f"{what_en} constant over the window ({fy(tw[0])}–{fy(tw[-1])}): no maximum",
                    f"{what_zh}在窗口内（{fy(tw[0])}–{fy(tw[-1])}）保持不变，无最大值")
        if status == "before_start":
            en = (f"{what_en} highest at the first time of the window ({fy(bound)}) and falling afterwards: "
                  f"boundary, the turning point lies at or before {fy(bound)} (not identified)")
            zh = (f"{what_zh}在窗口第一个时刻（{fy(bound)}）最高、此后下降：属边界，拐点在 {fy(bound)} "
                  f"或之前（未识别）")
            note = _local_max_note(tw, y[w0:])
            return en + note[0], zh + note[1]
        if status == "not_yet":
            return (f"{what_en} still rising at the end of the horizon ({fy(bound)})",
                    f"至研究期末（{fy(bound)}）{what_zh}仍在上升")
        return "", ""
    if status == "too_short":
        return ("series too short (fewer than 2 valid time points in the window)",
                "序列过短（窗口内有效时间点少于 2 个）")
    cond, values, ok, what_en, what_zh, end_en, end_zh = _sustained_parts(key, s, opts)
    c, okw = cond[w0:] & ok[w0:], ok[w0:]
    if status in ("not_yet", "not_sustained"):
        hits = np.flatnonzero(c)
        if status == "not_sustained":
            first = int(hits[0])
            fail = first + int(np.flatnonzero(okw[first:] & ~c[first:])[0])
            return (f"{what_en} met at {fy(tw[first])} but not sustained (fails again at {fy(tw[fail])}; "
                    f"{end_en} at the end of the horizon, {fy(bound)})",
                    f"{what_zh}在 {fy(tw[first])} 满足但未持续（{fy(tw[fail])} 再次不满足；研究期末 "
                    f"{fy(bound)} {end_zh}）")
        return (f"{what_en} not met by the end of the horizon ({fy(bound)}): {end_en}",
                f"至研究期末（{fy(bound)}）{what_zh}仍未满足：{end_zh}")
    if status == "before_start":
        return (f"{what_en} already met at the first time of the window ({fy(bound)}) and throughout: "
                f"boundary, the turning point lies at or before {fy(bound)} (not identified)",
                f"{what_zh}在窗口第一个时刻（{fy(bound)}）即已满足并一直保持：属边界，拐点在 {fy(bound)} "
                f"或之前（未识别）")
    i = int(np.searchsorted(tw, year - 1e-9))
    earlier = np.flatnonzero(c[:i])
    notes = ([f"an earlier crossing at {fy(tw[earlier[0]])} was not sustained and is not counted"],
             [f"{fy(tw[earlier[0]])} 的较早满足未能持续，不计入"]) if earlier.size else ([], [])
    if key == "tp5" and "land_growth" in s and np.isfinite(s["land_growth"][w0 + i]):
        lg = 100 * s["land_growth"][w0 + i]
        notes[0].append(f"construction land growth at that time {lg:.3g} %/yr")
        notes[1].append(f"该时刻建设用地增长率 {lg:.3g}%/年")
    return "; ".join(notes[0]), "；".join(notes[1])


def _forward_growth(t: np.ndarray, L: np.ndarray) -> np.ndarray:
    g = np.full(L.shape, np.nan)
    if L.shape[0] > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            g[:-1] = np.diff(L) / np.diff(t) / L[:-1]
            g[-1] = (L[-1] - L[-2]) / (t[-1] - t[-2]) / L[-1]
    g[~np.isfinite(g)] = np.nan
    return g


def _abrupt_text(driver: str, years: np.ndarray | None, year: float, tolerance: float) -> str:
    """'driver (2008)' with the abrupt-change years near ``year``."""
    if years is None:
        return driver
    near = years[np.abs(years - year) <= tolerance + 1e-9]
    return f"{driver} ({'/'.join(fy(x) for x in near)})" if near.size else driver


def narrate(arrays: TurningPointArrays, run: int = 0) -> TurningPointTable:
    """The :class:`TurningPointTable` of run ``run`` of ``arrays`` (computed with
    ``keep_series=True``)."""
    t = arrays.times
    s = {k: (v[run] if np.ndim(v) == 2 else np.atleast_1d(v)[run:run + 1]) for k, v in arrays.series.items()}
    if "construction_land" in s:
        s["land_growth"] = _forward_growth(t, s["construction_land"])
    opts = arrays.options
    abrupt_years = {d: t[np.asarray(a[run], bool)] for d, a in arrays.abrupt.items()}
    tables: dict[str, tuple[TurningPoint, ...]] = {}
    for window in WINDOWS:
        w0 = int(np.searchsorted(t, arrays.window_starts[window] - 1e-9))
        pts = []
        for key in arrays.keys:
            a = arrays.get(key, window)
            status = STATUS_CODES[a.status[run]]
            year = None if status != "reached" else float(a.year[run])
            bound = None if not np.isfinite(a.bound[run]) else float(a.bound[run])
            en, zh = _reason(key, status, year, bound, t, w0, s, opts)
            kink = arrays.kinks.get(window, {}).get(key)
            names = tuple(d for j, d in enumerate(arrays.drivers) if kink is not None and kink[run, j])
            if names:
                when = ", ".join(_abrupt_text(d, abrupt_years.get(d), year, opts.kink_tolerance) for d in names)
                en = "; ".join(x for x in (en, f"KINK: coincides with an abrupt change of input {when}") if x)
                zh = "；".join(x for x in (zh, f"突变标记：与输入 {when} 的突变同时出现") if x)
            pts.append(TurningPoint(
                key=key, name_en=NAMES[key]["en"], name_zh=NAMES[key]["zh"], year=year,
                value=None if status != "reached" else float(a.value[run]), reached=status == "reached",
                reason_en=en, reason_zh=zh, status=status, bound_year=bound, unit=UNITS[key],
                window=window, kink_inputs=names))
        tables[window] = tuple(pts)
    seq_rows = []
    for window in WINDOWS:
        seq = arrays.sequence(window)
        for pair in seq.columns:
            v = int(seq[pair].iloc[run])
            seq_rows.append({"window": window, "pair": pair,
                             "result": {1: "in order", -1: "out of order", 0: "undetermined"}[v]})
    diag = pd.DataFrame({k: v for k, v in s.items() if np.shape(v) == t.shape}, index=pd.Index(t, name="year"))
    return TurningPointTable(points=tables["proj"], historical=tables["hist"],
                             sequence=pd.DataFrame(seq_rows, columns=["window", "pair", "result"]),
                             diagnostics=diag, settings=opts.describe() | {"drivers": list(arrays.drivers)})


def _to_years(index: pd.Index) -> np.ndarray:
    if isinstance(index, pd.DatetimeIndex):
        start = pd.to_datetime(index.year.astype(str) + "-01-01")
        length = np.where(index.is_leap_year, 366.0, 365.0)
        return index.year.to_numpy(float) + (index - start).days.to_numpy(float) / length
    try:
        return np.asarray(index, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"time index must be numeric years, got dtype {index.dtype}") from exc


def _series_arrays(named: Mapping[str, pd.Series | None]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Align Series on the union of their times (NaN where a series has no value)."""
    prepared = {}
    for name, s in named.items():
        if s is None:
            continue
        if isinstance(s, pd.DataFrame):
            if s.shape[1] != 1:
                raise TypeError(f"{name}: expected a pandas Series, got a DataFrame with {s.shape[1]} columns")
            s = s.iloc[:, 0]
        if not isinstance(s, pd.Series):
            raise TypeError(f"{name}: expected a pandas Series indexed by year, got {type(s).__name__}")
        t = _to_years(s.index)
        if len(t) > 1 and pd.Index(t).duplicated().any():
            dup = pd.Index(t)[pd.Index(t).duplicated()][0]
            raise ValueError(f"{name}: duplicate time {fy(dup)} in the index")
        try:
            values = pd.to_numeric(s, errors="raise").to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name}: values must be numeric") from exc
        prepared[name] = pd.Series(values, index=t)
    grid = np.unique(np.concatenate([p.index.to_numpy(float) for p in prepared.values()]))
    grid = grid[np.isfinite(grid)]
    return grid, {name: p.reindex(grid).to_numpy(float)[None, :] for name, p in prepared.items()}


def turning_points(
    emissions: pd.Series,
    sink: pd.Series | None = None,
    growth_emissions: pd.Series | None = None,
    construction_land: pd.Series | None = None,
    gdp: pd.Series | None = None,
    energy: pd.Series | None = None,
    options: TPOptions | Mapping[str, Any] | None = None,
    drivers: Mapping[str, pd.Series] | None = None,
    **option_fields: Any,
) -> TurningPointTable:
    """Turning points of one series set (a run or history), both windows, with reasons.

    Args:
        emissions: gross CO2 emissions E, Mt CO2/yr, indexed by time in years.
        sink: land carbon sink S, Mt CO2/yr, removals positive.
        growth_emissions: emissions attributable to growth G, Mt CO2/yr.
        construction_land: construction land L, 10^4 ha (reported at TP5).
        gdp: GDP at constant prices (any unit), for the TP2 convergence companion.
        energy: primary energy (any unit), for the energy-intensity diagnostics.
        options: :class:`TPOptions` or a mapping; ``option_fields`` override fields
            (e.g. ``smoothing=HISTORY_SMOOTHING``, ``analysis_start=2020``).
        drivers: input series checked for abrupt changes (kink flags), by name.

    Returns:
        :class:`TurningPointTable`; a series missing for a key gives ``no_input``.
    """
    if emissions is None:
        raise ValueError("emissions are required")
    named = {"emissions": emissions, "sink": sink, "growth_emissions": growth_emissions,
             "construction_land": construction_land, "gdp": gdp, "energy": energy}
    named.update({f"driver:{k}": v for k, v in (drivers or {}).items()})
    t, arrays = _series_arrays(named)
    inputs = {k: v for k, v in arrays.items() if not k.startswith("driver:")}
    drv = {k[len("driver:"):]: v for k, v in arrays.items() if k.startswith("driver:")}
    opts = TPOptions.of(options, **option_fields)
    return narrate(detect(t, inputs, opts, drivers=drv, keep_series=True))


def turning_points_from_results(results: pd.DataFrame, options: TPOptions | Mapping[str, Any] | None = None,
                                drivers: pd.DataFrame | None = None, **option_fields: Any) -> TurningPointTable:
    """Turning points of one model run (results indexed by year, columns named as the
    model variables of :data:`.inputs.MODEL_INPUTS`; Vensim or python spelling).

    ``drivers``: optional DataFrame of input series (e.g. the model's time-driven
    variables, :func:`.kinks.time_driven_variables`) for the kink flags.
    """
    times, arrays = arrays_from_frame(results, TP_ROLES)
    if "emissions" not in arrays:
        raise KeyError("results have no 'gross emissions' column; cannot compute turning points")
    drv = None if drivers is None else {c: drivers[c].to_numpy(float)[None, :] for c in drivers.columns}
    opts = TPOptions.of(options, **option_fields)
    return narrate(detect(times, arrays, opts, drivers=drv, keep_series=True))

