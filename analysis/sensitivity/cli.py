"""Command line of the sensitivity analysis: ``python -m analysis.sensitivity ...``.

Two modes, calling the same library functions as the app:

* the product model (:mod:`.model`, batch runner)::

      python -m analysis.sensitivity --model [--scenario baseline]
          [--params NAME ... | --problem p.yaml] --metric tp3 --metric "Cropland@2035"
          --time-variable "gross emissions" [--time-years 2020:2100:5]
          --method sobol --n 1024 --seed 1 [--scheduler local|threads|tcp://host:8786]
          --out DIR

  Without ``--params``/``--problem`` the model's policy levers are varied over their
  declared ranges; without ``--metric`` the default catalogue is analysed
  (``--list-metrics`` prints it). Not-reached turning points are censored at 2101
  (override with ``--censor tp3=2110``); see :mod:`.model`.
* any evaluator named as ``module:attribute`` (an evaluator object or function, see
  :mod:`.execution`)::

      python -m analysis.sensitivity --problem p.yaml
          --evaluator analysis.sensitivity.examples:ISHIGAMI --n 1024 --out DIR

Progress is shown as a bar on stderr. Invalid input (unknown parameter, metric or
scenario, bad bounds, bad options) prints one line ``error: ...`` to stderr and exits
with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO

from .api import run_analysis
from .problem import SensitivityProblem
from .sampling import METHODS

EXIT_USAGE = 2


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """Argument parser whose errors are one line (``error: ...``) with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command."""
    parser = _Parser(prog="python -m analysis.sensitivity", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--model", action="store_true", help="analyse the product model (batch runner)")
    mode.add_argument("--evaluator", help="evaluator as module:attribute")
    mode.add_argument("--list-metrics", action="store_true", help="print the model's metric catalogue and exit")
    parser.add_argument(
        "--problem", help="problem YAML (names, bounds, optional dists/base); required with --evaluator"
    )
    model = parser.add_argument_group("product model (--model)")
    model.add_argument("--scenario", default=None, help="base scenario key or YAML path (default: baseline)")
    model.add_argument(
        "--params", nargs="+", action="extend", default=[], metavar="NAME",
        help="model constants to vary over their declared ranges (default: the policy levers)",
    )
    model.add_argument(
        "--metric", action="append", default=[], metavar="SPEC",
        help="metric of the grammar of analysis/metrics.py: catalogue name (tp3, tp3@hist, neutrality, "
        "peak_emissions, ...), 'VARIABLE@YEAR', 'cum_net[2020:2060]', 'max(VARIABLE)[FROM:TO]'; repeatable "
        "(default: the catalogue's default set)",
    )
    model.add_argument(
        "--time-variable", action="append", default=[], metavar="VARIABLE",
        help="model variable analysed per year (time-resolved indices); repeatable",
    )
    model.add_argument(
        "--time-years", default=None, metavar="SPEC",
        help="years of the time-resolved outputs: START:END:STEP or a comma list (default: every year)",
    )
    parser.add_argument("--method", choices=METHODS, default="sobol")
    parser.add_argument("--n", type=int, default=1024, help="Sobol N (power of 2) / Morris trajectories / eFAST N")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--chunk-size", type=int, default=None, help="runs per chunk (default 4096 with --model, else 10000)"
    )
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
    parser.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    parser.add_argument("--out", help="output directory")
    return parser


def load_evaluator(spec: str) -> object:
    """Import ``module:attribute``."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not attribute:
        raise CliError(f"--evaluator must look like module:attribute, got {spec!r}")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise CliError(f"--evaluator {spec!r}: {exc}") from None


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
            raise CliError(f"--censor must look like METRIC=NUMBER, got {item!r}")
    return censor


def parse_years(spec: str | None) -> list[float] | None:
    """``START:END:STEP`` (inclusive) or ``Y1,Y2,...`` → years; ``None`` → ``None``."""
    if spec is None:
        return None
    try:
        if ":" in spec:
            start, end, step = (float(x) for x in spec.split(":"))
            if step <= 0 or end < start:
                raise ValueError
            count = int(round((end - start) / step))
            return [start + step * i for i in range(count + 1) if start + step * i <= end + 1e-9]
        return [float(x) for x in spec.split(",") if x.strip()]
    except ValueError:
        raise CliError(f"--time-years must look like 2020:2100:5 or 2030,2060, got {spec!r}") from None


def progress_bar(stream: TextIO | None = None, width: int = 30) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` callback drawing a text progress bar on ``stream``
    (default: the current ``sys.stderr``)."""

    def show(done: int, total: int) -> None:
        out = stream if stream is not None else sys.stderr
        frac = done / total if total else 1.0
        bar = "#" * int(round(width * frac))
        end = "\n" if done >= total else ""
        print(f"\r[{bar:<{width}}] {100 * frac:5.1f} %  {done}/{total} runs", end=end, file=out, flush=True)

    return show


def _user_errors() -> tuple[type[BaseException], ...]:
    from models.model import ModelInputError
    from scenarios import ScenarioError

    from .model import MetricSpecError, ModelRunError
    from .problem import ProblemDefinitionError

    return (
        CliError, ProblemDefinitionError, MetricSpecError, ModelInputError, ModelRunError, ScenarioError,
        OSError, ValueError,
    )


def _list_metrics() -> int:
    from .model import CATALOGUE, DEFAULT_METRICS

    for name, spec in CATALOGUE.items():
        mark = "*" if name in DEFAULT_METRICS else " "
        print(f"{mark} {name:<20} {spec.unit():<12} {spec.display('en')} / {spec.display('zh')}")
    print("* = analysed by default; turning points also with @hist (whole horizon); also 'VARIABLE@YEAR', "
          "'cum_gross|cum_net|cum_sink[FROM:TO]' and 'max|min(VARIABLE)[FROM:TO]'")
    return 0


def _run(args: argparse.Namespace) -> int:
    if not (args.model or args.evaluator):
        raise CliError("choose --model (the product model) or --evaluator module:attribute")
    if not args.out:
        raise CliError("--out DIR is required")
    progress = None if args.no_progress else progress_bar()
    common = dict(
        method=args.method,
        n=args.n,
        seed=args.seed,
        scheduler=args.scheduler,
        progress=progress,
        calc_second_order=args.second_order,
        num_levels=args.num_levels,
        num_resamples=args.num_resamples,
        conf_level=args.conf_level,
        convergence=args.convergence,
    )
    status = None
    if args.model:
        from .model import DEFAULT_CHUNK_SIZE, DEFAULT_METRICS, model_problem, run_model_analysis

        if args.problem and args.params:
            raise CliError("give either --params or --problem, not both")
        problem = model_problem(args.params or None, problem=args.problem, scenario=args.scenario)
        result = run_model_analysis(
            problem,
            args.metric or DEFAULT_METRICS,
            time_variables=args.time_variable,
            time_years=parse_years(args.time_years),
            chunk_size=args.chunk_size or DEFAULT_CHUNK_SIZE,
            censor=parse_censor(args.censor),
            **common,
        )
        status = result.settings.get("turning_point_status")
    else:
        model_only = [
            flag for flag, given in (
                ("--scenario", args.scenario), ("--params", args.params), ("--metric", args.metric),
                ("--time-variable", args.time_variable), ("--time-years", args.time_years),
            ) if given
        ]
        if model_only:
            raise CliError(f"{', '.join(model_only)} only apply with --model")
        if not args.problem:
            raise CliError("--problem is required with --evaluator")
        problem = SensitivityProblem.from_yaml(args.problem)
        result = run_analysis(
            problem,
            load_evaluator(args.evaluator),
            chunk_size=args.chunk_size or 10_000,
            censor=parse_censor(args.censor),
            **common,
        )
    result.save(args.out, runs=args.save_runs)
    print(result.indices.to_string(index=False))
    print(result.undefined.to_string(index=False))
    if status:
        import pandas as pd

        print("turning points per run (not reached: censored; before start: bound year):")
        print(pd.DataFrame(status).to_string(index=False))
    print(f"written to {args.out}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the analysis and save it; prints progress, the indices and undefined counts.

    Returns:
        0 on success, 2 on invalid input (one line ``error: ...`` on stderr).
    """
    args = build_parser().parse_args(argv)
    if args.list_metrics:
        return _list_metrics()
    try:
        return _run(args)
    except _user_errors() as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
