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
  the kernel applies the instrument's rule (the one the questionnaire applied in
  the field, ``gating.verdict``: the decision ``gating.gate_matrix`` makes) to the
  area's gate-stage stems. When the gate fails, every
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

Speed: respondents are scored in blocks by ``scoring.kernel`` (0/1 indicator and
one-hot matrix products over blocks of rows; no Python code runs per respondent),
and a ``Scorer`` takes the blocks as the reader parses them, in a thread of its
own, so that scoring runs on one core while the next block is parsed on the
other (``scoring.read.read_files(..., sink=...)``). Results are stored as float32 /
int8 / bool.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import queue
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from instrument.model import GateRule, Instrument

from . import kernel, stats
from .buffers import lazy_array
from .kernel import UNIT_TYPES, UnitPlan, attained_cut, lowest_code, unit_plan  # noqa: F401
from .responses import ReadResult, Responses
from .scores import Scores, UnitScores
from .variants import Variants

DEFAULT_METHOD = "staged"
CHUNK_ROWS = kernel.CHUNK_ROWS  # respondents per block of the kernel
RULE_KEYS = ("kind", "threshold", "min_code", "share")  # overrides that change the rule

Progress = Callable[[int], None]  # called with the number of respondents just scored


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


def reached_answers(instrument: Instrument, raw: np.ndarray,
                    asked: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Substantive answers of reached stems and the not-reached mask, respondents x items.

    ``raw`` is rows x ``instrument.item_ids`` with raw codes and NaN blanks (as in
    ``Responses.values``); ``asked`` (rows x items, or None: all) the stems each row's
    form asks. Returns ``(clean, not_reached)``: ``clean`` is float64 with NaN for
    blanks, missing codes (don't know, not applicable), stems not asked and
    not-reached stems (answered-anyway values are dropped: the gate decides);
    ``not_reached`` is True where the stem is asked, its area failed the gate and it
    is not at the gate stage. The gate is the kernel's (``Kernel.gate``).
    """
    raw = np.asarray(raw, dtype="float64")
    asked = None if asked is None else np.asarray(asked, dtype=bool)
    structure = kernel.Structure(instrument, instrument.rule, DEFAULT_METHOD, asked is None,
                                 CHUNK_ROWS)
    kern = kernel.Kernel(structure)
    opened = np.zeros((len(raw), len(instrument.areas)), dtype=bool)
    for start in range(0, len(raw), kern.rows):
        stop = start + kern.rows
        opened[start:stop] = kern.gate(raw[start:stop].T,
                                       None if asked is None else asked[start:stop].T).T
    not_reached = structure.not_reached(opened, asked)
    clean = raw.copy()
    for code in instrument.scale.missing:
        clean[clean == code] = np.nan
    if asked is not None:
        clean[~np.asarray(asked, dtype=bool)] = np.nan
    clean[not_reached] = np.nan
    return clean, not_reached


# --------------------------------------------------------------------------- grouping
def group_labels(instrument: Instrument, by: str | None, organisation: np.ndarray,
                 answers: Callable[[str], np.ndarray]) -> np.ndarray:
    """What the organisation-level results are grouped by: the organisation, or the answer
    to a single-choice background question (its choice label; '' when not answered).
    ``answers(question id)`` gives that question's answers for the same rows."""
    if not by:
        return organisation
    question = next((q for q in instrument.background if q.id == by), None)
    if question is None or question.kind != "single":
        singles = [q.id for q in instrument.background if q.kind == "single"]
        raise ValueError(f"cannot group by {by!r}: use one of the single-choice background "
                         f"questions ({', '.join(singles) or 'none'})")
    labels = {float(c.code): f"{c.code} {c.label}" for c in question.choices}
    given = answers(by)
    values = np.full(len(organisation), np.nan) if given is None else \
        np.asarray(given, dtype="float64")
    table = np.array([*labels.values(), ""], dtype=object)
    index = np.full(len(values), len(labels), dtype=np.intp)
    for k, code in enumerate(labels):
        index[values == code] = k
    return table[index]


class GroupCodes:
    """Group codes handed out as groups appear (blocks come before all names are known);
    ``order`` sorts them by name at the end, as the tables list organisations."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.names: list[str] = []

    def codes(self, labels: np.ndarray) -> np.ndarray:
        import pandas as pd

        local, uniques = pd.factorize(np.asarray(labels, dtype=object))
        mapping = np.array([self._code("" if u is None else str(u)) for u in uniques] + [0],
                           dtype=np.intp)
        return mapping[local]

    def _code(self, name: str) -> int:
        if name not in self.index:
            self.index[name] = len(self.names)
            self.names.append(name)
        return self.index[name]

    def order(self) -> tuple[np.ndarray, np.ndarray]:
        """(names sorted, the group code at each position)."""
        order = np.array(sorted(range(len(self.names)), key=self.names.__getitem__),
                         dtype=np.intp)
        return np.array([self.names[k] for k in order], dtype=object), order


# --------------------------------------------------------------------------- the driver
class Scorer:
    """Scores blocks of respondents as they come, then builds ``Scores`` from the sums.

    ``compute`` feeds it a whole ``Responses``; ``scoring.read`` feeds it each block of
    rows it has read and checked (through a ``Pipeline``), so that scoring overlaps the
    parsing. ``feed`` takes rows in the order of the final ``Responses``.
    """

    def __init__(self, forms: Instrument | Variants, method: str = DEFAULT_METHOD,
                 rule: GateRule | None = None, overrides: Mapping[str, object] | None = None, *,
                 units: tuple[str, ...] = UNIT_TYPES, by: str | None = None,
                 progress: Progress | None = None):
        if method not in METHOD_FUNCTIONS:
            raise ValueError(f"unknown scoring method {method!r}; choose one of "
                             f"{', '.join(METHODS)}")
        unknown = set(units) - set(UNIT_TYPES)
        if unknown:
            raise ValueError(f"unknown unit type {sorted(unknown)[0]!r}; choose from "
                             f"{', '.join(UNIT_TYPES)}")
        self.forms = forms if isinstance(forms, Variants) else Variants.single(forms)
        self.instrument = self.forms.instrument
        self.method, self.by, self.progress = method, by, progress
        self.overrides = dict(overrides or {})
        self.rule = resolve_rule(self.instrument, rule, self.overrides)
        group_labels(self.instrument, by, np.zeros(0, dtype=object), lambda q: np.zeros(0))
        self.structure = kernel.Structure(self.instrument, self.rule, method, self.forms.uniform,
                                           CHUNK_ROWS)
        self.kept = [t for t in UNIT_TYPES if t in units]
        self.kernel = kernel.Kernel(self.structure)
        self.sums = stats.GroupSums(self.structure)
        self.groups = GroupCodes()
        self.capacity = self.n = 0
        self.outputs: dict[str, dict[str, np.ndarray]] = {}
        self.gate = np.zeros((len(self.instrument.areas), 0), dtype=bool)
        self.reserve(0)

    # ----------------------------------------------------------------- feeding
    def reserve(self, rows: int) -> None:
        """Room for ``rows`` respondents in all (pages cost nothing until written)."""
        if rows <= self.capacity and self.outputs:
            return
        rows = max(rows, int(self.capacity * 1.5) + 1024) if self.outputs else rows
        outputs = {t: _allocate(rows, self.structure.plans[t], self.method) for t in self.kept}
        gate = lazy_array((len(self.instrument.areas), rows), bool)
        if self.n:
            for t, arrays in outputs.items():
                for name, arr in arrays.items():
                    arr[..., :self.n] = self.outputs[t][name][..., :self.n]
            gate[:, :self.n] = self.gate[:, :self.n]
        self.outputs, self.gate, self.capacity = outputs, gate, rows

    def feed(self, values: np.ndarray, organisation: np.ndarray,
             variant: np.ndarray | None = None,
             answers: Callable[[str], np.ndarray] | None = None) -> None:
        """Score the next rows: ``values`` rows x items (raw codes, NaN blank), their
        organisations, forms (``variant``, None: all the first) and, for ``by``, a
        function giving a background question's answers for these rows."""
        labels = group_labels(self.instrument, self.by, organisation, answers or (lambda q: None))
        codes = self.groups.codes(labels)
        start = self.n
        self.reserve(start + len(values))
        asked = None if self.forms.uniform else self.forms.asked[
            np.zeros(len(values), np.int8) if variant is None else variant]
        self._score(self.kernel, self.sums, values, codes, asked, start)
        self.n += len(values)

    def _score(self, kern: kernel.Kernel, sums: stats.GroupSums, values: np.ndarray,
               codes: np.ndarray, asked: np.ndarray | None, first: int) -> None:
        """Rows ``first``.. of the results from ``values`` (rows x items), block by block."""
        n_groups = len(self.groups.names)
        for start, stop, sized, res in _blocks(kern, values, asked):
            self._store(res, first + start, first + stop)
            sums.add(codes[start:stop], n_groups, sized.exact, sized.wide, sized.level_bins)
            if self.progress is not None:
                self.progress(stop - start)

    def _store(self, res: kernel.BlockResult, start: int, stop: int) -> None:
        """Copy one block's levels (and coverage classification) into the kept arrays."""
        self.gate[:, start:stop] = res.opened
        for t in self.kept:
            plan, out = self.structure.plans[t], self.outputs[t]
            out["level"][:, start:stop] = res.level[plan.unit_rows]
            if "applied_share" in out:
                out["applied_share"][:, start:stop] = res.applied_share[plan.unit_rows]
                out["frequent"][:, start:stop] = res.frequent[plan.unit_rows]

    def details(self, responses: Responses, unit_type: str) -> dict[str, np.ndarray]:
        """The per-stage arrays of ``UnitScores`` for one unit type, scored again on demand
        (respondents x units x stages): mean, n_answered, n_not_reached, achieved, rated,
        and n_attained (opm3-binary) and n_asked (forms that differ)."""
        st = self.structure
        plan = st.plans[unit_type]
        n = len(responses)
        shape = (len(plan.units), len(plan.stages))
        count = _count_dtype(st.plans)
        names = {"mean": (0, np.float32), "n_answered": (0, count), "n_not_reached": (3, count),
                 "achieved": (0, bool), "rated": (0, bool)}
        if not st.uniform:
            names["n_asked"] = (4, count)
        if self.method == "opm3-binary":
            names["n_attained"] = (5 + (self.rule.kind == "count"), count)
        out = {name: lazy_array((*shape, n), dtype) for name, (_, dtype) in names.items()}
        kern = kernel.Kernel(st)
        values = np.asarray(responses.values)
        asked = responses.asked_rows(slice(None))
        with single_blas_thread():
            for start, stop, _, res in _blocks(kern, values, asked, detail=True):
                rows, size = plan.rows, (*shape, stop - start)
                for name, (q, _) in names.items():
                    value = {"mean": res.mean, "achieved": res.achieved,
                             "rated": res.rated}.get(name, res.sums[q])
                    out[name][..., start:stop] = value[rows].reshape(size)
        return _rows_first(out)

    # ----------------------------------------------------------------- results
    def finish(self, responses: Responses) -> Scores:
        """``Scores`` of the rows fed, which must be the rows of ``responses`` in order."""
        n = self.n
        if n != len(responses):
            raise ValueError(f"{n} rows were scored for {len(responses)} respondents")
        names, order = self.groups.order()
        totals = self.sums.ordered(order)
        st = self.structure
        units = {t: UnitScores(unit_type=t, units=st.plans[t].units, stages=st.plans[t].stages,
                               n_items=st.plans[t].n_items.copy(),
                               **_rows_first({k: v[..., :n] for k, v in self.outputs[t].items()}),
                               details=functools.partial(self.details, responses, t))
                 for t in self.kept}
        return Scores(instrument=self.instrument, method=self.method, rule=self.rule,
                      overrides=self.overrides, responses=responses, units=units,
                      organisations=stats.organisation_table(totals, names, self.rule),
                      reliability=stats.reliability_table(totals, names),
                      notes=_notes(self.instrument, self.method, self.rule), by=self.by or "",
                      gate=self.gate[:, :n].T)

    def score_all(self, responses: Responses) -> Scores:
        """Score every row of ``responses`` here (blocks split among the CPUs) and finish."""
        values = np.asarray(responses.values)
        n_rows = len(responses)
        if values.shape != (n_rows, len(self.instrument.item_ids)):
            raise ValueError(f"Responses.values has shape {values.shape}; expected "
                             f"({n_rows}, {len(self.instrument.item_ids)}) for instrument "
                             f"{self.instrument.id}")
        labels = group_labels(self.instrument, self.by, responses.organisation, responses.answers)
        codes = self.groups.codes(labels)
        self.reserve(n_rows)
        asked = responses.asked_rows(slice(None))
        starts = range(0, n_rows, CHUNK_ROWS)
        n_threads = max(1, min(_threads(), len(starts)))
        share = -(-len(starts) // n_threads) * CHUNK_ROWS
        parts = [(k * share, min(n_rows, (k + 1) * share)) for k in range(n_threads)]

        def work(part: tuple[int, int]) -> stats.GroupSums:
            a, b = part
            kern = self.kernel if a == 0 else kernel.Kernel(self.structure)
            sums = stats.GroupSums(self.structure)
            self._score(kern, sums, values[a:b], codes[a:b], None if asked is None
                        else asked[a:b], a)
            return sums

        with single_blas_thread():
            if n_threads == 1:
                found = [work(parts[0])]
            else:
                with ThreadPoolExecutor(n_threads, thread_name_prefix="score") as pool:
                    found = list(pool.map(work, parts))
        for sums in found:
            self.sums.merge(sums)
        self.n = n_rows
        return self.finish(responses)


def _blocks(kern: kernel.Kernel, values: np.ndarray, asked: np.ndarray | None,
            detail: bool = False):
    """(start, stop, kernel, result) of each block of ``values`` (rows x items)."""
    for start in range(0, len(values), kern.rows):
        stop = min(start + kern.rows, len(values))
        block = values[start:stop].T
        if block.strides[1] != block.itemsize:  # rows not contiguous: copy the block once
            block = np.ascontiguousarray(block)
        sized = kern.sized(stop - start)
        yield start, stop, sized, sized.run(block, None if asked is None else asked[start:stop].T,
                                            detail)


def single_blas_thread():
    """One BLAS thread per worker: OpenBLAS's own threads on these small products made
    scoring twice as slow, and the workers already use every CPU."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


class Pipeline:
    """A ``Scorer`` in a thread of its own, fed through a bounded queue (a ``read.Sink``).

    The reader calls ``put`` with each block it keeps and goes on parsing; the scoring
    thread works through the queue meanwhile (numpy releases the GIL in the array
    work, so both cores are busy). ``done`` waits for the queue to drain; ``close``
    also re-raises anything the thread raised and gives the scorer. At most ``depth``
    blocks wait (views of the reader's answers, not copies), so memory stays bounded.
    """

    def __init__(self, scorer: Scorer, depth: int = 4):
        self.scorer = scorer
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.abandoned = False  # the read failed: what is queued is dropped, not scored
        self.limits = single_blas_thread()
        self.limits.__enter__()
        self.thread = threading.Thread(target=self._run, name="score", daemon=True)
        self.thread.start()

    def reserve(self, rows: int) -> None:
        """Room for ``rows`` respondents, before the first ``put`` (pages cost nothing
        until written, so an upper bound is fine)."""
        self.scorer.reserve(rows)

    def put(self, values: np.ndarray, organisation: np.ndarray, variant: np.ndarray | None,
            background: Mapping[str, np.ndarray] | None = None) -> None:
        if self.error is None and self.thread.is_alive():
            self.queue.put((values, organisation, variant, dict(background or {})))

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is not None or self.abandoned:
                continue
            values, organisation, variant, background = item
            try:
                self.scorer.feed(values, organisation, variant, background.get)
            except BaseException as exc:  # handed to the reader's thread by close()
                self.error = exc

    def done(self) -> None:
        """Score what is queued and stop the thread (again: nothing)."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
            self.limits.__exit__(None, None, None)

    def close(self) -> Scorer:
        self.done()
        if self.error is not None:
            raise self.error
        return self.scorer


def score_while_reading(read: Callable[[Pipeline], ReadResult], forms: Instrument | Variants,
                        method: str = DEFAULT_METHOD, rule: GateRule | None = None,
                        overrides: Mapping[str, object] | None = None, *,
                        units: tuple[str, ...] = UNIT_TYPES,
                        by: str | None = None) -> tuple[ReadResult, Scores]:
    """Read and score at once: ``read(sink)`` (``scoring.read.read_files(..., sink=sink)``)
    hands each block of kept rows to a ``Pipeline``, which scores it while the next is
    parsed. Returns the read result and its scores, the same as ``compute`` on the
    result's responses; when the duplicate check merged or dropped rows that were
    already scored, the responses are scored again (rare: waves merged, repeats).
    Whatever ``read`` raises is raised, after the scoring thread has stopped."""
    scorer = Scorer(forms, method, rule, overrides, units=units, by=by)
    pipeline = Pipeline(scorer)
    try:
        result = read(pipeline)
    except BaseException:  # an invalid file, Ctrl-C: stop without scoring what is queued
        pipeline.abandoned = True
        raise
    finally:
        pipeline.done()
    scorer = pipeline.close()
    responses = result.responses
    if scorer.n == len(responses):
        return result, scorer.finish(responses)
    return result, compute(responses, method, rule, overrides and dict(overrides), units=units,
                           by=by)


def _threads() -> int:
    """Worker threads for scoring: the CPUs this process may use, at most 4."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return min(4, available)


def _count_dtype(plans: Mapping[str, UnitPlan]) -> np.dtype:
    biggest = max((int(p.n_items.max()) for p in plans.values() if p.n_items.size), default=0)
    return np.dtype(np.int8 if biggest <= np.iinfo(np.int8).max else np.int16)


def _allocate(n_rows: int, plan: UnitPlan, method: str) -> dict[str, np.ndarray]:
    """Per-respondent arrays kept from the run, rows-last (units x rows): levels, and the
    coverage classification (``UnitScores`` gets rows-first views, ``_rows_first``)."""
    shape = (len(plan.units), n_rows)
    arrays = {"level": lazy_array(shape, np.int8)}
    if method == "coverage":
        arrays["applied_share"] = lazy_array(shape, np.float32)
        arrays["frequent"] = lazy_array(shape, bool)
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
       answers (codes other than 8 = no such work and 9 = don't know; not-reached
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
    return METHOD_FUNCTIONS[method](responses, rule, overrides, progress=progress, units=units,
                                    by=by)


def _score(responses: Responses, method: str, rule: GateRule | None,
           overrides: Mapping[str, object] | None, progress: Progress | None,
           units: tuple[str, ...] = UNIT_TYPES, by: str | None = None) -> Scores:
    scorer = Scorer(responses.forms, method, rule, overrides, units=units, by=by,
                    progress=progress)
    return scorer.score_all(responses)
