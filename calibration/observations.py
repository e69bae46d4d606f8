"""History of the region being calibrated, split into fitted and held-out data (拟合数据).

:func:`load_region_history` reads the configured files with
:func:`calibration.history.load_history` and, when ``fit_until`` is set, splits the rows
**immediately after loading**: rows after ``fit_until`` go to a separate held-out frame
that only the report reads; everything the fit sees (bounds anchored on the data,
normalisation, residuals) is built from the other frame.

:func:`build_targets` turns the fitted rows into :class:`FitSeries`: for each configured
series the years, values and the normalisation scale of its independent observations
(``fit_mask``: FAO interpolations, imputations and projections excluded) inside the
fitting window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from calibration.config import CalibrationConfig, ConfigError, SeriesTarget
from calibration.history import HistoryDataError, load_history


@dataclass
class RegionHistory:
    """History of one region: rows usable for fitting, and rows held out (after fit_until)."""

    fit: pd.DataFrame
    holdout: pd.DataFrame
    files: list[str]

    @property
    def all(self) -> pd.DataFrame:
        return pd.concat([self.fit, self.holdout], ignore_index=True)


@dataclass
class FitSeries:
    """Independent observations of one series used in the objective."""

    target: SeriesTarget
    years: np.ndarray  # int
    values: np.ndarray  # float, model unit
    scale: float  # normalisation: mean |value| of the fitted observations

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def n(self) -> int:
        return len(self.years)


def load_region_history(cfg: CalibrationConfig) -> RegionHistory:
    """Load every configured file for ``cfg.region``; split at ``cfg.fit_until``.

    Raises:
        HistoryDataError: bad file content (names file, row, column).
        ConfigError: the same (region, year, variable) in two files.
    """
    fits, lates = [], []
    for f in cfg.data:
        df = load_history(f.path, region=cfg.region, min_points=f.min_points)
        df = df.assign(file=str(f.path))
        # Out-of-sample: rows after fit_until are separated right here, before anything
        # else (bounds, normalisation, residuals) reads the data.
        if cfg.fit_until is not None:
            late = df["year"] > cfg.fit_until
            lates.append(df[late])
            df = df[~late]
        fits.append(df)
    fit = pd.concat(fits, ignore_index=True)
    holdout = (pd.concat(lates, ignore_index=True) if lates
               else fit.iloc[0:0].copy())
    both = pd.concat([fit, holdout], ignore_index=True)
    dup = both[both.duplicated(["region", "year", "variable"], keep=False)]
    if not dup.empty:
        first = dup.iloc[0]
        same = dup[(dup.variable == first.variable) & (dup.year == first.year)]
        raise HistoryDataError(same.file.iloc[-1], [
            f"row {int(same.row.iloc[-1])}: variable {first.variable!r}, year {int(first.year)} "
            f"also appears in {same.file.iloc[0]}; each (region, year, variable) may appear in "
            "one file only"])
    return RegionHistory(fit=fit, holdout=holdout, files=[str(f.path) for f in cfg.data])


def observation_at(df: pd.DataFrame, series: str, year: int) -> float | None:
    """The independent observation of ``series`` in ``year`` or None."""
    row = df[(df["variable"] == series) & (df["year"] == year) & df["fit_mask"]]
    if row.empty:
        return None
    return float(row["value"].iloc[0])


def window_end(cfg: CalibrationConfig, fit_df: pd.DataFrame) -> int:
    """Last year of the fitting window: configured end, or the latest fitted observation."""
    names = [t.name for t in cfg.series]
    d = fit_df[fit_df["variable"].isin(names) & fit_df["fit_mask"]]
    latest = int(d["year"].max()) if not d.empty else cfg.window_start
    end = latest if cfg.window_end is None else min(cfg.window_end, latest)
    if cfg.fit_until is not None:
        end = min(end, cfg.fit_until)
    return end


def select_points(
    df: pd.DataFrame, name: str, start: int, end: int, *, final_time: float
) -> pd.DataFrame:
    """Independent observations of ``name`` with start <= year <= end (and inside the run)."""
    d = df[(df["variable"] == name) & df["fit_mask"]
           & (df["year"] >= start) & (df["year"] <= end) & (df["year"] + 1 <= final_time)]
    return d.sort_values("year")


def build_targets(
    cfg: CalibrationConfig, fit_df: pd.DataFrame, times: np.ndarray
) -> tuple[list[FitSeries], list[str], int]:
    """Fitted observations per configured series.

    Returns:
        (series with at least one observation, notes about skipped series, window end).

    Raises:
        ConfigError: if no configured series has any observation in the window.
    """
    end = window_end(cfg, fit_df)
    out: list[FitSeries] = []
    notes: list[str] = []
    for t in cfg.series:
        d = select_points(fit_df, t.name, cfg.window_start, end, final_time=float(times[-1]))
        if d.empty:
            notes.append(f"series {t.name!r} has no independent observation for region "
                         f"{cfg.region} in {cfg.window_start}-{end}; it is not fitted")
            continue
        values = d["value"].to_numpy(dtype=float)
        scale = float(np.mean(np.abs(values)))
        if not scale > 0:
            notes.append(f"series {t.name!r} is zero throughout {cfg.window_start}-{end}; "
                         "it cannot be normalised and is not fitted")
            continue
        out.append(FitSeries(t, d["year"].to_numpy(dtype=int), values, scale))
    if not out:
        raise ConfigError(f"{cfg.path}: series: none of the configured series has an "
                          f"independent observation for region {cfg.region} in "
                          f"{cfg.window_start}-{end}")
    return out, notes, end


def model_at_years(
    arrays: np.ndarray, times: np.ndarray, years: Sequence[int], timing: str
) -> np.ndarray:
    """Model values (N, len(years)) compared with data years.

    ``start``: value at the integer year (1 January); ``mid``: mean of the values at the
    year and the next one (mid-year stock, or calendar-year mean of a flow); ``end``: value
    at the next integer year (31 December).
    """
    years = np.asarray(years)
    idx = np.searchsorted(times, years.astype(float))  # type: ignore[attr-defined]  # an array since asarray
    if np.any(idx >= len(times)) or np.any(times[np.minimum(idx, len(times) - 1)] != years):
        raise ValueError("data years outside the model's saved times")
    if timing == "start":
        return arrays[:, idx]
    if timing == "end":
        return arrays[:, idx + 1]
    return 0.5 * (arrays[:, idx] + arrays[:, idx + 1])


__all__ = [
    "FitSeries",
    "RegionHistory",
    "build_targets",
    "load_region_history",
    "model_at_years",
    "observation_at",
    "select_points",
    "window_end",
]
