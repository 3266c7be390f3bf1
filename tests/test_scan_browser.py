"""review.html of `python -m scoring scan` in headless Chromium (Playwright, Debian's chromium).

A scan with two crosses on one item and no printed respondent id is read; the review
page opened from disk shows both with their crops, a person types the right code and
the id there and saves; the saved file, passed back with --corrections, fills the cells.
The page makes no request but its own file and the blob it saves, and logs no error.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from scoring.scan import synthetic
from test_html_browser import ARGS, CHROMIUM, DESKTOP, PHONE, Watched
from test_scan import Form, answers, rows_of, run, scan_pdf

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).parent.parent / "build" / "screenshots"  # looked at, not compared


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (/usr/bin/chromium): run "
                    "`bash scripts/install.sh --test`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def inst(instruments):
    return instruments[("generic", "zh-TW")]


@pytest.fixture(scope="module")
def items(inst):
    return inst.item_ids[:8]


def test_a_correction_typed_in_review_html_is_saved_and_applied(browser, tmp_path, inst,
                                                                items):
    from instrument.tables import manifest_json
    import json

    form = Form(inst, items)
    built = tmp_path / "built"
    built.mkdir()
    (built / "manifest.json").write_bytes(manifest_json(inst))
    (built / "questionnaire.geometry.json").write_text(json.dumps(form.geometry))
    marks_ = answers(items)
    marks_[items[0]] = [(2, "cross"), (4, "cross")]  # two boxes: a person decides
    scan = scan_pdf(tmp_path, form.marked(marks_, synthetic.Degrade(jpeg=(70, 70))))
    out = tmp_path / "out"
    result = run("scan", scan, "--manifest", built / "manifest.json", "--out", out)
    assert result.exit_code == 0, result.output
    flagged = {f["column"] for f in rows_of(out / "flags.csv")}
    assert flagged == {items[0], "respondent_id"}

    context = browser.new_context(accept_downloads=True, viewport=DESKTOP)
    w = Watched(context, (out / "review.html").as_uri())
    page = w.page
    assert page.locator("section.entry").count() == 2
    # the page speaks the questionnaire's language, the option whole on one line
    assert page.locator("section.entry .reason").all_inner_texts() == [
        "勾選了兩個以上的方格", "表單未印受訪者編號：請填入這份表單所屬的編號"]
    assert page.locator(".intro code").inner_text() == "--corrections"
    assert all(page.locator("section.entry img").nth(k).evaluate(
        "i => i.complete && i.naturalWidth > 0") for k in range(2))
    item_input = page.locator(f"input.value[data-column='{items[0]}']")
    assert item_input.input_value() in ("2", "4")  # the guess, to be confirmed or changed
    item_input.fill("4")
    page.locator("input.value[data-column='respondent_id']").fill("R-017")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "review-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / "review-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"review.html scrolls sideways on a phone ({width} px)"
    with page.expect_download() as info:
        page.click("#save")
    download = info.value
    assert download.suggested_filename == "corrections.csv"
    saved = tmp_path / "corrections.csv"
    download.save_as(saved)
    assert page.locator("#status").inner_text() != ""
    w.check()
    context.close()
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert {(r["column"], r["value"]) for r in rows} == {(items[0], "4"),
                                                        ("respondent_id", "R-017")}

    result = run("scan", scan, "--manifest", built / "manifest.json", "--out", out,
                 "--corrections", saved)
    assert result.exit_code == 0, result.output
    [row] = rows_of(out / "responses.csv")
    assert row["respondent_id"] == "R-017"
    assert [row[i] for i in items] == ["4", "2", "3", "4", "5", "8", "9", "3"]
    assert rows_of(out / "flags.csv") == []
