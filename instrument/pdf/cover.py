"""The cover and instructions: title, form and length, id boxes, how to mark, the codes
and the stages, confidentiality and return; on a wave-2 form, which areas it holds."""

from __future__ import annotations

from typing import Sequence

from reportlab.pdfgen.canvas import Canvas

from ..followup import wave2_items
from ..model import Label
from .blocks import Block, Form, Kit
from .metrics import MM, snap


class Cover:
    def __init__(self, kit: Kit):
        self.k, self.m, self.pen = kit, kit.m, kit.pen

    def blocks(self, form: Form) -> list[Block]:
        k, inst, ui = self.k, self.k.inst, self.k.ui
        t = inst.texts
        blocks = k.para(t.get("title", inst.bank_title), 17, bold=True, align="center",
                        after=2 * MM)
        if inst.bank_title != t.get("title"):
            blocks += k.para(inst.bank_title, 9, align="center", gray=0.3, after=1 * MM)
        sep = "\u3000" if k.cjk else " \u00b7 "
        blocks += k.para(sep.join((k.form_label(form),
                                   ui["n_items"].format(n=self.form_items(form)),
                                   self.duration(form))),
                         11, align="center", bold=True, after=4 * MM)
        blocks += self.id_boxes(form)
        blocks.append(k.space(2 * MM))
        if t.get("preamble"):
            blocks += k.para(t["preamble"], 9.5, after=1 * MM)
        blocks += k.heading(ui["h_instructions"])
        if t.get("instructions"):
            blocks += k.para(t["instructions"], 9.5, after=1 * MM)
        blocks += k.para(self.form_note(form), 9.5, after=1 * MM)
        blocks += k.para(ui["mark_how"], 9.5)
        blocks.append(self.mark_example())
        blocks += k.heading(ui["h_scale"], before=1.5 * MM)
        blocks += self.scale_codes()
        blocks += k.heading(ui["h_stages"])
        for s in inst.stages:
            blocks += k.para(f"{k.stage_no[s.id]}. "
                             f"{ui['name_id'].format(name=s.name, id=s.id)}"
                             f"{'：' if k.cjk else ': '}{s.definition}", 9,
                             x=self.m.left + 2 * MM, after=0.6 * MM)
        for key, head in (("confidentiality", "h_confidentiality"), ("return", "h_return")):
            if t.get(key):
                blocks += k.heading(ui[head])
                blocks += k.para(t[key], 9.5)
        if t.get("thanks"):
            blocks.append(k.space(3 * MM))
            blocks += k.para(t["thanks"], 9.5, bold=True)
        return blocks

    def form_note(self, form: Form) -> str:
        """How this form works: the gate on the full form, what wave 1 and wave 2 hold."""
        k, ui = self.k, self.k.ui
        if form.kind == "full":
            return ui["note_full"]
        if form.kind == "wave1":
            return ui["note_wave1"].format(stage=k.stage[k.gate].name)
        later_names = ui["list_sep"].join(ui["quote"].format(k.stage[s].name) for s in k.later)
        areas = ui["list_sep"].join(f"{k.area[a].number}. {k.area[a].name}" for a in form.areas)
        return ui["note_wave2"].format(n=len(form.areas), names=later_names, areas=areas)

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
        ui, inst = self.k.ui, self.k.inst
        low, high = inst.minutes()
        if form.kind == "wave1":
            high = low
        elif form.kind == "wave2":
            low = high = -(-self.form_items(form) * inst.seconds_per_stem // 60)
        if low == high:
            return ui["minutes"].format(n=low)
        return ui["minutes_range"].format(low=low, high=high)

    def id_boxes(self, form: Form) -> list[Block]:
        """Boxes for the respondent id and organisation, filled in when known."""
        m, pen, ui = self.m, self.pen, self.k.ui
        size = 10
        box_h = 10 * MM
        label_w = max(pen.width(ui[key], size) for key in ("respondent_id", "organisation")) \
            + 4 * MM
        fields = [(ui["respondent_id"], form.respondent_id, 70 * MM, "respondent_id"),
                  (ui["organisation"], form.organisation, m.right - m.left - label_w,
                   "organisation")]
        values = [pen.wrap(v, 11, w - 4 * MM)[0] if v else "" for _, v, w, _ in fields]
        hint = "" if form.respondent_id else ui["filled_by_researcher"]
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
                if hint and name == ui["respondent_id"]:
                    pen.text(c, m.left + label_w, top - box_h - 3.2 * MM, hint, 7, gray=0.35)
                    top -= 4 * MM
                top -= box_h + 3 * MM
        return [Block("text", height, draw)]

    def mark_example(self) -> Block:
        """A crossed box and a filled one, each with its caption."""
        m, pen, ui = self.m, self.pen, self.k.ui
        b = 4.5 * MM
        height = snap(b + 3 * MM)

        def draw(c: Canvas, y: float) -> None:
            x = m.left + 4 * MM
            cy = y - height / 2
            c.setLineWidth(0.9)
            for kind, caption in (("x", ui["mark_ok"]), ("fill", ui["mark_changed"])):
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
        m, pen, ui = self.m, self.pen, self.k.ui
        size = 9.5
        lead = size * pen.lead
        texts = [ui["code_label"].format(code=c.code, label=c.label) for c in codes]
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
            blocks += self.k.para(self.k.ui["not_scored_codes"], 9, x=self.m.left + 2 * MM,
                                  bold=True, keep_with_next=True, after=0.5 * MM)
            blocks.append(self.code_list(scale.non_substantive))
        return blocks
