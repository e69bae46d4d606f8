"""The six pages. Each takes the language and renders from session state + caches."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from analysis import turning_points as tpmod
from analysis.labels import model_comment
from webapp import cache, charts, core, regions, state
from webapp import sensitivity as sens
from webapp.explore import explore, outcome_of
from webapp.present import present
from webapp.region_page import region_page
from webapp.i18n import STRINGS, model_name, sector_label, t, unit_label
from webapp.levers import SECTOR_GROUPS, SENSITIVITY_DEFAULTS
from webapp.scenario_io import diff_from, overrides_key

SS = st.session_state


#: Display symbols of the sensitivity indices.
INDEX_SYMBOLS = {"mu": "μ", "mu_star": "μ*", "sigma": "σ"}


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
                  placeholder=state.default_save_name(lang))
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
    tp_texts = [o.tp_texts(lang) for _, o in outcomes]  # turning points as shown elsewhere
    for key in core.TP_MARKED:
        label = t("ind_tp", lang, name=tpmod.NAMES[key][lang])
        for column, texts in zip(shown.columns, tp_texts):
            # cell by cell: pandas 3.1 refuses a whole-row assignment to an existing row of
            # a one-column frame (one saved scenario) with "Length of indexer and values mismatch"
            shown.loc[label, column] = texts[key]
    styler = shown.style.apply(lambda col: [HIGHLIGHT if d else "" for d in diff[col.name]], axis=0)
    st.dataframe(styler, placeholder="—", key="compare_table")
    st.download_button(t("download_csv", lang), table.to_csv().encode("utf-8-sig"), "comparison.csv", "text/csv",
                       key="dl_compare", on_click="ignore")


# =============================================================================== history
def history(lang: str) -> None:
    st.title(t("page_history", lang))
    st.caption(t("history_intro", lang))
    ref = state.reference_id()
    region_data = state.region_history(ref)
    if region_data is None and not regions.same_region(state.start_values(ref), cache.start_values("baseline"),
                                                       cache.model()):
        # a region without its own history (an archetype, an uploaded region): the
        # national history would say nothing about it
        doc = state.start_doc(ref)
        st.info(t("history_none", lang, name=doc.title(lang) if doc is not None else ref))
        return
    try:
        if region_data is None:
            fit = cache.history(overrides_key(state.start_values(ref)), initial_time=state.start_time(ref),
                                data_key=state.data_key(ref))
        else:
            fit = cache.region_history(overrides_key(state.start_values(ref)), *region_data,
                                       initial_time=state.start_time(ref), data_key=state.data_key(ref))
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
    st.dataframe(stats.round(3), hide_index=True, placeholder="—", key="history_stats")
    st.caption(t("history_stats_source", lang, src=fit.stats_source))
    names = list(fit.pairs)
    # one legend for the grid, in the colours of the charts (charts.history_chart)
    st.markdown(f"● {t('history_obs', lang)} &nbsp;&nbsp; :gray[●] {t('history_interp', lang)} &nbsp;&nbsp; "
                f":blue[━━] {t('history_model', lang)}")
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
        # defaults large enough for indices worth reading (SALib's examples use N = 1024;
        # 8 gave confidence intervals wider than the indices), still about a second
        n = c3.select_slider(t("sens_n_sobol", lang), sens.SOBOL_N, value=512, key="sens_n_sobol")
    else:
        n = c3.select_slider(t("sens_n_morris", lang), sens.MORRIS_R, value=10, key="sens_n_morris")
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
    table = result.indices[result.indices["metric"] == metric].copy()
    if not np.isfinite(pd.to_numeric(table["value"], errors="coerce")).any():
        st.warning(t("sens_all_undefined", lang))
    elif method == "sobol":
        st.altair_chart(charts.sobol_chart(result.indices, metric, labels, lang), width="stretch", key="sens_chart")
    else:
        st.altair_chart(charts.morris_chart(result.indices, metric, labels, lang), width="stretch", key="sens_chart")
    table["parameter"] = table["parameter"].map(lambda p: labels.get(p, p))
    table["index"] = table["index"].map(lambda i: INDEX_SYMBOLS.get(i, i))
    table["status"] = table["status"].map(lambda v: t(f"sens_status_{v}", lang) if f"sens_status_{v}" in STRINGS else v)
    table = table.drop(columns=["parameter_2", "metric"]).rename(columns={
        "parameter": t("sens_parameter", lang), "index": t("sens_index", lang), "value": t("col_value", lang),
        "conf": t("sens_conf", lang), "status": t("col_status", lang)})
    st.dataframe(table.round(4), hide_index=True, placeholder="—", key="sens_table")
    index = "ST" if method == "sobol" else "mu_star"
    tf = sens.time_frame(result, index)
    tf = tf[np.isfinite(tf["value"])]
    if len(tf):
        st.altair_chart(charts.time_indices_chart(tf, INDEX_SYMBOLS.get(index, index), labels, lang), width="stretch", key="sens_time_chart")
    with st.expander(t("sens_undefined", lang)):
        und = result.undefined.copy()
        und["metric"] = und["metric"].map(lambda m: sens.metric_label(m, lang) if m in sens.METRICS
                                          else core.var_label(m, lang))
        und["treatment"] = und["treatment"].map(
            lambda v: t(f"sens_treat_{v}", lang) if f"sens_treat_{v}" in STRINGS else v)
        und = und.rename(columns={c: t(f"sens_und_{c}", lang) for c in und.columns if f"sens_und_{c}" in STRINGS})
        st.dataframe(und.astype(object).where(und.notna(), "—"), hide_index=True, placeholder="—", key="sens_undefined_table")
    c1, c2 = st.columns(2)
    c1.download_button(t("sens_download", lang), result.indices.to_csv(index=False).encode("utf-8"),
                       f"sensitivity_{method}_{metric}.csv", "text/csv", key="dl_sens", on_click="ignore")
    if result.time_indices is not None:
        c2.download_button(t("sens_download_time", lang),
                           lambda: result.time_indices.to_dataframe().reset_index().to_csv(index=False).encode("utf-8"),
                           f"sensitivity_{method}_time.csv", "text/csv", key="dl_sens_time", on_click="ignore")


# =============================================================================== model
def model_page(lang: str) -> None:
    st.title(t("page_model", lang))
    st.caption(t("model_intro", lang))
    model = cache.model()
    st.subheader(t("model_structure", lang))
    from webapp.model_diagram import diagram_section

    diagram_section(lang)
    st.subheader(t("model_definitions", lang))
    for key in tpmod.KEYS:
        with st.expander(tpmod.NAMES[key][lang]):
            st.markdown(tpmod.DEFINITIONS[key][lang])
    st.subheader(t("model_sector_groups", lang))
    st.dataframe(pd.DataFrame({t("col_sector", lang): [sector_label(x, lang) for x in SECTOR_GROUPS],
                               t("levers", lang): [t(f"group_{g}", lang) for g in SECTOR_GROUPS.values()]}),
                 hide_index=True, placeholder="—", key="sector_table")
    st.subheader(t("model_variables", lang))
    frame = model.variables_frame()
    frame = frame[frame["name"] != "Time"]
    kinds = {"Stateful": t("kind_stock", lang), "Constant": t("kind_constant", lang),
             "Auxiliary": t("kind_auxiliary", lang)}
    consts = model.constants
    table = pd.DataFrame({
        t("variable", lang): frame["name"],
        **({t("col_name_zh", lang): [model_name(n, lang) for n in frame["name"]]} if lang == "zh" else {}),
        t("col_kind", lang): [kinds.get(k, k) for k in frame["kind"]],
        t("col_unit", lang): [unit_label(str(u), lang) for u in frame["units"]],
        t("col_range", lang): [f"[{consts[n].minimum:g}, {consts[n].maximum:g}]" if n in consts and consts[n].adjustable
                               else "" for n in frame["name"]],
        t("col_default", lang): [consts[n].default if n in consts else np.nan for n in frame["name"]],
        t("col_sector", lang): [sector_label(s, lang) for s in frame["sector"]],
        t("col_comment", lang): [model_comment(n, c, lang) for n, c in zip(frame["name"], frame["comment"])],
    }).sort_values([t("col_sector", lang), t("variable", lang)])
    query = st.text_input(t("model_filter", lang), key="model_filter")
    if query:
        q = query.lower()
        mask = table[t("variable", lang)].str.lower().str.contains(q, regex=False) | \
            table[t("col_comment", lang)].str.lower().str.contains(q, regex=False)
        if lang == "zh":
            mask |= table[t("col_name_zh", lang)].str.contains(q, regex=False)
        table = table[mask]
    with st.container(key="variables_box"):  # the model file's names and comments (Chinese: translated)
        st.dataframe(table, hide_index=True, placeholder="—", key="variables_table", height=420)
    st.subheader(t("model_sources", lang))
    with st.container(key="sources_box"), st.expander(t("model_sources_file", lang), expanded=False):
        st.markdown(cache.sources_text())  # a project document kept in English (the title says so)


PAGES = {
    "explore": explore,
    "compare": compare,
    "region": region_page,
    "history": history,
    "sensitivity": sensitivity,
    "present": present,
    "model": model_page,
}
