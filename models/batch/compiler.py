"""Compiler: Vensim .mdl -> PySD abstract model -> IR -> specialised NumPy simulators.

``load_model(path)`` parses the file with PySD (the single source of the equations)
and translates it (``translate.py``); unsupported constructs raise
``UnsupportedConstructError`` here, at compile time.

``Compiler.simulator(inputs, outputs, mode)`` returns a ``Simulator`` specialised for
one *signature*: which variables are overridden and with which kind of value
(shared scalar, per-run array, shared or per-run time series), which outputs are
requested, and the mode ("vector" for N runs, "scalar" for the N == 1 fast path,
"safe" after an arithmetic error on the scalar path). Specialisation lets the plan
inline non-overridden constants, hoist run constants out of the time loop, drop
everything the outputs do not need, and keep values shared by all runs as Python
floats. Simulators are cached per signature, so repeated runs with new values
(sliders, sweeps) do not recompile.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import ir
from .codegen import generate
from .plan import Plan, make_plan
from .timegrid import TimeGrid, pysd_time_grid
from .translate import translate_file


@dataclass(frozen=True)
class Simulator:
    """A compiled chunk simulator.

    run_chunk(inp, n, out) fills ``out[name]`` (n_saved, n) arrays, or lists of
    n_saved floats in scalar mode, for the ``n`` runs described by ``inp``.
    """

    run_chunk: Callable
    source: str
    plan: Plan
    grid: TimeGrid

    @property
    def mode(self) -> str:
        return self.plan.mode


def load_model(path: str | Path) -> ir.ModelIR:
    """Parse ``path`` with PySD and translate it; raises UnsupportedConstructError."""
    return translate_file(path)


class Compiler:
    """Builds and caches simulators for one translated model."""

    def __init__(self, model: ir.ModelIR):
        self.model = model
        control = model.control
        self.grid = pysd_time_grid(
            control["initial_time"], control["final_time"], control["time_step"],
            control["saveper"],
        )
        self._cache: dict = {}
        self._lock = threading.Lock()

    def simulator(
        self, inputs: dict, outputs: tuple, mode: str = "vector", int_inputs=frozenset()
    ) -> Simulator:
        """Simulator for the signature (inputs: python name -> input kind;
        int_inputs: overridden names whose values are integers)."""
        int_inputs = frozenset(int_inputs)
        key = (mode, tuple(sorted(inputs.items())), tuple(outputs), int_inputs)
        with self._lock:
            cached = self._cache.get(key)
            if cached is None:
                plan = make_plan(self.model, inputs, outputs, mode, int_inputs)
                function, source = generate(self.model, plan, self.grid)
                cached = Simulator(function, source, plan, self.grid)
                if len(self._cache) > 64:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = cached
        return cached
