"""Organisation level, agreement and reliability: pure numpy / pandas.

Two layers:

* **Formulas** on small arrays, each checked in tests against a published worked
  example: ``expected_variance`` and ``rwg_j`` (James, Demaree & Wolf 1984),
  ``cronbach_alpha`` / ``alpha_from_moments`` (Cronbach 1951), ``icc_oneway`` /
  ``icc_from_moments`` (ICC(1), ICC(2) after Bliese 2000), ``median_from_histogram``
  and ``classify`` (coverage).
* **Tables** for ``Scores.organisations`` and ``Scores.reliability``. They are built
  from sums that ``GroupSums.add`` collects block by block while
  ``scoring.methods`` scores the respondents, so a million respondents are never
  copied again: per organisation and item (n, sum, sum of squares of the answered
  reached values; n and sum of the achievement-test values), per organisation and
  unit-stage (moments of the respondents' means, achieved counts, level
  histograms), and per organisation and alpha block (complete-case moments).

Every rule is written out for researchers in docs/scoring.md; the column layouts
are in scoring/scores.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from instrument.gating import verdict
from instrument.model import GateRule

from .levels import NOT_APPLICABLE, rated_levels

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


def classify(counts, sizes, n_asked, min_share: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Coverage: share of a unit's counted practices applied, and 'frequent' (at least half).

    ``counts`` (practices applied and counted), ``sizes`` (practices counted: asked and
    with a rated S stage) and ``n_asked`` (practices asked) per unit, any shape. A unit is
    applied frequently (應用層面較頻繁) when 2 x applied >= counted, otherwise sparsely
    (較稀少). Like a stage, a unit is classified only when at least ``ceil(min_share x
    practices asked)`` of them count (``min_share`` None: at least one); otherwise share
    NaN and not frequent: not classified. Returns (share float32, frequent bool).
    """
    counts = np.asarray(counts, dtype="float64")
    sizes = np.asarray(sizes, dtype="float64")
    n_asked = np.asarray(n_asked, dtype="float64")
    need = 1 if min_share is None else np.maximum(1, np.ceil(min_share * n_asked - 1e-9))
    classified = (sizes > 0) & (sizes >= need)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(classified, counts / sizes, np.nan).astype(np.float32)
    frequent = (2 * counts >= sizes) & classified
    return share, frequent


# =========================================================================== accumulation
class GroupSums:
    """Per-organisation totals of the kernel's sum rows (``kernel.Structure.exact`` / ``.wide``).

    ``add`` takes one block: each row's group code and the kernel's filled rows; the
    sums are two matrix products with the block's one-hot matrix over the groups present
    in it (so any number of organisations costs what the block holds). Group codes are
    handed out as organisations appear (``scoring.methods.GroupCodes``) and may grow
    between blocks; ``ordered`` puts them in the tables' order at the end. Totals are
    float64, groups x rows.
    """

    def __init__(self, structure):
        self.structure = structure
        self.exact = np.zeros((0, structure.exact.size))
        self.wide = np.zeros((0, structure.wide.size))
        self.levels = np.zeros((0, structure.n_units, structure.level_bins))
        self.n_resp = np.zeros(0, dtype=np.int64)

    def _grow(self, n_groups: int) -> None:
        if n_groups <= len(self.n_resp):
            return
        extra = n_groups - len(self.n_resp)
        self.exact = np.vstack([self.exact, np.zeros((extra, self.exact.shape[1]))])
        self.wide = np.vstack([self.wide, np.zeros((extra, self.wide.shape[1]))])
        self.levels = np.concatenate([self.levels, np.zeros((extra, *self.levels.shape[1:]))])
        self.n_resp = np.concatenate([self.n_resp, np.zeros(extra, dtype=np.int64)])

    def add(self, codes: np.ndarray, n_groups: int, exact: np.ndarray, wide: np.ndarray,
            level_bins: np.ndarray) -> None:
        """Add a block: ``codes`` (rows) in [0, n_groups), ``exact``/``wide`` rows x block rows,
        ``level_bins`` units x block rows (a level's histogram bin)."""
        self._grow(n_groups)
        present, local = np.unique(codes, return_inverse=True)
        g = len(present)
        one_hot = np.zeros((len(codes), g), dtype=exact.dtype)
        one_hot[np.arange(len(codes)), local] = 1
        self.exact[present] += (exact @ one_hot).T
        self.wide[present] += (wide @ one_hot.astype(np.float64, copy=False)).T
        self.n_resp[present] += np.bincount(local, minlength=g)
        units, bins = self.levels.shape[1:]
        key = (local * units)[None, :] + np.arange(units)[:, None]  # units x rows
        key *= bins
        key += level_bins
        self.levels[present] += np.bincount(key.reshape(-1), minlength=g * units * bins).reshape(
            g, units, bins)

    def merge(self, other: "GroupSums") -> None:
        """Add another thread's totals (same structure and group codes)."""
        self._grow(len(other.n_resp))
        g = len(other.n_resp)
        self.exact[:g] += other.exact
        self.wide[:g] += other.wide
        self.levels[:g] += other.levels
        self.n_resp[:g] += other.n_resp

    def ordered(self, order: np.ndarray) -> "Totals":
        """The totals with groups in ``order`` (group codes in the tables' order)."""
        self._grow(len(order))
        return Totals(self.structure, self.exact[order], self.wide[order], self.levels[order],
                      self.n_resp[order])


class Totals:
    """Named views of the per-organisation totals, organisations first (what the tables read).

    ``item`` (orgs x items): n, s, ss (answered reached stems, centred answers and their
    squares), not_reached, asked. ``unit_sums(t)`` (orgs x units x stages): the moments
    of the respondents' unit-stage means (cnt, s, ss), achieved, rated, not_reached,
    n_asked, level histograms (``levels``: orgs x units x stages + 3), attained,
    frequent. ``overall[t]`` (orgs x units): the moments of each respondent's mean over
    a whole area or group. ``alpha[t]``: complete cases per unit-stage (n), Σx per item
    (sx, orgs x items) and per unit-stage Σ_i x_i² (sxx), Σ total (st) and Σ total² (stt).
    """

    def __init__(self, structure, exact: np.ndarray, wide: np.ndarray, levels: np.ndarray,
                 n_resp: np.ndarray):
        st = self.structure = structure
        self.levels = levels
        self.instrument = st.instrument
        self.plans = st.plans
        self.center, self.lowest = st.center, st.lowest
        self.n_orgs = len(n_resp)
        self.n_resp = n_resp
        g = self.n_orgs

        def exact_of(name: str) -> np.ndarray:
            return np.moveaxis(st.exact.of(exact.T, name), -1, 0) if name in st.exact \
                else None

        def wide_of(name: str) -> np.ndarray:
            return np.moveaxis(st.wide.of(wide.T, name), -1, 0) if name in st.wide else None

        items = exact_of("items")  # orgs x quantities x items
        self.item = {"n": items[:, 0], "s": items[:, 1], "ss": items[:, 2]}
        if st.uniform:  # not reached: the stems beyond the gate of a closed area
            self.item["not_reached"] = exact_of("closed")[:, st.item_area] * st.beyond_gate
            self.item["asked"] = np.broadcast_to(n_resp[:, None].astype("float64"),
                                                 (g, st.n_items))
        else:
            self.item["not_reached"], self.item["asked"] = items[:, 3], items[:, 4]
        self._exact_of, self._wide_of = exact_of, wide_of
        self.overall: dict[str, dict[str, np.ndarray]] = {}
        self.alpha: dict[str, dict[str, np.ndarray]] = {}
        whole = wide_of("whole")  # orgs x 3 x reliability units
        complete, sxx, st_ = (exact_of(k) for k in ("complete", "alpha_xx", "alpha_t"))
        stt = wide_of("alpha_tt")
        per_item = exact_of("alpha_x")
        unit0 = row0 = 0
        for k, t in enumerate(RELIABILITY_UNIT_TYPES):
            plan = self.plans[t]
            u, rows = len(plan.units), len(plan.units) * len(plan.stages)
            self.overall[t] = {"cnt": whole[:, 0, unit0:unit0 + u], "s": whole[:, 1, unit0:unit0 + u],
                               "ss": whole[:, 2, unit0:unit0 + u]}
            part = slice(row0, row0 + rows)
            self.alpha[t] = {"n": complete[:, part], "sx": per_item[:, k], "sxx": sxx[:, part],
                             "st": st_[:, part], "stt": stt[:, part]}
            unit0, row0 = unit0 + u, row0 + rows

    def unit_sums(self, unit_type: str) -> dict[str, np.ndarray]:
        """The per-organisation sums of one unit type (orgs x units x stages ...).

        For one-stem unit-stages (practices) the moments of the respondents' means are
        the item moments, taken from the item sums.
        """
        st, plan = self.structure, self.plans[unit_type]
        g, u, s = self.n_orgs, len(plan.units), len(plan.stages)
        shape = (g, u, s)
        rows, units = plan.rows, plan.unit_rows
        d = {"achieved": self._exact_of("achieved")[:, rows].reshape(shape),
             "rated": self._exact_of("rated")[:, rows].reshape(shape),
             "levels": self.levels[:, units]}
        asked = self._exact_of("n_asked")
        d["n_asked"] = (asked[:, rows].reshape(shape) if asked is not None else
                        self.n_resp[:, None, None] * plan.n_items[None].astype("float64"))
        if st.method == "opm3-binary":
            d["attained"] = self._exact_of("attained")[:, rows].reshape(shape)
        if st.method == "coverage":
            d["frequent"] = self._exact_of("frequent")[:, units]
        single = plan.single
        if single is not None:
            d["cnt"] = self.item["n"][:, single].reshape(shape)
            d["s"] = self.item["s"][:, single].reshape(shape)
            d["ss"] = self.item["ss"][:, single].reshape(shape)
            d["not_reached"] = self.item["not_reached"][:, single].reshape(shape)
        else:
            d["cnt"] = self._exact_of("has")[:, rows].reshape(shape)
            d["s"] = self._wide_of("mean")[:, rows].reshape(shape)
            d["ss"] = self._wide_of("mean2")[:, rows].reshape(shape)
            d["not_reached"] = self._exact_of("some_not_reached")[:, rows].reshape(shape)
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


# =========================================================================== tables
def _organisation_verdicts(plan, rule: GateRule, item_means_t: np.ndarray,
                           asked_t: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """The rule on the organisation's item means: (achieved, rated, level), orgs first.

    The same ``gating.verdict`` as every respondent's, on the counts of each unit-stage's
    item means (a stem no form of the organisation asks is not part of the set).
    """
    members = plan.indicator(item_means_t.shape[0]).astype("float64")
    asked = np.ones(item_means_t.shape, dtype=bool) if asked_t is None else asked_t
    answered = ~np.isnan(item_means_t) & asked
    values = np.where(answered, item_means_t, 0.0)
    n_asked = members @ asked
    hits = members @ (answered & (values >= rule.min_code)) if rule.kind == "count" else None
    achieved, rated = verdict(n_asked, members @ answered, members @ values, hits, rule)
    shape = (len(plan.units), len(plan.stages), item_means_t.shape[1])
    applicable = n_asked.reshape(shape).sum(axis=1) > 0
    level = rated_levels(achieved.reshape(shape), rated.reshape(shape), applicable)  # units x orgs
    return (np.moveaxis(achieved.reshape(shape), -1, 0), np.moveaxis(rated.reshape(shape), -1, 0),
            level.T)


def organisation_table(acc: Totals, org_names: np.ndarray, rule: GateRule) -> pd.DataFrame:
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
        p_ach, p_rated, p_level = _organisation_verdicts(plans["practice"], rule, item_means_t,
                                                         asked_t)
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
        of_means, rated_means, level = _organisation_verdicts(plan, rule, item_means_t, asked_t)
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
            m = plan.membership.astype("float64")
            counted = (org_rated & org_asked).astype("float64")  # orgs x practices
            a_share, a_freq = classify((org_applied & org_rated & org_asked) @ m.T, counted @ m.T,
                                       org_asked @ m.T, rule.min_answered)
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


def reliability_table(acc: Totals, org_names: np.ndarray) -> pd.DataFrame:
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
        a = acc.alpha[t]
        for ui, unit in enumerate(plan.units):
            for si, stage in enumerate(plan.stages):
                cols = plan.columns[ui][si]
                k = len(cols)
                if not k:
                    continue
                b = ui * n_stages + si
                n, sx = a["n"][:, b], a["sx"][:, cols]  # orgs; orgs x k
                sxx, st_, stt = a["sxx"][:, b], a["st"][:, b], a["stt"][:, b]
                per_org = alpha_from_moments(n, sx, sxx, st_, stt)
                pooled = alpha_from_moments(n.sum(keepdims=True), sx.sum(0, keepdims=True),
                                            sxx.sum(keepdims=True), st_.sum(keepdims=True),
                                            stt.sum(keepdims=True))
                for scope, orgs, val, nn in (("organisation", org_names, per_org, n),
                                             ("all", "", pooled, n.sum(keepdims=True))):
                    nn = nn.astype(np.int64)
                    emit("alpha", t, ui, si, scope=scope, organisation=orgs, unit=unit,
                         stage=stage, value=val, n=nn, n_items=float(k),
                         flag=_join_flags(np.where(nn < N_SMALL_ALPHA, FLAG_N, ""),
                                          FLAG_ITEMS if k < 2 else ""))
    if not columns["value"]:
        return pd.DataFrame({c: [] for c in RELIABILITY_COLUMNS})
    data = {c: np.concatenate(v) for c, v in columns.items()}
    order = np.argsort(data.pop("_key"), kind="stable")
    table = pd.DataFrame({c: data[c][order] for c in RELIABILITY_COLUMNS})
    return table.reset_index(drop=True)
