"""The HTML questionnaire in headless Chromium (Playwright with Debian's chromium).

One browser per module; each test opens the built file from disk (file://) in a
fresh context, and every page is watched: any request other than the file itself
(or a blob: download the page made) and any console error fails the test.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import re
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest

from instrument import html, tables
from instrument.artifacts import RenderSettings
from instrument.compile import Options, compile_instrument
from instrument.gating import achieved, open_areas
from instrument.loader import load_profile
from instrument.model import GateRule

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (/usr/bin/chromium): run "
                    "`bash scripts/install.sh --test`, which installs it with the test extras")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: run `bash scripts/install.sh --test`")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory, bank, instruments):
    """Write questionnaire.html files to disk: {name: (path, instrument)}."""
    root = tmp_path_factory.mktemp("html")
    variants = {
        "generic-zh-TW": instruments[("generic", "zh-TW")],
        "pb-en": instruments[("pb", "en")],
        "count": compile_instrument(bank, load_profile("generic", bank), "zh-TW",
                                    Options(rule="count")),
        "yesno-mean": compile_instrument(bank, load_profile("smartcity", bank), "en",
                                         Options(scale="yesno")),
        "yesno-count": compile_instrument(bank, load_profile("pb", bank), "en",
                                          Options(scale="yesno", rule="count")),
    }
    out = {}
    for name, inst in variants.items():
        folder = root / name
        folder.mkdir()
        path = folder / "questionnaire.html"
        path.write_bytes(html.render(inst, RenderSettings())["questionnaire.html"])
        out[name] = (path, inst)
    return out


class Watched:
    """A page with its requests, console errors and dialogs recorded."""

    def __init__(self, context, url: str):
        self.context = context
        self.url = url
        self.page = context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)

    def check(self) -> None:
        base = self.url.split("?")[0]
        strays = [u for u in self.requests
                  if u.split("?")[0] != base and not u.startswith("blob:file")]
        assert strays == [], f"network requests: {strays}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def open_page(browser, built):
    opened: list[Watched] = []

    def _open(name: str = "generic-zh-TW", query: str = "", **context_options) -> Watched:
        path, _ = built[name]
        context_options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**context_options)
        watched = Watched(context, path.as_uri() + query)
        opened.append(watched)
        return watched

    yield _open
    for w in opened:
        try:
            w.check()
        finally:
            w.context.close()


# --------------------------------------------------------------------------- helpers
def answer(page, item_id: str, code: int) -> None:
    """Click a radio as a person would (Playwright scrolls to it and checks it can be hit)."""
    page.check(f'input[name="{item_id}"][value="{code}"]')


def answer_all(page, answers: dict[str, int]) -> None:
    """Many answers at once: a click event on each radio from inside the page."""
    page.evaluate("a => Object.entries(a).forEach(([id, code]) => document.querySelector("
                  "`input[name=\"${id}\"][value=\"${code}\"]`).click())", answers)


def checked(page, item_id: str):
    value = page.evaluate(
        "id => { const r = document.querySelector(`input[name=\"${id}\"]:checked`);"
        " return r ? r.value : null; }", item_id)
    return None if value is None else int(value)


def area_items(inst, area_id):
    gate = [i.id for i in inst.items_of_area(area_id) if i.stage == inst.gate_stage]
    rest = [i.id for i in inst.items_of_area(area_id) if i.stage != inst.gate_stage]
    return gate, rest


def progress(page) -> tuple[int, int]:
    numbers = [int(n) for n in re.findall(r"\d+", page.text_content("#progress-text"))]
    return numbers[0], numbers[1]


# --------------------------------------------------------------------------- the rule twin
def test_js_achieved_agrees_with_python_on_random_answers(open_page):
    """Several hundred random answer vectors, both rule kinds, random parameters."""
    w = open_page()
    rng = random.Random(20240613)
    cases = []
    for k in range(800):
        kind = "mean" if k % 2 else "count"
        n = rng.randint(0 if k % 97 == 0 else 1, 9)
        values = [rng.choice([None, None, 0, 1, 2, 3, 4, 5]) for _ in range(n)]
        if kind == "mean":
            rule = {"kind": "mean", "threshold": rng.choice([0.5, 1, 2.5, 3, 3.5, 4, 4.25, 10 / 3])}
        else:
            rule = {"kind": "count", "min_code": rng.choice([1, 3, 4, 5]),
                    "share": rng.choice([0.5, 0.25, 1 / 3, 0.6, 0.75, 1.0, 0.1])}
        cases.append((values, rule))
    js = w.page.evaluate("cases => cases.map(([v, r]) => OPM.achieved(v, r))", cases)
    py = []
    for values, rule in cases:
        row = np.array([[np.nan if v is None else v for v in values]],
                       dtype="float64").reshape(1, -1)
        py.append(bool(achieved(row, GateRule(id="t", **rule))[0]))
    assert js == py
    assert 100 < sum(py) < 700  # both outcomes well represented


@pytest.mark.parametrize("name", ["generic-zh-TW", "count", "yesno-mean", "yesno-count"])
def test_js_gate_agrees_with_python_open_areas(open_page, built, name):
    """Whole answer sets with don't-know codes and blanks: JS openAreas == gating.open_areas."""
    _, inst = built[name]
    w = open_page(name)
    rng = random.Random(name)
    codes = [*inst.scale.all_codes, None]
    gate_ids = [i.id for i in inst.items if i.stage == inst.gate_stage]
    answer_sets = []
    for k in range(300):
        bias = rng.choice(codes[:-1])  # push areas towards passing or failing
        answer_sets.append({i: rng.choice([bias, bias, *codes]) for i in gate_ids})
    js = w.page.evaluate("sets => sets.map(a => OPM.openAreas(a))",
                         [{k: v for k, v in a.items() if v is not None} for a in answer_sets])
    py = [open_areas(inst, a) for a in answer_sets]
    assert js == py
    flat = [v for d in py for v in d.values()]
    assert any(flat) and not all(flat)


def test_js_required_count_matches(open_page):
    from instrument.gating import required_count
    w = open_page()
    pairs = [(share, n) for share in (0.1, 0.25, 1 / 3, 0.5, 0.6, 0.75, 1.0) for n in range(0, 12)]
    js = w.page.evaluate("ps => ps.map(([s, n]) => OPM.requiredCount({share: s}, n))", pairs)
    assert js == [required_count(GateRule("t", "count", min_code=1, share=s), n) for s, n in pairs]


# --------------------------------------------------------------------------- gating in the page
def test_gate_shows_and_hides_higher_stages(open_page, built):
    _, inst = built["generic-zh-TW"]
    w = open_page()
    page = w.page
    area = inst.areas[0].id
    gate, rest = area_items(inst, area)
    n_gate_all = len([i for i in inst.items if i.stage == inst.gate_stage])
    tier2 = page.locator(f"#tier2-{area}")
    note = page.locator(f"#gate-{area}")

    assert not tier2.is_visible()
    assert progress(page) == (0, n_gate_all)
    assert "門檻" in note.text_content()

    # above the threshold (mean 4 >= 3.5): the area opens
    for item in gate:
        answer(page, item, 4)
    assert tier2.is_visible()
    assert page.locator(f"#fs-{rest[0]}").is_visible()
    assert note.get_attribute("data-state") == "open"
    assert progress(page) == (len(gate), n_gate_all + len(rest))

    answer(page, rest[0], 5)
    answer(page, rest[1], 9)
    assert progress(page) == (len(gate) + 2, n_gate_all + len(rest))

    # two S answers down to 1 bring the mean below 3.5: hidden, cleared, and said why
    answer(page, gate[0], 1)
    answer(page, gate[1], 1)
    now = {i: checked(page, i) for i in gate}
    assert open_areas(inst, now)[area] is False
    assert not tier2.is_visible()
    assert checked(page, rest[0]) is None and checked(page, rest[1]) is None
    assert note.is_visible()
    assert note.get_attribute("data-state") == "closed"
    assert "2 題答案已清除" in note.text_content()
    assert note.get_attribute("aria-live") == "polite"
    assert progress(page) == (len(gate), n_gate_all)
    stored = json.loads(page.evaluate("k => localStorage.getItem(k)", html.storage_key(inst)))
    assert rest[0] not in stored["answers"] and stored["answers"][gate[1]] == 1

    # don't-know is left out of the mean: 9 on one of them reopens the area
    answer(page, gate[0], 9)
    assert open_areas(inst, {i: checked(page, i) for i in gate})[area] is True
    assert tier2.is_visible()
    assert checked(page, rest[0]) is None  # cleared answers do not come back

    # other areas are untouched
    other = inst.areas[1].id
    assert not page.locator(f"#tier2-{other}").is_visible()
    assert page.locator(f"#gate-{other}").get_attribute("data-state") == "pending"


def test_gate_at_the_threshold_and_partial_answers(open_page, built):
    _, inst = built["generic-zh-TW"]
    w = open_page()
    page = w.page
    gate, _ = area_items(inst, "SCO")
    answer(page, gate[0], 3)
    answer(page, gate[1], 4)  # mean of (3, 4) is exactly 3.5
    assert page.locator("#tier2-SCO").is_visible()
    answer(page, gate[1], 3)
    assert not page.locator("#tier2-SCO").is_visible()
    # not all S stems answered yet: the message asks for the rest rather than saying skip
    assert page.locator("#gate-SCO").get_attribute("data-state") == "pending"
    for item in gate[2:]:
        answer(page, item, 3)
    assert page.locator("#gate-SCO").get_attribute("data-state") == "closed"


def test_count_rule_in_the_page(open_page, built):
    _, inst = built["count"]
    w = open_page("count")
    page = w.page
    gate, _ = area_items(inst, "INT")
    need = math.ceil(inst.rule.share * len(gate) - 1e-9)
    for item in gate:
        answer(page, item, 3)
    for item in gate[:need - 1]:
        answer(page, item, inst.rule.min_code)
    answer(page, gate[need - 1], 9)  # don't-know never counts
    assert not page.locator("#tier2-INT").is_visible()
    assert page.locator("#gate-INT").get_attribute("data-state") == "closed"
    assert f"本領域 {len(gate)} 題中需有 {need} 題" in page.text_content("#gate-INT")
    answer(page, gate[need - 1], 5)
    assert page.locator("#tier2-INT").is_visible()
    assert page.locator("#gate-INT").get_attribute("data-state") == "open"


# --------------------------------------------------------------------------- download
def _download(w, click_warning: bool):
    page = w.page
    with page.expect_download() as info:
        page.click("main [data-action=download]")
        if click_warning:
            page.locator("#download-warning").wait_for(state="visible")
            page.click("[data-action=download-anyway]")
    dl = info.value
    return dl.suggested_filename, Path(dl.path()).read_bytes()


def test_download_is_the_scorers_csv(open_page, built):
    _, inst = built["generic-zh-TW"]
    w = open_page()
    page = w.page
    page.fill("#respondent_id", "R-017")
    org = '臺北市政府, 都市發展局 "第一科"'
    page.fill("#organisation", org)
    gate, rest = area_items(inst, "INT")
    for item in gate:
        answer(page, item, 5)
    answer(page, rest[0], 4)
    answer(page, rest[-1], 9)
    sco_gate, _ = area_items(inst, "SCO")
    answer(page, sco_gate[0], 2)

    # unanswered stems: a warning lists them first, but does not block
    page.click("main [data-action=download]")
    warning = page.locator("#download-warning")
    assert warning.is_visible()
    items = page.locator("#warning-list li")
    gate_all = [i.id for i in inst.items if i.stage == inst.gate_stage]
    answered = set(gate) | {rest[0], rest[-1], sco_gate[0]}
    expected_missing = [i for a in inst.areas for i in area_items(inst, a.id)[0]
                        + (area_items(inst, a.id)[1] if a.id == "INT" else [])
                        if i not in answered]
    assert items.count() == len(expected_missing) == len(gate_all) - len(gate) - 1 + len(rest) - 2
    assert items.first.text_content().startswith(expected_missing[0])
    with page.expect_download() as info:
        page.click("[data-action=download-anyway]")
    dl = info.value
    assert dl.suggested_filename == "R-017.csv"
    data = Path(dl.path()).read_bytes()

    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == tables.header(inst)
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1]))
    assert row["respondent_id"] == "R-017"
    assert row["organisation"] == org
    assert row["instrument"] == inst.id
    assert row["wave"] == ""
    expected = {i: "" for i in inst.item_ids}
    expected.update({i: "5" for i in gate})
    expected.update({rest[0]: "4", rest[-1]: "9", sco_gate[0]: "2"})
    assert {i: row[i] for i in inst.item_ids} == expected
    assert "R-017.csv" in page.text_content("#status")


def test_download_blanks_gated_out_stems_and_sanitises_the_name(open_page, built):
    _, inst = built["pb-en"]
    w = open_page("pb-en")
    page = w.page
    page.fill("#respondent_id", "../A 01/..\\x:y")
    gate, rest = area_items(inst, "INT")
    for item in gate:
        answer(page, item, 4)
    answer(page, rest[0], 5)
    answer(page, gate[0], 1)
    answer(page, gate[1], 1)  # mean below 3.5: closes INT, clears rest[0]
    name, data = _download(w, click_warning=True)
    assert name == "A_01_.._x_y.csv"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0][rest[0]] == "" and rows[0][gate[0]] == "1"
    assert rows[0]["respondent_id"] == "../A 01/..\\x:y"


def test_download_without_warning_when_complete(open_page, built):
    _, inst = built["yesno-mean"]
    w = open_page("yesno-mean", query="?rid=%3DHYPERLINK(1)&org=A%2CB")
    page = w.page
    # "no" everywhere: every area closes
    answer_all(page, {i.id: 0 for i in inst.items if i.stage == inst.gate_stage})
    with page.expect_download() as info:
        page.click("main [data-action=download]")
    assert not page.locator("#download-warning").is_visible()
    dl = info.value
    rows = list(csv.DictReader(io.StringIO(Path(dl.path()).read_bytes().decode("utf-8-sig"),
                                           newline="")))
    # the same formula guard as every CSV build.py writes (tables.neutralise)
    assert rows[0]["respondent_id"] == tables.neutralise("=HYPERLINK(1)")
    assert rows[0]["organisation"] == "A,B"
    assert dl.suggested_filename == "HYPERLINK_1_.csv"


# --------------------------------------------------------------------------- saving
def test_reload_keeps_answers(open_page, built):
    _, inst = built["generic-zh-TW"]
    w = open_page()
    page = w.page
    page.fill("#respondent_id", "R-9")
    page.fill("#organisation", "測試局")
    gate, rest = area_items(inst, "INT")
    for item in gate:
        answer(page, item, 5)
    answer(page, rest[2], 3)
    before = progress(page)
    page.reload()
    assert page.input_value("#respondent_id") == "R-9"
    assert page.input_value("#organisation") == "測試局"
    assert [checked(page, i) for i in gate] == [5] * len(gate)
    assert checked(page, rest[2]) == 3
    assert page.locator("#tier2-INT").is_visible()
    assert progress(page) == before
    # a closed tab: a new page in the same browser profile resumes as well
    again = w.context.new_page()
    again.goto(w.url)
    assert checked(again, rest[2]) == 3
    again.close()


def test_answers_survive_a_browser_restart(browser, built, tmp_path):
    """Quit Chromium entirely and start it again on the same profile folder: answers are back."""
    path, inst = built["pb-en"]
    gate, rest = area_items(inst, "STK")
    profile_dir = tmp_path / "chromium-profile"
    for run in (1, 2):  # a persistent context is its own browser process, ended by close()
        context = browser.browser_type.launch_persistent_context(
            str(profile_dir), executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = context.new_page()
        page.goto(path.as_uri())
        if run == 1:
            page.fill("#respondent_id", "R-restart")
            for item in gate:
                answer(page, item, 4)
            answer(page, rest[0], 2)
        else:
            assert page.input_value("#respondent_id") == "R-restart"
            assert [checked(page, i) for i in gate] == [4] * len(gate)
            assert checked(page, rest[0]) == 2
        context.close()


def test_start_over_asks_first(open_page, built):
    _, inst = built["generic-zh-TW"]
    w = open_page()
    page = w.page
    gate, _ = area_items(inst, "INT")
    answer(page, gate[0], 4)
    page.fill("#respondent_id", "R-1")

    page.once("dialog", lambda d: (w.dialogs.append(d.message), d.dismiss()))
    page.click("[data-action=start-over]")
    assert len(w.dialogs) == 1 and "重新開始" in w.dialogs[0]
    assert checked(page, gate[0]) == 4

    page.once("dialog", lambda d: (w.dialogs.append(d.message), d.accept()))
    page.click("[data-action=start-over]")
    assert checked(page, gate[0]) is None
    assert page.input_value("#respondent_id") == ""
    page.reload()
    assert checked(page, gate[0]) is None


# --------------------------------------------------------------------------- CSP
def test_csp_blocks_fetches_and_injected_scripts(open_page):
    w = open_page()
    page = w.page
    result = page.evaluate("""async () => {
        const seen = [];
        document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective));
        let fetched = 'allowed';
        try { await fetch('http://127.0.0.1:9/x'); } catch (e) { fetched = 'blocked'; }
        const s = document.createElement('script');
        s.textContent = 'window.injected = true';
        document.body.appendChild(s);
        await new Promise(r => setTimeout(r, 50));
        return [fetched, window.injected === true, seen];
    }""")
    assert result[0] == "blocked" and result[1] is False
    assert "connect-src" in result[2] and "script-src-elem" in result[2]
    assert not any(u.startswith("http") for u in w.requests)
    w.errors.clear()  # the two refusals above are logged as console errors, as they should be


# --------------------------------------------------------------------------- URL prefill
def test_query_prefill_is_text_not_markup(open_page):
    rid = '<script>alert(1)</script>'
    org = '"onmouseover=alert(2) x="<img src=x onerror=alert(3)>'
    w = open_page(query=f"?rid={quote(rid)}&org={quote(org)}")
    page = w.page
    page.on("dialog", lambda d: (w.dialogs.append(d.message), d.dismiss()))
    assert page.input_value("#respondent_id") == rid
    assert page.input_value("#organisation") == org
    page.hover("#organisation")
    assert page.evaluate("document.scripts.length") == 2
    assert page.evaluate("document.images.length") == 0
    assert page.evaluate("[...document.getElementById('organisation').attributes].map(a => a.name)"
                         ) == ["type", "id", "name", "maxlength"]
    assert w.dialogs == []


def test_personal_links_keep_answers_apart(open_page, built):
    _, inst = built["generic-zh-TW"]
    gate, _ = area_items(inst, "INT")
    w = open_page(query="?rid=A1")
    answer(w.page, gate[0], 5)
    second = w.context.new_page()
    second.goto(w.url.replace("rid=A1", "rid=B2"))
    assert checked(second, gate[0]) is None
    assert second.input_value("#respondent_id") == "B2"
    second.close()


# --------------------------------------------------------------------------- without JS
def test_without_javascript_everything_shows(open_page, built):
    _, inst = built["generic-zh-TW"]
    w = open_page(java_script_enabled=False)
    page = w.page
    assert page.locator("#nojs-note").is_visible()
    assert "跳過" in page.text_content("#nojs-note")
    assert page.locator("#tier2-INT").is_visible()
    _, rest = area_items(inst, "INT")
    assert page.locator(f"#fs-{rest[0]}").is_visible()
    assert page.locator("#gate-INT").is_visible()
    assert not page.locator(".bar [data-action=download]").is_visible()
    answer(page, rest[0], 3)  # the radios still work
    assert checked(page, rest[0]) == 3


# --------------------------------------------------------------------------- accessibility
def _axe(page):
    """axe-core (shipped inside the axe-playwright-python test extra) on the whole page.

    Colour contrast is the slow rule (5 s on ~1,200 radios): it runs on the header,
    the introduction, two areas (one open, one closed) and the return section, which
    hold every kind of element the other areas repeat.
    """
    from axe_playwright_python.base import AXE_SCRIPT
    page.evaluate(AXE_SCRIPT)
    everything = page.evaluate("axe.run(document, {resultTypes: ['violations'],"
                               " rules: {'color-contrast': {enabled: false}}})")
    contrast = page.evaluate("axe.run({include: [['header'], ['.intro'], ['#area-INT'],"
                             " ['#area-SCO'], ['.return']]},"
                             " {resultTypes: ['violations'], runOnly: ['color-contrast']})")
    assert "color-contrast" in [r["id"] for r in contrast["passes"] + contrast["violations"]]
    return everything["violations"] + contrast["violations"]


@pytest.mark.parametrize("name", ["generic-zh-TW", "pb-en"])
def test_axe_finds_no_serious_violation(open_page, built, name):
    _, inst = built[name]
    w = open_page(name)
    page = w.page
    gate, _ = area_items(inst, "INT")
    for item in gate:
        answer(page, item, 5)  # one area open, the rest closed: both states are scanned
    page.locator("details.gloss summary").first.click()
    page.click("main [data-action=download]")  # the warning list too
    violations = _axe(page)
    bad = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"])
           for v in violations if v["impact"] in ("serious", "critical")]
    assert bad == [], bad


def test_keyboard_only(open_page, built):
    _, inst = built["pb-en"]
    w = open_page("pb-en")
    page = w.page
    first = inst.items[0].id
    page.focus("#organisation")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == first:
            break
    assert page.evaluate("document.activeElement.name") == first
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    assert checked(page, first) == inst.scale.all_codes[1]
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.closest('label')).outlineStyle")
    assert outline == "solid"
    # the glossary opens with the keyboard too
    page.focus("details.gloss summary")
    page.keyboard.press("Enter")
    assert page.evaluate("document.querySelector('details.gloss').open")


def test_layout_wide_and_phone(open_page, built):
    _, inst = built["generic-zh-TW"]
    first = inst.items[0].id
    for width, one_row in ((1280, True), (390, False)):
        w = open_page(viewport={"width": width, "height": 800})
        boxes = w.page.eval_on_selector_all(
            f"#fs-{first} label",
            "ls => ls.map(l => { const r = l.getBoundingClientRect();"
            " const s = l.querySelector('span');"
            " return [r.top, r.left, r.width, s.scrollWidth <= s.clientWidth + 1,"
            " getComputedStyle(s).display !== 'none'] })")
        tops = {round(b[0]) for b in boxes}
        assert (len(tops) == 1) == one_row, (width, tops)
        assert all(b[3] and b[4] for b in boxes), "a scale label is clipped or hidden"
        assert w.page.evaluate("document.documentElement.scrollWidth") <= width


def test_print_shows_what_was_answered(open_page, built):
    _, inst = built["generic-zh-TW"]
    w = open_page()
    page = w.page
    gate, _ = area_items(inst, "INT")
    answer(page, gate[0], 4)
    page.emulate_media(media="print")
    assert not page.locator(".bar").is_visible()
    assert not page.locator("main [data-action=download]").is_visible()
    labels = page.locator(f"#fs-{gate[0]} label")
    visible = [labels.nth(k).is_visible() for k in range(labels.count())]
    assert visible == [c == 4 for c in inst.scale.all_codes]
    after = page.evaluate(f"getComputedStyle(document.querySelector('#fs-{gate[1]} .opts'), "
                          "'::after').content")
    assert "未填答" in after
    assert len(page.pdf(format="A4")) > 10_000
