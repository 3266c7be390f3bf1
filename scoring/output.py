"""What a scoring run writes, and writing it into ``--out`` all or nothing.

``run_files`` decides the files of a run from the chosen formats; large tables
are streamed (a callable that writes into an open file) instead of held as
bytes. ``write_folder`` writes them into a staging folder beside ``--out`` and
swaps it in only when every file is complete (``instrument.atomic.replacing``), so a
failed or interrupted run leaves an existing ``--out`` as it was, and the next run
puts back results a killed run had moved aside. It refuses to replace a folder that
holds files the scorer did not write. A lock on the parent folder keeps two runs
from swapping at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Callable, Mapping

from instrument.atomic import foreign_entries, replacing, symlink_in
from instrument.errors import InstrumentError, Location, Problem, problem

from . import tidy
from .scores import Scores

Writer = Callable[[BinaryIO], object]
FORMATS: dict[str, tuple[str, ...]] = {
    "csv": ("respondents.csv", "organisations.csv", "reliability.csv"),
    "html": ("report.html",),
    "pdf": ("report.pdf",),
    "sav": ("responses.sav",),
    "dta": ("responses.dta",),
}
WARNINGS_FILE = "warnings.txt"
OWN_FILES = frozenset({f for files in FORMATS.values() for f in files} | {WARNINGS_FILE})


LAYOUTS = ("wide", "long")  # of respondents.csv: one row per respondent, or per unit-stage


def run_files(scores: Scores, formats: tuple[str, ...], detail: str = "area",
              report_settings: object | None = None,
              layout: str = "wide") -> dict[str, bytes | Writer]:
    """The files of one run: {file name: bytes, or a function that streams it}.

    ``layout`` of respondents.csv: 'wide' (one row per respondent with each unit's
    level) or 'long' (tidy, one row per respondent x unit x stage with means and
    counts; 60 rows per respondent on PMBOK-6).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown respondents.csv layout {layout!r}; choose wide or long")
    files: dict[str, bytes | Writer] = {}
    if "csv" in formats:
        writer = tidy.write_respondents_wide if layout == "wide" else tidy.write_respondents
        files["respondents.csv"] = lambda fh: writer(scores, fh, detail)
        files["organisations.csv"] = tidy.organisations_csv(scores)
        files["reliability.csv"] = tidy.reliability_csv(scores)
    wanted = {name for f in formats if f != "csv" for name in FORMATS[f]}
    if wanted:
        from .reports import ReportSettings, render

        files.update(render(scores, report_settings or ReportSettings(), files=sorted(wanted)))
    if scores.warnings:
        files[WARNINGS_FILE] = warnings_text(scores.warnings).encode("utf-8")
    return files


def warnings_text(warnings: list[Problem]) -> str:
    return "".join(str(w) + "\n" for w in warnings)


def write_folder(out: Path, files: Mapping[str, bytes | Writer],
                 own: frozenset[str] = OWN_FILES) -> None:
    """Write ``files`` as the whole content of folder ``out``, atomically; ``own``: the
    names a run of this command writes (a folder holding others is refused)."""
    with replacing(Path(out), lambda target: check_out(target, own)) as staging:
        for name, content in files.items():
            with open(staging / name, "xb") as fh:
                if isinstance(content, bytes):
                    fh.write(content)
                else:
                    content(fh)


def check_out(out: Path, own: frozenset[str] = OWN_FILES) -> None:
    """Refuse an --out that is not a folder this scorer may replace (before any work)."""
    def refuse(detail: str) -> None:
        raise InstrumentError([problem("SCORE_004", Location("command line"), path=str(out),
                                       detail=detail)])

    link = symlink_in(out)
    if link is not None:
        refuse(f"{link} is a symbolic link; refusing to write through it" if link != out
               else "it is a symbolic link; refusing to write through it")
    if out.exists() and not out.is_dir():
        refuse("it exists and is not a folder")
    if out.is_dir():
        try:
            foreign = foreign_entries(out, own.__contains__)
        except OSError as exc:
            refuse(exc.strerror or str(exc))
        if foreign:
            shown = ", ".join(foreign[:5]) + (", \u2026" if len(foreign) > 5 else "")
            refuse(f"the folder holds files the scorer did not write ({shown})")
