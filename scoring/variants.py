"""Returns of several forms of one questionnaire, scored together.

A profile that declares practices not applicable asks fewer stems, so its forms
have their own instrument id: the Smart City form leaves out procurement, the PB
form asks it. Researchers still compare the two side by side. Forms of one
*family* (same bank and version, stages, scale, rule and gate:
``Instrument.family``) can be scored in one run: ``Variants.of`` builds the
union questionnaire (every stem any of them asks, in bank order) and a table of
which stems and background questions each form asks. Each respondent row is
scored with its own form's stems: a stem its form does not ask is neither an
answer nor part of any set (``gating.judge``'s ``asked``), so a unit that no stem
of the form belongs to is *not applicable* for that respondent, never 0.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from instrument.errors import InstrumentError, Location, problem
from instrument.model import BackgroundItem, Instrument, Label


@dataclass(frozen=True)
class Variants:
    """The union questionnaire and, per form (``members``), what it asks."""

    instrument: Instrument  # the union; the first member's wording
    members: tuple[Instrument, ...]
    asked: np.ndarray  # members x instrument.item_ids, bool
    asked_background: np.ndarray  # members x instrument.background_ids, bool

    @classmethod
    def single(cls, instrument: Instrument) -> "Variants":
        return cls(instrument, (instrument,),
                   np.ones((1, len(instrument.items)), dtype=bool),
                   np.ones((1, len(instrument.background)), dtype=bool))

    @classmethod
    def of(cls, instruments: Sequence[Instrument]) -> "Variants":
        """The forms in the order given (the first names the labels); raises SCORE_003 when
        they are not one family."""
        members = tuple(dict((i.id, i) for i in instruments).values())  # one per id
        if len(members) == 1:
            return cls.single(members[0])
        first = members[0]
        foreign = [m for m in members[1:] if m.family != first.family]
        if foreign:
            ids = "; ".join(f"'{m.id}' ({m.bank_id} {m.bank_version}, {m.profile_id})"
                            for m in (first, *foreign))
            raise InstrumentError([problem("SCORE_003", Location("command line"),
                                           n=len(foreign) + 1, ids=ids)])
        union = _union(members)
        asked = np.array([[item in set(m.item_ids) for item in union.item_ids]
                          for m in members], dtype=bool)
        asked_bg = np.array([[q in set(m.background_ids) for q in union.background_ids]
                             for m in members], dtype=bool)
        return cls(union, members, asked, asked_bg)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.members)

    def index(self, instrument_id: str) -> int | None:
        return next((k for k, m in enumerate(self.members) if m.id == instrument_id), None)

    @property
    def uniform(self) -> bool:
        """Every form asks every stem of the union (one form, or forms of one layout)."""
        return bool(self.asked.all())

    def relabelled(self, versions: Sequence[Instrument]) -> "Variants":
        """The same forms in other wording (another language): ``versions`` holds, per
        member id, the same questionnaire compiled again; members without one keep theirs."""
        by_id = {v.id: v for v in versions}
        members = tuple(by_id.get(m.id, m) for m in self.members)
        if len(members) == 1:
            return dataclasses.replace(self, instrument=members[0], members=members)
        return dataclasses.replace(self, instrument=_union(members), members=members)


def _union(members: Sequence[Instrument]) -> Instrument:
    """Every item, practice, area and background question of the members, in bank order."""
    first = members[0]
    items = {i.id: i for m in reversed(members) for i in m.items}  # the first member's text wins
    stage_order = {s: k for k, s in enumerate(first.stage_ids)}
    practice_order = {p.id: k for k, p in enumerate(first.practices)}
    ordered = sorted(items.values(), key=lambda i: (practice_order[i.practice],
                                                    stage_order[i.stage]))
    asked_practices = {i.practice for i in ordered}
    practices = tuple(dataclasses.replace(p, applicable=p.id in asked_practices,
                                          reason="" if p.id in asked_practices else p.reason)
                      for p in first.practices)
    asked_areas = {i.area for i in ordered}
    areas = tuple(dataclasses.replace(a, applicable=a.id in asked_areas,
                                      reason="" if a.id in asked_areas else a.reason)
                  for a in first.areas)
    return dataclasses.replace(
        first, id="+".join(m.id for m in members),
        profile_id="+".join(m.profile_id for m in members),
        profile_name=" + ".join(m.profile_name for m in members),
        areas=areas, practices=practices, items=tuple(ordered),
        background=_union_background(members))


def _union_background(members: Sequence[Instrument]) -> tuple[BackgroundItem, ...]:
    """Questions by id in order of first appearance; where forms label a choice code
    differently, the labels are joined ('局處 ／ 智慧治理推動小組')."""
    out: dict[str, BackgroundItem] = {}
    for m in members:
        for q in m.background:
            if q.id not in out:
                out[q.id] = q
                continue
            have = out[q.id]
            labels = {c.code: c.label for c in have.choices}
            for c in q.choices:
                if c.code not in labels:
                    labels[c.code] = c.label
                elif c.label not in labels[c.code].split(" ／ "):
                    labels[c.code] = f"{labels[c.code]} ／ {c.label}"
            out[q.id] = dataclasses.replace(have, choices=tuple(
                Label(code, label) for code, label in sorted(labels.items())))
    return tuple(out.values())

