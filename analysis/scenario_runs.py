"""Run several scenarios and compare them (多情景运行与比较).

:func:`run_scenarios` is the *one* place where scenarios are simulated; today it calls
the PySD reference runner (:func:`models.model.run_scenario`), later the vectorized
batch runner (``models/batch``) can replace it here without touching any caller.

Everything else reuses existing analysis code: turning points come from
:func:`analysis.turning_points.turning_points_from_results`, targets from
:func:`analysis.targets.evaluate_targets`.

Units: results are in the units of the model file (emissions and sink Mt CO2/yr,
areas 10^4 ha, population 10^4 persons, GDP billion int$/yr, energy TWh/yr); turning
point years in years, values in :data:`analysis.turning_points.UNITS`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from analysis import turning_points as tpmod
from analysis.targets import (
    TargetSet,
    TargetsConfigError,
    evaluate_targets,
    load_targets,
    turning_points_from_results,
)
from analysis.turning_points import TurningPointTable
from analysis.turning_points.inputs import MODEL_INPUTS, TP_ROLES
from models.model import run_scenario
from scenarios import Scenario, ScenarioError, load_scenario

__all__ = [
    "TURNING_POINT_INPUTS",
    "ScenarioRun",
    "resolve_scenarios",
    "run_scenarios",
    "scenario_turning_points",
    "turning_point_comparison",
    "turning_point_details",
    "scenario_targets",
    "targets_comparison",
    "targets_for",
    "analyse_scenarios",
]

#: Model variables (Vensim names) feeding the turning points, by input role: the one
#: input map of :mod:`analysis.turning_points.inputs`.
TURNING_POINT_INPUTS: Mapping[str, str] = {role: MODEL_INPUTS[role] for role in TP_ROLES}

#: Fields of the turning-point comparison per turning point.
_TP_FIELDS = ("year", "value", "status")


@dataclass(frozen=True, eq=False)
class ScenarioRun:
    """One simulated scenario with its analysis.

    Attributes:
        scenario: the validated scenario.
        results: model output indexed by year, Vensim names as columns.
        turning_points: the turning points of the run.
        targets: :func:`analysis.targets.evaluate_targets` table of the run.
    """

    scenario: Scenario
    results: pd.DataFrame
    turning_points: TurningPointTable
    targets: pd.DataFrame


def resolve_scenarios(
    scenarios: Iterable[Scenario | str | Path] | Mapping[str, Scenario],
) -> dict[str, Scenario]:
    """Scenario objects by key from scenarios, keys or paths (loaded and validated).

    Raises:
        ScenarioError: a scenario cannot be loaded, or two share a key.
    """
    items = scenarios.values() if isinstance(scenarios, Mapping) else scenarios
    out: dict[str, Scenario] = {}
    for item in items:
        sc = item if isinstance(item, Scenario) else load_scenario(item)
        if sc.key in out:
            raise ScenarioError(f"two scenarios have the key '{sc.key}'; keys must be unique")
        out[sc.key] = sc
    return out


def run_scenarios(
    scenarios: Iterable[Scenario | str | Path] | Mapping[str, Scenario],
    *,
    return_columns: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Simulate scenarios; the single entry point for scenario runs (batch runner).

    Args:
        scenarios: Scenario objects, scenario keys or file paths.
        return_columns: optional subset of variables (Vensim or python names);
            default all variables.

    Returns:
        Results by scenario key, in input order: DataFrames indexed by year (float),
        Vensim names as columns, model units; a scenario with ``time.initial_time``
        starts in that year.
    """
    resolved = resolve_scenarios(scenarios)
    return {
        key: run_scenario(
            sc.inputs,
            return_columns=return_columns,
            source=str(sc.path or key),
            **({} if sc.initial_time is None else {"initial_time": sc.initial_time}),
        )  # the batch runner (equal to PySD to 1e-9, tests/models/batch)
        for key, sc in resolved.items()
    }


def scenario_turning_points(results: pd.DataFrame, **options: object) -> TurningPointTable:
    """Turning points of one run, from the variables of :data:`TURNING_POINT_INPUTS`.

    ``options`` are fields of :class:`analysis.turning_points.TPOptions`.
    """
    return turning_points_from_results(results, **options)


def turning_point_comparison(
    tables: Mapping[str, TurningPointTable],
    keys: Sequence[str] = tpmod.KEYS,
) -> pd.DataFrame:
    """Scenarios × turning points: year, value and status of each.

    Returns:
        DataFrame indexed by scenario key (``scenario``) with MultiIndex columns
        (turning-point key, field) where field is ``year`` (years, NaN when not
        identified), ``value`` (unit in :data:`analysis.turning_points.UNITS`) or
        ``status`` (:data:`analysis.turning_points.STATUSES`).
    """
    rows = {}
    for scen, table in tables.items():
        row = {}
        for key in keys:
            p = table[key]
            row[(key, "year")] = p.year
            row[(key, "value")] = p.value
            row[(key, "status")] = p.status
        rows[scen] = row
    columns = pd.MultiIndex.from_tuples([(k, f) for k in keys for f in _TP_FIELDS], names=["turning_point", "field"])
    df = pd.DataFrame.from_dict(rows, orient="index").reindex(columns=columns)
    for key in keys:
        df[(key, "year")] = df[(key, "year")].astype(float)
        df[(key, "value")] = df[(key, "value")].astype(float)
    df.index.name = "scenario"
    return df


def turning_point_details(tables: Mapping[str, TurningPointTable], lang: str = "en") -> pd.DataFrame:
    """Long table: one row per scenario and turning point with name, unit and reason."""
    frames = []
    for scen, table in tables.items():
        df = table.to_frame(lang)
        df.insert(0, "scenario", scen)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def scenario_targets(scenario: Scenario) -> TargetSet:
    """The target set to evaluate a scenario against.

    The national set of ``analysis/targets.yaml`` (or the region/region file/inline
    targets named by the scenario's ``targets`` block); when the scenario sets the model
    constant ``cropland red line`` (10^4 ha), the threshold of the ``cropland_red_line``
    target follows it, so that regional archetypes are held to their own red line.
    """
    return targets_for(scenario.targets, scenario.overrides, str(scenario.path or scenario.key))


def targets_for(selection: Mapping[str, Any] | None, overrides: Mapping[str, float], source: str) -> TargetSet:
    """Target set of a ``targets`` selection (see :func:`scenario_targets`) for ``overrides``."""
    sel = selection or {}
    try:
        tset = load_targets(region=sel.get("region"), region_file=sel.get("region_file"),
                            region_data=sel.get("inline"), region_source=f"{source}: targets.inline")
    except TargetsConfigError as err:
        raise ScenarioError(f"{source}: targets: {err}") from None
    red_line = overrides.get("cropland red line")
    if red_line is None or "cropland_red_line" not in tset.keys():
        return tset
    old = tset["cropland_red_line"]
    if old.threshold == red_line:
        return tset
    new = dataclasses.replace(
        old,
        threshold=float(red_line),
        name_en=f"Cropland not below the scenario's red line ({red_line:g} x 10^4 ha)",
        name_zh=f"耕地不低于本情景的耕地保护红线（{red_line:g}万公顷）",
        note=f"Threshold from the scenario constant 'cropland red line'. {old.note}".strip(),
    )
    return TargetSet(tset.region, (new if t.key == old.key else t for t in tset), tset.files)


def targets_comparison(runs: Mapping[str, ScenarioRun]) -> pd.DataFrame:
    """Long table of target results: one row per scenario and target."""
    frames = []
    for key, run in runs.items():
        df = run.targets.copy()
        df.insert(0, "scenario", key)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def analyse_scenarios(
    scenarios: Iterable[Scenario | str | Path] | Mapping[str, Scenario],
    *,
    lang: str = "en",
) -> dict[str, ScenarioRun]:
    """Run scenarios and compute turning points and targets of each.

    Args:
        scenarios: Scenario objects, keys or paths.
        lang: language of the target ``reason`` column ('en' or 'zh').
    """
    resolved = resolve_scenarios(scenarios)
    results = run_scenarios(resolved)
    runs: dict[str, ScenarioRun] = {}
    for key, sc in resolved.items():
        res = results[key]
        tps = scenario_turning_points(res)
        targets = evaluate_targets(res, tps, scenario_targets(sc), lang=lang)
        runs[key] = ScenarioRun(scenario=sc, results=res, turning_points=tps, targets=targets)
    return runs
