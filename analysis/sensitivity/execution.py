"""Chunked evaluation of a sample matrix by an abstract evaluator.

The evaluator contract (:class:`Evaluator`)::

    evaluate(X: np.ndarray, names: list[str]) -> dict[str, np.ndarray]

``X`` has shape ``(n, k)`` with columns in ``names`` order. Each output is either a
scalar metric of shape ``(n,)`` or a time-resolved variable of shape ``(n, T)``.
NaN marks an undefined value (e.g. a turning point not reached by the horizon).
The time grid of time-resolved outputs is given by an optional ``times`` attribute of
the evaluator, or passed explicitly.

For Dask backends the evaluator must be picklable: pass a top-level function or an
instance of a top-level class with ``__call__``. A model-based evaluator should hold
only the model path and settings, compile the model lazily on first call on the
worker and cache it (excluded from pickling via ``__getstate__``).

Template for a model-based evaluator (the batch runner's API names are placeholders)::

    class ModelEvaluator:
        def __init__(self, model_path, scenario=None, outputs=("emissions",)):
            self.model_path, self.scenario, self.outputs = model_path, scenario, outputs
            self._model = None                       # compiled lazily, per process

        def __getstate__(self):                      # ship only the path to workers
            return {**self.__dict__, "_model": None}

        def __call__(self, X, names):
            if self._model is None:
                self._model = compile_batch_model(self.model_path)
            runs = self._model.run(dict(zip(names, X.T)), scenario=self.scenario)
            return {name: runs[name] for name in self.outputs}   # (n,) or (n, T)

Results are assembled in sample order, so they are identical whatever the backend
and chunk size (each row's outputs depend only on that row).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from .backends import Scheduler, map_chunks

Progress = Callable[[int, int], None]


@runtime_checkable
class Evaluator(Protocol):
    """Anything callable as ``evaluate(X, names) -> {output: array}``."""

    def __call__(self, X: np.ndarray, names: list[str]) -> Mapping[str, np.ndarray]: ...


class EvaluatorOutputError(ValueError):
    """The evaluator returned outputs of the wrong shape, type or keys."""


@dataclass(frozen=True)
class RunOutputs:
    """Outputs of all runs, in sample order.

    Attributes:
        outputs: Output name -> ``(n,)`` scalar or ``(n, T)`` time-resolved array.
        times: Time grid of the time-resolved outputs (``None`` if there are none).
    """

    outputs: dict[str, np.ndarray]
    times: np.ndarray | None = None
    chunks: int = field(default=1, compare=False)

    @property
    def scalars(self) -> dict[str, np.ndarray]:
        """The scalar outputs, shape ``(n,)``."""
        return {name: y for name, y in self.outputs.items() if y.ndim == 1}

    @property
    def series(self) -> dict[str, np.ndarray]:
        """The time-resolved outputs, shape ``(n, T)``."""
        return {name: y for name, y in self.outputs.items() if y.ndim == 2}


def evaluate_sample(
    evaluator: Evaluator,
    X: np.ndarray,
    names: list[str],
    *,
    chunk_size: int | None = 10_000,
    scheduler: Scheduler = None,
    progress: Progress | None = None,
    times: np.ndarray | None = None,
) -> RunOutputs:
    """Evaluate every row of ``X`` in chunks and assemble the outputs in order.

    Args:
        evaluator: See :class:`Evaluator`.
        X: Sample matrix ``(n, k)``.
        names: Parameter names, one per column of ``X``.
        chunk_size: Rows per chunk (``None``: a single chunk).
        scheduler: ``None``/``"serial"``, ``"threads"``, ``"local"``, a Dask scheduler
            address or a ``distributed.Client`` (see :mod:`.backends`).
        progress: Called as ``progress(done_runs, total_runs)`` after each chunk.
        times: Time grid for time-resolved outputs; default ``evaluator.times``.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != len(names):
        raise ValueError(f"X must have shape (n, {len(names)}), got {X.shape}")
    n = X.shape[0]
    size = n if chunk_size is None else int(chunk_size)
    if size <= 0:
        raise ValueError(f"chunk_size must be positive, got {chunk_size!r}")
    bounds = [(start, min(start + size, n)) for start in range(0, n, size)]
    chunks = [(X[start:stop], list(names)) for start, stop in bounds]

    done = 0

    def on_done(index: int) -> None:
        nonlocal done
        start, stop = bounds[index]
        done += stop - start
        if progress is not None:
            progress(done, n)

    results = map_chunks(evaluate_chunk, chunks, scheduler=scheduler, evaluator=evaluator, on_done=on_done)
    outputs = _assemble(results, [stop - start for start, stop in bounds])
    times = _resolve_times(outputs, times if times is not None else getattr(evaluator, "times", None))
    return RunOutputs(outputs=outputs, times=times, chunks=len(chunks))


def evaluate_chunk(evaluator: Evaluator, chunk: tuple[np.ndarray, list[str]]) -> dict[str, np.ndarray]:
    """Evaluate one chunk (top-level so Dask can ship it); outputs as float arrays."""
    X, names = chunk
    result = evaluator(X, names)
    if not isinstance(result, Mapping):
        raise EvaluatorOutputError(f"the evaluator must return a mapping of outputs, got {type(result).__name__}")
    return {str(name): np.asarray(values, dtype=float) for name, values in result.items()}


def _assemble(results: list[dict[str, np.ndarray]], sizes: list[int]) -> dict[str, np.ndarray]:
    if not results:
        raise EvaluatorOutputError("the sample is empty")
    keys = list(results[0])
    if not keys:
        raise EvaluatorOutputError("the evaluator returned no outputs")
    for index, (result, rows) in enumerate(zip(results, sizes, strict=True)):
        if list(result) != keys:
            raise EvaluatorOutputError(f"chunk {index}: outputs {sorted(result)} differ from chunk 0's {sorted(keys)}")
        for name, values in result.items():
            if values.ndim not in (1, 2) or values.shape[0] != rows:
                raise EvaluatorOutputError(
                    f"output '{name}' (chunk {index}): expected shape ({rows},) or ({rows}, T), got {values.shape}"
                )
            first = results[0][name]
            if values.shape[1:] != first.shape[1:]:
                raise EvaluatorOutputError(
                    f"output '{name}' (chunk {index}): shape {values.shape} inconsistent with {first.shape}"
                )
    return {name: np.concatenate([result[name] for result in results]) for name in keys}


def _resolve_times(outputs: dict[str, np.ndarray], times: np.ndarray | None) -> np.ndarray | None:
    lengths = {y.shape[1] for y in outputs.values() if y.ndim == 2}
    if not lengths:
        return None if times is None else np.asarray(times)
    if len(lengths) > 1:
        raise EvaluatorOutputError(f"time-resolved outputs have different lengths {sorted(lengths)}")
    (length,) = lengths
    if times is None:
        return np.arange(length, dtype=float)
    times = np.asarray(times)
    if times.shape != (length,):
        raise EvaluatorOutputError(f"times has shape {times.shape} but time-resolved outputs have {length} steps")
    return times
