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
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Iterator

import jsonschema

from . import substitute as subst
from .errors import Collector, InstrumentError, Location, did_you_mean, problem
from .model import (Area, Bank, Group, Practice, Profile, PROFILE_TEXTS, Rule, Scale, ScaleCode,
                    Stage)
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
def _text_location(marks: Marks, path: tuple, filename: str, offset: int) -> Location:
    """Best column for a character offset inside a one-line scalar."""
    loc = where(marks, path, filename)
    if loc.line is None or loc.column is None:
        return loc
    return Location(loc.file, loc.line, loc.column + offset)


def _check_text(value: dict, path: tuple, langs: Iterable[str], known: dict[str, str],
                marks: Marks, filename: str, out: Collector, used: set[str], *,
                missing_code: str, unknown_code: str, syntax_code: str) -> None:
    """Every language present, every placeholder known; record which were used."""
    langs = list(langs)
    for lang in langs:
        if lang not in value:
            out.add(missing_code, where(marks, path, filename), lang=lang, langs=", ".join(langs))
    for lang, text in value.items():
        if lang not in langs:
            out.add("BANK_011", key_where(marks, path + (lang,), filename), lang=lang,
                    langs=", ".join(langs))
            continue
        try:
            flds = subst.fields(text)
        except subst.PlaceholderSyntaxError as exc:
            out.add(syntax_code, _text_location(marks, path + (lang,), filename, exc.offset),
                    detail=exc.detail)
            continue
        for f in flds:
            used.add(f.name)
            if f.name not in known:
                out.add(unknown_code, _text_location(marks, path + (lang,), filename, f.offset),
                        name=f.name, suggestion=did_you_mean(f.name, known),
                        known=", ".join(known) or "none")


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


# --------------------------------------------------------------------------- bank
def parse_bank(text: str, filename: str) -> Bank:
    """Validate a bank's YAML text; raise InstrumentError listing every problem."""
    data, marks = load(text, filename)
    if not isinstance(data, dict):
        raise InstrumentError([problem("SCHEMA_001", Location(filename, 1, 1),
                                       detail="a bank is a mapping with id, version, practices, ...")])
    shape = _schema_problems(data, "bank", marks, filename)
    if shape:
        raise InstrumentError(shape)

    out = Collector()
    langs = data["languages"]
    known = data["placeholders"]
    used: set[str] = set()

    def text(value: dict, path: tuple) -> None:
        _check_text(value, path, langs, known, marks, filename, out, used,
                    missing_code="BANK_003", unknown_code="BANK_004", syntax_code="BANK_009")

    for key in ("title", "source"):
        if key in data:
            text(data[key], (key,))
    for kind, key in (("stage", "stages"), ("area", "areas"), ("process group", "groups"),
                      ("scale", "scales"), ("rule", "rules"), ("practice", "practices")):
        _duplicates(data[key], (key,), kind, marks, filename, out)

    stage_ids = [s["id"] for s in data["stages"]]
    area_ids = [a["id"] for a in data["areas"]]
    group_ids = [g["id"] for g in data["groups"]]
    scale_ids = [s["id"] for s in data["scales"]]
    rule_ids = [r["id"] for r in data["rules"]]

    for i, s in enumerate(data["stages"]):
        text(s["name"], ("stages", i, "name"))
        text(s["definition"], ("stages", i, "definition"))
    for key in ("areas", "groups"):
        for i, a in enumerate(data[key]):
            text(a["name"], (key, i, "name"))

    for i, sc in enumerate(data["scales"]):
        text(sc["name"], ("scales", i, "name"))
        codes = [c["code"] for c in sc["codes"]]
        for j, c in enumerate(sc["codes"]):
            text(c["label"], ("scales", i, "codes", j, "label"))
            if c["code"] in codes[:j]:
                out.add("BANK_008", where(marks, ("scales", i, "codes", j, "code"), filename),
                        scale=sc["id"], detail=f"code {c['code']} appears twice")
        if len({c["code"] for c in sc["codes"] if not c.get("missing")}) < 2:
            out.add("BANK_008", where(marks, ("scales", i), filename), scale=sc["id"],
                    detail="fewer than two substantive (non-missing) codes")

    for i, r in enumerate(data["rules"]):
        text(r["description"], ("rules", i, "description"))
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

    for key, choices, kind in (("scale", scale_ids, "scale"), ("rule", rule_ids, "rule"),
                               ("gate_stage", stage_ids, "stage")):
        value = data["defaults"][key]
        if value not in choices:
            out.add("BANK_006", where(marks, ("defaults", key), filename), kind=kind, id=value,
                    suggestion=did_you_mean(value, choices), known=", ".join(choices))

    for i, p in enumerate(data["practices"]):
        base = ("practices", i)
        for key, choices, kind in (("area", area_ids, "area"), ("group", group_ids, "process group")):
            if p[key] not in choices:
                out.add("BANK_006", where(marks, base + (key,), filename), kind=kind, id=p[key],
                        suggestion=did_you_mean(p[key], choices), known=", ".join(choices))
        text(p["name"], base + ("name",))
        text(p["glossary"], base + ("glossary",))
        for sid in stage_ids:
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
            text(stem, base + ("stems", sid))

    for name in known:
        if name not in used:
            out.add("BANK_005", key_where(marks, ("placeholders", name), filename), name=name)
    out.problems.sort(key=_position)
    out.raise_if_any()
    return _bank_from(data)


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


def _bank_from(d: dict) -> Bank:
    return Bank(
        id=d["id"], version=d["version"], languages=tuple(d["languages"]),
        title=d["title"], source=d.get("source", {lang: "" for lang in d["languages"]}),
        placeholders=dict(d["placeholders"]),
        stages=tuple(Stage(s["id"], s["name"], s["definition"]) for s in d["stages"]),
        areas=tuple(Area(a["id"], a["number"], a["name"]) for a in d["areas"]),
        groups=tuple(Group(g["id"], g["name"]) for g in d["groups"]),
        scales=tuple(Scale(s["id"], s["name"],
                           tuple(ScaleCode(c["code"], c["label"], bool(c.get("missing")))
                                 for c in s["codes"])) for s in d["scales"]),
        rules=tuple(Rule(r["id"], r["kind"], r["description"], dict(r.get("threshold", {})),
                         {k: int(v) for k, v in r.get("min_code", {}).items()},
                         float(r.get("share", 0.5))) for r in d["rules"]),
        default_scale=d["defaults"]["scale"], default_rule=d["defaults"]["rule"],
        gate_stage=d["defaults"]["gate_stage"],
        practices=tuple(Practice(p["id"], p["code"], p["area"], p["group"], p["name"],
                                 p["glossary"], dict(p["stems"])) for p in d["practices"]),
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
    langs = bank.languages
    known = dict(bank.placeholders)
    used: set[str] = set()

    def text(value: dict, path: tuple) -> None:
        _check_text(value, path, langs, known, marks, filename, out, used,
                    missing_code="PROFILE_003", unknown_code="PROFILE_006",
                    syntax_code="PROFILE_007")

    text(data["name"], ("name",))
    for key in PROFILE_TEXTS:
        text(data["texts"][key], ("texts", key))
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
    out.problems.sort(key=_position)
    out.raise_if_any()
    return Profile(id=data["id"], version=data["version"], name=data["name"],
                   terms={k: dict(v) for k, v in data["terms"].items()},
                   texts={k: dict(v) for k, v in data["texts"].items()})


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


def iter_texts(bank: Bank) -> Iterator[tuple[str, str, str]]:
    """(where, language, raw text) for every text of a bank that reaches respondents."""
    for p in bank.practices:
        for lang in bank.languages:
            yield f"{p.id}.name", lang, p.name[lang]
            yield f"{p.id}.glossary", lang, p.glossary[lang]
            for sid, stem in p.stems.items():
                yield f"{p.id}_{sid}", lang, stem[lang]
