"""Out-of-sample validation: fit to history up to a cut-off year, score what follows (外推检验).

A behaviour test in Sterman's sense (*Business Dynamics*, ch. 21): the model is fitted to
a region's history up to ``fit_until`` only (the later rows are split off right after
loading, :func:`calibration.observations.load_region_history`), then its projection is
compared with the history it has not seen. Every case is fitted with several optimizer
seeds, because a projection that depends on the seed is decided by the optimizer, not by
the data: the table reports each seed and the spread.

For each case and seed: the out-of-sample statistics of every fitted series (MAPE, RMSPE,
Theil U and its bias / variance / covariance shares), the projected peak year of fossil
and industry CO2 (year of the maximum, never exceeded afterwards) against the observed
one, and pass/fail against the case's limits.

The standard set is the ``validation`` block of ``calibration/national.yaml``; any other
region can be validated with ``--case REGION:YEAR`` and ``--data``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from calibration.config import CalibrationConfig, ConfigError, load_config, read_yaml

PEAK_VARIABLE = "fossil and industry CO2 emissions"
PEAK_SERIES = "co2_fossil_industry"


@dataclass(frozen=True)
class Case:
    """One out-of-sample test: fit ``region`` to data up to ``fit_until``."""

    region: str
    fit_until: int
    limits: dict[str, float] = field(default_factory=dict)  # series -> max MAPE %
    peak_tolerance: int | None = None  # years; None: the peak is not checked
    data: str | None = None  # history file replacing the configured ones


@dataclass
class CaseResult:
    case: Case
    seed: int
    stats: pd.DataFrame  # out-of-sample rows: series, n, mape, rmspe, theil_u, um, us, uc
    projected_peak: int | None
    observed_peak: int | None
    peak_status: str  # "peak", "still rising", "before start"
    eliminated: list[str]
    runtime_s: float
    objective: float

    def mape(self, series: str) -> float:
        d = self.stats[self.stats["series"] == series]
        return float(d["mape"].iloc[0]) if len(d) else float("nan")

    @property
    def peak_error(self) -> int | None:
        if self.projected_peak is None or self.observed_peak is None:
            return None
        return self.projected_peak - self.observed_peak

    def passed(self) -> bool:
        ok = all(np.isfinite(self.mape(s)) and self.mape(s) <= lim
                 for s, lim in self.case.limits.items())
        if self.case.peak_tolerance is not None:
            err = self.peak_error
            ok = ok and err is not None and abs(err) <= self.case.peak_tolerance
        return ok


def peak_year(years: Sequence[int], values: Sequence[float]) -> tuple[int | None, str]:
    """Year of the maximum of ``values`` that is never exceeded afterwards.

    Returns (year, status): status ``"peak"``, ``"still rising"`` (maximum at the last
    year: no peak yet) or ``"before start"`` (maximum at the first year).
    """
    v = np.asarray(values, float)
    y = np.asarray(years, int)
    ok = np.isfinite(v)
    v, y = v[ok], y[ok]
    if v.size == 0:
        return None, "no data"
    i = int(np.argmax(v))
    if i == v.size - 1:
        return None, "still rising"
    if i == 0:
        return int(y[0]), "before start"
    return int(y[i]), "peak"


def standard_cases(config_path: str | Path) -> tuple[list[Case], list[int]]:
    """Cases and seeds of the configuration's ``validation`` block."""
    raw = read_yaml(Path(config_path))
    block = raw.get("validation")
    where = f"{config_path}: validation"
    if not isinstance(block, dict):
        raise ConfigError(f"{where}: missing; list the cases (region, fit_until, limits)")
    seeds = block.get("seeds", [20240601])
    if (not isinstance(seeds, list) or not seeds
            or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)):
        raise ConfigError(f"{where}.seeds: must be a list of integers >= 0, got {seeds!r}")
    cases = []
    for i, c in enumerate(block.get("cases") or []):
        key = f"{where}.cases[{i}]"
        if not isinstance(c, dict):
            raise ConfigError(f"{key}: must be a mapping")
        unknown = set(c) - {"region", "fit_until", "limits", "peak_tolerance", "data"}
        if unknown:
            raise ConfigError(f"{key}: unknown key(s) {sorted(unknown)}")
        region, year = c.get("region"), c.get("fit_until")
        if not isinstance(region, str) or not isinstance(year, int) or isinstance(year, bool):
            raise ConfigError(f"{key}: needs region (text) and fit_until (year)")
        limits = c.get("limits") or {}
        if not isinstance(limits, dict) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0
                for v in limits.values()):
            raise ConfigError(f"{key}.limits: must map series to a MAPE limit > 0")
        tol = c.get("peak_tolerance")
        if tol is not None and (not isinstance(tol, int) or isinstance(tol, bool) or tol < 0):
            raise ConfigError(f"{key}.peak_tolerance: must be a whole number of years >= 0")
        data = c.get("data")
        if data is not None:
            data = str(Path(config_path).parent / data)
        cases.append(Case(region, year, {k: float(v) for k, v in limits.items()}, tol, data))
    if not cases:
        raise ConfigError(f"{where}.cases: no case given")
    return cases, list(seeds)


def parse_case(text: str) -> Case:
    """``REGION:YEAR`` (command line) -> Case without limits."""
    try:
        region, year = text.split(":")
        return Case(region.strip(), int(year))
    except ValueError:
        raise ConfigError(f"--case: {text!r} is not REGION:YEAR (e.g. USA:2000)") from None


def run_case(
    config_path: str | Path,
    case: Case,
    seed: int,
    *,
    maxiter: int | None = None,
    log: Callable[[str], None] | None = None,
) -> CaseResult:
    """Fit ``case`` with ``seed`` (identifiable calibration) and score its projection."""
    import time

    from calibration.baseline import rounded_overrides
    from calibration.evaluate import model_times, simulate_many
    from calibration.identify import fit_identified
    from calibration.observations import load_region_history
    from calibration.report import assess

    t0 = time.perf_counter()
    cfg: CalibrationConfig = load_config(config_path, region=case.region, data=case.data,
                                         fit_until=case.fit_until)
    changes: dict = {"seed": seed}
    if maxiter is not None:
        changes["maxiter"] = maxiter
    cfg.optimizer = dataclasses.replace(cfg.optimizer, **changes)
    history = load_region_history(cfg)
    result, _ = fit_identified(cfg, history, log=log)
    overrides = rounded_overrides(result)
    assessment = assess(cfg, overrides, history, fitted_end=result.window[1])
    stats = assessment.stats[assessment.stats["window"] == "out_of_sample"].copy()
    names = list(overrides)
    X = np.array([[float(overrides[n]) for n in names]])
    times = model_times()
    co2 = simulate_many(X, names, [PEAK_VARIABLE])[PEAK_VARIABLE][0]
    projected, _ = peak_year(times.astype(int), co2)
    obs = history.all
    obs = obs[(obs["variable"] == PEAK_SERIES) & obs["fit_mask"]].sort_values("year")
    observed, status = peak_year(obs["year"].to_numpy(), obs["value"].to_numpy())
    return CaseResult(case, seed, stats.reset_index(drop=True), projected, observed, status,
                      [d["name"] for d in (result.identification or {}).get("eliminated", [])],
                      time.perf_counter() - t0, result.objective)


def results_frame(results: list[CaseResult]) -> pd.DataFrame:
    """One row per case, seed and out-of-sample series (tidy)."""
    rows = []
    for r in results:
        for _, s in r.stats.iterrows():
            rows.append({"region": r.case.region, "fit_until": r.case.fit_until,
                         "seed": r.seed, "series": s["series"],
                         "years": f"{int(s['first'])}-{int(s['last'])}", "n": int(s["n"]),
                         "mape": s["mape"], "rmspe": s["rmspe"], "theil_u": s["theil_u"],
                         "um": s["um"], "us": s["us"], "uc": s["uc"],
                         "limit": r.case.limits.get(s["series"], float("nan"))})
    return pd.DataFrame(rows)


def summary_frame(results: list[CaseResult]) -> pd.DataFrame:
    """One row per case and seed: CO2 MAPE, peak years, pass/fail."""
    rows = []
    for r in results:
        rows.append({
            "region": r.case.region, "fit_until": r.case.fit_until, "seed": r.seed,
            "co2_mape": r.mape(PEAK_SERIES),
            "co2_limit": r.case.limits.get(PEAK_SERIES, float("nan")),
            "projected_peak": r.projected_peak, "observed_peak": r.observed_peak,
            "observed_status": r.peak_status,
            "peak_tolerance": r.case.peak_tolerance,
            "pass": r.passed(), "fixed_unidentified": len(r.eliminated),
            "objective": r.objective, "runtime_s": r.runtime_s,
        })
    return pd.DataFrame(rows)


def spread_frame(summary: pd.DataFrame) -> pd.DataFrame:
    """Per case: min / median / max over seeds of the CO2 MAPE and the projected peak."""
    rows = []
    for (region, year), d in summary.groupby(["region", "fit_until"], sort=False):
        peaks = d["projected_peak"].dropna().astype(float)
        rows.append({
            "region": region, "fit_until": year, "seeds": len(d),
            "co2_mape_min": d["co2_mape"].min(), "co2_mape_median": d["co2_mape"].median(),
            "co2_mape_max": d["co2_mape"].max(),
            "peak_min": peaks.min() if len(peaks) else float("nan"),
            "peak_median": peaks.median() if len(peaks) else float("nan"),
            "peak_max": peaks.max() if len(peaks) else float("nan"),
            "peak_not_reached": int(d["projected_peak"].isna().sum()),
            "all_pass": bool(d["pass"].all()),
        })
    return pd.DataFrame(rows)


def _f(v, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{v:.{digits}f}"


def markdown(results: list[CaseResult], command: str) -> str:
    """The validation report (Markdown)."""
    return markdown_frames(summary_frame(results), results_frame(results), [command])


def markdown_frames(summary: pd.DataFrame, detail: pd.DataFrame, commands: Sequence[str]) -> str:
    """The validation report (Markdown) of a summary and a detail frame (one run or merged runs)."""
    spread = spread_frame(summary)
    head = (f"Command: `{commands[0]}`" if len(commands) == 1 else
            f"Merged from {len(commands)} runs (`tcsd calibrate validate --merge`): "
            + "; ".join(f"`{c}`" for c in commands))
    L = ["# Out-of-sample validation (外推检验)", "",
         head, "",
         "Each case is fitted only to data up to its cut-off year (identifiable calibration, "
         "`calibration/identify.py`) and scored on the later data it has not seen. Peak = year "
         "of the maximum of fossil and industry CO2, never exceeded afterwards.", "",
         "## Spread over optimizer seeds", "",
         "| region | fit to | seeds | CO2 MAPE min / median / max % | projected peak min / median / max | no peak by 2100 | all pass |",
         "|---|---|---|---|---|---|---|"]
    for _, s in spread.iterrows():
        L.append(f"| {s['region']} | {s['fit_until']} | {s['seeds']} | "
                 f"{_f(s['co2_mape_min'])} / {_f(s['co2_mape_median'])} / {_f(s['co2_mape_max'])} | "
                 f"{_f(s['peak_min'], 0)} / {_f(s['peak_median'], 0)} / {_f(s['peak_max'], 0)} | "
                 f"{s['peak_not_reached']} | {'yes' if s['all_pass'] else '**no**'} |")
    L += ["", "## Each seed", "",
          "| region | fit to | seed | CO2 MAPE % | limit % | projected peak | observed peak | tolerance | pass | constants fixed as unidentified | runtime s |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for _, s in summary.iterrows():
        obs = _f(s["observed_peak"]) if s["observed_status"] == "peak" else s["observed_status"]
        L.append(f"| {s['region']} | {s['fit_until']} | {s['seed']} | {_f(s['co2_mape'])} | "
                 f"{_f(s['co2_limit'], 0)} | {_f(s['projected_peak'])} | {obs} | "
                 f"{'±' + str(s['peak_tolerance']) if s['peak_tolerance'] is not None else '—'} | "
                 f"{'pass' if s['pass'] else '**FAIL**'} | {s['fixed_unidentified']} | "
                 f"{_f(s['runtime_s'], 0)} |")
    L += ["", "## Every series out of sample", "",
          "| region | fit to | seed | series | years | n | MAPE % | RMSPE % | Theil U | U^M | U^S | U^C |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for _, d in detail.iterrows():
        L.append(f"| {d['region']} | {d['fit_until']} | {d['seed']} | `{d['series']}` | "
                 f"{d['years']} | {d['n']} | {_f(d['mape'])} | {_f(d['rmspe'])} | "
                 f"{_f(d['theil_u'], 3)} | {_f(d['um'])} | {_f(d['us'])} | {_f(d['uc'])} |")
    return "\n".join(L) + "\n"


def read_run(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(summary, detail, command) of a validation folder written by :func:`write`.

    Raises ValueError naming the folder and file when one is missing or malformed."""
    folder = Path(folder)
    files = {name: folder / name for name in ("validation_summary.csv", "validation.csv", "validation.md")}
    for name, path in files.items():
        if not path.is_file():
            raise ValueError(f"{folder}: no {name} (a folder written by 'calibrate validate --out')")
    summary = pd.read_csv(files["validation_summary.csv"])
    detail = pd.read_csv(files["validation.csv"])
    missing = {"region", "fit_until", "seed", "co2_mape", "pass"} - set(summary.columns)
    if missing:
        raise ValueError(f"{files['validation_summary.csv']}: missing columns {sorted(missing)}")
    for col in ("projected_peak", "observed_peak", "peak_tolerance"):  # integers or None
        summary[col] = pd.Series([None if pd.isna(v) else int(v) for v in summary[col]], dtype=object)
    line = next((ln for ln in files["validation.md"].read_text(encoding="utf-8").splitlines()
                 if ln.startswith("Command: `")), None)
    command = line[len("Command: `"):].rstrip("`") if line else str(folder)
    return summary, detail, command


def merge(folders: Sequence[str | Path], out_dir: str | Path) -> Path:
    """Merge validation folders (e.g. one seed each, run side by side) into one report.

    Raises ValueError when two folders hold the same case and seed."""
    runs = [read_run(f) for f in folders]
    summary = pd.concat([r[0] for r in runs], ignore_index=True)
    detail = pd.concat([r[1] for r in runs], ignore_index=True)
    dup = summary.duplicated(["region", "fit_until", "seed"])
    if dup.any():
        d = summary[dup].iloc[0]
        raise ValueError(f"--merge: {d['region']} fitted to {d['fit_until']} with seed {d['seed']} "
                         "is in more than one folder")
    return _write_frames(summary, detail, out_dir, [r[2] for r in runs])


def write(results: list[CaseResult], out_dir: str | Path, command: str) -> Path:
    """Write validation.md and validation.csv atomically into ``out_dir``."""
    return _write_frames(summary_frame(results), results_frame(results), out_dir, [command])


def _write_frames(summary: pd.DataFrame, detail: pd.DataFrame, out_dir: str | Path,
                  commands: Sequence[str]) -> Path:
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        (tmp / "validation.md").write_text(markdown_frames(summary, detail, commands), encoding="utf-8")
        summary.to_csv(tmp / "validation_summary.csv", index=False)
        detail.to_csv(tmp / "validation.csv", index=False)
        out_dir.mkdir(exist_ok=True)
        for f in tmp.iterdir():
            os.replace(f, out_dir / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir / "validation.md"


__all__ = ["Case", "CaseResult", "markdown", "parse_case", "peak_year", "results_frame",
           "run_case", "spread_frame", "standard_cases", "summary_frame", "write"]
