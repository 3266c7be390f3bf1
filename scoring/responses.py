"""Validated responses: what the reader hands to the scoring methods.

A plain container of numpy arrays, one row per respondent and one column per
``instrument.item_ids`` entry, so that every method is vectorised over
respondents. Produced only by ``scoring.read.read_responses``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from instrument.errors import Problem
from instrument.model import Instrument


@dataclass(frozen=True)
class Responses:
    instrument: Instrument
    respondent_id: np.ndarray  # object array of str, unique
    organisation: np.ndarray  # object array of str ('' when not given)
    wave: np.ndarray  # object array of str ('' when not given)
    values: np.ndarray  # float32, respondents x instrument.item_ids; raw codes (incl. missing
    #                     codes such as 9); NaN = blank cell
    source_file: np.ndarray  # object array of str: the file each row came from
    source_row: np.ndarray  # int64: the row as the user's spreadsheet shows it (header = 1)

    def __len__(self) -> int:
        return len(self.respondent_id)

    def column(self, item_id: str) -> np.ndarray:
        return self.values[:, self.instrument.item_ids.index(item_id)]


@dataclass(frozen=True)
class ReadResult:
    responses: Responses
    warnings: list[Problem] = field(default_factory=list)
