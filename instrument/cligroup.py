"""The boundary between the libraries and the two command lines (build.py, python -m scoring).

A user's mistake reaches the command line as an ``InstrumentError``; this group
turns it into its message and exit status 1, never a traceback (STYLE.md rule 10).

Each command line answers to two names: the one its help examples are written
with (``python build.py``, ``python -m scoring``) and the installed console
script (``opm-build``, ``opm-score``). Help shows the examples with the name the
program was called by.
"""

from __future__ import annotations

import click

from .errors import InstrumentError


def problems_text(exc: InstrumentError) -> str:
    n = len(exc.problems)
    head = f"{n} problem{'s' if n != 1 else ''} found; nothing was written.\n"
    return head + "\n".join(str(p) for p in exc.problems)


def as_called(ctx: click.Context, text: str) -> str:
    """``text`` with the examples' program name replaced by the name it was called by."""
    root = ctx.find_root()
    group = root.command
    written = getattr(group, "examples_as", "")
    if not written or root.info_name in (group.name, written, None):
        return text
    return text.replace(written, root.info_name)


class HelpCommand(click.Command):
    """A command whose help examples name the program as it was called."""

    def get_help(self, ctx: click.Context) -> str:
        return as_called(ctx, super().get_help(ctx))


class ReportingGroup(click.Group):
    """A click group whose commands may raise InstrumentError; ``report`` words the message.

    ``examples_as``: how the help examples call the program ("python build.py").
    """

    report = staticmethod(problems_text)
    command_class = HelpCommand

    def __init__(self, *args, examples_as: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.examples_as = examples_as

    def get_help(self, ctx: click.Context) -> str:
        return as_called(ctx, super().get_help(ctx))

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InstrumentError as exc:
            raise click.ClickException(self.report(exc)) from None
