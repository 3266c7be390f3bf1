"""How much ink each box holds, and what the marks in one item's boxes say.

Ink is measured on the page mapped onto the form (``locate.warp``), inside each box
less a margin (so the printed border, and a misfit of a pixel or two, never count):
0 is the paper's white, 1 the darkest print of the page (both taken from the page
itself, so a photocopier's grey background or a light scan changes nothing). The
empty form has no ink there, so the measure is the ink the respondent added. Per
box: the mean ink and, for telling a cross from a box filled in, the least ink of the
four edge-middle ninths (a cross leaves them white, a filled box does not).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import PageGeometry
from .locate import SCALE, Aligned

INSET = 0.2  # of the box's side, left out on each edge
BLANK = 0.03  # mean ink below this: nothing there
MARK = 0.07  # at least this: a mark
SOLID_MEAN = 0.5  # a filled box: this much ink ...
SOLID_EDGES = 0.6  # ... and even its edge-middle ninths this dark
CROSS_EDGES = 0.4  # a heavy cross leaves them lighter than this
TOO_FAINT = 0.25  # a page whose print is no darker than this above the paper: unusable


@dataclass(frozen=True)
class Ink:
    mean: np.ndarray  # per box
    edges: np.ndarray  # per box: the least mean of the four edge-middle ninths

    def kind(self) -> np.ndarray:
        """Per box: 0 blank, 1 faint, 2 mark, 3 filled (cancelled), 4 heavy (a cross or a
        fill, cannot tell)."""
        out = np.zeros(len(self.mean), dtype=np.int8)
        out[self.mean >= BLANK] = 1
        out[self.mean >= MARK] = 2
        heavy = self.mean >= SOLID_MEAN
        out[heavy & (self.edges >= CROSS_EDGES)] = 4
        out[heavy & (self.edges >= SOLID_EDGES)] = 3
        return out


class PageInk:
    """One aligned page's grey levels where its boxes are, summed once (an integral image),
    so any number of boxes are measured in constant time each.

    Only the region holding the page's boxes and fields is cut out of the scan (with a
    margin); ``white`` is the paper: the upper quartile of the mark boxes' inner means
    (most boxes are empty, and every box is mostly paper), else of the region;
    ``black`` the region's darkest print. Neither depends on the scanner's glass or lid
    around the sheet.
    """

    MARGIN = 3 * 72 / 25.4  # points around the boxes

    def __init__(self, aligned: Aligned, boxes: np.ndarray, fields: np.ndarray):
        import cv2

        self.paper_h = aligned.paper[1]
        every = np.concatenate([boxes.reshape(-1, 4), fields.reshape(-1, 4)])
        if len(every):
            x0, y0 = every[:, 0].min(), every[:, 1].min()
            x1, y1 = (every[:, 0] + every[:, 2]).max(), (every[:, 1] + every[:, 3]).max()
        else:
            x0, y0, (x1, y1) = 0.0, 0.0, aligned.paper
        m = self.MARGIN
        self.image, self.left, self.top = aligned.region(x0 - m, y0 - m, x1 + m, y1 + m)
        self.total = cv2.integral(self.image, sdepth=cv2.CV_32S)
        sample = self.image[::4, ::4]
        self.black = float(np.percentile(sample, 0.3))
        inner = self._grey(boxes)[0] if len(boxes) else np.zeros(0)
        self.white = float(np.percentile(inner, 75) if len(inner) else
                           np.percentile(sample, 90))

    @property
    def contrast(self) -> float:
        return self.white - self.black

    def _grey(self, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per box (rows of x, y, w, h in PDF points): the mean grey level inside, and the
        darkest mean of its four edge-middle ninths."""
        across, down = b[:, 2:3] * INSET, b[:, 3:4] * INSET
        x0 = (b[:, 0:1] + across) * SCALE - self.left
        x1 = (b[:, 0:1] + b[:, 2:3] - across) * SCALE - self.left
        top = (self.paper_h - b[:, 1:2] - b[:, 3:4] + down) * SCALE - self.top
        bottom = (self.paper_h - b[:, 1:2] - down) * SCALE - self.top
        # a 3 x 3 grid over each box's inner square
        xs = np.rint(x0 + (x1 - x0) * np.array([0, 1, 2, 3]) / 3).astype(int)
        ys = np.rint(top + (bottom - top) * np.array([0, 1, 2, 3]) / 3).astype(int)
        h, w = self.image.shape
        xs, ys = np.clip(xs, 0, w), np.clip(ys, 0, h)
        total = self.total

        def mean(r0, r1, c0, c1):
            sums = (total[ys[:, r1], xs[:, c1]] - total[ys[:, r0], xs[:, c1]]
                    - total[ys[:, r1], xs[:, c0]] + total[ys[:, r0], xs[:, c0]])
            area = np.maximum((ys[:, r1] - ys[:, r0]) * (xs[:, c1] - xs[:, c0]), 1)
            return sums / area

        edges = [mean(0, 1, 1, 2), mean(2, 3, 1, 2), mean(1, 2, 0, 1), mean(1, 2, 2, 3)]
        return mean(0, 3, 0, 3), np.max(edges, axis=0)  # darkest ninth = most ink

    def ink(self, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per box: the mean ink (0 paper, 1 the darkest print) and the least ink of its
        edge-middle ninths."""
        if not len(boxes):
            return np.zeros(0), np.zeros(0)
        grey, edges = self._grey(boxes)
        span = max(self.contrast, 1.0)
        return (self.white - grey) / span, (self.white - edges) / span


def measure(page: PageInk, geo: PageGeometry) -> Ink:
    """The ink the respondent added in each of ``geo``'s mark boxes, over what an empty box
    reads on this page (noise, a grey copy): at least a quarter of a page's boxes are
    empty, as an item has one answer among five or more codes."""
    if not len(geo.boxes):
        return Ink(np.zeros(0), np.zeros(0))
    mean, edges = page.ink(geo.boxes)
    empty = float(np.percentile(mean, 25))
    return Ink(mean - empty, edges - empty)


# --------------------------------------------------------------------------- decisions
ANSWER, BLANK_ITEM, FLAG = "answer", "blank", "flag"
def N_(message: str) -> str:
    """Mark a message for the catalogue (pybabel extract) without translating it here:
    flags.csv keeps the English words, review.html shows them in the page's language."""
    return message


REASONS = {
    "two": N_("two or more boxes marked"),
    "faint": N_("a faint mark"),
    "faint_beside": N_("a faint mark beside the answer"),
    "heavy": N_("a heavy mark: a cross or a box filled in (cancelled)"),
    "cancelled_only": N_("only a cancelled (filled-in) box"),
}


@dataclass(frozen=True)
class Decision:
    outcome: str  # ANSWER | BLANK_ITEM | FLAG
    code: int | None = None  # the answer, or the best guess of a flagged item
    reason: str = ""  # a key of REASONS when flagged


def decide(codes: list[int], kinds: list[int], means: list[float]) -> Decision:
    """One item from the kinds of its boxes (``Ink.kind``), in the order printed.

    One mark = the answer (a filled box beside it is a cancelled answer); nothing =
    blank; anything else is flagged with the most likely code as the guess, never
    decided silently."""
    marked = [k for k, v in enumerate(kinds) if v == 2]
    faint = [k for k, v in enumerate(kinds) if v == 1]
    heavy = [k for k, v in enumerate(kinds) if v == 4]
    filled = [k for k, v in enumerate(kinds) if v == 3]
    if heavy:
        guess = codes[marked[0]] if len(marked) == 1 else codes[heavy[0]]
        return Decision(FLAG, guess, "heavy")
    if len(marked) == 1:
        if faint:
            return Decision(FLAG, codes[marked[0]], "faint_beside")
        return Decision(ANSWER, codes[marked[0]])
    if len(marked) > 1:
        top = max(marked, key=lambda k: means[k])
        return Decision(FLAG, codes[top], "two")
    if faint:
        return Decision(FLAG, codes[max(faint, key=lambda k: means[k])], "faint")
    if filled:
        return Decision(FLAG, None, "cancelled_only")
    return Decision(BLANK_ITEM)
