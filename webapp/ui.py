"""Page frame: sidebar (language, page, starting scenario, levers) and error guard."""

from __future__ import annotations

import hashlib
import logging
import math
import re

import streamlit as st

from webapp import cache, core, state, views
from webapp.i18n import LANG_LABELS, LANGS, t, unit_label
from webapp.levers import GROUPS, specs_by_group

log = logging.getLogger(__name__)
SS = st.session_state

def signature(key) -> str:
    """Short id of a scenario (shown under charts and in their descriptions)."""
    return hashlib.sha1(repr(key).encode()).hexdigest()[:8]


def main() -> None:
    try:
        state.init_session()
        state.ensure_sliders()
        lang = sidebar()
        if lang == "zh":
            st.markdown(UPLOADER_ZH_CSS, unsafe_allow_html=True)
        show_messages()
        page = SS.get("page", state.DEFAULT_PAGE)
        guard(lambda: views.PAGES[page](lang), lang)
        state.sync_url()
    except Exception as err:  # last line of defence: never a traceback for the user
        log.exception("page failed")
        st.error(plain(t("error_generic", state.lang(), msg=_short(err))))


def _short(err: Exception) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    text = text[:300]
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def guard(fn, lang: str) -> None:
    try:
        fn()
    except Exception as err:
        log.exception("page section failed")
        st.error(plain(t("error_generic", lang, msg=_short(err))))


#: Chinese text for Streamlit's file uploader (its own strings are English only).
UPLOADER_ZH_CSS = """
<style>
[data-testid="stFileUploaderDropzoneInstructions"] > div > span, [data-testid="stFileUploaderDropzoneInstructions"] > div > small {display: none;}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {content: "或将文件拖放到此处"; font-size: 0.85rem;}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {display: none;}
[data-testid="stFileUploaderDropzone"] button span[data-has-shortcut]::after {content: "选择文件"; font-size: 0.9rem;}
</style>
"""


def show_messages() -> None:
    """Messages of callbacks (uploads, links): shown as plain text, never as Markdown."""
    for kind, text in SS.pop("messages", []):
        getattr(st, kind if kind in ("error", "warning", "info", "success") else "info")(plain(text))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&%@/])")


def plain(text: str) -> str:
    """``text`` escaped so that Markdown shows it literally (no links, emphasis or HTML).

    Backslash escapes stop Markdown syntax; a zero-width space stops the automatic
    links of bare URLs and e-mail addresses (which ignore escapes)."""
    text = str(text).replace("://", ":\u200b//").replace("www.", "www\u200b.").replace("@", "\u200b@")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def sidebar() -> str:
    sb = st.sidebar
    sb.radio(t("language", SS.get("lang", "zh")), LANGS, key="lang", horizontal=True,
             format_func=lambda code: LANG_LABELS[code])
    lang = state.lang()
    sb.title(t("app_title", lang))
    page = sb.radio(t("page", lang), state.PAGES, key=state.lang_key("w::page", lang, "page"),
                    format_func=lambda p: t(f"page_{p}", lang))
    SS["page"] = page
    if page in ("explore", "compare", "history", "sensitivity", "present"):
        start_selector(lang)
    if page in ("explore", "compare"):
        lever_panel(lang)
    return lang


def start_selector(lang: str) -> None:
    docs = state.start_docs()
    ids = [d.id for d in docs]
    titles = {d.id: (t("start_baseline_label", lang) if d.id == "baseline" and d.path is None else d.title(lang))
              for d in docs}
    current = SS.get("start", "baseline")
    if current not in ids:
        ids.append(current)
        titles[current] = current
    st.sidebar.selectbox(t("start_scenario", lang), ids, key=state.lang_key(state.START_WIDGET, lang, "start"), format_func=lambda i: titles.get(i, i),
                         help=t("start_scenario_help", lang), on_change=state.on_start)
    desc = next((d.text(lang) for d in docs if d.id == SS.get("start")), "")
    if desc:
        st.sidebar.caption(plain(desc))
    start = next((d for d in docs if d.id == SS.get("start")), None)
    if start is not None and start.data:
        items = "; ".join(f"{core.var_label(name, lang)} {entry.years[0]}–{entry.years[-1]} ({entry.source[lang]})"
                          for name, entry in start.data.items())
        st.sidebar.caption(plain(t("data_inputs_caption", lang, items=items)))
    ref = state.reference_id()
    ref_title = titles.get(ref, ref) if ref != SS.get("start") else t("ref_is_start", lang)
    st.sidebar.caption(t("reference_caption", lang, name=ref_title))
    st.sidebar.button(t("reset", lang), help=t("reset_help", lang), on_click=state.on_reset, key="reset_btn",
                      width="stretch")


def lever_panel(lang: str) -> None:
    sb = st.sidebar
    sb.subheader(t("levers", lang), help=t("levers_help", lang))
    changed_names = state.changed_from_baseline()
    sb.caption(t("changed_count", lang, n=len(changed_names)))
    groups = specs_by_group(cache.specs())
    scales = state.lever_scales()
    size = state.region_size()
    for spec in groups["timing"]:
        _slider(sb, spec, lang, scales, size)
    for group in GROUPS[1:]:
        specs = groups[group]
        changed = sum(1 for s in specs if s.name in changed_names)
        label = t(f"group_{group}", lang) + (f"  ·  {changed}" if changed else "")
        with sb.expander(label, expanded=(group == "forest"), key=f"grp::{group}"):
            for policy in (True, False):
                part = [s for s in specs if s.policy == policy]
                if not part:
                    continue
                st.caption(t("policy_levers" if policy else "key_assumptions", lang))
                for spec in part:
                    _slider(st, spec, lang, scales, size)
    others = [n for n in changed_names if n not in {s.name for s in cache.specs()}]
    if others:
        from webapp.core import var_label

        names = ", ".join(var_label(n, lang) for n in others[:6])
        if lang == "zh":  # constants without a Chinese label: names in the tooltip only
            sb.caption(t("other_overrides_count", lang, n=len(others)), help=names)
        else:
            sb.caption(t("other_overrides", lang, n=len(others), names=names))


def _slider(container, spec, lang: str, scales, size) -> None:
    k = state.wkey(spec)
    scale = scales.get(spec.name)
    if scale is not None:  # an absolute lever, shown relative to the region
        cast = float
        kwargs = dict(min_value=scale.minimum, max_value=scale.maximum, step=scale.step)
        label = f"{spec.label_zh if lang == 'zh' else spec.label_en} ({scale.unit(lang)})"
        base = (f"{size.area:,.0f} {unit_label('10^4 ha', lang)}" if "ha" in spec.units
                else f"{size.emissions:,.0f} Mt CO2/{unit_label('yr', lang)}")
        helptext = spec.help(lang) + "\n\n" + t("relative_help", lang, unit=scale.unit(lang), base=base,
                                                  units=unit_label(spec.units, lang))
        fmt = _step_format(scale.step)
    else:
        cast = int if spec.integer else float
        kwargs = dict(min_value=cast(spec.minimum), max_value=cast(spec.maximum), step=cast(spec.step))
        label, helptext, fmt = spec.label(lang), spec.help(lang), spec.fmt()
    # The value is always in session state (state.ensure_sliders); passing it explicitly
    # saves Streamlit from rebuilding the whole session state for every slider to find
    # out whether it is a range slider (quadratic in the number of sliders). The value is
    # not part of a keyed slider's identity, so this does not reset the widget.
    value = cast(min(max(SS[k], kwargs["min_value"]), kwargs["max_value"]))
    container.slider(label, value=value, key=k, help=helptext, format=fmt,
                     on_change=state.on_lever, args=(spec.name, k), **kwargs)


def _step_format(step: float) -> str:
    decimals = max(0, -int(math.floor(math.log10(step)))) if step > 0 else 2
    return f"%.{min(decimals, 6)}f"
