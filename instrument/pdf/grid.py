"""The answer grid: the scale header and one row per stem, with its mark boxes.

Mark boxes are real squares in fixed columns at the right margin, one per scale
code (don't-know included), the same x on every page; row heights are multiples
of ``ROW_GRID`` so box centres also fall on a vertical grid. The scale header is
drawn at every section start and at the top of every page that continues a
section; the item id is printed small at each row. ``boxes`` is the one place
mark boxes are drawn (the background questions use it too).
"""

from __future__ import annotations

import re
from typing import Sequence

from reportlab.pdfgen.canvas import Canvas

from .blocks import Block, Kit
from .metrics import MM, snap


class AnswerGrid:
    def __init__(self, kit: Kit):
        self.k, self.m, self.pen = kit, kit.m, kit.pen

    # ----------------------------------------------------------------- boxes and shading
    def boxes(self, c: Canvas, centres: Sequence[float], cy: float, item: str = "",
              codes: Sequence[int] | None = None) -> None:
        """Mark boxes of the answer rows' size, centred on ``cy``; recorded for the scanner
        as ``item``'s ``codes`` (one per box), or without codes as the digit boxes of a
        number a person writes in."""
        box = self.m.box
        c.setLineWidth(0.9)
        c.setStrokeGray(0)
        c.setFillGray(1)
        for k, cx in enumerate(centres):
            c.rect(cx - box / 2, cy - box / 2, box, box, stroke=1, fill=1)
            if item and codes is not None:
                self.k.record_box(cx - box / 2, cy - box / 2, box, item, codes[k])
            elif item:
                self.k.record_field(cx - box / 2, cy - box / 2, box, box, item, "digit")
        c.setFillGray(0)

    def shade(self, c: Canvas, bottom: float, height: float) -> None:
        """A row's light background, broken by the gap before the not-scored columns."""
        m = self.m
        c.setFillGray(0.94)
        c.rect(m.left, bottom, m.scored_x1 - m.left, height, stroke=0, fill=1)
        if m.gap:
            c.rect(m.unscored_x0, bottom, m.right - m.unscored_x0, height, stroke=0, fill=1)
        c.setFillGray(0)

    # ----------------------------------------------------------------- the scale header
    def scale_header(self, area: str = "") -> Block:
        """The column heads: label and code per column; above the not-scored columns
        (don't know, not applicable), set apart by a gap, their own group label."""
        m, pen, t = self.m, self.pen, self.k.t
        code_size = 8.5
        labels = [self.label_lines(c.label) for c in m.columns]
        n_lines = max(len(x[1]) for x in labels)
        lead = 6.2 * 1.25
        pad = 1.2 * MM
        band = 3.8 * MM  # the group label's strip
        unscored_w = m.right - m.unscored_x0
        group_size = min(6.8, 6.8 * (unscored_w - 1.5 * MM)
                         / max(1.0, pen.width(t.gettext("Not scored"), 6.8)))
        height = snap(band + n_lines * lead + code_size * 1.3 + 2 * pad)
        apart = m.n_scored < len(m.columns)

        def draw(c: Canvas, y: float) -> None:
            bottom = y - height
            c.setFillGray(0.88)
            c.rect(m.left, bottom, m.scored_x1 - m.left, height, stroke=0, fill=1)
            if apart:
                c.rect(m.unscored_x0, bottom, unscored_w, height, stroke=0, fill=1)
                c.setFillGray(0.72)
                c.rect(m.unscored_x0, y - band, unscored_w, band, stroke=0, fill=1)
            c.setFillGray(0)
            if apart:
                pen.text(c, m.unscored_x0 + unscored_w / 2, pen.baseline(y, group_size, band),
                         t.gettext("Not scored"), group_size, bold=True, align="center")
            base = bottom + pad + 1
            pen.text(c, m.left + 1 * MM, base, t.gettext("Item"), 8, bold=True)
            pen.text(c, m.stem_x, base, t.gettext("Statement"), 8, bold=True)
            c.setStrokeGray(1)
            c.setLineWidth(0.8)
            for k in range(1, len(m.col_x)):
                if k != m.n_scored:  # the gap separates the two groups already
                    c.line(m.col_x[k], bottom + 0.6 * MM, m.col_x[k], y - band)
            c.setStrokeGray(0)
            for k, (cx, (size, label)) in enumerate(zip(m.box_x, labels)):
                top = y - band - pad - (n_lines - len(label)) * lead  # labels sit on the codes
                for line in label:
                    pen.text(c, cx, pen.baseline(top, size, lead), line, size, align="center")
                    top -= lead
                pen.text(c, cx, base, str(m.columns[k].code), code_size, bold=True,
                         align="center")
        return Block("scale", height, draw, area, keep_with_next=True)

    def label_lines(self, label: str) -> tuple[float, list[str]]:
        """A scale label in its column: break first after a slash, shrink rather than
        leave a line of bare punctuation or more than three lines."""
        parts = [x.strip() for x in re.split(r"(?<=／)|(?<= /) ", label) if x.strip()]
        for size in (6.2, 6.0, 5.8, 5.6, 5.4):
            lines = [line for part in parts
                     for line in self.pen.wrap(part, size, self.m.col_w - 0.8 * MM)]
            if len(lines) <= 3 and all(re.search(r"\w", line) for line in lines):
                break
        return size, lines

    # ----------------------------------------------------------------- rows
    def practice(self, practice_id: str, stages: tuple[str, ...], keep: bool = False) -> Block:
        """A practice's name and its stems at ``stages``: one row each, with mark boxes."""
        m, pen, inst = self.m, self.pen, self.k.inst
        p = next(x for x in inst.practices if x.id == practice_id)
        items = [i for i in inst.items if i.practice == practice_id and i.stage in stages]
        size = 9.5
        lead = size * pen.lead
        title_size = 9.5
        title_h = snap(title_size * 1.3 + 2.2 * MM, 1 * MM)
        pad = 1.6 * MM
        rows = []
        for item in items:
            lines = pen.balanced(item.text, size, m.stem_w)
            stage_lines = pen.wrap(self.k.stage[item.stage].name, 6, m.id_w - 2 * MM)
            text_h = len(lines) * lead
            id_h = 7 * 1.3 + len(stage_lines) * 6 * 1.2
            h = snap(max(text_h, id_h, m.box + 1.5 * MM) + 2 * pad)
            rows.append((item, lines, stage_lines, h))
        height = title_h + sum(r[3] for r in rows)
        codes = [col.code for col in m.columns]

        def draw(c: Canvas, y: float) -> None:
            c.setStrokeGray(0.45)
            c.setLineWidth(0.6)
            c.line(m.left, y, m.right, y)
            c.setStrokeGray(0)
            pen.text(c, m.left + 1 * MM, pen.baseline(y - 1.1 * MM, title_size,
                                                      title_h - 2.2 * MM),
                     f"{p.code}  {p.name}", title_size, bold=True)
            y -= title_h
            for k, (item, lines, stage_lines, h) in enumerate(rows):
                if k % 2 == 0:
                    self.shade(c, y - h, h)
                top = y - (h - len(lines) * lead) / 2
                first = pen.baseline(top, size, lead)
                for line in lines:
                    pen.text(c, m.stem_x, pen.baseline(top, size, lead), line, size)
                    top -= lead
                pen.text(c, m.left + 1 * MM, first, item.id, 7)
                sy = first - 7 * 1.2
                for line in stage_lines:
                    pen.text(c, m.left + 1 * MM, sy, line, 6, gray=0.35)
                    sy -= 6 * 1.2
                self.boxes(c, m.box_x, y - h / 2, item.id, codes)
                y -= h
            c.setStrokeGray(0)
        return Block("practice", height, draw, p.area, keep_with_next=keep)
