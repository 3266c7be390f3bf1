"""Framed notes: the routing box after each area's gate-stage block, and the end note.

The routing box states the gate as a rule a respondent applies by counting
(``followup.paper_routing``): first the minimum of answers, when it can decide,
then the rule; for the mean rule with a lookup table of the totals to reach.
"""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas

from ..followup import paper_routing
from .blocks import Block, Form, Kit
from .metrics import MM, snap

ARROW = "\u2192"  # before a framed note
STEPS = "\u2460\u2461\u2462\u2463"  # ① ② ...: the steps of a routing box


class Notes:
    def __init__(self, kit: Kit):
        self.k, self.m, self.pen = kit, kit.m, kit.pen

    def boxed(self, text: str, area: str, table: list[list[str]] | None = None,
              kind: str = "note") -> Block:
        """A framed note: the routing rule (with its lookup table) or an end note. A text of
        several paragraphs (lines of ``text``, at most four) is a list of steps, ①, ②, ..."""
        m, pen = self.m, self.pen
        size = 9
        lead = size * pen.lead
        x = m.left + 4 * MM  # the marker; text 5 mm further in
        paras = text.split("\n")
        marks = [ARROW] if len(paras) == 1 else list(STEPS[:len(paras)])
        width = m.right - 4 * MM - (x + 5 * MM)
        lines = [(mark, pen.wrap(p, size, width)) for mark, p in zip(marks, paras)]
        n_lines = sum(len(ls) for _, ls in lines)
        step_gap = 1 * MM
        cell_h = 6 * MM
        label_w = (max(pen.width(r[0], 8.5) for r in table) + 4 * MM) if table else 0
        table_h = (1.5 * MM + len(table) * cell_h) if table else 0.0
        height = snap(n_lines * lead + (len(paras) - 1) * step_gap + table_h + 6 * MM)

        def draw(c: Canvas, y: float) -> None:
            c.setFillGray(0.96)
            c.setLineWidth(1)
            c.rect(m.left + 2 * MM, y - height + 1 * MM, m.right - m.left - 4 * MM,
                   height - 2 * MM, stroke=1, fill=1)
            c.setFillGray(0)
            content = n_lines * lead + (len(paras) - 1) * step_gap + table_h
            top = y - 1 * MM - (height - 2 * MM - content) / 2  # centred in the frame
            for mark, para in lines:
                pen.text(c, x, pen.baseline(top, size, lead), mark, size, bold=True)
                for line in para:
                    pen.text(c, x + 5 * MM, pen.baseline(top, size, lead), line, size)
                    top -= lead
                top -= step_gap
            top += step_gap
            if table:
                self.lookup_table(c, table, x + 5 * MM, top - 1.5 * MM, label_w)
        return Block(kind, height, draw, area)

    def lookup_table(self, c: Canvas, table: list[list[str]], x: float, top: float,
                     label_w: float) -> None:
        """Rows of a label and numbers in cells (answered count -> total to reach)."""
        pen = self.pen
        cell_h, cell_w = 6 * MM, 9 * MM
        c.setLineWidth(0.6)
        for row in table:
            c.setFillGray(1)
            c.rect(x, top - cell_h, label_w + cell_w * (len(row) - 1), cell_h, stroke=1, fill=1)
            c.setFillGray(0)
            base = top - cell_h / 2 - 0.35 * 8.5
            pen.text(c, x + 1.5 * MM, base, row[0], 8.5)
            for k, cell in enumerate(row[1:]):
                cx = x + label_w + k * cell_w
                c.line(cx, top, cx, top - cell_h)
                pen.text(c, cx + cell_w / 2, base, cell, 9, align="center")
            top -= cell_h

    def routing(self, area_id: str, last: bool) -> Block:
        """The gate as a rule a respondent applies by counting, at the end of an S block:
        first the minimum of answers (when it can decide), then the rule."""
        k, t, inst = self.k, self.k.t, self.k.inst
        r = paper_routing(inst, area_id)
        labels = {c.code: c.label for c in inst.scale.codes}
        missing = inst.scale.missing
        stages = k.stage_range([k.stage_no[s] for s in k.later])
        not_counted = t.gettext(" (blanks do not count)")
        if missing:
            not_counted = t.gettext(" ({codes} and blanks do not count)")
            not_counted = not_counted.format(codes=k.list_of(map(str, missing)))
        skip = t.gettext("skip to the end of the questionnaire")
        if not last:
            skip = t.gettext("skip to the next knowledge area")
        words = {
            "n": r.n_items, "need": r.need, "min": r.min_answers, "skip": skip,
            "stages": t.gettext("stage {range}").format(range=stages),
            "labels": k.either([k.quote(labels[c]) for c in r.codes]),
            "valid": k.code_range(r.valid), "not_counted": not_counted,
            "threshold": f"{inst.rule.threshold:g}" if inst.rule.threshold is not None else "",
        }
        if r.kind == "count":
            rule = t.gettext("If at least {need} of the {n} statements above are marked "
                             "{labels}, go on to this area's {stages} statements. Otherwise "
                             "{skip}.")
            if r.minimum_binds:
                # Translators: {n} (the number of statements above) is passed too.
                rule = t.gettext("Count the statements above that you marked "
                                 "{valid}{not_counted}. Fewer than {min}: {skip}.\n{min} or "
                                 "more: if at least {need} are marked {labels}, go on to this "
                                 "area's {stages} statements; otherwise {skip}.")
            return self.boxed(rule.format(**words), area_id, kind="routing")
        # Translators: {n} (the number of statements above) is passed too.
        rule = t.gettext("Count the statements above that you marked {valid}{not_counted} and "
                         "add up the codes you marked for them. If the total is at least the "
                         "number below for that count (an average of {threshold} or more), go "
                         "on to this area's {stages} statements; otherwise {skip}.")
        if r.minimum_binds:
            # Translators: {n} (the number of statements above) is passed too.
            rule = t.gettext("Count the statements above that you marked {valid}{not_counted}. "
                             "Fewer than {min}: {skip}.\n{min} or more: add up the codes you "
                             "marked for them. If the total is at least the number below for "
                             "that count (an average of {threshold} or more), go on to this "
                             "area's {stages} statements; otherwise {skip}.")
        answered, total = t.gettext("Statements answered"), t.gettext("Total at least")
        label_w = max(self.pen.width(x, 8.5) for x in (answered, total)) + 4 * MM
        per_row = max(1, int((self.m.right - self.m.left - 16 * MM - label_w) // (9 * MM)))
        counts = range(r.first, r.n_items + 1)
        table = []
        for start in range(0, len(counts), per_row):  # a long area: the table in several rows
            span = range(start, min(start + per_row, len(counts)))
            table += [[answered, *(str(counts[j]) for j in span)],
                      [total, *(str(r.totals[j]) for j in span)]]
        return self.boxed(rule.format(**words), area_id, table, kind="routing")

    def end_note(self, form: Form) -> list[Block]:
        """The closing box: thanks, and on wave 1 what comes next."""
        t, k = self.k.t, self.k
        text = {"full": t.gettext("This is the end of the questionnaire. Thank you very much! "
                                  "Please return it as described on page 1."),
                "wave1": t.gettext("This is the end of the first form. Thank you! A second form "
                                   "will follow with the {names} statements of the knowledge "
                                   "areas that reach the threshold; if no area does, there is "
                                   "no second form."),
                "wave2": t.gettext("This is the end of the second form. Thank you very much! "
                                   "Please return it as described on page 1.")}[form.kind]
        text = text.format(names=k.later_names())
        return [k.space(4 * MM), self.boxed(text, "", kind="note")]
