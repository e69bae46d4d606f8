"""Shared helpers for the batch-runner tests: PySD reference runs and comparisons.

Expectations always come from PySD (``pysd.read_vensim``) or from analytic
solutions, never from the code under test. PySD translates ``x.mdl`` into ``x.py``
next to it, so every model is copied into a temporary directory first.
"""

from __future__ import annotations

import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

MDL_DIR = Path(__file__).parent / "mdl"
REPO_ROOT = Path(__file__).resolve().parents[3]
PRODUCT_MODEL = REPO_ROOT / "models" / "territorial_carbon.mdl"


def copy_to(tmp_dir: Path, mdl: Path) -> Path:
    """Copy ``mdl`` into ``tmp_dir`` (PySD writes its translation next to the .mdl)."""
    target = tmp_dir / mdl.name
    shutil.copy(mdl, target)
    return target


def read_pysd(mdl_copy: Path):
    """``pysd.read_vensim`` with PySD's translation warnings silenced."""
    import pysd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pysd.read_vensim(str(mdl_copy))


def declared_ranges(pysd_model) -> dict:
    """Vensim name -> (min, max, step|None) for constants with a finite declared
    range, read from PySD's ``model.doc`` (Vensim ``~ units [min,max,step] ~``)."""
    doc = pysd_model.doc
    ranges = {}
    for _, row in doc.iterrows():
        if row["Type"] != "Constant" or row["Real Name"] in (
            "INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER"
        ):
            continue
        limits = row["Limits"]
        if not isinstance(limits, tuple) or len(limits) < 2:
            continue
        low, high = limits[0], limits[1]
        if low is None or high is None or math.isnan(low) or math.isnan(high):
            continue
        step = limits[2] if len(limits) > 2 and not math.isnan(limits[2]) else None
        ranges[row["Real Name"]] = (float(low), float(high), step)
    return ranges


def draw(
    ranges: dict, rng: np.random.Generator, n: int, defaults: dict | None = None,
    spread: float = 1.0,
) -> dict:
    """n random values per constant inside its declared range (on the step grid
    when the range declares a step).

    With ``defaults`` and ``spread < 1`` the values are drawn in the sub-interval
    ``[d - spread*(d - min), d + spread*(max - d)]`` around each default ``d``
    (still inside the declared range)."""
    values = {}
    for name, (low, high, step) in ranges.items():
        if defaults is not None and spread < 1:
            d = float(defaults[name])
            low, high = d - spread * (d - low), d + spread * (high - d)
            values[name] = rng.uniform(low, high, size=n)
        elif step:
            grid = np.arange(low, high + step / 2, step)
            values[name] = rng.choice(grid, size=n)
        else:
            values[name] = rng.uniform(low, high, size=n)
    return values


def pysd_run(pysd_model, params: dict, columns, **kwargs):
    """One PySD run from a clean state (``run(params=...)`` persists overrides)."""
    pysd_model.reload()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pysd_model.run(params=params, return_columns=list(columns), **kwargs)


def assert_close(actual, expected, name: str, rtol: float = 1e-9) -> None:
    """``|actual - expected| <= rtol*|expected| + 1e-9*max(1, max|expected|)``, NaN == NaN."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, (name, actual.shape, expected.shape)
    finite = expected[np.isfinite(expected)]
    scale = max(1.0, float(np.max(np.abs(finite)))) if finite.size else 1.0
    ok = np.isclose(actual, expected, rtol=rtol, atol=1e-9 * scale, equal_nan=True)
    if not ok.all():
        i = int(np.argmax(~ok))
        raise AssertionError(
            f"{name}: {int((~ok).sum())} mismatches; first at index {i}: "
            f"batch={actual[i]!r} pysd={expected[i]!r}"
        )


@pytest.fixture(scope="session")
def pysd_cache(tmp_path_factory):
    """Translate each model with PySD once per session (in a temporary directory)."""
    cache: dict = {}

    def get(mdl: Path):
        if mdl not in cache:
            directory = tmp_path_factory.mktemp(mdl.stem)
            cache[mdl] = read_pysd(copy_to(directory, mdl))
        return cache[mdl]

    return get


CONTROL_LINES = {
    "initial_time": "INITIAL TIME",
    "final_time": "FINAL TIME",
    "time_step": "TIME STEP",
    "saveper": "SAVEPER",
}


def with_control(tmp_dir: Path, mdl: Path, **settings) -> Path:
    """A copy of ``mdl`` in ``tmp_dir`` whose control equations are replaced by the
    given values (e.g. ``initial_time=2005``): the model as Vensim would run it with
    those settings in the file."""
    import re

    text = mdl.read_text(encoding="utf-8")
    for key, value in settings.items():
        name = CONTROL_LINES[key]
        text, count = re.subn(
            rf"(^{name}\s*=)[^~]*~", rf"\g<1> {value}\n\t~", text, count=1, flags=re.M
        )
        assert count == 1, f"{name} not found in {mdl}"
    target = tmp_dir / mdl.name
    target.write_text(text, encoding="utf-8")
    return target

