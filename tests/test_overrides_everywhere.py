"""A profile's practice-level choices reach every channel, and a not-applicable practice
none: the HTML page, the PDF forms, the XLSForm, the codebook, the data-entry workbook
and the manifest. (Each renderer's own tests check its layout; this checks the model's
one-way flow: nothing downstream re-reads YAML or forgets a field.)"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import ROOT, dedent
from instrument import html, pdf, tables, xlsform
from instrument.artifacts import RenderSettings
from instrument.compile import compile_instrument
from instrument.loader import parse_profile

EXAMPLE = "區公所的特製範例"
NOTE = "這是本機關的在地說明"
OWN_STEM = "本{organisation}依同一套成文且同仁皆知的作法，以特製的方式結束{projects}。"
REASON = "本機關沒有這種作業"
ROOT_PROFILE = ROOT / "instrument" / "profiles" / "generic.yaml"


@pytest.fixture(scope="module")
def profile(bank):
    text = (ROOT_PROFILE.read_text(encoding="utf-8")
            + dedent(f"""
                practices:
                  INT01:
                    examples:
                      S: {{zh-TW: {EXAMPLE}, en: a special example}}
                    note: {{zh-TW: {NOTE}, en: a local note}}
                  INT07:
                    stems:
                      S: {{zh-TW: '{OWN_STEM}', en: 'This {{organisation}} closes its {{projects}} in the same written way that staff know, its own way.'}}
                  RSK02:
                    not_applicable: {{zh-TW: {REASON}, en: no such work here}}
                """))
    return parse_profile(text, "test-profile.yaml", bank)


@pytest.fixture(scope="module")
def inst(bank, profile):
    return compile_instrument(bank, profile, "zh-TW")


def _everything(inst) -> dict[str, str]:
    """The text of every channel."""
    page = html.render(inst, RenderSettings())["questionnaire.html"].decode("utf-8")
    pdfs = pdf.render(inst, RenderSettings())
    paper = {name: "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
             for name, data in pdfs.items() if name.endswith(".pdf")}
    form = load_workbook(io.BytesIO(xlsform.xlsform([inst])))
    xls = "\n".join(str(c) for ws in form.worksheets for row in ws.values for c in row if c)
    entry = load_workbook(io.BytesIO(tables.entry_xlsx(inst)))
    entry_text = "\n".join(str(c) for ws in entry.worksheets for row in ws.values for c in row
                           if c)
    entry_text += "\n".join(c.comment.text for c in entry["data"][1] if c.comment)
    return {"html": page, "questionnaire.pdf": paper["questionnaire.pdf"].replace("\n", ""),
            "wave1.pdf": paper["wave1.pdf"].replace("\n", ""), "xlsform": xls,
            "codebook": tables.codebook_csv(inst).decode("utf-8-sig"),
            "data-entry.xlsx": entry_text,
            "manifest": tables.manifest_json(inst).decode("utf-8")}


@pytest.fixture(scope="module")
def channels(inst):
    return _everything(inst)


def test_the_example_slot_reaches_every_channel(channels, inst):
    stem = inst.item("INT01_S").text
    assert f"（如{EXAMPLE}）" in stem
    for name, text in channels.items():
        assert EXAMPLE in text, name


def test_a_whole_stem_of_the_profile_reaches_every_channel(channels, inst):
    stem = inst.item("INT07_S").text
    assert "以特製的方式結束專案" in stem
    for name, text in channels.items():  # an S stem: on wave 1 too
        assert "以特製的方式結束專案" in text, name


def test_the_local_note_reaches_the_glossaries(channels):
    for name in ("html", "questionnaire.pdf", "xlsform", "manifest"):
        assert NOTE in channels[name], name


def test_a_not_applicable_practice_is_asked_nowhere_and_said(channels, inst):
    assert "RSK02" not in {i.practice for i in inst.items}
    for name, text in channels.items():
        assert "RSK02_S" not in text and "RSK02_M" not in text, name
    for name in ("html", "questionnaire.pdf", "wave1.pdf", "xlsform", "manifest"):
        assert REASON in channels[name], name
