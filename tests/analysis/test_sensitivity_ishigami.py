"""Ishigami function through the full pipeline against its closed-form indices.

f(x) = sin x1 + a sin^2 x2 + b x3^4 sin x1 with x_i ~ U(-pi, pi), a = 7, b = 0.1.

Closed form (Ishigami & Homma 1990; Sobol' & Levitan 1999), using
E[sin^2] = 1/2, E[sin^4] = 3/8, E[x^4] = pi^4/5, E[x^8] = pi^8/9 for x ~ U(-pi, pi):

* V1  = Var(E[f|x1]) = Var(sin x1 (1 + b pi^4/5)) = (1 + b pi^4/5)^2 / 2
* V2  = a^2 Var(sin^2 x2) = a^2 (3/8 - 1/4) = a^2/8
* V3  = 0
* V13 = b^2 Var(x3^4) E[sin^2 x1] = b^2 pi^8 (1/9 - 1/25) / 2 = b^2 pi^8 (1/18 - 1/50)
* V   = V1 + V2 + V13
* S1 = (V1, V2, 0)/V, ST = (V1 + V13, V2, V13)/V, S2[1,3] = V13/V, other S2 = 0.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from analysis.sensitivity import SensitivityProblem, run_analysis
from analysis.sensitivity.examples import Ishigami

A, B = 7.0, 0.1
# The bootstrap CI (SALib's normal-approximation half-width at 95 %) is an estimate
# itself; 0.01 absolute margin absorbs its own error so the test does not hinge on one
# seed. It is small against the CI widths (~0.03-0.05) and the gaps that a wrong
# pipeline produces (see test_ci_discriminates_a_wrong_function).
MARGIN = 0.01


def analytic_indices(a: float, b: float) -> dict[str, np.ndarray]:
    """Closed-form S1, ST and S2 (upper triangle) of the Ishigami function."""
    v1 = (1 + b * math.pi**4 / 5) ** 2 / 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    s2 = np.zeros((3, 3))
    s2[0, 2] = v13 / v
    return {"S1": np.array([v1, v2, 0.0]) / v, "ST": np.array([v1 + v13, v2, v13]) / v, "S2": s2}


def test_closed_form_variance_matches_monte_carlo() -> None:
    """Guards the formulas above: total variance against a large plain MC estimate."""
    rng = np.random.default_rng(0)
    X = rng.uniform(-math.pi, math.pi, size=(2_000_000, 3))
    y = Ishigami(A, B)(X, ["x1", "x2", "x3"])["y"]
    v1 = (1 + B * math.pi**4 / 5) ** 2 / 2
    v = v1 + A**2 / 8 + B**2 * math.pi**8 * (1 / 18 - 1 / 50)
    assert y.var() == pytest.approx(v, rel=5e-3)


@pytest.fixture(scope="module")
def problem() -> SensitivityProblem:
    return SensitivityProblem.from_mapping({"names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3})


@pytest.fixture(scope="module")
def sobol_indices(problem: SensitivityProblem) -> pd.DataFrame:
    started = time.perf_counter()
    result = run_analysis(problem, Ishigami(A, B), "sobol", n=2**12, seed=20240601, calc_second_order=True)
    print(f"\nIshigami Sobol N=2^12 ({result.design.runs} runs): {time.perf_counter() - started:.2f} s")
    return result.indices


def _first_total(indices: pd.DataFrame, kind: str) -> pd.DataFrame:
    return indices[indices["index"] == kind].set_index("parameter").loc[["x1", "x2", "x3"]]


@pytest.mark.parametrize("kind", ["S1", "ST"])
def test_sobol_reproduces_analytic_first_and_total_indices(sobol_indices: pd.DataFrame, kind: str) -> None:
    rows = _first_total(sobol_indices, kind)
    expected = analytic_indices(A, B)[kind]
    error = np.abs(rows["value"].to_numpy() - expected)
    assert (rows["conf"] < 0.06).all(), "CIs too wide for the comparison to mean anything"
    assert (error <= rows["conf"].to_numpy() + MARGIN).all(), pd.DataFrame(
        {"estimate": rows["value"], "analytic": expected, "conf": rows["conf"]}
    )
    assert (rows["status"] == "ok").all()


def test_sobol_second_order(sobol_indices: pd.DataFrame) -> None:
    s2 = sobol_indices[sobol_indices["index"] == "S2"]
    expected = analytic_indices(A, B)["S2"]
    index = {"x1": 0, "x2": 1, "x3": 2}
    assert len(s2) == 3
    for row in s2.itertuples():
        analytic = expected[index[row.parameter], index[row.parameter_2]]
        assert abs(row.value - analytic) <= row.conf + MARGIN, (row.parameter, row.parameter_2, row.value, analytic)


def test_ci_discriminates_a_wrong_function(sobol_indices: pd.DataFrame) -> None:
    """The comparison can fail: indices of Ishigami with a=5 lie outside the CIs."""
    rows = _first_total(sobol_indices, "S1")
    wrong = analytic_indices(5.0, B)["S1"]
    error = np.abs(rows["value"].to_numpy() - wrong)
    assert (error > rows["conf"].to_numpy() + MARGIN).any()


def test_efast_close_to_analytic(problem: SensitivityProblem) -> None:
    """eFAST is a spectral estimator with a small known bias and unreliable bootstrap
    CIs (SALib #649), so it is compared with an absolute tolerance instead."""
    result = run_analysis(problem, Ishigami(A, B), "fast", n=2**12, seed=7)
    expected = analytic_indices(A, B)
    for kind in ("S1", "ST"):
        rows = _first_total(result.indices, kind)
        np.testing.assert_allclose(rows["value"].to_numpy(), expected[kind], atol=0.03)
