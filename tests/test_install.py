"""The package installs and its console script runs from a folder outside the repository.

``pip install --target`` into a temporary folder (dependencies are those of the test
environment: ``--no-deps``; the wheel is built without build isolation, so no
download), then ``tcsd --help`` and ``tcsd run ... --format netcdf,iamc`` with only
that folder on the path and another working directory. The outputs land in the
working directory, not in the installed package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

from tests.cli.conftest import DEFAULTS_YAML

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_install_and_run_outside_the_repository(tmp_path: Path) -> None:
    src = tmp_path / "src"  # build from a copy: the build leaves no files in the repository
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", "tests", "build", "*.egg-info", "__pycache__",
                                                             ".pytest_cache", ".hypothesis", "benchmarks"))
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--no-build-isolation", "--target", str(target), str(src)], check=True, timeout=300)
    assert (target / "models" / "territorial_carbon.mdl").is_file()
    assert (target / "calibration" / "data" / "history_CHN.csv").is_file()
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    env["PYTHONPATH"] = str(target)
    tcsd = [sys.executable, str(target / "bin" / "tcsd")]

    def run(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([*tcsd, *argv], cwd=work, env=env, capture_output=True, text=True, timeout=600)

    helped = run("--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: tcsd "), helped.stderr
    where = run("validate", "--help")
    assert where.returncode == 0
    # the model file comes from the installed package, not from the repository
    probe = subprocess.run([sys.executable, "-c", "import models.model as m; print(m.MODEL_PATH)"], cwd=work,
                           env=env, capture_output=True, text=True, check=True)
    assert Path(probe.stdout.strip()).is_relative_to(target)
    # The bundled baseline is being recalibrated for model v2 (its overrides name constants the
    # model no longer has); a scenario on the model's defaults runs whatever its state.
    scenario = work / "defaults.yaml"
    scenario.write_text(DEFAULTS_YAML, encoding="utf-8")
    done = run("run", str(scenario), "--format", "netcdf,iamc", "--figures", "none", "-q")
    assert done.returncode == 0, done.stderr
    with xr.open_dataset(work / "results" / "results.nc") as ds:
        assert all(ds[v].attrs.get("units") for v in ds.data_vars)
    iamc = pd.read_csv(work / "results" / "results_iamc.csv")
    assert list(iamc.columns[:5]) == ["Model", "Scenario", "Region", "Variable", "Unit"]
    assert not any(target.rglob("results.nc")) and not any(target.rglob("results_iamc.csv"))
