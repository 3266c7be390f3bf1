"""What the results report shows, computed once from ``Scores`` for the HTML and the PDF.

``build_view(scores, language)`` turns the scores into plain display values
(strings, small integers for colour classes, numbers for bars) in one frozen
``ReportView``. ``report_html`` and ``report_pdf`` only lay it out, so the two
reports cannot disagree about a number.

Layout follows the thesis (chapter 4-5): knowledge areas are rows and
organisations columns, so participatory budgeting and the Smart City PMO are
compared area by area. Report wording ("chrome") is in ``language`` (zh-TW or
en); names of areas, practices and stages come from the instrument.

Read from ``Scores`` (columns documented in ``scoring/scores.py``):
``organisations`` gives each organisation's level per area and process group
(``level_of_means``, with ``median_level`` beside it), the heat map's
``share_achieved`` per practice x stage, ``n``, ``flag`` and, for the coverage
method, ``frequent``; ``reliability`` gives rwg(j), alpha and ICC(1)/ICC(2) with
their flags. Nothing is recomputed here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from instrument import i18n
from instrument.model import GateRule, Instrument

from .scores import Scores

GROUPS_PER_TABLE = 4  # organisations side by side in one heat-map or alpha table (page width)
SHADES = 5  # colour classes 0..4

def languages() -> tuple[str, ...]:
    """The report languages: every language with an interface catalogue."""
    return i18n.languages()


# --------------------------------------------------------------------------- view types
@dataclass(frozen=True)
class ReportText:
    """The report's own words that the HTML and the PDF place themselves, in one language
    (from the catalogue: ``report_text``). Read as attributes, or as a mapping by name."""

    about: str
    area: str
    compare: str
    compare_note: str
    files: str
    fix: str
    instrument: str
    levels: str
    list_sep: str
    method: str
    no_warnings: str
    not_applicable: str
    not_overridden: str
    not_rated: str
    notes: str
    organisations: str
    overridden: str
    page: str
    profiles: str
    profiles_note: str
    rule: str
    stages: str
    statistics: str
    status_note: str
    toc: str
    warnings: str

    def __getitem__(self, name: str) -> str:
        return getattr(self, name)


def report_text(language: str) -> ReportText:
    t = i18n.text(language)
    return ReportText(
        about=t.gettext("Data and scoring method"),
        area=t.gettext("Knowledge area"),
        compare=t.gettext("Organisations side by side"),
        compare_note=t.gettext("For each knowledge area, the organisations' maturity levels "
                               "side by side (in legend order), with the number beside each bar."),
        files=t.gettext("Input files"),
        fix=t.gettext("fix"),
        instrument=t.gettext("Instrument"),
        levels=t.gettext("Maturity levels"),
        list_sep=t.pgettext("list separator", ", "),
        method=t.gettext("Scoring method"),
        no_warnings=t.gettext("None."),
        not_applicable=status_word(t, "not_applicable"),
        not_overridden=t.gettext("Thresholds and rule as recorded in the instrument's manifest; "
                                 "nothing was overridden on the command line."),
        not_rated=status_word(t, "not_rated"),
        notes=t.gettext("Notes on scoring"),
        organisations=t.gettext("Organisations"),
        overridden=t.gettext("Overridden on the command line (the manifest's setting in "
                             "brackets):"),
        page=t.gettext("Page {page}"),
        profiles=t.gettext("Maturity profile of each organisation"),
        profiles_note=t.gettext("Bar length is the maturity level (0–{k}); the number is "
                                "printed beside each bar."),
        rule=t.gettext("When a stage is achieved"),
        stages=t.gettext("Stages"),
        statistics=t.gettext("Agreement and reliability"),
        status_note=t.gettext("“not rated”: too few of the stage's stems have a substantive "
                              "answer (don't know and no-such-work answers excluded) to "
                              "judge it; “n/a”: the organisation's form does not ask this unit. "
                              "Neither is level 0."),
        toc=t.gettext("Contents"),
        warnings=t.gettext("Validation warnings"),
    )


def status_word(t: i18n.Text, status: str) -> str:
    """The word for a cell without a value (a ``STATUSES`` key)."""
    return t.gettext("n/a") if status == "not_applicable" else t.gettext("not rated")


def flag_text(t: i18n.Text, flag: str) -> str:
    """A statistic's flag (from ``scoring.stats``) in words; an unknown flag as it is."""
    words = {"n too small": t.gettext("n too small (n < 3): read with care"),
             "fewer than 2 items": t.gettext("fewer than 2 items: cannot be computed"),
             "truncated to 0": t.gettext("observed variance above the null's: truncated to 0"),
             "fewer than 2 organisations": t.gettext("fewer than 2 organisations: cannot be "
                                                     "computed")}
    return words.get(flag, flag)


def method_text(t: i18n.Text, method: str, k: int) -> str:
    """The scoring method in words; ``k`` is the number of stages (the highest level)."""
    if method == "staged":
        return t.gettext("Staged (the default): a stage is achieved in a knowledge area when "
                         "the area's stems at that stage meet the rule below; the maturity "
                         "level (0–{k}) is the number of consecutive stages achieved from the "
                         "first.").format(k=k)
    if method == "opm3-binary":
        return t.gettext("OPM3 binary (opm3-binary): yes/no answers; the percentage of stage "
                         "items attained per area, as in the OPM3 self-assessment.")
    if method == "coverage":
        return t.gettext("Coverage: the thesis's classification. A practice is applied when its "
                         "first-stage answer is achieved; an area is applied frequently when at "
                         "least half of its practices are applied, otherwise sparsely.")
    return method



@dataclass(frozen=True)
class Cell:
    """One value of a table: printed text, a colour class 0..4 (-1: none), extras."""

    text: str
    shade: int = -1
    title: str = ""  # long form (HTML tooltip)
    sub: str = ""  # secondary value printed smaller, e.g. the median level
    mark: str = ""  # footnote symbols of the value's flags
    status: str = ""  # STATUSES key of a cell without a value: the HTML prints that word


STATUSES = ("not_rated", "not_applicable")  # ReportText names of the words for no value


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]
    code: str = ""  # e.g. practice code '1.1' or area id
    heading: bool = False  # a section row spanning the table (e.g. an area in the heat map)


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    note: str
    corner: str  # header of the label column
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    column_groups: tuple[tuple[str, int], ...] = ()  # (label, span) above the columns
    footnotes: tuple[str, ...] = ()  # "※ n too small", one per flag used in the table

    @property
    def statuses(self) -> tuple[str, ...]:
        """The STATUSES its cells use (in that order): what its legend line must explain."""
        used = {c.status for r in self.rows for c in r.cells}
        return tuple(s for s in STATUSES if s in used)


@dataclass(frozen=True)
class Bars:
    """A bar chart: categories (areas) x series (organisations), values 0..maximum."""

    id: str
    title: str
    categories: tuple[str, ...]
    series: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]  # series x categories
    maximum: int
    ticks: tuple[str, ...]  # label of each integer 0..maximum
    colours: tuple[int, ...]  # palette index of each series (an organisation keeps its colour)
    words: tuple[tuple[str, ...], ...] = ()  # series x categories: the word for a None value

    @property
    def keys(self) -> tuple[str, ...]:
        """Short series keys A, B, C ... printed beside grouped bars and in the legend."""
        return tuple(series_key(c) for c in self.colours)


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Warning_:
    location: str
    message: str
    code: str
    hint: str


@dataclass(frozen=True)
class ReportView:
    language: str
    text: ReportText
    title: str
    subtitle: str
    instrument_id: str
    facts: tuple[Fact, ...]
    files: tuple[str, ...]
    method: str
    rule: str
    overrides: tuple[str, ...]
    notes: tuple[str, ...]
    stages: tuple[tuple[str, str, str], ...]  # id, name, definition
    level_legend: tuple[str, ...]  # '0 = S not achieved', ..., then the status note
    level_meanings: tuple[str, ...]  # the same without the number (the PDF prints it apart)
    organisations: tuple[str, ...]
    overview: Table
    profiles: tuple[Bars, ...]
    comparison: Bars
    heatmaps: tuple[Table, ...]
    groups: Table
    statistics: tuple[Table, ...]  # rwg(j), alpha, ICC: those the scores hold
    warnings: tuple[Warning_, ...]

    @property
    def level_chips(self) -> tuple[tuple[int, str], ...]:
        """(colour class, line) of each level 0..k: ``level_legend`` without the status note
        it ends with."""
        k = len(self.stages)
        return tuple((level_shade(i, k), line) for i, line in enumerate(self.level_legend[:k + 1]))


# --------------------------------------------------------------------------- helpers
def short_labels(names: Sequence[str]) -> tuple[str, ...]:
    """Drop what every name shares at its start and end: 專案整合管理 -> 整合.

    Chart axes then carry 2-5 characters instead of 6-9; English names are cut
    at word boundaries only ('Project Scope Management' -> 'Scope').
    """
    if len(names) < 2:
        return tuple(names)
    prefix = os.path.commonprefix(list(names))
    suffix = os.path.commonprefix([n[::-1] for n in names])[::-1]
    if any(" " in n for n in names):  # words: cut only after/before a space
        prefix = prefix[: prefix.rfind(" ") + 1]
        suffix = suffix[suffix.find(" "):] if " " in suffix else ""
    short = tuple(n[len(prefix): len(n) - len(suffix)].strip() for n in names)
    return short if all(short) and len(set(short)) == len(short) else tuple(names)


def series_key(index: int) -> str:
    """A, B, ... Z, AA, AB, ...: a short name for the index-th organisation."""
    key = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        key = chr(ord("A") + rest) + key
    return key


def level_shade(level: float, maximum: int) -> int:
    """Colour class 0..4 of a level 0..maximum (maximum = number of stages)."""
    return round(level / maximum * (SHADES - 1)) if maximum else 0


def share_shade(share: float) -> int:
    return min(SHADES - 1, int(share * SHADES))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)


class _Marks:
    """Footnote symbols for the flags met in one table, in order of first use."""

    SYMBOLS = "※§¶#"  # all in AR PL UMing; the dagger † is not (tofu in the PDF)

    def __init__(self, t: i18n.Text):
        self.t = t
        self.seen: dict[str, str] = {}

    def __call__(self, flag: object) -> str:
        if _missing(flag) or not flag:
            return ""
        out = ""
        for part in str(flag).split("; "):
            if part not in self.seen:
                k = len(self.seen)
                self.seen[part] = self.SYMBOLS[k % 4] * (k // 4 + 1)
            out += self.seen[part]
        return out

    def footnotes(self) -> tuple[str, ...]:
        return tuple(f"{mark} {flag_text(self.t, flag)}"
                     for flag, mark in self.seen.items())


def rule_text(rule: GateRule, instrument: Instrument, t: i18n.Text) -> str:
    sep = t.pgettext("list separator", ", ")
    missing = sep.join(c.label for c in instrument.scale.codes if c.missing)
    if rule.kind == "mean":
        out = t.gettext("the mean of the stage's stems (excluding “{missing}”) is at least "
                        "{threshold}")
        out = out.format(missing=missing, threshold=f"{rule.threshold:g}")
    else:
        out = t.gettext("at least {share} of the stage's stems are answered {min_code} or higher")
        out = out.format(share=f"{(rule.share or 0):.0%}", min_code=rule.min_code)
    if rule.min_answered is not None:
        minimum = t.gettext("; and at least {share} of the stems have a substantive answer, "
                            "otherwise the stage is “not rated”")
        out += minimum.format(share=f"{rule.min_answered:.0%}")
    return out


def _override_lines(scores: Scores) -> tuple[str, ...]:
    manifest = scores.instrument.rule
    lines = []
    for key, value in sorted(scores.overrides.items()):
        before = getattr(manifest, key, None)
        lines.append(f"{key} = {value}" + (f" ({before})" if before is not None else ""))
    return tuple(lines)


def _per_unit(scores: Scores, unit_type: str) -> pd.DataFrame:
    """organisation x unit rows of one unit type (unit-level columns repeat on stage rows)."""
    frame = scores.organisations
    frame = frame[frame["unit_type"] == unit_type]
    return frame.drop_duplicates(["organisation", "unit"]).set_index(["organisation", "unit"])


def _org_header(scores: Scores, orgs: Sequence[str], marks: _Marks) -> tuple[str, ...]:
    first = scores.organisations.drop_duplicates("organisation").set_index("organisation")
    return tuple(f"{org} (n={int(first.loc[org, 'n'])}){marks(first.loc[org, 'flag'])}"
                 for org in orgs)


def _level_table(scores: Scores, unit_type: str, refs, labels, orgs, t: i18n.Text, table_id: str,
                 title: str, note: str, corner: str) -> Table:
    units = _per_unit(scores, unit_type)
    k = len(scores.instrument.stages)
    coverage = scores.method == "coverage" and "frequent" in units.columns
    marks = _Marks(t)
    columns = _org_header(scores, orgs, marks)
    rows = []
    for ref, label in zip(refs, labels):
        cells = []
        for org in orgs:
            if (org, ref.id) not in units.index:
                cells.append(Cell(t.gettext("—")))
                continue
            row = units.loc[(org, ref.id)]
            if _missing(row["level_of_means"]):
                status = row.get("status_of_means", "")
                key = ("not_applicable" if status == "not applicable" else "not_rated") \
                    if status else ""
                word = status_word(t, key) if key else t.gettext("—")
                cells.append(Cell(word, -1, f"{org} · {label}: {word}", status=key))
                continue
            level = int(row["level_of_means"])
            median = row["median_level"]
            sub = "" if _missing(median) else f"({float(median):g})"
            if coverage:
                often = bool(row["frequent"])
                sub += " " + (t.gettext("frequent") if often else t.gettext("sparse"))
            median_word = t.gettext("median of respondents' levels")
            cells.append(Cell(str(level), level_shade(level, k),
                              f"{org} · {label}: {level}/{k}; {median_word} {sub}", sub.strip()))
        rows.append(Row(ref.name, tuple(cells), code=ref.id))
    return Table(table_id, title, note, corner, columns, tuple(rows), footnotes=marks.footnotes())


def _heatmaps(scores: Scores, orgs: Sequence[str], t: i18n.Text) -> tuple[Table, ...]:
    inst = scores.instrument
    frame = scores.organisations
    frame = frame[frame["unit_type"] == "practice"]
    indexed = frame.set_index(["organisation", "unit", "stage"])
    shares = indexed["share_achieved"].to_dict()
    applicable = indexed["n_applicable"].to_dict() if "n_applicable" in indexed else {}
    stage_names = {s.id: s.name for s in inst.stages}
    stages = inst.stage_ids
    chunks = [orgs[i:i + GROUPS_PER_TABLE]
              for i in range(0, len(orgs), GROUPS_PER_TABLE)] or [()]
    title = t.gettext("{n} practices × {k} stages: share of respondents achieving (%)")
    title = title.format(n=len(inst.practices), k=len(stages))
    note = t.gettext("Each cell is the percentage of the organisation's rated respondents who "
                     "achieve the practice at that stage (stems skipped by gating count as not "
                     "achieved; blank, don't-know and no-such-work answers are not rated "
                     "and left out). Five shades: 0–19, 20–39, 40–59, 60–79, 80–100.")
    corner = t.gettext("Practice")
    tables = []
    for c, chunk in enumerate(chunks, start=1):
        rows: list[Row] = []
        for area in inst.areas:
            rows.append(Row(area.name, (), code=area.id, heading=True))
            for p in inst.practices_of_area(area.id):
                cells = []
                for org in chunk:
                    for stage in stages:
                        share = shares.get((org, p.id, stage))
                        if _missing(share):  # nobody rated on it, or not asked at all
                            na = applicable.get((org, p.id, stage), 1) == 0
                            key = "not_applicable" if na else "not_rated"
                            # a dash where the PDF's 8 mm column has no room for the word
                            word = status_word(t, key)
                            cells.append(Cell(word if na else t.gettext("—"), -1,
                                              f"{org} · {p.code} {p.name} · "
                                              f"{stage_names[stage]}: {word}", status=key))
                            continue
                        share = float(share)
                        cells.append(Cell(f"{round(share * 100)}", share_shade(share),
                                          f"{org} · {p.code} {p.name} · {stage_names[stage]}: "
                                          f"{share:.0%}"))
                rows.append(Row(p.name, tuple(cells), code=p.code))
        part = t.gettext(" (table {i} of {n})").format(i=c, n=len(chunks)) \
            if len(chunks) > 1 else ""
        tables.append(Table(f"heatmap-{c}", title + part, note, corner,
                            tuple(s for _ in chunk for s in stages), tuple(rows),
                            column_groups=tuple((org, len(stages)) for org in chunk)))
    return tuple(tables)


def _stat_cell(found: pd.DataFrame, marks: _Marks, t: i18n.Text, who: str) -> Cell:
    if found.empty or _missing(found["value"].iloc[0]):
        mark = marks(found["flag"].iloc[0]) if not found.empty else ""
        return Cell(t.gettext("—"), mark=mark)
    row = found.iloc[0]
    value = float(row["value"])
    return Cell(f"{value:.2f}", -1, f"{who}: {value:.3f} (n={int(row['n'])})", mark=marks(row["flag"]))


def _statistics(scores: Scores, orgs: Sequence[str], t: i18n.Text) -> tuple[Table, ...]:
    """rwg(j) per organisation x area; alpha per area x stage (all, then each organisation);
    ICC(1) and ICC(2) per area across organisations."""
    rel = scores.reliability
    if rel is None or rel.empty:
        return ()
    inst = scores.instrument
    rel = rel[rel["unit_type"] == "area"]
    area = t.gettext("Knowledge area")
    tables = []

    rwg = rel[(rel["statistic"] == "rwg_j") & (rel["scope"] == "organisation")]
    if not rwg.empty:
        marks = _Marks(t)
        rows = tuple(Row(a.name, tuple(
            _stat_cell(rwg[(rwg["organisation"] == org) & (rwg["unit"] == a.id)], marks, t,
                       f"{org} · {a.name}") for org in orgs), code=a.id) for a in inst.areas)
        title = t.gettext("Agreement within organisations, rwg(j)")
        note = t.gettext("rwg(j) against a uniform null distribution on the scale; 0.70 or more "
                         "is usually taken as sufficient agreement.")
        tables.append(Table("agreement", title, note, area, tuple(orgs), rows,
                            footnotes=marks.footnotes()))

    alpha = rel[rel["statistic"] == "alpha"]
    if not alpha.empty:
        everyone = t.gettext("All respondents")
        scopes = [("all", "", everyone)] + [("organisation", o, o) for o in orgs]
        scopes = [s for s in scopes if ((alpha["scope"] == s[0]) & (alpha["organisation"] == s[1])).any()]
        stage_ids = inst.stage_ids
        for c in range(0, len(scopes), GROUPS_PER_TABLE):
            chunk = scopes[c:c + GROUPS_PER_TABLE]
            marks = _Marks(t)
            rows = []
            for a in inst.areas:
                cells = []
                for scope, org, name in chunk:
                    mine = alpha[(alpha["scope"] == scope) & (alpha["organisation"] == org)
                                 & (alpha["unit"] == a.id)]
                    cells += [_stat_cell(mine[mine["stage"] == s], marks, t, f"{name} · {a.name} · {s}")
                              for s in stage_ids]
                rows.append(Row(a.name, tuple(cells), code=a.id))
            n_parts = -(-len(scopes) // GROUPS_PER_TABLE)
            part = (t.gettext(" (table {i} of {n})").format(i=c // GROUPS_PER_TABLE + 1, n=n_parts)
                    if n_parts > 1 else "")
            title = t.gettext("Reliability: Cronbach's alpha by knowledge area × stage") + part
            note = t.gettext("Cronbach's alpha of each knowledge area x stage block of stems; "
                             "0.70 or more is usually taken as acceptable.")
            tables.append(Table(f"alpha-{c // GROUPS_PER_TABLE + 1}", title, note, area,
                                tuple(s for _ in chunk for s in stage_ids), tuple(rows),
                                column_groups=tuple((name, len(stage_ids)) for _, _, name in chunk),
                                footnotes=marks.footnotes()))

    icc = rel[rel["statistic"].isin(["icc1", "icc2"]) & (rel["scope"] == "all")]
    if not icc.empty:
        marks = _Marks(t)
        rows = tuple(Row(a.name, tuple(
            _stat_cell(icc[(icc["unit"] == a.id) & (icc["statistic"] == stat)], marks, t,
                       f"{a.name} · {label}")
            for stat, label in (("icc1", "ICC(1)"), ("icc2", "ICC(2)"))), code=a.id)
            for a in inst.areas)
        title = t.gettext("Differences between organisations: ICC(1), ICC(2)")
        note = t.gettext("ICC(1) is the share of variance due to organisation, ICC(2) the "
                         "reliability of organisation means; needs at least two organisations.")
        tables.append(Table("icc", title, note, area, ("ICC(1)", "ICC(2)"), rows,
                            footnotes=marks.footnotes()))
    return tuple(tables)


# --------------------------------------------------------------------------- the view
def build_view(scores: Scores, language: str) -> ReportView:
    t = i18n.text(language)
    inst = scores.instrument
    orgs = tuple(pd.unique(scores.organisations["organisation"]))
    k = len(inst.stages)
    area_short = short_labels([a.name for a in inst.areas])
    stage_names = [s.name for s in inst.stages]
    sep = t.pgettext("list separator", ", ")

    # the distinct file names first: a basename per row costs a second per million rows
    files = tuple(sorted({os.path.basename(str(f)) for f in pd.unique(scores.responses.source_file)}))
    facts = (
        Fact(t.gettext("Instrument"), inst.id.replace("+", ", ")),
        Fact(t.gettext("Item bank"), f"{inst.bank_title} ({inst.bank_id} {inst.bank_version})"),
        Fact(t.gettext("Wording profile"), inst.profile_name),
        Fact(t.gettext("Respondents"), str(len(scores.responses))),
        Fact(t.gettext("Organisations"), str(len(orgs))),
        Fact(t.gettext("Scale"), f"{inst.scale.name}: {inst.scale.describe()}"),
    ) + ((Fact(t.gettext("Grouped by"), scores.by_label),) if scores.by else ())
    meanings = (t.gettext("{stage} not achieved").format(stage=stage_names[0]),) + tuple(
        t.gettext("{stages} achieved").format(stages=sep.join(stage_names[:i]))
        for i in range(1, k + 1)) \
        + (t.gettext("“not rated”: too few of the stage's stems have a substantive answer "
                     "(don't know and no-such-work answers excluded) to judge it; “n/a”: "
                     "the organisation's form does not ask this unit. Neither is level 0."),)
    line = t.pgettext("a maturity level and what it means", "{k} = {meaning}")
    levels = tuple(line.format(k=i, meaning=m) for i, m in enumerate(meanings[:-1])) \
        + meanings[-1:]

    title = t.gettext("Overview: maturity level by knowledge area")
    note = t.gettext("Each cell is the organisation's maturity level in the area (0–{k}), from "
                     "the rule applied to the organisation's item means; darker is higher. In "
                     "brackets: the median of the respondents' own levels. Column heads give "
                     "the organisation and its number of respondents.")
    overview = _level_table(scores, "area", inst.areas, area_short, orgs, t, "overview",
                            title, note.format(k=k), t.gettext("Knowledge area"))
    title = t.gettext("Maturity level by process group")
    note = t.gettext("As above, by process group; in brackets the median of the respondents' "
                     "levels.")
    groups = _level_table(scores, "group", inst.groups, short_labels([g.name for g in inst.groups]),
                          orgs, t, "groups", title, note, t.gettext("Process group"))
    by_org = [[r.cells[j] for r in overview.rows] for j in range(len(orgs))]
    level_values = tuple(tuple(float(c.text) if c.shade >= 0 else None for c in cells)
                         for cells in by_org)
    level_words = tuple(tuple("" if c.shade >= 0 else c.text for c in cells) for cells in by_org)
    ticks = tuple(str(i) for i in range(k + 1))
    profiles = tuple(Bars(f"profile-{j + 1}", column, area_short, (org,), (level_values[j],), k,
                          ticks, (j,), (level_words[j],))
                     for j, (org, column) in enumerate(zip(orgs, overview.columns)))
    comparison = Bars("comparison", t.gettext("Organisations side by side"), area_short, orgs,
                      level_values, k, ticks,
                      tuple(range(len(orgs))), level_words)
    method = method_text(t, scores.method, k)
    return ReportView(
        language=language,
        text=report_text(language),
        title=t.gettext("Organisational project-management maturity: results"),
        subtitle=f"{inst.bank_title} · {inst.profile_name}",
        instrument_id=inst.id,
        facts=facts,
        files=files,
        method=method,
        rule=rule_text(scores.rule, inst, t),
        overrides=_override_lines(scores),
        # the method and rule are stated above in the report's language; keep the rest
        notes=tuple(n for n in scores.notes if not n.startswith(("method:", "achievement rule:"))),
        stages=tuple((s.id, s.name, s.definition) for s in inst.stages),
        level_legend=levels,
        level_meanings=meanings,
        organisations=orgs,
        overview=overview,
        profiles=profiles,
        comparison=comparison,
        heatmaps=_heatmaps(scores, orgs, t),
        groups=groups,
        statistics=_statistics(scores, orgs, t),
        warnings=tuple(Warning_(str(w.location) + (f": {w.subject}" if w.subject else ""),
                                w.message, w.code, w.hint) for w in scores.warnings),
    )
