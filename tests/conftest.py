"""Suite-wide hooks: the CI log line that says which Numba kernels were compiled.

With pytest-xdist (``.ci/run`` runs ``-n auto``) each worker process compiles or loads
its own kernels; the workers send their records to the controller, which prints one
line for the whole run.
"""

from __future__ import annotations

import sys

import pytest

#: One kernel: (seconds, loaded from the disk cache, model file name).
Record = tuple[float, bool, str]
_WORKER_RECORDS: list[Record] = []


def _own_records() -> list[Record]:
    jit = sys.modules.get("models.batch.jit")
    records = jit.compile_records() if jit is not None else []
    return [(r.seconds, r.from_disk_cache, r.model) for r in records]


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: hand the records to the controller
        workeroutput["kernel_records"] = _own_records()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # noqa: ARG001 - xdist hook signature
    _WORKER_RECORDS.extend(tuple(r) for r in getattr(node, "workeroutput", {}).get("kernel_records", []))


def pytest_terminal_summary(terminalreporter) -> None:
    """CI log line: the Numba kernels this run compiled (cold) or loaded from the disk
    cache, and how long that took (the product model's kernel is the big one)."""
    records = _own_records() + _WORKER_RECORDS
    if not records:
        return
    compiled = [r for r in records if not r[1]]
    loaded = [r for r in records if r[1]]
    line = (f"batch-runner kernels: {len(compiled)} compiled in {sum(r[0] for r in compiled):.1f} s, "
            f"{len(loaded)} loaded from the disk cache in {sum(r[0] for r in loaded):.1f} s")
    if compiled:
        seconds, _, model = max(compiled)
        line += f"; slowest compile {model} {seconds:.1f} s"
    if _WORKER_RECORDS:
        line += " (all test workers)"
    terminalreporter.write_line(line)
