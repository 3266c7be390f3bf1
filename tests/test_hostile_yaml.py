"""Hostile banks and profiles end in a located InstrumentError, never a traceback or a hang."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from build import cli
from instrument.errors import InstrumentError
from instrument.loader import parse_bank, parse_profile
from instrument.yamlsafe import MAX_BYTES, read_text

MINI = (Path(__file__).parent / "data" / "mini_bank.yaml").read_text(encoding="utf-8")


def must_fail_cleanly(text: str) -> InstrumentError | None:
    try:
        parse_bank(text, "bank.yaml")
    except InstrumentError as exc:
        for p in exc.problems:
            assert str(p).startswith("bank.yaml"), p
            assert p.code and p.hint
        return exc
    return None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    text = data.decode("utf-8", "replace")
    must_fail_cleanly(text)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(MINI)), st.text(max_size=30))
def test_random_edits_of_a_valid_bank(position, insert):
    """Truncations and insertions anywhere: either still valid, or a located error."""
    must_fail_cleanly(MINI[:position] + insert + MINI[position:])


@settings(max_examples=100, deadline=None)
@given(st.integers(0, len(MINI)))
def test_truncated_files(position):
    must_fail_cleanly(MINI[:position])


@settings(max_examples=100, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=30))
def test_wrong_types_anywhere(value):
    import yaml
    must_fail_cleanly(yaml.safe_dump({"id": "x", "practices": value}))


@pytest.mark.parametrize("text, code", [
    ("id: a\x00b\n", "YAML_001"),                                  # NUL byte
    ("id: " + "x" * 1_000_000 + "\n", "SCHEMA_001"),                # 1 MB of text in a cell
    ("a: " + "{a: " * 100 + "1" + "}" * 100 + "\n", "YAML_005"),    # deep mappings
    ("- " * 200 + "x\n", "YAML_005"),                               # deep block lists
    ("a: !!binary aGVsbG8=\n", "YAML_004"),
    ("a: !!set {x, y}\n", "YAML_004"),
    ("a: &x 1\nb: *x\n", "YAML_003"),
    ("<<: {a: 1}\n", "YAML_003"),
    ("\ufeffid: 1\n\ufeffx: 2\n", "YAML_001"),                        # a BOM in the middle
    ("id: x\r\nversion: 1.0.0\rlanguages: [en]\n", "SCHEMA_001"),  # mixed line endings
    ("? [a, b]\n: 1\n", "YAML_001"),                                # a list as a key
    ("--- 1\n--- 2\n", "YAML_001"),                                 # two documents
    ("id: 12\n", "SCHEMA_001"),                                     # number where text belongs
    ("=:\n", "SCHEMA_001"),              # YAML 1.1's '=' "value" key: text, not a crash
    ("id: =\n", "SCHEMA_001"),
])
def test_known_nasties(text, code):
    exc = must_fail_cleanly(text)
    assert exc is not None and code in exc.codes, (exc.codes if exc else None)


def test_billion_laughs_is_refused_before_expansion():
    lol = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(9))
    started = time.perf_counter()
    exc = must_fail_cleanly(lol)
    assert exc.codes == ["YAML_003"]
    assert time.perf_counter() - started < 1


def test_oversized_file_is_refused_without_reading(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    with pytest.raises(InstrumentError) as err:
        read_text(big, "big.yaml")
    assert str(err.value.problems[0]).startswith(
        f"big.yaml: file size ({MAX_BYTES + 1:,} bytes) exceeds the limit of {MAX_BYTES:,} bytes [YAML_005]")


def test_hostile_profile_text_is_only_text(bank):
    """Markup in a profile is kept as text here; renderers escape it (tested there)."""
    text = (Path(__file__).parent.parent / "instrument" / "profiles" / "pb.yaml").read_text(encoding="utf-8")
    text = text.replace("錄案, en: PB case}", "'<script>alert(1)</script>', en: '\"onmouseover=x'}")
    profile = parse_profile(text, "pb.yaml", bank)
    assert profile.terms["project"]["zh-TW"] == "<script>alert(1)</script>"


def test_cli_paths_cannot_escape(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "--profile", "../../etc/passwd"])
    assert result.exit_code == 1
    assert result.output.splitlines()[1] == "../../etc/passwd: cannot read file: no such file [YAML_006]"
    # ids become folder names, so a profile cannot name itself out of out/
    hostile = (Path(__file__).parent.parent / "instrument" / "profiles" / "pb.yaml").read_text(
        encoding="utf-8").replace("id: pb", "id: ../../etc")
    (tmp_path / "evil.yaml").write_text(hostile, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--profile", "evil.yaml", "--format", "codebook"])
    assert result.exit_code == 1
    assert result.output.splitlines()[1].startswith("evil.yaml:3:5: id: '../../etc' is not allowed here")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.csv"))
    result = CliRunner().invoke(cli, ["validate", "/etc/shadow-does-not-exist.yaml"])
    assert result.exit_code == 1
    assert "cannot read file" in result.output and "Traceback" not in result.output
