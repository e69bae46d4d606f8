"""Backend selection: Numba when available, NumPy as the automatic fallback (with a
log message), compile records, and the two backends agreeing on the product model."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from models.batch import compile_model
from models.batch import jit, jitgen

from .conftest import MDL_DIR, PRODUCT_MODEL, assert_close, draw, pysd_run


@pytest.fixture
def fresh_engines(monkeypatch):
    """A model whose compiler has no engine yet (engines are cached per compiler)."""
    def make(mdl, backend="auto"):
        model = compile_model(mdl, backend=backend)
        monkeypatch.setattr(model.compiler, "engines", {})
        return model
    return make


def test_numba_is_the_default_and_reports_its_compile(fresh_engines):
    model = fresh_engines(MDL_DIR / "stock_flow.mdl")
    model.run({"growth rate": np.array([0.01, 0.02])})
    engine = model.engine()
    assert engine.name == "numba"
    record = engine.compile_log[-1]
    assert record.seconds > 0 and record.path.endswith(".py")


def test_missing_numba_falls_back_to_numpy_with_a_log_message(fresh_engines, monkeypatch, caplog,
                                                               pysd_cache):
    def missing():
        raise jit.NumbaUnavailable("Numba is not installed (simulated)")

    monkeypatch.setattr(jit, "_configure_numba", missing)
    model = fresh_engines(MDL_DIR / "stock_flow.mdl")
    with caplog.at_level(logging.INFO, logger="models.batch.engines"):
        result = model.run()
    assert model.engine().name == "numpy"
    assert "Numba is not installed (simulated); using the NumPy backend" in caplog.text
    expected = pysd_run(pysd_cache(MDL_DIR / "stock_flow.mdl"), {}, ["Stock A"])
    assert_close(result["Stock A"][0], expected["Stock A"].values, "fallback")


def test_construct_unsupported_by_the_kernel_falls_back(fresh_engines, monkeypatch, caplog):
    monkeypatch.delitem(jitgen._MATH, "exp")
    model = fresh_engines(MDL_DIR / "math_functions.mdl")
    with caplog.at_level(logging.WARNING, logger="models.batch.engines"):
        model.run(backend="numba")
    assert model.engine("numba").name == "numpy"
    assert "does not support function EXP" in caplog.text


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown backend 'cuda'"):
        compile_model(MDL_DIR / "stock_flow.mdl", backend="cuda")
    model = compile_model(MDL_DIR / "stock_flow.mdl")
    with pytest.raises(ValueError, match="unknown backend"):
        model.run(backend="gpu")


def test_backends_agree_on_the_product_model():
    """Every saved value of every variable, 40 draws around the defaults: Numba ==
    NumPy to 1e-9 (each also equals PySD: test_equivalence.py)."""
    model = compile_model(PRODUCT_MODEL)
    defaults = model.constants
    ranges = {name: (*limits[:2], None) for name, limits in model.limits.items()
              if name in defaults and None not in limits[:2]}
    draws = draw(ranges, np.random.default_rng(11), 40, defaults, spread=0.05)
    numba = model.run(draws, backend="numba")
    numpy = model.run(draws, backend="numpy")
    for name in model.variables:
        for k in range(40):
            assert_close(numba[name][k], numpy[name][k], f"{name} run {k}")
