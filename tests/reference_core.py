"""REFERENCE ONLY: the scoring core as it was before issue 17, kept to check the new one.

A frozen copy, verbatim but for imports and the ``UnitScores`` adapter, of ``scoring/methods.py`` (the block
driver and ``_score_block``), ``scoring/stats.py`` (formulas, ``GroupSummer``,
``Accumulator``, the organisation and reliability tables), ``scoring/levels.py`` and
the rule of ``instrument/gating.py`` (``judge``, ``gate_matrix``) at commit 7df7cc0.
``tests/test_core_reference.py`` scores random instruments with both and requires
the same levels exactly and the same statistics to 1e-6. Do not change it to make
a comparison pass: it is the definition the new core must reproduce.
Entry point: ``score(responses, method, rule, overrides, units, by) -> Scores``.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from instrument.model import GateRule, Instrument, ResolvedScale

from scoring.responses import Responses
from scoring.scores import UNIT_TYPES, Scores, UnitScores


# =========================================================================== instrument/gating.py
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
    size. Rated: at least ``required_answers`` substantive answers among the asked
    stems (and at least one stem asked). Achieved: rated, and
    mean: the mean of the substantive answers reaches the threshold;
    count: at least ``required_count`` of the asked stems are marked >= min_code
    (a blank counts as not marked, so a respondent can apply it on paper by counting).
    """
    values = np.asarray(values, dtype="float64")
    if values.ndim != 2:
        raise ValueError("values must be 2-D (respondents x stems)")
    n_rows, n_items = values.shape
    if asked is None:
        answered = ~np.isnan(values)
        n_asked = np.full(n_rows, n_items, dtype=np.int64)
    else:
        asked = np.asarray(asked, dtype=bool)
        values = np.where(asked, values, np.nan)
        answered = ~np.isnan(values)
        n_asked = asked.sum(axis=1)
    n = answered.sum(axis=1)
    if rule.min_answered is None:
        need = np.zeros(n_rows)
    else:
        need = np.maximum(1, _ceil(rule.min_answered * n_asked))
    rated = (n_asked > 0) & (n >= need)
    if rule.kind == "mean":
        total = np.where(answered, values, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / n
        # compare with a tolerance so 3.5 reached by (3+4)/2 is not lost to rounding
        passes = (n > 0) & (mean >= rule.threshold - 1e-9)
    elif rule.kind == "count":
        hits = (np.nan_to_num(values, nan=-np.inf) >= rule.min_code).sum(axis=1)
        passes = hits >= np.maximum(1, _ceil(rule.share * n_asked))
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




# =========================================================================== scoring/levels.py
NOT_RATED = -1  # a stage the level depends on has too few substantive answers
NOT_APPLICABLE = -2  # the respondent's form asks no stem of the unit
STATUS = {NOT_RATED: "not rated", NOT_APPLICABLE: "not applicable"}
STAGE_STATUS = ("not achieved", "achieved", "not rated", "not applicable")  # a unit-stage


def consecutive_levels(achieved: np.ndarray) -> np.ndarray:
    """int8 level: the number of consecutive True values from the first, along axis 1.

    ``achieved`` is units x stages x rows (or any array with stages on axis 1).
    """
    running = achieved[:, 0].copy() if achieved.shape[1] else np.zeros(
        achieved.shape[:1] + achieved.shape[2:], dtype=bool)
    level = running.astype(np.int8)
    for s in range(1, achieved.shape[1]):
        running &= achieved[:, s]
        level += running
    return level


def rated_levels(achieved: np.ndarray, rated: np.ndarray, applicable: np.ndarray) -> np.ndarray:
    """int8 level, or ``NOT_RATED`` / ``NOT_APPLICABLE``.

    The number of consecutive achieved stages from the first, unless the stage that
    breaks the run is not rated: then the level is ``NOT_RATED``, since the respondent
    may or may not reach that stage. A unit that is not ``applicable`` is
    ``NOT_APPLICABLE``. ``achieved`` and ``rated`` are units x stages x rows (or any
    array with stages on axis 1); ``applicable`` has the other axes.
    """
    level = consecutive_levels(achieved)
    n_stages = achieved.shape[1]
    if n_stages:
        breaks = np.minimum(level, n_stages - 1).astype(np.intp)
        judged = np.take_along_axis(rated, np.expand_dims(breaks, 1), axis=1)[:, 0]
        level = np.where((level < n_stages) & ~judged, np.int8(NOT_RATED), level)
    return np.where(applicable, level, np.int8(NOT_APPLICABLE)).astype(np.int8)


# =========================================================================== scoring/stats.py
N_SMALL_ORGANISATION = 3  # organisations (and rwg_j groups) with fewer respondents are flagged
N_SMALL_ALPHA = 10  # alpha on fewer complete cases is flagged
RELIABILITY_UNIT_TYPES = ("area", "group")
FLAG_N = "n too small"
FLAG_ITEMS = "fewer than 2 items"
FLAG_TRUNCATED = "truncated to 0"
FLAG_GROUPS = "fewer than 2 organisations"


# =========================================================================== formulas
def expected_variance(n_codes: int) -> float:
    """σ²EU = (A² - 1) / 12: variance of a uniform ('random response') null on A codes.

    A is the number of substantive codes of the scale (don't-know excluded): 2.0 for
    a five-point scale, 0.25 for yes/no (James, Demaree & Wolf 1984).
    """
    return (n_codes ** 2 - 1) / 12.0


def rwg_j(mean_var, n_items, expected_var: float) -> tuple[np.ndarray, np.ndarray]:
    """rwg(j) = J(1 - s̄²/σ²EU) / (J(1 - s̄²/σ²EU) + s̄²/σ²EU)  (James, Demaree & Wolf 1984).

    ``mean_var`` is s̄², the mean of the J items' observed variances within the group
    (n - 1 denominators); ``n_items`` is J. As James et al. recommend (and
    multilevel::rwg.j does), s̄² is truncated to σ²EU when it is larger, which makes
    rwg(j) = 0. Returns ``(value, truncated)``; value is NaN where J = 0 or s̄² is NaN.
    Vectorised over any shape.
    """
    mean_var = np.asarray(mean_var, dtype="float64")
    j = np.asarray(n_items, dtype="float64")
    truncated = mean_var > expected_var * (1 + 1e-9)  # not flagged for rounding noise
    ratio = np.minimum(mean_var, expected_var) / expected_var
    with np.errstate(invalid="ignore", divide="ignore"):
        top = j * (1.0 - ratio)
        value = top / (top + ratio)
    value = np.where((j > 0) & ~np.isnan(mean_var), value, np.nan)
    return value, truncated & (j > 0)


def alpha_from_moments(n, sum_items, sumsq_items, sum_total, sumsq_total) -> np.ndarray:
    """Cronbach's alpha from complete-case sums: α = k/(k-1) (1 - Σ s²_i / s²_total).

    ``sum_items`` has the k items' sums Σx_i on the last axis; ``sumsq_items`` is either
    the same shape (Σx_i² per item) or already summed over the items (ΣΣx_i²), which
    is all that Σ s²_i = (ΣΣx_i² - Σ(Σx_i)²/n) / (n - 1) needs. All variances use
    n - 1. NaN when n < 2, k < 2 or the total has no variance. Vectorised over
    leading axes (organisations, blocks).
    """
    n = np.asarray(n, dtype="float64")
    sx = np.asarray(sum_items, dtype="float64")
    sxx = np.asarray(sumsq_items, dtype="float64")
    if sxx.shape == sx.shape:
        sxx = sxx.sum(axis=-1)
    k = sx.shape[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        sum_var = (sxx - (sx ** 2).sum(axis=-1) / n) / (n - 1)
        st = np.asarray(sum_total, dtype="float64")
        var_t = (np.asarray(sumsq_total, dtype="float64") - st ** 2 / n) / (n - 1)
        alpha = (k / (k - 1.0)) * (1.0 - sum_var / var_t) if k >= 2 else \
            np.full(n.shape, np.nan)
    # a total without variance (up to rounding of the sums) has no alpha
    scale = np.maximum(1.0, np.abs(np.asarray(sumsq_total, dtype="float64")) / np.maximum(n, 1))
    return np.where((n >= 2) & (var_t > 1e-10 * scale), alpha, np.nan)


def cronbach_alpha(items: np.ndarray) -> tuple[float, int]:
    """Cronbach's alpha of a respondents x items array, listwise (rows with NaN dropped).

    Returns ``(alpha, n)`` with n the complete cases. Same arithmetic as the
    organisation tables (``alpha_from_moments``).
    """
    x = np.asarray(items, dtype="float64")
    x = x[~np.isnan(x).any(axis=1)]
    center = x.mean(axis=0) if len(x) else 0.0
    xc = x - center
    total = xc.sum(axis=1)
    value = alpha_from_moments(len(x), xc.sum(axis=0), (xc ** 2).sum(axis=0), total.sum(),
                               (total ** 2).sum())
    return float(value), len(x)


def icc_from_moments(n_g, sum_g, sumsq_g) -> dict[str, float]:
    """ICC(1) and ICC(2) from a one-way ANOVA given per-group n, Σy and Σy².

    MSB = SSB / (G - 1), MSW = SSW / (N - G) over the G groups with n_g >= 1;
    ICC(1) = (MSB - MSW) / (MSB + (k - 1) MSW), ICC(2) = (MSB - MSW) / MSB
    (Bliese 2000). For unequal group sizes k is the adjusted average group size
    k = (N - Σ n_g² / N) / (G - 1) (the n₀ of one-way random-effects ANOVA; equal to
    the common size when all groups are equal). multilevel::ICC1 uses N / G instead;
    both agree for equal sizes. ICC(1) may be negative (MSB < MSW). NaN when G < 2
    or N <= G.
    """
    n_g = np.asarray(n_g, dtype="float64")
    s_g = np.asarray(sum_g, dtype="float64")
    ss_g = np.asarray(sumsq_g, dtype="float64")
    keep = n_g > 0
    n_g, s_g, ss_g = n_g[keep], s_g[keep], ss_g[keep]
    groups = len(n_g)
    n = float(n_g.sum())
    out = {"icc1": np.nan, "icc2": np.nan, "ms_between": np.nan, "ms_within": np.nan,
           "k": np.nan, "n_groups": groups, "n": int(n)}
    if groups < 2 or n <= groups:
        return out
    between = float((s_g ** 2 / n_g).sum())
    ssb = between - float(s_g.sum()) ** 2 / n
    ssw = float(ss_g.sum()) - between
    msb = max(ssb, 0.0) / (groups - 1)
    msw = max(ssw, 0.0) / (n - groups)
    k = (n - float((n_g ** 2).sum()) / n) / (groups - 1)
    out.update(ms_between=msb, ms_within=msw, k=k)
    if msb > 1e-10 * max(1.0, float(ss_g.sum()) / n):  # no between-group variance: undefined
        out["icc1"] = (msb - msw) / (msb + (k - 1.0) * msw)
        out["icc2"] = (msb - msw) / msb
    return out


def icc_oneway(values, groups) -> dict[str, float]:
    """ICC(1), ICC(2) of ``values`` (one per respondent) grouped by ``groups``; NaN dropped.

    See ``icc_from_moments`` for the formulas; this is the same arithmetic on raw data.
    """
    y = np.asarray(values, dtype="float64")
    g = np.asarray(groups)
    keep = ~np.isnan(y)
    y, g = y[keep], g[keep]
    _, codes = np.unique(g, return_inverse=True)
    center = y.mean() if len(y) else 0.0
    yc = y - center
    return icc_from_moments(np.bincount(codes), np.bincount(codes, yc), np.bincount(codes, yc ** 2))


def median_from_histogram(hist: np.ndarray) -> np.ndarray:
    """Median of integer levels 0..L from counts on the last axis (NaN where no counts).

    With an even count the median is the mean of the two middle levels (e.g. 1.5).
    """
    hist = np.asarray(hist)
    total = hist.sum(axis=-1)
    cum = np.cumsum(hist, axis=-1)
    lo_pos = (total + 1) // 2  # 1-based positions of the middle value(s)
    hi_pos = total // 2 + 1
    lo = np.argmax(cum >= lo_pos[..., None], axis=-1)
    hi = np.argmax(cum >= hi_pos[..., None], axis=-1)
    return np.where(total > 0, (lo + hi) / 2.0, np.nan)


def classify_coverage(applied: np.ndarray, membership: np.ndarray,
                      rated: np.ndarray | None = None, asked: np.ndarray | None = None,
                      min_share: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Share of each unit's practices applied, and 'frequent' (at least half applied).

    ``applied`` is rows x practices bool; ``membership`` units x practices bool;
    ``rated`` and ``asked`` (rows x practices, or None: all) say which practices have a
    rated S stage and which the row's form asks. A practice counts when it is asked and
    rated. A unit is applied frequently (應用層面較頻繁) when 2 x applied >= its number of
    counted practices, otherwise sparsely (較稀少). Like a stage, a unit is classified only
    when at least ``ceil(min_share x practices asked)`` of them count (``min_share``
    None: at least one); otherwise share NaN and not frequent: not classified.
    """
    m = membership.T.astype(np.int32)
    ones = np.ones(applied.shape, dtype=bool)
    asked = ones if asked is None else asked
    counted = asked & (ones if rated is None else rated)
    counts = (applied & counted).astype(np.int32) @ m  # rows x units
    sizes = counted.astype(np.int32) @ m
    n_asked = asked.astype(np.int32) @ m
    need = 1 if min_share is None else np.maximum(1, np.ceil(min_share * n_asked - 1e-9))
    classified = (sizes > 0) & (sizes >= need)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(classified, counts / sizes, np.nan).astype(np.float32)
    frequent = (2 * counts >= sizes) & classified
    return share, frequent


def organisation_codes(organisation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted organisation names and each respondent's index into them ('' when not given)."""
    values = pd.Series(np.asarray(organisation, dtype=object), dtype=object).fillna("")
    codes, names = pd.factorize(values.astype(str), sort=True)
    return np.asarray(names, dtype=object), codes.astype(np.int64)


# =========================================================================== accumulation
ONE_HOT_MAX_GROUPS = 256  # up to this many organisations, group sums are one matrix product


class GroupSummer:
    """Per-organisation sums over the rows (last axis) of one block, in float64.

    ``__call__(x)`` returns (n_groups, *x.shape[:-1]) at once; ``add_to(target, x)``
    queues ``target += sums`` and ``flush`` runs the queue as a few large one-hot
    matrix products (a block needs dozens of sums; one product each would spend more
    time starting BLAS threads than summing). Counts (bool / integer ``x``) and
    float32 ``x`` are summed in float32 — callers pass float32 only for values whose
    block sums are exact integers below 2**24 — everything else in float64. With more
    than ``ONE_HOT_MAX_GROUPS`` organisations: one ``np.bincount`` per leading row.
    """

    MAX_QUEUED_ROWS = 512  # leading rows per product: 512 x 32768 x 4 bytes = 64 MB
    DIRECT_ROWS = 64  # arrays with this many leading rows are summed at once, not stacked

    def __init__(self, codes: np.ndarray, n_groups: int):
        self.codes = codes
        self.n_groups = n_groups
        self.rows = len(codes)
        self.one_hot = self.one_hot32 = None
        if n_groups <= ONE_HOT_MAX_GROUPS:
            self.one_hot = np.zeros((self.rows, n_groups))
            self.one_hot[np.arange(self.rows), codes] = 1.0
            self.one_hot32 = self.one_hot.astype(np.float32)
        self.queues: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {"float32": [], "float64": []}

    def _kind(self, x: np.ndarray) -> str:
        exact32 = x.dtype == np.float32 or (x.dtype.kind in "biu" and self.rows < 2 ** 24 // 128)
        return "float32" if exact32 else "float64"

    def _sums(self, flat: np.ndarray, kind: str) -> np.ndarray:
        """q x n_groups float64 sums of a (q x rows) array."""
        if self.one_hot is None:
            return np.stack([np.bincount(self.codes, weights=row, minlength=self.n_groups)
                             for row in flat]) if len(flat) else np.zeros((0, self.n_groups))
        if kind == "float32":
            return (flat.astype(np.float32, copy=False) @ self.one_hot32).astype("float64")
        return flat.astype("float64", copy=False) @ self.one_hot

    def __call__(self, x: np.ndarray) -> np.ndarray:
        lead = x.shape[:-1]
        sums = self._sums(x.reshape(-1, self.rows), self._kind(x))
        return np.moveaxis(sums.reshape(*lead, self.n_groups), -1, 0)

    def add_to(self, target: np.ndarray, x: np.ndarray) -> None:
        """Queue ``target += self(x)``; run by ``flush`` (or when the queue is full)."""
        if self.one_hot is None:
            target += self(x)
            return
        kind = self._kind(x)
        if x.size // self.rows >= self.DIRECT_ROWS:  # big enough to run on its own
            target += self(x)
            return
        queue = self.queues[kind]
        queue.append((target, x))
        if sum(q.size // self.rows for _, q in queue) >= self.MAX_QUEUED_ROWS:
            self._run(kind)

    def flush(self) -> None:
        for kind in self.queues:
            self._run(kind)

    def _run(self, kind: str) -> None:
        queue = self.queues[kind]
        if not queue:
            return
        sizes = [x.size // self.rows for _, x in queue]
        stacked = np.empty((sum(sizes), self.rows), dtype=kind)
        offset = 0
        for (_, x), q in zip(queue, sizes):
            stacked[offset:offset + q] = x.reshape(q, self.rows)
            offset += q
        sums = self._sums(stacked, kind)
        offset = 0
        for (target, x), q in zip(queue, sizes):
            part = sums[offset:offset + q].reshape(*x.shape[:-1], self.n_groups)
            target += np.moveaxis(part, -1, 0)
            offset += q
        queue.clear()

    def histogram(self, levels: np.ndarray, n_levels: int) -> np.ndarray:
        """(n_groups, units, n_levels) counts of integer ``levels`` (units x rows)."""
        key = self.codes[None, :] * n_levels + levels.astype(np.int64)
        out = np.empty((levels.shape[0], self.n_groups * n_levels))
        for u in range(levels.shape[0]):
            out[u] = np.bincount(key[u], minlength=self.n_groups * n_levels)
        return np.moveaxis(out.reshape(levels.shape[0], self.n_groups, n_levels), 1, 0)


class Accumulator:
    """Per-organisation sums collected block by block (see the module docstring).

    ``plans`` are ``scoring.methods.UnitPlan`` objects (anything with ``units``,
    ``stages``, ``n_items``, ``columns``, ``batches``, ``membership`` and
    ``achieved(values_t, rule)``). ``add`` takes item-major blocks (items x rows) and
    the per-unit arrays as units x stages x rows, in the rows' original order.
    """

    def __init__(self, instrument: Instrument, plans: Mapping[str, object], n_orgs: int,
                 method: str):
        self.instrument = instrument
        self.plans = plans
        self.method = method
        self.n_orgs = n_orgs
        valid = np.array(sorted(instrument.scale.valid) or [0], dtype="float64")
        # sums are taken of answers minus a middle code: stable sums of squares, and for
        # integer codes small exact integers, which float32 block sums keep exactly
        self.center = float(valid[np.argmin(np.abs(valid - valid.mean()))])
        self.lowest = float(valid.min())
        self.spread = float(np.max(np.abs(valid - self.center)))
        self.integer_codes = bool(np.all(valid == np.rint(valid)))
        g, n_items = n_orgs, len(instrument.item_ids)

        def z(*shape: int) -> np.ndarray:
            return np.zeros(shape, dtype="float64")

        self.n_resp = np.zeros(g, dtype=np.int64)
        self.item = {k: z(g, n_items) for k in ("n", "s", "ss", "not_reached", "asked")}
        self.unit: dict[str, dict[str, np.ndarray]] = {}
        self.overall: dict[str, dict[str, np.ndarray]] = {}
        self.alpha: dict[str, list[dict[str, np.ndarray]]] = {}
        for t, plan in plans.items():
            u, s = len(plan.units), len(plan.stages)
            d = {k: z(g, u, s) for k in ("cnt", "s", "ss", "achieved", "rated", "not_reached",
                                         "n_asked")}
            d["levels"] = z(g, u, s + 3)  # levels 0..s, then not rated, not applicable
            if method == "opm3-binary":
                d["attained"] = z(g, u, s)
            if method == "coverage":
                d["frequent"] = z(g, u)
            self.unit[t] = d
            if t in RELIABILITY_UNIT_TYPES:
                self.overall[t] = {k: z(g, u) for k in ("cnt", "s", "ss")}
                self.alpha[t] = [{"n": z(g, cols.shape[0]), "sx": z(g, cols.shape[1], cols.shape[0]),
                                  "sxx": z(g, cols.shape[0]),
                                  "st": z(g, cols.shape[0]), "stt": z(g, cols.shape[0])}
                                 for _, _, cols in plan.batches]

    def merge(self, other: "Accumulator") -> None:
        """Add the sums of ``other`` (same instrument, plans and organisations) to these.

        Lets blocks of rows be summed in separate threads, each into its own
        Accumulator; every field is a sum, so the order of merging does not matter.
        """
        self.n_resp += other.n_resp
        _add_nested((self.item, self.unit, self.overall, self.alpha),
                    (other.item, other.unit, other.overall, other.alpha))

    def add(self, codes: np.ndarray, items, block: Mapping[str, Mapping[str, np.ndarray]]
            ) -> None:
        """Add one block of rows: organisation code per row, the item-major answers
        (``scoring.methods.ItemBlock``: clean, not_reached, answered) and the per-unit
        arrays (units x stages x rows), all in the rows' original order."""
        if len(codes) == 0:
            return
        gsum = GroupSummer(np.asarray(codes, dtype=np.int64), self.n_orgs)
        try:
            self._add(gsum, items, block)
        finally:
            gsum.flush()

    def _add(self, gsum: GroupSummer, items, block: Mapping[str, Mapping[str, np.ndarray]]
             ) -> None:
        codes = gsum.codes
        counts = np.bincount(codes, minlength=self.n_orgs)
        self.n_resp += counts
        if items.asked is None:
            self.item["asked"] += counts[:, None]
        else:
            gsum.add_to(self.item["asked"], items.asked)
        c = self.center
        if self.integer_codes and len(codes) * max(self.spread, 1.0) ** 2 < 2 ** 24:
            # centred integer answers: block sums of x and x² are exact in float32
            xc = np.where(items.answered, items.filled - np.float32(c), np.float32(0))
        else:
            xc = np.where(items.answered, items.clean - c, 0.0)  # centred answers, 0 where none
        gsum.add_to(self.item["n"], items.answered)
        gsum.add_to(self.item["s"], xc)
        gsum.add_to(self.item["ss"], xc * xc)
        gsum.add_to(self.item["not_reached"], items.not_reached)
        for t, arrays in block.items():
            d = self.unit[t]
            plan = self.plans[t]
            gsum.add_to(d["achieved"], arrays["achieved"])
            gsum.add_to(d["rated"], arrays["rated"])
            if "n_asked" in arrays:
                gsum.add_to(d["n_asked"], arrays["n_asked"])
            else:
                d["n_asked"] += counts[:, None, None] * plan.n_items[None]
            n_stages = len(plan.stages)
            level = arrays["level"]
            bins = np.where(level >= 0, level, n_stages - level).astype(np.int64)  # -1, -2 last
            d["levels"] += gsum.histogram(bins, d["levels"].shape[2])
            if "attained" in d:
                gsum.add_to(d["attained"], arrays["n_attained"])
            if "frequent" in d:
                gsum.add_to(d["frequent"], arrays["frequent"])
            if plan.single is not None:
                continue  # one stem per unit-stage: its sums are the item sums (unit_sums)
            has = arrays["n_answered"] > 0
            mc = np.where(has, arrays["mean"] - np.float32(c), np.float32(0)).astype("float64")
            gsum.add_to(d["cnt"], has)
            gsum.add_to(d["s"], mc)
            gsum.add_to(d["ss"], mc * mc)
            gsum.add_to(d["not_reached"], arrays["n_not_reached"] > 0)
            if t not in self.overall:
                continue
            # the respondent's mean over all answered reached stems of the unit
            n_ans = arrays["n_answered"].astype("float64")
            total = (mc * n_ans).sum(axis=1)  # units x rows, centred
            n_sum = n_ans.sum(axis=1)
            ok = n_sum > 0
            om = np.divide(total, n_sum, out=np.zeros_like(total), where=ok)
            o = self.overall[t]
            gsum.add_to(o["cnt"], ok)
            gsum.add_to(o["s"], om)
            gsum.add_to(o["ss"], om * om)
            # Cronbach's alpha blocks: complete cases = every stem reached and answered
            for b, (uu, ss, cols) in enumerate(plan.batches):
                k = cols.shape[1]
                complete = arrays["n_answered"][uu, ss] == k  # m x rows
                x = xc[cols.T] * complete[None]  # k x m x rows
                tot = x.sum(axis=0, dtype="float64")  # T² can exceed float32's exact range
                a = self.alpha[t][b]
                gsum.add_to(a["n"], complete)
                gsum.add_to(a["sx"], x)
                gsum.add_to(a["sxx"], (x * x).sum(axis=0))  # Σ_i x_i², all alpha needs
                gsum.add_to(a["st"], tot)
                gsum.add_to(a["stt"], tot * tot)

    def unit_sums(self, unit_type: str) -> dict[str, np.ndarray]:
        """The per-organisation sums of one unit type (orgs x units x stages ...).

        For one-stem unit-stages (practices) the moments of the respondents' means are
        the item moments, taken from the item sums instead of being summed twice.
        """
        d = dict(self.unit[unit_type])
        plan = self.plans[unit_type]
        if plan.single is not None:
            shape = (self.n_orgs, len(plan.units), len(plan.stages))
            d["cnt"] = self.item["n"][:, plan.single].reshape(shape)
            d["s"] = self.item["s"][:, plan.single].reshape(shape)
            d["ss"] = self.item["ss"][:, plan.single].reshape(shape)
            d["not_reached"] = self.item["not_reached"][:, plan.single].reshape(shape)
        return d

    # ----------------------------------------------------------------- derived
    def item_means(self) -> np.ndarray:
        """orgs x items: mean of the achievement-test values (not reached = lowest code).

        Blanks and don't-know stay out; NaN where an item has no value at all.
        """
        n, nr = self.item["n"], self.item["not_reached"]
        total = self.item["s"] + nr * (self.lowest - self.center)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.center + total / (n + nr)

    def item_variances(self) -> np.ndarray:
        """orgs x items: variance (n - 1) of the answered reached values; NaN if n < 2."""
        n, s, ss = self.item["n"], self.item["s"], self.item["ss"]
        with np.errstate(invalid="ignore", divide="ignore"):
            var = (ss - s * s / n) / (n - 1)
        return np.where(n >= 2, np.maximum(var, 0.0), np.nan)


def _add_nested(target: object, source: object) -> None:
    """target += source, elementwise through matching dicts, lists and tuples of arrays."""
    if isinstance(target, np.ndarray):
        target += source
    elif isinstance(target, dict):
        for key, value in target.items():
            _add_nested(value, source[key])
    else:
        for value, other in zip(target, source, strict=True):
            _add_nested(value, other)


# =========================================================================== tables
def _organisation_verdicts(acc: Accumulator, plan, rule: GateRule, item_means_t: np.ndarray,
                           asked_t: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """The rule on the organisation's item means: (achieved, rated, level), orgs first."""
    achieved, rated = plan.achieved(item_means_t, rule, asked_t=asked_t)
    if asked_t is None:
        applicable = np.broadcast_to((plan.n_items.sum(axis=1) > 0)[:, None],
                                     (len(plan.units), item_means_t.shape[1]))
    else:  # a unit applies to an organisation when one of its forms asks one of its stems
        stems = [np.concatenate(per_stage) for per_stage in plan.columns]
        applicable = np.array([asked_t[cols].any(axis=0) for cols in stems]).reshape(
            len(plan.units), item_means_t.shape[1])
    level = rated_levels(achieved, rated, applicable)  # units x orgs
    return (np.moveaxis(achieved, -1, 0), np.moveaxis(rated, -1, 0), level.T)


def organisation_table(acc: Accumulator, org_names: np.ndarray, rule: GateRule) -> pd.DataFrame:
    """``Scores.organisations``: organisation x unit x stage (layout in scoring/scores.py).

    Organisation-level rule: the rule is applied to the organisation's item means
    (``achieved_of_means`` and ``rated_of_means``; its consecutive stages give
    ``level_of_means``), where a not-reached stem counts as the scale's lowest code,
    blanks / don't-know / not-applicable codes stay out, and a stem none of the
    organisation's forms asks is not part of the set; beside it stands
    ``median_level``, the median of the rated respondents' levels.
    """
    g = acc.n_orgs
    item_means = acc.item_means()
    plans = acc.plans
    gate = acc.instrument.stage_ids.index(acc.instrument.gate_stage)
    item_means_t = np.ascontiguousarray(item_means.T)  # items x orgs
    asked_org = acc.item["asked"] > 0  # orgs x items
    asked_t = None if asked_org.all() else np.ascontiguousarray(asked_org.T)
    org_applied = org_rated = org_asked = None
    if "practice" in plans:
        p_ach, p_rated, p_level = _organisation_verdicts(acc, plans["practice"], rule,
                                                         item_means_t, asked_t)
        org_applied = p_ach[:, :, gate]
        org_rated, org_asked = p_rated[:, :, gate], p_level != NOT_APPLICABLE
    frames = []
    for t_index, (t, plan) in enumerate(plans.items()):
        d = acc.unit_sums(t)
        u, s = len(plan.units), len(plan.stages)
        shape = (g, u, s)
        n = np.broadcast_to(acc.n_resp[:, None, None], shape).astype(np.int64)
        cnt = d["cnt"]
        n_applicable = d["levels"][:, :, :s + 2].sum(axis=2)  # every bin but not applicable
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = acc.center + d["s"] / cnt
            var = (d["ss"] - d["s"] ** 2 / cnt) / (cnt - 1)
            share = d["achieved"] / d["rated"]
        sd = np.where(cnt >= 2, np.sqrt(np.maximum(var, 0.0)), np.nan)
        mean = np.where(cnt >= 1, mean, np.nan)
        of_means, rated_means, level = _organisation_verdicts(acc, plan, rule, item_means_t,
                                                             asked_t)
        level_means = np.broadcast_to(level[:, :, None], shape)
        median = np.broadcast_to(median_from_histogram(d["levels"][:, :, :s + 1])[:, :, None],
                                 shape)
        nan = np.full(shape, np.nan)
        attained = nan
        if "attained" in d:
            with np.errstate(invalid="ignore", divide="ignore"):
                attained = 100.0 * d["attained"] / d["n_asked"]
        applied, frequent, frequent_share = nan, np.zeros(shape, dtype=bool), nan
        if "frequent" in d and org_applied is not None:
            a_share, a_freq = classify_coverage(org_applied, plan.membership, org_rated,
                                                org_asked, rule.min_answered)
            applied = np.broadcast_to(a_share[:, :, None], shape).astype("float64")
            frequent = np.broadcast_to(a_freq[:, :, None], shape)
            with np.errstate(invalid="ignore", divide="ignore"):
                frequent_share = np.broadcast_to((d["frequent"] / n_applicable)[:, :, None], shape)
        status = np.array(["", "not rated", "not applicable"], dtype=object)[
            np.where(level_means >= 0, 0, -level_means.astype(np.int64))]
        frames.append(pd.DataFrame({
            "_org": np.repeat(np.arange(g), u * s), "_type": t_index,
            "organisation": np.repeat(org_names, u * s) if g else np.array([], dtype=object),
            "unit_type": t,
            "unit": np.tile(np.repeat(np.array(plan.units, dtype=object), s), g),
            "stage": np.tile(np.array(plan.stages, dtype=object), g * u),
            "n": n.reshape(-1),
            "n_applicable": np.broadcast_to(n_applicable[:, :, None], shape).reshape(-1)
                              .astype(np.int64),
            "n_rated": d["rated"].reshape(-1).astype(np.int64),
            "n_answered": cnt.reshape(-1).astype(np.int64),
            "n_not_reached": d["not_reached"].reshape(-1).astype(np.int64),
            "mean": mean.reshape(-1), "sd": sd.reshape(-1),
            "share_achieved": share.reshape(-1),
            "achieved_of_means": of_means.reshape(-1),
            "rated_of_means": rated_means.reshape(-1),
            "level_of_means": np.where(level_means >= 0, level_means, np.nan).reshape(-1),
            "status_of_means": status.reshape(-1),
            "median_level": median.reshape(-1),
            "attained_pct": attained.reshape(-1),
            "applied_share": np.asarray(applied).reshape(-1),
            "frequent": np.asarray(frequent).reshape(-1),
            "frequent_share": np.asarray(frequent_share).reshape(-1),
            "flag": np.where(n.reshape(-1) < N_SMALL_ORGANISATION, FLAG_N, ""),
        }))
    table = pd.concat(frames, ignore_index=True)
    table = table.sort_values(["_org", "_type"], kind="stable").drop(columns=["_org", "_type"])
    return table.reset_index(drop=True)


RELIABILITY_COLUMNS = ("statistic", "scope", "organisation", "unit_type", "unit", "stage", "value",
                       "n", "n_items", "n_groups", "k", "ms_between", "ms_within", "mean_var",
                       "expected_var", "flag")
_STATISTICS = ("rwg_j", "alpha", "icc1", "icc2")


def _join_flags(*flags) -> np.ndarray:
    """Element-wise '; '-join of the non-empty flags."""
    arrays = [np.asarray(f, dtype=object) for f in flags]
    out = np.full(np.broadcast_shapes(*(a.shape for a in arrays)), "", dtype=object)
    for f in arrays:
        has = f != ""
        out = np.where(has & (out != ""), out + "; " + f, np.where(has, f, out))
    return out


def reliability_table(acc: Accumulator, org_names: np.ndarray) -> pd.DataFrame:
    """``Scores.reliability``: rwg(j), alpha, ICC(1), ICC(2) (layout in scoring/scores.py).

    * rwg_j per organisation x unit x stage and x unit (stage ''): s̄² is the mean
      over the block's items of each item's variance among the organisation's
      answered reached values (items with fewer than 2 answers left out; J counts
      the rest); flagged 'n too small' when fewer than 3 respondents answered.
    * alpha per organisation and pooled ('all') x unit x stage: listwise complete
      cases among respondents who reached and answered every stem of the block.
    * icc1 / icc2 ('all') per unit x stage and x unit (stage ''): one-way ANOVA of the
      respondents' unit(-stage) means across organisations.

    Rows are ordered statistic (rwg_j, alpha, icc1, icc2), unit type, unit, stage ('' =
    the whole unit first, then the stages in instrument order), scope ('organisation'
    before 'all'), organisation.
    """
    inst = acc.instrument
    sigma2 = expected_variance(len(inst.scale.valid))
    var = acc.item_variances()
    columns: dict[str, list[np.ndarray]] = {c: [] for c in RELIABILITY_COLUMNS + ("_key",)}
    text = {"statistic", "scope", "organisation", "unit_type", "unit", "stage", "flag"}

    def emit(statistic: str, t: str, ui: int, si: int, **values) -> None:
        size = len(np.atleast_1d(values["value"]))
        values.update(statistic=statistic, unit_type=t)
        for c in RELIABILITY_COLUMNS:
            v = values.get(c, np.nan)
            dtype = object if c in text else ("int64" if c == "n" else "float64")
            columns[c].append(np.full(size, v, dtype=dtype) if np.ndim(v) == 0
                              else np.asarray(v, dtype=dtype))
        stage_rank = 0 if values["stage"] == "" else si + 1  # the whole unit first, then stages
        key = ((_STATISTICS.index(statistic) * 8 + RELIABILITY_UNIT_TYPES.index(t)) * 1000 + ui) \
            * 100 + stage_rank
        columns["_key"].append(np.full(size, key * 2 + (values["scope"] != "organisation"),
                                       dtype=np.int64))

    for t in RELIABILITY_UNIT_TYPES:
        if t not in acc.plans:
            continue
        plan = acc.plans[t]
        d, o = acc.unit_sums(t), acc.overall[t]
        n_stages = len(plan.stages)
        for ui, unit in enumerate(plan.units):
            blocks = [(si, stage, plan.columns[ui][si]) for si, stage in enumerate(plan.stages)]
            blocks.append((n_stages, "", np.concatenate(plan.columns[ui])))
            for si, stage, item_cols in blocks:
                if len(item_cols) == 0:
                    continue
                if si < n_stages:
                    moments = (d["cnt"][:, ui, si], d["s"][:, ui, si], d["ss"][:, ui, si])
                else:
                    moments = (o["cnt"][:, ui], o["s"][:, ui], o["ss"][:, ui])
                n = moments[0].astype(np.int64)
                # rwg(j) per organisation
                v = var[:, item_cols]
                j = (~np.isnan(v)).sum(axis=1)
                mean_var = np.where(j > 0, np.nansum(v, axis=1) / np.maximum(j, 1), np.nan)
                value, truncated = rwg_j(mean_var, j, sigma2)
                emit("rwg_j", t, ui, si, scope="organisation", organisation=org_names, unit=unit,
                     stage=stage, value=value, n=n, n_items=j.astype("float64"),
                     mean_var=mean_var, expected_var=sigma2,
                     flag=_join_flags(np.where(n < N_SMALL_ORGANISATION, FLAG_N, ""),
                                      np.where(truncated, FLAG_TRUNCATED, "")))
                # ICC(1), ICC(2) across organisations
                icc = icc_from_moments(*moments)
                for name in ("icc1", "icc2"):
                    emit(name, t, ui, si, scope="all", organisation="", unit=unit, stage=stage,
                         value=[icc[name]], n=icc["n"], n_groups=float(icc["n_groups"]),
                         k=icc["k"], ms_between=icc["ms_between"], ms_within=icc["ms_within"],
                         flag=FLAG_GROUPS if icc["n_groups"] < 2 else "")
        # Cronbach's alpha per unit x stage block, per organisation and pooled
        for b, (uu, ss, bcols) in enumerate(plan.batches):
            a = acc.alpha[t][b]
            k = bcols.shape[1]
            sx, sxx = np.swapaxes(a["sx"], 1, 2), a["sxx"]  # g x m x k; g x m (Σ over items)
            per_org = alpha_from_moments(a["n"], sx, sxx, a["st"], a["stt"])  # g x m
            pooled = alpha_from_moments(a["n"].sum(0), sx.sum(0), sxx.sum(0),
                                        a["st"].sum(0), a["stt"].sum(0))  # m
            for m, (ui, si) in enumerate(zip(uu.tolist(), ss.tolist())):
                for scope, orgs, val, nn in (
                        ("organisation", org_names, per_org[:, m], a["n"][:, m]),
                        ("all", "", pooled[m:m + 1], a["n"][:, m].sum(keepdims=True))):
                    nn = nn.astype(np.int64)
                    emit("alpha", t, ui, si, scope=scope, organisation=orgs, unit=plan.units[ui],
                         stage=plan.stages[si], value=val, n=nn, n_items=float(k),
                         flag=_join_flags(np.where(nn < N_SMALL_ALPHA, FLAG_N, ""),
                                          FLAG_ITEMS if k < 2 else ""))
    if not columns["value"]:
        return pd.DataFrame({c: [] for c in RELIABILITY_COLUMNS})
    data = {c: np.concatenate(v) for c, v in columns.items()}
    order = np.argsort(data.pop("_key"), kind="stable")
    table = pd.DataFrame({c: data[c][order] for c in RELIABILITY_COLUMNS})
    return table.reset_index(drop=True)


# =========================================================================== scoring/methods.py
DEFAULT_METHOD = "staged"
CHUNK_ROWS = 1 << 11  # respondents per vectorised block: ~1.6 MB per float32 copy of 196 items
RULE_KEYS = ("kind", "threshold", "min_code", "share")  # overrides that change the rule

Progress = Callable[[int], None]  # called with the number of respondents just scored


# --------------------------------------------------------------------------- structure
@dataclass(frozen=True)
class UnitPlan:
    """Which item columns make up each unit-stage of one unit type (fixed per instrument).

    Unit-stages are batched by their number of stems ``k``: ``batches`` holds, per
    distinct ``k``, the unit and stage indices of the unit-stages with ``k`` stems and
    an (m x k) matrix of their item columns, so one call of ``achieved`` on an
    ((rows * m) x k) array decides all of them at once.
    """

    unit_type: str
    units: tuple[str, ...]
    stages: tuple[str, ...]
    columns: tuple[tuple[np.ndarray, ...], ...]  # [unit][stage] -> item column indices
    n_items: np.ndarray  # units x stages
    batches: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]  # (unit idx, stage idx, cols)
    membership: np.ndarray  # units x practices bool: the practices of each unit (coverage)
    single: np.ndarray | None  # when every unit-stage has exactly one stem: its item, else None
    order: np.ndarray  # item columns in unit-stage order (unit-major), for ``_unit_sums``
    starts: np.ndarray  # where each non-empty unit-stage's run starts in ``order``
    ends: np.ndarray  # and where it ends (exclusive)
    filled: np.ndarray  # flat indices (unit * stages + stage) of the non-empty unit-stages

    def achieved(self, values_t: np.ndarray, rule: GateRule, codes: tuple[float, ...] = (),
                 asked_t: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(achieved, rated), each units x stages x rows: ``judge`` on every unit-stage.

        ``values_t`` is item-major (items x rows) with the not-reached treatment
        already applied (see ``achievement_values``); ``asked_t`` (items x rows, or
        None when every row's form asks every stem) marks the stems of each row's form.
        Each batch of unit-stages with k stems goes to ``judge`` as one
        ((m * rows) x k) array. A unit-stage with no stems is neither rated nor achieved.

        One-stem unit-stages (every practice) pass exactly when their single code
        passes, so when the scale's ``codes`` are given, ``achieved`` is asked
        once per code and the answer looked up (values that are not among ``codes``
        still go through ``achieved`` one by one): same decisions, a fraction
        of the work for a million respondents x 196 practice-stages. Such a set is
        rated when its stem has a value (or, without a minimum, whenever it is asked).
        """
        rows = values_t.shape[1]
        shape = (len(self.units), len(self.stages), rows)
        out = np.zeros(shape, dtype=bool)
        rated = np.zeros(shape, dtype=bool)
        for uu, ss, cols in self.batches:
            m, k = cols.shape
            block = values_t[cols.T]  # k x m x rows
            ask = None if asked_t is None else asked_t[cols.T]
            if k == 1 and codes:
                value = block[0]
                r = ~np.isnan(value) if rule.min_answered is not None else \
                    np.ones(value.shape, dtype=bool)
                if ask is not None:
                    r &= ask[0]
                out[uu, ss] = _single_stem_achieved(value, rule, codes) & r
                rated[uu, ss] = r
                continue
            flat_ask = None if ask is None else ask.reshape(k, m * rows).T
            a, r = judge(block.reshape(k, m * rows).T, rule, flat_ask)
            out[uu, ss] = a.reshape(m, rows)
            rated[uu, ss] = r.reshape(m, rows)
        return out, rated


def _single_stem_achieved(values: np.ndarray, rule: GateRule, codes: tuple[float, ...]
                          ) -> np.ndarray:
    """``achieved`` of one-stem sets, via a lookup over the scale's codes."""
    known = np.array(codes, dtype="float64")
    passing = known[achieved(known.reshape(-1, 1), rule)]
    out = np.zeros(values.shape, dtype=bool)
    listed = np.isnan(values)
    for code in known:
        hit = values == code
        listed |= hit
        if code in passing:
            out |= hit
    if not listed.all():  # a value outside the scale: ask the rule itself
        other = ~listed
        out[other] = achieved(values[other].reshape(-1, 1), rule)
    return out


def unit_plan(instrument: Instrument, unit_type: str) -> UnitPlan:
    """The item columns of every unit-stage for ``unit_type`` (area, group or practice)."""
    if unit_type not in UNIT_TYPES:
        raise ValueError(f"unknown unit type {unit_type!r}; choose one of {', '.join(UNIT_TYPES)}")
    units = {"area": tuple(a.id for a in instrument.areas),
             "group": tuple(g.id for g in instrument.groups),
             "practice": tuple(p.id for p in instrument.practices)}[unit_type]
    stages = instrument.stage_ids
    u_index = {u: k for k, u in enumerate(units)}
    s_index = {s: k for k, s in enumerate(stages)}
    lists: list[list[list[int]]] = [[[] for _ in stages] for _ in units]
    for col, item in enumerate(instrument.items):
        unit = getattr(item, unit_type)
        if unit in u_index:  # an area-level stem of a short form belongs to no process group
            lists[u_index[unit]][s_index[item.stage]].append(col)
    columns = tuple(tuple(np.array(c, dtype=np.intp) for c in per_stage) for per_stage in lists)
    n_items = np.array([[len(c) for c in per_stage] for per_stage in lists],
                       dtype=np.int16).reshape(len(units), len(stages))
    by_k: dict[int, list[tuple[int, int]]] = {}
    for u in range(len(units)):
        for s in range(len(stages)):
            k = int(n_items[u, s])
            if k:
                by_k.setdefault(k, []).append((u, s))
    batches = tuple(
        (np.array([u for u, _ in pairs], dtype=np.intp), np.array([s for _, s in pairs], dtype=np.intp),
         np.array([columns[u][s] for u, s in pairs], dtype=np.intp))
        for k, pairs in sorted(by_k.items()))
    # coverage counts practices by their gate-stage stem: entries without one (a short
    # form's area-level stems) are no practice of any unit there
    gated = {i.practice for i in instrument.items if i.stage == instrument.gate_stage}
    membership = np.zeros((len(units), len(instrument.practices)), dtype=bool)
    for p, practice in enumerate(instrument.practices):
        unit = practice.id if unit_type == "practice" else getattr(practice, unit_type)
        if unit in u_index and practice.id in gated:
            membership[u_index[unit], p] = True
    single = np.array([columns[u][s][0] for u in range(len(units)) for s in range(len(stages))],
                      dtype=np.intp) if n_items.size and (n_items == 1).all() else None
    flat = [columns[u][s] for u in range(len(units)) for s in range(len(stages))]
    order = np.concatenate(flat) if flat else np.zeros(0, dtype=np.intp)
    lengths = np.array([len(c) for c in flat], dtype=np.intp)
    filled = np.flatnonzero(lengths)
    ends = np.cumsum(lengths)
    starts = (ends - lengths)[filled]
    return UnitPlan(unit_type, units, stages, columns, n_items, batches, membership, single,
                    order.astype(np.intp), starts, ends[filled], filled)


def lowest_code(instrument: Instrument) -> float:
    """The scale's lowest substantive code: what a not-reached stem counts as."""
    valid = instrument.scale.valid
    if not valid:
        raise ValueError(f"scale {instrument.scale.id!r} has no substantive codes")
    return float(min(valid))


def reached_answers_t(instrument: Instrument, raw: np.ndarray,
                      asked: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Item-major substantive answers of reached stems and the not-reached mask.

    ``raw`` is rows x ``instrument.item_ids`` with raw codes and NaN blanks (as in
    ``Responses.values``); ``asked`` (rows x items, or None: all) the stems each row's
    form asks. Returns ``(clean_t, not_reached_t)``, both items x rows:
    ``clean_t`` is float64 with NaN for blanks, missing codes (don't know, not
    applicable), stems not asked and not-reached stems (answered-anyway values are
    dropped: the gate decides); ``not_reached_t`` is True where the stem is asked,
    its area failed the gate (``gate_matrix``) and it is not at the gate stage.
    """
    raw = np.asarray(raw, dtype="float64")
    opened = gate_matrix(instrument, raw, asked)  # rows x areas
    clean_t = substantive(np.ascontiguousarray(raw.T), instrument.scale)
    area_index = {a.id: k for k, a in enumerate(instrument.areas)}
    item_area = np.array([area_index[i.area] for i in instrument.items], dtype=np.intp)
    gated = np.array([i.stage != instrument.gate_stage for i in instrument.items], dtype=bool)
    not_reached_t = ~np.ascontiguousarray(opened.T)[item_area] & gated[:, None]
    if asked is not None:
        asked_t = np.ascontiguousarray(np.asarray(asked).T)
        not_reached_t &= asked_t
        clean_t[~asked_t] = np.nan
    clean_t[not_reached_t] = np.nan
    return clean_t, not_reached_t


def reached_answers(instrument: Instrument, raw: np.ndarray,
                    asked: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``reached_answers_t`` laid out respondents x items, like ``Responses.values``."""
    clean_t, not_reached_t = reached_answers_t(instrument, raw, asked)
    return clean_t.T, not_reached_t.T


def achievement_values(clean: np.ndarray, not_reached: np.ndarray, lowest: float) -> np.ndarray:
    """What the achievement test sees: reached answers, not-reached stems as the lowest code."""
    return np.where(not_reached, lowest, clean)


# --------------------------------------------------------------------------- the rule
def resolve_rule(instrument: Instrument, rule: GateRule | None = None,
                 overrides: Mapping[str, object] | None = None) -> GateRule:
    """The rule to score with: ``rule`` if given, else the manifest's with ``overrides``.

    Override keys that change the rule are ``kind``, ``threshold``, ``min_code`` and
    ``share`` (e.g. ``{"threshold": 4.0}`` from ``--threshold 4``); other keys are only
    recorded in ``Scores.overrides`` for the report. The gate that decided what was
    reached in the field always stays the manifest's rule.
    """
    if rule is not None:
        return rule
    params = {k: (overrides or {})[k] for k in RULE_KEYS if k in (overrides or {})}
    if not params:
        return instrument.rule
    resolved = dataclasses.replace(instrument.rule, **params)
    if resolved.kind == "mean" and resolved.threshold is None:
        raise ValueError("the 'mean' rule needs a threshold (e.g. --threshold 3.5)")
    if resolved.kind == "count" and (resolved.min_code is None or resolved.share is None):
        raise ValueError("the 'count' rule needs min_code and share (e.g. min_code 4, share 0.5)")
    if resolved.kind not in ("mean", "count"):
        raise ValueError(f"unknown rule kind {resolved.kind!r}; choose 'mean' or 'count'")
    return resolved


def attained_cut(rule: GateRule) -> float:
    """opm3-binary: a stem is attained when its code is at least this value.

    The rule's threshold (mean rule) or min_code (count rule): on the yes/no scale
    (1 = yes, 0 = no, threshold 0.5 / min_code 1) exactly the 'yes' answers; on the
    agree5 scale (threshold 3.5 / min_code 4) 4 = 同意 and 5 = 非常同意.
    """
    return float(rule.threshold if rule.kind == "mean" else rule.min_code)


# --------------------------------------------------------------------------- per block of rows
def _count_dtype(plans: Mapping[str, UnitPlan]) -> np.dtype:
    biggest = max((int(p.n_items.max()) for p in plans.values() if p.n_items.size), default=0)
    return np.dtype(np.int8 if biggest <= np.iinfo(np.int8).max else np.int16)


@dataclass
class ItemBlock:
    """Item-major arrays of one block of rows, shared by the scoring and the sums."""

    clean: np.ndarray  # items x rows float64: reached substantive answers, NaN otherwise
    not_reached: np.ndarray  # items x rows bool
    answered: np.ndarray  # items x rows bool: ~isnan(clean)
    filled: np.ndarray  # items x rows float32: clean with 0 for NaN
    asked: np.ndarray | None = None  # items x rows bool: the stems each row's form asks

    @classmethod
    def of(cls, clean_t: np.ndarray, not_reached_t: np.ndarray,
           asked_t: np.ndarray | None = None) -> ItemBlock:
        answered = ~np.isnan(clean_t)
        filled = np.where(answered, clean_t, 0.0).astype(np.float32)
        return cls(clean_t, not_reached_t, answered, filled, asked_t)


def _unit_sums(plan: UnitPlan, item_values: np.ndarray) -> np.ndarray:
    """units x stages x rows: the sum of ``item_values`` (items x rows, float32) over each
    unit-stage's stems (exact for counts and integer codes).

    The items are put in unit-stage order and each run of rows summed: a few hundred
    thousand additions per block, where a product with a units x items 0/1 matrix
    (mostly zeros) did forty times more work. Exact: the sums are of small integers
    (counts, integer codes).
    """
    if plan.single is not None:
        out = item_values[plan.single]
    else:
        ordered = item_values[plan.order]
        out = np.zeros((len(plan.units) * len(plan.stages), item_values.shape[1]),
                       dtype=item_values.dtype)
        for k, a, b in zip(plan.filled, plan.starts, plan.ends):
            np.sum(ordered[a:b], axis=0, out=out[k])
    return out.reshape(len(plan.units), len(plan.stages), -1)


def _score_block(plans: Mapping[str, UnitPlan], items: ItemBlock, rule: GateRule, method: str,
                 lowest: float, gate_index: int, count_dtype: np.dtype,
                 codes: tuple[float, ...] = ()) -> dict[str, dict[str, np.ndarray]]:
    """Every per-respondent result for a block of rows, per unit type, item-major.

    Arrays come back as units x stages x rows (``level``, ``applied_share`` and
    ``frequent``: units x rows); ``_score`` transposes them into ``UnitScores``.
    """
    test_t = achievement_values(items.clean, items.not_reached, lowest)
    answered_f = items.answered.astype(np.float32)
    not_reached_f = items.not_reached.astype(np.float32)
    asked_f = None if items.asked is None else items.asked.astype(np.float32)
    attained_f = None
    if method == "opm3-binary":
        with np.errstate(invalid="ignore"):
            attained_f = (items.clean >= attained_cut(rule) - 1e-9).astype(np.float32)
    out: dict[str, dict[str, np.ndarray]] = {}
    for unit_type, plan in plans.items():
        n = _unit_sums(plan, answered_f)
        total = _unit_sums(plan, items.filled)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n > 0, total / n, np.float32(np.nan)).astype(np.float32, copy=False)
        achieved, rated = plan.achieved(test_t, rule, codes, items.asked)
        if asked_f is None:
            applicable = np.broadcast_to((plan.n_items.sum(axis=1) > 0)[:, None],
                                         (len(plan.units), test_t.shape[1]))
            n_asked = None
        else:
            n_asked = _unit_sums(plan, asked_f)
            applicable = n_asked.sum(axis=1) > 0
        arrays = {"mean": mean, "n_answered": n.astype(count_dtype),
                  "n_not_reached": _unit_sums(plan, not_reached_f).astype(count_dtype),
                  "achieved": achieved, "rated": rated,
                  "level": rated_levels(achieved, rated, applicable)}
        if n_asked is not None:
            arrays["n_asked"] = n_asked.astype(count_dtype)
        if attained_f is not None:
            arrays["n_attained"] = _unit_sums(plan, attained_f).astype(count_dtype)
        out[unit_type] = arrays
    if method == "coverage":
        practice = out["practice"]
        applied = practice["achieved"][:, gate_index, :].T  # rows x practices
        rated = practice["rated"][:, gate_index, :].T
        asked = (practice["level"] != NOT_APPLICABLE).T
        for unit_type, plan in plans.items():
            share, frequent = classify_coverage(applied, plan.membership, rated, asked,
                                                rule.min_answered)
            out[unit_type]["applied_share"] = np.ascontiguousarray(share.T)
            out[unit_type]["frequent"] = np.ascontiguousarray(frequent.T)
    return out


# --------------------------------------------------------------------------- the driver
def group_labels(responses: Responses, by: str | None) -> np.ndarray:
    """What the organisation-level results are grouped by: the organisation, or the answer
    to a single-choice background question (its choice label; '' when not answered)."""
    if not by:
        return responses.organisation
    question = next((q for q in responses.instrument.background if q.id == by), None)
    if question is None or question.kind != "single":
        singles = [q.id for q in responses.instrument.background if q.kind == "single"]
        raise ValueError(f"cannot group by {by!r}: use one of the single-choice background "
                         f"questions ({', '.join(singles) or 'none'})")
    labels = {float(c.code): f"{c.code} {c.label}" for c in question.choices}
    values = np.asarray(responses.answers(by), dtype="float64")
    table = np.array([*labels.values(), ""], dtype=object)
    index = np.full(len(values), len(labels), dtype=np.intp)
    for k, code in enumerate(labels):
        index[values == code] = k
    return table[index]


def _score(responses: Responses, method: str, rule: GateRule | None,
           overrides: Mapping[str, object] | None, progress: Progress | None,
           units: tuple[str, ...] = UNIT_TYPES, by: str | None = None) -> Scores:
    instrument = responses.instrument
    overrides = dict(overrides or {})
    rule = resolve_rule(instrument, rule, overrides)
    plans = {t: unit_plan(instrument, t) for t in UNIT_TYPES}
    count_dtype = _count_dtype(plans)
    lowest = lowest_code(instrument)
    gate_index = instrument.stage_ids.index(instrument.gate_stage)
    codes = tuple(float(c) for c in instrument.scale.valid)
    n_rows = len(responses)
    values = np.asarray(responses.values)
    if values.shape != (n_rows, len(instrument.item_ids)):
        raise ValueError(f"Responses.values has shape {values.shape}; expected "
                         f"({n_rows}, {len(instrument.item_ids)}) for instrument {instrument.id}")

    org_names, org_codes = organisation_codes(group_labels(responses, by))
    kept = [t for t in UNIT_TYPES if t in units]
    uniform = responses.forms.uniform
    outputs = {t: _allocate(n_rows, plans[t], method, count_dtype, uniform) for t in kept}

    def work(starts: range) -> Accumulator:
        """Score the blocks starting at ``starts`` into ``outputs`` and a new Accumulator."""
        acc = Accumulator(instrument, plans, len(org_names), method)
        for start in starts:
            stop = min(start + CHUNK_ROWS, n_rows)
            asked = responses.asked_rows(slice(start, stop))
            items = ItemBlock.of(*reached_answers_t(instrument, values[start:stop], asked),
                                 None if asked is None else np.ascontiguousarray(asked.T))
            block = _score_block(plans, items, rule, method, lowest, gate_index, count_dtype,
                                 codes)
            for unit_type in kept:
                for name, arr in block[unit_type].items():
                    outputs[unit_type][name][..., start:stop] = arr
            acc.add(org_codes[start:stop], items, block)
            if progress is not None:
                progress(stop - start)
        return acc

    # numpy releases the GIL in the array work, so blocks run in threads; each thread
    # writes its own rows of ``outputs`` and sums into its own Accumulator
    starts = range(0, n_rows, CHUNK_ROWS)
    n_threads = max(1, min(_threads(), len(starts)))
    share = -(-len(starts) // n_threads)
    parts = [starts[k * share:(k + 1) * share] for k in range(n_threads)]
    # one BLAS thread per worker: OpenBLAS's own threads on these small products made
    # scoring twice as slow, and the workers already use every CPU
    with threadpool_limits(limits=1, user_api="blas"):
        if n_threads == 1:
            accs = [work(starts)]
        else:
            with ThreadPoolExecutor(n_threads, thread_name_prefix="score") as pool:
                accs = list(pool.map(work, parts))
    acc = accs[0]
    for other in accs[1:]:
        acc.merge(other)

    units = {t: _unit_scores(t, plans[t], _rows_first(outputs[t])) for t in kept}
    organisations = organisation_table(acc, org_names, rule)
    reliability = reliability_table(acc, org_names)
    return Scores(instrument=instrument, method=method, rule=rule, overrides=overrides,
                  responses=responses, units=units, organisations=organisations,
                  reliability=reliability, notes=_notes(instrument, method, rule), by=by or "")


def _threads() -> int:
    """Worker threads for scoring: the CPUs this process may use, at most 4."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return min(4, available)


def _allocate(n_rows: int, plan: UnitPlan, method: str, count_dtype: np.dtype,
              uniform: bool = True) -> dict[str, np.ndarray]:
    """Per-respondent result arrays, stored rows-last (units x stages x rows).

    Blocks are computed rows-last, so each block is one contiguous copy; ``UnitScores``
    gets the rows-first views (``_rows_first``) that its layout documents.
    """
    shape = (len(plan.units), len(plan.stages), n_rows)
    arrays = {"mean": np.empty(shape, dtype=np.float32),
              "n_answered": np.empty(shape, dtype=count_dtype),
              "n_not_reached": np.empty(shape, dtype=count_dtype),
              "achieved": np.empty(shape, dtype=bool),
              "rated": np.empty(shape, dtype=bool),
              "level": np.empty((shape[0], n_rows), dtype=np.int8)}
    if not uniform:
        arrays["n_asked"] = np.empty(shape, dtype=count_dtype)
    if method == "opm3-binary":
        arrays["n_attained"] = np.empty(shape, dtype=count_dtype)
    if method == "coverage":
        arrays["applied_share"] = np.empty((shape[0], n_rows), dtype=np.float32)
        arrays["frequent"] = np.empty((shape[0], n_rows), dtype=bool)
    return arrays


def _rows_first(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {name: np.moveaxis(arr, -1, 0) for name, arr in arrays.items()}


def _unit_scores(t: str, plan: UnitPlan, arrays: dict[str, np.ndarray]) -> UnitScores:
    """Adapter (not in the frozen copy): today's ``UnitScores`` takes the per-stage arrays
    through ``details``; the values are the old core's."""
    kept = ("level", "applied_share", "frequent")
    detail = {k: v for k, v in arrays.items() if k not in kept}
    return UnitScores(unit_type=t, units=plan.units, stages=plan.stages,
                      n_items=plan.n_items.copy(), **{k: v for k, v in arrays.items() if k in kept},
                      details=lambda: detail)


def _notes(instrument: Instrument, method: str, rule: GateRule) -> list[str]:
    notes = [f"method: {method} — {METHOD_SUMMARY[method]}"]
    if rule.layout() != instrument.rule.layout():
        notes.append(f"achievement rule overridden: {_describe(rule)} (the questionnaire's gate "
                     f"used {_describe(instrument.rule)}; what was reached is decided by that gate)")
    else:
        notes.append(f"achievement rule: {_describe(rule)}")
    lowest = lowest_code(instrument)
    if (rule.kind == "mean" and rule.threshold <= lowest) or \
       (rule.kind == "count" and rule.min_code <= lowest):
        notes.append(f"warning: the rule passes the scale's lowest code {lowest:g}, so every answer "
                     f"and every not-reached stem counts as achieved; levels measure nothing")
    if method == "opm3-binary" and instrument.scale.id != "yesno":
        notes.append(f"opm3-binary on scale {instrument.scale.id}: a stem counts as attained when "
                     f"its code is at least {attained_cut(rule):g}")
    return notes


def _describe(rule: GateRule) -> str:
    if rule.kind == "mean":
        return f"mean of the answered stems >= {rule.threshold:g}"
    return (f"at least {rule.share:g} of the stems marked >= {rule.min_code}"
            f" (count rule)")



METHOD_SUMMARY = {
    "staged": "a stage is achieved when its stems pass the rule; the level is the number of "
              "consecutive achieved stages from the first; not-reached stems count as not achieved",
    "opm3-binary": "percentage of each unit-stage's stems attained (OPM3 self-assessment); "
                   "levels as in 'staged'",
    "coverage": "a practice is applied when its S stem is achieved; a unit is applied frequently "
                "when at least half of its practices are applied; levels as in 'staged'",
}


def score(responses: Responses, method: str = "staged", rule: GateRule | None = None,
          overrides: Mapping[str, object] | None = None, units: tuple[str, ...] = UNIT_TYPES,
          by: str | None = None) -> Scores:
    """The old ``scoring.methods.compute``."""
    return _score(responses, method, rule, overrides, None, units, by)
