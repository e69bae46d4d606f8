"""Scenario files, starting scenarios and the scenario encoded in the page URL.

Scenario YAML format (``scenarios/*.yaml``)::

    name: {en: Ecological function area, zh: 生态功能区}
    description: {en: ..., zh: ...}
    base: baseline            # optional: another scenario id this one starts from
    overrides:                # Vensim constant names -> numbers
      additional afforestation rate: 300

The ``scenarios`` package (``scenarios.loader``: ``list_scenarios``, ``load_scenario``,
``scenario_from_mapping``, ``scenario_to_yaml``) reads and validates these files; this
module only adapts its results for the app (uploads, URL, starting scenarios).

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


from models.model import ModelInputError
from scenarios import loader, writer
from scenarios.data_block import data_block_mapping
from scenarios.safe_yaml import InputError, UnsafeYamlError, YamlLimits, as_error, parse_yaml

log = logging.getLogger(__name__)

BASELINE_ID = "baseline"
REPO_ROOT = Path(__file__).resolve().parent.parent
#: Reserved URL query keys; every other key is a model constant (python or Vensim name).
URL_RESERVED = ("lang", "page", "start", "region", "cmp")
#: Limits of a link: number of query keys and length of one value (characters).
MAX_URL_KEYS = 120
MAX_URL_VALUE = 12_000
MAX_FILE_BYTES = 200_000


class ScenarioInputError(InputError):
    """A scenario file or link that cannot be used; the message is for the user
    (``err.text(lang)``: Chinese where the library gave a Chinese text)."""


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
    targets: Mapping[str, Any] | None = None  # the scenario's targets selection (region, inline, ...)
    scenario: loader.Scenario | None = None  # the library object (a base for uploads)
    initial_time: float | None = None  # the year its runs start (None: the model's INITIAL TIME)

    @property
    def data(self) -> Mapping[str, Any]:
        """The scenario's data inputs (time series), Vensim name -> ``DataSeries``."""
        return self.scenario.data if self.scenario is not None else {}

    def title(self, lang: str) -> str:
        return str(self.name.get(lang) or self.name.get("en") or self.name.get("zh") or self.id)

    def text(self, lang: str) -> str:
        return str(self.description.get(lang) or self.description.get("en") or "")


def scenarios_dir() -> Path:
    """Folder of scenario files (``TERRITORIAL_SCENARIOS_DIR`` overrides it, e.g. in tests)."""
    env = os.environ.get("TERRITORIAL_SCENARIOS_DIR")
    return Path(env) if env else REPO_ROOT / "scenarios"


# ------------------------------------------------------------------ scenario files
def _load_yaml_bytes(content: bytes | str, source: str) -> Any:
    """Uploaded YAML text -> data, parsed with limits (size, aliases, depth, time) before any work."""
    try:
        return parse_yaml(content, source, YamlLimits(max_bytes=MAX_FILE_BYTES))
    except UnsafeYamlError as err:
        raise as_error(ScenarioInputError, err) from None


def _plain(v: float) -> float | int:
    v = float(v)
    return int(v) if v.is_integer() and abs(v) < 1e15 else v


def doc_from_scenario(sc: loader.Scenario) -> ScenarioDoc:
    """Public form of :func:`_doc_from_library` (session scenarios made in the app)."""
    return _doc_from_library(sc)


def _doc_from_library(sc: loader.Scenario) -> ScenarioDoc:
    """A ``scenarios.Scenario`` as a ScenarioDoc (``resolved`` = overrides merged along ``base``)."""
    return ScenarioDoc(
        id=sc.key,
        name=dict(sc.name),
        description=dict(sc.description),
        base=sc.base,
        overrides=dict(sc.own_overrides),
        path=str(sc.path) if sc.path is not None else None,
        resolved=dict(sc.overrides),
        targets=sc.targets,
        scenario=sc,
        initial_time=sc.initial_time,
    )


def _scenario_ids() -> list[str]:
    """Ids (file stems) of the scenario files in :func:`scenarios_dir`."""
    return loader.list_scenarios(scenarios_dir())


def load_doc(sid: str, model) -> ScenarioDoc:
    """One scenario by id (file stem), read by ``scenarios.load_scenario``."""
    ids = _scenario_ids()
    if sid not in ids:
        if sid == BASELINE_ID:
            return ScenarioDoc(BASELINE_ID, {"en": "Baseline (model defaults)", "zh": "基准情景（模型默认值）"},
                               resolved={})
        raise ScenarioInputError(
            f"unknown starting scenario '{_clip(sid)}' (available: "
            f"{', '.join(dict.fromkeys([BASELINE_ID, *ids]))})."
        )
    try:
        return _doc_from_library(loader.load_scenario(sid, directory=scenarios_dir()))
    except (loader.ScenarioError, ModelInputError) as err:
        raise as_error(ScenarioInputError, err) from None


def list_start_scenarios(model) -> list[ScenarioDoc]:
    """The baseline first, then every readable scenario file (broken files are skipped)."""
    docs = [load_doc(BASELINE_ID, model)]
    for sid in _scenario_ids():
        if sid == BASELINE_ID:
            continue
        try:
            docs.append(load_doc(sid, model))
        except (ScenarioInputError, OSError) as err:
            log.warning("scenario file %s skipped: %s", sid, err)
    return docs


def resolve_start(sid: str, model) -> dict[str, float]:
    """Full overrides of a starting scenario, merged along ``base:`` by the library."""
    return dict(load_doc(sid, model).resolved or {})


def start_scenario_objects(extra: Mapping[str, loader.Scenario] | None = None) -> dict[str, loader.Scenario]:
    """The starting scenarios an uploaded file may name as ``base`` (bundled + ``extra``)."""
    out: dict[str, loader.Scenario] = {}
    for sid in _scenario_ids():
        try:
            out[sid] = loader.load_scenario(sid, directory=scenarios_dir())
        except (loader.ScenarioError, ModelInputError) as err:
            log.warning("scenario file %s skipped: %s", sid, err)
    out.update(extra or {})
    return out


def parse_upload(content: bytes, filename: str, model,
                 bases: Mapping[str, loader.Scenario] | None = None) -> ScenarioDoc:
    """An uploaded scenario file, validated by ``scenarios.scenario_from_mapping``.

    The text is parsed with limits first; ``base`` may only name one of ``bases``
    (default: the bundled starting scenarios) and the targets may name no file."""
    data = _load_yaml_bytes(content, filename)
    try:
        sc = loader.scenario_from_mapping(data, source=filename, require_rationale=False,
                                          extra_bases=start_scenario_objects() if bases is None else bases)
    except (loader.ScenarioError, ModelInputError) as err:
        raise as_error(ScenarioInputError, err) from None
    return _doc_from_library(sc)


def scenario_yaml(name: Mapping[str, str], description: Mapping[str, str], start: str,
                  own_overrides: Mapping[str, float], model,
                  session_bases: Mapping[str, loader.Scenario] | None = None) -> str:
    """YAML text of the current scenario: ``base`` = the starting scenario, own overrides.

    A starting scenario of the session only (``session_bases``, e.g. a region calibrated
    in the app) is written out in full instead (its overrides and targets), so that the
    file can be opened in any session."""
    data: dict[str, Any] = {"name": dict(name), "description": dict(description)}
    own_base = (session_bases or {}).get(start)
    overrides = dict(own_overrides)
    if own_base is not None:
        overrides = {**own_base.overrides, **overrides}
        if own_base.targets:
            data["targets"] = writer.thaw(own_base.targets)
        if own_base.initial_time is not None:
            data["time"] = {"initial_time": own_base.initial_time}
        if own_base.data:
            data["data"] = data_block_mapping(own_base.data)
    elif start != BASELINE_ID or BASELINE_ID in _scenario_ids():
        data["base"] = start
    data["overrides"] = {k: _plain(v) for k, v in sorted(overrides.items())}
    sc = loader.scenario_from_mapping(data, source="app", key="app_scenario", require_rationale=False,
                                      extra_bases=start_scenario_objects())
    return writer.scenario_to_yaml(sc, flatten=False)


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
    """Equal up to the precision links and saved sessions keep (10 significant digits,
    ``format(v, ".10g")``), so a value restored from a link is not a change."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def overrides_key(overrides: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    """Hashable, order-independent key of an overrides mapping (for caches)."""
    return tuple(sorted((str(k), float(v)) for k, v in overrides.items()))


# --------------------------------------------------------------------------- URL
def _fmt(v: float) -> str:
    return format(float(v), ".10g")


def encode_url(lang: str, page: str, start: str, diff: Mapping[str, float], model,
               default_lang: str = "zh", default_page: str = "explore",
               extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Query parameters of a scenario: language, page, start, ``extra`` (``region``,
    ``cmp`` blobs of :mod:`webapp.links`) and the changed constants."""
    params: dict[str, str] = {}
    if lang != default_lang:
        params["lang"] = lang
    if page != default_page:
        params["page"] = page
    if start != BASELINE_ID and not (extra or {}).get("region"):
        params["start"] = start
    params.update({k: v for k, v in (extra or {}).items() if v})
    for name, v in sorted(diff.items()):
        params[model.constants[name].py_name] = _fmt(v)
    return params


@dataclass(frozen=True)
class UrlState:
    lang: str | None
    page: str | None
    start: str | None
    diff: dict[str, float]
    region: str | None = None  # blob of a session's own region scenario (webapp.links)
    cmp: str | None = None  # blob of the saved comparison set


def decode_url(params: Mapping[str, Any], model, langs: tuple[str, ...], pages: tuple[str, ...]) -> UrlState:
    """Validate query parameters; raise :class:`ScenarioInputError` naming the key and range."""
    source = "link"
    if len(params) > MAX_URL_KEYS:
        raise ScenarioInputError(f"{source}: more than {MAX_URL_KEYS} parameters.")

    def one(key: str) -> str:
        v = params[key]
        if isinstance(v, (list, tuple)):
            if len(v) != 1:
                raise ScenarioInputError(f"{source}: '{_clip(key)}' is given {len(v)} times.")
            v = v[0]
        if len(str(v)) > MAX_URL_VALUE:
            raise ScenarioInputError(f"{source}: '{_clip(key)}' is longer than {MAX_URL_VALUE:,} characters.")
        return str(v)

    lang = page = start = None
    if "lang" in params:
        lang = one("lang")
        if lang not in langs:
            raise ScenarioInputError(f"{source}: 'lang' must be one of {', '.join(langs)}, got '{_clip(lang)}'.")
    if "page" in params:
        page = one("page")
        if page not in pages:
            raise ScenarioInputError(f"{source}: 'page' must be one of {', '.join(pages)}, got '{_clip(page)}'.")
    if "start" in params:
        start = one("start")
    region = one("region") if "region" in params else None
    cmp = one("cmp") if "cmp" in params else None
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
            raise ScenarioInputError(
                f"{source}: '{_clip(key)}' must be a number{rng}, got '{_clip(text)}'.") from None
        raw[key] = value  # keyed as in the link, so messages name the link's key
    try:
        clean = model.validate_overrides(raw, source=source) if raw else {}
    except ModelInputError as err:
        raise as_error(ScenarioInputError, err) from None
    return UrlState(lang, page, start, clean, region, cmp)


def _clip(text: str, n: int = 60) -> str:
    """User text quoted in a message, shortened."""
    text = str(text)
    return text if len(text) <= n else text[:n] + "…"
