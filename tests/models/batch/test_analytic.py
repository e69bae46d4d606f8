"""Batch results against closed-form solutions of the Euler scheme."""

from __future__ import annotations

import numpy as np

from models.batch import compile_model

from .conftest import MDL_DIR


def test_euler_decay_and_linear_stock_match_closed_form():
    model = compile_model(MDL_DIR / "analytic_decay.mdl")
    k = np.array([0.01, 0.1, 0.37])
    c = np.array([-5.0, 0.0, 2.5])
    x0 = np.array([1.0, 100.0, 999.0])
    result = model.run({"decay rate": k, "constant inflow": c, "initial amount": x0})
    t = result.times  # 2000, 2001, ..., 2030 (TIME STEP 0.25, SAVEPER 1)
    np.testing.assert_allclose(t, np.arange(2000.0, 2030.5, 1.0))
    n_steps = np.round((t - 2000.0) / 0.25)
    expected_decay = x0[:, None] * (1 - k[:, None] * 0.25) ** n_steps[None, :]
    expected_linear = x0[:, None] + c[:, None] * (t[None, :] - 2000.0)
    np.testing.assert_allclose(result["Decaying"], expected_decay, rtol=1e-12)
    np.testing.assert_allclose(result["Linear"], expected_linear, rtol=1e-12, atol=1e-9)
