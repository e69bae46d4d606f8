"""The six pages. Each takes the language and renders from session state + caches."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import streamlit as st

from analysis import turning_points as tpmod
from webapp import cache, charts, core, state
from webapp import sensitivity as sens
from webapp.explore import explore, lever_labels, outcome_of, reference_outcome
from webapp.i18n import t, unit_label, year_text
from webapp.levers import SECTOR_GROUPS, SENSITIVITY_DEFAULTS
from webapp.scenario_io import diff_from, overrides_key

SS = st.session_state


def plain(text: str) -> str:
    from webapp.ui import plain as _plain

    return _plain(text)
HIGHLIGHT = "background-color: #fff3bf; font-weight: 600"


def _sig(key) -> str:
    from webapp.ui import signature

    return signature(key)


# =============================================================================== compare
def compare(lang: str) -> None:
    st.title(t("page_compare", lang))
    st.caption(t("compare_intro", lang, n=state.MAX_SAVED))
    saved = SS.get("saved", [])
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    if "save_name" not in SS:
        SS["save_name"] = ""
    c1.text_input(t("save_name", lang), key="save_name",
                  placeholder=f"{t('scenario', lang)} {len(saved) + 1}")
    c2.button(t("save", lang), on_click=state.on_save, args=("save_name",), key="save_btn", type="primary",
              disabled=len(saved) >= state.MAX_SAVED, width="stretch")
    if not saved:
        st.info(t("no_saved", lang))
        return
    st.subheader(t("saved_scenarios", lang))
    model = cache.model()
    for i, s in enumerate(saved):
        a, b, c = st.columns([3, 4, 1], vertical_alignment="center")
        a.markdown(f"**{i + 1}\\. {plain(s['name'])}**")
        b.caption(t("changed_count", lang, n=len(diff_from(state.start_values(state.reference_id(s["start"])),
                                                           s["values"], model))))
        c.button(t("remove", lang), key=f"rm_{i}", on_click=state.on_remove, args=(s["name"],))
    st.button(t("clear_all", lang), key="clear_saved", on_click=state.on_clear)
    outcomes = [(s["name"], outcome_of(s["values"])) for s in saved]
    variable = st.selectbox(t("overlay_variable", lang), core.OVERLAY_VARIABLES, key=state.lang_key("overlay_var", lang),
                            format_func=lambda v: core.var_label(v, lang))
    state.remember("overlay_var", variable)
    unit = unit_label(model.variables[variable].units, lang)
    sig = "|".join(_sig(overrides_key(s["values"])) for s in saved)
    st.vega_lite_chart(charts.overlay_chart([(n, o.results) for n, o in outcomes], variable, unit, lang, signature=sig),
                       width="stretch", key="chart_overlay")
    st.subheader(t("compare_table", lang))
    table = core.comparison_table(outcomes, lang)
    diff = core.differs_from_first(table)
    shown = table.map(lambda v: t("not_reached", lang) if pd.isna(v) else (
        f"{v:.0f}" if float(v).is_integer() else f"{v:,.2f}"))
    styler = shown.style.apply(lambda col: [HIGHLIGHT if d else "" for d in diff[col.name]], axis=0)
    st.dataframe(styler, key="compare_table")
    st.download_button(t("download_csv", lang), table.to_csv().encode("utf-8-sig"), "comparison.csv", "text/csv",
                       key="dl_compare", on_click="ignore")


# =============================================================================== history
def history(lang: str) -> None:
    st.title(t("page_history", lang))
    st.caption(t("history_intro", lang))
    ref = state.reference_id()
    region_data = state.region_history(ref)
    try:
        if region_data is None:
            fit = cache.history(overrides_key(state.start_values(ref)))
        else:
            fit = cache.region_history(overrides_key(state.start_values(ref)), *region_data)
    except Exception as err:  # history file missing or malformed
        st.error(plain(t("history_error", lang, msg=str(err).splitlines()[0] if str(err) else type(err).__name__)))
        return
    doc = state.start_doc(ref)
    st.caption(t("history_of", lang, name=doc.title(lang) if doc is not None else ref))
    model = cache.model()
    st.subheader(t("history_stats", lang), help=t("history_stats_help", lang))
    stats = fit.stats.copy()
    stats.insert(0, t("variable", lang), [core.var_label(v, lang) for v in stats["variable"]])
    if lang == "zh":  # the series code is the English column name of the history file
        stats = stats.drop(columns=["series"])
    stats = stats.drop(columns=["variable"]).rename(columns={"series": t("series", lang), "n": t("history_n", lang),
                                                             "r2": "R²", "r": "r", "theil_u": "Theil U", "um": "U^M",
                                                             "us": "U^S", "uc": "U^C", "mape": "MAPE %",
                                                             "rmspe": "RMSPE %"})
    st.dataframe(stats.round(3), hide_index=True, key="history_stats")
    st.caption(t("history_stats_source", lang, src=fit.stats_source))
    names = list(fit.pairs)
    cols = st.columns(3)
    for i, name in enumerate(names):
        d = fit.descriptions[name]
        title = core.var_label(name, lang)
        unit = unit_label(model.variables[name].units, lang)
        with cols[i % 3]:
            st.altair_chart(charts.history_chart(fit.pairs[name], title, unit, lang), width="stretch")
            st.caption(d[lang])


# =============================================================================== sensitivity
def sensitivity(lang: str) -> None:
    st.title(t("page_sensitivity", lang))
    st.caption(t("sens_intro", lang, cap=f"{sens.MAX_RUNS:,}"))
    specs = {s.name: s for s in cache.specs()}
    labels = {n: s.label_zh if lang == "zh" else s.label_en for n, s in specs.items()}
    default = [n for n in SENSITIVITY_DEFAULTS if n in specs]
    pkey = state.lang_key("sens_params", lang)
    names = st.multiselect(t("sens_params", lang), list(specs), default=None if pkey in SS else default, key=pkey,
                           format_func=lambda n: labels[n])
    state.remember("sens_params", names)
    c1, c2, c3 = st.columns(3)
    mkey = state.lang_key("sens_metric", lang)
    if SS.get(mkey) not in sens.METRICS:
        SS[mkey] = sens.DEFAULT_METRIC
    metric = c1.selectbox(t("sens_metric", lang), sens.METRICS, key=mkey,
                          format_func=lambda m: sens.metric_label(m, lang))
    state.remember("sens_metric", metric)
    method = c2.radio(t("sens_method", lang), ("sobol", "morris"), key="sens_method", horizontal=True,
                      format_func=lambda m: {"sobol": "Sobol", "morris": "Morris"}[m])
    if method == "sobol":
        n = c3.select_slider(t("sens_n_sobol", lang), sens.SOBOL_N, value=8, key="sens_n_sobol")
    else:
        n = c3.select_slider(t("sens_n_morris", lang), sens.MORRIS_R, value=4, key="sens_n_morris")
    k = len(names)
    runs = sens.planned_runs(method, n, k)
    too_many = runs > sens.MAX_RUNS
    if k < 2:
        st.warning(t("sens_need_params", lang))
    elif too_many:
        st.warning(t("sens_too_many", lang, runs=runs, cap=sens.MAX_RUNS))
    else:
        st.caption(t("sens_runs", lang, runs=runs, cap=sens.MAX_RUNS, sec=runs * sens.SECONDS_PER_RUN))
    if metric in sens.YEAR_METRICS:
        st.caption(t("sens_censor_note", lang, c=f"{sens.censor_year():.0f}"))
    if st.button(t("sens_run", lang), type="primary", disabled=(k < 2 or too_many), key="sens_run"):
        bar = st.progress(0.0, text=t("sens_progress", lang, done=0, total=runs))

        def progress(done: int, total: int) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=t("sens_progress", lang, done=done, total=total))

        started = time.perf_counter()
        bounds = [(specs[nm].minimum, specs[nm].maximum) for nm in names]
        result = sens.run(names, bounds, metric, method, n, dict(state.values()), progress=progress)
        SS["sens_result"] = {"result": result, "metric": metric, "method": method,
                             "seconds": time.perf_counter() - started}
    stored = SS.get("sens_result")
    if stored:
        show_sensitivity(stored, labels, lang)


def show_sensitivity(stored: dict, labels: dict, lang: str) -> None:
    result, metric, method = stored["result"], stored["metric"], stored["method"]
    st.success(t("sens_done", lang, runs=result.design.runs, sec=stored["seconds"]))
    st.caption(f"{t('sens_metric', lang)}: {sens.metric_label(metric, lang)}")
    if method == "sobol":
        st.altair_chart(charts.sobol_chart(result.indices, metric, labels, lang), width="stretch", key="sens_chart")
    else:
        st.altair_chart(charts.morris_chart(result.indices, metric, labels, lang), width="stretch", key="sens_chart")
    table = result.indices[result.indices["metric"] == metric].copy()
    table["parameter"] = table["parameter"].map(lambda p: labels.get(p, p))
    st.dataframe(table.drop(columns=["parameter_2"]).round(4), hide_index=True, key="sens_table")
    index = "ST" if method == "sobol" else "mu_star"
    tf = sens.time_frame(result, index)
    tf = tf[np.isfinite(tf["value"])]
    if len(tf):
        st.altair_chart(charts.time_indices_chart(tf, index, labels, lang), width="stretch", key="sens_time_chart")
    with st.expander(t("sens_undefined", lang)):
        st.dataframe(result.undefined, hide_index=True)
    c1, c2 = st.columns(2)
    c1.download_button(t("sens_download", lang), result.indices.to_csv(index=False).encode("utf-8"),
                       f"sensitivity_{method}_{metric}.csv", "text/csv", key="dl_sens", on_click="ignore")
    if result.time_indices is not None:
        c2.download_button(t("sens_download_time", lang),
                           lambda: result.time_indices.to_dataframe().reset_index().to_csv(index=False).encode("utf-8"),
                           f"sensitivity_{method}_time.csv", "text/csv", key="dl_sens_time", on_click="ignore")


# =============================================================================== present
def present(lang: str) -> None:
    big = st.toggle(t("workshop_mode", lang), value=True, key="workshop")
    if big:
        st.markdown(_large_css(), unsafe_allow_html=True)
    st.title(t("page_present", lang))
    st.caption(t("present_intro", lang))
    views = ("story", "emissions", "land", "population", "forest")
    names = {"story": t("view_story", lang), "emissions": t("chart_emissions", lang), "land": t("chart_land", lang),
             "population": t("chart_population", lang), "forest": t("chart_forest", lang)}
    vkey = state.lang_key("present_view", lang)
    if SS.get(vkey) not in views:
        SS[vkey] = "story"
    view = st.segmented_control(t("present_view", lang), views, key=vkey, format_func=names.get, required=True)
    state.remember("present_view", view)
    key = state.key()
    sig = _sig(key)
    out = outcome_of(state.values())
    base = reference_outcome()
    if view == "emissions":
        st.vega_lite_chart(charts.emissions_chart(out.results, out.turning_points, lang, base.results, sig, big=big),
                           width="stretch")
    elif view == "land":
        st.vega_lite_chart(charts.land_chart(out.results, lang, sig, big=big), width="stretch")
    elif view == "population":
        st.vega_lite_chart(charts.population_chart(out.results, lang, sig, big=big), width="stretch")
    elif view == "forest":
        st.vega_lite_chart(charts.forest_chart(out.results, lang, sig, big=big), width="stretch")
    else:
        story(lang, big)


def _large_css() -> str:
    from webapp.ui import LARGE_FONT_CSS

    return LARGE_FONT_CSS


def _step_delta(delta: int) -> None:
    SS["story_step"] = int(SS.get("story_step", 0)) + delta


def story(lang: str, big: bool) -> None:
    model = cache.model()
    specs = cache.specs()
    start = state.start_values(state.start_id())
    start_doc = state.start_doc(state.start_id())
    start_label = {lg: (start_doc.title(lg) if start_doc is not None else state.start_id()) for lg in ("zh", "en")}
    steps, from_current = core.story_steps(start, state.values(), lever_labels(), [s.name for s in specs], model,
                                           start_label)
    st.caption(t("story_source_current" if from_current else "story_source_default", lang))
    last = len(steps) - 1
    SS["story_step"] = int(min(max(int(SS.get("story_step", 0)), 0), last))
    c1, c2, c3 = st.columns([1.7, 6, 1.3], vertical_alignment="center")  # room for "◄ Previous" in large fonts
    c1.button(t("story_prev", lang), on_click=_step_delta, args=(-1,), disabled=SS["story_step"] <= 0, key="story_prev")
    c3.button(t("story_next", lang), on_click=_step_delta, args=(1,), disabled=SS["story_step"] >= last, key="story_next")
    step = c2.slider(t("story_step", lang), 0, last, key="story_step")
    outcomes = [outcome_of(v) for _, v in steps[: step + 1]]
    st.subheader(f"{t('story_step', lang)} {step}: {steps[step][0][lang]}")
    years = outcomes[-1].tp_years()
    byears = outcomes[0].tp_years()
    cols = st.columns(3)
    for col, k in zip(cols, ("tp3", "tp5", "neutrality")):
        y, b = years[k], byears[k]
        delta = None if (math.isnan(y) or math.isnan(b) or y == b) else f"{y - b:+.0f}"
        col.metric(tpmod.NAMES[k][lang], year_text(y, lang), delta=delta, delta_color="inverse")
    runs = [(f"{i}. {steps[i][0][lang]}"[:60], o.results) for i, o in enumerate(outcomes)]
    st.vega_lite_chart(
        charts.overlay_chart(runs, "net emissions", t("axis_emissions", lang), lang, signature=f"step{step}", big=big,
                             title=t("chart_story", lang), highlight=runs[-1][0]),
        width="stretch", key="story_chart")
    st.subheader(t("story_table", lang))
    rows = []
    for i, (label, _) in enumerate(steps[: step + 1]):
        yrs = outcomes[i].tp_years()
        rows.append({t("story_step", lang): f"{i}. {label[lang]}",
                     **{tpmod.NAMES[k][lang]: year_text(yrs[k], lang) for k in core.TP_MARKED}})
    table = pd.DataFrame(rows)
    if big:  # HTML table: follows the large workshop fonts
        st.table(table.set_index(t("story_step", lang)))
    else:
        st.dataframe(table, hide_index=True, key="story_table")


# =============================================================================== model
def model_page(lang: str) -> None:
    st.title(t("page_model", lang))
    st.caption(t("model_intro", lang))
    model = cache.model()
    st.subheader(t("model_structure", lang), help=t("model_structure_help", lang))
    from webapp.structure import to_dot

    from webapp.i18n import sector_label
    from webapp.structure import by_sector

    sf = cache.stock_flow_structure()
    labels = {n: (core.var_label(n, lang) if lang == "zh" else n) for n in sf.stocks}
    parts = by_sector(sf)
    tabs = st.tabs([sector_label(sec, lang) for sec in parts])
    for tab, (sec, part) in zip(tabs, parts.items()):
        with tab:
            st.graphviz_chart(to_dot(part, labels, clusters=False), width="stretch")
    st.subheader(t("model_definitions", lang))
    for key in tpmod.KEYS:
        with st.expander(tpmod.NAMES[key][lang]):
            st.markdown(tpmod.DEFINITIONS[key][lang])
    st.subheader(t("model_sector_groups", lang))
    st.dataframe(pd.DataFrame({t("col_sector", lang): [sector_label(x, lang) for x in SECTOR_GROUPS],
                               t("levers", lang): [t(f"group_{g}", lang) for g in SECTOR_GROUPS.values()]}),
                 hide_index=True, key="sector_table")
    st.subheader(t("model_variables", lang))
    from webapp.structure import sectors

    sec = sectors()
    frame = model.variables_frame()
    frame = frame[frame["name"] != "Time"]
    kinds = {"Stateful": t("kind_stock", lang), "Constant": t("kind_constant", lang),
             "Auxiliary": t("kind_auxiliary", lang)}
    consts = model.constants
    table = pd.DataFrame({
        t("variable", lang): frame["name"],
        t("col_kind", lang): [kinds.get(k, k) for k in frame["kind"]],
        t("col_unit", lang): frame["units"],
        t("col_range", lang): [consts[n].range_text() if n in consts and consts[n].adjustable else ""
                               for n in frame["name"]],
        t("col_default", lang): [consts[n].default if n in consts else np.nan for n in frame["name"]],
        t("col_sector", lang): [sector_label(sec.get(n, s) or s, lang) for n, s in zip(frame["name"], frame["sector"])],
        t("col_comment", lang): frame["comment"],
    }).sort_values([t("col_sector", lang), t("variable", lang)])
    query = st.text_input(t("model_filter", lang), key="model_filter")
    if query:
        q = query.lower()
        mask = table[t("variable", lang)].str.lower().str.contains(q, regex=False) | \
            table[t("col_comment", lang)].str.lower().str.contains(q, regex=False)
        table = table[mask]
    st.dataframe(table, hide_index=True, key="variables_table", height=420)
    st.subheader(t("model_sources", lang))
    with st.expander(t("model_sources_file", lang), expanded=False):
        st.markdown(cache.sources_text())


PAGES = {
    "explore": explore,
    "compare": compare,
    "history": history,
    "sensitivity": sensitivity,
    "present": present,
    "model": model_page,
}
