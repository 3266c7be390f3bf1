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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from instrument.model import GateRule, Instrument

from .scores import Scores

LANGUAGES = ("zh-TW", "en")
GROUPS_PER_TABLE = 4  # organisations side by side in one heat-map or alpha table (page width)
SHADES = 5  # colour classes 0..4

TEXT: dict[str, dict[str, str]] = {
    "zh-TW": {
        "title": "組織專案管理成熟度評量結果",
        "toc": "目錄",
        "about": "資料與計分方法",
        "instrument": "問卷代碼",
        "bank": "題庫",
        "profile": "用語版本",
        "respondents": "填答人數",
        "organisations": "組織數",
        "files": "輸入檔案",
        "method": "計分方法",
        "rule": "階段達成規則",
        "scale": "量表",
        "stages": "成熟階段",
        "levels": "成熟度等級",
        "level_k": "{k} = 達成「{stages}」",
        "level_0": "0 = 未達成「{stage}」",
        "overridden": "以下設定已於命令列覆寫（括號內為問卷清單檔 manifest 的設定）：",
        "not_overridden": "門檻與規則取自問卷清單檔（manifest），未經命令列覆寫。",
        "notes": "計分說明",
        "overview": "總覽：各知識領域的成熟度等級",
        "overview_note": "每格為該組織在該知識領域的成熟度等級（0–{k}），由組織各題平均分數依達成規則求得，顏色愈深等級愈高；"
                         "括號內為填答者個人等級的中位數。欄首為組織名稱與填答人數。",
        "groups_note": "同上表，依過程組彙整；括號內為填答者個人等級的中位數。",
        "median": "填答者等級中位數",
        "not_rated": "未評等",
        "not_applicable": "不適用",
        "status_note": "「未評等」：該階段有實質作答（不含「不清楚」與「無此作法」）的題目不到規定比例，無法判定；"
                       "「不適用」：該組織的問卷不含此項目。兩者都不是 0 級。",
        "by": "分組依據",
        "frequent": "頻繁",
        "sparse": "稀少",
        "alpha_note": "各知識領域 × 階段題組的 Cronbach's α；0.70 以上通常視為信度可接受。",
        "flag_n too small": "樣本數過少（n < 3），數值僅供參考",
        "flag_fewer than 2 items": "題數少於 2，無法計算",
        "flag_truncated to 0": "觀察變異大於虛無分配，截為 0",
        "flag_fewer than 2 organisations": "組織少於 2 個，無法計算",
        "area": "知識領域",
        "group": "過程組",
        "practice": "子流程",
        "profiles": "各組織的成熟度剖面",
        "profiles_note": "長條長度為成熟度等級（0–{k}），數字標於長條旁。",
        "compare": "組織並列比較",
        "compare_note": "每一知識領域中，各組織的成熟度等級並列（順序同圖例），數字標於長條旁。",
        "heatmap": "{n} 項子流程 × {k} 階段：達成該階段的填答者比例（%）",
        "heatmap_note": "每格為該組織可評等的填答者中達成該子流程該階段者的百分比（因分流略過者計為未達成；未作答、"
                        "「不清楚」或「無此作法」者未評等，不列入分母）。顏色分五級：0–19、20–39、40–59、60–79、80–100。",
        "part": "（第 {i}／{n} 表）",
        "groups": "各過程組的成熟度等級",
        "statistics": "一致性與信度",
        "agreement": "組織內一致性 rwg(j)",
        "agreement_note": "rwg(j) 以量表的均勻分配為虛無分配；0.70 以上通常視為一致性足夠。",
        "reliability": "信度：Cronbach's α（各知識領域 × 階段）",
        "icc": "組織間差異：ICC(1)、ICC(2)",
        "icc_note": "ICC(1) 為組織可解釋的變異比例，ICC(2) 為組織平均數的信度；需至少兩個組織。",
        "all_respondents": "全部填答者",
        "warnings": "資料檢核警示",
        "no_warnings": "無。",
        "fix": "修正方式",
        "none": "—",
        "n": "n",
        "page": "第 {page} 頁",
        "level_short": "等級",
        "list_sep": "、",
        "method_staged": "階段累進（staged，預設）：某知識領域某階段的題目符合下列規則即為「達成」；"
                         "成熟度等級（0–{k}）為自第一階段起連續達成的階段數。",
        "method_opm3-binary": "OPM3 二分法（opm3-binary）：以「是／否」作答，計算各領域達成的階段題目百分比，同 OPM3 自評。",
        "method_coverage": "應用層面（coverage）：依論文的分類，子流程的第一階段達成即視為「有應用」；"
                           "一知識領域中至少半數子流程有應用者為「應用層面較頻繁」，否則為「較稀少」。",
        "rule_mean": "該階段題目（不含「{missing}」）的平均分數 ≥ {threshold}",
        "rule_count": "該階段題目中至少 {share} 的回答為 {min_code} 以上",
        "rule_minimum": "；且至少 {share} 的題目有實質作答，否則為「未評等」",
        "threshold": "門檻值",
    },
    "en": {
        "title": "Organisational project-management maturity: results",
        "toc": "Contents",
        "about": "Data and scoring method",
        "instrument": "Instrument",
        "bank": "Item bank",
        "profile": "Wording profile",
        "respondents": "Respondents",
        "organisations": "Organisations",
        "files": "Input files",
        "method": "Scoring method",
        "rule": "When a stage is achieved",
        "scale": "Scale",
        "stages": "Stages",
        "levels": "Maturity levels",
        "level_k": "{k} = {stages} achieved",
        "level_0": "0 = {stage} not achieved",
        "overridden": "Overridden on the command line (the manifest's setting in brackets):",
        "not_overridden": "Thresholds and rule as recorded in the instrument's manifest; nothing "
                          "was overridden on the command line.",
        "notes": "Notes on scoring",
        "overview": "Overview: maturity level by knowledge area",
        "overview_note": "Each cell is the organisation's maturity level in the area (0–{k}), "
                         "from the rule applied to the organisation's item means; darker is "
                         "higher. In brackets: the median of the respondents' own levels. Column "
                         "heads give the organisation and its number of respondents.",
        "groups_note": "As above, by process group; in brackets the median of the respondents' "
                       "levels.",
        "median": "median of respondents' levels",
        "not_rated": "not rated",
        "not_applicable": "n/a",
        "status_note": "“not rated”: too few of the stage's stems have a substantive answer "
                       "(don't know and no-such-practice answers excluded) to judge it; “n/a”: "
                       "the organisation's form does not ask this unit. Neither is level 0.",
        "by": "Grouped by",
        "frequent": "frequent",
        "sparse": "sparse",
        "alpha_note": "Cronbach's alpha of each knowledge area x stage block of stems; 0.70 or "
                      "more is usually taken as acceptable.",
        "flag_n too small": "n too small (n < 3): read with care",
        "flag_fewer than 2 items": "fewer than 2 items: cannot be computed",
        "flag_truncated to 0": "observed variance above the null's: truncated to 0",
        "flag_fewer than 2 organisations": "fewer than 2 organisations: cannot be computed",
        "area": "Knowledge area",
        "group": "Process group",
        "practice": "Practice",
        "profiles": "Maturity profile of each organisation",
        "profiles_note": "Bar length is the maturity level (0–{k}); the number is printed beside "
                         "each bar.",
        "compare": "Organisations side by side",
        "compare_note": "For each knowledge area, the organisations' maturity levels side by side "
                        "(in legend order), with the number beside each bar.",
        "heatmap": "{n} practices × {k} stages: share of respondents achieving (%)",
        "heatmap_note": "Each cell is the percentage of the organisation's rated respondents who "
                        "achieve the practice at that stage (stems skipped by gating count as not "
                        "achieved; blank, don't-know and no-such-practice answers are not rated "
                        "and left out). Five shades: 0–19, 20–39, 40–59, 60–79, 80–100.",
        "part": " (table {i} of {n})",
        "groups": "Maturity level by process group",
        "statistics": "Agreement and reliability",
        "agreement": "Agreement within organisations, rwg(j)",
        "agreement_note": "rwg(j) against a uniform null distribution on the scale; 0.70 or more "
                          "is usually taken as sufficient agreement.",
        "reliability": "Reliability: Cronbach's alpha by knowledge area × stage",
        "icc": "Differences between organisations: ICC(1), ICC(2)",
        "icc_note": "ICC(1) is the share of variance due to organisation, ICC(2) the reliability "
                    "of organisation means; needs at least two organisations.",
        "all_respondents": "All respondents",
        "warnings": "Validation warnings",
        "no_warnings": "None.",
        "fix": "fix",
        "none": "—",
        "n": "n",
        "page": "Page {page}",
        "level_short": "Level",
        "list_sep": ", ",
        "method_staged": "Staged (the default): a stage is achieved in a knowledge area when the "
                         "area's stems at that stage meet the rule below; the maturity level "
                         "(0–{k}) is the number of consecutive stages achieved from the first.",
        "method_opm3-binary": "OPM3 binary (opm3-binary): yes/no answers; the percentage of "
                              "stage items attained per area, as in the OPM3 self-assessment.",
        "method_coverage": "Coverage: the thesis's classification. A practice is applied when its "
                           "first-stage answer is achieved; an area is applied frequently when at "
                           "least half of its practices are applied, otherwise sparsely.",
        "rule_mean": "the mean of the stage's stems (excluding “{missing}”) is at least "
                     "{threshold}",
        "rule_count": "at least {share} of the stage's stems are answered {min_code} or higher",
        "rule_minimum": "; and at least {share} of the stems have a substantive answer, "
                        "otherwise the stage is “not rated”",
        "threshold": "threshold",
    },
}


# --------------------------------------------------------------------------- view types
@dataclass(frozen=True)
class Cell:
    """One value of a table: printed text, a colour class 0..4 (-1: none), extras."""

    text: str
    shade: int = -1
    title: str = ""  # long form (HTML tooltip)
    sub: str = ""  # secondary value printed smaller, e.g. the median level
    mark: str = ""  # footnote symbols of the value's flags
    status: str = ""  # STATUSES key of a cell without a value: the HTML prints that word


STATUSES = ("not_rated", "not_applicable")  # TEXT keys of the words that stand for no value


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
    text: Mapping[str, str]
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
    level_legend: tuple[str, ...]
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

    def __init__(self, text: Mapping[str, str]):
        self.text = text
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
        return tuple(f"{mark} {self.text.get('flag_' + flag, flag)}"
                     for flag, mark in self.seen.items())


def rule_text(rule: GateRule, instrument: Instrument, text: Mapping[str, str]) -> str:
    missing = text["list_sep"].join(c.label for c in instrument.scale.codes if c.missing)
    if rule.kind == "mean":
        out = text["rule_mean"].format(missing=missing, threshold=f"{rule.threshold:g}")
    else:
        out = text["rule_count"].format(share=f"{(rule.share or 0):.0%}", min_code=rule.min_code)
    if rule.min_answered is not None:
        out += text["rule_minimum"].format(share=f"{rule.min_answered:.0%}")
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


def _level_table(scores: Scores, unit_type: str, refs, labels, orgs, text, table_id: str,
                 title: str, note: str, corner: str) -> Table:
    units = _per_unit(scores, unit_type)
    k = len(scores.instrument.stages)
    coverage = scores.method == "coverage" and "frequent" in units.columns
    marks = _Marks(text)
    columns = _org_header(scores, orgs, marks)
    rows = []
    for ref, label in zip(refs, labels):
        cells = []
        for org in orgs:
            if (org, ref.id) not in units.index:
                cells.append(Cell(text["none"]))
                continue
            row = units.loc[(org, ref.id)]
            if _missing(row["level_of_means"]):
                status = row.get("status_of_means", "")
                key = ("not_applicable" if status == "not applicable" else "not_rated") \
                    if status else ""
                word = text[key] if key else text["none"]
                cells.append(Cell(word, -1, f"{org} · {label}: {word}", status=key))
                continue
            level = int(row["level_of_means"])
            median = row["median_level"]
            sub = "" if _missing(median) else f"({float(median):g})"
            if coverage:
                sub += " " + text["frequent" if bool(row["frequent"]) else "sparse"]
            cells.append(Cell(str(level), level_shade(level, k),
                              f"{org} · {label}: {level}/{k}; {text['median']} {sub}", sub.strip()))
        rows.append(Row(ref.name, tuple(cells), code=ref.id))
    return Table(table_id, title, note, corner, columns, tuple(rows), footnotes=marks.footnotes())


def _heatmaps(scores: Scores, orgs: Sequence[str], text: Mapping[str, str]) -> tuple[Table, ...]:
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
    title = text["heatmap"].format(n=len(inst.practices), k=len(stages))
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
                            cells.append(Cell(text[key] if na else text["none"], -1,
                                              f"{org} · {p.code} {p.name} · "
                                              f"{stage_names[stage]}: {text[key]}", status=key))
                            continue
                        share = float(share)
                        cells.append(Cell(f"{round(share * 100)}", share_shade(share),
                                          f"{org} · {p.code} {p.name} · {stage_names[stage]}: "
                                          f"{share:.0%}"))
                rows.append(Row(p.name, tuple(cells), code=p.code))
        part = text["part"].format(i=c, n=len(chunks)) if len(chunks) > 1 else ""
        tables.append(Table(f"heatmap-{c}", title + part, text["heatmap_note"], text["practice"],
                            tuple(s for _ in chunk for s in stages), tuple(rows),
                            column_groups=tuple((org, len(stages)) for org in chunk)))
    return tuple(tables)


def _stat_cell(found: pd.DataFrame, marks: _Marks, text, who: str) -> Cell:
    if found.empty or _missing(found["value"].iloc[0]):
        mark = marks(found["flag"].iloc[0]) if not found.empty else ""
        return Cell(text["none"], mark=mark)
    row = found.iloc[0]
    value = float(row["value"])
    return Cell(f"{value:.2f}", -1, f"{who}: {value:.3f} (n={int(row['n'])})", mark=marks(row["flag"]))


def _statistics(scores: Scores, orgs: Sequence[str], text) -> tuple[Table, ...]:
    """rwg(j) per organisation x area; alpha per area x stage (all, then each organisation);
    ICC(1) and ICC(2) per area across organisations."""
    rel = scores.reliability
    if rel is None or rel.empty:
        return ()
    inst = scores.instrument
    rel = rel[rel["unit_type"] == "area"]
    tables = []

    rwg = rel[(rel["statistic"] == "rwg_j") & (rel["scope"] == "organisation")]
    if not rwg.empty:
        marks = _Marks(text)
        rows = tuple(Row(a.name, tuple(
            _stat_cell(rwg[(rwg["organisation"] == org) & (rwg["unit"] == a.id)], marks, text,
                       f"{org} · {a.name}") for org in orgs), code=a.id) for a in inst.areas)
        tables.append(Table("agreement", text["agreement"], text["agreement_note"], text["area"],
                            tuple(orgs), rows, footnotes=marks.footnotes()))

    alpha = rel[rel["statistic"] == "alpha"]
    if not alpha.empty:
        scopes = [("all", "", text["all_respondents"])] + [("organisation", o, o) for o in orgs]
        scopes = [s for s in scopes if ((alpha["scope"] == s[0]) & (alpha["organisation"] == s[1])).any()]
        stage_ids = inst.stage_ids
        for c in range(0, len(scopes), GROUPS_PER_TABLE):
            chunk = scopes[c:c + GROUPS_PER_TABLE]
            marks = _Marks(text)
            rows = []
            for a in inst.areas:
                cells = []
                for scope, org, name in chunk:
                    mine = alpha[(alpha["scope"] == scope) & (alpha["organisation"] == org)
                                 & (alpha["unit"] == a.id)]
                    cells += [_stat_cell(mine[mine["stage"] == s], marks, text, f"{name} · {a.name} · {s}")
                              for s in stage_ids]
                rows.append(Row(a.name, tuple(cells), code=a.id))
            n_parts = -(-len(scopes) // GROUPS_PER_TABLE)
            part = (text["part"].format(i=c // GROUPS_PER_TABLE + 1, n=n_parts)
                    if n_parts > 1 else "")
            tables.append(Table(f"alpha-{c // GROUPS_PER_TABLE + 1}", text["reliability"] + part,
                                text["alpha_note"], text["area"],
                                tuple(s for _ in chunk for s in stage_ids), tuple(rows),
                                column_groups=tuple((name, len(stage_ids)) for _, _, name in chunk),
                                footnotes=marks.footnotes()))

    icc = rel[rel["statistic"].isin(["icc1", "icc2"]) & (rel["scope"] == "all")]
    if not icc.empty:
        marks = _Marks(text)
        rows = tuple(Row(a.name, tuple(
            _stat_cell(icc[(icc["unit"] == a.id) & (icc["statistic"] == stat)], marks, text,
                       f"{a.name} · {label}")
            for stat, label in (("icc1", "ICC(1)"), ("icc2", "ICC(2)"))), code=a.id)
            for a in inst.areas)
        tables.append(Table("icc", text["icc"], text["icc_note"], text["area"],
                            ("ICC(1)", "ICC(2)"), rows, footnotes=marks.footnotes()))
    return tuple(tables)


# --------------------------------------------------------------------------- the view
def build_view(scores: Scores, language: str) -> ReportView:
    text = TEXT[language]
    inst = scores.instrument
    orgs = tuple(pd.unique(scores.organisations["organisation"]))
    k = len(inst.stages)
    area_short = short_labels([a.name for a in inst.areas])
    stage_names = [s.name for s in inst.stages]
    sep = text["list_sep"]

    # the distinct file names first: a basename per row costs a second per million rows
    files = tuple(sorted({os.path.basename(str(f)) for f in pd.unique(scores.responses.source_file)}))
    facts = (
        Fact(text["instrument"], inst.id.replace("+", ", ")),
        Fact(text["bank"], f"{inst.bank_title} ({inst.bank_id} {inst.bank_version})"),
        Fact(text["profile"], inst.profile_name),
        Fact(text["respondents"], str(len(scores.responses))),
        Fact(text["organisations"], str(len(orgs))),
        Fact(text["scale"], f"{inst.scale.name}: {inst.scale.describe()}"),
    ) + ((Fact(text["by"], scores.by_label),) if scores.by else ())
    levels = (text["level_0"].format(stage=stage_names[0]),) + tuple(
        text["level_k"].format(k=i, stages=sep.join(stage_names[:i])) for i in range(1, k + 1)) \
        + (text["status_note"],)

    overview = _level_table(scores, "area", inst.areas, area_short, orgs, text, "overview",
                            text["overview"], text["overview_note"].format(k=k), text["area"])
    groups = _level_table(scores, "group", inst.groups, short_labels([g.name for g in inst.groups]),
                          orgs, text, "groups", text["groups"], text["groups_note"], text["group"])
    by_org = [[r.cells[j] for r in overview.rows] for j in range(len(orgs))]
    level_values = tuple(tuple(float(c.text) if c.shade >= 0 else None for c in cells)
                         for cells in by_org)
    level_words = tuple(tuple("" if c.shade >= 0 else c.text for c in cells) for cells in by_org)
    ticks = tuple(str(i) for i in range(k + 1))
    profiles = tuple(Bars(f"profile-{j + 1}", column, area_short, (org,), (level_values[j],), k,
                          ticks, (j,), (level_words[j],))
                     for j, (org, column) in enumerate(zip(orgs, overview.columns)))
    comparison = Bars("comparison", text["compare"], area_short, orgs, level_values, k, ticks,
                      tuple(range(len(orgs))), level_words)
    method = text.get(f"method_{scores.method}", scores.method).format(k=k)
    return ReportView(
        language=language,
        text=text,
        title=text["title"],
        subtitle=f"{inst.bank_title} · {inst.profile_name}",
        instrument_id=inst.id,
        facts=facts,
        files=files,
        method=method,
        rule=rule_text(scores.rule, inst, text),
        overrides=_override_lines(scores),
        # the method and rule are stated above in the report's language; keep the rest
        notes=tuple(n for n in scores.notes if not n.startswith(("method:", "achievement rule:"))),
        stages=tuple((s.id, s.name, s.definition) for s in inst.stages),
        level_legend=levels,
        organisations=orgs,
        overview=overview,
        profiles=profiles,
        comparison=comparison,
        heatmaps=_heatmaps(scores, orgs, text),
        groups=groups,
        statistics=_statistics(scores, orgs, text),
        warnings=tuple(Warning_(str(w.location) + (f": {w.subject}" if w.subject else ""),
                                w.message, w.code, w.hint) for w in scores.warnings),
    )
