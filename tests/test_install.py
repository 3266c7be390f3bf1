"""The package installs like any other (issue 11): `python -m build` makes an sdist and a
wheel; the wheel, installed into a fresh virtual environment, carries everything read at
run time, and its console scripts build a questionnaire and score the bundled demo from
an empty folder, far from this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """bin/ of a fresh venv with the wheel `python -m build` made from this checkout."""
    work = tmp_path_factory.mktemp("install")
    dist = work / "dist"
    # -P: the checkout's build.py must not shadow PyPA's `build` (STYLE.md, Traps)
    _run([sys.executable, "-P", "-m", "build", "--outdir", dist, ROOT], cwd=work)
    wheels = list(dist.glob("*.whl"))
    assert len(wheels) == 1 and len(list(dist.glob("*.tar.gz"))) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for needed in ["instrument/banks/pmbok6.yaml", "instrument/profiles/pb.yaml",
                   "instrument/schema/bank.schema.json",
                   "instrument/templates/questionnaire.html.j2", "scoring/templates/report.html.j2",
                   "scoring/demo/pb.csv", "scoring/demo/smartcity.csv", "scoring/demo/mistakes.csv",
                   "instrument/locale/messages.pot",
                   "instrument/locale/zh_TW/LC_MESSAGES/messages.po",
                   "instrument/locale/en/LC_MESSAGES/messages.po"]:
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "build.py")) for n in names)
    _run([sys.executable, "-m", "venv", work / "venv"], cwd=work)
    _run([work / "venv" / "bin" / "python", "-m", "pip", "install", "-q",
          "--disable-pip-version-check", wheels[0]], cwd=work)
    return work / "venv" / "bin"


def test_console_scripts_build_and_score_the_demo_from_an_empty_folder(installed, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = _run([installed / "opm-score", "demo"], cwd=empty)  # nothing built: no out/ yet
    assert done.stdout.startswith("scored 60 respondents in 6 organisations from 2 files")
    assert done.stderr.startswith("using the bundled questionnaire pmbok6 generic-zh-TW")
    assert (empty / "out/demo/report.html").stat().st_size > 10_000
    done = _run([installed / "opm-build", "build", "--bank", "pmbok6", "--profile", "pb",
                 "--lang", "zh-TW", "--format", "html"], cwd=empty)
    assert done.stdout.startswith("built 1 instrument (2 files) into out/pmbok6/ in ")
    assert (empty / "out/pmbok6/pb-zh-TW/questionnaire.html").stat().st_size > 100_000
    # the paths `demo --where` prints are the installed package's, and score as given
    where = _run([installed / "opm-score", "demo", "--where"], cwd=empty).stdout.split()
    assert [Path(p).name for p in where] == ["pb.csv", "smartcity.csv", "mistakes.csv"]
    assert str(ROOT) not in where[0]
    _run([installed / "opm-score", "score", *where[:2], "--format", "html", "--out", "res"],
         cwd=empty)
    assert (empty / "res/report.html").is_file()


def test_help_and_version_name_the_console_scripts(installed, tmp_path):
    for script in ("opm-build", "opm-score"):
        done = _run([installed / script, "--help"], cwd=tmp_path)
        assert done.stdout.startswith(f"Usage: {script} [OPTIONS]")
        assert "python build.py" not in done.stdout and "python -m scoring" not in done.stdout
        assert f"\n    {script} " in done.stdout  # the examples use the name it was called by
        assert _run([installed / script, "--version"], cwd=tmp_path).stdout.startswith(
            f"{script}, version ")
    done = _run([installed / "opm-score", "score", "--help"], cwd=tmp_path)
    assert "\n    opm-score score returns/*.csv --out results/\n" in done.stdout


def test_the_installed_package_reads_a_scan_of_its_own_form(installed, tmp_path):
    """The scanner's dependencies (OpenCV, zxing-cpp, pypdfium2) and review.html's template,
    style and script come with the wheel: a blank scan of a form the installed build
    printed is read into responses.csv and review.html."""
    from scoring.scan import synthetic

    _run([installed / "opm-build", "build", "--bank", "pmbok6_short", "--profile", "pb",
          "--lang", "en", "--format", "pdf"], cwd=tmp_path)
    built = tmp_path / "out" / "pmbok6_short" / "pb-en"
    assert (built / "questionnaire.geometry.json").is_file()
    pages = synthetic.render_pages((built / "questionnaire.pdf").read_bytes(), 150)
    (tmp_path / "scan.pdf").write_bytes(synthetic.pdf_of(pages, 150, 80))
    done = _run([installed / "opm-score", "scan", "scan.pdf", "--manifest",
                 built / "manifest.json", "--out", "scanned"], cwd=tmp_path)
    assert "[SCAN_015]" in done.stderr  # the id is typed in at review
    rows = (tmp_path / "scanned" / "responses.csv").read_text(encoding="utf-8-sig")
    assert len(rows.splitlines()) == 2
    assert "<h1>Scan review</h1>" in (tmp_path / "scanned" / "review.html").read_text(
        encoding="utf-8")
