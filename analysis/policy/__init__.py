"""Policy analysis (政策分析): which levers move the turning points, which lever mixes meet the targets.

* :mod:`.attribution` — exact Shapley attribution (wedges) of a policy's effect on
  emissions, the land sink, cumulative emissions and turning-point years to lever groups
  (all 2^k coalitions in one batch run).
* :mod:`.discovery` — scenario discovery: Latin-hypercube sampling of the levers, PRIM
  boxes and feature scores with EMA Workbench.
* :mod:`.seek` — target seeking: the smallest change of one lever that meets a target.
* :mod:`.metrics` — scalar metrics (turning-point years with censoring, levels,
  cumulative emissions) and targets (metric, operator, threshold).
* :mod:`.evaluate` — the single model-evaluation entry point (batch runner or PySD).
* :mod:`.plots` — figures (English / Chinese); command line: ``tcsd policy`` (:mod:`cli.policy`).

Heavy imports (EMA Workbench, matplotlib) happen only in the modules that need them.
"""

from typing import TYPE_CHECKING

from analysis.lazy import lazy_exports

if TYPE_CHECKING:  # the names below are imported when first used (``__getattr__``)
    from .attribution import AttributionResult, attribute, shapley_values
    from .discovery import BoxCheck, DiscoveryResult, Factor, PrimResult, check_box, discover, prim_box
    from .evaluate import Simulation, engine_status, simulate
    from .levers import Lever, LeverGroup, PolicyConfigError, load_groups, load_scenario, policy_levers
    from .metrics import Metric, MetricTable, Target, evaluate_metrics, load_targets
    from .seek import SeekResult, seek

#: Submodule of each public name, imported when first used: importing one submodule
#: (e.g. the command line's defaults) does not import the others and their SciPy.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("AttributionResult", "attribute", "shapley_values"), "attribution"),
    **dict.fromkeys(("BoxCheck", "DiscoveryResult", "Factor", "PrimResult", "check_box", "discover",
                     "prim_box"), "discovery"),
    **dict.fromkeys(("Simulation", "engine_status", "simulate"), "evaluate"),
    **dict.fromkeys(("Lever", "LeverGroup", "PolicyConfigError", "load_groups", "load_scenario",
                     "policy_levers"), "levers"),
    **dict.fromkeys(("Metric", "MetricTable", "Target", "evaluate_metrics", "load_targets"), "metrics"),
    **dict.fromkeys(("SeekResult", "seek"), "seek"),
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "AttributionResult", "attribute", "shapley_values",
    "BoxCheck", "DiscoveryResult", "Factor", "PrimResult", "check_box", "discover", "prim_box",
    "Simulation", "engine_status", "simulate",
    "Lever", "LeverGroup", "PolicyConfigError", "load_groups", "load_scenario", "policy_levers",
    "Metric", "MetricTable", "Target", "evaluate_metrics", "load_targets",
    "SeekResult", "seek",
]
