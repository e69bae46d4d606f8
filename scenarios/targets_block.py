"""The ``targets`` block of a scenario: a bundled region, a targets file or inline targets.

``targets: {region: NAME}`` names a region of ``analysis/targets.yaml``;
``targets: {region_file: FILE}`` a region targets file next to the scenario file or
among the bundled ones (``analysis/``), read only inside those folders
(:func:`scenarios.safe_yaml.read_confined`); ``targets: {inline: {...}}`` holds the same
content as such a file. A scenario that is not a file (an upload, a link) may not name
a file. Every problem raises the caller's error class with the source and the key.
"""

from __future__ import annotations

import copy
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from analysis.targets import DEFAULT_TARGETS_PATH, TargetsConfigError, load_targets
from scenarios.safe_yaml import UnsafeYamlError, as_error, parse_yaml, read_confined

TARGETS_KEYS = ("region", "region_file", "inline")
#: Folder of the bundled target files (``targets.region_file`` may name one of them).
TARGETS_DIR: Path = DEFAULT_TARGETS_PATH.parent


def freeze(value: Any) -> Any:
    """Read-only copy of plain data (mappings -> MappingProxyType, lists -> tuples)."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def targets_block(source: str, value: Any, base_dir: Path | None,
                  error: type[ValueError] = ValueError) -> Mapping[str, Any] | None:
    """The validated (read-only) targets selection of a scenario, or None.

    ``base_dir``: folder of the scenario file (None: not a file, may name no file)."""
    ScenarioError = error  # noqa: N806  (the caller's error class)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ScenarioError(
            f"{source}: 'targets' must be a mapping with keys {list(TARGETS_KEYS)}, got {type(value).__name__}"
        )
    extra = [str(k) for k in value if k not in TARGETS_KEYS]
    if extra:
        raise ScenarioError(f"{source}: targets: unknown key(s) {extra}; allowed: {list(TARGETS_KEYS)}")
    out: dict[str, Any] = {}
    region = value.get("region")
    if region is not None:
        if not isinstance(region, str) or not region.strip():
            raise ScenarioError(f"{source}: targets.region must be a non-empty string, got {type(region).__name__}")
        out["region"] = region
    region_file = value.get("region_file")
    region_data = None
    if region_file is not None:
        if base_dir is None:
            raise ScenarioError(
                f"{source}: targets.region_file: a scenario that is uploaded or comes from a link may not name "
                "a file; write the targets inline (targets: {inline: {region: ..., targets: [...]}}) or name a "
                "region of the bundled targets (targets: {region: ...})")
        if not isinstance(region_file, str) or not region_file.strip():
            raise ScenarioError(f"{source}: targets.region_file must be a non-empty string")
        if Path(region_file).suffix not in (".yaml", ".yml"):
            raise ScenarioError(f"{source}: targets.region_file must name a .yaml file, got '{region_file}'")
        try:
            real, content = read_confined(region_file, [base_dir, TARGETS_DIR], f"{source}: targets.region_file",
                                          what="targets file")
            region_data = parse_yaml(content, str(real))
        except UnsafeYamlError as err:
            raise as_error(ScenarioError, err) from None
        out["region_file"] = str(real)
    inline = value.get("inline")
    if inline is not None:
        if not isinstance(inline, Mapping):
            raise ScenarioError(f"{source}: targets.inline must be a mapping (region, targets, ...), "
                                f"got {type(inline).__name__}")
        if region_file is not None:
            raise ScenarioError(f"{source}: targets: give either region_file or inline, not both")
        out["inline"] = freeze(copy.deepcopy(dict(inline)))
    try:
        load_targets(region=out.get("region"), region_data=region_data, region_source=str(out.get("region_file")))
        if inline is not None:
            load_targets(region=out.get("region"), region_data=out["inline"], region_source=f"{source}: targets.inline")
    except TargetsConfigError as err:
        raise ScenarioError(f"{source}: targets: {err}") from None
    return MappingProxyType(out)
