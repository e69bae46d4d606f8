"""Compiler: Vensim .mdl -> PySD abstract model -> IR -> specialised simulators.

``load_model(path)`` parses the file with PySD (the single source of the equations)
and translates it (``translate.py``, the only module importing PySD); unsupported
constructs raise ``UnsupportedConstructError`` here, at compile time.

``Compiler.simulator(inputs, outputs, mode, int_inputs, grid)`` returns a
``Simulator`` specialised for one *signature*: the time grid, which variables are
overridden and with which kind of value (shared scalar, per-run array, shared or
per-run time series), which outputs are requested, and the mode ("vector" for N
runs, "scalar" for the N == 1 fast path, "safe" after an arithmetic error on the
scalar path). Specialisation lets the plan inline non-overridden constants, hoist run
constants out of the time loop, drop everything the outputs do not need, and keep
values shared by all runs as Python floats. Simulators are cached per signature, so
repeated runs with new values (sliders, sweeps) do not recompile.

``check_grid(model, grid)`` is the compile-time validation of a time grid (DELAY
order x TIME STEP against constant delay times, DELAY N delay times); it runs for
the model file's grid when the model is compiled and for every other grid the
first time a run uses it.
"""

from __future__ import annotations

import numbers
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import ir
from .codegen import generate
from .errors import SUPPORTED_CONSTRUCTS, UnsupportedConstructError
from .plan import Plan, make_plan
from .timegrid import TimeGrid, pysd_time_grid


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
    from .translate import translate_file  # PySD is imported only here

    return translate_file(path)


def model_grid(model: ir.ModelIR, overrides: dict | None = None) -> TimeGrid:
    """The time grid of a run: the model file's control variables with ``overrides``
    (python names ``initial_time``, ``final_time``, ``time_step``, ``saveper``).

    An integer ``initial_time`` override keeps PySD's integer semantics at
    initialisation, like an integer INITIAL TIME in the file."""
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    control = model.control_values(overrides)
    if "initial_time" in overrides:
        value = overrides["initial_time"]
        integer_start = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    else:
        integer_start = model.initial_time_is_int
    return pysd_time_grid(
        control["initial_time"], control["final_time"], control["time_step"],
        control["saveper"], integer_start,
    )


def check_grid(model: ir.ModelIR, grid: TimeGrid) -> None:
    """Compile-time checks of the model on ``grid``; raises UnsupportedConstructError.

    PySD lowers the order of a DELAY whose order x TIME STEP exceeds its delay time
    (with a warning) instead of computing the delay as written; a delay time that is
    constant is checked here, one computed during initialisation (or overridden in a
    run) when the run initialises (``DelayOrderError``)."""
    varies = _time_varying(model)
    for stateful in model.statefuls.values():
        if stateful.fixed_time and varies(stateful.args["time"]):
            raise UnsupportedConstructError(
                stateful.vensim, "DELAY N with a time-varying delay time", SUPPORTED_CONSTRUCTS
            )
    nodes = dict(model.nodes)
    for name, value in grid.control.items():
        if name in nodes:
            nodes[name] = ir.Node(name, name, ir.Num(value))
    for stateful in model.statefuls.values():
        if stateful.kind != "delay":
            continue
        atom = stateful.args["time"]
        delay_time = ir.evaluate_constant(atom, nodes)
        if delay_time is None or not stateful.order * grid.time_step > delay_time:
            continue
        name = ""
        if isinstance(atom, ir.Ref) and not nodes[atom.name].hidden:
            name = f" '{nodes[atom.name].vensim}'"
        construct = "DELAY N" if stateful.fixed_time else f"DELAY{stateful.order}"
        raise UnsupportedConstructError(
            stateful.vensim,
            f"{construct} whose delay time{name} = {delay_time:g} is below order x TIME STEP "
            f"= {stateful.order} x {grid.time_step:g} (PySD would lower the order)",
            SUPPORTED_CONSTRUCTS,
        )


def _time_varying(model: ir.ModelIR):
    """``varies(expr)``: does ``expr`` change during a run (Time, a dynamic state,
    ACTIVE INITIAL, or a variable computed from those)?"""
    memo: dict = {}

    def varies(expr: ir.Expr) -> bool:
        for node in ir.walk(expr):
            if isinstance(node, (ir.TimeRef, ir.ActiveInit)):
                return True
            if isinstance(node, ir.Call) and node.fn in ir.TIME_FUNCTIONS:
                return True
            if isinstance(node, ir.StateRef) and model.statefuls[node.key].dynamic:
                return True
            if isinstance(node, ir.Ref) and node.name in model.nodes:
                if node.name not in memo:
                    memo[node.name] = False  # cycle guard (loops are reported elsewhere)
                    memo[node.name] = varies(model.nodes[node.name].expr)
                if memo[node.name]:
                    return True
        return False

    return varies


class Compiler:
    """Builds and caches simulators for one translated model."""

    def __init__(self, model: ir.ModelIR):
        self.model = model
        self.grid = model_grid(model)
        check_grid(model, self.grid)
        self._checked = {self.grid.key}
        self._cache: dict = {}
        self._lock = threading.Lock()
        self.engines: dict = {}  # backend name -> engine (engines.select_engine)

    def check(self, grid: TimeGrid) -> None:
        """Validate ``grid`` once (see ``check_grid``)."""
        if grid.key not in self._checked:
            check_grid(self.model, grid)
            self._checked.add(grid.key)

    def simulator(
        self, inputs: dict, outputs: tuple, mode: str = "vector", int_inputs=frozenset(),
        grid: TimeGrid | None = None,
    ) -> Simulator:
        """Simulator for the signature (inputs: python name -> input kind;
        int_inputs: overridden names whose values are integers; grid: time grid,
        default the model file's)."""
        grid = grid or self.grid
        int_inputs = frozenset(int_inputs)
        key = (mode, tuple(sorted(inputs.items())), tuple(outputs), int_inputs, grid.key)
        with self._lock:
            cached = self._cache.get(key)
            if cached is None:
                self.check(grid)
                plan = make_plan(
                    self.model, inputs, outputs, mode, int_inputs, grid.control,
                    grid.integer_start,
                )
                function, source = generate(self.model, plan, grid)
                cached = Simulator(function, source, plan, grid)
                if len(self._cache) > 64:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = cached
        return cached
