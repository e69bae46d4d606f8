"""The raw calibration data files (``calibration/data/raw/*.csv``), read for the tests that
recompute a data input or a fixed constant from its sources."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

RAW_DIR = Path(__file__).resolve().parents[2] / "calibration" / "data" / "raw"


@cache
def raw_values(file_name: str, region: str) -> dict[str, dict[int, float]]:
    """One region's rows of a raw file: variable -> year -> value (in the file's units)."""
    out: dict[str, dict[int, float]] = {}
    with open(RAW_DIR / file_name, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["region"] == region:
                out.setdefault(row["variable"], {})[int(row["year"])] = float(row["value"])
    return out
