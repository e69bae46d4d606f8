"""YAML parsing with limits, and reading files only inside allowed folders (安全读取).

Scenario, targets and upload files are parsed by :func:`parse_yaml`, which refuses
*before* any value is built or used:

* text longer than ``max_bytes`` (checked on the raw bytes),
* text that is not UTF-8,
* documents with more than ``max_nodes`` nodes *after alias expansion* (a "billion
  laughs" file of nested aliases is refused while it is being composed, without
  expanding it), recursive aliases (a node that contains itself),
* nesting deeper than ``max_depth``,
* parsing that takes longer than ``max_seconds`` (checked at every node).

Error messages name the source, the line and column and the limit; they never quote
the text of the document (a file the user did not send must not leak through an error).

:func:`read_confined` reads a file named by a relative path only when the path (after
resolving ``..`` and symbolic links) is a regular file inside one of the allowed
folders, reading at most ``max_bytes``; absolute paths, device files, directories and
links out of the folder are refused without being opened.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml
from yaml.composer import Composer
from yaml.nodes import Node

__all__ = ["YamlLimits", "UnsafeYamlError", "parse_yaml", "read_confined", "DEFAULT_LIMITS", "PLAIN_NAME"]

#: A plain file or scenario name: letters, digits, ``_``, ``-`` and ``.`` (no folder, no ``..``).
PLAIN_NAME = re.compile(r"^(?!\.)[A-Za-z0-9_\-.]{1,100}$")


class UnsafeYamlError(ValueError):
    """A YAML text or file refused by a limit; the message is for the user (no file content)."""


@dataclass(frozen=True)
class YamlLimits:
    """Limits of one parse (sizes in bytes, time in seconds of wall-clock time)."""

    max_bytes: int = 200_000
    max_nodes: int = 20_000
    max_depth: int = 24
    max_seconds: float = 2.0


DEFAULT_LIMITS = YamlLimits()


class _LimitedLoader(yaml.SafeLoader):
    """Safe loader whose composer counts expanded nodes, depth and time."""

    def __init__(self, stream: str, limits: YamlLimits, source: str) -> None:
        super().__init__(stream)
        self.limits = limits
        self.source = source
        self._depth = 0
        self._deadline = time.monotonic() + limits.max_seconds
        self._anchor_size: dict[str, int] = {}  # anchor -> expanded size of its finished node
        self._open: set[str] = set()  # anchors of the nodes being composed
        self._total = 0

    def _refuse(self, what: str) -> UnsafeYamlError:
        mark = self.peek_event().start_mark if self.check_event() else None
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        return UnsafeYamlError(f"{self.source}: refused{where}: {what}.")

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # type: ignore[override]
        if time.monotonic() > self._deadline:
            raise self._refuse(f"parsing took longer than {self.limits.max_seconds:g} s")
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent):
            if anchor in self._open:
                raise self._refuse("a recursive alias (a node that contains itself)")
            self._count(self._anchor_size.get(anchor, 1) if anchor is not None else 1)
            return Composer.compose_node(self, parent, index)
        self._depth += 1
        if self._depth > self.limits.max_depth:
            raise self._refuse(f"nesting deeper than {self.limits.max_depth} levels")
        before = self._total
        self._count(1)
        if anchor is not None:
            self._open.add(anchor)
        node = Composer.compose_node(self, parent, index)
        if anchor is not None:
            self._open.discard(anchor)
            self._anchor_size[anchor] = self._total - before
        self._depth -= 1
        return node

    def _count(self, n: int) -> None:
        self._total += n
        if self._total > self.limits.max_nodes:
            raise self._refuse(
                f"more than {self.limits.max_nodes:,} values after expanding aliases "
                "(nested aliases, a 'billion laughs' file?)")


def _decode(content: bytes | str, source: str, limits: YamlLimits) -> str:
    if isinstance(content, str):
        if len(content.encode("utf-8", errors="replace")) > limits.max_bytes:
            raise UnsafeYamlError(f"{source}: the text is larger than {limits.max_bytes // 1000} kB.")
        return content
    if len(content) > limits.max_bytes:
        raise UnsafeYamlError(f"{source}: the file is larger than {limits.max_bytes // 1000} kB.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnsafeYamlError(f"{source}: the file is not UTF-8 text.") from None


def parse_yaml(content: bytes | str, source: str, limits: YamlLimits = DEFAULT_LIMITS) -> Any:
    """Parse one YAML document with ``limits``; raise :class:`UnsafeYamlError` naming ``source``.

    Syntax errors name the line and column and PyYAML's short problem text (which
    describes the grammar, never the document's content).
    """
    text = _decode(content, source, limits)
    loader = _LimitedLoader(text, limits, source)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return loader.construct_document(node)
    except UnsafeYamlError:
        raise
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or "syntax error"
        raise UnsafeYamlError(f"{source}: invalid YAML{where}: {_grammar_text(problem)}.") from None
    except RecursionError:
        raise UnsafeYamlError(f"{source}: refused: nesting too deep.") from None
    finally:
        loader.dispose()


def _grammar_text(problem: str) -> str:
    """PyYAML's problem text without any quoted piece of the document."""
    return re.sub(r"'[^']*'|\"[^\"]*\"", "…", str(problem))[:200]


def read_confined(relative: str, folders: Iterable[Path], source: str, max_bytes: int = DEFAULT_LIMITS.max_bytes,
                  what: str = "file") -> tuple[Path, bytes]:
    """Bytes of ``relative`` if it resolves to a regular file inside one of ``folders``.

    ``relative`` must be a relative path without ``..`` parts; it is tried in each folder
    in order. The real path (symbolic links resolved) must stay inside that folder and
    be a regular file no larger than ``max_bytes``; nothing else is opened. The message
    of a refusal names ``source``, the value as written and the allowed folders (by
    their names relative to the project), never anything read from disk.
    """
    text = str(relative)
    names = [f.name + "/" for f in folders]
    allowed = f" Allowed: a relative path inside {' or '.join(names)}."
    p = Path(text)
    if not text.strip() or "\x00" in text:
        raise UnsafeYamlError(f"{source}: an empty or invalid file name.{allowed}")
    if p.is_absolute() or text.startswith("~") or ".." in p.parts:
        raise UnsafeYamlError(f"{source}: '{text}' is refused (absolute paths and '..' are not allowed).{allowed}")
    for folder in folders:
        root = folder.resolve()
        candidate = (root / p)
        try:
            real = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        if not real.is_relative_to(root):
            raise UnsafeYamlError(f"{source}: '{text}' leads out of {folder.name}/ (a link?) and is refused.{allowed}")
        if not real.is_file():
            raise UnsafeYamlError(f"{source}: '{text}' is not a regular file.{allowed}")
        size = real.stat().st_size
        if size > max_bytes:
            raise UnsafeYamlError(f"{source}: '{text}' is larger than {max_bytes // 1000} kB.")
        with open(real, "rb") as fh:
            data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise UnsafeYamlError(f"{source}: '{text}' is larger than {max_bytes // 1000} kB.")
        return real, data
    raise UnsafeYamlError(f"{source}: {what} '{text}' not found.{allowed}")
