"""Find and register an embeddable Traditional-Chinese TrueType font for reportlab.

reportlab's built-in CID font MSung-Light is never embedded (blank or tofu where
the reader lacks it), and it refuses CFF (OpenType/PostScript) outlines, the kind
Noto CJK and macOS's PingFang have. So we look for a TrueType face with glyf
outlines and Traditional Chinese glyphs, in the standard font folders of Debian
(AR PL UMing TW, the default that scripts/install.sh installs), Windows (MingLiU,
Microsoft JhengHei, DFKai-SB; the system and the per-user folder) and macOS
(Songti TC, Heiti TC, Arial Unicode). A font with CFF outlines or without the
glyphs is passed over with a note, never a traceback. A .ttc face is chosen by its
family name, never by index (the index of AR PL UMing TW differs between releases).
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import InstrumentError, Location, problem

# (file name, family name preferred in it), in order of preference, per kind of folder
DEBIAN_FONTS: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/arphic/uming.ttc", "AR PL UMing TW"),
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", "AR PL UKai TW"),
    ("/usr/share/fonts/truetype/arphic-bsmi00lp/bsmi00lp.ttf", ""),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", ""),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", ""),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK TC"),  # CFF
)
WINDOWS_FONTS: tuple[tuple[str, str], ...] = (
    ("mingliu.ttc", "MingLiU"),  # 細明體 / 新細明體
    ("msjh.ttc", "Microsoft JhengHei"),  # 微軟正黑體 (Windows 8 and later)
    ("msjh.ttf", "Microsoft JhengHei"),  # Windows 7
    ("kaiu.ttf", "DFKai-SB"),  # 標楷體
)
MACOS_FONTS: tuple[tuple[str, str], ...] = (
    ("Songti.ttc", "Songti TC"),
    ("STHeiti Light.ttc", "Heiti TC"),
    ("STHeiti Medium.ttc", "Heiti TC"),
    ("Arial Unicode.ttf", ""),
    ("PingFang.ttc", "PingFang TC"),  # CFF outlines: found, and passed over with a note
)
FONT_NAME = "CJK"  # the default font's name for setFont(); a --font gets its own name
PROBE = "專案管理成熟度錄案承辦人"  # glyphs a usable font must have


@dataclass(frozen=True)
class Font:
    """The font chosen for the PDFs, and the fonts passed over on the way (``notes``)."""

    path: Path
    index: int
    family: str
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.family} ({self.path})"


def font_folders(env: Mapping[str, str] | None = None, home: Path | None = None,
                 root: Path = Path("/")) -> dict[str, list[Path]]:
    """The standard font folders of Windows and macOS, by system.

    Windows: %WINDIR%\\Fonts (C:\\Windows\\Fonts) and the per-user
    %LOCALAPPDATA%\\Microsoft\\Windows\\Fonts, looked at on Windows or where those
    variables are set. macOS: /System/Library/Fonts (and its Supplemental/),
    /Library/Fonts and ~/Library/Fonts. ``root`` prefixes the absolute folders
    (a test's fake layout).
    """
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    windows = []
    windir = env.get("WINDIR") or env.get("SystemRoot") or (r"C:\Windows" if os.name == "nt" else "")
    if windir:
        windows.append(Path(windir) / "Fonts")
    if env.get("LOCALAPPDATA"):
        windows.append(Path(env["LOCALAPPDATA"]) / "Microsoft" / "Windows" / "Fonts")
    macos = [root / "System/Library/Fonts", root / "System/Library/Fonts/Supplemental",
             root / "Library/Fonts", home / "Library/Fonts"]
    return {"windows": windows, "macos": macos}


def candidates(env: Mapping[str, str] | None = None, home: Path | None = None,
               root: Path = Path("/")) -> list[tuple[Path, str]]:
    """Existing font files worth trying, best first, with the family preferred in each."""
    found = [(root / path.lstrip("/"), family) for path, family in DEBIAN_FONTS]
    found = [(p, fam) for p, fam in found if p.is_file()]
    folders = font_folders(env, home, root)
    for system, names in (("windows", WINDOWS_FONTS), ("macos", MACOS_FONTS)):
        for folder in folders[system]:
            try:  # Windows folders are case-insensitive: MINGLIU.TTC is mingliu.ttc
                present = {p.name.casefold(): p for p in folder.iterdir() if p.is_file()}
            except OSError:
                continue
            found += [(present[n.casefold()], fam) for n, fam in names if n.casefold() in present]
    return found


def _sfnt_versions(path: Path) -> list[bytes]:
    """The sfnt version of each face: b'OTTO' for CFF outlines, else TrueType."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if head[:4] != b"ttcf":
            return [head[:4]]
        count = min(struct.unpack(">I", head[8:12])[0], 64)
        offsets = struct.unpack(f">{count}I", fh.read(4 * count))
        versions = []
        for offset in offsets:
            fh.seek(offset)
            versions.append(fh.read(4))
        return versions


def _faces(path: Path) -> Iterator[tuple[int, str, object]]:
    """(index, family name, reportlab TTFontFile) of each face of a TrueType file, parsed
    one at a time (a face costs about 0.2 s: a caller that has its face stops early)."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    for index in range(len(_sfnt_versions(path))):
        face = TTFontFile(str(path), subfontIndex=index)
        family = face.familyName
        yield (index, family.decode("utf-8", "replace") if isinstance(family, bytes)
               else str(family), face)


def _choose(path: Path, family: str) -> tuple[int, str, object] | None:
    """The face named ``family``, else the first Traditional Chinese one (…TC, …TW), else
    the first; None when the file holds none."""
    first = traditional = None
    for face in _faces(path):
        name = face[1]
        if family and name == family:
            return face
        first = first or face
        if name.endswith(("TC", "TW")):
            if not family:
                return face
            traditional = traditional or face
    return traditional or first


def _usable(path: Path, family: str) -> tuple[str, tuple[int, str] | None]:
    """('', (index, family)) of the face to embed, or (why not, None)."""
    try:
        if b"OTTO" in _sfnt_versions(path):
            return "CFF (PostScript) outlines, which reportlab cannot embed", None
        chosen = _choose(path, family)
    except Exception as exc:  # reportlab raises TTFError and plain errors alike
        return f"not a readable TrueType font ({exc})", None
    if chosen is None:
        return "no font in the file", None
    index, name, face = chosen
    missing = "".join(ch for ch in PROBE if ord(ch) not in face.charToGlyph)
    if missing:
        return f"no glyph for {missing}", None
    return "", (index, name)


def search(found: list[tuple[Path, str]]) -> Font:
    """The first usable of ``found`` (see ``candidates``), noting the ones passed over."""
    notes = []
    for path, family in found:
        why, face = _usable(path, family)
        if face is not None:
            return Font(path, face[0], face[1], tuple(notes))
        notes.append(f"{path} ({why})")
    skipped = f"; passed over: {', '.join(notes)}" if notes else ""
    raise InstrumentError([problem("BUILD_004", Location("font"), skipped=skipped)])


@lru_cache(maxsize=8)
def find(path: str | None = None) -> Font:
    """The font a PDF embeds: ``path`` (a --font), or the best one installed."""
    if path is None:
        return search(candidates())
    _check_font_file(Path(path))
    why, face = _usable(Path(path), "")
    if face is None:
        raise InstrumentError([problem("BUILD_005", Location(str(path)), detail=why)])
    return Font(Path(path), face[0], face[1])


@lru_cache(maxsize=8)
def register(path: str | None = None) -> str:
    """Register the CJK font (``path`` or the best installed one, see ``find``); return its
    name for ``setFont``.

    The font is subset-embedded by reportlab in every PDF that uses it.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    font = find(path)
    # one registered name per font file, so a --font in one call never changes what
    # another call's "CJK" means (reportlab's registry is global to the process)
    name = FONT_NAME if path is None else \
        f"{FONT_NAME}-{hashlib.sha1(str(font.path.resolve()).encode()).hexdigest()[:8]}"
    try:
        pdfmetrics.registerFont(TTFont(name, str(font.path), subfontIndex=font.index))
    except Exception as exc:
        raise InstrumentError([problem("BUILD_005", Location(str(font.path)), detail=str(exc))])
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
