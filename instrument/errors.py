"""The one catalogue of user-facing problems, shared by build.py and the scorer.

Every problem a user can cause has a stable code (``BANK_004``), a message that
starts with a location an editor understands (``file:line:column``, 1-based) and
a hint that says how to fix it. Tests refer to the codes, so wording can improve
without breaking them. Modelled on pyxform's ``errors.py``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Sequence

# code -> (message template, how-to-fix template). Templates use str.format fields.
CATALOGUE: dict[str, tuple[str, str]] = {
    # --- reading YAML -------------------------------------------------------
    "YAML_001": ("YAML syntax error: {detail}",
                 "check the indentation and quoting on this line; text containing ': ' or "
                 "starting with a special character needs quotes"),
    "YAML_002": ("duplicate key '{key}' (first defined at line {first_line})",
                 "keep one of the two entries; YAML would silently keep only the last"),
    "YAML_003": ("YAML anchors and aliases (&name, *name, <<) are not allowed",
                 "write the value out in full where it is needed"),
    "YAML_004": ("YAML tag '{tag}' is not allowed",
                 "remove the tag; banks and profiles hold only text, numbers, lists and mappings"),
    "YAML_005": ("{what} exceeds the limit of {limit}",
                 "banks and profiles are small files; check that this is the file you meant"),
    "YAML_006": ("cannot read file: {detail}",
                 "check the path, and save the file as UTF-8"),
    "YAML_007": ("the file is not valid UTF-8 (byte {byte} at offset {offset})",
                 "re-save the file as UTF-8 (in most editors: Save As, encoding UTF-8)"),
    # --- structure (JSON Schema) --------------------------------------------
    "SCHEMA_001": ("{detail}",
                   "see the format in docs/authoring.md, or run `python build.py schema` "
                   "and point your editor at it"),
    # --- bank semantics -----------------------------------------------------
    "BANK_001": ("duplicate {kind} id '{id}' (first defined at line {first_line})",
                 "give each {kind} its own id"),
    "BANK_002": ("item id '{id}' is not a valid variable name for SPSS, Stata and R",
                 "use a letter first, then letters, digits or '_', at most 32 characters "
                 "(e.g. INT01_S)"),
    "BANK_003": ("missing {lang} text",
                 "add the missing '{lang}:' entry here; every text needs all languages the bank "
                 "declares ({langs})"),
    "BANK_004": ("unknown placeholder '{{{name}}}'{suggestion}",
                 "use one of the placeholders declared under 'placeholders:' ({known}), "
                 "or declare it there"),
    "BANK_005": ("placeholder '{name}' is declared but never used",
                 "use it in a text, or remove it from 'placeholders:'"),
    "BANK_006": ("unknown {kind} '{id}'{suggestion}",
                 "use one of the {kind}s declared in the bank: {known}"),
    "BANK_007": ("practice {practice} has no stem for stage {stage}",
                 "add a '{stage}:' entry under 'stems:' (stages are declared under 'stages:')"),
    "BANK_008": ("scale '{scale}': {detail}",
                 "a scale needs at least two distinct integer codes that are not 'missing'"),
    "BANK_009": ("malformed placeholder in text: {detail}",
                 "write placeholders as {{name}}, {{name:cap}} or {{name:title}}; a literal brace as "
                 "{{{{ or }}}}"),
    "BANK_010": ("rule '{rule}': {detail}",
                 "give the rule a value for every scale of the bank"),
    "BANK_011": ("language '{lang}' is not declared by the bank",
                 "use one of {langs}, or add it to 'languages:'"),
    "BANK_012": ("rule '{rule}': {what} {detail}", "{fix}"),
    "BANK_020": ("an example is given for a stem without an {{eg}} slot ({where})",
                 "put {{eg}} in the stem where the example belongs, or remove the example"),
    "BANK_021": ("example format: {detail}",
                 "add e.g. \"example_format: {{zh-TW: '（如{{text}}）', en: ' (e.g. {{text}})'}}\" "
                 "to the bank; {{text}} stands for the example"),
    "BANK_022": ("background question: {detail}",
                 "see 'Background questions' in docs/authoring.md"),
    "BANK_024": ("practice has no 'group:'",
                 "give its process group; only a bank with 'complete_practices: false' (a short "
                 "form) may have area-level entries without one"),
    "BANK_023": ("stage clause: {detail}",
                 "write the clause as a Python regular expression, e.g. '依同一套成文.*作法'"),
    # --- profiles -----------------------------------------------------------
    "PROFILE_001": ("profile does not define placeholder '{name}', which bank '{bank}' uses",
                    "add '{name}:' under 'terms:' with a word for each language"),
    "PROFILE_002": ("term '{name}' is never used by bank '{bank}'{suggestion}",
                    "remove it, or rename it to a placeholder the bank declares ({known})"),
    "PROFILE_003": ("missing {lang} text",
                    "add the missing '{lang}:' entry here; profiles need every language the bank has "
                    "({langs})"),
    "PROFILE_004": ("unknown profile '{name}'{suggestion}",
                    "use one of the bundled profiles ({known}) or pass a path to a .yaml file"),
    "PROFILE_005": ("term '{name}' must not contain braces",
                    "terms are plain words; placeholders are not expanded inside them"),
    "PROFILE_006": ("unknown placeholder '{{{name}}}'{suggestion}",
                    "profile texts may use the bank's placeholders: {known}"),
    "PROFILE_007": ("malformed placeholder in text: {detail}",
                    "write placeholders as {{name}} or {{name:cap}}"),
    "PROFILE_020": ("unknown {kind} '{id}'{suggestion}",
                    "use one the bank declares: {known}"),
    "PROFILE_021": ("an example is given for a stem without an {{eg}} slot ({where})",
                    "put {{eg}} in the stem (give the whole stem under 'stems:'), or remove the "
                    "example"),
    "PROFILE_022": ("declared not applicable, yet also given {keys}",
                    "a practice or question that is not asked shows no wording: remove {keys}, or "
                    "remove 'not_applicable:'"),
    "PROFILE_023": ("every practice is declared not applicable: nothing would be asked",
                    "keep at least one practice applicable"),
    # --- build --------------------------------------------------------------
    "BUILD_001": ("unknown bank '{name}'{suggestion}",
                  "use one of the bundled banks ({known}) or pass a path to a .yaml file"),
    "BUILD_002": ("unknown {kind} '{name}'{suggestion}",
                  "use one of: {known}"),
    "BUILD_003": ("output folder problem: {detail}",
                  "choose another --out folder"),
    "BUILD_004": ("no TrueType CJK font found{skipped}",
                  "install Debian's fonts-arphic-uming (bash scripts/install.sh does it), or "
                  "pass --font PATH to a .ttf/.ttc font with Traditional Chinese glyphs "
                  "(Windows: C:/Windows/Fonts/mingliu.ttc; macOS: "
                  "/System/Library/Fonts/Supplemental/Songti.ttc)"),
    "BUILD_005": ("font problem: {detail}",
                  "pass --font PATH to a TrueType (.ttf/.ttc with glyf outlines) CJK font; "
                  "OpenType/CFF fonts such as Noto CJK cannot be embedded by reportlab"),
    "BUILD_006": ("output name '{name}' is not allowed",
                  "ids used as folder names may hold letters, digits, '.', '_' and '-' only, "
                  "may not end in '.' and may not be a Windows device name (con, nul, com1, "
                  "...)"),
    "BUILD_007": ("--threshold {value} {detail}", "{fix}"),
    "BUILD_008": ("--respondents: {detail}", "{fix}"),
    # --- stem linter (instrument/lint.py; docs/authoring.md, "Linting stems") --
    "LINT_001": ("{n} {unit}, more than about {limit}",
                 "keep to one claim in about {limit} {unit} (rubric point 7): move detail into "
                 "the glossary (名詞解釋), or shorten the example"),
    "LINT_002": ("{words} joins two verbs or claims: {fragments}",
                 "ask one thing per stem (rubric point 1): keep the claim this practice and stage "
                 "need and drop or move the other; an illustration belongs in the {{eg}} example"),
    "LINT_003": ("absolute quantifier {words}: one exception turns the answer into disagreement",
                 "describe the usual practice without it (rubric point 4), e.g. 本機關的錄案依… "
                 "rather than 每個錄案都依…, 'Projects in this organisation are …' rather than "
                 "'Every project …'"),
    "LINT_004": ("negation {words} in the statement: agreeing with a negative is easily misread",
                 "state it positively (rubric point 2), e.g. 未經同意的變更 → 經同意才變更; "
                 "an indicator inside the example may stay negative"),
    "LINT_005": ("'{word}' is jargon: {why}",
                 "write {instead} (rubric point 2)"),
    "LINT_006": ("the text as respondents read it still shows {braces}",
                 "write a placeholder with single braces, {{name}}; a doubled {{{{ or }}}} prints "
                 "a brace, which a stem never needs"),
    "LINT_007": ("half-width {chars} in Chinese text: '{fragment}'",
                 "use full-width brackets （ ） (rubric point 6), e.g. 經（副）理"),
    "LINT_008": ("the stem does not say stage {stage}'s clause /{pattern}/ (declared at {where})",
                 "use the stage's wording (rubric point 4), so stage means compare across "
                 "practices; if the wording is right, change the clause"),
    "LINT_009": ("the example repeats {examples} from {other} ({where})",
                 "give each practice an example of its own (rubric points 1 and 4): a shared "
                 "example blurs the difference between practices"),
    # --- interface text (instrument/i18n.py) ---------------------------------
    "LANG_001": ("no interface catalogue for language '{lang}' (looked for {tried}): the "
                 "headings, buttons and instructions around the bank's text are in English",
                 "add instrument/locale/{locale}/LC_MESSAGES/messages.po (docs/translating.md), "
                 "or put it in a folder named by OPM_LOCALE_PATH"),
    # --- HTML questionnaire (instrument/html.py) -----------------------------
    # (add HTML_nnn entries here)
    "HTML_001": ("the HTML questionnaire's template files are missing ({detail})",
                 "reinstall the package (bash scripts/install.sh, or pip install .): the "
                 "instrument/templates/ folder ships inside it"),
    # --- PDF questionnaire and follow-ups (instrument/pdf/) -----------------
    # (add PDF_nnn entries here)
    "PDF_001": ("unknown paper size '{paper}'",
                "use --paper A4 or --paper letter"),
    "PDF_002": ("the font has no glyph for {chars!r} (in {where})",
                "pass --font PATH to a TrueType font with these characters (e.g. Windows "
                "mingliu.ttc), or change the text"),
    "PDF_003": ("no installed font has {chars!r} (in {where}); report.pdf prints it as a box",
                "install Debian's fonts-hanazono (bash scripts/install.sh does it), or pass "
                "--font PATH to a TrueType font with these characters; report.html shows them"),
    # --- scorer: reading and validating responses (scoring/) ----------------
    # (add CSV_nnn and SCORE_nnn entries here)
    # --- import adapters (scoring/adapters.py) ---
    "ADAPT_001": ("unknown platform '{name}'{suggestion}",
                  "pass --from with one of: {known}; leave --from out for the scorer's own layout"),
    "ADAPT_002": ("cannot read this as a {platform} export: {detail}",
                  "{fix}"),
    "ADAPT_003": ("matches no item of the instrument; ignored{suggestion}",
                  "{fix}"),
    "ADAPT_004": ("value '{value}' is neither a code nor an answer label of scale "
                  "{scale}{suggestion}{more}",
                  "{fix}; the codes and labels are {labels}; a blank cell is no answer"),
    "ADAPT_005": ("holds {what}, like column '{first}' before it",
                  "delete or rename one of the two columns; the scorer never guesses which one "
                  "is right"),
    "ADAPT_006": ("no respondent id column ({labels}); respondent_id is {source}",
                  "{fix}"),
    "ADAPT_007": ("the row has {n} cells but the header has {expected}",
                  "export the file from {platform} again; if it was edited in a spreadsheet, "
                  "look for a cell split in two in this row"),
    "ADAPT_008": ("no column matches an item of instrument {ident} (read as a {platform} export)",
                  "{fix}"),
    "ADAPT_009": ("and {n} more {what} not listed",
                  "fix the ones listed and run again; the rest often go away with them"),
    "ADAPT_010": ("column '{column}' looks like {what}, but the file was read in the "
                  "scorer's own layout",
                  "if this is a platform's export, say which: --from {platform} "
                  "(docs/channels/ shows each platform's export)"),
    "CSV_001": ("cannot read file: {detail}",
                "check the path, and close the file if another program holds it"),
    "CSV_002": ("the file is {size}, more than the limit of {limit}",
                "split it into smaller files (the scorer merges them), or raise the limit "
                "with --max-file-size"),
    "CSV_003": ("the file is neither UTF-8 nor Big5/cp950 (byte {byte} cannot be decoded)",
                "in Excel use Save As \u2192 CSV UTF-8 (*.csv); if you know the file's encoding, "
                "pass it, e.g. --encoding=utf-16"),
    "CSV_004": ("the file is not UTF-8; it was read as Big5/cp950 (an Excel export)",
                "check that Chinese names look right; in Excel use Save As \u2192 CSV UTF-8, "
                "or pass --encoding=cp950 to say so"),
    "CSV_005": ("cannot decode the file as {encoding}: byte {byte}",
                "check --encoding, or leave it out: UTF-8, UTF-16 and Big5/cp950 are detected"),
    "CSV_006": ("the file has no header row",
                "row 1 must hold the column names of the data-entry template: {columns}"),
    "CSV_007": ("the header has {n} columns, more than the limit of {limit}",
                "check that this is a response file; the data-entry template has {expected} columns"),
    "CSV_008": ("duplicate column '{name}' (also column {first})",
                "keep one of the two columns; the scorer never guesses which one is right"),
    "CSV_009": ("missing {what}{suggestion}",
                "{fix}"),
    "CSV_010": ("column '{name}' is not part of the instrument; ignored{suggestion}",
                "remove the column, or rename it if it holds an item (item ids are in "
                "codebook.csv)"),
    "CSV_011": ("value '{value}' is not a code of scale {scale} ({codes})",
                "type one of {allowed}, or leave the cell blank when there is no answer"),
    "CSV_012": ("instrument '{found}' does not match the manifest's '{expected}' ({rows})",
                "score this file with the manifest of its own questionnaire (--manifest "
                "out/<bank>/<profile>-<lang>/manifest.json), or correct the instrument column"),
    "CSV_013": ("respondent_id is blank in a row with answers",
                "give every answered row a unique respondent_id (e.g. the number on the paper form)"),
    "CSV_014": ("respondent '{rid}' also appears at {other} with {what}",
                "{fix}"),
    "CSV_015": ("respondent '{rid}' appears again, identically, at {other}; kept once",
                "delete the repeated row"),
    "CSV_016": ("area {area} is closed by the gate ({why}), but {n} stem(s) beyond stage "
                "{gate} were answered ({items}); the scorer ignores them",
                "nothing to do if the form was filled in full on purpose: the gate rule decides "
                "({rule}); otherwise check this respondent's {gate} answers for {area}"),
    "CSV_017": ("empty {rows}; skipped",
                "delete the empty rows, or leave them: they are skipped"),
    "CSV_018": ("straight-lining: all {n} answered stems have the same answer ({answer})",
                "check the form; a respondent who ticks one column throughout may not have "
                "read the questions (consider excluding them)"),
    "CSV_019": ("cell has {n} characters, more than the limit of {limit}",
                "cells hold short codes or ids; check that the cell holds what you meant"),
    "CSV_020": ("cell contains a NUL byte",
                "the file may be damaged or in another encoding; in Excel use Save As "
                "\u2192 CSV UTF-8, or pass --encoding (e.g. --encoding=utf-16)"),
    "CSV_021": ("the row has {n} cells but the header has {expected}",
                "a cell that contains the delimiter ('{delimiter}') must be in double quotes; "
                "look for a stray delimiter in this row"),
    "CSV_022": ("a quoted cell that starts on or after this row is never closed",
                "add the closing double quote (\"); a quote inside a cell is written twice (\"\")"),
    "CSV_023": ("a single row is longer than {limit}",
                "check the file: a row of the data-entry template holds a few kB at most"),
    "CSV_024": ("no respondents: {detail}",
                "add at least one row with a respondent_id and answers"),
    "CSV_025": ("cannot read the workbook: {detail}",
                "save it as an Excel workbook (.xlsx) or in Excel use Save As \u2192 CSV UTF-8"),
    "CSV_026": ("respondent '{rid}' has no answers; skipped",
                "check that the answers were typed into this row"),
    "CSV_027": ("and {n} more {kind} not listed ({codes})",
                "fix the ones listed and run again; the rest often go away with them"),
    "CSV_028": ("{what} is not supported",
                "in Excel use Save As \u2192 CSV UTF-8 (*.csv) or Excel Workbook (*.xlsx)"),
    "CSV_029": ("row 1 is not the header: 'respondent_id' is on row {row}",
                "delete the rows above the header so that row 1 holds the column names"),
    "CSV_030": ("the file has only the {n} stage-{stage} item columns (a wave-1 file); the "
                "{missing} other item columns count as blank",
                "nothing to do for wave-1 answers; to score all stages, add the wave-2 columns "
                "(the full header is in data-entry.csv next to the manifest)"),
    "CSV_031": ("the workbook unpacks to {size}, more than the limit of {limit}",
                "a data-entry workbook unpacks to a few MB; check that this is the right file, "
                "or save the sheet as CSV UTF-8 and score the CSV"),
    "CSV_032": ("{detail}",
                "wait until the program writing the file (a download, a sync client, Excel "
                "saving) has finished, then run again; nothing was read from it"),
    "CSV_033": ("'{value}' holds invisible characters ({chars}); read as '{clean}'",
                "nothing to do if '{clean}' is right; such characters come from copying text "
                "out of web pages, Word or PDF files, and would have made two respondents of one"),
    "CSV_040": ("{n} answer(s) to stems or questions that form {form} (profile {profile}) does "
                "not ask ({items}); ignored",
                "nothing to do if the row belongs to that form: it does not ask these (they are "
                "not applicable there); otherwise correct the row's instrument column"),
    "CSV_041": ("'{value}' is not an answer to '{label}', which takes {allowed}",
                "type {allowed}, or leave the cell blank (codebook.csv lists the background "
                "questions)"),
    "CSV_042": ("no column for background question{s} {ids}; {it} count{s2} as blank",
                "nothing to do if the form did not ask {them}; to keep the answers, add the "
                "column{s} (the full header is in data-entry.csv next to the manifest)"),
    "CSV_043": ("{rows} name{s} form {form}, which asks {n} stem(s) this file has no column "
                "for ({items})",
                "score the file with the manifest of the form it was typed from, or add the "
                "missing columns (the header is in data-entry.csv next to that manifest)"),
    "SCORE_001": ("no built manifest for instrument '{ident}' under {root}/",
                  "build the questionnaire first (`python build.py`, or `opm-build` when "
                  "installed), or pass --manifest PATH to the manifest.json that came with it"),
    "SCORE_002": ("the files do not say which instrument they belong to (no 'instrument' values)",
                  "pass --manifest PATH, e.g. --manifest out/pmbok6/pb-zh-TW/manifest.json"),
    "SCORE_003": ("the files name {n} questionnaires that cannot be scored together: {ids}",
                  "forms of one bank version, scale and rule score together; score the others "
                  "separately, each with its own --manifest"),
    "SCORE_004": ("cannot write --out {path}: {detail}",
                  "choose a new or empty folder for --out; the scorer replaces only folders "
                  "it wrote itself"),
    "SCORE_005": ("unknown rule '{name}'{suggestion}",
                  "use one of the rules of bank {bank}: {known}"),
    "SCORE_006": ("--threshold {value} {detail}",
                  "{fix}"),
    "SCORE_007": ("'{name}' is not a single-choice background question of this "
                  "questionnaire{suggestion}",
                  "group by one of: {known} (codebook.csv lists the background questions)"),
    "SCORE_008": ("group '{group}' has {n} respondent{s}: its results in organisations.csv "
                  "and the reports are close to their own answers",
                  "merge it with another group, or leave it out of what you publish (groups "
                  "of fewer than {minimum} can identify a person)"),
    # --- scanned paper forms (scoring/scan/, `python -m scoring scan`) --------
    "SCAN_001": ("cannot read the scan: {detail}",
                 "scan again as PDF, TIFF, PNG or JPEG (greyscale, 200-300 dpi); if the file "
                 "was still being written, wait until it is complete"),
    "SCAN_002": ("no box geometry for the manifest's questionnaire ({detail})",
                 "build the PDFs again with this version (python build.py build --format pdf): "
                 "it writes questionnaire.geometry.json and wave1.geometry.json next to "
                 "manifest.json; or pass the forms' geometry with --geometry FILE"),
    "SCAN_003": ("cannot read the box geometry: {detail}",
                 "pass the .geometry.json file build.py wrote next to the PDF you printed"),
    "SCAN_004": ("no corner markers found: {detail}",
                 "scan the whole sheet, upright or turned, with its four corners on the glass "
                 "(greyscale, 200-300 dpi); a page that is not part of the questionnaire does "
                 "not belong in the scans"),
    "SCAN_005": ("the page code (the small QR code in the left margin) cannot be read",
                 "scan this page again at 300 dpi in greyscale, and check that the bottom-left "
                 "corner is not folded, stapled or written over"),
    "SCAN_006": ("a page of another questionnaire (instrument {found}), not of {expected}",
                 "take it out of these scans and read it with its own --manifest"),
    "SCAN_007": ("page {page} of the {form} form was printed from another build of "
                 "instrument {ident} (layout {layout}; the geometry files know {known})",
                 "pass the .geometry.json written next to the PDF that was printed (another "
                 "profile, language, font or paper size) with --geometry FILE"),
    "SCAN_008": ("{what} page {page} appears again at {other}",
                 "take out one of the two scans of this page (if they differ, keep the one "
                 "the respondent meant)"),
    "SCAN_009": ("{what} lacks page{s} {pages} of {total}",
                 "scan the missing page{s} and run again with all of the form's pages; a form "
                 "without a respondent id is read from its pages in the order scanned, first "
                 "page first"),
    "SCAN_010": ("blank page skipped (no markers, no print)",
                 "nothing to do if it is the back of a one-sided sheet"),
    "SCAN_011": ("{detail}", "{fix}"),
    "SCAN_012": ("no pages to read{detail}",
                 "pass the scanned files (PDF, TIFF, PNG or JPEG), e.g. scans/*.pdf"),
    "SCAN_013": ("the page is too faint to read (the print is barely darker than the paper)",
                 "scan it again in greyscale with the scanner's default brightness and "
                 "contrast (not black-and-white 'text' mode with a high threshold)"),
    "SCAN_014": ("{n} item(s) need a person's judgement ({reasons}); left blank until "
                 "corrected",
                 "open review.html, type the right code for each, save the corrections and "
                 "run again with --corrections FILE"),
    "SCAN_015": ("{n} form(s) without a printed respondent id ({forms})",
                 "type each form's respondent id into review.html (its crop shows what was "
                 "written on the cover), save the corrections and run again with "
                 "--corrections FILE"),
    "SCAN_016": ("the {n} corner markers found do not fit one flat sheet (off by {mm} mm)",
                 "scan the page again, flat on the glass; if a marker is damaged or written "
                 "over, scan a clean copy with the answers copied onto it"),
    # --- double data entry (`python -m scoring compare`) ----------------------
    "ENTRY_001": ("respondent '{rid}'{wave}, column '{column}': {a} here, {b} at {other}",
                  "look at the paper form and correct the file whose typing is wrong, then "
                  "compare again"),
    "ENTRY_002": ("respondent '{rid}'{wave} was typed into {here} only, not into {there}",
                  "type the form into the other file too (or delete the row if the form "
                  "does not exist), then compare again"),
    # --- writing outputs (build.py, followup and the scorer) -----------------
    "OUTPUT_001": ("cannot write the output: {detail}",
                   "{fix}; earlier results there were left as they were"),
    # --- manifests ----------------------------------------------------------
    "MANIFEST_001": ("cannot read manifest: {detail}",
                     "pass the manifest.json that build.py wrote next to the questionnaire"),
    "MANIFEST_002": ("manifest content hash does not match its content",
                     "the file was edited by hand; rebuild it with build.py"),
}


@dataclass(frozen=True)
class Location:
    """A place in a user's file, 1-based, as an editor or spreadsheet shows it."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's input, with where and how to fix it."""

    code: str
    location: Location
    message: str
    hint: str = ""
    subject: str = ""  # e.g. an item id or column name, printed after the location
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        subject = f"{self.subject}: " if self.subject else ""
        text = f"{self.location}: {subject}{self.message} [{self.code}]"
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text


def problem(code: str, location: Location, *, subject: str = "", severity: str = "error",
            **fields: object) -> Problem:
    """Make a catalogued problem; unknown codes are a programming error."""
    message, hint = CATALOGUE[code]
    return Problem(code, location, message.format(**fields), hint.format(**fields),
                   subject, severity)


class InstrumentError(Exception):
    """Raised with every problem found, so a user fixes them in one pass, not one by one."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for a near miss, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def raise_if(problems: Sequence[Problem]) -> None:
    """Raise for errors only; warnings travel with results."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InstrumentError(errors)


@dataclass
class Collector:
    """Accumulates problems during one validation pass."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, code: str, location: Location, **kw: object) -> None:
        self.problems.append(problem(code, location, **kw))

    def raise_if_any(self) -> None:
        raise_if(self.problems)
