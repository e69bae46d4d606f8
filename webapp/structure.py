"""Stock-and-flow overview of the model, generated from the Vensim file itself.

The equations are parsed from ``models/territorial_carbon.mdl`` (never restated here):
every ``INTEG`` stock with its inflows (+) and outflows (−). A flow that leaves one
stock and enters another becomes an arrow between them; aggregate flows that are plain
sums (``urban construction land expansion = urban expansion from cropland + ...``) are
expanded so that the arrows show the individual land conversions. Flows with only one
end are drawn from or to a cloud (the model boundary).

The sector (Vensim group) of each variable comes from ``models.model.sectors_of``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from models.model import MODEL_PATH, sectors_of

_GROUP_RE = re.compile(r"\*{10,}\s*\n\s*\.(.+?)\n\s*\*{10,}", re.S)


def _norm(name: str) -> str:
    return " ".join(name.replace('"', "").split())


@dataclass(frozen=True)
class Equation:
    name: str
    expr: str
    sector: str


def equations(mdl_path: Path | str = MODEL_PATH) -> dict[str, Equation]:
    """Vensim name -> (right-hand side, sector) for every equation of the model file."""
    text = Path(mdl_path).read_text(encoding="utf-8")
    body = text.split("\\\\\\---///")[0]
    if body.startswith("{UTF-8}"):
        body = body[len("{UTF-8}"):]
    sector = ""
    out: dict[str, Equation] = {}
    for block in body.split("|"):
        m = _GROUP_RE.search(block)
        if m:
            sector = m.group(1).strip()
            block = block[m.end():]
        head = block.strip()
        if not head or "~" not in head:
            continue
        eq = head.split("~")[0]
        if "=" not in eq:
            continue
        lhs, rhs = eq.split("=", 1)
        name = _norm(re.split(r"\(", lhs, maxsplit=1)[0])
        if name:
            out[name] = Equation(name, " ".join(rhs.split()), sector)
    return out


def sectors(mdl_path: Path | str = MODEL_PATH) -> dict[str, str]:
    """Vensim name -> sector, for every variable (``models.model.sectors_of``)."""
    return sectors_of(mdl_path)


def _split_terms(expr: str) -> list[tuple[int, str]]:
    """Top-level +/- terms of an expression as (sign, text)."""
    terms, depth, sign, cur = [], 0, 1, ""
    for ch in expr:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if depth == 0 and ch in "+-" and cur.strip() and not re.search(r"(^|[^\w])\d+(\.\d*)?[eE]$|[*/]$", cur.rstrip()):
            terms.append((sign, cur.strip()))
            sign, cur = (1 if ch == "+" else -1), ""
            continue
        if depth == 0 and ch in "+-" and not cur.strip():
            sign = 1 if ch == "+" else -1
            continue
        cur += ch
    if cur.strip():
        terms.append((sign, cur.strip()))
    return terms


def _first_factor(term: str) -> str:
    return _norm(re.split(r"[*/]", term, maxsplit=1)[0].strip("() "))


def _is_plain_sum(expr: str, names: set[str]) -> bool:
    return all(_norm(t) in names for _, t in _split_terms(expr))


@dataclass(frozen=True)
class StockFlow:
    stocks: Mapping[str, str]  # stock -> sector
    edges: tuple[tuple[str, str, tuple[str, ...]], ...]  # (from, to, flows); "" = cloud


def stock_flow(mdl_path: Path | str = MODEL_PATH) -> StockFlow:
    """Stocks and the flows between them, from the model file."""
    eqs = equations(mdl_path)
    names = set(eqs)
    stocks: dict[str, tuple[str, str]] = {}
    for n, e in eqs.items():
        if e.expr.upper().startswith("INTEG"):
            inner = e.expr[e.expr.index("(") + 1:]
            depth, cut = 0, len(inner)
            for i, ch in enumerate(inner):
                depth += ch == "("
                depth -= ch == ")"
                if ch == "," and depth == 0:
                    cut = i
                    break
            stocks[n] = (inner[:cut], e.sector)

    def expand(flow: str, depth: int = 0) -> list[str]:
        e = eqs.get(flow)
        if depth < 3 and e is not None and flow not in stocks and _is_plain_sum(e.expr, names) \
                and len(_split_terms(e.expr)) > 1 and all(s > 0 for s, _ in _split_terms(e.expr)):
            out: list[str] = []
            for _, t in _split_terms(e.expr):
                out += expand(_norm(t), depth + 1)
            return out
        return [flow]

    into: dict[str, set[str]] = defaultdict(set)
    out_of: dict[str, set[str]] = defaultdict(set)
    for stock, (expr, _) in stocks.items():
        for sign, term in _split_terms(expr):
            for flow in expand(_first_factor(term)):
                (into if sign > 0 else out_of)[flow].add(stock)
    pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for flow in sorted(set(into) | set(out_of)):
        srcs, dsts = sorted(out_of.get(flow, ())) or [""], sorted(into.get(flow, ())) or [""]
        for s in srcs:
            for d in dsts:
                if s != d:
                    pairs[(s, d)].append(flow)
    edges = tuple((s, d, tuple(f)) for (s, d), f in sorted(pairs.items()))
    return StockFlow({n: sec for n, (_, sec) in stocks.items()}, edges)


def by_sector(sf: StockFlow) -> dict[str, StockFlow]:
    """One sub-diagram per sector (edges whose ends are in it or are clouds)."""
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
    """Graphviz DOT text: stocks as boxes grouped by sector, flows as arrows."""
    labels = labels or {}
    sector_labels = sector_labels or {}
    ids = {n: f"s{i}" for i, n in enumerate(sf.stocks)}
    lines = [
        "digraph stockflow {",
        f'  graph [rankdir={rankdir}, fontname="sans-serif", fontsize=12, nodesep=0.3, ranksep=0.7, compound=true];',
        '  node [shape=box, style="rounded,filled", fillcolor="#e8f1fb", color="#2b6cb0", fontname="sans-serif", fontsize=13];',
        '  edge [color="#555555", fontname="sans-serif", fontsize=10, arrowsize=0.7];',
    ]
    by_sector: dict[str, list[str]] = defaultdict(list)
    for n, sec in sf.stocks.items():
        by_sector[sec].append(n)
    for i, (sec, members) in enumerate(by_sector.items()):
        if clusters:
            lines.append(f'  subgraph cluster_{i} {{ label="{_esc(sector_labels.get(sec, sec))}"; style="dashed"; color="#999999";')
        for n in members:
            lines.append(f'    {ids[n]} [label="{_esc(labels.get(n, n))}"];')
        if clusters:
            lines.append("  }")
    clouds = 0
    for s, d, flows in sf.edges:
        names = [(flow_labels or {}).get(f, f) for f in flows]
        text = ", ".join(names[:max_label]) + (f" (+{len(names) - max_label})" if len(names) > max_label else "")
        a = ids.get(s)
        b = ids.get(d)
        if a is None:
            clouds += 1
            a = f"c{clouds}"
            lines.append(f'  {a} [label="", shape=ellipse, style="dashed", width=0.3, height=0.2];')
        if b is None:
            clouds += 1
            b = f"c{clouds}"
            lines.append(f'  {b} [label="", shape=ellipse, style="dashed", width=0.3, height=0.2];')
        lines.append(f'  {a} -> {b} [label="{_esc(text)}"];')
    lines.append("}")
    return "\n".join(lines)


def _esc(s: str) -> str:
    return str(s).replace("\\", "\\\\").replace('"', '\\"')
