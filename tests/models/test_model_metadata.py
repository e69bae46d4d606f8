"""The model's documentation cache: what ``load_model`` reads from the JSON kept beside the
translated model equals what PySD's own load of that model says."""

from __future__ import annotations

import math
import shutil
import warnings
from pathlib import Path

import pysd

from models.model import MODEL_PATH, TerritorialModel, load_model, model_metadata, translated_model_path


def test_cached_metadata_equals_a_fresh_pysd_load(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TERRITORIAL_CARBON_CACHE", str(tmp_path))
    py_path = translated_model_path(MODEL_PATH)
    meta_path = py_path.with_suffix(".meta.json")
    assert not meta_path.exists()
    first = TerritorialModel(MODEL_PATH)  # loads PySD, writes the cache
    assert meta_path.exists()
    second = TerritorialModel(MODEL_PATH)  # reads the cache
    assert second.constants == first.constants
    assert second.variables == first.variables
    assert second.time_settings == first.time_settings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = pysd.load(str(py_path))
    assert second.time_settings["TIME STEP"] == float(probe.components.time_step())
    assert second.time_settings["FINAL TIME"] == float(probe.components.final_time())
    doc = {row[0]: row for row in probe.doc.itertuples(index=False)}
    assert set(second.variables) == set(doc)
    for name, const in second.constants.items():
        assert const.default == float(getattr(probe.components, const.py_name)()), name
        lo, hi = (tuple(doc[name][4] or ()) + (None, None))[:2]
        for mine, theirs in ((const.minimum, lo), (const.maximum, hi)):
            if theirs is None or not math.isfinite(float(theirs)):
                assert mine is None, name
            else:
                assert mine == float(theirs), name


def test_a_stale_or_broken_cache_is_rebuilt(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TERRITORIAL_CARBON_CACHE", str(tmp_path))
    py_path = translated_model_path(MODEL_PATH)
    meta = model_metadata(py_path)
    meta_path = py_path.with_suffix(".meta.json")
    meta_path.write_text("{not json", encoding="utf-8")
    assert model_metadata(py_path) == meta
    meta_path.write_text('{"format": 0}', encoding="utf-8")
    assert model_metadata(py_path) == meta


def test_one_instance_per_model_file_however_its_path_is_spelled(tmp_path: Path) -> None:
    assert load_model() is load_model(MODEL_PATH) is load_model(str(MODEL_PATH))
    copy = tmp_path / MODEL_PATH.name
    shutil.copyfile(MODEL_PATH, copy)
    assert load_model(copy) is not load_model()
