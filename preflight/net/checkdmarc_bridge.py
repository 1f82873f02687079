"""checkdmarc on the run's DNS client: its lookups answered from the run's memo, never its own.

checkdmarc takes a ``resolver=`` (a :class:`dns.resolver.Resolver`). :class:`MemoResolver` is
one that sends nothing itself: every ``resolve()`` is a :meth:`DnsClient.ask`, so checkdmarc's
questions share the run's one query path and answer memo with pyspf, the families and their
batches (a question the SPF family asked ahead is answered without a round trip). What it
returns and raises is what dnspython's resolver gives for the same response on the same
servers: an :class:`dns.resolver.Answer` built from the response as received (TXT
character-strings keep their boundaries, for checkdmarc's size checks), ``NXDOMAIN``,
``NoAnswer``, and for "could not check" ``LifetimeTimeout`` (nothing answered in time) or
``NoNameservers`` (SERVFAIL, REFUSED, network errors, unreadable or still-truncated answers).

A few checkdmarc lookups ignore ``resolver=`` (the SPF ``exp=`` target's TXT) and build a
resolver of their own from ``nameservers=`` — by default the system's, off the run's resolver.
:func:`checkdmarc_dns` passes :class:`MemoNameserver` there: a dnspython nameserver that sends
nothing either and answers from the same client.

checkdmarc also keeps a module-level DNS cache keyed by name and type only, whatever resolver
asked: answers from an earlier run (another resolver, another lab zone) would otherwise decide
this one. Each parse starts with that cache emptied.
"""

from __future__ import annotations

import preflight.net._features  # noqa: F401  (first: dnspython's DoH and DNSSEC parts off)

# isort: split
import importlib
import sys
import threading
from typing import Any

import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.resolver
import dns.rrset

from preflight.net.dns import DnsAnswer, DnsClient, DnsError


class MemoResolver(dns.resolver.Resolver):
    """A dnspython resolver whose every question goes through ``client`` (and its memo)."""

    def __init__(self, client: DnsClient) -> None:
        super().__init__(configure=False)
        self.client = client
        self.nameservers = [dns.nameserver.Do53Nameserver(ns.host, ns.port)
                            for ns in client.nameservers]
        self.timeout = client.config.timeout
        self.lifetime = client.config.timeout * (client.config.retries + 1) * len(client.nameservers)
        self.retry_servfail = False

    def resolve(  # noqa: PLR0913 - dnspython's signature
        self, qname: dns.name.Name | str, rdtype: dns.rdatatype.RdataType | str = dns.rdatatype.A,
        rdclass: dns.rdataclass.RdataClass | str = dns.rdataclass.IN, tcp: bool = False,
        source: str | None = None, raise_on_no_answer: bool = True, source_port: int = 0,
        lifetime: float | None = None, search: bool | None = None,
    ) -> dns.resolver.Answer:
        """dnspython's ``resolve()``, answered by the DNS client (see the module docstring)."""
        name = dns.name.from_text(qname) if isinstance(qname, str) else qname
        if not name.is_absolute():
            name = name.concatenate(dns.name.root)
        qtype = dns.rdatatype.RdataType.make(rdtype)
        request = dns.message.make_query(name, qtype)
        if dns.rdataclass.RdataClass.make(rdclass) != dns.rdataclass.IN:
            raise _no_nameservers(request, "-", "only class IN is asked")
        result = self.client.ask(name.to_text(), dns.rdatatype.to_text(qtype))
        if isinstance(result, DnsError):
            if result.reason == "timeout":
                raise dns.resolver.LifetimeTimeout(
                    timeout=self.lifetime, errors=[(result.server, False, 53, result.reason, None)])
            raise _no_nameservers(request, result.server, result.reason)
        response = _parsed(result) or _synthesized(request, result)
        if response is None:
            raise _no_nameservers(request, result.server, "answer not readable")
        if result.nxdomain:
            raise dns.resolver.NXDOMAIN(qnames=[name], responses={name: response})
        # After a CNAME chase of our own, the response is the last hop's: its question names the
        # chased target, and the chain from there is the response's own.
        answer = dns.resolver.Answer(response.question[0].name, qtype, dns.rdataclass.IN,
                                     response, *_server(result.server))
        if answer.rrset is None and raise_on_no_answer:
            raise dns.resolver.NoAnswer(response=response)
        return answer

    def query(self, *args: Any, **kwargs: Any) -> dns.resolver.Answer:  # dnspython's old name
        """Deprecated alias of :meth:`resolve` (kept so it cannot reach the network)."""
        return self.resolve(*args, **kwargs)


def _server(text: str) -> tuple[str | None, int | None]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        return text, None
    return host.strip("[]"), int(port)


def _no_nameservers(request: dns.message.Message, server: str,
                    reason: str) -> dns.resolver.NoNameservers:
    return dns.resolver.NoNameservers(request=request, errors=[(server, False, 53, reason, None)])


class NotAnswered(NotImplementedError):
    """:class:`MemoNameserver`'s "could not check": dnspython takes the server out of the mix at
    once (all nameservers failed), instead of asking it again until the lifetime runs out."""


class MemoNameserver(dns.nameserver.Nameserver):
    """A dnspython nameserver whose every exchange is a :meth:`DnsClient.ask` (and its memo)."""

    def __init__(self, client: DnsClient) -> None:
        super().__init__()
        self.client = client

    def __str__(self) -> str:
        return "preflight:" + ",".join(str(ns) for ns in self.client.nameservers)

    def kind(self) -> str:
        return "preflight"

    def is_always_max_size(self) -> bool:
        return True

    def answer_nameserver(self) -> str:
        return str(self)

    def answer_port(self) -> int:
        return self.client.nameservers[0].port

    def query(self, request: dns.message.QueryMessage, timeout: float, source: str | None,
              source_port: int, max_size: bool, one_rr_per_rrset: bool = False,
              ignore_trailing: bool = False) -> dns.message.Message:
        """The response to ``request``, from the client: as received, or (after a CNAME chase of
        the client's own) rebuilt under the asked name with the chain's CNAME records."""
        question = request.question[0]
        if question.rdclass != dns.rdataclass.IN:
            raise NotAnswered("only class IN is asked")
        result = self.client.ask(question.name.to_text(), dns.rdatatype.to_text(question.rdtype))
        if isinstance(result, DnsError):
            raise NotAnswered(result.reason)
        response = _parsed(result)
        if response is None:
            rebuilt = _synthesized(request, result)
            if rebuilt is None:
                raise NotAnswered("answer not readable")
            return rebuilt
        if response.question and response.question[0].name == question.name:
            return response
        return _rebuilt(request, result, response)

    async def async_query(self, *args: Any, **kwargs: Any) -> dns.message.Message:
        """Not used: checkdmarc's lookups are synchronous."""
        raise NotAnswered("async lookups are not bridged")


def _parsed(result: DnsAnswer) -> dns.message.QueryMessage | None:
    response = result.response
    if isinstance(response, bytes):
        try:
            response = dns.message.from_wire(response)
        except (dns.exception.DNSException, ValueError):
            return None
    return response if isinstance(response, dns.message.QueryMessage) else None


def _synthesized(request: dns.message.QueryMessage,
                 result: DnsAnswer) -> dns.message.QueryMessage | None:
    """A response to ``request`` rebuilt from the answer's records, for an answer that kept no
    response (a parser that skipped building one): the CNAME chain, then the records (TXT from
    the bytes received, in character-strings of at most 255 bytes). None if they do not parse."""
    out = dns.message.make_response(request)
    if result.nxdomain:
        out.set_rcode(dns.rcode.NXDOMAIN)
    qtype = request.question[0].rdtype
    hop = request.question[0].name
    try:
        for target in result.cname_chain:
            name = dns.name.from_text(target)
            out.answer.append(dns.rrset.from_text(hop, 0, dns.rdataclass.IN, dns.rdatatype.CNAME,
                                                  name.to_text()))
            hop = name
        if result.records:
            out.answer.append(dns.rrset.from_rdata_list(hop, result.ttl or 0, _rdatas(qtype, result)))
        parsed = dns.message.from_wire(out.to_wire())
    except (dns.exception.DNSException, ValueError):
        return None
    return parsed if isinstance(parsed, dns.message.QueryMessage) else None


def _rdatas(qtype: dns.rdatatype.RdataType, result: DnsAnswer) -> list[dns.rdata.Rdata]:
    if qtype == dns.rdatatype.TXT:
        raws = result.raw or tuple(r.encode("utf-8", "surrogateescape") for r in result.records)
        return [dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, qtype,
                                        [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""])
                for raw in raws]
    texts = list(result.records)
    if qtype in (dns.rdatatype.CNAME, dns.rdatatype.PTR, dns.rdatatype.NS, dns.rdatatype.MX):
        texts = [_absolute(t) for t in texts]  # shown without the final dot
    return [dns.rdata.from_text(dns.rdataclass.IN, qtype, t) for t in texts]


def _absolute(text: str) -> str:
    head, _, name = text.rpartition(" ")  # MX: "PREF HOST"
    name = "." if name in ("", ".", "@") else name + "."
    return f"{head} {name}" if head else name


def _rebuilt(request: dns.message.QueryMessage, result: DnsAnswer,
             last: dns.message.QueryMessage) -> dns.message.Message:
    """``last`` (the response for the chain's last hop) as the answer to ``request``."""
    out = dns.message.make_response(request)
    out.set_rcode(last.rcode())
    hop = request.question[0].name
    final = last.question[0].name if last.question else hop
    for target in result.cname_chain:
        name = dns.name.from_text(target)
        out.answer.append(dns.rrset.from_text(hop, 0, dns.rdataclass.IN, dns.rdatatype.CNAME,
                                              name.to_text()))
        hop = name
        if name == final:
            break
    out.answer.extend(last.answer)
    out.authority.extend(last.authority)
    return dns.message.from_wire(out.to_wire())  # read back: dnspython's lookups use its index


def checkdmarc_dns(client: DnsClient) -> dict[str, Any]:
    """checkdmarc's DNS keyword arguments for ``client``: ``resolver``, ``nameservers`` (for the
    lookups that ignore ``resolver``) and ``timeout`` — nothing of checkdmarc's reaches the
    network itself. Empties checkdmarc's shared cache (see the module docstring)."""
    return {"resolver": checkdmarc_resolver(client), "nameservers": [MemoNameserver(client)],
            "timeout": client.config.timeout}


_PARSERS = ("spf", "dmarc", "smtp_tls_reporting", "mta_sts")
"""checkdmarc's submodules the families use."""
_preload_lock = threading.Lock()
_preloading: list[threading.Thread] = []


def preload() -> None:
    """Start importing checkdmarc's parsers on a background thread (once per process). A family
    that will need them calls this before its first DNS question: the import (a few hundred
    milliseconds of CPU) then runs while the families wait for answers, instead of after them.
    Their own imports later find the modules loaded, or wait for the import to end."""
    with _preload_lock:
        if _preloading or all(f"checkdmarc.{name}" in sys.modules for name in _PARSERS):
            return
        # Not a daemon: a process ending mid-import waits for it rather than tearing it down.
        thread = threading.Thread(target=_import_parsers, name="preflight-checkdmarc-import")
        _preloading.append(thread)
        thread.start()


def _import_parsers() -> None:
    """Import the parsers the way the families do: through the light loader
    (``preflight.net.checkdmarc_import.checkdmarc_module``) where there is one, else whole."""
    try:
        light = importlib.import_module("preflight.net.checkdmarc_import")
        load = light.checkdmarc_module
    except ImportError:
        def load(name: str) -> object:
            # The package first, as the families import it: importing a submodule first takes
            # its import lock before the package's, and a family thread already inside the
            # package's __init__ (which imports every submodule) would meet it in a deadlock
            # that importlib breaks by failing one of the two imports.
            importlib.import_module("checkdmarc")
            return importlib.import_module(f"checkdmarc.{name}")
    for name in _PARSERS:
        try:
            load(name)
        except Exception:  # noqa: BLE001 - the family's own import raises it where it is reported
            return


def checkdmarc_resolver(client: DnsClient) -> dns.resolver.Resolver:
    """A resolver answering from ``client``, with checkdmarc's shared cache emptied."""
    from checkdmarc import utils

    utils.DNS_CACHE.clear()
    return MemoResolver(client)
