"""Exceptions raised by the batch compiler and runner."""

from __future__ import annotations

from typing import Sequence

#: Human-readable list used in error messages.
SUPPORTED_CONSTRUCTS: tuple[str, ...] = (
    "INTEG",
    "+ - * / ^ unary-",
    "= <> < <= > >=",
    ":AND: :OR: :NOT:",
    "IF THEN ELSE",
    "MIN",
    "MAX",
    "ABS",
    "EXP",
    "LN",
    "LOG",
    "SQRT",
    "POWER",
    "SIN/COS/TAN/ARCSIN/ARCCOS/ARCTAN/SINH/COSH/TANH",
    "INTEGER",
    "MODULO",
    "QUANTUM",
    "XIDZ",
    "ZIDZ",
    "STEP",
    "RAMP",
    "PULSE",
    "PULSE TRAIN",
    "Time",
    "TIME STEP",
    "INITIAL TIME",
    "FINAL TIME",
    "SAVEPER",
    "INITIAL",
    "ACTIVE INITIAL",
    "WITH LOOKUP",
    "named lookups",
    "SMOOTH",
    "SMOOTHI",
    "SMOOTH3",
    "SMOOTH3I",
    "SMOOTH N (constant order)",
    "DELAY N (constant order, delay time constant during the run)",
    "DELAY1",
    "DELAY1I",
    "DELAY3",
    "DELAY3I",
    "TREND",
    "GAME",
)


class BatchCompileError(Exception):
    """Base class: the Vensim model cannot be compiled to the batch simulator."""


class UnsupportedConstructError(BatchCompileError):
    """A variable uses a Vensim construct the batch compiler does not support.

    Raised at compile time (never during a run). The message names the variable by
    its Vensim name and the construct, e.g.
    ``variable 'foo': unsupported construct 'DELAY FIXED' (supported: ...)``.
    """

    def __init__(self, variable: str, construct: str, supported: Sequence[str] = ()):
        self.variable = variable
        self.construct = construct
        text = f"variable '{variable}': unsupported construct '{construct}'"
        if supported:
            text += " (supported: " + ", ".join(supported) + ")"
        super().__init__(text)


class CircularDependencyError(BatchCompileError):
    """Simultaneous equations (algebraic loop) or a circular initialisation."""


class UnknownVariableError(KeyError):
    """A name is neither a Vensim name nor a PySD python name of the model.

    ``KeyError`` subclass so ``except KeyError`` keeps working; the message lists
    close matches.
    """

    def __init__(self, name: str, close_matches: Sequence[str] = ()):
        self.name = name
        self.close_matches = tuple(close_matches)
        text = f"unknown model variable {name!r}"
        if self.close_matches:
            text += "; did you mean: " + ", ".join(repr(m) for m in self.close_matches) + "?"
        super().__init__(text)

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class ParameterError(ValueError):
    """A run parameter has the wrong type or shape, or targets a variable that
    cannot be overridden in batch runs (lookups, control variables)."""
