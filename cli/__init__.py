"""The command line of the territorial carbon simulator (命令行): one tree, ``tcsd``.

::

    tcsd run SCENARIO ... --out DIR [--format csv,xlsx,netcdf,iamc] [--figures png,svg|none]
    tcsd turning-points SCENARIO | --compare-history | --history CSV --region ISO3
    tcsd calibrate fit|report|validate --config calibration/national.yaml ...
    tcsd validate FILE ...              check scenario, history, targets, problem files
    tcsd sensitivity --model ... --out DIR
    tcsd policy attribute|discover|seek ... --out DIR
    tcsd export-spatial SCENARIO --out DIR   (alias: export)
    tcsd list-scenarios

Installed as the console script ``tcsd``; from a source checkout also ``python -m cli``.
Exit codes, common options (-v/-q/--json/--force) and output staging: see
:mod:`cli.core`, :mod:`cli.options` and :mod:`cli.staging`.

Adding a subcommand: a module of this package with ``register(subparsers, common)``
that adds its parser (``parents=[common]``) and sets ``handler=`` (a function
``(Namespace, Context) -> int``); list the module in :data:`COMMAND_MODULES`.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Sequence

from cli.core import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    CliError,
    Context,
    Parser,
    UsageError,
    add_common_options,
    configure_logging,
    one_line,
)

__all__ = ["COMMAND_MODULES", "CliError", "build_parser", "main", "user_errors",
           "EXIT_OK", "EXIT_FAILURE", "EXIT_USAGE", "EXIT_INTERRUPTED"]

#: Modules of this package that register subcommands, in the order of ``--help``.
COMMAND_MODULES: tuple[str, ...] = (
    "cli.run",
    "cli.turning_points",
    "cli.calibrate",
    "cli.validate",
    "cli.sensitivity",
    "cli.policy",
    "cli.export",
    "cli.scenarios",
)

#: Library exception types that are user errors (bad input: exit code 2), by module.
_USER_ERRORS: tuple[tuple[str, str], ...] = (
    ("scenarios", "ScenarioError"),
    ("models.model", "ModelInputError"),
    ("models.batch.errors", "ParameterError"),
    ("models.batch.errors", "UnknownVariableError"),
    ("analysis.metrics", "MetricError"),
    ("analysis.turning_points.definitions", "TurningPointOptionsError"),
    ("analysis.turning_points.smoothing", "SeriesTooShort"),
    ("calibration.config", "ConfigError"),
    ("calibration.history", "HistoryDataError"),
    ("calibration.fit", "FitError"),
    ("analysis.policy.levers", "PolicyConfigError"),
    ("analysis.sensitivity.problem", "ProblemDefinitionError"),
    ("analysis.sensitivity.model", "MetricSpecError"),
    ("analysis.sensitivity.model", "ModelRunError"),
)


def user_errors() -> tuple[type[BaseException], ...]:
    """Exception types reported as one-line user errors (exit code 2).

    :class:`CliError`, file-system errors (:class:`OSError`, including an output
    conflict of :mod:`cli.staging`) and the validation errors of the library, imported
    only if their module is already loaded (a command that never imported a module
    cannot have raised its error).
    """
    types: list[type[BaseException]] = [CliError, OSError]
    for module, name in _USER_ERRORS:
        mod = sys.modules.get(module)
        if mod is not None and hasattr(mod, name):
            types.append(getattr(mod, name))
    return tuple(types)


def build_parser() -> Parser:
    """The argument parser of the whole command tree."""
    parser = Parser(
        prog=PROG,
        description="Territorial carbon simulator: scenarios, turning points, calibration, sensitivity, "
        "policy analysis and exports (国土空间碳中和情景模拟).",
        epilog="Exit codes: 0 success, 1 failure (a check failed, or an internal error), 2 bad input, "
        "130 interrupted. Outputs are written only when the whole command succeeded.",
    )
    add_common_options(parser, root=True)
    common = Parser(add_help=False)
    add_common_options(common)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers, common)
    return parser


def _error_line(err: BaseException) -> str:
    if isinstance(err, OSError) and err.filename and err.strerror:
        return f"{err.filename}: {err.strerror}"
    return one_line(err) or type(err).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; return the exit code (see :mod:`cli.core`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    ctx = Context(json="--json" in argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as err:
        return _fail(ctx, EXIT_USAGE, one_line(err))
    except SystemExit as done:  # --help
        return int(done.code or 0)
    ctx = Context(json=args.json, quiet=args.quiet, force=args.force)
    configure_logging(args.verbose, args.quiet)
    try:
        code = int(args.handler(args, ctx) or 0)
    except KeyboardInterrupt:
        return _fail(ctx, EXIT_INTERRUPTED, "interrupted; earlier outputs are unchanged")
    except user_errors() as err:
        lines = [line for line in str(err).splitlines() if line.strip()] or [type(err).__name__]
        if len(lines) > 1 and not isinstance(err, OSError):
            for line in lines[:-1]:
                print(f"error: {line.strip()}", file=sys.stderr)
            return _fail(ctx, EXIT_USAGE, lines[-1].strip(), " ".join(lines))
        return _fail(ctx, EXIT_USAGE, _error_line(err))
    except Exception as err:  # a bug, not bad input
        if os.environ.get("TCSD_DEBUG"):
            traceback.print_exc()
        return _fail(ctx, EXIT_FAILURE, f"internal error: {type(err).__name__}: {one_line(err)} "
                     "(set TCSD_DEBUG=1 to see the traceback)")
    if ctx.json:
        ctx.emit_json(code)
    return code


def _fail(ctx: Context, code: int, message: str, full: str | None = None) -> int:
    prefix = "" if message.startswith("internal error") else "error: "
    print(f"{prefix}{message}", file=sys.stderr)
    if ctx.json:
        ctx.emit_json(code, error=full or message)
    return code
