"""Outputs that need no layout: manifest, codebook, data-entry templates, SPSS labels.

All return bytes and are deterministic: the same instrument gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import datetime
from typing import Iterable, Sequence

from .model import Instrument

ID_COLUMNS = ("respondent_id", "organisation", "instrument", "wave")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Keep a spreadsheet from running text as a formula (CSV/XLSX injection).

    Only text cells are touched; numeric answers are written as numbers and never
    pass through here, so a negative code stays a number.
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def header(instrument: Instrument) -> list[str]:
    """The response CSV's columns: the contract between every form and the scorer."""
    return [*ID_COLUMNS, *instrument.item_ids]


def manifest_json(instrument: Instrument) -> bytes:
    return (json.dumps(instrument.to_manifest(), ensure_ascii=False, indent=2) + "\n").encode()


def value_labels(instrument: Instrument) -> str:
    return "; ".join(f"{c.code}={c.label}{' (missing)' if c.missing else ''}"
                     for c in instrument.scale.codes)


def csv_bytes(rows: Iterable[Sequence[object]], bom: bool = True) -> bytes:
    """Rows as CSV (CRLF; UTF-8 with BOM so Excel shows Chinese), text cells neutralised."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(v) if isinstance(v, str) else v for v in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


CODEBOOK_COLUMNS = ["variable", "area", "area_name", "group", "group_name", "practice_code",
                    "practice", "practice_name", "stage", "stage_name", "text", "values",
                    "missing_values", "instrument"]


def codebook_rows(instrument: Instrument) -> list[list[object]]:
    area = {a.id: a.name for a in instrument.areas}
    group = {g.id: g.name for g in instrument.groups}
    stage = {s.id: s.name for s in instrument.stages}
    practice = {p.id: p for p in instrument.practices}
    labels = value_labels(instrument)
    codes = instrument.scale.missing
    # one code is a number (a -9 read as text would be written '-9), several a list
    missing: object = codes[0] if len(codes) == 1 else " ".join(map(str, codes))
    rows: list[list[object]] = [CODEBOOK_COLUMNS]
    for item in instrument.items:
        p = practice[item.practice]
        rows.append([item.id, item.area, area[item.area], item.group, group[item.group], p.code,
                     p.id, p.name, item.stage, stage[item.stage], item.text, labels, missing,
                     instrument.id])
    return rows


def codebook_csv(instrument: Instrument) -> bytes:
    """One row per item: what each column of a response file means."""
    return csv_bytes(codebook_rows(instrument))


def entry_csv(instrument: Instrument) -> bytes:
    """An empty response file with the scorer's header (UTF-8 BOM so Excel shows Chinese)."""
    return csv_bytes([header(instrument)])


def _sps_quote(text: str) -> str:
    return "'" + text.replace("'", "''").replace("\n", " ") + "'"


def spss_syntax(instrument: Instrument) -> bytes:
    """Variable labels, value labels and missing values for SPSS (run after importing the CSV)."""
    lines = [f"* Labels for instrument {instrument.id} ({instrument.language}).",
             "* Import the response CSV with the first row as variable names, then run this file.",
             "VARIABLE LABELS"]
    for item in instrument.items:
        lines.append(f"  {item.id} {_sps_quote(item.id + ' ' + item.text[:240])}")
    lines[-1] += "."
    lines.append("VALUE LABELS " + instrument.item_ids[0] + " TO " + instrument.item_ids[-1])
    for c in instrument.scale.codes:
        lines.append(f"  {c.code} {_sps_quote(c.label)}")
    lines[-1] += "."
    if instrument.scale.missing:
        missing = ", ".join(map(str, instrument.scale.missing))
        lines.append(f"MISSING VALUES {instrument.item_ids[0]} TO {instrument.item_ids[-1]} ({missing}).")
    lines.append("EXECUTE.")
    return ("\n".join(lines) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- XLSX
FIXED_TIME = datetime(2020, 1, 1)
ENTRY_ROWS = 500  # data-validated rows in the XLSX template


def entry_xlsx(instrument: Instrument) -> bytes:
    """A data-entry workbook: frozen header of item ids, cells limited to the scale's codes."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    cols = header(instrument)
    ws.append(cols)
    ws.freeze_panes = "C2"
    codes = ",".join(str(c) for c in instrument.scale.all_codes)
    dv = DataValidation(type="list", formula1=f'"{codes}"', allow_blank=True, showErrorMessage=True,
                        errorTitle="Not a scale code",
                        error=f"Enter one of {codes} ({instrument.scale.describe()}), or leave blank.")
    ws.add_data_validation(dv)
    first = get_column_letter(len(ID_COLUMNS) + 1)
    last = get_column_letter(len(cols))
    dv.add(f"{first}2:{last}{ENTRY_ROWS + 1}")
    for k, item in enumerate(instrument.items, start=len(ID_COLUMNS) + 1):
        cell = ws.cell(row=1, column=k)
        cell.comment = Comment(item.text, "codebook", width=300, height=120)  # never a formula
    ws.cell(row=1, column=3).comment = Comment(f"Every row: {instrument.id}", "codebook")
    for k in range(1, len(cols) + 1):
        ws.column_dimensions[get_column_letter(k)].width = 14 if k <= len(ID_COLUMNS) else 9

    book = wb.create_sheet("codebook")
    for row in codebook_rows(instrument):
        append_text_row(book, row)
    book.freeze_panes = "B2"

    return save_workbook(wb)


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
