"""Bar charts for the PDF report, drawn by reportlab.graphics (HorizontalBarChart and a key).

Horizontal bars, so ten Chinese knowledge-area names read left to right instead
of crowding a category axis; every bar carries its number and bars have a dark
outline, so the charts read in greyscale. Colours are Okabe-Ito (colour-blind
safe) in the same order as the HTML report's classes ``s0``..``s7``.
"""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, Group, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from instrument import fonts

from .report_view import Bars

OKABE_ITO = tuple(colors.HexColor(h) for h in (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"))
INK = colors.HexColor("#1B2430")
GRID = colors.HexColor("#C9D1DC")

FONT_SIZE = 8
BAR = 8.0  # thickness of one bar, points
GROUP_GAP = 6.0  # space between areas
VALUE_ROOM = 24.0  # right of the longest bar, for its number
LEGEND_ROW = 11.0


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with '…' to fit ``width`` points (a Drawing's String never wraps)."""
    if fonts.width(text, font, size) <= width:
        return text
    while text and fonts.width(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def label(x: float, y: float, text: str, font: str, size: float) -> Group:
    """``text`` drawn from (x, y) on, each run in the font that has its glyphs
    (``fonts.runs``: a name with 𠀋 must not print a box)."""
    group = Group()
    for face, piece in fonts.runs(text, font):
        group.add(String(x, y, piece, fontName=face, fontSize=size, fillColor=INK))
        x += stringWidth(piece, face, size)
    return group


def legend(bars: Bars, font: str, x: float, top: float, rows: int, column_width: float) -> Group:
    """The key of a chart: a swatch and 'A  name' per series, ``rows`` to a column."""
    group = Group()
    swatch = 7
    for k, (c, key, name) in enumerate(zip(bars.colours, bars.keys, bars.series)):
        left = x + (k // rows) * column_width
        y = top - (k % rows) * LEGEND_ROW - swatch
        group.add(Rect(left, y, swatch, swatch, fillColor=colour(c), strokeColor=INK,
                       strokeWidth=0.4))
        group.add(label(left + swatch + 4, y + 0.5,
                        fit(f"{key}  {name}", font, FONT_SIZE, column_width - 20), font,
                        FONT_SIZE))
    return group


def colour(index: int) -> colors.Color:
    return OKABE_ITO[index % len(OKABE_ITO)]


def bar_chart(bars: Bars, font: str, width: float, *, title: bool = True,
              max_height: float | None = None) -> Drawing:
    """A horizontal bar chart of ``bars`` (categories top to bottom, series in legend order).

    Bars are ``BAR`` points thick, thinner when that would make the drawing taller
    than ``max_height`` (many organisations side by side must still fit one page).
    """
    n_series = len(bars.series)
    legend_columns = 1 if n_series <= 3 else 2
    legend_rows = 0 if n_series == 1 else -(-n_series // legend_columns)
    label_width = max(stringWidth(c, font, FONT_SIZE) for c in bars.categories) + 8
    top = (14 if title else 0) + legend_rows * LEGEND_ROW + (4 if legend_rows else 0)
    axis = 16  # value-axis labels below the plot
    bar = BAR
    if max_height is not None:
        room = max_height - top - axis - 4 - len(bars.categories) * GROUP_GAP
        bar = max(2.0, min(BAR, room / (len(bars.categories) * n_series)))
    plot_height = len(bars.categories) * (n_series * bar + GROUP_GAP)
    height = axis + plot_height + top + 4

    drawing = Drawing(width, height)
    drawing.initialFontName = font  # else renderPDF starts with unembedded Helvetica
    chart = HorizontalBarChart()
    chart.x = label_width
    chart.y = axis
    chart.width = width - label_width - VALUE_ROOM
    chart.height = plot_height
    # reportlab stacks categories and the bars within one from the bottom up: reverse
    # both, so the first area is at the top and series read top-down in legend order.
    order = list(range(n_series))[::-1]
    chart.data = [[0 if v is None else v for v in bars.values[s][::-1]] for s in order]
    chart.barWidth = bar
    chart.groupSpacing = GROUP_GAP
    chart.barSpacing = 0
    chart.strokeColor = None
    for k, s in enumerate(order):
        chart.bars[k].fillColor = colour(bars.colours[s])
        chart.bars[k].strokeColor = INK
        chart.bars[k].strokeWidth = 0.4

    cat = chart.categoryAxis
    cat.categoryNames = list(bars.categories)[::-1]
    cat.labels.fontName = font
    cat.labels.fontSize = FONT_SIZE
    cat.labels.boxAnchor = "e"
    cat.labels.dx = -4
    cat.strokeColor = INK
    cat.visibleTicks = 0

    val = chart.valueAxis
    val.valueMin = 0
    val.valueMax = bars.maximum
    val.valueStep = 1
    val.labels.fontName = font
    val.labels.fontSize = FONT_SIZE - 1
    val.labelTextFormat = lambda v: bars.ticks[round(v)] if 0 <= v <= bars.maximum else ""
    val.visibleGrid = 1
    val.gridStrokeColor = GRID
    val.gridStrokeWidth = 0.5
    val.strokeColor = INK

    grouped = n_series > 1  # the key (A, B, ...) beside each number: readable in greyscale
    labels = [[("—" if v is None else f"{v:g}") + (f" {bars.keys[s]}" if grouped else "")
               for v in bars.values[s][::-1]] for s in order]
    chart.barLabelFormat = "values"
    chart.barLabelArray = labels
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = min(FONT_SIZE, bar)
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.nudge = 3
    chart.barLabels.dy = -1
    chart.barLabels.fillColor = INK
    drawing.add(chart)

    y = height - 2
    if title:
        drawing.add(label(0, y - 9, fit(bars.title, font, FONT_SIZE + 1.5, width), font,
                          FONT_SIZE + 1.5))
        y -= 14
    if legend_rows:
        drawing.add(legend(bars, font, label_width, y, legend_rows,
                           (width - label_width) / legend_columns))
    return drawing
