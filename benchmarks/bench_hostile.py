#!/usr/bin/env python3
"""Hostile input: a sweep of hundreds of small cases, then the scorer's bounds at full size.

**The sweep** (``benchmarks/hostile_sweep.py``) runs each case with the real command in
a child process under a time limit and counts the cases tried and those that gave a
traceback, a hang or a lost file (target: 0, 0, 0): odd ids and organisation names,
special files in every input position, broken response files, hostile bank rules,
kills at random moments and between the renames of a swap, full disks and read-only
folders (root only), symbolic links, a user's files in an output folder, concurrent
runs. It prints a line per kind of case, each failure, and the totals.

**At full size**, each case is a file written into a temporary folder and checked with the real
command, ``python -m scoring check FILE --manifest M`` (``--max-file-size 2048``,
the default), in a child process whose wall time and peak resident memory are
measured. A case passes when the exit status is the one expected, stderr has no
traceback, and the peak memory stays under the case's bound:

  one-row-1gb     1 GB with no line end (a lost quote, or a file that is one line):
                  refused after the 64 MB row limit (CSV_023); bound 400 MB
  valid-1gb       a 1 GB file of valid answers (about 2.7 million respondents):
                  read; bound: the answers as float32 (4 bytes a cell) + 400 bytes a
                  respondent (its id as a Python string, file, row) + 400 MB
  columns-10k     10,000 columns x 10,000 rows: refused at the header (CSV_007,
                  limit 5,000 columns); bound 300 MB
  cells-1mb       200 rows whose organisation cell holds 1 MB of text: each
                  reported (CSV_019, limit 1,000 characters); bound 500 MB
  binary-1gb      1 GB of random bytes named .csv: refused as not UTF-8 nor
                  Big5 (CSV_003) at the first bad byte; bound 300 MB

Exit status 1 if any case of the sweep fails or any full-size case misses its bound
(``tests/test_load.py`` runs this under the ``slow`` marker: ``python -m pytest -m slow``).

    python benchmarks/bench_hostile.py
    python benchmarks/bench_hostile.py --only columns-10k --only cells-1mb
    python benchmarks/bench_hostile.py --only ids --only special   # parts of the sweep
    python benchmarks/bench_hostile.py --no-big                    # the sweep alone
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import instrument, run_child  # noqa: E402  (benchmarks/ is this script's folder)
from hostile_sweep import KINDS, summary, sweep  # noqa: E402
GB = 1024**3
MB = 1024**2
PER_RESPONDENT = 400  # bytes beside the answers: the id as a Python str, file, row, organisation


def header(inst, extra: int = 0) -> str:
    return ",".join(["respondent_id", "organisation", "instrument", "wave", *inst.item_ids,
                     *(f"extra{k}" for k in range(extra))])


def one_row(path: Path, inst) -> tuple[int, str]:
    row = ("4," * (MB // 2)).encode()
    with open(path, "wb") as fh:
        fh.write((header(inst) + "\n" + f"R1,A,{inst.id},,").encode())
        for _ in range(GB // len(row)):
            fh.write(row)
    return 1, "CSV_023"


def valid(path: Path, inst) -> tuple[int, str]:
    rng = np.random.default_rng(3)
    cells = np.array([b"", b"1", b"2", b"3", b"4", b"5", b"9"], dtype=object)
    block = 20_000
    written = 0
    with open(path, "wb") as fh:
        fh.write((header(inst) + "\n").encode())
        r = 0
        while written < GB:
            codes = rng.integers(0, len(cells), size=(block, len(inst.item_ids)))
            lines = []
            for k in range(block):
                r += 1
                lines.append(b"R%d,A,%s,,%s\n" % (r, inst.id.encode(), b",".join(cells[codes[k]])))
            data = b"".join(lines)
            fh.write(data)
            written += len(data)
    return 0, "ok"


def columns(path: Path, inst) -> tuple[int, str]:
    extra = 10_000 - 4 - len(inst.item_ids)
    row = ",".join(["R1", "A", inst.id, ""] + ["4"] * len(inst.item_ids) + [""] * extra)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(header(inst, extra) + "\n")
        for _ in range(10_000):
            fh.write(row + "\n")
    return 1, "CSV_007"


def big_cells(path: Path, inst) -> tuple[int, str]:
    answers = ",".join(["4"] * len(inst.item_ids))
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(header(inst) + "\n")
        for r in range(200):
            fh.write(f"R{r},{'長' * (MB // 3)},{inst.id},,{answers}\n")
    return 1, "CSV_019"


def binary(path: Path, inst) -> tuple[int, str]:
    rng = np.random.default_rng(5)
    with open(path, "wb") as fh:
        for _ in range(GB // (64 * MB)):
            fh.write(rng.integers(0, 256, size=64 * MB, dtype=np.uint8).tobytes())
    return 1, "CSV_003"


CASES = {"one-row-1gb": one_row, "valid-1gb": valid, "columns-10k": columns,
         "cells-1mb": big_cells, "binary-1gb": binary}


def bound_mb(case: str, path: Path, inst) -> float:
    if case == "valid-1gb":
        with open(path, "rb") as fh:
            rows = sum(block.count(b"\n") for block in iter(lambda: fh.read(64 * MB), b"")) - 1
        return rows * (len(inst.item_ids) * 4 + PER_RESPONDENT) / MB + 400
    return {"one-row-1gb": 400, "columns-10k": 300, "cells-1mb": 500, "binary-1gb": 300}[case]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", choices=sorted(CASES) + sorted(KINDS),
                    default=None, help="run only these cases (full-size) or kinds (sweep)")
    ap.add_argument("--no-big", action="store_true", help="the sweep only, no 1 GB files")
    args = ap.parse_args(argv)
    kinds = [k for k in args.only or KINDS if k in KINDS]
    big = [] if args.no_big else [c for c in args.only or CASES if c in CASES]
    failed = 0
    if kinds:
        work = Path(tempfile.mkdtemp(prefix="bench-hostile-sweep-"))
        try:
            print("hostile-case sweep:")
            results = sweep(work, kinds)
            failed += sum(not r.ok for r in results)
            print(summary(results), flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if big:
        failed += full_size(big)
    return 1 if failed else 0


def full_size(cases: list[str]) -> int:
    """The 1 GB cases: exit status, message and peak memory against each bound."""
    from instrument.tables import manifest_json

    inst = instrument()
    work = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    failed = 0
    try:
        manifest = work / "manifest.json"
        manifest.write_bytes(manifest_json(inst))
        print(f"{'case':<13}{'size':>9}{'exit':>6}{'wall s':>8}{'peak MB':>9}{'bound MB':>10}  "
              "message")
        for case in cases:
            path = work / f"{case}.csv"
            want_code, want = CASES[case](path, inst)
            bound = bound_mb(case, path, inst)
            wall, peak_bytes, code, err = run_child([sys.executable, "-m", "scoring", "check",
                                                     str(path), "--manifest", str(manifest)])
            peak = peak_bytes / MB
            first = next((line for line in err.splitlines() if "[" in line), err.strip()[:80])
            ok = (code == want_code and "Traceback" not in err and peak <= bound
                  and (want == "ok" or want in err))
            failed += not ok
            print(f"{case:<13}{path.stat().st_size / MB:8,.0f}M{code:>6}{wall:8.1f}{peak:9,.0f}"
                  f"{bound:10,.0f}  {'ok ' if ok else 'FAIL '}{first[:90]}", flush=True)
            path.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
