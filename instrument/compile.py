"""Bank x profile x language x options -> Instrument. Pure: no file I/O.

The profile's practice-level choices are resolved here, and only here:
``stem_template`` picks the profile's own stem or the bank's, ``example`` fills the
stem's ``{eg}`` slot (the profile's example, else the bank's, else nothing),
``not_applicable`` says which practices are not asked. The linter renders stems
with the same functions, so it checks exactly what respondents read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

from . import substitute as subst
from .errors import InstrumentError, Location, did_you_mean, problem
from .model import (Bank, BackgroundItem, GateRule, Instrument, Item, Label, NamedRef, Practice,
                    PracticeText, Profile, Question, ResolvedScale, Text, layout_id)

SLOT = "eg"


@dataclass(frozen=True)
class Options:
    """Choices that change the data layout, so they are part of the instrument id."""

    scale: str | None = None  # default: the bank's default scale
    rule: str | None = None  # default: the bank's default rule
    threshold: float | None = None  # override the rule's threshold (mean) for this scale
    stages: tuple[str, ...] | None = None  # default: all stages of the bank


def _choice(kind: str, value: str | None, default: str, known: list[str]) -> str:
    if value is None:
        return default
    if value not in known:
        raise InstrumentError([problem("BUILD_002", Location("command line"), kind=kind, name=value,
                                       suggestion=did_you_mean(value, known),
                                       known=", ".join(known))])
    return value


def _check_threshold(threshold: float | None, rule, scale: ResolvedScale) -> None:
    """A threshold override must be a number on the scale, for a mean rule: NaN would close
    every gate, and a value below the lowest code would open every one."""
    if threshold is None:
        return
    valid = scale.valid
    if rule.kind != "mean":
        detail, fix = (f"does not apply to rule '{rule.id}' ({rule.kind})",
                       "leave --threshold out, or choose a mean rule with --rule")
    elif not (math.isfinite(threshold) and min(valid) <= threshold <= max(valid)):
        detail, fix = (f"is outside scale {scale.id} ({min(valid):g} to {max(valid):g})",
                       f"give a value from {min(valid):g} to {max(valid):g}, e.g. "
                       "--threshold 3.5")
    else:
        return
    raise InstrumentError([problem("BUILD_007", Location("command line"), value=f"{threshold:g}",
                                   detail=detail, fix=fix)])


def gate_rule(bank: Bank, rule_id: str, scale_id: str, language: str,
              threshold: float | None = None) -> GateRule:
    """Fix a bank rule's parameters for one scale."""
    rule = bank.rule(rule_id)
    if rule.kind == "mean":
        return GateRule(rule.id, "mean", threshold=float(threshold if threshold is not None
                                                          else rule.threshold[scale_id]),
                        description=rule.description[language], min_answered=rule.min_answered)
    return GateRule(rule.id, "count", min_code=int(rule.min_code[scale_id]), share=rule.share,
                    description=rule.description[language], min_answered=rule.min_answered)


# --------------------------------------------------------------------------- profile choices
def not_applicable(bank: Bank, profile: Profile) -> dict[str, Text]:
    """Practice id -> why it is not asked: its own reason, else its area's."""
    out: dict[str, Text] = {}
    for p in bank.practices:
        reason = profile.override(p.id).not_applicable or profile.areas.get(p.area)
        if reason is not None:
            out[p.id] = reason
    return out


def stem_template(profile: Profile, practice: Practice, stage: str) -> tuple[Text, str]:
    """The stem as written, before substitution, and who wrote it ('profile' or 'bank').

    A profile's own stem replaces the bank's only where the bank's practice has a stem
    at that stage (a profile may also serve a short form whose practices have fewer)."""
    own = profile.override(practice.id).stems.get(stage)
    if own is not None and stage in practice.stems:
        return own, "profile"
    return practice.stems[stage], "bank"


def example_template(profile: Profile, practice: Practice, stage: str,
                     language: str) -> tuple[str, str]:
    """The example for a stem's {eg} slot as written ('' = none), and who gave it."""
    own = profile.override(practice.id).examples.get(stage)
    if own is not None and language in own:
        return own[language], "profile"
    return practice.examples.get(stage, {}).get(language, ""), "bank"


def example(bank: Bank, profile: Profile, practice: Practice, stage: str, language: str,
            words: Mapping[str, str]) -> str:
    """What the {eg} slot of a stem becomes: the example in the bank's example format."""
    text, _ = example_template(profile, practice, stage, language)
    if not text.strip():
        return ""
    return subst.substitute(bank.example_format[language],
                            {"text": subst.substitute(text, words)})


def stem(bank: Bank, profile: Profile, practice: Practice, stage: str, language: str,
         words: Mapping[str, str]) -> str:
    """The stem a respondent reads."""
    template, _ = stem_template(profile, practice, stage)
    slot = {SLOT: example(bank, profile, practice, stage, language, words)}
    return subst.substitute(template[language], {**words, **slot})


def terms(profile: Profile, language: str) -> dict[str, str]:
    return {name: text[language] for name, text in profile.terms.items()}


def _question(q: Question, profile: Profile, language: str,
              r) -> BackgroundItem:
    o = profile.background.get(q.id)
    label = o.label if o and o.label else q.label
    hint = o.hint if o and o.hint else q.hint
    choices = o.choices if o and o.choices is not None else q.choices
    return BackgroundItem(q.id, q.kind, r(label), r(hint) if hint else "",
                          tuple(Label(c.code, r(c.label)) for c in choices),
                          q.minimum, q.maximum, q.integer, q.max_length)


# --------------------------------------------------------------------------- compile
def compile_instrument(bank: Bank, profile: Profile, language: str,
                       options: Options = Options()) -> Instrument:
    """Resolve every text for one language and profile; the single source of item ids."""
    if language not in bank.languages:
        raise InstrumentError([problem("BANK_011", Location("command line"), lang=language,
                                       langs=", ".join(bank.languages))])
    scale_id = _choice("scale", options.scale, bank.default_scale, [s.id for s in bank.scales])
    rule_id = _choice("rule", options.rule, bank.default_rule, [r.id for r in bank.rules])
    all_stages = [s.id for s in bank.stages]
    stages = options.stages or tuple(all_stages)
    for sid in stages:
        _choice("stage", sid, sid, all_stages)
    if bank.gate_stage not in stages:
        stages = (bank.gate_stage, *stages)
    stages = tuple(s for s in all_stages if s in stages)  # keep bank order

    words = terms(profile, language)

    def r(text: Text) -> str:
        return subst.substitute(text[language], words)

    scale = bank.scale(scale_id)
    resolved_scale = ResolvedScale(scale.id, r(scale.name),
                                   tuple(Label(c.code, r(c.label), c.missing) for c in scale.codes))
    _check_threshold(options.threshold, bank.rule(rule_id), resolved_scale)
    rule = gate_rule(bank, rule_id, scale_id, language, options.threshold)
    skipped = not_applicable(bank, profile)
    in_order = [p for area in bank.areas for p in bank.practices if p.area == area.id]
    items = tuple(
        Item(id=f"{p.id}_{sid}", practice=p.id, area=p.area, group=p.group, stage=sid,
             text=stem(bank, profile, p, sid, language, words))
        for p in in_order if p.id not in skipped for sid in stages if sid in p.stems
    )
    background = tuple(_question(q, profile, language, r) for q in bank.background
                       if not (profile.background.get(q.id)
                               and profile.background[q.id].not_applicable))
    practices = tuple(
        PracticeText(p.id, p.code, p.area, p.group, r(p.name), r(p.glossary),
                     note=r(profile.override(p.id).note) if profile.override(p.id).note else "",
                     applicable=p.id not in skipped,
                     reason=r(skipped[p.id]) if p.id in skipped else "")
        for p in in_order)
    asked_areas = {i.area for i in items}
    areas = tuple(NamedRef(a.id, r(a.name), number=a.number, applicable=a.id in asked_areas,
                           reason=r(profile.areas[a.id]) if a.id in profile.areas else "")
                  for a in bank.areas)
    return Instrument(
        id=layout_id(bank.id, bank.version, tuple(i.id for i in items), resolved_scale, rule,
                     bank.gate_stage, background),
        bank_id=bank.id, bank_version=bank.version, bank_title=r(bank.title),
        profile_id=profile.id, profile_name=r(profile.name), language=language,
        texts={key: subst.substitute(value[language], {**words, **resolved_scale.words()})
               for key, value in profile.texts.items()},
        stages=tuple(NamedRef(s.id, r(s.name), definition=r(s.definition))
                     for s in bank.stages if s.id in stages),
        areas=areas,
        groups=tuple(NamedRef(g.id, r(g.name)) for g in bank.groups),
        practices=practices, items=items, scale=resolved_scale, rule=rule,
        gate_stage=bank.gate_stage, background=background,
        seconds_per_stem=bank.seconds_per_stem,
    )
