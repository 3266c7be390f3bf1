"""The instrument as an XLSForm workbook, for KoboToolbox and ODK.

One workbook carries every language of the bank (``label::Chinese (zh)``
columns). The first-tier gate becomes XPath ``calculate`` fields per area, the
same rule as ``instrument.gating.achieved``: missing codes (9) never count, the
mean rule compares ``sum >= threshold * answered``, the count rule counts stems
marked ``min_code`` or higher. The M, C and I stems of an area sit in a group
whose ``relevant`` is that gate, so ODK and Kobo skip them exactly as the HTML
page does, and the exported data has blanks where the scorer expects them.
"""

from __future__ import annotations

import re
from typing import Sequence

from .gating import required_count
from .model import Instrument
from .tables import save_workbook

LANGUAGE_NAMES = {"zh-TW": "Chinese", "en": "English"}


def language_column(lang: str) -> str:
    """XLSForm's 'Name (code)' language form, e.g. 'Chinese (zh)'.

    pyxform (and so Kobo/ODK) accept only a primary IANA subtag in the parentheses,
    so zh-TW is written as (zh); the name keeps the two languages apart.
    """
    return f"{LANGUAGE_NAMES.get(lang, lang)} ({lang.split('-')[0]})"


def _substantive(field: str, missing: tuple[int, ...]) -> str:
    """XPath: the field holds an answer that is not a missing code."""
    parts = [f"{field} != ''"] + [f"{field} != '{code}'" for code in missing]
    return " and ".join(parts)


def gate_expressions(inst: Instrument, area: str) -> list[tuple[str, str]]:
    """(calculate name, XPath) rows for one area's gate; the last one is the gate (1/0)."""
    stems = [i.id for i in inst.items_of_area(area) if i.stage == inst.gate_stage]
    missing = inst.scale.missing
    rule = inst.rule
    if rule.kind == "mean":
        total = " + ".join(f"if({_substantive('${' + s + '}', missing)}, number(${{{s}}}), 0)"
                           for s in stems)
        count = " + ".join(f"if({_substantive('${' + s + '}', missing)}, 1, 0)" for s in stems)
        return [
            (f"gate_{area}_sum", total),
            (f"gate_{area}_n", count),
            (f"gate_{area}", f"if(${{gate_{area}_n}} > 0 and ${{gate_{area}_sum}} >= "
                             f"{rule.threshold!r} * ${{gate_{area}_n}} - 0.000000001, 1, 0)"),
        ]
    hits = " + ".join(
        f"if({_substantive('${' + s + '}', missing)} and number(${{{s}}}) >= {rule.min_code}, 1, 0)"
        for s in stems)
    return [(f"gate_{area}_hits", hits),
            (f"gate_{area}", f"if(${{gate_{area}_hits}} >= {required_count(rule, len(stems))}, 1, 0)")]


def form_id(inst: Instrument) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{inst.id}_{inst.profile_id}")


def xlsform(instruments: Sequence[Instrument]) -> bytes:
    """One workbook from the same instrument compiled in several languages."""
    from openpyxl import Workbook

    first = instruments[0]
    assert all(i.id == first.id and i.profile_id == first.profile_id for i in instruments)
    langs = [language_column(i.language) for i in instruments]
    by_lang = list(instruments)
    scale_list = first.scale.id

    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    columns = ["type", "name", *[f"label::{lang}" for lang in langs],
               *[f"hint::{lang}" for lang in langs], "required", "relevant", "calculation",
               "appearance"]
    survey.append(columns)

    def row(type_: str, name: str, labels: Sequence[str] = (), hints: Sequence[str] = (),
            required: str = "", relevant: str = "", calculation: str = "",
            appearance: str = "") -> None:
        labels = list(labels) or [""] * len(langs)
        hints = list(hints) or [""] * len(langs)
        survey.append([type_, name, *labels, *hints, required, relevant, calculation, appearance])

    row("note", "preamble", [i.texts["preamble"] for i in by_lang],
        [i.texts["confidentiality"] for i in by_lang])
    row("note", "instructions", [i.texts["instructions"] for i in by_lang])
    row("text", "respondent_id", [_respondent_label(i) for i in by_lang], required="yes")
    row("text", "organisation", [_organisation_label(i) for i in by_lang])
    row("calculate", "instrument", calculation=f"'{first.id}'")
    row("calculate", "wave", calculation="''")

    for a_index, area in enumerate(first.areas):
        row("begin_group", f"area_{area.id}", [i.areas[a_index].name for i in by_lang],
            appearance="field-list")
        for stage in first.stages:
            higher = stage.id != first.gate_stage
            if higher:
                row("begin_group", f"{area.id}_{stage.id}",
                    [f"{i.areas[a_index].name}: {next(s.name for s in i.stages if s.id == stage.id)}"
                     for i in by_lang],
                    relevant=f"${{gate_{area.id}}} = 1")
            for item in first.items_of_area(area.id):
                if item.stage != stage.id:
                    continue
                texts = [i.item(item.id) for i in by_lang]
                practice = [next(p for p in i.practices if p.id == item.practice) for i in by_lang]
                labels = [f"{p.code} {p.name} [{item.id}]: {t.text}" for p, t in zip(practice, texts)]
                hints = [p.glossary for p in practice] if not higher else []
                row(f"select_one {scale_list}", item.id, labels, hints)
            if higher:
                row("end_group", "")
            else:
                for name, expr in gate_expressions(first, area.id):
                    row("calculate", name, calculation=expr)
        row("end_group", "")
    row("note", "thanks", [i.texts["thanks"] for i in by_lang])

    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", *[f"label::{lang}" for lang in langs]])
    for k, code in enumerate(first.scale.codes):
        choices.append([scale_list, str(code.code), *[i.scale.codes[k].label for i in by_lang]])

    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([first.texts["title"], form_id(first), first.bank_version.replace(".", ""),
                     langs[0]])

    return save_workbook(wb)


def _respondent_label(inst: Instrument) -> str:
    return "受訪者編號" if inst.language.startswith("zh") else "Respondent ID"


def _organisation_label(inst: Instrument) -> str:
    return "機關／單位" if inst.language.startswith("zh") else "Organisation"
