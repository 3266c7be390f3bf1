"""The paper form's own wording. Texts that vary with the organisation (title,
preamble, instructions, ...) come from the profile through ``instrument.texts``."""

from __future__ import annotations

from typing import Mapping, Sequence

UI: dict[str, dict[str, str]] = {
    "zh-TW": {
        "instrument": "問卷代碼",
        "respondent_id": "受訪者編號",
        "organisation": "機關／單位",
        "filled_by_researcher": "（由研究者填寫）",
        "page": "第 {x} 頁，共 {y} 頁",
        "form_full": "紙本問卷（單一波次）",
        "form_wave1": "第一波問卷",
        "form_wave2": "第二波問卷",
        "n_items": "共 {n} 題",
        "continued": "（續）",
        "item_col": "題號",
        "stem_col": "題目",
        "stage_one": "第 {n} 階段：{name}（{id}）",
        "stage_many": "第 {range} 階段：{names}",
        "stage_ref": "第 {range} 階段",
        "name_id": "{name}（{id}）",
        "list_sep": "、",
        "or": "或",
        "quote": "「{}」",
        "h_instructions": "填答說明",
        "h_scale": "答題選項",
        "h_stages": "成熟度階段",
        "h_confidentiality": "資料保密",
        "h_return": "繳回方式",
        "mark_how": "請以黑色或藍色原子筆，在每題最符合實際情形的一個方格內打「X」。"
                    "若要更改，請將原方格完全塗黑，再於正確的方格內打「X」。",
        "mark_ok": "作答",
        "mark_changed": "更改（塗黑）",
        "note_full": "每個知識領域請先回答第 1 階段題目，再依該段結尾方框內的說明，"
                     "決定繼續回答本領域其餘題目或跳到下一個領域。",
        "note_wave1": "本表為兩波問卷中的第一波，只含各知識領域的「{stage}」題目。"
                      "研究者將依您的回答另寄第二份問卷，只含達到門檻之領域的其餘題目。",
        "note_wave2": "本表為第二波問卷，依您第一波問卷的回答產生，只含下列 {n} 個知識領域的"
                      "{names}題目：{areas}。",
        "end_full": "問卷到此結束，衷心感謝您的填答！請依第 1 頁的說明繳回。",
        "end_wave1": "第一波問卷到此結束，感謝您！研究者將依您的回答另寄第二份問卷，"
                     "只含達到門檻之知識領域的{names}題目；若沒有任何領域達到門檻，"
                     "就不需要再填第二份問卷。",
        "end_wave2": "第二波問卷到此結束，衷心感謝您的填答！請依第 1 頁的說明繳回。",
        "glossary": "附錄　名詞解釋",
        "glossary_intro": "依問卷順序，簡要說明每項作法的意義，供填答時參閱。",
        "route_count": "若上列 {n} 題中至少 {need} 題勾選{labels}，請繼續回答本領域{stages}題目；"
                       "否則請{skip}。",
        "route_count_min": "請數出上列 {n} 題中勾選 {valid} 的題數{not_counted}。不到 {min} 題：請{skip}。\n"
                           "{min} 題以上：若至少 {need} 題勾選{labels}，請繼續回答本領域{stages}"
                           "題目；否則請{skip}。",
        "route_mean": "請數出上列 {n} 題中勾選 {valid} 的題數{not_counted}。不到 {min} 題：請{skip}。\n"
                      "{min} 題以上：將這些題目勾選的數字相加；總和達到下表中該題數對應的數字"
                      "（平均 {threshold} 分以上），請繼續回答本領域{stages}題目，否則請{skip}。",
        "route_mean_any": "請數出上列 {n} 題中勾選 {valid} 的題數{not_counted}，並將這些題目勾選的"
                          "數字相加；總和達到下表中該題數對應的數字（平均 {threshold} 分以上），"
                          "請繼續回答本領域{stages}題目，否則請{skip}。",
        "not_counted": "（{codes}與未作答不算）",
        "not_counted_blank": "（未作答不算）",
        "route_answered": "作答題數",
        "route_total": "總和至少",
        "skip_next": "跳到下一個領域",
        "skip_end": "跳到問卷結尾",
        "code_label": "{code}＝{label}",
        "minutes": "約 {n} 分鐘",
        "minutes_range": "約 {low}–{high} 分鐘",
        "not_scored": "不列入計分",
        "not_scored_codes": "下列代碼不列入計分，也不算作答題數：",
        "h_background": "基本資料",
        "background_intro": "以下問題僅供統計分析之用，不列入計分。請在適合的方格內打「X」，"
                            "或在格內填入數字。",
        "number_range": "{low}–{high}",
        "number_min": "{low} 以上",
        "number_max": "{high} 以下",
        "hint": "（{text}）",
        "hint_sep": "；",
        "na_area": "本領域不適用，未列入本問卷：",
        "na_item": "{code} {name}（不適用，未列入本問卷）：{reason}",
        "na_sep": "",
    },
    "en": {
        "instrument": "Instrument",
        "respondent_id": "Respondent ID",
        "organisation": "Organisation",
        "filled_by_researcher": "(filled in by the researcher)",
        "page": "Page {x} of {y}",
        "form_full": "Paper questionnaire (single wave)",
        "form_wave1": "Wave 1 questionnaire",
        "form_wave2": "Wave 2 questionnaire",
        "n_items": "{n} statements",
        "continued": " (continued)",
        "item_col": "Item",
        "stem_col": "Statement",
        "stage_one": "Stage {n}: {name} ({id})",
        "stage_many": "Stages {range}: {names}",
        "stage_ref": "stage {range}",
        "name_id": "{name} ({id})",
        "list_sep": ", ",
        "or": " or ",
        "quote": "\u201c{}\u201d",
        "h_instructions": "How to answer",
        "h_scale": "Answer codes",
        "h_stages": "Stages of maturity",
        "h_confidentiality": "Confidentiality",
        "h_return": "Returning the form",
        "mark_how": "With a black or blue pen, put a cross (X) in the one box per statement that "
                    "best describes what actually happens. To change an answer, fill the wrong "
                    "box in completely and cross the right one.",
        "mark_ok": "answer",
        "mark_changed": "changed (filled in)",
        "note_full": "In each knowledge area, answer the stage 1 statements first; the box at "
                     "their end tells you whether to go on to the area's other statements or to "
                     "skip to the next area.",
        "note_wave1": "This is the first of two forms: it holds only the {stage} statements of "
                      "each knowledge area. From your answers the researcher will send you a "
                      "second form with the other statements of the areas that reach the "
                      "threshold.",
        "note_wave2": "This second form was made from your answers to the first one. It holds "
                      "the {names} statements of these {n} knowledge areas: {areas}.",
        "end_full": "This is the end of the questionnaire. Thank you very much! Please return "
                    "it as described on page 1.",
        "end_wave1": "This is the end of the first form. Thank you! A second form will follow "
                     "with the {names} statements of the knowledge areas that reach the "
                     "threshold; if no area does, there is no second form.",
        "end_wave2": "This is the end of the second form. Thank you very much! Please return "
                     "it as described on page 1.",
        "glossary": "Appendix: Glossary",
        "glossary_intro": "A short explanation of each practice, in the order of the "
                          "questionnaire, to read whenever you need it.",
        "route_count": "If at least {need} of the {n} statements above are marked {labels}, go "
                       "on to this area's {stages} statements. Otherwise {skip}.",
        "route_count_min": "Count the statements above that you marked {valid}{not_counted}. "
                           "Fewer than {min}: {skip}.\n"
                           "{min} or more: if at least {need} are marked {labels}, go on to this "
                           "area's {stages} statements; otherwise {skip}.",
        "route_mean": "Count the statements above that you marked {valid}{not_counted}. Fewer "
                      "than {min}: {skip}.\n"
                      "{min} or more: add up the codes you marked for them. If the total is at "
                      "least the number below for that count (an average of {threshold} or "
                      "more), go on to this area's {stages} statements; otherwise {skip}.",
        "route_mean_any": "Count the statements above that you marked {valid}{not_counted} and "
                          "add up the codes you marked for them. If the total is at least the "
                          "number below for that count (an average of {threshold} or more), go "
                          "on to this area's {stages} statements; otherwise {skip}.",
        "not_counted": " ({codes} and blanks do not count)",
        "not_counted_blank": " (blanks do not count)",
        "route_answered": "Statements answered",
        "route_total": "Total at least",
        "skip_next": "skip to the next knowledge area",
        "skip_end": "skip to the end of the questionnaire",
        "code_label": "{code} = {label}",
        "minutes": "about {n} minutes",
        "minutes_range": "about {low}\u2013{high} minutes",
        "not_scored": "Not scored",
        "not_scored_codes": "These codes are not scored and do not count as answers:",
        "h_background": "About you",
        "background_intro": "These questions are for the analysis only and are not scored. "
                            "Cross the box that fits, or write a number in the boxes.",
        "number_range": "{low}\u2013{high}",
        "number_min": "{low} or more",
        "number_max": "up to {high}",
        "hint": " ({text})",
        "hint_sep": "; ",
        "na_area": "Not applicable here, so not asked: ",
        "na_item": "{code} {name} (not applicable, so not asked): {reason}",
        "na_sep": " ",
    },
}


def words(language: str) -> dict[str, str]:
    """Wording for a language: exact, then by prefix (zh-Hant -> zh-TW), else English."""
    if language in UI:
        return UI[language]
    prefix = language.split("-")[0]
    return next((v for k, v in UI.items() if k.split("-")[0] == prefix), UI["en"])


def join(items: Sequence[str], ui: Mapping[str, str]) -> str:
    """'A', 'A or B', 'A, B or C' in the form's language."""
    if len(items) <= 1:
        return "".join(items)
    return ui["list_sep"].join(items[:-1]) + ui["or"] + items[-1]


def stage_range(numbers: Sequence[int], ui: Mapping[str, str]) -> str:
    """'2–4' for consecutive stage numbers, else '2、4'."""
    if len(numbers) > 1 and list(numbers) == list(range(numbers[0], numbers[-1] + 1)):
        return f"{numbers[0]}\u2013{numbers[-1]}"
    return ui["list_sep"].join(map(str, numbers))


def code_range(codes: Sequence[int], ui: Mapping[str, str]) -> str:
    """'1–5' for a run of three or more codes, else '0 or 1'."""
    ordered = sorted(codes)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}\u2013{ordered[-1]}"
    return join([str(c) for c in ordered], ui)
