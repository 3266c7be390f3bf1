#!/usr/bin/env python3
"""Make the KoboToolbox XLS downloads of tests/data/exports/ from their CSV twin.

``kobo-xml-groups.csv`` holds two submissions to the mini bank's XLSForm as
Kobo's CSV export writes them (XML values and headers, groups in headers). The
same submissions downloaded as **XLS** (Kobo's default download type) are
written here the way KoboToolbox's exporter (kobotoolbox/formpack,
``Export.to_xlsx``, with the options kpi passes) writes them:

- headers are the question labels in the chosen language, or the XML name for a
  question without a label (``instrument``, ``gate_INT_sum``, ``start``);
  "Include groups in headers" prefixes the group labels joined by ``/``
  (``hierarchy_in_labels``); Kobo's own columns (``_id`` … ``_index``) keep
  their names;
- cells of a ``select_one`` are the choice labels in that language, or the
  codes when "XML values and headers" is chosen; with "Store date and number
  responses as text" off (the default) codes, ``_id`` and ``_index`` are
  numbers and ``start``, ``end`` and ``_submission_time`` dates (time zone
  removed); text and calculations stay text; a blank answer is an empty cell;
- one header row (no ``hxl`` tags in this form), one sheet named after the
  project (at most 31 characters), written by xlsxwriter in constant-memory
  mode (inline strings).

Run it after a change to tests/data/mini_bank.yaml or to build.py xlsform (it
needs ``pip install xlsxwriter``); tests/test_read.py checks that the files
hold what ``kobo_rows`` makes::

    .venv/bin/python tests/data/exports/make_kobo_xlsx.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from openpyxl import load_workbook  # noqa: E402

from instrument.compile import compile_instrument  # noqa: E402
from instrument.loader import load_bank, load_profile  # noqa: E402
from instrument.xlsform import language_column, xlsform  # noqa: E402

TWIN = HERE / "kobo-xml-groups.csv"
# file name -> (language of labels or None for XML values, groups in headers)
FIXTURES = {
    "kobo-labels-zh.xlsx": ("zh-TW", False),  # the Downloads page's defaults: XLS, labels
    "kobo-labels-en-groups.xlsx": ("en", True),
    "kobo-xml-groups.xlsx": (None, True),
}
NUMBERS = ("_id", "_index")
DATES = ("start", "end", "_submission_time")


def mini_instruments():
    data = HERE.parent
    bank = load_bank(data / "mini_bank.yaml")
    profile = load_profile(data / "mini_profile.yaml", bank)
    return [compile_instrument(bank, profile, lang) for lang in bank.languages]


def xlsform_fields(workbook: bytes) -> list[tuple[str, str, dict[str, str], dict[str, str]]]:
    """(type, XML path, labels with group labels, labels alone) of every field with data,
    by XLSForm language column ('Chinese (zh)'); a field without a label is its name."""
    survey = list(load_workbook(io.BytesIO(workbook))["survey"].values)
    label_cols = {c.split("::")[1]: k for k, c in enumerate(survey[0])
                  if c and c.startswith("label::")}
    stack: list[tuple[str, dict[str, str]]] = []
    out = []
    for row in survey[1:]:
        type_, name = row[0], row[1]
        labels = {lang: row[k] or "" for lang, k in label_cols.items()}
        if type_ == "begin_group":
            stack.append((name, labels))
        elif type_ == "end_group":
            stack.pop()
        elif type_ in ("text", "calculate", "integer", "decimal") or type_.startswith("select_one"):
            path = "/".join([n for n, _ in stack] + [name])
            alone = {lang: labels[lang] or name for lang in label_cols}
            grouped = {lang: "/".join([g[lang] or n for n, g in stack] + [alone[lang]])
                       for lang in label_cols}
            out.append((type_, path, grouped, alone))
    return out


def kobo_rows(instruments, lang: str | None, groups: bool) -> list[list[object]]:
    """The twin's rows as Kobo's XLS download holds them (header first)."""
    twin = list(csv.reader(io.StringIO(TWIN.read_text(encoding="utf-8-sig")), delimiter=";"))
    fields = {path: (type_, grouped, alone)
              for type_, path, grouped, alone in xlsform_fields(xlsform(instruments))}
    column = language_column(lang) if lang else None
    inst = next((i for i in instruments if i.language == lang), instruments[0])
    label = {str(c.code): c.label for c in inst.scale.codes}
    header = []
    for name in twin[0]:
        if name not in fields or column is None:
            header.append(name if groups or name not in fields else name.rsplit("/", 1)[-1])
        else:
            header.append(fields[name][1 if groups else 2][column])
    out: list[list[object]] = [header]
    for raw in twin[1:]:
        row: list[object] = []
        for name, cell in zip(twin[0], raw):
            select = name in fields and fields[name][0].startswith("select_one")
            if cell == "":
                row.append(None)
            elif select:
                row.append(label[cell] if column else int(cell))
            elif name in NUMBERS:
                row.append(int(cell))
            elif name in DATES:
                row.append(dt.datetime.fromisoformat(cell).replace(tzinfo=None))
            else:
                row.append(cell)
        out.append(row)
    return out


def sheet_name(title: str) -> str:
    return title if len(title) <= 31 else title[:28] + "..."


def write(path: Path, sheet: str, rows: list[list[object]]) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True,
                                           "default_date_format": "yyyy-mm-dd",
                                           "remove_timezone": True})
    book.set_properties({"created": dt.datetime(2024, 3, 1, 12, 0, 0)})
    ws = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.write(r, c, value)
    book.close()


def main() -> None:
    instruments = mini_instruments()
    for name, (lang, groups) in FIXTURES.items():
        write(HERE / name, sheet_name(instruments[0].texts["title"]),
              kobo_rows(instruments, lang, groups))
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
