"""Wave-2 forms: one per respondent who passed an area, streamed to a folder.

``render_wave2`` draws one respondent's follow-up form (the higher-stage stems of
the areas they passed, their id on every page); ``write_wave2`` writes many of
them, all or nothing, with optional combined printing files; ``unprintable``
checks the ids and organisations against the font before any form is drawn.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .. import marks
from ..artifacts import RenderSettings
from ..atomic import foreign_entries, replacing, symlink_in
from ..errors import InstrumentError, Location, Problem, problem
from ..followup import Plan
from ..model import Instrument
from .blocks import Form, Respondent
from .layout import binary_streams, layout


def render_wave2(instrument: Instrument, plan: Plan,
                 settings: RenderSettings = RenderSettings()) -> bytes:
    """One respondent's wave-2 form: the non-gate stems of the areas they passed."""
    if not plan.needs_wave2:
        raise ValueError(f"respondent {plan.respondent_id!r} passed no area: no wave-2 form")
    who = Respondent(plan.respondent_id, plan.organisation)
    return layout(instrument, settings).pdf(Form("wave2", plan.areas, who.id, who.organisation))[0]


def unprintable(instrument: Instrument, settings: RenderSettings, plans: Sequence[Plan],
                rows: Sequence[Location]) -> list[Problem]:
    """PDF_002 for each distinct id or organisation of a needed form that the font cannot
    print, at its first row (``rows``: where each plan's answers came from). Checked before
    any form is drawn, so one run lists them all."""
    lay = layout(instrument, settings)
    found: dict[tuple[str, str], Problem] = {}
    for where, p in zip(rows, plans):
        if not p.needs_wave2:
            continue
        for column, text in (("respondent_id", p.respondent_id), ("organisation", p.organisation)):
            missing = lay.pen.missing(text) if (column, text) not in found else ""
            if missing:
                found[column, text] = problem("PDF_002", where, chars=missing,
                                              where=f"column '{column}'")
    return list(found.values())


_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-\u3400-\u9fff]+")
_COMBINED = re.compile(r"wave2-all(-\d{4})?\.pdf", re.IGNORECASE)  # the printing files' names


def wave2_filenames(plans: Sequence[Plan]) -> dict[str, str]:
    """respondent id -> file name (``wave2-<id>.pdf``, made safe and unique).

    Ids that make the same name (``x/`` and ``x``, or ``R1`` and ``r1`` on a file system
    that ignores case) are told apart by their row number (``wave2-x-3.pdf``), and a
    counter if even that is taken; the printing files' names (``wave2-all.pdf``,
    ``wave2-all-0001.pdf``) are never given to a respondent, with --combined or without.
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    for k, p in enumerate(plans, 1):
        if not p.needs_wave2:
            continue
        stem = _UNSAFE.sub("_", p.respondent_id).strip("._")[:80] or f"row{k}"
        name, n = f"wave2-{stem}.pdf", 1
        while name.lower() in used or _COMBINED.fullmatch(name):
            name = f"wave2-{stem}-{k}.pdf" if n == 1 else f"wave2-{stem}-{k}-{n}.pdf"
            n += 1
        used.add(name.lower())
        names[p.respondent_id] = name
    return names


GEOMETRY = "wave2.geometry.json"  # every form's box geometry, for python -m scoring scan
_OUR_FILES = re.compile(r"^(wave2-.+\.pdf|followup\.csv|wave2\.geometry\.json)$")


def _check_replaceable(folder: Path) -> None:
    """``folder`` is replaced whole: refuse one that holds anything but an earlier run's files
    (``--out .`` must never delete the user's work), and any path through a symbolic link."""
    def refuse(detail: str) -> None:
        raise InstrumentError([problem("BUILD_003", Location(str(folder)), detail=detail)])

    link = symlink_in(folder)
    if link is not None:
        refuse(f"{link} is a symbolic link; refusing to write through it")
    if folder.exists() and not folder.is_dir():
        refuse(f"{folder} exists and is not a folder")
    if not folder.exists():
        return
    if folder.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
        foreign = [folder.name or str(folder)]
    else:
        foreign = foreign_entries(folder, lambda name: bool(_OUR_FILES.match(name)))
    if foreign:
        refuse(f"{folder} already holds other files ({', '.join(foreign[:3])}); wave-2 forms "
               "replace their folder whole, so give a new or empty folder")


COMBINED_BATCH = 500  # forms per combined printing file: bounds memory (reportlab keeps a
#                       document's pages until it is saved) and suits a print run


@dataclass(frozen=True)
class Wave2Result:
    folder: Path
    forms: int  # per-respondent PDFs written
    pages: int  # pages in those PDFs
    combined: tuple[Path, ...]  # wave2-all.pdf, or wave2-all-0001.pdf, ... in batches


def combined_names(n_forms: int, batch: int = COMBINED_BATCH) -> list[str]:
    """File names of the combined printing PDFs for ``n_forms`` forms."""
    if n_forms <= 0:
        return []
    if n_forms <= batch:
        return ["wave2-all.pdf"]
    return [f"wave2-all-{k:04d}.pdf" for k in range(1, -(-n_forms // batch) + 1)]


def write_wave2(instrument: Instrument, plans: Sequence[Plan], folder: Path | str,
                settings: RenderSettings = RenderSettings(), *, combined: bool = False,
                files: Mapping[str, bytes] | None = None,
                progress: Callable[[int], object] | None = None,
                batch: int = COMBINED_BATCH) -> Wave2Result:
    """Write every needed wave-2 form into ``folder``, all or nothing.

    Forms are streamed: each PDF is written to a staging folder next to
    ``folder`` as soon as it is drawn, so memory does not grow with the number
    of respondents. ``combined`` adds ``wave2-all.pdf`` (every form in order, a
    bookmark per respondent, page numbers per form) for batch printing; above
    ``batch`` forms it is split into ``wave2-all-0001.pdf``, ``-0002`` ... of
    ``batch`` forms each, since a PDF document is held in memory until saved.
    ``files`` (e.g. ``followup.csv``) are written alongside, and ``wave2.geometry.json``
    (each form's box geometry, streamed as the forms are drawn). Only when all of it
    succeeded is ``folder`` replaced, whole, with ``os.replace``.
    """
    lay = layout(instrument, settings)
    folder = Path(folder)
    names = wave2_filenames(plans)
    batches = combined_names(len(names), batch) if combined else []
    forms = pages = 0
    with replacing(folder, _check_replaceable) as new, \
            open(new / GEOMETRY, "x", encoding="utf-8") as geometry:
        all_canvas = None
        geometry.write(f'{{"format":{marks.GEOMETRY_FORMAT},"forms":[')

        def finish_batch() -> None:
            if all_canvas is not None:
                all_canvas.showOutline()
                with binary_streams():
                    all_canvas.save()

        for p in plans:
            if not p.needs_wave2:
                continue
            form = Form("wave2", p.areas, p.respondent_id, p.organisation)
            with marks.collect() as drawn:
                data, n = lay.pdf(form)
            geometry.write(("," if forms else "")
                           + json.dumps(drawn[0].geometry(), ensure_ascii=False))
            with open(new / names[p.respondent_id], "xb") as fh:  # never over another's form
                fh.write(data)
            if batches and forms % batch == 0:  # start the next printing file
                finish_batch()
                all_canvas = lay.canvas(str(new / batches[forms // batch]), Form("wave2", ()))
            forms += 1
            pages += n
            if all_canvas is not None:
                lay.draw(all_canvas, form, bookmark=p.respondent_id)
            if progress:
                progress(1)
        finish_batch()
        geometry.write("]}\n")
        for name, data in (files or {}).items():
            with open(new / name, "xb") as fh:
                fh.write(data)
    return Wave2Result(folder, forms, pages, tuple(folder / name for name in batches))
