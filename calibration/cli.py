"""Command line of the calibration (校准命令行).

::

    python -m calibration fit --config calibration/national.yaml [--fit-until YEAR]
        [--region ISO3 --data CSV] [--out DIR] [--write-baseline] [--baseline PATH]
        [--maxiter N] [--popsize N] [--seed N] [--quiet]
    python -m calibration report --config calibration/national.yaml
        [--result FIT_RESULT.json | --scenario SCENARIO.yaml] [--fit-until YEAR]
        [--region ISO3 --data CSV] [--out DIR]
    python -m calibration validate --config calibration/national.yaml
        [--case REGION:YEAR ... [--data CSV]] [--seeds N | --seed S ...] [--maxiter N]
        [--out DIR]

``fit`` estimates the configured constants, writes the report (``report.md``, figures,
``statistics.csv``, ``fit_result.json``) to ``--out`` (default: the configuration's
``report_dir``, e.g. ``calibration/reports/CHN/``; with ``--fit-until Y``:
``calibration/reports/CHN_untilY/``) and, with ``--write-baseline``, the baseline
scenario (``scenarios/baseline.yaml``, or ``scenarios/baseline_<REGION>.yaml`` for
another region). ``report`` re-creates the report from a saved fit result or from a
scenario file (default: the region's baseline) without fitting. ``validate`` runs the
out-of-sample behaviour tests (:mod:`calibration.validate`): the configuration's standard
set (its ``validation`` block) or the cases given with ``--case``, each with several
optimizer seeds, and writes ``validation.md`` and CSV tables (default
``calibration/reports/validation/``).

Bad input (configuration, data file, option values) prints ``error: ...`` lines on
stderr and exits with status 2; nothing is written in that case.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Sequence

from calibration.config import ConfigError, load_config
from calibration.history import HistoryDataError

EXIT_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit status 2."""

    def error(self, message: str):  # pragma: no cover - exercised through main()
        raise _UsageError(f"{self.prog}: {message} (see --help)")


class _UsageError(Exception):
    pass


def _year(text: str) -> int:
    try:
        y = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year") from None
    if not 1900 <= y <= 2100:
        raise argparse.ArgumentTypeError(f"{y} is not a year between 1900 and 2100")
    return y


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"{v} must be >= 0")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m calibration", description="Calibrate the territorial carbon "
                "model to history and report the fit.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sp):
        sp.add_argument("--config", required=True, type=Path, help="calibration YAML")
        sp.add_argument("--fit-until", type=_year, default=None,
                        help="fit only data up to this year; report later years out-of-sample")
        sp.add_argument("--region", default=None, help="region code (default: the config's)")
        sp.add_argument("--data", type=Path, default=None,
                        help="history CSV in the user data format (calibration/history.py)")
        sp.add_argument("--out", type=Path, default=None, help="report directory")

    f = sub.add_parser("fit", help="estimate constants, write report (and baseline)")
    common(f)
    f.add_argument("--write-baseline", action="store_true",
                   help="write the calibrated constants as the region's baseline scenario")
    f.add_argument("--baseline", type=Path, default=None,
                   help="scenario file to write instead of the configured one")
    f.add_argument("--maxiter", type=_positive_int, default=None, help="DE generations")
    f.add_argument("--popsize", type=_positive_int, default=None, help="DE population factor")
    f.add_argument("--seed", type=_positive_int, default=None, help="random seed")
    f.add_argument("--quiet", action="store_true", help="no progress messages")

    v = sub.add_parser("validate", help="fit up to a cut-off year, score the years after it")
    v.add_argument("--config", required=True, type=Path, help="calibration YAML")
    v.add_argument("--case", action="append", default=None, metavar="REGION:YEAR",
                   help="a case instead of the standard set (repeatable), e.g. USA:2000")
    v.add_argument("--data", type=Path, default=None,
                   help="history CSV for the --case regions (default: the configured files)")
    seeds = v.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=_positive_int, default=None,
                       help="use the first N seeds of the standard set")
    seeds.add_argument("--seed", type=_positive_int, action="append", default=None,
                       help="an optimizer seed (repeatable)")
    v.add_argument("--maxiter", type=_positive_int, default=None, help="DE generations")
    v.add_argument("--out", type=Path, default=None,
                   help="report directory (default: calibration/reports/validation)")
    v.add_argument("--quiet", action="store_true", help="no progress messages")

    r = sub.add_parser("report", help="report the fit of saved constants")
    common(r)
    g = r.add_mutually_exclusive_group()
    g.add_argument("--result", type=Path, default=None, help="fit_result.json of a fit")
    g.add_argument("--scenario", type=Path, default=None,
                   help="scenario YAML whose overrides are reported (default: the baseline)")
    return p


def _print_summary(assessment, out=None) -> None:
    out = out or sys.stdout
    a, b = assessment.windows["evaluation"]
    for r in assessment.acceptance:
        mark = "ok  " if r["pass"] else "FAIL"
        print(f"  {mark} {r['series']:<22} MAPE {a}-{b} (in-sample) "
              f"{r['mape']:6.2f} % (limit {r['limit']:g} %)", file=out)
    if "out_of_sample" in assessment.windows:
        a, b = assessment.windows["out_of_sample"]
        print(f"  out-of-sample {a}-{b}:", file=out)
        d = assessment.stats[assessment.stats["window"] == "out_of_sample"]
        for _, row in d.iterrows():
            print(f"    {row['series']:<22} n={int(row['n']):2d}  MAPE {row['mape']:7.2f} %  "
                  f"RMSPE {row['rmspe']:7.2f} %  U^M {row['um']:.2f} U^S {row['us']:.2f} "
                  f"U^C {row['uc']:.2f}", file=out)


def _cmd_fit(args) -> int:
    from calibration.baseline import (baseline_document, rounded_overrides, validate_document,
                                      write_scenario)
    from calibration.identify import fit_identified
    from calibration.observations import load_region_history
    from calibration.report import assess, write_report

    if args.write_baseline and args.fit_until is not None:
        raise ConfigError("--write-baseline cannot be combined with --fit-until: an out-of-sample "
                          "test fit is not a baseline")
    if args.baseline is not None and not args.write_baseline:
        raise ConfigError("--baseline needs --write-baseline")
    cfg = _load(args)
    opt = cfg.optimizer
    changes = {k: v for k, v in (("maxiter", args.maxiter), ("popsize", args.popsize),
                                 ("seed", args.seed)) if v is not None}
    if changes.get("popsize", 2) < 2:
        raise ConfigError("--popsize must be >= 2")
    cfg.optimizer = dataclasses.replace(opt, **changes)
    log = (lambda m: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    history = load_region_history(cfg)
    result, _ = fit_identified(cfg, history, log=log)
    overrides = rounded_overrides(result)
    assessment = assess(cfg, overrides, history, fitted_end=result.window[1])
    out_dir = args.out or cfg.report_dir
    baseline_path = args.baseline or cfg.baseline_path
    doc = None
    if args.write_baseline:
        doc = baseline_document(cfg, result, overrides, assessment.summary(),
                                Path(out_dir) / "report.md")
        validate_document(doc, baseline_path)  # before anything is written
    report = write_report(cfg, assessment, history, out_dir, result,
                          source="this fit (values as written to the baseline)")
    print(f"fit {cfg.region}: objective {result.objective:.6g}, {len(result.names)} parameters, "
          f"{result.timing['total_s']:.1f} s, {len(result.warnings)} warning(s)")
    _print_summary(assessment)
    print(f"report: {report}")
    if doc is not None:
        write_scenario(doc, baseline_path)
        print(f"baseline: {baseline_path}")
    return 0


def _cmd_report(args) -> int:
    from calibration.baseline import read_scenario_overrides, rounded_overrides
    from calibration.fit import FitResult
    from calibration.observations import load_region_history
    from calibration.report import assess, write_report

    cfg = _load(args)
    result = None
    if args.result is not None:
        result = FitResult.load(args.result)
        if result.region != cfg.region:
            raise ConfigError(f"--result: {args.result} is a fit for region {result.region!r}, "
                              f"not {cfg.region!r}")
        overrides = rounded_overrides(result)
        source = f"fit result `{args.result}`"
    else:
        scen = args.scenario or cfg.baseline_path
        if not Path(scen).is_file():
            raise ConfigError(f"{scen}: scenario file not found (run 'fit --write-baseline' "
                              "first, or give --result/--scenario)")
        overrides = read_scenario_overrides(scen)
        source = f"scenario `{scen}`"
    history = load_region_history(cfg)
    fitted_end = result.window[1] if result is not None else None
    assessment = assess(cfg, overrides, history, fitted_end=fitted_end)
    out_dir = args.out or cfg.report_dir
    report = write_report(cfg, assessment, history, out_dir, result, source=source)
    _print_summary(assessment)
    print(f"report: {report}")
    return 0


def _cmd_validate(args) -> int:
    from calibration.validate import parse_case, run_case, spread_frame, standard_cases
    from calibration.validate import summary_frame, write

    cases, seeds = standard_cases(args.config)
    if args.case:
        given = [parse_case(c) for c in args.case]
        known = {c.region: c for c in cases}
        cases = [dataclasses.replace(known[g.region], fit_until=g.fit_until)
                 if g.region in known else g for g in given]
    if args.data is not None:
        if not args.data.is_file():
            raise ConfigError(f"--data: file not found: {args.data}")
        cases = [dataclasses.replace(c, data=str(args.data)) for c in cases]
    if args.seed:
        seeds = list(args.seed)
    elif args.seeds is not None:
        if not 1 <= args.seeds <= len(seeds):
            raise ConfigError(f"--seeds: give 1 to {len(seeds)} (the standard set has "
                              f"{len(seeds)} seeds), or list them with --seed")
        seeds = seeds[: args.seeds]
    log = (lambda m: None) if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    results = []
    for case in cases:
        for seed in seeds:
            log(f"== {case.region} fitted to {case.fit_until}, seed {seed}")
            results.append(run_case(args.config, case, seed, maxiter=args.maxiter, log=log))
    command = "python -m calibration validate " + " ".join(sys.argv[1:] if sys.argv[1:2] ==
                                                            ["validate"] else [])
    out_dir = args.out or Path(args.config).parent / "reports" / "validation"
    report = write(results, out_dir, command.strip())
    summary = summary_frame(results)
    for _, s in summary.iterrows():
        print(f"  {s['region']} to {s['fit_until']} seed {s['seed']}: CO2 MAPE "
              f"{s['co2_mape']:.2f} % (limit {s['co2_limit']:g} %), peak projected "
              f"{s['projected_peak'] if s['projected_peak'] is not None else 'none'} vs observed "
              f"{s['observed_peak'] if s['observed_status'] == 'peak' else s['observed_status']}"
              f" -> {'pass' if s['pass'] else 'FAIL'}")
    for _, s in spread_frame(summary).iterrows():
        print(f"  {s['region']}: CO2 MAPE {s['co2_mape_min']:.2f}-{s['co2_mape_max']:.2f} % over "
              f"{s['seeds']} seeds; peak {s['peak_min']:.0f}-{s['peak_max']:.0f}")
    print(f"report: {report}")
    return 0 if summary["pass"].all() else 1


def _load(args):
    if args.data is not None and not args.data.is_file():
        raise ConfigError(f"--data: file not found: {args.data}")
    region = args.region
    if args.data is not None and region is None:
        region = _single_region(args.data)
    return load_config(args.config, region=region, data=args.data, fit_until=args.fit_until)


def _single_region(path: Path) -> str:
    from calibration.history import load_history

    df = load_history(path, min_points=1)
    regions = sorted(df["region"].unique())
    if len(regions) != 1:
        raise ConfigError(f"--data: {path} holds several regions ({', '.join(regions)}); "
                          "choose one with --region")
    return regions[0]


def main(argv: Sequence[str] | None = None) -> int:
    from calibration.fit import FitError
    from models.model import ModelInputError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "fit":
            return _cmd_fit(args)
        if args.command == "validate":
            return _cmd_validate(args)
        return _cmd_report(args)
    except _UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_INPUT
    except (ConfigError, HistoryDataError, ModelInputError, FitError) as err:
        for line in str(err).splitlines() or [type(err).__name__]:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as err:
        print(f"error: {err.filename or ''}: {err.strerror or err}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as err:  # a bug, not bad input: short message unless debugging
        if os.environ.get("CALIBRATION_DEBUG"):
            raise
        print(f"internal error: {type(err).__name__}: {err} (set CALIBRATION_DEBUG=1 to see "
              "the traceback)", file=sys.stderr)
        return 1


__all__ = ["build_parser", "main"]
