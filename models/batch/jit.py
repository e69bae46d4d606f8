"""Numba backend of the batch runner: one fused, parallel kernel per model.

The kernel source is generated from the evaluation plan (``jitgen.py``) and written
to ``<cache>/kernels/k_<hash>.py`` (``cache.py``: ``$TERRITORIAL_CARBON_CACHE``, else
``~/.cache/territorial-carbon``); Numba compiles it with ``cache=True``, so its
machine code is stored next to it (``__pycache__``) and later processes (app, CLI,
Dask workers, test sessions) load it in milliseconds instead of compiling again.
The file name is the hash of the source (which embeds a digest of ``jitlib.py``), so
a changed model or generator never loads a stale kernel.

``NumbaEngine.compile_log`` records, per kernel, the seconds spent compiling or
loading it and whether it came from the disk cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np

from . import ir
from .cache import atomic_write, cache_root, source_digest
from .compiler import Compiler
from .jitgen import BLOCK, SINGLE_RUN_BLOCK, KernelGenerator, KernelLayout, KernelUnsupported
from .params import PreparedParams
from .results import LazyMapping
from .plan import make_plan
from .runtime import DelayOrderError
from .timegrid import TimeGrid

log = logging.getLogger(__name__)

_KERNELS: dict = {}  # source hash -> compiled kernel (this process)
_KERNEL_LOCK = threading.Lock()
_LAYER_LOCK = threading.Lock()  # serialises calls when Numba only has 'workqueue'


#: Blocks with fewer runs use the single-threaded kernel.
PARALLEL_MIN_RUNS = 32
#: How the model file's comment of a constant that is a historical data input begins
#: (e.g. ``investment share of GDP``); see ``NumbaEngine.data_inputs``.
DATA_INPUT_COMMENT = "Historical data input"

#: SIMD blocks a thread takes at a time (dynamic scheduling of the parallel loop).
PARALLEL_CHUNK_BLOCKS = 2


class NumbaUnavailable(Exception):
    """Numba is missing or cannot compile this model (the NumPy backend is used)."""


@dataclass
class CompileRecord:
    """How a kernel was obtained: seconds, from the disk cache or compiled."""

    path: str
    seconds: float
    from_disk_cache: bool
    model: str = ""  # model file name


_PARALLEL_RECORDS: list[CompileRecord] = []  # parallel variants compiled on first use


def compile_records() -> list[CompileRecord]:
    """Every kernel compiled or loaded by this process (for logs and CI summaries)."""
    with _KERNEL_LOCK:
        return [record for _, record in _KERNELS.values()] + list(_PARALLEL_RECORDS)


class LazyParallel:
    """The parallel variant of a kernel, compiled (or loaded from the disk cache) at
    its first call with the kernel signature, and recorded like the module's kernels.

    Numba's parallel loop costs seconds of compilation even for a tiny model and is
    only needed for batches that use several threads: a single-run kernel, and the
    kernels of small test models run with a few runs, never compile it."""

    def __init__(self, dispatcher, record: CompileRecord):
        self.dispatcher = dispatcher
        self.record = record

    def __call__(self, *args):
        if not self.dispatcher.signatures:
            with _KERNEL_LOCK:
                if not self.dispatcher.signatures:
                    from numba.core import sigutils

                    from .jitgen import KERNEL_SIGNATURE

                    start = time.perf_counter()
                    hits = sum(self.dispatcher.stats.cache_hits.values())
                    self.dispatcher.compile(sigutils.normalize_signature(KERNEL_SIGNATURE)[0])
                    loaded = hits < sum(self.dispatcher.stats.cache_hits.values())
                    record = CompileRecord(self.record.path + " (parallel)", time.perf_counter() - start,
                                           loaded, self.record.model)
                    _PARALLEL_RECORDS.append(record)
                    log.info("batch kernel %s in %.2f s (%s)", record.path, record.seconds,
                             "loaded from the disk cache" if loaded else "compiled")
        return self.dispatcher(*args)


def _configure_numba():
    try:
        import numba
    except ImportError as exc:
        raise NumbaUnavailable(f"Numba is not installed ({exc})") from None
    if "NUMBA_THREADING_LAYER" not in os.environ:
        # thread-safe layers (OpenMP, TBB): app sessions call kernels from threads
        numba.config.THREADING_LAYER = "threadsafe"  # type: ignore[attr-defined]  # set at run time
    return numba


def _load_kernel(source: str) -> tuple:
    """Compile (or load from the disk cache) the kernel of ``source``."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:20]
    with _KERNEL_LOCK:
        cached = _KERNELS.get(digest)
        if cached is not None:
            return cached
        folder = cache_root() / "kernels"
        path = folder / f"k_{digest}.py"
        if not path.exists():
            atomic_write(path, source.encode())
        pycache = folder / "__pycache__"
        on_disk = pycache.is_dir() and any(pycache.glob(f"k_{digest}.kernel_serial-*.nbi"))
        name = f"_tcsd_kernel_{digest}"
        start = time.perf_counter()
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20_000))  # Numba's SSA pass recurses per loop
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)  # compiles, or loads the cached machine code
        except Exception:
            sys.modules.pop(name, None)
            raise
        finally:
            sys.setrecursionlimit(limit)
        model = source.split(" kernel of ", 1)[1].split(";", 1)[0] if " kernel of " in source else ""
        record = CompileRecord(str(path), time.perf_counter() - start, on_disk, model)
        kernels = (LazyParallel(module.kernel, record), module.kernel_serial)
        _KERNELS[digest] = (kernels, record)
        return kernels, record


class NumbaEngine:
    """Runs blocks of runs with the fused kernel (see module docstring)."""

    name = "numba"

    def __init__(self, compiler: Compiler):
        self.numba = _configure_numba()
        self.compiler = compiler
        model = self.model = compiler.model
        self.constants = [n for n, node in model.nodes.items() if isinstance(node.expr, ir.Num)]
        self.constant_set = frozenset(self.constants)
        self.integer_constants = [n for n in self.constants if model.nodes[n].expr.integer]
        self.integer_set = frozenset(self.integer_constants)
        self.variables = tuple(
            py for py, info in model.info.items() if info.kind != "lookup" and py in model.nodes
        )
        self.tables = tuple(model.lookups)
        offsets = np.cumsum([0] + [len(model.lookups[t].x) for t in self.tables])
        self.LOFF = offsets.astype(np.int64)
        self.LX = np.array([x for t in self.tables for x in model.lookups[t].x], dtype=float)
        self.LY = np.array([y for t in self.tables for y in model.lookups[t].y], dtype=float)
        self.delays = tuple(k for k, st in model.statefuls.items() if st.kind == "delay")
        self.jitlib_digest = source_digest("jitlib.py", "jitgen.py", "jitmath.py")
        self.compile_log: list[CompileRecord] = []
        self._kernels: dict = {}  # signature -> (kernel, layout, defaults)
        self._lock = threading.Lock()
        self._numpy = None  # fallback engine for inputs the kernel cannot take
        #: why the NumPy fallback runs these inputs (None while every run used the kernel)
        self.fallback_reason: str | None = None
        self._variable_index = {name: i for i, name in enumerate(self.variables)}
        #: constants the model documents as historical data inputs (comment starting
        #: "Historical data input"): the kernel reads them as time series even when a run
        #: gives a number or nothing, so runs with and without their data share one kernel
        self.data_inputs = tuple(
            n for n in self.constants
            if n in model.info and model.info[n].comment.startswith(DATA_INPUT_COMMENT)
        )
        self._osel_cache: dict = {}
        # generate the default kernel now: an unsupported construct falls back to NumPy
        try:
            self._source(self._signature_key({}, frozenset(), compiler.grid))
        except KernelUnsupported as exc:
            raise NumbaUnavailable(f"the Numba kernel does not support {exc}") from None

    # ------------------------------------------------------------ signature
    def _signature_key(self, kinds: dict, int_names: frozenset, grid: TimeGrid,
                       plain: bool = False) -> tuple:
        nums = self.constant_set
        # data inputs given as a series, a number or not at all: always a series
        as_series = {
            (name, "series") for name in self.data_inputs
            if kinds.get(name, "series") in ("scalar", "series") and name not in int_names
        }
        series_names = {name for name, _ in as_series}
        if plain and nums.issuperset(kinds):  # plain numbers for constants: no structure
            return (tuple(sorted(as_series)), self.integer_set.difference(kinds, series_names),
                    grid.integer_start)
        structural = tuple(sorted(as_series.union(
            (name, "value" if kind in ("scalar", "array") else kind)
            for name, kind in kinds.items()
            if (name not in nums or kind in ("series", "frame")) and (name, "series") not in as_series
        )))
        integers = frozenset(
            n for n in self.integer_constants if n not in kinds and n not in series_names
        ) | frozenset(n for n in int_names if n in nums)
        return structural, integers, grid.integer_start

    def _source(self, key: tuple, block: int = BLOCK) -> tuple:
        """(kernel source with ``block`` runs per block, layout) for a signature."""
        structural, integers, integer_start = key
        inputs = {name: "array" for name in self.constants}
        slots = {name: i for i, name in enumerate(self.constants)}
        series, frames = [], []
        for name, kind in structural:
            if kind == "value":
                inputs[name] = "array"
                slots.setdefault(name, len(slots))
            elif kind == "series":
                inputs[name] = "series"
                series.append(name)
            else:
                inputs[name] = "frame"
                frames.append(name)
        dynamic = set(series + frames)
        slots = {name: i for i, name in enumerate(n for n in slots if n not in dynamic)}
        plan = make_plan(self.model, inputs, self.variables, "vector", integers,
                         None, integer_start)
        layout = KernelLayout(slots, tuple(series), tuple(frames), self.variables,
                              self.tables, self.delays, [])
        generator = KernelGenerator(self.model, plan, layout, block)
        body = generator.source()
        layout.rows.extend(generator.variable_rows())
        header = (f"# Generated batch-runner kernel of {os.path.basename(self.model.path)}; "
                  f"generator {self.jitlib_digest}. Do not edit.\n")
        return header + body, layout

    def kernel(self, prepared: PreparedParams, grid: TimeGrid, block: int = BLOCK) -> tuple:
        """(compiled kernel, layout, defaults) for these inputs and runs per block;
        compiled once per signature and block size (the single-run kernel only when a
        single run is first asked for)."""
        key = (self._signature_key(prepared.kinds, prepared.int_names, grid, prepared.plain), block)
        with self._lock:
            entry = self._kernels.get(key)
            if entry is None:
                try:
                    source, layout = self._source(key[0], block)
                    function, record = _load_kernel(source)
                except Exception as exc:  # noqa: BLE001 - any kernel failure falls back
                    raise NumbaUnavailable(
                        f"the Numba kernel cannot be built for these inputs "
                        f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
                    ) from exc
                if record not in self.compile_log:
                    self.compile_log.append(record)
                    log.info("batch kernel %s in %.2f s (%s)", record.path, record.seconds,
                             "loaded from the disk cache" if record.from_disk_cache
                             else "compiled")
                defaults = np.zeros(len(layout.slots))
                for name, slot in layout.slots.items():
                    node = self.model.nodes[name]
                    if isinstance(node.expr, ir.Num):
                        defaults[slot] = node.expr.value
                entry = self._kernels[key] = (function, layout, defaults)
        return entry

    # --------------------------------------------------------------- inputs
    def _arrays(self, prepared: PreparedParams, grid: TimeGrid) -> dict:
        """Kernel inputs of a call (built once per call and grid)."""
        cache = prepared.__dict__.setdefault("_jit_arrays", {})
        arrays = cache.get(grid.key)
        if arrays is not None:
            return arrays
        block = SINGLE_RUN_BLOCK if prepared.n_runs == 1 else BLOCK
        function, layout, defaults = self.kernel(prepared, grid, block)
        values = defaults.copy()
        for name, value in grid.control.items():
            if name in layout.slots:
                values[layout.slots[name]] = value
        columns, index = [], []
        for name, kind in prepared.kinds.items():
            if kind == "scalar" and name in layout.slots:  # else a data input's series
                values[layout.slots[name]] = prepared.values[name]
            elif kind == "array":
                columns.append(prepared.values[name])
                index.append(layout.slots[name])
        n_points = grid.n_points
        per_run = (np.ascontiguousarray(np.column_stack(columns), dtype=float) if columns
                   else np.zeros((1, 0)))
        series = np.array([self._series_values(prepared, s, n_points) for s in layout.series],
                          dtype=float)
        frames = (np.stack([prepared.values[f] for f in layout.frames]) if layout.frames
                  else np.zeros((0, n_points, 1)))
        arrays = dict(
            function=function, layout=layout,
            CV=values, AV=per_run, AIDX=np.array(index, dtype=np.int64),
            TS=series.reshape(len(layout.series), n_points),
            TF=np.ascontiguousarray(frames, dtype=float),
            T=np.array(grid.points, dtype=float), SAVE=np.array(grid.save, dtype=bool),
            VROW=np.array(layout.rows, dtype=np.int64),
        )
        cache[grid.key] = arrays
        return arrays

    def _series_values(self, prepared: PreparedParams, name: str, n_points: int) -> list:
        """Values at the grid points of the shared series ``name``: the run's series, or
        its number (or the model default) at every point for a data input."""
        kind = prepared.kinds.get(name)
        if kind == "series":
            return prepared.values[name]
        value = prepared.values[name] if kind == "scalar" else self.model.nodes[name].expr.value
        return [float(value)] * n_points

    def _osel(self, outputs: list) -> tuple[np.ndarray, dict[str, int]]:
        """Index (in the layout's variables) of each output, and the row of each output
        in the store; KeyError for names that are not model variables."""
        key = tuple(outputs)
        entry = self._osel_cache.get(key)
        if entry is None:
            index = self._variable_index
            missing = [name for name in outputs if name not in index]
            if missing:
                raise KeyError(f"not a model variable: {missing}")
            entry = (np.array([index[name] for name in outputs], dtype=np.int64),
                     {py: i for i, py in enumerate(outputs)})
            if len(self._osel_cache) > 64:
                self._osel_cache.clear()
            self._osel_cache[key] = entry
        return entry

    # ----------------------------------------------------------------- runs
    def _fallback(self, exc: Exception):
        """The NumPy engine, after logging why the kernel cannot be used."""
        from .engines import NumpyEngine

        if self._numpy is None:
            log.warning("batch runner: %s; using the NumPy backend", exc)
            self._numpy = NumpyEngine(self.compiler)
            self.fallback_reason = str(exc)
        return self._numpy

    def run_block(self, prepared, outputs, grid, start, stop, store, column) -> None:
        try:
            arrays = self._arrays(prepared, grid)
        except NumbaUnavailable as exc:
            self._fallback(exc).run_block(prepared, outputs, grid, start, stop, store, column)
            return
        err = np.zeros(stop - start, dtype=np.int64)
        call = (
            arrays["CV"], arrays["AV"], arrays["AIDX"], arrays["TS"], arrays["TF"],
            arrays["T"], arrays["SAVE"], float(grid.time_step), self.LX, self.LY, self.LOFF,
            self._osel(outputs)[0], arrays["VROW"], store, int(start), int(column), err,
        )
        parallel, serial = arrays["function"]
        if stop - start < PARALLEL_MIN_RUNS or self.numba.get_num_threads() == 1:
            serial(*call)  # no thread start-up for a handful of runs
        else:
            # blocks handed out dynamically: a thread slowed down by other processes
            # does not hold up the others (static halves of the range would)
            previous = self.numba.set_parallel_chunksize(PARALLEL_CHUNK_BLOCKS)
            try:
                if self.numba.config.THREADING_LAYER == "workqueue":
                    with _LAYER_LOCK:
                        parallel(*call)
                else:
                    parallel(*call)
            finally:
                self.numba.set_parallel_chunksize(previous)
        if err.any():
            key = self.delays[int(err[err > 0][0]) - 1]
            stateful = self.model.statefuls[key]
            raise DelayOrderError(
                f"variable '{stateful.vensim}': DELAY time below order * TIME STEP "
                f"({stateful.order} * {grid.time_step}); PySD would silently lower the "
                "delay order"
            )

    def run_single(self, prepared, outputs, grid) -> dict:
        try:
            self._arrays(prepared, grid)
        except NumbaUnavailable as exc:
            return self._fallback(exc).run_single(prepared, outputs, grid)
        store = np.empty((len(outputs), grid.n_saved, 1))
        self.run_block(prepared, outputs, grid, 0, 1, store, 0)
        row = self._osel(outputs)[1]
        return LazyMapping(row, lambda py: store[row[py]].T)

    @contextlib.contextmanager
    def threads(self, n_threads: int | None):
        """Run the kernel on ``n_threads`` threads (default: all Numba threads)."""
        if not n_threads:
            yield
            return
        previous = self.numba.get_num_threads()
        self.numba.set_num_threads(max(1, min(int(n_threads), self.numba.config.NUMBA_NUM_THREADS)))
        try:
            yield
        finally:
            self.numba.set_num_threads(previous)
