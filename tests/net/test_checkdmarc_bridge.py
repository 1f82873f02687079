"""checkdmarc's resolver answers from the run's DNS client, the way dnspython's own would.

The oracle is dnspython's resolver itself (:meth:`DnsClient.resolver`, real packets) on the same
loopback lab and the same faults: for every case the bridge must return the same records or raise
the same kind of exception — absence (NXDOMAIN, NoAnswer) stays absence, "could not check"
(timeout, NoNameservers) stays could-not-check. And it must never send a packet of its own.
"""

from __future__ import annotations

import dns.exception
import dns.resolver
import pytest

from preflight.lab.dnsserver import FaultKind, LabDnsServer
from preflight.net.checkdmarc_bridge import MemoResolver, checkdmarc_resolver
from preflight.net.dns import DnsClient, DnsConfig, Nameserver

FAULTS = [None, FaultKind.TIMEOUT, FaultKind.SERVFAIL, FaultKind.REFUSED, FaultKind.NXDOMAIN,
          FaultKind.TRUNCATE, FaultKind.TRUNCATE_TCP, FaultKind.TCP_CLOSE, FaultKind.GARBAGE]
QUESTIONS = [
    ("good.test", "TXT"), ("good.test", "MX"), ("mx.good.test", "A"), ("mx.good.test", "AAAA"),
    ("good.test", "SPF"), ("good.test", "CNAME"), ("spf-cname.cases.test", "CNAME"),
    ("spf-cname.cases.test", "TXT"), ("alias.cases.test", "A"), ("nothing.good.test", "TXT"),
    ("_spf.cases.test", "TXT"),
]


def _client(server: LabDnsServer) -> DnsClient:
    host, port = server.address
    return DnsClient(DnsConfig((Nameserver(host, port),), timeout=0.5, retries=0))


def _outcome(resolver: dns.resolver.Resolver, qname: str, rdtype: str) -> object:
    """What a library sees: the records (TXT as their character-strings), or the exception kind."""
    try:
        answer = resolver.resolve(qname, rdtype)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers,
            dns.exception.Timeout) as exc:
        return "timeout" if isinstance(exc, dns.exception.Timeout) else type(exc).__name__
    return sorted(tuple(r.strings) if rdtype == "TXT" else r.to_text() for r in answer)


@pytest.mark.parametrize("fault", FAULTS)
def test_bridge_answers_and_raises_as_dnspython_does(
    dns_server: LabDnsServer, fault: FaultKind | None
) -> None:
    for qname, rdtype in QUESTIONS:
        dns_server.clear_faults()
        if fault is not None:
            dns_server.add_fault(qname, fault)
        # Given dnspython's own resolver on the lab (the oracle) and the bridge on a fresh client
        expected = _outcome(_client(dns_server).resolver(), qname, rdtype)
        got = _outcome(MemoResolver(_client(dns_server)), qname, rdtype)
        # Then both see the same records, or the same kind of failure. One difference, both
        # "could not check": dnspython's resolver waits out a garbage reply (timeout) where
        # our client reads it at once as unreadable (all nameservers failed).
        if fault is FaultKind.GARBAGE and expected == "timeout":
            expected = "NoNameservers"
        assert got == expected, (fault, qname, rdtype)


def test_bridge_sends_nothing_of_its_own(dns_server: LabDnsServer) -> None:
    # Given a client that already asked its questions
    client = _client(dns_server)
    for qname, rdtype in QUESTIONS:
        client.ask(qname, rdtype)
    dns_server.reset_stats()
    # When checkdmarc's resolver is asked the same questions again and again
    resolver = checkdmarc_resolver(client)
    for _ in range(3):
        for qname, rdtype in QUESTIONS:
            _outcome(resolver, qname, rdtype)
    # Then the lab saw no packet at all: every answer came from the client's memo
    assert dns_server.queries == 0


def test_bridge_asks_through_the_client_once(dns_server: LabDnsServer) -> None:
    # Given a fresh client: the bridge's questions go out through it, each once
    dns_server.reset_stats()
    resolver = checkdmarc_resolver(_client(dns_server))
    for _ in range(3):
        _outcome(resolver, "good.test", "TXT")
    assert [(r.name, r.rdtype) for r in dns_server.query_log] == [("good.test.", "TXT")]
