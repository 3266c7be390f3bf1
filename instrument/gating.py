"""The achievement rule and the first-tier gate: one definition for every channel.

The scorer decides whether a stage is achieved with ``achieved``; the gate is
the same function applied to an area's gate-stage (S) stems. Because of that,
gating never changes a maturity level. The HTML page carries a JavaScript twin
of ``achieved`` (instrument/templates/questionnaire.js); tests run both on the same answers.
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from .model import GateRule, Instrument, ResolvedScale


def required_count(rule: GateRule, n_items: int) -> int:
    """Count rule: how many stems must be marked at or above ``min_code``."""
    return max(1, math.ceil(rule.share * n_items - 1e-9))


def substantive(values: np.ndarray, scale: ResolvedScale) -> np.ndarray:
    """Float copy with missing codes (e.g. 9 = don't know) and blanks as NaN."""
    out = np.array(values, dtype="float64", copy=True)
    for code in scale.missing:
        out[out == code] = np.nan
    return out


def achieved(values: np.ndarray, rule: GateRule) -> np.ndarray:
    """Per row: does this set of stems count as achieved?

    ``values`` is respondents x stems, NaN where there is no substantive answer.
    mean: the mean of the answered stems reaches the threshold; a row with no
    answered stem is not achieved. count: at least ``required_count`` stems are
    marked >= min_code, out of all stems of the set (a blank counts as not marked,
    so a respondent can apply it on paper by counting).
    """
    values = np.asarray(values, dtype="float64")
    if values.ndim != 2:
        raise ValueError("values must be 2-D (respondents x stems)")
    n_items = values.shape[1]
    if n_items == 0:
        return np.zeros(values.shape[0], dtype=bool)
    if rule.kind == "mean":
        answered = ~np.isnan(values)
        n = answered.sum(axis=1)
        total = np.where(answered, values, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / n
        # compare with a tolerance so 3.5 reached by (3+4)/2 is not lost to rounding
        return (n > 0) & (mean >= rule.threshold - 1e-9)
    if rule.kind == "count":
        hits = (np.nan_to_num(values, nan=-np.inf) >= rule.min_code).sum(axis=1)
        return hits >= required_count(rule, n_items)
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def gate_matrix(instrument: Instrument, values: np.ndarray) -> np.ndarray:
    """Respondents x areas: is the area open beyond the gate stage?

    ``values`` holds one column per ``instrument.item_ids`` entry, in that order,
    with raw codes (missing codes allowed) and NaN for blanks.
    """
    index = {item_id: k for k, item_id in enumerate(instrument.item_ids)}
    per_area = [[index[i.id] for i in instrument.items_of_area(area.id)
                 if i.stage == instrument.gate_stage] for area in instrument.areas]
    gate_cols = sorted({c for cols in per_area for c in cols})
    where = {c: k for k, c in enumerate(gate_cols)}
    clean = substantive(np.asarray(values)[:, gate_cols], instrument.scale)  # gate stems only
    columns = [achieved(clean[:, [where[c] for c in cols]], instrument.rule) for cols in per_area]
    return np.column_stack(columns) if columns else np.zeros((len(values), 0), dtype=bool)


def open_areas(instrument: Instrument, answers: Mapping[str, int | None]) -> dict[str, bool]:
    """One respondent's gate, from a dict of item id -> code (for forms and tests)."""
    row = np.array([[np.nan if answers.get(i) is None else answers[i]
                     for i in instrument.item_ids]], dtype="float64")
    passed = gate_matrix(instrument, row)[0]
    return {area.id: bool(p) for area, p in zip(instrument.areas, passed)}

