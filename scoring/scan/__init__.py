"""Read marked paper forms from scans into the scorer's response layout.

``scan(paths, instrument, geometries)`` is the one entry point; it reads no file but
the scans and writes none. Each page is identified by its QR code and aligned by its
four ArUco markers (``locate``), each item decided from the ink in its boxes
(``ink``), pages gathered into forms (``forms``), a person's corrections applied
(``corrections``). What it cannot decide is flagged, never guessed silently: the
flagged cells stay blank and ``ScanResult.flags`` says why, with a crop to look at
(``review`` makes the page for it). OpenCV, zxing-cpp and pypdfium2 are imported
only here, so the rest of the scorer does not pay for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from instrument.errors import InstrumentError, Location, Problem, problem
from instrument.model import Instrument

from . import corrections as corr
from .forms import Flag, Form, check_complete, group, rows
from .geometry import Geometries
from .images import Unreadable, read_pages
from .pages import PageRead, read_page

MAX_FILE_BYTES = 2 * 1024**3


@dataclass
class ScanResult:
    rows: list[dict[str, str]]  # one per form, the scorer's columns
    flags: list[Flag]  # still to be decided by a person
    forms: list[Form]
    warnings: list[Problem] = field(default_factory=list)
    pages: int = 0  # pages read
    applied: list[corr.Correction] = field(default_factory=list)

    @property
    def items_read(self) -> int:
        return sum(len(r.items) for f in self.forms for r in f.pages.values())


def scan(paths: Sequence[Path], instrument: Instrument, geometries: Geometries, *,
         fixes: Sequence[corr.Correction] = (), max_file_bytes: int = MAX_FILE_BYTES,
         progress: Callable[[int], object] | None = None) -> ScanResult:
    """Read every page of ``paths``; raise ``InstrumentError`` listing every problem that
    makes the input unusable (unreadable files, pages of another questionnaire, missing
    or repeated pages, unknown corrections), else return rows, flags and warnings."""
    problems: list[Problem] = []
    reads: list[PageRead] = []
    for path in paths:
        try:
            for page in read_pages(Path(path), max_file_bytes):
                read = read_page(page, geometries, instrument.id, problems)
                if read is not None:
                    reads.append(read)
                if progress:
                    progress(1)
        except Unreadable as exc:
            problems.append(problem("SCAN_001", Location(str(path)), detail=str(exc)))
    if not reads and not [p for p in problems if p.severity == "error"]:
        problems.append(problem("SCAN_012", Location(", ".join(map(str, paths)) or
                                                     "command line"),
                                detail=": every page was blank" if paths else ""))
    found = group(reads, problems)
    check_complete(found, geometries, problems)
    table, flags = rows(found, instrument, geometries)
    keys = {f.key: k for k, f in enumerate(found)}
    problems += corr.check(fixes, set(keys), instrument)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InstrumentError(problems)
    flags = _apply(fixes, keys, table, flags)
    warnings = [p for p in problems if p.severity != "error"] + _summary(flags)
    return ScanResult(table, flags, found, warnings, len(reads), list(fixes))


def _apply(fixes: Sequence[corr.Correction], keys: dict[str, int], table: list[dict],
           flags: list[Flag]) -> list[Flag]:
    done = set()
    for c in fixes:
        table[keys[c.form]][c.column] = c.value
        done.add((c.form, c.column))
    return [f for f in flags if (f.form, f.column) not in done]


def _summary(flags: list[Flag]) -> list[Problem]:
    where = Location("review.html")
    marks = [f for f in flags if f.kind == "mark"]
    out = []
    if marks:
        reasons = sorted({f.reason for f in marks})
        out.append(problem("SCAN_014", where, severity="warning", n=len(marks),
                           reasons="; ".join(reasons)))
    unnamed = sorted({f.form for f in flags if f.column == "respondent_id"})
    if unnamed:
        shown = ", ".join(unnamed[:3]) + (", \u2026" if len(unnamed) > 3 else "")
        out.append(problem("SCAN_015", where, severity="warning", n=len(unnamed), forms=shown))
    return out
