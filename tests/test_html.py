"""The HTML questionnaire as markup: golden files, escaping, CSP, item ids, structure.

What the page does in a browser is tested in test_html_browser.py.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from conftest import GOLDEN, LANGS, PROFILES, ROOT, check_golden, dedent, page_words

from instrument import html, i18n, tables
from instrument.artifacts import RENDERERS, RenderSettings
from instrument.compile import Options, compile_instrument
from instrument.loader import load_profile, parse_profile


def render(instrument) -> str:
    files = html.render(instrument, RenderSettings())
    assert list(files) == ["questionnaire.html"]
    return files["questionnaire.html"].decode("utf-8")


VOID = {"meta", "input", "br", "link", "img", "hr", "source", "wbr"}


class Page(HTMLParser):
    """Start tags with attributes, text, and the bodies of <style>/<script> elements.

    ``shown`` is the text a browser without JavaScript shows: none from inside an
    element with the ``hidden`` attribute (the script's own parts).
    """

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.shown: list[str] = []
        self._hidden: list[bool] = []
        self.raw: dict[str, list[str]] = {"style": [], "script": []}
        self.scripts: list[tuple[dict[str, str | None], str]] = []  # (attributes, body)
        self._raw_tag: str | None = None
        self.feed(text)
        self.close()
        script_attrs = self.all("script")
        self.scripts = list(zip(script_attrs, self.raw["script"]))

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self._hidden.append("hidden" in dict(attrs) or bool(self._hidden and self._hidden[-1]))
        if tag in self.raw:
            self._raw_tag = tag
            self.raw[tag].append("")

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag not in VOID and self._hidden:
            self._hidden.pop()
        if tag == self._raw_tag:
            self._raw_tag = None

    def handle_data(self, data):
        if self._raw_tag:
            self.raw[self._raw_tag][-1] += data
        else:
            self.text.append(data)
            if not (self._hidden and self._hidden[-1]):
                self.shown.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]


@pytest.fixture(scope="module")
def pages(instruments) -> dict[tuple[str, str], str]:
    return {key: render(inst) for key, inst in instruments.items()}


# --------------------------------------------------------------------------- golden
ASSET = re.compile(r"<(style|script)>(.*?)</\1>", re.S)
HASH = re.compile(r"sha256-[A-Za-z0-9+/]+=*")
OPTIONS = re.compile(r'(<div class="opts">\n)(.*?)(\n\s*</div>\n\s*</fieldset>)', re.S)


def normalise(page: str) -> str:
    """The markup only, and each radio group once.

    The inlined stylesheet and script live in templates/ (tested on their own) and
    their CSP hashes change with them: both are replaced by markers. The scale's
    radio buttons are the same for every stem: the first stem keeps them, the others
    show only the item id (test_every_input_is_labelled checks every one of them).
    """
    page = ASSET.sub(lambda m: f"<{m[1]}>/* templates/questionnaire."
                               f"{'css' if m[1] == 'style' else 'js'} */</{m[1]}>", page)
    page = HASH.sub("sha256-…", page)
    seen = []

    def options(m: re.Match) -> str:
        seen.append(1)
        if len(seen) == 1:
            return m[0]
        name = re.search(r'name="(\w+)"', m[2])
        return f"{m[1]}<!-- radio buttons as above, name={name[1] if name else '?'} -->{m[3]}"
    return OPTIONS.sub(options, page)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("lang", LANGS)
def test_golden(pages, profile, lang, update_golden):
    check_golden(GOLDEN / "html" / f"{profile}-{lang}.html", normalise(pages[(profile, lang)]),
                 update_golden)


def test_deterministic(instrument):
    assert render(instrument) == render(instrument)


def test_registered_as_the_html_format(instrument):
    files = RENDERERS["html"](instrument, RenderSettings())
    assert files == html.render(instrument, RenderSettings())


# --------------------------------------------------------------------------- CSP, no network
def _csp(page: Page) -> dict[str, list[str]]:
    metas = [m for m in page.all("meta") if (m.get("http-equiv") or "").lower()
             == "content-security-policy"]
    assert len(metas) == 1
    policy = {}
    for part in metas[0]["content"].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.mark.parametrize("key", [("generic", "zh-TW"), ("pb", "en")])
def test_csp_allows_exactly_the_inline_style_and_script(pages, key):
    page = Page(pages[key])
    policy = _csp(page)
    assert policy["default-src"] == ["'none'"]
    assert policy["connect-src"] == ["'none'"]
    assert policy["img-src"] == ["'none'"]
    assert policy["form-action"] == ["'none'"]
    styles = page.raw["style"]
    scripts = [body for attrs, body in page.scripts if "type" not in attrs]
    assert len(styles) == 1 and len(scripts) == 1
    assert policy["style-src"] == [_sha(styles[0])]
    assert policy["script-src"] == [_sha(scripts[0])]
    # the CSP meta comes before anything it must govern
    head = pages[key].split("<style>")[0]
    assert "Content-Security-Policy" in head


def test_nothing_is_fetched(pages):
    for text in pages.values():
        page = Page(text)
        for tag, attrs in page.tags:
            assert tag not in ("link", "img", "iframe", "object", "embed", "base", "video", "audio")
            assert "src" not in attrs, tag
            if "href" in attrs:
                assert attrs["href"].startswith("#"), attrs
        assert "http://" not in text and "https://" not in text
        assert "@import" not in page.raw["style"][0] and "url(" not in page.raw["style"][0]


def test_assets_are_inlined_verbatim():
    css = (html.TEMPLATES / "questionnaire.css").read_text(encoding="utf-8")
    js = (html.TEMPLATES / "questionnaire.js").read_text(encoding="utf-8")
    assert "</style" not in css.lower() and "</script" not in js.lower()
    for sink in (r"\.innerHTML\s*=", r"\.outerHTML\s*=", r"insertAdjacentHTML", r"document\.write",
                 r"\beval\(", r"new Function", r"\bfetch\(", r"XMLHttpRequest", r"WebSocket",
                 r"sendBeacon"):
        assert not re.search(sink, js), sink


# --------------------------------------------------------------------------- item ids
def _config(page: Page) -> dict:
    blocks = [body for attrs, body in page.scripts if attrs.get("type") == "application/json"]
    assert len(blocks) == 1
    return json.loads(blocks[0])


def _radios(page: Page, names) -> list[dict]:
    return [a for a in page.all("input") if a.get("type") == "radio" and a["name"] in names]


@pytest.mark.parametrize("key", [("generic", "zh-TW"), ("smartcity", "en")])
def test_names_follow_the_item_ids_in_csv_order(instruments, pages, key):
    inst = instruments[key]
    page = Page(pages[key])
    radios = _radios(page, set(inst.item_ids))
    names = list(dict.fromkeys(a["name"] for a in radios))
    # the page lists each area's gate stems first, then the others; as a set and per
    # area the names are the instrument's, and the CSV header restores manifest order
    assert sorted(names) == sorted(inst.item_ids)
    assert len(radios) == len(inst.item_ids) * len(inst.scale.codes)
    # in each group the substantive codes come first, then the ones shown apart:
    # the order arrow keys go through
    order = [c.code for c in inst.scale.substantive + inst.scale.non_substantive]
    for item_id in inst.item_ids:
        values = [a["value"] for a in radios if a["name"] == item_id]
        assert values == [str(c) for c in order]
    config = _config(page)
    assert config["header"] == tables.header(inst) == list(inst.columns)
    assert config["instrument"] == inst.id
    assert config["rule"] == inst.rule.layout()
    assert config["missing"] == list(inst.scale.missing)
    assert config["gateStage"] == inst.gate_stage
    covered = [i for a in config["areas"] for i in a["gate"] + a["rest"]]
    assert sorted(covered) == sorted(inst.item_ids)
    assert [a["id"] for a in config["areas"]] == [a.id for a in inst.asked_areas]
    for area in config["areas"]:
        assert area["gate"] == [i.id for i in inst.items_of_area(area["id"])
                                if i.stage == inst.gate_stage]
        assert area["name"] == next(a.name for a in inst.areas if a.id == area["id"])
    assert inst.id in config["storageKey"]


def test_stage_subset_has_no_second_tier(bank):
    inst = compile_instrument(bank, load_profile("generic", bank), "en", Options(stages=("S",)))
    text = render(inst)
    page = Page(text)
    assert 'class="tier tier2"' not in text and 'class="gate-msg' not in text
    assert {a["name"] for a in _radios(page, set(inst.item_ids))} == set(inst.item_ids)
    assert all(a["rest"] == [] for a in _config(page)["areas"])


# --------------------------------------------------------------------------- not applicable
def _section(text: str, area_id: str) -> str:
    match = re.search(rf'<section class="area[^"]*" id="area-{area_id}".*?</section>', text, re.S)
    assert match, area_id
    return match[0]


@pytest.mark.parametrize("lang", LANGS)
def test_not_applicable_practices_and_areas_are_not_asked_and_said_in_one_line(instruments,
                                                                               pages, lang):
    inst = instruments[("smartcity", lang)]
    text = pages[("smartcity", lang)]
    page = Page(text)
    skipped = inst.not_applicable
    assert {p.id for p in skipped} >= {"COS03", "COS04"}
    names = {a["name"] for a in page.all("input")}
    for p in skipped:
        assert not any(n.startswith(p.id + "_") for n in names), p.id
        assert f'id="p-{p.id}"' not in text
    # an asked area with practices left out: one line naming them and why
    cos = _section(text, "COS")
    lines = re.findall(r'<p class="left-out">(.*?)</p>', cos, re.S)
    assert len(lines) == 1
    for p in skipped:
        if p.area == "COS":
            assert p.code in lines[0] and p.name in lines[0]
    t = i18n.text(lang)
    want = t.gettext("Left out of this area because they do not apply here: {list}.").format(
        list=t.pgettext("between the entries of a list of reasons", "; ").join(
            t.pgettext("a practice left out, and why", "{code} {name} ({reason})").format(
                code=p.code, name=p.name, reason=p.reason.rstrip("。."))
            for p in skipped if p.area == "COS"))
    assert want in "".join(Page(cos).text)
    # a whole area: its heading and one line with the reason, no questions
    pro = next(a for a in inst.areas if a.id == "PRO")
    assert not pro.applicable
    section = _section(text, "PRO")
    assert "<fieldset" not in section and "<input" not in section
    assert t.gettext("This area does not apply here and is left out of the questionnaire: "
                     "{reason}.").format(reason=pro.reason.rstrip("。.")) in "".join(
                         Page(section).text)
    # both lines are plain markup: they show without JavaScript too
    assert 'class="left-out"' in cos and "hidden" not in re.search(
        r'<p class="left-out"[^>]*>', cos)[0]
    assert "PRO" not in [a["id"] for a in _config(page)["areas"]]


def test_profiles_with_every_practice_asked_say_nothing_is_left_out(pages):
    for key in (("generic", "zh-TW"), ("pb", "en")):
        assert 'class="left-out"' not in pages[key]
        assert 'class="area area-skipped"' not in pages[key]


# --------------------------------------------------------------------------- structure
def test_lang_attribute(pages):
    assert Page(pages[("pb", "zh-TW")]).all("html")[0]["lang"] == "zh-Hant-TW"
    assert Page(pages[("pb", "en")]).all("html")[0]["lang"] == "en"


OPTION = re.compile(r'<label><input type="radio" name="(\w+)" value="(-?\d+)"><span>([^<]+)'
                    r'</span></label>')


def test_every_input_is_labelled_and_every_group_named(pages, instrument):
    text = pages[("generic", "zh-TW")]
    # each radio sits inside its own <label> with the scale label as text
    labels = [m for m in OPTION.findall(text) if m[0] in set(instrument.item_ids)]
    assert len(labels) == len(instrument.item_ids) * len(instrument.scale.codes)
    by_code = {str(c.code): c.label for c in instrument.scale.codes}
    assert all(by_code[code] == label for _, code, label in labels)
    # each stem is a fieldset whose legend holds the stem text
    for item in instrument.items:
        block = re.search(rf'<fieldset class="stem" id="fs-{item.id}"[^>]*>\s*'
                          r'<legend>(.*?)</legend>', text, re.S)
        assert block and item.text in block[1], item.id
    page = Page(text)
    for field in ("respondent_id", "organisation"):
        assert any(a.get("for") == field for a in page.all("label"))
    # practices are headings, glossaries one click away
    assert len(re.findall(r"<details class=\"gloss\"><summary>", text)) >= len(
        [p for p in instrument.practices if p.applicable])
    for p in instrument.practices:
        assert f"{p.code}</span>{p.name}</h3>" in text


@pytest.mark.parametrize("key", [("pb", "zh-TW"), ("smartcity", "en")])
def test_dont_know_and_not_applicable_are_a_group_apart(instruments, pages, key):
    """Non-substantive codes sit in their own labelled group after the scale, in every stem."""
    inst = instruments[key]
    text = pages[key]
    heading = page_words(key[1])["scale_extra"]
    blocks = re.findall(r'<div class="opts">(.*?)\n\s*</div>\n\s*</fieldset>', text, re.S)
    assert len(blocks) == len(inst.items)
    for block in blocks:
        main, extra = block.split('<div class="opts-extra w')
        assert [int(c) for _, c, _ in OPTION.findall(main)] == list(inst.scale.valid)
        assert [int(c) for _, c, _ in OPTION.findall(extra)] == list(inst.scale.missing)
        assert f'role="group" aria-label="{heading}"' in extra
        assert f'<span class="opts-extra-h" aria-hidden="true">{heading}</span>' in extra
    # the legend in the instructions shows them apart too
    legend = ["".join(Page(m).text) for m in re.findall(r'<p class="scale-legend[^"]*">(.*?)</p>',
                                                         text)]
    assert len(legend) == 2 and heading in legend[1]
    assert all(f"{c.code} = {c.label}" in legend[1] for c in inst.scale.non_substantive)
    assert not any(f"{c.code} = " in legend[0] for c in inst.scale.non_substantive)


@pytest.mark.parametrize("key", [("pb", "zh-TW"), ("smartcity", "en")])
def test_background_questions_come_first_with_their_checks(instruments, pages, key):
    inst = instruments[key]
    text = pages[key]
    page = Page(text)
    assert inst.background, "the bundled bank asks background questions"
    first_area = text.index('<section class="area')
    config = _config(page)
    assert config["background"] == [html.background_config(q) for q in inst.background]
    inputs = {a["name"]: a for a in page.all("input") if a.get("type") != "radio"}
    for q in inst.background:
        where = text.index(f'id="fs-{q.id}"')
        assert where < first_area, q.id
        assert q.label in text
        if q.kind == "single":
            radios = _radios(page, {q.id})
            assert [int(a["value"]) for a in radios] == [c.code for c in q.choices]
            assert all(c.label in text for c in q.choices)
        elif q.kind == "number":
            box = inputs[q.id]
            assert box["type"] == "number"
            assert box.get("min") == (None if q.minimum is None else f"{q.minimum:g}")
            assert box.get("max") == (None if q.maximum is None else f"{q.maximum:g}")
            assert box["step"] == ("1" if q.integer else "any")
            # the message for a value that will not be saved is in the page, shown by the script
            error = next(a for a in page.all("p") if a.get("id") == f"bg-{q.id}-error")
            assert "hidden" in error
            assert html.number_rule(q, i18n.text(key[1])) in text
        else:
            assert inputs[q.id]["maxlength"] == str(q.max_length)


def test_number_rule_in_words():
    from instrument.model import BackgroundItem

    zh, en = i18n.text("zh-TW"), i18n.text("en")
    years = BackgroundItem("Y", "number", "y", minimum=0, maximum=50)
    assert html.number_rule(years, en) == "a whole number from 0 to 50"
    assert html.number_rule(years, zh) == "介於 0 到 50 之間的整數"
    share = BackgroundItem("S", "number", "s", minimum=0.5, integer=False)
    assert html.number_rule(share, en) == "a number of at least 0.5"
    assert html.number_rule(BackgroundItem("T", "number", "t", maximum=9), zh) == "不大於 9 的整數"
    assert html.number_rule(BackgroundItem("U", "number", "u"), en) == "a whole number"


@pytest.mark.parametrize("key", [("pb", "zh-TW"), ("smartcity", "en"), ("generic", "en")])
def test_instructions_give_the_expected_duration(instruments, pages, key):
    low, high = instruments[key].minutes()
    assert low < high
    want = {"zh-TW": f"預計填答時間約 {low}–{high} 分鐘", "en": f"About {low}–{high} minutes"}
    shown = "".join(Page(pages[key]).shown)
    assert want[key[1]].lower() in shown.lower()
    assert instruments[key].texts["instructions"] in shown


def test_local_glossary_notes_are_shown_with_the_definition(instruments, pages):
    inst = instruments[("pb", "zh-TW")]
    noted = [p for p in inst.practices if p.note]
    assert noted
    text = pages[("pb", "zh-TW")]
    for p in noted:
        assert f'<p>{p.glossary}</p><p class="gloss-note">{p.note}</p>' in text
    assert 'class="gloss-note"' not in pages[("generic", "zh-TW")]


@pytest.mark.parametrize("rule", ["mean", "count"])
@pytest.mark.parametrize("lang", LANGS)
def test_the_rule_s_numbers_are_never_on_screen(bank, rule, lang):
    """A threshold on screen invites low gate answers to shorten the form (issue 12, 5)."""
    inst = compile_instrument(bank, load_profile("pb", bank), lang, Options(rule=rule))
    page = Page(render(inst))
    text = "".join(page.text)
    assert inst.rule.description not in text
    # (3.5 is also a practice's code: the rule's wording is what must not show)
    for word in ("門檻", "threshold", "中需有", " of 7", "half"):
        assert word not in text.lower(), word
    messages = json.dumps(_config(page)["messages"], ensure_ascii=False)
    assert "threshold" not in messages and "門檻" not in messages
    # what it says instead: further statements appear when they apply
    assert html.context(inst).js_intro in text


def test_without_javascript_every_statement_shows_and_no_download_is_offered(pages, instruments):
    for (profile, lang), text in pages.items():
        page = Page(text)
        ui = page_words(lang)
        shown = "".join(page.shown)
        # the closing text does not send anyone to a button that is not there
        assert ui["download"] not in shown, (profile, lang)
        assert ui["nojs_return"] in shown and ui["nojs_note"] in shown
        # second tiers are in the markup, not hidden: the script hides them
        assert 'id="tier2-INT" hidden' not in text
        assert shown.count(ui["gate_nojs"]) == len(instruments[(profile, lang)].asked_areas)
        js_only = [a for t, a in page.tags if "js-only" in (a.get("class") or "").split()]
        assert js_only and all("hidden" in a for a in js_only)


# --------------------------------------------------------------------------- escaping
PAYLOADS = ("<script>alert(1)</script>", '"onmouseover="alert(2)', "</textarea><b>x</b>",
            "javascript:alert(3)", "</script><script>alert(4)</script>", "&amp; {{ 7*7 }}")


# every attribute the template writes; an injected one would show up as something else
ATTRIBUTES = {"lang", "class", "charset", "http-equiv", "content", "name", "id", "href", "hidden",
              "type", "for", "max", "value", "aria-label", "data-action", "autocomplete",
              "novalidate", "aria-labelledby", "data-area", "tabindex", "aria-describedby",
              "maxlength", "spellcheck", "role", "data-item", "data-stage", "aria-hidden",
              "min", "step", "inputmode", "data-question"}


def _hostile(instrument):
    """The instrument with every text a respondent sees replaced by attack strings."""
    bad = " ".join(PAYLOADS)
    return dataclasses.replace(
        instrument,
        profile_name=bad, bank_title=bad,
        texts={k: f"{k} {bad}" for k in instrument.texts},
        areas=tuple(dataclasses.replace(a, name=bad) for a in instrument.areas),
        stages=tuple(dataclasses.replace(s, name=f"{s.id}{bad}", definition=bad)
                     for s in instrument.stages),
        practices=tuple(dataclasses.replace(p, name=bad, glossary=bad, note=bad,
                                            reason=bad if p.reason else "")
                        for p in instrument.practices),
        background=tuple(dataclasses.replace(q, label=bad, hint=bad, choices=tuple(
            dataclasses.replace(c, label=f"{c.code}{bad}") for c in q.choices))
                         for q in instrument.background),
        items=tuple(dataclasses.replace(i, text=f"{i.id} {bad}") for i in instrument.items),
        scale=dataclasses.replace(instrument.scale, name=bad, codes=tuple(
            dataclasses.replace(c, label=f"{c.code}{bad}") for c in instrument.scale.codes)),
        rule=dataclasses.replace(instrument.rule, description=bad),
    )


@pytest.mark.parametrize("key", [("generic", "zh-TW"), ("smartcity", "en")])
def test_texts_are_escaped(instruments, key):
    text = render(_hostile(instruments[key]))
    page = Page(text)
    scripts = [t for t in page.tags if t[0] == "script"]
    assert [a.get("type") for _, a in scripts] == ["application/json", None]
    for tag, attrs in page.tags:
        assert set(attrs) <= ATTRIBUTES, (tag, attrs)
        for value in attrs.values():
            assert "alert(" not in (value or ""), (tag, attrs)
    assert len(page.all("b")) == 0
    assert len(page.all("textarea")) == 0
    # the words arrive as text, intact
    body = "".join(page.text)
    for payload in PAYLOADS:
        assert payload in body
    # and inside the JSON block no markup survives, yet it parses back to the same strings
    config = _config(page)
    assert "<" not in page.scripts[0][1]
    assert config["areas"][0]["name"].count("<script>alert(1)</script>") == 1


def test_profile_words_with_markup_are_escaped(bank):
    """Through the real loader: a profile whose words and texts carry markup."""
    source = (ROOT / "instrument" / "profiles" / "generic.yaml").read_text(encoding="utf-8")
    hostile = "'<script>alert(1)</script> \"onmouseover=x'"
    source = source.replace("organisation: {zh-TW: 組織, en: organisation}",
                            f"organisation: {{zh-TW: 組織, en: {hostile}}}")
    source = source.replace("id: generic", "id: hostile")
    profile = parse_profile(source, "hostile.yaml", bank)
    inst = compile_instrument(bank, profile, "en")
    text = render(inst)
    page = Page(text)
    assert [a.get("type") for t, a in page.tags if t == "script"] == ["application/json", None]
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;onmouseover=x" in text
    assert all(not n.startswith("on") for _, attrs in page.tags for n in attrs)


def test_dedent_helper_builds_profiles(bank):
    # a minimal profile written inline, as tests of other renderers do
    text = dedent("""
        id: tiny
        version: 1.0.0
        name: {zh-TW: 小, en: "Tiny </title><script>alert(5)</script>"}
        terms:
          project: {zh-TW: 專案, en: project}
          projects: {zh-TW: 專案, en: projects}
          project_manager: {zh-TW: 專案經理, en: project manager}
          organisation: {zh-TW: 組織, en: organisation}
        texts:
          title: {zh-TW: 標題, en: "Title </title><script>alert(6)</script>"}
          role: {zh-TW: 角色, en: role}
          preamble: {zh-TW: 前言, en: preamble}
          instructions: {zh-TW: 說明, en: instructions}
          confidentiality: {zh-TW: 保密, en: confidentiality}
          return: {zh-TW: 繳回, en: return}
          thanks: {zh-TW: 感謝, en: thanks}
        """)
    inst = compile_instrument(bank, parse_profile(text, "tiny.yaml", bank), "en")
    page_text = render(inst)
    assert "<title>Title &lt;/title&gt;&lt;script&gt;alert(6)&lt;/script&gt;</title>" in page_text
    assert [a.get("type") for t, a in Page(page_text).tags if t == "script"] == [
        "application/json", None]


def test_missing_templates_is_a_catalogued_error(instrument, monkeypatch, tmp_path):
    from instrument.errors import InstrumentError

    monkeypatch.setattr(html, "TEMPLATES", tmp_path)
    with pytest.raises(InstrumentError) as err:
        html.render(instrument, RenderSettings())
    assert err.value.codes == ["HTML_001"]
    assert str(tmp_path) in str(err.value) and "questionnaire.css" in str(err.value)


# --------------------------------------------------------------------------- build.py
def test_build_writes_questionnaire_html(tmp_path):
    import build

    result = CliRunner().invoke(build.cli, ["build", "--format", "html", "--profile", "pb",
                                            "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for lang in LANGS:
        out = tmp_path / "pmbok6" / f"pb-{lang}" / "questionnaire.html"
        assert out.read_bytes().startswith(b"<!DOCTYPE html>")
