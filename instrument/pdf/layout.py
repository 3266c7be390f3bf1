"""One instrument's forms, measured once and drawn as often as needed.

``Layout`` holds the parts (cover, background questions, headings, answer grid,
framed notes, glossary, page furniture), all sharing one ``Kit`` (metrics, pen,
wording). ``pages`` asks each part for its blocks and packs them into pages,
never splitting a practice; only then are pages drawn, so each page header
already knows "page x of y" (no second pass) and a thousand follow-up forms
reuse the same measured blocks. Output is deterministic (reportlab invariant
mode): same input, same bytes.
"""

from __future__ import annotations

import contextlib
import io

from reportlab import rl_config
from reportlab.pdfgen.canvas import Canvas

from .. import __version__, i18n, marks
from ..artifacts import RenderSettings
from ..model import Instrument
from .background import Background
from .blocks import Block, Form, Kit, uses_cjk
from .cover import Cover
from .furniture import Furniture
from .glossary import Glossary
from .grid import AnswerGrid
from .headings import Headings
from .metrics import Metrics, snap
from .routing import ARROW, STEPS, Notes
from .text import Pen


class Layout:
    """Everything measured for one instrument, paper and font; reused for every form."""

    def __init__(self, instrument: Instrument, settings: RenderSettings):
        metrics = Metrics.measure(instrument, settings.paper)
        pen = Pen(settings.font, uses_cjk(instrument.language))
        self.inst = instrument
        self.kit = Kit(instrument, metrics, pen)
        self.m, self.pen = metrics, self.kit.pen
        self.grid = AnswerGrid(self.kit)
        self.headings = Headings(self.kit)
        self.background = Background(self.kit, self.grid)
        self.notes = Notes(self.kit)
        self.cover = Cover(self.kit)
        self.glossary = Glossary(self.kit)
        self.furniture = Furniture(self.kit)
        self._sections: dict[tuple, list[Block]] = {}
        self._check_glyphs()

    def _check_glyphs(self) -> None:
        inst = self.inst
        texts: list[tuple[str, str]] = [(f"text '{k}'", v) for k, v in inst.texts.items()]
        texts += [(i.id, i.text) for i in inst.items]
        texts += [(p.id, p.name + p.glossary + p.note + p.reason) for p in inst.practices]
        texts += [(f"area {a.id}", a.name + a.reason) for a in inst.areas]
        texts += [(q.id, q.label + q.hint + "".join(c.label for c in q.choices))
                  for q in inst.background]
        texts += [(f"stage {s.id}", s.name + s.definition) for s in inst.stages]
        texts += [(f"scale {inst.scale.id}", "".join(c.label for c in inst.scale.codes))]
        texts += [("form wording", "".join(i18n.strings(inst.language)) + inst.bank_title
                   + ARROW + STEPS)]
        for where, text in texts:
            self.pen.check(text, where)

    # ----------------------------------------------------------------- sections
    def section(self, area_id: str, kind: str, last: bool) -> list[Block]:
        """One area's blocks on a form of ``kind``; cached, shared by all respondents."""
        key = (area_id, kind, last)
        if key in self._sections:
            return self._sections[key]
        k, grid, heads = self.kit, self.grid, self.headings
        practices = [p.id for p in self.inst.practices_of_area(area_id)]
        parts: list[tuple[tuple[str, ...], bool]] = []
        if kind in ("full", "wave1"):
            parts.append(((k.gate,), kind == "full" and bool(k.later)))
        if kind in ("full", "wave2") and k.later:
            parts.append((k.later, False))
        blocks = heads.area_heading(area_id) + heads.left_out_note(area_id)
        for stages, route in parts:
            # only practices with a stem at these stages: in a short form the practices
            # have S stems only and the area-level entry none, so a heading could stand empty
            shown = [pid for pid in practices
                     if any(i.practice == pid and i.stage in stages for i in self.inst.items)]
            blocks.append(heads.stage_heading(area_id, stages))
            blocks.append(grid.scale_header(area_id))
            for n, pid in enumerate(shown):
                blocks.append(grid.practice(pid, stages, keep=route and n == len(shown) - 1))
            if route:  # kept with the last practice: the rule closes the block it counts
                blocks.append(self.notes.routing(area_id, last))
        self._sections[key] = blocks
        return blocks

    # ----------------------------------------------------------------- pages
    def _prefix(self, block: Block) -> list[Block]:
        """What a page starting with ``block`` needs above it: the area and the scale."""
        if block.kind in ("stage", "routing"):
            return [self.headings.continued(block.area)]
        if block.kind == "practice":
            return [self.headings.continued(block.area), self.grid.scale_header(block.area)]
        return []

    def _on_grid(self, unit: list[Block], used: float) -> list[Block]:
        """``unit`` placed ``used`` below the body top, with a space before each block that
        must start on the row grid (background questions after free-height text)."""
        out: list[Block] = []
        for b in unit:
            pad = snap(used) - used if b.on_grid and used > 1e-6 else 0.0
            if pad > 1e-6:
                out.append(self.kit.space(pad))
                used += pad
            out.append(b)
            used += b.height
        return out

    def paginate(self, blocks: list[Block], prefix: bool) -> list[list[Block]]:
        """Blocks into pages: a run kept together (``keep_with_next``) moves to the next
        page whole; with ``prefix`` a continued section repeats its heads."""
        units: list[list[Block]] = []
        cur: list[Block] = []
        for b in blocks:
            cur.append(b)
            if not b.keep_with_next:
                units.append(cur)
                cur = []
        if cur:
            units.append(cur)
        pages: list[list[Block]] = []
        page: list[Block] = []
        used = 0.0
        room = self.m.body_h + 0.01
        while units:
            unit = units.pop(0)
            placed = self._on_grid(unit, used)
            if page and used + sum(b.height for b in placed) <= room:
                page += placed
                used += sum(b.height for b in placed)
                continue
            while unit and unit[0].kind == "space":
                unit = unit[1:]
            if not unit:
                continue
            head = self._prefix(unit[0]) if prefix else []
            placed = head + self._on_grid(unit, sum(b.height for b in head))
            if sum(b.height for b in placed) > room and len(unit) > 1:
                units[:0] = [[b] for b in unit]  # taller than a page: let it break
                continue
            if page:
                pages.append(page)
            page = placed
            used = sum(b.height for b in page)
        if page:
            pages.append(page)
        return pages

    def pages(self, form: Form) -> list[list[Block]]:
        """The cover pages, the question pages and the glossary pages of ``form``."""
        areas = [a for a in form.areas if self.inst.practices_of_area(a)]
        # the background questions open the question pages, kept together; a wave-2 form
        # carries the respondent's id instead
        items: list[Block] = self.background.blocks() if form.kind != "wave2" else []
        for area in form.areas:
            if area in areas:
                items += self.section(area, form.kind, last=area == areas[-1])
            elif not self.kit.area[area].applicable and form.kind != "wave2":
                items += self.headings.area_left_out(area)
        items += self.notes.end_note(form)
        return (self.paginate(self.cover.blocks(form), prefix=False)
                + self.paginate(items, prefix=True)
                + self.paginate(self.glossary.blocks(areas), prefix=False))

    # ----------------------------------------------------------------- drawing
    def draw(self, c: Canvas, form: Form, bookmark: str = "") -> int:
        """Draw ``form`` onto ``c`` (after whatever is already there); return its page count."""
        for text, where in ((form.respondent_id, "respondent id"),
                            (form.organisation, f"organisation of {form.respondent_id}")):
            self.pen.check(text, where)
        pages = self.pages(form)
        self.kit.recorder = marks.recorder(self.inst.id, form.kind, self.m.page_w,
                                           self.m.page_h, form.respondent_id, form.organisation)
        for n, page in enumerate(pages, 1):
            if bookmark and n == 1:
                key = f"r{c.getPageNumber()}"
                c.bookmarkPage(key)
                c.addOutlineEntry(bookmark, key, level=0)
            self.furniture.draw(c, form, n, len(pages))
            y = self.m.body_top
            for block in page:
                block.draw(c, y)
                y -= block.height
            self.furniture.finish(c, form, n, len(pages))
            c.showPage()
        self.kit.recorder = None
        return len(pages)

    def canvas(self, target, form: Form) -> Canvas:
        c = Canvas(target, pagesize=(self.m.page_w, self.m.page_h), invariant=1,
                   pageCompression=1, initialFontName=self.pen.font, lang=self.inst.language)
        c.setTitle(self.inst.texts.get("title", self.inst.bank_title))
        c.setSubject(f"{self.kit.form_label(form)} {self.inst.id}")
        c.setKeywords(self.inst.id)
        c.setCreator(f"opm-instrument {__version__} (build.py)")
        c.setAuthor("")
        return c

    def pdf(self, form: Form) -> tuple[bytes, int]:
        buf = io.BytesIO()
        c = self.canvas(buf, form)
        n = self.draw(c, form)
        with binary_streams():
            c.save()
        return buf.getvalue(), n


@contextlib.contextmanager
def binary_streams():
    """Page streams zlib-compressed without the ASCII85 layer reportlab adds by default
    (rl_config.useA85, read when a document is saved): smaller files, and the pure-Python
    ASCII85 encoder was 13% of the time of a follow-up form. Restored afterwards."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


LAYOUTS: dict[tuple, Layout] = {}


def layout(instrument: Instrument, settings: RenderSettings = RenderSettings()) -> Layout:
    """Measured layouts are cached per instrument content, paper and font."""
    key = (instrument.content_hash, settings.paper, str(settings.font or ""))
    lay = LAYOUTS.get(key)
    if lay is None:
        lay = Layout(instrument, settings)
        if len(LAYOUTS) >= 16:
            LAYOUTS.pop(next(iter(LAYOUTS)))
        LAYOUTS[key] = lay
    return lay
