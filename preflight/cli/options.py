"""Options several commands share (``--lang``, ``--markdown``) and their small helpers.

Kept apart from the commands so they stay about parsing and wiring. Importing this
module is cheap (typer only), so ``preflight --help`` stays fast.
"""

from __future__ import annotations

from typing import Any

import typer

LANG_OPTION: Any = typer.Option(
    None, "--lang", envvar="PREFLIGHT_LANG", show_envvar=True, metavar="ja|en",
    help="Language of the reports and messages (default: plan [report] lang, a saved report's "
         "language, else the locale: LC_ALL/LC_MESSAGES/LANG starting with 'ja' → ja).",
)
MARKDOWN_OPTION: Any = typer.Option(
    None, "--markdown", metavar="PATH|-", help="Write a Markdown summary for a ticket here ('-' = stdout)."
)


def one_stdout(**targets: str | None) -> bool:
    """Check that at most one output goes to stdout; return True when one does.

    Two renderings on stdout would be one unusable stream, so that is a usage error.
    """
    from preflight.errors import UsageError

    on_stdout = [name for name, target in targets.items() if target == "-"]
    if len(on_stdout) > 1:
        raise UsageError(f"only one output can go to stdout ('-'), not {' and '.join('--' + n for n in on_stdout)}")
    return bool(on_stdout)


def say(key: str, lang: str, **params: object) -> None:
    """A status line on stderr, in the run's language."""
    from preflight.i18n.messages import ui

    typer.echo(ui(key, lang, **params), err=True)
