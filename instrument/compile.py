"""Bank x profile x language x options -> Instrument. Pure: no file I/O."""

from __future__ import annotations

import math

from dataclasses import dataclass

from . import substitute as subst
from .errors import InstrumentError, Location, did_you_mean, problem
from .model import (Bank, GateRule, Instrument, Item, Label, NamedRef, PracticeText, Profile,
                    ResolvedScale, layout_id)


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
                        description=rule.description[language])
    return GateRule(rule.id, "count", min_code=int(rule.min_code[scale_id]), share=rule.share,
                    description=rule.description[language])


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

    words = {name: text[language] for name, text in profile.terms.items()}

    def r(text: dict) -> str:
        return subst.substitute(text[language], words)

    scale = bank.scale(scale_id)
    resolved_scale = ResolvedScale(scale.id, r(scale.name),
                                   tuple(Label(c.code, r(c.label), c.missing) for c in scale.codes))
    _check_threshold(options.threshold, bank.rule(rule_id), resolved_scale)
    rule = gate_rule(bank, rule_id, scale_id, language, options.threshold)
    items = tuple(
        Item(id=f"{p.id}_{sid}", practice=p.id, area=p.area, group=p.group, stage=sid,
             text=r(p.stems[sid]))
        for area in bank.areas for p in bank.practices if p.area == area.id
        for sid in stages
    )
    return Instrument(
        id=layout_id(bank.id, bank.version, tuple(i.id for i in items), resolved_scale, rule,
                     bank.gate_stage),
        bank_id=bank.id, bank_version=bank.version, bank_title=r(bank.title),
        profile_id=profile.id, profile_name=r(profile.name), language=language,
        texts={key: r(value) for key, value in profile.texts.items()},
        stages=tuple(NamedRef(s.id, r(s.name), definition=r(s.definition))
                     for s in bank.stages if s.id in stages),
        areas=tuple(NamedRef(a.id, r(a.name), number=a.number) for a in bank.areas),
        groups=tuple(NamedRef(g.id, r(g.name)) for g in bank.groups),
        practices=tuple(PracticeText(p.id, p.code, p.area, p.group, r(p.name), r(p.glossary))
                        for area in bank.areas for p in bank.practices if p.area == area.id),
        items=items, scale=resolved_scale, rule=rule, gate_stage=bank.gate_stage,
    )
