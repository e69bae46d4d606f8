"""Indices of several outputs are computed on one thread per core
(``analysis.sensitivity.metrics.map_outputs``): the same tables, bit for bit and in the
same order, as one thread, for scalar and time-resolved outputs, with undefined values,
indicators and constant outputs."""

from __future__ import annotations

import os
import threading

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from analysis.sensitivity import SensitivityProblem, run_analysis
from analysis.sensitivity import backends
from analysis.sensitivity import metrics as metrics_module
from analysis.sensitivity.examples import LinearTrend
from analysis.sensitivity.sampling import fast_sample, sobol_sample

PROBLEM = SensitivityProblem.from_mapping({"names": ["a", "b", "c"], "bounds": [[0, 1], [0, 1], [0, 1]]})
TIMES = np.arange(0.0, 11.0)


def _run(method: str, n: int):
    return run_analysis(PROBLEM, LinearTrend(TIMES, 6.0), method, n=n, seed=4, censor={"crossing": 11.0})


@pytest.mark.filterwarnings("ignore:metric 'crossing'")  # Morris drops every trajectory of it
@pytest.mark.parametrize(("method", "n"), [("sobol", 128), ("morris", 30)])
def test_threads_give_the_tables_of_one_thread(monkeypatch, method, n):
    threads = _run(method, n)
    monkeypatch.setattr(backends, "usable_cores", lambda: 1)
    serial = _run(method, n)
    assert len(threads.indices) > 0 and len(threads.time_indices.time) == len(TIMES)
    pd.testing.assert_frame_equal(threads.indices, serial.indices)
    pd.testing.assert_frame_equal(threads.undefined, serial.undefined)
    xr.testing.assert_identical(threads.time_indices, serial.time_indices)
    # the undefined-value strategy ran: the censored metric and its indicator
    assert {"crossing", "crossing__defined", "y"} <= set(threads.indices["metric"]) | set(
        threads.time_indices.metric.values.tolist())


def test_map_outputs_keeps_the_order_and_uses_threads(monkeypatch):
    seen = []

    def record(item):
        seen.append(threading.get_ident())
        return item * 2

    monkeypatch.setattr(backends, "usable_cores", lambda: 2)
    sobol = sobol_sample(PROBLEM, 8, seed=1)
    assert metrics_module.map_outputs(record, list(range(40)), sobol) == [2 * i for i in range(40)]
    assert all(ident != threading.main_thread().ident for ident in seen)
    seen.clear()
    fast = fast_sample(PROBLEM, 100, seed=1)  # eFAST: one thread (process-wide warning filters)
    assert metrics_module.map_outputs(record, [1, 2, 3], fast) == [2, 4, 6]
    assert set(seen) == {threading.main_thread().ident}


def test_usable_cores_is_the_affinity_of_the_process():
    cores = backends.usable_cores()
    assert 1 <= cores <= (os.cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        assert cores == len(os.sched_getaffinity(0))

