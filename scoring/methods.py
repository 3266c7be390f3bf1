"""Scoring methods: ``Responses`` -> ``Scores``, vectorised over respondents.

Three named methods (DESIGN.md, "Scoring"); ``staged`` is the default:

``staged``
    A stage is achieved for a unit (knowledge area, process group, practice) when
    ``instrument.gating.achieved`` passes on that unit's stems at that stage; the
    level is the number of consecutive achieved stages from the first.
``opm3-binary``
    Everything ``staged`` computes, plus the share of stage-items *attained* per
    unit, as in the OPM3 self-assessment.
``coverage``
    Everything ``staged`` computes, plus the thesis's classification: a practice
    is *applied* when its gate-stage (S) stem is achieved; a unit is *applied
    frequently* (應用層面較頻繁) when at least half of its practices are applied,
    otherwise *sparsely* (較稀少).

The rules shared by all three (written for researchers in docs/scoring.md):

* **The gate decides what was reached.** For each respondent and knowledge area,
  ``gating.gate_matrix`` applies the instrument's rule (the one the questionnaire
  applied in the field) to the area's gate-stage stems. When the gate fails, every
  stem of that area at the other stages is *not reached*, whether or not a value
  was typed in: answered-anyway values are ignored. Only the gate-stage answers
  decide, so scoring a full response and the same response with the gated-out
  stems blanked gives identical results.
* **Not reached is the weakest answer, never missing data.** In the achievement
  test a not-reached stem enters as the lowest substantive code of the scale
  (1 = 非常不同意 on agree5, 0 = 否 on yes/no). Under the ``mean`` rule it pulls the
  mean down instead of shrinking n; under the ``count`` rule it is simply not
  marked. Blanks and don't-know codes of *reached* stems stay missing, as the
  rule itself says (``gating.achieved``).
* **Descriptive means are separate.** ``UnitScores.mean`` is the mean of the
  answered (substantive) reached stems, with ``n_answered`` and ``n_not_reached``
  beside it, so a report can show what the respondent actually said.

Memory and speed: respondents are processed in blocks of ``CHUNK_ROWS`` rows
(each block fully vectorised with numpy; there is no Python loop over
respondents), results are stored as float32 / int8 / bool, and the loops that
remain run over at most a handful of stem-count batches per unit type.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from instrument import gating
from instrument.model import GateRule, Instrument

from . import stats
from .responses import Responses
from .levels import NOT_APPLICABLE, consecutive_levels, rated_levels  # noqa: F401
from .scores import UNIT_TYPES, Scores, UnitScores
from .stats import classify_coverage

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
    an (m x k) matrix of their item columns, so one call of ``gating.achieved`` on an
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
        """(achieved, rated), each units x stages x rows: ``gating.judge`` on every unit-stage.

        ``values_t`` is item-major (items x rows) with the not-reached treatment
        already applied (see ``achievement_values``); ``asked_t`` (items x rows, or
        None when every row's form asks every stem) marks the stems of each row's form.
        Each batch of unit-stages with k stems goes to ``gating.judge`` as one
        ((m * rows) x k) array. A unit-stage with no stems is neither rated nor achieved.

        One-stem unit-stages (every practice) pass exactly when their single code
        passes, so when the scale's ``codes`` are given, ``gating.achieved`` is asked
        once per code and the answer looked up (values that are not among ``codes``
        still go through ``gating.achieved`` one by one): same decisions, a fraction
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
            a, r = gating.judge(block.reshape(k, m * rows).T, rule, flat_ask)
            out[uu, ss] = a.reshape(m, rows)
            rated[uu, ss] = r.reshape(m, rows)
        return out, rated


def _single_stem_achieved(values: np.ndarray, rule: GateRule, codes: tuple[float, ...]
                          ) -> np.ndarray:
    """``gating.achieved`` of one-stem sets, via a lookup over the scale's codes."""
    known = np.array(codes, dtype="float64")
    passing = known[gating.achieved(known.reshape(-1, 1), rule)]
    out = np.zeros(values.shape, dtype=bool)
    listed = np.isnan(values)
    for code in known:
        hit = values == code
        listed |= hit
        if code in passing:
            out |= hit
    if not listed.all():  # a value outside the scale: ask the rule itself
        other = ~listed
        out[other] = gating.achieved(values[other].reshape(-1, 1), rule)
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
    its area failed the gate (``gating.gate_matrix``) and it is not at the gate stage.
    """
    raw = np.asarray(raw, dtype="float64")
    opened = gating.gate_matrix(instrument, raw, asked)  # rows x areas
    clean_t = gating.substantive(np.ascontiguousarray(raw.T), instrument.scale)
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

    org_names, org_codes = stats.organisation_codes(group_labels(responses, by))
    kept = [t for t in UNIT_TYPES if t in units]
    uniform = responses.forms.uniform
    outputs = {t: _allocate(n_rows, plans[t], method, count_dtype, uniform) for t in kept}

    def work(starts: range) -> stats.Accumulator:
        """Score the blocks starting at ``starts`` into ``outputs`` and a new Accumulator."""
        acc = stats.Accumulator(instrument, plans, len(org_names), method)
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

    units = {t: UnitScores(unit_type=t, units=plans[t].units, stages=plans[t].stages,
                           n_items=plans[t].n_items.copy(), **_rows_first(outputs[t]))
             for t in kept}
    organisations = stats.organisation_table(acc, org_names, rule)
    reliability = stats.reliability_table(acc, org_names)
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


# --------------------------------------------------------------------------- public methods
def staged(responses: Responses, rule: GateRule | None = None,
           overrides: Mapping[str, object] | None = None, *,
           progress: Progress | None = None, units: tuple[str, ...] = UNIT_TYPES,
           by: str | None = None) -> Scores:
    """Maturity levels by stage (the default method, for Likert answers).

    For every respondent, unit (area, process group, practice) and stage:

    1. not reached: if the area's gate-stage (S) stems fail the manifest's rule, the
       area's other stems are not reached, answered or not;
    2. rated: the unit-stage has at least ``gating.required_answers`` substantive
       answers (codes other than 8 = no such practice and 9 = don't know; not-reached
       stems count, as the lowest code); otherwise it is *not rated*, never achieved;
    3. achieved: rated, and ``gating.judge`` passes on the unit's stems at that stage,
       with not-reached stems entered as the lowest substantive code (so they count as
       "not achieved", never as missing data that shrinks n);
    4. level: the number of consecutive achieved stages from S (0–4 on PMBOK-6); *not
       rated* when the stage that breaks the run is not rated; *not applicable* when
       the respondent's form asks no stem of the unit;
    5. mean: the mean of the answered reached stems, with ``n_answered`` and
       ``n_not_reached`` beside it (descriptive only).

    Worked example (the bundled PMBOK-6 instrument, agree5, mean rule, threshold 3.5,
    min_answered 0.5; only the quality area QUA is answered, every other cell is blank;
    QUA01 is in the planning group, QUA02 executing, QUA03 monitoring & controlling;
    9 = 不清楚)::

                     QUA01  QUA02  QUA03      QUA01  QUA02  QUA03
        A   S          4      4      5    M     4      3      9
            C          2      3      3    I     5      5      5
        B   S          4      3      3    M     5      5      5   (answered anyway)
        C   S          5      2      4    M     4      .      2

    Gate (at least 2 of the 3 QUA S stems answered, mean >= 3.5): A 13/3 = 4.33 open;
    B 10/3 = 3.33 closed, so B's M, C and I stems of QUA are not reached and B's M
    answers are ignored; C 11/3 = 3.67 open. Every other area is blank: its S stage
    has no answer, is not rated, and its gate is closed.

    Area QUA (at least 2 of 3 stems answered for a rating):
      A: S 4.33 yes; M mean of 4, 3 (9 is don't know; 2 answers) = 3.5 yes; C 2.67 no
         -> level 2 (I = 5.0 is achieved but does not count: stages must be consecutive).
      B: S 3.33 no -> level 0; M: 3 not reached = 3 x 1, rated, not achieved.
      C: S 3.67 yes; M mean of 4, 2 = 3.0 no -> level 1 (C and I: no answers, not rated,
         but the run already broke at M).
      Every other area: S not rated -> level not rated (not 0).
    Practices (one stem per stage, so one answer rates a stage):
      A: QUA01 S4 M4 C2 -> 2;  QUA02 S4 M3 -> 1;  QUA03 S5 M9 -> M not rated -> not rated.
      B: QUA01 S4, M not reached (counts as 1) -> 1;  QUA02 S3 -> 0;  QUA03 S3 -> 0.
      C: QUA01 S5 M4 C blank -> not rated;  QUA02 S2 -> 0;  QUA03 S4 M2 -> 1.
    Process group "planning" (24 practices, one of them QUA01):
      S: only QUA01_S is answered, 1 of the 24 needed 12: not rated, so the group's
         level is not rated for A, B and C.
      M for A: QUA01_M = 4 answered and the 23 other planning M stems not reached: 24
         values, rated; the test sees (4 + 23 x 1) / 24 = 1.125 < 3.5, not achieved,
         while the reported mean stays 4.0 with n_answered 1, n_not_reached 23.
    Without a minimum (``min_answered`` None, as in format-1 manifests) every set is
    rated, and the levels are those of the earlier releases: QUA A 2, B 0, C 1, every
    other area 0; QUA01 2, 1, 2; QUA03 1, 0, 1; planning 1 for all three.
    """
    return _score(responses, "staged", rule, overrides, progress, units, by)


def opm3_binary(responses: Responses, rule: GateRule | None = None,
                overrides: Mapping[str, object] | None = None, *,
                progress: Progress | None = None, units: tuple[str, ...] = UNIT_TYPES,
                by: str | None = None) -> Scores:
    """Percentage of stage-items attained per unit, as in the OPM3 self-assessment.

    Made for the yes/no scale (1 = 是, 0 = 否, 9 = 不清楚); the codes come from the
    instrument's scale and the rule, never from literals: a stem is *attained* when
    its code is at least the rule's threshold (mean rule) or min_code (count rule),
    i.e. a 'yes' on the yes/no scale (threshold 0.5 or min_code 1). The percentage
    is over all of the unit-stage's stems: no, don't know, blank and not reached
    count as not attained (``UnitScores.attained_pct`` = 100 x n_attained / n_items).
    On a Likert scale the same cut applies (agree5, threshold 3.5: codes 4 and 5).
    Achieved stages and levels are computed exactly as in ``staged``, so the two
    methods' levels can be compared.

    Worked example (PMBOK-6 compiled with the yes/no scale, mean rule threshold 0.5,
    min_answered 0.5; area QUA only, every other cell blank)::

                     QUA01  QUA02  QUA03      QUA01  QUA02  QUA03
        A   S          1      1      0    M     1      0      9
            C          0      0      0    I     1      1      1
        B   S          0      0      1    M     1      1      1   (answered anyway)
        C   S          9      9      9

    Gate (2 of 3 answered, mean of the answered S codes >= 0.5): A 2/3 open; B 1/3
    closed (B's M answers are ignored); C has no substantive S answer: not rated, closed.

    Attained, area QUA (% of the 3 stems per stage, S / M / C / I):
      A: 66.7 / 33.3 / 0 / 100;  B: 33.3 / 0 / 0 / 0;  C: 0 / 0 / 0 / 0.
    Levels, area QUA: A: S mean 0.67 yes, M mean of 1, 0 = 0.5 yes, C 0 no -> 2;
      B: S 0.33 no -> 0;  C: S not rated -> not rated.
    Practice QUA01: A: S yes, M yes, C no -> 2;  B: S no -> 0;  C: S 9 -> not rated.
    """
    return _score(responses, "opm3-binary", rule, overrides, progress, units, by)


def coverage(responses: Responses, rule: GateRule | None = None,
             overrides: Mapping[str, object] | None = None, *,
             progress: Progress | None = None, units: tuple[str, ...] = UNIT_TYPES,
             by: str | None = None) -> Scores:
    """The thesis's classification of how widely practices are applied.

    A practice counts as *applied* when its gate-stage (S) stem is achieved under
    the rule (agree5, threshold 3.5: an answer of 4 or 5). A unit (area or process
    group) is *applied frequently* (應用層面較頻繁) when at least half of its counted
    practices are applied (2 x applied >= counted), otherwise *sparsely* (較稀少). A
    practice counts when the respondent's form asks it and its S stem is rated (has a
    substantive answer); like a stage, a unit is classified only when at least
    ``min_answered`` of its asked practices count, otherwise it is not classified
    (share NaN). ``UnitScores.applied_share`` holds the share of the unit's counted
    practices applied and ``UnitScores.frequent`` the classification; for a practice
    they are its own applied flag. Achieved stages and levels are computed exactly as
    in ``staged``.

    Worked example (PMBOK-6, agree5, threshold 3.5, min_answered 0.5; only the S stems
    of the cost area COS, 4 practices, are answered; every other cell is blank)::

              COS01_S  COS02_S  COS03_S  COS04_S   applied   share  class
        A        4        4        2        2       2 of 4    0.50  frequent (half)
        B        5        3        3        9       1 of 3    0.33  sparse (9: not counted)
        C        4        4        4        5       4 of 4    1.00  frequent

    Every other area: no practice counts -> not classified. Process group "planning"
    (24 practices, COS01–COS03 among them): 3 of 24 count, fewer than the 12 needed ->
    not classified; "monitoring_controlling" (12 practices, COS04 among them): at most
    1 counts -> not classified. Practice COS04: A 0.0, B not classified (9), C 1.0.
    """
    return _score(responses, "coverage", rule, overrides, progress, units, by)


METHOD_FUNCTIONS: dict[str, Callable[..., Scores]] = {
    "staged": staged, "opm3-binary": opm3_binary, "coverage": coverage}
METHODS = tuple(METHOD_FUNCTIONS)
METHOD_SUMMARY = {
    "staged": "a stage is achieved when its stems pass the rule; the level is the number of "
              "consecutive achieved stages from the first; not-reached stems count as not achieved",
    "opm3-binary": "percentage of each unit-stage's stems attained (OPM3 self-assessment); "
                   "levels as in 'staged'",
    "coverage": "a practice is applied when its S stem is achieved; a unit is applied frequently "
                "when at least half of its practices are applied; levels as in 'staged'",
}


def compute(responses: Responses, method: str = DEFAULT_METHOD, rule: GateRule | None = None,
            overrides: dict | None = None, *, progress: Progress | None = None,
            units: tuple[str, ...] = UNIT_TYPES, by: str | None = None) -> Scores:
    """Score ``responses`` with a named method (``staged``, ``opm3-binary``, ``coverage``).

    ``rule`` is the achievement rule to apply (default: the manifest's, changed by
    any of ``overrides``' keys kind/threshold/min_code/share); ``overrides`` is kept in
    ``Scores.overrides`` so the report can say what was changed. ``progress`` is
    called with the number of respondents scored after each block (for a progress
    bar). ``units`` names the unit types whose per-respondent arrays ``Scores.units``
    keeps (organisation-level results always cover all three): a million respondents'
    practice results alone take 1.4 GB. ``by`` groups the organisation-level results by
    a single-choice background question instead of the organisation (e.g. by training).
    Raises ValueError for an unknown method, an incomplete rule or an unusable ``by``.
    """
    if method not in METHOD_FUNCTIONS:
        raise ValueError(f"unknown scoring method {method!r}; choose one of {', '.join(METHODS)}")
    unknown = set(units) - set(UNIT_TYPES)
    if unknown:
        raise ValueError(f"unknown unit type {sorted(unknown)[0]!r}; choose from "
                         f"{', '.join(UNIT_TYPES)}")
    return METHOD_FUNCTIONS[method](responses, rule, overrides, progress=progress, units=units,
                                    by=by)
