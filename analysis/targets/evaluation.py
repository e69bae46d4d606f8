"""Targets evaluated on one run, with pass/fail, margin and a reason in English or Chinese."""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from analysis.metrics import MetricError, arrays_of_frame, evaluate_metrics
from analysis.turning_points import TurningPoint, TurningPointTable, turning_points_from_results
from analysis.turning_points.inputs import MODEL_INPUTS, py_name

from .files import load_targets
from .target import Target, TargetSet, _fv, _fy

__all__ = ["RESULT_COLUMNS", "evaluate_targets"]

#: Columns of the DataFrame returned by :func:`evaluate_targets`.
RESULT_COLUMNS: tuple[str, ...] = (
    "key", "name_en", "name_zh", "target", "value", "unit", "passed", "margin", "reason",
)


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
    lo = f"{_fy(tt[0])}–{_fy(tt[-1])}" if tt.size else "empty"
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
