"""One scanned page read: identified by its QR code, aligned by its markers, each item
decided from the ink in its boxes, and crops kept of what a person must look at."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from instrument.errors import Location, Problem, problem
from instrument.marks import PageCode

from . import ink, locate
from .geometry import Geometries, PageGeometry
from .images import Page, cv2_module

BLANK_PAGE_INK = 0.002  # share of dark pixels below which a page without markers is blank
CROP_MM = 2.5  # context around a crop, above and below
FIELD_INK = 0.03  # mean ink in a writing field above which something was written there


@dataclass(frozen=True)
class ItemRead:
    item: str
    decision: ink.Decision
    crop: bytes = b""  # PNG of the item's row, kept for flagged items only


@dataclass(frozen=True)
class FieldRead:
    """A box a person wrote into (respondent id, organisation, a number's digits)."""

    name: str
    kind: str  # "text" | "digit"
    written: bool
    crop: bytes = b""


@dataclass
class PageRead:
    page: Page
    code: PageCode
    geo: PageGeometry
    items: list[ItemRead] = field(default_factory=list)
    fields: list[FieldRead] = field(default_factory=list)

    @property
    def where(self) -> Location:
        return Location(self.page.file, self.page.number)


def _blank(image: np.ndarray) -> bool:
    small = image[::4, ::4]
    paper = float(np.percentile(small, 50))
    return float((small < paper - 80).mean()) < BLANK_PAGE_INK


def read_page(page: Page, geos: Geometries, instrument_id: str,
              problems: list[Problem]) -> PageRead | None:
    """The page read, or None after adding why it cannot be (a blank page: a warning)."""
    where = Location(page.file, page.number)
    found = locate.find_markers(page)
    if len(found.corners) < 3:
        if _blank(found.work):
            problems.append(problem("SCAN_010", where, severity="warning"))
        else:
            problems.append(problem("SCAN_004", where,
                                    detail=f"{len(found.corners)} of the 4 found"))
        return None
    papers = {g.paper for g in geos.pages.values()}
    h, err, paper = locate.fit(found, papers)
    code, _ = locate.read_code(page, found, h, paper)
    if code is None:
        problems.append(problem("SCAN_005", where))
        return None
    geo = _geometry(code, geos, instrument_id, where, problems)
    if geo is None:
        return None
    if geo.paper != paper:
        h, err = locate.homography(found, geo.paper)
    if err > locate.MAX_MISFIT:
        problems.append(problem("SCAN_016", where, n=len(found.corners),
                                mm=f"{err / locate.SCALE / 72 * 25.4:.1f}"))
        return None
    aligned = locate.Aligned(found.work, h, geo.paper)
    levels = ink.PageInk(aligned, geo.boxes, np.array([f[:4] for f in geo.fields]))
    if levels.contrast < ink.TOO_FAINT * 255:
        problems.append(problem("SCAN_013", where))
        return None
    read = PageRead(page, code, geo)
    _decide_items(levels, aligned, geo, read)
    _read_fields(levels, aligned, geo, read)
    return read


def _geometry(code: PageCode, geos: Geometries, instrument_id: str, where: Location,
              problems: list[Problem]) -> PageGeometry | None:
    from instrument.marks import instrument_key

    if code.instrument != instrument_key(instrument_id):
        known = {instrument_key(g.instrument): g.instrument for g in geos.pages.values()}
        problems.append(problem("SCAN_006", where, expected=instrument_id,
                                found=known.get(code.instrument, f"\u2026-{code.instrument}")))
        return None
    geo = geos.pages.get((code.instrument, code.form, code.page, code.layout))
    if geo is None:
        others = sorted(g.layout for g in geos.layouts(code.instrument, code.form, code.page))
        problems.append(problem("SCAN_007", where, page=code.page, form=code.form,
                                ident=instrument_id, layout=code.layout,
                                known=", ".join(others) or "none of this page"))
    return geo


def _groups(geo: PageGeometry) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for k, item in enumerate(geo.items):
        out.setdefault(item, []).append(k)
    return out


def _decide_items(levels: ink.PageInk, aligned: locate.Aligned, geo: PageGeometry,
                  read: PageRead) -> None:
    measured = ink.measure(levels, geo)
    kinds = measured.kind()
    for item, idx in _groups(geo).items():
        decision = ink.decide([geo.codes[k] for k in idx], [int(kinds[k]) for k in idx],
                              [float(measured.mean[k]) for k in idx])
        crop = b""
        if decision.outcome == ink.FLAG:
            boxes = geo.boxes[idx]
            crop = row_crop(aligned, float(boxes[:, 1].min()),
                            float((boxes[:, 1] + boxes[:, 3]).max()))
        read.items.append(ItemRead(item, decision, crop))


def _read_fields(levels: ink.PageInk, aligned: locate.Aligned, geo: PageGeometry,
                 read: PageRead) -> None:
    """Writing fields: whether anything was written, and a crop of each (digits of one
    number together)."""
    by_name: dict[str, list[tuple]] = {}
    for f in geo.fields:
        by_name.setdefault(f[4], []).append(f)
    for name, parts in by_name.items():
        boxes = np.array([p[:4] for p in parts], dtype=np.float64)
        measured = levels.ink(boxes)[0]
        x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
        x1, y1 = (boxes[:, 0] + boxes[:, 2]).max(), (boxes[:, 1] + boxes[:, 3]).max()
        crop = region_crop(aligned, x0 - CROP_MM * 2.83, y0, x1 + CROP_MM * 2.83, y1)
        read.fields.append(FieldRead(name, parts[0][5], bool((measured > FIELD_INK).any()),
                                     crop))


def region_crop(aligned: locate.Aligned, x0: float, y0: float, x1: float, y1: float) -> bytes:
    """PNG of a region of the form (PDF points), with CROP_MM above and below."""
    cv2 = cv2_module()
    pad = CROP_MM * 72 / 25.4
    image, _, _ = aligned.region(x0, y0 - pad, x1, y1 + pad)
    ok, png = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    return png.tobytes() if ok else b""


def row_crop(aligned: locate.Aligned, y0: float, y1: float) -> bytes:
    """An item's whole row: its id and statement on the left, its boxes on the right."""
    margin = 15 * 72 / 25.4
    return region_crop(aligned, margin, y0, aligned.paper[0] - margin, y1)
