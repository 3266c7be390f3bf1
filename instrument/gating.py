"""The achievement rule and the first-tier gate: one definition for every channel.

The scorer decides whether a stage is achieved with ``judge``; the gate is the
same function applied to an area's gate-stage (S) stems. Because of that,
gating never changes a maturity level. The HTML page carries a JavaScript twin
(instrument/templates/questionnaire.js), the XLSForm an XPath twin and the paper
form a counting twin (``followup.paper_routing``); tests run them on the same
answers.

A set of stems is first *rated* or *not rated*: rated when at least
``required_answers`` of its stems have a substantive answer (not blank, not a
don't-know or not-applicable code). A set that is not rated is never achieved,
whatever its one answer says; the scorer reports it as not rated, never as 0.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from .model import GateRule, Instrument, ResolvedScale


def required_count(rule: GateRule, n_items: int) -> int:
    """Count rule: how many stems must be marked at or above ``min_code``."""
    return max(1, math.ceil(rule.share * n_items - 1e-9))


def required_answers(rule: GateRule, n_items: int) -> int:
    """How many substantive answers a set of ``n_items`` stems needs to be rated
    (0 for rules of format-1 manifests, which knew no minimum)."""
    if rule.min_answered is None or n_items <= 0:
        return 0
    return max(1, math.ceil(rule.min_answered * n_items - 1e-9))


def substantive(values: np.ndarray, scale: ResolvedScale) -> np.ndarray:
    """Float copy with non-substantive codes (don't know, not applicable) and blanks as NaN."""
    out = np.array(values, dtype="float64", copy=True)
    for code in scale.missing:
        out[out == code] = np.nan
    return out


def _ceil(x: np.ndarray) -> np.ndarray:
    return np.ceil(x - 1e-9)


def judge(values: np.ndarray, rule: GateRule,
          asked: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per row: (achieved, rated) for a set of stems.

    ``values`` is respondents x stems, NaN where there is no substantive answer.
    ``asked`` (same shape, bool) marks the stems that belong to the set for that row
    (None: all of them); a stem not asked counts neither as answered nor in the set's
    size. The rule itself is ``verdict``, on what this counts per row: stems asked,
    substantive answers, their sum and the answers marked >= min_code.
    """
    values = np.asarray(values, dtype="float64")
    if values.ndim != 2:
        raise ValueError("values must be 2-D (respondents x stems)")
    n_rows, n_items = values.shape
    if asked is None:
        n_asked = np.full(n_rows, n_items, dtype=np.int64)
    else:
        asked = np.asarray(asked, dtype=bool)
        values = np.where(asked, values, np.nan)
        n_asked = asked.sum(axis=1)
    answered = ~np.isnan(values)
    total = np.where(answered, values, 0.0).sum(axis=1)
    hits = (np.nan_to_num(values, nan=-np.inf) >= rule.min_code).sum(axis=1) \
        if rule.kind == "count" else None
    return verdict(n_asked, answered.sum(axis=1), total, hits, rule)


def verdict(n_asked, n_answered, total, hits, rule: GateRule) -> tuple[np.ndarray, np.ndarray]:
    """The achievement rule on counts of a set of stems: (achieved, rated), elementwise.

    The one definition every Python channel uses (``judge`` counts from answers, the
    scorer's block kernel from matrix products). ``n_asked``: stems in the set;
    ``n_answered``: their substantive answers; ``total``: the answers' sum (mean
    rule); ``hits``: answers marked >= ``min_code`` (count rule; None for mean).
    Rated: at least ``required_answers`` substantive answers among the asked stems
    (and at least one stem asked). Achieved: rated, and
    mean: the mean of the substantive answers reaches the threshold;
    count: at least ``required_count`` of the asked stems are marked >= min_code
    (a blank counts as not marked, so a respondent can apply it on paper by counting).
    Counts may come as floats (exact small integers); the tests are in float64.
    """
    n_asked = np.asarray(n_asked, dtype="float64")
    n = np.asarray(n_answered, dtype="float64")
    if rule.min_answered is None:
        need = np.zeros(n_asked.shape)
    else:
        need = np.maximum(1, _ceil(rule.min_answered * n_asked))
    rated = (n_asked > 0) & (n >= need)
    if rule.kind == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.asarray(total, dtype="float64") / n
        # compare with a tolerance so 3.5 reached by (3+4)/2 is not lost to rounding
        passes = (n > 0) & (mean >= rule.threshold - 1e-9)
    elif rule.kind == "count":
        passes = np.asarray(hits, dtype="float64") >= np.maximum(1, _ceil(rule.share * n_asked))
    else:
        raise ValueError(f"unknown rule kind {rule.kind!r}")
    return rated & passes, rated


def achieved(values: np.ndarray, rule: GateRule, asked: np.ndarray | None = None) -> np.ndarray:
    """Per row: does this set of stems count as achieved? (``judge``'s first half.)"""
    return judge(values, rule, asked)[0]


def gate_columns(instrument: Instrument) -> list[list[int]]:
    """Per area of ``instrument.areas``: the item columns of its gate-stage stems."""
    index = {item_id: k for k, item_id in enumerate(instrument.item_ids)}
    return [[index[i.id] for i in instrument.items_of_area(area.id)
             if i.stage == instrument.gate_stage] for area in instrument.areas]


def gate_matrix(instrument: Instrument, values: np.ndarray,
                asked: np.ndarray | None = None) -> np.ndarray:
    """Respondents x areas: is the area open beyond the gate stage?

    ``values`` holds one column per ``instrument.item_ids`` entry, in that order,
    with raw codes (missing codes allowed) and NaN for blanks; ``asked`` (same
    shape, or None) marks the stems each row's form asked. An area with no gate
    stem asked is closed.
    """
    values = np.asarray(values)
    per_area = gate_columns(instrument)
    gate_cols = sorted({c for cols in per_area for c in cols})
    where = {c: k for k, c in enumerate(gate_cols)}
    clean = substantive(values[:, gate_cols], instrument.scale)  # gate stems only
    part = None if asked is None else np.asarray(asked)[:, gate_cols]
    columns = []
    for cols in per_area:
        local = [where[c] for c in cols]
        columns.append(achieved(clean[:, local], instrument.rule,
                                None if part is None else part[:, local]))
    return np.column_stack(columns) if columns else np.zeros((len(values), 0), dtype=bool)


def open_areas(instrument: Instrument, answers: Mapping[str, int | None]) -> dict[str, bool]:
    """One respondent's gate, from a dict of item id -> code (for forms and tests)."""
    row = np.array([[np.nan if answers.get(i) is None else answers[i]
                     for i in instrument.item_ids]], dtype="float64")
    passed = gate_matrix(instrument, row)[0]
    return {area.id: bool(p) for area, p in zip(instrument.areas, passed)}
