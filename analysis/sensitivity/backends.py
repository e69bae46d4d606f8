"""Where chunks of a sample are evaluated: in-process, threads or Dask.

A *scheduler* selects the backend:

* ``None`` or ``"serial"``: in-process, one chunk after another;
* ``"threads"``: a :class:`concurrent.futures.ThreadPoolExecutor` with one thread per
  core (useful when the evaluator releases the GIL, as NumPy does);
* ``"local"``: a :class:`dask.distributed.LocalCluster` (one single-threaded worker
  process per core) started for this call and closed afterwards;
* ``"tcp://host:port"`` (any scheduler address): an existing Dask cluster;
* a :class:`distributed.Client`: that client (left open).

On Dask the evaluator is scattered once to every worker, so an evaluator that
compiles a model lazily and caches it compiles once per worker, not once per chunk.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

SERIAL = "serial"
THREADS = "threads"
LOCAL = "local"

Scheduler = str | Any | None
ChunkTask = Callable[..., Any]


def usable_cores() -> int:
    """CPU cores this process may run on: its affinity where the OS reports it (in a
    container that can be fewer than ``os.cpu_count()``), else the CPU count."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def map_chunks(
    task: ChunkTask,
    chunks: Sequence[Any],
    *,
    scheduler: Scheduler = None,
    evaluator: Any,
    on_done: Callable[[int], None] | None = None,
) -> list[Any]:
    """Compute ``task(evaluator, chunk)`` for every chunk on the selected backend.

    Args:
        task: Top-level (picklable) function ``task(evaluator, chunk) -> result``.
        chunks: Chunk payloads.
        scheduler: Backend selector, see the module docstring.
        evaluator: Passed to every call (scattered once on Dask).
        on_done: Called with a chunk's index when that chunk has finished (in
            completion order, in the calling thread).

    Returns:
        The results in chunk order, whatever the completion order.
    """
    callback = on_done or (lambda index: None)
    if scheduler is None or scheduler == SERIAL:
        return _map_serial(task, chunks, evaluator, callback)
    if scheduler == THREADS:
        return _map_threads(task, chunks, evaluator, callback)
    if scheduler == LOCAL:
        from distributed import Client, LocalCluster

        workers = usable_cores()
        with (
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
            Client(cluster) as client,
        ):
            return _map_dask(client, task, chunks, evaluator, callback)
    if isinstance(scheduler, str):
        if "://" not in scheduler:
            raise ValueError(
                f"unknown scheduler {scheduler!r}: use None/'serial', 'threads', 'local' "
                "or a Dask scheduler address such as 'tcp://10.0.0.5:8786'"
            )
        from distributed import Client

        with Client(scheduler) as client:
            return _map_dask(client, task, chunks, evaluator, callback)
    from distributed import Client

    if isinstance(scheduler, Client):
        return _map_dask(scheduler, task, chunks, evaluator, callback)
    raise TypeError(f"unsupported scheduler of type {type(scheduler).__name__}")


def _map_serial(task: ChunkTask, chunks: Sequence[Any], evaluator: Any, on_done: Callable[[int], None]) -> list[Any]:
    results = []
    for index, chunk in enumerate(chunks):
        results.append(task(evaluator, chunk))
        on_done(index)
    return results


def _map_threads(task: ChunkTask, chunks: Sequence[Any], evaluator: Any, on_done: Callable[[int], None]) -> list[Any]:
    results: list[Any] = [None] * len(chunks)
    with ThreadPoolExecutor(max_workers=usable_cores()) as pool:
        futures = {pool.submit(task, evaluator, chunk): index for index, chunk in enumerate(chunks)}
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            on_done(index)
    return results


def _map_dask(
    client: Any, task: ChunkTask, chunks: Sequence[Any], evaluator: Any, on_done: Callable[[int], None]
) -> list[Any]:
    from distributed import as_completed as dask_as_completed

    check_picklable(evaluator)
    remote_evaluator = client.scatter(evaluator, broadcast=True, hash=False)
    futures = [client.submit(task, remote_evaluator, chunk, pure=False) for chunk in chunks]
    index_of = {future.key: index for index, future in enumerate(futures)}
    try:
        for future in dask_as_completed(futures):
            future.result()  # re-raises the worker's exception, if any
            on_done(index_of[future.key])
        return client.gather(futures)
    finally:
        client.cancel(futures + [remote_evaluator])


def check_picklable(evaluator: Any) -> None:
    """Raise a clear :class:`TypeError` if Dask cannot serialise ``evaluator``."""
    import cloudpickle

    try:
        cloudpickle.dumps(evaluator)
    except Exception as exc:  # noqa: BLE001 - any pickling failure is reported the same way
        raise TypeError(
            "the evaluator cannot be serialised for Dask workers "
            f"({type(exc).__name__}: {exc}); pass a top-level function or an instance of a "
            "top-level class with __call__ whose attributes are picklable (e.g. a model path, "
            "compiling the model lazily on the worker)"
        ) from exc
