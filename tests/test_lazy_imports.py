"""A command imports what it needs when it needs it (issue 17): starting the scorer's
command line (``--help``, a usage error, ``demo --where``) loads neither pandas nor the
report libraries, which cost 0.4 s of a 60-respondent run's start-up."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "pyarrow", "reportlab", "jinja2", "pyreadstat")


def _loaded(code: str) -> list[str]:
    probe = (f"{code}\nimport sys\n"
             f"print('loaded:', *(m for m in {HEAVY!r} if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    return done.stdout.splitlines()[-1].split()[1:]


def test_the_command_line_starts_without_pandas_or_the_report_libraries():
    assert _loaded("import scoring.cli") == []


def test_help_and_demo_where_run_without_them():
    code = ("from scoring import cli\n"
            "for args in (['--help'], ['score', '--help'], ['demo', '--where']):\n"
            "    try:\n"
            "        cli.cli(args, standalone_mode=False)\n"
            "    except SystemExit:\n"
            "        pass")
    assert _loaded(code) == []
