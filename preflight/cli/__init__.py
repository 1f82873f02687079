"""Command line: parse options, build the run config, call the runner, write outputs, exit.

typer only. Heavy modules (dnspython, Jinja2, checkdmarc, paramiko) are imported inside the
commands so ``preflight --help`` starts fast. Messages go to stderr; stdout carries only
machine output (``--json -``).

- :mod:`preflight.cli.app` — the typer application, ``--version``, one-line errors;
- :mod:`preflight.cli.commands` — the commands and their options;
- :mod:`preflight.cli.session` — plan + flags → run config; run; write the outputs;
- :mod:`preflight.cli.options`, :mod:`preflight.cli.partners` — shared options and glue.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

# Ctrl-C or SIGTERM from the very start of the installed `preflight` program are held back
# (blocked, so they stay pending) before anything slow is imported: on a busy machine the imports
# below take most of a second, and a signal in that window was a KeyboardInterrupt traceback.
# :func:`preflight.cli.interrupt.stop_now` then starts the one thread that takes them (sigwait);
# a signal pending by then is taken at once. Every thread started later inherits the block.
_INSTALLED = os.path.basename(sys.argv[0] if sys.argv else "") == "preflight" \
    and threading.current_thread() is threading.main_thread()
if _INSTALLED and hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})

import logging  # noqa: E402
import warnings  # noqa: E402

# Third-party noise (dnspython's CryptographyDeprecationWarning, paramiko's or asyncio's log
# records) is for their developers, not for a mail admin: never on the terminal. Warnings show
# when asked for with -W/PYTHONWARNINGS; log records have a handler that drops them (else
# Python's last-resort handler would print WARNING and above to stderr).
if not sys.warnoptions:
    warnings.simplefilter("ignore")
logging.getLogger().addHandler(logging.NullHandler())

# Ctrl-C or SIGTERM while the command line is still being built (imports, typer's option
# parsing) must end as it does later — one line, exit 130/143 — not with a KeyboardInterrupt
# traceback. Only in the installed `preflight` program: a test runner importing the CLI keeps
# its own handlers (guarded() installs the same handler around every command body anyway).
if _INSTALLED:
    from preflight.cli.interrupt import stop_now

    stop_now()

from preflight.cli import commands as _commands  # noqa: E402, F401  (registers the commands)
from preflight.cli.app import app  # noqa: E402

__all__ = ["app"]
