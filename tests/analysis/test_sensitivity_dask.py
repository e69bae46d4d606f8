"""The same analysis on a real multi-process Dask cluster equals the serial backend."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from analysis.sensitivity import SensitivityProblem, run_analysis
from analysis.sensitivity.examples import Ishigami, LinearTrend

distributed = pytest.importorskip("distributed")

ISHIGAMI_PROBLEM = SensitivityProblem.from_mapping({"names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3})
TREND_PROBLEM = SensitivityProblem.from_mapping({"names": ["a", "b"], "bounds": [[0, 1], [0, 1]]})


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:  # type: ignore[name-defined]
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local_cluster:
        yield local_cluster


def assert_same_result(left, right) -> None:
    pd.testing.assert_frame_equal(left.indices, right.indices, check_exact=True)
    pd.testing.assert_frame_equal(left.undefined, right.undefined, check_exact=True)
    for name in left.outputs:
        np.testing.assert_array_equal(left.outputs[name], right.outputs[name])
    if left.time_indices is not None:
        xr.testing.assert_identical(left.time_indices, right.time_indices)


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_dask_cluster_by_address_equals_serial(cluster, method: str) -> None:
    n = 256 if method == "sobol" else 20
    serial = run_analysis(ISHIGAMI_PROBLEM, Ishigami(), method, n=n, seed=9, chunk_size=4096)
    calls: list[tuple[int, int]] = []
    remote = run_analysis(
        ISHIGAMI_PROBLEM,
        Ishigami(),
        method,
        n=n,
        seed=9,
        chunk_size=300 if method == "sobol" else 30,
        scheduler=cluster.scheduler_address,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert_same_result(serial, remote)
    assert remote.settings["chunks"] > 1
    assert calls[-1] == (serial.design.runs, serial.design.runs)


def test_dask_work_is_spread_over_worker_processes(cluster) -> None:
    """Chunks really run in the worker processes (not in the test process)."""
    result = run_analysis(
        TREND_PROBLEM, _Pid(), "sobol", n=64, seed=1, chunk_size=16, scheduler=cluster.scheduler_address
    )
    import os

    pids = set(result.outputs["pid"].astype(int))
    assert os.getpid() not in pids
    assert len(pids) == 2


def test_dask_with_client_time_resolved_and_undefined(cluster) -> None:
    evaluator = LinearTrend(np.arange(0.0, 8.0), threshold=4.0)
    censor = {"crossing": 9.0}
    serial = run_analysis(TREND_PROBLEM, evaluator, "sobol", n=128, seed=2, censor=censor)
    with distributed.Client(cluster) as client:
        remote = run_analysis(
            TREND_PROBLEM, evaluator, "sobol", n=128, seed=2, censor=censor, chunk_size=100, scheduler=client
        )
    assert serial.undefined_counts["crossing"] > 0
    assert_same_result(serial, remote)


class _Pid:
    """Records which process evaluated each row (picklable top-level class)."""

    def __call__(self, X: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
        import os
        import time

        time.sleep(0.02)  # keep both workers busy
        return {"y": X[:, 0] + X[:, 1], "pid": np.full(X.shape[0], float(os.getpid()))}


def test_local_scheduler_starts_and_stops_its_own_cluster() -> None:
    serial = run_analysis(
        TREND_PROBLEM, LinearTrend(np.arange(3.0), 1.0), "sobol", n=32, seed=4, censor={"crossing": 3.0}
    )
    local = run_analysis(
        TREND_PROBLEM,
        LinearTrend(np.arange(3.0), 1.0),
        "sobol",
        n=32,
        seed=4,
        censor={"crossing": 3.0},
        chunk_size=50,
        scheduler="local",
    )
    assert_same_result(serial, local)
