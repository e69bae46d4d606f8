"""Scenario files, starting scenarios and the scenario encoded in the page URL.

Scenario YAML format (``scenarios/*.yaml``)::

    name: {en: Ecological function area, zh: 生态功能区}
    description: {en: ..., zh: ...}
    base: baseline            # optional: another scenario id this one starts from
    overrides:                # Vensim constant names -> numbers
      additional afforestation rate: 300

The ``scenarios`` package (``scenarios.loader``: ``list_scenarios``, ``load_scenario``,
``scenario_from_mapping``, ``scenario_to_yaml``) reads and validates these files; it is
used whenever it can be imported. The minimal reader here (``parse_scenario``,
``read_scenario_file``) is only a fallback for a checkout without it and should be
deleted once the loader is merged.

Every error is a :class:`ScenarioInputError` whose message names the source (file or
"link"), the key and, for numbers, the allowed range (from ``validate_overrides``).
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from models.model import ModelInputError

log = logging.getLogger(__name__)

BASELINE_ID = "baseline"
REPO_ROOT = Path(__file__).resolve().parent.parent
#: Reserved URL query keys; every other key is a model constant (python or Vensim name).
URL_RESERVED = ("lang", "page", "start")
MAX_FILE_BYTES = 200_000
_ALLOWED_TOP = {"name", "description", "base", "overrides", "region", "notes", "version", "targets"}


class ScenarioInputError(ValueError):
    """A scenario file or link that cannot be used; the message is for the user."""


@dataclass(frozen=True)
class ScenarioDoc:
    """A scenario: id, bilingual name/description, base id and overrides (Vensim names)."""

    id: str
    name: Mapping[str, str]
    description: Mapping[str, str] = field(default_factory=dict)
    base: str | None = None
    overrides: Mapping[str, float] = field(default_factory=dict)  # this file's own overrides
    path: str | None = None
    resolved: Mapping[str, float] | None = None  # merged along the base chain, if known

    def title(self, lang: str) -> str:
        return str(self.name.get(lang) or self.name.get("en") or self.name.get("zh") or self.id)

    def text(self, lang: str) -> str:
        return str(self.description.get(lang) or self.description.get("en") or "")


def scenarios_dir() -> Path:
    """Folder of scenario files (``TERRITORIAL_SCENARIOS_DIR`` overrides it, e.g. in tests)."""
    env = os.environ.get("TERRITORIAL_SCENARIOS_DIR")
    return Path(env) if env else REPO_ROOT / "scenarios"


# ---------------------------------------------------------------------- parsing
def _bilingual(value: Any, source: str, key: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {"en": value, "zh": value}
    if isinstance(value, Mapping):
        bad = [k for k in value if k not in ("en", "zh")]
        if bad:
            raise ScenarioInputError(f"{source}: '{key}' may only have the keys en and zh, got '{bad[0]}'.")
        out = {}
        for k, v in value.items():
            if not isinstance(v, str):
                raise ScenarioInputError(f"{source}: '{key}.{k}' must be text, got {type(v).__name__}.")
            out[str(k)] = v
        return out
    raise ScenarioInputError(f"{source}: '{key}' must be a mapping {{en: ..., zh: ...}}, got {type(value).__name__}.")


def parse_scenario(
    data: Any, source: str, model, scenario_id: str | None = None
) -> ScenarioDoc:
    """Validate a parsed YAML mapping as a scenario (names, types and ranges)."""
    if not isinstance(data, Mapping):
        raise ScenarioInputError(
            f"{source}: the file must be a YAML mapping with 'name', 'description' and 'overrides', "
            f"got {type(data).__name__}."
        )
    unknown = [str(k) for k in data if str(k) not in _ALLOWED_TOP]
    if unknown:
        raise ScenarioInputError(
            f"{source}: unknown top-level key '{unknown[0]}' (allowed: name, description, base, overrides)."
        )
    overrides = data.get("overrides") or {}
    if not isinstance(overrides, Mapping):
        raise ScenarioInputError(
            f"{source}: 'overrides' must be a mapping of model constant names to numbers, "
            f"got {type(overrides).__name__}."
        )
    try:
        clean = model.validate_overrides(dict(overrides), source=source)
    except ModelInputError as err:
        raise ScenarioInputError(str(err)) from None
    base = data.get("base")
    if base is not None and not isinstance(base, str):
        raise ScenarioInputError(f"{source}: 'base' must be a scenario name, got {type(base).__name__}.")
    sid = scenario_id or Path(source).stem
    return ScenarioDoc(
        id=sid,
        name=_bilingual(data.get("name"), source, "name") or {"en": sid, "zh": sid},
        description=_bilingual(data.get("description"), source, "description"),
        base=base or None,
        overrides=clean,
    )


def _load_yaml_bytes(content: bytes | str, source: str) -> Any:
    """YAML text -> data; errors name the line and column."""
    if isinstance(content, bytes):
        if len(content) > MAX_FILE_BYTES:
            raise ScenarioInputError(f"{source}: the file is larger than {MAX_FILE_BYTES // 1000} kB.")
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ScenarioInputError(f"{source}: the file is not UTF-8 text.") from None
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as err:
        where = ""
        mark = getattr(err, "problem_mark", None)
        if mark is not None:
            where = f" (line {mark.line + 1}, column {mark.column + 1})"
        problem = getattr(err, "problem", None) or "syntax error"
        raise ScenarioInputError(f"{source}: not valid YAML{where}: {problem}.") from None
    return data


def parse_scenario_yaml(content: bytes | str, source: str, model) -> ScenarioDoc:
    """Minimal reader: parse YAML bytes as a scenario (no base merging)."""
    return parse_scenario(_load_yaml_bytes(content, source), source, model)


def read_scenario_file(path: Path, model) -> ScenarioDoc:
    """Minimal reader of one ``scenarios/*.yaml`` file (to be replaced by the library)."""
    doc = parse_scenario_yaml(path.read_bytes(), path.name, model)
    return ScenarioDoc(doc.id, doc.name, doc.description, doc.base, doc.overrides, str(path))


def scenario_to_yaml(name: Mapping[str, str], description: Mapping[str, str], base: str | None,
                     overrides: Mapping[str, float]) -> str:
    """Serialise a scenario in the file format (overrides sorted by name)."""
    doc: dict[str, Any] = {"name": dict(name), "description": dict(description)}
    if base and base != BASELINE_ID:
        doc["base"] = base
    doc["overrides"] = {k: _plain(v) for k, v in sorted(overrides.items())}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _plain(v: float) -> float | int:
    v = float(v)
    return int(v) if v.is_integer() and abs(v) < 1e15 else v


# ------------------------------------------------------------ starting scenarios
def _library():
    """The ``scenarios.loader`` module (list/load/validate scenario files), if present."""
    try:
        from scenarios import loader  # noqa: PLC0415
    except Exception:  # not written yet in this checkout: use the minimal reader below
        return None
    needed = ("list_scenarios", "load_scenario", "scenario_from_mapping", "ScenarioError")
    return loader if all(hasattr(loader, n) for n in needed) else None


def _doc_from_library(sc) -> ScenarioDoc:
    """A ``scenarios.Scenario`` as a ScenarioDoc (``resolved`` = overrides merged along ``base``)."""
    return ScenarioDoc(
        id=sc.key,
        name=dict(sc.name),
        description=dict(sc.description),
        base=sc.base,
        overrides=dict(getattr(sc, "own_overrides", sc.overrides)),
        path=str(sc.path) if sc.path is not None else None,
        resolved=dict(sc.overrides),
    )


def _files() -> dict[str, Path]:
    folder = scenarios_dir()
    if not folder.is_dir():
        return {}
    paths = sorted(list(folder.glob("*.yaml")) + list(folder.glob("*.yml")))
    return {p.stem: p for p in paths}


def load_doc(sid: str, model) -> ScenarioDoc:
    """One scenario by id (file stem): ``scenarios.load_scenario`` if present, else the minimal reader."""
    files = _files()
    if sid not in files:
        if sid == BASELINE_ID:
            return ScenarioDoc(BASELINE_ID, {"en": "Baseline (model defaults)", "zh": "基准情景（模型默认值）"},
                               resolved={})
        raise ScenarioInputError(
            f"unknown starting scenario '{sid}' (available: {', '.join([BASELINE_ID, *files])})."
        )
    lib = _library()
    if lib is not None:
        try:
            return _doc_from_library(lib.load_scenario(sid, directory=scenarios_dir()))
        except (lib.ScenarioError, ModelInputError) as err:
            raise ScenarioInputError(str(err)) from None
    return read_scenario_file(files[sid], model)


def list_start_scenarios(model) -> list[ScenarioDoc]:
    """The baseline first, then every readable scenario file (broken files are skipped)."""
    docs = [load_doc(BASELINE_ID, model)]
    for sid in _files():
        if sid == BASELINE_ID:
            continue
        try:
            docs.append(load_doc(sid, model))
        except (ScenarioInputError, OSError) as err:
            log.warning("scenario file %s skipped: %s", sid, err)
    return docs


def resolve_start(sid: str, model, _seen: tuple[str, ...] = ()) -> dict[str, float]:
    """Full overrides of a starting scenario, following ``base:`` (cycles are errors)."""
    if sid in _seen:
        raise ScenarioInputError(f"scenario '{sid}': circular 'base' chain {' -> '.join((*_seen, sid))}.")
    doc = load_doc(sid, model)
    if doc.resolved is not None:
        return dict(doc.resolved)
    merged: dict[str, float] = {}
    if doc.base and doc.base != sid:
        merged.update(resolve_start(doc.base, model, (*_seen, sid)))
    elif sid != BASELINE_ID and BASELINE_ID in _files():
        merged.update(resolve_start(BASELINE_ID, model, (*_seen, sid)))
    merged.update(doc.overrides)
    return merged


def parse_upload(content: bytes, filename: str, model) -> ScenarioDoc:
    """An uploaded scenario file, validated by the library (or the minimal reader)."""
    lib = _library()
    if lib is None:
        doc = parse_scenario_yaml(content, filename, model)
        base = resolve_start(doc.base, model) if doc.base else resolve_start(BASELINE_ID, model)
        return ScenarioDoc(doc.id, doc.name, doc.description, doc.base, doc.overrides, None,
                           {**base, **doc.overrides})
    data = _load_yaml_bytes(content, filename)
    try:
        sc = lib.scenario_from_mapping(data, source=filename, base_dir=scenarios_dir(), require_rationale=False)
    except (lib.ScenarioError, ModelInputError) as err:
        raise ScenarioInputError(str(err)) from None
    return _doc_from_library(sc)


def scenario_yaml(name: Mapping[str, str], description: Mapping[str, str], start: str,
                  own_overrides: Mapping[str, float], model) -> str:
    """YAML text of the current scenario: ``base`` = the starting scenario, own overrides."""
    lib = _library()
    if lib is None or not hasattr(lib, "scenario_to_yaml"):
        return scenario_to_yaml(name, description, start, own_overrides)
    data: dict[str, Any] = {"name": dict(name), "description": dict(description)}
    if start != BASELINE_ID or BASELINE_ID in _files():
        data["base"] = start
    data["overrides"] = {k: _plain(v) for k, v in sorted(own_overrides.items())}
    sc = lib.scenario_from_mapping(data, source="app", key="app_scenario", base_dir=scenarios_dir(),
                                   require_rationale=False)
    return lib.scenario_to_yaml(sc, flatten=False)


# --------------------------------------------------------------------- overrides
def effective_overrides(values: Mapping[str, float], model) -> dict[str, float]:
    """Only the constants whose value differs from the model default."""
    out = {}
    for name, v in values.items():
        if not _same(float(v), model.constants[name].default):
            out[name] = float(v)
    return out


def diff_from(start: Mapping[str, float], current: Mapping[str, float], model) -> dict[str, float]:
    """Constants whose current value differs from the starting scenario's value."""
    out = {}
    for name in sorted(set(start) | set(current)):
        d = model.constants[name].default
        a, b = float(start.get(name, d)), float(current.get(name, d))
        if not _same(a, b):
            out[name] = b
    return out


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def overrides_key(overrides: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """Hashable, order-independent key of an overrides mapping (for caches)."""
    return tuple(sorted((str(k), float(v)) for k, v in overrides.items()))


# --------------------------------------------------------------------------- URL
def _fmt(v: float) -> str:
    return format(float(v), ".10g")


def encode_url(lang: str, page: str, start: str, diff: Mapping[str, float], model,
               default_lang: str = "zh", default_page: str = "explore") -> dict[str, str]:
    """Query parameters of a scenario: language, page, start and the changed constants."""
    params: dict[str, str] = {}
    if lang != default_lang:
        params["lang"] = lang
    if page != default_page:
        params["page"] = page
    if start != BASELINE_ID:
        params["start"] = start
    for name, v in sorted(diff.items()):
        params[model.constants[name].py_name] = _fmt(v)
    return params


@dataclass(frozen=True)
class UrlState:
    lang: str | None
    page: str | None
    start: str | None
    diff: dict[str, float]


def decode_url(params: Mapping[str, Any], model, langs: tuple[str, ...], pages: tuple[str, ...]) -> UrlState:
    """Validate query parameters; raise :class:`ScenarioInputError` naming the key and range."""
    source = "link"

    def one(key: str) -> str:
        v = params[key]
        if isinstance(v, (list, tuple)):
            if len(v) != 1:
                raise ScenarioInputError(f"{source}: '{key}' is given {len(v)} times.")
            v = v[0]
        return str(v)

    lang = page = start = None
    if "lang" in params:
        lang = one("lang")
        if lang not in langs:
            raise ScenarioInputError(f"{source}: 'lang' must be one of {', '.join(langs)}, got '{lang}'.")
    if "page" in params:
        page = one("page")
        if page not in pages:
            raise ScenarioInputError(f"{source}: 'page' must be one of {', '.join(pages)}, got '{page}'.")
    if "start" in params:
        start = one("start")
    raw: dict[str, float] = {}
    for key in params:
        if key in URL_RESERVED:
            continue
        text = one(key)
        try:
            name = model.resolve(key)
        except ModelInputError as err:
            raise ScenarioInputError(f"{source}: {err}") from None
        try:
            value = float(text)
        except ValueError:
            c = model.constants.get(name)
            rng = f" in {c.range_text()}" if c is not None and c.adjustable else ""
            raise ScenarioInputError(f"{source}: '{key}' must be a number{rng}, got '{text}'.") from None
        raw[key] = value  # keyed as in the link, so messages name the link's key
    try:
        clean = model.validate_overrides(raw, source=source) if raw else {}
    except ModelInputError as err:
        raise ScenarioInputError(str(err)) from None
    return UrlState(lang, page, start, clean)
