"""Numeric bounds of the estimated constants of one region (参数估计区间).

The configured bounds, intersected with the model's range; anchored initial values around
the region's own observations at the start of the runs (or its earliest one, or the model
range when it has none); and the land shares kept a valid partition for every point inside
the bounds.
"""

from __future__ import annotations

import math

import numpy as np

from calibration.config import CalibrationConfig, ConfigError, ParameterSpec
from calibration.observations import EARLIEST_ANCHOR_FACTORS, anchor_value, observed_years


def resolve_bounds(
    cfg: CalibrationConfig, fit_df, model
) -> tuple[list[ParameterSpec], np.ndarray, np.ndarray, np.ndarray, dict[str, str]]:
    """Numeric bounds (and start values) of the estimated parameters for this region.

    Anchored bounds are computed from the observations at the start of the runs
    (:meth:`CalibrationConfig.start_time`) in the *fitting* data (``fit_df``).
    """
    t0 = cfg.start_time(model)
    lo, hi, start = [], [], []
    notes: dict[str, str] = {}
    unobserved: set[str] = set()  # anchored, but the region has no observation of the series
    fixed = cfg.fixed_values()
    for p in cfg.parameters:
        const = model.constants[p.name]
        a, b = const.minimum, const.maximum
        guess = const.default
        if p.bounds is not None:
            a, b = max(a, p.bounds[0]), min(b, p.bounds[1])
        if p.anchor is not None:
            an = p.anchor
            v, what = anchor_value(fit_df, an, t0, fixed, model)
            factor = an.factor
            if v is None and p.bounds is not None:
                notes[p.name] = f"anchor {what} not available; configured bounds used"
            elif v is None:
                # a region whose data start later: bounds around its earliest observation
                what_later = ""
                for later in (y for y in observed_years(fit_df, an.series) if y > t0):
                    v, what_later = anchor_value(fit_df, an, later, fixed, model)
                    if v is not None:
                        break
                if v is None:
                    # the series is not in the region's data: the other series identify it
                    unobserved.add(p.name)
                    notes[p.name] = (f"anchor {what}: no observation in the region's data; estimated "
                                     f"within the model range {const.range_text()}")
                else:
                    what, factor = f"{what_later} (no observation at {t0})", EARLIEST_ANCHOR_FACTORS
            if v is not None:
                a2, b2 = factor[0] * v, factor[1] * v
                notes[p.name] = f"bounds = [{factor[0]:g}, {factor[1]:g}] x {what} = {v:.6g}"
                a, b = max(a, a2), min(b, b2)
                guess = v
        if p.integer:
            a, b = math.ceil(a - 1e-9), math.floor(b + 1e-9)
        if not a < b:
            raise ConfigError(
                f"{cfg.path}: {p.key}: the bounds for region {cfg.region} are empty or a single "
                f"point ([{a:g}, {b:g}]) after intersecting with the model range "
                f"{const.range_text()}" + (f" and {notes[p.name]}" if p.name in notes else ""))
        lo.append(a)
        hi.append(b)
        g = min(max(guess, a), b)
        start.append(round(g) if p.integer else g)
    lo_a, hi_a = np.array(lo, float), np.array(hi, float)
    # the land partition must stay valid for every point inside the bounds
    from calibration.config import LAND_SHARES

    total = 0.0
    for share in LAND_SHARES:
        if share in [p.name for p in cfg.parameters]:
            total += hi_a[[p.name for p in cfg.parameters].index(share)]
        else:
            total += fixed.get(share, model.constants[share].default)
    if total > 1 + 1e-12:
        # The upper bounds give way so that any point inside the bounds is a valid land
        # partition (said in the bound notes): first the shares bounded only by configured
        # bounds or by the model range (not anchored on the region's data), then, if they
        # cannot go low enough, the anchored ones; each group shrinks in proportion to the
        # widths of its bounds.
        names = [p.name for p in cfg.parameters]
        shares = [names.index(n) for n in LAND_SHARES if n in names]
        free = [j for j in shares if cfg.parameters[j].anchor is None or names[j] in unobserved]
        anchored = [j for j in shares if j not in free]
        excess = total - (1 - 1e-6)
        keep = 0.01  # every share keeps this fraction of the width of its bounds
        room = (1 - keep) * sum(hi_a[j] - lo_a[j] for j in shares)
        if room <= excess:
            uppers = ", ".join(f"{n} <= {hi_a[names.index(n)]:.4g}" if n in names
                               else f"{n} = {fixed.get(n, model.constants[n].default):.4g}"
                               for n in LAND_SHARES)
            raise ConfigError(
                f"{cfg.path}: parameters: for region {cfg.region} the lower bounds of the initial "
                f"land shares leave no room for a partition of the land ({uppers}; upper bounds "
                f"add up to {total:.4f}); lower the share bounds or anchors")
        for group in (free, anchored):
            width = sum(hi_a[j] - lo_a[j] for j in group)
            if excess <= 0 or width <= 0:
                continue
            take = min(excess, (1 - keep) * width)
            for j in group:
                cut = take * (hi_a[j] - lo_a[j]) / width
                if cut <= 0:
                    continue
                hi_a[j] -= cut
                notes[names[j]] = (notes.get(names[j], "") + "; " if names[j] in notes else "") + (
                    f"upper bound lowered by {cut:.4g} so that the initial land shares of "
                    f"{cfg.region} add up to at most 1")
                start[j] = min(start[j], hi_a[j])
            excess -= take
    return cfg.parameters, lo_a, hi_a, np.array(start, float), notes


__all__ = ["resolve_bounds"]
