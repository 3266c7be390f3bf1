"""The README's first screen works as written (STYLE.md rule 16)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def first_screen_commands() -> list[str]:
    """The bash blocks of the README's first screen (before the first '---')."""
    head = README.split("\n---\n")[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", head, flags=re.S)]


def test_first_screen_has_the_two_commands():
    main, tests = first_screen_commands()
    assert main.startswith("bash scripts/install.sh && .venv/bin/python build.py")
    assert tests == "bash scripts/install.sh --test && .venv/bin/python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines(), ".ci/run must run exactly the README's test command"


def test_main_command_builds_and_scores_the_demo(tmp_path):
    """Run the main command after its install step, in a scratch folder shaped like a clone."""
    main, _ = first_screen_commands()
    command = main.split("&&", 1)[1].strip()  # the install step ran already (pytest runs)
    os.symlink(ROOT / "build.py", tmp_path / "build.py")
    os.symlink(ROOT / "scoring", tmp_path / "scoring")
    result = subprocess.run(command.replace(".venv/bin/python ", f"{sys.executable} "), shell=True,
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "built 12 instruments" in result.stdout
    assert re.search(r"scored \d+ respondents in \d+ organisations from 2 files", result.stdout)
    for path in ["out/pmbok6/pb-zh-TW/questionnaire.html", "out/pmbok6/pb-zh-TW/questionnaire.pdf",
                 "out/demo/report.html", "out/demo/report.pdf", "out/demo/respondents.csv"]:
        assert (tmp_path / path).stat().st_size > 0, path
    assert "Traceback" not in result.stderr
