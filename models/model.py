"""Python API of the territorial carbon model (reference runner: PySD).

The equations live in one Vensim file, ``models/territorial_carbon.mdl``. This module
loads it with PySD, lists its constants (units, ranges, comments, sector), validates
scenario overrides and runs scenarios, returning a pandas DataFrame indexed by year.

PySD translates ``x.mdl`` into ``x.py`` next to it; to keep the repository clean the
file is copied into a per-user cache directory keyed by its content hash first.
PySD's ``Model.run(params=...)`` persists overrides on the model object, so every run
here starts from a freshly loaded model: one user's levers never leak into another run.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

MODEL_PATH = Path(__file__).with_name("territorial_carbon.mdl")

#: Initial land shares of the region's area; they must add up to at most 1 (the rest is
#: unsuitable other land).
INITIAL_LAND_SHARES: tuple[str, ...] = (
    "initial urban construction land share",
    "initial rural construction land share",
    "initial cropland share",
    "initial forest share",
    "initial grassland share",
    "initial wetland and water share",
    "initial suitable other land share",
)
#: Initial forest age fractions; young + middle-aged must not exceed 1.
INITIAL_FOREST_FRACTIONS: tuple[str, ...] = ("initial young forest fraction", "initial middle aged forest fraction")

def scale_into_whole(values: dict[str, Any], minimum: Mapping[str, float], whole: float = 0.999) -> None:
    """Scale shares of one whole (e.g. ``INITIAL_LAND_SHARES``) that add up to more than
    ``whole`` towards their lower limits ``minimum`` so that they add up to ``whole``;
    in place. Values are numbers or arrays (one share per run, scaled run by run)."""
    names = [n for n in minimum if n in values]
    if not names:
        return
    total = sum(values[n] for n in names)
    above = sum(values[n] - minimum[n] for n in names)
    scale = np.where(np.asarray(total) > whole,
                     (whole - sum(minimum[n] for n in names)) / np.maximum(above, 1e-300), 1.0)
    for n in names:
        scaled = minimum[n] + (values[n] - minimum[n]) * scale
        values[n] = float(scaled) if np.ndim(scaled) == 0 else scaled


#: Vensim control variables; they are set through the run API, not as overrides.
CONTROL_NAMES = ("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER")


class ModelInputError(ValueError):
    """A scenario override names an unknown variable or lies outside its range."""


@dataclass(frozen=True)
class Constant:
    """One model constant: a parameter or policy lever of the Vensim file.

    ``minimum``/``maximum``/``step`` come from the Vensim range ``[min,max,step]``;
    constants without a range (unit conversions) are fixed and cannot be overridden.
    """

    name: str
    py_name: str
    default: float
    units: str
    minimum: float | None
    maximum: float | None
    step: float | None
    comment: str
    sector: str

    @property
    def adjustable(self) -> bool:
        """True when the constant has a range and a non-degenerate interval."""
        return (
            self.minimum is not None
            and self.maximum is not None
            and self.maximum > self.minimum
        )

    def range_text(self) -> str:
        return f"[{self.minimum:g}, {self.maximum:g}] {self.units}"

    def in_range(self, value: Any) -> Any:
        """True where ``value`` (a number or an array) is finite and inside the range,
        with a relative tolerance of 1e-9 for values written with rounding."""
        tolerance = 1e-9 * max(1.0, abs(self.maximum or 0.0), abs(self.minimum or 0.0))
        lo, hi = (self.minimum or 0.0) - tolerance, (self.maximum or 0.0) + tolerance
        return np.isfinite(value) & (lo <= value) & (value <= hi)


@dataclass(frozen=True)
class Variable:
    """Any model variable with its documentation from the Vensim file."""

    name: str
    py_name: str
    kind: str  # Constant, Auxiliary or Stateful (PySD's classification)
    subtype: str  # e.g. Normal, Integ, Initial
    units: str
    comment: str
    sector: str


def _cache_dir() -> Path:
    base = os.environ.get("TERRITORIAL_CARBON_CACHE")
    if base:
        return Path(base)
    return Path(tempfile.gettempdir()) / "territorial-carbon-cache"


def translated_model_path(mdl_path: Path | str = MODEL_PATH) -> Path:
    """Translate the Vensim file with PySD (once per content hash) and return the .py path."""
    mdl_path = Path(mdl_path)
    text = mdl_path.read_bytes()
    digest = hashlib.sha256(text).hexdigest()[:16]
    target_dir = _cache_dir() / f"{mdl_path.stem}-{digest}"
    py_path = target_dir / f"{mdl_path.stem}.py"
    if not py_path.exists():
        import pysd

        target_dir.mkdir(parents=True, exist_ok=True)
        tmp_dir = Path(tempfile.mkdtemp(dir=target_dir))
        shutil.copyfile(mdl_path, tmp_dir / mdl_path.name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pysd.read_vensim(str(tmp_dir / mdl_path.name))
        # Atomic publish so that concurrent processes never see a half-written file.
        os.replace(tmp_dir / py_path.name, py_path)
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return py_path


def sectors_of(mdl_path: Path | str = MODEL_PATH) -> dict[str, str]:
    """Map each Vensim variable name to the sector (group) it is defined in."""
    sector = ""
    mapping: dict[str, str] = {}
    text = Path(mdl_path).read_text(encoding="utf-8")
    blocks = text.split("\\\\\\---///")[0].split("|")
    group_re = re.compile(r"\*{10,}\s*\n\s*\.(.+?)\n\s*\*{10,}", re.S)
    for block in blocks:
        match = group_re.search(block)
        if match:
            sector = match.group(1).strip()
            block = block[match.end():]
        head = block.strip().removeprefix("{UTF-8}").strip()
        if not head or "~" not in head:
            continue
        lhs = re.split(r"=|\(", head.split("~")[0], maxsplit=1)[0].strip()
        if lhs:
            mapping[" ".join(lhs.split())] = sector
    return mapping


#: Version of the metadata cache written beside a translated model (bump when its content changes).
_METADATA_FORMAT = 1


def model_metadata(py_path: Path) -> dict[str, Any]:
    """What the documentation and validation need from PySD's load of a translated model:
    its time settings, the rows of ``model.doc`` and the default of every constant.

    Loading the PySD model takes most of a second; its result depends only on the
    translated file (named by the model's content hash) and the PySD version, so it is
    kept as JSON beside that file and read from there afterwards.
    """
    import json
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        version = package_version("pysd")
    except PackageNotFoundError:
        version = ""
    meta_path = py_path.with_suffix(".meta.json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") == _METADATA_FORMAT and meta.get("pysd") == version:
            return meta
    except (OSError, ValueError):
        pass
    import pysd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = pysd.load(str(py_path))
    doc = []
    defaults: dict[str, float] = {}
    for row in probe.doc.itertuples(index=False):
        values = [_json_value(v) for v in row]
        doc.append(values)
        if row[5] == "Constant" and row[0] not in CONTROL_NAMES:
            defaults[row[1]] = float(getattr(probe.components, row[1])())
    meta = {
        "format": _METADATA_FORMAT,
        "pysd": version,
        "time_settings": {
            "INITIAL TIME": float(probe.components.initial_time()),
            "FINAL TIME": float(probe.components.final_time()),
            "TIME STEP": float(probe.components.time_step()),
            "SAVEPER": float(probe.components.saveper()),
        },
        "doc": doc,
        "defaults": defaults,
    }
    from models.batch.cache import atomic_write

    try:  # atomic: concurrent processes never read half a file
        atomic_write(meta_path, json.dumps(meta).encode("utf-8"))
    except OSError:
        pass  # a read-only cache: keep working without it
    return meta


def _json_value(value: Any) -> Any:
    """A cell of PySD's doc table as JSON: tuples as lists, NumPy scalars as Python ones,
    missing values (NaN, None) as None."""
    if isinstance(value, (tuple, list)):
        return [_json_value(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class TerritorialModel:
    """Reference runner of the Vensim model, with documentation and validation."""

    def __init__(self, mdl_path: Path | str = MODEL_PATH) -> None:
        self.mdl_path = Path(mdl_path)
        self.py_path = translated_model_path(self.mdl_path)
        meta = model_metadata(self.py_path)
        sectors = sectors_of(self.mdl_path)
        self.time_settings = dict(meta["time_settings"])
        defaults = meta["defaults"]
        self.variables: dict[str, Variable] = {}
        self.constants: dict[str, Constant] = {}
        for row in meta["doc"]:
            name, py_name = row[0], row[1]
            units, limits, kind, subtype, comment = row[3], row[4], row[5], row[6], row[7]
            var = Variable(
                name=name,
                py_name=py_name,
                kind=kind,
                subtype=subtype or "",
                units=units or "",
                comment=comment or "",
                sector=sectors.get(name, ""),
            )
            self.variables[name] = var
            if kind == "Constant" and name not in CONTROL_NAMES:
                lo, hi, step = (tuple(limits or ()) + (None, None, None))[:3]
                self.constants[name] = Constant(
                    name=name,
                    py_name=py_name,
                    default=float(defaults[py_name]),
                    units=units or "",
                    minimum=_finite_or_none(lo),
                    maximum=_finite_or_none(hi),
                    step=_finite_or_none(step),
                    comment=comment or "",
                    sector=var.sector,
                )
        self._by_py = {v.py_name: v.name for v in self.variables.values()}

    # ------------------------------------------------------------------ names
    def resolve(self, key: str) -> str:
        """Return the Vensim name for a Vensim or python name; raise a clear error if unknown."""
        if key in self.variables:
            return key
        if key in self._by_py:
            return self._by_py[key]
        folded = " ".join(key.replace("_", " ").split()).lower()
        for name in self.variables:
            if name.lower() == folded:
                return name
        raise ModelInputError(f"unknown model variable '{key}'.{self._suggest(key, self.variables)}")

    def resolve_constant(self, key: str) -> str:
        """Vensim name of the constant ``key`` (Vensim or python name); the error for an
        unknown name or a computed variable suggests constants with similar names."""
        if key in self.constants:
            return key
        try:
            name = self.resolve(key)
        except ModelInputError:
            hint = self._suggest(key, self.constants)
            raise ModelInputError(f"unknown model variable '{key}'.{hint}") from None
        if name not in self.constants:
            hint = self._suggest(key, self.constants)  # only on failure: difflib is slow
            raise ModelInputError(
                f"'{key}' is a computed {self.variables[name].kind.lower()} variable, not a "
                f"constant; only constants can be overridden.{self._suggest(key, self.constants)}"
            )
        return name

    @staticmethod
    def _suggest(key: str, names: Iterable[str]) -> str:
        """' Did you mean: a, b?' with up to three of ``names`` close to ``key`` ('' if none)."""
        by_folded = {n.lower(): n for n in names}
        folded = " ".join(key.replace("_", " ").split()).lower()
        close = difflib.get_close_matches(folded, list(by_folded), n=3, cutoff=0.6)
        return f" Did you mean: {', '.join(by_folded[c] for c in close)}?" if close else ""

    # ------------------------------------------------------------ validation
    def validate_overrides(
        self, overrides: Mapping[str, object], source: str = "overrides"
    ) -> dict[str, Any]:
        """Check names, types and ranges of constant overrides.

        A value is a number, or a ``pandas.Series`` indexed by year for a historical
        data input given as a time series (every point inside the constant's range;
        interpolated linearly between its years and held outside them at run time).
        Returns a mapping Vensim name → float or Series. Raises ``ModelInputError``
        naming the source (e.g. a file), the key and the allowed range.
        """
        clean: dict[str, Any] = {}
        for key, value in overrides.items():
            try:
                name = self.resolve_constant(str(key))
            except ModelInputError as err:
                raise ModelInputError(f"{source}: {err}") from None
            const = self.constants[name]
            if isinstance(value, pd.Series):
                clean[name] = self._validate_series(const, str(key), value, source)
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ModelInputError(
                    f"{source}: '{key}' must be a number in {const.range_text()}, "
                    f"got {value!r}."
                )
            value = float(value)
            if not math.isfinite(value):
                raise ModelInputError(f"{source}: '{key}' must be finite, got {value!r}.")
            if not const.adjustable:
                if value != const.default:
                    raise ModelInputError(
                        f"{source}: '{key}' is a fixed constant ({const.default:g} "
                        f"{const.units}) and cannot be changed."
                    )
                continue
            if not const.in_range(value):
                raise ModelInputError(
                    f"{source}: '{key}' = {value:g} is outside the allowed range "
                    f"{const.range_text()}."
                )
            clean[name] = value
        self._check_initial_land(clean, source)
        return clean

    @staticmethod
    def _validate_series(const: Constant, key: str, value: pd.Series, source: str) -> pd.Series:
        """A time-series override: numeric strictly increasing years, finite values in range."""
        if not const.adjustable:
            raise ModelInputError(f"{source}: '{key}' is a fixed constant and cannot be a time series.")
        try:
            years = np.asarray(value.index, dtype=float)
            numbers = np.asarray(value.to_numpy(), dtype=float)
        except (TypeError, ValueError):
            raise ModelInputError(f"{source}: '{key}': a time series needs numeric years and values.") from None
        if len(numbers) == 0 or np.any(np.diff(years) <= 0) or not np.all(np.isfinite(years)):
            raise ModelInputError(f"{source}: '{key}': a time series needs at least one point and "
                                  "strictly increasing years.")
        bad = ~const.in_range(numbers)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ModelInputError(f"{source}: '{key}' in {years[i]:g} = {numbers[i]:g} is outside the allowed "
                                  f"range {const.range_text()}.")
        return pd.Series(numbers, index=years, dtype=float)

    def _check_initial_land(self, clean: Mapping[str, Any], source: str) -> None:
        share_names = INITIAL_LAND_SHARES

        def number(name: str) -> float:
            value = clean.get(name, self.constants[name].default)
            return float(value.iloc[0]) if isinstance(value, pd.Series) else float(value)

        total = sum(number(n) for n in share_names)
        if total > 1 + 1e-12:
            raise ModelInputError(
                f"{source}: the initial land shares ({', '.join(share_names)}) add up to "
                f"{total:.4f}; they must not exceed 1 (the rest is unsuitable other land)."
            )
        young = number("initial young forest fraction")
        middle = number("initial middle aged forest fraction")
        if young + middle > 1 + 1e-12:
            raise ModelInputError(
                f"{source}: 'initial young forest fraction' + 'initial middle aged forest "
                f"fraction' = {young + middle:.3f}; they must not exceed 1."
            )

    # ------------------------------------------------------------------- run
    def run(
        self,
        overrides: Mapping[str, object] | None = None,
        return_columns: Sequence[str] | None = None,
        final_time: float | None = None,
        time_step: float | None = None,
        saveper: float | None = None,
        source: str = "overrides",
    ) -> pd.DataFrame:
        """Run one scenario with PySD and return a DataFrame indexed by year.

        Columns are Vensim names; every stock, flow and auxiliary is returned unless
        ``return_columns`` restricts them (Vensim or python names).
        """
        import pysd

        params = self.validate_overrides(overrides or {}, source=source)
        columns = None
        if return_columns is not None:
            columns = [self.resolve(c) for c in return_columns]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = pysd.load(str(self.py_path))
            control = {}
            if final_time is not None:
                control["final_time"] = final_time
            if time_step is not None:
                control["time_step"] = time_step
            if saveper is not None:
                control["saveper"] = saveper
            result = model.run(
                params={k: v for k, v in params.items()},
                return_columns=columns,
                final_time=control.get("final_time"),
                time_step=control.get("time_step"),
                saveper=control.get("saveper"),
            )
        result.index.name = "year"
        return result

    def constants_frame(self) -> pd.DataFrame:
        """All constants with units, ranges, defaults, sector and comment."""
        rows = [
            {
                "name": c.name,
                "py_name": c.py_name,
                "sector": c.sector,
                "default": c.default,
                "units": c.units,
                "min": c.minimum,
                "max": c.maximum,
                "step": c.step,
                "adjustable": c.adjustable,
                "comment": c.comment,
            }
            for c in self.constants.values()
        ]
        return pd.DataFrame(rows)

    def variables_frame(self) -> pd.DataFrame:
        """Every variable (stocks, flows, auxiliaries, constants) with its documentation."""
        return pd.DataFrame([v.__dict__ for v in self.variables.values()])

    def stocks(self) -> list[str]:
        """Vensim names of the stocks (INTEG) of the model."""
        return [
            v.name
            for v in self.variables.values()
            if v.subtype == "Integ"
        ]


def _finite_or_none(value: object) -> float | None:
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _model_key(mdl_path: str | Path) -> str:
    """One cache key per model file, however its path is spelled (``load_model()``,
    ``load_model(MODEL_PATH)`` and ``load_model(str(MODEL_PATH))`` share one instance)."""
    return str(Path(mdl_path).resolve())


def load_model(mdl_path: str | Path = MODEL_PATH) -> TerritorialModel:
    """Load (and cache) the model documentation and runner. Immutable once built."""
    return _load_model(_model_key(mdl_path))


@lru_cache(maxsize=4)
def _load_model(key: str) -> TerritorialModel:
    return TerritorialModel(key)


def list_constants(mdl_path: str | Path = MODEL_PATH) -> pd.DataFrame:
    """Constants of the model with units, ranges, defaults, sector and comment."""
    return load_model(mdl_path).constants_frame()


def batch_model(mdl_path: str | Path = MODEL_PATH):
    """The compiled vectorized simulator of the model file (cached per process, one
    per file however its path is spelled).

    It holds no run state: every call of ``run`` is a pure function of its parameters,
    so sharing it between sessions is safe.
    """
    return _batch_model(_model_key(mdl_path))


@lru_cache(maxsize=4)
def _batch_model(key: str):
    from models.batch import compile_model

    return compile_model(key)


def run_scenario(
    overrides: Mapping[str, object] | None = None,
    return_columns: Iterable[str] | None = None,
    mdl_path: str | Path = MODEL_PATH,
    engine: str = "batch",
    source: str = "overrides",
    **time_settings: float,
) -> pd.DataFrame:
    """Run a scenario (mapping of constant overrides) and return results by year.

    ``engine="batch"`` (default) uses the compiled simulator, equal to PySD to 1e-9
    (tests/models/batch) and about 30 times faster for one run; ``engine="pysd"`` is
    the reference runner. ``time_settings``: ``initial_time``, ``final_time``,
    ``time_step``, ``saveper`` (years); the batch runner compiles per time grid, and
    a later ``initial_time`` computes every initial value at that year, as the
    model file with that INITIAL TIME would (the PySD engine takes the last three).
    """
    model = load_model(mdl_path)
    columns = list(return_columns) if return_columns is not None else None
    if engine == "pysd":
        return model.run(overrides, return_columns=columns, source=source, **time_settings)
    if engine != "batch":
        raise ValueError(f"unknown engine {engine!r}; use 'batch' or 'pysd'")
    params = model.validate_overrides(overrides or {}, source=source)
    outputs = [model.resolve(c) for c in columns] if columns is not None else None
    from models.batch import ParameterError

    try:
        result = batch_model(mdl_path).run(params, n_runs=1, outputs=outputs, **time_settings)
    except ParameterError as exc:
        raise ModelInputError(f"{source}: {exc}") from None
    frame = result.to_dataframe(run=0)
    frame.index = frame.index.astype(float)
    frame.index.name = "year"
    return frame
