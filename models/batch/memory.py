"""Allocation of large result arrays backed by transparent huge pages.

Writing a freshly allocated array faults its pages in one by one. On the
development VM that cost ~2 us per 4 KiB page (4 s for the 1.9 GB of a 10^5-run
sweep with 22 outputs, a third of the whole run) while an anonymous mapping
advised with ``MADV_HUGEPAGE`` faults 2 MiB at a time (0.6 s for the same size).
NumPy's own huge-page hint did not take effect there. Touching the pages
sequentially right after the allocation is also much faster than the simulator's
scattered first writes. Small requests, and systems without ``madvise``, fall back
to ``numpy.empty``.
"""

from __future__ import annotations

import mmap

import numpy as np

#: Below this many bytes in total, plain ``numpy.empty`` is used.
HUGEPAGE_THRESHOLD = 32 * 2**20


def empty_arrays(shapes: dict) -> dict:
    """Float64 arrays (contents unspecified), one per ``name -> shape``, C-ordered.

    Large totals share one anonymous mapping advised for huge pages and faulted in
    up front; each array is a view into it (the mapping lives as long as any of
    the arrays).
    """
    sizes = {name: int(np.prod(shape)) for name, shape in shapes.items()}
    total = 8 * sum(sizes.values())
    if total < HUGEPAGE_THRESHOLD or not hasattr(mmap, "MADV_HUGEPAGE"):
        return {name: np.empty(shape) for name, shape in shapes.items()}
    try:
        block = mmap.mmap(-1, total, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        block.madvise(mmap.MADV_HUGEPAGE)
    except (OSError, ValueError, AttributeError):
        return {name: np.empty(shape) for name, shape in shapes.items()}
    flat = np.frombuffer(block, dtype=np.float64)
    # fault the pages in sequentially now: the simulator's writes are scattered
    # (one row segment per output and save time), which faults far more slowly
    flat.fill(0.0)
    arrays, offset = {}, 0
    for name, shape in shapes.items():
        arrays[name] = flat[offset : offset + sizes[name]].reshape(shape)
        offset += sizes[name]
    return arrays
