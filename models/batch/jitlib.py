"""Helpers of the Numba kernel (``jitgen.py``) that are not written in its source:
lookups with many points, PULSE TRAIN, EXP, LN and non-literal powers (intrinsics
that emit ``jitmath.py`` inline) and the branch-free choice (``select``) that
replaces every conditional expression. Same semantics as ``runtime.py`` (PySD's,
with NumPy's handling of NaN and of floating-point errors). Everything else is
written inline so the loop over runs vectorises.

Imported by the generated kernel modules; compiled once and cached on disk by
Numba (``cache=True``). The digest of this file is part of every kernel's cache key,
so editing it recompiles the kernels.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import intrinsic

from . import jitmath

SMALL_VENSIM = 1e-6  # PySD functions.SMALL_VENSIM

_JIT = dict(cache=True, fastmath=False, error_model="numpy", nogil=True)


@njit(**_JIT)
def f_pulse(t, start, width):
    """PULSE(start, width): 1 while start - 1e-6 <= t < start + width, else 0."""
    if start - SMALL_VENSIM <= t and t < start + width:
        return 1.0
    return 0.0


@njit(**_JIT)
def f_pulse_train(t, start, repeat, width, end):
    """PULSE TRAIN, PySD ``pulse(time, start, repeat_time, width, end=end)``."""
    if repeat == 0:
        return f_pulse(t, start, width)
    if start <= t and t < end:
        if (t - start + SMALL_VENSIM) % repeat < width:
            return 1.0
    return 0.0


@njit(**_JIT)
def f_interp(x, xs, ys, lo, hi):
    """np.interp(x, xs[lo:hi], ys[lo:hi]): linear, clamped at both ends."""
    if x != x:
        return np.nan
    if x <= xs[lo]:
        return ys[lo]
    last = hi - 1
    if x >= xs[last]:
        return ys[last]
    a, b = lo, last  # xs[a] < x < xs[b]: bisect
    while b - a > 1:
        mid = (a + b) >> 1
        if xs[mid] <= x:
            a = mid
        else:
            b = mid
    x0 = xs[a]
    if x == x0:
        return ys[a]
    y0 = ys[a]
    return (ys[a + 1] - y0) / (xs[a + 1] - x0) * (x - x0) + y0




@intrinsic
def select(typingctx, cond, yes, no):
    """``yes if cond else no`` as one LLVM ``select`` on float64 values: no branch.

    Both values are computed (every kernel expression is pure arithmetic, with NumPy's
    floating-point error model: a division by zero gives inf or NaN, never an
    exception), so the result is the one the conditional expression gives, bit for bit.
    A conditional expression is two basic blocks of Numba IR more; the product model
    has several hundred, and Numba's SSA and reaching-definition passes grow with the
    number of blocks times the number of variables: they were most of its compile time.
    """
    sig = types.float64(types.boolean, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.select(args[0], args[1], args[2])

    return sig, codegen


def _emitted(algorithm, n_args: int):
    """A Numba intrinsic that emits ``algorithm`` (``jitmath``) inline at its call site."""
    def typer(typingctx, *args):
        sig = types.float64(*([types.float64] * n_args))

        def codegen(context, builder, signature, values):
            return algorithm(*(jitmath.V(builder, v) for v in values)).v

        return sig, codegen

    if n_args == 1:
        return intrinsic(lambda typingctx, x: typer(typingctx, x))
    return intrinsic(lambda typingctx, x, y: typer(typingctx, x, y))


#: EXP, LN and x^y without libm, inline arithmetic that vectorises (``jitmath.py``).
f_exp = _emitted(jitmath.exp, 1)
f_ln = _emitted(jitmath.ln, 1)
f_pow = _emitted(jitmath.power, 2)
