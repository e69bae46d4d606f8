"""Benchmark: how close the batch kernel runs to what this machine can compute.

Run: ``python benchmarks/bench_kernel_ceiling.py [--model MDL] [--n 10000]``.
Prints, measured in this run:

* the instruction mix of one time step of a block of runs, read from the kernel's
  machine code: the step that saves its values and the one that does not. The kernel
  is compiled afresh into a temporary cache folder, because Numba does not disassemble
  code loaded from its disk cache (about a minute for the product model);
* this machine's rate of vector divisions, square roots, multiplications and additions
  per core, each in a loop of Numba code compiled like the kernel (``fastmath=False``,
  so no fused multiply-add);
* the bound each of those puts on the kernel's runs per second: cores × rate / (the
  operations of that kind in the steps of one run). Multiplications and additions share
  the same execution ports, so they also get one joint bound;
* the kernel's measured runs per second (N runs, one output), for comparison.

No timing is asserted; the figures are printed for the reader.
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from models.batch.timegrid import TimeGrid

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

#: instruction classes of a step (AVX double-precision mnemonics, packed and scalar: a
#: vector instruction of the loop over a block's runs serves each run once, as does a
#: scalar one when that loop is not vectorised)
CLASSES = {
    "division": ("vdivpd", "vdivsd"),
    "square root": ("vsqrtpd", "vsqrtsd"),
    "multiplication": ("vmulpd", "vmulsd"),
    "addition": ("vaddpd", "vsubpd", "vaddsd", "vsubsd"),
}
ARITHMETIC = frozenset(m for ops in CLASSES.values() for m in ops)
#: rate of a loop that alternates multiplications and additions (do they share ports?)
MIXED = "multiplication and addition alternating"
LABEL = re.compile(r"^(\S[^:]*):\s*(#.*)?$")
WIDTH = {"zmm": 8, "ymm": 4, "xmm": 2}


@dataclass
class StepMix:
    """Instructions of one basic block (a whole time step of a block of runs)."""

    label: str
    instructions: int
    lanes: int  # doubles per register of the block's arithmetic (1: scalar code)
    counts: dict  # class -> instructions, i.e. operations per run and step
    memory: int  # moves from or to memory


def basic_blocks(asm: str) -> list[tuple[str, list[str]]]:
    """(label, instructions) of every basic block of an assembly listing."""
    blocks: list[tuple[str, list[str]]] = []
    label, body = "", []
    for line in asm.splitlines():
        match = LABEL.match(line)
        if match:
            if body:
                blocks.append((label, body))
            label, body = match.group(1), []
        elif line.startswith("\t") and line.strip() and not line.strip().startswith("."):
            body.append(line.strip())
    if body:
        blocks.append((label, body))
    return blocks


def step_mix(label: str, body: list[str]) -> StepMix:
    """Instruction classes, vector width and memory moves of one basic block."""
    mnemonics = collections.Counter(line.split()[0] for line in body)
    counts = {name: sum(mnemonics[m] for m in ops) for name, ops in CLASSES.items()}
    widths = collections.Counter(
        reg for line in body if line.split()[0] in ARITHMETIC and line.split()[0].endswith("pd")
        for reg in re.findall(r"%([xyz]mm)\d+", line)
    )
    lanes = WIDTH[widths.most_common(1)[0][0]] if widths else 1
    memory = sum(1 for line in body if line.startswith("vmov") and "(" in line)
    return StepMix(label, len(body), lanes, counts, memory)


def hot_steps(asm: str, count: int = 2) -> list[StepMix]:
    """The ``count`` basic blocks with the most arithmetic instructions: the time steps
    of the loop over a block's runs (with and without saving), largest first."""
    scored = []
    for label, body in basic_blocks(asm):
        arithmetic = sum(1 for line in body if line.split()[0] in ARITHMETIC)
        scored.append((arithmetic, label, body))
    scored.sort(key=lambda item: -item[0])
    return [step_mix(label, body) for _, label, body in scored[:count]]


# ------------------------------------------------------------- machine rates
def _loops():
    from numba import njit

    jit = njit(fastmath=False, cache=False, nogil=True, error_model="numpy")  # as the kernel

    @jit
    def division(a, b, out, reps):
        for r in range(reps):
            for i in range(a.size):
                out[i] = a[i] / (b[i] + r)

    @jit
    def square_root(a, b, out, reps):
        for r in range(reps):
            for i in range(a.size):
                out[i] = math.sqrt(a[i] + r)

    @jit
    def multiplication(a, b, out, reps):  # 16 multiplications per element
        for r in range(reps):
            k = 1.0 + r * 1e-12
            for i in range(a.size):
                x = a[i]
                x = x * k; x = x * b[i]; x = x * k; x = x * b[i]  # noqa: E702
                x = x * k; x = x * b[i]; x = x * k; x = x * b[i]  # noqa: E702
                x = x * k; x = x * b[i]; x = x * k; x = x * b[i]  # noqa: E702
                x = x * k; x = x * b[i]; x = x * k; x = x * b[i]  # noqa: E702
                out[i] = x

    @jit
    def addition(a, b, out, reps):  # 16 additions per element
        for r in range(reps):
            k = r * 1e-12
            for i in range(a.size):
                x = a[i]
                x = x + k; x = x + b[i]; x = x + k; x = x + b[i]  # noqa: E702
                x = x + k; x = x + b[i]; x = x + k; x = x + b[i]  # noqa: E702
                x = x + k; x = x + b[i]; x = x + k; x = x + b[i]  # noqa: E702
                x = x + k; x = x + b[i]; x = x + k; x = x + b[i]  # noqa: E702
                out[i] = x

    @jit
    def mixed(a, b, out, reps):  # 8 multiplications and 8 additions per element
        for r in range(reps):
            k = 1.0 + r * 1e-12
            for i in range(a.size):
                x = a[i]
                x = x * k; x = x + b[i]; x = x * k; x = x + b[i]  # noqa: E702
                x = x * k; x = x + b[i]; x = x * k; x = x + b[i]  # noqa: E702
                x = x * k; x = x + b[i]; x = x * k; x = x + b[i]  # noqa: E702
                x = x * k; x = x + b[i]; x = x * k; x = x + b[i]  # noqa: E702
                out[i] = x

    return {"division": (division, 1), "square root": (square_root, 1),
            "multiplication": (multiplication, 16), "addition": (addition, 16),
            MIXED: (mixed, 16)}


def machine_rates(size: int = 1024, reps: int = 20_000, rounds: int = 5) -> dict:
    """Operations per second of one core for each class (best of ``rounds``), on
    arrays that stay in the L1 cache."""
    rng = np.random.default_rng(0)
    a = rng.uniform(1.0, 2.0, size)
    b = rng.uniform(0.999, 1.001, size)
    out = np.empty(size)
    rates = {}
    for name, (loop, per_element) in _loops().items():
        loop(a, b, out, 2)  # compile
        best = math.inf
        for _ in range(rounds):
            start = time.perf_counter()
            loop(a, b, out, reps)
            best = min(best, time.perf_counter() - start)
        rates[name] = size * reps * per_element / best
    return rates


# ------------------------------------------------------------------ kernel
def kernel_asm_and_rate(mdl: Path, n: int) -> tuple[str, float, TimeGrid]:
    """Machine code of the kernel of ``mdl`` (compiled afresh) and its runs/s on n runs."""
    from models.batch import compile_model, jit

    captured: list = []
    load = jit._load_kernel

    def capture(source):
        kernels = load(source)
        captured.append(kernels)
        return kernels

    loaded = jit._KERNELS
    jit._load_kernel = capture
    jit._KERNELS = {}  # compile even if this process holds the kernel already
    try:
        from benchmarks.bench_batch import draw_params

        model = compile_model(mdl)
        output = next(iter(model.stocks))
        params = draw_params(model, n, np.random.default_rng(1))
        model.run(params, outputs=[output], backend="numba")
    finally:
        jit._load_kernel = load
        jit._KERNELS = loaded
    if not captured:
        raise SystemExit("the Numba kernel did not run (NumPy fallback?)")
    (_, serial), _record = captured[-1]
    asm = "\n".join(serial.inspect_asm().values())
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        model.run(params, outputs=[output], backend="numba")
        best = min(best, time.perf_counter() - start)
    return asm, n / best, model.grid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "territorial_carbon.mdl")
    parser.add_argument("--n", type=int, default=10_000, help="runs of the kernel's timing")
    args = parser.parse_args(argv)

    from models.batch.cache import ENV_VAR as CACHE_VARIABLE

    previous = os.environ.get(CACHE_VARIABLE)
    with tempfile.TemporaryDirectory() as cache:
        os.environ[CACHE_VARIABLE] = cache  # fresh code: Numba can disassemble it
        try:
            started = time.perf_counter()
            asm, measured, grid = kernel_asm_and_rate(args.model, args.n)
        finally:
            if previous is None:
                os.environ.pop(CACHE_VARIABLE, None)
            else:
                os.environ[CACHE_VARIABLE] = previous
        print(f"kernel of {args.model.name} compiled afresh in {time.perf_counter() - started:.0f} s")
    import numba

    cores = numba.get_num_threads()
    steps = hot_steps(asm)
    saved = int(sum(grid.save))
    plain = len(grid.points) - saved
    print(f"time steps per run: {saved} saving (the larger step below) + {plain} not saving")
    for step, name in zip(steps, ("step with saving", "step without saving")):
        counts = ", ".join(f"{k} {v}" for k, v in step.counts.items())
        print(f"  {name} ({step.label[:12]}): {step.instructions} instructions, {step.lanes} runs "
              "per register; "
              f"{counts}; {step.memory} moves from or to memory")
    if any(step.lanes == 1 for step in steps):
        print("  (scalar code: the rates below are of vector instructions, so the bounds do not apply)")
    rates = machine_rates()
    print(f"this machine, one core, {cores} cores used by the kernel:")
    for name, rate in rates.items():
        print(f"  {name}: {rate / 1e9:.2f} x 10^9 per second")
    weights = (saved, plain) if len(steps) == 2 else (saved + plain,)
    per_run = {name: float(sum(w * s.counts[name] for w, s in zip(weights, steps))) for name in CLASSES}
    print("bounds on runs/s (cores x rate / operations per run):")
    for name in CLASSES:
        ops = per_run[name]
        bound = cores * rates[name] / ops if ops else math.inf
        print(f"  {name:15s} {ops:>10,.0f} per run -> {bound:>10,.0f} runs/s")
    both = per_run["multiplication"] + per_run["addition"]
    print(f"  {'multiplications and additions':15s} {both:>10,.0f} per run -> "
          f"{cores * rates[MIXED] / both if both else math.inf:>10,.0f} runs/s (at the alternating rate)")
    seconds = per_run["division"] / rates["division"] + per_run["square root"] / rates["square root"]
    print(f"  divisions and square roots, one after the other -> "
          f"{cores / seconds if seconds else math.inf:>10,.0f} runs/s")
    print(f"measured: {measured:,.0f} runs/s (N = {args.n:,}, one output)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
