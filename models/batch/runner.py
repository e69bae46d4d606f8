"""Run API of the batch simulator: ``compile_model(path) -> BatchModel``.

``BatchModel.run`` evaluates N parameter sets at once and returns every requested
variable at every saved time (``BatchResult``); ``BatchModel.run_metrics`` reduces
each run to scalars chunk by chunk without keeping the time series.

Memory
------
``run`` keeps one float64 array per requested output, ``8 * n_times * N`` bytes:
for the product model (1990-2100, SAVEPER 1, n_times = 111) that is 88.8 MB per
output per 10^5 runs (22 stocks: 1.95 GB; all 284 variables: 25 GB, so request
the outputs you need for large sweeps, or use ``run_metrics``).
On top of that each worker thread holds one chunk's working set, about
``8 * chunk_size * n_arrays`` bytes where n_arrays counts per-run parameters,
states, derivative buffers and shared loop buffers (~250 for the product model:
~16 MB at the default chunk of 8192 runs). ``run_metrics`` adds
``8 * chunk_size * n_times * n_outputs`` bytes per thread for the chunk's time
series (7.3 MB per output at chunk 8192) and ``8 * N`` bytes per metric; it does
not grow with N otherwise.

Threads
-------
``n_threads`` > 1 runs chunks in parallel threads (NumPy releases the GIL inside
ufuncs). Each step is ~450 short ufunc calls, so the threads contend for the GIL
between calls; on the 2-vCPU development machine two threads were ~20 % slower
than one when the machine was otherwise idle (and faster only when other processes
competed for the CPUs), hence the default of 1.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import ir
from .compiler import Compiler, Simulator, load_model
from .errors import ParameterError
from .memory import empty_arrays
from .names import NameResolver
from .params import PreparedParams, prepare_params
from .results import BatchResult
from .runtime import DelayOrderError
from .translate import evaluate_constant

#: Runs per chunk: large enough to amortise the ~0.3 us Python overhead of each NumPy
#: call, small enough for the working set (~250 arrays of 8 B x chunk, ~16 MB) to stay
#: in the 32 MB L3 cache (tuned on the product model with benchmarks/bench_batch.py:
#: 2048 -> 4096 -> 8192 runs per chunk gave ~5.0k, ~7.4k, ~8.2k runs/s under load).
DEFAULT_CHUNK_SIZE = 8192

Metric = Callable[[dict, np.ndarray], np.ndarray]
Progress = Callable[[int, int], None]


def compile_model(path: str | Path) -> "BatchModel":
    """Parse a subscript-free Vensim .mdl with PySD and compile it for batch runs.

    Raises ``UnsupportedConstructError`` (naming the variable and construct) for
    anything outside the supported subset.
    """
    return BatchModel(load_model(path), Path(path))


class BatchModel:
    """A compiled model: metadata, name resolution and vectorised runs."""

    def __init__(self, model: ir.ModelIR, path: Path | None = None):
        self.ir = model
        self.path = path
        self.compiler = Compiler(model)
        self.grid = self.compiler.grid
        addressable = {
            info.vensim: py for py, info in model.info.items() if info.kind != "lookup"
        }
        self.names = NameResolver(addressable)
        self._lookups = NameResolver(
            {info.vensim: py for py, info in model.info.items() if info.kind == "lookup"}
        )

    # ------------------------------------------------------------ metadata
    @property
    def variables(self) -> tuple[str, ...]:
        """Vensim names of all variables (constants, auxiliaries, stocks, control)."""
        return tuple(
            info.vensim for info in self.ir.info.values() if info.kind != "lookup"
        )

    @property
    def stocks(self) -> tuple[str, ...]:
        """Vensim names of the INTEG stocks."""
        out = []
        for py, info in self.ir.info.items():
            expr = self.ir.nodes[py].expr if py in self.ir.nodes else None
            if isinstance(expr, ir.StateRef) and self.ir.statefuls[expr.key].kind == "integ":
                out.append(info.vensim)
        return tuple(out)

    @property
    def constants(self) -> dict[str, float]:
        """Vensim name -> default value of every constant (number-only equation)."""
        return {
            info.vensim: evaluate_constant(self.ir.nodes[py].expr, self.ir.nodes)
            for py, info in self.ir.info.items()
            if info.kind == "constant"
        }

    @property
    def limits(self) -> dict[str, tuple]:
        """Vensim name -> declared range (min, max[, step]); None where not given."""
        return {
            info.vensim: info.limits
            for info in self.ir.info.values()
            if info.kind != "lookup" and any(v is not None for v in info.limits)
        }

    @property
    def times(self) -> np.ndarray:
        """Saved times (SAVEPER points, model time units), as PySD labels them."""
        return self.grid.saved_times.copy()

    def info(self, name: str) -> ir.VariableInfo:
        """Units, range, comment and kind of a variable."""
        return self.ir.info[self.resolve(name)]

    def resolve(self, name: str) -> str:
        """PySD python name of ``name`` (Vensim or python spelling).

        Raises ``UnknownVariableError`` (a KeyError) listing close matches.
        """
        return self.names.resolve(name)

    def vensim_name(self, name: str) -> str:
        """Vensim name of ``name`` (Vensim or python spelling)."""
        return self.names.vensim(name)

    def source(
        self, params: Mapping[str, object] | None = None, outputs: Sequence[str] | None = None,
        n_runs: int | None = None,
    ) -> str:
        """Python source of the simulator ``run`` would use for these arguments
        (for inspection and debugging)."""
        prepared = self._prepare(params, n_runs)
        _, py_outputs = self._outputs(outputs)
        scalar = prepared.n_runs == 1 and not any(
            k in ("array", "frame") for k in prepared.kinds.values()
        )
        return self._simulator(prepared, py_outputs, "scalar" if scalar else "vector").source

    # --------------------------------------------------------------- runs
    def _prepare(self, params, n_runs) -> PreparedParams:
        resolved: dict = {}
        for name, value in (params or {}).items():
            if name not in self.names and name in self._lookups:
                raise ParameterError(f"{name!r} is a lookup; overriding lookups is not supported")
            py = self.resolve(name)
            if self.ir.info[py].kind == "control":
                raise ParameterError(
                    f"{name!r} is a control variable; it cannot be overridden in batch runs"
                )
            if py in resolved:
                raise ParameterError(f"{name!r} given twice (as another spelling)")
            resolved[py] = value
        return prepare_params(resolved, n_runs, self.grid)

    def _outputs(self, outputs) -> tuple[list[str], list[str]]:
        if outputs is None:
            keys = list(self.variables)
        elif isinstance(outputs, str):
            keys = [outputs]
        else:
            keys = list(dict.fromkeys(outputs))
        py = [self.resolve(k) for k in keys]
        return keys, py

    def _simulator(self, prepared: PreparedParams, outputs_py, mode: str) -> Simulator:
        return self.compiler.simulator(
            prepared.kinds, tuple(dict.fromkeys(outputs_py)), mode, prepared.int_names
        )

    def run(
        self,
        params: Mapping[str, object] | None = None,
        n_runs: int | None = None,
        outputs: Sequence[str] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        n_threads: int | None = None,
        progress: Progress | None = None,
    ) -> BatchResult:
        """Simulate ``n_runs`` parameter sets and return the saved time series.

        params     name -> value: a number (shared by all runs), a 1-D array of
                   length N (one value per run), a ``pandas.Series`` indexed by time
                   (shared time-series input, interpolated as PySD does) or a
                   ``pandas.DataFrame`` indexed by time with N columns (per run).
                   Names: Vensim or PySD python spelling.
        n_runs     N; default inferred from the arrays, else 1.
        outputs    variables to return (default: all variables; see module
                   docstring for memory).
        chunk_size runs simulated together per NumPy call.
        n_threads  worker threads over chunks (default 1, see module docstring).
        progress   called as ``progress(done_runs, total_runs)`` after each chunk.

        Returns a ``BatchResult`` whose ``arrays[name]`` has shape (N, n_times).
        """
        prepared = self._prepare(params, n_runs)
        keys, py_outputs = self._outputs(outputs)
        unique = list(dict.fromkeys(py_outputs))
        n = prepared.n_runs
        n_saved = self.grid.n_saved
        if n == 1 and not any(k in ("array", "frame") for k in prepared.kinds.values()):
            data = self._run_scalar(prepared, unique)
        else:
            # stored (n_saved, N) so the simulator writes contiguous rows; exposed
            # to the caller as (N, n_saved) transposed views
            stored = empty_arrays({py: (n_saved, n) for py in unique})

            def task(start: int, stop: int) -> None:
                out = {py: stored[py][:, start:stop] for py in unique}
                self._run_vector(prepared, unique, start, stop, out)

            self._map_chunks(task, n, chunk_size, n_threads, progress)
            data = {py: stored[py].T for py in unique}
        if progress is not None and n == 1:
            progress(1, 1)
        arrays = {key: data[py] for key, py in zip(keys, py_outputs)}
        return BatchResult(
            arrays=arrays,
            times=self.times,
            vensim={key: self.ir.info[py].vensim for key, py in zip(keys, py_outputs)},
            resolve=self.resolve,
        )

    def run_metrics(
        self,
        params: Mapping[str, object] | None,
        metrics: Mapping[str, Metric],
        n_runs: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        progress: Progress | None = None,
        outputs: Sequence[str] | None = None,
        n_threads: int | None = None,
    ) -> pd.DataFrame:
        """Reduce every run to scalars without keeping all time series.

        Each metric is called once per chunk as ``metric(arrays, times)`` where
        ``arrays`` maps output names (as given in ``outputs``, default all
        variables by Vensim name) to arrays (chunk, n_times) and ``times`` has shape
        (n_times,); it must return an array of shape (chunk,).
        Pass ``outputs`` (the variables the metrics read) to compute only those.

        Returns a DataFrame indexed by run (0..N-1) with one column per metric.
        """
        prepared = self._prepare(params, n_runs)
        keys, py_outputs = self._outputs(outputs)
        unique = list(dict.fromkeys(py_outputs))
        n = prepared.n_runs
        times = self.times
        results = {name: np.empty(n) for name in metrics}
        n_saved = self.grid.n_saved
        local = threading.local()  # per-thread (n_saved, chunk) buffers, reused

        def task(start: int, stop: int) -> None:
            size = stop - start
            if n == 1 and not any(k in ("array", "frame") for k in prepared.kinds.values()):
                data = self._run_scalar(prepared, unique)
            else:
                buffers = getattr(local, "buffers", None)
                if buffers is None or local.size < size:
                    buffers = empty_arrays({py: (n_saved, size) for py in unique})
                    local.buffers, local.size = buffers, size
                out = {py: buffers[py][:, :size] for py in unique}
                self._run_vector(prepared, unique, start, stop, out)
                data = {py: out[py].T for py in unique}
            arrays = {key: data[py] for key, py in zip(keys, py_outputs)}
            for name, metric in metrics.items():
                value = np.asarray(metric(arrays, times), dtype=float)
                if value.shape != (size,):
                    raise ValueError(
                        f"metric {name!r} returned shape {value.shape}, expected ({size},)"
                    )
                results[name][start:stop] = value

        self._map_chunks(task, n, chunk_size, n_threads, progress)
        return pd.DataFrame(results, index=pd.RangeIndex(n, name="run"))

    # ----------------------------------------------------------- internals
    @staticmethod
    def _map_chunks(task, n: int, chunk_size: int, n_threads, progress) -> None:
        chunk_size = max(1, int(chunk_size))
        bounds = [(s, min(n, s + chunk_size)) for s in range(0, n, chunk_size)]
        workers = min(len(bounds), max(1, int(n_threads or 1)))
        done = 0
        if workers <= 1:
            for start, stop in bounds:
                task(start, stop)
                done += stop - start
                if progress is not None:
                    progress(done, n)
            return
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(task, start, stop) for start, stop in bounds]
            try:
                for future, (start, stop) in zip(futures, bounds):
                    future.result()
                    done += stop - start
                    if progress is not None:
                        progress(done, n)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def _run_vector(self, prepared, outputs, start, stop, out) -> None:
        inputs = prepared.chunk(start, stop)
        simulator = self._simulator(prepared, outputs, "vector")
        with np.errstate(all="ignore"):
            try:
                simulator.run_chunk(inputs, stop - start, out)
            except DelayOrderError:
                raise
            except (ArithmeticError, ValueError, TypeError):
                # a value shared by all runs hit a Python float error: redo with arrays
                safe = self._simulator(prepared, outputs, "safe")
                safe.run_chunk(inputs, stop - start, out)

    def _run_scalar(self, prepared, outputs) -> dict:
        n_saved = self.grid.n_saved
        simulator = self._simulator(prepared, outputs, "scalar")
        out = {py: [0.0] * n_saved for py in outputs}
        try:
            simulator.run_chunk(prepared.values, 1, out)
        except DelayOrderError:
            raise
        except (ArithmeticError, ValueError, TypeError):
            # math-module error (overflow, log(0), x/0...): NumPy semantics instead
            arrays = {py: np.empty((n_saved, 1)) for py in outputs}
            self._run_vector(prepared, outputs, 0, 1, arrays)
            return {py: arrays[py].T.copy() for py in outputs}
        block = np.array([out[py] for py in outputs], dtype=float)  # (n_outputs, n_saved)
        return {py: block[i : i + 1] for i, py in enumerate(outputs)}
