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
#: Upper bound on the Euler steps of one run (guards against e.g. TIME STEP 1e-300).
MAX_STEPS = 10_000_000


@dataclass(frozen=True)
class TimeGrid:
    """Integration points and save points of a run (times in model time units)."""

    initial_time: float
    final_time: float
    time_step: float
    saveper: float
    points: tuple  # every integration time, as PySD computes it
    save: tuple  # bool per point: saved in the output?
    integer_start: bool = False  # INITIAL TIME is an integer (PySD keeps Time an int at init)

    @property
    def key(self) -> tuple:
        """Identity of the grid (cache key of simulators compiled for it)."""
        return (self.initial_time, self.final_time, self.time_step, self.saveper,
                self.integer_start)

    @property
    def control(self) -> dict:
        """Values of the control variables (python names) on this grid."""
        return {
            "initial_time": self.initial_time,
            "final_time": self.final_time,
            "time_step": self.time_step,
            "saveper": self.saveper,
        }

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
    initial_time: float, final_time: float, time_step: float, saveper: float,
    integer_start: bool = False,
) -> TimeGrid:
    """Build the grid PySD uses for ``Model.run()`` without ``return_timestamps``.

    Raises ``ValueError`` naming the setting for non-finite values, a TIME STEP or
    SAVEPER that is not positive, or a FINAL TIME before INITIAL TIME."""
    for label, value in (("INITIAL TIME", initial_time), ("FINAL TIME", final_time),
                         ("TIME STEP", time_step), ("SAVEPER", saveper)):
        if not np.isfinite(value):
            raise ValueError(f"{label} must be a finite number, got {value!r}")
    if time_step <= 0:
        raise ValueError(f"TIME STEP must be positive, got {time_step}")
    if saveper <= 0:
        raise ValueError(f"SAVEPER must be positive, got {saveper}")
    if final_time < initial_time:
        raise ValueError(f"FINAL TIME ({final_time}) is before INITIAL TIME ({initial_time})")
    if (final_time - initial_time) / time_step > MAX_STEPS:
        raise ValueError(
            f"(FINAL TIME - INITIAL TIME) / TIME STEP = {(final_time - initial_time) / time_step:g} "
            f"steps; at most {MAX_STEPS:,} are allowed"
        )
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
        integer_start=bool(integer_start),
    )
