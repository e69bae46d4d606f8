"""Identifiable calibration: fit, then fix what the data cannot identify (参数可识别性).

A constant fitted to history is a result only when the data identify it. After a fit,
:func:`fit_identified` looks at every estimated constant and fixes to its literature value
(the documented model default) each one that

* has a standard error wider than its prior range (the width of its bounds), or an
  undefined standard error (singular Jacobian), or no effect on any fitted series; or
* ends at a bound of its prior range without a written ``bound_reason`` in the
  configuration (the data push it outside what the literature allows: a finding about
  the model, reported, not a result). An initial value anchored on the region's own
  observation is not removed for that: its range is the measurement uncertainty of the
  observation, and the report says that the model's dynamics trade the fit of the first
  years against the later ones (:data:`ANCHOR_BOUND_REASON`).

Constants are removed one at a time (``identification.one_at_a_time``; otherwise a third
of those flagged per round), worst first (largest standard error relative to the range;
bound cases after the unidentified ones), and the remaining ones are fitted
again from the previous optimum with the local least-squares polish, because fixing one
constant of a correlated group usually makes the others identifiable. When constants
were removed, a final global search (differential evolution) on the reduced set makes
sure the optimum does not depend on the path of the removals. The removed constants, the
reason, the estimate and the value used are recorded in ``FitResult.identification`` and
shown in the report.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import Callable

import numpy as np

from calibration import fit as fit_module
from calibration.config import CalibrationConfig, FixedValue
from calibration.fit import FitResult, Problem
from calibration.observations import RegionHistory, load_region_history

__all__ = ["ANCHOR_BOUND_REASON", "fit_identified", "unidentified"]

#: Written reason for an anchored initial value that ends at a bound of its range.
ANCHOR_BOUND_REASON = (
    "initial value anchored on the region's observation; its range is the measurement "
    "uncertainty of that observation, and at the bound the model's dynamics trade the fit "
    "of the first years against that of the later ones")


def source_zh(source: str) -> str:
    """Chinese text of the source of a literature value (the configured source texts are
    bibliographic references and stay as written)."""
    out = source.replace("model default", "模型默认值").replace(", moved into the region's bounds ",
                                                             "，移入该地区估计区间 ")
    return out.replace("the region's data: ", "该地区数据：")


def unidentified(result: FitResult, cfg: CalibrationConfig, *, bounds: bool = True
                 ) -> list[dict]:
    """Estimated constants that the data do not identify, worst first.

    A constant is unidentified when its standard error exceeds ``se_limit`` times the width
    of its prior range (``identification.se_limit``: 1, the standard error wider than the
    range; 0.255, the 95 % interval, ±1.96 standard errors, wider than the range).

    Each item: ``{name, estimate, se, width, kind, severity, reason, reason_zh}``; kind is
    ``"no_effect"``, ``"undefined_se"``, ``"se"`` or ``"bound"``; severity is SE / width
    (infinite for no effect or an undefined SE). With ``bounds``, constants at a bound
    without a ``bound_reason`` are included too (kind ``"bound"``, after the others).
    """
    limit = cfg.identification.se_limit
    reasons = {p.name: p.bound_reason for p in cfg.parameters}
    anchored = {p.name for p in cfg.parameters if p.anchor is not None}
    out = []
    for i, name in enumerate(result.names):
        if result.integer[i]:
            continue
        flags = result.flags[i]["flags"]
        width = result.upper[i] - result.lower[i]
        se = result.se[i]
        x = result.estimates[i]
        item = {"name": name, "estimate": x, "se": se, "width": width,
                "lower": result.lower[i], "upper": result.upper[i]}
        if "no_effect" in flags:
            out.append({**item, "kind": "no_effect", "severity": math.inf,
                        "reason": "no effect on any fitted series", "reason_zh": "对所有拟合序列均无影响"})
        elif not (se is not None and np.isfinite(se)):
            out.append({**item, "kind": "undefined_se", "severity": math.inf,
                        "reason": "standard error undefined (singular Jacobian)",
                        "reason_zh": "标准误无定义（雅可比矩阵奇异）"})
        elif se > limit * width:
            rng = f"[{result.lower[i]:.4g}, {result.upper[i]:.4g}]"
            if limit == 1:
                text = f"standard error {se:.3g} wider than the prior range {rng}"
                text_zh = f"标准误 {se:.3g} 大于先验区间 {rng} 的宽度"
            else:
                text = f"standard error {se:.3g} wider than {limit:g} x the width of the prior range {rng}"
                text_zh = f"标准误 {se:.3g} 大于先验区间 {rng} 宽度的 {limit:g} 倍"
            out.append({**item, "kind": "se", "severity": se / width, "reason": text, "reason_zh": text_zh})
        elif (bounds and ("at_lower_bound" in flags or "at_upper_bound" in flags)
              and not reasons.get(name) and name not in anchored):
            side = "lower" if "at_lower_bound" in flags else "upper"
            out.append({**item, "kind": "bound", "severity": 0.5,
                        "reason": f"estimate at the {side} bound of the prior range, no written "
                                  "reason",
                        "reason_zh": f"估计值位于先验区间{'下' if side == 'lower' else '上'}界，且无书面理由"})
    out.sort(key=lambda d: (d["kind"] == "bound", -d["severity"]))
    return out


def at_bound_without_reason(result: FitResult, cfg: CalibrationConfig) -> list[dict]:
    """Identified estimates that end at a bound of their prior range without a written
    ``bound_reason`` (and not anchored): ``{name, estimate, bound: "lower"|"upper", range}``.

    These are findings about the model or the range, listed in the validation report."""
    return [{"name": d["name"], "estimate": float(d["estimate"]),
             "bound": "lower" if d["estimate"] <= 0.5 * (d["lower"] + d["upper"]) else "upper",
             "range": [float(d["lower"]), float(d["upper"])]}
            for d in unidentified(result, cfg) if d["kind"] == "bound"]


def last_undone(identification: dict | None) -> dict[str, dict]:
    """The last undone fixing of each constant (``identification["kept"]``), by name."""
    return {d["name"]: d for d in (identification or {}).get("kept") or []}


def _json_safe(items: list[dict]) -> list[dict]:
    """``items`` with non-finite floats (an undefined standard error) as None."""
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}
            for d in items]


def _with_fixed(cfg: CalibrationConfig, items: list[dict], defaults: dict[str, float],
                sources: dict[str, str] | None = None) -> CalibrationConfig:
    new = copy.copy(cfg)
    new.fixed = dict(cfg.fixed)
    names = {d["name"] for d in items}
    for d in items:
        value = defaults[d["name"]]
        src = (sources or {}).get(d["name"]) or "model default"
        new.fixed[d["name"]] = FixedValue(
            value,
            f"Not identified by the calibration to the history ({d['reason']}); fixed to the literature value "
            f"({src}).",
            f"校准中历史数据无法识别（{d.get('reason_zh', d['reason'])}），固定为文献值（{source_zh(src)}）。")
    new.parameters = [p for p in cfg.parameters if p.name not in names]
    return new


def fit_identified(
    cfg: CalibrationConfig,
    history: RegionHistory | None = None,
    *,
    log: Callable[[str], None] | None = None,
) -> tuple[FitResult, Problem]:
    """Fit ``cfg``, then fix the constants the data do not identify.

    1. Global fit (differential evolution + polish) of all configured constants
       (``first_generations`` generations when set).
    2. While some have a standard error wider than their range (or no effect): fix the
       worst one (``one_at_a_time: false``: the worst third) to its literature value and
       fit the others again from the current
       optimum (the least-squares polish; first ``round_generations`` generations of
       differential evolution seeded with it, when configured).
    3. Global fit of the remaining constants (when any were fixed, or always after a first
       search shortened by ``first_generations``), not seeded with the previous optimum;
       the better of the two is kept.
    4. Constants still unidentified, and with ``fix_at_bounds`` the estimates at a bound
       without a written reason, are fixed one at a time the same way, then the rest is
       fitted globally once more. Without ``fix_at_bounds`` such estimates stay and are
       reported (a finding about the model or the prior range).

    With ``max_objective_increase`` set, a fixing that raises the in-sample objective by more
    than that share is undone and the next flagged constant is tried (it is tried again once
    another has been fixed): the data reject the literature value, so the constant's wide
    standard error is local (a ridge shared with other constants, one of which is fixed
    instead), not a flat profile (Raue et al. 2009, Bioinformatics 25(15): a constant is
    practically non-identifiable when the objective stays flat as it moves, here to its
    literature value). Such constants stay estimated and are listed (``kept``).

    Returns the final (FitResult, Problem); ``result.identification`` lists the fixed
    constants (``eliminated``), the fixings undone (``kept``), the rounds, the runs and the
    time in all.
    """
    import time

    log = log or (lambda msg: None)
    t0 = time.perf_counter()
    history = history or load_region_history(cfg)
    settings = cfg.identification
    first = cfg
    if settings.eliminate and settings.first_generations not in (None, cfg.optimizer.maxiter):
        # a shorter first search only has to find the basin for the identification test;
        # the fresh global search at the end then always runs with the full settings
        first = copy.copy(cfg)
        first.optimizer = dataclasses.replace(cfg.optimizer, maxiter=settings.first_generations)
    result, problem = fit_module.fit(first, history, log=log)
    runs = result.optimizer["runs"]
    if not settings.eliminate:
        return result, problem
    from models.model import load_model

    model = load_model()
    defaults = {n: model.constants[n].default for n in result.names}
    sources = {}
    for p in cfg.parameters:
        if p.literature is not None:
            defaults[p.name] = p.literature
            sources[p.name] = p.literature_source
        elif p.anchor is not None and p.name in problem.names:
            # an anchored constant's reference value is the region's own observation
            defaults[p.name] = float(problem.x0[problem.names.index(p.name)])
            sources[p.name] = f"the region's data: {problem.bound_notes.get(p.name, 'anchor')}"
    for i, name in enumerate(problem.names):
        # a value fixed for this region stays inside the bounds its data allow (a default
        # describing China, e.g. a land share, may not fit another region's land)
        lo, hi = float(problem.lower[i]), float(problem.upper[i])
        if name in defaults and not lo <= defaults[name] <= hi:
            clipped = min(max(defaults[name], lo), hi)
            sources[name] = (f"{sources.get(name, 'model default')} {defaults[name]:g}, "
                             f"moved into the region's bounds [{lo:.4g}, {hi:.4g}]")
            defaults[name] = clipped
    eliminated: list[dict] = []
    # a round starts at the previous optimum, where only the fixed constants moved: the
    # least-squares polish (after a few seeded DE generations, if configured) finds the
    # new optimum; the fresh global search of step 3 guards against a path-dependent one
    round_optimizer = dataclasses.replace(cfg.optimizer, maxiter=settings.round_generations)
    rounds = 0
    current = cfg

    kept: list[dict] = []
    limit = settings.max_objective_increase

    def refit(take: list[dict]) -> bool:
        """Fix ``take`` and fit the rest from the current optimum; undo it (False) when the
        data reject the fixed values (the objective rises by more than the limit)."""
        nonlocal result, problem, current, rounds, runs
        rounds += 1
        for d in take:
            d["round"] = rounds
            d["value"] = defaults[d["name"]]
            d["source"] = sources.get(d["name"], "model default")
        log(f"identification round {rounds}: fixing "
            + "; ".join(f"{d['name']} ({d['reason']})" for d in take))
        start = {n: v for n, v in zip(result.names, result.estimates)}
        before = (result, problem, current)
        current = _with_fixed(current, take, defaults, sources)
        current.optimizer = round_optimizer
        result, problem = fit_module.fit(current, history, log=log, start=start)
        runs += result.optimizer["runs"]
        rise = result.objective / before[0].objective - 1 if before[0].objective > 0 else 0.0
        if limit is not None and rise > limit:
            log(f"identification round {rounds}: undone, the objective rose by {100 * rise:.0f} % "
                f"(limit {100 * limit:.0f} %): the data reject the literature value")
            kept.extend({**d, "objective_before": before[0].objective,
                         "objective_fixed": result.objective} for d in take)
            result, problem, current = before
            return False
        eliminated.extend(take)
        return True

    def eliminate(bounds: bool, one: bool) -> None:
        """Fix flagged constants (worst first) until none is left whose fixing the data
        accept; a constant whose fixing was undone is tried again after another is fixed."""
        rejected: set[str] = set()
        while rounds < settings.max_rounds:
            flagged = unidentified(result, current, bounds=bounds)
            bad = [d for d in flagged if d["name"] not in rejected]
            if not bad or len(flagged) >= len(result.names):
                break
            take = bad[:1] if one else bad[: max(1, len(bad) // 3)]
            if refit(take):
                rejected.clear()
            else:
                rejected.update(d["name"] for d in take)

    # 2. unidentified constants, worst first, re-fits from the previous optimum
    eliminate(bounds=False, one=settings.one_at_a_time)

    def global_search() -> None:
        """A fresh global search (not seeded with the current optimum, so that the result
        does not depend on the path of the removals); the better of the two is kept."""
        nonlocal result, problem, runs
        current.optimizer = cfg.optimizer
        log(f"global search on the {len(result.names)} remaining constants")
        fresh, fresh_problem = fit_module.fit(current, history, log=log)
        runs += fresh.optimizer["runs"]
        if fresh.objective <= result.objective:
            result, problem = fresh, fresh_problem

    # 3. global search on what is left
    if (eliminated and settings.final_global) or first is not cfg:
        global_search()
    # 4. any constant left unidentified after the global search, and (if configured) the
    # estimates at a bound without a written reason: one at a time, each with a search
    # seeded by the current optimum
    n_before = len(eliminated)
    eliminate(bounds=settings.fix_at_bounds, one=True)
    if len(eliminated) > n_before and settings.final_global:
        global_search()
    result.identification = {
        "total_s": time.perf_counter() - t0,
        "runs": runs,
        "rounds": rounds,
        "eliminated": _json_safe(eliminated),
        "kept": _json_safe(kept),
        "remaining_unidentified": [d["name"] for d in unidentified(result, current)],
        "at_bound_without_reason": at_bound_without_reason(result, current),
    }
    return result, problem
