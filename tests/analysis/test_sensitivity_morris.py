"""Morris on a linear function: mu* = |c_i| (ub_i - lb_i) exactly, sigma = 0."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.sensitivity import SensitivityProblem, run_analysis
from analysis.sensitivity.examples import Linear

BOUNDS = [[0.0, 1.0], [-2.0, 3.0], [10.0, 10.5], [100.0, 400.0]]
COEFFICIENTS = [2.0, -1.5, 40.0, 0.01]


@pytest.mark.parametrize("num_levels", [4, 6])
def test_mu_star_equals_coefficient_times_range(num_levels: int) -> None:
    problem = SensitivityProblem.from_mapping({"names": ["a", "b", "c", "d"], "bounds": BOUNDS})
    result = run_analysis(problem, Linear(COEFFICIENTS), "morris", n=12, seed=3, num_levels=num_levels)
    table = result.indices.pivot(index="parameter", columns="index", values="value").loc[["a", "b", "c", "d"]]
    ranges = np.diff(np.array(BOUNDS), axis=1).ravel()
    coefficients = np.array(COEFFICIENTS)
    np.testing.assert_allclose(table["mu_star"], np.abs(coefficients) * ranges, rtol=1e-9)
    np.testing.assert_allclose(table["mu"], coefficients * ranges, rtol=1e-9)
    np.testing.assert_allclose(table["sigma"], 0.0, atol=1e-9)
    assert result.design.runs == 12 * 5


def test_morris_ranks_a_nonlinear_term_by_sigma() -> None:
    """Interaction/non-linearity shows up as sigma > 0 only for the involved inputs."""

    problem = SensitivityProblem.from_mapping({"names": ["a", "b", "c"], "bounds": [[0, 1]] * 3})
    result = run_analysis(problem, _Product(), "morris", n=20, seed=1)
    sigma = result.indices.query("index == 'sigma'").set_index("parameter")["value"]
    assert sigma["a"] > 0.1 and sigma["b"] > 0.1
    assert sigma["c"] == pytest.approx(0.0, abs=1e-12)


class _Product:
    def __call__(self, X: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        return {"y": X[:, 0] * X[:, 1] + X[:, 2]}
