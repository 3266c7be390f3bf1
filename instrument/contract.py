"""What the builder and the scorer share, in one place both import.

The renderers (``html``, ``pdf``, ``tables``, ``xlsform``) and the scorer
(``scoring/``) meet here and in the model, never in each other:

- the native CSV layout: ``ID_COLUMNS`` and ``header`` (the columns of a
  response file, in order) and ``id_label`` (a column's label in a language,
  from the catalogue: the XLSForm's question labels, the .sav/.dta variable
  labels, the header names a platform export may use);
- ``FORMULA_START`` and ``neutralise``: text cells kept from running as
  spreadsheet formulas, in every CSV either half writes;
- the templates: ``template_folder`` and ``environment`` (jinja2 with
  autoescape, StrictUndefined and the i18n extension bound to a language's
  catalogue); ``HTML_LANG``/``html_lang`` and ``csp_hash`` for the pages;
- the font finder is ``instrument.fonts`` (``register``, ``runs``,
  ``unprintable``), shared as it is.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from markupsafe import Markup

if TYPE_CHECKING:
    import jinja2

from . import i18n
from .model import ID_COLUMNS, Instrument

__all__ = ["FORMULA_START", "HTML_LANG", "ID_COLUMNS", "content_policy", "csp_hash", "csv_bytes", "environment",
           "header", "html_lang", "id_label", "neutralise", "script_json", "template_folder"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# BCP 47 tags for the html lang attribute; anything else is used as given.
HTML_LANG = {"zh-TW": "zh-Hant-TW", "zh-HK": "zh-Hant-HK", "zh-CN": "zh-Hans-CN"}


def header(instrument: Instrument) -> list[str]:
    """The response CSV's columns: the contract between every form and the scorer."""
    return list(instrument.columns)


def id_label(column: str, language: str) -> str:
    """The label of an id column (``ID_COLUMNS``) in ``language``."""
    t = i18n.text(language)
    labels = {"respondent_id": t.gettext("Respondent ID"),
              "organisation": t.gettext("Organisation"),
              "instrument": t.gettext("Instrument"),
              "wave": t.gettext("Wave")}
    return labels[column]


def neutralise(text: str) -> str:
    """Keep a spreadsheet from running text as a formula (CSV/XLSX injection).

    Only text cells are touched; numeric answers are written as numbers and never
    pass through here, so a negative code stays a number.
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def html_lang(language: str) -> str:
    """The html lang attribute of a page in ``language``."""
    return HTML_LANG.get(language, language)


def csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_policy(css: str, script: str | None = None, images: str = "'none'") -> str:
    """The Content-Security-Policy of a self-contained page: no fetch of any kind, only its
    own inline stylesheet (and script, if any) by hash, images only from ``images``."""
    return "; ".join([
        "default-src 'none'",
        f"style-src {csp_hash(css)}",
        *([f"script-src {csp_hash(script)}"] if script is not None else []),
        f"img-src {images}",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ])


def template_folder(package: str) -> Path:
    """``<package>/templates``: inside the package, so an installed wheel carries it."""
    return Path(str(resources.files(package) / "templates"))


@lru_cache(maxsize=16)
def environment(folder: str, language: str) -> jinja2.Environment:
    """The jinja2 environment of a template folder, its ``_()``/``pgettext()`` bound to
    ``language``'s catalogue. Old-style gettext: a translation is text, escaped like any
    other value (new-style would mark it safe, letting a translator's '<' through)."""
    import jinja2  # here, not at the top: the scorer's command line starts without it

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(i18n.text(language),  # type: ignore[attr-defined]
                                     newstyle=False)
    return env


def csv_bytes(rows: Iterable[Sequence[object]], bom: bool = True) -> bytes:
    """Rows as CSV (CRLF; UTF-8 with BOM so Excel shows Chinese), text cells neutralised."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(v) if isinstance(v, str) else v for v in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


def script_json(data: Any) -> Markup:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' survive."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return Markup(text)
