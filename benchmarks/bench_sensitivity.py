"""Benchmark: Sobol analysis of the product model end to end, batch runner vs PySD.

Run: ``python benchmarks/bench_sensitivity.py [--n 1024] [--scheduler local]``.
Prints, measured in this run:

* the time of a Sobol analysis (first and total order, bootstrap confidence
  intervals) with N = ``--n`` and the model's policy levers (19 in model v2) over their declared
  ranges, around the calibrated baseline, with the default metric catalogue (five
  turning points, neutrality, peak, cumulative and 2060/2035 indicators), end to end:
  compiling the batch model, sampling, model runs + metrics, indices;
* runs per second of the evaluation (model runs + metrics);
* the time the same sample would take with PySD: the measured per-run time of a few
  PySD runs (``models.model.load_model().run``, after a warm-up run) × the number of
  runs, and the ratio to the batch analysis;
* the turning-point step alone: the one engine (:func:`analysis.turning_points.detect`)
  on ``--tp-runs`` runs (default 10^5: 4096 model runs of the sample, tiled) in one
  vectorized call, vs the same engine called once per run (N = 1, a loop over a few
  hundred runs, scaled), both windows and all keys.

No timing is asserted; the figures are printed for the reader.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1024, help="Sobol base sample size N (power of 2)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scheduler", default=None, help="serial (default), threads, local or tcp://...")
    parser.add_argument("--chunk-size", type=int, default=None, help="runs per chunk (default: model default)")
    parser.add_argument("--pysd-runs", type=int, default=4, help="PySD runs timed for the estimate")
    parser.add_argument("--tp-runs", type=int, default=100_000, help="runs of the turning-point timing")
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
    problem = model_problem()  # the policy levers over their declared ranges, base 'baseline'
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

    # turning points alone: one vectorized call vs a loop of N = 1 calls of the same engine
    from analysis.turning_points import MODEL_INPUTS, TP_ROLES, detect

    bm = _compiled(str(MODEL_PATH))
    n_model = min(runs, 4096)
    params = {**base, **{name: result.samples[:n_model, j] for j, name in enumerate(problem.names)}}
    tp_vars = {role: MODEL_INPUTS[role] for role in TP_ROLES}
    out = bm.run(params, n_runs=n_model, outputs=list(tp_vars.values()))
    reps = -(-args.tp_runs // n_model)
    series = {role: np.tile(np.asarray(out[v]), (reps, 1))[: args.tp_runs] for role, v in tp_vars.items()}
    times = np.asarray(out.times, dtype=float)
    t0 = time.perf_counter()
    detect(times, series)
    tp_vec = time.perf_counter() - t0
    n_loop = min(args.tp_runs, 200)
    t0 = time.perf_counter()
    for i in range(n_loop):
        detect(times, {role: arr[i] for role, arr in series.items()})
    tp_loop = (time.perf_counter() - t0) / n_loop

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
    print(f"  END TO END (imports .. indices)          {end_to_end:8.2f} s   (target: N = 1024, 16 parameters, <= 2 s)")
    print(f"PySD: {pysd_per_run:.3f} s per run (mean of {len(rows) - 1} runs after a warm-up) x {runs} runs "
          f"= {pysd_total:,.0f} s ({pysd_total / 3600:.2f} h)")
    print(f"  ratio PySD estimate / batch end to end   {pysd_total / end_to_end:8.0f} x")
    print(f"  ratio PySD estimate / batch evaluation   {pysd_total / sec['evaluation']:8.0f} x")
    print(f"turning points of {args.tp_runs:,} runs (all keys, both windows) in one vectorized call: "
          f"{tp_vec:.2f} s -> {args.tp_runs / tp_vec:,.0f} runs/s; one call per run (N = 1, {n_loop} runs): "
          f"{1e3 * tp_loop:.2f} ms per run -> {1 / tp_loop:,.0f} runs/s; ratio {tp_loop * args.tp_runs / tp_vec:.0f} x")
    print("undefined (not reached, censored at 2101): "
          + ", ".join(f"{m}={int(v)}" for m, v in und.items() if v))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
