"""MX of each sending domain and the TTLs that decide how fast a cutover lands, against the lab."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from checks.support import OutcomeRecorder, assert_could_not_check
from preflight.checks import mx
from preflight.checks.mx import TTL_LIMIT, MxFacts, evaluate_mx, evaluate_ttl
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import Status
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.engine import RunContext

Client = Callable[..., DnsClient]
Context = Callable[..., RunContext]
NEW = ("192.0.2.10", "2001:db8:10::10")


def mx_results(client: DnsClient, domain: str, hostname: str | None = "mx.good.test",
               ips: tuple[str, ...] = NEW) -> list:
    return evaluate_mx(mx.collect_mx(client, domain), hostname, ips)


# -- mx.present / mx.new_host ------------------------------------------------------------------------


def test_mx_on_the_new_server_passes(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = mx_results(dns_client, "good.test")
    outcomes.expect(results, "mx.present", "resolvable", Status.PASS, domain="good.test",
                    hosts="10 mx.good.test")
    outcomes.expect(results, "mx.new_host", "points_to_new", Status.PASS, hosts="10 mx.good.test")


def test_new_host_is_recognised_by_address_without_a_hostname(
    dns_client: DnsClient, outcomes: OutcomeRecorder,
) -> None:
    results = mx_results(dns_client, "mx-highttl.cases.test", hostname=None, ips=("192.0.2.10",))
    outcomes.expect(results, "mx.new_host", "points_to_new", Status.PASS)


def test_mx_still_on_the_old_server_is_fine_before_cutover(
    dns_client: DnsClient, outcomes: OutcomeRecorder,
) -> None:
    results = mx_results(dns_client, "mx-old.cases.test")
    outcomes.expect(results, "mx.present", "resolvable", Status.PASS, hosts="10 old.cases.test")
    outcomes.expect(results, "mx.new_host", "not_yet", Status.PASS, hosts="10 old.cases.test")


@pytest.mark.skipif(not hasattr(mx, "NEW_HOST_STILL_OLD"), reason="no cutover phase in this tree")
def test_after_cutover_mx_still_on_the_old_server_fails(
    dns_client: DnsClient, outcomes: OutcomeRecorder,
) -> None:
    # Given the cutover is done but MX still names the old server
    old = evaluate_mx(mx.collect_mx(dns_client, "mx-old.cases.test"), "mx.good.test", NEW,
                      phase="after")
    outcomes.expect(old, "mx.new_host", "still_old", Status.FAIL, hosts="10 old.cases.test")
    # and once MX points at the new server, after is as good as before
    new = evaluate_mx(mx.collect_mx(dns_client, "good.test"), "mx.good.test", NEW, phase="after")
    outcomes.expect(new, "mx.new_host", "points_to_new", Status.PASS)


@pytest.mark.parametrize("domain", ["mx-missing.cases.test", "nonexistent.cases.test"])
def test_no_mx_fails(dns_client: DnsClient, outcomes: OutcomeRecorder, domain: str) -> None:
    results = mx_results(dns_client, domain)
    outcomes.expect(results, "mx.present", "missing", Status.FAIL, domain=domain)
    outcomes.expect(results, "mx.new_host", "unknown", Status.SKIP, domain=domain)


def test_null_mx_warns(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = mx_results(dns_client, "mx-null.cases.test")
    outcomes.expect(results, "mx.present", "null_mx", Status.WARN, domain="mx-null.cases.test")
    outcomes.expect(results, "mx.new_host", "unknown", Status.SKIP)


def test_null_mx_mixed_with_real_mx_fails(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    # RFC 7505 §3: a null MX must be the only MX record; mixed, senders may do either
    results = mx_results(dns_client, "mx-null-mixed.cases.test")
    outcomes.expect(results, "mx.present", "null_mx_mixed", Status.FAIL,
                    domain="mx-null-mixed.cases.test", hosts="0 ., 10 mx.good.test")
    outcomes.expect(results, "mx.new_host", "unknown", Status.SKIP)


@pytest.mark.parametrize(("domain", "host"), [
    ("mx-hostile.cases.test", "mail\\007<script>.cases.test"),
    ("mx-space.cases.test", "mail\\032host.cases.test"),
])
def test_mx_host_that_is_no_host_name_fails(
    dns_client: DnsClient, outcomes: OutcomeRecorder, domain: str, host: str,
) -> None:
    results = mx_results(dns_client, domain)
    bad = outcomes.expect(results, "mx.present", "invalid_name", Status.FAIL, domain=domain, host=host)
    assert bad.params["problem"]
    assert not any(r.status is Status.PASS for r in results)


def test_mx_host_aliased_to_a_name_that_is_no_host_name_fails(
    dns_client: DnsClient, outcomes: OutcomeRecorder,
) -> None:
    results = mx_results(dns_client, "mx-alias-bad.cases.test")
    outcomes.expect(results, "mx.present", "invalid_name", Status.FAIL, host="bad\\032name.cases.test")


def test_mx_host_without_address_fails(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = mx_results(dns_client, "mx-noaddr.cases.test")
    dead = outcomes.expect(results, "mx.present", "unresolvable", Status.FAIL, hosts="noaddr.cases.test")
    assert [ev.label for ev in dead.evidence] == [
        "MX mx-noaddr.cases.test", "A noaddr.cases.test", "AAAA noaddr.cases.test"]


@pytest.mark.parametrize("kind", ["timeout", "servfail"])
def test_mx_lookup_failure_is_an_error(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder, kind: str,
) -> None:
    dns_server.add_fault("good.test", kind, "MX")
    results = mx_results(client_for(timeout=0.3), "good.test")
    outcomes.expect(results, "mx.present", "error", Status.ERROR, domain="good.test", reason=kind)
    outcomes.expect(results, "mx.new_host", "unknown", Status.SKIP)
    assert_could_not_check(results)


def test_exchange_address_lookup_failure_is_an_error_not_unresolvable(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder,
) -> None:
    # Given the MX answers but its exchange's A and AAAA lookups fail
    dns_server.add_fault("mx.good.test", "servfail")
    results = mx_results(client_for(timeout=0.3), "good.test")
    # Then we could not check it: an error, not "has no address"
    outcomes.expect(results, "mx.present", "error", Status.ERROR, reason="mx.good.test: servfail")
    assert_could_not_check(results)


# -- ttl.records through the family entry -----------------------------------------------------------


def test_run_reports_low_ttls_for_mx_spf_and_host(context_for: Context, outcomes: OutcomeRecorder) -> None:
    ctx = context_for(ips=NEW, hostname="mx.good.test", domains=("good.test",))
    results = mx.run(ctx).results
    assert {r.status for r in results} == {Status.PASS}
    for subject, rrtype in [("MX good.test", "MX"), ("TXT (SPF) good.test", "TXT (SPF)"),
                            ("A mx.good.test", "A"), ("AAAA mx.good.test", "AAAA")]:
        outcomes.expect(results, "ttl.records", "low", Status.PASS, subject=subject, rrtype=rrtype,
                        ttl=300)


def test_run_warns_about_a_day_long_mx_ttl(context_for: Context, outcomes: OutcomeRecorder) -> None:
    ctx = context_for(ips=NEW, domains=("mx-highttl.cases.test",))
    results = mx.run(ctx).results
    outcomes.expect(results, "ttl.records", "high", Status.WARN, subject="MX mx-highttl.cases.test",
                    ttl=86400, limit=TTL_LIMIT)
    # no SPF record and no hostname: nothing else to time
    assert [r.subject for r in results if r.check_id == "ttl.records"] == ["MX mx-highttl.cases.test"]


def test_run_ttl_lookup_failure_is_an_error(
    context_for: Context, dns_server: LabDnsServer, outcomes: OutcomeRecorder,
) -> None:
    dns_server.add_fault("good.test", "timeout", "TXT")
    results = mx.run(context_for(ips=NEW, domains=("good.test",), timeout=0.3)).results
    outcomes.expect(results, "ttl.records", "error", Status.ERROR, subject="TXT good.test",
                    rrtype="TXT", reason="timeout")
    outcomes.expect(results, "mx.present", "resolvable", Status.PASS)


# -- pure functions ------------------------------------------------------------------------------


def _answer(rdtype: str, *records: str, ttl: int | None = 300) -> DnsAnswer:
    return DnsAnswer("d.test", rdtype, records, ttl, "lab")


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (_answer("MX", "10 mx.d.test", ttl=TTL_LIMIT), "low"),
        (_answer("MX", "10 mx.d.test", ttl=TTL_LIMIT + 1), "high"),
        (_answer("MX", "10 mx.d.test", ttl=0), "low"),
        (_answer("MX"), None),  # nothing to time
        (_answer("MX", "10 mx.d.test", ttl=None), None),
        (DnsError("d.test", "MX", "timeout", "lab"), "error"),
    ],
)
def test_evaluate_ttl(answer: DnsAnswer | DnsError, outcome: str | None) -> None:
    result = evaluate_ttl("d.test", "MX", answer)
    assert (result.outcome if result else None) == outcome


def _hosts(*pairs: tuple[str, tuple[DnsAnswer | DnsError, ...]]) -> tuple:
    return tuple(pairs)


A_NEW = DnsAnswer("mx.d.test", "A", ("192.0.2.10",), 300, "lab")
A_OLD = DnsAnswer("old.d.test", "A", ("198.51.100.7",), 300, "lab")
NONE = DnsAnswer("x.d.test", "AAAA", (), None, "lab")
FAILED = DnsError("x.d.test", "A", "timeout", "lab")


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (MxFacts("d.test", DnsError("d.test", "MX", "refused", "lab")), ("error", "unknown")),
        (MxFacts("d.test", _answer("MX")), ("missing", "unknown")),
        (MxFacts("d.test", _answer("MX", "0 .")), ("null_mx", "unknown")),
        (MxFacts("d.test", _answer("MX", "10 mx.d.test"), _hosts(("mx.d.test", (A_NEW, NONE)))),
         ("resolvable", "points_to_new")),
        (MxFacts("d.test", _answer("MX", "10 old.d.test"), _hosts(("old.d.test", (A_OLD, NONE)))),
         ("resolvable", "not_yet")),
        # one dead exchange among live ones is still unresolvable
        (MxFacts("d.test", _answer("MX", "10 mx.d.test", "20 dead.d.test"),
                 _hosts(("mx.d.test", (A_NEW, NONE)), ("dead.d.test", (NONE, NONE)))),
         ("unresolvable", "points_to_new")),
        # a failed A with an answered AAAA still found an address: no error
        (MxFacts("d.test", _answer("MX", "10 mx.d.test"),
                 _hosts(("mx.d.test", (FAILED, DnsAnswer("mx.d.test", "AAAA", ("2001:db8:10::10",),
                                                         300, "lab"))))),
         ("resolvable", "points_to_new")),
        (MxFacts("d.test", _answer("MX", "10 mx.d.test"), _hosts(("mx.d.test", (FAILED, NONE)))),
         ("error", "unknown")),
    ],
)
def test_evaluate_mx_table(facts: MxFacts, expected: tuple[str, str]) -> None:
    results = evaluate_mx(facts, "new.d.test", NEW)
    assert tuple(r.outcome for r in results) == expected


def test_after_cutover_an_unanswered_exchange_lookup_is_not_still_old(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder,
) -> None:
    # Given, after cutover, the MX host's A lookup fails (its AAAA answers, with no new IP)
    dns_server.add_fault("mx.good.test", "servfail", "A")
    facts = mx.collect_mx(client_for(timeout=0.3), "good.test")
    # When the new IPv4 address is looked for among the MX addresses
    results = evaluate_mx(facts, None, ("192.0.2.10",), phase="after")
    # Then "still old" is not claimed: the address that was not learned may be the new one
    outcomes.expect(results, "mx.new_host", "error", Status.ERROR, domain="good.test")
