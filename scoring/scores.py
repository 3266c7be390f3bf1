"""Scores: everything a report shows, computed once from Responses.

Per respondent the results are dense numpy arrays (vectorised; a million
respondents x 64 units x 4 stages fits in memory as float32 / int8), and long tidy
tables are produced on demand for output (``respondents_long``). Per organisation
they are small DataFrames. Reports read only this object, never the raw CSV.

Produced by ``scoring.methods.compute``; the rules behind every number are in
docs/scoring.md.

``Scores.organisations``: one row per organisation x unit x stage (long form)
    ============== ======================================================================
    organisation   the ``organisation`` column ('' when not given); rows sorted by it
    unit_type      'area' | 'group' | 'practice'
    unit           unit id (INT, planning, INT01, ...), in instrument order
    stage          stage id (S, M, C, I), in instrument order
    n              respondents of the organisation (every one counts in the levels)
    n_answered     respondents with at least one answered reached stem in this
                   unit-stage: the n behind ``mean`` and ``sd``
    n_not_reached  respondents for whom this unit-stage had gated-out stems
    mean, sd       mean and SD (n - 1) of those respondents' unit-stage means
    share_achieved share of the n respondents who achieved this stage
    achieved_of_means  the rule applied to the organisation's item means (below)
    level_of_means unit level from the organisation's item means (repeated per stage)
    median_level   median of the respondents' unit levels (repeated per stage; x.5
                   when the two middle levels differ)
    attained_pct   opm3-binary: % of the unit-stage's stems attained over all
                   respondents (NaN for other methods)
    applied_share  coverage: share of the unit's practices applied by the
                   organisation's mean S answers (repeated per stage; NaN otherwise)
    frequent       coverage: applied_share >= 0.5 (應用層面較頻繁), else False
    frequent_share coverage: share of respondents who classify the unit as frequent
    flag           '' or 'n too small' (n < 3)
    ============== ======================================================================

    The organisation's item mean counts a not-reached stem as the scale's lowest
    code (as the respondent-level rule does) and leaves blanks and don't-know out.

``Scores.reliability``: one row per statistic x scope x unit x stage block (long form)
    ============== ======================================================================
    statistic      'rwg_j' | 'alpha' | 'icc1' | 'icc2'
    scope          'organisation' (one organisation) | 'all' (pooled / across them)
    organisation   the organisation, '' when scope is 'all'
    unit_type      'area' | 'group'
    unit, stage    the block; stage '' = all stems of the unit (rwg_j, icc1, icc2)
    value          the statistic (NaN when it cannot be computed)
    n              respondents used (rwg_j: with an answer in the block; alpha:
                   complete cases; icc: respondents with a unit mean)
    n_items        J for rwg_j, items for alpha; NaN for icc
    n_groups       organisations entering the ANOVA (icc); NaN otherwise
    k              ICC: adjusted average group size; NaN otherwise
    ms_between, ms_within  ICC: one-way ANOVA mean squares; NaN otherwise
    mean_var       rwg_j: mean observed item variance s̄²; NaN otherwise
    expected_var   rwg_j: σ²EU = (A² - 1) / 12; NaN otherwise
    flag           '' or '; '-joined: 'n too small', 'fewer than 2 items',
                   'truncated to 0', 'fewer than 2 organisations'
    ============== ======================================================================

    Rows: statistic (rwg_j, alpha, icc1, icc2), unit type, unit, then the whole-unit
    row (stage '') before S, M, C, I; 'organisation' scope before 'all'. The per-area
    rwg(j) and ICC of a report are the stage '' rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Sequence

import numpy as np

from instrument.errors import Problem
from instrument.model import GateRule, Instrument

from .levels import NOT_APPLICABLE, NOT_RATED, STAGE_STATUS
from .responses import Responses

if TYPE_CHECKING:  # pandas is imported where a table is made, not when a command starts
    import pandas as pd

UNIT_TYPES = ("area", "group", "practice")


@dataclass(frozen=True)
class UnitScores:
    """Results of one unit type (areas, process groups or practices) per respondent.

    Arrays are indexed respondents (in ``Responses`` order) x units (x stages). Counts
    are int8 (int16 if a unit-stage ever holds more than 127 stems). The
    method-specific arrays are None for the other methods. Levels (and the coverage
    classification) are kept from the scoring run; the per-stage arrays (``mean``,
    ``n_answered``, ``n_not_reached``, ``achieved``, ``rated``, ``n_attained``,
    ``n_asked``) are made by ``details`` when first used, so a run that writes only
    levels never holds them (a million respondents' area and group stages: 0.5 GB).
    """

    unit_type: str  # one of UNIT_TYPES
    units: tuple[str, ...]  # unit ids in instrument order
    stages: tuple[str, ...]  # stage ids in instrument order
    n_items: np.ndarray  # int16, units x stages: stems per unit-stage (same for everyone)
    level: np.ndarray  # int8, respondents x units: consecutive achieved stages from the first,
    #                    or NOT_RATED / NOT_APPLICABLE (see ``rated_levels``)
    applied_share: np.ndarray | None = None  # coverage, float32, respondents x units
    frequent: np.ndarray | None = None  # coverage, bool, respondents x units
    details: Callable[[], Mapping[str, np.ndarray]] | None = field(default=None, repr=False,
                                                                    compare=False)

    @cached_property
    def _detail(self) -> Mapping[str, np.ndarray]:
        return self.details() if self.details is not None else {}

    @property
    def mean(self) -> np.ndarray:
        """float32, respondents x units x stages: mean of the answered reached stems (NaN
        if none)."""
        return self._detail["mean"]

    @property
    def n_answered(self) -> np.ndarray:
        """int8: stems with a substantive answer, reached."""
        return self._detail["n_answered"]

    @property
    def n_not_reached(self) -> np.ndarray:
        """int8: stems gated out (their area failed the gate)."""
        return self._detail["n_not_reached"]

    @property
    def achieved(self) -> np.ndarray:
        """bool: rated, and the rule passes (not reached = the lowest code)."""
        return self._detail["achieved"]

    @property
    def rated(self) -> np.ndarray:
        """bool: enough substantive answers (not-reached stems count) to judge."""
        return self._detail["rated"]

    @property
    def n_attained(self) -> np.ndarray | None:
        """opm3-binary, int8: stems attained (code >= cut); None for other methods."""
        return self._detail.get("n_attained")

    @property
    def n_asked(self) -> np.ndarray | None:
        """int8: the unit-stage's stems the row's form asks; None when every form asks them
        all (= n_items)."""
        return self._detail.get("n_asked")

    @property
    def attained_pct(self) -> np.ndarray | None:
        """opm3-binary: 100 x n_attained / stems asked (float32; NaN for an empty unit-stage)."""
        if self.n_attained is None:
            return None
        size = self.n_items if self.n_asked is None else self.n_asked
        with np.errstate(invalid="ignore", divide="ignore"):
            return (self.n_attained * np.float32(100) / size).astype(np.float32)

    @property
    def items_asked(self) -> np.ndarray:
        """respondents x units x stages (or units x stages when every form asks all)."""
        return self.n_items if self.n_asked is None else self.n_asked

    def level_values(self) -> np.ndarray:
        """float32 levels with NaN where the level is not rated or not applicable."""
        return np.where(self.level >= 0, self.level, np.nan).astype(np.float32)

    def status_codes(self, rows: slice = slice(None)) -> np.ndarray:
        """respondents x units x stages: index into ``STAGE_STATUS``."""
        code = self.achieved[rows].astype(np.int8)
        code = np.where(self.rated[rows], code, np.int8(2))
        return np.where((self.level[rows] == NOT_APPLICABLE)[:, :, None], np.int8(3), code)

    def status(self, rows: slice = slice(None)) -> np.ndarray:
        """respondents x units x stages: the words of ``STAGE_STATUS``."""
        return np.array(STAGE_STATUS, dtype=object)[self.status_codes(rows)]


@dataclass(frozen=True)
class Scores:
    instrument: Instrument
    method: str  # 'staged' | 'opm3-binary' | 'coverage'
    rule: GateRule  # the rule actually applied (manifest's, or overridden)
    overrides: dict[str, object]  # command-line overrides of the manifest, {} if none
    responses: Responses
    units: dict[str, UnitScores]  # unit_type -> UnitScores
    organisations: pd.DataFrame  # long: see the module docstring and docs/scoring.md
    reliability: pd.DataFrame  # long: see the module docstring and docs/scoring.md
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # method-specific remarks for reports
    by: str = ""  # the background question the 'organisation' groups are, '' = organisations
    gate: np.ndarray | None = None  # bool, respondents x areas: the area opened beyond its gate
    #                                 stage (as the scorer decided it); None: every gate open

    def not_reached(self, rows: slice = slice(None)) -> np.ndarray:
        """respondents x items: the stems not reached, beyond a closed gate (asked stems of an
        area whose gate-stage answers failed the rule, at the other stages)."""
        inst = self.instrument
        values = self.responses.values[rows]
        if self.gate is None:
            return np.zeros(values.shape, dtype=bool)
        area = {a.id: k for k, a in enumerate(inst.areas)}
        item_area = np.array([area[i.area] for i in inst.items], dtype=np.intp)
        beyond = np.array([i.stage != inst.gate_stage for i in inst.items], dtype=bool)
        out = ~self.gate[rows][:, item_area] & beyond
        asked = self.responses.asked_rows(rows)
        return out if asked is None else out & asked

    def cleaned(self, rows: slice = slice(None)) -> np.ndarray:
        """The answers as scored: ``Responses.values`` (float32) with every answer beyond a
        closed gate left out (NaN), as the scorer ignores them; made on demand from the
        gate, so a million respondents' scores hold no second copy of their answers."""
        values = self.responses.values[rows]
        return np.where(self.not_reached(rows), np.float32(np.nan), values)

    @property
    def by_label(self) -> str:
        """The grouping question's label (with its id), '' when grouped by organisation."""
        if not self.by:
            return ""
        q = next((q for q in self.instrument.background if q.id == self.by), None)
        return f"{q.label} ({self.by})" if q else self.by

    def respondents_long(self, unit_types: tuple[str, ...] = ("area", "group"),
                         rows: slice | None = None) -> pd.DataFrame:
        """Shortcut for ``respondents_long(self, unit_types, rows)``."""
        return respondents_long(self, unit_types, rows)

    def relabelled(self, instrument: Instrument) -> "Scores":
        """The same scores with the labels of ``instrument``: the same questionnaire (same
        id, so the same items, scale codes and rule) compiled in another language, so that
        ``--lang en`` reports name areas, stages and codes in English too."""
        if instrument.id != self.instrument.id:
            raise ValueError(f"instrument {instrument.id} is not {self.instrument.id}")
        rule = self.rule
        if rule.id == instrument.rule.id:
            rule = dataclasses.replace(rule, description=instrument.rule.description)
        responses = dataclasses.replace(self.responses, instrument=instrument)
        return dataclasses.replace(self, instrument=instrument, responses=responses, rule=rule)

    def respondents_wide(self, unit_types: tuple[str, ...] = ("area", "group")) -> pd.DataFrame:
        """Shortcut for ``respondents_wide(self, unit_types)``."""
        return respondents_wide(self, unit_types)


def respondents_wide(scores: Scores, unit_types: tuple[str, ...] = ("area", "group")
                     ) -> pd.DataFrame:
    """One row per respondent: respondent_id, organisation, wave, the background answers
    and each unit's level.

    Columns ``{unit}_level`` (float32: 0 to the number of stages, NaN when not rated or
    not applicable) for the unit types given, in instrument order; the coverage method
    adds ``{unit}_frequent`` (1.0 / 0.0, NaN when not classified); then ``not_rated`` and
    ``not_applicable``: the units
    (space-separated ids) whose level is blank for that reason. This is the default
    respondents.csv: one row per respondent however many units there are, the layout
    SPSS and Stata analyses start from.
    """
    import pandas as pd

    resp = scores.responses
    columns = wide_columns(scores, unit_types)
    per_unit = [scores.units[t].level_values() for t in unit_types]
    per_unit += [np.where(np.isnan(u.applied_share), np.nan, u.frequent).astype(np.float32)
                 for u in (scores.units[t] for t in unit_types) if u.frequent is not None]
    values = [np.asarray(resp.respondent_id, dtype=object),
              np.asarray(resp.organisation, dtype=object), np.asarray(resp.wave, dtype=object)]
    values += [resp.answers(q) for q in scores.instrument.background_ids]
    values += [np.ascontiguousarray(arr[:, k]) for arr in per_unit for k in range(arr.shape[1])]
    for code in (NOT_RATED, NOT_APPLICABLE):
        texts, which = unit_lists(scores, unit_types, code)
        values.append(texts[which])
    return pd.DataFrame(dict(zip(columns, values, strict=True)))


def wide_columns(scores: Scores, unit_types: Sequence[str]) -> list[str]:
    """Header of the wide respondents.csv, one definition for the table and its writer."""
    columns = ["respondent_id", "organisation", "wave", *scores.instrument.background_ids]
    columns += [f"{u}_level" for t in unit_types for u in scores.units[t].units]
    columns += [f"{u}_frequent" for t in unit_types if scores.units[t].frequent is not None
                for u in scores.units[t].units]
    return columns + ["not_rated", "not_applicable"]


def unit_lists(scores: Scores, unit_types: Sequence[str], code: int,
               rows: slice | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(texts, index): per respondent, the space-separated ids of the units whose level is
    ``code`` (NOT_RATED or NOT_APPLICABLE) is ``texts[index]``.

    Respondents share few patterns (not applicable depends on the form only), so each
    distinct pattern is written once: rows are told apart by two 64-bit hashes of their
    pattern, computed as matrix products, with no Python work per respondent.
    """
    import pandas as pd

    rows = rows if rows is not None else slice(0, len(scores.responses))
    units = [u for t in unit_types for u in scores.units[t].units]
    flags = np.concatenate([scores.units[t].level[rows] == code for t in unit_types], axis=1) \
        if unit_types else np.zeros((len(scores.responses.respondent_id[rows]), 0), dtype=bool)
    if not flags.any():
        return np.array([""], dtype=object), np.zeros(len(flags), dtype=np.intp)
    rng = np.random.default_rng(20261201)
    weights = rng.integers(1, 2**62, size=(flags.shape[1], 2), dtype=np.uint64)
    with np.errstate(over="ignore"):
        keys = flags.astype(np.uint64) @ weights  # wraps mod 2**64: a hash of the pattern
    index = pd.MultiIndex.from_arrays([keys[:, 0], keys[:, 1]])
    which, uniques = pd.factorize(index)
    first = np.zeros(len(uniques), dtype=np.intp)
    first[which[::-1]] = np.arange(len(which))[::-1]  # a row of each pattern
    texts = np.array([" ".join(u for u, f in zip(units, flags[r]) if f) for r in first],
                     dtype=object)
    return texts, which.astype(np.intp)


RESPONDENT_COLUMNS = ("respondent_id", "organisation", "unit_type", "unit", "stage", "n_items",
                      "n_answered", "n_not_reached", "mean", "status", "achieved", "level")


def respondents_long(scores: Scores, unit_types: tuple[str, ...] = ("area", "group"),
                     rows: slice | None = None) -> pd.DataFrame:
    """The tidy per-respondent table: one row per respondent x unit x stage.

    Columns: respondent_id, organisation, unit_type, unit, stage, n_items (the stems
    of the unit-stage the respondent's form asks), n_answered, n_not_reached, mean,
    status ('achieved', 'not achieved', 'not rated', 'not applicable'), achieved,
    level (the unit's level, repeated on its stage rows; NaN when not rated or not
    applicable); plus attained_pct (opm3-binary) or applied_share and frequent
    (coverage, repeated per stage). Rows are ordered respondent, unit type (as
    given), unit and stage (instrument order). ``rows`` selects a slice of
    respondents, so a writer can stream a million respondents in blocks without
    building the whole table (60 rows per respondent for areas and groups).
    Text columns are pandas categoricals (unit_type, unit and stage in instrument
    order).
    """
    import pandas as pd

    resp = scores.responses
    rows = rows if rows is not None else slice(0, len(resp))
    ids = np.asarray(resp.respondent_id[rows], dtype=object)
    orgs = np.asarray(resp.organisation[rows], dtype=object)
    n_resp = len(ids)
    parts = []
    for unit_type in unit_types:
        us = scores.units[unit_type]
        n_u, n_s = len(us.units), len(us.stages)
        per = n_u * n_s
        block = {
            "respondent_id": np.repeat(ids, per),
            "organisation": np.repeat(orgs, per),
            "unit_type": np.full(n_resp * per, unit_type, dtype=object),
            "unit": np.tile(np.repeat(np.array(us.units, dtype=object), n_s), n_resp),
            "stage": np.tile(np.array(us.stages, dtype=object), n_resp * n_u),
            "n_items": (np.tile(us.n_items.reshape(-1), n_resp) if us.n_asked is None
                        else us.n_asked[rows].reshape(-1)),
            "n_answered": us.n_answered[rows].reshape(-1),
            "n_not_reached": us.n_not_reached[rows].reshape(-1),
            "mean": us.mean[rows].reshape(-1),
            "status": us.status(rows).reshape(-1),
            "achieved": us.achieved[rows].reshape(-1),
            "level": np.repeat(us.level_values()[rows].reshape(-1), n_s),
        }
        if us.n_attained is not None:
            block["attained_pct"] = us.attained_pct[rows].reshape(-1)
        if us.applied_share is not None:
            share = us.applied_share[rows]
            block["applied_share"] = np.repeat(share.reshape(-1), n_s)
            block["frequent"] = np.repeat(np.where(np.isnan(share), np.nan, us.frequent[rows])
                                          .astype(np.float32).reshape(-1), n_s)
        parts.append(pd.DataFrame(block))
    if not parts:
        return pd.DataFrame(columns=list(RESPONDENT_COLUMNS))
    table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    if len(parts) > 1:  # respondent-major order across unit types
        key = np.concatenate([np.repeat(np.arange(n_resp), len(scores.units[t].units)
                                        * len(scores.units[t].stages)) for t in unit_types])
        table = table.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)
    order = {"unit_type": list(unit_types), "status": list(STAGE_STATUS),
             "unit": list(dict.fromkeys(u for t in unit_types for u in scores.units[t].units)),
             "stage": list(scores.instrument.stage_ids)}
    for col in ("respondent_id", "organisation", "unit_type", "unit", "stage", "status"):
        categories = order.get(col)
        table[col] = pd.Categorical(table[col], categories=categories) if categories else \
            table[col].astype("category")
    return table
