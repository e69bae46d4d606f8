"""Indices of every output: scalar metrics to a tidy table, time-resolved to xarray.

Applies the undefined-value strategy of :mod:`.undefined` to each output vector and
calls :func:`.indices.compute_indices` on the complete vectors.

* Scalar metrics -> ``pandas.DataFrame`` with columns :data:`INDEX_COLUMNS`.
* Time-resolved metrics -> ``xarray.Dataset`` with dims ``(metric, time, parameter)``
  holding one variable per index kind (``S1``, ``S1_conf``, ``ST``, ``ST_conf`` /
  ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``) plus ``status`` and
  ``n_undefined`` over ``(metric, time)``. ``S2`` is not computed per time step.
* Undefined-value report -> ``pandas.DataFrame`` with columns :data:`UNDEFINED_COLUMNS`
  (one row per scalar metric; one row per time-resolved metric, counting runs undefined
  at any time step; for Morris ``trajectories_dropped`` is then the maximum over steps).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

import numpy as np
import pandas as pd
import xarray as xr

from . import undefined as und
from . import backends
from .indices import ROW_COLUMNS, compute_indices, empty_indices
from .problem import SensitivityProblem
from .sampling import FAST, MORRIS, SampleDesign

INDEX_COLUMNS: list[str] = ["metric", *ROW_COLUMNS, "status"]
UNDEFINED_COLUMNS: list[str] = [
    "metric",
    "n_runs",
    "n_undefined",
    "treatment",
    "censor_value",
    "trajectories_dropped",
    "indicator_metric",
]


@dataclass(frozen=True)
class AnalysisOptions:
    """Settings shared by all analysers.

    Attributes:
        num_resamples: Bootstrap resamples for confidence intervals.
        conf_level: Confidence level of the intervals.
        seed: Bootstrap seed (see :func:`.indices.analysis_seed`).
    """

    num_resamples: int = 100
    conf_level: float = 0.95
    seed: int = 1


T = TypeVar("T")
R = TypeVar("R")


def map_outputs(function: Callable[[T], R], items: Sequence[T], design: SampleDesign) -> list[R]:
    """``function`` of every item, in order, on one thread per core.

    SALib's bootstrap spends its time in NumPy, which releases the GIL, and each output
    has its own bootstrap generator (seeded from the options), so the results are those
    of a loop, in the same order (``tests/analysis/test_sensitivity_threads.py``).
    eFAST stays in one thread: its analysis mutes a warning with
    ``warnings.catch_warnings``, which changes process-wide filters.
    """
    workers = min(len(items), backends.usable_cores())
    if design.method == FAST or workers < 2:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))


@dataclass(frozen=True)
class MetricAnalysis:
    """Index rows (metric and indicator) and the undefined-value record of one vector."""

    rows: pd.DataFrame
    n_undefined: int
    status: str
    trajectories_dropped: int
    censor_value: float | None = None
    reason: str = ""


def analyze_vector(
    problem: SensitivityProblem,
    design: SampleDesign,
    metric: str,
    y: np.ndarray,
    *,
    censor_value: float | None,
    options: AnalysisOptions,
    with_indicator: bool | None = None,
    second_order: bool | None = None,
) -> MetricAnalysis:
    """Apply the undefined-value strategy to one output vector and compute its indices.

    Args:
        metric: Output name (the indicator is named ``<metric>__defined``).
        y: Output values ``(runs,)``, NaN = undefined.
        censor_value: Sobol/eFAST replacement for NaN (``None``: not analysed if NaN).
        with_indicator: Also analyse the defined/undefined indicator (default: if some
            but not all runs are undefined).
        second_order: Passed to :func:`.indices.compute_indices`.
    """
    y = np.asarray(y, dtype=float)
    mask = und.undefined_mask(y)
    n_undefined = int(mask.sum())
    dropped = 0
    reason = ""
    if n_undefined == 0:
        frame, status = _complete(problem, design, y, design.X, options, und.OK, second_order)
    elif design.method == MORRIS:
        keep = und.complete_trajectories(y, design.block_size(problem.num_vars))
        kept = int(keep.sum()) // design.block_size(problem.num_vars)
        dropped = design.n - kept
        if kept >= 2:
            frame, status = _complete(
                problem, design, y[keep], design.X[keep], options, und.TRAJECTORIES_DROPPED, second_order
            )
        else:
            frame, status = empty_indices(problem, design), und.NOT_ANALYSED
            reason = f"fewer than 2 complete trajectories ({dropped} of {design.n} dropped)"
    elif censor_value is not None:
        frame, status = _complete(
            problem, design, und.censor(y, censor_value), design.X, options, und.CENSORED, second_order
        )
    else:
        frame, status = empty_indices(problem, design), und.NOT_ANALYSED
        reason = "no censoring value given"
    parts = [_label(frame, metric, status)]
    if with_indicator is None:
        with_indicator = 0 < n_undefined < y.shape[0]
    if with_indicator:
        indicator, indicator_status = _complete(
            problem, design, und.defined_indicator(y), design.X, options, und.INDICATOR, second_order
        )
        parts.append(_label(indicator, und.indicator_name(metric), indicator_status))
    used = censor_value if n_undefined and design.method != MORRIS and censor_value is not None else None
    return MetricAnalysis(pd.concat(parts, ignore_index=True), n_undefined, status, dropped, used, reason)


def analyze_scalar_outputs(
    problem: SensitivityProblem,
    design: SampleDesign,
    outputs: Mapping[str, np.ndarray],
    *,
    censor: Mapping[str, float] | None = None,
    options: AnalysisOptions = AnalysisOptions(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indices of all scalar outputs and the undefined-value report."""
    censor = dict(censor or {})
    frames, records = [], []
    def analyse(item: tuple[str, np.ndarray]) -> MetricAnalysis:
        metric, y = item
        return analyze_vector(problem, design, metric, y, censor_value=censor.get(metric), options=options)

    results = map_outputs(analyse, list(outputs.items()), design)
    for (metric, y), result in zip(outputs.items(), results):
        frames.append(result.rows)
        records.append(
            _record(
                metric,
                y.shape[0],
                result.n_undefined,
                result.status,
                result.censor_value,
                result.trajectories_dropped,
                result.reason,
            )
        )
        _warn_if_not_analysed(metric, result.status, result.n_undefined, result.reason)
    return _concat(frames, INDEX_COLUMNS), pd.DataFrame(records, columns=UNDEFINED_COLUMNS)


def analyze_time_outputs(
    problem: SensitivityProblem,
    design: SampleDesign,
    outputs: Mapping[str, np.ndarray],
    times: np.ndarray,
    *,
    censor: Mapping[str, float] | None = None,
    options: AnalysisOptions = AnalysisOptions(),
) -> tuple[xr.Dataset, pd.DataFrame]:
    """Indices per time step of all time-resolved outputs ``(runs, T)``.

    Returns:
        The indices Dataset (dims ``metric``, ``time``, ``parameter``) and the
        undefined-value report (runs undefined at any time step, per metric).
    """
    censor = dict(censor or {})
    frames, status_rows, records = [], [], []
    for metric, Y in outputs.items():
        mask = und.undefined_mask(Y)
        with_indicator = bool(0 < np.isnan(Y).sum() < Y.size)
        statuses, dropped, used, reasons = set(), 0, None, []
        analyse_step = partial(analyze_vector, problem, design, metric, censor_value=censor.get(metric),
                               options=options, with_indicator=with_indicator, second_order=False)
        results = map_outputs(analyse_step, [Y[:, t_index] for t_index in range(len(times))], design)
        for t, result in zip(times, results):
            frames.append(result.rows.assign(time=t))
            for name, status in result.rows.groupby("metric", sort=False)["status"].first().items():
                status_rows.append((name, t, status, result.n_undefined))
            statuses.add(result.status)
            dropped = max(dropped, result.trajectories_dropped)
            used = result.censor_value if result.censor_value is not None else used
            reasons.append(result.reason)
        overall = _overall_status(statuses)
        reason = next((r for r in reasons if r), "")
        if reason and overall == und.NOT_ANALYSED:
            reason += " at some time steps"
        records.append(_record(metric, Y.shape[0], int(mask.sum()), overall, used, dropped, reason))
        _warn_if_not_analysed(metric, overall, int(mask.sum()), reason)
    return _to_dataset(pd.concat(frames, ignore_index=True), status_rows, problem), pd.DataFrame(
        records, columns=UNDEFINED_COLUMNS
    )


def _complete(
    problem: SensitivityProblem,
    design: SampleDesign,
    y: np.ndarray,
    X: np.ndarray,
    options: AnalysisOptions,
    status: str,
    second_order: bool | None,
) -> tuple[pd.DataFrame, str]:
    if design.method != MORRIS and und.is_constant(y):
        return empty_indices(problem, design), und.CONSTANT
    frame = compute_indices(
        problem,
        design,
        y,
        X=X,
        num_resamples=options.num_resamples,
        conf_level=options.conf_level,
        seed=options.seed,
        second_order=second_order,
    )
    return frame, status


def _label(frame: pd.DataFrame, metric: str, status: str) -> pd.DataFrame:
    return frame.assign(metric=metric, status=status)[INDEX_COLUMNS]


def _record(
    metric: str, n_runs: int, n_undefined: int, status: str, censor_value: float | None, dropped: int, reason: str
) -> dict:
    treatments = {
        und.OK: "none",
        und.CONSTANT: "none (constant output)" if n_undefined == 0 else f"censored at {censor_value} (constant output)",
        und.CENSORED: f"censored at {censor_value}",
        und.TRAJECTORIES_DROPPED: f"{dropped} trajectories dropped",
        und.NOT_ANALYSED: f"not analysed ({reason})",
    }
    return {
        "metric": metric,
        "n_runs": n_runs,
        "n_undefined": n_undefined,
        "treatment": treatments.get(status, status),
        "censor_value": np.nan if censor_value is None else float(censor_value),
        "trajectories_dropped": dropped,
        "indicator_metric": und.indicator_name(metric) if 0 < n_undefined < n_runs else None,
    }


def _overall_status(statuses: set[str]) -> str:
    for status in (und.NOT_ANALYSED, und.CENSORED, und.TRAJECTORIES_DROPPED, und.OK, und.CONSTANT):
        if status in statuses:
            return status
    return und.OK


def _warn_if_not_analysed(metric: str, status: str, n_undefined: int, reason: str) -> None:
    if status == und.NOT_ANALYSED:
        hint = " Pass censor={'%s': value} to analyse it." % metric if "censoring" in reason else ""
        warnings.warn(
            f"metric '{metric}': {n_undefined} runs undefined (NaN), {reason}; "
            f"its indices are NaN (status 'not_analysed').{hint}",
            UserWarning,
            stacklevel=3,
        )


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def _to_dataset(rows: pd.DataFrame, status_rows: list[tuple], problem: SensitivityProblem) -> xr.Dataset:
    rows = rows[rows["index"] != "S2"]
    keyed = rows.set_index(["metric", "time", "parameter", "index"])
    values = keyed["value"].unstack("index")
    conf = keyed["conf"].unstack("index")
    conf = conf.loc[:, conf.notna().any()].add_suffix("_conf")
    table = values.join(conf)
    table = table[sorted(table.columns)]
    table.columns.name = None
    ds = xr.Dataset.from_dataframe(table)
    ds = ds.reindex(parameter=list(problem.names))
    status = pd.DataFrame(status_rows, columns=["metric", "time", "status", "n_undefined"]).set_index(
        ["metric", "time"]
    )
    ds = ds.merge(xr.Dataset.from_dataframe(status))
    ds["status"] = ds["status"].astype(str)
    metrics = list(dict.fromkeys(rows["metric"]))
    return ds.reindex(metric=metrics)
