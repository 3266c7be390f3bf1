"""Cleaned responses as SPSS ``.sav`` and Stata ``.dta``, labelled from the codebook.

Both files hold one row per respondent: ``respondent_id``, ``organisation``,
``wave``, the background answers (single choices as codes with their choice
labels, numbers, text) and every item of the instrument as a number (the scale's
codes; blank cells are system-missing). Variable labels are the question and item
texts, value labels the choices' and the scale's labels. The scale's missing codes
(8 = no such work, 9 = don't know) stay 8 and 9 in SPSS, declared user-missing;
Stata has no user-missing numbers, so there they become the extended missing
values ``.a``, ``.b``, ... with the code's label.

pyreadstat writes only to a path, so each file goes through a private temporary
folder and is read back as bytes.
"""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from instrument.contract import id_label
from instrument.model import Instrument

from .scores import Scores

# Format limits, in the unit each format counts (checked by tests/test_reports.py):
SAV_VARIABLE_LABEL_BYTES = 256  # readstat cuts longer labels silently
SAV_VALUE_LABEL_BYTES = 120
DTA_VARIABLE_LABEL_CHARS = 80  # readstat refuses longer labels
DTA_VALUE_LABEL_CHARS = 32000
ELLIPSIS = "…"

def truncate(text: str, *, chars: int | None = None, utf8_bytes: int | None = None) -> str:
    """Shorten ``text`` to a format's limit, ending in '…' when cut; never splits a character."""
    text = " ".join(text.split())  # labels are one line

    def fits(s: str) -> bool:
        return ((chars is None or len(s) <= chars)
                and (utf8_bytes is None or len(s.encode("utf-8")) <= utf8_bytes))

    if fits(text):
        return text
    cut = len(text)
    while cut > 0 and not fits(text[:cut] + ELLIPSIS):
        cut -= 1
    return text[:cut] + ELLIPSIS


def _frame(scores: Scores) -> pd.DataFrame:
    responses = scores.responses
    ids = pd.DataFrame({
        "respondent_id": responses.respondent_id.astype(str),
        "organisation": responses.organisation.astype(str),
        "wave": responses.wave.astype(str),
    })
    background = pd.DataFrame({q.id: _background_column(responses.answers(q.id), q.kind)
                               for q in responses.instrument.background})
    # cleaned: answers typed into stems the gate closed are left out, as the scorer ignores them
    items = pd.DataFrame(scores.cleaned(), columns=list(responses.instrument.item_ids),
                         copy=False)
    return pd.concat([ids, background, items], axis=1)


def _background_column(values: np.ndarray, kind: str) -> np.ndarray:
    if kind == "text":
        return np.array(["" if v is None else str(v) for v in values], dtype=object)
    return np.asarray(values, dtype="float64")


def _variable_labels(instrument: Instrument, language: str, **limit: int) -> dict[str, str]:
    labels = {c: id_label(c, language) for c in ("respondent_id", "organisation", "wave")}
    labels.update({q.id: q.label for q in instrument.background})
    labels.update({item.id: item.text for item in instrument.items})
    return {k: truncate(v, **limit) for k, v in labels.items()}


def _choice_labels(instrument: Instrument, **limit: int) -> dict[str, dict[int, str]]:
    return {q.id: {c.code: truncate(c.label, **limit) for c in q.choices}
            for q in instrument.background if q.kind == "single"}


def sav_bytes(scores: Scores, language: str) -> bytes:
    """SPSS: codes as numbers, missing codes declared user-missing, labels from the codebook."""
    import pyreadstat

    inst = scores.instrument
    scale = inst.scale
    values = {c.code: truncate(c.label, utf8_bytes=SAV_VALUE_LABEL_BYTES) for c in scale.codes}
    width = max(len(str(c)) for c in scale.all_codes)
    items = inst.item_ids
    missing = list(scale.missing)[:3]  # SPSS allows three discrete missing values
    with tempfile.TemporaryDirectory(prefix="opm-sav-") as tmp:
        path = Path(tmp) / "responses.sav"
        pyreadstat.write_sav(
            _frame(scores), str(path),
            file_label=truncate(f"{inst.bank_title} {inst.id}", chars=64),
            column_labels=_variable_labels(inst, language, utf8_bytes=SAV_VARIABLE_LABEL_BYTES),
            variable_value_labels={**{i: values for i in items},
                                   **_choice_labels(inst, utf8_bytes=SAV_VALUE_LABEL_BYTES)},
            missing_ranges={i: missing for i in items} if missing else None,
            variable_measure={i: "ordinal" for i in items},
            variable_format={i: f"F{width}.0" for i in items},
        )
        return path.read_bytes()


def dta_bytes(scores: Scores, language: str) -> bytes:
    """Stata: missing codes become extended missing values .a, .b, ... keeping their labels."""
    import pyreadstat

    inst = scores.instrument
    scale = inst.scale
    letter = dict(zip(scale.missing, string.ascii_lowercase))
    labels: dict[int | str, str] = {
        letter.get(c.code, c.code): truncate(c.label, chars=DTA_VALUE_LABEL_CHARS)
        for c in scale.codes}
    frame = _frame(scores)
    if letter:
        # each distinct value as one shared Python object (a pointer per cell, not a new float
        # per cell: a million respondents' columns would otherwise take 6 GB)
        codes = [float(c) for c in scale.all_codes]
        shared = np.array([letter.get(c, c) for c in codes] + [np.nan], dtype=object)
        for item in inst.item_ids:
            column = frame[item].to_numpy(dtype=np.float64)
            if not np.isin(column, list(letter)).any():  # only columns that hold a missing code
                continue
            index = np.full(len(column), len(codes))  # blank: the NaN at the end of ``shared``
            for j, code in enumerate(codes):
                index[column == code] = j
            frame[item] = shared[index]
    with tempfile.TemporaryDirectory(prefix="opm-dta-") as tmp:
        path = Path(tmp) / "responses.dta"
        pyreadstat.write_dta(
            frame, str(path),
            file_label=truncate(f"{inst.bank_title} {inst.id}", chars=80),
            column_labels=_variable_labels(inst, language, chars=DTA_VARIABLE_LABEL_CHARS),
            variable_value_labels={**{i: labels for i in inst.item_ids},
                                   **_choice_labels(inst, chars=DTA_VALUE_LABEL_CHARS)},
            missing_user_values={i: list(letter.values()) for i in inst.item_ids} if letter else None,
        )
        return path.read_bytes()
