"""Shared fixtures: the bundled bank, profiles and compiled instruments, loaded once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from instrument.compile import compile_instrument
from instrument.loader import load_bank, load_profile

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
PROFILES = ("generic", "pb", "smartcity")
LANGS = ("zh-TW", "en")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite golden files from the current output instead of comparing")


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def bank():
    return load_bank("pmbok6")


@pytest.fixture(scope="session")
def instruments(bank):
    """{(profile, lang): Instrument} for every bundled profile x language."""
    return {(p, lang): compile_instrument(bank, load_profile(p, bank), lang)
            for p in PROFILES for lang in LANGS}


@pytest.fixture(scope="session")
def instrument(instruments):
    """The generic zh-TW instrument, for tests that need just one."""
    return instruments[("generic", "zh-TW")]


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def check_golden(path: Path, actual: str, update: bool) -> None:
    """Compare with a golden file, or rewrite it under --update-golden."""
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as fh:  # keep CRLF as produced
            fh.write(actual)
        if not update:
            pytest.fail(f"golden file {path} was missing and has been written; re-run")
        return
    with open(path, encoding="utf-8", newline="") as fh:
        expected = fh.read()
    assert actual == expected, f"output differs from {path}; run pytest --update-golden if intended"


def page_words(language: str) -> dict[str, str]:
    """The questionnaire page's own words that tests look for, from the catalogue: the
    script's messages by their names, and the texts of the template they check."""
    from instrument import html, i18n

    t = i18n.text(language)
    return {**html.script_messages(t),
            "download": t.gettext("Download my answers"),
            "download_anyway": t.gettext("Download anyway"),
            "start_over": t.gettext("Start over"),
            "scale_extra": t.gettext("Not scored"),
            "gate_nojs": t.gettext("The statements below cover the area's further stages: "
                                   "please answer them too."),
            "nojs_return": t.gettext("This page's script is not running, so the answers cannot "
                                     "be downloaded: print this page (or save it as PDF) and "
                                     "return it as the researcher asked."),
            "nojs_note": t.gettext("Your browser is not running this page's script, so every statement is "
                                 "shown and nothing is saved automatically. Please answer every "
                                 "statement (stages that do not apply are not used in scoring). When you "
                                 "have finished, print this page (or save it as PDF) and return it as "
                                 "the researcher asked.")}


def paper_words(language: str) -> dict[str, str]:
    """The paper form's own words that tests look for, from the catalogue, by the names the
    tests use (``n_items`` formatted with the count given)."""
    from instrument import i18n
    from instrument.contract import id_label

    t = i18n.text(language)
    return {"respondent_id": id_label("respondent_id", language),
            "organisation": id_label("organisation", language),
            "end_wave1": t.gettext("This is the end of the first form. Thank you! A second form "
                                   "will follow with the {names} statements of the knowledge "
                                   "areas that reach the threshold; if no area does, there is no "
                                   "second form."),
            "not_scored": t.gettext("Not scored"),
            "na_item": t.gettext("{code} {name} (not applicable, so not asked): {reason}"),
            "na_area": t.gettext("Not applicable here, so not asked: "),
            "h_background": t.gettext("About you"),
            "minutes_range": t.gettext("about {low}–{high} minutes"),
            "minutes": t.gettext("about {n} minutes"),
            "mark_how": t.gettext("With a black or blue pen, put a cross (X) in the one box per "
                                     "statement that best describes what actually happens. To "
                                     "change an answer, fill the wrong box in completely and cross "
                                     "the right one."),
            "glossary": t.gettext("Appendix: Glossary")}
