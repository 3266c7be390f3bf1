#!/usr/bin/env python3
"""Where the bundled demo's time goes: ``python -m scoring demo`` (60 respondents), split.

Run as a child of ``bench_scoring.py`` (``python benchmarks/demo_split.py OUT.json``):
imports ``scoring.cli`` and the modules the outputs import when they are first used,
each timed, then runs the real ``demo`` command in this process with timers wrapped
around the public functions it calls (reading, scoring, each output, writing --out),
and writes {phase: seconds} as JSON. The interpreter's own start-up is measured by the
parent (``python -c pass``). Phases are wall time; reading includes the scoring that
overlaps it in the scoring thread, which is also given on its own (``scoring, thread``).
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIMES: dict[str, float] = defaultdict(float)


def _timed(owner: object, name: str, label: str) -> None:
    """Replace ``owner.name`` with a wrapper adding its wall time to TIMES[label]."""
    real = getattr(owner, name)

    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - t

    setattr(owner, name, wrapper)


def _import(module: str, label: str) -> None:
    t = time.perf_counter()
    importlib.import_module(module)
    TIMES[label] += time.perf_counter() - t


def main(out: Path) -> None:
    _import("scoring.cli", "imports: scoring.cli (every command)")
    _import("scoring.read", "imports: reader (pandas, pyarrow)")
    for module, label in (("scoring.methods", "imports: scoring core"),
                          ("scoring.reports", "imports: report view"),
                          ("scoring.report_html", "imports: html (jinja2)"),
                          ("scoring.report_pdf", "imports: pdf (reportlab)"),
                          ("pyreadstat", "imports: sav/dta (pyreadstat)")):
        _import(module, label)
    from scoring import cli, methods, output, read, report_html, report_pdf, reports

    _timed(read, "read_files", "reading (scoring overlapped)")  # imported where it is used
    _timed(methods.Scorer, "feed", "scoring, thread (overlapped with reading)")
    _timed(methods.Scorer, "finish", "scoring: organisation tables")
    _timed(output.tidy, "write_respondents_wide", "output csv: respondents.csv")
    _timed(output.tidy, "organisations_csv", "output csv: organisations.csv")
    _timed(output.tidy, "reliability_csv", "output csv: reliability.csv")
    _timed(reports, "build_view", "output html+pdf: report view")
    _timed(report_html, "render_html", "output html")
    _timed(report_pdf, "font_problems", "output pdf: font check (registers the font)")
    _timed(report_pdf, "render_pdf", "output pdf")
    _timed(reports, "sav_bytes", "output sav")
    _timed(reports, "dta_bytes", "output dta")
    _timed(cli, "write_folder", "writing --out (streams respondents.csv)")
    with tempfile.TemporaryDirectory(prefix="demo-split-") as tmp:
        t = time.perf_counter()
        try:
            cli.cli(["demo", "--out", str(Path(tmp) / "out")], standalone_mode=False)
        finally:
            TIMES["command (all of the above but imports)"] = time.perf_counter() - t
    TIMES["process, after the interpreter started"] = time.perf_counter() - STARTED
    out.write_text(json.dumps(TIMES, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
