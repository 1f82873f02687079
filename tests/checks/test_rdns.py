"""Reverse DNS and the new host name's forward DNS, against the lab (tests/zones)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.gate import GateServer
from checks.support import OutcomeRecorder, assert_could_not_check
from preflight.checks import rdns
from preflight.checks.rdns import HostFacts, PtrFacts, evaluate_host, evaluate_ptr, looks_generic
from preflight.engine import RunContext
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import Status
from preflight.net.dns import DnsAnswer, DnsClient, DnsError

Client = Callable[..., DnsClient]
Context = Callable[..., RunContext]


def ptr_results(client: DnsClient, ip: str, hostname: str | None = "mx.good.test") -> list:
    return evaluate_ptr(rdns.collect_ptr(client, ip), hostname)


# -- rdns.ptr / fcrdns / generic / hostname_match over the lab ------------------------------------


@pytest.mark.parametrize("ip", ["192.0.2.10", "2001:db8:10::10"])
def test_prepared_ip_passes_every_reverse_check(
    dns_client: DnsClient, outcomes: OutcomeRecorder, ip: str,
) -> None:
    results = ptr_results(dns_client, ip)
    outcomes.expect(results, "rdns.ptr", "found", Status.PASS, ip=ip, ptr="mx.good.test")
    outcomes.expect(results, "rdns.fcrdns", "confirmed", Status.PASS, ip=ip, ptr="mx.good.test")
    outcomes.expect(results, "rdns.generic", "specific", Status.PASS, ip=ip, ptr="mx.good.test")
    outcomes.expect(results, "rdns.hostname_match", "match", Status.PASS, ip=ip,
                    hostname="mx.good.test")
    assert results[0].evidence[0].label == f"PTR {ip}"


def test_ip_without_ptr_fails_and_skips_the_rest(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    # Given 192.0.2.30, which has no PTR in a served reverse zone (NXDOMAIN)
    results = ptr_results(dns_client, "192.0.2.30")
    # Then the PTR is missing (a fact: fail) and the checks that need it are skipped
    missing = outcomes.expect(results, "rdns.ptr", "missing", Status.FAIL, ip="192.0.2.30",
                              hostname="mx.good.test")
    assert "NXDOMAIN" in missing.evidence[0].value
    outcomes.expect(results, "rdns.fcrdns", "no_ptr", Status.SKIP)
    outcomes.expect(results, "rdns.generic", "no_ptr", Status.SKIP)
    outcomes.expect(results, "rdns.hostname_match", "no_ptr", Status.SKIP)


@pytest.mark.parametrize(("ip", "shown"), [
    ("192.0.2.41", "mail\\001\\010.cases.test"),      # control bytes, shown escaped
    ("192.0.2.42", "<script>alert\\(1\\)</script>.cases.test"),
    ("192.0.2.43", "mail\\032x.cases.test"),           # a space
    ("192.0.2.44", "-bad-.cases.test"),                 # hyphens at the ends of a label
    ("192.0.2.45", "<b>x</b>.cases.test"),              # markup
])
def test_ptr_name_that_is_no_host_name_fails_and_nothing_relies_on_it(
    dns_client: DnsClient, dns_server: LabDnsServer, outcomes: OutcomeRecorder, ip: str, shown: str,
) -> None:
    # Given a PTR name receivers treat as invalid (hostile data from the network)
    dns_server.reset_stats()
    results = ptr_results(dns_client, ip)
    # Then rdns.ptr fails naming it (escaped), and the checks that would trust it do not pass
    bad = outcomes.expect(results, "rdns.ptr", "invalid_name", Status.FAIL, ip=ip, ptr=shown)
    assert bad.params["problem"]
    outcomes.expect(results, "rdns.fcrdns", "invalid_ptr", Status.SKIP)
    outcomes.expect(results, "rdns.generic", "invalid_ptr", Status.SKIP)
    outcomes.expect(results, "rdns.hostname_match", "invalid_ptr", Status.SKIP)
    assert not any(r.status is Status.PASS for r in results)
    # and the invalid name is never sent out as a question
    assert dns_server.count_queries("cases.test", suffix=True) == 0


def test_two_ptr_names_warn_and_either_may_confirm(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = ptr_results(dns_client, "192.0.2.31")
    multiple = outcomes.expect(results, "rdns.ptr", "multiple", Status.WARN, ip="192.0.2.31")
    assert sorted(multiple.params["ptr"].split(", ")) == ["a.multi.cases.test", "b.multi.cases.test"]
    outcomes.expect(results, "rdns.fcrdns", "confirmed", Status.PASS)


@pytest.mark.parametrize(
    ("ip", "ptr", "addresses", "rrtype"),
    [
        # broken.test: the new IP still names the old host, which resolves to the old IP
        ("192.0.2.20", "smtp.broken.test", "198.51.100.20", "A"),
        # an IPv6 address whose PTR name has an A record but no AAAA
        ("2001:db8:10::40", "v4only.cases.test", "none", "AAAA"),
    ],
)
def test_ptr_not_resolving_back_is_a_mismatch(
    dns_client: DnsClient, outcomes: OutcomeRecorder, ip: str, ptr: str, addresses: str, rrtype: str,
) -> None:
    results = ptr_results(dns_client, ip)
    outcomes.expect(results, "rdns.ptr", "found", Status.PASS, ptr=ptr)
    outcomes.expect(results, "rdns.fcrdns", "mismatch", Status.FAIL, ip=ip, ptr=ptr,
                    addresses=addresses, rrtype=rrtype)


@pytest.mark.parametrize(
    ("ip", "ptr", "outcome", "clue"),
    [
        ("192.0.2.32", "192-0-2-32.cases.test", "address_digits", {"digits": "192-0-2-32"}),
        ("192.0.2.33", "host.dynamic.cases.test", "generic_word", {"word": "dynamic"}),
        ("192.0.2.34", "pool-a.cases.test", "generic_word", {"word": "pool"}),
        ("192.0.2.35", "c0000223.cases.test", "address_hex", {"hex": "c0000223"}),
        ("2001:db8:10::2:1", "2001-db8-10--2-1.v6.cases.test", "address_digits",
         {"digits": "2001-db8-10--2-1"}),
    ],
)
def test_generic_ptr_names_warn(
    dns_client: DnsClient, outcomes: OutcomeRecorder, ip: str, ptr: str, outcome: str, clue: dict[str, str],
) -> None:
    results = ptr_results(dns_client, ip)
    outcomes.expect(results, "rdns.generic", outcome, Status.WARN, ip=ip, ptr=ptr, **clue)


def test_ptr_name_other_than_the_hostname_warns(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    # Given 192.0.2.36 PTR other.cases.test (forward-confirmed) and the server's name mail.cases.test
    results = ptr_results(dns_client, "192.0.2.36", hostname="mail.cases.test")
    outcomes.expect(results, "rdns.fcrdns", "confirmed", Status.PASS)
    outcomes.expect(results, "rdns.hostname_match", "differs", Status.WARN, ip="192.0.2.36",
                    ptr="other.cases.test", hostname="mail.cases.test")


def test_without_a_hostname_the_match_is_skipped(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = ptr_results(dns_client, "192.0.2.10", hostname=None)
    outcomes.expect(results, "rdns.hostname_match", "no_hostname", Status.SKIP, ip="192.0.2.10")


# -- could not check --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["timeout", "servfail", "refused"])
def test_ptr_lookup_failure_is_an_error(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder, kind: str,
) -> None:
    # Given the reverse name of 192.0.2.38 (which has a PTR) fails
    dns_server.add_fault("38.2.0.192.in-addr.arpa", kind)
    results = ptr_results(client_for(timeout=0.3), "192.0.2.38")
    # Then: error for the PTR, skips for the rest; never a pass or a fail
    outcomes.expect(results, "rdns.ptr", "error", Status.ERROR, ip="192.0.2.38", reason=kind)
    assert_could_not_check(results)


def test_reverse_zone_nobody_serves_is_an_error(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    # 198.51.100.0/24 has no reverse zone in the lab: the server REFUSES, it does not say NXDOMAIN.
    results = ptr_results(dns_client, "198.51.100.1")
    outcomes.expect(results, "rdns.ptr", "error", Status.ERROR, reason="refused")
    assert_could_not_check(results)


@pytest.mark.parametrize("kind", ["timeout", "servfail"])
def test_forward_lookup_failure_is_an_fcrdns_error(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder, kind: str,
) -> None:
    # Given 192.0.2.37 PTR fwd-timeout.cases.test, whose A lookup fails
    dns_server.add_fault("fwd-timeout.cases.test", kind, "A")
    results = ptr_results(client_for(timeout=0.3), "192.0.2.37")
    outcomes.expect(results, "rdns.ptr", "found", Status.PASS)
    outcomes.expect(results, "rdns.fcrdns", "error", Status.ERROR, ip="192.0.2.37",
                    ptr="fwd-timeout.cases.test", reason=kind)


# -- host.forward ------------------------------------------------------------------------------


def host_results(client: DnsClient, hostname: str, *ips: str) -> list:
    return evaluate_host(rdns.collect_host(client, hostname), ips)


def test_hostname_resolving_to_every_new_ip_passes(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = host_results(dns_client, "mx.good.test", "192.0.2.10", "2001:db8:10::10")
    outcomes.expect(results, "host.forward", "resolves", Status.PASS, hostname="mx.good.test",
                    addresses="192.0.2.10, 2001:db8:10::10")


def test_hostname_without_aaaa_for_the_ipv6_ip_fails(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = host_results(dns_client, "v4only.cases.test", "192.0.2.40", "2001:db8:10::40")
    outcomes.expect(results, "host.forward", "missing_ip", Status.FAIL, hostname="v4only.cases.test",
                    ip="2001:db8:10::40", addresses="192.0.2.40")


def test_hostname_aliased_to_a_name_that_is_no_host_name_fails(
    dns_client: DnsClient, outcomes: OutcomeRecorder,
) -> None:
    # Given a CNAME to "bad name.cases.test" (a space), which does have the new IP
    results = host_results(dns_client, "cname-hostile.cases.test", "192.0.2.10")
    # Then host.forward fails on the invalid target instead of passing on its address
    outcomes.expect(results, "host.forward", "invalid_cname", Status.FAIL,
                    hostname="cname-hostile.cases.test", target="bad\\032name.cases.test")


def test_hostname_that_does_not_exist_fails(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = host_results(dns_client, "nonexistent.cases.test", "192.0.2.10")
    outcomes.expect(results, "host.forward", "nxdomain", Status.FAIL, hostname="nonexistent.cases.test")


@pytest.mark.parametrize("kind", ["timeout", "servfail"])
def test_hostname_lookup_failure_is_an_error(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder, kind: str,
) -> None:
    # Only AAAA fails: A alone must not be taken as the whole truth.
    dns_server.add_fault("mx.good.test", kind, "AAAA")
    results = host_results(client_for(timeout=0.3), "mx.good.test", "192.0.2.10", "2001:db8:10::10")
    outcomes.expect(results, "host.forward", "error", Status.ERROR, hostname="mx.good.test",
                    reason=kind)
    assert_could_not_check(results)


# -- the family entry --------------------------------------------------------------------------------


def test_run_checks_every_ip_and_the_hostname(context_for: Context, outcomes: OutcomeRecorder) -> None:
    ctx = context_for(ips=("192.0.2.10", "2001:db8:10::10"), hostname="mx.good.test")
    results = rdns.run(ctx).results
    assert {r.status for r in results} == {Status.PASS}
    assert len(results) == 2 * 4 + 1
    outcomes.expect(results, "host.forward", "resolves", Status.PASS)


def test_run_without_hostname_skips_the_forward_check(
    context_for: Context, outcomes: OutcomeRecorder,
) -> None:
    results = rdns.run(context_for(ips=("192.0.2.10",))).results
    outcomes.expect(results, "host.forward", "no_hostname", Status.SKIP, subject="(no --hostname)")
    outcomes.expect(results, "rdns.hostname_match", "no_hostname", Status.SKIP)


# -- pure functions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ip", "name", "why"),
    [
        # specific names
        ("192.0.2.10", "mail.example.com", None),
        ("192.0.2.10", "mx10.example.com", None),
        ("192.0.2.10", "smtp-out.example.org", None),
        ("192.0.2.10", "dynamo.example", None),  # 'dyn' inside a word
        ("192.0.2.10", "poolside.example", None),
        ("192.0.2.10", "mail.natural.example", None),
        ("192.0.2.10", "users.example", None),
        ("192.0.2.10", "superuser.example", None),
        ("2001:db8::25", "mail.example.com", None),
        ("2001:db8::1", "mx1.example.com", None),
        # the address in it
        ("192.0.2.10", "192-0-2-10.example.net", ("digits", "192-0-2-10")),
        ("192.0.2.10", "10-2-0-192.example.net", ("digits", "10-2-0-192")),
        ("192.0.2.10", "10.2.0.192.rev.example.net", ("digits", "10.2.0.192")),
        ("192.0.2.10", "host192_0_2_10.example", ("digits", "192_0_2_10")),
        ("192.0.2.10", "ip19202100.example", ("digits", "1920210")),
        ("192.0.2.10", "c000020a.example", ("hex", "c000020a")),
        ("192.0.2.10", "C000020A.EXAMPLE", ("hex", "c000020a")),
        ("2001:db8::25", "2001-db8--25.v6.example", ("digits", "2001-db8--25")),
        ("2001:db8:10::2:1", "20010db8001000000000000000020001.example",
         ("digits", "20010db8001000000000000000020001")),
        ("2001:db8:10::2:1", "1000200000000000000001008bd01002.example",
         ("digits", "1000200000000000000001008bd01002")),
        # consumer / dynamic words
        ("192.0.2.10", "host.dynamic.example", ("word", "dynamic")),
        ("192.0.2.10", "host.dyn.example", ("word", "dyn")),
        ("192.0.2.10", "dhcp-7.example", ("word", "dhcp")),
        ("192.0.2.10", "pool-a.example", ("word", "pool")),
        ("192.0.2.10", "adsl.example", ("word", "adsl")),
        ("192.0.2.10", "ppp12.example", ("word", "ppp")),
        ("192.0.2.10", "customer-42.isp.example", ("word", "customer")),
        ("192.0.2.10", "static-ip-5.isp.example", ("word", "static-ip")),
        ("192.0.2.10", "x_cable_y.example", ("word", "cable")),
        ("192.0.2.10", "HOST.DYNAMIC.EXAMPLE", ("word", "dynamic")),
        ("2001:db8::25", "host.pool.v6.example", ("word", "pool")),
    ],
)
def test_looks_generic(ip: str, name: str, why: tuple[str, str] | None) -> None:
    assert looks_generic(ip, name) == why


@settings(max_examples=200, deadline=None)
@given(ip=st.ip_addresses(), name=st.text(max_size=300))
def test_looks_generic_never_raises_on_hostile_names(ip: object, name: str) -> None:
    why = looks_generic(str(ip), name)
    assert why is None or why[0] in ("digits", "hex", "word")


@settings(max_examples=100, deadline=None)
@given(ip=st.ip_addresses(v=4), sep=st.sampled_from("-._"), reverse=st.booleans())
def test_names_built_from_the_ipv4_address_are_generic(ip: object, sep: str, reverse: bool) -> None:
    octets = str(ip).split(".")
    name = f"host{sep}{sep.join(octets[::-1] if reverse else octets)}.isp.example"
    assert looks_generic(str(ip), name) is not None


def _answer(qname: str, rdtype: str, *records: str, nxdomain: bool = False) -> DnsAnswer:
    return DnsAnswer(qname, rdtype, tuple(records), 300 if records else None, "lab", nxdomain)


@pytest.mark.parametrize(
    ("facts", "hostname", "expected"),
    [
        (PtrFacts("192.0.2.1", DnsError("1.2.0.192.in-addr.arpa", "PTR", "timeout", "lab")), "h.test",
         [("rdns.ptr", "error"), ("rdns.fcrdns", "no_ptr"), ("rdns.generic", "no_ptr"),
          ("rdns.hostname_match", "no_ptr")]),
        (PtrFacts("192.0.2.1", _answer("r", "PTR", nxdomain=True)), None,
         [("rdns.ptr", "missing"), ("rdns.fcrdns", "no_ptr"), ("rdns.generic", "no_ptr"),
          ("rdns.hostname_match", "no_ptr")]),
        (PtrFacts("192.0.2.1", _answer("r", "PTR", "h.test"),
                  (("h.test", _answer("h.test", "A", "192.0.2.1")),)), "h.test",
         [("rdns.ptr", "found"), ("rdns.fcrdns", "confirmed"), ("rdns.generic", "specific"),
          ("rdns.hostname_match", "match")]),
        # one forward lookup failed, another confirmed: confirmed wins
        (PtrFacts("192.0.2.1", _answer("r", "PTR", "a.test", "b.test"),
                  (("a.test", DnsError("a.test", "A", "timeout", "lab")),
                   ("b.test", _answer("b.test", "A", "192.0.2.1")))), "b.test",
         [("rdns.ptr", "multiple"), ("rdns.fcrdns", "confirmed"), ("rdns.generic", "specific"),
          ("rdns.hostname_match", "match")]),
        # nothing confirmed and one lookup failed: could not check, not a mismatch
        (PtrFacts("192.0.2.1", _answer("r", "PTR", "a.test", "b.test"),
                  (("a.test", DnsError("a.test", "A", "servfail", "lab")),
                   ("b.test", _answer("b.test", "A", "192.0.2.9")))), "a.test",
         [("rdns.ptr", "multiple"), ("rdns.fcrdns", "error"), ("rdns.generic", "specific"),
          ("rdns.hostname_match", "match")]),
        # the address compares as an address, not as text
        (PtrFacts("2001:db8::1", _answer("r", "PTR", "h.test"),
                  (("h.test", _answer("h.test", "AAAA", "2001:0db8:0:0::1")),)), "other.test",
         [("rdns.ptr", "found"), ("rdns.fcrdns", "confirmed"), ("rdns.generic", "specific"),
          ("rdns.hostname_match", "differs")]),
        # a generic PTR other than the HELO name: the advice must not be "use the generic name as HELO"
        (PtrFacts("2001:db8:25::25", _answer("r", "PTR", "2001-db8-25--25.v6.provider.test"),
                  (("2001-db8-25--25.v6.provider.test", _answer("x", "AAAA", "2001:db8:25::25")),)),
         "mail.example.test",
         [("rdns.ptr", "found"), ("rdns.fcrdns", "confirmed"), ("rdns.generic", "address_digits"),
          ("rdns.hostname_match", "differs_generic")]),
    ],
)
def test_evaluate_ptr_table(facts: PtrFacts, hostname: str | None, expected: list) -> None:
    assert [(r.check_id, r.outcome) for r in evaluate_ptr(facts, hostname)] == expected


@pytest.mark.parametrize(
    ("a", "aaaa", "ips", "outcome"),
    [
        (_answer("h", "A", "192.0.2.1"), _answer("h", "AAAA"), ("192.0.2.1",), "resolves"),
        (_answer("h", "A", "192.0.2.1"), _answer("h", "AAAA"), ("192.0.2.1", "2001:db8::1"),
         "missing_ip"),
        (_answer("h", "A", nxdomain=True), _answer("h", "AAAA", nxdomain=True), ("192.0.2.1",),
         "nxdomain"),
        (_answer("h", "A", "192.0.2.1"), DnsError("h", "AAAA", "refused", "lab"), ("192.0.2.1",),
         "error"),
    ],
)
def test_evaluate_host_table(a: object, aaaa: object, ips: tuple[str, ...], outcome: str) -> None:
    (result,) = evaluate_host(HostFacts("h", a, aaaa), ips)  # type: ignore[arg-type]
    assert result.outcome == outcome


def test_advice_for_a_generic_ptr_never_suggests_it_as_helo_name(outcomes: OutcomeRecorder) -> None:
    # Given a generic PTR that differs from the HELO name
    facts = PtrFacts("2001:db8:25::25", _answer("r", "PTR", "2001-db8-25--25.v6.provider.test"), ())
    found = evaluate_ptr(facts, "mail.example.test")
    outcomes.expect(found, "rdns.hostname_match", "differs_generic", Status.WARN, ip="2001:db8:25::25",
                    ptr="2001-db8-25--25.v6.provider.test", hostname="mail.example.test")
    results = {r.check_id: r for r in found}
    # Then the remediation of hostname_match, in both languages, names only the HELO name as the fix
    from preflight.i18n.messages import result_text

    match = results["rdns.hostname_match"]
    for lang in ("en", "ja"):
        text = result_text(match.check_id, match.outcome, dict(match.params), lang).remediation or ""
        assert "mail.example.test" in text
        assert "smtp_helo_name" not in text and "myhostname" not in text


# -- PTR lookups: bounded only by the client's concurrency ----------------------------------------


def test_ptr_lookups_are_bounded_only_by_the_client_concurrency() -> None:
    # Given 24 IPs and a server that answers only once 24 PTR questions wait at once
    from preflight.net.dns import DnsConfig, Nameserver

    ips = [f"192.0.2.{i}" for i in range(1, 25)]
    server = GateServer(gate=len(ips), deadline=3.0)
    try:
        client = DnsClient(DnsConfig(nameservers=(Nameserver("127.0.0.1", server.port),),
                                     timeout=30.0, retries=0, concurrency=64))
        # When rdns looks them all up
        facts = rdns.collect_ptrs(client, ips)
    finally:
        server.close()
    # Then all 24 were in flight together (a fixed pool of 8 would hold the gate shut)
    assert server.most == len(ips)
    assert [f.ip for f in facts] == ips
    assert all(isinstance(f.ptr, DnsAnswer) and f.ptr.nxdomain for f in facts)
