"""Undefined (NaN) metric values: counting, censoring, indicators, trajectory dropping.

Strategy (never silently dropping anything):

1. For every metric the number of runs with an undefined value is counted and
   reported (``SensitivityResult.undefined``, ``.undefined_counts``).
2. Sobol and eFAST need the complete output vector. If the caller supplies a
   censoring value for the metric (the metric's definition gives it, e.g.
   "turning-point year not reached by the horizon -> horizon end + 1"), undefined
   values are replaced by it and the indices are flagged ``status="censored"``.
   Without a censoring value the metric is not analysed: its index rows are NaN with
   ``status="not_analysed"`` and a warning is emitted.
3. In addition, whenever some (not all) runs are undefined, the binary indicator
   ``<metric>__defined`` (1 = defined / reached, 0 = undefined) is analysed as a
   separate metric (``status="indicator"``) with every method.
4. Morris drops whole trajectories that contain an undefined value
   (``status="trajectories_dropped"``; the number dropped is reported).

Outputs that are constant over all runs have no variance to apportion: their Sobol and
eFAST indices are NaN with ``status="constant"`` (common at the first time step of a
simulation).
"""

from __future__ import annotations

import numpy as np

OK = "ok"
CENSORED = "censored"
TRAJECTORIES_DROPPED = "trajectories_dropped"
INDICATOR = "indicator"
NOT_ANALYSED = "not_analysed"
CONSTANT = "constant"

INDICATOR_SUFFIX = "__defined"


def undefined_mask(y: np.ndarray) -> np.ndarray:
    """Boolean mask of runs (rows) with an undefined value (NaN at any time)."""
    nan = np.isnan(y)
    return nan if nan.ndim == 1 else nan.any(axis=tuple(range(1, nan.ndim)))


def count_undefined(y: np.ndarray) -> int:
    """Number of runs with an undefined value."""
    return int(undefined_mask(y).sum())


def censor(y: np.ndarray, value: float) -> np.ndarray:
    """Copy of ``y`` with NaN replaced by the censoring ``value``."""
    if not np.isfinite(value):
        raise ValueError(f"the censoring value must be finite, got {value!r}")
    return np.where(np.isnan(y), float(value), y)


def defined_indicator(y: np.ndarray) -> np.ndarray:
    """Binary metric: 1.0 where ``y`` is defined, 0.0 where it is NaN."""
    return (~np.isnan(y)).astype(float)


def indicator_name(metric: str) -> str:
    """Name of the "defined / reached" indicator metric derived from ``metric``."""
    return f"{metric}{INDICATOR_SUFFIX}"


def complete_trajectories(y: np.ndarray, trajectory_size: int) -> np.ndarray:
    """Row mask keeping only Morris trajectories without any undefined value."""
    if y.shape[0] % trajectory_size:
        raise ValueError(f"{y.shape[0]} runs are not a whole number of trajectories of {trajectory_size}")
    bad = undefined_mask(y).reshape(-1, trajectory_size).any(axis=1)
    return np.repeat(~bad, trajectory_size)


def is_constant(y: np.ndarray) -> bool:
    """True if all (finite) values of ``y`` are equal within machine precision."""
    return bool(np.ptp(y) <= np.finfo(float).eps * max(1.0, float(np.max(np.abs(y)))))
