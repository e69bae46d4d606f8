"""Turning points of observed history and the check of the calibrated runs against it.

History is read by the calibration loader (:func:`calibration.history.load_history`,
the one reader of the data format); the model variable a history series is compared
with comes from the calibration registry (:data:`calibration.series.SERIES`), and the
region's data files, calibrated baseline and report folder from the calibration
configuration (:func:`calibration.config.load_config`).

:func:`compare_history` applies the same detector (same window, same smoothing) to
the observed emissions and to the calibrated run's historical years and reports
TP1–TP3 side by side, with the difference and a reason when it exceeds the tolerance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .core import detect
from .definitions import NAMES, TPOptions, project_path
from .kinks import time_driven_variables
from .narration import TurningPointTable, fy, narrate
from .smoothing import HISTORY_SMOOTHING, Smoothing

__all__ = ["DEFAULT_CONFIG", "history_series", "history_turning_points", "compare_history", "COMPARE_KEYS"]

#: The calibration configuration naming each region's data, baseline and report folder.
DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "calibration" / "national.yaml"
COMPARE_KEYS: tuple[str, ...] = ("tp1", "tp2", "tp3")


def history_series(path: str | Path, region: str, variable: str) -> pd.Series:
    """One observed series (observations only, model unit) indexed by year, read and
    validated by :func:`calibration.history.load_history`."""
    from calibration.history import history_wide, load_history

    df = load_history(path, region, min_points=1)
    wide = history_wide(df, region, observations_only=True)
    if variable not in wide.columns:
        raise ValueError(f"{path}: no observations of '{variable}' for region {region!r}; "
                         f"variables: {', '.join(wide.columns)}")
    s = wide[variable].dropna()
    s.index = s.index.astype(float)
    return s


def history_turning_points(path: str | Path, region: str, variable: str = "co2_fossil_industry", *,
                           sink_variable: str | None = None, gdp_variable: str | None = None,
                           smoothing: Smoothing | None = HISTORY_SMOOTHING, start: float | None = None,
                           end: float | None = None) -> TurningPointTable:
    """Turning points of an observed emission series (whole record = both windows).

    Smoothing defaults to the centred 5-year moving average (history is noisy).
    """
    from .narration import turning_points

    E = history_series(path, region, variable)
    S = history_series(path, region, sink_variable) if sink_variable else None
    Y = history_series(path, region, gdp_variable) if gdp_variable else None
    first = float(E.index.min()) if start is None else start
    return turning_points(E, sink=S, gdp=Y, smoothing=smoothing, start=start, end=end, analysis_start=first)


def _baseline_of(cfg: Any) -> Path | None:
    for path in (cfg.baseline_path, cfg.report_dir / f"baseline_{cfg.region}.yaml"):
        if Path(path).is_file():
            return Path(path)
    return None


def _reason(key: str, obs: Mapping[str, Any], mod: Mapping[str, Any], mape: float) -> str:
    parts = []
    if mod.get("kink"):
        parts.append(f"model year sits on an abrupt change of input {mod['kink']}")
    for who, r in (("observed", obs), ("model", mod)):
        if r["status"] != "reached":
            parts.append(f"{who}: {r['text']}")
    if not parts:
        parts.append("no input kink: the fitted emission path turns at another time than history")
    parts.append(f"emission fit error over the window {mape:.1f} % (MAPE)")
    return "; ".join(parts)


def compare_history(
    regions: Sequence[str] = ("CHN", "USA", "GBR"),
    *,
    config: str | Path = DEFAULT_CONFIG,
    variable: str = "co2_fossil_industry",
    smoothing: Smoothing | None = HISTORY_SMOOTHING,
    tolerance: float = 2.0,
    options: TPOptions | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """TP1–TP3 of observed history vs the calibrated run's historical years.

    For each region, the window runs from the calibration window start to the last
    observed year of ``variable``; the model is the region's calibrated baseline
    (the configuration's baseline path, else ``baseline_<REGION>.yaml`` in its report
    folder), run on the batch runner, compared on the model variable the calibration
    fits ``variable`` to.

    Returns:
        One row per region and key: region, key, name, window, observed_year,
        observed_status, model_year, model_status, difference (model − observed, years),
        within (|difference| <= tolerance), reason (when not within, or a side is not
        identified), baseline (file used, or the reason it is missing).
    """
    from calibration.config import load_config
    from calibration.series import SERIES
    from models.model import batch_model
    from scenarios import load_scenario

    if variable not in SERIES:
        raise ValueError(f"unknown history variable {variable!r}; registered: {', '.join(sorted(SERIES))}")
    model_var = SERIES[variable].model_variable
    opts = TPOptions.of(options, smoothing=smoothing)
    rows = []
    for region in regions:
        cfg = load_config(config, region=region)
        data = [d.path for d in cfg.data]
        observed = None
        for path in data:
            try:
                observed = history_series(path, region, variable)
                break
            except ValueError:
                continue
        if observed is None:
            raise ValueError(f"{', '.join(map(str, data))}: no '{variable}' series for {region}")
        t0 = float(cfg.window_start)
        t1 = float(observed.index.max())
        observed = observed[(observed.index >= t0) & (observed.index <= t1)]
        window = f"{fy(t0)}–{fy(t1)}"
        wopts = TPOptions.of(opts, start=t0, end=t1, analysis_start=t0)
        obs_arr = detect(observed.index.to_numpy(float), {"emissions": observed.to_numpy(float)}, wopts,
                         keys=COMPARE_KEYS, keep_series=True)
        obs_tab = narrate(obs_arr)
        baseline = _baseline_of(cfg)
        mod_tab, mape = None, np.nan
        if baseline is not None:
            overrides = load_scenario(baseline).inputs
            drivers = time_driven_variables()
            res = batch_model().run(dict(overrides), n_runs=1, outputs=[model_var, *drivers])
            times = np.asarray(res.times, dtype=float)
            E = np.asarray(res[model_var], dtype=float)
            mod_arr = detect(times, {"emissions": E}, wopts, keys=COMPARE_KEYS,
                             drivers={d: np.asarray(res[d], dtype=float) for d in drivers}, keep_series=True)
            mod_tab = narrate(mod_arr)
            sim = pd.Series(E[0], index=times).reindex(observed.index)
            mape = float(100 * np.mean(np.abs(sim - observed) / observed))
            source = project_path(baseline)
        else:
            source = (f"missing: no calibrated baseline for {region} (looked for {project_path(cfg.baseline_path)} and "
                      f"{project_path(cfg.report_dir / f'baseline_{region}.yaml')}); run python -m calibration fit "
                      f"--config {project_path(config)} --region {region} --write-baseline")
        for key in COMPARE_KEYS:
            o = obs_tab.hist[key]
            m = None if mod_tab is None else mod_tab.hist[key]
            diff = (m.year - o.year) if (m is not None and m.reached and o.reached) else np.nan
            within = bool(abs(diff) <= tolerance + 1e-9) if np.isfinite(diff) else None
            reason = ""
            if m is None:
                reason = "calibrated run missing"
            elif within is not True:
                reason = _reason(key, {"status": o.status, "text": o.reason_en},
                                 {"status": m.status, "text": m.reason_en, "kink": _kink_text(m)}, mape)
            rows.append({
                "region": region, "key": key, "name": NAMES[key]["en"], "window": window,
                "observed_year": o.year, "observed_status": o.status,
                "model_year": None if m is None else m.year, "model_status": None if m is None else m.status,
                "difference": diff, "within": within, "reason": reason, "baseline": source,
            })
    df = pd.DataFrame(rows)
    for c in ("observed_year", "model_year", "difference"):
        df[c] = df[c].astype(float)
    return df


def _kink_text(point) -> str:
    if not point.kink_inputs:
        return ""
    marker = "abrupt change of input "
    reason = point.reason_en
    return reason[reason.index(marker) + len(marker):] if marker in reason else ", ".join(point.kink_inputs)


