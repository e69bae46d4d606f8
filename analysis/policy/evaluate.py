"""One entry point for every model evaluation of the policy analysis (模型运行入口).

All of :mod:`analysis.policy` runs the model only through :func:`simulate`, so the
engine can be switched in one place:

* ``"batch"`` — the vectorised NumPy simulator compiled from the Vensim file
  (:mod:`models.batch`): all N parameter sets in one call.
* ``"pysd"`` — the reference runner (:mod:`models.model`, PySD), one run after the
  other (about 0.12–0.15 s per run).
* ``"auto"`` (default) — ``batch`` if :mod:`models.batch` imports and compiles the
  model, else ``pysd`` (the reason is logged once and reported by
  :func:`engine_status`).

The default can be set with the environment variable ``POLICY_ENGINE``
(``auto``/``batch``/``pysd``); an explicit ``engine=`` argument wins.

Parameter sets are validated against the model once, for both engines: every name
must be an adjustable constant of the Vensim file and every value inside its declared
range ``[min, max]`` (same rules and messages as :meth:`models.model.TerritorialModel.
validate_overrides`). Time-series inputs are not supported here (constants only).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from models.model import INITIAL_FOREST_FRACTIONS, INITIAL_LAND_SHARES, MODEL_PATH, ModelInputError, load_model

__all__ = [
    "ENGINE_ENV",
    "ENGINES",
    "Simulation",
    "simulate",
    "resolve_engine",
    "engine_status",
    "batch_model",
    "validate_param_sets",
]

_log = logging.getLogger(__name__)

#: Environment variable selecting the default engine.
ENGINE_ENV = "POLICY_ENGINE"
ENGINES = ("auto", "batch", "pysd")

#: Constants whose consistency is checked jointly (row by row) by the model API.
_JOINT_CHECK = set(INITIAL_LAND_SHARES) | set(INITIAL_FOREST_FRACTIONS)

ParamSets = Mapping[str, float | int | np.ndarray | Sequence[float] | pd.Series]


@dataclass(frozen=True)
class Simulation:
    """Saved output of N runs.

    Attributes:
        arrays: output name (as requested) → float64 array (N, T), in the variable's
            model unit (e.g. Mt CO2/yr for ``gross emissions``).
        times: saved times, years, shape (T,).
        engine: ``"batch"`` or ``"pysd"``.
    """

    arrays: dict[str, np.ndarray]
    times: np.ndarray
    engine: str

    @property
    def n_runs(self) -> int:
        return next(iter(self.arrays.values())).shape[0] if self.arrays else 0

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.arrays[name]
        except KeyError:
            raise KeyError(f"{name!r} is not an output of this simulation: {list(self.arrays)}") from None


@lru_cache(maxsize=2)
def _compile(path: str):
    from models.batch import compile_model

    return compile_model(path)


def batch_model(mdl_path: str | Path = MODEL_PATH):
    """The compiled batch model (cached per path); raises if it is not available."""
    return _compile(str(mdl_path))


@lru_cache(maxsize=2)
def _batch_status(path: str) -> tuple[bool, str]:
    try:
        _compile(path)
    except Exception as exc:  # noqa: BLE001 - any failure means "fall back to PySD"
        reason = f"batch runner unavailable ({type(exc).__name__}: {exc}); using PySD"
        _log.warning(reason)
        return False, reason
    return True, "batch runner compiled"


def resolve_engine(engine: str | None = None, mdl_path: str | Path = MODEL_PATH) -> str:
    """The engine that :func:`simulate` will use: ``"batch"`` or ``"pysd"``.

    ``engine`` None reads ``POLICY_ENGINE`` (default ``auto``). Asking explicitly for
    ``"batch"`` when it does not work raises ``RuntimeError`` with the reason.
    """
    choice = (engine or os.environ.get(ENGINE_ENV) or "auto").strip().lower()
    if choice not in ENGINES:
        raise ValueError(f"unknown engine {choice!r}; use one of {', '.join(ENGINES)}")
    if choice == "pysd":
        return "pysd"
    ok, reason = _batch_status(str(mdl_path))
    if ok:
        return "batch"
    if choice == "batch":
        raise RuntimeError(reason)
    return "pysd"


def engine_status(mdl_path: str | Path = MODEL_PATH) -> tuple[str, str]:
    """(engine chosen by ``auto``, human-readable reason)."""
    ok, reason = _batch_status(str(mdl_path))
    return ("batch" if ok else "pysd"), reason


def validate_param_sets(
    param_sets: ParamSets, n_runs: int | None = None, mdl_path: str | Path = MODEL_PATH
) -> tuple[dict[str, np.ndarray], int]:
    """Check names and ranges; return (Vensim name → float64 array (N,), N).

    Scalars are broadcast to N runs. ``N`` is inferred from the arrays (all must have
    the same length) unless ``n_runs`` is given; with scalars only it is 1.
    Raises :class:`models.model.ModelInputError` naming the key (unknown name,
    computed variable, fixed constant, value outside the declared range, NaN).
    """
    model = load_model(mdl_path)
    arrays: dict[str, np.ndarray] = {}
    lengths = set()
    for key, value in param_sets.items():
        name = model.resolve(str(key))
        if name not in model.constants:
            raise ModelInputError(
                f"'{key}' is a computed {model.variables[name].kind.lower()} variable, "
                "not a constant; only constants can be set."
            )
        if name in arrays:
            raise ModelInputError(f"'{key}' given twice (as another spelling of '{name}')")
        arr = np.asarray(value, dtype=float)
        if arr.ndim > 1:
            raise ModelInputError(f"'{key}': expected a scalar or a 1-D array, got shape {arr.shape}")
        if arr.ndim == 1:
            lengths.add(arr.shape[0])
        arrays[name] = arr
    if len(lengths) > 1:
        raise ModelInputError(f"parameter arrays have different lengths: {sorted(lengths)}")
    n = int(n_runs) if n_runs is not None else (next(iter(lengths)) if lengths else 1)
    if n < 1:
        raise ModelInputError(f"n_runs must be >= 1, got {n}")
    out: dict[str, np.ndarray] = {}
    for name, arr in arrays.items():
        if arr.ndim == 1 and arr.shape[0] != n:
            raise ModelInputError(f"'{name}' has {arr.shape[0]} values, expected n_runs={n}")
        arr = np.broadcast_to(arr, (n,)).astype(float)
        const = model.constants[name]
        if not np.all(np.isfinite(arr)):
            raise ModelInputError(f"'{name}' must be finite (got NaN or inf).")
        if not const.adjustable:
            if np.any(arr != const.default):
                raise ModelInputError(
                    f"'{name}' is a fixed constant ({const.default:g} {const.units}) and cannot be changed."
                )
        else:
            tol = 1e-9 * max(1.0, abs(const.maximum), abs(const.minimum))
            bad = (arr < const.minimum - tol) | (arr > const.maximum + tol)
            if np.any(bad):
                v = arr[np.argmax(bad)]
                raise ModelInputError(
                    f"'{name}' = {v:g} is outside the allowed range {const.range_text()}."
                )
        out[name] = arr
    joint = _JOINT_CHECK.intersection(out)
    if joint:
        rows = np.unique(np.column_stack([out[k] for k in sorted(joint)]), axis=0)
        for row in rows:
            model.validate_overrides(dict(zip(sorted(joint), map(float, row))))
    return out, int(n)


def simulate(
    param_sets: ParamSets,
    outputs: Sequence[str],
    n_runs: int | None = None,
    engine: str | None = None,
    mdl_path: str | Path = MODEL_PATH,
) -> Simulation:
    """Run N parameter sets and return the requested outputs.

    Args:
        param_sets: constant name (Vensim or python spelling) → scalar (shared by all
            runs) or array (N,) (one value per run), in the constant's model unit.
        outputs: variables to return (Vensim or python spelling); the arrays are keyed
            by the names as given.
        n_runs: N; default inferred from the arrays, else 1.
        engine: ``"auto"``, ``"batch"`` or ``"pysd"`` (see the module docstring).
        mdl_path: the Vensim model file.

    Returns:
        :class:`Simulation` with arrays (N, T) and the saved times (years).
    """
    # a scenario's data inputs (pandas Series by year) are shared by every run
    given = {k: v for k, v in param_sets.items() if isinstance(v, pd.Series)}
    series = load_model(mdl_path).validate_overrides(given, source="data inputs") if given else {}
    values, n = validate_param_sets({k: v for k, v in param_sets.items() if k not in given}, n_runs, mdl_path)
    outputs = list(dict.fromkeys(outputs))
    which = resolve_engine(engine, mdl_path)
    if which == "batch":
        bm = batch_model(mdl_path)
        params: dict[str, object] = {
            k: (float(v[0]) if np.all(v == v[0]) else v) for k, v in values.items()
        }
        params.update(series)
        res = bm.run(params, n_runs=n, outputs=outputs)
        arrays = {name: np.asarray(res[name], dtype=float).reshape(n, -1) for name in outputs}
        return Simulation(arrays=arrays, times=np.asarray(res.times, dtype=float), engine="batch")

    model = load_model(mdl_path)
    columns = [model.resolve(o) for o in outputs]
    frames = []
    for i in range(n):
        row: dict[str, object] = {**series, **{k: float(v[i]) for k, v in values.items()}}
        frames.append(model.run(row, return_columns=columns))
    times = frames[0].index.to_numpy(dtype=float)
    arrays = {
        name: np.vstack([f[col].to_numpy(dtype=float) for f in frames])
        for name, col in zip(outputs, columns)
    }
    return Simulation(arrays=arrays, times=times, engine="pysd")
