"""Target seeking: the smallest change of one lever that reaches a target (目标反推).

Example questions: how much additional non-fossil share (非化石能源占比提升) is needed
for carbon neutrality by 2060? How much returning cropland to forest (退耕还林) for
26 % forest coverage in 2035? All other constants stay at a given scenario.

Method
------
1. **Grid** — evaluate the lever's range (declared Vensim range, or a sub-range) on
   ``n_grid`` equally spaced values plus the scenario's own value, in ONE call of
   :func:`analysis.policy.evaluate.simulate` (batch runner).
2. **Bracket** — going away from the scenario value in each allowed direction, the
   first grid value that meets the target and its predecessor (which fails) bracket
   the first crossing.
3. **Refine** — continuous metrics (a variable at a year, cumulative emissions):
   :func:`scipy.optimize.brentq` on the target margin; step-like metrics
   (turning-point years, which jump by whole years): bisection on the boolean "target
   met" until the bracket is narrower than ``xtol``. The value returned always
   *meets* the target (it is the feasible end of the final bracket, checked by a run),
   and ``bracket`` holds the nearest value known to fail.
4. The direction with the smaller change wins.

"Not reachable within the range" is an answer, not an error: ``reachable=False``
with the best metric value reached on the grid and the lever value giving it.

Limits: the grid resolution bounds what can be found — a response that meets the
target only on an interval narrower than the grid spacing may be missed; between
the scenario value and the first feasible grid value the response is assumed to
cross once (checked only at the grid values).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from models.model import MODEL_PATH

from .evaluate import simulate
from .levers import Lever, PolicyConfigError, lever as get_lever, load_scenario
from .metrics import Target, evaluate_metrics, load_targets

__all__ = ["SeekResult", "seek"]


@dataclass
class SeekResult:
    """Answer of :func:`seek` (lever values in the lever's model unit).

    Attributes:
        lever: the lever searched; target: the target; scenario: fixed overrides.
        start_value: the lever's value in the scenario.
        reachable: True if a value in the range meets the target.
        value: lever value found (meets the target), None if not reachable.
        change: value − start_value.
        metric_value: the target metric at ``value`` (metric unit).
        bracket: (nearest value known to fail, value) after refinement; width ≤ xtol
            for bisection, a few xtol for brentq.
        best_value, best_metric, best_margin: grid value with the largest margin
            (the best reached when not reachable).
        direction: ``increase``, ``decrease`` or ``none`` (already met).
        method: ``brentq``, ``bisection`` or ``none``.
        grid: DataFrame of the grid run (value, metric, margin, met).
        n_runs: model runs used. engine: ``batch`` or ``pysd``.
    """

    lever: Lever
    target: Target
    scenario: dict[str, float]
    start_value: float
    reachable: bool
    value: float | None
    change: float | None
    metric_value: float | None
    bracket: tuple[float, float] | None
    best_value: float
    best_metric: float
    best_margin: float
    direction: str
    method: str
    xtol: float
    lower: float
    upper: float
    grid: pd.DataFrame
    n_runs: int
    engine: str
    settings: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "en") -> str:
        """One-sentence answer."""
        lv, t = self.lever, self.target
        u = lv.units
        if lang == "zh":
            if not self.reachable:
                return (f"在 [{self.lower:g}, {self.upper:g}] {u} 范围内调整“{lv.zh}”无法实现“{t.name('zh')}”"
                        f"（{t.text}）；最佳结果 {t.metric.display('zh')} = {self.best_metric:.6g}（取值 {self.best_value:.6g} {u}）。")
            if self.direction == "none":
                return f"当前情景（{lv.zh} = {self.start_value:g} {u}）已实现“{t.name('zh')}”（{t.text}）。"
            return (f"“{lv.zh}”需从 {self.start_value:g} 调整到 {self.value:.6g} {u}（变化 {self.change:+.6g}），"
                    f"方可实现“{t.name('zh')}”（{t.text}）；此时{t.metric.display('zh')} = {self.metric_value:.6g}。")
        if not self.reachable:
            return (f"'{t.name()}' ({t.text}) cannot be reached by changing '{lv.en}' within "
                    f"[{self.lower:g}, {self.upper:g}] {u}; best {t.metric.display()} = {self.best_metric:.6g} "
                    f"at {self.best_value:.6g} {u}.")
        if self.direction == "none":
            return f"The scenario already meets '{t.name()}' ({t.text}) with {lv.en} = {self.start_value:g} {u}."
        return (f"'{lv.en}' must go from {self.start_value:g} to {self.value:.6g} {u} (change "
                f"{self.change:+.6g}) to meet '{t.name()}' ({t.text}); {t.metric.display()} = {self.metric_value:.6g}.")

    def to_frame(self) -> pd.DataFrame:
        """The answer as a one-row table (for CSV)."""
        return pd.DataFrame([{
            "lever": self.lever.name, "unit": self.lever.units, "target": self.target.text,
            "start_value": self.start_value, "reachable": self.reachable, "value": self.value,
            "change": self.change, "metric_value": self.metric_value, "direction": self.direction,
            "bracket_fail": None if self.bracket is None else self.bracket[0],
            "best_value": self.best_value, "best_metric": self.best_metric, "best_margin": self.best_margin,
            "method": self.method, "xtol": self.xtol, "lower": self.lower, "upper": self.upper,
            "n_runs": self.n_runs, "engine": self.engine,
        }])


class _Evaluator:
    """Runs the model for lever values and returns target margins (counts the runs)."""

    def __init__(self, lever: Lever, target: Target, scenario: Mapping[str, float],
                 tp_options: Mapping[str, Any] | None, engine: str | None, mdl_path: str | Path):
        self.lever, self.target, self.scenario = lever, target, dict(scenario)
        self.tp_options, self.engine, self.mdl_path = tp_options, engine, mdl_path
        self.n_runs = 0
        self.used_engine = ""
        self.cache: dict[float, tuple[float, float]] = {}

    def __call__(self, values: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """(metric values, margins) for lever ``values``."""
        vals = [float(v) for v in values]
        todo = [v for v in dict.fromkeys(vals) if v not in self.cache]
        if todo:
            params = dict(self.scenario)
            params[self.lever.name] = np.asarray(todo)
            sim = simulate(params, self.target.metric.outputs(), n_runs=len(todo), engine=self.engine,
                           mdl_path=self.mdl_path)
            self.used_engine = sim.engine
            self.n_runs += len(todo)
            metric = evaluate_metrics(sim, [self.target.metric], self.tp_options).values.iloc[:, 0].to_numpy()
            for v, m in zip(todo, metric):
                self.cache[v] = (float(m), float(self.target.margin(m)))
        out = np.array([self.cache[v] for v in vals]).reshape(len(vals), 2)
        return out[:, 0], out[:, 1]

    def met(self, margin: float) -> bool:
        """Target met for this margin (same tolerance as :meth:`Target.met`; NaN → False)."""
        return bool(np.isfinite(margin) and margin >= -1e-12 * max(1.0, abs(self.target.threshold)))


def _refine(ev: _Evaluator, fail: float, ok: float, xtol: float, step_like: bool) -> tuple[float, float, str]:
    """Narrow (fail, ok) around the crossing; return (fail, ok, method) with ok meeting the target."""
    if step_like:
        while abs(ok - fail) > xtol:
            mid = 0.5 * (fail + ok)
            if mid in (fail, ok):  # no float between them: the bracket cannot shrink further
                break
            _, mg = ev([mid])
            if ev.met(mg[0]):
                ok = mid
            else:
                fail = mid
        return fail, ok, "bisection"

    def f(x: float) -> float:
        _, mg = ev([x])
        return float(mg[0])

    f_fail, f_ok = f(fail), f(ok)
    if f_ok == 0.0 or not (np.isfinite(f_fail) and np.isfinite(f_ok)) or f_fail >= 0:
        return fail, ok, "brentq"
    r = brentq(f, fail, ok, xtol=xtol, rtol=4 * np.finfo(float).eps)
    d = math.copysign(1.0, ok - fail)
    cands = [r - d * xtol, r, r + d * xtol, r + 2 * d * xtol]
    cands = [c for c in cands if min(fail, ok) <= c <= max(fail, ok)] + [ok]
    _, mg = ev(cands)
    prev = fail
    for c, m in zip(cands, mg):
        if ev.met(m):
            return prev, c, "brentq"
        prev = c
    return fail, ok, "brentq"


def seek(
    lever: str,
    target: Target | str | Mapping[str, Any],
    scenario: Mapping[str, float] | str | Path | None = None,
    lower: float | None = None,
    upper: float | None = None,
    n_grid: int = 33,
    xtol: float | None = None,
    direction: str = "both",
    tp_options: Mapping[str, Any] | None = None,
    engine: str | None = None,
    mdl_path: str | Path = MODEL_PATH,
) -> SeekResult:
    """Smallest change of ``lever`` (others fixed at ``scenario``) that meets ``target``.

    Args:
        lever: an adjustable constant (Vensim or python name), e.g.
            ``"non fossil mandate for new supply"``.
        target: a :class:`Target`, a string such as ``"neutrality<=2060"`` or
            ``"official forest coverage@2035>=26"``, or a target mapping.
        scenario: fixed overrides (mapping or YAML file); None = model defaults.
        lower, upper: search range (default: the lever's declared range), model unit.
        n_grid: grid size of the bracketing batch run (≥ 3).
        xtol: lever tolerance of the refinement (> 0; default: a tenth of the Vensim
            step, else 1e-4 of the range), model unit; raised to the floating-point
            resolution of the range (4 eps max(|lower|, |upper|, 1)) if finer.
        direction: ``both``, ``increase`` or ``decrease`` from the scenario value.

    Returns:
        :class:`SeekResult` (``reachable=False`` if no value in the range meets the target).
    """
    lv = get_lever(lever, mdl_path)
    if isinstance(target, Target):
        tgt = target
    elif isinstance(target, str):
        tgt = Target.parse(target)
    else:
        tgt = load_targets([target])[0]
    if direction not in ("both", "increase", "decrease"):
        raise PolicyConfigError(f"direction must be both, increase or decrease, got {direction!r}")
    if n_grid < 3:
        raise PolicyConfigError("n_grid must be at least 3")
    fixed = load_scenario(scenario, mdl_path)
    lo = lv.minimum if lower is None else float(lower)
    hi = lv.maximum if upper is None else float(upper)
    if not (lv.minimum - 1e-12 <= lo < hi <= lv.maximum + 1e-12):
        raise PolicyConfigError(
            f"search range of '{lv.name}' must satisfy {lv.minimum:g} <= lower < upper <= {lv.maximum:g}")
    v0 = float(fixed.get(lv.name, lv.default))
    if xtol is None:
        xtol = lv.step / 10 if lv.step else (hi - lo) * 1e-4
    if not (isinstance(xtol, (int, float)) and math.isfinite(xtol) and xtol > 0):
        raise PolicyConfigError(f"xtol must be a finite number > 0 (lever units), got {xtol!r}")
    # no tolerance finer than the floating-point resolution of the range
    xtol = max(float(xtol), 4 * np.finfo(float).eps * max(abs(lo), abs(hi), 1.0))
    scen = {k: v for k, v in fixed.items() if k != lv.name}
    ev = _Evaluator(lv, tgt, scen, tp_options, engine, mdl_path)
    grid = np.linspace(lo, hi, n_grid)
    if lo <= v0 <= hi:
        grid = np.unique(np.append(grid, v0))
    metric, margin = ev(grid)
    met = np.array([ev.met(m) for m in margin])
    table = pd.DataFrame({"value": grid, "metric": metric, "margin": margin, "met": met})
    score = np.where(np.isnan(margin), -np.inf, margin)
    ib = int(np.argmax(score))
    step_like = tgt.metric.kind == "turning_point"
    common = dict(lever=lv, target=tgt, scenario=fixed, start_value=v0, best_value=float(grid[ib]),
                  best_metric=float(metric[ib]), best_margin=float(margin[ib]), xtol=float(xtol),
                  lower=lo, upper=hi, grid=table, settings={"n_grid": n_grid, "direction": direction})

    in_range = lo <= v0 <= hi
    if in_range and met[np.searchsorted(grid, v0)]:
        j = int(np.searchsorted(grid, v0))
        return SeekResult(**common, reachable=True, value=v0, change=0.0, metric_value=float(metric[j]),
                          bracket=None, direction="none", method="none", n_runs=ev.n_runs,
                          engine=ev.used_engine)

    candidates: list[tuple[str, float | None, float]] = []
    for dname, sign in (("increase", 1.0), ("decrease", -1.0)):
        if direction not in ("both", dname):
            continue
        ahead = [i for i in np.argsort(sign * grid, kind="stable") if sign * (grid[i] - v0) > 0]
        path = ([int(np.searchsorted(grid, v0))] if in_range else []) + [int(i) for i in ahead]
        for pos, i in enumerate(path):
            if met[i]:
                fail = float(grid[path[pos - 1]]) if pos > 0 else None
                candidates.append((dname, fail, float(grid[i])))
                break
    if not candidates:
        return SeekResult(**common, reachable=False, value=None, change=None, metric_value=None,
                          bracket=None, direction="none", method="none", n_runs=ev.n_runs,
                          engine=ev.used_engine)
    answers = []
    for dname, fail, ok in candidates:
        if fail is None:  # the range starts beyond the scenario value and already meets it
            answers.append((abs(ok - v0), dname, None, ok, "none"))
            continue
        f, o, method = _refine(ev, fail, ok, float(xtol), step_like)
        answers.append((abs(o - v0), dname, f, o, method))
    answers.sort(key=lambda a: a[0])
    _, dname, f, o, method = answers[0]
    m_val, _ = ev([o])
    return SeekResult(**common, reachable=True, value=float(o), change=float(o - v0),
                      metric_value=float(m_val[0]), bracket=None if f is None else (float(f), float(o)),
                      direction=dname,
                      method=method, n_runs=ev.n_runs, engine=ev.used_engine)
