"""Interactive Altair charts of the pages, with titles and axes in the chosen language.

Each builder takes plain data (DataFrames of model results, turning-point tables) and
returns an ``alt.Chart``; nothing here reads Streamlit state. ``signature`` strings are
put into the chart's description (rendered as the ``aria-label`` of the chart in the
browser) so that tests and the latency benchmark can see which run a chart shows.
"""

from __future__ import annotations

import functools
from typing import Mapping, Sequence

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


def _font(big: bool) -> dict:
    return {"title": 22 if big else 15, "axis": 16 if big else 12, "label": 15 if big else 11}


def fast(chart):
    """Skip Altair's JSON-schema validation when Streamlit serialises the chart.

    The specs are fixed by this module and covered by tests (which validate them), and
    Streamlit serialises Altair charts under a process-wide lock, so validation (about
    40 ms for the Explore page) would be paid on every rerun by every user in turn.
    """
    object.__setattr__(chart, "to_dict", functools.partial(type(chart).to_dict, chart, validate=False))
    return chart


def _style(chart: alt.Chart, title: str, big: bool, signature: str = "", height: int = HEIGHT) -> alt.Chart:
    f = _font(big)
    return fast(
        chart.properties(title=alt.TitleParams(title, fontSize=f["title"], anchor="start"),
                         description=f"{title} {signature}".strip(), height=height + (160 if big else 0))
        .configure_axis(titleFontSize=f["axis"], labelFontSize=f["label"])
        .configure_legend(titleFontSize=f["axis"], labelFontSize=f["label"], orient="bottom", columns=4,
                          labelLimit=260)
    )


def _long(results: pd.DataFrame, names: Sequence[str], lang: str, start: float | None = None) -> pd.DataFrame:
    df = results[list(names)].copy()
    if start is not None:
        df = df[df.index >= start]
    df.index.name = "year"
    out = df.reset_index().melt(id_vars="year", var_name="var", value_name="value")
    out["series"] = [var_label(v, lang) for v in out["var"]]
    out["value"] = out["value"].round(2)  # display precision; keeps the page payload small
    return out


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
    df["row"] = np.arange(len(df)) % 3
    return df


def emissions_chart(res: pd.DataFrame, tps: tpmod.TurningPointTable, lang: str, baseline: pd.DataFrame | None = None,
                    signature: str = "", big: bool = False) -> alt.Chart:
    """E, S and N with the turning points marked and labelled; baseline dashed."""
    names = list(PALETTE_EMISSIONS)
    data = _long(res, names, lang)
    labels = [var_label(n, lang) for n in names]
    color = alt.Color("series:N", title=t("series", lang),
                      scale=alt.Scale(domain=labels, range=list(PALETTE_EMISSIONS.values())), sort=labels)
    x = alt.X("year:Q", title=t("year", lang), axis=alt.Axis(format="d"), scale=alt.Scale(domain=[1990, 2100], nice=False))
    values = res[names].to_numpy(float)
    if baseline is not None:
        values = np.concatenate([values, baseline[names].to_numpy(float)])
    ymax, ymin = float(np.nanmax(values)), float(min(0.0, np.nanmin(values)))
    y = alt.Y("value:Q", title=t("axis_emissions", lang),
              scale=alt.Scale(domain=[ymin, ymax + 0.3 * (ymax - ymin)], nice=False))
    layers = []
    if baseline is not None:
        base = _long(baseline, names, lang)
        layers.append(alt.Chart(base).mark_line(strokeDash=[5, 4], opacity=0.45).encode(x=x, y=y, color=color,
                      detail="series:N"))
    lines = alt.Chart(data).mark_line(strokeWidth=2.5).encode(
        x=x, y=y, color=color,
        tooltip=[alt.Tooltip("year:Q", title=t("year", lang), format="d"), alt.Tooltip("series:N", title=t("series", lang)),
                 alt.Tooltip("value:Q", title=t("axis_emissions", lang), format=",.0f")],
    )
    layers.append(lines)
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#868e96", strokeWidth=0.8).encode(y="y:Q")
    layers.append(zero)
    tpf = tp_frame(tps, lang)
    if not tpf.empty:
        rules = alt.Chart(tpf).mark_rule(color="#495057", strokeDash=[2, 2]).encode(
            x="year:Q", tooltip=[alt.Tooltip("label:N", title=t("turning_points", lang))])
        layers.append(rules)
        step = 22 if big else 15
        for row in range(3):  # labels on three rows at the top of the plot, in pixels
            part = tpf[tpf["row"] == row]
            if len(part):
                layers.append(alt.Chart(part).mark_text(align="left", dx=3, baseline="top", fontSize=_font(big)["label"],
                                                        color="#212529").encode(
                    x="year:Q", y=alt.value(4 + step * row), text="label:N"))
    return _style(alt.layer(*layers), t("chart_emissions", lang), big, signature, height=HEIGHT + 90)


def land_chart(res: pd.DataFrame, lang: str, signature: str = "", big: bool = False) -> alt.Chart:
    data = _long(res, LAND_STOCKS, lang)
    order = [var_label(n, lang) for n in LAND_STOCKS]
    data["order"] = data["var"].map({n: i for i, n in enumerate(LAND_STOCKS)})
    data = data.drop(columns="var")
    chart = alt.Chart(data).mark_area().encode(
        x=alt.X("year:Q", title=t("year", lang), axis=alt.Axis(format="d"), scale=alt.Scale(nice=False, zero=False)),
        y=alt.Y("value:Q", stack="zero", title=t("axis_area", lang)),
        color=alt.Color("series:N", title=t("series", lang), scale=alt.Scale(domain=order, range=LAND_COLORS), sort=order),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("year:Q", format="d", title=t("year", lang)), alt.Tooltip("series:N", title=t("series", lang)),
                 alt.Tooltip("value:Q", format=",.0f", title=t("axis_area", lang))],
    )
    return _style(chart, t("chart_land", lang), big, signature)


def population_chart(res: pd.DataFrame, lang: str, signature: str = "", big: bool = False) -> alt.Chart:
    names = ["Urban Population", "Rural Population"]
    data = _long(res, names, lang)
    order = [var_label(n, lang) for n in names]
    data["order"] = data["var"].map({n: i for i, n in enumerate(names)})
    data = data.drop(columns="var")
    x = alt.X("year:Q", title=t("year", lang), axis=alt.Axis(format="d"), scale=alt.Scale(nice=False, zero=False))
    area = alt.Chart(data).mark_area(opacity=0.75).encode(
        x=x, y=alt.Y("value:Q", stack="zero", title=t("axis_population", lang)),
        color=alt.Color("series:N", title=t("series", lang), scale=alt.Scale(domain=order + [var_label("urbanization rate", lang)],
                        range=["#4dabf7", "#ffd43b", "#c92a2a"])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("year:Q", format="d", title=t("year", lang)), alt.Tooltip("series:N", title=t("series", lang)),
                 alt.Tooltip("value:Q", format=",.0f", title=t("axis_population", lang))],
    )
    rate = _long(res, ["urbanization rate"], lang)
    line = alt.Chart(rate).mark_line(strokeWidth=2.5).encode(
        x=x, y=alt.Y("value:Q", title=f"{t('chart_urbanization', lang)} (%)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("series:N"),
        tooltip=[alt.Tooltip("year:Q", format="d", title=t("year", lang)), alt.Tooltip("value:Q", format=".1f", title="%")],
    )
    chart = alt.layer(area, line).resolve_scale(y="independent")
    return _style(chart, t("chart_population", lang), big, signature)


def forest_chart(res: pd.DataFrame, lang: str, signature: str = "", big: bool = False) -> alt.Chart:
    data = _long(res, FOREST_STOCKS, lang)
    order = [var_label(n, lang) for n in FOREST_STOCKS]
    sink_names = ["forest carbon sink", "land carbon sink"]
    sink_labels = [var_label(n, lang) for n in sink_names]
    data["order"] = data["var"].map({n: i for i, n in enumerate(FOREST_STOCKS)})
    data = data.drop(columns="var")
    x = alt.X("year:Q", title=t("year", lang), axis=alt.Axis(format="d"), scale=alt.Scale(nice=False, zero=False))
    color = alt.Color("series:N", title=t("series", lang),
                      scale=alt.Scale(domain=order + sink_labels, range=["#b2f2bb", "#51cf66", "#2b8a3e", "#e67700", "#1c7ed6"]),
                      sort=order + sink_labels)
    area = alt.Chart(data).mark_area(opacity=0.85).encode(
        x=x, y=alt.Y("value:Q", stack="zero", title=t("axis_area", lang)), color=color, order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("year:Q", format="d", title=t("year", lang)), alt.Tooltip("series:N", title=t("series", lang)),
                 alt.Tooltip("value:Q", format=",.0f", title=t("axis_area", lang))],
    )
    sink = _long(res, sink_names, lang)
    line = alt.Chart(sink).mark_line(strokeWidth=2.5).encode(
        x=x, y=alt.Y("value:Q", title=t("axis_emissions", lang)), color=color,
        tooltip=[alt.Tooltip("year:Q", format="d", title=t("year", lang)), alt.Tooltip("series:N", title=t("series", lang)),
                 alt.Tooltip("value:Q", format=",.0f", title=t("axis_emissions", lang))],
    )
    chart = alt.layer(area, line).resolve_scale(y="independent")
    return _style(chart, f"{t('chart_forest', lang)} / {t('chart_sink', lang)}", big, signature)


def overlay_chart(runs: Sequence[tuple[str, pd.DataFrame]], variable: str, unit: str, lang: str,
                  signature: str = "", big: bool = False, title: str | None = None,
                  highlight: str | None = None) -> alt.Chart:
    """One variable of several scenarios (first = reference)."""
    frames = []
    names = []
    for name, res in runs:
        s = res[variable]
        frames.append(pd.DataFrame({"year": s.index.to_numpy(float), "value": s.to_numpy(float), "scenario": name}))
        names.append(name)
    data = pd.concat(frames, ignore_index=True)
    colors = (SCENARIO_COLORS * 3)[: len(names)]
    enc = dict(
        x=alt.X("year:Q", title=t("year", lang), axis=alt.Axis(format="d"), scale=alt.Scale(nice=False, zero=False)),
        y=alt.Y("value:Q", title=f"{var_label(variable, lang)} ({unit})"),
        color=alt.Color("scenario:N", title=t("scenario", lang), scale=alt.Scale(domain=names, range=colors), sort=names),
        tooltip=[alt.Tooltip("year:Q", format="d", title=t("year", lang)), alt.Tooltip("scenario:N", title=t("scenario", lang)),
                 alt.Tooltip("value:Q", format=",.2f", title=var_label(variable, lang))],
    )
    if highlight is not None:
        enc["opacity"] = alt.condition(alt.datum.scenario == highlight, alt.value(1.0), alt.value(0.35))
        enc["strokeWidth"] = alt.condition(alt.datum.scenario == highlight, alt.value(4), alt.value(2))
    chart = alt.Chart(data).mark_line(strokeWidth=2.5).encode(**enc)
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#868e96", strokeWidth=0.8).encode(y="y:Q")
    return _style(alt.layer(chart, zero), title or t("compare_overlay", lang), big, signature)


def history_chart(frame: pd.DataFrame, title: str, unit: str, lang: str) -> alt.Chart:
    """History points (filled: observations, hollow: interpolated) and the model line."""
    obs = frame.assign(kind=np.where(np.isfinite(frame["observed"]), t("history_obs", lang), t("history_interp", lang)))
    kinds = [t("history_obs", lang), t("history_interp", lang), t("history_model", lang)]
    color = alt.Color("kind:N", title="", scale=alt.Scale(domain=kinds, range=["#212529", "#adb5bd", "#1c7ed6"]))
    x = alt.X("year:Q", title=t("year", lang), axis=alt.Axis(format="d"), scale=alt.Scale(nice=False, zero=False))
    pts = alt.Chart(obs).mark_point(filled=True, size=28).encode(
        x=x, y=alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False)), color=color,
        tooltip=[alt.Tooltip("year:Q", format="d"), alt.Tooltip("value:Q", format=",.1f"), "kind:N"])
    model = frame[["year", "model"]].rename(columns={"model": "value"}).assign(kind=t("history_model", lang))
    line = alt.Chart(model).mark_line(strokeWidth=2).encode(x=x, y="value:Q", color=color)
    return (alt.layer(pts, line).properties(title=alt.TitleParams(title, fontSize=13, anchor="start"), height=220)
            .configure_legend(orient="bottom", direction="vertical", labelLimit=300))


def sobol_chart(indices: pd.DataFrame, metric: str, labels: Mapping[str, str], lang: str) -> alt.Chart:
    rows = indices[(indices["metric"] == metric) & (indices["index"].isin(["S1", "ST"]))].copy()
    rows["param"] = rows["parameter"].map(lambda p: labels.get(p, p))
    rows["lo"] = rows["value"] - rows["conf"]
    rows["hi"] = rows["value"] + rows["conf"]
    base = alt.Chart(rows).encode(
        y=alt.Y("param:N", title=t("sens_parameter", lang), sort="-x"),
        yOffset="index:N",
        color=alt.Color("index:N", title=t("sens_index", lang)),
    )
    bars = base.mark_bar().encode(
        x=alt.X("value:Q", title=t("sens_index", lang)),
        tooltip=[alt.Tooltip("param:N", title=t("sens_parameter", lang)), "index:N", alt.Tooltip("value:Q", format=".3f"),
                 alt.Tooltip("conf:Q", format=".3f")])
    err = base.mark_rule(color="#212529").encode(x="lo:Q", x2="hi:Q")
    return alt.layer(bars, err).properties(title=t("sens_indices", lang), height=max(160, 50 * rows["param"].nunique()))


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
    return alt.layer(err, pts, text).properties(title=t("sens_indices", lang), height=320)


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
    return (alt.layer(band, line).properties(title=t("sens_time", lang), height=300)
            .configure_legend(orient="bottom", columns=2, labelLimit=300))
