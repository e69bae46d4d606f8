"""Command line of the territorial carbon simulator (命令行入口): ``python -m cli ...``.

Subcommands::

    run SCENARIO [SCENARIO ...] --out DIR [--format csv,xlsx] [--figures png,svg] [--lang zh|en]
    turning-points SCENARIO [--ensemble N] [--analysis-start YEAR] [--out FILE] [--lang zh|en]
    turning-points --compare-history [--regions CHN,USA,GBR] [--out FILE]
    turning-points --history CSV --region ISO3 [--variable co2_fossil_industry] [--out FILE]
    export-spatial SCENARIO --out DIR [--cell-size M] [--carbon-year YEAR]
    list-scenarios

SCENARIO is a key of ``scenarios/`` (e.g. ``dual_carbon``) or a path to a YAML file.
User errors (bad scenario file, unknown scenario, bad history file) print one line
``error: ...`` to stderr and exit with code 2; nothing is written for a ``run`` whose
scenarios do not all validate.

Adding a subcommand: write ``def register_<name>(subparsers) -> None`` that adds its
parser and sets ``handler=`` (a function ``Namespace -> int``), and add it to
:data:`REGISTRARS`.  Handlers raise :class:`CliError` (or a library ``ValueError``
subclass returned by :func:`user_errors`) for user errors.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Callable, Sequence

__all__ = ["CliError", "REGISTRARS", "build_parser", "main", "user_errors"]

EXIT_USAGE = 2


class CliError(Exception):
    """A user error: printed as one line, exit code 2."""


def user_errors() -> tuple[type[BaseException], ...]:
    """Exception types reported as one-line user errors (exit code 2).

    Library validation errors (scenario files, model overrides, targets files) and
    file-system errors (e.g. an output folder that cannot be written).
    """
    from analysis.targets import TargetsConfigError
    from models.model import ModelInputError
    from scenarios import ScenarioError

    return (CliError, ScenarioError, ModelInputError, TargetsConfigError, OSError)


def _csv_list(allowed: Sequence[str], allow_none: bool = False) -> Callable[[str], tuple[str, ...]]:
    """argparse type: comma-separated choices (``none`` for an empty list if allowed)."""

    def parse(text: str) -> tuple[str, ...]:
        items = tuple(x.strip().lower() for x in text.split(",") if x.strip())
        if allow_none and items == ("none",):
            return ()
        bad = [x for x in items if x not in allowed]
        if bad or not items:
            extra = " or 'none'" if allow_none else ""
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)}{extra} (comma-separated), got {text!r}")
        return tuple(dict.fromkeys(items))

    return parse


# --------------------------------------------------------------------------------------
# run
# --------------------------------------------------------------------------------------


def register_run(subparsers: argparse._SubParsersAction) -> None:
    """``run``: simulate scenarios; write results, figures, turning points and targets."""
    p = subparsers.add_parser(
        "run",
        help="run scenarios and write results, figures, turning points and targets",
        description="Run scenarios (keys of scenarios/ or YAML paths) and write results, a "
        "turning-point comparison, target evaluations, assumptions and figures to --out.",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario key or YAML file")
    p.add_argument("--out", required=True, type=Path, help="output directory (created)")
    p.add_argument("--format", dest="formats", type=_csv_list(("csv", "xlsx")), default=("csv",),
                   help="result formats: csv,xlsx (default csv)")
    p.add_argument("--figures", type=_csv_list(("png", "svg"), allow_none=True), default=("png",),
                   help="figure formats: png,svg or none (default png)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of labels and reasons")
    p.set_defaults(handler=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """Validate all scenarios, run them, write tables and figures; print a summary."""
    from analysis.scenario_runs import analyse_scenarios, resolve_scenarios

    # Validate every scenario before anything is run or written.
    scenarios = resolve_scenarios(args.scenarios)
    runs = analyse_scenarios(scenarios, lang=args.lang)
    from analysis.export import write_results

    written = write_results(runs, args.out, args.formats, lang=args.lang)
    if args.figures:
        written += _write_figures(runs, args.out / "figures", args.figures, args.lang)
    print(f"{len(runs)} scenario(s) run; {len(written)} file(s) written to {args.out}")
    for key, run in runs.items():
        tp3, neu = run.turning_points["tp3"], run.turning_points["neutrality"]
        peak = f"{tp3.year:.0f}" if tp3.reached else tp3.status
        neutral = f"{neu.year:.0f}" if neu.reached else neu.status
        print(f"  {key}: emission peak {peak}, carbon neutrality {neutral}")
    return 0


def _write_figures(runs, out_dir: Path, formats: Sequence[str], lang: str) -> list[Path]:
    """Four figures per scenario plus the comparison; one warning line if no CJK font."""
    from analysis import plots

    written: list[Path] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", plots.CJKFontWarning)
        for key, run in runs.items():
            figs = plots.standard_figures(run.results, run.turning_points, lang=lang, title=run.scenario.label(lang))
            for name, fig in figs.items():
                written += plots.save_figure(fig, out_dir / f"{key}_{name}", formats)
        fig = plots.plot_comparison(
            {k: r.results for k, r in runs.items()},
            labels={k: r.scenario.label(lang) for k, r in runs.items()},
            turning_points={k: r.turning_points for k, r in runs.items()},
            lang=lang,
        )
        written += plots.save_figure(fig, out_dir / "comparison", formats)
    if any(issubclass(w.category, plots.CJKFontWarning) for w in caught):
        print(
            f"warning: no CJK font installed, figures use English labels "
            f"(install Debian package {plots.CJK_FONT_PACKAGES[0]})",
            file=sys.stderr,
        )
    return written


# --------------------------------------------------------------------------------------
# turning-points
# --------------------------------------------------------------------------------------


def register_turning_points(subparsers: argparse._SubParsersAction) -> None:
    """``turning-points``: of a scenario (optionally an ensemble), of history, or both compared."""
    p = subparsers.add_parser(
        "turning-points",
        help="turning points of a scenario (bands with --ensemble N), of history, or history vs model",
        description="Turning points of a scenario in the projection era with the historical (whole-horizon) "
        "point beside it, kink flags and the sequence diagnostic; with --ensemble N their 5-95 %% bands over "
        "the calibration's parameter uncertainty and the probability of each target; with --compare-history "
        "TP1-TP3 of the calibrated runs vs observed history (CHN, USA, GBR); with --history a tidy history "
        "CSV (the calibration data format), smoothed by a centred 5-year moving average unless --no-smoothing.",
    )
    p.add_argument("scenario", nargs="?", default=None, help="scenario key or YAML path (e.g. baseline)")
    p.add_argument("--ensemble", type=int, default=None, metavar="N", help="ensemble size (parameter draws)")
    p.add_argument("--seed", type=int, default=1, help="seed of the ensemble draws (default 1)")
    p.add_argument("--fit-result", type=Path, default=None,
                   help="calibration result with the parameter uncertainty (default: the national fit)")
    p.add_argument("--range", action="append", default=[], metavar="NAME=LO:HI",
                   help="also draw this constant uniformly in [LO, HI] (model units); repeatable")
    p.add_argument("--analysis-start", type=float, default=None, metavar="YEAR",
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
    p.set_defaults(handler=cmd_turning_points)


def _ranges(items: Sequence[str]) -> dict[str, tuple[float, float]]:
    out = {}
    for item in items:
        name, sep, span = item.rpartition("=")
        lo, sep2, hi = span.partition(":")
        try:
            if not (sep and sep2 and name.strip()):
                raise ValueError
            out[name.strip()] = (float(lo), float(hi))
        except ValueError:
            raise CliError(f"--range expects NAME=LO:HI, got {item!r}") from None
    return out


def _write(df, out: Path | None) -> None:
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(out, index=False, encoding="utf-8-sig")
        print(f"written: {out}")


def cmd_turning_points(args: argparse.Namespace) -> int:
    """Print (and optionally write) turning points: scenario, ensemble, history or the comparison."""
    from analysis.metrics import MetricError
    from analysis.turning_points import HISTORY_SMOOTHING, TurningPointOptionsError

    modes = [args.scenario is not None, args.compare_history, args.history is not None]
    if sum(modes) != 1:
        raise CliError("give one of: a SCENARIO, --compare-history, or --history CSV --region CODE")
    if args.ensemble is not None and args.scenario is None:
        raise CliError("--ensemble needs a SCENARIO")
    smoothing = None if args.no_smoothing else HISTORY_SMOOTHING
    options = {} if args.analysis_start is None else {"analysis_start": args.analysis_start}
    try:
        with _pandas_wide():
            if args.compare_history:
                from analysis.turning_points.history import compare_history

                regions = [r.strip().upper() for r in args.regions.split(",") if r.strip()]
                df = compare_history(regions, smoothing=smoothing)
                print(df.drop(columns=["name", "baseline"]).to_string(index=False))
                for region, source in dict(zip(df["region"], df["baseline"])).items():
                    print(f"{region}: calibrated run {source}")
            elif args.history is not None:
                from analysis.turning_points.history import history_turning_points

                if not args.region:
                    raise CliError("--history needs --region")
                if not args.history.is_file():
                    raise CliError(f"{args.history}: history file not found")
                table = history_turning_points(args.history, args.region, args.variable,
                                               sink_variable=args.sink_variable, gdp_variable=args.gdp_variable,
                                               smoothing=smoothing)
                df = table.to_frame(args.lang)
                df.insert(0, "region", args.region)
                df.insert(1, "variable", args.variable)
                df = df.drop(columns=["year", "status", "reason"]).rename(
                    columns={"year_hist": "year", "status_hist": "status", "reason_hist": "reason"})
                print(df[["key", "name", "year", "status", "reason"]].to_string(index=False))
            elif args.ensemble is not None:
                from analysis.turning_points.ensemble import run_ensemble

                kw = {} if args.fit_result is None else {"fit_result": args.fit_result}
                res = run_ensemble(args.scenario, args.ensemble, seed=args.seed, ranges=_ranges(args.range),
                                   options=options, **kw)
                name = "name_zh" if args.lang == "zh" else "name_en"
                print(res.bands[["key", "window", name, "central", "band", "n_reached", "n_before", "n_after"]]
                      .to_string(index=False))
                print(res.targets[["key", name, "target", "probability", "undecided", "central"]]
                      .to_string(index=False))
                st = res.settings
                print(f"{st['scenario']}: N = {st['n']}, seed {st['seed']}, {st['seconds']:.1f} s; "
                      f"{len(st['drawn'])} constants drawn from {st['source']} ({st['method']}); "
                      f"held: {', '.join(st['held']) or 'none'}")
                df = res.bands
                if args.out is not None:
                    _write(res.targets, args.out.with_name(args.out.stem + "_targets.csv"))
            else:
                from analysis.turning_points.runs import scenario_turning_points
                from scenarios import load_scenario

                table = scenario_turning_points(load_scenario(args.scenario).overrides, options)
                df = table.to_frame(args.lang)
                print(df[["key", "name", "year", "status", "year_hist", "status_hist", "kink"]].to_string(index=False))
                for _, row in df.iterrows():
                    for col in ("reason", "reason_hist"):
                        if row[col]:
                            print(f"  {row['key']} ({'projection' if col == 'reason' else 'historical'}): {row[col]}")
                print(table.sequence.to_string(index=False))
    except (ValueError, KeyError, MetricError, TurningPointOptionsError) as err:
        raise CliError(str(err)) from None
    _write(df, args.out)
    return 0


def _pandas_wide():
    """pandas display options for printing the turning-point table."""
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_colwidth", 90)


# --------------------------------------------------------------------------------------
# export-spatial
# --------------------------------------------------------------------------------------


def register_export_spatial(subparsers: argparse._SubParsersAction) -> None:
    """``export-spatial``: PLUS/FLUS land-use demand and InVEST carbon table."""
    p = subparsers.add_parser(
        "export-spatial",
        help="land-use demand (PLUS/FLUS/CLUE-S) and InVEST carbon table of a scenario",
        description="Write land_use_demand.csv, land_classes.csv and "
        "invest_carbon_biophysical.csv for a scenario (see docs/spatial_handoff.md).",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario key or YAML file")
    p.add_argument("--out", required=True, type=Path, help="output directory (created)")
    p.add_argument("--cell-size", type=float, default=None, metavar="M",
                   help="raster cell size in metres: adds cell counts to the demand table")
    p.add_argument("--carbon-year", type=float, default=None, metavar="YEAR",
                   help="use the simulated forest densities and age structure of this year")
    p.set_defaults(handler=cmd_export_spatial)


def cmd_export_spatial(args: argparse.Namespace) -> int:
    """Run one scenario and write the demand, class and InVEST tables."""
    from analysis.scenario_runs import resolve_scenarios, run_scenarios
    from analysis.export import write_spatial_handoff

    if args.cell_size is not None and not args.cell_size > 0:
        raise CliError(f"--cell-size must be a positive number of metres, got {args.cell_size:g}")
    scenario = next(iter(resolve_scenarios([args.scenario]).values()))
    results = run_scenarios([scenario])[scenario.key]
    try:
        paths = write_spatial_handoff(
            scenario, results, args.out, cell_size_m=args.cell_size, carbon_year=args.carbon_year
        )
    except ValueError as err:  # e.g. --carbon-year outside the results
        raise CliError(str(err)) from None
    for p in paths:
        print(f"written: {p}")
    return 0


# --------------------------------------------------------------------------------------
# list-scenarios
# --------------------------------------------------------------------------------------


def register_list_scenarios(subparsers: argparse._SubParsersAction) -> None:
    """``list-scenarios``: the bundled scenario files with their names."""
    p = subparsers.add_parser("list-scenarios", help="list the scenario files")
    p.add_argument("--lang", choices=("en", "zh"), default=None, help="one language only (default both)")
    p.set_defaults(handler=cmd_list_scenarios)


def cmd_list_scenarios(args: argparse.Namespace) -> int:
    """Print key and names of each scenario file; broken files are reported (exit 2)."""
    from scenarios import ScenarioError, list_scenarios, load_scenario

    broken = []
    for key in list_scenarios():
        try:
            sc = load_scenario(key)
        except ScenarioError as err:
            broken.append(_one_line(err))
            continue
        name = sc.label(args.lang) if args.lang else f"{sc.name['en']} / {sc.name['zh']}"
        base = f" (base: {sc.base})" if sc.base else ""
        print(f"{key}\t{name}{base}")
    for msg in broken:
        print(f"error: {msg}", file=sys.stderr)
    return EXIT_USAGE if broken else 0


# --------------------------------------------------------------------------------------
# Parser and entry point
# --------------------------------------------------------------------------------------

def _delegate(name: str, help_text: str) -> Callable[[argparse._SubParsersAction], None]:
    """List a delegated subcommand (see :data:`DELEGATES`) in ``--help``."""

    def register(subparsers: argparse._SubParsersAction) -> None:
        subparsers.add_parser(name, help=help_text, add_help=False)

    return register


#: Functions that add one subcommand each.
REGISTRARS: list[Callable[[argparse._SubParsersAction], None]] = [
    register_run,
    register_turning_points,
    register_export_spatial,
    register_list_scenarios,
    _delegate("calibrate", "fit constants to history, fit reports (python -m calibration)"),
    _delegate("sensitivity", "Sobol, Morris, eFAST sweeps (python -m analysis.sensitivity)"),
    _delegate("policy", "wedges, scenario discovery, target seeking (python -m analysis.policy)"),
]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m cli",
        description="Territorial carbon simulator: scenarios, turning points, exports (国土空间碳中和情景模拟).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in REGISTRARS:
        register(subparsers)
    return parser


def _one_line(err: BaseException) -> str:
    """The error message on a single line."""
    return " ".join(str(err).split())


#: Subcommands handed whole to another package's command line (argparse's REMAINDER
#: cannot pass on options such as ``--model`` that follow the subcommand name).
DELEGATES: dict[str, str] = {
    "calibrate": "calibration.cli",
    "sensitivity": "analysis.sensitivity.cli",
    "policy": "analysis.policy.cli",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the subcommand; user errors give one stderr line and exit 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DELEGATES:
        import importlib

        return int(importlib.import_module(DELEGATES[argv[0]]).main(argv[1:]) or 0)
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except user_errors() as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
