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
    # --- build --------------------------------------------------------------
    "BUILD_001": ("unknown bank '{name}'{suggestion}",
                  "use one of the bundled banks ({known}) or pass a path to a .yaml file"),
    "BUILD_002": ("unknown {kind} '{name}'{suggestion}",
                  "use one of: {known}"),
    "BUILD_003": ("output folder problem: {detail}",
                  "choose another --out folder"),
    "BUILD_004": ("no TrueType CJK font found",
                  "install Debian's fonts-arphic-uming (bash scripts/install.sh does it), or "
                  "pass --font PATH to a .ttf/.ttc font with Traditional Chinese glyphs"),
    "BUILD_005": ("font problem: {detail}",
                  "pass --font PATH to a TrueType (.ttf/.ttc with glyf outlines) CJK font; "
                  "OpenType/CFF fonts such as Noto CJK cannot be embedded by reportlab"),
    "BUILD_006": ("output name '{name}' is not allowed",
                  "ids used as folder names may hold letters, digits, '.', '_' and '-' only"),
    # --- HTML questionnaire (instrument/html.py) -----------------------------
    # (add HTML_nnn entries here)
    # --- PDF questionnaire and follow-ups (instrument/pdf.py) ---------------
    # (add PDF_nnn entries here)
    # --- scorer: reading and validating responses (scoring/) ----------------
    # (add CSV_nnn and SCORE_nnn entries here)
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
