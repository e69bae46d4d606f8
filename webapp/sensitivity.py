"""Model evaluator for ``analysis.sensitivity.run_analysis`` (PySD reference runner).

One PySD run per parameter set (about 0.15 s), so the app keeps samples small and
capped (:data:`MAX_RUNS`); the vectorized batch runner (``models/batch``) will replace
:class:`PySDEvaluator` with a compiled evaluator of the same contract. The evaluator is
a top-level class holding only plain data, so it pickles for Dask as the contract asks.
"""

from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

import numpy as np

from analysis.sensitivity import SensitivityProblem, run_analysis
from analysis.sensitivity.result import SensitivityResult

#: Metrics a user can analyse: key -> i18n label key. Turning-point years are NaN when
#: not reached; Sobol censors them at the horizon end + 1 (:data:`CENSOR_YEAR`).
METRICS: tuple[str, ...] = ("tp3", "neutrality", "tp5", "net_2060", "cum_net", "peak")
YEAR_METRICS = {"tp3", "neutrality", "tp5"}
SERIES_METRIC = "net_emissions"  # the time-resolved output
SERIES_TIMES = np.arange(2020.0, 2101.0, 5.0)
HORIZON_END = 2100.0
CENSOR_YEAR = HORIZON_END + 1
MAX_RUNS = 400
SECONDS_PER_RUN = 0.16
SOBOL_N = (4, 8, 16, 32, 64)
MORRIS_R = (2, 4, 6, 8, 10, 20)
_COLUMNS = ("gross emissions", "land carbon sink", "net emissions", "growth attributable emissions",
            "total construction land")


def _metrics_of(results) -> dict[str, float]:
    from webapp.core import compute_turning_points, cumulative, value_at

    tps = compute_turning_points(results)
    year = {k: (math.nan if tps[k].year is None or not tps[k].reached else float(tps[k].year)) for k in YEAR_METRICS}
    return {
        **year,
        "net_2060": value_at(results, "net emissions", 2060),
        "cum_net": cumulative(results, "net emissions", 2020, 2060),
        "peak": float(results["gross emissions"].max()),
    }


class PySDEvaluator:
    """``evaluate(X, names) -> {metric: (n,), net_emissions: (n, T)}`` around a scenario."""

    def __init__(self, metrics: Sequence[str], base_overrides: Mapping[str, float] | None = None) -> None:
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise ValueError(f"unknown metric {unknown[0]!r}; choose from {', '.join(METRICS)}")
        self.metrics = tuple(metrics)
        self.base_overrides = dict(base_overrides or {})
        self.times = SERIES_TIMES

    def __call__(self, X: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        from models.model import load_model

        model = load_model()
        n = X.shape[0]
        out = {m: np.full(n, np.nan) for m in self.metrics}
        series = np.full((n, len(self.times)), np.nan)
        for i in range(n):
            overrides = {**self.base_overrides, **{name: float(v) for name, v in zip(names, X[i])}}
            res = model.run(overrides, return_columns=list(_COLUMNS), source="sensitivity sample")
            res.index = res.index.astype(float)
            values = _metrics_of(res)
            for m in self.metrics:
                out[m][i] = values[m]
            s = res["net emissions"]
            series[i] = np.interp(self.times, s.index.to_numpy(float), s.to_numpy(float))
        out[SERIES_METRIC] = series
        return out


def planned_runs(method: str, n: int, k: int) -> int:
    return n * (k + 2) if method == "sobol" else n * (k + 1)


def run(names: Sequence[str], bounds: Sequence[tuple[float, float]], metric: str, method: str, n: int,
        base_overrides: Mapping[str, float], progress: Callable[[int, int], None] | None = None,
        seed: int = 12345) -> SensitivityResult:
    """Run one analysis (capped at :data:`MAX_RUNS`); chunks of 4 runs for a live progress bar."""
    runs = planned_runs(method, n, len(names))
    if runs > MAX_RUNS:
        raise ValueError(f"{runs} runs exceed the cap of {MAX_RUNS}")
    problem = SensitivityProblem.from_mapping({"names": list(names), "bounds": [list(b) for b in bounds]},
                                              source="app")
    base = {k: v for k, v in base_overrides.items() if k not in names}
    evaluator = PySDEvaluator([metric], base)
    censor = {metric: CENSOR_YEAR} if metric in YEAR_METRICS else None
    return run_analysis(problem, evaluator, method=method, n=n, seed=seed, chunk_size=4, progress=progress,
                        censor=censor, num_resamples=100)


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
