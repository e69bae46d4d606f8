"""Sampling, convergence, time-resolved indices, files and figures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.figure import Figure

from analysis.sensitivity import (
    SensitivityProblem,
    fast_sample,
    morris_sample,
    plot_convergence,
    plot_morris,
    plot_sobol_bars,
    plot_time_heatmap,
    run_analysis,
    sobol_sample,
)
from analysis.sensitivity.examples import Ishigami, Linear, LinearTrend

ISHIGAMI = SensitivityProblem.from_mapping({"names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3})
TREND = SensitivityProblem.from_mapping({"names": ["a", "b"], "bounds": [[0, 1], [0, 1]]})


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_designs_are_nested_prefixes(second_order: bool) -> None:
    big = sobol_sample(ISHIGAMI, 2**10, calc_second_order=second_order, seed=12)
    small = sobol_sample(ISHIGAMI, 2**6, calc_second_order=second_order, seed=12)
    block = big.block_size(3)
    assert block == (8 if second_order else 5)
    np.testing.assert_array_equal(big.X[: 2**6 * block], small.X)


def test_sample_sizes_and_warnings() -> None:
    with pytest.warns(UserWarning, match="not a power of 2"):
        design = sobol_sample(ISHIGAMI, 100, seed=1)
    assert design.runs == 100 * 5
    assert morris_sample(ISHIGAMI, 10, seed=1).runs == 10 * 4
    assert fast_sample(ISHIGAMI, 65, seed=1).runs == 65 * 3
    with pytest.raises(ValueError, match="positive integer"):
        sobol_sample(ISHIGAMI, 0)


def test_convergence_table_rule_and_consistency() -> None:
    result = run_analysis(ISHIGAMI, Ishigami(), "sobol", n=2**11, seed=3, convergence=True, convergence_max_conf=0.08)
    conv = result.convergence
    assert sorted(conv.table["n"].unique()) == [64, 128, 256, 512, 1024, 2048]
    # at full N the convergence table equals the main analysis
    full = conv.table[conv.table["n"] == 2**11].reset_index(drop=True)
    main = result.indices[result.indices["index"].isin(["S1", "ST"])].reset_index(drop=True)
    np.testing.assert_array_equal(full["value"].to_numpy(), main["value"].to_numpy())
    # CI width shrinks with N
    widths = conv.summary.set_index("n")["max_st_conf"]
    assert widths[2048] < widths[64] / 3
    # the rule: smallest N from which max ST_conf <= threshold for every larger N
    ok = widths <= 0.08
    expected = min(n for n in widths.index if ok.loc[n:].all()) if ok.iloc[-1] else None
    assert conv.recommended_n["y"] == expected
    strict = run_analysis(ISHIGAMI, Ishigami(), "sobol", n=2**7, seed=3, convergence=True, convergence_max_conf=1e-6)
    assert strict.convergence.recommended_n == {"y": None}


def test_convergence_needs_sobol_power_of_two() -> None:
    with pytest.raises(ValueError, match="convergence=True"):
        run_analysis(ISHIGAMI, Ishigami(), "morris", n=8, convergence=True)


def test_time_resolved_indices_match_analytic_shares() -> None:
    """y(t) = a t + b, a, b ~ U(0, 1) independent: S1_a(t) = t^2 / (t^2 + 1)."""
    times = np.arange(0.0, 6.0)
    result = run_analysis(
        TREND, LinearTrend(times, threshold=100.0), "sobol", n=2**11, seed=6, censor={"crossing": 6.0}
    )
    ds = result.time_indices
    assert ds["S1"].dims == ("metric", "time", "parameter")
    np.testing.assert_array_equal(ds["time"].values, times)
    s1 = ds["S1"].sel(metric="y", parameter="a").values
    conf = ds["S1_conf"].sel(metric="y", parameter="a").values
    expected = times**2 / (times**2 + 1)
    assert (np.abs(s1 - expected) <= conf + 0.01).all(), (s1, expected)
    st_b = ds["ST"].sel(metric="y", parameter="b").values
    np.testing.assert_allclose(st_b, 1 / (times**2 + 1), atol=0.05)


def test_save_writes_readable_files(tmp_path: Path) -> None:
    times = np.arange(0.0, 5.0)
    result = run_analysis(
        TREND, LinearTrend(times, threshold=1.5), "sobol", n=64, seed=2, censor={"crossing": 5.0}, convergence=True
    )
    paths = result.save(tmp_path / "out", runs=True)
    names = {p.name for p in paths}
    for expected in (
        "indices.csv",
        "indices.parquet",
        "undefined.csv",
        "undefined.parquet",
        "time_indices.nc",
        "convergence.csv",
        "convergence_summary.parquet",
        "runs.nc",
        "runs.parquet",
        "metadata.json",
        "sobol_crossing.png",
        "sobol_crossing.svg",
        "time_ST_y.png",
        "convergence_crossing.svg",
    ):
        assert expected in names, expected
    out = tmp_path / "out"
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "indices.parquet"), result.indices, check_dtype=False, check_exact=True
    )
    csv = pd.read_csv(out / "indices.csv")
    np.testing.assert_allclose(csv["value"], result.indices["value"], rtol=1e-15)
    with xr.open_dataset(out / "time_indices.nc") as ds:
        np.testing.assert_array_equal(ds["ST"].values, result.time_indices["ST"].values)
        assert list(ds["status"].sel(metric="y").values) == list(result.time_indices["status"].sel(metric="y").values)
    with xr.open_dataset(out / "runs.nc") as runs:
        np.testing.assert_array_equal(runs["X"].values, result.samples)
        np.testing.assert_array_equal(runs["Y_y"].values, result.outputs["y"])
        np.testing.assert_array_equal(runs["Y_crossing"].values, result.outputs["crossing"])
    table = pd.read_parquet(out / "runs.parquet")
    assert list(table.columns) == ["run", "a", "b", "Y_crossing"]
    metadata = json.loads((out / "metadata.json").read_text())
    assert metadata["sample_seed"] == 2 and metadata["undefined_counts"]["crossing"] > 0


def test_plot_functions_return_figures(tmp_path: Path) -> None:
    sobol = run_analysis(
        TREND, LinearTrend(np.arange(3.0), 0.5), "sobol", n=64, seed=1, censor={"crossing": 3.0}, convergence=True
    )
    morris = run_analysis(TREND, Linear([1.0, 2.0]), "morris", n=8, seed=1)
    figures = [
        plot_sobol_bars(sobol.indices, "crossing"),
        plot_morris(morris.indices, "y"),
        plot_time_heatmap(sobol.time_indices, "y", "ST"),
        plot_convergence(sobol.convergence.table, "crossing", 0.05),
    ]
    assert all(isinstance(fig, Figure) for fig in figures)
    assert "censored" in figures[0].axes[0].get_title()
    labels = {text.get_text() for text in figures[1].axes[0].texts}
    assert labels == {"a", "b"}
    with pytest.raises(KeyError, match="not in the indices table"):
        plot_sobol_bars(sobol.indices, "missing")


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli import main as tree_main

    def main(argv):
        return tree_main(["sensitivity", *argv])

    problem = tmp_path / "problem.yaml"
    problem.write_text("names: [x1, x2, x3]\nbounds: [[-3.14159, 3.14159], [-3.14159, 3.14159], [-3.14159, 3.14159]]\n")
    code = main(
        [
            "--problem",
            str(problem),
            "--evaluator",
            "analysis.sensitivity.examples:ISHIGAMI",
            "--method",
            "morris",
            "--n",
            "10",
            "--seed",
            "1",
            "--scheduler",
            "threads",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 0
    assert "mu_star" in capsys.readouterr().out
    assert (tmp_path / "out" / "indices.parquet").exists()
    assert (tmp_path / "out" / "figures" / "morris_y.png").exists()


def test_runs_dataset_names_and_attributes() -> None:
    from analysis.sensitivity.outputs import runs_dataset

    X = np.zeros((3, 3))
    outputs = {"gross emissions": np.arange(3.0), "Cropland@2035": np.ones(3), "gross_emissions": np.ones(3)}
    ds = runs_dataset(ISHIGAMI, X, outputs, None, {"gross emissions": {"units": "Mt CO2/Year"}})
    assert list(ds.data_vars) == ["X", "Y_gross_emissions", "Y_Cropland_2035", "Y_gross_emissions_"]
    assert ds["Y_gross_emissions"].attrs == {"long_name": "gross emissions", "units": "Mt CO2/Year",
                                             "output": "gross emissions"}
    assert ds["Y_gross_emissions_"].attrs["output"] == "gross_emissions"
