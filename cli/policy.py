"""``tcsd policy attribute|discover|seek``: policy analysis (政策分析).

::

    tcsd policy attribute --policy analysis/policy/data/example_policy.yaml --out out/attr
    tcsd policy discover --target "neutrality<=2060" --lever "non fossil mandate for new supply=0:0.8" --out out/disc
    tcsd policy seek --lever "non fossil mandate for new supply" --target "neutrality<=2060" --out out/seek

Each writes CSV tables and PNG figures into ``--out`` (staged: all or nothing) and
prints a short summary.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any, Sequence

from cli.core import CliError, Context, paths_text
from cli.options import batch_bytes, check_budget, integer, number
from cli.staging import StagedOutputs

#: Outputs per run of a discovery or seek (metrics' series), for the memory estimate.
_POLICY_OUTPUTS = 16


def _kv(items: Sequence[str], flag: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.rpartition("=")
        if not sep or not name.strip():
            raise CliError(f"{flag} expects NAME=VALUE, got {item!r}")
        try:
            v = float(value)
        except ValueError:
            raise CliError(f"{flag} {name.strip()!r}: {value!r} is not a number") from None
        if not math.isfinite(v):
            raise CliError(f"{flag} {name.strip()!r}: {value!r} is not a finite number")
        out[name.strip()] = v
    return out


def _ranges(items: Sequence[str], flag: str) -> dict[str, tuple[float, float] | None]:
    """``NAME`` (full range) or ``NAME=LO:HI``."""
    out: dict[str, tuple[float, float] | None] = {}
    for item in items or []:
        name, sep, rng = item.rpartition("=")
        if not sep:
            out[item.strip()] = None
            continue
        lo, colon, hi = rng.partition(":")
        try:
            a, b = float(lo), float(hi)
        except ValueError:
            raise CliError(f"{flag} expects NAME or NAME=LO:HI, got {item!r}") from None
        if not colon or not (math.isfinite(a) and math.isfinite(b) and a < b):
            raise CliError(f"{flag} expects NAME or NAME=LO:HI with finite LO < HI, got {item!r}")
        out[name.strip()] = (a, b)
    return out


def _scenario(path: str | None, sets: Sequence[str], flag: str) -> Any:
    from analysis.policy.levers import load_scenario

    base = dict(load_scenario(path)) if path else {}
    base.update(_kv(sets, flag))
    return base


def _write(df, out: Path, name: str, index: bool = True) -> Path:
    path = out / name
    df.to_csv(path, index=index, encoding="utf-8")
    return path


def attribute(args: argparse.Namespace, ctx: Context) -> int:
    """Shapley wedges of a policy against its base: CSV tables and figures."""
    from analysis.policy.attribution import SERIES_OUTPUTS, attribute as run_attribution
    from analysis.policy.plots import plot_turning_point_shifts, plot_wedges, save_figure

    if not args.span[0] < args.span[1]:
        raise CliError(f"--span {args.span[0]:g} {args.span[1]:g}: FROM must be before TO")
    policy = _scenario(args.policy, args.set, "--set")
    base = _scenario(args.base, args.base_set, "--base-set")
    res = run_attribution(policy, base or None, groups=args.groups, span=(args.span[0], args.span[1]),
                          engine=args.engine)
    with StagedOutputs() as stage:
        out = stage.folder(args.out)
        files = [_write(res.summary(args.lang), out, "attribution_summary.csv")]
        for o in SERIES_OUTPUTS:
            w = res.wedges[o].copy()
            w.insert(0, "base", res.levels[o]["base"])
            w.insert(1, "policy", res.levels[o]["policy"])
            w.insert(2, "total_change", res.total_change(o))
            files.append(_write(w, out, f"wedges_{o.replace(' ', '_')}.csv"))
        files.append(_write(res.cumulative, out, "cumulative_contributions.csv"))
        files.append(_write(res.turning_points, out, "turning_point_contributions.csv"))
        files.append(_write(res.turning_point_info, out, "turning_point_info.csv"))
        files.append(save_figure(plot_wedges(res, lang=args.lang), out / "wedges.png"))
        files.append(save_figure(plot_wedges(res, outputs=("net emissions",), lang=args.lang, relative=True),
                                 out / "wedges_net_change.png"))
        files.append(save_figure(plot_turning_point_shifts(res, lang=args.lang), out / "turning_point_shifts.png"))
        files = [stage.final_path(f) for f in files]
    ctx.echo(f"{res.n_runs} runs ({res.engine}); players: {', '.join(res.players) or 'none'}")
    ctx.echo(res.summary(args.lang).round(3).to_string())
    residual = max(res.additivity_residuals().values(), default=0.0)
    ctx.echo(f"max additivity residual: {residual:.2e}")
    ctx.echo("wrote:\n  " + "\n  ".join(map(str, files)))
    ctx.summary.update(command="policy attribute", runs=res.n_runs, players=list(res.players),
                       additivity_residual=residual, files=paths_text(files))
    return 0


def discover(args: argparse.Namespace, ctx: Context) -> int:
    """LHS + PRIM + feature scores; optional out-of-sample check of the box."""
    import pandas as pd

    from analysis.policy.discovery import check_box, discover as run_discovery
    from analysis.policy.levers import DATA_DIR
    from analysis.policy.plots import plot_feature_scores, plot_prim_box, plot_prim_trajectory, save_figure

    runs = args.n + (sum(args.check) if args.check else 0)
    check_budget(f"--n {args.n}" + (f" --check {args.check[0]} {args.check[1]}" if args.check else ""),
                 runs=runs, memory_bytes=batch_bytes(max(args.n, *(args.check or [0])), _POLICY_OUTPUTS),
                 force=ctx.force)
    targets: Any = list(args.target or [])
    if args.targets:
        from analysis.policy.metrics import load_targets

        targets = load_targets(args.targets) + list(targets)
    if not targets:
        targets = str(DATA_DIR / "discovery_targets.yaml")
    levers = _ranges(args.lever, "--lever") or None
    unc = _ranges(args.uncertain, "--uncertain") or None
    scen = _scenario(args.scenario, args.set, "--set")
    try:
        res = run_discovery(targets, levers=levers, uncertainties=unc, scenario=scen or None, n=args.n,
                            seed=args.seed, min_density=args.min_density, box_index=args.box_index,
                            engine=args.engine)
    except ValueError as err:
        if type(err) is not ValueError:
            raise
        raise CliError(str(err)) from None
    if args.check and res.prim is None:
        raise CliError(f"--check: there is no PRIM box to check ({res.message})")
    chk = check_box(res, n_inside=args.check[0], n_full=args.check[1], engine=args.engine) if args.check else None
    shares = res.met.mean().rename("share_met").to_frame()
    with StagedOutputs() as stage:
        out = stage.folder(args.out)
        files = [_write(res.runs_table(), out, "runs.csv", index=False), _write(shares, out, "target_shares.csv"),
                 _write(res.scores, out, "feature_scores.csv"),
                 _write(res.compatibility(), out, "target_compatibility.csv")]
        if res.prim is not None:
            files.append(_write(res.prim.trajectory, out, "prim_trajectory.csv"))
            files.append(_write(res.box_table(args.lang), out, "prim_box.csv"))
        if chk is not None:
            cdf = pd.DataFrame([chk.__dict__ | {"density_z": chk.density_z, "coverage_z": chk.coverage_z}])
            files.append(_write(cdf, out, "box_check.csv", index=False))
        files.append(save_figure(plot_prim_trajectory(res, args.lang), out / "prim_trajectory.png"))
        files.append(save_figure(plot_prim_box(res, args.lang), out / "prim_box.png"))
        files.append(save_figure(plot_feature_scores(res, args.lang), out / "feature_scores.png"))
        files = [stage.final_path(f) for f in files]
    ctx.echo(f"{len(res.samples)} runs ({res.engine}); share meeting each target:")
    ctx.echo(shares.round(3).to_string())
    ctx.summary.update(command="policy discover", runs=len(res.samples), shares=shares["share_met"].to_dict())
    if res.prim is not None:
        pr = res.prim
        ctx.echo(f"PRIM box {pr.chosen}: coverage {pr.coverage:.3f}, density {pr.density:.3f}, mass {pr.mass:.3f}")
        bt = res.box_table(args.lang)
        ctx.echo(bt[bt["restricted"]][["name", "unit", "lower", "upper"]].to_string())
        ctx.summary["box"] = {"index": pr.chosen, "coverage": pr.coverage, "density": pr.density, "mass": pr.mass}
        if chk is not None:
            ctx.echo(f"fresh runs: density {chk.density_fresh:.3f} (z {chk.density_z:.2f}), "
                     f"coverage {chk.coverage_fresh:.3f} (z {chk.coverage_z:.2f})")
            ctx.summary["check"] = {"density_fresh": chk.density_fresh, "coverage_fresh": chk.coverage_fresh}
    else:
        ctx.echo(res.message)
        ctx.echo("share of runs meeting both targets (row, column):")
        ctx.echo(res.compatibility().round(3).to_string())
        ctx.summary["message"] = res.message
    ctx.echo("wrote:\n  " + "\n  ".join(map(str, files)))
    ctx.summary["files"] = paths_text(files)
    return 0


def seek(args: argparse.Namespace, ctx: Context) -> int:
    """Smallest change of one lever that meets a target."""
    from analysis.policy.plots import plot_seek, save_figure
    from analysis.policy.seek import seek as run_seek

    check_budget(f"--n-grid {args.n_grid}", runs=args.n_grid,
                 memory_bytes=batch_bytes(args.n_grid, _POLICY_OUTPUTS), force=ctx.force)
    if args.range is not None and not args.range[0] < args.range[1]:
        raise CliError(f"--range {args.range[0]:g} {args.range[1]:g}: LO must be below HI")
    scen = _scenario(args.scenario, args.set, "--set")
    lo, hi = args.range if args.range else (None, None)
    res = run_seek(args.lever, args.target, scenario=scen or None, lower=lo, upper=hi, n_grid=args.n_grid,
                   xtol=args.xtol, direction=args.direction, engine=args.engine)
    with StagedOutputs() as stage:
        out = stage.folder(args.out)
        files = [_write(res.to_frame(), out, "seek_result.csv", index=False),
                 _write(res.grid, out, "seek_grid.csv", index=False),
                 save_figure(plot_seek(res, args.lang), out / "seek.png")]
        files = [stage.final_path(f) for f in files]
    ctx.echo(res.message(args.lang))
    ctx.echo(f"{res.n_runs} runs ({res.engine}), method {res.method}")
    ctx.echo("wrote:\n  " + "\n  ".join(map(str, files)))
    ctx.summary.update(command="policy seek", reachable=res.reachable, value=res.value, change=res.change,
                       runs=res.n_runs, files=paths_text(files))
    return 0


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``policy`` with its ``attribute``, ``discover`` and ``seek`` subcommands."""
    from analysis.policy.discovery import MIN_RUNS
    from analysis.policy.levers import EXAMPLE_POLICY_PATH

    pol = subparsers.add_parser("policy", parents=[common], help="wedges, scenario discovery, target seeking",
                                description=__doc__.splitlines()[0])
    sub = pol.add_subparsers(dest="policy_command", metavar="SUBCOMMAND", required=True, parser_class=type(pol))

    def outputs(p: argparse.ArgumentParser) -> None:
        p.add_argument("--out", type=Path, required=True, help="output folder for CSV tables and figures")
        p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of names and figures")
        p.add_argument("--engine", choices=("auto", "batch", "pysd"), default=None,
                       help="model runner (default: $POLICY_ENGINE or auto = batch if available)")

    a = sub.add_parser("attribute", parents=[common], help="Shapley wedges: which levers move emissions and "
                       "turning points", description=attribute.__doc__)
    a.add_argument("--policy", default=str(EXAMPLE_POLICY_PATH),
                   help="policy scenario YAML (overrides applied on top of the base; default: example package)")
    a.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="extra policy override")
    a.add_argument("--base", default="baseline",
                   help="base scenario: a key of scenarios/ or a YAML file (default: the calibrated baseline)")
    a.add_argument("--base-set", action="append", default=[], metavar="NAME=VALUE", help="extra base override")
    a.add_argument("--groups", default=None, help="lever groups YAML (default: analysis/policy/data/lever_groups.yaml)")
    a.add_argument("--span", nargs=2, type=number(1900, 2200), default=(2020.0, 2060.0), metavar=("FROM", "TO"),
                   help="years of the cumulative totals")
    outputs(a)
    a.set_defaults(handler=attribute)

    d = sub.add_parser("discover", parents=[common], help="scenario discovery (LHS + PRIM + feature scores)",
                       description=discover.__doc__)
    d.add_argument("--targets", default=None,
                   help="targets YAML (default: analysis/policy/data/discovery_targets.yaml)")
    d.add_argument("--target", action="append", default=[], metavar="METRIC<=VALUE",
                   help='extra target, e.g. "tp3<=2030", "official forest coverage@2035>=26"')
    d.add_argument("--lever", action="append", default=[], metavar="NAME[=LO:HI]",
                   help="lever to sample (default: all policy levers over their declared ranges)")
    d.add_argument("--uncertain", action="append", default=[], metavar="NAME[=LO:HI]",
                   help="uncertain parameter to sample as well")
    d.add_argument("--scenario", default="baseline",
                   help="scenario (key or YAML file) fixing the other constants; default: the calibrated baseline")
    d.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="extra fixed override")
    d.add_argument("--n", type=integer(MIN_RUNS, None), default=2000,
                   help=f"Latin-hypercube runs (>= {MIN_RUNS})")
    d.add_argument("--seed", type=integer(0, 2**32 - 1), default=20240601)
    d.add_argument("--min-density", type=number(0, 1, lo_open=True), default=0.9,
                   help="density required of the reported box, in (0, 1]")
    d.add_argument("--box-index", type=integer(0, None), default=None,
                   help="report this box of the PRIM trajectory instead (0 = the whole space)")
    d.add_argument("--check", nargs=2, type=integer(1, None), default=None, metavar=("N_INSIDE", "N_FULL"),
                   help="re-estimate density and coverage on fresh runs (each >= 1)")
    outputs(d)
    d.set_defaults(handler=discover)

    s = sub.add_parser("seek", parents=[common], help="smallest change of one lever that meets a target",
                       description=seek.__doc__)
    s.add_argument("--lever", required=True, help="constant to change, e.g. 'non fossil mandate for new supply'")
    s.add_argument("--target", required=True, metavar="METRIC<=VALUE", help='e.g. "neutrality<=2060"')
    s.add_argument("--scenario", default="baseline",
                   help="scenario (key or YAML file) fixing the other constants; default: the calibrated baseline")
    s.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="extra fixed override")
    s.add_argument("--range", nargs=2, type=number(), default=None, metavar=("LO", "HI"), help="search range")
    s.add_argument("--n-grid", type=integer(3, None), default=33, help="grid size of the bracketing run (>= 3)")
    s.add_argument("--xtol", type=number(0, None, lo_open=True), default=None,
                   help="lever tolerance (> 0; default: step/10); values below the floating-point resolution "
                   "of the range are raised to it")
    s.add_argument("--direction", choices=("both", "increase", "decrease"), default="both")
    outputs(s)
    s.set_defaults(handler=seek)
