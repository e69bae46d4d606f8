"""The model's stock-and-flow diagram as data, read from the sketch of the Vensim file.

The sketch section of ``models/territorial_carbon.mdl`` (written by
:mod:`models.sketch`, or by Vensim after a modeller moved things) is the one source of
the diagram: :func:`read_views` parses it into plain view data that a front end can
draw without parsing the model again — the app's Model page, or any plotting code::

    for view in read_views():
        for node in view.nodes:        # stocks, flows, variables, shadows, valves, clouds
            ...node.kind, node.name, node.x, node.y, node.w, node.h
        for pipe in view.pipes:        # valve -> source / target (node ids), flow name
            ...
        for arrow in view.arrows:      # dependency: tail node id -> head node id
            ...

Coordinates are Vensim's (pixels at 100 % zoom, y downwards, ``x, y`` the centre,
``w, h`` half width and half height). :func:`views_as_dicts` gives the same as JSON-ready
dicts.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path

from models.model import MODEL_PATH

__all__ = ["Node", "PipeEnd", "Arrow", "View", "read_views", "parse_sketch", "views_as_dicts"]

_START = "\\\\\\---///"
_END = "///---\\\\\\"


@dataclass(frozen=True)
class Node:
    """An object of a view.

    ``kind``: ``stock``, ``flow`` (the name on a valve), ``variable`` (auxiliary or
    constant), ``shadow`` (a variable of another view, drawn grey), ``valve`` (``name``
    is the flow's, empty for an unnamed rate) or ``cloud`` (the model boundary).
    """

    id: int
    kind: str
    name: str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class PipeEnd:
    """One segment of a pipe: from the valve to a stock or cloud; ``head`` if the flow
    runs into that end (arrowhead), else the end the flow comes from."""

    valve: int
    end: int
    head: bool


@dataclass(frozen=True)
class Arrow:
    """A causal (information) arrow from node ``tail`` to node ``head``."""

    tail: int
    head: int


@dataclass
class View:
    """One view: its name (the sector), nodes, pipe segments and arrows."""

    name: str
    nodes: list[Node] = field(default_factory=list)
    pipes: list[PipeEnd] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)

    def node(self, node_id: int) -> Node:
        return self._index()[node_id]

    def _index(self) -> dict[int, Node]:
        return {n.id: n for n in self.nodes}

    def placed(self) -> list[str]:
        """Names of the variables placed in this view (stocks, flows, variables; not shadows)."""
        return [n.name for n in self.nodes if n.kind in ("stock", "flow", "variable")]


def _name(field_text: str) -> str:
    text = field_text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].replace('\\"', '"')
    return " ".join(text.split())


def parse_sketch(sketch: str) -> list[View]:
    """Views of a sketch section (the text between ``\\\\\\---///`` and ``///---\\\\\\``)."""
    views: list[View] = []
    view: View | None = None
    valve_ids: set[int] = set()
    links: dict[int, list[tuple[int, int, int, int]]] = {}  # view -> (tail, head, shape, thickness)
    for line in sketch.splitlines():
        if line.startswith("*") and not line.startswith("**"):
            view = View(line[1:].strip())
            views.append(view)
            valve_ids = set()
            continue
        if view is None or not line.split(",", 1)[0].isdigit():
            continue
        f = next(csv.reader([line.split("|", 1)[0]], skipinitialspace=False))
        code = f[0]
        if code in ("10", "11", "12") and len(f) >= 9:
            oid, x, y, w, h, shape, bits = int(f[1]), float(f[3]), float(f[4]), float(f[5]), float(f[6]), \
                int(f[7]), int(f[8])
            if code == "10":
                if shape == 3:
                    kind = "stock"
                elif shape & 32 and (oid - 1) in valve_ids:
                    kind = "flow"
                else:
                    kind = "shadow" if bits % 2 == 0 else "variable"
                view.nodes.append(Node(oid, kind, _name(f[2]), x, y, w, h))
            elif code == "11":
                valve_ids.add(oid)
                view.nodes.append(Node(oid, "valve", "", x, y, w, h))
            elif code == "12" and f[2] == "48":
                view.nodes.append(Node(oid, "cloud", "", x, y, w, h))
        elif code == "1" and len(f) >= 8:
            links.setdefault(id(view), []).append((int(f[2]), int(f[3]), int(f[4]), int(f[7])))
    for v in views:
        valves = {n.id for n in v.nodes if n.kind == "valve"}
        for tail, head, shape, thickness in links.get(id(v), []):  # a pipe may precede its valve
            if tail in valves and thickness == 22:
                v.pipes.append(PipeEnd(tail, head, shape != 100))
            else:
                v.arrows.append(Arrow(tail, head))
        index = v._index()  # name the valves after their flows
        v.nodes = [Node(n.id, n.kind, index[n.id + 1].name if n.kind == "valve" and n.id + 1 in index
                        and index[n.id + 1].kind == "flow" else n.name, n.x, n.y, n.w, n.h) for n in v.nodes]
    return views


def read_views(mdl_path: str | Path = MODEL_PATH) -> list[View]:
    """The views of a Vensim model file's sketch (empty if the file has no sketch)."""
    text = Path(mdl_path).read_text(encoding="utf-8")
    start = text.find(_START)
    if start < 0:
        return []
    end = text.find(_END, start)
    return parse_sketch(text[start:end if end >= 0 else len(text)])


def views_as_dicts(mdl_path: str | Path = MODEL_PATH) -> list[dict]:
    """:func:`read_views` as JSON-ready dicts: ``{name, nodes, pipes, arrows}``."""
    return [asdict(v) for v in read_views(mdl_path)]
