"""Headings of the question pages: the area (and its continuation on a new page), the
stage block, and what a profile leaves out of an area or the form, with the reason."""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from .blocks import Block, Kit
from .metrics import MM, snap


class Headings:
    def __init__(self, kit: Kit):
        self.k, self.m, self.pen = kit, kit.m, kit.pen

    def area_heading(self, area_id: str) -> list[Block]:
        m, pen = self.m, self.pen
        a = self.k.area[area_id]
        size = 12
        height = snap(size * 1.3 + 3 * MM)

        def draw(c: Canvas, y: float) -> None:
            c.setFillGray(0.8)
            c.rect(m.left, y - height + 1 * MM, m.right - m.left, height - 1 * MM,
                   stroke=0, fill=1)
            c.setFillGray(0)
            base = pen.baseline(y - 1 * MM, size, height - 1 * MM)
            pen.text(c, m.left + 2 * MM, base, f"{a.number}. {a.name}", size, bold=True)
            pen.text(c, m.right - 2 * MM, base, a.id, 8, align="right")
        return [self.k.space(4 * MM), Block("area", height, draw, area_id, keep_with_next=True)]

    def continued(self, area_id: str) -> Block:
        """The area's name, marked as continued, at the top of a page inside its section."""
        m, pen = self.m, self.pen
        a = self.k.area[area_id]
        size = 8.5
        height = snap(size * 1.4)
        t = self.k.t
        label = f"{a.number}. {a.name}" + t.gettext(" (continued)")

        def draw(c: Canvas, y: float) -> None:
            pen.text(c, m.left + 1 * MM, pen.baseline(y, size, height), label, size, bold=True,
                     gray=0.3)
        return Block("cont", height, draw, area_id, keep_with_next=True)

    def stage_heading(self, area_id: str, stages: tuple[str, ...]) -> Block:
        k, m, pen, t = self.k, self.m, self.pen, self.k.t
        if len(stages) == 1:
            s = k.stage[stages[0]]
            label = t.gettext("Stage {n}: {name} ({id})").format(n=k.stage_no[s.id], name=s.name,
                                                                 id=s.id)
        else:
            label = t.gettext("Stages {range}: {names}").format(
                range=k.stage_range([k.stage_no[s] for s in stages]),
                names=k.list_of(k.name_id(k.stage[s].name, s) for s in stages))
        size = 10
        lines = pen.wrap(label, size, m.right - m.left - 2 * MM)
        lead = size * 1.3
        height = snap(len(lines) * lead + 2 * MM)

        def draw(c: Canvas, y: float) -> None:
            top = y - 1.2 * MM
            for line in lines:
                pen.text(c, m.left + 1 * MM, pen.baseline(top, size, lead), line, size,
                         bold=True)
                top -= lead
        return Block("stage", height, draw, area_id, keep_with_next=True)

    # ----------------------------------------------------------------- not applicable
    def left_out_note(self, area_id: str) -> list[Block]:
        """Under the area heading, a line per practice of the area that is not asked: its
        number and name, and why."""
        t = self.k.t
        blocks: list[Block] = []
        for p in self.k.inst.practices:
            if p.area == area_id and not p.applicable:
                blocks += self.k.para(t.gettext("{code} {name} (not applicable, so not asked): "
                                                "{reason}").format(code=p.code, name=p.name,
                                                           reason=p.reason),
                                      8.5, x=self.m.left + 1 * MM, gray=0.3, after=0.8 * MM,
                                      keep_with_next=True, kind="note", area=area_id)
        return blocks

    def area_left_out(self, area_id: str) -> list[Block]:
        """Where a whole area not applicable would be: its number and name, and why."""
        m, pen, t = self.m, self.pen, self.k.t
        a = self.k.area[area_id]
        reasons = a.reason or t.sentences(
            [p.reason for p in self.k.inst.practices if p.area == area_id and p.reason])
        size = 9
        lead = size * pen.lead
        head = f"{a.number}. {a.name}"
        head_w = pen.width(head, 10) + 3 * MM
        line = t.gettext("Not applicable here, so not asked: ") + reasons
        lines = pen.wrap(line, size, m.right - m.left - head_w - 4 * MM)
        height = snap(len(lines) * lead + 3 * MM)

        def draw(c: Canvas, y: float) -> None:
            c.setStrokeGray(0.6)
            c.setLineWidth(0.6)
            c.setDash(2, 2)
            c.rect(m.left, y - height + 0.5 * MM, m.right - m.left, height - 1 * MM,
                   stroke=1, fill=0)
            c.setDash()
            c.setStrokeGray(0)
            top = y - (height - len(lines) * lead) / 2
            pen.text(c, m.left + 2 * MM, pen.baseline(top, 10, lead), head, 10, bold=True,
                     gray=0.3)
            for line in lines:
                pen.text(c, m.left + 2 * MM + head_w, pen.baseline(top, size, lead), line,
                         size, gray=0.3)
                top -= lead
        return [self.k.space(4 * MM), Block("note", height, draw, area_id)]
