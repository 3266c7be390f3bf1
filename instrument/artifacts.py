"""Which files an instrument becomes, and the renderer that makes each. No file I/O.

``render`` returns ``{file name: bytes}``; ``build.py`` writes them atomically.
Heavy renderers (HTML, PDF) are imported only when their format is asked for.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from . import tables
from .model import Instrument


@dataclass(frozen=True)
class RenderSettings:
    """Options that change how files look, never what data they collect."""

    paper: str = "A4"  # or "letter"
    font: Path | None = None  # a TrueType CJK font; default: found on the system


def _tables(instrument: Instrument, settings: RenderSettings) -> dict[str, bytes]:
    return {
        "codebook.csv": tables.codebook_csv(instrument),
        "labels.sps": tables.spss_syntax(instrument),
    }


def _entry(instrument: Instrument, settings: RenderSettings) -> dict[str, bytes]:
    return {"data-entry.csv": tables.entry_csv(instrument),
            "data-entry.xlsx": tables.entry_xlsx(instrument)}


def _lazy(target: str) -> Callable[[Instrument, RenderSettings], dict[str, bytes]]:
    module, func = target.split(":")

    def call(instrument: Instrument, settings: RenderSettings) -> dict[str, bytes]:
        return getattr(importlib.import_module(module), func)(instrument, settings)
    return call


# format name -> renderer; the manifest is always written.
RENDERERS: dict[str, Callable[[Instrument, RenderSettings], dict[str, bytes]]] = {
    "codebook": _tables,
    "entry": _entry,
    "html": _lazy("instrument.html:render"),
    "pdf": _lazy("instrument.pdf:render"),
}
FORMATS = tuple(RENDERERS)
# every file name a build writes into an output folder (tests check the renderers keep to
# it): a folder holding anything else is the user's, and the build refuses to replace it
OWN_FILES = frozenset({"manifest.json", "codebook.csv", "labels.sps", "data-entry.csv",
                       "data-entry.xlsx", "questionnaire.html", "questionnaire.pdf",
                       "wave1.pdf", "xlsform.xlsx",
                       # box geometry of the printed forms, for `python -m scoring scan`
                       "questionnaire.geometry.json", "wave1.geometry.json"})


def render(instrument: Instrument, formats: tuple[str, ...],
           settings: RenderSettings = RenderSettings()) -> dict[str, bytes]:
    files = {"manifest.json": tables.manifest_json(instrument)}
    for name in formats:
        files.update(RENDERERS[name](instrument, settings))
    return files
