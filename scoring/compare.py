"""Double data entry: two people type the same paper forms; every cell where their files
disagree is listed (file, row, column, both values), as REDCap's double data entry
does, and the agreed file exists only when no disagreement is left.

Rows are matched by respondent id (and wave, for two-wave forms), never by position:
a form typed in another order is the same form. A respondent in one file only is a
disagreement too (one typist skipped a form, or mistyped its id)."""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from instrument.errors import Location, Problem, problem
from instrument.contract import csv_bytes

from .responses import Responses

AGREED = "agreed.csv"


def _keys(r: Responses) -> dict[tuple[str, str], int]:
    return {(str(i), str(w)): k for k, (i, w) in enumerate(zip(r.respondent_id, r.wave))}


def _where(r: Responses, k: int) -> Location:
    return Location(str(r.source_file[k]), int(r.source_row[k]))


def _show(value: object) -> str:
    if isinstance(value, str):
        return f"'{value}'" if value else "blank"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "blank"
    return f"'{float(value):g}'"


def _same(x: object, y: object) -> bool:
    return _show(x) == _show(y)


def _cells(r: Responses, k: int) -> Iterator[tuple[str, object]]:
    """A row's cells, in the order of the instrument's columns (instrument id left out:
    the reader already checked it against the manifest)."""
    yield "organisation", str(r.organisation[k])
    for q in r.instrument.background_ids:
        yield q, r.answers(q)[k]
    for j, item in enumerate(r.instrument.item_ids):
        yield item, float(r.values[k, j])


def disagreements(a: Responses, b: Responses) -> list[Problem]:
    """ENTRY_001 per cell that differs, ENTRY_002 per respondent typed into one file only;
    in the order of the first file, then the second file's extra rows."""
    out: list[Problem] = []
    ka, kb = _keys(a), _keys(b)
    for key, i in ka.items():
        rid, wave = key
        label = f" (wave {wave})" if wave else ""
        j = kb.get(key)
        if j is None:
            out.append(problem("ENTRY_002", _where(a, i), rid=rid, wave=label,
                               here=a.source_file[i], there=_files(b)))
            continue
        cells_b = dict(_cells(b, j))
        for column, x in _cells(a, i):
            y = cells_b[column]
            if not _same(x, y):
                out.append(problem("ENTRY_001", _where(a, i), rid=rid, wave=label,
                                   column=column, a=_show(x), b=_show(y),
                                   other=str(_where(b, j))))
    for key, j in kb.items():
        if key not in ka:
            rid, wave = key
            out.append(problem("ENTRY_002", _where(b, j), rid=rid,
                               wave=f" (wave {wave})" if wave else "",
                               here=b.source_file[j], there=_files(a)))
    return out


def _files(r: Responses) -> str:
    return ", ".join(dict.fromkeys(str(f) for f in r.source_file)) or "the other file"


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):g}"


def agreed_csv(r: Responses) -> bytes:
    """The agreed answers in the scorer's own layout, one row per respondent."""
    inst = r.instrument
    forms = r.forms
    variant = r.variant if r.variant is not None else np.zeros(len(r), np.int8)
    rows: list[list[str]] = [list(inst.columns)]
    for k in range(len(r)):
        cells = dict(_cells(r, k))
        row = {"respondent_id": str(r.respondent_id[k]), "instrument":
               forms.members[int(variant[k])].id, "wave": str(r.wave[k])}
        row.update({c: _text(v) for c, v in cells.items()})
        rows.append([row.get(c, "") for c in inst.columns])
    return csv_bytes(rows)
