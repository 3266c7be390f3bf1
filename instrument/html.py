"""The self-contained HTML questionnaire: one file, no network, live first-tier gating.

``render`` turns an ``Instrument`` into ``questionnaire.html``. The page is drawn
by ``instrument/templates/questionnaire.html.j2`` from one typed context
(``QuestionnaireContext``); the stylesheet and script (``questionnaire.css``,
``questionnaire.js``) are inlined and allowed by a Content-Security-Policy that
names their SHA-256 hashes and forbids every fetch (``default-src 'none'``).

What the script needs to know (the CSV header, the background questions' checks,
each area's gate and other stems, the gate rule, the missing codes, messages)
travels as one JSON block built here from the instrument; the script holds the
JavaScript twin of ``instrument.gating.judge``. The page never shows the rule's
numbers (a threshold on screen invites low answers to shorten the form): it says
only that further statements appear when they apply.
No file I/O besides reading the templates; the output is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from typing import Any, Mapping

from markupsafe import Markup

from . import contract, i18n
from .artifacts import RenderSettings
from .errors import InstrumentError, Location, problem
from .model import BackgroundItem, Instrument, Label, NamedRef, PracticeText

TEMPLATES = contract.template_folder(__package__)
TEMPLATE = "questionnaire.html.j2"
ASSETS = (TEMPLATE, "questionnaire.css", "questionnaire.js")
STORAGE_PREFIX = "opm-questionnaire"

def script_messages(t: i18n.Text) -> dict[str, str]:
    """The messages the page's script fills in at run time, by the names it uses."""
    return {
        "progress": t.gettext("Answered {answered} / {total}"),
        "gate_pending": t.gettext("Answer all {gate} statements of this area first; further "
                                  "statements appear here when they apply."),
        "gate_open": t.gettext("From your answers, the {n} statements below apply: please "
                               "answer them."),
        "gate_closed": t.gettext("From your answers, the area's further statements are not "
                                 "needed: please go on to the next area."),
        "gate_kept": t.gettext("The {k} answers you gave there are kept (not in your answers "
                               "file for now) and come back if the statements apply again."),
        "announce": t.pgettext("an area's name and a message about it", "{area}: {text}"),
        "confirm_start_over": t.gettext("Clear all your answers and start over? This cannot be "
                                        "undone."),
        "warn_unanswered": t.gettext("Questions not answered yet: {k} (you can still download; "
                                     "they will be left blank):"),
        "warn_invalid": t.gettext("Some answers are not in the expected form and will not be "
                                  "saved in the file (listed first)."),
        "warn_no_rid": t.gettext("You have not entered a respondent ID; the file will be called "
                                 "{file}."),
        "downloaded": t.gettext("Saved {file}. Please return it as described above."),
        "save_failed": t.gettext("Your answers could not be saved on this computer (the "
                                 "browser's storage is full or blocked). Download them now so "
                                 "that nothing is lost."),
        "storage_off": t.gettext("This browser does not let the page save your answers: they "
                                 "are lost when you close the page. Download them before you "
                                 "close it."),
        "label_sep": t.pgettext("between a question's id and its text", ": "),
        "sentence_sep": t.sentence_sep,
    }


# --------------------------------------------------------------------------- context
@dataclass(frozen=True)
class StemView:
    id: str
    stage: str
    stage_name: str
    text: str


@dataclass(frozen=True)
class PracticeView:
    id: str
    code: str
    name: str
    glossary: str
    note: str  # the profile's local glossary note ('' = none)
    stems: tuple[StemView, ...]


@dataclass(frozen=True)
class StageView:
    id: str
    name: str
    definition: str


@dataclass(frozen=True)
class AreaView:
    id: str
    number: int
    name: str
    tier1: tuple[PracticeView, ...]  # the gate-stage stem of each practice
    tier2: tuple[PracticeView, ...]  # the other stages, practices with none left out
    left_out: str  # one line: the practices a profile declares not applicable, and why
    skipped: bool = False


@dataclass(frozen=True)
class SkippedAreaView:
    """A whole area the profile declares not applicable: one line, no questions."""

    id: str
    number: int
    name: str
    line: str
    skipped: bool = True


@dataclass(frozen=True)
class BackgroundView:
    id: str
    kind: str  # "single" | "number" | "text"
    label: str
    hint: str
    choices: tuple[Label, ...]
    minimum: str  # number: the min/max attributes ('' = none) and step
    maximum: str
    step: str
    max_length: int
    error: str  # number: the visible message for a value that will not be saved


@dataclass(frozen=True)
class QuestionnaireContext:
    """Everything the template reads; nothing else reaches it."""

    html_lang: str
    instrument_id: str
    title: str
    bank_title: str
    profile_name: str
    preamble: str
    duration: str
    instructions: str
    confidentiality: str
    return_text: str
    thanks: str
    sentence_sep: str  # between two sentences that the page shows in one paragraph
    substantive: tuple[Label, ...]  # the scale's options, then the codes shown apart
    non_substantive: tuple[Label, ...]
    scale_name: str
    stages: tuple[StageView, ...]
    background: tuple[BackgroundView, ...]
    sections: tuple[AreaView | SkippedAreaView, ...]  # in bank order
    tier1_heading: str
    tier2_heading: str
    nojs_note: str
    js_intro: str
    config_json: Markup
    css: Markup
    js: Markup
    csp: str


# --------------------------------------------------------------------------- helpers
def _check_templates() -> None:
    """A user-facing error (not a traceback) when an installed copy lacks templates/."""
    missing = [name for name in ASSETS if not (TEMPLATES / name).is_file()]
    if missing:
        raise InstrumentError([problem("HTML_001", Location(str(TEMPLATES)),
                                       detail="not found: " + ", ".join(missing))])


def _asset(name: str, closing: str) -> str:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    if closing in text.lower():
        raise ValueError(f"instrument/templates/{name} must not contain '{closing}'")
    return text


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _sentence(text: str) -> str:
    """A reason to embed in a sentence: without its own full stop."""
    return text.strip().rstrip("。.")


def storage_key(instrument: Instrument) -> str:
    """localStorage key: answers belong to one data layout (instrument id) and profile."""
    return f"{STORAGE_PREFIX}:{instrument.id}:{instrument.profile_id}"


def duration_text(instrument: Instrument, t: i18n.Text) -> str:
    """'About 11–41 minutes' from ``Instrument.minutes()``."""
    low, high = instrument.minutes()
    if low == high:
        return t.gettext("It takes about {low} minutes.").format(low=low)
    return t.gettext("It takes about {low}–{high} minutes, depending on how many statements "
                     "apply.").format(low=low, high=high)


def number_rule(q: BackgroundItem, t: i18n.Text) -> str:
    """'a whole number from 0 to 50': what a number question accepts, in words."""
    what = t.gettext("a whole number") if q.integer else t.gettext("a number")
    low, high = _number(q.minimum), _number(q.maximum)
    if low and high:
        return t.gettext("{what} from {low} to {high}").format(what=what, low=low, high=high)
    if low:
        return t.gettext("{what} of at least {low}").format(what=what, low=low)
    if high:
        return t.gettext("{what} of at most {high}").format(what=what, high=high)
    return what


def left_out_line(instrument: Instrument, area: NamedRef, t: i18n.Text) -> str:
    """One line naming an asked area's practices that are not applicable, and why."""
    skipped: list[PracticeText] = [p for p in instrument.not_applicable if p.area == area.id]
    if not skipped:
        return ""
    parts = [t.pgettext("a practice left out, and why", "{code} {name} ({reason})").format(
        code=p.code, name=p.name, reason=_sentence(p.reason)) for p in skipped]
    return t.gettext("Left out of this area because they do not apply here: {list}.").format(
        list=t.pgettext("between the entries of a list of reasons", "; ").join(parts))


def background_view(q: BackgroundItem, t: i18n.Text) -> BackgroundView:
    error = ""
    if q.kind == "number":
        error = t.gettext("Enter {rule}; the value in the box now will not be saved in your "
                          "answers.").format(rule=number_rule(q, t))
    return BackgroundView(q.id, q.kind, q.label, q.hint, q.choices, _number(q.minimum),
                          _number(q.maximum), "1" if q.integer else "any", q.max_length, error)


def background_config(q: BackgroundItem) -> dict[str, Any]:
    """What the script checks before a background answer goes into the CSV."""
    spec: dict[str, Any] = {"id": q.id, "kind": q.kind}
    if q.kind == "single":
        spec["codes"] = [c.code for c in q.choices]
    elif q.kind == "number":
        spec.update(min=q.minimum, max=q.maximum, integer=q.integer)
    else:
        spec["maxLength"] = q.max_length
    return spec


def _practice_views(instrument: Instrument, area: NamedRef,
                    stage_name: Mapping[str, str]) -> tuple[list[PracticeView], list[PracticeView]]:
    """The area's asked practices: their gate-stage stems, and their other stems."""
    gate = instrument.gate_stage
    items = instrument.items_of_area(area.id)
    tier1, tier2 = [], []
    for p in instrument.practices_of_area(area.id):
        stems = [StemView(i.id, i.stage, stage_name[i.stage], i.text)
                 for i in items if i.practice == p.id]
        first = tuple(s for s in stems if s.stage == gate)
        rest = tuple(s for s in stems if s.stage != gate)
        if first:
            tier1.append(PracticeView(p.id, p.code, p.name, p.glossary, p.note, first))
        if rest:
            tier2.append(PracticeView(p.id, p.code, p.name, p.glossary, p.note, rest))
    return tier1, tier2


def _sections(instrument: Instrument, t: i18n.Text):
    """The page's area sections (asked or skipped, in bank order) and the script's areas."""
    stage_name = {s.id: s.name for s in instrument.stages}
    asked = {a.id for a in instrument.asked_areas}
    sections: list[AreaView | SkippedAreaView] = []
    config_areas = []
    for area in instrument.areas:
        if area.id not in asked:
            if not area.applicable:
                line = t.gettext("This area does not apply here and is left out of the "
                                 "questionnaire: {reason}.").format(reason=_sentence(area.reason))
                sections.append(SkippedAreaView(area.id, area.number, area.name, line))
            continue
        tier1, tier2 = _practice_views(instrument, area, stage_name)
        sections.append(AreaView(area.id, area.number, area.name, tuple(tier1), tuple(tier2),
                                 left_out_line(instrument, area, t)))
        config_areas.append({"id": area.id, "name": area.name,
                             "gate": [s.id for p in tier1 for s in p.stems],
                             "rest": [s.id for p in tier2 for s in p.stems]})
    return tuple(sections), config_areas


# --------------------------------------------------------------------------- context
def context(instrument: Instrument) -> QuestionnaireContext:
    _check_templates()
    t = i18n.text(instrument.language)
    stage_name = {s.id: s.name for s in instrument.stages}
    gate = instrument.gate_stage
    others = [s for s in instrument.stages if s.id != gate]

    def quoted(names: list[str]) -> str:
        pair = t.pgettext("quoted names in a row", "{first}, {second}")
        quote = t.pgettext("quotation marks around a name", "“{text}”")
        quotes = [quote.format(text=n) for n in names]
        return reduce(lambda a, b: pair.format(first=a, second=b), quotes) if quotes else ""

    gate_q = quoted([stage_name[gate]])
    sections, config_areas = _sections(instrument, t)
    config = {
        "instrument": instrument.id,
        "storageKey": storage_key(instrument),
        "header": contract.header(instrument),
        "idColumns": list(contract.ID_COLUMNS),
        "background": [background_config(q) for q in instrument.background],
        "gateStage": gate,
        "rule": instrument.rule.layout(),
        "missing": list(instrument.scale.missing),
        "codes": list(instrument.scale.all_codes),
        "areas": config_areas,
        "gateName": gate_q,
        "messages": script_messages(t),
    }
    css = _asset("questionnaire.css", "</style")
    js = _asset("questionnaire.js", "</script")
    texts = instrument.texts
    return QuestionnaireContext(
        html_lang=contract.html_lang(instrument.language),
        instrument_id=instrument.id,
        title=texts.get("title", instrument.bank_title),
        bank_title=instrument.bank_title,
        profile_name=instrument.profile_name,
        preamble=texts.get("preamble", ""),
        duration=duration_text(instrument, t),
        instructions=texts.get("instructions", ""),
        confidentiality=texts.get("confidentiality", ""),
        return_text=texts.get("return", ""),
        thanks=texts.get("thanks", ""),
        sentence_sep=t.sentence_sep,
        substantive=instrument.scale.substantive,
        non_substantive=instrument.scale.non_substantive,
        scale_name=instrument.scale.name,
        stages=tuple(StageView(s.id, s.name, s.definition) for s in instrument.stages),
        background=tuple(background_view(q, t) for q in instrument.background),
        sections=sections,
        tier1_heading=t.gettext("Part 1: {stages}").format(stages=stage_name[gate]),
        tier2_heading=t.gettext("Part 2: {stages}").format(
            stages=t.pgettext("list separator", ", ").join(s.name for s in others)),
        nojs_note=t.gettext("Your browser is not running this page's script, so every statement "
                            "is shown and nothing is saved automatically. Please answer every "
                            "statement (stages that do not apply are not used in scoring). When "
                            "you have finished, print this page (or save it as PDF) and return "
                            "it as the researcher asked."),
        js_intro=t.gettext("Each knowledge area starts with its {gate} statements. Once you "
                           "have answered them, the area's {others} statements appear when they "
                           "apply; when they do not, go on to the next area.").format(
                               gate=gate_q, others=quoted([s.name for s in others])),
        config_json=contract.script_json(config),
        css=Markup(css),
        js=Markup(js),
        csp=contract.content_policy(css, js),
    )


def render_html(instrument: Instrument) -> str:
    ctx = context(instrument)
    env = contract.environment(str(TEMPLATES), instrument.language)
    return env.get_template(TEMPLATE).render(ctx=ctx)


def render(instrument: Instrument, settings: RenderSettings) -> dict[str, bytes]:
    """``{"questionnaire.html": bytes}``; ``settings`` (paper, font) do not apply to HTML."""
    return {"questionnaire.html": render_html(instrument).encode("utf-8")}
