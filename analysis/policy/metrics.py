"""Metrics and targets of policy runs: the one grammar applied to a :class:`Simulation`.

The grammar, the censoring rule and the :class:`Target` type are those of
:mod:`analysis.metrics`, :mod:`analysis.turning_points` and :mod:`analysis.targets`;
this module only feeds them the saved arrays of a policy simulation.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from analysis import turning_points as tpmod
from analysis.metrics import Metric, MetricError, MetricTable
from analysis.metrics import evaluate_metrics as _evaluate
from analysis.targets import Target, load_targets
from analysis.turning_points.inputs import MODEL_INPUTS, TP_ROLES

from .evaluate import Simulation

__all__ = [
    "TP_KEYS", "TP_OUTPUTS", "Metric", "MetricError", "MetricTable", "Target",
    "evaluate_metrics", "load_targets", "turning_point_table",
]

TP_KEYS: tuple[str, ...] = tpmod.KEYS
#: Model outputs feeding the turning points (role → variable), from the one input map.
TP_OUTPUTS: Mapping[str, str] = {role: MODEL_INPUTS[role] for role in TP_ROLES}


def evaluate_metrics(sim: Simulation, metrics: Sequence[Metric | str],
                     tp_options: Mapping[str, Any] | None = None) -> MetricTable:
    """Values of ``metrics`` for every run of ``sim`` (N × labels)."""
    return _evaluate(sim.arrays, sim.times, metrics, tp_options)


def turning_point_table(sim: Simulation, keys: Sequence[str] = TP_KEYS,
                        tp_options: Mapping[str, Any] | None = None, window: str = "proj") -> MetricTable:
    """Censored turning-point years (N × keys) of every run of ``sim`` in ``window``."""
    unknown = [k for k in keys if k not in TP_KEYS]
    if unknown:
        raise MetricError(f"unknown turning point(s) {unknown}; use {', '.join(TP_KEYS)}")
    metrics = [Metric("turning_point", k, window=window) for k in dict.fromkeys(keys)]
    table = evaluate_metrics(sim, metrics, tp_options)
    rename = {m.label: m.name for m in metrics}
    return MetricTable(values=table.values.rename(columns=rename), censored=table.censored.rename(columns=rename),
                       direction=table.direction.rename(columns=rename), status=table.status.rename(columns=rename),
                       step=table.step)
