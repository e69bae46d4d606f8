"""Optional smoothing of level series before differentiation (平滑), for N runs at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["Smoothing", "HISTORY_SMOOTHING", "SeriesTooShort"]


class SeriesTooShort(ValueError):
    """A series is shorter than the smoothing window (detections report ``too_short``)."""


@dataclass(frozen=True)
class Smoothing:
    """Smoothing of a level series before it is differentiated.

    Attributes:
        method: ``"moving_average"`` — centred moving average over ``window_years``
            (points with |t_j − t_i| <= half-window are averaged; near the ends of a
            series the half-window shrinks symmetrically, so the end points stay
            unsmoothed and a linear trend is preserved; works on uneven grids and with
            missing values), or ``"savgol"`` — Savitzky–Golay filter
            (:func:`scipy.signal.savgol_filter`, mode ``"interp"``) of order
            ``polyorder``; needs an even time grid without gaps.
        window_years: window length in years (converted to an odd number of points
            for Savitzky–Golay).
        polyorder: polynomial order for Savitzky–Golay (ignored otherwise).
    """

    method: Literal["moving_average", "savgol"] = "moving_average"
    window_years: float = 5.0
    polyorder: int = 2

    def __post_init__(self) -> None:
        if self.method not in ("moving_average", "savgol"):
            raise ValueError(f"Smoothing.method must be 'moving_average' or 'savgol', got {self.method!r}")
        if isinstance(self.window_years, bool) or not (
                isinstance(self.window_years, (int, float)) and self.window_years > 0):
            raise ValueError(f"Smoothing.window_years must be > 0 years, got {self.window_years!r}")
        if not (isinstance(self.polyorder, int) and self.polyorder >= 0):
            raise ValueError(f"Smoothing.polyorder must be a non-negative int, got {self.polyorder!r}")

    def __str__(self) -> str:
        extra = f", order {self.polyorder}" if self.method == "savgol" else ""
        return f"{self.method} {self.window_years:g} yr{extra}"

    def window_points(self, dt: float) -> int:
        """Odd number of points spanned by the window for time step ``dt`` (years)."""
        w = max(1, int(round(self.window_years / dt)))
        return w if w % 2 == 1 else w + 1

    def apply(self, t: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Smoothed copy of ``y`` (T,) or (N, T) sampled at times ``t`` (T,); NaN = missing.

        Raises:
            ValueError: Savitzky–Golay on an uneven grid, with missing values, with a
                window longer than the series or not longer than ``polyorder``.
        """
        Y = np.atleast_2d(np.asarray(y, dtype=float))
        out = self._moving_average(t, Y) if self.method == "moving_average" else self._savgol(t, Y)
        return out.reshape(np.shape(y))

    def _moving_average(self, t: np.ndarray, Y: np.ndarray) -> np.ndarray:
        ok = np.isfinite(Y)
        if Y.shape[1] < 2:
            return Y.copy()
        big = np.float64(np.inf)
        first = np.where(ok, t[None, :], big).min(axis=1)
        last = np.where(ok, t[None, :], -big).max(axis=1)
        half = self.window_years / 2.0
        eps = 1e-9 * max(1.0, half)
        filled = np.where(ok, Y, 0.0)
        out = np.full(Y.shape, np.nan)
        for i, ti in enumerate(t):
            h = np.minimum(half, np.minimum(ti - first, last - ti))  # (N,)
            sel = ok & (np.abs(t[None, :] - ti) <= h[:, None] + eps)
            count = sel.sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, i] = np.where(ok[:, i], (filled * sel).sum(axis=1) / count, np.nan)
        return out

    def _savgol(self, t: np.ndarray, Y: np.ndarray) -> np.ndarray:
        from scipy.signal import savgol_filter

        steps = np.diff(t)
        dt = float(np.median(steps)) if steps.size else 1.0
        if steps.size and np.max(np.abs(steps - dt)) > 1e-6 * dt:
            raise ValueError("Savitzky–Golay smoothing needs an even time grid; use "
                             "Smoothing('moving_average', ...) for series with gaps")
        if not np.isfinite(Y).all():
            raise ValueError("Savitzky–Golay smoothing needs series without missing values; "
                             "use Smoothing('moving_average', ...)")
        w = self.window_points(dt)
        if w > Y.shape[1]:
            raise SeriesTooShort(f"series too short for the smoothing window ({Y.shape[1]} points < {w})")
        if w <= self.polyorder:
            raise ValueError(f"Savitzky–Golay window ({w} points) must exceed polyorder ({self.polyorder})")
        return savgol_filter(Y, w, self.polyorder, mode="interp", axis=1)


#: Recommended smoothing for noisy historical series: centred 5-year moving average.
HISTORY_SMOOTHING = Smoothing("moving_average", 5.0)
