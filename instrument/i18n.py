"""Interface text from gettext catalogues, one per language, read from their .po files.

The words of the forms, the page and the reports that do not come from the bank
or the profile (headings, buttons, instructions, the routing rule, report
headings) are gettext messages: marked in the code with ``gettext``,
``ngettext``, ``pgettext`` and ``npgettext`` (English source text as the msgid,
named ``{placeholders}``, a context where one English text has two meanings),
and in the templates with ``_()`` and ``pgettext()`` (jinja2's i18n extension).
``pybabel extract -F babel.cfg`` collects them into ``instrument/locale/
messages.pot``; each language has ``instrument/locale/<locale>/LC_MESSAGES/
messages.po`` (zh_TW, en), which translators edit with Poedit, Weblate or
Crowdin. docs/translating.md walks through adding one.

The .po files are read at run time (Babel's ``read_po``, cached per file): the
file a translator saves is the file the program reads, so there is no compiled
.mo to forget or to go stale, a fresh clone and an editable install work with no
build step, and the wheel carries the .po files as package data.

Language tags: banks use BCP 47 tags (``zh-TW``, ``en``); a tag's catalogue is
looked up as ``zh_TW`` (the tag with ``_``), then language and region without a
script (``zh-Hant-TW`` -> ``zh_TW``), then the language alone (``zh``), in every
folder of ``OPM_LOCALE_PATH`` (``os.pathsep``-separated) and then the package's
own. A tag with none of them (``zh-HK``: no zh_HK, no zh) gets the English
catalogue, and ``fallback_problem`` names it (``LANG_001``, a warning the build
prints): the interface is then in English around the bank's own text.
"""

from __future__ import annotations

import io
import os
import string
from functools import lru_cache, reduce
from importlib import resources
from pathlib import Path
from typing import Sequence

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from .errors import Location, Problem, problem

LOCALE_DIR = Path(str(resources.files(__package__) / "locale"))
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"  # the msgids' language; its catalogue is the last fallback
PATH_VARIABLE = "OPM_LOCALE_PATH"


def locale_name(tag: str) -> str:
    """gettext's name for a BCP 47 tag: 'zh-TW' -> 'zh_TW'."""
    return tag.replace("-", "_")


def candidates(tag: str) -> tuple[str, ...]:
    """The locales tried for ``tag``, in order: 'zh-Hant-TW' -> zh_Hant_TW, zh_TW, zh."""
    parts = tag.replace("_", "-").split("-")
    out = ["_".join(parts)]
    regions = [p for p in parts[1:] if len(p) == 2 or (len(p) == 3 and p.isdigit())]
    if regions:
        out.append(f"{parts[0]}_{regions[0]}")
    out.append(parts[0])
    return tuple(dict.fromkeys(out))


def locale_dirs() -> tuple[Path, ...]:
    """Folders holding ``<locale>/LC_MESSAGES/messages.po``: OPM_LOCALE_PATH's, then ours."""
    extra = [Path(p) for p in os.environ.get(PATH_VARIABLE, "").split(os.pathsep) if p]
    return (*extra, LOCALE_DIR)


def catalogue_path(tag: str) -> Path | None:
    """The .po file that serves ``tag``, or None when no candidate locale has one."""
    for locale in candidates(tag):
        for folder in locale_dirs():
            path = folder / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
            if path.is_file():
                return path
    return None


def languages() -> tuple[str, ...]:
    """BCP 47 tags of every catalogue found ('en', 'zh-TW', ...), sorted."""
    found = {entry.name.replace("_", "-") for folder in locale_dirs() if folder.is_dir()
             for entry in folder.iterdir()
             if (entry / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()}
    return tuple(sorted(found))


def fallback_problem(tag: str) -> Problem | None:
    """LANG_001 (a warning) when ``tag`` has no catalogue and its interface is English."""
    if catalogue_path(tag) is not None:
        return None
    return problem("LANG_001", Location(str(LOCALE_DIR)), severity="warning", lang=tag,
                   tried=", ".join(candidates(tag)), locale=locale_name(tag))


@lru_cache(maxsize=32)
def _read(path: str, stamp: tuple[int, int]) -> Translations:
    """A .po file as gettext translations (fuzzy entries left out, as msgfmt does)."""
    with open(path, "rb") as fh:
        catalog = read_po(fh, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def translations(tag: str) -> Translations:
    """The gettext translations for ``tag``: its catalogue, else the English one."""
    path = catalogue_path(tag) or catalogue_path(SOURCE_LANGUAGE)
    if path is None:
        raise FileNotFoundError(f"no {DOMAIN}.po under {LOCALE_DIR}: reinstall the package")
    stat = path.stat()
    return _read(str(path), (stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=32)
def _strings(path: str, stamp: tuple[int, int]) -> tuple[str, ...]:
    with open(path, "rb") as fh:
        catalog = read_po(fh, domain=DOMAIN)
    return tuple(s for m in catalog if m.id and not m.fuzzy
                 for s in ((m.string,) if isinstance(m.string, str) else m.string) if s)


def strings(tag: str) -> tuple[str, ...]:
    """Every translation in the catalogue serving ``tag`` (for a font's glyph check)."""
    path = catalogue_path(tag) or catalogue_path(SOURCE_LANGUAGE)
    if path is None:
        return ()
    stat = path.stat()
    return _strings(str(path), (stat.st_mtime_ns, stat.st_size))


class Text:
    """One language's interface text: the gettext functions, and joins built from messages
    (so that a language that writes sentences or quoted names without a space between them
    says so in its catalogue, not in code)."""

    def __init__(self, language: str):
        self.language = language
        tr = translations(language)
        self.gettext, self.ngettext = tr.gettext, tr.ngettext
        self.pgettext, self.npgettext = tr.pgettext, tr.npgettext

    def sentences(self, parts: Sequence[str]) -> str:
        """Sentences in a row: 'A. B.' in English, 'A。B。' in Chinese."""
        pair = self.pgettext("two sentences in a row", "{first} {second}")
        return _fold(pair, [p for p in parts if p])

    @property
    def sentence_sep(self) -> str:
        """What stands between two sentences (for the page's script, which joins lines)."""
        return between(self.pgettext("two sentences in a row", "{first} {second}"))


def _fold(pair: str, parts: Sequence[str]) -> str:
    return reduce(lambda a, b: pair.format(first=a, second=b), parts) if parts else ""


def between(template: str) -> str:
    """The literal text between a two-placeholder template's fields: '{a}, {b}' -> ', '."""
    fields = list(string.Formatter().parse(template))
    return fields[1][0] if len(fields) > 1 else ""


def text(language: str) -> Text:
    """``Text(language)``: cheap, as each catalogue file is read once (until it changes)."""
    return Text(language)
