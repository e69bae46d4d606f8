"""Dask scale-out for real: worker processes in another directory, without the model
file, run the product-model Sobol sweep; the indices equal the in-process run."""

from __future__ import annotations

import os
import shutil
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.sensitivity.model import model_problem, run_model_analysis
from models.model import MODEL_PATH

distributed = pytest.importorskip("distributed")

PARAMS = ["non fossil mandate for new supply", "CCS target capacity", "returning cropland to forest rate"]


def _worker_state() -> dict:
    return {"cwd": os.getcwd(), "pysd": "pysd" in sys.modules, "pid": os.getpid()}


def test_sobol_on_workers_elsewhere_equals_in_process(tmp_path) -> None:
    copy = tmp_path / "checkout" / MODEL_PATH.name
    copy.parent.mkdir()
    shutil.copy(MODEL_PATH, copy)
    kwargs = dict(metrics=["tp3", "peak_emissions", "cropland_2035"], n=16, seed=3, mdl_path=copy)
    problem = model_problem(PARAMS, mdl_path=copy)
    serial = run_model_analysis(problem, **kwargs)
    shutil.rmtree(copy.parent)  # workers cannot read the model file
    elsewhere = tmp_path / "workers"
    elsewhere.mkdir()
    here = os.getcwd()
    os.chdir(elsewhere)
    try:
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
    finally:
        os.chdir(here)
    with cluster, distributed.Client(cluster) as client:
        remote = run_model_analysis(problem, **kwargs, chunk_size=20, scheduler=client)
        states = client.run(_worker_state)
    assert len(states) == 2
    for state in states.values():
        assert state["cwd"] == str(elsewhere) and state["pid"] != os.getpid()
        assert not state["pysd"]
    pd.testing.assert_frame_equal(serial.indices, remote.indices, check_exact=True)
    for name in serial.outputs:
        np.testing.assert_array_equal(serial.outputs[name], remote.outputs[name])
    assert remote.settings["chunks"] > 1
