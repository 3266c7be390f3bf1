"""What makes a printed page machine-readable: fiducials, a page code, box geometry.

The PDF layout calls one recorder per form: ``box(...)`` for every mark box as the
grid draws it, ``field(...)`` for every box a person writes into (respondent id,
digits, text), and ``finish_page(canvas, page)`` before ``showPage``. Finishing a
page draws

- four ArUco markers (OpenCV's ``DICT_4X4_50``, ids 0-3 clockwise from the top
  left), 5 mm squares in the page corners, as vector rectangles, so a scanner's
  homography maps any scan back onto the form;
- a small QR code in the left margin (reportlab's own encoder, no extra package)
  holding the page's identity in a compact form (``page_code``);

and keeps the page's boxes. ``geometry_json`` is what the reader needs and never
guesses from pixels: per page its layout tag, the boxes in PDF points (origin at
the bottom left, as reportlab draws) with their item id and code, and the fields.

The layout tag is a hash of the page's geometry, printed in the QR code: a scan of a
page built with another font, paper, profile or language (same instrument id,
boxes elsewhere) is recognised as such instead of being read at the wrong places.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

MM = 72 / 25.4
DICTIONARY = "DICT_4X4_50"
MARKER_IDS = (0, 1, 2, 3)  # top left, top right, bottom right, bottom left
MARKER = 5 * MM  # side of a marker, border included
MARKER_INSET = 6 * MM  # from the paper's edge to the marker
QR_MAX = 10 * MM  # the QR code's largest side: it stays inside the 15 mm left margin
QR_X = 4.4 * MM  # left edge of the QR code, in the left margin
QR_Y = 15 * MM  # its bottom edge, above the bottom-left marker
GEOMETRY_FORMAT = 1
FORM_CODES = {"full": "Q", "wave1": "W", "wave2": "F"}  # form kind -> its letter in the QR
_ALNUM = re.compile(r"[0-9A-Z $%*+\-./:]*")
_CODE = re.compile(r"([0-9A-F]{10})([QWF])([0-9A-Z]{2})([A-Z2-7]{4})(.*)", re.S)
HEAD = 17  # characters before the respondent id
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class PageCode:
    """A page's identity as its QR code holds it."""

    instrument: str  # the instrument id's hash part (10 hex digits, lower case)
    form: str  # "full" | "wave1" | "wave2"
    page: int
    layout: str  # the page geometry's tag (4 base-32 characters)
    respondent: str = ""

    def text(self) -> str:
        """17 characters of fixed width (hash, form letter, page in base 36, layout tag),
        then the respondent id: ``047FE7AD0FQ03K7Q2PB-017``."""
        if not 0 < self.page < 36 * 36:
            raise ValueError(f"page {self.page} cannot be coded")
        page = _B36[self.page // 36] + _B36[self.page % 36]
        return (f"{self.instrument.upper()}{FORM_CODES[self.form]}{page}{self.layout}"
                f"{self.respondent}")


def instrument_key(instrument_id: str) -> str:
    """The part of an instrument id a QR code carries: its hash (``pmbok6-2.0.0-047fe7ad0f``
    -> ``047fe7ad0f``)."""
    return instrument_id.rsplit("-", 1)[-1].lower()


def parse_page_code(text: str) -> PageCode | None:
    """The inverse of ``PageCode.text``; None for a code that is not one of ours."""
    m = _CODE.fullmatch(text or "")
    if not m:
        return None
    form = {v: k for k, v in FORM_CODES.items()}[m.group(2)]
    page = _B36.index(m.group(3)[0]) * 36 + _B36.index(m.group(3)[1])
    return PageCode(m.group(1).lower(), form, page, m.group(4), m.group(5))


# --------------------------------------------------------------------------- drawing
@functools.cache
def marker_bits(marker_id: int) -> tuple[tuple[bool, ...], ...]:
    """The marker as rows of cells, black border included (True = black), from OpenCV's
    dictionary, so printer and reader can never disagree."""
    import cv2

    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, DICTIONARY))
    cells = dictionary.markerSize + 2
    image = cv2.aruco.generateImageMarker(dictionary, marker_id, cells)
    return tuple(tuple(bool(v < 128) for v in row) for row in image)


def marker_origins(page_w: float, page_h: float) -> tuple[tuple[float, float], ...]:
    """Bottom-left corner of each marker (MARKER_IDS order), in PDF points."""
    near = MARKER_INSET
    far_x, far_y = page_w - MARKER_INSET - MARKER, page_h - MARKER_INSET - MARKER
    return ((near, far_y), (far_x, far_y), (far_x, near), (near, near))


def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules for ``text``: one alphanumeric segment when the respondent id
    is made of capitals, digits and ``-./:$%*+`` (or there is none), else the head as one
    and the id as UTF-8 bytes announced by ECI 26."""
    from reportlab.graphics.barcode import qrencoder as q

    head, respondent = text[:HEAD], text[HEAD:]
    if _ALNUM.fullmatch(respondent):
        segments = [q.QRAlphaNum(text)]
    else:
        segments = [q.QRAlphaNum(head), q.QRECI(26), q.QR8bitByte(respondent.encode("utf-8"))]
    level = q.QRErrorCorrectLevel
    # version 1 (the largest modules) at level M, else at level L (a short stamped id, as
    # PB-017), else the smallest version at level M. reportlab's own choice of version
    # undercounts an ECI segment, so each is tried.
    tries = [(1, level.M), (1, level.L), *((v, level.M) for v in range(2, 41))]
    for version, ecc in tries:
        code = q.QRCode(version, ecc)
        for segment in segments:
            code.addData(segment)
        try:
            code.make()
            break
        except Exception as exc:  # reportlab raises a bare Exception for "too long"
            if "overflow" not in str(exc):
                raise
    else:
        raise ValueError(f"a page code of {len(text)} characters does not fit a QR code")
    n = code.getModuleCount()
    return tuple(tuple(bool(code.isDark(r, k)) for k in range(n)) for r in range(n))


def _cells(c, matrix: Sequence[Sequence[bool]], x: float, top: float, cell: float) -> None:
    """Black runs of each row of ``matrix`` as rectangles, row 0 at ``top``."""
    for r, row in enumerate(matrix):
        k = 0
        while k < len(row):
            if not row[k]:
                k += 1
                continue
            start = k
            while k < len(row) and row[k]:
                k += 1
            c.rect(x + start * cell, top - (r + 1) * cell, (k - start) * cell, cell,
                   stroke=0, fill=1)


def draw_markers(c, page_w: float, page_h: float) -> None:
    c.saveState()
    c.setFillGray(0)
    for marker_id, (x, y) in zip(MARKER_IDS, marker_origins(page_w, page_h)):
        bits = marker_bits(marker_id)
        _cells(c, bits, x, y + MARKER, MARKER / len(bits))
    c.restoreState()


def qr_module(n_modules: int) -> float:
    """The module size for a code of ``n_modules`` a side: the code fills QR_MAX, so a
    short code (no respondent id: version 1) gets the largest modules a 150-dpi scan
    can still resolve."""
    return QR_MAX / n_modules


def draw_qr(c, text: str) -> None:
    matrix = qr_matrix(text)
    module = qr_module(len(matrix))
    c.saveState()
    c.setFillGray(0)
    _cells(c, matrix, QR_X, QR_Y + len(matrix) * module, module)
    c.restoreState()


# --------------------------------------------------------------------------- geometry
def _r(v: float) -> float:
    return round(float(v), 2)


@dataclass
class _Page:
    number: int
    boxes: list[list[Any]] = field(default_factory=list)  # [x, y, w, h, item, code]
    fields: list[list[Any]] = field(default_factory=list)  # [x, y, w, h, name, kind]

    def tag(self, page_w: float, page_h: float, form: str) -> str:
        body = json.dumps([_r(page_w), _r(page_h), form, self.number, self.boxes, self.fields],
                          ensure_ascii=False, separators=(",", ":"))
        return base64.b32encode(hashlib.sha256(body.encode("utf-8")).digest())[:4].decode()


class Recorder:
    """Collects one form's box geometry while the layout draws it, and stamps each page.

    ``instrument_id``: the instrument's id; ``form``: "full", "wave1" or "wave2";
    ``respondent``: the id printed on a stamped form ('' when the form is blank).
    """

    def __init__(self, instrument_id: str, form: str, page_w: float, page_h: float,
                 respondent: str = "", organisation: str = ""):
        if form not in FORM_CODES:
            raise ValueError(f"unknown form kind {form!r}")
        self.instrument_id = instrument_id
        self.form = form
        self.page_w, self.page_h = page_w, page_h
        self.respondent = respondent
        self.organisation = organisation
        self.pages: list[dict[str, Any]] = []
        self._page = _Page(1)

    def box(self, x: float, y: float, w: float, h: float, item: str, code: int) -> None:
        """A mark box (lower-left corner ``x``, ``y`` in PDF points) answering ``item`` with
        ``code``."""
        self._page.boxes.append([_r(x), _r(y), _r(w), _r(h), item, int(code)])

    def field(self, x: float, y: float, w: float, h: float, name: str,
              kind: str = "text") -> None:
        """A box a person writes into: ``name`` is its column (respondent_id, organisation,
        a background question's id); ``kind`` "text" or "digit" (one digit box of a
        number, in order)."""
        self._page.fields.append([_r(x), _r(y), _r(w), _r(h), name, kind])

    def finish_page(self, c, number: int) -> PageCode:
        """Draw the markers and the page code onto canvas ``c`` and keep the page."""
        page = self._page
        page.number = number
        tag = page.tag(self.page_w, self.page_h, self.form)
        code = PageCode(instrument_key(self.instrument_id), self.form, number, tag,
                        self.respondent)
        draw_markers(c, self.page_w, self.page_h)
        draw_qr(c, code.text())
        self.pages.append({"page": number, "layout": tag, "boxes": page.boxes,
                           "fields": page.fields})
        self._page = _Page(number + 1)
        return code

    def geometry(self) -> dict[str, Any]:
        return {
            "format": GEOMETRY_FORMAT,
            "instrument": self.instrument_id,
            "form": self.form,
            "respondent": self.respondent,
            "organisation": self.organisation,
            "paper": [_r(self.page_w), _r(self.page_h)],
            "markers": {"dictionary": DICTIONARY, "ids": list(MARKER_IDS), "size": _r(MARKER),
                        "origins": [[_r(x), _r(y)] for x, y in
                                    marker_origins(self.page_w, self.page_h)]},
            "qr": {"x": _r(QR_X), "y": _r(QR_Y), "max": _r(QR_MAX)},
            "pages": self.pages,
        }


_COLLECTING: contextvars.ContextVar[list[Recorder] | None] = contextvars.ContextVar(
    "marks_collecting", default=None)


@contextlib.contextmanager
def collect() -> Iterator[list[Recorder]]:
    """Every form drawn inside the block leaves its recorder in the list, so a caller of a
    renderer (a stamped batch, wave-2 forms) gets the geometry of what it drew."""
    found: list[Recorder] = []
    token = _COLLECTING.set(found)
    try:
        yield found
    finally:
        _COLLECTING.reset(token)


def recorder(instrument_id: str, form: str, page_w: float, page_h: float,
             respondent: str = "", organisation: str = "") -> Recorder:
    """A new form's recorder, the one the layout uses; kept by an enclosing ``collect``."""
    rec = Recorder(instrument_id, form, page_w, page_h, respondent, organisation)
    found = _COLLECTING.get()
    if found is not None:
        found.append(rec)
    return rec


def batch_geometry(recorders: Sequence[Recorder],
                   respondents: dict[str, str] | None = None) -> dict[str, Any]:
    """The geometry of forms drawn for many respondents: one form's when they share their
    layout (stamped forms differ in the printed id only), with ``respondents`` (id ->
    organisation); else every form's, as ``{"forms": [...]}``."""
    forms = [r.geometry() for r in recorders]
    tags = {tuple(p["layout"] for p in f["pages"]) for f in forms}
    if len(tags) == 1:
        one = dict(forms[0], respondent="", organisation="")
        one["respondents"] = dict(respondents or {r.respondent: r.organisation
                                                  for r in recorders})
        return one
    return {"format": GEOMETRY_FORMAT, "forms": forms}


def geometry_json(recorders: Sequence[Recorder]) -> bytes:
    """The geometry of one or more forms (a stamped batch: one per respondent) as the file
    written next to the PDF: one form as an object, several as ``{"forms": [...]}``."""
    forms = [r.geometry() for r in recorders]
    body: Any = forms[0] if len(forms) == 1 else {"format": GEOMETRY_FORMAT, "forms": forms}
    return (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def geometry_name(pdf_name: str) -> str:
    """``questionnaire.pdf`` -> ``questionnaire.geometry.json``."""
    return re.sub(r"\.pdf$", "", pdf_name, flags=re.I) + ".geometry.json"
