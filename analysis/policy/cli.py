"""Command line of the policy analysis: ``attribute``, ``discover``, ``seek`` (政策分析命令行).

Standalone::

    python -m analysis.policy attribute --policy analysis/policy/data/example_policy.yaml --out out/attr
    python -m analysis.policy discover --target "neutrality<=2060" --target "cropland minus red line@2035>=0" \\
        --lever "additional non fossil share=-0.1:0.5" --lever "returning cropland to forest rate=0:150" --out out/disc
    python -m analysis.policy seek --lever "additional non fossil share" --target "neutrality<=2060" --out out/seek

In the product CLI, :func:`register` adds the three subcommands to its subparsers.
Each writes CSV tables and PNG figures into ``--out`` and prints a short summary;
invalid input exits with status 2 and a message naming the key.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from models.model import ModelInputError

from analysis.metrics import MetricError

from .levers import EXAMPLE_POLICY_PATH, PolicyConfigError

__all__ = ["register", "build_parser", "main"]

_ERRORS = (PolicyConfigError, MetricError, ModelInputError)


def _kv(items: Sequence[str], flag: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.rpartition("=")
        if not sep or not name.strip():
            raise PolicyConfigError(f"{flag} expects NAME=VALUE, got {item!r}")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise PolicyConfigError(f"{flag} {name.strip()!r}: {value!r} is not a number") from None
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
            out[name.strip()] = (float(lo), float(hi))
        except ValueError:
            raise PolicyConfigError(f"{flag} expects NAME or NAME=LO:HI, got {item!r}") from None
        if not colon:
            raise PolicyConfigError(f"{flag} expects NAME or NAME=LO:HI, got {item!r}")
    return out


def _scenario(path: str | None, sets: Sequence[str], flag: str) -> Any:
    from .levers import load_scenario

    base = dict(load_scenario(path)) if path else {}
    base.update(_kv(sets, flag))
    return base


def _write(df: pd.DataFrame, out: Path, name: str, index: bool = True) -> Path:
    path = out / name
    df.to_csv(path, index=index, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- attribute
def run_attribute(args: argparse.Namespace) -> int:
    """Shapley wedges of a policy against its base: CSV tables and figures."""
    from .attribution import SERIES_OUTPUTS, attribute
    from .plots import plot_turning_point_shifts, plot_wedges, save_figure

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    policy = _scenario(args.policy, args.set, "--set")
    base = _scenario(args.base, args.base_set, "--base-set")
    res = attribute(policy, base or None, groups=args.groups, span=(args.span[0], args.span[1]),
                    engine=args.engine)
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
    print(f"{res.n_runs} runs ({res.engine}); players: {', '.join(res.players) or 'none'}")
    print(res.summary(args.lang).round(3).to_string())
    print("max additivity residual:", f"{max(res.additivity_residuals().values(), default=0.0):.2e}")
    print("wrote:", *map(str, files), sep="\n  ")
    return 0


# ------------------------------------------------------------------------------ discover
def run_discover(args: argparse.Namespace) -> int:
    """LHS + PRIM + feature scores; optional out-of-sample check of the box."""
    from .discovery import check_box, discover
    from .levers import DATA_DIR
    from .plots import plot_feature_scores, plot_prim_box, plot_prim_trajectory, save_figure

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    targets: list[Any] = list(args.target or [])
    if args.targets:
        from .metrics import load_targets

        targets = load_targets(args.targets) + [t for t in targets]
    if not targets:
        targets = str(DATA_DIR / "discovery_targets.yaml")
    levers = _ranges(args.lever, "--lever") or None
    unc = _ranges(args.uncertain, "--uncertain") or None
    scen = _scenario(args.scenario, args.set, "--set")
    res = discover(targets, levers=levers, uncertainties=unc, scenario=scen or None, n=args.n, seed=args.seed,
                   min_density=args.min_density, box_index=args.box_index, engine=args.engine)
    files = [_write(res.runs_table(), out, "runs.csv", index=False)]
    shares = res.met.mean().rename("share_met").to_frame()
    files.append(_write(shares, out, "target_shares.csv"))
    files.append(_write(res.scores, out, "feature_scores.csv"))
    files.append(_write(res.compatibility(), out, "target_compatibility.csv"))
    print(f"{len(res.samples)} runs ({res.engine}); share meeting each target:")
    print(shares.round(3).to_string())
    if res.prim is not None:
        files.append(_write(res.prim.trajectory, out, "prim_trajectory.csv"))
        files.append(_write(res.box_table(args.lang), out, "prim_box.csv"))
        pr = res.prim
        print(f"PRIM box {pr.chosen}: coverage {pr.coverage:.3f}, density {pr.density:.3f}, mass {pr.mass:.3f}")
        bt = res.box_table(args.lang)
        print(bt[bt["restricted"]][["name", "unit", "lower", "upper"]].to_string())
        if args.check:
            chk = check_box(res, n_inside=args.check[0], n_full=args.check[1], engine=args.engine)
            cdf = pd.DataFrame([chk.__dict__ | {"density_z": chk.density_z, "coverage_z": chk.coverage_z}])
            files.append(_write(cdf, out, "box_check.csv", index=False))
            print(f"fresh runs: density {chk.density_fresh:.3f} (z {chk.density_z:.2f}), "
                  f"coverage {chk.coverage_fresh:.3f} (z {chk.coverage_z:.2f})")
    else:
        print(res.message)
        print("share of runs meeting both targets (row, column):")
        print(res.compatibility().round(3).to_string())
    files.append(save_figure(plot_prim_trajectory(res, args.lang), out / "prim_trajectory.png"))
    files.append(save_figure(plot_prim_box(res, args.lang), out / "prim_box.png"))
    files.append(save_figure(plot_feature_scores(res, args.lang), out / "feature_scores.png"))
    print("wrote:", *map(str, files), sep="\n  ")
    return 0


# ---------------------------------------------------------------------------------- seek
def run_seek(args: argparse.Namespace) -> int:
    """Smallest change of one lever that meets a target."""
    from .plots import plot_seek, save_figure
    from .seek import seek

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scen = _scenario(args.scenario, args.set, "--set")
    lo, hi = (args.range if args.range else (None, None))
    res = seek(args.lever, args.target, scenario=scen or None, lower=lo, upper=hi, n_grid=args.n_grid,
               xtol=args.xtol, direction=args.direction, engine=args.engine)
    files = [_write(res.to_frame(), out, "seek_result.csv", index=False),
             _write(res.grid, out, "seek_grid.csv", index=False),
             save_figure(plot_seek(res, args.lang), out / "seek.png")]
    print(res.message(args.lang))
    print(f"{res.n_runs} runs ({res.engine}), method {res.method}")
    print("wrote:", *map(str, files), sep="\n  ")
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="output directory for CSV tables and figures")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of names and figures")
    p.add_argument("--engine", choices=("auto", "batch", "pysd"), default=None,
                   help="model runner (default: $POLICY_ENGINE or auto = batch if available)")


def _guard(func):
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except _ERRORS as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    run.__doc__ = func.__doc__
    return run


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``attribute``, ``discover`` and ``seek`` subcommands (each sets ``func``)."""
    a = subparsers.add_parser("attribute", help="Shapley wedges: which levers move emissions and turning points",
                              description=run_attribute.__doc__)
    a.add_argument("--policy", default=str(EXAMPLE_POLICY_PATH),
                   help="policy scenario YAML (overrides applied on top of the base; default: example package)")
    a.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="extra policy override")
    a.add_argument("--base", default="baseline", help="base scenario: a key of scenarios/ or a YAML file (default: the calibrated baseline)")
    a.add_argument("--base-set", action="append", default=[], metavar="NAME=VALUE", help="extra base override")
    a.add_argument("--groups", default=None, help="lever groups YAML (default: analysis/policy/data/lever_groups.yaml)")
    a.add_argument("--span", nargs=2, type=float, default=(2020.0, 2060.0), metavar=("FROM", "TO"),
                   help="years of the cumulative totals")
    _common(a)
    a.set_defaults(func=_guard(run_attribute))

    d = subparsers.add_parser("discover", help="scenario discovery (LHS + PRIM + feature scores)",
                              description=run_discover.__doc__)
    d.add_argument("--targets", default=None, help="targets YAML (default: analysis/policy/data/discovery_targets.yaml)")
    d.add_argument("--target", action="append", default=[], metavar="METRIC<=VALUE",
                   help='extra target, e.g. "tp3<=2030", "forest coverage@2035>=26"')
    d.add_argument("--lever", action="append", default=[], metavar="NAME[=LO:HI]",
                   help="lever to sample (default: all policy levers over their declared ranges)")
    d.add_argument("--uncertain", action="append", default=[], metavar="NAME[=LO:HI]",
                   help="uncertain parameter to sample as well")
    d.add_argument("--scenario", default="baseline", help="scenario (key of scenarios/ or YAML file) fixing the other constants; default: the calibrated baseline")
    d.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="extra fixed override")
    d.add_argument("--n", type=int, default=2000, help="Latin-hypercube runs")
    d.add_argument("--seed", type=int, default=20240601)
    d.add_argument("--min-density", type=float, default=0.9, help="density required of the reported box")
    d.add_argument("--box-index", type=int, default=None, help="report this trajectory box instead")
    d.add_argument("--check", nargs=2, type=int, default=None, metavar=("N_INSIDE", "N_FULL"),
                   help="re-estimate density and coverage on fresh runs")
    _common(d)
    d.set_defaults(func=_guard(run_discover))

    s = subparsers.add_parser("seek", help="smallest change of one lever that meets a target",
                              description=run_seek.__doc__)
    s.add_argument("--lever", required=True, help="constant to change, e.g. 'additional non fossil share'")
    s.add_argument("--target", required=True, metavar="METRIC<=VALUE", help='e.g. "neutrality<=2060"')
    s.add_argument("--scenario", default="baseline", help="scenario (key of scenarios/ or YAML file) fixing the other constants; default: the calibrated baseline")
    s.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="extra fixed override")
    s.add_argument("--range", nargs=2, type=float, default=None, metavar=("LO", "HI"), help="search range")
    s.add_argument("--n-grid", type=int, default=33)
    s.add_argument("--xtol", type=float, default=None, help="lever tolerance (default: step/10)")
    s.add_argument("--direction", choices=("both", "increase", "decrease"), default="both")
    _common(s)
    s.set_defaults(func=_guard(run_seek))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis.policy", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m analysis.policy``."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))
