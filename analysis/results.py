"""Results with units (带单位的结果): xarray Datasets, CF-style NetCDF and IAMC tables.

Every scenario run (a DataFrame indexed by year with Vensim names as columns, as
:func:`analysis.scenario_runs.run_scenarios` returns) converts losslessly to an
:class:`xarray.Dataset` with dims ``(scenario, time)`` (:func:`results_dataset`) and
back (:func:`dataset_frames`). Variables are named by their Python-safe names (PySD's
``py_name``, e.g. ``gross_emissions``) and carry the attributes

* ``units`` — the unit declared in the model file (``Dmnl`` written as CF's ``1``);
* ``long_name`` — English display name: :data:`analysis.labels.VARIABLE_LABELS`, else
  the Vensim name;
* ``long_name_zh`` — Chinese display name: :data:`analysis.labels.VARIABLE_LABELS`;
  else the Chinese term the model comment gives in parentheses (e.g. "Urban resident
  population (城镇常住人口)"); else the English long name, and ``long_name_zh_source``
  says which of the three it is (``labels``, ``model comment``, ``english fallback``);
* ``comment`` — the variable's comment in the model file; ``vensim_name``,
  ``vensim_units``, ``kind`` (stock, flow, auxiliary or constant; flows as the model's
  diagram draws them), ``sector``.

The time coordinate holds calendar years as decimal numbers (``units: year``), which
CF tools read as a plain coordinate (no "since" epoch: the model's time is the year).
:func:`write_netcdf` writes the dataset with global attributes (``Conventions``, the
model file and its SHA-256, the creation time).

:func:`iamc_frame` reshapes runs into the IAMC format (columns Model, Scenario, Region,
Variable, Unit and one column per year, as ``pyam.IamDataFrame`` reads and writes it)
through the documented mapping ``analysis/iamc_variables.yaml``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
import yaml

from analysis.labels import VARIABLE_LABELS
from models.diagram import read_views
from models.model import MODEL_PATH, load_model

__all__ = [
    "IAMC_MAPPING_PATH",
    "IAMC_COLUMNS",
    "IamcVariable",
    "IamcMappingError",
    "variable_attrs",
    "results_dataset",
    "dataset_frames",
    "write_netcdf",
    "iamc_mapping",
    "iamc_frame",
    "write_iamc",
]

#: The mapping from model variables to IAMC variable names.
IAMC_MAPPING_PATH: Path = Path(__file__).with_name("iamc_variables.yaml")
#: Leading columns of an IAMC table (the year columns follow).
IAMC_COLUMNS: tuple[str, ...] = ("Model", "Scenario", "Region", "Variable", "Unit")
#: IAMC region of a scenario without a calibration region.
DEFAULT_REGION = "Territory"

_CJK_PAREN = re.compile(r"[(（]([^()（）]*[\u3400-\u9fff][^()（）]*)[)）]")


class IamcMappingError(ValueError):
    """The IAMC mapping names a variable the model lacks, or a unit that changed."""


# --------------------------------------------------------------------------------------
# Attributes
# --------------------------------------------------------------------------------------


def _kind(var, flows: frozenset[str]) -> str:
    """stock, flow (on a pipe of the model's diagram), constant or auxiliary."""
    if var.subtype == "Integ":
        return "stock"
    if var.name in flows:
        return "flow"
    if var.kind == "Constant":
        return "constant"
    return "auxiliary"


@lru_cache(maxsize=4)
def _flows(mdl_path: str) -> frozenset[str]:
    """Names of the flows in the diagram (sketch) of the model file."""
    return frozenset(n.name for v in read_views(mdl_path) for n in v.nodes if n.kind == "flow")


def variable_attrs(name: str, mdl_path: str | Path = MODEL_PATH) -> dict[str, str]:
    """NetCDF/xarray attributes of one model variable (Vensim name), see the module doc."""
    var = load_model(mdl_path).variables[name]
    label = VARIABLE_LABELS.get(name)
    long_name = label["en"] if label else name
    if label:
        zh, source = label["zh"], "labels"
    else:
        m = _CJK_PAREN.search(var.comment or "")
        zh, source = (m.group(1).strip(), "model comment") if m else (long_name, "english fallback")
    units = var.units.strip()
    return {
        "units": "1" if units.lower() in ("dmnl", "") else units,
        "long_name": long_name,
        "long_name_zh": zh,
        "long_name_zh_source": source,
        "comment": var.comment or "",
        "vensim_name": name,
        "vensim_units": units,
        "kind": _kind(var, _flows(str(mdl_path))),
        "sector": var.sector,
    }


# --------------------------------------------------------------------------------------
# Dataset
# --------------------------------------------------------------------------------------


def results_dataset(
    runs: Mapping[str, pd.DataFrame] | pd.DataFrame,
    *,
    names: Mapping[str, Mapping[str, str]] | None = None,
    dim: str = "scenario",
    mdl_path: str | Path = MODEL_PATH,
) -> xr.Dataset:
    """Runs as one Dataset with dims ``(dim, time)`` and units on every variable.

    Args:
        runs: results by run key (DataFrames indexed by year, Vensim names as
            columns, model units), or one DataFrame (key ``"run"``). All runs share
            the same time grid and columns.
        names: optional display names per key, ``{'en': ..., 'zh': ...}``, stored as
            the coordinates ``<dim>_name`` and ``<dim>_name_zh``.
        dim: name of the run dimension (``scenario`` or ``run``).
        mdl_path: the model file the attributes come from.

    Raises:
        ValueError: the runs differ in time grid or columns, or a column is not a
            model variable.
    """
    frames = {"run": runs} if isinstance(runs, pd.DataFrame) else dict(runs)
    if not frames:
        raise ValueError("no runs to convert")
    first = next(iter(frames.values()))
    columns = list(first.columns)
    times = np.asarray(first.index, dtype=float)
    for key, df in frames.items():
        if list(df.columns) != columns or not np.array_equal(np.asarray(df.index, dtype=float), times):
            raise ValueError(f"run '{key}' has another time grid or other columns than the first run")
    model = load_model(mdl_path)
    unknown = [c for c in columns if c not in model.variables]
    if unknown:
        raise ValueError(f"columns that are not model variables: {unknown[:5]}")
    data = np.stack([df.to_numpy(dtype=float) for df in frames.values()])  # (run, time, variable)
    variables = {}
    for j, name in enumerate(columns):
        attrs = variable_attrs(name, mdl_path)
        variables[model.variables[name].py_name] = xr.Variable((dim, "time"), data[:, :, j], attrs)
    coords = {
        dim: xr.Variable(dim, np.array(list(frames), dtype=object), {"long_name": f"{dim} key"}),
        "time": xr.Variable("time", times, {"units": "year", "long_name": "time (calendar year)",
                                            "axis": "T"}),
    }
    if names is not None:
        coords[f"{dim}_name"] = xr.Variable(dim, np.array([names[k]["en"] for k in frames], dtype=object),
                                            {"long_name": f"{dim} name (English)"})
        coords[f"{dim}_name_zh"] = xr.Variable(dim, np.array([names[k]["zh"] for k in frames], dtype=object),
                                               {"long_name": f"{dim} name (Chinese)"})
    return xr.Dataset(variables, coords=coords, attrs=_global_attrs(mdl_path))


def _global_attrs(mdl_path: str | Path) -> dict[str, str]:
    path = Path(mdl_path)
    return {
        "Conventions": "CF-1.8",
        "title": "Territorial carbon SD model results",
        "source": f"{path.name} (Vensim model) run by the territorial-carbon-sd package",
        "model_file_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "history": f"{_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')} created",
        "comment": "Variables are named by their Python names; vensim_name holds the name in the model file.",
    }


def dataset_frames(ds: xr.Dataset, dim: str = "scenario") -> dict[str, pd.DataFrame]:
    """Inverse of :func:`results_dataset`: DataFrames by key, index ``year``, Vensim columns."""
    names = [v for v in ds.data_vars if ds[v].dims == (dim, "time")]
    out = {}
    years = pd.Index(np.asarray(ds["time"].values, dtype=float), name="year")
    for i, key in enumerate(ds[dim].values):
        out[str(key)] = pd.DataFrame({ds[v].attrs.get("vensim_name", v): ds[v].values[i] for v in names}, index=years)
    return out


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` as NetCDF-4 (compressed, strings as variable-length UTF-8)."""
    path = Path(path)
    encoding = {v: {"zlib": True, "complevel": 4} for v in ds.data_vars}
    ds.to_netcdf(path, engine="netcdf4", encoding=encoding)
    return path


# --------------------------------------------------------------------------------------
# IAMC
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IamcVariable:
    """One entry of the IAMC mapping (see ``analysis/iamc_variables.yaml``)."""

    variable: str
    model_variable: str
    model_unit: str
    unit: str
    factor: float
    note: str


def _read_mapping(path: str) -> tuple[str, tuple[IamcVariable, ...]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    entries = tuple(IamcVariable(str(e["variable"]), str(e["model_variable"]), str(e["model_unit"]),
                                 str(e["unit"]), float(e["factor"]), str(e.get("note", "")))
                    for e in data["variables"])
    return str(data["model"]), entries


def iamc_mapping(path: str | Path = IAMC_MAPPING_PATH, mdl_path: str | Path = MODEL_PATH) -> tuple[IamcVariable, ...]:
    """The mapping, checked against the model: every variable exists with the stated unit.

    Raises:
        IamcMappingError: naming the entry, the model variable and the unit found.
    """
    _, entries = _read_mapping(str(path))
    model = load_model(mdl_path)
    for e in entries:
        var = model.variables.get(e.model_variable)
        if var is None:
            raise IamcMappingError(f"{path}: {e.variable}: model variable '{e.model_variable}' not in the model")
        if var.units.strip() != e.model_unit:
            raise IamcMappingError(f"{path}: {e.variable}: '{e.model_variable}' is in {var.units!r} in the model, "
                                   f"the mapping expects {e.model_unit!r}")
    return entries


def iamc_frame(
    runs: Mapping[str, pd.DataFrame],
    *,
    regions: Mapping[str, str] | None = None,
    model_name: str | None = None,
    years: Sequence[int] | None = None,
    mapping_path: str | Path = IAMC_MAPPING_PATH,
) -> pd.DataFrame:
    """Runs in the IAMC wide format (one row per scenario and variable, one column per year).

    Args:
        runs: results by scenario key (DataFrames indexed by year, Vensim columns).
        regions: IAMC region per scenario key (default :data:`DEFAULT_REGION`).
        model_name: the ``Model`` column (default: the mapping's ``model``).
        years: whole years to report (default: every whole year of the runs).
        mapping_path: the mapping file.
    """
    entries = iamc_mapping(mapping_path)
    default_model, _ = _read_mapping(str(mapping_path))
    rows = []
    for key, df in runs.items():
        t = np.asarray(df.index, dtype=float)
        whole = np.isclose(t, np.round(t), atol=1e-9)
        if years is not None:
            whole &= np.isin(np.round(t), np.asarray(list(years), dtype=float))
        cols = np.round(t[whole]).astype(int)
        missing = [e.model_variable for e in entries if e.model_variable not in df.columns]
        if missing:
            raise IamcMappingError(f"run '{key}' lacks the mapped variable(s) {missing}")
        for e in entries:
            values = e.factor * df[e.model_variable].to_numpy(dtype=float)[whole]
            rows.append([model_name or default_model, key, (regions or {}).get(key, DEFAULT_REGION), e.variable,
                         e.unit, *values])
            year_cols = list(cols)
    return pd.DataFrame(rows, columns=[*IAMC_COLUMNS, *year_cols])


def write_iamc(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write an IAMC table as CSV (UTF-8, no index), the layout ``pyam`` reads."""
    path = Path(path)
    frame.to_csv(path, index=False, encoding="utf-8")
    return path
