"""Targets: one :class:`Target` type for every part of the product (目标与指标评估).

A target is ``metric op threshold`` with a metric of the one grammar
(:mod:`analysis.metrics`): ``tp3<=2030``, ``neutrality<=2060``,
``min(cropland on survey basis)[2021:]>=12433``, ``official forest coverage@2025>=24.1``,
``reduction(co2 per unit GDP)[2005:2030]>=0.65``. The same object is evaluated

* on one run with pass/fail, margin and a reason in English or Chinese
  (:func:`evaluate_targets`, the app and the CLI), and
* on N runs at once (:meth:`Target.assess` on :class:`analysis.metrics.MetricTable`
  columns: sensitivity, policy analysis, ensembles).

Not-identified turning points follow the one censoring rule: a point at or before
the window start ``b`` (direction −1) meets ``<= d`` when ``b <= d``; a maximum still
rising at the horizon end ``b`` (direction +1) fails ``<= d`` when ``b > d``, a
threshold event still failing there when ``b >= d``; otherwise the target cannot be
decided (``passed`` None, NaN in :meth:`Target.assess`). The margin ``d − b`` is then a
bound (lower resp. upper).

Targets are data: ``analysis/targets.yaml`` holds the national (China) set and
region-specific changes; a separate region file can be loaded on top; policy
analysis reads plain lists of targets (``{targets: [...]}``) or texts. Every error
names the file and the key.

Package layout: :mod:`.target` (the :class:`Target` type, :class:`TargetSet`),
:mod:`.files` (loading and validating target files), :mod:`.evaluation` (one run, with
reasons in English and Chinese).
"""

from __future__ import annotations

from analysis.turning_points import turning_points_from_results

from .evaluation import RESULT_COLUMNS, evaluate_targets
from .files import DEFAULT_TARGETS_PATH, load_targets, targets_from_dict
from .target import Target, TargetSet, TargetsConfigError

__all__ = [
    "DEFAULT_TARGETS_PATH", "RESULT_COLUMNS", "Target", "TargetSet", "TargetsConfigError",
    "load_targets", "targets_from_dict", "evaluate_targets", "turning_points_from_results",
]
