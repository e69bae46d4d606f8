"""The turning-point engine: every definition of :mod:`.definitions` for N runs at once.

One vectorized core serves one run (N = 1, e.g. the app or a history series) and
10^5 runs (sensitivity, ensembles) alike. Inputs are arrays (N, T) on one time grid;
NaN marks a missing value (a gap in history), which is skipped exactly as if the
point were absent: derivatives use the nearest valid neighbours (the uneven-grid
formula of :func:`numpy.gradient`), maxima and threshold rules ignore it.

Results (:class:`TurningPointArrays`) hold per window and key the year, the value of
the defining quantity, a status code (:data:`.definitions.STATUS_CODES`) and a bound
year, plus the kink flags and the sequence diagnostic. :func:`censor` is the one rule
that turns a not-identified point into a comparable year (a bound, flagged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .definitions import CODE, KEYS, SEQUENCE, STATUS_CODES, WINDOWS, TPOptions
from .kinks import abrupt_changes, near_times
from .smoothing import SeriesTooShort

__all__ = ["KeyArrays", "TurningPointArrays", "detect", "censor", "ddt", "MIN_POINTS"]

#: A maximum needs both neighbours: at least three valid points.
MIN_POINTS = 3


@dataclass(frozen=True, eq=False)
class KeyArrays:
    """One key in one window for N runs.

    Attributes:
        year: (N,) year where reached (a time of the grid), NaN elsewhere.
        value: (N,) defining quantity at ``year`` (unit in :data:`.definitions.UNITS`).
        status: (N,) int8 codes into :data:`.definitions.STATUS_CODES`.
        bound: (N,) window start for ``before_start``, horizon end for ``not_yet`` and
            ``not_sustained``, NaN otherwise.
        index: (N,) column of ``year`` in the grid, −1 where not reached.
    """

    year: np.ndarray
    value: np.ndarray
    status: np.ndarray
    bound: np.ndarray
    index: np.ndarray

    @classmethod
    def filled(cls, n: int, status: str) -> "KeyArrays":
        return cls(np.full(n, np.nan), np.full(n, np.nan), np.full(n, CODE[status], np.int8),
                   np.full(n, np.nan), np.full(n, -1, np.intp))


def censor(arrays: KeyArrays, step: float) -> tuple[np.ndarray, np.ndarray]:
    """The one censoring rule: (years, direction) of N runs.

    * reached: the year, direction 0;
    * ``before_start`` (at or before the window start ``b``): ``b − step``, direction −1
      (the true year is <= b);
    * ``not_yet`` / ``not_sustained`` (after the horizon end ``b``): ``b + step``,
      direction +1 (the true year is > b);
    * ``no_peak`` / ``too_short`` / ``no_input``: NaN, direction 0.
    """
    s = arrays.status
    before = s == CODE["before_start"]
    after = (s == CODE["not_yet"]) | (s == CODE["not_sustained"])
    years = np.where(s == CODE["reached"], arrays.year, np.nan)
    years = np.where(before, arrays.bound - step, years)
    years = np.where(after, arrays.bound + step, years)
    direction = np.where(before, -1, np.where(after, 1, 0)).astype(np.int8)
    return years, direction


@dataclass(frozen=True, eq=False)
class TurningPointArrays:
    """Turning points of N runs, per window (``proj``, ``hist``) and key.

    Attributes:
        keys: keys computed, in :data:`.definitions.KEYS` order.
        times: the horizon's time grid, years (T,).
        window_starts: window -> first year of the window.
        results: window -> key -> :class:`KeyArrays`.
        step: time step used by :func:`censor` (median step of the grid), years.
        drivers: names of the input series checked for abrupt changes.
        kinks: window -> key -> (N, D) bool: the point lies within the kink tolerance
            of an abrupt change of driver d (empty when no drivers were given).
        abrupt: driver -> (N, T) bool abrupt-change flags (only when kept).
        series: derived series (N, T) kept for narration (``keep_series=True``).
        options: the options used.
    """

    keys: tuple[str, ...]
    times: np.ndarray
    window_starts: Mapping[str, float]
    results: Mapping[str, Mapping[str, KeyArrays]]
    step: float
    drivers: tuple[str, ...] = ()
    kinks: Mapping[str, Mapping[str, np.ndarray]] = field(default_factory=dict)
    abrupt: Mapping[str, np.ndarray] = field(default_factory=dict)
    series: Mapping[str, np.ndarray] = field(default_factory=dict)
    options: TPOptions = field(default_factory=TPOptions)

    @property
    def n_runs(self) -> int:
        """Number of runs N."""
        first = next(iter(self.results["hist"].values()))
        return int(first.status.shape[0])

    def get(self, key: str, window: str = "proj") -> KeyArrays:
        """Arrays of ``key`` in ``window`` (KeyError naming the known ones)."""
        try:
            return self.results[window][key]
        except KeyError:
            raise KeyError(f"turning point {key!r} in window {window!r} not computed; "
                           f"keys: {', '.join(self.keys)}; windows: {', '.join(self.results)}") from None

    def censored(self, key: str, window: str = "proj") -> tuple[np.ndarray, np.ndarray]:
        """:func:`censor` of ``key`` in ``window``: (years, direction)."""
        return censor(self.get(key, window), self.step)

    def status_names(self, key: str, window: str = "proj") -> np.ndarray:
        """Status strings (object array (N,))."""
        return np.asarray(STATUS_CODES, dtype=object)[self.get(key, window).status]

    def reached(self, key: str, window: str = "proj") -> np.ndarray:
        """Boolean (N,): identified within the window."""
        return self.get(key, window).status == CODE["reached"]

    def counts(self, window: str = "proj") -> pd.DataFrame:
        """Runs per key (rows) and status (columns)."""
        rows = {k: np.bincount(self.get(k, window).status.astype(np.intp), minlength=len(STATUS_CODES))
                for k in self.keys}
        frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(STATUS_CODES))
        frame.index.name = "key"
        return frame

    def kink(self, key: str, window: str = "proj") -> np.ndarray:
        """Boolean (N,): the point coincides with an abrupt change of some driver."""
        k = self.kinks.get(window, {}).get(key)
        return np.zeros(self.n_runs, bool) if k is None else k.any(axis=1)

    def sequence(self, window: str = "proj") -> pd.DataFrame:
        """Sequence diagnostic (TP1 ≤ TP2 ≤ TP3 ≤ TP4 ≤ TP5, the seed's stage order).

        Returns (N runs × pairs 'tp1<=tp2', ...) int8: 1 in order, −1 out of order, 0
        undetermined (a point not identified, or bounds that allow either order).
        A not-identified point is an interval: ``before_start`` (−inf, b],
        ``not_yet``/``not_sustained`` [b + step, +inf).
        """
        keys = [k for k in SEQUENCE if k in self.keys]
        out = {}
        for a, b in zip(keys, keys[1:]):
            lo_a, hi_a = self._interval(a, window)
            lo_b, hi_b = self._interval(b, window)
            with np.errstate(invalid="ignore"):
                ordered = hi_a <= lo_b
                reversed_ = lo_a > hi_b
            out[f"{a}<={b}"] = np.where(ordered, 1, np.where(reversed_, -1, 0)).astype(np.int8)
        return pd.DataFrame(out)

    def _interval(self, key: str, window: str) -> tuple[np.ndarray, np.ndarray]:
        years, direction = self.censored(key, window)
        b = self.get(key, window).bound
        lo = np.where(direction == -1, -np.inf, years)
        hi = np.where(direction == 1, np.inf, np.where(direction == -1, b, years))
        return lo, hi


# --------------------------------------------------------------------------------------
# Input preparation and NaN-aware derivatives
# --------------------------------------------------------------------------------------


def _as_runs(name: str, values, T: int) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != T:
        raise ValueError(f"{name}: expected an array of shape (N, {T}) (runs × times), got {np.shape(values)}")
    return arr


def _neighbours(ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the previous and next valid column of every column (−1 / T if none)."""
    n, T = ok.shape
    cols = np.arange(T)
    prev_incl = np.maximum.accumulate(np.where(ok, cols, -1), axis=1)
    nxt_incl = np.minimum.accumulate(np.where(ok, cols, T)[:, ::-1], axis=1)[:, ::-1]
    prev = np.concatenate([np.full((n, 1), -1), prev_incl[:, :-1]], axis=1)
    nxt = np.concatenate([nxt_incl[:, 1:], np.full((n, 1), T)], axis=1)
    return prev, nxt


def ddt(t: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Per-year derivative of every row of ``Y`` (N, T), skipping NaN points.

    Equal to :func:`numpy.gradient` applied to each row with its missing points
    removed (second-order central differences inside, one-sided at the ends).
    """
    ok = np.isfinite(Y)
    if ok.all():
        return np.gradient(Y, t, axis=1) if Y.shape[1] > 1 else np.full(Y.shape, np.nan)
    prev, nxt = _neighbours(ok)
    T = Y.shape[1]
    has_p, has_n = prev >= 0, nxt < T
    p, q = np.clip(prev, 0, T - 1), np.clip(nxt, 0, T - 1)
    yp, yn = np.take_along_axis(Y, p, axis=1), np.take_along_axis(Y, q, axis=1)
    hl, hr = t[None, :] - t[p], t[q] - t[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        central = (hl**2 * yn - hr**2 * yp + (hr**2 - hl**2) * Y) / (hl * hr * (hl + hr))
        fwd = (yn - Y) / hr
        bwd = (Y - yp) / hl
    out = np.where(has_p & has_n, central, np.where(has_n, fwd, np.where(has_p, bwd, np.nan)))
    return np.where(ok, out, np.nan)


def _smooth(options: TPOptions, t: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return Y if options.smoothing is None else options.smoothing.apply(t, Y)


# --------------------------------------------------------------------------------------
# The two rules, for every row, within a window (columns >= w0)
# --------------------------------------------------------------------------------------


def _global_max(t: np.ndarray, Y: np.ndarray, w0: int, positive: bool = False) -> KeyArrays:
    """The global-maximum rule within the window; ``positive``: only points where the
    quantity is > 0 compete (the peak of a *growth*); none in the window means the
    peak lies before it (``before_start``)."""
    n, T = Y.shape
    out = KeyArrays.filled(n, "too_short")
    Yw = Y[:, w0:]
    tw = t[w0:]
    if Yw.shape[1] == 0:
        return out
    ok = np.isfinite(Yw)
    with np.errstate(invalid="ignore"):
        cand = ok & (Yw > 0) if positive else ok
    short = ok.sum(axis=1) < MIN_POINTS
    high = np.where(cand, Yw, -np.inf)
    i = np.argmax(high, axis=1)
    ymax = high[np.arange(n), i]
    ymin = np.where(cand, Yw, np.inf).min(axis=1)
    first = np.argmax(ok, axis=1)
    last = Yw.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1)
    none = ~short & ~cand.any(axis=1)
    with np.errstate(invalid="ignore"):
        const = ~short & ~none & (ymax - ymin <= 1e-12 * np.maximum(1.0, np.abs(ymax)))
        if positive:  # constant positive growth over several points, or a constant quantity: no peak
            const &= cand.sum(axis=1) > 1
            vmax, vmin = np.where(ok, Yw, -np.inf).max(axis=1), np.where(ok, Yw, np.inf).min(axis=1)
            flat = none & (vmax - vmin <= 1e-12 * np.maximum(1.0, np.abs(vmax))) & (np.abs(vmax) <= 1e-12)
            const |= flat
            none &= ~flat
    before = ~short & ~const & (none | (i == first))
    not_yet = ~short & ~const & ~before & (i == last)
    reached = ~short & ~const & ~before & ~not_yet
    out.status[const] = CODE["no_peak"]
    out.status[before] = CODE["before_start"]
    out.status[not_yet] = CODE["not_yet"]
    out.status[reached] = CODE["reached"]
    out.bound[before] = tw[first[before]]
    out.bound[not_yet] = tw[last[not_yet]]
    out.year[reached] = tw[i[reached]]
    out.value[reached] = ymax[reached]
    out.index[reached] = i[reached] + w0
    return out


def _sustained(t: np.ndarray, cond: np.ndarray, values: np.ndarray, ok: np.ndarray, w0: int) -> KeyArrays:
    """First valid time from which ``cond`` holds at every later valid time."""
    n, T = cond.shape
    out = KeyArrays.filled(n, "too_short")
    c, v, okw, tw = cond[:, w0:], values[:, w0:], ok[:, w0:], t[w0:]
    m = c.shape[1]
    if m == 0:
        return out
    rows = np.arange(n)
    short = okw.sum(axis=1) < 2
    first = np.argmax(okw, axis=1)
    last = m - 1 - np.argmax(okw[:, ::-1], axis=1)
    good, bad = okw & c, okw & ~c
    end_ok = good[rows, last]
    fails_end = ~short & ~end_ok
    not_sust = fails_end & good.any(axis=1)
    out.status[fails_end & ~not_sust] = CODE["not_yet"]
    out.status[not_sust] = CODE["not_sustained"]
    out.bound[fails_end] = tw[last[fails_end]]
    holds = ~short & end_ok
    any_bad = bad.any(axis=1)
    before = holds & ~any_bad
    out.status[before] = CODE["before_start"]
    out.bound[before] = tw[first[before]]
    reached = holds & any_bad
    if reached.any():
        last_bad = m - 1 - np.argmax(bad[:, ::-1], axis=1)
        idx = np.where(okw, np.arange(m), m)
        next_valid = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1]
        r = rows[reached]
        i = next_valid[r, last_bad[r] + 1]
        out.status[reached] = CODE["reached"]
        out.year[reached] = tw[i]
        out.value[reached] = v[r, i]
        out.index[reached] = i + w0
    return out


# --------------------------------------------------------------------------------------
# Defining quantities per key
# --------------------------------------------------------------------------------------


#: The series each turning point is read from (its kink flag needs an abrupt change of
#: that series near the point as well as of an input).
KEY_SOURCES: dict[str, tuple[str, ...]] = {
    "tp1": ("emissions",), "tp2": ("emissions",), "tp2_intensity": ("emissions", "gdp"),
    "tp3": ("emissions",), "tp4": ("sink",), "tp4_sink_peak": ("sink",),
    "tp5": ("growth_emissions",), "neutrality": ("emissions", "sink"),
}
_SOURCE_ROLES = frozenset(r for roles in KEY_SOURCES.values() for r in roles)

def _quantities(t: np.ndarray, X: Mapping[str, np.ndarray], keys: Sequence[str], options: TPOptions,
                n: int) -> tuple[dict[str, tuple], dict[str, np.ndarray]]:
    """key -> ('max', Y) | ('growth', Y: maximum among Y > 0) | ('sustained', cond, values, ok) |
    ('status', name); and diagnostics."""
    E = X["emissions"]
    q: dict[str, tuple] = {}
    diag: dict[str, np.ndarray] = {}

    def smoothed(Y: np.ndarray) -> np.ndarray | None:
        try:
            return _smooth(options, t, Y)
        except SeriesTooShort:
            return None

    if {"tp1", "tp2"} & set(keys):
        Es = smoothed(E)
        if Es is None:
            q["tp1"] = q["tp2"] = ("status", "too_short")
        else:
            inc = ddt(t, Es)
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = np.where(Es > 0, inc / Es, np.nan)
            q["tp1"], q["tp2"] = ("growth", rate), ("growth", inc)
            diag["growth_rate"], diag["increment"] = rate, inc
    if "tp3" in keys:
        q["tp3"] = ("max", E)
    if "tp2_intensity" in keys:
        Y = X.get("gdp")
        if Y is None:
            q["tp2_intensity"] = ("status", "no_input")
        else:
            Es, Ys = smoothed(E), smoothed(Y)
            if Es is None or Ys is None:
                q["tp2_intensity"] = ("status", "too_short")
            else:
                dE, dY = ddt(t, Es), ddt(t, Ys)
                with np.errstate(divide="ignore", invalid="ignore"):
                    avg = np.where(Ys > 0, Es / Ys, np.nan)
                    marg = np.where(dY > 0, dE / dY, np.nan)
                    peak = np.nanmax(np.where(np.isfinite(avg), avg, np.nan), axis=1, initial=-np.inf)
                    gap = np.abs(marg - avg) / np.where(peak > 0, peak, np.nan)[:, None]
                ok = np.isfinite(gap)
                with np.errstate(invalid="ignore"):
                    q["tp2_intensity"] = ("sustained", gap <= options.intensity_tol, gap, ok)
                diag.update(avg_intensity=avg, marginal_intensity=marg, intensity_gap=gap)
    S = X.get("sink")
    if {"tp4", "tp4_sink_peak"} & set(keys):
        if S is None:
            q["tp4"] = q["tp4_sink_peak"] = ("status", "no_input")
        else:
            Ss = smoothed(S)
            q["tp4"] = ("status", "too_short") if Ss is None else ("growth", ddt(t, Ss))
            q["tp4_sink_peak"] = ("max", S)
            if Ss is not None:
                diag["sink_growth"] = q["tp4"][1]
    if "tp5" in keys:
        G = X.get("growth_emissions")
        if G is None:
            q["tp5"] = ("status", "no_input")
        else:
            ok = np.isfinite(G)
            if options.tp5_growth_threshold is not None:
                thr = np.full(n, options.tp5_growth_threshold)
            else:
                gmax = np.where(ok, G, -np.inf).max(axis=1)
                thr = options.tp5_growth_share * np.maximum(gmax, 0.0)
            with np.errstate(invalid="ignore"):
                q["tp5"] = ("sustained", G <= thr[:, None], G, ok)
            diag["tp5_threshold"] = thr
    if "neutrality" in keys:
        if S is None:
            q["neutrality"] = ("status", "no_input")
        else:
            net = E - S
            ok = np.isfinite(net)
            if options.neutrality_tol is not None:
                tol = np.full(n, options.neutrality_tol)
            else:
                emax = np.where(np.isfinite(E), E, -np.inf).max(axis=1)
                tol = options.neutrality_tol_share * np.maximum(emax, 0.0)
            with np.errstate(invalid="ignore"):
                q["neutrality"] = ("sustained", net <= tol[:, None], net, ok)
            diag["net_emissions"], diag["neutrality_tolerance"] = net, tol
    return q, diag


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def detect(
    times,
    inputs: Mapping[str, np.ndarray | None],
    options: TPOptions | Mapping | None = None,
    keys: Sequence[str] | None = None,
    drivers: Mapping[str, np.ndarray] | None = None,
    *,
    keep_series: bool = False,
) -> TurningPointArrays:
    """Turning points of N runs in both windows.

    Args:
        times: time grid in years (T,), shared by all runs (any order, unique).
        inputs: role -> array (N, T) or (T,) in the units of :mod:`.inputs`;
            ``emissions`` is required; roles left out (or None) give ``no_input``.
        options: :class:`TPOptions` or a mapping of its fields.
        keys: keys to compute (default all of :data:`.definitions.KEYS`).
        drivers: name -> (N, T) input series checked for abrupt changes (kink flags).
        keep_series: keep derived series (growth rate, increments, ...) for narration.

    Returns:
        :class:`TurningPointArrays`.
    """
    options = TPOptions.of(options)
    wanted = tuple(KEYS) if keys is None else tuple(dict.fromkeys(keys))
    unknown = [k for k in wanted if k not in KEYS]
    if unknown:
        raise KeyError(f"unknown turning point(s) {unknown}; known: {', '.join(KEYS)}")
    wanted = tuple(k for k in KEYS if k in wanted)
    t_all = np.asarray(times, dtype=float)
    if t_all.ndim != 1:
        raise ValueError(f"times must be one-dimensional, got shape {t_all.shape}")
    if inputs.get("emissions") is None:
        raise ValueError("emissions are required")
    X_all = {role: _as_runs(role, arr, t_all.shape[0]) for role, arr in inputs.items() if arr is not None}
    D_all = {name: _as_runs(f"driver '{name}'", arr, t_all.shape[0]) for name, arr in (drivers or {}).items()}
    n = X_all["emissions"].shape[0]
    for role, arr in [*X_all.items(), *D_all.items()]:
        if arr.shape[0] != n:
            raise ValueError(f"{role}: {arr.shape[0]} runs, but emissions have {n}")

    cols = np.isfinite(t_all)
    if options.start is not None:
        cols &= t_all >= options.start - 1e-9
    if options.end is not None:
        cols &= t_all <= options.end + 1e-9
    sel = np.flatnonzero(cols)
    sel = sel[np.argsort(t_all[sel], kind="stable")]
    t = t_all[sel]
    if len(t) > 1 and np.any(np.diff(t) <= 0):
        dup = t[1:][np.diff(t) <= 0][0]
        raise ValueError(f"duplicate time {dup:g} in the time grid")
    X = {role: arr[:, sel] for role, arr in X_all.items()}
    D = {name: arr[:, sel] for name, arr in D_all.items()}
    step = float(np.median(np.diff(t))) if len(t) > 1 else 1.0

    q, diag = _quantities(t, X, wanted, options, n)
    proj_start = options.projection_start()
    starts = {"proj": max(proj_start, float(t[0])) if len(t) else proj_start,
              "hist": float(t[0]) if len(t) else np.nan}
    results: dict[str, dict[str, KeyArrays]] = {}
    for window in WINDOWS:
        w0 = int(np.searchsorted(t, starts[window] - 1e-9)) if len(t) else 0
        res: dict[str, KeyArrays] = {}
        for key in wanted:
            spec = q[key]
            if spec[0] == "status":
                res[key] = KeyArrays.filled(n, spec[1])
            elif spec[0] in ("max", "growth"):
                res[key] = _global_max(t, spec[1], w0, positive=spec[0] == "growth")
            else:
                res[key] = _sustained(t, spec[1], spec[2], spec[3], w0)
        results[window] = MappingProxyType(res)

    kinks: dict[str, dict[str, np.ndarray]] = {}
    abrupt: dict[str, np.ndarray] = {}
    if D:
        near = {}
        for name, arr in D.items():
            flags = abrupt_changes(t, arr, ratio=options.kink_ratio)
            abrupt[name] = flags
            near[name] = near_times(t, flags, options.kink_tolerance)
        # An input's abrupt change can only have made a turning point if it reaches the
        # point's own series: that series must change abruptly near the same time too.
        source_near = {role: near_times(t, abrupt_changes(t, arr, ratio=options.kink_ratio),
                                        options.kink_tolerance)
                       for role, arr in X.items() if role in _SOURCE_ROLES}
        for window in WINDOWS:
            kinks[window] = {}
            for key in wanted:
                r = results[window][key]
                idx = np.clip(r.index, 0, max(len(t) - 1, 0))
                rows = np.arange(n)
                reached = np.ones(n, bool)
                roles = [role for role in KEY_SOURCES.get(key, ()) if role in source_near]
                if roles:
                    reached = np.any([source_near[role][rows, idx] for role in roles], axis=0)
                hit = np.zeros((n, len(D)), bool)
                for j, name in enumerate(D):
                    hit[:, j] = (r.index >= 0) & near[name][rows, idx] & reached
                kinks[window][key] = hit
    if keep_series:
        series = {role: arr for role, arr in X.items()} | diag
    else:
        series = {}
    return TurningPointArrays(
        keys=wanted, times=t, window_starts=MappingProxyType(starts),
        results=MappingProxyType(results), step=step, drivers=tuple(D),
        kinks=MappingProxyType(kinks), abrupt=MappingProxyType(abrupt if keep_series else {}),
        series=MappingProxyType(series), options=options,
    )

