"""Convergence of Sobol indices with the sample size, at no extra model runs.

SALib's Sobol design (``SALib.sample.sobol``) is nested: with the same seed, the
first ``m * (k+2)`` rows (``m * (2k+2)`` with second order) of the design for ``N``
are exactly the design for ``m`` (the scrambled Sobol' sequence is drawn in order and
each base point expands to one block). ``skip_values`` is not needed (and SALib
discourages it). So the indices for ``N = 2^6, 2^7, ..., N_max`` are computed from
prefixes of the runs already made; a test asserts the nesting property.

Rule: the sample is large enough for a metric once the largest ``ST_conf`` (bootstrap
confidence half-width, as reported by SALib) over all parameters is at or below
``max_conf``, and stays there for every larger ``N`` analysed. Only scalar metrics are
analysed (time-resolved ones: use the final-time value as a scalar metric).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .metrics import AnalysisOptions, analyze_vector
from .problem import SensitivityProblem
from .sampling import SOBOL, SampleDesign, is_power_of_two

TABLE_COLUMNS: list[str] = ["metric", "n", "n_runs", "parameter", "index", "value", "conf", "status"]
SUMMARY_COLUMNS: list[str] = ["metric", "n", "max_st_conf", "meets_rule", "converged"]


@dataclass(frozen=True)
class ConvergenceResult:
    """Indices for increasing ``N`` and the verdict of the stopping rule.

    Attributes:
        table: Tidy S1/ST rows per metric and ``n`` (:data:`TABLE_COLUMNS`).
        summary: Per metric and ``n``: largest ST half-width, whether the rule holds
            at ``n`` and whether it holds for ``n`` and every larger size.
        recommended_n: Per metric, the smallest converged ``n`` (``None``: not yet,
            increase ``N``).
        max_conf: Threshold of the rule.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    recommended_n: dict[str, int | None]
    max_conf: float


def sample_sizes(n_max: int, start_exponent: int = 6) -> list[int]:
    """Powers of two from ``2**start_exponent`` up to ``n_max`` (inclusive)."""
    sizes = [2**e for e in range(start_exponent, int(np.log2(n_max)) + 1) if 2**e <= n_max]
    return sizes or [n_max]


def sobol_convergence(
    problem: SensitivityProblem,
    design: SampleDesign,
    outputs: Mapping[str, np.ndarray],
    *,
    censor: Mapping[str, float] | None = None,
    options: AnalysisOptions = AnalysisOptions(),  # noqa: B008 (a frozen dataclass: shared safely)
    start_exponent: int = 6,
    max_conf: float = 0.05,
) -> ConvergenceResult:
    """Sobol S1/ST of scalar outputs for nested prefixes ``N = 2^start_exponent .. n``.

    Args:
        problem: The problem of the design.
        design: A Sobol design whose ``n`` is a power of two.
        outputs: Outputs of all runs of ``design``; time-resolved ones are ignored.
        censor: Censoring values per metric (see :mod:`.undefined`).
        options: Bootstrap settings.
        start_exponent: Smallest size analysed, ``2**start_exponent``.
        max_conf: Threshold on the largest ``ST_conf`` (see the module docstring).
    """
    if design.method != SOBOL:
        raise ValueError(f"convergence analysis needs a Sobol design, got {design.method!r}")
    if not is_power_of_two(design.n):
        raise ValueError(f"convergence analysis needs n to be a power of 2, got {design.n}")
    censor = dict(censor or {})
    block = design.block_size(problem.num_vars)
    frames = []
    for n in sample_sizes(design.n, start_exponent):
        runs = n * block
        sub_design = replace(design, X=design.X[:runs], n=n)
        for metric, y in outputs.items():
            if y.ndim != 1:
                continue
            result = analyze_vector(
                problem,
                sub_design,
                metric,
                y[:runs],
                censor_value=censor.get(metric),
                options=options,
                second_order=False,
            )
            frames.append(result.rows.assign(n=n, n_runs=runs))
    table = pd.concat(frames, ignore_index=True)[TABLE_COLUMNS] if frames else pd.DataFrame(columns=TABLE_COLUMNS)
    summary = _summary(table, max_conf)
    recommended = {
        metric: (int(group.loc[group["converged"], "n"].min()) if group["converged"].any() else None)
        for metric, group in summary.groupby("metric", sort=False)
    }
    return ConvergenceResult(table=table, summary=summary, recommended_n=recommended, max_conf=max_conf)


def _summary(table: pd.DataFrame, max_conf: float) -> pd.DataFrame:
    st = table[table["index"] == "ST"]
    summary = st.groupby(["metric", "n"], sort=False)["conf"].max().rename("max_st_conf").reset_index()
    summary["meets_rule"] = summary["max_st_conf"] <= max_conf  # NaN (not analysed) -> False
    parts = []
    for _, group in summary.groupby("metric", sort=False):
        group = group.sort_values("n")
        # converged at n if the rule holds at n and at every larger n
        group["converged"] = group["meets_rule"][::-1].cummin()[::-1].astype(bool)
        parts.append(group)
    if not parts:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    return pd.concat(parts, ignore_index=True)[SUMMARY_COLUMNS]
