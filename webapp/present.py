"""Present page (workshop mode): one chart at a time, or the scenario story.

In workshop mode (large fonts) the page is laid out to fit a 1920×1080 projector
screen without scrolling: the controls share one row, the step's turning points sit
beside its title, and the story chart and its table stand side by side.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from analysis import turning_points as tpmod
from webapp import cache, charts, core, state
from webapp.explore import lever_labels, outcome_of, reference_outcome, signature, start_outcome
from webapp.i18n import t

SS = st.session_state
VIEWS = ("story", "emissions", "land", "population", "forest")
#: Total height (px) of a chart in workshop mode at 1080 px screen height.
BIG_CHART_HEIGHT = 560

LARGE_FONT_CSS = """
<style>
[data-testid="stMainBlockContainer"] {padding-top: 3.8rem; padding-bottom: 1rem;}
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li,
[data-testid="stMainBlockContainer"] td, [data-testid="stMainBlockContainer"] th {font-size: 1.3rem !important;}
[data-testid="stMainBlockContainer"] h2 {font-size: 2.1rem !important; padding: 0.2rem 0 !important;}
[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] p {font-size: 2.6rem !important; line-height: 1.15;}
[data-testid="stMainBlockContainer"] [data-testid="stMetricDelta"] p {font-size: 1.2rem !important;}
[data-testid="stMainBlockContainer"] [data-testid="stMetricLabel"] p {font-size: 1.2rem !important;}
[data-testid="stTable"] td, [data-testid="stTable"] th {font-size: 1.2rem !important; padding: 0.35rem 0.5rem !important;}
</style>
"""


def present(lang: str) -> None:
    big = st.toggle(t("workshop_mode", lang), value=True, key="workshop")
    if big:
        st.markdown(LARGE_FONT_CSS, unsafe_allow_html=True)
    names = {"story": t("view_story", lang), "emissions": t("chart_emissions", lang), "land": t("chart_land", lang),
             "population": t("chart_population", lang), "forest": t("chart_forest", lang)}
    vkey = state.lang_key("present_view", lang)
    if SS.get(vkey) not in VIEWS:
        SS[vkey] = "story"
    # the views on a row of their own: beside the toggle, five labels in large fonts ran past a
    # 1600-px screen in English
    view = st.segmented_control(t("present_view", lang), VIEWS, key=vkey, format_func=names.get, required=True,
                                label_visibility="collapsed")
    state.remember("present_view", view)
    if not big:
        st.title(t("page_present", lang))
        st.caption(t("present_intro", lang))
    sig = signature(state.key())
    out = outcome_of(state.values())
    ref, start = reference_outcome(), start_outcome()
    if view == "emissions":
        st.vega_lite_chart(charts.emissions_chart(out.results, out.turning_points, lang, ref.results, sig, big=big,
                                                  start=None if start is None else start.results),
                           width="stretch", theme=None if big else "streamlit")
    elif view == "land":
        st.vega_lite_chart(charts.land_chart(out.results, lang, sig, big=big), width="stretch",
                           theme=None if big else "streamlit")
    elif view == "population":
        st.vega_lite_chart(charts.population_chart(out.results, lang, sig, big=big), width="stretch",
                           theme=None if big else "streamlit")
    elif view == "forest":
        st.vega_lite_chart(charts.forest_chart(out.results, lang, sig, big=big), width="stretch",
                           theme=None if big else "streamlit")
    else:
        story(lang, big)


def _step_delta(delta: int) -> None:
    SS["story_step"] = int(SS.get("story_step", 0)) + delta


def story(lang: str, big: bool) -> None:
    model = cache.model()
    specs = cache.specs()
    sid = state.start_id()
    start = state.start_values(sid)
    doc = state.start_doc(sid)
    start_label = {lg: (doc.title(lg) if doc is not None else sid) for lg in ("zh", "en")}
    steps, from_current = core.story_steps(start, state.values(), lever_labels(), [s.name for s in specs], model,
                                           start_label)
    last = len(steps) - 1
    SS["story_step"] = int(min(max(int(SS.get("story_step", 0)), 0), last))
    c1, c2, c3 = st.columns([1.7, 6, 1.3], vertical_alignment="center")  # room for "◄ Previous" in large fonts
    c1.button(t("story_prev", lang), on_click=_step_delta, args=(-1,), disabled=SS["story_step"] <= 0, key="story_prev")
    c3.button(t("story_next", lang), on_click=_step_delta, args=(1,), disabled=SS["story_step"] >= last, key="story_next")
    step = c2.slider(t("story_step", lang), 0, last, key="story_step", help=t(
        "story_source_current" if from_current else "story_source_default", lang))
    outcomes = [outcome_of(v) for _, v in steps[: step + 1]]
    # metric columns wide enough for "Net-stock turning point" and, in the last (neutrality),
    # "not reached" in large fonts on a 1440-px screen
    head, *cols = st.columns([1.7, 1.2, 1.2, 1.5], vertical_alignment="bottom")
    head.subheader(f"{t('story_step', lang)} {step}: {steps[step][0][lang]}")
    years, byears = outcomes[-1].tp_years(), outcomes[0].tp_years()
    texts = outcomes[-1].tp_texts(lang)
    for col, k in zip(cols, ("tp3", "tp5", "neutrality")):
        y, b = years[k], byears[k]
        delta = None if (math.isnan(y) or math.isnan(b) or y == b) else f"{y - b:+.0f}"
        # the name without its bracketed alias ("碳排放总量达峰（碳达峰）" -> "碳排放总量达峰", the full
        # name heads the table below), which large type cut off in a quarter of the page
        col.metric(tpmod.NAMES[k][lang].split("（")[0], texts[k], delta=delta, delta_color="inverse")
    # short legend names (the table beside the chart says what each step adds)
    runs = [(f"{t('story_step', lang)} {i}", o.results) for i, o in enumerate(outcomes)]
    chart = charts.overlay_chart(runs, "net emissions", t("axis_emissions", lang), lang, signature=f"step{step}",
                                 big=big, title=t("chart_story", lang), highlight=runs[-1][0],
                                 height=BIG_CHART_HEIGHT if big else None)
    rows = []
    for i, (label, _) in enumerate(steps[: step + 1]):
        step_texts = outcomes[i].tp_texts(lang)
        rows.append({t("story_step", lang): f"{i}：{label[lang].removeprefix('+ ')}" if lang == "zh"
                     else f"{i}: {label[lang].removeprefix('+ ')}",
                     **{tpmod.NAMES[k][lang]: step_texts[k] for k in ("tp3", "tp5", "neutrality")}})
    table = pd.DataFrame(rows)
    if big:  # chart and table side by side: the whole story fits one projector screen
        left, right = st.columns([1.35, 1])
        left.vega_lite_chart(chart, width="stretch", key="story_chart", theme=None)
        right.subheader(t("story_table", lang))
        # turning-point cells at least as wide as "未达到" in large type: the step names wrap, not
        # the years (a Chinese text may otherwise break after every character)
        styled = table.set_index(t("story_step", lang)).style.set_properties(**{"min-width": "4.5em"})
        right.table(styled)
    else:
        st.vega_lite_chart(chart, width="stretch", key="story_chart")
        st.subheader(t("story_table", lang))
        st.dataframe(table, hide_index=True, placeholder="—", key="story_table")
