"""Sensitivity analysis of the product model: equal to SALib on PySD outputs.

The reference is computed independently of the batch runner and of the vectorized
turning points: every sample row is run with PySD (``models.model.load_model().run``),
the metrics are computed with the scalar :func:`analysis.turning_points.turning_points`
and the indices with ``SALib.analyze.sobol.analyze`` directly.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from analysis.sensitivity import ProblemDefinitionError
from analysis.sensitivity.indices import analysis_seed
from analysis.sensitivity.model import (
    CATALOGUE,
    DEFAULT_METRICS,
    MetricSpecError,
    ModelEvaluator,
    ModelRunError,
    model_problem,
    parse_metric,
    run_model_analysis,
)
from analysis.turning_points import default_analysis_start, turning_points
from models.model import MODEL_PATH, ModelInputError, load_model
from scenarios import load_scenario

PARAMS = [
    "non fossil mandate for new supply",
    "additional energy efficiency improvement",
    "returning cropland to forest rate",
    "CCS target capacity",
]
METRICS = ["tp1", "tp3", "tp4", "neutrality", "peak_emissions", "cum_net_2020_2060", "Cropland@2035"]
TIME_VARIABLE = "net emissions"
TIME_YEARS = [2030.0, 2060.0]
N, SEED = 8, 3
NOT_REACHED = 2101.0


def _year(point) -> float:
    """Reference censoring: reached → year, at or before the projection era's start b →
    b − 1, otherwise undefined (NaN, censored at 2101 by the analysis)."""
    if point.reached:
        return float(point.year)
    if point.status == "before_start":
        return point.bound_year - 1.0
    return np.nan


def pysd_reference(X: np.ndarray, names: list[str], base: dict[str, float]) -> dict[str, np.ndarray]:
    """Metrics of every row run with PySD, scalar turning points (no batch code involved)."""
    model = load_model()
    columns = ["gross emissions", "land carbon sink", "Cropland", "Cumulative Net Emissions", TIME_VARIABLE]
    out: dict[str, list[float]] = {m: [] for m in METRICS}
    series: list[np.ndarray] = []
    for row in X:
        df = model.run({**base, **dict(zip(names, map(float, row)))}, return_columns=columns)
        tab = turning_points(df["gross emissions"], sink=df["land carbon sink"])
        for key in ("tp1", "tp3", "tp4", "neutrality"):
            out[key].append(_year(tab[key]))
        out["peak_emissions"].append(float(df["gross emissions"].max()))
        cum = df["Cumulative Net Emissions"]
        out["cum_net_2020_2060"].append(float(cum.loc[2060.0] - cum.loc[2020.0]))
        out["Cropland@2035"].append(float(df["Cropland"].loc[2035.0]))
        series.append(df[TIME_VARIABLE].loc[TIME_YEARS].to_numpy(float))
    result = {k: np.array(v) for k, v in out.items()}
    result[TIME_VARIABLE] = np.array(series)
    return result


def salib_sobol(problem: dict, y: np.ndarray) -> dict:
    return sobol_analyze.analyze(
        problem, y, calc_second_order=False, num_resamples=100, conf_level=0.95, seed=analysis_seed(SEED)
    )


@pytest.fixture(scope="module")
def analysis():
    problem = model_problem(PARAMS)
    result = run_model_analysis(
        problem, METRICS, time_variables=[TIME_VARIABLE], time_years=TIME_YEARS, n=N, seed=SEED, chunk_size=17
    )
    base = dict(load_scenario("baseline").inputs)
    return problem, result, pysd_reference(result.samples, list(problem.names), base)


def test_indices_equal_salib_on_pysd_outputs(analysis) -> None:
    problem, result, ref = analysis
    salib_problem = problem.to_salib()
    # the design is SALib's own Sobol' sample for this seed
    np.testing.assert_array_equal(
        result.samples, sobol_sample.sample(salib_problem, N, calc_second_order=False, seed=SEED)
    )
    for metric in METRICS:
        y = ref[metric]
        if metric in ("tp1", "tp3", "tp4", "neutrality"):
            # identical years (NaN where not reached), then the documented censoring
            np.testing.assert_array_equal(result.outputs[metric], y)
            y = np.where(np.isnan(y), NOT_REACHED, y)
        else:
            np.testing.assert_allclose(result.outputs[metric], y, rtol=1e-9, atol=1e-9)
        if np.ptp(y) == 0:
            continue
        expected = salib_sobol(salib_problem, y)
        rows = result.indices[result.indices["metric"] == metric]
        for kind in ("S1", "ST"):
            got = rows[rows["index"] == kind].set_index("parameter").loc[list(problem.names)]
            np.testing.assert_allclose(got["value"], expected[kind], rtol=1e-7, atol=1e-9, err_msg=f"{metric} {kind}")
            np.testing.assert_allclose(
                got["conf"], expected[f"{kind}_conf"], rtol=1e-7, atol=1e-9, err_msg=f"{metric} {kind}_conf"
            )
    # time-resolved: indices per year equal SALib on the PySD column
    for j, year in enumerate(TIME_YEARS):
        expected = salib_sobol(salib_problem, ref[TIME_VARIABLE][:, j])
        for kind in ("S1", "ST"):
            got = result.time_indices[kind].sel(metric=TIME_VARIABLE, time=year).sel(parameter=list(problem.names))
            np.testing.assert_allclose(got.values, expected[kind], rtol=1e-7, atol=1e-9)


def test_undefined_turning_points_are_counted_and_censored(analysis) -> None:
    problem, result, ref = analysis
    und = result.undefined.set_index("metric")
    n_nan = int(np.isnan(ref["neutrality"]).sum())
    assert 0 < n_nan < result.design.runs  # the draws give both outcomes
    assert und.loc["neutrality", "n_undefined"] == n_nan
    assert und.loc["neutrality", "censor_value"] == NOT_REACHED
    assert und.loc["neutrality", "treatment"] == "censored at 2101.0"
    assert result.undefined_counts["Cropland@2035"] == 0
    statuses = set(result.indices.loc[result.indices["metric"] == "neutrality", "status"])
    assert statuses == {"censored"}
    assert "neutrality__defined" in set(result.indices["metric"])
    status = pd.DataFrame(result.settings["turning_point_status"]).set_index("metric")
    assert status.loc["neutrality", "not_reached"] == n_nan
    assert (status[["reached", "not_reached", "before_start"]].sum(axis=1) == result.design.runs).all()
    assert result.settings["model"]["scenario"] == "baseline"
    assert result.problem.base == "baseline"


def test_before_start_is_returned_as_bound_year() -> None:
    """On the uncalibrated model defaults with a fast-growing economy before 1990 (capital
    then starts at the steady state of 15 %/yr growth and deepens less and less, so GDP and
    emissions grow fastest at the start), the growth-rate maximum lies at 1990 for many
    draws: 1989 over the whole horizon; in the projection era its start minus one year."""
    ev = ModelEvaluator(["tp1@hist", "tp4", "tp3"], scenario=None,
                        overrides={"output growth before initial time": 0.15})
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(0.0, 1.0, 40), rng.uniform(0, 500, 40)])
    out = ev(X, ["non fossil mandate for new supply", "returning_cropland_to_forest_rate"])
    assert ev.before_start == {"tp1@hist": 1989.0, "tp4": default_analysis_start() - 1, "tp3": default_analysis_start() - 1}
    assert (out["tp1@hist"] == 1989.0).any()
    assert set(out) == {"tp1@hist", "tp4", "tp3"} and out["tp1@hist"].shape == (40,)


def test_evaluator_pickles_with_the_model_ir() -> None:
    """The batch model travels as its intermediate representation (workers need no
    model file); in the same process the clone shares the compiled simulators."""
    ev = ModelEvaluator(["tp3", "Cropland@2035"], time_variables=["gross emissions"], time_years=[2020, 2030])
    X = np.array([[0.1], [0.2]])
    first = ev(X, ["non fossil mandate for new supply"])
    assert ev._model is not None
    clone = pickle.loads(pickle.dumps(ev))
    assert clone._model is not ev._model and clone._model.compiler is ev._model.compiler
    again = clone(X, ["non fossil mandate for new supply"])
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    assert again["gross emissions"].shape == (2, 2)
    np.testing.assert_array_equal(clone.times, [2020.0, 2030.0])


def test_catalogue_and_metric_specs() -> None:
    assert set(DEFAULT_METRICS) <= set(CATALOGUE)
    spec = parse_metric("forest_coverage @ 2035")
    assert (spec.kind, spec.name, spec.year) == ("level", "forest coverage", 2035.0)
    assert parse_metric("cum:gross@2020-2030").kind == "cumulative"
    assert parse_metric("cum_gross[2020:2030]") == parse_metric("cum:gross@2020-2030")
    assert parse_metric("TP3") == CATALOGUE["tp3"]
    assert parse_metric("peak_emissions").text == "max(gross emissions)"
    for bad, match in (
        ("tp9", "unknown turning point 'tp9'"),
        ("Cropland@20x5", "is not a year"),
        ("Cropland@1950", "outside the horizon"),
        ("Croplnd@2035", "unknown model variable"),
        ("cum:net@2060-2020", "from < to"),
    ):
        with pytest.raises(MetricSpecError, match=match):
            parse_metric(bad)
    # named and spec form of the same metric give the same values
    ev = ModelEvaluator(["cropland_2035", "Cropland@2035", "net_2060", "net emissions@2060.5"])
    out = ev(np.array([[100.0], [300.0]]), ["returning cropland to forest rate"])
    np.testing.assert_array_equal(out["cropland_2035"], out["Cropland@2035"])
    assert np.all(np.isfinite(out["net emissions@2060.5"]))


def _documented_policy_levers() -> set[str]:
    """Names of the equations of the model file whose comment starts with "Policy lever"
    (read from the text, independently of models.model)."""
    text = MODEL_PATH.read_text(encoding="utf-8").split("\\\\\\---///")[0]
    names = set()
    for eq in text.split("|"):
        parts = eq.split("~")
        if len(parts) >= 3 and parts[2].strip().startswith("Policy lever"):
            names.add(" ".join(parts[0].split("=")[0].split()))
    return names


def test_problem_validation() -> None:
    problem = model_problem()
    assert set(problem.names) == _documented_policy_levers() and problem.base == "baseline"
    assert len(problem.names) >= 10
    assert model_problem(["CCS_start_year"], scenario="dual_carbon").names == ("CCS start year",)
    with pytest.raises(ProblemDefinitionError, match="unknown model variable"):
        model_problem(["no such constant"])
    with pytest.raises(ProblemDefinitionError, match="not a model constant"):
        model_problem(["gross emissions"])
    with pytest.raises(ProblemDefinitionError, match="narrow the bounds"):
        model_problem(["initial forest share"])


def test_problem_yaml(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("base: dual_carbon\nnames: [CCS start year, fertiliser_reduction]\nbounds: [[2025, 2040], [0, 0.5]]\n")
    problem = model_problem(problem=path)
    assert problem.names == ("CCS start year", "fertiliser reduction") and problem.base == "dual_carbon"
    path.write_text("names: [CCS start year]\nbounds: [[2000, 2040]]\n")
    with pytest.raises(ProblemDefinitionError, match="leaves the declared range"):
        model_problem(problem=path)


def test_chunk_validation_and_non_finite_runs() -> None:
    ev = ModelEvaluator(["tp3"])
    with pytest.raises(ModelInputError, match="outside the declared range"):
        ev(np.array([[1.5]]), ["non fossil mandate for new supply"])
    with pytest.raises(ModelInputError, match="not an adjustable constant"):
        ev(np.array([[1.0]]), ["CO2 per carbon"])
    with pytest.raises(ModelInputError, match="> 1; narrow the bounds"):
        ev(np.array([[0.7]]), ["initial cropland share"])
    # no single in-range constant breaks the model; the check itself on a broken run:
    arrays = {"gross emissions": np.array([[1.0, 2.0], [1.0, np.nan]])}
    with pytest.raises(ModelRunError, match=r"1 of 2 model runs gave non-finite values \(first: a=2, b=4\)"):
        ModelEvaluator._check_finite(arrays, np.array([[1.0, 3.0], [2.0, 4.0]]), ["a", "b"])


def test_command_line_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli import main as tree_main

    def main(argv):
        return tree_main(["sensitivity", *argv])

    out = tmp_path / "out"
    code = main(
        [
            "--model", "--scenario", "baseline",
            "--params", "non fossil mandate for new supply", "CCS start year",
            "--metric", "tp3", "--metric", "Cropland@2035", "--metric", "neutrality",
            "--time-variable", "gross emissions", "--time-years", "2020:2060:20",
            "--method", "sobol", "--n", "8", "--seed", "1", "--out", str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "model runs" in captured.err and "100%" in captured.err  # progress bar (tqdm)
    assert "turning points per run" in captured.out
    for name in ("indices.csv", "indices.parquet", "undefined.csv", "time_indices.nc", "metadata.json"):
        assert (out / name).exists(), name
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["problem"]["base"] == "baseline" and meta["sample_seed"] == 1
    assert meta["model"]["censor_not_reached"] == {"tp3": 2101.0, "neutrality": 2101.0}
    indices = pd.read_csv(out / "indices.csv")
    assert {"tp3", "Cropland@2035", "neutrality"} <= set(indices["metric"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--model", "--metric", "tp9"], "unknown turning point 'tp9'"),
        (["--model", "--params", "no such constant"], "unknown model variable"),
        (["--model", "--scenario", "no_such_scenario"], "unknown scenario"),
        (["--model", "--time-years", "2020-2060"], "--time-years must look like"),
        (["--model", "--params", "CCS start year", "--metric", "tp3", "--n", "0"], "argument --n: 0 is outside [1, inf]"),
        (["--evaluator", "analysis.sensitivity.examples:ISHIGAMI", "--metric", "tp3"], "only apply with --model"),
        (["--model", "--evaluator", "a:b"], "not allowed with argument --model"),
    ],
)
def test_command_line_errors(argv, message, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cli import main as tree_main

    def main(argv):
        return tree_main(["sensitivity", *argv])

    try:
        code = main([*argv, "--out", str(tmp_path / "x"), "--no-progress"])
    except SystemExit as exc:  # argparse errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1, err
