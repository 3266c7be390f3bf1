"""Properties of the scorer (STYLE.md rule 14), on random answers to the full instrument.

* gating never changes a level: a full response and the same response with the
  gated-out stems blanked score identically (areas, process groups and practices);
* raising any single substantive answer never lowers any level (respondent or
  organisation), nor a coverage classification, wherever both are rated;
* levels lie within 0..number of stages and equal the consecutive achieved stages,
  or are "not rated" exactly when the stage that breaks the run has too few
  substantive answers; a not-rated level is never a number in any output;
* respondent order does not matter: permuted rows give the same per-respondent
  results, permuted, and the same organisation and reliability tables.

Answers are generated from a drawn seed and drawn parameters (number of
respondents, each respondent's general level, shares of blanks and don't-knows), so
that areas both pass and fail the gate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from instrument import gating
from instrument.compile import Options, compile_instrument
from instrument.loader import load_profile
from scoring.levels import NOT_APPLICABLE, NOT_RATED
from scoring.methods import compute
from scoring.responses import Responses
from scoring.tidy import write_respondents, write_respondents_wide

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
ORGANISATIONS = ("臺北市政府", "智慧城市專案辦公室", "")


@pytest.fixture(scope="module")
def count_instrument(bank):
    """The same bank with the count rule: at least half of the stems marked 4 or 5."""
    return compile_instrument(bank, load_profile("generic", bank), "zh-TW", Options(rule="count"))


@pytest.fixture(params=["mean", "count"])
def any_instrument(request, instrument, count_instrument):
    return instrument if request.param == "mean" else count_instrument


@st.composite
def answer_sets(draw, max_rows: int = 6):
    """(seed, n, per-respondent centre, blank share, don't-know share, organisations)."""
    n = draw(st.integers(1, max_rows))
    return {"seed": draw(st.integers(0, 2 ** 32 - 1)), "n": n,
            "centre": draw(st.lists(st.floats(1.0, 5.0), min_size=n, max_size=n)),
            "noise": draw(st.sampled_from([0.7, 1.5, 2.5])),
            "blank": draw(st.sampled_from([0.0, 0.05, 0.3])),
            "dont_know": draw(st.sampled_from([0.0, 0.05, 0.2])),
            "orgs": draw(st.lists(st.sampled_from(ORGANISATIONS), min_size=n, max_size=n))}


def build(instrument, spec, values=None) -> Responses:
    rng = np.random.default_rng(spec["seed"])
    n, k = spec["n"], len(instrument.item_ids)
    valid = np.array(sorted(instrument.scale.valid), dtype=float)
    if values is None:
        centre = np.array(spec["centre"])[:, None]
        raw = np.rint(centre + rng.normal(0, spec.get("noise", 1.0), (n, k)))
        values = np.clip(raw, valid.min(), valid.max())
        values[rng.random((n, k)) < spec["dont_know"]] = instrument.scale.missing[0]
        values[rng.random((n, k)) < spec["blank"]] = np.nan
    return Responses(instrument=instrument,
                     respondent_id=np.array([f"R{i}" for i in range(n)], dtype=object),
                     organisation=np.array(spec["orgs"], dtype=object),
                     wave=np.full(n, "", dtype=object), values=values,
                     source_file=np.full(n, "p.csv", dtype=object),
                     source_row=np.arange(2, n + 2))


def gated_out(instrument, values) -> np.ndarray:
    """respondents x items: stems the questionnaire would not have asked (independent of
    scoring.methods: straight from gating.gate_matrix)."""
    opened = gating.gate_matrix(instrument, values)
    areas = [a.id for a in instrument.areas]
    out = np.zeros(values.shape, dtype=bool)
    for j, item in enumerate(instrument.items):
        if item.stage != instrument.gate_stage:
            out[:, j] = ~opened[:, areas.index(item.area)]
    return out


def assert_frames_close(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                  check_exact=False, rtol=1e-9, atol=1e-9)


UNIT_ARRAYS = ("mean", "n_answered", "n_not_reached", "achieved", "rated", "level")


def not_lower(after: np.ndarray, before: np.ndarray) -> bool:
    """after >= before wherever both are numbers (NaN or negative codes: not rated)."""
    after, before = np.asarray(after, dtype=float), np.asarray(before, dtype=float)
    both = np.isfinite(after) & np.isfinite(before) & (after >= 0) & (before >= 0)
    return bool((after[both] >= before[both]).all())


# --------------------------------------------------------------------------- gating
@SETTINGS
@given(spec=answer_sets())
def test_gating_never_changes_a_level(any_instrument, spec):
    full = build(any_instrument, spec)
    blanked_values = full.values.copy()
    blanked_values[gated_out(any_instrument, full.values)] = np.nan
    blanked = build(any_instrument, spec, blanked_values)
    for method in ("staged", "coverage"):
        a, b = compute(full, method), compute(blanked, method)
        for unit_type in ("area", "group", "practice"):
            for name in UNIT_ARRAYS:
                np.testing.assert_array_equal(getattr(a.units[unit_type], name),
                                              getattr(b.units[unit_type], name),
                                              err_msg=f"{method} {unit_type} {name}")
        assert_frames_close(a.organisations, b.organisations)
        assert_frames_close(a.reliability, b.reliability)


# --------------------------------------------------------------------------- monotone
@SETTINGS
@given(spec=answer_sets(), pick=st.data())
def test_raising_an_answer_never_lowers_a_level(any_instrument, spec, pick):
    before = build(any_instrument, spec)
    valid = sorted(any_instrument.scale.valid)
    substantive = np.isin(before.values, valid[:-1])  # answers that can still go up
    if not substantive.any():
        return
    rows, cols = np.nonzero(substantive)
    # half of the examples raise a gate-stage (S) stem of an area whose gate is closed:
    # the case where stems that were not reached come into play
    closed = gated_out(any_instrument, before.values)
    areas = [a.id for a in any_instrument.areas]
    gate_closed = {(r, j) for r, j in zip(rows, cols)
                   if any_instrument.items[j].stage == any_instrument.gate_stage
                   and not gating.gate_matrix(any_instrument, before.values[r:r + 1])[
                       0, areas.index(any_instrument.items[j].area)]}
    prefer_gate = pick.draw(st.booleans(), label="raise S in a closed area") and closed.any()
    candidates = [k for k in range(len(rows)) if (rows[k], cols[k]) in gate_closed] \
        if prefer_gate else []
    k = pick.draw(st.sampled_from(candidates or list(range(len(rows)))), label="answer")
    r, j = rows[k], cols[k]
    old = before.values[r, j]
    new = pick.draw(st.sampled_from([v for v in valid if v > old]), label="raised to")
    values = before.values.copy()
    values[r, j] = new
    after = build(any_instrument, spec, values)
    a, b = compute(before, "coverage"), compute(after, "coverage")
    for unit_type in ("area", "group", "practice"):
        lo, hi = a.units[unit_type], b.units[unit_type]
        assert not_lower(hi.level, lo.level), f"{unit_type}: raising {any_instrument.item_ids[j]}"
        assert not_lower(hi.applied_share, lo.applied_share)
        classified = ~np.isnan(hi.applied_share) & ~np.isnan(lo.applied_share)
        assert (hi.frequent[classified] >= lo.frequent[classified]).all()
    oa, ob = a.organisations, b.organisations
    assert not_lower(ob.level_of_means, oa.level_of_means)
    # the median of the rated respondents' levels, where the same respondents are rated
    # (a raised answer may open a gate and leave blank stems reached: that respondent's
    # level becomes not rated and leaves the median, which may then move either way)
    same = same_rated(a, b)
    assert not_lower(ob.median_level[same], oa.median_level[same])


def same_rated(a, b) -> np.ndarray:
    """Rows of the organisations table whose unit has the same rated respondents in a and b."""
    orgs = a.organisations
    keep = np.zeros(len(orgs), dtype=bool)
    names = np.asarray(a.responses.organisation, dtype=object)
    for t, us in a.units.items():
        rated_a, rated_b = us.level >= 0, b.units[t].level >= 0
        for k, (org, unit) in enumerate(zip(orgs.organisation, orgs.unit)):
            if orgs.unit_type.iat[k] != t:
                continue
            u = us.units.index(unit)
            mine = names == org
            keep[k] = bool((rated_a[mine, u] == rated_b[mine, u]).all())
    return keep


def test_opening_a_gate_cannot_lower_a_group_level(instrument):
    """The case that makes 'not reached = missing' non-monotone, pinned as an example.

    One respondent. Every S stem is 4 except cost: COS01..04_S = 4, 4, 3, 2 (mean 3.25,
    gate closed). The 21 planning M stems outside COS are 11 x 4 and 10 x 3 (mean
    74/21 = 3.52); COS01..03_M (planning) are 1; every C and I stem is 5.
    Raising COS04_S from 2 to 5 opens COS (mean 4.0): COS01..03_M are reached.

    Read as missing, the not-reached stems would leave planning M at 3.52 before
    (achieved, planning level 4) and (74 + 3) / 24 = 3.21 after (level 1): a raised
    answer would lower a level. Counted as the lowest code they enter as 1 both
    before and after: the test sees 3.21 both times, level 1 both times.
    """
    ids = instrument.item_ids
    values = np.full(len(ids), 5.0)
    planning_m = []
    for j, item in enumerate(instrument.items):
        if item.stage == "S":
            values[j] = 4.0
        elif item.stage == "M" and item.group == "planning":
            if item.area == "COS":
                values[j] = 1.0
            else:
                planning_m.append(j)
    assert len(planning_m) == 21
    values[planning_m[:11]], values[planning_m[11:]] = 4.0, 3.0
    for pid, code in zip(("COS01", "COS02", "COS03", "COS04"), (4, 4, 3, 2)):
        values[ids.index(f"{pid}_S")] = code
    spec = {"seed": 0, "n": 1, "orgs": ["甲"]}
    before = compute(build(instrument, spec, values[None, :].copy()))
    values[ids.index("COS04_S")] = 5
    after = compute(build(instrument, spec, values[None, :].copy()))
    g = before.units["group"].units.index("planning")
    b, a = before.units["group"], after.units["group"]
    assert (b.n_not_reached[0, g, 1], a.n_not_reached[0, g, 1]) == (3, 0)
    assert (b.level[0, g], a.level[0, g]) == (1, 1)
    assert b.mean[0, g, 1] == pytest.approx(74 / 21) and a.mean[0, g, 1] == pytest.approx(77 / 24)
    for unit_type in ("area", "group", "practice"):
        assert not_lower(after.units[unit_type].level, before.units[unit_type].level)


# --------------------------------------------------------------------------- range
@SETTINGS
@given(spec=answer_sets(max_rows=8))
def test_levels_within_range_and_consecutive(any_instrument, spec):
    scores = compute(build(any_instrument, spec))
    n_stages = len(any_instrument.stages)
    for us in scores.units.values():
        assert us.level.dtype == np.int8
        assert (((us.level >= 0) & (us.level <= n_stages)) | (us.level == NOT_RATED)).all()
        assert not (us.level == NOT_APPLICABLE).any()  # one form asks every practice
        consecutive = np.cumprod(us.achieved, axis=2).sum(axis=2)
        breaking = np.minimum(consecutive, n_stages - 1)
        judged = np.take_along_axis(us.rated, breaking[:, :, None], axis=2)[:, :, 0]
        full = consecutive == n_stages
        np.testing.assert_array_equal(us.level, np.where(full | judged, consecutive, NOT_RATED))
        assert not (us.achieved & ~us.rated).any()  # never achieved without a rating
        # descriptive counts never exceed the stems of the unit-stage
        assert ((us.n_answered + us.n_not_reached) <= us.n_items).all()
        # rated means at least the minimum of substantive answers or not-reached stems
        need = np.vectorize(lambda k: gating.required_answers(any_instrument.rule, int(k)))(
            us.n_items)
        assert ((us.n_answered + us.n_not_reached >= need) | ~us.rated).all()
        assert ((us.n_answered + us.n_not_reached < need) | us.rated | (us.n_items == 0)).all()
    org = scores.organisations
    assert (org.level_of_means.between(0, n_stages) | (org.level_of_means.isna()
                                                       & (org.status_of_means != ""))).all()
    assert (org.median_level.between(0, n_stages) | org.median_level.isna()).all()
    # not rated is never a number: blank cells in both layouts of respondents.csv
    import io
    for writer in (write_respondents, write_respondents_wide):
        out = io.BytesIO()
        writer(scores, out)
        assert "-1" not in out.getvalue().decode("utf-8-sig").replace("-1.", "")


# --------------------------------------------------------------------------- order
@SETTINGS
@given(spec=answer_sets(max_rows=8), order_seed=st.integers(0, 2 ** 32 - 1))
def test_respondent_order_does_not_matter(any_instrument, spec, order_seed):
    resp = build(any_instrument, spec)
    perm = np.random.default_rng(order_seed).permutation(len(resp))
    shuffled_spec = {**spec, "orgs": [spec["orgs"][p] for p in perm]}
    shuffled = build(any_instrument, shuffled_spec, resp.values[perm])
    for method in ("staged", "opm3-binary", "coverage"):
        a, b = compute(resp, method), compute(shuffled, method)
        for unit_type in ("area", "group", "practice"):
            for name in UNIT_ARRAYS + ("n_attained", "applied_share", "frequent"):
                x = getattr(a.units[unit_type], name)
                if x is not None:
                    np.testing.assert_array_equal(x[perm], getattr(b.units[unit_type], name))
        # organisation aggregates are independent of the file order
        assert_frames_close(a.organisations, b.organisations)
        assert_frames_close(a.reliability, b.reliability)
