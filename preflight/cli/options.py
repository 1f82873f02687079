"""Options several commands share (``--lang``, ``--markdown``) and their small helpers.

Kept apart from the commands so they stay about parsing and wiring. Importing this
module is cheap (typer only), so ``preflight --help`` stays fast.
"""

from __future__ import annotations

from typing import Any

import typer

from preflight.cli.coercion import PlainCommand

LANG_OPTION: Any = typer.Option(
    None, "--lang", rich_help_panel="Output", envvar="PREFLIGHT_LANG", show_envvar=True, metavar="ja|en",
    help="Language of the reports and messages (default: plan [report] lang, a saved report's "
         "language, else the locale: LC_ALL/LC_MESSAGES/LANG starting with 'ja' → ja).",
)
MARKDOWN_OPTION: Any = typer.Option(
    None, "--markdown", rich_help_panel="Output", metavar="PATH|-", help="Write a Markdown summary for a ticket here ('-' = stdout)."
)

NAGIOS_OPTION: Any = typer.Option(
    False, "--nagios",
    help="Print one Monitoring Plugins status line on stdout and exit 0 OK, 1 WARNING, 2 CRITICAL "
         "(not ready, or a regression), 3 UNKNOWN (inconclusive) — for Nagios, Icinga, Zabbix.",
)


HELP_PANELS = ("Target", "DNS", "Blocklists", "SMTP", "Clients", "SSH", "Partners", "Recheck", "Output")
"""The order of the option groups in ``preflight check --help``."""


class PanelCommand(PlainCommand):
    """A command whose ``--help`` groups options by their ``rich_help_panel``, in plain text.

    The app keeps ``rich_markup_mode=None`` (no Rich import: a fast ``--help``); click's plain
    formatter would list 40 options flat, so the options are written here panel by panel.
    """

    def format_options(self, ctx: Any, formatter: Any) -> None:
        groups: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                panel = getattr(param, "rich_help_panel", None) or "Other options"
                groups.setdefault(panel, []).append(record)
        order = [p for p in HELP_PANELS if p in groups] + [p for p in groups if p not in HELP_PANELS]
        for panel in order:
            with formatter.section(panel):
                formatter.write_dl(groups[panel])


def one_stdout(*, prints: bool = False, **targets: str | None) -> bool:
    """Check every output path before any work; return True when one output goes to stdout.

    Two renderings on stdout would be one unusable stream, so that is a usage error; so are an
    empty path, a directory, a missing or read-only folder and a path named twice
    (:func:`preflight.report.output.check_targets`), and a stdout closed (or open for reading
    only) from the start when an output goes there or the command ``prints`` there anyway (a
    summary, a table).
    """
    from preflight.cli.streams import stdout_problem
    from preflight.errors import UsageError
    from preflight.report.output import check_targets

    to_stdout = check_targets({f"--{name}": target for name, target in targets.items()})
    problem = stdout_problem() if to_stdout or prints else None
    if problem:
        raise UsageError(f"cannot write to standard output: {problem}")
    return to_stdout


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
