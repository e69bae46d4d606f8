"""Turning points of model runs on the batch runner, with the model's drivers for kink flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .core import TurningPointArrays, detect
from .definitions import KEYS, TPOptions
from .inputs import MODEL_INPUTS, TP_ROLES
from .kinks import time_driven_variables
from .narration import TurningPointTable, narrate

__all__ = ["run_turning_points", "scenario_turning_points"]


def run_turning_points(
    params: Mapping[str, Any],
    n_runs: int | None = None,
    options: TPOptions | Mapping[str, Any] | None = None,
    keys: Sequence[str] | None = None,
    *,
    kinks: bool = True,
    extra_outputs: Sequence[str] = (),
    keep_series: bool = False,
    mdl_path: str | Path | None = None,
) -> tuple[TurningPointArrays, dict[str, np.ndarray], np.ndarray]:
    """Run N parameter sets in one vectorized call and detect their turning points.

    Args:
        params: constant name -> scalar or array (N,), validated by the batch runner.
        n_runs: N (default inferred from the arrays).
        options: turning-point options.
        keys: keys to detect (default all).
        kinks: also save the model's time-driven variables and flag kinks.
        extra_outputs: further variables to return.
        keep_series: keep derived series for :func:`.narration.narrate`.
        mdl_path: the Vensim model (default the product model).

    Returns:
        (turning points, saved arrays by variable name (N, T), times (T,)).
    """
    from models.model import MODEL_PATH, batch_model

    path = mdl_path or MODEL_PATH
    drivers = time_driven_variables(path) if kinks else []
    tp_vars = {role: MODEL_INPUTS[role] for role in TP_ROLES}
    outputs = list(dict.fromkeys([*tp_vars.values(), *drivers, *extra_outputs]))
    result = batch_model(path).run(dict(params), n_runs=n_runs, outputs=outputs)
    saved = {v: np.asarray(result[v], dtype=float) for v in outputs}
    times = np.asarray(result.times, dtype=float)
    arrays = detect(times, {role: saved[v] for role, v in tp_vars.items()}, options,
                    keys=keys or KEYS, drivers={d: saved[d] for d in drivers}, keep_series=keep_series)
    return arrays, saved, times


def scenario_turning_points(overrides: Mapping[str, float], options: TPOptions | Mapping[str, Any] | None = None,
                            *, kinks: bool = True, mdl_path: str | Path | None = None) -> TurningPointTable:
    """The narrated table of one scenario (validated overrides of model constants)."""
    arrays, _, _ = run_turning_points(overrides, 1, options, kinks=kinks, keep_series=True, mdl_path=mdl_path)
    return narrate(arrays)


def frame_of(saved: Mapping[str, np.ndarray], times: np.ndarray, run: int = 0) -> pd.DataFrame:
    """One run of saved arrays as a DataFrame indexed by year."""
    return pd.DataFrame({k: v[run] for k, v in saved.items()}, index=pd.Index(times, name="year"))
