"""The Model page's diagrams (模型结构图): the model's own Vensim views and the stock overview.

The select box offers every view of the model file's sketch (one per sector, names from
the file, shown in the UI language through :func:`webapp.i18n.sector_label`), drawn by
:mod:`webapp.diagram_svg`, and the overview of the stocks with the flows between them
(:mod:`webapp.structure`, land conversions drawn stock to stock), one Graphviz chart
per sector.
"""

from __future__ import annotations

import zlib

import streamlit as st

from analysis.labels import model_comment
from models.diagram import Node, View, read_views
from webapp import cache
from webapp.diagram_svg import view_svg
from webapp.i18n import model_name, sector_label, t, unit_label

__all__ = ["diagram_section", "view_label", "OVERVIEW"]

#: Option of the select box for the stock overview (the others are view names).
OVERVIEW = ":overview"
#: Smallest drawing scale in the default (fit-width) mode; a wider view scrolls sideways.
MIN_SCALE = 0.8
#: Largest drawing scale (a small view is not blown up to the full width).
MAX_SCALE = 1.4


@st.cache_resource(show_spinner=False)
def _views() -> tuple[View, ...]:
    """The views of the model file's sketch (read once per process; never mutated)."""
    return tuple(read_views())


def view_label(option: str, lang: str) -> str:
    """Select-box text of an option: the overview or a view (its sector's name)."""
    if option == OVERVIEW:
        return t("diagram_overview", lang)
    return t("diagram_view", lang, name=sector_label(option, lang))


def _tooltip(lang: str):
    model = cache.model()

    def tip(node: Node) -> str:
        var = model.variables.get(node.name)
        lines = [model_name(node.name, lang)]
        if lang == "zh" or node.kind == "shadow":
            lines.append(node.name)
        if var is not None and var.units:
            lines.append(f"{t('col_unit', lang)}: {unit_label(var.units, lang)}")
        if var is not None and var.comment:
            lines.append(f"{t('col_comment', lang)}: {model_comment(node.name, var.comment, lang)}")
        return "\n".join(lines)

    return tip


@st.cache_data(show_spinner=False, max_entries=64)
def _svg(view_name: str, lang: str) -> str:
    view = next(v for v in _views() if v.name == view_name)
    uid = f"mv{zlib.crc32(f'{view_name}|{lang}'.encode()):08x}"
    return view_svg(view, lambda name: model_name(name, lang), _tooltip(lang), uid=uid,
                    title=sector_label(view_name, lang))


def _html(svg: str, fit: bool) -> str:
    """The SVG in a scrolling frame: the container's width, at least :data:`MIN_SCALE`
    (so the names stay readable) and at most :data:`MAX_SCALE` of Vensim's size; or the
    whole view in the width when ``fit``."""
    width = float(svg.split('data-width="', 1)[1].split('"', 1)[0])
    if fit:
        size = "width:100%;height:auto;"
    else:
        size = f"width:100%;min-width:{width * MIN_SCALE:.0f}px;max-width:{width * MAX_SCALE:.0f}px;height:auto;"
    svg = svg.replace("<svg ", f'<svg style="display:block;{size}" ', 1)
    return (f'<div class="model-diagram" style="overflow:auto;max-height:80vh;border:1px solid #e2e8f0;'
            f'border-radius:6px;background:#fff">{svg}</div>')


def diagram_section(lang: str) -> None:
    """Select box of the diagrams and the chosen one."""
    views = _views()
    options = [v.name for v in views] + [OVERVIEW]
    if st.session_state.get("model_view") not in options:  # the first view with a stock
        st.session_state["model_view"] = next((v.name for v in views if any(n.kind == "stock" for n in v.nodes)),
                                              options[0])
    choice = st.selectbox(t("diagram_select", lang), options, format_func=lambda o: view_label(o, lang),
                          key="model_view", help=t("model_structure_help", lang))
    if choice == OVERVIEW:
        _overview(lang)
        return
    view = next(v for v in views if v.name == choice)
    kinds = [n.kind for n in view.nodes]
    left, right = st.columns([4, 1])
    left.caption(t("diagram_counts", lang, stocks=kinds.count("stock"), flows=kinds.count("valve"),
                   variables=kinds.count("variable"), shadows=kinds.count("shadow")))
    fit = right.toggle(t("diagram_fit", lang), key="model_view_fit")
    # st.markdown keeps inline SVG (st.html's sanitizer drops it); the text is generated
    # here from the model file with every name escaped, and is one line (no Markdown).
    st.markdown(_html(_svg(choice, lang), fit), unsafe_allow_html=True)


def _overview(lang: str) -> None:
    """The stocks and the flows between them, one tab per sector with stocks."""
    from webapp.structure import by_sector, to_dot

    st.caption(t("diagram_overview_help", lang))
    parts = by_sector(cache.stock_flow_structure())
    tabs = st.tabs([sector_label(sec, lang) for sec in parts])
    for tab, part in zip(tabs, parts.values()):
        labels = {n: model_name(n, lang) for n in part.stocks}
        flows = {f: model_name(f, lang) for _, _, fl in part.edges for f in fl}
        with tab:
            st.graphviz_chart(to_dot(part, labels, clusters=False, flow_labels=flows, max_label=0), width="stretch")
