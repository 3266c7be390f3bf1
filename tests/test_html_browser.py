"""The HTML questionnaire in headless Chromium (Playwright with Debian's chromium).

One browser per module; each test opens the built file from disk (file://) in a
fresh context, and every page is watched: any request other than the file itself
(or a blob: download the page made) and any console error fails the test.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest

from conftest import page_words
from instrument import html, tables
from instrument.artifacts import RenderSettings
from instrument.compile import Options, compile_instrument
from instrument.gating import gate_matrix, judge, open_areas, required_answers, required_count
from instrument.loader import load_profile
from instrument.model import GateRule

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


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
    variants = {f"{p}-{lang}": instruments[(p, lang)]
                for p in ("generic", "pb", "smartcity") for lang in ("zh-TW", "en")}
    variants.update({
        "count": compile_instrument(bank, load_profile("generic", bank), "zh-TW",
                                    Options(rule="count")),
        "yesno-mean": compile_instrument(bank, load_profile("smartcity", bank), "en",
                                         Options(scale="yesno")),
        "yesno-count": compile_instrument(bank, load_profile("pb", bank), "en",
                                          Options(scale="yesno", rule="count")),
    })
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

    def __init__(self, context, url: str, page=None):
        self.context = context
        self.url = url
        self.page = page or context.new_page()
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

    def _open(name: str = "generic-zh-TW", query: str = "", init_script: str | None = None,
              **context_options) -> Watched:
        path, _ = built[name]
        context_options.setdefault("viewport", DESKTOP)
        context = browser.new_context(**context_options)
        if init_script:
            context.add_init_script(init_script)
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
    """Many answers at once, in order: a click on each radio from inside the page."""
    page.evaluate("a => a.forEach(([id, code]) => document.querySelector("
                  "`input[name=\"${id}\"][value=\"${code}\"]`).click())",
                  [[k, v] for k, v in answers.items() if v is not None])


def checked(page, item_id: str):
    value = page.evaluate(
        "id => { const r = document.querySelector(`input[name=\"${id}\"]:checked`);"
        " return r ? r.value : null; }", item_id)
    return None if value is None else int(value)


def area_items(inst, area_id):
    gate = [i.id for i in inst.items_of_area(area_id) if i.stage == inst.gate_stage]
    rest = [i.id for i in inst.items_of_area(area_id) if i.stage != inst.gate_stage]
    return gate, rest


def wait_checked(page, item_id: str, code: int | None) -> None:
    """Wait until the stem shows this code (None: nothing marked). The predicate is a
    function, not a string: the page's CSP forbids eval, which a string would need."""
    page.wait_for_function(
        "([id, code]) => { const r = document.querySelector(`input[name=\"${id}\"]:checked`);"
        " return code === null ? !r : !!r && r.value === String(code); }", arg=[item_id, code],
        timeout=5000)


def progress(page) -> tuple[int, int]:
    numbers = [int(n) for n in re.findall(r"\d+", page.text_content("#progress-text"))]
    return numbers[0], numbers[1]


STATES = ("() => Object.fromEntries([...document.querySelectorAll('section[data-area]')]"
          ".map(s => [s.dataset.area, s.dataset.state]))")


def states(page) -> dict[str, str]:
    """{area id: 'pending' | 'open' | 'closed'} as the page shows it."""
    return page.evaluate(STATES)


def stored(page, inst, suffix: str = "") -> dict:
    return json.loads(page.evaluate("k => localStorage.getItem(k)",
                                    html.storage_key(inst) + suffix))


def stored_values(page, inst) -> dict:
    return {k: c["v"] for k, c in stored(page, inst)["cells"].items()}


def read_csv(data: bytes) -> dict[str, str]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 2
    return dict(zip(rows[0], rows[1]))


def download(w, selector: str = "main [data-action=download]") -> tuple[str, bytes]:
    """Press a download button; through the warning if one appears."""
    page = w.page
    with page.expect_download() as info:
        page.click(selector)
        if page.locator("#download-warning").is_visible():
            page.click("[data-action=download-anyway]")
    dl = info.value
    return dl.suggested_filename, Path(dl.path()).read_bytes()


def expected_gates(inst, answers: dict[str, int | None]) -> dict[str, bool]:
    row = np.array([[np.nan if answers.get(i) is None else answers[i] for i in inst.item_ids]])
    return {a.id: bool(v) for a, v in zip(inst.areas, gate_matrix(inst, row)[0])}


def ui(inst) -> dict[str, str]:
    return page_words(inst.language)


# --------------------------------------------------------------------------- the rule twin
def test_js_judge_agrees_with_python_on_random_answers(open_page):
    """Several hundred random answer vectors, both rule kinds, random parameters and
    minimums of answers: (achieved, rated) equal in both languages."""
    w = open_page()
    rng = random.Random(20240613)
    cases = []
    for k in range(1000):
        kind = "mean" if k % 2 else "count"
        n = rng.randint(0 if k % 97 == 0 else 1, 9)
        values = [rng.choice([None, None, 0, 1, 2, 3, 4, 5]) for _ in range(n)]
        minimum = rng.choice([None, 0.5, 0.5, 1 / 3, 0.75, 1.0])
        if kind == "mean":
            rule = {"kind": "mean", "threshold": rng.choice([0.5, 1, 2.5, 3, 3.5, 4, 4.25, 10 / 3])}
        else:
            rule = {"kind": "count", "min_code": rng.choice([1, 3, 4, 5]),
                    "share": rng.choice([0.5, 0.25, 1 / 3, 0.6, 0.75, 1.0, 0.1])}
        if minimum is not None:
            rule["min_answered"] = minimum
        cases.append((values, rule))
    js = w.page.evaluate("cases => cases.map(([v, r]) => { const j = OPM.judge(v, r);"
                         " return [j.achieved, j.rated]; })", cases)
    py = []
    for values, rule in cases:
        row = np.array([[np.nan if v is None else v for v in values]],
                       dtype="float64").reshape(1, -1)
        done, rated = judge(row, GateRule(id="t", **rule))
        py.append([bool(done[0]), bool(rated[0])])
    assert js == py
    achieved = [a for a, _ in py]
    assert 100 < sum(achieved) < 800  # both outcomes well represented
    assert any(r and not a for a, r in py) and any(not r for _, r in py)


@pytest.mark.parametrize("name", ["generic-zh-TW", "count", "yesno-mean", "yesno-count",
                                  "smartcity-en"])
def test_js_gate_agrees_with_python_open_areas(open_page, built, name):
    """Whole answer sets with 8/9 codes and blanks: JS openAreas == gating.open_areas."""
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
    py = [{k: v for k, v in open_areas(inst, a).items()
           if k in {x.id for x in inst.asked_areas}} for a in answer_sets]
    assert js == py
    flat = [v for d in py for v in d.values()]
    assert any(flat) and not all(flat)


def test_js_required_count_and_answers_match(open_page):
    w = open_page()
    pairs = [(share, n) for share in (0.1, 0.25, 1 / 3, 0.5, 0.6, 0.75, 1.0) for n in range(0, 12)]
    js = w.page.evaluate("ps => ps.map(([s, n]) => [OPM.requiredCount({share: s}, n),"
                         " OPM.requiredAnswers({min_answered: s}, n),"
                         " OPM.requiredAnswers({}, n)])", pairs)
    assert js == [[required_count(GateRule("t", "count", min_code=1, share=s), n),
                   required_answers(GateRule("t", "mean", threshold=1, min_answered=s), n),
                   required_answers(GateRule("t", "mean", threshold=1), n)] for s, n in pairs]


# --------------------------------------------------------------------------- gating in the page
def test_gate_waits_until_every_gate_stem_has_an_answer(open_page, built):
    """One answer of 4 used to open an area, and the next low one shut it (issue 14, 17)."""
    _, inst = built["generic-zh-TW"]
    w = open_page()
    page = w.page
    gate, rest = area_items(inst, "INT")
    n_bg = len(inst.background)
    n_gate_all = len(inst.items_at(inst.gate_stage))
    tier2 = page.locator("#tier2-INT")
    note = page.locator("#gate-INT")
    assert not tier2.is_visible()
    answer(page, gate[0], 4)  # mean 4 on one answer: still undecided
    assert not tier2.is_visible()
    assert states(page)["INT"] == "pending"
    assert progress(page) == (1, n_bg + n_gate_all)
    pending = ui(inst)["gate_pending"].format(gate="「標準化」")
    assert note.text_content() == pending
    for item in gate[1:-1]:
        answer(page, item, 4)
    assert states(page)["INT"] == "pending"
    answer(page, gate[-1], 1)  # the last gate stem: decided, by gating.judge
    now = {i: checked(page, i) for i in gate}
    assert open_areas(inst, now)["INT"] is True
    assert states(page)["INT"] == "open" and tier2.is_visible()
    assert note.text_content() == ui(inst)["gate_open"].format(n=len(rest))
    assert progress(page) == (len(gate), n_bg + n_gate_all + len(rest))
    # once decided, a change decides again at once
    answer(page, gate[0], 1)
    answer(page, gate[1], 1)
    assert open_areas(inst, {i: checked(page, i) for i in gate})["INT"] is False
    assert states(page)["INT"] == "closed" and not tier2.is_visible()
    assert note.text_content() == ui(inst)["gate_closed"]
    # other areas are untouched
    assert states(page)["SCO"] == "pending"


def test_gate_needs_the_minimum_of_substantive_answers(open_page, built):
    """All gate stems answered, but most with 8 or 9: not rated, so closed (old: mean of 5)."""
    _, inst = built["pb-en"]
    w = open_page("pb-en")
    page = w.page
    gate, _ = area_items(inst, "SCO")
    need = required_answers(inst.rule, len(gate))
    codes = [5] * (need - 1) + [9, 8] * len(gate)
    answer_all(page, dict(zip(gate, codes)))
    assert not page.locator("#tier2-SCO").is_visible()
    assert states(page)["SCO"] == "closed"
    # one more substantive answer makes it rated, and a mean of 5 opens it
    answer(page, gate[need - 1], 5)
    assert states(page)["SCO"] == "open"


def test_gate_is_decided_when_the_respondent_moves_on(open_page, built):
    _, inst = built["generic-en"]
    w = open_page("generic-en")
    page = w.page
    gate, _ = area_items(inst, "INT")
    need = required_answers(inst.rule, len(gate))
    answer_all(page, {i: 5 for i in gate[:need]})  # rated, not every stem answered
    assert states(page)["INT"] == "pending"
    sco, _ = area_items(inst, "SCO")
    answer(page, sco[0], 2)  # on to the next area: INT is decided as the scorer would
    assert states(page)["INT"] == "open" and states(page)["SCO"] == "pending"

    w2 = open_page("generic-en")
    answer_all(w2.page, {i: 5 for i in gate[:need - 1]})  # too few to be rated
    answer(w2.page, sco[0], 2)
    assert states(w2.page)["INT"] == "closed"


def test_asking_to_download_decides_every_area(open_page, built):
    _, inst = built["generic-en"]
    w = open_page("generic-en")
    page = w.page
    gate, rest = area_items(inst, "STK")  # the last area: nothing later to move on to
    need = required_answers(inst.rule, len(gate))
    answer_all(page, {i: 4 for i in gate[:need]})
    assert states(page)["STK"] == "pending"
    page.click("main [data-action=download]")
    assert states(page) == {a.id: "open" if a.id == "STK" else "closed"
                            for a in inst.asked_areas}
    # the newly asked stems are in the list of what is not answered yet
    listed = page.locator("#warning-list li").all_text_contents()
    assert any(t.startswith(rest[0]) for t in listed)
    page.reload()
    assert states(page)["STK"] == "open"  # remembered


@pytest.mark.parametrize("name", ["generic-zh-TW", "count", "yesno-mean", "yesno-count"])
def test_page_gate_and_download_equal_gate_matrix_on_random_answers(open_page, built, name):
    """Random answer sets through the page's own radios (8/9 codes and blanks, answers
    in stems behind the gate too): after asking to download, every area's state is
    gating.gate_matrix's, and the CSV holds the gate stems and only the open areas'
    other stems."""
    _, inst = built[name]
    w = open_page(name)
    page = w.page
    rng = random.Random("matrix-" + name)
    codes = list(inst.scale.all_codes)
    seen = set()
    for _ in range(10):
        page.evaluate("localStorage.clear()")
        page.reload()
        given: dict[str, int | None] = {}
        for area in inst.asked_areas:
            gate, rest = area_items(inst, area.id)
            bias = rng.choice(codes)
            given.update({i: rng.choice([bias, bias, bias, None, *codes]) for i in gate})
            given.update({i: rng.choice([None, *codes]) for i in rest})
        gate_ids = {i.id for i in inst.items_at(inst.gate_stage)}
        answer_all(page, {k: v for k, v in given.items() if k in gate_ids})
        answer_all(page, {k: v for k, v in given.items() if k not in gate_ids})
        _, data = download(w)
        want = expected_gates(inst, given)
        assert states(page) == {a.id: "open" if want[a.id] else "closed"
                                for a in inst.asked_areas}
        row = read_csv(data)
        for item in inst.items:
            v = given.get(item.id)
            shown = v is not None and (item.stage == inst.gate_stage or want[item.area])
            assert row[item.id] == (str(v) if shown else ""), item.id
        seen.update(want.values())
    assert seen == {True, False}


@pytest.mark.parametrize("name", ["pb-zh-TW", "count"])
def test_gate_never_flickers_while_answering_in_order(open_page, built, name):
    """Gate stems answered in order, then the stems each area opens: every area stays
    pending until its last gate stem, is then decided once as gating.judge decides; the
    progress total never goes down; one message is announced per decision."""
    _, inst = built[name]
    w = open_page(name)
    rng = random.Random("order-" + name)
    codes = list(inst.scale.all_codes)
    order, last_gate, given = [], {}, {}
    for area in inst.asked_areas:
        gate, rest = area_items(inst, area.id)
        bias = rng.choice(codes)
        values = {i: rng.choice([bias, bias, *codes]) for i in gate}
        given.update(values)
        order += list(values.items())
        last_gate[area.id] = len(order) - 1
        if expected_gates(inst, given)[area.id]:
            order += [(i, rng.choice(codes)) for i in rest]
    log = w.page.evaluate("""order => {
        const note = document.getElementById('announce');
        const watch = new MutationObserver(() => {});
        watch.observe(note, {childList: true, characterData: true, subtree: true});
        const states = () => Object.fromEntries([...document.querySelectorAll('section[data-area]')]
            .map(s => [s.dataset.area, s.dataset.state]));
        return order.map(([id, code]) => {
            document.querySelector(`input[name="${id}"][value="${code}"]`).click();
            const said = watch.takeRecords().length ? note.textContent : null;
            return [states(), document.getElementById('progress-text').textContent, said];
        });
    }""", [list(x) for x in order])
    want = expected_gates(inst, given)
    for area in inst.asked_areas:
        seq = [step[0][area.id] for step in log]
        k = last_gate[area.id]
        assert set(seq[:k]) <= {"pending"}, area.id
        assert set(seq[k:]) == {"open" if want[area.id] else "closed"}, area.id
    totals = [int(re.findall(r"\d+", text)[1]) for _, text, _ in log]
    assert totals == sorted(totals)
    said = [(k, text) for k, (_, _, text) in enumerate(log) if text is not None]
    assert [k for k, _ in said] == [last_gate[a.id] for a in inst.asked_areas]
    for (_, text), area in zip(said, inst.asked_areas):
        assert text.startswith(area.name)
    assert {True, False} <= set(want.values())


def test_a_change_after_the_decision_says_one_thing(open_page, built):
    _, inst = built["pb-en"]
    w = open_page("pb-en")
    page = w.page
    gate, rest = area_items(inst, "INT")
    page.evaluate("""() => { window.said = [];
        new MutationObserver(() => said.push(document.getElementById('announce').textContent))
          .observe(document.getElementById('announce'), {childList: true, characterData: true,
                                                          subtree: true}); }""")
    answer_all(page, {i: 5 for i in gate})
    answer(page, gate[0], 4)  # still open: nothing to say
    answer(page, gate[1], 1)
    answer(page, gate[2], 1)
    answer(page, gate[3], 1)  # mean now below the threshold: closes
    page.wait_for_timeout(50)
    said = page.evaluate("said")
    name = inst.areas[0].name
    assert said == [f"{name}: " + ui(inst)["gate_open"].format(n=len(rest)),
                    f"{name}: " + ui(inst)["gate_closed"]]


def test_arrow_keys_on_a_gate_stem_keep_the_answers_behind_it(open_page, built):
    """One stray arrow key closed the gate and cleared the later answers (issue 14, 14)."""
    _, inst = built["generic-zh-TW"]
    w = open_page()
    page = w.page
    gate, rest = area_items(inst, "INT")
    # a mean just above 3.5: one step down on a 4 takes it below
    codes = [4, 4, 4, 3, 3, 3, 4][:len(gate)]
    assert sum(codes) / len(codes) >= 3.5 > (sum(codes) - 1) / len(codes)
    answer_all(page, dict(zip(gate, codes)))
    answer_all(page, {i: 5 for i in rest})
    full = progress(page)
    assert full[0] == len(gate) + len(rest)

    page.focus(f'input[name="{gate[0]}"][value="4"]')
    page.keyboard.press("ArrowLeft")
    assert checked(page, gate[0]) == 3
    assert not page.locator("#tier2-INT").is_visible()
    assert [checked(page, i) for i in rest] == [5] * len(rest)  # kept, hidden
    assert states(page)["INT"] == "closed"
    assert all(stored_values(page, inst)[i] == 5 for i in rest)
    kept = ui(inst)["gate_kept"].format(k=len(rest))
    assert kept in page.text_content("#gate-INT")
    assert progress(page) == (len(gate), full[1] - len(rest))
    _, data = download(w)
    row = read_csv(data)
    assert [row[i] for i in rest] == [""] * len(rest)  # not exported while closed
    page.reload()
    assert [checked(page, i) for i in rest] == [5] * len(rest)  # and saved

    page.focus(f'input[name="{gate[0]}"][value="3"]')
    page.keyboard.press("ArrowRight")
    assert states(page)["INT"] == "open"
    assert page.locator(f"#fs-{rest[0]}").is_visible()
    assert [checked(page, i) for i in rest] == [5] * len(rest)
    assert progress(page) == full
    _, data = download(w)
    assert [read_csv(data)[i] for i in rest] == ["5"] * len(rest)


# --------------------------------------------------------------------------- background
@pytest.mark.parametrize("name", ["pb-zh-TW", "smartcity-en"])
def test_background_answers_round_trip_to_the_csv(open_page, built, name):
    _, inst = built[name]
    w = open_page(name)
    page = w.page
    page.fill("#respondent_id", "R-bg")
    by_kind = {q.id: q for q in inst.background}
    given = {}
    for q in inst.background:
        if q.kind == "single":
            code = q.choices[-1].code
            answer(page, q.id, code)
            given[q.id] = str(code)
        elif q.kind == "number":
            value = f"{(q.minimum or 0) + 3:g}"
            page.fill(f"#bg-{q.id}", value)
            given[q.id] = value
        else:
            page.fill(f"#bg-{q.id}", "=SUM(A1)\u200b")
            given[q.id] = tables.neutralise("=SUM(A1)")
    gate, _ = area_items(inst, "INT")
    answer(page, gate[0], 4)
    assert progress(page)[0] == len(inst.background) + 1
    page.reload()
    for q in inst.background:
        if q.kind == "single":
            assert checked(page, q.id) == int(given[q.id])
        else:
            assert page.input_value(f"#bg-{q.id}") in (given[q.id], "=SUM(A1)\u200b")
    _, data = download(w)
    text = data.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header == list(inst.columns)  # the scorer's header, background before the items
    row = read_csv(data)
    assert {q: row[q] for q in inst.background_ids} == given
    assert row[gate[0]] == "4" and row["respondent_id"] == "R-bg"
    assert set(by_kind) == set(inst.background_ids)
    _scorer_reads_the_background(inst, data, given)


def _scorer_reads_the_background(inst, data: bytes, given: dict[str, str]) -> None:
    """The download, read and scored: the answers in respondents.csv and labelled in .sav."""
    import tempfile

    import pyreadstat

    from scoring.export_stats import sav_bytes
    from scoring.methods import compute
    from scoring.read import read_responses

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.csv"
        path.write_bytes(data)
        responses = read_responses([path], inst).responses
        scores = compute(responses)
        wide = scores.respondents_wide()
        for q in inst.background:
            value = wide[q.id].iloc[0]
            assert (str(value) if q.kind == "text" else f"{value:g}") == given[q.id], q.id
        (Path(tmp) / "r.sav").write_bytes(sav_bytes(scores, inst.language))
        df, meta = pyreadstat.read_sav(str(Path(tmp) / "r.sav"))
    for q in inst.background:
        assert meta.column_names_to_labels[q.id] == q.label
        if q.kind == "single":
            assert meta.variable_value_labels[q.id] == {float(c.code): c.label for c in q.choices}
            assert df[q.id].iloc[0] == float(given[q.id])


def test_a_number_out_of_range_is_said_and_not_saved_in_the_csv(open_page, built):
    _, inst = built["pb-en"]
    w = open_page("pb-en")
    page = w.page
    q = next(q for q in inst.background if q.kind == "number" and q.maximum is not None)
    box = page.locator(f"#bg-{q.id}")
    error = page.locator(f"#bg-{q.id}-error")
    assert box.get_attribute("min") == f"{q.minimum:g}" and box.get_attribute("step") == "1"
    for bad in (f"{q.maximum + 1:g}", "2.5", "-1"):
        page.fill(f"#bg-{q.id}", bad)
        assert error.is_visible(), bad
        assert box.get_attribute("aria-invalid") == "true"
        assert f"bg-{q.id}-error" in box.get_attribute("aria-describedby")
        assert "will not be saved" in error.text_content()
    page.click("main [data-action=download]")
    warning = page.text_content("#download-warning")
    assert ui(inst)["warn_invalid"] in warning
    assert page.locator("#warning-list li").first.text_content().startswith(q.id)
    with page.expect_download() as info:
        page.click("[data-action=download-anyway]")
    assert read_csv(Path(info.value.path()).read_bytes())[q.id] == ""
    page.fill(f"#bg-{q.id}", f"{q.maximum:g}")
    assert not error.is_visible() and box.get_attribute("aria-invalid") is None
    _, data = download(w)
    assert read_csv(data)[q.id] == f"{q.maximum:g}"


# --------------------------------------------------------------------------- download
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
    answered = set(gate) | {rest[0], rest[-1], sco_gate[0]}
    want_missing = [*inst.background_ids,
                    *[i for a in inst.asked_areas for i in area_items(inst, a.id)[0]
                      + (area_items(inst, a.id)[1] if a.id == "INT" else []) if i not in answered]]
    assert items.count() == len(want_missing)
    assert items.all_text_contents()[0].startswith(want_missing[0])
    assert items.all_text_contents()[len(inst.background)].startswith(
        want_missing[len(inst.background)])
    with page.expect_download() as info:
        page.click("[data-action=download-anyway]")
    dl = info.value
    assert dl.suggested_filename == "R-017.csv"
    data = Path(dl.path()).read_bytes()

    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == tables.header(inst) == list(inst.columns)
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


def test_focus_stays_put_after_download_anyway(open_page):
    """Focus went back to the top of a 16,000-px page (issue 14, 18)."""
    w = open_page("pb-en")
    page = w.page
    page.click(".bar [data-action=download]")
    assert page.evaluate("document.activeElement.dataset.action") == "download-anyway"
    with page.expect_download():
        page.keyboard.press("Enter")
    assert not page.locator("#download-warning").is_visible()
    assert page.evaluate("document.activeElement.id") == "download-main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.action") == "print"


def test_download_names_and_sanitises(open_page, built):
    _, inst = built["pb-en"]
    w = open_page("pb-en")
    page = w.page
    page.fill("#respondent_id", "../A 01/..\\x:y")
    gate, _ = area_items(inst, "INT")
    answer(page, gate[0], 4)
    name, data = download(w)
    assert name == "A_01_.._x_y.csv"
    assert read_csv(data)["respondent_id"] == "../A 01/..\\x:y"


def test_download_without_warning_when_complete(open_page, built):
    _, inst = built["yesno-mean"]
    w = open_page("yesno-mean", query="?rid=%3DHYPERLINK(1)&org=A%2CB")
    page = w.page
    for q in inst.background:
        if q.kind == "single":
            answer(page, q.id, q.choices[0].code)
        else:
            page.fill(f"#bg-{q.id}", "1")
    # "no" everywhere: every area closes, nothing else is asked
    answer_all(page, {i.id: 0 for i in inst.items if i.stage == inst.gate_stage})
    with page.expect_download() as info:
        page.click("main [data-action=download]")
    assert not page.locator("#download-warning").is_visible()
    dl = info.value
    row = read_csv(Path(dl.path()).read_bytes())
    # the same formula guard as every CSV build.py writes (tables.neutralise)
    assert row["respondent_id"] == tables.neutralise("=HYPERLINK(1)")
    assert row["organisation"] == "A,B"
    assert dl.suggested_filename == "HYPERLINK_1_.csv"


CLEAN = [("R-01", "R-01"), ("\ufeffR-01", "R-01"), (" R\u200b-01 ", "R-01"), ("R\x0001", "R01"),
         ("A\tB", "A B"), ("A\r\nB", "A B"), ("臺北市\u3000都發局", "臺北市 都發局"),
         ("a\u202eb\u2066c", "abc"), ("x\u2028y", "x y"), ("e\u0301", "é"), ("\u3164", ""),
         ("\x7f\x85\x9f", ""), ("𠀋 局", "𠀋 局"), ("soft\u00adhyphen", "softhyphen"),
         ("zw\u2060j\u200dn\u200c", "zwjn"), (None, "")]


def test_clean_id_removes_control_and_invisible_characters(open_page):
    w = open_page()
    got = w.page.evaluate("cases => cases.map(c => OPM.cleanId(c))", [c for c, _ in CLEAN])
    assert got == [want for _, want in CLEAN]
    assert w.page.evaluate("[OPM.cleanId('abcdef', 3), OPM.cleanId('𠀋𠀋𠀋', 2),"
                           " OPM.cleanId('\\ud800x\\udfff')]") == ["abc", "𠀋𠀋", "x"]


def test_link_ids_never_put_control_characters_into_the_csv(open_page):
    """?rid= wrote NUL and control characters into the CSV (issue 14, 10)."""
    rid = quote("\x00R\u200b-7\r\x1b")
    org = quote("\ufeff市府\x07\u202e")
    w = open_page("pb-en", query=f"?rid={rid}&org={org}")
    page = w.page
    assert page.input_value("#respondent_id") == "R-7"
    assert page.input_value("#organisation") == "市府"
    page.fill("#organisation", "市府\u200b 工務局\x01")  # typed or pasted: cleaned on the way out
    name, data = download(w)
    row = read_csv(data)
    assert (row["respondent_id"], row["organisation"], name) == ("R-7", "市府 工務局", "R-7.csv")
    assert not re.search(r"[\x00-\x1f\x7f\u200b\ufeff\u202e]", data.decode("utf-8-sig")
                         .replace("\r\n", ""))


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


def test_two_tabs_merge_their_answers(open_page, built):
    """Two pages of one browser: the last tab to save won, 7 of 13 answers gone after a
    reload (issue 14, 15). Now every answer given in either tab is kept, and both show it."""
    _, inst = built["pb-zh-TW"]
    w = open_page("pb-zh-TW")
    a = w.page
    b = Watched(w.context, w.url)  # opened before anything is answered: its state is empty
    int_gate, _ = area_items(inst, "INT")
    sco_gate, _ = area_items(inst, "SCO")
    answer_all(a, {i: 4 for i in int_gate[:4]})
    answer_all(b.page, {i: 2 for i in sco_gate[:3]})
    b.page.fill("#respondent_id", "R-two")
    # each tab shows the other's answers as they come
    wait_checked(b.page, int_gate[3], 4)
    wait_checked(a, sco_gate[2], 2)
    a.wait_for_function("() => document.getElementById('respondent_id').value === 'R-two'")
    # the same stem in both: the later choice wins in both
    answer(a, int_gate[0], 1)
    wait_checked(b.page, int_gate[0], 1)
    answer(b.page, int_gate[0], 5)
    wait_checked(a, int_gate[0], 5)
    want = {**{i: 4 for i in int_gate[:4]}, int_gate[0]: 5, **{i: 2 for i in sco_gate[:3]}}
    for page in (a, b.page):
        page.reload()
        assert {i: checked(page, i) for i in want} == want
        assert page.input_value("#respondent_id") == "R-two"
    assert progress(a) == progress(b.page) and progress(a)[0] == 7
    assert states(a) == states(b.page) and states(a)["INT"] == "open"  # moved on to SCO
    b.check()


def test_two_tabs_start_over_in_one_clears_both(open_page, built):
    _, inst = built["pb-en"]
    w = open_page("pb-en")
    a = w.page
    b = Watched(w.context, w.url)
    gate, _ = area_items(inst, "INT")
    answer_all(a, {i: 4 for i in gate[:2]})
    wait_checked(b.page, gate[1], 4)
    b.page.once("dialog", lambda d: d.accept())
    b.page.click("[data-action=start-over]")
    wait_checked(a, gate[1], None)
    answer(a, gate[2], 3)  # an answer after the start over stays
    wait_checked(b.page, gate[2], 3)
    assert checked(b.page, gate[0]) is None
    b.check()


FILL = """() => {
    let k = 0;
    for (const size of [1 << 20, 1 << 14, 1 << 8, 1]) {
        const chunk = 'x'.repeat(size);
        try { for (;;) localStorage.setItem('filler-' + (k++), chunk); } catch (e) {}
    }
    return k;
}"""


def test_a_full_storage_is_said_at_the_top_with_the_download(open_page, built):
    """Failed saves were silent, and after a reload 0 answers showed while 3 were stored;
    the warning sat at the bottom, in green (issue 14, 16)."""
    _, inst = built["pb-en"]
    w = open_page("pb-en")
    page = w.page
    gate, _ = area_items(inst, "INT")
    answer_all(page, {i: 4 for i in gate[:3]})
    assert page.evaluate(FILL) > 5
    # storage full: a reload shows what was saved, not nothing
    page.reload()
    assert [checked(page, i) for i in gate[:3]] == [4, 4, 4]
    alert = page.locator("#save-alert-body")
    assert not alert.is_visible()
    answer(page, gate[3], 5)  # far down the page; this save does not fit
    assert alert.is_visible()
    assert page.text_content("#save-alert-text") == ui(inst)["save_failed"]
    assert page.get_attribute("#save-alert", "role") == "alert"
    box = alert.bounding_box()
    assert box["y"] < 150  # at the top of the screen, wherever the respondent is
    colours = page.evaluate("() => { const s = getComputedStyle(document.getElementById("
                            "'save-alert-body')); return [s.backgroundColor, s.borderTopColor]; }")
    assert colours == ["rgb(255, 244, 224)", "rgb(138, 75, 0)"]  # --warn-soft, --warn
    assert not page.locator("#saved-note").is_visible()
    # the download is right there, and holds the answer that could not be saved
    with page.expect_download() as info:
        page.click("#save-alert [data-action=download-now]")
    assert not page.locator("#download-warning").is_visible()
    assert read_csv(Path(info.value.path()).read_bytes())[gate[3]] == "5"
    # room again: the next save works, stores what could not be stored before, and the
    # warning goes
    page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('filler-'))"
                  ".forEach(k => localStorage.removeItem(k))")
    answer(page, gate[4], 2)
    assert not alert.is_visible()
    assert {i: stored_values(page, inst)[i] for i in gate[3:5]} == {gate[3]: 5, gate[4]: 2}


BLOCKED = """Object.defineProperty(window, 'localStorage', {configurable: true, get() {
    throw new DOMException("Failed to read the 'localStorage' property from 'Window': "
                           + "Access is denied for this document.", 'SecurityError'); }});"""


def test_blocked_storage_is_said_at_once_and_the_page_still_works(open_page, built):
    """Chromium with site data blocked throws on any localStorage access (as emulated here)."""
    _, inst = built["smartcity-zh-TW"]
    w = open_page("smartcity-zh-TW", init_script=BLOCKED)
    page = w.page
    assert page.locator("#save-alert-body").is_visible()
    assert page.text_content("#save-alert-text") == ui(inst)["storage_off"]
    assert not page.locator("#saved-note").is_visible()
    gate, _ = area_items(inst, "INT")
    answer_all(page, {i: 5 for i in gate})
    assert states(page)["INT"] == "open"
    _, data = download(w, "#save-alert [data-action=download-now]")
    assert read_csv(data)[gate[0]] == "5"


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
@pytest.mark.parametrize("name", ["generic-zh-TW", "smartcity-en"])
def test_without_javascript_everything_shows_and_no_download_is_promised(open_page, built, name):
    _, inst = built[name]
    w = open_page(name, java_script_enabled=False)
    page = w.page
    words = ui(inst)
    shown = page.inner_text("body")
    assert words["download"] not in shown  # no button to press, and none mentioned
    assert page.locator("#nojs-note").is_visible()
    assert page.locator("#tier2-INT").is_visible()
    _, rest = area_items(inst, "INT")
    assert page.locator(f"#fs-{rest[0]}").is_visible()
    assert page.locator("#gate-nojs-INT").is_visible()
    assert not page.locator("#gate-INT").is_visible()
    assert not page.locator("[data-action=download]").first.is_visible()
    assert words["nojs_return"] in shown
    asked = {a.id for a in inst.asked_areas}
    for p in inst.not_applicable:
        assert (f"{p.code} {p.name}" if p.area in asked else p.reason.rstrip("。.")) in shown
    answer(page, rest[0], 3)  # the radios still work
    assert checked(page, rest[0]) == 3


# --------------------------------------------------------------------------- print
def _pdf_text(data: bytes) -> str:
    """The PDF's text, with ligatures (ﬃ) undone."""
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return unicodedata.normalize("NFKC", text)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_print_is_a_usable_filled_form(open_page, built):
    """Printing showed '(not answered)', no options, and left out stems (issue 14, 18)."""
    _, inst = built["pb-en"]
    w = open_page("pb-en")
    page = w.page
    page.fill("#respondent_id", "R-print")
    years = next(q for q in inst.background if q.kind == "number")
    page.fill(f"#bg-{years.id}", "7")
    int_gate, int_rest = area_items(inst, "INT")
    sco_gate, sco_rest = area_items(inst, "SCO")
    sch_gate, sch_rest = area_items(inst, "SCH")
    answer_all(page, {i: 5 for i in int_gate})
    answer_all(page, {int_rest[0]: 4, int_rest[1]: 9})
    answer_all(page, {i: 5 for i in sco_gate})
    answer_all(page, {i: 2 for i in sco_rest})
    answer_all(page, {i: 1 for i in sco_gate})  # closed, with kept answers behind it
    answer(page, sch_gate[0], 3)  # undecided
    assert [states(page)[a] for a in ("INT", "SCO", "SCH")] == ["open", "closed", "pending"]
    text = _squash(_pdf_text(page.pdf(format="A4")))
    item = {i.id: _squash(i.text) for i in inst.items}
    labels = {c.code: _squash(c.label) for c in inst.scale.codes}
    # open: all its stems, each with every option; the marked one filled in
    assert all(item[i] in text for i in int_gate + int_rest)
    assert f"■{labels[4]}" in text and f"■{labels[9]}" in text
    assert text.count("■") == len(int_gate) + 2 + len(sco_gate) + 1
    for code in inst.scale.all_codes:
        assert f"□{labels[code]}" in text
    assert _squash(ui(inst)["scale_extra"]) in text  # the codes shown apart, on paper too
    # closed: its other stems are not on the form, and the note says why
    assert not any(item[i] in text for i in sco_rest)
    assert _squash(ui(inst)["gate_closed"]) in text
    # undecided: on paper nothing opens by itself, so its further stages are printed
    assert all(item[i] in text for i in sch_rest)
    assert _squash(ui(inst)["gate_nojs"]) in text
    # no screen furniture: no buttons (the profile's return text may name one)
    for word in (ui(inst)["download_anyway"], ui(inst)["start_over"], "(not answered)"):
        assert _squash(word) not in text
    button = _squash(ui(inst)["download"])
    assert text.count(button) == _squash(inst.texts["return"]).count(button)
    assert "R-print" in text and _squash(years.label) in text


def test_print_of_an_untouched_page_is_the_whole_blank_form(open_page, built):
    _, inst = built["smartcity-zh-TW"]
    w = open_page("smartcity-zh-TW")
    text = _squash(_pdf_text(w.page.pdf(format="A4")))
    missing = [i.id for i in inst.items if _squash(i.text) not in text]
    assert missing == []
    n_boxes = len(inst.items) * len(inst.scale.codes) + sum(len(q.choices)
                                                           for q in inst.background)
    assert text.count("□") == n_boxes and "■" not in text
    for p in inst.not_applicable:
        assert _squash(p.reason.rstrip("。")) in text


# --------------------------------------------------------------------------- accessibility
def _axe(page) -> list[dict]:
    """axe-core (shipped inside the axe-playwright-python test extra): every rule, the
    whole page. axe cannot judge the contrast of the warning list's links scrolled out
    of its box (the same links as the ones in view, which it does judge): only those
    may stay undecided."""
    from axe_playwright_python.base import AXE_SCRIPT
    page.evaluate(AXE_SCRIPT)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations', 'incomplete']})")
    ran = {r["id"] for r in result["passes"]}
    assert {"color-contrast", "label", "aria-allowed-attr", "region"} <= ran  # the rules ran
    in_list = {f'a[href$="{h}"]' for h in page.evaluate(
        "[...document.querySelectorAll('#warning-list a')].map(a => a.getAttribute('href'))")}
    undecided = [(r["id"], n["target"]) for r in result["incomplete"] for n in r["nodes"]
                 if not (r["id"] == "color-contrast" and n["target"][0] in in_list)]
    assert undecided == []  # and could decide everything
    return [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"])
            for v in result["violations"]]


def _answer_three_ways(page, inst) -> None:
    """INT open, SCO closed, SCH undecided; a number out of range with its message."""
    int_gate, _ = area_items(inst, "INT")
    sco_gate, sco_rest = area_items(inst, "SCO")
    sch_gate, _ = area_items(inst, "SCH")
    answer_all(page, {i: 5 for i in int_gate})
    answer_all(page, {i: 5 for i in sco_gate})
    answer_all(page, {sco_rest[0]: 4})
    answer_all(page, {i: 1 for i in sco_gate})
    answer(page, sch_gate[0], 9)
    q = next(q for q in inst.background if q.kind == "number")
    page.fill(f"#bg-{q.id}", "-5")
    page.locator("details.gloss summary").first.click()


@pytest.mark.parametrize("name", ["pb-zh-TW", "pb-en", "smartcity-zh-TW", "smartcity-en"])
def test_axe_finds_no_violation(open_page, built, name):
    _, inst = built[name]
    w = open_page(name)
    page = w.page
    found = {}
    found["desktop, new"] = _axe(page)
    page.set_viewport_size(PHONE)
    found["phone, new"] = _axe(page)
    _answer_three_ways(page, inst)
    assert [states(page)[a] for a in ("INT", "SCO", "SCH")] == ["open", "closed", "pending"]
    found["phone, answered"] = _axe(page)
    page.set_viewport_size(DESKTOP)
    page.click("main [data-action=download]")  # the warning list too
    found["desktop, answered"] = _axe(page)
    assert found == {k: [] for k in found}


def test_axe_with_storage_blocked(open_page):
    w = open_page("smartcity-en", init_script=BLOCKED)
    assert w.page.locator("#save-alert-body").is_visible()
    assert _axe(w.page) == []


def test_live_regions_are_few(open_page):
    w = open_page("pb-en")
    live = w.page.evaluate("[...document.querySelectorAll('[role=status], [role=alert],"
                           " [aria-live]')].map(n => n.id)")
    assert sorted(live) == ["announce", "save-alert", "status"]


def test_keyboard_only(open_page, built):
    _, inst = built["pb-en"]
    w = open_page("pb-en")
    page = w.page
    first = inst.items[0].id
    page.focus("#organisation")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == first:
            break
    assert page.evaluate("document.activeElement.name") == first
    page.keyboard.press("Space")
    # arrow keys run through the scale, then the codes shown apart, in order
    order = [c.code for c in inst.scale.substantive + inst.scale.non_substantive]
    seen = [checked(page, first)]
    for _ in order[1:]:
        page.keyboard.press("ArrowRight")
        seen.append(checked(page, first))
    assert seen == order
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.closest('label')).outlineStyle")
    assert outline == "solid"
    # the glossary opens with the keyboard too
    page.focus("details.gloss summary")
    page.keyboard.press("Enter")
    assert page.evaluate("document.querySelector('details.gloss').open")


@pytest.mark.parametrize("name", ["generic-zh-TW", "smartcity-en"])
def test_layout_wide_and_phone(open_page, built, name):
    _, inst = built[name]
    first = inst.items[0].id
    for width, one_row in ((1280, True), (390, False)):
        w = open_page(name, viewport={"width": width, "height": 800})
        boxes = w.page.eval_on_selector_all(
            f"#fs-{first} label",
            "ls => ls.map(l => { const r = l.getBoundingClientRect();"
            " const s = l.querySelector('span');"
            " return [r.top, r.left, r.width, s.scrollWidth <= s.clientWidth + 1,"
            " getComputedStyle(s).display !== 'none', r.bottom] })")
        tops = {round(b[0]) for b in boxes}
        assert (len(tops) == 1) == one_row, (width, tops)
        if one_row:
            assert len({round(b[5]) for b in boxes}) == 1  # the same height, side by side
        assert all(b[3] and b[4] for b in boxes), "a scale label is clipped or hidden"
        assert w.page.evaluate("document.documentElement.scrollWidth") <= width
