"""Scenario files: load, validate, merge base chains (情景文件的读取与校验); writing is
:mod:`scenarios.writer`.

A scenario file ``scenarios/<key>.yaml`` looks like::

    name: {en: "Dual-carbon policy package", zh: "双碳政策组合"}
    description: {en: "...", zh: "..."}
    base: baseline            # optional: the overrides of scenarios/baseline.yaml come first
    overrides:                # model constants, Vensim names (PySD python names accepted)
      non fossil mandate for new supply: 0.5
    data:                     # optional: region-specific historical time series of data
                              # inputs (scenarios/data_block.py): {constant: {source, values}}
    rationale:                # why each value was chosen, one entry per override
      non fossil mandate for new supply: {en: "...", zh: "..."}
    calibration: {...}        # optional metadata block written by the calibration
    targets: {region: xiongan}   # optional: targets set: a region of analysis/targets.yaml,
                                 # region_file (a file next to the scenario file or a
                                 # bundled one in analysis/) and/or inline (the content
                                 # of such a region file written in the scenario)
    time: {initial_time: 2000}   # optional: the run starts later than the model's INITIAL
                                 # TIME (a region with later data); its initial values
                                 # (e.g. "initial urban population") are then that year's

Rules (every violation is a :class:`ScenarioError` naming the file and the key):

* top-level keys are the ones above; ``name`` and ``description`` need non-empty ``en``
  and ``zh`` texts;
* ``overrides`` is a mapping of model constants to numbers inside the ranges declared
  in the model file (checked by :meth:`models.model.TerritorialModel.validate_overrides`,
  which also checks that the initial land shares add up to at most 1);
* ``base`` names another scenario file by its key (a plain name, no folder), looked up
  in the same folder first and then among the bundled scenarios (so a user's file
  anywhere can say ``base: baseline``); a base that leads out of those folders (``..``,
  an absolute path, a symbolic link out of the folder) is refused. A scenario that is
  not a file (an upload, a link: ``scenario_from_mapping`` without ``base_dir``) may
  only name bundled scenarios and the ``extra_bases`` given by the caller, and no file
  at all in ``targets``. Its (merged) overrides are applied first, then this file's;
  cycles, missing bases and chains longer than :data:`MAX_BASE_DEPTH` are errors;
* ``rationale`` has one ``{en, zh}`` entry per override of *this* file.  A file with a
  ``calibration`` block may omit rationale for its (calibrated) constants: they get a
  standard "calibrated" rationale.  ``require_rationale=False`` (for files made in the
  app) fills missing entries with "no rationale given";
* ``calibration`` is free-form metadata (a mapping); a scenario without one inherits
  the block of its base chain, because it runs on the base's calibrated constants;
* ``time.initial_time`` is a year (a whole number) from the model's INITIAL TIME to one
  saved step before its FINAL TIME; a scenario without one inherits its base's, because
  its initial values belong to that year.

Values are in the units of the model file (areas 10^4 ha, population 10^4 persons,
emissions Mt CO2/yr, ...); see ``python -c "from models.model import list_constants;
print(list_constants())"``.
"""

from __future__ import annotations

import copy
import difflib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import pandas as pd

from models.model import ModelInputError, load_model
from scenarios.data_block import DataSeries, as_series, extend_series, parse_data_block
from scenarios.safe_yaml import PLAIN_NAME, InputError, UnsafeYamlError, as_error, parse_yaml, read_confined
from scenarios.targets_block import targets_block
from scenarios.targets_block import freeze as _freeze

__all__ = [
    "SCENARIO_DIR",
    "TOP_LEVEL_KEYS",
    "LANGUAGES",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "list_scenarios",
    "scenario_from_mapping",
]

#: Folder of the bundled scenario files.
SCENARIO_DIR: Path = Path(__file__).resolve().parent

#: Allowed top-level keys of a scenario file.
TOP_LEVEL_KEYS: tuple[str, ...] = (
    "name",
    "description",
    "base",
    "overrides",
    "data",
    "rationale",
    "calibration",
    "targets",
    "time",
)
#: Longest ``base`` chain (a scenario, its base, the base's base ...).
MAX_BASE_DEPTH = 16
#: Keys of the ``time`` block.
TIME_KEYS: tuple[str, ...] = ("initial_time",)

#: Languages every user-facing text must have.
LANGUAGES: tuple[str, ...] = ("en", "zh")

_KEY_RE = re.compile(r"[^A-Za-z0-9_\-]+")

_CALIBRATED = MappingProxyType(
    {
        "en": "Calibrated: fitted to the historical series (see the calibration block).",
        "zh": "校准值：依据历史数据拟合（见 calibration 部分）。",
    }
)
_NO_RATIONALE = MappingProxyType({"en": "No rationale given.", "zh": "未给出理由。"})


class ScenarioError(InputError):
    """A scenario file or mapping is invalid; the message names the file and the key
    (``str(err)`` in English; ``err.zh`` in Chinese where one is given)."""


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario.

    Attributes:
        key: identifier, the file name without ``.yaml`` (e.g. ``dual_carbon``).
        name: display name, ``{'en': ..., 'zh': ...}``.
        description: description, ``{'en': ..., 'zh': ...}``.
        overrides: constant overrides merged along the base chain, Vensim name →
            value in the unit of the model file.
        rationale: Vensim name → ``{'en', 'zh'}`` reason, for every key of ``overrides``.
        calibration: the calibration metadata block (own or inherited), or None.
        path: the file the scenario was read from (None for a mapping).
        base: key of the declared base scenario, or None.
        own_overrides: the overrides declared in this file only (Vensim names).
        targets: optional targets selection ``{'region': ..., 'region_file': ...,
            'inline': {...}}`` (``region_file`` resolved to an absolute path inside the
            allowed folders), or None for the national set.
        initial_time: the year the runs of this scenario start (own or inherited), or
            None for the model's INITIAL TIME.
        data: historical data inputs given as time series (own or inherited), Vensim
            name -> :class:`~scenarios.data_block.DataSeries`.
    """

    key: str
    name: Mapping[str, str]
    description: Mapping[str, str]
    overrides: Mapping[str, float]
    rationale: Mapping[str, Mapping[str, str]]
    calibration: Mapping[str, Any] | None = None
    path: Path | None = None
    base: str | None = None
    own_overrides: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    targets: Mapping[str, Any] | None = None
    initial_time: float | None = None
    data: Mapping[str, DataSeries] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def inputs(self) -> dict[str, float | pd.Series]:
        """What a run of this scenario needs: the overrides and the data inputs (as
        ``pandas.Series`` by year), Vensim name -> value. Pass this, not ``overrides``,
        to a simulation, so a region's data inputs are never lost."""
        return {**self.overrides, **as_series(self.data)}

    def label(self, lang: str = "en") -> str:
        """Display name in ``lang`` ('en' or 'zh')."""
        return self.name["zh" if lang == "zh" else "en"]

    def text(self, lang: str = "en") -> str:
        """Description in ``lang`` ('en' or 'zh')."""
        return self.description["zh" if lang == "zh" else "en"]


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def list_scenarios(directory: str | Path = SCENARIO_DIR) -> list[str]:
    """Keys of the scenario files in ``directory`` (``baseline`` first, then by name)."""
    keys = sorted(p.stem for p in Path(directory).glob("*.yaml"))
    return sorted(keys, key=lambda k: (k != "baseline", k))


def load_scenario(
    name_or_path: str | Path,
    *,
    directory: str | Path = SCENARIO_DIR,
    require_rationale: bool = True,
) -> Scenario:
    """Load and validate a scenario by key (``'dual_carbon'``) or by file path.

    Args:
        name_or_path: a key of a file in ``directory`` or a path to a ``.yaml`` file.
        directory: folder searched for keys (default: the bundled ``scenarios/``).
        require_rationale: when True every override of a file needs a rationale.

    Raises:
        ScenarioError: unknown scenario, unreadable file or any validation error.
    """
    return _load_file(_locate(name_or_path, Path(directory)), (), require_rationale)


def scenario_from_mapping(
    data: Any,
    source: str = "<mapping>",
    *,
    key: str | None = None,
    base_dir: str | Path | None = None,
    require_rationale: bool = True,
    extra_bases: Mapping[str, Scenario] | None = None,
) -> Scenario:
    """Validate a parsed scenario (e.g. an uploaded YAML file) and build a :class:`Scenario`.

    Args:
        data: the parsed YAML mapping (parse uploads with :func:`scenarios.safe_yaml.parse_yaml`).
        source: name used in error messages (e.g. the uploaded file name).
        key: scenario key; default: the stem of ``source`` made identifier-safe.
        base_dir: folder of the file the data came from: ``base`` and
            ``targets.region_file`` are then also looked up there. None (default) for
            data that is not a file of the caller's (an upload, a link): ``base`` may
            then only name a bundled scenario or one of ``extra_bases``, and ``targets``
            may name no file.
        require_rationale: see :func:`load_scenario`.
        extra_bases: further scenarios a ``base`` may name (e.g. those saved in an app
            session), by key; they take precedence over bundled files.
    """
    if key is None:
        key = _KEY_RE.sub("_", Path(str(source)).stem).strip("_") or "custom"
    return _build(data, source, key, None, None if base_dir is None else Path(base_dir), (), require_rationale,
                  extra_bases or {})


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def _locate(name_or_path: str | Path, directory: Path) -> Path:
    text = str(name_or_path)
    candidate = Path(text)
    if candidate.suffix in (".yaml", ".yml") or os.sep in text or candidate.exists():
        if not candidate.is_file():
            raise ScenarioError(f"{candidate}: scenario file not found")
        return candidate.resolve()
    path = directory / f"{text}.yaml"
    if path.is_file():
        return path.resolve()
    known = list_scenarios(directory)
    close = difflib.get_close_matches(text, known, n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise ScenarioError(
        f"unknown scenario '{text}' (no file {path}).{hint} Available: {', '.join(known)}"
    )


def _read_yaml(path: Path) -> Any:
    """Parse a scenario file with the limits of :func:`scenarios.safe_yaml.parse_yaml`."""
    try:
        _, content = read_confined(path.name, [path.parent], str(path), what="scenario file")
        return parse_yaml(content, str(path))
    except UnsafeYamlError as exc:
        raise as_error(ScenarioError, exc) from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the file ({type(exc).__name__})") from None


def _load_file(path: Path, chain: tuple[Path, ...], require_rationale: bool) -> Scenario:
    if path in chain:
        cycle = " -> ".join(p.stem for p in (*chain, path))
        raise ScenarioError(f"{chain[-1]}: 'base' makes a cycle: {cycle}")
    data = _read_yaml(path)
    return _build(data, str(path), path.stem, path, path.parent, (*chain, path), require_rationale, {})


def _build(
    data: Any,
    source: str,
    key: str,
    path: Path | None,
    base_dir: Path | None,
    chain: tuple[Path, ...],
    require_rationale: bool,
    extra_bases: Mapping[str, Scenario],
) -> Scenario:
    """Validate one parsed scenario and merge it with its base chain.

    ``base_dir`` is the folder of the file (None: data that is not a file, which may
    name no file); ``extra_bases`` are further scenarios ``base`` may name."""
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else type(data).__name__
        raise ScenarioError(f"{source}: a scenario must be a mapping of {list(TOP_LEVEL_KEYS)}, got {kind}")
    unknown = [str(k) for k in data if k not in TOP_LEVEL_KEYS]
    if unknown:
        hints = [
            f"'{u}'" + (f" (did you mean '{m[0]}'?)" if (m := difflib.get_close_matches(u, TOP_LEVEL_KEYS, 1)) else "")
            for u in unknown
        ]
        raise ScenarioError(
            f"{source}: unknown top-level key(s) {', '.join(hints)}; allowed: {', '.join(TOP_LEVEL_KEYS)}"
        )
    name = _texts(source, "name", data.get("name"))
    description = _texts(source, "description", data.get("description"))

    base = _load_base(source, data.get("base"), base_dir, chain, require_rationale, extra_bases)
    calibration = _calibration(source, data.get("calibration"))
    own_raw = _overrides_mapping(source, data.get("overrides"))

    model = load_model()
    own_names: dict[str, str] = {}  # Vensim name -> key as written
    for raw_key in own_raw:
        try:
            vensim = model.resolve_constant(str(raw_key))
        except ModelInputError as err:
            raise ScenarioError(f"{source}: overrides: {err}") from None
        if vensim in own_names:
            raise ScenarioError(
                f"{source}: overrides: '{raw_key}' and '{own_names[vensim]}' name the same "
                f"constant '{vensim}'"
            )
        own_names[vensim] = str(raw_key)
    own_data = parse_data_block(source, data.get("data"), model, own_names, ScenarioError)
    for const, entry in list(own_data.items()):
        if entry.extends:
            if base is None or const not in base.data:
                raise ScenarioError(f"{source}: data.{const}.extends: the base scenario has no series of "
                                    f"'{const}' to continue; give the whole series or remove 'extends'")
            own_data[const] = extend_series(base.data[const], entry)
    inherited = {} if base is None else {
        k: v for k, v in base.overrides.items() if k not in own_names and k not in own_data}
    inherited_data = {} if base is None else {
        k: v for k, v in base.data.items() if k not in own_names and k not in own_data}
    try:
        validated = model.validate_overrides({**inherited, **own_raw}, source=f"{source}: overrides")
    except ModelInputError as err:
        raise ScenarioError(str(err)) from None
    own = {name: validated[name] for name in own_names if name in validated}
    merged = {**inherited, **own}

    own_rationale = _rationale(source, data.get("rationale"), own_names, model)
    filler = _CALIBRATED if calibration is not None else (_NO_RATIONALE if not require_rationale else None)
    missing = [own_names[n] for n in own if n not in own_rationale]
    if missing and filler is None:
        raise ScenarioError(
            f"{source}: rationale: missing entry for override(s) {', '.join(repr(m) for m in missing)}; "
            "give {en: ..., zh: ...} for each (cite a seed file or state that it is an assumption)"
        )
    rationale = {} if base is None else {k: base.rationale[k] for k in inherited}
    for name_ in own:
        rationale[name_] = own_rationale.get(name_, filler)

    if calibration is None and base is not None:
        calibration = base.calibration
    targets = targets_block(source, data.get("targets"), base_dir, ScenarioError)
    if targets is None and base is not None:
        targets = base.targets
    initial_time = _initial_time(source, data.get("time"), model)
    if initial_time is None and base is not None:
        initial_time = base.initial_time

    return Scenario(
        key=key,
        name=MappingProxyType(name),
        description=MappingProxyType(description),
        overrides=MappingProxyType(merged),
        rationale=MappingProxyType({k: MappingProxyType(dict(v)) for k, v in rationale.items()}),
        calibration=calibration,
        path=path,
        base=None if base is None else base.key,
        own_overrides=MappingProxyType(own),
        targets=targets,
        initial_time=initial_time,
        data=MappingProxyType({**inherited_data, **own_data}),
    )


# --------------------------------------------------------------------------------------
# Field validators
# --------------------------------------------------------------------------------------


def _texts(source: str, field_name: str, value: Any) -> dict[str, str]:
    """Validate a ``{en: ..., zh: ...}`` text mapping."""
    if value is None:
        raise ScenarioError(f"{source}: missing '{field_name}' ({{en: ..., zh: ...}} required)")
    if not isinstance(value, Mapping):
        raise ScenarioError(
            f"{source}: '{field_name}' must be a mapping {{en: ..., zh: ...}}, got {type(value).__name__}"
        )
    extra = [str(k) for k in value if k not in LANGUAGES]
    if extra:
        raise ScenarioError(
            f"{source}: '{field_name}': unknown language(s) {extra}; allowed: {list(LANGUAGES)}"
        )
    out = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise ScenarioError(
                f"{source}: '{field_name}.{lang}' is missing or empty (a non-empty string is required)"
            )
        out[lang] = _join_cjk_lines(text.strip()) if lang == "zh" else text.strip()
    return out


_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_CJK_FOLD_RE = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}0-9])")


def _join_cjk_lines(text: str) -> str:
    """Drop the space YAML folding puts where a Chinese line was broken (``>-`` blocks)."""
    return _CJK_FOLD_RE.sub("", text)


def _overrides_mapping(source: str, value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ScenarioError(
            f"{source}: 'overrides' must be a mapping of model constant names to numbers, "
            f"got {type(value).__name__}"
        )
    for k in value:
        if not isinstance(k, str):
            raise ScenarioError(f"{source}: overrides: key {k!r} must be a constant name (string)")
    return value


def _rationale(
    source: str, value: Any, own_names: Mapping[str, str], model: Any
) -> dict[str, dict[str, str]]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ScenarioError(
            f"{source}: 'rationale' must be a mapping of override names to {{en: ..., zh: ...}}, "
            f"got {type(value).__name__}"
        )
    out: dict[str, dict[str, str]] = {}
    for raw_key, texts in value.items():
        try:
            vensim = model.resolve(str(raw_key))
        except ModelInputError as err:
            raise ScenarioError(f"{source}: rationale: {err}") from None
        if vensim not in own_names:
            raise ScenarioError(
                f"{source}: rationale: '{raw_key}' is not overridden in this file "
                "(rationale entries must match the overrides)"
            )
        out[vensim] = _texts(source, f"rationale.{raw_key}", texts)
    return out


def _calibration(source: str, value: Any) -> Mapping[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ScenarioError(
            f"{source}: 'calibration' must be a mapping (metadata block), got {type(value).__name__}"
        )
    return _freeze(copy.deepcopy(dict(value)))


def _initial_time(source: str, value: Any, model: Any) -> float | None:
    """The validated ``time.initial_time`` (a year), or None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{source}: 'time' must be a mapping {{initial_time: YEAR}}, got {type(value).__name__}")
    extra = [str(k) for k in value if k not in TIME_KEYS]
    if extra:
        raise ScenarioError(f"{source}: time: unknown key(s) {extra}; allowed: {list(TIME_KEYS)}")
    year = value.get("initial_time")
    if year is None:
        return None
    ts = model.time_settings
    lo, hi = ts["INITIAL TIME"], ts["FINAL TIME"] - ts["SAVEPER"]
    allowed = f"a year (whole number) in [{lo:g}, {hi:g}]"
    if isinstance(year, bool) or not isinstance(year, (int, float)) or not math.isfinite(year) \
            or float(year) != math.floor(year):
        raise ScenarioError(f"{source}: time.initial_time must be {allowed}, got {str(year)[:40]!r}")
    if not lo <= float(year) <= hi:
        raise ScenarioError(f"{source}: time.initial_time {float(year):g} is outside {allowed}")
    return float(year)


def _load_base(
    source: str, value: Any, base_dir: Path | None, chain: tuple[Path, ...], require_rationale: bool,
    extra_bases: Mapping[str, Scenario],
) -> Scenario | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(f"{source}: 'base' must be the key of another scenario file, got {type(value).__name__}")
    value = value.strip()
    if not PLAIN_NAME.match(value) or value.endswith((".yaml", ".yml")):
        raise ScenarioError(
            f"{source}: 'base' must be the key of a scenario (its file name without .yaml, no folder), "
            f"got '{value[:80]}'")
    if value in extra_bases:
        return extra_bases[value]
    folders = list(dict.fromkeys(([base_dir.resolve()] if base_dir is not None else []) + [SCENARIO_DIR.resolve()]))
    path = None
    for folder in folders:
        try:
            path, _ = read_confined(f"{value}.yaml", [folder], f"{source}: base", what="scenario file")
        except UnsafeYamlError as err:
            if "not found" not in str(err):
                raise as_error(ScenarioError, err) from None
            continue
        break
    if path is None:
        known = list(dict.fromkeys([*extra_bases, *(k for folder in folders for k in list_scenarios(folder))]))
        close = difflib.get_close_matches(value, known, n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        where = " or ".join(f.name + "/" for f in folders)
        raise ScenarioError(
            f"{source}: base scenario '{value}' not found in {where}.{hint} Available: {', '.join(known)}"
        )
    if path in chain:
        cycle = " -> ".join(p.stem for p in (*chain, path))
        raise ScenarioError(f"{source}: 'base' makes a cycle: {cycle}")
    if len(chain) >= MAX_BASE_DEPTH:
        raise ScenarioError(
            f"{source}: the 'base' chain is longer than {MAX_BASE_DEPTH} scenarios "
            f"({chain[0].stem} -> ... -> {path.stem}); base a scenario on one with fewer bases",
            f"{source}：'base' 链超过 {MAX_BASE_DEPTH} 个情景（{chain[0].stem} -> ... -> {path.stem}）；"
            "请以基础链更短的情景为 base")
    return _load_file(path, chain, require_rationale)
