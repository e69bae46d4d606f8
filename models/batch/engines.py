"""Backends of the batch runner: how a block of runs is simulated.

Both backends are compiled from the same IR and evaluation plan and give the same
results (to ~1e-12, tests/models/batch/test_equivalence.py runs both):

* ``NumpyEngine`` (``"numpy"``): generated Python code calling NumPy ufuncs on
  arrays of one value per run (``codegen.py``); always available.
* ``NumbaEngine`` (``"numba"``, ``jit.py``): one fused machine-code kernel per model,
  looping over runs in parallel threads with every equation of a time step in
  registers; needs the ``numba`` package.

``select_engine(name, compiler)`` resolves ``"auto"`` (the fastest available:
Numba, else NumPy with a log message) and falls back to NumPy, with a log message,
when Numba is missing or the model uses a construct the kernel does not support.
"""

from __future__ import annotations

import logging
from typing import Protocol

import numpy as np

from .compiler import Compiler, Simulator
from .params import PreparedParams
from .runtime import DelayOrderError
from .timegrid import TimeGrid

log = logging.getLogger(__name__)

BACKENDS = ("auto", "numba", "numpy")


class Engine(Protocol):
    """Simulates runs of one model (see module docstring)."""

    name: str
    #: why another backend ran some inputs of this one (the kernel's NumPy fallback);
    #: None while this backend ran every call
    fallback_reason: str | None

    def run_block(self, prepared: PreparedParams, outputs: list, grid: TimeGrid,
                  start: int, stop: int, store: np.ndarray, column: int) -> None:
        """Simulate runs ``start:stop``; ``store`` (n_outputs, n_saved, n_columns),
        C-contiguous, receives output ``o`` of run ``start + j`` in
        ``store[o, :, column + j]``."""

    def run_single(self, prepared: PreparedParams, outputs: list, grid: TimeGrid) -> dict:
        """One run whose inputs are all shared values; ``name -> (1, n_saved)``."""


class NumpyEngine:
    """Generated NumPy code (``codegen.py``); the reference backend and fallback."""

    name = "numpy"
    fallback_reason = None  # the reference backend runs every model it compiles

    def __init__(self, compiler: Compiler):
        self.compiler = compiler

    def simulator(self, prepared: PreparedParams, outputs, mode: str, grid: TimeGrid) -> Simulator:
        return self.compiler.simulator(
            prepared.kinds, tuple(dict.fromkeys(outputs)), mode, prepared.int_names, grid
        )

    def run_block(self, prepared, outputs, grid, start, stop, store, column) -> None:
        width = stop - start
        out = {py: store[o, :, column : column + width] for o, py in enumerate(outputs)}
        self.fill(prepared, outputs, grid, start, stop, out)

    def fill(self, prepared, outputs, grid, start, stop, out) -> None:
        """Simulate runs ``start:stop`` into ``out[name]`` (n_saved, stop - start)."""
        inputs = prepared.chunk(start, stop)
        simulator = self.simulator(prepared, outputs, "vector", grid)
        with np.errstate(all="ignore"):
            try:
                simulator.run_chunk(inputs, stop - start, out)
            except DelayOrderError:
                raise
            except (ArithmeticError, ValueError, TypeError):
                # a value shared by all runs hit a Python float error: redo with arrays
                safe = self.simulator(prepared, outputs, "safe", grid)
                safe.run_chunk(inputs, stop - start, out)

    def run_single(self, prepared, outputs, grid) -> dict:
        n_saved = grid.n_saved
        simulator = self.simulator(prepared, outputs, "scalar", grid)
        out = {py: [0.0] * n_saved for py in outputs}
        try:
            simulator.run_chunk(prepared.values, 1, out)
        except DelayOrderError:
            raise
        except (ArithmeticError, ValueError, TypeError):
            # math-module error (overflow, log(0), x/0...): NumPy semantics instead
            arrays = {py: np.empty((n_saved, 1)) for py in outputs}
            self.fill(prepared, outputs, grid, 0, 1, arrays)
            return {py: arrays[py].T.copy() for py in outputs}
        block = np.array([out[py] for py in outputs], dtype=float)  # (n_outputs, n_saved)
        return {py: block[i : i + 1] for i, py in enumerate(outputs)}


def select_engine(name: str | None, compiler: Compiler, cache: dict) -> Engine:
    """The engine for backend ``name`` (``"auto"``, ``"numba"`` or ``"numpy"``),
    created once per compiler and kept in ``cache``.

    ``"auto"`` and ``"numba"`` fall back to NumPy (logged once) when Numba is not
    installed or cannot compile this model."""
    name = name or "auto"
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; use one of {', '.join(BACKENDS)}")
    if name == "numpy":
        engine = cache.get("numpy")
        if engine is None:
            engine = cache["numpy"] = NumpyEngine(compiler)
        return engine
    engine = cache.get("numba")
    if engine is None:
        level = logging.WARNING if name == "numba" else logging.INFO
        from .jit import NumbaEngine, NumbaUnavailable

        try:
            engine = NumbaEngine(compiler)
        except NumbaUnavailable as exc:
            log.log(level, "batch runner: %s; using the NumPy backend", exc)
            engine = None
        cache["numba"] = engine or False
    if not engine:
        return select_engine("numpy", compiler, cache)
    return engine
