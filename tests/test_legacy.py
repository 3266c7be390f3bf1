"""Bank 1.0.0 stays scoreable: its saved manifests and returned answers score as they did.

tests/data/legacy-1.0.0/ holds two manifests the 1.0.0 build wrote (format 1: one
missing code meaning 不清楚／不適用, no minimum of answers, no background questions),
the demo answers returned on those forms, and respondents.csv / organisations.csv as the
1.0.0 scorer wrote them. The current scorer reads format-1 manifests as format 1 (every
set rated, blanks simply not achieved), so every level and statistic is the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import ROOT
from instrument.manifest import load_manifest
from scoring.cli import cli

LEGACY = ROOT / "tests" / "data" / "legacy-1.0.0"


@pytest.mark.parametrize("manifest", ["manifest-pb-zh-TW.json", "manifest-smartcity-en.json"])
def test_a_format_1_manifest_loads_as_it_was(manifest):
    inst = load_manifest(LEGACY / manifest)
    assert inst.manifest_format == 1 and inst.id == "pmbok6-1.0.0-dcf684ce2a"
    assert inst.rule.min_answered is None and inst.background == ()
    assert [(c.code, c.missing) for c in inst.scale.codes if c.missing] == [(9, "dont_know")]
    assert len(inst.items) == 196


def test_saved_answers_score_to_the_levels_1_0_0_gave(tmp_path):
    out = tmp_path / "scores"
    result = CliRunner().invoke(cli, [
        "score", str(LEGACY / "pb.csv"), str(LEGACY / "smartcity.csv"),
        "--manifest", str(LEGACY / "manifest-pb-zh-TW.json"), "--format", "csv",
        "--detail", "practice", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out / "respondents.csv", encoding="utf-8-sig")
    want = pd.read_csv(LEGACY / "expected-respondents.csv", encoding="utf-8-sig")
    levels = [c for c in want.columns if c.endswith("_level")]
    assert list(got.respondent_id) == list(want.respondent_id)
    np.testing.assert_array_equal(got[levels].to_numpy(), want[levels].to_numpy())
    assert got.not_rated.isna().all() and got.not_applicable.isna().all()  # none, in format 1
    got_org = pd.read_csv(out / "organisations.csv", encoding="utf-8-sig")
    want_org = pd.read_csv(LEGACY / "expected-organisations.csv", encoding="utf-8-sig")
    for column in want_org.columns:
        if want_org[column].dtype.kind in "fi":
            np.testing.assert_allclose(got_org[column].to_numpy(float),
                                       want_org[column].to_numpy(float), equal_nan=True,
                                       rtol=1e-6, err_msg=column)
        else:
            assert got_org[column].fillna("").astype(str).tolist() == \
                want_org[column].fillna("").astype(str).tolist(), column

