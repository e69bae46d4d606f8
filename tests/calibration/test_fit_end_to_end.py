"""Fitting: objective, reproducibility, recovery of known constants, uncertainty."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calibration.config import Thresholds, load_config
from calibration.evaluate import model_times, simulate_many
from calibration.fit import (FitResult, Problem, build_problem, fit, identification_warnings,
                             uncertainty)
from calibration.observations import build_targets, load_region_history, model_at_years
from calibration.config import SeriesTarget
from calibration.testing import synthetic_history, tiny_config, write_config


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")
    return load_config(write_config(d / "tiny.yaml", tiny_config()))


def test_tiny_fit_is_reproducible_and_improves(tiny):
    r1, prob = fit(tiny)
    r2, _ = fit(tiny)
    assert r1.estimates == r2.estimates  # fixed seed: bitwise identical
    assert r1.objective <= r1.optimizer["objective_start"]
    assert r1.objective <= r1.objective_de + 1e-15
    assert all(np.isfinite(r1.se)) and all(s > 0 for s in r1.se)
    assert r1.window == (1990, 2022)  # latest gdp observation (urbanization ends 2018)
    # the objective is the sum of squared residuals, split by series
    assert sum(r1.objective_by_series.values()) == pytest.approx(r1.objective)
    # every generation was one batch call of the whole population: runs counted
    assert r1.optimizer["runs"] >= (tiny.optimizer.maxiter + 1) * tiny.optimizer.popsize * 2


def test_residuals_equal_the_model_values_at_the_data_years(tiny):
    """The data years' columns, found once per problem, give the residuals that the
    model values at the years (``model_at_years``, each call on its own) give; and
    new times or targets are not served from the columns found before."""
    prob = build_problem(tiny, load_region_history(tiny))
    rng = np.random.default_rng(5)
    X = prob.lower + rng.random((3, len(prob.names))) * (prob.upper - prob.lower)
    arrays = prob.simulate(X)
    expected = np.concatenate([
        math.sqrt(t.target.weight / t.n)
        * (model_at_years(arrays[t.target.model_variable], prob.times, t.years, t.target.timing) - t.values)
        / t.scale for t in prob.targets], axis=1)
    times = np.array([1990.0, 1991.0, 1992.0, 1993.0])
    a = np.array([[10.0, 12.0, 16.0, 22.0]])
    assert model_at_years(a, times, [1991, 1992], "start").tolist() == [[12.0, 16.0]]  # 1 January
    assert model_at_years(a, times, [1991, 1992], "mid").tolist() == [[14.0, 19.0]]  # mean over the year
    assert model_at_years(a, times, [1991, 1992], "end").tolist() == [[16.0, 22.0]]  # 31 December
    np.testing.assert_array_equal(prob.residual_matrix(X), expected)
    first = prob.target_columns
    prob.targets = prob.targets[1:]
    assert len(prob.target_columns) == len(first) - 1
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
               for a, b in zip(prob.target_columns, first[1:]))
    prob.times = prob.times + 1.0
    with pytest.raises(ValueError, match="outside the model's saved times"):
        _ = prob.target_columns


def test_result_json_round_trip(tiny, tmp_path):
    r, _ = fit(tiny)
    r.save(tmp_path / "r.json")
    back = FitResult.load(tmp_path / "r.json")
    assert back.estimates == r.estimates and back.window == r.window
    assert back.overrides() == r.overrides()


def test_recovers_known_constants_from_synthetic_history(tmp_path):
    truth = {"migration coefficient": 0.061, "attainable share of frontier productivity": 0.72,
             "long run total fertility rate": 1.4}
    data = synthetic_history(tmp_path / "syn.csv", truth,
                             ["urbanization_rate", "gdp", "total_population"],
                             list(range(1990, 2021)))
    cfg = tiny_config(data=data, region="SYN",
                      series={"urbanization_rate": 1, "gdp": 1, "total_population": 1},
                      parameters={"migration coefficient": {"bounds": [0.02, 0.12]},
                                  "attainable share of frontier productivity":
                                      {"bounds": [0.3, 1.0]},
                                  "long run total fertility rate": {"bounds": [0.9, 2.0]}},
                      optimizer={"seed": 3, "popsize": 6, "maxiter": 15,
                                 "polish_max_nfev": 50})
    # a region other than CHN needs its land area; the synthetic data used the default
    cfg["region"] = "SYN"
    res, _ = fit(load_config(write_config(tmp_path / "syn.yaml", cfg)))
    est = dict(zip(res.names, res.estimates))
    for k, v in truth.items():
        assert est[k] == pytest.approx(v, rel=1e-4), k
    assert res.objective < 1e-12


def test_only_independent_observations_are_fitted(tiny):
    hist = load_region_history(tiny)
    targets, notes, end = build_targets(
        tiny.__class__(**{**tiny.__dict__, "series": [SeriesTarget("forest_area",
                                                                  "total forest area", 1, "mid")]}),
        hist.fit, model_times())
    years = targets[0].years.tolist()
    assert years == [1990, 2000, 2010, 2015, 2020, 2025]  # FRA reporting years only


def test_anchored_bounds_use_the_initial_observation(tmp_path):
    cfg = tiny_config(parameters={
        "initial GDP": {"anchor": {"series": "gdp", "factor": [0.9, 1.1]}},
        "initial cropland share": {"anchor": {"series": "cropland", "per": "total land area",
                                              "factor": [0.95, 1.05]}},
        "initial energy intensity": {"anchor": {"series": "primary_energy", "per": "gdp",
                                                "factor": [0.5, 2.0]}}})
    c = load_config(write_config(tmp_path / "a.yaml", cfg))
    prob = build_problem(c, load_region_history(c))
    gdp1990, crop1990, energy1990 = 3385.122, 13219.7, 7938.25
    assert prob.lower[0] == pytest.approx(0.9 * gdp1990)
    assert prob.upper[0] == pytest.approx(1.1 * gdp1990)
    assert prob.x0[0] == pytest.approx(gdp1990)
    assert prob.lower[1] == pytest.approx(0.95 * crop1990 / 96000)
    assert prob.lower[2] == pytest.approx(0.5 * energy1990 / gdp1990)


class _Linear(Problem):
    """Residuals r = A x - b: the Jacobian is A, so cov = s^2 (A'A)^-1 exactly."""

    def __init__(self, A, b, lower, upper):
        super().__init__(names=[f"p{i}" for i in range(A.shape[1])], lower=np.array(lower, float),
                         upper=np.array(upper, float), integer=np.zeros(A.shape[1], bool),
                         x0=np.zeros(A.shape[1]), defaults=np.zeros(A.shape[1]), fixed={},
                         targets=[], times=np.arange(3.0), window=(0, 1), notes=[],
                         bound_notes={})
        self.A, self.b = A, b

    def residual_matrix(self, X):
        return np.atleast_2d(X) @ self.A.T - self.b


def test_covariance_formula_on_a_linear_problem():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(20, 2))
    b = rng.normal(size=20)
    x, *_ = np.linalg.lstsq(A, b, rcond=None)
    prob = _Linear(A, b, [-10, -10], [10, 10])
    r = prob.residual_matrix(x[None])[0]
    u = uncertainty(prob, x, r)
    s2 = r @ r / (20 - 2)
    cov = s2 * np.linalg.inv(A.T @ A)
    assert u["s2"] == pytest.approx(s2)
    assert u["se"] == pytest.approx(np.sqrt(np.diag(cov)), rel=1e-6)
    assert u["corr"][0, 1] == pytest.approx(cov[0, 1] / math.sqrt(cov[0, 0] * cov[1, 1]), rel=1e-6)


def test_warnings_for_bounds_correlation_and_no_effect():
    rng = np.random.default_rng(1)
    a = rng.normal(size=30)
    A = np.column_stack([a, a + 1e-3 * rng.normal(size=30), np.zeros(30)])  # p0 ~ p1, p2 inert
    b = rng.normal(size=30)
    prob = _Linear(A, b, [0, -100, -1], [1, 100, 1])
    x = np.array([0.0, 0.5, 0.2])
    r = prob.residual_matrix(x[None])[0]
    u = uncertainty(prob, x, r)
    flags, msgs = identification_warnings(prob, x, u["se"], u["corr"], u["zero_effect"],
                                          Thresholds())
    f = {d["name"]: d["flags"] for d in flags}
    assert "at_lower_bound" in f["p0"]
    assert "corr:p1" in f["p0"] and "corr:p0" in f["p1"]
    assert "no_effect" in f["p2"]
    assert any("strongly correlated" in m for m in msgs)
    assert any("lower bound" in m for m in msgs)


@pytest.mark.parametrize("backend", ["batch", "numba", "numpy"])
def test_batch_and_pysd_backends_agree(backend):
    names = ["migration coefficient", "attainable share of frontier productivity",
             "initial cropland share"]
    X = np.array([[0.05, 0.5, 0.13], [0.09, 0.9, 0.14]])
    outs = ["urbanization rate", "GDP", "Cropland", "fossil and industry CO2 emissions"]
    a = simulate_many(X, names, outs, backend=backend)
    b = simulate_many(X, names, outs, backend="pysd")
    for o in outs:
        assert a[o].shape == (2, len(model_times()))
        np.testing.assert_allclose(a[o], b[o], rtol=1e-9, err_msg=o)


@pytest.mark.parametrize("backend", ["numba", "pysd"])
def test_runs_that_stop_at_a_year_give_the_values_of_full_runs(backend):
    """A fit runs the model only to the last year its data need: the values up to that
    year are those of runs to FINAL TIME, bit for bit (the same Euler steps)."""
    names = ["migration coefficient", "initial GDP"]
    X = np.array([[0.05, 900.0], [0.09, 1100.0]])
    outs = ["urbanization rate", "GDP", "fossil and industry CO2 emissions"]
    full = simulate_many(X, names, outs, backend=backend)
    cut = simulate_many(X, names, outs, backend=backend, final_time=2001)
    times = model_times()
    k = int(np.searchsorted(times, 2001.0)) + 1
    for o in outs:
        assert cut[o].shape == (2, k)
        np.testing.assert_array_equal(cut[o], full[o][:, :k], err_msg=o)


def test_a_model_that_reads_final_time_is_cut_not_stopped(tmp_path):
    """Where an equation reads FINAL TIME, stopping early would change the values; such a
    model runs to its FINAL TIME and its arrays are cut (values from the closed form of
    dA/dt = 0.1 A (FINAL TIME - t) / 10 with Euler steps of 0.5)."""
    mdl = tmp_path / "final.mdl"
    mdl.write_text(
        "{UTF-8}\nStock A= INTEG (rate, 1)\n\t~\tUnit\n\t~\t\t|\n\n"
        "rate=\n\tStock A*k*(FINAL TIME-Time)/10\n\t~\tUnit/Year\n\t~\t\t|\n\n"
        "k=\n\t0.1\n\t~\t1/Year\n\t~\t\t|\n\n"
        "FINAL TIME  = 10\n\t~\tYear\n\t~\t\t|\n\nINITIAL TIME  = 0\n\t~\tYear\n\t~\t\t|\n\n"
        "SAVEPER  = 1\n\t~\tYear\n\t~\t\t|\n\nTIME STEP  = 0.5\n\t~\tYear\n\t~\t\t|\n",
        encoding="utf-8")
    from models.batch import compile_model

    assert compile_model(mdl).reads("FINAL TIME")
    got = simulate_many(np.array([[0.1]]), ["k"], ["Stock A"], mdl_path=mdl, backend="numba",
                        final_time=3)["Stock A"][0]
    a, expected = 1.0, [1.0]
    for i in range(6):  # Euler steps t = 0, 0.5, ..., 2.5
        a += 0.5 * a * 0.1 * (10 - 0.5 * i) / 10
        if i % 2 == 1:
            expected.append(a)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_start_at_a_bound_is_accepted_by_differential_evolution() -> None:
    """An estimate at its bound (e.g. from the previous identification round) used as the
    start: SciPy's rescaling puts 26.97867137638703 of [26.97867137638703,
    63.69616873214543] at -1.1e-16 and refuses it; the start kept strictly inside is taken."""
    from scipy.optimize import differential_evolution

    from calibration.fit import strictly_inside

    lower, upper = np.array([26.97867137638703, 0.0]), np.array([63.69616873214543, 1.0])
    at_bound = np.array([26.97867137638703, 1.0])

    def run(x0: np.ndarray):
        return differential_evolution(lambda x: float(np.sum(x)), list(zip(lower, upper)),
                                      x0=x0, maxiter=1, popsize=2, rng=np.random.default_rng(0))

    with pytest.raises(ValueError, match="x0 lay outside"):
        run(at_bound)
    inside = strictly_inside(at_bound, lower, upper)
    assert np.all(inside >= lower) and np.all(inside <= upper)
    np.testing.assert_allclose(inside, at_bound, rtol=1e-10, atol=1e-10)
    assert run(inside).x.shape == (2,)


def test_a_constant_fixed_as_unidentified_stays_inside_its_bounds(tmp_path):
    """A constant without effect on the fitted series is fixed to its literature value;
    when that value (the model default, 0.2, describing China) lies outside the bounds
    configured for the region ([0, 0.1]), it is moved to the nearest bound and the
    rationale says so, in English and in Chinese."""
    from calibration.baseline import baseline_document
    from calibration.identify import fit_identified
    from models.model import load_model

    name = "initial suitable other land share"
    assert load_model().constants[name].default == 0.2
    params = {"migration coefficient": {"bounds": [0.02, 0.12]}, name: {"bounds": [0.0, 0.1]}}
    cfg = load_config(write_config(tmp_path / "c.yaml", tiny_config(parameters=params,
                                                                     optimizer={"seed": 7, "popsize": 4, "maxiter": 2,
                                                                                "polish_max_nfev": 10})))
    result, _ = fit_identified(cfg)
    fixed = {d["name"]: d for d in result.identification["eliminated"]}
    assert fixed[name]["value"] == 0.1 and "no effect" in fixed[name]["reason"]
    assert "moved into the region's bounds [0, 0.1]" in fixed[name]["source"]
    doc = baseline_document(cfg, result, {n: float(x) for n, x in zip(result.names, result.estimates)}, {}, None)
    zh = doc["rationale"][name]["zh"]
    assert "对所有拟合序列均无影响" in zh and "移入该地区估计区间" in zh and "拟合报告" in zh
    assert not any(word in zh for word in ("no effect", "model default", "moved", "the fit report"))


@pytest.fixture
def fit_calls(monkeypatch) -> list:
    """Every call of ``calibration.fit.fit`` made while the test runs, as (DE generations,
    started from a given point)."""
    from calibration import fit as fit_module

    calls: list = []
    real_fit = fit_module.fit

    def recording_fit(cfg, history=None, **kw):
        calls.append((cfg.optimizer.maxiter, kw.get("start") is not None))
        return real_fit(cfg, history, **kw)

    monkeypatch.setattr(fit_module, "fit", recording_fit)
    return calls


@pytest.mark.parametrize("round_generations", [None, 3])
def test_identification_rounds_start_from_the_previous_optimum(tmp_path, fit_calls, round_generations):
    """After a constant is fixed, the round fits the others from the previous optimum with
    the least-squares polish alone (or after ``round_generations`` seeded DE generations);
    the first fit and the final global search use the configured generations."""
    from calibration.identify import fit_identified

    params = {"migration coefficient": {"bounds": [0.02, 0.12]},
              "initial suitable other land share": {"bounds": [0.0, 0.1]}}  # no effect: fixed
    extra = {} if round_generations is None else {"identification": {"round_generations": round_generations}}
    cfg = load_config(write_config(tmp_path / "c.yaml", tiny_config(
        parameters=params, optimizer={"seed": 7, "popsize": 4, "maxiter": 2, "polish_max_nfev": 10}, **extra)))
    result, _ = fit_identified(cfg)
    assert [d["name"] for d in result.identification["eliminated"]] == ["initial suitable other land share"]
    seeded = 0 if round_generations is None else round_generations
    assert fit_calls == [(2, False), (seeded, True), (2, False)]


@pytest.mark.parametrize("fixed_one", [True, False])
def test_a_shorter_first_search_is_always_followed_by_the_full_global_search(tmp_path, fit_calls, fixed_one):
    """``identification.first_generations``: the first search runs that many generations;
    the fresh global search with the optimizer's ``maxiter`` then runs whether or not a
    constant was fixed, so the final optimum never rests on the shorter search alone."""
    from calibration.identify import fit_identified

    params = {"migration coefficient": {"bounds": [0.02, 0.12]}}
    if fixed_one:
        params["initial suitable other land share"] = {"bounds": [0.0, 0.1]}  # no effect: fixed
    cfg = load_config(write_config(tmp_path / "c.yaml", tiny_config(
        parameters=params, optimizer={"seed": 7, "popsize": 4, "maxiter": 2, "polish_max_nfev": 10},
        identification={"first_generations": 1})))
    result, _ = fit_identified(cfg)
    assert len(result.identification["eliminated"]) == int(fixed_one)
    assert fit_calls == ([(1, False), (0, True), (2, False)] if fixed_one else [(1, False), (2, False)])


@pytest.mark.parametrize("one_at_a_time", [False, True])
def test_unidentified_constants_are_fixed_a_third_or_one_per_round(tmp_path, one_at_a_time):
    """Six constants without effect on the two fitted series: with ``one_at_a_time`` (the
    default) each round fixes one, without it the worst third of those flagged (at least one)."""
    from calibration.identify import fit_identified

    params = {"migration coefficient": {"bounds": [0.02, 0.12]},
              "initial suitable other land share": {"bounds": [0.0, 0.1]},
              "forest growth rate constant": {"bounds": [0.005, 0.15]},
              "compensation ratio": {"bounds": [1, 3]},
              "initial clinker ratio": {"bounds": [0.6, 0.95]},
              "mature forest harvest rate": {"bounds": [0.005, 0.035]},
              "forest ecosystem carbon ratio": {"bounds": [0, 2]}}
    cfg = load_config(write_config(tmp_path / "c.yaml", tiny_config(
        parameters=params, optimizer={"seed": 7, "popsize": 2, "maxiter": 1, "polish_max_nfev": 5},
        identification={"one_at_a_time": one_at_a_time, "final_global": False})))
    result, _ = fit_identified(cfg)
    eliminated = result.identification["eliminated"]
    assert {d["name"] for d in eliminated} == set(params) - {"migration coefficient"}
    assert all("no effect" in d["reason"] for d in eliminated)
    assert [d["round"] for d in eliminated] == ([1, 2, 3, 4, 5, 6] if one_at_a_time else [1, 1, 2, 3, 4, 5])


def test_every_identification_flag_has_a_chinese_name():
    """The zh rationale of an estimate names its flags in Chinese: every flag the fit can
    set (read from its source) has a name in FLAGS_ZH."""
    import inspect
    import re

    import calibration.fit as fit_module
    from calibration.baseline import FLAGS_ZH

    codes = set(re.findall(r'\.append\("(\w+)"\)', inspect.getsource(fit_module)))
    assert {"at_lower_bound", "at_upper_bound", "poorly_identified", "no_effect"} <= codes
    assert codes <= set(FLAGS_ZH)
    assert all(not re.search(r"[A-Za-z]", name) for name in FLAGS_ZH.values())


@pytest.mark.parametrize("limit", [None, 0.5])
def test_a_fixing_the_data_reject_is_undone(tmp_path, monkeypatch, limit):
    """``identification.max_objective_increase``: the migration coefficient is flagged first
    and its literature value (set to 0.02, the lower bound, far from the urbanization data)
    makes the fit much worse. With a limit the fixing is undone, the next flagged constant
    (one without effect) is fixed, the coefficient is tried again and undone again, and it
    stays estimated and listed as kept; after the global search on what is left it is
    tried once more (the optimum may have moved) and undone a third time. Without a limit it is
    fixed."""
    from calibration import identify

    flag_order = ["migration coefficient", "initial suitable other land share"]

    def flag(result, cfg, *, bounds=True):
        return [{"name": n, "estimate": result.estimates[result.names.index(n)], "se": math.inf,
                 "width": 1.0, "lower": 0.0, "upper": 1.0, "kind": "se", "severity": 1.0,
                 "reason": "flagged by the test", "reason_zh": "测试标记"}
                for n in flag_order if n in result.names]

    monkeypatch.setattr(identify, "unidentified", flag)
    params = {"migration coefficient": {"bounds": [0.02, 0.12], "literature": 0.02, "source": "test"},
              "attainable share of frontier productivity": {"bounds": [0.3, 1.0]},
              "initial suitable other land share": {"bounds": [0.0, 0.1]}}
    extra = {} if limit is None else {"identification": {"max_objective_increase": limit}}
    cfg = load_config(write_config(tmp_path / "c.yaml", tiny_config(
        parameters=params, optimizer={"seed": 7, "popsize": 4, "maxiter": 3, "polish_max_nfev": 20},
        **extra)))
    result, _ = identify.fit_identified(cfg)
    ident = result.identification
    fixed = [d["name"] for d in ident["eliminated"]]
    if limit is None:
        assert fixed == flag_order and ident["kept"] == []
        assert "migration coefficient" not in result.names
        return
    assert fixed == ["initial suitable other land share"]
    kept = ident["kept"]
    assert [d["name"] for d in kept] == ["migration coefficient"] * 3
    assert [d["round"] for d in kept] == [1, 3, 4]
    for d in kept:
        assert d["objective_fixed"] > (1 + limit) * d["objective_before"]
    assert "migration coefficient" in result.names
    # the undone fixing left the fit where it was: its objective is the one before the attempt
    assert result.objective <= kept[-1]["objective_before"] * (1 + 1e-9)
    # the fit report lists it with both objectives
    from calibration.report import assess, render_markdown

    overrides = {n: float(x) for n, x in zip(result.names, result.estimates)}
    text = render_markdown(cfg, assess(cfg, overrides, load_region_history(cfg)), result)
    section = text.split("the data reject their literature value", 1)[1]
    table = section.split("##", 1)[0]
    assert table.count("`migration coefficient`") == 1  # its last try only
