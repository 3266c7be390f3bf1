"""Write output folders so that a failed or interrupted run loses nothing.

Every output folder is written whole into a staging folder beside it, on the same file
system (``.<name>.staging-XXXX/new``). Only when every file of the run is written and
on disk is it swapped in, with two renames: the earlier folder into the staging folder
(``.../old``), then ``new`` into its place. The earlier folder is deleted only after
the new one is in place. A run killed between the two renames leaves the earlier folder
in ``old``, and the next run into the same place puts it back before anything else
(``recover``); a run that fails there, or is interrupted with Ctrl-C, puts it back at
once. So an output folder is always either the earlier one or the new one, whole.

A lock keeps two runs into the same place from interleaving; paths never go through
a symbolic link; names made from ids are checked (``safe_part``); and an operating
system error while writing (a read-only folder, a full disk) is a message
(``OUTPUT_001``), not a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Collection, Iterator, Mapping

from .errors import InstrumentError, Location, problem

SAFE_PART = re.compile(r"^[A-Za-z0-9\u3400-\u9fff][A-Za-z0-9_.\- \u3400-\u9fff]{0,99}$")
# device names Windows refuses as a file or folder name, with any extension ("con.txt")
WINDOWS_DEVICE = re.compile(r"^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|"
                            r"lpt[0-9\u00b9\u00b2\u00b3])(\..*)?$", re.IGNORECASE)
_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?:staging|old)-[A-Za-z0-9_]+")


def safe_part(name: str) -> str:
    """A single path component built from an id; refuses '..', separators and oddities."""
    if (not SAFE_PART.match(name) or ".." in name or name.endswith((".", " "))
            or WINDOWS_DEVICE.match(name)):
        raise InstrumentError([problem("BUILD_006", Location("command line"), name=name)])
    return name


def symlink_in(path: Path) -> Path | None:
    """The first component of ``path`` that is a symbolic link, or None.

    Every component the user named is checked: of a relative path all of them (from the
    working folder down), of an absolute one all below its top-level folder (on some
    systems /tmp, /var or /home are links, which no other user can plant).
    """
    path = Path(path)
    parts = path.parts
    for k in range(2 if path.is_absolute() else 1, len(parts) + 1):
        probe = Path(*parts[:k])
        if probe.is_symlink():
            return probe
    return None


def foreign_entries(folder: Path, ours: Callable[[str], bool]) -> list[str]:
    """Entries of ``folder`` that replacing it whole would delete but that no run of ours wrote."""
    return sorted(p.name for p in folder.iterdir()
                  if p.is_symlink() or p.is_dir() or not ours(p.name))


# --------------------------------------------------------------------------- errors
_FIXES = {
    errno.EACCES: "you may not write into this folder: pass --out with a folder you can write to",
    errno.EPERM: "you may not write into this folder: pass --out with a folder you can write to",
    errno.EROFS: "the folder is on a read-only disk or share: pass --out with a folder on a "
                 "writable one",
    errno.ENOSPC: "the disk is full: free some space on it, or pass --out with a folder on "
                  "another disk",
    errno.EDQUOT: "your disk quota is used up: free some space, or pass --out with a folder on "
                  "another disk",
}


def write_problem(target: Path, exc: OSError):
    """OUTPUT_001 for an operating-system error while writing into ``target``."""
    fix = _FIXES.get(exc.errno, "check the folder and the disk, then run again")
    return problem("OUTPUT_001", Location(str(target)), detail=exc.strerror or str(exc), fix=fix)


@contextlib.contextmanager
def reported(target: Path) -> Iterator[None]:
    """Turn an ``OSError`` while writing ``target`` into a message (never a traceback)."""
    try:
        yield
    except OSError as exc:
        raise InstrumentError([write_problem(target, exc)]) from None


@contextlib.contextmanager
def _undone_if_failed(folder: Path) -> Iterator[None]:
    """Folders made on the way to ``folder`` are removed again (if empty) when the run fails,
    so a failed run leaves no trace."""
    made = []
    probe = Path(folder)
    while not os.path.lexists(probe) and probe.parent != probe:
        made.append(probe)
        probe = probe.parent
    try:
        yield
    except BaseException:
        for path in made:  # deepest first
            with contextlib.suppress(OSError):
                os.rmdir(path)
        raise


# --------------------------------------------------------------------------- locks
@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``root`` for one run (waits for a concurrent run).

    The lock is ``flock`` on the file ``root/.lock``: the kernel releases it when the
    process ends, so a killed run never leaves it held.
    """
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def locked_folder(folder: Path) -> Iterator[None]:
    """Like ``locked``, but on the folder itself, leaving no file behind.

    For a folder that belongs to the user (the parent of the scorer's --out), where a
    lock file would be litter. ``flock`` on a directory works on Linux and macOS.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --------------------------------------------------------------------------- staging and swap
def _stage(target: Path) -> Path:
    """A new staging folder beside ``target``, with an empty ``new`` folder to fill."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    (staging / "new").mkdir()
    return staging


def _swap(staging: Path, target: Path) -> None:
    """The earlier folder into ``staging/old`` (kept), then ``staging/new`` into its place."""
    if os.path.lexists(target):
        os.replace(target, staging / "old")
    os.replace(staging / "new", target)


def _unswap(staging: Path, target: Path) -> None:
    """Undo ``_swap`` in a run that failed after it."""
    os.replace(target, staging / "new")
    if os.path.isdir(staging / "old"):
        os.replace(staging / "old", target)


def _settle(leftover: Path, target: Path) -> None:
    """Put back an earlier folder that was moved aside if its place is empty, then delete
    the staging folder; keep it if the earlier folder could not be put back."""
    old = leftover / "old"
    if old.is_dir() and not old.is_symlink() and not os.path.lexists(target):
        try:
            os.replace(old, target)
        except OSError:
            return  # the next run tries again
    shutil.rmtree(leftover, ignore_errors=True)


def recover(parent: Path, name: str | None = None) -> None:
    """Settle what killed runs left in ``parent`` (for the folder ``name``, or for any).

    Only called under the lock, so no running run of ours is using them.
    """
    for leftover in parent.glob(f".{glob.escape(name)}.*-*" if name is not None else ".*-*"):
        match = _LEFTOVER.fullmatch(leftover.name)
        if match and (name is None or match["name"] == name) and leftover.is_dir() \
                and not leftover.is_symlink():
            _settle(leftover, parent / match["name"])


def _has_leftovers(parent: Path, name: str | None = None) -> bool:
    pattern = f".{glob.escape(name)}.*-*" if name is not None else ".*-*"
    return parent.is_dir() and any(_LEFTOVER.fullmatch(p.name) for p in parent.glob(pattern))


def restore_interrupted(target: Path) -> None:
    """First thing a run does: put back the folder ``target`` if a killed run moved it aside
    (so even a run that then fails on its input gives the earlier results back)."""
    target = Path(target)
    if symlink_in(target) is None and _has_leftovers(target.parent, target.name):
        with reported(target), locked_folder(target.parent):
            recover(target.parent, target.name)


def restore_interrupted_builds(root: Path) -> None:
    """``restore_interrupted`` for every output folder of a build root (``out/<bank>/*``)."""
    root = Path(root)
    if symlink_in(root) is not None or not root.is_dir():
        return
    parents = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink()
               and _has_leftovers(p)]
    if parents:
        with reported(root), locked(root):
            for parent in parents:
                recover(parent)


def _sync_files(folder: Path) -> None:
    """Every file of ``folder`` on disk before it is swapped in."""
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())


def _sync_folder(folder: Path) -> None:
    """The renames in ``folder`` on disk (where the system can sync a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def replacing(target: Path, check: Callable[[Path], None] = lambda target: None
              ) -> Iterator[Path]:
    """An empty folder to fill; when the block ends without an error it becomes ``target``.

    For a folder among the user's own (the scorer's --out, follow-up forms): the lock is
    on the parent folder itself and the staging folder beside ``target`` is named after
    it, so nothing else there is touched. ``check(target)`` runs before anything is
    created and again under the lock (that ``target`` is no link, holds only an earlier
    run's files, ...).
    """
    target = Path(target)
    check(target)
    with _undone_if_failed(target.parent), reported(target), locked_folder(target.parent):
        recover(target.parent, target.name)
        check(target)  # again: a concurrent run may have changed it while we waited
        staging = _stage(target)
        try:
            yield staging / "new"
            _sync_files(staging / "new")
            _swap(staging, target)
            _sync_folder(target.parent)
        finally:
            _settle(staging, target)


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "xb") as fh:  # never over a file of the same run
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _check_target(root: Path, target: Path, own_files: Collection[str] | None) -> None:
    def refuse(detail: str) -> None:
        raise InstrumentError([problem("BUILD_003", Location(str(target)), detail=detail)])

    probe = target  # no symlink anywhere between root and target: never write through one
    while probe != root and probe.parent != probe:
        if probe.is_symlink():
            refuse(f"{probe} is a symbolic link; refusing to write through it")
        probe = probe.parent
    if target.exists() and not target.is_dir():
        refuse(f"{target} exists and is not a folder")
    if own_files is not None and target.is_dir():
        foreign = foreign_entries(target, own_files.__contains__)
        if foreign:
            shown = ", ".join(foreign[:5]) + (", \u2026" if len(foreign) > 5 else "")
            refuse(f"{target} holds files build.py did not write ({shown}); the folder is "
                   "replaced whole, so move them elsewhere first")


def write_folders(root: Path, folders: Mapping[str, Mapping[str, bytes]],
                  own_files: Collection[str] | None = None) -> list[Path]:
    """Write ``{relative folder: {file name: bytes}}`` under ``root``, all or nothing.

    Each relative folder is replaced whole: files of an earlier run that this run
    does not produce are removed with it, so a folder never mixes two runs. A folder
    that holds anything but ``own_files`` (names an earlier run may have written) is
    refused rather than replaced, so a user's notes there are never deleted.
    """
    root = Path(root)
    link = symlink_in(root)
    if link is not None:
        raise InstrumentError([problem("BUILD_003", Location(str(root)),
                                       detail=f"{link} is a symbolic link; refusing to write "
                                              "through it")])
    for rel, files in folders.items():  # before anything is created
        for part in Path(rel).parts:
            safe_part(part)
        for name in files:
            safe_part(name)
    targets = {rel: root / rel for rel in folders}
    with contextlib.ExitStack() as undo:
        for parent in {t.parent for t in targets.values()}:
            undo.enter_context(_undone_if_failed(parent))
        _write_all(root, folders, targets, own_files)
    return list(targets.values())


def _write_all(root: Path, folders: Mapping[str, Mapping[str, bytes]],
               targets: Mapping[str, Path], own_files: Collection[str] | None) -> None:
    with reported(root), locked(root):
        for stale in root.glob(".staging-*"):  # the staging folders of earlier versions
            shutil.rmtree(stale, ignore_errors=True)
        for parent in {t.parent for t in targets.values()}:
            if parent.is_dir():
                recover(parent)
        for target in targets.values():
            _check_target(root, target, own_files)
        staged: dict[str, Path] = {}
        swapped: list[str] = []
        try:
            for rel, files in folders.items():
                staged[rel] = _stage(targets[rel])
                for name, data in files.items():
                    _write_file(staged[rel] / "new" / name, data)
            for rel in folders:
                _swap(staged[rel], targets[rel])
                swapped.append(rel)
            for parent in {t.parent for t in targets.values()}:
                _sync_folder(parent)
        except BaseException:
            for rel in reversed(swapped):  # a failed run changes nothing
                with contextlib.suppress(OSError):
                    _unswap(staged[rel], targets[rel])
            raise
        finally:
            for rel, staging in staged.items():
                _settle(staging, targets[rel])
