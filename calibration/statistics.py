"""Summary statistics of the historical fit (拟合优度统计).

Following Sterman (1984), "Appropriate summary statistics for evaluating the historical
fit of system dynamics models", Dynamica 10(2): 51-66. With ``A`` the actual (observed)
and ``S`` the simulated values at the same n points:

* MSE  = mean((S - A)^2),  RMSE = sqrt(MSE)
* MAPE = 100 * mean(|S - A| / |A|)                       (percent)
* RMSPE = 100 * sqrt(mean(((S - A) / A)^2))              (percent)
* R^2  = 1 - sum((S - A)^2) / sum((A - mean A)^2)        (coefficient of determination;
  it penalises bias, unlike the squared correlation ``r^2``, which is also returned)
* Theil's inequality statistics: the MSE decomposes exactly into

      MSE = (mean S - mean A)^2 + (s_S - s_A)^2 + 2 (1 - r) s_S s_A

  with s the standard deviations (divisor n) and r the correlation of S and A.
  U^M (bias), U^S (unequal variation) and U^C (unequal covariation) are the three terms
  divided by MSE; U^M + U^S + U^C = 1. Large U^M or U^S point to systematic error, while
  error concentrated in U^C is unsystematic (point-to-point noise the model is not meant
  to reproduce).
* Theil's inequality coefficient U = RMSE / (sqrt(mean S^2) + sqrt(mean A^2)), 0 = perfect.

Undefined values (e.g. R^2 of a constant series, the proportions when MSE = 0) are NaN.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

STAT_NAMES = (
    "n", "mean_actual", "mean_simulated", "mse", "rmse", "mape", "rmspe", "r2",
    "r", "theil_u", "um", "us", "uc",
)


def fit_statistics(simulated: Sequence[float], actual: Sequence[float]) -> dict[str, float]:
    """Fit statistics of ``simulated`` against ``actual`` (same length, pairwise).

    Pairs where either value is NaN are dropped. Returns a dict with the keys of
    :data:`STAT_NAMES` (``mape`` and ``rmspe`` in percent; NaN if undefined).
    """
    s = np.asarray(simulated, dtype=float).ravel()
    a = np.asarray(actual, dtype=float).ravel()
    if s.shape != a.shape:
        raise ValueError(f"simulated has {s.size} values, actual {a.size}")
    ok = np.isfinite(s) & np.isfinite(a)
    s, a = s[ok], a[ok]
    n = int(s.size)
    nan = float("nan")
    out = dict.fromkeys(STAT_NAMES, nan)
    out["n"] = n
    if n == 0:
        return out
    err = s - a
    mse = float(np.mean(err**2))
    out.update(mean_actual=float(a.mean()), mean_simulated=float(s.mean()),
               mse=mse, rmse=math.sqrt(mse))
    nz = a != 0
    if nz.all():
        rel = err / a
        out["mape"] = 100.0 * float(np.mean(np.abs(rel)))
        out["rmspe"] = 100.0 * math.sqrt(float(np.mean(rel**2)))
    sst = float(np.sum((a - a.mean()) ** 2))
    if sst > 0:
        out["r2"] = 1.0 - float(np.sum(err**2)) / sst
    s_s = float(s.std())  # divisor n: the decomposition is exact with it
    s_a = float(a.std())
    if s_s > 0 and s_a > 0:
        r = float(np.mean((s - s.mean()) * (a - a.mean())) / (s_s * s_a))
        out["r"] = max(-1.0, min(1.0, r))
        cov_term = 2.0 * (1.0 - out["r"]) * s_s * s_a
    else:
        cov_term = 0.0  # r undefined, but s_S * s_A = 0 makes the term vanish
    denom = math.sqrt(float(np.mean(s**2))) + math.sqrt(float(np.mean(a**2)))
    if denom > 0:
        out["theil_u"] = math.sqrt(mse) / denom
    if mse > 0:
        out["um"] = (s.mean() - a.mean()) ** 2 / mse
        out["us"] = (s_s - s_a) ** 2 / mse
        out["uc"] = cov_term / mse
    return out


def statistics_table(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    """DataFrame (one row per series) from ``{series: fit_statistics(...)}``."""
    df = pd.DataFrame.from_dict(rows, orient="index")
    return df.reindex(columns=list(STAT_NAMES))


__all__ = ["STAT_NAMES", "fit_statistics", "statistics_table"]
