"""Files written for a sensitivity analysis.

* tables (indices, undefined-value report, convergence): CSV and Parquet;
* time-resolved indices: NetCDF;
* run matrix on request: ``runs.nc`` (X over ``run``/``parameter``, scalar outputs over
  ``run``, time-resolved outputs over ``run``/``time``) and ``runs.parquet`` (X and
  scalar outputs, one row per run);
* ``metadata.json``: method, sizes, seeds and settings to reproduce the analysis.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .problem import SensitivityProblem


def write_table(table: pd.DataFrame, stem: str | Path) -> list[Path]:
    """Write ``table`` to ``stem.csv`` and ``stem.parquet``."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    csv, parquet = stem.with_name(f"{stem.name}.csv"), stem.with_name(f"{stem.name}.parquet")
    table.to_csv(csv, index=False)
    table.to_parquet(parquet, index=False)
    return [csv, parquet]


def write_netcdf(dataset: xr.Dataset, path: str | Path) -> Path:
    """Write ``dataset`` to NetCDF (netCDF4 engine)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset.to_netcdf(path, engine="netcdf4")
    return path


def runs_dataset(
    problem: SensitivityProblem,
    X: np.ndarray,
    outputs: Mapping[str, np.ndarray],
    times: np.ndarray | None,
    attrs: Mapping[str, Mapping[str, str]] | None = None,
) -> xr.Dataset:
    """The run matrix (inputs and outputs of every run) as an xarray Dataset.

    Outputs are named ``Y_<name>`` with the name made a NetCDF-safe identifier (the
    original name is the ``long_name`` attribute); ``attrs`` adds attributes per output
    name (``units``, ``long_name``, ``long_name_zh`` ...).
    """
    run = np.arange(X.shape[0])
    data: dict[str, Any] = {"X": xr.Variable(("run", "parameter"), X, {"long_name": "parameter values of the run"})}
    for name, y in outputs.items():
        dims = ("run",) if y.ndim == 1 else ("run", "time")
        key = f"Y_{netcdf_name(name)}"
        while key in data:
            key += "_"
        data[key] = xr.Variable(dims, y, {"long_name": name, **dict((attrs or {}).get(name, {})), "output": name})
    coords: dict[str, Any] = {"run": run, "parameter": list(problem.names)}
    if times is not None and any(y.ndim == 2 for y in outputs.values()):
        coords["time"] = xr.Variable("time", times, {"units": "year", "long_name": "time (calendar year)"})
    return xr.Dataset(data, coords=coords)


def netcdf_name(name: str) -> str:
    """``name`` as a NetCDF/CF-friendly identifier (letters, digits and underscores)."""
    return re.sub(r"\W+", "_", name).strip("_") or "output"


def runs_table(problem: SensitivityProblem, X: np.ndarray, outputs: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Inputs and scalar outputs, one row per run."""
    table = pd.DataFrame(X, columns=list(problem.names))
    for name, y in outputs.items():
        if y.ndim == 1:
            table[f"Y_{name}"] = y
    table.index.name = "run"
    return table.reset_index()


def write_runs(
    problem: SensitivityProblem,
    X: np.ndarray,
    outputs: Mapping[str, np.ndarray],
    times: np.ndarray | None,
    directory: str | Path,
    attrs: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Path]:
    """Write ``runs.nc`` (with ``attrs`` per output) and ``runs.parquet`` into ``directory``."""
    directory = Path(directory)
    nc = write_netcdf(runs_dataset(problem, X, outputs, times, attrs), directory / "runs.nc")
    parquet = directory / "runs.parquet"
    runs_table(problem, X, outputs).to_parquet(parquet, index=False)
    return [nc, parquet]


def write_json(data: Mapping[str, Any], path: str | Path) -> Path:
    """Write ``data`` as indented JSON (NumPy scalars converted)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=_json_default, ensure_ascii=False), encoding="utf-8")
    return path


def safe_filename(name: str) -> str:
    """A file-name-safe version of a metric name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "metric"


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
