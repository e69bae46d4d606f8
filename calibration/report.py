"""Fit report: statistics per series, parameter table, warnings, figures (拟合报告).

:func:`assess` runs the model once with a set of overrides and compares it with the
history of the region: per series and per window (the fitting window, the evaluation
window ``evaluation_start``-latest, and after ``fit_until`` the out-of-sample years),
using only independent observations (``fit_mask``). :func:`write_report` writes
``report.md`` and one PNG per series into a directory (files are first written to a
temporary directory next to it and then moved in, so a failure leaves the old report).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from calibration.config import CalibrationConfig
from calibration.evaluate import model_times, simulate_many
from calibration.observations import RegionHistory, data_input_values, model_at_years, select_points, window_end
from calibration.series import SERIES
from calibration.statistics import STAT_NAMES, fit_statistics

WINDOW_LABELS = {
    "evaluation": "in-sample, evaluation window",
    "fit": "in-sample, whole fitting window",
    "out_of_sample": "out-of-sample (not fitted)",
}


@dataclass
class Assessment:
    """Model-vs-history comparison for one set of overrides."""

    region: str
    overrides: dict[str, float]
    windows: dict[str, tuple[int, int]]  # name -> (first, last) year
    stats: pd.DataFrame  # columns: series, window, first, last + STAT_NAMES
    model: dict[str, pd.Series]  # series -> model values by year (series timing)
    acceptance: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self, window: str = "evaluation") -> dict[str, dict[str, float]]:
        """{series: {stat: value}} of one window (for the baseline's calibration block)."""
        out = {}
        d = self.stats[self.stats["window"] == window]
        for _, row in d.iterrows():
            out[row["series"]] = {
                "years": [int(row["first"]), int(row["last"])],
                **{k: _clean(row[k]) for k in
                   ("n", "mape", "rmspe", "r2", "theil_u", "um", "us", "uc")},
            }
        return out


def _clean(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    v = float(v)
    if not math.isfinite(v):
        return None
    return float(f"{v:.6g}")


def assess(
    cfg: CalibrationConfig,
    overrides: Mapping[str, float],
    history: RegionHistory,
    *,
    fitted_end: int | None = None,
    data: Mapping[str, pd.Series] | None = None,
) -> Assessment:
    """Compare the model run with ``overrides`` against the region's history.

    Args:
        cfg: configuration (series, window, evaluation start, fit_until).
        overrides: Vensim name -> value (fixed constants and estimates).
        history: fitted rows and held-out rows (after ``cfg.fit_until``).
        data: data inputs given as time series (default: the region's, ``cfg.data_series``).
        fitted_end: last year of the fitting window (default: computed like the fit).
    """
    times = model_times(initial_time=cfg.initial_time)
    names = list(overrides)
    X = np.array([[float(overrides[n]) for n in names]]) if names else np.zeros((1, 0))
    outputs = list(dict.fromkeys(t.model_variable for t in cfg.series))
    data = data_input_values(cfg) if data is None else dict(data)
    arrays = simulate_many(X, names, outputs, fixed=data, initial_time=cfg.initial_time)
    end = fitted_end if fitted_end is not None else window_end(cfg, history.fit)
    windows = {"fit": (cfg.window_start, end),
               "evaluation": (max(cfg.evaluation_start, cfg.window_start), end)}
    if windows["evaluation"][0] > end:  # e.g. --fit-until before the evaluation start
        windows["evaluation"] = windows["fit"]
    all_rows = history.all
    if cfg.fit_until is not None and not history.holdout.empty:
        last = int(history.holdout["year"].max())
        windows["out_of_sample"] = (cfg.fit_until + 1, last)
    rows = []
    model: dict[str, pd.Series] = {}
    skipped = []
    final = float(times[-1])
    for t in cfg.series:
        present = all_rows[all_rows["variable"] == t.name]
        if present.empty:
            skipped.append(t.name)
            continue
        years = np.arange(int(times[0]), int(min(final - 1, present["year"].max() + 3)) + 1)
        values = model_at_years(arrays[t.model_variable], times, years, t.timing)[0]
        model[t.name] = pd.Series(values, index=years)
        for wname, (a, b) in windows.items():
            src = history.holdout if wname == "out_of_sample" else history.fit
            d = select_points(src, t.name, a, b, final_time=final)
            if d.empty:
                continue
            sim = model[t.name].reindex(d["year"]).to_numpy()
            st = fit_statistics(sim, d["value"].to_numpy())
            rows.append({"series": t.name, "window": wname, "first": int(d["year"].min()),
                         "last": int(d["year"].max()), **st})
    stats = pd.DataFrame(rows, columns=["series", "window", "first", "last", *STAT_NAMES])
    acceptance = []
    ev = stats[stats["window"] == "evaluation"].set_index("series")
    for name, limit in cfg.acceptance.items():
        mape = float(ev.loc[name, "mape"]) if name in ev.index else float("nan")
        acceptance.append({"series": name, "mape": mape, "limit": limit,
                           "pass": bool(np.isfinite(mape) and mape <= limit)})
    return Assessment(cfg.region, dict(overrides), windows, stats, model, acceptance, skipped)


# ------------------------------------------------------------------------------ format
def _fmt(v, digits: int = 4) -> str:
    if v is None:
        return "—"
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(v):
        return "—" if math.isnan(v) else ("∞" if v > 0 else "−∞")
    if v == 0:
        return "0"
    if abs(v) >= 1e5 or abs(v) < 1e-3:
        return f"{v:.{digits - 1}e}"
    return f"{v:.{digits}g}"


def _pct(v) -> str:
    v = float(v)
    return f"{v:.2f}" if math.isfinite(v) else "—"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _stats_table(stats: pd.DataFrame, window: str) -> str:
    d = stats[stats["window"] == window]
    rows = []
    for _, r in d.iterrows():
        rows.append([f"`{r['series']}`", f"{int(r['first'])}–{int(r['last'])}", int(r["n"]),
                     _pct(r["mape"]), _pct(r["rmspe"]), _fmt(r["r2"], 4), _fmt(r["r"], 4),
                     _fmt(r["theil_u"], 3), _fmt(r["um"], 2), _fmt(r["us"], 2),
                     _fmt(r["uc"], 2)])
    return _table(["series", "years", "n", "MAPE %", "RMSPE %", "R²", "r", "Theil U",
                   "U^M", "U^S", "U^C"], rows)


def _rel(path: str | Path, base: Path | None = None) -> str:
    """Path relative to the repository root when inside it, else absolute."""
    from calibration.baseline import REPO_ROOT

    p = Path(path).resolve()
    try:
        return str(p.relative_to(REPO_ROOT))
    except ValueError:
        return str(p)


# ----------------------------------------------------------------------------- figures
def _figure(path: Path, cfg: CalibrationConfig, name: str, assessment: Assessment,
            history: RegionHistory) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec = SERIES[name]
    fig, ax = plt.subplots(figsize=(7.5, 4.2), dpi=110)
    a, b = assessment.windows["fit"]
    ax.axvspan(a - 0.5, b + 0.5, color="#dbe9f6", alpha=0.7, lw=0, label="in-sample (fitting window)")
    if "out_of_sample" in assessment.windows:
        c, d = assessment.windows["out_of_sample"]
        ax.axvspan(c - 0.5, d + 0.5, color="#fde0c5", alpha=0.8, lw=0, label="out-of-sample")
    m = assessment.model[name]
    ax.plot(m.index, m.values, color="#1f4e9c", lw=2, label="model")
    first = int(m.index[0])  # the model starts at INITIAL TIME: earlier data are not shown
    fit_rows = history.fit[(history.fit["variable"] == name) & (history.fit["year"] >= first)]
    inside = fit_rows["fit_mask"] & (fit_rows["year"] >= a) & (fit_rows["year"] <= b)
    obs = fit_rows[inside]
    ax.plot(obs["year"], obs["value"], "o", color="black", ms=4, label="observation (fitted)")
    outside = fit_rows[fit_rows["fit_mask"] & ~inside]
    if not outside.empty:
        ax.plot(outside["year"], outside["value"], "o", mfc="none", color="0.5", ms=4,
                label="observation outside the fitting window")
    not_obs = fit_rows[~fit_rows["fit_mask"]]
    if not not_obs.empty:
        ax.plot(not_obs["year"], not_obs["value"], "x", color="0.6", ms=4,
                label="not an observation (interpolated/imputed)")
    hold = history.holdout[(history.holdout["variable"] == name)
                           & (history.holdout["year"] >= first)]
    if not hold.empty:
        ho = hold[hold["fit_mask"]]
        ax.plot(ho["year"], ho["value"], "s", mfc="none", color="#c0392b", ms=5,
                label=f"held out (after {cfg.fit_until})")
        hn = hold[~hold["fit_mask"]]
        if not hn.empty:
            ax.plot(hn["year"], hn["value"], "x", color="#e8a09a", ms=4)
    ax.set_title(f"{cfg.region}: {name} — {spec.model_variable}", fontsize=10)
    ax.set_ylabel(spec.unit)
    ax.set_xlabel("year")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# ------------------------------------------------------------------------------ report
def render_markdown(cfg: CalibrationConfig, assessment: Assessment, result=None, *,
                    source: str = "", out_dir: Path | None = None) -> str:
    """The Markdown text of the report (figures referenced as fig_<series>.png)."""
    base = out_dir or Path.cwd()
    L: list[str] = []
    title = f"# Calibration report — {cfg.region}"
    if cfg.fit_until is not None:
        title += f" (fitted to data up to {cfg.fit_until})"
    L.append(title)
    L.append("")
    now = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    L.append(f"- generated: {now}")
    L.append(f"- configuration: `{_rel(cfg.path, base)}`")
    if result is not None:
        for f in result.data_files:
            L.append(f"- data: `{_rel(f['path'], base)}` (sha256 {f['sha256'][:12]}…)")
    else:
        for f in cfg.data:
            L.append(f"- data: `{_rel(f.path, base)}`")
    if source:
        L.append(f"- parameters from: {source}")
    a, b = assessment.windows["fit"]
    L.append(f"- fitting window: {a}–{b} (independent observations only: FAO interpolations, "
             "imputations and projections excluded)")
    if cfg.fit_until is not None:
        L.append(f"- **out-of-sample test**: only data up to {cfg.fit_until} were read for the fit; "
                 "later data are used below for evaluation only")
    e = assessment.windows["evaluation"]
    L.append(f"- evaluation window: {e[0]}–{e[1]}")
    if result is not None:
        de = result.optimizer["de"]
        ls = result.optimizer["least_squares"]
        L.append(f"- objective (weighted normalised SSE): {result.objective:.6g} "
                 f"(start {result.optimizer['objective_start']:.6g}, after DE {result.objective_de:.6g})")
        L.append(f"- differential evolution: {de['nit']} generations, {de['message']}; "
                 f"least_squares polish: "
                 + (f"{ls.get('nfev')} evaluations, {'accepted' if ls.get('accepted') else 'not better, discarded'}"
                    if ls.get("used") else "not used"))
        L.append(f"- runs: {result.optimizer['runs']}; runtime {result.timing['total_s']:.1f} s "
                 f"(DE {result.timing['de_s']:.1f} s, polish {result.timing['least_squares_s']:.1f} s)")
        ident = result.identification or {}
        if ident:
            L.append(f"- identification: {ident.get('rounds', 0)} round(s), "
                     f"{len(ident.get('eliminated', []))} constant(s) fixed as not identified; "
                     f"{ident.get('runs', 0)} runs and {ident.get('total_s', 0):.1f} s in all")
            # judged against the reasons of the configuration this report is written with,
            # so a reason added after the fit (``calibrate report --result``) is seen
            from calibration.identify import unidentified

            nb = [d["name"] for d in unidentified(result, cfg) if d["kind"] == "bound"]
            if nb:
                L.append("- **estimates at a bound without a written reason** (a finding: the data "
                         "push them outside the prior range): " + ", ".join(f"`{n}`" for n in nb))
    L.append("")

    if assessment.acceptance:
        L.append(f"## Acceptance: in-sample MAPE {e[0]}–{e[1]} (each series to its latest observation)")
        L.append("")
        rows = [[f"`{r['series']}`", _pct(r["mape"]), _fmt(r["limit"], 3),
                 "pass" if r["pass"] else "**FAIL**"] for r in assessment.acceptance]
        L.append(_table(["series", "MAPE %", "limit %", ""], rows))
        L.append("")

    L.append("## Fit statistics")
    L.append("")
    L.append("MAPE and RMSPE in percent; R² = 1 − SSE/SST; r = correlation; Theil U = "
             "RMSE/(√mean S² + √mean A²); U^M, U^S, U^C = shares of the MSE due to bias, unequal "
             "variation and unequal covariation (Sterman 1984; they add up to 1).")
    L.append("")
    for w in ("evaluation", "fit", "out_of_sample"):
        if w not in assessment.windows:
            continue
        x, y = assessment.windows[w]
        L.append(f"### {WINDOW_LABELS[w]} ({x}–{y})")
        L.append("")
        L.append(_stats_table(assessment.stats, w))
        L.append("")

    if result is not None:
        L.append("## Parameters")
        L.append("")
        L.append("SE from cov = s²(JᵀJ)⁻¹ at the optimum (local, conditional on the structure and "
                 "the fixed constants, optimistic because residuals are autocorrelated). "
                 "Interval = estimate ± 1.96 SE, not truncated to the bounds.")
        L.append("")
        rows = []
        for i, n in enumerate(result.names):
            x, se = result.estimates[i], result.se[i]
            rel = se / abs(x) if (x != 0 and math.isfinite(se)) else float("nan")
            flags = [f for f in result.flags[i]["flags"] if not f.startswith("corr:")]
            corr = [f[5:] for f in result.flags[i]["flags"] if f.startswith("corr:")]
            note = ", ".join(flags)
            if corr:
                note += ("; " if note else "") + "corr. with " + ", ".join(f"`{c}`" for c in corr)
            ci = (f"{_fmt(x - 1.96 * se)} … {_fmt(x + 1.96 * se)}" if math.isfinite(se) else "—")
            rows.append([f"`{n}`", _fmt(x, 6), _fmt(se, 3), _fmt(rel, 2), ci,
                         f"[{_fmt(result.lower[i])}, {_fmt(result.upper[i])}]",
                         _fmt(result.defaults[i]), note])
        L.append(_table(["parameter", "estimate", "SE", "rel. SE", "95 % interval", "bounds",
                         "model default", "flags"], rows))
        L.append("")
        elim = (result.identification or {}).get("eliminated") or []
        if elim:
            L.append("### Constants fixed because the history does not identify them")
            L.append("")
            L.append("Each was estimated first; the data could not identify it, so it is fixed "
                     "to its literature value (the documented model default) and the other "
                     "constants were fitted again (`calibration/identify.py`).")
            L.append("")
            L.append(_table(["constant", "round", "estimate when removed", "SE", "prior range",
                             "reason", "value used"],
                            [[f"`{d['name']}`", str(d.get("round", "")), _fmt(d["estimate"], 4),
                              _fmt(d["se"] if d["se"] is not None else float("nan"), 3),
                              f"[{_fmt(d['lower'])}, {_fmt(d['upper'])}]", d["reason"],
                              _fmt(d["value"], 6)] for d in elim]))
            L.append("")
        from calibration.identify import last_undone

        kept = [d for n, d in last_undone(result.identification).items() if n in result.names]
        if kept:
            L.append("### Flagged constants kept estimated: the data reject their literature value")
            L.append("")
            L.append("Fixing each to its literature value raised the in-sample objective by more "
                     "than the configured limit (`identification.max_objective_increase`), so the "
                     "fixing was undone: the wide standard error is local (a ridge shared with "
                     "other constants), not a flat profile (a finding).")
            L.append("")
            L.append(_table(["constant", "round", "reason flagged", "literature value",
                             "objective before", "objective with it fixed"],
                            [[f"`{d['name']}`", str(d.get("round", "")), d["reason"],
                              _fmt(d["value"], 6), _fmt(d["objective_before"], 4),
                              _fmt(d["objective_fixed"], 4)] for d in kept]))
            L.append("")
        from calibration.identify import ANCHOR_BOUND_REASON

        at_bound = [(n, p.bound_reason or ANCHOR_BOUND_REASON) for p in cfg.parameters
                    for n in [p.name]
                    if (p.bound_reason or p.anchor is not None) and n in result.names
                    and any(f in ("at_lower_bound", "at_upper_bound")
                            for f in result.flags[result.names.index(n)]["flags"])]
        if at_bound:
            L.append("Estimates at a bound, with the reason given in the configuration: "
                     + "; ".join(f"`{n}`: {r}" for n, r in at_bound))
            L.append("")
        if result.fixed:
            L.append("Fixed for this region: " + ", ".join(
                f"`{k}` = {_fmt(v, 6)}" for k, v in result.fixed.items()))
            L.append("")
        if result.bound_notes:
            L.append("Data-anchored bounds: " + "; ".join(
                f"`{k}`: {v}" for k, v in result.bound_notes.items()))
            L.append("")
        L.append("## Warnings")
        L.append("")
        if result.warnings:
            L += [f"- {w}" for w in result.warnings]
        else:
            L.append("- none")
        L.append("")
    else:
        L.append("## Parameters")
        L.append("")
        L.append(_table(["constant", "value"],
                        [[f"`{k}`", _fmt(v, 6)] for k, v in assessment.overrides.items()]))
        L.append("")

    notes = list(result.notes) if result is not None else []
    notes += [f"series `{s}` has no data for region {cfg.region}: not shown"
              for s in assessment.skipped if not any(f"'{s}'" in n for n in notes)]
    if not cfg.is_home_region:
        est = set(result.names) if result is not None else set(assessment.overrides)
        fixed = set(cfg.fixed)
        kept = [c for c in cfg.region_specific if c not in est and c not in fixed]
        if kept:
            notes.append(f"constants kept at the model default of {cfg.home_region} (not constrained "
                         f"by {cfg.region} data): " + ", ".join(f"`{c}`" for c in kept))
    if notes:
        L.append("## Notes")
        L.append("")
        L += [f"- {n}" for n in notes]
        L.append("")

    L.append("## Figures")
    L.append("")
    for name in assessment.model:
        L.append(f"![{name}](fig_{name}.png)")
        L.append("")
    return "\n".join(L)


def write_report(cfg: CalibrationConfig, assessment: Assessment, history: RegionHistory,
                 out_dir: str | Path, result=None, *, source: str = "") -> Path:
    """Write report.md, figures (and fit_result.json if ``result``) to ``out_dir``.

    Everything is first written to a temporary directory; files are moved into
    ``out_dir`` only when all of them were written.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=out_dir.parent))
    try:
        for name in assessment.model:
            _figure(tmp / f"fig_{name}.png", cfg, name, assessment, history)
        text = render_markdown(cfg, assessment, result, source=source, out_dir=out_dir)
        (tmp / "report.md").write_text(text, encoding="utf-8")
        assessment.stats.to_csv(tmp / "statistics.csv", index=False)
        if result is not None:
            result.save(tmp / "fit_result.json")
        out_dir.mkdir(parents=True, exist_ok=True)
        for f in sorted(tmp.iterdir()):
            os.replace(f, out_dir / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir / "report.md"


__all__ = ["Assessment", "assess", "render_markdown", "write_report"]
