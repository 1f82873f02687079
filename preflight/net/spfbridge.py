"""The pyspf bridge: pyspf's DNS lookups answered by the run's :class:`DnsClient`.

pyspf resolves through its module-level ``spf.DNSLookup`` hook. We install one dispatcher that
sends each lookup through the DnsClient of the calling context, so concurrent runs with
different resolvers never share state.

What pyspf receives is what a recursive resolver returns (pyspf's own dnspython driver):

* a CNAME chain is already followed: the records arrive under the asked name, without CNAME
  entries. Handing pyspf the chain makes it look every link up again and count one void
  lookup per link when the target has no record of the asked type (RFC 7208 §4.6.4 counts
  one lookup);
* TXT strings arrive as the bytes on the wire, so a non-ASCII SPF record is the permerror
  RFC 7208 §3.1 makes it, and non-SPF TXT records beside it stay none of pyspf's business.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

from preflight.net.dns import DnsClient, DnsError

_SPF_CLIENT: contextvars.ContextVar[DnsClient | None] = contextvars.ContextVar(
    "preflight_spf_client", default=None
)
_SPF_TYPES = {"A", "AAAA", "MX", "PTR", "TXT"}
"""The types RFC 7208 evaluation asks for (type SPF (99) was retired by RFC 7208 §3.1)."""


def _spf_lookup(name: str, qtype: str, strict: bool = True, timeout: float = 20) -> list[Any]:
    """``spf.DNSLookup`` replacement: ``[((name, type), value), ...]`` from our DNS layer."""
    import spf

    client = _SPF_CLIENT.get()
    if client is None:
        raise spf.TempError("DNS lookup outside a preflight SPF evaluation")
    if qtype not in _SPF_TYPES:
        return []
    try:
        answer = client.query(name, qtype)
    except DnsError as exc:
        raise spf.TempError(f"DNS {exc.reason}: {qtype} {name}") from None
    key = (name, qtype)
    if qtype == "TXT":
        raw = answer.raw or tuple(r.encode("utf-8", "surrogateescape") for r in answer.records)
        return [(key, [value]) for value in raw]
    if qtype == "MX":
        return [(key, (pref, host)) for pref, host in answer.mx()]
    return [(key, rec) for rec in answer.records]


@contextlib.contextmanager
def pyspf_resolver(client: DnsClient) -> Iterator[None]:
    """Within this block, pyspf (``spf.query``) resolves through ``client``."""
    import spf

    spf.DNSLookup = _spf_lookup
    token = _SPF_CLIENT.set(client)
    try:
        yield
    finally:
        _SPF_CLIENT.reset(token)
