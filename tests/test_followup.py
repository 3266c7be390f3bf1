"""Two-wave paper gating: the plan, followup.csv, the paper rule, and `build.py followup`."""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from instrument import tables
from instrument.compile import Options, compile_instrument
from instrument.followup import (FOLLOWUP_COLUMNS, followup_csv, followup_rows, paper_routing,
                                 plan, wave2_items)
from instrument.gating import gate_matrix
from instrument.loader import load_profile

VARIANTS = [  # (scale, rule, threshold override)
    ("agree5", "mean", None), ("agree5", "mean", 4.0), ("agree5", "mean", 2.7),
    ("agree5", "count", None), ("yesno", "mean", None), ("yesno", "count", None),
]


@pytest.fixture(scope="module")
def variants(bank):
    profile = load_profile("generic", bank)
    return {v: compile_instrument(bank, profile, "en", Options(scale=v[0], rule=v[1],
                                                                threshold=v[2]))
            for v in VARIANTS}


def s_matrix(inst, rows: list[dict[str, float]]) -> np.ndarray:
    """Respondents x item_ids with the given area -> S value (NaN elsewhere)."""
    out = np.full((len(rows), len(inst.item_ids)), np.nan)
    for r, by_area in enumerate(rows):
        for k, item in enumerate(inst.items):
            if item.stage == inst.gate_stage and item.area in by_area:
                out[r, k] = by_area[item.area]
    return out


# --------------------------------------------------------------------------- the plan
def test_plan_uses_the_gate_rule_per_area(instrument):
    values = s_matrix(instrument, [{a.id: 4 for a in instrument.areas},
                                   {"INT": 4, "SCO": 3, "STK": 9},
                                   {}])
    plans = plan(instrument, ["A", "B", "C"], ["Org A", "", "Org C"], values)
    assert plans[0].areas == tuple(a.id for a in instrument.areas)
    assert plans[1].areas == ("INT",)  # 3 < 3.5; 9 is don't know, so STK has no answer
    assert plans[2].areas == () and not plans[2].needs_wave2 and plans[2].n_items == 0
    assert plans[1].item_ids == tuple(i.id for i in instrument.items_of_area("INT")
                                      if i.stage != "S")
    assert plans[1].n_items == 3 * len(instrument.practices_of_area("INT"))
    expected = gate_matrix(instrument, values)
    for p, row in zip(plans, expected):
        assert set(p.areas) == {a.id for a, ok in zip(instrument.areas, row) if ok}


def test_plan_ignores_answers_beyond_the_gate_stage(instrument):
    values = s_matrix(instrument, [{"INT": 2}])
    values[0, [k for k, i in enumerate(instrument.items) if i.stage != "S"]] = 5
    assert plan(instrument, ["A"], [""], values)[0].areas == ()


def test_plan_checks_the_matrix_shape(instrument):
    with pytest.raises(ValueError):
        plan(instrument, ["A"], [""], np.zeros((1, 3)))


def test_wave2_items_are_the_non_gate_stems_in_order(instrument):
    ids = wave2_items(instrument, ("STK", "INT"))
    assert ids == tuple(i.id for i in instrument.items
                        if i.area in ("INT", "STK") and i.stage != "S")


def test_followup_csv_is_utf8_bom_crlf_with_the_five_columns(instrument):
    values = s_matrix(instrument, [{"INT": 5, "SCH": 4}, {}])
    plans = plan(instrument, ["R001", "R002"], ["=HYPERLINK(1)", "臺北市政府工務局"], values)
    data = followup_csv(plans)
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig") == (
        "respondent_id,organisation,areas,n_items,needs_wave2\r\n"
        f"R001,'=HYPERLINK(1),INT SCH,{3 * (7 + 6)},yes\r\n"
        "R002,臺北市政府工務局,,0,no\r\n")
    assert followup_rows(plans)[0] == list(FOLLOWUP_COLUMNS)


# --------------------------------------------------------------------------- the paper rule
def test_count_rule_numbers(variants):
    inst = variants[("agree5", "count", None)]
    r = paper_routing(inst, "INT")
    assert (r.kind, r.n_items, r.need, r.codes, r.min_answers) == ("count", 7, 4, (4, 5), 4)
    assert r.valid == (1, 2, 3, 4, 5)
    assert not r.minimum_binds  # 4 marks of 4 or 5 are 4 answers: the box needs no step 1
    assert paper_routing(inst, "QUA").need == 2  # 3 practices: at least half is 2


def test_mean_rule_lookup_table_starts_at_the_minimum(variants):
    r = paper_routing(variants[("agree5", "mean", None)], "INT")
    assert (r.min_answers, r.first, r.minimum_binds) == (4, 4, True)  # ceil(0.5 x 7)
    assert r.totals == (14, 18, 21, 25)  # ceil(3.5 k) for k = 4..7
    assert r.valid == (1, 2, 3, 4, 5)  # 8 and 9 are neither added nor counted
    qua = paper_routing(variants[("agree5", "mean", 4.0)], "QUA")
    assert (qua.first, qua.totals) == (2, (8, 12))


def test_mean_rule_boundary_is_inclusive(variants):
    inst = variants[("agree5", "mean", None)]
    r = paper_routing(inst, "INT")
    # 7 answered, total 25: mean 3.571 >= 3.5; total 24: 3.43 < 3.5
    assert r.passes([4, 4, 4, 4, 3, 3, 3]) and not r.passes([4, 4, 4, 3, 3, 3, 3])
    assert r.passes([4, 3, 4, 3, 9, 8, None])  # 4 answered, total 14 = 3.5
    assert not r.passes([5, 5, 5, 9, 9, 8, None])  # 3 answered: fewer than 4, not rated
    assert not r.passes([9] * 7) and not r.passes([8] * 7) and not r.passes([None] * 7)
    assert math.isclose(inst.rule.threshold, 3.5)


def test_count_rule_ignores_non_substantive_codes_above_min_code(variants):
    """8 and 9 are numerically >= 4 but are no 'agree' marks."""
    r = paper_routing(variants[("agree5", "count", None)], "INT")
    assert not r.passes([8, 9, 8, 9, 5, 5, 5]) and r.passes([8, 9, 5, 5, 5, 4, 1])


def one_area(inst, n: int):
    """``inst`` cut down to its first area with the gate stems of its first ``n`` practices."""
    area = inst.areas[0]
    keep = {p.id for p in inst.practices_of_area(area.id)[:n]}
    return dataclasses.replace(
        inst, areas=(area,), items=tuple(i for i in inst.items
                                         if i.practice in keep and i.stage == inst.gate_stage))


def check_agreement(inst, rows: np.ndarray) -> None:
    """Paper procedure and ``gate_matrix`` decide alike on every row (NaN = blank)."""
    passed = gate_matrix(inst, rows)
    for area_k, area in enumerate(inst.areas):
        cols = [k for k, i in enumerate(inst.items)
                if i.area == area.id and i.stage == inst.gate_stage]
        routing = paper_routing(inst, area.id)
        for row, ok in zip(rows, passed[:, area_k]):
            marks = [None if np.isnan(row[k]) else int(row[k]) for k in cols]
            assert routing.passes(marks) == bool(ok), (area.id, marks)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_paper_rule_agrees_with_gate_matrix_on_every_pattern(variants, variant, n):
    """Every way of marking 1-4 stems with blanks, every code, 8 and 9."""
    inst = one_area(variants[variant], n)
    codes = [np.nan, *inst.scale.all_codes]
    rows = np.array(list(itertools.product(codes, repeat=n)), dtype="float64")
    assert len(rows) == len(codes) ** n
    check_agreement(inst, rows)


def marks(n: int):
    """n marks with a drawn share of blanks and non-substantive codes, so that both sides
    of the minimum of answers come up in areas of any size."""
    return st.integers(0, n).flatmap(lambda k: st.tuples(
        st.permutations(range(n)), st.lists(st.integers(1, 5), min_size=k, max_size=k),
        st.lists(st.sampled_from([None, 8, 9]), min_size=n - k, max_size=n - k)))


def place(n: int, drawn, valid: tuple[int, ...]) -> list[int | None]:
    order, substantive, other = drawn
    out: list[int | None] = [None] * n
    values = [valid[(v - 1) % len(valid)] for v in substantive] + other
    for pos, v in zip(order, values):
        out[pos] = v
    return out


@pytest.mark.parametrize("variant", VARIANTS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_paper_rule_agrees_with_gate_matrix(variants, variant, data):
    """Whatever a respondent marks in the real areas (3-7 stems), counting on paper
    decides as the scorer does."""
    inst = variants[variant]
    row = np.full((1, len(inst.item_ids)), np.nan)
    for area in inst.areas:
        cols = [k for k, i in enumerate(inst.items)
                if i.area == area.id and i.stage == inst.gate_stage]
        drawn = data.draw(marks(len(cols)), label=area.id)
        row[0, cols] = [np.nan if v is None else v
                        for v in place(len(cols), drawn, inst.scale.valid)]
    check_agreement(inst, row)


@pytest.mark.parametrize("variant", [("agree5", "mean", None), ("agree5", "count", None)])
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_paper_rule_agrees_on_a_large_area(variants, variant, data):
    """One area of 49 gate stems: the table and the counts still agree."""
    inst = variants[variant]
    big = dataclasses.replace(
        inst, areas=inst.areas[:1],
        items=tuple(dataclasses.replace(i, area=inst.areas[0].id)
                    for i in inst.items if i.stage == inst.gate_stage))
    n = len(big.items)
    row = place(n, data.draw(marks(n)), big.scale.valid)
    check_agreement(big, np.array([[np.nan if v is None else v for v in row]]))


# --------------------------------------------------------------------------- the command
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A built pb zh-TW manifest (the wave-1 CSV is read by the scorer's reader)."""
    pytest.importorskip("scoring.read", reason="scoring/read.py not written yet")
    from build import cli

    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(cli, ["build", "--out", str(out), "--profile", "pb",
                                      "--lang", "zh-TW", "--format", "codebook"])
    assert result.exit_code == 0, result.output
    return out / "pmbok6" / "pb-zh-TW" / "manifest.json"


def wave1_csv(inst, rows: list[tuple[str, str, dict[str, object]]]) -> str:
    """A returned wave-1 file: the scorer's header, S answers per area, the rest blank
    (the background questions too)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(tables.header(inst))
    for rid, org, by_area in rows:
        cells = ["" if by_area.get(i.area) is None or i.stage != "S" else by_area[i.area]
                 for i in inst.items]
        writer.writerow([rid, org, inst.id, "1", *[""] * len(inst.background), *cells])
    return buf.getvalue()


def run(args: list[str]):
    from build import cli

    return CliRunner().invoke(cli, args)


def test_followup_writes_forms_csv_and_combined(built, tmp_path, instruments):
    inst = instruments[("pb", "zh-TW")]
    src = tmp_path / "wave1.csv"
    src.write_text(wave1_csv(inst, [("R001", "臺北市政府工務局", {"INT": 5, "RSK": 4}),
                                    ("R002", "臺北市政府資訊局", {"INT": 2}),
                                    ("R003", "", {a.id: 4 + k % 2
                                                  for k, a in enumerate(inst.areas)})]),
                   encoding="utf-8-sig")
    out = tmp_path / "wave2"
    result = run(["followup", str(src), "--manifest", str(built), "--out", str(out),
                  "--combined"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "followup.csv", "wave2-R001.pdf", "wave2-R003.pdf", "wave2-all.pdf",
        "wave2.geometry.json"]  # the forms' box geometry, for python -m scoring scan
    rows = list(csv.DictReader(io.StringIO((out / "followup.csv").read_text("utf-8-sig"))))
    assert [(r["respondent_id"], r["areas"], r["needs_wave2"]) for r in rows] == [
        ("R001", "INT RSK", "yes"), ("R002", "", "no"),
        ("R003", " ".join(a.id for a in inst.areas), "yes")]
    assert "3 respondents: 2 wave-2 forms" in result.output
    assert result.output.rstrip().endswith(f"{out / 'wave2-all.pdf'}")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr("instrument.pdf.COMBINED_BATCH", 1)  # one printing file per form
    try:
        result = run(["followup", str(src), "--manifest", str(built), "--out", str(out),
                      "--combined"])
    finally:
        monkeypatch.undo()
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "followup.csv", "wave2-R001.pdf", "wave2-R003.pdf", "wave2-all-0001.pdf",
        "wave2-all-0002.pdf", "wave2.geometry.json"]
    assert result.output.rstrip().endswith(
        f"{out / 'wave2-all-0001.pdf'} … wave2-all-0002.pdf (2 printing files of up to 1 forms)")


def test_followup_invalid_csv_writes_nothing(built, tmp_path, instruments):
    inst = instruments[("pb", "zh-TW")]
    src = tmp_path / "wave1.csv"
    text = wave1_csv(inst, [("R001", "A", {"INT": 5}), ("R002", "B", {"INT": 7})])
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "wave2"
    result = run(["followup", str(src), "--manifest", str(built), "--out", str(out)])
    assert result.exit_code == 1
    assert "wave1.csv:3" in result.output and "INT01_S" in result.output
    assert "nothing was written" in result.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging")]


def test_followup_progress_bar_on_large_batches(built, tmp_path, instruments):
    inst = instruments[("pb", "zh-TW")]
    src = tmp_path / "wave1.csv"
    src.write_text(wave1_csv(inst, [(f"R{k:03d}", "", {"QUA": 5}) for k in range(60)]),
                   encoding="utf-8")
    result = run(["followup", str(src), "--manifest", str(built), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "wave-2 forms" in result.stderr and "60/60" in result.stderr
    small = tmp_path / "small.csv"
    small.write_text(wave1_csv(inst, [("R1", "", {"QUA": 5})]), encoding="utf-8")
    result = run(["followup", str(small), "--manifest", str(built), "--out", str(tmp_path / "s")])
    assert "60/60" not in result.stderr and "1/1" not in result.stderr


def test_followup_help_has_an_example():
    result = run(["followup", "--help"])
    assert result.exit_code == 0
    assert "python build.py followup" in result.output and "--combined" in result.output


def test_followup_reads_cp950(built, tmp_path, instruments):
    inst = instruments[("pb", "zh-TW")]
    src = tmp_path / "excel.csv"
    src.write_bytes(wave1_csv(inst, [("R001", "臺北市政府工務局", {"SCO": 5})]).encode("cp950"))
    out = tmp_path / "w"
    result = run(["followup", str(src), "--manifest", str(built), "--out", str(out),
                  "--encoding", "cp950"])
    assert result.exit_code == 0, result.output
    assert "臺北市政府工務局" in (out / "followup.csv").read_text("utf-8-sig")



def test_wave1_file_with_only_the_s_columns(tmp_path, instruments):
    """Typists of wave-1 paper forms may use a header with only the S columns."""
    from click.testing import CliRunner

    from build import cli
    from instrument.tables import manifest_json

    inst = instruments[("pb", "zh-TW")]
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(manifest_json(inst))
    s_items = [i.id for i in inst.items_at("S")]
    rows = [["respondent_id", "organisation", *s_items],
            ["R1", "工務局", *(["5"] * len(s_items))],
            ["R2", "民政局", *(["1"] * len(s_items))]]
    wave1 = tmp_path / "wave1.csv"
    wave1.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["followup", str(wave1), "--manifest", str(manifest),
                                      "--out", str(tmp_path / "f")])
    assert result.exit_code == 0, result.output
    assert ("the file has only the 49 stage-S item columns (a wave-1 file); the 147 other "
            "item columns count as blank [CSV_030]") in result.output
    plan = (tmp_path / "f" / "followup.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert plan[1].startswith("R1,工務局,INT SCO SCH COS QUA RES COM RSK PRO STK,147,yes")
    assert plan[2].startswith("R2,民政局,,0,no")
