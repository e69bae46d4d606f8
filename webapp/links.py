"""Compact blobs in the page link: a session's own region and its saved comparison set.

A blob is ``z`` + URL-safe base64 of zlib-compressed JSON. Decoding is done with
limits *before* any work: the text length, the decompressed size (read with a cap,
so a "zip bomb" is refused without being inflated), the JSON nesting depth and the
number of entries. Every refusal is a :class:`webapp.scenario_io.ScenarioInputError`
naming the link key.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import zlib
from typing import Any, Mapping, Sequence

from scenarios.safe_yaml import as_error
from webapp.scenario_io import ScenarioInputError

#: Longest blob accepted in a link (characters) and its largest decompressed size (bytes).
MAX_BLOB_CHARS = 12_000
MAX_JSON_BYTES = 60_000
MAX_DEPTH = 8
MAX_SAVED_IN_LINK = 6


def encode_blob(data: Any) -> str:
    """``z`` + base64url(zlib(JSON)) of plain data (dicts, lists, strings, numbers)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    packed = zlib.compress(text.encode("utf-8"), 9)
    return "z" + base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_blob(blob: str, key: str) -> Any:
    """Inverse of :func:`encode_blob`, with the limits of the module docstring."""
    source = f"link: '{key}'"
    if not isinstance(blob, str) or not blob.startswith("z"):
        raise ScenarioInputError(f"{source} is not a link made by this app.")
    if len(blob) > MAX_BLOB_CHARS:
        raise ScenarioInputError(f"{source} is longer than {MAX_BLOB_CHARS:,} characters.")
    body = blob[1:]
    try:
        packed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise ScenarioInputError(f"{source} is damaged (not base64).") from None
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(packed, MAX_JSON_BYTES + 1)
    except zlib.error:
        raise ScenarioInputError(f"{source} is damaged (not compressed data).") from None
    if len(raw) > MAX_JSON_BYTES or inflater.unconsumed_tail:
        raise ScenarioInputError(f"{source} holds more than {MAX_JSON_BYTES // 1000} kB.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ScenarioInputError(f"{source} is damaged (not JSON).") from None
    if _depth(data) > MAX_DEPTH:
        raise ScenarioInputError(f"{source} is nested deeper than {MAX_DEPTH} levels.")
    return data


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_DEPTH:
        return level
    if isinstance(value, Mapping):
        return max([_depth(v, level + 1) for v in value.values()] or [level + 1])
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value] or [level + 1])
    return level


def encode_saved(saved: Sequence[Mapping[str, Any]], start_values, model) -> str:
    """The saved comparison set: name, start and the constants changed from the start."""
    from webapp.scenario_io import diff_from

    rows = []
    for s in saved:
        try:
            base = start_values(s["start"])
        except ValueError:
            base = {}
        diff = diff_from(base, s["values"], model)
        rows.append({"n": s["name"], "s": s["start"],
                     "v": {model.constants[k].py_name: float(format(v, ".10g")) for k, v in diff.items()}})
    return encode_blob(rows)


def decode_saved(blob: str, start_values, model) -> list[dict[str, Any]]:
    """Saved scenarios from a link; each is validated like a lever link (names and ranges)."""
    from models.model import ModelInputError

    data = decode_blob(blob, "cmp")
    if not isinstance(data, list) or len(data) > MAX_SAVED_IN_LINK:
        raise ScenarioInputError(f"link: 'cmp' must list at most {MAX_SAVED_IN_LINK} saved scenarios.")
    out = []
    for i, row in enumerate(data):
        where = f"link: 'cmp' scenario {i + 1}"
        if not (isinstance(row, Mapping) and isinstance(row.get("n"), str) and isinstance(row.get("s"), str)
                and isinstance(row.get("v"), Mapping)):
            raise ScenarioInputError(f"{where} is damaged (name, start and values expected).")
        name = row["n"].strip()[:80] or f"{i + 1}"
        values = {}
        for k, v in row["v"].items():
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                raise ScenarioInputError(f"{where}: '{k}' must be a number.")
            values[str(k)] = float(v)
        try:
            base = start_values(row["s"])
            clean = model.validate_overrides(values, source=where) if values else {}
            merged = {**base, **clean}
            model.validate_overrides(merged, source=where)
        except ModelInputError as err:
            raise as_error(ScenarioInputError, err) from None
        out.append({"name": name, "start": row["s"], "values": merged})
    return out
