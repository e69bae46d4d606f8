"""All-or-nothing outputs: write into temporary places beside the targets, then move.

A command that writes several files (a results folder, a report folder and a baseline
scenario file ...) asks :class:`StagedOutputs` for a temporary folder or file *beside*
each target (same file system, so moving is a rename), writes everything there, and
the files are moved into place only when the whole command succeeded. Before the first
file is moved every target is checked (a file where a folder is needed, a folder where
a file is needed, a folder that cannot be created); if any check fails nothing is
moved. A failed or interrupted command removes its temporary files and leaves the
earlier outputs exactly as they were::

    with StagedOutputs() as stage:
        tmp = stage.folder(Path("out"))       # write into tmp ...
        baseline = stage.file(Path("scenarios/baseline_X.yaml"))
        ...                                   # an exception here: nothing is moved
    # leaving the block without an exception moved every file into place

Files already in a target folder that the command did not write are kept (a folder is
merged file by file, as a command that writes into an existing folder would).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["StagedOutputs", "OutputConflict"]


class OutputConflict(OSError):
    """A target cannot take the staged output (e.g. a file where a folder is needed)."""


@dataclass(frozen=True)
class _Entry:
    temp: Path
    final: Path
    is_folder: bool


class StagedOutputs:
    """Temporary places for a command's outputs, committed together (see module doc)."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []
        self._created: list[Path] = []  # parent folders created for the temporary places

    # ------------------------------------------------------------------ staging
    def folder(self, final: str | Path) -> Path:
        """A new empty temporary folder beside ``final``; its files go to ``final``."""
        final = Path(final)
        self._check_no_file_at(final, folder=True)
        parent = self._parent(final)
        temp = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=parent))
        self._entries.append(_Entry(temp, final, True))
        return temp

    def file(self, final: str | Path) -> Path:
        """A temporary file path beside ``final`` (not created); it replaces ``final``."""
        final = Path(final)
        if final.is_dir():
            raise OutputConflict(f"{final}: is a folder; a file is to be written there")
        parent = self._parent(final)
        fd, name = tempfile.mkstemp(prefix=f".{final.name}.partial-", dir=parent)
        os.close(fd)
        os.unlink(name)
        temp = Path(name)
        self._entries.append(_Entry(temp, final, False))
        return temp

    def final_path(self, temp: str | Path) -> Path:
        """Where a staged path (the temporary folder/file or a file inside it) will land."""
        temp = Path(temp)
        for e in self._entries:
            if temp == e.temp:
                return e.final
            if e.is_folder and temp.is_relative_to(e.temp):
                return e.final / temp.relative_to(e.temp)
        return temp

    # ------------------------------------------------------------------ commit
    def moves(self) -> list[tuple[Path, Path]]:
        """(temporary file, final path) of every staged file, in a stable order."""
        out: list[tuple[Path, Path]] = []
        for e in self._entries:
            if e.is_folder:
                for src in sorted(p for p in e.temp.rglob("*") if not p.is_dir()):
                    out.append((src, e.final / src.relative_to(e.temp)))
            elif e.temp.exists():
                out.append((e.temp, e.final))
        return out

    def check(self) -> list[tuple[Path, Path]]:
        """Check every target; raise :class:`OutputConflict` naming the first problem."""
        moves = self.moves()
        for _, final in moves:
            if final.is_dir():
                raise OutputConflict(f"{final}: is a folder; the file {final.name} cannot be written there "
                                     "(nothing was written)")
            for parent in final.parents:
                if parent.exists():
                    if not parent.is_dir():
                        raise OutputConflict(f"{parent}: is a file; a folder is needed there for {final.name} "
                                             "(nothing was written)")
                    if not os.access(parent, os.W_OK):
                        raise OutputConflict(f"{parent}: folder is not writable (nothing was written)")
                    break
        return moves

    def commit(self) -> list[Path]:
        """Move every staged file into place (after :meth:`check`); return the final paths."""
        moves = self.check()
        written = []
        for src, final in moves:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, final)
            written.append(final)
        self._cleanup()
        return written

    def rollback(self) -> None:
        """Remove the temporary places; the targets are untouched."""
        self._cleanup()
        for folder in reversed(self._created):
            try:
                folder.rmdir()  # only if still empty
            except OSError:
                pass

    # ------------------------------------------------------------------ helpers
    def _parent(self, final: Path) -> Path:
        parent = final.parent if str(final.parent) else Path(".")
        for p in [*reversed(parent.parents), parent]:
            if p.exists() and not p.is_dir():
                raise OutputConflict(f"{p}: is a file; a folder is needed there for {final}")
        missing = [p for p in [*reversed(parent.parents), parent] if not p.exists()]
        parent.mkdir(parents=True, exist_ok=True)
        self._created.extend(missing)
        return parent

    @staticmethod
    def _check_no_file_at(final: Path, folder: bool) -> None:
        if folder and final.exists() and not final.is_dir():
            raise OutputConflict(f"{final}: is a file; a folder is needed there")

    def _cleanup(self) -> None:
        for e in self._entries:
            if e.is_folder:
                shutil.rmtree(e.temp, ignore_errors=True)
            else:
                try:
                    e.temp.unlink()
                except FileNotFoundError:
                    pass
        self._entries.clear()

    def __enter__(self) -> "StagedOutputs":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.commit()
            except BaseException:
                self.rollback()
                raise
        else:
            self.rollback()
