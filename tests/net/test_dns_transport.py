"""Transport truth: an answer that never arrives whole is "could not check", never absence.

Real loopback lab DNS server with transport faults (TC over TCP too, TCP closed without an
answer, garbage, a wrong message id); each is asked through the sync face, the async face and an
async batch — the one query path — and must come back as a DnsError, never NXDOMAIN/NODATA and
never an exception.
"""

from __future__ import annotations

import asyncio
import concurrent.futures

import dns.exception

import pytest

from preflight.lab.dnsserver import FaultKind, LabDnsServer
from preflight.net.dns import (
    DnsAnswer,
    DnsClient,
    DnsConfig,
    DnsError,
    Nameserver,
    host_name_problem,
)

BROKEN = [
    (FaultKind.TRUNCATE_TCP, "truncated"),
    (FaultKind.TCP_CLOSE, "connection closed"),
    (FaultKind.GARBAGE, "unreadable"),
    (FaultKind.WRONG_ID, ""),  # sync: "does not match"; batch: the reply is never matched (timeout)
    (FaultKind.TIMEOUT, "timeout"),
    (FaultKind.REFUSED, "refused"),
    (FaultKind.SERVFAIL, "servfail"),
]


def _client(server: LabDnsServer, retries: int = 0) -> DnsClient:
    host, port = server.address
    return DnsClient(DnsConfig((Nameserver(host, port),), timeout=0.5, retries=retries))


def _asks(client: DnsClient, qname: str, rdtype: str) -> list[DnsAnswer | DnsError]:
    """The same question through every face: sync, async, async batch (fresh cache each)."""
    fresh = [client, DnsClient(client.config), DnsClient(client.config)]
    return [
        fresh[0].ask(qname, rdtype),
        asyncio.run(fresh[1].aask(qname, rdtype)),
        *asyncio.run(fresh[2].agather([(qname, rdtype)])),
    ]


@pytest.mark.parametrize(("kind", "reason"), BROKEN)
@pytest.mark.parametrize(("qname", "rdtype"), [
    ("mx.good.test", "A"), ("good.test", "MX"), ("good.test", "TXT"),
    ("_dmarc.good.test", "TXT"), ("sel1._domainkey.good.test", "TXT"),
])
def test_broken_answers_are_errors_in_every_face(
    dns_server: LabDnsServer, kind: FaultKind, reason: str, qname: str, rdtype: str
) -> None:
    # Given a server whose answers for this name never arrive whole
    dns_server.add_fault(qname, kind)
    # When it is asked through the sync face, the async face and a batch
    results = _asks(_client(dns_server), qname, rdtype)
    # Then each is a DnsError (could not check), never an (empty) answer
    for result in results:
        assert isinstance(result, DnsError), (kind, result)
        assert not isinstance(result, DnsAnswer)
    assert reason in results[0].reason


def test_the_same_names_answer_without_the_fault(dns_server: LabDnsServer) -> None:
    # The control for the table above: the faulted names do have data.
    for qname, rdtype in [("mx.good.test", "A"), ("good.test", "MX"), ("good.test", "TXT")]:
        for result in _asks(_client(dns_server), qname, rdtype):
            assert isinstance(result, DnsAnswer) and result.records, (qname, rdtype, result)


def test_tcp_close_is_an_error_for_every_waiter_not_a_crash(dns_server: LabDnsServer) -> None:
    # Given TCP closing without an answer (once crashed the spf family with EOFError, and
    # left the mx family's waiters with an empty cache slot: AssertionError)
    dns_server.add_fault("good.test", FaultKind.TCP_CLOSE, "MX")
    client = _client(dns_server)
    # When many threads ask the same question at once
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: client.ask("good.test", "MX"), range(16)))
    # Then every one of them gets the same error
    assert all(isinstance(r, DnsError) for r in results)
    assert len({id(r) for r in results}) == 1
    with pytest.raises(DnsError):
        client.query("good.test", "MX")  # the raising face raises the remembered error


def test_sync_and_async_share_one_cache(dns_server: LabDnsServer) -> None:
    client = _client(dns_server)
    dns_server.reset_stats()
    first = client.ask("mx.good.test", "A")
    again = asyncio.run(client.aask("MX.good.test.", "a"))
    batch = asyncio.run(client.agather([("mx.good.test", "A")]))
    assert first is again is batch[0]
    assert dns_server.count_queries("mx.good.test", "A") == 1


def test_ask_never_raises_for_an_unaskable_name(dns_server: LabDnsServer) -> None:
    result = _client(dns_server).ask("a" * 64 + ".good.test", "A")
    assert isinstance(result, DnsError) and "invalid query" in result.reason


@pytest.mark.parametrize(("kind", "dead"), [
    (FaultKind.TIMEOUT, True), (FaultKind.REFUSED, True), (FaultKind.GARBAGE, True),
    (FaultKind.SERVFAIL, False), (FaultKind.NXDOMAIN, False), (None, False),
])
def test_probe_tells_a_dead_resolver_from_a_broken_name(
    dns_server: LabDnsServer, kind: FaultKind | None, dead: bool
) -> None:
    if kind is not None:
        dns_server.add_fault("mx.good.test", kind)
    found = _client(dns_server).probe("mx.good.test", "A")
    assert (found is not None) == dead


@pytest.mark.parametrize(("name", "bad"), [
    ("mail.example.com", False),
    ("xn--bcher-kva.example", False),
    ("a-b.c0.example", False),
    ("mail\\001.example.com", True),   # a control byte, as dnspython shows it
    ("mail\\032x.example.com", True),  # a space
    ("<script>.example.com", True),
    ("mail example.com", True),
    ("-mail.example.com", True),
    ("mail-.example.com", True),
    ("mail..example.com", True),
    ("mail_x.example.com", True),
    ("localhost", True),
    ("", True),
    (".", True),
    ("a" * 64 + ".example.com", True),
    (("a" * 63 + ".") * 4 + "com", True),
])
def test_host_name_problem(name: str, bad: bool) -> None:
    assert (host_name_problem(name) is not None) == bad


# -- libraries that take a dnspython resolver (checkdmarc) keep to the same truth ------------------


@pytest.mark.parametrize("kind", [FaultKind.TRUNCATE_TCP, FaultKind.TCP_CLOSE])
def test_library_resolver_never_turns_a_broken_answer_into_absence(
    dns_server: LabDnsServer, kind: FaultKind
) -> None:
    import dns.resolver

    dns_server.add_fault("good.test", kind, "TXT")
    with pytest.raises(dns.exception.DNSException) as caught:
        _client(dns_server).resolver().resolve("good.test", "TXT")
    assert not isinstance(caught.value, (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN))


def test_spf_include_truncated_over_tcp_is_could_not_check(dns_server: LabDnsServer) -> None:
    from preflight.checks import spf

    # Given "include:slow.cases.test" whose TXT arrives truncated over UDP and TCP alike
    dns_server.add_fault("slow.cases.test", FaultKind.TRUNCATE_TCP, "TXT")
    results = spf.evaluate(spf.collect(_client(dns_server), "spf-tempfail.cases.test", ("192.0.2.10",)))
    # Then nothing about the include is a fact: no "no SPF record at the include" failure
    statuses = {(r.check_id, r.status.value) for r in results}
    assert ("spf.authorizes", "error") in statuses
    assert not [r for r in results if r.status.value == "fail"], statuses
