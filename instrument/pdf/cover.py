"""The cover and instructions: title, form and length, id boxes, how to mark, the codes
and the stages, confidentiality and return; on a wave-2 form, which areas it holds."""

from __future__ import annotations

from typing import Sequence

from reportlab.pdfgen.canvas import Canvas

from ..contract import id_label
from ..followup import wave2_items
from ..model import Label
from .blocks import Block, Form, Kit
from .metrics import MM, snap


class Cover:
    def __init__(self, kit: Kit):
        self.k, self.m, self.pen = kit, kit.m, kit.pen

    def blocks(self, form: Form) -> list[Block]:
        k, inst, t = self.k, self.k.inst, self.k.t
        texts = inst.texts
        blocks = k.para(texts.get("title", inst.bank_title), 17, bold=True, align="center",
                        after=2 * MM)
        if inst.bank_title != texts.get("title"):
            blocks += k.para(inst.bank_title, 9, align="center", gray=0.3, after=1 * MM)
        n = self.form_items(form)
        line = t.pgettext("the line under the cover's title", "{form} · {items} · {duration}")
        blocks += k.para(line.format(form=k.form_label(form), duration=self.duration(form),
                                     items=t.ngettext("{n} statement", "{n} statements", n)
                                     .format(n=n)),
                         11, align="center", bold=True, after=4 * MM)
        blocks += self.id_boxes(form)
        blocks.append(k.space(2 * MM))
        if texts.get("preamble"):
            blocks += k.para(texts["preamble"], 9.5, after=1 * MM)
        blocks += k.heading(t.gettext("How to answer"))
        if texts.get("instructions"):
            blocks += k.para(texts["instructions"], 9.5, after=1 * MM)
        blocks += k.para(self.form_note(form), 9.5, after=1 * MM)
        blocks += k.para(t.gettext("With a black or blue pen, put a cross (X) in the one box "
                                   "per statement that best describes what actually happens. To "
                                   "change an answer, fill the wrong box in completely and "
                                   "cross the right one."), 9.5)
        blocks.append(self.mark_example())
        blocks += k.heading(t.gettext("Answer codes"), before=1.5 * MM)
        blocks += self.scale_codes()
        blocks += k.heading(t.gettext("Stages of maturity"))
        for s in inst.stages:
            blocks += k.para(t.gettext("{n}. {stage}: {definition}").format(
                n=k.stage_no[s.id], stage=k.name_id(s.name, s.id), definition=s.definition),
                9, x=self.m.left + 2 * MM, after=0.6 * MM)
        for key, head in (("confidentiality", t.gettext("Confidentiality")),
                          ("return", t.gettext("Returning the form"))):
            if texts.get(key):
                blocks += k.heading(head)
                blocks += k.para(texts[key], 9.5)
        if texts.get("thanks"):
            blocks.append(k.space(3 * MM))
            blocks += k.para(texts["thanks"], 9.5, bold=True)
        return blocks

    def form_note(self, form: Form) -> str:
        """How this form works: the gate on the full form, what wave 1 and wave 2 hold."""
        k, t = self.k, self.k.t
        if form.kind == "full":
            return t.gettext("In each knowledge area, answer the stage 1 statements first; the "
                             "box at their end tells you whether to go on to the area's other "
                             "statements or to skip to the next area.")
        if form.kind == "wave1":
            return t.gettext("This is the first of two forms: it holds only the {stage} "
                             "statements of each knowledge area. From your answers the "
                             "researcher will send you a second form with the other statements "
                             "of the areas that reach the threshold.").format(
                stage=k.stage[k.gate].name)
        areas = k.list_of(f"{k.area[a].number}. {k.area[a].name}" for a in form.areas)
        return t.ngettext(
            "This second form was made from your answers to the first one. It holds the "
            "{names} statements of this knowledge area: {areas}.",
            "This second form was made from your answers to the first one. It holds the "
            "{names} statements of these {n} knowledge areas: {areas}.",
            len(form.areas)).format(n=len(form.areas), names=k.later_names(), areas=areas)

    def form_items(self, form: Form) -> int:
        inst, wanted = self.k.inst, set(form.areas)
        if form.kind == "wave1":
            return sum(1 for i in inst.items if i.area in wanted and i.stage == self.k.gate)
        if form.kind == "wave2":
            return len(wave2_items(inst, form.areas))
        return sum(1 for i in inst.items if i.area in wanted)

    def duration(self, form: Form) -> str:
        """'約 11–41 分鐘' on the single-wave form (gate stage only, every stem); the gate
        stage's time on wave 1; a wave-2 form's own stems."""
        t, inst = self.k.t, self.k.inst
        low, high = inst.minutes()
        if form.kind == "wave1":
            high = low
        elif form.kind == "wave2":
            low = high = -(-self.form_items(form) * inst.seconds_per_stem // 60)
        if low == high:
            return t.gettext("about {n} minutes").format(n=low)
        return t.gettext("about {low}–{high} minutes").format(low=low, high=high)

    def id_boxes(self, form: Form) -> list[Block]:
        """Boxes for the respondent id and organisation, filled in when known."""
        m, pen, t = self.m, self.pen, self.k.t
        size = 10
        box_h = 10 * MM
        names = (id_label("respondent_id", t.language), id_label("organisation", t.language))
        label_w = max(pen.width(name, size) for name in names) + 4 * MM
        fields = [(names[0], form.respondent_id, 70 * MM, "respondent_id"),
                  (names[1], form.organisation, m.right - m.left - label_w, "organisation")]
        values = [pen.wrap(v, 11, w - 4 * MM)[0] if v else "" for _, v, w, _ in fields]
        hint = "" if form.respondent_id else t.gettext("(filled in by the researcher)")
        height = snap(2 * box_h + 3 * MM + (4 * MM if hint else 0))

        def draw(c: Canvas, y: float) -> None:
            top = y
            for (name, _, w, column), value in zip(fields, values):
                base = top - box_h / 2 - 0.35 * size
                pen.text(c, m.left, base, name, size, bold=True)
                c.setLineWidth(1)
                c.rect(m.left + label_w, top - box_h, w, box_h, stroke=1, fill=0)
                self.k.record_field(m.left + label_w, top - box_h, w, box_h, column)
                if value:
                    pen.text(c, m.left + label_w + 2 * MM, top - box_h / 2 - 0.35 * 11,
                             value, 11)
                if hint and name == names[0]:
                    pen.text(c, m.left + label_w, top - box_h - 3.2 * MM, hint, 7, gray=0.35)
                    top -= 4 * MM
                top -= box_h + 3 * MM
        return [Block("text", height, draw)]

    def mark_example(self) -> Block:
        """A crossed box and a filled one, each with its caption."""
        m, pen, t = self.m, self.pen, self.k.t
        b = 4.5 * MM
        height = snap(b + 3 * MM)

        def draw(c: Canvas, y: float) -> None:
            x = m.left + 4 * MM
            cy = y - height / 2
            c.setLineWidth(0.9)
            for kind, caption in (("x", t.gettext("answer")), ("fill", t.gettext("changed "
                                                                                 "(filled in)"))):
                c.rect(x, cy - b / 2, b, b, stroke=1, fill=1 if kind == "fill" else 0)
                if kind == "x":
                    c.setLineWidth(1.4)
                    c.line(x + 0.8 * MM, cy - b / 2 + 0.8 * MM, x + b - 0.8 * MM,
                           cy + b / 2 - 0.8 * MM)
                    c.line(x + 0.8 * MM, cy + b / 2 - 0.8 * MM, x + b - 0.8 * MM,
                           cy - b / 2 + 0.8 * MM)
                    c.setLineWidth(0.9)
                pen.text(c, x + b + 2 * MM, cy - 0.35 * 8.5, caption, 8.5)
                x += b + 2 * MM + pen.width(caption, 8.5) + 10 * MM
        return Block("text", height, draw)

    def code_list(self, codes: Sequence[Label]) -> Block:
        """Codes and labels in up to three columns, fewer when a label would wrap (code
        first: what a typist keys)."""
        m, pen, t = self.m, self.pen, self.k.t
        size = 9.5
        lead = size * pen.lead
        texts = [t.gettext("{code} = {label}").format(code=c.code, label=c.label) for c in codes]
        for ncol in range(min(3, len(texts)), 0, -1):
            col_w = (m.right - m.left - 4 * MM) / ncol
            cells = [pen.wrap(t, size, col_w - 3 * MM)[:2] for t in texts]
            if all(len(x) == 1 for x in cells):
                break
        nrow = -(-len(cells) // ncol)
        row_h = [max(len(cells[r + k * nrow]) for k in range(ncol) if r + k * nrow < len(cells))
                 * lead for r in range(nrow)]
        height = sum(row_h) + 1 * MM

        def draw(c: Canvas, y: float) -> None:
            for k, lines in enumerate(cells):
                col, row = divmod(k, nrow)
                top = y - sum(row_h[:row])
                for line in lines:
                    pen.text(c, m.left + 2 * MM + col * col_w, pen.baseline(top, size, lead),
                             line, size)
                    top -= lead
        return Block("text", height, draw)

    def scale_codes(self) -> list[Block]:
        """The cover's list of answer codes: the scored ones, then apart, under their own
        line, the ones that are not scored."""
        scale = self.k.inst.scale
        blocks = [self.code_list(scale.substantive)]
        if scale.non_substantive:
            head = self.k.t.gettext("These codes are not scored and do not count as answers:")
            blocks += self.k.para(head, 9, x=self.m.left + 2 * MM, bold=True,
                                  keep_with_next=True, after=0.5 * MM)
            blocks.append(self.code_list(scale.non_substantive))
        return blocks
