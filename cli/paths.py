"""Default output locations: the source checkout's folders, or the current directory.

Some commands write by default next to the files they read (``calibrate fit`` into
``calibration/reports/<REGION>/`` and the baseline into ``scenarios/``). In a source
checkout that is the project's own folder, as the reports in the repository expect.
When the package is installed (a wheel in site-packages) those folders belong to the
installation and must not be written: the same relative path under the current
working directory is used instead.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PACKAGE_ROOT", "is_source_checkout", "default_output"]

#: The folder that holds the top-level packages (models/, scenarios/, cli/ ...).
PACKAGE_ROOT: Path = Path(__file__).resolve().parents[1]


def is_source_checkout(root: Path = PACKAGE_ROOT) -> bool:
    """True when the packages run from a source tree (a pyproject.toml beside them)."""
    return (root / "pyproject.toml").is_file()


def default_output(path: str | Path, root: Path = PACKAGE_ROOT) -> Path:
    """``path`` itself in a source checkout or outside the packages; else the same path
    relative to the package root, under the current working directory."""
    path = Path(path)
    resolved = path.resolve()
    if is_source_checkout(root) or not resolved.is_relative_to(root):
        return path
    return Path.cwd() / resolved.relative_to(root)
