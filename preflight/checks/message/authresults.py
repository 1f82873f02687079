"""Authentication-Results (RFC 8601): parsed with ``authres``, with a tolerant fallback.

``authres`` reads the standard form. Some receivers write what it refuses — Microsoft omits the
authserv-id (``Authentication-Results: spf=pass (sender IP is ...) smtp.mailfrom=...``), others end
with ``;`` or write ``smtp.mailfrom=<>`` — so those are read by a small tolerant parser of the same
grammar (``method=result (comment) ptype.property=value ...``), and the result says which one read it.

Which results count is decided by :func:`trust`: only fields added after the message reached the
receiver (above the receiving hop) whose authserv-id names the receiving side; the others are kept
and shown as untrusted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from preflight.checks.message.headers import HeaderBlock
from preflight.checks.message.received import Hop

MAX_FIELDS = 20
MAX_METHODS = 20
_METHOD = re.compile(r"^\s*([A-Za-z0-9_-]{1,40})\s*(?:/\s*\d+)?\s*=\s*([A-Za-z0-9_-]{1,40})")
_PROP = re.compile(r"([A-Za-z0-9_-]{1,40}(?:\.[A-Za-z0-9_-]{1,40})?)\s*=\s*(\"(?:[^\"\\]|\\.)*\"|[^\s;()]*)")


class Untrusted:
    """Why a field's results do not count (the reason codes the report shows)."""

    BEFORE_RECEIVER = "before_receiver"
    """Added before the message reached the receiving hop (by us, or forged)."""
    OTHER_AUTHSERV = "other_authserv"
    """Added on the receiving side, but by another authserv-id than the receiver's."""
    NO_RECEIVER = "no_receiver"
    """The receiving hop is not known, so no field can be trusted."""


@dataclass(frozen=True)
class MethodResult:
    """One ``method=result`` with its properties (``smtp.mailfrom``, ``header.d``, ...)."""

    method: str
    result: str
    reason: str | None
    props: tuple[tuple[str, str], ...]

    def prop(self, name: str) -> str | None:
        """The value of ``ptype.property`` (e.g. ``header.d``), or None."""
        return next((v for k, v in self.props if k == name), None)


@dataclass(frozen=True)
class AuthResultsField:
    """One Authentication-Results field: who wrote it, what it says, and whether it counts."""

    index: int
    authserv_id: str
    results: tuple[MethodResult, ...]
    raw: str
    parser: str
    """``authres`` or ``tolerant`` (the fallback); ``unreadable`` when neither could read it."""
    trusted: bool = False
    untrusted_why: str | None = None


def _clean_value(value: str) -> str:
    return value.strip().rstrip(";").strip()


def _with_authres(value: str) -> tuple[str, tuple[MethodResult, ...]] | None:
    import authres

    try:
        header = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {value}")
    except Exception:  # noqa: BLE001 - authres raises its own SyntaxError and others on bad input
        return None
    results = []
    for r in list(header.results)[:MAX_METHODS]:
        props = tuple((f"{p.type}.{p.name}".lower(), str(p.value)) for p in r.properties)
        results.append(MethodResult(str(r.method).lower(), str(r.result).lower(),
                                    str(r.reason) if r.reason else None, props))
    return str(header.authserv_id or ""), tuple(results)


def _strip_comments(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif not depth:
            out.append(ch)
    return "".join(out)


def _tolerant(value: str) -> tuple[str, tuple[MethodResult, ...]] | None:
    parts = [p.strip() for p in _strip_comments(value).split(";")]
    parts = [p for p in parts if p]
    if not parts:
        return None
    authserv = ""
    if not _METHOD.match(parts[0]):
        authserv = parts[0].split()[0] if parts[0].split() else ""
        parts = parts[1:]
    results = []
    for part in parts[:MAX_METHODS]:
        match = _METHOD.match(part)
        if not match:
            if part.lower() == "none":
                continue
            return None
        rest = part[match.end():]
        props, reason = [], None
        for key, val in _PROP.findall(rest):
            val = val[1:-1] if val.startswith('"') else val
            if key.lower() == "reason":
                reason = val
            elif "." in key:
                props.append((key.lower(), val))
        results.append(MethodResult(match.group(1).lower(), match.group(2).lower(), reason, tuple(props)))
    return authserv, tuple(results)


def parse_field(value: str, index: int) -> AuthResultsField:
    """Read one field value; an unreadable one is kept with no results."""
    cleaned = _clean_value(value)[:8000]
    parsed = _with_authres(cleaned)
    parser = "authres"
    if parsed is None:
        parsed, parser = _tolerant(cleaned), "tolerant"
    if parsed is None:
        return AuthResultsField(index, "", (), value[:1000], "unreadable")
    authserv, results = parsed
    return AuthResultsField(index, authserv[:255].lower(), results, value[:1000], parser)


def auth_fields(headers: HeaderBlock) -> tuple[AuthResultsField, ...]:
    """Every Authentication-Results field, topmost first (at most :data:`MAX_FIELDS`)."""
    return tuple(parse_field(f.value, f.index) for f in headers.all("Authentication-Results")[:MAX_FIELDS])


def trust(fields: Iterable[AuthResultsField], hops: Sequence[Hop], receiving: Hop | None,
          org: Callable[[str], str]) -> tuple[AuthResultsField, ...]:
    """Mark which fields count: above the receiving hop, written by the receiving side.

    The receiving side is every host that stamped a hop from ``receiving`` upwards; a field
    counts when its authserv-id is empty (Microsoft writes none) or shares an organizational
    domain (``org``) with one of those hosts.
    """
    out = []
    if receiving is None:
        return tuple(replace(f, trusted=False, untrusted_why=Untrusted.NO_RECEIVER) for f in fields)
    side = {org(h.by_host) for h in hops if h.index <= receiving.index and h.by_host and "." in h.by_host}
    for field in fields:
        if field.index > receiving.index:
            out.append(replace(field, trusted=False, untrusted_why=Untrusted.BEFORE_RECEIVER))
        elif field.authserv_id and "." in field.authserv_id and org(field.authserv_id) not in side or field.authserv_id and "." not in field.authserv_id:
            out.append(replace(field, trusted=False, untrusted_why=Untrusted.OTHER_AUTHSERV))
        else:
            out.append(replace(field, trusted=True, untrusted_why=None))
    return tuple(out)


def receiver_verdicts(fields: Iterable[AuthResultsField]) -> dict[str, tuple[MethodResult, ...]]:
    """The trusted results, per method (``spf``, ``dkim``, ``dmarc``, ``arc``, ...)."""
    out: dict[str, list[MethodResult]] = {}
    for field in fields:
        if field.trusted:
            for result in field.results:
                out.setdefault(result.method, []).append(result)
    return {k: tuple(v) for k, v in out.items()}
