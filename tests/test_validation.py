"""One error test per validation rule: exact message, exit code, and out/ untouched.

Each case edits the small valid bank (tests/data/mini_bank.yaml) or profile in one
place, runs the real command line on it, and checks what the author would read.
"""

from __future__ import annotations

from pathlib import Path

import re
import pytest
from click.testing import CliRunner

from build import cli

DATA = Path(__file__).parent / "data"
BANK = (DATA / "mini_bank.yaml").read_text(encoding="utf-8")
PROFILE = (DATA / "mini_profile.yaml").read_text(encoding="utf-8")


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"test setup: {old!r} not in the file"
    return text.replace(old, new, 1)


BANK_CASES = {
    "YAML_001": (edit(BANK, "version: 0.1.0", "version: 0.1.0\n  bad: [1"),
                 "bank.yaml:3:6: YAML syntax error: mapping values are not allowed here [YAML_001]"),
    "YAML_001-flow": (edit(BANK, "'每個{project}都界定範疇。'", "每個{project}都界定範疇。"),
                      "bank.yaml:50:20: YAML syntax error: while parsing a flow mapping, expected "
                      "',' or '}', but got '{'; a text with {placeholders} inside { ... } must be "
                      "quoted, e.g. {en: 'Develop {project:title} Charter'}, or written one key "
                      "per line [YAML_001]"),
    "YAML_002": (edit(BANK, "id: mini\n", "id: mini\nid: other\n"),
                 "bank.yaml:2:1: duplicate key 'id' (first defined at line 1) [YAML_002]"),
    "YAML_003": (edit(BANK, "title: {zh-TW: 迷你題庫, en: Mini bank}",
                      "title: &t {zh-TW: 迷你題庫, en: Mini bank}\nsource: *t"),
                 "bank.yaml:4:8: YAML anchors and aliases (&name, *name, <<) are not allowed "
                 "[YAML_003]"),
    "YAML_004": (edit(BANK, "id: mini\n", "id: !!python/object:os.system mini\n"),
                 "bank.yaml:1:5: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not "
                 "allowed [YAML_004]"),
    "SCHEMA_001-unknown-key": (
        edit(BANK, "    glossary: {zh-TW: 界定範疇。", "    glosary: {zh-TW: 界定範疇。"),
        "bank.yaml:48:5: unknown key 'glosary' in practices/#2 (did you mean 'glossary'?) "
        "[SCHEMA_001]"),
    "SCHEMA_001-number": (edit(BANK, "version: 0.1.0", "version: 1.0"),
                          "bank.yaml:2:10: version: expected string, got float 1.0 (put the value "
                          "in quotes) [SCHEMA_001]"),
    "BANK_001": (edit(BANK, "  - id: SCO01", "  - id: INT01"),
                 "bank.yaml:43:9: duplicate practice id 'INT01' (first defined at line 34) "
                 "[BANK_001]"),
    "BANK_002": (edit(BANK, "  - id: SCO01", "  - id: SCO0123456789012345678901234567"),
                 "bank.yaml:50:7: item id 'SCO0123456789012345678901234567_S' is not a valid "
                 "variable name for SPSS, Stata and R [BANK_002]"),
    "BANK_003": (edit(BANK, "glossary: {zh-TW: 界定範疇。, en: Set the scope.}",
                      "glossary: {zh-TW: 界定範疇。}"),
                 "bank.yaml:48:15: missing en text [BANK_003]"),
    "BANK_004": (edit(BANK, "每個{project}都界定範疇", "每個{projet}都界定範疇"),
                 "bank.yaml:50:20: unknown placeholder '{projet}' (did you mean 'project'?) "
                 "[BANK_004]"),
    "BANK_005": (edit(BANK, "  organisation: who answers", "  organisation: who answers\n"
                                                            "  sponsor: who asks"),
                 "bank.yaml:8:3: placeholder 'sponsor' is declared but never used [BANK_005]"),
    "BANK_006": (edit(BANK, "    area: SCO", "    area: SCP"),
                 "bank.yaml:45:11: unknown area 'SCP' (did you mean 'SCO'?) [BANK_006]"),
    "BANK_007": (edit(BANK, "      M: {zh-TW: 會量測範疇。, en: Scope is measured.}\n", ""),
                 "bank.yaml:50:7: SCO01: practice SCO01 has no stem for stage M [BANK_007]"),
    "BANK_008": (edit(BANK, "- {code: 9, label", "- {code: 5, label"),
                 "bank.yaml:26:16: scale 'agree5': code 5 appears twice [BANK_008]"),
    "BANK_008-one-code": (edit(BANK, "- {code: 5, label: {zh-TW: 同意, en: Agree}}",
                               "- {code: 5, label: {zh-TW: 同意, en: Agree}, missing: true}"),
                          "bank.yaml:21:5: scale 'agree5': fewer than two substantive "
                          "(non-missing) codes [BANK_008]"),
    "BANK_009": (edit(BANK, "每個{project}都界定範疇", "每個{project都界定範疇"),
                 "bank.yaml:50:20: malformed placeholder in text: expected '}' before end of "
                 "string [BANK_009]"),
    "BANK_010": (edit(BANK, "    threshold: {agree5: 3}", "    threshold: {agree4: 3}"),
                 "bank.yaml:28:5: rule 'mean': no threshold for scale 'agree5' [BANK_010]"),
    "BANK_011": (edit(BANK, "en: Set the scope.}", "en: Set the scope., ja: 範囲。}"),
                 "bank.yaml:48:50: language 'ja' is not declared by the bank [BANK_011]"),
}

PROFILE_CASES = {
    "PROFILE_001": (edit(PROFILE, "  organisation: {zh-TW: 主責機關, en: lead agency}\n", ""),
                    "profile.yaml:4:1: profile does not define placeholder 'organisation', which "
                    "bank 'mini' uses [PROFILE_001]"),
    "PROFILE_002": (edit(PROFILE, "  organisation: {zh-TW: 主責機關, en: lead agency}\n",
                         "  organisation: {zh-TW: 主責機關, en: lead agency}\n"
                         "  projet: {zh-TW: 承辦人, en: case officer}\n"),
                    "profile.yaml:7:3: term 'projet' is never used by bank 'mini' (did you mean "
                    "'project'?) [PROFILE_002]"),
    "PROFILE_003": (edit(PROFILE, "project: {zh-TW: 錄案, en: PB case}", "project: {zh-TW: 錄案}"),
                    "profile.yaml:5:12: missing en text [PROFILE_003]"),
    "PROFILE_005": (edit(PROFILE, "project: {zh-TW: 錄案, en: PB case}",
                         "project: {zh-TW: '錄{案}', en: PB case}"),
                    "profile.yaml:5:20: term 'project' must not contain braces [PROFILE_005]"),
    "PROFILE_006": (edit(PROFILE, "preamble: {zh-TW: 敬愛的承辦人您好。",
                         "preamble: {zh-TW: '敬愛的{projetc}您好。'"),
                    "profile.yaml:10:24: unknown placeholder '{projetc}' (did you mean 'project'?) "
                    "[PROFILE_006]"),
}


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A folder with the valid mini bank and an out/ holding an earlier result."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mini_bank.yaml").write_text(BANK, encoding="utf-8")
    earlier = tmp_path / "out" / "mini" / "minipb-en"
    earlier.mkdir(parents=True)
    (earlier / "manifest.json").write_text("earlier result", encoding="utf-8")
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def first_problem(output: str) -> str:
    lines = output.splitlines()
    assert lines[0].startswith("Error: "), output
    return lines[1]


@pytest.mark.parametrize("case", sorted(BANK_CASES))
def test_bank_error(case, workdir):
    text, expected = BANK_CASES[case]
    (workdir / "bank.yaml").write_text(text, encoding="utf-8")
    before = snapshot(workdir / "out")
    runner = CliRunner()

    result = runner.invoke(cli, ["validate", "bank.yaml"])
    assert result.exit_code == 1, result.output
    assert first_problem(result.output) == expected
    assert "    fix: " in result.output

    result = runner.invoke(cli, ["build", "--bank", "bank.yaml", "--profile", str(DATA / "mini_profile.yaml"),
                                 "--format", "codebook"])
    assert result.exit_code == 1
    assert first_problem(result.output) == expected
    assert snapshot(workdir / "out") == before


@pytest.mark.parametrize("case", sorted(PROFILE_CASES))
def test_profile_error(case, workdir):
    text, expected = PROFILE_CASES[case]
    (workdir / "profile.yaml").write_text(text, encoding="utf-8")
    before = snapshot(workdir / "out")
    runner = CliRunner()
    result = runner.invoke(cli, ["validate", "profile.yaml", "--bank", "mini_bank.yaml"])
    assert result.exit_code == 1, result.output
    assert first_problem(result.output) == expected

    result = runner.invoke(cli, ["build", "--bank", "mini_bank.yaml", "--profile", "profile.yaml"])
    assert result.exit_code == 1
    assert first_problem(result.output) == expected
    assert snapshot(workdir / "out") == before


def test_scale_words_are_known_in_the_texts_only(workdir):
    """{lowest}, {not_applicable} and {dont_know} name codes of the form's scale in the
    profile's texts; anywhere else they are unknown placeholders."""
    good = edit(PROFILE, "instructions: {zh-TW: 請勾選。", "instructions: {zh-TW: '請勾選「{lowest}」。'")
    (workdir / "profile.yaml").write_text(good, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "profile.yaml", "--bank", "mini_bank.yaml"])
    assert result.exit_code == 0, result.output

    bad = edit(PROFILE, "name: {zh-TW: 參與式預算, en: PB}", "name: {zh-TW: '參與式預算{lowest}', en: PB}")
    (workdir / "profile.yaml").write_text(bad, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "profile.yaml", "--bank", "mini_bank.yaml"])
    assert result.exit_code == 1
    assert "unknown placeholder '{lowest}'" in first_problem(result.output)
    assert first_problem(result.output).endswith("[PROFILE_006]")


def test_every_problem_is_reported_in_one_pass(workdir):
    text = edit(edit(BANK, "    area: SCO", "    area: SCP"), "每個{project}", "每個{projet}")
    (workdir / "bank.yaml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "bank.yaml"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: 2 problems found; nothing was written.\n")
    assert "[BANK_006]" in result.output and "[BANK_004]" in result.output


def test_unknown_profile_name_suggests(workdir):
    result = CliRunner().invoke(cli, ["build", "--profile", "smartcty"])
    assert result.exit_code == 1
    assert first_problem(result.output) == (
        "command line: unknown profile 'smartcty' (did you mean 'smartcity'?) [PROFILE_004]")


def test_unknown_option_values(workdir):
    result = CliRunner().invoke(cli, ["build", "--scale", "agree7"])
    assert result.exit_code == 1
    assert first_problem(result.output) == (
        "command line: unknown scale 'agree7' (did you mean 'agree5'?) [BUILD_002]")
    result = CliRunner().invoke(cli, ["build", "--lang", "fr"])
    assert result.exit_code == 1
    assert "language 'fr' is not declared by the bank [BANK_011]" in result.output


def test_not_utf8(workdir):
    (workdir / "bank.yaml").write_bytes(BANK.encode("utf-8").replace("迷你題庫".encode(), "迷你題庫".encode("cp950")))
    result = CliRunner().invoke(cli, ["validate", "bank.yaml"])
    assert result.exit_code == 1
    assert first_problem(result.output) == (
        "bank.yaml:4: the file is not valid UTF-8 (byte 0xb0 at offset 62) [YAML_007]")


def test_alias_bomb_is_refused_quickly(workdir):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(20))
    (workdir / "bank.yaml").write_text("practices:\n" + bomb, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "bank.yaml"])
    assert result.exit_code == 1
    assert "[YAML_003]" in result.output


def test_deep_nesting_is_refused(workdir):
    (workdir / "bank.yaml").write_text("practices: " + "[" * 5000 + "]" * 5000 + "\n",
                                       encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "bank.yaml"])
    assert result.exit_code == 1
    assert "nesting depth exceeds the limit of 40 levels [YAML_005]" in result.output


def test_bundled_files_validate():
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 0, result.output
    assert re.search(r"bank pmbok6 \d+\.\d+\.\d+, 49 practices, 196 stems, languages zh-TW, en",
                     result.output)
    assert result.output.count("ok  ") == 5  # two banks, three profiles
