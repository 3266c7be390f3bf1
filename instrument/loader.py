"""YAML -> validated Bank / Profile, with every problem located in the file.

Validation runs in two passes. The JSON Schema (``instrument/schema/``, also what
editors use for completion) checks the shape; then the checks below check what
a schema cannot: duplicate ids, references, translations, placeholders. All
problems of a pass are reported together.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import jsonschema

from . import substitute as subst
from .errors import Collector, InstrumentError, Location, did_you_mean, problem
from .model import (DONT_KNOW, ID_COLUMNS, PROFILE_TEXTS, SCALE_WORDS, Area, Bank, Choice, Group,
                    Practice, PracticeOverride, Profile, Question, QuestionOverride, Rule, Scale, ScaleCode,
                    Source, Stage)
from .yamlsafe import Marks, key_where, load, read_text, where

SCHEMA_DIR = Path(__file__).parent / "schema"
VARNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")


def display_name(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, RuntimeError, OSError):  # outside the folder; a symlink loop
        return str(path)


@lru_cache(maxsize=None)
def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema for 'bank' or 'profile'."""
    return json.loads((SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- shape
def _schema_problems(data: Any, kind: str, marks: Marks, filename: str) -> list:
    validator = jsonschema.Draft202012Validator(schema(kind))
    found = []
    for err in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(err.absolute_path)
        loc = where(marks, path, filename)
        where_text = "/".join(f"#{p + 1}" if isinstance(p, int) else str(p) for p in path) \
            or "top level"
        if err.validator == "additionalProperties":
            allowed = list(err.schema.get("properties", {}))
            extras = [k for k in err.instance if k not in allowed] if isinstance(err.instance, dict) else []
            for key in extras:
                found.append(problem("SCHEMA_001", key_where(marks, path + (key,), filename),
                                     detail=f"unknown key '{key}' in {where_text}"
                                            f"{did_you_mean(str(key), allowed)}"))
            continue
        if err.validator == "required":
            detail = f"{where_text}: {err.message.replace(' is a required property', '')} is required"
        elif err.validator == "type":
            detail = (f"{where_text}: expected {err.validator_value}, got {type(err.instance).__name__}"
                      f" {json.dumps(err.instance, ensure_ascii=False, default=str)[:40]}")
            if err.validator_value == "string" and isinstance(err.instance, (int, float, bool)):
                detail += " (put the value in quotes)"
        elif err.validator == "pattern":
            desc = err.schema.get("description", f"pattern {err.validator_value}")
            shown = repr(err.instance)
            shown = shown if len(shown) <= 42 else shown[:40] + "\u2026"
            detail = f"{where_text}: {shown} is not allowed here. {desc}"
        else:
            detail = f"{where_text}: {err.message}"
        found.append(problem("SCHEMA_001", loc, detail=detail))
    # a misspelt key ('glosary') already explains the missing one ('glossary')
    suggested = {p.message.split("did you mean '")[1].split("'")[0] for p in found
                 if "did you mean '" in p.message}
    found = [p for p in found if not (p.message.endswith(" is required")
                                      and p.message.split("'")[-2] in suggested)]
    return sorted(found, key=_position)


def _position(p) -> tuple:
    return (p.location.file, p.location.line or 0, p.location.column or 0)


# --------------------------------------------------------------------------- texts
SLOT = "eg"  # a stem's example slot: filled from the bank's or the profile's examples


def _text_location(marks: Marks, path: tuple, filename: str, offset: int) -> Location:
    """Best column for a character offset inside a one-line scalar."""
    loc = where(marks, path, filename)
    if loc.line is None or loc.column is None:
        return loc
    return Location(loc.file, loc.line, loc.column + offset)


@dataclass
class _TextChecker:
    """Checks every multilingual text of one file: languages present, placeholders known."""

    langs: list[str]
    known: dict[str, str]
    marks: Marks
    filename: str
    out: Collector
    missing_code: str
    unknown_code: str
    syntax_code: str
    used: set[str] = field(default_factory=set)
    slots: set[str] = field(default_factory=set)  # texts whose {eg} slot is used (paths)

    def __call__(self, value: dict, path: tuple, *, slot: bool = False,
                 all_languages: bool = True) -> None:
        marks, filename, out = self.marks, self.filename, self.out
        if all_languages:
            for lang in self.langs:
                if lang not in value:
                    out.add(self.missing_code, where(marks, path, filename), lang=lang,
                            langs=", ".join(self.langs))
        for lang, text in value.items():
            if lang not in self.langs:
                out.add("BANK_011", key_where(marks, path + (lang,), filename), lang=lang,
                        langs=", ".join(self.langs))
                continue
            try:
                flds = subst.fields(text)
            except subst.PlaceholderSyntaxError as exc:
                out.add(self.syntax_code, _text_location(marks, path + (lang,), filename,
                                                         exc.offset), detail=exc.detail)
                continue
            for f in flds:
                if slot and f.name == SLOT:
                    self.slots.add(path)
                    continue
                self.used.add(f.name)
                if f.name not in self.known:
                    hint = (" (the {eg} example slot belongs in stems only)"
                            if f.name == SLOT else did_you_mean(f.name, self.known))
                    out.add(self.unknown_code, _text_location(marks, path + (lang,), filename,
                                                              f.offset),
                            name=f.name, suggestion=hint, known=", ".join(self.known) or "none")


def _duplicates(items: list[dict], list_path: tuple, kind: str, marks: Marks, filename: str,
                out: Collector) -> None:
    seen: dict[str, Location] = {}
    for i, entry in enumerate(items):
        ident = entry["id"]
        loc = where(marks, list_path + (i, "id"), filename)
        if ident in seen:
            out.add("BANK_001", loc, kind=kind, id=ident, first_line=seen[ident].line)
        else:
            seen[ident] = loc


def _sources(marks: Marks, rename: dict[tuple, tuple] | None = None) -> dict[tuple, Source]:
    """YAML locations as plain tuples for the model (which imports nothing of ours); list
    indices of practices are replaced by their ids (``rename``) so lint can find them."""
    out: dict[tuple, Source] = {}
    for path, loc in marks.items():
        if "<key>" in path:
            continue
        for old, new in (rename or {}).items():
            if path[:len(old)] == old:
                path = new + path[len(old):]
                break
        out[path] = (loc.file, loc.line, loc.column)
    return out


# --------------------------------------------------------------------------- bank
@lru_cache(maxsize=8)
def parse_bank(text: str, filename: str) -> Bank:
    """Validate a bank's YAML text; raise InstrumentError listing every problem.

    Cached on the text (a Bank is immutable): a run that compiles several profiles or
    languages of one bank parses it once. Errors are not cached."""
    data, marks = load(text, filename)
    if not isinstance(data, dict):
        raise InstrumentError([problem("SCHEMA_001", Location(filename, 1, 1),
                                       detail="a bank is a mapping with id, version, practices, ...")])
    shape = _schema_problems(data, "bank", marks, filename)
    if shape:
        raise InstrumentError(shape)

    out = Collector()
    check = _TextChecker(data["languages"], data["placeholders"], marks, filename, out,
                         "BANK_003", "BANK_004", "BANK_009")
    for key in ("title", "source"):
        if key in data:
            check(data[key], (key,))
    for kind, key in (("stage", "stages"), ("area", "areas"), ("process group", "groups"),
                      ("scale", "scales"), ("rule", "rules"), ("practice", "practices")):
        _duplicates(data[key], (key,), kind, marks, filename, out)
    for i, s in enumerate(data["stages"]):
        check(s["name"], ("stages", i, "name"))
        check(s["definition"], ("stages", i, "definition"))
        if "clause" in s:
            _check_clause(s["clause"], ("stages", i, "clause"), check)
    for key in ("areas", "groups"):
        for i, a in enumerate(data[key]):
            check(a["name"], (key, i, "name"))
    _check_scales(data, check)
    _check_rules(data, check)
    _check_defaults(data, check)
    _check_practices(data, check)
    _check_background(data.get("background", []), ("background",), check, data)
    if check.slots:
        _check_example_format(data, check)
    for name in check.known:
        if name not in check.used:
            out.add("BANK_005", key_where(marks, ("placeholders", name), filename), name=name)
    out.problems.sort(key=_position)
    out.raise_if_any()
    rename = {("practices", i): ("practices", p["id"]) for i, p in enumerate(data["practices"])}
    return _bank_from(data, _sources(marks, rename))


def _check_clause(value: dict, path: tuple, check: _TextChecker) -> None:
    check(value, path)
    for lang, pattern in value.items():
        try:
            re.compile(pattern)
        except re.error as exc:
            check.out.add("BANK_023", where(check.marks, path + (lang,), check.filename),
                          detail=f"not a regular expression ({exc})")


def _check_scales(data: dict, check: _TextChecker) -> None:
    marks, filename, out = check.marks, check.filename, check.out
    for i, sc in enumerate(data["scales"]):
        check(sc["name"], ("scales", i, "name"))
        codes = [c["code"] for c in sc["codes"]]
        for j, c in enumerate(sc["codes"]):
            check(c["label"], ("scales", i, "codes", j, "label"))
            if c["code"] in codes[:j]:
                out.add("BANK_008", where(marks, ("scales", i, "codes", j, "code"), filename),
                        scale=sc["id"], detail=f"code {c['code']} appears twice")
        if len({c["code"] for c in sc["codes"] if not c.get("missing")}) < 2:
            out.add("BANK_008", where(marks, ("scales", i), filename), scale=sc["id"],
                    detail="fewer than two substantive (non-missing) codes")


def _check_rules(data: dict, check: _TextChecker) -> None:
    marks, filename, out = check.marks, check.filename, check.out
    scale_ids = [s["id"] for s in data["scales"]]
    for i, r in enumerate(data["rules"]):
        check(r["description"], ("rules", i, "description"))
        param = "threshold" if r["kind"] == "mean" else "min_code"
        values = r.get(param, {})
        for sid in scale_ids:
            if sid not in values:
                out.add("BANK_010", where(marks, ("rules", i), filename), rule=r["id"],
                        detail=f"no {param} for scale '{sid}'")
        for sid, value in values.items():
            if sid not in scale_ids:
                out.add("BANK_006", key_where(marks, ("rules", i, param, sid), filename),
                        kind="scale", id=sid, suggestion=did_you_mean(sid, scale_ids),
                        known=", ".join(scale_ids))
                continue
            scale = data["scales"][scale_ids.index(sid)]
            bad = _rule_value(param, value, [c["code"] for c in scale["codes"]
                                             if not c.get("missing")])
            if bad:
                out.add("BANK_012", where(marks, ("rules", i, param, sid), filename),
                        rule=r["id"], what=f"{param} {value:g} for scale '{sid}'", detail=bad[0],
                        fix=bad[1])
        if "share" in r and not math.isfinite(r["share"]):
            out.add("BANK_012", where(marks, ("rules", i, "share"), filename), rule=r["id"],
                    what=f"share {r['share']:g}", detail="is not a number",
                    fix="give the share of stems that must reach min_code, e.g. share: 0.5")
        if "min_answered" in r and not math.isfinite(r["min_answered"]):
            out.add("BANK_012", where(marks, ("rules", i, "min_answered"), filename),
                    rule=r["id"], what=f"min_answered {r['min_answered']:g}",
                    detail="is not a number", fix="give the share of stems that need a "
                    "substantive answer before the set is rated, e.g. min_answered: 0.5")


def _check_defaults(data: dict, check: _TextChecker) -> None:
    for key, list_key, kind in (("scale", "scales", "scale"), ("rule", "rules", "rule"),
                                ("gate_stage", "stages", "stage")):
        choices = [x["id"] for x in data[list_key]]
        value = data["defaults"][key]
        if value not in choices:
            check.out.add("BANK_006", where(check.marks, ("defaults", key), check.filename),
                          kind=kind, id=value, suggestion=did_you_mean(value, choices),
                          known=", ".join(choices))


def _check_practices(data: dict, check: _TextChecker) -> None:
    marks, filename, out = check.marks, check.filename, check.out
    stage_ids = [s["id"] for s in data["stages"]]
    area_ids = [a["id"] for a in data["areas"]]
    group_ids = [g["id"] for g in data["groups"]]
    complete = data["defaults"].get("complete_practices", True)
    for i, p in enumerate(data["practices"]):
        base = ("practices", i)
        for key, choices, kind in (("area", area_ids, "area"), ("group", group_ids, "process group")):
            if key in p and p[key] not in choices:
                out.add("BANK_006", where(marks, base + (key,), filename), kind=kind, id=p[key],
                        suggestion=did_you_mean(p[key], choices), known=", ".join(choices))
        if "group" not in p and complete:
            out.add("BANK_024", key_where(marks, base + ("id",), filename), subject=p["id"])
        check(p["name"], base + ("name",))
        check(p["glossary"], base + ("glossary",))
        for sid in stage_ids if complete else ():
            if sid not in p["stems"]:
                out.add("BANK_007", where(marks, base + ("stems",), filename), subject=p["id"],
                        practice=p["id"], stage=sid)
        for sid, stem in p["stems"].items():
            if sid not in stage_ids:
                out.add("BANK_006", key_where(marks, base + ("stems", sid), filename), kind="stage",
                        id=sid, suggestion=did_you_mean(sid, stage_ids), known=", ".join(stage_ids))
                continue
            item_id = f"{p['id']}_{sid}"
            if not VARNAME.match(item_id):
                out.add("BANK_002", key_where(marks, base + ("stems", sid), filename), id=item_id)
            check(stem, base + ("stems", sid), slot=True)
        for sid, example in p.get("examples", {}).items():
            path = base + ("examples", sid)
            if sid not in stage_ids:
                out.add("BANK_006", key_where(marks, path, filename), kind="stage", id=sid,
                        suggestion=did_you_mean(sid, stage_ids), known=", ".join(stage_ids))
                continue
            check(example, path)
            if sid in p["stems"] and base + ("stems", sid) not in check.slots:
                out.add("BANK_020", key_where(marks, path, filename), subject=f"{p['id']}_{sid}",
                        where="the bank's stem")


def _check_example_format(data: dict, check: _TextChecker) -> None:
    marks, filename, out = check.marks, check.filename, check.out
    if "example_format" not in data:
        first = min(check.slots, key=lambda path: where(marks, path, filename).line or 0)
        out.add("BANK_021", where(marks, first, filename), detail="a stem has an {eg} slot but "
                "the bank has no 'example_format:'")
        return
    for lang in data["languages"]:
        fmt = data["example_format"].get(lang)
        path = ("example_format", lang)
        if fmt is None:
            out.add("BANK_003", where(marks, ("example_format",), filename), lang=lang,
                    langs=", ".join(data["languages"]))
            continue
        try:
            names = [f.name for f in subst.fields(fmt)]
        except subst.PlaceholderSyntaxError as exc:
            out.add("BANK_021", where(marks, path, filename), detail=exc.detail)
            continue
        if names != ["text"]:
            out.add("BANK_021", where(marks, path, filename),
                    detail=f"'{fmt}' must hold {{text}} once and no other placeholder")


def _check_background(questions: list, base: tuple, check: _TextChecker, data: dict) -> None:
    """Background questions of a bank: unique valid ids that no item or ID column takes,
    a kind with what it needs."""
    marks, filename, out = check.marks, check.filename, check.out
    _duplicates(questions, base, "background question", marks, filename, out)
    taken = {f"{p['id']}_{s}" for p in data["practices"] for s in p["stems"]} | set(ID_COLUMNS)
    for i, q in enumerate(questions):
        path = base + (i,)
        if not VARNAME.match(q["id"]) or q["id"] in taken:
            out.add("BANK_022", where(marks, path + ("id",), filename), subject=q["id"],
                    detail="the id must be a variable name that no item or ID column uses"
                    if q["id"] in taken else "the id is not a valid variable name")
        check(q["label"], path + ("label",))
        if "hint" in q:
            check(q["hint"], path + ("hint",))
        _check_question_kind(q, path, check)


def _check_question_kind(q: dict, path: tuple, check: _TextChecker,
                         kind: str | None = None) -> None:
    marks, filename, out = check.marks, check.filename, check.out
    kind = kind or q.get("kind")
    extra = {"single": ("choices",), "number": ("minimum", "maximum", "integer"),
             "text": ("max_length",)}
    for other, keys in extra.items():
        for key in keys:
            if key in q and other != kind:
                out.add("BANK_022", key_where(marks, path + (key,), filename), subject=q.get("id", ""),
                        detail=f"'{key}' applies to {other} questions, not {kind}")
    if kind == "single":
        if "choices" not in q:
            out.add("BANK_022", where(marks, path, filename), subject=q.get("id", ""),
                    detail="a single-choice question needs 'choices:'")
            return
        codes = [c["code"] for c in q["choices"]]
        for j, c in enumerate(q["choices"]):
            check(c["label"], path + ("choices", j, "label"))
            if c["code"] in codes[:j]:
                out.add("BANK_022", where(marks, path + ("choices", j, "code"), filename),
                        subject=q.get("id", ""), detail=f"choice code {c['code']} appears twice")
    if kind == "number" and "minimum" in q and "maximum" in q and q["minimum"] > q["maximum"]:
        out.add("BANK_022", where(marks, path + ("minimum",), filename), subject=q.get("id", ""),
                detail=f"minimum {q['minimum']:g} is above maximum {q['maximum']:g}")


def _choices(items: list[dict]) -> tuple[Choice, ...]:
    return tuple(Choice(int(c["code"]), c["label"]) for c in items)


def _missing_kind(value: object) -> str | None:
    return DONT_KNOW if value is True else (value or None)


def _rule_value(param: str, value: float, valid: list[int]) -> tuple[str, str] | None:
    """(what is wrong, how to fix) for a rule's threshold or min_code on a scale, or None.

    A threshold of NaN closed every gate and wrote invalid JSON into manifest.json; one
    above the highest code (99) closed every gate, one below the lowest opened every one.
    """
    low, high = min(valid), max(valid)
    if not (math.isfinite(value) and low <= value <= high):
        example = f"{(low + high) / 2:g}" if param == "threshold" else f"{high}"
        return (f"is outside the scale ({low} to {high})",
                f"give a {param} from {low} to {high}, e.g. {example}")
    if param == "min_code" and value != int(value):
        return ("is not a code of the scale",
                f"give one of the scale's codes ({', '.join(map(str, sorted(valid)))})")
    return None


def _bank_from(d: dict, sources: dict) -> Bank:
    defaults = d["defaults"]
    return Bank(
        id=d["id"], version=d["version"], languages=tuple(d["languages"]),
        title=d["title"], source=d.get("source", {lang: "" for lang in d["languages"]}),
        placeholders=dict(d["placeholders"]),
        stages=tuple(Stage(s["id"], s["name"], s["definition"], dict(s.get("clause", {})))
                     for s in d["stages"]),
        areas=tuple(Area(a["id"], a["number"], a["name"]) for a in d["areas"]),
        groups=tuple(Group(g["id"], g["name"]) for g in d["groups"]),
        scales=tuple(Scale(s["id"], s["name"],
                           tuple(ScaleCode(c["code"], c["label"], _missing_kind(c.get("missing")))
                                 for c in s["codes"])) for s in d["scales"]),
        rules=tuple(Rule(r["id"], r["kind"], r["description"], dict(r.get("threshold", {})),
                         {k: int(v) for k, v in r.get("min_code", {}).items()},
                         float(r.get("share", 0.5)), float(r.get("min_answered", 0.5)))
                    for r in d["rules"]),
        default_scale=defaults["scale"], default_rule=defaults["rule"],
        gate_stage=defaults["gate_stage"],
        practices=tuple(Practice(p["id"], p["code"], p["area"], p.get("group", ""), p["name"],
                                 p["glossary"], dict(p["stems"]), dict(p.get("examples", {})))
                        for p in d["practices"]),
        example_format=dict(d.get("example_format", {})),
        background=tuple(Question(q["id"], q["kind"], q["label"], dict(q.get("hint", {})),
                                  _choices(q.get("choices", [])), q.get("minimum"),
                                  q.get("maximum"), bool(q.get("integer", True)),
                                  int(q.get("max_length", 200)))
                         for q in d.get("background", [])),
        seconds_per_stem=int(defaults.get("seconds_per_stem", 15)),
        sources=sources,
    )


# --------------------------------------------------------------------------- profile
def parse_profile(text: str, filename: str, bank: Bank) -> Profile:
    """Validate a profile against the bank whose placeholders it must fill."""
    data, marks = load(text, filename)
    if not isinstance(data, dict):
        raise InstrumentError([problem("SCHEMA_001", Location(filename, 1, 1),
                                       detail="a profile is a mapping with id, version, terms, texts")])
    shape = _schema_problems(data, "profile", marks, filename)
    if shape:
        raise InstrumentError(shape)
    out = Collector()
    check = _TextChecker(list(bank.languages), dict(bank.placeholders), marks, filename, out,
                         "PROFILE_003", "PROFILE_006", "PROFILE_007")
    check(data["name"], ("name",))
    # the texts may also name codes of the scale ({lowest}, {not_applicable}, {dont_know})
    texts_check = replace(check, known={**check.known, **dict.fromkeys(SCALE_WORDS, "")})
    for key in PROFILE_TEXTS:
        texts_check(data["texts"][key], ("texts", key))
    _check_terms(data, bank, check)
    _check_practice_overrides(data, bank, check)
    _check_areas(data, bank, check)
    _check_question_overrides(data, bank, check)
    out.problems.sort(key=_position)
    out.raise_if_any()
    return Profile(id=data["id"], version=data["version"], name=data["name"],
                   terms={k: dict(v) for k, v in data["terms"].items()},
                   texts={k: dict(v) for k, v in data["texts"].items()},
                   practices={pid: PracticeOverride(
                       examples={s: dict(t) for s, t in o.get("examples", {}).items()},
                       note=dict(o.get("note", {})),
                       stems={s: dict(t) for s, t in o.get("stems", {}).items()},
                       not_applicable=dict(o["not_applicable"]) if "not_applicable" in o else None)
                       for pid, o in data.get("practices", {}).items()},
                   areas={a: dict(o["not_applicable"]) for a, o in data.get("areas", {}).items()},
                   background={qid: QuestionOverride(
                       label=dict(o.get("label", {})), hint=dict(o.get("hint", {})),
                       choices=_choices(o["choices"]) if "choices" in o else None,
                       not_applicable=dict(o["not_applicable"]) if "not_applicable" in o else None)
                       for qid, o in data.get("background", {}).items()},
                   sources=_sources(marks))


def _check_terms(data: dict, bank: Bank, check: _TextChecker) -> None:
    marks, filename, out = check.marks, check.filename, check.out
    known, langs = check.known, bank.languages
    for name, words in data["terms"].items():
        path = ("terms", name)
        if name not in known:
            out.add("PROFILE_002", key_where(marks, path, filename), name=name, bank=bank.id,
                    suggestion=did_you_mean(name, known), known=", ".join(known))
        for lang in langs:
            if lang not in words:
                out.add("PROFILE_003", where(marks, path, filename), lang=lang, langs=", ".join(langs))
        for lang, word in words.items():
            if "{" in word or "}" in word:
                out.add("PROFILE_005", where(marks, path + (lang,), filename), name=name)
    for name in known:
        if name not in data["terms"]:
            out.add("PROFILE_001", key_where(marks, ("terms",), filename), name=name, bank=bank.id)


def _unknown_key(check: _TextChecker, path: tuple, kind: str, name: str, known: list[str]) -> bool:
    if name in known:
        return False
    check.out.add("PROFILE_020", key_where(check.marks, path, check.filename), kind=kind, id=name,
                  suggestion=did_you_mean(name, known), known=", ".join(known[:12])
                  + (", …" if len(known) > 12 else ""))
    return True


def _check_practice_overrides(data: dict, bank: Bank, check: _TextChecker) -> None:
    marks, filename, out = check.marks, check.filename, check.out
    stage_ids = [s.id for s in bank.stages]
    practice_ids = [p.id for p in bank.practices]
    na_areas = set(data.get("areas", {}))
    for pid, o in data.get("practices", {}).items():
        base = ("practices", pid)
        if _unknown_key(check, base, "practice", pid, practice_ids):
            continue
        practice = bank.practice(pid)
        if "not_applicable" in o:
            check(o["not_applicable"], base + ("not_applicable",))
        if ("not_applicable" in o or practice.area in na_areas) and set(o) - {"not_applicable"}:
            out.add("PROFILE_022", key_where(marks, base, filename), subject=pid,
                    keys=", ".join(sorted(set(o) - {"not_applicable"})))
        if "note" in o:
            check(o["note"], base + ("note",))
        # a profile may serve several banks (the full and the short form): overrides for a
        # stage this bank's practice has no stem at are simply not used here
        for sid, stem in o.get("stems", {}).items():
            if not _unknown_key(check, base + ("stems", sid), "stage", sid, stage_ids):
                check(stem, base + ("stems", sid), slot=True)
        for sid, example in o.get("examples", {}).items():
            path = base + ("examples", sid)
            if _unknown_key(check, path, "stage", sid, stage_ids) or sid not in practice.stems:
                continue
            check(example, path, all_languages=bool(any(example.values())))
            own = base + ("stems", sid)
            has_slot = own in check.slots if sid in o.get("stems", {}) else \
                any(f.name == SLOT for f in subst.fields(practice.stems[sid][bank.languages[0]]))
            if not has_slot:
                out.add("PROFILE_021", key_where(marks, path, filename), subject=f"{pid}_{sid}",
                        where="the profile's stem" if sid in o.get("stems", {}) else "the bank's stem")
    if not _asked_any(data, bank):
        out.add("PROFILE_023", Location(filename, 1, 1))


def _asked_any(data: dict, bank: Bank) -> bool:
    na_practices = {pid for pid, o in data.get("practices", {}).items() if "not_applicable" in o}
    na_areas = set(data.get("areas", {}))
    return any(p.id not in na_practices and p.area not in na_areas for p in bank.practices)


def _check_areas(data: dict, bank: Bank, check: _TextChecker) -> None:
    area_ids = [a.id for a in bank.areas]
    for aid, o in data.get("areas", {}).items():
        if not _unknown_key(check, ("areas", aid), "area", aid, area_ids):
            check(o["not_applicable"], ("areas", aid, "not_applicable"))


def _check_question_overrides(data: dict, bank: Bank, check: _TextChecker) -> None:
    known = [q.id for q in bank.background]
    for qid, o in data.get("background", {}).items():
        base = ("background", qid)
        if _unknown_key(check, base, "background question", qid, known):
            continue
        question = next(q for q in bank.background if q.id == qid)
        for key in ("label", "hint", "not_applicable"):
            if key in o:
                check(o[key], base + (key,))
        if "choices" in o:
            _check_question_kind(o, base, check, kind=question.kind)
        if "not_applicable" in o and set(o) - {"not_applicable"}:
            check.out.add("PROFILE_022", key_where(check.marks, base, check.filename),
                          subject=qid, keys=", ".join(sorted(set(o) - {"not_applicable"})))


# --------------------------------------------------------------------------- files
BANKS_DIR = Path(__file__).parent / "banks"
PROFILES_DIR = Path(__file__).parent / "profiles"


def bundled(folder: Path) -> dict[str, Path]:
    """Bundled files by name (file stem), sorted."""
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def resolve(name_or_path: str, folder: Path, code: str) -> Path:
    """A bundled name ('pb') or a path to a .yaml file; never escapes via '../' names."""
    known = bundled(folder)
    if name_or_path in known:
        return known[name_or_path]
    looks_like_path = os.sep in name_or_path or "/" in name_or_path or name_or_path.endswith(
        (".yaml", ".yml"))
    if looks_like_path:
        path = Path(name_or_path)
        if os.path.lexists(path):  # read_text says what is wrong with a folder or a device
            return path
        raise InstrumentError([problem("YAML_006", Location(name_or_path), detail="no such file")])
    raise InstrumentError([problem(code, Location("command line"), name=name_or_path,
                                   suggestion=did_you_mean(name_or_path, known),
                                   known=", ".join(known))])


def load_bank(name_or_path: str | Path = "pmbok6") -> Bank:
    path = resolve(str(name_or_path), BANKS_DIR, "BUILD_001")
    return parse_bank(read_text(path, display_name(path)), display_name(path))


def load_profile(name_or_path: str | Path, bank: Bank) -> Profile:
    path = resolve(str(name_or_path), PROFILES_DIR, "PROFILE_004")
    return parse_profile(read_text(path, display_name(path)), display_name(path), bank)
