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
