"""Short reasons of our own (why a DNS question went unanswered, why a name is no host name, why a
file was not read) in the report's language, chosen at render time.

:mod:`preflight.net.dns` names why a question went unanswered with a small, closed vocabulary
("timeout", "servfail", "network error: …") and why a name is no host name ("empty label"); the
server inventory says why it skipped a file. Results carry these in a ``reason``, ``problem``,
``note`` or ``os`` parameter, and saved reports keep them as written. This module reads that
vocabulary back into catalogue keys (``dns_reason_*``, ``own_reason_*`` in ``locales/*/owntexts.toml``),
so the same saved report — an older one too — reads in Japanese. Text outside the vocabulary (a
server's own words, an OS error string) is left exactly as stored.
"""

from __future__ import annotations

import re
from typing import Any

FIXED = {
    "timeout": "dns_reason_timeout",
    "connection refused": "dns_reason_refused_connection",
    "connection closed before the answer arrived": "dns_reason_closed",
    "answer does not match the question (wrong id or question)": "dns_reason_mismatch",
    "truncated answer (TC set over TCP too)": "dns_reason_truncated",
    "no nameserver": "dns_reason_no_nameserver",
    "CNAME chain too long": "dns_reason_cname_chain",
    "interrupted": "dns_reason_interrupted",
    "not asked": "dns_reason_not_asked",
    "no query": "dns_reason_not_asked",
    # preflight.net.dns.host_name_problem
    "empty name": "own_reason_empty_name",
    "longer than 253 characters": "own_reason_name_too_long",
    "contains escaped bytes (control characters, spaces or punctuation)": "own_reason_escaped_bytes",
    "not a fully qualified name": "own_reason_not_fqdn",
    "empty label": "own_reason_empty_label",
    "label longer than 63 characters": "own_reason_label_too_long",
    "characters other than letters, digits and inner hyphens": "own_reason_not_ldh",
    # the server inventory (checks/server) and the reputation checks (checks/blocklists)
    "permission denied: run preflight's SSH user as root or in the group that owns the file (postfix, opendkim)":
        "server_skip_denied",
    "no answer before the timeout": "own_reason_port25_timeout",
    "the server has no /etc/os-release": "own_reason_no_os_release",
    "unknown (no /etc/os-release)": "own_reason_os_unknown_no_release",
    "unknown": "own_reason_unknown",
    "the answer is not in Team Cymru's format": "own_reason_not_cymru",
    "no block list passed its self-test": "own_reason_no_list_passed",
    "no neighbour lookup was answered": "own_reason_no_neighbour_answered",
    # preflight.net.ssh: why a server could not be inventoried
    "authentication failed": "own_reason_auth_failed",
    "the SSH channel closed before the command's exit status arrived": "own_reason_channel_closed",
    # preflight.net.smtp and preflight.net.mailclient: why a conversation stopped
    "overall time for this server spent": "own_reason_deadline",
    "the server closed the connection": "own_reason_server_closed",
    "not connected": "own_reason_not_connected",
    "the server does not read": "own_reason_server_not_reading",
    "no complete answer before the deadline": "own_reason_no_complete_answer",
    "no answer in time": "own_reason_no_answer_in_time",
    "data sent before the TLS handshake (injection risk)": "own_reason_injection",
}
"""Whole reasons, as :mod:`preflight.net.dns` and the families write them."""
PREFIXED = (
    ("network error: ", "dns_reason_network"),
    ("unreadable answer: ", "dns_reason_unreadable"),
    ("invalid query: ", "dns_reason_invalid_query"),
    ("permission denied: ", "own_reason_denied_path"),
    ("SSH error: ", "own_reason_ssh_error"),
    ("TLS error while reading: ", "own_reason_tls_read"),
    ("connection lost: ", "own_reason_connection_lost"),
    ("connection lost during the TLS handshake: ", "own_reason_lost_in_handshake"),
    ("TLS handshake failed: ", "own_reason_handshake_failed"),
    ("TLS handshake: ", "own_reason_handshake_failed"),
    ("not an SMTP reply: ", "own_reason_not_smtp"),
    ("cannot load CAs: ", "own_reason_cannot_load_cas"),
)
PATTERNS = (
    (re.compile(r"no answer within ([0-9.]{1,12}) s"), "own_reason_ssh_timeout"),
    (re.compile(r"host name did not resolve \((.{1,300})\)"), "own_reason_ssh_unresolved"),
    (re.compile(r"([0-9]{1,9}) of ([0-9]{1,9}) neighbours could not be checked on every list"),
     "own_reason_neighbours_unanswered"),
    (re.compile(r"timed out after ([0-9]{1,12}) s"), "own_reason_command_timeout"),
    (re.compile(r"exit status (-?[0-9]{1,6})"), "own_reason_exit_status"),
    (re.compile(r"no complete reply within ([0-9.]{1,12}) s"), "own_reason_reply_timeout"),
    (re.compile(r"no (?:TCP )?connection within ([0-9.]{1,12}) s"), "own_reason_connect_timeout"),
    (re.compile(r"no TLS handshake within ([0-9.]{1,12}) s"), "own_reason_handshake_timeout"),
    (re.compile(r"more than ([0-9]{1,12}) bytes(?: from the server)?"), "own_reason_too_many_bytes"),
    (re.compile(r"a line longer than ([0-9]{1,12}) bytes"), "own_reason_line_too_long"),
    (re.compile(r"a reply of more than ([0-9]{1,12}) lines"), "own_reason_too_many_lines"),
    (re.compile(r"more than ([0-9]{1,12}) lines in one answer"), "own_reason_too_many_lines"),
    (re.compile(r"(STARTTLS|STLS) not offered"), "own_reason_starttls_missing"),
)
"""Reasons with a number or a detail inside: the groups are the parameters ``a``, ``b``."""
"""Reasons that end in a detail of someone else's (the OS error, the exception's name): kept as is."""
RCODES = frozenset({
    "formerr", "servfail", "notimp", "refused", "yxdomain", "yxrrset", "nxrrset", "notauth", "notzone",
    "dsotypeni", "badvers", "badsig", "badkey", "badtime", "badmode", "badname", "badalg", "badtrunc",
    "badcookie",
})
"""A server's answer code, as ``dns.rcode.to_text(code).lower()`` (NOERROR and NXDOMAIN are answers)."""
MAX_PARTS = 8

Piece = dict[str, Any]


def _piece(key: str, **params: object) -> Piece:
    return {"key": key, "params": params}


def _one(text: str) -> Piece | None:
    if text in FIXED:
        return _piece(FIXED[text])
    if text in RCODES:
        return _piece("dns_reason_rcode", code=text.upper())
    for prefix, key in PREFIXED:
        if text.startswith(prefix) and len(text) > len(prefix):
            return _piece(key, detail=text[len(prefix):])
    for pattern, key in PATTERNS:
        if (found := pattern.fullmatch(text)) is not None:
            return _piece(key, **dict(zip(("a", "b"), found.groups())))
    return None


NAME_HEAD = re.compile(r"(?:[A-Z][A-Z0-9]{0,9} )?[^\s:]*[.:/][^\s]*")
"""The head of ``NAME: reason`` as the families write it: a DNS name, an address or a table (it has a
dot, colon or slash), after an optional record type ("MX", "AAAA"). A peer's words before a colon
("greeting: …", "550 5.1.1: …") are not a name of ours, so what follows stays as the peer wrote it."""
DIGITS = re.compile(r"[0-9.]+")
"""An enhanced status code ("5.1.1") or a bare IPv4 address: not read as a name of ours."""
OS_WORDS = frozenset({"unknown", "unknown (no /etc/os-release)"})
"""The ``os`` parameter is the server's own name from /etc/os-release: only these words are ours."""


def _part(text: str) -> Piece | None:
    """One reason, or ``NAME: reason`` / ``TYPE NAME: reason`` (the name that failed, as the families write it)."""
    found = _one(text)
    if found is not None:
        return found
    head, sep, tail = text.partition(": ")
    if sep and NAME_HEAD.fullmatch(head) and not DIGITS.fullmatch(head) and (said := _one(tail)) is not None:
        return _piece("dns_reason_of", name=head, reason=[said])
    return None


def reason_pieces(text: str, name: str = "reason") -> list[Piece] | None:
    """``text`` (parameter ``name``) as coded-text pieces when every part of it ("; "-joined) is in the
    vocabulary, else None."""
    if not text or len(text) > 2000:
        return None
    if name == "os" and text not in OS_WORDS:
        return None
    parts = text.split("; ")
    if len(parts) > MAX_PARTS:
        return None
    found = [_part(p) for p in parts]
    return None if any(f is None for f in found) else [f for f in found if f is not None]
