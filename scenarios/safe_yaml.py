"""YAML parsing with limits, and reading files only inside allowed folders (安全读取).

Scenario, targets and upload files are parsed by :func:`parse_yaml`, which refuses
*before* any value is built or used:

* text longer than ``max_bytes`` (checked on the raw bytes),
* text that is not UTF-8,
* documents with more than ``max_nodes`` nodes *after alias expansion* (a "billion
  laughs" file of nested aliases is refused while it is being composed, without
  expanding it), recursive aliases (a node that contains itself),
* nesting deeper than ``max_depth``,
* parsing that takes longer than ``max_seconds`` (checked at every node);

and reads YAML strictly (as a YAML 1.2 reader would, or refuses what 1.1 reads
differently), so that a value never silently changes meaning:

* a key written twice in one mapping (YAML 1.1 keeps the last value);
* base-60 numbers (``1:30`` is 90 in YAML 1.1), octal with a leading zero (``010``
  is 8), numbers with underscores (``1_000``) and binary numbers;
* the YAML 1.1 booleans ``yes/no/on/off`` (only ``true``/``false`` are booleans);
* unquoted dates (``2020-01-01`` becomes a date object, not text);
* integers longer than ``max_digits`` digits.

Each is refused naming the source, the line and what to write instead (quote the text,
or write the number). Error messages never quote the document beyond the offending key
or short scalar (a file the user did not send must not leak through an error); every
error has an English text (``str(err)``) and a Chinese one (``err.zh``).

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

__all__ = ["InputError", "as_error", "YamlLimits", "UnsafeYamlError", "parse_yaml", "read_confined", "DEFAULT_LIMITS",
           "PLAIN_NAME"]

#: A plain file or scenario name: letters, digits, ``_``, ``-`` and ``.`` (no folder, no ``..``).
PLAIN_NAME = re.compile(r"^(?!\.)[A-Za-z0-9_\-.]{1,100}$")


class InputError(ValueError):
    """Bad user input: ``str(err)`` is the English message, :attr:`zh` the Chinese one."""

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh

    def text(self, lang: str) -> str:
        """The message in ``lang`` ('zh' or 'en'; English when there is no Chinese text)."""
        return self.zh if lang == "zh" and self.zh else str(self)


def as_error(cls: type[ValueError], err: BaseException) -> ValueError:
    """``err`` as an exception of class ``cls``, keeping its Chinese text when ``cls``
    is an :class:`InputError`."""
    if isinstance(cls, type) and issubclass(cls, InputError):
        return cls(str(err), getattr(err, "zh", None))
    return cls(str(err))


class UnsafeYamlError(InputError):
    """A YAML text or file refused by a limit or a strictness rule; the message is for
    the user (no file content)."""


@dataclass(frozen=True)
class YamlLimits:
    """Limits of one parse (sizes in bytes, time in seconds of wall-clock time)."""

    max_bytes: int = 200_000
    max_nodes: int = 20_000
    max_depth: int = 24
    max_seconds: float = 2.0
    max_digits: int = 100


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

    def _refuse(self, what: str, zh: str) -> UnsafeYamlError:
        mark = self.peek_event().start_mark if self.check_event() else None
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        where_zh = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列）" if mark is not None else ""
        return UnsafeYamlError(f"{self.source}: refused{where}: {what}.", f"{self.source}：已拒绝{where_zh}：{zh}。")

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # type: ignore[override]
        if time.monotonic() > self._deadline:
            raise self._refuse(f"parsing took longer than {self.limits.max_seconds:g} s",
                               f"解析时间超过 {self.limits.max_seconds:g} 秒")
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if isinstance(event, yaml.AliasEvent):
            if anchor in self._open:
                raise self._refuse("a recursive alias (a node that contains itself)", "递归别名（节点包含自身）")
            self._count(self._anchor_size.get(anchor, 1) if anchor is not None else 1)
            return Composer.compose_node(self, parent, index)
        self._depth += 1
        if self._depth > self.limits.max_depth:
            raise self._refuse(f"nesting deeper than {self.limits.max_depth} levels",
                               f"嵌套超过 {self.limits.max_depth} 层")
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
                "(nested aliases, a 'billion laughs' file?)",
                f"展开别名后超过 {self.limits.max_nodes:,} 个值（嵌套别名炸弹？）")

    # ------------------------------------------------------------------ strictness
    def _strict(self, node: Node, what: str, zh: str) -> UnsafeYamlError:
        line = node.start_mark.line + 1
        return UnsafeYamlError(f"{self.source}: line {line}: {what}.", f"{self.source}：第 {line} 行：{zh}。")

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        """A mapping whose keys are all different (merge keys ``<<`` may be overridden)."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: PyYAML's own error follows
                    continue
                if first is not None:
                    shown = _short(key)
                    raise self._strict(
                        key_node, f"duplicate key {shown} (first at line {first}); each key may appear once",
                        f"键 {shown} 重复（首次出现在第 {first} 行）；每个键只能出现一次")
                seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_bool(self, node):  # type: ignore[override]
        if node.value.lower() not in ("true", "false"):
            shown = _short(node.value)
            raise self._strict(
                node, f"{shown} is a boolean in YAML 1.1; write true or false, or quote it ('{node.value[:20]}') "
                "for the text",
                f"{shown} 在 YAML 1.1 中是布尔值；请写 true 或 false，若指文字请加引号（'{node.value[:20]}'）")
        return super().construct_yaml_bool(node)

    def construct_yaml_int(self, node):  # type: ignore[override]
        self._check_number(node)
        text = node.value.lstrip("+-")
        if len(text) > self.limits.max_digits:
            raise self._strict(node, f"an integer of {len(text):,} digits (at most {self.limits.max_digits})",
                               f"整数有 {len(text):,} 位（最多 {self.limits.max_digits} 位）")
        if re.fullmatch(r"0[0-7]+", text):
            raise self._strict(
                node, f"{_short(node.value)} is an octal number in YAML 1.1 ({int(text, 8)}); write it without the "
                "leading zero, or quote it for the text",
                f"{_short(node.value)} 在 YAML 1.1 中是八进制数（{int(text, 8)}）；请去掉前导零，若指文字请加引号")
        if text.startswith(("0b", "0B")):
            raise self._strict(node, f"{_short(node.value)} is a binary number in YAML 1.1; write the decimal number",
                               f"{_short(node.value)} 在 YAML 1.1 中是二进制数；请写十进制数")
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node):  # type: ignore[override]
        self._check_number(node)
        return super().construct_yaml_float(node)

    def _check_number(self, node) -> None:
        value = str(node.value)
        if ":" in value:
            raise self._strict(
                node, f"{_short(value)} is a base-60 number in YAML 1.1 (1:30 is 90); write the number, or quote "
                "it for the text",
                f"{_short(value)} 在 YAML 1.1 中是六十进制数（1:30 即 90）；请直接写数值，若指文字请加引号")
        if "_" in value:
            raise self._strict(node, f"{_short(value)}: underscores in numbers are read differently by YAML "
                               "versions; write the number without them",
                               f"{_short(value)}：数字中的下划线在不同 YAML 版本中含义不同；请去掉下划线")

    def construct_yaml_timestamp(self, node, values=None):  # type: ignore[override]
        raise self._strict(node, f"{_short(node.value)} is read as a date by YAML; quote it for the text",
                           f"{_short(node.value)} 会被 YAML 读作日期；若指文字请加引号")


# Exponent floats without a dot (1e3, 2E-5) are numbers, as in YAML 1.2 (YAML 1.1 reads text).
_LimitedLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."))
for _tag, _method in (("tag:yaml.org,2002:bool", _LimitedLoader.construct_yaml_bool),
                      ("tag:yaml.org,2002:int", _LimitedLoader.construct_yaml_int),
                      ("tag:yaml.org,2002:float", _LimitedLoader.construct_yaml_float),
                      ("tag:yaml.org,2002:timestamp", _LimitedLoader.construct_yaml_timestamp)):
    _LimitedLoader.add_constructor(_tag, _method)


def _short(value: Any) -> str:
    """A key or scalar for a message: quoted and cut to 60 characters."""
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


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
