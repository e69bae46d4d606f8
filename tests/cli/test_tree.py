"""The command tree: program name, exit codes, --json, -q, validation of files, defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cli
from cli.core import CliError
from cli.options import MAX_RUNS, check_budget
from cli.paths import default_output


def test_help_shows_the_program_name_and_every_command(capsys) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: tcsd ")
    for name in ("run", "turning-points", "calibrate", "validate", "sensitivity", "policy", "export-spatial",
                 "list-scenarios"):
        assert name in out
    assert cli.main(["calibrate", "fit", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: tcsd calibrate fit ")


def test_formats_are_those_of_the_library() -> None:
    from analysis.export import RESULT_FORMATS
    from cli.run import FORMATS

    assert FORMATS == RESULT_FORMATS


def test_json_summary_of_a_run(run_cli, defaults_scenario, tmp_path) -> None:
    code, out, err = run_cli("run", defaults_scenario, "--out", tmp_path / "o", "--figures", "none", "--json", "-q")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["ok"] is True and summary["exit_code"] == 0 and summary["command"] == "run"
    assert {Path(f).name for f in summary["files"]} >= {"results_defaults.csv", "turning_points.csv"}
    assert set(summary["scenarios"]) == {"defaults"}
    assert err == ""  # -q: no progress bar, no log


def test_json_summary_of_an_error(run_cli, tmp_path) -> None:
    code, out, err = run_cli("--json", "run", tmp_path / "missing.yaml", "--out", tmp_path / "o")
    assert code == 2
    summary = json.loads(out)
    assert summary == {"ok": False, "exit_code": 2, "error": summary["error"]}
    assert "missing.yaml" in summary["error"] and err.startswith("error: ")


def test_options_before_or_after_the_command(run_cli, tmp_path) -> None:
    for argv in (["-q", "--json", "list-scenarios"], ["list-scenarios", "-q", "--json"]):
        code, out, _ = run_cli(*argv)
        assert json.loads(out)["exit_code"] == code


def test_interrupted_run_exits_130_and_writes_nothing(run_cli, defaults_scenario, tmp_path, monkeypatch) -> None:
    import analysis.scenario_runs as runs

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runs, "analyse_scenarios", interrupted)
    code, _, err = run_cli("run", defaults_scenario, "--out", tmp_path / "o", "-q")
    assert code == 130 and err.startswith("error: interrupted") and not (tmp_path / "o").exists()


def test_internal_error_exits_1_without_traceback(run_cli, defaults_scenario, tmp_path, monkeypatch) -> None:
    import analysis.scenario_runs as runs

    def bug(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(runs, "analyse_scenarios", bug)
    code, _, err = run_cli("run", defaults_scenario, "--out", tmp_path / "o", "-q")
    assert code == 1 and err.startswith("internal error: ZeroDivisionError: a bug") and "Traceback" not in err


def test_validate_files(run_cli, defaults_scenario, tmp_path) -> None:
    from calibration.testing import CHN_DATA

    problem = tmp_path / "problem.yaml"
    problem.write_text("names: [a, b]\nbounds: [[0, 1], [0, 2]]\n", encoding="utf-8")
    code, out, err = run_cli("validate", defaults_scenario, CHN_DATA, problem)
    assert code == 0, err
    assert "scenario 'defaults'" in out and "history:" in out and "problem: 2 parameter(s)" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: {en: x, zh: x}\ndescription: {en: x, zh: x}\noverrides: {no such constant: 1}\n",
                   encoding="utf-8")
    code, out, err = run_cli("validate", defaults_scenario, bad, "--json")
    assert code == 2 and "no such constant" in err and "Traceback" not in err
    files = json.loads(out)["files"]
    assert [f["valid"] for f in files] == [True, False]


def test_budget_ceiling_and_force() -> None:
    with pytest.raises(CliError, match="ceiling"):
        check_budget("--n 5", runs=MAX_RUNS + 1)
    with pytest.raises(CliError, match="GiB"):
        check_budget("--n 5", memory_bytes=1e12)
    check_budget("--n 5", runs=MAX_RUNS + 1, memory_bytes=1e12, force=True)


def test_default_outputs_of_an_installed_package_go_to_the_working_directory(tmp_path, monkeypatch) -> None:
    installed = tmp_path / "site-packages"
    (installed / "calibration" / "reports").mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert default_output(installed / "calibration" / "reports" / "CHN", root=installed) == \
        work / "calibration" / "reports" / "CHN"
    assert default_output(tmp_path / "elsewhere", root=installed) == tmp_path / "elsewhere"
    (installed / "pyproject.toml").write_text("")  # a source checkout writes its own folders
    assert default_output(installed / "calibration" / "reports", root=installed) == \
        installed / "calibration" / "reports"


def test_sensitivity_run_matrix_carries_units(run_cli, defaults_scenario, tmp_path) -> None:
    import xarray as xr

    from analysis.policy.levers import policy_levers
    from models.model import load_model

    lever = policy_levers()[0].name
    out = tmp_path / "s"
    code, _, err = run_cli("sensitivity", "--model", "--scenario", defaults_scenario, "--params", lever,
                           "--metric", "peak_emissions", "--time-variable", "net emissions", "--time-years",
                           "2020:2040:10", "--n", "8", "--seed", "1", "--save-runs", "--out", out, "-q")
    assert code == 0, err
    with xr.open_dataset(out / "runs.nc") as ds:
        assert ds["Y_net_emissions"].attrs["units"] == load_model().variables["net emissions"].units
        assert ds["Y_net_emissions"].attrs["long_name_zh"]
        assert ds["Y_peak_emissions"].attrs["units"]


def test_the_command_tree_does_not_import_the_analysis_libraries() -> None:
    """Building the parser (every command, ``--help``) leaves SALib, SciPy's statistics,
    EMA Workbench and matplotlib unimported: a command pays only for what it runs
    (``tcsd calibrate fit`` paid 0.8 s for SALib's analysers through the choices of
    ``sensitivity --method``)."""
    import subprocess
    import sys

    code = ("import sys, cli; cli.build_parser(); "
            "print(sorted(m for m in ('SALib', 'scipy.stats', 'ema_workbench', 'matplotlib', 'pysd') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(cli.__file__).resolve().parents[1]).stdout
    assert out.strip() == "[]"


def test_lazy_package_exports_resolve() -> None:
    """Every public name of the packages that import their submodules when first used."""
    import analysis.policy as policy
    import analysis.sensitivity as sensitivity

    for package in (policy, sensitivity):
        assert sorted(package.__all__) == sorted(package._EXPORTS)
        for name in package.__all__:
            assert getattr(package, name).__name__ == name or not callable(getattr(package, name))
        with pytest.raises(AttributeError):
            package.__getattr__("no_such_name")
