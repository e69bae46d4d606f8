"""The time grid of a run, reproduced exactly as PySD builds it.

PySD (``pysd.py_backend.components.Time`` and ``Model._integrate``):

* time starts at INITIAL TIME and advances by repeated addition ``t = t + TIME STEP``
  (so the float values, drift included, are the same as PySD's);
* the loop runs while ``t + TIME STEP * 1e-5 < FINAL TIME``, then evaluates the final
  point once more, so the grid has ``round((FINAL - INITIAL) / TIME STEP) + 1`` points;
* a point is saved when ``(t - INITIAL) % SAVEPER < prec`` or
  ``-(t - INITIAL) % SAVEPER < prec`` with ``prec = TIME STEP * 1e-5``;
* the saved time label is ``round(t, -int(log10(TIME STEP * 1e-5)))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

RPREC = 1e-5  # PySD Time.rprec


@dataclass(frozen=True)
class TimeGrid:
    """Integration points and save points of a run (times in model time units)."""

    initial_time: float
    final_time: float
    time_step: float
    saveper: float
    points: tuple  # every integration time, as PySD computes it
    save: tuple  # bool per point: saved in the output?

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def n_steps(self) -> int:
        """Number of Euler steps (points - 1)."""
        return len(self.points) - 1

    @cached_property
    def n_saved(self) -> int:
        return sum(self.save)

    @cached_property
    def saved_times(self) -> np.ndarray:
        """Labels of the saved times, rounded like PySD's output index."""
        decimals = -int(np.log10(self.time_step * RPREC))
        return np.round(
            np.array([t for t, s in zip(self.points, self.save) if s], dtype=float), decimals
        )


def pysd_time_grid(
    initial_time: float, final_time: float, time_step: float, saveper: float
) -> TimeGrid:
    """Build the grid PySD uses for ``Model.run()`` without ``return_timestamps``."""
    if time_step <= 0:
        raise ValueError(f"TIME STEP must be positive, got {time_step}")
    if saveper <= 0:
        raise ValueError(f"SAVEPER must be positive, got {saveper}")
    prec = time_step * RPREC
    points = []
    t = initial_time
    while t + prec < final_time:
        points.append(t)
        t = t + time_step
    points.append(t)
    save = []
    for t in points:
        delay = t - initial_time
        save.append(bool(delay % saveper < prec or -delay % saveper < prec))
    return TimeGrid(
        initial_time=initial_time,
        final_time=final_time,
        time_step=time_step,
        saveper=saveper,
        points=tuple(points),
        save=tuple(save),
    )
