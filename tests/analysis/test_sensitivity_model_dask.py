"""The product-model analysis on a real Dask cluster (and on threads) equals serial."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from analysis.sensitivity.model import model_problem, run_model_analysis

distributed = pytest.importorskip("distributed")

PARAMS = ["non fossil mandate for new supply", "CCS target capacity", "returning cropland to forest rate"]
KWARGS = dict(
    metrics=["tp3", "tp5", "neutrality", "peak_emissions", "cropland_2035"],
    time_variables=["gross emissions"],
    time_years=[2030.0, 2060.0, 2090.0],
    n=16,
    seed=5,
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:  # type: ignore[name-defined]
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local_cluster:
        yield local_cluster


@pytest.fixture(scope="module")
def serial():
    return run_model_analysis(model_problem(PARAMS), **KWARGS)


def assert_same(left, right) -> None:
    pd.testing.assert_frame_equal(left.indices, right.indices, check_exact=True)
    pd.testing.assert_frame_equal(left.undefined, right.undefined, check_exact=True)
    assert left.outputs.keys() == right.outputs.keys()
    for name in left.outputs:
        np.testing.assert_array_equal(left.outputs[name], right.outputs[name])
    xr.testing.assert_identical(left.time_indices, right.time_indices)
    assert left.settings["turning_point_status"] == right.settings["turning_point_status"]


def test_dask_cluster_equals_serial(cluster, serial) -> None:
    problem = model_problem(PARAMS)
    calls: list[tuple[int, int]] = []
    remote = run_model_analysis(
        problem,
        **KWARGS,
        chunk_size=15,
        scheduler=cluster.scheduler_address,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert_same(serial, remote)
    assert remote.settings["chunks"] == 6 and serial.settings["chunks"] == 1
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (serial.design.runs, serial.design.runs)
    assert serial.undefined_counts["neutrality"] > 0


def test_threads_equal_serial(serial) -> None:
    problem = model_problem(PARAMS)
    threads = run_model_analysis(problem, **KWARGS, chunk_size=20, scheduler="threads")
    assert_same(serial, threads)
