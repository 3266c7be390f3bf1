"""report.html in headless Chromium (Playwright with Debian's chromium): issue 14, item 19.

The reports are those of the bundled demo (the PB and Smart City forms scored together,
so the Smart City columns hold not-applicable procurement cells), in both languages and
grouped by a background question, scored through the real command line. The demo's CSV
files are made by ``scoring/demo/make_demo.py`` from the bank of this checkout, in memory,
so the reports follow the bank. A second demo leaves one organisation's cost stems blank,
so its levels and shares are *not rated*.

Each page is watched: a request other than the file itself or a console error fails.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from scoring.cli import cli
from scoring.report_view import report_text
from test_html_browser import ARGS, CHROMIUM, DESKTOP, PHONE  # one way to launch Chromium

pytestmark = pytest.mark.browser

BLANKED_ORG = "臺北市政府社會局"  # a PB organisation of the demo
BLANKED_AREA = "COS"  # its cost stems left blank in the "blank" demo


# --------------------------------------------------------------------------- fixtures
def _demo_files() -> dict[str, bytes]:
    spec = importlib.util.spec_from_file_location("make_demo", ROOT / "scoring/demo/make_demo.py")
    make_demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_demo)
    return make_demo.make(make_demo.demo_instrument("pb"), make_demo.demo_instrument("smartcity"))


def _blank_area(data: bytes, organisation: str, area: str) -> bytes:
    """The same returns with every stem of ``area`` left blank by ``organisation``."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = rows[0]
    org = header.index("organisation")
    blank = [k for k, column in enumerate(header) if column.startswith(area)]
    for row in rows[1:]:
        if row[org] == organisation:
            for k in blank:
                row[k] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """{name: report.html}: zh-TW, en, by (--by BG_TRAINING), blank and blank-en."""
    root = tmp_path_factory.mktemp("reports")
    files = _demo_files()
    for name, data in files.items():
        (root / name).write_bytes(data)
    (root / "pb-blank.csv").write_bytes(_blank_area(files["pb.csv"], BLANKED_ORG, BLANKED_AREA))
    runs = {
        "zh-TW": ["pb.csv", "smartcity.csv", "--lang", "zh-TW"],
        "en": ["pb.csv", "smartcity.csv", "--lang", "en"],
        "by": ["pb.csv", "smartcity.csv", "--by", "BG_TRAINING"],
        "blank": ["pb-blank.csv", "smartcity.csv", "--lang", "zh-TW"],
        "blank-en": ["pb-blank.csv", "smartcity.csv", "--lang", "en"],
    }
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)  # no out/ here: the bundled questionnaires of the files' ids
        for name, args in runs.items():
            result = CliRunner().invoke(cli, ["score", *args, "--format", "html",
                                              "--out", f"out-{name}"], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            out[name] = root / f"out-{name}" / "report.html"
    return out


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (/usr/bin/chromium): run "
                    "`bash scripts/install.sh --test`, which installs it with the test extras")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def open_report(browser, reports):
    contexts = []

    def _open(name: str = "zh-TW", viewport=DESKTOP):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        url = reports[name].as_uri()
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.watched = (url, requests, errors)
        return page

    yield _open
    for context in contexts:
        for page in context.pages:
            url, requests, errors = page.watched
            assert [u for u in requests if u != url] == [], "network requests"
            assert errors == [], "console errors"
        context.close()


# --------------------------------------------------------------------------- helpers
def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(data)).pages
    return [unicodedata.normalize("NFKC", p.extract_text()) for p in pages]


def _luminance(rgb: tuple[float, ...]) -> float:
    lin = [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4
           for c in rgb[:3]]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(v) for v in re.findall(r"[\d.]+", css)[:3])


TABLES = """() => [...document.querySelectorAll('table.data')].map(t => ({
  id: t.closest('figure').id,
  title: t.closest('figure').querySelector('figcaption h2, figcaption h3').innerText,
  heads: [...t.tHead.querySelectorAll('th')].map(th => th.innerText),
  rows: [...t.tBodies].flatMap(b => [...b.rows]).map(r => [...r.cells].map(c => c.innerText)),
  overflows: t.getBoundingClientRect().width
             > t.closest('figure').getBoundingClientRect().width + 1,
}))"""


# --------------------------------------------------------------------------- 1. contrast
CELL_COLOURS = """() => [...document.querySelectorAll('td, .chip')].filter(e => e.innerText.trim())
  .map(e => { const s = getComputedStyle(e);
              return [e.className, s.color, s.backgroundColor] })"""


@pytest.mark.parametrize("media", ["screen", "print"])
def test_every_shade_and_its_text_pass_aa(open_report, media):
    """White on #2c7fb8 was 4.34:1 in 100 heat-map cells (issue 14, 19): every coloured
    cell and legend chip, on screen and on paper, reads at 4.5:1 or more, and the five
    shades stay ordered from light to dark."""
    page = open_report("blank")
    page.emulate_media(media=media)
    found = page.evaluate(CELL_COLOURS)
    shades: dict[str, set] = {}
    for cls, ink, fill in found:
        background = _rgb(fill) if "rgba(0, 0, 0, 0)" not in fill else (255, 255, 255)
        assert contrast(_rgb(ink), background) >= 4.5, (cls, ink, fill)
        for name in cls.split():
            if re.fullmatch(r"shade\d", name):
                shades.setdefault(name, set()).add(background)
    assert sorted(shades) == [f"shade{k}" for k in range(5)]
    assert all(len(v) == 1 for v in shades.values())  # one colour per shade
    light = [_luminance(next(iter(shades[f"shade{k}"]))) for k in range(5)]
    assert light == sorted(light, reverse=True) and len(set(light)) == 5


# --------------------------------------------------------------------------- 2. keyboard
FOCUSED = """() => { const e = document.activeElement;
  if (e === document.body) return null;
  if (!e.id && !e.dataset.tab)
    e.dataset.tab = `${e.tagName}-${document.querySelectorAll('[data-tab]').length}`;
  return e.id || e.dataset.tab }"""


def _tab_order(page, limit: int = 200) -> list[str]:
    """What pressing Tab from the top of the page focuses, in order (ids where there are)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = page.evaluate(FOCUSED)
        if current is None or current in seen:
            break
        seen.append(current)
    return seen


@pytest.mark.parametrize("name", ["zh-TW", "en"])
def test_wide_tables_scroll_by_keyboard_at_phone_width(open_report, name):
    """8 wide tables could not be scrolled by keyboard at 390 px (issue 14, 19): each one
    that does not fit sits in a named region reached by Tab, shows its focus, and the
    arrow keys scroll it to its last column."""
    page = open_report(name, PHONE)
    wide = [t for t in page.evaluate(TABLES) if t["overflows"]]
    assert len(wide) >= 8
    order = _tab_order(page)
    for t in wide:
        box = page.locator(f"#{t['id']} table.data").locator("xpath=..")
        region = page.get_by_role("region", name=t["title"], exact=True)
        assert region.count() == 1, t["title"]
        assert region.evaluate("(r, b) => r === b", box.element_handle()), t["id"]
        assert box.evaluate("b => getComputedStyle(b).overflowX") in ("auto", "scroll")
        box_id = box.get_attribute("id")
        assert box_id in order, f"{t['id']}: its scroll box is not reached by Tab"
        # Tab from the stop before it, then look at the focus and scroll with the arrow keys
        before = order[order.index(box_id) - 1]
        page.evaluate("key => (document.getElementById(key) ||"
                      " document.querySelector(`[data-tab='${key}']`)).focus()", before)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == box_id
        style = box.evaluate("b => { const s = getComputedStyle(b); return"
                             " [s.outlineStyle, parseFloat(s.outlineWidth), s.outlineColor] }")
        assert style[0] != "none" and style[1] >= 2, (t["id"], style)
        assert contrast(_rgb(style[2]), (255, 255, 255)) >= 3, style  # WCAG 1.4.11
        end = box.evaluate("b => b.scrollWidth - b.clientWidth")
        assert end > 0
        for _ in range(60):
            page.keyboard.press("ArrowRight")
            if box.evaluate("b => b.scrollLeft") >= end - 1:
                break
        page.wait_for_function("([b, end]) => b.scrollLeft >= end - 1",
                               arg=[box.element_handle(), end], timeout=2000)


# --------------------------------------------------------------------------- 3. print
def _ink_near_right_edge(pdf: bytes, tmp_path: Path, strip_mm: float = 4) -> list[int]:
    """Pages (1-based) with anything drawn within ``strip_mm`` of the paper's right edge."""
    from PIL import Image

    (tmp_path / "r.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-gray", "-png", str(tmp_path / "r.pdf"),
                    str(tmp_path / "p")], check=True)
    pages = []
    for k, png in enumerate(sorted(tmp_path.glob("p-*.png")), start=1):
        image = Image.open(png).convert("L")
        strip = round(strip_mm / 25.4 * 50)
        right = image.crop((image.width - strip, 0, image.width, image.height))
        if right.getextrema()[0] < 230:
            pages.append(k)
    return pages


@pytest.mark.parametrize("name, paper", [("zh-TW", "A4"), ("en", "A4"), ("en", "Letter"),
                                         ("by", "A4")])
def test_print_keeps_every_column(open_report, tmp_path, name, paper):
    """Printing cut 6 wide tables at the right edge (issue 14, 19): on paper every table
    has every column head and every row whole, to its last column, and nothing reaches the
    paper's right edge."""
    page = open_report(name)
    page.emulate_media(media="print")
    tables = page.evaluate(TABLES)
    pdf = page.pdf(format=paper)
    text = _squash("".join(_pdf_pages(pdf)))
    missing = []
    for t in tables:
        missing += [(t["id"], "head", h) for h in t["heads"] if _squash(h) not in text]
        missing += [(t["id"], "row", r[0]) for r in t["rows"]
                    if _squash("".join(r)) not in text]
    assert missing == []
    assert _ink_near_right_edge(pdf, tmp_path) == []


# --------------------------------------------------------------------------- 4. contents
TOC_BOXES = """() => {
  const measure = document.createElement('canvas').getContext('2d');
  const box = r => [r.left, r.top, r.right, r.bottom];
  return [...document.querySelectorAll('nav.toc li')].map((li, i) => {
    const s = getComputedStyle(li);
    const range = document.createRange();
    range.selectNodeContents(li);
    const text = [...range.getClientRects()].filter(r => r.width > 0).map(box);
    const first = li.getClientRects()[0];
    let marker = null;
    if (s.display === 'list-item' && s.listStyleType !== 'none'
        && s.listStylePosition === 'outside') {
      measure.font = s.font;
      const w = measure.measureText(`${i + 1}. `).width;
      marker = [first.left - w, first.top, first.left, first.top + parseFloat(s.lineHeight)];
    }
    return {fragments: li.getClientRects().length, text, marker, label: li.innerText};
  });
}"""


def _overlap(a, b, slack: float = 0.5) -> bool:
    """Do boxes (left, top, right, bottom) a and b share more than ``slack`` px each way?"""
    return (a[0] < b[2] - slack and b[0] < a[2] - slack
            and a[1] < b[3] - slack and b[1] < a[3] - slack)


@pytest.mark.parametrize("name", ["zh-TW", "en"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_contents_do_not_overlap(open_report, name, viewport):
    """At 390 px the number of entry 10 was drawn over entry 5's text, and an entry was
    split between the two columns (issue 14, 19)."""
    page = open_report(name, viewport)
    items = page.evaluate(TOC_BOXES)
    assert len(items) >= 10
    assert [i["label"] for i in items if i["fragments"] != 1] == []  # one column each
    clashes = []
    for i, a in enumerate(items):
        own = a["text"] + ([a["marker"]] if a["marker"] else [])
        for j, b in enumerate(items):
            if i != j and any(_overlap(x, y) for x in own for y in b["text"]):
                clashes.append((a["label"], b["label"]))
        assert all(0 <= r[0] and r[2] <= viewport["width"] for r in own), a["label"]
    assert clashes == []


# --------------------------------------------------------------------------- 5. axe
def _axe(page) -> tuple[list, list]:
    """axe-core's violations, and what it could not decide other than the contrast of
    cells a scroll box hides (the same cells it judges once they are in view)."""
    from axe_playwright_python.base import AXE_SCRIPT

    page.evaluate(AXE_SCRIPT)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations', 'incomplete']})")
    assert {"color-contrast", "region", "th-has-data-cells"} <= {r["id"] for r in result["passes"]}
    hidden = page.evaluate("""targets => targets.map(t => { const e = document.querySelector(t);
        const box = e && e.closest('.scroll');
        if (!box) return false;
        const a = e.getBoundingClientRect(), b = box.getBoundingClientRect();
        return a.left < b.left - 0.5 || a.right > b.right + 0.5 })""",
                           [n["target"][0] for r in result["incomplete"] for n in r["nodes"]])
    nodes = [(r["id"], n["target"]) for r in result["incomplete"] for n in r["nodes"]]
    undecided = [n for n, h in zip(nodes, hidden) if not (n[0] == "color-contrast" and h)]
    violations = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"])
                  for v in result["violations"]]
    return violations, undecided


@pytest.mark.parametrize("name", ["zh-TW", "en", "by", "blank"])
def test_axe_finds_no_violation(open_report, name):
    found = {}
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = open_report(name, viewport)
        found[label] = _axe(page)
    assert found == {k: ([], []) for k in found}


# --------------------------------------------------------------------------- 6. statuses
WITH_STATUS = """words => [
    ...[...document.querySelectorAll('table.data')].map(t => t.closest('figure')),
    ...[...document.querySelectorAll('table.bars')].map(t => t.closest('section'))]
  .filter((box, i, all) => all.indexOf(box) === i)
  .filter(box => [...box.querySelectorAll('td')].some(td => words.includes(td.innerText.trim())))
  .map(box => [box.id,
               [...box.querySelectorAll('.status-legend')].map(p => p.innerText).join(' ')])"""

CELL = """([table, row, column]) => {
  const t = document.querySelector(`#${table} table`);
  const heads = [...t.tHead.rows[t.tHead.rows.length - 1].cells].map(c => c.innerText);
  const j = heads.findIndex(h => h.includes(column));
  const r = [...t.tBodies].flatMap(b => [...b.rows]).find(r => r.cells[0].innerText.includes(row));
  const s = getComputedStyle(r.cells[j]);
  return [r.cells[j].innerText, r.cells[j].className, s.backgroundColor, s.fontStyle];
}"""


@pytest.mark.parametrize("name, language", [("blank", "zh-TW"), ("blank-en", "en")])
def test_not_rated_and_not_applicable_read_in_words(open_report, instruments, name, language):
    """A level or share that is not rated or not applicable is a word, set apart from the
    numbers (not by colour alone), explained by a legend line under each table that has
    one, on screen and on paper; the legend of levels lists the levels only."""
    t = report_text(language)
    areas = {a.id: a.name for a in instruments[("generic", language)].areas}
    page = open_report(name)
    # white, not a shade (and in italics where the script has them)
    plain = ["rgb(255, 255, 255)", "normal" if language == "zh-TW" else "italic"]
    text, cls, *style = page.evaluate(CELL, ["overview", areas[BLANKED_AREA], BLANKED_ORG])
    assert text == t["not_rated"] and "shade" not in cls and style == plain
    text, cls, *style = page.evaluate(CELL, ["overview", areas["PRO"], "智慧交通"])
    assert text == t["not_applicable"] and "shade" not in cls and style == plain
    # the heat map: a share nobody could be rated on is not rated, in words
    heat = page.evaluate(TABLES)
    heat_text = " ".join(" ".join(r) for tb in heat if tb["id"].startswith("heatmap")
                         for r in tb["rows"])
    assert t["not_rated"] in heat_text and t["not_applicable"] in heat_text
    # a legend line under every table with such a cell, and in each section of charts
    with_status = page.evaluate(WITH_STATUS, [t["not_rated"], t["not_applicable"]])
    assert len(with_status) >= 5  # overview, heat maps, process groups, both chart sections
    note = _squash(t["status_note"])
    assert [box for box, legend in with_status if note not in _squash(legend)] == []
    # the bar charts say it too, instead of a bare dash beside a level-0 mark
    bars = page.evaluate("() => [...document.querySelectorAll('#comparison .value')]"
                         ".map(v => v.innerText)")
    assert t["not_applicable"] in bars and "—" not in bars
    # the legend of levels: one chip per level 0..k, and the note on its own line
    chips = page.evaluate("() => [...document.querySelectorAll('.level-legend .chip')]"
                          ".map(c => c.innerText)")
    k = len(page.evaluate("() => [...document.querySelectorAll('.stages dt')]"))
    assert [c.split(" ")[0].split("=")[0].strip() for c in chips] == [str(i) for i in range(k + 1)]
    # on paper
    page.emulate_media(media="print")
    pages = _pdf_pages(page.pdf(format="A4"))
    text = _squash("".join(pages))
    assert text.count(_squash(t["status_note"])) >= len(with_status)
