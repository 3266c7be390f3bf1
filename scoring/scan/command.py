"""``python -m scoring scan``: scanned paper forms to responses.csv, flags.csv and
review.html. Only click is imported here; the reader (OpenCV, zxing-cpp, pypdfium2)
when the command runs."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from instrument.atomic import restore_interrupted
from instrument.errors import InstrumentError, Location, problem

from ..output import WARNINGS_FILE, check_out, warnings_text, write_folder

OUT_FILES = frozenset({"responses.csv", "flags.csv", "review.html", WARNINGS_FILE})
FLAG_COLUMNS = ("form", "file", "page", "respondent_id", "column", "reason", "guess")


@click.command("scan")
@click.argument("scans", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--manifest", "manifest_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The manifest.json of the questionnaire that was printed; the box geometry "
                   "written beside it (questionnaire.geometry.json, wave1.geometry.json) is "
                   "read too. Example: --manifest out/pmbok6/pb-zh-TW/manifest.json")
@click.option("--geometry", "geometry_paths", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="More box geometry (repeatable): the .geometry.json of stamped forms "
                   "(build --respondents) or wave-2 forms. Example: --geometry "
                   "out/pmbok6/pb-zh-TW-respondents/questionnaire.geometry.json")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/scan"), show_default=True,
              help="Folder for responses.csv, flags.csv and review.html; replaced as a whole, "
                   "and only if it holds nothing but an earlier scan's files. "
                   "Example: --out scanned/batch1")
@click.option("--corrections", "correction_paths", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Corrections saved by review.html (form,column,value; repeatable, later "
                   "files win). Example: --corrections ~/Downloads/corrections.csv")
@click.option("--max-file-size", type=click.IntRange(min=1), default=2048, show_default=True,
              metavar="MB", help="Refuse scans larger than this many megabytes. "
                                 "Example: --max-file-size 4096")
def scan_cmd(scans: tuple[Path, ...], manifest_path: Path, geometry_paths: tuple[Path, ...],
             out_dir: Path, correction_paths: tuple[Path, ...], max_file_size: int) -> None:
    """Read scanned paper forms into the scorer's response file.

    Reads multi-page PDF, multi-page TIFF (G4 fax too), PNG and JPEG scans; pages may
    come in any order, turned 90 or 180 degrees, mixed between respondents (stamped
    forms). Each page is identified by its QR code and aligned by its corner markers;
    one crossed box is the answer, a box filled in is cancelled, two marks or a faint
    one are flagged, never guessed. Writes OUT/responses.csv (score it with `python -m
    scoring score`), OUT/flags.csv and OUT/review.html, where a person types the
    flagged items; the page saves corrections.csv for --corrections. Unusable input
    (an unreadable file, a page of another questionnaire, a missing or repeated page)
    writes nothing.

    \b
    Examples:
      python -m scoring scan scans/*.pdf --manifest out/pmbok6/pb-zh-TW/manifest.json \\
          --out scanned/
      python -m scoring scan scans/*.pdf --manifest out/pmbok6/pb-zh-TW/manifest.json \\
          --out scanned/ --corrections ~/Downloads/corrections.csv
      python -m scoring score scanned/responses.csv --manifest out/pmbok6/pb-zh-TW/manifest.json
    """
    from instrument.manifest import load_manifest
    from instrument.contract import csv_bytes

    from . import corrections, geometry, review, scan

    started = time.perf_counter()
    restore_interrupted(out_dir)
    instrument = load_manifest(manifest_path)
    check_out(out_dir, OUT_FILES)
    paths = [*geometry.beside(manifest_path), *geometry_paths]
    if not paths:
        raise InstrumentError([problem("SCAN_002", Location(str(manifest_path)),
                                       detail=f"no *.geometry.json next to {manifest_path}")])
    geos = geometry.load(paths)
    fixes = corrections.read(correction_paths)
    result = scan(scans, instrument, geos, fixes=fixes, max_file_bytes=max_file_size * 1024**2)
    files = {
        "responses.csv": csv_bytes([list(instrument.columns)]
                                   + [[r[c] for c in instrument.columns] for r in result.rows]),
        "flags.csv": csv_bytes([list(FLAG_COLUMNS)] + [[f.form, f.file, f.page, f.respondent,
                                                        f.column, f.reason, f.guess]
                                                       for f in result.flags]),
        "review.html": review.render(result.flags, instrument, result.applied),
    }
    if result.warnings:
        files[WARNINGS_FILE] = warnings_text(result.warnings).encode("utf-8")
        click.echo(warnings_text(result.warnings), err=True, nl=False)
    write_folder(out_dir, files, OUT_FILES)
    seconds = time.perf_counter() - started
    marks = sum(f.kind == "mark" for f in result.flags)
    click.echo(f"read {result.pages} page{'s' * (result.pages != 1)} ({len(result.forms)} "
               f"form{'s' * (len(result.forms) != 1)}, {result.items_read:,} items) in "
               f"{seconds:.1f} s: {marks} item{'s' * (marks != 1)} flagged, "
               f"{len(result.flags) - marks} written field{'s' * (len(result.flags) - marks != 1)}"
               f" to type, {len(fixes)} correction{'s' * (len(fixes) != 1)} applied")
    click.echo(f"wrote {out_dir}/: {', '.join(files)}")
    if result.flags:
        click.echo(f"next: open {out_dir / 'review.html'}, save the corrections, and run again "
                   "with --corrections FILE", err=True)
    sys.stdout.flush()
