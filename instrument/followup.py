"""Two-wave paper gating: who gets which wave-2 areas, and the rule a respondent applies by hand.

Pure planning, no file I/O and no layout. Wave 1 holds the gate-stage (S) stems
only; from the returned wave-1 answers ``plan`` decides, per respondent, which
knowledge areas open beyond the gate. The decision is ``gating.gate_matrix``:
the one definition of the rule the scorer and the HTML form use too, so a
respondent's wave-2 form holds exactly the items the scorer expects to be
reached.

``paper_routing`` states the same rule as numbers a respondent can apply with a
pencil at the end of an area's S block on the single-wave form (count the marks,
or add the codes and look the total up); tests check that this paper procedure
and ``gate_matrix`` agree on every answer pattern.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .gating import gate_matrix, required_answers, required_count
from .model import Instrument
from .contract import csv_bytes

FOLLOWUP_COLUMNS = ("respondent_id", "organisation", "areas", "n_items", "needs_wave2")


@dataclass(frozen=True)
class Plan:
    """One respondent's wave 2: the areas they passed and the items those areas add."""

    respondent_id: str
    organisation: str
    areas: tuple[str, ...]  # area ids in instrument order
    item_ids: tuple[str, ...]  # the non-gate items of those areas, in instrument order

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def needs_wave2(self) -> bool:
        return bool(self.item_ids)


def wave2_items(instrument: Instrument, areas: Sequence[str]) -> tuple[str, ...]:
    """Item ids a wave-2 form for these areas holds: every non-gate stem, in instrument order."""
    wanted = set(areas)
    return tuple(i.id for i in instrument.items
                 if i.area in wanted and i.stage != instrument.gate_stage)


def plan(instrument: Instrument, respondent_ids: Sequence[str], organisations: Sequence[str],
         values: np.ndarray) -> list[Plan]:
    """Wave-2 plan per respondent from wave-1 values.

    ``values`` is respondents x ``instrument.item_ids`` (float, NaN = blank, raw
    codes including missing codes such as 9), as ``scoring.read`` returns it;
    columns of items a wave-1 form does not hold are simply blank.
    """
    values = np.asarray(values, dtype="float64")
    n = len(respondent_ids)
    if values.shape != (n, len(instrument.item_ids)):
        raise ValueError(f"values must be {n} x {len(instrument.item_ids)}, got {values.shape}")
    if len(organisations) != n:
        raise ValueError("respondent_ids and organisations differ in length")
    passed = gate_matrix(instrument, values) if n else np.zeros((0, len(instrument.areas)), bool)
    area_ids = [a.id for a in instrument.areas]
    cache: dict[tuple[str, ...], tuple[str, ...]] = {}
    plans = []
    for k in range(n):
        areas = tuple(a for a, ok in zip(area_ids, passed[k]) if ok)
        if areas not in cache:
            cache[areas] = wave2_items(instrument, areas)
        plans.append(Plan(str(respondent_ids[k]), str(organisations[k] or ""), areas,
                          cache[areas]))
    return plans


def followup_rows(plans: Sequence[Plan]) -> list[list[object]]:
    """``followup.csv`` rows, header first."""
    rows: list[list[object]] = [list(FOLLOWUP_COLUMNS)]
    for p in plans:
        rows.append([p.respondent_id, p.organisation, " ".join(p.areas), p.n_items,
                     "yes" if p.needs_wave2 else "no"])
    return rows


def followup_csv(plans: Sequence[Plan]) -> bytes:
    """UTF-8 with BOM and CRLF like the other CSVs, so Excel shows Chinese names."""
    return csv_bytes(followup_rows(plans))


# --------------------------------------------------------------------------- paper routing
@dataclass(frozen=True)
class PaperRouting:
    """The gate of one area as a respondent applies it on paper, in two steps.

    1. Count the stems answered with a substantive code (one of ``valid``: blanks
       and the don't-know and not-applicable codes do not count). Fewer than
       ``min_answers``: the area is not rated, so skip it.
    2. kind "count": continue when at least ``need`` stems are marked with one of
       ``codes``. kind "mean": add the codes of the stems answered and continue
       when the total is at least the table's number for that many stems:
       ``totals[answered - first]``, the table running from ``first`` to ``n_items``.
    """

    area: str
    kind: str
    n_items: int
    valid: tuple[int, ...]  # the substantive codes: what counts as answered
    min_answers: int = 0  # step 1 (0: no minimum, as in format-1 manifests)
    need: int = 0  # count
    codes: tuple[int, ...] = ()  # count: the codes that count as a hit
    totals: tuple[int, ...] = ()  # mean: minimum total for first..n_items answered

    @property
    def first(self) -> int:
        """The smallest number of answers the mean rule's table lists."""
        return max(1, self.min_answers)

    @property
    def minimum_binds(self) -> bool:
        """Does step 1 ever decide? Under the count rule it does not when ``need`` hits
        already mean ``min_answers`` answers (hits are answers), so the box can leave it out."""
        return self.min_answers > (self.need if self.kind == "count" else 1)

    def passes(self, codes: Sequence[int | None]) -> bool:
        """Apply the paper procedure literally to one respondent's marks (None = blank)."""
        answered = [c for c in codes if c in self.valid]
        if len(answered) < self.min_answers:
            return False
        if self.kind == "count":
            return sum(1 for c in answered if c in self.codes) >= self.need
        return len(answered) >= self.first and sum(answered) >= self.totals[len(answered)
                                                                           - self.first]


def paper_routing(instrument: Instrument, area: str) -> PaperRouting:
    """The numbers printed at the end of ``area``'s gate-stage block."""
    n_items = sum(1 for i in instrument.items_of_area(area) if i.stage == instrument.gate_stage)
    rule, valid = instrument.rule, instrument.scale.valid
    minimum = required_answers(rule, n_items)
    if rule.kind == "count":
        hits = tuple(c for c in valid if c >= rule.min_code)
        return PaperRouting(area, "count", n_items, valid, minimum,
                            need=required_count(rule, n_items), codes=hits)
    if rule.kind == "mean":
        # codes are integers, so "mean >= t" is "total >= ceil(t * answered)"
        totals = tuple(math.ceil(rule.threshold * k - 1e-9)
                       for k in range(max(1, minimum), n_items + 1))
        return PaperRouting(area, "mean", n_items, valid, minimum, totals=totals)
    raise ValueError(f"unknown rule kind {rule.kind!r}")
