"""Validation of calibration configurations: clear errors naming file and key."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from calibration.config import ConfigError, load_config
from calibration.testing import tiny_config, write_config
from tests.calibration.raw_data import raw_values

NATIONAL = Path(__file__).resolve().parents[2] / "calibration" / "national.yaml"


def _err(tmp_path, **changes) -> str:
    p = write_config(tmp_path / "c.yaml", tiny_config(**changes))
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    msg = str(exc.value)
    assert str(p) in msg  # the file is named
    assert "\n" not in msg  # one line
    return msg


def test_national_config_is_valid():
    cfg = load_config(NATIONAL)
    assert cfg.region == "CHN" and cfg.is_home_region
    assert cfg.baseline_path.resolve() == (NATIONAL.parent.parent / "scenarios" / "baseline.yaml")
    assert cfg.report_dir.resolve() == NATIONAL.parent / "reports" / "CHN"
    names = {p.name for p in cfg.parameters}
    assert {"migration coefficient", "initial GDP", "historical afforestation rate"} <= names
    assert cfg.acceptance["co2_fossil_industry"] == 5


def test_national_config_for_another_region():
    from calibration.history import load_history
    from calibration.observations import load_region_history

    cfg = load_config(NATIONAL, region="GBR")
    assert cfg.baseline_path.name == "baseline_GBR.yaml"
    assert cfg.from_data == {"total land area": "land_area"}
    assert cfg.fixed["cropland red line"].value == 0  # China's policies switched off
    assert cfg.data[0].path.name == "history_GBR.csv"
    assert cfg.name["en"].startswith("United Kingdom")
    load_region_history(cfg)  # sets the land area from the region's own data
    df = load_history(cfg.data[0].path)
    area_1990 = df[(df.variable == "land_area") & (df.year == 1990)].value.iloc[0]
    assert cfg.fixed["total land area"].value == pytest.approx(area_1990)


def test_region_without_land_data_gets_a_clear_error(tmp_path):
    """A region with neither a land area nor cropland and forest data cannot be sized."""
    from calibration.observations import load_region_history
    from calibration.testing import synthetic_history

    data = synthetic_history(tmp_path / "x.csv", {"migration coefficient": 0.05},
                             ["urbanization_rate", "gdp"], list(range(1990, 2000)),
                             region="XYZ")
    p = write_config(tmp_path / "c.yaml", tiny_config(region="CHN"))
    cfg = load_config(p, region="XYZ", data=data)
    with pytest.raises(ConfigError, match="total land area"):
        load_region_history(cfg)


def test_unknown_region_gets_the_default_block():
    cfg = load_config(NATIONAL, region="DEU", data=NATIONAL.parent / "data" / "history_GBR.csv")
    names = {p.name for p in cfg.parameters}
    assert "initial birth rate" in names  # estimated for regions other than China
    assert cfg.fixed["cropland balance rule enforcement"].value == 0


def test_a_constant_fixed_at_the_top_can_be_released_and_estimated_by_a_region_block(tmp_path):
    """China fixes medical progress at 0 (not identified there); other regions estimate it."""
    rate = "mortality decline from medical progress"
    home = load_config(NATIONAL)
    assert home.fixed[rate].value == 0 and rate not in {p.name for p in home.parameters}
    for region in ("USA", "GBR"):
        cfg = load_config(NATIONAL, region=region)
        assert rate not in cfg.fixed
        (spec,) = [p for p in cfg.parameters if p.name == rate]
        assert spec.bounds == (0, 0.025) and spec.literature == 0.01
    # a null under a region's fixed releases the constant only: estimating it is still explicit
    p = write_config(tmp_path / "c.yaml", tiny_config(
        fixed={rate: 0.01}, regions={"XYZ": {"fixed": {rate: None}}}))
    cfg = load_config(p, region="XYZ", data=NATIONAL.parent / "data" / "history_GBR.csv")
    assert rate not in cfg.fixed and rate not in {q.name for q in cfg.parameters}
    assert load_config(p).fixed[rate].value == 0.01



def test_region_without_a_block_reads_its_own_history_file(tmp_path):
    """The default block names data/history_{region}.csv: a new region's file placed
    beside the configuration is found without --data; a missing one is named."""
    import shutil

    (tmp_path / "data").mkdir()
    config = tmp_path / "national.yaml"
    shutil.copy(NATIONAL, config)
    for f in NATIONAL.parent.glob("data/history_CHN*.csv"):
        shutil.copy(f, tmp_path / "data" / f.name)
    gbr = (NATIONAL.parent / "data" / "history_GBR.csv").read_text().splitlines()
    deu = [gbr[0]] + [("DEU," + line[4:]) if line.startswith("GBR,") else line for line in gbr[1:]]
    (tmp_path / "data" / "history_DEU.csv").write_text("\n".join(deu) + "\n")

    cfg = load_config(config, region="DEU")
    assert [d.path for d in cfg.data] == [tmp_path / "data" / "history_DEU.csv"]
    assert cfg.fixed["cropland balance rule enforcement"].value == 0  # the default block
    assert load_config(config).data[0].path.name == "history_CHN.csv"  # home region unchanged

    with pytest.raises(ConfigError) as exc:
        load_config(config, region="FRA")
    msg = str(exc.value)
    assert "regions.default.data[0]" in msg and "history_FRA.csv" in msg and "--data" in msg


@pytest.mark.parametrize("changes, key, text", [
    ({"colour": 1}, "colour", "unknown key"),
    ({"region": ""}, "region", "region code"),
    ({"series": {"no_such_series": 1}}, "series.no_such_series", "unknown history variable"),
    ({"series": {"gdp": -1}}, "series.gdp", "weight must be >= 0"),
    ({"series": {"gdp": {"weight": 1, "timing": "noon"}}}, "series.gdp.timing", "not one of"),
    ({"series": {"co2_land_use_change": 1}}, "series.co2_land_use_change", "display-only"),
    ({"parameters": {"no such constant": {"bounds": [0, 1]}}}, "parameters.no such constant",
     "unknown model variable"),
    ({"parameters": {"migration coefficient": {"bounds": [0.1, 0.5]}}},
     "parameters.migration coefficient.bounds", "outside the model range"),
    ({"parameters": {"migration coefficient": {"bounds": [0.1, 0.05]}}},
     "parameters.migration coefficient.bounds", "must be below"),
    ({"parameters": {"migration coefficient": {}}}, "parameters.migration coefficient",
     "give 'bounds'"),
    ({"parameters": {"total population": {"bounds": [0, 1]}}}, "parameters.total population",
     "not a constant"),
    ({"parameters": {"migration coefficient": {"anchor": {"series": "gdp", "factor": [1]}}}},
     "parameters.migration coefficient.anchor.factor", "list [low, high]"),
    ({"parameters": {"migration coefficient": {"bounds": [0.02, 0.1]}},
      "fixed": {"migration coefficient": 0.05}}, "parameters.migration coefficient",
     "also fixed"),
    ({"fixed": {"migration coefficient": 5}}, "migration coefficient", "outside the allowed range"),
    ({"window": {"start": 1980}}, "window.start", "INITIAL TIME"),
    ({"window": {"start": 2000, "end": 1995}}, "window.end", "must be after"),
    ({"optimizer": {"popsize": 1}}, "optimizer.popsize", ">= 2"),
    ({"optimizer": {"speed": 1}}, "speed", "unknown key"),
    ({"identification": {"round_generations": -1}}, "identification.round_generations", ">= 0"),
    ({"identification": {"round_generations": 2.5}}, "identification.round_generations", "must be an integer"),
    ({"identification": {"se_limit": 0}}, "identification.se_limit", "> 0"),
    ({"identification": {"first_generations": -5}}, "identification.first_generations", ">= 0"),
    ({"identification": {"one_at_a_time": "yes"}}, "identification.one_at_a_time", "true or false"),
    ({"identification": {"max_objective_increase": 0}}, "identification.max_objective_increase", "> 0"),
    ({"identification": {"max_objective_increase": "half"}}, "identification.max_objective_increase", "must be a number"),
    ({"data": ["missing.csv"]}, "data[0]", "not found"),
    ({"parameters": {
        "initial cropland share": {"bounds": [0.1, 0.5]},
        "initial forest share": {"bounds": [0.1, 0.5]}}}, "parameters", "add up to"),
    ({"acceptance": {"gdp": 0}}, "acceptance.gdp", "> 0"),
    ({"data_inputs": {"coal to gas fuel cost ratio": "no_such_series"}},
     "data_inputs.coal to gas fuel cost ratio", "unknown history variable"),
    ({"data_inputs": {"migration coefficient": "gdp"}}, "data_inputs.migration coefficient",
     "also fixed, estimated or set from data"),
    ({"data_inputs": {"no such constant": "gdp"}}, "data_inputs.no such constant", "unknown model variable"),
])
def test_errors_name_the_key(tmp_path, changes, key, text):
    msg = _err(tmp_path, **changes)
    assert key in msg and text in msg, msg


def test_invalid_yaml_and_non_mapping(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("region: CHN\nseries: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml: invalid YAML \(line"):
        load_config(p)
    p.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="must contain a YAML mapping"):
        load_config(p)
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_fit_until_must_lie_in_the_window(tmp_path):
    p = write_config(tmp_path / "c.yaml", tiny_config())
    with pytest.raises(ConfigError, match="--fit-until"):
        load_config(p, fit_until=1985)


RATIO = "coal to gas fuel cost ratio"
MIGRATION = "net international migration rate"
INVESTMENT = "investment share of GDP"
EXPORTS = "export share of GDP"


def test_a_data_input_is_the_whole_series_also_after_the_cut_off():
    """USA's coal-to-gas fuel cost ratio comes from the EIA costs of the raw file (ratio
    computed here from the two cost columns), every year 1990-2024, although the fit stops
    in 2000: a data input is exogenous, not a fitted series."""
    from calibration.observations import data_input_values, load_region_history

    cfg = load_config(NATIONAL, region="USA", fit_until=2000)
    assert cfg.data_inputs == {RATIO: "coal_gas_cost_ratio", MIGRATION: "net_migration_rate",
                               INVESTMENT: "investment_share", EXPORTS: "export_share"}
    history = load_region_history(cfg)
    assert int(history.fit["year"].max()) == 2000
    series = data_input_values(cfg)[RATIO]
    costs = raw_values("us_power_fuel_costs_eia.csv", "USA")
    years = sorted(costs["coal_cost_power"])
    assert years[0] == 1990 and years[-1] == 2024
    assert list(series.index) == [float(y) for y in years]
    expected = [costs["coal_cost_power"][y] / costs["gas_cost_power"][y] for y in years]
    assert series.to_numpy() == pytest.approx(expected, abs=5e-5)  # 4 decimals in the file
    values, source = cfg.data_series[RATIO]
    assert "EIA" in source["en"] and "美国能源信息署" in source["zh"]


@pytest.mark.parametrize("region, first_rate", [("USA", 1084720 / 253373337),
                                                 ("GBR", 57132 / 57367820)])
def test_net_migration_is_a_data_input_from_the_un_counts(region, first_rate):
    """The net international migration per resident of the United States and the United
    Kingdom, 1990-2023, is the UN WPP 2024 count of net migrants divided by the mid-year
    population, both read here from the raw files (not from the derived column), and runs
    through the whole series after a 2000 cut-off. The 1990 rates are the counts of the
    UN file by hand: 1,084,720 / 253,373,337 and 57,132 / 57,367,820."""
    from calibration.observations import data_input_values, load_region_history

    migrants = raw_values("net_migration_wpp2024.csv", region)["net_migration"]
    population = raw_values("owid_co2_energy_gdp_pop.csv", region)["population"]
    cfg = load_config(NATIONAL, region=region, fit_until=2000)
    load_region_history(cfg)
    series = data_input_values(cfg)[MIGRATION]
    years = sorted(migrants)
    assert years == list(range(1990, 2024))
    assert list(series.index) == [float(y) for y in years]
    expected = [migrants[y] / population[y] for y in years]
    assert series.to_numpy() == pytest.approx(expected, abs=5e-7)  # 0.001 per mille in the file
    assert series[1990.0] == pytest.approx(first_rate, abs=5e-7)
    _, source = cfg.data_series[MIGRATION]
    assert "World Population Prospects" in source["en"] and "世界人口展望" in source["zh"]


def test_the_data_block_of_a_fitted_scenario_loads_as_a_scenario():
    from calibration.baseline import data_block
    from calibration.observations import load_region_history
    from scenarios import scenario_from_mapping

    cfg = load_config(NATIONAL, region="USA")
    load_region_history(cfg)
    block = data_block(cfg)
    sc = scenario_from_mapping({"name": {"en": "x", "zh": "x"}, "description": {"en": "x", "zh": "x"},
                                "overrides": {}, "data": block}, source="fitted.yaml")
    assert sc.data[RATIO].years[0] == 1990 and sc.data[RATIO].years[-1] == 2024


def test_a_region_without_the_data_series_gets_a_clear_error(tmp_path):
    from calibration.observations import load_region_history

    p = write_config(tmp_path / "c.yaml", tiny_config(data_inputs={RATIO: "coal_gas_cost_ratio"}))
    cfg = load_config(p)
    with pytest.raises(ConfigError, match="data_inputs.coal to gas fuel cost ratio: region CHN has no observation"):
        load_region_history(cfg)


def test_an_optional_data_input_that_a_region_lacks_keeps_the_model_default(tmp_path):
    """``required: false``: the region has no coal-to-gas cost ratio, so the run keeps the
    model default and the fit's notes say so; nothing else changes."""
    from calibration.fit import build_problem
    from calibration.observations import load_region_history

    spec = {"series": "coal_gas_cost_ratio", "required": False}
    p = write_config(tmp_path / "c.yaml", tiny_config(data_inputs={RATIO: spec}))
    cfg = load_config(p)
    assert cfg.data_inputs == {RATIO: "coal_gas_cost_ratio"} and cfg.optional_data_inputs == {RATIO}
    history = load_region_history(cfg)
    assert RATIO not in cfg.data_series
    problem = build_problem(cfg, history)
    assert RATIO not in problem.data
    assert any(f"`{RATIO}`" in n and "model default is kept" in n for n in problem.notes)


@pytest.mark.parametrize("spec, text", [
    ({"series": "coal_gas_cost_ratio", "required": "no"}, "must be true or false"),
    ({"series": "coal_gas_cost_ratio", "when": 1}, "unknown key"),
    ({"required": False}, "must name a history variable"),
])
def test_a_malformed_optional_data_input_names_the_key(tmp_path, spec, text):
    msg = _err(tmp_path, data_inputs={RATIO: spec})
    assert f"data_inputs.{RATIO}" in msg and text in msg, msg


def test_a_region_whose_data_start_later_is_anchored_on_its_earliest_observation(tmp_path):
    """Without an observation at the start of the runs (1990), an anchored initial value
    gets bounds of 0.3-1.2 x the region's earliest observation (a note says so); the
    other anchors keep their factors."""
    import pandas as pd

    from calibration.fit import build_problem
    from calibration.observations import EARLIEST_ANCHOR_FACTORS, load_region_history
    from models.model import load_model

    hist = pd.read_csv(NATIONAL.parent / "data" / "history_GBR.csv")
    hist["region"] = "XYZ"
    late = hist[~((hist["variable"] == "urban_population") & (hist["year"] < 1995))]
    path = tmp_path / "history_XYZ.csv"
    late.to_csv(path, index=False)
    cfg = load_config(NATIONAL, region="XYZ", data=path)
    problem = build_problem(cfg, load_region_history(cfg))
    i = problem.names.index("initial urban population")
    urban_1995 = float(hist[(hist["variable"] == "urban_population") & (hist["year"] == 1995)]["value"].iloc[0])
    assert (problem.lower[i], problem.upper[i]) == pytest.approx(
        (EARLIEST_ANCHOR_FACTORS[0] * urban_1995, EARLIEST_ANCHOR_FACTORS[1] * urban_1995))
    assert "urban_population(1995) (no observation at 1990)" in problem.bound_notes["initial urban population"]
    j = problem.names.index("initial rural population")  # still observed in 1990: factors 0.9-1.1
    rural_1990 = float(hist[(hist["variable"] == "rural_population") & (hist["year"] == 1990)]["value"].iloc[0])
    assert (problem.lower[j], problem.upper[j]) == pytest.approx((0.9 * rural_1990, 1.1 * rural_1990))

    # no observation at all: estimated within the model's range (urbanization rate and
    # population identify it), said in the note
    hist[hist["variable"] != "urban_population"].to_csv(path, index=False)
    cfg = load_config(NATIONAL, region="XYZ", data=path)
    problem = build_problem(cfg, load_region_history(cfg))
    const = load_model().constants["initial urban population"]
    i = problem.names.index("initial urban population")
    assert (problem.lower[i], problem.upper[i]) == (const.minimum, const.maximum)
    assert "no observation in the region's data" in problem.bound_notes["initial urban population"]


def test_a_land_share_without_data_gives_way_to_the_observed_ones(tmp_path):
    """No forest data: the forest share is estimated within the model range, and its upper
    bound shrinks so that the initial land shares can never add up to more than 1."""
    import pandas as pd

    from calibration.config import LAND_SHARES
    from calibration.fit import build_problem
    from calibration.observations import load_region_history

    hist = pd.read_csv(NATIONAL.parent / "data" / "history_USA.csv")
    hist["region"] = "XYZ"
    path = tmp_path / "history_XYZ.csv"
    hist[~hist["variable"].isin(["forest_area", "forest_area_fra2020"])].to_csv(path, index=False)
    cfg = load_config(NATIONAL, region="XYZ", data=path)
    problem = build_problem(cfg, load_region_history(cfg))
    i = problem.names.index("initial forest share")
    note = problem.bound_notes["initial forest share"]
    assert "no observation in the region's data" in note and "upper bound lowered" in note
    uppers = sum(problem.upper[problem.names.index(n)] if n in problem.names else problem.fixed.get(
        n, load_model_default(n)) for n in LAND_SHARES)
    assert uppers <= 1 + 1e-9 and problem.upper[i] > problem.lower[i]



def test_a_densely_forested_region_keeps_a_valid_land_partition(tmp_path):
    """Forest on 68 % and cropland on 13 % of the land, little grassland (as in Japan):
    the anchored shares (forest, cropland, grassland) keep their bounds, the shares without
    an anchor give way down towards their lower bounds, and the upper bounds add up to at
    most 1."""
    import pandas as pd

    from calibration.config import LAND_SHARES
    from calibration.fit import build_problem
    from calibration.observations import load_region_history

    hist = pd.read_csv(NATIONAL.parent / "data" / "history_GBR.csv")
    hist["region"] = "XYZ"
    land = hist[hist["variable"] == "land_area"].set_index("year")["value"]
    for variable, share in (("forest_area", 0.68), ("forest_area_fra2020", 0.68), ("cropland", 0.13),
                            ("grassland_fao", 0.015)):
        rows = hist["variable"] == variable
        hist.loc[rows, "value"] = hist.loc[rows, "year"].map(land).fillna(land.iloc[0]) * share
    path = tmp_path / "history_XYZ.csv"
    hist.to_csv(path, index=False)
    cfg = load_config(NATIONAL, region="XYZ", data=path)
    problem = build_problem(cfg, load_region_history(cfg))

    def bounds(name):
        i = problem.names.index(name)
        return problem.lower[i], problem.upper[i]

    assert bounds("initial forest share") == pytest.approx((0.9 * 0.68, 1.1 * 0.68))
    assert bounds("initial cropland share") == pytest.approx((0.9 * 0.13, 1.1 * 0.13))
    assert bounds("initial grassland share") == pytest.approx((0.9 * 0.015, 1.1 * 0.015))
    for free in ("initial urban construction land share", "initial rural construction land share",
                 "initial suitable other land share"):
        lo, hi = bounds(free)
        assert lo < hi and "upper bound lowered" in problem.bound_notes[free]
    uppers = sum(bounds(n)[1] if n in problem.names else problem.fixed.get(n, load_model_default(n))
                 for n in LAND_SHARES)
    assert uppers <= 1 + 1e-9


def test_land_shares_whose_lower_bounds_fill_the_land_get_a_clear_error(tmp_path):
    """Cropland and forest observed on 60 % of the land each: no partition exists; the
    error names the region and every share's bound."""
    import pandas as pd

    from calibration.fit import build_problem
    from calibration.observations import load_region_history

    hist = pd.read_csv(NATIONAL.parent / "data" / "history_GBR.csv")
    hist["region"] = "XYZ"
    land = hist[hist["variable"] == "land_area"].set_index("year")["value"]
    for variable in ("forest_area", "forest_area_fra2020", "cropland"):
        rows = hist["variable"] == variable
        hist.loc[rows, "value"] = hist.loc[rows, "year"].map(land).fillna(land.iloc[0]) * 0.6
    path = tmp_path / "history_XYZ.csv"
    hist.to_csv(path, index=False)
    cfg = load_config(NATIONAL, region="XYZ", data=path)
    with pytest.raises(ConfigError) as exc:
        build_problem(cfg, load_region_history(cfg))
    msg = str(exc.value)
    assert "region XYZ" in msg and "initial forest share <=" in msg and "no room" in msg


def load_model_default(name: str) -> float:
    from models.model import load_model

    return load_model().constants[name].default


@pytest.mark.parametrize("region, birth_rate_1990", [("USA", 0.0167), ("GBR", 0.01395)])
def test_the_age_structure_is_anchored_on_the_regions_own_data(region, birth_rate_1990):
    """The initial shares aged 65+ and 0-14 and the initial birth rate of the United States
    and the United Kingdom are bounded by 0.9-1.1 x their 1990 observations (read here from
    the history file), not by China's age structure, and their 65+ and working-age shares are
    fitted at mid-year. The 1990 birth rates are the published ones: NCHS 16.7 per mille,
    Human Fertility Database 13.95 per mille."""
    import pandas as pd

    from calibration.fit import build_problem
    from calibration.observations import load_region_history

    hist = pd.read_csv(NATIONAL.parent / "data" / f"history_{region}.csv")
    cfg = load_config(NATIONAL, region=region, fit_until=2000)
    problem = build_problem(cfg, load_region_history(cfg))
    for name, series in (("initial share aged 65 and over", "elderly_share"),
                         ("initial share aged 0 to 14", "children_share"),
                         ("initial birth rate", "crude_birth_rate")):
        v = float(hist[(hist["variable"] == series) & (hist["year"] == 1990)]["value"].iloc[0])
        i = problem.names.index(name)
        assert (problem.lower[i], problem.upper[i]) == pytest.approx((0.9 * v, 1.1 * v))
    assert v == pytest.approx(birth_rate_1990)
    timing = {t.name: t.timing for t in cfg.series}
    assert timing["elderly_share"] == "mid" and timing["working_age_share"] == "mid"


def _emission_factor(region: str, years: range, fuels: tuple[str, ...]) -> float:
    """GCB CO2 from ``fuels`` over EI primary energy times their shares (Mt CO2/TWh), mean
    over ``years``."""
    owid, mix = raw_values("owid_co2_energy_gdp_pop.csv", region), raw_values("energy_mix_ei.csv", region)
    return sum(sum(owid[f"co2_{f}"][y] for f in fuels)
               / (owid["primary_energy"][y] * sum(mix[f"{f}_share_energy"][y] for f in fuels) / 100)
               for y in years) / len(years)


@pytest.mark.parametrize("region", ["USA", "GBR"])
def test_oil_and_gas_emission_factor_is_the_regions_own(region):
    """The United States and the United Kingdom fix the CO2 per unit of oil and gas energy at
    their own 1990-2000 average, recomputed here from the raw files: GCB CO2 from oil and gas
    over EI primary energy times the oil and gas shares. China keeps the model default, close
    to its own 1990-2012 average."""

    mean = _emission_factor(region, range(1990, 2001), ("oil", "gas"))
    cfg = load_config(NATIONAL, region=region)
    assert cfg.fixed["oil and gas emission factor"].value == pytest.approx(mean, abs=0.0005)
    china = _emission_factor("CHN", range(1990, 2013), ("oil", "gas"))
    assert "oil and gas emission factor" not in load_config(NATIONAL, region="CHN").fixed
    assert china == pytest.approx(0.231, abs=0.0005) and abs(china - 0.235) < 0.005  # the model default




def test_coal_emission_factor_is_the_regions_own():
    """China fixes its own 1990-2012 average (the years its out-of-sample fit sees), the United
    States and the United Kingdom their 1990-2000 averages, recomputed here from the raw files;
    a region without a block gets the IPCC default of the model file."""
    expected = {"CHN": _emission_factor("CHN", range(1990, 2013), ("coal",)),
                "USA": _emission_factor("USA", range(1990, 2001), ("coal",)),
                "GBR": _emission_factor("GBR", range(1990, 2001), ("coal",))}
    for region, value in expected.items():
        cfg = load_config(NATIONAL, region=region)
        assert cfg.fixed["coal emission factor"].value == pytest.approx(value, abs=0.0005), region
    from calibration.config import read_yaml
    from models.model import load_model

    ipcc = 94.6 * 0.0036  # t CO2/TJ x TJ/MWh, IPCC 2006 other bituminous coal
    assert load_model().constants["coal emission factor"].default == pytest.approx(ipcc, abs=1e-4)
    default = read_yaml(NATIONAL)["regions"]["default"]["fixed"]["coal emission factor"]["value"]
    assert float(default) == pytest.approx(ipcc, abs=1e-4)


def _pwt_means(region: str) -> tuple[float, float]:
    """Penn World Table 11.0 capital share (1 - labour share) and depreciation rate, means
    over 1990-2000."""
    pwt = raw_values("pwt110_capital.csv", region)
    years = range(1990, 2001)
    return (sum(1 - pwt["labsh"][y] for y in years) / 11, sum(pwt["delta"][y] for y in years) / 11)


def _growth_1980s(region: str) -> float:
    gdp = raw_values("owid_co2_energy_gdp_pop.csv", region)["gdp_const"]
    return math.log(gdp[1990] / gdp[1980]) / 10


@pytest.mark.parametrize("region", ["CHN", "USA", "GBR"])
def test_exports_are_a_data_input_from_the_wdi_shares(region):
    """The export share of GDP, 1990-2023, is the WDI percentage of the raw file divided by
    100, and runs through the whole series after a cut-off (2000, 2012 for China): the
    composition of final demand is exogenous, like the investment share."""
    from calibration.observations import data_input_values, load_region_history

    shares = raw_values("export_share_wdi.csv", region)["exports_pct_gdp"]
    cfg = load_config(NATIONAL, region=region, fit_until=2012 if region == "CHN" else 2000)
    load_region_history(cfg)
    series = data_input_values(cfg)[EXPORTS]
    years = sorted(shares)
    assert years == list(range(1990, 2024))
    assert list(series.index) == [float(y) for y in years]
    assert series.to_numpy() == pytest.approx([shares[y] / 100 for y in years], rel=1e-12)
    _, source = cfg.data_series[EXPORTS]
    assert "NE.EXP.GNFS.ZS" in source["en"] and "出口" in source["zh"]


def test_capital_constants_are_each_regions_own_data():
    """Capital share and depreciation rate: Penn World Table 11.0 means over 1990-2000; GDP
    growth before 1990: Maddison 1980-1990; all recomputed from the raw files. China's are
    the model defaults, the United States' and the United Kingdom's are fixed in their blocks,
    and a region without a block takes the mean of the three."""
    from calibration.config import read_yaml
    from models.model import load_model

    names = ("capital share of income", "capital depreciation rate", "output growth before initial time")
    constants = load_model().constants
    own = {r: (*_pwt_means(r), _growth_1980s(r)) for r in ("CHN", "USA", "GBR")}
    for name, value in zip(names, own["CHN"]):
        assert constants[name].default == pytest.approx(value, abs=0.0005), name
    for region in ("USA", "GBR"):
        fixed = load_config(NATIONAL, region=region).fixed
        for name, value in zip(names, own[region]):
            assert fixed[name].value == pytest.approx(value, abs=0.0005), (region, name)
    default = read_yaml(NATIONAL)["regions"]["default"]["fixed"]
    for i, name in enumerate(names):
        mean = sum(v[i] for v in own.values()) / 3
        assert float(default[name]["value"]) == pytest.approx(mean, abs=0.0005), name
    # the frontier's reference capital-output ratio: the US steady state of 1990
    share = raw_values("investment_share_wdi.csv", "USA")["gross_capital_formation_pct_gdp"][1990] / 100
    _, usa_depreciation, usa_growth = own["USA"]
    assert constants["reference capital output ratio"].default == pytest.approx(
        share / (usa_growth + usa_depreciation), abs=0.005)
