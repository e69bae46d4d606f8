"""EXP, LN and non-literal powers of the Numba kernel, emitted as straight-line LLVM IR.

libm's ``exp``, ``log`` and ``pow`` are one call per value, which stops the
vectorisation of the kernel's loop over runs (``jitgen.py``): at 12 ``pow`` and 3
``log`` sites per time step the product model ran at 9,100 runs/s, and at 15,400 runs/s
with the powers replaced by a multiplication (wrong values; an upper bound). Here they
are float64 arithmetic and 64-bit integer bit operations that AVX2 has (no float <->
int64 conversion), emitted into the kernel at each call site by Numba intrinsics
(``jitlib.f_exp``, ``f_ln``, ``f_pow``): Numba sees one call per use, so its own passes
(most of the cold compile) do not grow, and LLVM sees arithmetic it vectorises. A
Numba function called from the kernel instead is not inlined when it comes from
Numba's disk cache (object code): measured 2,488 runs/s.

The same operations in the same order for one lane or eight, so a run gives the same
bits alone or in a batch. Accuracy (``tests/models/batch/test_backends.py``): EXP within
1 ulp of libm on normal results, LN within 2 ulp, x^y within (|y| + 4) ulp of libm's pow
(which is within 1 ulp) however large y ln x; NaN, infinities, zeros and signs exactly
as C99 / NumPy.

The algorithms are written once against ``V`` (an LLVM value with Python operators:
``<``, ``>``, ``<=``, ``>=``, ``==`` are ordered comparisons, ``!=`` unordered, as
Python's float comparisons).
"""

from __future__ import annotations

import math

from llvmlite import ir

F64 = ir.DoubleType()
I64 = ir.IntType(64)

TWO52 = 4503599627370496.0  # 2^52: x + 2^52 holds an integer 0 <= x < 2^52 in its low bits
MANTISSA = 0x000FFFFFFFFFFFFF
LN2_HI = 0.6931471803691238  # ln 2 in two parts (Cody and Waite): k * LN2_HI is exact
LN2_LO = 1.9082149292705877e-10
INV_LN2 = 1.4426950408889634
EXP_MAX = 709.782712893384  # above: overflow to inf
EXP_MIN = -745.1332191019412  # below: underflow to 0
MIN_NORMAL = 2.2250738585072014e-308


class V:
    """An LLVM double, i64 or i1 value with Python operators, emitting at ``builder``."""

    __slots__ = ("b", "v")

    def __init__(self, builder: ir.IRBuilder, value):
        self.b = builder
        self.v = value

    # -- constants and conversions
    def _wrap(self, other) -> V:
        if isinstance(other, V):
            return other
        if isinstance(other, float):
            return V(self.b, ir.Constant(F64, other))
        if isinstance(other, int):
            return V(self.b, ir.Constant(I64, other))
        raise TypeError(f"no LLVM constant for {other!r}")

    @property
    def is_float(self) -> bool:
        return isinstance(self.v.type, ir.DoubleType)

    def _binary(self, other, float_op: str, int_op: str) -> V:
        other = self._wrap(other)
        op = float_op if self.is_float else int_op
        return V(self.b, getattr(self.b, op)(self.v, other.v))

    def __add__(self, o):
        return self._binary(o, "fadd", "add")

    def __radd__(self, o):
        return self._wrap(o) + self

    def __sub__(self, o):
        return self._binary(o, "fsub", "sub")

    def __rsub__(self, o):
        return self._wrap(o) - self

    def __mul__(self, o):
        return self._binary(o, "fmul", "mul")

    def __rmul__(self, o):
        return self._wrap(o) * self

    def __truediv__(self, o):
        return self._binary(o, "fdiv", "sdiv")

    def __rtruediv__(self, o):
        return self._wrap(o) / self

    def __neg__(self):
        return V(self.b, self.b.fneg(self.v))

    # -- integers and booleans (i1)
    def __and__(self, o):
        return V(self.b, self.b.and_(self.v, self._wrap(o).v))

    def __or__(self, o):
        return V(self.b, self.b.or_(self.v, self._wrap(o).v))

    def __invert__(self):
        return V(self.b, self.b.not_(self.v))

    def __lshift__(self, n: int):
        return V(self.b, self.b.shl(self.v, ir.Constant(I64, n)))

    def __rshift__(self, n: int):
        return V(self.b, self.b.ashr(self.v, ir.Constant(I64, n)))

    # -- comparisons: ordered, but != unordered (true for NaN), as Python floats
    def _compare(self, o, op: str) -> V:
        o = self._wrap(o)
        if self.is_float:
            cmp = self.b.fcmp_unordered if op == "!=" else self.b.fcmp_ordered
            return V(self.b, cmp(op, self.v, o.v))
        return V(self.b, self.b.icmp_signed(op, self.v, o.v))

    def __lt__(self, o):
        return self._compare(o, "<")

    def __le__(self, o):
        return self._compare(o, "<=")

    def __gt__(self, o):
        return self._compare(o, ">")

    def __ge__(self, o):
        return self._compare(o, ">=")

    def __eq__(self, o):  # type: ignore[override]
        return self._compare(o, "==")

    def __ne__(self, o):  # type: ignore[override]
        return self._compare(o, "!=")

    __hash__ = None  # type: ignore[assignment]


def _intrinsic(x: V, name: str) -> V:
    fn = x.b.module.declare_intrinsic(f"llvm.{name}", [F64])
    return V(x.b, x.b.call(fn, [x.v]))


def floor(x: V) -> V:
    return _intrinsic(x, "floor")


def trunc(x: V) -> V:
    return _intrinsic(x, "trunc")


def fabs(x: V) -> V:
    return _intrinsic(x, "fabs")


def select(cond: V, yes, no) -> V:
    yes, no = cond._wrap(yes), cond._wrap(no)
    return V(cond.b, cond.b.select(cond.v, yes.v, no.v))


def to_bits(x: V) -> V:
    return V(x.b, x.b.bitcast(x.v, I64))


def from_bits(bits: V) -> V:
    return V(bits.b, bits.b.bitcast(bits.v, F64))


def pow2(k: V) -> V:
    """2^k for an integer-valued double k in [-1022, 1023], from its bit pattern."""
    return from_bits((to_bits(k + (1023.0 + TWO52)) & MANTISSA) << 52)


def estrin(x: V, coefficients: list[float]) -> V:
    """sum c_i x^i by Estrin's scheme: pairs c_2k + c_2k+1 x, combined with x^2, x^4,
    x^8 (a dependency chain of about log2(n) steps instead of Horner's n)."""
    terms = [x._wrap(c) for c in coefficients]
    power = x
    while len(terms) > 1:
        pairs = [terms[i] + terms[i + 1] * power for i in range(0, len(terms) - 1, 2)]
        if len(terms) % 2:
            pairs.append(terms[-1])
        terms, power = pairs, power * power
    return terms[0]


def exp(x: V, low: V | None = None) -> V:
    """e^(x + low): Cody-Waite reduction x = k ln2 + r (|r| <= ln2/2), Taylor
    polynomial of degree 13 in r (truncation error below 3e-16; its tail by Estrin), then the scaling by 2^k
    as two exact powers of two (both normal numbers) built from their bit patterns.
    ``low`` is a finite correction much smaller than ulp(x) (the low part of a
    double-double argument), added to r."""
    k = floor(x * INV_LN2 + 0.5)
    r = (x - k * LN2_HI) - k * LN2_LO
    if low is not None:
        r = r + low
    # 1 + r + r^2/2 + r^3 (1/3! + r/4! + ... + r^10/13!): the tail, scaled by
    # |r^3| <= 0.042, by Estrin's scheme (short dependency chains for a single run)
    tail = estrin(r, [1.0 / math.factorial(n) for n in range(3, 14)])
    p = ((tail * r + 0.5) * r + 1.0) * r + 1.0
    # k clamped (NaN too: it takes the last branch), split in halves k1 + k2
    kc = select((k >= -1100.0) & (k <= 1100.0), k, select(k > 1100.0, 1100.0, -1100.0))
    k1 = floor(kc * 0.5)
    scaled = p * pow2(k1) * pow2(kc - k1)
    return select(x != x, x, select(x > EXP_MAX, float("inf"),
                                    select(x < EXP_MIN, 0.0, scaled)))


def ln_parts(x: V) -> tuple[V, V]:
    """ln x = high + low for a positive finite x: x = 2^e m with m in [sqrt(1/2),
    sqrt(2)), high = e ln2_hi (exact), low = e ln2_lo + ln m; ln m = 2 atanh(s),
    s = (m - 1)/(m + 1), by its series in s^2 to the term s^23 (|s| <= 0.172:
    truncation error below 1e-17; by Estrin); subnormal x scaled by 2^54 first."""
    tiny = x < MIN_NORMAL
    y = select(tiny, x * 18014398509481984.0, x)  # 2^54
    bits = to_bits(y)
    # the biased exponent as a double, without an int64 -> double conversion
    e = from_bits(((bits >> 52) & 0x7FF) | 0x4330000000000000) - (TWO52 + 1023.0)
    e = e - select(tiny, 54.0, 0.0)
    m = from_bits((bits & MANTISSA) | 0x3FF0000000000000)  # in [1, 2)
    big = m > 1.4142135623730951
    m = select(big, m * 0.5, m)
    e = e + select(big, 1.0, 0.0)
    f = m - 1.0  # exact
    s = f / (2.0 + f)
    z = s * s
    p = estrin(z, [1.0 / odd for odd in range(3, 25, 2)])  # 1/3 + z/5 + ... + z^10/23
    ln_m = 2.0 * s + 2.0 * s * z * p
    return e * LN2_HI, e * LN2_LO + ln_m


def ln_specials(x: V, value: V) -> V:
    """``value`` (ln x of a positive finite x), with ln 0 = -inf, ln of a negative
    number NaN, ln inf = inf and NaN staying NaN."""
    inf = float("inf")
    return select(x > 0.0, select(x == inf, x, value), select(x == 0.0, -inf, float("nan")))


def ln(x: V) -> V:
    """ln x (``ln_parts``, ``ln_specials``)."""
    high, low = ln_parts(x)
    return ln_specials(x, high + low)


def split(a: V) -> tuple[V, V]:
    """a = high + low, each with at most 26 significant bits (Veltkamp), so that
    products of halves are exact."""
    c = a * 134217729.0  # 2^27 + 1
    high = c - (c - a)
    return high, a - high


def product_error(a: V, b: V, product: V) -> V:
    """a * b - fl(a * b), exactly (Dekker's two-product, without FMA); 0 where it is
    not finite (overflow, infinite or NaN factors)."""
    a_hi, a_lo = split(a)
    b_hi, b_lo = split(b)
    error = ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return select(fabs(error) < float("inf"), error, 0.0)


def power(x: V, y: V) -> V:
    """x^y as exp(y ln|x|), with y ln|x| carried in two parts (ln x = e ln2_hi +
    (e ln2_lo + ln m) to below 1 ulp of ln2_hi, and the product's rounding error,
    Dekker), so that the error stays a few ulp for large |y ln x| too; C99's special
    cases: x^0 = 1 and 1^y = 1 (NaN too), a negative finite base with a non-integer
    exponent NaN, the sign of an odd integer power of a negative number (-0 and -inf
    too), (-1)^±inf = 1."""
    inf = float("inf")
    ax = fabs(x)
    high, low = ln_parts(ax)
    ln_ax = ln_specials(ax, high + low)
    z = y * ln_ax
    # y (high + low) - z: the product's rounding error plus y times what the sum dropped
    dropped = (high - ln_ax) + low
    z_low = product_error(y, ln_ax, z) + y * select(fabs(dropped) < inf, dropped, 0.0)
    r = exp(z, select(fabs(z_low) < inf, z_low, 0.0))
    integer = y == trunc(y)
    half = y * 0.5
    odd = integer & (half != trunc(half))
    r = select(odd & (to_bits(x) < 0), -r, r)
    r = select((x < 0.0) & (ax != inf) & ~integer, float("nan"), r)
    r = select((x == -1.0) & (fabs(y) == inf), 1.0, r)
    return select((y == 0.0) | (x == 1.0), 1.0, r)
