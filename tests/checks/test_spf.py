"""SPF: record, lookup limits and check_host() per new IP, against the lab (tests/zones).

checkdmarc parses and counts, pyspf evaluates: both really run, on the lab through our resolver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from checks.support import OutcomeRecorder, assert_could_not_check, texts
from preflight.checks import spf
from preflight.checks.spf import SpfFacts, evaluate, spf_records
from preflight.engine import RunContext
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import Status
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.rfc.problems import problem

Client = Callable[..., DnsClient]
Context = Callable[..., RunContext]
V4, V6 = "192.0.2.10", "2001:db8:10::10"


def spf_results(client: DnsClient, domain: str, *ips: str) -> list:
    return evaluate(spf.collect(client, domain, ips or (V4, V6)))


# -- spf.record -------------------------------------------------------------------------------------


def test_prepared_domain_passes(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = spf_results(dns_client, "good.test")
    outcomes.expect(results, "spf.record", "valid", Status.PASS, domain="good.test",
                    record="v=spf1 ip4:192.0.2.10 ip6:2001:db8:10::10 -all")
    outcomes.expect(results, "spf.lookups", "within_limits", Status.PASS, lookups=0, void=0)
    outcomes.expect(results, "spf.authorizes", "pass", Status.PASS, ip=V4, domain="good.test")
    outcomes.expect(results, "spf.authorizes", "pass", Status.PASS, ip=V6)
    assert {r.status for r in results} == {Status.PASS}


def test_no_spf_among_txt_records_is_missing(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    # Given TXT records, one of them the look-alike "v=spf10"
    results = spf_results(dns_client, "spf-none.cases.test")
    outcomes.expect(results, "spf.record", "missing", Status.FAIL, domain="spf-none.cases.test")
    outcomes.expect(results, "spf.lookups", "no_record", Status.SKIP)
    assert not [r for r in results if r.check_id == "spf.authorizes"]


def test_domain_that_does_not_exist_has_no_spf(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = spf_results(dns_client, "nonexistent.cases.test")
    missing = outcomes.expect(results, "spf.record", "missing", Status.FAIL)
    assert "NXDOMAIN" in missing.evidence[0].value


def test_two_spf_records_fail(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = spf_results(dns_client, "spf-multi.cases.test")
    outcomes.expect(results, "spf.record", "multiple", Status.FAIL, count=2)
    outcomes.expect(results, "spf.lookups", "no_record", Status.SKIP)


def test_invalid_syntax_fails_and_receivers_permerror(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = spf_results(dns_client, "spf-invalid.cases.test")
    invalid = outcomes.expect(results, "spf.record", "invalid", Status.FAIL)
    assert "bogus" in invalid.params["error"]
    permerror = outcomes.expect(results, "spf.authorizes", "permerror", Status.FAIL, ip=V4)
    assert "bogus:thing" in permerror.params["reason"]


def test_include_of_a_domain_without_spf_is_invalid_not_an_error(
    dns_client: DnsClient, outcomes: OutcomeRecorder,
) -> None:
    # Given "include:spf-none.cases.test", a domain that answers but publishes no SPF record
    results = spf_results(dns_client, "spf-include-nospf.cases.test")
    # Then it is a permanent error in the record (a fact), not "could not check"
    invalid = outcomes.expect(results, "spf.record", "invalid", Status.FAIL)
    assert "spf-none.cases.test" in invalid.params["error"]
    outcomes.expect(results, "spf.authorizes", "permerror", Status.FAIL, ip=V4)
    assert not [r for r in results if r.status is Status.ERROR]


@pytest.mark.parametrize("kind", ["timeout", "servfail"])
def test_spf_lookup_failure_is_an_error(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder, kind: str,
) -> None:
    dns_server.add_fault("good.test", kind, "TXT")
    results = spf_results(client_for(timeout=0.3), "good.test")
    outcomes.expect(results, "spf.record", "error", Status.ERROR, domain="good.test", reason=kind)
    assert_could_not_check(results)


# -- spf.lookups ------------------------------------------------------------------------------------


def test_mechanisms_are_counted(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = spf_results(dns_client, "spf-include.cases.test")
    outcomes.expect(results, "spf.lookups", "within_limits", Status.PASS, lookups=1, void=0)


def test_more_than_ten_lookups_fail(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    # Given a chain of 11 includes
    results = spf_results(dns_client, "spf-lookups.cases.test")
    outcomes.expect(results, "spf.record", "valid", Status.PASS)
    too_many = outcomes.expect(results, "spf.lookups", "too_many", Status.FAIL)
    assert "11/10" in too_many.params["error"]
    outcomes.expect(results, "spf.authorizes", "permerror", Status.FAIL, ip=V4)


def test_more_than_two_void_lookups_fail(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = spf_results(dns_client, "spf-void.cases.test")
    void = outcomes.expect(results, "spf.lookups", "too_many_void", Status.FAIL)
    assert "3/2" in void.params["error"]
    permerror = outcomes.expect(results, "spf.authorizes", "permerror", Status.FAIL, ip=V4)
    assert "void" in permerror.params["reason"].lower()


@pytest.mark.parametrize("kind", ["timeout", "servfail"])
def test_include_that_cannot_be_fetched_is_an_error(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder, kind: str,
) -> None:
    # Given "include:slow.cases.test" and a failing TXT lookup of slow.cases.test
    dns_server.add_fault("slow.cases.test", kind, "TXT")
    results = spf_results(client_for(timeout=0.3), "spf-tempfail.cases.test", V4)
    # Then the record itself is fine, but neither its lookups nor the IP can be judged
    outcomes.expect(results, "spf.record", "valid", Status.PASS)
    outcomes.expect(results, "spf.lookups", "error", Status.ERROR, domain="spf-tempfail.cases.test")
    temperror = outcomes.expect(results, "spf.authorizes", "temperror", Status.ERROR, ip=V4)
    assert kind in temperror.params["reason"]
    assert_could_not_check([r for r in results if r.check_id != "spf.record"])


# -- spf.authorizes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "ip", "outcome", "status"),
    [
        ("broken.test", "192.0.2.20", "fail", Status.FAIL),
        ("spf-softfail.cases.test", V4, "softfail", Status.FAIL),
        ("spf-neutral.cases.test", V4, "neutral", Status.WARN),
        # mechanisms pyspf must resolve through our DNS layer
        ("spf-redirect.cases.test", V4, "pass", Status.PASS),
        ("spf-redirect.cases.test", V6, "pass", Status.PASS),
        ("spf-include.cases.test", V6, "pass", Status.PASS),
        ("spf-exists.cases.test", V4, "pass", Status.PASS),
        ("spf-exists.cases.test", V6, "fail", Status.FAIL),
        ("spf-a.cases.test", V4, "pass", Status.PASS),
        ("spf-a.cases.test", V6, "fail", Status.FAIL),
        ("spf-mx.cases.test", V4, "pass", Status.PASS),
        ("spf-mx.cases.test", V6, "pass", Status.PASS),
        ("spf-cname.cases.test", V4, "pass", Status.PASS),
        ("spf-huge.cases.test", V4, "pass", Status.PASS),
    ],
)
def test_check_host_result_per_ip(
    dns_client: DnsClient, outcomes: OutcomeRecorder, domain: str, ip: str, outcome: str,
    status: Status,
) -> None:
    results = spf_results(dns_client, domain, ip)
    outcomes.expect(results, "spf.record", "valid", Status.PASS)
    params = {"result": "fail"} if outcome == "fail" else {}
    result = outcomes.expect(results, "spf.authorizes", outcome, status, subject=f"{domain} ← {ip}",
                             domain=domain, ip=ip, **params)
    assert result.evidence[-1].source == "pyspf"


def test_unauthorized_ip_fails_for_broken_test(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = spf_results(dns_client, "broken.test", "192.0.2.20")
    fail = outcomes.expect(results, "spf.authorizes", "fail", Status.FAIL, ip="192.0.2.20")
    assert fail.evidence[-1].label == "check_host(192.0.2.20, broken.test)"


# -- hostile text ----------------------------------------------------------------------------------


def test_markup_and_control_bytes_in_the_record_are_kept_as_inert_text(
    dns_client: DnsClient, outcomes: OutcomeRecorder,
) -> None:
    results = spf_results(dns_client, "spf-hostile.cases.test", V4)
    invalid = outcomes.expect(results, "spf.record", "invalid", Status.FAIL)
    outcomes.expect(results, "spf.authorizes", "permerror", Status.FAIL)
    everything = [t for r in results for t in texts(r)]
    # The markup survives as text (escaping is the renderer's job), control bytes are made visible.
    assert any("<script>alert(1)</script>" in t for t in everything)
    assert not any(ch in t for t in everything for ch in "\x07\x1b\x7f")
    assert any("\\x07\\x1b\\x7f" in t for t in texts(invalid))


def test_huge_and_hostile_txt_beside_the_record_are_bounded(
    dns_client: DnsClient, outcomes: OutcomeRecorder,
) -> None:
    # Given the SPF record plus a markup TXT and a 5000-byte TXT at the same name (over TCP)
    results = spf_results(dns_client, "spf-huge.cases.test", V4)
    outcomes.expect(results, "spf.record", "valid", Status.PASS, record="v=spf1 ip4:192.0.2.10 -all")
    for result in results:
        for ev in result.evidence:
            assert len(ev.value) <= 2000 + len("… [99999 more characters]")
            assert not any(ch in ev.value for ch in "\x07\x1b\x7f")


# -- the family entry --------------------------------------------------------------------------------


def test_run_checks_every_domain_for_every_ip(context_for: Context, outcomes: OutcomeRecorder) -> None:
    ctx = context_for(ips=(V4, V6), domains=("good.test", "spf-softfail.cases.test"))
    results = spf.run(ctx).results
    assert len([r for r in results if r.check_id == "spf.authorizes"]) == 4
    outcomes.expect(results, "spf.authorizes", "softfail", Status.FAIL,
                    subject=f"spf-softfail.cases.test ← {V6}")
    outcomes.expect(results, "spf.authorizes", "pass", Status.PASS, subject=f"good.test ← {V6}")


# -- pure functions ------------------------------------------------------------------------------


def _txt(*records: str) -> DnsAnswer:
    return DnsAnswer("d.test", "TXT", records, 300, "lab")


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ((), ()),
        (("v=spf1 -all",), ("v=spf1 -all",)),
        (("v=spf1",), ("v=spf1",)),
        (("V=SPF1 ip4:192.0.2.1 -all",), ("V=SPF1 ip4:192.0.2.1 -all",)),
        (("v=spf10 -all", "v=spf1-all", " v=spf1 -all", "spf1 -all"), ()),
        (("google-site-verification=x", "v=spf1 mx -all"), ("v=spf1 mx -all",)),
        (("v=spf1 a -all", "v=spf1 mx -all"), ("v=spf1 a -all", "v=spf1 mx -all")),
        (("v=DMARC1; p=none",), ()),
    ],
)
def test_spf_records(records: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert spf_records(_txt(*records)) == expected


RECORD = "v=spf1 ip4:192.0.2.1 -all"


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (SpfFacts("d.test", DnsError("d.test", "TXT", "timeout", "lab")), [("spf.record", "error")]),
        (SpfFacts("d.test", _txt()), [("spf.record", "missing"), ("spf.lookups", "no_record")]),
        (SpfFacts("d.test", _txt(RECORD, RECORD), (RECORD, RECORD)),
         [("spf.record", "multiple"), ("spf.lookups", "no_record")]),
        # a permanent error found through an include (loop, target without SPF)
        (SpfFacts("d.test", _txt(RECORD), (RECORD,), "loop", "chain"), [("spf.record", "invalid")]),
        # checkdmarc's own grammar refusing a record RFC 7208 accepts: valid, lookups not counted
        (SpfFacts("d.test", _txt(RECORD), (RECORD,), "bad", "syntax"),
         [("spf.record", "valid"), ("spf.lookups", "error")]),
        (SpfFacts("d.test", _txt("v=spf1 bogus -all"), ("v=spf1 bogus -all",), "bad", "syntax"),
         [("spf.record", "invalid"), ("spf.lookups", "error")]),
        (SpfFacts("d.test", _txt(RECORD), (RECORD,), "11/10", "lookups"),
         [("spf.record", "valid"), ("spf.lookups", "too_many")]),
        # an included record breaking the grammar that checkdmarc let through: counts still shown
        (SpfFacts("d.test", _txt(RECORD), (RECORD,), None, None, 2, 0, (), None,
                  problem("rfc_spf_in_target", target="x.test", problem=problem("rfc_spf_empty_domain"))),
         [("spf.record", "invalid"), ("spf.lookups", "within_limits")]),
        (SpfFacts("d.test", _txt(RECORD), (RECORD,), "3/2", "void"),
         [("spf.record", "valid"), ("spf.lookups", "too_many_void")]),
        (SpfFacts("d.test", _txt(RECORD), (RECORD,), "timeout", "dns"),
         [("spf.record", "valid"), ("spf.lookups", "error")]),
        (SpfFacts("d.test", _txt(RECORD), (RECORD,), None, None, 1, 0,
                  (("192.0.2.1", "pass", ""), ("192.0.2.2", "fail", ""), ("192.0.2.3", "softfail", ""),
                   ("192.0.2.4", "neutral", ""), ("192.0.2.5", "permerror", "x"),
                   ("192.0.2.6", "temperror", "y"), ("192.0.2.7", "none", ""),
                   ("192.0.2.8", "ambiguous", ""))),
         [("spf.record", "valid"), ("spf.lookups", "within_limits"),
          ("spf.authorizes", "pass"), ("spf.authorizes", "fail"), ("spf.authorizes", "softfail"),
          ("spf.authorizes", "neutral"), ("spf.authorizes", "permerror"),
          ("spf.authorizes", "temperror"), ("spf.authorizes", "no_record"),
          ("spf.authorizes", "fail")]),
    ],
)
def test_evaluate_table(facts: SpfFacts, expected: list[tuple[str, str]]) -> None:
    assert [(r.check_id, r.outcome) for r in evaluate(facts)] == expected


def test_check_host_none_is_a_skip(outcomes: OutcomeRecorder) -> None:
    # pyspf answers "none" only when it finds no record, and collect() asks it only when there is
    # exactly one (the same memoised answer), so this outcome is reachable from literal facts only.
    facts = SpfFacts("d.test", _txt(RECORD), (RECORD,), None, None, 0, 0, ((V4, "none", ""),))
    outcomes.expect(evaluate(facts), "spf.authorizes", "no_record", Status.SKIP, domain="d.test", ip=V4)


def test_unknown_check_host_result_is_a_fail_that_names_it() -> None:
    facts = SpfFacts("d.test", _txt(RECORD), (RECORD,), None, None, 0, 0, ((V4, "ambiguous", ""),))
    (auth,) = [r for r in evaluate(facts) if r.check_id == "spf.authorizes"]
    assert (auth.outcome, auth.status, auth.params["result"]) == ("fail", Status.FAIL, "ambiguous")


# -- RFC 7208 fidelity (issue 14) -------------------------------------------------------------------


def test_helo_macro_expands_to_the_hostname(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    # Given "exists:%{h}._helo.cases.test" and only mx.good.test._helo published
    domain = "spf-helo.cases.test"
    with_hostname = evaluate(spf.collect(dns_client, domain, (V4,), helo="mx.good.test"))
    outcomes.expect(with_hostname, "spf.authorizes", "pass", Status.PASS, ip=V4)
    # Without --hostname the domain itself is the HELO name, which is not published
    without = evaluate(spf.collect(dns_client, domain, (V4,)))
    outcomes.expect(without, "spf.authorizes", "fail", Status.FAIL, ip=V4)


def test_run_uses_the_hostname_as_helo(context_for: Context, outcomes: OutcomeRecorder) -> None:
    ctx = context_for(ips=(V4,), hostname="mx.good.test", domains=("spf-helo.cases.test",))
    outcomes.expect(spf.run(ctx).results, "spf.authorizes", "pass", Status.PASS, ip=V4)


def test_cnames_to_ipv4_only_hosts_do_not_make_a_void_permerror(
    dns_client: DnsClient, outcomes: OutcomeRecorder,
) -> None:
    # Given a:www and mx, both CNAMEs to an IPv4-only host, then ip6:<new IPv6>
    results = spf_results(dns_client, "spf-cnv6.cases.test", V6)
    outcomes.expect(results, "spf.authorizes", "pass", Status.PASS, ip=V6)


def test_non_ascii_record_is_invalid_and_a_permerror(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = spf_results(dns_client, "spf-nonascii.cases.test", V4)
    invalid = outcomes.expect(results, "spf.record", "invalid", Status.FAIL)
    assert "ASCII" in invalid.params["error"]
    outcomes.expect(results, "spf.authorizes", "permerror", Status.FAIL, ip=V4)


@pytest.mark.parametrize("domain", ["spf-case.cases.test", "spf-domainspec.cases.test"])
def test_valid_records_the_old_parser_refused_are_valid(
    dns_client: DnsClient, outcomes: OutcomeRecorder, domain: str,
) -> None:
    results = spf_results(dns_client, domain, V4)
    outcomes.expect(results, "spf.record", "valid", Status.PASS)
    outcomes.expect(results, "spf.authorizes", "pass", Status.PASS, ip=V4)


def test_plus_all_fails_and_ptr_warns(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    plus_all = spf_results(dns_client, "spf-plusall.cases.test", V4)
    outcomes.expect(plus_all, "spf.record", "pass_all", Status.FAIL, domain="spf-plusall.cases.test")
    ptr = spf_results(dns_client, "spf-ptr.cases.test", V4)
    outcomes.expect(ptr, "spf.record", "ptr", Status.WARN, record="v=spf1 ptr -all")


def test_an_included_record_with_bad_syntax_makes_the_record_invalid(
    dns_client: DnsClient, outcomes: OutcomeRecorder,
) -> None:
    # Given include:spf-invalid.cases.test, whose record has an unknown mechanism
    results = spf_results(dns_client, "spf-include-bad.cases.test", V4)
    invalid = outcomes.expect(results, "spf.record", "invalid", Status.FAIL)
    assert invalid.params["error"].startswith("spf-invalid.cases.test: ")
    assert not [r for r in results if r.check_id == "spf.lookups" and r.status is Status.PASS]


# -- ptr validation (RFC 7208 §5.5) -----------------------------------------------------------------

_PTR_ZONE = """$ORIGIN ptrloop.test.
$TTL 300
@ IN SOA ns1 h 1 3600 600 1209600 300
@ IN NS ns1
ns1 IN A 192.0.2.1
@ IN TXT "v=spf1 ptr -all"
loop IN CNAME loop2
loop2 IN CNAME loop
slow IN A 192.0.2.78
"""


@pytest.fixture()
def ptr_loop_lab(dns_server: LabDnsServer) -> Iterator[LabDnsServer]:
    """ptrloop.test ("v=spf1 ptr -all"); 192.0.2.77's PTR is a CNAME loop, 192.0.2.78's is slow."""
    import dns.zone

    zone = dns.zone.from_text(_PTR_ZONE, relativize=False)
    reverse = dns.zone.from_text(
        "$ORIGIN 77.2.0.192.in-addr.arpa.\n$TTL 300\n@ IN SOA ns1.ptrloop.test. h.ptrloop.test. "
        "1 3600 600 1209600 300\n@ IN NS ns1.ptrloop.test.\n@ IN PTR loop.ptrloop.test.\n",
        relativize=False)
    reverse78 = dns.zone.from_text(
        "$ORIGIN 78.2.0.192.in-addr.arpa.\n$TTL 300\n@ IN SOA ns1.ptrloop.test. h.ptrloop.test. "
        "1 3600 600 1209600 300\n@ IN NS ns1.ptrloop.test.\n@ IN PTR slow.ptrloop.test.\n",
        relativize=False)
    for z in (zone, reverse, reverse78):
        dns_server.add_zone(z)
    try:
        yield dns_server
    finally:
        for origin in ("ptrloop.test", "77.2.0.192.in-addr.arpa", "78.2.0.192.in-addr.arpa"):
            dns_server.remove_zone(origin)


def test_ptr_name_in_a_cname_loop_is_skipped(
    ptr_loop_lab: LabDnsServer, client_for: Client, outcomes: OutcomeRecorder,
) -> None:
    # RFC 7208 §5.5: a DNS error on the A lookup of a PTR name skips that name (OpenSPF
    # ptr-cname-loop): the ptr mechanism does not match and -all decides, a fact, not temperror.
    results = spf_results(client_for(timeout=0.5), "ptrloop.test", "192.0.2.77")
    outcomes.expect(results, "spf.authorizes", "fail", Status.FAIL, ip="192.0.2.77")


@pytest.mark.parametrize("kind", ["timeout", "servfail"])
def test_ptr_name_that_cannot_be_resolved_is_could_not_check(
    ptr_loop_lab: LabDnsServer, client_for: Client, outcomes: OutcomeRecorder, kind: str,
) -> None:
    # Our resolver failing to answer says nothing about what receivers find: never fail/pass.
    ptr_loop_lab.add_fault("slow.ptrloop.test", kind, "A")
    results = spf_results(client_for(timeout=0.3), "ptrloop.test", "192.0.2.78")
    outcomes.expect(results, "spf.authorizes", "temperror", Status.ERROR, ip="192.0.2.78")
