"""`python -m scoring scan`: marked paper forms read back from scans.

The forms here are small sheets drawn through the same marks recorder the PDF layout
uses (``scoring.scan.synthetic.sheet``): real ArUco markers and QR page codes, real
box geometry, rasterised with pypdfium2, marked with OpenCV strokes and degraded as
a scanner does. Every message of the SCAN family is asserted with its exact code and
location, and every failing run leaves --out as it was.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from instrument import marks
from instrument.tables import manifest_json
from scoring.cli import cli
from scoring.scan import synthetic

DPI = 150  # small scans keep the tests quick; the benchmark covers 200 and 300 dpi


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.fixture(scope="module")
def inst(instruments):
    return instruments[("generic", "zh-TW")]


@pytest.fixture(scope="module")
def items(inst):
    return inst.item_ids[:8]


def layout(inst, items, per_page=4):
    codes = inst.scale.all_codes
    return [[(i, codes) for i in items[k:k + per_page]] for k in range(0, len(items), per_page)]


class Form:
    """A sheet of the instrument: PDF, geometry, and its pages rendered blank."""

    def __init__(self, inst, items, respondent="", ident=None, tmp=None):
        self.inst = inst
        self.pdf, self.geometry = synthetic.sheet(ident or inst.id, layout(inst, items),
                                                  respondent=respondent)
        self.blank = synthetic.render_pages(self.pdf, DPI)
        self.pages = {p["page"]: p for p in self.geometry["pages"]}

    def box(self, page: int, item: str, code: int):
        for b in self.pages[page]["boxes"]:
            if b[4] == item and b[5] == code:
                return b[:4]
        raise KeyError((item, code))

    def page_of(self, item: str) -> int:
        return next(n for n, p in self.pages.items() if any(b[4] == item for b in p["boxes"]))

    def marked(self, marks_: dict[str, list[tuple[int, str]]], how=synthetic.CLEAN, seed=1,
               pen=0.5, grey=25) -> list[np.ndarray]:
        """The pages with ``marks_`` (item -> [(code, 'cross'|'tick'|'fill')]), scanned."""
        rng = np.random.default_rng(seed)
        images = [b.copy() for b in self.blank]
        for item, wanted in marks_.items():
            n = self.page_of(item)
            for code, kind in wanted:
                synthetic.draw_mark(images[n - 1], self.box(n, item, code), 841.89, DPI, kind,
                                    rng, pen, grey)
        return [synthetic.degrade(img, DPI, rng, how) for img in images]


@pytest.fixture(scope="module")
def form(inst, items):
    return Form(inst, items)


@pytest.fixture()
def built(tmp_path, inst, form):
    """A manifest with the sheet's geometry beside it, as build.py leaves them."""
    folder = tmp_path / "built"
    folder.mkdir()
    (folder / "manifest.json").write_bytes(manifest_json(inst))
    (folder / "questionnaire.geometry.json").write_text(json.dumps(form.geometry))
    return folder / "manifest.json"


def answers(items, codes=(1, 2, 3, 4, 5, 8, 9, 3)):
    return {i: [(c, "cross")] for i, c in zip(items, codes)}


def scan_pdf(tmp_path, images, name="scan.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(synthetic.pdf_of(images, DPI, 85))
    return path


# --------------------------------------------------------------------------- marks
def test_markers_are_opencvs_dictionary_and_found_on_a_rendered_page(form):
    import cv2

    d = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    for k in marks.MARKER_IDS:
        want = cv2.aruco.generateImageMarker(d, k, 6) < 128
        assert np.array_equal(np.array(marks.marker_bits(k)), want)
    from scoring.scan import locate
    from scoring.scan.images import Page

    found = locate.find_markers(Page("x", 1, form.blank[0]))
    assert sorted(found.corners) == [0, 1, 2, 3]


@settings(max_examples=15, deadline=None)
@given(page=st.integers(1, 36 * 36 - 1), form=st.sampled_from(sorted(marks.FORM_CODES)),
       respondent=st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12))
def test_page_codes_round_trip_through_a_drawn_qr_code(page, form, respondent):
    import zxingcpp

    code = marks.PageCode("047fe7ad0f", form, page, "K7Q2", respondent)
    matrix = np.array(marks.qr_matrix(code.text()))
    image = np.pad(np.where(matrix, 0, 255).astype(np.uint8), 4, constant_values=255)
    image = np.kron(image, np.ones((6, 6), np.uint8))
    [result] = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert marks.parse_page_code(result.text) == code


def test_a_foreign_qr_text_is_no_page_code():
    assert marks.parse_page_code("https://example.org/") is None
    assert marks.parse_page_code("") is None


def test_layout_tag_changes_with_any_box(inst, items):
    a = synthetic.sheet(inst.id, layout(inst, items))[1]
    b = synthetic.sheet(inst.id, layout(inst, items[:7]))[1]
    assert a["pages"][0]["layout"] == b["pages"][0]["layout"]
    assert a["pages"][1]["layout"] != b["pages"][1]["layout"]


# --------------------------------------------------------------------------- reading
def test_crosses_ticks_and_a_changed_answer_are_read(tmp_path, built, form, items, inst):
    marks_ = answers(items)
    marks_[items[1]] = [(2, "tick")]
    marks_[items[2]] = [(4, "cross"), (4, "fill"), (3, "cross")]  # 4 changed to 3
    del marks_[items[7]]  # left blank
    images = form.marked(marks_, synthetic.Degrade(darken=1.0, jpeg=(60, 60)))
    result = run("scan", scan_pdf(tmp_path, images), "--manifest", built,
                 "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "[SCAN_015]" in result.stderr and "[SCAN_014]" not in result.stderr
    [row] = rows_of(tmp_path / "out" / "responses.csv")
    assert list(row) == list(inst.columns)
    assert [row[i] for i in items] == ["1", "2", "3", "4", "5", "8", "9", ""]
    assert row["instrument"] == inst.id and row["wave"] == ""
    assert rows_of(tmp_path / "out" / "flags.csv") == [
        {"form": f"full:{tmp_path / 'scan.pdf'}#1", "file": str(tmp_path / "scan.pdf"),
         "page": "1", "respondent_id": "", "column": "respondent_id",
         "reason": "no respondent id printed: type the one the form belongs to", "guess": ""}]


@pytest.mark.parametrize("case, wanted, reason, guess", [
    ("two", [(2, "cross"), (4, "cross")], "two or more boxes marked", "2|4"),
    ("faint", [(3, "tick")], "a faint mark", "3"),
    ("cancelled", [(5, "cross"), (5, "fill")], "only a cancelled (filled-in) box", ""),
])
def test_what_cannot_be_decided_is_flagged_never_guessed(tmp_path, built, form, items, case,
                                                         wanted, reason, guess):
    marks_ = answers(items)
    marks_[items[0]] = wanted
    images = form.marked(marks_, pen=0.5 if case != "faint" else 0.15,
                         grey=25 if case != "faint" else 170)
    result = run("scan", scan_pdf(tmp_path, images), "--manifest", built,
                 "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    [row] = rows_of(tmp_path / "out" / "responses.csv")
    assert row[items[0]] == ""  # left blank until a person decides
    flags = [f for f in rows_of(tmp_path / "out" / "flags.csv") if f["column"] == items[0]]
    assert [f["reason"] for f in flags] == [reason]
    assert flags[0]["guess"] in guess.split("|")
    assert "item(s) need a person's judgement" in result.stderr and "[SCAN_014]" in result.stderr


def test_turned_pages_in_any_order_of_stamped_forms_are_put_together(tmp_path, inst, items):
    folder = tmp_path / "built"
    folder.mkdir()
    (folder / "manifest.json").write_bytes(manifest_json(inst))
    pages, geometry = [], None
    for rid, codes in (("R1", (1, 2, 3, 4, 5, 1, 2, 3)), ("R2", (5, 4, 3, 2, 1, 5, 4, 3))):
        f = Form(inst, items, respondent=rid)
        geometry = f.geometry
        pages += f.marked(answers(items, codes), synthetic.Degrade(flip=True, jpeg=(0, 0)))
    geometry["respondents"] = {"R1": "", "R2": ""}
    (folder / "questionnaire.geometry.json").write_text(json.dumps(geometry))
    import cv2

    pages[1] = cv2.rotate(pages[1], cv2.ROTATE_90_CLOCKWISE)
    order = [3, 0, 2, 1]
    result = run("scan", scan_pdf(tmp_path, [pages[k] for k in order]), "--manifest",
                 folder / "manifest.json", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    got = {r["respondent_id"]: [r[i] for i in items]
           for r in rows_of(tmp_path / "out" / "responses.csv")}
    assert got == {"R2": list("54321543"), "R1": list("12345123")}
    assert rows_of(tmp_path / "out" / "flags.csv") == []


@pytest.mark.parametrize("kind", ["tiff", "g4", "png", "jpeg"])
def test_tiff_g4_png_and_jpeg_scans_are_read(tmp_path, built, form, items, kind):
    import cv2

    images = form.marked(answers(items), synthetic.Degrade(darken=0, jpeg=(0, 0), noise=2))
    if kind in ("tiff", "g4"):
        paths = [tmp_path / "scan.tif"]
        paths[0].write_bytes(synthetic.tiff_of(images, DPI, g4=kind == "g4"))
    else:
        paths = []
        for k, img in enumerate(images, 1):
            paths.append(tmp_path / f"page{k}.{'png' if kind == 'png' else 'jpg'}")
            cv2.imwrite(str(paths[-1]), img)
    result = run("scan", *paths, "--manifest", built, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    [row] = rows_of(tmp_path / "out" / "responses.csv")
    assert [row[i] for i in items] == ["1", "2", "3", "4", "5", "8", "9", "3"]


def test_a_black_and_white_scan_whose_blacks_bleed_is_read(tmp_path, built, inst, items):
    """An office scanner's 'text' mode, thresholding a blurred image, thickens every black: the
    markers' white cells shrink and the detector misses them, or reads a smaller square
    inside them that still decodes. Both pages must be found and read (before the thinned
    variant and the size check, page 2 here was refused as not flat, SCAN_016, 0.7 mm)."""
    import cv2

    dpi = 200
    f = Form(inst, items)
    rng = np.random.default_rng(5)
    images = []
    for n, blank in enumerate(synthetic.render_pages(f.pdf, dpi), 1):
        img = blank.copy()
        for item in items:
            if f.page_of(item) == n:
                synthetic.draw_mark(img, f.box(n, item, 3), 841.89, dpi, "cross", rng, 0.5, 25)
        img = cv2.copyMakeBorder(img, 60, 60, 60, 60, cv2.BORDER_CONSTANT, value=255)
        turn = cv2.getRotationMatrix2D((img.shape[1] / 2, img.shape[0] / 2), 3 - 6 * (n - 1), 1)
        img = cv2.warpAffine(img, turn, img.shape[::-1], borderValue=255)
        images.append(cv2.GaussianBlur(img, (0, 0), 1.0))
    frames = []
    from PIL import Image

    for img in images:
        _, bw = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        frames.append(Image.fromarray(bw).convert("1"))
    path = tmp_path / "scan.tif"
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:], dpi=(dpi, dpi),
                   compression="group4")
    result = run("scan", path, "--manifest", built, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    [row] = rows_of(tmp_path / "out" / "responses.csv")
    assert [row[i] for i in items] == ["3"] * len(items)


def test_corrections_fill_the_flagged_cells(tmp_path, built, form, items):
    marks_ = answers(items)
    marks_[items[0]] = [(2, "cross"), (4, "cross")]
    scan = scan_pdf(tmp_path, form.marked(marks_))
    key = f"full:{scan}#1"
    fixes = tmp_path / "corrections.csv"
    fixes.write_text(f"form,column,value\n{key},{items[0]},4\n{key},respondent_id,A-17\n",
                     encoding="utf-8")
    result = run("scan", scan, "--manifest", built, "--out", tmp_path / "out",
                 "--corrections", fixes)
    assert result.exit_code == 0, result.output
    [row] = rows_of(tmp_path / "out" / "responses.csv")
    assert (row["respondent_id"], row[items[0]]) == ("A-17", "4")
    assert rows_of(tmp_path / "out" / "flags.csv") == []
    assert "2 corrections applied" in result.output


# --------------------------------------------------------------------------- messages
def failing(tmp_path, *args) -> tuple[str, int]:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    (out / "responses.csv").write_text("earlier\n")
    before = snapshot(out)
    result = run("scan", *args, "--out", out)
    assert snapshot(out) == before  # nothing written
    return result.output, result.exit_code


def test_SCAN_001_unreadable_scans(tmp_path, built):
    (tmp_path / "notes.pdf").write_text("not a pdf")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    output, code = failing(tmp_path, tmp_path / "notes.pdf", tmp_path / "broken.pdf",
                           tmp_path / "photo.png", "--manifest", built)
    assert code == 1
    assert (f"{tmp_path / 'notes.pdf'}: cannot read the scan: the file is not a PDF file (its "
            "first bytes say otherwise) [SCAN_001]") in output
    assert f"{tmp_path / 'broken.pdf'}: cannot read the scan: the PDF cannot be opened" in output
    assert (f"{tmp_path / 'photo.png'}: cannot read the scan: the image cannot be decoded, "
            "or is larger than 80,000,000 pixels [SCAN_001]") in output


def _png_claiming(width: int, height: int) -> bytes:
    """A valid greyscale PNG of width x height zero pixels, a few hundred kB compressed."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = zlib.compress(b"\0" * ((width + 1) * height), 9)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def test_SCAN_001_a_decompression_bomb_is_refused_before_it_is_decoded(tmp_path, built):
    """400 million pixels in a 400 kB file: refused without allocating them."""
    import resource

    (tmp_path / "bomb.png").write_bytes(_png_claiming(20_000, 20_000))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    output, code = failing(tmp_path, tmp_path / "bomb.png", "--manifest", built)
    assert code == 1
    assert (f"{tmp_path / 'bomb.png'}: cannot read the scan: the image claims a page larger than "
            "this reader takes (80,000,000 pixels) [SCAN_001]") in output
    (tmp_path / "big.png").write_bytes(_png_claiming(10_000, 10_000))  # under Pillow's own bound
    output, code = failing(tmp_path, tmp_path / "big.png", "--manifest", built)
    assert (f"{tmp_path / 'big.png'}: cannot read the scan: a page of 10000 x 10000 pixels is "
            "more than this reader takes (80,000,000 pixels) [SCAN_001]") in output
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mib < 200, grown_mib


def test_SCAN_002_no_geometry_beside_the_manifest(tmp_path, inst, form, items):
    (tmp_path / "manifest.json").write_bytes(manifest_json(inst))
    output, code = failing(tmp_path, scan_pdf(tmp_path, form.blank), "--manifest",
                           tmp_path / "manifest.json")
    assert code == 1
    assert (f"{tmp_path / 'manifest.json'}: no box geometry for the manifest's questionnaire "
            f"(no *.geometry.json next to {tmp_path / 'manifest.json'}) [SCAN_002]") in output


def test_SCAN_003_a_geometry_file_that_is_not_one(tmp_path, built, form):
    bad = tmp_path / "other.geometry.json"
    bad.write_text('{"format": 1}')
    output, code = failing(tmp_path, scan_pdf(tmp_path, form.blank), "--manifest", built,
                           "--geometry", bad)
    assert code == 1
    assert (f"{bad}: cannot read the box geometry: not a box geometry file ('instrument') "
            "[SCAN_003]") in output


def test_SCAN_004_and_SCAN_010_a_page_without_markers(tmp_path, built, form):
    rng = np.random.default_rng(3)
    printed = np.full_like(form.blank[0], 255)
    printed[400:900, 200:1000] = rng.integers(0, 255, (500, 800))  # a page of something else
    blank = np.full_like(form.blank[0], 250)
    output, code = failing(tmp_path, scan_pdf(tmp_path, [*form.blank, blank, printed]),
                           "--manifest", built)
    assert code == 1
    scan = tmp_path / "scan.pdf"
    assert f"{scan}:3: blank page skipped (no markers, no print) [SCAN_010]" in output
    assert f"{scan}:4: no corner markers found: 0 of the 4 found [SCAN_004]" in output


def test_SCAN_016_markers_that_do_not_fit_one_flat_sheet(tmp_path, built, form):
    """A marker moved 3 mm (the sheet folded, or a marker cut out and taped back) bends the
    page: it is refused, not read at the wrong places (a homography fits any four markers,
    so flatness is judged on an affine fit: the code before read this page)."""
    page = form.blank[0].copy()
    s = DPI / 25.4
    x0, y0 = int((210 - 11.5) * s), int(5.5 * s)  # around the top-right marker
    side = int(6 * s)
    patch = page[y0:y0 + side, x0:x0 + side].copy()
    page[y0:y0 + side, x0:x0 + side] = 255
    dy = int(3 * s)
    page[y0 + dy:y0 + dy + side, x0:x0 + side] = patch
    output, code = failing(tmp_path, scan_pdf(tmp_path, [page, form.blank[1]]),
                           "--manifest", built)
    assert code == 1
    assert (f"{tmp_path / 'scan.pdf'}:1: the 4 corner markers found do not fit one flat "
            "sheet (off by ") in output and "[SCAN_016]" in output


def test_SCAN_005_a_page_code_written_over(tmp_path, built, form):
    import cv2

    page = form.blank[0].copy()
    s = DPI / 25.4
    x, y = int(marks.QR_X / marks.MM * s), int((297 - 15 - 10) * s)
    cv2.rectangle(page, (x + 5, y + 5), (x + int(10 * s) - 5, y + int(10 * s) - 5), 0, -1)
    output, code = failing(tmp_path, scan_pdf(tmp_path, [page, form.blank[1]]),
                           "--manifest", built)
    assert code == 1
    assert (f"{tmp_path / 'scan.pdf'}:1: the page code (the small QR code in the left margin) "
            "cannot be read [SCAN_005]") in output


def test_SCAN_006_a_page_of_another_questionnaire(tmp_path, built, inst, items):
    other = Form(inst, items, ident="pmbok6-9.9.9-0123456789")
    output, code = failing(tmp_path, scan_pdf(tmp_path, other.blank), "--manifest", built)
    assert code == 1
    assert (f"{tmp_path / 'scan.pdf'}:1: a page of another questionnaire (instrument "
            f"\u2026-0123456789), not of {inst.id} [SCAN_006]") in output


def test_SCAN_007_a_page_printed_from_another_build(tmp_path, built, inst, items, form):
    other = Form(inst, items[::-1])  # same instrument, boxes elsewhere
    output, code = failing(tmp_path, scan_pdf(tmp_path, other.blank), "--manifest", built)
    assert code == 1
    layout, known = other.pages[1]["layout"], form.pages[1]["layout"]
    assert (f"{tmp_path / 'scan.pdf'}:1: page 1 of the full form was printed from another "
            f"build of instrument {inst.id} (layout {layout}; the geometry files know "
            f"{known}) [SCAN_007]") in output


def test_SCAN_008_and_SCAN_009_repeated_and_missing_pages(tmp_path, inst, items):
    folder = tmp_path / "built"
    folder.mkdir()
    (folder / "manifest.json").write_bytes(manifest_json(inst))
    f = Form(inst, items, respondent="R1")
    (folder / "questionnaire.geometry.json").write_text(json.dumps(f.geometry))
    output, code = failing(tmp_path, scan_pdf(tmp_path, [f.blank[0], f.blank[0]]),
                           "--manifest", folder / "manifest.json")
    assert code == 1
    scan = tmp_path / "scan.pdf"
    assert (f"{scan}:2: the questionnaire form of respondent 'R1' page 1 appears again at "
            f"{scan}:1 [SCAN_008]") in output
    assert (f"{scan}:1: the questionnaire form of respondent 'R1' lacks page 2 of 2 "
            "[SCAN_009]") in output


def test_SCAN_011_corrections_that_do_not_fit(tmp_path, built, form, items):
    scan = scan_pdf(tmp_path, form.marked(answers(items)))
    key = f"full:{scan}#1"
    fixes = tmp_path / "fixes.csv"
    fixes.write_text("form,column,value\n"
                     f"full:other.pdf#1,{items[0]},4\n"
                     f"{key},INT01_X,4\n"
                     f"{key},{items[1]},7\n", encoding="utf-8")
    bad_header = tmp_path / "header.csv"
    bad_header.write_text("item,value\n", encoding="utf-8")
    output, code = failing(tmp_path, scan, "--manifest", built, "--corrections", bad_header)
    assert code == 1
    assert (f"{bad_header}:1: the header is item,value, not form,column,value "
            "[SCAN_011]") in output
    output, code = failing(tmp_path, scan, "--manifest", built, "--corrections", fixes)
    assert code == 1
    assert f"{fixes}:2: form 'full:other.pdf#1' is not among the scans" in output
    assert (f"{fixes}:3: column 'INT01_X' is not part of the instrument (did you mean "
            "'INT01_S'?) [SCAN_011]") in output
    assert (f"{fixes}:4: value '7' is not a code of the scale (1, 2, 3, 4, 5, 8, 9) "
            "[SCAN_011]") in output


def test_SCAN_012_no_pages(tmp_path, built, form):
    blank = np.full_like(form.blank[0], 250)
    output, code = failing(tmp_path, scan_pdf(tmp_path, [blank]), "--manifest", built)
    assert code == 1
    assert f"{tmp_path / 'scan.pdf'}: no pages to read: every page was blank [SCAN_012]" in output


def test_SCAN_013_a_page_too_faint(tmp_path, built, form):
    import cv2

    faint = [cv2.convertScaleAbs(p, alpha=0.15, beta=215) for p in form.blank]
    output, code = failing(tmp_path, scan_pdf(tmp_path, faint), "--manifest", built)
    assert code == 1
    assert (f"{tmp_path / 'scan.pdf'}:1: the page is too faint to read (the print is barely "
            "darker than the paper) [SCAN_013]") in output


def test_SCAN_015_an_unstamped_form_asks_for_its_id(tmp_path, built, form, items):
    result = run("scan", scan_pdf(tmp_path, form.marked(answers(items))), "--manifest", built,
                 "--out", tmp_path / "out")
    assert result.exit_code == 0
    assert (f"review.html: 1 form(s) without a printed respondent id (full:{tmp_path}"
            "/scan.pdf#1) [SCAN_015]") in result.stderr
    assert (tmp_path / "out" / "warnings.txt").read_text(encoding="utf-8").count("[SCAN_015]") == 1


def test_scan_refuses_an_out_folder_of_other_files(tmp_path, built, form):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.docx").write_text("mine")
    result = run("scan", scan_pdf(tmp_path, form.blank), "--manifest", built, "--out", out)
    assert result.exit_code == 1
    assert "the folder holds files the scorer did not write (thesis.docx) [SCORE_004]" in \
        result.output
