"""The bundled PMBOK-6 bank and profiles: complete, official, and worded per organisation."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from conftest import LANGS, PROFILES

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "pmbok6_processes.csv"
AREA_CODES = ["INT", "SCO", "SCH", "COS", "QUA", "RES", "COM", "RSK", "PRO", "STK"]


def reference_rows() -> list[dict[str, str]]:
    with open(REFERENCE, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_bank_has_49_practices_and_196_stems(bank):
    assert bank.id == "pmbok6"
    assert re.fullmatch(r"\d+\.\d+\.\d+", bank.version)
    assert len(bank.practices) == 49
    assert sum(len(p.stems) for p in bank.practices) == 196
    assert [s.id for s in bank.stages] == ["S", "M", "C", "I"]
    assert [a.id for a in bank.areas] == AREA_CODES
    assert len(bank.groups) == 5


def test_practices_match_the_reference_list(bank, instruments):
    """Under generic wording every practice carries its official PMBOK-6 name and group."""
    rows = reference_rows()
    assert len(rows) == 49
    zh = {p.code: p for p in instruments[("generic", "zh-TW")].practices}
    en = {p.code: p for p in instruments[("generic", "en")].practices}
    for row in rows:
        practice = zh[row["code"]]
        assert practice.id == f"{AREA_CODES[int(row['area_code']) - 1]}{int(row['code'].split('.')[1]):02d}"
        assert practice.group == row["group"]
        assert practice.name == row["name_zh"], row["code"]
        assert en[row["code"]].name == row["name_en"], row["code"]
    for area, row in zip(bank.areas, {r["area_code"]: r for r in rows}.values()):
        assert area.name["zh-TW"] == row["area_zh"] and area.name["en"] == row["area_en"]


def test_item_ids_follow_the_contract(instrument):
    ids = instrument.item_ids
    assert len(ids) == len(set(ids)) == 196
    assert ids[0] == "INT01_S" and ids[-1] == "STK04_I"
    for item_id in ids:
        assert re.fullmatch(r"[A-Z]{3}\d\d_[SMCI]", item_id), item_id


def test_every_stem_resolves_everywhere(instruments):
    for (profile, lang), inst in instruments.items():
        # the Smart City form leaves out procurement and two budget practices (20 stems)
        assert len(inst.items) == (176 if profile == "smartcity" else 196)
        texts = [i.text for i in inst.items] + [p.name for p in inst.practices] + \
                [p.glossary for p in inst.practices] + list(inst.texts.values())
        for text in texts:
            assert "{" not in text and "}" not in text, (profile, lang, text)
            assert text.strip() == text and text


def test_chinese_stems_are_short(instruments):
    """About 60 characters at most, after substitution, in every profile."""
    for profile in PROFILES:
        longest = max(instruments[(profile, "zh-TW")].items, key=lambda i: len(i.text))
        assert len(longest.text) <= 60, (profile, longest.id, len(longest.text))


def test_stems_are_parallel_across_stages(instrument):
    """M, C and I stems use one frame each, so stage scores compare like with like."""
    frames = {"M": "記錄並量測", "C": "依量測結果", "I": "分析"}
    for item in instrument.items:
        if item.stage in frames:
            assert frames[item.stage] in item.text, item.id


def test_pb_wording_replaces_roles_but_not_terms_of_art(instruments):
    generic = instruments[("generic", "zh-TW")]
    pb = instruments[("pb", "zh-TW")]
    smart = instruments[("smartcity", "zh-TW")]
    g = {i.id: i.text for i in generic.items}
    p = {i.id: i.text for i in pb.items}
    s = {i.id: i.text for i in smart.items}
    assert "專案" in g["INT01_S"] and "錄案" in p["INT01_S"] and "錄案" not in g["INT01_S"]
    assert "主責機關" in p["INT01_S"] and "專案辦公室" in s["INT01_S"]
    pb_all = " ".join(list(p.values()) + [x.glossary for x in pb.practices])
    assert "承辦人" in pb_all and "經（副）理" not in pb_all
    assert "經（副）理" in " ".join(list(s.values()) + [x.glossary for x in smart.practices])
    # terms of art survive: the PMBOK document name and the word 專案管理
    assert {x.id: x.name for x in pb.practices}["INT02"] == "發展專案管理計畫書"
    assert "錄案管理" not in pb_all and "錄案辦公室" not in pb_all
    assert pb.texts["role"] == "承辦人" and "承辦人" in pb.texts["preamble"]
    assert smart.texts["role"] == "經（副）理"
    assert "專案管理" in pb.texts["preamble"]


def test_english_names_are_title_case_per_profile(instruments):
    names = {x.id: x.name for x in instruments[("pb", "en")].practices}
    assert names["INT01"] == "Develop PB Case Charter"
    assert names["INT02"] == "Develop Project Management Plan"


def test_every_practice_has_a_glossary_in_both_languages(bank):
    for p in bank.practices:
        for lang in LANGS:
            assert 10 <= len(p.glossary[lang]) <= 400, (p.id, lang)


def test_scales(bank):
    agree = bank.scale("agree5")
    assert [c.code for c in agree.codes] == [1, 2, 3, 4, 5, 8, 9]
    assert [(c.code, c.missing) for c in agree.codes if c.missing] == [
        (8, "not_applicable"), (9, "dont_know")]
    assert agree.codes[0].label["zh-TW"] == "非常不同意"
    yesno = bank.scale("yesno")
    assert {c.code for c in yesno.codes if not c.missing} == {0, 1}
