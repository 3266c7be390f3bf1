"""The scoring kernel: a block of respondents -> every per-respondent result, by matrix products.

Respondents are scored in blocks of a few hundred rows, item-major (items x rows,
the layout the reader stores). Everything a block needs is a handful of array
operations on the whole block and three kinds of matrix products:

1. **The gate.** A 0/1 matrix (areas x gate-stage stems) times the block's
   gate-stage counts (substantive answers, their sum, the answers marked >=
   min_code, the stems asked) gives every area's gate counts at once;
   ``instrument.gating.verdict``, the one achievement rule, opens or closes each
   area for each respondent (with the manifest's rule: the gate the field used).
2. **Unit-stage sums.** A 0/1 indicator matrix (unit-stages x items) for the
   knowledge areas and process groups times the per-item quantities (answered,
   not reached, the centred answer and its square, the stems asked, the answers
   marked >= min_code, the attained stems) gives each unit-stage's counts and sums;
   a unit type with exactly one stem per unit-stage (PMBOK-6's practices) takes its
   items directly. ``verdict`` then decides every unit-stage of every respondent in
   one call (not-reached stems entering as the scale's lowest code), and
   ``levels.rated_levels`` turns the stage verdicts into levels.
3. **Organisation sums.** Everything the organisation tables add up (item and
   unit-stage counts and moments, level histograms, the moments of Cronbach's
   alpha blocks) is laid out as the rows of one float matrix per block
   (``SumRows``); ``scoring.stats.GroupSums`` multiplies it by the block's one-hot
   organisation matrix.

Buffers are allocated once per ``Kernel`` and reused for every block (a page of
memory touched for the first time costs ~10 µs here), and no Python code runs per
respondent. Exactness: every quantity summed in float32 is a small integer (answer
codes are integers; the sums over a block stay far below 2**24); the rule's
comparisons are made in float64 by ``verdict``, exactly as ``gating.judge`` makes
them. Scales with non-integer codes are summed in float64 throughout.
"""

from __future__ import annotations

import math
import dataclasses
from dataclasses import dataclass, field

import numpy as np

from instrument.gating import verdict
from instrument.model import GateRule, Instrument

from .levels import NOT_APPLICABLE, rated_levels
from .stats import RELIABILITY_UNIT_TYPES, classify

UNIT_TYPES = ("area", "group", "practice")
CHUNK_ROWS = 1 << 9  # respondents per block: the block's arrays stay in the CPU's caches


# --------------------------------------------------------------------------- structure
@dataclass(frozen=True)
class UnitPlan:
    """The stems of every unit-stage of one unit type (fixed per instrument).

    Unit-stages are flattened unit-major (unit * stages + stage); ``rows`` is where
    they sit on the kernel's stacked unit-stage axis (all unit types together), and
    ``unit_rows`` where the units sit on the stacked unit axis.
    """

    unit_type: str
    units: tuple[str, ...]
    stages: tuple[str, ...]
    columns: tuple[tuple[np.ndarray, ...], ...]  # [unit][stage] -> item column indices
    n_items: np.ndarray  # int16, units x stages
    membership: np.ndarray  # units x practices bool: the practices of each unit (coverage)
    rows: slice = field(default_factory=lambda: slice(0, 0))
    unit_rows: slice = field(default_factory=lambda: slice(0, 0))

    @property
    def single(self) -> np.ndarray | None:
        """When every unit-stage has exactly one stem: that stem per unit-stage, else None."""
        if not self.n_items.size or not (self.n_items == 1).all():
            return None
        return np.array([c[0] for per_stage in self.columns for c in per_stage], dtype=np.intp)

    def indicator(self, n_items: int) -> np.ndarray:
        """unit-stages x items 0/1 (float32): which stems make up each unit-stage."""
        out = np.zeros((len(self.units) * len(self.stages), n_items), dtype=np.float32)
        for k, cols in enumerate(c for per_stage in self.columns for c in per_stage):
            out[k, cols] = 1.0
        return out


def unit_plan(instrument: Instrument, unit_type: str, row0: int = 0, unit0: int = 0) -> UnitPlan:
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
    # coverage counts practices by their gate-stage stem: entries without one (a short
    # form's area-level stems) are no practice of any unit there
    gated = {i.practice for i in instrument.items if i.stage == instrument.gate_stage}
    membership = np.zeros((len(units), len(instrument.practices)), dtype=bool)
    for p, practice in enumerate(instrument.practices):
        unit = practice.id if unit_type == "practice" else getattr(practice, unit_type)
        if unit in u_index and practice.id in gated:
            membership[u_index[unit], p] = True
    return UnitPlan(unit_type, units, stages, columns, n_items, membership,
                    slice(row0, row0 + len(units) * len(stages)),
                    slice(unit0, unit0 + len(units)))


def lowest_code(instrument: Instrument) -> float:
    """The scale's lowest substantive code: what a not-reached stem counts as."""
    valid = instrument.scale.valid
    if not valid:
        raise ValueError(f"scale {instrument.scale.id!r} has no substantive codes")
    return float(min(valid))


def attained_cut(rule: GateRule) -> float:
    """opm3-binary: a stem is attained when its code is at least this value.

    The rule's threshold (mean rule) or min_code (count rule): on the yes/no scale
    (1 = yes, 0 = no, threshold 0.5 / min_code 1) exactly the 'yes' answers; on the
    agree5 scale (threshold 3.5 / min_code 4) 4 = 同意 and 5 = 非常同意.
    """
    return float(rule.threshold if rule.kind == "mean" else rule.min_code)


def center_code(instrument: Instrument) -> float:
    """The substantive code nearest the middle of the scale: answers are summed minus it,
    which keeps sums of squares stable and, for integer codes, small exact integers."""
    valid = np.array(sorted(instrument.scale.valid) or [0], dtype="float64")
    return float(valid[np.argmin(np.abs(valid - valid.mean()))])


class Slots:
    """Named row ranges of a 2-D buffer (rows x columns): ``add`` at set-up, ``of`` to use."""

    def __init__(self) -> None:
        self.where: dict[str, tuple[int, tuple[int, ...]]] = {}
        self.size = 0

    def add(self, name: str, *shape: int) -> None:
        self.where[name] = (self.size, shape)
        self.size += math.prod(shape)

    def __contains__(self, name: str) -> bool:
        return name in self.where

    def of(self, buffer: np.ndarray, name: str) -> np.ndarray:
        """The slot's rows of ``buffer`` as (*shape, columns)."""
        start, shape = self.where[name]
        return buffer[start:start + math.prod(shape)].reshape(*shape, buffer.shape[-1])


@dataclass
class Structure:
    """Everything fixed for one scoring run: plans, indicator matrices, codes and the sums laid
    out per organisation (``exact``: small integers; ``wide``: float64 moments)."""

    instrument: Instrument
    rule: GateRule
    method: str
    uniform: bool  # every form asks every stem
    rows: int = CHUNK_ROWS  # respondents per block
    plans: dict[str, UnitPlan] = field(init=False)

    def __post_init__(self) -> None:
        inst = self.instrument
        self.n_items = len(inst.items)
        self.n_stages = len(inst.stage_ids)
        self.gate_index = inst.stage_ids.index(inst.gate_stage)
        self.lowest = lowest_code(inst)
        self.center = center_code(inst)
        self.missing = tuple(float(c) for c in inst.scale.missing)
        valid = np.array(inst.scale.valid or [0], dtype="float64")
        spread = float(np.max(np.abs(valid - self.center)))
        integer = bool(np.all(valid == np.rint(valid)))
        self.dtype = np.dtype(np.float32 if integer and self.rows * max(spread, 1) ** 2
                              * max(self.n_items, 1) < 2 ** 24 else np.float64)
        self._plan_units()
        self._gate()
        self._layout_sums()

    def _plan_units(self) -> None:
        inst = self.instrument
        drafts = {t: unit_plan(inst, t) for t in UNIT_TYPES}
        # unit types summed by an indicator product first, then those that take their stems
        order = sorted(UNIT_TYPES, key=lambda t: drafts[t].single is not None)
        row = unit = 0
        self.plans = {}
        for t in order:
            self.plans[t] = unit_plan(inst, t, row, unit)
            row, unit = self.plans[t].rows.stop, self.plans[t].unit_rows.stop
        self.plans = {t: self.plans[t] for t in UNIT_TYPES}  # instrument order for the tables
        self.n_unit_stages, self.n_units = row, unit
        products = [t for t in order if drafts[t].single is None]
        picked = [t for t in order if drafts[t].single is not None]
        self.product_rows = slice(0, sum(len(self.plans[t].units) for t in products) * self.n_stages)
        self.indicator = (np.concatenate([self.plans[t].indicator(self.n_items) for t in products])
                          .astype(self.dtype) if products else None)
        self.pick = (np.concatenate([self.plans[t].single for t in picked]) if picked
                     else np.zeros(0, dtype=np.intp))
        n_items = np.concatenate([self.plans[t].n_items.reshape(-1) for t in order])
        self.stage_items = n_items.astype(self.dtype)[:, None]  # unit-stages x 1
        self.unit_has_items = n_items.reshape(-1, self.n_stages).sum(axis=1)[:, None] > 0
        self.coverage = np.concatenate([self.plans[t].membership for t in order]).astype(
            np.float32) if self.method == "coverage" else None
        practice = self.plans["practice"]
        self.practice_units = practice.unit_rows

    def _gate(self) -> None:
        inst = self.instrument
        area_index = {a.id: k for k, a in enumerate(inst.areas)}
        self.item_area = np.array([area_index[i.area] for i in inst.items], dtype=np.intp)
        self.beyond_gate = np.array([i.stage != inst.gate_stage for i in inst.items], dtype=bool)
        self.gate_items = np.flatnonzero(~self.beyond_gate)
        self.gate_indicator = np.zeros((len(inst.areas), len(self.gate_items)), dtype=self.dtype)
        self.gate_indicator[self.item_area[self.gate_items], np.arange(len(self.gate_items))] = 1
        self.gate_sizes = self.gate_indicator.sum(axis=1, keepdims=True)
        rule = inst.rule  # the gate is the manifest's rule, whatever the scoring rule
        self.gate_quantities = 2 + (rule.kind == "count") + (not self.uniform)

    def not_reached(self, opened: np.ndarray, asked: np.ndarray | None = None) -> np.ndarray:
        """rows x items: asked stems beyond the gate stage of an area whose gate is closed.

        ``opened`` is rows x areas (``Kernel.gate``); ``asked`` rows x items or None."""
        out = ~np.asarray(opened, dtype=bool)[:, self.item_area] & self.beyond_gate
        if asked is not None:
            out &= np.asarray(asked, dtype=bool)
        return out

    def _layout_sums(self) -> None:
        """What ``GroupSums`` adds up per organisation, as named rows (see ``scoring.stats``).

        ``items`` holds the per-item quantities themselves (the kernel fills them in place,
        and the unit-stage products read them from there): answered, x = answer - centre,
        x², and for forms that differ not reached and asked. With one form, not reached is
        summed per area (``closed``: every stem beyond a closed gate is not reached).
        """
        i, u, n_units, s = self.n_items, self.n_unit_stages, self.n_units, self.n_stages
        exact, wide = Slots(), Slots()
        exact.add("items", 3 if self.uniform else 5, i)
        if self.uniform:
            exact.add("closed", len(self.instrument.areas))
        for name in ("achieved", "rated"):
            exact.add(name, u)
        if not self.uniform:
            exact.add("n_asked", u)
        if self.method == "opm3-binary":
            exact.add("attained", u)
        if self.method == "coverage":
            exact.add("frequent", n_units)
        k = self.product_rows.stop  # one stem per unit-stage: moments are the item sums
        if k:
            exact.add("has", k)  # has an answer
            exact.add("some_not_reached", k)
            wide.add("mean", k)
            wide.add("mean2", k)
        reliable = [self.plans[t] for t in RELIABILITY_UNIT_TYPES]
        units_r = sum(len(p.units) for p in reliable)
        exact.add("complete", units_r * s)
        exact.add("alpha_x", len(reliable), i)  # Σx per item over complete cases, per type
        exact.add("alpha_xx", units_r * s)
        exact.add("alpha_t", units_r * s)
        wide.add("alpha_tt", units_r * s)
        wide.add("whole", 3, units_r)  # has an answer, mean of all the unit's stems, its square
        self.exact, self.wide = exact, wide
        self.level_bins = s + 3  # levels 0..s, then not rated, not applicable
        self.reliable_rows = np.concatenate([np.arange(p.rows.start, p.rows.stop) for p in reliable])
        self.reliable_units = np.concatenate([np.arange(p.unit_rows.start, p.unit_rows.stop)
                                              for p in reliable])
        self.reliable_stage_items = self.stage_items[self.reliable_rows]
        # the unit-stages whose means the organisation sums need (one-stem practices' not)
        self.mean_rows = slice(0, max(self.product_rows.stop, int(self.reliable_rows.max(initial=-1)) + 1))
        # per reliability type: each item's unit-stage (0 for none) and whether it has one,
        # and where the type's unit-stages sit among the reliability rows
        self.alpha_members: list[tuple[np.ndarray, np.ndarray | None, slice]] = []
        start = 0
        for p in reliable:
            member = np.full(i, -1, dtype=np.intp)
            for k, cols in enumerate(c for per_stage in p.columns for c in per_stage):
                member[cols] = k
            size = len(p.units) * s
            outside = member < 0
            self.alpha_members.append((np.maximum(member, 0), outside if outside.any() else None,
                                       slice(start, start + size)))
            start += size
        # with one form: each product unit-stage's stems beyond the gate, per area
        self.beyond_per_area = None
        if self.indicator is not None:
            areas = np.zeros((i, len(self.instrument.areas)), dtype=self.dtype)
            areas[np.arange(i), self.item_area] = self.beyond_gate
            self.beyond_per_area = self.indicator @ areas


# --------------------------------------------------------------------------- one block
@dataclass
class BlockResult:
    """Per-respondent results of one block: views into the kernel's buffers (valid until the
    next block). Unit-stage arrays are (unit-stages on the stacked axis) x rows."""

    sums: np.ndarray  # quantities x unit-stages x rows: answered, x, x², not reached, ...
    achieved: np.ndarray  # bool
    rated: np.ndarray
    level: np.ndarray  # int8, units x rows
    applied_share: np.ndarray | None  # float32, units x rows (coverage)
    frequent: np.ndarray | None
    opened: np.ndarray  # bool, areas x rows: the gate
    mean: np.ndarray  # float32, the product unit-stages x rows (every unit-stage: ``detail``)

    @property
    def n_answered(self) -> np.ndarray:
        return self.sums[0]

    @property
    def n_not_reached(self) -> np.ndarray:
        return self.sums[3]


class Kernel:
    """Scores blocks of exactly ``structure.rows`` respondents, with buffers allocated once
    (``sized`` gives the kernel for a shorter last block)."""

    def __init__(self, structure: Structure):
        st = self.st = structure
        self.rows = rows = structure.rows
        i, u, dt = st.n_items, st.n_unit_stages, st.dtype
        self.exact = np.zeros((st.exact.size, rows), dtype=dt)
        self.wide = np.zeros((st.wide.size, rows), dtype=np.float64)
        self.view = {name: st.exact.of(self.exact, name) for name in st.exact.where}
        self.view.update({name: st.wide.of(self.wide, name) for name in st.wide.where})
        self.items = self.view["items"]  # quantities x items x rows
        self.n_more = (st.rule.kind == "count") + (st.method == "opm3-binary")
        self.more = np.zeros((self.n_more, i, rows), dtype=dt)  # marked >= min_code, attained
        self.sums = np.zeros((5 + self.n_more, u, rows), dtype=dt)
        self.substantive = np.zeros((i, rows), dtype=bool)
        self.scratch = np.zeros((i, rows), dtype=bool)
        self.not_reached = np.zeros((i, rows), dtype=bool)
        self.gate_q = np.zeros((st.gate_quantities, len(st.gate_items), rows), dtype=dt)
        self.gate_sums = np.zeros((st.gate_quantities, len(st.instrument.areas), rows), dtype=dt)
        self.gate_scratch = np.zeros((len(st.gate_items), rows), dtype=bool)
        self.closed = np.zeros((len(st.instrument.areas), rows), dtype=dt)
        self.level_bins = np.zeros((st.n_units, rows), dtype=np.intp)
        self._tail: Kernel | None = None

    def sized(self, rows: int) -> "Kernel":
        """A kernel for blocks of exactly ``rows`` rows (the last, shorter block), kept."""
        if rows == self.rows:
            return self
        if self._tail is None or self._tail.rows != rows:
            self._tail = Kernel(dataclasses.replace(self.st, rows=rows))
        return self._tail

    def run(self, values_t: np.ndarray, asked_t: np.ndarray | None,
            detail: bool = False) -> BlockResult:
        """Score one block: ``values_t`` items x ``rows`` (raw codes, NaN blank; any float
        dtype), ``asked_t`` items x rows bool (None: every form asks every stem). Fills the
        organisation rows (``exact``, ``wide``, ``level_bins``) for ``GroupSums``; ``detail``:
        means of every unit-stage instead (for ``UnitScores``' per-stage arrays).

        Buffers are whole arrays, never strided views: numpy 2.4's isnan writes wrong
        values into a strided boolean ``out``."""
        if values_t.shape[1] != self.rows:
            raise ValueError(f"a block of {values_t.shape[1]} rows for a kernel of {self.rows}: "
                             "use sized()")
        sub = self._substantive(values_t, asked_t)
        opened = self._gate(values_t, sub, asked_t)
        sums = self._unit_sums(values_t, sub, opened, asked_t)
        res = self._verdicts(sums, opened, detail)
        if not detail:
            self._organisation_rows(res)
        return res

    def gate(self, values_t: np.ndarray, asked_t: np.ndarray | None = None) -> np.ndarray:
        """areas x rows: the gate alone, for a block of any number of rows."""
        kern = self.sized(values_t.shape[1])
        return kern._gate(values_t, kern._substantive(values_t, asked_t), asked_t).copy()

    # ----------------------------------------------------------------- answers and gate
    def _substantive(self, values_t: np.ndarray, asked_t: np.ndarray | None) -> np.ndarray:
        """items x rows: a substantive answer (not blank, not a missing code), asked."""
        sub = self.substantive
        np.equal(values_t, values_t, out=sub)  # False for NaN (a blank cell)
        for code in self.st.missing:  # don't know, not applicable: not an answer
            np.not_equal(values_t, code, out=self.scratch)
            sub &= self.scratch
        if asked_t is not None:
            sub &= asked_t
        return sub

    def _gate(self, values_t, sub, asked_t) -> np.ndarray:
        """areas x rows: does the area open beyond the gate stage (the manifest's rule)?"""
        st, rule = self.st, self.st.instrument.rule
        cols = st.gate_items
        g = self.gate_q
        np.copyto(g[0], sub[cols])
        np.copyto(g[1], values_t[cols], casting="unsafe")
        np.copyto(g[1], 0, where=~sub[cols])
        k = 2
        if rule.kind == "count":
            scratch = self.gate_scratch
            np.greater_equal(values_t[cols], rule.min_code, out=scratch)
            scratch &= sub[cols]
            np.copyto(g[k], scratch)
            k += 1
        if asked_t is not None:
            np.copyto(g[k], asked_t[cols])
        out = self.gate_sums
        np.matmul(st.gate_indicator, g, out=out)
        n_asked = st.gate_sizes if asked_t is None else out[k]
        return verdict(n_asked, out[0], out[1], out[2] if rule.kind == "count" else None, rule)[0]

    # ----------------------------------------------------------------- unit-stage sums
    def _unit_sums(self, values_t, sub, opened, asked_t) -> np.ndarray:
        """Fill the per-item quantities and return their unit-stage sums (quantities x
        unit-stages x rows): answered, x = answer - centre, x², not reached, asked, then
        the answers marked >= min_code (count rule) and the attained stems (opm3-binary)."""
        st, rule = self.st, self.st.rule
        q = self.items
        nr = self.not_reached
        np.logical_not(opened[st.item_area], out=nr)
        nr &= st.beyond_gate[:, None]
        if asked_t is not None:
            nr &= asked_t
        np.logical_not(nr, out=self.scratch)
        sub &= self.scratch  # answered and reached
        np.copyto(q[0], sub)
        np.subtract(values_t, st.center, out=q[1], casting="unsafe")
        np.logical_not(sub, out=self.scratch)
        np.copyto(q[1], 0, where=self.scratch)
        np.multiply(q[1], q[1], out=q[2])
        if asked_t is not None:
            np.copyto(q[3], nr)
            np.copyto(q[4], asked_t)
        more = self.more
        k = 0
        if rule.kind == "count":
            np.greater_equal(values_t, rule.min_code, out=self.scratch)
            self.scratch &= sub
            np.copyto(more[k], self.scratch)
            k += 1
        if st.method == "opm3-binary":
            np.greater_equal(values_t, attained_cut(rule) - 1e-9, out=self.scratch)
            self.scratch &= sub
            np.copyto(more[k], self.scratch)
        sums = self.sums
        n_q = len(q)
        products, picked = st.product_rows, slice(st.product_rows.stop, None)
        if st.indicator is not None:
            np.matmul(st.indicator, q, out=sums[:n_q, products])
            if self.n_more:
                np.matmul(st.indicator, more, out=sums[5:, products])
        if len(st.pick):
            np.take(q, st.pick, axis=1, out=sums[:n_q, picked], mode="clip")
            if self.n_more:
                np.take(more, st.pick, axis=1, out=sums[5:, picked], mode="clip")
        if asked_t is None:  # not reached: every stem beyond the gate of a closed area
            np.subtract(1, opened, out=self.closed, casting="unsafe")
            if st.indicator is not None:
                np.matmul(st.beyond_per_area, self.closed, out=sums[3, products])
            if len(st.pick):
                np.copyto(sums[3, picked], nr[st.pick])
        return sums

    # ----------------------------------------------------------------- verdicts
    def _verdicts(self, sums: np.ndarray, opened: np.ndarray, detail: bool) -> BlockResult:
        st, rule = self.st, self.st.rule
        r = self.rows
        n_ans, sx, n_nr = sums[0], sums[1], sums[3]
        total = sx + st.center * n_ans  # the answers' sum (exact for integer codes)
        n_asked = st.stage_items if st.uniform else sums[4]
        hits = None
        if rule.kind == "count":  # not-reached stems count as the lowest code
            hits = sums[5] + n_nr if st.lowest >= rule.min_code else sums[5]
        achieved, rated = verdict(n_asked, n_ans + n_nr, total + st.lowest * n_nr, hits, rule)
        part = slice(None) if detail else st.mean_rows
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (total[part] / n_ans[part]).astype(np.float32, copy=False)
        shape = (st.n_units, st.n_stages, r)
        applicable = st.unit_has_items if st.uniform else \
            n_asked.reshape(shape).sum(axis=1) > 0
        level = rated_levels(achieved.reshape(shape), rated.reshape(shape),
                             np.broadcast_to(applicable, (st.n_units, r)))
        share = frequent = None
        if st.coverage is not None:
            share, frequent = self._coverage(achieved.reshape(shape), rated.reshape(shape), level)
        return BlockResult(sums, achieved, rated, level, share, frequent, opened, mean)

    def _coverage(self, achieved, rated, level) -> tuple[np.ndarray, np.ndarray]:
        """Share of each unit's practices applied (S achieved) and 'frequent', every type."""
        st = self.st
        p, gate = st.practice_units, st.gate_index
        asked = (level[p] != NOT_APPLICABLE).astype(np.float32)
        counted = rated[p, gate] * asked
        applied = achieved[p, gate] * counted
        return classify(st.coverage @ applied, st.coverage @ counted, st.coverage @ asked,
                        st.rule.min_answered)

    # ----------------------------------------------------------------- organisation rows
    def _organisation_rows(self, res: BlockResult) -> None:
        """Fill what ``GroupSums`` adds up per organisation (the items are filled already)."""
        st, view = self.st, self.view
        if "closed" in view:
            np.copyto(view["closed"], self.closed)
        np.copyto(view["achieved"], res.achieved)
        np.copyto(view["rated"], res.rated)
        level = res.level
        np.copyto(self.level_bins, level)
        np.copyto(self.level_bins, st.n_stages - level, where=level < 0)  # -1, -2 last
        if "n_asked" in view:
            np.copyto(view["n_asked"], res.sums[4])
        if res.frequent is not None:
            np.copyto(view["frequent"], res.frequent)
        if st.method == "opm3-binary":
            np.copyto(view["attained"], res.sums[5 + (st.rule.kind == "count")])
        k = st.product_rows.stop
        if k:
            n_ans = res.sums[0, :k]
            has = n_ans > 0
            np.copyto(view["has"], has)
            np.greater(res.sums[3, :k], 0, out=view["some_not_reached"], casting="unsafe")
            centred = view["mean"]
            np.subtract(res.mean[:k], np.float32(st.center), out=centred, casting="unsafe")
            np.copyto(centred, 0, where=~has)
            np.multiply(centred, centred, out=view["mean2"])
        self._alpha_rows(res)

    def _alpha_rows(self, res: BlockResult) -> None:
        """Complete cases of every area / group stage block (every stem reached and answered),
        their sums for Cronbach's alpha, and each respondent's mean over a whole unit."""
        st, view = self.st, self.view
        rows = st.reliable_rows
        n_ans = res.sums[0][rows]
        complete = n_ans == st.reliable_stage_items
        np.copyto(view["complete"], complete)
        np.multiply(res.sums[1][rows], complete, out=view["alpha_t"])
        np.multiply(res.sums[2][rows], complete, out=view["alpha_xx"])
        np.square(view["alpha_t"], out=view["alpha_tt"], casting="unsafe")
        per_item = view["alpha_x"]
        x = self.items[1]
        for k, (member, outside, local) in enumerate(st.alpha_members):
            np.multiply(x, complete[local][member], out=per_item[k])
            if outside is not None:
                per_item[k][outside] = 0
        # the respondent's mean over all answered reached stems of the unit (for ICC)
        shape = (len(st.reliable_units), st.n_stages, self.rows)
        n3 = n_ans.reshape(shape).astype(np.float64)
        mean3 = res.mean[rows].reshape(shape)
        with np.errstate(invalid="ignore"):
            centred = np.where(n3 > 0, mean3 - np.float32(st.center), np.float32(0)).astype(
                np.float64)
        total = (centred * n3).sum(axis=1)
        n_sum = n3.sum(axis=1)
        ok = n_sum > 0
        whole = view["whole"]
        np.copyto(whole[0], ok)
        np.divide(total, n_sum, out=whole[1], where=ok)
        whole[1][~ok] = 0
        np.multiply(whole[1], whole[1], out=whole[2])
