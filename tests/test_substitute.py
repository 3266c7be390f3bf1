"""Substitution touches placeholders and nothing else (STYLE.md rule 14)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from instrument import substitute as subst

WORDS = {"project": "錄案", "project_manager": "承辦人", "organisation": "主責機關",
         "sponsor": "PB case"}
# literal text: CJK, ASCII and punctuation, but no braces
literal = st.text(alphabet=st.characters(blacklist_characters="{}", blacklist_categories=("Cs",)),
                  max_size=20)
field = st.tuples(st.sampled_from(sorted(WORDS)), st.sampled_from(["", "cap", "title"]))


@given(st.lists(st.tuples(literal, field), max_size=6), literal)
def test_only_placeholders_change(parts, tail):
    template = "".join(f"{lit}{{{name}{':' + spec if spec else ''}}}" for lit, (name, spec) in parts)
    template += tail
    result = subst.substitute(template, WORDS)
    expected = "".join(lit + subst._format(WORDS[name], spec) for lit, (name, spec) in parts) + tail
    assert result == expected
    assert "{" not in result and "}" not in result


@given(literal)
def test_text_without_placeholders_is_unchanged(text):
    assert subst.substitute(text, WORDS) == text
    assert subst.fields(text) == []


def test_no_literal_replacement():
    """專案管理 and 專案辦公室 are not placeholders, so they stay as written."""
    text = "本{organisation}的專案管理由專案辦公室督導，每個{project}皆適用。"
    assert subst.substitute(text, WORDS) == "本主責機關的專案管理由專案辦公室督導，每個錄案皆適用。"


def test_formats():
    assert subst.substitute("{sponsor:cap} and {sponsor:title}", WORDS) == "PB case and PB Case"
    assert subst.substitute("{{literal}} {project}", WORDS) == "{literal} 錄案"


@pytest.mark.parametrize("text, detail, offset", [
    ("a {project", "expected '}' before end of string", 2),
    ("a } b", "Single '}' encountered in format string", 2),
    ("x{}", "'{}' is not a placeholder name", 1),
    ("x{0}", "'{0}' is not a placeholder name", 1),
    ("ab{project!r}", "'!r' is not allowed in '{project}'", 2),
    ("{project:upper}", "unknown format ':upper' in '{project}' (use ':cap' or ':title')", 0),
    ("{a.b}", "'{a.b}' is not a placeholder name", 0),
])
def test_malformed_placeholders(text, detail, offset):
    with pytest.raises(subst.PlaceholderSyntaxError) as err:
        subst.parse(text)
    assert err.value.detail == detail
    assert err.value.offset == offset


def test_field_offsets_point_at_the_brace():
    text = "本{organisation}每個{project}"
    assert [(f.name, f.offset) for f in subst.fields(text)] == [("organisation", 1), ("project", 17)]
    assert text[17] == "{"
