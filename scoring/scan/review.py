"""review.html: each flagged item with its crop and the reader's guess, an input per item,
and a button that saves the corrections as a CSV file in the browser (offline: no server,
no network; the Content-Security-Policy allows only the page's own script and style)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from importlib import resources

import jinja2
from markupsafe import Markup

from instrument.html import HTML_LANG, csp_hash, script_json
from instrument.model import Instrument

from . import ink
from .corrections import Correction
from .forms import NO_ID, WRITTEN, Flag

TEMPLATES = Path(str(resources.files("scoring") / "templates"))
UI = {
    "zh-TW": {
        "title": "掃描複核",
        "intro": "下列題目無法自動判讀，請對照影像輸入正確代碼（空白＝未作答），輸入完後按"
                 "「儲存更正」，再以 {option} 重新執行 scan。",
        "none": "沒有需要複核的題目。", "form": "表單", "value": "正確代碼",
        "guess": "判讀猜測", "allowed": "可填", "save": "儲存更正",
        "saved": "已存成 corrections.csv（在瀏覽器的下載資料夾）",
    },
    "en": {
        "title": "Scan review",
        "intro": "The reader could not decide these items. Type the right code for each "
                 "(blank = no answer), press Save corrections, then run scan again with "
                 "{option}.",
        "none": "Nothing to review.", "form": "Form", "value": "Correct value",
        "guess": "Guess", "allowed": "takes", "save": "Save corrections",
        "saved": "Saved as corrections.csv (in the browser's downloads folder)",
    },
}


# why an item is flagged, in the page's language (flags.csv keeps the English words)
REASONS = {"zh-TW": {
    ink.REASONS["two"]: "勾選了兩個以上的方格",
    ink.REASONS["faint"]: "筆跡太淡",
    ink.REASONS["faint_beside"]: "答案旁另有淡淡的筆跡",
    ink.REASONS["heavy"]: "筆跡很重：是打「X」還是塗黑（更改）",
    ink.REASONS["cancelled_only"]: "只有塗黑（更改）的方格",
    WRITTEN: "表單上有手寫內容：請照填",
    NO_ID: "表單未印受訪者編號：請填入這份表單所屬的編號",
}}


@dataclass(frozen=True)
class Entry:
    n: int
    form: str
    where: str  # file and page
    respondent: str
    column: str
    label: str  # the item's statement or the question's label
    reason: str
    guess: str
    allowed: str  # what the input takes
    image: str  # data: URL of the crop


@dataclass(frozen=True)
class ReviewContext:
    html_lang: str
    ui: dict[str, str]
    entries: tuple[Entry, ...]
    applied: Markup  # JSON of the corrections already applied, carried into the next save
    css: Markup
    script: Markup
    csp: str


def _labels(instrument: Instrument) -> dict[str, tuple[str, str]]:
    codes = ", ".join(str(c) for c in instrument.scale.all_codes)
    out = {i.id: (i.text, codes) for i in instrument.items}
    for q in instrument.background:
        allowed = ", ".join(str(c.code) for c in q.choices) if q.kind == "single" else \
            q.describe()
        out[q.id] = (q.label, allowed)
    out["respondent_id"] = ("respondent_id", "")
    out["organisation"] = ("organisation", "")
    return out


def _entries(flags: list[Flag], instrument: Instrument, lang: str) -> tuple[Entry, ...]:
    labels = _labels(instrument)
    reasons = REASONS.get(lang, {})
    out = []
    for n, f in enumerate(flags, 1):
        label, allowed = labels.get(f.column, (f.column, ""))
        image = "data:image/png;base64," + base64.b64encode(f.crop).decode("ascii")
        out.append(Entry(n, f.form, f"{f.file}, p. {f.page}", f.respondent, f.column, label,
                         reasons.get(f.reason, f.reason), f.guess, allowed, image))
    return tuple(out)


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True)


def render(flags: list[Flag], instrument: Instrument, applied: list[Correction]) -> bytes:
    css = (TEMPLATES / "review.css").read_text(encoding="utf-8")
    script = (TEMPLATES / "review.js").read_text(encoding="utf-8")
    csp = "; ".join(["default-src 'none'", f"style-src {csp_hash(css)}",
                     f"script-src {csp_hash(script)}", "img-src data:", "connect-src 'none'",
                     "base-uri 'none'", "form-action 'none'"])
    lang = instrument.language if instrument.language in UI else "en"
    ctx = ReviewContext(HTML_LANG.get(lang, lang), UI[lang], _entries(flags, instrument, lang),
                        script_json([[c.form, c.column, c.value] for c in applied]),
                        Markup(css), Markup(script), csp)
    return _environment().get_template("review.html.j2").render(ctx=ctx).encode("utf-8")
