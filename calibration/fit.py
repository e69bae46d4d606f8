"""Fit model constants to history (参数估计).

Objective
---------
For each fitted series s with n_s independent observations y_st (FAO interpolations,
imputations and projections excluded by the loader's ``fit_mask``), model values m_st
(see ``timing`` in :mod:`calibration.config`), weight w_s and scale c_s = mean |y_s|::

    r_st = sqrt(w_s / n_s) * (m_st - y_st) / c_s          (residual vector)
    J    = sum_st r_st^2 = sum_s w_s * mean_t ((m_st - y_st) / c_s)^2

i.e. a weighted sum of the series' mean squared errors normalised by their mean, so
every series counts by its weight and not by its unit or its number of points.

Search
------
1. Global: ``scipy.optimize.differential_evolution`` with ``vectorized=True`` and
   ``updating='deferred'``: each generation is ONE call of
   :func:`calibration.evaluate.simulate_many` for the whole population. Integer
   parameters (years) use DE's ``integrality``. Fixed seed -> reproducible.
2. Local: ``scipy.optimize.least_squares`` (trust-region reflective, bounds) on the
   residual vector, in coordinates scaled to [0, 1] per parameter, from the DE optimum;
   the Jacobian is one batch call of P+1 runs. Integer parameters are held fixed.

Uncertainty
-----------
At the optimum the Jacobian J of the residuals (central differences, one batch call)
gives cov = s^2 (J'J)^-1 with s^2 = SSR / (m - p) (m residuals, p free parameters), the
standard errors sqrt(diag cov) and the correlation matrix. These are *local*,
*conditional* (on the model structure, the fixed constants and the weights) and
optimistic: residuals of annual series are autocorrelated, so the effective number of
observations is smaller than m. Warnings flag parameters at a bound, poorly identified
ones (SE larger than ``rel_se`` times |estimate|, or than a quarter of the bounds' width,
or no effect on any fitted series) and pairs with |r| > ``correlation``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution, least_squares

from calibration.bounds import resolve_bounds
from calibration.config import CalibrationConfig, ConfigError
from calibration.evaluate import model_times, simulate_many
from calibration.observations import (
    FitSeries,
    RegionHistory,
    build_targets,
    data_input_values,
    load_region_history,
    values_at_columns,
    year_columns,
)

#: objective value given to runs that produce NaN or inf
PENALTY = 1e10


class FitError(RuntimeError):
    """The fit could not be carried out (e.g. every run failed)."""


# ---------------------------------------------------------------------------- problem
@dataclass
class Problem:
    """Everything the objective needs: parameters, bounds, fixed constants, data."""

    names: list[str]
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray  # bool
    x0: np.ndarray
    defaults: np.ndarray
    fixed: dict[str, float]
    targets: list[FitSeries]
    times: np.ndarray
    window: tuple[int, int]
    notes: list[str]
    bound_notes: dict[str, str]
    n_evaluations: int = 0
    initial_time: float | None = None  # year the runs start (None: the model's INITIAL TIME)
    final_time: float | None = None  # year the runs stop: the last saved time the data need
    data: dict[str, pd.Series] = field(default_factory=dict)  # data inputs (time series)
    _columns: list = field(default_factory=list, init=False, repr=False, compare=False)
    _columns_key: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def outputs(self) -> list[str]:
        return list(dict.fromkeys(t.target.model_variable for t in self.targets))

    @property
    def n_residuals(self) -> int:
        return sum(t.n for t in self.targets)

    def simulate(self, X: np.ndarray, outputs: list[str] | None = None) -> dict[str, np.ndarray]:
        X = np.atleast_2d(X)
        self.n_evaluations += X.shape[0]
        return simulate_many(X, self.names, outputs or self.outputs, fixed={**self.fixed, **self.data},
                             initial_time=self.initial_time, final_time=self.final_time)

    def residual_matrix(self, X: np.ndarray) -> np.ndarray:
        """Residuals (N, m) of N parameter sets (rows of X)."""
        arrays = self.simulate(X)
        parts = []
        for t, columns in zip(self.targets, self.target_columns):
            m = values_at_columns(arrays[t.target.model_variable], columns)
            parts.append(math.sqrt(t.target.weight / t.n) * (m - t.values) / t.scale)
        return np.concatenate(parts, axis=1)

    @property
    def target_columns(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Saved-time columns of each target's data years (``year_columns``), found once."""
        key = (id(self.times), len(self.times), tuple(id(t) for t in self.targets))
        if self._columns_key != key:
            self._columns = [year_columns(self.times, t.years, t.target.timing) for t in self.targets]
            self._columns_key = key
        return self._columns

    def objective(self, X: np.ndarray) -> np.ndarray:
        R = self.residual_matrix(X)
        f = np.sum(R**2, axis=1)
        f[~np.isfinite(f)] = PENALTY
        return f

    def series_objective(self, x: np.ndarray) -> dict[str, float]:
        """Contribution of each series to the objective at x."""
        R = self.residual_matrix(x[None, :])[0]
        out, i = {}, 0
        for t in self.targets:
            out[t.name] = float(np.sum(R[i:i + t.n] ** 2))
            i += t.n
        return out


def strictly_inside(x: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """``x`` clipped to the bounds and kept 1e-12 of each width inside them.

    SciPy's differential evolution rescales a start point to the unit interval and
    refuses it when rounding puts a coordinate at a bound just outside [0, 1] (for
    example an estimate of the previous identification round that sits at its bound).
    """
    x, lower, upper = (np.asarray(a, float) for a in (x, lower, upper))
    margin = 1e-12 * (upper - lower)
    return np.minimum(np.maximum(x, lower + margin), upper - margin)


def build_problem(cfg: CalibrationConfig, history: RegionHistory, model=None) -> Problem:
    """Set up the fit for the rows in ``history.fit`` (never ``history.holdout``)."""
    from models.model import load_model

    model = model or load_model()
    times = model_times(initial_time=cfg.initial_time)
    targets, notes, end = build_targets(cfg, history.fit, times)
    notes = [*cfg.data_input_notes, *notes]
    # the runs stop at the last saved time a target reads (the year after its last data
    # year, for values at the year's end or mid-year): the values up to it are those of a
    # run to FINAL TIME, and the years after it would only cost time
    times = times[: int(np.searchsorted(times, max(float(t.years.max()) for t in targets))) + 2]
    params, lo, hi, x0, bnotes = resolve_bounds(cfg, history.fit, model)
    names = [p.name for p in params]
    return Problem(
        names=names,
        lower=lo,
        upper=hi,
        integer=np.array([p.integer for p in params], bool),
        x0=x0,
        defaults=np.array([model.constants[n].default for n in names], float),
        fixed=cfg.fixed_values(),
        data=data_input_values(cfg),
        targets=targets,
        times=times,
        window=(cfg.window_start, end),
        notes=notes,
        bound_notes=bnotes,
        initial_time=cfg.initial_time,
        final_time=float(times[-1]),
    )


# ------------------------------------------------------------------------- uncertainty
def jacobian(problem: Problem, x: np.ndarray, free: np.ndarray, rel_step: float = 1e-4
             ) -> np.ndarray:
    """Central-difference Jacobian (m, k) of the residuals w.r.t. the free parameters
    (physical units), in one batch call of 2k runs. Steps are ``rel_step`` times the
    bounds' width; one-sided at a bound."""
    idx = np.flatnonzero(free)
    width = problem.upper - problem.lower
    X = []
    steps = []
    for j in idx:
        h = rel_step * width[j]
        up = min(x[j] + h, problem.upper[j])
        dn = max(x[j] - h, problem.lower[j])
        xu, xd = x.copy(), x.copy()
        xu[j], xd[j] = up, dn
        X += [xu, xd]
        steps.append(up - dn)
    R = problem.residual_matrix(np.array(X))
    J = (R[0::2] - R[1::2]) / np.array(steps)[:, None]
    return J.T


def uncertainty(problem: Problem, x: np.ndarray, residuals: np.ndarray) -> dict:
    """Standard errors and correlations from cov = s^2 (J'J)^-1 at ``x``."""
    free = ~problem.integer
    k = int(free.sum())
    m = residuals.size
    J = jacobian(problem, x, free)
    ssr = float(residuals @ residuals)
    dof = m - k
    s2 = ssr / dof if dof > 0 else float("nan")
    p = len(problem.names)
    se = np.full(p, np.nan)
    corr = np.full((p, p), np.nan)
    zero_cols = np.zeros(p, bool)
    cond = float("nan")
    if k:
        JtJ = J.T @ J
        col_norm = np.sqrt(np.diag(JtJ))
        zero_cols[np.flatnonzero(free)] = col_norm <= 1e-12 * max(1.0, col_norm.max(initial=0))
        # scale columns before inversion for numerical stability
        d = np.where(col_norm > 0, col_norm, 1.0)
        A = JtJ / np.outer(d, d)
        cond = float(np.linalg.cond(A))
        Ainv = np.linalg.pinv(A, rcond=1e-13)
        cov = s2 * Ainv / np.outer(d, d)
        diag = np.diag(cov).copy()
        diag[zero_cols[free]] = np.inf
        sub_se = np.sqrt(np.where(diag >= 0, diag, np.nan))
        se[free] = sub_se
        with np.errstate(invalid="ignore", divide="ignore"):
            sub_corr = cov / np.outer(np.sqrt(np.diag(cov)), np.sqrt(np.diag(cov)))
        fi = np.flatnonzero(free)
        corr[np.ix_(fi, fi)] = np.clip(sub_corr, -1, 1)
        np.fill_diagonal(corr, 1.0)
    return {"se": se, "corr": corr, "s2": s2, "dof": dof, "ssr": ssr, "condition": cond,
            "zero_effect": zero_cols}


def identification_warnings(problem: Problem, x: np.ndarray, se: np.ndarray,
                            corr: np.ndarray, zero_effect: np.ndarray, thresholds
                            ) -> tuple[list[dict], list[str]]:
    """Per-parameter flags and warning messages."""
    flags = []
    messages = []
    width = problem.upper - problem.lower
    for i, name in enumerate(problem.names):
        f: list[str] = []
        if x[i] - problem.lower[i] <= thresholds.bound_tol * width[i]:
            f.append("at_lower_bound")
            messages.append(f"'{name}' = {x[i]:.6g} is at its lower bound {problem.lower[i]:.6g}: "
                            "the data push it outside the bounds, or it is not identified")
        elif problem.upper[i] - x[i] <= thresholds.bound_tol * width[i]:
            f.append("at_upper_bound")
            messages.append(f"'{name}' = {x[i]:.6g} is at its upper bound {problem.upper[i]:.6g}: "
                            "the data push it outside the bounds, or it is not identified")
        if problem.integer[i]:
            f.append("integer")
        elif zero_effect[i]:
            f.append("no_effect")
            messages.append(f"'{name}' has no effect on any fitted series at the optimum: "
                            "not identified by these data")
        elif not np.isfinite(se[i]):
            f.append("poorly_identified")
            messages.append(f"'{name}': standard error undefined (singular Jacobian): "
                            "not identified by these data")
        else:
            rel = se[i] / abs(x[i]) if x[i] != 0 else np.inf
            if rel > thresholds.rel_se or se[i] > 0.25 * width[i]:
                f.append("poorly_identified")
                messages.append(
                    f"'{name}' is poorly identified: SE {se[i]:.3g} is {_pct(rel)} of the "
                    f"estimate {x[i]:.4g} ({_pct(se[i] / width[i])} of the bounds' width)")
        flags.append(f)
    p = len(problem.names)
    for i in range(p):
        for j in range(i + 1, p):
            r = corr[i, j]
            if np.isfinite(r) and abs(r) > thresholds.correlation:
                flags[i].append(f"corr:{problem.names[j]}")
                flags[j].append(f"corr:{problem.names[i]}")
                messages.append(f"'{problem.names[i]}' and '{problem.names[j]}' are strongly "
                                f"correlated (r = {r:+.3f}): the data constrain a combination "
                                "of them, not each one")
    return [{"name": n, "flags": fl} for n, fl in zip(problem.names, flags)], messages


def _pct(fraction: float) -> str:
    return "> 1000 %" if not fraction <= 10 else f"{100 * fraction:.0f} %"


# ------------------------------------------------------------------------------ result
@dataclass
class FitResult:
    """Outcome of a fit; JSON-serialisable (:meth:`to_dict`, :meth:`from_dict`)."""

    region: str
    config_path: str
    data_files: list[dict]
    window: tuple[int, int]
    evaluation_start: int
    fit_until: int | None
    names: list[str]
    estimates: list[float]
    lower: list[float]
    upper: list[float]
    defaults: list[float]
    integer: list[bool]
    se: list[float]
    corr: list[list[float]]
    flags: list[dict]
    warnings: list[str]
    notes: list[str]
    bound_notes: dict[str, str]
    fixed: dict[str, float]
    objective: float
    objective_by_series: dict[str, float]
    objective_de: float
    series: list[dict]
    optimizer: dict
    timing: dict
    n_residuals: int
    s2: float
    condition: float
    identification: dict = field(default_factory=dict)
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.timezone.utc)
                         .replace(microsecond=0).isoformat())

    @property
    def total_seconds(self) -> float:
        """Wall time of the whole fit (s): with its identification rounds when it had them,
        not only the last round's ``timing``."""
        return float((self.identification or {}).get("total_s", self.timing["total_s"]))

    def overrides(self) -> dict[str, float]:
        """Fixed constants and estimates (integers as int), Vensim name -> value."""
        out: dict[str, float] = dict(self.fixed)
        for n, v, is_int in zip(self.names, self.estimates, self.integer):
            out[n] = int(round(v)) if is_int else float(v)
        return out

    def to_dict(self) -> dict:
        d = asdict(self)
        return json.loads(json.dumps(d, default=_json_default, allow_nan=True))

    @classmethod
    def from_dict(cls, d: dict) -> "FitResult":
        d = dict(d)
        d["window"] = tuple(d["window"])
        return cls(**d)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, ensure_ascii=False),
                              encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "FitResult":
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError) as err:
            raise ConfigError(f"{path}: not a fit result written by 'calibration fit' ({err})"
                              ) from None


def _json_default(o):
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (np.floating, np.integer, np.bool_)):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o))


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------------- fit
def fit(
    cfg: CalibrationConfig,
    history: RegionHistory | None = None,
    *,
    log: Callable[[str], None] | None = None,
    start: dict[str, float] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[FitResult, Problem]:
    """Estimate the configured parameters (global DE + local least-squares polish).

    Args:
        cfg: validated configuration (region, window, fit_until ...).
        history: pre-loaded history (default: :func:`load_region_history`); only its
            ``fit`` rows are used.
        log: called with progress messages.
        start: start values (Vensim name -> value) replacing the default start point of the
            search for the parameters they name (clipped to the bounds).
        progress: called after every DE generation with (generation, maxiter); an
            exception it raises stops the fit (a caller's way to cancel).

    Returns:
        (FitResult, Problem).
    """
    log = log or (lambda msg: None)
    t_start = time.perf_counter()
    history = history or load_region_history(cfg)
    problem = build_problem(cfg, history)
    for j, name in enumerate(problem.names):
        if start and name in start:
            problem.x0[j] = float(start[name])
    problem.x0[:] = strictly_inside(problem.x0, problem.lower, problem.upper)
    opt = cfg.optimizer
    p = len(problem.names)
    log(f"fitting {p} parameters to {len(problem.targets)} series "
        f"({problem.n_residuals} observations, {problem.window[0]}-{problem.window[1]}), "
        f"population {opt.popsize * p}")

    # ---- global phase: differential evolution, one batch call per generation
    def de_objective(xT: np.ndarray) -> np.ndarray:
        return problem.objective(np.asarray(xT).T)

    generation = [0]

    def callback(intermediate_result):
        generation[0] += 1
        if progress is not None:
            progress(generation[0], opt.maxiter)
        if generation[0] % 100 == 0:
            log(f"  DE generation {generation[0]}: objective {intermediate_result.fun:.6g}")

    t0 = time.perf_counter()
    f0 = float(problem.objective(problem.x0[None, :])[0])
    if opt.maxiter > 0:
        de = differential_evolution(
            de_objective,
            bounds=list(zip(problem.lower, problem.upper)),
            strategy="best1bin",
            maxiter=opt.maxiter,
            popsize=opt.popsize,
            tol=opt.tol,
            atol=opt.atol,
            mutation=opt.mutation,
            recombination=opt.recombination,
            rng=np.random.default_rng(opt.seed),
            polish=False,
            init="latinhypercube",
            updating="deferred",
            vectorized=True,
            integrality=problem.integer if problem.integer.any() else None,
            x0=problem.x0,
            callback=callback,
        )
        x_de, f_de = np.asarray(de.x, float), float(de.fun)
        de_info = {"nit": int(de.nit), "nfev": int(de.nfev), "message": str(de.message),
                   "success": bool(de.success)}
    else:
        x_de, f_de = problem.x0.copy(), f0
        de_info = {"nit": 0, "nfev": 1, "message": "skipped (maxiter 0)", "success": True}
    t_de = time.perf_counter() - t0
    if not np.isfinite(f_de) or f_de >= PENALTY:
        raise FitError("every parameter set tried produced NaN or inf; check the bounds")
    log(f"DE: objective {f_de:.6g} after {de_info['nit']} generations "
        f"({de_info['nfev']} batch calls, {problem.n_evaluations} runs, {t_de:.1f} s)")

    # ---- local phase: least_squares on the residual vector, unit coordinates
    x = x_de.copy()
    free = ~problem.integer
    width = problem.upper - problem.lower
    ls_info: dict = {"used": False}
    t1 = time.perf_counter()
    if opt.polish and free.any():
        def to_x(u):
            xx = x_de.copy()
            xx[free] = problem.lower[free] + u * width[free]
            return xx

        def fun(u):
            r = problem.residual_matrix(to_x(u)[None, :])[0]
            return np.where(np.isfinite(r), r, 1e5)

        def jac(u):
            h = opt.jac_step
            U = np.repeat(u[None, :], len(u), axis=0)
            step = np.where(u + h <= 1.0, h, -h)
            U[np.arange(len(u)), np.arange(len(u))] += step
            X = np.array([to_x(v) for v in np.vstack([u[None, :], U])])
            R = problem.residual_matrix(X)
            R = np.where(np.isfinite(R), R, 1e5)
            return ((R[1:] - R[0]) / step[:, None]).T

        u0 = np.clip((x_de[free] - problem.lower[free]) / width[free], 0.0, 1.0)
        ls = least_squares(fun, u0, jac=jac, bounds=(0.0, 1.0), method="trf",
                           max_nfev=opt.polish_max_nfev, ftol=1e-12, xtol=1e-12, gtol=1e-12)
        f_ls = float(2 * ls.cost)
        ls_info = {"used": True, "nfev": int(ls.nfev), "njev": int(ls.njev or 0),
                   "status": int(ls.status), "message": str(ls.message), "objective": f_ls}
        if f_ls < f_de:
            x = to_x(ls.x)
            ls_info["accepted"] = True
        else:
            ls_info["accepted"] = False
    t_ls = time.perf_counter() - t1
    log(f"least_squares polish: objective {problem.objective(x[None, :])[0]:.6g} "
        f"({t_ls:.1f} s)")

    # ---- uncertainty and warnings
    t2 = time.perf_counter()
    residuals = problem.residual_matrix(x[None, :])[0]
    f_final = float(residuals @ residuals)
    unc = uncertainty(problem, x, residuals)
    flags, warnings = identification_warnings(problem, x, unc["se"], unc["corr"],
                                              unc["zero_effect"], cfg.thresholds)
    t_unc = time.perf_counter() - t2
    total = time.perf_counter() - t_start

    result = FitResult(
        region=cfg.region,
        config_path=str(cfg.path),
        data_files=[{"path": f, "sha256": file_digest(f)} for f in history.files],
        window=problem.window,
        evaluation_start=cfg.evaluation_start,
        fit_until=cfg.fit_until,
        names=problem.names,
        estimates=[float(v) for v in x],
        lower=problem.lower.tolist(),
        upper=problem.upper.tolist(),
        defaults=problem.defaults.tolist(),
        integer=problem.integer.tolist(),
        se=[float(v) for v in unc["se"]],
        corr=unc["corr"].tolist(),
        flags=flags,
        warnings=warnings,
        notes=problem.notes,
        bound_notes=problem.bound_notes,
        fixed=problem.fixed,
        objective=f_final,
        objective_by_series=problem.series_objective(x),
        objective_de=f_de,
        series=[{"name": t.name, "model_variable": t.target.model_variable,
                 "weight": t.target.weight, "timing": t.target.timing, "n": t.n,
                 "scale": t.scale, "first": int(t.years[0]), "last": int(t.years[-1])}
                for t in problem.targets],
        optimizer={"settings": asdict(cfg.optimizer), "de": de_info, "least_squares": ls_info,
                   "objective_start": f0, "runs": problem.n_evaluations},
        timing={"total_s": total, "de_s": t_de, "least_squares_s": t_ls,
                "uncertainty_s": t_unc},
        n_residuals=problem.n_residuals,
        s2=unc["s2"],
        condition=unc["condition"],
    )
    log(f"done: objective {f_final:.6g} in {total:.1f} s; {len(warnings)} warning(s)")
    return result, problem


__all__ = [
    "FitError",
    "FitResult",
    "PENALTY",
    "Problem",
    "build_problem",
    "file_digest",
    "fit",
    "identification_warnings",
    "jacobian",
    "resolve_bounds",
    "uncertainty",
]
