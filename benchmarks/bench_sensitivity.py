"""Benchmark: Sobol analysis of the product model end to end, batch runner vs PySD.

Run: ``python benchmarks/bench_sensitivity.py [--n 1024] [--scheduler local]``.
Prints, measured in this run:

* the time of a Sobol analysis (first and total order, bootstrap confidence
  intervals) with N = ``--n`` and the model's 16 policy levers over their declared
  ranges, around the calibrated baseline, with the default metric catalogue (five
  turning points, neutrality, peak, cumulative and 2060/2035 indicators), end to end:
  compiling the batch model, sampling, model runs + metrics, indices;
* runs per second of the evaluation (model runs + metrics);
* the time the same sample would take with PySD: the measured per-run time of a few
  PySD runs (``models.model.load_model().run``, after a warm-up run) × the number of
  runs, and the ratio to the batch analysis;
* the turning-point step alone: vectorized (:func:`turning_points_batch`) vs the
  scalar reference (measured on a few hundred runs, scaled).

No timing is asserted; the figures are printed for the reader.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1024, help="Sobol base sample size N (power of 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scheduler", default=None, help="serial (default), threads, local or tcp://...")
    parser.add_argument("--chunk-size", type=int, default=None, help="runs per chunk (default: model default)")
    parser.add_argument("--pysd-runs", type=int, default=4, help="PySD runs timed for the estimate")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")

    t_start = time.perf_counter()
    from analysis.sensitivity.model import (
        DEFAULT_CHUNK_SIZE,
        DEFAULT_METRICS,
        ModelEvaluator,
        _compiled,
        model_problem,
        run_model_analysis,
    )
    from models.model import MODEL_PATH, load_model

    t_import = time.perf_counter()
    problem = model_problem()  # the 16 policy levers over their declared ranges, base 'baseline'
    t_problem = time.perf_counter()
    _compiled(str(MODEL_PATH))  # what the first evaluator call would do
    t_compile = time.perf_counter()
    result = run_model_analysis(
        problem, DEFAULT_METRICS, method="sobol", n=args.n, seed=args.seed, scheduler=args.scheduler,
        chunk_size=args.chunk_size or DEFAULT_CHUNK_SIZE,
    )
    t_end = time.perf_counter()
    sec = result.settings["seconds"]
    runs = result.design.runs
    k = problem.num_vars
    end_to_end = t_end - t_start  # imports + problem + compile + sampling + runs + metrics + indices

    # PySD per-run time on rows of the same sample
    model = load_model()
    evaluator = ModelEvaluator(DEFAULT_METRICS)
    columns = evaluator.outputs
    base = evaluator.base_overrides
    rows = result.samples[: args.pysd_runs + 1]
    model.run({**base, **dict(zip(problem.names, map(float, rows[0])))}, return_columns=columns)  # warm-up
    t0 = time.perf_counter()
    for row in rows[1:]:
        model.run({**base, **dict(zip(problem.names, map(float, row)))}, return_columns=columns)
    pysd_per_run = (time.perf_counter() - t0) / max(1, len(rows) - 1)
    pysd_total = pysd_per_run * runs

    # turning points alone: vectorized vs scalar reference, on model output
    from analysis.turning_points import turning_points, turning_points_batch

    bm = _compiled(str(MODEL_PATH))
    n_tp = min(runs, 4096)
    params = {**base, **{name: result.samples[:n_tp, j] for j, name in enumerate(problem.names)}}
    out = bm.run(params, n_runs=n_tp, outputs=columns)
    series = {a: np.asarray(out[v]) for a, v in (
        ("emissions", "gross emissions"), ("sink", "land carbon sink"),
        ("growth_emissions", "growth attributable emissions"), ("construction_land", "total construction land"))}
    t0 = time.perf_counter()
    turning_points_batch(out.times, **series)
    tp_vec = (time.perf_counter() - t0) / n_tp
    idx = pd.Index(out.times)
    n_scalar = min(n_tp, 200)
    t0 = time.perf_counter()
    for i in range(n_scalar):
        turning_points(*(pd.Series(series[a][i], idx) for a in ("emissions", "sink", "growth_emissions",
                                                              "construction_land")))
    tp_scalar = (time.perf_counter() - t0) / n_scalar

    und = result.undefined.set_index("metric")["n_undefined"]
    print(f"Sobol analysis of the product model: N = {args.n}, k = {k} parameters (policy levers), "
          f"{runs} runs, first + total order, {len(DEFAULT_METRICS)} metrics "
          f"(+ {int((und > 0).sum())} 'reached' indicators), scheduler = {args.scheduler or 'serial'}")
    print(f"  imports (analysis package, PySD)         {t_import - t_start:8.2f} s")
    print(f"  problem from the model's ranges          {t_problem - t_import:8.2f} s")
    print(f"  compile batch model (PySD parse)         {t_compile - t_problem:8.2f} s")
    print(f"  sampling                                 {sec['sampling']:8.2f} s")
    print(f"  model runs + metrics ({result.settings['chunks']} chunks)        {sec['evaluation']:8.2f} s"
          f"   -> {runs / sec['evaluation']:,.0f} runs/s")
    print(f"  Sobol indices (SALib, 100 bootstrap)     {sec['analysis']:8.2f} s")
    print(f"  END TO END (imports .. indices)          {end_to_end:8.2f} s   (target <= 15 s)")
    print(f"PySD: {pysd_per_run:.3f} s per run (mean of {len(rows) - 1} runs after a warm-up) x {runs} runs "
          f"= {pysd_total:,.0f} s ({pysd_total / 3600:.2f} h)")
    print(f"  ratio PySD estimate / batch end to end   {pysd_total / end_to_end:8.0f} x")
    print(f"  ratio PySD estimate / batch evaluation   {pysd_total / sec['evaluation']:8.0f} x")
    print(f"turning points per run: vectorized {1e6 * tp_vec:.1f} us, scalar reference {1e3 * tp_scalar:.2f} ms "
          f"({tp_scalar / tp_vec:.0f} x); for {runs} runs: {tp_vec * runs:.2f} s vs {tp_scalar * runs:.0f} s")
    print("undefined (not reached, censored at 2101): "
          + ", ".join(f"{m}={int(v)}" for m, v in und.items() if v))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
