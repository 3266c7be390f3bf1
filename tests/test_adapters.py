"""Import adapters: each platform's export, written from its documented layout, maps to
the native rows; unmatched headers and values are reported with file:row, column and fix.

Decoding is the reader's job: these tests feed decoded rows, as ``scoring.read`` will.
Files under tests/data/exports/ carry the byte-level variants (UTF-8 BOM, Big5, ';').
"""

from __future__ import annotations

import csv
import io
import random
import re
from pathlib import Path

import pytest
from conftest import dedent
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from instrument.compile import Options, compile_instrument
from instrument.errors import InstrumentError
from instrument.gating import open_areas
from instrument.loader import load_bank, load_profile
from instrument.tables import header as native_header
from instrument.xlsform import xlsform
from scoring.adapters import PLATFORMS, Adapted, adapt, detect, languages

DATA = Path(__file__).parent / "data"
EXPORTS = DATA / "exports"


@pytest.fixture(scope="module")
def mini():
    """The four-item bank of tests/data in zh-TW and en (codes 1 不同意, 5 同意, 9 不清楚)."""
    bank = load_bank(DATA / "mini_bank.yaml")
    profile = load_profile(DATA / "mini_profile.yaml", bank)
    return [compile_instrument(bank, profile, lang) for lang in bank.languages]


@pytest.fixture(scope="module")
def pb_pair(bank):
    profile = load_profile("pb", bank)
    return [compile_instrument(bank, profile, lang) for lang in bank.languages]


def rows_of(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(dedent(text)), delimiter=delimiter))


def messages(adapted: Adapted) -> list[str]:
    return [str(p) for p in adapted.problems]


def native(mini, *rows):
    """The native rows for the same answers, instrument column filled."""
    return [[rid, org, mini[0].id, wave, *codes] for rid, org, wave, *codes in rows]


# The two respondents every file under tests/data/exports/ holds, in native form.
SAME_TWO = [("A01", "臺北市政府", "", "5", "5", "1", ""),
            ("A02", "新北市政府", "", "9", "", "5", "1")]
ALL_ITEMS = ["respondent_id", "organisation", "instrument", "wave",
             "INT01_S", "INT01_M", "SCO01_S", "SCO01_M"]


# --------------------------------------------------------------------------- detect
@pytest.mark.parametrize("first_row, platform", [
    (["Timestamp", "Respondent ID", "本主責機關有書面程序。"], "google-forms"),
    (["時間戳記", "電子郵件地址", "受訪者編號"], "google-forms"),
    (["\ufeff時間戳記", "受訪者編號"], "google-forms"),  # a BOM left by the decoder
    (["start", "end", "INT01_S", "_id", "_uuid", "_submission_time", "_index"], "kobo"),
    (["受訪者編號", "整合/1.1 發展錄案章程 [INT01_S]: 本主責機關有書面程序。", "_uuid"], "kobo"),
    (["id", "submitdate", "lastpage", "startlanguage", "seed", "INT01S"], "limesurvey"),
    (["id", "token", "submitdate", "lastpage", "startlanguage", "INT01S"], "limesurvey"),
    (["Response ID", "Date submitted", "Last page", "Start language", "Seed"], "limesurvey"),
    (["StartDate", "EndDate", "Status", "IPAddress", "ResponseId", "Q1"], "qualtrics"),
    (["record_id", "int01_s", "opm_complete"], "redcap"),
    (["Record ID", "本主責機關有書面程序。", "Complete?"], "redcap"),
    # REDCap keeps the project's own first field name: told by its other columns
    (["participant_id", "int01_s", "opm_complete"], "redcap"),  # always last in a full export
    (["participant_id", "redcap_survey_identifier", "opm_timestamp", "int01_s", "opm_complete",
      "notes"], "redcap"),
    (["participant_id", "opm_timestamp", "int01_s", "opm_complete", "notes"], "redcap"),
    (["participant_id", "redcap_event_name", "int01_s"], "redcap"),
    (["Participant ID", "Survey Timestamp", "本主責機關有書面程序。", "Complete?"], "redcap"),
    (["participant_id", "opm_complete", "int01_s"], None),  # not sure: the reader says --from
    (["respondent_id", "organisation", "x_complete"], None),
    (ALL_ITEMS, None),  # the native layout
    (["\ufeffrespondent_id", "organisation", "instrument", "INT01_S"], None),
    (["id", "INT01S"], None),  # could be anything
    (["record_id", "int01_s"], None),  # no *_complete column: not sure
    (["Timestamp", "_uuid"], None),  # two platforms: ambiguous
    ([], None),
])
def test_detect(first_row, platform):
    assert detect([first_row, ["x"] * len(first_row)] if first_row else []) == platform


def test_every_channel_has_a_page_with_its_score_command():
    docs = Path(__file__).parent.parent / "docs" / "channels"
    index = (docs / "README.md").read_text(encoding="utf-8")
    for page in [*PLATFORMS, "html", "paper"]:
        assert f"]({page}.md)" in index
    for platform in PLATFORMS:
        text = (docs / f"{platform}.md").read_text(encoding="utf-8")
        assert re.search(rf"\$ python -m scoring score \S+ --from {platform} --manifest out/", text)
        assert "## Where this layout comes from" in text


# --------------------------------------------------------------------------- Google Forms
def test_google_forms_titles_and_labels_in_either_language(mini):
    rows = rows_of("""\
        時間戳記,電子郵件地址,受訪者編號,機關／單位,本主責機關有書面程序。,1.1 Develop PB Case Charter [INT01_M]: This lead agency measures it.,"  Every  PB case has a scope ",成熟度 [會量測範疇。]
        2024/3/1 上午 10:02:11,a@example.tw,A01,臺北市政府,同意,Agree,Disagree,
        2024/3/1 上午 10:15:40,b@example.tw,A02,新北市政府,不清楚,,５,Strongly? no: 1
        2024/3/1 上午 10:20:05,,A03,新北市政府,"Don’t know",5 同意,不同意 (1),  agree
        """)
    adapted = adapt(rows, "google-forms", mini, "gf.csv")
    assert adapted.header == ALL_ITEMS
    assert adapted.rows == native(mini, ("A01", "臺北市政府", "", "5", "5", "1", ""),
                                  ("A02", "新北市政府", "", "9", "", "5", ""),  # unmatched: blank
                                  ("A03", "新北市政府", "", "9", "5", "1", "5"))
    assert adapted.row_numbers == [2, 3, 4]
    assert messages(adapted) == [
        ("gf.csv:3: column '成熟度 [會量測範疇。]': value 'Strongly? no: 1' is neither a code nor "
         "an answer label of scale agree5 [ADAPT_004]\n"
         "    fix: make the answer options exactly the labels of codebook.csv, in either language; "
         "the codes and labels are 1 = 不同意 / Disagree, 5 = 同意 / Agree, 9 = 不清楚 / Don't "
         "know; a blank cell is no answer")]
    assert adapted.problems[0].severity == "error"


def test_google_forms_reports_every_unmatched_header_and_value(mini):
    rows = rows_of("""\
        Timestamp,Respondent ID,Organisation,This lead agency has a procedure,This lead agency measures,[SCO01_X] scope,您的職稱
        2024/03/01 10:02:11 AM GMT+8,A01,Taipei,很同意,Agree,Agree,科長
        2024/03/01 10:05:02 AM GMT+8,A02,Taipei,很同意,Agreed,,科員
        2024/03/01 10:07:45 AM GMT+8,A03,Taipei,很同意,,,科員
        2024/03/01 10:09:10 AM GMT+8,A04,Taipei,很同意,,,科員
        2024/03/01 10:09:10 AM GMT+8,A05,Taipei,很同意,,,科員
        """)
    adapted = adapt(rows, "google-forms", mini, "returns/gf.csv")
    assert adapted.header == ["respondent_id", "organisation", "instrument", "wave", "INT01_S"]
    assert [r[4] for r in adapted.rows] == [""] * 5
    header_fix = ("    fix: if this question holds an item, put the item id in brackets anywhere "
                  "in its title (e.g. '… [INT01_S]') or use the item text of codebook.csv; other "
                  "questions can stay")
    value_fix = ("    fix: make the answer options exactly the labels of codebook.csv, in either "
                 "language; the codes and labels are 1 = 不同意 / Disagree, 5 = 同意 / Agree, "
                 "9 = 不清楚 / Don't know; a blank cell is no answer")
    assert messages(adapted) == [
        "returns/gf.csv:1: column 'This lead agency measures': matches no item of the "
        "instrument; ignored (did you mean INT01_M 'This lead agency measures it.'?) "
        "[ADAPT_003]\n" + header_fix,
        "returns/gf.csv:1: column '[SCO01_X] scope': matches no item of the instrument; "
        "ignored (did you mean 'SCO01_S'?) [ADAPT_003]\n" + header_fix,
        "returns/gf.csv:1: column '您的職稱': matches no item of the instrument; ignored "
        "[ADAPT_003]\n" + header_fix,
        "returns/gf.csv:2: column 'This lead agency has a procedure': value '很同意' is neither "
        "a code nor an answer label of scale agree5 (did you mean '同意'?); also on rows 3, 4, 5 "
        "and 1 more [ADAPT_004]\n" + value_fix,
    ]
    assert [p.severity for p in adapted.problems] == ["warning"] * 3 + ["error"]


def test_google_forms_without_respondent_id_numbers_rows(mini):
    rows = rows_of("""\
        Timestamp,This lead agency has a procedure.,Every PB case has a scope.
        2024/03/01 10:02:11 AM GMT+8,Agree,Disagree
        ,,
        2024/03/01 10:07:45 AM GMT+8,Don't know,
        """)
    adapted = adapt(rows, "google-forms", mini, "gf.csv")
    assert adapted.header == ["respondent_id", "organisation", "instrument", "wave", "INT01_S",
                              "SCO01_S"]
    assert adapted.rows == [["row-2", "", mini[0].id, "", "5", "1"],
                            ["", "", mini[0].id, "", "", ""],
                            ["row-4", "", mini[0].id, "", "9", ""]]
    assert messages(adapted) == [
        ("gf.csv:1: no respondent id column (respondent_id, 受訪者編號 / Respondent ID); "
         "respondent_id is numbered by row (row-2, row-3, …) [ADAPT_006]\n"
         "    fix: add a short-answer question titled 受訪者編號 or Respondent ID: the ids join "
         "waves and follow-up forms; leave it if they do not matter to you")]
    assert adapted.problems[0].severity == "warning"


def test_google_forms_two_columns_for_one_item_is_an_error(mini):
    rows = rows_of("""\
        Timestamp,受訪者編號,本主責機關有書面程序。,This lead agency has a procedure. [INT01_S]
        2024/3/1 上午 10:02:11,A01,同意,不同意
        """)
    adapted = adapt(rows, "google-forms", mini, "gf.csv")
    assert messages(adapted) == [
        ("gf.csv:1: column 'This lead agency has a procedure. [INT01_S]': holds item INT01_S, "
         "like column '本主責機關有書面程序。' before it [ADAPT_005]\n"
         "    fix: delete or rename one of the two columns; the scorer never guesses which one "
         "is right")]
    assert adapted.rows == native(mini, ("A01", "", "", "5"))


def test_google_forms_big5_and_bom_exports_read_the_same(mini):
    """Excel re-saves a Google Forms CSV as Big5/cp950; Google's own file may carry a BOM.
    Once the reader has decoded either, the adapter sees the same text."""
    big5 = (EXPORTS / "google-forms-big5.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        big5.decode("utf-8")
    text = big5.decode("cp950")
    from_big5 = adapt(list(csv.reader(io.StringIO(text))), "google-forms", mini, "gf.csv")
    as_bom = ("\ufeff" + text).encode("utf-8").decode("utf-8")  # decoded without stripping BOM
    rows = list(csv.reader(io.StringIO(as_bom)))
    assert detect(rows) == "google-forms"
    from_bom = adapt(rows, "google-forms", mini, "gf.csv")
    assert from_big5.header == from_bom.header == ALL_ITEMS
    assert from_big5.rows == from_bom.rows == native(mini, *SAME_TWO)
    assert from_big5.problems == from_bom.problems == []


# --------------------------------------------------------------------------- Kobo
def test_kobo_xml_names_group_paths_meta_and_gates(mini):
    """XML values and headers, groups in headers, ';' (Kobo's default), UTF-8 BOM."""
    text = (EXPORTS / "kobo-xml-groups.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert detect(rows) == "kobo"
    adapted = adapt(rows, "kobo", mini, "kobo.csv")
    assert adapted.header == ALL_ITEMS
    assert adapted.rows == native(mini, *SAME_TWO)
    assert adapted.row_numbers == [2, 3]
    assert adapted.problems == []


def test_kobo_label_headers_with_groups_and_label_values(mini):
    """Export with 'Chinese (zh)' labels and groups in headers: 'group label/question label'."""
    rows = rows_of("""\
        start;end;受訪者編號;機關／單位;instrument;wave;整合/1.1 發展錄案章程 [INT01_S]: 本主責機關有書面程序。;整合/gate_INT;整合/整合: 可測量/1.1 發展錄案章程 [INT01_M]: 本主責機關會量測。;範疇/2.1 定義範疇 [SCO01_S]: 每個錄案都界定範疇。;範疇/範疇: 可測量/2.1 定義範疇 [SCO01_M]: 會量測範疇。;_id;_uuid;_submission_time;_validation_status;_notes;_status;_submitted_by;__version__;_tags;_index
        2024-03-01T10:00:00.000+08:00;2024-03-01T10:06:12.000+08:00;A01;臺北市政府;{id};;同意;1;同意;不同意;;301;0c6f4b1e;2024-03-01T02:06:15;;;submitted_via_web;;vAbC123;;1
        2024-03-01T11:00:00.000+08:00;2024-03-01T11:04:40.000+08:00;A02;新北市政府;{id};;不清楚;0;;同意;不同意;302;0c6f4b1f;2024-03-01T03:04:41;;;submitted_via_web;;vAbC123;;2
        """.replace("{id}", mini[0].id), delimiter=";")
    adapted = adapt(rows, "kobo", mini, "kobo.csv")
    assert adapted.header == ALL_ITEMS
    assert adapted.rows == native(mini, *SAME_TWO)
    assert adapted.problems == []


def test_odk_central_export_of_the_same_xlsform(mini):
    """ODK Central's CSV: SubmissionDate first, groups joined by '-', KEY and review columns."""
    rows = rows_of("""\
        SubmissionDate,start,end,respondent_id,organisation,instrument,wave,area_INT-INT01_S,area_INT-gate_INT_sum,area_INT-gate_INT_n,area_INT-gate_INT,area_INT-INT_M-INT01_M,area_SCO-SCO01_S,area_SCO-gate_SCO_sum,area_SCO-gate_SCO_n,area_SCO-gate_SCO,area_SCO-SCO_M-SCO01_M,meta-instanceID,KEY,SubmitterID,SubmitterName,AttachmentsPresent,AttachmentsExpected,Status,ReviewState,DeviceID,Edits,FormVersion
        2024-03-01T02:06:15.000Z,2024-03-01T10:00:00.000+08:00,2024-03-01T10:06:12.000+08:00,A01,臺北市政府,{id},,5,5,1,1,5,1,1,1,0,,uuid:0c6f,uuid:0c6f,5,collector,0,0,,,collect:abc,0,001
        2024-03-01T03:04:41.000Z,2024-03-01T11:00:00.000+08:00,2024-03-01T11:04:40.000+08:00,A02,新北市政府,{id},,9,0,0,0,,5,5,1,1,1,uuid:7d1e,uuid:7d1e,5,collector,0,0,,,collect:abc,0,001
        """.replace("{id}", mini[0].id))
    assert detect(rows) == "kobo"
    adapted = adapt(rows, "kobo", mini, "odk.csv")
    assert adapted.header == ALL_ITEMS
    assert adapted.rows == native(mini, *SAME_TWO)
    assert adapted.problems == []


def test_kobo_without_respondent_id_uses_kobo_id_with_a_warning(mini):
    rows = rows_of("""\
        start,end,INT01_S,SCO01_S,_id,_uuid,_submission_time
        2024-03-01T10:00:00,2024-03-01T10:06:12,5,1,301,0c6f4b1e,2024-03-01T02:06:15
        """)
    adapted = adapt(rows, "kobo", mini, "kobo.csv")
    assert adapted.rows == [["301", "", mini[0].id, "", "5", "1"]]
    assert messages(adapted) == [
        ("kobo.csv:1: no respondent id column (respondent_id, 受訪者編號 / Respondent ID); "
         "respondent_id is taken from Kobo's _id [ADAPT_006]\n"
         "    fix: keep the respondent_id question of the XLSForm in the form")]


def test_kobo_unknown_xml_name_suggests_the_item(mini):
    rows = rows_of("""\
        respondent_id;area_INT/INT01S_;area_INT/INT1_S;_uuid
        A01;5;5;0c6f4b1e
        """, delimiter=";")
    adapted = adapt(rows, "kobo", mini, "kobo.csv")
    assert [p.message for p in adapted.problems] == [
        "matches no item of the instrument; ignored (did you mean 'INT01_S'?)"] * 2 + [
        f"no column matches an item of instrument {mini[0].id} (read as a KoboToolbox export)"]
    assert [p.subject for p in adapted.problems] == ["column 'area_INT/INT01S_'",
                                                     "column 'area_INT/INT1_S'", ""]
    assert adapted.problems[0].hint == (
        "if it holds an item, give the question the item id as its name, as the XLSForm of "
        "`python build.py xlsform` does; other columns can stay")


# --------------------------------------------------------------------------- LimeSurvey
def test_limesurvey_question_codes_without_underscore(mini):
    rows = list(csv.reader(io.StringIO((EXPORTS / "limesurvey-codes.csv").read_text("utf-8"))))
    assert detect(rows) == "limesurvey"
    adapted = adapt(rows, "limesurvey", mini, "ls.csv")
    assert adapted.header == ALL_ITEMS
    assert adapted.rows == native(mini, *SAME_TWO)
    assert adapted.problems == []


def test_limesurvey_response_id_and_default_answer_codes(mini):
    """No respondent id question: LimeSurvey's id is used, silently. Answer codes left at
    LimeSurvey's defaults (A1, A2, …) match nothing and say how to fix that."""
    rows = rows_of("""\
        id,submitdate,lastpage,startlanguage,seed,INT01_S,INT01M,SCO01S,SCO01M,interviewtime,groupTime12,INT01STime
        7,2024-03-01 10:06:12,2,en,1473922,A2,N/A,A1,,372.5,200.1,12.0
        8,,1,en,892201,5,,A1,,30.0,30.0,4.0
        """)
    adapted = adapt(rows, "limesurvey", mini, "ls.csv")
    assert adapted.rows == [["7", "", mini[0].id, "", "", "", "", ""],
                            ["8", "", mini[0].id, "", "5", "", "", ""]]
    assert messages(adapted) == [
        ("ls.csv:2: column 'INT01_S': value 'A2' is neither a code nor an answer label of scale "
         "agree5 [ADAPT_004]\n"
         "    fix: give the answer options the scale's codes as answer codes and export with "
         "'Answer codes'; the codes and labels are 1 = 不同意 / Disagree, 5 = 同意 / Agree, "
         "9 = 不清楚 / Don't know; a blank cell is no answer"),
        ("ls.csv:2: column 'SCO01S': value 'A1' is neither a code nor an answer label of scale "
         "agree5; also on row 3 [ADAPT_004]\n"
         "    fix: give the answer options the scale's codes as answer codes and export with "
         "'Answer codes'; the codes and labels are 1 = 不同意 / Disagree, 5 = 同意 / Agree, "
         "9 = 不清楚 / Don't know; a blank cell is no answer")]


def test_limesurvey_full_text_headings_and_full_answers(mini):
    rows = rows_of("""\
        Response ID,Date submitted,Last page,Start language,Seed,機關／單位,本主責機關有書面程序。,INT01M. 本主責機關會量測。,每個錄案都界定範疇。,會量測範疇。
        1,2024-03-01 10:06:12,3,zh-Hant-TW,1473922,臺北市政府,同意,同意,不同意,
        """)
    assert detect(rows) == "limesurvey"
    adapted = adapt(rows, "limesurvey", mini, "ls.csv")
    assert adapted.rows == native(mini, ("1", "臺北市政府", "", "5", "5", "1", ""))
    assert adapted.problems == []


# --------------------------------------------------------------------------- Qualtrics
def test_qualtrics_three_header_rows_numeric_values(mini):
    text = (EXPORTS / "qualtrics-numeric.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert detect(rows) == "qualtrics"
    adapted = adapt(rows, "qualtrics", mini, "q.csv")
    assert adapted.header == ALL_ITEMS
    assert adapted.rows == native(mini, *SAME_TWO)
    assert adapted.row_numbers == [4, 5]  # data starts at row 4
    assert adapted.problems == []


def test_qualtrics_matrix_statements_choice_text_and_response_id(mini):
    """Default export tags (Q1, Q2_1 …) are matched by the question text of row 2; a matrix
    column's text is 'question - statement'; -99 (seen but unanswered) is blank."""
    rows = rows_of("""\
        StartDate,EndDate,Status,Progress,Finished,RecordedDate,ResponseId,UserLanguage,Q1,Q2_1,Q2_2,Q3,Q4,Q2_DO,Q_RecaptchaScore
        Start Date,End Date,Response Type,Progress,Finished,Recorded Date,Response ID,User Language,Organisation,S 階段 - 本主責機關有書面程序。,S 階段 - 每個錄案都界定範疇。,1.1 發展錄案章程 [INT01_M]: 本主責機關會量測。,您的職稱,S 階段 - Display Order,Q_RecaptchaScore
        "{""ImportId"":""startDate"",""timeZone"":""Asia/Taipei""}","{""ImportId"":""endDate"",""timeZone"":""Asia/Taipei""}","{""ImportId"":""status""}","{""ImportId"":""progress""}","{""ImportId"":""finished""}","{""ImportId"":""recordedDate"",""timeZone"":""Asia/Taipei""}","{""ImportId"":""_recordId""}","{""ImportId"":""userLanguage""}","{""ImportId"":""QID1_TEXT""}","{""ImportId"":""QID2_1""}","{""ImportId"":""QID2_2""}","{""ImportId"":""QID3""}","{""ImportId"":""QID4_TEXT""}","{""ImportId"":""QID2_DO""}","{""ImportId"":""Q_RecaptchaScore""}"
        2024-03-01 10:00:00,2024-03-01 10:06:12,IP Address,100,True,2024-03-01 10:06:13,R_3kTz9bQm1xY2aB1,ZH-T,Taipei,同意,不同意,-99,科長,1|2,0.9
        """)
    adapted = adapt(rows, "qualtrics", mini, "q.csv")
    assert adapted.header == ["respondent_id", "organisation", "instrument", "wave", "INT01_S",
                              "INT01_M", "SCO01_S"]
    assert adapted.rows == [["R_3kTz9bQm1xY2aB1", "Taipei", mini[0].id, "", "5", "", "1"]]
    assert adapted.row_numbers == [4]
    assert [(p.code, p.subject) for p in adapted.problems] == [
        ("ADAPT_003", "column 'Q4' (您的職稱)")]  # Q2_DO, the display order: dropped


def test_qualtrics_without_any_id_numbers_rows_from_row_4(mini):
    rows = rows_of("""\
        StartDate,EndDate,Status,INT01_S
        Start Date,End Date,Response Type,本主責機關有書面程序。
        "{""ImportId"":""startDate""}","{""ImportId"":""endDate""}","{""ImportId"":""status""}","{""ImportId"":""QID1""}"
        2024-03-01 10:00:00,2024-03-01 10:06:12,0,5
        """)
    adapted = adapt(rows, "qualtrics", mini, "q.csv")
    assert adapted.rows == [["row-4", "", mini[0].id, "", "5"]]
    assert adapted.problems[0].message == (
        "no respondent id column (respondent_id, 受訪者編號 / Respondent ID); respondent_id is "
        "numbered by row (row-4, row-5, \u2026)")
    assert adapted.problems[0].hint == (
        "add a question for the respondent id (受訪者編號 / Respondent ID) as "
        "docs/channels/qualtrics.md shows")


def test_qualtrics_with_its_extra_header_rows_deleted(mini):
    rows = rows_of("""\
        StartDate,EndDate,ResponseId,INT01_S
        2024-03-01 10:00:00,2024-03-01 10:06:12,R_1,5
        """)
    adapted = adapt(rows, "qualtrics", mini, "q.csv")
    assert adapted.rows == [["R_1", "", mini[0].id, "", "5"]]
    assert adapted.row_numbers == [2]


# --------------------------------------------------------------------------- REDCap
def test_redcap_raw_lower_case_fields(mini):
    rows = list(csv.reader(io.StringIO((EXPORTS / "redcap-raw.csv").read_text("utf-8"))))
    assert detect(rows) == "redcap"
    adapted = adapt(rows, "redcap", mini, "rc.csv")
    assert adapted.header == ALL_ITEMS
    assert adapted.rows == native(mini, *SAME_TWO)
    assert adapted.problems == []


def test_redcap_record_id_labels_export_and_events(mini):
    """'CSV (labels)': field labels as headers, choice labels as values; without a
    respondent id field the record id is used, silently."""
    rows = rows_of("""\
        Record ID,Event Name,Survey Identifier,Survey Timestamp,機關／單位,本主責機關有書面程序。,本主責機關會量測。,每個錄案都界定範疇。,會量測範疇。,Complete?
        1,Wave 1,,2024-03-01 10:06:12,臺北市政府,同意,同意,不同意,,Complete
        2,Wave 1,,2024-03-01 11:04:40,新北市政府,不清楚,,同意,不同意,Complete
        """)
    assert detect(rows) == "redcap"
    adapted = adapt(rows, "redcap", mini, "rc.csv")
    assert adapted.rows == native(mini, ("1", "臺北市政府", "", "5", "5", "1", ""),
                                  ("2", "新北市政府", "", "9", "", "5", "1"))
    assert adapted.problems == []


def test_redcap_custom_record_id_name_is_the_first_column(mini):
    rows = rows_of("""\
        study_no,int01_s,sco01_s,opm_complete
        17,5,1,2
        """)
    adapted = adapt(rows, "redcap", mini, "rc.csv")
    assert adapted.rows == [["17", "", mini[0].id, "", "5", "1"]]
    assert adapted.problems == []


def test_redcap_export_with_its_own_record_id_name_is_detected_by_the_reader(mini, tmp_path):
    from scoring import read

    path = tmp_path / "PROJECT_DATA.csv"
    path.write_text((EXPORTS / "redcap-raw.csv").read_text("utf-8").replace(
        "record_id,", "participant_id,", 1), encoding="utf-8")
    found = read.read_responses([path], mini[0], instruments=mini).responses
    assert list(found.respondent_id) == ["A01", "A02"]
    assert list(found.source_row) == [2, 3]


def test_a_redcap_column_the_header_did_not_settle_says_use_from_redcap(mini, tmp_path):
    from scoring import read

    path = tmp_path / "rc.csv"
    path.write_text("participant_id,opm_complete,int01_s,sco01_s\n17,2,5,1\n", encoding="utf-8")
    with pytest.raises(InstrumentError) as err:
        read.read_responses([path], mini[0], instruments=mini)
    hint = [p for p in err.value.problems if p.code == "ADAPT_010"]
    assert "CSV_009" in err.value.codes  # no respondent_id column, as read natively
    assert [str(p) for p in hint] == [(
        f"{path}:1: column 'opm_complete' looks like REDCap's instrument status column, but the "
        "file was read in the scorer's own layout [ADAPT_010]\n"
        "    fix: if this is a platform's export, say which: --from redcap (docs/channels/ "
        "shows each platform's export)")]
    found = read.read_responses([path], mini[0], platform="redcap", instruments=mini)
    assert list(found.responses.respondent_id) == ["17"]


# --------------------------------------------------------------------------- structure
def test_unknown_platform(mini):
    with pytest.raises(InstrumentError) as err:
        adapt([["id"]], "kobotoolbox", mini, "x.csv")
    assert str(err.value) == (
        "command line: unknown platform 'kobotoolbox' (did you mean 'kobo'?) [ADAPT_001]\n"
        "    fix: pass --from with one of: google-forms, kobo, limesurvey, qualtrics, redcap; "
        "leave --from out for the scorer's own layout")


def test_empty_file_ragged_row_and_no_items(mini):
    empty = adapt([], "qualtrics", mini, "q.csv")
    assert (empty.header, empty.rows) == (["respondent_id", "organisation", "instrument", "wave"],
                                          [])
    assert [p.code for p in empty.problems] == ["ADAPT_002"]
    assert str(empty.problems[0]).startswith(
        "q.csv:1: cannot read this as a Qualtrics export: the file has no header row [ADAPT_002]")

    rows = rows_of("""\
        Timestamp,受訪者編號,職稱
        2024/3/1,A01,科長,"stray, cell"
        2024/3/1,A02,科員,,
        """)
    adapted = adapt(rows, "google-forms", mini, "gf.csv")
    assert [(p.code, str(p.location)) for p in adapted.problems] == [
        ("ADAPT_003", "gf.csv:1"), ("ADAPT_008", "gf.csv:1"), ("ADAPT_007", "gf.csv:2")]
    assert adapted.problems[1].message == (
        "no column matches an item of instrument mini-0.1.0-2824ff02f1 (read as a Google Forms "
        "export)")
    assert adapted.problems[2].message == "the row has 4 cells but the header has 3"


def test_many_bad_values_are_counted_not_listed(mini):
    rows = [["Timestamp", "受訪者編號", "本主責機關有書面程序。"]]
    rows += [["2024/3/1", f"A{k}", f"answer {k}"] for k in range(25)]
    adapted = adapt(rows, "google-forms", mini, "gf.csv")
    assert [p.code for p in adapted.problems] == ["ADAPT_004"] * 20 + ["ADAPT_009"]
    assert str(adapted.problems[-1]) == (
        "gf.csv: and 5 more ADAPT_004 problems not listed [ADAPT_009]\n"
        "    fix: fix the ones listed and run again; the rest often go away with them")
    assert adapted.problems[-1].severity == "error"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "1", "5", "9"]),
                          st.sampled_from(["zh", "en", "code", "fullwidth"]),
                          st.sampled_from(["", " ", "\u3000"])), min_size=4, max_size=4))
def test_labels_codes_and_widths_all_give_the_code(mini, answers):
    label = {lang: {str(c.code): c.label for c in inst.scale.codes}
             for lang, inst in zip(("zh", "en"), mini)}

    def spell(code: str, how: str, pad: str) -> str:
        if not code:
            return pad
        text = {"zh": label["zh"].get(code), "en": label["en"].get(code), "code": code,
                "fullwidth": chr(0xFF10 + int(code))}[how]
        return pad + text + pad

    titles = [mini[k % 2].item(i).text for k, i in enumerate(mini[0].item_ids)]
    rows = [["Timestamp", "受訪者編號", *titles],
            ["2024/3/1", "A01", *[spell(*a) for a in answers]]]
    adapted = adapt(rows, "google-forms", mini, "gf.csv")
    assert adapted.problems == []
    assert adapted.rows == [["A01", "", mini[0].id, "", *[a[0] for a in answers]]]


def test_languages_compiles_the_same_instrument_in_every_language(bank):
    profile = load_profile("smartcity", bank)
    for options in (Options(), Options(rule="count"), Options(threshold=4.0)):
        zh = compile_instrument(bank, profile, "zh-TW", options)
        found = languages(zh, bank, profile)
        assert [i.language for i in found] == ["zh-TW", "en"]
        assert {i.id for i in found} == {zh.id}
        assert found[1] == compile_instrument(bank, profile, "en", options)


# --------------------------------------------------------------------------- end to end
def _xlsform_fields(workbook: bytes) -> list[tuple[str, str, dict[str, str]]]:
    """(type, group path as Kobo writes it, labels by language) of every field with data."""
    return [(t, path, grouped) for t, path, grouped, _ in
            _make_kobo_xlsx().xlsform_fields(workbook)]


KOBO_META_BEFORE = ["start", "end"]
KOBO_META_AFTER = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
                   "_submitted_by", "__version__", "_tags", "_index"]


def _respondents(inst, n: int, seed: int) -> list[dict[str, str]]:
    """Synthetic answers that obey the gate: higher stems only where the area is open;
    background answers from each question's choices or range (some left blank)."""
    rng = random.Random(seed)
    codes = [str(c) for c in inst.scale.all_codes]
    people = []
    for k in range(n):
        about = {q.id: "" if rng.random() < 0.2 else
                 (str(rng.choice(q.choices).code) if q.kind == "single" else
                  str(rng.randint(int(q.minimum or 0), int(q.maximum or 9))))
                 for q in inst.background}
        tier1 = {i.id: rng.choice(codes + [""]) for i in inst.items if i.stage == inst.gate_stage}
        gate = open_areas(inst, {i: int(v) if v else None for i, v in tier1.items()})
        answers = {}
        for item in inst.items:
            if item.stage == inst.gate_stage:
                answers[item.id] = tier1[item.id]
            else:
                answers[item.id] = rng.choice(codes) if gate[item.area] else ""
        people.append({"respondent_id": f"P{k + 1:03d}",
                       "organisation": rng.choice(["臺北市政府", "新北市政府", "桃園市政府"]),
                       **about, **answers, "_gate": gate})
    return people


def _kobo_export(pb_pair, people, *, labels: str | None) -> list[list[str]]:
    """A Kobo CSV export of the XLSForm: XML names or one language's labels as headers,
    groups in headers, meta columns around, gate calculations filled, gated stems blank."""
    inst = pb_pair[0]
    fields = _xlsform_fields(xlsform(pb_pair))
    lang_col = {"zh-TW": "Chinese (zh)", "en": "English (en)"}
    in_lang = next((i for i in pb_pair if i.language == labels), inst)
    label_of = {c.code: c.label for c in in_lang.scale.codes} if labels else {}
    choice_of = {q.id: {c.code: c.label for c in q.choices} for q in in_lang.background}
    head = [*KOBO_META_BEFORE]
    for type_, path, label_path in fields:
        head.append(label_path[lang_col[labels]] if labels and type_ != "calculate" else path)
    head += KOBO_META_AFTER
    out = [head]
    for k, person in enumerate(people):
        row = ["2024-03-01T10:00:00.000+08:00", "2024-03-01T10:20:00.000+08:00"]
        for type_, path, _ in fields:
            name = path.rsplit("/", 1)[-1]
            if name == "instrument":
                row.append(inst.id)
            elif name == "wave":
                row.append("")
            elif name.startswith("gate_"):
                area = name.split("_")[1]
                row.append("1" if person["_gate"][area] else "0")
            elif type_.startswith("select_one") and labels and person[name]:
                table = choice_of.get(name, label_of)
                row.append(table[int(person[name])])
            else:
                row.append(person[name])
        row += [str(500 + k), f"uuid-{k}", "2024-03-01T02:20:01", "", "", "submitted_via_web", "",
                "vXyZ", "", str(k + 1)]
        out.append(row)
    return out


def _native_rows(inst, people) -> list[list[str]]:
    return [[p["respondent_id"], p["organisation"], inst.id, "",
             *[p[q] for q in inst.background_ids], *[p[i] for i in inst.item_ids]]
            for p in people]


@pytest.mark.parametrize("labels", [None, "zh-TW", "en"])
def test_end_to_end_xlsform_to_kobo_export_to_native_rows(pb_pair, labels):
    """Build the XLSForm, fabricate Kobo's export of it (XML or label headers, group paths,
    meta columns, gated-out blanks, ';'), adapt it: the native rows for the same answers."""
    inst = pb_pair[0]
    people = _respondents(inst, 12, seed=7)
    assert any(not all(p["_gate"].values()) for p in people)  # some stems are gated out
    export = _kobo_export(pb_pair, people, labels=labels)
    buf = io.StringIO()
    csv.writer(buf, delimiter=";").writerows(export)
    rows = list(csv.reader(io.StringIO(buf.getvalue()), delimiter=";"))
    assert detect(rows) == "kobo"
    adapted = adapt(rows, "kobo", pb_pair, "kobo-export.csv")
    assert adapted.problems == []
    assert adapted.header == native_header(inst)
    assert adapted.rows == _native_rows(inst, people)
    assert adapted.row_numbers == list(range(2, 2 + len(people)))


def test_end_to_end_through_the_reader(pb_pair, tmp_path):
    """A Kobo export built from the XLSForm scores exactly like the native CSV."""
    import numpy as np

    from scoring import read

    inst = pb_pair[0]
    people = _respondents(inst, 12, seed=11)
    kobo = tmp_path / "kobo.csv"
    with open(kobo, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(_kobo_export(pb_pair, people, labels=None))
    plain = tmp_path / "native.csv"
    with open(plain, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([native_header(inst), *_native_rows(inst, people)])
    a = read.read_responses([kobo], inst, platform="kobo").responses
    b = read.read_responses([plain], inst).responses
    assert list(a.respondent_id) == list(b.respondent_id)
    assert np.array_equal(a.values, b.values, equal_nan=True)
    detected = read.read_responses([kobo], inst).responses  # layout detected from the header
    assert np.array_equal(detected.values, b.values, equal_nan=True)
    assert_same_levels(a, b)


def assert_same_levels(a, b) -> None:
    """Two reads of the same answers score to the same levels everywhere."""
    import numpy as np

    from scoring.methods import compute

    scored_a, scored_b = compute(a), compute(b)
    for unit_type in ("area", "group", "practice"):
        assert np.array_equal(scored_a.units[unit_type].level, scored_b.units[unit_type].level)
    assert scored_a.organisations.equals(scored_b.organisations)


def test_cli_scores_a_kobo_export(pb_pair, tmp_path):
    """`python -m scoring score export.csv --from kobo` from the channel docs, end to end."""
    from click.testing import CliRunner

    from instrument.tables import manifest_json
    from scoring.cli import cli as scoring_cli

    inst = pb_pair[0]
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(manifest_json(inst))
    people = _respondents(inst, 8, seed=5)
    kobo = tmp_path / "kobo.csv"
    with open(kobo, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(_kobo_export(pb_pair, people, labels=None))
    result = CliRunner().invoke(scoring_cli, ["score", str(kobo), "--from", "kobo", "--manifest",
                                              str(manifest), "--out", str(tmp_path / "res"),
                                              "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("scored 8 respondents")
    result = CliRunner().invoke(scoring_cli, ["check", str(kobo), "--from", "qualtrics",
                                              "--manifest", str(manifest)])
    assert result.exit_code == 1
    assert "[ADAPT_" in result.output and "Traceback" not in result.output


# --------------------------------------------------------------------------- Kobo XLS downloads
KOBO_XLS = ["kobo-labels-zh.xlsx", "kobo-labels-en-groups.xlsx", "kobo-xml-groups.xlsx"]


def _make_kobo_xlsx():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_kobo_xlsx",
                                                  EXPORTS / "make_kobo_xlsx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", KOBO_XLS)
def test_kobo_xls_fixtures_are_what_make_kobo_xlsx_makes(mini, name):
    make = _make_kobo_xlsx()
    lang, groups = make.FIXTURES[name]
    book = load_workbook(EXPORTS / name, read_only=True)
    assert book.sheetnames == [make.sheet_name(mini[0].texts["title"])]
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert rows == make.kobo_rows(mini, lang, groups)


@pytest.mark.parametrize("platform", [None, "kobo"])
@pytest.mark.parametrize("name", KOBO_XLS)
def test_kobo_xls_download_scores_like_its_csv_twin(mini, name, platform):
    """Kobo's default download (XLS, labels of the form's default language as headers and
    cells), English labels with groups, and XML values as numbers: the same respondents,
    answers and levels as the CSV export of the same submissions."""
    import numpy as np

    from scoring import read

    twin = read.read_responses([EXPORTS / "kobo-xml-groups.csv"], mini[0], instruments=mini)
    xls = read.read_responses([EXPORTS / name], mini[0], platform=platform, instruments=mini)
    a, b = xls.responses, twin.responses
    assert xls.warnings == twin.warnings == []
    assert list(a.respondent_id) == list(b.respondent_id) == ["A01", "A02"]
    assert list(a.organisation) == list(b.organisation)
    assert list(a.source_row) == list(b.source_row) == [2, 3]
    assert np.array_equal(a.values, b.values, equal_nan=True)
    assert_same_levels(a, b)


def test_cli_scores_the_kobo_xls_download_like_the_csv(mini, tmp_path):
    """`python -m scoring score kobo.xlsx --from kobo`: the file the issue saw refused."""
    from click.testing import CliRunner

    from instrument.tables import manifest_json
    from scoring.cli import cli as scoring_cli

    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(manifest_json(mini[0]))
    outputs = {}
    for name, extra in (("kobo-labels-zh.xlsx", ["--from", "kobo"]), ("kobo-labels-zh.xlsx", []),
                        ("kobo-xml-groups.csv", [])):
        out = tmp_path / f"res-{len(outputs)}"
        result = CliRunner().invoke(scoring_cli, ["score", str(EXPORTS / name), *extra,
                                                  "--manifest", str(manifest), "--out", str(out),
                                                  "--format", "csv"])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("scored 2 respondents in 2 organisations from 1 file")
        outputs[len(outputs)] = {f: (out / f).read_bytes() for f in
                                 ("respondents.csv", "organisations.csv")}
    assert outputs[0] == outputs[1] == outputs[2]


@pytest.mark.parametrize("labels", [None, "zh-TW", "en"])
def test_end_to_end_kobo_xls_download_through_the_reader(pb_pair, labels, tmp_path):
    """The bundled bank's XLSForm, its Kobo export as a workbook: labels or XML values,
    group paths, gated-out blanks; the same answers as the native CSV."""
    import numpy as np
    from openpyxl import Workbook

    from scoring import read

    inst = pb_pair[0]
    people = _respondents(inst, 12, seed=13)
    book = Workbook()
    book.active.title = inst.texts["title"][:31]
    for row in _kobo_export(pb_pair, people, labels=labels):
        book.active.append([int(c) if c.isdigit() else (c or None) for c in row])
    kobo = tmp_path / "kobo.xlsx"
    book.save(kobo)
    plain = tmp_path / "native.csv"
    with open(plain, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([native_header(inst), *_native_rows(inst, people)])
    a = read.read_responses([kobo], inst, instruments=pb_pair).responses
    b = read.read_responses([plain], inst).responses
    assert list(a.respondent_id) == list(b.respondent_id)
    assert np.array_equal(a.values, b.values, equal_nan=True)
