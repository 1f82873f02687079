"""The DNS layer against the lab DNS server over real loopback sockets (no mocks).

Zones: examples/lab plus tests/zones (good.test, cases.test and their reverse zones).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from checks.gate import GateServer

from preflight.errors import UsageError
from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import (
    DnsAnswer,
    DnsClient,
    DnsConfig,
    DnsError,
    Nameserver,
    reverse_name,
)

Client = Callable[..., DnsClient]


@pytest.fixture()
def client_for(dns_server: LabDnsServer) -> Client:
    """A fresh DnsClient on the lab with a chosen timeout, retries and concurrency."""

    def build(timeout: float = 0.5, retries: int = 0, concurrency: int = 64) -> DnsClient:
        host, port = dns_server.address
        return DnsClient(DnsConfig((Nameserver(host, port),), timeout=timeout, retries=retries,
                                   concurrency=concurrency))

    return build


@pytest.fixture()
def silent_port() -> Iterator[int]:
    """A loopback UDP port that receives queries and never answers (a dead nameserver)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


# -- Nameserver.parse ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("127.0.0.1", "127.0.0.1", 53),
        (" 127.0.0.1 ", "127.0.0.1", 53),
        ("127.0.0.1:5353", "127.0.0.1", 5353),
        ("127.0.0.1:65535", "127.0.0.1", 65535),
        ("[::1]:53", "::1", 53),
        ("[::1]:5353", "::1", 5353),
        ("[::1]", "::1", 53),
        ("::1", "::1", 53),
        ("2001:db8::53", "2001:db8::53", 53),
        ("[2001:db8::53]:1053", "2001:db8::53", 1053),
    ],
)
def test_nameserver_parse_accepts_ip_and_optional_port(text: str, host: str, port: int) -> None:
    ns = Nameserver.parse(text)
    assert (ns.host, ns.port) == (host, port)
    assert Nameserver.parse(str(ns)) == ns  # str() is parseable again: [v6]:port, v4:port


@pytest.mark.parametrize(
    "text",
    [
        "host:99999",
        "127.0.0.1:99999",
        "127.0.0.1:0",
        "127.0.0.1:",
        "127.0.0.1:-1",
        "127.0.0.1:+53",
        "127.0.0.1:dns",
        "127.0.0.1:53:53",
        "ns1.example.com",
        "ns1.example.com:53",
        "localhost",
        "[::1",
        "[::1]x",
        "[::1]:",
        "[::1]:70000",
        "[ns1.example.com]:53",
        "192.0.2.300",
        "",
    ],
)
def test_nameserver_parse_rejects_names_and_bad_ports(text: str) -> None:
    with pytest.raises(UsageError, match="invalid nameserver"):
        Nameserver.parse(text)


def test_str_of_nameserver_brackets_ipv6_only() -> None:
    assert str(Nameserver("::1", 5353)) == "[::1]:5353"
    assert str(Nameserver("127.0.0.1", 53)) == "127.0.0.1:53"


def test_client_without_nameservers_is_a_usage_error_or_the_system_resolver() -> None:
    # An empty list means "system resolver"; it either works or says how to pass one.
    try:
        client = DnsClient(DnsConfig())
    except UsageError as exc:
        assert "--nameserver" in str(exc)
    else:
        assert client.system and client.nameservers


# -- answers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qname", "rdtype", "records", "ttl"),
    [
        ("mx.good.test", "A", ("192.0.2.10",), 300),
        ("mx.good.test", "AAAA", ("2001:db8:10::10",), 300),
        ("good.test", "MX", ("10 mx.good.test",), 300),
        ("mx-highttl.cases.test", "MX", ("10 mx.good.test",), 86400),
        ("good.test", "TXT", ("v=spf1 ip4:192.0.2.10 ip6:2001:db8:10::10 -all",), 300),
        ("10.2.0.192.in-addr.arpa", "PTR", ("mx.good.test",), 300),
        ("good.test", "NS", ("ns1.good.test",), 300),
        ("mx.good.test.", "A", ("192.0.2.10",), 300),  # a trailing dot is the same name
        ("MX.Good.TEST", "A", ("192.0.2.10",), 300),  # so is another case
    ],
)
def test_answers_carry_records_and_ttl(
    dns_client: DnsClient, dns_server: LabDnsServer, qname: str, rdtype: str,
    records: tuple[str, ...], ttl: int,
) -> None:
    answer = dns_client.query(qname, rdtype)
    assert answer.records == records
    assert answer.ttl == ttl
    assert answer.exists and not answer.nxdomain
    assert answer.server == f"{dns_server.host}:{dns_server.port}"
    assert answer.cname_chain == ()


def test_mx_answer_sorts_by_preference(dns_client: DnsClient) -> None:
    answer = dns_client.query("good.test", "MX")
    assert answer.mx() == [(10, "mx.good.test")]
    assert DnsAnswer("x.test", "MX", ("20 b.test", "5 a.test"), 60, "-").mx() == [
        (5, "a.test"), (20, "b.test")]


def test_null_mx_target_is_the_root(dns_client: DnsClient) -> None:
    assert dns_client.query("mx-null.cases.test", "MX").mx() == [(0, ".")]


def test_txt_strings_of_one_record_are_joined_without_spaces(dns_client: DnsClient) -> None:
    # Given a DKIM key record split into two character-strings in the zone (255 + rest)
    answer = dns_client.query("sel1._domainkey.good.test", "TXT")
    # Then the client returns one record, the strings concatenated
    (record,) = answer.records
    assert record.startswith("v=DKIM1; k=rsa; p=MIIBIjAN") and record.endswith("IDAQAB")
    assert " " not in record.partition("p=")[2]
    assert len(record) > 255


def test_ptr_helpers_build_reverse_names(dns_client: DnsClient) -> None:
    assert reverse_name("192.0.2.10") == "10.2.0.192.in-addr.arpa"
    assert reverse_name("2001:db8:10::10") == (
        "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.8.b.d.0.1.0.0.2.ip6.arpa")
    assert dns_client.ptr("192.0.2.10").records == ("mx.good.test",)
    assert dns_client.ptr("2001:db8:10::10").records == ("mx.good.test",)
    two = dns_client.ptr("192.0.2.31")
    assert sorted(two.records) == ["a.multi.cases.test", "b.multi.cases.test"]


def test_hostile_txt_bytes_come_back_as_text(dns_client: DnsClient) -> None:
    # \007 \027 \127 in the zone file are the bytes BEL, ESC and DEL.
    (record,) = dns_client.query("_dmarc.dmarc-hostile.cases.test", "TXT").records
    assert record == "v=DMARC1; p=<script>alert(1)</script>\x07\x1b\x7f"


def test_evidence_names_record_ttl_and_server(dns_client: DnsClient, dns_server: LabDnsServer) -> None:
    ev = dns_client.query("mx.good.test", "A").evidence()
    assert ev.label == "A mx.good.test"
    assert ev.value == "192.0.2.10 (TTL 300)"
    assert ev.source == f"@ {dns_server.host}:{dns_server.port}"


# -- absence is a value --------------------------------------------------------------------------


def test_nxdomain_is_an_answer_not_an_error(dns_client: DnsClient) -> None:
    answer = dns_client.query("nonexistent.good.test", "A")
    assert answer.nxdomain and not answer.exists and answer.records == ()
    assert answer.ttl == 300  # negative TTL: min(SOA TTL, SOA MINIMUM)
    assert answer.describe() == "NXDOMAIN (name does not exist)"


@pytest.mark.parametrize(
    ("qname", "rdtype"),
    [
        ("good.test", "AAAA"),  # the name exists, not this type
        ("mx.good.test", "TXT"),
        ("_domainkey.good.test", "TXT"),  # empty non-terminal: it exists, it has no records
    ],
)
def test_nodata_is_an_empty_answer_not_nxdomain(dns_client: DnsClient, qname: str, rdtype: str) -> None:
    answer = dns_client.query(qname, rdtype)
    assert not answer.nxdomain and not answer.exists
    assert answer.describe() == "NODATA (no record of this type)"
    assert "TTL" not in answer.evidence().value


# -- could not check: DnsError ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["timeout", "servfail", "refused"])
def test_faults_raise_dns_error_with_reason_in_bounded_time(
    client_for: Client, dns_server: LabDnsServer, kind: str,
) -> None:
    # Given a server that misbehaves for one name, and a client with one retry
    dns_server.add_fault("mx.good.test", kind)
    client = client_for(timeout=0.3, retries=1)
    dns_server.reset_stats()
    # When the name is asked
    started = time.monotonic()
    with pytest.raises(DnsError) as caught:
        client.query("mx.good.test", "A")
    elapsed = time.monotonic() - started
    # Then the error names the reason and server; the cost is bounded by timeout x attempts
    assert caught.value.reason == kind
    assert (caught.value.qname, caught.value.rdtype) == ("mx.good.test", "A")
    assert caught.value.server == f"{dns_server.host}:{dns_server.port}"
    assert dns_server.count_queries("mx.good.test", "A") == 2  # first try + one retry
    # (the count proves the attempts; the time bound only catches a hang: 5x timeout x attempts)
    assert elapsed < 5 * 0.3 * 2
    assert caught.value.evidence().value == f"no answer: {kind}"


def test_name_outside_every_served_zone_is_refused(dns_client: DnsClient) -> None:
    with pytest.raises(DnsError) as caught:
        dns_client.query("mail.unserved.test", "A")
    assert caught.value.reason == "refused"


def test_dead_nameserver_costs_its_timeout_then_the_next_answers(
    dns_server: LabDnsServer, silent_port: int,
) -> None:
    # Given a first nameserver that never answers and the lab as the second
    client = DnsClient(DnsConfig(
        (Nameserver("127.0.0.1", silent_port), Nameserver(*dns_server.address)), timeout=0.3))
    started = time.monotonic()
    # When a name is asked, Then the lab's answer comes after about one timeout
    answer = client.query("mx.good.test", "A")
    assert answer.records == ("192.0.2.10",)
    assert answer.server == f"{dns_server.host}:{dns_server.port}"
    assert time.monotonic() - started < 5 * 0.3  # one timeout, with a 5x margin


def test_only_dead_nameservers_is_a_timeout(silent_port: int) -> None:
    client = DnsClient(DnsConfig((Nameserver("127.0.0.1", silent_port),), timeout=0.2, retries=0))
    started = time.monotonic()
    with pytest.raises(DnsError) as caught:
        client.query("mx.good.test", "A")
    assert caught.value.reason == "timeout"
    assert caught.value.server == f"127.0.0.1:{silent_port}"
    assert time.monotonic() - started < 5 * 0.2  # one timeout, with a 5x margin


@pytest.mark.parametrize("kind", ["timeout", "servfail", "refused"])
def test_async_query_faults_raise_the_same_errors(
    client_for: Client, dns_server: LabDnsServer, kind: str,
) -> None:
    dns_server.add_fault("mx.good.test", kind, "AAAA")
    client = client_for(timeout=0.3)
    started = time.monotonic()
    with pytest.raises(DnsError) as caught:
        asyncio.run(client.aquery("mx.good.test", "AAAA"))
    assert caught.value.reason == kind
    assert time.monotonic() - started < 5 * 0.3  # one timeout, with a 5x margin
    # The fault is typed: A still answers.
    assert asyncio.run(client.aquery("mx.good.test", "A")).records == ("192.0.2.10",)


def test_invalid_name_is_a_dns_error_not_a_crash(dns_client: DnsClient) -> None:
    with pytest.raises(DnsError) as caught:
        dns_client.query("a" * 64 + ".good.test", "A")  # label longer than 63
    assert caught.value.reason.startswith("invalid query")


# -- truncation and TCP ----------------------------------------------------------------------------


def test_truncated_answer_is_retried_over_tcp(dns_client: DnsClient, dns_server: LabDnsServer) -> None:
    # Given a server that sets TC on every UDP answer for the name
    dns_server.add_fault("mx.good.test", "truncate")
    dns_server.reset_stats()
    # When the client asks
    answer = dns_client.query("mx.good.test", "A")
    # Then it still gets the answer, over TCP after the truncated UDP one
    assert answer.records == ("192.0.2.10",)
    transports = [q.transport for q in dns_server.query_log if q.name == "mx.good.test."]
    assert transports == ["udp", "tcp"]


def test_answer_larger_than_udp_payload_comes_over_tcp(
    client_for: Client, dns_server: LabDnsServer,
) -> None:
    dns_server.reset_stats()
    (record,) = client_for().query("huge._domainkey.cases.test", "TXT").records
    assert len(record) > 4000
    sync_transports = [q.transport for q in dns_server.query_log]
    (again,) = asyncio.run(client_for().aquery("huge._domainkey.cases.test", "TXT")).records
    assert again == record
    assert sync_transports == ["udp", "tcp"]
    assert [q.transport for q in dns_server.query_log][2:] == ["udp", "tcp"]


# -- CNAME ---------------------------------------------------------------------------------------


def test_cname_chain_is_followed_and_recorded(dns_client: DnsClient) -> None:
    answer = dns_client.query("alias.cases.test", "A")
    assert answer.qname == "alias.cases.test"
    assert answer.records == ("192.0.2.10",)
    assert answer.cname_chain == ("alias2.cases.test", "mx.good.test")


def test_txt_through_cname(dns_client: DnsClient) -> None:
    answer = dns_client.query("spf-cname.cases.test", "TXT")
    assert answer.records == ("v=spf1 ip4:192.0.2.10 ip6:2001:db8:10::10 -all",)
    assert answer.cname_chain == ("_spf.cases.test",)


def test_asking_for_the_cname_itself_does_not_chase(dns_client: DnsClient) -> None:
    answer = dns_client.query("alias.cases.test", "CNAME")
    assert answer.records == ("alias2.cases.test",)
    assert answer.cname_chain == ()


def test_cname_the_server_cannot_chase_is_followed_by_the_client(
    dns_client: DnsClient, dns_server: LabDnsServer,
) -> None:
    # Given a CNAME into a zone the lab does not serve (it answers with the CNAME alone)
    dns_server.reset_stats()
    # When the client follows it, Then the target's REFUSED is the error
    with pytest.raises(DnsError) as caught:
        dns_client.query("outside.cases.test", "A")
    assert caught.value.reason == "refused"
    assert caught.value.qname == "mail.unserved.test."
    assert dns_server.count_queries("mail.unserved.test", "A") == 1


# -- memo ----------------------------------------------------------------------------------------


def test_memo_returns_the_same_answer_and_sends_one_query(
    dns_client: DnsClient, dns_server: LabDnsServer,
) -> None:
    dns_server.reset_stats()
    first = dns_client.query("mx.good.test", "A")
    second = dns_client.query("MX.good.test.", "a")
    assert second is first
    assert dns_server.count_queries("mx.good.test", "A") == 1
    # Another type is another question.
    dns_client.query("mx.good.test", "AAAA")
    assert dns_server.count_queries("mx.good.test") == 2


def test_memo_remembers_failures_too(client_for: Client, dns_server: LabDnsServer) -> None:
    # Given a name that times out once
    dns_server.add_fault("mx.good.test", "timeout")
    client = client_for(timeout=0.2)
    dns_server.reset_stats()
    with pytest.raises(DnsError) as first:
        client.query("mx.good.test", "A")
    # When the fault is gone and the same client asks again
    dns_server.clear_faults()
    with pytest.raises(DnsError) as second:
        client.query("mx.good.test", "A")
    # Then the run keeps one view of DNS: the same failure, no second query
    assert second.value is first.value
    assert dns_server.count_queries("mx.good.test", "A") == 1


def test_concurrent_askers_share_one_query(client_for: Client, dns_server: LabDnsServer) -> None:
    # Given a slow answer and 20 threads asking the same question at once
    dns_server.add_fault("mx.good.test", "delay", "A", delay=0.2)
    client = client_for(timeout=5.0)  # 25x the delay: only the sharing is under test
    dns_server.reset_stats()
    answers: list[DnsAnswer] = []
    lock = threading.Lock()

    def ask() -> None:
        answer = client.query("mx.good.test", "A")
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    # Then one query went out and everyone got that answer
    assert len(answers) == 20 and all(a is answers[0] for a in answers)
    assert dns_server.count_queries("mx.good.test", "A") == 1


# -- concurrency ---------------------------------------------------------------------------------


def _gate_client(server: GateServer, concurrency: int = 64) -> DnsClient:
    return DnsClient(DnsConfig((Nameserver("127.0.0.1", server.port),), timeout=30.0, retries=0,
                               concurrency=concurrency))


def test_gather_runs_questions_concurrently() -> None:
    # Given a server that answers only once 50 questions wait at once (no timing: a client asking
    # fewer at a time keeps the gate shut until its deadline, and `most` stays below 50)
    server = GateServer(gate=50, deadline=10.0, rdtype="A")
    questions = [(f"n{i}.gather.cases.test", "A") for i in range(50)]
    try:
        # When they are gathered
        results = _gate_client(server).gather(questions)
    finally:
        server.close()
    # Then all 50 were in flight together, and every slot holds its own answer, in order
    assert server.most == 50
    assert [r.qname for r in results] == [q for q, _ in questions]
    assert all(isinstance(r, DnsAnswer) and r.nxdomain for r in results)


def test_gather_is_bounded_by_concurrency() -> None:
    # Given 10 names, at most 5 queries in flight, and a server that would answer at once if 6
    # waited together (else it holds each wave for 1 s)
    server = GateServer(gate=6, deadline=1.0, rdtype="A")
    questions = [(f"b{i}.gather.cases.test", "A") for i in range(10)]
    try:
        results = _gate_client(server, concurrency=5).gather(questions)
    finally:
        server.close()
    # Then never more than 5 waited at once (two waves, not one), and all were answered
    assert server.most == 5
    assert all(isinstance(r, DnsAnswer) for r in results)


def test_agather_puts_each_error_in_its_slot(client_for: Client, dns_server: LabDnsServer) -> None:
    dns_server.add_fault("bad.gather.cases.test", "servfail")
    dns_server.add_fault("slow.gather.cases.test", "timeout")
    questions = [("ok.gather.cases.test", "A"), ("bad.gather.cases.test", "A"),
                 ("slow.gather.cases.test", "A"), ("nonexistent.good.test", "A")]
    ok, bad, slow, nx = asyncio.run(client_for(timeout=0.3).agather(questions))
    assert isinstance(ok, DnsAnswer) and ok.records == ("192.0.2.99",)
    assert isinstance(bad, DnsError) and bad.reason == "servfail"
    assert isinstance(slow, DnsError) and slow.reason == "timeout"
    assert isinstance(nx, DnsAnswer) and nx.nxdomain
