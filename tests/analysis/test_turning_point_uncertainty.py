"""Parameter draws and turning-point bands (analysis.turning_points.ensemble)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import truncnorm

from analysis.turning_points.ensemble import BAND_COLUMNS, TARGET_COLUMNS, ParameterUncertainty, run_ensemble


def _fit(tmp_path: Path, names, est, se, lo, hi, corr, integer=None) -> Path:
    p = tmp_path / "fit_result.json"
    p.write_text(json.dumps({"names": names, "estimates": est, "se": se, "lower": lo, "upper": hi, "corr": corr,
                             "integer": integer or [False] * len(names)}), encoding="utf-8")
    return p


def test_copula_draws_keep_bounds_marginals_and_correlation(tmp_path: Path) -> None:
    # a: N(1, 0.1) with bounds far away (untruncated); b: N(0, 1) truncated to [0, 2]
    # (estimate at its lower bound); correlation 0.8; c: integer, kept at its estimate;
    # d: no finite SE, kept at its estimate.
    corr = [[1, 0.8, 0, 0], [0.8, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    path = _fit(tmp_path, ["a", "b", "c", "d"], [1.0, 0.0, 2008.0, 5.0], [0.1, 1.0, 1.0, float("nan")],
                [0.0, 0.0, 2000.0, 0.0], [2.0, 2.0, 2020.0, 10.0], corr, [False, False, True, False])
    unc = ParameterUncertainty.from_fit_result(path)
    assert unc.names == ("a", "b") and unc.fixed == {"c": 2008.0, "d": 5.0}
    x = unc.sample(20000, np.random.default_rng(0))
    assert (x["b"] >= 0).all() and (x["b"] <= 2).all()
    assert x["a"].mean() == pytest.approx(1.0, abs=0.005) and x["a"].std() == pytest.approx(0.1, rel=0.03)
    # the marginal of b is the truncated normal: mean = 0 + 1 * (phi(0) - phi(2)) / (Phi(2) - Phi(0))
    assert x["b"].mean() == pytest.approx(truncnorm.mean(0, 2), abs=0.02)
    # the Gaussian copula keeps the rank correlation: 6/pi asin(rho/2) = 0.786 for rho = 0.8
    ranks = [np.argsort(np.argsort(x[k])) for k in ("a", "b")]
    spearman = np.corrcoef(*ranks)[0, 1]
    assert spearman == pytest.approx(6 / np.pi * np.arcsin(0.4), abs=0.02)


def test_not_positive_definite_correlation_is_repaired(tmp_path: Path) -> None:
    # pairwise +0.9, +0.9, -0.9 is not a valid correlation matrix
    corr = [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]
    path = _fit(tmp_path, ["a", "b", "c"], [0.0] * 3, [1.0] * 3, [-5.0] * 3, [5.0] * 3, corr)
    unc = ParameterUncertainty.from_fit_result(path)
    assert np.linalg.eigvalsh(unc.corr).min() > -1e-9 and np.allclose(np.diag(unc.corr), 1.0)
    x = unc.sample(100, np.random.default_rng(1))
    assert all(np.isfinite(v).all() for v in x.values())


def test_bad_fit_result_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nope.json: calibration result not found"):
        ParameterUncertainty.from_fit_result(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.json: not a calibration result"):
        ParameterUncertainty.from_fit_result(bad)


def test_a_result_of_another_model_version_is_a_clear_error(tmp_path: Path) -> None:
    path = _fit(tmp_path, ["no such constant"], [1.0], [0.1], [0.0], [2.0], [[1.0]])
    with pytest.raises(ValueError, match=r"fit_result.json: .*does not have \(no such constant\).*another model version"):
        run_ensemble("baseline", 4, fit_result=path)
    path = _fit(tmp_path, ["convergence speed"], [0.0123456], [0.001], [0.005], [0.08], [[1.0]])
    with pytest.raises(ValueError, match="nothing to draw"):
        run_ensemble({}, 4, fit_result=path)


def test_ensemble_of_the_baseline() -> None:
    res = run_ensemble("baseline", 16, seed=2, ranges={"non fossil mandate for new supply": (0.0, 0.3)})
    assert list(res.bands.columns) == list(BAND_COLUMNS) and list(res.targets.columns) == list(TARGET_COLUMNS)
    assert len(res.bands) == 16 and len(res.years) == 16 and len(res.samples) == 16
    counts = res.bands[["n_reached", "n_before", "n_after", "n_undefined"]].sum(axis=1)
    assert (counts == 16).all()
    assert (res.bands["p5"] <= res.bands["p50"]).all() and (res.bands["p50"] <= res.bands["p95"]).all()
    assert res.samples["non fossil mandate for new supply"].between(0.0, 0.3).all()
    # the baseline's calibrated constants are drawn, inside the fit's bounds
    unc = ParameterUncertainty.from_fit_result()
    assert set(unc.names) & set(res.samples), "no calibrated constant of the baseline was drawn"
    for j, name in enumerate(unc.names):
        if name in res.samples:
            assert res.samples[name].between(unc.lower[j], unc.upper[j]).all(), name
    # probabilities are shares of runs; the central run is the scenario itself
    assert res.targets["probability"].between(0, 1).all()
    years = res.years["tp3@proj"]
    co2 = res.targets.set_index("key").loc["co2_peak"]
    assert co2["probability"] == pytest.approx(np.mean(years <= 2030))
    with pytest.raises(ValueError, match="ensemble size"):
        run_ensemble("baseline", 1)
