"""MTA-STS (mta_sts.*): the lab's DNS and HTTPS servers on loopback, and literal facts for the
states a real server is needlessly slow or awkward to stage (every state of every check)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from checks.support import OutcomeRecorder
from preflight.checks import mta_sts
from preflight.checks.mta_sts.collect import MtaStsFacts
from preflight.checks.mta_sts.evaluate import Policy, evaluate
from preflight.checks.mta_sts.settings import TransportSettings
from preflight.engine import RunContext
from preflight.i18n.messages import result_text
from preflight.lab.certs import make_certificates
from preflight.lab.dnsserver import FaultKind, LabDnsServer
from preflight.lab.httpsserver import LabHttpsServer, Route
from preflight.model import CheckResult, Status
from preflight.net.dns import DnsAnswer, DnsError
from preflight.net.https import HttpsError, HttpsFailure, HttpsResponse

Context = Callable[..., RunContext]
NEW = "mail.transport.test"
NAMES = tuple(f"mta-sts.{d}.transport.test" for d in ("covered", "stale", "double", "hostless", "broken", "keptsts"))
COVERED = b"version: STSv1\r\nmode: enforce\r\nmx: old.transport.test\r\nmx: *.transport.test\r\nmax_age: 86400\r\n"
STALE = b"version: STSv1\nmode: enforce\nmx: old.transport.test\nmax_age: 604800\n"


@pytest.fixture(scope="module")
def https() -> Iterator[LabHttpsServer]:
    with LabHttpsServer(certificates=make_certificates(NAMES)) as server:
        yield server


@pytest.fixture()
def policies(https: LabHttpsServer) -> Iterator[dict[str, Route]]:
    https.routes.clear()
    https.routes["mta-sts.covered.transport.test"] = Route(COVERED)
    https.routes["mta-sts.stale.transport.test"] = Route(STALE)
    yield https.routes
    https.routes.clear()


def run(context_for: Context, https: LabHttpsServer, *domains: str, hostname: str | None = NEW,
        baseline: dict[str, Any] | None = None, timeout: float = 10.0) -> list[CheckResult]:
    ctx = context_for(ips=("192.0.2.25",), hostname=hostname, domains=domains, transport=TransportSettings(
        https_port=https.address[1], ca_file=https.ca_file, timeout=timeout))
    if baseline is not None:
        ctx = RunContext(ctx.config, ctx.dns, ctx.now, baseline)
    return list(mta_sts.run(ctx).results)


# -- against the lab -----------------------------------------------------------------------------


def test_a_policy_naming_old_and_new_passes(context_for: Context, https: LabHttpsServer,
                                            policies: dict[str, Route], outcomes: OutcomeRecorder) -> None:
    results = run(context_for, https, "covered.transport.test")
    outcomes.expect(results, "mta_sts.record", "ok", Status.PASS, id="20261201")
    outcomes.expect(results, "mta_sts.policy", "ok", Status.PASS)
    outcomes.expect(results, "mta_sts.mode", "enforce", Status.PASS)
    outcomes.expect(results, "mta_sts.max_age", "lead_time", Status.PASS, max_age=86400, days=1)
    outcomes.expect(results, "mta_sts.mx", "covered", Status.PASS,
                    hosts=f"old.transport.test, {NEW}", patterns="old.transport.test, *.transport.test")


def test_a_policy_naming_only_the_old_mx_fails_with_the_lead_time(
        context_for: Context, https: LabHttpsServer, policies: dict[str, Route], outcomes: OutcomeRecorder) -> None:
    results = run(context_for, https, "stale.transport.test")
    found = outcomes.expect(results, "mta_sts.mx", "misses_new", Status.FAIL, missing=NEW, mode="enforce", days=7)
    text = result_text(found.check_id, found.outcome, dict(found.params))
    assert "mx: mail.transport.test" in (text.remediation or "") and "7 day" in (text.remediation or "")
    ja = result_text(found.check_id, found.outcome, dict(found.params), "ja")
    assert "7 日" in (ja.remediation or "") and "id" in (ja.remediation or "")


def test_a_kept_mx_name_leading_to_the_new_server_is_enough(
        context_for: Context, https: LabHttpsServer, policies: dict[str, Route], outcomes: OutcomeRecorder) -> None:
    # Senders match MX names only: the MX name is kept and already resolves to the new IP, so the
    # new server's own host name (mail.transport.test) need not be in the policy
    policies["mta-sts.keptsts.transport.test"] = Route(
        b"version: STSv1\nmode: enforce\nmx: mx.keptsts.transport.test\nmax_age: 86400\n")
    results = run(context_for, https, "keptsts.transport.test")
    found = outcomes.expect(results, "mta_sts.mx", "covered", Status.PASS, hosts="mx.keptsts.transport.test")
    assert any("192.0.2.25" in e.value for e in found.evidence)
    # the same policy with the MX name still at the old address: the new host name is missing
    old = dataclasses.replace(facts(policy("enforce", "mx1.example.org")),
                              mx_addresses=(("mx1.example.org", ("192.0.2.10",)),))
    results, _ = evaluate(old, hostname="mx2.example.org", new_ips=frozenset({"192.0.2.25"}))
    outcomes.expect(results, "mta_sts.mx", "misses_new", Status.FAIL, missing="mx2.example.org")


def test_two_records_are_no_policy(context_for: Context, https: LabHttpsServer, policies: dict[str, Route],
                                   outcomes: OutcomeRecorder) -> None:
    results = run(context_for, https, "double.transport.test")
    found = outcomes.expect(results, "mta_sts.record", "multiple", Status.WARN, count=2)
    assert [r.check_id for r in results] == ["mta_sts.record"]
    # RFC 8461 §5.1: senders that cached the policy keep it until max_age runs out - the advice says so
    en = result_text(found.check_id, found.outcome, dict(found.params)).remediation or ""
    ja = result_text(found.check_id, found.outcome, dict(found.params), "ja").remediation or ""
    assert "cached" in en and "max_age" in en and "キャッシュ" in ja and "max_age" in ja


def test_an_invalid_record(context_for: Context, https: LabHttpsServer, policies: dict[str, Route],
                           outcomes: OutcomeRecorder) -> None:
    results = run(context_for, https, "broken.transport.test")
    outcomes.expect(results, "mta_sts.record", "invalid", Status.WARN)


def test_no_record_is_nothing_to_migrate(context_for: Context, https: LabHttpsServer,
                                         policies: dict[str, Route], outcomes: OutcomeRecorder) -> None:
    results = run(context_for, https, "good.test")
    outcomes.expect(results, "mta_sts.record", "not_published", Status.PASS)
    assert len(results) == 1


def test_a_policy_host_without_address_fails(context_for: Context, https: LabHttpsServer,
                                             policies: dict[str, Route], outcomes: OutcomeRecorder) -> None:
    results = run(context_for, https, "hostless.transport.test")
    outcomes.expect(results, "mta_sts.policy", "no_host", Status.FAIL, host="mta-sts.hostless.transport.test")


def test_dns_trouble_is_could_not_check(context_for: Context, https: LabHttpsServer, dns_server: LabDnsServer,
                                        policies: dict[str, Route], outcomes: OutcomeRecorder) -> None:
    dns_server.add_fault("_mta-sts.covered.transport.test", FaultKind.SERVFAIL)
    dns_server.add_fault("mta-sts.stale.transport.test", FaultKind.SERVFAIL)
    results = run(context_for, https, "covered.transport.test", "stale.transport.test")
    outcomes.expect(results, "mta_sts.record", "error", Status.ERROR, domain="covered.transport.test")
    outcomes.expect(results, "mta_sts.policy", "dns_error", Status.ERROR, domain="stale.transport.test")
    assert not [r for r in results if r.status in (Status.FAIL, Status.WARN)]


def test_a_redirecting_policy_host_fails(context_for: Context, https: LabHttpsServer,
                                         policies: dict[str, Route], outcomes: OutcomeRecorder) -> None:
    policies["mta-sts.covered.transport.test"] = Route(b"", status=302, headers=(("Location", "https://x/"),))
    results = run(context_for, https, "covered.transport.test")
    outcomes.expect(results, "mta_sts.policy", "redirect", Status.FAIL)
    assert [r.check_id for r in results] == ["mta_sts.record", "mta_sts.policy"]


def test_a_slow_policy_host_is_could_not_check(context_for: Context, https: LabHttpsServer,
                                               policies: dict[str, Route], outcomes: OutcomeRecorder) -> None:
    policies["mta-sts.covered.transport.test"] = Route(COVERED, drip=0.2)
    results = run(context_for, https, "covered.transport.test", timeout=1.0)
    outcomes.expect(results, "mta_sts.policy", "timeout", Status.ERROR)


def test_a_policy_served_with_another_certificate_fails(context_for: Context, outcomes: OutcomeRecorder) -> None:
    with LabHttpsServer(certificates=make_certificates(("www.transport.test",))) as wrong:
        wrong.routes["mta-sts.covered.transport.test"] = Route(COVERED)
        results = run(context_for, wrong, "covered.transport.test")
    outcomes.expect(results, "mta_sts.policy", "certificate", Status.FAIL)


def test_an_invalid_policy_fails(context_for: Context, https: LabHttpsServer, policies: dict[str, Route],
                                 outcomes: OutcomeRecorder) -> None:
    policies["mta-sts.covered.transport.test"] = Route(b"version: STSv1\nmode: enforce\nmax_age: 86400\n")
    results = run(context_for, https, "covered.transport.test")
    outcomes.expect(results, "mta_sts.policy", "syntax", Status.FAIL)


def test_without_settings_nothing_is_asked(context_for: Context, https: LabHttpsServer,
                                           dns_server: LabDnsServer) -> None:
    ctx = context_for(ips=("192.0.2.25",), hostname=NEW, domains=("covered.transport.test",))
    assert mta_sts.run(ctx).results == ()


def test_the_section_records_the_policy_and_a_changed_policy_needs_a_new_id(
        context_for: Context, https: LabHttpsServer, policies: dict[str, Route], outcomes: OutcomeRecorder) -> None:
    ctx = context_for(ips=("192.0.2.25",), hostname=NEW, domains=("covered.transport.test",),
                      transport=TransportSettings(https_port=https.address[1], ca_file=https.ca_file))
    section = mta_sts.run(ctx).sections["mta_sts"]["domains"]["covered.transport.test"]
    assert section["id"] == "20261201" and section["mode"] == "enforce"
    # Given a baseline whose policy differs (same id), when run again, then the id check fails
    saved = {"generated_at": "2026-11-20T09:00:00+00:00",
             "mta_sts": {"domains": {"covered.transport.test": {**section, "policy_sha256": "0" * 64}}}}
    results = run(context_for, https, "covered.transport.test", baseline=saved)
    outcomes.expect(results, "mta_sts.id", "changed_same_id", Status.FAIL, id="20261201",
                    since="2026-11-20T09:00:00+00:00")


# -- every state, from literal facts ---------------------------------------------------------------

D = "example.org"


def answer(name: str, rdtype: str, *records: str) -> DnsAnswer:
    return DnsAnswer(name, rdtype, tuple(records), 300, "127.0.0.1:53")


def facts(policy: str | HttpsError | None = None, *, mx: tuple[str, ...] = ("10 mx1.example.org",),
          record: str = "v=STSv1; id=abc123") -> MtaStsFacts:
    fetched: HttpsResponse | HttpsError | None
    if isinstance(policy, str):
        fetched = HttpsResponse(f"https://mta-sts.{D}/.well-known/mta-sts.txt", "127.0.0.1:443", 200,
                                "text/plain", policy, "TLSv1.3", 0.01)
    else:
        fetched = policy
    return MtaStsFacts(D, answer(f"_mta-sts.{D}", "TXT", record), answer(D, "MX", *mx), f"mta-sts.{D}",
                       answer(f"mta-sts.{D}", "A", "127.0.0.1"), fetched)


def policy(mode: str = "enforce", *mx: str, max_age: int = 604800) -> str:
    lines = ["version: STSv1", f"mode: {mode}", *(f"mx: {m}" for m in mx), f"max_age: {max_age}"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("failure", "outcome", "status"), [
    (HttpsFailure.CONNECT, "unreachable", Status.ERROR),
    (HttpsFailure.TIMEOUT, "timeout", Status.ERROR),
    (HttpsFailure.CERTIFICATE, "certificate", Status.FAIL),
    (HttpsFailure.TLS, "tls", Status.FAIL),
    (HttpsFailure.PROTOCOL, "protocol", Status.FAIL),
    (HttpsFailure.REDIRECT, "redirect", Status.FAIL),
    (HttpsFailure.STATUS, "http_status", Status.FAIL),
    (HttpsFailure.TOO_LARGE, "too_large", Status.FAIL),
    (HttpsFailure.NOT_UTF8, "not_utf8", Status.FAIL),
    (HttpsFailure.CONTENT_TYPE, "content_type", Status.FAIL),
])
def test_each_fetch_failure_has_its_outcome(failure: HttpsFailure, outcome: str, status: Status,
                                            outcomes: OutcomeRecorder) -> None:
    error = HttpsError(failure, "detail of the failure", f"https://mta-sts.{D}/.well-known/mta-sts.txt", "127.0.0.1:443")
    results, entry = evaluate(facts(error), hostname="mx2.example.org")
    found = outcomes.expect(results, "mta_sts.policy", outcome, Status(status), reason="detail of the failure")
    assert entry is None
    for lang in ("en", "ja"):
        assert "detail of the failure" in result_text(found.check_id, found.outcome, dict(found.params), lang).summary


def test_testing_mode_missing_the_new_host_warns(outcomes: OutcomeRecorder) -> None:
    results, _ = evaluate(facts(policy("testing", "mx1.example.org")), hostname="mx2.example.org")
    outcomes.expect(results, "mta_sts.mode", "testing", Status.PASS)
    outcomes.expect(results, "mta_sts.mx", "misses_new_testing", Status.WARN, missing="mx2.example.org", days=7)


def test_a_policy_with_thousands_of_patterns_is_summarised(outcomes: OutcomeRecorder) -> None:
    # A hostile (or generated) policy within the 64 KiB cap: the report names a few patterns, not all
    many = tuple(f"mx{i}.example.net" for i in range(2000))
    results, entry = evaluate(facts(policy("enforce", "mx1.example.org", *many)), hostname="mx2.example.org")
    found = outcomes.expect(results, "mta_sts.mx", "misses_new", Status.FAIL, missing="mx2.example.org")
    assert str(found.params["patterns"]).endswith("… (+1989)")
    assert all(len(e.value) < 1000 for r in results for e in r.evidence)
    assert entry is not None and len(entry["mx"]) == 1000  # the report schema's limit (digest: whole policy)


def test_an_mx_pattern_longer_than_a_domain_name_is_invalid(outcomes: OutcomeRecorder) -> None:
    # Labels of 63 characters pass the parser, but a name of 388 is no domain name (and would not fit
    # the report section that --baseline reads back)
    long = ".".join(["a" * 63] * 6) + ".test"
    results, entry = evaluate(facts(policy("enforce", "mx1.example.org", long)), hostname="mx2.example.org")
    found = outcomes.expect(results, "mta_sts.policy", "syntax", Status.FAIL)
    assert "253" in str(found.params["reason"]) and entry is None


def test_mode_none_warns_and_skips_the_mx_check(outcomes: OutcomeRecorder) -> None:
    results, _ = evaluate(facts(policy("none")), hostname="mx2.example.org")
    outcomes.expect(results, "mta_sts.mode", "none", Status.WARN)
    assert not [r for r in results if r.check_id == "mta_sts.mx"]


def test_a_current_mx_missing_from_the_policy_fails(outcomes: OutcomeRecorder) -> None:
    results, _ = evaluate(facts(policy("enforce", "mx2.example.org"), mx=("10 mx1.example.org",)),
                          hostname="mx2.example.org")
    outcomes.expect(results, "mta_sts.mx", "misses_current", Status.FAIL, missing="mx1.example.org")


def test_testing_mode_missing_a_current_mx_warns(outcomes: OutcomeRecorder) -> None:
    # RFC 8461 §5: in testing mode senders report a failed validation but still deliver
    results, _ = evaluate(facts(policy("testing", "mx2.example.org"), mx=("10 mx1.example.org",)),
                          hostname="mx2.example.org")
    found = outcomes.expect(results, "mta_sts.mx", "misses_current_testing", Status.WARN,
                            missing="mx1.example.org", days=7)
    for lang in ("en", "ja"):
        assert "mx1.example.org" in (result_text(found.check_id, found.outcome, dict(found.params), lang).remediation
                                     or "")


def test_after_cutover_only_the_mx_in_use_and_the_new_host_count(outcomes: OutcomeRecorder) -> None:
    # After cutover the MX is the new server: a policy naming only it is complete
    results, _ = evaluate(facts(policy("enforce", "mx2.example.org"), mx=("10 mx2.example.org",)),
                          hostname="mx2.example.org")
    outcomes.expect(results, "mta_sts.mx", "covered", Status.PASS, hosts="mx2.example.org")


def test_a_wildcard_covers_one_label_only(outcomes: OutcomeRecorder) -> None:
    results, _ = evaluate(facts(policy("enforce", "*.example.org")), hostname="a.b.example.org")
    outcomes.expect(results, "mta_sts.mx", "misses_new", Status.FAIL, missing="a.b.example.org")


def test_without_a_hostname_the_new_host_cannot_be_judged(outcomes: OutcomeRecorder) -> None:
    results, _ = evaluate(facts(policy("enforce", "mx1.example.org")), hostname=None)
    outcomes.expect(results, "mta_sts.mx", "no_new_host", Status.WARN)


def test_mx_trouble_is_could_not_check(outcomes: OutcomeRecorder) -> None:
    base = facts(policy("enforce", "mx1.example.org"))
    broken = MtaStsFacts(D, base.record, DnsError(D, "MX", "timeout", "127.0.0.1:53"), base.policy_host,
                         base.policy_address, base.policy)
    results, _ = evaluate(broken, hostname="mx2.example.org")
    outcomes.expect(results, "mta_sts.mx", "error", Status.ERROR, reason="timeout")


def test_the_id_check_against_a_baseline(outcomes: OutcomeRecorder) -> None:
    text = policy("enforce", "mx1.example.org", "mx2.example.org")
    same = Policy("enforce", 604800, ("mx1.example.org", "mx2.example.org")).digest
    results, entry = evaluate(facts(text), hostname="mx2.example.org",
                              baseline={"id": "abc123", "policy_sha256": same})
    outcomes.expect(results, "mta_sts.id", "policy_unchanged", Status.PASS, id="abc123")
    assert entry is not None and entry["policy_sha256"] == same
    results, _ = evaluate(facts(text, record="v=STSv1; id=new2"), hostname="mx2.example.org",
                          baseline={"id": "abc123", "policy_sha256": "f" * 64})
    outcomes.expect(results, "mta_sts.id", "changed_new_id", Status.PASS, old_id="abc123", id="new2")


@pytest.mark.parametrize("hostile", [
    None, "not a table", {"id": "x" * 500, "policy_sha256": "0" * 64}, {"id": "abc123", "policy_sha256": "<script>"},
    {"id": 5, "policy_sha256": None},
])
def test_a_malformed_baseline_entry_is_ignored(hostile: object) -> None:
    results, _ = evaluate(facts(policy("enforce", "mx1.example.org", "mx2.example.org")),
                          hostname="mx2.example.org", baseline=hostile)  # type: ignore[arg-type]
    assert not [r for r in results if r.check_id == "mta_sts.id"]


@pytest.mark.parametrize(("check_id", "outcome", "lead"), [
    ("mta_sts.mx", "misses_new", "days_wait"), ("mta_sts.mx", "misses_current_testing", "days_wait"),
    ("mta_sts.id", "changed_same_id", "days_wait"), ("mta_sts.mx", "no_new_host", "hours"),
    ("dane.tlsa", "mismatch", "before_cutover"),
])
def test_policy_changes_are_listed_by_their_worst_case_lead_time(check_id: str, outcome: str, lead: str) -> None:
    # A new mx in a policy with max_age 604800 is not a "one to two days" fix: cached copies last max_age
    from preflight.report import actions

    assert actions.load().classify(check_id, outcome, "fail") == lead
