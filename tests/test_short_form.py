"""The short form: the 49 S stems, then M, C and I once per knowledge area.

It is generated from the full bank (scripts/make_short_bank.py) and scored by the same
methods: areas reach levels 0–4; practices and process groups have S stems only, so
beyond S their levels are not rated, never a number made up from missing stages.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from instrument.compile import compile_instrument
from instrument.loader import load_bank, load_profile
from scoring.levels import NOT_RATED
from scoring.methods import compute
from scoring.responses import Responses


@pytest.fixture(scope="module")
def short():
    return load_bank("pmbok6_short")


def test_the_bundled_short_form_is_what_the_script_makes():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_short_bank.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_49_s_stems_then_three_per_area(short, bank):
    inst = compile_instrument(short, load_profile("pb", short), "zh-TW")
    assert len(inst.items) == 49 + 10 * 3 == 79
    s_stems = [i for i in inst.items if i.stage == "S"]
    assert [i.id for i in s_stems] == [f"{p.id}_S" for p in bank.practices]
    full = compile_instrument(bank, load_profile("pb", bank), "zh-TW")
    assert [i.text for i in s_stems] == [i.text for i in full.items_at("S")]  # the same S stems
    area_level = [i for i in inst.items if i.stage != "S"]
    assert {i.practice for i in area_level} == {f"{a.id}00" for a in short.areas}
    assert all(i.group == "" for i in area_level)  # they speak for the whole area
    assert inst.id != full.id  # its own questionnaire: returns are never mixed up


def test_smart_city_short_form_leaves_out_what_does_not_apply(short):
    inst = compile_instrument(short, load_profile("smartcity", short), "zh-TW")
    assert not [i for i in inst.items if i.area == "PRO"]
    assert {i.id for i in inst.items if i.area == "COS" and i.stage == "S"} == {"COS01_S",
                                                                                "COS02_S"}
    assert len(inst.items) == 79 - 3 - 3 - 2


def test_areas_reach_level_4_practices_and_groups_stop_after_s(short):
    inst = compile_instrument(short, load_profile("generic", short), "zh-TW")
    values = np.full((1, len(inst.items)), 5.0)  # everything completely true
    responses = Responses(instrument=inst, respondent_id=np.array(["A"], dtype=object),
                          organisation=np.array(["甲"], dtype=object),
                          wave=np.array([""], dtype=object), values=values,
                          source_file=np.array(["a.csv"], dtype=object),
                          source_row=np.array([2]))
    scores = compute(responses, method="coverage")
    assert (scores.units["area"].level == 4).all()
    assert (scores.units["group"].level == NOT_RATED).all()  # no group stem beyond S
    practice = scores.units["practice"]
    real = [k for k, p in enumerate(practice.units) if not p.endswith("00")]
    assert (practice.level[:, real] == NOT_RATED).all() and practice.achieved[:, real, 0].all()
    # coverage counts the 49 practices, not the area-level entries
    assert (scores.units["area"].applied_share == 1).all()
