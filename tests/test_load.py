"""Heavy cases, behind the ``slow`` marker (``python -m pytest -m slow``; not in CI).

Each runs a benchmark that measures the real commands in child processes and exits
non-zero when a bound it states is missed; the figures are printed (``-s``).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def _bench(*args: str, timeout: float = 3600) -> None:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hostile_files_at_full_size_stay_within_their_memory_bounds():
    """The hostile-case sweep (no traceback, hang or lost file in 282 cases), then 1 GB files
    (one endless row, valid answers, random bytes), 10,000 columns, 1 MB cells."""
    _bench("benchmarks/bench_hostile.py")


def test_scoring_a_million_respondents():
    _bench("benchmarks/bench_scoring.py", "--skip", "long", "--skip", "stats")


def test_followups_from_a_100000_row_wave1_file_do_not_grow_in_memory():
    _bench("benchmarks/bench_followup_load.py", "--seconds", "120")
