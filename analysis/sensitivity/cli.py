"""Command line: ``python -m analysis.sensitivity --problem p.yaml --evaluator mod:obj ...``.

The evaluator is named as ``module:attribute`` (an evaluator object or function, see
:mod:`.execution`), e.g. ``analysis.sensitivity.examples:ISHIGAMI``. The same library
function as the app is called (:func:`.api.run_analysis`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .api import run_analysis
from .problem import SensitivityProblem
from .sampling import METHODS


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command."""
    parser = argparse.ArgumentParser(prog="python -m analysis.sensitivity", description=__doc__.splitlines()[0])
    parser.add_argument("--problem", required=True, help="problem YAML (names, bounds, optional dists/base)")
    parser.add_argument("--evaluator", required=True, help="evaluator as module:attribute")
    parser.add_argument("--method", choices=METHODS, default="sobol")
    parser.add_argument("--n", type=int, default=1024, help="Sobol N (power of 2) / Morris trajectories / eFAST N")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument(
        "--scheduler", default=None, help="serial (default), threads, local, or a Dask address tcp://host:port"
    )
    parser.add_argument(
        "--censor", action="append", default=[], metavar="METRIC=VALUE", help="censoring value for undefined runs"
    )
    parser.add_argument("--second-order", action="store_true", help="Sobol: compute S2")
    parser.add_argument("--num-levels", type=int, default=4, help="Morris grid levels")
    parser.add_argument("--num-resamples", type=int, default=100)
    parser.add_argument("--conf-level", type=float, default=0.95)
    parser.add_argument("--convergence", action="store_true", help="Sobol: convergence study over nested N")
    parser.add_argument("--save-runs", action="store_true", help="also write the run matrix")
    parser.add_argument("--out", required=True, help="output directory")
    return parser


def load_evaluator(spec: str) -> object:
    """Import ``module:attribute``."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not attribute:
        raise SystemExit(f"--evaluator must look like module:attribute, got {spec!r}")
    return getattr(importlib.import_module(module_name), attribute)


def parse_censor(items: Sequence[str]) -> dict[str, float]:
    """Parse ``METRIC=VALUE`` items."""
    censor = {}
    for item in items:
        metric, sep, value = item.partition("=")
        try:
            censor[metric] = float(value)
        except ValueError:
            sep = ""
        if not sep or not metric:
            raise SystemExit(f"--censor must look like METRIC=NUMBER, got {item!r}")
    return censor


def main(argv: Sequence[str] | None = None) -> int:
    """Run the analysis and save it; prints progress and the indices."""
    args = build_parser().parse_args(argv)
    problem = SensitivityProblem.from_yaml(args.problem)
    result = run_analysis(
        problem,
        load_evaluator(args.evaluator),
        method=args.method,
        n=args.n,
        seed=args.seed,
        chunk_size=args.chunk_size,
        scheduler=args.scheduler,
        progress=lambda done, total: print(f"\r{done}/{total} runs", end="", file=sys.stderr, flush=True),
        censor=parse_censor(args.censor),
        calc_second_order=args.second_order,
        num_levels=args.num_levels,
        num_resamples=args.num_resamples,
        conf_level=args.conf_level,
        convergence=args.convergence,
    )
    print(file=sys.stderr)
    result.save(args.out, runs=args.save_runs)
    print(result.indices.to_string(index=False))
    print(result.undefined.to_string(index=False))
    return 0
