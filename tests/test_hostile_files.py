"""Files and folders as hostile and careless users make them (issue 14, items 1-13).

Odd ids that make the same file name, special files where a file is expected, kills
between the two renames of a swap, read-only folders and full disks, symbolic links
in a parent of --out, invisible characters in ids. Each test names the item it pins;
every error is asserted with its exact code and text, exit status, and that earlier
output is unchanged.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from conftest import ROOT
from instrument import fonts, tables
from instrument.cli import cli as build_cli
from instrument.errors import InstrumentError
from instrument.loader import BANKS_DIR
from scoring.cli import cli as score_cli

TIMEOUT = 60  # a regression that blocks on a FIFO fails the test instead of hanging it


# --------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def inst(instruments):
    return instruments[("pb", "zh-TW")]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory, inst) -> Path:
    path = tmp_path_factory.mktemp("manifest") / "manifest.json"
    path.write_bytes(tables.manifest_json(inst))
    return path


@pytest.fixture(scope="module")
def demo_manifest(tmp_path_factory, instruments) -> Path:
    """The generic zh-TW manifest: the demo files' instrument."""
    path = tmp_path_factory.mktemp("demo") / "manifest.json"
    path.write_bytes(tables.manifest_json(instruments[("generic", "zh-TW")]))
    return path


@pytest.fixture(scope="module")
def returns(tmp_path_factory, instruments) -> Path:
    """Complete returns of six respondents in two organisations to the demo manifest's
    instrument (made here, so that they always match the bundled bank)."""
    inst = instruments[("generic", "zh-TW")]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(tables.header(inst))
    for r in range(6):
        org = ("臺北市政府工務局公園路燈工程管理處", "臺北市政府工務局")[r % 2]
        answers = [3 + (r + k) % 3 for k in range(len(inst.item_ids))]
        writer.writerow([f"R{r + 1}", org, inst.id, "", *[""] * len(inst.background), *answers])
    path = tmp_path_factory.mktemp("returns") / "returns.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def wave1_csv(inst, rows: list[tuple[str, str, int]]) -> str:
    """A returned wave-1 file: (respondent id, organisation, code): S answers alternate
    ``code`` and ``code - 1`` (every area passes for 4 or 5; no straight-lining); the
    background questions blank."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(tables.header(inst))
    for rid, org, code in rows:
        s_items = [i for i in inst.items if i.stage == "S"]
        answer = {i.id: code - k % 2 for k, i in enumerate(s_items)}
        writer.writerow([rid, org, inst.id, "1", *[""] * len(inst.background),
                         *[answer.get(i, "") for i in inst.item_ids]])
    return buf.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def build(*args: object):
    return CliRunner().invoke(build_cli, [str(a) for a in args])


def score(*args: object):
    return CliRunner().invoke(score_cli, [str(a) for a in args])


def followup(src: Path, manifest: Path, out: Path | None, *extra: str):
    return build("followup", src, "--manifest", manifest, *(["--out", out] if out else []),
                 *extra)


FAST = ("--format", "codebook")
PB = ("--bank", "pmbok6", "--profile", "pb")  # one bank: one folder, one swap
PB_EN = (*PB, "--lang", "en")


def pdf_respondent(path: Path) -> str:
    """The respondent id printed at the foot of the first page of a wave-2 form."""
    text = PdfReader(path).pages[0].extract_text()
    return re.search(r"受訪者編號 (\S+)\n", text).group(1)


def run(args: list[str], cwd: Path = ROOT, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-B", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=TIMEOUT, **kw)


# --------------------------------------------------------------------------- item 1
def test_item1_ids_that_make_the_same_file_name_each_get_their_own_form(inst, manifest,
                                                                         tmp_path):
    """`x-3`, `x`, `x/`: the row-number fallback for `x/` was `wave2-x-3.pdf`, `x-3`'s name."""
    src = tmp_path / "wave1.csv"
    src.write_text(wave1_csv(inst, [("x-3", "", 5), ("x", "", 5), ("x/", "", 5),
                                    ("X", "", 5)]), encoding="utf-8")
    out = tmp_path / "wave2"
    result = followup(src, manifest, out)
    assert result.exit_code == 0, result.output
    assert "4 respondents: 4 wave-2 forms" in result.output
    forms = sorted(p.name for p in out.glob("wave2-*.pdf"))
    assert forms == ["wave2-X-4.pdf", "wave2-x-3-2.pdf", "wave2-x-3.pdf", "wave2-x.pdf"]
    assert {name: pdf_respondent(out / name) for name in forms} == {
        "wave2-x-3.pdf": "x-3", "wave2-x.pdf": "x", "wave2-x-3-2.pdf": "x/",
        "wave2-X-4.pdf": "X"}


# --------------------------------------------------------------------------- item 2
def test_item2_a_respondent_called_all_keeps_their_form_under_combined(inst, manifest,
                                                                        tmp_path, monkeypatch):
    src = tmp_path / "wave1.csv"
    src.write_text(wave1_csv(inst, [("all", "", 5), ("R2", "", 5), ("all-0001", "", 5)]),
                   encoding="utf-8")
    out = tmp_path / "wave2"
    result = followup(src, manifest, out, "--combined")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "followup.csv", "wave2-R2.pdf", "wave2-all-0001-3.pdf", "wave2-all-1.pdf",
        "wave2-all.pdf", "wave2.geometry.json"]
    assert pdf_respondent(out / "wave2-all-1.pdf") == "all"
    assert pdf_respondent(out / "wave2-all-0001-3.pdf") == "all-0001"  # with or without
    assert len(PdfReader(out / "wave2-all.pdf").outline) == 3  # the printing file: all three
    monkeypatch.setattr("instrument.pdf.COMBINED_BATCH", 2)  # printing files wave2-all-000N
    result = followup(src, manifest, out, "--combined")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "followup.csv", "wave2-R2.pdf", "wave2-all-0001-3.pdf", "wave2-all-0001.pdf",
        "wave2-all-0002.pdf", "wave2-all-1.pdf", "wave2.geometry.json"]
    assert pdf_respondent(out / "wave2-all-0001-3.pdf") == "all-0001"


# --------------------------------------------------------------------------- item 3
def test_item3_build_refuses_to_delete_a_users_files_in_an_output_folder(tmp_path):
    out = tmp_path / "out"
    assert build("build", "--out", out, *PB_EN, *FAST).exit_code == 0
    folder = out / "pmbok6" / "pb-en"
    (folder / "notes.txt").write_text("my notes on the pilot")
    (folder / "returns").mkdir()
    before = snapshot(tmp_path)
    result = build("build", "--out", out, *PB_EN, *FAST)
    assert result.exit_code == 1
    assert result.output == (
        "Error: 1 problem found; nothing was written.\n"
        f"{folder}: output folder problem: {folder} holds files build.py did not write "
        "(notes.txt, returns); the folder is replaced whole, so move them elsewhere first "
        "[BUILD_003]\n"
        "    fix: choose another --out folder\n")
    assert snapshot(tmp_path) == before


def test_item3_every_file_a_build_writes_is_one_it_may_replace(instrument):
    from instrument.artifacts import FORMATS, OWN_FILES, render
    from instrument.xlsform import xlsform

    assert set(render(instrument, FORMATS)) | {"xlsform.xlsx"} <= OWN_FILES
    assert xlsform([instrument])  # the xlsform command's one file


# --------------------------------------------------------------------------- item 4
class _FailingReplace:
    """os.replace that fails on its ``when``-th call: the swap's second rename."""

    def __init__(self, when: int = 2):
        self.when, self.calls = when, 0
        self.real = os.replace

    def __call__(self, src, dst):
        self.calls += 1
        if self.calls == self.when:
            raise OSError(errno.EIO, "Input/output error")
        return self.real(src, dst)


def _io_error(where: Path) -> str:
    return (f"{where}: cannot write the output: Input/output error [OUTPUT_001]\n"
            "    fix: check the folder and the disk, then run again; earlier results there "
            "were left as they were\n")


def test_item4_build_failing_between_the_two_renames_keeps_the_earlier_folder(tmp_path,
                                                                              monkeypatch):
    out = tmp_path / "out"
    assert build("build", "--out", out, *PB, *FAST).exit_code == 0
    before = snapshot(out)
    monkeypatch.setattr(os, "replace", _FailingReplace(when=2))
    result = build("build", "--out", out, *PB, "--format", "entry")
    assert result.exit_code == 1
    assert result.output == "Error: 1 problem found; nothing was written.\n" + _io_error(out)
    assert snapshot(out) == before
    assert sorted(p.name for p in (out / "pmbok6").iterdir()) == ["pb-en", "pb-zh-TW"]


def test_item4_build_failing_on_the_second_folder_puts_the_first_back(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert build("build", "--out", out, *PB, *FAST).exit_code == 0
    before = snapshot(out)
    monkeypatch.setattr(os, "replace", _FailingReplace(when=4))  # pb-en swapped, pb-zh-TW not
    result = build("build", "--out", out, *PB, "--format", "entry")
    assert result.exit_code == 1 and "[OUTPUT_001]" in result.output
    assert snapshot(out) == before


def test_item4_scorer_failing_between_the_two_renames_keeps_earlier_results(
        demo_manifest, tmp_path, monkeypatch, returns):
    out = tmp_path / "results"
    assert score("score", returns, "--manifest", demo_manifest, "--out", out,
                 "--format", "csv").exit_code == 0
    before = snapshot(tmp_path)
    monkeypatch.setattr(os, "replace", _FailingReplace(when=2))
    result = score("score", returns, "--manifest", demo_manifest, "--out", out, "--format", "html")
    assert result.exit_code == 1
    assert result.stderr == "Error: 1 error found; nothing was written.\n" + _io_error(out)
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_item4_followup_failing_between_the_two_renames_keeps_earlier_forms(
        inst, manifest, tmp_path, monkeypatch):
    src = tmp_path / "wave1.csv"
    src.write_text(wave1_csv(inst, [("R1", "", 5)]), encoding="utf-8")
    out = tmp_path / "wave2"
    assert followup(src, manifest, out).exit_code == 0
    before = snapshot(tmp_path)
    monkeypatch.setattr(os, "replace", _FailingReplace(when=2))
    result = followup(src, manifest, out, "--combined")
    assert result.exit_code == 1
    assert result.stderr.endswith("Error: 1 problem found; nothing was written.\n"
                                  + _io_error(out))
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wave1.csv", "wave2"]


# A real kill between the two renames: the child kills itself with SIGKILL on its second
# os.replace, after the earlier folder was moved aside and before the new one is in place.
KILL_ON_SECOND_REPLACE = textwrap.dedent("""
    import os, signal, sys
    real, calls = os.replace, [0]
    def replace(src, dst):
        calls[0] += 1
        if calls[0] == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(src, dst)
    os.replace = replace
    sys.argv = sys.argv[1:]
    if sys.argv[0] == "scoring":
        from scoring.cli import main
    else:
        from instrument.cli import main
    main()
""")


def _killed(args: list[str], cwd: Path) -> None:
    done = run(["-c", KILL_ON_SECOND_REPLACE, *args], cwd=cwd,
               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == -9, done.stderr


@pytest.mark.parametrize("command", ["build", "score", "followup"])
def test_item4_a_kill_between_the_renames_loses_nothing_and_the_next_run_restores(
        command, inst, manifest, demo_manifest, tmp_path, returns):
    src = tmp_path / "wave1.csv"
    src.write_text(wave1_csv(inst, [("R1", "", 5)]), encoding="utf-8")
    if command == "build":
        target = tmp_path / "out" / "pmbok6" / "pb-en"
        args = ["build", "build", "--out", "out", *PB_EN]
        first, second, failing = [*args, *FAST], [*args, "--format", "entry"], \
            ["build", "build", "--out", "out", "--profile", "nosuch"]
    elif command == "score":
        target = tmp_path / "results"
        args = ["scoring", "score", str(returns), "--manifest", str(demo_manifest),
                "--out", "results"]
        first, second = [*args, "--format", "csv"], [*args, "--format", "html"]
        failing = ["scoring", "score", str(ROOT / "scoring" / "demo" / "mistakes.csv"),
                   "--manifest", str(demo_manifest), "--out", "results"]
    else:
        target = tmp_path / "wave2"
        args = ["build", "followup", "wave1.csv", "--manifest", str(manifest), "--out", "wave2"]
        first, second = args, [*args, "--combined"]
        (tmp_path / "broken.json").write_text("{")
        failing = [*args[:4], "broken.json", *args[5:]]
    done = run(["-c", KILL_ON_SECOND_REPLACE, *first], cwd=tmp_path,
               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode != -9  # the first run has nothing to move aside: one rename
    before = snapshot(target)
    assert before
    _killed(second, tmp_path)
    assert not target.exists(), "killed between the renames"
    (aside,) = target.parent.glob(f".{target.name}.staging-*/old")
    assert snapshot(aside) == before, "the earlier folder is kept beside its place"
    done = run(["-c", "import sys; sys.argv = sys.argv[1:]\n"
                "from scoring.cli import main\nfrom instrument.cli import main as b\n"
                "main() if sys.argv[0] == 'scoring' else b()", *failing], cwd=tmp_path,
               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr
    assert snapshot(target) == before, "the next run, even a failing one, puts it back"
    assert not list(target.parent.glob(f".{target.name}.*"))


STRACE = shutil.which("strace")


@pytest.mark.slow
@pytest.mark.skipif(STRACE is None, reason="strace is not installed (apt-get install strace)")
@pytest.mark.parametrize("inject", ["signal=KILL", "error=EIO"])
def test_item4_strace_injected_rename_failure(inject, tmp_path, demo_manifest, returns):
    """The second rename() of a swap fails (EIO) or the process dies on it (SIGKILL)."""
    out = tmp_path / "out"
    mistakes = ROOT / "scoring" / "demo" / "mistakes.csv"
    for args, failing in (
            (["build.py", "build", "--out", str(out), *PB_EN, *FAST],
             ["build.py", "build", "--out", str(out), "--profile", "nosuch"]),
            (["-m", "scoring", "score", str(returns), "--manifest", str(demo_manifest),
              "--out", str(tmp_path / "results"), "--format", "csv"],
             ["-m", "scoring", "score", str(mistakes), "--manifest", str(demo_manifest),
              "--out", str(tmp_path / "results")])):
        assert run(args).returncode == 0
        target = out / "pmbok6" / "pb-en" if args[0] == "build.py" else tmp_path / "results"
        before = snapshot(target)
        traced = [STRACE, "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename,renameat,renameat2",
                  "-e", f"inject=rename,renameat,renameat2:{inject}:when=2",
                  sys.executable, "-B", *args]
        done = subprocess.run(traced, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
        assert "Traceback" not in done.stderr
        if inject == "error=EIO":
            assert done.returncode == 1 and "[OUTPUT_001]" in done.stderr
            assert snapshot(target) == before
        else:
            assert done.returncode in (-9, 137) and not target.exists()
            assert run(failing).returncode == 1  # the next run puts it back, then fails
            assert snapshot(target) == before
        assert not list(target.parent.glob(f".{target.name}.*"))


# --------------------------------------------------------------------------- item 5
@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "returns.csv"
    os.mkfifo(path)
    return path


def _refused(done: subprocess.CompletedProcess, path: object, code: str, kind: str,
             what: str = "cannot read file") -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"{path}: {what}: it is {kind}, not a regular file [{code}]" in done.stderr


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_item5_special_files_are_refused_at_once(kind, fifo, tmp_path, manifest, demo_manifest,
                                                 returns):
    """/dev/zero grew to 6 GB in 15 s, and a FIFO hung forever; each must end in a message."""
    path = fifo if kind == "fifo" else Path("/dev/zero")
    what = "a named pipe (FIFO)" if kind == "fifo" else "a character device"
    _refused(run(["build.py", "validate", str(path)]), path, "YAML_006", what)
    _refused(run(["build.py", "build", "--profile", str(path), "--out", str(tmp_path / "o")]),
             path, "YAML_006", what)
    _refused(run(["-m", "scoring", "check", str(path), "--manifest", str(manifest)]), path,
             "CSV_001", what)
    _refused(run(["-m", "scoring", "score", str(path), "--out", str(tmp_path / "s")]), path,
             "CSV_001", what)
    _refused(run(["-m", "scoring", "check", str(returns), "--manifest", str(path)]), path,
             "MANIFEST_001", what, "cannot read manifest")
    _refused(run(["build.py", "followup", str(path), "--manifest", str(manifest),
                  "--out", str(tmp_path / "f")]), path, "CSV_001", what)
    _refused(run(["build.py", "build", "--profile", "pb", "--lang", "en", "--format", "pdf",
                  "--font", str(path), "--out", str(tmp_path / "o")]), path, "BUILD_005", what,
             "font problem: cannot read it")
    assert not (tmp_path / "o").exists() and not (tmp_path / "s").exists()


def test_item5_a_symbolic_link_loop_is_a_message(tmp_path):
    """Found by the sweep (benchmarks/hostile_sweep.py): Path.resolve() raised RuntimeError."""
    loop = tmp_path / "loop.yaml"
    os.symlink(loop, loop)
    for args in (["validate", loop], ["build", "--profile", loop, "--out", tmp_path / "o"]):
        result = build(*args)
        assert result.exit_code == 1, result.output
        assert f"{loop}: cannot read file: Too many levels of symbolic links [YAML_006]" \
            in result.output


def test_item5_a_fifo_among_the_built_manifests_is_passed_over(tmp_path, returns, instrument):
    """Looking for the manifest under out/ opened every manifest.json, a FIFO too."""
    os.makedirs(tmp_path / "out" / "pmbok6" / "pb-zh-TW")
    os.mkfifo(tmp_path / "out" / "pmbok6" / "pb-zh-TW" / "manifest.json")
    src = tmp_path / "returns.csv"  # an instrument no bundled bank makes either
    src.write_text(returns.read_text(encoding="utf-8").replace(instrument.id, "pmbok6-9.9.9-0"),
                   encoding="utf-8")
    done = run(["-m", "scoring", "check", str(src)], cwd=tmp_path,
               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1 and "[SCORE_001]" in done.stderr


def test_item5_a_folder_given_to_the_reader_is_a_located_message(tmp_path, instrument):
    from scoring.read import read_responses

    with pytest.raises(InstrumentError) as err:
        read_responses([tmp_path], instrument)
    assert str(err.value.problems[0]) == (
        f"{tmp_path}: cannot read file: it is a folder, not a regular file [CSV_001]\n"
        "    fix: check the path, and close the file if another program holds it")


def test_item5_reads_stop_at_the_size_the_file_had_when_opened(tmp_path):
    """Never trust st_size: a file that grows or shrinks while read is refused, not read on."""
    from instrument.inputs import Changed, open_input

    path = tmp_path / "growing.csv"
    path.write_bytes(b"a,b\n" * 1000)
    with open_input(path) as source:
        with open(path, "ab") as fh:
            fh.write(b"more,rows\n" * 100)
        with pytest.raises(Changed, match=r"changed while it was read \(it had 4,000 bytes, "
                                          r"now 5,000\)"):
            source.read_all()
    with open_input(path) as source:
        os.truncate(path, 10)
        with pytest.raises(Changed, match=r"got shorter while it was read \(it had 5,000 "
                                          r"bytes, it ended at 10\)"):
            source.read_all()


# --------------------------------------------------------------------------- item 6
BANK = (BANKS_DIR / "pmbok6.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("threshold, message", [
    (".nan", "threshold nan for scale 'fit5' is outside the scale (1 to 5)"),
    (".inf", "threshold inf for scale 'fit5' is outside the scale (1 to 5)"),
    ("99", "threshold 99 for scale 'fit5' is outside the scale (1 to 5)"),
    ("-1", "threshold -1 for scale 'fit5' is outside the scale (1 to 5)"),
])
def test_item6_a_rule_threshold_off_the_scale_is_refused(threshold, message, tmp_path):
    bank = tmp_path / "bank.yaml"
    bank.write_text(BANK.replace("threshold: {fit5: 3.5,", f"threshold: {{fit5: {threshold},"),
                    encoding="utf-8")
    result = build("validate", bank)
    assert result.exit_code == 1
    line, column = next((n, text.index("{fit5: ") + 8) for n, text
                        in enumerate(BANK.splitlines(), 1) if "threshold: {fit5" in text)
    assert result.output == (
        "Error: 1 problem found; nothing was written.\n"
        f"{bank}:{line}:{column}: rule 'mean': {message} [BANK_012]\n"
        "    fix: give a threshold from 1 to 5, e.g. 3\n")
    assert not (tmp_path / "out").exists()


def test_item6_min_code_share_and_min_answered_are_checked_too(tmp_path):
    bank = tmp_path / "bank.yaml"
    bank.write_text(BANK.replace("min_code: {fit5: 4, agree5: 4, yesno: 1}",
                                 "min_code: {fit5: .nan, agree5: 4, yesno: 0.5}")
                    .replace("share: 0.5\n    min_answered: 0.5",
                             "share: .nan\n    min_answered: .nan"), encoding="utf-8")
    result = build("validate", bank)
    assert result.exit_code == 1
    assert ": rule 'count': min_code nan for scale 'fit5' is outside the scale (1 to 5) " \
           "[BANK_012]" in result.output
    assert ": rule 'count': min_code 0.5 for scale 'yesno' is not a code of the scale " \
           "[BANK_012]\n    fix: give one of the scale's codes (0, 1)" in result.output
    assert ": rule 'count': share nan is not a number [BANK_012]" in result.output
    assert ": rule 'count': min_answered nan is not a number [BANK_012]" in result.output


# --------------------------------------------------------------------------- item 7
def test_item7_the_next_followup_clears_what_a_killed_one_left(inst, manifest, tmp_path):
    src = tmp_path / "wave1.csv"
    src.write_text(wave1_csv(inst, [(f"R{k}", "", 5) for k in range(30)]), encoding="utf-8")
    args = ["build.py", "followup", str(src), "--manifest", str(manifest),
            "--out", str(tmp_path / "wave2")]
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        while not list(tmp_path.glob(".*staging*/**/wave2-R1.pdf")):  # forms being written
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.02)
        proc.kill()
    finally:
        proc.wait(TIMEOUT)
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".")], "it left personal PDFs"
    assert run(args).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wave1.csv", "wave2"]


# --------------------------------------------------------------------------- item 8
def test_item8_two_wave1_files_of_one_name_never_share_the_default_folder(inst, manifest,
                                                                          tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for agency, rid in (("a", "A1"), ("b", "B1")):
        (tmp_path / agency).mkdir()
        (tmp_path / agency / "wave1.csv").write_text(wave1_csv(inst, [(rid, agency, 5)]),
                                                     encoding="utf-8")
    assert followup(Path("a/wave1.csv"), manifest, None).exit_code == 0
    (folder_a,) = (tmp_path / "out" / "followup").iterdir()
    forms_a = snapshot(folder_a)
    result = followup(Path("b/wave1.csv"), manifest, None)
    assert result.exit_code == 0
    folders = sorted((tmp_path / "out" / "followup").iterdir())
    assert len(folders) == 2 and all(re.fullmatch(r"wave1-[0-9a-f]{8}", f.name) for f in folders)
    assert snapshot(folder_a) == forms_a, "agency A's forms are still there"
    assert "wave2-A1.pdf" in forms_a


# --------------------------------------------------------------------------- item 9
def _mount(folder: Path, *options: str) -> bool:
    """A small tmpfs at ``folder`` (root only); False where that cannot be done."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs",
                           str(folder)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def mounted(tmp_path):
    mounts: list[Path] = []

    def _make(name: str, *options: str) -> Path:
        folder = tmp_path / name
        if not _mount(folder, *options):
            pytest.skip("needs root and tmpfs to make a read-only or full file system")
        mounts.append(folder)
        return folder

    yield _make
    for folder in mounts:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def _read_only(folder: Path) -> str:
    return (f"cannot write the output: Read-only file system [OUTPUT_001]\n"
            "    fix: the folder is on a read-only disk or share: pass --out with a folder on a "
            "writable one; earlier results there were left as they were\n")


def test_item9_read_only_folders_give_a_message(mounted, inst, manifest, demo_manifest, returns):
    ro = mounted("ro", "ro", "size=64k")
    src = ro.parent / "wave1.csv"
    src.write_text(wave1_csv(inst, [("R1", "", 5)]), encoding="utf-8")
    for result, where in [
        (build("build", "--out", ro / "out", *PB_EN, *FAST),
         ro / "out"),
        (build("build", "--out", ro, *PB_EN, *FAST), ro),
        (followup(src, manifest, ro / "wave2"), ro / "wave2"),
        (score("score", returns, "--manifest", demo_manifest, "--out", ro / "results",
               "--format", "csv"), ro / "results"),
    ]:
        assert result.exit_code == 1, result.output
        assert f"{where}: " + _read_only(where) in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert list(ro.iterdir()) == []


def test_item9_a_full_disk_gives_a_message_and_keeps_earlier_output(mounted, inst, manifest,
                                                                    demo_manifest, returns):
    disk = mounted("disk", "size=256k")
    out = disk / "out"
    assert build("build", "--out", out, *PB_EN,
                 "--format", "codebook").exit_code == 0  # ~190 kB of 256
    src = disk.parent / "wave1.csv"
    src.write_text(wave1_csv(inst, [(f"R{k}", "", 5) for k in range(3)]), encoding="utf-8")
    before = snapshot(disk)
    full = ("cannot write the output: No space left on device [OUTPUT_001]\n"
            "    fix: the disk is full: free some space on it, or pass --out with a folder on "
            "another disk; earlier results there were left as they were\n")
    for result, where in [
        (build("build", "--out", out, *PB_EN), out),
        (followup(src, manifest, disk / "wave2", "--combined"), disk / "wave2"),
        (score("score", returns, "--manifest", demo_manifest, "--out", disk / "results"),
         disk / "results"),
    ]:
        assert result.exit_code == 1, result.output
        assert f"{where}: " + full in result.output
        assert snapshot(disk) == before
        assert sorted(p.name for p in disk.iterdir()) == ["out"]


@pytest.mark.parametrize("err, fix", [
    (errno.ENOSPC, "the disk is full: free some space on it, or pass --out with a folder on "
                   "another disk"),
    (errno.EACCES, "you may not write into this folder: pass --out with a folder you can write "
                   "to"),
])
def test_item9_write_errors_are_messages_everywhere(err, fix, inst, manifest, demo_manifest,
                                                    tmp_path, monkeypatch, returns):
    """The same without root: the disk fills (or access ends) when the files are synced."""
    src = tmp_path / "wave1.csv"
    src.write_text(wave1_csv(inst, [("R1", "", 5)]), encoding="utf-8")

    def fsync(fd):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(os, "fsync", fsync)
    for result, where in [
        (build("build", "--out", tmp_path / "out", *PB_EN, *FAST),
         tmp_path / "out"),
        (followup(src, manifest, tmp_path / "wave2"), tmp_path / "wave2"),
        (score("score", returns, "--manifest", demo_manifest, "--out", tmp_path / "results",
               "--format", "csv"), tmp_path / "results"),
    ]:
        assert result.exit_code == 1, result.output
        assert (f"{where}: cannot write the output: {os.strerror(err)} [OUTPUT_001]\n"
                f"    fix: {fix}; earlier results there were left as they were\n") \
            in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "wave1.csv"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == [".lock"]  # the build's lock


# --------------------------------------------------------------------------- item 10
def test_item10_invisible_characters_in_ids_make_no_second_respondent(inst, manifest,
                                                                      tmp_path):
    src = tmp_path / "returns.csv"
    src.write_text(wave1_csv(inst, [("R1", "工務局", 5), ("\ufeffR1", "工務局", 4),
                                    ("R\u200b2", "工務\u200b局", 5), ("R3\x07", "", 5)]),
                   encoding="utf-8")
    result = score("check", src, "--manifest", manifest)
    assert result.exit_code == 1
    assert f"{src}:3: respondent 'R1' also appears at {src}:2 with different answers" \
        in result.stderr
    for row, column, value, chars, clean in [
            (3, "respondent_id", "\\ufeffR1", "U+FEFF", "R1"),
            (4, "respondent_id", "R\\u200b2", "U+200B", "R2"),
            (4, "organisation", "工務\\u200b局", "U+200B", "工務局"),
            (5, "respondent_id", "R3\\x07", "U+0007", "R3")]:
        assert (f"{src}:{row}: column '{column}': '{value}' holds invisible characters "
                f"({chars}); read as '{clean}' [CSV_033]") in result.stderr


def test_item10_identical_rows_differing_only_by_a_bom_are_one_respondent(inst, manifest,
                                                                          tmp_path):
    src = tmp_path / "returns.csv"
    src.write_text(wave1_csv(inst, [("R1", "工務局", 5), ("\ufeffR1", "\u200b工務局", 5)]),
                   encoding="utf-8")
    result = score("check", src, "--manifest", manifest)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok  1 respondent in 1 organisation")
    assert f"{src}:3: respondent 'R1' appears again, identically, at {src}:2; kept once " \
           "[CSV_015]" in result.stderr


def test_item10_invisible_characters_in_the_header_are_ignored(inst, manifest, tmp_path):
    text = wave1_csv(inst, [("R1", "", 5)]).replace("respondent_id", "\u200brespondent_id", 1)
    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    result = score("check", tmp_path / "r.csv", "--manifest", manifest)
    assert result.exit_code == 0, result.output


def test_item10_an_answer_with_invisible_characters_is_refused_where_an_id_is_cleaned(
        inst, manifest, tmp_path):
    """Ids and names are cleaned (one respondent is one respondent); an answer, to a stem
    or a background question, is read as written and refused with its cell, never changed
    behind the respondent's back."""
    first = tables.header(inst).index(inst.background[0].id)
    rows = list(csv.reader(io.StringIO(wave1_csv(inst, [("R\u200b1", "", 5)]))))
    rows[1][first] = "\u200b1"
    src = tmp_path / "r.csv"
    src.write_text("".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    result = score("check", src, "--manifest", manifest)
    assert result.exit_code == 1
    assert f"{src}:2:{first + 1}: column '{inst.background[0].id}': '\\u200b1' is not an " \
           "answer to " in result.stderr
    assert f"{src}:2: column 'respondent_id': 'R\\u200b1' holds invisible characters " \
           "(U+200B); read as 'R1' [CSV_033]" in result.stderr


def test_item10_the_invisible_class_is_unicodes_control_and_format_characters():
    from instrument.inputs import INVISIBLE, visible

    wanted = {chr(c) for c in range(0x110000)
              if unicodedata.category(chr(c)) in ("Cc", "Cf")} - set("\x00\t\n\r")
    matched = {chr(c) for c in range(0x110000) if INVISIBLE.match(chr(c))}
    assert wanted <= matched
    # later Unicode versions only add (Egyptian hieroglyph format controls U+13439..)
    assert {unicodedata.category(ch) for ch in matched - wanted} <= {"Cn"}
    assert visible(" \ufeffR\u200b1\u2060 ") == "R1"


@pytest.mark.browser
def test_item10_the_page_cleans_rid_and_org_from_its_link(tmp_path, instrument):
    """?rid= wrote NUL and control characters into the page's CSV (the scorer refused it)."""
    from instrument import html
    from instrument.artifacts import RenderSettings
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "questionnaire.html"
    page_file.write_bytes(html.render(instrument, RenderSettings())["questionnaire.html"])
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu"])
        try:
            names = {}
            for rid, org in [("%EF%BB%BFR1%00%01%E2%80%8B", "%E2%80%8B%E5%B1%80%07"),
                             ("con.txt", "A"), ("-2_3", "A"), ("NUL", "A")]:
                page = browser.new_context().new_page()
                page.goto(page_file.as_uri() + f"?rid={rid}&org={org}")
                with page.expect_download() as info:
                    page.click("main [data-action=download]")
                    page.click("[data-action=download-anyway]")
                data = Path(info.value.path()).read_bytes().decode("utf-8-sig")
                row = next(csv.DictReader(io.StringIO(data, newline="")))
                names[row["respondent_id"]] = (info.value.suggested_filename,
                                               row["organisation"])
                page.context.close()
        finally:
            browser.close()
    assert names == {"R1": ("R1.csv", "局"), "con.txt": ("_con.txt.csv", "A"),
                     "'-2_3": ("2_3.csv", "A"), "NUL": ("_NUL.csv", "A")}


# --------------------------------------------------------------------------- item 11
def _report_pdf(instrument, orgs):
    from test_reports import make_scores

    from scoring.reports import ReportSettings, render

    return render(make_scores(instrument, orgs=orgs), ReportSettings(),
                  files=("report.pdf",))["report.pdf"]


def test_item11_extension_b_names_print_in_a_fallback_font(instrument, tmp_path):
    if fonts.register_fallback() is None:
        pytest.fail("fonts-hanazono is not installed: run `bash scripts/install.sh`")
    data = _report_pdf(instrument, ("𠀋山區公所", "臺北市政府工務局"))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "𠀋山區公所" in text  # drawn, and copied or searched as itself
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    listed = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"\+HanaMinB\s+TrueType\s+\S+\s+yes\s+yes\s+yes", listed), listed
    assert fonts.unprintable("𠀋山區公所", fonts.register()) == ""


def test_item11_names_no_font_can_print_are_said(demo_manifest, tmp_path, monkeypatch, returns):
    monkeypatch.setattr(fonts, "FALLBACKS", ())
    fonts.register_fallback.cache_clear()
    try:
        src = tmp_path / "returns.csv"
        src.write_text(returns.read_text(encoding="utf-8").replace(
            "臺北市政府工務局公園路燈工程管理處", "𠀋山區公所"), encoding="utf-8")
        result = score("score", src, "--manifest", demo_manifest, "--out", tmp_path / "r",
                       "--format", "pdf")
    finally:
        fonts.register_fallback.cache_clear()
    assert result.exit_code == 0, result.output
    message = ("report.pdf: no installed font has '𠀋' (in organisation '𠀋山區公所'); report.pdf "
               "prints it as a box [PDF_003]\n"
               "    fix: install Debian's fonts-hanazono (bash scripts/install.sh does it), or "
               "pass --font PATH to a TrueType font with these characters; report.html shows "
               "them\n")
    assert message in result.stderr
    assert message in (tmp_path / "r" / "warnings.txt").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- item 12
def test_item12_a_symbolic_link_in_a_parent_of_out_is_refused(inst, manifest, demo_manifest,
                                                              tmp_path, monkeypatch, returns):
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, tmp_path / "link")
    (tmp_path / "wave1.csv").write_text(wave1_csv(inst, [("R1", "", 5)]), encoding="utf-8")
    link = Path("link")
    for result, code in [
        (build("build", "--out", link / "out", *PB_EN, *FAST),
         "BUILD_003"),
        (followup(Path("wave1.csv"), manifest, link / "a" / "wave2"), "BUILD_003"),
        (score("score", returns, "--manifest", demo_manifest, "--out", link / "results",
               "--format", "csv"), "SCORE_004"),
    ]:
        assert result.exit_code == 1, result.output
        assert f"link is a symbolic link; refusing to write through it [{code}]" in result.output
    assert list(elsewhere.iterdir()) == []


# --------------------------------------------------------------------------- item 13
def _minus9_bank(tmp_path: Path) -> Path:
    """The bank whose default scale has one missing code, don't know as -9, listed first."""
    fit5 = BANK.index("  - id: fit5\n")
    head, tail = BANK[:fit5], BANK[fit5:]
    tail = tail.replace(
        "      - {code: 1, label: {zh-TW: 完全不符合, en: Not at all true}}\n",
        "      - {code: -9, label: {zh-TW: 不清楚, en: Don't know}, missing: dont_know}\n"
        "      - {code: 1, label: {zh-TW: 完全不符合, en: Not at all true}}\n", 1)
    for code in ("8", "9"):  # fit5's own 8 and 9: the first ones after its heading
        start = tail.index(f"      - {{code: {code}, ")
        tail = tail[:start] + tail[tail.index("\n", start) + 1:]
    path = tmp_path / "minus9.yaml"
    path.write_text(head + tail, encoding="utf-8")
    return path


def test_item13_a_missing_code_of_minus_9_and_xlsx_text_has_no_quote(tmp_path):
    """The codebook names each missing code with its kind ('-9=dont_know'): text, which
    codebook.csv guards with a "'" (a cell starting with '-' is a formula to Excel), and
    the workbook's codebook sheet stores as a string cell, shown without it."""
    bank = _minus9_bank(tmp_path)
    result = build("build", "--bank", bank, "--profile", "pb", "--lang", "en",
                   "--format", "codebook", "--format", "entry", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "pmbok6" / "pb-en"
    rows = [r for r in csv.DictReader(io.StringIO(
        (folder / "codebook.csv").read_bytes().decode("utf-8-sig"))) if r["kind"] == "item"]
    assert rows[0]["missing_values"] == "'-9=dont_know"  # CSV text: guarded
    assert rows[0]["values"].startswith("'-9=Don't know (missing: don't know); 1=")
    sheet = load_workbook(folder / "data-entry.xlsx")["codebook"]
    header = [c.value for c in sheet[1]]
    first = next(r for r in range(2, sheet.max_row + 1)
                 if sheet.cell(row=r, column=header.index("kind") + 1).value == "item")
    cells = {name: sheet.cell(row=first, column=k + 1) for k, name in enumerate(header)}
    assert cells["missing_values"].value == "-9=dont_know"  # no "'" shown
    assert cells["missing_values"].data_type == "s"  # a string cell, never a formula
    assert cells["values"].value.startswith("-9=Don't know (missing: don't know); 1=")
    assert cells["values"].data_type == "s"


def test_item13_xlsx_text_starting_with_equals_is_a_string_not_a_formula():
    from openpyxl import Workbook

    wb = Workbook()
    tables.append_text_row(wb.active, ['=HYPERLINK("http://x","y")', "+1", 4])
    ws = load_workbook(io.BytesIO(tables.save_workbook(wb))).active
    assert [(c.value, c.data_type) for c in ws[1]] == [
        ('=HYPERLINK("http://x","y")', "s"), ("+1", "s"), (4, "n")]


def test_item13_a_long_bank_version_is_refused(tmp_path):
    bank = tmp_path / "bank.yaml"
    version = re.search(r"(?m)^version: (.*)$", BANK)
    bank.write_text(BANK.replace(version[0], "version: 1.0." + "0" * 5000, 1),
                    encoding="utf-8")
    line = BANK[:version.start()].count("\n") + 1
    result = build("validate", bank)
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: 1 problem found; nothing was written.\n"
        f"{bank}:{line}:10: version: {repr('1.0.' + '0' * 5000)[:40]}\u2026 is not allowed "
        "here. Semantic version in quotes-free form, e.g. 1.0.0 (at most 6 digits a part")
    assert len(result.output) < 600


def test_item13_a_missing_glyph_names_the_row_and_column(inst, manifest, tmp_path):
    src = tmp_path / "wave1.csv"
    src.write_text(wave1_csv(inst, [("R1", "工務局", 5), ("R2", "𠀋山區公所", 5),
                                    ("R3", "𠀋山區公所", 5)]), encoding="utf-8")
    result = followup(src, manifest, tmp_path / "wave2")
    assert result.exit_code == 1
    assert result.output == (
        "Error: 1 problem found; nothing was written.\n"
        f"{src}:3: the font has no glyph for '𠀋' (in column 'organisation') [PDF_002]\n"
        "    fix: pass --font PATH to a TrueType font with these characters (e.g. Windows "
        "mingliu.ttc), or change the text\n")
    assert not (tmp_path / "wave2").exists()


def test_item13_dev_zero_is_not_called_no_such_file(tmp_path):
    result = build("build", "--profile", "/dev/zero", "--out", tmp_path)
    assert result.exit_code == 1
    assert "/dev/zero: cannot read file: it is a character device, not a regular file " \
           "[YAML_006]" in result.output


def test_item13_a_file_truncated_while_read_is_said_so(inst, manifest, tmp_path, monkeypatch):
    import scoring.read as read

    src = tmp_path / "returns.csv"
    src.write_text(wave1_csv(inst, [(f"R{k}", "工務局", 5) for k in range(50)]),
                   encoding="utf-8")
    detect = read._detect_encoding

    def detect_then_truncate(source, *args):
        codec = detect(source, *args)
        os.truncate(src, 5000)  # mid-row, mid-character perhaps: another program rewrites it
        return codec

    monkeypatch.setattr(read, "_detect_encoding", detect_then_truncate)
    size = src.stat().st_size
    result = score("check", src, "--manifest", manifest)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: 1 error found; nothing was written.\n"
        f"{src}: the file got shorter while it was read (it had {size:,} bytes, it ended at "
        "5,000) [CSV_032]\n"
        "    fix: wait until the program writing the file (a download, a sync client, Excel "
        "saving) has finished, then run again; nothing was read from it\n")


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("utf-32"),
    lambda text: ("sep=,\r\n" + text).encode("utf-8"),
    lambda text: ("sep=;\r\n" + text.replace(",", ";")).encode("utf-8-sig"),
    lambda text: ('"sep=\t"\n' + text.replace(",", "\t")).encode("utf-8"),
], ids=["utf-32", "sep-comma", "sep-semicolon-bom", "sep-tab-quoted"])
def test_item13_utf32_and_excels_sep_line_are_read(encode, inst, manifest, tmp_path):
    src = tmp_path / "returns.csv"
    text = wave1_csv(inst, [("R1", "工務局", 5), ("R2", "工務局", 4)])
    src.write_bytes(encode(text[:text.rindex(",4,")] + ",7," + text[text.rindex(",4,") + 3:]))
    result = score("check", src, "--manifest", manifest)
    assert result.exit_code == 1
    # the header is read; the one problem is the bad code, on row 3 as Excel shows it
    assert re.match(rf"Error: 1 error found; nothing was written.\n{re.escape(str(src))}:3: "
                    rf"column '\w+_S': value '7' is not a code of scale {inst.scale.id}",
                    result.stderr)
    result = score("score", src, "--out", tmp_path / "r", "--format", "csv")  # no --manifest:
    # the instrument id was found in the file (the bundled questionnaire of that id, or a
    # built one), and the file read with it
    assert f"value '7' is not a code of scale {inst.scale.id}" in result.stderr


def test_item13_followup_leaves_no_lock_file_beside_out(inst, manifest, tmp_path):
    src = tmp_path / "wave1.csv"
    src.write_text(wave1_csv(inst, [("R1", "", 5)]), encoding="utf-8")
    assert followup(src, manifest, tmp_path / "mail" / "wave2").exit_code == 0
    assert [p.name for p in (tmp_path / "mail").iterdir()] == ["wave2"]


@pytest.mark.parametrize("name", ["con", "CON.txt", "nul", "com1", "lpt9.csv", "aux.", "a ",
                                  "a."])
def test_item13_windows_device_names_are_refused_as_folder_names(name):
    from instrument.atomic import safe_part

    with pytest.raises(InstrumentError) as err:
        safe_part(name)
    assert err.value.codes == ["BUILD_006"]
    assert safe_part("console") == "console" and safe_part("con-zh-TW") == "con-zh-TW"
