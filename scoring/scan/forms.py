"""Pages to forms, forms to rows of the scorer's response file.

A stamped page names its respondent in its QR code, so a stamped form's pages may come
in any order and mixed with other respondents' pages. An unstamped form's pages are
taken in the order scanned: its pages belong together until a page number comes again
(the next form's first page). Every page a form has boxes or fields on must be there,
once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from instrument.errors import Location, Problem, problem
from instrument.model import Instrument

from . import ink
from .ink import N_
from .geometry import Geometries
from .pages import PageRead

WAVE = {"full": "", "wave1": "1", "wave2": "2"}
FORM_NAMES = {"full": "questionnaire", "wave1": "wave-1", "wave2": "wave-2"}


@dataclass
class Form:
    kind: str  # "full" | "wave1" | "wave2"
    respondent: str  # printed on the form ('' when unstamped)
    pages: dict[int, PageRead] = field(default_factory=dict)

    @property
    def first(self) -> PageRead:
        return next(iter(self.pages.values()))

    @property
    def key(self) -> str:
        """How flags.csv and a corrections file name this form: ``wave1:R001`` for a
        stamped form, ``full:scans/batch1.pdf#3`` (its first page as scanned) else."""
        if self.respondent:
            return f"{self.kind}:{self.respondent}"
        return f"{self.kind}:{self.first.page.file}#{self.first.page.number}"

    def describe(self) -> str:
        if self.respondent:
            return f"the {FORM_NAMES[self.kind]} form of respondent '{self.respondent}'"
        return f"the {FORM_NAMES[self.kind]} form starting at {self.first.page.where}"


def group(reads: list[PageRead], problems: list[Problem]) -> list[Form]:
    """The forms the pages make, in the order their first pages came."""
    forms: list[Form] = []
    stamped: dict[tuple[str, str], Form] = {}
    open_form: dict[str, Form] = {}  # unstamped: the form being filled, per kind
    for read in reads:
        code = read.code
        if code.respondent:
            form = stamped.get((code.form, code.respondent))
            if form is None:
                form = stamped[code.form, code.respondent] = Form(code.form, code.respondent)
                forms.append(form)
        else:
            form = open_form.get(code.form)
            if form is None or code.page in form.pages:
                form = open_form[code.form] = Form(code.form, "")
                forms.append(form)
        if code.page in form.pages:
            other = form.pages[code.page].page.where
            problems.append(problem("SCAN_008", read.where, what=form.describe(),
                                    page=code.page, other=other))
            continue
        form.pages[code.page] = read
    return forms


def check_complete(forms: list[Form], geos: Geometries, problems: list[Problem]) -> None:
    """SCAN_009 for each form that lacks a page with boxes or fields on it."""
    for form in forms:
        first = form.first
        seen = {n: r.geo.layout for n, r in form.pages.items()}
        layout = geos.form_of(first.code.instrument, form.kind, form.respondent, seen)
        if layout is None:  # pages of two builds in one form: each page was known alone
            problems.append(problem("SCAN_011", first.where, detail=f"{form.describe()} "
                                    "mixes pages printed from different builds",
                                    fix="scan each form's own pages together"))
            continue
        missing = [n for n in layout.needed if n not in form.pages]
        if missing:
            problems.append(problem("SCAN_009", first.where, what=form.describe(),
                                    s="s" if len(missing) > 1 else "",
                                    pages=", ".join(map(str, missing)),
                                    total=len(layout.layouts)))


WRITTEN = N_("written on the form: type it in")  # the reasons of a field to type in
NO_ID = N_("no respondent id printed: type the one the form belongs to")


@dataclass(frozen=True)
class Flag:
    form: str  # Form.key
    file: str
    page: int
    respondent: str
    column: str
    reason: str  # words
    guess: str  # the most likely value, '' when there is none
    crop: bytes = b""
    kind: str = "mark"  # "mark" (a flagged item) | "written" (to type in from the form)


def rows(forms: list[Form], instrument: Instrument, geos: Geometries
         ) -> tuple[list[dict[str, str]], list[Flag]]:
    """One row per form (the scorer's columns) and everything a person has to decide."""
    out, flags = [], []
    singles = {q.id for q in instrument.background if q.kind == "single"}
    wanted = set(instrument.item_ids) | singles
    for form in forms:
        row = {c: "" for c in instrument.columns}
        row.update(respondent_id=form.respondent, instrument=instrument.id,
                   wave=WAVE[form.kind],
                   organisation=geos.organisation.get(form.respondent, ""))
        for read in form.pages.values():
            for item in read.items:
                if item.item not in wanted:
                    continue
                d = item.decision
                if d.outcome == ink.ANSWER:
                    row[item.item] = str(d.code)
                elif d.outcome == ink.FLAG:
                    flags.append(Flag(form.key, read.page.file, read.page.number,
                                      form.respondent, item.item, ink.REASONS[d.reason],
                                      "" if d.code is None else str(d.code), item.crop))
            for f in read.fields:
                if form.respondent and f.name in ("respondent_id", "organisation"):
                    continue  # printed on a stamped form (and the id in its QR code)
                if f.written or f.name == "respondent_id":
                    what = WRITTEN if f.written else NO_ID
                    flags.append(Flag(form.key, read.page.file, read.page.number,
                                      form.respondent, f.name, what, "", f.crop, "written"))
        out.append(row)
    return out, flags


def form_location(form: Form) -> Location:
    return form.first.where
