"""Definition of the uncertain inputs of a sensitivity analysis.

A :class:`SensitivityProblem` lists parameter names, their bounds and, optionally,
SALib distributions. It can be built from a mapping, a YAML file or the
``name -> (min, max)`` ranges that the model API declares for its constants.

YAML format::

    base: baseline            # optional: scenario the parameters are varied around
    names: [afforestation_rate, migration_rate]
    bounds:
      - [0.0, 0.05]
      - [0.001, 0.02]
    dists: [unif, unif]       # optional, SALib names: unif, logunif, triang, norm,
                              # truncnorm, lognorm, weibull

With ``dists`` each bounds entry holds the distribution's parameters in SALib's
convention (e.g. ``norm: [mean, sd]``, ``triang: [start, end, peak_fraction]``).
Every validation error is a :class:`ProblemDefinitionError` whose message names the
source (file) and the offending key.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ALLOWED_KEYS: frozenset[str] = frozenset({"names", "bounds", "dists", "base"})

#: Number of numbers each SALib distribution expects in its ``bounds`` entry.
DISTRIBUTION_ARITY: dict[str, tuple[int, ...]] = {
    "unif": (2,),
    "logunif": (2,),
    "triang": (3,),
    "norm": (2,),
    "truncnorm": (4,),
    "lognorm": (2,),
    "weibull": (2, 3),
}


class ProblemDefinitionError(ValueError):
    """An invalid problem definition; the message names the source and the key."""

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        super().__init__(f"{source}: key '{key}': {message}")


@dataclass(frozen=True)
class SensitivityProblem:
    """Uncertain parameters of a sensitivity analysis (validated on construction).

    Attributes:
        names: Parameter names (model constant names), unique.
        bounds: Per parameter, ``(lower, upper)`` for uniform distributions or the
            distribution's parameters in SALib's convention when ``dists`` is given.
        dists: Optional SALib distribution name per parameter (``None``: all uniform).
        base: Optional name of the scenario the parameters are varied around.
    """

    names: tuple[str, ...]
    bounds: tuple[tuple[float, ...], ...]
    dists: tuple[str, ...] | None = None
    base: str | None = None

    def __post_init__(self) -> None:
        names, bounds, dists, base = _validate(
            {"names": self.names, "bounds": self.bounds, "dists": self.dists, "base": self.base},
            source="SensitivityProblem",
        )
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "bounds", bounds)
        object.__setattr__(self, "dists", dists)
        object.__setattr__(self, "base", base)

    @property
    def num_vars(self) -> int:
        """Number of parameters."""
        return len(self.names)

    def to_salib(self) -> dict[str, Any]:
        """Return the problem as the plain dictionary SALib expects."""
        problem: dict[str, Any] = {
            "num_vars": self.num_vars,
            "names": list(self.names),
            "bounds": [list(b) for b in self.bounds],
        }
        if self.dists is not None:
            problem["dists"] = list(self.dists)
        return problem

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "<mapping>") -> SensitivityProblem:
        """Build a problem from a mapping with keys ``names``, ``bounds`` and optional
        ``dists`` and ``base``; ``source`` is used in error messages."""
        if not isinstance(data, Mapping):
            raise ProblemDefinitionError(source, "<root>", f"expected a mapping, got {type(data).__name__}")
        unknown = sorted(set(map(str, data)) - ALLOWED_KEYS)
        if unknown:
            raise ProblemDefinitionError(
                source, unknown[0], f"unknown key (allowed: {', '.join(sorted(ALLOWED_KEYS))})"
            )
        for required in ("names", "bounds"):
            if required not in data:
                raise ProblemDefinitionError(source, required, "missing required key")
        names, bounds, dists, base = _validate(data, source=source)
        return cls(names=names, bounds=bounds, dists=dists, base=base)

    @classmethod
    def from_yaml(cls, path: str | Path) -> SensitivityProblem:
        """Load and validate a problem from a YAML file (errors name the file and key)."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ProblemDefinitionError(str(path), "<root>", f"invalid YAML: {exc}") from exc
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_constant_ranges(
        cls,
        ranges: Mapping[str, Sequence[float | None]],
        *,
        names: Sequence[str] | None = None,
        base: str | None = None,
    ) -> SensitivityProblem:
        """Build a uniform problem from model constant ranges ``name -> (min, max)``.

        Args:
            ranges: The ranges declared by the model (e.g. Vensim ``[min,max,step]``;
                a third ``step`` element is ignored). ``None`` bounds are errors.
            names: Optional subset (and order) of constants to vary; default: all.
            base: Optional scenario name the parameters are varied around.
        """
        source = "model constant ranges"
        selected = list(ranges) if names is None else list(names)
        bounds: list[tuple[float, float]] = []
        for name in selected:
            if name not in ranges:
                raise ProblemDefinitionError(source, name, "not a model constant with a declared range")
            rng = ranges[name]
            if rng is None or len(rng) < 2 or rng[0] is None or rng[1] is None:
                raise ProblemDefinitionError(source, name, f"no finite (min, max) range declared: {rng!r}")
            bounds.append((rng[0], rng[1]))
        return cls.from_mapping({"names": selected, "bounds": bounds, "base": base}, source=source)


def _validate(
    data: Mapping[str, Any], *, source: str
) -> tuple[tuple[str, ...], tuple[tuple[float, ...], ...], tuple[str, ...] | None, str | None]:
    """Validate and normalise the fields of a problem definition."""
    names = _validate_names(data.get("names"), source)
    dists = _validate_dists(data.get("dists"), len(names), source)
    bounds = _validate_bounds(data.get("bounds"), names, dists, source)
    base = data.get("base")
    if base is not None and not isinstance(base, str):
        raise ProblemDefinitionError(source, "base", f"expected a scenario name (string), got {base!r}")
    return names, bounds, dists, base


def _validate_names(raw: Any, source: str) -> tuple[str, ...]:
    if isinstance(raw, str) or not isinstance(raw, Sequence) or len(raw) == 0:
        raise ProblemDefinitionError(source, "names", f"expected a non-empty list of names, got {raw!r}")
    seen: set[str] = set()
    for i, name in enumerate(raw):
        if not isinstance(name, str) or not name.strip():
            raise ProblemDefinitionError(source, f"names[{i}]", f"expected a non-empty string, got {name!r}")
        if name in seen:
            raise ProblemDefinitionError(source, f"names[{i}]", f"duplicate parameter name '{name}'")
        seen.add(name)
    return tuple(raw)


def _validate_dists(raw: Any, k: int, source: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if isinstance(raw, str) or not isinstance(raw, Sequence) or len(raw) != k:
        raise ProblemDefinitionError(source, "dists", f"expected a list of {k} distribution names, got {raw!r}")
    for i, dist in enumerate(raw):
        if dist not in DISTRIBUTION_ARITY:
            raise ProblemDefinitionError(
                source, f"dists[{i}]", f"unknown distribution {dist!r} (choose one of {', '.join(DISTRIBUTION_ARITY)})"
            )
    return tuple(raw)


def _validate_bounds(
    raw: Any, names: tuple[str, ...], dists: tuple[str, ...] | None, source: str
) -> tuple[tuple[float, ...], ...]:
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        raise ProblemDefinitionError(source, "bounds", f"expected a list of [lower, upper] pairs, got {raw!r}")
    if len(raw) != len(names):
        raise ProblemDefinitionError(
            source, "bounds", f"{len(raw)} entries for {len(names)} names (one entry per name required)"
        )
    result = []
    for i, (name, entry) in enumerate(zip(names, raw, strict=True)):
        key = f"bounds[{i}] ({name})"
        dist = "unif" if dists is None else dists[i]
        arity = DISTRIBUTION_ARITY[dist]
        if isinstance(entry, str) or not isinstance(entry, Sequence) or len(entry) not in arity:
            expected = " or ".join(map(str, arity))
            raise ProblemDefinitionError(source, key, f"expected {expected} numbers for '{dist}', got {entry!r}")
        values = tuple(_as_number(v, source, key) for v in entry)
        if dist in ("unif", "logunif", "truncnorm") and not values[0] < values[1]:
            raise ProblemDefinitionError(
                source, key, f"lower bound {values[0]} must be strictly less than upper bound {values[1]}"
            )
        if dist == "triang" and not values[0] < values[1]:
            raise ProblemDefinitionError(source, key, f"start {values[0]} must be strictly less than end {values[1]}")
        result.append(values)
    return tuple(result)


def _as_number(value: Any, source: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ProblemDefinitionError(source, key, f"non-numeric value {value!r}")
    if not math.isfinite(value):
        raise ProblemDefinitionError(source, key, f"non-finite value {value!r}")
    return float(value)
