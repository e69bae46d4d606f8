"""Figures of the policy analysis (政策分析图表), English or Chinese.

Every function returns a :class:`matplotlib.figure.Figure` bound to an Agg canvas (no
pyplot global state, works headless and in Streamlit) and takes ``lang='en'|'zh'``.
Chinese text uses the first installed CJK font (WenQuanYi, Noto CJK, Source Han,
SimHei, Microsoft YaHei …) as a fallback after DejaVu Sans; if none is installed the
figure is still produced (glyphs may be missing).
"""

from __future__ import annotations

import contextlib
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Sequence

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .attribution import AttributionResult
from .discovery import DiscoveryResult
from .seek import SeekResult

__all__ = [
    "plot_wedges",
    "plot_turning_point_shifts",
    "plot_prim_trajectory",
    "plot_prim_box",
    "plot_feature_scores",
    "plot_seek",
    "save_figure",
]

_CJK_CANDIDATES = (
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC",
    "Source Han Sans SC", "Source Han Sans CN", "SimHei", "Microsoft YaHei", "PingFang SC",
    "Heiti SC", "AR PL UMing CN",
)

_OUTPUT_NAMES = {
    "gross emissions": ("Gross emissions E", "碳排放总量 E"),
    "land carbon sink": ("Land carbon sink S", "国土碳汇 S"),
    "net emissions": ("Net emissions N = E − S", "净排放 N = E − S"),
}


_CJK_FILE_HINTS = ("wqy", "notosanscjk", "notoserifcjk", "sourcehan", "simhei", "msyh", "uming", "ukai", "droidsansfallback")


@lru_cache(maxsize=1)
def _cjk_fonts() -> tuple[str, ...]:
    """Installed CJK font families; system CJK fonts missing from matplotlib's font
    cache (installed after the cache was built) are registered for this process."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = tuple(f for f in _CJK_CANDIDATES if f in installed)
    if found:
        return found
    try:
        paths = font_manager.findSystemFonts(fontext="ttf")
    except Exception:  # noqa: BLE001 - font discovery is best effort
        paths = []
    for path in paths:
        if any(h in Path(path).name.lower().replace("-", "").replace("_", "") for h in _CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except Exception:  # noqa: BLE001
                continue
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(f for f in _CJK_CANDIDATES if f in installed)


@contextlib.contextmanager
def _style(lang: str) -> Iterator[None]:
    with matplotlib.rc_context({"font.family": _families(lang), "axes.unicode_minus": False}):
        yield


def _families(lang: str) -> list[str]:
    return ["DejaVu Sans", *_cjk_fonts()] if lang == "zh" else ["DejaVu Sans"]


def _finish(fig: Figure, lang: str) -> Figure:
    """Draw once (creates tick labels) and pin the font families on every text, so
    Chinese labels render wherever and whenever the figure is saved."""
    from matplotlib.text import Text

    with _style(lang):
        fig.canvas.draw()
        for text in fig.findobj(Text):
            text.set_fontfamily(_families(lang))
    return fig


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _t(lang: str, en: str, zh: str) -> str:
    return zh if lang == "zh" else en


def _colors(keys: Sequence[str]) -> dict[str, tuple]:
    cmap = matplotlib.colormaps["tab20" if len(keys) > 10 else "tab10"]
    return {k: cmap(i % cmap.N) for i, k in enumerate(keys)}


def plot_wedges(
    result: AttributionResult,
    outputs: Sequence[str] = ("gross emissions", "land carbon sink"),
    lang: str = "en",
    years: tuple[float, float] = (2020.0, 2100.0),
    relative: bool = False,
) -> Figure:
    """Wedge chart: stacked contributions of each lever group over time, one panel per output.

    ``relative=False`` (default) draws the base and policy paths and stacks the
    contributions from the base path (decreases downward, increases upward), so the
    wedges fill the gap between them; ``relative=True`` stacks them around zero
    (policy − base). Units Mt CO2/yr. Groups with no effect are left out.
    """
    keys = [g.key for g in result.groups]
    colors = _colors(keys)
    names = result.labels(lang)
    with _style(lang):
        fig = _figure(6.5 * len(outputs), 4.6)
        axes = fig.subplots(1, len(outputs), squeeze=False)[0]
        for ax, out in zip(axes, outputs):
            w = result.wedges[out]
            lv = result.levels[out]
            sel = (w.index >= years[0]) & (w.index <= years[1])
            t = w.index.to_numpy()[sel]
            wv = w[sel]
            base = lv["base"].to_numpy()[sel] if not relative else np.zeros(sel.sum())
            active = [k for k in keys if np.any(np.abs(w[k].to_numpy()) > 1e-9)]
            lo, hi = base.copy(), base.copy()
            for k in active:
                c = wv[k].to_numpy()
                neg, pos = np.minimum(c, 0.0), np.maximum(c, 0.0)
                ax.fill_between(t, lo + neg, lo, color=colors[k], alpha=0.85, lw=0, label=names[k])
                ax.fill_between(t, hi, hi + pos, color=colors[k], alpha=0.85, lw=0)
                lo, hi = lo + neg, hi + pos
            if relative:
                ax.plot(t, result.total_change(out).to_numpy()[sel], color="black", lw=1.5,
                        label=_t(lang, "Total change", "总变化"))
                ax.axhline(0, color="grey", lw=0.8)
            else:
                ax.plot(t, lv["base"].to_numpy()[sel], color="black", lw=1.5, label=_t(lang, "Base", "基准情景"))
                ax.plot(t, lv["policy"].to_numpy()[sel], color="black", lw=1.5, ls="--",
                        label=_t(lang, "Policy", "政策情景"))
            en, zh = _OUTPUT_NAMES.get(out, (out, out))
            ax.set_title(_t(lang, en, zh))
            ax.set_xlabel(_t(lang, "Year", "年份"))
            ax.set_ylabel(_t(lang, "Mt CO2/yr", "百万吨 CO2/年") + ("" if not relative else _t(lang, " (change)", "（变化量）")))
            ax.grid(alpha=0.3)
            if not active:
                ax.text(0.5, 0.5, _t(lang, "no lever changes this quantity", "各杠杆对该量无影响"),
                        transform=ax.transAxes, ha="center", va="center", color="grey")
        handles, labels = axes[0].get_legend_handles_labels()
        for ax in axes[1:]:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        fig.legend(handles, labels, loc="outside lower center", ncols=min(5, max(1, len(labels))), fontsize="small")
        fig.suptitle(_t(lang, "Contributions of lever groups (Shapley wedges)", "各政策杠杆组的贡献（Shapley 楔形图）"))
    return _finish(fig, lang)


def plot_turning_point_shifts(
    result: AttributionResult, keys: Sequence[str] | None = None, lang: str = "en"
) -> Figure:
    """Bars: contribution of each lever group to the shift of each turning-point year.

    ``keys`` default: turning points with a non-zero contribution (all if none).
    Years that are censored (not reached by the horizon end, or before its start) are
    marked with * in the labels; their shifts are bounds.
    """
    tp = result.turning_points
    info = result.turning_point_info
    groups = [g.key for g in result.groups]
    if keys is None:
        keys = [k for k in tp.columns if np.nanmax(np.abs(tp.loc[groups, k].to_numpy(dtype=float)), initial=0) > 1e-12]
        keys = keys or list(tp.columns)
    active = [g for g in groups if np.nanmax(np.abs(tp.loc[g, list(keys)].to_numpy(dtype=float)), initial=0) > 1e-12]
    active = active or groups
    colors = _colors(groups)
    names = result.labels(lang)
    end = float(result.times[-1])
    with _style(lang):
        fig = _figure(8.0, 1.0 + 0.5 * len(keys) * max(1, len(active)) ** 0.5 + 1.5)
        ax = fig.add_subplot()
        height = 0.8 / max(1, len(active))
        ylabels = []
        for i, key in enumerate(keys):
            for j, g in enumerate(active):
                v = tp.loc[g, key]
                ax.barh(i + (j - (len(active) - 1) / 2) * height, 0 if np.isnan(v) else v, height,
                        color=colors[g], label=names[g] if i == 0 else None)
            r = info.loc[key]
            by = f"{r.base_year:g}{'*' if r.base_censored else ''}"
            py = f"{r.policy_year:g}{'*' if r.policy_censored else ''}"
            name = r.name_zh if lang == "zh" else r.name_en
            ylabels.append(f"{name}\n{by} → {py}")
        ax.set_yticks(range(len(keys)), ylabels)
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.8)
        note = _t(
            lang,
            f"* censored: not reached by {end:g} (shown as {end + 1:g}) or at/before the start; shifts are bounds",
            f"* 删失：至 {end:g} 年未出现（记为 {end + 1:g}）或在起始年及以前；变化量为界限值")
        ax.set_xlabel(_t(lang, "Shift of the turning-point year (years; negative = earlier)",
                         "拐点年份变化（年；负值表示提前）") + "\n" + note)
        ax.xaxis.label.set_fontsize("small")
        ax.use_sticky_edges = False
        ax.margins(x=0.05)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="best", fontsize="small")
        ax.set_title(_t(lang, "Which levers move the turning points (Shapley)", "各政策杠杆对拐点年份的影响（Shapley）"))
    return _finish(fig, lang)


def plot_prim_trajectory(result: DiscoveryResult, lang: str = "en") -> Figure:
    """PRIM peeling trajectory: coverage vs density, colour = restricted dimensions."""
    with _style(lang):
        fig = _figure(6.0, 4.5)
        ax = fig.add_subplot()
        if result.prim is None:
            ax.text(0.5, 0.5, result.message, ha="center", va="center", wrap=True)
            ax.set_axis_off()
            return _finish(fig, lang)
        tr = result.prim.trajectory
        sc = ax.scatter(tr["coverage"], tr["density"], c=tr["res_dim"], cmap="viridis", s=18)
        fig.colorbar(sc, ax=ax, label=_t(lang, "restricted dimensions", "受限维度数"))
        ch = tr[tr["chosen"]]
        ax.scatter(ch["coverage"], ch["density"], s=120, facecolors="none", edgecolors="red",
                   label=_t(lang, "chosen box", "选定的盒子"))
        ax.axhline(result.prim.min_density, color="red", lw=0.8, ls=":")
        ax.set_xlabel(_t(lang, "Coverage", "覆盖率"))
        ax.set_ylabel(_t(lang, "Density", "密度"))
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left")
        ax.set_title(_t(lang, "PRIM peeling trajectory", "PRIM 剥离轨迹"))
    return _finish(fig, lang)


def plot_prim_box(result: DiscoveryResult, lang: str = "en") -> Figure:
    """Chosen PRIM box: the restricted levers' intervals as a share of their full range."""
    with _style(lang):
        fig = _figure(7.0, 1.5 + 0.45 * max(1, len(result.factors)))
        ax = fig.add_subplot()
        if result.prim is None:
            ax.text(0.5, 0.5, result.message, ha="center", va="center", wrap=True)
            ax.set_axis_off()
            return _finish(fig, lang)
        b = result.box_table(lang)
        b = b[b["restricted"]] if b["restricted"].any() else b
        for i, (_, r) in enumerate(b.iterrows()):
            span = r.full_upper - r.full_lower
            lo = (r.lower - r.full_lower) / span
            hi = (r.upper - r.full_lower) / span
            ax.barh(i, 1.0, color="lightgrey")
            ax.barh(i, hi - lo, left=lo, color="tab:blue")
            ax.text(1.01, i, f"[{r.lower:.4g}, {r.upper:.4g}] {r.unit}", va="center", fontsize="small")
        ax.set_yticks(range(len(b)), list(b["name"]))
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel(_t(lang, "Share of the sampled range", "占抽样范围的比例"))
        pr = result.prim
        ax.set_title(_t(lang, f"PRIM box: coverage {pr.coverage:.2f}, density {pr.density:.2f}",
                        f"PRIM 盒子：覆盖率 {pr.coverage:.2f}，密度 {pr.density:.2f}"))
    return _finish(fig, lang)


def plot_feature_scores(result: DiscoveryResult, lang: str = "en") -> Figure:
    """Heat map of extra-trees feature scores (factors × targets and ``all``)."""
    sc = result.scores
    names = {f.name: f.label(lang) for f in result.factors}
    tnames = {t.key: t.name(lang) for t in result.targets} | {"all": _t(lang, "All targets", "全部目标")}
    with _style(lang):
        fig = _figure(2.5 + 1.3 * sc.shape[1], 1.5 + 0.35 * sc.shape[0])
        ax = fig.add_subplot()
        im = ax.imshow(sc.to_numpy(dtype=float), cmap="viridis", aspect="auto")
        ax.set_xticks(range(sc.shape[1]), [tnames.get(c, c) for c in sc.columns], rotation=30, ha="right",
                      fontsize="small")
        ax.set_yticks(range(sc.shape[0]), [names.get(i, i) for i in sc.index], fontsize="small")
        for (i, j), v in np.ndenumerate(sc.to_numpy(dtype=float)):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize="x-small",
                        color="white" if v < 0.5 * np.nanmax(sc.to_numpy(dtype=float)) else "black")
        fig.colorbar(im, ax=ax, label=_t(lang, "feature score", "特征得分"))
        ax.set_title(_t(lang, "Which levers matter most (extra trees)", "最重要的政策杠杆（极端随机树）"))
    return _finish(fig, lang)


def plot_seek(result: SeekResult, lang: str = "en") -> Figure:
    """Target metric over the lever's grid, the threshold and the value found."""
    g = result.grid
    lv, t = result.lever, result.target
    with _style(lang):
        fig = _figure(6.5, 4.2)
        ax = fig.add_subplot()
        ax.plot(g["value"], g["metric"], marker="o", ms=3, color="tab:blue", label=t.metric.display(lang))
        ax.axhline(t.threshold, color="red", ls=":", label=_t(lang, f"threshold {t.op} {t.threshold:g}",
                                                               f"阈值 {t.op} {t.threshold:g}"))
        ax.axvline(result.start_value, color="grey", lw=0.8, label=_t(lang, "scenario value", "情景取值"))
        if result.reachable and result.value is not None:
            ax.scatter([result.value], [result.metric_value], s=80, color="red", zorder=3,
                       label=_t(lang, f"found {result.value:.4g}", f"求得 {result.value:.4g}"))
        ax.set_xlabel(f"{lv.label(lang)} [{lv.units}]")
        ax.set_ylabel(f"{t.metric.display(lang)} [{t.metric.unit()}]")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
        ax.set_title(result.message(lang), fontsize="small", wrap=True)
    return _finish(fig, lang)


def save_figure(fig: Figure, path: str | Path, dpi: int = 150) -> Path:
    """Write ``fig`` (format from the suffix, e.g. .png or .svg) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path
