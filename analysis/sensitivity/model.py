"""Global sensitivity analysis of the product model (territorial_carbon.mdl).

The generic pipeline of :mod:`analysis.sensitivity` needs an *evaluator*
``evaluate(X, names) -> {metric: (n,) or (n, T)}``; this module provides the one for
the product model, running it with the vectorized batch runner (:mod:`models.batch`),
plus the metric catalogue, the problem builder and one call doing it all::

    from analysis.sensitivity.model import model_problem, run_model_analysis

    problem = model_problem(["non fossil mandate for new supply", "CCS target capacity"])
    result = run_model_analysis(problem, metrics=["tp3", "Cropland@2035"],
                                time_variables=["gross emissions"], n=1024, seed=1)

Metrics: the one grammar of :mod:`analysis.metrics`
---------------------------------------------------
``tp1`` … ``tp5``, ``tp2_intensity``, ``tp4_sink_peak``, ``neutrality`` (projection
era; ``@hist`` for the whole horizon), ``<model variable>@<year>``,
``cum_net[2020:2060]``, ``max(<variable>)[a:b]`` and the named metrics of
:data:`analysis.metrics.ALIASES` (``peak_emissions``, ``cum_net_2020_2060``,
``net_2060``, ``sink_2060``, ``cropland_2035``); :data:`CATALOGUE` lists the named
ones. Time-resolved outputs: any model variable (``time_variables``), shape (n, T) at
the saved years (or the subset ``time_years``).

Undefined turning points (censoring)
------------------------------------
The one censoring rule (:func:`analysis.turning_points.censor`): a point after the
horizon end (``not_yet``/``not_sustained``) is returned as NaN, counted by
:func:`.api.run_analysis` (``result.undefined``) and censored there at the rule's
value ``FINAL TIME + SAVEPER`` = 2101 (:attr:`ModelEvaluator.censor`), with the binary
``<metric>__defined`` indicator analysed too (Morris drops trajectories with NaN); a
point at or before its window start is returned directly as the rule's bound
``window start − SAVEPER`` (:attr:`ModelEvaluator.before_start`: 2024 for the
projection era starting 2025, 1989 for ``@hist``), counted in
``result.settings["turning_point_status"]``.

Runs and reproducibility
------------------------
:class:`ModelEvaluator` is picklable (it holds the base scenario's overrides, the
metric specs and the batch model, which pickles as its small intermediate
representation), so Dask workers need neither the model file nor PySD; each worker
compiles the simulation kernel once (from its disk cache when it has one). Parameters not in the problem keep the base scenario's values
(default ``baseline``, the calibrated scenario). Results depend only on the sample
(``seed``), never on the scheduler or chunking. Every chunk is validated (declared
ranges, initial land shares ≤ 1); a run giving non-finite values is an error
(:class:`ModelRunError`) naming the run's parameters: narrow the bounds.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis import turning_points as tpmod
from analysis.metrics import ALIASES, Metric, MetricError, evaluate_metrics
from models.model import INITIAL_FOREST_FRACTIONS, INITIAL_LAND_SHARES, MODEL_PATH, ModelInputError, load_model

from .api import run_analysis
from .backends import Scheduler
from .problem import ProblemDefinitionError, SensitivityProblem
from .result import SensitivityResult

__all__ = [
    "CATALOGUE",
    "DEFAULT_METRICS",
    "DEFAULT_SCENARIO",
    "DEFAULT_CHUNK_SIZE",
    "MetricSpecError",
    "ModelEvaluator",
    "ModelRunError",
    "default_parameters",
    "model_problem",
    "parse_metric",
    "run_model_analysis",
    "turning_point_status",
]

DEFAULT_SCENARIO = "baseline"
#: Runs per chunk of :func:`run_model_analysis`: large enough for the batch runner's
#: throughput, small enough for a progress bar and for spreading chunks over workers.
DEFAULT_CHUNK_SIZE = 4096

#: Constants whose sums are constrained (same rules as TerritorialModel.validate_overrides).
LAND_SHARES: tuple[str, ...] = INITIAL_LAND_SHARES
FOREST_FRACTIONS: tuple[str, ...] = INITIAL_FOREST_FRACTIONS

#: Errors of metric texts are those of the one grammar.
MetricSpecError = MetricError


class ModelRunError(RuntimeError):
    """Model runs of the sample gave non-finite values (bounds too wide)."""


class _Catalogue(Mapping[str, Metric]):
    """The named metrics, parsed on first use: resolving the aliases' variable names
    reads the model file with PySD, which importing this module (e.g. on a Dask worker
    unpickling an evaluator) must not need."""

    def __init__(self) -> None:
        self._items: dict[str, Metric] | None = None

    def _all(self) -> dict[str, Metric]:
        if self._items is None:
            self._items = {
                **{key: Metric("turning_point", key, window="proj") for key in tpmod.KEYS},
                **{name: Metric.parse(name) for name in ALIASES},
            }
        return self._items

    def __getitem__(self, key: str) -> Metric:
        return self._all()[key]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


#: Named metrics of the grammar: turning points (projection era) and the aliases.
CATALOGUE: Mapping[str, Metric] = _Catalogue()

#: Metrics analysed when none are named: the five turning points, neutrality and the
#: emission, sink and land indicators of the catalogue.
DEFAULT_METRICS: tuple[str, ...] = (
    "tp1", "tp2", "tp3", "tp4", "tp5", "neutrality",
    "peak_emissions", "cum_net_2020_2060", "net_2060", "sink_2060", "cropland_2035",
)


def _fy(year: float) -> str:
    return f"{year:g}"


def _horizon(mdl_path: str | Path) -> tuple[float, float, float]:
    ts = load_model(mdl_path).time_settings
    return ts["INITIAL TIME"], ts["FINAL TIME"], ts["SAVEPER"]


def parse_metric(text: str | Metric, mdl_path: str | Path = MODEL_PATH) -> Metric:
    """A metric of the one grammar, its years checked against the model's horizon.

    Raises:
        MetricError: naming the text and what is wrong.
    """
    t0, t1, _ = _horizon(mdl_path)
    return Metric.parse(text, mdl_path=mdl_path, horizon=(t0, t1))


# --------------------------------------------------------------------------------------
# Problem
# --------------------------------------------------------------------------------------


def default_parameters() -> list[str]:
    """The model's policy levers (constants whose comment in the model file starts with
    "Policy lever", :func:`analysis.policy.levers.policy_levers`), in file order: the
    parameters varied when none are named."""
    from analysis.policy.levers import policy_levers

    return [lv.name for lv in policy_levers()]


def _scenario_overrides(scenario: Any) -> tuple[str | None, dict[str, Any]]:
    """(label, run inputs) of a scenario key/path, a Scenario, a mapping or None (defaults):
    numbers, and the scenario's data inputs as ``pandas.Series``."""
    from scenarios.data_block import run_value

    if scenario is None:
        return None, {}
    if isinstance(scenario, Mapping):
        return "<overrides>", {str(k): run_value(v) for k, v in scenario.items()}
    if hasattr(scenario, "inputs") and hasattr(scenario, "key"):
        return str(scenario.key), {str(k): run_value(v) for k, v in scenario.inputs.items()}
    from scenarios import load_scenario

    loaded = load_scenario(scenario)
    return loaded.key, {str(k): run_value(v) for k, v in loaded.inputs.items()}


def model_problem(
    names: Sequence[str] | None = None,
    *,
    problem: str | Path | SensitivityProblem | None = None,
    scenario: str | None = None,
    mdl_path: str | Path = MODEL_PATH,
) -> SensitivityProblem:
    """The sensitivity problem: model constants and their bounds, around a base scenario.

    Args:
        names: constants to vary (Vensim or python spelling), bounds = their declared
            Vensim ranges ``[min, max]``; default :func:`default_parameters`.
            Ignored when ``problem`` is given.
        problem: a problem YAML file (see :mod:`.problem`) or object instead.
        scenario: base scenario (key or path); default: the problem's ``base``, else
            ``'baseline'``.
        mdl_path: the Vensim model.

    Returns:
        The problem with canonical Vensim names and ``base`` set.

    Raises:
        ProblemDefinitionError: a name is not an adjustable constant, uniform bounds
            leave the declared range, or the bounds allow initial land shares
            summing to more than 1 (naming the parameters).
    """
    model = load_model(mdl_path)
    if problem is not None:
        prob = problem if isinstance(problem, SensitivityProblem) else SensitivityProblem.from_yaml(problem)
        source = "problem" if isinstance(problem, SensitivityProblem) else str(problem)
    else:
        source = "model constant ranges"
        prob = None
    selected = list(prob.names) if prob is not None else list(names or default_parameters())
    canonical = []
    for name in selected:
        try:
            vensim = model.resolve(str(name))
        except ModelInputError as exc:
            raise ProblemDefinitionError(source, str(name), str(exc)) from None
        const = model.constants.get(vensim)
        if const is None:
            raise ProblemDefinitionError(source, str(name), "not a model constant (a computed variable)")
        if not const.adjustable:
            raise ProblemDefinitionError(source, str(name), f"fixed constant ({const.default:g} {const.units})")
        canonical.append(vensim)
    base = scenario or (prob.base if prob is not None else None) or DEFAULT_SCENARIO
    ranges = {c.name: (c.minimum, c.maximum) for c in model.constants.values() if c.adjustable}
    if prob is None:
        prob = SensitivityProblem.from_constant_ranges(ranges, names=canonical, base=base)
    else:
        prob = dataclasses.replace(prob, names=tuple(canonical), base=base)
        for i, (name, bounds) in enumerate(zip(prob.names, prob.bounds, strict=True)):
            if prob.dists is None or prob.dists[i] == "unif":
                lo, hi = ranges[name]
                tol = 1e-9 * max(1.0, abs(lo), abs(hi))
                if bounds[0] < lo - tol or bounds[1] > hi + tol:
                    raise ProblemDefinitionError(
                        source, f"bounds[{i}] ({name})",
                        f"[{bounds[0]:g}, {bounds[1]:g}] leaves the declared range {model.constants[name].range_text()}",
                    )
    _check_joint_bounds(prob, base, source, mdl_path)
    return prob


def _check_joint_bounds(prob: SensitivityProblem, base: str, source: str, mdl_path: str | Path) -> None:
    """Worst case of the sum constraints over uniform bounds (varied upper bounds + base values)."""
    model = load_model(mdl_path)
    _, overrides = _scenario_overrides(base)
    upper = {
        name: b[1] for i, (name, b) in enumerate(zip(prob.names, prob.bounds, strict=True))
        if prob.dists is None or prob.dists[i] in ("unif", "logunif")
    }
    for group in (LAND_SHARES, FOREST_FRACTIONS):
        varied = [n for n in group if n in upper]
        if not varied:
            continue
        worst = sum(upper.get(n, overrides.get(n, model.constants[n].default)) for n in group)
        if worst > 1 + 1e-12:
            raise ProblemDefinitionError(
                source, ", ".join(varied),
                f"with these upper bounds {' + '.join(group)} can reach {worst:.4f} > 1; narrow the bounds",
            )


# --------------------------------------------------------------------------------------
# Evaluator
# --------------------------------------------------------------------------------------

_COMPILE_LOCK = threading.Lock()
_COMPILED: dict[str, Any] = {}


def _compiled(mdl_path: str) -> Any:
    """The batch model of ``mdl_path``, compiled once per process.

    Shares the compiled model of :mod:`analysis.policy.evaluate` when that module is
    already loaded (e.g. in the app); otherwise compiles directly, so Dask workers do
    not import the policy package.
    """
    with _COMPILE_LOCK:
        model = _COMPILED.get(mdl_path)
        if model is None:
            policy = sys.modules.get("analysis.policy.evaluate")
            if policy is not None:
                model = policy.batch_model(mdl_path)
            else:
                from models.batch import compile_model

                model = compile_model(mdl_path)
            _COMPILED[mdl_path] = model
        return model


class ModelEvaluator:
    """Evaluator of the product model for :func:`.api.run_analysis` (picklable).

    ``evaluator(X, names)`` sets the constants ``names`` (columns of ``X``, model
    units) on top of the base scenario's overrides, runs the rows with the batch
    runner and returns ``{metric: (n,)}`` plus ``{variable: (n, T)}`` for the
    time-resolved variables (at :attr:`times`). See the module docstring for the
    metrics and the undefined values.

    Attributes:
        mdl_path: the Vensim model file (str).
        scenario: label of the base scenario (``None``: model defaults).
        base_overrides: the base scenario's constants, Vensim name → value.
        metrics: the metrics (:class:`analysis.metrics.Metric`), in output order.
        time_variables: Vensim names of the time-resolved outputs.
        times: years of the time-resolved outputs (saved times or ``time_years``).
        censor: metric → censoring value for turning points after the horizon (years).
        before_start: metric → value returned for turning points at or before their
            window start (years).
        tp_options: options of the turning-point engine (:class:`analysis.turning_points.TPOptions`).
        batch_chunk_size: runs per NumPy call of the batch runner.
    """

    def __init__(
        self,
        metrics: Sequence[str | Metric] = DEFAULT_METRICS,
        *,
        scenario: Any = DEFAULT_SCENARIO,
        overrides: Mapping[str, float] | None = None,
        time_variables: Sequence[str] = (),
        time_years: Sequence[float] | None = None,
        tp_options: Mapping[str, Any] | None = None,
        mdl_path: str | Path = MODEL_PATH,
        batch_chunk_size: int = 8192,
    ) -> None:
        model = load_model(mdl_path)
        self.mdl_path = str(mdl_path)
        self.scenario, base = _scenario_overrides(scenario)
        if overrides:
            base = {**base, **{str(k): float(v) for k, v in overrides.items()}}
        self.base_overrides = model.validate_overrides(base, source=f"scenario {self.scenario}")
        specs = [parse_metric(m, mdl_path) for m in metrics]
        self.time_variables = [self._resolve_variable(model, v) for v in dict.fromkeys(time_variables)]
        names = [s.label for s in specs] + self.time_variables
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise MetricSpecError(f"metric(s) given twice: {', '.join(dup)}")
        if not names:
            raise MetricSpecError("no metric and no time-resolved variable given")
        self.metrics = specs
        t0, t1, step = _horizon(mdl_path)
        self.saved_times = t0 + step * np.arange(int(round((t1 - t0) / step)) + 1)
        if time_years is None:
            self.time_columns = np.arange(len(self.saved_times))
        else:
            years = np.asarray(list(time_years), dtype=float)
            cols = np.searchsorted(self.saved_times, years - 1e-9)
            bad = [y for y, c in zip(years, cols) if c >= len(self.saved_times) or abs(self.saved_times[c] - y) > 1e-9]
            if bad or len(years) == 0:
                raise MetricSpecError(
                    f"time years {[_fy(y) for y in bad] or '[]'} are not saved times of the model "
                    f"({_fy(t0)}–{_fy(t1)} every {_fy(step)})"
                )
            self.time_columns = cols
        self.times = self.saved_times[self.time_columns]
        self.tp_options = tpmod.TPOptions.of(tp_options)
        window_start = {"hist": t0, "proj": max(t0, self.tp_options.projection_start())}
        tp_metrics = [s for s in specs if s.kind == "turning_point"]
        self.censor = {s.label: float(t1 + step) for s in tp_metrics}
        self.before_start = {s.label: float(window_start[s.window] - step) for s in tp_metrics}
        self.batch_chunk_size = int(batch_chunk_size)
        self._ranges = {c.name: (c.minimum, c.maximum) for c in model.constants.values() if c.adjustable}
        self._joint_defaults = {n: model.constants[n].default for n in (*LAND_SHARES, *FOREST_FRACTIONS)}
        self._model: Any = None

    @staticmethod
    def _resolve_variable(model: Any, name: str) -> str:
        try:
            return model.resolve(str(name))
        except ModelInputError as exc:
            raise MetricSpecError(f"time-resolved variable '{name}': {exc}") from None

    # ---------------------------------------------------------------- pickling
    def __getstate__(self) -> dict[str, Any]:
        """Everything, the batch model as its intermediate representation (workers
        compile it once; they do not read the model file)."""
        return {**self.__dict__, "_model": self.model}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def model(self) -> Any:
        """The compiled batch model (compiled on first use, cached per process)."""
        if self._model is None:
            bm = _compiled(self.mdl_path)
            if not np.array_equal(np.asarray(bm.times, dtype=float), self.saved_times):
                raise RuntimeError("batch runner and PySD disagree on the saved times of the model")
            self._model = bm
        return self._model

    @property
    def outputs(self) -> list[str]:
        """Model variables the runs must save."""
        variables = [v for s in self.metrics for v in s.outputs()] + self.time_variables
        return list(dict.fromkeys(variables))

    def describe(self) -> dict[str, Any]:
        """Settings for the metadata: model, scenario, metrics, censoring rule."""
        return {
            "model": self.mdl_path,
            "scenario": self.scenario,
            "metrics": [{"name": s.label, "metric": s.text, "kind": s.kind, "unit": s.unit(self.mdl_path),
                         "name_en": s.display("en"), "name_zh": s.display("zh")} for s in self.metrics],
            "time_variables": list(self.time_variables),
            "censor_not_reached": dict(self.censor),
            "before_start": dict(self.before_start),
            "tp_options": self.tp_options.describe(),
        }

    # --------------------------------------------------------------------- run
    def __call__(self, X: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        """Run every row of ``X`` (n, k) and return the metrics (n,) and series (n, T)."""
        X = np.asarray(X, dtype=float)
        bm = self.model
        columns = self._validate(X, names)
        n = X.shape[0]
        params: dict[str, Any] = dict(self.base_overrides)
        for j, name in enumerate(columns):
            params[name] = np.ascontiguousarray(X[:, j])
        run = bm.run(params, n_runs=n, outputs=self.outputs, chunk_size=self.batch_chunk_size)
        arrays = {v: np.asarray(run[v], dtype=float) for v in self.outputs}
        self._check_finite(arrays, X, columns)
        return self.metrics_of(arrays)

    def metrics_of(self, arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Metrics and time-resolved outputs from saved series ``arrays`` (variable →
        (n, T) at the model's saved times), e.g. of a batch or PySD run."""
        table = evaluate_metrics(arrays, self.saved_times, self.metrics, self.tp_options)
        out: dict[str, np.ndarray] = {}
        for m in self.metrics:
            values = table.values[m.label].to_numpy(dtype=float)
            if m.kind == "turning_point":  # after the horizon: NaN, censored by run_analysis
                values = np.where(table.direction[m.label].to_numpy() == 1, np.nan, values)
            out[m.label] = values
        for variable in self.time_variables:
            out[variable] = np.ascontiguousarray(arrays[variable][:, self.time_columns])
        return out

    def _validate(self, X: np.ndarray, names: Sequence[str]) -> list[str]:
        """Vensim names of the columns; checks ranges and the sum constraints per row."""
        if X.ndim != 2 or X.shape[1] != len(names):
            raise ValueError(f"X must have shape (n, {len(names)}), got {X.shape}")
        bm = self.model
        columns = []
        for j, name in enumerate(names):
            try:
                vensim = bm.vensim_name(name)
            except KeyError:
                raise ModelInputError(f"'{name}' is not a model variable") from None
            if vensim not in self._ranges:
                raise ModelInputError(f"'{name}' is not an adjustable constant of the model")
            lo, hi = self._ranges[vensim]
            col = X[:, j]
            tol = 1e-9 * max(1.0, abs(lo), abs(hi))
            bad = ~np.isfinite(col) | (col < lo - tol) | (col > hi + tol)
            if bad.any():
                i = int(np.argmax(bad))
                raise ModelInputError(
                    f"'{vensim}' = {col[i]:g} (sample row {i}) is outside the declared range [{lo:g}, {hi:g}]"
                )
            columns.append(vensim)
        for group in (LAND_SHARES, FOREST_FRACTIONS):
            if not set(group) & set(columns):
                continue
            total = np.zeros(X.shape[0])
            for name in group:
                total = total + (
                    X[:, columns.index(name)] if name in columns
                    else self.base_overrides.get(name, self._joint_defaults[name])
                )
            if (total > 1 + 1e-12).any():
                i = int(np.argmax(total > 1 + 1e-12))
                raise ModelInputError(
                    f"sample row {i}: {' + '.join(group)} = {total[i]:.4f} > 1; narrow the bounds"
                )
        return columns

    @staticmethod
    def _check_finite(arrays: Mapping[str, np.ndarray], X: np.ndarray, columns: Sequence[str]) -> None:
        bad = np.zeros(X.shape[0], dtype=bool)
        for values in arrays.values():
            bad |= ~np.isfinite(values).all(axis=1)
        if bad.any():
            i = int(np.argmax(bad))
            row = ", ".join(f"{name}={X[i, j]:g}" for j, name in enumerate(columns))
            raise ModelRunError(
                f"{int(bad.sum())} of {X.shape[0]} model runs gave non-finite values "
                f"(first: {row}); narrow the parameter bounds"
            )


# --------------------------------------------------------------------------------------
# One call
# --------------------------------------------------------------------------------------


def turning_point_status(
    result: SensitivityResult, evaluator: ModelEvaluator, censor: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Per turning-point metric: runs reached, not reached (NaN, censored at
    ``censor`` or :attr:`ModelEvaluator.censor`) and at or before the start (returned
    as :attr:`ModelEvaluator.before_start`)."""
    censor = {**evaluator.censor, **dict(censor or {})}
    rows = []
    for spec in evaluator.metrics:
        if spec.kind != "turning_point":
            continue
        y = result.outputs[spec.label]
        nan = np.isnan(y)
        before = y == evaluator.before_start[spec.label]
        rows.append(
            {
                "metric": spec.label,
                "n_runs": int(y.shape[0]),
                "reached": int((~nan & ~before).sum()),
                "not_reached": int(nan.sum()),
                "before_start": int(before.sum()),
                "censor_not_reached": censor[spec.label],
                "before_start_year": evaluator.before_start[spec.label],
            }
        )
    return pd.DataFrame(
        rows,
        columns=["metric", "n_runs", "reached", "not_reached", "before_start", "censor_not_reached",
                 "before_start_year"],
    )


def run_model_analysis(
    problem: SensitivityProblem,
    metrics: Sequence[str | Metric] = DEFAULT_METRICS,
    *,
    time_variables: Sequence[str] = (),
    time_years: Sequence[float] | None = None,
    scenario: Any = None,
    method: str = "sobol",
    n: int = 1024,
    seed: int | None = None,
    scheduler: Scheduler = None,
    chunk_size: int | None = DEFAULT_CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
    censor: Mapping[str, float] | None = None,
    tp_options: Mapping[str, Any] | None = None,
    mdl_path: str | Path = MODEL_PATH,
    **options: Any,
) -> SensitivityResult:
    """Sobol/Morris/eFAST analysis of the product model in one call.

    Args:
        problem: parameters and bounds (:func:`model_problem`).
        metrics: metric names/specs (see the module docstring).
        time_variables: model variables analysed per year, (n, T) outputs.
        time_years: years of the time-resolved outputs (default every saved year).
        scenario: base scenario (key, path, Scenario or mapping); default
            ``problem.base``, else ``'baseline'``.
        method, n, seed, scheduler, chunk_size, progress: see :func:`.api.run_analysis`
            (``progress(done_runs, total_runs)`` after each chunk).
        censor: censoring values overriding :attr:`ModelEvaluator.censor` per metric.
        tp_options: options of the turning-point engine (:class:`analysis.turning_points.TPOptions`).
        mdl_path: the Vensim model.
        **options: further options of :func:`.api.run_analysis` (``num_resamples``,
            ``conf_level``, ``calc_second_order``, ``convergence``, ...).

    Returns:
        The :class:`SensitivityResult`; ``settings["model"]`` describes the model
        setup and ``settings["turning_point_status"]`` counts the turning-point
        outcomes per metric (:func:`turning_point_status`).
    """
    base = scenario if scenario is not None else (problem.base or DEFAULT_SCENARIO)
    evaluator = ModelEvaluator(
        metrics, scenario=base, time_variables=time_variables, time_years=time_years,
        tp_options=tp_options, mdl_path=mdl_path,
    )
    if isinstance(base, str) and problem.base != base:
        problem = dataclasses.replace(problem, base=base)
    censor = {**evaluator.censor, **dict(censor or {})}
    result = run_analysis(
        problem, evaluator, method=method, n=n, seed=seed, chunk_size=chunk_size, scheduler=scheduler,
        progress=progress, censor=censor, **options,
    )
    status = turning_point_status(result, evaluator, censor)
    result.settings["model"] = evaluator.describe()
    result.settings["turning_point_status"] = status.to_dict(orient="records")
    return result
