"""The printed forms' box geometry (written by build.py next to each PDF), indexed by what
a page's QR code says: instrument, form kind, page number and layout tag."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from instrument.errors import InstrumentError, Location, problem
from instrument.inputs import NotReadable, read_bounded
from instrument.marks import GEOMETRY_FORMAT, instrument_key

MAX_GEOMETRY_BYTES = 200_000_000


@dataclass(frozen=True)
class PageGeometry:
    instrument: str  # the instrument id
    form: str  # "full" | "wave1" | "wave2"
    page: int
    layout: str
    paper: tuple[float, float]  # width, height in PDF points
    markers: tuple[tuple[int, float, float, float], ...]  # (id, x, y, side), lower-left corners
    qr: tuple[float, float, float]  # x, y of the lower-left corner, largest side
    boxes: np.ndarray  # float64 n x 4: x, y, w, h in PDF points
    items: tuple[str, ...]  # per box
    codes: tuple[int, ...]  # per box
    fields: tuple[tuple[float, float, float, float, str, str], ...] = ()
    source: str = ""  # the geometry file

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (instrument_key(self.instrument), self.form, self.page, self.layout)


@dataclass(frozen=True)
class FormLayout:
    """One printed form: its pages' layout tags, and the pages a person marks or writes on."""

    key: str  # instrument key
    kind: str
    respondent: str  # a form laid out for one respondent (wave 2), else ''
    layouts: Mapping[int, str]
    needed: tuple[int, ...]


@dataclass
class Geometries:
    """Every page layout known to a run, and which form each stamped respondent has."""

    pages: dict[tuple[str, str, int, str], PageGeometry] = field(default_factory=dict)
    forms: list[FormLayout] = field(default_factory=list)
    organisation: dict[str, str] = field(default_factory=dict)  # stamped respondent -> org
    files: list[str] = field(default_factory=list)

    def add_form(self, form: Mapping[str, Any], source: str) -> None:
        ident, kind = str(form["instrument"]), str(form["form"])
        w, h = (float(v) for v in form["paper"])
        m = form["markers"]
        markers = tuple((int(i), float(x), float(y), float(m["size"]))
                        for i, (x, y) in zip(m["ids"], m["origins"]))
        qr = (float(form["qr"]["x"]), float(form["qr"]["y"]), float(form["qr"]["max"]))
        layouts, needed = {}, []
        for p in form["pages"]:
            boxes = p["boxes"]
            geo = PageGeometry(
                ident, kind, int(p["page"]), str(p["layout"]), (w, h), markers, qr,
                np.array([b[:4] for b in boxes], dtype=np.float64).reshape(-1, 4),
                tuple(str(b[4]) for b in boxes), tuple(int(b[5]) for b in boxes),
                tuple((float(f[0]), float(f[1]), float(f[2]), float(f[3]), str(f[4]), str(f[5]))
                      for f in p.get("fields", ())), source)
            self.pages.setdefault(geo.key, geo)
            layouts[geo.page] = geo.layout
            if len(geo.items) or geo.fields:
                needed.append(geo.page)
        respondent = str(form.get("respondent") or "")
        self.forms.append(FormLayout(instrument_key(ident), kind, respondent, layouts,
                                     tuple(needed)))
        if respondent:
            self.organisation[respondent] = str(form.get("organisation") or "")
        for rid, org in (form.get("respondents") or {}).items():
            self.organisation[str(rid)] = str(org)

    def form_of(self, key: str, kind: str, respondent: str,
                seen: Mapping[int, str]) -> FormLayout | None:
        """The printed form that has every page seen (page -> layout), the respondent's own
        first (a wave-2 form is laid out for one respondent)."""
        fits = [f for f in self.forms if (f.key, f.kind) == (key, kind)
                and all(f.layouts.get(n) == lay for n, lay in seen.items())]
        own = [f for f in fits if f.respondent and f.respondent == respondent]
        return (own or fits or [None])[0]

    def layouts(self, key: str, kind: str, page: int) -> list[PageGeometry]:
        return [g for (k, f, n, _), g in self.pages.items() if (k, f, n) == (key, kind, page)]


def load(paths: Iterable[Path]) -> Geometries:
    """Read geometry files; a file that is not one is GEOMETRY's SCAN_003, all listed."""
    found = Geometries()
    problems = []
    for path in paths:
        where = Location(str(path))
        try:
            data = json.loads(read_bounded(path, MAX_GEOMETRY_BYTES).decode("utf-8"))
            forms = data["forms"] if "forms" in data else [data]
            for form in forms:
                if form.get("format") != GEOMETRY_FORMAT:
                    raise ValueError(f"format {form.get('format')!r}, this version reads "
                                     f"{GEOMETRY_FORMAT}")
                found.add_form(form, str(path))
            found.files.append(str(path))
        except NotReadable as exc:
            problems.append(problem("SCAN_003", where, detail=exc.detail))
        except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            problems.append(problem("SCAN_003", where, detail=f"not a box geometry file ({exc})"))
    if problems:
        raise InstrumentError(problems)
    return found


def beside(manifest: Path) -> list[Path]:
    """The geometry files build.py wrote next to a manifest."""
    return sorted(Path(manifest).parent.glob("*.geometry.json"))
