"""checkdmarc's resolver answers from the run's DNS client, the way dnspython's own would.

The oracle is dnspython's resolver itself (:meth:`DnsClient.resolver`, real packets) on the same
loopback lab and the same faults: for every case the bridge must return the same records or raise
the same kind of exception — absence (NXDOMAIN, NoAnswer) stays absence, "could not check"
(timeout, NoNameservers) stays could-not-check. And it must never send a packet of its own.
"""

from __future__ import annotations

import dataclasses

import dns.exception
import dns.resolver
import pytest
from checks.gate import FirstHopProxy

from preflight.lab.dnsserver import FaultKind, LabDnsServer
from preflight.net.checkdmarc_bridge import (
    MemoNameserver,
    MemoResolver,
    checkdmarc_dns,
    checkdmarc_resolver,
)
from preflight.net.dns import DnsAnswer, DnsClient, DnsConfig, DnsError, Nameserver

FAULTS = [None, FaultKind.TIMEOUT, FaultKind.SERVFAIL, FaultKind.REFUSED, FaultKind.NXDOMAIN,
          FaultKind.TRUNCATE, FaultKind.TRUNCATE_TCP, FaultKind.TCP_CLOSE, FaultKind.GARBAGE]
QUESTIONS = [
    ("good.test", "TXT"), ("good.test", "MX"), ("mx.good.test", "A"), ("mx.good.test", "AAAA"),
    ("good.test", "SPF"), ("good.test", "CNAME"), ("spf-cname.cases.test", "CNAME"),
    ("spf-cname.cases.test", "TXT"), ("alias.cases.test", "A"), ("nothing.good.test", "TXT"),
    ("_spf.cases.test", "TXT"), ("outside.cases.test", "A"),
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
        # (and dnspython's resolver on the bridge's nameserver, for lookups that ignore resolver=:
        # there "could not check" is always "all nameservers failed", never a wait for the lifetime)
        own = dns.resolver.Resolver(configure=False)
        own.nameservers = [MemoNameserver(_client(dns_server))]
        via_nameserver = _outcome(own, qname, rdtype)
        # Then both see the same records, or the same kind of failure. One difference, both
        # "could not check": dnspython's resolver waits out a garbage reply (timeout) where
        # our client reads it at once as unreadable (all nameservers failed).
        if fault is FaultKind.GARBAGE and expected == "timeout":
            expected = "NoNameservers"
        # And one on purpose: a CNAME whose target the server did not chase (outside its data).
        # dnspython's stub stops at the CNAME (NoAnswer, a "fact"); the client chases it as a
        # recursive resolver would, and the lab refuses the target: could not check, as pyspf
        # and every family see it too.
        if qname == "outside.cases.test" and expected == "NoAnswer":
            expected = "NoNameservers"
        assert got == expected, (fault, qname, rdtype)
        assert via_nameserver == ("NoNameservers" if expected == "timeout" else expected), (
            fault, qname, rdtype)


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


def test_lookups_that_ignore_the_resolver_go_through_the_client(dns_server: LabDnsServer) -> None:
    from checkdmarc import spf as cspf

    # Given an SPF record whose exp= target checkdmarc looks up without its resolver= argument
    dns_server.reset_stats()
    parsed = cspf.parse_spf_record("v=spf1 -all exp=explain.good.test", "good.test",
                                   **checkdmarc_dns(_client(dns_server)))
    # Then the question reached the run's server (not the system resolver), and its answer is a
    # fact: the name does not exist
    assert ("explain.good.test.", "TXT") in [(r.name, r.rdtype) for r in dns_server.query_log]
    assert any("does not exist" in w for w in parsed["warnings"]), parsed["warnings"]


def test_a_chain_the_client_chased_itself_reads_as_one_answer(dns_server: LabDnsServer) -> None:
    # Given a server that does not chase CNAMEs (alias → alias2 → mx.good.test): the client
    # follows the chain itself, one hop per question, and keeps the last hop's response
    proxy = FirstHopProxy(dns_server.address)
    try:
        client = DnsClient(DnsConfig((Nameserver("127.0.0.1", proxy.port),), timeout=0.5, retries=0))
        expected = _outcome(_client(dns_server).resolver(), "alias.cases.test", "A")
        got = _outcome(MemoResolver(client), "alias.cases.test", "A")
        own = dns.resolver.Resolver(configure=False)
        own.nameservers = [MemoNameserver(client)]
        answer = own.resolve("alias.cases.test", "A")
    finally:
        proxy.close()
    # Then checkdmarc sees the records a chasing resolver gives, under the asked name's chain
    assert got == expected and expected
    assert sorted(r.to_text() for r in answer) == expected
    assert answer.canonical_name.to_text() == "mx.good.test."


class _WithoutResponses(DnsClient):
    """A real client whose answers keep no response (as a parser that builds none would)."""

    def ask(self, qname: str, rdtype: str) -> DnsAnswer | DnsError:
        result = super().ask(qname, rdtype)
        return dataclasses.replace(result, response=None) if isinstance(result, DnsAnswer) else result


def test_an_answer_without_its_response_is_rebuilt_from_its_records(dns_server: LabDnsServer) -> None:
    host, port = dns_server.address
    config = DnsConfig((Nameserver(host, port),), timeout=0.5, retries=0)
    for qname, rdtype in QUESTIONS + [("mx-null.cases.test", "MX"), ("mx-null-mixed.cases.test", "MX")]:
        # Given answers that kept only their records: the bridge reads them the same way
        expected = _outcome(_client(dns_server).resolver(), qname, rdtype)
        if qname == "outside.cases.test":
            continue  # the chase of our own (see above)
        assert _outcome(MemoResolver(_WithoutResponses(config)), qname, rdtype) == expected, qname
        own = dns.resolver.Resolver(configure=False)
        own.nameservers = [MemoNameserver(_WithoutResponses(config))]
        assert _outcome(own, qname, rdtype) == expected, qname
