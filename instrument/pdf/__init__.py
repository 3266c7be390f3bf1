"""Printable questionnaires (PDF) and wave-2 follow-up forms, drawn with reportlab.

The layout is split by what it draws; every part gets one shared ``Kit``
(``blocks``): the instrument, the page ``Metrics`` (``metrics``: paper, margins,
body, the answer grid's columns), the ``Pen`` (``text``: the one embedded CJK
font, line breaking, glyph checks) and the form's wording.

=================  =====================================================
``furniture``      header, footer, page x of y; ``marks`` for machines
``cover``          cover and instructions, id boxes, codes, stages
``background``     the background questions
``headings``       area and stage headings, what is left out and why
``grid``           the scale header and the answer rows with their boxes
``routing``        the routing box after each gate block, the end note
``glossary``       the glossary appendix
``layout``         ``Layout``: the parts packed into pages and drawn
``wave2``          per-respondent wave-2 forms written to a folder
=================  =====================================================

Layout is computed before anything is drawn: every text is wrapped once per
instrument into fixed-height blocks, the blocks are packed into pages (never
splitting a practice), and only then are pages drawn. Output is deterministic.

``render`` is the renderer registered in ``artifacts``; beside each PDF it
returns the forms' box geometry (``questionnaire.geometry.json``), which
``python -m scoring scan`` reads.
"""

from __future__ import annotations

from typing import Sequence

from .. import marks
from ..artifacts import RenderSettings
from ..model import Instrument
from .blocks import Form, Respondent
from .layout import LAYOUTS, Layout, layout
from .metrics import MM, ROW_GRID, Metrics
from .text import wrap
from .wave2 import (COMBINED_BATCH, Wave2Result, combined_names, render_wave2, unprintable,
                    wave2_filenames, write_wave2)

__all__ = ["COMBINED_BATCH", "LAYOUTS", "MM", "ROW_GRID", "Form", "Layout", "Metrics",
           "Respondent", "Wave2Result", "combined_names", "layout", "render", "render_form",
           "render_wave2", "unprintable", "wave2_filenames", "wrap", "write_wave2"]


def render(instrument: Instrument, settings: RenderSettings = RenderSettings()) -> dict[str, bytes]:
    """``questionnaire.pdf`` (all stages, paper routing per area) and ``wave1.pdf`` (gate stage)."""
    lay = layout(instrument, settings)
    areas = tuple(a.id for a in instrument.areas)
    files = {}
    for name, kind in (("questionnaire.pdf", "full"), ("wave1.pdf", "wave1")):
        with marks.collect() as drawn:  # the box geometry, for python -m scoring scan
            files[name] = lay.pdf(Form(kind, areas))[0]
        files[marks.geometry_name(name)] = marks.geometry_json(drawn)
    return files


def render_form(instrument: Instrument, kind: str, settings: RenderSettings = RenderSettings(),
                respondent: Respondent | None = None,
                areas: Sequence[str] | None = None) -> tuple[bytes, int]:
    """One form ("full", "wave1" or "wave2"), optionally for a known respondent: (pdf, pages)."""
    lay = layout(instrument, settings)
    areas = tuple(areas) if areas is not None else tuple(a.id for a in instrument.areas)
    r = respondent or Respondent("")
    return lay.pdf(Form(kind, areas, r.id, r.organisation))
