"""The background questions, before the scored items on the full and wave-1 forms.

A heading, one line that they are not scored, then one block per question on the
answer rows' grid: mark boxes with codes (single choice), digit boxes and the
range (number) or a writing box (text).
"""

from __future__ import annotations

from typing import Callable

from reportlab.pdfgen.canvas import Canvas

from ..model import BackgroundItem
from .blocks import Block, Kit
from .grid import AnswerGrid
from .metrics import MM, snap


class Background:
    def __init__(self, kit: Kit, grid: AnswerGrid):
        self.k, self.m, self.pen, self.grid = kit, kit.m, kit.pen, grid

    def blocks(self) -> list[Block]:
        """The heading, the intro line and every question (kept together up to the last)."""
        inst, t = self.k.inst, self.k.t
        if not inst.background:
            return []
        blocks = [*self.k.heading(t.gettext("About you"), before=5 * MM),
                  *self.k.para(t.gettext("These questions are for the analysis only and are not "
                                         "scored. Cross the box that fits, or write a number in "
                                         "the boxes."), 9, after=1 * MM, keep_with_next=True)]
        last = len(inst.background) - 1
        return blocks + [self.question(q, keep=k < last) for k, q in enumerate(inst.background)]

    @staticmethod
    def digits(q: BackgroundItem) -> int:
        """How many digit boxes a number question gets: enough for its maximum."""
        if q.maximum is None or not q.integer:
            return 6
        return max(1, len(str(int(abs(q.maximum)))) + (1 if (q.minimum or 0) < 0 else 0))

    def number_hint(self, q: BackgroundItem) -> str:
        t = self.k.t
        low = None if q.minimum is None else f"{q.minimum:g}"
        high = None if q.maximum is None else f"{q.maximum:g}"
        span = (t.gettext("{low}–{high}").format(low=low, high=high) if low and high else
                t.gettext("{low} or more").format(low=low) if low else
                t.gettext("up to {high}").format(high=high) if high else "")
        text = t.pgettext("between two hints", "; ").join(x for x in (span, q.hint) if x)
        if not text:
            return ""
        return t.pgettext("a hint after the answer boxes", " ({text})").format(text=text).strip()

    def question(self, q: BackgroundItem, keep: bool = False) -> Block:
        """One background question: its id and label, then its answer row(s). Heights are
        multiples of ROW_GRID and the block starts on the grid, as answer rows do."""
        m, pen = self.m, self.pen
        size, lead = 9.5, 9.5 * pen.lead
        pad = 1.2 * MM
        width = m.right - m.stem_x
        label = pen.wrap(q.label, size, width)
        label_h = snap(len(label) * lead + 2 * pad)
        if q.kind == "single":
            rows = self.choice_rows(q, width, pad)
        elif q.kind == "number":
            rows = [self.number_row(q, pad)]
        else:
            rows = [self.text_row(q, width, pad)]
        height = label_h + sum(h for h, _ in rows)

        def draw(c: Canvas, y: float) -> None:
            c.setStrokeGray(0.45)
            c.setLineWidth(0.6)
            c.line(m.left, y, m.right, y)
            c.setStrokeGray(0)
            top = y - (label_h - len(label) * lead) / 2
            pen.text(c, m.left + 1 * MM, pen.baseline(top, size, lead), q.id, 7)
            for line in label:
                pen.text(c, m.stem_x, pen.baseline(top, size, lead), line, size)
                top -= lead
            y -= label_h
            for h, paint in rows:
                paint(c, y, h)
                y -= h
        return Block("question", height, draw, keep_with_next=keep, on_grid=True)

    def number_row(self, q: BackgroundItem, pad: float):
        """Digit boxes, then the accepted range and the hint."""
        m, pen = self.m, self.pen
        n, hint = self.digits(q), self.number_hint(q)

        def number(c: Canvas, y: float, h: float) -> None:
            cy = y - h / 2
            self.grid.boxes(c, [m.stem_x + (k + 0.5) * m.box for k in range(n)], cy, q.id)
            if hint:
                pen.text(c, m.stem_x + n * m.box + 2.5 * MM, cy - 0.35 * 8.5, hint, 8.5,
                         gray=0.3)
        return snap(m.box + 2 * pad), number

    def text_row(self, q: BackgroundItem, width: float, pad: float):
        """A box to write in: one line for up to 60 characters, else two."""
        m = self.m
        box_h = (1 if q.max_length <= 60 else 2) * 7 * MM

        def text(c: Canvas, y: float, h: float) -> None:
            c.setLineWidth(0.9)
            c.rect(m.stem_x, y - h / 2 - box_h / 2, width, box_h, stroke=1, fill=0)
            self.k.record_field(m.stem_x, y - h / 2 - box_h / 2, width, box_h, q.id)
        return snap(box_h + 2 * pad), text

    def choice_rows(self, q: BackgroundItem, width: float, pad: float
                    ) -> list[tuple[float, Callable[[Canvas, float, float], None]]]:
        """A single-choice question's options in as many equal columns as fit, row by row:
        mark box, code, label."""
        m, pen = self.m, self.pen
        size, lead = 9, 9 * pen.lead
        texts = [f"{c.code} {c.label}" for c in q.choices]
        gutter = 5 * MM
        inner = m.box + 2 * MM  # box and the space after it
        need = max(pen.width(t, size) for t in texts) + inner + gutter
        ncol = max(1, min(len(texts), int(width // need)))
        col_w = width / ncol
        cells = [pen.wrap(t, size, col_w - inner - gutter) for t in texts]
        rows = []
        for start in range(0, len(cells), ncol):
            row = cells[start:start + ncol]
            h = snap(max(m.box, max(len(x) for x in row) * lead) + 2 * pad)

            def paint(c: Canvas, y: float, h: float, row=row, start=start) -> None:
                cy = y - h / 2
                xs = [m.stem_x + k * col_w for k in range(len(row))]
                codes = [ch.code for ch in q.choices[start:start + len(row)]]
                self.grid.boxes(c, [x + m.box / 2 for x in xs], cy, q.id, codes)
                for x, lines in zip(xs, row):
                    top = cy + len(lines) * lead / 2
                    for line in lines:
                        pen.text(c, x + inner, pen.baseline(top, size, lead), line, size)
                        top -= lead
            rows.append((h, paint))
        return rows
