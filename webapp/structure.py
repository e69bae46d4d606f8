"""Sector overview of the stocks and the flows between them (存量—流量概览), for the Model page.

A presentation of :func:`models.structure.model_structure` (PySD's parse of the model
file, the same parse the batch runner compiles); nothing here reads the file. The
overview differs from the Vensim views (:mod:`models.diagram`) in one respect: a flow
that leaves one stock and, through an aggregate, enters another becomes one arrow
between the two stocks. An aggregate is a plain sum of other variables
(``urban construction land expansion = urban expansion from cropland + ...``,
:attr:`models.structure.Variable.sum_of`), so the arrows show the individual land
conversions (Cropland → Urban Construction Land) that the views draw as two pipes.
A flow with one end only comes from or goes to a cloud (the model boundary, "").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from models.model import MODEL_PATH
from models.structure import ModelStructure, model_structure

__all__ = ["StockFlow", "stock_flow", "by_sector", "to_dot"]

#: Depth to which aggregates of aggregates are expanded.
_MAX_EXPANSION = 3


@dataclass(frozen=True)
class StockFlow:
    """Stocks (name -> sector) and edges ``(from, to, flows)``; "" is a cloud."""

    stocks: Mapping[str, str]
    edges: tuple[tuple[str, str, tuple[str, ...]], ...]


def _leaves(st: ModelStructure, name: str, depth: int = 0) -> list[str]:
    """``name``, or the variables it sums (recursively) if it is an aggregate."""
    var = st.variables.get(name)
    if var is None or not var.sum_of or depth >= _MAX_EXPANSION:
        return [name]
    out: list[str] = []
    for part in var.sum_of:
        if st.variables[part].kind != "stock":
            out += _leaves(st, part, depth + 1)
    return out or [name]


def stock_flow(mdl_path: Path | str = MODEL_PATH) -> StockFlow:
    """Stocks and the flows between them, from the model structure.

    Every signed term of a stock's net rate carries flows: a named flow (expanded when
    it is an aggregate); for an unnamed rate (``-urban expansion from other land *
    suitable share``), the flows among its inputs, else its first input other than
    the stock itself (a label for the valve)."""
    st = model_structure(str(mdl_path))
    named = [t.flow for t in st.terms if t.flow is not None]
    flowlike = {leaf for f in named for leaf in _leaves(st, f)} | set(named)
    into: dict[str, set[str]] = defaultdict(set)
    out_of: dict[str, set[str]] = defaultdict(set)
    for term in st.terms:
        if term.flow is not None:
            carriers = _leaves(st, term.flow)
        else:
            carriers = [i for i in term.inputs if i in flowlike] or \
                [i for i in term.inputs if i != term.stock][:1] or [""]
        for flow in carriers:
            (into if term.sign > 0 else out_of)[flow].add(term.stock)
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for flow in sorted(set(into) | set(out_of)):
        sources = sorted(out_of.get(flow, ())) or [""]
        targets = sorted(into.get(flow, ())) or [""]
        for s in sources:
            for d in targets:
                if s != d:
                    pairs[(s, d)].append(flow)
    edges = tuple((s, d, tuple(f for f in flows if f)) for (s, d), flows in sorted(pairs.items()))
    return StockFlow({n: st.variables[n].sector for n in st.stocks()}, edges)


def by_sector(sf: StockFlow) -> dict[str, StockFlow]:
    """One sub-diagram per sector that has stocks (edges with an end in it; the other
    end in the sector or a cloud)."""
    out: dict[str, StockFlow] = {}
    for sec in dict.fromkeys(sf.stocks.values()):
        stocks = {n: s for n, s in sf.stocks.items() if s == sec}
        edges = tuple(e for e in sf.edges if (e[0] in stocks or e[0] == "") and (e[1] in stocks or e[1] == "")
                      and (e[0] in stocks or e[1] in stocks))
        out[sec] = StockFlow(stocks, edges)
    return out


def to_dot(sf: StockFlow, labels: Mapping[str, str] | None = None, sector_labels: Mapping[str, str] | None = None,
           max_label: int = 2, rankdir: str = "LR", clusters: bool = True,
           flow_labels: Mapping[str, str] | None = None) -> str:
    """Graphviz DOT text: stocks as boxes (grouped by sector), flows as arrows, clouds as
    dashed ellipses. ``labels``/``flow_labels``/``sector_labels`` map model names to
    display names; an arrow is labelled with at most ``max_label`` flow names ("(+n)";
    0: no label) and carries all of them as its tooltip."""
    labels = labels or {}
    sector_labels = sector_labels or {}
    flow_labels = flow_labels or {}
    ids = {n: f"s{i}" for i, n in enumerate(sf.stocks)}
    lines = [
        "digraph stockflow {",
        f'  graph [rankdir={rankdir}, fontname="sans-serif", fontsize=12, nodesep=0.3, ranksep=0.7, compound=true];',
        '  node [shape=box, style="rounded,filled", fillcolor="#e8f1fb", color="#2b6cb0", fontname="sans-serif",'
        ' fontsize=13];',
        '  edge [color="#555555", fontname="sans-serif", fontsize=10, arrowsize=0.7];',
    ]
    members: dict[str, list[str]] = defaultdict(list)
    for n, sec in sf.stocks.items():
        members[sec].append(n)
    for i, (sec, names) in enumerate(members.items()):
        if clusters:
            lines.append(f'  subgraph cluster_{i} {{ label="{_esc(sector_labels.get(sec, sec))}"; style="dashed";'
                         ' color="#999999";')
        for n in names:
            lines.append(f'    {ids[n]} [label="{_esc(labels.get(n, n))}"];')
        if clusters:
            lines.append("  }")
    clouds = 0
    for s, d, flows in sf.edges:
        names = [flow_labels.get(f, f) for f in flows]
        text = ", ".join(names[:max_label]) + (f" (+{len(names) - max_label})" if len(names) > max_label else "") \
            if max_label > 0 else ""
        ends = []
        for end in (s, d):
            node = ids.get(end)
            if node is None:
                clouds += 1
                node = f"c{clouds}"
                lines.append(f'  {node} [label="", shape=ellipse, style="dashed", width=0.3, height=0.2];')
            ends.append(node)
        lines.append(f'  {ends[0]} -> {ends[1]} [label="{_esc(text)}", tooltip="{_esc(chr(10).join(names))}"];')
    lines.append("}")
    return "\n".join(lines)


def _esc(s: str) -> str:
    return str(s).replace("\\", "\\\\").replace('"', '\\"')
