"""DNS failure reasons (``DnsError.reason``) in the report's language, chosen at render time.

:mod:`preflight.net.dns` names why a question went unanswered with a small, closed vocabulary
("timeout", "servfail", "network error: …"); results carry it in their ``reason`` parameter, and
saved reports keep it as written. This module reads that vocabulary back into catalogue keys
(``dns_reason_*`` in ``locales/*/owntexts.toml``), so the same saved report reads in Japanese too. Text
outside the vocabulary (a server's own words, an OS error string) is left exactly as stored.
"""

from __future__ import annotations

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
}
"""Whole reasons, as :mod:`preflight.net.dns` writes them."""
PREFIXED = (
    ("network error: ", "dns_reason_network"),
    ("unreadable answer: ", "dns_reason_unreadable"),
    ("invalid query: ", "dns_reason_invalid_query"),
)
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
    return None


def _part(text: str) -> Piece | None:
    """One reason, or ``NAME: reason`` / ``TYPE NAME: reason`` (the name that failed, as the families write it)."""
    found = _one(text)
    if found is not None:
        return found
    head, sep, tail = text.partition(": ")
    if sep and head and len(head.split()) <= 2 and (said := _one(tail)) is not None:
        return _piece("dns_reason_of", name=head, reason=[said])
    return None


def reason_pieces(text: str) -> list[Piece] | None:
    """``text`` as coded-text pieces when every part of it ("; "-joined) is in the vocabulary, else None."""
    if not text or len(text) > 2000:
        return None
    parts = text.split("; ")
    if len(parts) > MAX_PARTS:
        return None
    found = [_part(p) for p in parts]
    return None if any(f is None for f in found) else [f for f in found if f is not None]
