"""Benchmark of the policy analysis (analysis.policy): batch runner vs PySD, stage times.

Run: ``python benchmarks/bench_policy.py [--quick]``. Prints, measured in this run:

* attribution with k = 3 … 12 lever groups (2^k runs in one batch call): batch wall
  time, split into model runs and turning-point evaluation, and the PySD time for the
  same runs (measured on a few runs and scaled; marked "est.");
* scenario discovery with n Latin-hypercube runs: simulate / metrics / PRIM / feature
  scores;
* target seeking (grid + refinement) with both engines.

No timing is asserted; ratios are printed for the reader.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere


@contextmanager
def timer(store: dict, key: str) -> Iterator[None]:
    t0 = time.perf_counter()
    yield
    store[key] = time.perf_counter() - t0


LEVERS_12 = {
    "non fossil mandate for new supply": 0.5, "CCS target capacity": 300.0, "fertiliser reduction": 0.4,
    "compact urbanization": 0.1, "rural reclamation policy rate": 0.05,
    "reclamation to forest share": 0.5, "additional afforestation rate": 100.0,
    "returning cropland to forest rate": 20.0, "additional energy efficiency improvement": 0.01,
    "low carbon building material share": 0.3, "household registration reform effect": 0.2,
    "ecological red line share": 0.5,
}


def pysd_seconds_per_run(n: int = 5) -> float:
    from analysis.policy.evaluate import simulate

    simulate({}, ["gross emissions"], engine="pysd")  # warm-up
    t0 = time.perf_counter()
    simulate({"non fossil mandate for new supply": np.linspace(0, 0.3, n)}, ["gross emissions", "land carbon sink"],
             engine="pysd")
    return (time.perf_counter() - t0) / n


def bench_attribution(ks: list[int], per_run_pysd: float) -> None:
    from analysis.policy import attribution as A

    print("\n== attribution (exact Shapley, 2^k runs in one call) ==")
    print(f"{'k':>3} {'runs':>6} {'batch total s':>14} {'model runs s':>13} {'PySD runs s (est.)':>19} {'speed-up':>9}")
    names = list(LEVERS_12)
    for k in ks:
        policy = {n: LEVERS_12[n] for n in names[:k]}
        t: dict = {}
        calls: list[float] = []
        real = A.simulate

        def spy(*a, real=real, calls=calls, **kw):
            t0 = time.perf_counter()
            out = real(*a, **kw)
            calls.append(time.perf_counter() - t0)
            return out

        A.simulate = spy
        try:
            with timer(t, "total"):
                res = A.attribute(policy, groups=[], engine="batch")
        finally:
            A.simulate = real
        est = per_run_pysd * res.n_runs
        print(f"{k:>3} {res.n_runs:>6} {t['total']:>14.2f} {calls[0]:>13.3f} {est:>19.1f} {est / calls[0]:>8.0f}x")


def bench_discovery(n: int) -> None:
    from analysis.policy.discovery import evaluate_targets, feature_scores, lhs_sample, make_factors, prim_box
    from analysis.policy.metrics import load_targets

    print(f"\n== scenario discovery (n = {n}, all policy levers, 2 targets) ==")
    targets = load_targets(["neutrality<=2060", "cropland minus red line@2035>=0"])
    factors = make_factors()
    t: dict = {}
    with timer(t, "sample"):
        X = lhs_sample(factors, n, 1)
    with timer(t, "simulate + metrics"):
        _, met, engine = evaluate_targets(X, targets)
    y = met["all"].to_numpy()
    with timer(t, "PRIM"):
        prim_box(X, y, {f.name: (f.lower, f.upper) for f in factors})
    with timer(t, "feature scores"):
        feature_scores(X, {"all": y})
    for k, v in t.items():
        print(f"  {k:<20} {v:8.2f} s")
    print(f"  engine {engine}; share meeting both targets {y.mean():.3f}")


def bench_seek(per_run_pysd: float) -> None:
    from analysis.policy.seek import seek

    print("\n== target seeking: non-fossil mandate for new supply for the emission peak by 2032 ==")
    for engine in ("batch", "pysd"):
        t0 = time.perf_counter()
        res = seek("non fossil mandate for new supply", "tp3<=2032", n_grid=33, engine=engine)
        dt = time.perf_counter() - t0
        print(f"  {engine:<5} {res.n_runs:>3} runs {dt:7.2f} s  value {res.value:.5f} ({res.method})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args()
    from analysis.policy.evaluate import engine_status

    engine, reason = engine_status()
    print(f"engine: {engine} ({reason})")
    if engine != "batch":
        print("batch runner unavailable: nothing to compare")
        return
    per_run = pysd_seconds_per_run(3 if args.quick else 5)
    print(f"PySD: {per_run:.3f} s per run")
    bench_attribution([3, 6, 9] if args.quick else [3, 6, 9, 12], per_run)
    bench_discovery(1000 if args.quick else 4000)
    bench_seek(per_run)


if __name__ == "__main__":
    main()
