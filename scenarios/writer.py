"""Scenario files written out (情景文件的写出): the mapping and YAML form of a
:class:`~scenarios.loader.Scenario` and the validated, atomic write of a file.

The inverse of :mod:`scenarios.loader`: what :func:`write_scenario` writes is read back
by :func:`scenarios.loader.load_scenario` to the same scenario (checked before writing).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

import yaml

from scenarios.data_block import data_block_mapping
from scenarios.loader import _NO_RATIONALE, Scenario, _build
from scenarios.targets_block import TARGETS_DIR

__all__ = ["scenario_to_mapping", "scenario_to_yaml", "thaw", "write_scenario"]


def scenario_to_mapping(scenario: Scenario, *, flatten: bool = True) -> dict[str, Any]:
    """Plain-dict form of ``scenario`` (the inverse of :func:`scenario_from_mapping`).

    Args:
        flatten: True (default) writes a self-contained scenario: no ``base``, all merged
            overrides with their rationale and the (possibly inherited) calibration
            block. False keeps ``base`` and only this file's own overrides.
    """
    if flatten or scenario.base is None:
        overrides = dict(scenario.overrides)
    else:
        overrides = dict(scenario.own_overrides)
    data: dict[str, Any] = {
        "name": dict(scenario.name),
        "description": dict(scenario.description),
    }
    if not flatten and scenario.base is not None:
        data["base"] = scenario.base
    data["overrides"] = {k: _plain_number(v) for k, v in overrides.items()}
    if scenario.data:
        data["data"] = data_block_mapping(scenario.data)
    data["rationale"] = {k: dict(scenario.rationale.get(k, _NO_RATIONALE)) for k in overrides}
    if scenario.calibration is not None:
        data["calibration"] = thaw(scenario.calibration)
    if scenario.initial_time is not None:
        data["time"] = {"initial_time": _plain_number(scenario.initial_time)}
    if scenario.targets is not None:
        data["targets"] = thaw(scenario.targets)
        if "region_file" in data["targets"]:
            region_file = Path(data["targets"]["region_file"])
            home = scenario.path.parent.resolve() if scenario.path is not None else TARGETS_DIR.resolve()
            data["targets"]["region_file"] = (
                region_file.relative_to(home).as_posix() if region_file.is_relative_to(home) else region_file.name)
    return data


def scenario_to_yaml(scenario: Scenario, *, flatten: bool = True) -> str:
    """YAML text of ``scenario`` (UTF-8, Chinese kept readable); see :func:`scenario_to_mapping`."""
    header = (
        f"# Scenario '{scenario.key}' (情景). Values in the units of "
        "models/territorial_carbon.mdl.\n"
    )
    return header + yaml.safe_dump(
        scenario_to_mapping(scenario, flatten=flatten),
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )


def write_scenario(scenario: Scenario, path: str | Path, *, flatten: bool = True) -> Path:
    """Write ``scenario`` as YAML to ``path`` after re-validating the text.

    The text is validated first (with ``flatten=False`` the base must exist next to
    ``path`` or among the bundled scenarios), then written to a temporary file in the same folder and moved into
    place, so an existing file is never overwritten by an invalid or partial scenario.
    Overrides without a rationale get "No rationale given".

    Raises:
        ScenarioError: the written text would not validate (nothing is written).
    """
    path = Path(path)
    text = scenario_to_yaml(scenario, flatten=flatten)
    # validate exactly what will be read back: this text, bases looked up as when read from ``path``
    _build(yaml.safe_load(text), str(path), path.stem, path, path.parent.resolve(), (), True, {})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".yaml.tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def thaw(value: Any) -> Any:
    """Plain (writable) copy of a frozen block: mappings -> dict, tuples -> list."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


def _plain_number(value: float) -> int | float:
    """Integral floats as int so that YAML shows ``2100`` rather than ``2100.0``."""
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return int(value)
    return float(value)
