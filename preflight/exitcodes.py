"""Process exit codes: one IntEnum, documented in ``--help`` and the README."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What ``preflight`` tells automation when it exits."""

    READY = 0
    """Ready for cutover (warnings allowed unless ``--strict``)."""
    NOT_READY = 1
    """At least one check failed (with ``--strict``: or warned); for ``diff``: regressions."""
    USAGE = 2
    """Bad usage or bad input (options, plan file, saved report)."""
    INCONCLUSIVE = 3
    """Nothing failed, but something could not be checked (timeout, SERVFAIL, refused)."""
    INTERNAL = 4
    """An internal error in preflight itself; please report it."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (SIGINT), 128 + 2 as shells report it; no report was written."""
    BROKEN_PIPE = 141
    """Standard output's reader stopped early (``| head``): quietly, 128 + 13 as shells report a
    program that SIGPIPE ended. Reports on files were written; what went to stdout was cut."""
    TERMINATED = 143
    """Stopped by SIGTERM, 128 + 15; no report was written."""


EXIT_CODE_HELP = (
    "Exit codes: 0 ready (warnings allowed), 1 not ready (any fail; with --strict also any warn), "
    "2 bad usage or input, 3 inconclusive (no fail, but something could not be checked), "
    "4 internal error, 130 interrupted (Ctrl-C), 141 stdout's reader stopped early (a pipe to head), "
    "143 terminated (SIGTERM)."
)

CHECK_EXIT_CODE_HELP = (
    EXIT_CODE_HELP[:-1] + " — 3 also when --hostname, --domain or --dkim-selector is missing, or the "
    "resolver does not answer. With --baseline: 1 on any regression, else 3 when baseline items "
    "were left unchecked. With --nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."
)
