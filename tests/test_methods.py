"""Scoring methods pinned to the hand-worked examples in their docstrings (STYLE.md rule 15).

Every number asserted here is written out, with its arithmetic, in the docstring of
``scoring.methods.staged`` / ``opm3_binary`` / ``coverage``.
"""

from __future__ import annotations

import numpy as np
import pytest

from instrument import gating
from instrument.compile import Options, compile_instrument
from instrument.loader import load_profile
from instrument.model import GateRule
import dataclasses

from scoring import methods
from scoring.levels import NOT_RATED
from scoring.methods import compute
from scoring.responses import Responses
from scoring.scores import RESPONDENT_COLUMNS, respondents_long

NR = NOT_RATED


def make_responses(instrument, answers: list[dict[str, float]],
                   organisations: list[str] | None = None) -> Responses:
    """Responses with the given item -> code answers; every other cell blank."""
    ids = instrument.item_ids
    values = np.full((len(answers), len(ids)), np.nan)
    for row, given in enumerate(answers):
        for item_id, code in given.items():
            values[row, ids.index(item_id)] = code
    n = len(answers)
    return Responses(
        instrument=instrument,
        respondent_id=np.array([chr(ord("A") + i) for i in range(n)], dtype=object),
        organisation=np.array(organisations or ["機關甲"] * n, dtype=object),
        wave=np.full(n, "", dtype=object), values=values,
        source_file=np.full(n, "test.csv", dtype=object), source_row=np.arange(2, n + 2))


def stems(practices: str, stage: str, codes: list[float | None]) -> dict[str, float]:
    """{'QUA01_S': 4, ...} for practices 'QUA01 QUA02 QUA03'; None = blank."""
    return {f"{p}_{stage}": c for p, c in zip(practices.split(), codes) if c is not None}


QUA = "QUA01 QUA02 QUA03"
STAGED_EXAMPLE = [
    {**stems(QUA, "S", [4, 4, 5]), **stems(QUA, "M", [4, 3, 9]),
     **stems(QUA, "C", [2, 3, 3]), **stems(QUA, "I", [5, 5, 5])},  # A
    {**stems(QUA, "S", [4, 3, 3]), **stems(QUA, "M", [5, 5, 5])},  # B: M answered anyway
    {**stems(QUA, "S", [5, 2, 4]), **stems(QUA, "M", [4, None, 2])},  # C
]


def unit(scores, unit_type: str, unit_id: str):
    us = scores.units[unit_type]
    return us, us.units.index(unit_id)


# --------------------------------------------------------------------------- staged
def test_staged_docstring_example_area(instrument):
    scores = compute(make_responses(instrument, STAGED_EXAMPLE))
    area, q = unit(scores, "area", "QUA")
    assert area.level[:, q].tolist() == [2, 0, 1]
    assert area.achieved[:, q].tolist() == [[True, True, False, True],
                                           [False, False, False, False],
                                           [True, False, False, False]]
    np.testing.assert_allclose(area.mean[0, q], [13 / 3, 3.5, 8 / 3, 5.0], rtol=1e-6)
    np.testing.assert_allclose(area.mean[1, q], [10 / 3, np.nan, np.nan, np.nan], rtol=1e-6)
    np.testing.assert_allclose(area.mean[2, q], [11 / 3, 3.0, np.nan, np.nan], rtol=1e-6)
    assert area.n_answered[:, q].tolist() == [[3, 2, 3, 3], [3, 0, 0, 0], [3, 2, 0, 0]]
    assert area.n_not_reached[:, q].tolist() == [[0, 0, 0, 0], [0, 3, 3, 3], [0, 0, 0, 0]]
    assert area.n_items[q].tolist() == [3, 3, 3, 3]
    # C's C and I stems are blank: not rated (the run already broke at M)
    assert area.rated[:, q].tolist() == [[True] * 4, [True] * 4, [True, True, False, False]]
    # every other area is blank: S not rated, so the level is not rated (never 0), the
    # gate closed and the higher stems not reached
    others = [k for k, a in enumerate(area.units) if a != "QUA"]
    assert (area.level[:, others] == NR).all()
    assert not area.rated[:, others, 0].any()
    assert (area.n_not_reached[:, others, 1:] == area.n_items[others, 1:]).all()


def legacy(instrument) -> GateRule:
    """The instrument's rule without a minimum of answers, as format-1 manifests have it."""
    return dataclasses.replace(instrument.rule, min_answered=None)


def test_without_a_minimum_the_levels_are_those_of_earlier_releases(instrument):
    """The docstring's last paragraph: every set rated, blanks simply not achieved."""
    scores = compute(make_responses(instrument, STAGED_EXAMPLE), rule=legacy(instrument))
    area, q = unit(scores, "area", "QUA")
    assert area.level[:, q].tolist() == [2, 0, 1]
    others = [k for k, a in enumerate(area.units) if a != "QUA"]
    assert (area.level[:, others] == 0).all() and area.rated.all()
    levels = {p: unit(scores, "practice", p) for p in QUA.split()}
    assert {p: us.level[:, k].tolist() for p, (us, k) in levels.items()} == {
        "QUA01": [2, 1, 2], "QUA02": [1, 0, 0], "QUA03": [1, 0, 1]}
    group, g = unit(scores, "group", "planning")
    assert group.level[:, g].tolist() == [1, 1, 1]


def test_staged_docstring_example_practices(instrument):
    scores = compute(make_responses(instrument, STAGED_EXAMPLE))
    levels = {p: unit(scores, "practice", p) for p in QUA.split()}
    assert {p: us.level[:, k].tolist() for p, (us, k) in levels.items()} == {
        "QUA01": [2, 1, NR], "QUA02": [1, 0, 0], "QUA03": [NR, 0, 1]}
    # A's QUA03_M = 9 (don't know) and C's blank QUA01_C leave those stages not rated
    assert not levels["QUA03"][0].rated[0, levels["QUA03"][1], 1]
    assert not levels["QUA01"][0].rated[2, levels["QUA01"][1], 2]
    us, k = levels["QUA01"]
    # B's QUA01_M = 5 was answered anyway: ignored, not reached, not achieved
    assert us.n_not_reached[1, k].tolist() == [0, 1, 1, 1]
    assert np.isnan(us.mean[1, k, 1]) and not us.achieved[1, k, 1]


def test_staged_docstring_example_group_not_reached_do_not_shrink_n(instrument):
    scores = compute(make_responses(instrument, STAGED_EXAMPLE))
    group, g = unit(scores, "group", "planning")
    assert group.n_items[g].tolist() == [24, 24, 24, 24]
    # S: 1 of 24 answered, 12 needed: not rated, so the group's level is not rated
    assert group.level[:, g].tolist() == [NR, NR, NR]
    assert not group.rated[:, g, 0].any() and not group.achieved[:, g, 0].any()
    # A: M mean 4.0 from QUA01_M alone, but 23 not-reached stems enter the test as 1,
    # and count towards the minimum: rated, not achieved
    assert group.mean[0, g, 1] == 4.0
    assert group.n_answered[0, g, 1] == 1 and group.n_not_reached[0, g, 1] == 23
    assert group.rated[0, g, 1] and not group.achieved[0, g, 1]
    assert group.n_not_reached[1, g].tolist() == [0, 24, 24, 24]


def test_staged_is_the_default_and_the_report_says_so(instrument):
    scores = compute(make_responses(instrument, STAGED_EXAMPLE))
    assert scores.method == "staged" and methods.DEFAULT_METHOD == "staged"
    assert scores.notes[0].startswith("method: staged")
    assert "mean of the answered stems >= 3.5" in scores.notes[1]
    assert scores.rule == instrument.rule and scores.overrides == {}


def test_not_reached_counts_as_not_achieved_even_when_the_rule_is_low(instrument):
    """Overriding the rule to 1.5 lets C = 2 pass, but B's gated-out stems never do."""
    scores = compute(make_responses(instrument, STAGED_EXAMPLE), overrides={"threshold": 1.5})
    assert scores.rule.threshold == 1.5 and scores.overrides == {"threshold": 1.5}
    assert "overridden" in scores.notes[1]
    area, q = unit(scores, "area", "QUA")
    # the gate is still the questionnaire's (3.5): B's M..I remain not reached;
    # C passes S and M at 1.5, then its blank C stage is not rated
    assert area.n_not_reached[1, q].tolist() == [0, 3, 3, 3]
    assert area.level[:, q].tolist() == [4, 1, NR]


def test_count_rule_not_reached_is_unmarked(instrument):
    rule = GateRule("count", "count", min_code=4, share=0.5)
    scores = compute(make_responses(instrument, STAGED_EXAMPLE), rule=rule)
    area, q = unit(scores, "area", "QUA")
    # A: S 3 of 3 marked, M 1 of 3 (4; 3 no; 9 don't know) < 2 -> level 1
    # B: S 1 of 3 (only the 4) < 2 -> 0;  C: S 2 of 3 -> yes, M 1 of 3 -> level 1
    assert area.level[:, q].tolist() == [1, 0, 1]
    pr, k = unit(scores, "practice", "QUA01")
    assert pr.level[:, k].tolist() == [2, 1, 2]


def test_rule_override_keys(instrument):
    rule = methods.resolve_rule(instrument, None, {"kind": "count", "min_code": 4, "share": 0.5,
                                                   "note": "ignored"})
    assert (rule.kind, rule.min_code, rule.share) == ("count", 4, 0.5)
    with pytest.raises(ValueError, match="needs a threshold"):
        methods.resolve_rule(instrument, None, {"threshold": None})
    explicit = GateRule("mean", "mean", threshold=4.0)
    assert methods.resolve_rule(instrument, explicit, {"threshold": 2.0}) is explicit


def test_unknown_method_is_refused(instrument):
    with pytest.raises(ValueError, match="unknown scoring method 'opm3'; choose one of staged, "
                                         "opm3-binary, coverage"):
        compute(make_responses(instrument, STAGED_EXAMPLE), method="opm3")


# --------------------------------------------------------------------------- opm3-binary
@pytest.fixture(scope="module")
def yesno_instrument(bank):
    return compile_instrument(bank, load_profile("generic", bank), "zh-TW", Options(scale="yesno"))


BINARY_EXAMPLE = [
    {**stems(QUA, "S", [1, 1, 0]), **stems(QUA, "M", [1, 0, 9]),
     **stems(QUA, "C", [0, 0, 0]), **stems(QUA, "I", [1, 1, 1])},  # A
    {**stems(QUA, "S", [0, 0, 1]), **stems(QUA, "M", [1, 1, 1])},  # B: M answered anyway
    {**stems(QUA, "S", [9, 9, 9])},  # C: don't know throughout
]


def test_opm3_binary_docstring_example(yesno_instrument):
    assert yesno_instrument.rule.threshold == 0.5
    scores = compute(make_responses(yesno_instrument, BINARY_EXAMPLE), method="opm3-binary")
    area, q = unit(scores, "area", "QUA")
    np.testing.assert_allclose(area.attained_pct[:, q],
                               [[200 / 3, 100 / 3, 0, 100], [100 / 3, 0, 0, 0], [0, 0, 0, 0]],
                               rtol=1e-6)
    assert area.n_attained[:, q].tolist() == [[2, 1, 0, 3], [1, 0, 0, 0], [0, 0, 0, 0]]
    assert area.level[:, q].tolist() == [2, 0, NR]  # C: don't know throughout
    pr, k = unit(scores, "practice", "QUA01")
    assert pr.level[:, k].tolist() == [2, 0, NR]
    assert scores.units["group"].n_attained is not None
    assert scores.units["area"].applied_share is None


def test_opm3_binary_on_likert_counts_codes_at_the_threshold(instrument):
    scores = compute(make_responses(instrument, STAGED_EXAMPLE), method="opm3-binary")
    area, q = unit(scores, "area", "QUA")
    # threshold 3.5: attained are 4 and 5. A: S 4,4,5 -> 3; M 4,3,9 -> 1; C 0; I 3
    assert area.n_attained[:, q].tolist() == [[3, 1, 0, 3], [1, 0, 0, 0], [2, 1, 0, 0]]
    assert any("attained when its code is at least 3.5" in n for n in scores.notes)


# --------------------------------------------------------------------------- coverage
COS = "COS01 COS02 COS03 COS04"
COVERAGE_EXAMPLE = [stems(COS, "S", [4, 4, 2, 2]),  # A: 2 of 4 = half -> frequent
                    stems(COS, "S", [5, 3, 3, 9]),  # B: 1 of 3 counted -> sparse
                    stems(COS, "S", [4, 4, 4, 5])]  # C: 4 of 4 -> frequent


def test_coverage_docstring_example(instrument):
    scores = compute(make_responses(instrument, COVERAGE_EXAMPLE), method="coverage")
    area, c = unit(scores, "area", "COS")
    np.testing.assert_allclose(area.applied_share[:, c], [0.5, 1 / 3, 1.0], rtol=1e-6)
    assert area.frequent[:, c].tolist() == [True, False, True]
    others = [k for k, a in enumerate(area.units) if a != "COS"]
    assert np.isnan(area.applied_share[:, others]).all() and not area.frequent[:, others].any()
    # 3 of planning's 24 practices and 1 of monitoring & controlling's 12 count: too few
    group, g = unit(scores, "group", "planning")
    mc, m = unit(scores, "group", "monitoring_controlling")
    assert np.isnan(group.applied_share[:, g]).all() and np.isnan(mc.applied_share[:, m]).all()
    assert not group.frequent[:, g].any() and not mc.frequent[:, m].any()
    pr, k = unit(scores, "practice", "COS04")
    np.testing.assert_array_equal(pr.applied_share[:, k], [0.0, np.nan, 1.0])
    assert pr.frequent[:, k].tolist() == [False, False, True]


def test_coverage_organisation_level(instrument):
    scores = compute(make_responses(instrument, COVERAGE_EXAMPLE), method="coverage")
    org = scores.organisations
    row = org[(org.unit == "COS") & (org.stage == "S")].iloc[0]
    # organisation means of COS01..04_S: 13/3, 11/3, 3.0 and (2 + 5) / 2 = 3.5 (B's 9 is
    # don't know) -> COS01, COS02, COS04 applied: 3 of 4 -> frequent
    assert row.applied_share == 0.75 and bool(row.frequent)
    assert row.frequent_share == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- mechanics
@pytest.mark.parametrize("threads", [1, 2, 3])
def test_blocks_of_rows_give_the_same_results(instrument, monkeypatch, threads):
    """Blocks scored in any number of threads, each summing into its own GroupSums."""
    rng = np.random.default_rng(7)
    resp = make_responses(instrument, [{}] * 9, organisations=list("XYZXYZXXY"))
    values = rng.choice([np.nan, 1, 2, 3, 4, 5, 9], size=resp.values.shape)
    resp = Responses(**{**vars(resp), "values": values})
    monkeypatch.setattr(methods, "_threads", lambda: 1)
    whole = compute(resp, method="coverage")
    monkeypatch.setattr(methods, "CHUNK_ROWS", 2)
    monkeypatch.setattr(methods, "_threads", lambda: threads)
    seen = []
    blocks = compute(resp, method="coverage", progress=seen.append)
    assert sorted(seen) == [1, 2, 2, 2, 2]  # threads report in any order
    for t in whole.units:
        for name in ("mean", "n_answered", "n_not_reached", "achieved", "rated", "level",
                     "applied_share"):
            np.testing.assert_array_equal(getattr(whole.units[t], name),
                                          getattr(blocks.units[t], name))
    import pandas as pd
    pd.testing.assert_frame_equal(whole.organisations, blocks.organisations)
    pd.testing.assert_frame_equal(whole.reliability, blocks.reliability)


def test_units_kept_per_respondent_do_not_change_organisation_results(instrument):
    rng = np.random.default_rng(11)
    resp = make_responses(instrument, [{}] * 12, organisations=list("XYXYXYXYXYZZ"))
    resp = Responses(**{**vars(resp), "values": rng.choice([np.nan, 1, 2, 3, 4, 5, 9],
                                                          size=resp.values.shape)})
    full = compute(resp, method="opm3-binary")
    lean = compute(resp, method="opm3-binary", units=("area",))
    assert set(full.units) == {"area", "group", "practice"} and set(lean.units) == {"area"}
    np.testing.assert_array_equal(full.units["area"].level, lean.units["area"].level)
    import pandas as pd
    pd.testing.assert_frame_equal(full.organisations, lean.organisations)
    pd.testing.assert_frame_equal(full.reliability, lean.reliability)
    with pytest.raises(ValueError, match="unknown unit type 'process'"):
        compute(resp, units=("area", "process"))


def test_no_respondents(instrument):
    scores = compute(make_responses(instrument, []))
    assert scores.units["area"].level.shape == (0, len(instrument.areas))
    assert len(scores.organisations) == 0
    assert len(respondents_long(scores)) == 0


def test_one_stem_verdicts_match_gating_even_off_the_scale(instrument):
    """A practice-stage has one stem: the kernel takes it without a product, and its verdict
    is gating's, also for values no scale has (a Responses built by hand)."""
    values = [np.nan, 1, 2, 3, 3.4999999999, 3.5, 3.7, 4, 5, -2.0]
    scores = compute(make_responses(instrument, [{"QUA01_S": v} for v in values]))
    us, k = unit(scores, "practice", "QUA01")
    expected = gating.achieved(np.array(values).reshape(-1, 1), instrument.rule)
    assert us.achieved[:, k, 0].tolist() == expected.tolist()
    assert us.rated[:, k, 0].tolist() == [not np.isnan(v) for v in values]


def test_reached_answers_drop_gated_out_values(instrument):
    resp = make_responses(instrument, STAGED_EXAMPLE)
    clean, not_reached = methods.reached_answers(instrument, resp.values)
    b_m = instrument.item_ids.index("QUA01_M")
    assert not_reached[1, b_m] and np.isnan(clean[1, b_m])
    assert not not_reached[0, b_m] and clean[0, b_m] == 4
    assert np.isnan(clean[0, instrument.item_ids.index("QUA03_M")])  # 9 = don't know


# --------------------------------------------------------------------------- long table
def test_respondents_long_layout(instrument):
    scores = compute(make_responses(instrument, STAGED_EXAMPLE))
    table = respondents_long(scores)
    assert tuple(table.columns) == RESPONDENT_COLUMNS
    per = (len(instrument.areas) + len(instrument.groups)) * len(instrument.stages)
    assert len(table) == 3 * per
    rows = table[(table.respondent_id == "A") & (table.unit == "QUA")]
    assert rows.stage.tolist() == ["S", "M", "C", "I"]
    assert rows.level.tolist() == [2, 2, 2, 2]
    assert rows.achieved.tolist() == [True, True, False, True]
    assert rows.status.tolist() == ["achieved", "achieved", "not achieved", "achieved"]
    blank = table[(table.respondent_id == "C") & (table.unit == "QUA")]
    assert blank.status.tolist() == ["achieved", "not achieved", "not rated", "not rated"]
    other = table[(table.respondent_id == "A") & (table.unit == "INT")]
    assert other.level.isna().all() and other.status.tolist()[0] == "not rated"
    assert rows.n_items.tolist() == [3, 3, 3, 3]
    assert table.respondent_id.tolist()[:per] == ["A"] * per  # respondent-major
    assert list(table.unit_type.cat.categories) == ["area", "group"]
    part = scores.respondents_long(("practice",), rows=slice(1, 2))
    assert len(part) == len(instrument.practices) * 4 and set(part.respondent_id) == {"B"}
    cov = respondents_long(compute(make_responses(instrument, COVERAGE_EXAMPLE),
                                   method="coverage"), ("area",))
    assert {"applied_share", "frequent"} <= set(cov.columns)
