"""Lazy package exports (PEP 562): a package's public names imported from their
submodules when first used, so that importing one light submodule does not import the
heavy ones (SALib, SciPy's statistics, EMA Workbench, matplotlib) beside it."""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``: ``exports`` maps each public name to
    the submodule (relative, without the dot) that defines it."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f".{module}", package), name)

    return __getattr__


__all__ = ["lazy_exports"]
