"""Matplotlib figures of sensitivity results (Agg canvas, no pyplot global state).

Each function returns a :class:`matplotlib.figure.Figure`; :func:`save_figure` writes
it as PNG and/or SVG. Figures are attached to an Agg canvas explicitly, so they work
headless and never change the process-wide backend (the Streamlit app can show them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(width: float = 7.0, height: float = 4.0) -> Figure:
    """A figure bound to an Agg canvas."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot_sobol_bars(indices: pd.DataFrame, metric: str) -> Figure:
    """Grouped bars of ``S1`` and ``ST`` per parameter with confidence error bars."""
    rows = _rows(indices, metric)
    parameters = list(dict.fromkeys(rows["parameter"]))
    fig = new_figure(max(5.0, 0.6 * len(parameters) + 2), 4.0)
    ax = fig.add_subplot()
    x = np.arange(len(parameters))
    width = 0.38
    for offset, kind in ((-width / 2, "S1"), (width / 2, "ST")):
        part = rows[rows["index"] == kind].set_index("parameter").reindex(parameters)
        ax.bar(x + offset, part["value"], width, yerr=part["conf"], capsize=3, label=kind)
    ax.set_xticks(x, parameters, rotation=45, ha="right")
    ax.set_ylabel("Sensitivity index")
    ax.set_title(f"{metric}: first-order (S1) and total (ST) indices{_status_note(rows)}")
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.legend()
    return fig


def plot_morris(indices: pd.DataFrame, metric: str) -> Figure:
    """Morris ``mu_star`` vs ``sigma`` scatter with parameter labels and ``mu_star`` CIs."""
    rows = _rows(indices, metric)
    wide = rows.pivot(index="parameter", columns="index", values="value")
    conf = rows[rows["index"] == "mu_star"].set_index("parameter")["conf"].reindex(wide.index)
    fig = new_figure(6.0, 5.0)
    ax = fig.add_subplot()
    ax.errorbar(wide["mu_star"], wide["sigma"], xerr=conf, fmt="o", capsize=3)
    for name, row in wide.iterrows():
        ax.annotate(str(name), (row["mu_star"], row["sigma"]), textcoords="offset points", xytext=(5, 5))
    ax.set_xlabel("μ* (mean absolute elementary effect)")
    ax.set_ylabel("σ (std. of elementary effects)")
    ax.set_title(f"{metric}: Morris screening{_status_note(rows)}")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    return fig


def plot_time_heatmap(time_indices: xr.Dataset, metric: str, index: str = "ST") -> Figure:
    """Heatmap of one index kind over parameters (rows) and time (columns)."""
    if index not in time_indices:
        raise KeyError(f"index '{index}' not in the time-resolved indices ({', '.join(time_indices.data_vars)})")
    data = time_indices[index].sel(metric=metric).transpose("parameter", "time")
    times = np.asarray(data["time"].values, dtype=float)
    fig = new_figure(8.0, max(3.0, 0.4 * data.sizes["parameter"] + 1.5))
    ax = fig.add_subplot()
    mesh = ax.pcolormesh(_edges(times), np.arange(data.sizes["parameter"] + 1), data.values, shading="flat")
    ax.set_yticks(np.arange(data.sizes["parameter"]) + 0.5, [str(p) for p in data["parameter"].values])
    ax.set_xlabel("time")
    ax.set_title(f"{metric}: {index} over time")
    fig.colorbar(mesh, ax=ax, label=index)
    return fig


def plot_convergence(table: pd.DataFrame, metric: str, max_conf: float | None = None) -> Figure:
    """S1 and ST against the sample size ``N`` with confidence bands (log2 axis)."""
    rows = table[table["metric"] == metric]
    if rows.empty:
        raise KeyError(f"metric '{metric}' not in the convergence table")
    fig = new_figure(10.0, 4.0)
    axes = fig.subplots(1, 2, sharey=True)
    for ax, kind in zip(axes, ("S1", "ST"), strict=True):
        for parameter, part in rows[rows["index"] == kind].groupby("parameter", sort=False):
            part = part.sort_values("n")
            (line,) = ax.plot(part["n"], part["value"], marker="o", label=str(parameter))
            ax.fill_between(
                part["n"], part["value"] - part["conf"], part["value"] + part["conf"], color=line.get_color(), alpha=0.2
            )
        ax.set_xscale("log", base=2)
        ax.set_xlabel("N (base sample size)")
        ax.set_title(f"{metric}: {kind}")
    axes[0].set_ylabel("Sensitivity index")
    axes[1].legend(fontsize="small")
    if max_conf is not None:
        fig.suptitle(f"Band: bootstrap CI; rule: max ST_conf ≤ {max_conf}")
    return fig


def save_figure(fig: Figure, stem: str | Path, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``fig`` to ``stem.<format>`` for each format; returns the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = stem.with_name(f"{stem.name}.{fmt}")
        fig.savefig(path, format=fmt, dpi=150)
        paths.append(path)
    return paths


def _rows(indices: pd.DataFrame, metric: str) -> pd.DataFrame:
    rows = indices[(indices["metric"] == metric) & (indices["index"] != "S2")]
    if rows.empty:
        raise KeyError(f"metric '{metric}' not in the indices table")
    return rows


def _status_note(rows: pd.DataFrame) -> str:
    statuses = sorted(set(rows["status"]) - {"ok"}) if "status" in rows else []
    return f" [{', '.join(statuses)}]" if statuses else ""


def _edges(centres: np.ndarray) -> np.ndarray:
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2
    return np.r_[centres[0] - (mid[0] - centres[0]), mid, centres[-1] + (centres[-1] - mid[-1])]
