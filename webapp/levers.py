"""Levers shown on the Explore page and how model sectors map to the five domains.

Units, ranges, steps, baseline values and the English help text are read from the
model file (``models/territorial_carbon.mdl`` via ``models.model``); which constants
become sliders, with their short bilingual labels and Chinese help text, is the lever
catalogue :data:`analysis.lever_catalogue.LEVERS` (shared with the policy analysis).
This module turns catalogue entries into slider specifications and maps each model
sector (the Vensim group a constant is defined in) to one of the domains of the lever
panel (:data:`SECTOR_GROUPS`, the one table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

from analysis.lever_catalogue import LEVERS, LeverText
from webapp.i18n import t, unit_label

# ============================================================ MODEL NAMES USED BY THE APP
# The one place where the app names model constants and variables beyond the lever
# catalogue (LEVERS, LeverText: analysis.lever_catalogue). When the model's names
# change, fix them there and here.
#: Constant holding a region's total land area (10^4 ha): absolute area levers are shown
#: as a percentage of it.
AREA_CONSTANT = "total land area"
#: Variable (Mt CO2/yr) and year that absolute emission levers are shown relative to.
REFERENCE_EMISSIONS = "gross emissions"
REFERENCE_YEAR = 2020

#: Initial land-share constants by land class (the "Your own region" page fills them
#: from the land survey, 三调).
LAND_SHARE_CONSTANTS: Mapping[str, str] = {
    "cropland": "initial cropland share",
    "forest": "initial forest share",
    "grassland": "initial grassland share",
    "wetland and water": "initial wetland and water share",
    "urban construction": "initial urban construction land share",
    "rural construction": "initial rural construction land share",
    "suitable other": "initial suitable other land share",
}
#: Constant of the cropland red line (10^4 ha): the target follows a scenario's value.
RED_LINE = "cropland red line"
#: Parameters preselected on the Sensitivity page.
SENSITIVITY_DEFAULTS: tuple[str, ...] = (
    "non fossil mandate for new supply", "additional energy efficiency improvement", "compact urbanization")

#: Example policy package of the Present page's story when the current scenario equals the start.
DEFAULT_STORY: tuple[tuple[Mapping[str, str], Mapping[str, float]], ...] = (
    ({"zh": "紧凑型城镇化（人均城镇用地减少 10%）", "en": "Compact urbanization (−10 % urban land per person)"},
     {"compact urbanization": 0.1}),
    ({"zh": "农村建设用地复垦并还林", "en": "Reclaim rural construction land, half to forest"},
     {"rural reclamation policy rate": 0.05, "reclamation to forest share": 0.5}),
    ({"zh": "国土绿化与退耕还林", "en": "Afforestation and returning cropland to forest"},
     {"additional afforestation rate": 300, "returning cropland to forest rate": 50}),
    ({"zh": "能源转型（新增能源一半非化石、能效）", "en": "Energy transition (half of new supply non-fossil, efficiency)"},
     {"non fossil mandate for new supply": 0.5, "additional energy efficiency improvement": 0.01}),
    ({"zh": "低碳建材、零碳新建建筑与 CCS", "en": "Low-carbon materials, zero-carbon new buildings, CCS"},
     {"low carbon building material share": 0.5, "zero carbon new building share": 1, "CCS target capacity": 600}),
)


#: Lever-panel domains in display order ("timing" is a one-line general row on top).
GROUPS: tuple[str, ...] = ("timing", "population", "construction", "cropland", "forest", "energy")

#: THE table: model sector (Vensim group name) -> lever-panel domain.
SECTOR_GROUPS: Mapping[str, str] = {
    "Policy timing": "timing",
    "Population and migration": "population",
    "Economy": "population",
    "Buildings and construction materials": "construction",
    "Land use and land conversion": "construction",
    "Land use: urban expansion (direct pathway)": "construction",
    "Land use: rural construction land (potential pathway)": "construction",
    "Land use: cropland red line and compensation (indirect pathway)": "cropland",
    "Indicators": "cropland",
    "Land use: ecological red line": "forest",
    "Land use: forest and afforestation": "forest",
    "Land carbon": "forest",
    "Energy demand": "energy",
    "Energy supply": "energy",
    "Agriculture and CCS": "energy",
    "Emissions, sink and turning-point quantities": "energy",
}


# ====================================================================== END OF MODEL NAMES


@dataclass(frozen=True)
class LeverSpec:
    """Everything a slider needs, in model units (from the model file)."""

    name: str  # Vensim name
    py_name: str
    group: str
    policy: bool
    label_zh: str
    label_en: str
    help_zh: str
    help_en: str
    units: str
    minimum: float
    maximum: float
    step: float
    default: float

    @property
    def integer(self) -> bool:
        """Slider works on integers (years, whole areas)."""
        return all(float(v).is_integer() for v in (self.minimum, self.maximum, self.step, self.default))

    def label(self, lang: str) -> str:
        text = self.label_zh if lang == "zh" else self.label_en
        unit = unit_label(self.units, lang)
        return f"{text} ({unit})" if unit and self.units != "Dmnl" else text

    def help(self, lang: str) -> str:
        body = self.help_zh if lang == "zh" else self.help_en
        rng = t("range_help", lang, min=_num(self.minimum), max=_num(self.maximum),
                units=unit_label(self.units, lang), step=_num(self.step), default=_num(self.default))
        return f"{body}\n\n{rng}\n\n`{self.name}`"

    def snap(self, value: float) -> float | int:
        """The value as the slider type (int for integer sliders), clipped to the range."""
        v = min(max(float(value), self.minimum), self.maximum)
        return int(round(v)) if self.integer else v

    def fmt(self) -> str:
        """printf-style format for the slider from the decimals of the step."""
        if self.integer:
            return "%d"
        decimals = max(0, -int(math.floor(math.log10(self.step)))) if self.step > 0 else 3
        return f"%.{min(decimals, 6)}f"


def _num(v: float) -> str:
    return f"{v:g}"


def sector_group(sector: str) -> str | None:
    """Domain of a model sector, or None for sectors without levers (Control)."""
    return SECTOR_GROUPS.get(sector)


def lever_specs(model) -> list[LeverSpec]:
    """Slider specifications for :data:`LEVERS`, read from the model's constants.

    Raises ``KeyError`` if a lever is not an adjustable constant of the model, so a
    renamed constant fails loudly in the tests rather than silently vanishing.
    """
    specs: list[LeverSpec] = []
    names = list(LEVERS) + sorted(  # every "Policy lever:" of the model, even without a label yet
        c.name for c in model.constants.values()
        if c.name not in LEVERS and c.adjustable and c.comment.lower().startswith("policy lever"))
    for name in names:
        c = model.constants[name]
        text = LEVERS.get(name) or LeverText(name, name[:1].upper() + name[1:], c.comment, True)
        if not c.adjustable:
            raise KeyError(f"lever {name!r} is not an adjustable model constant")
        group = SECTOR_GROUPS[c.sector]
        step = c.step if c.step and c.step > 0 else (c.maximum - c.minimum) / 100
        specs.append(
            LeverSpec(
                name=name,
                py_name=c.py_name,
                group=group,
                policy=text.policy,
                label_zh=text.zh,
                label_en=text.en,
                help_zh=text.help_zh,
                help_en=c.comment,
                units=c.units,
                minimum=float(c.minimum),
                maximum=float(c.maximum),
                step=float(step),
                default=float(c.default),
            )
        )
    order = {g: i for i, g in enumerate(GROUPS)}
    specs.sort(key=lambda s: (order[s.group], not s.policy))
    return specs


def specs_by_group(specs: Iterable[LeverSpec]) -> dict[str, list[LeverSpec]]:
    out: dict[str, list[LeverSpec]] = {g: [] for g in GROUPS}
    for s in specs:
        out[s.group].append(s)
    return out
