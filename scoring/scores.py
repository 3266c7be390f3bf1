"""Scores: everything a report shows, computed once from Responses.

Per respondent the results are dense numpy arrays (vectorised; a million
respondents x 64 units x 4 stages fits in memory as float32), and long tidy
tables are produced on demand for output. Per organisation they are small
DataFrames. Reports read only this object, never the raw CSV.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from instrument.errors import Problem
from instrument.model import GateRule, Instrument

from .responses import Responses

UNIT_TYPES = ("area", "group", "practice")


@dataclass(frozen=True)
class UnitScores:
    """Results of one unit type (areas, process groups or practices) per respondent."""

    unit_type: str  # one of UNIT_TYPES
    units: tuple[str, ...]  # unit ids in instrument order
    stages: tuple[str, ...]  # stage ids in instrument order
    mean: np.ndarray  # float32, respondents x units x stages; mean of answered stems (NaN if none)
    n_answered: np.ndarray  # int16, respondents x units x stages
    n_not_reached: np.ndarray  # int16, respondents x units x stages (gated out)
    achieved: np.ndarray  # bool, respondents x units x stages
    level: np.ndarray  # int8, respondents x units: consecutive achieved stages from the first


@dataclass(frozen=True)
class Scores:
    instrument: Instrument
    method: str  # 'staged' | 'opm3-binary' | 'coverage'
    rule: GateRule  # the rule actually applied (manifest's, or overridden)
    overrides: dict[str, object]  # command-line overrides of the manifest, {} if none
    responses: Responses
    units: dict[str, UnitScores]  # unit_type -> UnitScores
    organisations: pd.DataFrame  # long: see docs/scoring.md
    reliability: pd.DataFrame  # long: see docs/scoring.md
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # method-specific remarks for reports
