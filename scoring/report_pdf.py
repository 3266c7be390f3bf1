"""The PDF results report: the HTML report's content, laid out by reportlab platypus.

Every piece of text uses the registered TrueType CJK font (``instrument.fonts``),
which reportlab subset-embeds, so no page depends on the reader's fonts and no
Chinese label turns to tofu. Charts come from ``scoring.charts``; tables are
platypus Tables coloured like the HTML (same classes, same palette). Text is
escaped before it reaches a Paragraph (which parses markup), so an organisation
called ``<b>`` prints as written. Output is deterministic (``invariant=1``).
"""

from __future__ import annotations

import io
import re
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from instrument import fonts
from instrument.errors import Location, Problem, problem

from . import charts
from .report_view import ReportView, Row
from .report_view import Table as TableView

PAGES = {"A4": A4, "letter": letter}
MARGIN = 16 * mm
SHADE_FILL = tuple(colors.HexColor(h) for h in ("#FFFFCC", "#A1DAB4", "#41B6C4", "#2C7FB8",
                                                 "#253494"))
SHADE_INK = (charts.INK, charts.INK, charts.INK, colors.white, colors.white)
HEAD_FILL = colors.HexColor("#EEF1F5")
SECTION_FILL = colors.HexColor("#F7F8FA")
WARN_FILL = colors.HexColor("#FFF4E0")
MUTED = colors.HexColor("#4A5565")
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003ffff]")


class Styles:
    def __init__(self, font: str):
        base = {"fontName": font, "textColor": charts.INK}
        self.h1 = ParagraphStyle("h1", fontSize=17, leading=22, spaceAfter=4, **base)
        self.h2 = ParagraphStyle("h2", fontSize=12.5, leading=16, spaceBefore=10, spaceAfter=4,
                                 **base)
        self.h3 = ParagraphStyle("h3", fontSize=10.5, leading=14, spaceBefore=6, spaceAfter=2,
                                 **base)
        self.body = ParagraphStyle("body", fontSize=9, leading=13, spaceAfter=3, **base)
        self.note = ParagraphStyle("note", parent=self.body, fontSize=8, leading=11,
                                   textColor=MUTED)
        self.cell = ParagraphStyle("cell", fontSize=8, leading=10, **base)
        self.head = ParagraphStyle("head", parent=self.cell, alignment=TA_CENTER)

    @staticmethod
    def wrap(style: ParagraphStyle, text: str) -> ParagraphStyle:
        """CJK line breaking (between any two characters) only where the text needs it."""
        if CJK.search(text) and style.wordWrap != "CJK":
            return ParagraphStyle(style.name + "-cjk", parent=style, wordWrap="CJK")
        return style


def para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(markup(text, style.fontName), Styles.wrap(style, text))


def markup(text: str, font: str) -> str:
    """``text`` escaped for a Paragraph, with characters ``font`` lacks (CJK Extension B,
    such as 𠀋 in a name) set in the fallback font."""
    return "".join(escape(piece) if face == font else f'<font name="{face}">{escape(piece)}</font>'
                   for face, piece in fonts.runs(text, font))


def font_problems(scores, settings) -> list[Problem]:
    """PDF_003 for names the report prints that no installed font has every glyph of."""
    font = fonts.register(str(settings.font) if settings.font else None)
    r = scores.responses
    texts = [*((f"organisation '{o}'", o) for o in dict.fromkeys(r.organisation) if o),
             *((f"file name '{f}'", f) for f in dict.fromkeys(r.source_file)),
             *((f"warning at {w.location}", w.message) for w in scores.warnings)]
    found = []
    for where, text in texts:
        missing = fonts.unprintable(text, font)
        if missing:
            found.append(problem("PDF_003", Location("report.pdf"), severity="warning",
                                 chars=missing, where=where))
    return found


def _style(font: str, commands: list) -> TableStyle:
    """Every table names the CJK font: a cell's default would be unembedded Helvetica."""
    return TableStyle([("FONT", (0, 0), (-1, -1), font, 8), *commands])


def _grid(font: str, extra: list) -> TableStyle:
    return _style(font, [
        ("GRID", (0, 0), (-1, -1), 0.4, charts.GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        *extra,
    ])


def _cells(row: Row, start_row: int) -> tuple[list, list]:
    """One table row's cell texts (value, flag marks, secondary value) and colouring commands."""
    commands = []
    values = []
    for j, cell in enumerate(row.cells, start=1):
        values.append(cell.text + cell.mark + (f" {cell.sub}" if cell.sub else ""))
        if cell.shade >= 0:
            commands += [("BACKGROUND", (j, start_row), (j, start_row), SHADE_FILL[cell.shade]),
                         ("TEXTCOLOR", (j, start_row), (j, start_row), SHADE_INK[cell.shade])]
    return values, commands


def data_table(tb: TableView, st: Styles, font: str, width: float, *, label_width: float,
               heat: bool = False) -> list:
    """A heading, the table and its notes as flowables."""
    # heat-map labels are single lines (plain strings, 8 pt leading) so 59 rows fit a page
    label_cell = (lambda text: text) if heat else (lambda text: para(text, st.cell))
    header: list[list] = []
    dense = heat or bool(tb.column_groups)  # 16 numeric columns across the page
    commands: list = [("FONTSIZE", (0, 0), (-1, -1), 7 if dense else 8),
                      ("ALIGN", (1, 0), (-1, -1), "CENTER")]
    if dense:
        commands += [("LEFTPADDING", (1, 0), (-1, -1), 1), ("RIGHTPADDING", (1, 0), (-1, -1), 1)]
    if heat:  # 49 practices and 10 area rows on one A4 page
        commands += [("LEADING", (0, 0), (-1, -1), 8), ("TOPPADDING", (0, 0), (-1, -1), 0.5),
                     ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
    if tb.column_groups:
        top = [para(tb.corner, st.head)]
        col = 1
        for label, span in tb.column_groups:
            top += [para(label, st.head)] + [""] * (span - 1)
            commands.append(("SPAN", (col, 0), (col + span - 1, 0)))
            col += span
        header = [top, [""] + list(tb.columns)]
        commands += [("SPAN", (0, 0), (0, 1)), ("BACKGROUND", (0, 1), (-1, 1), HEAD_FILL)]
    else:
        header = [[para(tb.corner, st.head)] + [para(c, st.head) for c in tb.columns]]
    body = []
    for row in tb.rows:
        r = len(header) + len(body)
        if row.heading:
            body.append([label_cell(row.label)] + [""] * len(tb.columns))
            commands += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), SECTION_FILL)]
            continue
        values, colouring = _cells(row, r)
        body.append([label_cell(f"{row.code} {row.label}" if heat and row.code else row.label)]
                    + values)
        commands += colouring
    n_cols = len(tb.columns)
    col_width = (width - label_width) / max(n_cols, 1)
    if not dense:
        col_width = min(col_width, 30 * mm)
    table = Table(header + body, colWidths=[label_width] + [col_width] * n_cols,
                  repeatRows=len(header), hAlign="LEFT")
    table.setStyle(_grid(font, commands))
    out: list = [para(tb.title, st.h3)]
    if tb.note:
        out.append(para(tb.note, st.note))
    out.append(table)
    out += [para(f, st.note) for f in tb.footnotes]
    return out


def _about(view: ReportView, st: Styles, width: float) -> list:
    t = view.text
    facts = [[para(f.label, st.cell), para(f.value, st.cell)] for f in view.facts]
    facts.append([para(t["files"], st.cell), para(t["list_sep"].join(view.files), st.cell)])
    table = Table(facts, colWidths=[32 * mm, width - 32 * mm], hAlign="LEFT")
    font = st.cell.fontName
    table.setStyle(_style(font, [("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("LINEBELOW", (0, 0), (-1, -1), 0.3, charts.GRID),
                                 ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                                 ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    out: list = [para(t["about"], st.h2), table, para(t["method"], st.h3),
                 para(view.method, st.body), para(f"{t['rule']}: {view.rule}", st.body)]
    if view.overrides:
        box = Table([[para(t["overridden"], st.body)]] + [[para(o, st.cell)] for o in view.overrides],
                    colWidths=[width], hAlign="LEFT")
        box.setStyle(_style(font, [("BACKGROUND", (0, 0), (-1, -1), WARN_FILL),
                                   ("LINEBEFORE", (0, 0), (0, -1), 3, colors.HexColor("#8A4B00"))]))
        out.append(box)
    else:
        out.append(para(t["not_overridden"], st.note))
    if view.notes:
        out.append(para(t["notes"], st.h3))
        out += [para("• " + n, st.body) for n in view.notes]
    stages = Table([[para(f"{i} {name}", st.cell), para(d, st.cell)] for i, name, d in view.stages],
                   colWidths=[32 * mm, width - 32 * mm], hAlign="LEFT")
    stages.setStyle(_style(font, [("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("LINEBELOW", (0, 0), (-1, -1), 0.3, charts.GRID)]))
    out += [para(t["stages"], st.h3), stages, para(t["levels"], st.h3)]
    # levels 0..k in shaded, numbered rows; the status note after them ("not rated", "n/a")
    # unnumbered, so that it does not read as one more level
    levels = view.level_meanings[:len(view.stages) + 1]
    legend = Table([[str(k), para(text, st.cell)] for k, text in enumerate(levels)],
                   colWidths=[8 * mm, width - 8 * mm], hAlign="LEFT")
    legend_style = [("ALIGN", (0, 0), (0, -1), "CENTER")]
    shades = len(SHADE_FILL) - 1
    for k in range(len(levels)):
        s = round(k / (len(levels) - 1) * shades) if len(levels) > 1 else 0
        legend_style += [("BACKGROUND", (0, k), (0, k), SHADE_FILL[s]),
                         ("TEXTCOLOR", (0, k), (0, k), SHADE_INK[s])]
    legend.setStyle(_style(font, legend_style))
    out.append(legend)
    out += [para(note, st.note) for note in view.level_meanings[len(levels):]]
    return out


def render_pdf(view: ReportView, settings) -> bytes:
    font = fonts.register(str(settings.font) if settings.font else None)
    st = Styles(font)
    t = view.text
    page = PAGES[settings.paper]
    width = page[0] - 2 * MARGIN
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=page, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
                            title=f"{view.title} · {view.instrument_id}",
                            subject=view.instrument_id, author="opm-instrument",
                            creator="opm-instrument scoring", invariant=1,
                            initialFontName=font, lang=view.language)

    def footer(canvas, doc_) -> None:
        canvas.saveState()
        canvas.setFont(font, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, MARGIN - 2 * mm, f"{view.title} · {view.instrument_id}")
        canvas.drawRightString(page[0] - MARGIN, MARGIN - 2 * mm,
                               t["page"].format(page=doc_.page))
        canvas.restoreState()

    area_label = 46 * mm
    story: list = [para(view.subtitle, st.note), para(view.title, st.h1),
                   para(f"{t['instrument']}: {view.instrument_id}", st.note)]
    story += _about(view, st, width)

    story += [PageBreak(), para(view.overview.title, st.h2)]
    story += data_table(view.overview, st, font, width, label_width=area_label)[1:]
    page_height = page[1] - 2 * MARGIN - 4 * mm - 40  # the frame, less heading and note
    story += [Spacer(1, 6), KeepTogether([
        para(t["compare"], st.h2), para(t["compare_note"], st.note),
        charts.bar_chart(view.comparison, font, width, title=False, max_height=page_height)])]

    story += [PageBreak(), para(t["profiles"], st.h2),
              para(t["profiles_note"].format(k=len(view.stages)), st.note)]
    half = (width - 6 * mm) / 2
    drawings = [charts.bar_chart(b, font, half) for b in view.profiles]
    pairs = [drawings[i:i + 2] + [""] * (2 - len(drawings[i:i + 2]))
             for i in range(0, len(drawings), 2)]
    if pairs:
        grid = Table(pairs, colWidths=[half + 3 * mm] * 2, hAlign="LEFT")
        grid.setStyle(_style(font, [("VALIGN", (0, 0), (-1, -1), "TOP"),
                                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
        story.append(grid)

    for hm in view.heatmaps:
        story += [PageBreak()] + data_table(hm, st, font, width, label_width=52 * mm, heat=True)

    story += [PageBreak(), para(view.groups.title, st.h2)]
    story += data_table(view.groups, st, font, width, label_width=area_label)[1:]
    if view.statistics:
        story.append(para(t["statistics"], st.h2))
        for tb in view.statistics:
            label_width = 30 * mm if tb.column_groups else area_label
            story.append(KeepTogether(data_table(tb, st, font, width, label_width=label_width)))

    story.append(para(f"{t['warnings']} ({len(view.warnings)})", st.h2))
    if not view.warnings:
        story.append(para(t["no_warnings"], st.body))
    for k, w in enumerate(view.warnings, start=1):
        story.append(para(f"{k}. {w.location}: {w.message} [{w.code}]", st.body))
        if w.hint:
            story.append(para(f"{t['fix']}: {w.hint}", st.note))
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
