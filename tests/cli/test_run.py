"""Command line ``run``, ``turning-points``, ``export-spatial``, ``list-scenarios``: end-to-end
runs into tmp_path; user errors exit 2 with one stderr line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import cli

ROOT = Path(__file__).resolve().parents[2]


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_run_end_to_end(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(
        capsys, "run", "baseline", "compact_urbanization", "--out", str(out),
        "--format", "csv,xlsx", "--figures", "svg", "--lang", "en",
    )
    assert code == 0, stderr
    assert "2 scenario(s) run" in stdout and "compact_urbanization: emission peak" in stdout
    for name in ("results_baseline.csv", "results_compact_urbanization.csv", "turning_points.csv",
                 "turning_point_details.csv", "targets.csv", "assumptions.csv", "results.xlsx"):
        assert (out / name).is_file(), name
    figs = {p.name for p in (out / "figures").iterdir()}
    for stem in ("baseline_emissions", "baseline_land_use", "baseline_population", "baseline_forest",
                 "compact_urbanization_emissions", "comparison"):
        assert f"{stem}.svg" in figs
    tp = pd.read_csv(out / "turning_points.csv", index_col="scenario")
    assert list(tp.index) == ["baseline", "compact_urbanization"]
    # the summary line says what a blank year means: a boundary or not reached by the horizon
    for key in tp.index:
        status, year = tp.loc[key, "tp3_status"], tp.loc[key, "tp3_year"]
        line = next(x for x in stdout.splitlines() if x.strip().startswith(f"{key}:"))
        if status == "reached":
            assert f"emission peak {year:.0f}," in line
        elif status == "before_start":
            assert "emission peak <= " in line and "before_start" not in line
        else:
            assert "emission peak > " in line
    targets = pd.read_csv(out / "targets.csv")
    assert set(targets["scenario"]) == {"baseline", "compact_urbanization"}


def test_run_a_scenario_file_without_figures(tmp_path: Path, capsys) -> None:
    src = ROOT / "scenarios" / "slow_rural_reform.yaml"
    code, _, stderr = run_cli(capsys, "run", str(src), "--out", str(tmp_path / "o"), "--figures", "none")
    assert code == 0, stderr
    assert not (tmp_path / "o" / "figures").exists()
    assert (tmp_path / "o" / "results_slow_rural_reform.csv").is_file()


def test_bad_scenario_file_exits_2_and_writes_nothing(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: {en: x, zh: x}\ndescription: {en: x, zh: x}\noverrides: {compensation ratio: 9}\n", encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(capsys, "run", "baseline", str(bad), "--out", str(out))
    assert code == 2
    assert stderr.startswith("error: ") and stderr.count("\n") == 1
    assert "bad.yaml" in stderr and "compensation ratio" in stderr and "[1, 3]" in stderr
    assert "Traceback" not in stderr
    assert not out.exists()


def test_unknown_scenario_exits_2(tmp_path: Path, capsys) -> None:
    code, _, stderr = run_cli(capsys, "export-spatial", "dual_carbn", "--out", str(tmp_path))
    assert code == 2 and "unknown scenario 'dual_carbn'" in stderr and "dual_carbon" in stderr
    assert stderr.count("\n") == 1


def test_export_spatial(tmp_path: Path, capsys) -> None:
    code, stdout, stderr = run_cli(capsys, "export-spatial", "archetype_urbanized", "--out", str(tmp_path), "--cell-size", "30")
    assert code == 0, stderr
    demand = pd.read_csv(tmp_path / "land_use_demand.csv", index_col="year")
    assert abs(demand.filter(like="_1e4ha").sum(axis=1) - 100.0).max() < 1e-9
    assert "cropland_cells" in demand.columns
    inv = pd.read_csv(tmp_path / "invest_carbon_biophysical.csv")
    assert list(inv.columns) == ["lucode", "LULC_Name", "C_above", "C_below", "C_soil", "C_dead"]
    code, _, stderr = run_cli(capsys, "export-spatial", "baseline", "--out", str(tmp_path), "--carbon-year", "1800")
    assert code == 2 and "--carbon-year 1800: not a saved year of the run (1990-2100" in stderr


def test_list_scenarios(capsys) -> None:
    code, stdout, _ = run_cli(capsys, "list-scenarios")
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].startswith("baseline\t")
    assert any(line.startswith("dual_carbon\tDual-carbon policy package / 双碳政策组合") for line in lines)


@pytest.fixture()
def history_csv(tmp_path: Path) -> Path:
    years = range(1990, 2031)
    rows = [
        {"region": "XYZ", "year": y, "variable": "co2_fossil_industry", "value": 1000 - (y - 2015) ** 2,
         "unit": "Mt CO2/Year", "source": "SYNTHETIC", "note": ""}
        for y in years
    ]
    path = tmp_path / "history.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_turning_points_of_history(history_csv: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "tp.csv"
    code, stdout, stderr = run_cli(
        capsys, "turning-points", "--history", str(history_csv), "--region", "XYZ", "--out", str(out)
    )
    assert code == 0, stderr
    assert "Emission peak" in stdout
    table = pd.read_csv(out).set_index("key")
    assert table.loc["tp3", "year"] == 2015  # synthetic parabola peaks in 2015
    assert table.loc["tp3", "region"] == "XYZ"


def test_turning_points_bad_input_exits_2(history_csv: Path, tmp_path: Path, capsys) -> None:
    code, _, stderr = run_cli(capsys, "turning-points", "--history", str(history_csv), "--region", "ABC")
    assert code == 2 and "ABC" in stderr and stderr.count("\n") == 1
    code, _, stderr = run_cli(capsys, "turning-points", "--history", str(tmp_path / "none.csv"), "--region", "XYZ")
    assert code == 2 and "history file not found" in stderr


def test_turning_points_of_a_scenario_and_its_ensemble(tmp_path: Path, capsys) -> None:
    out = tmp_path / "tp.csv"
    code, stdout, stderr = run_cli(capsys, "turning-points", "baseline", "--analysis-start", "2020", "--out", str(out))
    assert code == 0, stderr
    table = pd.read_csv(out).set_index("key")
    assert list(table.index[:2]) == ["tp1", "tp2"] and {"year_hist", "status_hist", "kink"} <= set(table.columns)
    assert "tp1<=tp2" in stdout  # the sequence diagnostic
    code, stdout, stderr = run_cli(capsys, "turning-points", "dual_carbon", "--ensemble", "8", "--seed", "3",
                                   "--out", str(tmp_path / "bands.csv"))
    assert code == 0, stderr
    bands = pd.read_csv(tmp_path / "bands.csv")
    assert set(bands["window"]) == {"proj", "hist"} and (bands["p5"] <= bands["p95"]).all()
    targets = pd.read_csv(tmp_path / "bands_targets.csv").set_index("key")
    assert 0 <= targets.loc["co2_peak", "probability"] <= 1
    assert "N = 8" in stdout
    code, _, stderr = run_cli(capsys, "turning-points", "baseline", "--ensemble", "4", "--range", "nonsense")
    assert code == 2 and "--range expects NAME=LO:HI" in stderr
    code, _, stderr = run_cli(capsys, "turning-points")
    assert code == 2 and "give one of" in stderr


def test_turning_points_compared_with_history(tmp_path: Path, capsys) -> None:
    out = tmp_path / "cmp.csv"
    code, stdout, stderr = run_cli(capsys, "turning-points", "--compare-history", "--regions", "GBR,USA",
                                   "--out", str(out))
    assert code == 0, stderr
    df = pd.read_csv(out)
    assert list(df["region"].unique()) == ["GBR", "USA"] and set(df["key"]) == {"tp1", "tp2", "tp3"}
    usa = df[df["region"] == "USA"]
    if usa["model_status"].isna().all():  # no calibrated USA baseline yet: said so, history still shown
        assert usa["baseline"].str.startswith("missing").all() and usa["observed_year"].notna().any()
    gbr = df[(df["region"] == "GBR") & (df["key"] == "tp3")].iloc[0]
    assert gbr["observed_year"] == 1991.0  # GBR fossil CO2 (GCB) is highest in 1991 within 1990-2023
    big = df["difference"].abs() > 2
    assert (df.loc[big, "reason"].str.len() > 0).all()


def test_argument_errors_exit_2(tmp_path: Path, capsys) -> None:
    code = cli.main(["run", "baseline", "--out", str(tmp_path), "--format", "pdf"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "choose from csv, xlsx, netcdf, iamc" in err and err.startswith("error: tcsd run: argument --format")


def test_module_entry_point_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "run", "no_such_scenario", "--out", str(tmp_path / "o")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: unknown scenario 'no_such_scenario'")
    assert "Traceback" not in proc.stderr


def test_subcommands_are_registered_by_small_functions() -> None:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"run", "turning-points", "calibrate", "validate", "sensitivity", "policy", "export-spatial", "export",
            "list-scenarios"} <= set(sub.choices)
