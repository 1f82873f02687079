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

A CNAME loop (our DNS layer's "CNAME chain too long") is a fact about the zone, not a failure to
ask: it reaches pyspf as :func:`cname_loop_error`, a ``TempError`` the ``ptr`` validation can tell
from a timeout (RFC 7208 §5.5 skips such a name; everywhere else it stays a temperror, §4.4).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator
from typing import Any

from preflight.net.dns import DnsClient, DnsError

_SPF_CLIENT: contextvars.ContextVar[DnsClient | None] = contextvars.ContextVar(
    "preflight_spf_client", default=None
)
_SPF_TYPES = {"A", "AAAA", "MX", "PTR", "TXT"}
"""The types RFC 7208 evaluation asks for (type SPF (99) was retired by RFC 7208 §3.1)."""
CNAME_LOOP_REASON = "CNAME chain too long"
"""The DnsError reason our DNS layer gives for a CNAME loop (or an over-long chain)."""


@functools.cache
def cname_loop_error() -> type[Exception]:
    """The ``spf.TempError`` subclass raised for a CNAME loop (a DNS error that is a fact)."""
    import spf

    class CnameLoop(spf.TempError):
        """A CNAME loop met during an SPF lookup."""

    return CnameLoop


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
        error = cname_loop_error() if exc.reason == CNAME_LOOP_REASON else spf.TempError
        raise error(f"DNS {exc.reason}: {qtype} {name}") from None
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


@functools.cache
def rfc_query() -> type[Any]:
    """``spf.query`` with RFC 7208 §5.5's rule for the ``ptr`` validation of each name.

    §5.5: "If a DNS error occurs while doing an A RR lookup, then that domain name is skipped and
    the search continues." pyspf lets every error end the evaluation (temperror). We skip a name
    only for a CNAME loop, a fact about the zone; a timeout or SERVFAIL stays a temperror, since
    our resolver not answering says nothing about what receivers find ("could not check").
    """
    import spf

    class RfcQuery(spf.query):
        def validated_ptrs(self) -> list[str]:
            limit = spf.MAX_PTR if self.strict else spf.MAX_PTR * 4
            names = []
            for name in self.dns_ptr(self.i)[:limit]:
                try:
                    addresses = self.dns_a(name, self.A)
                except cname_loop_error():
                    continue
                if self.cidrmatch(addresses, self.cidrmax):
                    names.append(name)
            return names

    return RfcQuery
