"""Levers shown on the Explore page and how model sectors map to the five domains.

Units, ranges, steps, baseline values and the English help text are read from the
model file (``models/territorial_carbon.mdl`` via ``models.model``); this module only
chooses *which* constants become sliders, gives them short bilingual labels and a
Chinese help text, and maps each model sector (the Vensim group a constant is defined
in) to one of the domains of the lever panel (:data:`SECTOR_GROUPS`, the one table).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

from webapp.i18n import t, unit_label

# ============================================================================ LEVER CATALOGUE
# The one place where the app names model constants and variables. When the model's
# names change, fix them here (LEVERS below, and these three).
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
    "additional non fossil share", "additional energy intensity decline", "urban land per capita policy change")

#: Example policy package of the Present page's story when the current scenario equals the start.
DEFAULT_STORY: tuple[tuple[Mapping[str, str], Mapping[str, float]], ...] = (
    ({"zh": "紧凑型城镇化（人均城镇用地减少 20 平方米）", "en": "Compact urbanization (−20 m² urban land per person)"},
     {"urban land per capita policy change": -20}),
    ({"zh": "农村建设用地复垦并还林", "en": "Reclaim rural construction land, half to forest"},
     {"rural reclamation policy rate": 0.05, "reclamation to forest share": 0.5}),
    ({"zh": "国土绿化与退耕还林", "en": "Afforestation and returning cropland to forest"},
     {"additional afforestation rate": 300, "returning cropland to forest rate": 50}),
    ({"zh": "能源转型（非化石 +20 个百分点、能效）", "en": "Energy transition (+20 pp non-fossil, efficiency)"},
     {"additional non fossil share": 0.2, "additional energy intensity decline": 0.01}),
    ({"zh": "低碳建材、CCS 与 2060 年全面非化石", "en": "Low-carbon materials, CCS, 100 % non-fossil by 2060"},
     {"low carbon building material share": 0.5, "CCS capacity growth": 20, "year of full non fossil energy": 2060}),
)


#: Lever-panel domains in display order ("timing" is a one-line general row on top).
GROUPS: tuple[str, ...] = ("timing", "population", "construction", "cropland", "forest", "energy")

#: THE table: model sector (Vensim group name) -> lever-panel domain.
SECTOR_GROUPS: Mapping[str, str] = {
    "Policy timing": "timing",
    "Population and migration": "population",
    "Land use and land conversion": "construction",
    "Land use: urban expansion (direct pathway)": "construction",
    "Land use: rural construction land (potential pathway)": "construction",
    "Land use: cropland compensation (indirect pathway, cropland displacement)": "cropland",
    "Indicators": "cropland",  # holds the cropland red line
    "Land use: ecological red line": "forest",
    "Land use: forest and afforestation": "forest",
    "Land carbon": "forest",
    "Economy and energy (Kaya)": "energy",
    "Construction, agriculture and CCS emissions": "energy",
    "Emissions, sink and turning-point quantities": "energy",
}


@dataclass(frozen=True)
class LeverText:
    """Short labels (zh, en) and a Chinese help text for one model constant."""

    zh: str
    en: str
    help_zh: str
    policy: bool  # True: policy lever; False: key assumption


#: The constants shown as sliders: every "Policy lever:" of the model plus key assumptions.
LEVERS: Mapping[str, LeverText] = {
    # --- policy timing
    "policy start year": LeverText("政策起始年", "Policy start year",
        "情景中各政策杠杆自该年起生效（此前的历史不变）。", True),
    "policy ramp time": LeverText("政策过渡期", "Policy ramp time",
        "渐进型政策（人均用地标准、非化石能源比重、化肥减量、低碳建材）达到完全效果所需的年数。", True),
    # --- population and urbanization
    "household registration reform effect": LeverText("户籍制度改革效应", "Household registration reform",
        "政策杠杆：户籍制度改革对迁移系数的相对改变；0.2 表示迁移加快 20%。默认 0（不变）。", True),
    "saturation urbanization level": LeverText("饱和城镇化水平", "Saturation urbanization level",
        "迁移停止时的城镇化水平。默认 80%：发达国家为 70–85%，预计中国 2050 年超过 75%。", False),
    "long run birth rate": LeverText("长期出生率", "Long-run birth rate",
        "长期粗出生率。默认接近 2023 年粗出生率（6.39‰），为对未来的假设。", False),
    "migration coefficient": LeverText("迁移系数", "Migration coefficient",
        "城镇化逻辑斯蒂曲线的内禀增长率；默认 0.07/年可复现 1990–2020 年城镇化率由 26% 升至 64%；设为 0 则停止迁移。", False),
    # --- construction land
    "urban growth boundary": LeverText("城镇开发边界", "Urban growth boundary",
        "政策杠杆：城镇开发边界，即自政策起始年起城镇建设用地的上限。默认 3000 万公顷（全国尺度不构成约束）；0 表示冻结城镇扩张。", True),
    "urban land per capita policy change": LeverText("人均城镇建设用地标准调整", "Per-capita urban land standard change",
        "政策杠杆：人均城镇建设用地标准在政策过渡期内的变化；负值表示紧凑型城镇化。默认 0。", True),
    "rural reclamation policy rate": LeverText("农村建设用地复垦率", "Rural land reclamation rate",
        "政策杠杆：自政策起始年起每年额外复垦的富余农村建设用地比例（农村土地制度改革、城乡建设用地增减挂钩）。默认 0。", True),
    "reclamation to forest share": LeverText("复垦地还林比例", "Reclaimed land to forest share",
        "政策杠杆：复垦的农村建设用地中恢复为林地的比例，其余变为耕地。默认 0.3（假设）。", True),
    "urban land per capita trend": LeverText("人均城镇用地增长趋势", "Urban land per capita trend",
        "城镇人口人均城镇建设用地的历史年变化（土地城镇化快于人口城镇化）。假设，经校准。", False),
    "rural land per capita trend": LeverText("人均村庄用地增长趋势", "Rural land per capita trend",
        "乡村人口人均村庄用地的年变化：人口外流而房屋保留并新建（不减反增）。假设，经校准。", False),
    # --- cropland
    "compensation ratio": LeverText("耕地占补比例", "Cropland compensation ratio",
        "每占用单位面积耕地需新开垦的耕地面积（至少为 1：补充耕地质量较低；种子文献 000）。假设 1.2。", False),
    "cropland balance rule enforcement": LeverText("占补平衡执行程度", "Balance rule enforcement",
        "被建设占用的耕地中得到补充的比例（1 = 完全执行占补平衡）。", False),
    "compensation weight forest": LeverText("补充耕地来自林地的权重", "Compensation from forest (weight)",
        "开垦补充耕地时林地所占的权重。假设；全球 1992–2015 年新增耕地 56% 来自森林（种子文献 000）。", False),
    "cropland red line": LeverText("耕地保护红线", "Cropland red line",
        "耕地保护红线。默认 18.65 亿亩 = 12,433 万公顷（全国国土空间规划纲要 2021–2035 年）。", False),
    # --- forest and sinks
    "additional afforestation rate": LeverText("新增造林面积", "Additional afforestation",
        ("政策杠杆：自政策起始年起造林速率的变化（国土绿化）。造林受剩余宜林地/造林消耗时间的上限约束；"
         "上限已起作用时（如全国基准情景），须同时提高困难立地造林力度，本杠杆才有效果。默认 0。"), True),
    "returning cropland to forest rate": LeverText("退耕还林面积", "Returning cropland to forest",
        "政策杠杆：自政策起始年起每年退耕还林的耕地面积。默认 0。", True),
    "ecological red line share": LeverText("生态保护红线比例", "Ecological red line share",
        "政策杠杆：红线生效后划入生态保护红线、不得转换的森林与湿地比例。默认 0.3（生态保护红线约占国土面积 30%）。", True),
    "additional ecological red line share": LeverText("生态保护红线比例额外提高", "Stricter ecological red line",
        "政策杠杆：自政策起始年起划入生态保护红线的森林与湿地比例的变化（更严格的红线），保护比例上限为 0.95。默认 0。", True),
    "afforestation effort on difficult sites": LeverText("困难立地造林力度", "Afforestation effort on difficult sites",
        "政策杠杆：自政策起始年起加大投入（灌溉、整地、混交造林），使困难宜林地更快造林：造林上限变为 (1 + 力度) × 剩余宜林地 / 耗竭时间。默认 0。", True),
    "young forest sink per hectare": LeverText("幼龄林单位面积碳汇", "Young forest sink per ha",
        "幼龄林植被固碳速率：幼龄林固碳快（种子文献 004 第 7.3 节）。假设。", False),
    "mature forest sink per hectare": LeverText("成熟林单位面积碳汇", "Mature forest sink per ha",
        "成熟林植被固碳速率：老龄林储碳多但新增少。假设。", False),
    "young forest duration": LeverText("幼龄林持续年限", "Young forest duration",
        "林分在幼龄级的平均停留时间（许多树种约 0–20 年）。假设。", False),
    "mature forest harvest rate": LeverText("成熟林采伐率", "Mature forest harvest rate",
        "每年采伐或受干扰后更新的成熟林比例。假设。", False),
    # --- energy and emissions
    "additional energy intensity decline": LeverText("能源强度额外下降率", "Additional energy-intensity decline",
        "政策杠杆：自政策起始年起能源强度每年额外下降的比例（能效提升、结构调整）。默认 0。", True),
    "additional non fossil share": LeverText("非化石能源比重额外提高", "Additional non-fossil share",
        "政策杠杆：在政策过渡期内额外提高的非化石能源比重。默认 0。", True),
    "year of full non fossil energy": LeverText("全面非化石能源年份", "Year of 100 % non-fossil energy",
        "政策杠杆：自该年起一次能源全部为非化石能源。默认 2200（研究期内不会发生）。", True),
    "low carbon building material share": LeverText("低碳建材替代比例", "Low-carbon building materials",
        "政策杠杆：在政策过渡期内通过低碳建材避免的建材过程排放比例。默认 0。", True),
    "fertiliser reduction": LeverText("化肥排放削减比例", "Fertiliser emission reduction",
        "政策杠杆：在政策过渡期内实现的化肥排放削减比例。默认 0。", True),
    "CCS start year": LeverText("CCS 起始年", "CCS start year",
        "政策杠杆：碳捕集与封存（CCS）开始部署的年份。", True),
    "CCS capacity growth": LeverText("CCS 能力年增量", "CCS capacity growth",
        "政策杠杆：起始年后 CCS 能力每年的增加量。默认 0。", True),
    "long run GDP growth rate": LeverText("长期 GDP 增长率", "Long-run GDP growth",
        "经济长期收敛到的 GDP 增长率（成熟经济体）。假设。", False),
    "long run non fossil share": LeverText("长期非化石能源比重", "Long-run non-fossil share",
        "现行政策下长期趋近的非化石能源比重。默认 0.8（2060 年非化石能源消费比重 80% 以上的目标）。", False),
    "energy intensity decline rate with targets": LeverText("能源强度下降率（目标约束期）", "Energy-intensity decline with targets",
        "实施约束性能耗强度目标（“十一五”起）后能源强度的年下降率。经校准。", False),
    "non fossil transition midpoint": LeverText("非化石能源转型中点年", "Non-fossil transition midpoint",
        "非化石能源逻辑斯蒂转型的中点年份。经校准。", False),
}


# ======================================================================= END OF CATALOGUE


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
