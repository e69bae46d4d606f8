"""Evaluation plan: which nodes to compute, in which order, and with which shape.

Given the IR, the set of overridden names (with the kind of value each receives) and
the requested outputs, ``make_plan`` decides:

* which nodes and stateful objects are needed (everything else is eliminated);
* the initialisation order (PySD: stateful objects are initialised in dependency
  order, each one evaluating the equations it needs at INITIAL TIME; ``INITIAL()`` and
  ``ACTIVE INITIAL`` use their initial expression);
* which nodes are *run constants* (no dependence on time or on dynamic state: computed
  once per run), which are needed every step to compute derivatives (*core*), and
  which only feed outputs (computed at SAVEPER points only);
* the *shape kind* of every node and state: ``"S"`` (one Python float shared by all
  runs of a chunk) or ``"A"`` (a NumPy array with one value per run).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ir
from .errors import SUPPORTED_CONSTRUCTS, CircularDependencyError, UnsupportedConstructError

SCALAR, ARRAY = "S", "A"

#: Kinds of run inputs: shared scalar, per-run array, shared time series (pandas
#: Series), per-run time series (pandas DataFrame, one column per run).
INPUT_KINDS = ("scalar", "array", "series", "frame")
DYNAMIC_INPUTS = ("series", "frame")
ARRAY_INPUTS = ("array", "frame")


@dataclass
class Plan:
    mode: str  # "vector", "scalar" (all S) or "safe" (all states A)
    inputs: dict  # python name -> input kind
    outputs: tuple  # python names, in request order
    literal: dict  # python name -> float for non-overridden numeric constants (inlined)
    node_kind: dict = field(default_factory=dict)
    state_kind: dict = field(default_factory=dict)  # stateful key -> kind
    statefuls: list = field(default_factory=list)  # needed stateful keys, init order
    dynamic_statefuls: list = field(default_factory=list)
    init_block: list = field(default_factory=list)  # ("n", name) / ("s", key)
    const_block: list = field(default_factory=list)
    core_block: list = field(default_factory=list)
    output_block: list = field(default_factory=list)
    dynamic_nodes: set = field(default_factory=set)
    needed_nodes: set = field(default_factory=set)
    # SMOOTH objects whose initial value is a Python int in PySD: PySD then stores
    # the state in an integer array and truncates the input in the first Euler step
    truncate_first_input: set = field(default_factory=set)

    def is_dynamic_output(self, name: str) -> bool:
        return name in self.dynamic_nodes


def _topological(items, deps, describe, what: str) -> list:
    """Depth-first topological order of ``items`` (deps first), stable in input order."""
    order: list = []
    state: dict = {}  # 1 = visiting, 2 = done
    for root in items:
        if state.get(root) == 2:
            continue
        stack = [(root, iter(deps(root)))]
        state[root] = 1
        while stack:
            item, it = stack[-1]
            advanced = False
            for dep in it:
                mark = state.get(dep)
                if mark == 2:
                    continue
                if mark == 1:
                    cycle = [entry for entry, _ in stack]
                    cycle = cycle[cycle.index(dep):] + [dep]
                    raise CircularDependencyError(
                        f"{what}: " + " -> ".join(describe(c) for c in cycle)
                    )
                state[dep] = 1
                stack.append((dep, iter(deps(dep))))
                advanced = True
                break
            if not advanced:
                stack.pop()
                state[item] = 2
                order.append(item)
    return order


def _is_dynamic(atom: ir.Expr, dynamic: set, statefuls: dict) -> bool:
    """Does the atomic argument ``atom`` change during a run?"""
    if isinstance(atom, ir.TimeRef):
        return True
    if isinstance(atom, ir.Ref):
        return atom.name in dynamic
    if isinstance(atom, ir.StateRef):
        return statefuls[atom.key].dynamic
    return False


def _int_analysis(model: ir.ModelIR, inputs: dict, int_inputs, integer_start: bool) -> callable:  # type: ignore[valid-type]
    """``is_int(expr)``: does PySD compute ``expr`` as a Python/NumPy *integer* during
    initialisation? (integer literals, integer overrides and int-preserving operations;
    NumPy functions, divisions, lookups and comparisons give floats.)"""
    memo: dict = {}

    def is_int(expr) -> bool:
        if isinstance(expr, ir.Num):
            return expr.integer
        if isinstance(expr, ir.TimeRef):
            return integer_start
        if isinstance(expr, ir.Ref):
            name = expr.name
            if name in inputs:
                return name in int_inputs
            if name not in memo:
                memo[name] = False  # cycle guard
                memo[name] = is_int(model.nodes[name].expr)
            return memo[name]
        if isinstance(expr, ir.StateRef):
            st = model.statefuls[expr.key]
            if st.kind in ("integ", "smooth", "initial"):
                return is_int(st.args["initial"])
            return False
        if isinstance(expr, ir.ActiveInit):
            return is_int(expr.init)
        if isinstance(expr, ir.Op):
            if expr.op in ("+", "-", "*", "^", "neg"):
                return all(is_int(a) for a in expr.args)
            return False
        if isinstance(expr, ir.Call):
            if expr.fn == "integer":
                return True
            if expr.fn in ("pulse", "pulse_train"):
                return True
            if expr.fn == "step":
                return is_int(expr.args[0])
            if expr.fn in ("modulo", "quantum", "ramp"):
                return all(is_int(a) for a in expr.args) and (
                    expr.fn != "ramp" or integer_start
                )
            if expr.fn == "if_then_else":
                return is_int(expr.args[1]) and is_int(expr.args[2])
        return False

    return is_int


def make_plan(
    model: ir.ModelIR, inputs: dict, outputs, mode: str = "vector", int_inputs=frozenset(),
    control: dict | None = None, integer_start: bool | None = None,
) -> Plan:
    """Build the evaluation plan (see module docstring).

    inputs   python name -> one of ``INPUT_KINDS``
    outputs  python names of the variables to save
    mode     "vector" (shape inference), "scalar" (N == 1, everything a float) or
             "safe" (every state an array; used after a scalar-path arithmetic error)
    int_inputs  overridden names whose values are integers (PySD keeps ints as ints)
    control  values of the control variables of the run's time grid (default: the
             model file's)
    integer_start  INITIAL TIME is an integer (default: as in the model file)
    """
    if integer_start is None:
        integer_start = model.initial_time_is_int
    nodes, statefuls = model.nodes, model.statefuls
    literal = {
        name: node.expr.value
        for name, node in nodes.items()
        if isinstance(node.expr, ir.Num) and name not in inputs
    }
    for name, value in (control or {}).items():
        if name in nodes:
            literal[name] = value
    plan = Plan(mode=mode, inputs=dict(inputs), outputs=tuple(outputs), literal=literal)

    def expr_of(name):
        return None if name in inputs or name in literal else nodes[name].expr

    def node_refs(name, phase):
        expr = expr_of(name)
        return set() if expr is None else ir.refs(expr, phase)

    def node_states(name, phase):
        expr = expr_of(name)
        return set() if expr is None else {k for k, _ in ir.state_refs(expr, phase)}

    def arg_refs(stateful, roles, phase=None):
        """Refs and stateful keys read by the given arguments (both phases if None)."""
        out_refs, out_states = set(), set()
        for role in roles:
            arg = stateful.args[role]
            for ph in (phase,) if phase else ("step", "init"):
                out_refs |= ir.refs(arg, ph)
                out_states |= {k for k, _ in ir.state_refs(arg, ph)}
        return out_refs, out_states

    # ---- needed nodes and statefuls (dead-code elimination)
    needed_nodes: set = set()
    needed_states: set = set()
    work = [("n", name) for name in outputs]
    while work:
        kind, key = work.pop()
        if kind == "n":
            if key in needed_nodes:
                continue
            needed_nodes.add(key)
            for phase in ("step", "init"):
                work += [("n", r) for r in node_refs(key, phase)]
                work += [("s", s) for s in node_states(key, phase)]
        else:
            if key in needed_states:
                continue
            needed_states.add(key)
            stateful = statefuls[key]
            r, s = arg_refs(stateful, tuple(stateful.args))
            work += [("n", x) for x in r] + [("s", x) for x in s]
    plan.needed_nodes = needed_nodes
    node_order = [name for name in nodes if name in needed_nodes]

    def describe(item):
        if isinstance(item, tuple):
            kind, key = item
            if kind == "s":
                return f"{statefuls[key].kind.upper()} in '{statefuls[key].vensim}'"
            item = key
        return f"'{nodes[item].vensim}'"

    # ---- step order (algebraic loops are errors)
    step_order = _topological(
        node_order,
        lambda n: sorted(r for r in node_refs(n, "step") if r in needed_nodes),
        describe,
        "simultaneous equations (algebraic loop)",
    )

    # ---- dynamic classification
    dynamic: set = set()
    for name in step_order:
        if name in inputs:
            if inputs[name] in DYNAMIC_INPUTS:
                dynamic.add(name)
            continue
        expr = expr_of(name)
        if expr is None:
            continue
        if (
            ir.uses_time(expr)
            or any(isinstance(e, ir.ActiveInit) for e in ir.walk(expr))
            or any(statefuls[k].dynamic for k in node_states(name, "step"))
            or node_refs(name, "step") & dynamic
        ):
            dynamic.add(name)
    plan.dynamic_nodes = dynamic
    for key in needed_states:
        stateful = statefuls[key]
        if stateful.fixed_time and _is_dynamic(stateful.args["time"], dynamic, statefuls):
            raise UnsupportedConstructError(
                stateful.vensim, "DELAY N with a time-varying delay time", SUPPORTED_CONSTRUCTS
            )

    # ---- shape kinds (monotone fixpoint S -> A)
    node_kind = {name: SCALAR for name in needed_nodes}
    state_kind = {key: SCALAR for key in needed_states}
    if mode != "scalar":
        for name in needed_nodes:
            if inputs.get(name) in ARRAY_INPUTS:
                node_kind[name] = ARRAY
        if mode == "safe":
            for key in needed_states:
                state_kind[key] = ARRAY
        changed = True
        while changed:
            changed = False
            for name in node_order:
                if node_kind[name] == ARRAY or name in inputs:
                    continue
                deps = node_refs(name, "step") | node_refs(name, "init")
                states = node_states(name, "step") | node_states(name, "init")
                if any(node_kind[d] == ARRAY for d in deps) or any(
                    state_kind[s] == ARRAY for s in states
                ):
                    node_kind[name] = ARRAY
                    changed = True
            for key in needed_states:
                if state_kind[key] == ARRAY:
                    continue
                r, s = arg_refs(statefuls[key], tuple(statefuls[key].args))
                if any(node_kind[d] == ARRAY for d in r) or any(
                    state_kind[x] == ARRAY for x in s
                ):
                    state_kind[key] = ARRAY
                    changed = True
    plan.node_kind, plan.state_kind = node_kind, state_kind

    # ---- initialisation order
    def init_deps(item):
        kind, key = item
        if kind == "n":
            refs_, states_ = node_refs(key, "init"), node_states(key, "init")
        else:
            refs_, states_ = arg_refs(statefuls[key], statefuls[key].init_args(), "init")
        return [("n", r) for r in sorted(refs_)] + [("s", s) for s in sorted(states_)]

    state_order = [key for key in statefuls if key in needed_states]
    plan.init_block = _topological(
        [("s", key) for key in state_order], init_deps, describe, "circular initialisation"
    )
    plan.statefuls = [key for kind, key in plan.init_block if kind == "s"]
    plan.dynamic_statefuls = [key for key in plan.statefuls if statefuls[key].dynamic]
    is_int = _int_analysis(model, inputs, int_inputs, integer_start)
    plan.truncate_first_input = {
        key
        for key in plan.dynamic_statefuls
        if statefuls[key].kind == "smooth" and is_int(statefuls[key].args["initial"])
    }

    # ---- run constants, core (derivatives) and output-only dynamic nodes
    in_init = {key for kind, key in plan.init_block if kind == "n"}
    plan.const_block = [
        name
        for name in step_order
        if name not in dynamic and name not in inputs and name not in literal
        and name not in in_init
    ]
    core: set = set()
    work = []
    for key in plan.dynamic_statefuls:
        r, _ = arg_refs(statefuls[key], statefuls[key].step_args(), "step")
        work += list(r)
    while work:
        name = work.pop()
        if name in core or name not in dynamic:
            continue
        core.add(name)
        work += list(node_refs(name, "step"))
    plan.core_block = [n for n in step_order if n in core and n not in inputs]
    # dynamic nodes that feed outputs but no derivative: computed at save points only
    reach: set = set()
    work = [name for name in outputs]
    while work:
        name = work.pop()
        if name in reach or name not in dynamic or name in core:
            continue
        reach.add(name)
        work += list(node_refs(name, "step"))
    plan.output_block = [n for n in step_order if n in reach and n not in inputs]
    return plan
