"""Where a scanned page sits: its ArUco markers, its QR page code, and the homography that
maps the scan onto the form's own coordinates (``WORK_DPI`` pixels per inch, row 0 at the
top of the paper), whatever the scan's resolution, rotation (90, 180 degrees) or shift."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from instrument import marks
from instrument.marks import PageCode, parse_page_code

from .images import Page, cv2_module

WORK_DPI = 150  # boxes are measured on the page warped to this resolution
MIN_WORK_DPI = 140  # markers are found on the scan halved while it stays above this
SCALE = WORK_DPI / 72  # work pixels per PDF point
MAX_MISFIT = 3.0  # work pixels (0.5 mm): markers that fit worse are not one flat sheet
QR_PX_PER_MM = 20  # the QR code is cut out of the full-resolution scan at this scale
A4_LONG_IN = 297 / 25.4


@dataclass(frozen=True)
class Found:
    """A page's markers in work pixels: marker id -> 4 corners (clockwise from the
    marker's own top left), the work image and its scale from the scan."""

    work: np.ndarray
    factor: float  # work pixels per scan pixel
    corners: dict[int, np.ndarray]


@functools.cache
def _detector():
    cv2 = cv2_module()
    dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, marks.DICTIONARY))
    params = cv2.aruco.DetectorParameters()
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_SUBPIX
    return cv2.aruco.ArucoDetector(dictionary, params)


def work_image(image: np.ndarray) -> tuple[np.ndarray, float]:
    """The scan halved (``pyrDown``, fast) while it stays above about 140 dpi, judged from
    its long side as for A4 or letter: markers are found on it, and the form is warped
    from it; (image, work pixels per scan pixel)."""
    cv2 = cv2_module()
    factor = 1.0
    while max(image.shape) / A4_LONG_IN * factor >= 2 * MIN_WORK_DPI:
        image = cv2.pyrDown(image)
        factor /= 2
    return image, factor


SIZE_TOLERANCE = 0.04  # markers whose sides differ by more are not all read right


def _variants(crop: np.ndarray) -> Iterator[tuple[np.ndarray, float, float]]:
    """A corner of the scan as the detector may see it best: as scanned, with its black
    thinned by a pixel (a black-and-white scan's blacks bleed into the marker's white
    cells), smoothed (a speckled edge, a blurred grey one), enlarged; (image, scale
    back, pixels the marker's edges moved inward)."""
    cv2 = cv2_module()
    yield crop, 1.0, 0.0
    yield cv2.dilate(crop, np.ones((3, 3), np.uint8)), 1.0, 1.0
    yield cv2.GaussianBlur(crop, (0, 0), 1.5), 1.0, 0.0
    yield cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 0.5, 0.0
    yield cv2.GaussianBlur(crop, (0, 0), 1.0), 1.0, 0.0
    yield cv2.medianBlur(crop, 3), 1.0, 0.0


def _corner_crops(work: np.ndarray) -> list[tuple[np.ndarray, tuple[int, int]]]:
    h, w = work.shape
    cw, ch = int(w * 0.2), int(h * 0.16)
    return [(work[y0:y0 + ch, x0:x0 + cw], (x0, y0))
            for x0, y0 in ((0, 0), (w - cw, 0), (w - cw, h - ch), (0, h - ch))]


def find_markers(page: Page) -> Found:
    """The fiducials, looked for in the four corners first (fast), then on the whole page.
    A corner is looked at again, smoothed, then enlarged, until a marker is found there; a
    marker whose size disagrees with the others' is looked for again in every variant,
    keeping the reading of the right size (a black-and-white scan's ragged edge can make
    the detector read a smaller square inside the marker that still decodes)."""
    work, factor = work_image(page.image)
    corners: dict[int, np.ndarray] = {}
    crops = _corner_crops(work)
    for crop, offset in crops:
        for image, scale, inward in _variants(crop):
            if _detect(image, offset, corners, scale, inward):
                break
    if len(corners) < 3:
        _detect(work, (0, 0), corners)
    return Found(work, factor, _consistent(corners, crops))


def _side(quad: np.ndarray) -> float:
    return float(np.mean(np.linalg.norm(quad - np.roll(quad, 1, axis=0), axis=1)))


def _consistent(corners: dict[int, np.ndarray],
                crops: list[tuple[np.ndarray, tuple[int, int]]]) -> dict[int, np.ndarray]:
    """The markers, all of one size (within SIZE_TOLERANCE). When they are not, every
    variant of every corner is read and each marker is taken at the size of the largest
    readings: a misread marker is a smaller square inside it (five cells of its six), never
    a larger one; a marker with no reading of that size is dropped, since it would bend
    the homography."""
    sides = [_side(q) for q in corners.values()]
    if len(corners) < 3 or max(sides) <= (1 + SIZE_TOLERANCE) * min(sides):
        return corners
    candidates: dict[int, list[np.ndarray]] = {k: [q] for k, q in corners.items()}
    for crop, offset in crops:
        for image, scale, inward in _variants(crop):
            found: dict[int, np.ndarray] = {}
            _detect(image, offset, found, scale, inward)
            for k, q in found.items():
                candidates.setdefault(k, []).append(q)
    every = [_side(q) for quads in candidates.values() for q in quads]
    full = [v for v in every if v >= (1 - SIZE_TOLERANCE) * max(every)]
    typical = float(np.median(full))
    out = {}
    for k, quads in candidates.items():
        best = min(quads, key=lambda q: abs(_side(q) - typical))
        if abs(_side(best) - typical) <= SIZE_TOLERANCE * typical:
            out[k] = best
    return out


def _detect(image: np.ndarray, offset: tuple[int, int], into: dict[int, np.ndarray],
            scale: float = 1.0, inward: float = 0.0) -> bool:
    """Markers of ours found in ``image`` added to ``into`` (those not found before), in
    the scan's pixels (``scale``; grown back by the ``inward`` pixels a thinning moved
    their edges); whether any was."""
    found, ids, _ = _detector().detectMarkers(image)
    if ids is None:
        return False
    added = False
    for quad, marker_id in zip(found, ids.ravel()):
        if int(marker_id) in marks.MARKER_IDS and int(marker_id) not in into:
            quad = quad.reshape(4, 2)
            if inward:
                centre = quad.mean(axis=0)
                quad = centre + (quad - centre) * (1 + 2 * inward / _side(quad))
            into[int(marker_id)] = quad * scale + np.array(offset, np.float32)
            added = True
    return added


def _form_corners(x: float, y: float, side: float, paper_h: float) -> np.ndarray:
    """A marker's corners in work pixels of the form (top left, top right, bottom right,
    bottom left, as ArUco orders them), from its lower-left corner in PDF points."""
    top = paper_h - (y + side)
    pts = [(x, top), (x + side, top), (x + side, top + side), (x, top + side)]
    return np.array(pts, dtype=np.float32) * SCALE


def fit(found: Found, papers: set[tuple[float, float]]
        ) -> tuple[np.ndarray | None, float, tuple[float, float]]:
    """The homography for the paper size (of those a run knows) that fits the markers best:
    (homography, error in work pixels, paper)."""
    best: tuple[np.ndarray | None, float, tuple[float, float]] = (None, float("inf"), (0, 0))
    for paper in sorted(papers):
        h, err = homography(found, paper)
        if h is not None and err < best[1]:
            best = (h, err, paper)
    return best


def read_code(page: Page, found: Found, h: np.ndarray | None,
              paper: tuple[float, float]) -> tuple[PageCode | None, str]:
    """The page code, read where the form puts it (bottom left, the same on every paper):
    cut upright out of the full-resolution scan and given to zxing-cpp; failing that, its
    modules sampled one by one at the places the homography gives, for each QR version
    that fits (a code of 2-pixel modules that zxing cannot find can still be read so);
    failing that, zxing on the whole page. (code, raw text); (None, '') when unreadable."""
    text = ""
    if h is not None:
        to_scan = np.linalg.inv(h)
        scale = np.diag([1 / found.factor, 1 / found.factor, 1.0])
        to_scan = scale @ to_scan  # form work pixels -> scan pixels
        text = _decode(_qr_crop(page.image, to_scan, paper)) or _sampled(page.image, to_scan,
                                                                         paper)
    if not text:
        text = _decode(found.work) or _decode(page.image)
    return parse_page_code(text), text


def _qr_crop(image: np.ndarray, to_scan: np.ndarray, paper: tuple[float, float]) -> np.ndarray:
    cv2 = cv2_module()
    pad = 2 * marks.MM
    k = QR_PX_PER_MM / marks.MM  # crop pixels per point
    left, top = marks.QR_X - pad, paper[1] - (marks.QR_Y + marks.QR_MAX + pad)
    crop_to_form = np.array([[SCALE / k, 0, left * SCALE], [0, SCALE / k, top * SCALE],
                             [0, 0, 1]])
    n = int((marks.QR_MAX + 2 * pad) * k)
    return cv2.warpPerspective(image, to_scan @ crop_to_form, (n, n),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderValue=255)


def _sampled(image: np.ndarray, to_scan: np.ndarray, paper: tuple[float, float]) -> str:
    """Read the QR code module by module, for each size it can have, as a clean picture;
    the grid is also tried a quarter module off in each direction (the markers place it
    to about a pixel, a module is 2-3 pixels at 150 dpi)."""
    for n in range(21, 42, 4):  # versions 1-5
        module = marks.qr_module(n)
        for dx, dy in _OFFSETS:
            text = _read_grid(image, to_scan, paper, n, dx * module, dy * module)
            if text:
                return text
    return ""


_OFFSETS = ((0, 0), (-0.25, 0), (0.25, 0), (0, -0.25), (0, 0.25), (-0.25, -0.25),
            (0.25, 0.25), (-0.25, 0.25), (0.25, -0.25))


def _read_grid(image: np.ndarray, to_scan: np.ndarray, paper: tuple[float, float], n: int,
               dx: float, dy: float) -> str:
    cv2 = cv2_module()
    module = marks.qr_module(n)
    centres = (np.arange(n) + 0.5) * module
    xs = marks.QR_X + centres + dx
    ys = paper[1] - (marks.QR_Y + n * module) + centres + dy  # y down, top row first
    gx, gy = np.meshgrid(xs * SCALE, ys * SCALE)
    pts = cv2.perspectiveTransform(np.stack([gx, gy], -1).reshape(-1, 1, 2), to_scan)
    map_xy = pts.reshape(n, n, 2).astype(np.float32)
    values = cv2.remap(image, map_xy[..., 0], map_xy[..., 1], cv2.INTER_LINEAR,
                       borderValue=255)
    _, bits = cv2.threshold(values, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    clean = cv2.copyMakeBorder(bits, 4, 4, 4, 4, cv2.BORDER_CONSTANT, value=255)
    return _decode(cv2.resize(clean, None, fx=6, fy=6, interpolation=cv2.INTER_NEAREST))


def _decode(image: np.ndarray) -> str:
    import zxingcpp

    for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
        if result.valid and result.text:
            return result.text
    return ""


def homography(found: Found, paper: tuple[float, float]) -> tuple[np.ndarray | None, float]:
    """Work pixels of the scan -> work pixels of the form, from every marker found (at
    least three; RANSAC drops a marker that was misread), and how far the sheet is from
    flat: the largest distance, in work pixels, of a marker's centre from where a flat
    sheet (an affine map: a scanner's glass) would put it (None and inf when it cannot
    be fitted). Centres, not corners: a black-and-white scan rounds a marker's corners,
    a fold or a marker taped back moves the marker; and an affine map, since a homography
    fits any four markers."""
    cv2 = cv2_module()
    src, dst = [], []
    for marker_id, (x, y) in zip(marks.MARKER_IDS, marks.marker_origins(*paper)):
        if marker_id in found.corners:
            src.append(found.corners[marker_id])
            dst.append(_form_corners(x, y, marks.MARKER, paper[1]))
    if len(src) < 3:
        return None, float("inf")
    src_pts, dst_pts = np.concatenate(src), np.concatenate(dst)
    flat, _ = cv2.estimateAffine2D(src_pts, dst_pts, method=cv2.RANSAC,
                                   ransacReprojThreshold=3.0)
    if flat is None:
        return None, float("inf")
    h = np.vstack([flat, [0, 0, 1]])
    if len(src) == 4:  # three markers fix no perspective: a scanner's image is affine anyway
        h, _ = cv2.findHomography(src_pts, dst_pts, cv2.RANSAC, 3.0)
        if h is None:
            return None, float("inf")
    mapped = cv2.transform(src_pts.reshape(-1, 1, 2), flat).reshape(-1, 2)
    off = (mapped - dst_pts).reshape(-1, 4, 2).mean(axis=1)
    return h, float(np.linalg.norm(off, axis=1).max())


@dataclass(frozen=True)
class Aligned:
    """A scan with its map onto the form: any region of the form, cut out upright."""

    work: np.ndarray
    h: np.ndarray  # work pixels of the scan -> work pixels of the form
    paper: tuple[float, float]

    def region(self, x0: float, y0: float, x1: float, y1: float) -> tuple[np.ndarray, int, int]:
        """The form between (x0, y0) and (x1, y1), PDF points from the bottom left, at
        WORK_DPI: (image, left, top) with left and top in form work pixels."""
        cv2 = cv2_module()
        left, top = int(max(0.0, x0) * SCALE), int(max(0.0, self.paper[1] - y1) * SCALE)
        right = int(min(self.paper[0], x1) * SCALE) + 1
        bottom = int(min(self.paper[1], self.paper[1] - y0) * SCALE) + 1
        shift = np.array([[1, 0, -left], [0, 1, -top], [0, 0, 1]], dtype=np.float64)
        image = cv2.warpPerspective(self.work, shift @ self.h, (right - left, bottom - top),
                                    flags=cv2.INTER_LINEAR, borderValue=255)
        return image, left, top
