"""Running several scenarios and comparing turning points and targets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import turning_points as tpmod
from analysis.scenario_runs import (
    TURNING_POINT_INPUTS,
    resolve_scenarios,
    run_scenarios,
    scenario_targets,
    scenario_turning_points,
    targets_comparison,
    turning_point_comparison,
    turning_point_details,
)
from analysis.targets import load_targets
from models.model import run_scenario
from scenarios import ScenarioError, load_scenario


def test_run_scenarios_is_the_reference_run() -> None:
    sc = load_scenario("slow_rural_reform")
    out = run_scenarios(["baseline", sc], return_columns=["gross emissions", "Cropland"])
    assert list(out) == ["baseline", "slow_rural_reform"]
    direct = run_scenario(dict(sc.inputs), return_columns=["gross emissions", "Cropland"])
    pd.testing.assert_frame_equal(out["slow_rural_reform"], direct)


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(ScenarioError, match="two scenarios have the key 'baseline'"):
        resolve_scenarios(["baseline", "baseline"])


def test_turning_points_use_all_six_inputs(all_runs) -> None:
    res = all_runs["baseline"].results
    assert set(TURNING_POINT_INPUTS.values()) <= set(res.columns)
    table = scenario_turning_points(res)
    direct = tpmod.turning_points(
        res["gross emissions"],
        sink=res["land carbon sink"],
        growth_emissions=res["growth attributable emissions"],
        construction_land=res["total construction land"],
        energy=res["primary energy consumption"],
        gdp=res["GDP"],
    )
    for key in tpmod.KEYS:
        assert table[key].year == direct[key].year and table[key].status == direct[key].status
    assert table["tp2_intensity"].status != "no_input"


def test_comparison_table_shape(all_runs) -> None:
    tables = {k: r.turning_points for k, r in all_runs.items()}
    cmp = turning_point_comparison(tables)
    assert list(cmp.index) == list(all_runs)
    assert cmp.columns.nlevels == 2
    assert set(cmp.columns.get_level_values(0)) == set(tpmod.KEYS)
    assert set(cmp.columns.get_level_values(1)) == {"year", "value", "status"}
    for key, table in tables.items():
        assert (cmp.loc[key, ("tp3", "year")] == table["tp3"].year) or (
            np.isnan(cmp.loc[key, ("tp3", "year")]) and table["tp3"].year is None
        )
    details = turning_point_details(tables, lang="zh")
    assert len(details) == len(tables) * len(tpmod.KEYS)
    assert "碳达峰" in " ".join(details["name"])


def test_targets_per_scenario(all_runs) -> None:
    long = targets_comparison(all_runs)
    assert set(long["scenario"]) == set(all_runs)
    national = load_targets()
    assert len(long[long["scenario"] == "baseline"]) == len(national)


def test_scenario_targets_follow_the_scenario_red_line() -> None:
    national = load_targets()
    assert scenario_targets(load_scenario("baseline")).targets == national.targets
    regional = scenario_targets(load_scenario("archetype_ecological"))
    assert regional["cropland_red_line"].threshold == 27.0
    assert regional["co2_peak"] == national["co2_peak"]
