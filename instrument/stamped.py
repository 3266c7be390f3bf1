"""Forms stamped for a list of respondents (``build.py build --respondents ids.csv``): one
PDF per respondent and form, with the id printed on every page and held in each page's
QR code, so scans of them may come back in any order, mixed. No file I/O here."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import marks
from .artifacts import RenderSettings
from .errors import InstrumentError, Location, problem
from .inputs import NotReadable, read_bounded, visible
from .model import Instrument

MAX_BYTES = 20_000_000
FORMS = (("questionnaire", "full"), ("wave1", "wave1"))  # file stem, form kind
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-\u3400-\u9fff]+")
OWN_NAMES = re.compile(r"^(questionnaire|wave1)(-.+\.pdf|\.geometry\.json)$")


@dataclass(frozen=True)
class Stamp:
    respondent_id: str
    organisation: str
    stem: str  # the id made safe for a file name, unique in the batch


def read_respondents(path: Path) -> list[Stamp]:
    """The respondents of ``path`` (a CSV with respondent_id and, optionally, organisation;
    UTF-8, as Excel's CSV UTF-8 saves it). BUILD_008 names the row of each problem."""
    where = Location(str(path))
    try:
        text = read_bounded(path, MAX_BYTES).decode("utf-8-sig")
    except NotReadable as exc:
        raise InstrumentError([problem("BUILD_008", where, detail=f"cannot read the file "
                                       f"({exc.detail})", fix="check the path")]) from None
    except UnicodeDecodeError:
        raise InstrumentError([problem("BUILD_008", where, detail="the file is not UTF-8",
                                       fix="in Excel use Save As \u2192 CSV UTF-8")]) from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = [visible(c).strip() for c in (rows[0] if rows else [])]
    if "respondent_id" not in header:
        raise InstrumentError([problem("BUILD_008", Location(str(path), 1),
                                       detail="no respondent_id column in row 1",
                                       fix="give the file a header row: respondent_id,"
                                       "organisation")])
    rid, org = header.index("respondent_id"), (header.index("organisation")
                                               if "organisation" in header else None)
    stamps, problems, first, used = [], [], {}, set()
    for n, row in enumerate(rows[1:], 2):
        cells = [visible(c).strip() for c in row]
        if not any(cells):
            continue
        ident = cells[rid] if rid < len(cells) else ""
        here = Location(str(path), n)
        if not ident:
            problems.append(problem("BUILD_008", here, detail="respondent_id is blank",
                                    fix="give every row an id, or delete the row"))
        elif ident in first:
            problems.append(problem("BUILD_008", here, detail=f"respondent '{ident}' "
                                    f"appears again (first on row {first[ident]})",
                                    fix="give each respondent one row"))
        else:
            first[ident] = n
            organisation = cells[org] if org is not None and org < len(cells) else ""
            stamps.append(Stamp(ident, organisation, _stem(ident, n, used)))
    if not stamps and not problems:
        problems.append(problem("BUILD_008", where, detail="no respondents",
                                fix="list one respondent_id a row under the header"))
    if problems:
        raise InstrumentError(problems)
    return stamps


def _stem(ident: str, row: int, used: set[str]) -> str:
    """A file-name-safe, unique form of the id (case ignored, as some file systems do)."""
    stem = _UNSAFE.sub("_", ident).strip("._")[:80] or f"row{row}"
    name, k = stem, 1
    while name.lower() in used:
        name = f"{stem}-{row}" if k == 1 else f"{stem}-{row}-{k}"
        k += 1
    used.add(name.lower())
    return name


def stamped_files(instrument: Instrument, settings: RenderSettings,
                  stamps: list[Stamp]) -> dict[str, bytes]:
    """``questionnaire-<id>.pdf`` and ``wave1-<id>.pdf`` per respondent, and the forms' box
    geometry (one file per form kind, naming every respondent)."""
    from . import pdf

    files: dict[str, bytes] = {}
    for stem, kind in FORMS:
        with marks.collect() as drawn:
            for s in stamps:
                data, _ = pdf.render_form(instrument, kind, settings,
                                          pdf.Respondent(s.respondent_id, s.organisation))
                files[f"{stem}-{s.stem}.pdf"] = data
        if drawn:  # the layout stamps pages with markers and page codes
            geometry = marks.batch_geometry(drawn, {s.respondent_id: s.organisation
                                                    for s in stamps})
            files[f"{stem}.geometry.json"] = (json.dumps(geometry, ensure_ascii=False)
                                              + "\n").encode("utf-8")
    return files


class OwnFiles:
    """The names a build may have written: ``others`` and a stamped folder's (a folder
    holding anything else is the user's, and is not replaced)."""

    def __init__(self, others: frozenset[str]):
        self.others = others

    def __contains__(self, name: object) -> bool:
        return name in self.others or (isinstance(name, str) and bool(OWN_NAMES.match(name)))
