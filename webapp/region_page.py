"""The "Your own region (我的区域)" page: data, land survey, targets, calibration, scenario.

The region's data go through ``calibration.history.load_history`` (errors name row and
column), the calibration runs on the batch runner with a progress bar, a time estimate
and a cancel button (a click reruns the page, which stops the running fit), and the
result becomes a starting scenario of this session (and a YAML download); the link then
carries it (:mod:`webapp.links`).
"""

from __future__ import annotations

import re
import time

import pandas as pd
import streamlit as st

from webapp import cache, core, state
from webapp import region_calib as rc
from webapp.i18n import t, unit_label

SS = st.session_state
CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]{0,19}$")


def plain(text: str) -> str:
    from webapp.ui import plain as _plain

    return _plain(text)


def region_page(lang: str) -> None:
    st.title(t("page_region", lang))
    st.caption(t("region_intro", lang))
    _cancelled_notice(lang)
    setup_inputs(lang)
    hist = data_section(lang)
    survey = survey_section(lang)
    targets = targets_section(lang, hist)
    fit_section(lang, hist, survey, targets)


# ------------------------------------------------------------------ region facts
def setup_inputs(lang: str) -> None:
    st.subheader(t("region_facts", lang))
    c1, c2, c3 = st.columns(3)
    SS.setdefault("rg_code", "")
    SS.setdefault("rg_name_zh", "")
    SS.setdefault("rg_name_en", "")
    c1.text_input(t("region_code", lang), key="rg_code", max_chars=20, help=t("region_code_help", lang))
    c2.text_input(t("region_name_zh", lang), key="rg_name_zh", max_chars=40)
    c3.text_input(t("region_name_en", lang), key="rg_name_en", max_chars=60)
    c1, c2 = st.columns(2)
    SS.setdefault("rg_area", 0.0)
    SS.setdefault("rg_start", rc.START_YEARS[0])
    c1.number_input(t("region_area", lang), min_value=0.0, max_value=1_000_000.0, step=1.0, key="rg_area",
                    help=t("region_area_help", lang))
    c2.number_input(t("region_start", lang), min_value=rc.START_YEARS[0], max_value=rc.START_YEARS[1], step=1,
                    key="rg_start", help=t("region_start_help", lang))


# --------------------------------------------------------------------------- data
def _on_data_upload() -> None:
    f = SS.get("rg_upload")
    if f is None:
        return
    try:
        hist = rc.read_history(f.getvalue(), f.name)
    except rc.RegionInputError as err:
        state.flash("error", t("region_data_error", state.lang(), msg=str(err)))
        return
    regions = sorted(hist["region"].unique())
    SS["rg_table"] = rc.csv_to_table(hist)
    SS["rg_table_version"] = SS.get("rg_table_version", 0) + 1
    if not SS.get("rg_code") and len(regions) == 1:
        SS["rg_code"] = str(regions[0])
    state.flash("success", t("region_data_ok", state.lang(), n=len(hist), name=f.name))


def data_section(lang: str) -> pd.DataFrame | None:
    from calibration.series import SERIES

    st.subheader(t("region_data", lang), help=t("region_data_help", lang))
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    c1.file_uploader(t("region_upload", lang), type=["csv"], key="rg_upload", on_change=_on_data_upload)
    c2.download_button(t("region_template", lang), template_csv(), "region_template.csv", "text/csv",
                       key="dl_region_template", on_click="ignore")
    table = SS.get("rg_table")
    if table is None:
        table = pd.DataFrame({c: pd.Series(dtype="float" if c in ("year", "value") else "str")
                              for c in ("year", "variable", "value", "unit", "source", "note")})
    labels = {k: f"{k} — {s.description_zh[:24] if lang == 'zh' else s.description_en[:40]}" for k, s in SERIES.items()}
    edited = st.data_editor(
        table, num_rows="dynamic", width="stretch", height=260, placeholder="—", key=f"rg_editor_{SS.get('rg_table_version', 0)}",
        column_config={
            "year": st.column_config.NumberColumn(t("col_year", lang), min_value=1900, max_value=2100, step=1,
                                                  format="%d"),
            "variable": st.column_config.SelectboxColumn(t("variable", lang), options=list(SERIES),
                                                         help=", ".join(list(labels.values())[:3]) + " …"),
            "value": st.column_config.NumberColumn(t("col_value", lang)),
            "unit": st.column_config.TextColumn(t("col_unit", lang)),
            "source": st.column_config.TextColumn(t("region_source", lang)),
            "note": st.column_config.TextColumn(t("col_reason", lang)),
        })
    code = str(SS.get("rg_code") or "").strip()
    if edited.dropna(how="all").empty:
        st.info(t("region_no_data", lang))
        return None
    if not CODE_RE.match(code):
        st.warning(t("region_code_needed", lang))
        return None
    try:
        hist = rc.read_history(rc.table_to_csv(edited, code), t("region_table_name", lang))
    except rc.RegionInputError as err:
        st.error(plain(t("region_data_error", lang, msg=str(err))))
        return None
    summary = hist.groupby("variable")["year"].agg(["min", "max", "count"]).reset_index()
    summary.columns = [t("variable", lang), t("region_first", lang), t("region_last", lang), t("history_n", lang)]
    st.caption(t("region_data_valid", lang, n=len(hist), k=len(summary)))
    st.dataframe(summary, hide_index=True, placeholder="—", key="rg_summary")
    return hist


def template_csv() -> bytes:
    """The shipped example in the user format (real rows with their sources) as a template."""
    return cache.example_region_csv()


# ------------------------------------------------------------------------- survey
def survey_section(lang: str) -> dict[str, float]:
    st.subheader(t("region_survey", lang), help=t("region_survey_help", lang))
    area = float(SS.get("rg_area") or 0.0)
    cols = st.columns(5)
    values: dict[str, float] = {}
    for i, (key, zh, en) in enumerate(rc.SURVEY_CLASSES):
        k = f"rg_sv_{key}"
        SS.setdefault(k, 0.0)
        values[key] = float(cols[i % 5].number_input(f"{zh if lang == 'zh' else en} ({unit_label('10^4 ha', lang)})",
                                                     min_value=0.0, max_value=1_000_000.0, step=0.1, key=k))
    total = sum(values.values())
    if total <= 0:
        st.caption(t("region_survey_empty", lang))
        return {}
    if area > 0:
        st.caption(t("region_survey_sum", lang, total=f"{total:,.1f}", area=f"{area:,.1f}",
                     pct=f"{100 * total / area:.1f}"))
    try:
        rc.survey_shares(values, area)
    except rc.RegionInputError as err:
        st.error(plain(t("region_survey_error", lang, msg=str(err))))
        return {}
    return values


# ------------------------------------------------------------------------ targets
def _shares(hist: pd.DataFrame | None) -> dict[str, float]:
    """The region's share of national quantities (area; cropland and emissions in the
    latest year up to 2020 with data), for the target template."""
    from webapp.levers import AREA_CONSTANT, REFERENCE_EMISSIONS

    model = cache.model()
    area = float(SS.get("rg_area") or 0.0)
    national_area = float(model.constants[AREA_CONSTANT].default)
    out = {"area": area / national_area if area > 0 else 1.0}
    if hist is None:
        return out
    nat = cache.outcome(()).results
    for key, series, var in (("cropland", "cropland", "Cropland"), ("emissions", "co2_fossil_industry", REFERENCE_EMISSIONS)):
        rows = hist[(hist["variable"] == series) & (hist["year"] <= 2020)].sort_values("year")
        if len(rows) and var in nat.columns:
            y, v = int(rows["year"].iloc[-1]), float(rows["value"].iloc[-1])
            n = core.value_at(nat, var, y)
            if n > 0:
                out[key] = v / n
    return out


def targets_section(lang: str, hist: pd.DataFrame | None) -> pd.DataFrame | None:
    st.subheader(t("region_targets", lang), help=t("region_targets_help", lang))
    shares = _shares(hist)
    st.caption(t("region_targets_rule", lang, area=f"{100 * shares['area']:.3g}",
                 crop=f"{100 * shares.get('cropland', shares['area']):.3g}",
                 em=f"{100 * shares.get('emissions', 1.0):.3g}"))
    table = rc.template_targets(str(SS.get("rg_name_en") or "region"), shares)
    name_col = "name_zh" if lang == "zh" else "name_en"
    shown = table[["key", name_col, "unit", "threshold", "deadline", "enabled"]].copy()
    shown["unit"] = [unit_label(u, lang) for u in shown["unit"]]
    edited = st.data_editor(
        shown, hide_index=True, width="stretch", placeholder="—", key="rg_targets", disabled=["key", name_col, "unit"],
        column_config={"key": None, name_col: st.column_config.TextColumn(t("col_name", lang)),
                       "unit": st.column_config.TextColumn(t("col_unit", lang)),
                       "threshold": st.column_config.NumberColumn(t("region_threshold", lang), format="%.4g"),
                       "deadline": st.column_config.NumberColumn(t("region_deadline", lang), format="%d"),
                       "enabled": st.column_config.CheckboxColumn(t("region_enabled", lang))})
    out = table.copy()
    out["threshold"], out["deadline"], out["enabled"] = edited["threshold"], edited["deadline"], edited["enabled"]
    return out


# -------------------------------------------------------------------- calibration
def _cancelled_notice(lang: str) -> None:
    if SS.get("rg_fit_running"):  # a previous run did not finish: it was cancelled
        SS["rg_fit_running"] = False
        st.warning(t("region_fit_cancelled", lang))


def fit_section(lang: str, hist: pd.DataFrame | None, survey: dict[str, float], targets: pd.DataFrame | None) -> None:
    st.subheader(t("region_fit", lang), help=t("region_fit_help", lang))
    nat_pop, nat_gens = rc.national_optimizer()
    st.caption(t("region_fit_settings", lang, pop=rc.QUICK["popsize"], gens=rc.QUICK["maxiter"],
                 nat_pop=nat_pop, nat_gens=nat_gens))
    code = str(SS.get("rg_code") or "").strip()
    area = float(SS.get("rg_area") or 0.0)
    ready = hist is not None and area > 0 and CODE_RE.match(code) is not None
    if not ready:
        st.info(t("region_fit_needs", lang))
    c1, c2 = st.columns([1, 1])
    go = c1.button(t("region_fit_run", lang), type="primary", disabled=not ready, key="rg_fit_btn")
    if go and ready and hist is not None:
        c2.button(t("region_fit_cancel", lang), key="rg_cancel_btn")  # a click reruns the page: the fit stops
        run_fit(lang, code, area, hist, survey, targets)
    result = SS.get("rg_result")
    if result:
        show_result(lang, result)


def run_fit(lang: str, code: str, area: float, hist: pd.DataFrame, survey: dict[str, float],
            targets: pd.DataFrame | None) -> None:
    from scenarios import loader, writer
    from webapp.scenario_io import doc_from_scenario

    name_zh = str(SS.get("rg_name_zh") or code).strip()
    name_en = str(SS.get("rg_name_en") or code).strip()
    setup = rc.RegionSetup(code=code, name_zh=name_zh, name_en=name_en, area=area,
                           start_year=int(SS.get("rg_start") or rc.START_YEARS[0]), history=hist, survey=survey)
    inline = rc.targets_inline(name_en, targets) if targets is not None else None
    bar = st.progress(0.0, text=t("region_fit_starting", lang))
    started = time.perf_counter()

    def progress(gen: int, total: int) -> None:
        spent = time.perf_counter() - started
        left = spent / gen * (total - gen) * 1.15  # + the least-squares polish
        bar.progress(min(1.0, gen / total), text=t("region_fit_progress", lang, g=gen, n=total, s=f"{left:.0f}"))

    SS["rg_fit_running"] = True
    try:
        fit = rc.fit_region(setup, inline, progress=progress)
        rid = "region_" + re.sub(r"[^A-Za-z0-9_\-]", "_", code)[:30]
        sc = loader.scenario_from_mapping(dict(fit.document), source=f"{code} (app)", key=rid,
                                          require_rationale=False)
    except (rc.RegionInputError, loader.ScenarioError, ValueError) as err:
        SS["rg_fit_running"] = False
        st.error(plain(t("region_fit_error", lang, msg=str(err))))
        return
    SS["rg_fit_running"] = False
    bar.progress(1.0, text=t("region_fit_done", lang, s=f"{fit.seconds:.1f}"))
    doc = doc_from_scenario(sc)
    state.add_region(doc, (code, hist))
    SS["rg_result"] = {"id": rid, "fit": fit, "yaml": writer.scenario_to_yaml(sc, flatten=True)}
    state.set_scenario(rid, dict(doc.resolved or {}))


def show_result(lang: str, result: dict) -> None:
    fit: rc.RegionFit = result["fit"]
    st.success(t("region_saved", lang, s=f"{fit.seconds:.1f}"))
    stats = fit.statistics.rename(columns={"series": t("series", lang), "n": t("history_n", lang), "r2": "R²",
                                           "mape": "MAPE %", "rmspe": "RMSPE %", "theil_u": "Theil U",
                                           "um": "U^M", "us": "U^S", "uc": "U^C"})
    st.dataframe(stats.round(3), hide_index=True, placeholder="—", key="rg_stats")
    if fit.warnings:
        with st.expander(t("region_fit_warnings", lang, n=len(fit.warnings))):
            for w in fit.warnings[:30]:
                st.text(w)
    c1, c2 = st.columns(2)
    c1.download_button(t("download_yaml", lang), result["yaml"].encode("utf-8"), f"{result['id']}.yaml",
                       "application/x-yaml", key="dl_region_yaml", on_click="ignore")
    c2.caption(t("region_next", lang))
    if fit.statistics is not None and len(fit.statistics):
        mape = pd.to_numeric(fit.statistics.get("mape"), errors="coerce")
        if mape is not None and bool((mape > 10).any()):
            st.warning(t("region_fit_poor", lang))

