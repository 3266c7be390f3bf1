"""The instrument as an XLSForm workbook, for KoboToolbox and ODK.

One workbook carries every language of the bank (``label::Chinese (zh)``
columns). The order is the questionnaire's: the background questions (each with
its own choice list, or a range or length ``constraint``), then area by area the
gate-stage (S) stems, the gate, and the area's M, C and I stems. Practices and
areas the profile declares not applicable have no rows; a note says which and why.

The first-tier gate is XPath ``calculate`` fields per area, the exact twin of
``instrument.gating.judge``: a stem counts as answered when it holds a
substantive code (not blank, not 8 or 9); the area is *rated* only with at least
``gating.required_answers`` answers, and then passes by the mean rule (the mean
of the answers reaches the threshold) or the count rule (at least
``gating.required_count`` stems marked ``min_code`` or higher). Each higher
stage is a group whose ``relevant`` is that gate, so ODK and Kobo skip it exactly
as the HTML page does and the export has blanks where the scorer expects them.

Each stage is one screen (``field-list``; ``style: pages`` for Enketo), so the
gate is applied when the respondent leaves the S screen: the higher stages never
appear and vanish beside the S stems while they are being answered.
"""

from __future__ import annotations

import re
from typing import Sequence

from babel import Locale, UnknownLocaleError

from . import i18n
from .contract import id_label
from .gating import required_answers, required_count
from .model import BackgroundItem, Instrument
from .tables import plain_number, save_workbook


def language_column(lang: str) -> str:
    """XLSForm's 'Name (code)' language form, e.g. 'Chinese (zh)'.

    pyxform (and so Kobo/ODK) accept only a primary IANA subtag in the parentheses,
    so zh-TW is written as (zh). The name is the language's English name from CLDR
    (Babel), or the tag itself where CLDR has none.
    """
    primary = lang.split("-")[0]
    try:
        name = Locale.parse(primary).get_display_name("en")
    except (ValueError, UnknownLocaleError):
        name = lang
    return f"{name} ({primary})"


# --------------------------------------------------------------------------- XPath
def _substantive(field: str, missing: tuple[int, ...]) -> str:
    """XPath: the field holds an answer that is not a non-substantive code (8, 9)."""
    parts = [f"{field} != ''"] + [f"{field} != '{code}'" for code in missing]
    return " and ".join(parts)


def gate_stems(inst: Instrument, area: str) -> list[str]:
    return [i.id for i in inst.items_of_area(area) if i.stage == inst.gate_stage]


def gate_expressions(inst: Instrument, area: str) -> list[tuple[str, str]]:
    """(calculate name, XPath) rows for one area's gate; the last one is the gate (1/0).

    ``gate_A_n`` counts the substantive answers; the gate needs at least
    ``required_answers`` of them (the set is rated), and then the mean of the answers
    (``gate_A_sum div gate_A_n``) at or above the threshold, or ``gate_A_hits`` (stems
    marked ``min_code`` or higher) at least ``required_count``. The names are the ones
    the Kobo adapter drops (``gate_A``, ``_sum``, ``_n``, ``_hits``).
    """
    stems = gate_stems(inst, area)
    rule = inst.rule
    answered = {s: _substantive(f"${{{s}}}", inst.scale.missing) for s in stems}
    n, total, hits = f"gate_{area}_n", f"gate_{area}_sum", f"gate_{area}_hits"
    need = required_answers(rule, len(stems))
    rows = [(n, " + ".join(f"if({answered[s]}, 1, 0)" for s in stems))]
    if rule.kind == "mean":
        rows.append((total, " + ".join(f"if({answered[s]}, number(${{{s}}}), 0)" for s in stems)))
        # a mean needs one answer even where the rule asks for none (format-1 rules)
        test = (f"${{{n}}} >= {max(need, 1)} and ${{{total}}} div ${{{n}}} >= "
                f"{plain_number(rule.threshold)} - 0.000000001")
    elif rule.kind == "count":
        rows.append((hits, " + ".join(
            f"if({answered[s]} and number(${{{s}}}) >= {rule.min_code}, 1, 0)" for s in stems)))
        rated = f"${{{n}}} >= {need} and " if need else ""
        test = f"{rated}${{{hits}}} >= {required_count(rule, len(stems))}"
    else:
        raise ValueError(f"unknown rule kind {rule.kind!r}")
    return [*rows, (f"gate_{area}", f"if({test}, 1, 0)")]


# --------------------------------------------------------------------------- rows
def number_constraint(q: BackgroundItem) -> str:
    """XPath constraint of a number question ('' when it has no bounds)."""
    parts = ([f". >= {plain_number(q.minimum)}"] if q.minimum is not None else []) + \
            ([f". <= {plain_number(q.maximum)}"] if q.maximum is not None else [])
    return " and ".join(parts)


def constraint_message(q: BackgroundItem, language: str) -> str:
    """What the form says when a background answer is out of range or too long."""
    t = i18n.text(language)
    if q.kind == "text":
        return t.gettext("At most {n} characters.").format(n=q.max_length)
    low = "" if q.minimum is None else plain_number(q.minimum)
    high = "" if q.maximum is None else plain_number(q.maximum)
    kind = t.pgettext("a number question's kind", "number")
    if q.integer:
        kind = t.pgettext("a number question's kind", "whole number")
    if low and high:
        return t.gettext("Enter a {kind} from {low} to {high}.").format(low=low, high=high,
                                                                        kind=kind)
    if low:
        return t.gettext("Enter a {kind} of at least {low}.").format(low=low, kind=kind)
    if high:
        return t.gettext("Enter a {kind} of at most {high}.").format(high=high, kind=kind)
    return ""


def not_asked_text(inst: Instrument) -> str:
    """One line: the areas and practices not asked, each with the profile's reason."""
    t = i18n.text(inst.language)
    whole = [a for a in inst.areas if not a.applicable and a.reason]
    covered = {a.id for a in whole}
    area = t.gettext("{name} (the whole area): {reason}")
    practice = t.pgettext("a practice left out, and why", "{code} {name}: {reason}")
    entries = [area.format(name=a.name, reason=_clause(a.reason)) for a in whole]
    entries += [practice.format(code=p.code, name=p.name, reason=_clause(p.reason))
                for p in inst.not_applicable if p.area not in covered]
    if not entries:
        return ""
    sep = t.pgettext("between the entries of a list of reasons", "; ")
    return t.gettext("Not asked, because they do not apply here: {entries}.").format(
        entries=sep.join(entries))


def _clause(reason: str) -> str:
    """A reason without its closing full stop, to stand in a list of reasons."""
    return reason.strip().rstrip("。.")


def _hint(practice) -> str:
    return f"{practice.glossary}\n{practice.note}" if practice.note else practice.glossary


class _Survey:
    """The survey sheet: one method per kind of row, every language side by side."""

    def __init__(self, sheet, instruments: Sequence[Instrument]):
        self.sheet, self.insts = sheet, list(instruments)
        langs = [language_column(i.language) for i in self.insts]
        per_lang = [f"{column}::{lang}" for column in ("label", "hint", "constraint_message")
                    for lang in langs]
        self.columns = ["type", "name", *per_lang, "required", "relevant", "calculation",
                        "constraint", "appearance"]
        sheet.append(self.columns)

    def row(self, type_: str, name: str, labels: Sequence[str] = (), hints: Sequence[str] = (),
            messages: Sequence[str] = (), **cells: str) -> None:
        blank = [""] * len(self.insts)
        per_lang = [*(labels or blank), *(hints or blank), *(messages or blank)]
        fixed = [cells.pop(c, "") for c in self.columns[2 + len(per_lang):]]
        assert not cells, f"unknown survey columns {sorted(cells)}"
        self.sheet.append([type_, name, *per_lang, *fixed])

    def each(self, text) -> list[str]:
        """A text per language, from a function of one language's instrument."""
        return [text(i) for i in self.insts]


def _how_to(inst: Instrument, gate: str) -> str:
    """The instructions' hint: the gate stage first, and how long it takes."""
    t = i18n.text(inst.language)
    low, high = inst.minutes()
    routing = t.gettext("In each knowledge area, answer the {gate} statements first; depending "
                        "on your answers, the area's other stages may follow.")
    duration = t.gettext("It takes about {low} to {high} minutes, depending on how many "
                         "statements you are asked.")
    return "\n".join([routing.format(gate=gate), duration.format(low=low, high=high)])


def _intro(survey: _Survey) -> None:
    first = survey.insts[0]
    gate = {i.language: next(s.name for s in i.stages if s.id == i.gate_stage)
            for i in survey.insts}
    survey.row("note", "preamble", survey.each(lambda i: i.texts["preamble"]),
               survey.each(lambda i: i.texts["confidentiality"]))
    survey.row("note", "instructions", survey.each(lambda i: i.texts["instructions"]),
               survey.each(lambda i: _how_to(i, gate[i.language])))
    if not_asked_text(first):
        survey.row("note", "not_asked", survey.each(not_asked_text))
    survey.row("text", "respondent_id",
               survey.each(lambda i: id_label("respondent_id", i.language)), required="yes")
    survey.row("text", "organisation", survey.each(lambda i: id_label("organisation", i.language)))
    survey.row("calculate", "instrument", calculation=f"'{first.id}'")
    survey.row("calculate", "wave", calculation="''")


def _background(survey: _Survey) -> None:
    first = survey.insts[0]
    if not first.background:
        return
    survey.row("begin_group", "background",
               survey.each(lambda i: i18n.text(i.language).gettext("About you")),
               appearance="field-list")
    for k, q in enumerate(first.background):
        labels = survey.each(lambda i: i.background[k].label)
        hints = survey.each(lambda i: i.background[k].hint)
        if q.kind == "single":
            survey.row(f"select_one {q.id}", q.id, labels, hints)
            continue
        number = q.kind == "number"
        constraint = number_constraint(q) if number else f"string-length(.) <= {q.max_length}"
        survey.row(("integer" if q.integer else "decimal") if number else "text", q.id, labels,
                   hints, survey.each(lambda i: constraint_message(q, i.language))
                   if constraint else (), constraint=constraint)
    survey.row("end_group", "")


def _area(survey: _Survey, area: str) -> None:
    """One area: its S screen, the gate, then a screen per higher stage (relevant: the gate)."""
    first = survey.insts[0]

    def area_name(i: Instrument) -> str:
        return next(a.name for a in i.areas if a.id == area)

    def stage_name(i: Instrument, stage: str) -> str:
        return next(s.name for s in i.stages if s.id == stage)

    survey.row("begin_group", f"area_{area}", survey.each(area_name))
    for stage in first.stage_ids:
        gate = stage == first.gate_stage
        survey.row("begin_group", f"{area}_{stage}",
                   survey.each(lambda i: i18n.text(i.language).pgettext(
                       "an area's name and a stage's", "{area}: {stage}").format(
                       area=area_name(i), stage=stage_name(i, stage))),
                   relevant="" if gate else f"${{gate_{area}}} = 1", appearance="field-list")
        for item in first.items_of_area(area):
            if item.stage != stage:
                continue
            practice = survey.each(lambda i: i.practice(item.practice))
            labels = [f"{p.code} {p.name} [{item.id}]: {i.item(item.id).text}"
                      for p, i in zip(practice, survey.insts)]
            survey.row(f"select_one {first.scale.id}", item.id, labels,
                       [_hint(p) for p in practice] if gate else ())
        survey.row("end_group", "")
        if gate:
            for name, expr in gate_expressions(first, area):
                survey.row("calculate", name, calculation=expr)
    survey.row("end_group", "")


def _choices(sheet, instruments: Sequence[Instrument]) -> None:
    """The scale's list (every code, 8 and 9 last as the bank orders them), then one list
    per single-choice background question, named after the question."""
    first = instruments[0]
    sheet.append(["list_name", "name",
                  *[f"label::{language_column(i.language)}" for i in instruments]])
    for k, code in enumerate(first.scale.codes):
        sheet.append([first.scale.id, str(code.code), *[i.scale.codes[k].label for i in instruments]])
    for q_index, q in enumerate(first.background):
        for k, choice in enumerate(q.choices):
            sheet.append([q.id, str(choice.code),
                          *[i.background[q_index].choices[k].label for i in instruments]])


def form_id(inst: Instrument) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{inst.id}_{inst.profile_id}")


def xlsform(instruments: Sequence[Instrument]) -> bytes:
    """One workbook from the same instrument compiled in several languages."""
    from openpyxl import Workbook

    first = instruments[0]
    assert all(i.id == first.id and i.profile_id == first.profile_id for i in instruments)

    wb = Workbook()
    wb.active.title = "survey"
    survey = _Survey(wb.active, instruments)
    _intro(survey)
    _background(survey)
    for area in first.asked_areas:
        _area(survey, area.id)
    survey.row("note", "thanks", survey.each(lambda i: i.texts["thanks"]))

    _choices(wb.create_sheet("choices"), instruments)

    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language", "style"])
    settings.append([first.texts["title"], form_id(first), first.bank_version.replace(".", ""),
                     language_column(first.language), "pages"])

    return save_workbook(wb)
