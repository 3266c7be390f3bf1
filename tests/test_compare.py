"""`python -m scoring compare`: double data entry, every disagreeing cell listed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from instrument.tables import manifest_json
from scoring.cli import cli


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def inst(instruments):
    return instruments[("generic", "zh-TW")]


@pytest.fixture()
def manifest(tmp_path, inst) -> Path:
    path = tmp_path / "manifest.json"
    path.write_bytes(manifest_json(inst))
    return path


def s_items(inst) -> list[str]:
    """Four Standardize stems: answers to them are never beyond a closed gate."""
    return [i.id for i in inst.items_at(inst.gate_stage)[:4]]


def typed(tmp_path: Path, name: str, inst, rows: list[dict[str, str]]) -> Path:
    columns = list(inst.columns)
    lines = [",".join(columns)] + [",".join(r.get(c, "") for c in columns) for r in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def row(inst, rid, *codes, org="工務局", unit="1"):
    return {"respondent_id": rid, "organisation": org, "BG_UNIT": unit,
            **dict(zip(s_items(inst), codes))}


def test_two_typings_that_agree_in_another_order_give_the_agreed_file(tmp_path, inst, manifest):
    a = typed(tmp_path, "anna.csv", inst, [row(inst, "R1", "4", "5", "", "9"),
                                            row(inst, "R2", "1", "2", "3", "4")])
    b = typed(tmp_path, "ben.csv", inst, [row(inst, "R2", "1", "2", "3", "4"),
                                           row(inst, "R1", "4", "5", "", "9")])
    result = run("compare", a, b, "--manifest", manifest, "--out", tmp_path / "agreed")
    assert result.exit_code == 0, result.output
    assert result.output == (f"the two files agree on 2 respondents: wrote "
                             f"{tmp_path / 'agreed' / 'agreed.csv'}\n")
    text = (tmp_path / "agreed" / "agreed.csv").read_text(encoding="utf-8-sig")
    header, first = text.splitlines()[:2]
    assert header.split(",") == list(inst.columns)
    cells = dict(zip(inst.columns, first.split(",")))
    assert (cells["respondent_id"], cells["instrument"], cells["BG_UNIT"]) == ("R1", inst.id, "1")
    assert [cells[i] for i in s_items(inst)] == ["4", "5", "", "9"]
    again = run("score", tmp_path / "agreed" / "agreed.csv", "--manifest", manifest,
                "--format", "csv", "--out", tmp_path / "scores")
    assert again.exit_code == 0, again.output


def test_every_disagreeing_cell_and_lone_respondent_is_listed_and_nothing_written(
        tmp_path, inst, manifest):
    a = typed(tmp_path, "anna.csv", inst, [row(inst, "R1", "4", "5", "", "9"),
                                            row(inst, "R3", "1", "1", "1", "1")])
    b = typed(tmp_path, "ben.csv", inst, [row(inst, "R1", "4", "3", "2", "9", org="工務處"),
                                           row(inst, "R4", "2", "2", "2", "2")])
    out = tmp_path / "agreed"
    result = run("compare", a, b, "--manifest", manifest, "--out", out)
    assert result.exit_code == 1
    i = s_items(inst)
    assert result.output.splitlines()[0] == "Error: 5 errors found; nothing was written."
    assert (f"{a}:2: respondent 'R1', column 'organisation': '工務局' here, '工務處' at "
            f"{b}:2 [ENTRY_001]") in result.output
    assert (f"{a}:2: respondent 'R1', column '{i[1]}': '5' here, '3' at {b}:2 "
            "[ENTRY_001]") in result.output
    assert (f"{a}:2: respondent 'R1', column '{i[2]}': blank here, '2' at {b}:2 "
            "[ENTRY_001]") in result.output
    assert (f"{a}:3: respondent 'R3' was typed into {a} only, not into {b} "
            "[ENTRY_002]") in result.output
    assert (f"{b}:3: respondent 'R4' was typed into {b} only, not into {a} "
            "[ENTRY_002]") in result.output
    assert not out.exists()


def test_a_file_the_reader_refuses_is_reported_as_score_would(tmp_path, inst, manifest):
    a = typed(tmp_path, "anna.csv", inst, [row(inst, "R1", "4", "5", "", "7")])
    b = typed(tmp_path, "ben.csv", inst, [row(inst, "R1", "4", "5", "", "9")])
    result = run("compare", a, b, "--manifest", manifest, "--out", tmp_path / "agreed")
    assert result.exit_code == 1
    assert f"{a}:2: column '{s_items(inst)[3]}': value '7' is not a code of scale fit5" in \
        result.output
    assert "[CSV_011]" in result.output
