"""The self-contained HTML questionnaire: one file, no network, live first-tier gating.

``render`` turns an ``Instrument`` into ``questionnaire.html``. The page is drawn
by ``instrument/templates/questionnaire.html.j2`` from one typed context
(``QuestionnaireContext``); the stylesheet and script (``questionnaire.css``,
``questionnaire.js``) are inlined and allowed by a Content-Security-Policy that
names their SHA-256 hashes and forbids every fetch (``default-src 'none'``).

What the script needs to know (item ids in CSV header order, the gate rule, the
missing codes, messages) travels as one JSON block built here from the
instrument; the script holds the JavaScript twin of ``instrument.gating.achieved``.
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
from .gating import required_count
from .model import Instrument, Label

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
        "stages_heading": "成熟階段說明",
        "scale_heading": "作答選項",
        "respondent_legend": "填答者資料",
        "rid": "受訪者編號",
        "rid_hint": "請填入研究者提供的編號；下載的答案檔以此命名。",
        "org": "機關／單位名稱",
        "glossary": "名詞解釋",
        "part1": "第一部分：{stages}",
        "part2": "第二部分：{stages}",
        "list_sep": "、",
        "quote_sep": "",
        "quote": "「{text}」",
        "nojs_skip": "您的瀏覽器未執行本頁的程式，因此所有題目都會顯示。請先回答每個知識領域的"
                     "{gate}題目；若未達門檻，請跳過該領域的{others}題目，直接進入下一個領域。{rule}"
                     "答案無法自動儲存或下載，請列印本頁或依研究者的指示繳回。",
        "js_intro": "每個知識領域先回答{gate}題目；達到門檻時，該領域的{others}題目會自動出現，"
                    "未達門檻則自動略過。{rule}答案會自動儲存在這台電腦的瀏覽器中，"
                    "關閉後重新開啟可繼續填答。",
        "area_nojs": "若您在本領域{gate}題目的回答未達門檻，請跳過以下題目，"
                     "直接進入下一個領域。{rule}",
        "gate_pending": "請先回答本領域所有{gate}題目；若達到門檻，"
                        "本領域其餘 {n} 題將在此出現。{rule}",
        "gate_open": "您在本領域{gate}題目的回答已達門檻，請繼續回答以下 {n} 題。",
        "gate_closed": "您在本領域{gate}題目的回答未達門檻，因此不需回答本領域其餘 {n} 題，"
                       "請繼續下一個領域。{rule}",
        "gate_cleared": "先前已填的 {k} 題答案已清除。",
        "rule_mean": "（門檻：{description}；門檻值為 {threshold}。）",
        "rule_count": "（門檻：{description}；本領域 {n} 題中需有 {k} 題。）",
        "rule_count_general": "（門檻：{description}。）",
        "return_heading": "繳回答案",
        "download": "下載我的答案",
        "download_anyway": "仍要下載",
        "print": "列印",
        "start_over": "重新開始",
        "confirm_start_over": "確定要清除所有答案並重新開始嗎？此動作無法復原。",
        "warn_unanswered": "尚有 {k} 題未填答（仍可下載，未填的題目會留白）：",
        "warn_no_rid": "尚未填寫受訪者編號，檔案將命名為 {file}。",
        "downloaded": "已下載 {file}，請依上方說明繳回。",
        "saved_note": "答案會自動儲存在這台電腦的瀏覽器中。",
        "storage_off": "此瀏覽器無法自動儲存答案，請在關閉本頁前下載答案。",
        "instrument_label": "問卷代碼",
        "unanswered": "（未填答）",
        "label_sep": "：",
    },
    "en": {
        "skip_link": "Skip to the questions",
        "progress_label": "Progress",
        "progress": "Answered {answered} / {total}",
        "about_heading": "How to answer",
        "stages_heading": "The stages",
        "scale_heading": "Answer options",
        "respondent_legend": "About you",
        "rid": "Respondent ID",
        "rid_hint": "The ID the researcher gave you; the downloaded file is named after it.",
        "org": "Organisation",
        "glossary": "What this means",
        "part1": "Part 1: {stages}",
        "part2": "Part 2: {stages}",
        "list_sep": ", ",
        "quote_sep": ", ",
        "quote": "“{text}”",
        "nojs_skip": "Your browser is not running this page's script, so every statement is shown. "
                     "In each knowledge area, answer the {gate} statements first; if they do not "
                     "reach the threshold, skip that area's {others} statements and go on to the "
                     "next area. {rule} Answers cannot be saved or downloaded automatically: print "
                     "this page or return it as the researcher asked.",
        "js_intro": "In each knowledge area, answer the {gate} statements first. When they reach "
                    "the threshold, the area's {others} statements appear; otherwise they are "
                    "skipped. "
                    "{rule} Your answers are saved in this browser on this computer, so you can "
                    "close the page and carry on later.",
        "area_nojs": "If your {gate} answers in this area do not reach the threshold, skip the "
                     "statements below and go on to the next area. {rule}",
        "gate_pending": "Answer all {gate} statements of this area first; if they reach the "
                        "threshold, the area's other {n} statements appear here. {rule}",
        "gate_open": "Your {gate} answers in this area reach the threshold: please answer the "
                     "{n} statements below.",
        "gate_closed": "Your {gate} answers in this area do not reach the threshold, so the area's "
                       "other {n} statements are skipped. Please go on to the next area. {rule}",
        "gate_cleared": "The {k} answers you had given there were cleared.",
        "rule_mean": "(Threshold rule: {description}; threshold {threshold}.)",
        "rule_count": "(Threshold rule: {description}; in this area {k} of {n}.)",
        "rule_count_general": "(Threshold rule: {description}.)",
        "return_heading": "Returning your answers",
        "download": "Download my answers",
        "download_anyway": "Download anyway",
        "print": "Print",
        "start_over": "Start over",
        "confirm_start_over": "Clear all your answers and start over? This cannot be undone.",
        "warn_unanswered": "{k} statements are not answered yet (you can still download; they "
                           "will be left blank):",
        "warn_no_rid": "You have not entered a respondent ID; the file will be called {file}.",
        "downloaded": "Saved {file}. Please return it as described above.",
        "saved_note": "Your answers are saved automatically in this browser.",
        "storage_off": "This browser cannot save your answers: download them before you close "
                       "the page.",
        "instrument_label": "Instrument ID",
        "unanswered": "(not answered)",
        "label_sep": ": ",
    },
}
# messages the script fills in at run time
JS_MESSAGES = ("progress", "gate_pending", "gate_open", "gate_closed", "gate_cleared",
               "confirm_start_over", "warn_unanswered", "warn_no_rid", "downloaded", "storage_off",
               "label_sep")


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
    nojs_note: str  # which stems to skip, for a page without JavaScript


@dataclass(frozen=True)
class QuestionnaireContext:
    """Everything the template reads; nothing else reaches it."""

    html_lang: str
    instrument_id: str
    title: str
    bank_title: str
    profile_name: str
    preamble: str
    instructions: str
    confidentiality: str
    return_text: str
    thanks: str
    ui: Mapping[str, str]
    scale: tuple[Label, ...]
    scale_name: str
    stages: tuple[StageView, ...]
    areas: tuple[AreaView, ...]
    tier1_heading: str
    tier2_heading: str
    nojs_skip: str
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


def _number(value: float) -> str:
    return f"{value:g}"


def rule_text(instrument: Instrument, n_gate: int | None, ui: Mapping[str, str]) -> str:
    """The gate rule in words, for an area with ``n_gate`` gate-stage stems (None: in general)."""
    rule = instrument.rule
    description = rule.description.strip().rstrip("。.")
    if rule.kind == "mean":
        return ui["rule_mean"].format(description=description,
                                      threshold=_number(rule.threshold or 0.0))
    if n_gate is None:
        return ui["rule_count_general"].format(description=description)
    return ui["rule_count"].format(description=description, n=n_gate,
                                   k=required_count(rule, n_gate))


def storage_key(instrument: Instrument) -> str:
    """localStorage key: answers belong to one data layout (instrument id) and profile."""
    return f"{STORAGE_PREFIX}:{instrument.id}:{instrument.profile_id}"


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
    others_q = quoted([s.name for s in others])

    areas = []
    config_areas = []
    for area in instrument.areas:
        items = instrument.items_of_area(area.id)
        if not items:
            continue
        tier1, tier2 = [], []
        for p in instrument.practices_of_area(area.id):
            stems = [StemView(i.id, i.stage, stage_name[i.stage], i.text)
                     for i in items if i.practice == p.id]
            first = tuple(s for s in stems if s.stage == gate)
            rest = tuple(s for s in stems if s.stage != gate)
            if first:
                tier1.append(PracticeView(p.id, p.code, p.name, p.glossary, first))
            if rest:
                tier2.append(PracticeView(p.id, p.code, p.name, p.glossary, rest))
        gate_ids = [s.id for p in tier1 for s in p.stems]
        rest_ids = [s.id for p in tier2 for s in p.stems]
        text = rule_text(instrument, len(gate_ids), ui)
        areas.append(AreaView(area.id, area.number, area.name, tuple(tier1), tuple(tier2),
                              ui["area_nojs"].format(gate=gate_q, rule=text)))
        config_areas.append({"id": area.id, "gate": gate_ids, "rest": rest_ids, "ruleText": text})

    general_rule = rule_text(instrument, None, ui)
    config = {
        "instrument": instrument.id,
        "storageKey": storage_key(instrument),
        "header": tables.header(instrument),
        "idColumns": list(tables.ID_COLUMNS),
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
    csp = "; ".join([
        "default-src 'none'",
        f"style-src {csp_hash(css)}",
        f"script-src {csp_hash(js)}",
        "img-src 'none'",
        "connect-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ])
    texts = instrument.texts
    return QuestionnaireContext(
        html_lang=HTML_LANG.get(instrument.language, instrument.language),
        instrument_id=instrument.id,
        title=texts.get("title", instrument.bank_title),
        bank_title=instrument.bank_title,
        profile_name=instrument.profile_name,
        preamble=texts.get("preamble", ""),
        instructions=texts.get("instructions", ""),
        confidentiality=texts.get("confidentiality", ""),
        return_text=texts.get("return", ""),
        thanks=texts.get("thanks", ""),
        ui=ui,
        scale=instrument.scale.codes,
        scale_name=instrument.scale.name,
        stages=tuple(StageView(s.id, s.name, s.definition) for s in instrument.stages),
        areas=tuple(areas),
        tier1_heading=ui["part1"].format(stages=stage_name[gate]),
        tier2_heading=ui["part2"].format(stages=ui["list_sep"].join(s.name for s in others)),
        nojs_skip=ui["nojs_skip"].format(gate=gate_q, others=others_q, rule=general_rule),
        js_intro=ui["js_intro"].format(gate=gate_q, others=others_q, rule=general_rule),
        config_json=script_json(config),
        css=Markup(css),
        js=Markup(js),
        csp=csp,
    )


def render_html(instrument: Instrument) -> str:
    ctx = context(instrument)
    return _environment(str(TEMPLATES)).get_template(TEMPLATE).render(ctx=ctx)


def render(instrument: Instrument, settings: RenderSettings) -> dict[str, bytes]:
    """``{"questionnaire.html": bytes}``; ``settings`` (paper, font) do not apply to HTML."""
    return {"questionnaire.html": render_html(instrument).encode("utf-8")}
