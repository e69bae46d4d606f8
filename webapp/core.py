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
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis import turning_points as tpmod
from analysis.labels import FOREST_STOCKS, LAND_STOCKS, VARIABLE_LABELS, variable_label  # noqa: F401
from analysis.metrics import Metric, evaluate_on_frame
from analysis.targets import TargetSet, evaluate_targets, load_targets, turning_points_from_results
from models.model import run_scenario

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


def simulate(overrides: Mapping[str, float]) -> pd.DataFrame:
    """Run the model for validated overrides (batch runner, N = 1); all variables by year."""
    return run_scenario(dict(overrides))


def compute_turning_points(results: pd.DataFrame) -> tpmod.TurningPointTable:
    """Turning points of one run, with energy and GDP for the TP2 intensity companion."""
    return turning_points_from_results(results)


@dataclass(frozen=True)
class Outcome:
    """A run and everything derived from it (immutable once built)."""

    results: pd.DataFrame
    turning_points: tpmod.TurningPointTable
    targets: Mapping[str, pd.DataFrame]  # lang -> evaluate_targets(...)

    def tp_years(self) -> dict[str, float]:
        return {p.key: (np.nan if p.year is None else float(p.year)) for p in self.turning_points}


@functools.lru_cache(maxsize=1)
def national_targets() -> TargetSet:
    """The national target set (``analysis/targets.yaml``), read once per process."""
    return load_targets()


def outcome(overrides: Mapping[str, float]) -> Outcome:
    results = simulate(overrides)
    tps = compute_turning_points(results)
    targets = {lang: evaluate_targets(results, turning_points=tps, targets=national_targets(), lang=lang)
               for lang in ("zh", "en")}
    return Outcome(results=results, turning_points=tps, targets=targets)


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
#: Example policy package used by the story when the current scenario is the baseline.
DEFAULT_STORY: tuple[tuple[Mapping[str, str], Mapping[str, float]], ...] = (
    ({"zh": "紧凑型城镇化（人均城镇用地 −20 m²）", "en": "Compact urbanization (−20 m² urban land per person)"},
     {"urban land per capita policy change": -20}),
    ({"zh": "农村建设用地复垦并还林", "en": "Reclaim rural construction land, half to forest"},
     {"rural reclamation policy rate": 0.05, "reclamation to forest share": 0.5}),
    ({"zh": "国土绿化与退耕还林", "en": "Afforestation and returning cropland to forest"},
     {"additional afforestation rate": 300, "returning cropland to forest rate": 50}),
    ({"zh": "能源转型（非化石 +20 个百分点、能效）", "en": "Energy transition (+20 pp non-fossil, efficiency)"},
     {"additional non fossil share": 0.2, "additional energy intensity decline": 0.01}),
    ({"zh": "低碳建材、CCS 与 2060 年全面非化石", "en": "Low-carbon materials, CCS, 100 % non-fossil by 2060"},
     {"low carbon building material share": 0.5, "CCS capacity growth": 20, "year of full non fossil energy": 2060}),
)


def story_steps(start: Mapping[str, float], current: Mapping[str, float], labels: Mapping[str, Mapping[str, str]],
                order: Sequence[str], model) -> tuple[list[tuple[Mapping[str, str], dict[str, float]]], bool]:
    """Cumulative scenarios: baseline, then one more changed constant per step.

    ``labels``: Vensim name -> {zh, en} (lever labels); ``order``: lever order. Returns
    ``(steps, from_current)``; each step is (label, cumulative overrides). When the
    current scenario equals the starting one, :data:`DEFAULT_STORY` is used.
    """
    from webapp.scenario_io import diff_from

    diff = diff_from(start, current, model)
    steps: list[tuple[Mapping[str, str], dict[str, float]]] = [({"zh": "基准情景", "en": "Baseline"}, dict(start))]
    acc = dict(start)
    if diff:
        rank = {n: i for i, n in enumerate(order)}
        for name in sorted(diff, key=lambda n: (rank.get(n, len(rank)), n)):
            acc = {**acc, name: diff[name]}
            c = model.constants[name]
            lab = labels.get(name, {"zh": name, "en": name})
            text = {lg: f"+ {lab[lg]} = {diff[name]:g} {c.units if c.units != 'Dmnl' else ''}".strip()
                    for lg in ("zh", "en")}
            steps.append((text, dict(acc)))
        return steps, True
    for label, change in DEFAULT_STORY:
        acc = {**acc, **change}
        steps.append(({lg: f"+ {label[lg]}" for lg in ("zh", "en")}, dict(acc)))
    return steps, False
