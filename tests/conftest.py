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
