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

import logging
import os
import sys
import threading
import warnings

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
if os.path.basename(sys.argv[0] if sys.argv else "") == "preflight" \
        and threading.current_thread() is threading.main_thread():
    from preflight.cli.interrupt import stop_now

    stop_now()

from preflight.cli import commands as _commands  # noqa: E402, F401  (registers the commands)
from preflight.cli.app import app  # noqa: E402

__all__ = ["app"]
