"""Draw one view of the model's Vensim sketch as SVG (模型视图), for the Model page.

The view data come from :func:`models.diagram.read_views` (the sketch section of the
model file, the diagram Vensim opens); this module only draws them, at Vensim's
coordinates, in Vensim's notation:

* a **stock** is a box; a **flow** is a double-line pipe with a valve (an hourglass
  across the pipe) and the flow's name beside it, its arrowhead where the flow goes;
* a **cloud** is a source or sink outside the model boundary;
* an **auxiliary or constant** is its name; a **shadow** (a variable of another view,
  or Time) is its name in grey between angle brackets;
* an **arrow** is a causal dependency, from the variable used to the one using it.

Names are shown through ``label`` (the display name in the UI language) and wrapped to
the text box Vensim keeps for them; every object has a tooltip (``tooltip``). No
Streamlit here: :func:`view_svg` returns the SVG text.
"""

from __future__ import annotations

import html
import math
import unicodedata
from typing import Callable

from models.diagram import Node, View

__all__ = ["view_svg", "wrap_label", "text_width"]

FONT_PX = 12.0
LINE_PX = 14.5
MARGIN = 24.0
_STOCK_FILL, _STOCK_LINE = "#e8f1fb", "#2b6cb0"
_PIPE, _ARROW, _SHADOW, _TEXT = "#4a5568", "#6b7fa8", "#8a8a8a", "#1a202c"
_OPENING = "（「《(<"
_CLOSING = "）」》，、：；。)>"
_FONT = "'Noto Sans CJK SC','WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC',sans-serif"


def _char_px(ch: str) -> float:
    """Approximate advance of a character at :data:`FONT_PX` (CJK full width, Latin ~0.55 em)."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return FONT_PX
    if ch in "il.,:;'|!()[] ":
        return 0.3 * FONT_PX
    if ch.isupper() or ch in "mw—–":
        return 0.7 * FONT_PX
    return 0.55 * FONT_PX


def text_width(text: str) -> float:
    """Approximate width (px) of ``text`` at :data:`FONT_PX`."""
    return sum(_char_px(c) for c in text)


def wrap_label(text: str, max_px: float) -> list[str]:
    """Lines of ``text`` no wider than ``max_px`` (wider only for one unbreakable word).

    Latin text breaks at spaces; Chinese text between any two characters, but never
    before closing punctuation or inside a run of Latin letters and digits."""
    tokens: list[str] = []
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if ch == " ":
            tokens.append(" ")
        elif tokens and tokens[-1][-1] in _OPENING:
            tokens[-1] += ch  # never break after an opening bracket
        elif tokens and not wide and tokens[-1] != " " and not _is_wide(tokens[-1][-1]):
            tokens[-1] += ch  # a Latin word or number
        elif tokens and ch in _CLOSING:
            tokens[-1] += ch  # never break before closing punctuation
        else:
            tokens.append(ch)
    lines = _greedy(tokens, max_px)
    if len(lines) > 1:  # balance the lines (no lone character on the last one)
        target = text_width("".join(tokens)) / len(lines)
        while target < max_px:
            trial = _greedy(tokens, target)
            if len(trial) <= len(lines):
                return trial
            target += FONT_PX / 2
    return lines


def _greedy(tokens: list[str], max_px: float) -> list[str]:
    lines: list[str] = []
    cur = ""
    for tok in tokens:
        trial = cur + tok
        if cur.strip() and text_width(trial.rstrip()) > max_px:
            lines.append(cur.rstrip())
            cur = tok.lstrip()
        else:
            cur = trial
    if cur.strip():
        lines.append(cur.strip())
    return lines or [""]


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


class _Box:
    """A node's drawn extent: centre and half sizes (px)."""

    def __init__(self, x: float, y: float, w: float, h: float) -> None:
        self.x, self.y, self.w, self.h = x, y, w, h

    def edge_towards(self, tx: float, ty: float, pad: float = 2.0) -> tuple[float, float]:
        """Point where the ray from the centre to (tx, ty) leaves the box (plus ``pad``)."""
        dx, dy = tx - self.x, ty - self.y
        if abs(dx) < 1e-9 and abs(dy) < 1e-9:
            return self.x, self.y
        scale = min((self.w + pad) / abs(dx) if dx else math.inf, (self.h + pad) / abs(dy) if dy else math.inf)
        return self.x + dx * scale, self.y + dy * scale


def _text_lines(node: Node, label: str) -> list[str]:
    max_px = max(2 * node.w, 5 * FONT_PX)
    if node.kind == "stock":
        max_px = max(2 * node.w - 8, 4 * FONT_PX)
    return wrap_label(label, max_px)


def view_svg(view: View, label: Callable[[str], str], tooltip: Callable[[Node], str] | None = None,
             uid: str = "v", title: str | None = None) -> str:
    """SVG text of ``view`` (viewBox in Vensim pixels; the caller sets the display size).

    ``label(name)`` gives the display name of a variable; ``tooltip(node)`` the hover
    text of a stock, flow, variable or shadow; ``uid`` makes the ids of the arrowhead
    markers unique on a page; ``title`` is the accessible name of the drawing (default:
    ``label`` of the view's name)."""
    index = {n.id: n for n in view.nodes}
    texts: dict[int, list[str]] = {}
    boxes: dict[int, _Box] = {}
    for n in view.nodes:
        if n.kind in ("stock",):
            lines = _text_lines(n, label(n.name))
            texts[n.id] = lines
            w = max(n.w, max(text_width(s) for s in lines) / 2 + 6)
            h = max(n.h, len(lines) * LINE_PX / 2 + 5)
            boxes[n.id] = _Box(n.x, n.y, w, h)
        elif n.kind in ("flow", "variable", "shadow"):
            name = label(n.name)
            lines = _text_lines(n, f"<{name}>" if n.kind == "shadow" else name)
            texts[n.id] = lines
            boxes[n.id] = _Box(n.x, n.y, max(text_width(s) for s in lines) / 2 + 1, len(lines) * LINE_PX / 2)
        elif n.kind == "valve":
            boxes[n.id] = _Box(n.x, n.y, 7, 9)
        elif n.kind == "cloud":
            boxes[n.id] = _Box(n.x, n.y, 13, 9)
    if not boxes:
        return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 40" data-view="{_esc(view.name)}"></svg>'
    x0 = min(b.x - b.w for b in boxes.values()) - MARGIN
    y0 = min(b.y - b.h for b in boxes.values()) - MARGIN
    x1 = max(b.x + b.w for b in boxes.values()) + MARGIN
    y1 = max(b.y + b.h for b in boxes.values()) + MARGIN
    width, height = x1 - x0, y1 - y0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.0f} {y0:.0f} {width:.0f} {height:.0f}" '
        f'data-width="{width:.0f}" data-height="{height:.0f}" role="img" aria-label="{_esc(title or label(view.name))}" '
        f'font-family="{_FONT}" font-size="{FONT_PX:g}">',
        "<defs>"
        f'<marker id="{uid}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="{_ARROW}"/></marker>'
        "</defs>",
        f'<rect x="{x0:.0f}" y="{y0:.0f}" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
    ]
    vertical = {p.valve for p in view.pipes if p.end in index and p.valve in index
                and abs(index[p.end].y - index[p.valve].y) > abs(index[p.end].x - index[p.valve].x)}
    out += _pipes(view, index, boxes)
    out += _arrows(view, index, boxes, uid)
    for n in view.nodes:
        out += _node(n, texts.get(n.id, []), boxes.get(n.id), tooltip, n.id in vertical)
    out.append("</svg>")
    return "".join(out)


def _pipe_end(valve: Node, end: Node, box: _Box) -> tuple[float, float]:
    """Where a pipe from ``valve`` meets ``end`` (orthogonal pipes meet a box's side)."""
    if end.kind == "cloud":
        return box.edge_towards(valve.x, valve.y, pad=0)
    if abs(valve.y - end.y) <= 1:  # horizontal pipe
        return end.x - math.copysign(box.w, end.x - valve.x), valve.y
    if abs(valve.x - end.x) <= 1 or abs(valve.x - end.x) < box.w:  # vertical pipe (maybe off the centre)
        return valve.x, end.y - math.copysign(box.h, end.y - valve.y)
    return box.edge_towards(valve.x, valve.y, pad=0)


def _pipes(view: View, index: dict[int, Node], boxes: dict[int, _Box]) -> list[str]:
    out = ['<g class="pipes">']
    for p in view.pipes:
        valve, end = index.get(p.valve), index.get(p.end)
        if valve is None or end is None or p.end not in boxes:
            continue
        ex, ey = _pipe_end(valve, end, boxes[p.end])
        out.append(f'<line x1="{valve.x:.1f}" y1="{valve.y:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" stroke="{_PIPE}" '
                   'stroke-width="7"/>')
        out.append(f'<line x1="{valve.x:.1f}" y1="{valve.y:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" stroke="#ffffff" '
                   'stroke-width="3.4"/>')
        if p.head:  # the flow runs into this end: an open arrowhead on the pipe
            ang = math.atan2(ey - valve.y, ex - valve.x)
            tip = (ex, ey)
            back = (ex - 11 * math.cos(ang), ey - 11 * math.sin(ang))
            left = (back[0] + 7 * math.sin(ang), back[1] - 7 * math.cos(ang))
            right = (back[0] - 7 * math.sin(ang), back[1] + 7 * math.cos(ang))
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in (tip, left, right))
            out.append(f'<polygon points="{pts}" fill="#ffffff" stroke="{_PIPE}" stroke-width="1.6"/>')
    out.append("</g>")
    return out


def _arrows(view: View, index: dict[int, Node], boxes: dict[int, _Box], uid: str) -> list[str]:
    out = [f'<g class="arrows" stroke="{_ARROW}" stroke-width="1" fill="none">']
    for a in view.arrows:
        tail, head = boxes.get(a.tail), boxes.get(a.head)
        if tail is None or head is None or a.tail == a.head:
            continue
        sx, sy = tail.edge_towards(head.x, head.y)
        hx, hy = head.edge_towards(tail.x, tail.y, pad=3)
        if math.hypot(hx - sx, hy - sy) < 4:
            continue
        out.append(f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{hx:.1f}" y2="{hy:.1f}" marker-end="url(#{uid}-arrow)"/>')
    out.append("</g>")
    return out


def _tip(node: Node, tooltip: Callable[[Node], str] | None) -> str:
    if tooltip is None or not node.name:
        return ""
    return "<title>" + "&#10;".join(_esc(line) for line in tooltip(node).splitlines()) + "</title>"


def _text(x: float, y: float, lines: list[str], fill: str, weight: str = "normal") -> str:
    top = y - (len(lines) - 1) * LINE_PX / 2
    spans = "".join(f'<tspan x="{x:.1f}" y="{top + i * LINE_PX:.1f}">{_esc(s)}</tspan>' for i, s in enumerate(lines))
    return (f'<text text-anchor="middle" dominant-baseline="central" fill="{fill}" font-weight="{weight}">'
            f"{spans}</text>")


def _node(n: Node, lines: list[str], box: _Box | None, tooltip: Callable[[Node], str] | None,
          vertical: bool = False) -> list[str]:
    if box is None:
        return []
    if n.kind == "stock":
        return [f'<g class="stock">{_tip(n, tooltip)}'
                f'<rect x="{box.x - box.w:.1f}" y="{box.y - box.h:.1f}" width="{2 * box.w:.1f}" '
                f'height="{2 * box.h:.1f}" fill="{_STOCK_FILL}" stroke="{_STOCK_LINE}" stroke-width="1.5"/>'
                f"{_text(n.x, n.y, lines, _TEXT, '600')}</g>"]
    if n.kind == "valve":  # an hourglass standing across the pipe
        x, y = n.x, n.y
        a, b = (8, 6) if vertical else (6, 8)
        corners = ((x - a, y - b), (x + a, y - b), (x - a, y + b), (x + a, y + b)) if not vertical else \
            ((x - a, y - b), (x - a, y + b), (x + a, y - b), (x + a, y + b))
        path = "M" + " L".join(f"{cx:.1f},{cy:.1f}" for cx, cy in corners) + " Z"
        return [f'<g class="valve">{_tip(n, tooltip)}<path d="{path}" fill="#ffffff" stroke="{_PIPE}" '
                'stroke-width="1.4"/></g>']
    if n.kind == "cloud":
        x, y = n.x, n.y
        path = (f"M{x - 9:.1f},{y + 5:.1f} a5,5 0 0 1 1,-9 a6,6 0 0 1 10,-3 a5,5 0 0 1 8,5 "
                f"a4,4 0 0 1 -1,7 z")
        return [f'<path class="cloud" d="{path}" fill="#ffffff" stroke="{_PIPE}" stroke-width="1.3"/>']
    fill = _SHADOW if n.kind == "shadow" else _TEXT
    bg = (f'<rect x="{box.x - box.w - 1:.1f}" y="{box.y - box.h:.1f}" width="{2 * box.w + 2:.1f}" '
          f'height="{2 * box.h:.1f}" fill="#ffffff" fill-opacity="0.85"/>')
    return [f'<g class="{n.kind}">{_tip(n, tooltip)}{bg}{_text(n.x, n.y, lines, fill)}</g>']
