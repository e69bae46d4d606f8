"""``tcsd run``: simulate scenarios; write results, figures, turning points and targets."""

from __future__ import annotations

import argparse
import logging
import warnings
from pathlib import Path
from typing import Sequence

from cli.core import Context, paths_text
from cli.options import csv_choices
from cli.staging import StagedOutputs

log = logging.getLogger(__name__)

#: Result formats of ``--format``: those of :func:`analysis.export.write_results`
#: (checked equal in tests; not imported here so that ``--help`` stays fast).
FORMATS: tuple[str, ...] = ("csv", "xlsx", "netcdf", "iamc")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``run`` subcommand."""
    p = subparsers.add_parser(
        "run", parents=[common],
        help="run scenarios and write results, figures, turning points and targets",
        description="Run scenarios (keys of the bundled scenarios or YAML paths) and write results, a "
        "turning-point comparison, target evaluations, assumptions and figures to --out. Formats: csv "
        "(one table per scenario), xlsx (one workbook), netcdf (CF-style, units and names on every "
        "variable), iamc (IAMC template, as pyam reads it). Everything is written to a temporary folder "
        "beside --out and moved into place only when the whole run succeeded.",
    )
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario key or YAML file")
    p.add_argument("--out", type=Path, default=Path("results"), help="output folder (default ./results)")
    p.add_argument("--format", dest="formats", type=csv_choices(FORMATS), default=("csv",),
                   help="result formats, comma-separated: csv,xlsx,netcdf,iamc (default csv)")
    p.add_argument("--figures", type=csv_choices(("png", "svg"), allow_none=True), default=("png",),
                   help="figure formats: png,svg or none (default png)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of labels and reasons")
    p.add_argument("--region", default=None,
                   help="IAMC region name (default: the scenario's calibration region, else 'Territory')")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Validate all scenarios, run them, write tables and figures; print a summary."""
    from analysis.export import write_results
    from analysis.scenario_runs import analyse_scenarios, resolve_scenarios

    scenarios = resolve_scenarios(args.scenarios)  # every file validated before anything runs
    runs = {}
    with ctx.progress(len(scenarios), "scenarios", unit="scenario") as bar:
        for key, sc in scenarios.items():
            runs.update(analyse_scenarios({key: sc}, lang=args.lang))
            bar.update(1)
    with StagedOutputs() as stage:
        tmp = stage.folder(args.out)
        written = write_results(runs, tmp, args.formats, lang=args.lang, region=args.region)
        if args.figures:
            written += _write_figures(runs, tmp / "figures", args.figures, args.lang)
        written = [stage.final_path(p) for p in written]
    ctx.summary.update(command="run", out=str(args.out), files=paths_text(written), scenarios={})
    ctx.echo(f"{len(runs)} scenario(s) run; {len(written)} file(s) written to {args.out}")
    for key, r in runs.items():
        tp3, neu = r.turning_points["tp3"], r.turning_points["neutrality"]
        peak, neutral = _point_text(tp3), _point_text(neu)
        ctx.echo(f"  {key}: emission peak {peak}, carbon neutrality {neutral}")
        ctx.summary["scenarios"][key] = {
            "emission_peak": {"year": tp3.year if tp3.reached else None, "status": tp3.status},
            "neutrality": {"year": neu.year if neu.reached else None, "status": neu.status},
        }
    return 0


def _write_figures(runs, out_dir: Path, formats: Sequence[str], lang: str) -> list[Path]:
    """Four figures per scenario plus the comparison; one warning if no CJK font."""
    from analysis import plots

    written: list[Path] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", plots.CJKFontWarning)
        for key, r in runs.items():
            figs = plots.standard_figures(r.results, r.turning_points, lang=lang, title=r.scenario.label(lang))
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
        log.warning("warning: no CJK font installed, figures use English labels (install Debian package %s)",
                    plots.CJK_FONT_PACKAGES[0])
    return written



def _point_text(point) -> str:
    """A turning point for the summary line: the point's year text with what a boundary
    or an unreached point means."""
    text = point.year_text()
    if text.startswith("≤"):
        return f"<= {text[1:]} (at or before the projection start)"
    if text.startswith(">"):
        return f"> {text[1:]} (not reached)"
    return text or point.status.replace("_", " ")
