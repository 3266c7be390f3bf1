"""Synthetic filled-in scans of built forms, for the benchmark and the tests.

A form page is rasterised from its PDF (pypdfium2), marked the way people mark paper
(crosses and ticks of several pen widths and inks, a filled-in box for a changed
answer next to the new cross, blanks), then put through what scanners and copiers do
(rotation, scale, shift, blur, noise, a darker copy, JPEG). Every image operation is
OpenCV's. The truth (each item's intended code) is returned beside the images, so a
read can be checked item by item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .geometry import PageGeometry
from .images import cv2_module

INKS = {"black": 25, "blue": 85, "pencil": 110}  # grey level of a stroke
PENS_MM = (0.3, 0.5, 0.7)  # pen widths
BED_MM = 8  # white around the sheet in a scan: the glass is larger than the paper


@dataclass(frozen=True)
class Degrade:
    """What happens to a page between the respondent and the scanner's file."""

    rotate: float = 3.0  # at most, degrees, either way
    scale: float = 0.02  # at most, either way
    shift_mm: float = 3.0
    blur: float = 1.0  # at most, sigma in pixels at 200 dpi
    noise: float = 6.0  # sigma of grey-level noise
    darken: float = 0.3  # chance of a photocopier's grey background
    jpeg: tuple[int, int] = (50, 90)  # quality range; (0, 0) = no JPEG
    flip: bool = False  # rotate by 180 degrees


CLEAN = Degrade(0, 0, 0, 0, 0, 0, (0, 0))


@dataclass
class Truth:
    """What was meant on each item (None: left blank)."""

    answers: dict[str, int | None] = field(default_factory=dict)


def render_pages(pdf: bytes, dpi: int) -> list[np.ndarray]:
    """The PDF's pages as greyscale images."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for k in range(len(doc)):
            bitmap = doc[k].render(scale=dpi / 72, grayscale=True)
            arr = bitmap.to_numpy()
            out.append(np.array(arr[:, :, 0] if arr.ndim == 3 else arr, dtype=np.uint8))
        return out
    finally:
        doc.close()


def _box_px(box: Sequence[float], paper_h: float, s: float) -> tuple[float, float, float]:
    x, y, w, h = box
    return x * s, (paper_h - y - h) * s, w * s  # left, top, side


def _stroke(img, pts, width: float, grey: int) -> None:
    cv2 = cv2_module()
    pts = np.round(np.asarray(pts) * 16).astype(np.int32)
    cv2.polylines(img, [pts], False, grey, max(1, round(width)), cv2.LINE_AA, shift=4)


def draw_mark(img: np.ndarray, box, paper_h: float, dpi: int, kind: str, rng,
              pen_mm: float, grey: int) -> None:
    """Draw one mark: 'cross', 'tick' or 'fill' into ``box`` (PDF points)."""
    s = dpi / 72
    left, top, side = _box_px(box, paper_h, s)
    width = pen_mm / 25.4 * dpi
    j = lambda: rng.uniform(-0.08, 0.08) * side  # noqa: E731 - a hand's wobble
    if kind == "cross":
        a = rng.uniform(0.12, 0.25) * side
        near, far = a, side - a
        _stroke(img, [(left + near + j(), top + near + j()), (left + far + j(), top + far + j())],
                width, grey)
        _stroke(img, [(left + far + j(), top + near + j()), (left + near + j(), top + far + j())],
                width, grey)
    elif kind == "tick":
        _stroke(img, [(left + 0.2 * side + j(), top + 0.55 * side + j()),
                      (left + 0.42 * side + j(), top + 0.8 * side + j()),
                      (left + 0.85 * side + j(), top + 0.15 * side + j())], width, grey)
    else:  # fill: a scribble of strokes over the whole box
        cv2 = cv2_module()
        pts = np.array([[left + 0.1 * side, top + 0.1 * side],
                        [left + 0.9 * side, top + 0.1 * side],
                        [left + 0.9 * side, top + 0.9 * side],
                        [left + 0.1 * side, top + 0.9 * side]]) + rng.uniform(-1, 1, (4, 2))
        cv2.fillPoly(img, [np.round(pts).astype(np.int32)], grey, cv2.LINE_AA)


def fill_page(img: np.ndarray, geo: PageGeometry, dpi: int, rng, truth: Truth,
              blank_share: float = 0.05, change_share: float = 0.03) -> None:
    """Mark every item of the page: an intended code per item (or none), drawn with one
    pen and ink per page, sometimes as a change (the first choice filled in)."""
    kind = rng.choice(["cross", "cross", "tick"])
    pen = float(rng.choice(PENS_MM))
    grey = INKS[str(rng.choice(list(INKS)))]
    items: dict[str, list[int]] = {}
    for k, item in enumerate(geo.items):
        items.setdefault(item, []).append(k)
    for item, idx in items.items():
        if rng.random() < blank_share:
            truth.answers[item] = None
            continue
        pick = idx[int(rng.integers(len(idx)))]
        truth.answers[item] = geo.codes[pick]
        if len(idx) > 1 and rng.random() < change_share:
            other = idx[(idx.index(pick) + 1 + int(rng.integers(len(idx) - 1))) % len(idx)]
            draw_mark(img, geo.boxes[other], geo.paper[1], dpi, "cross", rng, pen, grey)
            draw_mark(img, geo.boxes[other], geo.paper[1], dpi, "fill", rng, pen, grey)
        draw_mark(img, geo.boxes[pick], geo.paper[1], dpi, kind, rng, pen, grey)


def degrade(img: np.ndarray, dpi: int, rng, how: Degrade) -> np.ndarray:
    """The marked page as a scanner or copier returns it (greyscale)."""
    cv2 = cv2_module()
    pad = round(BED_MM / 25.4 * dpi)  # the scanner's glass is larger than the sheet
    img = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
    h, w = img.shape
    angle = rng.uniform(-how.rotate, how.rotate) + (180 if how.flip else 0)
    scale = 1 + rng.uniform(-how.scale, how.scale)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    shift = how.shift_mm / 25.4 * dpi
    m[:, 2] += rng.uniform(-shift, shift, 2)
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    if how.blur:
        sigma = rng.uniform(0.3, how.blur) * dpi / 200
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    if rng.random() < how.darken:  # a copier: grey paper, weaker blacks
        out = cv2.convertScaleAbs(out, alpha=rng.uniform(0.7, 0.85), beta=rng.uniform(0, 15))
    if how.noise:
        noise = np.empty(out.shape, np.int16)
        cv2.randn(noise, 0, how.noise)
        out = cv2.add(out.astype(np.int16), noise, dtype=cv2.CV_8U)
    if how.jpeg[1]:
        quality = int(rng.integers(how.jpeg[0], how.jpeg[1] + 1))
        ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
        out = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    return out


def form_pages(geos, kind: str, respondent: str = "") -> dict[int, PageGeometry]:
    """Page number -> geometry of the first printed form of ``kind`` in ``geos``."""
    layout = next(f for f in geos.forms if f.kind == kind
                  and (not respondent or f.respondent in ("", respondent)))
    return {n: geos.pages[(layout.key, kind, n, tag)] for n, tag in layout.layouts.items()}


def fill_form(blank: Sequence[np.ndarray], pages: dict[int, PageGeometry], dpi: int, rng,
              how: Degrade = Degrade()) -> tuple[list[np.ndarray], Truth]:
    """A respondent's whole form, marked and scanned: (page images in page order, truth)."""
    truth = Truth()
    out = []
    for n, image in enumerate(blank, 1):
        img = image.copy()
        if n in pages and len(pages[n].items):
            fill_page(img, pages[n], dpi, rng, truth)
        out.append(degrade(img, dpi, rng, how))
    return out, truth


def pdf_of(images: Sequence[np.ndarray], dpi: int, quality: int = 85) -> bytes:
    """A scanner's PDF: one JPEG per page (OpenCV encodes; reportlab only wraps)."""
    import io

    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    cv2 = cv2_module()
    buf = io.BytesIO()
    c = Canvas(buf, invariant=1)
    for img in images:
        h, w = img.shape
        c.setPageSize((w / dpi * 72, h / dpi * 72))
        ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
        c.drawImage(ImageReader(io.BytesIO(jpeg.tobytes())), 0, 0, w / dpi * 72, h / dpi * 72)
        c.showPage()
    c.save()
    return buf.getvalue()


def tiff_of(images: Sequence[np.ndarray], dpi: int, g4: bool = False) -> bytes:
    """A multi-page TIFF: greyscale (LZW), or black and white in CCITT G4 as fax machines and
    office scanners' 'text' mode write it (OpenCV thresholds, Pillow writes G4, which
    OpenCV cannot)."""
    import io

    from PIL import Image

    cv2 = cv2_module()
    frames = []
    for img in images:
        if g4:
            _, bw = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
            frames.append(Image.fromarray(bw).convert("1"))
        else:
            frames.append(Image.fromarray(img))
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:], dpi=(dpi, dpi),
                   compression="group4" if g4 else "tiff_lzw")
    return buf.getvalue()


def sheet(instrument_id: str, pages: Sequence[Sequence[tuple[str, Sequence[int]]]], *,
          kind: str = "full", respondent: str = "", organisation: str = "",
          paper: tuple[float, float] = (595.28, 841.89)) -> tuple[bytes, dict]:
    """A small form drawn through the marks recorder as the PDF layout draws one: per page,
    rows of (item id, codes) with one mark box per code at the right, and on page 1 a
    respondent-id field. (PDF, geometry) for tests that need a readable form of known
    boxes without the whole questionnaire."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    from instrument import marks

    mm = marks.MM
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=paper, invariant=1)
    with marks.collect() as drawn:
        rec = marks.recorder(instrument_id, kind, *paper, respondent, organisation)
        for n, rows in enumerate(pages, 1):
            y = paper[1] - 40 * mm
            if n == 1:
                c.setFont("Helvetica", 10)
                c.drawString(20 * mm, y + 2 * mm, "respondent_id")
                c.rect(50 * mm, y, 60 * mm, 9 * mm)
                if respondent:
                    c.drawString(52 * mm, y + 3 * mm, respondent)
                rec.field(50 * mm, y, 60 * mm, 9 * mm, "respondent_id")
                y -= 20 * mm
            for item, codes in rows:
                c.setFont("Helvetica", 8)
                c.drawString(20 * mm, y + 1.5 * mm, item)
                for k, code in enumerate(codes):
                    x = 100 * mm + k * 12 * mm
                    c.setLineWidth(0.9)
                    c.rect(x, y, 5.5 * mm, 5.5 * mm)
                    c.drawCentredString(x + 2.75 * mm, y + 7 * mm, str(code))
                    rec.box(x, y, 5.5 * mm, 5.5 * mm, item, code)
                y -= 14 * mm
            rec.finish_page(c, n)
            c.showPage()
    c.save()
    return buf.getvalue(), drawn[0].geometry()
