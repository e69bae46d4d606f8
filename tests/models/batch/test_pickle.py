"""The compiled model is small and picklable, and runs where it is unpickled without
the model file, the repository checkout or PySD (issue 16 item 5)."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
import textwrap

import numpy as np

from models.batch import compile_model

from .conftest import MDL_DIR, REPO_ROOT


def test_import_does_not_import_pysd():
    code = "import sys, models.batch; print('pysd' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


def test_pickle_holds_the_ir_only(tmp_path):
    model = compile_model(MDL_DIR / "delay.mdl")
    model.run({"delay time": np.linspace(2, 8, 3)})  # simulators and kernel compiled
    data = pickle.dumps(model)
    assert len(data) < 200_000
    for marker in (b"run_chunk", b"threading", b"numba", b"CPUDispatcher"):
        assert marker not in data
    clone = pickle.loads(data)
    assert clone.compiler is model.compiler  # same process: compiled once


def test_a_model_finds_its_compiler_after_many_others(tmp_path):
    """The registry keeps the 16 most recent compilers alive; one still held by a model
    compiled earlier is found again however many models were compiled since (an
    evaluator holding the product model, unpickled for a chunk of a sensitivity run)."""
    model = compile_model(MDL_DIR / "stock_flow.mdl")
    text = (MDL_DIR / "stock_flow.mdl").read_text(encoding="utf-8")
    others = []
    assert "growth rate=\n\t0.04\n" in text
    for k in range(20):  # distinct models: each file has its own default growth rate
        path = tmp_path / f"m{k}" / "stock_flow.mdl"
        path.parent.mkdir()
        path.write_text(text.replace("growth rate=\n\t0.04\n", f"growth rate=\n\t0.04{k:02d}\n"),
                        encoding="utf-8")
        others.append(compile_model(path))
    assert len({id(m.compiler) for m in others}) == 20
    clone = pickle.loads(pickle.dumps(model))
    assert clone.compiler is model.compiler


def test_unpickled_model_runs_without_model_file_or_pysd(tmp_path):
    """A copy of the model is compiled, pickled and deleted; a fresh interpreter in
    another directory unpickles and runs it: same results, PySD never imported."""
    copy = tmp_path / "model" / "stock_flow.mdl"
    copy.parent.mkdir()
    shutil.copy(MDL_DIR / "stock_flow.mdl", copy)
    model = compile_model(copy)
    params = {"growth rate": np.array([0.01, 0.05, 0.09])}
    expected = model.run(params, outputs=["Stock A", "Stock B"])
    payload = tmp_path / "model.pickle"
    payload.write_bytes(pickle.dumps((model, params)))
    shutil.rmtree(copy.parent)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    script = textwrap.dedent(f"""
        import pickle, sys
        import numpy as np
        model, params = pickle.loads(open({str(payload)!r}, "rb").read())
        result = model.run(params, outputs=["Stock A", "Stock B"])
        np.save("a.npy", result["Stock A"]); np.save("b.npy", result["Stock B"])
        print("pysd" in sys.modules, model.engine().name)
    """)
    env_path = str(REPO_ROOT)  # the installed package (no model file, not the cwd)
    out = subprocess.run([sys.executable, "-c", script], cwd=workdir, capture_output=True,
                         text=True, env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin",
                                         **_cache_env()})
    assert out.returncode == 0, out.stderr
    pysd_imported, engine = out.stdout.split()
    assert pysd_imported == "False"
    assert engine == model.engine().name
    np.testing.assert_array_equal(np.load(workdir / "a.npy"), expected["Stock A"])
    np.testing.assert_array_equal(np.load(workdir / "b.npy"), expected["Stock B"])


def _cache_env() -> dict:
    """Keep the disk cache (and HOME) of this session: kernels are not recompiled."""
    import os

    keep = ("HOME", "TERRITORIAL_CARBON_CACHE", "XDG_CACHE_HOME", "NUMBA_CACHE_DIR")
    return {k: os.environ[k] for k in keep if k in os.environ}
