"""One call from a problem and an evaluator to sensitivity indices."""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .backends import Scheduler
from .convergence import sobol_convergence
from .execution import Evaluator, Progress, evaluate_sample
from .indices import analysis_seed
from .metrics import AnalysisOptions, analyze_scalar_outputs, analyze_time_outputs
from .problem import SensitivityProblem
from .result import SensitivityResult
from .sampling import SOBOL, is_power_of_two, make_sample


def run_analysis(
    problem: SensitivityProblem,
    evaluator: Evaluator,
    method: str = "sobol",
    n: int = 1024,
    *,
    seed: int | None = None,
    chunk_size: int | None = 10_000,
    scheduler: Scheduler = None,
    progress: Progress | None = None,
    censor: Mapping[str, float] | None = None,
    times: np.ndarray | None = None,
    calc_second_order: bool = False,
    num_levels: int = 4,
    optimal_trajectories: int | None = None,
    M: int = 4,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    convergence: bool = False,
    convergence_max_conf: float = 0.05,
) -> SensitivityResult:
    """Sample, evaluate in chunks, and compute Sobol, Morris or eFAST indices.

    Args:
        problem: Parameters and bounds.
        evaluator: ``evaluate(X, names) -> {output: (n,) or (n, T) array}``
            (see :mod:`.execution`; picklable for Dask schedulers).
        method: ``"sobol"``, ``"morris"`` or ``"fast"``.
        n: Sobol base size ``N`` (power of 2; runs ``N(k+2)``, or ``N(2k+2)`` with
            second order), Morris number of trajectories (runs ``n(k+1)``) or eFAST
            runs per parameter (runs ``n k``, ``n > 4 M**2``).
        seed: Sampling seed (bootstrap seed derived from it); ``None`` draws one and
            records it in ``result.design.seed``.
        chunk_size: Runs per chunk (``None``: one chunk). Does not change results.
        scheduler: ``None``/``"serial"``, ``"threads"``, ``"local"`` (a LocalCluster
            started on demand), a Dask scheduler address ``"tcp://..."`` or a
            ``distributed.Client``. Does not change results.
        progress: ``progress(done_runs, total_runs)`` after each chunk.
        censor: Per metric, the value substituted for undefined (NaN) values in Sobol
            and eFAST (e.g. horizon end + 1 for "turning point not reached"); see
            :mod:`.undefined` for the full strategy.
        times: Time grid of time-resolved outputs (default ``evaluator.times``).
        calc_second_order: Sobol: also sample for and compute ``S2``.
        num_levels: Morris grid levels.
        optimal_trajectories: Morris: select this many optimal trajectories out of ``n``.
        M: eFAST interference parameter.
        num_resamples: Bootstrap resamples for confidence intervals.
        conf_level: Confidence level.
        convergence: Sobol: also compute indices for nested ``N = 2^6 .. n``.
        convergence_max_conf: Threshold of the convergence rule (max ``ST_conf``).
    """
    if convergence and not (method == SOBOL and is_power_of_two(n)):
        raise ValueError("convergence=True needs method='sobol' and n a power of 2")
    started = time.perf_counter()
    design = make_sample(
        problem,
        method,
        n,
        seed=seed,
        calc_second_order=calc_second_order,
        num_levels=num_levels,
        optimal_trajectories=optimal_trajectories,
        M=M,
    )
    sampled = time.perf_counter()
    runs = evaluate_sample(
        evaluator,
        design.X,
        list(problem.names),
        chunk_size=chunk_size,
        scheduler=scheduler,
        progress=progress,
        times=times,
    )
    evaluated = time.perf_counter()
    options = AnalysisOptions(num_resamples=num_resamples, conf_level=conf_level, seed=analysis_seed(design.seed))
    indices, undefined = analyze_scalar_outputs(problem, design, runs.scalars, censor=censor, options=options)
    time_indices = None
    if runs.series:
        time_indices, time_undefined = analyze_time_outputs(
            problem, design, runs.series, runs.times, censor=censor, options=options
        )
        undefined = time_undefined if undefined.empty else pd.concat([undefined, time_undefined], ignore_index=True)
    convergence_result = None
    if convergence:
        convergence_result = sobol_convergence(
            problem, design, runs.scalars, censor=censor, options=options, max_conf=convergence_max_conf
        )
    finished = time.perf_counter()
    settings = {
        "bootstrap_seed": options.seed,
        "num_resamples": num_resamples,
        "conf_level": conf_level,
        "chunk_size": chunk_size,
        "chunks": runs.chunks,
        "scheduler": scheduler if scheduler is None or isinstance(scheduler, str) else type(scheduler).__name__,
        "censor": dict(censor or {}),
        "seconds": {
            "sampling": sampled - started,
            "evaluation": evaluated - sampled,
            "analysis": finished - evaluated,
        },
    }
    return SensitivityResult(
        problem=problem,
        design=design,
        indices=indices,
        time_indices=time_indices,
        undefined=undefined,
        outputs=runs.outputs,
        times=runs.times,
        convergence=convergence_result,
        settings=settings,
    )
