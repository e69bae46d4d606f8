"""Evaluate many parameter sets of the model at once (模型批量求值).

Every simulation done by calibration goes through :func:`simulate_many`, so the
simulator behind it is one line (:data:`BACKEND`):

* ``"batch"`` (default): the batch runner ``models.batch`` compiled from PySD's parse
  of the Vensim file (one call for the whole population, agrees with PySD to ~1e-12),
  with its fastest available backend: the compiled Numba kernel, else NumPy;
* ``"numba"`` / ``"numpy"``: the batch runner with that backend (``numba`` falls back
  to NumPy, with a log message, where Numba is missing);
* ``"pysd"``: the PySD reference runner ``models.model``, one run after another (slow,
  kept as a fallback and for cross-checks).

Select with the ``backend`` argument or the ``CALIBRATION_BACKEND`` environment
variable.

The equations are never written here: both backends read ``models/territorial_carbon.mdl``.
"""

from __future__ import annotations

import os
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from models.model import MODEL_PATH

#: The simulator used by calibration: "batch" (fastest batch backend), "numba",
#: "numpy" or "pysd" (reference loop).
BACKEND = os.environ.get("CALIBRATION_BACKEND", "batch")
#: Batch-runner backend of each batch simulator name.
BATCH_BACKENDS = {"batch": "auto", "numba": "numba", "numpy": "numpy"}


class SimulationError(RuntimeError):
    """The simulator failed for a reason that is not the parameter values."""


@lru_cache(maxsize=4)
def _compiled(path: str, stamp: tuple[int, int]):
    from models.batch import compile_model

    return compile_model(path)


def _batch_model(mdl_path: str | Path):
    p = Path(mdl_path)
    st = p.stat()
    return _compiled(str(p), (st.st_mtime_ns, st.st_size))


def model_times(mdl_path: str | Path = MODEL_PATH, initial_time: float | None = None) -> np.ndarray:
    """Saved times of the model (years, SAVEPER grid from ``initial_time``, default the
    model's INITIAL TIME), shape (T,)."""
    from models.model import load_model

    m = load_model(str(mdl_path)) if Path(mdl_path) != MODEL_PATH else load_model()
    ts = m.time_settings
    t0 = ts["INITIAL TIME"] if initial_time is None else float(initial_time)
    n = int(round((ts["FINAL TIME"] - t0) / ts["SAVEPER"])) + 1
    return t0 + ts["SAVEPER"] * np.arange(n)


def simulate_many(
    param_matrix: np.ndarray,
    names: Sequence[str],
    outputs: Sequence[str],
    *,
    fixed: Mapping[str, Any] | None = None,
    mdl_path: str | Path = MODEL_PATH,
    backend: str | None = None,
    initial_time: float | None = None,
    final_time: float | None = None,
) -> dict[str, np.ndarray]:
    """Simulate N parameter sets and return the saved time series of ``outputs``.

    Args:
        param_matrix: array (N, P): one row per run, one column per name in ``names``.
        names: Vensim names of the P constants varied between runs.
        outputs: Vensim names of the variables to return.
        fixed: constants set to the same value in every run (Vensim name -> number, or a
            ``pandas.Series`` by year for a data input given as a time series).
        mdl_path: the Vensim model.
        backend: ``"batch"``, ``"numba"``, ``"numpy"`` or ``"pysd"`` (default
            :data:`BACKEND`).
        initial_time: year the runs start (default: the model's INITIAL TIME); every
            initial value is computed at that year (batch backends only).
        final_time: last year returned (default: the model's FINAL TIME). A fit needs
            the runs only up to its last data year, and a run to 2001 instead of 2100
            costs a tenth; the values are those of a run to FINAL TIME (a model whose
            equations read FINAL TIME is run to it and cut).

    Returns:
        output name -> float array (N, T) on the grid of :func:`model_times` (up to
        ``final_time``).
        Runs whose values overflow contain NaN/inf (the caller decides what that costs).
    """
    X = np.atleast_2d(np.asarray(param_matrix, dtype=float))
    names = list(names)
    if X.shape[1] != len(names):
        raise ValueError(f"param_matrix has {X.shape[1]} columns for {len(names)} names")
    fixed = dict(fixed or {})
    backend = backend or BACKEND
    n = X.shape[0]
    if backend in BATCH_BACKENDS:
        try:
            bm = _batch_model(mdl_path)
        except ImportError as err:  # batch runner not available: reference runner
            warnings.warn(f"models.batch unavailable ({err}); using the PySD loop (slow)", stacklevel=2)
            return simulate_many(X, names, outputs, fixed=fixed, mdl_path=mdl_path,
                                 backend="pysd", initial_time=initial_time, final_time=final_time)
        params: dict[str, object] = {k: v if isinstance(v, pd.Series) else float(v) for k, v in fixed.items()}
        for j, name in enumerate(names):
            params[name] = X[:, j].copy()
        # a model whose equations read FINAL TIME runs to its own and is cut afterwards
        stop = final_time if final_time is not None and not bm.reads("FINAL TIME") else None
        with np.errstate(all="ignore"):
            res = bm.run(params, n_runs=n, outputs=list(outputs),
                         backend=BATCH_BACKENDS[backend], initial_time=initial_time,
                         final_time=stop)
        # the saved times up to final_time: a prefix, so the arrays are views, not copies
        keep = slice(None) if final_time is None else slice(
            int(np.searchsorted(res.times, final_time + 1e-9, side="right")))
        return {o: np.asarray(res.arrays[o], dtype=float)[:, keep] for o in outputs}
    if backend == "pysd":
        from models.model import load_model

        if initial_time is not None:
            raise ValueError("the PySD backend runs from the model's INITIAL TIME only; use a batch backend")

        m = load_model(str(mdl_path)) if Path(mdl_path) != MODEL_PATH else load_model()
        times = model_times(mdl_path)
        n_kept = len(times) if final_time is None else int(np.sum(times <= final_time + 1e-9))
        out = {o: np.empty((n, n_kept)) for o in outputs}
        for i in range(n):
            overrides = dict(fixed)
            overrides.update({name: float(X[i, j]) for j, name in enumerate(names)})
            df = m.run(overrides, return_columns=list(outputs))
            for o in outputs:
                out[o][i] = df[o].to_numpy(dtype=float)[:n_kept]
        return out
    raise ValueError(
        f"unknown backend {backend!r}; use 'batch', 'numba', 'numpy' or 'pysd'"
    )


__all__ = ["BACKEND", "SimulationError", "model_times", "simulate_many"]
