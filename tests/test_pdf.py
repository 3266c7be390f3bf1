"""The printed questionnaire, wave-1 and wave-2 forms, checked on the real PDF files.

Text is extracted with pypdf (what a reader's copy-and-paste and a screen reader
get); fonts are read from the files' resources; mark boxes from the content
streams. Golden files hold the extracted text and the font list, never bytes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.pdfbase.pdfmetrics import stringWidth

from conftest import GOLDEN, LANGS, PROFILES, check_golden, paper_words
from instrument import fonts, i18n, pdf
from instrument.artifacts import RenderSettings, render
from instrument.compile import Options, compile_instrument
from instrument.errors import InstrumentError
from instrument.followup import followup_csv, plan
from instrument.loader import load_profile

BASE14 = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")


@pytest.fixture(scope="module")
def rendered(instruments):
    """{(profile, lang): every file pdf.render returns (the PDFs and their geometry)}."""
    return {key: pdf.render(inst, RenderSettings()) for key, inst in instruments.items()}


@pytest.fixture(scope="module")
def pdfs(rendered):
    """{(profile, lang): {"questionnaire.pdf": bytes, "wave1.pdf": bytes}}."""
    return {key: {n: d for n, d in files.items() if n.endswith(".pdf")}
            for key, files in rendered.items()}


@pytest.fixture(scope="module")
def geometry(rendered):
    """{(profile, lang): {"questionnaire.pdf": its geometry record, "wave1.pdf": ...}}."""
    return {key: {n: json.loads(files[n.replace(".pdf", ".geometry.json")])
                  for n in files if n.endswith(".pdf")}
            for key, files in rendered.items()}


@pytest.fixture(scope="module")
def count_instruments(bank):
    return {lang: compile_instrument(bank, load_profile("generic", bank), lang,
                                     Options(rule="count")) for lang in LANGS}


@lru_cache(maxsize=64)
def pages_text(data: bytes) -> list[str]:
    """Text per page (cached: extraction is the slow part of these tests)."""
    return [page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages]


def flat(text: str) -> str:
    """Whitespace-free text: a Chinese sentence wrapped over two lines reads as one."""
    return re.sub(r"\s+", "", text)


def spaced(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def id_count(text: str, item_id: str) -> int:
    return len(re.findall(rf"(?<![A-Za-z0-9_]){re.escape(item_id)}(?![A-Za-z0-9_])", text))


def fonts_of(data: bytes) -> list[tuple[str, str, bool]]:
    """(base font without subset tag, subtype, embedded) for every font the file uses."""
    found = set()
    for page in PdfReader(BytesIO(data)).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            desc = font.get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            embedded = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            name = str(font.get("/BaseFont", "")).lstrip("/")
            found.add((name.split("+", 1)[-1], str(font.get("/Subtype")), embedded))
    return sorted(found)


def drawn_texts(data: bytes) -> list[list[tuple[str, float, float]]]:
    """Per page, every string drawn with the x and y of its start (reportlab draws with an
    identity matrix, so the text matrix holds the position). A Chinese string comes in
    pieces, one per font subset, all at the string's start: they are joined again."""
    out = []
    for page in PdfReader(BytesIO(data)).pages:
        found: list[tuple[str, float, float]] = []

        def visit(text, cm, tm, font, size, found=found):
            if not text.strip():
                return
            x, y = float(tm[4]), float(tm[5])
            if found and found[-1][1:] == (x, y):
                found[-1] = (found[-1][0] + text.strip(), x, y)
            else:
                found.append((text.strip(), x, y))
        page.extract_text(visitor_text=visit)
        out.append(found)
    return out


def mark_boxes(data: bytes, box: float) -> list[list[tuple[float, float]]]:
    """Per page, the (x, y) of every square of side ``box`` drawn with `re`."""
    out = []
    for page in PdfReader(BytesIO(data)).pages:
        ops = ContentStream(page.get_contents(), page.pdf).operations
        out.append([(float(a[0]), float(a[1])) for a, op in ops
                    if op == b"re" and abs(float(a[2]) - box) < 0.01
                    and abs(float(a[3]) - box) < 0.01])
    return out


# --------------------------------------------------------------------------- fonts
def test_every_font_is_embedded_and_no_base14_sneaks_in(pdfs):
    for key, files in pdfs.items():
        for name, data in files.items():
            fonts = fonts_of(data)
            assert fonts, (key, name)
            for base, subtype, embedded in fonts:
                assert embedded, f"{key} {name}: font {base} is not embedded"
                assert subtype == "/TrueType", (key, name, base)
                assert not base.startswith(BASE14), f"{key} {name}: base-14 font {base}"


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_pdffonts_agrees(pdfs, tmp_path):
    path = tmp_path / "q.pdf"
    path.write_bytes(pdfs[("pb", "zh-TW")]["questionnaire.pdf"])
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert lines
    for line in lines:
        emb = line.split()[-5]  # name type encoding emb sub uni object ID
        assert emb == "yes", line
        assert "Helvetica" not in line


# --------------------------------------------------------------------------- content
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("lang", LANGS)
def test_questionnaire_has_every_item_id_exactly_once(pdfs, instruments, profile, lang):
    inst = instruments[(profile, lang)]
    text = "\n".join(pages_text(pdfs[(profile, lang)]["questionnaire.pdf"]))
    counts = {i: id_count(text, i) for i in inst.item_ids}
    assert {i: n for i, n in counts.items() if n != 1} == {}


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("lang", LANGS)
def test_wave1_holds_only_gate_stage_items(pdfs, instruments, profile, lang):
    inst = instruments[(profile, lang)]
    text = "\n".join(pages_text(pdfs[(profile, lang)]["wave1.pdf"]))
    for item in inst.items:
        expected = 1 if item.stage == inst.gate_stage else 0
        assert id_count(text, item.id) == expected, item.id
    last = flat(pages_text(pdfs[(profile, lang)]["wave1.pdf"])[-1] + text)
    assert flat(paper_words(lang)["end_wave1"].split("{")[0]) in last  # "a second form follows"


def test_pb_form_uses_pb_terms_and_keeps_project_management(pdfs, instruments):
    text = flat("".join(pages_text(pdfs[("pb", "zh-TW")]["questionnaire.pdf"])))
    assert "錄案" in text and "承辦人" in text and "主責機關" in text
    assert "發展專案管理計畫書" in text  # the bank writes 專案管理 literally here
    assert "錄案管理" not in text and "錄案辦公室" not in text
    generic = flat("".join(pages_text(pdfs[("generic", "zh-TW")]["questionnaire.pdf"])))
    for q in instruments[("generic", "zh-TW")].background:  # 承辦人員 is a bank choice
        for c in q.choices:
            generic = generic.replace(flat(c.label), "")
    assert "錄案" not in generic and "承辦人" not in generic


def test_every_page_has_right_page_number_and_instrument_id(pdfs, instruments):
    for (profile, lang), files in pdfs.items():
        inst = instruments[(profile, lang)]
        for name, data in files.items():
            pages = pages_text(data)
            for n, text in enumerate(pages, 1):
                want = (f"第{n}頁，共{len(pages)}頁" if lang == "zh-TW"
                        else f"Page{n}of{len(pages)}")
                assert flat(text).count(want) == 1, (profile, lang, name, n)
                assert inst.id in text


def test_cover_has_the_profile_texts_and_id_boxes(pdfs, instruments):
    for lang in LANGS:
        inst = instruments[("pb", lang)]
        cover = flat(pages_text(pdfs[("pb", lang)]["questionnaire.pdf"])[0])
        for key in ("title", "confidentiality", "thanks"):
            assert flat(inst.texts[key]) in cover, key
        assert flat(paper_words(lang)["respondent_id"]) in cover
        assert flat(paper_words(lang)["organisation"]) in cover


def test_glossary_appendix_lists_every_practice(pdfs, instruments):
    inst = instruments[("generic", "zh-TW")]
    pages = pages_text(pdfs[("generic", "zh-TW")]["questionnaire.pdf"])
    start = next(k for k, t in enumerate(pages) if "名詞解釋" in t and "附錄" in t)
    appendix = flat("".join(pages[start:]))
    for p in inst.practices:
        assert flat(p.glossary) in appendix, p.id


# --------------------------------------------------------------------------- paper routing
def test_count_rule_routing_sentence_in_both_languages(count_instruments):
    zh = count_instruments["zh-TW"]
    text = flat("".join(pages_text(pdf.render(zh)["questionnaire.pdf"])))
    n = len(zh.practices_of_area("INT"))
    assert flat(f"若上列 {n} 題中至少 {-(-n // 2)} 題勾選「大致符合」或「完全符合」，"
                "請繼續回答本領域第 2–4 階段題目；否則請跳到下一個領域") in text
    assert "跳到問卷結尾" in text  # the last area has no next area
    en = count_instruments["en"]
    text = spaced(" ".join(pages_text(pdf.render(en)["questionnaire.pdf"])))
    assert ("If at least 4 of the 7 statements above are marked \u201cMostly true\u201d or "
            "\u201cCompletely true\u201d, go on to this area's stage 2–4 statements. "
            "Otherwise skip to the next knowledge area.") in text


def test_mean_rule_routing_counts_answers_first_then_looks_up_the_total(pdfs, instruments):
    """Fewer substantive answers than the minimum skip the area; the table starts there."""
    inst = instruments[("generic", "en")]
    text = spaced(" ".join(pages_text(pdfs[("generic", "en")]["questionnaire.pdf"])))
    assert ("① Count the statements above that you marked 1–5 (8, 9 and blanks do not "
            "count). Fewer than 4: skip to the next knowledge area. ② 4 or more: add up the "
            "codes you marked for them. If the total is at least the number below for that "
            "count (an average of 3.5 or more), go on to this area's stage 2–4 "
            "statements; otherwise skip to the next knowledge area.") in text
    assert "Statements answered 4 5 6 7 Total at least 14 18 21 25" in text
    assert f"an average of {inst.rule.threshold:g} or more" in text
    zh = flat("".join(pages_text(pdfs[("generic", "zh-TW")]["questionnaire.pdf"])))
    assert flat("①請數出上列 7 題中勾選 1–5 的題數（8、9與未作答不算）。不到 4 題：請跳到下一個領域。"
                "②4 題以上：將這些題目勾選的數字相加；總和達到下表中該題數對應的數字"
                "（平均 3.5 分以上），請繼續回答本領域第 2–4 階段題目，否則請跳到下一個領域。") in zh
    assert "作答題數4567總和至少14182125" in zh
    # an area of two gate stems needs one answer: no first step, the table from 1
    assert "Statements answered 1 2 Total at least 4 7" not in text  # no such area in generic
    sc = spaced(" ".join(pages_text(pdf.render(instruments[("smartcity", "en")])
                                    ["questionnaire.pdf"])))
    assert ("→ Count the statements above that you marked 1–5 (8, 9 and blanks do not "
            "count) and add up the codes you marked for them.") in sc
    assert "Statements answered 1 2 Total at least 4 7" in sc  # COS: 2 of 4 practices asked


def test_routing_numbers_come_from_paper_routing(instruments):
    """Every box prints its area's PaperRouting numbers: minimum, table, stage range."""
    from instrument.followup import paper_routing

    inst = instruments[("pb", "zh-TW")]
    text = flat("".join(pages_text(pdf.render(inst)["questionnaire.pdf"])))
    for area in inst.asked_areas:
        r = paper_routing(inst, area.id)
        row = "作答題數" + "".join(map(str, range(r.first, r.n_items + 1)))
        row += "總和至少" + "".join(map(str, r.totals))
        assert row in text, area.id
        if r.minimum_binds:
            assert f"上列{r.n_items}題" in text and f"不到{r.min_answers}題" in text, area.id


def test_count_rule_states_the_minimum_when_it_can_decide(count_instruments):
    """With min_answered above the count share, the minimum is a step of its own."""
    import dataclasses

    inst = count_instruments["en"]
    strict = dataclasses.replace(inst, rule=dataclasses.replace(inst.rule, min_answered=0.75))
    text = spaced(" ".join(pages_text(pdf.render(strict)["questionnaire.pdf"])))
    assert ("① Count the statements above that you marked 1–5 (8, 9 and blanks do not "
            "count). Fewer than 6: skip to the next knowledge area. ② 6 or more: if at "
            "least 4 are marked “Mostly true” or “Completely true”, go on to this "
            "area's stage 2–4 statements; otherwise skip to the next knowledge area.") in text


def test_format_1_rule_has_no_minimum_step(instruments):
    """A format-1 manifest knows no minimum: the table starts at one answer."""
    import dataclasses

    inst = instruments[("generic", "en")]
    old = dataclasses.replace(inst, rule=dataclasses.replace(inst.rule, min_answered=None))
    text = spaced(" ".join(pages_text(pdf.render(old)["questionnaire.pdf"])))
    assert "Fewer than" not in text
    assert "Statements answered 1 2 3 4 5 6 7 Total at least 4 7 11 14 18 21 25" in text


def test_routing_sits_at_the_end_of_each_s_block(pdfs, instruments):
    inst = instruments[("generic", "en")]
    text = spaced(" ".join(pages_text(pdfs[("generic", "en")]["questionnaire.pdf"])))
    for area in inst.areas:
        items = inst.items_of_area(area.id)
        last_s = max(text.index(i.id) for i in items if i.stage == "S")
        first_m = min(text.index(i.id) for i in items if i.stage != "S")
        route = text.find("Statements answered", last_s)
        assert last_s < route < first_m, area.id


# --------------------------------------------------------------------------- the grid
def background_boxes(lay, inst) -> int:
    """Mark boxes of the background block: one per choice, one per digit."""
    return sum(len(q.choices) if q.kind == "single" else lay.background.digits(q) if q.kind == "number"
               else 0 for q in inst.background)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("lang", LANGS)
def test_geometry_records_every_drawn_box_with_its_item_and_code(pdfs, geometry, instruments,
                                                                profile, lang):
    """The geometry beside each PDF is what was drawn: per page the very squares in the
    content stream, each asked item with one box per code, the cover's writing fields."""
    inst = instruments[(profile, lang)]
    lay = pdf.layout(inst, RenderSettings())
    gate = {i.id for i in inst.items if i.stage == inst.gate_stage}
    for name, data in pdfs[(profile, lang)].items():
        geo = geometry[(profile, lang)][name]
        assert (geo["instrument"], geo["form"]) == (inst.id, {"questionnaire.pdf": "full",
                                                              "wave1.pdf": "wave1"}[name])
        drawn = mark_boxes(data, lay.m.box)
        assert [p["page"] for p in geo["pages"]] == list(range(1, len(drawn) + 1))
        for page, squares in zip(geo["pages"], drawn):
            recorded = [(b[0], b[1]) for b in page["boxes"]] + \
                [(f[0], f[1]) for f in page["fields"] if f[5] == "digit"]
            assert sorted(recorded) == sorted((round(x, 2), round(y, 2)) for x, y in squares)
        codes: dict[str, list[int]] = {}
        for page in geo["pages"]:
            for b in page["boxes"]:
                codes.setdefault(b[4], []).append(b[5])
        want = set(inst.item_ids) if name == "questionnaire.pdf" else gate
        assert {i: c for i, c in codes.items() if i in inst.item_ids} == {
            i: [col.code for col in lay.m.columns] for i in inst.item_ids if i in want}
        for q in inst.background:
            if q.kind == "single":
                assert codes[q.id] == [c.code for c in q.choices], q.id
        first = {f[4] for f in geo["pages"][0]["fields"] if f[5] == "text"}
        assert {"respondent_id", "organisation"} <= first


@pytest.mark.parametrize("key", [("pb", "zh-TW"), ("smartcity", "en")])
def test_every_page_carries_corner_markers_and_its_page_code(pdfs, geometry, instruments, key):
    """Rasterised as a 150-dpi scan would be, every page of both forms shows the four
    markers in the corners and a QR code naming instrument, form, page and layout."""
    from instrument import marks
    from scoring.scan import locate, synthetic as scans
    from scoring.scan.images import Page

    inst = instruments[key]
    for name, data in pdfs[key].items():
        geo = geometry[key][name]
        for n, image in enumerate(scans.render_pages(data, 150), 1):
            page = Page(name, n, image)
            found = locate.find_markers(page)
            assert sorted(found.corners) == [0, 1, 2, 3], (name, n)
            h, err, paper = locate.fit(found, {tuple(geo["paper"])})
            assert err < 1.0, (name, n)
            code, _ = locate.read_code(page, found, h, paper)
            assert code == marks.PageCode(marks.instrument_key(inst.id), geo["form"], n,
                                          geo["pages"][n - 1]["layout"]), (name, n)


def test_wave2_forms_carry_their_respondent_in_the_page_code(instruments, tmp_path):
    from instrument import marks
    from scoring.scan import locate, synthetic as scans
    from scoring.scan.images import Page

    inst = instruments[("pb", "zh-TW")]
    pdf.write_wave2(inst, synthetic(inst), tmp_path / "w")
    geo = json.loads((tmp_path / "w" / "wave2.geometry.json").read_text(encoding="utf-8"))
    forms = {f["respondent"]: f for f in geo["forms"]}
    assert sorted(forms) == ["R001", "R003", "R004"]
    assert {f["form"] for f in forms.values()} == {"wave2"}
    data = (tmp_path / "w" / "wave2-R003.pdf").read_bytes()
    [image] = scans.render_pages(data, 150)[:1]
    found = locate.find_markers(Page("wave2-R003.pdf", 1, image))
    h, _, paper = locate.fit(found, {tuple(forms["R003"]["paper"])})
    code, _ = locate.read_code(Page("wave2-R003.pdf", 1, image), found, h, paper)
    assert code == marks.PageCode(marks.instrument_key(inst.id), "wave2", 1,
                                  forms["R003"]["pages"][0]["layout"], "R003")
    assert forms["R003"]["organisation"] == ""


def test_mark_boxes_one_per_code_in_fixed_columns(pdfs, instruments):
    inst = instruments[("generic", "en")]
    lay = pdf.layout(inst, RenderSettings())
    boxes = mark_boxes(pdfs[("generic", "en")]["questionnaire.pdf"], lay.m.box)
    all_boxes = [b for page in boxes for b in page]
    assert len(all_boxes) == len(inst.items) * len(inst.scale.codes) + background_boxes(lay, inst)
    answer_x = [round(x, 2) for x in lay.m.box_x]
    columns = sorted({round(x + lay.m.box / 2, 2) for x, _ in all_boxes} & set(answer_x))
    assert columns == answer_x
    assert lay.m.box >= 5 * pdf.MM  # big enough for a pen
    # rows sit on the vertical grid, background questions too: every box centre is a whole
    # number of half-grid steps below the top of the page body
    for x, y in all_boxes:
        steps = (lay.m.body_top - (y + lay.m.box / 2)) / (pdf.ROW_GRID / 2)
        assert abs(steps - round(steps)) < 1e-3, (x, y)


@pytest.mark.parametrize("lang", LANGS)
def test_not_scored_columns_stand_apart_under_their_own_label(pdfs, instruments, lang):
    """8 and 9 come after a gap, under a "not scored" label on every page's scale header."""
    inst = instruments[("pb", lang)]
    lay = pdf.layout(inst, RenderSettings())
    assert [c.code for c in lay.m.columns] == [1, 2, 3, 4, 5, 8, 9]
    centres = [b - a for a, b in zip(lay.m.box_x, lay.m.box_x[1:])]
    assert centres == pytest.approx([lay.m.col_w] * 4 + [lay.m.col_w + lay.m.gap] + [lay.m.col_w])
    assert lay.m.gap >= 3 * pdf.MM
    label = paper_words(lang)["not_scored"]
    label_w = lay.pen.width(label, 6.8)
    middle = (lay.m.unscored_x0 + lay.m.right) / 2
    data = pdfs[("pb", lang)]["questionnaire.pdf"]
    pages = zip(drawn_texts(data), mark_boxes(data, lay.m.box))
    for n, (texts, boxes) in enumerate(pages, 1):
        answer_rows = [b for b in boxes if round(b[0] + lay.m.box / 2, 2) == round(lay.m.box_x[-1], 2)]
        labels = [(x, y) for t, x, y in texts if t == label]
        if not answer_rows:
            assert not labels, n
            continue
        assert labels, f"page {n}: no '{label}' over the columns 8 and 9"
        for x, y in labels:  # centred over the not-scored columns, right of the gap
            assert x == pytest.approx(middle - label_w / 2, abs=0.5), n
            assert x > lay.m.scored_x1 + lay.m.gap


def test_cover_lists_the_not_scored_codes_apart(pdfs):
    cover = spaced(pages_text(pdfs[("pb", "en")]["questionnaire.pdf"])[0])
    assert ("1 = Not at all true 2 = Mostly not true 3 = Partly true 4 = Mostly true "
            "5 = Completely true These codes are not scored and do not count as answers: "
            "8 = Our PB cases involve no such work 9 = Don't know") in cover
    zh = flat(pages_text(pdfs[("pb", "zh-TW")]["questionnaire.pdf"])[0])
    assert "5＝完全符合下列代碼不列入計分，也不算作答題數：8＝錄案不涉及此類工作9＝不清楚" in zh


def test_letter_paper(instruments):
    inst = instruments[("smartcity", "en")]
    files = pdf.render(inst, RenderSettings(paper="letter"))
    reader = PdfReader(BytesIO(files["questionnaire.pdf"]))
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [612, 792]
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert all(id_count(text, i) == 1 for i in inst.item_ids)


def test_unknown_paper_is_a_catalogued_error(instrument):
    with pytest.raises(InstrumentError) as err:
        pdf.render(instrument, RenderSettings(paper="A5"))
    assert err.value.codes == ["PDF_001"]


# --------------------------------------------------------------------------- determinism
def test_same_input_same_bytes(instruments, rendered):
    inst = instruments[("pb", "zh-TW")]
    pdf.LAYOUTS.clear()  # a fresh layout, as in a new process
    again = pdf.render(inst, RenderSettings())
    assert again == rendered[("pb", "zh-TW")]  # the geometry files too


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("lang", LANGS)
def test_golden_text_and_fonts(pdfs, profile, lang, update_golden):
    out = []
    for name in ("questionnaire.pdf", "wave1.pdf"):
        data = pdfs[(profile, lang)][name]
        out.append(f"=== {name}: fonts")
        out += [f"{base} {subtype} embedded={embedded}"
                for base, subtype, embedded in fonts_of(data)]
        for n, text in enumerate(pages_text(data), 1):
            out.append(f"=== {name}: page {n}")
            out.append(spaced(text))
    check_golden(GOLDEN / "pdf" / f"{profile}-{lang}.txt", "\n".join(out) + "\n", update_golden)


# --------------------------------------------------------------------------- wave 2
def synthetic(inst):
    """Five respondents with known gates under the mean rule (threshold 3.5)."""
    ids = ["R001", "R002", "R003", "R004", "R005"]
    orgs = ["臺北市政府工務局", "Agency B", "", "臺北市政府資訊局", "Agency E"]
    values = np.full((5, len(inst.item_ids)), np.nan)
    s_cols = [k for k, i in enumerate(inst.items) if i.stage == inst.gate_stage]
    area_of = [inst.items[k].area for k in s_cols]
    values[0, s_cols] = 5  # passes everything
    values[1, s_cols] = 2  # passes nothing
    values[2, s_cols] = [4 if a in ("SCO", "RSK") else 3 for a in area_of]
    values[3, s_cols] = [9 if a != "STK" else 4 for a in area_of]  # only STK answered
    values[4, s_cols] = 9  # don't know everywhere: nothing
    return plan(inst, ids, orgs, values)


def test_wave2_form_holds_exactly_the_passed_areas(instruments):
    for lang in LANGS:
        inst = instruments[("pb", lang)]
        plans = synthetic(inst)
        assert [p.areas for p in plans] == [tuple(a.id for a in inst.areas), (), ("SCO", "RSK"),
                                            ("STK",), ()]
        for p in plans:
            if not p.needs_wave2:
                with pytest.raises(ValueError):
                    pdf.render_wave2(inst, p)
                continue
            pages = pages_text(pdf.render_wave2(inst, p))
            text = "\n".join(pages)
            found = {i for i in inst.item_ids if id_count(text, i)}
            assert found == set(p.item_ids)
            assert all(id_count(text, i) == 1 for i in p.item_ids)
            assert all(inst.item(i).stage != inst.gate_stage for i in found)
            for n, page in enumerate(pages, 1):
                assert p.respondent_id in page, (p.respondent_id, n)
                if p.organisation:
                    assert flat(p.organisation) in flat(page), (p.respondent_id, n)
                want = f"第{n}頁，共{len(pages)}頁" if lang == "zh-TW" else f"Page{n}of{len(pages)}"
                assert want in flat(page)
            assert fonts_of(pdf.render_wave2(inst, p))[0][2]


def test_write_wave2_streams_forms_and_a_combined_pdf(instruments, tmp_path):
    inst = instruments[("pb", "zh-TW")]
    plans = synthetic(inst)
    seen = []
    result = pdf.write_wave2(inst, plans, tmp_path / "wave2", combined=True,
                             files={"followup.csv": followup_csv(plans)}, progress=seen.append)
    names = sorted(p.name for p in (tmp_path / "wave2").iterdir())
    assert names == ["followup.csv", "wave2-R001.pdf", "wave2-R003.pdf", "wave2-R004.pdf",
                     "wave2-all.pdf", "wave2.geometry.json"]
    assert result.forms == 3 and len(seen) == 3
    singles = [PdfReader(tmp_path / "wave2" / f"wave2-{r}.pdf") for r in ("R001", "R003", "R004")]
    combined = PdfReader(tmp_path / "wave2" / "wave2-all.pdf")
    assert len(combined.pages) == sum(len(r.pages) for r in singles) == result.pages
    assert [o.title for o in combined.outline] == ["R001", "R003", "R004"]
    assert [p.extract_text() for p in combined.pages] == [
        p.extract_text() for r in singles for p in r.pages]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging")]
    assert result.combined == (tmp_path / "wave2" / "wave2-all.pdf",)


def test_combined_printing_files_come_in_batches(instruments, tmp_path):
    """Above ``batch`` forms the combined PDF is split, so no document grows without bound."""
    inst = instruments[("pb", "zh-TW")]
    plans = synthetic(inst)  # three respondents need a wave-2 form
    result = pdf.write_wave2(inst, plans, tmp_path / "wave2", combined=True, batch=2)
    assert [p.name for p in result.combined] == ["wave2-all-0001.pdf", "wave2-all-0002.pdf"]
    first, second = (PdfReader(p) for p in result.combined)
    assert [o.title for o in first.outline] == ["R001", "R003"]
    assert [o.title for o in second.outline] == ["R004"]
    assert len(first.pages) + len(second.pages) == result.pages
    assert pdf.combined_names(0) == [] and pdf.combined_names(500) == ["wave2-all.pdf"]
    assert pdf.combined_names(100_000)[-1] == "wave2-all-0200.pdf"


def test_write_wave2_failure_leaves_folder_as_it_was(instruments, tmp_path, monkeypatch):
    inst = instruments[("pb", "en")]
    target = tmp_path / "wave2"
    target.mkdir()
    (target / "followup.csv").write_text("earlier run")
    lay = pdf.layout(inst, RenderSettings())
    real = lay.pdf
    calls = []

    def failing(form):
        calls.append(form)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(form)
    monkeypatch.setattr(lay, "pdf", failing)
    with pytest.raises(RuntimeError):
        pdf.write_wave2(inst, synthetic(inst), target)
    assert [(p.name, p.read_text()) for p in target.iterdir()] == [("followup.csv", "earlier run")]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging")]


def test_respondent_text_the_font_cannot_show_is_refused(instruments):
    inst = instruments[("generic", "en")]
    plans = synthetic(inst)
    odd = plans[0].__class__("R009", "Agency \U0001F600", plans[0].areas, plans[0].item_ids)
    with pytest.raises(InstrumentError) as err:
        pdf.render_wave2(inst, odd)
    assert err.value.codes == ["PDF_002"]
    assert "R009" in str(err.value)


def test_wave2_file_names_are_safe_and_unique():
    from instrument.followup import Plan
    plans = [Plan("R/1", "", ("INT",), ("INT01_M",)), Plan("R_1", "", ("INT",), ("INT01_M",)),
             Plan("..", "", ("INT",), ("INT01_M",)), Plan("R2", "", (), ())]
    assert pdf.wave2_filenames(plans) == {"R/1": "wave2-R_1.pdf", "R_1": "wave2-R_1-2.pdf",
                                          "..": "wave2-row3.pdf"}


# --------------------------------------------------------------------------- text layout
def test_wrap_never_overflows_and_keeps_punctuation_and_words():
    font = fonts.register()
    text = ("本組織每個專案都依同一套書面程序撰寫章程（如計畫書、簽呈）。Every project in this "
            "organisation has its charter written by the same documented procedure.")
    for width in (60, 90, 150, 240):
        lines = pdf.wrap(text, font, 9.5, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for line in lines:
            assert stringWidth(line, font, 9.5) <= width + 1e-6
            assert line[0] not in "，。、）」"
            assert line[-1] not in "（「"
        words = {w.strip(".,") for line in lines for w in line.split(" ")}
        assert {"documented", "procedure", "organisation"} <= words or width < 70


def test_every_text_of_every_instrument_has_glyphs(instruments):
    for inst in instruments.values():
        pdf.Layout(inst, RenderSettings())  # raises PDF_002 on a missing glyph


def test_renderer_is_registered(instrument):
    files = render(instrument, ("pdf",))
    assert {"questionnaire.pdf", "wave1.pdf", "manifest.json", "questionnaire.geometry.json",
            "wave1.geometry.json"} == set(files)


def test_write_wave2_refuses_a_folder_holding_other_files(instruments, tmp_path, monkeypatch):
    inst = instruments[("pb", "en")]
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.docx").write_text("precious")
    with pytest.raises(InstrumentError) as err:
        pdf.write_wave2(inst, synthetic(inst), target)
    assert err.value.codes == ["BUILD_003"] and "thesis.docx" in str(err.value)
    assert (target / "thesis.docx").read_text() == "precious"
    monkeypatch.chdir(target)
    with pytest.raises(InstrumentError):
        pdf.write_wave2(inst, synthetic(inst), Path("."))
    # an earlier run's folder is replaced whole
    done = tmp_path / "done"
    pdf.write_wave2(inst, synthetic(inst)[:1], done, files={"followup.csv": b"x"})
    pdf.write_wave2(inst, synthetic(inst)[2:3], done)
    assert sorted(p.name for p in done.iterdir()) == ["wave2-R003.pdf", "wave2.geometry.json"]


def test_another_bank_two_stages_and_three_codes(tmp_path):
    """Nothing is PMBOK-specific: stages, scale columns and routing come from the bank."""
    from instrument.loader import load_bank

    data = Path(__file__).parent / "data"
    bank = load_bank(data / "mini_bank.yaml")
    profile = load_profile(data / "mini_profile.yaml", bank)
    for lang in LANGS:
        inst = compile_instrument(bank, profile, lang)
        files = pdf.render(inst)
        text = "\n".join(pages_text(files["questionnaire.pdf"]))
        assert all(id_count(text, i) == 1 for i in inst.item_ids)
        lay = pdf.layout(inst, RenderSettings())
        assert len(lay.m.box_x) == 3
        boxes = [b for page in mark_boxes(files["questionnaire.pdf"], lay.m.box) for b in page]
        assert len(boxes) == len(inst.items) * 3
        if lang == "zh-TW":
            assert "本領域第2階段題目" in flat(text) and "總和至少3" in flat(text)  # ceil(3 * 1)
        wave1 = "\n".join(pages_text(files["wave1.pdf"]))
        assert {i for i in inst.item_ids if id_count(wave1, i)} == {"INT01_S", "SCO01_S"}


def test_a_long_area_wraps_the_lookup_table(instruments):
    import dataclasses

    inst = instruments[("generic", "en")]
    one = dataclasses.replace(
        inst, items=tuple(dataclasses.replace(i, area="INT") for i in inst.items),
        practices=tuple(dataclasses.replace(p, area="INT") for p in inst.practices))
    text = spaced(" ".join(pages_text(pdf.render(one)["questionnaire.pdf"])))
    assert all(id_count(text, i) == 1 for i in one.item_ids)
    assert text.count("Statements answered") == 2  # 25 to 49 answers, 14 to a row
    assert "Fewer than 25: skip to the end of the questionnaire" in text  # ceil(0.5 * 49)
    assert "8. Project Risk Management" not in text  # areas left without practices
    assert "Statements answered 25 26 " in text
    assert "49" in text.split("Statements answered")[-1].split("Total at least")[0]
    assert " 172 " in text  # ceil(3.5 * 49)


# --------------------------------------------------------------------------- model 2.0 on paper
def smartcity_wave2(inst) -> bytes:
    """A wave-2 form for a respondent who passed every area that is asked (COS included)."""
    values = np.full((1, len(inst.item_ids)), np.nan)
    values[0, [k for k, i in enumerate(inst.items) if i.stage == inst.gate_stage]] = 5
    return pdf.render_wave2(inst, plan(inst, ["R1"], [""], values)[0])


@pytest.mark.parametrize("lang", LANGS)
def test_not_applicable_practices_are_on_no_form_but_said_once(pdfs, instruments, lang):
    """smartcity: COS03, COS04 and the whole PRO area are not asked on any paper form; each
    form that holds their area says so in one line, with the profile's reason."""
    inst = instruments[("smartcity", lang)]
    ui = paper_words(lang)
    left_out = inst.not_applicable
    assert {p.id for p in left_out} == {"COS03", "COS04", "PRO01", "PRO02", "PRO03"}
    forms = {**pdfs[("smartcity", lang)], "wave2": smartcity_wave2(inst)}
    for name, data in forms.items():
        text = "\n".join(pages_text(data))
        for p in left_out:
            for stage in inst.stages:
                assert id_count(text, f"{p.id}_{stage.id}") == 0, (name, p.id)
            assert flat(p.glossary) not in flat(text), (name, p.id)  # not in the glossary
        for p in (x for x in left_out if x.area == "COS"):  # one line each, with the reason
            line = ui["na_item"].format(code=p.code, name=p.name, reason=p.reason)
            assert flat(text).count(flat(line)) == 1, (name, p.id)
        pro = next(a for a in inst.areas if a.id == "PRO")
        pro_line = flat(f"{pro.number}. {pro.name}{ui['na_area']}{pro.reason}")
        assert flat(text).count(pro_line) == (0 if name == "wave2" else 1), name
    # the cover counts the stems asked
    cover = flat(pages_text(forms["questionnaire.pdf"])[0])
    def statements(n: int) -> str:
        return flat(i18n.text(lang).ngettext("{n} statement", "{n} statements", n).format(n=n))
    assert statements(len(inst.items)) in cover and len(inst.items) == 176
    wave1 = flat(pages_text(forms["wave1.pdf"])[0])
    assert statements(len(inst.items_at("S"))) in wave1


def test_the_not_applicable_line_sits_where_the_area_would_be(pdfs, instruments):
    inst = instruments[("smartcity", "en")]
    text = spaced(" ".join(pages_text(pdfs[("smartcity", "en")]["questionnaire.pdf"])))
    assert text.index("RSK07_I") < text.index("9. Project Procurement Management Not applicable "
                                              "here, so not asked:") < text.index("STK01_S")
    cos = text.index("4. Project Cost Management COS")
    assert cos < text.index("4.3 Determine Budget (not applicable, so not asked): Pilots are "
                            "funded by the vendors") < text.index("COS01_S")
    assert inst.practice("COS04").reason in text


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("lang", LANGS)
def test_background_block_opens_full_and_wave1_forms_but_not_wave2(pdfs, instruments, profile,
                                                                    lang):
    inst = instruments[(profile, lang)]
    lay = pdf.layout(inst, RenderSettings())
    small_office = profile == "smartcity"  # the team and the years in post could name a person
    assert [q.id for q in inst.background] == (
        ([] if small_office else ["BG_UNIT"]) + ["BG_POSITION"]
        + ([] if small_office else ["BG_YEARS"]) + ["BG_CASES", "BG_CASETYPE", "BG_TRAINING"])
    for name in ("questionnaire.pdf", "wave1.pdf"):
        text = spaced(" ".join(pages_text(pdfs[(profile, lang)][name])))
        first_item = text.index(inst.items[0].id)
        where = [text.index(q.id) for q in inst.background]
        assert where == sorted(where) and where[-1] < first_item, name  # before the items
        block = flat(text[text.index(paper_words(lang)["h_background"]):first_item])
        for q in inst.background:
            assert id_count(text, q.id) == 1 and flat(q.label) in block, (name, q.id)
            for c in q.choices:
                assert flat(f"{c.code} {c.label}") in block, (name, q.id, c.code)
            if q.kind == "number":
                assert flat(lay.background.number_hint(q)) in block, (name, q.id)
    years = next(q for q in instruments[("pb", lang)].background if q.id == "BG_YEARS")
    assert lay.background.digits(years) == 2 and lay.background.number_hint(years) == (
        "（0–50；未滿一年請填 0）" if lang == "zh-TW" else "(0\u201350; Enter 0 for less than a year)")
    wave2 = "\n".join(pages_text(pdf.render_wave2(inst, synthetic(inst)[0])))
    assert not [q.id for q in inst.background if id_count(wave2, q.id)]
    assert flat(paper_words(lang)["h_background"]) not in flat(wave2)


def test_background_kinds_draw_their_own_boxes(instruments):
    """A text question gets a writing box, a number without a maximum six digit boxes."""
    import dataclasses

    from instrument.model import BackgroundItem

    inst = instruments[("generic", "en")]
    extra = (BackgroundItem("BG_NOTE", "text", "Your unit's name", max_length=100),
             BackgroundItem("BG_STAFF", "number", "Staff in your unit", minimum=1))
    more = dataclasses.replace(inst, background=inst.background + extra)
    lay = pdf.layout(more, RenderSettings())
    data = pdf.render(more)["questionnaire.pdf"]
    text = spaced(" ".join(pages_text(data)))
    assert "BG_NOTE Your unit's name BG_STAFF Staff in your unit (1 or more)" in text
    assert lay.background.digits(extra[1]) == 6
    boxes = [b for page in mark_boxes(data, lay.m.box) for b in page]
    assert len(boxes) == len(more.items) * 7 + background_boxes(lay, more)
    width = lay.m.right - lay.m.stem_x
    ops = ContentStream(PdfReader(BytesIO(data)).pages[1].get_contents(), None).operations
    assert [a for a, op in ops if op == b"re" and abs(float(a[2]) - width) < 0.01
            and abs(float(a[3]) - 14 * pdf.MM) < 0.01]  # two lines to write on


@pytest.mark.parametrize("lang", LANGS)
def test_cover_states_the_expected_duration(pdfs, instruments, lang):
    inst = instruments[("pb", lang)]
    ui = paper_words(lang)
    low, high = inst.minutes()
    assert inst.seconds_per_stem == 15
    assert (low, high) == (14, 51)  # (49 + 6) x 15 s and (196 + 6) x 15 s, rounded up
    full = flat(pages_text(pdfs[("pb", lang)]["questionnaire.pdf"])[0])
    assert flat(ui["minutes_range"].format(low=low, high=high)) in full
    wave1 = flat(pages_text(pdfs[("pb", lang)]["wave1.pdf"])[0])
    assert flat(ui["minutes"].format(n=low)) in wave1 and flat(f"{low}–{high}") not in wave1
    p = synthetic(inst)[2]  # SCO and RSK: 6 + 7 practices, 3 stages each
    wave2 = flat(pages_text(pdf.render_wave2(inst, p))[0])
    assert flat(ui["minutes"].format(n=-(-p.n_items * 15 // 60))) in wave2 and p.n_items == 39


@pytest.mark.parametrize("lang", LANGS)
def test_every_form_gives_the_profile_instructions(pdfs, instruments, lang):
    """Frame of reference, period and 'no right or wrong answers' on every cover."""
    inst = instruments[("pb", lang)]
    covers = [pages_text(pdfs[("pb", lang)][n])[0] for n in ("questionnaire.pdf", "wave1.pdf")]
    covers.append(pages_text(pdf.render_wave2(inst, synthetic(inst)[0]))[0])
    for cover in covers:
        assert flat(inst.texts["instructions"]) in flat(cover)
        assert flat(paper_words(lang)["mark_how"]) in flat(cover)
    assert ("近兩年" if lang == "zh-TW" else "past two years") in inst.texts["instructions"]


def test_glossary_gives_the_local_note_after_the_definition(pdfs, instruments):
    for lang in LANGS:
        inst = instruments[("pb", lang)]
        pages = pages_text(pdfs[("pb", lang)]["questionnaire.pdf"])
        head = paper_words(lang)["glossary"]
        start = next(k for k, t in enumerate(pages) if flat(head) in flat(t))
        appendix = flat("".join(pages[start:]))
        noted = [p for p in inst.practices if p.note]
        assert len(noted) >= 20
        for p in noted:
            assert flat(p.glossary + p.note) in appendix, p.id


def test_glyph_check_covers_spaces_the_font_lacks(instruments):
    """Only ' ' and line breaks go undrawn; an en space (U+2002, not in AR PL UMing) or a
    tab would print as tofu, so the check refuses them like any missing character."""
    lay = pdf.layout(instruments[("pb", "zh-TW")], RenderSettings())
    lay.pen.check("1 局處\n2 區公所\u3000", "choices")
    for odd in ("\u2002", "\t"):
        with pytest.raises(InstrumentError) as err:
            lay.pen.check(f"1{odd}局處", "choices")
        assert err.value.codes == ["PDF_002"]


@pytest.mark.parametrize("profile", ["pb", "smartcity"])
@pytest.mark.parametrize("kind", ["questionnaire.pdf", "wave1.pdf"])
def test_short_form_prints_no_practice_heading_without_statements(profile, kind):
    """The short form asks M, C and I once per area: its practices have an S stem only,
    and its area-level entry no S stem. A heading is printed only where a statement
    follows it (the 2.0.0 review found 59 empty headings in each PB form)."""
    from instrument.loader import load_bank

    bank = load_bank("pmbok6_short")
    for lang in LANGS:
        inst = compile_instrument(bank, load_profile(profile, bank), lang)
        data = pdf.render(inst, RenderSettings())[kind]
        text = flat(" ".join(pages_text(data)))
        grid = text[:text.index(flat(paper_words(lang)["glossary"]))]  # before the glossary
        heads = sorted((m.start(), p) for p in inst.practices if p.applicable
                       for m in re.finditer(re.escape(flat(f"{p.code} {p.name}")), grid))
        assert heads
        empty = []
        for (start, p), (end, _) in zip(heads, heads[1:] + [(len(grid), None)]):
            if not any(i.id in grid[start:end] for i in inst.items if i.practice == p.id):
                empty.append(p.code)
        assert not empty, (lang, empty)
