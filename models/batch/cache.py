"""On-disk caches of the batch runner: translated models (IR) and compiled kernels.

Location (first that applies):

1. ``$TERRITORIAL_CARBON_CACHE`` (set it in CI to a folder the CI cache keeps);
2. ``$XDG_CACHE_HOME/territorial-carbon`` or ``~/.cache/territorial-carbon``
   (per user, works for a pip-installed package: nothing is written next to the
   installed code);
3. ``<system temp dir>/territorial-carbon-cache`` when the home folder is not
   writable.

Entries are keyed by content hashes (model file bytes, translator and kernel source),
so a stale entry is never used; deleting the folder is always safe. Writes go to a
temporary file first and are renamed into place, so concurrent processes (Dask
workers, app sessions) never read a half-written entry.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

ENV_VAR = "TERRITORIAL_CARBON_CACHE"
_PACKAGE_DIR = Path(__file__).resolve().parent


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, delete=True)
        probe.close()
    except OSError:
        return False
    return True


@lru_cache(maxsize=1)
def cache_root() -> Path:
    """The cache folder (see module docstring); created if missing."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        path = Path(explicit).expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return path
    xdg = os.environ.get("XDG_CACHE_HOME")
    candidates = [Path(xdg) / "territorial-carbon"] if xdg else []
    candidates.append(Path.home() / ".cache" / "territorial-carbon")
    for path in candidates:
        if _writable(path):
            return path
    path = Path(tempfile.gettempdir()) / "territorial-carbon-cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def source_digest(*names: str) -> str:
    """Hash of the given source files of this package (cache-key component that
    changes whenever the code producing an entry changes)."""
    digest = hashlib.sha256()
    for name in names:
        digest.update((_PACKAGE_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ir_cache_path(model_bytes: bytes) -> Path:
    """Cache file of the IR translated from a model file with these bytes."""
    digest = hashlib.sha256(model_bytes)
    digest.update(source_digest("translate.py", "ir.py", "errors.py").encode())
    return cache_root() / "ir" / f"{digest.hexdigest()[:24]}.pickle"


def load_pickle(path: Path):
    """Unpickle ``path``; None if it is missing or unreadable (logged)."""
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a corrupt cache entry is only a miss
        log.warning("ignoring unreadable cache entry %s (%s)", path, exc)
        return None


def store_pickle(path: Path, value) -> None:
    """Pickle ``value`` to ``path`` (best effort: a read-only cache is only logged)."""
    try:
        atomic_write(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError as exc:
        log.info("could not write cache entry %s (%s)", path, exc)
