"""Turning-point bands over the calibration's parameter uncertainty (拐点不确定性区间).

The calibration (``python -m calibration fit``) writes for every fitted constant its
estimate, standard error, bounds and the correlation matrix of the estimates
(``fit_result.json``: the Gauss–Newton/Laplace approximation at the optimum). The
ensemble draws the constants from that approximation, restricted to the bounds:

* a **Gaussian copula with truncated-normal marginals** — correlated standard normals
  ``z ~ N(0, R)`` (``R`` the fit's correlation matrix, made positive semi-definite by
  clipping negative eigenvalues), ``u = Φ(z)``, and each constant
  ``x_i = F_i^{-1}(u_i)`` with ``F_i`` the normal (estimate, SE) truncated to the
  fit's bounds (:func:`scipy.stats.truncnorm`). Every draw lies inside the bounds,
  each marginal is exactly the truncated normal of its estimate and SE, and the
  rank correlation of the fit is kept. Rejection sampling of the truncated
  multivariate normal would be exact but is impractical when several estimates sit
  at a bound (each halves the acceptance rate), which is the case for the current
  fits; near a bound the Gaussian approximation is only local anyway.
* constants without a finite SE (integer constants, or an SE that could not be
  computed) keep their estimate; constants a scenario sets to a value other than the
  calibrated estimate keep the scenario's value (they are policy choices);
* optional user ranges draw further constants uniformly (``{name: (lo, hi)}``);
* draws violating the model's joint constraints (initial land shares <= 1, forest age
  fractions <= 1) are drawn again.

All runs go through the batch runner in one vectorized call, and their turning
points through the one engine. Bands are the 5th, 50th and 95th percentiles of the
censored years (:func:`.core.censor`: "after 2100" counts as 2101, "at or before the
window start b" as b − 1); the probability of each target is the share of runs that
meet it (undecided runs are counted separately).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .definitions import DEFAULT_FIT_RESULT, KEYS, NAMES, WINDOWS, TPOptions, project_path
from .narration import fy

__all__ = ["ParameterUncertainty", "EnsembleResult", "run_ensemble", "BAND_COLUMNS", "TARGET_COLUMNS"]

BAND_COLUMNS = ("key", "window", "name_en", "name_zh", "central", "p5", "p50", "p95", "band",
                "n_reached", "n_before", "n_after", "n_undefined")
TARGET_COLUMNS = ("key", "name_en", "name_zh", "target", "probability", "undecided", "central")


@dataclass(frozen=True)
class ParameterUncertainty:
    """Estimates, standard errors, bounds and correlations of calibrated constants.

    Attributes:
        names: Vensim names of the constants drawn.
        estimate, se, lower, upper: arrays (k,), model units.
        corr: correlation matrix (k, k).
        fixed: constants kept at their estimate (no finite SE), name → value.
        source: the file read.
    """

    names: tuple[str, ...]
    estimate: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    corr: np.ndarray
    fixed: Mapping[str, float] = field(default_factory=dict)
    source: str = ""

    @classmethod
    def from_fit_result(cls, path: str | Path = DEFAULT_FIT_RESULT) -> "ParameterUncertainty":
        """Read ``fit_result.json`` of the calibration (errors name the file and key)."""
        path = Path(path)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            names = list(d["names"])
            est, se = np.asarray(d["estimates"], float), np.asarray(d["se"], float)
            lo, hi = np.asarray(d["lower"], float), np.asarray(d["upper"], float)
            corr = np.asarray(d["corr"], float)
        except FileNotFoundError:
            raise ValueError(f"{path}: calibration result not found (run python -m calibration fit)") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: not a calibration result ({type(exc).__name__}: {exc})") from None
        k = len(names)
        if not (est.shape == se.shape == lo.shape == hi.shape == (k,) and corr.shape == (k, k)):
            raise ValueError(f"{path}: names, estimates, se, lower, upper and corr have inconsistent sizes")
        integer = np.asarray(d.get("integer", [False] * k), bool)
        keep = np.isfinite(se) & (se > 0) & ~integer & (hi > lo)
        fixed = {n: float(e) for n, e, ok in zip(names, est, keep) if not ok}
        idx = np.flatnonzero(keep)
        c = corr[np.ix_(idx, idx)]
        c = np.where(np.isfinite(c), c, 0.0)
        np.fill_diagonal(c, 1.0)
        return cls(tuple(names[i] for i in idx), est[idx], se[idx], lo[idx], hi[idx], _psd(c), fixed, str(path))

    def sample(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """``n`` draws of every constant (Gaussian copula, truncated-normal marginals)."""
        from scipy.stats import norm, truncnorm

        k = len(self.names)
        if k == 0:
            return {}
        w, v = np.linalg.eigh(self.corr)
        z = rng.standard_normal((n, k)) @ (v * np.sqrt(np.clip(w, 0.0, None))).T
        u = np.clip(norm.cdf(z), 1e-12, 1 - 1e-12)
        a, b = (self.lower - self.estimate) / self.se, (self.upper - self.estimate) / self.se
        x = truncnorm.ppf(u, a, b, loc=self.estimate, scale=self.se)
        x = np.clip(x, self.lower, self.upper)
        return {name: x[:, j] for j, name in enumerate(self.names)}


def _psd(c: np.ndarray) -> np.ndarray:
    """Nearest correlation matrix by eigenvalue clipping and rescaling to unit diagonal."""
    w, v = np.linalg.eigh((c + c.T) / 2)
    m = (v * np.clip(w, 1e-10, None)) @ v.T
    d = np.sqrt(np.diag(m))
    return m / np.outer(d, d)


@dataclass(frozen=True, eq=False)
class EnsembleResult:
    """Turning-point bands and target probabilities of an ensemble.

    Attributes:
        bands: tidy DataFrame (:data:`BAND_COLUMNS`), one row per key and window:
            the central run's year (at the calibrated estimates), the 5/50/95 %
            percentiles of the censored years, a text band (``≤2025`` / ``>2100`` for
            censored percentiles) and the counts of outcomes.
        targets: DataFrame (:data:`TARGET_COLUMNS`): probability that each target is
            met, share undecided, and whether the central run meets it.
        years: DataFrame (N runs × ``key@window``) of censored years.
        samples: DataFrame (N runs × drawn constants).
        settings: n, seed, seconds, source, held constants, user ranges, method.
    """

    bands: pd.DataFrame
    targets: pd.DataFrame
    years: pd.DataFrame
    samples: pd.DataFrame
    settings: Mapping[str, Any]


def _band_text(v: float, direction: int, bound: float) -> str:
    if not np.isfinite(v):
        return "–"
    if direction == 1:
        return f">{fy(bound)}"
    if direction == -1:
        return f"≤{fy(bound)}"
    return fy(round(v))


def _percentile(v: np.ndarray, q: float) -> float:
    ok = v[np.isfinite(v)]
    return float(np.percentile(ok, q, method="inverted_cdf")) if ok.size else np.nan


def run_ensemble(
    scenario: Any = "baseline",
    n: int = 1000,
    *,
    seed: int = 1,
    fit_result: str | Path = DEFAULT_FIT_RESULT,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    options: TPOptions | Mapping[str, Any] | None = None,
    targets: Any = None,
) -> EnsembleResult:
    """Turning points of ``n`` parameter draws around a scenario, in one batch call.

    Args:
        scenario: scenario key or path (see :func:`scenarios.load_scenario`), a
            Scenario, or a mapping of overrides.
        n: ensemble size.
        seed: seed of the draws (results depend only on it).
        fit_result: the calibration result with the parameter uncertainty.
        ranges: further constants drawn uniformly, name → (low, high) in model units.
        options: turning-point options.
        targets: a target set (default the national set of ``analysis/targets.yaml``).

    Returns:
        :class:`EnsembleResult`.
    """
    from analysis.metrics import MetricError, evaluate_metrics
    from analysis.targets import load_targets
    from models.model import INITIAL_FOREST_FRACTIONS, INITIAL_LAND_SHARES, ModelInputError, load_model
    from scenarios import load_scenario

    from .runs import run_turning_points

    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"ensemble size must be an integer >= 2, got {n!r}")
    started = time.perf_counter()
    model = load_model()
    if isinstance(scenario, Mapping):
        label, overrides = "<overrides>", dict(scenario)
    elif hasattr(scenario, "inputs"):
        label, overrides = str(getattr(scenario, "key", scenario)), dict(scenario.inputs)
    else:
        sc = load_scenario(scenario)
        label, overrides = sc.key, dict(sc.inputs)
    overrides = model.validate_overrides(overrides, source=f"scenario {label}")
    unc = ParameterUncertainty.from_fit_result(fit_result)
    unknown = [nm for nm in (*unc.names, *unc.fixed) if nm not in model.constants]
    if unknown:
        raise ValueError(f"{project_path(unc.source)}: the calibration result names constants the model does not have "
                         f"({', '.join(unknown)}); it belongs to another model version: run "
                         "python -m calibration fit again")
    opts = TPOptions.of(options)
    rng = np.random.default_rng(seed)

    drawn = [nm for nm, e in zip(unc.names, unc.estimate)
             if nm in overrides and np.isclose(overrides[nm], e, rtol=1e-4, atol=1e-12)]
    held = {nm: overrides.get(nm, model.constants[nm].default) for nm in unc.names if nm not in drawn}
    ranges = {model.resolve_constant(k): (float(a), float(b)) for k, (a, b) in (ranges or {}).items()}
    if not drawn and not ranges:
        raise ValueError(f"scenario {label}: nothing to draw: none of its constants equals a calibrated "
                         f"estimate of {project_path(unc.source)}, and no ranges are given")
    for name, (a, b) in ranges.items():
        c = model.constants[name]
        if not (b > a) or (c.minimum is not None and a < c.minimum) or (c.maximum is not None and b > c.maximum):
            raise ModelInputError(f"range of '{name}' = [{a:g}, {b:g}] must be increasing and inside "
                                  f"{c.range_text()}")
    sub = ParameterUncertainty(tuple(drawn), *(np.asarray([getattr(unc, f)[unc.names.index(nm)] for nm in drawn])
                                               for f in ("estimate", "se", "lower", "upper")),
                               corr=unc.corr[np.ix_([unc.names.index(x) for x in drawn],
                                                    [unc.names.index(x) for x in drawn])],
                               source=unc.source)
    samples = _draw(sub, ranges, n, rng, overrides, model, (INITIAL_LAND_SHARES, INITIAL_FOREST_FRACTIONS))
    params: dict[str, Any] = dict(overrides)
    for name, col in samples.items():  # row 0: the central run (the scenario itself)
        params[name] = np.concatenate([[overrides.get(name, model.constants[name].default)], col])
    tset = load_targets() if targets is None else targets
    extra = list(dict.fromkeys(o for t in tset if t.metric.kind != "turning_point" for o in t.metric.outputs()))
    arrays, saved, times = run_turning_points(params, n + 1, opts, kinks=False, extra_outputs=extra)

    band_rows, year_cols = [], {}
    for window in WINDOWS:
        start = arrays.window_starts[window]
        for key in KEYS:
            years, direction = arrays.censored(key, window)
            ys, ds = years[1:], direction[1:]
            year_cols[f"{key}@{window}"] = ys
            p = {q: _percentile(ys, q) for q in (5, 50, 95)}

            def text(v: float, start: float = start) -> str:
                d = 1 if v > times[-1] else (-1 if v < start else 0)
                return _band_text(v, d, times[-1] if d == 1 else start)

            band_rows.append({
                "key": key, "window": window, "name_en": NAMES[key]["en"], "name_zh": NAMES[key]["zh"],
                "central": years[0], "p5": p[5], "p50": p[50], "p95": p[95],
                "band": f"{text(p[50])} [{text(p[5])}, {text(p[95])}]",
                "n_reached": int((ds == 0).sum() - np.isnan(ys).sum()), "n_before": int((ds == -1).sum()),
                "n_after": int((ds == 1).sum()), "n_undefined": int(np.isnan(ys).sum()),
            })
    target_rows = []
    for t in tset:
        try:
            table = evaluate_metrics(saved, times, [t.metric], opts, turning_points=arrays)
        except MetricError as exc:
            raise MetricError(f"target '{t.key}': {exc}") from None
        res = t.assess(table.values.iloc[:, 0].to_numpy(), table.direction.iloc[:, 0].to_numpy(), table.step)
        target_rows.append({"key": t.key, "name_en": t.name("en"), "name_zh": t.name("zh"), "target": t.text,
                            "probability": float(np.mean(res[1:] == 1.0)),
                            "undecided": float(np.mean(np.isnan(res[1:]))),
                            "central": None if np.isnan(res[0]) else bool(res[0] == 1.0)})
    seconds = time.perf_counter() - started
    return EnsembleResult(
        bands=pd.DataFrame(band_rows, columns=list(BAND_COLUMNS)),
        targets=pd.DataFrame(target_rows, columns=list(TARGET_COLUMNS)),
        years=pd.DataFrame(year_cols), samples=pd.DataFrame(samples),
        settings={"scenario": label, "n": int(n), "seed": seed, "seconds": seconds, "source": project_path(unc.source),
                  "drawn": list(drawn), "held": held, "fixed": dict(unc.fixed), "ranges": ranges,
                  "method": "Gaussian copula with truncated-normal marginals (fit estimates, SE, correlations)",
                  "options": opts.describe()},
    )


def _draw(unc: ParameterUncertainty, ranges: Mapping[str, tuple[float, float]], n: int, rng: np.random.Generator,
          overrides: Mapping[str, float], model: Any, groups: tuple[tuple[str, ...], ...]) -> dict[str, np.ndarray]:
    """Draws of the calibrated and user-ranged constants satisfying the joint constraints."""
    out: dict[str, list[np.ndarray]] = {}
    got = 0
    for _ in range(100):
        batch = unc.sample(n, rng)
        for name, (a, b) in ranges.items():
            batch[name] = rng.uniform(a, b, n)
        ok = np.ones(n, bool)
        for group in groups:
            if set(group) & set(batch):
                total = sum(batch.get(g, overrides.get(g, model.constants[g].default)) for g in group)
                ok &= np.asarray(total) <= 1 + 1e-12
        for name, col in batch.items():
            out.setdefault(name, []).append(col[ok])
        got += int(ok.sum())
        if got >= n:
            return {name: np.concatenate(cols)[:n] for name, cols in out.items()}
    raise ValueError("fewer than the requested draws satisfy the initial land-share constraints after 100 "
                     "attempts; narrow the user ranges")


