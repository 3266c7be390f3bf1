"""Reports of a scoring run: ``render(scores, settings) -> {file name: bytes}``.

- ``report.html``: self-contained (inline CSS, CSS bar charts, no script, a CSP
  that forbids every fetch), ``scoring/report_html.py``;
- ``report.pdf``: the same content with an embedded CJK font and reportlab
  charts, ``scoring/report_pdf.py``;
- ``responses.sav`` / ``responses.dta``: the cleaned responses with variable and
  value labels, ``scoring/export_stats.py``.

Both reports draw one ``ReportView`` (``scoring/report_view.py``), computed once.
No file I/O here: the CLI writes the bytes atomically.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from .export_stats import dta_bytes, sav_bytes
from .report_view import build_view, languages
from .scores import Scores

PAPERS = ("A4", "letter")
FILES = ("report.html", "report.pdf", "responses.sav", "responses.dta")


@dataclass(frozen=True)
class ReportSettings:
    """How the reports look; never what they say about the data."""

    language: str | None = None  # report wording (a catalogue's language); None: the instrument's
    font: Path | None = None  # a TrueType CJK font for the PDF; None: found on the system
    paper: str = "A4"  # or "letter"

    def resolved_language(self, instrument_language: str) -> str:
        known = languages()
        language = self.language or instrument_language
        if language not in known:  # an instrument in another language: English chrome
            language = "en" if self.language is None else language
        if language not in known:
            raise ValueError(f"report language {language!r} is not one of {', '.join(known)}")
        if self.paper not in PAPERS:
            raise ValueError(f"paper {self.paper!r} is not one of {', '.join(PAPERS)}")
        return language


def render(scores: Scores, settings: ReportSettings = ReportSettings(),
           files: Collection[str] = FILES) -> dict[str, bytes]:
    """The report files of one scoring run (``files``, default all), as bytes by file name.

    Only what is asked for is made: the .dta of 100,000 respondents takes ~35 s.
    """
    unknown = set(files) - set(FILES)
    if unknown:
        raise ValueError(f"unknown report file {min(unknown)!r}; choose from {FILES}")
    language = settings.resolved_language(scores.instrument.language)
    out: dict[str, bytes] = {}
    if {"report.html", "report.pdf"} & set(files):
        view = build_view(scores, language)
        if "report.html" in files:
            from .report_html import render_html

            out["report.html"] = render_html(view)
        if "report.pdf" in files:
            from .report_pdf import render_pdf

            out["report.pdf"] = render_pdf(view, settings)
    if "responses.sav" in files:
        out["responses.sav"] = sav_bytes(scores, language)
    if "responses.dta" in files:
        out["responses.dta"] = dta_bytes(scores, language)
    return out
