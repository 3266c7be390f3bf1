"""Write output folders so that a failed or interrupted run loses nothing.

Everything is first written into a staging folder inside the output root (same
file system), then each target folder is swapped in with ``os.replace``. A run
that fails before the swap leaves the output root exactly as it was; a lock file
keeps two runs into the same root from interleaving.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Mapping

from .errors import InstrumentError, Location, problem

SAFE_PART = re.compile(r"^[A-Za-z0-9\u3400-\u9fff][A-Za-z0-9_.\- \u3400-\u9fff]{0,99}$")


def safe_part(name: str) -> str:
    """A single path component built from an id; refuses '..', separators and oddities."""
    if not SAFE_PART.match(name) or name in (".", "..") or ".." in name:
        raise InstrumentError([problem("BUILD_006", Location("command line"), name=name)])
    return name


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


def _check_target(root: Path, target: Path) -> None:
    # refuse symlinks anywhere between root and target: never write through one
    probe = target
    while True:
        if probe.is_symlink():
            raise InstrumentError([problem("BUILD_003", Location(str(probe)),
                                           detail=f"{probe} is a symbolic link; refusing to write through it")])
        if probe == root or probe.parent == probe:
            break
        probe = probe.parent
    if target.exists() and not target.is_dir():
        raise InstrumentError([problem("BUILD_003", Location(str(target)),
                                       detail=f"{target} exists and is not a folder")])


def write_folders(root: Path, folders: Mapping[str, Mapping[str, bytes]]) -> list[Path]:
    """Write ``{relative folder: {file name: bytes}}`` under ``root``, all or nothing.

    Each relative folder is replaced whole: files of an earlier run that this run
    does not produce are removed with it, so a folder never mixes two runs.
    """
    root = Path(root)
    if root.is_symlink():
        raise InstrumentError([problem("BUILD_003", Location(str(root)),
                                       detail=f"{root} is a symbolic link; refusing to write through it")])
    written: list[Path] = []
    with locked(root):
        # we hold the lock, so a staging folder left here belongs to a run that was killed
        for stale in root.glob(".staging-*"):
            shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
        try:
            for rel, files in folders.items():
                for part in Path(rel).parts:
                    safe_part(part)
                folder = staging / rel
                folder.mkdir(parents=True, exist_ok=True)
                for name, data in files.items():
                    safe_part(name)
                    with open(folder / name, "wb") as fh:
                        fh.write(data)
                        fh.flush()
                        os.fsync(fh.fileno())
            for rel in folders:
                target = root / rel
                _check_target(root, target)
            for rel in folders:  # swap: old -> trash, new -> target
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    trash = staging / ".old" / rel
                    trash.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(target, trash)
                os.replace(staging / rel, target)
                written.append(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return written
