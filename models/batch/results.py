"""Container for the saved time series of a batch of runs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar

import numpy as np
import pandas as pd

V = TypeVar("V")


class LazyMapping(Mapping[str, V], Generic[V]):
    """Read-only mapping over known keys whose values are made from the key when first
    asked for (and kept). A single run with every variable saved has about 700 outputs;
    making 700 array views and documentation entries up front cost as much as the
    simulation itself. Pickles as a plain dict of its values."""

    def __init__(self, keys: Iterable[str], value: Callable[[str], V]) -> None:
        # a dict is used as it is (shared between mappings of the same keys, never changed)
        self._keys: Mapping[str, Any] = keys if isinstance(keys, dict) else dict.fromkeys(keys)
        self._value = value
        self._made: dict[str, V] = {}

    def __getitem__(self, key: str) -> V:
        try:
            return self._made[key]
        except KeyError:
            if key not in self._keys:
                raise
        made = self._made[key] = self._value(key)
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (dict(self.items()),))


@dataclass
class BatchResult:
    """Saved values of N runs.

    arrays   output name (as requested) -> float64 array (N, n_times): value of the
             variable (in its model units) in each run at each saved time, i.e. the
             value PySD reports at that time. Arrays of N > 1 runs are transposed
             views of (n_times, N) storage (Fortran-ordered).
    times    saved times (model time units, e.g. years), shape (n_times,).
    vensim   output name -> Vensim name of the variable.
    resolve  callable mapping any accepted spelling of a name to its python name.
    """

    arrays: Mapping[str, np.ndarray]
    times: np.ndarray
    vensim: Mapping[str, str] = field(default_factory=dict)
    resolve: Callable | None = None
    info: Mapping[str, Any] = field(default_factory=dict)  # output name -> ir.VariableInfo
    time_units: str = ""  # units of INITIAL TIME in the model (e.g. "Year")
    model: str = ""  # model file the results come from

    @property
    def n_runs(self) -> int:
        return next(iter(self.arrays.values())).shape[0] if self.arrays else 0

    @property
    def names(self) -> list[str]:
        return list(self.arrays)

    def __getitem__(self, name: str) -> np.ndarray:
        """Array (N, n_times) of ``name`` (any accepted spelling of an output)."""
        if name in self.arrays:
            return self.arrays[name]
        if self.resolve is not None:
            target = self.resolve(name)
            for key in self.arrays:
                if self.resolve(key) == target:
                    return self.arrays[key]
        raise KeyError(f"{name!r} is not among the outputs of this run: {self.names}")

    def to_xarray(self):
        """``xarray.Dataset`` with one variable per output, dims ("run", "time").

        Every variable carries the model file's documentation as attributes:
        ``units``, ``long_name`` (the Vensim name) and ``comment``; ``time`` carries
        the model's time unit. The arrays are not copied."""
        import xarray as xr

        data = {}
        for name, values in self.arrays.items():
            info = self.info.get(name)
            attrs = {
                "long_name": self.vensim.get(name, name),
                "units": info.units if info is not None else "",
                "comment": info.comment if info is not None else "",
            }
            data[name] = xr.Variable(("run", "time"), values, attrs)
        time = xr.Variable("time", self.times, {"long_name": "Time", "units": self.time_units})
        attrs = {"source": self.model} if self.model else {}
        return xr.Dataset(data, coords={"run": np.arange(self.n_runs), "time": time}, attrs=attrs)

    def to_dataframe(self, run: int = 0) -> pd.DataFrame:
        """DataFrame of one run: index ``time`` (years), one column per output."""
        if not -self.n_runs <= run < self.n_runs:
            raise IndexError(f"run {run} out of range for {self.n_runs} runs")
        frame = pd.DataFrame(
            {name: values[run] for name, values in self.arrays.items()},
            index=pd.Index(self.times, name="time"),
        )
        return frame

    def to_long(self) -> pd.DataFrame:
        """Tidy long frame with columns run, time, variable, value (N * T * V rows)."""
        n_runs, n_times = self.n_runs, len(self.times)
        run = np.repeat(np.arange(n_runs), n_times)
        time = np.tile(self.times, n_runs)
        frames = [
            pd.DataFrame(
                {"run": run, "time": time, "variable": name, "value": values.reshape(-1)}
            )
            for name, values in self.arrays.items()
        ]
        if not frames:
            return pd.DataFrame(columns=["run", "time", "variable", "value"])
        return pd.concat(frames, ignore_index=True)
