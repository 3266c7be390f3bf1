"""The domain model: frozen values that every renderer and the scorer read.

Two layers. A ``Bank`` and a ``Profile`` are what authors write: multilingual,
with ``{placeholders}`` in their texts. An ``Instrument`` is one bank x profile x
language x options with every text resolved; it is what renderers draw and what
``manifest.json`` stores, so the scorer can rebuild it without the YAML.

What a profile may change, practice by practice (``PracticeOverride``): the
examples in a stem's ``{eg}`` slot, a local glossary note, a whole stem, or the
practice's applicability. A practice (or a whole area) that a profile declares
*not applicable* has no items in the instrument: it is not asked on any channel,
and the scorer reports it as not applicable, never as level 0.

This module imports nothing else of the project (STYLE.md rule 3).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

Text = Mapping[str, str]  # language code -> text
Source = tuple[str, int | None, int | None]  # (file, line, column) of a YAML value, 1-based

# The kinds of non-substantive answer codes. Both are offered on every form, printed apart
# from the substantive options, and never enter a mean; they are counted apart.
DONT_KNOW = "dont_know"  # the respondent does not know (e.g. 9 不清楚)
NOT_APPLICABLE = "not_applicable"  # the work does not arise in the organisation (e.g. 8)
MISSING_KINDS = (DONT_KNOW, NOT_APPLICABLE)

# Columns every response file starts with, before the background and item columns.
ID_COLUMNS = ("respondent_id", "organisation", "instrument", "wave")

QUESTION_KINDS = ("single", "number", "text")


# --------------------------------------------------------------------------- bank side
@dataclass(frozen=True)
class Stage:
    id: str
    name: Text
    definition: Text
    # a regular expression per language that every stem at this stage matches once
    # rendered (the stage clause of the rubric); checked by ``build.py lint``
    clause: Text = field(default_factory=dict)


@dataclass(frozen=True)
class Area:
    id: str
    number: int
    name: Text


@dataclass(frozen=True)
class Group:
    id: str
    name: Text


@dataclass(frozen=True)
class ScaleCode:
    code: int
    label: Text
    missing: str | None = None  # None (substantive), DONT_KNOW or NOT_APPLICABLE


@dataclass(frozen=True)
class Scale:
    id: str
    name: Text
    codes: tuple[ScaleCode, ...]


@dataclass(frozen=True)
class Rule:
    """When a set of stems counts as achieved; per-scale parameters.

    ``kind == "mean"``: mean of the substantive answers >= ``threshold[scale]``.
    ``kind == "count"``: stems marked >= ``min_code[scale]`` number at least
    ``ceil(share * number of stems)``; a rule a respondent can apply on paper.
    Either way the set is *rated* only when at least ``ceil(min_answered * stems)``
    of its stems have a substantive answer; below that it is *not rated*, never
    achieved.
    """

    id: str
    kind: str
    description: Text
    threshold: Mapping[str, float] = field(default_factory=dict)
    min_code: Mapping[str, int] = field(default_factory=dict)
    share: float = 0.5
    min_answered: float = 0.5


@dataclass(frozen=True)
class Choice:
    code: int
    label: Text


@dataclass(frozen=True)
class Question:
    """A background question: asked before the scored items, never scored."""

    id: str
    kind: str  # one of QUESTION_KINDS
    label: Text
    hint: Text = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()  # single
    minimum: float | None = None  # number
    maximum: float | None = None  # number
    integer: bool = True  # number
    max_length: int = 200  # text


@dataclass(frozen=True)
class Practice:
    id: str
    code: str
    area: str
    group: str
    name: Text
    glossary: Text
    stems: Mapping[str, Text]  # stage id -> text
    examples: Mapping[str, Text] = field(default_factory=dict)  # stage id -> the {eg} slot


@dataclass(frozen=True)
class Bank:
    id: str
    version: str
    languages: tuple[str, ...]
    title: Text
    source: Text
    placeholders: Mapping[str, str]
    stages: tuple[Stage, ...]
    areas: tuple[Area, ...]
    groups: tuple[Group, ...]
    scales: tuple[Scale, ...]
    rules: tuple[Rule, ...]
    default_scale: str
    default_rule: str
    gate_stage: str
    practices: tuple[Practice, ...]
    # how a stem's {eg} slot shows an example, per language: {text} is the example
    example_format: Text = field(default_factory=dict)
    background: tuple[Question, ...] = ()
    seconds_per_stem: int = 15  # for the expected duration the forms state
    sources: Mapping[tuple, Source] = field(default_factory=dict, compare=False, repr=False)

    def scale(self, scale_id: str) -> Scale:
        return next(s for s in self.scales if s.id == scale_id)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def practice(self, practice_id: str) -> Practice:
        return next(p for p in self.practices if p.id == practice_id)


PROFILE_TEXTS = ("title", "role", "preamble", "instructions", "confidentiality", "return", "thanks")
# Words a profile's texts may use for codes of the scale a form is built with, so that
# instructions stay right under --scale: 請勾選「{lowest}」 gives 請勾選「1 完全不符合」,
# and with the yes/no scale 請勾選「0 否」. Empty when the scale has no such code.
SCALE_WORDS = ("lowest", "not_applicable", "dont_know")


@dataclass(frozen=True)
class PracticeOverride:
    """What a profile says differently about one practice."""

    examples: Mapping[str, Text] = field(default_factory=dict)  # stage -> {eg} ('' = none)
    note: Text = field(default_factory=dict)  # local glossary note, shown after the definition
    stems: Mapping[str, Text] = field(default_factory=dict)  # stage -> the whole stem
    not_applicable: Text | None = None  # the reason, when the practice cannot exist here


@dataclass(frozen=True)
class QuestionOverride:
    """What a profile says differently about one background question."""

    label: Text = field(default_factory=dict)
    hint: Text = field(default_factory=dict)
    choices: tuple[Choice, ...] | None = None
    not_applicable: Text | None = None


@dataclass(frozen=True)
class Profile:
    """Words, framing texts and practice-level differences for one kind of organisation."""

    id: str
    version: str
    name: Text
    terms: Mapping[str, Text]  # placeholder -> language -> word
    texts: Mapping[str, Text]  # one of PROFILE_TEXTS -> language -> text (may hold placeholders)
    practices: Mapping[str, PracticeOverride] = field(default_factory=dict)
    areas: Mapping[str, Text] = field(default_factory=dict)  # area id -> why not applicable
    background: Mapping[str, QuestionOverride] = field(default_factory=dict)
    sources: Mapping[tuple, Source] = field(default_factory=dict, compare=False, repr=False)

    def override(self, practice_id: str) -> PracticeOverride:
        return self.practices.get(practice_id, PracticeOverride())


# --------------------------------------------------------------------------- instrument side
@dataclass(frozen=True)
class GateRule:
    """A rule with its parameters fixed for one scale: what manifests record.

    ``min_answered`` None (manifests of format 1) means no minimum: every set is rated.
    """

    id: str
    kind: str  # "mean" | "count"
    threshold: float | None = None  # mean
    min_code: int | None = None  # count
    share: float | None = None  # count
    description: str = ""
    min_answered: float | None = None

    def layout(self) -> dict[str, Any]:
        """The parameters that change which answers pass (no wording)."""
        return {k: v for k, v in asdict(self).items() if k != "description" and v is not None}


@dataclass(frozen=True)
class Label:
    code: int
    label: str
    missing: str | None = None  # None, DONT_KNOW or NOT_APPLICABLE


@dataclass(frozen=True)
class ResolvedScale:
    id: str
    name: str
    codes: tuple[Label, ...]

    @property
    def valid(self) -> tuple[int, ...]:
        """Codes that carry a substantive answer, in display order."""
        return tuple(c.code for c in self.codes if not c.missing)

    @property
    def missing(self) -> tuple[int, ...]:
        """Every non-substantive code (don't know and not applicable)."""
        return tuple(c.code for c in self.codes if c.missing)

    @property
    def dont_know(self) -> tuple[int, ...]:
        return tuple(c.code for c in self.codes if c.missing == DONT_KNOW)

    @property
    def not_applicable(self) -> tuple[int, ...]:
        return tuple(c.code for c in self.codes if c.missing == NOT_APPLICABLE)

    @property
    def substantive(self) -> tuple[Label, ...]:
        return tuple(c for c in self.codes if not c.missing)

    @property
    def non_substantive(self) -> tuple[Label, ...]:
        return tuple(c for c in self.codes if c.missing)

    @property
    def all_codes(self) -> tuple[int, ...]:
        return tuple(c.code for c in self.codes)

    def describe(self) -> str:
        """'1–5, 8 = does not apply, 9 = don't know' style summary for messages."""
        valid = sorted(self.valid)
        span = (f"{valid[0]}–{valid[-1]}" if valid == list(range(valid[0], valid[-1] + 1))
                else ", ".join(map(str, valid)))
        extra = ", ".join(f"{c.code} = {c.label}" for c in self.codes if c.missing)
        return f"{span}{', ' + extra if extra else ''}"

    def words(self) -> dict[str, str]:
        """The SCALE_WORDS as '<code> <label>': the lowest substantive code, the first
        not-applicable and the first don't-know code ('' when the scale has none)."""
        def said(labels: list[Label]) -> str:
            return f"{labels[0].code} {labels[0].label}" if labels else ""
        return {"lowest": said(sorted(self.substantive, key=lambda c: c.code)),
                "not_applicable": said([c for c in self.codes if c.missing == NOT_APPLICABLE]),
                "dont_know": said([c for c in self.codes if c.missing == DONT_KNOW])}


@dataclass(frozen=True)
class NamedRef:
    """A stage, area or process group as shown in one language."""

    id: str
    name: str
    number: int = 0
    definition: str = ""
    applicable: bool = True  # areas: False when the profile declares it not applicable
    reason: str = ""  # why not applicable


@dataclass(frozen=True)
class PracticeText:
    id: str
    code: str
    area: str
    group: str
    name: str
    glossary: str  # the PMBOK definition
    note: str = ""  # how this kind of organisation does it (the profile's local note)
    applicable: bool = True
    reason: str = ""  # why not applicable


@dataclass(frozen=True)
class Item:
    """One stem: the unit of data. ``id`` is a column in every CSV."""

    id: str
    practice: str
    area: str
    group: str
    stage: str
    text: str


@dataclass(frozen=True)
class BackgroundItem:
    """A resolved background question: a column of every response file, never scored."""

    id: str
    kind: str  # "single" | "number" | "text"
    label: str
    hint: str = ""
    choices: tuple[Label, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = True
    max_length: int = 200

    def layout(self) -> list[Any]:
        """What fixes the column's data (no wording)."""
        return [self.id, self.kind, [c.code for c in self.choices], self.minimum, self.maximum,
                self.integer, self.max_length]

    def describe(self) -> str:
        """What the column takes, for messages: 'one of the codes 1, 2, 3 or 4', 'a whole
        number from 0 to 50' or 'text of at most 200 characters'."""
        if self.kind == "single":
            codes = [str(c.code) for c in self.choices]
            listed = codes[0] if len(codes) == 1 else ", ".join(codes[:-1]) + " or " + codes[-1]
            return f"one of the codes {listed}"
        if self.kind == "number":
            what = "a whole number" if self.integer else "a number"
            low = None if self.minimum is None else f"{self.minimum:g}"
            high = None if self.maximum is None else f"{self.maximum:g}"
            if low is not None and high is not None:
                return f"{what} from {low} to {high}"
            if low is not None:
                return f"{what} of at least {low}"
            return f"{what} of at most {high}" if high is not None else what
        return f"text of at most {self.max_length} characters"


@dataclass(frozen=True)
class Instrument:
    """A bank resolved for one profile, language and set of options."""

    id: str
    bank_id: str
    bank_version: str
    bank_title: str
    profile_id: str
    profile_name: str
    language: str
    texts: Mapping[str, str]  # title, role, preamble, ... after substitution
    stages: tuple[NamedRef, ...]
    areas: tuple[NamedRef, ...]  # every area of the bank; see ``applicable``
    groups: tuple[NamedRef, ...]
    practices: tuple[PracticeText, ...]  # every practice of the bank; see ``applicable``
    items: tuple[Item, ...]  # the stems asked: applicable practices only
    scale: ResolvedScale
    rule: GateRule
    gate_stage: str
    background: tuple[BackgroundItem, ...] = ()
    seconds_per_stem: int = 12
    manifest_format: int = 2  # 1: a manifest written before background and applicability

    # --- the single list of item ids (STYLE.md rule 4) ---
    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    @property
    def background_ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.background)

    @property
    def columns(self) -> tuple[str, ...]:
        """A response file's header: the contract between every form and the scorer."""
        return (*ID_COLUMNS, *self.background_ids, *self.item_ids)

    @property
    def stage_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stages)

    def items_at(self, stage: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.stage == stage)

    def items_of_area(self, area: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.area == area)

    def practices_of_area(self, area: str) -> tuple[PracticeText, ...]:
        """The area's practices that are asked (applicable)."""
        return tuple(p for p in self.practices if p.area == area and p.applicable)

    @property
    def asked_areas(self) -> tuple[NamedRef, ...]:
        """Areas with at least one stem asked, in bank order."""
        asked = {i.area for i in self.items}
        return tuple(a for a in self.areas if a.id in asked)

    @property
    def not_applicable(self) -> tuple[PracticeText, ...]:
        return tuple(p for p in self.practices if not p.applicable)

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)

    def practice(self, practice_id: str) -> PracticeText:
        return next(p for p in self.practices if p.id == practice_id)

    def minutes(self) -> tuple[int, int]:
        """Expected minutes to answer: (gate-stage stems only, every stem), rounded up,
        one stem's time per background question included."""
        per = self.seconds_per_stem
        extra = len(self.background) * per
        low = len(self.items_at(self.gate_stage)) * per + extra
        high = len(self.items) * per + extra
        return -(-low // 60), -(-high // 60)

    @property
    def family(self) -> str:
        """What instruments whose returns can be scored together share: the bank and its
        version, stages, scale, rule and gate. Profiles may ask different practices and
        background questions within a family (see ``scoring.variants``)."""
        return family_id(self.bank_id, self.bank_version, self.stage_ids, self.scale, self.rule,
                         self.gate_stage)

    @property
    def content_hash(self) -> str:
        """Changes with any wording; the id changes only with the data layout."""
        return body_hash(_manifest_body(self))

    def to_manifest(self) -> dict[str, Any]:
        manifest = _manifest_body(self)
        manifest["content_hash"] = self.content_hash
        return manifest

    @classmethod
    def from_manifest(cls, data: Mapping[str, Any]) -> "Instrument":
        """Inverse of ``to_manifest`` (also reads format-1 manifests, written before
        background questions, applicability and the minimum of answers existed; they
        score exactly as they did). Raises KeyError/TypeError/ValueError on a malformed dict."""
        fmt = data.get("format", 1)
        if fmt not in (1, MANIFEST_FORMAT):
            raise ValueError(f"manifest format {fmt!r} is not known (this version reads 1 and "
                             f"{MANIFEST_FORMAT})")

        def label(c: Mapping[str, Any]) -> Label:
            missing = c.get("missing")
            if fmt == 1:
                missing = DONT_KNOW if missing else None
            elif missing not in (None, *MISSING_KINDS):
                raise ValueError(f"scale code {c.get('code')!r}: missing {missing!r}")
            return Label(int(c["code"]), str(c["label"]), missing)

        return cls(
            id=data["id"],
            bank_id=data["bank"]["id"],
            bank_version=data["bank"]["version"],
            bank_title=data["bank"]["title"],
            profile_id=data["profile"]["id"],
            profile_name=data["profile"]["name"],
            language=data["language"],
            texts=dict(data["texts"]),
            stages=tuple(NamedRef(**s) for s in data["stages"]),
            areas=tuple(NamedRef(**a) for a in data["areas"]),
            groups=tuple(NamedRef(**g) for g in data["groups"]),
            practices=tuple(PracticeText(**p) for p in data["practices"]),
            items=tuple(Item(**i) for i in data["items"]),
            scale=ResolvedScale(id=data["scale"]["id"], name=data["scale"]["name"],
                                codes=tuple(label(c) for c in data["scale"]["codes"])),
            rule=GateRule(**data["rule"]),
            gate_stage=data["gate_stage"],
            background=tuple(
                BackgroundItem(**{**q, "choices": tuple(Label(**c) for c in q.get("choices", ()))})
                for q in data.get("background", ())),
            seconds_per_stem=int(data.get("seconds_per_stem", 12)),
            manifest_format=fmt,
        )


MANIFEST_FORMAT = 2


def body_hash(body: Mapping[str, Any]) -> str:
    """The content hash of a manifest body (the manifest without its content_hash)."""
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _manifest_body(inst: Instrument) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "id": inst.id,
        "family": inst.family,
        "bank": {"id": inst.bank_id, "version": inst.bank_version, "title": inst.bank_title},
        "profile": {"id": inst.profile_id, "name": inst.profile_name},
        "language": inst.language,
        "texts": dict(inst.texts),
        "stages": [asdict(s) for s in inst.stages],
        "areas": [asdict(a) for a in inst.areas],
        "groups": [asdict(g) for g in inst.groups],
        "practices": [asdict(p) for p in inst.practices],
        "background": [asdict(q) for q in inst.background],
        "items": [asdict(i) for i in inst.items],
        "scale": {"id": inst.scale.id, "name": inst.scale.name,
                  "codes": [asdict(c) for c in inst.scale.codes]},
        "rule": asdict(inst.rule),
        "gate_stage": inst.gate_stage,
        "seconds_per_stem": inst.seconds_per_stem,
    }


def _scale_layout(scale: ResolvedScale) -> list[list[Any]]:
    return [[c.code, c.missing] for c in scale.codes]


def family_id(bank_id: str, bank_version: str, stage_ids: tuple[str, ...], scale: ResolvedScale,
              rule: GateRule, gate_stage: str) -> str:
    layout = {"bank": [bank_id, bank_version], "stages": list(stage_ids),
              "scale": _scale_layout(scale), "rule": rule.layout(), "gate_stage": gate_stage}
    digest = hashlib.sha256(json.dumps(layout, sort_keys=True).encode()).hexdigest()[:10]
    return f"{bank_id}-{bank_version}-{digest}"


def layout_id(bank_id: str, bank_version: str, item_ids: tuple[str, ...], scale: ResolvedScale,
              rule: GateRule, gate_stage: str,
              background: tuple[BackgroundItem, ...] = ()) -> str:
    """Instrument id: a hash of what fixes the data layout, never of wording.

    Profile and language are left out on purpose: forms that ask the same items
    (the generic and PB forms in Chinese or English) produce the same columns and
    codes, so their returns score together. A profile that declares practices not
    applicable asks fewer items, so its forms get their own id (in the same family).
    """
    layout = {
        "bank": [bank_id, bank_version],
        "items": list(item_ids),
        "scale": _scale_layout(scale),
        "rule": rule.layout(),
        "gate_stage": gate_stage,
    }
    if background:
        layout["background"] = [q.layout() for q in background]
    digest = hashlib.sha256(json.dumps(layout, sort_keys=True).encode()).hexdigest()[:10]
    return f"{bank_id}-{bank_version}-{digest}"
