"""Command line ``policy`` (attribute, discover, seek), small sizes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

import cli

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    return cli.main(["policy", *argv])


def test_the_tree_has_the_three_commands() -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["policy", "seek", "--lever", "fertiliser reduction", "--target", "tp3<=2030",
                              "--out", "x"])
    assert callable(args.handler) and args.policy_command == "seek"
    for cmd in ("attribute", "discover"):
        assert parser.parse_args(["policy", cmd, "--out", "x"]).policy_command == cmd


def test_attribute_writes_tables_and_figures(tmp_path: Path, capsys) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("overrides:\n  non fossil mandate for new supply: 0.2\n", encoding="utf-8")
    rc = main(["attribute", "--policy", str(policy), "--set", "CCS target capacity=500", "--lang", "zh",
               "--out", str(tmp_path)])
    assert rc == 0
    for name in ("attribution_summary.csv", "wedges_gross_emissions.csv", "turning_point_contributions.csv",
                 "cumulative_contributions.csv", "turning_point_info.csv", "wedges.png", "turning_point_shifts.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    summary = pd.read_csv(tmp_path / "attribution_summary.csv", index_col=0)
    assert "total" in summary.index and "名称" in summary.columns
    assert {"energy", "ccs"} <= set(summary.index)
    assert "max additivity residual" in capsys.readouterr().out


def _baseline_at(overrides: dict[str, float], variable: str, year: float) -> float:
    """A variable of the baseline with some constants changed, at a year (batch runner)."""
    from models.model import run_scenario
    from scenarios import load_scenario

    run = run_scenario({**load_scenario("baseline").inputs, **overrides}, return_columns=[variable])
    return float(run.loc[year, variable])


def test_discover_writes_the_box(tmp_path: Path) -> None:
    # a 2040 emission target halfway between the baseline without and with the mandate at 0.5
    lever = "non fossil mandate for new supply"
    goal = sum(_baseline_at({lever: x}, "gross emissions", 2040.0) for x in (0.0, 0.5)) / 2
    rc = main(["discover", "--target", f"gross emissions@2040<={goal:.1f}", "--lever", f"{lever}=0:0.5",
               "--lever", "fertiliser reduction", "--n", "24", "--out", str(tmp_path)])
    assert rc == 0
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert len(runs) == 24 and "met:all" in runs.columns
    assert 0 < runs["met:all"].sum() < 24
    assert (tmp_path / "prim_box.csv").exists() and (tmp_path / "prim_trajectory.png").exists()


def test_seek_and_errors(tmp_path: Path, capsys) -> None:
    # an official forest coverage in 2035 halfway between the baseline's without the lever and at 100
    lever, var = "returning cropland to forest rate", "official forest coverage"
    goal = sum(_baseline_at({lever: x}, var, 2035.0) for x in (0.0, 100.0)) / 2
    rc = main(["seek", "--lever", lever, "--target", f"{var}@2035>={goal:.3f}",
               "--range", "0", "400", "--n-grid", "5", "--out", str(tmp_path)])
    assert rc == 0
    row = pd.read_csv(tmp_path / "seek_result.csv").iloc[0]
    assert bool(row.reachable) and 0 < row.value < 100
    assert "must go from" in capsys.readouterr().out
    rc = main(["seek", "--lever", "no such lever", "--target", "tp3<=2030", "--out", str(tmp_path)])
    assert rc == 2 and "unknown model variable" in capsys.readouterr().err


def test_module_entry_point() -> None:
    out = subprocess.run([sys.executable, "-m", "analysis.policy", "--help"], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert "attribute" in out.stdout and "discover" in out.stdout and "seek" in out.stdout
