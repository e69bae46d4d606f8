"""The region of a starting scenario: its calibrated baseline, size and lever display.

A starting scenario describes a region (the nation, an archetype, a region calibrated
in the app) and possibly policies on top of it. The *region's baseline* is the deepest
scenario of its ``base`` chain that still describes the same region, i.e. whose
region-specific constants (``region_specific`` of ``calibration/national.yaml``: land
area, initial shares, local rules) equal the starting scenario's. It is always drawn as
the reference line and the deltas are computed against it (En-ROADS' "Baseline vs
Current Scenario"); the starting scenario is drawn as a second reference when it differs.

Levers whose model unit is an absolute quantity are shown relative to the region
(:class:`LeverScale`): areas as percent of the region's land area, emission
quantities (CCS capacity) as percent of the region's gross emissions in the reference
year; the model still receives absolute values.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable, Mapping

from webapp.levers import AREA_CONSTANT, REFERENCE_EMISSIONS, REFERENCE_YEAR, LeverSpec


@functools.lru_cache(maxsize=1)
def region_constants() -> tuple[str, ...]:
    """Constants that define a region (``region_specific`` of the national calibration)."""
    from calibration.config import read_yaml
    from webapp.scenario_io import REPO_ROOT

    raw = read_yaml(REPO_ROOT / "calibration" / "national.yaml")
    return tuple(str(n) for n in raw.get("region_specific") or ())


def same_region(a: Mapping[str, float], b: Mapping[str, float], model) -> bool:
    """True when the region-specific constants of two override sets are equal."""
    for name in region_constants():
        if name not in model.constants:
            continue
        d = model.constants[name].default
        if not math.isclose(float(a.get(name, d)), float(b.get(name, d)), rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True


def reference_id(start: str, base_of: Callable[[str], str | None], values_of: Callable[[str], Mapping[str, float]],
                 model) -> str:
    """Id of the region's baseline for the starting scenario ``start`` (see module docstring)."""
    own = values_of(start)
    ref, seen = start, {start}
    nxt = base_of(start)
    while nxt is not None and nxt not in seen:
        seen.add(nxt)
        try:
            vals = values_of(nxt)
        except ValueError:
            break
        if not same_region(own, vals, model):
            break
        ref = nxt
        nxt = base_of(nxt)
    return ref


@dataclass(frozen=True)
class RegionSize:
    """Quantities absolute levers are shown relative to."""

    area: float  # total land area, 10^4 ha
    emissions: float  # gross emissions in REFERENCE_YEAR, Mt CO2/yr
    year: int = REFERENCE_YEAR


def region_size(values: Mapping[str, float], results, model) -> RegionSize:
    """Size of the region of ``values`` (its reference run ``results``)."""
    area = float(values.get(AREA_CONSTANT, model.constants[AREA_CONSTANT].default))
    from webapp.core import value_at

    emissions = value_at(results, REFERENCE_EMISSIONS, REFERENCE_YEAR)
    return RegionSize(area=area, emissions=emissions)


@dataclass(frozen=True)
class LeverScale:
    """Display transform of one lever: ``shown = model value * factor``."""

    factor: float
    unit_zh: str
    unit_en: str
    minimum: float
    maximum: float
    step: float

    def unit(self, lang: str) -> str:
        return self.unit_zh if lang == "zh" else self.unit_en

    def shown(self, value: float) -> float:
        snapped = round(min(max(value * self.factor, self.minimum), self.maximum) / self.step) * self.step
        return round(float(snapped), 10)

    def model_value(self, shown: float, spec: LeverSpec) -> float:
        return min(max(float(shown) / self.factor, spec.minimum), spec.maximum)


def _nice_step(span: float) -> float:
    raw = span / 200.0
    if raw <= 0:
        return 1.0
    e = math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if m * 10**e >= raw:
            return float(m * 10**e)
    return float(10 ** (e + 1))


def lever_scale(spec: LeverSpec, size: RegionSize) -> LeverScale | None:
    """Relative display of an absolute lever (None: shown in model units)."""
    if spec.units == "10^4 ha" and size.area > 0:
        f, zh, en, cap = 100.0 / size.area, "% 区域面积", "% of region area", 100.0
    elif spec.units == "10^4 ha/Year" and size.area > 0:
        f, zh, en, cap = 100.0 / size.area, "% 区域面积/年", "% of region area per year", 100.0
    elif spec.units == "Mt CO2/Year" and size.emissions > 0:
        f = 100.0 / size.emissions
        zh, en, cap = f"% {size.year} 年排放", f"% of {size.year} emissions", 100.0
    else:
        return None
    lo, hi = max(spec.minimum * f, -cap), min(spec.maximum * f, cap)
    step = _nice_step(hi - lo)
    lo, hi = math.ceil(lo / step) * step, math.floor(hi / step) * step
    return LeverScale(factor=f, unit_zh=zh, unit_en=en, minimum=lo, maximum=hi, step=step)
