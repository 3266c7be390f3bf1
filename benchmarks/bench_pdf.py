#!/usr/bin/env python3
"""Benchmark the paper forms: one full questionnaire, and 1,000 wave-2 follow-up forms.

Prints
- the build time of one full questionnaire.pdf (cold: measuring and wrapping every
  text; warm: layout already cached, as for the second language of a build);
- pages per second and peak memory for N follow-up forms written to disk by
  ``instrument.pdf.write_wave2`` (per-respondent files; then again with the
  combined batch-printing PDF), each in a fresh process pinned to one core;
- a baseline measured in the same run: reportlab writing the same number of
  files and pages, each page one line of text in the same embedded CJK font,
  and the ratio of the two. Target: >= 50 pages/s on one core for follow-ups.

Usage:
    python benchmarks/bench_pdf.py            # 1,000 forms, pb profile, zh-TW
    python benchmarks/bench_pdf.py --forms 200 --lang en
"""

from __future__ import annotations

import argparse
import io
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import instrument  # noqa: E402  (benchmarks/ is this script's folder)

TARGET = 50.0  # pages per second, one core


def _pin() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _plans(inst, n: int, seed: int = 2024):
    """n synthetic wave-1 returns: each area passes with probability ~0.6."""
    import numpy as np

    from instrument.followup import plan

    rng = np.random.default_rng(seed)
    values = np.full((n, len(inst.item_ids)), np.nan)
    s_cols = [k for k, i in enumerate(inst.items) if i.stage == inst.gate_stage]
    area_of = np.array([inst.items[k].area for k in s_cols])
    for r in range(n):
        for area in inst.areas:
            cols = [c for c, a in zip(s_cols, area_of) if a == area.id]
            high = rng.random() < 0.6
            values[r, cols] = rng.integers(4 if high else 1, 6 if high else 4, size=len(cols))
    ids = [f"R{r + 1:05d}" for r in range(n)]
    orgs = [f"臺北市政府第{r % 37 + 1}局" for r in range(n)]
    return plan(inst, ids, orgs, values)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _job_followups(profile: str, lang: str, n: int, combined: bool, queue) -> None:
    _pin()
    from instrument.artifacts import RenderSettings
    from instrument.followup import followup_csv
    from instrument.pdf import render_form, write_wave2

    inst = instrument(profile, lang)
    plans = _plans(inst, n)
    render_form(inst, "wave1")  # register the font and measure texts outside the timing
    rss0 = _maxrss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        started, cpu = time.perf_counter(), time.process_time()
        result = write_wave2(inst, plans, Path(tmp) / "wave2", RenderSettings(),
                             combined=combined, files={"followup.csv": followup_csv(plans)})
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        size = sum(p.stat().st_size for p in (Path(tmp) / "wave2").iterdir())
    queue.put({"forms": result.forms, "pages": result.pages, "seconds": seconds, "cpu": cpu,
               "rss_before": rss0, "rss_peak": _maxrss_mb(), "bytes": size,
               "counts": [len(p.areas) for p in plans]})


def _job_baseline(profile: str, lang: str, forms: int, pages: int, queue) -> None:
    """Same files and pages, each page one line of text in the same font."""
    _pin()
    from reportlab.pdfgen.canvas import Canvas

    from instrument import fonts

    font = fonts.register()
    per_form = [pages // forms + (1 if k < pages % forms else 0) for k in range(forms)]
    rss0 = _maxrss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        started, cpu = time.perf_counter(), time.process_time()
        for k, n in enumerate(per_form):
            buf = io.BytesIO()
            c = Canvas(buf, invariant=1, pageCompression=1, initialFontName=font)
            for p in range(n):
                c.setFont(font, 10)
                c.drawString(72, 770, f"受訪者 R{k:05d} 第 {p + 1} 頁，共 {n} 頁")
                c.showPage()
            c.save()
            (Path(tmp) / f"b{k}.pdf").write_bytes(buf.getvalue())
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    queue.put({"pages": pages, "seconds": seconds, "cpu": cpu, "rss_before": rss0,
               "rss_peak": _maxrss_mb()})


def _run(target, *args) -> dict:
    ctx = mp.get_context("spawn")  # a fresh process: clean timings and peak memory
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--forms", type=int, default=1000, help="respondents (default 1000)")
    ap.add_argument("--profile", default="pb")
    ap.add_argument("--lang", default="zh-TW")
    args = ap.parse_args()
    _pin()

    import reportlab

    from instrument import pdf
    from instrument.artifacts import RenderSettings

    inst = instrument(args.profile, args.lang)
    started, cpu = time.perf_counter(), time.process_time()
    data, n_pages = pdf.render_form(inst, "full", RenderSettings())
    cold, cold_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    pdf.render_form(inst, "full", RenderSettings())
    warm, warm_cpu = time.perf_counter() - started, time.process_time() - cpu
    accel = "C accelerator (rl_accel)" if _accelerated() else "pure-Python reportlab helpers"
    print(f"reportlab {reportlab.Version} with {accel}; load average {os.getloadavg()[0]:.1f}")
    print(f"questionnaire.pdf ({args.profile}-{args.lang}): {n_pages} pages, "
          f"{len(data) / 1024:.0f} KiB; built in {cold:.2f} s cold ({cold_cpu:.2f} s CPU; incl. "
          f"font registration and text measuring), {warm:.2f} s warm ({warm_cpu:.2f} s CPU)")

    print(f"\nwave-2 follow-up forms: {args.forms} respondents, one core, fresh process each")
    forms = _run(_job_followups, args.profile, args.lang, args.forms, False)
    both = _run(_job_followups, args.profile, args.lang, args.forms, True)
    base = _run(_job_baseline, args.profile, args.lang, forms["forms"], forms["pages"])
    counts = forms["counts"]
    print(f"  {forms['forms']} forms ({args.forms - forms['forms']} respondents passed no area), "
          f"{forms['pages']} pages, {forms['pages'] / max(forms['forms'], 1):.1f} pages/form, "
          f"areas/respondent mean {sum(counts) / len(counts):.1f}, "
          f"{forms['bytes'] / 1e6:.0f} MB on disk")
    print(f"  {'':24}{'wall s':>8}{'pages/s':>9}{'CPU s':>8}{'pages/CPU-s':>12}{'peak RSS':>10}")
    for name, r in (("per-respondent files", forms), ("files + combined PDF", both),
                    ("baseline, 1 line/page", base)):
        print(f"  {name:<24}{r['seconds']:8.1f}{r['pages'] / r['seconds']:9.1f}{r['cpu']:8.1f}"
              f"{r['pages'] / r['cpu']:12.1f}{r['rss_peak']:8.0f} MB")
    rate = forms["pages"] / forms["cpu"]
    ratio = rate / (base["pages"] / base["cpu"])
    print(f"  ratio forms/baseline (CPU): {ratio:.2f}; the combined PDF draws every form a second "
          f"time and holds that one document in memory until it is saved")
    print(f"  target >= {TARGET:.0f} pages/s on one core: {'met' if rate >= TARGET else 'NOT met'} "
          f"({rate:.0f} pages per CPU-second; wall-clock figures include other load on the "
          f"machine)")
    return 0 if rate >= TARGET else 1


def _accelerated() -> bool:
    from reportlab.lib import rl_accel

    return getattr(rl_accel.fp_str, "__module__", "") != "reportlab.lib.rl_accel"


if __name__ == "__main__":
    sys.exit(main())
