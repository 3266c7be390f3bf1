"""`python -m scoring` end to end: exact messages, exit codes, and --out left alone on failure.

Exit status 1 is a problem in the data (listed with file:row, column and a fix),
2 a wrong command line; a failed run writes nothing. Most runs use --format csv
to stay quick; one run renders every format.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import ROOT
from instrument.manifest import load_manifest
from instrument.tables import manifest_json
from scoring import cli as cli_module
from scoring.cli import cli
from scoring.variants import Variants

DEMO = ROOT / "scoring" / "demo"
PB, SMARTCITY, MISTAKES = DEMO / "pb.csv", DEMO / "smartcity.csv", DEMO / "mistakes.csv"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory, instruments) -> Path:
    """The generic zh-TW manifest (the PB demo's instrument id), outside out/."""
    path = tmp_path_factory.mktemp("manifest") / "manifest.json"
    path.write_bytes(manifest_json(instruments[("generic", "zh-TW")]))
    return path


@pytest.fixture(scope="module")
def sc_manifest(tmp_path_factory, instruments) -> Path:
    """The Smart City zh-TW manifest: its form leaves procurement and budgets out."""
    path = tmp_path_factory.mktemp("manifest") / "manifest.json"
    path.write_bytes(manifest_json(instruments[("smartcity", "zh-TW")]))
    return path


@pytest.fixture(scope="module")
def both(manifest, sc_manifest) -> list:
    """--manifest for each form of the demo's two files."""
    return ["--manifest", manifest, "--manifest", sc_manifest]


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


# --------------------------------------------------------------------------- help
def test_help_and_version():
    result = run("--help")
    assert result.exit_code == 0
    listed = {line.split()[0]: " ".join(line.split()[1:]) for line in
              result.output.split("Commands:\n")[1].splitlines() if line.strip()}
    assert listed["check"] == "Validate response files only; write nothing."
    assert listed["score"] == "Score response files and write results into --out."
    assert listed["scan"] == "Read scanned paper forms into the scorer's response file."
    assert listed["compare"] == "Double data entry: compare two typings of the same paper forms."
    assert "python -m scoring score scoring/demo/pb.csv scoring/demo/smartcity.csv" in result.output
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("python -m scoring, version ")
    assert run("-h").output == run("--help").output


@pytest.mark.parametrize("command", ["check", "score"])
def test_every_option_has_help_with_an_example(command):
    cmd = cli.commands[command]
    assert "Examples:" in cmd.help
    for param in cmd.params:
        if isinstance(param, click.Option):
            assert param.help and "Example:" in param.help, param.name


# --------------------------------------------------------------------------- check
def test_check_a_clean_batch(both, instruments):
    result = run("check", PB, SMARTCITY, *both)
    assert result.exit_code == 0, result.output
    pb, sc = instruments[("pb", "zh-TW")].id, instruments[("smartcity", "zh-TW")].id
    assert pb != sc  # the Smart City form asks fewer stems: another form, one questionnaire
    assert result.stdout == ("ok  60 respondents in 6 organisations from 2 files "
                             f"(instrument {pb}, {sc})\n")
    assert result.stderr == ""


def test_a_second_form_is_found_and_said(manifest, instruments):
    """--manifest names one form; the other form's rows find theirs (bundled here)."""
    result = run("check", PB, SMARTCITY, "--manifest", manifest)
    assert result.exit_code == 0, result.output
    sc = instruments[("smartcity", "zh-TW")].id
    assert f"also holds answers to form {sc} (profile smartcity): scored with it" in result.stderr


def test_check_lists_every_mistake_of_the_demo_file(manifest, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("check", "scoring/demo/mistakes.csv", "--manifest", manifest)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == """\
Error: 6 errors and 3 warnings found; nothing was written.
scoring/demo/mistakes.csv:4: column 'SCH02_S': value '7' is not a code of scale fit5 (1–5, 8 = 專案不涉及此類工作, 9 = 不清楚) [CSV_011]
    fix: type one of 1, 2, 3, 4, 5, 8 or 9, or leave the cell blank when there is no answer
scoring/demo/mistakes.csv:4:7: column 'BG_YEARS': '七' is not an answer to '您擔任目前職務的年資（年）', which takes a whole number from 0 to 50 [CSV_041]
    fix: type a whole number from 0 to 50, or leave the cell blank (codebook.csv lists the background questions)
scoring/demo/mistakes.csv:5: column 'COM01_S': value 'v' is not a code of scale fit5 (1–5, 8 = 專案不涉及此類工作, 9 = 不清楚) [CSV_011]
    fix: type one of 1, 2, 3, 4, 5, 8 or 9, or leave the cell blank when there is no answer
scoring/demo/mistakes.csv:8: respondent 'PB-CIVIL-23' also appears at scoring/demo/mistakes.csv:4 with different answers (SCH02_S: 4 here, blank there; STK01_S: 2 here, 5 there) [CSV_014]
    fix: keep the right one of the two rows, or give them different respondent_ids; if they are two waves of one respondent, fill the wave column (e.g. 1 and 2)
scoring/demo/mistakes.csv:8:7: column 'BG_YEARS': '七' is not an answer to '您擔任目前職務的年資（年）', which takes a whole number from 0 to 50 [CSV_041]
    fix: type a whole number from 0 to 50, or leave the cell blank (codebook.csv lists the background questions)
scoring/demo/mistakes.csv:10: respondent_id is blank in a row with answers [CSV_013]
    fix: give every answered row a unique respondent_id (e.g. the number on the paper form)
scoring/demo/mistakes.csv:6: empty row 6; skipped [CSV_017]
    fix: delete the empty rows, or leave them: they are skipped
scoring/demo/mistakes.csv:7: respondent 'PB-CIVIL-25': area RSK is closed by the gate (mean of the S stems 2.00 < 3.5), but 21 stem(s) beyond stage S were answered (RSK01_M, RSK01_C, RSK01_I, …); the scorer ignores them [CSV_016]
    fix: nothing to do if the form was filled in full on purpose: the gate rule decides (rule 'mean': 該組題目至少半數有作答（「不清楚」與「不涉及此類工作」不算），且作答題目的平均分數達門檻值。); otherwise check this respondent's S answers for RSK
scoring/demo/mistakes.csv:9: respondent 'PB-CIVIL-26': straight-lining: all 196 answered stems have the same answer (4) [CSV_018]
    fix: check the form; a respondent who ticks one column throughout may not have read the questions (consider excluding them)
"""


def test_check_warnings_go_to_stderr_and_strict_fails_on_them(manifest, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_bytes(PB.read_bytes() + PB.read_bytes().split(b"\r\n")[1] + b"\r\n")
    result = run("check", path, "--manifest", manifest)
    assert result.exit_code == 0
    assert result.stdout.endswith("; 1 warning on stderr\n")
    assert result.stderr == (
        f"1 warning:\n{path}:35: respondent 'PB-PARK-01' appears again, identically, at "
        f"{path}:2; kept once [CSV_015]\n    fix: delete the repeated row\n")
    result = run("check", path, "--manifest", manifest, "--strict")
    assert result.exit_code == 1
    assert "delete the repeated row; --strict makes this an error" in result.stderr


# --------------------------------------------------------------------------- score
def test_score_writes_tidy_tables(both, tmp_path):
    out = tmp_path / "results"
    result = run("score", PB, SMARTCITY, *both, "--out", out, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("scored 60 respondents in 6 organisations from 2 files "
                                    "(method staged, rule mean: mean ≥ 3.5) in ")
    assert result.stdout.endswith(f"wrote {out}/: respondents.csv, organisations.csv, "
                                  "reliability.csv\n")
    assert sorted(p.name for p in out.iterdir()) == ["organisations.csv", "reliability.csv",
                                                     "respondents.csv"]
    raw = (out / "respondents.csv").read_bytes()
    assert raw.startswith("\ufeffrespondent_id,organisation,wave,BG_UNIT,BG_POSITION,BG_YEARS,"
                          "BG_CASES,BG_CASETYPE,BG_TRAINING,INT_level,SCO_level,SCH_level,"
                          "COS_level,QUA_level,RES_level,COM_level,RSK_level,PRO_level,STK_level,"
                          "initiating_level,planning_level,executing_level,"
                          "monitoring_controlling_level,closing_level,not_rated,not_applicable"
                          "\r\n".encode())
    table = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", keep_default_na=False)
    assert len(table) == 60  # one row per respondent
    assert table.iloc[0, :3].tolist() == ["PB-PARK-01", "臺北市政府工務局公園路燈工程管理處", ""]
    levels = table.filter(like="_level")
    # a level is 0-4, or blank when not rated or not applicable, never a negative code
    assert levels.shape[1] == 15 and levels.astype(str).isin(["0", "1", "2", "3", "4", ""]).all().all()
    smart = table[table.respondent_id.str.startswith("SC-")]
    assert (smart.PRO_level == "").all()  # the Smart City form does not ask procurement
    assert smart.not_applicable.str.split().map(lambda units: "PRO" in units).all()
    assert (table[table.respondent_id.str.startswith("PB-")].not_applicable == "").all()
    for unit, level, not_rated in zip(table.INT_level, table.INT_level, table.not_rated):
        assert (level == "") == ("INT" in not_rated.split())
    organisations = pd.read_csv(out / "organisations.csv", encoding="utf-8-sig")
    assert organisations["organisation"].nunique() == 6


def test_score_respondents_long(both, tmp_path):
    out = tmp_path / "results"
    result = run("score", PB, SMARTCITY, *both, "--out", out, "--format", "csv",
                 "--respondents", "long")
    assert result.exit_code == 0, result.output
    raw = (out / "respondents.csv").read_bytes()
    assert raw.startswith("\ufeffrespondent_id,organisation,unit_type,unit,stage,n_items,"
                          "n_answered,n_not_reached,mean,status,achieved,level\r\n".encode())
    table = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert len(table) == 60 * (10 + 5) * 4
    assert table.iloc[0, :5].tolist() == ["PB-PARK-01", "臺北市政府工務局公園路燈工程管理處", "area",
                                          "INT", "S"]
    smart_pro = table[table.respondent_id.str.startswith("SC-") & (table.unit == "PRO")]
    assert (smart_pro.status == "not applicable").all() and (smart_pro.n_items == 0).all()
    wide = tmp_path / "wide"
    assert run("score", PB, SMARTCITY, *both, "--out", wide, "--format", "csv").exit_code == 0
    wide_table = pd.read_csv(wide / "respondents.csv", encoding="utf-8-sig")
    # both layouts carry the same levels
    long_levels = (table.drop_duplicates(["respondent_id", "unit"])
                   .pivot(index="respondent_id", columns="unit", values="level"))
    for unit in ("INT", "RSK", "PRO", "planning", "closing"):
        pd.testing.assert_series_equal(
            wide_table.set_index("respondent_id")[f"{unit}_level"].astype(float),
            long_levels[unit].loc[wide_table["respondent_id"]].rename(f"{unit}_level")
            .astype(float))


def test_score_detail_practice_and_method(manifest, tmp_path):
    out = tmp_path / "results"
    result = run("score", PB, "--manifest", manifest, "--out", out, "--format", "csv",
                 "--detail", "practice", "--method", "coverage", "--threshold", "4")
    assert result.exit_code == 0, result.output
    assert "(method coverage, rule mean: mean ≥ 4)" in result.stdout
    table = pd.read_csv(out / "respondents.csv", encoding="utf-8-sig")
    # ids, background, levels, coverage's frequent flags, the two unit lists
    assert table.shape[1] == 3 + 6 + 2 * (10 + 5 + 49) + 2
    assert list(table.columns[[9, 24, 73]]) == ["INT_level", "INT01_level", "INT_frequent"]
    assert list(table.columns[-3:]) == ["STK04_frequent", "not_rated", "not_applicable"]
    result = run("score", PB, "--manifest", manifest, "--out", out, "--format", "csv",
                 "--detail", "practice", "--method", "coverage", "--respondents", "long")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "respondents.csv", encoding="utf-8-sig")
    assert set(table["unit_type"]) == {"area", "group", "practice"}
    assert list(table.columns[-2:]) == ["applied_share", "frequent"]


def test_score_every_format(both, tmp_path):
    out = tmp_path / "results"
    result = run("score", PB, SMARTCITY, MISTAKES.with_name("pb.csv"), *both, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "respondents.csv", "organisations.csv", "reliability.csv", "report.html", "report.pdf",
        "responses.sav", "responses.dta", "warnings.txt"])
    assert "appears again, identically" in (out / "warnings.txt").read_text(encoding="utf-8")
    assert "kept once [CSV_015]" in result.stderr


def test_a_failed_run_leaves_out_exactly_as_it_was(manifest, tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / "respondents.csv").write_text("sentinel: an earlier run's results\n")
    before = snapshot(tmp_path)
    result = run("score", MISTAKES, "--manifest", manifest, "--out", out, "--format", "csv")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: 6 errors and 3 warnings found; nothing was written.\n")
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]  # no staging folder left


def test_a_crash_while_rendering_leaves_out_as_it_was(manifest, tmp_path, monkeypatch):
    out = tmp_path / "results"
    out.mkdir()
    (out / "report.html").write_text("sentinel")
    before = snapshot(tmp_path)

    def broken(scores, fh, detail="area"):
        fh.write(b"half a file")
        raise RuntimeError("disk full")

    monkeypatch.setattr("scoring.tidy.write_respondents_wide", broken)
    result = CliRunner().invoke(cli, ["score", str(PB), "--manifest", str(manifest),
                                      "--out", str(out), "--format", "csv"])
    assert result.exit_code != 0 and isinstance(result.exception, RuntimeError)
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_out_holding_other_files_is_refused(manifest, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("do not delete")
    result = run("score", PB, "--manifest", manifest, "--out", out, "--format", "csv")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: 1 error found; nothing was written.\n"
        f"command line: cannot write --out {out}: the folder holds files the scorer did not "
        "write (thesis.docx) [SCORE_004]\n"
        "    fix: choose a new or empty folder for --out; the scorer replaces only folders it "
        "wrote itself\n")
    assert (out / "thesis.docx").read_text() == "do not delete"


def test_a_second_run_replaces_the_first(manifest, sc_manifest, tmp_path):
    out = tmp_path / "results"
    assert run("score", PB, "--manifest", manifest, "--out", out, "--format", "csv").exit_code == 0
    result = run("score", SMARTCITY, "--manifest", sc_manifest, "--out", out, "--format", "csv")
    assert result.exit_code == 0
    table = pd.read_csv(out / "respondents.csv", encoding="utf-8-sig")
    assert table["respondent_id"].str.startswith("SC-").all()


# --------------------------------------------------------------------------- usage errors
@pytest.mark.parametrize("args, message", [
    (["score", PB, "--method", "median"], "Invalid value for '--method': 'median' is not one of "
                                          "'staged', 'opm3-binary', 'coverage'."),
    (["check", PB, "--encoding", "big-five"], "Invalid value for '--encoding': unknown encoding "
                                              "'big-five'; use e.g. utf-8, cp950 (Big5) or utf-16"),
    (["check"], "Missing argument 'FILES...'."),
    (["check", "nowhere.csv"], "Invalid value for 'FILES...': File 'nowhere.csv' does not exist."),
    (["score", PB, "--threshold", "7"], "Invalid value for '--threshold': --threshold 7 is outside "
                                        "scale fit5 (1–5, 8 = 專案不涉及此類工作, 9 = 不清楚); give a "
                                        "value from 1 to 5, e.g. --threshold 3.5"),
    (["score", PB, "--by", "BG_YEAR"], "Invalid value for '--by': 'BG_YEAR' is not a "
                                       "single-choice background question of this questionnaire"),
    (["score", PB, "--rule", "cont"], "Invalid value for '--rule': unknown rule 'cont' (did you "
                                      "mean 'count'?); use one of the rules of bank pmbok6: mean, "
                                      "count"),
    (["score", PB, "--rule", "count", "--threshold", "4"],
     "Invalid value for '--threshold': --threshold 4 does not apply to rule 'count' (count); "
     "leave --threshold out, or use --rule mean"),
])
def test_usage_errors_exit_2(manifest, tmp_path, args, message):
    out = ["--out", tmp_path / "o"] if args[0] == "score" else []
    result = run(*args, "--manifest", manifest, *out)
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split()), result.stderr
    assert not (tmp_path / "o").exists()


def test_rule_override_is_applied_and_stated(manifest, tmp_path):
    result = run("score", PB, "--manifest", manifest, "--out", tmp_path / "o", "--format", "csv",
                 "--rule", "count")
    assert result.exit_code == 0, result.output
    assert "(method staged, rule count: 50% of stems ≥ 4)" in result.stdout


# --------------------------------------------------------------------------- finding the manifest
def test_manifest_is_found_from_the_instrument_column(manifest, instruments, tmp_path,
                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    pb = instruments[("generic", "zh-TW")].id
    result = run("check", PB)  # nothing built here: the bundled questionnaire of that id
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"using the bundled questionnaire pmbok6 generic-zh-TW (instrument {pb}; no manifest "
        "of it under out/; pass --manifest to choose another)\n")
    lines = PB.read_text(encoding="utf-8-sig").splitlines()
    other = pb.replace("pmbok6-2.0.0", "pmbok6-9.0.0")
    Path("other.csv").write_text(lines[0] + "\n" + lines[1].replace(pb, other) + "\n",
                                 encoding="utf-8")
    result = run("check", "other.csv")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: 1 error found; nothing was written.\n"
        f"command line: no built manifest for instrument '{other}' under out/ "
        "[SCORE_001]\n"
        "    fix: build the questionnaire first (`python build.py`, or `opm-build` when "
        "installed), or pass --manifest PATH to the manifest.json that came with it\n")
    for folder in ("pb-zh-TW", "generic-zh-TW", "generic-en"):
        (tmp_path / "out" / "pmbok6" / folder).mkdir(parents=True)
        (tmp_path / "out" / "pmbok6" / folder / "manifest.json").write_bytes(manifest.read_bytes())
    result = run("check", PB)
    assert result.exit_code == 0, result.output
    assert result.stderr == ("using out/pmbok6/generic-zh-TW/manifest.json (one of 3 manifests of "
                             f"instrument {pb}; pass --manifest to choose "
                             "another profile or language)\n")


def test_files_without_or_with_several_instrument_ids(tmp_path, monkeypatch, bank):
    monkeypatch.chdir(tmp_path)
    lines = PB.read_text(encoding="utf-8-sig").splitlines()
    Path("none.csv").write_text("\n".join(
        [lines[0]] + [",".join(c if k != 2 else "" for k, c in enumerate(line.split(",")))
                      for line in lines[1:]]) + "\n", encoding="utf-8")
    result = run("check", "none.csv")
    assert result.exit_code == 1
    assert "the files do not say which instrument they belong to (no 'instrument' values) " \
           "[SCORE_002]" in result.stderr
    # two forms of one questionnaire (PB and Smart City) score together ...
    assert run("check", PB, SMARTCITY).exit_code == 0
    # ... but not two questionnaires: the yes/no scale makes another one
    from instrument.compile import Options, compile_instrument
    from instrument.loader import load_profile

    yesno = compile_instrument(bank, load_profile("generic", bank), "zh-TW",
                               Options(scale="yesno"))
    (tmp_path / "out" / "yesno").mkdir(parents=True)
    (tmp_path / "out" / "yesno" / "manifest.json").write_bytes(manifest_json(yesno))
    pb = lines[1].split(",")[2]
    Path("other.csv").write_text(lines[0] + "\n" + lines[1].replace(pb, yesno.id) + "\n",
                                 encoding="utf-8")
    result = run("check", PB, "other.csv")
    assert result.exit_code == 1
    assert "the files name 2 questionnaires that cannot be scored together: " \
           f"'{pb}' (pmbok6 2.0.0, generic); '{yesno.id}' (pmbok6 2.0.0, generic)" in \
        " ".join(result.stderr.split())
    assert "[SCORE_003]" in result.stderr


# --------------------------------------------------------------------------- demo
def test_demo_files_are_what_make_demo_makes():
    done = subprocess.run([sys.executable, str(DEMO / "make_demo.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_python_dash_m_scoring_runs(manifest, tmp_path):
    done = subprocess.run([sys.executable, "-m", "scoring", "check", str(PB), "--manifest",
                           str(manifest)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok  33 respondents in 3 organisations from 1 file")


def test_cli_module_is_thin():
    """Reading, scoring and writing live in the package; the CLI only wires them."""
    source = Path(cli_module.__file__).read_text(encoding="utf-8")
    assert "read_csv" not in source and "open(" not in source


@pytest.mark.parametrize("method", ["staged", "opm3-binary", "coverage"])
@pytest.mark.parametrize("detail, unit_types", [("area", ("area", "group")),
                                                ("practice", ("area", "group", "practice"))])
def test_respondents_csv_is_scores_respondents_long(instruments, method, detail, unit_types):
    """The fast byte-table writer and scoring.scores.respondents_long give one table."""
    import numpy as np

    from scoring import tidy
    from scoring.methods import compute
    from scoring.read import read_responses

    forms = Variants.of([instruments[("generic", "zh-TW")], instruments[("smartcity", "zh-TW")]])
    scores = compute(read_responses([PB, SMARTCITY], forms).responses, method)
    mine = pd.read_csv(io.BytesIO(tidy.respondents_csv(scores, detail)), encoding="utf-8-sig",
                       keep_default_na=False, dtype=str)
    ref = scores.respondents_long(unit_types)
    assert list(mine.columns) == list(ref.columns)
    for column in ref.columns:
        got, want = mine[column].to_numpy(), ref[column].astype(object).to_numpy()
        if column in ("mean", "attained_pct", "applied_share", "level", "frequent"):
            tolerance = {"mean": 0.005, "attained_pct": 0.05, "applied_share": 0.0005,
                         "level": 0, "frequent": 0}[column]
            got = np.array([float(v) if v else np.nan for v in got])
            assert np.allclose(got, want.astype(float), atol=tolerance, equal_nan=True), column
        elif column == "achieved":
            assert list(got) == [str(int(bool(v))) for v in want], column
        else:
            assert list(got) == [str(v) for v in want], column


def test_text_cells_cannot_run_as_spreadsheet_formulas(manifest, tmp_path):
    import csv as csv_module

    rows = list(csv_module.reader(io.StringIO(PB.read_text(encoding="utf-8-sig"))))
    for row in rows[1:]:
        row[0] = "@SUM(1)" if row[0] == "PB-CIVIL-01" else row[0]
        row[1] = '=HYPERLINK("http://x","民政局")' if row[1] == "臺北市政府民政局" else row[1]
    path = tmp_path / "hostile.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv_module.writer(fh).writerows(rows)
    out = tmp_path / "o"
    result = run("score", path, "--manifest", manifest, "--out", out, "--format", "csv")
    assert result.exit_code == 0, result.output
    respondents = (out / "respondents.csv").read_text(encoding="utf-8-sig")
    assert "\n'@SUM(1),\"'=HYPERLINK(\"\"http://x\"\",\"\"民政局\"\")\",," in respondents
    result = run("score", path, "--manifest", manifest, "--out", out, "--format", "csv",
                 "--respondents", "long")
    assert result.exit_code == 0, result.output
    respondents = (out / "respondents.csv").read_text(encoding="utf-8-sig")
    assert "\n'@SUM(1),\"'=HYPERLINK(\"\"http://x\"\",\"\"民政局\"\")\",area,INT,S," in respondents
    organisations = (out / "organisations.csv").read_text(encoding="utf-8-sig")
    assert "\n\"'=HYPERLINK(\"\"http://x\"\",\"\"民政局\"\")\",area,INT,S," in organisations

@pytest.mark.parametrize("method", ["staged", "coverage"])
@pytest.mark.parametrize("detail, unit_types", [("area", ("area", "group")),
                                                ("practice", ("area", "group", "practice"))])
def test_wide_respondents_csv_is_scores_respondents_wide(instruments, method, detail, unit_types):
    """The wide byte-table writer and scoring.scores.respondents_wide give one table."""
    import numpy as np

    from scoring import tidy
    from scoring.methods import compute
    from scoring.read import read_responses

    forms = Variants.of([instruments[("generic", "zh-TW")], instruments[("smartcity", "zh-TW")]])
    scores = compute(read_responses([PB, SMARTCITY], forms).responses, method)
    buffer = io.BytesIO()
    assert tidy.write_respondents_wide(scores, buffer, detail, chunk=7) == 60  # several chunks
    mine = pd.read_csv(io.BytesIO(buffer.getvalue()), encoding="utf-8-sig",
                       keep_default_na=False, dtype=str)
    ref = scores.respondents_wide(unit_types)
    assert list(mine.columns) == list(ref.columns)
    for column in ref.columns:
        want = ref[column].to_numpy()
        if column.endswith(("_frequent", "_level")) or column.startswith("BG_"):
            want = ["" if np.isnan(float(v)) else str(int(v)) for v in want]
        assert list(mine[column]) == [str(v) for v in want], column


def test_exports_of_cleaned_responses_are_left_out_above_the_bound(both, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setattr("scoring.cli.STATS_EXPORT_MAX", 59)
    out = tmp_path / "results"
    result = run("score", PB, SMARTCITY, *both, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stderr == ("note: responses.sav and responses.dta not written for 60 "
                             "respondents (more than 59); ask for them with --format sav "
                             "--format dta\n")
    assert sorted(p.name for p in out.iterdir()) == [
        "organisations.csv", "reliability.csv", "report.html", "report.pdf", "respondents.csv"]
    result = run("score", PB, SMARTCITY, *both, "--out", out,
                 "--format", "sav", "--format", "dta")
    assert result.exit_code == 0 and result.stderr == ""
    assert sorted(p.name for p in out.iterdir()) == ["responses.dta", "responses.sav"]


# --------------------------------------------------------------------------- interrupted runs
def _score_process(out: Path, manifest: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scoring", "score", str(PB), str(SMARTCITY),
                             "--manifest", str(manifest), "--out", str(out), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_killed_scoring_run_leaves_earlier_results_intact(manifest, tmp_path):
    import signal
    import time

    out = tmp_path / "results"
    assert _score_process(out, manifest, "--format", "csv").wait(120) == 0
    before = snapshot(out)
    killed = 0
    for delay in (0.4, 1.0, 1.6, 2.2):  # while importing, reading, scoring, rendering, writing
        proc = _score_process(out, manifest)  # every format: reports and .sav/.dta too
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        killed += proc.wait(60) == -signal.SIGKILL
        now = snapshot(out)
        # either untouched, or the run had finished whole before the signal
        assert now == before or sorted(now) == sorted(
            ["organisations.csv", "reliability.csv", "report.html", "report.pdf",
             "respondents.csv", "responses.dta", "responses.sav"])
        before = now
    assert killed >= 2, "the test must interrupt runs that were still going"
    assert _score_process(out, manifest, "--format", "csv").wait(120) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"], \
        "the next run clears what a killed run left beside --out"


def test_concurrent_scoring_runs_do_not_interleave(manifest, tmp_path):
    out = tmp_path / "results"
    procs = [_score_process(out, manifest, "--format", "csv"),
             _score_process(out, manifest, "--format", "html"),
             _score_process(out, manifest, "--format", "csv", "--respondents", "long")]
    assert [p.wait(120) for p in procs] == [0, 0, 0], [p.stderr.read() for p in procs]
    names = sorted(p.name for p in out.iterdir())
    # the last run's files, whole: never a mix of two runs
    assert names in (["organisations.csv", "reliability.csv", "respondents.csv"], ["report.html"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_leftovers_of_a_killed_run_are_cleared_and_nothing_else(manifest, tmp_path):
    out = tmp_path / "results"
    stale = tmp_path / ".results.staging-k1ll3d"
    stale.mkdir()
    (stale / "respondents.csv").write_bytes(b"half a fi")
    (tmp_path / ".results.old-k1ll3d").mkdir()
    keep = [tmp_path / ".other.staging-x", tmp_path / "results.staging-x", tmp_path / "notes.txt"]
    keep[0].mkdir(), keep[1].mkdir(), keep[2].write_text("mine")
    assert run("score", PB, "--manifest", manifest, "--out", out, "--format", "csv").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".other.staging-x", "notes.txt", "results", "results.staging-x"]


def test_names_with_spaces_and_chinese_characters(manifest, tmp_path):
    source = tmp_path / "回收 檔案（第一波）.csv"
    source.write_bytes(PB.read_bytes())
    out = tmp_path / "結果 2024" / "參與式預算 第一波"
    result = run("score", source, "--manifest", manifest, "--out", out, "--format", "csv",
                 "--format", "html")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "organisations.csv", "reliability.csv", "report.html", "respondents.csv"]
    assert "回收 檔案（第一波）.csv" in (out / "report.html").read_text(encoding="utf-8")


def test_lang_en_names_areas_stages_and_codes_in_english(both, tmp_path, instruments):
    """zh-TW manifests scored with --lang en: the bundled bank's English labels, same ids."""
    import pyreadstat

    out = tmp_path / "en"
    result = run("score", PB, SMARTCITY, *both, "--out", out, "--lang", "en",
                 "--format", "html", "--format", "sav")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    html = (out / "report.html").read_text(encoding="utf-8")
    en, zh = instruments[("generic", "en")], instruments[("generic", "zh-TW")]
    assert en.areas[0].name in html and zh.areas[0].name not in html
    assert "Don&#39;t know" in html and "不清楚" not in html
    assert "臺北市政府民政局" in html  # organisation names stay as typed
    _, meta = pyreadstat.read_sav(str(out / "responses.sav"), metadataonly=True)
    assert meta.column_names_to_labels[en.items[0].id].startswith(en.items[0].text[:40])


def test_lang_without_a_bundled_version_keeps_the_names_and_says_so(tmp_path):
    from build import cli as build_cli

    example = ROOT / "docs" / "examples" / "district.yaml"
    built = CliRunner().invoke(build_cli, ["build", "--profile", str(example), "--lang", "zh-TW",
                                           "--format", "codebook", "--out", str(tmp_path / "b")])
    assert built.exit_code == 0, built.output
    manifest = tmp_path / "b" / "pmbok6" / "district-zh-TW" / "manifest.json"
    result = run("score", PB, "--manifest", manifest, "--out", tmp_path / "o", "--lang", "en",
                 "--format", "html")
    assert result.exit_code == 0, result.output
    assert result.stderr == ("note: no en version of this questionnaire's bank and profile is "
                             "bundled; areas, stages and codes keep their zh-TW names\n")


# --------------------------------------------------------------------------- background
def test_background_typed_into_the_data_entry_sheet_reaches_every_output(instruments,
                                                                         tmp_path):
    """data-entry.xlsx, as built, typed in with openpyxl (background codes and numbers, a
    few answers), scored: respondents.csv carries the answers, responses.sav labels them."""
    import io as io_module

    import pyreadstat
    from openpyxl import load_workbook

    from instrument.tables import entry_xlsx

    inst = instruments[("pb", "zh-TW")]
    book = load_workbook(io_module.BytesIO(entry_xlsx(inst)))
    sheet = book["data"]
    header = [c.value for c in sheet[1]]
    assert header == list(inst.columns)
    typed = {"respondent_id": "PB-TYPED-01", "organisation": "臺北市政府教育局",
             "instrument": inst.id, "BG_UNIT": 3, "BG_POSITION": 1, "BG_YEARS": 7,
             "BG_CASES": 12, "BG_CASETYPE": 2, "BG_TRAINING": 2}
    typed.update({i.id: 4 for i in inst.items if i.area == "INT" and i.stage == "S"})
    for col, name in enumerate(header, start=1):
        if name in typed:
            sheet.cell(row=2, column=col, value=typed[name])
    path = tmp_path / "typed.xlsx"
    book.save(path)
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(manifest_json(inst))
    out = tmp_path / "o"
    result = run("score", path, "--manifest", manifest, "--out", out, "--format", "csv",
                 "--format", "sav")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "respondents.csv", encoding="utf-8-sig")
    for q in inst.background_ids:
        assert table[q].iloc[0] == typed[q], q
    df, meta = pyreadstat.read_sav(str(out / "responses.sav"))
    training = next(q for q in inst.background if q.id == "BG_TRAINING")
    assert meta.variable_value_labels["BG_TRAINING"] == {float(c.code): c.label
                                                         for c in training.choices}
    assert meta.column_names_to_labels["BG_TRAINING"] == training.label
    assert df["BG_YEARS"].iloc[0] == 7 and df["BG_UNIT"].iloc[0] == 3


def test_by_says_which_groups_are_small_enough_to_identify_a_person(manifest, tmp_path):
    """Grouping by a background question prints the results of everyone who gave one
    answer; a group of one or two shows their own answers (SCORE_008, a warning)."""
    import csv as csv_module

    rows = list(csv_module.reader(PB.read_text(encoding="utf-8-sig").splitlines()))
    col = rows[0].index("BG_POSITION")
    for k, row in enumerate(rows[1:]):
        row[col] = "2" if k < 2 else "1"
    path = tmp_path / "two-heads.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv_module.writer(fh).writerows(rows)
    out = tmp_path / "by"
    result = run("score", path, "--manifest", manifest, "--by", "BG_POSITION", "--out", out)
    assert result.exit_code == 0, result.output
    group = next(q for q in load_manifest(manifest).background if q.id == "BG_POSITION")
    label = f"2 {group.choices[1].label}"
    expected = (f"--by BG_POSITION: group '{label}' has 2 respondents: its results in "
                "organisations.csv and the reports are close to their own answers [SCORE_008]")
    assert expected in result.stderr
    assert expected in (out / "warnings.txt").read_text(encoding="utf-8")
    assert "[SCORE_008]" in (out / "report.html").read_text(encoding="utf-8")
    assert f"group '1 " not in result.stderr  # 31 respondents: no warning
