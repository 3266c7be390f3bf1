"""The interface-text catalogues (instrument/locale, docs/translating.md).

- every message of the .pot has a translation in every shipped .po: not empty, not fuzzy,
  the same {placeholders} (Babel's checkers);
- the .pot is up to date with the sources: `pybabel extract` run again finds the same
  messages, so a newly marked string without a catalogue entry fails here;
- a pseudo-language needs no code change: a catalogue `en-XA` made here (every translation
  "[" + English + "]") and a copy of the bundled bank and PB profile with `en-XA` texts
  (the English ones) give a questionnaire (HTML, PDF) and a report whose interface text is
  all bracketed.
"""

from __future__ import annotations

import io
import json
import re
import string
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from babel.messages import checkers
from babel.messages.pofile import read_po, write_po
from pypdf import PdfReader

from conftest import ROOT
from instrument import i18n
from instrument.artifacts import RenderSettings, render
from instrument.compile import compile_instrument
from instrument.loader import BANKS_DIR, PROFILES_DIR, parse_bank, parse_profile

POT = i18n.LOCALE_DIR / "messages.pot"
# every catalogue in the package: a language added by docs/translating.md is checked too
SHIPPED = tuple(sorted(p.parent.parent.name for p in i18n.LOCALE_DIR.glob("*/LC_MESSAGES/*.po")))
PSEUDO = "en-XA"


def catalogue(path: Path, locale: str | None = None):
    with open(path, "rb") as fh:
        return read_po(fh, locale=locale)


def msgids(cat) -> set[tuple[str | None, object]]:
    return {(m.context, m.id) for m in cat if m.id}


# --------------------------------------------------------------------------- completeness
def test_the_package_ships_the_two_catalogues():
    assert SHIPPED == ("en", "zh_TW")


@pytest.mark.parametrize("locale", SHIPPED)
def test_every_message_has_a_translation_in_every_catalogue(locale):
    pot = catalogue(POT)
    po = catalogue(i18n.LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po")
    assert msgids(po) == msgids(pot), "run pybabel update (docs/translating.md)"
    problems = []
    for m in po:
        if not m.id:
            continue
        strings = m.string if isinstance(m.string, (list, tuple)) else (m.string,)
        if m.fuzzy or not all(strings):
            problems.append(f"{m.id!r}: {'fuzzy' if m.fuzzy else 'not translated'}")
        problems += [f"{m.id!r}: {e}" for e in m.check(po)]  # python-brace placeholders
        problems += [f"{m.id!r}: placeholders {fields(s)} are not {fields_of(m.id)}"
                     for s in strings if not placeholders_fit(s, m.id, offered(m))]
    assert not problems, "\n".join(problems)


def fields_of(msgid) -> set[str]:
    """The placeholders of a msgid, of its singular and plural together."""
    return set().union(*map(fields, msgid)) if isinstance(msgid, (list, tuple)) else fields(msgid)


def offered(message) -> set[str]:
    """Placeholders the code passes beyond the English text's, named in the message's
    translator comment ('Translators: {n} is ... too')."""
    return {f for c in message.auto_comments for f in re.findall(r"\{(\w+)\}", c)}


def placeholders_fit(translation: str, msgid, extra: set[str] = frozenset()) -> bool:
    """A translation keeps every placeholder of the msgid and adds none the code does not
    pass; a plural form may leave some out ('one statement' for {n} = 1)."""
    have = fields(translation)
    if not have <= fields_of(msgid) | extra:
        return False
    return isinstance(msgid, (list, tuple)) or fields(msgid) <= have


def fields(text: str) -> set[str]:
    """The {named} placeholders of a message (Babel checks %-style; ours are str.format)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_babel_checkers_run_on_the_placeholders():
    """Babel's python-format checker only knows %-style; the brace check above is ours,
    and it bites on a translation that drops or renames a placeholder."""
    assert fields("Answered {answered} / {total}") == {"answered", "total"}
    assert not placeholders_fit("已填答 {answered} / {n} 題", "Answered {answered} / {total}")
    assert not placeholders_fit("已填答 {answered} 題", "Answered {answered} / {total}")
    assert placeholders_fit("{n} 題", ("one statement", "{n} statements"))
    assert not placeholders_fit("{k} 題", ("one statement", "{n} statements"))
    assert checkers.num_plurals  # the checkers Message.check runs


# --------------------------------------------------------------------------- .pot up to date
def test_the_pot_holds_exactly_the_messages_marked_in_the_sources(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    str(ROOT / "babel.cfg"), "--no-wrap", "-o", str(fresh), "."],
                   cwd=ROOT, check=True, capture_output=True)
    new, old = msgids(catalogue(fresh)), msgids(catalogue(POT))
    assert not new - old, f"marked but not in the .pot (run pybabel extract): {new - old}"
    assert not old - new, f"in the .pot but no longer marked: {old - new}"


# --------------------------------------------------------------------------- en-XA
def pseudo_catalogue(folder: Path) -> Path:
    """``folder``/en_XA/LC_MESSAGES/messages.po from the .pot: each msgstr "[" + msgid + "]",
    placeholders kept (what docs/translating.md's `pybabel init` plus a translator do)."""
    cat = catalogue(POT, locale="en")
    for m in cat:
        if m.id:
            m.string = (tuple(f"[{s}]" for s in m.id) if isinstance(m.id, (list, tuple))
                        else f"[{m.id}]")
    path = folder / i18n.locale_name(PSEUDO) / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    buf = io.BytesIO()
    write_po(buf, cat)
    path.write_bytes(buf.getvalue())
    return path


def with_pseudo(data):
    """A bank or profile with every ``en`` text copied as ``en-XA``."""
    if isinstance(data, dict):
        out = {k: with_pseudo(v) for k, v in data.items()}
        if "en" in data:
            out[PSEUDO] = out["en"]
        if isinstance(data.get("languages"), list):
            out["languages"] = [*data["languages"], PSEUDO]
        return out
    if isinstance(data, list):
        return [with_pseudo(v) for v in data]
    return data


def english_texts(data) -> str:
    """Every English text of a bank or profile, one a line (the bank's words, not ours)."""
    if isinstance(data, dict):
        own = [str(data["en"])] if "en" in data else []
        return "\n".join(own + [english_texts(v) for v in data.values()])
    if isinstance(data, list):
        return "\n".join(english_texts(v) for v in data)
    return ""


@pytest.fixture(scope="module")
def pseudo(tmp_path_factory):
    """The en-XA builds: the questionnaire's HTML and PDF, a report's HTML and PDF."""
    from test_reports import make_scores
    from scoring.reports import ReportSettings, render as render_report

    folder = tmp_path_factory.mktemp("locale")
    pseudo_catalogue(folder)
    mp = pytest.MonkeyPatch()
    mp.setenv(i18n.PATH_VARIABLE, str(folder))
    try:
        raw_bank = yaml.safe_load((BANKS_DIR / "pmbok6.yaml").read_text(encoding="utf-8"))
        raw_profile = yaml.safe_load((PROFILES_DIR / "pb.yaml").read_text(encoding="utf-8"))
        bank = parse_bank(yaml.safe_dump(with_pseudo(raw_bank), allow_unicode=True),
                          "pmbok6-xa.yaml")
        profile = parse_profile(yaml.safe_dump(with_pseudo(raw_profile), allow_unicode=True),
                                "pb-xa.yaml", bank)
        assert i18n.fallback_problem(PSEUDO) is None and PSEUDO in i18n.languages()
        out = {}
        for lang in ("en", PSEUDO):
            inst = compile_instrument(bank, profile, lang)
            files = render(inst, ("html", "pdf"), RenderSettings())
            report = render_report(make_scores(inst), ReportSettings(language=lang))
            out[lang] = {"questionnaire.html": files["questionnaire.html"],
                         "questionnaire.pdf": files["questionnaire.pdf"],
                         "wave1.pdf": files["wave1.pdf"],
                         "report.html": report["report.html"],
                         "report.pdf": report["report.pdf"]}
        yield out, english_texts(raw_bank) + "\n" + english_texts(raw_profile)
    finally:
        mp.undo()


class _Text(HTMLParser):
    """A page's text nodes and attribute values (not its script or style), and the
    script's JSON messages."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.json: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self._in = tag if tag in ("script", "style") else None
        if tag == "script" and ("type", "application/json") in attrs:
            self._in = "json"
        self.parts += [v for k, v in attrs if v and k in ("aria-label", "title", "placeholder",
                                                           "alt", "value", "content")]

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "json":
            self.json.append(data)
        elif self._in is None:
            self.parts.append(data)


def visible(name: str, data: bytes) -> str:
    """The text a reader sees, whitespace removed (PDF lines break where the width says)."""
    if name.endswith(".pdf"):
        text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    else:
        parser = _Text()
        parser.feed(data.decode("utf-8"))
        text = "".join(parser.parts)
    return re.sub(r"\s+", "", unescape(text))


def outside_brackets(text: str) -> str:
    """``text`` with every [bracketed] span (nested too) taken out."""
    out, depth = [], 0
    for ch in text:
        depth += ch == "["
        if depth == 0:
            out.append(ch)
        depth -= ch == "]" and depth > 0
    return "".join(out)


def fragments() -> set[str]:
    """The literal runs of the English messages long enough to be told apart (two words
    or more), whitespace removed like the text they are looked for in."""
    found = set()
    for m in catalogue(POT):
        for msgid in (m.id if isinstance(m.id, (list, tuple)) else (m.id,)):
            for literal, *_ in string.Formatter().parse(msgid or ""):
                run = literal.strip(" :;,.()“”\"'")
                if len(run) >= 10 and " " in run and re.search("[A-Za-z]{3}", run):
                    found.add(re.sub(r"\s+", "", run))
    return found


@pytest.mark.parametrize("name", ["questionnaire.html", "questionnaire.pdf", "wave1.pdf",
                                  "report.html", "report.pdf"])
def test_a_pseudo_language_is_bracketed_everywhere_with_no_code_change(pseudo, name):
    builds, bank_text = pseudo
    english, xa = visible(name, builds["en"][name]), visible(name, builds[PSEUDO][name])
    ours = {f for f in fragments() if f not in re.sub(r"\s+", "", bank_text)}
    shown = {f for f in ours if f in english}
    assert len(shown) >= (20 if name != "wave1.pdf" else 8), len(shown)  # the check has teeth
    missing = sorted(f for f in shown if f not in xa)
    assert not missing, f"{name}: interface text gone in {PSEUDO}: {missing}"
    bare = sorted(f for f in ours if f in outside_brackets(xa))
    assert not bare, f"{name}: interface text not from the catalogue: {bare}"
    assert xa.count("[") >= len(shown) and xa.count("[") == xa.count("]")


def test_the_page_script_s_messages_come_from_the_pseudo_catalogue(pseudo):
    builds, _ = pseudo
    parser = _Text()
    parser.feed(builds[PSEUDO]["questionnaire.html"].decode("utf-8"))
    config = next(json.loads(j) for j in parser.json if '"messages"' in j)
    messages = {k: v for k, v in config["messages"].items() if k != "sentence_sep"}
    assert messages and all(v.startswith("[") and v.endswith("]") for v in messages.values()), \
        messages


# --------------------------------------------------------------------------- tags and fallback
def test_a_tag_finds_its_catalogue_by_region_then_language():
    assert i18n.candidates("zh-TW") == ("zh_TW", "zh")
    assert i18n.candidates("zh-Hant-TW") == ("zh_Hant_TW", "zh_TW", "zh")
    assert i18n.catalogue_path("zh-Hant-TW").parent.parent.name == "zh_TW"
    assert i18n.text("zh-Hant-TW").gettext("Print") == "列印"
    assert i18n.catalogue_path("zh-HK") is None  # no zh_HK, no zh: English, with LANG_001
    assert i18n.text("zh-HK").gettext("Print") == "Print"
    warning = i18n.fallback_problem("zh-HK")
    assert warning.code == "LANG_001" and warning.severity == "warning"
    assert "'zh-HK' (looked for zh_HK, zh)" in str(warning)
    assert "instrument/locale/zh_HK/LC_MESSAGES/messages.po" in str(warning)
    assert i18n.fallback_problem("zh-TW") is None and i18n.fallback_problem("en") is None


def test_a_catalogue_in_opm_locale_path_comes_first(tmp_path, monkeypatch):
    """A language's catalogue outside the package (OPM_LOCALE_PATH) serves its tag and every
    tag of the language ('zh' serves zh-HK), ahead of the package's own."""
    po = pseudo_catalogue(tmp_path)
    po.parent.parent.rename(tmp_path / "zh")
    monkeypatch.setenv(i18n.PATH_VARIABLE, str(tmp_path))
    assert i18n.text("zh-HK").gettext("Print") == "[Print]"
    assert i18n.fallback_problem("zh-HK") is None
    assert i18n.text("zh-TW").gettext("Print") == "列印"  # zh_TW is found before zh


def test_build_warns_once_when_a_language_has_no_interface_catalogue(tmp_path):
    """A bank in zh-HK builds (exit 0), with the interface in English and LANG_001 on stderr."""
    from click.testing import CliRunner
    from build import cli

    def hk(data):
        if isinstance(data, dict):
            out = {k: hk(v) for k, v in data.items()}
            if "zh-TW" in data:
                out["zh-HK"] = out["zh-TW"]
            if isinstance(data.get("languages"), list):
                out["languages"] = [*data["languages"], "zh-HK"]
            return out
        return [hk(v) for v in data] if isinstance(data, list) else data

    for folder, name in ((BANKS_DIR, "pmbok6"), (PROFILES_DIR, "pb")):
        raw = yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8"))
        (tmp_path / f"{name}-hk.yaml").write_text(yaml.safe_dump(hk(raw), allow_unicode=True),
                                                  encoding="utf-8")
    result = CliRunner().invoke(cli, [
        "build", "--bank", str(tmp_path / "pmbok6-hk.yaml"), "--profile",
        str(tmp_path / "pb-hk.yaml"), "--lang", "zh-HK", "--format", "html",
        "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("LANG_001") == 1, result.stderr
    page = next((tmp_path / "out").rglob("questionnaire.html")).read_text(encoding="utf-8")
    assert "Download my answers" in page and 'lang="zh-Hant-HK"' in page
