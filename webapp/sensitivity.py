"""Sensitivity page back end: the product model's evaluator on the batch runner.

The app offers every metric of the catalogue of :mod:`analysis.sensitivity.model`
(:data:`METRICS`, by catalogue name) and one time-resolved output (net emissions);
the evaluator
which runs samples in chunks on the compiled batch runner (about 10,000 runs/s), so the
same analysis the command line runs is run here, with the page's progress bar.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from analysis.sensitivity import SensitivityProblem
from analysis.sensitivity.model import CATALOGUE, run_model_analysis
from models.model import load_model
from analysis.sensitivity.result import SensitivityResult

#: Metrics a user can analyse: the whole metric catalogue of the product model
#: (turning-point years, peak, cumulative and level indicators), by catalogue name.
METRICS: tuple[str, ...] = tuple(CATALOGUE)
YEAR_METRICS = frozenset(n for n, spec in CATALOGUE.items() if spec.kind == "turning_point")
DEFAULT_METRIC = "net_2060" if "net_2060" in CATALOGUE else METRICS[0]
SERIES_METRIC = "net emissions"  # the time-resolved output (a model variable)
SERIES_TIMES = np.arange(2020.0, 2101.0, 5.0)
MAX_RUNS = 50_000
SECONDS_PER_RUN = 0.0002
SOBOL_N = (8, 16, 32, 64, 128, 256, 512, 1024)
MORRIS_R = (2, 4, 6, 8, 10, 20, 50, 100)


def censor_year() -> float:
    """Year a turning point not reached by the horizon counts as (``FINAL TIME + SAVEPER``)."""
    ts = load_model().time_settings
    return float(ts["FINAL TIME"] + ts["SAVEPER"])


def metric_label(name: str, lang: str) -> str:
    """Display name of a catalogue metric with its unit (units in the page language)."""
    from webapp.i18n import unit_label

    spec = CATALOGUE[name]
    text = spec.display(lang)
    raw = spec.unit()
    unit = {"year": "年" if lang == "zh" else "year"}.get(raw, unit_label(raw, lang))
    return f"{text}（{unit}）" if lang == "zh" else f"{text} ({unit})"


def planned_runs(method: str, n: int, k: int) -> int:
    return n * (k + 2) if method == "sobol" else n * (k + 1)


def run(names: Sequence[str], bounds: Sequence[tuple[float, float]], metric: str, method: str, n: int,
        base_overrides: Mapping[str, float], progress: Callable[[int, int], None] | None = None,
        seed: int = 12345) -> SensitivityResult:
    """Run one analysis (capped at :data:`MAX_RUNS`) around the given base overrides."""
    if metric not in CATALOGUE:
        raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(METRICS)}")
    runs = planned_runs(method, n, len(names))
    if runs > MAX_RUNS:
        raise ValueError(f"{runs} runs exceed the cap of {MAX_RUNS}")
    problem = SensitivityProblem.from_mapping({"names": list(names), "bounds": [list(b) for b in bounds]},
                                              source="app")
    base = {k: v for k, v in base_overrides.items() if k not in names}
    result = run_model_analysis(
        problem, [metric], time_variables=[SERIES_METRIC], time_years=SERIES_TIMES,
        scenario=base, method=method, n=n, seed=seed, chunk_size=max(64, runs // 20), progress=progress,
        num_resamples=100,
    )
    return result


def time_frame(result: SensitivityResult, index: str):
    """Tidy frame (time, parameter, value, conf) of one time-resolved index."""
    import pandas as pd

    ds = result.time_indices
    if ds is None or index not in ds:
        return pd.DataFrame(columns=["time", "parameter", "value", "conf"])
    da = ds[index].sel(metric=SERIES_METRIC)
    conf_name = f"{index}_conf"
    conf = ds[conf_name].sel(metric=SERIES_METRIC) if conf_name in ds else da * np.nan
    df = da.to_dataframe(name="value").reset_index()[["time", "parameter", "value"]]
    df["conf"] = conf.to_dataframe(name="conf").reset_index()["conf"].to_numpy()
    return df
