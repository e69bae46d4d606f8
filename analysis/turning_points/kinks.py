"""Abrupt changes of input series and the kink flag (输入突变与拐点标记).

A turning point that coincides with an abrupt change of an input (a STEP in a
programme rate, the start of a RAMP, a switch of a target regime) is an artefact of
that input, not of the system's dynamics. The detection is generic: it looks at the
slope change of each given series,

    c(t_j) = (x_{j+1} − x_j)/(t_{j+1} − t_j) − (x_j − x_{j−1})/(t_j − t_{j−1})   [unit/yr],

the discrete second derivative times the step. For a smooth series c varies slowly
from one time to the next; a kink (RAMP start) makes c large at one time, a jump
(STEP) at two adjacent times. A time is *abrupt* when |c| exceeds ``ratio`` times the
median |c| at the surrounding times (2 to ``half_window`` steps away; the adjacent
ones are left out because a jump spreads over two) and exceeds a floor of 1e-6 ×
max|x| per year (round-off). The model's driver series are found from its structure:
every variable whose equation depends directly on ``Time`` (:func:`time_driven_variables`).
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["abrupt_changes", "near_times", "time_driven_variables", "DEFAULT_HALF_WINDOW"]

#: Surrounding times used for the background slope change: 2..5 steps on each side.
DEFAULT_HALF_WINDOW = 5
_CHUNK = 8192


def abrupt_changes(t: np.ndarray, X: np.ndarray, ratio: float = 10.0,
                   half_window: int = DEFAULT_HALF_WINDOW) -> np.ndarray:
    """Boolean (N, T): the series ``X`` (N, T) changes abruptly at time t_j (see module docs).

    NaN values are not abrupt and do not count in the background.
    """
    X = np.atleast_2d(np.asarray(X, dtype=float))
    n, T = X.shape
    out = np.zeros((n, T), bool)
    if T < 3:
        return out
    offsets = [k for k in range(-half_window, half_window + 1) if abs(k) >= 2]
    for a in range(0, n, _CHUNK):
        x = X[a:a + _CHUNK]
        slope = np.diff(x, axis=1) / np.diff(t)
        c = np.full(x.shape, np.nan)
        c[:, 1:-1] = np.diff(slope, axis=1)
        mag = np.abs(c)
        pad = np.pad(mag, ((0, 0), (half_window, half_window)), constant_values=np.nan)
        around = np.stack([pad[:, half_window + k: half_window + k + T] for k in offsets], axis=2)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN neighbourhoods at the ends
            background = np.nanmedian(around, axis=2)
        background = np.nan_to_num(background, nan=0.0)
        floor = 1e-6 * np.nanmax(np.abs(x), axis=1, initial=0.0)[:, None]
        with np.errstate(invalid="ignore"):
            out[a:a + _CHUNK] = (mag > ratio * background) & (mag > floor)
    return out


def near_times(t: np.ndarray, flags: np.ndarray, tolerance: float) -> np.ndarray:
    """Boolean (N, T): some flagged time lies within ``tolerance`` years of t_j."""
    out = np.zeros(flags.shape, bool)
    for j, tj in enumerate(t):
        ks = np.flatnonzero(np.abs(t - tj) <= tolerance + 1e-9)
        out[:, j] = flags[:, ks].any(axis=1)
    return out


@lru_cache(maxsize=4)
def _time_driven(mdl_path: str) -> tuple[str, ...]:
    import pysd

    from models.model import load_model, translated_model_path

    model = load_model(mdl_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = pysd.load(str(translated_model_path(mdl_path)))
    by_py = {v.py_name: v.name for v in model.variables.values()}
    names = [by_py[py] for py, deps in probe.dependencies.items()
             if isinstance(deps, dict) and "time" in deps and py in by_py]
    return tuple(n for n in model.variables if n in set(names) and n not in model.constants)


def time_driven_variables(mdl_path: str | Path | None = None) -> list[str]:
    """Vensim names of the model variables whose equation depends directly on Time
    (the exogenous drivers: programmes, policy onsets, calendar trends)."""
    from models.model import MODEL_PATH

    return list(_time_driven(str(mdl_path or MODEL_PATH)))
