"""Usage errors found by typer/click (unknown option, missing value, bad choice, unknown command)
as ONE line on stderr and exit 2, like every other bad input.

Click prints three lines (``Usage:``, ``Try …``, ``Error: …``); the group class here catches the
error where the command line is parsed — the group's own options, the command's name, and the
command's options and arguments — and prints
``preflight: error: no such option: --foo (see 'preflight check --help')`` instead. What the user
typed is shown escaped (:func:`preflight.textsafe.visible`), newlines and tabs included.
"""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from preflight.exitcodes import ExitCode

try:  # typer >= 0.26 carries its own copy of click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - older typer, on click
    from click.exceptions import ClickException  # type: ignore[no-redef,import-not-found,unused-ignore]


def usage_line(exc: ClickException, command_path: str) -> str:
    """The one line for a click error raised while ``command_path`` was parsed."""
    from preflight.textsafe import one_line

    message = exc.format_message().strip().rstrip(".")
    if len(message) > 1 and message[0].isupper() and not message[1].isupper():
        message = message[0].lower() + message[1:]
    return f"preflight: error: {one_line(message)} (see '{one_line(command_path)} --help')"


def _fail(exc: ClickException, command_path: str) -> NoReturn:
    typer.echo(usage_line(exc, command_path), err=True)
    raise typer.Exit(int(ExitCode.USAGE))


def _is_help(exc: ClickException) -> bool:
    # `preflight` alone shows the help (click's NoArgsIsHelpError): help, not an error line.
    return type(exc).__name__ == "NoArgsIsHelpError"


class OneLineUsageGroup(TyperGroup):
    """The application's group: click's usage errors become one ``preflight: error:`` line."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:
        """Parse the group's own options (``preflight --bogus``)."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except ClickException as exc:
            if _is_help(exc):
                raise
            ctx = getattr(exc, "ctx", None)
            _fail(exc, ctx.command_path if ctx is not None else (info_name or self.name or "preflight"))

    def invoke(self, ctx: Any) -> Any:
        """Resolve the command and parse its options; a click error anywhere in that is one line."""
        try:
            return super().invoke(ctx)
        except ClickException as exc:
            if _is_help(exc):
                raise
            failed = getattr(exc, "ctx", None)
            if failed is not None:
                path = failed.command_path
            elif ctx.invoked_subcommand:
                path = f"{ctx.command_path} {ctx.invoked_subcommand}"
            else:
                path = ctx.command_path
            _fail(exc, path)


__all__ = ["OneLineUsageGroup", "usage_line"]
