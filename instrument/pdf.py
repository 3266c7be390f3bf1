"""Printable questionnaires (PDF) and wave-2 follow-up forms, drawn with reportlab.

Layout is computed before anything is drawn. Every text is wrapped once per
instrument into fixed-height blocks (an area heading, a practice with its rows,
a routing box); the blocks are packed into pages, never splitting a practice;
only then are pages drawn, so each page header already knows "page x of y"
(no second pass) and a thousand follow-up forms reuse the same measured blocks.

Paper rules this module keeps:
- one font for everything: the embedded (subset) TrueType CJK font from
  ``fonts.register``; the canvas's initial font is set to it too, so no
  unembedded base-14 Helvetica appears in any file;
- mark boxes are real squares in fixed columns at the right margin, one per
  scale code (don't-know included), the same x on every page; row heights are
  multiples of ``ROW_GRID`` so box centres also fall on a vertical grid;
- the scale header is drawn at every section start and at the top of every
  page that continues a section; the item id is printed small at each row;
- output is deterministic (reportlab invariant mode): same input, same bytes.

``render`` is the renderer registered in ``artifacts``; ``render_wave2`` draws
one respondent's follow-up form; ``write_wave2`` streams many of them to disk.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas

from . import __version__, fonts
from .artifacts import RenderSettings
from .atomic import foreign_entries, replacing, symlink_in
from .errors import InstrumentError, Location, Problem, problem
from .followup import Plan, paper_routing, wave2_items
from .model import BackgroundItem, Instrument, Label

MM = 72 / 25.4
ROW_GRID = 2 * MM  # row and block heights are multiples of this
PAPERS = {"A4": A4, "letter": LETTER}
ASCENT = 0.88  # of the em, for AR PL UMing (878/1000); used to place baselines
ARROW = "\u2192"  # before a framed note
STEPS = "\u2460\u2461\u2462\u2463"  # ① ② ...: the steps of a routing box

# --------------------------------------------------------------------------- wording
# Fixed wording of the paper form. Texts that vary with the organisation (title,
# preamble, instructions, ...) come from the profile through ``instrument.texts``.
UI: dict[str, dict[str, str]] = {
    "zh-TW": {
        "instrument": "問卷代碼",
        "respondent_id": "受訪者編號",
        "organisation": "機關／單位",
        "filled_by_researcher": "（由研究者填寫）",
        "page": "第 {x} 頁，共 {y} 頁",
        "form_full": "紙本問卷（單一波次）",
        "form_wave1": "第一波問卷",
        "form_wave2": "第二波問卷",
        "n_items": "共 {n} 題",
        "continued": "（續）",
        "item_col": "題號",
        "stem_col": "題目",
        "stage_one": "第 {n} 階段：{name}（{id}）",
        "stage_many": "第 {range} 階段：{names}",
        "stage_ref": "第 {range} 階段",
        "name_id": "{name}（{id}）",
        "list_sep": "、",
        "or": "或",
        "quote": "「{}」",
        "h_instructions": "填答說明",
        "h_scale": "答題選項",
        "h_stages": "成熟度階段",
        "h_confidentiality": "資料保密",
        "h_return": "繳回方式",
        "mark_how": "請以黑色或藍色原子筆，在每題最符合實際情形的一個方格內打「X」。"
                    "若要更改，請將原方格完全塗黑，再於正確的方格內打「X」。",
        "mark_ok": "作答",
        "mark_changed": "更改（塗黑）",
        "note_full": "每個知識領域請先回答第 1 階段題目，再依該段結尾方框內的說明，"
                     "決定繼續回答本領域其餘題目或跳到下一個領域。",
        "note_wave1": "本表為兩波問卷中的第一波，只含各知識領域的「{stage}」題目。"
                      "研究者將依您的回答另寄第二份問卷，只含達到門檻之領域的其餘題目。",
        "note_wave2": "本表為第二波問卷，依您第一波問卷的回答產生，只含下列 {n} 個知識領域的"
                      "{names}題目：{areas}。",
        "end_full": "問卷到此結束，衷心感謝您的填答！請依第 1 頁的說明繳回。",
        "end_wave1": "第一波問卷到此結束，感謝您！研究者將依您的回答另寄第二份問卷，"
                     "只含達到門檻之知識領域的{names}題目；若沒有任何領域達到門檻，"
                     "就不需要再填第二份問卷。",
        "end_wave2": "第二波問卷到此結束，衷心感謝您的填答！請依第 1 頁的說明繳回。",
        "glossary": "附錄　名詞解釋",
        "glossary_intro": "依問卷順序，簡要說明每項作法的意義，供填答時參閱。",
        "route_count": "若上列 {n} 題中至少 {need} 題勾選{labels}，請繼續回答本領域{stages}題目；"
                       "否則請{skip}。",
        "route_count_min": "請數出上列 {n} 題中勾選 {valid} 的題數{not_counted}。不到 {min} 題：請{skip}。\n"
                           "{min} 題以上：若至少 {need} 題勾選{labels}，請繼續回答本領域{stages}"
                           "題目；否則請{skip}。",
        "route_mean": "請數出上列 {n} 題中勾選 {valid} 的題數{not_counted}。不到 {min} 題：請{skip}。\n"
                      "{min} 題以上：將這些題目勾選的數字相加；總和達到下表中該題數對應的數字"
                      "（平均 {threshold} 分以上），請繼續回答本領域{stages}題目，否則請{skip}。",
        "route_mean_any": "請數出上列 {n} 題中勾選 {valid} 的題數{not_counted}，並將這些題目勾選的"
                          "數字相加；總和達到下表中該題數對應的數字（平均 {threshold} 分以上），"
                          "請繼續回答本領域{stages}題目，否則請{skip}。",
        "not_counted": "（{codes}與未作答不算）",
        "not_counted_blank": "（未作答不算）",
        "route_answered": "作答題數",
        "route_total": "總和至少",
        "skip_next": "跳到下一個領域",
        "skip_end": "跳到問卷結尾",
        "code_label": "{code}＝{label}",
        "minutes": "約 {n} 分鐘",
        "minutes_range": "約 {low}–{high} 分鐘",
        "not_scored": "不列入計分",
        "not_scored_codes": "下列代碼不列入計分，也不算作答題數：",
        "h_background": "基本資料",
        "background_intro": "以下問題僅供統計分析之用，不列入計分。請在適合的方格內打「X」，"
                            "或在格內填入數字。",
        "number_range": "{low}–{high}",
        "number_min": "{low} 以上",
        "number_max": "{high} 以下",
        "hint": "（{text}）",
        "hint_sep": "；",
        "na_area": "本領域不適用，未列入本問卷：",
        "na_item": "{code} {name}（不適用，未列入本問卷）：{reason}",
        "na_sep": "",
    },
    "en": {
        "instrument": "Instrument",
        "respondent_id": "Respondent ID",
        "organisation": "Organisation",
        "filled_by_researcher": "(filled in by the researcher)",
        "page": "Page {x} of {y}",
        "form_full": "Paper questionnaire (single wave)",
        "form_wave1": "Wave 1 questionnaire",
        "form_wave2": "Wave 2 questionnaire",
        "n_items": "{n} statements",
        "continued": " (continued)",
        "item_col": "Item",
        "stem_col": "Statement",
        "stage_one": "Stage {n}: {name} ({id})",
        "stage_many": "Stages {range}: {names}",
        "stage_ref": "stage {range}",
        "name_id": "{name} ({id})",
        "list_sep": ", ",
        "or": " or ",
        "quote": "\u201c{}\u201d",
        "h_instructions": "How to answer",
        "h_scale": "Answer codes",
        "h_stages": "Stages of maturity",
        "h_confidentiality": "Confidentiality",
        "h_return": "Returning the form",
        "mark_how": "With a black or blue pen, put a cross (X) in the one box per statement that "
                    "best describes what actually happens. To change an answer, fill the wrong "
                    "box in completely and cross the right one.",
        "mark_ok": "answer",
        "mark_changed": "changed (filled in)",
        "note_full": "In each knowledge area, answer the stage 1 statements first; the box at "
                     "their end tells you whether to go on to the area's other statements or to "
                     "skip to the next area.",
        "note_wave1": "This is the first of two forms: it holds only the {stage} statements of "
                      "each knowledge area. From your answers the researcher will send you a "
                      "second form with the other statements of the areas that reach the "
                      "threshold.",
        "note_wave2": "This second form was made from your answers to the first one. It holds "
                      "the {names} statements of these {n} knowledge areas: {areas}.",
        "end_full": "This is the end of the questionnaire. Thank you very much! Please return "
                    "it as described on page 1.",
        "end_wave1": "This is the end of the first form. Thank you! A second form will follow "
                     "with the {names} statements of the knowledge areas that reach the "
                     "threshold; if no area does, there is no second form.",
        "end_wave2": "This is the end of the second form. Thank you very much! Please return "
                     "it as described on page 1.",
        "glossary": "Appendix: Glossary",
        "glossary_intro": "A short explanation of each practice, in the order of the "
                          "questionnaire, to read whenever you need it.",
        "route_count": "If at least {need} of the {n} statements above are marked {labels}, go "
                       "on to this area's {stages} statements. Otherwise {skip}.",
        "route_count_min": "Count the statements above that you marked {valid}{not_counted}. "
                           "Fewer than {min}: {skip}.\n"
                           "{min} or more: if at least {need} are marked {labels}, go on to this "
                           "area's {stages} statements; otherwise {skip}.",
        "route_mean": "Count the statements above that you marked {valid}{not_counted}. Fewer "
                      "than {min}: {skip}.\n"
                      "{min} or more: add up the codes you marked for them. If the total is at "
                      "least the number below for that count (an average of {threshold} or "
                      "more), go on to this area's {stages} statements; otherwise {skip}.",
        "route_mean_any": "Count the statements above that you marked {valid}{not_counted} and "
                          "add up the codes you marked for them. If the total is at least the "
                          "number below for that count (an average of {threshold} or more), go "
                          "on to this area's {stages} statements; otherwise {skip}.",
        "not_counted": " ({codes} and blanks do not count)",
        "not_counted_blank": " (blanks do not count)",
        "route_answered": "Statements answered",
        "route_total": "Total at least",
        "skip_next": "skip to the next knowledge area",
        "skip_end": "skip to the end of the questionnaire",
        "code_label": "{code} = {label}",
        "minutes": "about {n} minutes",
        "minutes_range": "about {low}\u2013{high} minutes",
        "not_scored": "Not scored",
        "not_scored_codes": "These codes are not scored and do not count as answers:",
        "h_background": "About you",
        "background_intro": "These questions are for the analysis only and are not scored. "
                            "Cross the box that fits, or write a number in the boxes.",
        "number_range": "{low}\u2013{high}",
        "number_min": "{low} or more",
        "number_max": "up to {high}",
        "hint": " ({text})",
        "hint_sep": "; ",
        "na_area": "Not applicable here, so not asked: ",
        "na_item": "{code} {name} (not applicable, so not asked): {reason}",
        "na_sep": " ",
    },
}


def _ui(language: str) -> dict[str, str]:
    """Wording for a language: exact, then by prefix (zh-Hant -> zh-TW), else English."""
    if language in UI:
        return UI[language]
    prefix = language.split("-")[0]
    return next((v for k, v in UI.items() if k.split("-")[0] == prefix), UI["en"])


def _join(words: Sequence[str], ui: Mapping[str, str]) -> str:
    """'A', 'A or B', 'A, B or C' in the form's language."""
    if len(words) <= 1:
        return "".join(words)
    return ui["list_sep"].join(words[:-1]) + ui["or"] + words[-1]


def _range(numbers: Sequence[int], ui: Mapping[str, str]) -> str:
    """'2–4' for consecutive stage numbers, else '2、4'."""
    if len(numbers) > 1 and list(numbers) == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}\u2013{numbers[-1]}"
    return ui["list_sep"].join(map(str, numbers))


def _codes(codes: Sequence[int], ui: Mapping[str, str]) -> str:
    """'1–5' for a run of three or more codes, else '0 or 1'."""
    ordered = sorted(codes)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}\u2013{ordered[-1]}"
    return _join([str(c) for c in ordered], ui)


# --------------------------------------------------------------------------- line breaking
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


def _snap(height: float, grid: float = ROW_GRID) -> float:
    return grid * max(1, -(-round(height / grid, 6) // 1))


# --------------------------------------------------------------------------- blocks and pages
@dataclass(frozen=True)
class _Block:
    """A piece of a page with a fixed height; ``draw(canvas, y_top)`` paints it downward."""

    kind: str  # space | area | stage | scale | practice | routing | note | text | cont
    height: float
    draw: Callable[[Canvas, float], None]
    area: str = ""
    keep_with_next: bool = False
    on_grid: bool = False  # starts a whole number of ROW_GRID steps below the body top


@dataclass(frozen=True)
class _Form:
    kind: str  # "full" | "wave1" | "wave2"
    areas: tuple[str, ...]
    respondent_id: str = ""
    organisation: str = ""


@dataclass(frozen=True)
class Respondent:
    id: str
    organisation: str = ""


class _Layout:
    """Everything measured for one instrument, paper and font; reused for every form."""

    def __init__(self, instrument: Instrument, settings: RenderSettings):
        if settings.paper not in PAPERS:
            raise InstrumentError([problem("PDF_001", Location("command line"),
                                           paper=settings.paper)])
        self.inst = instrument
        self.font = fonts.register(str(settings.font) if settings.font else None)
        self._glyphs = getFont(self.font).face.charToGlyph
        self.ui = _ui(instrument.language)
        self.cjk = instrument.language.split("-")[0] in ("zh", "ja", "ko")
        self.lead = 1.45 if self.cjk else 1.3  # leading as a multiple of the size
        self.page_w, self.page_h = PAPERS[settings.paper]
        self.left, self.right = 15 * MM, self.page_w - 15 * MM
        self.body_top = self.page_h - 21 * MM
        self.body_bottom = 15 * MM
        self.body_h = self.body_top - self.body_bottom
        # the answer grid: item id | statement | a column per substantive code | a gap |
        # a column per non-substantive code (don't know, not applicable), apart and under
        # their own "not scored" label
        scale = instrument.scale
        self.columns = (*scale.substantive, *scale.non_substantive)
        self.n_scored = len(scale.substantive)
        n_codes = len(self.columns)
        self.gap = 4 * MM if 0 < self.n_scored < n_codes else 0.0
        self.id_w = 17 * MM
        self.col_w = max(12 * MM, min(18 * MM, (75 * MM - self.gap) / n_codes))
        room = self.right - self.left - self.id_w - 70 * MM - self.gap  # 70 mm for statements
        if n_codes * self.col_w > room:  # a long scale (e.g. 0-10): narrower columns
            self.col_w = max(8 * MM, room / n_codes)
        self.box = min(5.5 * MM, self.col_w - 2.5 * MM)
        self.boxes_x0 = self.right - n_codes * self.col_w - self.gap
        self.scored_x1 = self.boxes_x0 + self.n_scored * self.col_w  # end of the scored columns
        self.unscored_x0 = self.scored_x1 + self.gap  # start of the not-scored columns
        self.stem_x = self.left + self.id_w + 1 * MM
        self.stem_w = self.boxes_x0 - 2 * MM - self.stem_x
        self.col_x = tuple(self.boxes_x0 + k * self.col_w + (self.gap if k >= self.n_scored else 0)
                           for k in range(n_codes))  # left edge of each code's column
        self.box_x = tuple(x + self.col_w / 2 for x in self.col_x)
        self.stage_no = {s.id: n for n, s in enumerate(instrument.stages, 1)}
        self.stage = {s.id: s for s in instrument.stages}
        self.area = {a.id: a for a in instrument.areas}
        self.gate = instrument.gate_stage
        self.later = tuple(s.id for s in instrument.stages if s.id != self.gate)
        self._wraps: dict[tuple[str, float, float], list[str]] = {}
        self._sections: dict[tuple, list[_Block]] = {}
        self._glossary: dict[str, list[_Block]] = {}
        self._check_glyphs()

    # ----------------------------------------------------------------- text helpers
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
        texts += [("form wording", "".join(self.ui.values()) + inst.bank_title + ARROW + STEPS)]
        for where, text in texts:
            self.check(text, where)

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

    def baseline(self, top: float, size: float, lead: float) -> float:
        """Baseline of a line whose line box (height ``lead``) starts at ``top``."""
        return top - (lead - size) / 2 - ASCENT * size

    # ----------------------------------------------------------------- generic blocks
    def space(self, height: float) -> _Block:
        return _Block("space", height, lambda c, y: None)

    def para(self, text: str, size: float, *, x: float | None = None, width: float | None = None,
             bold: bool = False, gray: float = 0.0, align: str = "left", after: float = 0.0,
             keep_with_next: bool = False, kind: str = "text", area: str = "") -> list[_Block]:
        """A paragraph as one block per line; short paragraphs are kept together."""
        x = self.left if x is None else x
        width = (self.right - x) if width is None else width
        lead = size * self.lead
        lines = self.wrap(text, size, width)
        together = len(lines) <= 6
        ax = {"left": x, "center": x + width / 2, "right": x + width}[align]
        blocks = []
        for k, line in enumerate(lines):
            last = k == len(lines) - 1

            def draw(c: Canvas, y: float, line: str = line) -> None:
                self.text(c, ax, self.baseline(y, size, lead), line, size, bold=bold, gray=gray,
                          align=align)
            blocks.append(_Block(kind, lead + (after if last else 0.0), draw, area,
                                 keep_with_next=keep_with_next if last else
                                 (together or k == 0 or k >= len(lines) - 2)))
        return blocks

    def heading(self, text: str, size: float = 10.5, before: float = 2.5 * MM) -> list[_Block]:
        return [self.space(before), *self.para(text, size, bold=True, after=1 * MM,
                                               keep_with_next=True)]

    # ----------------------------------------------------------------- the answer grid
    def scale_header(self, area: str = "") -> _Block:
        """The column heads: label and code per column; above the not-scored columns
        (don't know, not applicable), set apart by a gap, their own group label."""
        ui = self.ui
        code_size = 8.5
        labels = [self._label_lines(c.label) for c in self.columns]
        n_lines = max(len(x[1]) for x in labels)
        lead = 6.2 * 1.25
        pad = 1.2 * MM
        band = 3.8 * MM  # the group label's strip
        unscored_w = self.right - self.unscored_x0
        group_size = min(6.8, 6.8 * (unscored_w - 1.5 * MM)
                         / max(1.0, stringWidth(ui["not_scored"], self.font, 6.8)))
        height = _snap(band + n_lines * lead + code_size * 1.3 + 2 * pad)
        apart = self.n_scored < len(self.columns)

        def draw(c: Canvas, y: float) -> None:
            bottom = y - height
            c.setFillGray(0.88)
            c.rect(self.left, bottom, self.scored_x1 - self.left, height, stroke=0, fill=1)
            if apart:
                c.rect(self.unscored_x0, bottom, unscored_w, height, stroke=0, fill=1)
                c.setFillGray(0.72)
                c.rect(self.unscored_x0, y - band, unscored_w, band, stroke=0, fill=1)
            c.setFillGray(0)
            if apart:
                self.text(c, self.unscored_x0 + unscored_w / 2,
                          self.baseline(y, group_size, band), ui["not_scored"], group_size,
                          bold=True, align="center")
            base = bottom + pad + 1
            self.text(c, self.left + 1 * MM, base, ui["item_col"], 8, bold=True)
            self.text(c, self.stem_x, base, ui["stem_col"], 8, bold=True)
            c.setStrokeGray(1)
            c.setLineWidth(0.8)
            for k in range(1, len(self.col_x)):
                if k != self.n_scored:  # the gap separates the two groups already
                    c.line(self.col_x[k], bottom + 0.6 * MM, self.col_x[k], y - band)
            c.setStrokeGray(0)
            for k, (cx, (size, label)) in enumerate(zip(self.box_x, labels)):
                top = y - band - pad - (n_lines - len(label)) * lead  # labels sit on the codes
                for line in label:
                    self.text(c, cx, self.baseline(top, size, lead), line, size, align="center")
                    top -= lead
                self.text(c, cx, base, str(self.columns[k].code), code_size, bold=True,
                          align="center")
        return _Block("scale", height, draw, area, keep_with_next=True)

    def _label_lines(self, label: str) -> tuple[float, list[str]]:
        """A scale label in its column: break first after a slash, shrink rather than
        leave a line of bare punctuation or more than three lines."""
        parts = [x.strip() for x in re.split(r"(?<=／)|(?<= /) ", label) if x.strip()]
        for size in (6.2, 6.0, 5.8, 5.6, 5.4):
            lines = [line for part in parts
                     for line in self.wrap(part, size, self.col_w - 0.8 * MM)]
            if len(lines) <= 3 and all(re.search(r"\w", line) for line in lines):
                break
        return size, lines

    def practice(self, practice_id: str, stages: tuple[str, ...], keep: bool = False) -> _Block:
        """A practice's name and its stems at ``stages``: one row each, with mark boxes."""
        inst = self.inst
        p = next(x for x in inst.practices if x.id == practice_id)
        items = [i for i in inst.items if i.practice == practice_id and i.stage in stages]
        size = 9.5
        lead = size * self.lead
        title_size = 9.5
        title_h = _snap(title_size * 1.3 + 2.2 * MM, 1 * MM)
        pad = 1.6 * MM
        rows = []
        for item in items:
            lines = self.balanced(item.text, size, self.stem_w)
            stage_lines = self.wrap(self.stage[item.stage].name, 6, self.id_w - 2 * MM)
            text_h = len(lines) * lead
            id_h = 7 * 1.3 + len(stage_lines) * 6 * 1.2
            h = _snap(max(text_h, id_h, self.box + 1.5 * MM) + 2 * pad)
            rows.append((item, lines, stage_lines, h))
        height = title_h + sum(r[3] for r in rows)

        def draw(c: Canvas, y: float) -> None:
            c.setStrokeGray(0.45)
            c.setLineWidth(0.6)
            c.line(self.left, y, self.right, y)
            c.setStrokeGray(0)
            self.text(c, self.left + 1 * MM, self.baseline(y - 1.1 * MM, title_size,
                                                           title_h - 2.2 * MM),
                      f"{p.code}  {p.name}", title_size, bold=True)
            y -= title_h
            for k, (item, lines, stage_lines, h) in enumerate(rows):
                if k % 2 == 0:
                    self.shade(c, y - h, h)
                top = y - (h - len(lines) * lead) / 2
                first = self.baseline(top, size, lead)
                for line in lines:
                    self.text(c, self.stem_x, self.baseline(top, size, lead), line, size)
                    top -= lead
                self.text(c, self.left + 1 * MM, first, item.id, 7)
                sy = first - 7 * 1.2
                for line in stage_lines:
                    self.text(c, self.left + 1 * MM, sy, line, 6, gray=0.35)
                    sy -= 6 * 1.2
                self.boxes(c, self.box_x, y - h / 2)
                y -= h
            c.setStrokeGray(0)
        return _Block("practice", height, draw, p.area, keep_with_next=keep)

    def shade(self, c: Canvas, bottom: float, height: float) -> None:
        """A row's light background, broken by the gap before the not-scored columns."""
        c.setFillGray(0.94)
        c.rect(self.left, bottom, self.scored_x1 - self.left, height, stroke=0, fill=1)
        if self.gap:
            c.rect(self.unscored_x0, bottom, self.right - self.unscored_x0, height, stroke=0,
                   fill=1)
        c.setFillGray(0)

    def area_heading(self, area_id: str) -> list[_Block]:
        a = self.area[area_id]
        size = 12
        height = _snap(size * 1.3 + 3 * MM)

        def draw(c: Canvas, y: float) -> None:
            c.setFillGray(0.8)
            c.rect(self.left, y - height + 1 * MM, self.right - self.left, height - 1 * MM,
                   stroke=0, fill=1)
            c.setFillGray(0)
            base = self.baseline(y - 1 * MM, size, height - 1 * MM)
            self.text(c, self.left + 2 * MM, base, f"{a.number}. {a.name}", size, bold=True)
            self.text(c, self.right - 2 * MM, base, a.id, 8, align="right")
        return [self.space(4 * MM), _Block("area", height, draw, area_id, keep_with_next=True)]

    def continued(self, area_id: str) -> _Block:
        a = self.area[area_id]
        size = 8.5
        height = _snap(size * 1.4)

        def draw(c: Canvas, y: float) -> None:
            self.text(c, self.left + 1 * MM, self.baseline(y, size, height),
                      f"{a.number}. {a.name}{self.ui['continued']}", size, bold=True, gray=0.3)
        return _Block("cont", height, draw, area_id, keep_with_next=True)

    def stage_heading(self, area_id: str, stages: tuple[str, ...]) -> _Block:
        ui = self.ui
        if len(stages) == 1:
            s = self.stage[stages[0]]
            label = ui["stage_one"].format(n=self.stage_no[s.id], name=s.name, id=s.id)
        else:
            label = ui["stage_many"].format(
                range=_range([self.stage_no[s] for s in stages], ui),
                names=ui["list_sep"].join(ui["name_id"].format(name=self.stage[s].name, id=s)
                                          for s in stages))
        size = 10
        lines = self.wrap(label, size, self.right - self.left - 2 * MM)
        lead = size * 1.3
        height = _snap(len(lines) * lead + 2 * MM)

        def draw(c: Canvas, y: float) -> None:
            top = y - 1.2 * MM
            for line in lines:
                self.text(c, self.left + 1 * MM, self.baseline(top, size, lead), line, size,
                          bold=True)
                top -= lead
        return _Block("stage", height, draw, area_id, keep_with_next=True)

    def boxed(self, text: str, area: str, table: list[list[str]] | None = None,
              kind: str = "note") -> _Block:
        """A framed note: the routing rule (with its lookup table) or an end note. A text of
        several paragraphs (lines of ``text``, at most four) is a list of steps, ①, ②, ..."""
        size = 9
        lead = size * self.lead
        x = self.left + 4 * MM  # the marker; text 5 mm further in
        paras = text.split("\n")
        marks = [ARROW] if len(paras) == 1 else list(STEPS[:len(paras)])
        width = self.right - 4 * MM - (x + 5 * MM)
        lines = [(m, self.wrap(p, size, width)) for m, p in zip(marks, paras)]
        n_lines = sum(len(ls) for _, ls in lines)
        step_gap = 1 * MM
        cell_h, cell_w = 6 * MM, 9 * MM
        label_w = (max(stringWidth(r[0], self.font, 8.5) for r in table) + 4 * MM) if table else 0
        table_h = (1.5 * MM + len(table) * cell_h) if table else 0.0
        height = _snap(n_lines * lead + (len(paras) - 1) * step_gap + table_h + 6 * MM)

        def draw(c: Canvas, y: float) -> None:
            c.setFillGray(0.96)
            c.setLineWidth(1)
            c.rect(self.left + 2 * MM, y - height + 1 * MM, self.right - self.left - 4 * MM,
                   height - 2 * MM, stroke=1, fill=1)
            c.setFillGray(0)
            content = n_lines * lead + (len(paras) - 1) * step_gap + table_h
            top = y - 1 * MM - (height - 2 * MM - content) / 2  # centred in the frame
            for mark, para in lines:
                self.text(c, x, self.baseline(top, size, lead), mark, size, bold=True)
                for line in para:
                    self.text(c, x + 5 * MM, self.baseline(top, size, lead), line, size)
                    top -= lead
                top -= step_gap
            top += step_gap
            if table:
                top -= 1.5 * MM
                c.setLineWidth(0.6)
                for row in table:
                    c.setFillGray(1)
                    c.rect(x + 5 * MM, top - cell_h, label_w + cell_w * (len(row) - 1), cell_h,
                           stroke=1, fill=1)
                    c.setFillGray(0)
                    base = top - cell_h / 2 - 0.35 * 8.5
                    self.text(c, x + 6.5 * MM, base, row[0], 8.5)
                    for k, cell in enumerate(row[1:]):
                        cx = x + 5 * MM + label_w + k * cell_w
                        c.line(cx, top, cx, top - cell_h)
                        self.text(c, cx + cell_w / 2, base, cell, 9, align="center")
                    top -= cell_h
        return _Block(kind, height, draw, area)

    def routing(self, area_id: str, last: bool) -> _Block:
        """The gate as a rule a respondent applies by counting, at the end of an S block:
        first the minimum of answers (when it can decide), then the rule."""
        ui, inst = self.ui, self.inst
        r = paper_routing(inst, area_id)
        labels = {c.code: c.label for c in inst.scale.codes}
        missing = inst.scale.missing
        stages = _range([self.stage_no[s] for s in self.later], ui)
        words = {
            "n": r.n_items, "need": r.need, "min": r.min_answers,
            "stages": ui["stage_ref"].format(range=stages),
            "skip": ui["skip_end"] if last else ui["skip_next"],
            "labels": _join([ui["quote"].format(labels[c]) for c in r.codes], ui),
            "valid": _codes(r.valid, ui),
            "not_counted": (ui["not_counted"].format(codes=ui["list_sep"].join(map(str, missing)))
                            if missing else ui["not_counted_blank"]),
            "threshold": f"{inst.rule.threshold:g}" if inst.rule.threshold is not None else "",
        }
        if r.kind == "count":
            key = "route_count_min" if r.minimum_binds else "route_count"
            return self.boxed(ui[key].format(**words), area_id, kind="routing")
        text = ui["route_mean" if r.minimum_binds else "route_mean_any"].format(**words)
        label_w = max(stringWidth(ui[k], self.font, 8.5) for k in ("route_answered",
                                                                     "route_total")) + 4 * MM
        per_row = max(1, int((self.right - self.left - 16 * MM - label_w) // (9 * MM)))
        counts = range(r.first, r.n_items + 1)
        table = []
        for start in range(0, len(counts), per_row):  # a long area: the table in several rows
            span = range(start, min(start + per_row, len(counts)))
            table += [[ui["route_answered"], *(str(counts[k]) for k in span)],
                      [ui["route_total"], *(str(r.totals[k]) for k in span)]]
        return self.boxed(text, area_id, table, kind="routing")

    # ----------------------------------------------------------------- sections
    def section(self, area_id: str, kind: str, last: bool) -> list[_Block]:
        """One area's blocks on a form of ``kind``; cached, shared by all respondents."""
        key = (area_id, kind, last)
        if key in self._sections:
            return self._sections[key]
        inst = self.inst
        practices = [p.id for p in inst.practices_of_area(area_id)]
        parts: list[tuple[tuple[str, ...], bool]] = []
        if kind in ("full", "wave1"):
            parts.append(((self.gate,), kind == "full" and bool(self.later)))
        if kind in ("full", "wave2") and self.later:
            parts.append((self.later, False))
        blocks = self.area_heading(area_id) + self.left_out_note(area_id)
        for stages, route in parts:
            blocks.append(self.stage_heading(area_id, stages))
            blocks.append(self.scale_header(area_id))
            for k, pid in enumerate(practices):
                blocks.append(self.practice(pid, stages, keep=route and k == len(practices) - 1))
            if route:  # kept with the last practice: the rule closes the block it counts
                blocks.append(self.routing(area_id, last))
        self._sections[key] = blocks
        return blocks

    def left_out_note(self, area_id: str) -> list[_Block]:
        """Under the area heading, a line per practice of the area that is not asked: its
        number and name, and why."""
        ui = self.ui
        blocks: list[_Block] = []
        for p in self.inst.practices:
            if p.area == area_id and not p.applicable:
                blocks += self.para(ui["na_item"].format(code=p.code, name=p.name,
                                                         reason=p.reason),
                                    8.5, x=self.left + 1 * MM, gray=0.3, after=0.8 * MM,
                                    keep_with_next=True, kind="note", area=area_id)
        return blocks

    def area_left_out(self, area_id: str) -> list[_Block]:
        """Where a whole area not applicable would be: its number and name, and why."""
        ui, a = self.ui, self.area[area_id]
        reasons = a.reason or ui["na_sep"].join(
            p.reason for p in self.inst.practices if p.area == area_id and p.reason)
        size = 9
        lead = size * self.lead
        head = f"{a.number}. {a.name}"
        head_w = stringWidth(head, self.font, 10) + 3 * MM
        lines = self.wrap(ui["na_area"] + reasons, size, self.right - self.left - head_w - 4 * MM)
        height = _snap(len(lines) * lead + 3 * MM)

        def draw(c: Canvas, y: float) -> None:
            c.setStrokeGray(0.6)
            c.setLineWidth(0.6)
            c.setDash(2, 2)
            c.rect(self.left, y - height + 0.5 * MM, self.right - self.left, height - 1 * MM,
                   stroke=1, fill=0)
            c.setDash()
            c.setStrokeGray(0)
            top = y - (height - len(lines) * lead) / 2
            self.text(c, self.left + 2 * MM, self.baseline(top, 10, lead), head, 10, bold=True,
                      gray=0.3)
            for line in lines:
                self.text(c, self.left + 2 * MM + head_w, self.baseline(top, size, lead), line,
                          size, gray=0.3)
                top -= lead
        return [self.space(4 * MM), _Block("note", height, draw, area_id)]

    def glossary_area(self, area_id: str) -> list[_Block]:
        if area_id not in self._glossary:
            a = self.area[area_id]
            blocks = [self.space(3 * MM),
                      *self.para(f"{a.number}. {a.name}", 10.5, bold=True, after=1 * MM,
                                 keep_with_next=True)]
            for p in self.inst.practices_of_area(area_id):
                name = self.para(f"{p.code}  {p.name}", 9, bold=True, keep_with_next=True)
                body = self.para(p.glossary, 8.5, x=self.left + 4 * MM,
                                 after=0.8 * MM if p.note else 1.5 * MM)
                if p.note:
                    body += self.para(p.note, 8.5, x=self.left + 4 * MM, gray=0.3,
                                      after=1.5 * MM)
                body = [_Block(b.kind, b.height, b.draw, area_id, keep_with_next=(
                    b is not body[-1])) for b in body]  # one entry never splits
                blocks += name + body
            self._glossary[area_id] = blocks
        return self._glossary[area_id]

    # ----------------------------------------------------------------- background
    def background(self) -> list[_Block]:
        """The background questions, before the scored items: a heading, one line that
        they are not scored, then one block per question on the answer rows' grid."""
        if not self.inst.background:
            return []
        ui = self.ui
        blocks = [*self.heading(ui["h_background"], before=5 * MM),
                  *self.para(ui["background_intro"], 9, after=1 * MM, keep_with_next=True)]
        last = len(self.inst.background) - 1
        return blocks + [self.question(q, keep=k < last)
                         for k, q in enumerate(self.inst.background)]

    def digits(self, q: BackgroundItem) -> int:
        """How many digit boxes a number question gets: enough for its maximum."""
        if q.maximum is None or not q.integer:
            return 6
        return max(1, len(str(int(abs(q.maximum)))) + (1 if (q.minimum or 0) < 0 else 0))

    def number_hint(self, q: BackgroundItem) -> str:
        ui = self.ui
        low = None if q.minimum is None else f"{q.minimum:g}"
        high = None if q.maximum is None else f"{q.maximum:g}"
        span = (ui["number_range"].format(low=low, high=high) if low and high else
                ui["number_min"].format(low=low) if low else
                ui["number_max"].format(high=high) if high else "")
        text = ui["hint_sep"].join(x for x in (span, q.hint) if x)
        return ui["hint"].format(text=text).strip() if text else ""

    def question(self, q: BackgroundItem, keep: bool = False) -> _Block:
        """One background question: its id and label, then mark boxes with codes (single
        choice), digit boxes and the range (number) or a writing box (text). Heights are
        multiples of ROW_GRID and the block starts on the grid, as answer rows do."""
        size, lead = 9.5, 9.5 * self.lead
        pad = 1.2 * MM
        width = self.right - self.stem_x
        label = self.wrap(q.label, size, width)
        label_h = _snap(len(label) * lead + 2 * pad)
        row_h = _snap(self.box + 2 * pad)
        rows: list[tuple[float, Callable[[Canvas, float, float], None]]] = []
        if q.kind == "single":
            rows = self.choice_rows(q, width, pad)
        elif q.kind == "number":
            n, hint = self.digits(q), self.number_hint(q)

            def number(c: Canvas, y: float, h: float) -> None:
                cy = y - h / 2
                self.boxes(c, [self.stem_x + (k + 0.5) * self.box for k in range(n)], cy)
                if hint:
                    self.text(c, self.stem_x + n * self.box + 2.5 * MM, cy - 0.35 * 8.5, hint,
                              8.5, gray=0.3)
            rows = [(row_h, number)]
        else:
            lines = 1 if q.max_length <= 60 else 2
            box_h = lines * 7 * MM

            def text(c: Canvas, y: float, h: float) -> None:
                c.setLineWidth(0.9)
                c.rect(self.stem_x, y - h / 2 - box_h / 2, width, box_h, stroke=1, fill=0)
            rows = [(_snap(box_h + 2 * pad), text)]
        height = label_h + sum(h for h, _ in rows)

        def draw(c: Canvas, y: float) -> None:
            c.setStrokeGray(0.45)
            c.setLineWidth(0.6)
            c.line(self.left, y, self.right, y)
            c.setStrokeGray(0)
            top = y - (label_h - len(label) * lead) / 2
            self.text(c, self.left + 1 * MM, self.baseline(top, size, lead), q.id, 7)
            for line in label:
                self.text(c, self.stem_x, self.baseline(top, size, lead), line, size)
                top -= lead
            y -= label_h
            for h, paint in rows:
                paint(c, y, h)
                y -= h
        return _Block("question", height, draw, keep_with_next=keep, on_grid=True)

    def choice_rows(self, q: BackgroundItem, width: float, pad: float):
        """A single-choice question's options in as many equal columns as fit, row by row:
        mark box, code, label."""
        size, lead = 9, 9 * self.lead
        texts = [f"{c.code} {c.label}" for c in q.choices]
        gutter = 5 * MM
        inner = self.box + 2 * MM  # box and the space after it
        need = max(stringWidth(t, self.font, size) for t in texts) + inner + gutter
        ncol = max(1, min(len(texts), int(width // need)))
        col_w = width / ncol
        cells = [self.wrap(t, size, col_w - inner - gutter) for t in texts]
        rows = []
        for start in range(0, len(cells), ncol):
            row = cells[start:start + ncol]
            h = _snap(max(self.box, max(len(x) for x in row) * lead) + 2 * pad)

            def paint(c: Canvas, y: float, h: float, row=row) -> None:
                cy = y - h / 2
                xs = [self.stem_x + k * col_w for k in range(len(row))]
                self.boxes(c, [x + self.box / 2 for x in xs], cy)
                for x, lines in zip(xs, row):
                    top = cy + len(lines) * lead / 2
                    for line in lines:
                        self.text(c, x + inner, self.baseline(top, size, lead), line, size)
                        top -= lead
            rows.append((h, paint))
        return rows

    def boxes(self, c: Canvas, centres: Sequence[float], cy: float) -> None:
        """Mark boxes of the answer rows' size, centred on ``cy``."""
        c.setLineWidth(0.9)
        c.setStrokeGray(0)
        c.setFillGray(1)
        for cx in centres:
            c.rect(cx - self.box / 2, cy - self.box / 2, self.box, self.box, stroke=1, fill=1)
        c.setFillGray(0)

    # ----------------------------------------------------------------- cover
    def label(self, form: _Form) -> str:
        return self.ui[f"form_{form.kind}"]

    def form_items(self, form: _Form) -> int:
        wanted = set(form.areas)
        if form.kind == "wave1":
            return sum(1 for i in self.inst.items if i.area in wanted and i.stage == self.gate)
        if form.kind == "wave2":
            return len(wave2_items(self.inst, form.areas))
        return sum(1 for i in self.inst.items if i.area in wanted)

    def id_boxes(self, form: _Form) -> list[_Block]:
        ui = self.ui
        size = 10
        box_h = 10 * MM
        label_w = max(stringWidth(ui[k], self.font, size)
                      for k in ("respondent_id", "organisation")) + 4 * MM
        fields = [(ui["respondent_id"], form.respondent_id, 70 * MM),
                  (ui["organisation"], form.organisation, self.right - self.left - label_w)]
        values = [self.wrap(v, 11, w - 4 * MM)[0] if v else "" for _, v, w in fields]
        hint = "" if form.respondent_id else ui["filled_by_researcher"]
        height = _snap(2 * box_h + 3 * MM + (4 * MM if hint else 0))

        def draw(c: Canvas, y: float) -> None:
            top = y
            for (name, _, w), value in zip(fields, values):
                base = top - box_h / 2 - 0.35 * size
                self.text(c, self.left, base, name, size, bold=True)
                c.setLineWidth(1)
                c.rect(self.left + label_w, top - box_h, w, box_h, stroke=1, fill=0)
                if value:
                    self.text(c, self.left + label_w + 2 * MM, top - box_h / 2 - 0.35 * 11,
                              value, 11)
                if hint and name == ui["respondent_id"]:
                    self.text(c, self.left + label_w, top - box_h - 3.2 * MM, hint, 7, gray=0.35)
                    top -= 4 * MM
                top -= box_h + 3 * MM
        return [_Block("text", height, draw)]

    def mark_example(self) -> _Block:
        ui = self.ui
        b = 4.5 * MM
        height = _snap(b + 3 * MM)

        def draw(c: Canvas, y: float) -> None:
            x = self.left + 4 * MM
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
                self.text(c, x + b + 2 * MM, cy - 0.35 * 8.5, caption, 8.5)
                x += b + 2 * MM + stringWidth(caption, self.font, 8.5) + 10 * MM
        return _Block("text", height, draw)

    def code_list(self, codes: Sequence[Label]) -> _Block:
        """Codes and labels in up to three columns, fewer when a label would wrap (code
        first: what a typist keys)."""
        ui = self.ui
        size = 9.5
        lead = size * self.lead
        texts = [ui["code_label"].format(code=c.code, label=c.label) for c in codes]
        for ncol in range(min(3, len(texts)), 0, -1):
            col_w = (self.right - self.left - 4 * MM) / ncol
            cells = [self.wrap(t, size, col_w - 3 * MM)[:2] for t in texts]
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
                    self.text(c, self.left + 2 * MM + col * col_w, self.baseline(top, size, lead),
                              line, size)
                    top -= lead
        return _Block("text", height, draw)

    def scale_codes(self) -> list[_Block]:
        """The cover's list of answer codes: the scored ones, then apart, under their own
        line, the ones that are not scored."""
        scale = self.inst.scale
        blocks = [self.code_list(scale.substantive)]
        if scale.non_substantive:
            blocks += self.para(self.ui["not_scored_codes"], 9, x=self.left + 2 * MM, bold=True,
                                keep_with_next=True, after=0.5 * MM)
            blocks.append(self.code_list(scale.non_substantive))
        return blocks

    def cover(self, form: _Form) -> list[_Block]:
        inst, ui = self.inst, self.ui
        t = inst.texts
        blocks = self.para(t.get("title", inst.bank_title), 17, bold=True, align="center",
                           after=2 * MM)
        if inst.bank_title != t.get("title"):
            blocks += self.para(inst.bank_title, 9, align="center", gray=0.3, after=1 * MM)
        sep = "\u3000" if self.cjk else " \u00b7 "
        blocks += self.para(sep.join((self.label(form),
                                      ui["n_items"].format(n=self.form_items(form)),
                                      self.duration(form))),
                            11, align="center", bold=True, after=4 * MM)
        blocks += self.id_boxes(form)
        blocks.append(self.space(2 * MM))
        if t.get("preamble"):
            blocks += self.para(t["preamble"], 9.5, after=1 * MM)
        blocks += self.heading(ui["h_instructions"])
        if t.get("instructions"):
            blocks += self.para(t["instructions"], 9.5, after=1 * MM)
        later_names = ui["list_sep"].join(ui["quote"].format(self.stage[s].name)
                                          for s in self.later)
        if form.kind == "full":
            note = ui["note_full"]
        elif form.kind == "wave1":
            note = ui["note_wave1"].format(stage=self.stage[self.gate].name)
        else:
            areas = ui["list_sep"].join(f"{self.area[a].number}. {self.area[a].name}"
                                        for a in form.areas)
            note = ui["note_wave2"].format(n=len(form.areas), names=later_names, areas=areas)
        blocks += self.para(note, 9.5, after=1 * MM)
        blocks += self.para(ui["mark_how"], 9.5)
        blocks.append(self.mark_example())
        blocks += self.heading(ui["h_scale"], before=1.5 * MM)
        blocks += self.scale_codes()
        blocks += self.heading(ui["h_stages"])
        for s in inst.stages:
            blocks += self.para(f"{self.stage_no[s.id]}. "
                                f"{ui['name_id'].format(name=s.name, id=s.id)}"
                                f"{'：' if self.cjk else ': '}{s.definition}", 9,
                                x=self.left + 2 * MM, after=0.6 * MM)
        for key, head in (("confidentiality", "h_confidentiality"), ("return", "h_return")):
            if t.get(key):
                blocks += self.heading(ui[head])
                blocks += self.para(t[key], 9.5)
        if t.get("thanks"):
            blocks.append(self.space(3 * MM))
            blocks += self.para(t["thanks"], 9.5, bold=True)
        return blocks

    def duration(self, form: _Form) -> str:
        """'約 11–41 分鐘' on the single-wave form (gate stage only, every stem); the gate
        stage's time on wave 1; a wave-2 form's own stems."""
        ui, inst = self.ui, self.inst
        low, high = inst.minutes()
        if form.kind == "wave1":
            high = low
        elif form.kind == "wave2":
            low = high = -(-self.form_items(form) * inst.seconds_per_stem // 60)
        if low == high:
            return ui["minutes"].format(n=low)
        return ui["minutes_range"].format(low=low, high=high)

    def end_note(self, form: _Form) -> list[_Block]:
        ui = self.ui
        names = ui["list_sep"].join(ui["quote"].format(self.stage[s].name) for s in self.later)
        text = ui[f"end_{form.kind}"].format(names=names)
        return [self.space(4 * MM), self.boxed(text, "", kind="note")]

    # ----------------------------------------------------------------- pages
    def _prefix(self, block: _Block) -> list[_Block]:
        """What a page starting with ``block`` needs above it: the area and the scale."""
        if block.kind in ("stage", "routing"):
            return [self.continued(block.area)]
        if block.kind == "practice":
            return [self.continued(block.area), self.scale_header(block.area)]
        return []

    def _on_grid(self, unit: list[_Block], used: float) -> list[_Block]:
        """``unit`` placed ``used`` below the body top, with a space before each block that
        must start on the row grid (background questions after free-height text)."""
        out: list[_Block] = []
        for b in unit:
            pad = _snap(used) - used if b.on_grid and used > 1e-6 else 0.0
            if pad > 1e-6:
                out.append(self.space(pad))
                used += pad
            out.append(b)
            used += b.height
        return out

    def paginate(self, blocks: list[_Block], prefix: bool) -> list[list[_Block]]:
        units: list[list[_Block]] = []
        cur: list[_Block] = []
        for b in blocks:
            cur.append(b)
            if not b.keep_with_next:
                units.append(cur)
                cur = []
        if cur:
            units.append(cur)
        pages: list[list[_Block]] = []
        page: list[_Block] = []
        used = 0.0
        room = self.body_h + 0.01
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

    def pages(self, form: _Form) -> list[list[_Block]]:
        areas = [a for a in form.areas if self.inst.practices_of_area(a)]
        # the background questions open the question pages, kept together; a wave-2 form
        # carries the respondent's id instead
        items: list[_Block] = self.background() if form.kind != "wave2" else []
        for area in form.areas:
            if area in areas:
                items += self.section(area, form.kind, last=area == areas[-1])
            elif not self.area[area].applicable and form.kind != "wave2":
                items += self.area_left_out(area)
        items += self.end_note(form)
        glossary = [*self.para(self.ui["glossary"], 13, bold=True, after=1 * MM,
                               keep_with_next=True),
                    *self.para(self.ui["glossary_intro"], 8.5, gray=0.3, after=1 * MM)]
        for area in areas:
            glossary += self.glossary_area(area)
        return (self.paginate(self.cover(form), prefix=False)
                + self.paginate(items, prefix=True)
                + self.paginate(glossary, prefix=False))

    def frame(self, c: Canvas, form: _Form, page: int, total: int) -> None:
        """Header and footer: instrument id, form, respondent when known, page x of y."""
        inst, ui = self.inst, self.ui
        size = 7.5
        y1, y2 = self.page_h - 10 * MM, self.page_h - 14 * MM
        ident = f"{ui['instrument']} {inst.id}"
        half = (self.right - self.left) - stringWidth(ident, self.font, size) - 6 * MM
        title = self.wrap(inst.texts.get("title", inst.bank_title), size, half)
        self.text(c, self.left, y1, title[0] + ("\u2026" if len(title) > 1 else ""), size,
                  gray=0.25)
        self.text(c, self.right, y1, ident, size, align="right", gray=0.25)
        self.text(c, self.left, y2, self.label(form), size, bold=True)
        if form.respondent_id:
            who = f"{ui['respondent_id']} {form.respondent_id}"
            if form.organisation:
                who += f"\u3000{ui['organisation']} {form.organisation}"
            who = self.wrap(who, size, (self.right - self.left) * 0.7)[0]
            self.text(c, self.right, y2, who, size, align="right", bold=True)
        c.setLineWidth(0.5)
        c.setStrokeGray(0.4)
        c.line(self.left, self.page_h - 16 * MM, self.right, self.page_h - 16 * MM)
        c.line(self.left, 12 * MM, self.right, 12 * MM)
        c.setStrokeGray(0)
        self.text(c, (self.left + self.right) / 2, 8 * MM,
                  ui["page"].format(x=page, y=total), 8, align="center")
        if form.respondent_id:
            self.text(c, self.left, 8 * MM, f"{ui['respondent_id']} {form.respondent_id}", 7,
                      gray=0.25)
        self.text(c, self.right, 8 * MM, inst.id, 7, align="right", gray=0.25)

    def draw(self, c: Canvas, form: _Form, bookmark: str = "") -> int:
        """Draw ``form`` onto ``c`` (after whatever is already there); return its page count."""
        for text, where in ((form.respondent_id, "respondent id"),
                            (form.organisation, f"organisation of {form.respondent_id}")):
            self.check(text, where)
        pages = self.pages(form)
        for n, page in enumerate(pages, 1):
            if bookmark and n == 1:
                key = f"r{c.getPageNumber()}"
                c.bookmarkPage(key)
                c.addOutlineEntry(bookmark, key, level=0)
            self.frame(c, form, n, len(pages))
            y = self.body_top
            for block in page:
                block.draw(c, y)
                y -= block.height
            c.showPage()
        return len(pages)

    def canvas(self, target, form: _Form) -> Canvas:
        c = Canvas(target, pagesize=(self.page_w, self.page_h), invariant=1, pageCompression=1,
                   initialFontName=self.font, lang=self.inst.language)
        c.setTitle(self.inst.texts.get("title", self.inst.bank_title))
        c.setSubject(f"{self.label(form)} {self.inst.id}")
        c.setKeywords(self.inst.id)
        c.setCreator(f"opm-instrument {__version__} (build.py)")
        c.setAuthor("")
        return c

    def pdf(self, form: _Form) -> tuple[bytes, int]:
        buf = io.BytesIO()
        c = self.canvas(buf, form)
        n = self.draw(c, form)
        with _binary_streams():
            c.save()
        return buf.getvalue(), n


@contextlib.contextmanager
def _binary_streams():
    """Page streams zlib-compressed without the ASCII85 layer reportlab adds by default
    (rl_config.useA85, read when a document is saved): smaller files, and the pure-Python
    ASCII85 encoder was 13% of the time of a follow-up form. Restored afterwards."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


_LAYOUTS: dict[tuple, _Layout] = {}


def _layout(instrument: Instrument, settings: RenderSettings) -> _Layout:
    """Measured layouts are cached per instrument content, paper and font."""
    key = (instrument.content_hash, settings.paper, str(settings.font or ""))
    lay = _LAYOUTS.get(key)
    if lay is None:
        lay = _Layout(instrument, settings)
        if len(_LAYOUTS) >= 16:
            _LAYOUTS.pop(next(iter(_LAYOUTS)))
        _LAYOUTS[key] = lay
    return lay


# --------------------------------------------------------------------------- public API
def render(instrument: Instrument, settings: RenderSettings = RenderSettings()) -> dict[str, bytes]:
    """``questionnaire.pdf`` (all stages, paper routing per area) and ``wave1.pdf`` (gate stage)."""
    lay = _layout(instrument, settings)
    areas = tuple(a.id for a in instrument.areas)
    return {"questionnaire.pdf": lay.pdf(_Form("full", areas))[0],
            "wave1.pdf": lay.pdf(_Form("wave1", areas))[0]}


def render_form(instrument: Instrument, kind: str, settings: RenderSettings = RenderSettings(),
                respondent: Respondent | None = None,
                areas: Sequence[str] | None = None) -> tuple[bytes, int]:
    """One form ("full", "wave1" or "wave2"), optionally for a known respondent: (pdf, pages)."""
    lay = _layout(instrument, settings)
    areas = tuple(areas) if areas is not None else tuple(a.id for a in instrument.areas)
    r = respondent or Respondent("")
    return lay.pdf(_Form(kind, areas, r.id, r.organisation))


def render_wave2(instrument: Instrument, plan: Plan,
                 settings: RenderSettings = RenderSettings()) -> bytes:
    """One respondent's wave-2 form: the non-gate stems of the areas they passed."""
    if not plan.needs_wave2:
        raise ValueError(f"respondent {plan.respondent_id!r} passed no area: no wave-2 form")
    return render_form(instrument, "wave2", settings,
                       Respondent(plan.respondent_id, plan.organisation), plan.areas)[0]


def unprintable(instrument: Instrument, settings: RenderSettings, plans: Sequence[Plan],
                rows: Sequence[Location]) -> list[Problem]:
    """PDF_002 for each distinct id or organisation of a needed form that the font cannot
    print, at its first row (``rows``: where each plan's answers came from). Checked before
    any form is drawn, so one run lists them all."""
    lay = _layout(instrument, settings)
    found: dict[tuple[str, str], Problem] = {}
    for where, p in zip(rows, plans):
        if not p.needs_wave2:
            continue
        for column, text in (("respondent_id", p.respondent_id), ("organisation", p.organisation)):
            missing = lay.missing(text) if (column, text) not in found else ""
            if missing:
                found[column, text] = problem("PDF_002", where, chars=missing,
                                              where=f"column '{column}'")
    return list(found.values())


_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-\u3400-\u9fff]+")
_COMBINED = re.compile(r"wave2-all(-\d{4})?\.pdf", re.IGNORECASE)  # the printing files' names


def wave2_filenames(plans: Sequence[Plan]) -> dict[str, str]:
    """respondent id -> file name (``wave2-<id>.pdf``, made safe and unique).

    Ids that make the same name (``x/`` and ``x``, or ``R1`` and ``r1`` on a file system
    that ignores case) are told apart by their row number (``wave2-x-3.pdf``), and a
    counter if even that is taken; the printing files' names (``wave2-all.pdf``,
    ``wave2-all-0001.pdf``) are never given to a respondent, with --combined or without.
    """
    names: dict[str, str] = {}
    used: set[str] = set()
    for k, p in enumerate(plans, 1):
        if not p.needs_wave2:
            continue
        stem = _UNSAFE.sub("_", p.respondent_id).strip("._")[:80] or f"row{k}"
        name, n = f"wave2-{stem}.pdf", 1
        while name.lower() in used or _COMBINED.fullmatch(name):
            name = f"wave2-{stem}-{k}.pdf" if n == 1 else f"wave2-{stem}-{k}-{n}.pdf"
            n += 1
        used.add(name.lower())
        names[p.respondent_id] = name
    return names


_OUR_FILES = re.compile(r"^(wave2-.+\.pdf|followup\.csv)$")


def _check_replaceable(folder: Path) -> None:
    """``folder`` is replaced whole: refuse one that holds anything but an earlier run's files
    (``--out .`` must never delete the user's work), and any path through a symbolic link."""
    def refuse(detail: str) -> None:
        raise InstrumentError([problem("BUILD_003", Location(str(folder)), detail=detail)])

    link = symlink_in(folder)
    if link is not None:
        refuse(f"{link} is a symbolic link; refusing to write through it")
    if folder.exists() and not folder.is_dir():
        refuse(f"{folder} exists and is not a folder")
    if not folder.exists():
        return
    if folder.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
        foreign = [folder.name or str(folder)]
    else:
        foreign = foreign_entries(folder, lambda name: bool(_OUR_FILES.match(name)))
    if foreign:
        refuse(f"{folder} already holds other files ({', '.join(foreign[:3])}); wave-2 forms "
               "replace their folder whole, so give a new or empty folder")


COMBINED_BATCH = 500  # forms per combined printing file: bounds memory (reportlab keeps a
#                       document's pages until it is saved) and suits a print run


@dataclass(frozen=True)
class Wave2Result:
    folder: Path
    forms: int  # per-respondent PDFs written
    pages: int  # pages in those PDFs
    combined: tuple[Path, ...]  # wave2-all.pdf, or wave2-all-0001.pdf, ... in batches


def combined_names(n_forms: int, batch: int = COMBINED_BATCH) -> list[str]:
    """File names of the combined printing PDFs for ``n_forms`` forms."""
    if n_forms <= 0:
        return []
    if n_forms <= batch:
        return ["wave2-all.pdf"]
    return [f"wave2-all-{k:04d}.pdf" for k in range(1, -(-n_forms // batch) + 1)]


def write_wave2(instrument: Instrument, plans: Sequence[Plan], folder: Path | str,
                settings: RenderSettings = RenderSettings(), *, combined: bool = False,
                files: Mapping[str, bytes] | None = None,
                progress: Callable[[int], object] | None = None,
                batch: int = COMBINED_BATCH) -> Wave2Result:
    """Write every needed wave-2 form into ``folder``, all or nothing.

    Forms are streamed: each PDF is written to a staging folder next to
    ``folder`` as soon as it is drawn, so memory does not grow with the number
    of respondents. ``combined`` adds ``wave2-all.pdf`` (every form in order, a
    bookmark per respondent, page numbers per form) for batch printing; above
    ``batch`` forms it is split into ``wave2-all-0001.pdf``, ``-0002`` ... of
    ``batch`` forms each, since a PDF document is held in memory until saved.
    ``files`` (e.g. ``followup.csv``) are written alongside. Only when all of it
    succeeded is ``folder`` replaced, whole, with ``os.replace``.
    """
    lay = _layout(instrument, settings)
    folder = Path(folder)
    names = wave2_filenames(plans)
    batches = combined_names(len(names), batch) if combined else []
    forms = pages = 0
    with replacing(folder, _check_replaceable) as new:
        all_canvas = None

        def finish_batch() -> None:
            if all_canvas is not None:
                all_canvas.showOutline()
                with _binary_streams():
                    all_canvas.save()

        for p in plans:
            if not p.needs_wave2:
                continue
            form = _Form("wave2", p.areas, p.respondent_id, p.organisation)
            data, n = lay.pdf(form)
            with open(new / names[p.respondent_id], "xb") as fh:  # never over another's form
                fh.write(data)
            if batches and forms % batch == 0:  # start the next printing file
                finish_batch()
                all_canvas = lay.canvas(str(new / batches[forms // batch]), _Form("wave2", ()))
            forms += 1
            pages += n
            if all_canvas is not None:
                lay.draw(all_canvas, form, bookmark=p.respondent_id)
            if progress:
                progress(1)
        finish_batch()
        for name, data in (files or {}).items():
            with open(new / name, "xb") as fh:
                fh.write(data)
    return Wave2Result(folder, forms, pages, tuple(folder / name for name in batches))
