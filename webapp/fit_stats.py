"""History-vs-model comparison of the History page, with fit statistics.

The statistics come from ``calibration.statistics.fit_statistics(simulated, actual)``
(Sterman 1984: R² as coefficient of determination, r, MAPE, RMSPE, Theil's U and its
decomposition U^M/U^S/U^C), and the model value of a data year is taken at the time the
calibration configures for that series (``calibration.observations.year_columns``: a
calendar-year mean by default). The same function and the same timing produce the
calibration report, so for the national baseline the page shows the report's statistics of
the whole fitting window.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from webapp.scenario_io import REPO_ROOT

HISTORY_PATH = REPO_ROOT / "calibration" / "data" / "history_CHN.csv"
SOURCES_PATH = REPO_ROOT / "calibration" / "data" / "SOURCES.md"
STAT_COLUMNS = ("n", "r2", "r", "mape", "rmspe", "theil_u", "um", "us", "uc")


def statistics_function():
    """``(f(simulated, actual) -> mapping, source label)``: the calibration's statistics."""
    from calibration.statistics import fit_statistics

    return fit_statistics, "calibration.statistics.fit_statistics"


@functools.cache
def series_timing() -> dict[str, str]:
    """History series -> the model time its data year is compared with (``start``, ``mid``:
    mean of the year and the next, ``end``), as the national calibration configures it."""
    from calibration.config import load_config  # noqa: PLC0415

    cfg = load_config(REPO_ROOT / "calibration" / "national.yaml")
    return {t.name: t.timing for t in cfg.series}


@dataclass(frozen=True)
class HistoryFit:
    """History vs baseline model output for every primary series."""

    pairs: Mapping[str, pd.DataFrame]  # model variable -> year, value, observed, model
    stats: pd.DataFrame  # one row per model variable
    descriptions: Mapping[str, Mapping[str, str]]  # model variable -> {zh, en, unit, series}
    stats_source: str


def history_fit(results: pd.DataFrame, model, path: Path | pd.DataFrame = HISTORY_PATH,
                region: str = "CHN") -> HistoryFit:
    """Compare the primary history series (``calibration.series``) with a model run.

    ``path``: a history file, or a long history frame already read by
    ``calibration.history.load_history`` (a region entered in the app). ``observed``
    holds only independent observations (``fit_mask``: no interpolated, imputed or
    projected points); the statistics use those.
    """
    from calibration.history import history_wide, load_history  # noqa: PLC0415
    from calibration.observations import values_at_columns, year_columns  # noqa: PLC0415
    from calibration.series import SERIES, primary_series  # noqa: PLC0415

    long = path if isinstance(path, pd.DataFrame) else load_history(path, region=region)
    values = history_wide(long, region)
    observed = history_wide(long, region, observations_only=True).reindex(index=values.index, columns=values.columns)
    fn, source = statistics_function()
    pairs: dict[str, pd.DataFrame] = {}
    desc: dict[str, dict[str, str]] = {}
    rows = []
    for model_var, series in primary_series().items():
        if series not in values.columns:
            continue
        name = model.resolve(model_var)
        if name not in results.columns:
            continue
        sim = results[name]
        timing = series_timing().get(series, "mid")
        years = values.index.to_numpy(int)
        last = sim.index.max() - (0 if timing == "start" else 1)  # "mid" and "end" need the next year
        in_run = (years >= sim.index.min()) & (years <= last)
        frame = pd.DataFrame({
            "year": years[in_run],
            "value": values[series].to_numpy(float)[in_run],
            "observed": observed[series].to_numpy(float)[in_run],
        })
        # the model value of a data year as the calibration takes it (start, mid-year or end)
        columns = year_columns(sim.index.to_numpy(float), frame["year"].to_numpy(int), timing)
        frame["model"] = values_at_columns(sim.to_numpy(float)[None, :], columns)[0]
        frame = frame[np.isfinite(frame["value"])].reset_index(drop=True)
        if frame.empty:
            continue
        pairs[name] = frame
        spec = SERIES[series]
        desc[name] = {"zh": spec.description_zh, "en": spec.description_en, "unit": spec.unit, "series": series}
        ok = np.isfinite(frame["observed"].to_numpy(float))
        stats = dict(fn(frame["model"].to_numpy(float)[ok], frame["observed"].to_numpy(float)[ok]))
        rows.append({"variable": name, "series": series, **{k: stats.get(k, math.nan) for k in STAT_COLUMNS}})
    table = pd.DataFrame(rows, columns=["variable", "series", *STAT_COLUMNS])
    return HistoryFit(pairs=pairs, stats=table, descriptions=desc, stats_source=source)
