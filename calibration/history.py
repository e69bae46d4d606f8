"""Load and validate historical series in the user data format (历史数据读取与校验).

The user data format
--------------------
A UTF-8 CSV file (a byte-order mark, as written by Excel's "CSV UTF-8", is accepted),
comma-separated, one observation per row, with exactly these columns (any order)::

    region,year,variable,value,unit,source,note

* ``region``   — region code, e.g. ISO3 ``CHN`` or a province/city name; not empty.
* ``year``     — integer calendar year, 1900-2100. Stocks are at the reference date
  the source states (mid-year for UN data, year-end for NBS); flows are annual totals.
* ``variable`` — a registered history variable (:data:`calibration.series.SERIES`).
* ``value``    — a finite decimal number in the model unit of the variable; not below
  the variable's physical minimum (e.g. no negative areas), rates at most 100 %.
* ``unit``     — the model unit of the variable, exactly (e.g. ``10^4 ha``,
  ``10^4 person``, ``%``, ``TWh/Year``, ``Mt CO2/Year``) or a registered alias
  (e.g. ``万公顷``, ``万人``).
* ``source``   — where the number comes from (a source id documented in a SOURCES
  file, or a citation); not empty.
* ``note``     — free text, may be empty.  It may START with flags in square brackets
  that qualify the value::

      [interpolated]  filled by the source between observations   → not an observation
      [projection]    a projection / scenario value               → not an observation
      [imputed]       a gap-filling estimate by the source         → not an observation
      [derived]       computed from other published numbers        → observation, flagged
      [rounded]       converted from a rounded published figure    → observation, flagged
      [preliminary]   preliminary release, later revised           → observation, flagged
      [superseded]    an older vintage of a revised series         → observation, flagged
      [low_quality]   secondary source of doubtful quality         → observation, flagged
      [proxy]         related concept standing in for the variable → observation, flagged

  e.g. ``[interpolated] FAO interpolation between FRA reporting years``.

Each (region, year, variable) may appear once; each (region, variable) needs at least
``min_points`` rows (default 3).  Any violation raises :class:`HistoryDataError` whose
message names the file, the row (1-based, as in a spreadsheet: the header is row 1),
the column and what is allowed.  All row problems found are reported together.

Example (``calibration/data/example_region.csv``)::

    region,year,variable,value,unit,source,note
    GBR,2014,forest_area,313.58,10^4 ha,FAOSTAT_RL_AGDATA,[interpolated] FAOSTAT ...
    GBR,2015,forest_area,315.5,10^4 ha,FAOSTAT_RL_AGDATA,FAOSTAT RL Forest land ...

:func:`load_history` returns a long DataFrame with the seven columns plus ``row``
(spreadsheet row number), ``note_flags`` (comma-separated note flags), ``fit_mask`` (True if
the point is an independent observation usable for fitting: not interpolated, imputed or
projected) and ``derived`` (True if flagged ``[derived]``).  :func:`history_wide` pivots
it to one column per variable indexed by year.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from pathlib import Path
from typing import Mapping

import pandas as pd

from calibration.series import SERIES, SeriesSpec

REQUIRED_COLUMNS: tuple[str, ...] = (
    "region",
    "year",
    "variable",
    "value",
    "unit",
    "source",
    "note",
)
YEAR_MIN, YEAR_MAX = 1900, 2100
DEFAULT_MIN_POINTS = 3

#: note flag -> whether a point carrying it still counts as an independent observation.
NOTE_FLAGS: Mapping[str, bool] = {
    "interpolated": False,
    "projection": False,
    "imputed": False,
    "derived": True,
    "rounded": True,
    "preliminary": True,
    "superseded": True,
    "low_quality": True,
    "proxy": True,
}

_LEADING_FLAG = re.compile(r"\s*\[([^\]]*)\]")
_INT = re.compile(r"[+-]?\d+")
_MAX_REPORTED = 20


class HistoryDataError(ValueError):
    """A history data file violates the user data format.

    Attributes:
        path: the file.
        problems: one message per problem (each names row and column where relevant).
    """

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        shown = self.problems[:_MAX_REPORTED]
        more = len(self.problems) - len(shown)
        lines = [f"{self.path}: {p}" for p in shown]
        if more > 0:
            lines.append(f"{self.path}: ... and {more} more problem(s)")
        super().__init__("\n".join(lines))


def parse_note_flags(note: str) -> tuple[list[str], list[str]]:
    """Split the leading ``[flag]`` tokens of a note.

    Returns:
        (known flags in order, unknown flag texts).
    """
    known: list[str] = []
    unknown: list[str] = []
    pos = 0
    while True:
        m = _LEADING_FLAG.match(note, pos)
        if not m:
            break
        flag = m.group(1).strip().lower()
        if flag in NOTE_FLAGS:
            known.append(flag)
        else:
            unknown.append(m.group(1))
        pos = m.end()
    return known, unknown


def _decode(path: Path, data: bytes) -> str:
    """Decode bytes as UTF-8 (optional BOM) or raise a HistoryDataError."""
    if not data.strip():
        raise HistoryDataError(path, ["file is empty; expected a CSV with header "
                                      + ",".join(REQUIRED_COLUMNS)])
    if data[:4] == b"PK\x03\x04":
        raise HistoryDataError(path, ["not a CSV file: looks like an Excel workbook (.xlsx) or "
                                      "zip archive; save it as 'CSV UTF-8 (comma delimited)'"])
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise HistoryDataError(path, ["not a CSV file: looks like an old Excel workbook (.xls); "
                                      "save it as 'CSV UTF-8 (comma delimited)'"])
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise HistoryDataError(path, ["wrong encoding: file is UTF-16; save it as UTF-8 "
                                      "(with or without BOM)"])
    if b"\x00" in data:
        raise HistoryDataError(path, ["not a CSV text file (contains NUL bytes: binary data)"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise HistoryDataError(
            path,
            [f"row {row}: wrong encoding: byte 0x{data[exc.start]:02x} is not valid UTF-8 "
             f"(likely GBK/GB18030 or Latin-1); save the file as UTF-8, with or without BOM"],
        ) from None


def _parse_header(path: Path, header: list[str]) -> dict[str, int]:
    """Map required column name -> index, or raise on missing/extra/duplicate columns."""
    names = [h.strip() for h in header]
    allowed = ", ".join(REQUIRED_COLUMNS)
    if len(names) == 1 and any(d in names[0] for d in (";", "\t", "|")):
        sep = next(d for d in (";", "\t", "|") if d in names[0])
        raise HistoryDataError(path, [f"row 1: columns are separated by {sep!r}, expected commas; "
                                      f"required columns: {allowed}"])
    problems = []
    dup = sorted(n for n, c in Counter(names).items() if c > 1)
    if dup:
        problems.append(f"row 1: duplicate column(s) {', '.join(dup)}")
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    extra = [n for n in names if n not in REQUIRED_COLUMNS]
    if missing:
        problems.append(f"row 1: missing required column(s) {', '.join(missing)}; "
                        f"required columns: {allowed}")
    if extra:
        problems.append(f"row 1: unexpected column(s) {', '.join(repr(e) for e in extra)}; "
                        f"allowed columns: {allowed}")
    if problems:
        raise HistoryDataError(path, problems)
    return {c: names.index(c) for c in REQUIRED_COLUMNS}


def _check_value(
    spec: SeriesSpec, text: str, where: str, problems: list[str]
) -> float | None:
    """Parse and bound-check a value; append a problem and return None if invalid."""
    try:
        value = float(text)
    except ValueError:
        problems.append(f"{where} column 'value': {text!r} is not a number; "
                        "use a plain decimal number with '.' as decimal mark")
        return None
    if not math.isfinite(value):
        problems.append(f"{where} column 'value': {text!r} is not a finite number")
        return None
    if spec.min_value is not None and value < spec.min_value:
        problems.append(f"{where} column 'value': {value:g} is below the minimum "
                        f"{spec.min_value:g} {spec.unit} allowed for {spec.name!r} "
                        "(negative values are impossible for this variable)")
        return None
    if spec.max_value is not None and value > spec.max_value:
        problems.append(f"{where} column 'value': {value:g} is above the maximum "
                        f"{spec.max_value:g} {spec.unit} allowed for {spec.name!r}")
        return None
    return value


def load_history(
    path: str | Path,
    region: str | None = None,
    *,
    min_points: int = DEFAULT_MIN_POINTS,
    require_source: bool = True,
    registry: Mapping[str, SeriesSpec] = SERIES,
) -> pd.DataFrame:
    """Read and validate a history file in the user data format (see module docstring).

    Args:
        path: CSV file.
        region: if given, keep only this region (error if the file has none of it).
        min_points: minimum number of rows per (region, variable); fewer is an error.
        require_source: if True (default) an empty ``source`` is an error.
        registry: history variable registry (default :data:`calibration.series.SERIES`).

    Returns:
        Long DataFrame sorted by region, variable, year with columns region (str),
        year (int64), variable (str), value (float64, model unit), unit (canonical
        model unit), source, note, row (int, spreadsheet row), note_flags (str),
        fit_mask (bool: independent observation), derived (bool).

    Raises:
        HistoryDataError: on any format or content violation (message names file,
            row, column and the allowed values).
    """
    if min_points < 1:
        raise ValueError(f"min_points must be >= 1, got {min_points}")
    path = Path(path)
    if not path.is_file():
        raise HistoryDataError(path, ["file not found (or not a regular file)"])
    text = _decode(path, path.read_bytes())

    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        raise HistoryDataError(path, [f"row {reader.line_num}: not valid CSV ({exc})"]) from None
    if not records or not any(f.strip() for f in records[0]):
        raise HistoryDataError(path, ["row 1: header missing; expected "
                                      + ",".join(REQUIRED_COLUMNS)])
    col = _parse_header(path, records[0])
    ncol = len(records[0])

    problems: list[str] = []
    rows: list[dict[str, object]] = []
    seen: dict[tuple[str, int, str], int] = {}
    known = ", ".join(registry)
    for i, rec in enumerate(records[1:], start=2):
        if not any(f.strip() for f in rec):
            continue  # blank line
        where = f"row {i}:"
        if len(rec) != ncol:
            problems.append(f"{where} has {len(rec)} fields, expected {ncol} "
                            f"({','.join(REQUIRED_COLUMNS)}); check for unquoted commas")
            continue
        f = {c: rec[j].strip() for c, j in col.items()}
        ok = True
        if not f["region"]:
            problems.append(f"{where} column 'region': empty; give a region code such as CHN")
            ok = False
        spec = registry.get(f["variable"])
        if spec is None:
            problems.append(f"{where} column 'variable': unknown variable {f['variable']!r}; "
                            f"known variables: {known}")
            ok = False
        year: int | None = None
        if not _INT.fullmatch(f["year"]):
            problems.append(f"{where} column 'year': {f['year']!r} is not an integer year; "
                            f"allowed: integers {YEAR_MIN}-{YEAR_MAX}")
            ok = False
        else:
            year = int(f["year"])
            if not YEAR_MIN <= year <= YEAR_MAX:
                problems.append(f"{where} column 'year': {year} is outside the allowed "
                                f"range {YEAR_MIN}-{YEAR_MAX}")
                ok = False
        if require_source and not f["source"]:
            problems.append(f"{where} column 'source': empty; every value needs a source "
                            "(a source id or citation)")
            ok = False
        flags, unknown_flags = parse_note_flags(f["note"])
        if unknown_flags:
            problems.append(f"{where} column 'note': unknown flag(s) "
                            f"{', '.join('[' + u + ']' for u in unknown_flags)}; allowed flags: "
                            f"{', '.join('[' + k + ']' for k in NOTE_FLAGS)}")
            ok = False
        value: float | None = None
        if spec is not None:
            if f["unit"] not in spec.accepted_units:
                problems.append(f"{where} column 'unit': {f['unit']!r} does not match variable "
                                f"{spec.name!r}; expected unit {spec.unit!r}"
                                + (f" (or {', '.join(repr(a) for a in spec.accepted_units[1:])})"
                                   if len(spec.accepted_units) > 1 else ""))
                ok = False
            value = _check_value(spec, f["value"], where, problems)
            ok = ok and value is not None
        if year is not None and spec is not None and f["region"]:
            key = (f["region"], year, spec.name)
            if key in seen:
                problems.append(f"{where} duplicate of row {seen[key]}: region {key[0]!r}, "
                                f"year {year}, variable {key[2]!r} appear more than once; "
                                "each (region, year, variable) is allowed once")
                ok = False
            else:
                seen[key] = i
        if ok and spec is not None and year is not None and value is not None:
            rows.append({
                "region": f["region"], "year": year, "variable": spec.name,
                "value": value, "unit": spec.unit, "source": f["source"],
                "note": f["note"], "row": i, "note_flags": ",".join(flags),
                "fit_mask": all(NOTE_FLAGS[x] for x in flags),
                "derived": "derived" in flags,
            })
    if problems:
        raise HistoryDataError(path, problems)
    if not rows:
        raise HistoryDataError(path, ["no data rows after the header"])

    df = pd.DataFrame(rows)
    if region is not None:
        present = sorted(df["region"].unique())
        if region not in present:
            raise HistoryDataError(path, [f"column 'region': no rows for region {region!r}; "
                                          f"regions in file: {', '.join(present)}"])
        df = df[df["region"] == region]

    few = [
        f"row{'s' if len(g) > 1 else ''} {', '.join(str(x) for x in g['row'])}: "
        f"column 'variable': variable {v!r} "
        f"(region {r!r}) has {len(g)} point(s); at least {min_points} are needed "
        f"(min_points={min_points})"
        for (r, v), g in df.groupby(["region", "variable"]) if len(g) < min_points
    ]
    if few:
        raise HistoryDataError(path, few)

    df = df.sort_values(["region", "variable", "year"], kind="stable").reset_index(drop=True)
    return df.astype({"year": "int64", "value": "float64", "row": "int64",
                      "fit_mask": "bool", "derived": "bool"})


def _one_region(df: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """Rows of one region; error if ambiguous."""
    regions = sorted(df["region"].unique())
    if region is None:
        if len(regions) > 1:
            raise ValueError(f"history has several regions ({', '.join(regions)}); "
                             "pass region=...")
        return df
    if region not in regions:
        raise ValueError(f"no rows for region {region!r}; regions: {', '.join(regions)}")
    return df[df["region"] == region]


def history_wide(
    df: pd.DataFrame, region: str | None = None, *, observations_only: bool = False
) -> pd.DataFrame:
    """Pivot a :func:`load_history` frame to one column per variable.

    Args:
        df: long frame from :func:`load_history`.
        region: region to take; required if ``df`` holds several regions.
        observations_only: if True, values whose ``fit_mask`` is False (interpolated,
            imputed, projected) are set to NaN.

    Returns:
        Float DataFrame indexed by ``year`` (int, ascending), columns = variable names
        (sorted), values in model units, NaN where a series has no value.
    """
    d = _one_region(df, region)
    if observations_only:
        d = d[d["fit_mask"]]
    wide = d.pivot(index="year", columns="variable", values="value")
    wide = wide.reindex(columns=sorted(wide.columns)).sort_index().astype("float64")
    wide.columns.name = None
    return wide


def fit_mask_wide(df: pd.DataFrame, region: str | None = None) -> pd.DataFrame:
    """Boolean counterpart of :func:`history_wide`: True where a value exists AND is an
    independent observation usable for fitting; False otherwise (same index/columns)."""
    d = _one_region(df, region)
    mask = d.pivot(index="year", columns="variable", values="fit_mask")
    mask = mask.reindex(columns=sorted(mask.columns)).sort_index()
    mask = mask.astype("boolean").fillna(False).astype(bool)
    mask.columns.name = None
    return mask


__all__ = [
    "DEFAULT_MIN_POINTS",
    "HistoryDataError",
    "NOTE_FLAGS",
    "REQUIRED_COLUMNS",
    "YEAR_MAX",
    "YEAR_MIN",
    "fit_mask_wide",
    "history_wide",
    "load_history",
    "parse_note_flags",
]
