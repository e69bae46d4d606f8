"""Registry of the historical series the model is calibrated to (历史序列登记表).

This module is the single place that says which history variables exist, which model
(Vensim) variable each one is compared with, in which unit, and whether it is the
*primary* fit series for that model variable or an *alternative* (another source,
vintage or survey baseline kept under its own name so that incompatible data are
never spliced).

Used by :mod:`calibration.history` (validation of names, units and bounds), by the
fitting code (which series to fit) and by the app (labels in English and Chinese).

Conventions
-----------
* Names without a suffix (``total_population``, ``cropland`` ...) are the fixed names
  agreed with the model; each is the primary series of its model variable, except
  ``co2_land_use_change`` which is display-only.
* Alternatives carry a suffix naming the source or baseline: ``_nbs`` (NBS year-end,
  current basis), ``_nbs_pre2020rev`` / ``_nbs_csy1998`` (superseded NBS vintages),
  ``_census``, ``_wpp``, ``_fra2020``, ``_nfi``, ``_survey2`` / ``_survey3`` (2nd / 3rd
  national land survey baseline) ...
* Units are the MODEL's units.  Stocks are values at a point in time (mid-year or
  year-end, see the description); flows are totals over the calendar year.

The data sources of every series are documented in ``calibration/data/SOURCES.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

# Model units (exact strings expected in the ``unit`` column of history files).
UNIT_PERSON = "10^4 person"  # 万人
UNIT_PERCENT = "%"
UNIT_GDP = "billion int$ (2011 PPP)/Year"  # 十亿国际元（2011年购买力平价）/年
UNIT_ENERGY = "TWh/Year"
UNIT_CO2 = "Mt CO2/Year"  # 百万吨CO2/年
UNIT_AREA = "10^4 ha"  # 万公顷
UNIT_RATE = "1/Year"  # per person and year
UNIT_AREA_FLOW = "10^4 ha/Year"  # 万公顷/年
UNIT_CARBON = "Mt C"  # 百万吨碳
UNIT_MASS_FLOW = "Mt/Year"  # 百万吨/年
UNIT_FLOOR_PER_CAPITA = "m2/person"  # 平方米/人
UNIT_FLOOR_FLOW = "10^8 m2/Year"  # 亿平方米/年
UNIT_FRACTION = "Dmnl"  # fraction 0-1 (无量纲)

#: Accepted spellings of each model unit (normalised to the canonical unit on load).
UNIT_ALIASES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        UNIT_PERSON: ("万人", "10^4 persons", "10000 person", "10000 persons"),
        UNIT_PERCENT: ("percent",),
        UNIT_GDP: ("billion int$/Year",),
        UNIT_ENERGY: ("TWh/year", "TWh/yr"),
        UNIT_CO2: ("Mt CO2/year", "MtCO2/Year", "MtCO2/year", "Mt CO2/yr"),
        UNIT_AREA: ("万公顷", "万ha", "10000 ha"),
        UNIT_AREA_FLOW: ("万公顷/年", "10^4 ha/year", "10^4 ha/yr", "10000 ha/Year"),
        UNIT_CARBON: ("MtC", "Tg C", "TgC", "百万吨碳"),
        UNIT_MASS_FLOW: ("Mt/year", "Mt/yr", "百万吨/年"),
        UNIT_FLOOR_PER_CAPITA: ("m^2/person", "m2/cap", "sq.m/person", "平方米/人"),
        UNIT_FLOOR_FLOW: ("10^8 m^2/Year", "10^8 m2/year", "亿平方米/年"),
        UNIT_RATE: ("1/year", "per person and year"),
        UNIT_FRACTION: ("dimensionless", "fraction", "无量纲"),
    }
)


@dataclass(frozen=True)
class SeriesSpec:
    """One history variable.

    Attributes:
        name: history variable name (the ``variable`` column of history files).
        model_variable: Vensim name of the model variable it is compared with, or
            ``None`` for display-only series.
        unit: model unit (canonical string, see ``UNIT_*``).
        description_en: short description in English (source, concept, timing).
        description_zh: short description in Chinese.
        flow: True if the value is a flow per year (unit ends in ``/Year``), False
            for a stock or ratio at a point in time.
        primary: True if this is THE series fitted for ``model_variable``.
        fitted: False for series that are never fitted (display only).
        min_value: smallest physically possible value (None = unbounded).
        max_value: largest physically possible value (None = unbounded).
    """

    name: str
    model_variable: str | None
    unit: str
    description_en: str
    description_zh: str
    flow: bool
    primary: bool = False
    fitted: bool = True
    min_value: float | None = 0.0
    max_value: float | None = None

    @property
    def accepted_units(self) -> tuple[str, ...]:
        """Canonical unit followed by its accepted aliases."""
        return (self.unit, *UNIT_ALIASES.get(self.unit, ()))


def _s(
    name: str,
    model_variable: str | None,
    unit: str,
    en: str,
    zh: str,
    *,
    primary: bool = False,
    fitted: bool = True,
    min_value: float | None = 0.0,
    max_value: float | None = None,
) -> SeriesSpec:
    return SeriesSpec(
        name=name,
        model_variable=model_variable,
        unit=unit,
        description_en=en,
        description_zh=zh,
        flow=unit.endswith("/Year"),
        primary=primary,
        fitted=fitted,
        min_value=min_value,
        max_value=max_value,
    )


_POP, _URB, _RUR = "Total Population", "Urban Population", "Rural Population"
_RATE, _FOREST = "urbanization rate", "total forest area"
_NET_SINK, _RURAL_LAND = "land carbon sink", "Rural Construction Land"
_CEMENT, _FLOOR_PC = "cement production", "urban residential floor space per capita"
_CHILD, _WORKING, _ELDERLY = "children share", "working age share", "elderly share"
_SPECS: tuple[SeriesSpec, ...] = (
    # --- population and urbanization (人口与城镇化) -----------------------------------
    _s("total_population", _POP, UNIT_PERSON,
       "Total population, mid-year, UN WUP 2018 (urban + rural), observed years <= 2018",
       "总人口（年中，联合国《世界城镇化展望2018》城镇+乡村）", primary=True),
    _s("urban_population", _URB, UNIT_PERSON,
       "Urban population, mid-year, UN WUP 2018 (national definitions), <= 2018",
       "城镇人口（年中，WUP 2018）", primary=True),
    _s("rural_population", _RUR, UNIT_PERSON,
       "Rural population, mid-year, UN WUP 2018, <= 2018",
       "乡村人口（年中，WUP 2018）", primary=True),
    _s("urbanization_rate", _RATE, UNIT_PERCENT,
       "Urban share of population, mid-year, UN WUP 2018, <= 2018",
       "城镇化率（年中，WUP 2018）", primary=True, max_value=100.0),
    _s("total_population_wpp", _POP, UNIT_PERSON,
       "Total population, mid-year, UN WPP via OWID (to 2023; includes China's peak)",
       "总人口（年中，联合国《世界人口展望》，经OWID）"),
    _s("total_population_nbs", _POP, UNIT_PERSON,
       "Year-end resident population, NBS current basis (1996-2010, 2020-); 2011-2019 revised values not available",
       "年末常住人口（国家统计局现行口径；缺2011-2019修订值）"),
    _s("urban_population_nbs", _URB, UNIT_PERSON,
       "Year-end urban resident population, NBS current basis (1996-2010, 2020-)",
       "年末城镇常住人口（国家统计局现行口径）"),
    _s("rural_population_nbs", _RUR, UNIT_PERSON,
       "Year-end rural resident population, NBS current basis (1996-2010, 2020-)",
       "年末乡村常住人口（国家统计局现行口径）"),
    _s("urbanization_rate_nbs", _RATE, UNIT_PERCENT,
       "Urbanization rate, year-end, NBS current basis (1978, 1996-2010, 2020-)",
       "常住人口城镇化率（年末，国家统计局现行口径）", max_value=100.0),
    _s("total_population_nbs_pre2020rev", _POP, UNIT_PERSON,
       "Year-end population 2011-2015, NBS vintage before the 2020-census revision (superseded)",
       "年末总人口2011-2015（七普修订前口径，已被替代）"),
    _s("urban_population_nbs_pre2020rev", _URB, UNIT_PERSON,
       "Year-end urban population 2011-2017, NBS vintage before the 2020-census revision (superseded)",
       "年末城镇人口（七普修订前口径，已被替代）"),
    _s("rural_population_nbs_pre2020rev", _RUR, UNIT_PERSON,
       "Year-end rural population 2011-2015, NBS vintage before the 2020-census revision (superseded)",
       "年末乡村人口（七普修订前口径，已被替代）"),
    _s("urbanization_rate_nbs_pre2020rev", _RATE, UNIT_PERCENT,
       "Urbanization rate 2011-2018, NBS vintage before the 2020-census revision (superseded)",
       "城镇化率2011-2018（七普修订前口径，已被替代）", max_value=100.0),
    _s("total_population_nbs_csy1998", _POP, UNIT_PERSON,
       "Year-end population 1952-1997, China Statistical Yearbook 1998 vintage (superseded)",
       "年末总人口（《中国统计年鉴1998》口径，已被替代）"),
    _s("urban_population_nbs_csy1998", _URB, UNIT_PERSON,
       "Year-end urban population 1952-1997, CSY1998 vintage (superseded)",
       "年末城镇人口（《中国统计年鉴1998》口径，已被替代）"),
    _s("rural_population_nbs_csy1998", _RUR, UNIT_PERSON,
       "Year-end rural population 1952-1997, CSY1998 vintage (superseded)",
       "年末乡村人口（《中国统计年鉴1998》口径，已被替代）"),
    _s("urbanization_rate_nbs_csy1998", _RATE, UNIT_PERCENT,
       "Urbanization rate 1952-1997, CSY1998 vintage (superseded)",
       "城镇化率（《中国统计年鉴1998》口径，已被替代）", max_value=100.0),
    _s("urbanization_rate_census", _RATE, UNIT_PERCENT,
       "Urbanization rate at the population censuses (1 November 2000, 2010, 2020)",
       "人口普查城镇化率（2000、2010、2020年11月1日）", max_value=100.0),
    _s("urban_population_census", _URB, UNIT_PERSON,
       "Urban population at the 7th census (2020-11-01)", "七普城镇人口（2020年11月1日）"),
    _s("rural_population_census", _RUR, UNIT_PERSON,
       "Rural population at the 7th census (2020-11-01)", "七普乡村人口（2020年11月1日）"),
    _s("crude_birth_rate", "crude birth rate", UNIT_RATE,
       "Crude birth rate (births per person and year); CHN: NBS (1990, 2000, 2003, 2020-2023); "
       "USA: Census Bureau Statistical Abstract, NCHS (1990, 1995, 2000, 2001)",
       "人口出生率（中国：国家统计局；美国：美国人口普查局统计摘要，国家卫生统计中心）", primary=True),
    _s("crude_death_rate", "crude death rate", UNIT_RATE,
       "Crude death rate (deaths per person and year), NBS (1990, 2000, 2003, 2020-2023)",
       "人口死亡率（国家统计局）", primary=True),
    # --- age structure (年龄结构); fractions 0-1 ------------------------------------------
    _s("elderly_share", _ELDERLY, UNIT_FRACTION,
       "Share of the population aged 65 and over, year-end, NBS age-structure table 2000-2019 "
       "(shares of the table's counts; 2000 and 2010 census-based) and NBS releases 2021-2023 (one decimal)",
       "65岁及以上人口占比（年末，国家统计局人口年龄结构表2000-2019年及2021-2023年发布数）",
       primary=True, max_value=1.0),
    _s("working_age_share", _WORKING, UNIT_FRACTION,
       "Share of the population aged 15-64, year-end, NBS age-structure table 2000-2019 "
       "(shares of the table's counts; 2000 and 2010 census-based)",
       "15-64岁人口占比（年末，国家统计局人口年龄结构表2000-2019年）", primary=True, max_value=1.0),
    _s("children_share", _CHILD, UNIT_FRACTION,
       "Share of the population aged 0-14, year-end, NBS age-structure table 2000-2019 "
       "(shares of the table's counts; 2000 and 2010 census-based)",
       "0-14岁人口占比（年末，国家统计局人口年龄结构表2000-2019年）", primary=True, max_value=1.0),
    _s("elderly_share_census", _ELDERLY, UNIT_FRACTION,
       "Share aged 65 and over at the population censuses (1 July 1990, from UNSD counts; "
       "1 November 2000, 2010, 2020, NBS communiques)",
       "人口普查65岁及以上人口占比（1990、2000、2010、2020年）", max_value=1.0),
    _s("working_age_share_census", _WORKING, UNIT_FRACTION,
       "Share aged 15-64 at the population censuses (1990, 2000, 2010, 2020; all derived: "
       "1990 from UNSD counts, later years from the communiques' totals, 0-14 and 65+)",
       "人口普查15-64岁人口占比（1990、2000、2010、2020年，推算）", max_value=1.0),
    _s("children_share_census", _CHILD, UNIT_FRACTION,
       "Share aged 0-14 at the population censuses (1 July 1990, from UNSD counts; "
       "1 November 2000, 2010, 2020, NBS communiques); planned model variable",
       "人口普查0-14岁人口占比（1990、2000、2010、2020年）", max_value=1.0),
    # --- economy and energy (经济与能源) -------------------------------------------------
    _s("gdp", "GDP", UNIT_GDP,
       "GDP at constant 2011 international-$ PPP, Maddison Project Database 2023 via OWID",
       "国内生产总值（2011年国际元购买力平价不变价，麦迪森数据库）", primary=True),
    _s("primary_energy", "primary energy consumption", UNIT_ENERGY,
       "Primary energy consumption (substitution method), Energy Institute Statistical Review 2024 + EIA via OWID",
       "一次能源消费量（替代法，能源研究所《世界能源统计年鉴2024》，经OWID）", primary=True),
    _s("primary_energy_nbs_csy1999", "primary energy consumption", UNIT_ENERGY,
       "NBS total energy consumption, CSY1999 vintage, converted from 10^4 tce (superseded)",
       "能源消费总量（《中国统计年鉴1999》口径，由万吨标准煤换算，已被修订）"),
    _s("primary_energy_nbs_csy2004", "primary energy consumption", UNIT_ENERGY,
       "NBS total energy consumption, CSY2004 vintage, converted from 10^4 tce (superseded)",
       "能源消费总量（《中国统计年鉴2004》口径，由万吨标准煤换算，已被修订）"),
    _s("non_fossil_share", "non fossil share of primary energy", UNIT_FRACTION,
       "Non-fossil (nuclear + renewables) share of primary energy, substitution method; Energy "
       "Institute Statistical Review 2025 via OWID energy data",
       "非化石能源占一次能源消费比重（替代法，能源研究所《世界能源统计年鉴2025》，经OWID）",
       primary=True, max_value=1.0),
    _s("net_migration_rate", "net international migration rate", UNIT_RATE,
       "Net international migration of the calendar year / mid-year population; UN World "
       "Population Prospects 2024 (a data input of the model, given in the region's data block)",
       "国际净迁移率（当年国际净迁移人数/年中人口；联合国《世界人口展望2024》；模型数据输入）",
       fitted=False, min_value=None),
    _s("investment_share", "investment share of GDP", UNIT_FRACTION,
       "Gross capital formation as a share of GDP; World Bank WDI NE.GDI.TOTL.ZS (a data input of the model, "
       "given in the region's data block)",
       "资本形成总额占GDP比重（世界银行世界发展指标；模型数据输入）",
       fitted=False, max_value=1.0),
    _s("export_share", "export share of GDP", UNIT_FRACTION,
       "Exports of goods and services as a share of GDP; World Bank WDI NE.EXP.GNFS.ZS (a data input of the "
       "model, given in the region's data block)",
       "货物和服务出口占GDP比重（世界银行世界发展指标；模型数据输入）",
       fitted=False),
    _s("industry_share", "industry share of GDP", UNIT_FRACTION,
       "Industry (including construction) value added as a share of GDP; World Bank WDI NV.IND.TOTL.ZS",
       "工业（含建筑业）增加值占GDP比重（世界银行世界发展指标）", max_value=1.0),
    _s("coal_gas_cost_ratio", "coal to gas fuel cost ratio", UNIT_FRACTION,
       "Cost of coal / cost of natural gas delivered to power plants, per unit of energy; USA: EIA "
       "Monthly Energy Review table 9.9 ($/MMBtu), United Kingdom: DESNZ Quarterly Energy Prices table "
       "3.2.1 (p/kWh) (a data input of the model, given in the region's data block)",
       "发电厂煤炭与天然气到厂成本之比（按单位能量；美国：美国能源信息署《月度能源评论》表9.9，美元/百万英热单位；"
       "英国：能源安全与净零部《季度能源价格》表3.2.1，便士/千瓦时；模型数据输入）",
       fitted=False),
    _s("gas_cost_power", "gas fuel cost for power", "currency/MWh",
       "Cost of natural gas delivered to power plants per MWh of fuel, in the currency of the region's carbon "
       "price; United Kingdom: DESNZ Quarterly Energy Prices table 3.2.1, nominal GBP/MWh (a data input of "
       "the model, given in the region's data block)",
       "发电厂天然气到厂成本（每兆瓦时燃料，与碳价同一货币；英国：能源安全与净零部《季度能源价格》表3.2.1，"
       "名义英镑/兆瓦时；模型数据输入）",
       fitted=False),
    _s("carbon_price_power", "carbon price for power", "currency/t CO2",
       "Carbon price paid by fossil power plants per tonne of CO2; United Kingdom: EU ETS allowance price "
       "2005-2020 or UK ETS allowance price 2021, plus the Carbon Price Support from April 2013, GBP/t (a "
       "data input of the model, given in the region's data block)",
       "火电厂每吨CO2支付的碳价（英国：2005–2020年欧盟排放交易体系配额价格、2021年英国排放交易体系配额价格，"
       "加2013年4月起的碳价支持机制，英镑/吨；模型数据输入）",
       fitted=False, min_value=0.0),
    # --- emissions (排放) ------------------------------------------------------------------
    _s("co2_fossil_industry", "fossil and industry CO2 emissions", UNIT_CO2,
       "Territorial CO2 from fossil fuels and industry (cement, flaring, other), excl. land use; GCB 2024 via OWID",
       "化石燃料与工业过程CO2排放（不含土地利用变化，全球碳计划2024）", primary=True),
    _s("co2_cement", "construction process CO2 emissions", UNIT_CO2,
       "CO2 from cement production (process emissions); GCB 2024 via OWID",
       "水泥生产过程CO2排放（全球碳计划2024）", primary=True),
    _s("co2_land_use_change", None, UNIT_CO2,
       "Land-use-change CO2, GCB bookkeeping models (highly uncertain; negative = net sink); display only",
       "土地利用变化CO2（全球碳计划簿记模型，不确定性大；负值为净汇），仅展示",
       fitted=False, min_value=None),
    _s("co2_coal", "coal CO2 emissions", UNIT_CO2,
       "CO2 from coal combustion; GCB 2024 via OWID",
       "煤炭燃烧CO2排放（全球碳计划2024）", primary=True),
    # --- land (国土空间) -------------------------------------------------------------------
    _s("land_area", None, UNIT_AREA,
       "Land area (country area less inland water), FAOSTAT; sets the region's total land area "
       "when a configuration does not fix it",
       "陆地面积（国土面积减内陆水域，粮农组织）", fitted=False),
    _s("grassland_fao", "Grassland", UNIT_AREA,
       "Permanent meadows and pastures, FAOSTAT (USA, GBR; for China an imputed constant, not shipped)",
       "永久草地和牧场（粮农组织；中国数据为填补常数，未收录）"),
    _s("cropland", "Cropland", UNIT_AREA,
       "Cropland (arable land + permanent crops), FAOSTAT Land Use",
       "耕地及园地（FAOSTAT 'Cropland' = 可耕地 + 多年生作物）", primary=True),
    _s("cropland_survey2", "Cropland", UNIT_AREA,
       "Cropland (耕地), 2nd national land survey baseline (2009 survey, 2015 change survey)",
       "耕地（第二次全国土地调查基数）"),
    _s("cropland_survey3", "Cropland", UNIT_AREA,
       "Cropland (耕地), 3rd national land survey baseline (2019 survey, 2022-2023 change surveys)",
       "耕地（第三次全国国土调查基数）"),
    _s("forest_area", _FOREST, UNIT_AREA,
       "Forest area, FAO FRA 2025 via FAOSTAT (reporting years 1990/2000/2010/2015/2020/2025; others interpolated by FAO)",
       "森林面积（粮农组织FRA 2025；非报告年为FAO插值）", primary=True),
    _s("forest_area_fra2020", _FOREST, UNIT_AREA,
       "Forest area, FAO FRA 2020 (older vintage, for comparison)",
       "森林面积（FRA 2020，旧版本，仅供比较）"),
    _s("forest_area_nfi", _FOREST, UNIT_AREA,
       "Forest area, national forest inventories (NFI 1st, 4th-9th; year = last year of inventory period)",
       "森林面积（全国森林资源清查，年份为清查期末年）"),
    _s("forest_area_greening", _FOREST, UNIT_AREA,
       "Forest area 2022, National Land Greening Bulletin (3rd-survey-based monitoring; new baseline)",
       "森林面积（2022年国土绿化公报，基于三调的林草湿综合监测，新基数）"),
    _s("forest_land_survey2", _FOREST, UNIT_AREA,
       "Forest land class (林地, incl. shrubland and unstocked land), 2nd land survey baseline",
       "林地（含灌木林地等，第二次全国土地调查基数）"),
    _s("forest_land_survey3", _FOREST, UNIT_AREA,
       "Forest land class (林地), 3rd national land survey (2019)",
       "林地（第三次全国国土调查）"),
    _s("construction_land", "total construction land", UNIT_AREA,
       "Total construction land (建设用地), 3rd land survey baseline (2019 survey, 2021-2022 change surveys)",
       "建设用地总量（第三次全国国土调查基数）", primary=True),
    _s("urban_construction_land", "Urban Construction Land", UNIT_AREA,
       "Urban construction land (urban, industrial, mining and transport construction land outside "
       "villages) = 3rd-survey total construction land minus village land, 2019 only (derived; "
       "sparse file)",
       "城镇建设用地（村庄以外的城镇、工矿、交通建设用地）= 三调建设用地 − 村庄用地（推算，仅2019年）",
       primary=True),
    _s("rural_construction_land", _RURAL_LAND, UNIT_AREA,
       "Village land (村庄用地), 3rd national land survey (2019; secondary source; sparse file)",
       "村庄用地（第三次全国国土调查，2019年）", primary=True),
    _s("rural_construction_land_mohurd", _RURAL_LAND, UNIT_AREA,
       "Village area (村庄现状用地面积), MOHURD urban-rural construction statistics (2015)",
       "村庄现状用地面积（住建部城乡建设统计年鉴）"),
    _s("urban_built_up_area", "Urban Construction Land", UNIT_AREA,
       "PROXY: city built district area (城市建成区面积, MOHURD), cities only; a subset of urban construction land",
       "代理指标：城市建成区面积（住建部，仅城市，为城镇建设用地的一部分）"),
    _s("urban_construction_land_csy", "Urban Construction Land", UNIT_AREA,
       "Area of land used for urban construction (城市建设用地) of cities, CSY2009 (2008)",
       "城市建设用地面积（《中国统计年鉴2009》）"),
    _s("urban_town_land_clspi", "Urban Construction Land", UNIT_AREA,
       "Urban land of cities and designated towns, China Land Surveying and Planning Institute (2013)",
       "城镇用地（城市+建制镇，中国土地勘测规划院）"),
    _s("grassland", "Grassland", UNIT_AREA,
       "Grassland (草地), 3rd land survey baseline (2019 survey, 2022 greening bulletin)",
       "草地（第三次全国国土调查基数）", primary=True),
    _s("grassland_survey2", "Grassland", UNIT_AREA,
       "Grassland (草地), 2nd national land survey (2009)",
       "草地（第二次全国土地调查）"),
    # --- land carbon (土地碳) ----------------------------------------------------------
    _s("lulucf_net_removals", _NET_SINK, UNIT_CO2,
       "Net removals of the LULUCF sector, national GHG inventory (CO2e, positive = net sink; "
       "latest national submission per inventory year: 2005, 2010, 2014, 2018, 2020, 2021)",
       "土地利用、土地利用变化和林业净吸收（国家温室气体清单，CO2当量，正值为净汇）", primary=True,
       min_value=None),
    _s("lulucf_net_removals_lucf", _NET_SINK, UNIT_CO2,
       "Net removals of land-use change and forestry on the Revised-1996 LUCF basis (categories 5A + 5B "
       "only; 1994 INC, 2005 SNC as first reported, 2012 BUR1)",
       "土地利用变化和林业净吸收（1996年指南口径，仅5A+5B：1994、2005、2012年清单）", min_value=None),
    _s("lulucf_net_co2_removals", _NET_SINK, UNIT_CO2,
       "Net CO2 removals of the LULUCF sector, CO2 only (2005 recalculated, 2010, 2014)",
       "土地利用、土地利用变化和林业CO2净吸收（仅CO2）", min_value=None),
    _s("lulucf_forest_removals", "forest land carbon sink", UNIT_CO2,
       "CO2 removals by changes in forest and other woody biomass stocks (category 5A; 1994, 2005, 2012)",
       "森林和其他木质生物质碳储量变化的CO2吸收（5A类）", min_value=None),
    _s("forest_vegetation_carbon", "forest vegetation carbon", UNIT_CARBON,
       "Forest vegetation carbon stock, national forest inventories (8th, 9th; year = last year of "
       "the inventory period; sparse file)",
       "森林植被总碳储量（全国森林资源清查，年份为清查期末年）", primary=True),
    _s("afforestation_area", "afforestation", UNIT_AREA_FLOW,
       "Area of afforestation, manual planting + aerial seeding (NBS 2000-2005; 2018 from the forestry "
       "statistical bulletin components)",
       "造林面积（人工造林+飞播造林）", primary=True),
    _s("afforestation_area_reported", "afforestation", UNIT_AREA_FLOW,
       "Afforestation area as reported by the forestry administration; the scope varies (2018 includes "
       "hill closure, degraded-forest restoration and artificial regeneration)",
       "林业部门公布的完成造林面积（口径逐年不同）"),
    # --- construction and materials (建设与材料) ---------------------------------------
    _s("cement_production", _CEMENT, UNIT_MASS_FLOW,
       "Hydraulic cement production, USGS world table (rounded to 3 significant digits)",
       "水泥产量（美国地质调查局世界统计，三位有效数字）", primary=True),
    _s("cement_production_nbs", _CEMENT, UNIT_MASS_FLOW,
       "Cement output, NBS (1978, 1980, 1985, 2000, 2001)",
       "水泥产量（国家统计局）"),
    _s("urban_floor_space_per_capita", _FLOOR_PC, UNIT_FLOOR_PER_CAPITA,
       "Per-capita residential floor space of cities (城市人均住宅建筑面积, MOHURD, 1978-2006; "
       "secondary tabulation)",
       "城市人均住宅建筑面积（住建部，1978-2006年）", primary=True),
    _s("urban_floor_space_per_capita_nbs", _FLOOR_PC, UNIT_FLOOR_PER_CAPITA,
       "Per-capita housing floor space of urban residents (城镇居民人均住房建筑面积; 2012, 2016, 2019, 2021)",
       "城镇居民人均住房建筑面积"),
    _s("urban_floor_space_per_capita_census", _FLOOR_PC, UNIT_FLOOR_PER_CAPITA,
       "Per-capita living floor space of family households in cities, 7th census (2020)",
       "七普城市家庭户人均居住面积（2020年）"),
    _s("rural_floor_space_per_capita", "rural residential floor space per capita",
       UNIT_FLOOR_PER_CAPITA,
       "Per-capita housing floor space of rural residents (农村居民人均住房面积; NBS rural household survey "
       "1990-2010, integrated household survey 2016-2019, series break in 2013)",
       "农村居民人均住房面积（国家统计局）"),
    _s("floor_space_completed", "floor space construction", UNIT_FLOOR_FLOW,
       "Floor space of buildings completed by construction enterprises (房屋竣工面积; 2004, 2005, 2020); excludes self-built rural houses, so display only",
       "建筑业企业房屋竣工面积（仅建筑业企业，不含农户自建）", fitted=False),
)

#: name -> SeriesSpec, read-only.
SERIES: Mapping[str, SeriesSpec] = MappingProxyType({s.name: s for s in _SPECS})

if len(SERIES) != len(_SPECS):  # pragma: no cover - guards against a typo above
    raise RuntimeError("duplicate history variable names in calibration.series")


def known_variables() -> list[str]:
    """All registered history variable names, in registry order."""
    return list(SERIES)


def get_series(name: str) -> SeriesSpec:
    """Return the spec of history variable ``name``.

    Raises:
        KeyError: if the name is unknown; the message lists the known names.
    """
    try:
        return SERIES[name]
    except KeyError:
        raise KeyError(
            f"unknown history variable {name!r}; known: {', '.join(SERIES)}"
        ) from None


def primary_series() -> dict[str, str]:
    """Map each fitted model variable (Vensim name) to its primary history series name."""
    out: dict[str, str] = {}
    for spec in SERIES.values():
        if spec.primary and spec.model_variable is not None:
            if spec.model_variable in out:  # pragma: no cover - registry invariant
                raise RuntimeError(f"two primary series for {spec.model_variable!r}")
            out[spec.model_variable] = spec.name
    return out


def alternatives_of(model_variable: str) -> list[str]:
    """Names of the non-primary series compared with ``model_variable``."""
    return [
        s.name
        for s in SERIES.values()
        if s.model_variable == model_variable and not s.primary
    ]


__all__ = [
    "SERIES",
    "SeriesSpec",
    "UNIT_ALIASES",
    "UNIT_AREA",
    "UNIT_AREA_FLOW",
    "UNIT_CARBON",
    "UNIT_CO2",
    "UNIT_ENERGY",
    "UNIT_FLOOR_FLOW",
    "UNIT_FLOOR_PER_CAPITA",
    "UNIT_FRACTION",
    "UNIT_GDP",
    "UNIT_MASS_FLOW",
    "UNIT_PERCENT",
    "UNIT_PERSON",
    "alternatives_of",
    "get_series",
    "known_variables",
    "primary_series",
]
