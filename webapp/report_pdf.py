"""The PDF scenario report: a title page with the assumptions, turning-point and target
tables (ruled tables with wrapped cells, not text lines), the four charts and the data
sources (Markdown rendered as headings, paragraphs, bullets and tables).

Pages are A4 matplotlib figures on an Agg canvas (no pyplot state), written with
``PdfPages``; Chinese text uses the CJK font found by :mod:`webapp.figures`.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import unicodedata
from typing import Sequence

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from analysis import turning_points as tpmod
from webapp.figures import CHART_KEYS, chart_figure, export_lang, tp_table
from webapp.i18n import t

A4 = (8.27, 11.69)
LEFT, RIGHT, TOP, BOTTOM = 0.07, 0.93, 0.94, 0.05
#: Text width of a page in "half-width characters" at 9 pt (a CJK character counts 2).
PAGE_CHARS = 118


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap_cell(text: str, chars: int) -> list[str]:
    """Wrap ``text`` to ``chars`` half-width characters (CJK characters count 2)."""
    out: list[str] = []
    for para in str(text).splitlines() or [""]:
        line = ""
        for token in re.findall(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]|[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+\s*|\s+", para):
            if _width(line + token) > chars and line:
                out.append(line.rstrip())
                line = token.lstrip()
                while _width(line) > chars:  # a single very long token
                    cut = max(1, len(line) * chars // max(_width(line), 1))
                    out.append(line[:cut])
                    line = line[cut:]
            else:
                line += token
        out.append(line.rstrip())
    return out or [""]


class _Pages:
    """Flowing layout of text and tables over A4 pages."""

    def __init__(self, pdf: PdfPages, title: str) -> None:
        self.pdf, self.title = pdf, title
        self.fig: Figure | None = None
        self.y = TOP

    def _new(self) -> None:
        self.flush()
        self.fig = Figure(figsize=A4)
        FigureCanvasAgg(self.fig)
        self.fig.text(LEFT, 0.975, self.title, fontsize=8, color="#868e96", va="top")
        self.y = TOP

    def flush(self) -> None:
        if self.fig is not None:
            self.pdf.savefig(self.fig)
            self.fig = None

    def _room(self, h: float) -> None:
        if self.fig is None or self.y - h < BOTTOM:
            self._new()

    def text(self, text: str, size: float = 9.0, bold: bool = False, color: str = "#212529",
             indent: float = 0.0, gap: float = 0.25) -> None:
        chars = int(PAGE_CHARS * 9.0 / size * (RIGHT - LEFT - indent) / (RIGHT - LEFT))
        line_h = size * 1.45 / 72 / A4[1]
        for line in wrap_cell(text, chars):
            self._room(line_h)
            assert self.fig is not None
            self.fig.text(LEFT + indent, self.y, line, fontsize=size, weight="bold" if bold else "normal",
                          color=color, va="top")
            self.y -= line_h
        self.y -= line_h * gap

    def heading(self, text: str, level: int = 1) -> None:
        size = {1: 16, 2: 12.5, 3: 10.5}.get(level, 10)
        self._room(size * 4 / 72 / A4[1])
        self.y -= size * 0.4 / 72 / A4[1]
        self.text(text, size=size, bold=True, gap=0.35)

    def table(self, df: pd.DataFrame, widths: Sequence[float] | None = None, size: float = 7.5) -> None:
        """A ruled table; ``widths`` are relative column widths; rows never split."""
        cols = [str(c) for c in df.columns]
        widths = list(widths or [1.0] * len(cols))
        total = sum(widths)
        fracs = [w / total * (RIGHT - LEFT) for w in widths]
        chars = [max(4, int(PAGE_CHARS * 9.0 / size * f / (RIGHT - LEFT)) - 1) for f in fracs]
        line_h = size * 1.4 / 72 / A4[1]

        def cells(values: Sequence[object]) -> list[list[str]]:
            return [wrap_cell(_cell(v), c) for v, c in zip(values, chars)]

        def draw(parts: list[list[str]], bold: bool, shade: bool) -> None:
            h = max(len(p) for p in parts) * line_h + line_h * 0.5
            self._room(h)
            assert self.fig is not None
            if shade:
                self.fig.patches.append(_rect(self.fig, LEFT, self.y - h, RIGHT - LEFT, h, "#f1f3f5"))
            x = LEFT
            for lines, f in zip(parts, fracs):
                for i, line in enumerate(lines):
                    self.fig.text(x + 0.004, self.y - line_h * (0.25 + i), line, fontsize=size, va="top",
                                  weight="bold" if bold else "normal")
                x += f
            self.y -= h
            self.fig.lines.append(_hline(self.fig, self.y))

        header = cells(cols)
        draw(header, True, True)
        for _, row in df.iterrows():
            if self.fig is not None and self.y - line_h * 3 < BOTTOM:
                self._new()
                draw(header, True, True)
            draw(cells(list(row.to_numpy())), False, False)
        self.y -= line_h


def _cell(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)


def _hline(fig: Figure, y: float):
    from matplotlib.lines import Line2D

    return Line2D([LEFT, RIGHT], [y, y], transform=fig.transFigure, color="#ced4da", lw=0.5)


def _rect(fig: Figure, x: float, y: float, w: float, h: float, color: str):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, transform=fig.transFigure, color=color, zorder=-1)


# ------------------------------------------------------------------ Markdown
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def _inline(text: str) -> str:
    """Markdown inline markup to plain text: links as 'text (url)', no emphasis marks."""
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)\*(?!\w)", r"\1", text)
    return text.replace("&nbsp;", " ").strip()


def render_markdown(pages: _Pages, text: str) -> None:
    """Headings, paragraphs, bullet lists and pipe tables of a Markdown document."""
    lines = text.splitlines()
    i, para = 0, []

    def flush_para() -> None:
        if para:
            pages.text(_inline(" ".join(para)))
            para.clear()

    while i < len(lines):
        line = lines[i].rstrip()
        if line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|?\s*:?-{2,}", lines[i + 1].strip()):
            flush_para()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append([_inline(c) for c in lines[i].strip().strip("|").split("|")])
                i += 1
            head, body = rows[0], [r for r in rows[2:]]
            n = len(head)
            body = [(r + [""] * n)[:n] for r in body]
            pages.table(pd.DataFrame(body, columns=head), size=6.5)
            continue
        m = re.match(r"^(#{1,4})\s+(.*)", line)
        if m:
            flush_para()
            pages.heading(_inline(m.group(2)), min(3, len(m.group(1)) + 1))
        elif re.match(r"^\s*([-*+]|\d+\.)\s+", line):
            flush_para()
            indent = min(0.06, 0.02 * (len(line) - len(line.lstrip())) / 2)
            pages.text("• " + _inline(re.sub(r"^\s*([-*+]|\d+\.)\s+", "", line)), indent=0.015 + indent, gap=0.1)
        elif not line.strip():
            flush_para()
        elif line.strip().startswith("```"):
            flush_para()
        else:
            para.append(line.strip())
        i += 1
    flush_para()


def pdf_report(*, title: str, scenario_name: str, start_name: str, res: pd.DataFrame,
               tps: tpmod.TurningPointTable, targets: pd.DataFrame, assumptions: pd.DataFrame,
               sources_text: str, lang: str, baseline: pd.DataFrame | None = None) -> bytes:
    """The PDF report (``targets`` and ``assumptions``: the display tables of the page)."""
    lang = export_lang(lang)
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": title, "Creator": "territorial-carbon-sd app"}) as pdf:
        pages = _Pages(pdf, f"{t('app_title', lang)} — {title}")
        pages.heading(f"{title}: {scenario_name}", 1)
        pages.text(f"{t('start_scenario', lang)}: {start_name}")
        pages.text(f"{t('report_generated', lang)}: {_dt.datetime.now():%Y-%m-%d %H:%M}", color="#495057")
        pages.heading(t("report_assumptions", lang), 2)
        if len(assumptions):
            pages.table(assumptions, widths=[3, 3, 1.2, 1.2, 1.6])
        else:
            pages.text(t("report_no_changes", lang))
        pages.heading(t("turning_points", lang), 2)
        tp = tp_table(tps, lang).drop(columns=[t("col_key", lang)])
        pages.table(tp, widths=[2.2, 0.9, 1.1, 1.5, 1.1, 4])
        pages.heading(t("targets", lang), 2)
        pages.table(targets, widths=[2.6, 1, 1, 0.9, 2.2, 0.9, 3])
        pages.flush()
        for key in CHART_KEYS:
            pdf.savefig(chart_figure(key, res, tps, lang, baseline))
        if sources_text:
            pages.heading(t("report_sources", lang), 1)
            if lang == "zh":
                pages.text(t("report_sources_note", lang), color="#495057")
            render_markdown(pages, sources_text)
        pages.flush()
    return buf.getvalue()

