"""Tests for the lab's loopback authoritative DNS server, over real UDP/TCP sockets."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.resolver
import dns.zone
import pytest

from preflight.lab.dnsserver import FaultKind, LabDnsServer, QueryRecord

LONG_TXT = " ".join(f'"{chr(97 + i) * 200}"' for i in range(6))  # ~1.2 kB: over 512, under 4096

EXAMPLE_ZONE = f"""\
$ORIGIN example.
$TTL 3600
@           IN SOA ns1.example. hostmaster.example. 1 7200 900 1209600 300
@           IN NS  ns1.example.
ns1         IN A   192.0.2.1
@           IN MX  10 mail.example.
@      600  IN TXT "v=spf1 ip4:192.0.2.25 -all"
mail   300  IN A    192.0.2.25
mail   300  IN AAAA 2001:db8::25
www         IN A   192.0.2.10
alias       IN CNAME www
far         IN CNAME www.other.test.
outside     IN CNAME host.elsewhere.invalid.
dangling    IN CNAME missing
loop1       IN CNAME loop2
loop2       IN CNAME loop1
sel._domainkey IN TXT "v=DKIM1; p=MIIB"
long        IN TXT {LONG_TXT}
*.wild      IN A   192.0.2.50
*.wild      IN TXT "wildcard"
host.wild   IN A   192.0.2.51
*.cwild     IN CNAME www
"""

SUB_ZONE = """\
$ORIGIN sub.example.
@     300 IN SOA ns1.sub.example. hostmaster.sub.example. 1 7200 900 1209600 60
@     300 IN NS  ns1.sub.example.
ns1   300 IN A   192.0.2.2
host  300 IN A   192.0.2.77
"""

OTHER_ZONE = """\
$ORIGIN other.test.
@     300 IN SOA ns.other.test. hostmaster.other.test. 1 7200 900 1209600 120
@     300 IN NS  ns.other.test.
ns    300 IN A   192.0.2.3
www   120 IN A   192.0.2.99
"""

REVERSE_ZONE = """\
$ORIGIN 2.0.192.in-addr.arpa.
@     300 IN SOA ns1.example. hostmaster.example. 1 7200 900 1209600 300
@     300 IN NS  ns1.example.
25    300 IN PTR mail.example.
"""


@pytest.fixture
def zone_dir(tmp_path: Path) -> Path:
    """A directory holding four zone files plus a file that is not a zone."""
    (tmp_path / "example.zone").write_text(EXAMPLE_ZONE)
    (tmp_path / "sub.example.zone").write_text(SUB_ZONE)
    (tmp_path / "other.test.zone").write_text(OTHER_ZONE)
    (tmp_path / "reverse.zone").write_text(REVERSE_ZONE)
    (tmp_path / "README.txt").write_text("not a zone")
    return tmp_path


@pytest.fixture
def server(zone_dir: Path) -> Iterator[LabDnsServer]:
    with LabDnsServer.from_directory(zone_dir) as srv:
        yield srv


def ask(
    srv: LabDnsServer,
    name: str,
    rdtype: str = "A",
    *,
    tcp: bool = False,
    timeout: float = 2.0,
    **make_kwargs: object,
) -> dns.message.Message:
    """Send one query to the lab server over UDP (default) or TCP."""
    query = dns.message.make_query(name, rdtype, **make_kwargs)  # type: ignore[arg-type]
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, srv.host, timeout=timeout, port=srv.port)


def answer_texts(response: dns.message.Message) -> list[tuple[str, str, int, list[str]]]:
    return [
        (
            rrset.name.to_text(),
            dns.rdatatype.to_text(rrset.rdtype),
            rrset.ttl,
            sorted(rdata.to_text() for rdata in rrset),
        )
        for rrset in response.answer
    ]


# -- plain answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rdtype", "ttl", "values"),
    [
        ("www.example", "A", 3600, ["192.0.2.10"]),
        ("mail.example", "A", 300, ["192.0.2.25"]),
        ("mail.example", "AAAA", 300, ["2001:db8::25"]),
        ("example", "TXT", 600, ['"v=spf1 ip4:192.0.2.25 -all"']),
        ("example", "MX", 3600, ["10 mail.example."]),
        ("sel._domainkey.example", "TXT", 3600, ['"v=DKIM1; p=MIIB"']),
        ("25.2.0.192.in-addr.arpa", "PTR", 300, ["mail.example."]),
    ],
)
def test_exact_answers_carry_zone_ttl(
    server: LabDnsServer, name: str, rdtype: str, ttl: int, values: list[str]
) -> None:
    response = ask(server, name, rdtype)
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA
    assert answer_texts(response) == [(name + ".", rdtype, ttl, values)]


def test_response_echoes_id_question_and_rd(server: LabDnsServer) -> None:
    query = dns.message.make_query("www.example", "A")
    query.flags &= ~dns.flags.RD
    response = dns.query.udp(query, server.host, timeout=2, port=server.port)
    assert response.id == query.id
    assert response.question == query.question
    assert not response.flags & dns.flags.RD
    assert response.flags & dns.flags.RA  # documented: the lab stands in for a resolver too


def test_names_are_case_insensitive(server: LabDnsServer) -> None:
    response = ask(server, "WwW.ExAmPlE", "A")
    assert [rr.to_text() for rr in response.answer[0]] == ["192.0.2.10"]


def test_any_returns_every_rrset_at_the_name(server: LabDnsServer) -> None:
    response = ask(server, "mail.example", "ANY")
    assert {dns.rdatatype.to_text(rrset.rdtype) for rrset in response.answer} == {"A", "AAAA"}


# -- negative answers -------------------------------------------------------------------------


def test_nodata_has_soa_in_authority(server: LabDnsServer) -> None:
    response = ask(server, "mail.example", "TXT")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.answer == []
    assert response.flags & dns.flags.AA
    (soa,) = response.authority
    assert soa.name == dns.name.from_text("example.")
    assert soa.rdtype == dns.rdatatype.SOA
    assert soa.ttl == 300  # RFC 2308: min(SOA TTL, SOA MINIMUM)


def test_nxdomain_has_soa_in_authority(server: LabDnsServer) -> None:
    response = ask(server, "nope.example", "A")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert response.flags & dns.flags.AA
    assert [rrset.rdtype for rrset in response.authority] == [dns.rdatatype.SOA]


def test_empty_non_terminal_is_nodata_not_nxdomain(server: LabDnsServer) -> None:
    response = ask(server, "_domainkey.example", "TXT")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.answer == []
    assert [rrset.rdtype for rrset in response.authority] == [dns.rdatatype.SOA]


def test_names_outside_every_zone_are_refused(server: LabDnsServer) -> None:
    response = ask(server, "www.example.org", "A")
    assert response.rcode() == dns.rcode.REFUSED
    assert not response.flags & dns.flags.AA
    assert response.answer == [] and response.authority == []


def test_a_root_zone_can_be_served_and_removed() -> None:
    # The OpenSPF oracle serves each scenario as one root zone and swaps it between scenarios.
    zone = dns.zone.Zone(dns.name.root, relativize=False)
    zone.find_rdataset(dns.name.root, "SOA", create=True).add(
        dns.rdata.from_text("IN", "SOA", "ns.lab. hostmaster.lab. 1 3600 600 86400 300"), 300)
    zone.find_rdataset(dns.name.from_text("a.b.example"), "A", create=True).add(
        dns.rdata.from_text("IN", "A", "192.0.2.7"), 300)
    with LabDnsServer([zone]) as srv:
        assert answer_texts(ask(srv, "a.b.example", "A")) == [("a.b.example.", "A", 300, ["192.0.2.7"])]
        assert ask(srv, "b.example", "A").rcode() == dns.rcode.NOERROR  # empty non-terminal
        assert ask(srv, "c.example", "A").rcode() == dns.rcode.NXDOMAIN
        srv.remove_zone(".")
        srv.remove_zone(".")  # removing what is not served is no error
        assert ask(srv, "a.b.example", "A").rcode() == dns.rcode.REFUSED


def test_the_most_specific_zone_answers(server: LabDnsServer) -> None:
    assert answer_texts(ask(server, "host.sub.example")) == [
        ("host.sub.example.", "A", 300, ["192.0.2.77"])
    ]
    missing = ask(server, "nope.sub.example")
    assert missing.rcode() == dns.rcode.NXDOMAIN
    assert missing.authority[0].name == dns.name.from_text("sub.example.")


# -- CNAME and wildcards ----------------------------------------------------------------------


def test_cname_is_chased_within_the_zone(server: LabDnsServer) -> None:
    assert answer_texts(ask(server, "alias.example", "A")) == [
        ("alias.example.", "CNAME", 3600, ["www.example."]),
        ("www.example.", "A", 3600, ["192.0.2.10"]),
    ]


def test_cname_is_chased_into_another_served_zone(server: LabDnsServer) -> None:
    assert answer_texts(ask(server, "far.example", "A")) == [
        ("far.example.", "CNAME", 3600, ["www.other.test."]),
        ("www.other.test.", "A", 120, ["192.0.2.99"]),
    ]


def test_cname_query_and_unserved_target_return_the_cname_only(server: LabDnsServer) -> None:
    assert [r.rdtype for r in ask(server, "alias.example", "CNAME").answer] == [dns.rdatatype.CNAME]
    outside = ask(server, "outside.example", "A")
    assert outside.rcode() == dns.rcode.NOERROR
    assert [r.rdtype for r in outside.answer] == [dns.rdatatype.CNAME]


def test_dangling_cname_reports_nxdomain_for_the_target(server: LabDnsServer) -> None:
    response = ask(server, "dangling.example", "A")
    assert response.rcode() == dns.rcode.NXDOMAIN  # RFC 6604: rcode of the last name
    assert [r.rdtype for r in response.answer] == [dns.rdatatype.CNAME]


def test_cname_loop_terminates(server: LabDnsServer) -> None:
    response = ask(server, "loop1.example", "A")
    assert [r.name.to_text() for r in response.answer] == ["loop1.example.", "loop2.example."]


def test_resolver_follows_the_cname(server: LabDnsServer) -> None:
    answer = server.resolver().resolve("alias.example", "A")
    assert answer.canonical_name == dns.name.from_text("www.example.")
    assert [rr.to_text() for rr in answer] == ["192.0.2.10"]


def test_wildcard_synthesises_records_with_the_query_owner(server: LabDnsServer) -> None:
    assert answer_texts(ask(server, "a.b.wild.example", "A")) == [
        ("a.b.wild.example.", "A", 3600, ["192.0.2.50"])
    ]
    assert answer_texts(ask(server, "x.wild.example", "TXT")) == [
        ("x.wild.example.", "TXT", 3600, ['"wildcard"'])
    ]


def test_wildcard_nodata_and_existing_names_block_it(server: LabDnsServer) -> None:
    nodata = ask(server, "x.wild.example", "MX")
    assert nodata.rcode() == dns.rcode.NOERROR and nodata.answer == []
    assert [r.rdtype for r in nodata.authority] == [dns.rdatatype.SOA]
    # Given host.wild exists, it is the closest encloser of y.host.wild: no *.host.wild, no match.
    assert answer_texts(ask(server, "host.wild.example")) == [
        ("host.wild.example.", "A", 3600, ["192.0.2.51"])
    ]
    assert ask(server, "y.host.wild.example").rcode() == dns.rcode.NXDOMAIN
    # The wildcard owner itself is an ordinary name.
    assert answer_texts(ask(server, "*.wild.example"))[0][3] == ["192.0.2.50"]


def test_wildcard_cname_is_synthesised_and_chased(server: LabDnsServer) -> None:
    assert answer_texts(ask(server, "q.cwild.example", "A")) == [
        ("q.cwild.example.", "CNAME", 3600, ["www.example."]),
        ("www.example.", "A", 3600, ["192.0.2.10"]),
    ]


# -- truncation and TCP -----------------------------------------------------------------------


def test_long_answer_is_truncated_over_udp_and_complete_over_tcp(server: LabDnsServer) -> None:
    udp = ask(server, "long.example", "TXT")
    assert udp.flags & dns.flags.TC
    assert udp.answer == []
    assert udp.question == dns.message.make_query("long.example", "TXT").question
    tcp = ask(server, "long.example", "TXT", tcp=True)
    assert not tcp.flags & dns.flags.TC
    assert len(tcp.answer[0][0].strings) == 6


def test_edns_payload_size_is_honoured(server: LabDnsServer) -> None:
    big = ask(server, "long.example", "TXT", use_edns=0, payload=4096)
    assert not big.flags & dns.flags.TC and big.answer
    small = ask(server, "long.example", "TXT", use_edns=0, payload=512)
    assert small.flags & dns.flags.TC


def test_resolver_falls_back_to_tcp_on_truncation(server: LabDnsServer) -> None:
    answer = server.resolver().resolve("long.example", "TXT")
    assert len(answer[0].strings) == 6
    assert ("long.example.", "TXT", "tcp") in server.query_log


def test_tcp_connection_carries_several_queries(server: LabDnsServer) -> None:
    queries = [dns.message.make_query(name, "A") for name in ("www.example", "mail.example")]
    with socket.create_connection(server.address, timeout=2) as sock:
        for query in queries:  # pipelined: both sent before reading
            wire = query.to_wire()
            sock.sendall(len(wire).to_bytes(2, "big") + wire)
        for query in queries:
            response, _ = dns.query.receive_tcp(sock, expiration=time.time() + 2)
            assert response.id == query.id and response.answer


# -- faults -----------------------------------------------------------------------------------


def test_timeout_fault_never_answers(server: LabDnsServer) -> None:
    server.add_fault("www.example", "timeout")
    with pytest.raises(dns.exception.Timeout):
        ask(server, "www.example", timeout=0.3)
    with pytest.raises(dns.exception.Timeout):
        ask(server, "www.example", tcp=True, timeout=0.3)
    assert ask(server, "mail.example").answer  # other names unaffected


@pytest.mark.parametrize(
    ("kind", "rcode"),
    [
        ("servfail", dns.rcode.SERVFAIL),
        ("refused", dns.rcode.REFUSED),
        (FaultKind.NXDOMAIN, dns.rcode.NXDOMAIN),
    ],
)
def test_rcode_faults(server: LabDnsServer, kind: str, rcode: dns.rcode.Rcode) -> None:
    server.add_fault("WWW.example.", kind)
    for tcp in (False, True):
        response = ask(server, "www.example", tcp=tcp)
        assert response.rcode() == rcode
        assert response.answer == []


def test_nxdomain_fault_carries_the_zone_soa(server: LabDnsServer) -> None:
    server.add_fault("mail.example", "nxdomain")
    response = ask(server, "mail.example", "A")
    assert [r.rdtype for r in response.authority] == [dns.rdatatype.SOA]


def test_truncate_fault_forces_tcp(server: LabDnsServer) -> None:
    server.add_fault("www.example", "truncate")
    udp = ask(server, "www.example")
    assert udp.flags & dns.flags.TC and udp.answer == []
    assert ask(server, "www.example", tcp=True).answer
    assert [rr.to_text() for rr in server.resolver().resolve("www.example", "A")] == ["192.0.2.10"]


def test_typed_fault_only_hits_that_type(server: LabDnsServer) -> None:
    server.add_fault("mail.example", "servfail", rdtype="AAAA")
    assert ask(server, "mail.example", "AAAA").rcode() == dns.rcode.SERVFAIL
    assert ask(server, "mail.example", "A").rcode() == dns.rcode.NOERROR


def test_suffix_fault_covers_the_name_and_below(server: LabDnsServer) -> None:
    server.add_fault("dead.example", "refused", suffix=True)
    assert ask(server, "dead.example").rcode() == dns.rcode.REFUSED
    assert ask(server, "a.b.dead.example", "TXT").rcode() == dns.rcode.REFUSED
    assert ask(server, "undead.example").rcode() == dns.rcode.NXDOMAIN


def test_most_specific_fault_wins_and_clear_restores(server: LabDnsServer) -> None:
    server.add_fault("example", "servfail", suffix=True)
    server.add_fault("www.example", "refused")
    assert ask(server, "www.example").rcode() == dns.rcode.REFUSED
    assert ask(server, "mail.example").rcode() == dns.rcode.SERVFAIL
    server.clear_faults()
    assert ask(server, "www.example").rcode() == dns.rcode.NOERROR


def test_remove_fault(server: LabDnsServer) -> None:
    fault = server.add_fault("www.example", "servfail")
    server.remove_fault(fault)
    assert ask(server, "www.example").rcode() == dns.rcode.NOERROR


def test_fault_arguments_are_validated(server: LabDnsServer) -> None:
    with pytest.raises(ValueError):
        server.add_fault("www.example", "explode")
    with pytest.raises(ValueError):
        server.add_fault("www.example", "delay")  # a delay fault needs a delay
    with pytest.raises(ValueError):
        server.add_fault("www.example", "servfail", delay=-1)


def _timed_concurrent_queries(srv: LabDnsServer, names: list[str]) -> tuple[float, list[float]]:
    """Send one UDP query per name from its own thread; return (wall time, per-query times)."""
    durations: list[float] = []
    lock = threading.Lock()

    def one(name: str) -> None:
        began = time.monotonic()
        assert ask(srv, name, timeout=3).answer
        with lock:
            durations.append(time.monotonic() - began)

    threads = [threading.Thread(target=one, args=(name,)) for name in names]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(durations) == len(names)
    return time.monotonic() - began, durations


def test_delay_faults_run_concurrently(server: LabDnsServer) -> None:
    server.add_fault("www.example", "delay", delay=0.5)
    wall, durations = _timed_concurrent_queries(server, ["www.example"] * 10)
    assert min(durations) >= 0.45  # a lower bound: the delay is real (load only adds to it)
    assert wall < 5 * 0.5  # together: one delay (5x margin); one after another would be 5 s


def test_a_delayed_answer_does_not_hold_up_others(server: LabDnsServer) -> None:
    # Given a question whose answer the server holds back for 3 s
    server.add_fault("www.example", "delay", delay=3.0)
    answered = threading.Event()

    def slow_question() -> None:
        ask(server, "www.example", timeout=30)
        answered.set()

    slow = threading.Thread(target=slow_question)
    slow.start()
    # When other questions arrive meanwhile (over TCP and UDP)
    assert ask(server, "mail.example", tcp=True).answer
    assert ask(server, "mail.example").answer
    # Then they were answered while the slow one was still held: no timing, only the order
    assert not answered.is_set()
    slow.join()
    assert answered.is_set()


def test_global_latency_is_per_query_and_concurrent(zone_dir: Path) -> None:
    with LabDnsServer.from_directory(zone_dir, latency=0.3) as srv:
        wall, durations = _timed_concurrent_queries(srv, ["www.example", "mail.example"] * 10)
    assert min(durations) >= 0.25  # a lower bound: the latency is real (load only adds to it)
    assert wall < 5 * 0.3  # together: one latency (5x margin); one after another would be 6 s


def test_hundreds_of_queries_in_flight(zone_dir: Path) -> None:
    async def flood(srv: LabDnsServer) -> list[dns.message.Message]:
        queries = [dns.message.make_query(f"h{i}.wild.example", "A") for i in range(300)]
        return await asyncio.gather(
            *(dns.asyncquery.udp(q, srv.host, timeout=5, port=srv.port) for q in queries)
        )

    with LabDnsServer.from_directory(zone_dir, latency=0.3) as srv:
        began = time.monotonic()
        responses = asyncio.run(flood(srv))
        # Given 300 queries at 0.3 s each: serialised would take 90 s.
        assert time.monotonic() - began < 3
        assert srv.queries == 300
    assert all(r.answer[0][0].to_text() == "192.0.2.50" for r in responses)


# -- zones, addresses, lifecycle --------------------------------------------------------------


def test_from_directory_loads_every_zone_file(server: LabDnsServer) -> None:
    assert server.origins == ["2.0.192.in-addr.arpa.", "example.", "other.test.", "sub.example."]


def test_from_directory_without_zones_fails(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no \*\.zone files"):
        LabDnsServer.from_directory(tmp_path)


def test_explicit_origin_and_duplicate_zone(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    path.write_text(OTHER_ZONE.replace("$ORIGIN other.test.\n", ""))
    srv = LabDnsServer()
    srv.add_zone(path, origin="plain.test")
    with pytest.raises(ValueError, match="already served"):
        srv.add_zone(path, origin="plain.test.")
    with srv:
        assert answer_texts(ask(srv, "www.plain.test")) == [
            ("www.plain.test.", "A", 120, ["192.0.2.99"])
        ]


def test_udp_and_tcp_share_the_port(server: LabDnsServer) -> None:
    host, port = server.address
    assert host == "127.0.0.1" and port > 0
    assert ask(server, "www.example").answer and ask(server, "www.example", tcp=True).answer


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="no IPv6 loopback on this machine")
def test_ipv6_loopback(zone_dir: Path) -> None:
    with LabDnsServer.from_directory(zone_dir, host="::1") as srv:
        assert srv.address[0] == "::1"
        assert ask(srv, "mail.example", "AAAA").answer
        assert ask(srv, "mail.example", "AAAA", tcp=True).answer
        assert [rr.to_text() for rr in srv.resolver().resolve("www.example")] == ["192.0.2.10"]


def test_malformed_packets_are_ignored(server: LabDnsServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for garbage in (b"", b"\x00", b"\xff" * 40, b"\x12\x34\x01\x00\x00\x01" + b"\x00" * 6):
            sock.sendto(garbage, server.address)
    with socket.create_connection(server.address, timeout=2) as sock:
        sock.sendall(b"\x00\x05hello")
        wire = dns.message.make_query("www.example", "A").to_wire()
        sock.sendall(len(wire).to_bytes(2, "big") + wire)  # same connection still served
        response, _ = dns.query.receive_tcp(sock, expiration=time.time() + 2)
        assert response.answer
    assert ask(server, "www.example").answer
    assert server.malformed >= 4


def test_query_counter_and_log(server: LabDnsServer) -> None:
    ask(server, "WWW.example", "A")
    ask(server, "mail.example", "AAAA", tcp=True)
    assert server.queries == 2
    assert server.query_log == [
        QueryRecord("www.example.", "A", "udp"),
        QueryRecord("mail.example.", "AAAA", "tcp"),
    ]
    assert server.count_queries("example", suffix=True) == 2
    assert server.count_queries("dead.example", suffix=True) == 0
    assert server.count_queries("mail.example", "aaaa") == 1
    server.reset_stats()
    assert server.queries == 0 and server.query_log == []


def test_port_unknown_before_start_and_stop_is_prompt(zone_dir: Path) -> None:
    srv = LabDnsServer.from_directory(zone_dir)
    with pytest.raises(RuntimeError):
        _ = srv.port
    srv.start()
    address = srv.address
    with pytest.raises(RuntimeError):
        srv.start()
    conn = socket.create_connection(address, timeout=2)  # an idle TCP client must not block stop
    thread = srv._thread
    assert thread is not None
    srv.stop()
    # stop() joins the server thread with a 5 s bound: a thread still alive after it means the
    # idle client held stop up (no timing needed to tell)
    assert not thread.is_alive()
    srv.stop()  # idempotent
    with contextlib.suppress(ConnectionResetError):  # closed: FIN, or RST if never accepted
        assert conn.recv(1) == b""
    conn.close()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        assert probe.connect_ex(address) != 0  # nothing listens any more
