"""The lever catalogue (政策杠杆目录): which model constants are shown as levers, with
their bilingual labels, a Chinese help text and whether each is a policy lever or a key
assumption.

Units, ranges, steps, defaults and the English help text are not repeated here: they are
read from the model file (``models/territorial_carbon.mdl`` via :mod:`models.model`).
This is the one table of lever labels, shared by the policy analysis
(:mod:`analysis.policy.levers`), the sensitivity defaults and the web app's lever panel.
When the model's constant names change, fix them here; ``tests/analysis`` checks every
entry against the model file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

__all__ = ["LeverText", "LEVERS"]


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
        "情景中各政策杠杆自该年起开始生效（此前的历史不变）。", True),
    "policy adoption time": LeverText("政策推行期", "Policy adoption time",
        "政策从起始年到完全生效所需的年数；效果沿平滑的 S 形曲线推进，不出现突变。", True),
    # --- population and urbanization
    "household registration reform effect": LeverText("户籍制度改革效应", "Household registration reform",
        "政策杠杆：户籍制度改革对迁移系数的相对改变；0.2 表示迁移加快 20%。默认 0（不变）。", True),
    "saturation urbanization level": LeverText("饱和城镇化水平", "Saturation urbanization level",
        "迁移停止时的城镇化水平。默认 80%：发达国家为 70–85%，预计中国 2050 年超过 75%。", False),
    "long run total fertility rate": LeverText("长期总和生育率", "Long-run total fertility rate",
        "高收入时趋近的总和生育率（每名妇女生育子女数）。默认 1.0，即中国 2023 年的水平；范围 0.7（韩国 2023 年）至 2.1（更替水平）。", False),
    "attainable share of frontier productivity": LeverText("可达到的前沿生产率比例", "Attainable share of frontier productivity",
        "本区域生产率长期收敛到的前沿经济体（美国）水平的比例（条件收敛）。默认 0.6：长期预测中国 2060 年人均 GDP 约为美国的 50–60%。", False),
    # --- construction land and buildings
    "urban growth boundary": LeverText("城镇开发边界", "Urban growth boundary",
        "政策杠杆：城镇开发边界，即城镇建设用地的上限，按政策推行期逐步执行。默认 200,000 万公顷（不设边界）；0 表示冻结城镇扩张。", True),
    "compact urbanization": LeverText("紧凑城镇化", "Compact urbanization",
        "政策杠杆：人均城镇建设用地需求的相对降低（紧凑城市，国标 GB 50137-2011）。默认 0。", True),
    "rural reclamation policy rate": LeverText("农村建设用地复垦率", "Rural land reclamation rate",
        "政策杠杆：每年额外复垦的富余农村建设用地比例（农村土地制度改革、城乡建设用地增减挂钩）。默认 0。", True),
    "reclamation to forest share": LeverText("复垦地还林比例", "Reclaimed land to forest share",
        "政策杠杆：复垦的农村建设用地中恢复为林地的比例，其余变为耕地。默认 0.3（假设）。", True),
    "zero carbon new building share": LeverText("新建建筑零碳比例", "Zero-carbon new construction",
        "政策杠杆：新增建筑和新开发建设用地中在建材与运行上实现零碳的比例。拐点5也可以通过新建零碳而实现。默认 0。", True),
    "low carbon building material share": LeverText("低碳建材替代比例", "Low-carbon building materials",
        "政策杠杆：通过低碳建材（低熟料水泥、木结构、水泥厂碳捕集）避免的建设隐含排放比例。默认 0。", True),
    "building efficiency improvement": LeverText("建筑节能改造", "Building energy efficiency",
        "政策杠杆：建筑存量能耗的降低比例（节能改造、建筑节能标准、热泵）。默认 0。", True),
    "urban floor space saturation": LeverText("城镇人均住房饱和面积", "Urban floor space saturation",
        "高收入时城镇人均住房建筑面积的饱和水平。默认 40 平方米。", False),
    "building lifetime": LeverText("建筑寿命", "Building lifetime",
        "建筑平均使用年限；每年拆除存量/寿命。默认 40 年（中国建筑常在 25–40 年拆除）。", False),
    # --- cropland
    "compensation ratio": LeverText("耕地占补比例", "Cropland compensation ratio",
        "每占用单位面积耕地需新开垦的耕地面积（大于 1：补充耕地质量较低；种子文献 000）。", False),
    "compensation ratio change": LeverText("占补比例提高", "Higher compensation ratio",
        "压力情景：占补比例的提高（补充耕地质量更低）。默认 0。", True),
    "cropland balance rule enforcement": LeverText("占补平衡执行程度", "Balance rule enforcement",
        "被建设占用的耕地中得到补充的比例（1 = 完全执行占补平衡）。", False),
    "compensation weight forest change": LeverText("补充耕地来自林地的相对变化", "Compensation from forest (change)",
        "政策或压力杠杆：补充耕地来源中林地权重的相对变化（−1：不开垦林地；1.5：权重变为 2.5 倍）。默认 0。", True),
    "cropland red line": LeverText("耕地保护红线", "Cropland red line",
        "耕地保护红线（国土调查口径）。默认 18.65 亿亩 = 12,433 万公顷（全国国土空间规划纲要 2021–2035 年）；0 表示无红线。", False),
    # --- forest and sinks
    "additional afforestation rate": LeverText("新增造林面积", "Additional afforestation",
        "政策杠杆：造林速率的增加（国土绿化）。宜林地越少造林越慢；宜林地所剩无几时，须同时提高困难立地造林力度。默认 0。", True),
    "returning cropland to forest rate": LeverText("退耕还林面积", "Returning cropland to forest",
        "政策杠杆：每年退耕还林的耕地面积，受耕地保护红线约束。默认 0。", True),
    "additional ecological red line share": LeverText("生态保护红线扩大比例", "Stricter ecological red line",
        "政策杠杆：正值将红线外林地、草地、湿地的该比例划入红线（总计不超过 95%），负值按比例放宽。默认 0。", True),
    "afforestation effort on difficult sites": LeverText("困难立地造林力度", "Afforestation effort on difficult sites",
        "政策杠杆：加大投入（灌溉、整地、混交造林），使困难宜林地更快造林：造林能力变为 (1 + 力度) × 剩余宜林地 / 耗竭时间。默认 0。", True),
    "mature forest harvest rate": LeverText("成熟林采伐率", "Mature forest harvest rate",
        "每年采伐并更新的 40 年以上林分比例。", False),
    "maximum forest carbon density": LeverText("森林最大碳密度", "Maximum forest carbon density",
        "老龄林分植被碳密度的上限（Chapman-Richards 生长曲线的渐近值）：幼龄林固碳快，老龄林储碳多但新增少。", False),
    # --- energy and emissions
    "additional energy efficiency improvement": LeverText("额外能效提升率", "Additional energy efficiency improvement",
        "政策杠杆：在自主能效进步之外每年额外提升的能效（能效标准、产业升级）。默认 0。", True),
    "green travel share increase": LeverText("绿色出行比例提升", "Shift to green travel",
        "政策杠杆：机动化出行中转向公共交通、骑行和步行的比例。默认 0。", True),
    "non fossil cost reduction": LeverText("非化石能源成本下降", "Cheaper non-fossil energy",
        "政策杠杆：补贴、碳价或低成本融资使非化石能源相对成本下降的比例。默认 0。", True),
    "non fossil mandate for new supply": LeverText("新增能源非化石强制比例", "Non-fossil mandate for new energy supply",
        "政策杠杆：原本新建为化石能源的产能中必须改为非化石能源的比例；非化石能源占比随能源资本更新而提高。默认 0。", True),
    "coal phase out": LeverText("煤炭退出", "Coal phase-out",
        "政策杠杆：新增化石能源产能中煤炭比重的相对降低（煤改气、煤炭退出）。默认 0。", True),
    "fertiliser reduction": LeverText("化肥排放削减比例", "Fertiliser emission reduction",
        "政策杠杆：化肥排放的削减比例。默认 0。", True),
    "CCS target capacity": LeverText("CCS 规模", "CCS capacity",
        "政策杠杆：建设的碳捕集与封存能力（百万吨 CO2/年）。默认 0。", True),
    "CCS start year": LeverText("CCS 起始年", "CCS start year",
        "碳捕集与封存（CCS）开始建设的年份。", True),
    "CCS build out time": LeverText("CCS 建设期", "CCS build-out time",
        "从起始年到达到 CCS 规模所需的年数（S 形建设过程）。", True),
    "autonomous energy efficiency improvement": LeverText("自主能效进步率", "Autonomous energy efficiency improvement",
        "技术进步与资本更新带来的各终端用能效率年提升率。经校准。", False),
    "learning exponent": LeverText("常规非化石能源学习指数", "Learning exponent of conventional non-fossil energy",
        "水电、核电、生物质能成本随本地区累计非化石能源产量下降的经验曲线指数（水电、核电接近 0）。经校准。", False),
    "wind and solar learning exponent": LeverText("风电光伏学习指数", "Learning exponent of wind and solar",
        "风电光伏成本随全球累计发电量下降的经验曲线指数（风电约 0.23、光伏约 0.40）。默认 0.3。", False),
}
