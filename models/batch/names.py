"""Resolve user-facing variable names to PySD python names.

Accepted spellings: the Vensim name ("Urban Population"), PySD's python name
("urban_population"), and case / space / underscore variants of either (PySD's own
``get_key_and_value_by_insensitive_key_or_value`` is case-insensitive too).
Unknown names raise ``UnknownVariableError`` (a ``KeyError``) listing close matches.
"""

from __future__ import annotations

import difflib
import re

from .errors import UnknownVariableError


def _normal(name: str) -> str:
    return re.sub(r"[\s_]+", " ", name.strip().lower())


class NameResolver:
    """vensim_to_py: Vensim name -> python name for every addressable variable."""

    def __init__(self, vensim_to_py: dict):
        self.vensim_to_py = dict(vensim_to_py)
        self.py_to_vensim = {py: name for name, py in self.vensim_to_py.items()}
        self._exact = {**{py: py for py in self.py_to_vensim}, **self.vensim_to_py}
        self._normal: dict = {}
        for name, py in self.vensim_to_py.items():
            self._normal.setdefault(_normal(name), py)
            self._normal.setdefault(_normal(py), py)

    def resolve(self, name: str) -> str:
        """Python name of ``name``; raises UnknownVariableError."""
        if not isinstance(name, str):
            raise UnknownVariableError(repr(name))
        py = self._exact.get(name) or self._normal.get(_normal(name))
        if py is None:
            raise UnknownVariableError(name, self.close_matches(name))
        return py

    def vensim(self, name: str) -> str:
        """Vensim name of a (resolvable) variable name."""
        return self.py_to_vensim[self.resolve(name)]

    def close_matches(self, name: str, n: int = 5) -> list[str]:
        """Vensim names of the variables whose spelling is closest to ``name``."""
        candidates = {_normal(p): self.py_to_vensim[p] for p in self.py_to_vensim}
        candidates.update({_normal(v): v for v in self.vensim_to_py})
        found = difflib.get_close_matches(_normal(name), list(candidates), n=3 * n, cutoff=0.5)
        return list(dict.fromkeys(candidates[f] for f in found))[:n]

    def __contains__(self, name: object) -> bool:
        try:
            self.resolve(name)  # type: ignore[arg-type]
        except KeyError:
            return False
        return True
