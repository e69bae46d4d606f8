"""Option types that validate range and finiteness, and the ceilings on work and memory.

Every numeric option of the command tree is parsed by :func:`number` or :func:`integer`
(finite, inside a stated range; the message names the option and the range). Options
that multiply into work (sample sizes, grid sizes, ensemble sizes) are checked against
the ceilings below before anything runs; ``--force`` lifts them for a user who knows
the machine can take it.
"""

from __future__ import annotations

import argparse
import math
from typing import Callable, Sequence

from cli.core import CliError

__all__ = [
    "MAX_RUNS",
    "MAX_MEMORY_BYTES",
    "number",
    "integer",
    "csv_choices",
    "check_budget",
    "batch_bytes",
    "year",
]

#: Ceiling on the model runs one command may ask for (without ``--force``).
MAX_RUNS: int = 2_000_000
#: Ceiling on the memory one command's arrays may need (without ``--force``): 4 GiB.
MAX_MEMORY_BYTES: int = 4 * 1024**3


def _fmt(x: float) -> str:
    return f"{x:g}"


def number(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False,
           hi_open: bool = False) -> Callable[[str], float]:
    """argparse type: a finite float in [lo, hi] (open ends with ``lo_open``/``hi_open``)."""
    left = "(" if lo_open else "["
    right = ")" if hi_open else "]"
    span = f"{left}{_fmt(lo) if lo is not None else '-inf'}, {_fmt(hi) if hi is not None else 'inf'}{right}"

    def parse(text: str) -> float:
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number (allowed: {span})") from None
        if not math.isfinite(x):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number (allowed: {span})")
        if lo is not None and (x < lo or (lo_open and x == lo)):
            raise argparse.ArgumentTypeError(f"{text} is outside {span}")
        if hi is not None and (x > hi or (hi_open and x == hi)):
            raise argparse.ArgumentTypeError(f"{text} is outside {span}")
        return x

    return parse


def integer(lo: int | None = None, hi: int | None = None) -> Callable[[str], int]:
    """argparse type: an integer in [lo, hi]."""
    span = f"[{lo if lo is not None else '-inf'}, {hi if hi is not None else 'inf'}]"

    def parse(text: str) -> int:
        try:
            x = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer (allowed: {span})") from None
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            raise argparse.ArgumentTypeError(f"{text} is outside {span}")
        return x

    return parse


def csv_choices(allowed: Sequence[str], allow_none: bool = False) -> Callable[[str], tuple[str, ...]]:
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


def check_budget(what: str, *, runs: float | None = None, memory_bytes: float | None = None,
                 force: bool = False) -> None:
    """Refuse work above :data:`MAX_RUNS` runs or :data:`MAX_MEMORY_BYTES` unless ``force``.

    Args:
        what: the options responsible, e.g. ``"--n 1073741824 with 16 parameters"``.
        runs: model runs the command would make.
        memory_bytes: bytes its largest arrays would need.
        force: ``--force`` was given.
    """
    if force:
        return
    if runs is not None and runs > MAX_RUNS:
        raise CliError(f"{what} implies {runs:,.0f} model runs, above the ceiling of {MAX_RUNS:,}; "
                       "choose smaller values or add --force")
    if memory_bytes is not None and memory_bytes > MAX_MEMORY_BYTES:
        raise CliError(f"{what} needs about {memory_bytes / 1024**3:,.1f} GiB of memory, above the ceiling of "
                       f"{MAX_MEMORY_BYTES / 1024**3:g} GiB; choose smaller values or add --force")


def batch_bytes(n_runs: float, n_outputs: int) -> float:
    """Bytes a batch run of ``n_runs`` parameter sets with ``n_outputs`` saved series needs:
    the saved outputs (runs x saved times x outputs) plus the working state (four
    arrays of length ``n_runs`` per model variable), float64."""
    from models.model import load_model

    model = load_model()
    ts = model.time_settings
    n_saved = int(round((ts["FINAL TIME"] - ts["INITIAL TIME"]) / ts["SAVEPER"])) + 1
    return float(n_runs) * 8.0 * (n_saved * max(n_outputs, 1) + 4 * len(model.variables))


def year(lo: int = 1900, hi: int = 2100) -> Callable[[str], int]:
    """argparse type: a whole calendar year in [lo, hi]."""

    def parse(text: str) -> int:
        try:
            y = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a year (allowed: {lo}-{hi})") from None
        if not lo <= y <= hi:
            raise argparse.ArgumentTypeError(f"{y} is not a year between {lo} and {hi}")
        return y

    return parse
