"""The six pages. Each takes the language and renders from session state + caches."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import streamlit as st

from analysis import turning_points as tpmod
from webapp import cache, charts, core, figures, state
from webapp import sensitivity as sens
from webapp.i18n import t, unit_label, year_text
from webapp.levers import LEVERS, SECTOR_GROUPS
from webapp.scenario_io import BASELINE_ID, diff_from, overrides_key, scenario_yaml

SS = st.session_state
HIGHLIGHT = "background-color: #fff3bf; font-weight: 600"


def _sig(key) -> str:
    from webapp.ui import signature

    return signature(key)


def _labels() -> dict[str, dict[str, str]]:
    return {n: {"zh": v.zh, "en": v.en} for n, v in LEVERS.items()}


def _baseline_outcome() -> core.Outcome:
    return cache.outcome(overrides_key(cache.start_values(BASELINE_ID)))


def _start_id() -> str:
    return SS.get("start", BASELINE_ID)


def _reference_outcome() -> core.Outcome:
    """The starting scenario without the user's changes (dashed lines, deltas)."""
    return cache.outcome(overrides_key(cache.start_values(_start_id())))


def _fmt_num(v: float, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:,.{digits}f}"


# =============================================================================== explore
def explore(lang: str) -> None:
    st.title(t("app_title", lang))
    st.caption(t("app_subtitle", lang))
    key = state.key()
    sig = _sig(key)
    out = cache.outcome(key)
    base = _reference_outcome()
    headline(out, base, lang)
    st.caption(t("explore_intro", lang))
    st.vega_lite_chart(charts.emissions_chart(out.results, out.turning_points, lang, base.results, signature=sig),
                       width="stretch", key="chart_emissions")
    c1, c2 = st.columns(2)
    c1.vega_lite_chart(charts.land_chart(out.results, lang, signature=sig), width="stretch")
    c2.vega_lite_chart(charts.population_chart(out.results, lang, signature=sig), width="stretch")
    c3, c4 = st.columns(2)
    c3.vega_lite_chart(charts.forest_chart(out.results, lang, signature=sig), width="stretch")
    with c4:
        st.subheader(t("turning_points", lang), help=t("tp_table_help", lang))
        st.dataframe(figures.tp_table(out.turning_points, lang).drop(columns=[t("col_key", lang)]),
                     hide_index=True, key="tp_table")
    st.subheader(t("targets", lang), help=t("targets_help", lang))
    st.dataframe(styled_targets(out.targets[lang], lang), hide_index=True, key="targets_table")
    export_section(out, base, lang)
    st.caption(t("scenario_id", lang, h=sig))


def styled_targets(targets: pd.DataFrame, lang: str):
    table = figures.targets_table(targets, lang)
    colors = ["background-color: #d3f9d8" if p is True else "background-color: #ffe3e3" if p is False else ""
              for p in targets["passed"]]
    col = t("col_result", lang)
    return table.style.apply(lambda c: colors if c.name == col else [""] * len(c), axis=0).format(
        precision=3, na_rep="—")


def headline(out: core.Outcome, base: core.Outcome, lang: str) -> None:
    """Four headline numbers with the change from the baseline (En-ROADS style)."""
    years, byears = out.tp_years(), base.tp_years()
    cols = st.columns(4)

    def year_metric(col, k):
        y, b = years[k], byears[k]
        delta = None if (math.isnan(y) or math.isnan(b) or y == b) else f"{y - b:+.0f}"
        col.metric(tpmod.NAMES[k][lang], year_text(y, lang), delta=delta, delta_color="inverse",
                   help=tpmod.DEFINITIONS[k][lang][:300] + "…")

    year_metric(cols[0], "tp3")
    year_metric(cols[1], "neutrality")
    net, bnet = core.value_at(out.results, "net emissions", 2060), core.value_at(base.results, "net emissions", 2060)
    cols[2].metric(t("ind_net_2060", lang), _fmt_num(net), delta=_delta(net - bnet, 0), delta_color="inverse")
    fc, bfc = core.value_at(out.results, "forest coverage", 2035), core.value_at(base.results, "forest coverage", 2035)
    cols[3].metric(t("ind_forest_2035", lang), _fmt_num(fc, 1), delta=_delta(fc - bfc, 1))


def _delta(d: float, digits: int) -> str | None:
    text = f"{d:+,.{digits}f}"
    return None if float(text.replace(",", "")) == 0 else text


def _scenario_name(lang: str) -> str:
    return SS.get("scenario_name") or t("scenario_name_default", lang)


def export_section(out: core.Outcome, base: core.Outcome, lang: str) -> None:
    model = cache.model()
    vals = dict(state.values())
    start = SS.get("start", BASELINE_ID)
    diff = diff_from(cache.start_values(BASELINE_ID), vals, model)
    name = _scenario_name(lang)
    with st.expander(t("share_export", lang), expanded=False, key="share_export"):
        st.caption(t("share_link", lang))
        st.code(state.share_query() or "?", language=None)
        c1, c2, c3 = st.columns(3)
        own = diff_from(cache.start_values(start), vals, model)
        c1.download_button(
            t("download_yaml", lang),
            lambda: scenario_yaml({"zh": name, "en": name},
                                  {"zh": f"在网页应用中由“{start}”调整得到。", "en": f"Made in the app from '{start}'."},
                                  start, own, model).encode("utf-8"),
            "scenario.yaml", "application/x-yaml", key="dl_yaml", on_click="ignore")
        c1.file_uploader(t("upload_yaml", lang), type=["yaml", "yml"], key="upload", help=t("upload_help", lang),
                         on_change=state.on_upload, args=("upload",))
        res = out.results
        c2.download_button(t("download_csv", lang), lambda: figures.results_csv(res), "results.csv", "text/csv",
                           key="dl_csv", on_click="ignore")
        assumptions = figures.assumptions_table(diff, model, lang, _labels())
        tps, targets = out.turning_points, out.targets[lang]
        c2.download_button(
            t("download_xlsx", lang), lambda: figures.results_excel(res, tps, targets, assumptions, lang), "results.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx", on_click="ignore")
        start_title = next((d.title(lang) for d in cache.start_scenarios() if d.id == start), start)
        sources = cache.sources_text()
        base_res = base.results
        c2.download_button(
            t("download_pdf", lang),
            lambda: figures.pdf_report(title=t("report_title", lang), scenario_name=name, start_name=start_title,
                                       res=res, tps=tps, targets=targets, assumptions=assumptions,
                                       sources_text=sources, lang=lang, baseline=base_res),
            "report.pdf", "application/pdf", key="dl_pdf", on_click="ignore")
        chart_names = {"emissions": t("chart_emissions", lang), "land": t("chart_land", lang),
                       "population": t("chart_population", lang), "forest": t("chart_forest", lang)}
        which = c3.selectbox(t("chart_export", lang), figures.CHART_KEYS, format_func=chart_names.get,
                             key=state.lang_key("export_chart", lang))
        state.remember("export_chart", which)
        for fmt, mime in (("png", "image/png"), ("svg", "image/svg+xml")):
            c3.download_button(
                t(f"download_{fmt}", lang),
                lambda fmt=fmt, which=which: figures.figure_bytes(
                    figures.chart_figure(which, res, tps, lang, base_res), fmt),
                f"{which}.{fmt}", mime, key=f"dl_{fmt}", on_click="ignore")


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
        a.markdown(f"**{i + 1}. {s['name']}**")
        b.caption(t("changed_count", lang, n=len(diff_from(cache.start_values(BASELINE_ID), s["values"], model))))
        c.button(t("remove", lang), key=f"rm_{i}", on_click=state.on_remove, args=(s["name"],))
    st.button(t("clear_all", lang), key="clear_saved", on_click=state.on_clear)
    outcomes = [(s["name"], cache.outcome(overrides_key(s["values"]))) for s in saved]
    model = cache.model()
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
    shown = table.map(lambda v: "—" if pd.isna(v) else (f"{v:.0f}" if float(v).is_integer() else f"{v:,.2f}"))
    styler = shown.style.apply(lambda col: [HIGHLIGHT if d else "" for d in diff[col.name]], axis=0)
    st.dataframe(styler, key="compare_table")
    st.download_button(t("download_csv", lang), table.to_csv().encode("utf-8-sig"), "comparison.csv", "text/csv",
                       key="dl_compare", on_click="ignore")


# =============================================================================== history
def history(lang: str) -> None:
    st.title(t("page_history", lang))
    st.caption(t("history_intro", lang))
    try:
        fit = cache.history(overrides_key(cache.start_values(BASELINE_ID)))
    except Exception as err:  # history file missing or malformed
        st.error(t("history_error", lang, msg=str(err).splitlines()[0] if str(err) else type(err).__name__))
        return
    model = cache.model()
    st.subheader(t("history_stats", lang), help=t("history_stats_help", lang))
    stats = fit.stats.copy()
    stats.insert(0, t("variable", lang), [core.var_label(v, lang) for v in stats["variable"]])
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
        title = f"{core.var_label(name, lang)} — {d['series']}"
        unit = unit_label(model.variables[name].units, lang)
        with cols[i % 3]:
            st.altair_chart(charts.history_chart(fit.pairs[name], title, unit, lang), width="stretch")
            st.caption(d[lang])


# =============================================================================== sensitivity
def sensitivity(lang: str) -> None:
    st.title(t("page_sensitivity", lang))
    st.caption(t("sens_intro", lang))
    specs = {s.name: s for s in cache.specs()}
    labels = {n: s.label_zh if lang == "zh" else s.label_en for n, s in specs.items()}
    default = ["additional non fossil share", "additional energy intensity decline", "urban land per capita policy change"]
    pkey = state.lang_key("sens_params", lang)
    names = st.multiselect(t("sens_params", lang), list(specs), default=None if pkey in SS else default, key=pkey,
                           format_func=lambda n: labels[n])
    state.remember("sens_params", names)
    c1, c2, c3 = st.columns(3)
    mkey = state.lang_key("sens_metric", lang)
    metric = c1.selectbox(t("sens_metric", lang), sens.METRICS, key=mkey,
                          index=None if mkey in SS else sens.METRICS.index("net_2060"),
                          format_func=lambda m: t(f"metric_{m}", lang)) or "net_2060"
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
        st.caption(t("sens_censor_note", lang, c=f"{sens.CENSOR_YEAR:.0f}"))
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
    st.caption(f"{t('sens_metric', lang)}: {t(f'metric_{metric}', lang)}")
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
    out = cache.outcome(key)
    base = _reference_outcome()
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
    start = cache.start_values(_start_id())
    steps, from_current = core.story_steps(start, state.values(), _labels(), [s.name for s in specs], model)
    st.caption(t("story_source_current" if from_current else "story_source_default", lang))
    last = len(steps) - 1
    SS["story_step"] = int(min(max(int(SS.get("story_step", 0)), 0), last))
    c1, c2, c3 = st.columns([1.7, 6, 1.3], vertical_alignment="center")  # room for "◄ Previous" in large fonts
    c1.button(t("story_prev", lang), on_click=_step_delta, args=(-1,), disabled=SS["story_step"] <= 0, key="story_prev")
    c3.button(t("story_next", lang), on_click=_step_delta, args=(1,), disabled=SS["story_step"] >= last, key="story_next")
    step = c2.slider(t("story_step", lang), 0, last, key="story_step")
    outcomes = [cache.outcome(overrides_key(v)) for _, v in steps[: step + 1]]
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
    with st.expander("calibration/data/SOURCES.md", expanded=False):
        st.markdown(cache.sources_text())


PAGES = {
    "explore": explore,
    "compare": compare,
    "history": history,
    "sensitivity": sensitivity,
    "present": present,
    "model": model_page,
}
