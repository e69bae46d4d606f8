"""Batch runner: compile a subscript-free Vensim model into a vectorised NumPy simulator.

The equations come only from the .mdl file, parsed by PySD; the simulator reproduces
PySD's time grid, initialisation order and Euler integration, and evaluates N
parameter sets at once (arrays of shape (N,)).

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
