"""SALib analysers for one complete output vector, returned as tidy rows.

Index kinds:

* Sobol (``SALib.analyze.sobol``): ``S1``, ``ST`` and, if the design supports it,
  ``S2`` (pairs in ``parameter``/``parameter_2``); ``conf`` is the bootstrap
  confidence half-width (``num_resamples``, ``conf_level``).
* Morris (``SALib.analyze.morris``): ``mu``, ``mu_star``, ``sigma``; ``conf`` is set
  for ``mu_star`` (``mu_star_conf``).
* eFAST (``SALib.analyze.fast``): ``S1``, ``ST``; SALib's bootstrap ``conf`` is known
  to be unreliable for eFAST (SALib issue #649) and is indicative only.

Bootstrap seeds are passed explicitly, so results are reproducible. Note that
``SALib.analyze.fast`` seeds NumPy's global random state.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from SALib.analyze import fast as fast_analyzer
from SALib.analyze import morris as morris_analyzer
from SALib.analyze import sobol as sobol_analyzer

from .problem import SensitivityProblem
from .sampling import FAST, MORRIS, SOBOL, SampleDesign

ROW_COLUMNS: list[str] = ["parameter", "parameter_2", "index", "value", "conf"]

#: Index kinds per method, in reporting order.
INDEX_KINDS: dict[str, tuple[str, ...]] = {
    SOBOL: ("S1", "ST", "S2"),
    MORRIS: ("mu", "mu_star", "sigma"),
    FAST: ("S1", "ST"),
}


def analysis_seed(seed: int) -> int:
    """Non-zero bootstrap seed derived from the sampling seed.

    SALib's Sobol and eFAST analysers ignore a seed of 0 (``if seed:``), so the
    bootstrap seed is derived to be a positive integer.
    """
    return int(np.random.SeedSequence([seed, 1]).generate_state(1)[0]) or 1


def compute_indices(
    problem: SensitivityProblem,
    design: SampleDesign,
    y: np.ndarray,
    *,
    X: np.ndarray | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int = 1,
    second_order: bool | None = None,
) -> pd.DataFrame:
    """Sensitivity indices of one complete output vector ``y`` (no NaN).

    Args:
        problem: The problem the design was drawn from.
        design: The sample design (method and its options).
        y: Outputs, shape ``(runs,)``, in design order.
        X: Morris only: the rows of the design matching ``y`` (default ``design.X``;
            pass a subset after dropping trajectories).
        num_resamples: Bootstrap resamples for confidence intervals.
        conf_level: Confidence level of the intervals.
        seed: Bootstrap seed (use :func:`analysis_seed`).
        second_order: Sobol only: compute ``S2`` (default: if the design supports it).
            ``False`` on a second-order design analyses the first/total-order subset
            of its runs (cheaper, identical S1/ST).

    Returns:
        A DataFrame with columns :data:`ROW_COLUMNS`.
    """
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or np.isnan(y).any():
        raise ValueError("compute_indices needs a complete 1-D output vector (handle NaN first)")
    salib_problem = problem.to_salib()
    names = list(problem.names)
    if design.method == SOBOL:
        want_s2 = design.calc_second_order if second_order is None else second_order and design.calc_second_order
        if design.calc_second_order and not want_s2:
            y = y[first_total_rows(design.runs, problem.num_vars)]
        result = sobol_analyzer.analyze(
            salib_problem,
            y,
            calc_second_order=want_s2,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=seed,
        )
        rows = _first_total_rows(names, result)
        if want_s2:
            rows += _second_order_rows(names, result)
        return pd.DataFrame(rows, columns=ROW_COLUMNS)
    if design.method == MORRIS:
        X_used = design.X if X is None else X
        result = morris_analyzer.analyze(
            salib_problem,
            X_used,
            y,
            num_resamples=num_resamples,
            conf_level=conf_level,
            num_levels=design.num_levels,
            seed=seed,
        )
        rows = []
        for kind in INDEX_KINDS[MORRIS]:
            conf = result["mu_star_conf"] if kind == "mu_star" else [np.nan] * len(names)
            rows += [(name, None, kind, float(v), float(c)) for name, v, c in zip(names, result[kind], conf)]
        return pd.DataFrame(rows, columns=ROW_COLUMNS)
    if design.method == FAST:
        # eFAST bootstrap half-samples of a binary/near-constant output can have zero
        # variance: SALib then returns NaN conf (kept) after a division warning (muted).
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.filterwarnings("ignore", message="FAST confidence intervals")
            result = fast_analyzer.analyze(
                salib_problem, y, M=design.M, num_resamples=num_resamples, conf_level=conf_level, seed=seed
            )
        return pd.DataFrame(_first_total_rows(names, result), columns=ROW_COLUMNS)
    raise ValueError(f"unknown method {design.method!r}")


def first_total_rows(runs: int, k: int) -> np.ndarray:
    """Row indices of a second-order Saltelli design forming a first/total-order design.

    Each block of ``2k+2`` runs is ``A, AB_1..AB_k, BA_1..BA_k, B``; keeping
    ``A, AB_1..AB_k, B`` gives the ``k+2`` block SALib expects without ``S2``.
    """
    block = 2 * k + 2
    keep = np.r_[np.arange(k + 1), block - 1]
    return (np.arange(0, runs, block)[:, None] + keep[None, :]).ravel()


def empty_indices(problem: SensitivityProblem, design: SampleDesign) -> pd.DataFrame:
    """Rows of NaN indices, for metrics that cannot be analysed (same layout)."""
    names = list(problem.names)
    kinds = [k for k in INDEX_KINDS[design.method] if k != "S2"]
    rows = [(name, None, kind, np.nan, np.nan) for kind in kinds for name in names]
    return pd.DataFrame(rows, columns=ROW_COLUMNS)


def _first_total_rows(names: list[str], result: dict) -> list[tuple]:
    rows = []
    for kind in ("S1", "ST"):
        rows += [
            (name, None, kind, float(v), float(c))
            for name, v, c in zip(names, result[kind], result[f"{kind}_conf"], strict=True)
        ]
    return rows


def _second_order_rows(names: list[str], result: dict) -> list[tuple]:
    s2, conf = np.asarray(result["S2"]), np.asarray(result["S2_conf"])
    return [
        (names[j], names[k], "S2", float(s2[j, k]), float(conf[j, k]))
        for j in range(len(names))
        for k in range(j + 1, len(names))
    ]
