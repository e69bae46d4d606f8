"""Command lines that gave tracebacks, hangs, memory blow-ups or wrong output before the
command tree validated its options (issue 16), run with small sizes.

Each must end with exit code 2 and one ``error:`` line naming the option (or, for the
valid requests among them, succeed), without a traceback, before any large allocation
or long loop, and without touching earlier outputs.
"""

from __future__ import annotations


import pandas as pd
import pytest

SENTINEL = "earlier output that must survive a failed run\n"


def _lever():
    """A policy lever of the model (read from the model, not named here)."""
    from analysis.policy.levers import policy_levers

    levers = policy_levers()
    return next((lv for lv in levers if "fossil" in lv.name), levers[0])


LEVER = _lever().name


def _one_error_line(err: str, *needles: str) -> None:
    lines = [line for line in err.splitlines() if line.strip() and "%|" not in line]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.mark.parametrize("value, needle", [("2", "outside (0, 1)"), ("nan", "not a finite number"),
                                           ("0", "outside (0, 1)"), ("-inf", "not a finite number")])
def test_sensitivity_conf_level(value, needle, run_cli, defaults_scenario, tmp_path):
    code, _, err = run_cli("sensitivity", "--model", "--scenario", defaults_scenario, "--params", LEVER,
                           "--metric", "tp3", "--n", "8", f"--conf-level={value}", "--out", tmp_path / "o")
    assert code == 2
    _one_error_line(err, "--conf-level", needle)
    assert not (tmp_path / "o").exists()


def test_sensitivity_sample_size_above_the_ceiling(run_cli, defaults_scenario, tmp_path):
    # 1073741824 * (1 + 2) runs: refused before the sample (32 GiB) is drawn
    code, _, err = run_cli("sensitivity", "--model", "--scenario", defaults_scenario, "--params", LEVER,
                           "--metric", "tp3", "--n", "1073741824", "--out", tmp_path / "o")
    assert code == 2
    _one_error_line(err, "--n 1073741824", "3,221,225,472 model runs", "ceiling", "--force")


@pytest.mark.parametrize("argv, needle", [
    (["--n", "0"], "argument --n: 0 is outside [20, inf]"),
    (["--n", "1"], "argument --n: 1 is outside [20, inf]"),
    (["--n", "2"], "argument --n: 2 is outside [20, inf]"),
    (["--min-density", "2"], "argument --min-density: 2 is outside (0, 1]"),
    (["--min-density", "nan"], "argument --min-density"),
    (["--check", "0", "0"], "argument --check: 0 is outside [1, inf]"),
    (["--n", "100000000"], "ceiling"),
])
def test_policy_discover_options(argv, needle, run_cli, defaults_scenario, tmp_path):
    code, _, err = run_cli("policy", "discover", "--scenario", defaults_scenario, "--target", "tp3<=2030",
                           "--lever", LEVER, *argv, "--out", tmp_path / "o")
    assert code == 2
    _one_error_line(err, needle)
    assert not (tmp_path / "o").exists()


def test_policy_discover_box_index_outside_the_trajectory_writes_nothing(run_cli, defaults_scenario, tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / "runs.csv").write_text(SENTINEL, encoding="utf-8")
    code, _, err = run_cli("policy", "discover", "--scenario", defaults_scenario, "--target", "tp3<=2030",
                           "--lever", LEVER, "--n", "24", "--box-index", "999", "--out", out)
    if code == 0:  # every run or none met the target: there is no trajectory to index
        pytest.skip("no PRIM trajectory at this sample")
    assert code == 2
    _one_error_line(err, "box_index 999 outside the trajectory")
    assert (out / "runs.csv").read_text(encoding="utf-8") == SENTINEL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["defaults.yaml", "o"]  # no temporary folder left


def test_policy_discover_with_a_single_lever(run_cli, defaults_scenario, tmp_path):
    """A valid request (one lever) that crashed inside scikit-learn."""
    code, out, err = run_cli("policy", "discover", "--scenario", defaults_scenario, "--target", "tp3<=2030",
                             "--lever", LEVER, "--n", "24", "--out", tmp_path / "o")
    assert code == 0, err
    runs = pd.read_csv(tmp_path / "o" / "runs.csv")
    assert len(runs) == 24 and LEVER in runs.columns
    scores = pd.read_csv(tmp_path / "o" / "feature_scores.csv", index_col=0)
    assert list(scores.index) == [LEVER]


@pytest.mark.parametrize("argv, needle", [
    (["--xtol", "0"], "argument --xtol: 0 is outside (0, inf]"),
    (["--xtol", "-1"], "argument --xtol: -1 is outside (0, inf]"),
    (["--xtol", "nan"], "argument --xtol: 'nan' is not a finite number"),
    (["--n-grid", "100000000"], "ceiling"),
    (["--n-grid", "2"], "argument --n-grid: 2 is outside [3, inf]"),
    (["--range", "0.5", "0.1"], "--range 0.5 0.1: LO must be below HI"),
    (["--range", "0.1", "nan"], "argument --range: 'nan' is not a finite number"),
])
def test_policy_seek_options(argv, needle, run_cli, defaults_scenario, tmp_path):
    code, _, err = run_cli("policy", "seek", "--scenario", defaults_scenario, "--lever", LEVER,
                           "--target", "tp3<=2030", *argv, "--out", tmp_path / "o")
    assert code == 2
    _one_error_line(err, needle)


def test_policy_seek_with_a_tolerance_below_float_resolution_ends(defaults_scenario):
    """xtol = 1e-300 cannot be reached between two floats: the search stops anyway."""
    from analysis.policy.seek import seek

    res = seek(LEVER, "tp3<=2026", scenario=str(defaults_scenario), n_grid=5, xtol=1e-300)
    if res.bracket is not None:
        fail, ok = res.bracket
        assert abs(ok - fail) <= 4 * 2.220446049250313e-16 * max(abs(fail), abs(ok), 1.0) * 2


@pytest.fixture()
def exported(tmp_path):
    """An export folder holding earlier outputs."""
    out = tmp_path / "spatial"
    out.mkdir()
    for name in ("land_use_demand.csv", "land_classes.csv", "invest_carbon_biophysical.csv"):
        (out / name).write_text(SENTINEL, encoding="utf-8")
    return out


@pytest.mark.parametrize("argv, needle", [
    (["--carbon-year", "1800"], "--carbon-year 1800: not a saved year"),
    (["--carbon-year", "2100.5"], "--carbon-year 2100.5: not a saved year"),
    (["--carbon-year", "nan"], "argument --carbon-year: 'nan' is not a finite number"),
    (["--carbon-year", "inf"], "argument --carbon-year: 'inf' is not a finite number"),
    (["--cell-size", "1e300"], "--cell-size 1e+300"),
    (["--cell-size", "1e-300"], "--cell-size 1e-300"),
    (["--cell-size", "0"], "argument --cell-size: 0 is outside (0, inf]"),
])
def test_export_spatial_bad_values_leave_the_earlier_outputs(argv, needle, exported, run_cli, defaults_scenario):
    code, _, err = run_cli("export", defaults_scenario, "--out", exported, *argv)
    assert code == 2
    _one_error_line(err, needle)
    for name in ("land_use_demand.csv", "land_classes.csv", "invest_carbon_biophysical.csv"):
        assert (exported / name).read_text(encoding="utf-8") == SENTINEL, name
    assert sorted(p.name for p in exported.parent.iterdir()) == ["defaults.yaml", "spatial"]


@pytest.mark.parametrize("blocker", ["figures_file", "xlsx_folder"])
def test_run_that_cannot_write_leaves_the_earlier_results(blocker, run_cli, defaults_scenario, tmp_path):
    out = tmp_path / "out"
    code, _, err = run_cli("run", defaults_scenario, "--out", out, "--figures", "none")
    assert code == 0, err
    earlier = sorted(p.name for p in out.iterdir())
    for name in earlier:
        (out / name).write_text(SENTINEL, encoding="utf-8")
    if blocker == "figures_file":
        (out / "figures").write_text(SENTINEL, encoding="utf-8")
        argv = ["--figures", "png"]
    else:
        (out / "results.xlsx").mkdir()
        argv = ["--format", "csv,xlsx", "--figures", "none"]
    code, _, err = run_cli("run", defaults_scenario, "--out", out, *argv)
    assert code == 2
    _one_error_line(err, "nothing was written")
    for name in earlier:
        assert (out / name).read_text(encoding="utf-8") == SENTINEL, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["defaults.yaml", "out"]


def test_calibrate_fit_with_a_folder_as_baseline(run_cli, tmp_path):
    folder = tmp_path / "existing"
    folder.mkdir()
    config = tmp_path / "config.yaml"
    config.write_text("region: CHN\n", encoding="utf-8")
    code, _, err = run_cli("calibrate", "fit", "--config", config, "--write-baseline", "--baseline", folder)
    assert code == 2
    _one_error_line(err, f"--baseline {folder}: is a folder")


@pytest.mark.parametrize("row, needle", [
    ("XYZ,2001,co2_fossil_industry,n/a,Mt CO2/Year,S,", "'n/a' is not a number"),
    ('XYZ,2001,co2_fossil_industry,"1,234.5",Mt CO2/Year,S,', "is not a number"),
    ("XYZ,2000.5,co2_fossil_industry,900,Mt CO2/Year,S,", "year"),
])
def test_turning_points_history_is_read_by_the_calibration_loader(row, needle, run_cli, tmp_path):
    """Unreadable cells are errors naming file, row and column, not silent blanks."""
    lines = ["region,year,variable,value,unit,source,note"]
    lines += [f"XYZ,{y},co2_fossil_industry,{1000 - (y - 2010) ** 2},Mt CO2/Year,S," for y in range(1990, 2031)
              if y != 2001]
    lines.insert(12, row)
    path = tmp_path / "h.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run_cli("turning-points", "--history", path, "--region", "XYZ")
    assert code == 2 and "Traceback" not in err
    assert str(path) in err and "row 13" in err and needle in err
