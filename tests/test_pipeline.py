"""Scoring while reading (``methods.score_while_reading``): the same Scores as reading
first and scoring after, whatever the blocks; rows the duplicate check merges are scored
again; a failed read or a failed block stops the scoring thread and raises."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pandas as pd
import pytest

from instrument.errors import InstrumentError
from scoring import methods
from scoring.read import Limits, ReadOptions, read_files

from conftest import ROOT

DEMO = ROOT / "scoring" / "demo" / "pb.csv"


@pytest.fixture(scope="module")
def pb(instruments):
    return instruments[("pb", "zh-TW")]


def _options(block_bytes: int) -> ReadOptions:
    return ReadOptions(limits=Limits(block_bytes=block_bytes))


def _same(a, b) -> None:
    for t, unit in a.units.items():
        for name in ("level", "mean", "n_answered", "n_not_reached", "achieved", "rated"):
            np.testing.assert_array_equal(getattr(unit, name), getattr(b.units[t], name),
                                          err_msg=f"{t}.{name}")
    pd.testing.assert_frame_equal(a.organisations, b.organisations)
    pd.testing.assert_frame_equal(a.reliability, b.reliability)
    np.testing.assert_array_equal(a.cleaned(), b.cleaned())


def _no_scoring_thread() -> bool:
    return not any(t.name == "score" and t.is_alive() for t in threading.enumerate())


@pytest.mark.parametrize("block_bytes, chunk", [(4096, 7), (1 << 20, methods.CHUNK_ROWS)])
@pytest.mark.parametrize("method, by", [("staged", None), ("coverage", "BG_TRAINING"),
                                        ("opm3-binary", None)])
def test_scored_while_read_equals_read_then_scored(pb, monkeypatch, block_bytes, chunk,
                                                   method, by):
    monkeypatch.setattr(methods, "CHUNK_ROWS", chunk)
    seen = []

    def read(sink):
        real_put = sink.put
        sink.put = lambda values, *rest: (seen.append(len(values)), real_put(values, *rest))
        return read_files([DEMO], pb, _options(block_bytes), sink)

    result, scores = methods.score_while_reading(read, pb, method, by=by)
    if block_bytes == 4096:
        assert len(seen) >= 3  # the file came in several blocks
    assert sum(seen) == len(result.responses)
    expected = methods.compute(read_files([DEMO], pb, _options(block_bytes)).responses, method,
                               by=by)
    _same(scores, expected)
    assert _no_scoring_thread()


def test_merged_waves_are_scored_again(pb, tmp_path):
    """Wave 2 rows merge into wave 1 after both were scored: the result is scored afresh."""
    lines = DEMO.read_text(encoding="utf-8-sig").splitlines()
    header, first = lines[0], lines[1].split(",")
    wave1, wave2 = list(first), list(first)
    wave1[3], wave2[3] = "1", "2"
    columns = header.split(",")
    for k, name in enumerate(columns):  # wave 1: S stems only; wave 2: the rest
        if name.endswith(("_M", "_C", "_I")):
            wave1[k] = ""
        elif name.endswith("_S"):
            wave2[k] = ""
    path = tmp_path / "waves.csv"
    path.write_text("\n".join([header, ",".join(wave1), *lines[2:], ",".join(wave2)]) + "\n",
                    encoding="utf-8")
    result, scores = methods.score_while_reading(
        lambda sink: read_files([path], pb, _options(4096), sink), pb)
    assert len(result.responses) == len(lines) - 1  # the two waves are one respondent
    _same(scores, methods.compute(read_files([path], pb, _options(4096)).responses))


def test_a_failed_read_stops_the_scoring_thread(instruments):
    with pytest.raises(InstrumentError):
        methods.score_while_reading(
            lambda sink: read_files([ROOT / "scoring" / "demo" / "mistakes.csv"],
                                    instruments[("pb", "zh-TW")], _options(4096), sink),
            instruments[("pb", "zh-TW")])
    assert _no_scoring_thread()


def test_a_failed_block_is_raised_by_the_reader(pb, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("planted")

    monkeypatch.setattr(methods.Scorer, "feed", broken)
    with pytest.raises(RuntimeError, match="planted"):
        methods.score_while_reading(lambda sink: read_files([DEMO], pb, _options(4096), sink),
                                    pb)
    assert _no_scoring_thread()
