"""The hostile-case sweep of ``bench_hostile.py``: hundreds of small cases, each the real
command in a child process with a time limit, counted as tried / traceback / hang / lost.

A case gives a **traceback** when the child's output holds one, a **hang** when it
outlives ``TIMEOUT``, and a **lost file** when an answer or an earlier result is gone
or misfiled afterwards: a respondent without their own wave-2 form (or with another's),
a respondent missing from respondents.csv, an earlier output folder changed by a run
that failed or was killed (after the next run had its chance to put it back), a file
of the user's deleted, or a write through a symbolic link. A case also fails when its
exit status is not one it allows (``bad exit``), counted apart.

Kinds of case: odd ids and organisation names (each id one case, for follow-ups and
for scoring), special files (FIFO, /dev/zero, a folder, links) in every input
position of every command, broken response files, hostile bank rules, kills at random
moments and between the two renames of a swap, a failure between the renames, full
disks and read-only folders (tmpfs mounts; root only), symbolic links in --out,
folders holding a user's files, and concurrent runs into one place.
"""

from __future__ import annotations

import csv
import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
BUILD = [str(ROOT / "build.py")]
SCORE = ["-m", "scoring"]
DEMO = ROOT / "scoring" / "demo"
LABEL = "受訪者編號 "  # before the respondent id at the foot of a zh-TW wave-2 form


@dataclass
class Result:
    kind: str
    name: str
    traceback: bool = False
    hang: bool = False
    lost: bool = False
    bad_exit: bool = False
    note: str = ""

    @property
    def ok(self) -> bool:
        return not (self.traceback or self.hang or self.lost or self.bad_exit)


@dataclass
class Run:
    code: int | None  # None: killed after TIMEOUT
    output: str


def child(args: list[str], cwd: Path, prefix: list[str] | None = None) -> Run:
    try:
        done = subprocess.run([*(prefix or []), sys.executable, *args], cwd=cwd, env=ENV,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return Run(None, "")
    return Run(done.returncode, done.stdout + done.stderr)


def judged(kind: str, name: str, run: Run, allowed: Iterable[int], lost: bool = False,
           note: str = "") -> Result:
    last = run.output.strip().splitlines()[-1][:120] if run.output.strip() else ""
    return Result(kind, name, traceback="Traceback" in run.output, hang=run.code is None,
                  lost=lost, bad_exit=run.code is not None and run.code not in set(allowed),
                  note=note or last)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()} if folder.is_dir() else {}


# --------------------------------------------------------------------------- fixtures
class World:
    """The instrument, its manifest and the helpers every case uses."""

    def __init__(self, work: Path):
        from instrument.compile import compile_instrument
        from instrument.loader import load_bank, load_profile
        from instrument.tables import header, manifest_json

        self.work = work
        bank = load_bank("pmbok6")
        self.inst = compile_instrument(bank, load_profile("pb", bank), "zh-TW")
        self.header = header(self.inst)
        self.manifest = work / "manifest.json"
        self.manifest.write_bytes(manifest_json(self.inst))
        generic = compile_instrument(bank, load_profile("generic", bank), "zh-TW")
        self.demo_manifest = work / "demo-manifest.json"
        self.demo_manifest.write_bytes(manifest_json(generic))
        # complete returns to the demo manifest's questionnaire, in two files
        self.returns = [self._returns(generic, work / f"returns-{part}.csv", part)
                        for part in ("a", "b")]
        self.n = 0

    @staticmethod
    def _returns(inst, path: Path, part: str) -> Path:
        from instrument.tables import header

        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header(inst))
        for r in range(6):
            org = ("臺北市政府工務局公園路燈工程管理處", "臺北市政府工務局")[r % 2]
            answers = [3 + (r + k) % 3 for k in range(len(inst.item_ids))]
            writer.writerow([f"{part}{r + 1}", org, inst.id, "", *[""] * len(inst.background),
                             *answers])
        path.write_text(buf.getvalue(), encoding="utf-8")
        return path

    def folder(self, name: str) -> Path:
        self.n += 1
        path = self.work / f"{self.n:03d}-{name}"
        path.mkdir()
        return path

    def wave1(self, path: Path, rows: list[tuple[str, str]]) -> Path:
        """Each respondent passes every area (S answers alternate 5 and 4)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.header)
        s_items = [i.id for i in self.inst.items if i.stage == "S"]
        answers = {i: 5 - k % 2 for k, i in enumerate(s_items)}
        for rid, org in rows:
            writer.writerow([rid, org, self.inst.id, "1", *[""] * len(self.inst.background),
                             *[answers.get(i, "") for i in self.inst.item_ids]])
        path.write_text(buf.getvalue(), encoding="utf-8")
        return path


# --------------------------------------------------------------------------- odd ids
IDS = ["x-3", "x", "x/", "X", "all", "ALL", "all-0001", "wave2-all", ".", "..", "../etc",
       "a/../../b", "con", "nul.txt", "-2_3", "--help", "=HYPERLINK(\"x\")", "+1", "@SUM(1)",
       "<script>alert(1)</script>", "\"quoted\"", "a,b", "R 1", " lead", "trail ", "\ufeffR9",
       "R\u200b8", "R7\u2060", "\u202eR6", "工務局", "工務局/1", "R/1", "R_1", "r_1", "a" * 120,
       "b" * 120 + "1", "b" * 120 + "2", "1e5", "0x4", "null", "NaN", "Q\x07"]
UNPRINTABLE_IDS = ["𠀋", "😀"]  # no glyph in the form's font: follow-up refuses, naming the row


def odd_ids(world: World) -> list[Result]:
    """One follow-up run (--combined) and one scoring run with every id: each id a case."""
    from instrument.inputs import visible

    ids = IDS + UNPRINTABLE_IDS
    folder = world.folder("ids")
    src = world.wave1(folder / "wave1.csv", [(rid, "") for rid in ids])
    expected = [visible(rid) for rid in ids]
    printable = world.wave1(folder / "printable.csv", [(rid, "") for rid in IDS])
    run = child([*BUILD, "followup", str(printable), "--manifest", str(world.manifest),
                 "--out", str(folder / "wave2"), "--combined"], folder)
    owners = _form_owners(folder / "wave2")
    results = []
    for rid, want in zip(IDS, expected):
        mine = [name for name, who in owners.items() if who == want]
        results.append(judged("odd id: follow-up form", repr(rid), run, (0,),
                              lost=len(mine) != 1, note=", ".join(mine) or "no form"))
    run = child([*BUILD, "followup", str(src), "--manifest", str(world.manifest),
                 "--out", str(folder / "refused")], folder)
    for k, rid in enumerate(UNPRINTABLE_IDS, start=len(IDS) + 2):
        named = f"wave1.csv:{k}: the font has no glyph for '{rid}'" in run.output
        results.append(judged("odd id: unprintable on the form", repr(rid), run, (1,),
                              lost=not named or (folder / "refused").exists()))
    run = child([*SCORE, "score", str(src), "--manifest", str(world.manifest), "--out",
                 str(folder / "scores"), "--format", "csv"], folder)
    scored = _scored_ids(folder / "scores" / "respondents.csv")
    for rid, want in zip(ids, expected):
        results.append(judged("odd id: scored", repr(rid), run, (0,),
                              lost=scored.count(want) != 1))
    return results


def _form_owners(folder: Path) -> dict[str, str]:
    """wave2-*.pdf (not the printing files) -> the respondent id printed at its foot."""
    from pypdf import PdfReader

    owners = {}
    for path in sorted(folder.glob("wave2-*.pdf")):
        if path.name.lower().startswith("wave2-all") and len(PdfReader(path).outline) > 1:
            continue  # a printing file: a bookmark per form
        lines = PdfReader(path).pages[0].extract_text().splitlines()
        found = [line[len(LABEL):].strip() for line in lines if line.startswith(LABEL)]
        owners[path.name] = max(found, key=len, default="")  # the header line may be cut
    return owners


def _scored_ids(path: Path) -> list[str]:
    if not path.is_file():
        return []
    rows = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig")))
    return [r["respondent_id"][1:] if r["respondent_id"][:1] == "'" else r["respondent_id"]
            for r in rows]


ORGS = ["<b>工務局</b>", "=HYPERLINK(\"x\")", "𠀋山區公所", "\u202e局務工", "a" * 900,
        "工務局\u200b", "Parks & Lighting \"Office\"", "臺北市政府\t工務局"]


def odd_organisations(world: World) -> list[Result]:
    """A follow-up and a scoring run per organisation name (a name the form's font cannot
    print is a located error: PDF_002)."""
    results = []
    for org in ORGS:
        folder = world.folder("org")
        src = world.wave1(folder / "wave1.csv", [("R1", org), ("R2", org)])
        run = child([*BUILD, "followup", str(src), "--manifest", str(world.manifest), "--out",
                     str(folder / "wave2")], folder)
        forms = len(list((folder / "wave2").glob("wave2-R*.pdf")))
        results.append(judged("odd organisation: follow-up", repr(org[:20]), run, (0, 1),
                              lost=run.code == 0 and forms != 2))
        run = child([*SCORE, "score", str(src), "--manifest", str(world.manifest), "--out",
                     str(folder / "scores")], folder)
        results.append(judged("odd organisation: scored", repr(org[:20]), run, (0,),
                              lost=sorted(_scored_ids(folder / "scores" / "respondents.csv"))
                              != ["R1", "R2"]))
    return results


# --------------------------------------------------------------------------- special files
def special_files(world: World) -> list[Result]:
    """Each kind of non-file in each input position of each command: refused, at once."""
    folder = world.folder("special")
    fifo = folder / "fifo.csv"
    os.mkfifo(fifo)
    (folder / "a-folder").mkdir()
    (folder / "empty.csv").write_bytes(b"")
    os.symlink("/dev/zero", folder / "zero-link.csv")
    os.symlink(folder / "nowhere", folder / "dangling.csv")
    os.symlink(folder / "loop.csv", folder / "loop.csv")
    kinds = {"fifo": fifo, "/dev/zero": Path("/dev/zero"), "folder": folder / "a-folder",
             "missing": folder / "missing.csv", "empty": folder / "empty.csv",
             "link to /dev/zero": folder / "zero-link.csv",
             "dangling link": folder / "dangling.csv", "link loop": folder / "loop.csv"}
    wave1 = world.wave1(folder / "wave1.csv", [("R1", "")])
    m, out = str(world.manifest), str(folder / "out")
    slots: dict[str, Callable[[str], list[str]]] = {
        "validate FILE": lambda x: [*BUILD, "validate", x],
        "build --profile": lambda x: [*BUILD, "build", "--profile", x, "--out", out],
        "build --bank": lambda x: [*BUILD, "build", "--bank", x, "--out", out],
        "build --font": lambda x: [*BUILD, "build", "--profile", "pb", "--lang", "en",
                                   "--format", "pdf", "--font", x, "--out", out],
        "check FILE": lambda x: [*SCORE, "check", x, "--manifest", m],
        "check --manifest": lambda x: [*SCORE, "check", str(world.returns[0]), "--manifest", x],
        "score FILE (manifest looked up)": lambda x: [*SCORE, "score", x, "--out", out],
        "score --font": lambda x: [*SCORE, "score", str(world.returns[0]), "--manifest",
                                   str(world.demo_manifest), "--font", x, "--out", out],
        "followup WAVE1": lambda x: [*BUILD, "followup", x, "--manifest", m, "--out", out],
        "followup --manifest": lambda x: [*BUILD, "followup", str(wave1), "--manifest", x,
                                          "--out", out],
    }
    jobs = [(kind, slot, make(str(path))) for kind, path in kinds.items()
            for slot, make in slots.items()]
    with ThreadPoolExecutor(3) as pool:
        runs = list(pool.map(lambda job: child(job[2], folder), jobs))
    return [judged("special file", f"{kind} as {slot}", run, (1, 2),
                   lost=(folder / "out").exists() and any((folder / "out").rglob("*.*")))
            for (kind, slot, _), run in zip(jobs, runs)]


# --------------------------------------------------------------------------- broken files
def broken_files(world: World) -> list[Result]:
    good = world.wave1(world.work / "good.csv", [("R1", "工務局"), ("R2", "工務局")]).read_text(
        encoding="utf-8")
    rng = random.Random(14)
    variants = {
        "truncated mid-row": good[: len(good) // 2].encode(),
        "truncated mid-character": good.encode()[: good.encode().index("工".encode()) + 1],
        "random bytes": bytes(rng.randrange(256) for _ in range(5000)),
        "UTF-32 with BOM": good.encode("utf-32"),
        "UTF-16 without BOM": good.encode("utf-16-le"),
        "Excel sep= line": ("sep=,\r\n" + good).encode(),
        "BOM in the middle": good.replace("R2", "\ufeffR2").encode(),
        "NUL in a cell": good.replace("R2", "R\x002").encode(),
        "1 MB cell": good.replace("工務局", "局" * 1_000_000, 1).encode(),
        "CR line ends": good.replace("\n", "\r").encode(),
        "mixed line ends": good.replace("\n", "\r\n", 1).encode(),
        "unclosed quote": good.replace("R2", '"R2').encode(),
        "xls magic": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
        "zip that is no workbook": b"PK\x03\x04" + b"\0" * 100,
        "header only": good.splitlines()[0].encode(),
        "no header": b"\n\n\n",
        "Big5": good.encode("cp950"),
        "10,000 columns": (",".join(f"c{k}" for k in range(10_000)) + "\n").encode(),
    }
    results = []
    for name, data in variants.items():
        folder = world.folder("broken")
        path = folder / "returns.csv"
        path.write_bytes(data)
        run = child([*SCORE, "check", str(path), "--manifest", str(world.manifest)], folder)
        results.append(judged("broken response file", name, run, (0, 1)))
        run = child([*BUILD, "followup", str(path), "--manifest", str(world.manifest), "--out",
                     str(folder / "wave2")], folder)
        results.append(judged("broken wave-1 file", name, run, (0, 1)))
    return results


def hostile_banks(world: World) -> list[Result]:
    from instrument.loader import BANKS_DIR

    bank = (BANKS_DIR / "pmbok6.yaml").read_text(encoding="utf-8")
    version = re.search(r"(?m)^version: .*$", bank)[0]
    edits = {f"threshold {v}": ("threshold: {fit5: 3.5,", f"threshold: {{fit5: {v},")
             for v in (".nan", ".inf", "-.inf", "99", "-1")}
    edits.update({"min_code .nan": ("min_code: {fit5: 4,", "min_code: {fit5: .nan,"),
                  "min_code 2.5": ("min_code: {fit5: 4,", "min_code: {fit5: 2.5,"),
                  "share .nan": ("share: 0.5", "share: .nan"),
                  "min_answered .nan": ("min_answered: 0.5", "min_answered: .nan"),
                  "version of 5,000 characters": (version, "version: 1.0." + "0" * 5000)})
    results = []
    for name, (old, new) in edits.items():
        folder = world.folder("bank")
        path = folder / "bank.yaml"
        path.write_text(bank.replace(old, new, 1), encoding="utf-8")
        results.append(judged("hostile bank", name, child([*BUILD, "validate", str(path)], folder),
                              (1,)))
        run = child([*BUILD, "build", "--bank", str(path), "--profile", "pb", "--lang", "en",
                     "--out", str(folder / "out"), "--format", "html"], folder)
        results.append(judged("hostile bank: build", name, run, (1,),
                              lost=(folder / "out" / "pmbok6").exists()))
    return results


# --------------------------------------------------------------------------- writers
@dataclass
class Writer:
    """One of the three commands that write a folder, set up to run in ``folder``."""

    name: str
    first: list[str]  # a run that writes the earlier output
    second: list[str]  # a run that replaces it
    failing: list[str]  # a run that fails on its input (after restoring)
    target: Path


def writers(world: World, folder: Path) -> list[Writer]:
    wave1 = world.wave1(folder / "wave1.csv", [(f"R{k}", "工務局") for k in range(12)])
    (folder / "broken.json").write_text("{")
    out = folder / "out"
    follow = [*BUILD, "followup", str(wave1), "--manifest", str(world.manifest), "--out",
              str(folder / "wave2")]
    score = [*SCORE, "score", *map(str, world.returns), "--manifest",
             str(world.demo_manifest), "--out", str(folder / "results")]
    return [
        Writer("build", [*BUILD, "build", "--out", str(out), "--bank", "pmbok6", "--profile",
                         "pb", "--format", "codebook"],
               [*BUILD, "build", "--out", str(out), "--bank", "pmbok6", "--profile", "pb",
                "--format", "pdf", "--format", "html"],
               [*BUILD, "build", "--out", str(out), "--profile", "nosuch"],
               out / "pmbok6"),
        Writer("score", [*score, "--format", "csv"], score,
               [*SCORE, "score", str(DEMO / "mistakes.csv"), "--manifest",
                str(world.demo_manifest), "--out", str(folder / "results")],
               folder / "results"),
        Writer("followup", follow, [*follow, "--combined"],
               [*follow[:4], str(folder / "broken.json"), *follow[5:]], folder / "wave2"),
    ]


KILL_ON_REPLACE = textwrap.dedent("""
    import os, signal, sys
    real, calls, when = os.replace, [0], int(sys.argv.pop(1))
    def replace(src, dst):
        calls[0] += 1
        if calls[0] == when:
            if os.environ.get("HOSTILE_EIO"):
                raise OSError(5, "Input/output error")
            os.kill(os.getpid(), signal.SIGKILL)
        return real(src, dst)
    os.replace = replace
    sys.argv = sys.argv[1:]
    import runpy
    if sys.argv[0] == "-m":
        sys.argv = sys.argv[1:]
        runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
    else:
        runpy.run_path(sys.argv[0], run_name="__main__")
""")


def _units(files: dict[str, bytes], per_folder: bool) -> dict[str, dict[str, bytes]]:
    """A build's output folders one by one (each is swapped alone); else the folder whole."""
    if not per_folder:
        return {"": files}
    out: dict[str, dict[str, bytes]] = {}
    for path, data in files.items():
        head, _, rest = path.partition("/")
        out.setdefault(head, {})[rest] = data
    return out


def _whole(before: dict, now: dict, new_names: dict[str, list[str]], per_folder: bool) -> bool:
    """Nothing lost: each output folder is the earlier one, or a complete new one."""
    old = _units(before, per_folder)
    for unit, files in _units(now, per_folder).items():
        if files != old.get(unit) and sorted(files) != new_names.get(unit):
            return False
    return set(old) <= set(_units(now, per_folder))


def kills(world: World) -> list[Result]:
    """Killed at random moments (6 each) and between the two renames of a swap (and a
    failure there); then a run that fails on its input must leave the folder whole."""
    rng = random.Random(1414)
    results = []
    for make in range(3):
        solo = world.folder("solo")
        s = writers(world, solo)[make]
        assert child(s.second, solo).code == 0
        per_folder = s.name == "build"
        new_names = {u: sorted(f) for u, f in _units(snapshot(s.target), per_folder).items()}
        folder = world.folder("kill")
        w = writers(world, folder)[make]
        assert child(w.first, folder).code == 0
        for k in range(6):
            before = snapshot(w.target)
            proc = subprocess.Popen([sys.executable, *w.second], cwd=folder, env=ENV,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0.2, 3.0))
            proc.send_signal(signal.SIGKILL)
            err = proc.communicate(timeout=TIMEOUT)[1].decode(errors="replace")
            run = child(w.failing, folder)
            results.append(judged("killed run", f"{w.name}, kill {k + 1}",
                                  Run(run.code, run.output + err), (1,),
                                  lost=not _whole(before, snapshot(w.target), new_names,
                                                  per_folder)))
        for how, env in (("SIGKILL between the renames", {}),
                         ("EIO between the renames", {"HOSTILE_EIO": "1"})):
            before = snapshot(w.target)
            done = subprocess.run([sys.executable, "-c", KILL_ON_REPLACE, "2", *w.second],
                                  cwd=folder, env={**ENV, **env}, capture_output=True,
                                  text=True, timeout=TIMEOUT)
            run = child(w.failing, folder)
            allowed_first = (-9,) if not env else (1,)
            results.append(Result("swap interrupted", f"{w.name}, {how}",
                                  traceback="Traceback" in done.stderr + run.output,
                                  bad_exit=done.returncode not in allowed_first
                                  or run.code != 1,
                                  lost=snapshot(w.target) != before
                                  or bool(list(w.target.parent.glob(f".{w.target.name}.*")))))
    return results


def _mount(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def disks(world: World) -> list[Result]:
    """Full disks and read-only folders (tmpfs mounts, as root; none elsewhere): the
    earlier output is written, then the disk is made full or read-only, then replaced."""
    results = []
    for label in ("full disk", "read-only folder"):
        folder = world.folder("disk")
        disk = folder / "disk"
        if not _mount(disk, "size=32m"):
            return results
        try:
            for w in writers(world, disk):
                assert child(w.first, folder).code == 0
                before = snapshot(w.target)
                info = os.statvfs(disk)
                used = (info.f_blocks - info.f_bfree) * info.f_frsize
                remount = "ro" if label.startswith("read") else f"size={used + 65536}"
                subprocess.run(["mount", "-o", f"remount,{remount}", str(disk)], check=True)
                run = child(w.second, folder)
                subprocess.run(["mount", "-o", "remount,rw,size=32m", str(disk)], check=True)
                results.append(judged(label, w.name, run, (1,),
                                      lost=snapshot(w.target) != before
                                      or bool(list(w.target.parent.glob(".*staging*")))))
        finally:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)
    return results


def links_and_users_files(world: World) -> list[Result]:
    results = []
    for w_index in range(3):
        folder = world.folder("link")
        victim = folder / "victim"
        victim.mkdir()
        (victim / "keep.txt").write_text("precious")
        os.symlink(victim, folder / "link")
        w = writers(world, folder)[w_index]
        target_arg = str(w.target if w.name != "build" else folder / "out")
        for how, replacement in (("--out is a link", str(folder / "link")),
                                 ("a parent of --out is a link", str(folder / "link" / "x"))):
            args = [replacement if a == target_arg else a for a in w.first]
            run = child(args, folder)
            results.append(judged("symbolic link", f"{w.name}: {how}", run, (1,),
                                  lost=sorted(p.name for p in victim.iterdir()) != ["keep.txt"]))
        assert child(w.first, folder).code == 0
        notes = (w.target / "pb-en" if w.name == "build" else w.target) / "notes.txt"
        notes.write_text("my notes")
        run = child(w.second, folder)
        results.append(judged("user's file in an output folder", w.name, run, (1,),
                              lost=not notes.is_file()))
    return results


def concurrent(world: World) -> list[Result]:
    """Three runs at once into one place: the folder is one run's output, whole."""
    results = []
    for w_index in range(3):
        folder = world.folder("concurrent")
        w = writers(world, folder)[w_index]
        procs = [subprocess.Popen([sys.executable, *args], cwd=folder, env=ENV,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                 for args in (w.first, w.second, w.first)]
        errs = [p.communicate(timeout=TIMEOUT * 3)[1].decode(errors="replace") for p in procs]
        alone = []
        for args in (w.first, w.second):  # each run's output on its own
            solo = world.folder("solo")
            s = writers(world, solo)[w_index]
            child(s.first if args is w.first else s.second, solo)
            alone.append(sorted(snapshot(s.target)))
        now = sorted(snapshot(w.target))
        results.append(Result("concurrent runs", w.name,
                              traceback=any("Traceback" in e for e in errs),
                              bad_exit=any(p.returncode != 0 for p in procs),
                              lost=now not in alone))
    return results


KINDS: dict[str, Callable[[World], list[Result]]] = {
    "ids": odd_ids, "organisations": odd_organisations, "special": special_files,
    "broken": broken_files, "banks": hostile_banks, "kills": kills, "disks": disks,
    "links": links_and_users_files, "concurrent": concurrent,
}


def sweep(work: Path, only: Iterable[str] | None = None) -> list[Result]:
    world = World(work)
    results: list[Result] = []
    for name in only or KINDS:
        started = time.perf_counter()
        found = KINDS[name](world)
        results += found
        bad = [r for r in found if not r.ok]
        print(f"  {name:<14}{len(found):>4} cases  {time.perf_counter() - started:6.1f} s"
              f"  {'ok' if not bad else f'{len(bad)} FAILED'}", flush=True)
        for r in bad:
            flags = [f for f in ("traceback", "hang", "lost", "bad_exit") if getattr(r, f)]
            print(f"      {r.kind}: {r.name}: {', '.join(flags)}  {r.note}", flush=True)
    return results


def summary(results: list[Result]) -> str:
    return (f"{len(results)} hostile cases tried: {sum(r.traceback for r in results)} "
            f"traceback, {sum(r.hang for r in results)} hang, "
            f"{sum(r.lost for r in results)} lost file, "
            f"{sum(r.bad_exit for r in results)} unexpected exit status")
