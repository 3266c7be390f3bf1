"""review.html: each flagged item with its crop and the reader's guess, an input per item,
and a button that saves the corrections as a CSV file in the browser (offline: no server,
no network; the Content-Security-Policy allows only the page's own script and style)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from markupsafe import Markup

from instrument import i18n
from instrument.contract import content_policy, environment, html_lang, script_json, template_folder
from instrument.model import Instrument

from .corrections import Correction
from .forms import Flag

TEMPLATES = template_folder("scoring")


def _ui(t: i18n.Text) -> dict[str, str]:
    """The page's own words in its language (the catalogue's)."""
    return {
        "title": t.gettext("Scan review"),
        "intro": t.gettext("The reader could not decide these items. Type the right code for "
                           "each (blank = no answer), press Save corrections, then run scan "
                           "again with {option}."),
        "none": t.gettext("Nothing to review."),
        "form": t.pgettext("scan review", "Form"),
        "value": t.gettext("Correct value"),
        "guess": t.gettext("Guess"),
        "allowed": t.pgettext("what a review input takes", "takes"),
        "save": t.gettext("Save corrections"),
        "saved": t.gettext("Saved as corrections.csv (in the browser's downloads folder)"),
    }


@dataclass(frozen=True)
class Entry:
    n: int
    form: str
    where: str  # file and page
    respondent: str
    column: str
    label: str  # the item's statement or the question's label
    reason: str
    guess: str
    allowed: str  # what the input takes
    image: str  # data: URL of the crop


@dataclass(frozen=True)
class ReviewContext:
    html_lang: str
    ui: dict[str, str]
    entries: tuple[Entry, ...]
    applied: Markup  # JSON of the corrections already applied, carried into the next save
    css: Markup
    script: Markup
    csp: str


def _labels(instrument: Instrument) -> dict[str, tuple[str, str]]:
    codes = ", ".join(str(c) for c in instrument.scale.all_codes)
    out = {i.id: (i.text, codes) for i in instrument.items}
    for q in instrument.background:
        allowed = ", ".join(str(c.code) for c in q.choices) if q.kind == "single" else \
            q.describe()
        out[q.id] = (q.label, allowed)
    out["respondent_id"] = ("respondent_id", "")
    out["organisation"] = ("organisation", "")
    return out


def _entries(flags: list[Flag], instrument: Instrument, lang: str) -> tuple[Entry, ...]:
    labels = _labels(instrument)
    t = i18n.text(lang)
    out = []
    for n, f in enumerate(flags, 1):
        label, allowed = labels.get(f.column, (f.column, ""))
        image = "data:image/png;base64," + base64.b64encode(f.crop).decode("ascii")
        out.append(Entry(n, f.form, t.gettext("{file}, p. {page}").format(file=f.file, page=f.page), f.respondent, f.column, label,
                         t.gettext(f.reason), f.guess, allowed, image))
    return tuple(out)


def render(flags: list[Flag], instrument: Instrument, applied: list[Correction]) -> bytes:
    css = (TEMPLATES / "review.css").read_text(encoding="utf-8")
    script = (TEMPLATES / "review.js").read_text(encoding="utf-8")
    csp = content_policy(css, script, images="data:")
    lang = instrument.language
    ctx = ReviewContext(html_lang(lang), _ui(i18n.text(lang)), _entries(flags, instrument, lang),
                        script_json([[c.form, c.column, c.value] for c in applied]),
                        Markup(css), Markup(script), csp)
    template = environment(str(TEMPLATES), lang).get_template("review.html.j2")
    return template.render(ctx=ctx).encode("utf-8")
