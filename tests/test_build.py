"""build.py end to end: the files it writes, their determinism, and all-or-nothing writes."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from build import cli
from conftest import GOLDEN, LANGS, PROFILES, ROOT, check_golden
from instrument import tables
from instrument.atomic import write_folders
from instrument.compile import Options, compile_instrument
from instrument.errors import InstrumentError
from instrument.loader import load_profile
from instrument.manifest import load_manifest

FAST = ["--format", "codebook", "--format", "entry"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(cli, ["build", "--out", str(out), *FAST])
    assert result.exit_code == 0, result.output
    return out / "pmbok6"


def test_default_set_is_three_profiles_by_two_languages(built):
    folders = sorted(p.name for p in built.iterdir())
    assert folders == sorted(f"{p}-{lang}" for p in PROFILES for lang in LANGS)
    for folder in built.iterdir():
        names = sorted(p.name for p in folder.iterdir())
        assert names == ["codebook.csv", "data-entry.csv", "data-entry.xlsx", "labels.sps",
                         "manifest.json"]


def test_output_is_byte_identical_across_runs(built, tmp_path):
    result = CliRunner().invoke(cli, ["build", "--out", str(tmp_path), *FAST])
    assert result.exit_code == 0
    for path in built.rglob("*"):
        if path.is_file():
            again = tmp_path / "pmbok6" / path.relative_to(built)
            assert again.read_bytes() == path.read_bytes(), path.name


def test_manifest_round_trips(built, instruments):
    inst = instruments[("pb", "zh-TW")]
    loaded = load_manifest(built / "pb-zh-TW" / "manifest.json")
    assert loaded == inst
    data = json.loads((built / "pb-zh-TW" / "manifest.json").read_text(encoding="utf-8"))
    assert data["id"] == inst.id and data["id"].startswith("pmbok6-1.0.0-")
    assert data["bank"] == {"id": "pmbok6", "version": "1.0.0", "title": inst.bank_title}
    assert data["profile"]["id"] == "pb" and data["language"] == "zh-TW"
    assert [i["id"] for i in data["items"]] == list(inst.item_ids)
    assert data["rule"]["kind"] == "mean" and data["rule"]["threshold"] == 3.5
    assert data["gate_stage"] == "S"
    assert len(data["content_hash"]) == 64


def test_instrument_id_depends_on_layout_not_wording(bank, instruments):
    ids = {inst.id for inst in instruments.values()}
    assert len(ids) == 1, "profiles and languages share the data layout"
    assert len({inst.content_hash for inst in instruments.values()}) == 6
    generic = load_profile("generic", bank)
    assert compile_instrument(bank, generic, "en", Options(scale="yesno")).id not in ids
    assert compile_instrument(bank, generic, "en", Options(rule="count")).id not in ids
    assert compile_instrument(bank, generic, "en", Options(threshold=4)).id not in ids
    assert compile_instrument(bank, generic, "en", Options(stages=("S", "M"))).id not in ids


def test_golden_codebooks(built, update_golden):
    for folder in sorted(built.iterdir()):
        text = (folder / "codebook.csv").read_bytes().decode("utf-8-sig")
        check_golden(GOLDEN / "codebook" / f"{folder.name}.csv", text, update_golden)


def test_codebook_rows(built, instruments):
    text = (built / "pb-zh-TW" / "codebook.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert [r["variable"] for r in rows] == list(instruments[("pb", "zh-TW")].item_ids)
    first = rows[0]
    assert first["area_name"] == "專案整合管理" and first["group_name"] == "起始過程組"
    assert first["practice_name"] == "發展錄案章程" and first["stage_name"] == "標準化"
    assert first["values"].startswith("1=非常不同意; 2=不同意") and first["missing_values"] == "9"


def test_data_entry_templates(built, instruments):
    inst = instruments[("generic", "en")]
    header = (built / "generic-en" / "data-entry.csv").read_bytes().decode("utf-8-sig")
    assert header == ",".join(tables.header(inst)) + "\r\n"

    wb = load_workbook(built / "generic-en" / "data-entry.xlsx")
    ws = wb["data"]
    assert [c.value for c in ws[1]] == tables.header(inst)
    assert ws.freeze_panes == "C2"
    assert ws.cell(row=1, column=5).comment.text == inst.items[0].text
    (validation,) = ws.data_validations.dataValidation
    assert validation.formula1 == '"1,2,3,4,5,9"'
    assert str(validation.sqref) == f"E2:{ws.cell(row=1, column=len(tables.header(inst))).column_letter}501"
    assert [c.value for c in wb["codebook"][1]][:3] == ["variable", "area", "area_name"]


def test_spss_syntax(built):
    sps = (built / "pb-zh-TW" / "labels.sps").read_text(encoding="utf-8")
    assert "VARIABLE LABELS\n  INT01_S 'INT01_S 本主責機關每個錄案" in sps
    assert "VALUE LABELS INT01_S TO STK04_I\n  1 '非常不同意'" in sps
    assert "MISSING VALUES INT01_S TO STK04_I (9)." in sps


def test_formula_injection_is_neutralised():
    assert tables.neutralise("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    for start in "=+-@\t\r":
        assert tables.neutralise(start + "x").startswith("'")
    assert tables.neutralise("專案") == "專案"
    assert tables.csv_bytes([["-1", -1]], bom=False) == b"'-1,-1\r\n"  # numbers stay numbers


def test_no_arguments_builds_the_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("built 6 instruments (")
    assert (tmp_path / "out" / "pmbok6" / "pb-zh-TW" / "manifest.json").is_file()


def test_failed_build_leaves_out_untouched(tmp_path):
    out = tmp_path / "out"
    CliRunner().invoke(cli, ["build", "--out", str(out), "--profile", "pb", "--lang", "en", *FAST])
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = CliRunner().invoke(cli, ["build", "--out", str(out), "--profile", "pb",
                                      "--profile", "nosuch", *FAST])
    assert result.exit_code == 1
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]


@pytest.mark.parametrize("args, message", [
    (["--threshold", "nan"], "--threshold nan is outside scale agree5 (1 to 5) [BUILD_007]\n"
                             "    fix: give a value from 1 to 5, e.g. --threshold 3.5"),
    (["--threshold", "-1"], "--threshold -1 is outside scale agree5 (1 to 5) [BUILD_007]"),
    (["--threshold", "inf"], "--threshold inf is outside scale agree5 (1 to 5) [BUILD_007]"),
    (["--rule", "count", "--threshold", "4"],
     "--threshold 4 does not apply to rule 'count' (count) [BUILD_007]\n"
     "    fix: leave --threshold out, or choose a mean rule with --rule"),
])
def test_a_threshold_that_would_close_or_open_every_gate_is_refused(tmp_path, args, message):
    """NaN closed every gate and -1 opened every one, silently, before."""
    result = CliRunner().invoke(cli, ["build", "--out", str(tmp_path), "--profile", "pb",
                                      "--lang", "en", *FAST, *args])
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "pmbok6").exists()


def test_refuses_to_write_through_a_symlink(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    out = tmp_path / "out"
    (out / "pmbok6").mkdir(parents=True)
    os.symlink(victim, out / "pmbok6" / "pb-en")
    result = CliRunner().invoke(cli, ["build", "--out", str(out), "--profile", "pb", "--lang", "en",
                                      *FAST])
    assert result.exit_code == 1
    assert "is a symbolic link; refusing to write through it [BUILD_003]" in result.output
    assert (victim / "keep.txt").read_text() == "precious"
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("name", ["../etc", "..", ".hidden", "a/../../b", ""])
def test_unsafe_folder_names_are_refused(tmp_path, name):
    with pytest.raises(InstrumentError) as err:
        write_folders(tmp_path, {name or ".": {"x": b""}} if name else {"ok": {"../x": b""}})
    assert err.value.codes == ["BUILD_006"]
    assert list(tmp_path.iterdir()) == []  # refused before anything is created


def test_chinese_and_spaces_in_names_work(tmp_path):
    write_folders(tmp_path / "my out", {"題庫 一/參與式預算-zh-TW": {"manifest.json": b"{}"}})
    assert (tmp_path / "my out" / "題庫 一" / "參與式預算-zh-TW" / "manifest.json").read_bytes() == b"{}"


def test_list_and_schema_commands():
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 0
    assert "pmbok6" in result.output and "smartcity" in result.output
    assert "languages:\n  en, zh-TW" in result.output
    result = CliRunner().invoke(cli, ["schema", "profile"])
    assert json.loads(result.output)["title"] == "Term profile"


def test_every_command_has_help_with_an_example():
    for command in ["build", "validate", "list", "schema", None]:
        args = [command, "--help"] if command else ["--help"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0
        assert "Example" in result.output, command


def test_authoring_guide_example(tmp_path):
    """docs/authoring.md's worked example: a profile of one's own, validated and built."""
    example = Path(__file__).parent.parent / "docs" / "examples" / "district.yaml"
    result = CliRunner().invoke(cli, ["validate", str(example)])
    assert result.exit_code == 0 and "profile district 1.0.0, 5 terms" in result.output
    result = CliRunner().invoke(cli, ["build", "--profile", str(example), "--lang", "zh-TW",
                                      "--format", "codebook", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(
        (tmp_path / "pmbok6" / "district-zh-TW" / "codebook.csv").read_bytes().decode("utf-8-sig"))))
    assert rows[0]["text"].startswith("本區公所每個計畫都依同一套書面程序撰寫章程")
    assert any("專案管理" in r["practice_name"] for r in rows)  # terms of art untouched


def _build_process(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "build.py"), "build", "--out", str(out),
                             "--profile", "pb", *extra], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".staging-" not in str(p) and p.name != ".lock"}


def test_a_killed_build_leaves_earlier_outputs_intact(tmp_path):
    out = tmp_path / "out"
    assert _build_process(out, "--format", "codebook").wait(120) == 0
    before = _files(out)
    killed = 0
    for delay in (0.3, 0.8, 1.5):  # kill while loading, rendering, or writing
        proc = _build_process(out, "--format", "pdf", "--format", "html")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        killed += proc.wait(60) == -signal.SIGKILL
        now = _files(out)
        assert now == before or all(  # either untouched, or the killed run had finished whole
            (out / "pmbok6" / f"pb-{lang}" / "questionnaire.pdf").is_file() for lang in LANGS)
        if now != before:
            before = now
    assert killed >= 2, "the test must interrupt builds that were still running"
    assert _build_process(out, "--format", "codebook").wait(120) == 0
    assert not list(out.glob(".staging-*")), "the next run clears a killed run's staging folder"


def test_concurrent_builds_do_not_interleave(tmp_path):
    out = tmp_path / "out"
    procs = [_build_process(out, "--format", "codebook"),
             _build_process(out, "--format", "entry")]
    assert [p.wait(120) for p in procs] == [0, 0]
    for lang in LANGS:
        names = sorted(p.name for p in (out / "pmbok6" / f"pb-{lang}").iterdir())
        # one run's folder whole, never a mix of both runs' files
        assert names in (["codebook.csv", "labels.sps", "manifest.json"],
                         ["data-entry.csv", "data-entry.xlsx", "manifest.json"])
    assert len({tuple(sorted(p.name for p in (out / "pmbok6" / f"pb-{lang}").iterdir()))
                for lang in LANGS}) == 1, "both languages come from the same run"
