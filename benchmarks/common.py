"""What the benchmarks share: the instrument they measure, and measuring a child process."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent


def instrument(profile: str = "generic", lang: str = "zh-TW"):
    """The bundled PMBOK-6 questionnaire for one profile and language."""
    from instrument.compile import compile_instrument
    from instrument.loader import load_bank, load_profile

    bank = load_bank("pmbok6")
    return compile_instrument(bank, load_profile(profile, bank), lang)


class Child(NamedTuple):
    wall: float  # seconds
    peak: int  # peak resident memory in bytes (the child's own rusage)
    code: int  # exit status
    stderr: str


def run_child(cmd: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> Child:
    """Run ``cmd`` and measure it: ``os.wait4`` gives the child's peak memory, which a
    parent-side sampler would miss. stderr is read to the end before waiting, so a
    chatty child cannot block on a full pipe. ``env``: variables added to this one's."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=None if env is None else {**os.environ, **env})
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Child(time.perf_counter() - started, usage.ru_maxrss * 1024, proc.returncode, err)
