"""A person's corrections (saved by review.html, or typed): ``form,column,value`` rows that
replace what the scan read, checked as strictly as a typed response file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from instrument.errors import InstrumentError, Location, Problem, did_you_mean, problem
from instrument.inputs import NotReadable, read_bounded, visible
from instrument.model import Instrument

MAX_BYTES = 50_000_000
COLUMNS = ("form", "column", "value")


@dataclass(frozen=True)
class Correction:
    form: str
    column: str
    value: str  # '' = blank
    where: Location


def read(paths: Sequence[Path]) -> list[Correction]:
    """Every correction of the files, in order (a later one for the same cell wins: the
    page saves all corrections so far, the earlier ones included). SCAN_011 for a file
    that cannot be read or has no form,column,value header."""
    found, problems = [], []
    for path in paths:
        where = Location(str(path))
        try:
            text = read_bounded(path, MAX_BYTES).decode("utf-8-sig")
        except (NotReadable, UnicodeDecodeError) as exc:
            detail = exc.detail if isinstance(exc, NotReadable) else "the file is not UTF-8"
            problems.append(problem("SCAN_011", where, detail=f"cannot read the corrections: "
                                    f"{detail}", fix="pass the CSV file review.html saved"))
            continue
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [visible(c).strip() for c in next(reader, [])]
        if tuple(header[:3]) != COLUMNS:
            problems.append(problem("SCAN_011", Location(str(path), 1),
                                    detail=f"the header is {','.join(header) or '(empty)'}, "
                                    "not form,column,value",
                                    fix="pass the CSV file review.html saved, or write "
                                    "form,column,value as its first row"))
            continue
        for row_no, row in enumerate(reader, 2):
            if not any(c.strip() for c in row):
                continue
            cells = [visible(c).strip() for c in row] + ["", "", ""]
            found.append(Correction(cells[0], cells[1], cells[2], Location(str(path), row_no)))
    if problems:
        raise InstrumentError(problems)
    return found


def check(corrections: Sequence[Correction], forms: set[str], instrument: Instrument
          ) -> list[Problem]:
    """SCAN_011 for each correction of an unknown form or column, or with a value the
    column does not take."""
    problems = []
    columns = set(instrument.columns) - {"instrument", "wave"}
    questions = {q.id: q for q in instrument.background}
    codes = {str(c) for c in instrument.scale.all_codes}
    for c in corrections:
        if c.form not in forms:
            problems.append(problem(
                "SCAN_011", c.where, detail=f"form '{c.form}' is not among the scans"
                f"{did_you_mean(c.form, forms)}",
                fix="correct the form column (flags.csv names each form), or scan that form"))
        elif c.column not in columns:
            problems.append(problem(
                "SCAN_011", c.where, detail=f"column '{c.column}' is not part of the "
                f"instrument{did_you_mean(c.column, columns)}",
                fix="use an item id, a background question id, respondent_id or organisation"))
        else:
            bad = _bad_value(c, questions, codes)
            if bad:
                problems.append(problem("SCAN_011", c.where, detail=bad[0], fix=bad[1]))
    return problems


def _bad_value(c: Correction, questions: dict, codes: set[str]) -> tuple[str, str] | None:
    if c.column == "respondent_id":
        return None if c.value else (
            "respondent_id is blank", "type the id written on the form, or the one it was "
            "sent to")
    if c.column == "organisation" or not c.value:
        return None
    q = questions.get(c.column)
    if q is None:
        if c.value in codes:
            return None
        return (f"value '{c.value}' is not a code of the scale ({', '.join(sorted(codes))})",
                "type one of the codes, or leave the value blank for no answer")
    if q.kind == "single":
        allowed = [str(ch.code) for ch in q.choices]
        return None if c.value in allowed else (
            f"value '{c.value}' is not an answer to {q.id} ({q.describe()})",
            f"type one of {', '.join(allowed)}, or leave it blank")
    if q.kind == "number":
        try:
            number = float(c.value)
        except ValueError:
            number = None
        low = q.minimum if q.minimum is not None else float("-inf")
        high = q.maximum if q.maximum is not None else float("inf")
        if number is None or not low <= number <= high or (q.integer and number % 1):
            return (f"value '{c.value}' is not {q.describe()}", "type the number written "
                    "on the form, or leave it blank")
    if q.kind == "text" and len(c.value) > q.max_length:
        return (f"value has {len(c.value)} characters, more than {q.max_length}",
                "shorten it")
    return None
