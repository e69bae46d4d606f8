"""Shared machinery of the command tree: exit codes, errors, common options, output.

Exit codes (the same for every subcommand):

* ``0`` success;
* ``1`` failure: the run completed but a check failed (e.g. ``calibrate validate`` with
  a case outside its acceptance limit), or an internal error (a bug; the message says
  so and ``TCSD_DEBUG=1`` shows the traceback);
* ``2`` bad input: an option, a file or a value is invalid; one line ``error: ...`` on
  stderr naming the option or file, the key and the allowed range; nothing is written;
* ``130`` interrupted (Ctrl-C); nothing is written.

Common options, accepted before or after the subcommand: ``-v``/``--verbose``
(repeatable: INFO, then DEBUG log messages), ``-q``/``--quiet`` (errors only, no
progress bars), ``--json`` (one JSON summary object on stdout instead of the text
report; progress and log messages stay on stderr) and ``--force`` (lift the stated
ceilings on run counts and memory, see :mod:`cli.options`).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NoReturn

__all__ = [
    "EXIT_OK",
    "EXIT_FAILURE",
    "EXIT_USAGE",
    "EXIT_INTERRUPTED",
    "PROG",
    "CliError",
    "Context",
    "Parser",
    "add_common_options",
    "configure_logging",
    "one_line",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Name of the program in usage lines and messages (the console script).
PROG = "tcsd"

log = logging.getLogger("tcsd")


class CliError(Exception):
    """Bad input found by the command line itself: one line on stderr, exit code 2."""


class UsageError(CliError):
    """An argparse error (unknown option, missing or malformed value)."""


class Parser(argparse.ArgumentParser):
    """argparse whose errors become :class:`UsageError` (one line, exit code 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def one_line(err: BaseException | str) -> str:
    """The message of ``err`` on a single line (whitespace runs collapsed)."""
    return " ".join(str(err).split())


def add_common_options(parser: argparse.ArgumentParser, *, root: bool = False) -> None:
    """Add -v/-q/--json/--force; on subparsers their default is 'not given' so that an
    option given before the subcommand is not reset by the subparser's default."""
    default = (lambda value: value) if root else (lambda value: argparse.SUPPRESS)
    g = parser.add_argument_group("common options")
    g.add_argument("-v", "--verbose", action="count", default=default(0),
                   help="more log messages on stderr (-v INFO, -vv DEBUG)")
    g.add_argument("-q", "--quiet", action="store_true", default=default(False),
                   help="errors only: no log messages, no progress bars")
    g.add_argument("--json", action="store_true", default=default(False),
                   help="print one JSON summary object on stdout instead of the text report")
    g.add_argument("--force", action="store_true", default=default(False),
                   help="lift the ceilings on run count and memory (see --help of the command)")


def configure_logging(verbose: int, quiet: bool) -> None:
    """Log messages of the project's loggers to stderr at the level -v/-q ask for."""
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s" if verbose >= 2 else "%(message)s"))
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_tcsd", False):
            root.removeHandler(h)
    handler._tcsd = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)


@dataclass
class Context:
    """What a command handler needs besides its options: output and progress.

    Handlers write their text report with :meth:`echo` (stdout; with ``--json`` it goes
    to the INFO log instead), put machine-readable results into :attr:`summary` (the
    ``--json`` output) and wrap long loops in :meth:`progress`.
    """

    json: bool = False
    quiet: bool = False
    force: bool = False
    summary: dict[str, Any] = field(default_factory=dict)

    def echo(self, text: str = "") -> None:
        """One block of the text report."""
        if self.json:
            for line in str(text).splitlines():
                log.info(line)
        else:
            print(text, flush=True)

    def progress(self, total: int | None, desc: str, unit: str = "run"):
        """A tqdm progress bar on stderr (disabled with -q)."""
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit=unit, disable=self.quiet, file=sys.stderr,
                    dynamic_ncols=True, leave=False)

    def progress_callback(self, desc: str, unit: str = "run") -> tuple[Callable[[int, int], None], Callable[[], None]]:
        """A ``progress(done, total)`` callback driving a tqdm bar, and a function closing it."""
        state: dict[str, Any] = {}

        def update(done: int, total: int) -> None:
            bar = state.get("bar")
            if bar is None:
                bar = state["bar"] = self.progress(total, desc, unit)
            bar.total = total
            bar.update(done - bar.n)
            if done >= total:
                bar.refresh()  # show the completed bar even when the runs took less than tqdm's mininterval

        def close() -> None:
            if "bar" in state:
                state["bar"].close()

        return update, close

    def emit_json(self, code: int, error: str | None = None) -> None:
        """Print the summary (and the exit code / error) as one JSON object on stdout."""
        payload = {"ok": code == EXIT_OK, "exit_code": code, **self.summary}
        if error is not None:
            payload["error"] = error
        print(json.dumps(_jsonable(payload), ensure_ascii=False, allow_nan=False))


def _jsonable(value: Any) -> Any:
    """Plain JSON values: NaN/inf become null, paths and numpy scalars become str/float."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    if isinstance(value, float) or hasattr(value, "dtype"):
        if not math.isfinite(f):
            return None
        return int(f) if hasattr(value, "dtype") and float(f).is_integer() and "int" in str(value.dtype) else f
    return str(value)


def paths_text(paths: Iterable[Any]) -> list[str]:
    """Paths as strings for the JSON summary."""
    return [str(p) for p in paths]
