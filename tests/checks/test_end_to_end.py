"""The five DNS families together through preflight.engine.run, over the lab.

good.test is a well-prepared migration; broken.test has exactly four blocking problems.
"""

from __future__ import annotations

import pytest
from conftest import FIXED_NOW, make_config

from checks.support import OutcomeRecorder, by_status, describe
from preflight.registry import FAMILIES
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import Status, Verdict
from preflight.engine import Family, run

DNS_FAMILIES = ("rdns", "spf", "dkim", "dmarc", "mx")


@pytest.fixture()
def dns_families() -> list[Family]:
    """The foundation's DNS families (later families need servers these tests do not start)."""
    chosen = [f for f in FAMILIES if f.name in DNS_FAMILIES]
    assert [f.name for f in chosen] == list(DNS_FAMILIES)
    return chosen


def test_prepared_migration_is_ready(
    dns_server: LabDnsServer, dns_families: list[Family], outcomes: OutcomeRecorder,
) -> None:
    # Given good.test's new server, both its addresses and both DKIM selectors
    config = make_config(dns_server, ips=("192.0.2.10", "2001:db8:10::10"), hostname="mx.good.test",
                         domains=("good.test",), selectors=("sel1", "ed"))
    # When every DNS family runs
    report = run(config, families=dns_families, now=FIXED_NOW)
    # Then nothing is amiss and the verdict is ready
    assert report.verdict is Verdict.READY, describe(report.results)
    assert {r.status for r in report.results} == {Status.PASS}
    assert {r.check_id for r in report.results} == {
        "rdns.ptr", "rdns.fcrdns", "rdns.generic", "rdns.hostname_match", "host.forward",
        "spf.record", "spf.lookups", "spf.authorizes", "dkim.key",
        "dmarc.record", "dmarc.policy", "dmarc.reporting", "dmarc.advice",
        "mx.present", "mx.new_host", "ttl.records"}
    assert report.resolver["nameservers"] == [f"{dns_server.host}:{dns_server.port}"]
    outcomes.expect(report.results, "dmarc.policy", "enforced", Status.PASS, policy="reject")


def test_broken_migration_is_not_ready_for_exactly_four_reasons(
    dns_server: LabDnsServer, dns_families: list[Family], outcomes: OutcomeRecorder,
) -> None:
    config = make_config(dns_server, ips=("192.0.2.20",), hostname="mx.broken.test",
                         domains=("broken.test",), selectors=("sel1",))
    report = run(config, families=dns_families, now=FIXED_NOW)
    assert report.verdict is Verdict.NOT_READY
    assert by_status(report.results, Status.FAIL) == [
        ("dkim.key", "weak"),
        ("dmarc.record", "missing"),
        ("rdns.fcrdns", "mismatch"),
        ("spf.authorizes", "fail"),
    ], describe(report.results)
    assert by_status(report.results, Status.ERROR) == []
    outcomes.expect(report.results, "spf.authorizes", "fail", Status.FAIL, ip="192.0.2.20")
    outcomes.expect(report.results, "rdns.fcrdns", "mismatch", Status.FAIL, ptr="smtp.broken.test")
    outcomes.expect(report.results, "dkim.key", "weak", Status.FAIL, bits=768)
    outcomes.expect(report.results, "dmarc.record", "missing", Status.FAIL, domain="broken.test")


def test_unreachable_resolver_makes_the_run_inconclusive_never_ready(
    dns_server: LabDnsServer, dns_families: list[Family],
) -> None:
    # Given every good.test name (and its reverse zones) failing
    for name in ("good.test", "2.0.192.in-addr.arpa", "0.1.0.0.8.b.d.0.1.0.0.2.ip6.arpa"):
        dns_server.add_fault(name, "servfail", suffix=True)
    config = make_config(dns_server, ips=("192.0.2.10", "2001:db8:10::10"), hostname="mx.good.test",
                         domains=("good.test",), selectors=("sel1",))
    report = run(config, families=dns_families, now=FIXED_NOW)
    # Then nothing passes or fails on an unanswered question
    assert report.verdict is Verdict.INCONCLUSIVE, describe(report.results)
    assert {r.status for r in report.results} <= {Status.ERROR, Status.SKIP}
