"""Page furniture: what every page carries around its body, whatever the form.

The header names the questionnaire, the instrument id, the form and (on a
respondent's form) who it is for; the footer gives "page x of y" and the ids
again. Marks for machines (corner fiducials, a QR code: the paper-scan issue)
belong here too: ``Furniture.marks`` is a list of ``PageMark`` callables, each
drawn on every page once its body is drawn (``finish``), with the page's
``PageInfo``, so a mark may depend on what the page holds: ``machine_marks``
draws the corner markers and the QR page code, whose layout tag hashes the
page's recorded boxes (``instrument.marks``). ``Metrics`` says where the margins
and the body are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from reportlab.pdfgen.canvas import Canvas

from .. import marks as machine
from ..contract import id_label
from .blocks import Form, Kit
from .metrics import MM, Metrics


@dataclass(frozen=True)
class PageInfo:
    """What a mark drawn on a page may need to know about it."""

    instrument_id: str
    form: Form
    page: int  # 1-based, within the form
    pages: int  # the form's page count
    metrics: Metrics
    recorder: machine.Recorder | None = None  # the form's box geometry so far


PageMark = Callable[[Canvas, PageInfo], None]


def machine_marks(c: Canvas, info: PageInfo) -> None:
    """Corner markers and the QR page code, for ``python -m scoring scan``."""
    if info.recorder is not None:
        info.recorder.finish_page(c, info.page)


class Furniture:
    def __init__(self, kit: Kit, marks: tuple[PageMark, ...] = (machine_marks,)):
        self.k, self.m, self.pen = kit, kit.m, kit.pen
        self.marks = marks

    def draw(self, c: Canvas, form: Form, page: int, total: int) -> None:
        """Header and footer of page ``page`` of ``total``."""
        self.header(c, form)
        self.footer(c, form, page, total)

    def finish(self, c: Canvas, form: Form, page: int, total: int) -> None:
        """The marks of the page, once its body is drawn."""
        info = PageInfo(self.k.inst.id, form, page, total, self.m, self.k.recorder)
        for mark in self.marks:
            mark(c, info)

    def header(self, c: Canvas, form: Form) -> None:
        """Title and instrument id; the form's name and, when known, the respondent."""
        m, pen, inst, t = self.m, self.pen, self.k.inst, self.k.t
        size = 7.5
        y1, y2 = m.header_y
        ident = f"{id_label('instrument', t.language)} {inst.id}"
        half = (m.right - m.left) - pen.width(ident, size) - 6 * MM
        title = pen.wrap(inst.texts.get("title", inst.bank_title), size, half)
        pen.text(c, m.left, y1, title[0] + ("\u2026" if len(title) > 1 else ""), size,
                 gray=0.25)
        pen.text(c, m.right, y1, ident, size, align="right", gray=0.25)
        pen.text(c, m.left, y2, self.k.form_label(form), size, bold=True)
        if form.respondent_id:
            who = f"{id_label('respondent_id', t.language)} {form.respondent_id}"
            if form.organisation:
                who += f"\u3000{id_label('organisation', t.language)} {form.organisation}"
            who = pen.wrap(who, size, (m.right - m.left) * 0.7)[0]
            pen.text(c, m.right, y2, who, size, align="right", bold=True)
        c.setLineWidth(0.5)
        c.setStrokeGray(0.4)
        c.line(m.left, m.header_rule, m.right, m.header_rule)

    def footer(self, c: Canvas, form: Form, page: int, total: int) -> None:
        """Page x of y, the respondent and the instrument id (the rule above them is drawn
        in the header's line width and grey: drawn right after it)."""
        m, pen, t = self.m, self.pen, self.k.t
        c.line(m.left, m.footer_rule, m.right, m.footer_rule)
        c.setStrokeGray(0)
        number = t.gettext("Page {x} of {y}").format(x=page, y=total)
        pen.text(c, (m.left + m.right) / 2, m.footer_y, number, 8, align="center")
        if form.respondent_id:
            rid = id_label("respondent_id", t.language)
            pen.text(c, m.left, m.footer_y, f"{rid} {form.respondent_id}", 7,
                     gray=0.25)
        pen.text(c, m.right, m.footer_y, self.k.inst.id, 7, align="right", gray=0.25)
