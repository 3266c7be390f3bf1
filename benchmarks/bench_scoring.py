#!/usr/bin/env python3
"""Benchmark: the scorer end to end against a plain pandas.read_csv of the same file.

Generates N respondents x 196 items (default 1,000,000) of realistic answers:
a few organisations, a latent maturity per respondent and knowledge area,
don't-know codes, and the higher stages of areas that fail the gate left blank
exactly as the gate rule says. Then runs, each in its own process, and measures
wall time and peak resident memory (``os.wait4`` rusage of that child):

  (a) ``pandas.read_csv(FILE)``                      the baseline
  (b) ``python -m scoring check FILE``               read + validate only
  (c) ``python -m scoring score FILE --out DIR``     end to end, default outputs
  (d) ``... score --respondents long --format csv``  the tidy per-stage table (opt-in)
  (e) ``... score --format sav --format dta``        the cleaned-response exports

Target (issues 5, 17): (c) at most 1.5 x the time of (a) (medians) and no more peak
memory. (a) and (c) run ``--repeat`` times (3), round by round, and min and median
are printed; ``--before DIR`` runs (c) also with the code in DIR (e.g. main), in the
same rounds. The load average is printed, as the machine may be shared. First, the
bundled demo (60 respondents) end to end (before and after) and split by phase
(``demo_split.py``): interpreter start-up, imports, reading, scoring, each output.
Exit status 1 if a run fails or (c) peaks above (a); the time ratio is printed.
Above 100,000 respondents the default run leaves out responses.sav and .dta
(SPSS stores 8 bytes a cell: 1.6 GB for a million respondents); (e) measures
what asking for them costs. (d) is the 60-rows-per-respondent table that was the
default before 0.3 (4 GB for a million respondents).

\b
    python benchmarks/bench_scoring.py              # 1,000,000 respondents
    python benchmarks/bench_scoring.py --n 100000   # smaller, quicker
    python benchmarks/bench_scoring.py --keep DIR   # keep the generated files in DIR
    git archive main | tar -x -C /tmp/main-code
    python benchmarks/bench_scoring.py --before /tmp/main-code --profile
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import instrument, run_child  # noqa: E402  (benchmarks/ is this script's folder)

ORGANISATIONS = ["臺北市政府工務局公園路燈工程管理處", "臺北市政府民政局", "臺北市政府社會局",
                 "臺北市政府資訊局", "臺北市政府交通局", "臺北智慧城市專案辦公室", "臺北市政府文化局",
                 "臺北市政府產業發展局"]
# how much each knowledge area is used (the thesis: cost, procurement, resources, risk sparse)
AREA_SHIFT = {"INT": 0.6, "SCO": 0.5, "SCH": 0.5, "COS": -0.6, "QUA": 0.1, "RES": -0.5,
              "COM": 0.3, "RSK": -0.7, "PRO": -0.6, "STK": 0.5}


def answers(inst, n: int, rng: np.random.Generator) -> np.ndarray:
    """Respondents x items, float32 codes, NaN blank; gated-out stems blank by the gate rule."""
    from instrument.gating import gate_matrix

    items = inst.items
    area_index = {a.id: k for k, a in enumerate(inst.areas)}
    stage_index = {s: k for k, s in enumerate(inst.stage_ids)}
    item_area = np.array([area_index[i.area] for i in items])
    item_stage = np.array([stage_index[i.stage] for i in items])
    shift = np.array([AREA_SHIFT.get(a.id, 0.0) for a in inst.areas], dtype=np.float32)
    out = np.empty((n, len(items)), dtype=np.float32)
    chunk = 100_000
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        person = rng.normal(3.3, 0.7, size=(m, 1)).astype(np.float32)
        latent = person + shift[None, :] + rng.normal(0, 0.4, size=(m, len(shift))).astype(np.float32)
        base = latent[:, item_area] - 0.45 * item_stage[None, :]
        noisy = base + rng.normal(0, 0.7, size=base.shape).astype(np.float32)
        codes = np.clip(np.rint(noisy), 1, 5)
        u = rng.random(size=codes.shape, dtype=np.float32)
        codes[u < 0.02] = 9  # don't know
        codes[u > 0.99] = np.nan  # skipped
        opened = gate_matrix(inst, codes.astype(np.float64))
        closed = ~opened[:, item_area] & (item_stage[None, :] > 0)
        codes[closed] = np.nan
        out[start:start + m] = codes
    return out


def write_csv(path: Path, inst, values: np.ndarray, rng: np.random.Generator) -> None:
    """Fast CSV writer: each row as fixed-width bytes, NUL padding squeezed out."""
    n, k = values.shape
    header = ",".join(["respondent_id", "organisation", "instrument", "wave", *inst.item_ids])
    orgs = [o.encode() for o in ORGANISATIONS]
    width = max(len(o) for o in orgs)
    org_table = np.zeros((len(orgs), width + 1), dtype=np.uint8)
    for j, o in enumerate(orgs):
        org_table[j, :len(o)] = np.frombuffer(o, dtype=np.uint8)
        org_table[j, width] = ord(",")
    inst_bytes = np.frombuffer(f"{inst.id},,".encode(), dtype=np.uint8)  # instrument, wave
    with open(path, "wb") as fh:
        fh.write(("\ufeff" + header + "\r\n").encode())
        chunk = 50_000
        for start in range(0, n, chunk):
            part = values[start:start + chunk]
            m = len(part)
            ids = np.char.encode(np.char.add("R", np.char.zfill(
                np.arange(start + 1, start + m + 1).astype(str), 7)), "ascii")
            id_bytes = np.frombuffer(ids.tobytes(), dtype=np.uint8).reshape(m, -1)
            org = org_table[rng.choice(len(orgs), size=m, p=_org_weights(len(orgs)))]
            cells = np.zeros((m, k, 2), dtype=np.uint8)
            blank = np.isnan(part)
            digits = np.where(blank, 0, part).astype(np.uint8) + ord("0")
            cells[:, :, 0] = np.where(blank, 0, digits)
            cells[:, :, 1] = ord(",")
            cells[:, -1, 1] = ord("\r")
            row = np.concatenate([id_bytes, np.full((m, 1), ord(","), np.uint8), org,
                                  np.broadcast_to(inst_bytes, (m, len(inst_bytes))),
                                  cells.reshape(m, -1), np.full((m, 1), ord("\n"), np.uint8)],
                                 axis=1)
            flat = row.ravel()
            fh.write(flat[flat != 0].tobytes())


def _org_weights(n: int) -> np.ndarray:
    w = np.linspace(2.0, 1.0, n)
    return w / w.sum()


def generate(work: Path, n: int, seed: int) -> None:
    """Write manifest.json and responses.csv into ``work`` (run in a child process)."""
    from instrument.tables import manifest_json

    inst = instrument()
    (work / "manifest.json").write_bytes(manifest_json(inst))
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    values = answers(inst, n, rng)
    data = work / "responses.csv"
    write_csv(data, inst, values, rng)
    blank = float(np.isnan(values).mean())
    print(f"generated {n:,} respondents x {len(inst.item_ids)} items "
          f"({data.stat().st_size / 1e6:,.0f} MB, {blank:.0%} blank cells) in "
          f"{time.perf_counter() - started:.1f} s: {data}", flush=True)


def _stats(walls: list[float]) -> tuple[float, float]:
    return min(walls), statistics.median(walls)


def _load() -> str:
    return "load average " + " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1/5/15 min)"


def measure(runs: dict[str, tuple[list[str], Path, dict | None]], repeat: int,
            once: set[str]) -> dict[str, list[tuple[float, int, int]]]:
    """Each run ``repeat`` times (those in ``once`` once), round by round so that a change
    of load on the shared machine falls on every run alike; prints each measurement."""
    results: dict[str, list[tuple[float, int, int]]] = {label: [] for label in runs}
    for round_ in range(repeat):
        for label, (cmd, cwd, env) in runs.items():
            if round_ and label in once:
                continue
            wall, peak, code, err = run_child(cmd, cwd, env)
            if code:
                print(f"  ! {label}: exited {code}:\n{err[-2000:]}", file=sys.stderr)
            results[label].append((wall, peak, code))
            print(f"  [{round_ + 1}/{repeat}] {label:<24} {wall:8.2f} s  {peak / 2**20:8,.0f} MiB"
                  + ("" if code == 0 else f"  (exit {code})"), flush=True)
    return results


def summary(results: dict[str, list[tuple[float, int, int]]], base: str) -> None:
    """min and median wall, peak memory, and both against ``base``."""
    base_min, base_med = _stats([w for w, _, _ in results[base]])
    base_mem = max(m for _, m, _ in results[base])
    print(f"{'':26}{'min s':>8}{'median s':>10}{'peak MiB':>10}{'min x':>8}{'median x':>10}"
          f"{'memory x':>10}")
    for label, found in results.items():
        lo, med = _stats([w for w, _, _ in found])
        mem = max(m for _, m, _ in found)
        print(f"  {label:<24}{lo:8.2f}{med:10.2f}{mem / 2**20:10,.0f}{lo / base_min:8.2f}"
              f"{med / base_med:10.2f}{mem / base_mem:10.2f}")


def profile(py: str, cmd: list[str], cwd: Path, env: dict | None, top: int = 12) -> None:
    """cProfile of ``cmd`` (the main thread; the scoring thread's share shows as waits)."""
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        stats_file = Path(tmp) / "run.prof"
        run_child([py, "-m", "cProfile", "-o", str(stats_file), *cmd[1:]], cwd, env)
        stream = io.StringIO()
        pstats.Stats(str(stats_file), stream=stream).sort_stats("tottime").print_stats(top)
        lines = stream.getvalue().splitlines()
        head = next((k for k, line in enumerate(lines) if "ncalls" in line), 0)
        print("\n".join(line[:150] for line in lines[head:head + top + 1]))


def demo(py: str, before: Path | None, repeat: int, work: Path) -> None:
    """The bundled demo (60 respondents): end to end, then split by phase."""
    runs = {"python -c pass": ([py, "-c", "pass"], ROOT, None),
            "import scoring.cli": ([py, "-c", "import scoring.cli"], ROOT, None),
            "demo, after": ([py, "-m", "scoring", "demo", "--out", str(work / "demo")], ROOT,
                            None)}
    if before is not None:
        runs["demo, before"] = ([py, "-m", "scoring", "demo", "--out", str(work / "demo-b")],
                                before, {"PYTHONPATH": str(before)})
    print(f"the bundled demo (60 respondents), {_load()}:")
    found = measure(runs, repeat, set())
    summary(found, "demo, after")
    splits = []
    for k in range(repeat):
        out = work / f"split-{k}.json"
        child = run_child([py, str(Path(__file__).parent / "demo_split.py"), str(out)])
        if child.code:
            raise SystemExit(f"demo_split.py exited {child.code}:\n{child.stderr[-2000:]}")
        splits.append(json.loads(out.read_text(encoding="utf-8")))
    phase = {name: statistics.median(s.get(name, 0.0) for s in splits) for name in splits[0]}
    interpreter = _stats([w for w, _, _ in found["python -c pass"]])[1]
    command = phase.pop("command (all of the above but imports)")
    total = phase.pop("process, after the interpreter started")
    print(f"demo split (after; median of {repeat}; seconds of wall time):")
    print(f"  {'interpreter start-up (python -c pass)':<52}{interpreter:7.3f}")
    for name, value in phase.items():
        print(f"  {name:<52}{value:7.3f}")
    nested = phase["scoring, thread (overlapped with reading)"] + sum(
        phase.get(n, 0.0) for n in ("output csv: respondents.csv",))
    measured = sum(v for n, v in phase.items() if not n.startswith("imports")) - nested
    print(f"  {'rest of the command (questionnaire: bank, profile and':<52}"
          f"{command - measured:7.3f}\n    both languages loaded; CLI)")
    print(f"  {'in all (interpreter + process)':<52}{interpreter + total:7.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="respondents (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing (default 3)")
    parser.add_argument("--before", type=Path, default=None,
                        help="a checkout of the code to compare with, e.g. made by "
                             "'git archive main | tar -x -C DIR' (run with this venv)")
    parser.add_argument("--profile", action="store_true",
                        help="also print cProfile's top costs of score (and of --before's)")
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep the files in")
    parser.add_argument("--skip", action="append", default=[],
                        choices=["check", "score", "long", "stats", "demo"],
                        help="leave out a measurement (repeatable)")
    parser.add_argument("--generate", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate is not None:  # the child that makes the data
        generate(args.generate, args.n, args.seed)
        return 0

    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="bench-scoring-", dir=args.keep))
    before = args.before.resolve() if args.before else None
    try:
        py = sys.executable
        if "demo" not in args.skip:
            demo(py, before, args.repeat, work)
        print(_load())
        # Generate in a child process: a child inherits its parent's peak RSS (Linux keeps
        # ru_maxrss across fork and exec), so this process must stay small while it measures.
        subprocess.run([py, __file__, "--generate", str(work), "--n", str(args.n),
                        "--seed", str(args.seed)], check=True)
        data, manifest = work / "responses.csv", work / "manifest.json"
        score = ["-m", "scoring", "score", str(data), "--manifest", str(manifest)]
        runs = {"pandas.read_csv": ([py, "-c", "import sys, pandas; pandas.read_csv(sys.argv[1])",
                                     str(data)], ROOT, None)}
        if "score" not in args.skip:
            runs["scoring score"] = ([py, *score, "--out", str(work / "out")], ROOT, None)
            if before is not None:
                runs["scoring score, before"] = ([py, *score, "--out", str(work / "out-b")],
                                                 before, {"PYTHONPATH": str(before)})
        if "check" not in args.skip:
            runs["scoring check"] = ([py, "-m", "scoring", "check", str(data), "--manifest",
                                      str(manifest)], ROOT, None)
        if "long" not in args.skip:
            runs["score, long csv"] = ([py, *score, "--out", str(work / "out-long"), "--format",
                                        "csv", "--respondents", "long"], ROOT, None)
        if "stats" not in args.skip:
            runs["score, sav + dta"] = ([py, *score, "--out", str(work / "out-stats"),
                                         "--format", "sav", "--format", "dta"], ROOT, None)
        print(f"{args.n:,} respondents, {_load()}:")
        results = measure(runs, args.repeat, {"scoring check", "score, long csv",
                                               "score, sav + dta"})
        print(f"after the runs: {_load()}")
        for name in ("out", "out-long", "out-stats"):
            for made in sorted((work / name).glob("*")) if (work / name).is_dir() else ():
                print(f"  {name}/{made.name}: {made.stat().st_size / 1e6:,.1f} MB")
        print(f"against pandas.read_csv (min and median of {args.repeat}; memory: the highest "
              "peak):")
        summary(results, "pandas.read_csv")
        status = 1 if any(code for found in results.values() for _, _, code in found) else 0
        if "scoring score" in results:
            base_t = statistics.median(w for w, _, _ in results["pandas.read_csv"])
            base_m = max(m for _, m, _ in results["pandas.read_csv"])
            t = statistics.median(w for w, _, _ in results["scoring score"])
            m = max(m for _, m, _ in results["scoring score"])
            print(f"target, time (score <= 1.5 x read, medians): "
                  f"{'met' if t <= 1.5 * base_t else 'NOT met'} ({t / base_t:.2f} x); memory "
                  f"(score <= 1.0 x read): {'met' if m <= base_m else 'NOT met'} "
                  f"({m / base_m:.2f} x)")
            status |= m > base_m  # the memory bound is a guarantee (SECURITY.md); exit 1 if missed
        if args.profile and "score" not in args.skip:
            for label in ("scoring score", "scoring score, before"):
                if label in runs:
                    print(f"cProfile, {label} (top costs by own time, main thread):")
                    profile(py, *runs[label])
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
