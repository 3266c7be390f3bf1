"""The pieces every part of the layout is made of, and the kit the parts share.

A ``Block`` is a piece of a page with a fixed height that paints itself downward
from a given top; the parts (cover, answer grid, routing box, glossary, ...)
return lists of blocks, and ``layout.Layout`` packs them into pages. ``Kit`` is
what each part is given: the instrument, the page metrics, the pen, the form's
wording (``t``: the language's catalogue, with the joins a form needs) and the
instrument's stages and areas by id, plus the generic blocks
(space, paragraph, heading).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from reportlab.pdfgen.canvas import Canvas

from .. import i18n, marks
from ..model import Instrument
from .metrics import MM, Metrics
from .text import Pen


@dataclass(frozen=True)
class Block:
    """A piece of a page with a fixed height; ``draw(canvas, y_top)`` paints it downward."""

    kind: str  # space | area | stage | scale | practice | routing | note | text | cont | question
    height: float
    draw: Callable[[Canvas, float], None]
    area: str = ""
    keep_with_next: bool = False
    on_grid: bool = False  # starts a whole number of ROW_GRID steps below the body top


@dataclass(frozen=True)
class Form:
    """One printed form: its kind, the areas it holds, whose it is when known."""

    kind: str  # "full" | "wave1" | "wave2"
    areas: tuple[str, ...]
    respondent_id: str = ""
    organisation: str = ""


@dataclass(frozen=True)
class Respondent:
    id: str
    organisation: str = ""


def uses_cjk(language: str) -> bool:
    """Chinese, Japanese and Korean text is set with more leading and full-width marks."""
    return language.split("-")[0] in ("zh", "ja", "ko")


class Kit:
    """What every part of the layout shares for one instrument, paper and font."""

    def __init__(self, instrument: Instrument, metrics: Metrics, pen: Pen):
        self.inst = instrument
        self.m = metrics
        self.pen = pen
        self.t = i18n.text(instrument.language)
        self.stage_no = {s.id: n for n, s in enumerate(instrument.stages, 1)}
        self.stage = {s.id: s for s in instrument.stages}
        self.area = {a.id: a for a in instrument.areas}
        self.gate = instrument.gate_stage
        self.later = tuple(s.id for s in instrument.stages if s.id != self.gate)
        # the geometry of the form being drawn (``Layout.draw`` sets it): every mark box and
        # writing field is recorded as it is drawn, for the scanner (``instrument.marks``)
        self.recorder: marks.Recorder | None = None

    def record_box(self, x: float, y: float, side: float, item: str, code: int) -> None:
        if self.recorder is not None:
            self.recorder.box(x, y, side, side, item, code)

    def record_field(self, x: float, y: float, w: float, h: float, name: str,
                     kind: str = "text") -> None:
        if self.recorder is not None:
            self.recorder.field(x, y, w, h, name, kind)

    # ----------------------------------------------------------------- wording
    def form_label(self, form: Form) -> str:
        """'第一波問卷', 'Wave 1 questionnaire', ...: the form's name in its header."""
        t = self.t
        return {"full": t.gettext("Paper questionnaire (single wave)"),
                "wave1": t.gettext("Wave 1 questionnaire"),
                "wave2": t.gettext("Wave 2 questionnaire")}[form.kind]

    def list_of(self, items: Iterable[str]) -> str:
        """'A, B, C' in the form's language ('A、B、C')."""
        return self.t.pgettext("list separator", ", ").join(items)

    def either(self, items: Sequence[str]) -> str:
        """'A', 'A or B', 'A, B or C' in the form's language."""
        if len(items) <= 1:
            return "".join(items)
        last = self.t.pgettext("before the last of a list of choices", " or ")
        return self.list_of(items[:-1]) + last + items[-1]

    def quote(self, name: str) -> str:
        return self.t.pgettext("quotation marks around a name", "“{text}”").format(text=name)

    def name_id(self, name: str, ident: str) -> str:
        return self.t.gettext("{name} ({id})").format(name=name, id=ident)

    def later_names(self) -> str:
        """The stages after the gate, quoted: '「測量」、「控制」、「持續改善」'."""
        return self.list_of(self.quote(self.stage[s].name) for s in self.later)

    def stage_range(self, numbers: Sequence[int]) -> str:
        """'2–4' for consecutive stage numbers, else '2、4'."""
        if len(numbers) > 1 and list(numbers) == list(range(numbers[0], numbers[-1] + 1)):
            return f"{numbers[0]}\u2013{numbers[-1]}"
        return self.list_of(map(str, numbers))

    def code_range(self, codes: Sequence[int]) -> str:
        """'1–5' for a run of three or more codes, else '0 or 1'."""
        ordered = sorted(codes)
        if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
            return f"{ordered[0]}\u2013{ordered[-1]}"
        return self.either([str(c) for c in ordered])

    # ----------------------------------------------------------------- generic blocks
    @staticmethod
    def space(height: float) -> Block:
        return Block("space", height, lambda c, y: None)

    def para(self, text: str, size: float, *, x: float | None = None, width: float | None = None,
             bold: bool = False, gray: float = 0.0, align: str = "left", after: float = 0.0,
             keep_with_next: bool = False, kind: str = "text", area: str = "") -> list[Block]:
        """A paragraph as one block per line; short paragraphs are kept together."""
        pen = self.pen
        x = self.m.left if x is None else x
        width = (self.m.right - x) if width is None else width
        lead = size * pen.lead
        lines = pen.wrap(text, size, width)
        together = len(lines) <= 6
        ax = {"left": x, "center": x + width / 2, "right": x + width}[align]
        blocks = []
        for k, line in enumerate(lines):
            last = k == len(lines) - 1

            def draw(c: Canvas, y: float, line: str = line) -> None:
                pen.text(c, ax, pen.baseline(y, size, lead), line, size, bold=bold, gray=gray,
                         align=align)
            blocks.append(Block(kind, lead + (after if last else 0.0), draw, area,
                                keep_with_next=keep_with_next if last else
                                (together or k == 0 or k >= len(lines) - 2)))
        return blocks

    def heading(self, text: str, size: float = 10.5, before: float = 2.5 * MM) -> list[Block]:
        return [self.space(before), *self.para(text, size, bold=True, after=1 * MM,
                                               keep_with_next=True)]
