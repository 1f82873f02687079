"""Partners from the old server's mail log: the client IPs that delivered most often.

The counting happens on the server (allowlisted command ``mail_log_clients``, see
:mod:`preflight.net.ssh_commands`): only ``COUNT smtpd|postscreen IP`` lines come back, however
big the log. :func:`parse_counts` reads them (pure, hostile input tolerated); loopback, private
and other non-public addresses are dropped. ``smtpd`` ``connect from`` lines rank the clients;
postscreen ``CONNECT from`` lines are used only when the log has no smtpd lines at all.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from preflight.data.probes import is_public
from preflight.net.ssh import Access, CommandResult, SshError, SshTarget

COMMAND_SECONDS = 110
"""Server-side bound of the log command (``timeout``); the SSH wait is a little longer."""
SERVER_LINES = 2_000
"""Lines the server sends back at most (the busiest clients first)."""

_LINE = re.compile(r"^\s*(\d{1,12}) ([sp]) ([0-9A-Fa-f:.]{2,45})\s*$")
_JOURNAL_DENIED = "not seeing messages from other users"


@dataclass(frozen=True)
class LogClient:
    """One client IP and how often it connected."""

    ip: str
    connections: int


@dataclass(frozen=True)
class LogCounts:
    """What the command printed, read: the top clients and where they came from."""

    clients: tuple[LogClient, ...]
    distinct: int
    connections: int
    kind: str
    """``smtpd`` (connect from) or ``postscreen`` (CONNECT from), or ``""`` when nothing matched."""
    files: tuple[str, ...]
    denied: tuple[str, ...]
    journal: bool
    journal_denied: bool


@dataclass(frozen=True)
class LogFacts:
    """The mail log of the old server: its counts, or why there are none."""

    server: SshTarget
    days: int
    top: int
    counts: LogCounts | None = None
    error: str = ""
    command: CommandResult | None = None

    @property
    def where(self) -> str:
        """The files read (or ``journalctl``), for messages."""
        if self.counts is None:
            return "-"
        if self.counts.files:
            return ", ".join(self.counts.files)
        if self.counts.denied:
            return ", ".join(self.counts.denied)
        return "journalctl (postfix/smtpd, postfix/postscreen)" if self.counts.journal else "no mail log"


def window(today: date, days: int) -> tuple[str, str]:
    """``(since, day list)`` for the command: the first day as YYYY-MM-DD and every day as YYYYMMDD."""
    first = today - timedelta(days=days - 1)
    listed = " ".join((today - timedelta(days=i)).strftime("%Y%m%d") for i in range(days))
    return first.isoformat(), listed


def _public(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address) if is_public(str(address)) else None


def parse_counts(stdout: str, stderr: str, top: int) -> LogCounts:
    """Read ``COUNT KIND IP`` lines and the ``#file``/``#denied``/``#journal`` markers (pure)."""
    counts: dict[str, dict[str, int]] = {"s": {}, "p": {}}
    for line in stdout.splitlines()[: SERVER_LINES * 2]:
        match = _LINE.match(line)
        if match is None:
            continue
        ip = _public(match.group(3))
        if ip is None:
            continue
        table = counts[match.group(2)]
        table[ip] = table.get(ip, 0) + int(match.group(1))
    kind, chosen = ("smtpd", counts["s"]) if counts["s"] else ("postscreen", counts["p"])
    if not chosen:
        kind = ""
    ranked = sorted(chosen.items(), key=lambda item: (-item[1], _sort_key(item[0])))
    files: list[str] = []
    denied: list[str] = []
    journal = journal_denied = False
    for line in stderr.splitlines()[:500]:
        marker, _, rest = line.strip().partition(" ")
        if marker == "#file" and rest:
            files.append(rest[:200])
        elif marker == "#denied" and rest:
            denied.append(rest[:200])
        elif marker == "#journal":
            journal = True
        elif _JOURNAL_DENIED in line:
            journal_denied = True
    return LogCounts(
        clients=tuple(LogClient(ip, n) for ip, n in ranked[:top]),
        distinct=len(chosen),
        connections=sum(chosen.values()),
        kind=kind,
        files=tuple(files[:50]),
        denied=tuple(denied[:50]),
        journal=journal,
        journal_denied=journal_denied,
    )


def _sort_key(ip: str) -> tuple[int, int]:
    address = ipaddress.ip_address(ip)
    return address.version, int(address)


def read_log(target: SshTarget, options: object, now: datetime, days: int, top: int) -> LogFacts:
    """Log in to the old server and count its clients (a login failure is a fact, not an exception)."""
    from preflight.net.ssh import ConnectOptions, connect

    assert isinstance(options, ConnectOptions)
    since, listed = window(now.date(), days)
    try:
        session = connect(target, options)
    except SshError as exc:
        return LogFacts(target, days, top, error=exc.detail)
    with session:
        result = session.run("mail_log_clients", COMMAND_SECONDS, since, listed, SERVER_LINES,
                             timeout=COMMAND_SECONDS + 10)
    return facts_from(target, days, top, result)


def facts_from(target: SshTarget, days: int, top: int, result: CommandResult) -> LogFacts:
    """The facts of one ``mail_log_clients`` run (pure)."""
    if result.access not in (Access.OK,):
        return LogFacts(target, days, top, error=result.reason, command=result)
    return LogFacts(target, days, top, parse_counts(result.stdout, result.stderr, top), command=result)


def summary(counts: Sequence[LogClient]) -> str:
    """``198.51.100.7 (1,234), ...`` for evidence."""
    return ", ".join(f"{c.ip} ({c.connections:,})" for c in counts) or "-"
