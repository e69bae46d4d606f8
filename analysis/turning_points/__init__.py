"""Turning points on the way to carbon neutrality (“双碳”目标实现过程中的五个重要拐点).

Package layout (one job per module):

* :mod:`.definitions` — keys, names, units, the operational definitions (en/zh,
  with formulas), the two windows and :class:`TPOptions`;
* :mod:`.inputs` — the one map from input roles to model variables;
* :mod:`.smoothing` — optional smoothing of history before differentiation;
* :mod:`.kinks` — abrupt changes of input series and the kink flag;
* :mod:`.core` — the vectorized engine (N runs at once, one run is N = 1) and the
  one censoring rule;
* :mod:`.narration` — one run's table with reasons in English and Chinese;
* :mod:`.history` — observed history (read by the calibration loader) and the
  comparison with the calibrated runs;
* :mod:`.ensemble` — turning-point bands over the calibration's parameter uncertainty.
"""

from .core import KeyArrays, TurningPointArrays, censor, detect
from .definitions import (
    CODE, DEFINITIONS, KEY_INPUTS, KEYS, NAMES, SEQUENCE, STATUS_CODES, STATUSES, UNITS, WINDOW_NAMES, WINDOWS,
    TPOptions, TurningPointOptionsError, calibration_last_data_year, default_analysis_start,
)
from .inputs import MODEL_INPUTS, TP_ROLES
from .narration import TurningPoint, TurningPointTable, turning_points, turning_points_from_results
from .smoothing import HISTORY_SMOOTHING, Smoothing

__all__ = [
    "CODE", "DEFINITIONS", "HISTORY_SMOOTHING", "KEY_INPUTS", "KEYS", "MODEL_INPUTS", "NAMES", "SEQUENCE",
    "STATUS_CODES", "STATUSES", "TP_ROLES", "UNITS", "WINDOW_NAMES", "WINDOWS", "KeyArrays", "Smoothing",
    "TPOptions", "TurningPoint", "TurningPointArrays", "TurningPointOptionsError", "TurningPointTable",
    "calibration_last_data_year", "censor", "default_analysis_start", "detect", "turning_points",
    "turning_points_from_results",
]
