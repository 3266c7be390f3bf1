"""The domain model: frozen values that every renderer and the scorer read.

Two layers. A ``Bank`` and a ``Profile`` are what authors write: multilingual,
with ``{placeholders}`` in their texts. An ``Instrument`` is one bank x profile x
language x options with every text resolved; it is what renderers draw and what
``manifest.json`` stores, so the scorer can rebuild it without the YAML.

This module imports nothing else of the project (STYLE.md rule 3).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping

Text = Mapping[str, str]  # language code -> text


# --------------------------------------------------------------------------- bank side
@dataclass(frozen=True)
class Stage:
    id: str
    name: Text
    definition: Text


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
    missing: bool = False


@dataclass(frozen=True)
class Scale:
    id: str
    name: Text
    codes: tuple[ScaleCode, ...]


@dataclass(frozen=True)
class Rule:
    """When a set of stems counts as achieved; per-scale parameters.

    ``kind == "mean"``: mean of the answered stems >= ``threshold[scale]``.
    ``kind == "count"``: stems marked >= ``min_code[scale]`` number at least
    ``ceil(share * number of stems)``; a rule a respondent can apply on paper.
    """

    id: str
    kind: str
    description: Text
    threshold: Mapping[str, float] = field(default_factory=dict)
    min_code: Mapping[str, int] = field(default_factory=dict)
    share: float = 0.5


@dataclass(frozen=True)
class Practice:
    id: str
    code: str
    area: str
    group: str
    name: Text
    glossary: Text
    stems: Mapping[str, Text]  # stage id -> text


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

    def scale(self, scale_id: str) -> Scale:
        return next(s for s in self.scales if s.id == scale_id)

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)


PROFILE_TEXTS = ("title", "role", "preamble", "instructions", "confidentiality", "return", "thanks")


@dataclass(frozen=True)
class Profile:
    """Words and framing texts for one kind of organisation."""

    id: str
    version: str
    name: Text
    terms: Mapping[str, Text]  # placeholder -> language -> word
    texts: Mapping[str, Text]  # one of PROFILE_TEXTS -> language -> text (may hold placeholders)


# --------------------------------------------------------------------------- instrument side
@dataclass(frozen=True)
class GateRule:
    """A rule with its parameters fixed for one scale: what manifests record."""

    id: str
    kind: str  # "mean" | "count"
    threshold: float | None = None  # mean
    min_code: int | None = None  # count
    share: float | None = None  # count
    description: str = ""

    def layout(self) -> dict[str, Any]:
        """The parameters that change which answers pass (no wording)."""
        return {k: v for k, v in asdict(self).items() if k != "description" and v is not None}


@dataclass(frozen=True)
class Label:
    code: int
    label: str
    missing: bool = False


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
        return tuple(c.code for c in self.codes if c.missing)

    @property
    def all_codes(self) -> tuple[int, ...]:
        return tuple(c.code for c in self.codes)

    def describe(self) -> str:
        """'1–5, 9 = don't know' style summary for messages."""
        valid = sorted(self.valid)
        span = (f"{valid[0]}–{valid[-1]}" if valid == list(range(valid[0], valid[-1] + 1))
                else ", ".join(map(str, valid)))
        extra = ", ".join(f"{c.code} = {c.label}" for c in self.codes if c.missing)
        return f"{span}{', ' + extra if extra else ''}"


@dataclass(frozen=True)
class NamedRef:
    """A stage, area or process group as shown in one language."""

    id: str
    name: str
    number: int = 0
    definition: str = ""


@dataclass(frozen=True)
class PracticeText:
    id: str
    code: str
    area: str
    group: str
    name: str
    glossary: str


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
    areas: tuple[NamedRef, ...]
    groups: tuple[NamedRef, ...]
    practices: tuple[PracticeText, ...]
    items: tuple[Item, ...]
    scale: ResolvedScale
    rule: GateRule
    gate_stage: str

    # --- the single list of item ids (STYLE.md rule 4) ---
    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    @property
    def stage_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stages)

    def items_at(self, stage: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.stage == stage)

    def items_of_area(self, area: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.area == area)

    def practices_of_area(self, area: str) -> tuple[PracticeText, ...]:
        return tuple(p for p in self.practices if p.area == area)

    def item(self, item_id: str) -> Item:
        return next(i for i in self.items if i.id == item_id)

    @property
    def content_hash(self) -> str:
        """Changes with any wording; the id changes only with the data layout."""
        body = json.dumps(_manifest_body(self), ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def to_manifest(self) -> dict[str, Any]:
        manifest = _manifest_body(self)
        manifest["content_hash"] = self.content_hash
        return manifest

    @classmethod
    def from_manifest(cls, data: Mapping[str, Any]) -> "Instrument":
        """Inverse of ``to_manifest``; raises KeyError/TypeError on a malformed dict."""
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
                                codes=tuple(Label(**c) for c in data["scale"]["codes"])),
            rule=GateRule(**data["rule"]),
            gate_stage=data["gate_stage"],
        )


MANIFEST_FORMAT = 1


def _manifest_body(inst: Instrument) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "id": inst.id,
        "bank": {"id": inst.bank_id, "version": inst.bank_version, "title": inst.bank_title},
        "profile": {"id": inst.profile_id, "name": inst.profile_name},
        "language": inst.language,
        "texts": dict(inst.texts),
        "stages": [asdict(s) for s in inst.stages],
        "areas": [asdict(a) for a in inst.areas],
        "groups": [asdict(g) for g in inst.groups],
        "practices": [asdict(p) for p in inst.practices],
        "items": [asdict(i) for i in inst.items],
        "scale": {"id": inst.scale.id, "name": inst.scale.name,
                  "codes": [asdict(c) for c in inst.scale.codes]},
        "rule": asdict(inst.rule),
        "gate_stage": inst.gate_stage,
    }


def layout_id(bank_id: str, bank_version: str, item_ids: tuple[str, ...], scale: ResolvedScale,
              rule: GateRule, gate_stage: str) -> str:
    """Instrument id: a hash of what fixes the data layout, never of wording.

    Profile and language are left out on purpose: the PB form in Chinese and the
    Smart City form in English produce the same columns and codes, so their
    returns can be scored together and compared side by side.
    """
    layout = {
        "bank": [bank_id, bank_version],
        "items": list(item_ids),
        "scale": [[c.code, c.missing] for c in scale.codes],
        "rule": rule.layout(),
        "gate_stage": gate_stage,
    }
    digest = hashlib.sha256(json.dumps(layout, sort_keys=True).encode()).hexdigest()[:10]
    return f"{bank_id}-{bank_version}-{digest}"
