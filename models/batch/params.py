"""Normalise run parameters into simulator inputs.

Accepted values for an overridden variable (python name already resolved):

* a number (or 0-d array, or 1-element array when N == 1): shared by all runs;
* a 1-D array of length N: one value per run;
* a ``pandas.Series`` indexed by time: a shared time series, interpolated linearly
  at every integration time and held constant outside its index range, exactly as
  PySD does for ``run(params={name: series})`` (``np.interp(time, index, values)``);
* a ``pandas.DataFrame`` indexed by time with N columns: one time series per run
  (an extension of PySD's Series semantics, column j for run j).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import ParameterError
from .timegrid import TimeGrid


@dataclass
class PreparedParams:
    """kinds: python name -> "scalar" | "array" | "series" | "frame";
    values: python name -> float | ndarray (N,) | list (n_points) | ndarray (n_points, N)."""

    kinds: dict
    values: dict
    n_runs: int
    int_names: frozenset = frozenset()  # values given as integers (PySD keeps ints)
    plain: bool = False  # every value a Python float (kind "scalar"): no classification needed

    @property
    def all_shared(self) -> bool:
        """No per-run values (arrays or frames): every run is the same."""
        return self.plain or not any(kind in ("array", "frame") for kind in self.kinds.values())

    def chunk(self, start: int, stop: int) -> dict:
        """Inputs of runs ``start:stop`` (views, no copies)."""
        out = {}
        for name, value in self.values.items():
            kind = self.kinds[name]
            if kind == "array":
                out[name] = value[start:stop]
            elif kind == "frame":
                out[name] = np.ascontiguousarray(value[:, start:stop])
            else:
                out[name] = value
        return out


def _interp_columns(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """``np.interp`` applied to every column of ``fp`` (m, N) at points ``x`` (P,)."""
    m = len(xp)
    if m == 1:
        return np.repeat(fp[:1], len(x), axis=0)
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, m - 2)
    x0, x1 = xp[j], xp[j + 1]
    slope = (fp[j + 1] - fp[j]) / (x1 - x0)[:, None]
    out = slope * (x - x0)[:, None] + fp[j]
    exact = x == x0
    out[exact] = fp[j[exact]]
    out[x <= xp[0]] = fp[0]
    out[x >= xp[-1]] = fp[-1]
    return out


def _time_index(name: str, index) -> np.ndarray:
    try:
        xp = np.asarray(index, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name!r}: time-series index must be numeric times") from exc
    if xp.ndim != 1 or len(xp) == 0 or np.any(np.diff(xp) <= 0):
        raise ParameterError(f"{name!r}: time-series index must be strictly increasing")
    return xp


def prepare_params(params: dict, n_runs: int | None, grid: TimeGrid) -> PreparedParams:
    """Classify and convert ``params`` (python name -> value) for ``n_runs`` runs.

    ``n_runs`` None: inferred from the per-run arrays/frames (all must agree), else 1.
    """
    if all(type(value) is float for value in params.values()):
        # the common case of a single run or a shared override: plain numbers only
        n = 1 if n_runs is None else int(n_runs)
        if n < 1:
            raise ParameterError(f"n_runs must be >= 1, got {n}")
        return PreparedParams(kinds=dict.fromkeys(params, "scalar"), values=dict(params),
                              n_runs=n, int_names=frozenset(), plain=True)
    lengths = {}
    for name, value in params.items():
        if isinstance(value, pd.DataFrame):
            lengths[name] = value.shape[1]
        elif isinstance(value, (np.ndarray, list, tuple)) and np.ndim(value) == 1:
            lengths[name] = len(value)
    if n_runs is None:
        distinct = set(lengths.values()) - {1}
        if len(distinct) > 1:
            raise ParameterError(f"per-run arrays have different lengths: {lengths}")
        n_runs = distinct.pop() if distinct else 1
    n_runs = int(n_runs)
    if n_runs < 1:
        raise ParameterError(f"n_runs must be >= 1, got {n_runs}")

    points = np.asarray(grid.points, dtype=float)
    kinds: dict = {}
    values: dict = {}
    int_names = {
        name
        for name, value in params.items()
        if isinstance(value, (int, np.integer))
        or (isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer))
    }
    for name, value in params.items():
        if isinstance(value, pd.DataFrame):
            if value.shape[1] != n_runs:
                raise ParameterError(
                    f"{name!r}: DataFrame has {value.shape[1]} columns, expected one per run "
                    f"({n_runs})"
                )
            xp = _time_index(name, value.index)
            fp = value.to_numpy(dtype=float)
            kinds[name], values[name] = "frame", np.ascontiguousarray(
                _interp_columns(points, xp, fp)
            )
        elif isinstance(value, pd.Series):
            xp = _time_index(name, value.index)
            fp = value.to_numpy(dtype=float)
            kinds[name] = "series"
            values[name] = [float(v) for v in np.interp(points, xp, fp)]
        elif type(value) is float:  # the common case, without a NumPy round trip
            kinds[name], values[name] = "scalar", value
        else:
            try:
                array = np.asarray(value, dtype=float)
            except (TypeError, ValueError) as exc:
                raise ParameterError(
                    f"{name!r}: expected a number, a 1-D array, a pandas Series or DataFrame, "
                    f"got {type(value).__name__}"
                ) from exc
            if array.ndim == 0 or (array.ndim == 1 and array.shape[0] == 1 and n_runs == 1):
                kinds[name], values[name] = "scalar", float(array.reshape(()))
            elif array.ndim == 1 and array.shape[0] == n_runs:
                kinds[name], values[name] = "array", np.ascontiguousarray(array)
            else:
                raise ParameterError(
                    f"{name!r}: array of shape {array.shape} does not match n_runs={n_runs} "
                    "(use a scalar for a value shared by all runs)"
                )
    return PreparedParams(
        kinds=kinds, values=values, n_runs=n_runs, int_names=frozenset(int_names)
    )
