#!/usr/bin/env python3
"""Load: wave-2 follow-ups from a 100,000-row wave-1 CSV, with memory watched as forms grow.

Writes a wave-1 CSV (the gate-stage stems only, as the wave-1 form holds them) of N
respondents (default 100,000) in a few organisations, builds the pb zh-TW manifest,
then runs the real command in a child process:

    python build.py followup wave1.csv --manifest manifest.json --combined --out DIR

and samples the child's resident memory (VmRSS) and the number of forms written so
far every second. A form a respondent needs is drawn, written and forgotten; the
combined printing PDF is split every 500 forms (``instrument.pdf.COMBINED_BATCH``),
so memory must stay flat however many forms have been written: the table shows it,
and the last lines compare the memory at the end with the memory once the first
printing file was done (ratio near 1.0 = bounded). Exit status 1 if the ratio
exceeds 1.10.

All 100,000 forms take about an hour on one core (about 1.1 million pages at some
260 pages per second), so by default the child is stopped after ``--seconds``
(default 180); ``--seconds 0`` runs it to the end.

    python benchmarks/bench_followup_load.py
    python benchmarks/bench_followup_load.py --rows 20000 --seconds 0
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import instrument  # noqa: E402  (benchmarks/ is this script's folder)


def make_inputs(work: Path, rows: int, seed: int) -> tuple[Path, Path]:
    from instrument.tables import manifest_json

    inst = instrument("pb", "zh-TW")
    manifest = work / "manifest.json"
    manifest.write_bytes(manifest_json(inst))
    gate = [i for i in inst.items if i.stage == inst.gate_stage]
    rng = np.random.default_rng(seed)
    # an area passes for ~60 % of respondents: its S stems high (4-5) or low (1-3)
    passes = rng.random((rows, len(inst.areas))) < 0.6
    area_index = {a.id: k for k, a in enumerate(inst.areas)}
    cols = np.array([area_index[i.area] for i in gate])
    high = rng.integers(4, 6, size=(rows, len(gate)))
    low = rng.integers(1, 4, size=(rows, len(gate)))
    codes = np.where(passes[:, cols], high, low)
    path = work / "wave1.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(",".join(["respondent_id", "organisation", "instrument", "wave",
                           *(i.id for i in gate)]) + "\r\n")
        for r in range(rows):
            fh.write(f"W{r + 1:06d},臺北市政府第{r % 12 + 1}局,{inst.id},1,"
                     + ",".join(map(str, codes[r])) + "\r\n")
    return path, manifest


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def forms_written(root: Path) -> int:
    return sum(1 for _ in root.glob(".staging-*/new/wave2-*.pdf"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=180.0,
                    help="stop the child after this long (0 = run to the end)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-followup-"))
    try:
        started = time.perf_counter()
        wave1, manifest = make_inputs(work, args.rows, args.seed)
        print(f"wave-1 CSV: {args.rows:,} respondents, {wave1.stat().st_size / 1e6:.1f} MB "
              f"(made in {time.perf_counter() - started:.1f} s)")
        out = work / "out" / "wave2"
        cmd = [sys.executable, str(ROOT / "build.py"), "followup", str(wave1), "--manifest",
               str(manifest), "--combined", "--out", str(out)]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        samples: list[tuple[float, int, float]] = []
        while proc.poll() is None:
            time.sleep(1.0)
            mb = rss_mb(proc.pid)
            if mb is not None:
                samples.append((time.perf_counter() - started, forms_written(out.parent), mb))
            if args.seconds and time.perf_counter() - started > args.seconds:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
                break
        finished = proc.returncode == 0
        print(f"{'s':>6}{'forms':>9}{'RSS MB':>9}")
        step = max(1, len(samples) // 15)
        for t, forms, mb in samples[::step] + samples[-1:]:
            print(f"{t:6.0f}{forms:9,}{mb:9.0f}")
        from instrument.pdf import COMBINED_BATCH

        drawing = [s for s in samples if s[1] > 0]
        settled = [s for s in samples if s[1] >= COMBINED_BATCH]  # one printing file done
        if drawing:
            first, last = drawing[0], drawing[-1]
            rate = (last[1] - first[1]) / max(last[0] - first[0], 1e-9)
            print(f"forms {first[1]:,} -> {last[1]:,} ({rate:.1f} forms/s): RSS {first[2]:.0f} -> "
                  f"{last[2]:.0f} MB, peak {max(s[2] for s in drawing):.0f} MB")
        if len(settled) > 1:
            first, last = settled[0], settled[-1]
            print(f"after the first printing file ({COMBINED_BATCH} forms): RSS {first[2]:.0f} MB "
                  f"at {first[1]:,} forms, {last[2]:.0f} MB at {last[1]:,} forms; ratio "
                  f"{last[2] / first[2]:.2f} (1.00 = memory does not grow with the forms)")
            reading = [s for s in samples if s[1] == 0]
            if reading:
                print(f"before the first form (reading {args.rows:,} rows and planning): "
                      f"{reading[-1][0]:.0f} s, {max(s[2] for s in reading):.0f} MB")
        print("run finished: " + (proc.stdout.read().decode(errors="replace").strip()
                                  if finished else f"no (stopped after {args.seconds:.0f} s)"))
        grew = len(settled) > 1 and settled[-1][2] > 1.10 * settled[0][2]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if grew or (finished is False and not args.seconds) else 0


if __name__ == "__main__":
    sys.exit(main())
