"""Picklable reference evaluators with known sensitivity indices.

They follow the evaluator contract of :mod:`.execution` and serve as tests, benchmarks
and templates for model-based evaluators (top-level classes with ``__call__`` and
picklable attributes, so Dask can ship them to workers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class Ishigami:
    """``f(x) = sin x1 + a sin^2 x2 + b x3^4 sin x1`` on ``[-pi, pi]^3`` (output ``"y"``)."""

    def __init__(self, a: float = 7.0, b: float = 0.1) -> None:
        self.a = a
        self.b = b

    def __call__(self, X: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        x1, x2, x3 = X[:, 0], X[:, 1], X[:, 2]
        return {"y": np.sin(x1) + self.a * np.sin(x2) ** 2 + self.b * x3**4 * np.sin(x1)}


class Linear:
    """``y = sum_i c_i x_i`` (output ``"y"``); Morris ``mu_star_i = |c_i| (ub_i - lb_i)``."""

    def __init__(self, coefficients: Sequence[float]) -> None:
        self.coefficients = np.asarray(coefficients, dtype=float)

    def __call__(self, X: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        return {"y": X @ self.coefficients}


class LinearTrend:
    """Time-resolved example: ``y(t) = x1 * t + x2`` on the grid ``times``, plus the
    scalar ``crossing``: first time ``y`` reaches ``threshold`` (NaN if never)."""

    def __init__(self, times: Sequence[float], threshold: float = 1.0) -> None:
        self.times = np.asarray(times, dtype=float)
        self.threshold = threshold

    def __call__(self, X: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        y = X[:, [0]] * self.times[None, :] + X[:, [1]]
        reached = y >= self.threshold
        first = np.where(reached.any(axis=1), self.times[reached.argmax(axis=1)], np.nan)
        return {"y": y, "crossing": first}


#: Ready-made instance for the command line (``--evaluator analysis.sensitivity.examples:ISHIGAMI``).
ISHIGAMI = Ishigami()
