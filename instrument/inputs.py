"""Open the files a user names, safely: regular files only, and every read bounded.

``/dev/zero``, a named pipe (FIFO) or a folder named where a file is expected would
make a plain ``open(path).read()`` hang or fill the memory, and their ``st_size`` (0)
bounds nothing. ``open_input`` opens without blocking, refuses anything that is not a
regular file, and returns an ``Input`` that reads the file through its one descriptor:
every pass over it sees the same file (renaming another file into its place changes
nothing), no pass reads more than the size the file had when it was opened, and a file
that grows, shrinks or is rewritten while it is read is reported (``Changed``), never
read half-way as if it were whole.

Ids and names read from such files may carry characters nobody can see (a byte-order
mark, a zero-width space, a control character pasted from a web page); ``visible``
removes them, so that ``R1`` and ``\\ufeffR1`` are one respondent.
"""

from __future__ import annotations

import io
import os
import re
import stat
from pathlib import Path

_NOT_REGULAR = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                (stat.S_ISSOCK, "a socket"))


class NotReadable(Exception):
    """Why a file cannot be read, worded for a message (callers add their code)."""

    @property
    def detail(self) -> str:
        return str(self)


class TooLarge(NotReadable):
    def __init__(self, size: int, limit: int):
        super().__init__(f"the file is {size:,} bytes, more than the limit of {limit:,}")
        self.size, self.limit = size, limit


class Changed(NotReadable):
    """The file changed while it was read (a program was still writing it)."""


class Input:
    """A regular file opened for reading; ``open()`` gives a fresh reader from its start."""

    def __init__(self, path: Path, fd: int, info: os.stat_result):
        self.path = Path(path)
        self.fd = fd
        self.size = info.st_size
        self._stamp = (info.st_size, info.st_mtime_ns)

    def open(self) -> io.BufferedReader:
        """A reader over the file's bytes (its own position; closing it keeps the file open)."""
        return io.BufferedReader(_Reader(self), buffer_size=1024**2)

    def read_all(self) -> bytes:
        with self.open() as fh:
            return fh.read()

    def head(self, n: int) -> bytes:
        with self.open() as fh:
            return fh.read(n)

    def check_unchanged(self) -> None:
        info = os.fstat(self.fd)
        if (info.st_size, info.st_mtime_ns) != self._stamp:
            raise Changed(f"the file changed while it was read (it had {self._stamp[0]:,} "
                          f"bytes, now {info.st_size:,})")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> "Input":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Reader(io.RawIOBase):
    """Reads ``Input.size`` bytes at most, by position, so passes never disturb each other."""

    def __init__(self, source: Input):
        self.source = source
        self.pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.pos, io.SEEK_END: self.source.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, buffer) -> int:
        room = min(len(buffer), self.source.size - self.pos)
        if room <= 0:
            self.source.check_unchanged()  # grown, or rewritten, while we read it
            return 0
        data = _pread(self.source.fd, room, self.pos)
        if not data:
            raise Changed(f"the file got shorter while it was read (it had "
                          f"{self.source.size:,} bytes, it ended at {self.pos:,})")
        buffer[:len(data)] = data
        self.pos += len(data)
        return len(data)


def _pread(fd: int, n: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, n, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # Windows: passes over one file never overlap
    return os.read(fd, n)


def open_input(path: Path | str) -> Input:
    """Open ``path`` for reading; ``NotReadable`` if it cannot be, or is not a regular file.

    The open never blocks (``O_NONBLOCK``: a FIFO without a writer opens at once, and
    is then refused), so naming a pipe cannot hang a run.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise NotReadable(exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((name for test, name in _NOT_REGULAR if test(info.st_mode)),
                        "a special file")
            raise NotReadable(f"it is {kind}, not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return Input(Path(path), fd, info)


def read_bounded(path: Path | str, limit: int) -> bytes:
    """The whole of a small file; ``TooLarge`` past ``limit`` bytes, never reading more."""
    with open_input(path) as source:
        if source.size > limit:
            raise TooLarge(source.size, limit)
        return source.read_all()


def check_readable(path: Path | str) -> None:
    """Refuse what is not a regular file before handing its path to a library that reads it."""
    open_input(path).close()


# --------------------------------------------------------------------------- invisible text
# Unicode's control (Cc, except tab and line ends, which strip() handles at the edges and a
# NUL, which the readers report as a damaged file) and format (Cf) characters: BOM, zero-width
# space and joiners, bidi marks and embeddings, soft hyphen, word joiner, tag characters.
# tests/test_hostile_files.py checks this class against unicodedata.
INVISIBLE = re.compile(
    "[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]")


def visible(text: str) -> str:
    """``text`` without invisible characters, and without spaces at either end."""
    return INVISIBLE.sub("", text).strip()


def invisible_in(text: str) -> str:
    """The invisible characters of ``text`` as U+XXXX, for a message ('' if none)."""
    found = dict.fromkeys(INVISIBLE.findall(text))
    return ", ".join(f"U+{ord(ch):04X}" for ch in found)
