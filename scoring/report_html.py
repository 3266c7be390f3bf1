"""The self-contained HTML results report: one file, no network, no script.

``render_html(view)`` fills ``scoring/templates/report.html.j2`` from one typed context
(``ReportContext``). Charts are HTML tables with CSS bars (real text, so the
browser's own CJK font draws the labels and they can be selected and read by a
screen reader); bar widths and colours are classes, never inline styles, so the
Content-Security-Policy allows exactly the inlined stylesheet by its hash and
nothing else (``default-src 'none'``: no fetch, no script, no image).
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from instrument.contract import content_policy, environment, html_lang, template_folder

from .report_view import STATUSES, Bars, ReportView, Row, Table

TEMPLATES = template_folder(__package__)
TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"
PALETTE_SIZE = 8  # series colour classes s0..s7 in report.css (Okabe-Ito)


@dataclass(frozen=True)
class BarView:
    label: str
    series: int  # colour class
    value_text: str  # the level, or the word for no level ("not rated", "n/a")
    width: int  # percent of the track, in steps of 5 (class w0..w100)
    missing: bool = False  # no level: no bar drawn (a 0-width mark would read as level 0)


@dataclass(frozen=True)
class BarGroup:
    category: str
    bars: tuple[BarView, ...]


@dataclass(frozen=True)
class ChartView:
    id: str
    title: str
    ticks: tuple[str, ...]
    legend: tuple[tuple[str, int], ...]  # series name, colour class; empty for one series
    groups: tuple[BarGroup, ...]


@dataclass(frozen=True)
class ReportContext:
    html_lang: str
    view: ReportView
    comparison: ChartView
    profiles: tuple[ChartView, ...]
    css: Markup
    csp: str
    statuses: tuple[str, ...] = STATUSES  # the words for no value, all explained in the legend


def chart(bars: Bars) -> ChartView:
    grouped = len(bars.series) > 1
    groups = []
    for c, category in enumerate(bars.categories):
        row = []
        for s, (name, key) in enumerate(zip(bars.series, bars.keys)):
            value = bars.values[s][c]
            label, colour = key if grouped else name, bars.colours[s] % PALETTE_SIZE
            if value is None:
                word = bars.words[s][c] if bars.words else ""
                row.append(BarView(label, colour, word or "—", 0, missing=True))
            else:
                width = round(value / bars.maximum * 20) * 5
                row.append(BarView(label, colour, f"{value:g}", width))
        groups.append(BarGroup(category, tuple(row)))
    legend = tuple((f"{key} {name}", bars.colours[s] % PALETTE_SIZE)
                   for s, (name, key) in enumerate(zip(bars.series, bars.keys))) if grouped else ()
    return ChartView(bars.id, bars.title, bars.ticks, legend, tuple(groups))


@dataclass(frozen=True)
class RowGroup:
    heading: Row | None  # the section row (an area of the heat map), or None before the first
    rows: tuple[Row, ...]


def row_groups(table: Table) -> tuple[RowGroup, ...]:
    """A table's rows cut at its heading rows: one <tbody> each, headed by its section."""
    groups: list[RowGroup] = []
    for row in table.rows:
        if row.heading:
            groups.append(RowGroup(row, ()))
        elif groups:
            groups[-1] = RowGroup(groups[-1].heading, groups[-1].rows + (row,))
        else:
            groups.append(RowGroup(None, (row,)))
    return tuple(groups)


def _stylesheet() -> str:
    css = (TEMPLATES / STYLESHEET).read_text(encoding="utf-8")
    if "</style" in css.lower():
        raise ValueError(f"scoring/templates/{STYLESHEET} must not contain '</style'")
    return css


def context(view: ReportView) -> ReportContext:
    css = _stylesheet()
    csp = content_policy(css)
    return ReportContext(
        html_lang=html_lang(view.language),
        view=view,
        comparison=chart(view.comparison),
        profiles=tuple(chart(b) for b in view.profiles),
        css=Markup(css),
        csp=csp,
    )


def render_html(view: ReportView) -> bytes:
    env = environment(str(TEMPLATES), view.language)
    env.filters.setdefault("row_groups", row_groups)
    return env.get_template(TEMPLATE).render(ctx=context(view)).encode("utf-8")
