"""Find and register an embeddable Traditional-Chinese TrueType font for reportlab.

reportlab's built-in CID font MSung-Light is never embedded (blank or tofu where
the reader lacks it), and Noto CJK has CFF outlines reportlab refuses, so we look
for a TrueType face with glyf outlines, choosing a .ttc face by its family name,
never by index (the index of AR PL UMing TW differs between font releases).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from .errors import InstrumentError, Location, problem

# (file, family name) in order of preference; Debian's fonts-arphic-uming first.
CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/arphic/uming.ttc", "AR PL UMing TW"),
    ("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", ""),
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", "AR PL UKai TW"),
    ("C:/Windows/Fonts/mingliu.ttc", "MingLiU"),
    ("/Library/Fonts/Arial Unicode.ttf", ""),
)
FONT_NAME = "CJK"  # the default font's name for setFont(); a --font gets its own name
PROBE = "專案管理成熟度錄案承辦人"  # glyphs a usable font must have


def _faces(path: Path) -> list[tuple[int, str]]:
    from reportlab.pdfbase.ttfonts import TTFontFile

    faces = []
    for index in range(16 if path.suffix.lower() == ".ttc" else 1):
        try:
            face = TTFontFile(str(path), subfontIndex=index)
        except Exception as exc:  # reportlab raises TTFError and plain errors alike
            if index == 0:
                raise InstrumentError([problem("BUILD_005", Location(str(path)), detail=str(exc))])
            break
        family = face.familyName.decode("utf-8", "replace") if isinstance(face.familyName, bytes) \
            else str(face.familyName)
        faces.append((index, family))
    return faces


@lru_cache(maxsize=8)
def register(path: str | None = None) -> str:
    """Register the CJK font (``path`` or the first installed candidate); return its name
    for ``setFont``.

    The font is subset-embedded by reportlab in every PDF that uses it.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if path is None:
        found = next(((Path(f), fam) for f, fam in CANDIDATES if Path(f).is_file()), None)
        if found is None:
            raise InstrumentError([problem("BUILD_004", Location("font"))])
        font_path, family = found
    else:
        font_path, family = Path(path), ""
        _check_font_file(font_path)
    faces = _faces(font_path)
    index = next((i for i, fam in faces if fam == family), None) if family else None
    if index is None:  # a user's font: prefer a Traditional-Chinese face by name
        index = next((i for i, fam in faces if fam.endswith((" TW", "TW"))), faces[0][0])
    # one registered name per font file, so a --font in one call never changes what
    # another call's "CJK" means (reportlab's registry is global to the process)
    name = FONT_NAME if path is None else f"{FONT_NAME}-{hashlib.sha1(str(font_path.resolve()).encode()).hexdigest()[:8]}"
    try:
        font = TTFont(name, str(font_path), subfontIndex=index)
    except Exception as exc:
        raise InstrumentError([problem("BUILD_005", Location(str(font_path)), detail=str(exc))])
    missing = [ch for ch in PROBE if ord(ch) not in font.face.charToGlyph]
    if missing:
        raise InstrumentError([problem("BUILD_005", Location(str(font_path)),
                                       detail=f"the font has no glyph for {''.join(missing)}")])
    pdfmetrics.registerFont(font)
    return name


MAX_FONT_BYTES = 512 * 1024**2  # Windows' largest CJK .ttc is about 100 MB


def _check_font_file(path: Path) -> None:
    """A --font must be a regular file of a font's size: /dev/zero or a FIFO would hang
    reportlab, which reads the whole file."""
    from .inputs import NotReadable, open_input

    try:
        with open_input(path) as source:
            size = source.size
    except NotReadable as exc:
        raise InstrumentError([problem("BUILD_005", Location(str(path)),
                                       detail=f"cannot read it: {exc.detail}")]) from None
    if size > MAX_FONT_BYTES:
        raise InstrumentError([problem("BUILD_005", Location(str(path)),
                                       detail=f"it is {size:,} bytes, too large for a font")])


# --------------------------------------------------------------------------- fallback
# For characters the CJK font lacks: CJK Extension B and later (planes 2 and 3), found in
# rare names of people and places (e.g. 𠀋). AR PL UMing has about 1,800 of Extension B's
# 42,720; HanaMin B (Debian's fonts-hanazono) has nearly all of B to F, as glyf outlines.
FALLBACKS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/hanazono/HanaMinB.ttf",
    "/usr/share/fonts/truetype/hanazono/HanaMinA.ttf",
)
FALLBACK_NAME = "CJK-fallback"


@lru_cache(maxsize=1)
def register_fallback() -> str | None:
    """Register the first installed fallback font; its name, or None if none is installed.

    Loaded only when a text needs it (the file is 30 MB).
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for path in FALLBACKS:
        if Path(path).is_file():
            try:
                pdfmetrics.registerFont(TTFont(FALLBACK_NAME, path))
            except Exception:  # a damaged file: as if it were not there
                continue
            return FALLBACK_NAME
    return None


def _has(font: str, ch: str) -> bool:
    from reportlab.pdfbase.pdfmetrics import getFont

    return ord(ch) in getFont(font).face.charToGlyph


@lru_cache(maxsize=1)
def _unicode_beyond_the_bmp() -> None:
    """Make reportlab's ToUnicode map name characters beyond U+FFFF in UTF-16, as the PDF
    format wants (it writes <2000B>, which readers refuse, so copying or searching 𠀋 in a
    PDF found nothing). Same output for every other character."""
    import re

    from reportlab.pdfbase import ttfonts

    original = ttfonts.makeToUnicodeCMap
    beyond = re.compile(r"^(<[0-9A-F]{2}>) <([0-9A-F]{5,6})>$", re.MULTILINE)

    def cmap(fontname: str, subset) -> str:
        return beyond.sub(lambda m: f"{m[1]} <{chr(int(m[2], 16)).encode('utf-16-be').hex()}>"
                          .upper(), original(fontname, subset))

    ttfonts.makeToUnicodeCMap = cmap


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """``text`` as (font, piece) runs: each character in ``font`` if it has a glyph for it,
    else in the fallback font if that has one, else in ``font`` (it prints as a box; see
    ``unprintable``). Plain text in one font is one run, checked without the fallback."""
    if text and max(text) > "\uffff":
        _unicode_beyond_the_bmp()
    if all(ch.isspace() or _has(font, ch) for ch in text):
        return [(font, text)] if text else []
    fallback = register_fallback()
    out: list[tuple[str, str]] = []
    for ch in text:
        use = font if ch.isspace() or _has(font, ch) or fallback is None \
            or not _has(fallback, ch) else fallback
        if out and out[-1][0] == use:
            out[-1] = (use, out[-1][1] + ch)
        else:
            out.append((use, ch))
    return out


def unprintable(text: str, font: str) -> str:
    """The characters of ``text`` that neither ``font`` nor the fallback has ('' if none)."""
    missing = {ch for f, piece in runs(text, font) if f == font for ch in piece
               if not ch.isspace() and not _has(font, ch)}
    return "".join(sorted(missing))


def width(text: str, font: str, size: float) -> float:
    """Width of ``text`` in points as ``runs`` prints it."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(piece, f, size) for f, piece in runs(text, font))
