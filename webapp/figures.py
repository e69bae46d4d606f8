"""Static exports: chart PNG/SVG (matplotlib), results CSV/Excel and a PDF report.

Matplotlib needs a CJK font for Chinese text. :data:`CJK_FONT` is the first one found
(WenQuanYi Micro Hei from Debian's ``fonts-wqy-microhei``, Noto Sans CJK, ...); without
one, :func:`export_lang` falls back to English so that exported files never show
empty boxes. Figures are bound to an Agg canvas (no pyplot state), so concurrent
sessions can export at the same time.
"""

from __future__ import annotations

import io
from typing import Mapping, Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis import turning_points as tpmod
from webapp.charts import LAND_COLORS, PALETTE_EMISSIONS, SCENARIO_COLORS, tp_frame
from webapp.core import FOREST_STOCKS, LAND_STOCKS, var_label
from analysis.targets import Target, TargetSet
from webapp.i18n import t, unit_label, units_zh, year_text

_CJK_CANDIDATES = (
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
    "Noto Sans CJK JP", "SimHei", "Microsoft YaHei", "PingFang SC", "AR PL UMing CN",
)


def _find_cjk_font() -> str | None:
    """First CJK font known to matplotlib; fonts installed after matplotlib built its
    font cache are added from the system font folders (fontconfig's list)."""

    def known() -> str | None:
        available = {f.name for f in font_manager.fontManager.ttflist}
        return next((name for name in _CJK_CANDIDATES if name in available), None)

    found = known()
    if found is None:
        hints = ("wqy", "noto", "cjk", "sourcehan", "source-han", "uming", "ukai", "simhei", "yahei")
        for path in font_manager.findSystemFonts():
            if any(h in path.lower() for h in hints):
                try:
                    font_manager.fontManager.addfont(path)
                except Exception:  # unreadable font file: skip it
                    continue
        found = known()
    return found


CJK_FONT: str | None = _find_cjk_font()
if CJK_FONT:
    matplotlib.rcParams["font.sans-serif"] = [CJK_FONT, *matplotlib.rcParams["font.sans-serif"]]
    matplotlib.rcParams["font.family"] = [CJK_FONT, "DejaVu Sans"]  # per-glyph fallback (✓ ✗ …)
    matplotlib.rcParams["axes.unicode_minus"] = False
matplotlib.rcParams["svg.fonttype"] = "none"  # keep text as text in SVG (searchable)
matplotlib.rcParams["pdf.fonttype"] = 3  # Type 3 subsets: fast with large CJK fonts

CHART_KEYS = ("emissions", "land", "population", "forest")


def export_lang(lang: str) -> str:
    """Language usable in static figures (English when no CJK font is installed)."""
    return lang if (lang == "en" or CJK_FONT) else "en"


def _fig(w: float = 9.0, h: float = 5.0) -> Figure:
    fig = Figure(figsize=(w, h), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _axes(fig: Figure, title: str, ylabel: str, lang: str):
    ax = fig.add_subplot()
    ax.set_title(title, loc="left", fontsize=13)
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return ax


def fig_emissions(res: pd.DataFrame, tps: tpmod.TurningPointTable, lang: str,
                  baseline: pd.DataFrame | None = None) -> Figure:
    lang = export_lang(lang)
    fig = _fig()
    ax = _axes(fig, t("chart_emissions", lang), t("axis_emissions", lang), lang)
    years = res.index.to_numpy(float)
    for name, color in PALETTE_EMISSIONS.items():
        if baseline is not None:
            ax.plot(baseline.index, baseline[name], color=color, ls="--", alpha=0.4, lw=1.2)
        ax.plot(years, res[name], color=color, lw=2.2, label=var_label(name, lang))
    ax.axhline(0, color="#868e96", lw=0.8)
    top = float(np.nanmax(res[list(PALETTE_EMISSIONS)].to_numpy()))
    for _, row in tp_frame(tps, lang).iterrows():
        ax.axvline(row["year"], color="#495057", ls=":", lw=1)
        ax.text(row["year"] + 0.5, top * (1.1 - 0.08 * row["row"]), row["label"], fontsize=8, va="bottom")
    ax.set_xlim(years.min(), years.max())
    ax.set_ylim(top=top * 1.25)
    ax.legend(loc="lower left", fontsize=9)
    return fig


def _stack(res: pd.DataFrame, names: Sequence[str], colors: Sequence[str], title: str, ylabel: str, lang: str) -> Figure:
    fig = _fig()
    ax = _axes(fig, title, ylabel, lang)
    ax.stackplot(res.index.to_numpy(float), *[res[n].to_numpy(float) for n in names],
                 labels=[var_label(n, lang) for n in names], colors=colors, alpha=0.9)
    ax.set_xlim(res.index.min(), res.index.max())
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    return fig


def fig_land(res: pd.DataFrame, lang: str) -> Figure:
    lang = export_lang(lang)
    return _stack(res, LAND_STOCKS, LAND_COLORS, t("chart_land", lang), t("axis_area", lang), lang)


def fig_population(res: pd.DataFrame, lang: str) -> Figure:
    lang = export_lang(lang)
    fig = _stack(res, ["Urban Population", "Rural Population"], ["#4dabf7", "#ffd43b"], t("chart_population", lang),
                 t("axis_population", lang), lang)
    ax = fig.axes[0]
    ax2 = ax.twinx()
    ax2.plot(res.index, res["urbanization rate"], color="#c92a2a", lw=2, label=var_label("urbanization rate", lang))
    ax2.set_ylim(0, 100)
    ax2.set_ylabel(f"{t('chart_urbanization', lang)} (%)")
    ax2.legend(loc="lower right", fontsize=8)
    return fig


def fig_forest(res: pd.DataFrame, lang: str) -> Figure:
    lang = export_lang(lang)
    fig = _stack(res, FOREST_STOCKS, ["#b2f2bb", "#51cf66", "#2b8a3e"],
                 f"{t('chart_forest', lang)} / {t('chart_sink', lang)}", t("axis_area", lang), lang)
    ax2 = fig.axes[0].twinx()
    for n, c in (("forest carbon sink", "#e67700"), ("land carbon sink", "#1c7ed6")):
        ax2.plot(res.index, res[n], color=c, lw=2, label=var_label(n, lang))
    ax2.set_ylabel(t("axis_emissions", lang))
    ax2.legend(loc="lower right", fontsize=8)
    return fig


def fig_overlay(runs: Sequence[tuple[str, pd.DataFrame]], variable: str, unit: str, lang: str) -> Figure:
    lang = export_lang(lang)
    fig = _fig()
    ax = _axes(fig, t("compare_overlay", lang), f"{var_label(variable, lang)} ({unit})", lang)
    for (name, res), color in zip(runs, SCENARIO_COLORS * 3):
        ax.plot(res.index, res[variable], color=color, lw=2, label=name)
    ax.axhline(0, color="#868e96", lw=0.8)
    ax.legend(fontsize=9)
    return fig


def chart_figure(key: str, res: pd.DataFrame, tps: tpmod.TurningPointTable, lang: str,
                 baseline: pd.DataFrame | None = None) -> Figure:
    if key == "emissions":
        return fig_emissions(res, tps, lang, baseline)
    if key == "land":
        return fig_land(res, lang)
    if key == "population":
        return fig_population(res, lang)
    if key == "forest":
        return fig_forest(res, lang)
    raise KeyError(key)


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=150)
    return buf.getvalue()


# ------------------------------------------------------------------------ tables
def cell_number(v: object) -> str:
    """A number for a table cell ('—' when missing; no exponent notation)."""
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if not np.isfinite(x):
        return "—"
    return f"{x:,.0f}" if abs(x) >= 10_000 else f"{x:,.3f}".rstrip("0").rstrip(".")


def _unit_text(units: object, lang: str) -> str:
    if units is None or (isinstance(units, float) and np.isnan(units)):
        return ""
    return unit_label(str(units), lang) if lang == "zh" else str(units)


def _note_text(text: object, lang: str) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return units_zh(str(text)) if lang == "zh" else str(text)


def tp_table(tps: tpmod.TurningPointTable, lang: str) -> pd.DataFrame:
    """Turning-point table with translated headers, units and notes for display and export."""
    df = tps.to_frame(lang)
    return pd.DataFrame({
        t("col_key", lang): df["key"],
        t("col_name", lang): df["name"],
        t("col_year", lang): [year_text(y, lang) for y in df["year"]],
        t("col_value", lang): [cell_number(v) for v in df["value"]],
        t("col_unit", lang): [_unit_text(u, lang) for u in df["unit"]],
        t("col_status", lang): [t(f"status_{s}", lang) for s in df["status"]],
        t("col_reason", lang): [_note_text(r, lang) for r in df["reason"]],
    })


def _num(v: float) -> str:
    """A threshold without exponent notation: 12,433 / 24.1 / 0.65."""
    v = float(v)
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def requirement_text(target: Target, lang: str) -> str:
    """The requirement of a target in words of ``lang`` (e.g. '2030 年 ≥ 24.1 %')."""
    unit = _unit_text(target.unit, lang)
    op = {">=": "≥", "<=": "≤"}.get(str(target.op), str(target.op))
    m = target.metric
    if m.kind == "turning_point":
        name = tpmod.NAMES.get(m.name, {}).get(lang, m.name)
        return t("req_tp", lang, name=name, year=f"{target.threshold:g}")
    if m.kind == "level":
        return t("req_level", lang, op=op, v=_num(target.threshold), unit=unit, year=f"{m.year:g}")
    if m.kind == "extreme":  # max(x)[a:b] <= v: every year of the span
        a = t("req_start", lang) if m.start is None else f"{m.start:g}"
        b = t("req_end", lang) if m.end is None else f"{m.end:g}"
        return t("req_all_years", lang, op=op, v=_num(target.threshold), unit=unit, a=a, b=b)
    if m.kind == "reduction":
        return t("req_reduction", lang, v=f"{100 * target.threshold:g}", base=f"{m.start:g}", year=f"{m.end:g}")
    return f"{m.display(lang)} {op} {_num(target.threshold)} {unit}".strip()


def targets_table(targets: pd.DataFrame, lang: str, tset: TargetSet | None = None) -> pd.DataFrame:
    """Targets with translated result, units and requirement (from ``tset`` when given)."""
    name_col = "name_zh" if lang == "zh" else "name_en"
    result = [t("pass", lang) if p is True else t("fail", lang) if p is False else t("na", lang) for p in targets["passed"]]
    keys = set(tset.keys()) if tset is not None else set()
    req = [requirement_text(tset[k], lang) if k in keys else _note_text(txt, lang)
           for k, txt in zip(targets["key"], targets["target"])]
    return pd.DataFrame({
        t("col_name", lang): targets[name_col],
        t("col_result", lang): result,
        t("col_value", lang): [cell_number(v) for v in targets["value"]],
        t("col_unit", lang): [_unit_text(u, lang) for u in targets["unit"]],
        t("col_target", lang): req,
        t("col_margin", lang): [cell_number(v) for v in targets["margin"]],
        t("col_reason", lang): [_note_text(r, lang) for r in targets["reason"]],
    })


def assumptions_table(diff: Mapping[str, float], model, lang: str, labels: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    rows = []
    for name, v in sorted(diff.items()):
        c = model.constants[name]
        rows.append({
            t("col_name", lang): labels.get(name, {}).get(lang, name),
            "Vensim": name,
            t("col_default", lang): c.default,
            t("col_scenario_value", lang): v,
            t("col_unit", lang): unit_label(c.units, lang),
        })
    return pd.DataFrame(rows, columns=[t("col_name", lang), "Vensim", t("col_default", lang),
                                       t("col_scenario_value", lang), t("col_unit", lang)])


def results_csv(res: pd.DataFrame) -> bytes:
    return res.to_csv(index_label="year").encode("utf-8-sig")


def results_excel(res: pd.DataFrame, tps: tpmod.TurningPointTable, targets: pd.DataFrame,
                  assumptions: pd.DataFrame, lang: str) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        res.to_excel(xw, sheet_name="results", index_label="year")
        tp_table(tps, lang).to_excel(xw, sheet_name="turning_points", index=False)
        targets.to_excel(xw, sheet_name="targets", index=False)
        assumptions.to_excel(xw, sheet_name="scenario", index=False)
    return buf.getvalue()
