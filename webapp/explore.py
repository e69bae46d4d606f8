"""Explore page: headline numbers, the four charts, turning points, targets, share and export.

Three runs are shown (En-ROADS' "Baseline vs Current Scenario"): the current scenario,
the region's calibrated baseline (always, dashed; deltas are computed against it) and
the starting scenario when it differs from that baseline (dotted).
"""

from __future__ import annotations

import math

import streamlit as st

from analysis import turning_points as tpmod
from webapp import cache, charts, core, figures, report_pdf, state
from webapp.i18n import t
from webapp.scenario_io import diff_from, overrides_key, scenario_yaml

SS = st.session_state


def signature(key) -> str:
    from webapp.ui import signature as sig

    return sig(key)


def outcome_of(values) -> core.Outcome:
    """Outcome of an overrides mapping, judged against the current region's targets and
    run from the current region's start year."""
    return cache.outcome(overrides_key(values), state.targets_key(), state.start_time(), state.data_key())


def current_outcome() -> core.Outcome:
    return cache.outcome(state.key(), state.targets_key(), state.start_time(), state.data_key())


def reference_outcome() -> core.Outcome:
    """The region's calibrated baseline (reference line, deltas)."""
    return outcome_of(state.start_values(state.reference_id()))


def start_outcome() -> core.Outcome | None:
    """The starting scenario, when it differs from the region's baseline (else None)."""
    sid = state.start_id()
    if sid == state.reference_id():
        return None
    return outcome_of(state.start_values(sid))


def lever_labels() -> dict[str, dict[str, str]]:
    return {s.name: {"zh": s.label_zh, "en": s.label_en} for s in cache.specs()}


def scenario_name(lang: str) -> str:
    return str(SS.get("scenario_name") or "").strip() or t("scenario_name_default", lang)


def fmt_num(v: float | None, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{v:,.{digits}f}"


def explore(lang: str) -> None:
    st.title(t("app_title", lang))
    st.caption(t("app_subtitle", lang))
    sig = signature(state.key())
    out, ref, start = current_outcome(), reference_outcome(), start_outcome()
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    if "scenario_name" not in SS:
        SS["scenario_name"] = ""
    c1.text_input(t("scenario_name", lang), key="scenario_name", max_chars=80,
                  placeholder=t("scenario_name_default", lang), help=t("scenario_name_help", lang))
    c2.caption(t("explore_intro", lang))
    headline(out, ref, lang)
    st.vega_lite_chart(charts.emissions_chart(out.results, out.turning_points, lang, ref.results, signature=sig,
                                              start=None if start is None else start.results),
                       width="stretch", key="chart_emissions")
    c1, c2 = st.columns(2)
    c1.vega_lite_chart(charts.land_chart(out.results, lang, signature=sig), width="stretch")
    c2.vega_lite_chart(charts.population_chart(out.results, lang, signature=sig), width="stretch")
    c3, c4 = st.columns(2)
    c3.vega_lite_chart(charts.forest_chart(out.results, lang, signature=sig), width="stretch")
    with c4:
        st.subheader(t("turning_points", lang), help=t("tp_table_help", lang))
        st.dataframe(figures.tp_table(out.turning_points, lang).drop(columns=[t("col_key", lang)]),
                     hide_index=True, placeholder="—", key="tp_table")
    st.subheader(t("targets", lang), help=t("targets_help", lang))
    tset = out.target_set
    if tset is not None and tset.region != "default":
        st.caption(t("targets_region", lang, region=tset.region))
    st.dataframe(styled_targets(out, lang), hide_index=True, placeholder="—", key="targets_table")
    export_section(out, ref, lang)
    st.caption(t("scenario_id", lang, h=sig))


def styled_targets(out: core.Outcome, lang: str):
    targets = out.targets[lang]
    table = figures.targets_table(targets, lang, out.target_set)
    colors = ["background-color: #d3f9d8" if p is True else "background-color: #ffe3e3" if p is False else ""
              for p in targets["passed"]]
    col = t("col_result", lang)
    return table.style.apply(lambda c: colors if c.name == col else [""] * len(c), axis=0).format(
        precision=3, na_rep="—")


def headline(out: core.Outcome, ref: core.Outcome, lang: str) -> None:
    """Four headline numbers with the change from the region's baseline (En-ROADS style)."""
    years, byears = out.tp_years(), ref.tp_years()
    texts = out.tp_texts(lang)
    cols = st.columns(4)
    vs = t("delta_vs_reference", lang)

    def year_metric(col, k):
        y, b = years[k], byears[k]
        delta = None if (math.isnan(y) or math.isnan(b) or y == b) else f"{y - b:+.0f}"
        col.metric(tpmod.NAMES[k][lang], texts[k], delta=delta, delta_color="inverse",
                   help=tpmod.DEFINITIONS[k][lang][:300] + "…\n\n" + vs)

    year_metric(cols[0], "tp3")
    year_metric(cols[1], "neutrality")
    net, bnet = core.value_at(out.results, "net emissions", 2060), core.value_at(ref.results, "net emissions", 2060)
    cols[2].metric(t("ind_net_2060", lang), fmt_num(net), delta=_delta(net - bnet, 0), delta_color="inverse", help=vs)
    fc, bfc = core.value_at(out.results, "forest coverage", 2035), core.value_at(ref.results, "forest coverage", 2035)
    cols[3].metric(t("ind_forest_2035", lang), fmt_num(fc, 1), delta=_delta(fc - bfc, 1), help=vs)


def _delta(d: float, digits: int) -> str | None:
    text = f"{d:+,.{digits}f}"
    return None if float(text.replace(",", "")) == 0 else text


def export_section(out: core.Outcome, ref: core.Outcome, lang: str) -> None:
    model = cache.model()
    vals = dict(state.values())
    start = state.start_id()
    diff = diff_from(state.start_values(state.reference_id()), vals, model)
    name = scenario_name(lang)
    with st.expander(t("share_export", lang), expanded=False, key="share_export"):
        st.caption(t("share_link", lang))
        st.code(share_url(), language=None, wrap_lines=True)
        c1, c2, c3 = st.columns(3)
        own = diff_from(state.start_values(start), vals, model)
        start_doc = state.start_doc(start)
        start_title = start_doc.title(lang) if start_doc is not None else start
        c1.download_button(
            t("download_yaml", lang),
            lambda: scenario_yaml({"zh": name, "en": name},
                                  {"zh": f"在网页应用中由“{start_title}”调整得到。",
                                   "en": f"Made in the app from '{start_title}'."},
                                  start, own, model, session_bases()).encode("utf-8"),
            "scenario.yaml", "application/x-yaml", key="dl_yaml", on_click="ignore")
        c1.file_uploader(t("upload_yaml", lang), type=["yaml", "yml"], key="upload", help=t("upload_help", lang),
                         on_change=state.on_upload, args=("upload",))
        res = out.results
        c2.download_button(t("download_csv", lang), lambda: figures.results_csv(res), "results.csv", "text/csv",
                           key="dl_csv", on_click="ignore")
        assumptions = figures.assumptions_table(diff, model, lang, lever_labels())
        tps, targets = out.turning_points, figures.targets_table(out.targets[lang], lang, out.target_set)
        c2.download_button(
            t("download_xlsx", lang), lambda: figures.results_excel(res, tps, targets, assumptions, lang), "results.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx", on_click="ignore")
        sources = cache.sources_text()
        ref_res = ref.results
        c2.download_button(
            t("download_pdf", lang),
            lambda: report_pdf.pdf_report(title=t("report_title", lang), scenario_name=name, start_name=start_title,
                                       res=res, tps=tps, targets=targets, assumptions=assumptions,
                                       sources_text=sources, lang=lang, baseline=ref_res),
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
                    figures.chart_figure(which, res, tps, lang, ref_res), fmt),
                f"{which}.{fmt}", mime, key=f"dl_{fmt}", on_click="ignore")


def session_bases():
    """The session's own regions as bases a downloaded scenario may name."""
    return {sid: d.scenario for sid, d in state.session_regions().items() if d.scenario is not None}


def share_url() -> str:
    """The full link of the current state (the address bar after this run)."""
    base = ""
    try:
        url = st.context.url or ""
        base = url.split("?", 1)[0]
    except Exception:  # no browser context (tests without a browser)
        base = ""
    return base + state.share_query()

