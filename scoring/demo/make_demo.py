#!/usr/bin/env python3
"""Make the bundled demo data: scoring/demo/pb.csv, smartcity.csv and mistakes.csv.

Synthetic answers shaped like Lin (2021)'s findings: six organisations of the two
kinds the thesis compares, three participatory-budgeting lead agencies (主責機關)
and three teams of the Taipei Smart City project office (專案辦公室);
integration, scope, schedule and stakeholder practices used more, cost,
procurement, resources and risk sparsely, the Smart City teams somewhat more
mature; higher stages less often than Standardize. Stems beyond Standardize in
an area whose Standardize answers miss the gate are left blank, as the gate
rule of the questionnaire says (the HTML form and the two-wave paper forms do
exactly that).

Each file is in its own form's layout: the PB returns were answered on the PB form
(every practice asked), the Smart City returns on the Smart City form, which does
not ask procurement or the two budget practices (not applicable there), so the two
files score together as two forms of one questionnaire. Background answers (unit,
position, years in post, cases, kind of cases, training) come first.

``mistakes.csv`` is a small batch typed in by hand from paper forms with the
mistakes data entry really makes: it is what the docs and tests use to show the
scorer's messages. Deterministic: Python's ``random.Random`` (stable across
versions) with a fixed seed; the same bank gives the same bytes.

\b
    python scoring/demo/make_demo.py          # rewrite the three files
    python scoring/demo/make_demo.py --check  # exit 1 if they are out of date
"""

from __future__ import annotations

import csv
import io
import math
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import numpy as np  # noqa: E402

from instrument.compile import compile_instrument  # noqa: E402
from instrument.gating import gate_matrix  # noqa: E402
from instrument.loader import load_bank, load_profile  # noqa: E402
from instrument.model import Instrument  # noqa: E402

SEED = 2021
# (respondent id prefix, organisation, how many, baseline maturity)
PB = [("PB-PARK", "臺北市政府工務局公園路燈工程管理處", 12, 3.05),
      ("PB-CIVIL", "臺北市政府民政局", 11, 2.85),
      ("PB-SOCIAL", "臺北市政府社會局", 10, 2.95)]
SMARTCITY = [("SC-TRAFFIC", "臺北智慧城市專案辦公室（智慧交通組）", 10, 3.45),
             ("SC-HEALTH", "臺北智慧城市專案辦公室（智慧醫療組）", 9, 3.30),
             ("SC-EDU", "臺北智慧城市專案辦公室（智慧教育組）", 8, 3.35)]
# the thesis: cost, procurement, resources and risk used sparsely; integration, scope,
# schedule and stakeholder management more
AREA_SHIFT = {"INT": 0.55, "SCO": 0.45, "SCH": 0.5, "COS": -0.75, "QUA": 0.05, "RES": -0.6,
              "COM": 0.25, "RSK": -0.8, "PRO": -0.7, "STK": 0.5}
STAGE_DROP = {"S": 0.0, "M": 0.35, "C": 0.6, "I": 0.8}


def demo_instrument(profile: str = "pb") -> Instrument:
    bank = load_bank("pmbok6")
    return compile_instrument(bank, load_profile(profile, bank), "zh-TW")


def background(inst: Instrument, rng: random.Random, cases: int) -> list:
    """One respondent's background answers in the form's order."""
    out: list = []
    for q in inst.background:
        if q.kind == "single":
            out.append(rng.choice(q.choices).code)
        elif q.id == "BG_CASES":
            out.append(rng.randint(1, cases))
        elif q.kind == "number":
            out.append(rng.randint(0, 15))
        else:
            out.append("")
    return out


def respondents(inst: Instrument, groups, rng: random.Random,
                cases: int = 20) -> list[tuple[str, str, list, list]]:
    """[(respondent id, organisation, background, answers in item order)] with gated-out
    stems blank."""
    out = []
    for prefix, organisation, n, base in groups:
        for k in range(1, n + 1):
            about = background(inst, rng, cases)
            person = base + rng.gauss(0, 0.45)
            area_level = {a.id: person + AREA_SHIFT.get(a.id, 0.0) + rng.gauss(0, 0.35)
                          for a in inst.areas}
            answers: list[int | None] = []
            for item in inst.items:
                u = rng.random()
                if u < 0.015:
                    answers.append(None)  # skipped
                    continue
                if u < 0.04:
                    answers.append(9)  # don't know
                    continue
                x = area_level[item.area] - STAGE_DROP.get(item.stage, 0.0) + rng.gauss(0, 0.6)
                if u < 0.06 and x < 2.0:
                    answers.append(8)  # no such work here
                    continue
                answers.append(min(5, max(1, int(math.floor(x + 0.5)))))
            out.append((f"{prefix}-{k:02d}", organisation, about, _gate(inst, answers)))
    return out


def _gate(inst: Instrument, answers: list) -> list:
    row = np.array([[np.nan if a is None else a for a in answers]], dtype="float64")
    opened = gate_matrix(inst, row)[0]
    open_area = {a.id: bool(o) for a, o in zip(inst.areas, opened)}
    return [a if item.stage == inst.gate_stage or open_area[item.area] else None
            for item, a in zip(inst.items, answers)]


def to_csv(inst: Instrument, rows: list[list], *, bom: bool, crlf: bool) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(inst.columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


def clean_rows(inst: Instrument, people) -> list[list]:
    return [[rid, org, inst.id, "", *about, *answers] for rid, org, about, answers in people]


def mistakes_rows(inst: Instrument, rng: random.Random) -> list[list]:
    """Late paper returns of 臺北市政府民政局, typed in by hand, with typical mistakes."""
    people = respondents(inst, [("PB-CIVIL", "臺北市政府民政局", 6, 3.6)], rng)
    ids = inst.item_ids
    col = {item: k for k, item in enumerate(ids)}
    rows = []
    for k, (_, org, about, answers) in enumerate(people):
        rid = f"PB-CIVIL-{21 + k}"
        cells: list = [str(a) if a is not None else "" for a in answers]
        rows.append([rid, org, inst.id if k % 2 == 0 else "", "", *map(str, about), *cells])
    n_background = len(inst.background)
    first = 4 + n_background  # id and background columns before the items
    r21, r22, r23, r24, r25, r26 = rows
    r23[4 + inst.background_ids.index("BG_YEARS")] = "七"  # years written out: an error
    r21[first + col["INT01_S"]] = "\uff14"  # full-width ４ (typed with a Chinese IME): read as 4
    r22[first + col["INT02_S"]] = "4.0"  # pasted from a formatted spreadsheet: read as 4
    r22[first + col["SCO01_S"]] = " 3 "  # stray spaces: read as 3
    r23[first + col["SCH02_S"]] = "7"  # out of range: an error
    r24[first + col["COM01_S"]] = "v"  # a tick typed for a checkbox: an error
    duplicate = list(r23)  # the same form typed twice, once with a slip
    duplicate[first + col["SCH02_S"]] = "4"
    duplicate[first + col["STK01_S"]] = "2" if duplicate[first + col["STK01_S"]] != "2" else "3"
    # the paper form was filled in full: risk is closed by the gate but M/C/I were answered
    for item in inst.items:
        if item.area == "RSK":
            r25[first + col[item.id]] = "2" if item.stage == inst.gate_stage else "3"
    straight = [r26[0], r26[1], r26[2], "", *r26[4:first]] + ["4"] * len(ids)  # one column
    no_id = ["", org, "", "", *r26[4:]]  # ticked throughout, and a row without its id
    return [r21, r22, r23, r24, [""] * (first + len(ids)), r25, duplicate, straight, no_id]


def make(pb_form: Instrument, smartcity_form: Instrument) -> dict[str, bytes]:
    rng = random.Random(SEED)
    pb = clean_rows(pb_form, respondents(pb_form, PB, rng, cases=30))
    smartcity = clean_rows(smartcity_form, respondents(smartcity_form, SMARTCITY, rng, cases=8))
    mistakes = mistakes_rows(pb_form, rng)
    return {
        "pb.csv": to_csv(pb_form, pb, bom=True, crlf=True),  # Excel's "CSV UTF-8"
        "smartcity.csv": to_csv(smartcity_form, smartcity, bom=True, crlf=True),  # the HTML form's
        "mistakes.csv": to_csv(pb_form, mistakes, bom=True, crlf=True),
    }


def main(argv: list[str]) -> int:
    files = make(demo_instrument("pb"), demo_instrument("smartcity"))
    if "--check" in argv:
        stale = [n for n, data in files.items() if (HERE / n).read_bytes() != data]
        if stale:
            print(f"out of date: {', '.join(stale)}; run python scoring/demo/make_demo.py")
            return 1
        return 0
    for name, data in files.items():
        (HERE / name).write_bytes(data)
        print(f"wrote {HERE / name} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
