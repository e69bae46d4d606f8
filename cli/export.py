"""``tcsd export-spatial`` (alias ``export``): land-use demand and InVEST carbon table."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from cli.core import CliError, Context, paths_text
from cli.options import number
from cli.staging import StagedOutputs

#: Largest cell count a demand table may hold: counts are exact integers in float64.
MAX_CELLS: float = 2.0**53


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``export-spatial`` subcommand (alias ``export``)."""
    p = subparsers.add_parser(
        "export-spatial", aliases=["export"], parents=[common],
        help="land-use demand (PLUS/FLUS/CLUE-S) and InVEST carbon table of a scenario",
        description="Write land_use_demand.csv, land_classes.csv and invest_carbon_biophysical.csv for a "
        "scenario (see docs/spatial_handoff.md); nothing is written unless all three succeed.",
    )
    p.add_argument("scenario", metavar="SCENARIO", help="scenario key or YAML file")
    p.add_argument("--out", type=Path, default=Path("spatial"), help="output folder (default ./spatial)")
    p.add_argument("--cell-size", type=number(0, None, lo_open=True), default=None, metavar="M",
                   help="raster cell size in metres (> 0): adds cell counts to the demand table; the region "
                   "must hold between 1 and 2^53 cells")
    p.add_argument("--carbon-year", type=number(), default=None, metavar="YEAR",
                   help="use the simulated forest densities and age structure of this year (a saved year "
                   "of the run)")
    p.set_defaults(handler=export_spatial)


def export_spatial(args: argparse.Namespace, ctx: Context) -> int:
    """Run one scenario and write the demand, class and InVEST tables."""
    from analysis.export import write_spatial_handoff
    from analysis.labels import LAND_STOCKS
    from analysis.scenario_runs import resolve_scenarios, run_scenarios

    scenario = next(iter(resolve_scenarios([args.scenario]).values()))
    results = run_scenarios([scenario])[scenario.key]
    years = np.asarray(results.index, dtype=float)
    if args.carbon_year is not None and not np.isclose(years, args.carbon_year, atol=1e-9).any():
        raise CliError(f"--carbon-year {args.carbon_year:g}: not a saved year of the run "
                       f"({years[0]:g}-{years[-1]:g}, every {years[1] - years[0]:g} year)")
    if args.cell_size is not None:
        area_m2 = float(results[list(LAND_STOCKS)].iloc[0].sum()) * 1e8  # 10^4 ha -> m2
        cells = area_m2 / args.cell_size / args.cell_size  # inf or 0 instead of an overflow error
        if not (math.isfinite(cells) and 1 <= cells <= MAX_CELLS):
            raise CliError(f"--cell-size {args.cell_size:g}: the region ({area_m2 / 1e6:,.0f} km2) would hold "
                           f"{cells:.3g} cells; choose a cell size between {math.sqrt(area_m2 / MAX_CELLS):.3g} "
                           f"and {math.sqrt(area_m2):.3g} m")
    with StagedOutputs() as stage:
        tmp = stage.folder(args.out)
        paths = write_spatial_handoff(scenario, results, tmp, cell_size_m=args.cell_size,
                                      carbon_year=args.carbon_year)
        paths = [stage.final_path(p) for p in paths]
    for p in paths:
        ctx.echo(f"written: {p}")
    ctx.summary.update(command="export-spatial", scenario=scenario.key, files=paths_text(paths))
    return 0
