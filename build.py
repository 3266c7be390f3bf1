#!/usr/bin/env python3
"""``python build.py``: the instrument builder's command line, kept in ``instrument/cli.py``
so that an installed package has it too (the ``opm-build`` command)."""

import sys

from instrument.cli import cli, main  # noqa: F401  (tests and scripts import cli from here)

if __name__ == "__main__":
    sys.exit(main())
