"""Unsupported constructs fail at compile time, naming the variable and construct."""

from __future__ import annotations

import pytest

from models.batch import UnsupportedConstructError, compile_model

from .conftest import MDL_DIR

CASES = [
    ("unsupported_delay_fixed.mdl", "shipments fixed", "DELAY FIXED"),
    (
        "unsupported_delay_n_order.mdl",
        "shipments n",
        "DELAY N whose delay time = 3 is below order x TIME STEP = 4 x 1 (PySD would lower the order)",
    ),
    (
        "unsupported_delay_order.mdl",
        "shipments",
        "DELAY3 whose delay time 'transit time' = 0.3 is below order x TIME STEP = 3 x 0.125 "
        "(PySD would lower the order)",
    ),
    ("unsupported_delay_n_varying.mdl", "shipments n", "DELAY N with a time-varying delay time"),
    ("unsupported_get_data.mdl", "historical input", "GET XLS/DIRECT DATA"),
    ("unsupported_get_xls_constants.mdl", "historical constants", "GET XLS/DIRECT CONSTANTS"),
    ("unsupported_function.mdl", "noisy input", "RANDOM UNIFORM"),
    ("unsupported_sample_if_true.mdl", "sampled input", "SAMPLE IF TRUE"),
    ("unsupported_subscripts.mdl", "regional input", "subscripts"),
    ("unsupported_macro.mdl", "doubled input", "macro DOUBLE"),
]


@pytest.mark.parametrize("file, variable, construct", CASES, ids=[c[0] for c in CASES])
def test_unsupported_construct_raises_at_compile_time(file, variable, construct):
    with pytest.raises(UnsupportedConstructError) as info:
        compile_model(MDL_DIR / file)
    error = info.value
    assert error.variable == variable
    assert error.construct == construct
    message = str(error)
    assert message.startswith(f"variable '{variable}': unsupported construct '{construct}'")
    assert "(supported: " in message and "INTEG" in message
