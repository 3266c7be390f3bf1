"""Read hand-edited YAML safely, keeping where every value came from.

PyYAML's ``safe_load`` silently keeps the last of two duplicate keys, expands
aliases (a billion-laughs bomb takes minutes and gigabytes) and forgets line
numbers. Banks and profiles are small, hand-written files, so we refuse anchors,
aliases and custom tags outright, bound size and depth, report duplicate keys
with both places, and return a map from each value's path to its location.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Collector, InstrumentError, Location, problem
from .inputs import NotReadable, TooLarge, read_bounded

MAX_BYTES = 2_000_000  # the PMBOK bank is ~100 kB
MAX_DEPTH = 40
MAX_NODES = 200_000

Path_ = tuple  # a path of mapping keys and list indices from the document root
Marks = dict[tuple, Location]

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value",
}


class _Refusal(Exception):
    def __init__(self, code: str, mark: yaml.Mark | None, **fields: object):
        self.code, self.mark, self.fields = code, mark, fields


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases and bounds nesting while composing."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refusal("YAML_003", event.start_mark)
        self._depth += 1
        self._nodes += 1
        if self._depth > MAX_DEPTH:
            raise _Refusal("YAML_005", event.start_mark, what="nesting depth",
                           limit=f"{MAX_DEPTH} levels")
        if self._nodes > MAX_NODES:
            raise _Refusal("YAML_005", event.start_mark, what="number of values",
                           limit=f"{MAX_NODES:,}")
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _loc(filename: str, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(filename)
    return Location(filename, mark.line + 1, mark.column + 1)


def read_text(path: Path, display: str | None = None) -> str:
    """Read a UTF-8 file (BOM allowed) with a size bound and a located decode error."""
    name = display or str(path)
    try:
        data = read_bounded(path, MAX_BYTES)  # a FIFO or /dev/zero is refused, never read
    except TooLarge as exc:
        raise InstrumentError([problem("YAML_005", Location(name),
                                       what=f"file size ({exc.size:,} bytes)",
                                       limit=f"{MAX_BYTES:,} bytes")]) from None
    except NotReadable as exc:
        raise InstrumentError([problem("YAML_006", Location(name), detail=exc.detail)]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InstrumentError([problem("YAML_007", Location(name, line), byte=f"0x{data[exc.start]:02x}",
                                       offset=exc.start)])


def load(text: str, filename: str) -> tuple[Any, Marks]:
    """Parse one YAML document into plain Python values and a path -> Location map.

    Keys of mappings get their own entry at ``path + ("<key>", key)`` so messages
    about a key (duplicate, unknown) point at the key, not its value.
    """
    if len(text) > MAX_BYTES:
        raise InstrumentError([problem("YAML_005", Location(filename), what="text size",
                                       limit=f"{MAX_BYTES:,} characters")])
    text = text[1:] if text.startswith("\ufeff") else text
    if "\ufeff" in text:  # invisible, and would silently become part of a key
        raise InstrumentError([problem(
            "YAML_001", _offset_location(filename, text, text.index("\ufeff")),
            detail="an invisible byte-order mark (U+FEFF) stands in the middle of the file, "
                   "usually from joining two files; delete it")])
    try:
        loader = _Loader(text)  # the reader already rejects control characters here
    except yaml.YAMLError as exc:
        raise InstrumentError([problem("YAML_001", _reader_location(exc, filename, text),
                                       detail=_reader_detail(exc))])
    try:
        try:
            node = loader.get_single_node()
        except _Refusal as r:
            raise InstrumentError([problem(r.code, _loc(filename, r.mark), **r.fields)])
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            detail = exc.problem or str(exc)
            if exc.context:
                detail = f"{exc.context}, {detail}"
            if "flow" in detail and "'{'" in detail:
                detail += ("; a text with {placeholders} inside { ... } must be quoted, e.g. "
                           "{en: 'Develop {project:title} Charter'}, or written one key per line")
            raise InstrumentError([problem("YAML_001", _loc(filename, mark), detail=detail)])
        except yaml.YAMLError as exc:  # e.g. a reader error on a control character
            raise InstrumentError([problem("YAML_001", _reader_location(exc, filename, text),
                                           detail=_reader_detail(exc))])
        except RecursionError:
            raise InstrumentError([problem("YAML_005", Location(filename), what="nesting depth",
                                           limit=f"{MAX_DEPTH} levels")])
        if node is None:
            return None, {}
        marks: Marks = {}
        errors = Collector()
        value = _convert(node, (), loader, filename, marks, errors)
        errors.raise_if_any()
        return value, marks
    finally:
        loader.dispose()


def _reader_location(exc: yaml.YAMLError, filename: str, text: str) -> Location:
    """Line and column of a reader error (PyYAML reports only a character offset)."""
    if isinstance(exc, yaml.reader.ReaderError):
        return _offset_location(filename, text, exc.position)
    return Location(filename)


def _offset_location(filename: str, text: str, pos: int) -> Location:
    """1-based line and column of character offset ``pos``."""
    line_start = text.rfind("\n", 0, pos) + 1
    return Location(filename, text.count("\n", 0, pos) + 1, pos - line_start + 1)


def _reader_detail(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        char = exc.character
        code = ord(char) if isinstance(char, str) else char
        return (f"the file contains a control character (U+{code:04X}); remove it "
                "(it often comes from copying text out of a PDF or a spreadsheet)")
    return str(exc).splitlines()[0]


def _scalar(node: yaml.ScalarNode, loader: _Loader) -> Any:
    # a date is text to us, never a datetime; a plain '=' (YAML 1.1's "value" key, which
    # the safe loader cannot construct) is the text '='
    if node.tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value"):
        return node.value
    return loader.construct_object(node, deep=True)


def _convert(node: yaml.Node, path: tuple, loader: _Loader, filename: str, marks: Marks,
             errors: Collector) -> Any:
    marks[path] = _loc(filename, node.start_mark)
    if node.tag not in _ALLOWED_TAGS:
        errors.add("YAML_004", _loc(filename, node.start_mark), tag=node.tag)
        return None
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, loader)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(child, path + (i,), loader, filename, marks, errors)
                for i, child in enumerate(node.value)]
    result: dict = {}
    first_seen: dict = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            errors.add("YAML_003", _loc(filename, key_node.start_mark))
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            errors.add("YAML_001", _loc(filename, key_node.start_mark),
                       detail="a mapping key must be plain text")
            continue
        if key_node.tag not in _ALLOWED_TAGS:
            errors.add("YAML_004", _loc(filename, key_node.start_mark), tag=key_node.tag)
            continue
        key = _scalar(key_node, loader)
        if not isinstance(key, (str, int, bool)) and key is not None:
            key = str(key)
        if key in first_seen:
            errors.add("YAML_002", _loc(filename, key_node.start_mark), key=key,
                       first_line=first_seen[key].line)
            continue
        first_seen[key] = _loc(filename, key_node.start_mark)
        marks[path + ("<key>", key)] = first_seen[key]
        result[key] = _convert(value_node, path + (key,), loader, filename, marks, errors)
    return result


def where(marks: Marks, path: tuple, filename: str) -> Location:
    """The location of ``path``, or of its nearest ancestor that has one."""
    path = tuple(path)
    while path:
        if path in marks:
            return marks[path]
        path = path[:-1]
    return marks.get((), Location(filename))


def key_where(marks: Marks, path: tuple, filename: str) -> Location:
    """The location of the key that holds ``path`` (falls back to the value)."""
    path = tuple(path)
    if path and (path[:-1] + ("<key>", path[-1])) in marks:
        return marks[path[:-1] + ("<key>", path[-1])]
    return where(marks, path, filename)
