"""The ``data`` block of scenarios: region-specific historical time series (数据输入).

Validation names the file, the key and the allowed range; series are inherited along the
base chain and survive a round trip; a run with a series equals PySD's own run with the
same ``pandas.Series`` and follows the model's equations computed by hand."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from models.model import ModelInputError, load_model, run_scenario
from scenarios import ScenarioError, load_scenario, scenario_from_mapping, write_scenario

RATIO = "coal to gas fuel cost ratio"
SENSITIVITY = "fuel cost sensitivity of coal share"
LONG_RUN = "long run coal share of fossil energy"
YEARS = [1990, 2000, 2008, 2012, 2020]
VALUES = [0.63, 0.28, 0.23, 0.70, 0.80]


def doc(data: dict | None = None, overrides: dict | None = None, base: str | None = None) -> dict:
    out: dict = {"name": {"en": "Test", "zh": "测试"}, "description": {"en": "A test.", "zh": "测试。"}}
    if base:
        out["base"] = base
    out["overrides"] = overrides or {}
    out["rationale"] = {k: {"en": "Assumption.", "zh": "假设。"} for k in (overrides or {})}
    if data is not None:
        out["data"] = data
    return out


def ratio_block(values=VALUES, years=YEARS, source="EIA MER table 9.9 (test)") -> dict:
    return {RATIO: {"source": source, "values": dict(zip(years, values))}}


def error_of(mapping: dict) -> str:
    with pytest.raises(ScenarioError) as exc:
        scenario_from_mapping(mapping, source="region.yaml")
    return str(exc.value)


def test_a_valid_block_gives_the_series_and_the_run_inputs() -> None:
    sc = scenario_from_mapping(doc(ratio_block(), {SENSITIVITY: 1.5}), source="region.yaml")
    entry = sc.data[RATIO]
    assert entry.years == tuple(YEARS) and entry.values == tuple(VALUES)
    inputs = sc.inputs
    assert inputs[SENSITIVITY] == 1.5
    assert isinstance(inputs[RATIO], pd.Series)
    assert list(inputs[RATIO].index) == [float(y) for y in YEARS] and list(inputs[RATIO]) == VALUES


@pytest.mark.parametrize("data, expected", [
    ({"no such constant": {"source": "x", "values": {1990: 1}}}, "data: "),
    (ratio_block(values=[0.63, 0.28, 0.23, 0.70, 4.0]), "data.coal to gas fuel cost ratio.values[2020] = 4 is outside the allowed range [0.05, 3]"),
    (ratio_block(source=""), "data.coal to gas fuel cost ratio.source"),
    ({RATIO: {"source": "x", "values": {}}}, "at least one"),
    ({RATIO: {"source": "x", "values": {"1990.5": 0.6}}}, "whole number"),
    ({RATIO: {"source": "x", "values": {1990: "high"}}}, "must be a number in [0.05, 3]"),
    ({RATIO: {"source": "x", "values": {1990: 0.6}, "unit": "Dmnl"}}, "expected {source"),
    ([1, 2], "data: expected a mapping"),
])
def test_bad_blocks_name_the_file_the_key_and_the_range(data, expected: str) -> None:
    message = error_of(doc(data))
    assert message.startswith("region.yaml: ") and expected in message


def test_a_constant_is_either_a_number_or_a_series() -> None:
    message = error_of(doc(ratio_block(), {RATIO: 0.6}))
    assert "also in 'overrides'" in message and RATIO in message


def test_series_are_inherited_and_replaced_by_the_child(tmp_path: Path) -> None:
    (tmp_path / "region.yaml").write_text(yaml.safe_dump(doc(ratio_block(), {SENSITIVITY: 2.0}),
                                                         allow_unicode=True), encoding="utf-8")
    child = doc(None, {"coal phase out": 0.5}, base="region")
    (tmp_path / "child.yaml").write_text(yaml.safe_dump(child, allow_unicode=True), encoding="utf-8")
    inherited = load_scenario(tmp_path / "child.yaml")
    assert inherited.data[RATIO].values == tuple(VALUES) and inherited.overrides[SENSITIVITY] == 2.0
    as_number = doc(None, {RATIO: 0.5}, base="region")  # a number in the child replaces the series
    (tmp_path / "number.yaml").write_text(yaml.safe_dump(as_number, allow_unicode=True), encoding="utf-8")
    replaced = load_scenario(tmp_path / "number.yaml")
    assert RATIO not in replaced.data and replaced.overrides[RATIO] == 0.5


def test_a_child_series_with_extends_continues_the_inherited_one(tmp_path: Path) -> None:
    """``extends: true``: the base's points before the child's first year are kept, the
    child's replace the rest, and the source names both; without a base series it is an
    error naming the key; ``extends`` must be true or false."""
    (tmp_path / "region.yaml").write_text(yaml.safe_dump(doc(ratio_block()), allow_unicode=True), encoding="utf-8")
    child = doc({RATIO: {"source": "Assumption (test)", "extends": True, "values": {2012: 0.9, 2030: 1.2}}},
                base="region")
    (tmp_path / "child.yaml").write_text(yaml.safe_dump(child, allow_unicode=True), encoding="utf-8")
    entry = load_scenario(tmp_path / "child.yaml").data[RATIO]
    assert entry.years == (1990, 2000, 2008, 2012, 2030)
    assert entry.values == (0.63, 0.28, 0.23, 0.9, 1.2)
    assert entry.source["en"] == "EIA MER table 9.9 (test) (to 2008); Assumption (test) (from 2012)"
    orphan = doc({RATIO: {"source": "x", "extends": True, "values": {2030: 1.0}}})
    message = error_of(orphan)
    assert f"data.{RATIO}.extends: the base scenario has no series" in message
    message = error_of(doc({RATIO: {"source": "x", "extends": "yes", "values": {2030: 1.0}}}))
    assert f"data.{RATIO}.extends: must be true or false" in message


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    sc = scenario_from_mapping(doc(ratio_block(), {SENSITIVITY: 1.5}), source="region.yaml", key="region")
    path = write_scenario(sc, tmp_path / "region.yaml")
    back = load_scenario(path)
    assert back.data[RATIO] == sc.data[RATIO] and dict(back.overrides) == dict(sc.overrides)
    assert "EIA MER table 9.9 (test)" in path.read_text(encoding="utf-8")


def test_the_model_checks_a_series_like_a_number() -> None:
    model = load_model()
    bad = pd.Series([0.6, 5.0], index=[1990.0, 2000.0])
    with pytest.raises(ModelInputError, match=r"in 2000 = 5 is outside the allowed range \[0.05, 3\]"):
        model.validate_overrides({RATIO: bad}, source="f.yaml")
    with pytest.raises(ModelInputError, match="strictly increasing"):
        model.validate_overrides({RATIO: pd.Series([0.6, 0.5], index=[2000.0, 1990.0])}, source="f.yaml")


@pytest.fixture(scope="module")
def runs() -> dict[str, pd.DataFrame]:
    base = dict(load_scenario("baseline").overrides)
    series = pd.Series(VALUES, index=[float(y) for y in YEARS])
    columns = ["relative coal to gas fuel cost", "long run coal share at current fuel costs", "coal dispatch factor",
               "Coal Share of Fossil Capacity", "Coal Share of Fossil Energy", "Non Fossil Share", "gross emissions"]
    inputs = {**base, RATIO: series, SENSITIVITY: 1.5}
    return {
        "batch": run_scenario(inputs, return_columns=columns),
        "pysd": run_scenario(inputs, return_columns=columns, engine="pysd"),
        "flat": run_scenario({**base, RATIO: pd.Series([0.3, 0.3], index=[1990.0, 2024.0]), SENSITIVITY: 1.5},
                             return_columns=columns),
        "baseline": run_scenario({**base, SENSITIVITY: 1.5}, return_columns=columns),
    }


def test_a_run_with_a_series_equals_pysd(runs) -> None:
    batch, pysd = runs["batch"], runs["pysd"]
    for column in batch.columns:
        np.testing.assert_allclose(batch[column].to_numpy(), pysd[column].to_numpy(), rtol=1e-9, atol=1e-12)


def test_the_input_is_interpolated_held_and_drives_coal_dispatch(runs) -> None:
    """By hand: the relative cost is the series (linear between its years, its last value
    after them) over its first value; coal plants run (1 + h) / (1 + h r^s) times as much as
    at the start (h the utilization headroom, s the sensitivity), which shifts the capacity
    share to the energy share by the logit of the model file's equation, together with the
    coal displaced by non-fossil energy ((1 - non-fossil share) relative to its start, to the
    power of the displacement elasticity)."""
    batch = runs["batch"]
    years = batch.index.to_numpy(dtype=float)
    relative = np.interp(years, YEARS, VALUES) / VALUES[0]
    np.testing.assert_allclose(batch["relative coal to gas fuel cost"].to_numpy(), relative, rtol=1e-12)
    assert batch.loc[2050.0, "relative coal to gas fuel cost"] == pytest.approx(VALUES[-1] / VALUES[0], rel=1e-12)
    h = load_model().constants["coal utilization headroom"].default
    dispatch = (1 + h) / (1 + h * relative ** 1.5)
    np.testing.assert_allclose(batch["coal dispatch factor"].to_numpy(), dispatch, rtol=1e-12)
    capacity = batch["Coal Share of Fossil Capacity"].to_numpy()
    fossil = 1 - batch["Non Fossil Share"].to_numpy()
    elasticity = float(load_scenario("baseline").overrides.get(
        "coal displacement elasticity", load_model().constants["coal displacement elasticity"].default))
    shift = dispatch * (fossil / fossil[0]) ** elasticity
    np.testing.assert_allclose(batch["Coal Share of Fossil Energy"].to_numpy(),
                               capacity * shift / (capacity * shift + 1 - capacity), rtol=1e-12)
    share = float(load_scenario("baseline").overrides.get(LONG_RUN, load_model().constants[LONG_RUN].default))
    np.testing.assert_allclose(batch["long run coal share at current fuel costs"].to_numpy(),
                               share * dispatch / (share * dispatch + 1 - share), rtol=1e-12)
    # cheaper coal relative to gas (2000-2008) makes coal plants run more than in the baseline,
    # cheaper gas (2012 on) less
    base = runs["baseline"]["Coal Share of Fossil Energy"]
    assert batch.loc[2008.0, "Coal Share of Fossil Energy"] > base.loc[2008.0]
    assert batch.loc[2020.0, "Coal Share of Fossil Energy"] < base.loc[2020.0]


def test_only_the_change_since_the_start_matters(runs) -> None:
    """A flat series at any level is the baseline: relative prices as at the start."""
    np.testing.assert_allclose(runs["flat"].to_numpy(), runs["baseline"].to_numpy(), rtol=1e-12)


def test_the_text_of_a_data_block_is_readable_yaml(tmp_path: Path) -> None:
    text = textwrap.dedent(f"""\
        name: {{en: Region, zh: 区域}}
        description: {{en: A region., zh: 一个区域。}}
        data:
          {RATIO}:
            source: {{en: EIA (test), zh: 美国能源信息署（测试）}}
            values: {{1990: 0.63, 2000: 0.28}}
        """)
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    sc = load_scenario(tmp_path / "r.yaml")
    assert sc.data[RATIO].source["zh"] == "美国能源信息署（测试）" and sc.data[RATIO].years == (1990, 2000)


def test_the_assumptions_table_and_the_validate_summary_name_the_data_input(tmp_path: Path) -> None:
    from analysis.export import assumptions_table
    from cli.validate import _check_scenario

    sc = scenario_from_mapping(doc(ratio_block(), {SENSITIVITY: 1.5}), source="region.yaml", key="region")
    table = assumptions_table([sc])
    row = table[table["variable"] == RATIO].iloc[0]
    assert np.isnan(row["value"]) and "1990–2020, 5 points" in row["rationale_en"]
    assert "EIA MER table 9.9 (test)" in row["rationale_en"] and "数据输入" in row["rationale_zh"]
    assert "1 data input(s)" in _check_scenario(write_scenario(sc, tmp_path / "region.yaml"))
