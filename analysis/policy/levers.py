"""Policy levers, lever groups and scenarios for the policy analysis (政策杠杆与情景).

* A *lever* is an adjustable constant of ``models/territorial_carbon.mdl`` (its range
  ``[min, max, step]`` and unit come from the Vensim file; its display names from the
  catalogue :data:`analysis.lever_catalogue.LEVERS`). The model's own policy levers are
  the constants whose comment starts with "Policy lever"; they take effect from
  ``policy start year``, so they never change history.
* A *lever group* is a named set of constants ({en, zh} → constants) used as one
  player in the attribution; groups are data (``data/lever_groups.yaml``).
* A *scenario* is a mapping of constant overrides (Vensim name → value, model unit),
  given as a dict or a YAML file (with an ``overrides:`` mapping or flat).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import yaml

from analysis.lever_catalogue import LEVERS
from models.model import MODEL_PATH, ModelInputError, load_model

__all__ = [
    "DATA_DIR",
    "DEFAULT_GROUPS_PATH",
    "EXAMPLE_POLICY_PATH",
    "Lever",
    "LeverGroup",
    "PolicyConfigError",
    "policy_levers",
    "lever",
    "label",
    "load_groups",
    "load_scenario",
    "groups_for",
]

DATA_DIR = Path(__file__).with_name("data")
DEFAULT_GROUPS_PATH = DATA_DIR / "lever_groups.yaml"
EXAMPLE_POLICY_PATH = DATA_DIR / "example_policy.yaml"

class PolicyConfigError(ValueError):
    """Invalid lever group, scenario or target configuration; names the source and key."""


@dataclass(frozen=True)
class Lever:
    """An adjustable model constant with its declared range (model units)."""

    name: str
    en: str
    zh: str
    default: float
    minimum: float
    maximum: float
    step: float | None
    units: str

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class LeverGroup:
    """A named set of constants attributed together (one Shapley player)."""

    key: str
    en: str
    zh: str
    constants: tuple[str, ...]

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


def label(name: str, lang: str = "en") -> str:
    """Display name of a constant (Chinese/English from the lever catalogue, else the name)."""
    text = LEVERS.get(name)
    if text is None:
        return name
    return text.zh if lang == "zh" else text.en


def lever(name: str, mdl_path: str | Path = MODEL_PATH) -> Lever:
    """The :class:`Lever` of any adjustable constant (Vensim or python spelling)."""
    model = load_model(mdl_path)
    vname = model.resolve(name)
    const = model.constants.get(vname)
    if const is None or not const.adjustable:
        raise ModelInputError(f"'{name}' is not an adjustable constant of the model")
    return Lever(
        name=vname, en=label(vname, "en"), zh=label(vname, "zh"), default=const.default,
        minimum=float(const.minimum), maximum=float(const.maximum), step=const.step,
        units=const.units,
    )


def policy_levers(mdl_path: str | Path = MODEL_PATH) -> list[Lever]:
    """The model's policy levers (comment starts with "Policy lever"), in file order."""
    model = load_model(mdl_path)
    return [
        lever(name, mdl_path)
        for name, c in model.constants.items()
        if c.comment.strip().lower().startswith("policy lever")
    ]


_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def load_groups(
    source: str | Path | Mapping[str, Any] | None = None, mdl_path: str | Path = MODEL_PATH
) -> list[LeverGroup]:
    """Lever groups from a YAML file, a mapping, or the default file (None).

    Accepted forms: ``{groups: {key: {en, zh, constants: [...]}}}`` or the inner
    mapping directly; a group may also be given as a bare list of constants (then
    en = zh = key). Names are resolved to Vensim names; unknown or non-adjustable
    constants, a constant in two groups, and empty groups are errors naming the key.
    """
    where = "lever groups"
    if source is None:
        source = DEFAULT_GROUPS_PATH
    if isinstance(source, (str, Path)):
        where = str(source)
        try:
            raw = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise PolicyConfigError(f"{where}: cannot read lever groups ({exc})") from None
    else:
        raw = source
    if isinstance(raw, Mapping) and "groups" in raw:
        raw = raw["groups"]
    if not isinstance(raw, Mapping) or not raw:
        raise PolicyConfigError(f"{where}: expected a non-empty mapping of groups")
    seen: dict[str, str] = {}
    groups: list[LeverGroup] = []
    for key, spec in raw.items():
        key = str(key)
        if not _KEY_RE.match(key):
            raise PolicyConfigError(f"{where}: group key {key!r} must be an identifier")
        if isinstance(spec, (list, tuple)):
            spec = {"constants": list(spec)}
        if not isinstance(spec, Mapping) or "constants" not in spec:
            raise PolicyConfigError(f"{where}: group '{key}' needs a list 'constants'")
        consts = spec["constants"]
        if isinstance(consts, str):
            consts = [consts]
        if not consts:
            raise PolicyConfigError(f"{where}: group '{key}' has no constants")
        names = []
        for c in consts:
            try:
                lv = lever(str(c), mdl_path)
            except ModelInputError as exc:
                raise PolicyConfigError(f"{where}: group '{key}': {exc}") from None
            if lv.name in seen:
                raise PolicyConfigError(
                    f"{where}: constant '{lv.name}' is in groups '{seen[lv.name]}' and '{key}'"
                )
            seen[lv.name] = key
            names.append(lv.name)
        groups.append(
            LeverGroup(key=key, en=str(spec.get("en", key)), zh=str(spec.get("zh", spec.get("en", key))),
                       constants=tuple(names))
        )
    return groups


def load_scenario(
    source: str | Path | Mapping[str, Any] | None, mdl_path: str | Path = MODEL_PATH
) -> dict[str, float]:
    """Validated constant overrides (Vensim name → float) from a mapping or YAML file.

    A YAML file may hold ``overrides: {...}`` (other keys such as name/description are
    ignored) or a flat mapping. None means no overrides (model defaults).
    Raises :class:`models.model.ModelInputError` naming the file and key.
    """
    if source is None:
        return {}
    where = "scenario"
    if isinstance(source, (str, Path)):
        where = str(source)
        from scenarios import ScenarioError, list_scenarios
        from scenarios import load_scenario as load_scenario_file

        if str(source) in list_scenarios() or _is_scenario_file(source):
            # A scenario key or scenario file: the scenario loader merges its base chain.
            try:
                return dict(load_scenario_file(source).inputs)
            except ScenarioError as exc:
                raise PolicyConfigError(str(exc)) from None
        try:
            raw = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PolicyConfigError(f"{where}: cannot read scenario ({exc})") from None
    else:
        raw = source
    if isinstance(raw, Mapping) and "overrides" in raw:
        raw = raw["overrides"] or {}
    if not isinstance(raw, Mapping):
        raise PolicyConfigError(f"{where}: expected a mapping of constant overrides")
    return load_model(mdl_path).validate_overrides(raw, source=where)


def _is_scenario_file(path: str | Path) -> bool:
    """True for a YAML file in the scenario format (it has a ``name`` and ``overrides``)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(raw, Mapping) and "name" in raw and "overrides" in raw and isinstance(raw["name"], Mapping)


def groups_for(constants: Iterable[str], groups: Sequence[LeverGroup]) -> dict[str, str]:
    """Map each constant to its group key ('' if in no group)."""
    owner = {c: g.key for g in groups for c in g.constants}
    return {c: owner.get(c, "") for c in constants}
