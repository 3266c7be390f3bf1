"""Groups so small that their results come close to one person's answers.

Grouping by a background question (``score --by BG_POSITION``) puts in organisations.csv
and the reports the results of everyone who gave one answer to it; a group of one or two
respondents shows their own answers, which the questionnaire's confidentiality text
promises not to do. The scorer still writes the results (the researcher decides), and
says which groups are that small (SCORE_008), so they can be merged or left out of what
is published."""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from instrument.errors import Location, Problem, problem

MIN_GROUP = 3  # the usual small-cell threshold of statistical disclosure control


def small_groups(labels: Iterable[str], minimum: int = MIN_GROUP) -> list[tuple[str, int]]:
    """(group, respondents) of each non-empty group with fewer than ``minimum`` members,
    in the order of first appearance."""
    counts = Counter(label for label in labels if label)
    return [(label, n) for label, n in counts.items() if n < minimum]


def small_group_warnings(labels: Iterable[str], by: str,
                         minimum: int = MIN_GROUP) -> list[Problem]:
    """SCORE_008 for each group of ``--by`` with fewer than ``minimum`` respondents."""
    return [problem("SCORE_008", Location(f"--by {by}"), group=label, n=n,
                    s="" if n == 1 else "s", minimum=minimum, severity="warning")
            for label, n in small_groups(labels, minimum)]
