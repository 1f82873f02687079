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
    """Check every output path before any work; return True when one output goes to stdout.

    Two renderings on stdout would be one unusable stream, so that is a usage error; so are an
    empty path, a directory, a missing or read-only folder and a path named twice
    (:func:`preflight.report.output.check_targets`).
    """
    from preflight.report.output import check_targets

    return check_targets({f"--{name}": target for name, target in targets.items()})


def no_empty(**options: str | list[str] | None) -> None:
    """An option given as an empty string is an error, never "not given" (``--hostname ""``).

    Keyword names are the option names without dashes, ``_`` for ``-``.
    """
    from preflight.errors import UsageError

    for name, value in options.items():
        values = value if isinstance(value, list) else [value]
        if any(v is not None and not v.strip() for v in values):
            raise UsageError(f"--{name.replace('_', '-')}: an empty value is not allowed; leave the option "
                             "out instead")


def say(key: str, lang: str, **params: object) -> None:
    """A status line on stderr, in the run's language."""
    from preflight.i18n.messages import ui

    typer.echo(ui(key, lang, **params), err=True)
