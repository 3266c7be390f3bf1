"""Setting text: line breaking for mixed Chinese and English, and the one font.

One font for everything: the embedded (subset) TrueType CJK font from
``fonts.register``; bold is a thin stroke around the glyphs. ``Pen`` measures,
wraps (cached: a thousand follow-up forms reuse the same lines) and draws one
line at a time; it refuses text the font has no glyph for (PDF_002), since that
would print as empty boxes ("tofu").
"""

from __future__ import annotations

import re
from pathlib import Path

from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from .. import fonts
from ..errors import InstrumentError, Location, problem
from .metrics import ASCENT

_CJK = ("\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u9fff\uf900-\ufaff"
        "\ufe30-\ufe4f\uff00-\uffef")
_TOKEN = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")
# kinsoku: never start a line with these, never end one with the others
_NO_START = set("，。、；：？！）」』》〉】〕．…‧・／％,.;:!?)]}\u2019\u201d")
_NO_END = set("（「『《〈【〔([{\u2018\u201c")


def _tokens(text: str) -> list[str]:
    """Break opportunities: Latin words stay whole, CJK breaks between characters."""
    out: list[str] = []
    glue = False
    for tok in _TOKEN.findall(text):
        if tok.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            glue = False
            continue
        if out and out[-1] != " " and (glue or tok[0] in _NO_START):
            out[-1] += tok
        else:
            out.append(tok)
        glue = tok[-1] in _NO_END
    if out and out[-1] == " ":
        out.pop()
    return out


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line breaking for mixed Chinese and English text; never exceeds ``width``."""
    lines: list[str] = []
    for para in text.split("\n"):
        cur, cur_w, space = "", 0.0, False
        sp = stringWidth(" ", font, size)
        for tok in _tokens(para):
            if tok == " ":
                space = bool(cur)
                continue
            w = stringWidth(tok, font, size)
            add = w + (sp if space else 0.0)
            if cur and cur_w + add > width:
                lines.append(cur)
                cur, cur_w, space, add = "", 0.0, False, w
            if w > width:  # a word wider than the line: break it by characters
                if space:
                    cur, cur_w = cur + " ", cur_w + sp
                for ch in tok:
                    cw = stringWidth(ch, font, size)
                    if cur and cur_w + cw > width:
                        lines.append(cur)
                        cur, cur_w = "", 0.0
                    cur, cur_w = cur + ch, cur_w + cw
                space = False
                continue
            cur, cur_w, space = cur + (" " if space else "") + tok, cur_w + add, False
        lines.append(cur)
    return lines


class Pen:
    """The registered font, its glyphs and cached line breaks; draws one line at a time."""

    def __init__(self, font: Path | str | None, cjk: bool):
        self.font = fonts.register(str(font) if font else None)
        self._glyphs = getFont(self.font).face.charToGlyph
        self.lead = 1.45 if cjk else 1.3  # leading as a multiple of the size
        self._wraps: dict[tuple[str, float, float], list[str]] = {}

    def width(self, text: str, size: float) -> float:
        return stringWidth(text, self.font, size)

    def missing(self, text: str) -> str:
        """The characters of ``text`` the font has no glyph for ('' if none); only the plain
        space and line breaks are not drawn as glyphs (U+2002 or a tab would be)."""
        return "".join(sorted({ch for ch in text
                               if ch not in " \n" and ord(ch) not in self._glyphs}))

    def check(self, text: str, where: str) -> None:
        """Refuse text the font cannot show (it would print as empty boxes, 'tofu')."""
        missing = self.missing(text)
        if missing:
            raise InstrumentError([problem("PDF_002", Location("font"), chars=missing,
                                           where=where)])

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        key = (text, size, width)
        lines = self._wraps.get(key)
        if lines is None:
            lines = self._wraps[key] = wrap(text, self.font, size, width)
        return lines

    def balanced(self, text: str, size: float, width: float) -> list[str]:
        """As few lines as ``wrap`` gives, but of even length: no lone '進。' on a last line."""
        key = (text, size, -width)
        lines = self._wraps.get(key)
        if lines is None:
            lines = self.wrap(text, size, width)
            if len(lines) > 1:
                lo, hi = width / len(lines) * 0.9, width
                while hi - lo > 1.0:
                    mid = (lo + hi) / 2
                    if len(wrap(text, self.font, size, mid)) > len(lines):
                        lo = mid
                    else:
                        hi = mid
                lines = wrap(text, self.font, size, hi)
            self._wraps[key] = lines
        return lines

    def text(self, c: Canvas, x: float, y: float, s: str, size: float, *, bold: bool = False,
             gray: float = 0.0, align: str = "left") -> None:
        """One line at baseline ``y``; bold is a thin stroke around the glyphs (one font)."""
        if align != "left":
            w = stringWidth(s, self.font, size)
            x -= w if align == "right" else w / 2
        if gray:
            c.setFillGray(gray)
        if bold:
            t = c.beginText(x, y)
            t.setFont(self.font, size)
            t.setTextRenderMode(2)
            c.setLineWidth(size * 0.035)
            if gray:
                c.setStrokeGray(gray)
            t.textOut(s)
            t.setTextRenderMode(0)  # text state outlives BT/ET: reset for the next string
            c.drawText(t)
            if gray:
                c.setStrokeGray(0)
        else:
            c.setFont(self.font, size)
            c.drawString(x, y, s)
        if gray:
            c.setFillGray(0)

    @staticmethod
    def baseline(top: float, size: float, lead: float) -> float:
        """Baseline of a line whose line box (height ``lead``) starts at ``top``."""
        return top - (lead - size) / 2 - ASCENT * size
