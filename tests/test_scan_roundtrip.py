"""Paper end to end: build (stamped or not) -> synthetic filled scans -> scan -> score.

The round trip must give exactly the levels that scoring the true answers gives. It
reads the real questionnaire PDFs, with the markers, page codes and geometry the PDF
layout draws (``instrument.marks``); the stamped-forms command is checked on its own
first.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from build import cli as build_cli
from scoring.cli import cli as score_cli
from scoring.scan import geometry, synthetic

DPI = 200


def build(*args: object):
    return CliRunner().invoke(build_cli, ["build", *map(str, args)], catch_exceptions=False)


def score(*args: object):
    return CliRunner().invoke(score_cli, [str(a) for a in args], catch_exceptions=False)


def ids_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ids.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def stamped(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("stamped")
    ids = ids_file(tmp, "respondent_id,organisation\nPB-001,工務局\nPB-002,\na/b,\na_b,\n")
    result = build("--bank", "pmbok6", "--profile", "pb", "--lang", "zh-TW", "--format", "pdf",
                   "--out", tmp / "out", "--respondents", ids)
    assert result.exit_code == 0, result.output
    return tmp / "out" / "pmbok6"


def test_respondents_get_their_own_stamped_forms(stamped):
    folder = stamped / "pb-zh-TW-respondents"
    names = sorted(p.name for p in folder.glob("*.pdf"))
    assert names == ["questionnaire-PB-001.pdf", "questionnaire-PB-002.pdf",
                     "questionnaire-a_b-5.pdf", "questionnaire-a_b.pdf",
                     "wave1-PB-001.pdf", "wave1-PB-002.pdf", "wave1-a_b-5.pdf", "wave1-a_b.pdf"]
    pages = PdfReader(folder / "questionnaire-PB-001.pdf").pages
    assert all("PB-001" in (p.extract_text() or "") for p in pages)
    assert "工務局" in (pages[0].extract_text() or "")


@pytest.mark.parametrize("text, message", [
    ("id,name\nR1,x\n", "ids.csv:1: --respondents: no respondent_id column in row 1 [BUILD_008]"),
    ("respondent_id\nR1\n\n,\nR1\n", "ids.csv:5: --respondents: respondent 'R1' appears again "
     "(first on row 2) [BUILD_008]"),
    ("respondent_id,organisation\n,工務局\n", "ids.csv:2: --respondents: respondent_id is "
     "blank [BUILD_008]"),
    ("respondent_id\n", "ids.csv: --respondents: no respondents [BUILD_008]"),
])
def test_BUILD_008_a_respondents_file_that_does_not_fit(tmp_path, text, message):
    out = tmp_path / "out"
    result = build("--profile", "pb", "--lang", "zh-TW", "--format", "codebook", "--out", out,
                   "--respondents", ids_file(tmp_path, text))
    assert result.exit_code == 1
    assert f"{tmp_path / message}" in result.output
    assert not out.exists()


def _marks_drawn(folder: Path) -> bool:
    return (folder / "questionnaire.geometry.json").exists()


def _truth_csv(path: Path, inst, truths) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(inst.columns)
    for rid, t in truths:
        row = dict.fromkeys(inst.columns, "")
        row.update(respondent_id=rid, instrument=inst.id,
                   organisation={"PB-001": "工務局"}.get(rid, ""))
        row.update({k: "" if v is None else str(v) for k, v in t.answers.items()})
        w.writerow([row[c] for c in inst.columns])
    path.write_text(buf.getvalue(), encoding="utf-8")


def test_build_scan_score_gives_the_levels_of_the_true_answers(stamped, tmp_path):
    from instrument.manifest import load_manifest

    built = stamped / "pb-zh-TW"
    folder = stamped / "pb-zh-TW-respondents"
    assert _marks_drawn(built), "the build wrote no box geometry beside the PDFs"
    geos = geometry.load([folder / "questionnaire.geometry.json"])
    pages = synthetic.form_pages(geos, "full")
    rng = np.random.default_rng(16)
    images, truths = [], []
    for rid in ("PB-001", "PB-002"):
        blank = synthetic.render_pages((folder / f"questionnaire-{rid}.pdf").read_bytes(), DPI)
        scans, truth = synthetic.fill_form(blank, pages, DPI, rng,
                                           synthetic.Degrade(flip=True, jpeg=(0, 0)))
        images += scans
        truths.append((rid, truth))
    order = rng.permutation(len(images))
    scan = tmp_path / "scans.pdf"
    scan.write_bytes(synthetic.pdf_of([images[k] for k in order], DPI, 75))
    manifest = built / "manifest.json"
    result = score("scan", scan, "--manifest", manifest, "--geometry",
                   folder / "questionnaire.geometry.json", "--out", tmp_path / "scanned")
    assert result.exit_code == 0, result.output
    # a person reviews what was flagged (a heavy cross now and then): the true answers
    flags = list(csv.DictReader(io.StringIO(
        (tmp_path / "scanned" / "flags.csv").read_text(encoding="utf-8-sig"))))
    assert len(flags) <= 4  # of 404 items
    answers = dict(truths)
    fixes = tmp_path / "corrections.csv"
    fixes.write_text("form,column,value\n" + "".join(
        f"{f['form']},{f['column']},{answers[f['respondent_id']].answers[f['column']] or ''}\n"
        for f in flags), encoding="utf-8")
    result = score("scan", scan, "--manifest", manifest, "--geometry",
                   folder / "questionnaire.geometry.json", "--out", tmp_path / "scanned",
                   "--corrections", fixes)
    assert result.exit_code == 0, result.output
    _truth_csv(tmp_path / "truth.csv", load_manifest(manifest), truths)
    for name, source in (("from-scan", tmp_path / "scanned" / "responses.csv"),
                         ("from-truth", tmp_path / "truth.csv")):
        got = score("score", source, "--manifest", manifest, "--format", "csv",
                    "--out", tmp_path / name)
        assert got.exit_code == 0, got.output
    scanned = (tmp_path / "from-scan" / "respondents.csv").read_text(encoding="utf-8-sig")
    true = (tmp_path / "from-truth" / "respondents.csv").read_text(encoding="utf-8-sig")
    assert scanned.splitlines()[1:] and sorted(scanned.splitlines()) == sorted(true.splitlines())


def test_wave1_and_wave2_scans_score_as_their_true_answers(tmp_path, instruments):
    """The two-wave route on paper: wave-1 forms scanned, wave-2 forms (stamped, from
    followup) scanned with their geometry, both read files scored together."""
    from instrument import pdf
    from instrument.followup import plan
    from instrument.tables import manifest_json

    inst = instruments[("pb", "zh-TW")]
    built = tmp_path / "built"
    built.mkdir()
    (built / "manifest.json").write_bytes(manifest_json(inst))
    files = pdf.render(inst)
    for name in ("wave1.pdf", "wave1.geometry.json", "questionnaire.geometry.json"):
        (built / name).write_bytes(files[name])
    rng = np.random.default_rng(2)
    geos = geometry.load(geometry.beside(built / "manifest.json"))
    blank = synthetic.render_pages(files["wave1.pdf"], 150)
    clean = synthetic.Degrade(jpeg=(0, 0))
    wave1, truth1 = synthetic.fill_form(blank, synthetic.form_pages(geos, "wave1"), 150, rng,
                                        clean)
    scan1 = tmp_path / "wave1-scans.pdf"
    scan1.write_bytes(synthetic.pdf_of(wave1, 150, 80))
    fixes = tmp_path / "ids.csv"  # the unstamped wave-1 form's id, typed in at review
    form = f"wave1:{scan1}#1"
    fixes.write_text(f"form,column,value\n{form},respondent_id,R1\n", encoding="utf-8")
    result = score("scan", scan1, "--manifest", built / "manifest.json", "--out",
                   tmp_path / "w1", "--corrections", fixes)
    assert result.exit_code == 0, result.output
    [row1] = list(csv.DictReader(io.StringIO(
        (tmp_path / "w1" / "responses.csv").read_text(encoding="utf-8-sig"))))
    assert row1["respondent_id"] == "R1" and row1["wave"] == "1"
    assert {i: row1[i] for i in truth1.answers} == {
        i: "" if v is None else str(v) for i, v in truth1.answers.items()}

    values = np.array([[np.nan if row1[i] == "" else float(row1[i]) for i in inst.item_ids]])
    [p] = plan(inst, ["R1"], [""], values)
    assert p.needs_wave2, "the random wave-1 answers pass no area: change the seed"
    pdf.write_wave2(inst, [p], tmp_path / "w2forms")
    geo2 = tmp_path / "w2forms" / "wave2.geometry.json"
    geos2 = geometry.load([geo2])
    blank = synthetic.render_pages((tmp_path / "w2forms" / "wave2-R1.pdf").read_bytes(), 150)
    wave2, truth2 = synthetic.fill_form(blank, synthetic.form_pages(geos2, "wave2", "R1"), 150,
                                        rng, synthetic.Degrade(jpeg=(0, 0), flip=True))
    scan2 = tmp_path / "wave2-scans.pdf"
    scan2.write_bytes(synthetic.pdf_of(wave2[::-1], 150, 80))  # turned, last page first
    result = score("scan", scan2, "--manifest", built / "manifest.json", "--geometry", geo2,
                   "--out", tmp_path / "w2")
    assert result.exit_code == 0, result.output
    [row2] = list(csv.DictReader(io.StringIO(
        (tmp_path / "w2" / "responses.csv").read_text(encoding="utf-8-sig"))))
    assert row2["respondent_id"] == "R1" and row2["wave"] == "2"
    assert {i: row2[i] for i in truth2.answers} == {
        i: "" if v is None else str(v) for i, v in truth2.answers.items()}
    got = score("score", tmp_path / "w1" / "responses.csv", tmp_path / "w2" / "responses.csv",
                "--manifest", built / "manifest.json", "--format", "csv", "--out",
                tmp_path / "scored")
    assert got.exit_code == 0, got.output
