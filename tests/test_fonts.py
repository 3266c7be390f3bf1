"""The font finder: Debian's AR PL UMing TW by default; the standard font folders of
Windows and macOS (fake layouts of real font files); CFF outlines and fonts without
Traditional Chinese glyphs passed over with a note, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from build import cli
from instrument import fonts
from instrument.errors import InstrumentError

UMING = Path("/usr/share/fonts/truetype/arphic/uming.ttc")  # scripts/install.sh installs it
CFF = sorted(Path("/usr/share/fonts/opentype/cantarell").glob("*.otf"))  # install.sh --test
VERA = Path(__import__("reportlab").__file__).parent / "fonts" / "Vera.ttf"  # no CJK glyphs


@pytest.fixture(scope="module")
def cff() -> Path:
    assert CFF, "bash scripts/install.sh --test installs fonts-cantarell (CFF outlines)"
    return CFF[0]


def place(target: Path, source: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(source)
    return target


def test_default_is_ar_pl_uming_tw():
    font = fonts.find()
    assert (font.path, font.family, font.notes) == (UMING, "AR PL UMing TW", ())
    assert str(font) == f"AR PL UMing TW ({UMING})"


def test_windows_system_then_per_user_folder(tmp_path):
    windir = tmp_path / "Windows"
    local = tmp_path / "Users/chen/AppData/Local"
    place(windir / "Fonts" / "MINGLIU.TTC", UMING)  # Windows names are case-insensitive
    place(windir / "Fonts" / "kaiu.ttf", UMING)
    place(local / "Microsoft/Windows/Fonts/msjh.ttc", UMING)
    env = {"WINDIR": str(windir), "LOCALAPPDATA": str(local)}
    found = fonts.candidates(env=env, home=tmp_path / "home", root=tmp_path)
    assert found == [(windir / "Fonts" / "MINGLIU.TTC", "MingLiU"),
                     (windir / "Fonts" / "kaiu.ttf", "DFKai-SB"),
                     (local / "Microsoft/Windows/Fonts/msjh.ttc", "Microsoft JhengHei")]
    font = fonts.search(found)  # no MingLiU face in this stand-in: its TW face is taken
    assert (font.path.name, font.family, font.notes) == ("MINGLIU.TTC", "AR PL UMing TW", ())
    only_user = fonts.candidates(env={"LOCALAPPDATA": str(local)}, home=tmp_path, root=tmp_path)
    assert [p.name for p, _ in only_user] == ["msjh.ttc"]


def test_macos_cff_and_latin_fonts_are_passed_over_with_a_note(tmp_path, cff):
    home = tmp_path / "Users/chen"
    pingfang = place(tmp_path / "System/Library/Fonts/PingFang.ttc", cff)
    arial = place(tmp_path / "Library/Fonts/Arial Unicode.ttf", VERA)
    songti = place(home / "Library/Fonts/Songti.ttc", UMING)
    found = fonts.candidates(env={}, home=home, root=tmp_path)
    assert found == [(pingfang, "PingFang TC"), (arial, ""), (songti, "Songti TC")]
    font = fonts.search(found)
    assert font.path == songti and font.family == "AR PL UMing TW"
    assert font.notes == (
        f"{pingfang} (CFF (PostScript) outlines, which reportlab cannot embed)",
        f"{arial} (no glyph for 專案管理成熟度錄案承辦人)")


def test_supplemental_folder_of_recent_macos(tmp_path):
    songti = place(tmp_path / "System/Library/Fonts/Supplemental/Songti.ttc", UMING)
    assert fonts.candidates(env={}, home=tmp_path, root=tmp_path) == [(songti, "Songti TC")]


def test_nothing_usable_lists_what_was_passed_over(tmp_path, cff):
    pingfang = place(tmp_path / "System/Library/Fonts/PingFang.ttc", cff)
    with pytest.raises(InstrumentError) as err:
        fonts.search(fonts.candidates(env={}, home=tmp_path, root=tmp_path))
    assert str(err.value) == (
        f"font: no TrueType CJK font found; passed over: {pingfang} (CFF (PostScript) outlines, "
        "which reportlab cannot embed) [BUILD_004]\n"
        "    fix: install Debian's fonts-arphic-uming (bash scripts/install.sh does it), or pass "
        "--font PATH to a .ttf/.ttc font with Traditional Chinese glyphs (Windows: "
        "C:/Windows/Fonts/mingliu.ttc; macOS: /System/Library/Fonts/Supplemental/Songti.ttc)")
    with pytest.raises(InstrumentError) as err:
        fonts.search([])
    assert err.value.problems[0].message == "no TrueType CJK font found"


def test_debian_folders_come_first(tmp_path):
    uming = place(tmp_path / "usr/share/fonts/truetype/arphic/uming.ttc", UMING)
    place(tmp_path / "Windows/Fonts/mingliu.ttc", UMING)
    found = fonts.candidates(env={"WINDIR": str(tmp_path / "Windows")}, home=tmp_path,
                             root=tmp_path)
    assert found[0] == (uming, "AR PL UMing TW") and len(found) == 2


def test_build_names_the_embedded_font(tmp_path):
    result = CliRunner().invoke(cli, ["build", "--bank", "pmbok6", "--profile", "pb", "--lang",
                                      "zh-TW", "--format", "pdf", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("built 1 instrument (5 files)")  # 2 PDFs, their geometry
    assert lines[1] == f"font: AR PL UMing TW ({UMING}) embedded in the PDFs"
    result = CliRunner().invoke(cli, ["build", "--profile", "pb", "--format", "html", "--out",
                                      str(tmp_path / "html")])
    assert "font:" not in result.stdout  # no PDF, no font


def test_a_cff_font_given_with_font_is_a_located_error(tmp_path, cff):
    before = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", "--profile", "pb", "--lang", "zh-TW", "--format",
                                      "pdf", "--out", str(before), "--font", str(cff)])
    assert result.exit_code == 1
    assert result.output == (
        "Error: 1 problem found; nothing was written.\n"
        f"{cff}: font problem: CFF (PostScript) outlines, which reportlab cannot embed "
        "[BUILD_005]\n"
        "    fix: pass --font PATH to a TrueType (.ttf/.ttc with glyf outlines) CJK font; "
        "OpenType/CFF fonts such as Noto CJK cannot be embedded by reportlab\n")
    assert not before.exists()


def test_a_latin_font_given_with_font_lacks_the_glyphs(tmp_path):
    copy = shutil.copy(VERA, tmp_path / "Vera.ttf")
    with pytest.raises(InstrumentError) as err:
        fonts.find(str(copy))
    assert err.value.problems[0].message == "font problem: no glyph for 專案管理成熟度錄案承辦人"
