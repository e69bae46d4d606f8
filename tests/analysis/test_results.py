"""Results with units: xarray Dataset (lossless), CF-style NetCDF, IAMC table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from analysis.labels import VARIABLE_LABELS
from analysis.results import (
    IAMC_COLUMNS,
    IAMC_MAPPING_PATH,
    IamcMappingError,
    dataset_frames,
    iamc_frame,
    iamc_mapping,
    results_dataset,
    variable_attrs,
    write_iamc,
    write_netcdf,
)
from models.model import load_model, run_scenario


@pytest.fixture(scope="module")
def runs() -> dict[str, pd.DataFrame]:
    """Two runs on model defaults (one with a lever moved), all variables."""
    from analysis.policy.levers import policy_levers

    lever = policy_levers()[0]
    return {"a": run_scenario({}), "b": run_scenario({lever.name: lever.maximum})}


def test_netcdf_round_trip_is_lossless_with_units_on_every_variable(runs, tmp_path: Path) -> None:
    ds = results_dataset(runs, names={"a": {"en": "A", "zh": "甲"}, "b": {"en": "B", "zh": "乙"}})
    assert ds.sizes == {"scenario": 2, "time": len(runs["a"])}
    path = write_netcdf(ds, tmp_path / "r.nc")
    with xr.open_dataset(path) as back:
        assert back.attrs["Conventions"] == "CF-1.8"
        assert list(back["scenario_name_zh"].values) == ["甲", "乙"]
        for name in back.data_vars:
            attrs = back[name].attrs
            assert attrs["units"] and attrs["long_name"] and attrs["long_name_zh"], name
            assert "comment" in attrs and attrs["vensim_name"] in runs["a"].columns
        frames = dataset_frames(back.load())
    for key, df in runs.items():
        pd.testing.assert_frame_equal(frames[key], df.astype(float), check_exact=True, check_names=False)


def test_attributes_come_from_the_model_and_the_labels() -> None:
    model = load_model()
    name = next(n for n in VARIABLE_LABELS if n in model.variables)
    a = variable_attrs(name)
    assert a["long_name"] == VARIABLE_LABELS[name]["en"] and a["long_name_zh"] == VARIABLE_LABELS[name]["zh"]
    assert a["long_name_zh_source"] == "labels" and a["comment"] == model.variables[name].comment
    # fallback 1: the Chinese term in parentheses of the model comment
    var = next(v for v in model.variables.values()
               if v.name not in VARIABLE_LABELS and "(" in v.comment
               and any("\u4e00" <= ch <= "\u9fff" for ch in v.comment.split("(", 1)[1].split(")", 1)[0]))
    zh = var.comment.split("(", 1)[1].split(")", 1)[0].strip()
    b = variable_attrs(var.name)
    assert (b["long_name_zh"], b["long_name_zh_source"]) == (zh, "model comment")
    # fallback 2: the English name
    plain = next(v for v in model.variables.values()
                 if v.name not in VARIABLE_LABELS and not any("\u4e00" <= ch <= "\u9fff" for ch in v.comment))
    c = variable_attrs(plain.name)
    assert (c["long_name_zh"], c["long_name_zh_source"]) == (plain.name, "english fallback")
    dmnl = next(v for v in model.variables.values() if v.units == "Dmnl")
    assert variable_attrs(dmnl.name)["units"] == "1" and variable_attrs(dmnl.name)["vensim_units"] == "Dmnl"


def test_the_iamc_mapping_matches_the_model() -> None:
    entries = iamc_mapping()
    names = [e.variable for e in entries]
    assert len(set(names)) == len(names)
    for required in ("Emissions|CO2", "Emissions|CO2|Energy and Industrial Processes", "Land Cover|Forest",
                     "Population|Urban", "GDP|PPP", "Primary Energy"):
        assert required in names


def test_iamc_table_layout_and_units(runs, tmp_path: Path) -> None:
    frame = iamc_frame(runs, regions={"a": "CHN"})
    path = write_iamc(frame, tmp_path / "iamc.csv")
    back = pd.read_csv(path)
    # pyam's IAMC wide format: the five index columns, then one integer column per year
    assert list(back.columns[:5]) == list(IAMC_COLUMNS)
    years = [int(c) for c in back.columns[5:]]
    assert years == sorted(years) and years[0] == int(runs["a"].index[0])
    assert set(back["Scenario"]) == {"a", "b"} and set(back["Region"]) == {"CHN", "Territory"}
    row = back[(back["Scenario"] == "a") & (back["Variable"] == "Primary Energy")].iloc[0]
    assert row["Unit"] == "EJ/yr"
    twh = runs["a"].loc[2020.0, "primary energy consumption"]
    assert row["2020"] == pytest.approx(twh * 3.6e15 / 1e18, rel=1e-12)  # 1 TWh = 3.6e15 J
    forest = back[(back["Scenario"] == "a") & (back["Variable"] == "Land Cover|Forest")].iloc[0]
    assert forest["Unit"] == "million ha"
    assert forest["2030"] == pytest.approx(runs["a"].loc[2030.0, "total forest area"] * 1e4 / 1e6, rel=1e-12)
    afolu = back[(back["Scenario"] == "a") & (back["Variable"] == "Emissions|CO2|AFOLU")].iloc[0]
    assert afolu["2030"] == pytest.approx(-runs["a"].loc[2030.0, "land carbon sink"], rel=1e-12)


def test_pyam_reads_the_iamc_file(runs, tmp_path: Path) -> None:
    """The file opens as a pyam IamDataFrame, and pyam's own unit registry (iam-units)
    converts the reported EJ/yr back to the model's TWh."""
    import pyam

    path = write_iamc(iamc_frame(runs, regions={"a": "CHN"}), tmp_path / "iamc.csv")
    df = pyam.IamDataFrame(str(path))
    assert set(df.scenario) == {"a", "b"} and set(df.region) == {"CHN", "Territory"}
    assert {"Emissions|CO2", "Primary Energy", "Land Cover|Forest"} <= set(df.variable)
    energy = df.filter(scenario="a", variable="Primary Energy", year=2020).convert_unit("EJ/yr", to="TWh/yr")
    assert energy.timeseries().iloc[0][2020] == pytest.approx(
        runs["a"].loc[2020.0, "primary energy consumption"], rel=1e-9)


def test_a_mapping_with_a_changed_unit_is_an_error(tmp_path: Path) -> None:
    data = yaml.safe_load(IAMC_MAPPING_PATH.read_text(encoding="utf-8"))
    data["variables"][0]["model_unit"] = "kt CO2/Year"
    bad = tmp_path / "m.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(IamcMappingError, match="kt CO2/Year"):
        iamc_mapping(bad)
    data["variables"][0]["model_variable"] = "no such variable"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(IamcMappingError, match="no such variable"):
        iamc_mapping(bad)


def test_runs_on_different_grids_are_refused(runs) -> None:
    with pytest.raises(ValueError, match="another time grid"):
        results_dataset({"a": runs["a"], "b": runs["b"].iloc[::2]})
    assert np.array_equal(results_dataset(runs["a"], dim="run")["run"].values, ["run"])


def test_kinds_follow_the_diagram() -> None:
    from models.diagram import read_views

    flows = {n.name for v in read_views() for n in v.nodes if n.kind == "flow"}
    assert flows
    name = sorted(flows)[0]
    assert variable_attrs(name)["kind"] == "flow"
    stock = next(v.name for v in load_model().variables.values() if v.subtype == "Integ")
    assert variable_attrs(stock)["kind"] == "stock"
