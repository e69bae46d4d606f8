"""Translate PySD's abstract model of a subscript-free Vensim file into ``ir.ModelIR``.

Source of truth: the .mdl file, parsed by PySD itself
(``VensimFile(path).parse()`` then ``.get_abstract_model()``); python names come from
PySD's own ``NamespaceManager`` so they match ``pysd.read_vensim`` exactly.
Anything outside the supported subset raises ``UnsupportedConstructError`` naming the
variable and the construct.
"""

from __future__ import annotations

import math
import numbers
from pathlib import Path
from typing import Any

import numpy as np
from pysd.builders.python.namespace import NamespaceManager
from pysd.translators.structures import abstract_expressions as ae
from pysd.translators.structures.abstract_model import (
    AbstractControlElement,
    AbstractData,
    AbstractLookup,
    AbstractModel,
)
from pysd.translators.vensim.vensim_file import VensimFile

from . import ir
from .errors import BatchCompileError, UnsupportedConstructError

#: Human-readable list used in error messages.
SUPPORTED_CONSTRUCTS: tuple[str, ...] = (
    "INTEG",
    "+ - * / ^ unary-",
    "= <> < <= > >=",
    ":AND: :OR: :NOT:",
    "IF THEN ELSE",
    "MIN",
    "MAX",
    "ABS",
    "EXP",
    "LN",
    "LOG",
    "SQRT",
    "POWER",
    "SIN/COS/TAN/ARCSIN/ARCCOS/ARCTAN/SINH/COSH/TANH",
    "INTEGER",
    "MODULO",
    "QUANTUM",
    "XIDZ",
    "ZIDZ",
    "STEP",
    "RAMP",
    "PULSE",
    "PULSE TRAIN",
    "Time",
    "TIME STEP",
    "INITIAL TIME",
    "FINAL TIME",
    "SAVEPER",
    "INITIAL",
    "ACTIVE INITIAL",
    "WITH LOOKUP",
    "named lookups",
    "SMOOTH",
    "SMOOTHI",
    "SMOOTH3",
    "SMOOTH3I",
    "SMOOTH N (constant order)",
    "DELAY1",
    "DELAY1I",
    "DELAY3",
    "DELAY3I",
    "TREND",
    "GAME",
)

#: PySD function name -> allowed numbers of arguments.
FUNCTION_ARITY: dict[str, tuple[int, ...]] = {
    "min": (2,),
    "max": (2,),
    "abs": (1,),
    "exp": (1,),
    "ln": (1,),
    "log": (2,),
    "sqrt": (1,),
    "power": (2,),
    "sin": (1,),
    "cos": (1,),
    "tan": (1,),
    "arcsin": (1,),
    "arccos": (1,),
    "arctan": (1,),
    "sinh": (1,),
    "cosh": (1,),
    "tanh": (1,),
    "pi": (0,),
    "integer": (1,),
    "modulo": (2,),
    "quantum": (2,),
    "xidz": (3,),
    "zidz": (2,),
    "step": (2,),
    "ramp": (3,),
    "pulse": (2,),
    "pulse_train": (4,),
    "if_then_else": (3,),
    "active_initial": (2,),
}

CONTROL_NAMES = ("initial_time", "final_time", "time_step", "saveper")

_STRUCTURE_NAMES = {
    ae.DelayFixedStructure: "DELAY FIXED",
    ae.DelayNStructure: "DELAY N",
    ae.ForecastStructure: "FORECAST",
    ae.SampleIfTrueStructure: "SAMPLE IF TRUE",
    ae.AllocateAvailableStructure: "ALLOCATE AVAILABLE",
    ae.AllocateByPriorityStructure: "ALLOCATE BY PRIORITY",
    ae.GetConstantsStructure: "GET XLS/DIRECT CONSTANTS",
    ae.GetDataStructure: "GET XLS/DIRECT DATA",
    ae.GetLookupsStructure: "GET XLS/DIRECT LOOKUPS",
    ae.DataStructure: "DATA",
    ae.SubscriptsReferenceStructure: "subscripts",
}

_COMPARISONS = {"=": "==", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def load_abstract_model(path: str | Path) -> AbstractModel:
    """Parse a Vensim .mdl file with PySD and return its abstract model."""
    vensim_file = VensimFile(Path(path))
    vensim_file.parse()
    return vensim_file.get_abstract_model()


def translate_file(path: str | Path) -> ir.ModelIR:
    """Parse ``path`` with PySD and translate it to the batch IR."""
    return Translator(load_abstract_model(path)).translate()


def _unsupported(variable: str, construct: str) -> UnsupportedConstructError:
    return UnsupportedConstructError(variable, construct, SUPPORTED_CONSTRUCTS)


def _as_float(value: Any) -> float | None:
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return None


def _limits(raw: tuple) -> tuple:
    out = []
    for value in raw or ():
        number = _as_float(value)
        out.append(None if number is None or math.isnan(number) else number)
    while len(out) < 2:
        out.append(None)
    return tuple(out)


class Translator:
    """Walks PySD's abstract model and builds the IR (one instance per model)."""

    def __init__(self, abstract_model: AbstractModel):
        self.abstract = abstract_model
        self.main = abstract_model.sections[0]
        self.macro_names = {
            section.name.lower().replace(" ", "_") for section in abstract_model.sections[1:]
        }
        self.model = ir.ModelIR(path=str(abstract_model.original_path))
        self.namespace = NamespaceManager()
        self._hidden = 0
        self._statefuls = 0
        self._inline = 0
        self._element = ""  # Vensim name of the element being translated
        self._element_py = ""

    # ------------------------------------------------------------------ model
    def translate(self) -> ir.ModelIR:
        elements = list(self.main.elements)
        for element in elements:
            self.namespace.add_to_namespace(element.name)
        self.model.names = {
            name: py for name, py in self.namespace.namespace.items() if name != "Time"
        }
        subscript_ranges = {
            rng.name.lower().replace(" ", "_") for rng in self.main.subscripts
        }
        self._subscript_ranges = subscript_ranges

        # lookups first: calls need to know which names are lookups
        for element in elements:
            py = self.namespace.namespace[element.name]
            comps = element.components
            if comps and isinstance(comps[0], AbstractLookup):
                self._check_subscripts(element)
                self._lookup_element(element, py)

        for element in elements:
            py = self.namespace.namespace[element.name]
            self._element, self._element_py = element.name, py
            if py in self.model.lookups:
                continue
            self._check_subscripts(element)
            component = element.components[0]
            if isinstance(component, AbstractData):
                raise _unsupported(element.name, "DATA / GET DATA")
            expr = self._expr(component.ast)
            self.model.nodes[py] = ir.Node(py, element.name, expr)
            is_control = isinstance(element, AbstractControlElement) or py in CONTROL_NAMES
            self.model.info[py] = ir.VariableInfo(
                name=py,
                vensim=element.name,
                units=element.units or "",
                limits=_limits(element.limits),
                comment=(element.documentation or "").strip(),
                kind="control" if is_control else self._kind(expr),
            )
        self._control_values()
        # hidden nodes were appended while translating; keep variables first
        return self.model

    def _kind(self, expr: ir.Expr) -> str:
        kinds = {type(e) for e in ir.walk(expr)} | {type(e) for e in ir.walk(expr, "init")}
        if ir.StateRef in kinds:
            return "stateful"
        if kinds & {ir.Ref, ir.TimeRef, ir.ActiveInit, ir.Lookup}:
            return "auxiliary"
        return "constant"

    def _check_subscripts(self, element) -> None:
        if len(element.components) != 1 or any(
            comp.subscripts and comp.subscripts[0] for comp in element.components
        ):
            raise _unsupported(element.name, "subscripts")

    def _lookup_element(self, element, py: str) -> None:
        ast = element.components[0].ast
        self._element = element.name
        if not isinstance(ast, ae.LookupsStructure):
            raise _unsupported(element.name, _STRUCTURE_NAMES.get(type(ast), type(ast).__name__))
        if ast.type != "interpolate":
            raise _unsupported(element.name, f"lookup interpolation '{ast.type}'")
        self.model.lookups[py] = self._table(py, element.name, ast)
        self.model.info[py] = ir.VariableInfo(
            name=py,
            vensim=element.name,
            units=element.units or "",
            limits=_limits(element.limits),
            comment=(element.documentation or "").strip(),
            kind="lookup",
        )

    def _table(self, name: str, vensim: str, ast: ae.LookupsStructure) -> ir.LookupTable:
        x = tuple(float(v) for v in ast.x)
        y = tuple(float(v) for v in ast.y)
        if len(x) != len(y) or not x:
            raise BatchCompileError(f"variable '{vensim}': malformed lookup table")
        if len(set(x)) != len(x):
            raise BatchCompileError(f"variable '{vensim}': lookup x values are repeated")
        return ir.LookupTable(name, vensim, x, y)

    def _control_values(self) -> None:
        values: dict[str, float] = {}
        initial = self.model.nodes.get("initial_time")
        self.model.initial_time_is_int = isinstance(initial, ir.Node) and isinstance(
            initial.expr, ir.Num
        ) and initial.expr.integer
        for name in CONTROL_NAMES:
            node = self.model.nodes.get(name)
            if node is None:
                continue
            value = evaluate_constant(node.expr, self.model.nodes)
            if value is None:
                raise _unsupported(node.vensim, "non-constant control variable")
            values[name] = value
            integer = isinstance(node.expr, ir.Num) and node.expr.integer
            node.expr = ir.Num(value, integer)
        for required in ("initial_time", "final_time", "time_step"):
            if required not in values:
                raise BatchCompileError(f"control variable '{required}' is missing")
        values.setdefault("saveper", values["time_step"])
        self.model.control = values

    # ------------------------------------------------------------ expressions
    def _expr(self, ast: Any) -> ir.Expr:
        number = _as_float(ast)
        if number is not None:
            integer = isinstance(ast, (int, np.integer)) and not isinstance(ast, bool)
            return ir.Num(number, integer)
        if isinstance(ast, np.ndarray):
            raise _unsupported(self._element, "array constant (subscripts)")
        if isinstance(ast, str):
            raise _unsupported(self._element, "string literal")
        handler = {
            ae.ReferenceStructure: self._reference,
            ae.ArithmeticStructure: self._arithmetic,
            ae.LogicStructure: self._logic,
            ae.CallStructure: self._call,
            ae.GameStructure: lambda s: self._expr(s.expression),
            ae.InlineLookupsStructure: self._inline_lookup,
            ae.IntegStructure: self._integ,
            ae.SmoothStructure: self._smooth,
            ae.SmoothNStructure: self._smooth,
            ae.DelayStructure: self._delay,
            ae.TrendStructure: self._trend,
            ae.InitialStructure: self._initial,
        }.get(type(ast))
        if handler is None:
            construct = _STRUCTURE_NAMES.get(type(ast), type(ast).__name__)
            raise _unsupported(self._element, construct)
        return handler(ast)

    def _reference(self, ast: ae.ReferenceStructure) -> ir.Expr:
        if ast.subscripts is not None:
            raise _unsupported(self._element, "subscripts")
        ref = ast.reference
        if ref == "time":
            return ir.TimeRef()
        py = self.namespace.cleanspace.get(ref)
        if py is None:
            if ref in self._subscript_ranges:
                raise _unsupported(self._element, "subscripts")
            raise BatchCompileError(
                f"variable '{self._element}': reference to undefined variable '{ref}'"
            )
        if py in self.model.lookups:
            raise _unsupported(self._element, f"reference to lookup '{py}' without argument")
        return ir.Ref(py)

    def _arithmetic(self, ast: ae.ArithmeticStructure) -> ir.Expr:
        args = [self._expr(arg) for arg in ast.arguments]
        ops = list(ast.operators)
        if ops == ["negative"]:
            return ir.Op("neg", (args[0],))
        if "negative" in ops or len(ops) != len(args) - 1:
            raise BatchCompileError(f"variable '{self._element}': malformed arithmetic {ops}")
        if all(op == "^" for op in ops):
            # PySD writes 'a**b**c', which Python evaluates right to left
            result = args[-1]
            for arg in reversed(args[:-1]):
                result = ir.Op("^", (arg, result))
            return result
        if "^" in ops:
            raise BatchCompileError(f"variable '{self._element}': mixed '^' chain {ops}")
        result = args[0]
        for op, arg in zip(ops, args[1:]):  # 'a - b + c' evaluated left to right
            result = ir.Op(op, (result, arg))
        return result

    def _logic(self, ast: ae.LogicStructure) -> ir.Expr:
        args = [self._expr(arg) for arg in ast.arguments]
        ops = list(ast.operators)
        if ops == [":NOT:"]:
            return ir.Op("not", (args[0],))
        if len(ops) == 1 and ops[0] in _COMPARISONS:
            return ir.Op(_COMPARISONS[ops[0]], tuple(args))
        if all(op in (":AND:", ":OR:") for op in ops) and len(ops) == len(args) - 1:
            # PySD nests np.logical_and/or from the right: a AND (b OR c)
            result = args[-1]
            for op, arg in zip(reversed(ops), reversed(args[:-1])):
                result = ir.Op("and" if op == ":AND:" else "or", (arg, result))
            return result
        raise _unsupported(self._element, "chained comparison " + " ".join(ops))

    def _call(self, ast: ae.CallStructure) -> ir.Expr:
        name = ast.function.reference
        py = self.namespace.cleanspace.get(name)
        if py is not None and py in self.model.lookups:
            if len(ast.arguments) != 1:
                raise _unsupported(self._element, f"lookup '{py}' called with {len(ast.arguments)} arguments")
            return ir.Lookup(py, self._expr(ast.arguments[0]))
        if name in self.macro_names:
            raise _unsupported(self._element, f"macro {name.upper()}")
        if name not in FUNCTION_ARITY:
            raise _unsupported(self._element, name.upper().replace("_", " "))
        if len(ast.arguments) not in FUNCTION_ARITY[name]:
            raise _unsupported(
                self._element,
                f"{name.upper().replace('_', ' ')} with {len(ast.arguments)} arguments",
            )
        args = tuple(self._expr(arg) for arg in ast.arguments)
        if name == "active_initial":
            return ir.ActiveInit(expr=args[0], init=args[1])
        if name == "log":  # PySD: np.log(x)/np.log(base)
            return ir.Op("/", (ir.Call("ln", (args[0],)), ir.Call("ln", (args[1],))))
        if name == "pi":
            return ir.Num(math.pi)
        return ir.Call(name, args)

    def _inline_lookup(self, ast: ae.InlineLookupsStructure) -> ir.Expr:
        self._inline += 1
        key = f"_inline{self._inline}_{self._element_py}"
        self.model.lookups[key] = self._table(key, self._element, ast.lookups)
        return ir.Lookup(key, self._expr(ast.argument))

    # -------------------------------------------------------------- statefuls
    def _atom(self, expr: ir.Expr) -> ir.Expr:
        """Return ``expr`` if atomic, else a Ref to a new hidden node computing it."""
        if isinstance(expr, (ir.Num, ir.Ref, ir.TimeRef, ir.StateRef)):
            return expr
        self._hidden += 1
        name = f"_h{self._hidden}"
        self.model.nodes[name] = ir.Node(name, self._element, expr, hidden=True)
        return ir.Ref(name)

    def _new_stateful(self, kind: str, order: int, args: dict, non_negative=False) -> ir.Stateful:
        self._statefuls += 1
        key = f"_s{self._statefuls}"
        stateful = ir.Stateful(
            key=key,
            kind=kind,
            order=order,
            args=args,
            owner=self._element_py,
            vensim=self._element,
            non_negative=bool(non_negative),
        )
        self.model.statefuls[key] = stateful
        return stateful

    def _order(self, value: Any, construct: str) -> int:
        number = _as_float(value)
        if number is None or number != int(number) or number < 1:
            raise _unsupported(self._element, f"{construct} with non-constant order")
        return int(number)

    def _integ(self, ast: ae.IntegStructure) -> ir.Expr:
        args = {"flow": self._expr(ast.flow), "initial": self._expr(ast.initial)}
        return self._new_stateful("integ", 1, args, ast.non_negative).output()

    def _smooth(self, ast) -> ir.Expr:
        construct = "SMOOTH N" if isinstance(ast, ae.SmoothNStructure) else "SMOOTH"
        order = self._order(ast.order, construct)
        args = {
            "input": self._atom(self._expr(ast.input)),
            "time": self._atom(self._expr(ast.smooth_time)),
            "initial": self._atom(self._expr(ast.initial)),
        }
        return self._new_stateful("smooth", order, args).output()

    def _delay(self, ast: ae.DelayStructure) -> ir.Expr:
        order = self._order(ast.order, "DELAY")
        args = {
            "input": self._atom(self._expr(ast.input)),
            "time": self._atom(self._expr(ast.delay_time)),
            "initial": self._atom(self._expr(ast.initial)),
        }
        return self._new_stateful("delay", order, args).output()

    def _trend(self, ast: ae.TrendStructure) -> ir.Expr:
        args = {
            "input": self._atom(self._expr(ast.input)),
            "time": self._atom(self._expr(ast.average_time)),
            "initial_trend": self._atom(self._expr(ast.initial_trend)),
        }
        return self._new_stateful("trend", 1, args).output()

    def _initial(self, ast: ae.InitialStructure) -> ir.Expr:
        args = {"initial": self._expr(ast.initial)}
        return self._new_stateful("initial", 1, args).output()


# ------------------------------------------------------------------ constants
def evaluate_constant(expr: ir.Expr, nodes: dict, _depth: int = 0) -> float | None:
    """Value of ``expr`` if it only involves numbers, arithmetic and references to
    constant nodes; ``None`` otherwise. Used for control variables and the
    ``constants`` listing (default values)."""
    if _depth > 200:
        return None
    if isinstance(expr, ir.Num):
        return expr.value
    if isinstance(expr, ir.Ref):
        node = nodes.get(expr.name)
        return None if node is None else evaluate_constant(node.expr, nodes, _depth + 1)
    if isinstance(expr, ir.Op) and expr.op in ("+", "-", "*", "/", "^", "neg"):
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
