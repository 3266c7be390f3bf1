"""scoring.read: returned files in every encoding and layout people send, and every mistake.

The instrument here is tests/data/read_bank.yaml: 3 areas x 2 practices x 2 stages
(12 items, the bundled 5-point scale with 9 = don't know), so the CSVs stay readable.
Messages are asserted whole: file:row as the spreadsheet shows it (header = row 1),
column, value, and the fix.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import ROOT, dedent
from instrument.compile import compile_instrument
from instrument.errors import InstrumentError
from instrument.loader import load_bank, load_profile
from instrument.tables import entry_xlsx
from scoring.read import Limits, ReadOptions, peek_instrument_ids, read_files, read_responses
from scoring.validate import parse_cell

DATA = Path(__file__).parent / "data"
HEADER = ("respondent_id,organisation,instrument,wave,INT01_S,INT01_M,INT02_S,INT02_M,"
          "SCO01_S,SCO01_M,SCO02_S,SCO02_M,RSK01_S,RSK01_M,RSK02_S,RSK02_M")
CODES = "1–5, 9 = 不清楚／不適用"
FIX_CODE = "    fix: type one of 1, 2, 3, 4, 5 or 9, or leave the cell blank when there is no answer"


@pytest.fixture(scope="module")
def inst():
    bank = load_bank(DATA / "read_bank.yaml")
    return compile_instrument(bank, load_profile(DATA / "mini_profile.yaml", bank), "zh-TW")


@pytest.fixture
def here(tmp_path, monkeypatch) -> Path:
    """Work in a fresh folder so that messages name files as a user typed them."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def put(name: str, text: str, inst, encoding: str = "utf-8") -> Path:
    """Write a dedented CSV; '{id}' stands for the instrument id."""
    path = Path(name)
    path.write_bytes(dedent(text).replace("{id}", inst.id).encode(encoding))
    return path


def problems(inst, *paths, **kw) -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        read_responses(list(paths), inst, **kw)
    return [str(p) for p in caught.value.problems]


def codes(inst, *paths, **kw) -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        read_responses(list(paths), inst, **kw)
    return caught.value.codes


CLEAN = f"""
    {HEADER}
    R01,臺北市政府民政局,{{id}},,4,3,5,4,4,4,5,,2,,3,
    R02, 臺北市政府社會局 ,,1,5,5,5,4,3,,3,,9,,2,
    R03,臺北智慧城市專案辦公室,{{id}},,4,2,4,3,5,5,4,4,4,3,4,4
"""


# --------------------------------------------------------------------------- reading
def test_reads_a_clean_file(inst, here):
    result = read_responses([put("returns.csv", CLEAN, inst)], inst)
    r = result.responses
    assert result.warnings == []
    assert list(r.respondent_id) == ["R01", "R02", "R03"]
    assert list(r.organisation) == ["臺北市政府民政局", "臺北市政府社會局", "臺北智慧城市專案辦公室"]
    assert list(r.wave) == ["", "1", ""]
    assert list(r.source_file) == ["returns.csv"] * 3
    assert list(r.source_row) == [2, 3, 4]
    assert r.values.dtype == np.float32 and r.values.shape == (3, 12)
    assert np.allclose(r.values[0], [4, 3, 5, 4, 4, 4, 5, np.nan, 2, np.nan, 3, np.nan],
                       equal_nan=True)
    assert r.column("RSK01_S").tolist() == [2, 9, 4]


def test_cells_as_people_type_them(inst, here):
    path = put("typed.csv", f"""
        {HEADER}
        R01,A,,, 4 ,4.0,４,4.,　５　,+3,"3",９,2 ,\t1,,
    """, inst)
    values = read_responses([path], inst).responses.values[0]
    assert np.allclose(values, [4, 4, 4, 4, 5, 3, 3, 9, 2, 1, np.nan, np.nan], equal_nan=True)


def test_cells_that_are_not_codes_are_errors_naming_file_row_column_and_value(inst, here):
    path = put("returns.csv", f"""
        {HEADER}
        R01,A,,,four,4.5,4,,同意,,NA,,7,,4,
        R02,A,,,4,,0,,4,,4,,4,,4,
    """, inst)
    assert problems(inst, path) == [
        f"returns.csv:2: column 'INT01_S': value 'four' is not a code of scale agree5 ({CODES})"
        f" [CSV_011]\n{FIX_CODE}",
        f"returns.csv:2: column 'INT01_M': value '4.5' is not a code of scale agree5 ({CODES})"
        f" [CSV_011]\n{FIX_CODE}",
        f"returns.csv:2: column 'SCO01_S': value '同意' is not a code of scale agree5 ({CODES})"
        f" [CSV_011]\n{FIX_CODE}",
        f"returns.csv:2: column 'SCO02_S': value 'NA' is not a code of scale agree5 ({CODES})"
        f" [CSV_011]\n{FIX_CODE}",
        f"returns.csv:2: column 'RSK01_S': value '7' is not a code of scale agree5 ({CODES})"
        f" [CSV_011]\n{FIX_CODE}",
        f"returns.csv:3: column 'INT02_S': value '0' is not a code of scale agree5 ({CODES})"
        f" [CSV_011]\n{FIX_CODE}",
    ]


def test_many_errors_are_listed_up_to_a_cap_then_counted(inst, here):
    rows = "\n".join(f"R{k:03d},A,,,x,,4,,4,,4,,4,,4," for k in range(120))
    path = put("bad.csv", f"{HEADER}\n{rows}\n", inst)
    found = problems(inst, path)
    assert len(found) == 21
    assert found[0].startswith("bad.csv:2: column 'INT01_S': value 'x' is not a code")
    assert found[-1] == ("(all files): and 100 more errors not listed (CSV_011 ×100) [CSV_027]\n"
                         "    fix: fix the ones listed and run again; the rest often go away "
                         "with them")


# --------------------------------------------------------------------------- encodings
def test_utf8_with_bom_cp950_and_utf16_read_alike(inst, here):
    text = dedent(CLEAN).replace("{id}", inst.id)
    Path("plain.csv").write_bytes(text.encode("utf-8"))
    Path("bom.csv").write_bytes(text.encode("utf-8-sig"))
    Path("big5.csv").write_bytes(text.encode("cp950"))
    Path("unicode.txt").write_bytes(text.replace(",", "\t").encode("utf-16"))  # Excel "Unicode text"
    Path("utf16be.txt").write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    base = read_responses([Path("plain.csv")], inst).responses
    for name in ("bom.csv", "big5.csv", "unicode.txt", "utf16be.txt"):
        other = read_responses([Path(name)], inst).responses
        assert list(other.organisation) == list(base.organisation), name
        assert np.array_equal(other.values, base.values, equal_nan=True), name


def test_big5_is_read_with_a_warning_unless_named(inst, here):
    path = put("big5.csv", CLEAN, inst, encoding="cp950")
    result = read_responses([path], inst)
    assert [str(w) for w in result.warnings] == [
        "big5.csv: the file is not UTF-8; it was read as Big5/cp950 (an Excel export) [CSV_004]\n"
        "    fix: check that Chinese names look right; in Excel use Save As → CSV UTF-8, or pass "
        "--encoding=cp950 to say so"]
    assert result.responses.organisation[0] == "臺北市政府民政局"
    assert read_responses([path], inst, encoding="cp950").warnings == []
    assert codes(inst, path, strict=True) == ["CSV_004"]


def test_undecodable_bytes_are_rejected_with_how_to_resave(inst, here):
    path = Path("broken.csv")
    path.write_bytes(dedent(CLEAN).replace("{id}", inst.id).encode("utf-8")
                     + b"R04,\x81\xff\xfe,,,4,,4,,4,,4,,4,,4,\n")
    assert problems(inst, path) == [
        "broken.csv:5: the file is neither UTF-8 nor Big5/cp950 (byte 0x81 cannot be decoded) "
        "[CSV_003]\n"
        "    fix: in Excel use Save As → CSV UTF-8 (*.csv); if you know the file's encoding, pass "
        "it, e.g. --encoding=utf-16"]


def test_a_forced_encoding_that_does_not_fit_names_the_row(inst, here):
    path = put("big5.csv", CLEAN, inst, encoding="cp950")
    assert problems(inst, path, encoding="utf-8") == [
        "big5.csv:2: cannot decode the file as utf-8: byte 0xBB [CSV_005]\n"
        "    fix: check --encoding, or leave it out: UTF-8, UTF-16 and Big5/cp950 are detected"]


def test_tab_and_semicolon_delimiters_are_sniffed(inst, here):
    text = dedent(CLEAN).replace("{id}", inst.id)
    base = read_responses([put("c.csv", CLEAN, inst)], inst).responses
    for name, sep in (("t.tsv", "\t"), ("s.csv", ";")):
        Path(name).write_text(text.replace(",", sep), encoding="utf-8")
        other = read_responses([Path(name)], inst).responses
        assert np.array_equal(other.values, base.values, equal_nan=True), name


# Labels as Kobo, Google Forms or LimeSurvey write them as headers: prose with commas
LABEL = st.lists(st.sampled_from(list("abcXYZ .'()/-[]_:?\"專案管理，：、") + [", ", ","]),
                 max_size=30).map("".join)
CELL = st.sampled_from(["", "1", "5", "9", "A01", "P-017", "臺北市政府", "Strongly agree",
                        "不清楚／不適用", "2024-03-01T10:00:00"])


def _first_and_rest(data: bytes) -> tuple[bytes, bytes]:
    from scoring.read import _first_record

    return _first_record(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(LABEL, min_size=2, max_size=12).flatmap(
           lambda labels: st.tuples(st.just(labels), st.lists(
               st.lists(CELL, min_size=len(labels), max_size=len(labels)), min_size=1,
               max_size=6))),
       st.sampled_from(["minimal", "all"]), st.sampled_from(["\r\n", "\n"]))
def test_semicolon_files_whose_labels_hold_commas_are_read_with_semicolons(table, quoting,
                                                                          newline):
    """Kobo's ';' export with English labels as headers: however many commas the labels
    hold, the rows' widths say ';' (a count of characters tipped to ',')."""
    import csv

    from scoring.read import _sniff

    labels, rows = table
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator=newline,
               quoting=csv.QUOTE_ALL if quoting == "all" else csv.QUOTE_MINIMAL
               ).writerows([labels, *rows])
    header, rest = _first_and_rest(buf.getvalue().encode("utf-8"))
    assert _sniff(header, rest) == ";"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["Develop", "the", "charter", "專案", "a"]), min_size=1,
                         max_size=4).map(", ".join), min_size=2, max_size=10),
       st.sampled_from(["minimal", "all"]))
def test_a_semicolon_header_alone_with_prose_labels_is_semicolon(labels, quoting):
    """No data rows to compare widths with: labels split at ', ' leave cells that start with
    a space, which a header's own cells do not."""
    import csv

    from scoring.read import _sniff

    buf = io.StringIO()
    csv.writer(buf, delimiter=";", quoting=csv.QUOTE_ALL if quoting == "all" else
               csv.QUOTE_MINIMAL).writerow(labels)
    assert _sniff(buf.getvalue().encode("utf-8")) == ";"


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([",", "\t", ";"]),
       st.lists(st.lists(CELL, min_size=16, max_size=16), min_size=0, max_size=5))
def test_native_files_keep_their_delimiter(delimiter, rows):
    import csv

    from scoring.read import _sniff

    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows([HEADER.split(","), *rows])
    header, rest = _first_and_rest(buf.getvalue().encode("utf-8"))
    assert _sniff(header, rest) == delimiter


def test_a_semicolon_file_whose_header_holds_more_commas_than_semicolons(inst, here):
    """Labels as headers ("Define, plan, … [INT01_S]"): "," outnumbers ";" in the header."""
    names = HEADER.split(",")
    labels = names[:4] + [f"Define, plan, monitor, and control it [{n}]" for n in names[4:]]
    rows = dedent(CLEAN).replace("{id}", inst.id).split("\n", 1)[1].replace(",", ";")
    path = Path("labels.csv")
    path.write_text(";".join(labels) + "\n" + rows, encoding="utf-8")
    head = path.read_bytes().split(b"\n", 1)[0]
    assert head.count(b",") > 2 * head.count(b";")  # counting characters would say ","
    result = read_responses([path], inst, platform="google-forms").responses
    assert list(result.respondent_id) == list(
        read_responses([put("c.csv", CLEAN, inst)], inst).responses.respondent_id)


def test_quoted_cells_with_delimiters_and_line_breaks_keep_row_numbers(inst, here):
    path = put("q.csv", HEADER + "\n" + dedent('''
        R01,"臺北市政府, 民政局",,,4,,4,,4,,4,,4,,4,
        R02,"第一行
        第二行",,,4,,4,,4,,4,,4,,4,
        R03,"說 ""引號""",,,x,,4,,4,,4,,4,,4,
    '''), inst)
    assert problems(inst, path)[0].startswith("q.csv:4: column 'INT01_S': value 'x'")
    path = put("q2.csv", dedent(path.read_text(encoding="utf-8")).replace(",x,", ",4,"), inst)
    r = read_responses([path], inst).responses
    assert list(r.organisation) == ["臺北市政府, 民政局", "第一行\n第二行", '說 "引號"']
    assert list(r.source_row) == [2, 3, 4]


# --------------------------------------------------------------------------- header
def test_unknown_columns_are_ignored_with_a_warning(inst, here):
    path = put("extra.csv", f"""
        {HEADER},note
        R01,A,,,4,,4,,4,,4,,4,,4,,late return
    """, inst)
    result = read_responses([path], inst)
    assert [str(w) for w in result.warnings] == [
        "extra.csv:1:17: column 'note' is not part of the instrument; ignored [CSV_010]\n"
        "    fix: remove the column, or rename it if it holds an item (item ids are in "
        "codebook.csv)"]


def test_missing_and_misspelt_columns_suggest_the_right_name(inst, here):
    path = put("typo.csv", """
        respondent_id,organisation,INT01_S,INT01_M,INT02_S,INT02_M,SCO01_S,SCO01_M,SCO02_S,SCO02_M,rsk01_s,RSK01_M,RSK02_S,RSK2_M
        R01,A,4,,4,,4,,4,,4,,4,
    """, inst)
    fix = ("    fix: copy the header row from data-entry.csv next to the manifest; item columns "
           "may be left blank but must be there")
    assert problems(inst, path) == [
        "typo.csv:1: missing column 'RSK01_S' (did you mean 'rsk01_s'?) [CSV_009]\n" + fix,
        "typo.csv:1: missing column 'RSK02_M' (did you mean 'RSK2_M'?) [CSV_009]\n" + fix,
        "typo.csv:1:11: column 'rsk01_s' is not part of the instrument; ignored (did you mean "
        "'RSK01_S'?) [CSV_010]\n"
        "    fix: remove the column, or rename it if it holds an item (item ids are in "
        "codebook.csv)",
        "typo.csv:1:14: column 'RSK2_M' is not part of the instrument; ignored (did you mean "
        "'RSK02_M'?) [CSV_010]\n"
        "    fix: remove the column, or rename it if it holds an item (item ids are in "
        "codebook.csv)",
    ]


def test_instrument_organisation_and_wave_columns_are_optional(inst, here):
    path = put("min.csv", """
        respondent_id,INT01_S,INT01_M,INT02_S,INT02_M,SCO01_S,SCO01_M,SCO02_S,SCO02_M,RSK01_S,RSK01_M,RSK02_S,RSK02_M
        R01,4,,4,,4,,4,,4,,4,
    """, inst)
    r = read_responses([path], inst).responses
    assert list(r.organisation) == [""] and list(r.wave) == [""]


def test_header_problems(inst, here):
    path = put("dup.csv", f"""
        {HEADER},INT01_S
        R01,A,,,4,,4,,4,,4,,4,,4,,5
    """, inst)
    assert problems(inst, path) == [
        "dup.csv:1:17: duplicate column 'INT01_S' (also column 5) [CSV_008]\n"
        "    fix: keep one of the two columns; the scorer never guesses which one is right"]
    path = put("noid.csv", HEADER.replace("respondent_id", "id") + "\nR01,A,,,4\n", inst)
    assert codes(inst, path) == ["CSV_009", "CSV_010"]
    assert problems(inst, path)[0] == (
        "noid.csv:1: missing column 'respondent_id' [CSV_009]\n"
        "    fix: add a respondent_id column (one id per respondent); copy the header row from "
        "data-entry.csv next to the manifest")
    path = put("title.csv", f"""
        臺北市參與式預算問卷回收
        ,,,
        {HEADER}
        R01,A,,,4,,4,,4,,4,,4,,4,
    """, inst)
    assert "title.csv:1: row 1 is not the header: 'respondent_id' is on row 3 [CSV_029]\n" \
           "    fix: delete the rows above the header so that row 1 holds the column names" \
        in problems(inst, path)
    Path("empty.csv").write_bytes(b"")
    assert problems(inst, Path("empty.csv")) == [
        "empty.csv:1: the file has no header row [CSV_006]\n"
        "    fix: row 1 must hold the column names of the data-entry template: respondent_id, "
        "organisation, instrument, wave, INT01_S, INT01_M, …"]


# --------------------------------------------------------------------------- rows
def test_wrong_instrument_is_rejected_naming_both_ids(inst, here):
    path = put("other.csv", f"""
        {HEADER}
        R01,A,pmbok6-1.0.0-dcf684ce2a,,4,,4,,4,,4,,4,,4,
        R02,A,{{id}},,4,,4,,4,,4,,4,,4,
        R03,A,pmbok6-1.0.0-dcf684ce2a,,4,,4,,4,,4,,4,,4,
    """, inst)
    assert problems(inst, path) == [
        f"other.csv:2: instrument 'pmbok6-1.0.0-dcf684ce2a' does not match the manifest's "
        f"'{inst.id}' (2 rows, the first on row 2) [CSV_012]\n"
        "    fix: score this file with the manifest of its own questionnaire (--manifest "
        "out/<bank>/<profile>-<lang>/manifest.json), or correct the instrument column"]


def test_blank_ids_empty_rows_padding_and_unanswered_respondents(inst, here):
    path = put("rows.csv", f"""
        {HEADER}
        R01,A,,,4,,4,,4,,4,,4,,4,
        ,,,,,,,,,,,,,,,
        ,,,,,,,,,,,,,,,

        R05,A,,,,,,,,,,,,,,
        ,,{{id}},,,,,,,,,,,,,
        R07,A,,,4,,4,,4,,4,,4,,4,
        ,,,,,,,,,,,,,,,
        ,,,,,,,,,,,,,,,
    """, inst)
    result = read_responses([path], inst)
    assert list(result.responses.respondent_id) == ["R01", "R07"]
    assert [str(w) for w in result.warnings] == [
        "rows.csv:3: empty rows 3–5; skipped [CSV_017]\n"
        "    fix: delete the empty rows, or leave them: they are skipped",
        "rows.csv:6: respondent 'R05' has no answers; skipped [CSV_026]\n"
        "    fix: check that the answers were typed into this row",
    ]
    path = put("noid.csv", f"""
        {HEADER}
        R01,A,,,4,,4,,4,,4,,4,,4,
        ,A,,,4,,4,,4,,4,,4,,4,
    """, inst)
    assert problems(inst, path) == [
        "noid.csv:3: respondent_id is blank in a row with answers [CSV_013]\n"
        "    fix: give every answered row a unique respondent_id (e.g. the number on the paper "
        "form)"]


def test_duplicates_across_files_name_both_files_and_rows(inst, here):
    a = put("a.csv", f"""
        {HEADER}
        R01,A,,,4,,4,,4,,4,,4,,4,
        R02,A,,,4,,4,,4,,4,,4,,4,
    """, inst)
    b = put("b.csv", f"""
        {HEADER}
        R03,A,,,4,,4,,4,,4,,4,,4,
        R02,A,,,4,,4,,4,,4,,4,,4,
        R01,A,,,4,,5,,4,,4,,4,,,
    """, inst)
    assert problems(inst, a, b) == [
        "b.csv:4: respondent 'R01' also appears at a.csv:2 with different answers (INT02_S: 5 "
        "here, 4 there; RSK02_S: blank here, 4 there) [CSV_014]\n"
        "    fix: keep the right one of the two rows, or give them different respondent_ids; if "
        "they are two waves of one respondent, fill the wave column (e.g. 1 and 2)",
        "b.csv:3: respondent 'R02' appears again, identically, at a.csv:3; kept once [CSV_015]\n"
        "    fix: delete the repeated row",
    ]
    b = put("b.csv", f"{HEADER}\nR02,A,,,4,,4,,4,,4,,4,,4,\n", inst)
    result = read_responses([a, b], inst)
    assert list(result.responses.respondent_id) == ["R01", "R02"]
    assert [w.code for w in result.warnings] == ["CSV_015"]


def test_two_waves_of_one_respondent_are_merged(inst, here):
    path = put("waves.csv", f"""
        {HEADER}
        R01,A,,1,5,,4,,5,,5,,2,,2,
        R02,A,,1,4,,4,,4,,4,,4,,4,
        R01,A,,2,,4,,3,,5,,5,,,,
    """, inst)
    r = read_responses([path], inst).responses
    assert list(r.respondent_id) == ["R01", "R02"] and list(r.wave) == ["1+2", "1"]
    assert np.allclose(r.values[0], [5, 4, 4, 3, 5, 5, 5, 5, 2, np.nan, 2, np.nan], equal_nan=True)
    path = put("clash.csv", f"""
        {HEADER}
        R01,A,,1,5,,4,,5,,5,,2,,2,
        R01,A,,2,4,4,,3,,5,,5,,,,
    """, inst)
    assert problems(inst, path) == [
        "clash.csv:3: respondent 'R01' also appears at clash.csv:2 with answers in wave '2' that "
        "differ from wave '1' (INT01_S: 4 here, 5 there) [CSV_014]\n"
        "    fix: a stem belongs to one wave: blank it in one of the two rows"]


def test_answers_beyond_a_closed_gate_and_straight_lining_are_warnings(inst, here):
    path = put("patterns.csv", f"""
        {HEADER}
        R01,A,,,4,3,4,3,2,3,3,3,4,4,4,4
        R02,A,,,4,4,4,4,4,4,4,4,4,4,4,4
    """, inst)
    result = read_responses([path], inst)
    assert [str(w) for w in result.warnings] == [
        "patterns.csv:2: respondent 'R01': area SCO is closed by the gate (mean of the S stems "
        "2.50 < 3.5), but 2 stem(s) beyond stage S were answered (SCO01_M, SCO02_M); the scorer "
        "ignores them [CSV_016]\n"
        "    fix: nothing to do if the form was filled in full on purpose: the gate rule decides "
        "(rule 'mean': 平均達門檻); otherwise check this respondent's S answers for SCO",
        "patterns.csv:3: respondent 'R02': straight-lining: all 12 answered stems have the same "
        "answer (4) [CSV_018]\n"
        "    fix: check the form; a respondent who ticks one column throughout may not have read "
        "the questions (consider excluding them)",
    ]
    assert np.isclose(result.responses.values[0, 5], 3)  # kept as typed: the scorer decides
    with pytest.raises(InstrumentError) as caught:
        read_responses([path], inst, strict=True)
    assert caught.value.codes == ["CSV_016", "CSV_018"]
    assert all(p.severity == "error" and p.hint.endswith("--strict makes this an error")
               for p in caught.value.problems)


# --------------------------------------------------------------------------- hostile input
def test_hostile_files_get_clear_errors_not_crashes(inst, here):
    Path("nul.csv").write_bytes(dedent(f"""
        {HEADER}
        R01,A,,,4\x00,,4,,4,,4,,4,,4,
    """).encode())
    assert problems(inst, Path("nul.csv")) == [
        "nul.csv:2: column 'INT01_S': cell contains a NUL byte [CSV_020]\n"
        "    fix: the file may be damaged or in another encoding; in Excel use Save As → CSV "
        "UTF-8, or pass --encoding (e.g. --encoding=utf-16)"]
    path = put("long.csv", f"{HEADER}\nR01,{'長' * 1500},,,4,,4,,4,,4,,4,,4,\n", inst)
    assert problems(inst, path) == [
        "long.csv:2: column 'organisation': cell has 1,500 characters, more than the limit of "
        "1,000 [CSV_019]\n"
        "    fix: cells hold short codes or ids; check that the cell holds what you meant"]
    path = put("wide.csv", f"""
        {HEADER}
        R01,A,,,4,,4,,4,,4,,4,,4,,5
        R02,A,,,4,,4,,4,,4,,4,,4,,
    """, inst)
    assert problems(inst, path) == [
        "wide.csv:2: the row has 17 cells but the header has 16 [CSV_021]\n"
        "    fix: a cell that contains the delimiter (',') must be in double quotes; look for a "
        "stray delimiter in this row"]
    path = put("quote.csv", f"""
        {HEADER}
        R01,A,,,4,,4,,4,,4,,4,,4,
        R02,"A,,,4,,4,,4,,4,,4,,4,
        R03,A,,,4,,4,,4,,4,,4,,4,
    """, inst)
    assert "quote.csv:3: a quoted cell that starts on or after this row is never closed " \
           "[CSV_022]\n    fix: add the closing double quote (\"); a quote inside a cell is " \
           "written twice (\"\")" in problems(inst, path)
    Path("old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    assert problems(inst, Path("old.xls")) == [
        "old.xls: an Excel 97-2003 workbook (.xls) is not supported [CSV_028]\n"
        "    fix: in Excel use Save As → CSV UTF-8 (*.csv) or Excel Workbook (*.xlsx)"]


def test_limits_on_size_and_columns(inst, here):
    path = put("big.csv", CLEAN, inst)
    tight = ReadOptions(limits=Limits(max_file_bytes=100, max_columns=10))
    with pytest.raises(InstrumentError) as caught:
        read_files([path], inst, tight)
    assert [str(p) for p in caught.value.problems] == [
        f"big.csv: the file is {path.stat().st_size:,} bytes, more than the limit of 100 bytes "
        "[CSV_002]\n"
        "    fix: split it into smaller files (the scorer merges them), or raise the limit with "
        "--max-file-size"]
    with pytest.raises(InstrumentError) as caught:
        read_files([path], inst, ReadOptions(limits=Limits(max_columns=10)))
    assert str(caught.value.problems[0]) == (
        "big.csv:1: the header has 16 columns, more than the limit of 10 [CSV_007]\n"
        "    fix: check that this is a response file; the data-entry template has 16 columns")


# --------------------------------------------------------------------------- blocks
def test_small_blocks_give_the_same_result_and_row_numbers(inst, here):
    rows = [f"R{k:03d},\"機關 {k % 3}\",,,{1 + k % 5},,4,,{1 + (k * 7) % 5},,4,,9,,4,"
            for k in range(300)]
    rows[250] = rows[250].replace(",9,", ",x,")
    rows[10] = rows[10].replace('"機關 1"', '"機關\n1"')
    path = put("many.csv", HEADER + "\n" + "\n".join(rows) + "\n", inst)
    found_default = problems(inst, path)
    tiny = ReadOptions(limits=Limits(block_bytes=97))
    with pytest.raises(InstrumentError) as caught:
        read_files([path], inst, tiny)
    assert [str(p) for p in caught.value.problems] == found_default
    assert found_default[0].startswith("many.csv:252: column 'RSK01_S': value 'x'")
    fixed = put("many.csv", path.read_text(encoding="utf-8").replace(",x,", ",9,"), inst)
    big = read_responses([fixed], inst).responses
    small = read_files([fixed], inst, tiny).responses
    assert np.array_equal(big.values, small.values, equal_nan=True)
    assert list(big.organisation) == list(small.organisation)
    assert list(small.source_row) == list(range(2, 302))


# --------------------------------------------------------------------------- xlsx
def test_xlsx_data_entry_sheet(inst, here):
    workbook = load_workbook(io.BytesIO(entry_xlsx(inst)))
    sheet = workbook["data"]
    sheet.append(["R01", "臺北市政府民政局", inst.id, None, 4, 3, 5, 4, 4, 4, 5, None, 2, None, 3])
    sheet.append(["R02", "臺北市政府民政局", None, None, " 4 ", "４", 4.0, 3, 4, 4, 4, 4, 4, 4, 4, 4])
    for _ in range(20):  # template padding: only the instrument column filled
        sheet.append([None, None, inst.id])
    workbook.save("entry.xlsx")
    r = read_responses([Path("entry.xlsx")], inst).responses
    assert list(r.respondent_id) == ["R01", "R02"] and list(r.source_row) == [2, 3]
    assert np.allclose(r.values[1], [4, 4, 4, 3, 4, 4, 4, 4, 4, 4, 4, 4])
    sheet.append(["R03", "A", None, None, "同意", 4, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4])
    workbook.save("entry.xlsx")
    assert problems(inst, Path("entry.xlsx")) == [
        f"entry.xlsx:24: column 'INT01_S': value '同意' is not a code of scale agree5 ({CODES}) "
        f"[CSV_011]\n{FIX_CODE}"]


def test_peek_finds_the_instrument_ids_named_in_files(inst, here):
    a = put("a.csv", CLEAN, inst)
    b = put("b.tsv", HEADER.replace(",", "\t") + "\nR9\tA\tother-id\t\t4\n", inst)
    assert peek_instrument_ids([a, b]) == {inst.id: ("a.csv", 2), "other-id": ("b.tsv", 2)}


# --------------------------------------------------------------------------- properties
CODE_TEXT = st.sampled_from([1, 2, 3, 4, 5, 9])
SPACE = st.text(alphabet=" \t\u3000\u00a0", max_size=3)


@st.composite
def typed_code(draw) -> tuple[int, str]:
    code = draw(CODE_TEXT)
    text = str(code) + draw(st.sampled_from(["", ".0", ".00", "."]))
    if draw(st.booleans()):  # full-width digits and point, as a Chinese IME types them
        text = text.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    return code, draw(SPACE) + text + draw(SPACE)


@given(typed_code())
def test_cell_normaliser_reads_any_typed_form_of_a_code(pair):
    code, text = pair
    assert parse_cell(text) == code


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(typed_code(), min_size=12, max_size=12))
def test_typed_cells_read_back_through_a_file(inst, tmp_path, cells):
    path = tmp_path / "typed.csv"
    row = ",".join(f'"{text}"' if text != text.strip() else text for _, text in cells)
    path.write_text(f"{HEADER}\nR01,A,,,{row}\n", encoding="utf-8")
    values = read_responses([path], inst).responses.values[0]
    assert values.tolist() == [float(code) for code, _ in cells]


BIG5_TEXT = st.text(alphabet="臺北市政府民政局社會局智慧城市專案辦公室工務處 ABCxyz0123-,\"", min_size=1,
                    max_size=12).map(str.strip).filter(bool)
ANSWER = st.one_of(st.none(), CODE_TEXT)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(BIG5_TEXT, st.lists(ANSWER, min_size=12, max_size=12)),
                min_size=1, max_size=6))
def test_a_file_in_utf8_bom_cp950_or_utf16_reads_back_identically(inst, tmp_path, people):
    import csv

    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER.split(","))
    for k, (organisation, answers) in enumerate(people):
        if all(a is None for a in answers):
            answers = [4, *answers[1:]]
        writer.writerow([f"R{k}", organisation, "", "", *["" if a is None else a for a in answers]])
    text = buf.getvalue()
    tab = io.StringIO(newline="")
    csv.writer(tab, delimiter="\t", lineterminator="\r\n").writerows(
        csv.reader(io.StringIO(text, newline="")))
    variants = {"utf8.csv": text.encode("utf-8"), "bom.csv": text.encode("utf-8-sig"),
                "big5.csv": text.encode("cp950"), "unicode.txt": tab.getvalue().encode("utf-16")}
    read = {}
    for name, data in variants.items():
        (tmp_path / name).write_bytes(data)
        read[name] = read_responses([tmp_path / name], inst).responses
    base = read["utf8.csv"]
    assert list(base.organisation) == [o for o, _ in people]
    for name, other in read.items():
        assert list(other.respondent_id) == list(base.respondent_id), name
        assert list(other.organisation) == list(base.organisation), name
        assert list(other.source_row) == list(base.source_row), name
        assert np.array_equal(other.values, base.values, equal_nan=True), name


def test_demo_mistakes_file_is_read_with_every_kind_of_message(instruments):
    inst = instruments[("pb", "zh-TW")]
    with pytest.raises(InstrumentError) as caught:
        read_responses([ROOT / "scoring" / "demo" / "mistakes.csv"], inst)
    # errors (a code out of range, years in words twice: the row and its repeat, a tick,
    # a conflicting repeat, a row without id), then warnings
    assert caught.value.codes == ["CSV_011", "CSV_041", "CSV_011", "CSV_014", "CSV_041",
                                  "CSV_013", "CSV_017", "CSV_016", "CSV_018"]


PIECES = st.sampled_from(["4", "5", "9", ",", "\n", "\r\n", '"', " ", "\t", "\x00", "x", "臺", "９",
                          ".", ";", "R1", "\ufeff", ",,,,"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(PIECES, max_size=80).map("".join), with_header=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp950"]),
       block=st.sampled_from([16, 64, 8 * 1024 * 1024]))
def test_any_file_gives_responses_or_listed_problems_never_a_crash(inst, tmp_path, body,
                                                                     with_header, encoding, block):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(((HEADER + "\n" if with_header else "") + body).encode(encoding, "replace"))
    try:
        result = read_files([path], inst, ReadOptions(limits=Limits(block_bytes=block)))
    except InstrumentError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
    else:
        assert len(result.responses) >= 1


CELL_TEXT = st.sampled_from(["", "1", "2", "3", "4", "5", "9", "4.0", " 4", "4 ", "\t4", "+4", "04",
                             "1e0", "0x4", "٤", "４", "0", "-1", "6", "127", "300", "nan", "NA",
                             "inf", "x", "-128", "true"])


def _outcome(inst, path, block):
    """What a reader makes of a file: (ids, organisations, values, problems) or the errors."""
    try:
        result = read_files([path], inst, ReadOptions(limits=Limits(block_bytes=block)))
    except InstrumentError as exc:
        return "errors", [str(p) for p in exc.problems]
    r = result.responses
    return ("ok", r.respondent_id.tolist(), r.organisation.tolist(), r.source_row.tolist(),
            np.nan_to_num(r.values, nan=-999).tolist(), [str(p) for p in result.warnings])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["R1", "R2", " R3", "", "R4"]),
                               st.sampled_from(["", "民政局", " 民政局 ", "NA", "null", "=SUM(1)"]),
                               st.lists(CELL_TEXT, min_size=12, max_size=12)),
                     min_size=1, max_size=12),
       block=st.sampled_from([64, 256, 8 * 1024 * 1024]),
       newline=st.sampled_from(["\n", "\r\n"]), blank_line=st.none() | st.integers(0, 20))
def test_pyarrow_and_pandas_parsers_read_every_file_alike(inst, tmp_path, monkeypatch, rows,
                                                          block, newline, blank_line):
    """The pyarrow fast path is only a faster parser: same values, rows and messages."""
    path = tmp_path / "both.csv"
    lines = [HEADER] + [f"{rid},{org},,,{','.join(cells)}" for rid, org, cells in rows]
    if blank_line is not None:  # an empty line somewhere below the header
        lines.insert(1 + blank_line % len(rows), "")
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    with_arrow = _outcome(inst, path, block)
    monkeypatch.setattr("scoring.read._pyarrow_csv", lambda: None)
    without = _outcome(inst, path, block)
    monkeypatch.undo()
    assert with_arrow == without


def test_clean_blocks_go_through_pyarrow_and_odd_ones_do_not(inst, here, monkeypatch):
    from scoring import read

    parsed = []
    original = read._BlockReader._arrow_table

    def spy(self, block):
        table = original(self, block)
        parsed.append(table is not None)
        return table

    monkeypatch.setattr(read._BlockReader, "_arrow_table", spy)
    clean = put("clean.csv", f"{HEADER}\nR1,A,,,4,4,4,4,4,4,4,4,4,4,4,4\n", inst)
    read_responses([clean], inst)
    assert parsed == [True]
    odd = put("odd.csv", f"{HEADER}\nR1,A,,,4.0,4,4,4,4,4,4,4,4,4,4,4\n", inst)
    assert read_responses([odd], inst).responses.values[0, 0] == 4
    assert parsed == [True, False]  # refused by pyarrow (int8), read by the careful path


def test_ten_thousand_columns_and_megabyte_cells_at_their_real_size(inst, here):
    """Default limits: refused at the header, or the cell named, without reading on."""
    extra = ",".join(f"x{k}" for k in range(10_000 - 16))
    Path("wide.csv").write_text(f"{HEADER},{extra}\n" + "R01,A,,,4" + "," * 9_995 + "\n",
                                encoding="utf-8")
    assert problems(inst, Path("wide.csv")) == [
        "wide.csv:1: the header has 10,000 columns, more than the limit of 5,000 [CSV_007]\n"
        "    fix: check that this is a response file; the data-entry template has 16 columns"]
    megabyte = "=" + "長" * (1024**2 // 3)
    path = put("cells.csv", f"{HEADER}\nR01,{megabyte},,,4,,4,,4,,4,,4,,4,\n"
                            f"R02,A,,,4,,{megabyte},,4,,4,,4,,4,\n", inst)
    found = problems(inst, path)
    assert found[0].startswith("cells.csv:2: column 'organisation': cell has 349,526 characters, "
                               "more than the limit of 1,000 [CSV_019]")
    assert found[1].startswith("cells.csv:3: column 'INT02_S': cell has 349,526 characters")
    assert len(found) == 2 and all(len(p) < 300 for p in found)  # no megabyte echoed back


# --------------------------------------------------------------------------- xlsx, hostile
_WORKBOOKS: dict[str, bytes] = {}


def _entry_workbook(inst) -> bytes:
    """A filled data-entry workbook, made once (its bytes must not change between examples)."""
    if inst.id not in _WORKBOOKS:
        _WORKBOOKS[inst.id] = _make_workbook(inst)
    return _WORKBOOKS[inst.id]


def _make_workbook(inst) -> bytes:
    workbook = load_workbook(io.BytesIO(entry_xlsx(inst)))
    sheet = workbook["data"]
    sheet.append(["R01", "民政局", inst.id, None, 4, 3, 5, 4, 4, 4, 5, None, 2, None, 3, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_workbooks_give_located_errors_never_a_crash(inst, tmp_path, data):
    good = _entry_workbook(inst)
    how = data.draw(st.sampled_from(["truncate", "flip", "random"]))
    if how == "truncate":
        damaged = good[:data.draw(st.integers(0, len(good) - 1))]
    elif how == "flip":
        damaged = bytearray(good)
        for at in data.draw(st.lists(st.integers(0, len(good) - 1), min_size=1, max_size=20)):
            damaged[at] ^= data.draw(st.integers(1, 255))
        damaged = bytes(damaged)
    else:
        damaged = b"PK\x03\x04" + data.draw(st.binary(max_size=2000))
    path = tmp_path / "entry.xlsx"
    path.write_bytes(damaged)
    try:
        result = read_responses([path], inst)
    except InstrumentError as exc:
        assert exc.problems and all(str(p).startswith("entry.xlsx") or
                                    str(p).startswith(str(path)) for p in exc.problems)
    else:  # a flip that only touched something unimportant
        assert len(result.responses) == 1


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused_unopened(inst, here):
    import zipfile

    with zipfile.ZipFile("bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * 2_000_000)  # 12 MB -> ~12 kB
    assert Path("bomb.xlsx").stat().st_size < 100_000
    tight = ReadOptions(limits=Limits(max_file_bytes=10 * 1024**2))
    with pytest.raises(InstrumentError) as caught:
        read_files([Path("bomb.xlsx")], inst, tight)
    assert [str(p) for p in caught.value.problems] == [
        "bomb.xlsx: the workbook unpacks to 11 MB, more than the limit of 10 MB [CSV_031]\n"
        "    fix: a data-entry workbook unpacks to a few MB; check that this is the right file, "
        "or save the sheet as CSV UTF-8 and score the CSV"]


def test_hexadecimal_is_not_a_code_whichever_parser_reads_the_block(inst, here):
    """pyarrow would read '0x4' as 4: found by the parser comparison above."""
    path = put("hex.csv", f"{HEADER}\nR01,A,,,0x4,,4,,4,,4,,4,,4,\n", inst)
    assert problems(inst, path)[0].startswith("hex.csv:2: column 'INT01_S': value '0x4' is not a "
                                              "code of scale agree5")
