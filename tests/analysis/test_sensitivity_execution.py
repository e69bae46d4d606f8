"""Chunked execution: chunk size and backend do not change results; progress; errors."""

from __future__ import annotations

import math
import threading

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.sensitivity import EvaluatorOutputError, SensitivityProblem, evaluate_sample, run_analysis
from analysis.sensitivity.backends import check_picklable
from analysis.sensitivity.examples import Ishigami, LinearTrend

PROBLEM = SensitivityProblem.from_mapping({"names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3})
TREND_PROBLEM = SensitivityProblem.from_mapping({"names": ["a", "b"], "bounds": [[0, 1], [0, 1]]})
TIMES = np.arange(0.0, 6.0)


def assert_same_result(left, right) -> None:
    pd.testing.assert_frame_equal(left.indices, right.indices, check_exact=True)
    pd.testing.assert_frame_equal(left.undefined, right.undefined, check_exact=True)
    assert left.outputs.keys() == right.outputs.keys()
    for name in left.outputs:
        np.testing.assert_array_equal(left.outputs[name], right.outputs[name])
    if left.time_indices is None:
        assert right.time_indices is None
    else:
        xr.testing.assert_identical(left.time_indices, right.time_indices)


@pytest.mark.parametrize("chunk_size", [1, 7, 100, 513, None])
def test_chunk_size_does_not_change_results(chunk_size: int | None) -> None:
    evaluator = LinearTrend(TIMES, threshold=3.0)
    reference = run_analysis(
        TREND_PROBLEM, evaluator, "sobol", n=64, seed=5, chunk_size=10_000, censor={"crossing": 6.0}
    )
    other = run_analysis(
        TREND_PROBLEM, evaluator, "sobol", n=64, seed=5, chunk_size=chunk_size, censor={"crossing": 6.0}
    )
    assert_same_result(reference, other)
    expected_chunks = 1 if chunk_size is None else math.ceil(reference.design.runs / chunk_size)
    assert other.settings["chunks"] == expected_chunks


@settings(max_examples=25, deadline=None)
@given(chunk_size=st.integers(min_value=1, max_value=700))
def test_chunked_outputs_equal_single_call(chunk_size: int) -> None:
    X = np.random.default_rng(1).uniform(-math.pi, math.pi, size=(640, 3))
    whole = Ishigami()(X, list(PROBLEM.names))["y"]
    chunked = evaluate_sample(Ishigami(), X, list(PROBLEM.names), chunk_size=chunk_size)
    np.testing.assert_array_equal(chunked.outputs["y"], whole)


@pytest.mark.parametrize("method", ["sobol", "morris", "fast"])
def test_threads_backend_gives_identical_results(method: str) -> None:
    n = {"sobol": 128, "morris": 16, "fast": 129}[method]
    serial = run_analysis(PROBLEM, Ishigami(), method, n=n, seed=11, chunk_size=50)
    threads = run_analysis(PROBLEM, Ishigami(), method, n=n, seed=11, chunk_size=50, scheduler="threads")
    assert_same_result(serial, threads)


@pytest.mark.parametrize("scheduler", [None, "threads"])
def test_progress_reports_every_chunk(scheduler: str | None) -> None:
    calls: list[tuple[int, int]] = []
    lock = threading.Lock()

    def progress(done: int, total: int) -> None:
        with lock:
            calls.append((done, total))

    X = np.zeros((1000, 3))
    evaluate_sample(Ishigami(), X, ["x1", "x2", "x3"], chunk_size=300, scheduler=scheduler, progress=progress)
    assert len(calls) == 4
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (1000, 1000)
    assert {total for _, total in calls} == {1000}


def test_same_seed_same_result_different_seed_different_sample() -> None:
    first = run_analysis(PROBLEM, Ishigami(), "sobol", n=64, seed=3)
    second = run_analysis(PROBLEM, Ishigami(), "sobol", n=64, seed=3)
    third = run_analysis(PROBLEM, Ishigami(), "sobol", n=64, seed=4)
    assert_same_result(first, second)
    assert not np.array_equal(first.samples, third.samples)


def test_seed_none_is_recorded_and_reproducible() -> None:
    first = run_analysis(PROBLEM, Ishigami(), "morris", n=8)
    again = run_analysis(PROBLEM, Ishigami(), "morris", n=8, seed=first.design.seed)
    assert_same_result(first, again)


class _BadShape:
    def __call__(self, X: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        return {"y": np.zeros(X.shape[0] + 1)}


class _KeysChange:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, X: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        self.calls += 1
        return {"y" if self.calls == 1 else "z": np.zeros(X.shape[0])}


@pytest.mark.parametrize(
    ("evaluator", "fragment"),
    [
        (_BadShape(), "output 'y' (chunk 0): expected shape (10,)"),
        (_KeysChange(), "chunk 1: outputs"),
        (lambda X, names: [1, 2], "must return a mapping"),
    ],
)
def test_bad_evaluator_outputs_are_clear_errors(evaluator, fragment: str) -> None:
    with pytest.raises(EvaluatorOutputError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        evaluate_sample(evaluator, np.zeros((20, 3)), ["x1", "x2", "x3"], chunk_size=10)


def test_times_length_must_match() -> None:
    with pytest.raises(EvaluatorOutputError, match="times has shape"):
        evaluate_sample(LinearTrend(TIMES), np.zeros((4, 2)), ["a", "b"], times=np.arange(3.0))


def test_unpicklable_evaluator_is_reported_before_dask_submission() -> None:
    class HoldsLock:
        def __init__(self) -> None:
            self.lock = threading.Lock()

        def __call__(self, X, names):
            return {"y": X[:, 0]}

    with pytest.raises(TypeError, match="cannot be serialised for Dask"):
        check_picklable(HoldsLock())


def test_unknown_scheduler_string() -> None:
    with pytest.raises(ValueError, match="unknown scheduler"):
        evaluate_sample(Ishigami(), np.zeros((2, 3)), ["x1", "x2", "x3"], scheduler="procs")
