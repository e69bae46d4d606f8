"""``tcsd validate FILE ...``: check input files against their format and the model.

Each file is read by the project's one reader of its format, so the check is exactly
the one a run would make:

* ``scenario``    scenario YAML (:func:`scenarios.load_scenario`: keys, ranges, base chain);
* ``history``     history CSV in the user data format (:func:`calibration.history.load_history`);
* ``targets``     targets YAML (:func:`analysis.targets.load_targets`);
* ``problem``     sensitivity problem YAML (:meth:`analysis.sensitivity.problem.SensitivityProblem.from_yaml`);
* ``calibration`` calibration configuration (:func:`calibration.config.load_config`).

The kind is recognised from the file (``.csv`` = history; YAML by its top-level keys)
unless ``--kind`` names it. Nothing is written. Exit code 0 when every file is valid,
2 when any is not (every problem is listed, one line each).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from cli.core import EXIT_USAGE, CliError, Context, one_line

KINDS: tuple[str, ...] = ("scenario", "history", "targets", "problem", "calibration")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``validate`` subcommand."""
    p = subparsers.add_parser("validate", parents=[common], help="check scenario, history, targets, problem and "
                              "calibration files (nothing is run or written)",
                              description=__doc__.split("\n\n")[1])
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--kind", choices=("auto", *KINDS), default="auto", help="file kind (default: recognised)")
    p.set_defaults(handler=validate)


def detect_kind(path: Path) -> str:
    """The kind of an input file: ``.csv`` is history, YAML files by their top-level keys."""
    if path.suffix.lower() == ".csv":
        return "history"
    from calibration.config import read_yaml

    data = read_yaml(path)
    keys = set(data) if isinstance(data, dict) else set()
    if {"names", "bounds"} <= keys:
        return "problem"
    if "series" in keys or "parameters" in keys or "regions" in keys:
        return "calibration"
    if "version" in keys or "default" in keys:
        return "targets"
    if keys & {"overrides", "base", "rationale"} or {"name", "description"} <= keys:
        return "scenario"
    raise CliError(f"{path}: cannot tell the kind of file from its keys ({', '.join(sorted(keys)) or 'none'}); "
                   f"give --kind ({', '.join(KINDS)})")


def _check_scenario(path: Path) -> str:
    from scenarios import load_scenario

    sc = load_scenario(path)
    data = f", {len(sc.data)} data input(s)" if sc.data else ""
    return f"scenario '{sc.key}': {len(sc.overrides)} override(s){data}" + (f", base {sc.base}" if sc.base else "")


def _check_history(path: Path) -> str:
    from calibration.history import load_history

    df = load_history(path, min_points=1)
    return f"history: {len(df)} row(s), region(s) {', '.join(sorted(df['region'].unique()))}"


def _check_targets(path: Path) -> str:
    from analysis.targets import load_targets

    return f"targets: {len(list(load_targets(path)))} target(s)"


def _check_problem(path: Path) -> str:
    from analysis.sensitivity.problem import SensitivityProblem

    return f"problem: {SensitivityProblem.from_yaml(path).num_vars} parameter(s)"


def _check_calibration(path: Path) -> str:
    from calibration.config import load_config

    cfg = load_config(path)
    return f"calibration: region {cfg.region}"


CHECKS: dict[str, Callable[[Path], str]] = {
    "scenario": _check_scenario,
    "history": _check_history,
    "targets": _check_targets,
    "problem": _check_problem,
    "calibration": _check_calibration,
}


def validate(args: argparse.Namespace, ctx: Context) -> int:
    """Check each file; list every problem; exit 2 if any file is invalid."""
    from cli import user_errors

    results = []
    for path in args.files:
        try:
            if not path.is_file():
                raise CliError(f"{path}: file not found")
            kind = detect_kind(path) if args.kind == "auto" else args.kind
            text = CHECKS[kind](path)
            results.append({"file": str(path), "kind": kind, "valid": True, "message": text})
            ctx.echo(f"ok    {path}: {text}")
        except user_errors() as err:
            msg = one_line(err)
            results.append({"file": str(path), "valid": False, "message": msg})
            for line in str(err).splitlines() or [msg]:
                print(f"error: {line.strip()}", file=sys.stderr)
    ctx.summary.update(command="validate", files=results)
    return 0 if all(r["valid"] for r in results) else EXIT_USAGE
