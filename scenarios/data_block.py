"""The ``data`` block of a scenario: region-specific historical time series (数据输入).

Some model constants are historical data inputs that differ between regions (the
relative cost of coal and gas for power, for instance). A region with the data gives
them as a time series in its scenario file::

    data:
      coal to gas fuel cost ratio:
        source: "EIA Electric Power Annual table 7.1 ... (derived: ratio relative to 1990)"
        values: {1990: 1.0, 1991: 0.98, ...}

Rules (every violation is an error naming the file, the key and the allowed range):

* each key is an adjustable constant of the model file (Vensim or PySD name), not also
  given in ``overrides`` of the same scenario;
* ``source`` is a non-empty text (or ``{en, zh}`` texts): where the numbers come from;
* ``values`` maps whole years to numbers, at least one point, every value inside the
  range declared for the constant in the model file.

At run time a series is linearly interpolated between its years and held at its first
and last value outside them (PySD's semantics for ``run(params={name: pandas.Series})``,
which the batch runner follows), so after the last data year the input keeps its last
observed value.

A scenario inherits the series of its base chain; its own entry for a constant
replaces the inherited series as a whole, or, with ``extends: true``, continues it: the
inherited points before the entry's first year are kept and the entry's own points
replace the rest (a projection that starts from the history of the base, e.g. an
investment share that falls after the last observed year)::

    data:
      investment share of GDP:
        source: "Assumption: rebalancing towards consumption"
        extends: true
        values: {2023: 0.411, 2040: 0.30}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

import pandas as pd

from models.model import ModelInputError, TerritorialModel

__all__ = ["DataSeries", "parse_data_block", "data_block_mapping", "as_series", "run_value", "extend_series"]


@dataclass(frozen=True)
class DataSeries:
    """One historical data input: years (ascending), values in the constant's unit, source."""

    years: tuple[int, ...]
    values: tuple[float, ...]
    source: Mapping[str, str]
    #: continue the base scenario's series from the first own year (resolved by the loader)
    extends: bool = False

    def series(self) -> pd.Series:
        """The input as a ``pandas.Series`` indexed by year (float), for a run."""
        return pd.Series(self.values, index=[float(y) for y in self.years], dtype=float)


def as_series(data: Mapping[str, DataSeries]) -> dict[str, pd.Series]:
    """Run parameters of a data block: Vensim name -> ``pandas.Series``."""
    return {name: entry.series() for name, entry in data.items()}


def run_value(value: Any) -> float | pd.Series:
    """A run input as the simulators take it: a time series stays a ``pandas.Series``,
    anything else becomes a float."""
    return value if isinstance(value, pd.Series) else float(value)


def _source_texts(where: str, value: Any, fail: Callable[[str], Exception]) -> dict[str, str]:
    if isinstance(value, str) and value.strip():
        return {"en": value.strip(), "zh": value.strip()}
    if isinstance(value, Mapping) and all(isinstance(value.get(k), str) and value[k].strip() for k in ("en", "zh")):
        return {"en": value["en"].strip(), "zh": value["zh"].strip()}
    raise fail(f"{where}.source: give the source of the numbers (a text, or {{en: ..., zh: ...}})")


def _year(where: str, key: Any, fail: Callable[[str], Exception]) -> int:
    if isinstance(key, bool):
        raise fail(f"{where}.values: year {key!r} must be a whole number")
    try:
        year = float(key)
    except (TypeError, ValueError):
        raise fail(f"{where}.values: year {key!r} must be a whole number") from None
    if not math.isfinite(year) or not year.is_integer() or not 1000 <= year <= 3000:
        raise fail(f"{where}.values: year {key!r} must be a whole number between 1000 and 3000")
    return int(year)


def parse_data_block(
    source: str,
    value: Any,
    model: TerritorialModel,
    overrides: Mapping[str, object],
    fail: Callable[[str], Exception],
) -> dict[str, DataSeries]:
    """Validate a scenario's ``data`` block; Vensim name -> :class:`DataSeries`.

    ``overrides`` are the scenario's own overrides (a constant is either a number or a
    series); ``fail`` builds the caller's error type from a message.
    """
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise fail(f"{source}: data: expected a mapping of model constants to "
                   f"{{source, values}}, got {type(value).__name__}")
    out: dict[str, DataSeries] = {}
    for raw_key, spec in value.items():
        where = f"{source}: data.{raw_key}"
        try:
            name = model.resolve_constant(str(raw_key))
        except ModelInputError as err:
            raise fail(f"{source}: data: {err}") from None
        if name in out:
            raise fail(f"{where}: names the constant '{name}' twice")
        if name in overrides:
            raise fail(f"{where}: '{name}' is also in 'overrides'; a constant is either a number or a data series")
        const = model.constants[name]
        if not const.adjustable:
            raise fail(f"{where}: '{name}' is a fixed constant and cannot be given as data")
        if not isinstance(spec, Mapping) or set(spec) - {"source", "values", "extends"}:
            raise fail(f"{where}: expected {{source: ..., values: {{year: value, ...}}}} "
                       "(optional: extends: true)")
        extends = spec.get("extends", False)
        if not isinstance(extends, bool):
            raise fail(f"{where}.extends: must be true or false, got {extends!r}")
        texts = _source_texts(where, spec.get("source"), fail)
        raw_values = spec.get("values")
        if not isinstance(raw_values, Mapping) or not raw_values:
            raise fail(f"{where}.values: give at least one {{year: value}} point")
        points: dict[int, float] = {}
        for year_key, number in raw_values.items():
            year = _year(where, year_key, fail)
            if year in points:
                raise fail(f"{where}.values: year {year} is given twice")
            if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
                raise fail(f"{where}.values[{year}]: must be a number in {const.range_text()}, got {number!r}")
            if not const.in_range(float(number)):
                raise fail(f"{where}.values[{year}] = {float(number):g} is outside the allowed range "
                           f"{const.range_text()}")
            points[year] = float(number)
        years = tuple(sorted(points))
        out[name] = DataSeries(years, tuple(points[y] for y in years), MappingProxyType(texts), extends)
    return out


def extend_series(base: DataSeries, own: DataSeries) -> DataSeries:
    """``own`` continuing ``base``: the base points before own's first year, then own's
    points; the source names both (the base's up to the year before)."""
    first = own.years[0]
    keep = [(y, v) for y, v in zip(base.years, base.values) if y < first]
    if not keep:
        return DataSeries(own.years, own.values, own.source)
    last = keep[-1][0]
    source = {lang: f"{base.source[lang]} (to {last}); {own.source[lang]} (from {first})"
              for lang in ("en", "zh")}
    years = tuple(y for y, _ in keep) + own.years
    values = tuple(v for _, v in keep) + own.values
    return DataSeries(years, values, MappingProxyType(source))


def data_block_mapping(data: Mapping[str, DataSeries]) -> dict[str, Any]:
    """Plain-dict form of a data block (the inverse of :func:`parse_data_block`)."""
    out: dict[str, Any] = {}
    for name, entry in data.items():
        source: Any = entry.source["en"] if entry.source["en"] == entry.source["zh"] else dict(entry.source)
        out[name] = {
            "source": source,
            "values": {year: (int(v) if float(v).is_integer() else v) for year, v in zip(entry.years, entry.values)},
        }
    return out
