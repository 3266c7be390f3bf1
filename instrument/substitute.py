"""Placeholder substitution: the only way profile words enter a text.

Literal search-and-replace would turn 專案管理 into 錄案管理 and 專案辦公室 into
錄案辦公室. Stems instead carry explicit ``{project}`` fields, read with
``string.Formatter().parse`` so that nothing outside a field is ever touched.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Mapping

FORMATS = ("", "cap", "title")  # {name}, {name:cap} (first letter), {name:title} (each word)


@dataclass(frozen=True)
class Field:
    name: str
    spec: str
    offset: int  # character offset of the opening brace in the raw text


class PlaceholderSyntaxError(ValueError):
    def __init__(self, detail: str, offset: int):
        super().__init__(detail)
        self.detail, self.offset = detail, offset


def parse(template: str) -> list[tuple[str, Field | None]]:
    """Split a text into (literal, field) pairs; raises PlaceholderSyntaxError.

    Literal parts are returned unescaped (``{{`` -> ``{``), as str.format would.
    """
    parts: list[tuple[str, Field | None]] = []
    offset = 0
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise PlaceholderSyntaxError(str(exc), _first_bad_brace(template)) from None
    for literal, name, spec, conversion in parsed:
        # raw length of the literal: escaped braces took two characters each
        offset += len(literal) + literal.count("{") + literal.count("}")
        if name is None:
            parts.append((literal, None))
            continue
        if name == "" or not name.isidentifier():
            raise PlaceholderSyntaxError(f"'{{{name}}}' is not a placeholder name", offset)
        if conversion:
            raise PlaceholderSyntaxError(f"'!{conversion}' is not allowed in '{{{name}}}'", offset)
        if spec not in FORMATS:
            raise PlaceholderSyntaxError(
                f"unknown format ':{spec}' in '{{{name}}}' (use ':cap' or ':title')", offset)
        parts.append((literal, Field(name, spec or "", offset)))
        offset += len(name) + (len(spec) + 1 if spec else 0) + 2
    return parts


def fields(template: str) -> list[Field]:
    """The placeholders of a text, in order."""
    return [f for _, f in parse(template) if f is not None]


def substitute(template: str, words: Mapping[str, str]) -> str:
    """Replace each field by its word; raises KeyError for a field without a word."""
    out: list[str] = []
    for literal, fld in parse(template):
        out.append(literal)
        if fld is not None:
            word = words[fld.name]
            out.append(_format(word, fld.spec))
    return "".join(out)


def _format(word: str, spec: str) -> str:
    """'cap': first letter upper; 'title': first letter of each word (keeps 'PB' as is)."""
    if spec == "cap":
        return word[:1].upper() + word[1:]
    if spec == "title":
        return " ".join(w[:1].upper() + w[1:] for w in word.split(" "))
    return word


def _first_bad_brace(text: str) -> int:
    depth_open = None
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "{}" and text[i + 1:i + 2] == ch:
            i += 2
            continue
        if ch == "{":
            if depth_open is not None:
                return depth_open
            depth_open = i
        elif ch == "}":
            if depth_open is None:
                return i
            depth_open = None
        i += 1
    return depth_open if depth_open is not None else 0
