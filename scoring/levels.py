"""From achieved stages to levels: the one place that turns stage verdicts into a level.

A level is the number of consecutive achieved stages from the first (S, M, C, I:
0–4), with two verdicts that are not numbers: *not rated*, when the stage that
would break or extend the run has too few substantive answers to be judged
(``instrument.gating.judge``), and *not applicable*, when the respondent's form
asks no stem of the unit. They are kept as negative codes in int8 arrays and
shown as words or blanks in every output, never as numbers.
"""

from __future__ import annotations

import numpy as np

NOT_RATED = -1  # a stage the level depends on has too few substantive answers
NOT_APPLICABLE = -2  # the respondent's form asks no stem of the unit
STATUS = {NOT_RATED: "not rated", NOT_APPLICABLE: "not applicable"}
STAGE_STATUS = ("not achieved", "achieved", "not rated", "not applicable")  # a unit-stage


def consecutive_levels(achieved: np.ndarray) -> np.ndarray:
    """int8 level: the number of consecutive True values from the first, along axis 1.

    ``achieved`` is units x stages x rows (or any array with stages on axis 1).
    """
    running = achieved[:, 0].copy() if achieved.shape[1] else np.zeros(
        achieved.shape[:1] + achieved.shape[2:], dtype=bool)
    level = running.astype(np.int8)
    for s in range(1, achieved.shape[1]):
        running &= achieved[:, s]
        level += running
    return level


def rated_levels(achieved: np.ndarray, rated: np.ndarray, applicable: np.ndarray) -> np.ndarray:
    """int8 level, or ``NOT_RATED`` / ``NOT_APPLICABLE``.

    The number of consecutive achieved stages from the first, unless the stage that
    breaks the run is not rated: then the level is ``NOT_RATED``, since the respondent
    may or may not reach that stage. A unit that is not ``applicable`` is
    ``NOT_APPLICABLE``. ``achieved`` and ``rated`` are units x stages x rows (or any
    array with stages on axis 1); ``applicable`` has the other axes.
    """
    level = consecutive_levels(achieved)
    n_stages = achieved.shape[1]
    if n_stages:
        breaks = np.minimum(level, n_stages - 1).astype(np.intp)
        judged = np.take_along_axis(rated, np.expand_dims(breaks, 1), axis=1)[:, 0]
        level = np.where((level < n_stages) & ~judged, np.int8(NOT_RATED), level)
    return np.where(applicable, level, np.int8(NOT_APPLICABLE)).astype(np.int8)
