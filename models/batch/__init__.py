"""Batch runner: compile a subscript-free Vensim model into a simulator of N runs.

The equations come only from the .mdl file, parsed by PySD (imported only to
translate a file the first time; the translation is cached on disk); the simulator
reproduces PySD's time grid, initialisation order and Euler integration, and evaluates
N parameter sets at once, with one of two backends compiled from the same plan: a
fused parallel Numba kernel (default when Numba is installed) or generated NumPy code
(the fallback). See ``engines.py``, ``jit.py`` and ``cache.py``.

>>> model = compile_model("models/territorial_carbon.mdl")       # doctest: +SKIP
>>> result = model.run({"birth rate": np.linspace(0.01, 0.02, 1000)},
...                    outputs=["Urban Population"])              # doctest: +SKIP
>>> result["Urban Population"].shape                             # doctest: +SKIP
(1000, 111)
"""

from .errors import (
    SUPPORTED_CONSTRUCTS,
    BatchCompileError,
    CircularDependencyError,
    ParameterError,
    UnknownVariableError,
    UnsupportedConstructError,
)
from .results import BatchResult
from .engines import BACKENDS
from .runner import DEFAULT_CHUNK_SIZE, BatchModel, compile_model
from .runtime import DelayOrderError

__all__ = [
    "BACKENDS",
    "BatchCompileError",
    "BatchModel",
    "BatchResult",
    "CircularDependencyError",
    "DEFAULT_CHUNK_SIZE",
    "DelayOrderError",
    "ParameterError",
    "SUPPORTED_CONSTRUCTS",
    "UnknownVariableError",
    "UnsupportedConstructError",
    "compile_model",
]
