"""Validated responses: what the reader hands to the scoring methods.

A plain container of numpy arrays, one row per respondent and one column per
``instrument.item_ids`` entry, so that every method is vectorised over
respondents. Produced by ``scoring.read.read_responses``.

When the returns of several forms of one questionnaire are scored together
(``scoring.variants``), ``instrument`` is their union and ``variant`` says which
form each row answered; ``asked_rows`` gives, for a block of rows, which stems
their forms asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from instrument.errors import Problem
from instrument.model import Instrument

from .variants import Variants


@dataclass(frozen=True)
class Responses:
    instrument: Instrument
    respondent_id: np.ndarray  # object array of str, unique
    organisation: np.ndarray  # object array of str ('' when not given)
    wave: np.ndarray  # object array of str ('' when not given)
    values: np.ndarray  # float32, respondents x instrument.item_ids; raw codes (incl. missing
    #                     codes such as 8 and 9); NaN = blank cell
    source_file: np.ndarray  # object array of str: the file each row came from
    source_row: np.ndarray  # int64: the row as the user's spreadsheet shows it (header = 1)
    # background question id -> float64 codes/numbers (NaN = blank) or str text ('' = blank)
    background: Mapping[str, np.ndarray] = field(default_factory=dict)
    variants: Variants | None = None  # None: one form (``Variants.single(instrument)``)
    variant: np.ndarray | None = None  # int8 index into variants.members per row; None: all 0

    def __len__(self) -> int:
        return len(self.respondent_id)

    def column(self, item_id: str) -> np.ndarray:
        return self.values[:, self.instrument.item_ids.index(item_id)]

    def answers(self, question_id: str) -> np.ndarray:
        """One background question's answers (all blank when the files had no column)."""
        if question_id in self.background:
            return np.asarray(self.background[question_id])
        kind = next((q.kind for q in self.instrument.background if q.id == question_id), "")
        return np.full(len(self), "", dtype=object) if kind == "text" else np.full(len(self),
                                                                                    np.nan)

    @property
    def forms(self) -> Variants:
        return self.variants if self.variants is not None else Variants.single(self.instrument)

    def asked_rows(self, rows: slice) -> np.ndarray | None:
        """rows x items: the stems each row's form asked; None when every form asks all."""
        forms = self.forms
        if forms.uniform:
            return None
        variant = self.variant if self.variant is not None else np.zeros(len(self), np.int8)
        return forms.asked[variant[rows]]


@dataclass(frozen=True)
class ReadResult:
    responses: Responses
    warnings: list[Problem] = field(default_factory=list)
