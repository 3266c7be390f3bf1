"""The boundary between the libraries and the two command lines (build.py, python -m scoring).

A user's mistake reaches the command line as an ``InstrumentError``; this group
turns it into its message and exit status 1, never a traceback (STYLE.md rule 10).
"""

from __future__ import annotations

import click

from .errors import InstrumentError


def problems_text(exc: InstrumentError) -> str:
    n = len(exc.problems)
    head = f"{n} problem{'s' if n != 1 else ''} found; nothing was written.\n"
    return head + "\n".join(str(p) for p in exc.problems)


class ReportingGroup(click.Group):
    """A click group whose commands may raise InstrumentError; ``report`` words the message."""

    report = staticmethod(problems_text)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InstrumentError as exc:
            raise click.ClickException(self.report(exc)) from None
