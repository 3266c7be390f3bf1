"""Agreement, reliability and organisation-level statistics (STYLE.md rule 15).

The formulas are checked against published worked examples:

* Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing
  rater reliability. Psychological Bulletin 86(2), 420–428, Table 2 (6 targets x 4
  judges) and Table 4: BMS = 11.24, WMS = 6.26, ICC(1,1) = .17, ICC(1,4) = .44,
  ICC(3,4) = .91. The same numbers are asserted by the R package psych in
  tests/testthat/test_ICC.R ("does it match the numbers from Shrout and Fleiss").
  Bliese's (2000) ICC(1) and ICC(2) are Shrout & Fleiss's ICC(1,1) and ICC(1,k)
  with the targets as groups; Cronbach's alpha equals ICC(3,k) (McGraw & Wong 1996).
* Denis, D. J. (2021). Applied Univariate, Bivariate, and Multivariate Statistics
  (2nd ed., Wiley), the five-item, ten-person SPSS reliability example: Cronbach's
  alpha = .633; item SDs 2.71006, 5.05085, 4.74810, 2.71621, 3.80058.
* James, L. R., Demaree, R. G. & Wolf, G. (1984). Estimating within-group
  interrater reliability with and without response bias. J. Appl. Psychol. 69,
  85–98; as documented for multilevel::rwg.j (Bliese): σ²EU = (A² − 1)/12, "the
  value of 2 represents the variance from a rectangular distribution in the case
  where there are 5 response options", and an observed variance above it is
  truncated, giving rwg(j) = 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scoring import stats
from scoring.methods import compute
from scoring.responses import Responses


def make_responses(instrument, answers: list[dict[str, float]],
                   organisations: list[str] | None = None) -> Responses:
    """Responses with the given item -> code answers; every other cell blank."""
    ids = instrument.item_ids
    values = np.full((len(answers), len(ids)), np.nan)
    for row, given in enumerate(answers):
        for item_id, code in given.items():
            values[row, ids.index(item_id)] = code
    n = len(answers)
    return Responses(instrument=instrument,
                     respondent_id=np.array([f"R{i + 1}" for i in range(n)], dtype=object),
                     organisation=np.array(organisations or ["甲"] * n, dtype=object),
                     wave=np.full(n, "", dtype=object), values=values,
                     source_file=np.full(n, "test.csv", dtype=object),
                     source_row=np.arange(2, n + 2))


def stems(practices: str, stage: str, codes: list[float | None]) -> dict[str, float]:
    """{'QUA01_S': 4, ...} for practices 'QUA01 QUA02 QUA03'; None = blank."""
    return {f"{p}_{stage}": c for p, c in zip(practices.split(), codes) if c is not None}

# Shrout & Fleiss (1979), Table 2: rows = targets, columns = judges 1–4
SHROUT_FLEISS = np.array([[9, 2, 5, 8],
                          [6, 1, 3, 2],
                          [8, 4, 6, 8],
                          [7, 1, 2, 6],
                          [10, 5, 6, 9],
                          [6, 2, 4, 7]], dtype=float)

# Denis (2021), Cronbach's alpha example: 10 persons x 5 items
DENIS = np.array([[10, 12, 15, 11, 12],
                  [12, 18, 12, 12, 1],
                  [8, 16, 14, 14, 4],
                  [6, 8, 16, 8, 6],
                  [4, 7, 8, 7, 5],
                  [6, 6, 3, 7, 3],
                  [3, 4, 6, 5, 8],
                  [7, 3, 7, 9, 9],
                  [8, 9, 4, 10, 10],
                  [9, 5, 6, 11, 12]], dtype=float)


# --------------------------------------------------------------------------- Cronbach's alpha
def test_alpha_denis_textbook_example():
    """Denis (2021): SPSS RELIABILITY gives alpha = .633 for these 10 x 5 scores."""
    alpha, n = stats.cronbach_alpha(DENIS)
    assert round(alpha, 3) == 0.633 and n == 10
    np.testing.assert_allclose(DENIS.std(axis=0, ddof=1).round(5),
                               [2.71006, 5.05085, 4.74810, 2.71621, 3.80058])


def test_alpha_equals_shrout_fleiss_icc_3k():
    """Shrout & Fleiss (1979) Table 4: ICC(3,4) = .91 = alpha of the judges as items."""
    alpha, n = stats.cronbach_alpha(SHROUT_FLEISS)
    assert round(alpha, 2) == 0.91 and n == 6


def test_alpha_is_listwise_and_flags_what_it_cannot_compute():
    with_gap = np.vstack([DENIS, [np.nan, 1, 2, 3, 4]])
    assert stats.cronbach_alpha(with_gap) == stats.cronbach_alpha(DENIS)
    assert np.isnan(stats.alpha_from_moments(1, [1.0, 1.0], [1.0, 1.0], 2.0, 4.0))  # n < 2
    assert np.isnan(stats.alpha_from_moments(5, [1.0], [3.0], 1.0, 3.0))  # one item


# --------------------------------------------------------------------------- ICC
def test_icc_shrout_fleiss_one_way():
    """Bliese's ICC(1) = S&F ICC(1,1) = .17; ICC(2) = S&F ICC(1,4) = .44; BMS 11.24, WMS 6.26."""
    groups = np.repeat(np.arange(6), 4)
    icc = stats.icc_oneway(SHROUT_FLEISS.ravel(), groups)
    assert round(icc["icc1"], 2) == 0.17
    assert round(icc["icc2"], 2) == 0.44
    assert round(icc["ms_between"], 2) == 11.24 and round(icc["ms_within"], 2) == 6.26
    assert icc["k"] == 4.0 and icc["n_groups"] == 6 and icc["n"] == 24


def test_icc_unequal_groups_uses_adjusted_k():
    """Hand-worked: groups of 2, 3 and 5.

    y: A = 1, 3; B = 2, 4, 6; C = 5, 5, 6, 7, 7. N = 10, G = 3, grand mean 4.6.
    Group means 2, 4, 6. SSB = 2(2-4.6)² + 3(4-4.6)² + 5(6-4.6)² = 13.52 + 1.08 + 9.8 = 24.4,
    MSB = 12.2. SSW = 2 + 8 + 4 = 14, MSW = 14 / 7 = 2.
    k = (10 - (4 + 9 + 25) / 10) / 2 = 3.1 (not N / G = 3.33).
    ICC(1) = (12.2 - 2) / (12.2 + 2.1 x 2) = 10.2 / 16.4 = 0.621951...
    ICC(2) = (12.2 - 2) / 12.2 = 0.836066...
    """
    y = [1, 3, 2, 4, 6, 5, 5, 6, 7, 7]
    g = list("AABBBCCCCC")
    icc = stats.icc_oneway(y, g)
    assert icc["k"] == pytest.approx(3.1)
    assert icc["ms_between"] == pytest.approx(12.2) and icc["ms_within"] == pytest.approx(2.0)
    assert icc["icc1"] == pytest.approx(10.2 / 16.4)
    assert icc["icc2"] == pytest.approx(10.2 / 12.2)


def test_icc_needs_two_groups_and_may_be_negative():
    assert np.isnan(stats.icc_oneway([1, 2, 3], ["a", "a", "a"])["icc1"])
    icc = stats.icc_oneway([1, 5, 1, 5], ["a", "a", "b", "b"])  # identical groups: MSB = 0
    assert np.isnan(icc["icc1"]) and icc["ms_between"] == 0
    icc = stats.icc_oneway([1, 5, 2, 4.5], ["a", "a", "b", "b"])
    assert icc["icc1"] < 0


# --------------------------------------------------------------------------- rwg(j)
def test_expected_variance_uniform_null():
    """σ²EU = (A² - 1)/12: 2 for five options (multilevel::rwg.j), 0.25 for yes/no."""
    assert stats.expected_variance(5) == 2.0
    assert stats.expected_variance(2) == 0.25
    assert stats.expected_variance(7) == 4.0


def test_rwg_j_on_the_shrout_fleiss_ratings():
    """The 4 judges as one group rating J = 6 targets on a 1–10 scale.

    The mean of the six targets' variances across judges is the published within-target
    mean square, WMS = 6.26 (Shrout & Fleiss 1979, Table 2). With A = 10,
    σ²EU = 99/12 = 8.25 and s̄²/σ²EU = 6.2639/8.25 = 0.75926:
    rwg(6) = 6 x 0.24074 / (6 x 0.24074 + 0.75926) = 1.44444 / 2.20370 = 0.6555.
    """
    item_var = SHROUT_FLEISS.var(axis=1, ddof=1)
    assert round(item_var.mean(), 2) == 6.26
    value, truncated = stats.rwg_j(item_var.mean(), 6, stats.expected_variance(10))
    assert round(float(value), 4) == 0.6555 and not truncated


def test_rwg_j_truncates_to_zero_above_the_null():
    """James et al. (1984) / multilevel::rwg.j: s̄² > σ²EU is set to σ²EU, rwg(j) = 0."""
    value, truncated = stats.rwg_j([2.5, 2.0, 0.0, 1.0], [3, 3, 3, 3], 2.0)
    assert value.tolist() == [0.0, 0.0, 1.0, pytest.approx(3 * 0.5 / (3 * 0.5 + 0.5))]
    assert truncated.tolist() == [True, False, False, False]
    value, _ = stats.rwg_j(np.nan, 0, 2.0)
    assert np.isnan(value)


# --------------------------------------------------------------------------- helpers
def test_median_from_histogram():
    # levels 0..4 counts: [2,1,0,2] levels -> sorted 0,1,2,2 -> median 1.5
    assert stats.median_from_histogram(np.array([1, 1, 2, 0, 0])) == 1.5
    assert stats.median_from_histogram(np.array([0, 0, 3, 0, 0])) == 2.0
    assert stats.median_from_histogram(np.array([1, 0, 0, 0, 2])) == 4.0
    assert np.isnan(stats.median_from_histogram(np.zeros(5)))


def test_group_sums_are_the_sums_of_each_group_whatever_the_blocks():
    """One-hot products over the groups present in each block; groups appear as blocks come."""
    from types import SimpleNamespace

    rng = np.random.default_rng(3)
    codes = rng.integers(0, 7, 50)
    exact, wide = rng.integers(0, 5, (6, 50)).astype(np.float32), rng.random((3, 50))
    levels = rng.integers(0, 4, (2, 50))  # 2 units, histogram bins 0..3
    structure = SimpleNamespace(exact=SimpleNamespace(size=6), wide=SimpleNamespace(size=3),
                                n_units=2, level_bins=4)
    whole, parts = stats.GroupSums(structure), stats.GroupSums(structure)
    whole.add(codes, 7, exact, wide, levels)
    for a, b in ((0, 5), (5, 6), (6, 50)):  # the first blocks hold only some of the groups
        other = stats.GroupSums(structure)
        other.add(codes[a:b], int(codes[:b].max()) + 1, exact[:, a:b], wide[:, a:b],
                  levels[:, a:b])
        parts.merge(other)
    for sums in (whole, parts):
        for g in range(7):
            np.testing.assert_array_equal(sums.exact[g], exact[:, codes == g].sum(axis=1))
            np.testing.assert_allclose(sums.wide[g], wide[:, codes == g].sum(axis=1))
            for u in range(2):
                assert sums.levels[g, u].tolist() == np.bincount(
                    levels[u, codes == g], minlength=4).tolist()
        assert sums.n_resp.tolist() == np.bincount(codes, minlength=7).tolist()


# --------------------------------------------------------------------------- the tables
QUA = "QUA01 QUA02 QUA03"
ORG_EXAMPLE = [  # organisation 甲: 4 respondents; 乙: 2
    {**stems(QUA, "S", [5, 4, 4]), **stems(QUA, "M", [4, 4, 3])},
    {**stems(QUA, "S", [4, 4, 3]), **stems(QUA, "M", [4, 3, 3])},
    {**stems(QUA, "S", [3, 3, 3]), **stems(QUA, "M", [5, 5, 5])},  # gate 3.0: M not reached
    {**stems(QUA, "S", [5, 5, 4]), **stems(QUA, "M", [5, 4, 4])},
    {**stems(QUA, "S", [2, 2, 3])},
    {**stems(QUA, "S", [4, 4, 4]), **stems(QUA, "M", [4, 4, 4])},
]
ORGS = ["甲", "甲", "甲", "甲", "乙", "乙"]


@pytest.fixture(scope="module")
def org_scores(instrument):
    return compute(make_responses(instrument, ORG_EXAMPLE, ORGS))


def pick(table: pd.DataFrame, **where) -> pd.DataFrame:
    mask = np.ones(len(table), dtype=bool)
    for column, value in where.items():
        mask &= (table[column] == value).to_numpy()
    return table[mask]


def test_organisation_table_hand_example(org_scores):
    """甲, area QUA.

    Respondents' S means 13/3, 11/3, 3, 14/3 (mean 3.9167); levels: the first and the
    fourth achieve S and M and leave C blank, so their levels are not rated; the second
    1, the third 0 (median of the rated levels 0.5). Item means with not reached = 1:
    S 4.25, 4.0, 3.5 -> 3.917 achieved; M (4+4+1+5)/4 = 3.5, (4+3+1+4)/4 = 3.0,
    (3+3+1+4)/4 = 2.75 -> 3.083 not achieved: level of the means 1.
    """
    org = org_scores.organisations
    s = pick(org, organisation="甲", unit="QUA", stage="S").iloc[0]
    assert (s.n, s.n_answered, s.n_not_reached) == (4, 4, 0)
    assert s["mean"] == pytest.approx(47 / 12)
    assert s.sd == pytest.approx(np.std([13 / 3, 11 / 3, 3, 14 / 3], ddof=1))
    assert s.share_achieved == 0.75 and bool(s.achieved_of_means)
    assert s.level_of_means == 1 and s.median_level == 0.5 and s.flag == ""
    assert (s.n_applicable, s.n_rated) == (4, 4) and s.status_of_means == ""
    c = pick(org, organisation="甲", unit="QUA", stage="C").iloc[0]
    assert c.n_rated == 1 and c.share_achieved == 0  # only the third: not reached, rated
    m = pick(org, organisation="甲", unit="QUA", stage="M").iloc[0]
    assert (m.n_answered, m.n_not_reached) == (3, 1)
    assert m["mean"] == pytest.approx(np.mean([11 / 3, 10 / 3, 13 / 3]))
    assert not m.achieved_of_means and m.level_of_means == 1
    small = pick(org, organisation="乙", unit="QUA", stage="S").iloc[0]
    assert small.n == 2 and small.flag == "n too small"
    assert list(org.organisation.unique()) == ["乙", "甲"]  # sorted
    assert np.isnan(org.attained_pct).all() and np.isnan(org.applied_share).all()


def test_rwg_j_row_hand_example(org_scores):
    """甲, QUA S: item variances 0.91667, 0.66667, 0.33333 -> s̄² = 0.63889;
    rwg(3) = 3(1 - 0.31944) / (3(1 - 0.31944) + 0.31944) = 2.04167 / 2.36111 = 0.86471."""
    rel = org_scores.reliability
    row = pick(rel, statistic="rwg_j", organisation="甲", unit="QUA", stage="S").iloc[0]
    assert row.mean_var == pytest.approx(23 / 36)
    assert row.value == pytest.approx(0.864706, abs=1e-6)
    assert (row.n, row.n_items, row.expected_var, row.flag) == (4, 3, 2.0, "")
    small = pick(rel, statistic="rwg_j", organisation="乙", unit="QUA", stage="S").iloc[0]
    assert small.flag == "n too small"


def test_alpha_and_icc_rows_match_the_formulas_on_raw_data(org_scores, instrument):
    rel = org_scores.reliability
    cols = [instrument.item_ids.index(f"{p}_S") for p in QUA.split()]
    s_answers = org_scores.responses.values[:, cols]
    pooled = pick(rel, statistic="alpha", scope="all", unit="QUA", stage="S").iloc[0]
    alpha, n = stats.cronbach_alpha(s_answers)
    assert pooled.value == pytest.approx(alpha) and pooled.n == n == 6
    assert pooled.flag == "n too small"  # fewer than 10 complete cases
    own = pick(rel, statistic="alpha", organisation="甲", unit="QUA", stage="S").iloc[0]
    assert own.value == pytest.approx(stats.cronbach_alpha(s_answers[:4])[0])
    area = org_scores.units["area"]
    q = area.units.index("QUA")
    icc = stats.icc_oneway(area.mean[:, q, 0], ORGS)
    for name in ("icc1", "icc2"):
        row = pick(rel, statistic=name, unit="QUA", stage="S").iloc[0]
        assert row.value == pytest.approx(icc[name])
        assert (row.n_groups, row.k) == (2, pytest.approx(icc["k"]))
    # stage '' = the respondents' mean over all answered reached QUA stems
    overall = [np.mean(list(d.values())) if i != 2 else 3.0 for i, d in enumerate(ORG_EXAMPLE)]
    row = pick(rel, statistic="icc1", unit="QUA", stage="").iloc[0]
    assert row.value == pytest.approx(stats.icc_oneway(overall, ORGS)["icc1"])


def test_reliability_layout(org_scores):
    rel = org_scores.reliability
    assert tuple(rel.columns) == stats.RELIABILITY_COLUMNS
    assert list(rel.statistic.unique()) == ["rwg_j", "alpha", "icc1", "icc2"]
    assert set(rel.unit_type) == {"area", "group"}
    assert set(pick(rel, statistic="icc1").scope) == {"all"}
    # a one-practice process group (closing) has one stem per stage: alpha is flagged
    closing = pick(rel, statistic="alpha", unit="closing", scope="all")
    assert len(closing) == 4 and closing.value.isna().all()
    assert closing.flag.str.contains("fewer than 2 items").all()


def test_single_organisation_has_no_icc(instrument):
    scores = compute(make_responses(instrument, ORG_EXAMPLE))
    icc = pick(scores.reliability, statistic="icc1")
    assert icc.value.isna().all() and (icc.flag == "fewer than 2 organisations").all()
