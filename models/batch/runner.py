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
On top of that the NumPy backend holds one chunk's working set per thread, about
``8 * chunk_size * n_arrays`` bytes where n_arrays counts per-run parameters,
states, derivative buffers and shared loop buffers (~250 for the product model:
~16 MB at the default chunk of 8192 runs); the Numba kernel needs ~30 kB per thread
plus a copy of the per-run parameters (``8 * N * n_per_run`` bytes). ``run_metrics`` adds
``8 * chunk_size * n_times * n_outputs`` bytes per thread for the chunk's time
series (7.3 MB per output at chunk 8192; with the Numba backend the chunk is cut to
keep this within ``METRICS_BUFFER_BYTES``) and ``8 * N`` bytes per metric; it does
not grow with N otherwise.

Backends and threads
--------------------
``backend`` (per model, or per call) selects the engine (``engines.py``): the Numba
kernel (default where Numba is installed; its own threads, ``n_threads`` of them,
default all cores) or the NumPy code (``n_threads`` > 1 runs chunks in parallel
threads; each step is ~450 short ufunc calls that contend for the GIL, so the default
is 1).

Time settings
-------------
``initial_time``, ``final_time``, ``time_step`` and ``saveper`` of a call define its
time grid (``timegrid.py``); the plan is compiled per grid and cached, and the Numba
kernel takes the grid as data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from . import ir
from .compiler import Compiler, load_model, model_grid
from .cache import ir_cache_path, load_pickle, store_pickle
from .engines import BACKENDS, Engine, NumpyEngine, select_engine
from .errors import BatchCompileError
from .errors import ParameterError
from .memory import empty_arrays
from .names import NameResolver
from .params import PreparedParams, prepare_params
from .results import BatchResult, LazyMapping
from .ir import evaluate_constant
from .timegrid import TimeGrid

#: Runs per chunk: large enough to amortise the ~0.3 us Python overhead of each NumPy
#: call, small enough for the working set (~250 arrays of 8 B x chunk, ~16 MB) to stay
#: in the 32 MB L3 cache (tuned on the product model with benchmarks/bench_batch.py:
#: 2048 -> 4096 -> 8192 runs per chunk gave ~5.0k, ~7.4k, ~8.2k runs/s under load).
DEFAULT_CHUNK_SIZE = 8192

#: Upper bound of the per-thread buffer of ``run_metrics`` with the Numba backend, whose
#: speed does not depend on the chunk: chunks are cut so that one chunk's time series
#: fit in it. A buffer of a whole default chunk of the product model (75 stocks, 111
#: saved times) is 545 MB; freshly allocated, its first writes page-faulted so slowly
#: that metrics mode ran at about two thirds of the rate of ``run``.
METRICS_BUFFER_BYTES = 64 * 2**20

Metric = Callable[[dict, np.ndarray], np.ndarray]
Progress = Callable[[int, int], None]


_IR_BY_CONTENT: dict = {}  # sha256 of a model file -> translated IR (this process)
_COMPILERS: dict = {}  # IR digest -> Compiler (simulators and kernels, this process)
# every Compiler still held by a model, also after the 16 most recent above have moved on:
# a model compiled early in a process and unpickled later finds its compiler again
_LIVE_COMPILERS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_REGISTRY_LOCK = threading.Lock()


def compile_model(
    path: str | Path, backend: str = "auto", use_cache: bool = True
) -> "BatchModel":
    """Parse a subscript-free Vensim .mdl with PySD and compile it for batch runs.

    The translation is cached per file content, in this process and on disk
    (``cache.py``), so PySD is imported and run only the first time a model file
    is seen on a machine. ``backend``: default backend of the model's runs
    (``"auto"``: Numba if available, else NumPy; see ``engines.py``).

    Raises ``UnsupportedConstructError`` (naming the variable and construct) for
    anything outside the supported subset.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BatchCompileError(f"cannot read model file {path}: {exc}") from None
    content = hashlib.sha256(data).hexdigest()
    model = _IR_BY_CONTENT.get(content) if use_cache else None
    if model is None:
        cached_file = ir_cache_path(data)
        model = load_pickle(cached_file) if use_cache else None
        if not isinstance(model, ir.ModelIR):
            model = load_model(path)
            if use_cache:
                store_pickle(cached_file, model)
        with _REGISTRY_LOCK:
            _IR_BY_CONTENT[content] = model
    if model.path != str(path):
        model = dataclasses.replace(model, path=str(path))
    return BatchModel(model, path, backend)


def _shared_compiler(model: ir.ModelIR, digest: str) -> Compiler:
    """One Compiler per distinct IR and process: unpickled copies of a model (Dask
    workers) reuse the simulators and kernels compiled for the first one."""
    def registered() -> Compiler | None:
        found = _COMPILERS.pop(digest, None)
        return found if found is not None else _LIVE_COMPILERS.get(digest)

    with _REGISTRY_LOCK:
        compiler = registered()
    if compiler is None:
        compiler = Compiler(model)  # may raise (compile-time checks): not registered
    with _REGISTRY_LOCK:
        found = registered()  # another thread may have registered one meanwhile
        compiler = found if found is not None else compiler
        _COMPILERS[digest] = compiler  # the most recently used last
        _LIVE_COMPILERS[digest] = compiler
        while len(_COMPILERS) > 16:  # keeps recent compilers alive without a model
            _COMPILERS.pop(next(iter(_COMPILERS)))
    return compiler


@dataclasses.dataclass(frozen=True)
class OutputSet:
    """Outputs of a run, resolved: ``keys`` as asked for, ``py`` their python names,
    ``unique`` the python names without repeats (the engines' rows), ``row`` the row of
    each python name and ``py_of`` the python name of each key. Never changed once made
    (the set of every variable is shared by all runs that ask for it)."""

    keys: list[str]
    py: list[str]
    unique: list[str]
    row: dict[str, int]
    py_of: dict[str, str]

    @classmethod
    def of(cls, keys: list[str], py: list[str]) -> "OutputSet":
        unique = list(dict.fromkeys(py))
        return cls(keys, py, unique, {name: o for o, name in enumerate(unique)}, dict(zip(keys, py)))


class BatchModel:
    """A compiled model: metadata, name resolution and vectorised runs.

    Picklable and small: a pickle holds the IR (a few hundred kB for the product
    model), never generated code, kernels or locks; unpickling compiles on first use
    and shares the compilation with every other copy of the same IR in the process.
    PySD is not needed where a model is unpickled.
    """

    def __init__(self, model: ir.ModelIR, path: Path | None = None, backend: str = "auto",
                 digest: str | None = None):
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
        self.ir = model
        self.path = path
        self.backend = backend
        self.digest = digest or hashlib.sha256(
            pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        ).hexdigest()
        self.compiler = _shared_compiler(model, self.digest)
        self._reads: dict[str, bool] = {}  # python name -> read by an equation
        self.grid = self.compiler.grid
        self._grids: dict = {}
        self._all_outputs: OutputSet | None = None
        self._overridable: dict = {}  # name as given -> python name, checked as an override
        addressable = {
            info.vensim: py for py, info in model.info.items() if info.kind != "lookup"
        }
        self.names = NameResolver(addressable)
        self._lookups = NameResolver(
            {info.vensim: py for py, info in model.info.items() if info.kind == "lookup"}
        )

    def __getstate__(self) -> dict:
        return {"ir": self.ir, "path": self.path, "backend": self.backend,
                "digest": self.digest}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["ir"], state["path"], state["backend"], state["digest"])

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

    def reads(self, name: str) -> bool:
        """Whether an equation of the model (at initialisation or in a step, stateful
        arguments included) reads the variable ``name`` (Vensim or python spelling;
        e.g. ``reads("FINAL TIME")``: whether a run's values depend on where it stops)."""
        py = self.resolve(name)
        known = self._reads.get(py)
        if known is None:
            exprs = [node.expr for node in self.ir.nodes.values()]
            exprs += [arg for st in self.ir.statefuls.values() for arg in st.args.values()]
            known = self._reads[py] = any(
                py in ir.refs(e, phase) for e in exprs for phase in ("init", "step"))
        return known

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
        py_outputs = self._outputs(outputs).py
        scalar = prepared.n_runs == 1 and prepared.all_shared
        engine = self.engine("numpy")
        assert isinstance(engine, NumpyEngine)
        return engine.simulator(prepared, py_outputs, "scalar" if scalar else "vector", self.grid).source

    # --------------------------------------------------------------- runs
    def time_grid(
        self, initial_time: float | None = None, final_time: float | None = None,
        time_step: float | None = None, saveper: float | None = None,
    ) -> TimeGrid:
        """Time grid of a run with these settings (None: the model file's value;
        SAVEPER defined as TIME STEP in the file follows an overridden TIME STEP).

        Raises ``ParameterError`` naming the setting for invalid values."""
        overrides = {
            "initial_time": initial_time, "final_time": final_time,
            "time_step": time_step, "saveper": saveper,
        }
        overrides = {k: v for k, v in overrides.items() if v is not None}
        if not overrides:
            return self.grid
        for name, value in overrides.items():
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise ParameterError(f"{name}: expected a number, got {value!r}")
        key = tuple(sorted((k, v, type(v).__name__) for k, v in overrides.items()))
        grid = self._grids.get(key)
        if grid is None:
            try:
                grid = model_grid(self.ir, overrides)
            except ValueError as exc:
                raise ParameterError(f"time settings {overrides}: {exc}") from None
            self.compiler.check(grid)
            if len(self._grids) > 32:
                self._grids.pop(next(iter(self._grids)))
            self._grids[key] = grid
        return grid

    def _prepare(self, params, n_runs, grid: TimeGrid | None = None) -> PreparedParams:
        resolved: dict = {}
        for name, value in (params or {}).items():
            py = self._overridable.get(name)
            if py is None:  # first time this spelling is given: resolve and check it
                py = self._overridable[name] = self._override_name(name)
            if py in resolved:
                raise ParameterError(f"{name!r} given twice (as another spelling)")
            resolved[py] = value
        return prepare_params(resolved, n_runs, grid or self.grid)

    def _override_name(self, name: str) -> str:
        """The python name of the constant ``name``, or ParameterError (or
        UnknownVariableError) if it cannot be overridden in batch runs."""
        try:
            py = self.resolve(name)
        except KeyError:
            if name in self._lookups:
                raise ParameterError(
                    f"{name!r} is a lookup; overriding lookups is not supported"
                ) from None
            raise
        if self.ir.info[py].kind == "control":
            raise ParameterError(
                f"{name!r} is a control variable; it cannot be overridden in batch runs"
            )
        if py in self.ir.structural:
            raise ParameterError(
                f"{name!r} is the {self.ir.structural[py]}; it fixes the model structure "
                "and cannot be overridden in batch runs"
            )
        return py

    def _outputs(self, outputs) -> OutputSet:
        """The requested outputs resolved; the set of every variable is made once and
        shared (read-only) by all runs that ask for every variable."""
        if outputs is None:
            if self._all_outputs is None:
                keys = list(self.variables)
                self._all_outputs = OutputSet.of(keys, [self.resolve(k) for k in keys])
            return self._all_outputs
        keys = [outputs] if isinstance(outputs, str) else list(dict.fromkeys(outputs))
        return OutputSet.of(keys, [self.resolve(k) for k in keys])

    def engine(self, backend: str | None = None) -> Engine:
        """The simulation backend: ``"numba"``, ``"numpy"`` or ``"auto"`` (default:
        this model's ``backend``; see ``engines.py``)."""
        return select_engine(backend or self.backend, self.compiler, self.compiler.engines)

    def _setup(self, params, n_runs, outputs, time_settings: dict, backend):
        grid = self.time_grid(**time_settings)
        prepared = self._prepare(params, n_runs, grid)
        return grid, prepared, self._outputs(outputs), self.engine(backend)

    def run(
        self,
        params: Mapping[str, object] | None = None,
        n_runs: int | None = None,
        outputs: Sequence[str] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        n_threads: int | None = None,
        progress: Progress | None = None,
        *,
        initial_time: float | None = None,
        final_time: float | None = None,
        time_step: float | None = None,
        saveper: float | None = None,
        backend: str | None = None,
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
        chunk_size runs simulated together per call of the backend.
        n_threads  NumPy backend: worker threads over chunks (default 1); Numba
                   backend: threads of the kernel (default: all cores).
        progress   called as ``progress(done_runs, total_runs)`` after each chunk.
        initial_time, final_time, time_step, saveper
                   time settings of the run (model time units; default: the model
                   file's). As PySD with the same control values in the file: every
                   initial value is computed at the given INITIAL TIME.
        backend    ``"auto"``, ``"numba"`` or ``"numpy"`` (default: ``self.backend``).

        Returns a ``BatchResult`` whose ``arrays[name]`` has shape (N, n_times).
        """
        grid, prepared, out, engine = self._setup(
            params, n_runs, outputs,
            dict(initial_time=initial_time, final_time=final_time, time_step=time_step,
                 saveper=saveper),
            backend,
        )
        unique = out.unique
        n = prepared.n_runs
        n_saved = grid.n_saved
        if n == 1 and prepared.all_shared:
            data = engine.run_single(prepared, unique, grid)
        else:
            # stored (n_outputs, n_saved, N) so the NumPy backend writes contiguous
            # rows; exposed to the caller as (N, n_saved) transposed views
            stored = empty_arrays({"store": (len(unique), n_saved, n)})["store"]

            def task(start: int, stop: int) -> None:
                engine.run_block(prepared, unique, grid, start, stop, stored, start)

            self._map_chunks(task, n, chunk_size, n_threads, progress, engine)
            row = out.row
            data = LazyMapping(row, lambda py: stored[row[py]].T)
        if progress is not None and n == 1:
            progress(1, 1)
        py_of = out.py_of
        info = self.ir.info
        return BatchResult(
            arrays=LazyMapping(py_of, lambda key: data[py_of[key]]),
            times=grid.saved_times.copy(),
            vensim=LazyMapping(py_of, lambda key: info[py_of[key]].vensim),
            resolve=self.resolve,
            info=LazyMapping(py_of, lambda key: info[py_of[key]]),
            time_units=getattr(self.ir.info.get("initial_time"), "units", ""),
            model=os.path.basename(self.ir.path),
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
        *,
        initial_time: float | None = None,
        final_time: float | None = None,
        time_step: float | None = None,
        saveper: float | None = None,
        backend: str | None = None,
    ) -> pd.DataFrame:
        """Reduce every run to scalars without keeping all time series.

        Each metric is called once per chunk as ``metric(arrays, times)`` where
        ``arrays`` maps output names (as given in ``outputs``, default all
        variables by Vensim name) to arrays (chunk, n_times) and ``times`` has shape
        (n_times,); it must return an array of shape (chunk,).
        Pass ``outputs`` (the variables the metrics read) to compute only those.
        Time settings and ``backend`` as in ``run``.

        Returns a DataFrame indexed by run (0..N-1) with one column per metric.
        """
        grid, prepared, out, engine = self._setup(
            params, n_runs, outputs,
            dict(initial_time=initial_time, final_time=final_time, time_step=time_step,
                 saveper=saveper),
            backend,
        )
        unique, keys, py_outputs = out.unique, out.keys, out.py
        n = prepared.n_runs
        times = grid.saved_times.copy()
        results = {name: np.empty(n) for name in metrics}
        n_saved = grid.n_saved
        if engine.name == "numba":
            per_run = 8 * max(1, len(unique)) * n_saved
            chunk_size = max(1, min(int(chunk_size), METRICS_BUFFER_BYTES // per_run))
        local = threading.local()  # per-thread (n_outputs, n_saved, chunk) buffers, reused

        def task(start: int, stop: int) -> None:
            size = stop - start
            if n == 1 and prepared.all_shared:
                data = engine.run_single(prepared, unique, grid)
            else:
                buffer = getattr(local, "buffer", None)
                if buffer is None or buffer.shape[2] < size:
                    # huge pages faulted in up front (memory.py), not by scattered writes
                    buffer = empty_arrays({"buffer": (len(unique), n_saved, size)})["buffer"]
                    local.buffer = buffer
                engine.run_block(prepared, unique, grid, start, stop, buffer, 0)
                data = {py: buffer[o, :, :size].T for o, py in enumerate(unique)}
            arrays = {key: data[py] for key, py in zip(keys, py_outputs)}
            for name, metric in metrics.items():
                value = np.asarray(metric(arrays, times), dtype=float)
                if value.shape != (size,):
                    raise ValueError(
                        f"metric {name!r} returned shape {value.shape}, expected ({size},)"
                    )
                results[name][start:stop] = value

        self._map_chunks(task, n, chunk_size, n_threads, progress, engine)
        return pd.DataFrame(results, index=pd.RangeIndex(n, name="run"))

    # ----------------------------------------------------------- internals
    @staticmethod
    def _map_chunks(task, n: int, chunk_size: int, n_threads, progress, engine) -> None:
        chunk_size = max(1, int(chunk_size))
        bounds = [(s, min(n, s + chunk_size)) for s in range(0, n, chunk_size)]
        if engine.name == "numba":  # the kernel runs its own threads
            with engine.threads(n_threads):
                BatchModel._map_chunks(task, n, chunk_size, 1, progress, _SERIAL)
            return
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


class _Serial:
    name = "serial"


_SERIAL = _Serial()
