"""Source of the fused Numba kernel of a model, generated from the evaluation plan.

One kernel serves every run of a model: every numeric constant (control variables
included) is read from a value vector, so overriding other constants, other values,
another time grid or other outputs needs no recompilation. Only overriding a
*computed* variable, giving a time series, or integer values that change PySD's
integer semantics changes the plan and so the kernel (``NumbaEngine._signature_key``);
the constants the model documents as historical data inputs are always read as time
series (``NumbaEngine.data_inputs``), so giving them one does not. Shared time series
are read once per time step, before the loop over the runs of a block; per-run series
are copied into rows of the block's value array there, so that loop reads only that
array (loads from another argument array kept it from vectorising). In a time step a
division by a value constant over the run is a multiplication by its reciprocal,
computed once per run (``KernelGenerator.reciprocal``).

The kernel (``kernel(...)``, arguments ``KERNEL_ARGS``) splits the runs into blocks
of ``BLOCK`` runs, in parallel threads (``prange``). A block is simulated by one
loop over its runs (*lanes*) per time step holding every equation of the step, in
the plan's order (core equations, output-only equations, derivatives, explicit Euler
update), with the values in local variables: LLVM turns that loop into SIMD code, one
run per lane. The loop comes in two versions: at a save point every equation and the
store of every variable (copied to the requested outputs), at other steps only the
core equations, derivatives and update. Initialisation (PySD's order) and the run
constants are computed once per block. The operations are those of the NumPy backend
(``codegen.py``) and PySD, but for EXP, LN and non-literal powers (``jitmath.py``,
within a few ulp of libm) and literal powers as products and square roots: equal to
1e-9 relative on every saved value (the equivalence suite).
A single run uses a kernel generated with ``SINGLE_RUN_BLOCK`` runs per block instead
(the same code with one lane), so that it does not compute copies of itself.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from . import ir
from .plan import Plan

#: Arguments of the generated kernel, in order.
KERNEL_ARGS = (
    "CV",  # (n_values,) shared values: constants' defaults or shared overrides
    "AV",  # (N, n_per_run) per-run values of all runs of the call
    "AIDX",  # (n_per_run,) int64: slot in CV of each AV column
    "TS",  # (n_series, n_points) shared time-series inputs
    "TF",  # (n_frames, n_points, N) per-run time-series inputs
    "T",  # (n_points,) integration times
    "SAVE",  # (n_points,) bool: saved point?
    "DT",  # TIME STEP
    "LX",  # concatenated lookup x values
    "LY",  # concatenated lookup y values
    "LOFF",  # (n_tables + 1,) int64 offsets of each table in LX/LY
    "OSEL",  # (n_outputs,) int64: index (in KernelLayout.variables) of each output
    "VROW",  # (n_variables,) int64: row of each variable in the kernel's value block
    "OUT",  # (n_outputs, n_saved, n_columns) results; run R0 + r goes to column W0 + r
    "R0",  # first run of this block (row of AV, column of TF)
    "W0",  # column of OUT of the block's first run
    "ERR",  # (m,) int64: 0, or 1 + index of a DELAY whose order x TIME STEP > delay time
)

#: Numba types of KERNEL_ARGS (explicit: the kernel compiles, or loads from the disk
#: cache, when its module is imported, and never again for other array shapes).
KERNEL_SIGNATURE = (
    "void(float64[::1], float64[:, ::1], int64[::1], float64[:, ::1], float64[:, :, ::1], "
    "float64[::1], boolean[::1], float64, float64[::1], float64[::1], int64[::1], "
    "int64[::1], int64[::1], float64[:, :, ::1], int64, int64, int64[::1])"
)
_RUN_ARGS = (
    "b", "CV", "AV", "AIDX", "TS", "TF", "T", "SAVE", "DT", "LX", "LY", "LOFF", "OSEL", "VROW",
    "OUT", "R0", "W0", "ERR",
)

_BINARY = ir.PYTHON_OPS
_COMPARE = ir.PYTHON_COMPARISONS
# math-module functions (numba compiles them to LLVM intrinsics); EXP and POWER are
# emitted separately, INTEGER as np.trunc (math.trunc returns an int in Numba)
_MATH = {
    fn: f"math.{name}" for fn, name in ir.MATH_MODULE_NAMES.items()
    if fn not in ("exp", "power", "integer")
}
_MATH.update(integer="np.trunc", abs="abs", ln="f_ln")


#: Runs simulated together by one thread, one per SIMD lane (4 float64 = one 256-bit
#: AVX2 vector; LLVM prefers 256-bit vectors on AVX-512 machines too). Measured on the
#: product model, 2-core AVX2 machine, N = 10^4, alternating: 4 runs per block 12,200 to
#: 12,330 runs/s, 8 runs per block 9,960 to 10,050 (the block's value array is half
#: the size, and one vector iteration instead of two).
BLOCK = 4
#: Block of the kernel for a single run: the 4-lane kernel would simulate 3 copies of
#: it (with 8 lanes: 1.18 ms vs 0.65 ms per run of the product model).
SINGLE_RUN_BLOCK = 1


def _renamed(lines: list[str], prefix: str) -> list[str]:
    """``lines`` with every local variable they assign renamed ``prefix + name``: the
    two versions of a time step (save point or not) then share no local, so Numba's
    SSA passes see each name assigned in one block only."""
    names = {line.split(" = ", 1)[0] for line in lines if not line.startswith(("A[", " "))}
    if not names:
        return lines
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b")
    return [pattern.sub(lambda m: prefix + m.group(1), line) for line in lines]


class KernelUnsupported(Exception):
    """The plan uses something the kernel generator does not handle."""


@dataclass(frozen=True)
class KernelLayout:
    """Where the kernel finds its inputs and puts its outputs (fixed per plan).

    slots      python name -> index in CV (numeric constants, then overridden
               computed variables)
    series     python names of shared time-series inputs (rows of TS)
    frames     python names of per-run time-series inputs (rows of TF)
    variables  python names of the variables that can be saved (OSEL indexes them)
    tables     lookup table names (LOFF order)
    delays     keys of the DELAY statefuls (ERR codes - 1)
    """

    slots: dict
    series: tuple
    frames: tuple
    variables: tuple
    tables: tuple
    delays: tuple
    rows: list  # row of each variable in the kernel's value block (filled by the generator)


def _num(value: float) -> str:
    if math.isnan(value):
        return "np.nan"
    if math.isinf(value):
        return "np.inf" if value > 0 else "(-np.inf)"
    text = repr(float(value))
    return f"({text})" if value < 0 else text


#: Lookup tables with at most this many points are evaluated branch-free (selects),
#: which keeps the lane loop vectorisable; longer ones call ``f_interp``.
SELECT_LOOKUP_POINTS = 32


class KernelGenerator:
    """Builds the kernel source for one plan (see module docstring).

    Every value of the plan lives either in a local variable of a lane loop
    (``n_<name>`` in the time loop, ``i_<name>`` during initialisation, ``s…`` for
    states) or, when it must survive from one loop to the next, in a row of the
    block's value array ``A`` (flat, ``A[row * B + lane]``: constant offsets let LLVM
    prove that rows never overlap, so the lane loop vectorises without run-time
    alias checks).
    """

    def __init__(self, model: ir.ModelIR, plan: Plan, layout: KernelLayout, block: int = BLOCK):
        self.model = model
        self.block = block  # runs per block (SIMD lanes)
        self.plan = plan
        self.layout = layout
        self.table_index = {name: i for i, name in enumerate(layout.tables)}
        self.temps = 0
        self.pre: list[str] = []  # statements computing temporaries of the current line
        self.phase = "init"
        self.lane = "j"
        self.loads: dict = {}  # stored value -> local name loaded in the current loop
        self.uniform: dict = {}  # lookups of Time -> local computed before the lane loop
        self.uniform_lines: list[str] = []

    # ----------------------------------------------------------------- rows
    def assign_rows(self) -> None:
        """Rows of A: slots (constants and overridden values), values computed once
        per run (non-dynamic nodes, INITIAL states), dynamic states, and every
        dynamic variable (copied to the outputs at save points)."""
        plan = self.plan
        rows: dict = {("v", name): slot for name, slot in self.layout.slots.items()}
        for name in self.model.nodes:
            if (name in plan.needed_nodes and name not in plan.dynamic_nodes
                    and ("v", name) not in rows and name not in plan.inputs):
                rows[("v", name)] = len(rows)
        for key in plan.statefuls:
            for j in range(self.model.statefuls[key].order):
                rows[("s", key, j)] = len(rows)
        for name in self.layout.variables:
            if name in plan.dynamic_nodes:
                rows[("v", name)] = len(rows)
        for name in self.layout.frames:  # this step's value of each run's series
            rows[("f", name)] = len(rows)
        self.rows = rows

    def variable_rows(self) -> list[int]:
        """Row of A of each variable (KernelLayout.variables order)."""
        return [self.rows[("v", name)] for name in self.layout.variables]

    def stored(self, key) -> str:
        return f"A[{self.rows[key] * self.block} + {self.lane}]"

    # ---------------------------------------------------------- expressions
    def temp(self, source: str) -> str:
        self.temps += 1
        name = f"_t{self.temps}"
        self.pre.append(f"{name} = {source}")
        return name

    def local(self, key) -> str:
        """Local variable holding a value in the current loop (loaded from A when
        the value was computed in an earlier loop)."""
        kind = key[0]
        if self.phase == "init":
            return ("i_" + key[1]) if kind == "v" else f"is{key[1]}_{key[2]}"
        if kind == "v" and key[1] in self.plan.dynamic_nodes:
            return "n_" + key[1]
        if kind == "s" and self.model.statefuls[key[1]].dynamic:
            return f"s{key[1]}_{key[2]}"
        name = self.loads.get(key)
        if name is None:
            name = self.loads[key] = (f"c_{key[1]}" if kind == "v" else
                                      f"r_{key[1]}" if kind == "r" else f"c{key[1]}_{key[2]}")
        return name

    def atom(self, expr: ir.Expr) -> str:
        if isinstance(expr, ir.Ref):
            return self.local(("v", expr.name))
        if isinstance(expr, ir.StateRef):
            return self.local(("s", expr.key, expr.index))
        if isinstance(expr, ir.Num):
            return _num(expr.value)
        if isinstance(expr, ir.TimeRef):
            return "t" if self.phase == "step" else "T[0]"
        raise KernelUnsupported(f"atom {expr!r}")

    def num(self, expr: ir.Expr) -> str:
        """Source of ``expr`` as a float64 (temporaries go to ``self.pre``)."""
        while isinstance(expr, ir.ActiveInit):
            expr = expr.init if self.phase == "init" else expr.expr
        if ir.is_logical(expr):
            return f"select({self.cond(expr)}, 1.0, 0.0)"
        if isinstance(expr, (ir.Ref, ir.StateRef, ir.Num, ir.TimeRef)):
            return self.atom(expr)
        if isinstance(expr, ir.Lookup):
            return self.lookup(expr)
        if isinstance(expr, ir.Op):
            if expr.op == "/":
                factor = self.reciprocal(expr.args[1])
                if factor is not None:
                    return f"({self.num(expr.args[0])} * {factor})"
            args = [self.num(a) for a in expr.args]
            if expr.op == "^":
                return self.power(args[0], expr.args[1], args[1])
            if expr.op in _BINARY:
                return f"({args[0]} {_BINARY[expr.op]} {args[1]})"
            if expr.op == "neg":
                return f"(-{args[0]})"
            raise KernelUnsupported(f"operator {expr.op}")
        if isinstance(expr, ir.Call):
            return self.call(expr)
        raise KernelUnsupported(f"expression {type(expr).__name__}")

    def cond(self, expr: ir.Expr) -> str:
        """Source of ``expr`` as a boolean (non-zero is true, as in PySD)."""
        while isinstance(expr, ir.ActiveInit):
            expr = expr.init if self.phase == "init" else expr.expr
        if isinstance(expr, ir.Op) and expr.op in _COMPARE:
            a, b = (self.num(x) for x in expr.args)
            return f"({a} {_COMPARE[expr.op]} {b})"
        if isinstance(expr, ir.Op) and expr.op in ("and", "or"):
            a, b = (self.cond(x) for x in expr.args)
            return f"({a} {'&' if expr.op == 'and' else '|'} {b})"
        if isinstance(expr, ir.Op) and expr.op == "not":
            return f"(not {self.cond(expr.args[0])})"
        return f"({self.num(expr)} != 0.0)"

    def call(self, expr: ir.Call) -> str:
        fn = expr.fn
        if fn == "if_then_else":
            c, yes, no = expr.args
            # a branch is computed only when it is taken: IF THEN ELSE guards whole
            # sub-models (policy on / off), and the model has few of them, so they
            # stay conditional expressions (measured: as ``select`` a single run took
            # 1.6x as long)
            return f"({self.num(yes)} if {self.cond(c)} else {self.num(no)})"
        args = [self.num(a) for a in expr.args]
        if fn in ("min", "max"):  # np.minimum / np.maximum: NaN if either is NaN
            a, b = self.temp(args[0]), self.temp(args[1])
            lt, le = ("<", "<=") if fn == "min" else (">", ">=")
            return f"select({a} {lt} {b}, {a}, select({b} {le} {a}, {b}, np.nan))"
        if fn in ("zidz", "xidz"):
            a, b = args[0], self.temp(args[1])
            fallback = "0.0" if fn == "zidz" else args[2]
            return f"select(abs({b}) < 1e-06, {fallback}, {a} / {b})"
        if fn in ("quantum", "modulo"):
            a, b = self.temp(args[0]), self.temp(args[1])
            quantum = f"select({b} < 1e-06, {a}, {b} * np.trunc({a} / {b}))"
            return quantum if fn == "quantum" else f"({a} - {quantum})"
        if fn == "exp":
            return self.exp(args[0])
        if fn in _MATH:
            return f"{_MATH[fn]}({args[0]})"
        if fn == "power":
            return self.power(args[0], expr.args[1], args[1])
        time = self.atom(ir.TimeRef())
        if fn == "step":
            return f"({args[0]} * select(({time} + HALF_DT) > {args[1]}, 1.0, 0.0))"
        if fn == "ramp":
            slope, start, finish = args
            finish = self.temp(finish)
            low = f"select({finish} < {time}, {finish}, select({time} <= {finish}, {time}, np.nan))"
            return (f"((select(({time} + 1e-06) > {start}, 1.0, 0.0) * {slope}) * "
                    f"({low} - {start}))")
        if fn == "pulse":
            start, width = self.temp(args[0]), args[1]
            return f"select(({start} - 1e-06 <= {time}) & ({time} < {start} + {width}), 1.0, 0.0)"
        if fn == "pulse_train":
            return f"f_pulse_train({time}, {', '.join(args)})"
        if fn == "trunc_first":
            x = self.temp(args[0])
            return f"select(i == 0, np.trunc({x}), {x})"
        raise KernelUnsupported(f"function {fn.upper()}")

    def reciprocal(self, divisor: ir.Expr) -> str | None:
        """Source of 1 / ``divisor`` when a division by it can be a multiplication, else None.

        A literal power of two: its exact reciprocal (the same bits as the division).
        In a time step, a value that is constant over the run (a constant, or computed
        once per run): its reciprocal, computed once per run at initialisation (row
        ``("r", name)`` of A). A division costs about as much as 8 multiplications, the
        product model divides by run constants 91 times per step (time constants,
        years per age cohort), and ``x * (1 / c)`` is within two ulp of ``x / c`` (two
        roundings instead of one), with the same zeros, signs, infinities and NaN; only a
        subnormal divisor below about 5.6e-309, whose reciprocal overflows, would give
        infinity where the division is finite (no model time constant is one).
        """
        if isinstance(divisor, ir.Num):
            v = divisor.value
            if math.isfinite(v) and v != 0.0 and abs(math.frexp(v)[0]) == 0.5:
                inverse = 1.0 / v
                if math.isfinite(inverse):  # 2^-1074 has none
                    return _num(inverse)
            return None
        if self.phase != "step" or not isinstance(divisor, ir.Ref):
            return None
        if divisor.name in self.plan.dynamic_nodes or ("v", divisor.name) not in self.rows:
            return None  # computed in the step, or a time series
        key = ("r", divisor.name)
        if key not in self.rows:
            self.rows[key] = len(self.rows)
        return self.local(key)

    def power(self, base: str, exponent_expr: ir.Expr, exponent: str) -> str:
        """``base ^ exponent``: the literal exponents of smooth minima and maxima as
        multiplications and square roots (``literal_power``), others as
        ``jitlib.f_pow`` (exp(y ln x) emitted inline as LLVM IR, ``jitmath.py``; written
        as Python source here it had tripled the cold compile)."""
        if isinstance(exponent_expr, ir.Num):
            fast = self.literal_power(base, exponent_expr.value)
            if fast is not None:
                return fast
        return f"f_pow({base}, {exponent})"

    def literal_power(self, base: str, exponent: float) -> str | None:
        """``base ^ exponent`` for the literal exponents the model uses in smooth minima
        and maxima (2, 3, 4, 8, 1/2, 1/4) as multiplications and square roots: ``**``
        is a libm ``pow`` call per value, which, like ``exp``, stops the vectorisation
        of the lane loop. Within a few ulp of ``pow``; NaN for the root of a negative
        number and infinities as ``pow``. Other exponents: None (``f_pow``)."""
        if exponent in (2.0, 3.0, 4.0, 8.0):
            x = self.temp(base)
            if exponent == 3.0:
                return f"({x} * {x} * {x})"
            square = self.temp(f"{x} * {x}")
            if exponent == 2.0:
                return square
            fourth = self.temp(f"{square} * {square}")
            return fourth if exponent == 4.0 else f"({fourth} * {fourth})"
        if exponent == 0.5:
            return f"np.sqrt({base})"
        if exponent == 0.25:
            return f"np.sqrt(np.sqrt({base}))"
        return None

    def exp(self, arg: str) -> str:
        """EXP without libm (``jitlib.f_exp``), which keeps the lane loop vectorised."""
        return f"f_exp({arg})"

    def lookup(self, expr: ir.Lookup) -> str:
        table = self.model.lookups[expr.table]
        i = self.table_index[expr.table]
        if self.phase == "step" and isinstance(expr.arg, ir.TimeRef):
            name = self.uniform.get(expr.table)
            if name is None:  # same for every run: once per step, outside the lanes
                name = self.uniform[expr.table] = f"u_{len(self.uniform)}"
                self.uniform_lines.append(f"{name} = f_interp(t, LX, LY, LOFF[{i}], LOFF[{i + 1}])")
            return name
        x = self.temp(self.num(expr.arg))
        xs, ys = table.x, table.y
        if len(xs) == 1 or len(xs) > SELECT_LOOKUP_POINTS:
            return f"f_interp({x}, LX, LY, LOFF[{i}], LOFF[{i + 1}])"
        # np.interp branch-free: clamp, then the segment [x0, x1) holding x
        x0, x1, y0, y1 = (_num(xs[0]), _num(xs[1]), _num(ys[0]), _num(ys[1]))
        for k in range(1, len(xs) - 1):
            x0 = f"select({x} >= {_num(xs[k])}, {_num(xs[k])}, {x0})"
            x1 = f"select({x} >= {_num(xs[k])}, {_num(xs[k + 1])}, {x1})"
            y0 = f"select({x} >= {_num(xs[k])}, {_num(ys[k])}, {y0})"
            y1 = f"select({x} >= {_num(xs[k])}, {_num(ys[k + 1])}, {y1})"
        x0, x1, y0, y1 = (self.temp(v) for v in (x0, x1, y0, y1))
        inner = f"select({x} == {x0}, {y0}, ({y1} - {y0}) / ({x1} - {x0}) * ({x} - {x0}) + {y0})"
        return (f"select({x} != {x}, np.nan, select({x} <= {_num(xs[0])}, {_num(ys[0])}, "
                f"select({x} >= {_num(xs[-1])}, {_num(ys[-1])}, {inner})))")

    # ----------------------------------------------------------- statements
    def statement(self, target: str, expr: ir.Expr) -> list[str]:
        self.pre = []
        source = self.num(expr)
        return self.pre + [f"{target} = {source}"]

    def node(self, name: str) -> list[str]:
        return self.statement(self.local(("v", name)), self.model.nodes[name].expr)

    def init_lines(self) -> list[str]:
        """Once per block: constants, PySD's initialisation and the run constants,
        lane by lane; values needed later are stored in A."""
        plan, model = self.plan, self.model
        self.phase, self.lane, self.loads = "init", "j0", {}
        lines: list[str] = []
        for name in self.layout.slots:
            if name in plan.needed_nodes:
                lines.append(f"i_{name} = {self.stored(('v', name))}")
        lines += [f"i_{name} = TS[{q}, 0]" for q, name in enumerate(self.layout.series)]
        lines += [f"i_{name} = TF[{q}, 0, R0 + first + min(j0, m - 1)]"
                  for q, name in enumerate(self.layout.frames)]
        for kind, key in plan.init_block:
            if kind == "n":
                if key not in plan.inputs:
                    lines += self.node(key)
                continue
            st = model.statefuls[key]
            if st.kind == "delay":
                self.pre = []
                delay_time = self.num(st.args["time"])
                lines += self.pre + [  # the first DELAY in PySD's order is reported
                    f"if j0 < m and ERR[first + j0] == 0 and {st.order} * DT > {delay_time}:",
                    f"    ERR[first + j0] = {self.layout.delays.index(key) + 1}",
                ]
            lines += self.statement(f"is{key}_0", st.initial_state(0))
            lines += [f"is{key}_{j} = is{key}_0" for j in range(1, st.order)]
        for name in plan.const_block:
            lines += self.node(name)
        for key in self.rows:
            if key[0] == "r":  # reciprocal of a run constant (``reciprocal``)
                lines.append(f"{self.stored(key)} = 1.0 / {self.local(('v', key[1]))}")
                continue
            if key[0] == "f":  # a per-run series, copied at every time step
                continue
            if key[0] == "v" and key[1] in plan.dynamic_nodes or key[1] in self.layout.slots:
                continue
            if key[0] == "v" and key[1] not in plan.needed_nodes:
                continue
            lines.append(f"{self.stored(key)} = {self.local(key)}")
        return lines

    def step_lines(self, save: bool = True) -> list[str]:
        """One time step of one lane: every dynamic equation, the stores of the
        dynamic variables (copied to the outputs at save points) and the Euler
        update of every state. Without ``save`` (a step that is not a save point)
        only the equations the derivatives need and the Euler update."""
        plan, model = self.plan, self.model
        self.phase, self.lane, self.loads = "step", "j1", {}
        lines: list[str] = []
        for key in plan.dynamic_statefuls:
            for j in range(model.statefuls[key].order):
                lines.append(f"s{key}_{j} = {self.stored(('s', key, j))}")
        lines += [f"n_{name} = {self.stored(('f', name))}" for name in self.layout.frames]
        for name in plan.core_block + (plan.output_block if save else []):
            if name not in plan.inputs:
                lines += self.node(name)
        for name in self.layout.variables if save else ():
            if name in plan.dynamic_nodes:
                lines.append(f"{self.stored(('v', name))} = n_{name}")
        updates = []
        for key in plan.dynamic_statefuls:
            st = model.statefuls[key]
            for j in range(st.order):
                ddt = st.derivative(j, key in plan.truncate_first_input)
                lines += self.statement(f"d{key}_{j}", ddt)
                new = f"s{key}_{j} + d{key}_{j} * DT"
                if st.non_negative:  # np.maximum(state, 0): NaN stays NaN
                    new = self.temp(new)
                    self_pre, self.pre = self.pre, []
                    updates += self_pre
                    new = f"select({new} > 0.0, {new}, select(0.0 >= {new}, 0.0, np.nan))"
                updates.append(f"{self.stored(('s', key, j))} = {new}")
        loads = [f"{name} = {self.stored(key)}" for key, name in self.loads.items()]
        return loads + lines + updates

    def source(self, function_name: str = "kernel") -> str:
        self.assign_rows()
        step = self.step_lines()
        quiet = _renamed(self.step_lines(save=False), "q")
        init = self.init_lines()  # after the steps: it stores the reciprocals they use
        n_rows = len(self.rows)
        body = [
            f"A = np.empty({n_rows * self.block})",
            "for j in range(B):",
            "    R = R0 + first + min(j, m - 1)  # lanes past the last run repeat it",
            f"    for q in range({len(self.layout.slots)}):",
            "        A[q * B + j] = CV[q]",
            "    for q in range(AIDX.shape[0]):",
            "        A[AIDX[q] * B + j] = AV[R, q]",
            "for j0 in range(B):",
        ]
        body += ["    " + line for line in init]
        body += [
            "K = 0  # next save slot",
            "for i in range(T.shape[0]):",
            "    t = T[i]",
        ]
        body += ["    " + line for line in self.uniform_lines]
        # shared time series: read once per step, before the lane loop. Read inside it,
        # the loads from TS (an argument that LLVM cannot prove apart from A, which the
        # loop stores to) stopped the vectorisation of the lanes: 3-4x slower per run
        body += [f"    n_{name} = TS[{q}, i]" for q, name in enumerate(self.layout.series)]
        # per-run series: this step's values copied into rows of A by a loop of their
        # own, so that the loop over the runs reads only A (and vectorises)
        if self.layout.frames:
            body += ["    for j in range(B):", "        R = R0 + first + min(j, m - 1)"]
            body += [f"        A[{self.rows[('f', name)] * self.block} + j] = TF[{q}, i, R]"
                     for q, name in enumerate(self.layout.frames)]
        # the stores of every variable (any output can be asked for without a
        # recompile) only at save points; in the other steps only the equations the
        # derivatives need (a model without dynamics has an empty time step: its values
        # are computed once per run at initialisation)
        body += ["    if SAVE[i]:", "        for j1 in range(B):"]
        body += ["            " + line for line in step or ["pass"]]
        body += [
            "        for o in range(OSEL.shape[0]):",
            "            row = VROW[OSEL[o]] * B",
            "            for j in range(m):",
            "                OUT[o, K, W0 + first + j] = A[row + j]",
            "        K += 1",
            "    else:",
            "        for j1 in range(B):",
        ]
        body += ["            " + line for line in quiet or ["pass"]]
        header = [
            "import math",
            "import numpy as np",
            "from numba import njit, prange",
            "from models.batch.jitlib import f_exp, f_interp, f_ln, f_pow, f_pulse_train, select",
            "",
            f"B = {self.block}  # runs per block: one SIMD lane each",
            "",
            "",
            '@njit(fastmath=False, cache=True, error_model="numpy", nogil=True)',
            f"def run_block({', '.join(_RUN_ARGS)}):",
            "    HALF_DT = DT / 2",
            "    first = b * B",
            "    m = min(B, ERR.shape[0] - first)",
        ]
        lines = header + ["    " + line for line in body]
        blocks = "(ERR.shape[0] + B - 1) // B"
        # the serial kernel is compiled when the module is imported; the parallel one
        # (Numba's parfor machinery: seconds even for a tiny model) only when a batch
        # first needs threads (``jit.LazyParallel``), so a single-run kernel never pays it
        for name, loop_kind, options in (
            (function_name, "prange", "parallel=True, "),
            (function_name + "_serial", "range", f"{KERNEL_SIGNATURE!r}, "),
        ):
            lines += [
                "",
                "",
                f"@njit({options}fastmath=False, cache=True,",
                '      error_model="numpy", nogil=True)',
                f"def {name}({', '.join(KERNEL_ARGS)}):",
                f"    for b in {loop_kind}({blocks}):",
                f"        run_block({', '.join(_RUN_ARGS)})",
            ]
        return "\n".join(lines) + "\n"
