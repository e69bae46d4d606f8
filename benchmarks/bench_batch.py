"""Benchmark: batch runner backends (NumPy, compiled Numba kernel) vs PySD.

Prints, in one run, for the NumPy backend, the Numba backend and PySD: compile time
(PySD parse and translation; Numba kernel compiled cold in a fresh cache folder, and
loaded from the disk cache), single-run latency (median of many), runs/s at N = 1,
10^2, 10^4, 10^5 (all stocks saved) and in metrics mode (N = 10^5), peak memory, and
runs/s of the Numba backend in-process vs on a Dask cluster of 2 worker processes.

Usage::

    python benchmarks/bench_batch.py                       # models/territorial_carbon.mdl
    python benchmarks/bench_batch.py --model path/to/x.mdl
    python benchmarks/bench_batch.py --compare-model old.mdl   # same rows on both, ratios
    python benchmarks/bench_batch.py --compare-model old.mdl --only-paired --paired-rounds 9
    python benchmarks/bench_batch.py --data-scenario scenarios/baseline.yaml  # data series cost
    python benchmarks/bench_batch.py --synthetic 250       # generated chain of 250 variables
    python benchmarks/bench_batch.py --no-dask --max-n 10000

Throughput runs draw every constant with a declared range (one value per run)
uniformly within ``--spread`` (default 5 %) of its range around its default (wider
draws make many runs of the product model non-finite, which is not representative),
and save the ``--outputs`` (default: every stock, i.e. all the dynamics are
computed) at every SAVEPER point. With ``--compare-model`` each model uses its own
constants, ranges and stocks, so the ratios measure what the model's growth costs
(e.g. the previous version from git:
``git show REV:models/territorial_carbon.mdl > old.mdl``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.batch import DEFAULT_CHUNK_SIZE, BatchModel, compile_model  # noqa: E402
from models.batch.cache import ENV_VAR as CACHE_ENV  # noqa: E402
from models.batch.jit import NumbaEngine  # noqa: E402
from models.model import INITIAL_FOREST_FRACTIONS, INITIAL_LAND_SHARES, scale_into_whole  # noqa: E402

DEFAULT_MODEL = ROOT / "models" / "territorial_carbon.mdl"


# --------------------------------------------------------------- synthetic model
def write_synthetic_model(path: Path, n_vars: int = 250, seed: int = 0) -> Path:
    """Write a subscript-free Vensim model with about ``n_vars`` variables.

    Blocks of 10 variables (1 stock, 2 ranged constants, 7 auxiliaries) are chained:
    each block's inflow reads the previous block's stock, and the auxiliaries use
    MIN/MAX/ZIDZ/XIDZ/IF THEN ELSE/STEP/RAMP/EXP/a lookup/SMOOTH.
    """
    rng = np.random.default_rng(seed)
    blocks = max(1, n_vars // 10)
    eq = []

    def add(name, expr, units="units", comment="Synthetic variable.", rng_text=""):
        eq.append(f"{name}=\n\t{expr}\n\t~\t{units}{rng_text}\n\t~\t{comment}\n\t|\n")

    eq.append(
        "effect curve(\n\t[(0,0)-(4,2)],(0,0.2),(1,1),(2,1.6),(4,2))\n"
        "\t~\tdmnl\n\t~\tSynthetic lookup.\n\t|\n"
    )
    for b in range(blocks):
        prev = f"Stock {b - 1}" if b else "100"
        add(f"Stock {b}", f"INTEG (\n\tinflow {b} - outflow {b},\n\t\tinit {b})", comment="A stock.")
        add(f"init {b}", f"{rng.uniform(50, 150):.3f}", rng_text=" [10,200]")
        add(f"rate {b}", f"{rng.uniform(0.01, 0.05):.4f}", units="1/Year", rng_text=" [0.001,0.1]")
        add(f"pressure {b}", f"ZIDZ({prev}, Stock {b} + 1)", units="dmnl")
        add(f"effect {b}", f"effect curve(MIN(pressure {b}, 4))", units="dmnl")
        add(
            f"inflow {b}",
            f"rate {b} * Stock {b} * effect {b} + STEP(1, 2030) * MAX(0, pressure {b} - 1)",
        )
        add(
            f"outflow {b}",
            f"IF THEN ELSE(Stock {b} > init {b} * 2, Stock {b} * rate {b} * 2, "
            f"XIDZ(Stock {b}, 50 + RAMP(1, 2000, 2050), 0))",
        )
        add(f"smoothed {b}", f"SMOOTH(inflow {b} - outflow {b}, 3)")
        add(f"index {b}", f"EXP(-ABS(smoothed {b}) / (1 + Stock {b}))", units="dmnl")
    add("total", " + ".join(f"Stock {b}" for b in range(blocks)))
    control = (
        "********************************************************\n\t.Control\n"
        "********************************************************~\n"
        "\t\tSimulation Control Parameters\n\t|\n\n"
        "FINAL TIME  = 2100\n\t~\tYear\n\t~\tThe final time.\n\t|\n\n"
        "INITIAL TIME  = 1990\n\t~\tYear\n\t~\tThe initial time.\n\t|\n\n"
        "SAVEPER  = 1\n\t~\tYear [0,?]\n\t~\tOutput interval.\n\t|\n\n"
        "TIME STEP  = 0.25\n\t~\tYear [0,?]\n\t~\tTime step.\n\t|\n"
    )
    path.write_text("{UTF-8}\n" + "\n".join(eq) + "\n" + control, encoding="utf-8")
    return path


# ------------------------------------------------------------------- helpers
SPREAD = 0.05


def draw_params(model: BatchModel, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per-run values of every constant with a declared range, drawn uniformly in
    ``[d - SPREAD*(d - min), d + SPREAD*(max - d)]`` around its default ``d``
    (SPREAD = 1: the whole declared range)."""
    params = {}
    for name, default in model.constants.items():
        limits = model.limits.get(name)
        if limits and limits[0] is not None and limits[1] is not None:
            low = default - SPREAD * (default - limits[0])
            high = default + SPREAD * (limits[1] - default)
            params[name] = rng.uniform(low, high, n)
    # shares of one whole (the initial land shares, the initial forest age fractions) are
    # scaled towards their lower limits where a draw adds up to more than 0.999, as
    # validate_overrides requires: a run with more land than the region has is no run
    for group in (INITIAL_LAND_SHARES, INITIAL_FOREST_FRACTIONS):
        scale_into_whole(params, {g: model.limits[g][0] for g in group if g in params})
    return params


def pysd_runs_per_second(mdl: Path, params: dict, n_runs: int) -> tuple[float, float, float]:
    """PySD runs/s (wall, CPU of this process) over ``n_runs`` runs, and its translate seconds."""
    import pysd

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        copy = Path(tmp) / mdl.name
        shutil.copy(mdl, copy)
        start = time.perf_counter()
        model = pysd.read_vensim(str(copy))
        translate = time.perf_counter() - start
        start, cpu = time.perf_counter(), time.process_time()
        for k in range(n_runs):
            model.reload()
            model.run(params={name: float(v[k]) for name, v in params.items()})
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return n_runs / elapsed, n_runs / cpu, translate


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_memory(fn) -> str:
    """Peak memory added by ``fn()``: resident-set high-water mark growth (Linux,
    counts NumPy and mmap-backed arrays) plus tracemalloc's peak of Python/NumPy
    allocations."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset VmHWM to the current RSS
        base = _status_kib("VmRSS")
    except OSError:
        base = None
    tracemalloc.start()
    result = fn()
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    text = f"traced {traced / 2**20:.0f} MiB"
    high = _status_kib("VmHWM")
    if base is not None and high is not None:
        text = f"RSS +{(high - base) / 1024:.0f} MiB, " + text
    return text


def timed(fn, repeat: int = 1) -> tuple[float, float]:
    """Best (wall seconds, CPU seconds of this process) over ``repeat`` calls.

    CPU time is reported too because the machine may be shared: other processes
    stretch wall time but not (much) this process's CPU time."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        sample = (time.perf_counter() - wall, time.process_time() - cpu)
        best = min(best, sample)
    return best


def cold_kernel_compile(mdl: Path) -> str:
    """Seconds to compile the Numba kernel of ``mdl`` with an empty cache folder, in
    a fresh interpreter (the first-call cost on a new machine)."""
    code = (
        "import time; from models.batch import compile_model; "
        f"m = compile_model({str(mdl)!r}); t = time.perf_counter(); m.run(backend='numba'); "
        "e = m.engine('numba'); r = e.compile_log[-1] if e.name == 'numba' else None; "
        "print(f'{time.perf_counter() - t:.1f} s first call, {r.seconds:.1f} s kernel compile' "
        "if r else 'numba unavailable')"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, CACHE_ENV: cache, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, cwd=ROOT)
    return out.stdout.strip() or out.stderr.strip().splitlines()[-1]


def final_value_metrics(outputs: list) -> dict:
    """Metrics mode's metric of the benchmark: the final value of each output."""
    return {name: (lambda arrays, times, key=name: arrays[key][:, -1]) for name in outputs}


def chosen_outputs(model: BatchModel, args: argparse.Namespace) -> list:
    """The outputs named with ``--outputs``, else every stock of the model."""
    return [o.strip() for o in args.outputs.split(",") if o.strip()] or list(model.stocks)


def final_values(model, params: dict, outputs: list) -> np.ndarray:
    """Final value of each output for every run (a Dask task: top-level, picklable)."""
    metrics = final_value_metrics(outputs)
    return model.run_metrics(params, metrics, outputs=outputs).to_numpy()


def dask_comparison(model, params: dict, outputs: list, n: int, chunks: int) -> None:
    """runs/s of the Numba backend in this process vs on 2 Dask worker processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("dask: distributed not installed, skipped")
        return
    bounds = np.linspace(0, n, chunks + 1).astype(int)
    parts = [{k: v[a:b] for k, v in params.items()} for a, b in zip(bounds[:-1], bounds[1:])]
    start = time.perf_counter()
    local = np.concatenate([final_values(model, part, outputs) for part in parts])
    in_process = time.perf_counter() - start
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0", env={"NUMBA_NUM_THREADS": "1"}) as cluster, \
            Client(cluster) as client:
        remote_model = client.scatter(model, broadcast=True)
        warm = {k: v[:8] for k, v in params.items()}  # workers load the kernel once
        client.gather(client.map(final_values, [remote_model] * 2, [warm] * 2, [outputs] * 2,
                                 pure=False))
        start = time.perf_counter()
        futures = client.map(final_values, [remote_model] * len(parts), parts,
                             [outputs] * len(parts), pure=False)
        remote = np.concatenate(client.gather(futures))
        on_dask = time.perf_counter() - start
    same = np.array_equal(local, remote, equal_nan=True)
    print(f"Dask, N={n} in {chunks} chunks, metrics mode: in-process (Numba, all cores) "
          f"{n / in_process:,.0f} runs/s; 2 worker processes (1 thread each) "
          f"{n / on_dask:,.0f} runs/s; ratio {in_process / on_dask:.2f}; identical results: {same}")


Figures = dict[str, float]
"""Row label (with its unit) -> figure measured on one model."""


def bench_model(mdl: Path, args: argparse.Namespace, dask: bool) -> Figures:
    """Print every benchmark row for the model file ``mdl`` and return the figures.

    Per-run parameters are drawn from this model's own ranged constants, so two
    model files with different constants are benchmarked the same way."""
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    start = time.perf_counter()
    model = compile_model(mdl, use_cache=False)
    translate_time = time.perf_counter() - start
    start = time.perf_counter()
    compile_model(mdl)  # the IR from the disk cache (what later processes do)
    cached_time = time.perf_counter() - start
    outputs = chosen_outputs(model, args)
    rng = np.random.default_rng(0)
    n_times = len(model.times)
    figures: Figures = {"variables": len(model.variables), "stocks": len(model.stocks),
                        "Euler steps": model.grid.n_steps, "outputs saved": len(outputs)}
    print(f"model: {mdl}  ({len(model.variables)} variables, {len(model.stocks)} stocks, "
          f"{len(model.ir.statefuls)} stateful objects, {model.grid.n_steps} Euler steps, "
          f"{n_times} saved times)")
    print(f"outputs: {len(outputs)} ({', '.join(outputs[:4])}{', ...' if len(outputs) > 4 else ''}); "
          f"chunk size {args.chunk_size}")
    print(f"compile: PySD parse + translation {translate_time:.2f} s; from the disk cache "
          f"{cached_time * 1e3:.0f} ms")
    figures["PySD parse + translation (s)"] = translate_time
    if not args.no_cold_compile:
        print(f"compile: Numba kernel, empty cache, fresh interpreter: {cold_kernel_compile(mdl)}")
    start = time.perf_counter()
    model.run(backend="numba")
    engine = model.engine("numba")
    record = engine.compile_log[-1] if isinstance(engine, NumbaEngine) and engine.compile_log else None
    print(f"compile: Numba kernel first call in this process {time.perf_counter() - start:.2f} s"
          + (f" (kernel {'loaded from the disk cache' if record.from_disk_cache else 'compiled'}"
             f" in {record.seconds:.2f} s: {record.path})" if record else " (Numba unavailable)"))

    pysd_params = draw_params(model, args.pysd_runs, rng)
    pysd_rate, pysd_cpu_rate, translate = pysd_runs_per_second(mdl, pysd_params, args.pysd_runs)
    print(f"PySD: translate {translate:.2f} s, {pysd_rate:.2f} runs/s wall, "
          f"{pysd_cpu_rate:.2f} runs/s CPU ({args.pysd_runs} runs, all variables)")
    figures["PySD (runs/s)"] = pysd_rate

    backends = ("numpy", "numba")
    one = {name: float(v[0]) for name, v in pysd_params.items()}
    latency = {}
    for backend in backends:
        model.run(one, backend=backend)  # compile this signature
        samples = []
        for k in range(100):
            values = {name: float(v[k % args.pysd_runs]) for name, v in pysd_params.items()}
            samples.append(timed(lambda values=values, backend=backend: model.run(values, backend=backend))[0])
        latency[backend] = statistics.median(samples)
        figures[f"single run, {backend} (ms)"] = latency[backend] * 1e3
    print(f"single run latency (N=1, all {len(model.variables)} variables, median of 100): "
          + ", ".join(f"{b} {latency[b] * 1e3:.2f} ms" for b in backends)
          + f", PySD {1e3 / pysd_rate:.0f} ms; Numba {latency['numpy'] / latency['numba']:.1f}x NumPy")

    print("runs/s (wall; CPU seconds of this process in brackets), every stock saved:")
    print(f"{'N':>8} {'NumPy':>20} {'Numba':>20} {'Numba/NumPy':>12} {'Numba/PySD':>11}")

    def measure(row: str, n: int, params: dict, metrics: dict | None = None) -> None:
        rates = {}
        for backend in backends:
            if metrics is None:
                call = lambda backend=backend: model.run(params, outputs=outputs,  # noqa: E731
                                                         chunk_size=args.chunk_size, backend=backend)
            else:
                call = lambda backend=backend: model.run_metrics(params, metrics, outputs=outputs,  # noqa: E731
                                                                 chunk_size=args.chunk_size, backend=backend)
            wall, cpu = timed(call, repeat=3 if n <= 10_000 else 1)
            rates[backend] = (n / wall, n / cpu)
            figures[f"{row}, {backend} (runs/s)"] = n / wall
        cells = [f"{rates[b][0]:>10,.0f} ({rates[b][1]:>7,.0f})" for b in backends]
        print(f"{n:>8} {cells[0]:>20} {cells[1]:>20} {rates['numba'][0] / rates['numpy'][0]:>12.1f} "
              f"{rates['numba'][0] / pysd_rate:>11,.0f}")

    for backend in backends:  # compile the N > 1 signatures before timing
        model.run(draw_params(model, 2, rng), outputs=outputs, backend=backend)
    for n in [1, 100, 10_000, 100_000]:
        if n <= args.max_n:
            measure(f"N = {n:,}", n, draw_params(model, n, rng) if n > 1 else one)
    n = min(args.max_n, 100_000)
    params = draw_params(model, n, rng)
    metrics = final_value_metrics(outputs)
    print(f"metrics mode (run_metrics: final value of each output), N={n}:")
    measure(f"N = {n:,} metrics mode", n, params, metrics)

    result_bytes = 8 * n_times * len(outputs) * n
    for backend in backends:
        peak = peak_memory(lambda backend=backend: model.run(params, outputs=outputs, chunk_size=args.chunk_size,
                                                             backend=backend))
        print(f"peak memory, {backend}, run() N={n}: {peak}")
        peak = peak_memory(lambda backend=backend: model.run_metrics(params, metrics, outputs=outputs,
                                                                     chunk_size=args.chunk_size, backend=backend))
        print(f"peak memory, {backend}, run_metrics() N={n}: {peak}")
    print(f"results alone: {result_bytes / 2**20:.0f} MiB (8 B x {n_times} times x "
          f"{len(outputs)} outputs x N = {8 * n_times * 1e5 / 1e6:.1f} MB per output per 10^5 runs)")
    if dask:
        dask_comparison(model, params, outputs, n, chunks=8)
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return figures


def print_comparison(label: str, figures: Figures, other_label: str, other: Figures) -> None:
    """One table of the rows measured on both models, with their ratio (first / second)."""
    def cell(value: float) -> str:
        return f"{value:>14,.0f}" if value >= 100 or value == int(value) else f"{value:>14.2f}"

    width = max(map(len, figures)) + 2
    print(f"\n{'':<{width}} {label:>14} {other_label:>14} {'ratio':>8}")
    for row, value in figures.items():
        if row in other:
            ratio = value / other[row] if other[row] else float("nan")
            print(f"{row:<{width}} {cell(value)} {cell(other[row])} {ratio:>8.2f}")
    print(f"ratio = {label} / {other_label}: above 1 a rate is faster and a time (s, ms) slower")


def scenario_data(path: Path) -> dict:
    """The time series of a scenario file's ``data`` block (its inherited ones included),
    as the batch runner takes them: constant name -> pandas Series over time."""
    from scenarios.data_block import as_series
    from scenarios.loader import load_scenario

    return as_series(load_scenario(path).data)


def _paired_side(path: Path, args: argparse.Namespace, n: int, data: dict | None,
                 without: tuple = ()) -> tuple:
    """(model, outputs, per-run draws, metrics) of one side of the paired rounds: draws
    of every ranged constant but those in ``without``, plus the shared series ``data``."""
    model = compile_model(path)
    outputs = chosen_outputs(model, args)
    params = {k: v for k, v in draw_params(model, n, np.random.default_rng(0)).items()
              if k not in without}
    params.update(data or {})
    # 64 runs: the parallel kernel too (compiled when a batch first needs threads)
    n_warm = min(n, 64)
    warm = {k: (v[:n_warm] if isinstance(v, np.ndarray) else
                v.iloc[:, :n_warm] if isinstance(v, pd.DataFrame) else v) for k, v in params.items()}
    model.run(warm, n_runs=n_warm, outputs=outputs, backend="numba")
    return model, outputs, params, final_value_metrics(outputs)


def paired_throughput(mdl: Path, other: Path | None, args: argparse.Namespace, rounds: int,
                      data: dict | None = None) -> None:
    """Numba runs/s of two model files measured alternately (A B, B A, A B, ...); with
    ``data`` (and no ``other``), of the model with these shared time series against the
    same model and draws without them.

    The rows of ``bench_model`` time one model after the other, minutes apart, so a
    change of the machine's speed in between (another process, CPU frequency) enters
    their ratio. Here each round times both sides back to back, in alternating
    order, and the ratio is taken per round: the median over the rounds and its
    range say how far the difference is real."""
    n = min(args.max_n, 10_000)
    if data is not None:
        names = tuple(data)
        given = data
        if args.per_run_data:  # each run its own series: the scenario's, scaled per run
            factors = 1.0 + args.spread * np.linspace(-1.0, 1.0, n)
            given = {k: pd.DataFrame(np.outer(v.to_numpy(dtype=float), factors), index=v.index)
                     for k, v in data.items()}
        sides = [_paired_side(mdl, args, n, given, names), _paired_side(mdl, args, n, None, names)]
        what = (f"the model with the scenario's {len(names)} data series ({', '.join(names)}"
                f"{'; per run, scaled by 1 +/- spread' if args.per_run_data else '; shared'}) "
                "and without them (same draws of the other constants)")
        print(f"\npaired Numba throughput, N={n:,}, {rounds} rounds of {what}, back to back "
              "(order alternating); ratio = with / without per round:")
    else:
        assert other is not None
        sides = [_paired_side(path, args, n, None) for path in (mdl, other)]
        print(f"\npaired Numba throughput, N={n:,}, {rounds} rounds of both models back to back "
              "(order alternating); ratio = model / compared model per round:")
    for mode in ("every stock saved", "metrics mode"):
        rates: list[list[float]] = [[], []]
        for r in range(rounds):
            for side in ((0, 1) if r % 2 == 0 else (1, 0)):
                model, outputs, params, metrics = sides[side]
                if mode == "metrics mode":
                    call = lambda m=model, o=outputs, p=params, k=metrics: m.run_metrics(  # noqa: E731
                        p, k, outputs=o, chunk_size=args.chunk_size, backend="numba")
                else:
                    call = lambda m=model, o=outputs, p=params: m.run(  # noqa: E731
                        p, outputs=o, chunk_size=args.chunk_size, backend="numba")
                rates[side].append(n / timed(call)[0])
        ratios = sorted(a / b for a, b in zip(*rates))
        print(f"  {mode:<18} {'with' if data is not None else 'model'} "
              f"{statistics.median(rates[0]):>8,.0f} runs/s, "
              f"{'without' if data is not None else 'compared'} "
              f"{statistics.median(rates[1]):>8,.0f} runs/s; ratio median "
              f"{statistics.median(ratios):.2f} (rounds {ratios[0]:.2f} to {ratios[-1]:.2f})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--compare-model", type=Path, default=None, metavar="PATH",
                        help="also run every row on this second model file and print both with "
                             "their ratio (model / compared model)")
    parser.add_argument("--paired-rounds", type=int, default=7, metavar="R",
                        help="with --compare-model: R rounds timing both models back to back "
                             "(Numba, N = 10^4), ratio per round (0: skip)")
    parser.add_argument("--only-paired", action="store_true",
                        help="with --compare-model: only the paired rounds, not the other rows")
    parser.add_argument("--data-scenario", type=Path, default=None, metavar="YAML",
                        help="only paired rounds of the model with this scenario's data series "
                             "(e.g. scenarios/baseline.yaml) against the same draws without them")
    parser.add_argument("--per-run-data", action="store_true",
                        help="with --data-scenario: give each run its own series (the scenario's "
                             "scaled per run within the spread, a DataFrame) instead of sharing them")
    parser.add_argument("--synthetic", type=int, default=0, metavar="N_VARS",
                        help="benchmark a generated model with N_VARS variables instead")
    parser.add_argument("--outputs", default="",
                        help="comma-separated outputs (default: every stock)")
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
    parser.add_argument("--pysd-runs", type=int, default=5)
    parser.add_argument("--max-n", type=int, default=100_000)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask comparison")
    parser.add_argument("--no-cold-compile", action="store_true",
                        help="skip the cold Numba compile in a fresh cache folder")
    parser.add_argument("--spread", type=float, default=SPREAD,
                        help="draw each constant within this fraction of its range around "
                             "the default (1 = whole declared range)")
    args = parser.parse_args(argv)
    globals()["SPREAD"] = args.spread

    with tempfile.TemporaryDirectory() as tmpdir:
        mdl = args.model
        if args.synthetic:
            mdl = write_synthetic_model(Path(tmpdir) / "synthetic.mdl", args.synthetic)
        for path in (mdl, args.compare_model):
            if path is not None and not path.exists():
                parser.error(f"model {path} not found (use --synthetic N to benchmark a generated one)")
        if args.data_scenario is not None:
            if not args.paired_rounds:
                parser.error("--data-scenario needs --paired-rounds > 0")
            print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            print(f"model: {mdl}; data series of {args.data_scenario}")
            paired_throughput(mdl, None, args, args.paired_rounds, scenario_data(args.data_scenario))
            return
        if args.only_paired:
            if args.compare_model is None or not args.paired_rounds:
                parser.error("--only-paired needs --compare-model and --paired-rounds > 0")
            print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            print(f"model: {mdl}; compared model: {args.compare_model}")
            paired_throughput(mdl, args.compare_model, args, args.paired_rounds)
            return
        figures = bench_model(mdl, args, dask=not args.no_dask)
        if args.compare_model is not None:
            print(f"\n---- compared model: {args.compare_model}")
            other = bench_model(args.compare_model, args, dask=False)
            print_comparison("model", figures, "compared", other)
            if args.paired_rounds:
                paired_throughput(mdl, args.compare_model, args, args.paired_rounds)


if __name__ == "__main__":
    main()
