"""DMARC: the record (own or organizational), its policy and its reports, against the lab.

checkdmarc's bundled public suffix list has no ".test", so the organizational domain of
``x.cases.test`` is ``cases.test``: subdomains without their own record inherit
``_dmarc.cases.test`` ("p=none; sp=reject; rua=...").
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from checks.support import OutcomeRecorder, assert_could_not_check, texts
from preflight.checks import dmarc
from preflight.checks.dmarc import DmarcFacts, evaluate, organizational_domain
from preflight.rfc.dmarc import dmarc_records
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import Status
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.engine import RunContext

Client = Callable[..., DnsClient]
Context = Callable[..., RunContext]


def dmarc_results(client: DnsClient, domain: str) -> list:
    return evaluate(dmarc.collect(client, domain))


@pytest.mark.parametrize(
    ("domain", "org"),
    [
        ("sub.cases.test", "cases.test"),
        ("a.b.cases.test", "cases.test"),
        ("cases.test", "cases.test"),
        ("good.test", "good.test"),
        ("mail.example.com", "example.com"),
        ("example.com", "example.com"),
        ("www.example.co.uk", "example.co.uk"),
    ],
)
def test_organizational_domain(domain: str, org: str) -> None:
    assert organizational_domain(domain) == org


def test_enforcing_record_with_reports_passes(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = dmarc_results(dns_client, "good.test")
    outcomes.expect(results, "dmarc.record", "valid", Status.PASS, domain="good.test",
                    location="_dmarc.good.test",
                    record="v=DMARC1; p=reject; rua=mailto:dmarc-reports@good.test")
    outcomes.expect(results, "dmarc.policy", "enforced", Status.PASS, policy="reject")
    outcomes.expect(results, "dmarc.reporting", "rua", Status.PASS,
                    rua="mailto:dmarc-reports@good.test")
    outcomes.expect(results, "dmarc.advice", "none", Status.PASS, domain="good.test")


def test_no_record_anywhere_is_missing(
    dns_client: DnsClient, dns_server: LabDnsServer, outcomes: OutcomeRecorder,
) -> None:
    dns_server.reset_stats()
    results = dmarc_results(dns_client, "broken.test")
    outcomes.expect(results, "dmarc.record", "missing", Status.FAIL, domain="broken.test")
    outcomes.expect(results, "dmarc.policy", "no_record", Status.SKIP)
    outcomes.expect(results, "dmarc.reporting", "no_record", Status.SKIP)
    # broken.test is its own organizational domain: one lookup, no second one
    assert [q.name for q in dns_server.query_log] == ["_dmarc.broken.test."]


def test_subdomain_inherits_the_organizational_record_and_its_sp(
    dns_client: DnsClient, dns_server: LabDnsServer, outcomes: OutcomeRecorder,
) -> None:
    # Given sub.cases.test without its own record
    dns_server.reset_stats()
    results = dmarc_results(dns_client, "sub.cases.test")
    # Then _dmarc.cases.test applies, and for a subdomain its sp=reject, not its p=none
    outcomes.expect(results, "dmarc.record", "valid", Status.PASS, location="_dmarc.cases.test")
    outcomes.expect(results, "dmarc.policy", "enforced", Status.PASS, domain="sub.cases.test",
                    policy="reject")
    outcomes.expect(results, "dmarc.reporting", "rua", Status.PASS)
    assert [q.name for q in dns_server.query_log if q.rdtype == "TXT"] == [
        "_dmarc.sub.cases.test.", "_dmarc.cases.test."]


def test_organizational_domain_itself_gets_p_not_sp(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = dmarc_results(dns_client, "cases.test")
    outcomes.expect(results, "dmarc.policy", "none", Status.WARN, domain="cases.test")


def test_p_none_without_rua_warns_twice(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = dmarc_results(dns_client, "dmarc-norua.cases.test")
    outcomes.expect(results, "dmarc.record", "valid", Status.PASS,
                    location="_dmarc.dmarc-norua.cases.test")
    outcomes.expect(results, "dmarc.policy", "none", Status.WARN)
    outcomes.expect(results, "dmarc.reporting", "no_rua", Status.WARN, domain="dmarc-norua.cases.test")


def test_two_records_fail(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    # A subdomain's own records win over the organizational one, even when there are two.
    results = dmarc_results(dns_client, "dmarc-multi.cases.test")
    outcomes.expect(results, "dmarc.record", "multiple", Status.FAIL,
                    location="_dmarc.dmarc-multi.cases.test")
    outcomes.expect(results, "dmarc.policy", "no_record", Status.SKIP)
    outcomes.expect(results, "dmarc.reporting", "no_record", Status.SKIP)


def test_invalid_record_fails(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = dmarc_results(dns_client, "dmarc-invalid.cases.test")
    invalid = outcomes.expect(results, "dmarc.record", "invalid", Status.FAIL,
                              location="_dmarc.dmarc-invalid.cases.test")
    assert "bogus" in invalid.params["error"]
    outcomes.expect(results, "dmarc.policy", "no_record", Status.SKIP)


def test_hostile_record_is_invalid_and_inert(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = dmarc_results(dns_client, "dmarc-hostile.cases.test")
    invalid = outcomes.expect(results, "dmarc.record", "invalid", Status.FAIL)
    assert "<script>alert(1)</script>" in invalid.params["error"]
    assert not any(ch in t for r in results for t in texts(r) for ch in "\x07\x1b\x7f")


@pytest.mark.parametrize("kind", ["timeout", "servfail"])
def test_own_lookup_failure_is_an_error_without_fallback(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder, kind: str,
) -> None:
    # Given _dmarc.sub.cases.test fails: we cannot know whether it has its own record
    dns_server.add_fault("_dmarc.sub.cases.test", kind)
    dns_server.reset_stats()
    results = dmarc_results(client_for(timeout=0.3), "sub.cases.test")
    # Then: error, and the organizational record is not taken in its place
    outcomes.expect(results, "dmarc.record", "error", Status.ERROR, domain="sub.cases.test",
                    reason=kind)
    assert_could_not_check(results)
    assert dns_server.count_queries("_dmarc.cases.test") == 0


def test_organizational_lookup_failure_is_an_error(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder,
) -> None:
    dns_server.add_fault("_dmarc.cases.test", "servfail")
    results = dmarc_results(client_for(timeout=0.3), "sub.cases.test")
    error = outcomes.expect(results, "dmarc.record", "error", Status.ERROR, reason="servfail")
    assert [ev.label for ev in error.evidence] == ["TXT _dmarc.sub.cases.test", "TXT _dmarc.cases.test"]
    assert_could_not_check(results)


def test_run_checks_every_domain(context_for: Context, outcomes: OutcomeRecorder) -> None:
    results = dmarc.run(context_for(ips=("192.0.2.10",), domains=("good.test", "broken.test"))).results
    outcomes.expect(results, "dmarc.record", "valid", Status.PASS, subject="good.test")
    outcomes.expect(results, "dmarc.record", "missing", Status.FAIL, subject="broken.test")


# -- pure functions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ((), ()),
        (("v=DMARC1; p=none",), ("v=DMARC1; p=none",)),
        # RFC 7489 §6.4: "v" is case-insensitive, "DMARC1" is not; whitespace around "=" is allowed
        (("V=DMARC1; p=reject",), ("V=DMARC1; p=reject",)),
        (("v=dmarc1; p=reject",), ()),
        (("v = DMARC1; p=none",), ("v = DMARC1; p=none",)),
        # §6.6.3: a record that does not start with the version tag is discarded
        ((" v=DMARC1; p=none",), ()),
        (("v=DMARC10; p=none",), ()),
        (("v=spf1 -all", "some text"), ()),
        (("v=DMARC1; p=none", "v=DMARC1; p=reject"), ("v=DMARC1; p=none", "v=DMARC1; p=reject")),
    ],
)
def test_dmarc_records(records: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert dmarc_records(records) == expected


def _found(domain: str, location: str, **tags: str) -> DmarcFacts:
    record = "; ".join(["v=DMARC1", *(f"{k}={v}" for k, v in tags.items())])
    answer = DnsAnswer(f"_dmarc.{location}", "TXT", (record,), 300, "lab")
    return DmarcFacts(domain, (answer,), location, (record,))


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # own record: p applies, sp is for subdomains
        (_found("d.test", "d.test", p="none", sp="reject"), ("none", "no_rua")),
        (_found("d.test", "d.test", p="quarantine", rua="mailto:r@d.test"), ("enforced", "rua")),
        (_found("x.d.test", "x.d.test", p="reject", sp="none"), ("enforced", "no_rua")),
        # inherited from the organizational domain: sp applies when present, else p
        (_found("x.d.test", "d.test", p="none", sp="reject"), ("enforced", "no_rua")),
        (_found("x.d.test", "d.test", p="reject"), ("enforced", "no_rua")),
        (_found("x.d.test", "d.test", p="reject", sp="none"), ("none", "no_rua")),
        # RFC 7489 §6.6.3 step 6: no valid p but a usable rua → as if p=none
        (_found("d.test", "d.test", rua="mailto:r@d.test"), ("none", "rua")),
        (_found("d.test", "d.test", p="bogus", rua="mailto:r@d.test"), ("none", "rua")),
        # pct (§6.6.4): mail left out of sampling gets the next policy down
        (_found("d.test", "d.test", p="quarantine", pct="0"), ("pct_zero", "no_rua")),
        (_found("d.test", "d.test", p="reject", pct="0"), ("pct_zero", "no_rua")),
        (_found("d.test", "d.test", p="reject", pct="50"), ("partial", "no_rua")),
        (_found("d.test", "d.test", p="reject", pct="100"), ("enforced", "no_rua")),
        (_found("d.test", "d.test", p="none", pct="0"), ("none", "no_rua")),
        # §6.2: a mailto URI without a mailbox is no destination: nothing will be reported
        (_found("d.test", "d.test", p="reject", rua="mailto:r@"), ("enforced", "no_rua")),
        (_found("d.test", "d.test", p="reject", rua="mailto:@d.test"), ("enforced", "no_rua")),
    ],
)
def test_evaluate_policy_and_reporting_table(facts: DmarcFacts, expected: tuple[str, str]) -> None:
    results = evaluate(facts)
    assert results[0].outcome == "valid"
    assert (results[1].outcome, results[2].outcome) == expected


def test_no_p_and_no_rua_is_invalid() -> None:
    # RFC 7489 §6.6.3 step 6: receivers apply no DMARC at all
    results = evaluate(_found("d.test", "d.test", adkim="s"))
    assert [(r.check_id, r.outcome) for r in results[:3]] == [
        ("dmarc.record", "invalid"), ("dmarc.policy", "no_record"), ("dmarc.reporting", "no_record")]


@pytest.mark.parametrize(
    ("policy", "pct", "effective"),
    [("quarantine", "0", "none"), ("reject", "0", "quarantine")],
)
def test_pct_zero_reports_the_effective_policy(policy: str, pct: str, effective: str) -> None:
    (result,) = [r for r in evaluate(_found("d.test", "d.test", p=policy, pct=pct))
                 if r.check_id == "dmarc.policy"]
    assert (result.status, result.params["policy"], result.params["effective"]) == (
        Status.WARN, policy, effective)


def test_evaluate_error_beats_everything() -> None:
    facts = DmarcFacts("d.test", (DnsError("_dmarc.d.test", "TXT", "refused", "lab"),))
    assert [(r.check_id, r.outcome, r.status) for r in evaluate(facts)] == [
        ("dmarc.record", "error", Status.ERROR)]


# -- RFC 7489 fidelity (issue 14) --------------------------------------------------------------------


def test_whitespace_around_equals_is_a_valid_record(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = dmarc_results(dns_client, "dmarc-spaces.cases.test")
    outcomes.expect(results, "dmarc.record", "valid", Status.PASS,
                    location="_dmarc.dmarc-spaces.cases.test")
    outcomes.expect(results, "dmarc.policy", "enforced", Status.PASS, policy="quarantine")
    outcomes.expect(results, "dmarc.reporting", "rua", Status.PASS,
                    rua="mailto:dmarc-reports@cases.test")


def test_record_with_a_leading_space_is_discarded(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    # Given " v=DMARC1; p=quarantine" at the subdomain: not a DMARC record (§6.6.3 step 2)
    results = dmarc_results(dns_client, "dmarc-leading.cases.test")
    # Then the organizational record applies, with its sp=reject
    outcomes.expect(results, "dmarc.record", "valid", Status.PASS, location="_dmarc.cases.test")
    outcomes.expect(results, "dmarc.policy", "enforced", Status.PASS, policy="reject")


def test_quarantine_with_pct_zero_is_effectively_none(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = dmarc_results(dns_client, "dmarc-pct0.cases.test")
    outcomes.expect(results, "dmarc.policy", "pct_zero", Status.WARN, policy="quarantine",
                    effective="none")


def test_external_report_destination_without_authorization_warns(
    dns_client: DnsClient, dns_server: LabDnsServer, outcomes: OutcomeRecorder,
) -> None:
    dns_server.reset_stats()
    results = dmarc_results(dns_client, "dmarc-extrua.cases.test")
    name = "dmarc-extrua.cases.test._report._dmarc.good.test"
    outcomes.expect(results, "dmarc.reporting", "unauthorized", Status.WARN,
                    destinations="good.test", names=name)
    # checkdmarc's own complaint about it is not repeated as advice
    assert not [r for r in results if r.check_id == "dmarc.advice" and "accepts DMARC" in str(r.params)]
    # asked through our DNS layer; the own-domain destination needs no authorization
    assert dns_server.count_queries(name, "TXT") >= 1
    assert dns_server.count_queries("dmarc-extrua.cases.test._report._dmarc.cases.test") == 0


def test_authorized_external_destination_passes(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    results = dmarc_results(dns_client, "dmarc-authrua.cases.test")
    outcomes.expect(results, "dmarc.reporting", "rua", Status.PASS, rua="mailto:agg@good.test")


def test_authorization_lookup_failure_is_an_error(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder,
) -> None:
    dns_server.add_fault("dmarc-authrua.cases.test._report._dmarc.good.test", "servfail")
    results = dmarc_results(client_for(timeout=0.3), "dmarc-authrua.cases.test")
    outcomes.expect(results, "dmarc.reporting", "error", Status.ERROR, reason="servfail")


def test_parser_warnings_are_results(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    # checkdmarc (RFC 9989 era) warns about the pct tag: surfaced, not dropped
    results = dmarc_results(dns_client, "dmarc-pct0.cases.test")
    advice = outcomes.expect(results, "dmarc.advice", "warnings", Status.WARN,
                             domain="dmarc-pct0.cases.test")
    assert {ev.source for ev in advice.evidence} == {"DMARC parser"}
    assert int(advice.params["count"]) == len(advice.evidence) >= 1
    assert any("pct" in ev.value for ev in advice.evidence)


def test_parser_warnings_our_results_already_give_are_not_repeated(
    dns_client: DnsClient, outcomes: OutcomeRecorder,
) -> None:
    # p=none and no rua: dmarc.policy and dmarc.reporting warn; checkdmarc says the same twice
    results = dmarc_results(dns_client, "dmarc-norua.cases.test")
    outcomes.expect(results, "dmarc.advice", "none", Status.PASS, domain="dmarc-norua.cases.test")


def test_discarded_values_are_reported_as_advice() -> None:
    results = evaluate(_found("d.test", "d.test", p="reject", pct="150"))
    (advice,) = [r for r in results if r.check_id == "dmarc.advice"]
    assert "pct=150" in advice.params["warnings"]
    assert advice.evidence[0].source == "preflight"
    assert [r.outcome for r in results if r.check_id == "dmarc.policy"] == ["enforced"]


def test_pct_below_100_is_partial(outcomes: OutcomeRecorder) -> None:
    results = evaluate(_found("d.test", "d.test", p="reject", pct="25"))
    outcomes.expect(results, "dmarc.policy", "partial", Status.WARN, policy="reject", pct=25,
                    rest="quarantine")
