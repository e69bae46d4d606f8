"""``tcsd list-scenarios``: the bundled scenario files with their names."""

from __future__ import annotations

import argparse
import sys

from cli.core import EXIT_USAGE, Context, one_line


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add the ``list-scenarios`` subcommand."""
    p = subparsers.add_parser("list-scenarios", parents=[common], help="list the bundled scenario files")
    p.add_argument("--lang", choices=("en", "zh"), default=None, help="one language only (default both)")
    p.set_defaults(handler=list_scenarios)


def list_scenarios(args: argparse.Namespace, ctx: Context) -> int:
    """Print key and names of each scenario file; broken files are reported (exit 2)."""
    from scenarios import ScenarioError, list_scenarios as keys, load_scenario

    broken = []
    ctx.summary["scenarios"] = []
    for key in keys():
        try:
            sc = load_scenario(key)
        except ScenarioError as err:
            broken.append(one_line(err))
            continue
        name = sc.label(args.lang) if args.lang else f"{sc.name['en']} / {sc.name['zh']}"
        base = f" (base: {sc.base})" if sc.base else ""
        ctx.echo(f"{key}\t{name}{base}")
        ctx.summary["scenarios"].append({"key": key, "name_en": sc.name["en"], "name_zh": sc.name["zh"],
                                         "base": sc.base, "path": str(sc.path)})
    for msg in broken:
        print(f"error: {msg}", file=sys.stderr)
    ctx.summary["errors"] = broken
    return EXIT_USAGE if broken else 0
