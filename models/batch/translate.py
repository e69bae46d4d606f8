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
from .errors import SUPPORTED_CONSTRUCTS, BatchCompileError, UnsupportedConstructError
from .ir import CONTROL_NAMES, evaluate_constant

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
    """Parse a Vensim .mdl file with PySD and return its abstract model.

    A syntax error of the file raises ``BatchCompileError`` naming the file and the
    text PySD could not parse."""
    from parsimonious.exceptions import ParseError

    vensim_file = VensimFile(Path(path))
    try:
        vensim_file.parse()
    except ParseError as exc:
        raise BatchCompileError(f"{path}: Vensim syntax error: {exc}") from None
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
        self._elements = {self.namespace.namespace[e.name]: e for e in elements}

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
                # ':=' data equations: GET XLS/DIRECT DATA or CONSTANTS, or bare DATA
                construct = _STRUCTURE_NAMES.get(type(component.ast), "DATA")
                raise _unsupported(element.name, construct)
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
            self.model.control_exprs[name] = node.expr
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
            ae.DelayNStructure: self._delay,
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
        return self._arithmetic_of([self._expr(arg) for arg in ast.arguments], list(ast.operators))

    def _arithmetic_of(self, args: list, ops: list) -> ir.Expr:
        if ops == ["negative"]:
            return ir.Op("neg", (args[0],))
        if "negative" in ops or len(ops) != len(args) - 1:
            raise BatchCompileError(f"variable '{self._element}': malformed arithmetic {ops}")
        if all(op == "^" for op in ops):
            return _power_chain(args)
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
        """Order of SMOOTH N / DELAY N: a literal or a constant expression (named
        constants included). Names it reads are recorded in ``ModelIR.structural``:
        they fix the model's structure and cannot be overridden in runs."""
        names: set = set()
        number = self._constant_ast(value, names, 0)
        if number is None:
            raise _unsupported(self._element, f"{construct} with non-constant order")
        if number != int(number) or number < 1:
            raise _unsupported(self._element, f"{construct} with order {number:g} (not a positive integer)")
        for name in names:
            self.model.structural.setdefault(name, f"order of {construct} in '{self._element}'")
        return int(number)

    def _constant_ast(self, ast: Any, names: set, depth: int) -> float | None:
        """Value of a PySD expression made of numbers, arithmetic and references to
        constants (recorded in ``names``); None if it is anything else."""
        number = _as_float(ast)
        if number is not None:
            return number
        if depth > 100:
            return None
        if isinstance(ast, ae.ReferenceStructure) and ast.subscripts is None:
            py = self.namespace.cleanspace.get(ast.reference)
            element = self._elements.get(py)
            if element is None or len(element.components) != 1:
                return None
            component = element.components[0]
            if isinstance(component, (AbstractData, AbstractLookup)):
                return None
            value = self._constant_ast(component.ast, names, depth + 1)
            if value is not None:
                names.add(py)
            return value
        if isinstance(ast, ae.ArithmeticStructure):
            values = [self._constant_ast(arg, names, depth + 1) for arg in ast.arguments]
            if any(v is None for v in values):
                return None
            ops = list(ast.operators)
            if ops == ["negative"]:
                return -values[0]
            expr = self._arithmetic_of([ir.Num(v) for v in values], ops)
            return evaluate_constant(expr, {})
        return None

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

    def _delay(self, ast) -> ir.Expr:
        """DELAY1/DELAY3 (PySD ``Delay``) and DELAY N (``DelayN``). With a delay time
        constant during the run, PySD's DelayN equals its Delay; DELAY N with a
        time-varying delay time is refused after translation (``_check_delay_n``)."""
        construct = "DELAY N" if isinstance(ast, ae.DelayNStructure) else "DELAY"
        order = self._order(ast.order, construct)
        args = {
            "input": self._atom(self._expr(ast.input)),
            "time": self._atom(self._expr(ast.delay_time)),
            "initial": self._atom(self._expr(ast.initial)),
        }
        stateful = self._new_stateful("delay", order, args)
        stateful.fixed_time = construct == "DELAY N"
        return stateful.output()

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


def _power_chain(args: list) -> ir.Expr:
    """``a ^ b ^ c`` as Vensim and PySD evaluate it.

    PySD's parser folds a unary minus into a number literal (``-2^2`` is parsed as
    the operands ``(-2, 2)``) and writes the chain as Python ``-2 ** 2``; Python's
    ``**`` binds tighter than a unary minus on its left and is right-associative, so
    ``-2^2 = -(2^2) = -4`` and ``2^-2^2 = 2^(-(2^2)) = 1/16``. A negative literal
    operand therefore negates the whole power to its right.
    """
    result = args[-1]
    for arg in reversed(args[:-1]):
        if isinstance(arg, ir.Num) and arg.value < 0:
            result = ir.Op("neg", (ir.Op("^", (ir.Num(-arg.value, arg.integer), result)),))
        else:
            result = ir.Op("^", (arg, result))
    return result
