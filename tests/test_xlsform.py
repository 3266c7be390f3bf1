"""XLSForm export: converts with pyxform cleanly, and its gate equals the manifest's rule."""

from __future__ import annotations

import io
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from instrument.compile import Options, compile_instrument
from instrument.gating import open_areas
from instrument.loader import load_profile
from instrument.xlsform import gate_expressions, xlsform

pyxform = pytest.importorskip("pyxform.xls2xform", reason="pyxform is a test dependency")


@pytest.fixture(scope="module")
def pb_pair(bank):
    profile = load_profile("pb", bank)
    return [compile_instrument(bank, profile, lang) for lang in bank.languages]


@pytest.fixture(scope="module")
def workbook(pb_pair) -> bytes:
    return xlsform(pb_pair)


def test_converts_with_pyxform_without_warnings(workbook, pb_pair):
    warnings: list[str] = []
    result = pyxform.convert(io.BytesIO(workbook), warnings=warnings, file_type=".xlsx")
    assert warnings == []
    xform = result.xform
    for item_id in pb_pair[0].item_ids:
        assert f'/{item_id}"' in xform or f"/{item_id}'" in xform or f"/{item_id} " in xform
    assert '<translation lang="Chinese (zh)" default="true()">' in xform
    assert '<translation lang="English (en)">' in xform
    assert "錄案" in xform and "承辦人" in xform
    # M, C and I stems of an area are relevant only when its gate passes
    assert re.search(r'<bind nodeset="/\w+/area_COS/COS_M" relevant=" /\w+/area_COS/gate_COS  = 1"/>',
                     xform)


def test_sheets_and_labels(workbook, pb_pair):
    wb = load_workbook(io.BytesIO(workbook))
    assert wb.sheetnames == ["survey", "choices", "settings"]
    survey = list(wb["survey"].values)
    header = survey[0]
    assert header[:4] == ("type", "name", "label::Chinese (zh)", "label::English (en)")
    names = [r[1] for r in survey if r[0] and r[0].startswith("select_one")]
    assert sorted(names) == sorted(pb_pair[0].item_ids) and len(names) == 196
    assert names[:7] == [f"INT0{k}_S" for k in range(1, 8)]  # an area's S block comes first
    int01 = next(r for r in survey if r[1] == "INT01_S")
    assert int01[2].startswith("1.1 發展錄案章程 [INT01_S]: 本主責機關每個錄案")
    assert int01[3].startswith("1.1 Develop PB Case Charter [INT01_S]: ")
    assert int01[4] == pb_pair[0].practices[0].glossary  # glossary as hint
    choices = list(wb["choices"].values)
    assert choices[1] == ("agree5", "1", "非常不同意", "Strongly disagree")
    assert [c[1] for c in choices[1:]] == ["1", "2", "3", "4", "5", "9"]
    calc = {r[1]: r[-2] for r in survey if r[0] == "calculate"}
    assert calc["instrument"] == f"'{pb_pair[0].id}'"


def test_is_deterministic(pb_pair, workbook):
    assert xlsform(pb_pair) == workbook


# --- the XPath gate agrees with instrument.gating on random answers ---------------------

def _evaluate(expr: str, answers: dict[str, str], calculated: dict[str, float]) -> float:
    """Evaluate the small XPath subset the export uses (if, number, and, comparisons)."""
    def number(value):
        try:
            return float(value)
        except (TypeError, ValueError):
            return math.nan

    def ref(match):
        name = match.group(1)
        return repr(calculated[name]) if name in calculated else repr(answers.get(name, ""))

    py = re.sub(r"\$\{(\w+)\}", ref, expr)
    py = re.sub(r"(?<![<>!=])=(?!=)", "==", py)
    return eval(py, {"__builtins__": {}}, {"_if": lambda c, a, b: a if c else b,
                                           "number": number}) if "if(" not in py else \
        eval(py.replace("if(", "_if("), {"__builtins__": {}},
             {"_if": lambda c, a, b: a if c else b, "number": number})


def xpath_gates(inst, answers: dict[str, int | None]) -> dict[str, bool]:
    text = {k: "" if v is None else str(v) for k, v in answers.items()}
    gates = {}
    for area in inst.areas:
        calculated: dict[str, float] = {}
        for name, expr in gate_expressions(inst, area.id):
            calculated[name] = _evaluate(expr, text, calculated)
        gates[area.id] = calculated[f"gate_{area.id}"] == 1
    return gates


@pytest.mark.parametrize("rule", ["mean", "count"])
def test_xpath_gate_matches_python(bank, rule):
    inst = compile_instrument(bank, load_profile("generic", bank), "en", Options(rule=rule))
    codes = [None, *inst.scale.all_codes]
    s_items = [i.id for i in inst.items_at(inst.gate_stage)]

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.sampled_from(codes), min_size=len(s_items), max_size=len(s_items)))
    def check(values):
        answers = dict(zip(s_items, values))
        assert xpath_gates(inst, answers) == open_areas(inst, answers)

    check()


def test_edge_cases_of_the_mean_gate(bank):
    inst = compile_instrument(bank, load_profile("generic", bank), "en")
    s = [i.id for i in inst.items_of_area("COS") if i.stage == "S"]  # 4 stems
    exactly = dict(zip(s, [3, 4, 9, None]))  # mean of (3, 4) is exactly 3.5
    assert xpath_gates(inst, exactly)["COS"] is True is open_areas(inst, exactly)["COS"]
    only_missing = dict(zip(s, [9, 9, None, None]))
    assert xpath_gates(inst, only_missing)["COS"] is False is open_areas(inst, only_missing)["COS"]
