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
from typing import Mapping, Sequence

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
    history = RegionHistory(fit=fit, holdout=holdout, files=[str(f.path) for f in cfg.data])
    resolve_data_constants(cfg, history)
    resolve_data_inputs(cfg, history)
    return history


def resolve_data_inputs(cfg: CalibrationConfig, history: RegionHistory) -> None:
    """Set ``cfg.data_series`` from the region's whole series of each ``data_inputs``
    variable: constant -> (``pandas.Series`` by year, source text).

    Every observed year is used, also the years after ``fit_until``: a data input is
    exogenous (like the world wind and solar generation of the model file), so an
    out-of-sample projection is conditional on the observed input. The source is a
    ``{en, zh}`` text. Raises ConfigError when the region has no observation of the series,
    unless the input is optional (``cfg.optional_data_inputs``): then the model default is
    kept and a note is added to ``cfg.data_input_notes``.
    """
    from calibration.series import SERIES

    if not cfg.data_inputs:
        return
    rows = history.all
    for const, series in cfg.data_inputs.items():
        d = rows[rows["variable"] == series].sort_values("year")
        if d.empty and const in cfg.optional_data_inputs:
            note = (f"data input `{const}`: region {cfg.region} has no observation of "
                    f"`{series}`; the model default is kept")
            if note not in cfg.data_input_notes:
                cfg.data_input_notes.append(note)
            continue
        if d.empty:
            raise ConfigError(
                f"{cfg.path}: data_inputs.{const}: region {cfg.region} has no observation of "
                f"{series!r}; add the series to the region's data or remove the data input")
        values = pd.Series(d["value"].to_numpy(dtype=float), index=d["year"].to_numpy(dtype=float))
        sources = ", ".join(dict.fromkeys(str(v) for v in d["source"]))
        first, last = int(d["year"].iloc[0]), int(d["year"].iloc[-1])
        spec = SERIES[series]
        text = {"en": f"{spec.description_en}. {cfg.region} {first}-{last}, history series {series} "
                      f"(source {sources}, calibration/data/raw/SOURCES.md)",
                # no codes in the Chinese text (region, series and source ids are in the English one)
                "zh": f"{spec.description_zh}。{first}–{last}年历史数据，来源详见数据目录的来源登记"}
        cfg.data_series[const] = (values, text)


def data_input_values(cfg: CalibrationConfig) -> dict[str, pd.Series]:
    """The region's data inputs as run parameters: constant -> ``pandas.Series``."""
    return {const: values for const, (values, _) in cfg.data_series.items()}


#: Share of a region's land area assumed to be cropland and forest when the data hold no
#: land area (the world's cropland and forest cover about 42 % of the land, FAOSTAT); used
#: only to size land classes that do not drive emissions.
CROPLAND_FOREST_COVER_FALLBACK = 0.5


def resolve_data_constants(cfg: CalibrationConfig, history: RegionHistory) -> None:
    """Set the constants of ``cfg.from_data`` from the fitted data (INITIAL TIME value).

    The value is the independent observation of the series nearest to the model's INITIAL
    TIME within 5 years. ``total land area`` without a land-area series falls back on
    (cropland + forest) / :data:`CROPLAND_FOREST_COVER_FALLBACK`, said in the rationale.
    Raises ConfigError if a constant cannot be set.
    """
    from calibration.config import FixedValue
    from models.model import load_model

    if not cfg.from_data:
        return
    t0 = cfg.start_time(load_model())
    df = history.fit
    for const, series in cfg.from_data.items():
        value, year = _nearest_observation(df, series, t0)
        if value is not None:
            cfg.fixed[const] = FixedValue(
                value, f"{series} of {cfg.region} in {year} (from the region's data).",
                f"取自该区域数据：{year}年{series}。")
            continue
        if const == "total land area":
            crop, y1 = _nearest_observation(df, "cropland", t0)
            forest, y2 = _nearest_observation(df, "forest_area", t0)
            if crop is not None and forest is not None:
                value = (crop + forest) / CROPLAND_FOREST_COVER_FALLBACK
                cfg.fixed[const] = FixedValue(
                    value,
                    f"No land_area in the data of {cfg.region}: (cropland {y1} + forest {y2}) / "
                    f"{CROPLAND_FOREST_COVER_FALLBACK} (assumption; sizes land classes only).",
                    f"数据中无陆地面积：按（耕地+森林）/{CROPLAND_FOREST_COVER_FALLBACK}估算（假设）。")
                continue
        raise ConfigError(
            f"{cfg.path}: from_data.{const}: region {cfg.region} has no independent observation "
            f"of {series!r} within 5 years of {t0}; add it to the data or fix {const!r} in a "
            f"regions block")


def _nearest_observation(df: pd.DataFrame, series: str, year: int) -> tuple[float | None, int]:
    d = df[(df["variable"] == series) & df["fit_mask"]]
    if d.empty:
        return None, year
    dist = (d["year"] - year).abs()
    i = dist.idxmin()
    if dist[i] > 5:
        return None, year
    return float(d.loc[i, "value"]), int(d.loc[i, "year"])


#: Bounds of an anchored initial value, as factors of the region's earliest observation,
#: when the region has no observation at the start of the runs (its data start later;
#: the value at the start is then only known to be of that order).
EARLIEST_ANCHOR_FACTORS = (0.3, 1.2)


def observed_years(df: pd.DataFrame, series: str) -> list[int]:
    """Years with an independent observation of ``series``, ascending."""
    return sorted(int(y) for y in df.loc[(df["variable"] == series) & df["fit_mask"], "year"].unique())


def anchor_value(df: pd.DataFrame, anchor, year: int, fixed: Mapping[str, float], model) -> tuple[float | None, str]:
    """The observation an anchor scales, in ``year`` (its series, divided by its
    ``per_series`` of the same year or by its ``per_constant``), and a description of it;
    None when not observed."""
    v = observation_at(df, anchor.series, year)
    what = f"{anchor.series}({year})"
    if v is not None and anchor.per_series is not None:
        d = observation_at(df, anchor.per_series, year)
        v = None if d in (None, 0.0) else v / d
        what += f" / {anchor.per_series}({year})"
    elif v is not None and anchor.per_constant is not None:
        d = fixed.get(anchor.per_constant, model.constants[anchor.per_constant].default)
        v = v / d if d else None
        what += f" / {anchor.per_constant} ({d:g})"
    return v, what


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


def year_columns(times: np.ndarray, years: Sequence[int], timing: str) -> tuple[np.ndarray, np.ndarray]:
    """Columns (a, b) of the saved ``times`` whose mean is the model value of each data year.

    ``start``: the value at the integer year (1 January), a = b = that year's column;
    ``mid``: mean of the values at the year and the next one (mid-year stock, or
    calendar-year mean of a flow); ``end``: the value at the next integer year (31
    December), a = b = the next year's column.

    Raises:
        ValueError: a data year is not a saved time of the model.
    """
    years = np.asarray(years)
    idx = np.searchsorted(times, years.astype(float))  # type: ignore[attr-defined]  # an array since asarray
    if np.any(idx >= len(times)) or np.any(times[np.minimum(idx, len(times) - 1)] != years):
        raise ValueError("data years outside the model's saved times")
    if timing == "start":
        return idx, idx
    if timing == "end":
        return idx + 1, idx + 1
    return idx, idx + 1


def values_at_columns(arrays: np.ndarray, columns: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Model values (N, len(columns)) at the columns of ``year_columns``."""
    a, b = columns
    if a is b:
        return arrays[:, a]
    return 0.5 * (arrays[:, a] + arrays[:, b])


def model_at_years(
    arrays: np.ndarray, times: np.ndarray, years: Sequence[int], timing: str
) -> np.ndarray:
    """Model values (N, len(years)) compared with data years (timing: ``year_columns``)."""
    return values_at_columns(arrays, year_columns(times, years, timing))


__all__ = [
    "FitSeries",
    "RegionHistory",
    "build_targets",
    "load_region_history",
    "model_at_years",
    "values_at_columns",
    "year_columns",
    "observation_at",
    "select_points",
    "window_end",
]
