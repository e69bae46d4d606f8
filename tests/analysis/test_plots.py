"""Figures: every plot returns a Figure with labels in the requested language, falls back
to English with a warning when no CJK font is installed, and saves PNG and SVG."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis import plots
from analysis.scenario_runs import analyse_scenarios


@pytest.fixture(scope="module")
def runs():
    return analyse_scenarios(["baseline", "dual_carbon"])


def texts(fig: Figure) -> str:
    fig.canvas.draw()
    return " ".join(t.get_text() for t in fig.findobj(Text))


def all_figures(runs, lang: str) -> dict[str, Figure]:
    r = runs["dual_carbon"]
    figs = plots.standard_figures(r.results, r.turning_points, lang=lang, title=r.scenario.label(lang))
    figs["comparison"] = plots.plot_comparison(
        {k: v.results for k, v in runs.items()},
        labels={k: v.scenario.label(lang) for k, v in runs.items()},
        turning_points={k: v.turning_points for k, v in runs.items()},
        lang=lang,
    )
    return figs


def test_english_figures(runs) -> None:
    figs = all_figures(runs, "en")
    assert set(figs) == {"emissions", "land_use", "population", "forest", "comparison"}
    for fig in figs.values():
        assert isinstance(fig, Figure) and fig.lang == "en"  # type: ignore[attr-defined]  # set by analysis.plots
    em = texts(figs["emissions"])
    assert "TP3 emission peak" in em and "Gross emissions E" in em and "Mt CO2/yr" in em
    assert "Carbon neutrality" in em  # reached in the dual-carbon scenario, or listed as not reached
    assert "Cropland" in texts(figs["land_use"]) and "10^4 ha" in texts(figs["land_use"])
    assert "Urbanization rate" in texts(figs["population"])
    assert "Young forest" in texts(figs["forest"])
    assert "Dual-carbon policy package" in texts(figs["comparison"])


def test_turning_points_marked_or_listed(runs) -> None:
    r = runs["baseline"]
    s = texts(plots.plot_emissions(r.results, r.turning_points, lang="en"))
    for key, short in (("tp1", "TP1"), ("tp2", "TP2"), ("tp3", "TP3"), ("tp4", "TP4"), ("tp5", "TP5")):
        p = r.turning_points[key]
        assert short in s
        if p.reached:
            assert f"{short}" in s and str(int(p.year)) in s
    assert "Not identified" in s  # e.g. neutrality not reached by 2100 in the baseline


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_legend_leaves_every_turning_point_label_readable(runs, lang) -> None:
    """TP5 of the baseline falls on 2100, at the right edge under the top of the axes:
    no label of a turning point may sit under the legend, and the saved figure holds the
    whole legend."""
    from matplotlib.text import Annotation

    for r in runs.values():
        fig = plots.plot_emissions(r.results, r.turning_points, lang=lang)
        fig.canvas.draw()
        legend = fig.axes[0].get_legend().get_window_extent()
        labels = [a for a in fig.findobj(Annotation) if a.get_bbox_patch() is not None]
        assert labels, "no turning point is marked"
        axes = fig.axes[0].get_window_extent()
        for a in labels:
            box = a.get_bbox_patch().get_window_extent()
            assert not box.overlaps(legend), a.get_text()
            assert axes.x0 - 1 <= box.x0 and box.x1 <= axes.x1 + 1, a.get_text()  # inside the axes
        tight = fig.get_tightbbox()
        box = legend.transformed(fig.dpi_scale_trans.inverted())
        assert tight.x0 <= box.x0 and box.x1 <= tight.x1 + 1e-6



@pytest.mark.parametrize("lang", ["en", "zh"])
def test_turning_point_labels_cover_no_curve(runs, lang) -> None:
    """The labels stand in a band above the curves: no label box covers a point of E, S
    or N or a turning-point marker (the baseline's emission peak reaches the top of the
    data, where its label used to sit on the marker)."""
    from matplotlib.text import Annotation

    for r in runs.values():
        fig = plots.plot_emissions(r.results, r.turning_points, lang=lang)
        fig.canvas.draw()
        ax = fig.axes[0]
        labels = [a for a in fig.findobj(Annotation) if a.get_bbox_patch() is not None]
        assert labels
        curves = [line for line in ax.get_lines() if line.get_linestyle() == "-" and len(line.get_xdata()) > 2]
        markers = [line for line in ax.get_lines() if line.get_marker() == "o"]
        assert len(curves) == 3 and markers
        points = np.vstack([ax.transData.transform(line.get_xydata()) for line in curves + markers])
        for a in labels:
            box = a.get_bbox_patch().get_window_extent()
            inside = ((points[:, 0] >= box.x0) & (points[:, 0] <= box.x1)
                      & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1))
            assert not inside.any(), a.get_text()


@pytest.mark.skipif(plots.find_cjk_font() is None, reason="no CJK font installed (fonts-noto-cjk)")
def test_chinese_figures_with_a_cjk_font(runs) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", plots.CJKFontWarning)
        figs = all_figures(runs, "zh")
    for fig in figs.values():
        assert fig.lang == "zh"  # type: ignore[attr-defined]  # set by analysis.plots
    em = texts(figs["emissions"])
    assert "拐点3 碳达峰" in em and "碳排放总量 E" in em and "百万吨CO2/年" in em
    assert "耕地" in texts(figs["land_use"])
    assert "双碳政策组合" in texts(figs["comparison"])


def test_chinese_falls_back_to_english_without_font(runs, monkeypatch) -> None:
    monkeypatch.setattr(plots, "find_cjk_font", lambda: None)
    r = runs["baseline"]
    with pytest.warns(plots.CJKFontWarning, match="fonts-noto-cjk"):
        fig = plots.plot_emissions(r.results, r.turning_points, lang="zh")
    assert fig.lang == "en"  # type: ignore[attr-defined]  # set by analysis.plots
    assert "TP3 emission peak" in texts(fig)


def test_bad_language_is_an_error(runs) -> None:
    with pytest.raises(ValueError, match="lang must be 'en' or 'zh'"):
        plots.plot_land_use(runs["baseline"].results, lang="fr")


def test_save_png_and_svg(runs, tmp_path: Path) -> None:
    fig = plots.plot_population(runs["baseline"].results, lang="en")
    written = plots.save_figure(fig, tmp_path / "sub" / "population.png", ("png", "svg"))
    assert [p.name for p in written] == ["population.png", "population.svg"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in written[1].read_text(encoding="utf-8")[:500]
    with pytest.raises(ValueError, match="figure formats"):
        plots.save_figure(fig, tmp_path / "x", ("pdf",))


def test_missing_columns_are_reported(runs) -> None:
    with pytest.raises(KeyError, match="Cropland"):
        plots.plot_land_use(runs["baseline"].results.drop(columns=["Cropland"]))
