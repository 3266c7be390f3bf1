"""Scanned files to greyscale pages: multi-page PDF (pypdfium2), multi-page TIFF (G4 fax
included), PNG and JPEG (OpenCV). Each page keeps where it came from (file, page)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from instrument.inputs import NotReadable, read_bounded

PDF_DPI = 200  # a scanned PDF's pages are rasterised at this resolution
MAX_PIXELS = 80_000_000  # a page larger than this (A4 at 1,200 dpi is 140 Mpx) is refused
SUFFIXES = (".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class Page:
    file: str
    number: int  # 1-based, within the file
    image: np.ndarray  # uint8, greyscale, row 0 at the top

    @property
    def where(self) -> str:
        return f"{self.file}:{self.number}"


class Unreadable(Exception):
    """Why a scan cannot be read, worded for a message."""


def cv2_module():
    """OpenCV, imported when first needed, with its own log lines silenced and its decoders
    bounded: an image that says it is larger than MAX_PIXELS is refused before it is
    decoded (a small compressed file can claim gigapixels: a decompression bomb)."""
    os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_PIXELS))
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # we word the errors
    return cv2


def kind_of(path: Path, head: bytes) -> str:
    """'pdf', 'tiff' or 'image' from the file's first bytes (the suffix only as a tie-break)."""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff")):
        return "image"
    if path.suffix.lower() in SUFFIXES:
        raise Unreadable(f"the file is not a {path.suffix.lower()[1:].upper()} file "
                         "(its first bytes say otherwise)")
    raise Unreadable("not a scan this reader knows (PDF, TIFF, PNG or JPEG)")


def read_pages(path: Path, max_bytes: int, pdf_dpi: int = PDF_DPI) -> Iterator[Page]:
    """The pages of one scanned file, in file order. Raises ``Unreadable``."""
    try:
        data = read_bounded(path, max_bytes)
    except NotReadable as exc:
        raise Unreadable(exc.detail) from None
    kind = kind_of(path, data[:8])
    if kind == "pdf":
        yield from _pdf_pages(path, data, pdf_dpi)
        return
    _check_claimed_size(data)
    cv2 = cv2_module()
    buf = np.frombuffer(data, np.uint8)
    if kind == "tiff":
        try:
            ok, images = cv2.imdecodemulti(buf, cv2.IMREAD_GRAYSCALE)
        except cv2.error:  # OpenCV's size bound (see cv2_module), or a broken file
            ok, images = False, ()
        if not ok or not images:
            raise Unreadable(f"the TIFF file cannot be decoded, or a page is larger than {MAX_PIXELS:,} pixels")
    else:
        try:
            image = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)  # applies a JPEG's EXIF rotation
        except cv2.error:  # OpenCV's size bound (see cv2_module), or a broken file
            image = None
        if image is None:
            raise Unreadable(f"the image cannot be decoded, or is larger than {MAX_PIXELS:,} pixels")
        images = [image]
    for k, image in enumerate(images, 1):
        yield Page(str(path), k, _checked(image))


def _check_claimed_size(data: bytes) -> None:
    """Refuse a PNG, JPEG or TIFF whose header claims a page larger than MAX_PIXELS, before
    anything is decoded (Pillow reads headers only until asked for pixels): a small
    compressed file can claim gigapixels. Files Pillow cannot open are left to OpenCV."""
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # Pillow's own bomb warning: we say it ourselves
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            sizes = []
            for frame in range(getattr(image, "n_frames", 1)):
                image.seek(frame)
                sizes.append(image.size)
    except Image.DecompressionBombError:
        raise Unreadable(f"the image claims a page larger than this reader takes "
                         f"({MAX_PIXELS:,} pixels)") from None
    except (UnidentifiedImageError, OSError, ValueError, EOFError, SyntaxError):
        return  # not Pillow's to judge: OpenCV decodes it or says it cannot
    for width, height in sizes:
        if width * height > MAX_PIXELS:
            raise Unreadable(f"a page of {width} x {height} pixels is more than this reader "
                             f"takes ({MAX_PIXELS:,} pixels)")


def _checked(image: np.ndarray) -> np.ndarray:
    if image.size > MAX_PIXELS:
        raise Unreadable(f"a page of {image.shape[1]} x {image.shape[0]} pixels is more than "
                         f"this reader takes ({MAX_PIXELS:,} pixels)")
    if image.dtype != np.uint8:  # 16-bit greyscale TIFF
        image = (image / 257).astype(np.uint8) if image.dtype == np.uint16 else \
            image.astype(np.uint8)
    return image


def _pdf_pages(path: Path, data: bytes, dpi: int) -> Iterator[Page]:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise Unreadable(f"the PDF cannot be opened ({exc})") from None
    try:
        for k in range(len(doc)):
            page = doc[k]
            w, h = page.get_size()
            if w * h * (dpi / 72) ** 2 > MAX_PIXELS:
                raise Unreadable(f"page {k + 1} is {w / 72:.0f} x {h / 72:.0f} inches, larger "
                                 "than any questionnaire page")
            image = _scanned_image(page, w, h)
            if image is None:  # not one plain scanned image: draw the page
                image = _grey(page.render(scale=dpi / 72, grayscale=True).to_numpy())
            page.close()
            yield Page(str(path), k + 1, _checked(image))
    finally:
        doc.close()


def _grey(array: np.ndarray) -> np.ndarray:
    if array.ndim == 3:
        cv2 = cv2_module()
        code = cv2.COLOR_BGRA2GRAY if array.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        return cv2.cvtColor(array, code) if array.shape[2] > 1 else array[:, :, 0].copy()
    return np.array(array, dtype=np.uint8)


def _scanned_image(page, w: float, h: float) -> np.ndarray | None:
    """A scanner's page: one image filling it, upright (no rotation, no mirroring), taken
    at its own resolution without redrawing (twice as fast as rendering the page)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    objects = list(page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE], max_depth=1))
    if len(objects) != 1 or page.get_rotation():
        return None
    image = objects[0]
    left, bottom, right, top = image.get_bounds()
    m = image.get_matrix().get()
    if m[1] or m[2] or m[0] <= 0 or m[3] <= 0 or (right - left) * (top - bottom) < 0.9 * w * h:
        return None
    try:
        filters = image.get_filters()
        if filters[-1:] == ["DCTDecode"] and set(filters[:-1]) <= set(image.SIMPLE_FILTERS):
            cv2 = cv2_module()  # a JPEG as the scanner made it: OpenCV decodes it to grey
            data = bytes(image.get_data(decode_simple=True))
            decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
            if decoded is not None:
                return decoded
        return _grey(image.get_bitmap(render=False).to_numpy())
    except pdfium.PdfiumError:
        return None
