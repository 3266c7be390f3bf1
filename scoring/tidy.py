"""The scorer's tables as CSV: respondents.csv, organisations.csv, reliability.csv.

``respondents.csv`` is ``scoring.scores.respondents_long`` written out: one row
per respondent x unit x stage, for knowledge areas and process groups (and the
practices with ``detail="practice"``), columns ``RESPONDENT_COLUMNS`` plus the
method's own (attained_pct for opm3-binary; applied_share and frequent for
coverage):

    respondent_id,organisation,unit_type,unit,stage,n_items,n_answered,n_not_reached,mean,status,achieved,level
    PB-PARK-01,臺北市政府工務局公園路燈工程管理處,area,INT,S,7,7,0,3.86,achieved,1,1

A million respondents make 60 million rows, far too many for one Python call
per cell, so rows are assembled with numpy: every piece of a row (the
respondent's id and organisation; unit, stage and n_items; the two counts; the
mean; achieved and level) is looked up as bytes in a small table of its
formatted values (a mean by its value in hundredths), the pieces are laid side
by side in a NUL-padded matrix and the padding is squeezed out. Text cells go
through ``instrument.tables.neutralise`` so a spreadsheet never runs them as
formulas. UTF-8 with a byte-order mark and CRLF, like the other CSVs, so Excel
shows Chinese names. Numbers: means to 2 decimals, percentages to 1, shares to
3; booleans as 1/0.

The organisation and reliability tables are small and go through the csv module.
"""

from __future__ import annotations

import csv
import io
import re
from typing import TYPE_CHECKING, BinaryIO, Iterable, Sequence

import numpy as np

from instrument.contract import FORMULA_START, neutralise

from .levels import NOT_APPLICABLE, NOT_RATED, STAGE_STATUS
from .scores import RESPONDENT_COLUMNS, Scores, UnitScores, unit_lists, wide_columns

if TYPE_CHECKING:
    import pandas as pd

DETAIL_LEVELS = {"area": ("area", "group"), "practice": ("area", "group", "practice")}
BOM = "\ufeff".encode()
NEWLINE = b"\r\n"
CHUNK_RESPONDENTS = 8_000
_SPECIAL = re.compile("[,\"\r\n]|(?:^|\x00)[" + re.escape("".join(FORMULA_START)) + "]")


def csv_cell(text: str) -> str:
    """One text cell as CSV: neutralised, quoted when it holds a delimiter, quote or line end."""
    text = neutralise(text)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def extra_columns(scores: Scores, unit_types: Sequence[str]) -> list[str]:
    """The method's own columns after RESPONDENT_COLUMNS, as respondents_long adds them."""
    units = [scores.units[t] for t in unit_types]
    extra = []
    if any(u.n_attained is not None for u in units):
        extra.append("attained_pct")
    if any(u.applied_share is not None for u in units):
        extra += ["applied_share", "frequent"]
    return extra


# --------------------------------------------------------------------------- byte tables
class _Table:
    """Formatted values of one column as a NUL-padded byte matrix, indexed by code."""

    def __init__(self, texts: Sequence[str]):
        encoded = [t.encode("utf-8") for t in texts]
        width = max((len(e) for e in encoded), default=0)
        self.matrix = np.zeros((len(encoded), max(width, 1)), dtype=np.uint8)
        for k, e in enumerate(encoded):
            self.matrix[k, :len(e)] = np.frombuffer(e, dtype=np.uint8)
        if width == 0:
            self.matrix = self.matrix[:, :0]

    def take(self, codes: np.ndarray) -> np.ndarray:
        return self.matrix[codes]


class _Fixed:
    """Numbers to ``decimals`` places by table lookup over [low, high]; NaN -> blank."""

    def __init__(self, low: float, high: float, decimals: int, lead: str = ","):
        self.scale = 10 ** decimals
        self.lo = int(np.floor(low * self.scale))
        self.hi = int(np.ceil(high * self.scale))
        texts = [lead + _trim(f"{k / self.scale:.{decimals}f}") for k in range(self.lo, self.hi + 1)]
        self.table = _Table(texts + [lead])

    @property
    def matrix(self) -> np.ndarray:
        return self.table.matrix

    def codes(self, values: np.ndarray) -> np.ndarray:
        """Row of ``matrix`` for each value (the blank row for NaN or out of range)."""
        with np.errstate(invalid="ignore"):
            k = np.rint(values.astype(np.float64) * self.scale)
        blank = ~np.isfinite(k) | (k < self.lo) | (k > self.hi)
        idx = np.where(blank, self.hi - self.lo + 1, np.nan_to_num(k, nan=self.lo) - self.lo)
        return idx.astype(np.intp)


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _bytes_of(matrix: np.ndarray) -> np.ndarray:
    """The matrix's bytes without the NUL padding (a uint8 array, written as a buffer)."""
    flat = matrix.reshape(-1)
    return flat[flat != 0]


def _prefix_table(ids: np.ndarray, organisations: np.ndarray) -> np.ndarray:
    """'id,organisation,' per respondent as a NUL-padded byte matrix (vectorised)."""
    n = len(ids)
    text = [str(i) for i in ids]
    joined = "\x00".join(text)
    if _SPECIAL.search(joined):
        cells = np.array([csv_cell(t).encode("utf-8") for t in text], dtype=object)
        id_bytes = np.array(cells.tolist(), dtype=bytes) if n else np.zeros(0, dtype="S1")
    else:
        id_bytes = np.char.encode(np.asarray(text, dtype=str), "utf-8") if n else \
            np.zeros(0, dtype="S1")
    width = max(id_bytes.dtype.itemsize, 1)
    id_matrix = np.frombuffer(id_bytes.astype(f"S{width}").tobytes(), dtype=np.uint8)
    id_matrix = id_matrix.reshape(n, width)
    codes, uniques = _factorize(organisations)
    orgs = _Table([f",{csv_cell(str(u))}," for u in uniques] + [",,"])
    return np.concatenate([id_matrix, orgs.take(np.where(codes < 0, len(uniques), codes))],
                          axis=1)


# --------------------------------------------------------------------------- respondents.csv
def write_respondents(scores: Scores, out: BinaryIO, detail: str = "area",
                      chunk: int = CHUNK_RESPONDENTS) -> int:
    """Stream respondents.csv into ``out``; returns the number of data rows.

    The same table as ``scores.respondents_long(unit_types)`` (a test checks
    it), in respondent-major order: unit types, units and stages in instrument order.
    """
    unit_types = [t for t in DETAIL_LEVELS[detail] if t in scores.units]
    extra = extra_columns(scores, unit_types)
    out.write(BOM + ",".join([*RESPONDENT_COLUMNS, *extra]).encode() + NEWLINE)
    responses = scores.responses
    n = len(responses)
    if not n or not unit_types:
        return 0
    prefix = _prefix_table(responses.respondent_id, responses.organisation)
    valid = scores.instrument.scale.valid or (0,)
    means = _Fixed(float(min(min(valid), 0)), float(max(valid)), 2)
    pct = _Fixed(0.0, 100.0, 1)
    share = _Fixed(0.0, 1.0, 3)
    flag = _Table([",0", ",1", ","])
    crlf = np.frombuffer(NEWLINE, dtype=np.uint8)
    plans = []
    for t in unit_types:
        unit: UnitScores = scores.units[t]
        stages = len(unit.stages)
        top = int(max(unit.n_answered.max(initial=0), unit.n_not_reached.max(initial=0),
                      unit.n_items.max(initial=0))) + 1
        labels = _Table([f"{csv_cell(t)},{csv_cell(u)},{csv_cell(s)}"
                         for k, u in enumerate(unit.units) for j, s in enumerate(unit.stages)])
        counts = _Table([f",{n},{a},{b}" for n in range(top) for a in range(top)
                         for b in range(top)])
        levels = [str(lv) for lv in range(stages + 1)] + [""]  # blank: not rated, n/a
        result = _Table([f",{status},{a},{lv}" for status in STAGE_STATUS for a in (0, 1)
                         for lv in levels])
        plans.append((unit, labels, counts, result, top, stages))
    per_respondent = sum(len(p[0].units) * p[5] for p in plans)
    width = (prefix.shape[1] + max(p[1].matrix.shape[1] + p[2].matrix.shape[1]
                                   + p[3].matrix.shape[1] for p in plans)
             + means.matrix.shape[1] + len(crlf))
    if "attained_pct" in extra:
        width += pct.matrix.shape[1]
    if "applied_share" in extra:
        width += share.matrix.shape[1] + flag.matrix.shape[1]
    written = 0
    buffer = np.empty((min(chunk, n), per_respondent, width), dtype=np.uint8)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        m = stop - start
        rows = buffer[:m]
        r0 = 0
        for unit, labels, counts, result, top, stages in plans:
            u = len(unit.units)
            block = rows[:, r0:r0 + u * stages, :]  # respondents x (unit, stage) x bytes
            col = _fill(block, 0, np.broadcast_to(prefix[start:stop, None, :],
                                                  (m, u * stages, prefix.shape[1])))
            col = _fill(block, col, np.broadcast_to(labels.matrix[None, :, :],
                                                    (m, u * stages, labels.matrix.shape[1])))
            asked = np.broadcast_to(unit.items_asked[start:stop] if unit.n_asked is not None
                                    else unit.n_items[None], (m, u, stages))
            n_items = np.minimum(asked.astype(np.intp), top - 1)
            ans = np.minimum(unit.n_answered[start:stop].astype(np.intp), top - 1)
            nr = np.minimum(unit.n_not_reached[start:stop].astype(np.intp), top - 1)
            col = _take(block, col, counts.matrix,
                        ((n_items * top + ans) * top + nr).reshape(m, -1))
            col = _take(block, col, means.matrix, means.codes(unit.mean[start:stop].reshape(m, -1)))
            raw = unit.level[start:stop].astype(np.intp)
            level = np.repeat(np.where(raw >= 0, raw, stages + 1), stages, axis=1)
            ach = unit.achieved[start:stop].reshape(m, -1).astype(np.intp)
            status = unit.status_codes(slice(start, stop)).reshape(m, -1).astype(np.intp)
            col = _take(block, col, result.matrix,
                        (status * 2 + ach) * (stages + 2) + level)
            if "attained_pct" in extra:
                values = unit.attained_pct[start:stop].reshape(m, -1) \
                    if unit.n_attained is not None else np.full((m, u * stages), np.nan)
                col = _take(block, col, pct.matrix, pct.codes(values))
            if "applied_share" in extra:
                if unit.applied_share is not None:
                    applied = np.repeat(unit.applied_share[start:stop], stages, axis=1)
                    frequent = np.repeat(unit.frequent[start:stop], stages, axis=1).astype(np.intp)
                    frequent[np.isnan(applied)] = 2  # not classified: blank
                else:
                    applied = np.full((m, u * stages), np.nan)
                    frequent = np.full((m, u * stages), 2, dtype=np.intp)
                col = _take(block, col, share.matrix, share.codes(applied))
                col = _take(block, col, flag.matrix, frequent)
            col = _fill(block, col, np.broadcast_to(crlf, (m, u * stages, len(crlf))))
            block[:, :, col:] = 0  # unit types with shorter labels end before ``width``
            r0 += u * stages
        out.write(_bytes_of(rows))
        written += m * per_respondent
    return written


def write_respondents_wide(scores: Scores, out: BinaryIO, detail: str = "area",
                           chunk: int = 65_536) -> int:
    """Stream the wide respondents.csv (one row per respondent) into ``out``; returns rows.

    The same table as ``scores.respondents_wide(unit_types)`` (a test checks it):
    respondent_id, organisation, wave, the background answers, then ``{unit}_level``
    for every area and process group (and practice with ``detail="practice"``; blank
    when not rated or not applicable), plus ``{unit}_frequent`` (1/0) for the coverage
    method, then the ``not_rated`` and ``not_applicable`` unit lists. A level is one
    digit, so a row is a lookup per cell.
    """
    unit_types = [t for t in DETAIL_LEVELS[detail] if t in scores.units]
    columns = wide_columns(scores, unit_types)
    out.write(BOM + ",".join(csv_cell(c) for c in columns).encode("utf-8") + NEWLINE)
    responses = scores.responses
    n = len(responses)
    if not n:
        return 0
    prefix = _prefix_table(responses.respondent_id, responses.organisation)
    wave_codes, waves = _factorize(responses.wave)
    wave = _Table([csv_cell(str(w)) for w in waves] + [""])
    wave_codes = np.where(wave_codes < 0, len(waves), wave_codes)
    answers = [_cells(responses.answers(q)) for q in scores.instrument.background_ids]
    parts = [scores.units[t].level for t in unit_types]
    coverage = [np.where(np.isnan(u.applied_share), -1, u.frequent)  # not classified: blank
                for u in (scores.units[t] for t in unit_types) if u.frequent is not None]
    top = max((len(scores.units[t].stages) for t in unit_types), default=0)
    digit = _Table([f",{k}" for k in range(top + 1)] + [",", ","])  # -2, -1: blank
    crlf = np.frombuffer(NEWLINE, dtype=np.uint8)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        m = stop - start
        pieces = [prefix[start:stop], wave.take(wave_codes[start:stop])]
        pieces += [table.take(codes[start:stop]) for table, codes in answers]
        for part in parts + coverage:
            cells = digit.take(part[start:stop].astype(np.intp))  # m x units x bytes
            pieces.append(cells.reshape(m, -1))
        for code in (NOT_RATED, NOT_APPLICABLE):
            texts, which = unit_lists(scores, unit_types, code, slice(start, stop))
            pieces.append(_Table([f",{csv_cell(t)}" for t in texts]).take(which))
        pieces.append(np.broadcast_to(crlf, (m, len(crlf))))
        out.write(_bytes_of(np.concatenate(pieces, axis=1)))
    return n


def _factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of a column of text, -1 for a blank; pandas is imported when
    a table is written, not when the command starts (``python -m scoring --help``)."""
    import pandas as pd

    return pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)


def _cells(values: np.ndarray) -> tuple[_Table, np.ndarray]:
    """A background column as (table of ',cell' texts, row codes): few distinct answers."""
    codes, uniques = _factorize(values)
    texts = [f",{_answer_text(u)}" for u in uniques] + [","]
    return _Table(texts), np.where(codes < 0, len(uniques), codes).astype(np.intp)


def _answer_text(value: object) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else (f"{value:.0f}" if float(value).is_integer()
                                           else f"{value:g}")
    return csv_cell(str(value))


def _fill(block: np.ndarray, col: int, piece: np.ndarray) -> int:
    w = piece.shape[-1]
    block[:, :, col:col + w] = piece
    return col + w


def _take(block: np.ndarray, col: int, table: np.ndarray, codes: np.ndarray) -> int:
    """Write ``table[codes]`` into the next columns of ``block``."""
    w = table.shape[1]
    block[:, :, col:col + w] = table[codes]  # measured faster than np.take(out=...) here
    return col + w


def respondents_csv(scores: Scores, detail: str = "area") -> bytes:
    buf = io.BytesIO()
    write_respondents(scores, buf, detail)
    return buf.getvalue()


# --------------------------------------------------------------------------- small tables
def frame_csv(frame: pd.DataFrame) -> bytes:
    """A small DataFrame as CSV: text neutralised, booleans as 0/1, floats to 6 digits."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([str(c) for c in frame.columns])
    columns = [_column_cells(frame[c]) for c in frame.columns]
    for row in zip(*columns):
        writer.writerow(row)
    return BOM + buf.getvalue().encode("utf-8")


def _column_cells(series: pd.Series) -> Iterable[str]:
    import pandas as pd

    values = series.to_numpy()
    if series.dtype == bool:
        return ["1" if v else "0" for v in values]
    if pd.api.types.is_integer_dtype(series.dtype):
        return [str(int(v)) for v in values]
    if pd.api.types.is_float_dtype(series.dtype):
        return ["" if not np.isfinite(v) else f"{v:.6g}" for v in values]
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append("")
        elif isinstance(v, (bool, np.bool_)):
            out.append("1" if v else "0")
        elif isinstance(v, (float, np.floating)):
            out.append(f"{v:.6g}")
        else:
            out.append(neutralise(str(v)))
    return out


def organisations_csv(scores: Scores) -> bytes:
    """organisations.csv; grouped by a background question (--by), its first column is
    named after the question."""
    frame = scores.organisations
    if scores.by:
        frame = frame.rename(columns={"organisation": scores.by})
    return frame_csv(frame)


def reliability_csv(scores: Scores) -> bytes:
    return frame_csv(scores.reliability)
