"""Checks on response rows once they are decoded: cells, rows, duplicates, gating.

``scoring.read`` turns files into blocks of rows (``RowBlock``); everything here
works on those blocks and on the merged matrix, vectorised over respondents.
Problems go into a ``ProblemLog`` that keeps the first ones of each kind and
counts the rest, so a hostile or badly broken file of a million rows gives a
readable list instead of a million lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from instrument.errors import InstrumentError, Location, Problem, problem
from instrument.gating import achieved, required_answers, required_count, substantive
from instrument.model import BackgroundItem, Instrument, ResolvedScale

from .variants import Variants

WARNING_CODES = frozenset({"CSV_004", "CSV_010", "CSV_015", "CSV_016", "CSV_017", "CSV_018",
                           "CSV_026", "CSV_030", "CSV_033", "CSV_040", "CSV_042"})
STRAIGHT_LINE_MIN = 10  # answered stems before identical answers count as straight-lining


# --------------------------------------------------------------------------- problems
class ProblemLog:
    """Errors and warnings of one read, the first ``max_shown`` of each kept in full.

    At most ``per_code`` problems of one code are listed, so that one frequent
    warning does not hide the others; every problem is counted.
    """

    def __init__(self, max_shown: int = 50, per_code: int = 20):
        self.max_shown = max_shown
        self.per_code = per_code
        self.shown: dict[str, list[Problem]] = {"error": [], "warning": []}
        self.hidden: dict[str, Counter] = {"error": Counter(), "warning": Counter()}
        self._per_code: Counter = Counter()

    def add(self, code: str, location: Location, *, subject: str = "", **fields: object) -> None:
        severity = "warning" if code in WARNING_CODES else "error"
        shown = self.shown[severity]
        if len(shown) < self.max_shown and self._per_code[code] < self.per_code:
            shown.append(problem(code, location, subject=subject, severity=severity, **fields))
            self._per_code[code] += 1
        else:
            self.hidden[severity][code] += 1

    def take(self, found: list[Problem]) -> None:
        """Problems made elsewhere (scoring.adapters), listed under their own severity."""
        for p in found:
            shown = self.shown[p.severity]
            if len(shown) < self.max_shown and self._per_code[p.code] < self.per_code:
                shown.append(p)
                self._per_code[p.code] += 1
            else:
                self.hidden[p.severity][p.code] += 1

    def wants(self, code: str) -> bool:
        """Whether a problem of this code would still be listed (skip costly detail if not)."""
        severity = "warning" if code in WARNING_CODES else "error"
        return len(self.shown[severity]) < self.max_shown and self._per_code[code] < self.per_code

    def count(self, code: str, n: int = 1) -> None:
        """Count problems that are not listed one by one."""
        severity = "warning" if code in WARNING_CODES else "error"
        self.hidden[severity][code] += n

    @property
    def has_errors(self) -> bool:
        return bool(self.shown["error"] or self.hidden["error"])

    def listed(self, severity: str) -> list[Problem]:
        """The problems of one severity, with an 'and N more' line if some were not listed."""
        out = list(self.shown[severity])
        hidden = self.hidden[severity]
        if hidden:
            n = sum(hidden.values())
            codes = ", ".join(f"{c} \u00d7{k:,}" for c, k in sorted(hidden.items()))
            kind = ("error" if severity == "error" else "warning") + ("s" if n != 1 else "")
            out.append(problem("CSV_027", Location("(all files)"), severity=severity,
                               n=f"{n:,}", kind=kind, codes=codes))
        return out

    def finish(self, strict: bool) -> list[Problem]:
        """Raise if there are errors (with --strict, warnings count as errors); else warnings.

        The exception lists the errors first, then the warnings, which often
        explain them (a file read as Big5, say).
        """
        errors = _in_file_order(self.listed("error"))
        warnings = _in_file_order(self.listed("warning"))
        if strict and warnings:
            errors += [replace(w, severity="error",
                               hint=(w.hint + "; " if w.hint else "") + "--strict makes this an error")
                       for w in warnings]
            warnings = []
        if errors:
            raise InstrumentError(errors + warnings)
        return warnings


def _in_file_order(problems: list[Problem]) -> list[Problem]:
    """Sorted by file (in order of first mention) and row; whole-run summaries last."""
    rank: dict[str, int] = {}
    for p in problems:
        rank.setdefault(p.location.file, len(rank))

    def key(p: Problem) -> tuple:
        return (p.code == "CSV_027", rank[p.location.file], p.location.line or 0,
                p.location.column or 0)

    return sorted(problems, key=key)


# --------------------------------------------------------------------------- cells
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def parse_cell(text: str) -> float | None:
    """A cell as a person typed it -> its number, or None when blank.

    ' 4 ', '4.0', '4.', full-width '４' and '４．０' all read as 4.0 (Unicode
    NFKC folds full-width digits, ideographic spaces and no-break spaces).
    Raises ValueError for anything that is not a whole number: 'four', '4.5',
    '同意', 'NA'. Whether the number is a code of the scale is the caller's check.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        return None
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(text)
    number = float(cleaned)
    if not number.is_integer():
        raise ValueError(text)
    return number + 0.0  # -0.0 -> 0.0


def code_mask(values: np.ndarray, scale: ResolvedScale) -> np.ndarray:
    """True where a number is blank (NaN) or one of the scale's codes."""
    ok = np.isnan(values)
    for code in scale.all_codes:
        ok |= values == code
    return ok


def show_value(text: str, limit: int = 40) -> str:
    """A cell's text for a message: control characters escaped, long text cut."""
    if not text.isprintable():  # escape only what cannot be seen: '工務\u200b局'
        text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                       for ch in text)
    return text if len(text) <= limit else text[:limit] + "\u2026"


def codes_from_text(column: np.ndarray, scale: ResolvedScale) -> tuple[np.ndarray, np.ndarray]:
    """Text cells of one item column -> (float codes with NaN for blank, indices of bad cells).

    Vectorised for the common case; only cells pandas cannot read as a number
    (full-width digits, stray text) go through ``parse_cell`` one by one.
    """
    series = pd.Series(column, dtype=object)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan,
                                                              copy=True)
    present = series.notna().to_numpy()
    odd = np.flatnonzero(present & np.isnan(numbers))
    bad: list[int] = []
    for k in odd:
        try:
            value = parse_cell(str(column[k]))
        except ValueError:
            bad.append(int(k))
            continue
        numbers[k] = np.nan if value is None else value
    wrong = np.flatnonzero(~code_mask(numbers, scale))
    numbers[wrong] = np.nan
    return numbers, np.union1d(np.asarray(bad, dtype=np.int64), wrong)


def describe_codes(scale: ResolvedScale) -> tuple[str, str]:
    """('1–5, 9 = 不清楚／不適用', '1, 2, 3, 4, 5 or 9') for CSV_011."""
    codes = [str(c) for c in scale.all_codes]
    allowed = codes[0] if len(codes) == 1 else ", ".join(codes[:-1]) + " or " + codes[-1]
    return scale.describe(), allowed


# --------------------------------------------------------------------------- rows
@dataclass
class RowBlock:
    """Decoded rows of one file: ids as stripped text ('' = blank), items as float codes."""

    file: str
    rows: np.ndarray  # int64, spreadsheet row numbers (header = 1)
    respondent_id: np.ndarray  # object
    organisation: np.ndarray  # object
    instrument: np.ndarray  # object
    wave: np.ndarray  # object
    values: np.ndarray  # float64, rows x instrument.item_ids, NaN = blank
    background: dict[str, np.ndarray] = field(default_factory=dict)  # question id -> text cells
    columns: dict[str, int] = field(default_factory=dict)  # question id -> file column (1-based)
    variant: np.ndarray | None = None  # int8: the form each row answered (set by check_rows)


@dataclass
class FileTally:
    """Row problems of one file that are reported once per file, after its last row."""

    file: str
    empty_rows: list[int] = field(default_factory=list)
    last_row: int = 1
    wrong_instrument: dict[str, list[int]] = field(default_factory=dict)  # id -> [first row, n]
    unfit: dict[int, list[int]] = field(default_factory=dict)  # form -> [first row, n]: rows
    #                                     naming a form whose stems are not all columns here
    missing: dict[int, list[str]] = field(default_factory=dict)  # form -> its absent stems


def check_rows(block: RowBlock, variants: Variants, log: ProblemLog, tally: FileTally,
               file_variant: int = 0) -> np.ndarray:
    """Per-row checks; returns the mask of rows that are respondents to keep.

    A row with no respondent_id and no answers is skipped: silently when only
    the instrument column is filled (data-entry template padding), with a
    warning otherwise. A respondent_id with no answers is skipped with a warning.
    Sets ``block.variant``: the form each row answered, from its instrument cell
    (a blank cell: ``file_variant``, the form the file's columns fit); answers to
    stems that form does not ask are dropped with a warning.
    """
    n_answered = np.count_nonzero(~np.isnan(block.values), axis=1)
    no_id = block.respondent_id == ""
    no_answers = n_answered == 0
    padding = (no_id & no_answers & (block.organisation == "") & (block.wave == "")
               & (block.instrument != ""))
    empty = no_id & no_answers & ~padding
    tally.empty_rows.extend(block.rows[empty].tolist())
    if len(block.rows):
        tally.last_row = int(block.rows[-1])
    for k in np.flatnonzero(no_id & ~no_answers):
        if log.wants("CSV_013"):
            log.add("CSV_013", Location(block.file, int(block.rows[k])))
        else:
            log.count("CSV_013")
    for k in np.flatnonzero(~no_id & no_answers):
        log.add("CSV_026", Location(block.file, int(block.rows[k])),
                rid=str(block.respondent_id[k]))
    variant = np.full(len(block.rows), file_variant, dtype=np.int8)
    named = block.instrument != ""
    if named.any():
        names, where = np.unique(block.instrument[named], return_inverse=True)
        rows = block.rows[named]
        for k, ident in enumerate(names):
            member = variants.index(str(ident))
            hit = where == k
            if member is None:
                entry = tally.wrong_instrument.setdefault(str(ident), [int(rows[hit][0]), 0])
                entry[1] += int(hit.sum())
            else:
                variant[np.flatnonzero(named)[hit]] = member
    block.variant = variant
    if not variants.uniform:
        _drop_not_asked(block, variants, log)
    return ~no_id & ~no_answers


def _drop_not_asked(block: RowBlock, variants: Variants, log: ProblemLog) -> None:
    """Answers to stems a row's own form does not ask: a warning, and the cells left blank."""
    item_ids = variants.instrument.item_ids
    for k in np.unique(block.variant):
        extra = ~variants.asked[k]
        if not extra.any():
            continue
        rows = np.flatnonzero(block.variant == k)
        cols = np.flatnonzero(extra)
        answered = ~np.isnan(block.values[np.ix_(rows, cols)])
        for r in np.flatnonzero(answered.any(axis=1)):
            names = [item_ids[c] for c in cols[answered[r]]]
            log.add("CSV_040", Location(block.file, int(block.rows[rows[r]])),
                    subject=f"respondent '{_short(str(block.respondent_id[rows[r]]))}'",
                    n=len(names), items=", ".join(names[:3]) + (", \u2026" if len(names) > 3 else ""),
                    form=variants.members[k].id, profile=variants.members[k].profile_id)
        block.values[np.ix_(rows, cols)] = np.nan


def background_values(block: RowBlock, variants: Variants, log: ProblemLog) -> dict[str, np.ndarray]:
    """The background cells of a block as values: codes and numbers as float64 (NaN =
    blank), text as stripped str ('' = blank). A cell that is not an answer its row's form
    allows is reported with its row and column and left blank."""
    out: dict[str, np.ndarray] = {}
    variant = block.variant if block.variant is not None else np.zeros(len(block.rows), np.int8)
    for j, union_q in enumerate(variants.instrument.background):
        cells = block.background.get(union_q.id)
        n = len(block.rows)
        if cells is None:
            out[union_q.id] = np.full(n, np.nan) if union_q.kind != "text" else \
                np.full(n, "", dtype=object)
            continue
        text = np.array([c.strip() if isinstance(c, str) else "" for c in cells], dtype=object)
        value = np.full(n, np.nan) if union_q.kind != "text" else np.full(n, "", dtype=object)
        for k in np.unique(variant):
            rows = np.flatnonzero((variant == k) & (text != ""))
            if not len(rows):
                continue
            member = variants.members[k]
            q = next((x for x in member.background if x.id == union_q.id), None)
            if q is None:
                for r in rows:
                    log.add("CSV_040", Location(block.file, int(block.rows[r])),
                            subject=f"column '{union_q.id}'", n=1, items=union_q.id,
                            form=member.id, profile=member.profile_id)
                continue
            for r in rows:
                parsed, ok = _background_cell(str(text[r]), q)
                if ok:
                    value[r] = parsed
                else:
                    log.add("CSV_041", Location(block.file, int(block.rows[r]),
                                                block.columns.get(q.id)),
                            subject=f"column '{q.id}'", value=show_value(str(text[r])),
                            allowed=q.describe(), label=_short(q.label, 40))
        out[union_q.id] = value
    return out


def _background_cell(text: str, q: BackgroundItem) -> tuple[object, bool]:
    """(value, True) for an answer ``q`` allows, else (None, False)."""
    if q.kind == "text":
        return text, len(text) <= q.max_length and text.isprintable()
    try:
        number = float(unicodedata.normalize("NFKC", text).strip())
    except ValueError:
        return None, False
    if q.kind == "single":
        return number, number in {float(c.code) for c in q.choices}
    if not np.isfinite(number) or (q.integer and not number.is_integer()):
        return None, False
    if (q.minimum is not None and number < q.minimum) or \
       (q.maximum is not None and number > q.maximum):
        return None, False
    return number, True


def finish_file(tally: FileTally, variants: Variants, log: ProblemLog) -> None:
    """Report what was tallied over a whole file: empty rows and foreign instrument ids."""
    for ident, (first, n) in tally.wrong_instrument.items():
        rows = f"row {first}" if n == 1 else f"{n:,} rows, the first on row {first}"
        log.add("CSV_012", Location(tally.file, first), found=_short(ident),
                expected=" or ".join(variants.ids), rows=rows)
    for k, (first, n) in tally.unfit.items():
        absent = tally.missing.get(k, [])
        rows = f"row {first}" if n == 1 else f"{n:,} rows, the first on row {first},"
        log.add("CSV_043", Location(tally.file, first), rows=rows, s="s" if n == 1 else "",
                form=variants.members[k].id, n=len(absent),
                items=", ".join(absent[:4]) + (", \u2026" if len(absent) > 4 else ""))
    empty = tally.empty_rows
    # blank rows at the very end of a file are an artefact of saving, not a mistake
    while empty and empty[-1] == tally.last_row:
        empty.pop()
        tally.last_row -= 1
    if empty:
        ranges = _ranges(empty)
        label = ("row " if len(empty) == 1 else "rows ") + ", ".join(ranges[:8])
        if len(ranges) > 8:
            label += f", \u2026 ({len(empty):,} rows)"
        log.add("CSV_017", Location(tally.file, empty[0]), rows=label)


def _short(text: str, limit: int = 60) -> str:
    return show_value(text, limit)


def _ranges(rows: list[int]) -> list[str]:
    out: list[str] = []
    start = prev = rows[0]
    for r in rows[1:] + [None]:  # type: ignore[list-item]
        if r is not None and r == prev + 1:
            prev = r
            continue
        out.append(str(start) if start == prev else f"{start}\u2013{prev}")
        if r is not None:
            start = prev = r
    return out


# --------------------------------------------------------------------------- merged matrix
def resolve_duplicates(ids: np.ndarray, organisation: np.ndarray, wave: np.ndarray,
                       values: np.ndarray, files: np.ndarray, rows: np.ndarray,
                       item_ids: tuple[str, ...], log: ProblemLog,
                       background: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Rows that share a respondent_id: drop identical repeats, merge waves, flag conflicts.

    Rows of one respondent with different, non-blank ``wave`` values are parts
    of one response (wave 1 and the wave-2 follow-up): they are merged into the
    first row (``values``, ``wave`` and ``background`` updated in place) when no
    cell is answered differently in two of them. Returns the mask of rows to keep.
    """
    keep = np.ones(len(ids), dtype=bool)
    if len(ids) < 2:
        return keep
    dup = pd.Index(ids).duplicated(keep=False)
    if not dup.any():
        return keep
    groups: dict[str, list[int]] = {}
    for k in np.flatnonzero(dup):
        groups.setdefault(ids[k], []).append(int(k))

    def where(k: int) -> str:
        return f"{files[k]}:{rows[k]}"

    for rid, members in groups.items():
        firsts: dict[str, int] = {}  # wave -> first row of that wave
        for k in members:
            w = wave[k]
            if w not in firsts:
                firsts[w] = k
                continue
            j = firsts[w]
            keep[k] = False
            diff = _differences(values[j], values[k], item_ids)
            if organisation[j] != organisation[k]:
                diff.insert(0, f"organisation '{organisation[k]}' here, '{organisation[j]}' there")
            if diff:
                log.add("CSV_014", Location(str(files[k]), int(rows[k])), rid=_short(rid),
                        other=where(j), what="different answers (" + "; ".join(diff[:3])
                        + (f"; {len(diff) - 3} more" if len(diff) > 3 else "") + ")",
                        fix="keep the right one of the two rows, or give them different "
                            "respondent_ids; if they are two waves of one respondent, fill the "
                            "wave column (e.g. 1 and 2)")
            else:
                log.add("CSV_015", Location(str(files[k]), int(rows[k])), rid=_short(rid),
                        other=where(j))
        parts = sorted(firsts.values())
        if len(parts) < 2:
            continue
        first = parts[0]
        if "" in firsts:
            blank, other = firsts[""], next(k for k in parts if wave[k] != "")
            log.add("CSV_014", Location(str(files[max(blank, other)]), int(rows[max(blank, other)])),
                    rid=_short(rid), other=where(min(blank, other)),
                    what=f"wave '{wave[other]}' in one row and no wave in the other",
                    fix="fill the wave column of both rows (e.g. 1 and 2), or remove the repeat")
            keep[[k for k in parts if k != first]] = False
            continue
        for k in parts[1:]:
            keep[k] = False
            conflict = _differences(values[first], values[k], item_ids, both_answered=True)
            if organisation[first] != organisation[k]:
                conflict.insert(0, f"organisation '{organisation[k]}' here, "
                                   f"'{organisation[first]}' there")
            if conflict:
                log.add("CSV_014", Location(str(files[k]), int(rows[k])), rid=_short(rid),
                        other=where(first),
                        what=f"answers in wave '{wave[k]}' that differ from wave "
                             f"'{wave[first]}' (" + "; ".join(conflict[:3]) + ")",
                        fix="a stem belongs to one wave: blank it in one of the two rows")
            fill = np.isnan(values[first])
            values[first, fill] = values[k, fill]
            for column in (background or {}).values():  # background is asked in wave 1
                if _blank(column[first]) and not _blank(column[k]):
                    column[first] = column[k]
        wave[first] = "+".join(sorted(wave[k] for k in parts))
    return keep


def _blank(value: object) -> bool:
    return value == "" or (isinstance(value, float) and np.isnan(value))


def _differences(a: np.ndarray, b: np.ndarray, item_ids: tuple[str, ...],
                 both_answered: bool = False) -> list[str]:
    na, nb = np.isnan(a), np.isnan(b)
    differ = (a != b) & ~(na & nb)
    if both_answered:
        differ &= ~na & ~nb
    out = []
    for k in np.flatnonzero(differ):
        here = "blank" if nb[k] else f"{b[k]:g}"
        there = "blank" if na[k] else f"{a[k]:g}"
        out.append(f"{item_ids[k]}: {here} here, {there} there")
    return out


def check_patterns(variants: Variants, values: np.ndarray, ids: np.ndarray,
                   files: np.ndarray, rows: np.ndarray, log: ProblemLog,
                   keep: np.ndarray | None = None, chunk: int = 32768,
                   variant: np.ndarray | None = None) -> None:
    """Warnings over whole respondents: gated-out stems answered, straight-lining.

    The gate is ``instrument.gating``'s rule (``achieved`` on an area's gate-stage
    stems, as in ``gate_matrix``, with each row's own form's stems), evaluated only
    for areas where something beyond the gate was answered. Rows outside ``keep``
    (dropped duplicates, merged waves) are left out.
    """
    instrument = variants.instrument
    item_ids = instrument.item_ids
    gate = instrument.gate_stage
    beyond = {a.id: np.array([k for k, i in enumerate(instrument.items)
                              if i.area == a.id and i.stage != gate], dtype=np.int64)
              for a in instrument.areas}
    gate_cols = {a.id: np.array([k for k, i in enumerate(instrument.items)
                                 if i.area == a.id and i.stage == gate], dtype=np.int64)
                 for a in instrument.areas}
    rule = instrument.rule
    rule_text = f"rule '{rule.id}'" + (f": {rule.description}" if rule.description else "")
    for start in range(0, len(values), chunk):
        part_t = values[start:start + chunk].T  # items x rows: cheap from column-major values
        answered_t = ~np.isnan(part_t)
        kept = keep[start:start + chunk] if keep is not None else True
        asked = None if variants.uniform or variant is None else \
            variants.asked[variant[start:start + chunk]]
        hits = []  # (row in part, area index)
        for j, area in enumerate(instrument.areas):
            cols = beyond[area.id]
            if not len(cols):
                continue
            late = answered_t[cols].any(axis=0) & kept
            if not late.any():
                continue
            stems = substantive(part_t[gate_cols[area.id]].T, instrument.scale)
            hit = late & ~achieved(stems, rule, None if asked is None
                                   else asked[:, gate_cols[area.id]])
            hits.extend((int(k), j) for k in np.flatnonzero(hit))
        for k, j in sorted(hits):
            r = start + k
            if not log.wants("CSV_016"):
                log.count("CSV_016")
                continue
            area = instrument.areas[j].id
            cols = beyond[area]
            names = [item_ids[c] for c in cols[answered_t[cols, k]]]
            log.add("CSV_016", Location(str(files[r]), int(rows[r])),
                    subject=f"respondent '{_short(str(ids[r]))}'", area=area,
                    why=_gate_why(instrument, part_t[gate_cols[area], k]), n=len(names),
                    gate=gate, items=", ".join(names[:3]) + (", \u2026" if len(names) > 3 else ""),
                    rule=rule_text)
        n = answered_t.sum(axis=0)
        with np.errstate(invalid="ignore"):
            low = np.fmin.reduce(part_t, axis=0)
            high = np.fmax.reduce(part_t, axis=0)
        for k in np.flatnonzero((n >= STRAIGHT_LINE_MIN) & (low == high) & kept):
            r = start + int(k)
            log.add("CSV_018", Location(str(files[r]), int(rows[r])),
                    subject=f"respondent '{_short(str(ids[r]))}'", n=int(n[k]),
                    answer=f"{low[k]:g}")


def _gate_why(instrument: Instrument, stems: np.ndarray) -> str:
    """'mean of the S stems 2.50 < 3.5' or '1 of 4 S stems marked >= 4, 2 needed'."""
    rule, gate = instrument.rule, instrument.gate_stage
    clean = stems.astype("float64").copy()
    for code in instrument.scale.missing:
        clean[clean == code] = np.nan
    answered = clean[~np.isnan(clean)]
    need = required_answers(rule, len(stems))
    if len(answered) < need or not len(answered):
        return (f"{len(answered)} of {len(stems)} {gate} stems have a substantive answer, "
                f"{max(need, 1)} needed")
    if rule.kind == "mean":
        return f"mean of the {gate} stems {answered.mean():.2f} < {rule.threshold:g}"
    hits = int((answered >= rule.min_code).sum())
    return (f"{hits} of {len(stems)} {gate} stems marked \u2265 {rule.min_code}, "
            f"{required_count(rule, len(stems))} needed")
