"""``tcsd sensitivity``: Sobol, Morris and eFAST analyses (全局敏感性分析).

Two modes, calling the same library functions as the app:

* the product model (:mod:`analysis.sensitivity.model`, batch runner)::

      tcsd sensitivity --model [--scenario baseline] [--params NAME ... | --problem p.yaml]
          --metric tp3 --metric "Cropland@2035" --time-variable "gross emissions"
          [--time-years 2020:2100:5] --method sobol --n 1024 --seed 1
          [--scheduler local|threads|tcp://host:8786] --out DIR

* any evaluator named as ``module:attribute``::

      tcsd sensitivity --problem p.yaml --evaluator analysis.sensitivity.examples:ISHIGAMI --n 1024 --out DIR

The run count (Sobol ``N(k+2)``, ``N(2k+2)`` with --second-order; Morris ``n(k+1)``;
eFAST ``n k``) and the memory of the sample, of one chunk of runs and of the bootstrap
are checked against the ceilings of :mod:`cli.options` before anything runs.
"""

from __future__ import annotations

import argparse
import importlib
import math
from pathlib import Path
from typing import Sequence

from cli.core import CliError, Context, paths_text
from cli.options import batch_bytes, check_budget, integer, number
from cli.staging import StagedOutputs


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``sensitivity`` subcommand."""
    from analysis.sensitivity.sampling import METHODS

    p = subparsers.add_parser("sensitivity", parents=[common], help="Sobol, Morris and eFAST sweeps",
                              description=__doc__.split("\n\n")[1] + " Run counts and memory are checked "
                              "against stated ceilings (--force lifts them).")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--model", action="store_true", help="analyse the product model (batch runner)")
    mode.add_argument("--evaluator", help="evaluator as module:attribute")
    mode.add_argument("--list-metrics", action="store_true", help="print the model's metric catalogue and exit")
    p.add_argument("--problem", help="problem YAML (names, bounds, optional dists/base); required with --evaluator")
    model = p.add_argument_group("product model (--model)")
    model.add_argument("--scenario", default=None, help="base scenario key or YAML path (default: baseline)")
    model.add_argument("--params", nargs="+", action="extend", default=[], metavar="NAME",
                       help="model constants to vary over their declared ranges (default: the policy levers)")
    model.add_argument("--metric", action="append", default=[], metavar="SPEC",
                       help="metric: catalogue name (tp3, tp3@hist, neutrality, peak_emissions, ...), "
                       "'VARIABLE@YEAR', 'cum_net[2020:2060]', 'max(VARIABLE)[FROM:TO]'; repeatable")
    model.add_argument("--time-variable", action="append", default=[], metavar="VARIABLE",
                       help="model variable analysed per year (time-resolved indices); repeatable")
    model.add_argument("--time-years", default=None, metavar="SPEC",
                       help="years of the time-resolved outputs: START:END:STEP or a comma list (default: every year)")
    p.add_argument("--method", choices=METHODS, default="sobol")
    p.add_argument("--n", type=integer(1, None), default=1024,
                   help="Sobol N (a power of 2) / Morris trajectories / eFAST N per parameter (> 4 M^2 = 64)")
    p.add_argument("--seed", type=integer(0, 2**32 - 1), default=None)
    p.add_argument("--chunk-size", type=integer(1, None), default=None,
                   help="runs per chunk (default 4096 with --model, else 10000)")
    p.add_argument("--scheduler", default=None, help="serial (default), threads, local, or a Dask address tcp://host:port")
    p.add_argument("--censor", action="append", default=[], metavar="METRIC=VALUE",
                   help="censoring value (finite number) for undefined runs")
    p.add_argument("--second-order", action="store_true", help="Sobol: compute S2")
    p.add_argument("--num-levels", type=integer(2, 1000), default=4, help="Morris grid levels (even, 2-1000)")
    p.add_argument("--num-resamples", type=integer(1, 100_000), default=100, help="bootstrap resamples (1-100000)")
    p.add_argument("--conf-level", type=number(0, 1, lo_open=True, hi_open=True), default=0.95,
                   help="confidence level of the bootstrap intervals, in (0, 1)")
    p.add_argument("--convergence", action="store_true", help="Sobol: convergence study over nested N")
    p.add_argument("--save-runs", action="store_true", help="also write the run matrix")
    p.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    p.add_argument("--out", type=Path, default=None, help="output folder")
    p.set_defaults(handler=sensitivity)


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
    """Parse ``METRIC=VALUE`` items (finite values)."""
    censor = {}
    for item in items:
        metric, sep, value = item.partition("=")
        try:
            v = float(value)
        except ValueError:
            v, sep = math.nan, ""
        if not sep or not metric or not math.isfinite(v):
            raise CliError(f"--censor must look like METRIC=NUMBER with a finite number, got {item!r}")
        censor[metric] = v
    return censor


def parse_years(spec: str | None) -> list[float] | None:
    """``START:END:STEP`` (inclusive) or ``Y1,Y2,...`` → years; ``None`` → ``None``."""
    if spec is None:
        return None
    try:
        if ":" in spec:
            start, end, step = (float(x) for x in spec.split(":"))
            if not all(math.isfinite(x) for x in (start, end, step)) or step <= 0 or end < start:
                raise ValueError
            count = int(round((end - start) / step))
            if count > 100_000:
                raise ValueError
            return [start + step * i for i in range(count + 1) if start + step * i <= end + 1e-9]
        years = [float(x) for x in spec.split(",") if x.strip()]
        if not years or not all(math.isfinite(y) for y in years):
            raise ValueError
        return years
    except ValueError:
        raise CliError(f"--time-years must look like 2020:2100:5 or 2030,2060 (finite years), got {spec!r}") from None


def design_runs(method: str, n: int, k: int, second_order: bool) -> int:
    """Model runs of a design: Sobol N(k+2) or N(2k+2), Morris n(k+1), eFAST n k."""
    if method == "sobol":
        return n * (2 * k + 2 if second_order else k + 2)
    if method == "morris":
        return n * (k + 1)
    return n * k


def _check(args: argparse.Namespace, ctx: Context, k: int, outputs: int, chunk: int, model: bool) -> None:
    if k < 1:
        raise CliError("the problem has no parameters")
    if args.method == "fast" and args.n <= 64:
        raise CliError(f"--n {args.n}: eFAST needs more than 4 M^2 = 64 runs per parameter")
    if args.method == "morris" and args.num_levels % 2:
        raise CliError(f"--num-levels {args.num_levels}: Morris needs an even number of levels")
    runs = design_runs(args.method, args.n, k, args.second_order)
    what = f"--method {args.method} --n {args.n} with {k} parameter(s)"
    sample = runs * k * 8.0
    boot = args.num_resamples * args.n * 8.0 * 4 if args.method == "sobol" else 0.0
    per_chunk = batch_bytes(min(chunk, runs), outputs) if model else min(chunk, runs) * max(outputs, 1) * 8.0
    results = runs * max(outputs, 1) * 8.0
    check_budget(what, runs=runs, memory_bytes=sample + boot + per_chunk + results, force=ctx.force)


def _list_metrics(ctx: Context) -> int:
    from analysis.sensitivity.model import CATALOGUE, DEFAULT_METRICS

    for name, spec in CATALOGUE.items():
        mark = "*" if name in DEFAULT_METRICS else " "
        ctx.echo(f"{mark} {name:<20} {spec.unit():<12} {spec.display('en')} / {spec.display('zh')}")
    ctx.echo("* = analysed by default; turning points also with @hist (whole horizon); also 'VARIABLE@YEAR', "
             "'cum_gross|cum_net|cum_sink[FROM:TO]' and 'max|min(VARIABLE)[FROM:TO]'")
    ctx.summary["metrics"] = list(CATALOGUE)
    return 0


def sensitivity(args: argparse.Namespace, ctx: Context) -> int:
    """Run the analysis and save it; prints the indices and undefined counts."""
    from analysis.sensitivity.api import run_analysis
    from analysis.sensitivity.problem import SensitivityProblem

    if args.list_metrics:
        return _list_metrics(ctx)
    if not (args.model or args.evaluator):
        raise CliError("choose --model (the product model) or --evaluator module:attribute")
    if args.out is None:
        raise CliError("--out DIR is required")
    censor = parse_censor(args.censor)
    years = parse_years(args.time_years)
    if args.no_progress:
        ctx.quiet = True
    common = dict(method=args.method, n=args.n, seed=args.seed, scheduler=args.scheduler,
                  calc_second_order=args.second_order, num_levels=args.num_levels,
                  num_resamples=args.num_resamples, conf_level=args.conf_level, convergence=args.convergence)
    status = None
    if args.model:
        from analysis.sensitivity.model import DEFAULT_CHUNK_SIZE, DEFAULT_METRICS, model_problem, run_model_analysis

        if args.problem and args.params:
            raise CliError("give either --params or --problem, not both")
        problem = model_problem(args.params or None, problem=args.problem, scenario=args.scenario)
        metrics = args.metric or DEFAULT_METRICS
        chunk = args.chunk_size or DEFAULT_CHUNK_SIZE
        n_out = len(metrics) + len(args.time_variable) * (len(years) if years else 81)
        _check(args, ctx, problem.num_vars, n_out + 16, chunk, model=True)
        update, close = ctx.progress_callback("model runs")
        try:
            result = run_model_analysis(problem, metrics, time_variables=args.time_variable, time_years=years,
                                        chunk_size=chunk, censor=censor, progress=update, **common)
        finally:
            close()
        status = result.settings.get("turning_point_status")
    else:
        model_only = [flag for flag, given in (
            ("--scenario", args.scenario), ("--params", args.params), ("--metric", args.metric),
            ("--time-variable", args.time_variable), ("--time-years", args.time_years)) if given]
        if model_only:
            raise CliError(f"{', '.join(model_only)} only apply with --model")
        if not args.problem:
            raise CliError("--problem is required with --evaluator")
        problem = SensitivityProblem.from_yaml(args.problem)
        evaluator = load_evaluator(args.evaluator)
        chunk = args.chunk_size or 10_000
        _check(args, ctx, problem.num_vars, 1, chunk, model=False)
        update, close = ctx.progress_callback("evaluations")
        try:
            result = run_analysis(problem, evaluator, chunk_size=chunk, censor=censor, progress=update, **common)
        finally:
            close()
    with StagedOutputs() as stage:
        files = [stage.final_path(p) for p in result.save(stage.folder(args.out), runs=args.save_runs)]
    ctx.echo(result.indices.to_string(index=False))
    ctx.echo(result.undefined.to_string(index=False))
    if status:
        import pandas as pd

        ctx.echo("turning points per run (not reached: censored; before start: bound year):")
        ctx.echo(pd.DataFrame(status).to_string(index=False))
    ctx.echo(f"written to {args.out}")
    ctx.summary.update(command="sensitivity", method=args.method, n=args.n, out=str(args.out),
                       files=paths_text(files), indices=result.indices.to_dict(orient="records"))
    return 0
