"""Build questionnaires, codebooks and data-entry templates from item banks.

A thin command line over the ``instrument`` package: every command loads and
validates YAML into the model, renders in memory, and only then writes files,
atomically, so a failed run leaves ``out/`` as it was.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import click

from instrument import __version__, fonts, i18n
from instrument.artifacts import FORMATS, OWN_FILES, RenderSettings, render
from instrument.atomic import (restore_interrupted, restore_interrupted_builds, safe_part,
                               write_folders)
from instrument.cligroup import ReportingGroup
from instrument.compile import Options, compile_instrument
from instrument.errors import InstrumentError, Location, Problem, did_you_mean, problem, raise_if
from instrument.lint import RULES as LINT_RULES, lint, select
from instrument.loader import (BANKS_DIR, PROFILES_DIR, bundled, display_name, load_bank,
                               load_profile, parse_bank, parse_profile, resolve, schema)
from instrument.stamped import OwnFiles, read_respondents, stamped_files
from instrument.yamlsafe import read_text


CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
LINT_RULE_CHOICES = [name for r in LINT_RULES for name in (r.name, r.code)]


@click.group("build.py", cls=ReportingGroup, invoke_without_command=True, context_settings=CONTEXT,
             examples_as="python build.py")
@click.version_option(__version__, "--version")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Build maturity questionnaires from an item bank and term profiles.

    With no command, builds every bundled bank (the full form and its short form) x
    profile x language into out/ (the same as `python build.py build`).

    \b
    Examples:
      python build.py                          # everything, into out/
      python build.py build --profile pb --lang zh-TW --format pdf
      python build.py validate my-profile.yaml
      python build.py lint
      python build.py list

    Installed (pip install . or pipx install .), this is the `opm-build` command.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(build_cmd)


@cli.command("build")
@click.option("--bank", "banks", multiple=True, metavar="NAME|PATH",
              help="Bundled bank name or path to a bank .yaml (repeatable); default: every "
                   "bundled bank (the full form pmbok6 and its short form pmbok6_short). "
                   "Example: --bank pmbok6")
@click.option("--profile", "profiles", multiple=True, metavar="NAME|PATH",
              help="Term profile (repeatable); default: every bundled profile. "
                   "Example: --profile pb --profile path/to/my-agency.yaml")
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help="Language (repeatable); default: every language of the bank. Example: --lang zh-TW")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS),
              help="Output format (repeatable); default: all. manifest.json is always written. "
                   "Example: --format html --format codebook")
@click.option("--out", "out_dir", default="out", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Output root; files go to OUT/<bank>/<profile>-<lang>/. Example: --out build/")
@click.option("--scale", default=None, metavar="ID",
              help="Answer scale of the bank (default: the bank's). Example: --scale yesno")
@click.option("--rule", default=None, metavar="ID",
              help="Achievement/gate rule of the bank (default: the bank's). Example: --rule count")
@click.option("--threshold", type=float, default=None,
              help="Override the mean rule's threshold. Example: --threshold 4")
@click.option("--paper", type=click.Choice(["A4", "letter"]), default="A4", show_default=True,
              help="Paper size for PDFs. Example: --paper letter")
@click.option("--font", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="TrueType CJK font for PDFs (default: AR PL UMing TW, else MingLiU, "
                   "Microsoft JhengHei or DFKai-SB on Windows, Songti TC or Heiti TC on macOS). "
                   "Example: --font C:/Windows/Fonts/mingliu.ttc")
@click.option("--respondents", "respondents", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A CSV of respondent_id (and organisation): also write, per instrument, "
                   "OUT/<bank>/<profile>-<lang>-respondents/ with questionnaire-<id>.pdf and "
                   "wave1-<id>.pdf for each respondent, the id printed on every page and in "
                   "its QR code. Example: --respondents ids.csv")
def build_cmd(banks: tuple[str, ...] = (), profiles: tuple[str, ...] = (), langs: tuple[str, ...] = (),
              formats: tuple[str, ...] = (), out_dir: Path = Path("out"), scale: str | None = None,
              rule: str | None = None, threshold: float | None = None, paper: str = "A4",
              font: Path | None = None, respondents: Path | None = None) -> None:
    """Build questionnaires and their companion files.

    Writes, per profile and language, into OUT/<bank>/<profile>-<lang>/:
    manifest.json, codebook.csv, labels.sps, data-entry.csv/.xlsx,
    questionnaire.html, questionnaire.pdf and wave1.pdf (with the box geometry
    `python -m scoring scan` reads back, questionnaire.geometry.json and
    wave1.geometry.json). With --respondents, stamped forms per respondent too.

    \b
    Examples:
      python build.py build
      python build.py build --profile pb --lang zh-TW
      python build.py build --bank pmbok6_short --profile pb
      python build.py build --profile my-agency.yaml --scale yesno --out pilot/
      python build.py build --profile pb --lang zh-TW --format pdf --respondents ids.csv
    """
    started = time.perf_counter()
    restore_interrupted_builds(out_dir)
    stamps = read_respondents(respondents) if respondents else None
    the_banks = [load_bank(b) for b in banks or tuple(bundled(BANKS_DIR))]
    profile_names = profiles or tuple(bundled(PROFILES_DIR))
    options = Options(scale=scale, rule=rule, threshold=threshold)
    settings = RenderSettings(paper=paper, font=font)
    wanted = formats or FORMATS
    folders: dict[str, dict[str, bytes]] = {}
    untranslated: dict[str, Problem | None] = {}  # LANG_001: no interface catalogue
    count = 0
    for the_bank in the_banks:
        for name in profile_names:
            profile = load_profile(name, the_bank)
            for lang in langs or the_bank.languages:
                inst = compile_instrument(the_bank, profile, lang, options)
                untranslated[lang] = i18n.fallback_problem(lang)
                rel = f"{safe_part(the_bank.id)}/{safe_part(profile.id)}-{safe_part(lang)}"
                folders[rel] = render(inst, wanted, settings)
                if stamps:
                    folders[f"{rel}-respondents"] = stamped_files(inst, settings, stamps)
                count += 1
    write_folders(out_dir, folders, OwnFiles(OWN_FILES))
    n_files = sum(len(f) for f in folders.values())
    where = ", ".join(f"{out_dir}/{b.id}/" for b in the_banks)
    click.echo(f"built {count} instrument{'s' * (count != 1)} ({n_files} files) into "
               f"{where} in {time.perf_counter() - started:.1f} s")
    if ("pdf" in wanted or stamps) and folders:
        _say_font(font)
    for rel in folders:
        click.echo(f"  {out_dir / rel}")
    for warning in filter(None, untranslated.values()):
        click.echo(str(warning), err=True)


@cli.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--bank", default="pmbok6", show_default=True, metavar="NAME|PATH",
              help="Bank that profiles are checked against. Example: --bank my-bank.yaml")
def validate_cmd(files: tuple[Path, ...], bank: str) -> None:
    """Check banks and profiles without building anything.

    With no FILES, checks every bundled bank and profile. A file with
    'stages:' is a bank; one with 'terms:' is a profile, checked against --bank.
    Problems are listed with file:line:column and how to fix them; exit 1 if any.

    \b
    Examples:
      python build.py validate
      python build.py validate instrument/profiles/pb.yaml
      python build.py validate my-bank.yaml my-profile.yaml --bank my-bank.yaml
    """
    targets = list(files) or [*bundled(BANKS_DIR).values(), *bundled(PROFILES_DIR).values()]
    problems = []
    the_bank = None
    for path in targets:
        name = display_name(path)
        try:
            text = read_text(path, name)
            if _is_bank(text):
                b = parse_bank(text, name)
                click.echo(f"ok  {name}: bank {b.id} {b.version}, {len(b.practices)} practices, "
                           f"{sum(len(p.stems) for p in b.practices)} stems, "
                           f"languages {', '.join(b.languages)}")
            else:
                the_bank = the_bank or load_bank(bank)
                p = parse_profile(text, name, the_bank)
                click.echo(f"ok  {name}: profile {p.id} {p.version}, {len(p.terms)} terms "
                           f"(checked against bank {the_bank.id})")
        except InstrumentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InstrumentError(problems)


def _say_font(font: Path | None) -> None:
    """One line on stdout naming the font the PDFs embed; fonts passed over go to stderr."""
    chosen = fonts.find(str(font) if font else None)
    for note in chosen.notes:
        click.echo(f"note: font passed over: {note}", err=True)
    click.echo(f"font: {chosen} embedded in the PDFs")


def _is_bank(text: str) -> bool:
    """Banks declare stages; profiles (which may also have 'practices:') give terms."""
    lines = text.splitlines()
    return any(line.startswith("stages:") for line in lines) or not any(
        line.startswith("terms:") for line in lines)


@cli.command("lint")
@click.argument("files", nargs=-1, metavar="[BANK_OR_PROFILE]...")
@click.option("--bank", "default_bank", default="pmbok6", show_default=True, metavar="NAME|PATH",
              help="Bank that profiles are linted with when no bank is named. "
                   "Example: --bank my-bank.yaml")
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help="Language (repeatable); default: every language of the bank. Example: --lang en")
@click.option("--rule", "rules", multiple=True, metavar="RULE",
              type=click.Choice(LINT_RULE_CHOICES, case_sensitive=False),
              help="Run only this rule (repeatable), by name or code: "
                   f"{', '.join(r.name for r in LINT_RULES)}. Example: --rule jargon")
@click.option("--skip", "skips", multiple=True, metavar="RULE",
              type=click.Choice(LINT_RULE_CHOICES, case_sensitive=False),
              help="Leave this rule out (repeatable). Example: --skip LINT_009")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format. Example: --format json")
def lint_cmd(files: tuple[str, ...], default_bank: str = "pmbok6", langs: tuple[str, ...] = (),
             rules: tuple[str, ...] = (), skips: tuple[str, ...] = (), fmt: str = "text") -> None:
    """Check every stem as respondents read it against the stem rubric.

    Renders each stem in every profile and language (practices a profile declares
    not applicable are skipped) and checks length, conjunctions joining two verbs,
    absolute quantifiers, negation, jargon, placeholders left, half-width brackets
    in Chinese, the stage clause, and the same example in two practices. Each
    finding names the YAML place to edit (file:line:column) and a fix; a summary
    line counts findings by rule. Exit 1 on findings, 0 when clean.

    With no arguments: every bundled bank x every bundled profile. A bank file
    (it has 'stages:') is linted with the bundled profiles; a profile (it has
    'terms:') with --bank; name both to lint that bank with that profile.
    The rules are described in docs/authoring.md, "Linting stems".

    \b
    Examples:
      python build.py lint
      python build.py lint instrument/profiles/pb.yaml --lang zh-TW
      python build.py lint my-bank.yaml my-profile.yaml --rule jargon --rule length
      python build.py lint --skip example --format json > lint.json
    """
    targets = _lint_targets(files, default_bank)
    known = sorted({lang for b, _ in targets for lang in b.languages})
    for lang in langs:
        if lang not in known:
            raise InstrumentError([problem("BUILD_002", Location("command line"),
                                           kind="language", name=lang,
                                           suggestion=did_you_mean(lang, known),
                                           known=", ".join(known))])
    report = lint(targets, select(rules, skips), langs)
    click.echo(report.json() if fmt == "json" else report.text(), nl=False)
    if report.groups:
        click.get_current_context().exit(1)


def _lint_targets(files: tuple[str, ...], default_bank: str) -> list:
    """(bank, profiles) pairs: named banks (else the bundled ones, or --bank when only
    profiles are named) x named profiles (else the bundled ones)."""
    bank_texts, profile_texts, problems = [], [], []
    for arg in files:
        try:
            path = _lint_path(arg)
            name = display_name(path)
            text = read_text(path, name)
            (bank_texts if _is_bank(text) else profile_texts).append((text, name))
        except InstrumentError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InstrumentError(problems)
    if not profile_texts:
        profile_texts = [(read_text(p, display_name(p)), display_name(p))
                         for p in bundled(PROFILES_DIR).values()]
    try:
        banks = ([parse_bank(text, name) for text, name in bank_texts] if bank_texts else
                 [load_bank(default_bank)] if files else
                 [load_bank(p) for p in bundled(BANKS_DIR).values()])
    except InstrumentError as exc:
        raise InstrumentError(exc.problems) from None
    targets = []
    for b in banks:
        parsed = []
        for text, name in profile_texts:
            try:
                parsed.append(parse_profile(text, name, b))
            except InstrumentError as exc:
                problems.extend(exc.problems)
        targets.append((b, parsed))
    if problems:
        raise InstrumentError(problems)
    return targets


def _lint_path(arg: str) -> Path:
    """A bundled bank or profile name, or a path to a .yaml file."""
    banks, profiles = bundled(BANKS_DIR), bundled(PROFILES_DIR)
    if arg in banks or arg in profiles:
        return banks.get(arg) or profiles[arg]
    if "/" in arg or "\\" in arg or arg.endswith((".yaml", ".yml")) or Path(arg).is_file():
        return resolve(arg, PROFILES_DIR, "PROFILE_004")
    known = [*banks, *profiles]
    raise InstrumentError([problem("BUILD_002", Location("command line"), kind="bank or profile",
                                   name=arg, suggestion=did_you_mean(arg, known),
                                   known=", ".join(known))])


@cli.command("xlsform")
@click.option("--bank", default="pmbok6", show_default=True, metavar="NAME|PATH",
              help="Bundled bank name or path to a bank .yaml. Example: --bank pmbok6")
@click.option("--profile", "profiles", multiple=True, metavar="NAME|PATH",
              help="Term profile (repeatable); default: every bundled profile. Example: --profile pb")
@click.option("--out", "out_dir", default="out", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Output root; files go to OUT/<bank>/<profile>-xlsform/. Example: --out build/")
@click.option("--scale", default=None, metavar="ID", help="Answer scale. Example: --scale yesno")
@click.option("--rule", default=None, metavar="ID", help="Gate rule. Example: --rule count")
@click.option("--threshold", type=float, default=None, help="Mean-rule threshold. Example: --threshold 4")
def xlsform_cmd(bank: str, profiles: tuple[str, ...], out_dir: Path, scale: str | None,
                rule: str | None, threshold: float | None) -> None:
    """Export the instrument as an XLSForm for KoboToolbox and ODK.

    One workbook per profile with every language of the bank (label::Chinese (zh),
    label::English (en)), the glossary as hints, and the first-tier gate as
    'relevant' expressions equal to the manifest's rule. Upload xlsform.xlsx to
    Kobo (Projects → New → Upload an XLSForm); score its CSV export with
    `python -m scoring score export.csv --from kobo --manifest .../manifest.json`.

    \b
    Examples:
      python build.py xlsform --profile pb
      python build.py xlsform --profile my-agency.yaml --rule count --out kobo/
    """
    from instrument.xlsform import xlsform

    restore_interrupted_builds(out_dir)
    the_bank = load_bank(bank)
    options = Options(scale=scale, rule=rule, threshold=threshold)
    folders: dict[str, dict[str, bytes]] = {}
    for name in profiles or tuple(bundled(PROFILES_DIR)):
        profile = load_profile(name, the_bank)
        insts = [compile_instrument(the_bank, profile, lang, options) for lang in the_bank.languages]
        folders[f"{safe_part(the_bank.id)}/{safe_part(profile.id)}-xlsform"] = {
            "xlsform.xlsx": xlsform(insts),
            "manifest.json": render(insts[0], ())["manifest.json"],
        }
    write_folders(out_dir, folders, OWN_FILES)
    for rel in folders:
        click.echo(f"wrote {out_dir / rel / 'xlsform.xlsx'}")


@cli.command("list")
def list_cmd() -> None:
    """List bundled banks, profiles and languages.

    \b
    Example:
      python build.py list
    """
    click.echo("banks:")
    banks = []
    for name, path in bundled(BANKS_DIR).items():
        b = load_bank(path)
        banks.append(b)
        gated = [p for p in b.practices if b.gate_stage in p.stems]
        extra = len(b.practices) - len(gated)
        click.echo(f"  {name:<12} {b.version:<8} {len(gated)} practices"
                   + (f" + {extra} area-level entries" if extra else "")
                   + f", {sum(len(p.stems) for p in b.practices)} stems in "
                   f"{len(b.stages)} stages; scales {', '.join(s.id for s in b.scales)}; "
                   f"rules {', '.join(r.id for r in b.rules)}")
    click.echo("profiles:")
    ref = banks[0] if banks else None
    for name, path in bundled(PROFILES_DIR).items():
        p = load_profile(path, ref) if ref else None
        label = " / ".join(p.name.values()) if p else ""
        click.echo(f"  {name:<12} {label}")
    langs = sorted({lang for b in banks for lang in b.languages})
    click.echo("languages:\n  " + ", ".join(langs))


@cli.command("schema")
@click.argument("kind", type=click.Choice(["bank", "profile"]), default="bank")
def schema_cmd(kind: str) -> None:
    """Print the JSON Schema of the bank or profile format.

    Save it and point your editor's YAML extension at it for completion and
    checks while you type (the bundled files already name it in their first line).

    \b
    Examples:
      python build.py schema bank > bank.schema.json
      python build.py schema profile
    """
    click.echo(json.dumps(schema(kind), ensure_ascii=False, indent=2))


@cli.command("followup")
@click.argument("wave1", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--manifest", "manifest_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="manifest.json of the instrument the wave-1 forms belong to; its gate rule "
                   "decides who passes. Example: --manifest out/pmbok6/pb-zh-TW/manifest.json")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the wave-2 PDFs and followup.csv; replaced whole, and only when "
                   "everything succeeded (default: out/followup/<WAVE1 name>-<8 hex digits "
                   "of its path>/, so files of one name in two folders never share one). "
                   "Example: --out mail/wave2/")
@click.option("--combined", is_flag=True,
              help="Also write wave2-all.pdf: every form in one file for batch printing, a "
                   "bookmark and page numbering per respondent (above 500 forms: "
                   "wave2-all-0001.pdf, -0002, ... of 500 forms each). Example: --combined")
@click.option("--paper", type=click.Choice(["A4", "letter"]), default="A4", show_default=True,
              help="Paper size of the forms. Example: --paper letter")
@click.option("--font", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="TrueType CJK font (default: as for build --font). "
                   "Example: --font C:/Windows/Fonts/mingliu.ttc")
@click.option("--encoding", default=None, metavar="ENC",
              help="Encoding of WAVE1.csv (default: detected; UTF-8 with or without BOM, or "
                   "Big5/cp950 from Excel). Example: --encoding cp950")
def followup_cmd(wave1: Path, manifest_path: Path, out_dir: Path | None = None,
                 combined: bool = False, paper: str = "A4", font: Path | None = None,
                 encoding: str | None = None) -> None:
    """Make each respondent's wave-2 form from returned wave-1 answers.

    Reads WAVE1.csv with the scorer's reader (same checks: instrument id, codes,
    duplicate respondents), applies the manifest's gate rule to each respondent's
    first-stage (Standardize) answers per knowledge area, and writes into OUT:

    \b
      wave2-<respondent_id>.pdf  the higher-stage statements (Measure, Control,
                                 Continuously improve) of the areas that respondent
                                 passed, with their ID and organisation on every page
      followup.csv               respondent_id, organisation, areas, n_items,
                                 needs_wave2 (no = passed no area, so no form)
      wave2-all.pdf              with --combined

    A problem in WAVE1.csv is reported with its row and column, and nothing is written.

    \b
    Examples:
      python build.py followup returns/wave1.csv --manifest out/pmbok6/pb-zh-TW/manifest.json
      python build.py followup wave1.csv --manifest out/pmbok6/pb-zh-TW/manifest.json \\
          --combined --out mail/wave2/
      python build.py followup wave1-excel.csv --manifest manifest.json --encoding cp950
    """
    from tqdm import tqdm

    from instrument.followup import followup_csv, plan
    from instrument.manifest import load_manifest
    from instrument import pdf
    from instrument.pdf import write_wave2
    from scoring.read import read_responses

    started = time.perf_counter()
    folder = out_dir or default_followup_folder(wave1)
    restore_interrupted(folder)
    instrument = load_manifest(manifest_path)
    result = read_responses([wave1], instrument, encoding=encoding)
    for warning in result.warnings:
        click.echo(str(warning), err=True)
    responses = result.responses
    plans = plan(instrument, list(responses.respondent_id), list(responses.organisation),
                 responses.values)
    settings = RenderSettings(paper=paper, font=font)
    rows = [Location(str(f), int(r)) for f, r in zip(responses.source_file, responses.source_row)]
    raise_if(pdf.unprintable(instrument, settings, plans, rows))  # before any form is drawn
    todo = sum(p.needs_wave2 for p in plans)
    with tqdm(total=todo, file=sys.stderr, unit="form", desc="wave-2 forms",
              disable=todo <= 50) as bar:
        written = write_wave2(instrument, plans, folder, settings,
                              combined=combined, files={"followup.csv": followup_csv(plans)},
                              progress=bar.update, batch=pdf.COMBINED_BATCH)
    none = len(plans) - todo
    click.echo(f"{len(plans)} respondent{'s' * (len(plans) != 1)}: {written.forms} wave-2 "
               f"form{'s' * (written.forms != 1)} ({written.pages} pages), {none} need no wave 2; "
               f"written to {folder}/ in {time.perf_counter() - started:.1f} s")
    if written.forms:
        _say_font(font)
    click.echo(f"  {folder / 'followup.csv'}")
    if len(written.combined) == 1:
        click.echo(f"  {written.combined[0]}")
    elif written.combined:
        click.echo(f"  {written.combined[0]} … {written.combined[-1].name} "
                   f"({len(written.combined)} printing files of up to {pdf.COMBINED_BATCH} "
                   "forms)")


def default_followup_folder(wave1: Path) -> Path:
    """out/followup/<name>-<8 hex digits of the file's full path>/: two files of one name in
    different folders (agency A's and agency B's wave1.csv) never share a folder of forms."""
    digest = hashlib.sha256(str(wave1.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return Path("out") / "followup" / f"{wave1.stem}-{digest[:8]}"


def main() -> None:
    """``python build.py`` and the ``opm-build`` console script; help names the one used."""
    cli()


if __name__ == "__main__":
    sys.exit(main())
