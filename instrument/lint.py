"""The stem linter: every stem as respondents read it, against the mechanical parts of
the review rubric (shared/reviews/stem-rubric.md; the rules are documented in
docs/authoring.md, "Linting stems").

Pure: takes loaded banks and profiles and returns a ``Report``; ``build.py lint`` reads
the files and prints it. Stems are rendered with the compiler's own choices
(``compile.stem_template``, ``example_template``, ``terms``, ``not_applicable``), as
pieces that remember which YAML value each character came from. So a finding points
at the text to edit: the profile's own stem, example or term where the profile gave
it, else the bank's stem, example or example format. A finding that several
renderings share (a bank stem that fails in every profile) is reported once, with
the renderings listed.

The word lists (verbs, quantifiers, negations, jargon) are package data:
``instrument/lint_words.yaml``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from . import substitute as subst
from .compile import SLOT, example_template, not_applicable, stem, stem_template, terms
from .errors import Location, Problem, problem
from .model import Bank, Practice, Profile
from .yamlsafe import load

MASK = "\x1f"  # stands in for text a rule must not read (examples, brackets, the stage clause)
BOUNDARY = "，。；：、（）()「」;:" + MASK  # where a Chinese clause or fragment ends
WORD = re.compile(r"[A-Za-z0-9]+(?:['’.-][A-Za-z0-9]+)*")  # e.g. on-site, e.g, don't
BRACKETED = re.compile(r"（[^（）]*）|\([^()]*\)")


# --------------------------------------------------------------------------- word lists
@dataclass(frozen=True)
class Jargon:
    word: str
    pattern: re.Pattern
    why: str
    instead: str
    unless: re.Pattern | None = None  # right in a clause that matches this


@dataclass(frozen=True)
class Words:
    """One language's word lists, compiled."""

    language: str
    script: str  # "cjk" (count characters, match substrings) or "latin" (words)
    length: int
    example_min: int
    always: tuple[str, ...]  # conjunctions flagged wherever they stand (並, 且)
    compounds: tuple[str, ...]  # ... except inside these words
    between_verbs: tuple[str, ...]  # conjunctions flagged between two verbs (與; and)
    adverbs: tuple[str, ...]  # may stand between a conjunction and its verb (latin)
    verbs: tuple[str, ...]  # cjk: the verbs, longest first
    forms: Mapping[str, tuple[str, bool]]  # latin: verb form -> (lemma, also a plural noun)
    pairs: frozenset[tuple[str, str]]  # verb pairs naming one act, both orders
    quantifiers: re.Pattern
    quantifier_compounds: tuple[str, ...]
    negation: re.Pattern
    negation_compounds: tuple[str, ...]
    jargon: tuple[Jargon, ...]

    @property
    def cjk(self) -> bool:
        return self.script == "cjk"


WORDS_FILE = "lint_words.yaml"


@lru_cache(maxsize=None)
def word_lists() -> dict[str, Words]:
    """The bundled word lists by language (package data, read once)."""
    text = resources.files("instrument").joinpath(WORDS_FILE).read_text(encoding="utf-8")
    data, _ = load(text, f"instrument/{WORDS_FILE}")
    return {lang: _words(lang, spec) for lang, spec in data.items()}


def words_for(language: str) -> Words | None:
    """The word lists of a language, else of another variety of it (zh-HK -> zh-TW), else
    None."""
    lists = word_lists()
    primary = language.split("-")[0].lower()
    same = [w for lang, w in lists.items() if lang.split("-")[0].lower() == primary]
    return lists.get(language) or next(iter(same), None)


def _alternation(patterns: Iterable[str], flags: int = 0) -> re.Pattern:
    patterns = sorted(patterns, key=len, reverse=True)
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)", flags)


def _words(lang: str, d: dict) -> Words:
    cjk = d["script"] == "cjk"
    flags = 0 if cjk else re.IGNORECASE
    conj = d.get("conjunctions", {})
    irregular = {k: tuple(v) for k, v in d.get("irregular", {}).items()}
    pairs = {tuple(p) for p in d.get("pairs", [])}
    return Words(
        language=lang, script=d["script"], length=int(d["length"]),
        example_min=int(d.get("example_min", 1)),
        always=tuple(conj.get("always", [])), compounds=tuple(conj.get("compounds", [])),
        between_verbs=tuple(conj.get("between_verbs", [])),
        adverbs=tuple(conj.get("adverbs", [])),
        verbs=tuple(sorted(d.get("verbs", []), key=len, reverse=True)),
        forms={} if cjk else _verb_forms(d.get("verbs", []), irregular,
                                         set(d.get("nouns_too", []))),
        pairs=frozenset(pairs | {(b, a) for a, b in pairs}),
        quantifiers=_alternation(d.get("quantifiers", []), flags),
        quantifier_compounds=tuple(d.get("quantifier_compounds", [])),
        negation=_alternation(d.get("negation", []), flags),
        negation_compounds=tuple(d.get("negation_compounds", [])),
        jargon=tuple(Jargon(j["word"], re.compile(j.get("pattern") or re.escape(j["word"]), flags),
                            j["why"], j["instead"],
                            re.compile(j["unless"], flags) if j.get("unless") else None)
                     for j in d.get("jargon", [])),
    )


def _verb_forms(verbs: Iterable[str], irregular: Mapping[str, tuple[str, ...]],
                nouns_too: set[str]) -> dict[str, tuple[str, bool]]:
    """English verb forms that mark a verb after 'and': third-person -s (ambiguous when
    the verb is also a noun: 'records') and past participles (never ambiguous, except an
    irregular one spelt like the base: 'set')."""
    forms: dict[str, tuple[str, bool]] = {}
    for verb in {*verbs, *irregular}:
        for form in _past(verb):
            forms[form] = (verb, False)
        for form in irregular.get(verb, ()):
            forms[form] = (verb, form == verb)
        forms[_third_person(verb)] = (verb, verb in nouns_too)
    return forms


def _third_person(verb: str) -> str:
    if verb.endswith(("s", "x", "z", "ch", "sh", "o")):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


def _past(verb: str) -> tuple[str, ...]:
    if verb.endswith("e"):
        return (verb + "d",)
    if re.search(r"[^aeiou]y$", verb):
        return (verb[:-1] + "ied",)
    if re.search(r"[^aeiou][aeiou][^aeiouwxy]$", verb):  # plan -> planned (and planed)
        return (verb + "ed", verb + verb[-1] + "ed")
    return (verb + "ed",)


# --------------------------------------------------------------------------- rendering
@dataclass(frozen=True)
class Origin:
    """Which YAML value a piece of a rendered stem comes from."""

    owner: str  # "bank" or "profile"
    path: tuple  # e.g. ('practices', 'INT01', 'examples', 'S', 'zh-TW'), ('terms', 'project', 'en')


@dataclass(frozen=True)
class Segment:
    start: int
    end: int
    part: str  # "stem" (the claim) or "example" (the {eg} slot)
    kind: str  # "text", "term" (a profile's word) or "format" (the bank's example format)
    origin: Origin


@dataclass(frozen=True)
class Rendering:
    """One stem as one profile's respondents read it in one language."""

    bank: str
    profile: str
    language: str
    practice: str
    stage: str
    text: str
    segments: tuple[Segment, ...]
    stem_origin: Origin
    example_origin: Origin | None  # None when the {eg} slot is empty

    @property
    def item(self) -> str:
        return f"{self.practice}_{self.stage}"

    def origin_at(self, pos: int) -> Origin:
        for seg in self.segments:
            if seg.start <= pos < seg.end:
                return seg.origin
        return self.stem_origin

    @property
    def example(self) -> str:
        """The example as written into the slot, without the example format."""
        return "".join(self.text[s.start:s.end] for s in self.segments
                       if s.part == "example" and s.kind != "format")


def render(bank: Bank, profile: Profile, practice: Practice, stage: str, language: str,
           words: Mapping[str, str]) -> Rendering:
    """The stem as ``compile.stem`` renders it, in pieces that know their YAML origin."""
    template, owner = stem_template(profile, practice, stage)
    stem_origin = Origin(owner, ("practices", practice.id, "stems", stage, language))
    example_text, example_owner = example_template(profile, practice, stage, language)
    example_origin = (Origin(example_owner, ("practices", practice.id, "examples", stage, language))
                      if example_text.strip() else None)
    pieces: list[tuple[str, str, str, Origin]] = []
    for literal, fld in subst.parse(template[language]):
        pieces.append((literal, "stem", "text", stem_origin))
        if fld is not None and fld.name == SLOT:
            if example_origin:
                pieces.extend(_example_pieces(bank.example_format[language], example_text,
                                              example_origin, language, words))
        elif fld is not None:
            pieces.append((_word(fld, words), "stem", "term", _term(fld.name, language)))
    segments, pos = [], 0
    for text, part, kind, origin in pieces:
        if text:
            segments.append(Segment(pos, pos + len(text), part, kind, origin))
            pos += len(text)
    text = "".join(p[0] for p in pieces)
    if text != stem(bank, profile, practice, stage, language, words):
        raise AssertionError(f"lint renders {practice.id}_{stage} unlike compile.stem")
    return Rendering(bank.id, profile.id, language, practice.id, stage, text, tuple(segments),
                     stem_origin, example_origin)


def _example_pieces(fmt: str, example: str, origin: Origin, language: str,
                    words: Mapping[str, str]) -> list[tuple[str, str, str, Origin]]:
    pieces = []
    fmt_origin = Origin("bank", ("example_format", language))
    for literal, fld in subst.parse(fmt):
        pieces.append((literal, "example", "format", fmt_origin))
        if fld is None:
            continue
        for lit, f in subst.parse(example):
            pieces.append((lit, "example", "text", origin))
            if f is not None:
                pieces.append((_word(f, words), "example", "term", _term(f.name, language)))
    return pieces


def _word(fld: subst.Field, words: Mapping[str, str]) -> str:
    return subst.substitute("{%s%s}" % (fld.name, f":{fld.spec}" if fld.spec else ""), words)


def _term(name: str, language: str) -> Origin:
    return Origin("profile", ("terms", name, language))


# --------------------------------------------------------------------------- findings
@dataclass(frozen=True)
class Finding:
    rule: str
    origin: Origin
    rendering: Rendering
    fields: Mapping[str, object]
    key: tuple = ()  # with rule and location: what makes two renderings' findings one


@dataclass(frozen=True)
class Context:
    """What the rules need about one bank x profile x language."""

    bank: Bank
    profile: Profile
    language: str
    words: Words | None

    def locate(self, origin: Origin) -> Location:
        sources = self.bank.sources if origin.owner == "bank" else self.profile.sources
        path = origin.path
        while path:
            if path in sources:
                return Location(*sources[path])
            path = path[:-1]
        return Location(self.bank.id if origin.owner == "bank" else self.profile.id)

    def clause(self, stage: str) -> tuple[str, Location] | None:
        for i, s in enumerate(self.bank.stages):
            if s.id == stage and self.language in s.clause:
                where = Origin("bank", ("stages", i, "clause", self.language))
                return s.clause[self.language], self.locate(where)
        return None


def _claim(r: Rendering, ctx: Context) -> str:
    """The statement a respondent agrees with: the text with the example slot, anything
    in brackets and the stage clause masked (the rules for one claim, quantifiers and
    negation read only this)."""
    chars = list(r.text)

    def mask(start: int, end: int) -> None:
        chars[start:end] = MASK * (end - start)

    for seg in r.segments:
        if seg.part == "example":
            mask(seg.start, seg.end)
    for m in BRACKETED.finditer(r.text):
        mask(m.start(), m.end())
    clause = ctx.clause(r.stage)
    if clause:
        m = re.search(clause[0], r.text)
        if m:
            mask(m.start(), m.end())
    return "".join(chars)


def _mask_words(text: str, words: Iterable[str]) -> str:
    """``text`` with every occurrence of ``words`` masked (compounds that are not hits)."""
    for w in sorted(words, key=len, reverse=True):
        text = text.replace(w, MASK * len(w))
    return text


Span = tuple[int, int]


def _by_origin(r: Rendering, spans: Iterable[Span]) -> dict[Origin, list[Span]]:
    out: dict[Origin, list[Span]] = {}
    for span in spans:
        out.setdefault(r.origin_at(span[0]), []).append(span)
    return out


def _quoted(r: Rendering, spans: Sequence[tuple[int, int]]) -> str:
    return ", ".join(dict.fromkeys(f"'{r.text[a:b]}'" for a, b in spans))


def _fragment(r: Rendering, claim: str, start: int, end: int, cjk: bool) -> str:
    """The words around a hit, within its clause and never into masked text, for the
    message: up to 15 characters either side (cjk), three words (latin)."""
    if cjk:
        a = start
        while a > 0 and start - a < 15 and claim[a - 1] not in BOUNDARY:
            a -= 1
        b = end
        while b < len(claim) and b - end < 15 and claim[b] not in BOUNDARY:
            b += 1
        return r.text[a:b]
    run_start = claim.rfind(MASK, 0, start) + 1
    run_end = claim.find(MASK, end) % (len(claim) + 1)
    tokens = [m for m in WORD.finditer(claim, run_start, run_end)]
    i = next(k for k, m in enumerate(tokens) if m.start() >= start)
    a, b = tokens[max(0, i - 3)].start(), tokens[min(len(tokens) - 1, i + 3)].end()
    return r.text[a:b]


# --------------------------------------------------------------------------- the rules
def _each(check: Callable[[Rendering, Context], Iterable[Finding]]):
    """A rule that looks at one rendering at a time."""

    def run(renderings: Sequence[Rendering], ctx: Context) -> Iterator[Finding]:
        for r in renderings:
            yield from check(r, ctx)

    run.__doc__ = check.__doc__
    return run


@_each
def check_length(r: Rendering, ctx: Context) -> Iterator[Finding]:
    """Longer than about 60 characters (punctuation counted) or 30 words."""
    if not ctx.words:
        return
    n = length(r.text, ctx.words)
    if n > ctx.words.length:
        yield Finding("length", r.stem_origin, r, {"n": n, "limit": ctx.words.length,
                                                   "unit": "characters" if ctx.words.cjk
                                                   else "words"})


def length(text: str, words: Words) -> int:
    """Characters without spaces, a run of Latin letters or digits counting as one (cjk);
    words (latin)."""
    if words.cjk:
        return len(re.sub(r"\s", "", WORD.sub("A", text)))
    return len(WORD.findall(text))


@_each
def check_conjunction(r: Rendering, ctx: Context) -> Iterator[Finding]:
    """A conjunction joining two verbs or claims (heuristic; see docs/authoring.md)."""
    w = ctx.words
    if not w:
        return
    claim = _claim(r, ctx)
    hits = _conjunctions_cjk(claim, w) if w.cjk else _conjunctions_latin(claim, w)
    for origin, spans in _by_origin(r, hits).items():
        yield Finding("conjunction", origin, r, {
            "words": _quoted(r, spans),
            "fragments": ", ".join(f"'{_fragment(r, claim, a, b, w.cjk)}'" for a, b in spans)})


def _conjunctions_cjk(claim: str, w: Words) -> list[tuple[int, int]]:
    text = _mask_words(claim, w.compounds)
    hits = []
    for m in _alternation(map(re.escape, w.always)).finditer(text):
        left, right = _verb_in_clause(text, m.start(), w), _verb_after(text, m.end(), w)
        if (left, right) not in w.pairs:
            hits.append(m.span())
    for m in _alternation(map(re.escape, w.between_verbs)).finditer(text):
        left, right = _verb_before(text, m.start(), w), _verb_after(text, m.end(), w)
        if left and right and (left, right) not in w.pairs:
            hits.append(m.span())
    return sorted(hits)


def _verb_before(text: str, pos: int, w: Words) -> str | None:
    return next((v for v in w.verbs if text.endswith(v, 0, pos)), None)


def _verb_in_clause(text: str, pos: int, w: Words) -> str | None:
    """The last verb of the list in the clause before ``pos``."""
    start = pos
    while start > 0 and text[start - 1] not in BOUNDARY:
        start -= 1
    for end in range(pos, start, -1):
        verb = _verb_before(text, end, w)
        if verb:
            return verb
    return None


def _verb_after(text: str, pos: int, w: Words) -> str | None:
    return next((v for v in w.verbs if text.startswith(v, pos)), None)


def _conjunctions_latin(claim: str, w: Words) -> list[tuple[int, int]]:
    tokens = list(WORD.finditer(claim))
    adverbs = {a.lower() for a in w.adverbs}
    joins = {c.lower() for c in w.between_verbs}
    hits = []
    for i, tok in enumerate(tokens):
        if tok.group().lower() not in joins or i == 0:
            continue
        j = i + 1
        while j < len(tokens) and tokens[j].group().lower() in adverbs:
            j += 1
        if j == len(tokens):
            continue
        after = w.forms.get(tokens[j].group().lower())
        before = w.forms.get(tokens[i - 1].group().lower())
        if not after:
            continue
        if after[1] and not (before and not before[1]):
            continue  # 'records and reports': plural nouns as likely as verbs
        if before and (before[0], after[0]) in w.pairs:
            continue
        hits.append(tok.span())
    return hits


@_each
def check_quantifier(r: Rendering, ctx: Context) -> Iterator[Finding]:
    """Absolute quantifiers that one exception overturns (每個…都, every, always …)."""
    if ctx.words:
        yield from _listed("quantifier", r, ctx, ctx.words.quantifiers,
                           ctx.words.quantifier_compounds)


@_each
def check_negation(r: Rendering, ctx: Context) -> Iterator[Finding]:
    """Negation in the statement (不, 未, 沒有 …; not, no, never, n't, without …)."""
    if ctx.words:
        yield from _listed("negation", r, ctx, ctx.words.negation, ctx.words.negation_compounds)


def _listed(rule: str, r: Rendering, ctx: Context, pattern: re.Pattern,
            compounds: Sequence[str]) -> Iterator[Finding]:
    """Words of a list in the claim (outside the compounds that are not hits)."""
    claim = _mask_words(_claim(r, ctx), compounds)
    for origin, spans in _by_origin(r, [m.span() for m in pattern.finditer(claim)]).items():
        yield Finding(rule, origin, r, {"words": _quoted(r, spans)})


@_each
def check_jargon(r: Rendering, ctx: Context) -> Iterator[Finding]:
    """Words a respondent would not know without the glossary (per-language list)."""
    if not ctx.words:
        return
    for j in ctx.words.jargon:
        spans = [m.span() for m in j.pattern.finditer(r.text)
                 if not (j.unless and j.unless.search(_clause_around(r.text, *m.span())))]
        for origin in _by_origin(r, spans):
            yield Finding("jargon", origin, r, {"word": j.word, "why": j.why,
                                                "instead": j.instead}, key=(j.word,))


def _clause_around(text: str, start: int, end: int) -> str:
    """The clause a hit stands in: up to the nearest 、-free boundary either side."""
    stops = "，。；（）();,."
    a = max(text.rfind(c, 0, start) for c in stops) + 1
    b = min([i for i in (text.find(c, end) for c in stops) if i >= 0] or [len(text)])
    return text[a:b]


@_each
def check_placeholder(r: Rendering, ctx: Context) -> Iterator[Finding]:
    """Braces left in the text as respondents read it."""
    spans = [m.span() for m in re.finditer(r"[{}｛｝]", r.text)]
    for origin, found in _by_origin(r, spans).items():
        yield Finding("placeholder", origin, r, {"braces": _quoted(r, found)})


@_each
def check_bracket(r: Rendering, ctx: Context) -> Iterator[Finding]:
    """Half-width brackets in a Chinese rendering (經(副)理 for 經（副）理)."""
    if not (ctx.words and ctx.words.cjk):
        return
    spans = [m.span() for m in re.finditer(r"[()\[\]]", r.text)]
    for origin, found in _by_origin(r, spans).items():
        a, b = found[0][0], found[-1][1]
        yield Finding("bracket", origin, r, {
            "chars": " ".join(dict.fromkeys(r.text[x:y] for x, y in found)),
            "fragment": r.text[max(0, a - 4):b + 4]})


@_each
def check_clause(r: Rendering, ctx: Context) -> Iterator[Finding]:
    """A stem that does not say its stage's clause (the bank's ``clause:`` regex)."""
    clause = ctx.clause(r.stage)
    if clause and not re.search(clause[0], r.text):
        yield Finding("clause", r.stem_origin, r, {"stage": r.stage, "pattern": clause[0],
                                                    "where": str(clause[1])})


def check_example(renderings: Sequence[Rendering], ctx: Context) -> Iterator[Finding]:
    """The same example item given for two practices in one profile and language."""
    if not ctx.words:
        return
    first: dict[str, Rendering] = {}
    for r in renderings:
        shared: dict[Rendering, list[str]] = {}  # earlier rendering -> items it also has
        for item in dict.fromkeys(_example_items(r.example, ctx.words)):
            seen = first.setdefault(item, r)
            if seen.practice != r.practice:
                shared.setdefault(seen, []).append(item)
        for seen, items in shared.items():
            where = ctx.locate(seen.example_origin)
            yield Finding("example", r.example_origin, r, {
                "examples": ", ".join(f"'{i}'" for i in items), "other": seen.item,
                "where": str(where)}, key=(seen.item, where))


def _example_items(example: str, w: Words) -> list[str]:
    """The items of an example list (split at 、，; or commas), normalised; items too short
    to mean one particular thing are left out."""
    items = []
    for part in re.split(r"[、，；;,／/]", example):
        item = part.strip(" 　。.").lower()
        if not w.cjk:
            item = re.sub(r"^(the|a|an)\s+", "", item)
        if item and length(item, w) >= w.example_min:
            items.append(item)
    return items


@dataclass(frozen=True)
class Rule:
    name: str
    code: str
    check: Callable[[Sequence[Rendering], Context], Iterable[Finding]]

    @property
    def what(self) -> str:
        return (self.check.__doc__ or "").strip().splitlines()[0]


RULES: tuple[Rule, ...] = (
    Rule("length", "LINT_001", check_length),
    Rule("conjunction", "LINT_002", check_conjunction),
    Rule("quantifier", "LINT_003", check_quantifier),
    Rule("negation", "LINT_004", check_negation),
    Rule("jargon", "LINT_005", check_jargon),
    Rule("placeholder", "LINT_006", check_placeholder),
    Rule("bracket", "LINT_007", check_bracket),
    Rule("clause", "LINT_008", check_clause),
    Rule("example", "LINT_009", check_example),
)
RULE_BY_NAME = {r.name: r for r in RULES}


def select(rules: Iterable[str] = (), skip: Iterable[str] = ()) -> tuple[Rule, ...]:
    """Rules by name or code (``--rule``/``--skip``); all rules when none is named."""
    def names(given: Iterable[str]) -> set[str]:
        by_code = {r.code.lower(): r.name for r in RULES}
        return {by_code.get(g.lower(), g.lower()) for g in given}

    wanted, unwanted = names(rules), names(skip)
    return tuple(r for r in RULES if (not wanted or r.name in wanted) and r.name not in unwanted)


# --------------------------------------------------------------------------- running
@dataclass(frozen=True)
class Group:
    """Findings of one rule at one place in one YAML file, across renderings."""

    rule: Rule
    location: Location
    findings: tuple[Finding, ...]

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.rendering.item for f in self.findings))

    @property
    def renderings(self) -> tuple[tuple[str, str], ...]:
        return tuple(dict.fromkeys((f.rendering.profile, f.rendering.language)
                                   for f in self.findings))

    def subject(self) -> str:
        items = self.items
        shown = ", ".join(items[:3]) + (f" and {len(items) - 3} more" if len(items) > 3 else "")
        langs: dict[str, list[str]] = {}
        for profile, lang in self.renderings:
            langs.setdefault(lang, []).append(profile)
        where = "; ".join(f"{'/'.join(ps)}, {lang}" for lang, ps in langs.items())
        return f"{shown} ({where})"

    def problem(self) -> Problem:
        fields = dict(self.findings[0].fields)
        counts = sorted({f.fields["n"] for f in self.findings if "n" in f.fields})
        if len(counts) > 1:
            fields["n"] = f"{counts[0]}–{counts[-1]}"
        return problem(self.rule.code, self.location, subject=self.subject(), **fields)


@dataclass(frozen=True)
class Report:
    groups: tuple[Group, ...]
    rules: tuple[Rule, ...]
    stems: int  # renderings linted
    scope: tuple[str, ...]  # 'pmbok6 1.1.0 × generic, pb, smartcity × zh-TW, en' per bank
    notes: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """Reported findings by rule name, every rule that ran included."""
        return {r.name: sum(g.rule is r for g in self.groups) for r in self.rules}

    def summary(self) -> str:
        n = len(self.groups)
        counts = ", ".join(f"{r.code} {r.name} {self.counts()[r.name]}" for r in self.rules)
        head = f"{n} finding{'s' * (n != 1)}" if n else "no findings"
        return f"lint: {head} in {self.stems:,} stems ({'; '.join(self.scope)}): {counts}"

    def text(self) -> str:
        lines = [str(g.problem()) for g in self.groups]
        return "\n".join([*lines, *self.notes, self.summary()]) + "\n"

    def json(self) -> str:
        out = {"findings": [self._json(g) for g in self.groups], "counts": self.counts(),
               "stems": self.stems, "scope": list(self.scope), "notes": list(self.notes)}
        return json.dumps(out, ensure_ascii=False, indent=2) + "\n"

    @staticmethod
    def _json(g: Group) -> dict:
        p = g.problem()
        return {"code": p.code, "rule": g.rule.name, "file": g.location.file,
                "line": g.location.line, "column": g.location.column, "items": list(g.items),
                "message": p.message, "fix": p.hint,
                "renderings": [{"profile": f.rendering.profile, "language": f.rendering.language,
                                "item": f.rendering.item, "text": f.rendering.text}
                               for f in g.findings]}


def renderings(bank: Bank, profile: Profile, language: str) -> list[Rendering]:
    """Every stem the profile's respondents read in one language, in the forms' order;
    practices the profile declares not applicable are not asked, so not linted."""
    skipped = not_applicable(bank, profile)
    words = terms(profile, language)
    return [render(bank, profile, p, s.id, language, words)
            for area in bank.areas for p in bank.practices
            if p.area == area.id and p.id not in skipped for s in bank.stages
            if s.id in p.stems]  # a short form's practices have fewer stages


def lint(targets: Sequence[tuple[Bank, Sequence[Profile]]], rules: Sequence[Rule] = RULES,
         languages: Sequence[str] = ()) -> Report:
    """Lint each bank with its profiles in every language of the bank (or ``languages``)."""
    findings: list[tuple[Location, Finding]] = []
    stems, scope, notes = 0, [], []
    for bank, profiles in targets:
        langs = [lang for lang in bank.languages if not languages or lang in languages]
        scope.append(f"{bank.id} {bank.version} × {', '.join(p.id for p in profiles)} × "
                     f"{', '.join(langs)}")
        for lang in langs:
            if words_for(lang) is None:
                notes.append(f"note: no word lists for language '{lang}' "
                             f"(instrument/{WORDS_FILE}); only the placeholder and clause "
                             f"rules checked it")
        for profile in profiles:
            for lang in langs:
                ctx = Context(bank, profile, lang, words_for(lang))
                batch = renderings(bank, profile, lang)
                stems += len(batch)
                for rule in rules:
                    findings.extend((ctx.locate(f.origin), f) for f in rule.check(batch, ctx))
    return Report(_group(findings, rules), tuple(rules), stems, tuple(scope),
                  tuple(dict.fromkeys(notes)))


def _group(findings: Sequence[tuple[Location, Finding]],
           rules: Sequence[Rule]) -> tuple[Group, ...]:
    by_key: dict[tuple, list[Finding]] = {}
    where: dict[tuple, Location] = {}
    for loc, f in findings:
        key = (f.rule, loc, f.key)
        by_key.setdefault(key, []).append(f)
        where[key] = loc
    order = {r.name: i for i, r in enumerate(rules)}
    groups = [Group(RULE_BY_NAME[k[0]], where[k], tuple(fs)) for k, fs in by_key.items()]
    return tuple(sorted(groups, key=lambda g: (g.location.file, g.location.line or 0,
                                               g.location.column or 0, order[g.rule.name],
                                               g.items)))
