"""Property-based check of the time functions against PySD at grid boundaries.

Hypothesis searches STEP/PULSE/RAMP/PULSE TRAIN times (on and off the time grid,
declared ranges of ``time_functions.mdl``); every example is compared with PySD.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.batch import compile_model

from .conftest import MDL_DIR, assert_close, pysd_run

MDL = MDL_DIR / "time_functions.mdl"
BATCH = compile_model(MDL)
OUTPUTS = ["Accumulated", "step input", "ramp input", "pulse input", "train input"]


def grid_or_float(low: float, high: float):
    """Values on the 1/8-year grid (exact boundaries) or anywhere in [low, high]."""
    on_grid = st.integers(int(low * 8), int(high * 8)).map(lambda k: k / 8)
    return st.one_of(on_grid, st.floats(low, high, allow_nan=False))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    step_time=grid_or_float(2001, 2030),
    ramp_start=grid_or_float(2000, 2020),
    ramp_end=grid_or_float(2021, 2040),
    pulse_start=grid_or_float(2001, 2030),
    pulse_width=grid_or_float(0.25, 5),
    train_interval=grid_or_float(1, 10),
)
def test_time_functions_match_pysd(pysd_cache, step_time, ramp_start, ramp_end, pulse_start,
                                   pulse_width, train_interval):
    params = {
        "step time": step_time,
        "ramp start": ramp_start,
        "ramp end": ramp_end,
        "pulse start": pulse_start,
        "pulse width": pulse_width,
        "train interval": train_interval,
    }
    # two runs in one batch: these values, and the same shifted by half a step
    shifted = {name: np.array([v, v + 0.125]) for name, v in params.items()}
    result = BATCH.run(shifted, outputs=OUTPUTS)
    for k in range(2):
        expected = pysd_run(
            pysd_cache(MDL), {n: float(v[k]) for n, v in shifted.items()}, OUTPUTS
        )
        for name in OUTPUTS:
            assert_close(result[name][k], expected[name].values, f"{params} run {k}: {name}")
