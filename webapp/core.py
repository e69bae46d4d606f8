"""Pure functions behind the pages: run a scenario and derive what the app shows.

No Streamlit here: everything takes plain inputs and returns new objects, so results
can be cached by their inputs (``webapp.cache``) and produced from the command line.
Runs go through ``models.model.run_scenario`` on the compiled batch runner, whose
compiled model is immutable (overrides are arguments of each run), so no state is
shared between users; PySD, whose ``run(params=...)`` persists overrides on its model
object, is only used on a fresh model per run.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis import turning_points as tpmod
from analysis.labels import FOREST_STOCKS, LAND_STOCKS, VARIABLE_LABELS, variable_label  # noqa: F401
from analysis.metrics import Metric, evaluate_on_frame
from analysis.targets import TargetSet, evaluate_targets, turning_points_from_results
from models.model import run_scenario
from webapp.levers import DEFAULT_STORY, RED_LINE

#: The five turning points marked on the charts, plus neutrality.
TP_MARKED: tuple[str, ...] = ("tp1", "tp2", "tp3", "tp4", "tp5", "neutrality")

#: Display names of the variables (zh, en); with ``LAND_STOCKS``, ``FOREST_STOCKS`` and
#: ``var_label`` they come from :mod:`analysis.labels` (one table for figures and app).
VAR_LABELS: Mapping[str, Mapping[str, str]] = VARIABLE_LABELS
var_label = variable_label

#: Variables a user can overlay on the Compare page.
OVERLAY_VARIABLES: tuple[str, ...] = (
    "net emissions", "gross emissions", "land carbon sink", "total construction land", "Cropland",
    "forest coverage", "urbanization rate", "total population", "non fossil share of primary energy",
    "Cumulative Net Emissions",
)


def data_key(data: Mapping[str, Any]) -> str:
    """Hashable (JSON) form of a scenario's data inputs, Vensim name -> ``DataSeries``
    ("" = none), for the app's caches."""
    if not data:
        return ""
    return json.dumps({name: [list(entry.years), list(entry.values)] for name, entry in sorted(data.items())})


def data_inputs(key: str) -> dict[str, pd.Series]:
    """The run inputs of a :func:`data_key`: Vensim name -> ``pandas.Series`` by year."""
    from scenarios.data_block import DataSeries, as_series

    if not key:
        return {}
    return as_series({name: DataSeries(tuple(years), tuple(values), {})
                      for name, (years, values) in json.loads(key).items()})


def simulate(overrides: Mapping[str, float], initial_time: float | None = None, data: str = "") -> pd.DataFrame:
    """THE adapter of the app's single runs: all variables by year (batch runner, N = 1).

    ``initial_time`` (a year, None = the model's INITIAL TIME) starts the run later, as
    a scenario with ``time.initial_time`` does (a region with later data): every initial
    value is computed at that year, so initial constants such as "initial urban
    population" are that year's values. ``data`` is the :func:`data_key` of the region's
    data inputs (time series); a slider value of the same constant takes precedence.
    """
    inputs: dict[str, Any] = {**data_inputs(data), **overrides}
    if initial_time is None:
        return run_scenario(inputs)
    return run_scenario(inputs, initial_time=float(initial_time))


def compute_turning_points(results: pd.DataFrame) -> tpmod.TurningPointTable:
    """Turning points of one run, with energy and GDP for the TP2 intensity companion."""
    return turning_points_from_results(results)


@dataclass(frozen=True)
class Outcome:
    """A run and everything derived from it (immutable once built)."""

    results: pd.DataFrame
    turning_points: tpmod.TurningPointTable
    targets: Mapping[str, pd.DataFrame]  # lang -> evaluate_targets(...)
    target_set: TargetSet | None = None

    def tp_years(self) -> dict[str, float]:
        return {p.key: (np.nan if p.year is None else float(p.year)) for p in self.turning_points}

    def tp_texts(self, lang: str) -> dict[str, str]:
        """Turning points as shown: year, boundary '≤ start year' or 'not reached'."""
        from webapp.i18n import tp_text  # local: keeps this module importable without i18n use

        return {p.key: tp_text(p, lang) for p in self.turning_points}


@functools.lru_cache(maxsize=32)
def target_set(targets_key: str = "", red_line: float | None = None) -> TargetSet:
    """Targets of a region: ``targets_key`` is the JSON of the starting scenario's targets
    selection ("" = the national set); ``red_line`` the scenario's cropland red line."""


    from analysis.scenario_runs import targets_for

    selection = json.loads(targets_key) if targets_key else None
    return targets_for(selection, {} if red_line is None else {RED_LINE: red_line}, "scenario")


def outcome(overrides: Mapping[str, float], targets_key: str = "", initial_time: float | None = None,
            data_key: str = "") -> Outcome:
    """Run (from ``initial_time``, with the data inputs ``data_key``, see :func:`simulate`),
    turning points and the targets of the region (see :func:`target_set`)."""
    results = simulate(overrides, initial_time, data_key)
    tps = compute_turning_points(results)
    tset = target_set(targets_key, overrides.get(RED_LINE))
    targets = {lang: evaluate_targets(results, turning_points=tps, targets=tset, lang=lang)
               for lang in ("zh", "en")}
    return Outcome(results=results, turning_points=tps, targets=targets, target_set=tset)


def value_at(results: pd.DataFrame, name: str, year: float) -> float:
    """A variable at a year (the grammar's ``name@year``)."""
    return float(evaluate_on_frame(results, [Metric("level", name, year=float(year))]).values.iloc[0, 0])


#: Key indicators for the Compare and Present tables: (i18n key, metric of the one
#: grammar of :mod:`analysis.metrics`, display factor).
INDICATORS: tuple[tuple[str, str, float], ...] = (
    ("ind_gross_2030", "gross emissions@2030", 1.0),
    ("ind_net_2060", "net emissions@2060", 1.0),
    ("ind_sink_2060", "land carbon sink@2060", 1.0),
    ("ind_cum_net", "cum_net[2020:2060]", 1e-3),  # Gt CO2
    ("ind_forest_2035", "forest coverage@2035", 1.0),
    ("ind_cropland_2035", "Cropland@2035", 1.0),
    ("ind_constr_2035", "total construction land@2035", 1.0),
    ("ind_urban_2035", "urbanization rate@2035", 1.0),
    ("ind_nonfossil_2030", "non fossil share of primary energy@2030", 100.0),  # %
    ("ind_pop_2050", "total population@2050", 1.0),
)


def indicator_values(results: pd.DataFrame) -> list[float]:
    """Values of :data:`INDICATORS` for one run (display units)."""
    table = evaluate_on_frame(results, [m for _, m, _ in INDICATORS])
    return [float(v) * f for v, (_, _, f) in zip(table.values.iloc[0], INDICATORS)]


def comparison_table(outcomes: Sequence[tuple[str, Outcome]], lang: str) -> pd.DataFrame:
    """Rows: turning-point years and key indicators; columns: the scenarios in order."""
    from webapp.i18n import t  # local: keeps this module importable without i18n use

    rows: dict[str, list[float]] = {}
    for key in TP_MARKED:
        label = t("ind_tp", lang, name=tpmod.NAMES[key][lang])
        rows[label] = [o.tp_years()[key] for _, o in outcomes]
    values = [indicator_values(o.results) for _, o in outcomes]
    for j, (key, _, _) in enumerate(INDICATORS):
        rows[t(key, lang)] = [v[j] for v in values]
    names = _unique([name for name, _ in outcomes])
    return pd.DataFrame(rows, index=names).T


def _unique(names: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n} ({seen[n]})")
        else:
            seen[n] = 1
            out.append(n)
    return out


def differs_from_first(table: pd.DataFrame) -> pd.DataFrame:
    """Boolean frame: True where a cell differs from the first column (NaN == NaN)."""
    first = table.iloc[:, 0]
    out = pd.DataFrame(False, index=table.index, columns=table.columns)
    for col in table.columns[1:]:
        a, b = table[col].astype(float), first.astype(float)
        same = np.isclose(a, b, rtol=1e-6, atol=1e-9) | (a.isna() & b.isna())
        out[col] = ~same
    return out


# ------------------------------------------------------------------ scenario story
def story_steps(start: Mapping[str, float], current: Mapping[str, float], labels: Mapping[str, Mapping[str, str]],
                order: Sequence[str], model, start_label: Mapping[str, str] | None = None,
                ) -> tuple[list[tuple[Mapping[str, str], dict[str, float]]], bool]:
    """Cumulative scenarios: the starting scenario, then one more changed constant per step.

    ``labels``: Vensim name -> {zh, en} (lever labels); ``order``: lever order;
    ``start_label``: {zh, en} name of step 0 (the starting scenario). Returns
    ``(steps, from_current)``; each step is (label, cumulative overrides). When the
    current scenario equals the starting one, :data:`DEFAULT_STORY` is used.
    """
    from webapp.i18n import unit_label
    from webapp.scenario_io import diff_from

    diff = diff_from(start, current, model)
    first = dict(start_label or {"zh": "起始情景", "en": "Starting scenario"})
    steps: list[tuple[Mapping[str, str], dict[str, float]]] = [(first, dict(start))]
    acc = dict(start)
    if diff:
        rank = {n: i for i, n in enumerate(order)}
        for name in sorted(diff, key=lambda n: (rank.get(n, len(rank)), n)):
            acc = {**acc, name: diff[name]}
            c = model.constants[name]
            lab = labels.get(name, {"zh": name, "en": name})
            text = {lg: f"+ {lab[lg]} = {diff[name]:g} {unit_label(c.units, lg) if c.units != 'Dmnl' else ''}".strip()
                    for lg in ("zh", "en")}
            steps.append((text, dict(acc)))
        return steps, True
    for label, change in DEFAULT_STORY:
        acc = {**acc, **change}
        steps.append(({lg: f"+ {label[lg]}" for lg in ("zh", "en")}, dict(acc)))
    return steps, False
