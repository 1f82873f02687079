"""Exceptions that end a run with a clear one-line message."""

from __future__ import annotations


class PreflightError(Exception):
    """Base class for errors preflight reports to the user as one line."""


class UsageError(PreflightError):
    """Bad option, bad plan file, bad saved report: exit code 2."""


class InputError(UsageError):
    """A value the user gave (IP, hostname, domain, selector, ...) is invalid."""


class NoNameserverError(UsageError):
    """No resolver to ask (none given, none configured on the system).

    The message says what is missing; the command line adds how to give one (``--nameserver``),
    so the network layer never names a CLI flag.
    """
