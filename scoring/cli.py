"""``python -m scoring``: check and score returned questionnaires.

A thin command line over the ``scoring`` package: read and validate
(``scoring.read``), score (``scoring.methods.compute``), render
(``scoring.reports.render``, ``scoring.tidy``) and write everything into
``--out`` at once (``scoring.output``). A user's mistake is a message with
file:row, column and a fix, and exit status 1; a wrong option is exit status 2;
never a traceback. Warnings go to stderr.
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import re
import sys
import time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import click

from instrument import __version__
from instrument.atomic import restore_interrupted
from instrument.cligroup import ReportingGroup
from instrument.errors import InstrumentError, Location, Problem, did_you_mean, problem
from instrument.i18n import languages as report_languages
from instrument.manifest import bundled_instrument, find_manifests, load_manifest
from instrument.model import GateRule, Instrument

from .adapters import PLATFORMS, languages
from .output import FORMATS, LAYOUTS, check_out, run_files, warnings_text, write_folder
from .tidy import DETAIL_LEVELS
from .responses import ReadResult
from .scan.command import scan_cmd
from .variants import Variants

if TYPE_CHECKING:  # scoring.scores imports pandas, which the command line loads only when used
    from .scores import Scores

METHODS = ("staged", "opm3-binary", "coverage")
DETAILS = tuple(DETAIL_LEVELS)
STATS_EXPORT_MAX = 100_000  # respondents up to which .sav and .dta are written by default
MANIFEST_ROOT = Path("out")
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _report(exc: InstrumentError) -> str:
    errors = [p for p in exc.problems if p.severity == "error"]
    warnings = [p for p in exc.problems if p.severity != "error"]
    n_err = _count(errors)
    head = f"{n_err:,} error{'s' if n_err != 1 else ''}"
    if warnings:
        n_warn = _count(warnings)
        head += f" and {n_warn:,} warning{'s' if n_warn != 1 else ''}"
    return f"{head} found; nothing was written.\n" + "\n".join(str(p) for p in exc.problems)


def _count(problems: list) -> int:
    """Problems listed plus those summarised in an 'and N more' line (CSV_027)."""
    total = 0
    for p in problems:
        more = re.match(r"and ([\d,]+) more", p.message) if p.code == "CSV_027" else None
        total += int(more.group(1).replace(",", "")) if more else 1
    return total


class _Cli(ReportingGroup):
    """Reports errors and warnings separately (a read lists both)."""

    report = staticmethod(_report)


# --------------------------------------------------------------------------- options
def _encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r}; use e.g. utf-8, cp950 (Big5) or "
                                 "utf-16") from None
    return value


def _input_options(func):
    """Options shared by `check` and `score`, in the order --help shows them."""
    options = [
        click.argument("files", nargs=-1, required=True,
                       type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option("--manifest", "manifests", multiple=True,
                     type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="The manifest.json of the questionnaire the answers belong to "
                          "(repeatable: forms of one questionnaire for different organisations, "
                          "e.g. the PB and the Smart City forms, score together). Default: the "
                          "built manifests under out/ whose ids the files' 'instrument' column "
                          "names, else the bundled questionnaires of those ids. "
                          "Example: --manifest out/pmbok6/pb-zh-TW/manifest.json"),
        click.option("--encoding", callback=_encoding, default=None, metavar="ENC",
                     help="Text encoding of the CSV files. Default: detected (UTF-8 with or "
                          "without BOM, UTF-16 with BOM, else Big5/cp950 with a warning). "
                          "Example: --encoding cp950"),
        click.option("--strict", is_flag=True,
                     help="Treat warnings (duplicates, straight-lining, answers beyond a closed "
                          "gate, ...) as errors. Example: --strict"),
        click.option("--from", "platform", type=click.Choice(PLATFORMS), default=None,
                     help="The files are a survey platform's export (default: detected from the "
                          "header when unambiguous; see docs/channels/). Example: --from kobo"),
        click.option("--max-file-size", type=click.IntRange(min=1), default=2048,
                     show_default=True, metavar="MB",
                     help="Refuse input files larger than this many megabytes. "
                          "Example: --max-file-size 4096"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group("python -m scoring", cls=_Cli, context_settings=CONTEXT,
             examples_as="python -m scoring")
@click.version_option(__version__, "--version")
def cli() -> None:
    """Check and score returned maturity questionnaires.

    Reads CSV (comma, tab or semicolon; UTF-8, UTF-16 or Big5) and .xlsx files
    (data-entry sheets, and survey platforms' exports and downloads as CSV or
    XLS), checks them against the questionnaire's manifest.json, and computes
    maturity levels 0-4 per respondent and organisation, per knowledge area,
    process group, practice and stage.

    \b
    Examples:
      python -m scoring check returns/*.csv
      python -m scoring score returns/*.csv --out results/
      python -m scoring score scoring/demo/pb.csv scoring/demo/smartcity.csv --out out/demo
      python -m scoring score wave1.csv wave2.xlsx --manifest out/pmbok6/pb-zh-TW/manifest.json
      python -m scoring demo                   # the bundled demo, into out/demo/
      python -m scoring scan scans/*.pdf --manifest out/pmbok6/pb-zh-TW/manifest.json
      python -m scoring compare entry-anna.xlsx entry-ben.xlsx --out typed/agreed

    Installed (pip install . or pipx install .), this is the `opm-score` command.
    """


@cli.command("check")
@_input_options
def check_cmd(files: tuple[Path, ...], manifests: tuple[Path, ...], encoding: str | None,
              strict: bool, platform: str | None, max_file_size: int) -> None:
    """Validate response files only; write nothing.

    Lists every problem with file:row (as the spreadsheet shows it), column and
    how to fix it, and exits with status 1 if there are errors. Warnings go to
    stderr and do not fail the check unless --strict is given.

    \b
    Examples:
      python -m scoring check returns/agency-3.csv
      python -m scoring check scoring/demo/mistakes.csv
      python -m scoring check big5-export.csv --encoding cp950 --strict
    """
    forms = _forms(files, manifests, encoding)
    result = _read(files, forms, encoding, strict, max_file_size, platform)
    _print_warnings(result)
    r = result.responses
    n_org = len({o for o in r.organisation if o})
    click.echo(f"ok  {_plural(len(r), 'respondent')} in {_plural(n_org, 'organisation')} from "
               f"{_plural(len(files), 'file')} (instrument {', '.join(forms.ids)})"
               + (f"; {_plural(len(result.warnings), 'warning')} on stderr"
                  if result.warnings else ""))


@cli.command("score")
@_input_options
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/scores"), show_default=True,
              help="Folder for the results; replaced as a whole, and only if it holds nothing but "
                   "an earlier run's results. Example: --out results/2024-wave1")
@click.option("--method", type=click.Choice(METHODS), default="staged", show_default=True,
              help="Scoring method (see docs/scoring.md). Example: --method coverage")
@click.option("--threshold", type=float, default=None,
              help="Mean an answer set must reach for a stage to count as achieved, instead of "
                   "the manifest's (mean rule only; the report says so). Example: --threshold 4")
@click.option("--rule", "rule_id", default=None, metavar="ID",
              help="Achievement rule of the bank to score with instead of the manifest's; the "
                   "gate that routed respondents stays the manifest's. Example: --rule count")
@click.option("--format", "formats", multiple=True, type=click.Choice(tuple(FORMATS)),
              help="Output to write (repeatable); default: all (above 100,000 respondents all but "
                   "sav and dta). csv = respondents.csv, organisations.csv and reliability.csv. "
                   "Example: --format csv --format html")
@click.option("--respondents", "layout", type=click.Choice(LAYOUTS), default="wide",
              show_default=True,
              help="Layout of respondents.csv: 'wide' = one row per respondent with the level "
                   "of each unit; 'long' = tidy, one row per respondent x unit x stage with "
                   "stage means and counts (60 rows per respondent). Example: --respondents long")
@click.option("--detail", type=click.Choice(DETAILS), default="area", show_default=True,
              help="Units in respondents.csv: 'area' = knowledge areas and process groups; "
                   "'practice' adds the 49 practices. Example: --detail practice")
@click.option("--by", "by", default=None, metavar="QUESTION",
              help="Group the organisation-level results and the reports by the answers to a "
                   "single-choice background question instead of by organisation (codebook.csv "
                   "lists them). Example: --by BG_TRAINING")
@click.option("--lang", type=click.Choice(report_languages()), default=None,
              help="Language of the reports (default: the manifest's). Example: --lang en")
@click.option("--font", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None,
              help="TrueType CJK font for report.pdf (default: as build.py finds one: AR PL "
                   "UMing TW, else the Windows or macOS Traditional Chinese fonts). "
                   "Example: --font C:/Windows/Fonts/mingliu.ttc")
@click.option("--paper", type=click.Choice(("A4", "letter")), default="A4", show_default=True,
              help="Paper size of report.pdf. Example: --paper letter")
def score_cmd(files: tuple[Path, ...], manifests: tuple[Path, ...], encoding: str | None,
              strict: bool,
              platform: str | None, max_file_size: int, out_dir: Path, method: str, threshold: float | None,
              rule_id: str | None, formats: tuple[str, ...], layout: str, detail: str,
              by: str | None, lang: str | None, font: Path | None, paper: str) -> None:
    """Score response files and write results into --out.

    Writes respondents.csv (one row per respondent with each unit's level; tidy
    per stage with --respondents long), organisations.csv (tidy, long),
    reliability.csv, report.html, report.pdf, and the cleaned responses as
    responses.sav (SPSS) and responses.dta (Stata; both by default up to
    100,000 respondents). Invalid input writes nothing and leaves --out as it
    was.

    \b
    Examples:
      python -m scoring score returns/*.csv --out results/
      python -m scoring score returns/*.csv --method coverage --format csv
      python -m scoring score returns.xlsx --threshold 4 --lang en --out results-en/
      python -m scoring score returns/*.csv --respondents long --detail practice
      python -m scoring score returns/*.csv --by BG_TRAINING --out by-training/
    """
    started = time.perf_counter()
    restore_interrupted(out_dir)
    forms = _forms(files, manifests, encoding)
    instrument = forms.instrument
    _check_by(instrument, by)
    rule, overrides = _rule(instrument, rule_id, threshold)
    check_out(out_dir)
    versions = tuple(v for m in forms.members for v in _all_languages(m))
    from .methods import score_while_reading

    # scored block by block as the files are read (scoring.methods.Pipeline)
    result, scores = score_while_reading(
        lambda sink: _read(files, forms, encoding, strict, max_file_size, platform, versions,
                           sink),
        forms, method, rule, overrides or None, units=DETAIL_LEVELS[detail], by=by)
    _print_warnings(result)
    responses = result.responses
    formats = formats or _default_formats(len(responses))
    scores = dataclasses.replace(scores, warnings=[*result.warnings, *scores.warnings])
    if by:  # groups of one or two people: say so, everywhere warnings go
        from .methods import group_labels
        from .privacy import small_group_warnings

        scores = _also_warn(scores, small_group_warnings(
            group_labels(responses.instrument, by, responses.organisation, responses.answers), by))
    if lang and lang != instrument.language:
        other = [v for v in versions if v.language == lang]
        if len(other) == len(forms.members):  # name areas, stages and codes in that language
            scores = scores.relabelled(forms.relabelled(other).instrument)
        else:
            click.echo(f"note: no {lang} version of this questionnaire's bank and profile is "
                       f"bundled; areas, stages and codes keep their {instrument.language} names",
                       err=True)
    settings = None
    if set(formats) - {"csv"}:
        from .reports import ReportSettings

        settings = ReportSettings(language=lang, font=font, paper=paper)
    if "pdf" in formats:  # names no installed font can print: say so, everywhere
        from .report_pdf import font_problems

        scores = _also_warn(scores, font_problems(scores, settings))
    files_out = run_files(scores, tuple(formats), detail, settings, layout)
    write_folder(out_dir, files_out)
    n_org = len({o for o in responses.organisation if o})
    click.echo(f"scored {_plural(len(responses), 'respondent')} in "
               f"{_plural(n_org, 'organisation')} from {_plural(len(files), 'file')} "
               f"(method {method}, {_describe(scores.rule)}) in "
               f"{time.perf_counter() - started:.1f} s")
    click.echo(f"wrote {out_dir}/: {', '.join(files_out)}")


DEMO_FILES = ("pb.csv", "smartcity.csv")  # scored by `demo`; mistakes.csv shows the messages


def demo_folder() -> Path:
    """Where the bundled demo answers are (inside the installed package)."""
    return Path(str(resources.files(__package__) / "demo"))


@cli.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/demo"), show_default=True,
              help="Folder for the demo's results (as score --out). Example: --out demo-results/")
@click.option("--lang", type=click.Choice(report_languages()), default=None,
              help="Language of the reports (default: Chinese). Example: --lang en")
@click.option("--where", is_flag=True,
              help="Only print the paths of the bundled demo files, one a line, to copy or "
                   "score yourself. Example: --where")
@click.pass_context
def demo_cmd(ctx: click.Context, out_dir: Path, lang: str | None, where: bool) -> None:
    """Score the bundled demo answers: six organisations, two kinds of agency.

    The same as `python -m scoring score` on the demo's pb.csv and
    smartcity.csv (they name their questionnaire, so no manifest is needed),
    from any folder. Afterwards read OUT/report.html. mistakes.csv, a batch
    typed in with the usual data-entry mistakes, shows the scorer's messages:
    check it with the path --where prints.

    \b
    Examples:
      python -m scoring demo                   # writes out/demo/report.html and the rest
      python -m scoring demo --lang en --out demo-en/
      python -m scoring demo --where           # the demo files' paths
    """
    folder = demo_folder()
    if where:
        for name in (*DEMO_FILES, "mistakes.csv"):
            click.echo(folder / name)
        return
    ctx.invoke(score_cmd, files=tuple(folder / name for name in DEMO_FILES), out_dir=out_dir,
               lang=lang)
    click.echo(f"demo answers in {folder}{os.sep} ({', '.join(DEMO_FILES)}); open "
               f"{out_dir / 'report.html'}")


cli.add_command(scan_cmd)


@cli.command("compare")
@click.argument("entry_a", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("entry_b", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--manifest", "manifests", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The manifest.json of the questionnaire that was typed (as for score; "
                   "default: found from the files' instrument column). "
                   "Example: --manifest out/pmbok6/pb-zh-TW/manifest.json")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out/agreed"), show_default=True,
              help="Folder for agreed.csv, written only when the two files agree; replaced "
                   "as a whole. Example: --out typed/agreed")
@click.option("--encoding", callback=_encoding, default=None, metavar="ENC",
              help="Text encoding of CSV files (default: detected). Example: --encoding cp950")
def compare_cmd(entry_a: Path, entry_b: Path, manifests: tuple[Path, ...], out_dir: Path,
                encoding: str | None) -> None:
    """Double data entry: compare two typings of the same paper forms.

    Reads both files as score does (CSV or the data-entry .xlsx, every check
    included), matches rows by respondent_id (and wave), and lists every cell
    where the two disagree, with both files' rows and both values; a respondent
    typed into one file only is listed too. When nothing disagrees, writes
    OUT/agreed.csv (the scorer's layout, ready for score); otherwise writes
    nothing and exits with status 1.

    \b
    Examples:
      python -m scoring compare entry-anna.xlsx entry-ben.xlsx
      python -m scoring compare anna.csv ben.csv --manifest out/pmbok6/pb-zh-TW/manifest.json \\
          --out typed/agreed
      python -m scoring score out/agreed/agreed.csv
    """
    from .compare import AGREED, agreed_csv, disagreements

    restore_interrupted(out_dir)
    forms = _forms((entry_a, entry_b), manifests, encoding)
    check_out(out_dir, frozenset({AGREED}))
    first = _read((entry_a,), forms, encoding, False, 2048)
    second = _read((entry_b,), forms, encoding, False, 2048)
    for result in (first, second):
        _print_warnings(result)
    found = disagreements(first.responses, second.responses)
    if found:
        raise InstrumentError(found)
    write_folder(out_dir, {AGREED: agreed_csv(first.responses)}, frozenset({AGREED}))
    n = len(first.responses)
    click.echo(f"the two files agree on {_plural(n, 'respondent')}: wrote {out_dir / AGREED}")


# --------------------------------------------------------------------------- helpers
def _default_formats(n_respondents: int) -> tuple[str, ...]:
    """Every format, but the cleaned-response exports only up to STATS_EXPORT_MAX rows.

    responses.sav and .dta hold every answer (SPSS stores 8 bytes a cell): for a
    million respondents 1.6 GB each and minutes of writing, more than all the
    results together. Above the bound they are left out unless asked for with
    --format, and the run says so.
    """
    if n_respondents <= STATS_EXPORT_MAX:
        return tuple(FORMATS)
    click.echo(f"note: responses.sav and responses.dta not written for "
               f"{n_respondents:,} respondents (more than {STATS_EXPORT_MAX:,}); ask for them "
               "with --format sav --format dta", err=True)
    return tuple(f for f in FORMATS if f not in ("sav", "dta"))


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' if n != 1 else ''}"


def _describe(rule: GateRule) -> str:
    if rule.kind == "mean":
        return f"rule {rule.id}: mean \u2265 {rule.threshold:g}"
    return f"rule {rule.id}: {rule.share:.0%} of stems \u2265 {rule.min_code}"


def _read(files: tuple[Path, ...], forms: Variants, encoding: str | None, strict: bool,
          max_file_size: int, platform: str | None = None,
          versions: tuple[Instrument, ...] | None = None, sink=None) -> ReadResult:
    from .read import Limits, ReadOptions, read_files

    limits = Limits(max_file_bytes=max_file_size * 1024**2)
    versions = versions or tuple(v for m in forms.members for v in _all_languages(m))
    options = ReadOptions(encoding=encoding, strict=strict, limits=limits,
                          progress=sys.stderr.isatty(), platform=platform, instruments=versions)
    return read_files(list(files), forms, options, sink)


def _all_languages(instrument: Instrument) -> tuple[Instrument, ...]:
    """The instrument in every language of its bundled bank and profile, so platform exports
    may use either language's labels; just the manifest's language for a user's own files."""
    from instrument.loader import PROFILES_DIR, bundled, load_profile

    bank = _bundled_bank(instrument.bank_id)
    if bank is None or instrument.profile_id not in bundled(PROFILES_DIR):
        return (instrument,)
    try:
        return tuple(languages(instrument, bank, load_profile(instrument.profile_id, bank)))
    except InstrumentError:
        return (instrument,)


def _also_warn(scores: Scores, problems: list[Problem]) -> Scores:
    """Warnings found after the read: on stderr now, and with the results (warnings.txt,
    the reports)."""
    click.echo(warnings_text(problems), err=True, nl=False)
    return dataclasses.replace(scores, warnings=[*scores.warnings, *problems])


def _print_warnings(result: ReadResult) -> None:
    if result.warnings:
        n = len(result.warnings)
        click.echo(f"{_plural(n, 'warning')}:" if n > 1 else "1 warning:", err=True)
        click.echo(warnings_text(result.warnings), err=True, nl=False)


def _forms(files: tuple[Path, ...], manifests: tuple[Path, ...],
           encoding: str | None) -> Variants:
    """The questionnaire(s): from --manifest, and for every other instrument id the files
    name, the built manifest under out/ (or the bundled questionnaire) of that id.

    Several ids are fine when they are forms of one questionnaire (``Variants.of``
    refuses the others, naming both); a form found this way besides the --manifest
    ones is said on stderr. An id with no manifest anywhere is left to the reader,
    which reports the rows that name it.
    """
    from .read import peek_instrument_ids, unreadable  # pandas, when a file is read

    given = [load_manifest(m) for m in manifests]
    named = peek_instrument_ids(files, encoding)
    where = Location("command line")
    if not given and not named:  # a file that cannot be read names no instrument: say that first
        raise InstrumentError(unreadable(files) or [problem("SCORE_002", where)])
    known = {i.id for i in given}
    built = find_manifests(MANIFEST_ROOT) if set(named) - known else {}
    chosen = list(given)
    for ident in sorted(set(named) - known, key=lambda i: named[i]):
        form = _built_or_bundled(ident, built)
        if form is None:
            if given:
                continue  # the reader names the rows (CSV_012)
            raise InstrumentError([problem("SCORE_001", where, ident=ident, root=MANIFEST_ROOT)])
        if given and form.family != given[0].family:
            continue  # another questionnaire: the reader names its rows
        if given:
            click.echo(f"note: {named[ident][0]} also holds answers to form {ident} (profile "
                       f"{form.profile_id}): scored with it, as another form of the same "
                       "questionnaire", err=True)
        chosen.append(form)
    return Variants.of(chosen)


def _built_or_bundled(ident: str, built: dict[str, list[Path]]) -> Instrument | None:
    """The built manifest of ``ident`` under out/ (preferring generic wording, zh-TW), else
    the bundled questionnaire with that id, else None; says on stderr which was used."""
    if ident in built:
        paths = sorted(built[ident], key=_preference)
        if len(paths) > 1:
            click.echo(f"using {paths[0]} (one of {len(paths)} manifests of instrument {ident}; "
                       "pass --manifest to choose another profile or language)", err=True)
        return load_manifest(paths[0])
    inst = bundled_instrument(ident)
    if inst is not None:
        click.echo(f"using the bundled questionnaire {inst.bank_id} {inst.profile_id}-"
                   f"{inst.language} (instrument {ident}; no manifest of it under "
                   f"{MANIFEST_ROOT}/; pass --manifest to choose another)", err=True)
    return inst


def _preference(path: Path) -> tuple:
    """Several profiles share one instrument id: prefer generic wording, then zh-TW."""
    name = path.parent.name
    return (not name.startswith("generic"), not name.endswith("zh-TW"), str(path))


def _rule(instrument: Instrument, rule_id: str | None,
          threshold: float | None) -> tuple[GateRule | None, dict]:
    """The rule to score with and the overrides the report should state."""
    if rule_id is None and threshold is None:
        return None, {}
    rule, overrides = instrument.rule, {}
    if rule_id is not None and rule_id != instrument.rule.id:
        bank = _bundled_bank(instrument.bank_id)
        known = [r.id for r in bank.rules] if bank else [instrument.rule.id]
        if bank is None or rule_id not in known:
            msg = problem("SCORE_005", Location("--rule"), name=rule_id,
                          suggestion=did_you_mean(rule_id, known), bank=instrument.bank_id,
                          known=", ".join(known))
            raise click.BadParameter(f"{msg.message}; {msg.hint}", param_hint="'--rule'")
        from instrument.compile import gate_rule

        rule = gate_rule(bank, rule_id, instrument.scale.id, instrument.language)
        overrides["rule"] = rule_id
    if threshold is not None:
        valid = instrument.scale.valid
        if rule.kind != "mean":
            detail, fix = (f"does not apply to rule '{rule.id}' ({rule.kind})",
                           "leave --threshold out, or use --rule mean")
        elif not min(valid) <= threshold <= max(valid):
            detail, fix = (f"is outside scale {instrument.scale.id} ({instrument.scale.describe()})",
                           f"give a value from {min(valid)} to {max(valid)}, e.g. --threshold 3.5")
        else:
            detail = fix = ""
        if detail:
            msg = problem("SCORE_006", Location("--threshold"), value=f"{threshold:g}",
                          detail=detail, fix=fix)
            raise click.BadParameter(f"{msg.message}; {msg.hint}", param_hint="'--threshold'")
        rule = dataclasses.replace(rule, threshold=float(threshold))
        overrides["threshold"] = float(threshold)
    return rule, overrides


def _check_by(instrument: Instrument, by: str | None) -> None:
    """--by names a single-choice background question of the questionnaire (exit 2 if not)."""
    if by is None:
        return
    singles = [q.id for q in instrument.background if q.kind == "single"]
    if by not in singles:
        msg = problem("SCORE_007", Location("--by"), name=by, suggestion=did_you_mean(by, singles),
                      known=", ".join(singles) or "none")
        raise click.BadParameter(f"{msg.message}; {msg.hint}", param_hint="'--by'")


def _bundled_bank(bank_id: str):
    from instrument.loader import BANKS_DIR, bundled, load_bank

    if bank_id not in bundled(BANKS_DIR):
        return None
    try:
        return load_bank(bank_id)
    except InstrumentError:
        return None


def main() -> None:
    """``python -m scoring`` and the ``opm-score`` console script; help names the one used."""
    cli()
