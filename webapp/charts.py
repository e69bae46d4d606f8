"""Charts of the pages, with titles and axes in the chosen language.

The charts that follow a run (emissions, land use, population, forest, overlays) are
Vega-Lite specifications (dicts for ``st.vega_lite_chart``). Each is declared once per
language and size with Altair on *named* datasets (``_template``, validated and cached);
a run only fills the datasets (``_spec``). Because a chart's specification then stays the
same while the levers move, Streamlit's frontend swaps the data of the existing Vega view
instead of compiling and embedding a new chart, and the server builds no Altair objects
per run. Axis ranges that depend on the data are set by data too (an invisible
``headroom`` layer), not by the specification.

Every run chart carries the run's signature as the ARIA description of an invisible
mark (``aria-label`` in the SVG the browser draws), so tests and the latency benchmark
can see which run a chart shows; the chart's own description is its title.

The one-off charts (history fit, sensitivity indices) are plain Altair charts.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from analysis import turning_points as tpmod
from webapp.core import FOREST_STOCKS, LAND_STOCKS, TP_MARKED, var_label
from webapp.i18n import t

PALETTE_EMISSIONS = {"gross emissions": "#d9480f", "land carbon sink": "#2f9e44", "net emissions": "#1c7ed6"}
LAND_COLORS = ["#c92a2a", "#f08c00", "#fab005", "#8ce99a", "#40c057", "#2b8a3e", "#c0eb75", "#4dabf7", "#e9ecef", "#ced4da"]
SCENARIO_COLORS = ["#1c7ed6", "#e8590c", "#2f9e44", "#ae3ec9", "#f59f00", "#495057"]
TP_SHORT = {"tp1": "①", "tp2": "②", "tp3": "③", "tp4": "④", "tp5": "⑤", "neutrality": "N=0"}
HEIGHT = 380
#: Total height of a history-fit chart (title, legend row, axes and a plot area of ~190 px).
HISTORY_HEIGHT = 300
#: Rows of turning-point labels at the top of the emissions chart.
TP_LABEL_ROWS = 3
#: Turning points from this year on are labelled to the left of their line, so that the
#: label does not run past the right edge of the 1990-2100 axis (about 25 years of text).
TP_LABEL_RIGHT_FROM = 2070
#: Name of the one-row dataset holding the run's signature.
RUN_DATASET = "run"
POPULATION = ["Urban Population", "Rural Population"]
SINKS = ["forest carbon sink", "land carbon sink"]

Spec = dict[str, Any]


def _font(big: bool) -> dict:
    return {"title": 22 if big else 15, "axis": 16 if big else 12, "label": 15 if big else 11}


def _data(name: str) -> alt.Chart:
    return alt.Chart(alt.Data(name=name))


def _run_mark() -> alt.Chart:
    """Invisible mark whose ARIA description is the run's signature."""
    return _data(RUN_DATASET).mark_point(opacity=0, size=1).encode(description="run:N").properties(name=RUN_DATASET)


def _style(chart: alt.TopLevelMixin, title: str, big: bool, height: int = HEIGHT,
           total: int | None = None) -> alt.TopLevelMixin:
    """Title, fonts and legend; the height is ``total`` if given, else ``height`` (+160 px when big)."""
    f = _font(big)
    return (
        chart.properties(title=alt.TitleParams(title, fontSize=f["title"], anchor="start"), description=title,
                         height=total or height + (160 if big else 0))
        .configure_axis(titleFontSize=f["axis"], labelFontSize=f["label"])
        .configure_legend(titleFontSize=f["axis"], labelFontSize=f["label"], orient="bottom", columns=4,
                          labelLimit=260)
    )


def _template(declare: Callable[..., alt.TopLevelMixin]) -> Callable[..., Spec]:
    """Cache the validated Vega-Lite dict of a chart declared on named datasets.

    ``declare`` takes only hashable display settings (language, size, names); it must not
    see run data, so the same specification serves every run.
    """
    @functools.lru_cache(maxsize=128)
    def template(*args) -> Spec:
        return declare(*args).to_dict(validate=True)

    return template


def _spec(template: Spec, datasets: Mapping[str, pd.DataFrame], signature: str) -> Spec:
    """A chart for one run: the cached specification with this run's datasets."""
    spec = dict(template)  # shallow: the template itself is never changed
    spec["datasets"] = {**datasets, RUN_DATASET: pd.DataFrame({"run": [signature or "-"]})}
    return spec


def _long(results: pd.DataFrame, names: Sequence[str], lang: str, order: bool = False) -> pd.DataFrame:
    """Year, series label, value (rounded for display; keeps the page payload small)
    and optionally the stacking order of ``names``, one row per year and variable."""
    values = results[list(names)].to_numpy(float)
    years = results.index.to_numpy(float)
    n = len(years)
    frame = {"year": np.tile(years, len(names)),
             "series": np.repeat([var_label(v, lang) for v in names], n),
             "value": values.T.ravel().round(2)}
    if order:
        frame["order"] = np.repeat(np.arange(len(names)), n)
    return pd.DataFrame(frame)


def tp_frame(tps: tpmod.TurningPointTable, lang: str) -> pd.DataFrame:
    """Reached turning points with label text and a staggered label row."""
    rows = []
    for key in TP_MARKED:
        p = tps[key]
        if p.year is None or not p.reached:
            continue
        rows.append({"key": key, "year": float(p.year), "label": f"{TP_SHORT[key]} {p.name(lang)} {p.year:.0f}"})
    df = pd.DataFrame(rows, columns=["key", "year", "label"])
    df = df.sort_values("year").reset_index(drop=True)
    df["row"] = np.arange(len(df)) % TP_LABEL_ROWS
    return df


def _year_axis(lang: str, domain: Sequence[float] | None = None) -> alt.X:
    scale = alt.Scale(domain=list(domain), nice=False) if domain else alt.Scale(nice=False, zero=False)
    return alt.X("year:Q", title=t("year", lang), axis=alt.Axis(format="d"), scale=scale)


def _tooltip(lang: str, value_title: str, value_format: str = ",.0f", series: bool = True) -> list:
    tips = [alt.Tooltip("year:Q", title=t("year", lang), format="d")]
    if series:
        tips.append(alt.Tooltip("series:N", title=t("series", lang)))
    return tips + [alt.Tooltip("value:Q", title=value_title, format=value_format)]


# ------------------------------------------------------------------------------ emissions
#: Line styles of the three runs of the emissions chart (current, starting scenario, region baseline).
RUN_DASH = ([1, 0], [2, 3], [7, 4])


def run_labels(lang: str) -> tuple[str, str, str]:
    """Legend names of the current scenario, the starting scenario and the region's baseline."""
    return t("run_current", lang), t("run_start", lang), t("run_reference", lang)


@_template
def _emissions_template(lang: str, big: bool) -> alt.TopLevelMixin:
    labels = [var_label(n, lang) for n in PALETTE_EMISSIONS]
    # the dashed reference layers come first and would lend the legend their faint look
    color = alt.Color("series:N", title=t("series", lang),
                      legend=alt.Legend(symbolOpacity=1, symbolStrokeWidth=2.5, symbolDash=[]),
                      scale=alt.Scale(domain=labels, range=list(PALETTE_EMISSIONS.values())), sort=labels)
    runs = list(run_labels(lang))
    dash = alt.StrokeDash("run:N", title=t("run_legend", lang), sort=runs,
                          scale=alt.Scale(domain=runs, range=list(RUN_DASH)),
                          legend=alt.Legend(symbolStrokeColor="#495057", symbolStrokeWidth=2))
    x = _year_axis(lang, (1990, 2100))
    y = alt.Y("value:Q", title=t("axis_emissions", lang), scale=alt.Scale(nice=False))
    tips = [alt.Tooltip("run:N", title=t("run_legend", lang)), *_tooltip(lang, t("axis_emissions", lang))]
    layers = [_data("headroom").mark_point(opacity=0, size=1, aria=False).encode(y=y)]  # y range incl. label space
    layers.append(_data("reference").mark_line(opacity=0.55, strokeWidth=1.8).encode(
        x=x, y=y, color=color, detail="series:N", strokeDash=dash, tooltip=tips))
    layers.append(_data("start").mark_line(opacity=0.7, strokeWidth=1.8).encode(
        x=x, y=y, color=color, detail="series:N", strokeDash=dash, tooltip=tips))
    layers.append(_data("lines").mark_line(strokeWidth=2.5).encode(
        x=x, y=y, color=color, strokeDash=dash, tooltip=tips))
    layers.append(_data("zero").mark_rule(color="#868e96", strokeWidth=0.8).encode(y="y:Q"))
    layers.append(_data("tp").mark_rule(color="#495057", strokeDash=[2, 2]).encode(
        x="year:Q", tooltip=[alt.Tooltip("label:N", title=t("turning_points", lang))]))
    step = 22 if big else 15
    for row in range(TP_LABEL_ROWS):  # labels on rows at the top of the plot, in pixels
        for suffix, align, dx in (("", "left", 3), ("_right", "right", -3)):
            layers.append(_data(f"tp_row{row}{suffix}").mark_text(
                align=align, dx=dx, baseline="top", fontSize=_font(big)["label"], color="#212529").encode(
                x="year:Q", y=alt.value(4 + step * row), text="label:N"))
    layers.append(_run_mark())
    return _style(alt.layer(*layers), t("chart_emissions", lang), big, height=HEIGHT + 90)


def emissions_chart(res: pd.DataFrame, tps: tpmod.TurningPointTable, lang: str, reference: pd.DataFrame | None = None,
                    signature: str = "", big: bool = False, start: pd.DataFrame | None = None) -> Spec:
    """E, S and N (Mt CO2/yr) with the turning points marked and labelled; the region's
    baseline (``reference``) and the starting scenario (``start``, when it differs) as
    dashed lines of the same colours."""
    names = list(PALETTE_EMISSIONS)
    cur, st_label, ref_label = run_labels(lang)
    values = res[names].to_numpy(float)
    datasets = {"lines": _long(res, names, lang).assign(run=cur), "zero": pd.DataFrame({"y": [0.0]})}
    for key, frame, label in (("reference", reference, ref_label), ("start", start, st_label)):
        if frame is None:
            datasets[key] = pd.DataFrame({"year": [], "series": [], "value": [], "run": []})
        else:
            values = np.concatenate([values, frame[names].to_numpy(float)])
            datasets[key] = _long(frame, names, lang).assign(run=label)
    ymax, ymin = float(np.nanmax(values)), float(min(0.0, np.nanmin(values)))
    datasets["headroom"] = pd.DataFrame({"value": [ymin, ymax + 0.3 * (ymax - ymin)]})
    tpf = tp_frame(tps, lang)
    datasets["tp"] = tpf[["year", "label"]]
    late = tpf["year"] >= TP_LABEL_RIGHT_FROM
    for row in range(TP_LABEL_ROWS):
        datasets[f"tp_row{row}"] = tpf.loc[(tpf["row"] == row) & ~late, ["year", "label"]]
        datasets[f"tp_row{row}_right"] = tpf.loc[(tpf["row"] == row) & late, ["year", "label"]]
    return _spec(_emissions_template(lang, big), datasets, signature)


# ------------------------------------------------------------------------------ land use
@_template
def _land_template(lang: str, big: bool) -> alt.TopLevelMixin:
    order = [var_label(n, lang) for n in LAND_STOCKS]
    area = _data("land").mark_area().encode(
        x=_year_axis(lang),
        y=alt.Y("value:Q", stack="zero", title=t("axis_area", lang)),
        color=alt.Color("series:N", title=t("series", lang), scale=alt.Scale(domain=order, range=LAND_COLORS), sort=order),
        order=alt.Order("order:Q"),
        tooltip=_tooltip(lang, t("axis_area", lang)),
    )
    return _style(alt.layer(area, _run_mark()), t("chart_land", lang), big)


def land_chart(res: pd.DataFrame, lang: str, signature: str = "", big: bool = False) -> Spec:
    """Land-use classes (10^4 ha), stacked."""
    return _spec(_land_template(lang, big), {"land": _long(res, LAND_STOCKS, lang, order=True)}, signature)


# ------------------------------------------------------------------------------ population
@_template
def _population_template(lang: str, big: bool) -> alt.TopLevelMixin:
    order = [var_label(n, lang) for n in POPULATION]
    x = _year_axis(lang)
    area = _data("population").mark_area(opacity=0.75).encode(
        x=x, y=alt.Y("value:Q", stack="zero", title=t("axis_population", lang)),
        color=alt.Color("series:N", title=t("series", lang),
                        scale=alt.Scale(domain=order + [var_label("urbanization rate", lang)],
                                        range=["#4dabf7", "#ffd43b", "#c92a2a"])),
        order=alt.Order("order:Q"),
        tooltip=_tooltip(lang, t("axis_population", lang)),
    )
    line = _data("urbanization").mark_line(strokeWidth=2.5).encode(
        x=x, y=alt.Y("value:Q", title=f"{t('chart_urbanization', lang)} (%)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("series:N"), tooltip=_tooltip(lang, "%", ".1f", series=False),
    )
    chart = alt.layer(area, line, _run_mark()).resolve_scale(y="independent")
    return _style(chart, t("chart_population", lang), big)


def population_chart(res: pd.DataFrame, lang: str, signature: str = "", big: bool = False) -> Spec:
    """Urban and rural population (10^4 persons), stacked, and the urbanization rate (%)."""
    datasets = {"population": _long(res, POPULATION, lang, order=True),
                "urbanization": _long(res, ["urbanization rate"], lang)}
    return _spec(_population_template(lang, big), datasets, signature)


# ------------------------------------------------------------------------------ forest
@_template
def _forest_template(lang: str, big: bool) -> alt.TopLevelMixin:
    order = [var_label(n, lang) for n in FOREST_STOCKS]
    sink_labels = [var_label(n, lang) for n in SINKS]
    x = _year_axis(lang)
    color = alt.Color("series:N", title=t("series", lang),
                      scale=alt.Scale(domain=order + sink_labels, range=["#b2f2bb", "#51cf66", "#2b8a3e", "#e67700", "#1c7ed6"]),
                      sort=order + sink_labels)
    area = _data("forest").mark_area(opacity=0.85).encode(
        x=x, y=alt.Y("value:Q", stack="zero", title=t("axis_area", lang)), color=color, order=alt.Order("order:Q"),
        tooltip=_tooltip(lang, t("axis_area", lang)),
    )
    line = _data("sink").mark_line(strokeWidth=2.5).encode(
        x=x, y=alt.Y("value:Q", title=t("axis_emissions", lang)), color=color,
        tooltip=_tooltip(lang, t("axis_emissions", lang)),
    )
    chart = alt.layer(area, line, _run_mark()).resolve_scale(y="independent")
    return _style(chart, f"{t('chart_forest', lang)} / {t('chart_sink', lang)}", big)


def forest_chart(res: pd.DataFrame, lang: str, signature: str = "", big: bool = False) -> Spec:
    """Forest area by age class (10^4 ha), stacked, and the forest and land sinks (Mt CO2/yr)."""
    datasets = {"forest": _long(res, FOREST_STOCKS, lang, order=True), "sink": _long(res, SINKS, lang)}
    return _spec(_forest_template(lang, big), datasets, signature)


# ------------------------------------------------------------------------------ overlay
@_template
def _overlay_template(names: tuple[str, ...], variable: str, unit: str, lang: str, big: bool, title: str,
                      highlight: str | None, height: int | None = None) -> alt.TopLevelMixin:
    colors = (SCENARIO_COLORS * 3)[: len(names)]
    enc = dict(
        x=_year_axis(lang),
        y=alt.Y("value:Q", title=f"{var_label(variable, lang)} ({unit})"),
        color=alt.Color("scenario:N", title=t("scenario", lang), scale=alt.Scale(domain=list(names), range=colors),
                        sort=list(names)),
        tooltip=[alt.Tooltip("year:Q", format="d", title=t("year", lang)), alt.Tooltip("scenario:N", title=t("scenario", lang)),
                 alt.Tooltip("value:Q", format=",.2f", title=var_label(variable, lang))],
    )
    if highlight is not None:
        enc["opacity"] = alt.condition(alt.datum.scenario == highlight, alt.value(1.0), alt.value(0.35))
        enc["strokeWidth"] = alt.condition(alt.datum.scenario == highlight, alt.value(4), alt.value(2))
    lines = _data("runs").mark_line(strokeWidth=2.5).encode(**enc)
    zero = _data("zero").mark_rule(color="#868e96", strokeWidth=0.8).encode(y="y:Q")
    return _style(alt.layer(lines, zero, _run_mark()), title, big, total=height)


def overlay_chart(runs: Sequence[tuple[str, pd.DataFrame]], variable: str, unit: str, lang: str,
                  signature: str = "", big: bool = False, title: str | None = None,
                  highlight: str | None = None, height: int | None = None) -> Spec:
    """One variable (in ``unit``) of several scenarios (first = reference)."""
    names = tuple(name for name, _ in runs)
    data = pd.DataFrame({
        "year": np.concatenate([res.index.to_numpy(float) for _, res in runs]),
        "value": np.concatenate([res[variable].to_numpy(float) for _, res in runs]),
        "scenario": np.repeat(names, [len(res) for _, res in runs]),
    })
    template = _overlay_template(names, variable, unit, lang, big, title or t("compare_overlay", lang), highlight,
                                 height)
    return _spec(template, {"runs": data, "zero": pd.DataFrame({"y": [0.0]})}, signature)


def history_chart(frame: pd.DataFrame, title: str, unit: str, lang: str) -> alt.Chart:
    """History points (dark: observations, grey: interpolated, not used in the statistics) and the
    model line."""
    obs = frame.assign(kind=np.where(np.isfinite(frame["observed"]), t("history_obs", lang), t("history_interp", lang)))
    kinds = [t("history_obs", lang), t("history_interp", lang), t("history_model", lang)]
    # no legend of its own: the History page (views.history) shows one legend above the grid
    # of small charts, which leaves each chart its height for the plot
    color = alt.Color("kind:N", title="", legend=None,
                      scale=alt.Scale(domain=kinds, range=["#212529", "#8c8c8c", "#1c7ed6"]))
    x = alt.X("year:Q", title=t("year", lang), axis=alt.Axis(format="d"), scale=alt.Scale(nice=False, zero=False))
    pts = alt.Chart(obs).mark_point(filled=True, size=28).encode(
        x=x, y=alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False)), color=color,
        tooltip=[alt.Tooltip("year:Q", format="d"), alt.Tooltip("value:Q", format=",.1f"), "kind:N"])
    model = frame[["year", "model"]].rename(columns={"model": "value"}).assign(kind=t("history_model", lang))
    line = alt.Chart(model).mark_line(strokeWidth=2).encode(x=x, y="value:Q", color=color)
    return alt.layer(pts, line).properties(title=alt.TitleParams(title, fontSize=13, anchor="start"),
                                           description=title, height=HISTORY_HEIGHT)


def sobol_chart(indices: pd.DataFrame, metric: str, labels: Mapping[str, str], lang: str) -> alt.Chart:
    rows = indices[(indices["metric"] == metric) & (indices["index"].isin(["S1", "ST"]))].copy()
    rows["param"] = rows["parameter"].map(lambda p: labels.get(p, p))
    rows["lo"] = rows["value"] - rows["conf"]
    rows["hi"] = rows["value"] + rows["conf"]
    base = alt.Chart(rows).encode(
        # Vega-Lite cuts axis labels at 180 px by default ("新增能源非化石..." in the Chinese UI);
        # no axis title: the labels are the parameters' names, and a vertical title beside
        # long labels was drawn over them
        y=alt.Y("param:N", title=None, sort="-x", axis=alt.Axis(labelLimit=400)),
        yOffset="index:N",
        color=alt.Color("index:N", title=t("sens_index", lang)),
    )
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=t("sens_index", lang)),
        tooltip=[alt.Tooltip("param:N", title=t("sens_parameter", lang)), "index:N", alt.Tooltip("value:Q", format=".3f"),
                 alt.Tooltip("conf:Q", format=".3f")])
    err = base.mark_rule(color="#212529").encode(x="lo:Q", x2="hi:Q")
    return alt.layer(bars, err).properties(title=t("sens_indices", lang), description=t("sens_indices", lang),
                                           height=max(300, 60 * rows["param"].nunique() + 120))


def morris_chart(indices: pd.DataFrame, metric: str, labels: Mapping[str, str], lang: str) -> alt.Chart:
    rows = indices[indices["metric"] == metric]
    wide = rows.pivot_table(index="parameter", columns="index", values="value").reset_index()
    conf = rows[rows["index"] == "mu_star"].set_index("parameter")["conf"]
    wide["conf"] = wide["parameter"].map(conf)
    wide["param"] = wide["parameter"].map(lambda p: labels.get(p, p))
    wide["lo"] = wide["mu_star"] - wide["conf"]
    wide["hi"] = wide["mu_star"] + wide["conf"]
    base = alt.Chart(wide)
    pts = base.mark_point(filled=True, size=80).encode(
        x=alt.X("mu_star:Q", title="μ*"), y=alt.Y("sigma:Q", title="σ"),
        tooltip=[alt.Tooltip("param:N", title=t("sens_parameter", lang)), alt.Tooltip("mu_star:Q", format=".3g"),
                 alt.Tooltip("sigma:Q", format=".3g"), alt.Tooltip("conf:Q", format=".3g")])
    err = base.mark_rule().encode(x="lo:Q", x2="hi:Q", y="sigma:Q")
    text = base.mark_text(align="left", dx=6, dy=-6).encode(x="mu_star:Q", y="sigma:Q", text="param:N")
    return alt.layer(err, pts, text).properties(title=t("sens_indices", lang), description=t("sens_indices", lang),
                                                height=360)


def time_indices_chart(frame: pd.DataFrame, index: str, labels: Mapping[str, str], lang: str) -> alt.Chart:
    """Index over time per parameter with a confidence band (``frame``: time, parameter, value, conf)."""
    data = frame.copy()
    data["param"] = data["parameter"].map(lambda p: labels.get(p, p))
    data["lo"] = data["value"] - data["conf"]
    data["hi"] = data["value"] + data["conf"]
    x = alt.X("time:Q", title=t("year", lang), axis=alt.Axis(format="d"), scale=alt.Scale(nice=False, zero=False))
    color = alt.Color("param:N", title=t("sens_parameter", lang))
    band = alt.Chart(data).mark_area(opacity=0.2).encode(x=x, y=alt.Y("lo:Q", title=index), y2="hi:Q", color=color)
    line = alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=x, y="value:Q", color=color,
        tooltip=[alt.Tooltip("time:Q", format="d"), "param:N", alt.Tooltip("value:Q", format=".3f")])
    return (alt.layer(band, line).properties(title=t("sens_time", lang), description=t("sens_time", lang), height=380)
            .configure_legend(orient="bottom", columns=2, labelLimit=300))
