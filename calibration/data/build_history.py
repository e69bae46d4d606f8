"""Build the tidy calibration history files from the sourced raw data (生成历史校准数据).

Reads the verbatim copy of the shared raw data in ``calibration/data/raw/`` (documented in
``raw/SOURCES.md``) and writes, in ``calibration/data/``:

* ``history_CHN.csv``, ``history_USA.csv``, ``history_GBR.csv`` — series with at least
  3 points each (the default ``min_points`` of :func:`calibration.history.load_history`);
* ``history_CHN_sparse.csv`` — Chinese benchmark series with only 1-2 comparable points
  (census points, single survey values, grassland); load with ``min_points=1``;
* ``example_region.csv`` — a few real GBR rows, as an example of the user data format.

Every output row keeps its source id and a note that names the raw file, the raw
variable, the unit conversion and the raw note verbatim, so each number can be traced.
Conversions use exact decimal arithmetic (``decimal.Decimal``), so e.g. 1000 ha → 10^4 ha
is an exact shift of the decimal point.  No value is interpolated, estimated or spliced
here; WUP projections (raw note "projection") and years before 1950 are dropped.

Run from the repository root::

    python calibration/data/build_history.py            # uses calibration/data/raw
    python calibration/data/build_history.py --check    # verify files are up to date
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
RAW_DIR = HERE / "raw"
OUT_COLUMNS = ("region", "year", "variable", "value", "unit", "source", "note")
FIRST_YEAR = 1950
WUP_LAST_OBSERVED = 2018

U_PERSON, U_PCT, U_GDP = "10^4 person", "%", "billion int$ (2011 PPP)/Year"
U_TWH, U_CO2, U_AREA = "TWh/Year", "Mt CO2/Year", "10^4 ha"
U_MTC, U_AREA_FLOW, U_MT = "Mt C", "10^4 ha/Year", "Mt/Year"
U_M2PC, U_FLOOR = "m2/person", "10^8 m2/Year"
U_RATE = "1/Year"
U_FRACTION = "Dmnl"
U_CURRENCY_MWH, U_CURRENCY_T = "currency/MWh", "currency/t CO2"

#: FRA reporting years; other years of the FAO forest series are FAO interpolations.
FRA2025_REPORTING_YEARS = frozenset({1990, 2000, 2010, 2015, 2020, 2025})
FRA2020_REPORTING_YEARS = frozenset({1990, 2000, 2010, 2015, 2020})

#: 1 tce = 7000 kcal/kg x 4.1868 kJ/kcal = 29.3076 GJ; 10^4 tce = 293076 GJ = 0.08141 TWh.
TWH_PER_10K_TCE = Decimal("0.08141")

ALL = ("CHN", "USA", "GBR")


@dataclass(frozen=True)
class Rule:
    """How one output series is taken from one raw variable.

    Attributes:
        out: output (history) variable name, registered in ``calibration.series``.
        raw_file: raw CSV file name in ``raw/``.
        raw_var: ``variable`` value in the raw file.
        unit: output (model) unit.
        factor: exact multiplier raw value → model unit.
        conversion: human-readable conversion statement written into the note.
        label: short description written at the start of the note.
        regions: regions to take.
        years: if given, only these years are taken.
        sparse: write to ``history_CHN_sparse.csv`` instead of ``history_CHN.csv``.
        tags: note tags applied to every row.
        year_tags: extra note tags for given years.
        reporting_years: if given, all other years get the ``[interpolated]`` tag.
    """

    out: str
    raw_file: str
    raw_var: str
    unit: str
    factor: Decimal
    conversion: str
    label: str
    regions: tuple[str, ...] = ALL
    years: frozenset[int] | None = None
    sparse: bool = False
    tags: tuple[str, ...] = ()
    year_tags: dict[int, tuple[str, ...]] = field(default_factory=dict)
    reporting_years: frozenset[int] | None = None


ONE = Decimal(1)
E_4 = Decimal("0.0001")  # persons → 10^4 persons; ha → 10^4 ha
E_1 = Decimal("0.1")  # 1000 ha → 10^4 ha
TEN = Decimal(10)  # p/kWh → GBP/MWh
E_2 = Decimal("0.01")  # km2 → 10^4 ha (1 km2 = 100 ha)
E_9 = Decimal("1e-9")  # int-$ → billion int-$
GG_TO_MT_REMOVAL = Decimal("-0.001")  # Gg CO2(e) emissions → Mt net removal (sign turned)
E3 = Decimal(1000)  # 10^9 t → Mt

OWID = "owid_co2_energy_gdp_pop.csv"
WUP = "urbanization_wup2018.csv"
FAO = "land_use_faostat.csv"
FRA20 = "forest_fra2020.csv"
NBS = "china_population_urbanization_nbs.csv"
SURV = "china_land_surveys.csv"
BUILT = "china_builtup_forest_other.csv"
ENER = "china_energy_nbs_points.csv"
MIX = "energy_mix_ei.csv"
LULUCF = "china_lulucf_inventory.csv"
NFI = "china_forest_nfi.csv"
AFF = "china_afforestation.csv"
BLD = "cement_buildings.csv"
VITAL = "china_vital_rates.csv"
AGE = "china_age_structure.csv"
AGE_OTHER = "age_structure_usa_gbr.csv"
UK_POWER = "uk_power_fuel_costs_carbon_price.csv"
PER_MILLE = Decimal("0.001")  # per mille -> per person and year
PER_CENT = Decimal("0.01")  # per cent -> fraction
CENSUS_YEARS = frozenset({1990, 2000, 2010, 2020})
#: population shares by broad age group: (output stem, raw stem, label)
AGE_GROUPS = (("children_share", "0_14", "0-14"), ("working_age_share", "15_64", "15-64"),
              ("elderly_share", "65_over", "65 and over"))
CHN = ("CHN",)
GG_CONV = "Gg x (-1/1000) = Mt; sign turned so that a net removal is positive"

RULES: tuple[Rule, ...] = (
    # ---- population / urbanization: UN WUP 2018, observed years only ----------------
    Rule("total_population", WUP, "population_wup", U_PERSON, E_4, "persons / 10^4",
         "UN WUP 2018 mid-year total = urban + rural"),
    Rule("urban_population", WUP, "urban_population_wup", U_PERSON, E_4, "persons / 10^4",
         "UN WUP 2018 mid-year urban population"),
    Rule("rural_population", WUP, "rural_population_wup", U_PERSON, E_4, "persons / 10^4",
         "UN WUP 2018 mid-year rural population"),
    Rule("urbanization_rate", WUP, "urbanization_rate_wup", U_PCT, ONE, "none (%)",
         "UN WUP 2018 mid-year urban share"),
    # ---- OWID (GCB 2024 vintage, Maddison 2023, EI 2024, UN WPP) --------------------
    Rule("total_population_wpp", OWID, "population", U_PERSON, E_4, "persons / 10^4",
         "OWID population (UN WPP), mid-year"),
    Rule("gdp", OWID, "gdp_const", U_GDP, E_9, "int-$ (2011 PPP) / 10^9",
         "Maddison Project Database 2023 via OWID, constant 2011 int-$ PPP"),
    Rule("primary_energy", OWID, "primary_energy", U_TWH, ONE, "none (TWh per year)",
         "Energy Institute Statistical Review 2024 + EIA via OWID"),
    Rule("co2_fossil_industry", OWID, "co2_fossil", U_CO2, ONE, "none (Mt CO2 per year)",
         "GCB 2024 via OWID: co2 = fossil + cement + flaring + other industry, excl. LUC"),
    Rule("co2_cement", OWID, "co2_cement", U_CO2, ONE, "none (Mt CO2 per year)",
         "GCB 2024 via OWID: cement process CO2"),
    Rule("co2_land_use_change", OWID, "co2_luc", U_CO2, ONE, "none (Mt CO2 per year)",
         "GCB 2024 via OWID: land-use-change CO2 (bookkeeping models), display only"),
    Rule("co2_coal", OWID, "co2_coal", U_CO2, ONE, "none (Mt CO2 per year)",
         "GCB 2024 via OWID: CO2 from coal combustion"),
    Rule("non_fossil_share", MIX, "low_carbon_share_energy", U_FRACTION, PER_CENT, "% / 100",
         "Energy Institute Statistical Review 2025 via OWID energy data: non-fossil (nuclear + "
         "renewables) share of primary energy, substitution method"),
    Rule("net_migration_rate", "net_migration_wpp2024.csv", "net_migration_rate", U_RATE, PER_MILLE,
         "per mille / 1000",
         "UN WPP 2024 net international migration of the calendar year / mid-year population "
         "(data input of the model, not a fitted series)",
         regions=("USA", "GBR")),
    Rule("coal_gas_cost_ratio", "us_power_fuel_costs_eia.csv", "coal_gas_cost_ratio", U_FRACTION, ONE,
         "none (ratio of $/MMBtu)",
         "EIA Monthly Energy Review table 9.9: cost of coal / cost of natural gas delivered to "
         "electric generating plants (data input of the model, not a fitted series)",
         regions=("USA",)),
    Rule("coal_gas_cost_ratio", UK_POWER, "coal_gas_cost_ratio", U_FRACTION, ONE, "none (ratio of p/kWh)",
         "DESNZ Quarterly Energy Prices table 3.2.1: price of coal / price of natural gas bought by the "
         "major UK power producers (data input of the model, not a fitted series)",
         regions=("GBR",)),
    Rule("gas_cost_power", UK_POWER, "gas_cost_power", U_CURRENCY_MWH, TEN, "p/kWh x 10 = GBP/MWh",
         "DESNZ Quarterly Energy Prices table 3.2.1: price of natural gas bought by the major UK power "
         "producers, nominal (data input of the model, not a fitted series)",
         regions=("GBR",)),
    Rule("carbon_price_power", UK_POWER, "carbon_price_power", U_CURRENCY_T, ONE, "none (GBP/t CO2)",
         "carbon price paid by UK fossil power plants: EU ETS allowance price (2005-2020) or UK ETS "
         "allowance price (2021) plus the Carbon Price Support (from April 2013), 0 before 2005 "
         "(data input of the model, not a fitted series)",
         regions=("GBR",)),
    Rule("investment_share", "investment_share_wdi.csv", "gross_capital_formation_pct_gdp", U_FRACTION, PER_CENT,
         "% / 100", "World Bank WDI NE.GDI.TOTL.ZS: gross capital formation, share of GDP (data input of the "
         "model, not a fitted series)"),
    Rule("export_share", "export_share_wdi.csv", "exports_pct_gdp", U_FRACTION, PER_CENT,
         "% / 100", "World Bank WDI NE.EXP.GNFS.ZS: exports of goods and services, share of GDP (data input of "
         "the model, not a fitted series)"),
    Rule("industry_share", "industry_share_wdi.csv", "industry_value_added_pct_gdp", U_FRACTION, PER_CENT,
         "% / 100", "World Bank WDI NV.IND.TOTL.ZS: industry (including construction) value added, share of GDP"),
    # ---- FAOSTAT land use ----------------------------------------------------------
    Rule("cropland", FAO, "cropland_area", U_AREA, E_1, "1000 ha / 10",
         "FAOSTAT RL Cropland (arable land + permanent crops)"),
    Rule("land_area", FAO, "land_area", U_AREA, E_1, "1000 ha / 10",
         "FAOSTAT RL Land area (country area less inland water)"),
    Rule("grassland_fao", FAO, "pasture_area", U_AREA, E_1, "1000 ha / 10",
         "FAOSTAT RL Permanent meadows and pastures (not for CHN: an imputed constant there)",
         regions=("USA", "GBR")),
    Rule("forest_area", FAO, "forest_area_fao", U_AREA, E_1, "1000 ha / 10",
         "FAOSTAT RL Forest land (FAO FRA 2025 vintage)",
         reporting_years=FRA2025_REPORTING_YEARS),
    Rule("forest_area_fra2020", FRA20, "forest_area_fra2020", U_AREA, E_1, "1000 ha / 10",
         "FAO FRA 2020 forest area via OWID (older vintage)", tags=("superseded",),
         reporting_years=FRA2020_REPORTING_YEARS),
    # ---- China NBS population -----------------------------------------------------
    *(
        Rule(f"{kind}_nbs", NBS, f"{raw}_nbs", U_PERSON, ONE, "none (10k persons)",
             f"NBS year-end {kind.replace('_', ' ')}, current official basis", regions=("CHN",))
        for kind, raw in (("total_population", "population"),
                          ("urban_population", "urban_population"),
                          ("rural_population", "rural_population"))
    ),
    Rule("urbanization_rate_nbs", NBS, "urbanization_rate_nbs", U_PCT, ONE, "none (%)",
         "NBS year-end urbanization rate, current official basis", regions=("CHN",)),
    *(
        Rule(f"{kind}_nbs_{vint}", NBS, f"{raw}_nbs_{vint}", U_PERSON, ONE,
             "none (10k persons)", f"NBS year-end {kind.replace('_', ' ')}, {lab}",
             regions=("CHN",), tags=("superseded",))
        for kind, raw in (("total_population", "population"),
                          ("urban_population", "urban_population"),
                          ("rural_population", "rural_population"))
        for vint, lab in (("pre2020rev", "vintage before the 2020-census revision"),
                          ("csy1998", "China Statistical Yearbook 1998 vintage"))
    ),
    *(
        Rule(f"urbanization_rate_nbs_{vint}", NBS, f"urbanization_rate_nbs_{vint}", U_PCT,
             ONE, "none (%)", f"NBS year-end urbanization rate, {lab}", regions=("CHN",),
             tags=("superseded",))
        for vint, lab in (("pre2020rev", "vintage before the 2020-census revision"),
                          ("csy1998", "China Statistical Yearbook 1998 vintage"))
    ),
    Rule("urbanization_rate_census", NBS, "urbanization_rate_census", U_PCT, ONE, "none (%)",
         "population census urbanization rate (reference date 1 November)", regions=("CHN",)),
    Rule("urban_population_census", NBS, "urban_population_census", U_PERSON, E_4,
         "persons / 10^4", "7th population census urban population (2020-11-01)",
         regions=("CHN",), sparse=True),
    Rule("rural_population_census", NBS, "rural_population_census", U_PERSON, E_4,
         "persons / 10^4", "7th population census rural population (2020-11-01)",
         regions=("CHN",), sparse=True),
    # ---- China NBS energy (old vintages, each kept separately) ----------------------
    Rule("primary_energy_nbs_csy1999", ENER, "energy_consumption_nbs_csy1999", U_TWH,
         TWH_PER_10K_TCE, "10^4 tce x 0.08141 TWh per 10^4 tce (1 tce = 29.3076 GJ)",
         "NBS total energy consumption, CSY1999 vintage", regions=("CHN",),
         tags=("superseded",)),
    Rule("primary_energy_nbs_csy2004", ENER, "energy_consumption_nbs_csy2004", U_TWH,
         TWH_PER_10K_TCE, "10^4 tce x 0.08141 TWh per 10^4 tce (1 tce = 29.3076 GJ)",
         "NBS total energy consumption, CSY2004 vintage", regions=("CHN",),
         tags=("superseded",)),
    # ---- China land surveys ------------------------------------------------------------
    Rule("cropland_survey2", SURV, "cropland_area_survey", U_AREA, E_4, "ha / 10^4",
         "耕地, 2nd land survey baseline", regions=("CHN",), years=frozenset({2009, 2015}),
         sparse=True, year_tags={2015: ("rounded",)}),
    Rule("cropland_survey3", SURV, "cropland_area_survey", U_AREA, E_4, "ha / 10^4",
         "耕地, 3rd land survey baseline", regions=("CHN",),
         years=frozenset({2019, 2022, 2023}),
         year_tags={2022: ("rounded", "preliminary"), 2023: ("rounded",)}),
    Rule("forest_land_survey2", SURV, "forest_land_survey", U_AREA, E_4, "ha / 10^4",
         "林地 (land-survey class, not NFI forest area), 2nd land survey baseline",
         regions=("CHN",), years=frozenset({2009, 2015}), sparse=True,
         year_tags={2015: ("rounded",)}),
    Rule("forest_land_survey3", SURV, "forest_land_survey", U_AREA, E_4, "ha / 10^4",
         "林地 (land-survey class, not NFI forest area), 3rd land survey",
         regions=("CHN",), years=frozenset({2019}), sparse=True),
    Rule("construction_land", SURV, "construction_land_total", U_AREA, E_4, "ha / 10^4",
         "建设用地 total, 3rd land survey baseline", regions=("CHN",),
         year_tags={2019: ("rounded",), 2021: ("rounded",), 2022: ("rounded",)}),
    Rule("grassland_survey2", SURV, "grassland_area_survey", U_AREA, E_4, "ha / 10^4",
         "草地, 2nd national land survey", regions=("CHN",), years=frozenset({2009}),
         sparse=True),
    Rule("grassland", SURV, "grassland_area_survey", U_AREA, E_4, "ha / 10^4",
         "草地, 3rd national land survey", regions=("CHN",), years=frozenset({2019}),
         sparse=True),
    Rule("grassland", BUILT, "grassland_area", U_AREA, E_4, "ha / 10^4",
         "grassland, 2022 National Land Greening Bulletin (3rd-survey basis)",
         regions=("CHN",), years=frozenset({2022}), sparse=True, tags=("rounded",)),
    # ---- China forests (NFI) and urban land -----------------------------------------
    Rule("forest_area_nfi", BUILT, "forest_area_nfi", U_AREA, E_4, "ha / 10^4",
         "national forest inventory forest area (year = last year of inventory period)",
         regions=("CHN",), years=frozenset({1976, 1993, 1998, 2003, 2008, 2013, 2018}),
         year_tags={1976: ("rounded",), 1993: ("rounded", "low_quality"),
                    1998: ("low_quality",), 2013: ("rounded",), 2018: ("rounded",)}),
    Rule("forest_area_greening", BUILT, "forest_area_nfi", U_AREA, E_4, "ha / 10^4",
         "forest area, 2022 National Land Greening Bulletin (new 3rd-survey-based baseline)",
         regions=("CHN",), years=frozenset({2022}), sparse=True, tags=("rounded",)),
    Rule("urban_built_up_area", BUILT, "built_up_area_urban", U_AREA, E_2,
         "km2 / 100", "PROXY for urban construction land: MOHURD city built district "
         "(城市建成区面积), cities only", regions=("CHN",), tags=("proxy",),
         year_tags={2022: ("rounded",)}),
    Rule("urban_construction_land_csy", BUILT, "urban_construction_land", U_AREA, E_2,
         "km2 / 100", "城市建设用地 of cities, CSY2009", regions=("CHN",), sparse=True),
    Rule("urban_town_land_clspi", BUILT, "urban_town_land", U_AREA, E_4, "ha / 10^4",
         "urban land of cities + designated towns, CLSPI", regions=("CHN",), sparse=True),
    Rule("rural_construction_land", SURV, "village_land_survey", U_AREA, E_4, "ha / 10^4",
         "村庄用地 (village land), 3rd national land survey", regions=CHN, sparse=True,
         tags=("low_quality",)),
    Rule("urban_construction_land", SURV, "urban_construction_land_survey", U_AREA, E_4,
         "ha / 10^4", "建设用地 minus 村庄用地 (construction land outside villages), "
         "3rd national land survey", regions=CHN, sparse=True, tags=("rounded", "low_quality")),
    Rule("rural_construction_land_mohurd", SURV, "village_area_mohurd", U_AREA, E_4,
         "ha / 10^4", "村庄现状用地面积 (village area, MOHURD statistics)", regions=CHN,
         sparse=True),
    # ---- China national GHG inventory, LULUCF ---------------------------------------
    Rule("lulucf_net_removals", LULUCF, "lulucf_net_ghg", U_CO2, GG_TO_MT_REMOVAL, GG_CONV,
         "national GHG inventory LULUCF net removals, CO2e, latest national submission "
         "for each inventory year", regions=CHN,
         year_tags={y: ("rounded",) for y in (2005, 2014, 2018, 2020, 2021)}),
    Rule("lulucf_net_removals_lucf", LULUCF, "lulucf_net_ghg_lucf_basis", U_CO2,
         GG_TO_MT_REMOVAL, GG_CONV, "national GHG inventory net removals on the LUCF basis "
         "(Revised 1996 IPCC categories 5A + 5B only), CO2e", regions=CHN,
         year_tags={2005: ("superseded",)}),
    Rule("lulucf_net_co2_removals", LULUCF, "lulucf_net_co2", U_CO2, GG_TO_MT_REMOVAL,
         GG_CONV, "national GHG inventory LULUCF net CO2 removals (CO2 only)", regions=CHN,
         tags=("rounded",)),
    Rule("lulucf_forest_removals", LULUCF, "lulucf_forest_woody_biomass_co2", U_CO2,
         GG_TO_MT_REMOVAL, GG_CONV, "national GHG inventory changes in forest and other "
         "woody biomass stocks (category 5A), CO2", regions=CHN),
    # ---- China forest inventory carbon, afforestation -----------------------------
    Rule("forest_vegetation_carbon", NFI, "forest_vegetation_carbon_nfi", U_MTC, E3,
         "10^9 t C x 1000", "national forest inventory forest vegetation carbon stock "
         "(year = last year of inventory period)", regions=CHN, sparse=True),
    Rule("crude_birth_rate", VITAL, "crude_birth_rate", U_RATE, PER_MILLE,
         "per mille / 1000", "NBS crude birth rate", regions=CHN, tags=("rounded",)),
    Rule("crude_birth_rate", "usa_vital_rates.csv", "crude_birth_rate", U_RATE, PER_MILLE,
         "per mille / 1000", "US crude birth rate (Census Bureau Statistical Abstract, NCHS births)",
         regions=("USA",), tags=("rounded",)),
    Rule("crude_birth_rate", "gbr_vital_rates.csv", "crude_birth_rate", U_RATE, PER_MILLE,
         "per mille / 1000", "UK crude birth rate (Human Fertility Database; ONS births / UN WPP "
         "population; source and derivation in the raw note)", regions=("GBR",)),
    Rule("crude_death_rate", VITAL, "crude_death_rate", U_RATE, PER_MILLE,
         "per mille / 1000", "NBS crude death rate", regions=CHN, tags=("rounded",)),
    Rule("crude_death_rate", "gbr_vital_rates.csv", "crude_death_rate", U_RATE, PER_MILLE,
         "per mille / 1000", "UK crude death rate of the year ending 30 June (ONS deaths / UN WPP "
         "population; source and derivation in the raw note)", regions=("GBR",)),
    # ---- China age structure: NBS year-end table and population censuses ------------
    *(
        Rule(out, AGE, f"share_{raw}_nbs", U_FRACTION, PER_CENT, "% / 100",
             f"NBS year-end share of the population aged {lab} (age-structure table 人口年龄结构和抚养比"
             + ("; 2021-2023: NBS annual releases)" if raw == "65_over" else ")"), regions=CHN,
             year_tags={y: ("rounded",) for y in (2001, 2002, 2003, 2021, 2022, 2023)})
        for out, raw, lab in AGE_GROUPS
    ),
    # ---- age structure of the United States and the United Kingdom (sparse points) ----
    *(
        Rule(out, AGE_OTHER, f"share_{raw}", U_FRACTION, PER_CENT, "% / 100",
             f"share of the population aged {lab} (source and date in the raw note)",
             regions=("USA", "GBR"))
        for out, raw, lab in AGE_GROUPS
    ),
    *(
        Rule(f"{out}_census", AGE, f"share_{raw}_census", U_FRACTION, PER_CENT, "% / 100",
             f"population census share aged {lab} (1990: 1 July; 2000-2020: 1 November)",
             regions=CHN, years=CENSUS_YEARS)
        for out, raw, lab in AGE_GROUPS
    ),
    Rule("afforestation_area", AFF, "afforestation_planted", U_AREA_FLOW, E_4,
         "ha / 10^4 (per year)", "area of afforestation, manual planting + aerial seeding",
         regions=CHN),
    Rule("afforestation_area_reported", AFF, "afforestation_reported", U_AREA_FLOW, E_4,
         "ha / 10^4 (per year)", "afforestation area as reported by the forestry "
         "administration (scope varies by year, see raw note)", regions=CHN,
         year_tags={2006: ("rounded", "low_quality"), 2012: ("rounded",)}),
    # ---- cement and buildings ------------------------------------------------------
    Rule("cement_production", BLD, "cement_production_usgs", U_MT, ONE,
         "none (Mt per year)", "hydraulic cement production, USGS world table",
         regions=("CHN", "USA"), tags=("rounded",)),
    Rule("cement_production_nbs", BLD, "cement_production_nbs", U_MT, E_2,
         "10^4 t / 100", "NBS cement output (水泥产量)", regions=CHN),
    Rule("urban_floor_space_per_capita", BLD, "urban_floor_per_capita_mohurd", U_M2PC, ONE,
         "none (m2 per person)", "城市人均住宅建筑面积 (MOHURD, cities)", regions=CHN,
         tags=("low_quality",)),
    Rule("urban_floor_space_per_capita_nbs", BLD, "urban_floor_per_capita_nbs", U_M2PC, ONE,
         "none (m2 per person)", "城镇居民人均住房建筑面积 (NBS / MOHURD, urban residents)",
         regions=CHN, year_tags={2012: ("low_quality",), 2021: ("low_quality",)}),
    Rule("urban_floor_space_per_capita_census", BLD, "urban_floor_per_capita_census", U_M2PC,
         ONE, "none (m2 per person)", "7th census, family households in cities",
         regions=CHN, sparse=True, tags=("low_quality",)),
    Rule("rural_floor_space_per_capita", BLD, "rural_floor_per_capita_nbs", U_M2PC, ONE,
         "none (m2 per person)", "农村居民人均住房面积 (NBS rural household survey to 2012; "
         "integrated household survey building area from 2016, series break in 2013)",
         regions=CHN, year_tags={2018: ("low_quality",)}),
    Rule("floor_space_completed", BLD, "floor_space_completed_enterprises", U_FLOOR, E_4,
         "10^4 m2 / 10^4 (per year)", "floor space of buildings completed by construction "
         "enterprises (房屋竣工面积)", regions=CHN, year_tags={2020: ("rounded",)}),
)


def read_raw(raw_dir: Path, name: str) -> list[dict[str, str]]:
    """Rows of a raw tidy CSV as dicts of strings (UTF-8)."""
    with open(raw_dir / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def fmt(value: Decimal) -> str:
    """Fixed-point text of an exact decimal without trailing zeros (no exponent)."""
    text = format(value.normalize(), "f")
    return text


def build_rows(raw_dir: Path = RAW_DIR) -> dict[str, list[dict[str, str]]]:
    """Apply :data:`RULES` to the raw files.

    Returns:
        Mapping from output file name to its rows (dicts with :data:`OUT_COLUMNS`).
    """
    cache: dict[str, list[dict[str, str]]] = {}
    files: dict[str, list[dict[str, str]]] = {}
    for rule in RULES:
        raw = cache.setdefault(rule.raw_file, read_raw(raw_dir, rule.raw_file))
        matched = 0
        for r in raw:
            if r["variable"] != rule.raw_var or r["region"] not in rule.regions:
                continue
            year = int(r["year"])
            if rule.years is not None and year not in rule.years:
                continue
            raw_note = r["note"].strip()
            if "projection" in raw_note.lower():
                continue  # WUP projections are not history
            if year < FIRST_YEAR:
                continue
            matched += 1
            tags = list(rule.tags)
            if rule.reporting_years is not None and year not in rule.reporting_years:
                tags.append("interpolated")
            if "derived" in raw_note.lower():
                tags.append("derived")
            tags.extend(rule.year_tags.get(year, ()))
            tag_text = " ".join(f"[{t}]" for t in dict.fromkeys(tags))
            parts = [
                rule.label,
                f"raw: {rule.raw_file} variable {rule.raw_var} ({r['unit']})",
                f"conversion: {rule.conversion}",
            ]
            if rule.reporting_years is not None:
                parts.append(
                    "FRA reporting year" if year in rule.reporting_years
                    else "not an FRA reporting year: FAO interpolation, not an independent observation"
                )
            if raw_note:
                parts.append(f"raw note: {raw_note}")
            note = (tag_text + " " if tag_text else "") + "; ".join(parts)
            value = Decimal(r["value"]) * rule.factor
            region = r["region"]
            fname = (
                f"history_{region}_sparse.csv" if rule.sparse else f"history_{region}.csv"
            )
            files.setdefault(fname, []).append(
                {
                    "region": region,
                    "year": str(year),
                    "variable": rule.out,
                    "value": fmt(value),
                    "unit": rule.unit,
                    "source": r["source_id"],
                    "note": note,
                }
            )
        if matched == 0:
            raise RuntimeError(f"rule for {rule.out} matched no raw row")
    for rows in files.values():
        rows.sort(key=lambda d: (d["region"], d["variable"], int(d["year"])))
    files["example_region.csv"] = example_rows(files["history_GBR.csv"])
    return files


def example_rows(gbr: list[dict[str, str]]) -> list[dict[str, str]]:
    """A small real example of the user format: GBR 2014-2018, three variables."""
    keep = {"urbanization_rate", "cropland", "forest_area"}
    return [d for d in gbr if d["variable"] in keep and 2014 <= int(d["year"]) <= 2018]


def render(rows: list[dict[str, str]]) -> str:
    """CSV text (UTF-8, LF line ends, minimal quoting) of the rows."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=OUT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: write (or with ``--check`` verify) the output files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=RAW_DIR, help="raw data directory")
    parser.add_argument("--out", type=Path, default=HERE, help="output directory")
    parser.add_argument("--check", action="store_true", help="only verify, do not write")
    args = parser.parse_args(argv)
    stale = []
    for name, rows in build_rows(args.raw).items():
        text = render(rows)
        path = args.out / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path} ({len(rows)} rows)")
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
