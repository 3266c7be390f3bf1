"""The self-contained HTML questionnaire: one file, no network, live first-tier gating.

``render`` turns an ``Instrument`` into ``questionnaire.html``. The page is drawn
by ``instrument/templates/questionnaire.html.j2`` from one typed context
(``QuestionnaireContext``); the stylesheet and script (``questionnaire.css``,
``questionnaire.js``) are inlined and allowed by a Content-Security-Policy that
names their SHA-256 hashes and forbids every fetch (``default-src 'none'``).

What the script needs to know (the CSV header, the background questions' checks,
each area's gate and other stems, the gate rule, the missing codes, messages)
travels as one JSON block built here from the instrument; the script holds the
JavaScript twin of ``instrument.gating.judge``. The page never shows the rule's
numbers (a threshold on screen invites low answers to shorten the form): it says
only that further statements appear when they apply.
No file I/O besides reading the templates; the output is deterministic.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import jinja2
from markupsafe import Markup

from . import tables
from .artifacts import RenderSettings
from .errors import InstrumentError, Location, problem
from .model import BackgroundItem, Instrument, Label, NamedRef, PracticeText

# Inside the package, so an installed wheel carries them (found through importlib.resources).
TEMPLATES = Path(str(resources.files(__package__) / "templates"))
TEMPLATE = "questionnaire.html.j2"
ASSETS = (TEMPLATE, "questionnaire.css", "questionnaire.js")
STORAGE_PREFIX = "opm-questionnaire"

# BCP 47 tags for the html lang attribute; anything else is used as given.
HTML_LANG = {"zh-TW": "zh-Hant-TW", "zh-HK": "zh-Hant-HK", "zh-CN": "zh-Hans-CN"}

# Interface wording. Texts about the study come from the profile; these are the
# page's own words. A language without an entry falls back to English.
UI: dict[str, dict[str, str]] = {
    "zh-TW": {
        "skip_link": "跳到題目",
        "progress_label": "填答進度",
        "progress": "已填答 {answered} / {total} 題",
        "about_heading": "填答說明",
        "duration": "預計填答時間約 {low}–{high} 分鐘，視適用的題數而定。",
        "duration_one": "預計填答時間約 {low} 分鐘。",
        "stages_heading": "成熟階段說明",
        "scale_heading": "作答選項",
        "scale_extra": "無法評分時",
        "respondent_legend": "填答者資料",
        "rid": "受訪者編號",
        "rid_hint": "請填入研究者提供的編號。",
        "rid_hint_js": "下載的答案檔以此命名。",
        "org": "機關／單位名稱",
        "background_heading": "基本資料",
        "background_intro": "以下問題用於分組比較，不計入成熟度分數。",
        "number_both": "介於 {low} 到 {high} 之間的{what}",
        "number_low": "不小於 {low} 的{what}",
        "number_high": "不大於 {high} 的{what}",
        "number_any": "{what}",
        "what_integer": "整數",
        "what_number": "數字",
        "number_error": "請填入{rule}；目前的值不會存入答案檔。",
        "glossary": "名詞解釋",
        "part1": "第一部分：{stages}",
        "part2": "第二部分：{stages}",
        "list_sep": "、",
        "quote_sep": "",
        "quote": "「{text}」",
        "na_practices": "本領域以下作法不適用，因此未列入：{list}。",
        "na_practice": "{code} {name}（{reason}）",
        "na_sep": "；",
        "na_area": "本領域不適用，因此未列入本問卷：{reason}。",
        "nojs_note": "您的瀏覽器未執行本頁的程式，因此所有題目都會顯示，答案也不會自動儲存。"
                     "請回答所有題目（不適用的階段在計分時不會採用）。填答完畢請列印本頁"
                     "（或另存為 PDF），並依研究者的指示繳回。",
        "js_intro": "每個知識領域先回答{gate}題目。回答完該領域的{gate}題目後，"
                    "{others}題目適用時會接著出現；不適用時，請直接進入下一個領域。",
        "saved_note": "答案會自動儲存在這台電腦的瀏覽器中，關閉後重新開啟本檔案可繼續填答。",
        "gate_nojs": "以下為本領域其餘階段的題目，請一併作答。",
        "gate_pending": "請先回答本領域所有{gate}題目；其餘題目適用時，會在此出現。",
        "gate_open": "依您的回答，本領域以下 {n} 題適用，請繼續作答。",
        "gate_closed": "依您的回答，本領域其餘題目不需作答，請繼續下一個領域。",
        "gate_kept": "您先前在此填的 {k} 題答案已保留（暫不列入答案檔）；若其餘題目再次適用，"
                     "會重新出現。",
        "announce": "{area}：{text}",
        "return_heading": "繳回答案",
        "nojs_return": "本頁的程式未執行，無法下載答案：請列印本頁（或另存為 PDF），"
                       "並依研究者的指示繳回。",
        "download": "下載我的答案",
        "download_anyway": "仍要下載",
        "print": "列印",
        "start_over": "重新開始",
        "confirm_start_over": "確定要清除所有答案並重新開始嗎？此動作無法復原。",
        "warn_unanswered": "尚有 {k} 題未填答（仍可下載，未填的題目會留白）：",
        "warn_invalid": "有些答案的格式不符，不會存入答案檔（列於最前）。",
        "warn_no_rid": "尚未填寫受訪者編號，檔案將命名為 {file}。",
        "downloaded": "已下載 {file}，請依上方說明繳回。",
        "save_failed": "答案未能儲存在這台電腦（瀏覽器的儲存空間已滿或被封鎖）。"
                       "請立即下載答案，以免遺失。",
        "storage_off": "此瀏覽器不允許本頁儲存答案，關閉本頁後答案將會遺失。請在關閉前下載答案。",
        "instrument_label": "問卷代碼",
        "label_sep": "：",
        "sentence_sep": "",
    },
    "en": {
        "skip_link": "Skip to the questions",
        "progress_label": "Progress",
        "progress": "Answered {answered} / {total}",
        "about_heading": "How to answer",
        "duration": "It takes about {low}–{high} minutes, depending on how many statements "
                    "apply.",
        "duration_one": "It takes about {low} minutes.",
        "stages_heading": "The stages",
        "scale_heading": "Answer options",
        "scale_extra": "If you cannot rate it",
        "respondent_legend": "About this form",
        "rid": "Respondent ID",
        "rid_hint": "The ID the researcher gave you.",
        "rid_hint_js": "The downloaded file is named after it.",
        "org": "Organisation",
        "background_heading": "About you",
        "background_intro": "These questions are used to compare groups; they are not part of "
                            "the maturity scores.",
        "number_both": "{what} from {low} to {high}",
        "number_low": "{what} of at least {low}",
        "number_high": "{what} of at most {high}",
        "number_any": "{what}",
        "what_integer": "a whole number",
        "what_number": "a number",
        "number_error": "Enter {rule}; the value in the box now will not be saved in your "
                        "answers.",
        "glossary": "What this means",
        "part1": "Part 1: {stages}",
        "part2": "Part 2: {stages}",
        "list_sep": ", ",
        "quote_sep": ", ",
        "quote": "“{text}”",
        "na_practices": "Left out of this area because they do not apply here: {list}.",
        "na_practice": "{code} {name} ({reason})",
        "na_sep": "; ",
        "na_area": "This area does not apply here and is left out of the questionnaire: "
                   "{reason}.",
        "nojs_note": "Your browser is not running this page's script, so every statement is "
                     "shown and nothing is saved automatically. Please answer every statement "
                     "(stages that do not apply are not used in scoring). When you have "
                     "finished, print this page (or save it as PDF) and return it as the "
                     "researcher asked.",
        "js_intro": "Each knowledge area starts with its {gate} statements. Once you have "
                    "answered them, the area's {others} statements appear when they apply; "
                    "when they do not, go on to the next area.",
        "saved_note": "Your answers are saved in this browser on this computer, so you can close "
                      "the page and carry on later from the same file.",
        "gate_nojs": "The statements below cover the area's further stages: please answer them "
                     "too.",
        "gate_pending": "Answer all {gate} statements of this area first; further statements "
                        "appear here when they apply.",
        "gate_open": "From your answers, the {n} statements below apply: please answer them.",
        "gate_closed": "From your answers, the area's further statements are not needed: please "
                       "go on to the next area.",
        "gate_kept": "The {k} answers you gave there are kept (not in your answers file for now) "
                     "and come back if the statements apply again.",
        "announce": "{area}: {text}",
        "return_heading": "Returning your answers",
        "nojs_return": "This page's script is not running, so the answers cannot be downloaded: "
                       "print this page (or save it as PDF) and return it as the researcher "
                       "asked.",
        "download": "Download my answers",
        "download_anyway": "Download anyway",
        "print": "Print",
        "start_over": "Start over",
        "confirm_start_over": "Clear all your answers and start over? This cannot be undone.",
        "warn_unanswered": "Questions not answered yet: {k} (you can still download; they will "
                           "be left blank):",
        "warn_invalid": "Some answers are not in the expected form and will not be saved in the "
                        "file (listed first).",
        "warn_no_rid": "You have not entered a respondent ID; the file will be called {file}.",
        "downloaded": "Saved {file}. Please return it as described above.",
        "save_failed": "Your answers could not be saved on this computer (the browser's storage "
                       "is full or blocked). Download them now so that nothing is lost.",
        "storage_off": "This browser does not let the page save your answers: they are lost when "
                       "you close the page. Download them before you close it.",
        "instrument_label": "Instrument ID",
        "label_sep": ": ",
        "sentence_sep": " ",
    },
}
# messages the script fills in at run time
JS_MESSAGES = ("progress", "gate_pending", "gate_open", "gate_closed", "gate_kept", "announce",
               "confirm_start_over", "warn_unanswered", "warn_invalid", "warn_no_rid",
               "downloaded", "save_failed", "storage_off", "label_sep", "sentence_sep")


# --------------------------------------------------------------------------- context
@dataclass(frozen=True)
class StemView:
    id: str
    stage: str
    stage_name: str
    text: str


@dataclass(frozen=True)
class PracticeView:
    id: str
    code: str
    name: str
    glossary: str
    note: str  # the profile's local glossary note ('' = none)
    stems: tuple[StemView, ...]


@dataclass(frozen=True)
class StageView:
    id: str
    name: str
    definition: str


@dataclass(frozen=True)
class AreaView:
    id: str
    number: int
    name: str
    tier1: tuple[PracticeView, ...]  # the gate-stage stem of each practice
    tier2: tuple[PracticeView, ...]  # the other stages, practices with none left out
    left_out: str  # one line: the practices a profile declares not applicable, and why
    skipped: bool = False


@dataclass(frozen=True)
class SkippedAreaView:
    """A whole area the profile declares not applicable: one line, no questions."""

    id: str
    number: int
    name: str
    line: str
    skipped: bool = True


@dataclass(frozen=True)
class BackgroundView:
    id: str
    kind: str  # "single" | "number" | "text"
    label: str
    hint: str
    choices: tuple[Label, ...]
    minimum: str  # number: the min/max attributes ('' = none) and step
    maximum: str
    step: str
    max_length: int
    error: str  # number: the visible message for a value that will not be saved


@dataclass(frozen=True)
class QuestionnaireContext:
    """Everything the template reads; nothing else reaches it."""

    html_lang: str
    instrument_id: str
    title: str
    bank_title: str
    profile_name: str
    preamble: str
    duration: str
    instructions: str
    confidentiality: str
    return_text: str
    thanks: str
    ui: Mapping[str, str]
    substantive: tuple[Label, ...]  # the scale's options, then the codes shown apart
    non_substantive: tuple[Label, ...]
    scale_name: str
    stages: tuple[StageView, ...]
    background: tuple[BackgroundView, ...]
    sections: tuple[AreaView | SkippedAreaView, ...]  # in bank order
    tier1_heading: str
    tier2_heading: str
    nojs_note: str
    js_intro: str
    config_json: Markup
    css: Markup
    js: Markup
    csp: str


# --------------------------------------------------------------------------- helpers
def _check_templates() -> None:
    """A user-facing error (not a traceback) when an installed copy lacks templates/."""
    missing = [name for name in ASSETS if not (TEMPLATES / name).is_file()]
    if missing:
        raise InstrumentError([problem("HTML_001", Location(str(TEMPLATES)),
                                       detail="not found: " + ", ".join(missing))])


@lru_cache(maxsize=2)
def _environment(folder: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _asset(name: str, closing: str) -> str:
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    if closing in text.lower():
        raise ValueError(f"instrument/templates/{name} must not contain '{closing}'")
    return text


def csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def script_json(data: Any) -> Markup:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' survive."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return Markup(text)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _sentence(text: str) -> str:
    """A reason to embed in a sentence: without its own full stop."""
    return text.strip().rstrip("。.")


def storage_key(instrument: Instrument) -> str:
    """localStorage key: answers belong to one data layout (instrument id) and profile."""
    return f"{STORAGE_PREFIX}:{instrument.id}:{instrument.profile_id}"


def duration_text(instrument: Instrument, ui: Mapping[str, str]) -> str:
    """'About 11–41 minutes' from ``Instrument.minutes()``."""
    low, high = instrument.minutes()
    return (ui["duration_one"] if low == high else ui["duration"]).format(low=low, high=high)


def number_rule(q: BackgroundItem, ui: Mapping[str, str]) -> str:
    """'a whole number from 0 to 50': what a number question accepts, in words."""
    what = ui["what_integer" if q.integer else "what_number"]
    low, high = _number(q.minimum), _number(q.maximum)
    key = ("number_both" if low and high else "number_low" if low
           else "number_high" if high else "number_any")
    return ui[key].format(what=what, low=low, high=high)


def left_out_line(instrument: Instrument, area: NamedRef, ui: Mapping[str, str]) -> str:
    """One line naming an asked area's practices that are not applicable, and why."""
    skipped: list[PracticeText] = [p for p in instrument.not_applicable if p.area == area.id]
    if not skipped:
        return ""
    parts = [ui["na_practice"].format(code=p.code, name=p.name, reason=_sentence(p.reason))
             for p in skipped]
    return ui["na_practices"].format(list=ui["na_sep"].join(parts))


def background_view(q: BackgroundItem, ui: Mapping[str, str]) -> BackgroundView:
    error = ui["number_error"].format(rule=number_rule(q, ui)) if q.kind == "number" else ""
    return BackgroundView(q.id, q.kind, q.label, q.hint, q.choices, _number(q.minimum),
                          _number(q.maximum), "1" if q.integer else "any", q.max_length, error)


def background_config(q: BackgroundItem) -> dict[str, Any]:
    """What the script checks before a background answer goes into the CSV."""
    spec: dict[str, Any] = {"id": q.id, "kind": q.kind}
    if q.kind == "single":
        spec["codes"] = [c.code for c in q.choices]
    elif q.kind == "number":
        spec.update(min=q.minimum, max=q.maximum, integer=q.integer)
    else:
        spec["maxLength"] = q.max_length
    return spec


def _practice_views(instrument: Instrument, area: NamedRef,
                    stage_name: Mapping[str, str]) -> tuple[list[PracticeView], list[PracticeView]]:
    """The area's asked practices: their gate-stage stems, and their other stems."""
    gate = instrument.gate_stage
    items = instrument.items_of_area(area.id)
    tier1, tier2 = [], []
    for p in instrument.practices_of_area(area.id):
        stems = [StemView(i.id, i.stage, stage_name[i.stage], i.text)
                 for i in items if i.practice == p.id]
        first = tuple(s for s in stems if s.stage == gate)
        rest = tuple(s for s in stems if s.stage != gate)
        if first:
            tier1.append(PracticeView(p.id, p.code, p.name, p.glossary, p.note, first))
        if rest:
            tier2.append(PracticeView(p.id, p.code, p.name, p.glossary, p.note, rest))
    return tier1, tier2


def _sections(instrument: Instrument, ui: Mapping[str, str]):
    """The page's area sections (asked or skipped, in bank order) and the script's areas."""
    stage_name = {s.id: s.name for s in instrument.stages}
    asked = {a.id for a in instrument.asked_areas}
    sections: list[AreaView | SkippedAreaView] = []
    config_areas = []
    for area in instrument.areas:
        if area.id not in asked:
            if not area.applicable:
                sections.append(SkippedAreaView(area.id, area.number, area.name, ui["na_area"]
                                                .format(reason=_sentence(area.reason))))
            continue
        tier1, tier2 = _practice_views(instrument, area, stage_name)
        sections.append(AreaView(area.id, area.number, area.name, tuple(tier1), tuple(tier2),
                                 left_out_line(instrument, area, ui)))
        config_areas.append({"id": area.id, "name": area.name,
                             "gate": [s.id for p in tier1 for s in p.stems],
                             "rest": [s.id for p in tier2 for s in p.stems]})
    return tuple(sections), config_areas


def _policy(css: str, js: str) -> str:
    return "; ".join([
        "default-src 'none'",
        f"style-src {csp_hash(css)}",
        f"script-src {csp_hash(js)}",
        "img-src 'none'",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ])


# --------------------------------------------------------------------------- context
def context(instrument: Instrument) -> QuestionnaireContext:
    _check_templates()
    ui = UI.get(instrument.language, UI["en"])
    stage_name = {s.id: s.name for s in instrument.stages}
    gate = instrument.gate_stage
    others = [s for s in instrument.stages if s.id != gate]

    def quoted(names: list[str]) -> str:
        return ui["quote_sep"].join(ui["quote"].format(text=n) for n in names)

    gate_q = quoted([stage_name[gate]])
    sections, config_areas = _sections(instrument, ui)
    config = {
        "instrument": instrument.id,
        "storageKey": storage_key(instrument),
        "header": tables.header(instrument),
        "idColumns": list(tables.ID_COLUMNS),
        "background": [background_config(q) for q in instrument.background],
        "gateStage": gate,
        "rule": instrument.rule.layout(),
        "missing": list(instrument.scale.missing),
        "codes": list(instrument.scale.all_codes),
        "areas": config_areas,
        "gateName": gate_q,
        "messages": {key: ui[key] for key in JS_MESSAGES},
    }
    css = _asset("questionnaire.css", "</style")
    js = _asset("questionnaire.js", "</script")
    texts = instrument.texts
    return QuestionnaireContext(
        html_lang=HTML_LANG.get(instrument.language, instrument.language),
        instrument_id=instrument.id,
        title=texts.get("title", instrument.bank_title),
        bank_title=instrument.bank_title,
        profile_name=instrument.profile_name,
        preamble=texts.get("preamble", ""),
        duration=duration_text(instrument, ui),
        instructions=texts.get("instructions", ""),
        confidentiality=texts.get("confidentiality", ""),
        return_text=texts.get("return", ""),
        thanks=texts.get("thanks", ""),
        ui=ui,
        substantive=instrument.scale.substantive,
        non_substantive=instrument.scale.non_substantive,
        scale_name=instrument.scale.name,
        stages=tuple(StageView(s.id, s.name, s.definition) for s in instrument.stages),
        background=tuple(background_view(q, ui) for q in instrument.background),
        sections=sections,
        tier1_heading=ui["part1"].format(stages=stage_name[gate]),
        tier2_heading=ui["part2"].format(stages=ui["list_sep"].join(s.name for s in others)),
        nojs_note=ui["nojs_note"],
        js_intro=ui["js_intro"].format(gate=gate_q, others=quoted([s.name for s in others])),
        config_json=script_json(config),
        css=Markup(css),
        js=Markup(js),
        csp=_policy(css, js),
    )


def render_html(instrument: Instrument) -> str:
    ctx = context(instrument)
    return _environment(str(TEMPLATES)).get_template(TEMPLATE).render(ctx=ctx)


def render(instrument: Instrument, settings: RenderSettings) -> dict[str, bytes]:
    """``{"questionnaire.html": bytes}``; ``settings`` (paper, font) do not apply to HTML."""
    return {"questionnaire.html": render_html(instrument).encode("utf-8")}
