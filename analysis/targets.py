"""Targets and indicators with pass/fail and margin (目标与指标评估).

Targets are data: ``analysis/targets.yaml`` holds the national (China) default set and
region-specific changes; a separate region file can be loaded as well.  The YAML is
validated on load; every error names the file and the offending key.

Kinds of target (``Target.kind``)
---------------------------------
``turning_point_by``
    A turning point of :mod:`analysis.turning_points` (e.g. ``tp3`` emission peak,
    ``neutrality``) must occur in or before ``deadline``.  ``value`` = turning-point
    year, ``margin`` = deadline − year in years (positive = earlier than required).
    When the turning point is not identified, the status decides: a boundary at the
    start (``before_start``, turning point at or before the start ``s``) passes if
    ``s <= deadline`` with margin ``deadline − s`` as a lower bound; not reached by the
    end ``e`` of the horizon fails if ``e > deadline`` (for threshold events such as
    neutrality also ``e == deadline``, because the condition is then known to fail at
    the deadline) with margin ``deadline − e`` as an upper bound; otherwise it is not
    evaluable (``passed = None``).
``level_at_year``
    ``variable`` at ``year`` compared with ``threshold`` by ``op`` (``>=`` or ``<=``).
    The value is read at that time, linearly interpolated between neighbouring
    output times if needed; outside the results' time range it is not evaluable.
    ``margin`` = value − threshold for ``>=`` and threshold − value for ``<=``.
``level_all_years``
    Same comparison for every output time in [``from_year``, ``to_year``] (``null`` =
    start/end of the results); ``value`` is the worst value in the span (minimum for
    ``>=``, maximum for ``<=``) and the reason names the first violation.
``reduction_from_base``
    reduction = 1 − x(year)/x(base_year) must be ``>= threshold`` (fraction); x(base)
    from the results, or ``base_value`` when the base year is outside them.
    ``margin`` = reduction − threshold (fraction).

Model variables (PySD python names, units) used by the default set
-------------------------------------------------------------------
``gross_emissions`` (Mt CO2/yr), ``land_carbon_sink`` (Mt CO2/yr, removals positive),
``net_emissions`` (Mt CO2/yr), ``cropland`` (10^4 ha), ``forest_coverage`` (%),
``construction_land_per_capita`` (m2/person), ``co2_per_unit_gdp`` (t CO2 per thousand
int$), ``non_fossil_share_of_primary_energy`` (fraction 0–1), ``total_construction_land``
(10^4 ha), ``growth_attributable_emissions`` (Mt CO2/yr).
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import numpy as np
import pandas as pd

from analysis import turning_points as tpmod
from analysis.turning_points import TurningPoint, TurningPointTable

__all__ = [
    "DEFAULT_TARGETS_PATH",
    "KINDS",
    "MODEL_VARIABLES",
    "RESULT_COLUMNS",
    "Target",
    "TargetSet",
    "TargetsConfigError",
    "load_targets",
    "targets_from_dict",
    "evaluate_targets",
    "turning_points_from_results",
    "normalise_columns",
]

#: The YAML file with the national default set and region-specific changes.
DEFAULT_TARGETS_PATH: Path = Path(__file__).with_name("targets.yaml")

#: Model variables read by the default targets and the turning points, with units.
MODEL_VARIABLES: Mapping[str, str] = {
    "gross_emissions": "Mt CO2/yr",
    "land_carbon_sink": "Mt CO2/yr",
    "net_emissions": "Mt CO2/yr",
    "cropland": "10^4 ha",
    "forest_coverage": "%",
    "construction_land_per_capita": "m2/person",
    "co2_per_unit_gdp": "t CO2 per thousand int$",
    "non_fossil_share_of_primary_energy": "fraction",
    "total_construction_land": "10^4 ha",
    "growth_attributable_emissions": "Mt CO2/yr",
}

#: Columns of the DataFrame returned by :func:`evaluate_targets`.
RESULT_COLUMNS: tuple[str, ...] = (
    "key", "name_en", "name_zh", "target", "value", "unit", "passed", "margin", "reason",
)

_COMMON_REQUIRED = ("key", "kind", "name_en", "name_zh", "source", "unit")
_COMMON_OPTIONAL = ("note", "enabled")

#: Fields per kind: (required, optional) in addition to the common ones.
KINDS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "turning_point_by": (("turning_point", "deadline"), ()),
    "level_at_year": (("variable", "op", "threshold", "year"), ()),
    "level_all_years": (("variable", "op", "threshold"), ("from_year", "to_year")),
    "reduction_from_base": (("variable", "base_year", "year", "threshold"), ("base_value",)),
}

#: Turning points that are threshold events (condition sustained to the end).
_SUSTAINED_TPS = {"neutrality", "tp5", "tp2_intensity"}


class TargetsConfigError(ValueError):
    """Invalid targets configuration; the message names the file and the key."""


@dataclass(frozen=True)
class Target:
    """One target (see the module docstring for the kinds).

    Attributes:
        key: identifier (lower-case letters, digits, underscores).
        kind: one of :data:`KINDS`.
        name_en, name_zh: display names.
        source: where the target comes from (document, year).
        unit: unit of ``threshold``/``value`` ('year' for turning points).
        note: optional remarks (uncertainties, alternatives).
        enabled: disabled targets are dropped when loading.
        variable: model variable (PySD python name) for level/reduction kinds.
        turning_point: turning-point key for ``turning_point_by``.
        op: '>=' or '<=' for level kinds.
        threshold: level threshold (unit ``unit``) or reduction (fraction).
        year: evaluation year (level_at_year, reduction_from_base).
        deadline: latest allowed turning-point year.
        base_year, base_value: base of a reduction (``base_value`` in the variable's unit).
        from_year, to_year: span of ``level_all_years`` (None = start/end of results).
    """

    key: str
    kind: str
    name_en: str
    name_zh: str
    source: str
    unit: str
    note: str = ""
    enabled: bool = True
    variable: str | None = None
    turning_point: str | None = None
    op: str | None = None
    threshold: float | None = None
    year: float | None = None
    deadline: float | None = None
    base_year: float | None = None
    base_value: float | None = None
    from_year: float | None = None
    to_year: float | None = None

    def describe(self) -> str:
        """Short, language-neutral text of the requirement, e.g. '>= 24.1 % in 2025'."""
        if self.kind == "turning_point_by":
            return f"{self.turning_point} year <= {_fy(self.deadline)}"
        if self.kind == "level_at_year":
            return f"{self.op} {_fv(self.threshold)} {self.unit} in {_fy(self.year)}"
        if self.kind == "level_all_years":
            a = "start" if self.from_year is None else _fy(self.from_year)
            b = "end" if self.to_year is None else _fy(self.to_year)
            return f"{self.op} {_fv(self.threshold)} {self.unit}, every time {a}–{b}"
        return (
            f"reduction >= {_fv(100 * self.threshold)} % from {_fy(self.base_year)} "
            f"to {_fy(self.year)}"
        )


@dataclass(frozen=True)
class TargetSet:
    """An ordered set of enabled targets for one region.

    Attributes:
        region: region name ('default' for the national set).
        targets: the enabled targets, in file order.
        files: the files they were read from.
    """

    region: str
    targets: tuple[Target, ...]
    files: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Target]:
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, key: str) -> Target:
        for t in self.targets:
            if t.key == key:
                return t
        raise KeyError(f"no target {key!r} for region {self.region!r}")

    def keys(self) -> list[str]:
        """Target keys in order."""
        return [t.key for t in self.targets]


# --------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _fy(t: float | None) -> str:
    if t is None:
        return "?"
    r = round(t)
    return str(int(r)) if abs(t - r) < 1e-6 else f"{t:.6g}"


def _fv(v: float | None) -> str:
    return "?" if v is None else f"{v:.6g}"


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_field(file: str, where: str, name: str, v: Any) -> Any:
    """Validate one field value; return it normalised (numbers as float)."""

    def err(msg: str) -> TargetsConfigError:
        return TargetsConfigError(f"{file}: {where}: field '{name}' {msg}, got {v!r}")

    if name in ("key",):
        if not (isinstance(v, str) and _KEY_RE.match(v)):
            raise err("must be an identifier (lower-case letters, digits, '_')")
        return v
    if name == "kind":
        if v not in KINDS:
            raise err(f"must be one of {sorted(KINDS)}")
        return v
    if name in ("name_en", "name_zh", "source", "unit", "variable"):
        if not (isinstance(v, str) and v.strip()):
            raise err("must be a non-empty string")
        return v.strip()
    if name == "note":
        if not isinstance(v, str):
            raise err("must be a string")
        return v.strip()
    if name == "enabled":
        if not isinstance(v, bool):
            raise err("must be true or false")
        return v
    if name == "op":
        if v not in (">=", "<="):
            raise err("must be '>=' or '<='")
        return v
    if name == "turning_point":
        if v not in tpmod.KEYS:
            raise err(f"must be one of {list(tpmod.KEYS)}")
        return v
    if name in ("threshold", "year", "deadline", "base_year"):
        if not _is_number(v):
            raise err("must be a number")
        return float(v)
    if name in ("base_value", "from_year", "to_year"):
        if v is None:
            return None
        if not _is_number(v):
            raise err("must be a number or null")
        return float(v)
    raise err("is unknown")  # pragma: no cover - guarded by the caller


def _build_target(file: str, where: str, entry: Mapping[str, Any]) -> Target:
    """Validate a complete target mapping and build a :class:`Target`."""
    kind = entry.get("kind")
    if "kind" not in entry:
        raise TargetsConfigError(f"{file}: {where}: missing field 'kind'")
    _check_field(file, where, "kind", kind)
    req, opt = KINDS[kind]
    allowed = set(_COMMON_REQUIRED) | set(_COMMON_OPTIONAL) | set(req) | set(opt)
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise TargetsConfigError(
            f"{file}: {where}: unknown field(s) {unknown} for kind '{kind}'; "
            f"allowed: {sorted(allowed)}"
        )
    missing = [f for f in (*_COMMON_REQUIRED, *req) if f not in entry]
    if missing:
        raise TargetsConfigError(f"{file}: {where}: missing field(s) {missing} for kind '{kind}'")
    values = {name: _check_field(file, where, name, v) for name, v in entry.items()}
    t = Target(**values)
    if t.kind == "level_all_years" and t.from_year is not None and t.to_year is not None:
        if t.to_year < t.from_year:
            raise TargetsConfigError(f"{file}: {where}: 'to_year' ({t.to_year:g}) is before 'from_year'")
    if t.kind == "reduction_from_base" and t.year <= t.base_year:
        raise TargetsConfigError(f"{file}: {where}: 'year' must be after 'base_year'")
    return t


def _target_list(file: str, where: str, raw: Any) -> list[Mapping[str, Any]]:
    if not isinstance(raw, (list, tuple)):
        raise TargetsConfigError(f"{file}: {where}.targets must be a list of mappings, got {type(raw).__name__}")
    seen: set[str] = set()
    out = []
    for i, e in enumerate(raw):
        w = f"{where}.targets[{i}]"
        if not isinstance(e, Mapping):
            raise TargetsConfigError(f"{file}: {w} must be a mapping, got {type(e).__name__}")
        if "key" not in e:
            raise TargetsConfigError(f"{file}: {w}: missing field 'key'")
        _check_field(file, w, "key", e["key"])
        if e["key"] in seen:
            raise TargetsConfigError(f"{file}: {w}: duplicate key '{e['key']}'")
        seen.add(e["key"])
        out.append(e)
    return out


def _where(section: str, i: int, key: str) -> str:
    return f"{section}.targets[{i}] (key '{key}')"


def _merge(
    file: str, section: str, base: list[Target], raw_entries: list[Mapping[str, Any]]
) -> list[Target]:
    """Apply region overrides to ``base`` (see the YAML header for the rules)."""
    by_key = {t.key: t for t in base}
    order = [t.key for t in base]
    for i, e in enumerate(raw_entries):
        w = _where(section, i, e["key"])
        if e["key"] in by_key:
            old = by_key[e["key"]]
            if "kind" in e and e["kind"] != old.kind:
                raise TargetsConfigError(
                    f"{file}: {w}: cannot change 'kind' of an existing target; use a new key"
                )
            req, opt = KINDS[old.kind]
            allowed = set(_COMMON_REQUIRED) | set(_COMMON_OPTIONAL) | set(req) | set(opt)
            bad = sorted(set(e) - allowed)
            if bad:
                raise TargetsConfigError(
                    f"{file}: {w}: unknown field(s) {bad} for kind '{old.kind}'; allowed: {sorted(allowed)}"
                )
            merged = {k: getattr(old, k) for k in allowed if getattr(old, k) is not None}
            merged.update(e)
            by_key[e["key"]] = _build_target(file, w, merged)
        else:
            if set(e) - {"key"} == {"enabled"} and e["enabled"] is False:
                raise TargetsConfigError(f"{file}: {w}: cannot disable unknown target '{e['key']}'")
            by_key[e["key"]] = _build_target(file, w, e)
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
    """Validate the whole configuration; return the targets of ``region`` incl. disabled."""
    _check_mapping(file, "top level", data, {"version", "default", "regions"}, {"version", "default"})
    if data["version"] != 1:
        raise TargetsConfigError(f"{file}: top level: 'version' must be 1, got {data['version']!r}")
    _check_mapping(file, "default", data["default"], {"description_en", "description_zh", "targets"}, {"targets"})
    entries = _target_list(file, "default", data["default"]["targets"])
    base = [_build_target(file, _where("default", i, e["key"]), e) for i, e in enumerate(entries)]
    regions = data.get("regions") or {}
    if not isinstance(regions, Mapping):
        raise TargetsConfigError(f"{file}: 'regions' must be a mapping of region name to settings")
    resolved: dict[str, list[Target]] = {}
    for name, spec in regions.items():  # validate every region, not only the one asked for
        sec = f"regions.{name}"
        _check_mapping(file, sec, spec, _REGION_KEYS, {"targets"})
        resolved[name] = _merge(
            file, sec, [] if spec.get("replace_default") else base, _target_list(file, sec, spec["targets"])
        )
    if region is None:
        return base
    if region not in resolved:
        raise TargetsConfigError(
            f"{file}: region '{region}' not found under 'regions'; known: {sorted(resolved)}"
        )
    return resolved[region]


def targets_from_dict(
    data: Mapping[str, Any],
    region: str | None = None,
    file: str = "<dict>",
) -> TargetSet:
    """Validate a parsed targets configuration and return the enabled set for ``region``.

    Args:
        data: the parsed YAML (see ``analysis/targets.yaml`` for the structure).
        region: a name under ``regions:``; None for the national default set.
        file: name used in error messages.

    Raises:
        TargetsConfigError: naming ``file`` and the key at fault.
    """
    chosen = _resolve(data, region, file)
    return TargetSet(region=region or "default", targets=tuple(t for t in chosen if t.enabled), files=(file,))


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


def load_targets(
    path: str | Path = DEFAULT_TARGETS_PATH,
    region: str | None = None,
    region_file: str | Path | None = None,
    region_data: Mapping[str, Any] | None = None,
    region_source: str = "targets.inline",
) -> TargetSet:
    """Load and validate targets.

    Args:
        path: main targets YAML (default ``analysis/targets.yaml``).
        region: region under ``regions:`` of ``path`` to apply (None = national set).
        region_file: optional separate region YAML (fields ``region``, optional
            ``description_en/zh``, ``replace_default``, and ``targets``), applied on
            top of ``region`` (or of the national set).  Its entries override targets
            by key (also disabled ones, which ``enabled: true`` re-enables),
            ``enabled: false`` removes one, new keys must be complete.  The caller
            decides which paths may be read (``scenarios.loader`` confines them).
        region_data: the same content as a region file, already parsed (targets
            written inline in a scenario); applied after ``region_file``.
        region_source: name of ``region_data`` in error messages.

    Returns:
        TargetSet of the enabled targets.

    Raises:
        TargetsConfigError: with the file name and key at fault.
    """
    path = Path(path)
    all_targets = _resolve(_read_yaml(path), region, str(path))
    files = [str(path)]
    name = region or "default"
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
        all_targets = _merge(rfile, "region file", start, _target_list(rfile, "region file", rdata["targets"]))
        files.append(rfile)
    return TargetSet(region=name, targets=tuple(t for t in all_targets if t.enabled), files=tuple(files))


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _py_name(name: str) -> str:
    """PySD-style python name of a Vensim name: 'co2 per unit GDP' -> 'co2_per_unit_gdp'."""
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")


def normalise_columns(results_df: pd.DataFrame) -> pd.DataFrame:
    """Return ``results_df`` with Vensim column names renamed to PySD python names.

    Columns already in python form are kept; a Vensim name ('gross emissions',
    'Cropland') is renamed only when its python name is not a column already.
    """
    rename: dict[str, str] = {}
    taken = set(map(str, results_df.columns))
    for c in results_df.columns:
        py = _py_name(str(c))
        if py != c and py not in taken:
            rename[c] = py
            taken.add(py)
    return results_df.rename(columns=rename) if rename else results_df


def turning_points_from_results(results_df: pd.DataFrame, **kwargs: Any) -> TurningPointTable:
    """Turning points from model output columns (see :data:`MODEL_VARIABLES`).

    Uses ``gross_emissions``, ``land_carbon_sink`` (or ``gross_emissions −
    net_emissions`` if the sink column is absent), ``growth_attributable_emissions``,
    ``total_construction_land``, and ``primary_energy_consumption`` and ``gdp`` for the
    TP2 intensity companion; absent columns give "input not given".
    ``kwargs`` go to :func:`analysis.turning_points.turning_points`.
    """
    results_df = normalise_columns(results_df)
    if "gross_emissions" not in results_df.columns:
        raise KeyError("results have no 'gross_emissions' column; cannot compute turning points")
    col = results_df.get
    sink = col("land_carbon_sink")
    if sink is None and "net_emissions" in results_df.columns:
        sink = results_df["gross_emissions"] - results_df["net_emissions"]
    # Energy and GDP feed the TP2 companion (average vs marginal energy intensity).
    kwargs.setdefault("energy", col("primary_energy_consumption"))
    kwargs.setdefault("gdp", col("gdp"))
    return tpmod.turning_points(
        results_df["gross_emissions"],
        sink=sink,
        growth_emissions=col("growth_attributable_emissions"),
        construction_land=col("total_construction_land"),
        **kwargs,
    )


def _series(results_df: pd.DataFrame, variable: str) -> pd.Series | None:
    if variable not in results_df.columns:
        return None
    s = pd.to_numeric(results_df[variable], errors="coerce")
    s.index = np.asarray(results_df.index, dtype=float)
    return s.dropna().sort_index()


def _value_at(s: pd.Series, year: float) -> float | None:
    """Value at ``year`` (linear interpolation between output times); None outside."""
    if s.empty:
        return None
    t = s.index.to_numpy(float)
    if year < t[0] - 1e-9 or year > t[-1] + 1e-9:
        return None
    return float(np.interp(year, t, s.to_numpy(float)))


def _row(t: Target, value: float | None, passed: bool | None, margin: float | None,
         reason: tuple[str, str], lang: str) -> dict[str, Any]:
    return {
        "key": t.key,
        "name_en": t.name_en,
        "name_zh": t.name_zh,
        "target": t.describe(),
        "value": np.nan if value is None else float(value),
        "unit": t.unit,
        "passed": passed,
        "margin": np.nan if margin is None else float(margin),
        "reason": reason[1] if lang == "zh" else reason[0],
    }


def _eval_turning_point(t: Target, tps: Mapping[str, TurningPoint] | TurningPointTable, lang: str):
    try:
        p = tps[t.turning_point]
    except KeyError:
        return _row(t, None, None, None, (f"turning point '{t.turning_point}' not in the table",
                                         f"拐点表中没有“{t.turning_point}”"), lang)
    d = t.deadline
    if p.reached:
        ok = p.year <= d + 1e-9
        en = f"{p.name_en} in {_fy(p.year)}"
        zh = f"{p.name_zh}：{_fy(p.year)}"
        if p.reason_en:
            en, zh = f"{en} ({p.reason_en})", f"{zh}（{p.reason_zh}）"
        return _row(t, p.year, ok, d - p.year, (en, zh), lang)
    b = p.bound_year
    if p.status == "before_start" and b is not None:
        if b <= d + 1e-9:
            return _row(t, None, True, d - b, (
                f"at or before the start of the horizon ({_fy(b)}); margin is a lower bound. {p.reason_en}",
                f"在研究期起点（{_fy(b)}）或之前；裕度为下限。{p.reason_zh}"), lang)
        return _row(t, None, None, None, (
            f"at or before {_fy(b)}, which is after the deadline: cannot tell. {p.reason_en}",
            f"在 {_fy(b)} 或之前，晚于期限，无法判断。{p.reason_zh}"), lang)
    if p.status in ("not_yet", "not_sustained") and b is not None:
        late = b > d + 1e-9 or (t.turning_point in _SUSTAINED_TPS and b >= d - 1e-9)
        if late:
            return _row(t, None, False, d - b, (
                f"not reached by {_fy(b)} (end of horizon); margin is an upper bound. {p.reason_en}",
                f"至 {_fy(b)}（研究期末）仍未达到；裕度为上限。{p.reason_zh}"), lang)
        return _row(t, None, None, None, (
            f"horizon ends ({_fy(b)}) before the deadline and the turning point is not reached yet. {p.reason_en}",
            f"研究期（至 {_fy(b)}）早于期限结束，拐点尚未出现。{p.reason_zh}"), lang)
    return _row(t, None, None, None, (f"not evaluable: {p.reason_en}", f"无法评估：{p.reason_zh}"), lang)


def _missing_col(t: Target, lang: str) -> dict[str, Any]:
    return _row(t, None, None, None, (f"column '{t.variable}' not in results",
                                     f"结果中没有“{t.variable}”列"), lang)


def _cmp(op: str, value: float, threshold: float) -> tuple[bool, float]:
    """(passed, margin) with margin positive when better than the threshold."""
    margin = value - threshold if op == ">=" else threshold - value
    return margin >= -1e-12 * max(1.0, abs(threshold)), margin


def _eval_level_at_year(t: Target, results_df: pd.DataFrame, lang: str):
    s = _series(results_df, t.variable)
    if s is None:
        return _missing_col(t, lang)
    v = _value_at(s, t.year)
    if v is None:
        rng = f"{_fy(s.index.min())}–{_fy(s.index.max())}" if len(s) else "empty"
        return _row(t, None, None, None, (f"year {_fy(t.year)} outside the results ({rng})",
                                         f"{_fy(t.year)} 年不在结果时间范围内（{rng}）"), lang)
    ok, m = _cmp(t.op, v, t.threshold)
    return _row(t, v, ok, m, (f"{_fv(v)} {t.unit} in {_fy(t.year)}",
                              f"{_fy(t.year)} 年为 {_fv(v)} {t.unit}"), lang)


def _eval_level_all_years(t: Target, results_df: pd.DataFrame, lang: str):
    s = _series(results_df, t.variable)
    if s is None:
        return _missing_col(t, lang)
    lo = -np.inf if t.from_year is None else t.from_year - 1e-9
    hi = np.inf if t.to_year is None else t.to_year + 1e-9
    s = s[(s.index >= lo) & (s.index <= hi)]
    if s.empty:
        return _row(t, None, None, None, ("no results in the span", "该时段内没有结果"), lang)
    worst_t = s.idxmin() if t.op == ">=" else s.idxmax()
    v = float(s.loc[worst_t])
    ok, m = _cmp(t.op, v, t.threshold)
    span = f"{_fy(s.index[0])}–{_fy(s.index[-1])}"
    if ok:
        return _row(t, v, True, m, (f"worst {_fv(v)} {t.unit} in {_fy(worst_t)} ({span})",
                                    f"{span} 最不利值 {_fv(v)} {t.unit}（{_fy(worst_t)}）"), lang)
    viol = s[~np.array([_cmp(t.op, x, t.threshold)[0] for x in s.to_numpy()])]
    first = viol.index[0]
    return _row(t, v, False, m, (
        f"violated first in {_fy(first)}; worst {_fv(v)} {t.unit} in {_fy(worst_t)} ({span})",
        f"{_fy(first)} 首次不满足；最不利值 {_fv(v)} {t.unit}（{_fy(worst_t)}，{span}）"), lang)


def _eval_reduction(t: Target, results_df: pd.DataFrame, lang: str):
    s = _series(results_df, t.variable)
    if s is None:
        return _missing_col(t, lang)
    base = _value_at(s, t.base_year)
    base_note = ("", "")
    if base is None:
        if t.base_value is None:
            return _row(t, None, None, None, (
                f"base year {_fy(t.base_year)} outside the results and no base_value configured",
                f"基准年 {_fy(t.base_year)} 不在结果范围内，且未配置 base_value"), lang)
        base = t.base_value
        base_note = (" (configured base_value)", "（采用配置的基准值）")
    v = _value_at(s, t.year)
    if v is None:
        return _row(t, None, None, None, (f"year {_fy(t.year)} outside the results",
                                         f"{_fy(t.year)} 年不在结果时间范围内"), lang)
    if not base > 0:
        return _row(t, None, None, None, (f"base value {_fv(base)} is not positive",
                                         f"基准值 {_fv(base)} 不为正"), lang)
    red = 1.0 - v / base
    ok, m = _cmp(">=", red, t.threshold)
    return _row(t, red, ok, m, (
        f"{_fy(t.base_year)}: {_fv(base)}{base_note[0]}, {_fy(t.year)}: {_fv(v)} -> reduction {100 * red:.1f} %",
        f"{_fy(t.base_year)} 年 {_fv(base)}{base_note[1]}，{_fy(t.year)} 年 {_fv(v)}，下降 {100 * red:.1f}%"), lang)


def evaluate_targets(
    results_df: pd.DataFrame,
    turning_points: TurningPointTable | Mapping[str, TurningPoint] | None = None,
    targets: TargetSet | Iterable[Target] | None = None,
    lang: str = "en",
) -> pd.DataFrame:
    """Evaluate targets on model output.

    Args:
        results_df: model output indexed by year (float, possibly sub-annual), columns
            named as in :data:`MODEL_VARIABLES` (Vensim names such as
            'gross emissions' are accepted and normalised, see :func:`normalise_columns`).
        turning_points: the turning-point table of task A for the same run; None
            computes it from ``results_df`` (:func:`turning_points_from_results`) when
            a ``turning_point_by`` target needs it.
        targets: a :class:`TargetSet` or iterable of :class:`Target`; None loads the
            national default set from :data:`DEFAULT_TARGETS_PATH`.
        lang: language of the ``reason`` column ('en' or 'zh').

    Returns:
        DataFrame with columns :data:`RESULT_COLUMNS`: ``passed`` is True/False, or
        None when the target cannot be evaluated (missing column, year outside the
        results, turning point undetermined); ``margin`` is signed, positive = better
        than the target (years for turning points, the target's unit for levels,
        fraction for reductions), NaN when not evaluable.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    if not isinstance(results_df, pd.DataFrame):
        raise TypeError(f"results_df must be a pandas DataFrame, got {type(results_df).__name__}")
    try:
        np.asarray(results_df.index, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError("results_df must be indexed by year (numeric)") from exc
    results_df = normalise_columns(results_df)
    if targets is None:
        targets = load_targets()
    rows = []
    tps = turning_points
    for t in targets:
        if not isinstance(t, Target):
            raise TypeError(f"targets must contain Target objects, got {type(t).__name__}")
        if t.kind == "turning_point_by":
            if tps is None:
                if "gross_emissions" not in results_df.columns:
                    rows.append(_row(t, None, None, None, (
                        "no turning points given and no 'gross_emissions' column",
                        "未提供拐点表，且结果中没有“gross_emissions”列"), lang))
                    continue
                tps = turning_points_from_results(results_df)
            rows.append(_eval_turning_point(t, tps, lang))
        elif t.kind == "level_at_year":
            rows.append(_eval_level_at_year(t, results_df, lang))
        elif t.kind == "level_all_years":
            rows.append(_eval_level_all_years(t, results_df, lang))
        elif t.kind == "reduction_from_base":
            rows.append(_eval_reduction(t, results_df, lang))
        else:  # pragma: no cover - Target kinds are validated on load
            raise ValueError(f"unknown kind {t.kind!r} of target {t.key!r}")
    df = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    df["passed"] = df["passed"].astype(object)
    df["value"] = df["value"].astype(float)
    df["margin"] = df["margin"].astype(float)
    return df
