"""Figures of scenario results (情景结果图), matplotlib on an Agg canvas.

Every function returns a :class:`matplotlib.figure.Figure` bound to an Agg canvas (no
pyplot global state, works headless and in Streamlit); :func:`save_figure` writes PNG
and/or SVG.  All labels exist in English and Chinese (``lang='en'|'zh'``).

Chinese needs a CJK font.  :func:`find_cjk_font` looks for one (Noto Sans CJK,
Source Han Sans, WenQuanYi, ...); when none is installed, ``lang='zh'`` falls back to
English labels with a :class:`CJKFontWarning`.  On Debian install ``fonts-noto-cjk``
(or the smaller ``fonts-wqy-microhei``).

Units are those of the model file: emissions and sinks Mt CO2/yr, areas 10^4 ha
(万公顷), population 10^4 persons (万人), urbanization rate %.
"""

from __future__ import annotations

import functools
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence, TypeVar

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis.labels import LAND_USE_STOCKS, VARIABLE_LABELS
from analysis.scenario_runs import scenario_turning_points
from analysis.turning_points import TurningPointTable

__all__ = [
    "CJK_FONT_PACKAGES",
    "CJKFontWarning",
    "COMPARISON_VARIABLES",
    "LABELS",
    "LAND_USE_STOCKS",
    "find_cjk_font",
    "resolve_language",
    "label",
    "plot_emissions",
    "plot_land_use",
    "plot_population",
    "plot_forest",
    "plot_comparison",
    "standard_figures",
    "save_figure",
]

#: Debian packages that provide a CJK font matplotlib can use.
CJK_FONT_PACKAGES: tuple[str, ...] = ("fonts-noto-cjk", "fonts-wqy-microhei")

_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans CJK JP",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)
_CJK_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehan", "wqy-", "droidsansfallback", "uming", "ukai", "simhei", "msyh")


class CJKFontWarning(UserWarning):
    """Chinese labels were requested but no CJK font is installed: English is used."""


# --------------------------------------------------------------------------------------
# Fonts and language
# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> str | None:
    """Family name of an installed font with Chinese glyphs, or None.

    Looks first at the fonts matplotlib knows, then scans the system font folders
    (fonts installed after matplotlib built its cache) and registers the file found.
    """
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in known:
            return family
    for path in sorted(font_manager.findSystemFonts()):
        if any(h in Path(path).name.lower() for h in _CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
                return font_manager.FontProperties(fname=path).get_name()
            except (OSError, RuntimeError, ValueError):  # unreadable font file
                continue
    return None


def resolve_language(lang: str) -> tuple[str, str | None]:
    """Effective language and CJK font family for ``lang``.

    Returns ``('zh', family)`` when Chinese can be drawn, ``('en', None)`` otherwise
    (with a :class:`CJKFontWarning` if Chinese was asked for).

    Raises:
        ValueError: ``lang`` is not 'en' or 'zh'.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    if lang == "en":
        return "en", None
    family = find_cjk_font()
    if family is None:
        warnings.warn(
            "no CJK font found for Chinese labels; using English labels. Install one, "
            f"e.g. Debian package {CJK_FONT_PACKAGES[0]} or {CJK_FONT_PACKAGES[1]}.",
            CJKFontWarning,
            stacklevel=3,
        )
        return "en", None
    return "zh", family


@contextmanager
def _font_context(family: str | None) -> Iterator[None]:
    """rcParams under which text is created (fonts are fixed when a Text is made)."""
    if family is None:
        yield
        return
    with matplotlib.rc_context({"font.family": [family, "DejaVu Sans"], "axes.unicode_minus": False}):
        yield


F = TypeVar("F", bound=Callable[..., Figure])


def _bilingual(fn: F) -> F:
    """Resolve ``lang`` (with font fallback) and build the figure under the font."""

    @functools.wraps(fn)
    def wrapper(*args, lang: str = "en", **kwargs) -> Figure:
        eff, family = resolve_language(lang)
        with _font_context(family):
            fig = fn(*args, lang=eff, **kwargs)
        fig.lang = eff  # type: ignore[attr-defined]  # language actually used
        return fig

    return wrapper  # type: ignore[return-value]


# --------------------------------------------------------------------------------------
# Labels (English / Chinese)
# --------------------------------------------------------------------------------------

#: Display names of model variables (Vensim names, from :mod:`analysis.labels`) and axis
#: texts, per language.
LABELS: Mapping[str, Mapping[str, str]] = {
    **VARIABLE_LABELS,
    "year": {"en": "Year", "zh": "年份"},
    "unit_mt": {"en": "Mt CO2/yr", "zh": "百万吨CO2/年"},
    "unit_area": {"en": "10^4 ha", "zh": "万公顷"},
    "unit_pop": {"en": "10^4 persons", "zh": "万人"},
    "unit_pct": {"en": "%", "zh": "%"},
    "unit_t_ha": {"en": "t CO2/(ha·yr)", "zh": "吨CO2/(公顷·年)"},
    "title_emissions": {"en": "Emissions, sink and the five turning points", "zh": "碳排放、碳汇与五个重要拐点"},
    "title_land": {"en": "Land use", "zh": "土地利用结构"},
    "title_population": {"en": "Population and urbanization", "zh": "人口与城镇化"},
    "title_forest_area": {"en": "Forest age structure", "zh": "森林龄组结构"},
    "title_forest_sink": {"en": "Forest sink", "zh": "森林碳汇"},
    "title_comparison": {"en": "Scenario comparison", "zh": "情景比较"},
    "not_identified": {"en": "Not identified", "zh": "未识别"},
}

_UNIT_OF = {
    "gross emissions": "unit_mt",
    "land carbon sink": "unit_mt",
    "net emissions": "unit_mt",
    "growth attributable emissions": "unit_mt",
    "forest carbon sink": "unit_mt",
    "total construction land": "unit_area",
    "Urban Construction Land": "unit_area",
    "Rural Construction Land": "unit_area",
    "Cropland": "unit_area",
    "total forest area": "unit_area",
    "Grassland": "unit_area",
    "Wetland and Water": "unit_area",
    "urbanization rate": "unit_pct",
}

#: Short turning-point labels for annotations.
_TP_SHORT: Mapping[str, Mapping[str, str]] = {
    "tp1": {"en": "TP1 growth-rate peak", "zh": "拐点1 增速达峰"},
    "tp2": {"en": "TP2 increment peak", "zh": "拐点2 增量达峰"},
    "tp3": {"en": "TP3 emission peak", "zh": "拐点3 碳达峰"},
    "tp4": {"en": "TP4 sink-growth peak", "zh": "拐点4 碳汇增速达峰"},
    "tp5": {"en": "TP5 net-stock turning point", "zh": "拐点5 净存量拐点"},
    "neutrality": {"en": "Carbon neutrality", "zh": "碳中和"},
}
_STATUS_SHORT: Mapping[str, Mapping[str, str]] = {
    "before_start": {"en": "at or before {y}", "zh": "在{y}年或之前"},
    "not_yet": {"en": "not reached by {y}", "zh": "至{y}年未达到"},
    "not_sustained": {"en": "not sustained to {y}", "zh": "至{y}年未持续"},
    "no_peak": {"en": "no peak", "zh": "无峰值"},
    "too_short": {"en": "series too short", "zh": "序列过短"},
    "no_input": {"en": "input not given", "zh": "缺少输入"},
}

#: Default variables of :func:`plot_comparison`.
COMPARISON_VARIABLES: tuple[str, ...] = (
    "gross emissions",
    "land carbon sink",
    "net emissions",
    "total construction land",
    "Cropland",
    "total forest area",
)

# Which curve each turning point is drawn on in the emissions figure.
_TP_CURVE = {
    "tp1": "gross emissions",
    "tp2": "gross emissions",
    "tp3": "gross emissions",
    "tp4": "land carbon sink",
    "tp5": "gross emissions",
    "neutrality": "net emissions",
}
_CURVE_COLOUR = {"gross emissions": "#d62728", "land carbon sink": "#2ca02c", "net emissions": "#1f77b4"}


def label(key: str, lang: str = "en", *, with_unit: bool = False) -> str:
    """Display label of a variable or text key in ``lang`` (the key itself if unknown)."""
    text = LABELS.get(key, {}).get(lang, key)
    if with_unit and key in _UNIT_OF:
        text = f"{text} ({LABELS[_UNIT_OF[key]][lang]})"
    return text


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _window(df: pd.DataFrame, start: float | None, end: float | None) -> pd.DataFrame:
    t = np.asarray(df.index, dtype=float)
    keep = np.ones(len(t), dtype=bool)
    if start is not None:
        keep &= t >= start - 1e-9
    if end is not None:
        keep &= t <= end + 1e-9
    return df.loc[keep]


def _require(df: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"results lack column(s) {missing} needed for this figure")


def _fy(year: float) -> str:
    return str(int(round(year)))


# --------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------


@_bilingual
def plot_emissions(
    results: pd.DataFrame,
    turning_points: TurningPointTable | None = None,
    *,
    lang: str = "en",
    title: str | None = None,
    start: float | None = None,
    end: float | None = None,
) -> Figure:
    """Gross emissions E, land sink S and net emissions N (Mt CO2/yr) with the turning points.

    Each identified turning point (TP1-TP5 and carbon neutrality) is marked on its curve
    with a dashed vertical line and a label with its year; those not identified are
    listed under the axes with their status.

    Args:
        results: one run (index year, Vensim columns).
        turning_points: its turning points; computed from ``results`` when None.
        lang: 'en' or 'zh' (English with a warning if no CJK font is installed).
        title: optional title (e.g. the scenario name); default a generic title.
        start, end: optional year window of the plot.
    """
    cols = ("gross emissions", "land carbon sink", "net emissions")
    _require(results, cols)
    tps = turning_points if turning_points is not None else scenario_turning_points(results)
    df = _window(results, start, end)
    t = np.asarray(df.index, dtype=float)
    fig = _new_figure(9.0, 5.5)
    ax = fig.add_subplot()
    for col in cols:
        ax.plot(t, df[col].to_numpy(float), color=_CURVE_COLOUR[col], label=label(col, lang), linewidth=2)
    ax.axhline(0.0, color="black", linewidth=0.8)
    missing = []
    n_marked = 0
    for key, curve in _TP_CURVE.items():
        p = tps[key]
        short = _TP_SHORT[key][lang]
        if p.reached and p.year is not None and t[0] - 1e-9 <= p.year <= t[-1] + 1e-9:
            y = float(np.interp(p.year, t, df[curve].to_numpy(float)))
            colour = _CURVE_COLOUR[curve]
            ax.axvline(p.year, color=colour, linestyle="--", linewidth=0.8, alpha=0.7)
            ax.plot([p.year], [y], marker="o", color=colour, markersize=7, zorder=5)
            # near an edge of the window the label ends at its line instead of crossing the axes
            where = (p.year - t[0]) / (t[-1] - t[0]) if t[-1] > t[0] else 0.5
            ax.annotate(
                f"{short}\n{_fy(p.year)}",
                xy=(p.year, y),
                xytext=(p.year, 0.97 - 0.11 * (n_marked % 4)),
                textcoords=ax.get_xaxis_transform(),
                ha="right" if where > 0.9 else "left" if where < 0.1 else "center",
                va="top",
                fontsize=8,
                color=colour,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour, "alpha": 0.85},
                arrowprops={"arrowstyle": "-", "color": colour, "alpha": 0.5},
            )
            n_marked += 1
        else:
            status = _STATUS_SHORT.get(p.status, {"en": p.status, "zh": p.status})[lang]
            bound = p.bound_year if p.bound_year is not None else (t[-1] if len(t) else 0.0)
            missing.append(f"{short}: {status.format(y=_fy(bound))}")
    if n_marked:
        # the labels hang from the top of the axes, 0.11 of its height apart: keep the band
        # they use free of the curves (a peak at the top of the data sat under its label)
        levels = min(n_marked, 4)
        band = 0.03 + 0.11 * levels + 0.02
        values = np.concatenate([df[c].to_numpy(float) for c in cols])
        lo = ax.get_ylim()[0]
        hi = float(np.nanmax(values))
        if hi > lo:
            ax.set_ylim(lo, lo + (hi - lo) / (1.0 - band))
    ax.set_xlabel(label("year", lang))
    if missing:
        ax.annotate(  # one line per point: a long single line would widen the figure
            "\n".join([f"{label('not_identified', lang)}:", *missing]),
            xy=(0.0, 0.0),
            xycoords="axes fraction",
            xytext=(0, -32),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=7.5,
        )
    ax.set_ylabel(LABELS["unit_mt"][lang])
    ax.set_title(title or label("title_emissions", lang))
    # beside the axes: inside, it would cover the labels of late turning points
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9)
    ax.grid(alpha=0.3)
    return fig


@_bilingual
def plot_land_use(
    results: pd.DataFrame,
    *,
    lang: str = "en",
    title: str | None = None,
    start: float | None = None,
    end: float | None = None,
) -> Figure:
    """Stacked area of the ten land stocks (10^4 ha); the top edge is the region's area."""
    names = [n for n, _ in LAND_USE_STOCKS]
    _require(results, names)
    df = _window(results, start, end)
    fig = _new_figure(9.0, 5.5)
    ax = fig.add_subplot()
    ax.stackplot(
        np.asarray(df.index, dtype=float),
        [df[n].to_numpy(float) for n in names],
        labels=[label(n, lang) for n in names],
        colors=[c for _, c in LAND_USE_STOCKS],
        alpha=0.9,
    )
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(LABELS["unit_area"][lang])
    ax.set_title(title or label("title_land", lang))
    ax.margins(x=0)
    handles, labels_ = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels_[::-1], loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    return fig


@_bilingual
def plot_population(
    results: pd.DataFrame,
    *,
    lang: str = "en",
    title: str | None = None,
    start: float | None = None,
    end: float | None = None,
) -> Figure:
    """Urban and rural population (stacked, 10^4 persons) and the urbanization rate (%)."""
    _require(results, ("Urban Population", "Rural Population", "urbanization rate"))
    df = _window(results, start, end)
    t = np.asarray(df.index, dtype=float)
    fig = _new_figure(9.0, 5.0)
    ax = fig.add_subplot()
    ax.stackplot(
        t,
        df["Urban Population"].to_numpy(float),
        df["Rural Population"].to_numpy(float),
        labels=[label("Urban Population", lang), label("Rural Population", lang)],
        colors=["#9467bd", "#c5b0d5"],
        alpha=0.9,
    )
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(LABELS["unit_pop"][lang])
    ax.margins(x=0)
    ax2 = ax.twinx()
    ax2.plot(t, df["urbanization rate"].to_numpy(float), color="black", linewidth=2, label=label("urbanization rate", lang))
    ax2.set_ylabel(label("urbanization rate", lang, with_unit=True))
    ax2.set_ylim(0, 100)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=9)
    ax.set_title(title or label("title_population", lang))
    return fig


@_bilingual
def plot_forest(
    results: pd.DataFrame,
    *,
    lang: str = "en",
    title: str | None = None,
    start: float | None = None,
    end: float | None = None,
) -> Figure:
    """Forest age structure (stacked, 10^4 ha) and forest vegetation sink.

    Right panel: forest vegetation sink (Mt CO2/yr) and sink per hectare of forest
    (t CO2/(ha·yr)), which falls as stands age.
    """
    ages = ("Young Forest", "Middle Aged Forest", "Mature Forest")
    _require(results, (*ages, "forest carbon sink", "total forest area"))
    df = _window(results, start, end)
    t = np.asarray(df.index, dtype=float)
    fig = _new_figure(11.0, 4.8)
    ax1, ax2 = fig.subplots(1, 2)
    colours = dict(LAND_USE_STOCKS)
    ax1.stackplot(t, [df[a].to_numpy(float) for a in ages], labels=[label(a, lang) for a in ages], colors=[colours[a] for a in ages], alpha=0.9)
    ax1.set_xlabel(label("year", lang))
    ax1.set_ylabel(LABELS["unit_area"][lang])
    ax1.set_title(label("title_forest_area", lang))
    ax1.margins(x=0)
    handles, labels_ = ax1.get_legend_handles_labels()
    ax1.legend(handles[::-1], labels_[::-1], loc="upper left", fontsize=9)

    sink = df["forest carbon sink"].to_numpy(float)
    area = df["total forest area"].to_numpy(float)
    # Mt CO2/yr per 10^4 ha = 100 t CO2/(ha*yr)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_ha = np.where(area > 0, 100.0 * sink / area, np.nan)
    ax2.plot(t, sink, color="#2ca02c", linewidth=2, label=label("forest carbon sink", lang))
    ax2.set_xlabel(label("year", lang))
    ax2.set_ylabel(LABELS["unit_mt"][lang])
    ax3 = ax2.twinx()
    ax3.plot(t, per_ha, color="#8c564b", linestyle="--", linewidth=1.5, label=label("forest sink per area", lang))
    ax3.set_ylabel(LABELS["unit_t_ha"][lang])
    h1, l1 = ax2.get_legend_handles_labels()
    h2, l2 = ax3.get_legend_handles_labels()
    ax2.legend(h1 + h2, l1 + l2, loc="upper right", fontsize=9)
    ax2.set_title(label("title_forest_sink", lang))
    if title:
        fig.suptitle(title)
    return fig


@_bilingual
def plot_comparison(
    results: Mapping[str, pd.DataFrame],
    variables: Sequence[str] = COMPARISON_VARIABLES,
    *,
    labels: Mapping[str, str] | None = None,
    turning_points: Mapping[str, TurningPointTable] | None = None,
    lang: str = "en",
    title: str | None = None,
    start: float | None = None,
    end: float | None = None,
) -> Figure:
    """Overlay of several scenarios, one panel per variable, one line per scenario.

    Args:
        results: runs by scenario key.
        variables: Vensim names to show (units from the model file).
        labels: display name per scenario key (e.g. ``scenario.label(lang)``).
        turning_points: optional tables by key; the emission peak (TP3) is marked on
            ``gross emissions`` and carbon neutrality on ``net emissions``.
        lang, title, start, end: as in :func:`plot_emissions`.
    """
    if not results:
        raise ValueError("no scenario results to compare")
    for df in results.values():
        _require(df, variables)
    n = len(variables)
    ncols = min(3, n)
    nrows = int(np.ceil(n / ncols))
    fig = _new_figure(4.6 * ncols, 3.6 * nrows + 0.8)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    colours = matplotlib.colormaps["tab10"]
    marks = {"gross emissions": "tp3", "net emissions": "neutrality"}
    for i, var in enumerate(variables):
        ax = axes[i]
        for j, (key, df) in enumerate(results.items()):
            w = _window(df, start, end)
            t = np.asarray(w.index, dtype=float)
            y = w[var].to_numpy(float)
            colour = colours(j % 10)
            ax.plot(t, y, color=colour, linewidth=1.6, label=(labels or {}).get(key, key))
            tp_key = marks.get(var)
            if tp_key and turning_points and key in turning_points:
                p = turning_points[key][tp_key]
                if p.reached and p.year is not None and len(t) and t[0] <= p.year <= t[-1]:
                    ax.plot([p.year], [np.interp(p.year, t, y)], marker="o", color=colour, markersize=6)
        ax.set_title(label(var, lang, with_unit=True), fontsize=10)
        ax.set_xlabel(label("year", lang))
        ax.grid(alpha=0.3)
        if var in ("net emissions",):
            ax.axhline(0.0, color="black", linewidth=0.8)
    for ax in axes[n:]:
        ax.set_visible(False)
    handles, labels_ = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels_, loc="outside lower center", ncols=min(4, len(handles)), fontsize=9)
    fig.suptitle(title or label("title_comparison", lang))
    return fig


def standard_figures(
    results: pd.DataFrame,
    turning_points: TurningPointTable | None = None,
    *,
    lang: str = "en",
    title: str | None = None,
) -> dict[str, Figure]:
    """The four single-scenario figures: emissions, land_use, population, forest."""
    return {
        "emissions": plot_emissions(results, turning_points, lang=lang, title=title),
        "land_use": plot_land_use(results, lang=lang, title=title),
        "population": plot_population(results, lang=lang, title=title),
        "forest": plot_forest(results, lang=lang, title=title),
    }


def save_figure(
    fig: Figure,
    path: str | Path,
    formats: Sequence[str] = ("png", "svg"),
    *,
    dpi: int = 150,
) -> list[Path]:
    """Write ``fig`` as ``path.<fmt>`` for each format ('png', 'svg'); returns the files.

    A suffix of ``path`` is replaced by each format's.
    """
    allowed = {"png", "svg"}
    bad = [f for f in formats if f not in allowed]
    if bad:
        raise ValueError(f"figure formats must be among {sorted(allowed)}, got {bad}")
    stem = Path(path)
    if stem.suffix.lower() in (".png", ".svg"):
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        out = stem.with_name(f"{stem.name}.{fmt}")
        fig.savefig(out, format=fmt, dpi=dpi)
        written.append(out)
    return written

