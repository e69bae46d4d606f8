"""``tcsd turning-points``: of a scenario (bands with --ensemble N), of history, or both."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Sequence

from cli.core import CliError, Context
from cli.options import batch_bytes, check_budget, integer, number
from cli.staging import StagedOutputs

#: Outputs of an ensemble run (emissions, sink, GDP and the kink drivers), for the memory estimate.
_ENSEMBLE_OUTPUTS = 16


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``turning-points`` subcommand."""
    p = subparsers.add_parser(
        "turning-points", parents=[common],
        help="turning points of a scenario (bands with --ensemble N), of history, or history vs model",
        description="Turning points of a scenario in the projection era with the historical (whole-horizon) "
        "point beside it, kink flags and the sequence diagnostic; with --ensemble N their 5-95 %% bands over "
        "the calibration's parameter uncertainty and the probability of each target; with --compare-history "
        "TP1-TP3 of the calibrated runs vs observed history (CHN, USA, GBR); with --history a tidy history "
        "CSV (the calibration data format, read and checked by the calibration's loader), smoothed by a "
        "centred 5-year moving average unless --no-smoothing.",
    )
    p.add_argument("scenario", nargs="?", default=None, help="scenario key or YAML path (e.g. baseline)")
    p.add_argument("--ensemble", type=integer(2, None), default=None, metavar="N",
                   help="ensemble size (parameter draws, >= 2)")
    p.add_argument("--seed", type=integer(0, 2**32 - 1), default=1, help="seed of the ensemble draws (default 1)")
    p.add_argument("--fit-result", type=Path, default=None,
                   help="calibration result with the parameter uncertainty (default: the national fit)")
    p.add_argument("--range", action="append", default=[], metavar="NAME=LO:HI",
                   help="also draw this constant uniformly in [LO, HI] (model units); repeatable")
    p.add_argument("--analysis-start", type=number(1900, 2200), default=None, metavar="YEAR",
                   help="first year of the projection era (default: last data year of the calibration)")
    p.add_argument("--compare-history", action="store_true", help="TP1-TP3: calibrated runs vs observed history")
    p.add_argument("--regions", default="CHN,USA,GBR", help="regions of --compare-history (default CHN,USA,GBR)")
    p.add_argument("--history", type=Path, default=None, help="tidy history CSV (calibration data format)")
    p.add_argument("--region", default=None, help="region code of --history, e.g. CHN")
    p.add_argument("--variable", default="co2_fossil_industry", help="emission variable (default co2_fossil_industry)")
    p.add_argument("--sink-variable", default=None, help="optional sink variable (removals positive)")
    p.add_argument("--gdp-variable", default=None, help="optional GDP variable (TP2 convergence)")
    p.add_argument("--no-smoothing", action="store_true", help="use the raw history series")
    p.add_argument("--out", type=Path, default=None, help="also write the table to this CSV file")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.set_defaults(handler=turning_points)


def _ranges(items: Sequence[str]) -> dict[str, tuple[float, float]]:
    out = {}
    for item in items:
        name, sep, span = item.rpartition("=")
        lo, sep2, hi = span.partition(":")
        try:
            if not (sep and sep2 and name.strip()):
                raise ValueError
            a, b = float(lo), float(hi)
        except ValueError:
            raise CliError(f"--range expects NAME=LO:HI, got {item!r}") from None
        if not (math.isfinite(a) and math.isfinite(b) and a < b):
            raise CliError(f"--range {item!r}: LO and HI must be finite numbers with LO < HI")
        out[name.strip()] = (a, b)
    return out


def _pandas_wide():
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_colwidth", 90)


def turning_points(args: argparse.Namespace, ctx: Context) -> int:
    """Print (and optionally write) turning points: scenario, ensemble, history or the comparison."""
    from analysis.turning_points import HISTORY_SMOOTHING

    modes = [args.scenario is not None, args.compare_history, args.history is not None]
    if sum(modes) != 1:
        raise CliError("give one of: a SCENARIO, --compare-history, or --history CSV --region CODE")
    if args.ensemble is not None and args.scenario is None:
        raise CliError("--ensemble needs a SCENARIO")
    if args.out is not None and args.out.is_dir():
        raise CliError(f"--out {args.out}: is a folder; give a CSV file name")
    smoothing = None if args.no_smoothing else HISTORY_SMOOTHING
    options = {} if args.analysis_start is None else {"analysis_start": args.analysis_start}
    extra = {}
    try:
        with _pandas_wide():
            if args.compare_history:
                df = _compare(args, ctx, smoothing)
            elif args.history is not None:
                df = _history(args, ctx, smoothing)
            elif args.ensemble is not None:
                df, extra = _ensemble(args, ctx, options)
            else:
                df = _scenario(args, ctx, options)
    except (ValueError, KeyError) as err:
        if type(err) not in (ValueError, KeyError):
            raise  # library validation errors keep their type (see cli.user_errors)
        raise CliError(str(err).strip("'\"")) from None
    ctx.summary.update(command="turning-points", table=df.to_dict(orient="records"))
    if args.out is not None:
        with StagedOutputs() as stage:
            df.to_csv(stage.file(args.out), index=False, encoding="utf-8-sig")
            for name, table in extra.items():
                table.to_csv(stage.file(args.out.with_name(args.out.stem + name)), index=False,
                             encoding="utf-8-sig")
        ctx.echo(f"written: {args.out}")
        ctx.summary["files"] = [str(args.out)] + [str(args.out.with_name(args.out.stem + n)) for n in extra]
    return 0


def _compare(args, ctx: Context, smoothing):
    from analysis.turning_points.history import compare_history

    regions = [r.strip().upper() for r in args.regions.split(",") if r.strip()]
    if not regions:
        raise CliError("--regions: give at least one region code, e.g. CHN,USA")
    df = compare_history(regions, smoothing=smoothing)
    ctx.echo(df.drop(columns=["name", "baseline"]).to_string(index=False))
    for region, source in dict(zip(df["region"], df["baseline"])).items():
        ctx.echo(f"{region}: calibrated run {source}")
    return df


def _history(args, ctx: Context, smoothing):
    from analysis.turning_points.history import history_turning_points

    if not args.region:
        raise CliError("--history needs --region")
    if not args.history.is_file():
        raise CliError(f"{args.history}: history file not found")
    table = history_turning_points(args.history, args.region, args.variable, sink_variable=args.sink_variable,
                                   gdp_variable=args.gdp_variable, smoothing=smoothing)
    df = table.to_frame(args.lang)
    df.insert(0, "region", args.region)
    df.insert(1, "variable", args.variable)
    df = df.drop(columns=["year", "status", "reason"]).rename(
        columns={"year_hist": "year", "status_hist": "status", "reason_hist": "reason"})
    ctx.echo(df[["key", "name", "year", "status", "reason"]].to_string(index=False))
    return df


def _ensemble(args, ctx: Context, options):
    from analysis.turning_points.ensemble import run_ensemble

    check_budget(f"--ensemble {args.ensemble}", runs=args.ensemble,
                 memory_bytes=batch_bytes(args.ensemble, _ENSEMBLE_OUTPUTS), force=ctx.force)
    kw = {} if args.fit_result is None else {"fit_result": args.fit_result}
    if args.fit_result is not None and not args.fit_result.is_file():
        raise CliError(f"--fit-result {args.fit_result}: file not found")
    res = run_ensemble(args.scenario, args.ensemble, seed=args.seed, ranges=_ranges(args.range),
                       options=options, **kw)
    name = "name_zh" if args.lang == "zh" else "name_en"
    ctx.echo(res.bands[["key", "window", name, "central", "band", "n_reached", "n_before", "n_after"]]
             .to_string(index=False))
    ctx.echo(res.targets[["key", name, "target", "probability", "undecided", "central"]].to_string(index=False))
    st = res.settings
    ctx.echo(f"{st['scenario']}: N = {st['n']}, seed {st['seed']}, {st['seconds']:.1f} s; "
             f"{len(st['drawn'])} constants drawn from {st['source']} ({st['method']}); "
             f"held: {', '.join(st['held']) or 'none'}")
    ctx.summary["targets"] = res.targets.to_dict(orient="records")
    return res.bands, {"_targets.csv": res.targets}


def _scenario(args, ctx: Context, options):
    from analysis.turning_points.runs import scenario_turning_points
    from scenarios import load_scenario

    table = scenario_turning_points(load_scenario(args.scenario).inputs, options)
    df = table.to_frame(args.lang)
    ctx.echo(df[["key", "name", "year", "status", "year_hist", "status_hist", "kink"]].to_string(index=False))
    for _, row in df.iterrows():
        for col in ("reason", "reason_hist"):
            if row[col]:
                ctx.echo(f"  {row['key']} ({'projection' if col == 'reason' else 'historical'}): {row[col]}")
    ctx.echo(table.sequence.to_string(index=False))
    return df
