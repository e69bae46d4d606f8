"""Stock-and-flow structure of the Vensim model, from PySD's parse of the equations.

One pass over PySD's abstract model (the same parse the batch runner compiles) gives,
for every variable: its sector (the Vensim group it is defined in), its kind (stock,
constant, auxiliary), the variables its equation references, and for every stock the
signed terms of its net rate:

* a term that is a plain reference (``+ births``, ``- deaths``) is a **flow**: a named
  valve on a pipe. A flow that leaves one stock and enters another is one pipe between
  them; a flow with one end only comes from or goes to a cloud (the model boundary);
* any other term (``- Zero Carbon Floor Space / building lifetime``) is an **unnamed
  rate**: a valve without a variable, fed by arrows from the variables of the term,
  as Vensim draws a stock whose equation is not a sum of flows.

The diagram generator (:mod:`models.sketch`) lays this structure out; nothing here
depends on a sketch.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from models.model import MODEL_PATH, sectors_of

__all__ = ["RateTerm", "Pipe", "Variable", "ModelStructure", "model_structure", "TIME"]

#: Vensim's name of the model time (a built-in, never defined by an equation).
TIME = "Time"


@dataclass(frozen=True)
class RateTerm:
    """One signed term of a stock's net rate.

    Attributes:
        stock: the stock (Vensim name).
        sign: +1 (inflow) or -1 (outflow).
        flow: the flow variable when the term is a plain reference, else None.
        inputs: variables the term references (Vensim names), in order.
    """

    stock: str
    sign: int
    flow: str | None
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Pipe:
    """A pipe with its valve: from ``source`` to ``target`` (a stock, or None for a cloud).

    ``flow`` is the variable on the valve (None for an unnamed rate, whose ``inputs``
    feed the valve); ``extra_stocks`` are further stocks whose rate uses the same flow
    (a flow can sit on one pipe only; these get an arrow from it).
    """

    flow: str | None
    source: str | None
    target: str | None
    inputs: tuple[str, ...] = ()
    extra_stocks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variable:
    """A model variable: sector, kind (stock, constant, auxiliary), references.

    ``sum_of``: for an auxiliary whose equation is a plain sum of two or more other
    variables (``urban construction land expansion = urban expansion from cropland +
    ...``), those variables in order; empty otherwise.
    """

    name: str
    sector: str
    kind: str
    uses: tuple[str, ...]
    sum_of: tuple[str, ...] = ()


@dataclass
class ModelStructure:
    """Variables in file order, sectors in file order, and the pipes of the stocks."""

    variables: dict[str, Variable]
    sectors: list[str]
    pipes: list[Pipe] = field(default_factory=list)
    terms: list[RateTerm] = field(default_factory=list)

    def flows(self) -> dict[str, Pipe]:
        """Flow variable → its pipe."""
        return {p.flow: p for p in self.pipes if p.flow is not None}

    def stocks(self) -> list[str]:
        return [v.name for v in self.variables.values() if v.kind == "stock"]


def _walk_refs(node, out: list[str]) -> None:
    """Append the referenced names (python-safe) of a PySD expression tree."""
    from pysd.translators.structures.abstract_expressions import CallStructure, ReferenceStructure

    if isinstance(node, ReferenceStructure):
        out.append(node.reference)
    elif isinstance(node, CallStructure):
        if isinstance(node.function, ReferenceStructure):  # a call of a named lookup
            out.append(node.function.reference)
        for arg in node.arguments:
            _walk_refs(arg, out)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            _walk_refs(getattr(node, f.name), out)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _walk_refs(item, out)
    elif isinstance(node, dict):
        for item in node.values():
            _walk_refs(item, out)


def _signed_terms(node, sign: int = 1) -> list[tuple[int, object]]:
    """Split a sum/difference into (sign, term) pairs (unary minus flips the sign).

    A product or quotient whose first factor is negated (``-a*b``: PySD parses the
    unary minus as binding to ``a``) is one term with the sign flipped."""
    from pysd.translators.structures.abstract_expressions import ArithmeticStructure

    if isinstance(node, ArithmeticStructure):
        ops = list(node.operators)
        if ops == ["negative"]:
            return _signed_terms(node.arguments[0], -sign)
        if ops and all(op in ("+", "-") for op in ops):
            out = _signed_terms(node.arguments[0], sign)
            for op, arg in zip(ops, node.arguments[1:]):
                out += _signed_terms(arg, sign if op == "+" else -sign)
            return out
        first = node.arguments[0] if node.arguments else None
        if ops and all(op in ("*", "/") for op in ops) and isinstance(first, ArithmeticStructure) \
                and list(first.operators) == ["negative"]:
            return [(-sign, node)]
    return [(sign, node)]


def _plain_sum(node) -> list[str] | None:
    """The references of an expression that is a sum of two or more plain references."""
    from pysd.translators.structures.abstract_expressions import ReferenceStructure

    terms = _signed_terms(node)
    if len(terms) < 2 or any(s < 0 or not isinstance(t, ReferenceStructure) for s, t in terms):
        return None
    return [t.reference for _, t in terms]  # type: ignore[attr-defined]


@lru_cache(maxsize=4)
def model_structure(mdl_path: str | Path = MODEL_PATH) -> ModelStructure:
    """The structure of the model file (cached per path)."""
    from pysd.translators.structures.abstract_expressions import IntegStructure, ReferenceStructure
    from pysd.translators.vensim.vensim_file import VensimFile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vf = VensimFile(str(mdl_path))
        vf.parse()
        section = vf.get_abstract_model().sections[0]
    sectors = sectors_of(mdl_path)
    elements = [el for el in section.elements if el.components]
    names = {}
    for el in elements:
        names[_py(el.name)] = el.name
    names["time"] = TIME

    def vensim(refs: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(names[r] for r in refs if r in names))

    variables: dict[str, Variable] = {}
    terms: list[RateTerm] = []
    for el in elements:
        comp = el.components[0]
        refs: list[str] = []
        for c in el.components:
            _walk_refs(c.ast, refs)
        ast = comp.ast
        if isinstance(ast, IntegStructure):
            kind = "stock"
            for sign, term in _signed_terms(ast.flow):
                inputs: list[str] = []
                _walk_refs(term, inputs)
                flow = names.get(term.reference) if isinstance(term, ReferenceStructure) else None
                terms.append(RateTerm(el.name, sign, flow, vensim(inputs)))
        elif comp.type == "Constant" or (comp.type == "Auxiliary" and not refs and comp.subtype == "Normal"):
            kind = "constant"
        else:
            kind = "auxiliary"
        summed = _plain_sum(ast) if kind == "auxiliary" and len(el.components) == 1 else None
        variables[el.name] = Variable(el.name, sectors.get(el.name, ""), kind,
                                      tuple(u for u in vensim(refs) if u != el.name or kind == "stock"),
                                      vensim(summed) if summed else ())
    order = list(dict.fromkeys(v.sector for v in variables.values()))
    return ModelStructure(variables, order, _pipes(terms), terms)


def _py(name: str) -> str:
    """A Vensim name as PySD's parser writes it in references (lower case, spaces to _)."""
    return " ".join(name.split()).lower().replace(" ", "_")


def _pipes(terms: list[RateTerm]) -> list[Pipe]:
    """Pipes from the rate terms: a flow joins its outflow stock to its inflow stock."""
    pipes: list[Pipe] = []
    by_flow: dict[str, list[RateTerm]] = {}
    for t in terms:
        if t.flow is None:
            pipes.append(Pipe(None, t.stock if t.sign < 0 else None, t.stock if t.sign > 0 else None, t.inputs))
        else:
            by_flow.setdefault(t.flow, []).append(t)
    for flow, ts in by_flow.items():
        outs = [t.stock for t in ts if t.sign < 0]
        ins = [t.stock for t in ts if t.sign > 0]
        source = outs[0] if outs else None
        target = ins[0] if ins else None
        extra = tuple(s for s in outs[1:] + ins[1:])
        pipes.append(Pipe(flow, source, target, (), extra))
    return pipes
