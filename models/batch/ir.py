"""Intermediate representation of a subscript-free Vensim model.

The translator (``translate.py``) turns PySD's abstract syntax tree into these small,
immutable expression nodes; the planner (``plan.py``) orders them and the code
generator (``codegen.py``) emits Python source from them.

Expressions
-----------
``Num``         a literal number.
``Ref``         the value of another node (a model variable or a hidden helper node).
``TimeRef``     the model time (``Time``), in model time units.
``StateRef``    one state variable of a stateful object (``INTEG``, ``SMOOTH``...).
``Op``          arithmetic / logic operator applied to its arguments (binary or unary).
``Call``        a builtin function (``min``, ``xidz``, ``step``...).
``Lookup``      linear interpolation in a lookup table, clamped at both ends.
``ActiveInit``  ``ACTIVE INITIAL(expr, init)``: ``init`` during initialisation,
                ``expr`` afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Union


@dataclass(frozen=True)
class Num:
    value: float
    integer: bool = False  # written as an integer literal (PySD keeps it a Python int)


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class TimeRef:
    pass


@dataclass(frozen=True)
class StateRef:
    key: str  # stateful object key, e.g. "_s3"
    index: int  # stage index (0 for INTEG/TREND/INITIAL)


@dataclass(frozen=True)
class Op:
    # "+", "-", "*", "/", "^" (binary), "neg" (unary),
    # "==", "!=", "<", "<=", ">", ">=" (comparisons), "and", "or" (binary), "not"
    op: str
    args: tuple


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple


@dataclass(frozen=True)
class Lookup:
    table: str  # key in ModelIR.lookups
    arg: "Expr"


@dataclass(frozen=True)
class ActiveInit:
    expr: "Expr"
    init: "Expr"


Expr = Union[Num, Ref, TimeRef, StateRef, Op, Call, Lookup, ActiveInit]

#: PySD python names of the Vensim control variables.
CONTROL_NAMES = ("initial_time", "final_time", "time_step", "saveper")

#: Python source of the binary arithmetic and comparison operators (both backends).
PYTHON_OPS = {"+": "+", "-": "-", "*": "*", "/": "/", "^": "**"}
PYTHON_COMPARISONS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

#: Vensim functions computed by Python's ``math`` module: function -> ``math`` name.
MATH_MODULE_NAMES = {
    "exp": "exp",
    "ln": "log",
    "sqrt": "sqrt",
    "power": "pow",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "integer": "trunc",
}

ARITHMETIC_OPS = frozenset({"+", "-", "*", "/", "^", "neg"})
COMPARISON_OPS = frozenset({"==", "!=", "<", "<=", ">", ">="})
LOGIC_OPS = frozenset({"and", "or", "not"})


def is_logical(expr: Expr) -> bool:
    """True when ``expr`` yields a boolean (comparison or logic operator)."""
    return isinstance(expr, Op) and (expr.op in COMPARISON_OPS or expr.op in LOGIC_OPS)


def children(expr: Expr, phase: str = "step") -> Iterator[Expr]:
    """Direct sub-expressions of ``expr``; ``phase`` is ``"init"`` or ``"step"``
    (selects the branch of ``ActiveInit``)."""
    if isinstance(expr, (Op, Call)):
        yield from expr.args
    elif isinstance(expr, Lookup):
        yield expr.arg
    elif isinstance(expr, ActiveInit):
        yield expr.init if phase == "init" else expr.expr


def walk(expr: Expr, phase: str = "step") -> Iterator[Expr]:
    """All sub-expressions of ``expr`` (pre-order), including ``expr`` itself."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(children(node, phase))


def refs(expr: Expr, phase: str = "step") -> set[str]:
    """Names of the nodes referenced by ``expr``."""
    return {e.name for e in walk(expr, phase) if isinstance(e, Ref)}


def state_refs(expr: Expr, phase: str = "step") -> set[tuple[str, int]]:
    """State variables (stateful key, stage) read by ``expr``."""
    return {(e.key, e.index) for e in walk(expr, phase) if isinstance(e, StateRef)}


#: builtins that read the model time implicitly
TIME_FUNCTIONS = frozenset({"step", "ramp", "pulse", "pulse_train", "trunc_first"})


def uses_time(expr: Expr, phase: str = "step") -> bool:
    """True if ``expr`` reads Time, directly or through STEP/RAMP/PULSE..."""
    return any(
        isinstance(e, TimeRef) or (isinstance(e, Call) and e.fn in TIME_FUNCTIONS)
        for e in walk(expr, phase)
    )


def has_active_initial(expr: Expr) -> bool:
    return any(isinstance(e, ActiveInit) for e in walk(expr, "step")) or any(
        isinstance(e, ActiveInit) for e in walk(expr, "init")
    )


@dataclass
class Node:
    """A value computed from other values: a model variable or a hidden helper.

    name     PySD python name of the variable (hidden helpers: ``_h<k>``).
    vensim   Vensim name of the variable (for hidden helpers: of the owner variable).
    expr     the equation, as an IR expression.
    hidden   True for helper nodes created by the translator (stateful arguments).
    """

    name: str
    vensim: str
    expr: Expr
    hidden: bool = False


@dataclass
class Stateful:
    """A stateful object embedded in a variable's equation.

    kind       "integ", "smooth", "delay", "trend" or "initial".
    order      number of state variables (SMOOTH3/DELAY3: 3, others 1).
    args       atomic argument expressions (Num, Ref, TimeRef or StateRef), by role:
               integ:   flow, initial          smooth: input, time, initial
               delay:   input, time, initial   trend:  input, time, initial_trend
               initial: initial
    owner      python name of the variable whose equation contains the object.
    non_negative  INTEG only: clip the stock at zero after each Euler step.
    """

    key: str
    kind: str
    order: int
    args: dict
    owner: str
    vensim: str
    non_negative: bool = False
    fixed_time: bool = False  # DELAY N: PySD's DelayN, supported with a run-constant delay time

    @property
    def dynamic(self) -> bool:
        """INITIAL() is frozen after initialisation; all others evolve in time."""
        return self.kind != "initial"

    def output(self) -> Expr:
        """Expression of the value the object returns (PySD ``__call__``)."""
        last = StateRef(self.key, self.order - 1)
        if self.kind == "delay":
            return Op("/", (last, self.args["time"]))
        if self.kind == "trend":
            state = StateRef(self.key, 0)
            return Call(
                "zidz",
                (
                    Op("-", (self.args["input"], state)),
                    Op("*", (self.args["time"], Call("abs", (state,)))),
                ),
            )
        return last

    def init_args(self) -> tuple[str, ...]:
        """Argument roles read when the object is initialised (PySD ``initialize``)."""
        return {
            "integ": ("initial",),
            "smooth": ("initial",),
            "delay": ("initial", "time"),
            "trend": ("input", "time", "initial_trend"),
            "initial": ("initial",),
        }[self.kind]

    def step_args(self) -> tuple[str, ...]:
        """Argument roles read to compute the derivative (PySD ``ddt``)."""
        return {
            "integ": ("flow",),
            "smooth": ("input", "time"),
            "delay": ("input", "time"),
            "trend": ("input", "time"),
            "initial": (),
        }[self.kind]

    def initial_state(self, index: int) -> Expr:
        """Expression of state ``index`` at initialisation."""
        if self.kind == "delay":
            return Op("*", (self.args["initial"], self.args["time"]))
        if self.kind == "trend":
            return Op(
                "/",
                (
                    self.args["input"],
                    Op("+", (Num(1.0), Op("*", (self.args["initial_trend"], self.args["time"])))),
                ),
            )
        return self.args["initial"]

    def derivative(self, index: int, truncate_first_input: bool = False) -> Expr:
        """Expression of d(state ``index``)/dt, written as PySD computes it.

        ``truncate_first_input``: SMOOTH whose initial value is an integer; PySD's
        state array then has an integer dtype and the input is truncated to an
        integer in the first Euler step (``Call("trunc_first", ...)``).
        """
        state = StateRef(self.key, index)
        if self.kind == "integ":
            return self.args["flow"]
        if self.kind == "smooth":
            target = self.args["input"] if index == 0 else StateRef(self.key, index - 1)
            if index == 0 and truncate_first_input:
                target = Call("trunc_first", (target,))
            # PySD: (targets - state) * order / smooth_time
            return Op(
                "/",
                (Op("*", (Op("-", (target, state)), Num(float(self.order)))), self.args["time"]),
            )
        if self.kind == "delay":
            # PySD: outflows = state / T; inflows = roll(outflows); (in - out) * order
            outflow = Op("/", (state, self.args["time"]))
            if index == 0:
                inflow = self.args["input"]
            else:
                inflow = Op("/", (StateRef(self.key, index - 1), self.args["time"]))
            return Op("*", (Op("-", (inflow, outflow)), Num(float(self.order))))
        if self.kind == "trend":
            return Op("/", (Op("-", (self.args["input"], state)), self.args["time"]))
        raise ValueError(f"stateful kind {self.kind!r} has no derivative")


@dataclass
class LookupTable:
    """A lookup table: x sorted ascending, y values; clamps outside [x0, xn]."""

    name: str
    vensim: str
    x: tuple
    y: tuple


@dataclass
class VariableInfo:
    """Documentation of a model variable (from the .mdl ``~ units [range] ~ comment``)."""

    name: str  # python name
    vensim: str
    units: str
    limits: tuple  # (min, max) or (min, max, step); None where not given
    comment: str
    kind: str  # "constant", "auxiliary", "stateful", "lookup" or "control"


@dataclass
class ModelIR:
    """The whole translated model.

    nodes      python name -> Node (variables in .mdl order, then hidden helpers)
    statefuls  key -> Stateful
    lookups    python name -> LookupTable (named lookups and inline WITH LOOKUP tables)
    control    "initial_time", "final_time", "time_step", "saveper" -> float
    info       python name -> VariableInfo (variables, lookups and control variables)
    names      Vensim name -> python name (PySD's namespace)
    initial_time_is_int  INITIAL TIME is an integer literal (PySD's time is then a
               Python int during initialisation)
    structural python name -> why: constants fixing the structure (SMOOTH N / DELAY N
               orders); they cannot be overridden in runs
    """

    path: str
    nodes: dict = field(default_factory=dict)
    statefuls: dict = field(default_factory=dict)
    lookups: dict = field(default_factory=dict)
    control: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)
    initial_time_is_int: bool = False
    structural: dict = field(default_factory=dict)
    control_exprs: dict = field(default_factory=dict)

    def control_values(self, overrides: dict | None = None) -> dict:
        """Control variables (python name -> value) with ``overrides`` applied; the
        others are re-evaluated from their equations (e.g. ``SAVEPER = TIME STEP``
        follows an overridden TIME STEP, as in PySD)."""
        overrides = overrides or {}
        nodes = dict(self.nodes)
        values: dict = {}
        for name in CONTROL_NAMES:
            if name in overrides:
                value = float(overrides[name])
            elif name in self.control_exprs:
                value = evaluate_constant(self.control_exprs[name], nodes)
            else:
                value = values.get("time_step")
            if value is None:
                raise ValueError(f"control variable {name!r} is not a constant")
            values[name] = value
            nodes[name] = Node(name, name, Num(value))
        return values


# ------------------------------------------------------------------ constants
def evaluate_constant(expr: Expr, nodes: dict, _depth: int = 0) -> float | None:
    """Value of ``expr`` if it only involves numbers, arithmetic and references to
    constant nodes; ``None`` otherwise. Used for control variables and the
    ``constants`` listing (default values)."""
    if _depth > 200:
        return None
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Ref):
        node = nodes.get(expr.name)
        return None if node is None else evaluate_constant(node.expr, nodes, _depth + 1)
    if isinstance(expr, Op) and expr.op in ("+", "-", "*", "/", "^", "neg"):
        values = [evaluate_constant(arg, nodes, _depth + 1) for arg in expr.args]
        if any(v is None for v in values):
            return None
        try:
            if expr.op == "neg":
                return -values[0]
            a, b = values
            return {
                "+": lambda: a + b,
                "-": lambda: a - b,
                "*": lambda: a * b,
                "/": lambda: a / b,
                "^": lambda: a**b,
            }[expr.op]()
        except (ArithmeticError, ValueError):
            return None
    return None
