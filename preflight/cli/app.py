"""The typer application: ``--version``, and command bodies guarded into one-line errors."""

from __future__ import annotations

import codecs
import sys
from typing import Any, NoReturn

import typer

from preflight import __version__
from preflight.cli import streams
from preflight.cli.coercion import PlainGroup
from preflight.cli.usage import OneLineUsageGroup
from preflight.errors import NoNameserverError, PreflightError
from preflight.exitcodes import EXIT_CODE_HELP, ExitCode


class AppGroup(OneLineUsageGroup, PlainGroup):
    """The application's group: click's usage errors as one line, exit 2
    (:mod:`preflight.cli.usage`); plain option values without pydantic (:mod:`preflight.cli.coercion`);
    a stdout that cannot be written as one line, exit 2 (or 141, a broken pipe, quietly) wherever it
    was written: help, ``--version``, a command (:mod:`preflight.cli.streams`)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Run the program with stdout/stderr that fail as one line, never a traceback."""
        restore = streams.install()
        try:
            try:
                return super().main(*args, **kwargs)
            finally:
                streams.flush_stdout()
        except streams.OutputFailed as failure:
            sys.exit(int(streams.exit_code(failure)))
        finally:
            restore()


app = typer.Typer(
    name="preflight",
    cls=AppGroup,
    help=(
        "Check a mail server migration before cutover: blocklists, PTR, SPF, DKIM, DMARC, MX, "
        "TTLs, and more; write an HTML report for the change request.\n\n" + EXIT_CODE_HELP
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # plain help: no Rich import, so `--help` starts fast
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"preflight {__version__}")
        raise typer.Exit(ExitCode.READY)


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """preflight: readiness checks for moving mail to a new server."""


def fail(message: str, code: ExitCode = ExitCode.USAGE) -> NoReturn:
    from preflight.textsafe import one_line

    typer.echo(f"preflight: error: {one_line(message)}", err=True)
    raise typer.Exit(int(code))


def _stdout_encoding() -> str | None:
    """The codec name of standard output (``None`` when there is none)."""
    try:
        return codecs.lookup(getattr(sys.stdout, "encoding", None) or "").name
    except LookupError:
        return None


def guarded(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a command body: our errors become one line + exit 2, anything else exit 4.

    A stdout that cannot be written is exit 2 with one line, a broken pipe exit 141 quietly.

    SIGINT/SIGTERM end the process at once (exit 130/143, see :mod:`preflight.cli.interrupt`).
    """
    from preflight.cli.interrupt import stop_on_signals

    try:
        with stop_on_signals():
            return fn(*args, **kwargs)
    except typer.Exit:
        raise
    except streams.OutputFailed as failure:
        raise typer.Exit(int(streams.exit_code(failure))) from None
    except NoNameserverError as exc:
        fail(f"{exc}; pass --nameserver HOST[:PORT]")
    except PreflightError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted: stopped, no report written", ExitCode.INTERRUPTED)
    except UnicodeEncodeError as exc:
        encoding = _stdout_encoding()
        if encoding is None or codecs.lookup(exc.encoding).name != encoding:
            fail(f"internal error: {type(exc).__name__}: {exc} (please report this)", ExitCode.INTERNAL)
        # The console's text in a language its encoding cannot show (PYTHONIOENCODING=ascii, a
        # non-UTF-8 locale): the user's environment, not a defect; report files are written.
        fail(f"standard output uses the {encoding} encoding, which cannot show this text: "
             "use a UTF-8 locale (LANG=C.UTF-8), or write the output to a file instead of -")
    except Exception as exc:  # noqa: BLE001 - last line of defence, no traceback with secrets
        fail(f"internal error: {type(exc).__name__}: {exc} (please report this)", ExitCode.INTERNAL)
