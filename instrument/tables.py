"""Outputs that need no layout: manifest, codebook, data-entry templates, SPSS labels.

All return bytes and are deterministic: the same instrument gives the same bytes.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime
from decimal import Decimal
from typing import Iterable, Sequence

from .contract import ID_COLUMNS, csv_bytes, header, neutralise  # noqa: F401 (re-exported)
from .model import BackgroundItem, Instrument

# header and neutralise come from the contract (instrument.contract), the scorer's too


def plain_number(value: float) -> str:
    """A number as digits and a point, never an exponent (XPath and Excel formulas):
    0 -> '0', 0.5 -> '0.5', 1e6 -> '1000000'."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text[:-2] if text.endswith(".0") else text


def manifest_json(instrument: Instrument) -> bytes:
    return (json.dumps(instrument.to_manifest(), ensure_ascii=False, indent=2) + "\n").encode()


MISSING_NOTE = {"dont_know": " (missing: don't know)", "not_applicable": " (missing: not applicable)"}


def value_labels(instrument: Instrument) -> str:
    return "; ".join(f"{c.code}={c.label}{MISSING_NOTE.get(c.missing, '')}"
                     for c in instrument.scale.codes)


def missing_values(instrument: Instrument) -> str:
    """The item codes that are no answer, each with its kind: '8=not_applicable; 9=dont_know'."""
    return "; ".join(f"{c.code}={c.missing}" for c in instrument.scale.non_substantive)


def question_values(q: BackgroundItem) -> str:
    """What a background column holds, for the codebook: codes with labels, or the range."""
    if q.kind == "single":
        return "; ".join(f"{c.code}={c.label}" for c in q.choices)
    return q.describe()


CODEBOOK_COLUMNS = ["variable", "kind", "area", "area_name", "group", "group_name",
                    "practice_code", "practice", "practice_name", "stage", "stage_name", "text",
                    "values", "missing_values", "instrument"]


def codebook_rows(instrument: Instrument) -> list[list[object]]:
    area = {a.id: a.name for a in instrument.areas}
    group = {g.id: g.name for g in instrument.groups}
    stage = {s.id: s.name for s in instrument.stages}
    practice = {p.id: p for p in instrument.practices}
    labels = value_labels(instrument)
    missing = missing_values(instrument)
    rows: list[list[object]] = [CODEBOOK_COLUMNS]
    for q in instrument.background:
        rows.append([q.id, q.kind, "", "", "", "", "", "", "", "", "", q.label,
                     question_values(q), "", instrument.id])
    for item in instrument.items:
        p = practice[item.practice]
        rows.append([item.id, "item", item.area, area[item.area], item.group, group.get(item.group, ""),
                     p.code, p.id, p.name, item.stage, stage[item.stage], item.text, labels,
                     missing, instrument.id])
    return rows


def codebook_csv(instrument: Instrument) -> bytes:
    """One row per background question and per item (``kind``: single, number, text or
    item): what each column after the id columns of a response file means."""
    return csv_bytes(codebook_rows(instrument))


def entry_csv(instrument: Instrument) -> bytes:
    """An empty response file with the scorer's header (UTF-8 BOM so Excel shows Chinese)."""
    return csv_bytes([header(instrument)])


# SPSS limits, in bytes of the file's encoding (UTF-8): a Chinese character takes three.
SPSS_VARIABLE_LABEL = 256
SPSS_VALUE_LABEL = 120


def _fit(text: str, limit: int) -> str:
    """Text cut to ``limit`` UTF-8 bytes, never inside a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _sps_quote(text: str, limit: int) -> str:
    text = _fit(" ".join(text.split()), limit)  # one line: SPSS reads a newline as a break
    return "'" + text.replace("'", "''") + "'"


def _sps_values(variables: str, labels: Iterable[tuple[int, str]]) -> list[str]:
    lines = [f"VALUE LABELS {variables}"]
    lines += [f"  {code} {_sps_quote(label, SPSS_VALUE_LABEL)}" for code, label in labels]
    lines[-1] += "."
    return lines


def spss_syntax(instrument: Instrument) -> bytes:
    """Variable labels, value labels and missing values for SPSS (run after importing the
    CSV): background questions with their choices, items with the scale, and the item codes
    that are no answer (8, 9) declared missing."""
    items = f"{instrument.item_ids[0]} TO {instrument.item_ids[-1]}"
    lines = [f"* Labels for instrument {instrument.id} ({instrument.language}).",
             "* Import the response CSV with the first row as variable names, then run this file.",
             "VARIABLE LABELS"]
    lines += [f"  {q.id} {_sps_quote(q.label, SPSS_VARIABLE_LABEL)}" for q in instrument.background]
    lines += [f"  {item.id} {_sps_quote(item.id + ' ' + item.text, SPSS_VARIABLE_LABEL)}"
              for item in instrument.items]
    lines[-1] += "."
    for q in instrument.background:
        if q.kind == "single":
            lines += _sps_values(q.id, ((c.code, c.label) for c in q.choices))
    lines += _sps_values(items, ((c.code, c.label) for c in instrument.scale.codes))
    if instrument.scale.missing:
        lines.append(f"MISSING VALUES {items} ({', '.join(map(str, instrument.scale.missing))}).")
    lines.append("EXECUTE.")
    return ("\n".join(lines) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- XLSX
FIXED_TIME = datetime(2020, 1, 1)
ENTRY_ROWS = 500  # data-validated rows in the XLSX template


def entry_xlsx(instrument: Instrument) -> bytes:
    """A data-entry workbook: sheet ``data`` with the scorer's header (frozen, each column's
    meaning as a comment) and every column checked as it is typed (``entry_checks``),
    and sheet ``codebook``."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    cols = header(instrument)
    ws.append(cols)
    ws.freeze_panes = "C2"
    for check, first, last in entry_checks(instrument):
        ws.add_data_validation(check)
        check.add(f"{get_column_letter(first)}2:{get_column_letter(last)}{ENTRY_ROWS + 1}")
    notes = {"instrument": f"Every row: {instrument.id}",
             **{q.id: f"{q.label}: {question_values(q)}" for q in instrument.background},
             **{item.id: item.text for item in instrument.items}}
    widths = {**dict.fromkeys(ID_COLUMNS, 14), **dict.fromkeys(instrument.background_ids, 12)}
    for k, name in enumerate(cols, start=1):
        if name in notes:
            ws.cell(row=1, column=k).comment = Comment(notes[name], "codebook",  # never a formula
                                                       width=300, height=120)
        ws.column_dimensions[get_column_letter(k)].width = widths.get(name, 9)

    _codebook_sheet(wb.create_sheet("codebook"), instrument)

    return save_workbook(wb)


# codebook sheet: column widths (in Excel's character units; a Chinese character takes two)
CODEBOOK_WIDTHS = {"variable": 13, "kind": 8, "area": 6, "area_name": 20, "group": 22,
                   "group_name": 16, "practice_code": 14, "practice": 9, "practice_name": 26,
                   "stage": 6, "stage_name": 12, "text": 60, "values": 45, "missing_values": 28,
                   "instrument": 25}


def _codebook_sheet(book, instrument: Instrument) -> None:
    """The codebook as a sheet, header frozen, columns wide enough to read. Long texts are
    not wrapped: without row heights (openpyxl cannot measure text) wrapped lines overlap
    the next row in LibreOffice."""
    from openpyxl.utils import get_column_letter

    for row in codebook_rows(instrument):
        append_text_row(book, row)
    book.freeze_panes = "B2"
    for k, name in enumerate(CODEBOOK_COLUMNS, start=1):
        book.column_dimensions[get_column_letter(k)].width = CODEBOOK_WIDTHS[name]


def entry_checks(instrument: Instrument) -> list[tuple[object, int, int]]:
    """(openpyxl DataValidation, first column, last column), 1-based, for the data sheet:
    the instrument id (or blank), the wave (1, 2 or blank), each background column, and
    the items (the scale's codes, 8 and 9 included)."""
    column = {name: k for k, name in enumerate(header(instrument), start=1)}
    waves = _list_check(["1", "2"], "wave: 1 or 2 (two waves), or blank (one wave).")
    same_id = _list_check([instrument.id], f"instrument: {instrument.id}, or blank.")
    codes = [str(c) for c in instrument.scale.all_codes]
    items = _list_check(codes, f"Enter one of {','.join(codes)} ({instrument.scale.describe()}), "
                               "or leave blank.", title="Not a scale code")
    checks = [(same_id, column["instrument"], column["instrument"]),
              (waves, column["wave"], column["wave"])]
    checks += [(_question_check(q), column[q.id], column[q.id]) for q in instrument.background]
    if instrument.items:
        checks.append((items, column[instrument.item_ids[0]], column[instrument.item_ids[-1]]))
    return checks


def _check(message: str, title: str = "Not allowed here", **rule):
    from openpyxl.worksheet.datavalidation import DataValidation

    # Excel's limits: 32 characters of title, 255 of message
    return DataValidation(allow_blank=True, showErrorMessage=True, errorTitle=title[:32],
                          error=message[:255], **rule)


def _list_check(values: Sequence[str], message: str, title: str = "Not allowed here"):
    return _check(message, title, type="list", formula1='"' + ",".join(values) + '"')


def _question_check(q: BackgroundItem):
    """The data-entry check of one background column: its codes, its range or its length."""
    message = f"{q.id}: {q.describe()}, or leave blank."
    if q.kind == "single":
        return _list_check([str(c.code) for c in q.choices], message)
    if q.kind == "number":
        kind = "whole" if q.integer else "decimal"
        low, high = q.minimum, q.maximum
        if low is not None and high is not None:
            return _check(message, type=kind, operator="between", formula1=plain_number(low),
                          formula2=plain_number(high))
        if low is not None or high is not None:
            return _check(message, type=kind,
                          operator="greaterThanOrEqual" if low is not None else "lessThanOrEqual",
                          formula1=plain_number(low if low is not None else high))
        return _check(message, type=kind, operator="between", formula1=plain_number(-1e15),
                      formula2=plain_number(1e15))
    return _check(message, type="textLength", operator="lessThanOrEqual",
                  formula1=str(q.max_length))


def append_text_row(ws, row: Sequence[object]) -> None:
    """Append ``row`` with its text as text: openpyxl makes a cell that starts with '=' a
    formula, so such cells are stored as strings. An XLSX string cell is never evaluated,
    so no protective "'" is needed (it would show in the cell, unlike in a CSV)."""
    ws.append(list(row))
    for cell in ws[ws.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def save_workbook(wb) -> bytes:
    """An openpyxl workbook as bytes; the same workbook always gives the same bytes."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "opm-instrument"
    buf = io.BytesIO()
    wb.save(buf)
    return _deterministic_zip(buf.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times and metadata."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' at save time
                payload = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)",
                                 rb"\g<1>2020-01-01T00:00:00Z\g<2>", payload)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, payload)
    return out.getvalue()
