"""build.py end to end: the files it writes, their determinism, and all-or-nothing writes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
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
from instrument.model import Instrument

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
    assert data["format"] == 2
    assert data["id"] == inst.id and data["id"].startswith("pmbok6-2.0.0-")
    assert data["bank"] == {"id": "pmbok6", "version": "2.0.0", "title": inst.bank_title}
    assert data["profile"]["id"] == "pb" and data["language"] == "zh-TW"
    assert [i["id"] for i in data["items"]] == list(inst.item_ids)
    assert [q["id"] for q in data["background"]] == list(inst.background_ids)
    assert data["rule"]["kind"] == "mean" and data["rule"]["threshold"] == 3.5
    assert data["rule"]["min_answered"] == 0.5
    assert [(c["code"], c["missing"]) for c in data["scale"]["codes"]][-2:] == \
        [(8, "not_applicable"), (9, "dont_know")]
    assert data["gate_stage"] == "S"
    assert len(data["content_hash"]) == 64


@pytest.mark.parametrize("options", [Options(), Options(rule="count"), Options(scale="yesno"),
                                     Options(threshold=4), Options(stages=("S", "M"))])
def test_every_manifest_round_trips(bank, options):
    for profile in PROFILES:
        for lang in LANGS:
            inst = compile_instrument(bank, load_profile(profile, bank), lang, options)
            assert Instrument.from_manifest(inst.to_manifest()) == inst
            assert Instrument.from_manifest(json.loads(tables.manifest_json(inst))) == inst


def test_the_manifest_records_what_is_not_asked(built):
    data = json.loads((built / "smartcity-en" / "manifest.json").read_text(encoding="utf-8"))
    skipped = {p["id"]: p["reason"] for p in data["practices"] if not p["applicable"]}
    assert sorted(skipped) == ["COS03", "COS04", "PRO01", "PRO02", "PRO03"]
    assert skipped["COS03"].startswith("Pilots are funded by the vendors")
    pro = next(a for a in data["areas"] if a["id"] == "PRO")
    assert pro["applicable"] is False and pro["reason"].startswith("The office is a contracted")
    assert not [i for i in data["items"] if i["practice"] in skipped]


@pytest.mark.parametrize("name", ["manifest-pb-zh-TW.json", "manifest-smartcity-en.json"])
def test_format_1_manifests_load_keep_their_ids_and_render(name):
    """Manifests saved by 1.0.0 (tests/data/legacy-1.0.0): same id, no minimum of answers,
    9 as don't-know, and the data-entry header of the answers saved with them."""
    path = ROOT / "tests" / "data" / "legacy-1.0.0" / name
    data = json.loads(path.read_text(encoding="utf-8"))
    inst = load_manifest(path)
    assert data["format"] == 1 and inst.manifest_format == 1
    assert inst.id == data["id"] and inst.id.startswith("pmbok6-1.0.0-")
    assert inst.rule.min_answered is None and inst.background == ()
    assert inst.scale.missing == (9,) and inst.scale.dont_know == (9,)
    again = Instrument.from_manifest(inst.to_manifest())
    assert again.id == inst.id and again == replace(inst, manifest_format=2)
    answers = (path.parent / ("pb.csv" if "pb" in name else "smartcity.csv")).read_bytes()
    assert tables.entry_csv(inst).decode("utf-8-sig").splitlines()[0] == \
        answers.decode("utf-8-sig").splitlines()[0]
    assert b"MISSING VALUES INT01_S TO STK04_I (9)." in tables.spss_syntax(inst)
    assert tables.codebook_rows(inst)[1][13] == "9=dont_know"
    tables.entry_xlsx(inst)


def test_instrument_id_depends_on_layout_not_wording(bank, instruments):
    ids = {key: inst.id for key, inst in instruments.items()}
    shared = {ids[(p, lang)] for p in ("generic", "pb") for lang in LANGS}
    assert len(shared) == 1, "profiles that ask the same items share the data layout"
    smartcity = {ids[("smartcity", lang)] for lang in LANGS}
    assert len(smartcity) == 1 and smartcity != shared, "fewer items asked: another layout"
    assert len({inst.family for inst in instruments.values()}) == 1
    assert len({inst.content_hash for inst in instruments.values()}) == 6
    generic = load_profile("generic", bank)
    assert compile_instrument(bank, generic, "en", Options(scale="yesno")).id not in shared
    assert compile_instrument(bank, generic, "en", Options(rule="count")).id not in shared
    assert compile_instrument(bank, generic, "en", Options(threshold=4)).id not in shared
    assert compile_instrument(bank, generic, "en", Options(stages=("S", "M"))).id not in shared


def test_golden_codebooks(built, update_golden):
    for folder in sorted(built.iterdir()):
        text = (folder / "codebook.csv").read_bytes().decode("utf-8-sig")
        check_golden(GOLDEN / "codebook" / f"{folder.name}.csv", text, update_golden)


def _codebook(built, folder: str) -> list[dict[str, str]]:
    text = (built / folder / "codebook.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))


def test_codebook_rows(built, instruments):
    inst = instruments[("pb", "zh-TW")]
    rows = _codebook(built, "pb-zh-TW")
    assert [r["variable"] for r in rows] == [*inst.background_ids, *inst.item_ids]
    assert [r["kind"] for r in rows[:6]] == ["single", "single", "number", "number", "single",
                                            "single"]
    assert {r["kind"] for r in rows[6:]} == {"item"}
    unit, years = rows[0], rows[2]
    assert unit["text"] == "您服務的單位類型"
    assert unit["values"] == "1=局處（含所屬工程處、管理處）; 2=區公所; 3=學校; 4=其他"
    assert years["values"] == "a whole number from 0 to 50" and years["missing_values"] == ""
    first = rows[6]
    assert first["variable"] == "INT01_S"
    assert first["area_name"] == "專案整合管理" and first["group_name"] == "起始過程組"
    assert first["practice_name"] == "發展專案章程" and first["stage_name"] == "標準化"
    assert first["values"].startswith("1=完全不符合; 2=不太符合")
    assert first["values"].endswith("8=錄案不涉及此類工作 (missing: not applicable); "
                                    "9=不清楚 (missing: don't know)")
    assert first["missing_values"] == "8=not_applicable; 9=dont_know"


def test_codebook_leaves_out_what_is_not_asked(built, instruments):
    rows = _codebook(built, "smartcity-en")
    assert [r["variable"] for r in rows if r["kind"] == "item"] == \
        list(instruments[("smartcity", "en")].item_ids)
    assert not [r for r in rows if r["practice"] in ("COS03", "COS04") or r["area"] == "PRO"]
    assert "BG_UNIT" not in [r["variable"] for r in rows]  # not asked at the office: its teams are small
    assert rows[0]["values"] == "1=Researcher or other staff; 2=(Deputy) manager or head of team"


def test_data_entry_templates(built, instruments):
    inst = instruments[("generic", "en")]
    header = (built / "generic-en" / "data-entry.csv").read_bytes().decode("utf-8-sig")
    assert header == ",".join(inst.columns) + "\r\n"

    wb = load_workbook(built / "generic-en" / "data-entry.xlsx")
    ws = wb["data"]
    assert [c.value for c in ws[1]] == list(inst.columns)
    assert ws.freeze_panes == "C2"
    first_item = len(inst.columns) - len(inst.items) + 1
    assert ws.cell(row=1, column=first_item).comment.text == inst.items[0].text
    assert ws.cell(row=1, column=5).comment.text == \
        "The kind of unit you work in: 1=Central or local government agency; 2=Public " \
        "enterprise or public body; 3=Private organisation under contract to government; 4=Other"
    assert [c.value for c in wb["codebook"][1]][:3] == ["variable", "kind", "area"]
    assert [r[0] for r in wb["codebook"].iter_rows(min_row=2, values_only=True)] == \
        [*inst.background_ids, *inst.item_ids]


def _validations(path: Path) -> dict[str, tuple]:
    """Column name -> (type, operator, formula1, formula2, error) read back with openpyxl."""
    ws = load_workbook(path)["data"]
    names = [c.value for c in ws[1]]
    out = {}
    for dv in ws.data_validations.dataValidation:
        (cells,) = str(dv.sqref).split()
        first, last = cells.split(":")
        assert first.endswith("2") and last.endswith("501"), cells
        for k in range(ws[first].column, ws[last].column + 1):
            assert names[k - 1] not in out, f"two checks on {names[k - 1]}"
            out[names[k - 1]] = (dv.type, dv.operator, dv.formula1, dv.formula2, dv.error,
                                 dv.allow_blank, dv.showErrorMessage)
    return out


def test_data_entry_workbook_checks_every_column(built, instruments):
    inst = instruments[("pb", "zh-TW")]
    checks = _validations(built / "pb-zh-TW" / "data-entry.xlsx")
    assert set(checks) == set(inst.columns) - {"respondent_id", "organisation"}
    assert all(c[5] and c[6] for c in checks.values()), "blank allowed, errors shown"
    assert checks["instrument"][:3] == ("list", None, f'"{inst.id}"')
    assert checks["wave"][:3] == ("list", None, '"1,2"')
    assert checks["BG_UNIT"][:3] == ("list", None, '"1,2,3,4"')
    assert checks["BG_YEARS"][:4] == ("whole", "between", "0", "50")
    assert checks["BG_YEARS"][4] == "BG_YEARS: a whole number from 0 to 50, or leave blank."
    assert checks["BG_CASES"][:4] == ("whole", "between", "0", "999")
    for item in inst.item_ids:
        assert checks[item][:3] == ("list", None, '"1,2,3,4,5,8,9"')
    assert checks["INT01_S"][4] == ("Enter one of 1,2,3,4,5,8,9 (1–5, 8 = 錄案不涉及此類工作, "
                                    "9 = 不清楚), or leave blank.")
    smartcity = _validations(built / "smartcity-en" / "data-entry.xlsx")
    assert "BG_UNIT" not in smartcity and smartcity["BG_POSITION"][2] == '"1,2"'
    assert "PRO01_S" not in smartcity and "COS03_S" not in smartcity


def test_background_checks_of_every_kind():
    """Text and decimal questions, and numbers bounded on one side or none."""
    from instrument.model import BackgroundItem

    def check(q):
        dv = tables._question_check(q)
        return dv.type, dv.operator, dv.formula1, dv.formula2

    assert check(BackgroundItem("T", "text", "t", max_length=80)) == \
        ("textLength", "lessThanOrEqual", "80", None)
    assert check(BackgroundItem("D", "number", "d", minimum=0.5, maximum=2.5, integer=False)) == \
        ("decimal", "between", "0.5", "2.5")
    assert check(BackgroundItem("N", "number", "n", minimum=1)) == \
        ("whole", "greaterThanOrEqual", "1", None)
    assert check(BackgroundItem("N", "number", "n", maximum=1e6)) == \
        ("whole", "lessThanOrEqual", "1000000", None)
    assert check(BackgroundItem("N", "number", "n"))[2:] == \
        ("-1000000000000000", "1000000000000000")


def test_data_entry_workbook_opens_in_libreoffice(built, tmp_path):
    """LibreOffice (a second reader besides openpyxl) converts the workbook without error,
    keeping the header and the codebook sheet."""
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed (Debian: apt-get install libreoffice-calc)")
    source = built / "pb-zh-TW" / "data-entry.xlsx"
    result = subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                             "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,"
                             "true,false,false,false,-1", "--outdir", str(tmp_path), str(source)],
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    sheets = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.csv")}
    assert sorted(sheets) == ["data-entry-codebook.csv", "data-entry-data.csv"]
    header = (built / "pb-zh-TW" / "data-entry.csv").read_bytes().decode("utf-8-sig")
    assert sheets["data-entry-data.csv"].splitlines()[0] == header.rstrip("\r\n")
    assert "發展專案章程" in sheets["data-entry-codebook.csv"]


def _sps_commands(sps: str) -> list[str]:
    """The syntax file's commands, each ending at a '.' at the end of a line."""
    commands, current = [], []
    for line in sps.splitlines():
        if line.startswith("*") and not current:
            continue
        current.append(line)
        if line.endswith("."):
            commands.append("\n".join(current))
            current = []
    assert not current, f"unterminated command: {current}"
    return commands


def test_spss_syntax(built, instruments):
    inst = instruments[("pb", "zh-TW")]
    sps = (built / "pb-zh-TW" / "labels.sps").read_text(encoding="utf-8")
    assert "VARIABLE LABELS\n  BG_UNIT '您服務的單位類型'\n" in sps
    assert "\n  INT01_S 'INT01_S 本機關依同一套成文" in sps
    assert "VALUE LABELS BG_UNIT\n  1 '局處（含所屬工程處、管理處）'\n  2 '區公所'" in sps
    assert "VALUE LABELS BG_YEARS" not in sps  # numbers have no value labels
    assert "VALUE LABELS INT01_S TO STK04_I\n  1 '完全不符合'" in sps
    assert "\n  8 '錄案不涉及此類工作'\n  9 '不清楚'." in sps
    assert "MISSING VALUES INT01_S TO STK04_I (8, 9)." in sps
    header = set((built / "pb-zh-TW" / "data-entry.csv").read_bytes().decode("utf-8-sig")
                 .strip().split(","))
    for command in _sps_commands(sps):
        assert command.count("'") % 2 == 0, command
        unquoted = re.sub(r"'(?:[^']|'')*'", "", command)
        names = re.findall(r"\b[A-Z]{2,3}\d\d_[SMCI]\b|\bBG_[A-Z]+\b", unquoted)
        assert set(names) <= header, set(names) - header
        assert command.split()[0] in ("VARIABLE", "VALUE", "MISSING", "EXECUTE.")
    named = set(re.findall(r"^  ([A-Za-z]\w*) '", sps, flags=re.M))
    assert named == set(inst.background_ids) | set(inst.item_ids)


def test_spss_labels_fit_spss_limits(bank):
    """Variable labels up to 256 bytes, value labels up to 120 (UTF-8: 3 bytes a character)."""
    from instrument.model import Label

    inst = compile_instrument(bank, load_profile("pb", bank), "zh-TW")
    long = replace(inst.background[0], label="單" * 200,
                   choices=(Label(1, "選" * 100 + "'"),))
    sps = tables.spss_syntax(replace(inst, background=(long,))).decode("utf-8")
    variable = re.search(r"^  BG_UNIT '(.*)'$", sps, flags=re.M).group(1)
    value = re.search(r"^  1 '(.*)'\.?$", sps, flags=re.M).group(1)
    assert variable == "單" * 85 and len(variable.encode()) == 255
    assert value == "選" * 40


def test_spss_syntax_runs_in_pspp(built, instruments, tmp_path):
    """GNU PSPP reads the CSV and runs labels.sps without an error or warning; the
    dictionary then has the labels and the missing values."""
    pspp = shutil.which("pspp")
    if pspp is None:
        pytest.skip("GNU PSPP is not installed (Debian: apt-get install pspp)")
    inst = instruments[("pb", "zh-TW")]
    folder = built / "pb-zh-TW"
    data = tmp_path / "returns.csv"
    row = ["R1", "機關", inst.id, "", *[{"single": "2", "number": "12", "text": "他"}[q.kind]
                                       for q in inst.background],
           *["4", "9", "8"] * (len(inst.items) // 3) + ["5"] * (len(inst.items) % 3)]
    data.write_bytes((folder / "data-entry.csv").read_bytes() + tables.csv_bytes([row], bom=False))
    formats = {**{q.id: "F8.2" if q.kind == "number" else "A200" if q.kind == "text" else "F2"
                  for q in inst.background}, **dict.fromkeys(inst.item_ids, "F1")}
    variables = " ".join(f"{c} {formats.get(c, 'A64')}" for c in inst.columns)
    script = tmp_path / "run.sps"
    script.write_text(
        f"GET DATA /TYPE=TXT /FILE='{data}' /ENCODING='UTF-8' /ARRANGEMENT=DELIMITED\n"
        f"  /FIRSTCASE=2 /DELIMITERS=',' /QUALIFIER='\"' /VARIABLES={variables}.\n"
        f"INSERT FILE='{folder / 'labels.sps'}' SYNTAX=BATCH.\n"
        "DISPLAY DICTIONARY /VARIABLES=BG_UNIT BG_YEARS INT01_S STK04_I.\n", encoding="utf-8")
    result = subprocess.run([pspp, "-O", "format=txt", "-o", str(tmp_path / "out.txt"),
                             str(script)], capture_output=True, text=True, timeout=120)
    out = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert result.returncode == 0, result.stdout + result.stderr + out
    assert "error" not in out.lower() and "warning" not in out.lower(), out
    assert "您服務的單位類型" in out and "區公所" in out
    assert "INT01_S 本機關依同一套成文" in out and "錄案不涉及此類工" in out  # PSPP wraps the last character
    for item in ("INT01_S", "STK04_I"):  # the table of missing values
        assert re.search(rf"^\|{item} *\|8; 9 *\|$", out, flags=re.M), out
    assert re.search(r"^\|BG_UNIT *\| *\|$", out, flags=re.M), out
    assert "8[a]|錄案不涉及此類工" in out  # a: user-missing value


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
    assert result.output.startswith("built 12 instruments (")
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
    (["--threshold", "nan"], "--threshold nan is outside scale fit5 (1 to 5) [BUILD_007]\n"
                             "    fix: give a value from 1 to 5, e.g. --threshold 3.5"),
    (["--threshold", "-1"], "--threshold -1 is outside scale fit5 (1 to 5) [BUILD_007]"),
    (["--threshold", "inf"], "--threshold inf is outside scale fit5 (1 to 5) [BUILD_007]"),
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
    assert result.exit_code == 0 and "profile district 1.0.0, 4 terms" in result.output
    result = CliRunner().invoke(cli, ["build", "--profile", str(example), "--lang", "zh-TW",
                                      "--format", "codebook", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = [r for r in csv.DictReader(io.StringIO(
        (tmp_path / "pmbok6" / "district-zh-TW" / "codebook.csv").read_bytes().decode("utf-8-sig")))
        if r["kind"] == "item"]
    assert rows[0]["text"].startswith("本區公所依同一套成文且同仁皆知的作法，將計畫正式交辦給負責的計畫主持人")
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
