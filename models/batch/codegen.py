"""Emit and compile the Python source of a chunk simulator from an evaluation plan.

The generated function ``run_chunk(inp, n, out)`` simulates ``n`` runs at once:

* ``inp`` maps python names of overridden variables to their values for this chunk:
  a float (shared), an array (n,) (one value per run), a list of floats (shared time
  series, one value per grid point) or an array (n_points, n) (per-run time series);
* ``out`` maps python names of outputs to a writable (n_saved, n) array (vector mode)
  or a list of n_saved floats (scalar mode), filled in place.

Values shared by all runs ("S" kind) are plain Python floats computed with the
``math`` module; per-run values ("A" kind) are float64 arrays computed with NumPy
ufuncs writing into preallocated buffers (``out=``), so the time loop allocates almost
nothing. Integration is explicit Euler exactly as PySD: all derivatives are evaluated
from the state at ``t``, then every state becomes ``state + ddt * dt``.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import ir, runtime
from .plan import ARRAY, SCALAR, Plan
from .timegrid import TimeGrid

_PY_OPS = ir.PYTHON_OPS
_PY_CMP = ir.PYTHON_COMPARISONS
_UFUNC_OPS = {
    "+": "add",
    "-": "subtract",
    "*": "multiply",
    "/": "divide",
    "^": "power",
    "neg": "negative",
    "==": "equal",
    "!=": "not_equal",
    "<": "less",
    "<=": "less_equal",
    ">": "greater",
    ">=": "greater_equal",
    "and": "logical_and",
    "or": "logical_or",
    "not": "logical_not",
}
_UFUNC_CALLS = {
    "min": "minimum",
    "max": "maximum",
    "abs": "absolute",
    "exp": "exp",
    "ln": "log",
    "sqrt": "sqrt",
    "power": "power",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "arcsin": "arcsin",
    "arccos": "arccos",
    "arctan": "arctan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "integer": "trunc",
}
_MATH_CALLS = ir.MATH_MODULE_NAMES
_S_HELPERS = {
    "min": "s_min",
    "max": "s_max",
    "xidz": "s_xidz",
    "zidz": "s_zidz",
    "modulo": "s_modulo",
    "quantum": "s_quantum",
}
_V_HELPERS = {
    "xidz": "v_xidz",
    "zidz": "v_zidz",
    "modulo": "v_modulo",
    "quantum": "v_quantum",
}


def _ident(name: str) -> str:
    return name  # python names from PySD are identifiers; hidden ones start with '_'


class _Pool:
    """Temporary (n,) buffers, reused with stack discipline."""

    def __init__(self):
        self.free: list[int] = []
        self.count = 0

    def alloc(self) -> str:
        if self.free:
            self.free.sort()
            return f"_t{self.free.pop(0)}"
        self.count += 1
        return f"_t{self.count - 1}"

    def release(self, names) -> None:
        for name in names:
            self.free.append(int(name[2:]))


class CodeGenerator:
    """Builds the source of ``run_chunk`` for one plan (see module docstring)."""

    def __init__(self, model: ir.ModelIR, plan: Plan, grid: TimeGrid):
        self.model = model
        self.plan = plan
        self.grid = grid
        self.vector_out = plan.mode != "scalar"
        self.pool = _Pool()
        self.used: set[str] = set()  # global helper names used by the code
        self.buffers: list[str] = []  # node buffers (A kind, ufunc computed)
        self.inc_buffers: list[str] = []
        self._kinds: dict = {}
        self._const: dict = {}
        self.namespace: dict = {}
        # loop-invariant subexpressions of dynamic equations, computed once per run
        self.hoisted: dict = {}  # expr -> hidden name
        self.hoisted_kind: dict = {}  # hidden name -> kind
        self.uses_scratch = False  # XIDZ/ZIDZ work buffers needed
        self.derivatives: dict = {}  # (stateful key, stage) -> loop derivative expression
        self.cse_kind: dict = {}  # common per-run subexpressions of the loop -> kind

    # ------------------------------------------------------------- helpers
    def g(self, name: str) -> str:
        """Reference a global helper through a local alias (fast in loops)."""
        self.used.add(name)
        return "_" + name

    def kind(self, expr: ir.Expr, phase: str) -> str:
        key = (id(expr), phase)
        cached = self._kinds.get(key)
        if cached is not None:  # the entry keeps ``expr`` alive, so its id stays unique
            return cached[1]
        if isinstance(expr, (ir.Num, ir.TimeRef)):
            result = SCALAR
        elif isinstance(expr, ir.Ref):
            if expr.name in self.plan.literal:
                result = SCALAR
            elif expr.name in self.hoisted_kind:
                result = self.hoisted_kind[expr.name]
            elif expr.name in self.cse_kind:
                result = self.cse_kind[expr.name]
            else:
                result = self.plan.node_kind[expr.name]
        elif isinstance(expr, ir.StateRef):
            result = self.plan.state_kind[expr.key]
        elif isinstance(expr, ir.ActiveInit):
            result = self.kind(expr.init if phase == "init" else expr.expr, phase)
        else:
            result = SCALAR
            for child in ir.children(expr, phase):
                if self.kind(child, phase) == ARRAY:
                    result = ARRAY
                    break
        self._kinds[key] = (expr, result)
        return result

    def is_const(self, expr: ir.Expr) -> bool:
        """Constant during the run (no time, dynamic state or time series)?"""
        cached = self._const.get(id(expr))
        if cached is not None:
            return cached[1]
        if isinstance(expr, ir.Num):
            result = True
        elif isinstance(expr, (ir.TimeRef, ir.ActiveInit)):
            result = False
        elif isinstance(expr, ir.Ref):
            result = expr.name in self.hoisted_kind or (
                expr.name not in self.plan.dynamic_nodes and expr.name not in self.cse_kind
            )
        elif isinstance(expr, ir.StateRef):
            result = not self.model.statefuls[expr.key].dynamic
        elif isinstance(expr, ir.Call) and expr.fn in ir.TIME_FUNCTIONS:
            result = False
        else:
            result = all(self.is_const(child) for child in ir.children(expr))
        self._const[id(expr)] = (expr, result)
        return result

    def hoist(self, expr: ir.Expr) -> ir.Expr:
        """Replace maximal constant subexpressions by hidden run-constant nodes."""
        if self.is_atomic(expr) or isinstance(expr, ir.ActiveInit):
            return expr
        if self.is_const(expr):
            name = self.hoisted.get(expr)
            if name is None:
                name = f"_c{len(self.hoisted)}"
                self.hoisted[expr] = name
                self.hoisted_kind[name] = self.kind(expr, "step")
            return ir.Ref(name)
        if isinstance(expr, ir.Op):
            return ir.Op(expr.op, tuple(self.hoist(a) for a in expr.args))
        if isinstance(expr, ir.Call):
            return ir.Call(expr.fn, tuple(self.hoist(a) for a in expr.args))
        if isinstance(expr, ir.Lookup):
            return ir.Lookup(expr.table, self.hoist(expr.arg))
        return expr

    @staticmethod
    def unwrap(expr: ir.Expr, phase: str) -> ir.Expr:
        while isinstance(expr, ir.ActiveInit):
            expr = expr.init if phase == "init" else expr.expr
        return expr

    @staticmethod
    def is_atomic(expr: ir.Expr) -> bool:
        return isinstance(expr, (ir.Ref, ir.StateRef, ir.Num, ir.TimeRef))

    @staticmethod
    def is_ufunc(expr: ir.Expr) -> bool:
        return isinstance(expr, ir.Op) or (
            isinstance(expr, ir.Call) and expr.fn in _UFUNC_CALLS
        )

    def atom(self, expr: ir.Expr) -> str:
        if isinstance(expr, ir.Ref):
            if expr.name in self.plan.literal:
                return self.num(self.plan.literal[expr.name])
            return "n_" + _ident(expr.name)
        if isinstance(expr, ir.StateRef):
            return f"s{expr.key}_{expr.index}"
        if isinstance(expr, ir.Num):
            return self.num(expr.value)
        if isinstance(expr, ir.TimeRef):
            return "t"
        raise TypeError(expr)

    def num(self, value: float) -> str:
        if math.isnan(value):
            return self.g("NAN")
        if math.isinf(value):
            return self.g("INF") if value > 0 else f"(-{self.g('INF')})"
        text = repr(float(value))
        return f"({text})" if value < 0 else text

    # ------------------------------------------------------ scalar emission
    def s(self, expr: ir.Expr, phase: str) -> str:
        """Python source of a scalar (S kind) expression."""
        if self.is_atomic(expr):
            return self.atom(expr)
        if isinstance(expr, ir.ActiveInit):
            return self.s(self.unwrap(expr, phase), phase)
        if isinstance(expr, ir.Lookup):
            table = self.lookup_globals(expr.table)
            return f"{self.g('s_interp')}({self.s(expr.arg, phase)}, {table[0]}, {table[1]})"
        args = [self.s(arg, phase) for arg in ir.children(expr, phase)]
        if isinstance(expr, ir.Op):
            op = expr.op
            if op in _PY_OPS:
                return f"({args[0]} {_PY_OPS[op]} {args[1]})"
            if op == "neg":
                return f"(-{args[0]})"
            if op in _PY_CMP:
                return f"({args[0]} {_PY_CMP[op]} {args[1]})"
            if op == "and":
                return f"(({args[0]}) != 0 and ({args[1]}) != 0)"
            if op == "or":
                return f"(({args[0]}) != 0 or ({args[1]}) != 0)"
            if op == "not":
                return f"(({args[0]}) == 0)"
            raise ValueError(op)
        fn = expr.fn
        if all(self.is_atomic(a) for a in expr.args):
            # inline forms of the helpers for atomic arguments (no call overhead);
            # -1e-06 < b < 1e-06 is abs(b) < 1e-06, NaN included
            if fn in ("min", "max"):
                a, b = args
                lt = "<" if fn == "min" else ">"
                le = "<=" if fn == "min" else ">="
                return f"({a} if {a} {lt} {b} else ({b} if {b} {le} {a} else {self.g('NAN')}))"
            if fn == "zidz":
                a, b = args
                return f"(0 if -1e-06 < {b} < 1e-06 else {a} / {b})"
            if fn == "xidz":
                a, b, x = args
                return f"({x} if -1e-06 < {b} < 1e-06 else {a} / {b})"
        if fn in _S_HELPERS:
            return f"{self.g(_S_HELPERS[fn])}({', '.join(args)})"
        if fn == "abs":
            return f"abs({args[0]})"
        if fn in _MATH_CALLS:
            return f"{self.g('m_' + _MATH_CALLS[fn])}({', '.join(args)})"
        if fn == "if_then_else":
            return f"({args[1]} if {args[0]} else {args[2]})"
        if fn == "step":
            return f"({args[0]} * ((t + {self.g('HALF_DT')}) > {args[1]}))"
        if fn == "ramp":
            slope, start, finish = args
            return (
                f"((((t + 1e-06) > {start}) * {slope}) * "
                f"({self.g('s_min')}({finish}, t) - {start}))"
            )
        if fn == "pulse":
            return f"{self.g('s_pulse')}(t, {args[0]}, {args[1]})"
        if fn == "pulse_train":
            return f"{self.g('s_pulse_train')}(t, {', '.join(args)})"
        if fn == "trunc_first":  # only inside the time loop (index _i)
            return f"({self.g('m_trunc')}({args[0]}) if _i == 0 else {args[0]})"
        raise ValueError(f"no scalar emitter for {fn}")

    # ------------------------------------------------------- array emission
    def a_into(self, expr: ir.Expr, phase: str, target: str, lines: list) -> None:
        """Emit statements computing A-kind ``expr`` into the buffer ``target``."""
        expr = self.unwrap(expr, phase)
        if self.kind(expr, phase) == SCALAR:
            lines.append(f"{target}[...] = {self.s(expr, phase)}")
            return
        if self.is_atomic(expr):
            lines.append(f"{self.g('copyto')}({target}, {self.atom(expr)})")
            return
        if not self.is_ufunc(expr):
            operand, temps = self.a_operand(expr, phase, lines)
            lines.append(f"{self.g('copyto')}({target}, {operand})")
            self.pool.release(temps)
            return
        ufunc = _UFUNC_OPS[expr.op] if isinstance(expr, ir.Op) else _UFUNC_CALLS[expr.fn]
        operands, temps, used_target = [], [], False
        for arg in expr.args:
            inner = self.unwrap(arg, phase)
            if self.kind(inner, phase) == SCALAR:
                operands.append(self.s(inner, phase))
            elif self.is_atomic(inner):
                operands.append(self.atom(inner))
            elif self.is_ufunc(inner) and not used_target:
                self.a_into(inner, phase, target, lines)
                operands.append(target)
                used_target = True
            else:
                operand, more = self.a_operand(inner, phase, lines)
                operands.append(operand)
                temps += more
        # NumPy >= 2.4 deprecates a positional ``out`` for minimum/maximum (and the
        # warning path is ~30x slower than the ufunc itself)
        out = f"out={target}" if ufunc in ("minimum", "maximum") else target
        lines.append(f"{self.g('u_' + ufunc)}({', '.join(operands)}, {out})")
        self.pool.release(temps)

    def a_operand(self, expr: ir.Expr, phase: str, lines: list) -> tuple[str, list]:
        """Source of an operand for A-kind context; returns (source, temps to free)."""
        expr = self.unwrap(expr, phase)
        if self.kind(expr, phase) == SCALAR:
            return self.s(expr, phase), []
        if self.is_atomic(expr):
            return self.atom(expr), []
        if self.is_ufunc(expr):
            temp = self.pool.alloc()
            self.a_into(expr, phase, temp, lines)
            return temp, [temp]
        temps: list = []

        def arg(e):
            source, more = self.a_operand(e, phase, lines)
            temps.extend(more)
            return source

        if isinstance(expr, ir.Lookup):
            table = self.lookup_globals(expr.table, arrays=True)
            return f"{self.g('v_interp')}({arg(expr.arg)}, {table[0]}, {table[1]})", temps
        fn = expr.fn
        if fn == "if_then_else":
            cond, yes, no = expr.args
            if self.kind(cond, phase) == SCALAR:
                c = self.s(cond, phase)
                return f"({arg(yes)} if {c} else {arg(no)})", temps
            return f"{self.g('v_where')}({arg(cond)}, {arg(yes)}, {arg(no)})", temps
        if fn in ("xidz", "zidz"):
            args = ", ".join(arg(a) for a in expr.args)
            self.uses_scratch = True
            return f"{self.g(_V_HELPERS[fn])}({args}, _sf, _sb)", temps
        if fn in _V_HELPERS:
            args = ", ".join(arg(a) for a in expr.args)
            return f"{self.g(_V_HELPERS[fn])}({args})", temps
        if fn == "step":
            h, start = (arg(a) for a in expr.args)
            return f"{self.g('v_step')}(t, {self.g('HALF_DT')}, {h}, {start})", temps
        if fn == "ramp":
            args = ", ".join(arg(a) for a in expr.args)
            return f"{self.g('v_ramp')}(t, {args})", temps
        if fn == "pulse":
            args = ", ".join(arg(a) for a in expr.args)
            return f"{self.g('v_pulse')}(t, {args})", temps
        if fn == "pulse_train":
            args = ", ".join(arg(a) for a in expr.args)
            return f"{self.g('v_pulse_train')}(t, {args})", temps
        if fn == "trunc_first":
            x = arg(expr.args[0])
            return f"({self.g('u_trunc')}({x}) if _i == 0 else {x})", temps
        raise ValueError(f"no array emitter for {fn}")

    def lookup_globals(self, table: str, arrays: bool = False) -> tuple[str, str]:
        suffix = "A" if arrays else "L"
        names = (f"LX{suffix}{table}", f"LY{suffix}{table}")
        lk = self.model.lookups[table]
        if arrays:
            self.namespace["G" + names[0]] = np.array(lk.x, dtype=float)
            self.namespace["G" + names[1]] = np.array(lk.y, dtype=float)
        else:
            self.namespace["G" + names[0]] = [float(v) for v in lk.x]
            self.namespace["G" + names[1]] = [float(v) for v in lk.y]
        return self.g(names[0]), self.g(names[1])

    # ---------------------------------------------------------- statements
    def value(self, expr: ir.Expr, phase: str, dest: str, buffer: str, lines: list,
              indent: str = "") -> None:
        """Emit statements binding local ``dest`` to the value of ``expr``.

        A-kind ufunc trees are computed in place into ``buffer``; IF THEN ELSE with a
        shared (scalar) condition becomes a lazy Python ``if`` (as PySD evaluates it).
        """
        expr = self.unwrap(expr, phase)
        sub: list = []
        if self.kind(expr, phase) == SCALAR:
            sub.append(f"{dest} = {self.s(expr, phase)}")
        elif self.is_atomic(expr):
            sub.append(f"{dest} = {self.atom(expr)}")
        elif self.is_ufunc(expr):
            if buffer not in self.buffers:
                self.buffers.append(buffer)
            self.a_into(expr, phase, buffer, sub)
            sub.append(f"{dest} = {buffer}")
        elif (
            isinstance(expr, ir.Call)
            and expr.fn == "if_then_else"
            and self.kind(expr.args[0], phase) == SCALAR
        ):  # keep in sync with needs_buffer() / aliases()
            lines.append(f"{indent}if {self.s(expr.args[0], phase)}:")
            self.value(expr.args[1], phase, dest, buffer, lines, indent + "    ")
            lines.append(f"{indent}else:")
            self.value(expr.args[2], phase, dest, buffer, lines, indent + "    ")
            return
        else:
            operand, temps = self.a_operand(expr, phase, sub)
            sub.append(f"{dest} = {operand}")
            self.pool.release(temps)
        lines.extend(indent + line for line in sub)

    def node(self, name: str, phase: str, lines: list, expr: ir.Expr | None = None,
             buffer: str | None = None) -> None:
        if name in self.plan.inputs or name in self.plan.literal:
            return
        if expr is None:
            expr = self.model.nodes[name].expr
        buffer = buffer or "_b_" + _ident(name)
        self.value(expr, phase, "n_" + _ident(name), buffer, lines)

    # ---------------------------------------- common subexpressions
    def eliminate_common(self, core: list, output: list, exprs: dict) -> tuple[list, list]:
        """Compute per-run (A kind) subexpressions that occur several times in the
        loop (e.g. ``STEP(1, policy start year)``) once per step, as hidden nodes
        ``_e<k>`` placed before their first use. Updates ``exprs`` and
        ``self.derivatives`` in place; returns the new core and output orders."""
        counts: dict = {}

        def visit(expr):
            if self.is_atomic(expr) or isinstance(expr, ir.ActiveInit):
                return
            if self.kind(expr, "step") == ARRAY:
                counts[expr] = counts.get(expr, 0) + 1
            for child in ir.children(expr):
                visit(child)

        for expr in list(exprs.values()) + list(self.derivatives.values()):
            visit(expr)
        shared = {expr for expr, count in counts.items() if count > 1}
        if not shared:
            return core, output
        names: dict = {}
        cse: dict = {}

        def rewrite(expr, top=False):
            if self.is_atomic(expr) or isinstance(expr, ir.ActiveInit):
                return expr
            if not top and expr in shared:
                name = names.get(expr)
                if name is None:
                    name = names[expr] = f"_e{len(names)}"
                    self.cse_kind[name] = self.kind(expr, "step")
                    cse[name] = rewrite(expr, top=True)
                return ir.Ref(name)
            if isinstance(expr, ir.Op):
                return ir.Op(expr.op, tuple(rewrite(a) for a in expr.args))
            if isinstance(expr, ir.Call):
                return ir.Call(expr.fn, tuple(rewrite(a) for a in expr.args))
            if isinstance(expr, ir.Lookup):
                return ir.Lookup(expr.table, rewrite(expr.arg))
            return expr

        for name in list(exprs):
            exprs[name] = rewrite(exprs[name], top=True)
        for key in list(self.derivatives):
            self.derivatives[key] = rewrite(self.derivatives[key], top=True)
        exprs.update(cse)

        placed: set = set()

        def place(name, target):
            if name in placed:
                return
            for ref in sorted(r for r in ir.refs(cse[name]) if r in cse):
                place(ref, target)
            placed.add(name)
            target.append(name)

        def with_cse(nodes, target):
            for node in nodes:
                for ref in sorted(r for r in ir.refs(exprs[node]) if r in cse):
                    place(ref, target)
                target.append(node)

        new_core: list = []
        with_cse(core, new_core)
        for ddt in self.derivatives.values():  # needed every step
            for ref in sorted(r for r in ir.refs(ddt) if r in cse):
                place(ref, new_core)
        new_output: list = []
        with_cse(output, new_output)
        return new_core, new_output

    # ------------------------------------------------- loop buffer reuse
    def needs_buffer(self, expr: ir.Expr) -> bool:
        """Will ``value()`` compute ``expr`` in place into the node's buffer?"""
        expr = self.unwrap(expr, "step")
        if self.kind(expr, "step") == SCALAR or self.is_atomic(expr):
            return False
        if self.is_ufunc(expr):
            return True
        if self._scalar_if(expr):
            return self.needs_buffer(expr.args[1]) or self.needs_buffer(expr.args[2])
        return False

    def aliases(self, expr: ir.Expr) -> set:
        """Nodes whose buffer the value of ``expr`` may *be* (atomic references)."""
        expr = self.unwrap(expr, "step")
        if self.kind(expr, "step") == SCALAR:
            return set()
        if isinstance(expr, ir.Ref):
            return {expr.name}
        if self._scalar_if(expr):
            return self.aliases(expr.args[1]) | self.aliases(expr.args[2])
        return set()

    def _scalar_if(self, expr: ir.Expr) -> bool:
        return (
            isinstance(expr, ir.Call)
            and expr.fn == "if_then_else"
            and self.kind(expr.args[0], "step") == SCALAR
        )

    def loop_buffers(self, order: list, exprs: dict, derivative_refs: set) -> dict:
        """Share (n,) buffers between loop nodes whose values are never live at the
        same time (linear liveness over core nodes, output-only nodes, saves and
        derivatives), shrinking the per-step working set."""
        pos = {name: i for i, name in enumerate(order)}
        save_pos, inc_pos = len(order), len(order) + 1
        last = dict(pos)
        for name in order:
            for ref in ir.refs(exprs[name], "step"):
                if ref in pos:
                    last[ref] = max(last[ref], pos[name])
        for name in self.plan.outputs:
            if name in pos:
                last[name] = max(last[name], save_pos)
        for ref in derivative_refs:
            if ref in pos:
                last[ref] = max(last[ref], inc_pos)
        for name in reversed(order):  # a value aliasing another node keeps it alive
            for alias in self.aliases(exprs[name]):
                if alias in pos:
                    last[alias] = max(last[alias], last[name])
        assign: dict = {}
        free: list = []
        active: list = []
        count = 0
        for name in order:
            here = pos[name]
            keep = []
            for end, buf in active:
                if end < here:
                    free.append(buf)  # dead before this node: reusable
                else:
                    keep.append((end, buf))
            active = keep
            if self.needs_buffer(exprs[name]):
                if free:
                    buf = free.pop()
                else:
                    buf = f"_p{count}"
                    count += 1
                assign[name] = buf
                active.append((last[name], buf))
        return assign

    def init_stateful(self, key: str, lines: list) -> None:
        st = self.model.statefuls[key]
        kind = self.plan.state_kind[key]
        if st.kind == "delay":
            delay_time = st.args["time"]
            operand, temps = (
                (self.s(delay_time, "init"), [])
                if self.kind(delay_time, "init") == SCALAR
                else self.a_operand(delay_time, "init", lines)
            )
            lines.append(
                f"{self.g('check_delay_order')}({st.order}, {self.g('DT')}, {operand}, "
                f"{st.vensim!r})"
            )
            self.pool.release(temps)
        init = st.initial_state(0)
        if kind == SCALAR:
            lines.append(f"_v0 = {self.s(init, 'init')}")
            for j in range(st.order):
                lines.append(f"s{key}_{j} = _v0")
        else:
            operand, temps = self.a_operand(init, "init", lines)
            for j in range(st.order):
                lines.append(f"s{key}_{j} = {self.g('fresh')}({operand}, _n)")
            self.pool.release(temps)

    def increments(self, lines: list) -> list[tuple[str, str, str, bool]]:
        """Emit ``ddt * dt`` of every dynamic state; returns update descriptors."""
        updates = []
        for key in self.plan.dynamic_statefuls:
            st = self.model.statefuls[key]
            for j in range(st.order):
                state = f"s{key}_{j}"
                ddt = self.derivatives[(key, j)]
                inc = f"_i{key}_{j}"
                if self.plan.state_kind[key] == SCALAR or self.kind(ddt, "step") == SCALAR:
                    lines.append(f"{inc} = ({self.s(ddt, 'step')}) * {self.g('DT')}")
                else:
                    buffer = f"_ib{key}_{j}"
                    self.inc_buffers.append(buffer)
                    operand, temps = self.a_operand(ddt, "step", lines)
                    lines.append(f"{self.g('u_multiply')}({operand}, {self.g('DT')}, {buffer})")
                    self.pool.release(temps)
                    inc = buffer
                updates.append((state, inc, self.plan.state_kind[key], st.non_negative))
        return updates

    def update_lines(self, updates) -> list[str]:
        lines = []
        for state, inc, kind, non_negative in updates:
            if kind == SCALAR:
                lines.append(f"{state} = {state} + {inc}")
                if non_negative:
                    lines.append(f"{state} = {self.g('s_max')}({state}, 0)")
            else:
                lines.append(f"{self.g('u_add')}({state}, {inc}, {state})")
                if non_negative:
                    lines.append(f"{self.g('u_maximum')}({state}, 0, out={state})")
        return lines

    def dynamic_inputs(self, index: str) -> list[str]:
        return [
            f"n_{_ident(name)} = _ts_{_ident(name)}[{index}]"
            for name, kind in self.plan.inputs.items()
            if kind in ("series", "frame") and name in self.plan.needed_nodes
        ]

    def save_lines(self) -> list[str]:
        return [
            f"_o_{i}[_k] = n_{_ident(name)}"
            for i, name in enumerate(self.plan.outputs)
            if self.plan.is_dynamic_output(name)
        ]

    def const_output_lines(self) -> list[str]:
        lines = []
        for i, name in enumerate(self.plan.outputs):
            if self.plan.is_dynamic_output(name):
                continue
            value = self.atom(ir.Ref(name))
            if self.vector_out:
                lines.append(f"_o_{i}[...] = {value}")
            else:
                lines.append(f"_o_{i}[:] = [{value}] * {self.grid.n_saved}")
        return lines

    # ------------------------------------------------------------ function
    def source(self) -> str:
        plan, grid = self.plan, self.grid
        body: list[str] = []
        body.append(f"t = {self.g('T')}[0]")
        for name, kind in plan.inputs.items():
            if name not in plan.needed_nodes:
                continue
            if kind in ("series", "frame"):
                body.append(f"_ts_{_ident(name)} = inp[{name!r}]")
            else:
                body.append(f"n_{_ident(name)} = inp[{name!r}]")
        for i, name in enumerate(plan.outputs):
            body.append(f"_o_{i} = out[{name!r}]")
        body += self.dynamic_inputs("0")

        init: list[str] = []
        for kind, key in plan.init_block:
            if kind == "n":
                # dynamic nodes get init-only buffers: loop buffers are shared
                buffer = "_bi_" + _ident(key) if key in plan.dynamic_nodes else None
                self.node(key, "init", init, buffer=buffer)
            else:
                self.init_stateful(key, init)
        const: list[str] = []
        for name in plan.const_block:
            self.node(name, "step", const)

        core_order = [n for n in plan.core_block if n not in plan.inputs and n not in plan.literal]
        output_order = [n for n in plan.output_block if n not in plan.inputs and n not in plan.literal]
        exprs = {name: self.hoist(self.model.nodes[name].expr) for name in core_order + output_order}
        for key in plan.dynamic_statefuls:
            st = self.model.statefuls[key]
            for j in range(st.order):
                ddt = st.derivative(j, key in plan.truncate_first_input)
                self.derivatives[(key, j)] = self.hoist(ddt)
        core_order, output_order = self.eliminate_common(core_order, output_order, exprs)
        derivative_refs: set = set()
        for ddt in self.derivatives.values():
            derivative_refs |= ir.refs(ddt, "step")
        assign = self.loop_buffers(core_order + output_order, exprs, derivative_refs)
        core: list[str] = []
        for name in core_order:
            self.node(name, "step", core, exprs[name], assign.get(name))
        output_only: list[str] = []
        for name in output_order:
            self.node(name, "step", output_only, exprs[name], assign.get(name))
        incs: list[str] = []
        updates = self.update_lines(self.increments(incs))
        for expr, name in list(self.hoisted.items()):
            self.value(expr, "step", "n_" + name, "_b_" + name, const)
        saves = self.save_lines()

        allocs = [f"{buf} = {self.g('empty')}(_n)" for buf in self.buffers]
        allocs += [f"{buf} = {self.g('empty')}(_n)" for buf in self.inc_buffers]
        allocs += [f"_t{i} = {self.g('empty')}(_n)" for i in range(self.pool.count)]
        if self.uses_scratch:
            allocs += [f"_sf = {self.g('empty')}(_n)", f"_sb = {self.g('empty')}(_n, dtype=bool)"]

        loop = [f"for _i in range({grid.n_steps}):", f"    t = {self.g('T')}[_i]"]
        loop += ["    " + line for line in self.dynamic_inputs("_i")]
        loop += ["    " + line for line in core]
        if saves:
            loop.append(f"    if {self.g('SAVE')}[_i]:")
            loop += ["        " + line for line in output_only + saves + ["_k += 1"]]
        loop += ["    " + line for line in incs + updates]
        last = [f"t = {self.g('T')}[{grid.n_steps}]"]
        last += self.dynamic_inputs(str(grid.n_steps))
        last += core
        if saves and grid.save[-1]:
            last += output_only + saves
        tail = self.const_output_lines()

        prologue = [f"{'_' + name} = G{name}" for name in sorted(self.used)]
        lines = (
            ["def run_chunk(inp, _n, out):"]
            + ["    " + line for line in prologue + body + allocs + init + const]
            + ["    _k = 0"]
            + ["    " + line for line in loop + last + tail]
            + ["    return None"]
        )
        return "\n".join(lines) + "\n"

    def compile(self) -> tuple[Callable, str]:
        source = self.source()
        namespace = self.globals()
        namespace.update(self.namespace)
        code = compile(source, f"<batch:{self.model.path}>", "exec")
        exec(code, namespace)
        return namespace["run_chunk"], source

    def globals(self) -> dict:
        grid = self.grid
        ns: dict = {
            "GT": list(grid.points),
            "GSAVE": list(grid.save),
            "GDT": grid.time_step,
            "GHALF_DT": grid.time_step / 2,
            "GNAN": float("nan"),
            "GINF": float("inf"),
            "Gempty": np.empty,
            "Gcopyto": np.copyto,
            "Gfresh": runtime.fresh,
            "Gcheck_delay_order": runtime.check_delay_order,
        }
        for ufunc in set(_UFUNC_OPS.values()) | set(_UFUNC_CALLS.values()):
            ns["Gu_" + ufunc] = getattr(np, ufunc)
        for fn in set(_MATH_CALLS.values()):
            ns["Gm_" + fn] = getattr(math, fn)
        for name in dir(runtime):
            if name.startswith(("s_", "v_")):
                ns["G" + name] = getattr(runtime, name)
        return ns


def generate(model: ir.ModelIR, plan: Plan, grid: TimeGrid) -> tuple[Callable, str]:
    """Compile the chunk simulator for ``plan``; returns (function, source)."""
    return CodeGenerator(model, plan, grid).compile()
