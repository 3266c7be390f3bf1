"""Reports of a scoring run: HTML (self-contained, escaped), PDF (fonts embedded, CJK text),
SPSS .sav and Stata .dta (labels read back with pyreadstat)."""

from __future__ import annotations

import dataclasses
import io
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from instrument.errors import Location, Problem
from scoring.export_stats import DTA_VARIABLE_LABEL_CHARS, SAV_VARIABLE_LABEL_BYTES, truncate
from scoring.methods import compute
from scoring.report_view import build_view, short_labels
from scoring.reports import FILES, ReportSettings, render
from scoring.responses import Responses
from scoring.scores import Scores

PB = "臺北市參與式預算（教育局）"
SC = "智慧城市專案辦公室"
EVIL = '<script>alert(1)</script>"onmouseover=alert(2) x="'
ORGS = (PB, SC, "Parks & Lighting Office")


# --------------------------------------------------------------------------- fixtures
def make_responses(instrument, orgs=ORGS, per_org=4, seed=7) -> Responses:
    """``per_org`` respondents per organisation: codes 1-5, a few 8 (no such practice), 9
    (don't know) and blanks; background answers drawn from each question's choices."""
    rng = np.random.default_rng(seed)
    n = per_org * len(orgs)
    base = np.repeat(np.arange(len(orgs)), per_org)  # organisations differ in level
    values = np.clip(rng.integers(1, 6, (n, len(instrument.items))) + base[:, None] - 1, 1, 5)
    values = values.astype(float)
    values[rng.random(values.shape) < 0.03] = 8
    values[rng.random(values.shape) < 0.05] = 9
    values[rng.random(values.shape) < 0.05] = np.nan
    background = {q.id: (rng.choice([c.code for c in q.choices], n).astype(float)
                         if q.kind == "single" else rng.integers(0, 20, n).astype(float))
                  for q in instrument.background}
    return Responses(
        instrument=instrument,
        respondent_id=np.array([f"R{k:03d}" for k in range(1, n + 1)], dtype=object),
        organisation=np.array([orgs[k] for k in base], dtype=object),
        wave=np.array(["1"] * n, dtype=object),
        values=values,
        source_file=np.array(["returns/pb.csv"] * per_org * 2 + ["returns/smartcity.csv"]
                             * (n - per_org * 2), dtype=object),
        source_row=np.arange(2, n + 2),
        background=background,
    )


def make_scores(instrument, orgs=ORGS, overrides=None, warnings=None) -> Scores:
    """Scored by engineer B's ``compute`` (staged), with ``warnings`` as the reader's."""
    scores = compute(make_responses(instrument, orgs), "staged", None, overrides)
    return dataclasses.replace(scores, warnings=list(warnings or []))


@pytest.fixture(scope="module")
def scores(instrument):
    warning = Problem("CSV_020", Location("returns/pb.csv", 5), "straight-lining: every answer is 3",
                      "check the paper form", subject="R004", severity="warning")
    return make_scores(instrument, warnings=[warning])


@pytest.fixture(scope="module")
def files(scores):
    return render(scores, ReportSettings())


@pytest.fixture(scope="module")
def files_en(scores):
    return render(scores, ReportSettings(language="en"))


# --------------------------------------------------------------------------- HTML
class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.csp: str | None = None
        self.scripts = 0
        self.event_handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [v for k, v in attrs.items() if k in ("src", "href", "action") and v]
        self.event_handlers += [k for k in attrs if k.startswith("on")]
        if tag == "script":
            self.scripts += 1
        if tag == "meta" and attrs.get("http-equiv", "").lower() == "content-security-policy":
            self.csp = attrs["content"]


def test_render_returns_every_file(files):
    assert sorted(files) == sorted(FILES)
    assert all(isinstance(v, bytes) and v for v in files.values())


@pytest.mark.parametrize("which", ["files", "files_en"])
def test_html_is_self_contained(which, request):
    html = request.getfixturevalue(which)["report.html"].decode("utf-8")
    parser = _Links()
    parser.feed(html)
    assert parser.csp is not None
    assert "default-src 'none'" in parser.csp and "connect-src 'none'" in parser.csp
    assert all(u.startswith("#") for u in parser.urls), parser.urls
    assert parser.scripts == 0
    assert not re.search(r"https?://", html)
    assert "<style>" in html and "@import" not in html


def test_html_overview_has_every_organisation_and_area(files, scores):
    html = files["report.html"].decode("utf-8")
    overview = html[html.index('id="overview"'):html.index("</figure>", html.index('id="overview"'))]
    for org in ORGS:
        assert org.replace("&", "&amp;") in overview
    for area in scores.instrument.areas:
        assert area.name in overview
    # one level per organisation x area, coloured by its class
    assert len(re.findall(r'<td class="shade\d"', overview)) == len(ORGS) * len(scores.instrument.areas)


def test_html_escapes_organisation_names(instrument):
    scores = make_scores(instrument, orgs=(PB, EVIL))
    html = render(scores, ReportSettings())["report.html"].decode("utf-8")
    assert "<script" not in html
    assert '"onmouseover' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;onmouseover=alert(2)" in html
    parser = _Links()
    parser.feed(html)
    assert parser.event_handlers == [] and parser.scripts == 0


def test_html_states_method_overrides_and_warnings(instrument):
    plain = render(make_scores(instrument), ReportSettings(language="en"))["report.html"].decode()
    assert "nothing was overridden on the command line" in plain
    scores = make_scores(instrument, overrides={"threshold": 4.0})
    html = render(scores, ReportSettings(language="en"))["report.html"].decode("utf-8")
    assert "Overridden on the command line" in html
    assert "threshold = 4.0 (3.5)" in html


def test_html_lists_warnings(files):
    html = files["report.html"].decode("utf-8")
    assert "returns/pb.csv:5: R004" in html and "[CSV_020]" in html
    assert "straight-lining" in html


def test_html_heat_map_has_every_practice_and_stage(files, scores):
    html = files["report.html"].decode("utf-8")
    heat = html[html.index('id="heatmap-1"'):]
    heat = heat[:heat.index("</figure>")]
    n = len(scores.instrument.practices)
    k = len(scores.instrument.stages)
    assert len(re.findall(r'<td class="shade\d"', heat)) == n * k * len(ORGS)
    for p in scores.instrument.practices:
        assert p.name in heat


def test_chrome_language(files, files_en):
    assert "總覽" in files["report.html"].decode()
    en = files_en["report.html"].decode()
    assert "Overview" in en and 'lang="en"' in en


# --------------------------------------------------------------------------- PDF
def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _pdf_fonts(data: bytes) -> dict[str, bool]:
    """base font name -> embedded, over every page and the fonts of its XObjects."""
    from pypdf import PdfReader

    found: dict[str, bool] = {}

    def walk(resources):
        if not resources:
            return
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            desc = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            desc = desc.get_object() if desc else {}
            found[str(font["/BaseFont"])] = any(k in desc for k in ("/FontFile", "/FontFile2",
                                                                     "/FontFile3"))
        for xobj in (resources.get("/XObject") or {}).values():
            walk(xobj.get_object().get("/Resources"))

    for page in PdfReader(io.BytesIO(data)).pages:
        walk(page.get("/Resources"))
    return found


@pytest.mark.parametrize("which", ["files", "files_en"])
def test_pdf_fonts_are_all_embedded(which, request):
    fonts = _pdf_fonts(request.getfixturevalue(which)["report.pdf"])
    assert fonts and all(fonts.values()), fonts


def test_pdf_text_has_organisations_and_chinese_area_names(files, scores):
    text = _pdf_text(files["report.pdf"])
    squashed = re.sub(r"\s+", "", text)
    for org in ORGS:
        assert re.sub(r"\s+", "", org) in squashed
    for area in scores.instrument.areas:
        assert area.name in squashed
    assert scores.instrument.id in text


def test_pdf_prints_markup_in_names_as_written(instrument):
    scores = make_scores(instrument, orgs=(PB, EVIL))
    text = re.sub(r"\s+", "", _pdf_text(render(scores, ReportSettings())["report.pdf"]))
    assert re.sub(r"\s+", "", EVIL) in text


def test_pdf_english_chrome_and_letter_paper(scores):
    from pypdf import PdfReader

    pdf = render(scores, ReportSettings(language="en", paper="letter"))["report.pdf"]
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    assert "Overview" in _pdf_text(pdf)


def test_pdf_is_deterministic(scores, files):
    assert render(scores, ReportSettings())["report.pdf"] == files["report.pdf"]


# --------------------------------------------------------------------------- SPSS / Stata
def _read(data: bytes, suffix: str, tmp_path, **kwargs):
    import pyreadstat

    path = tmp_path / f"r{suffix}"
    path.write_bytes(data)
    reader = pyreadstat.read_sav if suffix == ".sav" else pyreadstat.read_dta
    return reader(str(path), **kwargs)


def _cleaned(responses):
    """What 'cleaned responses' means: answers beyond a closed gate left out, as scored."""
    from scoring.methods import reached_answers

    _, not_reached = reached_answers(responses.instrument, responses.values,
                                     responses.asked_rows(slice(None)))
    return np.where(not_reached, np.nan, responses.values)


def test_sav_reads_back_with_labels(files, scores, tmp_path):
    inst = scores.instrument
    df, meta = _read(files["responses.sav"], ".sav", tmp_path, user_missing=True)
    assert list(df.columns) == ["respondent_id", "organisation", "wave", *inst.background_ids,
                                *inst.item_ids]
    # background answers with their labels: codes of single choices, numbers as numbers
    for q in inst.background:
        np.testing.assert_array_equal(df[q.id].to_numpy(dtype=float),
                                      scores.responses.answers(q.id).astype(float))
        assert labels_of(meta, q.id) == q.label
        if q.kind == "single":
            assert meta.variable_value_labels[q.id] == {float(c.code): c.label for c in q.choices}
    assert list(df["organisation"]) == list(scores.responses.organisation)
    cleaned = _cleaned(scores.responses)
    assert np.isnan(cleaned).sum() > np.isnan(scores.responses.values).sum()  # some gates closed
    np.testing.assert_array_equal(df[list(inst.item_ids)].to_numpy(), cleaned)
    labels = meta.column_names_to_labels
    first = inst.items[0]
    assert labels[first.id] == truncate(first.text, utf8_bytes=SAV_VARIABLE_LABEL_BYTES)
    assert all(len(v.encode()) <= SAV_VARIABLE_LABEL_BYTES for v in labels.values() if v)
    assert meta.variable_value_labels[first.id] == {float(c.code): c.label for c in inst.scale.codes}
    assert meta.missing_ranges[first.id] == [{"lo": 8.0, "hi": 8.0}, {"lo": 9.0, "hi": 9.0}]
    # without user_missing, SPSS's reading: both non-substantive codes are missing
    df2, _ = _read(files["responses.sav"], ".sav", tmp_path)
    assert not df2[list(inst.item_ids)].isin([8, 9]).any().any()


def test_dta_reads_back_with_labels_and_extended_missing(files, scores, tmp_path):
    inst = scores.instrument
    df, meta = _read(files["responses.dta"], ".dta", tmp_path, user_missing=True)
    assert list(df.columns) == ["respondent_id", "organisation", "wave", *inst.background_ids,
                                *inst.item_ids]
    cleaned = _cleaned(scores.responses)
    column = inst.item_ids[int(np.flatnonzero((cleaned == 9).any(axis=0))[0])]
    assert (cleaned == 9).sum() > 0 and (cleaned == 8).sum() > 0
    for k, item in enumerate(inst.item_ids):  # every cell: the cleaned answer, 8 as .a, 9 as .b
        got = df[item].to_numpy(dtype=object)
        want = cleaned[:, k]
        assert [g == "a" for g in got] == list(want == 8), item
        assert [g == "b" for g in got] == list(want == 9), item
        numbers = ~np.isnan(want) & (want != 9) & (want != 8)
        assert [float(g) for g in got[numbers]] == list(want[numbers]), item
        assert all(g is None or (isinstance(g, float) and np.isnan(g))
                   for g in got[np.isnan(want)]), item  # gated-out answers left out
    labels = meta.column_names_to_labels
    assert all(len(v) <= DTA_VARIABLE_LABEL_CHARS for v in labels.values() if v)
    assert labels[inst.items[0].id] == truncate(inst.items[0].text, chars=DTA_VARIABLE_LABEL_CHARS)
    value_labels = meta.variable_value_labels[column]
    assert value_labels["a"] == next(c.label for c in inst.scale.codes if c.code == 8)
    assert value_labels["b"] == next(c.label for c in inst.scale.codes if c.code == 9)
    assert value_labels[5] == next(c.label for c in inst.scale.codes if c.code == 5)


def labels_of(meta, column: str) -> str:
    return meta.column_names_to_labels[column]


def test_truncate_keeps_whole_characters_and_marks_the_cut():
    text = "專案" * 100
    cut = truncate(text, utf8_bytes=256)
    assert len(cut.encode()) <= 256 and cut.endswith("…") and text.startswith(cut[:-1])
    assert truncate("short", chars=80) == "short"
    assert len(truncate("x" * 100, chars=80)) == 80


# --------------------------------------------------------------------------- view
def test_short_labels(instruments):
    zh = instruments[("generic", "zh-TW")]
    en = instruments[("generic", "en")]
    assert short_labels([a.name for a in zh.areas])[:3] == ("整合", "範疇", "時程")
    assert short_labels([a.name for a in zh.areas])[-1] == "利害關係人"
    assert short_labels([a.name for a in en.areas])[:2] == ("Integration", "Scope")
    assert short_labels([g.name for g in en.groups])[3] == "Monitoring and Controlling"
    assert short_labels(["A", "A"]) == ("A", "A")  # nothing left to tell them apart


def test_view_levels_match_organisation_table(scores):
    view = build_view(scores, "en")
    org = scores.organisations
    for r, area in zip(view.overview.rows, scores.instrument.areas):
        for org_name, cell in zip(view.organisations, r.cells):
            row = org[(org.organisation == org_name) & (org.unit_type == "area")
                      & (org.unit == area.id)].iloc[0]
            if np.isnan(row.level_of_means):  # in words, never a number
                assert cell.text == view.text[row.status_of_means.replace("not rated",
                                                                          "not_rated")
                                              .replace("not applicable", "not_applicable")]
            else:
                assert cell.text == str(int(row.level_of_means))


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        return [s for f in dataclasses.fields(value) for s in _strings(getattr(value, f.name))]
    if isinstance(value, dict) or hasattr(value, "values") and not isinstance(value, tuple):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (tuple, list)):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.mark.parametrize("language", ["zh-TW", "en"])
def test_pdf_font_has_a_glyph_for_every_character(scores, language):
    """No tofu: every character the PDF can print (chrome, names, marks) is in the CJK font."""
    from reportlab.pdfbase import pdfmetrics

    from instrument import fonts

    face = pdfmetrics.getFont(fonts.register()).face
    text = "".join(_strings(build_view(scores, language)))
    missing = sorted({ch for ch in text if ord(ch) not in face.charToGlyph and ch not in "\n"})
    assert missing == []


def test_many_organisations_split_the_heat_map(instrument):
    orgs = tuple(f"機關{k:02d}" for k in range(1, 10))
    view = build_view(make_scores(instrument, orgs=orgs), "zh-TW")
    assert [len(t.column_groups) for t in view.heatmaps] == [4, 4, 1]
    assert view.comparison.keys[:3] == ("A", "B", "C") and len(set(view.comparison.keys)) == 9


def test_settings_reject_unknown_language_and_paper(scores):
    with pytest.raises(ValueError, match="report language 'fr'"):
        render(scores, ReportSettings(language="fr"))
    with pytest.raises(ValueError, match="paper 'A3'"):
        render(scores, ReportSettings(paper="A3"))


@pytest.mark.parametrize("method", ["opm3-binary", "coverage"])
def test_other_methods_render(instrument, method):
    scores = compute(make_responses(instrument), method, None)
    files = render(scores, ReportSettings(language="en"))
    html = files["report.html"].decode("utf-8")
    assert f"({method})" in html or method.capitalize() in html
    if method == "coverage":  # the thesis's classification beside each level
        assert re.search(r"<small>\([\d.]+\) (frequent|sparse)</small>", html)


def test_render_makes_only_the_files_asked_for(scores):
    assert list(render(scores, ReportSettings(), files=("report.html",))) == ["report.html"]
    with pytest.raises(ValueError, match="unknown report file 'report.docx'"):
        render(scores, ReportSettings(), files=("report.docx",))


# --------------------------------------------------------------------------- no value, in words
def _blanked(instrument, org=ORGS[0], area="COS") -> Scores:
    """One organisation leaves every stem of an area blank: its level and shares there are
    not rated (the minimum of answers is not met)."""
    responses = make_responses(instrument)
    columns = [k for k, i in enumerate(instrument.item_ids) if i.startswith(area)]
    rows = np.flatnonzero(responses.organisation == org)
    responses.values[np.ix_(rows, columns)] = np.nan
    return compute(responses, "staged", None)


def test_view_says_not_rated_in_words_everywhere(instrument):
    view = build_view(_blanked(instrument), "en")
    t = view.text
    cost = next(k for k, a in enumerate(instrument.areas) if a.id == "COS")
    j = view.organisations.index(ORGS[0])
    cell = view.overview.rows[cost].cells[j]
    assert (cell.text, cell.status, cell.shade) == (t["not_rated"], "not_rated", -1)
    assert view.overview.statuses == ("not_rated",)
    # the heat map: first-stage shares nobody could be rated on are marked not rated (the
    # HTML prints the word; the PDF's narrow cell a dash)
    k = len(instrument.stages)
    heat = [r.cells[j * k] for r in view.heatmaps[0].rows if r.code.startswith(f"{cost + 1}.")]
    assert heat and all((c.status, c.shade) == ("not_rated", -1) for c in heat)
    assert all(c.title.endswith(t["not_rated"]) for c in heat)
    # the charts carry the same word where they have no bar
    assert view.comparison.values[j][cost] is None
    assert view.comparison.words[j][cost] == t["not_rated"]
    assert view.profiles[j].words[0][cost] == t["not_rated"]


def test_level_chips_are_the_levels_alone(scores):
    view = build_view(scores, "zh-TW")
    k = len(scores.instrument.stages)
    assert [shade for shade, _ in view.level_chips] == [0, 1, 2, 3, 4][:k + 1]
    assert [line for _, line in view.level_chips] == list(view.level_legend[:k + 1])
    assert view.level_legend[-1] == view.text["status_note"]  # the PDF's legend keeps it


def test_html_no_value_is_a_word_with_its_legend_line(instrument):
    html = render(_blanked(instrument), ReportSettings(language="en"),
                  files=("report.html",))["report.html"].decode()
    def figure(figure_id: str) -> str:
        start = html.index(f'id="{figure_id}"')
        return html[start:html.index("</figure>", start)]

    overview = figure("overview")
    assert re.search(r'<td class="status" title="[^"]*">not rated</td>', overview)
    assert re.search(r'<td class="status" title="[^"]*">not rated</td>', figure("heatmap-1"))
    assert '<p class="note status-legend"><span class="status sample">not rated</span>' in overview
    # no bar, not even the mark of level 0, where there is no level
    assert ('<td class="track"><span class="value status">not rated</span></td>'
            in figure("comparison"))
    # one chip per level, none for the note on not rated / n/a
    assert len(re.findall(r'<span class="chip shade\d">', html)) == len(instrument.stages) + 1


def test_html_wide_tables_are_named_focusable_regions(files):
    html = files["report.html"].decode("utf-8")
    boxes = re.findall(r'<div class="scroll" id="([\w-]+)-scroll" role="region" tabindex="0" '
                       r'aria-labelledby="([\w-]+)">', html)
    tables = re.findall(r'<table class="data', html)
    assert len(boxes) == len(tables) >= 6
    for figure, label in boxes:
        assert label == f"{figure}-title" and f'id="{label}"' in html


# --------------------------------------------------------------------------- palette
_CVD = {  # Machado, Oliveira & Fernandes (2009), severity 1
    "protan": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
               (-0.003882, -0.048116, 1.051998)),
    "deutan": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
               (-0.011820, 0.042940, 0.968881)),
    "tritan": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
               (0.004733, 0.691367, 0.303900)),
}


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _shades() -> list[tuple[str, str]]:
    from scoring.report_html import STYLESHEET, TEMPLATES

    css = (TEMPLATES / STYLESHEET).read_text(encoding="utf-8")
    found = re.findall(r"\.shade(\d) \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6}); \}",
                       css)
    assert [k for k, _, _ in found] == [str(k) for k in range(5)]
    return [(fill, ink) for _, fill, ink in found]


def test_shades_read_at_aa_and_stay_ordered_for_every_colour_vision():
    """Each shade with its text reads at 4.5:1 or more (white on #2c7fb8 was 4.34:1), and
    the five shades get darker in order for normal, protan, deutan and tritan vision."""
    def luminance(linear):
        return float(np.clip(linear, 0, 1) @ (0.2126, 0.7152, 0.0722))

    for fill, ink in _shades():
        hi, lo = sorted((luminance(_linear(fill)), luminance(_linear(ink))), reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, (fill, ink)
    for matrix in (np.eye(3), *(np.array(m) for m in _CVD.values())):
        seen = [luminance(matrix @ _linear(fill)) for fill, _ in _shades()]
        assert all(a > b * 1.25 for a, b in zip(seen, seen[1:])), seen  # clearly darker


def test_pdf_numbers_the_levels_only_not_the_status_note(scores):
    """The level legend numbers 0..4; the note on "not rated" and "n/a" follows unnumbered
    (it once sat in a shaded row "5", which read as a fifth level)."""
    text = _pdf_text(render(scores, ReportSettings(language="en"))["report.pdf"])
    lines = [line.strip() for line in text.splitlines()]
    k = len(scores.instrument.stages)
    note = next(i for i, line in enumerate(lines) if line.startswith(("“not rated”", "5 “not rated”")))
    assert lines[note].startswith("“not rated”"), lines[note]
    assert not any(re.match(rf"{k + 1}\b", line) for line in lines[note - 3:note + 1])
