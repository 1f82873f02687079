"""DANE (dane.*): TLSA records in lab zones, compared with the certificate the lab SMTP server
presents in a real STARTTLS handshake on loopback; literal facts for the remaining states."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import dns.name
import dns.zone
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from checks.support import OutcomeRecorder
from preflight.checks import dane
from preflight.checks.dane import tlsa
from preflight.checks.dane.evaluate import Presented, evaluate, wait_hours
from preflight.checks.mta_sts.settings import TransportSettings
from preflight.checks.smtp.settings import SmtpSettings
from preflight.engine import RunContext
from preflight.i18n.messages import result_text
from preflight.lab.certs import make_certificates
from preflight.lab.dnsserver import FaultKind, LabDnsServer
from preflight.lab.smtpserver import LabSmtpServer
from preflight.model import CheckResult, Status
from preflight.net.dns import DnsAnswer, DnsError
from preflight.net.smtp import SmtpTarget

Context = Callable[..., RunContext]
OLD = "3 1 1 ad930229537c5543d6c6ead8474a1a4e7df6020300b9b69e78e2c1b101b48681"


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[LabSmtpServer]:
    with LabSmtpServer(certificates=make_certificates(("mail.transport.test",))) as server:
        yield server


def leaf_der(server: LabSmtpServer) -> bytes:
    assert server.certificates is not None
    return x509.load_pem_x509_certificate(server.certificates.cert_pem).public_bytes(serialization.Encoding.DER)


def serve_zone(dns_server: LabDnsServer, origin: str, body: str) -> None:
    text = f"$ORIGIN {origin}.\n$TTL 300\n@ IN SOA ns1 h 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.53\n{body}"
    dns_server.add_zone(dns.zone.from_text(text, origin=dns.name.from_text(origin + "."), relativize=False))


def run(context_for: Context, smtp_server: LabSmtpServer | None, hostname: str, *domains: str,
        ips: tuple[str, ...] = ("192.0.2.25",), smtp_on: bool = True) -> list[CheckResult]:
    extras: dict[str, object] = {"transport": TransportSettings()}
    if smtp_server is not None:
        extras["smtp"] = SmtpSettings(targets=(SmtpTarget(*smtp_server.address),), timeout=5.0,
                                      ca_file=smtp_server.ca_file, enabled=smtp_on)
    ctx = context_for(ips=ips, hostname=hostname or None, domains=domains, **extras)
    return list(dane.run(ctx).results)


# -- against the lab ---------------------------------------------------------------------------------


def test_a_record_for_the_new_key_matches(context_for: Context, dns_server: LabDnsServer,
                                          smtp_server: LabSmtpServer, outcomes: OutcomeRecorder) -> None:
    # Given the new server's 3 1 1 record published beside the old one, and a validating resolver
    record = tlsa.suggest(leaf_der(smtp_server))
    serve_zone(dns_server, "dane-ok.test", f"mail IN A 192.0.2.25\n_25._tcp.mail IN TLSA {record}\n"
                                           f"_25._tcp.mail IN TLSA {OLD}\n")
    before = dns_server.validated
    dns_server.validated = before | {dns.name.from_text("dane-ok.test.")}
    try:
        results = run(context_for, smtp_server, "mail.dane-ok.test")
    finally:
        dns_server.validated = before
    outcomes.expect(results, "dane.tlsa", "matches", Status.PASS, host="mail.dane-ok.test", stale=1)
    outcomes.expect(results, "dane.dnssec", "validated", Status.PASS)


def test_a_record_pinned_to_the_old_key_fails_with_the_rollover(
        context_for: Context, dns_server: LabDnsServer, smtp_server: LabSmtpServer,
        outcomes: OutcomeRecorder) -> None:
    # Given a validating resolver (AD flag): senders use the TLSA records (RFC 7672 §2.2)
    before = dns_server.validated
    dns_server.validated = before | {dns.name.from_text("transport.test.")}
    try:
        results = run(context_for, smtp_server, "mail.transport.test")
    finally:
        dns_server.validated = before
    found = outcomes.expect(results, "dane.tlsa", "mismatch", Status.FAIL, host="mail.transport.test",
                            record=tlsa.suggest(leaf_der(smtp_server)), ttl=3600, hours=2)
    outcomes.expect(results, "dane.dnssec", "validated", Status.PASS)
    en = result_text(found.check_id, found.outcome, dict(found.params)).remediation or ""
    ja = result_text(found.check_id, found.outcome, dict(found.params), "ja").remediation or ""
    assert "beside the old one" in en and "2 hour" in en and found.params["record"] in en
    assert "旧レコードと並べて" in ja and "2 時間" in ja


def test_an_unvalidated_mismatch_is_could_not_check(
        context_for: Context, smtp_server: LabSmtpServer, outcomes: OutcomeRecorder) -> None:
    # Given the same stale record, but no AD flag on the answer. RFC 7672 §2.2: senders use only
    # validated ("secure") TLSA records. Without the AD flag preflight cannot tell an unsigned zone
    # (senders ignore the records: harmless) from a resolver that does not validate (a signed zone:
    # every DANE sender defers mail) - so neither fail nor "ready" with a warning: could not check
    results = run(context_for, smtp_server, "mail.transport.test")
    found = outcomes.expect(results, "dane.tlsa", "mismatch_unvalidated", Status.ERROR,
                            host="mail.transport.test", record=tlsa.suggest(leaf_der(smtp_server)), hours=2)
    outcomes.expect(results, "dane.dnssec", "not_validated", Status.WARN)
    assert not any(r.status is Status.FAIL for r in results)
    en = result_text(found.check_id, found.outcome, dict(found.params))
    ja = result_text(found.check_id, found.outcome, dict(found.params), "ja")
    assert "validating resolver" in (en.remediation or "") and found.params["record"] in (ja.remediation or "")
    # the summary claims no more than was checked
    assert "if the zone is signed" in en.summary and "senders ignore" not in en.summary, en.summary
    assert "ゾーンが DNSSEC で署名されていれば" in ja.summary and "使用しません" not in ja.summary, ja.summary
    assert "Could not" in en.summary and "確認できませんでした" in ja.summary


def test_a_kept_mx_name_pointing_at_the_new_ip_is_checked(context_for: Context, smtp_server: LabSmtpServer,
                                                          outcomes: OutcomeRecorder) -> None:
    # Given no --hostname, the MX host mx.kept already resolves to the new IP and has only an unusable record
    results = run(context_for, smtp_server, "", "kept.transport.test")
    outcomes.expect(results, "dane.tlsa", "unusable", Status.WARN, host="mx.kept.transport.test")


def test_only_trust_anchor_records_cannot_be_compared(context_for: Context, smtp_server: LabSmtpServer,
                                                      outcomes: OutcomeRecorder) -> None:
    results = run(context_for, smtp_server, "", "ta.transport.test")
    outcomes.expect(results, "dane.tlsa", "trust_anchor_only", Status.ERROR, host="mx.ta.transport.test")


def test_no_record_is_no_dane(context_for: Context, smtp_server: LabSmtpServer, outcomes: OutcomeRecorder) -> None:
    results = run(context_for, smtp_server, "old.transport.test")
    outcomes.expect(results, "dane.tlsa", "none", Status.PASS, host="old.transport.test")
    assert [r.check_id for r in results] == ["dane.tlsa"]


def test_an_old_mx_host_is_not_judged(context_for: Context, smtp_server: LabSmtpServer) -> None:
    # old.transport.test (the current MX of stale.transport.test) is the old server: not ours to judge
    results = run(context_for, smtp_server, "", "stale.transport.test")
    assert results == []


def test_smtp_probe_off_is_not_compared(context_for: Context, smtp_server: LabSmtpServer,
                                        outcomes: OutcomeRecorder) -> None:
    results = run(context_for, smtp_server, "mail.transport.test", smtp_on=False)
    outcomes.expect(results, "dane.tlsa", "not_compared", Status.SKIP)


def test_a_probe_that_saw_no_certificate_is_could_not_check(context_for: Context, outcomes: OutcomeRecorder) -> None:
    with LabSmtpServer(starttls=False) as plain:
        results = run(context_for, plain, "mail.transport.test")
    outcomes.expect(results, "dane.tlsa", "no_certificate", Status.ERROR)


def test_dns_trouble_is_could_not_check(context_for: Context, dns_server: LabDnsServer,
                                        smtp_server: LabSmtpServer, outcomes: OutcomeRecorder) -> None:
    dns_server.add_fault("_25._tcp.mail.transport.test", FaultKind.SERVFAIL)
    results = run(context_for, smtp_server, "mail.transport.test")
    outcomes.expect(results, "dane.tlsa", "error", Status.ERROR)
    assert all(r.status is Status.ERROR for r in results)


def test_the_smtp_probe_runs_once_for_both_families(context_for: Context, smtp_server: LabSmtpServer) -> None:
    from preflight.checks import smtp

    ctx = context_for(ips=("192.0.2.25",), hostname="mail.transport.test", domains=(),
                      transport=TransportSettings(),
                      smtp=SmtpSettings(targets=(SmtpTarget(*smtp_server.address),), timeout=5.0))
    first = smtp.probes(ctx)
    dane.run(ctx)
    assert smtp.probes(ctx) is first  # the memo's value: no second probe


# -- parsing and matching ------------------------------------------------------------------------------


def test_matching_by_certificate_and_key_and_digest(smtp_server: LabSmtpServer) -> None:
    der = leaf_der(smtp_server)
    for selector in (0, 1):
        for mtype in (0, 1, 2):
            data = tlsa.association(der, selector, mtype).hex()
            record = tlsa.parse(f"3 {selector} {mtype} {data}")
            assert record is not None and tlsa.matches(record, der)
            flipped = f"{int(data[-2:], 16) ^ 0xFF:02x}"  # always another last byte (00 was not)
            other = tlsa.parse(f"1 {selector} {mtype} {data[:-2]}{flipped}")
            assert other is not None and not tlsa.matches(other, der)
    ta = tlsa.parse(f"2 1 1 {tlsa.association(der, 1, 1).hex()}")
    assert ta is not None and not tlsa.matches(ta, der)  # trust anchors are never matched to the leaf


@pytest.mark.parametrize("text", ["", "3 1", "3 1 1 zz", "a b c dd", "3 1 999 ab"])
def test_garbage_is_not_a_record(text: str) -> None:
    assert tlsa.parse(text) is None


def test_rollover_lead_time_is_two_ttls_in_hours() -> None:
    assert (wait_hours(3600), wait_hours(300), wait_hours(86400), wait_hours(None)) == (2, 1, 48, 1)


def test_a_lab_trust_anchor_beside_the_old_key_is_could_not_check(
        context_for: Context, dns_server: LabDnsServer, smtp_server: LabSmtpServer,
        outcomes: OutcomeRecorder) -> None:
    # Given a validating resolver and, at the new server's name, the old 3 1 1 record beside a
    # 2 0 1 record for an issuing CA (the lab's chain is not seen: the probe keeps the leaf only)
    serve_zone(dns_server, "dane-ta.test", f"mail IN A 192.0.2.25\n_25._tcp.mail IN TLSA {OLD}\n"
                                           f"_25._tcp.mail IN TLSA 2 0 1 {'cd' * 32}\n")
    before = dns_server.validated
    dns_server.validated = before | {dns.name.from_text("dane-ta.test.")}
    try:
        results = run(context_for, smtp_server, "mail.dane-ta.test")
    finally:
        dns_server.validated = before
    found = outcomes.expect(results, "dane.tlsa", "trust_anchor_unchecked", Status.ERROR, host="mail.dane-ta.test")
    outcomes.expect(results, "dane.dnssec", "validated", Status.PASS)
    ja = result_text(found.check_id, found.outcome, dict(found.params), "ja")
    assert "確認できませんでした" in ja.summary and "3 1 1" in (ja.remediation or "")


def _validated(*records: str) -> DnsAnswer:
    return DnsAnswer("_25._tcp.mx.test", "TLSA", records, 600, "127.0.0.1:53", authenticated=True)


def test_a_trust_anchor_beside_a_stale_end_entity_record_is_could_not_check(
        smtp_server: LabSmtpServer, outcomes: OutcomeRecorder) -> None:
    # Given a validated RRset: a DANE-EE record for the old key and a DANE-TA record for the issuing CA.
    # RFC 7672 §3.1: one matching usable record suffices; preflight sees only the leaf, so it cannot
    # tell whether the TA record matches the chain: could not check, never fail
    der = leaf_der(smtp_server)
    ca = "2 0 1 " + "ab" * 32
    results = evaluate("mx.test", _validated(OLD, ca), Presented((der,)))
    outcomes.expect(results, "dane.tlsa", "trust_anchor_unchecked", Status.ERROR, host="mx.test")
    assert not any(r.status is Status.FAIL for r in results)
    # a matching DANE-EE record beside the TA record is a match; without the TA record, a failure
    matched = evaluate("mx.test", _validated(tlsa.suggest(der), ca), Presented((der,)))
    outcomes.expect(matched, "dane.tlsa", "matches", Status.PASS, stale=1)
    failed = evaluate("mx.test", _validated(OLD), Presented((der,)))
    outcomes.expect(failed, "dane.tlsa", "mismatch", Status.FAIL)
    # an unusable (PKIX) record is not a trust anchor a sender could match
    pkix = evaluate("mx.test", _validated(OLD, "0 0 1 " + "ab" * 32), Presented((der,)))
    outcomes.expect(pkix, "dane.tlsa", "mismatch", Status.FAIL)


def test_every_presented_certificate_must_match(smtp_server: LabSmtpServer, outcomes: OutcomeRecorder) -> None:
    # Given two addresses presenting different certificates, and a record for one of them
    der = leaf_der(smtp_server)
    other = x509.load_pem_x509_certificate(make_certificates(("x.test",)).cert_pem).public_bytes(
        serialization.Encoding.DER)
    results = evaluate("mx.test", _validated(tlsa.suggest(der)), Presented((der, other)))
    outcomes.expect(results, "dane.tlsa", "mismatch", Status.FAIL, record=tlsa.suggest(other), hours=1)
    error = evaluate("mx.test", DnsError("_25._tcp.mx.test", "TLSA", "timeout", "127.0.0.1:53"), Presented())
    assert [r.status for r in error] == [Status.ERROR]


@pytest.mark.parametrize("usage", [0, 1])
def test_pkix_usages_are_unusable_for_smtp(usage: int, context_for: Context, dns_server: LabDnsServer,
                                           smtp_server: LabSmtpServer, outcomes: OutcomeRecorder) -> None:
    # RFC 7672 §3.1.3: DANE SMTP senders (Postfix, Exim) treat PKIX-TA(0)/PKIX-EE(1) as unusable, so a
    # 0/1 record for the new key secures nothing and one for the old key blocks nothing
    new = tlsa.association(leaf_der(smtp_server), 1, 1).hex()
    old = OLD.split()[-1]
    origin = f"pkix{usage}.test"
    serve_zone(dns_server, origin, f"mail IN A 192.0.2.25\n_25._tcp.mail IN TLSA {usage} 1 1 {new}\n"
                                   f"_25._tcp.mail IN TLSA {usage} 1 1 {old}\n")
    results = run(context_for, smtp_server, f"mail.{origin}")
    outcomes.expect(results, "dane.tlsa", "unusable", Status.WARN, host=f"mail.{origin}")
    assert not any(r.outcome in ("matches", "mismatch") for r in results)
