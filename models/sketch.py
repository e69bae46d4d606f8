"""Generate the Vensim sketch (stock-and-flow diagram) of the model file (模型结构图).

``python -m models.sketch --write`` rewrites only the sketch section of
``models/territorial_carbon.mdl`` (everything from ``\\\\\\---///`` to ``///---\\\\\\``)
from the model's structure (:mod:`models.structure`); the equations are untouched and
the output is deterministic (same file, same sketch). ``--check`` exits 1 when the
sketch is out of date (e.g. after an equation was added).

The diagram has one view per sector (Vensim group), named after the group:

* every variable is placed once, in the view of its group — except a flow on a pipe,
  which sits in the view of its stock (Vensim connects pipes to stocks, not to
  shadows); stocks are boxes, flows are pipes with a valve and the flow's name,
  unnamed rates (stock equations that are not sums of flows) are valves without a
  name, the model boundary is a cloud;
* every reference of an equation is an arrow; a variable of another view (and Time)
  appears as a grey shadow variable ``<name>`` where it is used.

Layout: the stock-and-flow chains of a view on top (chains left to right along their
pipes, inflows from clouds above a stock, outflows below; a chain wider than the view, such
as the age cohorts, wraps into rows, every other row right to left, so that the pipe from
one row to the next is vertical), the other variables below
in columns by their depth in the view's dependency graph (inputs left, outputs right;
constants and shadows just left of their first use), ordered within a column by the
mean position of their neighbours. The format is Vensim's "V300" sketch text as Vensim
writes it (object lines ``10`` variable, ``11`` valve, ``12`` cloud, ``1`` arrow or
pipe); PySD reads the views with ``read_vensim(..., split_views=True)``.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from models.model import MODEL_PATH
from models.structure import ModelStructure, Pipe, model_structure

__all__ = ["SKETCH_START", "SKETCH_END", "generate_sketch", "rewrite_sketch", "main"]

SKETCH_START = "\\\\\\---///"
SKETCH_END = "///---\\\\\\"
_HEADER = "\\\\\\---/// Sketch information - do not modify anything except names\n" \
          "V300  Do not put anything below this section - it will be ignored\n"
_FONT = "$192-192-192,0,Times New Roman|12||0-0-0|0-0-0|0-0-255|-1--1--1|-1--1--1|96,96,100,0"

# geometry (pixels at 100 % zoom)
_STOCK_W, _STOCK_H = 40, 20
_PIPE_GAP = 130  # horizontal distance between parallel vertical pipes of one stock
_CLOUD_DIST = 150  # stock centre to cloud centre of a vertical pipe
_LAYER_DX = 300  # minimum distance of stocks along a chain
_BAND_GAP = 60
_MAX_WIDTH = 2400  # wrap the stock chains of a view into bands of this width
_COL_DX = 240  # distance of variable columns
_ROW_DY = 56  # distance of variable rows
_MAX_ROWS = 22  # a longer column is split into side-by-side columns
_MARGIN = 100


@dataclass
class _Obj:
    """One object line of a view (variable, valve or cloud)."""

    kind: str  # stock, flow, variable, shadow, valve, cloud
    name: str
    x: float = 0.0
    y: float = 0.0
    id: int = 0
    unnamed: bool = False  # a valve without a flow variable
    w: float = 0.0  # half width of a stock box (0: from the name)


@dataclass
class _View:
    name: str
    objects: list[_Obj] = field(default_factory=list)
    node: dict[str, _Obj] = field(default_factory=dict)  # variable name -> its object in this view
    valves: dict[int, _Obj] = field(default_factory=dict)  # pipe index -> valve
    pipe_lines: list[tuple[_Obj, _Obj, bool]] = field(default_factory=list)  # valve, end, arrowhead
    arrows: list[tuple[_Obj, _Obj]] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# Views: which variable is placed where
# --------------------------------------------------------------------------------------


def home_views(st: ModelStructure) -> dict[str, str]:
    """The view (sector) each variable is placed in: its group, a flow its stock's group."""
    home = {name: v.sector for name, v in st.variables.items()}
    for p in st.pipes:
        if p.flow is not None:
            stock = p.source or p.target
            home[p.flow] = st.variables[stock].sector
    return home


def _text_box(name: str, stock: bool = False) -> tuple[int, int]:
    """Half width and half height of a name as Vensim wraps it (12 pt Times)."""
    n = len(name)
    if stock:
        w = max(_STOCK_W, min(60, round(3.2 * n)))
        lines = max(1, math.ceil(n * 6.2 / (2 * w - 8)))
        return w, max(_STOCK_H, 6 + 7 * lines)
    w = max(18, min(50, round(3.2 * n)))
    lines = max(1, math.ceil(n * 6.2 / (2 * w)))
    return w, 3 + 8 * lines


# --------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------


def _stock_block(view: _View, st: ModelStructure, pipes: list[tuple[int, Pipe]], stocks: list[str],
                 top: float) -> float:
    """Place stocks, clouds, valves and flows of a view; return the bottom y of the block."""
    order = {s: i for i, s in enumerate(stocks)}
    chain = {s: [] for s in stocks}  # stock -> downstream stocks in this view
    links = [(p.source, p.target) for _, p in pipes if p.source in order and p.target in order]
    for a, b in links:
        chain[a].append(b)
    # connected components of the stock-to-stock pipes, in file order
    parent = {s: s for s in stocks}

    def find(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb, key=order.get)] = min(ra, rb, key=order.get)
    comps: dict[str, list[str]] = {}
    for s in stocks:
        comps.setdefault(find(s), []).append(s)
    # per stock: vertical pipes above (from clouds) and below (to clouds)
    above = {s: [i for i, p in pipes if p.target == s and p.source not in order] for s in stocks}
    below = {s: [i for i, p in pipes if p.source == s and p.target not in order] for s in stocks}

    def width(s: str) -> float:
        k = max(len(above[s]), len(below[s]), 1)
        return max(_LAYER_DX, k * _PIPE_GAP + 2 * _STOCK_W + 40)

    # lay each component out in local coordinates, then pack components into bands
    boxes = []
    wrap_below: set[str] = set()  # stocks whose outflow pipe runs down to the next row of a wrapped chain
    wrap_above: set[str] = set()  # stocks that pipe enters from above
    for comp in comps.values():
        layer = {s: 0 for s in comp}
        for _ in range(len(comp)):  # longest path (the chains are acyclic; bounded otherwise)
            for a in comp:
                for b in chain[a]:
                    if b in layer and layer[b] < layer[a] + 1 <= len(comp):
                        layer[b] = layer[a] + 1
        cols: dict[int, list[str]] = {}
        for s in comp:
            cols.setdefault(layer[s], []).append(s)
        layers = sorted(cols)
        widths = [max(width(s) for s in cols[lay]) for lay in layers]
        x, local = 0.0, {}
        if sum(widths) > _MAX_WIDTH - _MARGIN and all(len(cols[lay]) == 1 for lay in layers):
            # a long chain (the age cohorts) wraps into rows of equal columns, every other
            # row right to left, so that the pipe from one row to the next is vertical
            w = max(widths)
            per_row = max(1, int((_MAX_WIDTH - _MARGIN) // w))
            for j, lay in enumerate(layers):
                r, c = divmod(j, per_row)
                local[cols[lay][0]] = ((c if r % 2 == 0 else per_row - 1 - c) * w + w / 2, r)
                if c == 0 and r > 0:
                    wrap_below.add(cols[layers[j - 1]][0])
                    wrap_above.add(cols[lay][0])
            x, rows = per_row * w, math.ceil(len(layers) / per_row)
        else:
            for lay, w in zip(layers, widths):
                for r, s in enumerate(cols[lay]):
                    local[s] = (x + w / 2, r)
                x += w
            rows = max(len(c) for c in cols.values())
        boxes.append((comp, local, x, rows))
    band_h = 2 * _CLOUD_DIST + 2 * _STOCK_H + 40
    x0, y0, band_rows = _MARGIN, top, 0
    for comp, local, w, rows in boxes:
        if x0 > _MARGIN and x0 + w > _MAX_WIDTH:
            x0, y0 = _MARGIN, y0 + band_rows * band_h + _BAND_GAP
            band_rows = 0
        for s in comp:
            lx, r = local[s]
            bw = max(_text_box(s, stock=True)[0], (max(len(above[s]), len(below[s])) - 1) * _PIPE_GAP / 2 + 24)
            obj = _Obj("stock", s, x0 + lx, y0 + _CLOUD_DIST + 20 + r * band_h, w=bw)
            view.node[s] = obj
            view.objects.append(obj)
        x0 += w
        band_rows = max(band_rows, rows)
    bottom = y0 + band_rows * band_h
    # pipes
    for i, p in pipes:
        src = view.node.get(p.source) if p.source in order else None
        dst = view.node.get(p.target) if p.target in order else None
        if src is not None and dst is not None:
            vx, vy = (src.x + dst.x) / 2, (src.y + dst.y) / 2
            if abs(src.y - dst.y) > 1:  # different sub-rows: a vertical pipe at the source's x
                vx = src.x
        else:
            stock = dst if dst is not None else src
            group = above[stock.name] if dst is not None else below[stock.name]
            k = group.index(i)
            vx = stock.x + (k - (len(group) - 1) / 2) * _PIPE_GAP
            if len(group) % 2 and stock.name in (wrap_above if dst is not None else wrap_below):
                vx += _PIPE_GAP / 2  # keep the centre free for the pipe between rows
            sign = -1 if dst is not None else 1
            vy = stock.y + sign * _CLOUD_DIST / 2
            cloud = _Obj("cloud", "", vx, stock.y + sign * _CLOUD_DIST)
            view.objects.append(cloud)
            src, dst = (cloud, stock) if dst is not None else (stock, cloud)
        valve = _Obj("valve", p.flow or "", vx, vy, unnamed=p.flow is None)
        view.valves[i] = valve
        view.pipe_lines.append((valve, dst, True))
        view.pipe_lines.append((valve, src, False))
        view.objects.append(valve)
        if p.flow is not None:
            vertical = abs(src.x - dst.x) < 1 or (src.kind == "cloud" or dst.kind == "cloud")
            fx, fy = (vx + _text_box(p.flow)[0] + 10, vy) if vertical else (vx, vy + 18)
            flow = _Obj("flow", p.flow, fx, fy)
            view.node[p.flow] = flow
            view.objects.append(flow)
    return bottom


def _variable_block(view: _View, names: list[str], shadows: list[str], uses: dict[str, list[str]],
                    top: float) -> None:
    """Place the other variables and the shadows in rows below ``top``.

    Row 1 holds the variables next to the stock-and-flow block in the dependency graph
    (used by a flow or stock, or using one), row 2 their neighbours, and so on; in a
    view without stocks the rows follow the depth from the outputs. Within a row the
    variables sit near the mean x of their neighbours (sweeps down and up), spaced so
    that their names do not overlap.
    """
    placed = list(dict.fromkeys(names + shadows))
    anchors: dict[str, tuple[float, float]] = {n: (o.x, o.y) for n, o in view.node.items()}
    for key in uses:
        if key.startswith("#valve"):
            valve = view.valves[int(key[6:])]
            anchors[key] = (valve.x, valve.y)
    adjacency: dict[str, list[str]] = {n: [] for n in [*placed, *anchors]}
    for consumer, inputs in uses.items():
        for u in inputs:
            if u in adjacency and consumer in adjacency and u != consumer:
                adjacency[u].append(consumer)
                adjacency[consumer].append(u)
    row: dict[str, int] = {}
    frontier = [n for n in anchors]
    dist = {n: 0 for n in frontier}
    while frontier:  # breadth-first from the stock-and-flow block
        nxt = []
        for n in frontier:
            for m in adjacency[n]:
                if m not in dist:
                    dist[m] = dist[n] + 1
                    nxt.append(m)
        frontier = nxt
    rest = [n for n in placed if n not in dist]
    depth: dict[str, int] = {}

    def out_depth(n: str, seen: tuple[str, ...] = ()) -> int:  # longest path to an output
        if n not in depth:
            cons = [c for c in adjacency[n] if c in rest and n in uses.get(c, []) and c not in seen]
            depth[n] = 1 + max((out_depth(c, seen + (n,)) for c in cons), default=-1)
        return depth[n]

    base = max((dist[n] for n in placed if n in dist), default=0)
    for n in placed:
        row[n] = dist[n] if n in dist else base + 1 + out_depth(n)
    rows: dict[int, list[str]] = {}
    for n in placed:
        rows.setdefault(row[n], []).append(n)
    xs: dict[str, float] = {n: xy[0] for n, xy in anchors.items()}
    for i, n in enumerate(placed):
        xs.setdefault(n, _MARGIN + i * 10.0)

    limit = max(max((x for x, _ in anchors.values()), default=0.0), 1400.0)
    lines: dict[str, int] = {}

    def place(r: int, toward: int) -> None:
        items = rows[r]
        desired = {}
        for n in items:
            nb = [xs[m] for m in adjacency[n] if m in anchors or (row.get(m, -1) - r) * toward > 0]
            nb = nb or [xs[m] for m in adjacency[n]]
            desired[n] = sum(nb) / len(nb) if nb else xs[n]
        items.sort(key=lambda n: (desired[n], placed.index(n)))
        # a row longer than the view wraps into k lines, items dealt round-robin so that
        # every line spans the row's range in the same left-to-right order
        needed = sum(2 * _text_box(n)[0] + 24 for n in items)
        k = max(1, math.ceil(needed / limit))
        for j in range(k):
            line = items[j::k]
            pos, last_w = [], 0.0
            for n in line:
                w = _text_box(n)[0]
                pos.append(desired[n] if not pos else max(desired[n], pos[-1] + last_w + w + 24))
                last_w = w
            if not pos:
                continue
            shift = sum(desired[n] for n in line) / len(line) - sum(pos) / len(pos)
            shift = max(shift, _MARGIN - pos[0])
            for n, x in zip(line, pos):
                xs[n] = x + shift
                lines[n] = j

    order = sorted(rows)
    for sweep in range(4):
        for r in (order if sweep % 2 == 0 else reversed(order)):
            place(r, -1 if sweep % 2 == 0 else 1)
    y = top + 40
    for r in order:
        for n in rows[r]:
            obj = _Obj("shadow" if n in shadows else "variable", n, xs[n], y + lines[n] * _ROW_DY)
            view.node[n] = obj
            view.objects.append(obj)
        y += _ROW_DY * (max(lines[n] for n in rows[r]) + 2)


def _layout(st: ModelStructure) -> list[_View]:
    home = home_views(st)
    views = []
    for sector in st.sectors:
        view = _View(sector)
        members = [n for n in st.variables if home[n] == sector]
        indexed = [(i, p) for i, p in enumerate(st.pipes) if home.get(p.source or p.target) == sector]
        stocks = [n for n in members if st.variables[n].kind == "stock"]
        bottom = _stock_block(view, st, indexed, stocks, _MARGIN)
        # arrows: the references of every variable placed here
        piped = {p.flow: p for _, p in indexed if p.flow is not None}
        unnamed_inputs = {s: set() for s in stocks}
        for _, p in indexed:
            if p.flow is None:
                unnamed_inputs[p.source or p.target].update(p.inputs)
        uses: dict[str, list[str]] = {}
        for n in members:
            us = list(st.variables[n].uses)
            if st.variables[n].kind == "stock":
                on_pipes = {p.flow for _, p in indexed if n in (p.source, p.target)}
                us = [u for u in us if u not in on_pipes and (u not in unnamed_inputs[n] or u == n)]
                us = [u for u in us if u != n]
            uses[n] = us
        for i, p in indexed:
            if p.flow is None:
                uses[f"#valve{i}"] = list(p.inputs)
        others = [n for n in members if n not in view.node]
        needed = [u for us in uses.values() for u in us if u not in view.node and u not in others]
        shadows = list(dict.fromkeys(needed))
        _variable_block(view, others, shadows, uses, bottom + _BAND_GAP)
        for n, us in uses.items():
            target = view.valves[int(n[6:])] if n.startswith("#valve") else (
                view.valves[next(i for i, p in indexed if p.flow == n)] if n in piped else view.node[n])
            for u in us:
                view.arrows.append((view.node[u], target))
        views.append(view)
    return views


# --------------------------------------------------------------------------------------
# Sketch text
# --------------------------------------------------------------------------------------


def _name(name: str) -> str:
    """A name as the sketch writes it: quoted if it holds characters outside Vensim's plain names."""
    plain = all(ch.isalnum() or ch in " _$'" for ch in name)
    return name if plain else '"' + name.replace('"', '\\"') + '"'


def _view_text(view: _View) -> str:
    lines = [_HEADER + f"*{view.name}", _FONT]
    for i, obj in enumerate(view.objects, start=1):
        obj.id = i
    nxt = len(view.objects) + 1
    for obj in view.objects:
        x, y = round(obj.x), round(obj.y)
        if obj.kind == "stock":
            w, h = _text_box(obj.name, stock=True)
            w = round(max(w, obj.w))
            lines.append(f"10,{obj.id},{_name(obj.name)},{x},{y},{w},{h},3,3,0,0,0,0,0,0")
        elif obj.kind == "flow":
            w, h = _text_box(obj.name)
            lines.append(f"10,{obj.id},{_name(obj.name)},{x},{y},{w},{h},40,3,0,0,-1,0,0,0")
        elif obj.kind == "variable":
            w, h = _text_box(obj.name)
            lines.append(f"10,{obj.id},{_name(obj.name)},{x},{y},{w},{h},8,3,0,0,0,0,0,0")
        elif obj.kind == "shadow":
            w, h = _text_box(obj.name)
            lines.append(f"10,{obj.id},{_name(obj.name)},{x},{y},{w},{h},8,2,0,3,-1,0,0,0,"
                         "128-128-128,0-0-0,|12||128-128-128")
        elif obj.kind == "valve":
            lines.append(f"11,{obj.id},48,{x},{y},6,8,{2 if obj.unnamed else 34},3,0,0,1,0,0,0")
        elif obj.kind == "cloud":
            lines.append(f"12,{obj.id},48,{x},{y},10,8,0,3,0,0,-1,0,0,0")
    for valve, end, head in view.pipe_lines:
        ex, ey = end.x, end.y
        if end.kind == "stock" and abs(valve.x - end.x) > 1 and abs(valve.y - end.y) > 1:
            # a vertical pipe off the stock's centre: it meets the box's edge above or below the valve
            ex, ey = valve.x, end.y + math.copysign(_text_box(end.name, stock=True)[1], valve.y - end.y)
        mx, my = round((valve.x + ex) / 2), round((valve.y + ey) / 2)
        lines.append(f"1,{nxt},{valve.id},{end.id},{4 if head else 100},0,0,22,0,0,0,-1--1--1,,1|({mx},{my})|")
        nxt += 1
    for src, dst in view.arrows:
        mx, my = round((src.x + dst.x) / 2), round((src.y + dst.y) / 2)
        lines.append(f"1,{nxt},{src.id},{dst.id},0,0,0,0,0,128,0,-1--1--1,,1|({mx},{my})|")
        nxt += 1
    return "\n".join(lines) + "\n"


def generate_sketch(mdl_path: str | Path = MODEL_PATH) -> str:
    """The sketch section (from ``\\\\\\---///`` up to, not including, ``///---\\\\\\``)."""
    return "".join(_view_text(v) for v in _layout(model_structure(str(mdl_path))))


def rewrite_sketch(text: str, sketch: str) -> str:
    """``text`` (a model file) with its sketch section replaced by ``sketch``."""
    start = text.find(SKETCH_START)
    if start < 0:
        body, tail = text.rstrip("\n") + "\n\n", SKETCH_END + "\n:L<%^E!@\n"
    else:
        end = text.find(SKETCH_END, start)
        body, tail = text[:start], (text[end:] if end >= 0 else SKETCH_END + "\n:L<%^E!@\n")
    return body + sketch + tail


def main(argv: list[str] | None = None) -> int:
    """``python -m models.sketch [--write | --check] [MODEL.mdl]``."""
    parser = argparse.ArgumentParser(prog="python -m models.sketch", description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", type=Path, default=MODEL_PATH, help="Vensim model file")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the sketch section of the file")
    mode.add_argument("--check", action="store_true", help="exit 1 if the sketch is out of date")
    args = parser.parse_args(argv)
    text = args.model.read_text(encoding="utf-8")
    new = rewrite_sketch(text, generate_sketch(args.model))
    if args.check:
        if new != text:
            print(f"{args.model}: the sketch is out of date; run python -m models.sketch --write", file=sys.stderr)
            return 1
        return 0
    if args.write:
        if new != text:
            args.model.write_text(new, encoding="utf-8")
            print(f"{args.model}: sketch rewritten ({new.count('*', new.find(SKETCH_START))} views)")
        return 0
    sys.stdout.write(generate_sketch(args.model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
