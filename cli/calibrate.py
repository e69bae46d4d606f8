"""``tcsd calibrate fit|report|validate``: fit constants to history, report, validate.

::

    tcsd calibrate fit --config calibration/national.yaml [--fit-until YEAR]
        [--region ISO3 --data CSV] [--out DIR] [--write-baseline] [--baseline PATH]
        [--maxiter N] [--popsize N] [--seed N]
    tcsd calibrate report --config calibration/national.yaml
        [--result FIT_RESULT.json | --scenario SCENARIO.yaml] [--fit-until YEAR]
        [--region ISO3 --data CSV] [--out DIR]
    tcsd calibrate validate --config calibration/national.yaml
        [--case REGION:YEAR ... [--data CSV]] [--seeds N | --seed S ...] [--maxiter N] [--out DIR]

``fit`` estimates the configured constants and writes the report (``report.md``,
figures, ``statistics.csv``, ``fit_result.json``) to ``--out`` (default: the
configuration's ``report_dir``, e.g. ``calibration/reports/CHN/``; with ``--fit-until
Y``: ``calibration/reports/CHN_untilY/``) and, with ``--write-baseline``, the baseline
scenario (``scenarios/baseline.yaml``, or ``scenarios/baseline_<REGION>.yaml`` for
another region). Report and baseline are staged and moved into place together, only
when both are complete. ``report`` re-creates the report from a saved fit result or a
scenario file without fitting. ``validate`` runs the out-of-sample behaviour tests
(:mod:`calibration.validate`) and exits 1 when a case fails its acceptance limits.
Defaults inside an installed package are redirected to the current directory
(:func:`cli.paths.default_output`).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import re
import sys
from pathlib import Path
from typing import Any

from cli.core import Context
from cli.options import integer, year
from cli.paths import default_output
from cli.staging import StagedOutputs

log = logging.getLogger(__name__)

_GENERATION = re.compile(r"DE generation (\d+)")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``calibrate`` with its ``fit``, ``report`` and ``validate`` subcommands."""
    cal = subparsers.add_parser("calibrate", parents=[common], help="fit constants to history, fit reports, "
                                "out-of-sample validation", description=__doc__.split("\n\n")[2])
    sub = cal.add_subparsers(dest="calibrate_command", metavar="SUBCOMMAND", required=True,
                             parser_class=type(cal))

    def inputs(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--config", required=True, type=Path, help="calibration YAML")
        sp.add_argument("--fit-until", type=year(), default=None,
                        help="fit only data up to this year (1900-2100); report later years out-of-sample")
        sp.add_argument("--region", default=None, help="region code (default: the config's)")
        sp.add_argument("--data", type=Path, default=None,
                        help="history CSV in the user data format (calibration/history.py)")
        sp.add_argument("--out", type=Path, default=None, help="report folder")

    f = sub.add_parser("fit", parents=[common], help="estimate constants, write report (and baseline)")
    inputs(f)
    f.add_argument("--write-baseline", action="store_true",
                   help="write the calibrated constants as the region's baseline scenario")
    f.add_argument("--baseline", type=Path, default=None, help="scenario file to write instead of the configured one")
    f.add_argument("--maxiter", type=integer(0, 100_000), default=None, help="DE generations (0-100000)")
    f.add_argument("--popsize", type=integer(2, 1000), default=None, help="DE population factor (2-1000)")
    f.add_argument("--seed", type=integer(0, 2**32 - 1), default=None, help="random seed")
    f.set_defaults(handler=fit)

    r = sub.add_parser("report", parents=[common], help="report the fit of saved constants")
    inputs(r)
    g = r.add_mutually_exclusive_group()
    g.add_argument("--result", type=Path, default=None, help="fit_result.json of a fit")
    g.add_argument("--scenario", type=Path, default=None,
                   help="scenario YAML whose overrides are reported (default: the baseline)")
    r.set_defaults(handler=report)

    v = sub.add_parser("validate", parents=[common], help="fit up to a cut-off year, score the years after it")
    v.add_argument("--config", required=True, type=Path, help="calibration YAML")
    v.add_argument("--case", action="append", default=None, metavar="REGION:YEAR",
                   help="a case instead of the standard set (repeatable), e.g. USA:2000")
    v.add_argument("--data", type=Path, default=None,
                   help="history CSV for the --case regions (default: the configured files)")
    seeds = v.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=integer(1, None), default=None, help="use the first N seeds of the standard set")
    seeds.add_argument("--seed", type=integer(0, 2**32 - 1), action="append", default=None,
                       help="an optimizer seed (repeatable)")
    v.add_argument("--maxiter", type=integer(0, 100_000), default=None, help="DE generations")
    v.add_argument("--out", type=Path, default=None,
                   help="report folder (default: calibration/reports/validation beside the config)")
    redo = v.add_mutually_exclusive_group()
    redo.add_argument("--merge", type=Path, nargs="+", default=None, metavar="FOLDER",
                      help="merge validation folders (e.g. one seed each, run side by side) into one "
                           "report in --out; fits nothing")
    redo.add_argument("--rescore", type=Path, default=None, metavar="FOLDER",
                      help="score the fitted scenarios of a validation folder again with the current "
                           "model and scoring, into --out; fits nothing")
    v.set_defaults(handler=validate)


class _FitLog:
    """The calibration's ``log`` callback: DE generations drive a progress bar, other
    messages go to the INFO log."""

    def __init__(self, ctx: Context, total: int | None) -> None:
        self.ctx, self.total = ctx, total
        self.bar: Any = None  # a tqdm bar once the first generation is reported

    def __call__(self, message: str) -> None:
        m = _GENERATION.search(message)
        if m is None:
            if message.startswith("fitting ") and self.bar is not None:
                self.close()
            log.info(message.strip())
            return
        if self.bar is None:
            self.bar = self.ctx.progress(self.total, "DE generations", unit="gen")
        self.bar.update(int(m.group(1)) - self.bar.n)
        log.debug(message.strip())

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _summary_lines(ctx: Context, assessment) -> None:
    a, b = assessment.windows["evaluation"]
    ctx.summary["acceptance"] = [dict(r) for r in assessment.acceptance]
    for r in assessment.acceptance:
        mark = "ok  " if r["pass"] else "FAIL"
        ctx.echo(f"  {mark} {r['series']:<22} MAPE {a}-{b} (in-sample) {r['mape']:6.2f} % (limit {r['limit']:g} %)")
    if "out_of_sample" in assessment.windows:
        a, b = assessment.windows["out_of_sample"]
        ctx.echo(f"  out-of-sample {a}-{b}:")
        d = assessment.stats[assessment.stats["window"] == "out_of_sample"]
        for _, row in d.iterrows():
            ctx.echo(f"    {row['series']:<22} n={int(row['n']):2d}  MAPE {row['mape']:7.2f} %  "
                     f"RMSPE {row['rmspe']:7.2f} %  U^M {row['um']:.2f} U^S {row['us']:.2f} U^C {row['uc']:.2f}")


def _load(args):
    from calibration.config import ConfigError, load_config

    if args.data is not None and not args.data.is_file():
        raise ConfigError(f"--data: file not found: {args.data}")
    region = args.region
    if args.data is not None and region is None:
        region = _single_region(args.data)
    return load_config(args.config, region=region, data=args.data, fit_until=args.fit_until)


def _single_region(path: Path) -> str:
    from calibration.config import ConfigError
    from calibration.history import load_history

    df = load_history(path, min_points=1)
    regions = sorted(df["region"].unique())
    if len(regions) != 1:
        raise ConfigError(f"--data: {path} holds several regions ({', '.join(regions)}); choose one with --region")
    return regions[0]


def fit(args: argparse.Namespace, ctx: Context) -> int:
    """Fit, write the report and (with --write-baseline) the baseline, all or nothing."""
    from calibration.baseline import baseline_document, rounded_overrides, validate_document, write_scenario
    from calibration.config import ConfigError
    from calibration.identify import fit_identified
    from calibration.observations import load_region_history
    from calibration.report import assess, write_report

    if args.write_baseline and args.fit_until is not None:
        raise ConfigError("--write-baseline cannot be combined with --fit-until: an out-of-sample "
                          "test fit is not a baseline")
    if args.baseline is not None and not args.write_baseline:
        raise ConfigError("--baseline needs --write-baseline")
    if args.baseline is not None and args.baseline.is_dir():
        raise ConfigError(f"--baseline {args.baseline}: is a folder; give a scenario file name (.yaml)")
    cfg = _load(args)
    changes = {k: v for k, v in (("maxiter", args.maxiter), ("popsize", args.popsize),
                                 ("seed", args.seed)) if v is not None}
    cfg.optimizer = dataclasses.replace(cfg.optimizer, **changes)
    out_dir = args.out or default_output(cfg.report_dir)
    baseline_path = args.baseline or default_output(cfg.baseline_path)
    if args.write_baseline and baseline_path.is_dir():
        raise ConfigError(f"--baseline {baseline_path}: is a folder; give a scenario file name (.yaml)")
    history = load_region_history(cfg)
    progress = _FitLog(ctx, getattr(cfg.optimizer, "maxiter", None))
    try:
        result, _ = fit_identified(cfg, history, log=progress)
    finally:
        progress.close()
    overrides = rounded_overrides(result)
    assessment = assess(cfg, overrides, history, fitted_end=result.window[1])
    doc = None
    if args.write_baseline:
        doc = baseline_document(cfg, result, overrides, assessment.summary(), Path(out_dir) / "report.md")
        validate_document(doc, baseline_path)  # before anything is written
    with StagedOutputs() as stage:
        report_tmp = write_report(cfg, assessment, history, stage.folder(out_dir), result,
                                  source="this fit (values as written to the baseline)")
        if doc is not None:
            write_scenario(doc, stage.file(baseline_path))
        report_path = stage.final_path(report_tmp)
    eliminated = (result.identification or {}).get("eliminated")
    fixed = f", {len(eliminated)} fixed as unidentified" if eliminated else ""
    ctx.echo(f"fit {cfg.region}: objective {result.objective:.6g}, {len(result.names)} parameters{fixed}, "
             f"{result.total_seconds:.1f} s, {len(result.warnings)} warning(s)")
    _summary_lines(ctx, assessment)
    ctx.echo(f"report: {report_path}")
    ctx.summary.update(command="calibrate fit", region=cfg.region, objective=result.objective,
                       parameters=list(result.names), warnings=list(result.warnings), report=str(report_path))
    if doc is not None:
        ctx.echo(f"baseline: {baseline_path}")
        ctx.summary["baseline"] = str(baseline_path)
    return 0


def report(args: argparse.Namespace, ctx: Context) -> int:
    """Re-create the fit report of saved constants (a fit result or a scenario)."""
    from calibration.baseline import read_scenario_overrides, rounded_overrides
    from calibration.config import ConfigError
    from calibration.fit import FitResult
    from calibration.observations import load_region_history
    from calibration.report import assess, write_report

    cfg = _load(args)
    result = None
    if args.result is not None:
        if not args.result.is_file():
            raise ConfigError(f"--result: file not found: {args.result}")
        result = FitResult.load(args.result)
        if result.region != cfg.region:
            raise ConfigError(f"--result: {args.result} is a fit for region {result.region!r}, not {cfg.region!r}")
        overrides = rounded_overrides(result)
        source = f"fit result `{args.result}`"
    else:
        scen = args.scenario or cfg.baseline_path
        if not Path(scen).is_file():
            raise ConfigError(f"{scen}: scenario file not found (run 'calibrate fit --write-baseline' "
                              "first, or give --result/--scenario)")
        overrides = read_scenario_overrides(scen)
        source = f"scenario `{scen}`"
    history = load_region_history(cfg)
    fitted_end = result.window[1] if result is not None else None
    assessment = assess(cfg, overrides, history, fitted_end=fitted_end)
    out_dir = args.out or default_output(cfg.report_dir)
    with StagedOutputs() as stage:
        report_path = stage.final_path(write_report(cfg, assessment, history, stage.folder(out_dir), result,
                                                    source=source))
    _summary_lines(ctx, assessment)
    ctx.echo(f"report: {report_path}")
    ctx.summary.update(command="calibrate report", region=cfg.region, report=str(report_path))
    return 0


def validate(args: argparse.Namespace, ctx: Context) -> int:
    """Out-of-sample validation: exit 0 when every case passes, 1 otherwise."""
    from calibration.config import ConfigError
    from calibration.validate import parse_case, run_case, standard_cases, summary_frame, write

    if args.merge or args.rescore:
        return _merge(args, ctx)
    cases, seeds = standard_cases(args.config)
    if args.case:
        given = [parse_case(c) for c in args.case]
        known = {c.region: c for c in cases}
        cases = [dataclasses.replace(known[g.region], fit_until=g.fit_until) if g.region in known else g
                 for g in given]
    if args.data is not None:
        if not args.data.is_file():
            raise ConfigError(f"--data: file not found: {args.data}")
        cases = [dataclasses.replace(c, data=str(args.data)) for c in cases]
    if args.seed:
        seeds = list(args.seed)
    elif args.seeds is not None:
        if not 1 <= args.seeds <= len(seeds):
            raise ConfigError(f"--seeds: give 1 to {len(seeds)} (the standard set has {len(seeds)} seeds), "
                              "or list them with --seed")
        seeds = seeds[: args.seeds]
    results = []
    with ctx.progress(len(cases) * len(seeds), "validation fits", unit="fit") as bar:
        for case in cases:
            for seed in seeds:
                log.info("== %s fitted to %s, seed %s", case.region, case.fit_until, seed)
                results.append(run_case(args.config, case, seed, maxiter=args.maxiter, log=log.info))
                bar.update(1)
    command = "tcsd calibrate validate " + " ".join(sys.argv[sys.argv.index("validate") + 1:]
                                                    if "validate" in sys.argv else [])
    out_dir = args.out or default_output(Path(args.config).parent / "reports" / "validation")
    with StagedOutputs() as stage:
        report_path = stage.final_path(write(results, stage.folder(out_dir), command.strip()))
    summary = summary_frame(results)
    return _echo_validation(ctx, summary, report_path)


def _merge(args: argparse.Namespace, ctx: Context) -> int:
    """``validate --merge`` (one report of several validation folders) or ``--rescore`` (a
    folder's fitted scenarios scored again); exit as ``validate``."""
    from calibration.config import ConfigError
    from calibration.validate import merge, read_run, rescore

    option = "--merge" if args.merge else "--rescore"
    if args.case or args.seed or args.seeds is not None or args.maxiter is not None or (
            args.merge and args.data is not None):
        raise ConfigError(f"{option}: give only the folder(s), --out{'' if args.merge else ' and --data'} "
                          "(the cases were fitted already)")
    if args.data is not None and not args.data.is_file():
        raise ConfigError(f"--data: file not found: {args.data}")
    out_dir = args.out or default_output(Path(args.config).parent / "reports" / "validation")
    try:
        with StagedOutputs() as stage:
            if args.merge:
                written = merge(args.merge, stage.folder(out_dir))
            else:
                written = rescore(args.rescore, stage.folder(out_dir), args.config,
                                  data=None if args.data is None else str(args.data))
            report_path = stage.final_path(written)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    summary, _, _ = read_run(Path(report_path).parent)
    return _echo_validation(ctx, summary, report_path)


def _echo_validation(ctx: Context, summary, report_path) -> int:
    import pandas as pd

    from calibration.validate import NOT_RECORDED, spread_frame

    for _, s in summary.iterrows():
        ctx.echo(f"  {s['region']} to {s['fit_until']} seed {s['seed']}: CO2 MAPE {s['co2_mape']:.2f} % "
                 f"({'limit ' + format(s['co2_limit'], 'g') + ' %' if pd.notna(s['co2_limit']) else 'no limit'}), "
                 "peak projected "
                 f"{s['projected_peak'] if s['projected_peak'] is not None else 'none'} vs observed "
                 f"{s['observed_peak'] if s['observed_status'] == 'peak' else s['observed_status']}"
                 f" -> {'pass' if s['pass'] else 'FAIL'}")
        if pd.notna(s.get("kaya_co2", float("nan"))):
            ctx.echo(f"    CO2 error {s['kaya_co2']:+.1f} = GDP {s['kaya_gdp']:+.1f} + energy per GDP "
                     f"{s['kaya_energy_intensity']:+.1f} + fossil share {s['kaya_fossil_share']:+.1f} + CO2 per "
                     f"fossil energy {s['kaya_co2_per_fossil_energy']:+.1f} (log points x 100, mean "
                     f"{s['kaya_years']})")
        if isinstance(s.get("in_sample"), str) and s["in_sample"] not in ("pass", "not assessed"):
            ctx.echo(f"    in-sample acceptance missed: {s['in_sample']}")
        if isinstance(s.get("at_bound"), str) and s["at_bound"] not in ("", NOT_RECORDED):
            ctx.echo(f"    at a bound without a written reason: {s['at_bound']}")
    for _, s in spread_frame(summary).iterrows():
        peaks = (f"peak {s['peak_min']:.0f}-{s['peak_max']:.0f}" if pd.notna(s["peak_min"])
                 else "no peak by 2100")
        if pd.notna(s["peak_min"]) and s["peak_not_reached"]:
            peaks += f", none in {s['peak_not_reached']}"
        ctx.echo(f"  {s['region']}: CO2 MAPE {s['co2_mape_min']:.2f}-{s['co2_mape_max']:.2f} % over "
                 f"{s['seeds']} seed(s); {peaks}")
    ctx.echo(f"report: {report_path}")
    ctx.summary.update(command="calibrate validate", report=str(report_path),
                       cases=summary.to_dict(orient="records"), passed=bool(summary["pass"].all()))
    return 0 if summary["pass"].all() else 1
