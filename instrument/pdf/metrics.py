"""Page metrics: the paper, its margins, the page body and the answer grid's columns.

Measured once per instrument and paper (``Metrics.measure``) and shared by every
part of the layout, so a box, a header and a fiducial agree on where things are.
Row and block heights are multiples of ``ROW_GRID``; the mark boxes sit in fixed
columns at the right margin, the same x on every page.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, LETTER

from ..errors import InstrumentError, Location, problem
from ..model import Instrument, Label

MM = 72 / 25.4
ROW_GRID = 2 * MM  # row and block heights are multiples of this
PAPERS = {"A4": A4, "letter": LETTER}
ASCENT = 0.88  # of the em, for AR PL UMing (878/1000); used to place baselines


def snap(height: float, grid: float = ROW_GRID) -> float:
    """``height`` rounded up to a whole number (at least one) of ``grid`` steps."""
    return grid * max(1, -(-round(height / grid, 6) // 1))


@dataclass(frozen=True)
class Metrics:
    """Where everything goes on a page, in points from the bottom left corner."""

    page_w: float
    page_h: float
    left: float  # the text column's edges
    right: float
    body_top: float  # the page body, between header and footer
    body_bottom: float
    header_y: tuple[float, float]  # baselines of the header's two lines
    header_rule: float  # the line under the header
    footer_rule: float  # the line above the footer
    footer_y: float  # baseline of the footer
    # the answer grid: item id | statement | a column per substantive code | a gap |
    # a column per non-substantive code (don't know, not applicable), apart and under
    # their own "not scored" label
    columns: tuple[Label, ...]
    n_scored: int
    gap: float
    id_w: float
    col_w: float
    box: float  # side of a mark box
    boxes_x0: float  # left edge of the first code column
    scored_x1: float  # end of the scored columns
    unscored_x0: float  # start of the not-scored columns
    stem_x: float
    stem_w: float
    col_x: tuple[float, ...]  # left edge of each code's column
    box_x: tuple[float, ...]  # centre of each code's mark box

    @property
    def body_h(self) -> float:
        return self.body_top - self.body_bottom

    @classmethod
    def measure(cls, instrument: Instrument, paper: str) -> Metrics:
        """The metrics of ``instrument``'s forms on ``paper`` (PDF_001 for an unknown one)."""
        if paper not in PAPERS:
            raise InstrumentError([problem("PDF_001", Location("command line"), paper=paper)])
        page_w, page_h = PAPERS[paper]
        left, right = 15 * MM, page_w - 15 * MM
        scale = instrument.scale
        columns = (*scale.substantive, *scale.non_substantive)
        n_scored = len(scale.substantive)
        n_codes = len(columns)
        gap = 4 * MM if 0 < n_scored < n_codes else 0.0
        id_w = 17 * MM
        col_w = max(12 * MM, min(18 * MM, (75 * MM - gap) / n_codes))
        room = right - left - id_w - 70 * MM - gap  # 70 mm for statements
        if n_codes * col_w > room:  # a long scale (e.g. 0-10): narrower columns
            col_w = max(8 * MM, room / n_codes)
        box = min(5.5 * MM, col_w - 2.5 * MM)
        boxes_x0 = right - n_codes * col_w - gap
        scored_x1 = boxes_x0 + n_scored * col_w
        stem_x = left + id_w + 1 * MM
        col_x = tuple(boxes_x0 + k * col_w + (gap if k >= n_scored else 0)
                      for k in range(n_codes))
        return cls(page_w=page_w, page_h=page_h, left=left, right=right,
                   body_top=page_h - 21 * MM, body_bottom=15 * MM,
                   header_y=(page_h - 10 * MM, page_h - 14 * MM), header_rule=page_h - 16 * MM,
                   footer_rule=12 * MM, footer_y=8 * MM,
                   columns=columns, n_scored=n_scored, gap=gap, id_w=id_w, col_w=col_w, box=box,
                   boxes_x0=boxes_x0, scored_x1=scored_x1, unscored_x0=scored_x1 + gap,
                   stem_x=stem_x, stem_w=boxes_x0 - 2 * MM - stem_x, col_x=col_x,
                   box_x=tuple(x + col_w / 2 for x in col_x))
