"""Import adapters: other platforms' CSV exports -> the scorer's native columns.

Researchers field the instrument where they already work (Google Forms,
KoboToolbox/ODK, LimeSurvey, Qualtrics, REDCap) and come back with that
platform's export. ``adapt`` maps one such export, already decoded and split
into rows by ``scoring.read``, to the native layout of ``instrument.contract.header``
(respondent_id, organisation, instrument, wave, then item ids) so that every
later check and the scoring itself are the same for every channel.

Pure functions, no file I/O. What each platform writes (docs/channels/ says
which parts come from documentation and were not checked against a live export):

- google-forms: row 1 holds the question titles as typed, cells the answer
  labels; ``Timestamp``/``時間戳記`` first, optional e-mail column.
- kobo: XML names (``INT01_S``), group paths (``area_INT/INT01_S``) or labels as
  headers; Kobo's own columns (``_id``, ``_uuid``, ``start``, ``meta/…``) and the
  XLSForm's ``gate_*`` calculations are dropped; cells are XML values or labels.
- limesurvey: ``id, submitdate, lastpage, startlanguage, …`` then question codes,
  which cannot hold '_' (``INT01S`` is ``INT01_S``); cells are answer codes.
- qualtrics: three header rows (export tags, question texts, ``{"ImportId":…}``);
  data from row 4; metadata ``StartDate`` … ``UserLanguage`` dropped.
- redcap: ``record_id`` first, lower-case field names, ``*_complete`` and
  ``*_timestamp`` dropped; raw codes or labels.

Headers are matched to items by id (any case, any platform decoration), by an
``[ITEM_ID]`` tag anywhere in the header, or by the item's text in any language
of ``instruments``; cells by code or by answer label in any language. Matching
ignores whitespace, case and full-/half-width differences (Unicode NFKC).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from instrument.compile import Options, compile_instrument
from instrument.contract import ID_COLUMNS, id_label
from instrument.errors import InstrumentError, Location, Problem, did_you_mean, problem
from instrument.model import Bank, Instrument, Profile

# the labels of the id columns (the XLSForm's questions too) come from the contract: one
# source for form and reader

PLATFORMS = ("google-forms", "kobo", "limesurvey", "qualtrics", "redcap")

MAX_PER_CODE = 20  # problems of one code listed per file; the rest are counted
SHOW = 60  # characters of a header or cell quoted in a message


@dataclass(frozen=True)
class Adapted:
    """A platform export in the native layout, ready for the reader's column checks.

    ``header``: respondent_id, organisation, instrument, wave, then the item ids
    found in the export, in instrument order. ``rows``: one list of cell strings
    per data row (codes as text, '' for no answer). ``row_numbers``: the row each
    came from as the user's spreadsheet shows it (header = 1; Qualtrics data
    starts at row 4). ``problems``: errors and warnings (``Problem.severity``),
    each naming file:row, the column as the platform wrote it, and a fix.
    """

    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    problems: list[Problem]
    platform: str = ""


# --------------------------------------------------------------------------- text keys
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"))
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', **_INVISIBLE})
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"\[\s*([A-Za-z][A-Za-z0-9_]*)\s*\]")
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_PAREN = re.compile(r"\s*\([^()]*\)\s*$")  # a trailing '(…)' note: '機關／單位 (請填全名)'
# 'area_INT/INT01_S' (Kobo), 'area_INT-INT01_S' (ODK), or another group separator
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[/.:\-][A-Za-z_][A-Za-z0-9_]*)+")


def nfkc(text: str) -> str:
    """NFKC (full-width letters, digits, '／', '：' to their ASCII forms), straight
    quotes, no zero-width characters or BOM, outer whitespace stripped."""
    return unicodedata.normalize("NFKC", text).translate(_QUOTES).strip()


def text_key(text: str) -> str:
    """What two spellings of one text have in common: NFKC, no whitespace, no case."""
    return _SPACE.sub("", nfkc(text)).casefold()


def _phrase_key(text: str) -> str:
    """Key of a question text: like ``text_key``, and a final '.', '。', '?' or a
    required-question '*' does not count."""
    return text_key(text).rstrip(".。!?:*")


def _name_key(text: str) -> str:
    """Key of a column name: like ``text_key`` and also without '_' and '-'."""
    return re.sub(r"[_\-]+", "", text_key(text))


def _show(text: str, limit: int = SHOW) -> str:
    text = _SPACE.sub(" ", text.replace("\ufeff", "")).strip()
    if not text.isprintable():
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[:limit] + "\u2026"


# --------------------------------------------------------------------------- codebook
ROLE_NAMES = {
    "respondent_id": ("respondent_id", "respondent id", "受訪者編號", "受訪者代號"),
    "organisation": ("organisation", "organization", "機關／單位", "機關單位", "機關", "單位"),
    "instrument": ("instrument",),
    "wave": ("wave",),
}


@dataclass
class _Codebook:
    """Everything a header or a cell can be matched against, in every language given."""

    ident: str
    item_ids: tuple[str, ...]
    by_id: dict[str, str] = field(default_factory=dict)  # upper-case id or id without '_'
    by_text: dict[str, str | None] = field(default_factory=dict)  # text_key -> id (None: ambiguous)
    stems: dict[str, str] = field(default_factory=dict)  # text_key(stem) -> id, for suggestions
    stem_text: dict[str, str] = field(default_factory=dict)  # text_key(stem) -> stem as written
    codes: tuple[int, ...] = ()
    by_label: dict[str, int | None] = field(default_factory=dict)
    label_names: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)  # _name_key -> native id column
    scale: str = ""
    labels: str = ""  # "1 = 非常不同意 / Strongly disagree, …" for hints
    questions: dict[str, str] = field(default_factory=dict)  # id or label key -> question id
    question_ids: tuple[str, ...] = ()  # background questions, in form order
    kinds: dict[str, str] = field(default_factory=dict)  # question id -> single|number|text
    choices: dict[str, dict[str, int | None]] = field(default_factory=dict)  # qid -> label -> code

    @classmethod
    def of(cls, instruments: Sequence[Instrument]) -> _Codebook:
        """One form in several languages, or several forms of one questionnaire (the union
        of their items; a blank instrument cell is then left for the reader to decide)."""
        if not instruments:
            raise ValueError("adapt() needs the instrument compiled in at least one language")
        first = instruments[0]
        ids = [i.id for i in instruments]
        if any(i.family != first.family for i in instruments):
            raise ValueError(f"adapt() needs forms of one questionnaire, got {ids}")
        item_ids = tuple(dict.fromkeys(i for inst in instruments for i in inst.item_ids))
        book = cls(first.id if len(set(ids)) == 1 else "", item_ids,
                   codes=first.scale.all_codes, scale=first.scale.id)
        for item_id in item_ids:
            book.by_id[item_id.upper()] = item_id
        compact: dict[str, list[str]] = {}
        for item_id in item_ids:
            compact.setdefault(item_id.replace("_", "").upper(), []).append(item_id)
        for key, found in compact.items():  # LimeSurvey codes: INT01S is INT01_S
            if len(found) == 1:
                book.by_id.setdefault(key, found[0])

        def put(table: dict, key: str, value) -> None:
            if key:
                table[key] = value if table.get(key, value) == value else None

        for inst in instruments:
            practice = {p.id: p for p in inst.practices}
            for item in inst.items:
                p = practice[item.practice]
                for variant in (item.text, f"{p.code} {p.name}: {item.text}",
                                f"{p.code} {p.name} {item.text}", f"{p.name}: {item.text}"):
                    put(book.by_text, _phrase_key(variant), item.id)
                book.stems[text_key(item.text)] = item.id
                book.stem_text[text_key(item.text)] = item.text
            for code in inst.scale.codes:
                put(book.by_label, text_key(code.label), code.code)
                book.label_names.append(code.label)
            for role, names in ROLE_NAMES.items():
                for name in names:
                    book.roles[_name_key(name)] = role
            book.roles[_name_key(id_label("respondent_id", inst.language))] = "respondent_id"
            book.roles[_name_key(id_label("organisation", inst.language))] = "organisation"
            for q in inst.background:
                book.kinds[q.id] = q.kind
                book.questions[q.id.upper()] = q.id
                put(book.questions, _phrase_key(q.label), q.id)
                for c in q.choices:
                    put(book.choices.setdefault(q.id, {}), text_key(c.label), c.code)
        book.question_ids = tuple(dict.fromkeys(q.id for i in instruments for q in i.background))
        book.labels = ", ".join(
            f"{c.code} = " + " / ".join(dict.fromkeys(i.scale.codes[k].label for i in instruments))
            for k, c in enumerate(first.scale.codes))
        return book

    # ---- headers
    def role(self, header: str) -> str | None:
        return self.roles.get(_name_key(header))

    def question(self, candidates: Sequence[str]) -> str | None:
        """The background question a header names, by id or by its label in any language."""
        for c in (nfkc(c) for c in candidates if c and c.strip()):
            found = self.questions.get(c.upper()) or self.questions.get(_phrase_key(c))
            if found:
                return found
        return None

    def answer(self, question: str, cell: str, blanks: frozenset[str] = frozenset()) -> str:
        """A background cell as the native layout holds it: a choice label becomes its code;
        anything else passes through for the reader to check (and report with its row)."""
        text = nfkc(cell)
        if not text or text.casefold() in blanks:
            return ""
        if self.kinds.get(question) == "single":
            code = self.choices.get(question, {}).get(text_key(text))
            if code is not None:
                return str(code)
        return text

    def item(self, candidates: Sequence[str]) -> tuple[str | None, str]:
        """(item id, '') for a header given as one or more spellings; else (None, suggestion)."""
        candidates = [nfkc(c) for c in candidates if c and c.strip()]
        for c in candidates:
            if _IDENT.fullmatch(c) and c.upper() in self.by_id:
                return self.by_id[c.upper()], ""
        tags = [t.upper() for c in candidates for t in _TAG.findall(c)]
        known = list(dict.fromkeys(self.by_id[t] for t in tags if t in self.by_id))
        if len(known) == 1:
            return known[0], ""
        if len(known) > 1:
            return None, f" (it names {' and '.join(known)}; keep one)"
        for c in candidates:
            for variant in _variants(c):
                found = self.by_text.get(_phrase_key(variant))
                if found:
                    return found, ""
        return None, self._suggest(candidates, tags)

    def _suggest(self, candidates: list[str], tags: list[str]) -> str:
        if tags:
            return did_you_mean(tags[0], self.item_ids)
        for c in candidates:
            last = re.split(r"[/.:\-]", c)[-1] if _PATH.fullmatch(c) else c
            if _IDENT.fullmatch(last) and did_you_mean(last.upper(), self.item_ids):
                return did_you_mean(last.upper(), self.item_ids)
        for c in candidates:
            for variant in _variants(c):
                close = difflib.get_close_matches(text_key(variant), list(self.stems), n=1,
                                                  cutoff=0.6)
                if close:
                    item = self.stems[close[0]]
                    return f" (did you mean {item} '{_show(self.stem_text[close[0]], 30)}'?)"
        return ""

    # ---- cells
    def value(self, cell: str, blanks: frozenset[str] = frozenset()) -> str | None:
        """A cell as a code string ('' = no answer), or None when it matches nothing."""
        text = nfkc(cell)
        if not text or text.casefold() in blanks:
            return ""
        code = _integer(text)
        if code is not None:
            return str(code) if code in self.codes else None
        found = self.by_label.get(text_key(text))
        if found is not None:
            return str(found)
        # '4 同意', '4. Agree', '4=同意', '同意 (4)': a code and its own label
        m = (re.fullmatch(r"(\d+)\s*[.:、=)\-]?\s*(.+)", text)
             or re.fullmatch(r"(.+?)\s*[(\[]\s*(\d+)\s*[)\]]", text))
        if m:
            number, label = (m.group(1), m.group(2)) if m.group(1).isdigit() else (m.group(2),
                                                                                 m.group(1))
            if int(number) in self.codes and self.by_label.get(text_key(label)) == int(number):
                return str(int(number))
        return None

    def suggest_value(self, cell: str) -> str:
        # labels only: 'A1' (LimeSurvey's default answer code) is not code 1
        return did_you_mean(nfkc(cell), self.label_names)


def _integer(text: str) -> int | None:
    """'4', '4.0', '+4' -> 4; anything else (including '4.5') -> None."""
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and re.fullmatch(r"[+-]?\d+(\.0*)?", text) else None


def _variants(text: str) -> list[str]:
    """Spellings of a header that may be an item's text: the whole header; the part
    in a trailing '[…]' (Google Forms grid rows: 'Title [row]'); the part after
    each '/' (Kobo group labels); after ' - ' (Qualtrics matrix statements); after
    a leading 'CODE.'/'CODE:' (LimeSurvey 'code & question text' headings)."""
    out = [text]
    if text.endswith("]"):
        depth = 0
        for k in range(len(text) - 1, -1, -1):
            depth += {"]": 1, "[": -1}.get(text[k], 0)
            if depth == 0:
                out.append(text[k + 1:-1])
                break
    parts = text.split("/")
    out += ["/".join(parts[k:]) for k in range(1, len(parts))]
    if " - " in text:
        out.append(text.rsplit(" - ", 1)[1])
    m = re.match(r"([A-Za-z][A-Za-z0-9_]*)\s*[.:]\s+(.+)", text)
    if m:
        out.append(m.group(2))
    return [v for v in out if v.strip()]


def _lead_code(text: str) -> str:
    m = re.match(r"([A-Za-z][A-Za-z0-9_]*)\s*[.:]\s+", nfkc(text))
    return m.group(1) if m else ""


# --------------------------------------------------------------------------- platforms
@dataclass(frozen=True)
class _Platform:
    """What differs between platforms; the matching itself is shared."""

    name: str
    page: str  # docs/channels/<page>
    meta: Callable[[str], str | None]  # header -> "drop" | "platform_id" | None
    candidates: Callable[[str], list[str]]  # header -> spellings to match against items
    header_fix: str
    value_fix: str
    no_id_source: str  # what respondent_id is taken from without a respondent id column
    no_id_fix: str
    warn_platform_id: bool = False  # warn when the platform's own id stands in for respondent_id
    blanks: frozenset[str] = frozenset()  # cell values that mean "not answered"
    export_fix: str = ""


def _in(names: Sequence[str]) -> frozenset[str]:
    return frozenset(n.casefold() for n in names)


GOOGLE_META = _in(["Timestamp", "時間戳記", "时间戳记", "Email Address", "Email address",
                   "電子郵件地址", "电子邮件地址", "Score", "分數"])


def _google_meta(header: str) -> str | None:
    return "drop" if nfkc(header).casefold() in GOOGLE_META else None


KOBO_META = _in(["start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
                 "username", "email", "audit", "instanceID", "instanceName", "formhub/uuid",
                 # ODK Central / Briefcase CSV (groups joined by '-')
                 "SubmissionDate", "SubmitterID", "SubmitterName", "AttachmentsPresent",
                 "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
                 "FormVersion", "isValidated"])
_GATE = re.compile(r"gate_[A-Za-z0-9]+(?:_(?:sum|n|hits))?")


def _kobo_meta(header: str) -> str | None:
    name = nfkc(header)
    last = name.rsplit("/", 1)[-1]
    if name in ("_id", "KEY"):  # Kobo's submission number; ODK's instance id
        return "platform_id"
    if _PATH.fullmatch(name):
        last = re.split(r"[/.:\-]", name)[-1]
    if (last.startswith("_") or name.casefold() in KOBO_META or last.casefold() in KOBO_META
            or name.startswith(("meta/", "meta-", "formhub/")) or _GATE.fullmatch(last)):
        return "drop"
    return None


def _kobo_candidates(header: str) -> list[str]:
    """'area_INT/INT_M/INT01_M' (or another group separator) -> also 'INT01_M'."""
    name = nfkc(header)
    if _PATH.fullmatch(name):
        return [name, re.split(r"[/.:\-]", name)[-1]]
    return [name, name.rsplit("/", 1)[-1]] if "/" in name else [name]


LIMESURVEY_META = _in([
    "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "ipaddr",
    "refurl", "token", "firstname", "lastname", "email", "interviewtime",
    # headings 'Full question text' / 'Abbreviated question text'
    "Date submitted", "Last page", "Start language", "Seed", "Date started", "Date last action",
    "IP address", "Referrer URL", "Access code", "Token", "First name", "Last name",
    "Email address", "Total time"])


def _limesurvey_meta(header: str) -> str | None:
    name = nfkc(header)
    if name.casefold() in ("id", "response id"):
        return "platform_id"
    if (name.casefold() in LIMESURVEY_META or name.casefold().startswith("attribute_")
            or re.fullmatch(r"(?i)grouptime\d+|[A-Za-z][A-Za-z0-9]*time", name)):
        return "drop"  # timings too: groupTime12, INT01STime
    return None


def _limesurvey_candidates(header: str) -> list[str]:
    name = nfkc(header)
    out = [name]
    if _lead_code(name):  # 'INT01S. question text'
        out.append(_lead_code(name))
    return out


QUALTRICS_META = _in([
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
    "RecordedDate", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
    "ExternalReference", "ExternalDataReference", "LocationLatitude", "LocationLongitude",
    "DistributionChannel", "UserLanguage"])
QUALTRICS_TEXTS = {"StartDate": "Start Date", "EndDate": "End Date", "ResponseId": "Response ID",
                   "IPAddress": "IP Address", "RecordedDate": "Recorded Date"}
# timing sub-columns, and the display order Qualtrics adds for randomised questions or blocks
_TIMING = re.compile(r".*_(?:First Click|Last Click|Page Submit|Click Count|DO(?:_\d+)?)",
                     re.IGNORECASE)
_IMPORT_ID = re.compile(r'\s*\{\s*"ImportId"\s*:')


def _qualtrics_meta(header: str) -> str | None:
    name = nfkc(header)
    if name.casefold() == "responseid":
        return "platform_id"
    if name.casefold() in QUALTRICS_META or name.startswith("Q_") or _TIMING.fullmatch(name):
        return "drop"
    return None


REDCAP_META = _in(["redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
                   "redcap_data_access_group", "redcap_survey_identifier",
                   # 'labels' export headers
                   "Event Name", "Repeat Instrument", "Repeat Instance", "Data Access Group",
                   "Survey Identifier", "Survey Timestamp", "Complete?"])


def _redcap_meta(header: str) -> str | None:
    name = nfkc(header)
    if name.casefold() in ("record_id", "record id"):
        return "platform_id"
    if (name.casefold() in REDCAP_META or re.fullmatch(r"(?i)\w+_(?:complete|timestamp)", name)):
        return "drop"
    return None


def _same(header: str) -> list[str]:
    return [header]


_PLATFORMS = {
    "google-forms": _Platform(
        "Google Forms", "google-forms.md", _google_meta, _same,
        header_fix="if this question holds an item, put the item id in brackets anywhere in its "
                   "title (e.g. '… [INT01_S]') or use the item text of codebook.csv; other "
                   "questions can stay",
        value_fix="make the answer options exactly the labels of codebook.csv, in either language",
        no_id_source="",
        no_id_fix="add a short-answer question titled 受訪者編號 or Respondent ID: the ids join "
                  "waves and follow-up forms; leave it if they do not matter to you",
        export_fix="download the responses in Google Forms (Responses \u2192 \u22ee \u2192 "
                   "Download responses (.csv)) and score that file unchanged"),
    "kobo": _Platform(
        "KoboToolbox", "kobo.md", _kobo_meta, _kobo_candidates,
        header_fix="if it holds an item, give the question the item id as its name, as the "
                   "XLSForm of `python build.py xlsform` does; other columns can stay",
        value_fix="upload the XLSForm of `python build.py xlsform` unchanged, and export with "
                  "'XML values and headers'",
        no_id_source="taken from Kobo's _id",
        no_id_fix="keep the respondent_id question of the XLSForm in the form",
        warn_platform_id=True,
        export_fix="export the data in Kobo (Data \u2192 Downloads \u2192 CSV, 'XML values and "
                   "headers') and score that file unchanged"),
    "limesurvey": _Platform(
        "LimeSurvey", "limesurvey.md", _limesurvey_meta, _limesurvey_candidates,
        header_fix="if it holds an item, give the question the item id without '_' as its code "
                   "(e.g. INT01S for INT01_S); other columns can stay",
        value_fix="give the answer options the scale's codes as answer codes and export with "
                  "'Answer codes'",
        no_id_source="taken from LimeSurvey's response id",
        no_id_fix="add a question for the respondent id (受訪者編號 / Respondent ID) as "
                  "docs/channels/limesurvey.md shows",
        blanks=_in(["N/A"]),
        export_fix="export the responses in LimeSurvey (Responses \u2192 Export, CSV, headings "
                   "'Question code', responses 'Answer codes') and score that file unchanged"),
    "qualtrics": _Platform(
        "Qualtrics", "qualtrics.md", _qualtrics_meta, _same,
        header_fix="if it holds an item, set the question's export tag to the item id (e.g. "
                   "INT01_S) or put '[INT01_S]' in its text; other columns can stay",
        value_fix="set the question's Recode values to the scale's codes and download with "
                  "'Use numeric values'",
        no_id_source="taken from Qualtrics' ResponseId",
        no_id_fix="add a question for the respondent id (受訪者編號 / Respondent ID) as "
                  "docs/channels/qualtrics.md shows",
        blanks=_in(["-99"]),
        export_fix="download the data in Qualtrics (Data & Analysis \u2192 Export & Import "
                   "\u2192 Export Data, CSV, 'Use numeric values') and score that file unchanged"),
    "redcap": _Platform(
        "REDCap", "redcap.md", _redcap_meta, _same,
        header_fix="if it holds an item, name the field after the item id in lower case (e.g. "
                   "int01_s); other columns can stay",
        value_fix="give the radio field the scale's codes as choices ('1, 非常不同意 | …') and "
                  "export 'CSV / Microsoft Excel (raw data)'",
        no_id_source="taken from REDCap's record id (the first column)",
        no_id_fix="add a question for the respondent id (受訪者編號 / Respondent ID) as "
                  "docs/channels/redcap.md shows",
        export_fix="export the data in REDCap (Data Exports, Reports, and Stats \u2192 All data "
                   "\u2192 CSV / Microsoft Excel (raw data)) and score that file unchanged"),
}


# --------------------------------------------------------------------------- detect
def _first_row(rows: list[list[str]]) -> list[str]:
    return [nfkc(c) for c in rows[0]] if rows else []


def detect(rows: list[list[str]]) -> str | None:
    """The platform whose export this is, when its header leaves no doubt; else None.

    None for the native layout (respondent_id, organisation, instrument, …) and for
    anything unknown: the reader then reads the file as native. Pass ``--from``
    to adapt a file whose header was edited.
    """
    header = _first_row(rows)
    if not header:
        return None
    names = [h.casefold() for h in header]
    lasts = {n.rsplit("/", 1)[-1] for n in names}
    found = []
    if {"startdate", "enddate", "responseid"} <= set(names):
        found.append("qualtrics")
    if {"_uuid", "_submission_time"} & lasts or {"submissiondate", "key"} <= set(names):
        found.append("kobo")  # KoboToolbox, or ODK Central/Briefcase (same XLSForm, same adapter)
    if ((names[0] == "id" and {"submitdate", "lastpage", "startlanguage"} <= set(names[:8]))
            or names[:4] == ["response id", "date submitted", "last page", "start language"]):
        found.append("limesurvey")
    if _is_redcap(names):
        found.append("redcap")
    if names[0] in ("timestamp", "時間戳記", "时间戳记"):
        found.append("google-forms")
    return found[0] if len(found) == 1 else None


_REDCAP_FIELD = re.compile(r"[a-z][a-z0-9_]*")
REDCAP_COLUMNS = frozenset(n.casefold() for n in REDCAP_META if n.startswith("redcap_"))


def _is_redcap(names: list[str]) -> bool:
    """REDCap's export, whatever the record id field is called: the project's first field
    comes first (``record_id`` by default, ``participant_id`` or any other name). Told by
    a ``redcap_*`` column (events, repeats, data access groups, survey identifier); by
    ``<instrument>_timestamp`` with ``<instrument>_complete``; by the last column being
    ``<instrument>_complete``, as REDCap ends every full export (unless the first column is
    the scorer's own respondent_id); or, in a labels export,
    by 'Complete?' after 'Record ID' or a 'Survey Identifier' / 'Survey Timestamp'."""
    completes = {n[:-len("_complete")] for n in names
                 if n.endswith("_complete") and _REDCAP_FIELD.fullmatch(n)}
    if REDCAP_COLUMNS & set(names):
        return True
    if completes and (names[0] == "record_id" or any(f"{c}_timestamp" in names for c in completes)
                      or names[0] != "respondent_id" and names[-1].endswith("_complete")
                      and _REDCAP_FIELD.fullmatch(names[-1])):
        return True
    labels = {"survey identifier", "survey timestamp", "event name"}
    return "complete?" in names and (names[0] == "record id" or bool(labels & set(names)))


# a column that gives a platform away when detect() was not sure: (platform, pattern, what)
_TELLTALES = (
    ("redcap", re.compile(r"[a-z][a-z0-9_]*_complete|complete\?"),
     "REDCap's instrument status column"),
    ("kobo", re.compile(r"(?:.*/)?(?:_uuid|_submission_time|_validation_status|_index)"),
     "KoboToolbox's submission column"),
    ("limesurvey", re.compile(r"submitdate|lastpage|startlanguage"), "LimeSurvey's column"),
    ("qualtrics", re.compile(r"responseid|startdate|enddate"), "Qualtrics' column"),
)


def suspect(header: Sequence[str]) -> list[tuple[str, str, str]]:
    """(platform, column, what it is) for each platform a header has a telltale column of.

    For the reader's message when a file read in the native layout lacks its
    respondent_id column: "use --from redcap" where a REDCap export's first field
    has a name of the project's own and its other columns did not settle it.
    """
    out = []
    for platform, pattern, what in _TELLTALES:
        column = next((c for c in header if pattern.fullmatch(nfkc(c).casefold())), None)
        if column is not None:
            out.append((platform, column, what))
    return out


# --------------------------------------------------------------------------- adapt
@dataclass
class _Column:
    index: int
    header: str  # as the platform wrote it (row 1)
    text: str = ""  # Qualtrics: the question text of row 2
    role: str = "unknown"  # item | background | respondent_id | organisation | instrument |
    #                        wave | platform_id | drop | unknown
    item: str = ""  # the item id, or the background question id
    suggestion: str = ""

    @property
    def subject(self) -> str:
        text = f" ({_show(self.text, 40)})" if self.text and self.text != self.header else ""
        return f"column '{_show(self.header)}'{text}"


class _Problems:
    """Problems of one file, at most MAX_PER_CODE listed per code, the rest counted."""

    def __init__(self, filename: str):
        self.filename = filename
        self.listed: list[Problem] = []
        self.count: dict[str, int] = {}
        self.hidden: dict[str, int] = {}

    def add(self, code: str, row: int, *, subject: str = "", severity: str = "error",
            **fields: object) -> None:
        self.count[code] = self.count.get(code, 0) + 1
        if self.count[code] > MAX_PER_CODE:
            self.hidden[code] = self.hidden.get(code, 0) + 1
            return
        self.listed.append(problem(code, Location(self.filename, row), subject=subject,
                                   severity=severity, **fields))

    def finish(self) -> list[Problem]:
        out = list(self.listed)
        for code, n in self.hidden.items():
            severity = next(p.severity for p in self.listed if p.code == code)
            out.append(problem("ADAPT_009", Location(self.filename), severity=severity,
                               n=f"{n:,}", what=f"{code} problem{'s' if n != 1 else ''}"))
        return out


def _header_rows(rows: list[list[str]], platform: str) -> tuple[int, list[str] | None]:
    """(number of header rows, Qualtrics question texts or None)."""
    if platform != "qualtrics":
        return 1, None

    def is_import(row: list[str]) -> bool:
        return any(_IMPORT_ID.match(c) for c in row)

    def is_text(row: list[str]) -> bool:
        return any(QUALTRICS_TEXTS.get(nfkc(h)) == nfkc(t) for h, t in zip(rows[0], row))

    if len(rows) > 2 and is_import(rows[2]):
        return 3, rows[1]
    if len(rows) > 1 and is_import(rows[1]):
        return 2, None  # the question-text row was deleted
    if len(rows) > 1 and is_text(rows[1]):
        return 2, rows[1]  # the ImportId row was deleted
    return 1, None


def _also(rows: list[int]) -> str:
    """'' / '; also on row 7' / '; also on rows 7, 9 and 12 more'."""
    if not rows:
        return ""
    shown = ", ".join(map(str, rows[:3]))
    if len(rows) == 1:
        return f"; also on row {shown}"
    if len(rows) <= 3:
        head, _, tail = shown.rpartition(", ")
        return f"; also on rows {head} and {tail}"
    return f"; also on rows {shown} and {len(rows) - 3:,} more"


def adapt(rows: list[list[str]], platform: str, instruments: Sequence[Instrument],
          filename: str) -> Adapted:
    """Map one platform export to the native columns of ``instrument.contract.header``.

    ``rows`` is the decoded file as the CSV reader split it, header row(s)
    included; ``platform`` one of ``PLATFORMS`` (from ``--from`` or ``detect``);
    ``instruments`` the manifest's instrument compiled in each language of its
    bank (same id; see ``languages``), so that texts and answer labels match in
    either language; ``filename`` names the file in messages.

    The reader calls it per file, after splitting rows and before checking columns::

        if platform is None:
            platform = detect(rows)
        if platform:
            adapted = adapt(rows, platform, instruments, filename)
            header, data, row_numbers = adapted.header, adapted.rows, adapted.row_numbers
            # ... and adds adapted.problems (each with its own severity) to the file's problems

    From there on the file is a native response file: the reader's checks
    (duplicate respondents, instrument id, codes, gating) apply unchanged. Cells
    that match nothing are reported here (ADAPT_004, an error) and passed on
    blank; headers that match nothing are ignored with a warning (ADAPT_003);
    items the export lacks are absent from ``header``, for the reader to report.
    ``row_numbers`` are consecutive (every data row is kept, blank ones too).
    An unknown ``platform`` raises InstrumentError (ADAPT_001).
    """
    if platform not in _PLATFORMS:
        raise InstrumentError([problem("ADAPT_001", Location("command line"), name=platform,
                                       suggestion=_suggest_platform(platform),
                                       known=", ".join(PLATFORMS))])
    spec = _PLATFORMS[platform]
    book = _Codebook.of(instruments)
    log = _Problems(filename)
    if not rows or not any(c.strip() for c in rows[0]):
        log.add("ADAPT_002", 1, platform=spec.name, detail="the file has no header row",
                fix=spec.export_fix)
        return Adapted(list(ID_COLUMNS), [], [], log.finish(), platform)

    n_header, texts = _header_rows(rows, platform)
    columns = [_Column(k, h, nfkc(texts[k]) if texts and k < len(texts) else "")
               for k, h in enumerate(rows[0])]
    _classify(columns, spec, book, platform)
    first = _pick(columns, log)
    for col in columns:
        if col.role == "unknown":
            log.add("ADAPT_003", 1, subject=col.subject, severity="warning",
                    suggestion=col.suggestion, fix=spec.header_fix)
    items = [first[i] for i in book.item_ids if i in first]
    about = [first[q] for q in book.question_ids if q in first]
    if not items:
        log.add("ADAPT_008", 1, platform=spec.name, ident=book.ident,
                fix=f"check --from {platform} and --manifest; then see docs/channels/{spec.page} "
                    f"for the question names the scorer expects")
    rid = first.get("respondent_id") or first.get("platform_id")
    if rid is None or (spec.warn_platform_id and "respondent_id" not in first):
        labels = " / ".join(dict.fromkeys(id_label("respondent_id", i.language)
                                          for i in instruments))
        source = (spec.no_id_source if rid is not None else
                  f"numbered by row (row-{n_header + 1}, row-{n_header + 2}, \u2026)")
        log.add("ADAPT_006", 1, severity="warning", labels=f"respondent_id, {labels}",
                source=source, fix=spec.no_id_fix)
    ids = (rid, first.get("organisation"), first.get("instrument"), first.get("wave"))

    width = len(rows[0])
    out_rows: list[list[str]] = []
    numbers: list[int] = []
    bad: dict[tuple[int, str], list[int]] = {}  # (column, cell) -> rows
    for number, raw in enumerate(rows[n_header:], start=n_header + 1):
        cells = list(raw)
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            log.add("ADAPT_007", number, n=len(cells), expected=width, platform=spec.name)
        cells += [""] * (width - len(cells))
        values = []
        for col in items:
            code = book.value(cells[col.index], spec.blanks)
            if code is None:
                bad.setdefault((col.index, cells[col.index]), []).append(number)
            values.append(code or "")
        answers = [book.answer(col.item, cells[col.index], spec.blanks) for col in about]
        respondent, organisation, instrument, wave = (
            cells[c.index].strip() if c is not None else "" for c in ids)
        if rid is None and (organisation or any(values)):
            respondent = f"row-{number}"
        out_rows.append([respondent, organisation, instrument or book.ident, wave, *answers,
                         *values])
        numbers.append(number)

    for (index, value), where in bad.items():
        log.add("ADAPT_004", where[0], subject=columns[index].subject, value=_show(value, 40),
                scale=book.scale, suggestion=book.suggest_value(value), more=_also(where[1:]),
                fix=spec.value_fix, labels=book.labels)
    header = [*ID_COLUMNS, *(c.item for c in about), *(c.item for c in items)]
    return Adapted(header, out_rows, numbers, log.finish(), platform)


def native_csv(rows: list[list[str]]) -> bytes:
    """``Adapted.rows`` as UTF-8 CSV records (no header), for a reader that parses bytes."""
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def _pick(columns: list[_Column], log: _Problems) -> dict[str, _Column]:
    """The column of each role and item; a second one is an error, never last-one-wins."""
    first: dict[str, _Column] = {}
    for col in columns:
        if col.role in ("drop", "unknown"):
            continue
        key = col.item if col.role in ("item", "background") else col.role
        if key not in first:
            first[key] = col
        elif col.role != "platform_id":
            log.add("ADAPT_005", 1, subject=col.subject,
                    what=f"item {col.item}" if col.role in ("item", "background") else key,
                    first=_show(first[key].header))
    return first


def languages(instrument: Instrument, bank: Bank, profile: Profile) -> list[Instrument]:
    """``instrument`` and the same instrument in the bank's other languages, for ``adapt``.

    Compiled with the manifest's options (scale, rule, threshold, stages), so the
    ids agree; a language whose id would differ is left out. Pure: the caller
    loads ``bank`` and ``profile`` (e.g. ``load_bank(instrument.bank_id)``).
    """
    rule = instrument.rule
    options = Options(scale=instrument.scale.id, rule=rule.id,
                      threshold=rule.threshold if rule.kind == "mean" else None,
                      stages=instrument.stage_ids)
    out = [instrument]
    for lang in bank.languages:
        if lang != instrument.language:
            other = compile_instrument(bank, profile, lang, options)
            if other.id == instrument.id:
                out.append(other)
    return out


def _suggest_platform(name: str) -> str:
    """'kobotoolbox' -> kobo, 'google' -> google-forms, 'odk' -> kobo, else a near miss."""
    key = re.sub(r"[^a-z]", "", name.casefold())
    aliases = {"odk": "kobo", "odkcollect": "kobo", "xlsform": "kobo", "gforms": "google-forms"}
    if key in aliases:
        return f" (did you mean '{aliases[key]}'?)"
    for platform in PLATFORMS:
        short = platform.replace("-", "")
        if key and (key.startswith(short) or short.startswith(key)):
            return f" (did you mean '{platform}'?)"
    return did_you_mean(name, PLATFORMS)


def _classify(columns: list[_Column], spec: _Platform, book: _Codebook, platform: str) -> None:
    for col in columns:
        header = nfkc(col.header)
        if not header and not col.text:
            col.role = "drop"  # a trailing empty column
            continue
        if _IDENT.fullmatch(header) and header.upper() in book.by_id:
            col.role, col.item = "item", book.by_id[header.upper()]  # an item id beats any rule
            continue
        spelled = [header, *spec.candidates(col.header), *([col.text] if col.text else [])]
        question = book.question(spelled)
        if question:
            col.role, col.item = "background", question
            continue
        kind = spec.meta(col.header)
        if kind:
            col.role = kind
            continue
        role = book.role(header) or book.role(_PAREN.sub("", header))
        if role is None and platform == "kobo":
            role = book.role(_kobo_candidates(header)[-1])
        if role is None and col.text:
            role = book.role(col.text) or book.role(_PAREN.sub("", col.text))
        if role:
            col.role = role
            continue
        spellings = spec.candidates(col.header) + ([col.text] if col.text else [])
        item, suggestion = book.item(spellings)
        if item:
            col.role, col.item = "item", item
        else:
            col.suggestion = suggestion
    # REDCap always exports the record ID field first, whatever its name
    if (platform == "redcap" and columns and columns[0].role == "unknown"
            and not any(c.role == "platform_id" for c in columns)):
        columns[0].role = "platform_id"
