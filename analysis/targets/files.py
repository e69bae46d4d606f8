"""Loading and validating targets: the national file with regions, region files, plain lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping


from analysis.metrics import MetricError

from .target import _KEY_RE, Target, TargetSet, TargetsConfigError

__all__ = ["DEFAULT_TARGETS_PATH", "load_targets", "targets_from_dict"]

#: The YAML file with the national default set and region-specific changes.
DEFAULT_TARGETS_PATH: Path = Path(__file__).resolve().parents[1] / "targets.yaml"


def _where(section: str, i: int, key: str | None = None) -> str:
    return f"{section}.targets[{i}]" + (f" (key '{key}')" if key else "")


def _entries(file: str, section: str, raw: Any) -> list[Mapping[str, Any]]:
    if not isinstance(raw, (list, tuple)):
        raise TargetsConfigError(f"{file}: {section}.targets must be a list of mappings, got {type(raw).__name__}")
    seen: set[str] = set()
    for i, e in enumerate(raw):
        if not isinstance(e, Mapping):
            raise TargetsConfigError(f"{file}: {_where(section, i)} must be a mapping, got {type(e).__name__}")
        if "key" not in e:
            raise TargetsConfigError(f"{file}: {_where(section, i)}: missing field 'key'")
        if not (isinstance(e["key"], str) and _KEY_RE.match(e["key"])):
            raise TargetsConfigError(f"{file}: {_where(section, i)}: field 'key' must be an identifier "
                                     f"(lower-case letters, digits, '_'), got {e['key']!r}")
        if e["key"] in seen:
            raise TargetsConfigError(f"{file}: {_where(section, i)}: duplicate key '{e['key']}'")
        seen.add(e["key"])
    return list(raw)


def _build(file: str, where: str, entry: Mapping[str, Any]) -> Target:
    try:
        return Target.from_dict(entry, f"{file}: {where}", strict=True)
    except TargetsConfigError:
        raise
    except MetricError as exc:  # pragma: no cover - from_dict wraps metric errors
        raise TargetsConfigError(f"{file}: {where}: {exc}") from None


def _merge(file: str, section: str, base: list[Target], raw: list[Mapping[str, Any]]) -> list[Target]:
    """Apply overrides: a known key changes only the fields given (``enabled: false``
    removes it); a new key must be complete."""
    by_key = {t.key: t for t in base}
    order = [t.key for t in base]
    for i, e in enumerate(raw):
        w = _where(section, i, e["key"])
        if e["key"] in by_key:
            merged = {**by_key[e["key"]].as_dict(), **e}
            if any(f in e for f in ("year", "from", "to")) and "metric" not in e:
                raise TargetsConfigError(f"{file}: {w}: to change the years give the whole 'metric'")
            by_key[e["key"]] = _build(file, w, merged)
        else:
            if set(e) - {"key"} == {"enabled"} and e["enabled"] is False:
                raise TargetsConfigError(f"{file}: {w}: cannot disable unknown target '{e['key']}'")
            by_key[e["key"]] = _build(file, w, e)
            order.append(e["key"])
    return [by_key[k] for k in order]


def _check_mapping(file: str, where: str, raw: Any, allowed: set[str], required: set[str]) -> None:
    if not isinstance(raw, Mapping):
        raise TargetsConfigError(f"{file}: {where} must be a mapping, got {type(raw).__name__}")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise TargetsConfigError(f"{file}: {where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    missing = sorted(required - set(raw))
    if missing:
        raise TargetsConfigError(f"{file}: {where}: missing key(s) {missing}")
    for k in ("description_en", "description_zh"):
        if k in raw and not isinstance(raw[k], str):
            raise TargetsConfigError(f"{file}: {where}.{k} must be a string")
    if "replace_default" in raw and not isinstance(raw["replace_default"], bool):
        raise TargetsConfigError(f"{file}: {where}.replace_default must be true or false")


_REGION_KEYS = {"description_en", "description_zh", "replace_default", "targets"}


def _resolve(data: Any, region: str | None, file: str) -> list[Target]:
    """Validate the whole national configuration; the targets of ``region`` incl. disabled."""
    _check_mapping(file, "top level", data, {"version", "default", "regions"}, {"version", "default"})
    if data["version"] != 2:
        raise TargetsConfigError(f"{file}: top level: 'version' must be 2, got {data['version']!r}")
    _check_mapping(file, "default", data["default"], {"description_en", "description_zh", "targets"}, {"targets"})
    entries = _entries(file, "default", data["default"]["targets"])
    base = [_build(file, _where("default", i, e["key"]), e) for i, e in enumerate(entries)]
    regions = data.get("regions") or {}
    if not isinstance(regions, Mapping):
        raise TargetsConfigError(f"{file}: 'regions' must be a mapping of region name to settings")
    resolved: dict[str, list[Target]] = {}
    for name, spec in regions.items():  # validate every region, not only the one asked for
        sec = f"regions.{name}"
        _check_mapping(file, sec, spec, _REGION_KEYS, {"targets"})
        resolved[name] = _merge(file, sec, [] if spec.get("replace_default") else base,
                                _entries(file, sec, spec["targets"]))
    if region is None:
        return base
    if region not in resolved:
        raise TargetsConfigError(f"{file}: region '{region}' not found under 'regions'; known: {sorted(resolved)}")
    return resolved[region]


def targets_from_dict(data: Mapping[str, Any], region: str | None = None, file: str = "<dict>") -> TargetSet:
    """Validate a parsed national configuration (``analysis/targets.yaml`` structure)
    and return the enabled set for ``region``."""
    chosen = _resolve(data, region, file)
    return TargetSet(region or "default", (t for t in chosen if t.enabled), (file,))


def _read_yaml(path: Path) -> Any:
    """Parse a targets YAML file with the size, alias, depth and time limits of
    :func:`scenarios.safe_yaml.parse_yaml`; only regular files are opened, and error
    messages name the file, line and column but never quote its content."""
    from scenarios.safe_yaml import DEFAULT_LIMITS, UnsafeYamlError, parse_yaml

    try:
        if not path.is_file():
            raise TargetsConfigError(f"{path}: file not found (or not a regular file)")
        if path.stat().st_size > DEFAULT_LIMITS.max_bytes:
            raise TargetsConfigError(f"{path}: the file is larger than {DEFAULT_LIMITS.max_bytes // 1000} kB")
        with open(path, "rb") as fh:
            content = fh.read(DEFAULT_LIMITS.max_bytes + 1)
    except OSError as exc:
        raise TargetsConfigError(f"{path}: cannot read the file ({type(exc).__name__})") from None
    try:
        return parse_yaml(content, str(path))
    except UnsafeYamlError as exc:
        raise TargetsConfigError(str(exc)) from None


def _plain(raw: Any, where: str) -> list[Target]:
    """Targets of a plain list (texts, mappings or Targets)."""
    if isinstance(raw, Mapping):
        raw = raw.get("targets", [])
    out: list[Target] = []
    for i, item in enumerate(raw or []):
        if isinstance(item, Target):
            out.append(item)
        elif isinstance(item, str):
            out.append(Target.parse(item))
        elif isinstance(item, Mapping):
            out.append(Target.from_dict(item, f"{where}[{i}]"))
        else:
            raise TargetsConfigError(f"{where}[{i}]: expected a mapping or a string, got {type(item).__name__}")
    if not out:
        raise TargetsConfigError(f"{where}: no targets given")
    keys = [t.key for t in out]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise TargetsConfigError(f"{where}: duplicate target keys {dup}")
    return out


def load_targets(
    source: str | Path | Iterable[Any] | Mapping[str, Any] = DEFAULT_TARGETS_PATH,
    region: str | None = None,
    region_file: str | Path | None = None,
    region_data: Mapping[str, Any] | None = None,
    region_source: str = "targets.inline",
) -> TargetSet:
    """Load and validate targets.

    Args:
        source: the national YAML (default ``analysis/targets.yaml``, with ``version``,
            ``default`` and ``regions``); or a plain target file / mapping
            (``{targets: [...]}``), a list of mappings, texts or :class:`Target`, or
            one text such as ``"tp3<=2030"``.
        region: region under ``regions:`` of the national file (None = national set).
        region_file: a region YAML (``region``, optional ``description_en/zh``,
            ``replace_default``, ``targets``) applied on top: its entries override
            targets by key, ``enabled: false`` removes one, new keys must be complete.
            The caller decides which paths may be read (``scenarios.loader`` confines them).
        region_data: the same content as a region file, already parsed (targets written
            inline in a scenario); applied after ``region_file``.
        region_source: name of ``region_data`` in error messages.

    Raises:
        TargetsConfigError: with the file name and key at fault.
    """
    where = "targets"
    raw: Any = source
    if isinstance(source, (str, Path)):
        p = Path(source)
        if p.suffix.lower() not in (".yaml", ".yml") and not p.exists():
            return TargetSet("custom", [Target.parse(str(source))])
        where, raw = str(p), _read_yaml(p)
    national = isinstance(raw, Mapping) and "version" in raw
    if not national:
        if region is not None or region_file is not None or region_data is not None:
            raise TargetsConfigError(f"{where}: region and region_file need the national target file")
        return TargetSet("custom", _plain(raw, where), (where,))
    all_targets = _resolve(raw, region, where)
    files, name = [where], region or "default"
    extra: list[tuple[str, Any]] = []
    if region_file is not None:
        rpath = Path(region_file)
        extra.append((str(rpath), _read_yaml(rpath)))
    if region_data is not None:
        extra.append((region_source, region_data))
    for rfile, rdata in extra:
        _check_mapping(rfile, "top level", rdata, _REGION_KEYS | {"region"}, {"region", "targets"})
        if not (isinstance(rdata["region"], str) and rdata["region"].strip()):
            raise TargetsConfigError(f"{rfile}: top level: 'region' must be a non-empty string")
        name = rdata["region"]
        start = [] if rdata.get("replace_default") else all_targets
        all_targets = _merge(rfile, "region file", start, _entries(rfile, "region file", rdata["targets"]))
        files.append(rfile)
    return TargetSet(name, (t for t in all_targets if t.enabled), files)


