"""DnsClient.agather shares one UDP socket per batch: replies reach the right question, TC goes
to TCP, the bound holds, and a batch also works over IPv6 loopback (when the host has it)."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from checks.gate import GateServer
from conftest import require

from preflight.lab.dnsserver import LabDnsServer
from preflight.lab.environment import lab_dns
from preflight.net.dns import DnsAnswer, DnsClient, DnsConfig, DnsError, Nameserver


def client(server: LabDnsServer, timeout: float = 2.0, concurrency: int = 64) -> DnsClient:
    host, port = server.address
    return DnsClient(DnsConfig((Nameserver(host, port),), timeout=timeout, retries=0,
                               concurrency=concurrency))


def test_many_replies_each_reach_their_own_question(dns_server: LabDnsServer) -> None:
    # Given 300 different questions answered in a random-ish order (some delayed)
    for i in range(0, 300, 7):
        dns_server.add_fault(f"q{i}.gather.cases.test", "delay", delay=0.05)
    questions = [(f"q{i}.gather.cases.test", "A") for i in range(300)]
    questions += [("mx.good.test", "AAAA"), ("nonexistent.good.test", "A"), ("good.test", "TXT")]
    # When they go out as one batch
    results = asyncio.run(client(dns_server).agather(questions, limit=300))
    # Then every slot holds the answer to its own question
    assert [r.qname for r in results] == [q for q, _ in questions]
    assert all(isinstance(r, DnsAnswer) and r.records == ("192.0.2.99",) for r in results[:300])
    v6, nx, txt = results[300:]
    assert isinstance(v6, DnsAnswer) and v6.records == ("2001:db8:10::10",)
    assert isinstance(nx, DnsAnswer) and nx.nxdomain
    assert isinstance(txt, DnsAnswer) and txt.rdtype == "TXT"


def test_truncated_reply_in_a_batch_is_asked_again_over_tcp(dns_server: LabDnsServer) -> None:
    dns_server.add_fault("mx.good.test", "truncate")
    dns_server.reset_stats()
    (answer,) = client(dns_server).gather([("mx.good.test", "A")])
    assert isinstance(answer, DnsAnswer) and answer.records == ("192.0.2.10",)
    assert [q.transport for q in dns_server.query_log if q.name == "mx.good.test."] == ["udp", "tcp"]


def _gated(gate: int, deadline: float, concurrency: int, limit: int) -> int:
    """The most questions that waited at once at a gate server, for 10 questions in one batch."""
    server = GateServer(gate=gate, deadline=deadline, rdtype="A")
    questions = [(f"l{i}.gather.cases.test", "A") for i in range(10)]
    try:
        gated = DnsClient(DnsConfig((Nameserver("127.0.0.1", server.port),), timeout=30.0,
                                    retries=0, concurrency=concurrency))
        results = asyncio.run(gated.agather(questions, limit=limit))
    finally:
        server.close()
    assert all(isinstance(r, DnsAnswer) and r.nxdomain for r in results), results
    return server.most


def test_limit_overrides_the_configured_bound() -> None:
    # No timing: a gate server counts the questions waiting at once.
    # limit=5 over a configured 64: five at a time (the gate of 6 never opens; each wave of five
    # waits for its 1 s deadline), never more
    assert _gated(gate=6, deadline=1.0, concurrency=64, limit=5) == 5
    # limit=10 over a configured 2: all ten at once (the gate of 10 opens at once)
    assert _gated(gate=10, deadline=10.0, concurrency=2, limit=10) == 10


def test_timeouts_in_a_batch_cost_one_timeout(dns_server: LabDnsServer) -> None:
    dns_server.add_fault("gather.cases.test", "timeout", suffix=True)
    questions = [(f"t{i}.gather.cases.test", "A") for i in range(100)] + [("mx.good.test", "A")]
    began = time.monotonic()
    results = asyncio.run(client(dns_server, timeout=0.3).agather(questions, limit=128))
    # in parallel: one timeout (0.3 s; the bound is 16x that), one after another would take 30 s
    assert time.monotonic() - began < 5
    assert all(isinstance(r, DnsError) and r.reason == "timeout" for r in results[:100])
    assert isinstance(results[100], DnsAnswer)


def test_a_batch_over_ipv6_loopback() -> None:
    try:
        probe = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        probe.bind(("::1", 0))
        probe.close()
        has_v6 = True
    except OSError:
        has_v6 = False
    require(has_v6, "no IPv6 loopback on this host")
    with lab_dns(host="::1") as server:
        results = client(server).gather([("mail.example.com", "A"), ("example.com", "MX")])
    assert all(isinstance(r, DnsAnswer) for r in results), results
    assert results[0].records == ("203.0.113.25",) and results[0].server.startswith("[::1]:")


@pytest.mark.parametrize("limit", [1, 64])
def test_gather_order_and_errors_are_kept(dns_server: LabDnsServer, limit: int) -> None:
    dns_server.add_fault("bad.gather.cases.test", "servfail")
    results = asyncio.run(client(dns_server).agather(
        [("ok.gather.cases.test", "A"), ("bad.gather.cases.test", "A")], limit=limit))
    assert isinstance(results[0], DnsAnswer) and isinstance(results[1], DnsError)


def test_retries_in_a_batch_resend_within_one_timeout(dns_server: LabDnsServer) -> None:
    # Given a server that never answers (it only keeps what it receives), and two retries
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as dead:
        dead.bind(("127.0.0.1", 0))
        retrying = DnsClient(DnsConfig((Nameserver("127.0.0.1", dead.getsockname()[1]),),
                                       timeout=0.6, retries=2))
        began = time.monotonic()
        (result,) = retrying.gather([("dead.gather.cases.test", "A")])
        elapsed = time.monotonic() - began
        dead.setblocking(False)
        received: list[bytes] = []
        while True:
            try:
                received.append(dead.recv(4096))
            except BlockingIOError:
                break
    # Then the question went out three times as copies of ONE exchange (same message id, same
    # bytes), which has one timeout: no timing needed to tell one timeout from three
    assert isinstance(result, DnsError) and result.reason == "timeout"
    assert len(received) == 3 and len(set(received)) == 1
    assert elapsed < 5 * 0.6  # only a hang guard, 5x the one timeout
    # And a server that answers the first copy is asked once
    host, port = dns_server.address
    answering = DnsClient(DnsConfig((Nameserver(host, port),), timeout=0.6, retries=2))
    dns_server.reset_stats()
    (ok,) = answering.gather([("ok.gather.cases.test", "A")])
    assert isinstance(ok, DnsAnswer) and dns_server.count_queries("ok.gather.cases.test", "A") == 1
