"""Builtin functions called by the generated simulator code.

Two flavours of every Vensim builtin, both mirroring PySD's ``py_backend.functions``:

* ``s_*``: scalar versions on Python floats (used when a value is shared by all runs
  of a chunk, and for the N == 1 fast path);
* ``v_*``: vectorised versions on NumPy arrays of shape (N,) (mixing arrays and floats).

Any change here must keep the PySD semantics documented on each function.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

SMALL_VENSIM = 1e-6  # PySD functions.SMALL_VENSIM
NAN = float("nan")


class DelayOrderError(ValueError):
    """PySD would silently lower the order of this DELAY (delay time < order * dt)."""


# ----------------------------------------------------------------- scalars
def s_min(a, b):
    """np.minimum on floats: NaN if either is NaN."""
    if a < b:
        return a
    if b <= a:
        return b
    return NAN


def s_max(a, b):
    """np.maximum on floats: NaN if either is NaN."""
    if a > b:
        return a
    if b >= a:
        return b
    return NAN


def s_xidz(a, b, x):
    """XIDZ: x if |b| < 1e-6 else a / b."""
    return x if abs(b) < SMALL_VENSIM else a / b


def s_zidz(a, b):
    """ZIDZ: 0 if |b| < 1e-6 else a / b."""
    return 0 if abs(b) < SMALL_VENSIM else a / b


def s_quantum(a, b):
    """QUANTUM: a if b < 1e-6 else b * int(a / b)."""
    return a if b < SMALL_VENSIM else b * math.trunc(a / b)


def s_modulo(x, m):
    """MODULO as PySD: x - quantum(x, m)."""
    return x - s_quantum(x, m)


def s_pulse(t, start, width):
    """PULSE(start, width): 1 while start - 1e-6 <= t < start + width, else 0."""
    return 1 if start - SMALL_VENSIM <= t < start + width else 0


def s_pulse_train(t, start, repeat, width, end):
    """PULSE TRAIN, PySD ``pulse(time, start, repeat_time, width, end=end)``."""
    if repeat == 0:
        return 1 if start - SMALL_VENSIM <= t < start + width else 0
    if start <= t and t < end:
        return 1 if (t - start + SMALL_VENSIM) % repeat < width else 0
    return 0


def s_interp(x, xs, ys):
    """Linear interpolation clamped at both ends (PySD lookups / np.interp)."""
    if x <= xs[0]:
        return ys[0] if x == x else NAN
    if x >= xs[-1]:
        return ys[-1]
    if x != x:
        return NAN
    i = bisect_right(xs, x) - 1
    x0 = xs[i]
    if x == x0:
        return ys[i]
    y0 = ys[i]
    return (ys[i + 1] - y0) / (xs[i + 1] - x0) * (x - x0) + y0


def check_delay_order(order, time_step, delay_time, variable):
    """PySD lowers a DELAY's order when order * TIME STEP > delay time; refuse that."""
    if np.any(order * time_step > np.asarray(delay_time)):
        raise DelayOrderError(
            f"variable '{variable}': DELAY time below order * TIME STEP "
            f"({order} * {time_step}); PySD would silently lower the delay order"
        )


# ----------------------------------------------------------------- vectors
def v_where(cond, a, b):
    """IF THEN ELSE with an array condition (both branches evaluated)."""
    return np.where(cond, a, b)


def v_xidz(a, b, x, scratch, mask):
    """XIDZ on arrays: a / b, replaced by x where |b| < 1e-6.

    ``scratch`` (float64) and ``mask`` (bool) are caller-owned work buffers of the
    chunk's shape; the result is a new array of that shape."""
    out = np.divide(a, b, out=np.empty_like(scratch))
    if np.absolute(b, out=scratch).min() < SMALL_VENSIM:  # NaN min: no small |b|
        np.less(scratch, SMALL_VENSIM, out=mask)
        np.copyto(out, x, where=mask)
    return out


def v_zidz(a, b, scratch, mask):
    """ZIDZ on arrays: a / b, replaced by 0 where |b| < 1e-6 (see v_xidz)."""
    out = np.divide(a, b, out=np.empty_like(scratch))
    if np.absolute(b, out=scratch).min() < SMALL_VENSIM:  # NaN min: no small |b|
        np.less(scratch, SMALL_VENSIM, out=mask)
        np.copyto(out, 0.0, where=mask)
    return out


def v_quantum(a, b):
    return np.where(np.less(b, SMALL_VENSIM), a, np.multiply(b, np.trunc(np.divide(a, b))))


def v_modulo(x, m):
    return np.subtract(x, v_quantum(x, m))


def v_step(t, half_dt, height, start):
    """STEP: height * (t + dt/2 > start)."""
    return np.multiply(height, np.greater(t + half_dt, start))


def v_ramp(t, slope, start, finish):
    """RAMP: (t + 1e-6 > start) * slope * (min(finish, t) - start)."""
    return np.multiply(
        np.multiply(np.greater(t + SMALL_VENSIM, start), slope),
        np.subtract(np.minimum(finish, t), start),
    )


def v_pulse(t, start, width):
    on = np.logical_and(np.less_equal(np.subtract(start, SMALL_VENSIM), t), np.less(t, np.add(start, width)))
    return np.where(on, 1.0, 0.0)


def v_pulse_train(t, start, repeat, width, end):
    single = np.logical_and(
        np.less_equal(np.subtract(start, SMALL_VENSIM), t), np.less(t, np.add(start, width))
    )
    phase = np.mod(np.add(np.subtract(t, start), SMALL_VENSIM), repeat)
    train = np.logical_and(
        np.logical_and(np.less_equal(start, t), np.less(t, end)), np.less(phase, width)
    )
    return np.where(np.equal(repeat, 0), np.where(single, 1.0, 0.0), np.where(train, 1.0, 0.0))


def v_interp(x, xs, ys):
    return np.interp(x, xs, ys)


def fresh(value, n):
    """A new float64 array of shape (n,) holding ``value`` (never an alias)."""
    out = np.empty(n)
    out[...] = value
    return out
