"""Our own verification against the lab DNS (real server on loopback), and the family's results.

Messages are signed here with the lab DKIM key (its public half is good._domainkey.message.test),
then changed the ways mail changes in transit.
"""

from __future__ import annotations

import dkim
import pytest
from conftest import make_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.message.samples import RECEIVED, message
from checks.support import describe
from preflight.checks.dmarc import organizational_domain
from preflight.checks.message.collect import collect
from preflight.checks.message.evaluate import evaluate
from preflight.checks.message.source import MessageFile
from preflight.checks.message.verify import DkimOutcome, verify_dkim
from preflight.lab.dnsserver import LabDnsServer
from preflight.lab.mailflow import lab_dkim_key
from preflight.model import CheckResult, Status
from preflight.net.dns import DnsClient

RECEIVER_AR = "mx.receiver.example; spf=pass smtp.mailfrom=bounce@message.test; dkim=pass header.d=message.test; dmarc=pass header.from=message.test"


def signed(raw: bytes, selector: str = "good", domain: str = "message.test") -> bytes:
    sig = dkim.sign(raw, selector.encode(), domain.encode(), lab_dkim_key(),
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return bytes(sig) + raw


def sent(from_domain: str = "message.test", **kw: str) -> bytes:
    """A message as the new server sends it (From in ``from_domain``), signed by message.test."""
    raw = message(**kw).replace(b"info@example.com", f"info@{from_domain}".encode())
    return signed(raw)


def received(data: bytes, *top: str, ar: str | None = RECEIVER_AR, rp: str = "<bounce@message.test>") -> bytes:
    """``data`` as the receiver stored it: Return-Path, its Authentication-Results, its Received."""
    fields = [f"Return-Path: {rp}"] + ([f"Authentication-Results: {ar}"] if ar else []) + list(top) + \
        [f"Received: {RECEIVED['postfix']}"]
    return ("\r\n".join(fields) + "\r\n").encode() + data


def analyse(server: LabDnsServer, data: bytes, ips: tuple[str, ...] = ("203.0.113.25",)) -> list[CheckResult]:
    config = make_config(server, ips=ips)
    client = DnsClient(config.dns)
    facts = collect(client, MessageFile("t.eml", data, len(data)), ips, organizational_domain)
    return evaluate(facts, organizational_domain)


def one(results: list[CheckResult], check_id: str, subject_part: str = "") -> CheckResult:
    found = [r for r in results if r.check_id == check_id and subject_part in r.subject]
    assert len(found) == 1, describe(results)
    return found[0]


@pytest.mark.parametrize(("change", "outcome"), [
    (lambda d: d, DkimOutcome.PASS),
    (lambda d: d.replace(b"Hello.", b"Hello! [added disclaimer]"), DkimOutcome.BODY_CHANGED),
    (lambda d: d.replace(b"Subject: test", b"Subject: [EXTERNAL] test"), DkimOutcome.SIGNATURE_MISMATCH),
])
def test_dkim_in_transit(dns_client: DnsClient, change, outcome: DkimOutcome) -> None:
    checks, count = verify_dkim(dns_client, change(sent()), truncated=False)
    assert count == 1 and [c.outcome for c in checks] == [outcome]
    assert checks[0].domain == "message.test" and checks[0].selector == "good"


@pytest.mark.parametrize(("selector", "outcome"), [
    ("revoked", DkimOutcome.KEY_REVOKED), ("bad", DkimOutcome.KEY_INVALID), ("absent", DkimOutcome.KEY_MISSING),
])
def test_dkim_keys(dns_client: DnsClient, selector: str, outcome: DkimOutcome) -> None:
    checks, _ = verify_dkim(dns_client, signed(message(), selector=selector), truncated=False)
    assert [c.outcome for c in checks] == [outcome]


def test_dkim_key_lookup_failure_is_could_not_check(dns_server: LabDnsServer) -> None:
    dns_server.add_fault("slow._domainkey.message.test", "servfail")
    results = analyse(dns_server, received(signed(message(), selector="slow")))
    assert one(results, "message.dkim").status is Status.ERROR
    assert one(results, "message.agreement", "dkim").outcome == "not_compared"


def test_truncated_file_is_not_judged(dns_client: DnsClient) -> None:
    checks, _ = verify_dkim(dns_client, sent(), truncated=True)
    assert [c.outcome for c in checks] == [DkimOutcome.NOT_JUDGED]


def test_the_whole_verdict_agrees(dns_server: LabDnsServer) -> None:
    results = analyse(dns_server, received(sent()))
    assert one(results, "message.path").outcome == "left_new_ip"
    assert one(results, "message.tls").params["version"] == "TLS 1.3"
    assert one(results, "message.dkim").outcome == "pass"
    assert one(results, "message.spf").outcome == "pass"
    dmarc = one(results, "message.dmarc")
    assert (dmarc.outcome, dmarc.params["policy"]) == ("aligned", "reject")
    assert {r.subject.split(": ")[1]: r.outcome for r in results if r.check_id == "message.agreement"} == \
        {"spf": "agree", "dkim": "agree", "dmarc": "agree"}
    assert one(results, "message.spam").outcome == "no_signals"


def test_disagreement_is_its_own_result(dns_server: LabDnsServer) -> None:
    # The receiver says DKIM failed; our verification passes (as when a key changed in between).
    ar = "mx.receiver.example; spf=pass smtp.mailfrom=bounce@message.test; dkim=fail header.d=message.test; dmarc=pass header.from=message.test"
    results = analyse(dns_server, received(sent(), ar=ar))
    disagree = one(results, "message.agreement", "dkim")
    assert (disagree.outcome, disagree.status, disagree.params["ours"], disagree.params["theirs"]) == \
        ("disagree_dkim", Status.WARN, "pass", "fail")
    assert one(results, "message.receiver", "dkim").status is Status.FAIL


def test_spf_of_a_domain_that_misses_the_new_ip(dns_server: LabDnsServer) -> None:
    results = analyse(dns_server, received(sent(), rp="<bounce@old.message.test>"))
    spf = one(results, "message.spf")
    assert (spf.outcome, spf.params["domain"], spf.params["result"]) == ("fail", "old.message.test", "fail")


@pytest.mark.parametrize(("from_domain", "outcome", "status"), [
    ("news.message.test", "aligned", Status.PASS),      # relaxed (default): same organizational domain
    ("strict.message.test", "not_aligned", Status.FAIL),  # adkim=s, aspf=s
    ("example.net", "not_aligned", Status.FAIL),          # signed by message.test only
])
def test_alignment_as_published(dns_server: LabDnsServer, from_domain: str, outcome: str, status: Status) -> None:
    results = analyse(dns_server, received(sent(from_domain)))
    dmarc = one(results, "message.dmarc")
    assert (dmarc.outcome, dmarc.status) == (outcome, status), describe(results)


def test_message_that_left_through_another_server(dns_server: LabDnsServer) -> None:
    data = ("Authentication-Results: mx.receiver.example; spf=fail smtp.mailfrom=a@message.test\r\n"
            f"Received: {RECEIVED['old_server']}\r\n").encode() + sent()
    results = analyse(dns_server, data)
    path = one(results, "message.path")
    assert (path.outcome, path.status) == ("not_from_new_ip", Status.FAIL)
    assert "smtp.example.com [198.51.100.10] → mx.receiver.example" in path.params["path"]
    assert one(results, "message.receiver").outcome == "missing"  # nothing above a receiving hop
    assert one(results, "message.untrusted").outcome == "no_receiver"


def test_forged_results_below_the_hop_are_ignored(dns_server: LabDnsServer) -> None:
    forged = "Authentication-Results: mx.receiver.example; spf=pass smtp.mailfrom=a@message.test; dkim=pass header.d=message.test"
    data = ("Return-Path: <bounce@message.test>\r\n"
            f"Received: {RECEIVED['postfix']}\r\n{forged}\r\n").encode() + sent()
    results = analyse(dns_server, data)
    assert one(results, "message.receiver").outcome == "missing"
    assert one(results, "message.untrusted").outcome == "before_receiver"


@pytest.mark.parametrize(("signals", "outcome", "status"), [
    (("X-Spam-Flag: YES", "X-Spam-Status: Yes, score=9.0 required=5.0"), "spam", Status.FAIL),
    (("X-MS-Exchange-Organization-SCL: 1",), "not_spam", Status.PASS),
    (("X-Forefront-Antispam-Report: CIP:203.0.113.25;",), "unclear", Status.WARN),
])
def test_spam_signals_of_the_receiver(dns_server: LabDnsServer, signals: tuple[str, ...], outcome: str,
                                      status: Status) -> None:
    results = analyse(dns_server, received(sent(), *signals))
    spam = one(results, "message.spam")
    assert (spam.outcome, spam.status) == (outcome, status)


def test_our_own_spam_header_is_not_the_receivers(dns_server: LabDnsServer) -> None:
    # A filter on the sending side stamped "spam" before the message left: not the receiver's verdict.
    results = analyse(dns_server, received(b"X-Spam-Flag: YES\r\n" + sent()))
    assert one(results, "message.spam").outcome == "no_signals"


def test_sender_rule_results(dns_server: LabDnsServer) -> None:
    raw = sent(List_Unsubscribe="<https://message.test/u>", List_Unsubscribe_Post="List-Unsubscribe=One-Click")
    results = analyse(dns_server, received(raw))
    assert [one(results, c).outcome for c in ("message.unsubscribe", "message.message_id", "message.date",
                                               "message.duplicates")] == ["one_click", "valid", "valid", "none"]
    bare = received(signed(b"From: a@message.test\r\nSubject: x\r\nSubject: y\r\n\r\nbody\r\n"))
    results = analyse(dns_server, bare)
    assert [one(results, c).outcome for c in ("message.unsubscribe", "message.message_id", "message.date",
                                               "message.duplicates")] == ["missing", "missing", "missing", "found"]


def test_unsigned_and_without_ip(dns_server: LabDnsServer) -> None:
    results = analyse(dns_server, received(message()), ips=())
    assert one(results, "message.dkim").outcome == "unsigned"
    guessed = one(results, "message.path")
    assert (guessed.outcome, guessed.params["ip"]) == ("guessed", "203.0.113.25")


def test_huge_file_is_read_up_to_the_limit_and_its_body_not_judged(dns_server: LabDnsServer, tmp_path) -> None:
    from preflight.checks.message.source import read_message

    path = tmp_path / "huge.eml"
    path.write_bytes(received(sent()) + b"x" * 5000)
    file = read_message(path, limit=3000)
    assert file.truncated and len(file.data) == 3000 and file.size > 3000
    facts = collect(DnsClient(make_config(dns_server, ips=("203.0.113.25",)).dns), file, ("203.0.113.25",),
                    organizational_domain)
    results = evaluate(facts, organizational_domain)
    assert one(results, "message.read").outcome == "truncated"
    assert (one(results, "message.dkim").outcome, one(results, "message.dkim").status) == ("not_judged", Status.ERROR)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tags=st.text(alphabet="abdhilsvx=;:/+ .\\-0123456789\r\n\t", max_size=200))
def test_hostile_signatures_never_raise(dns_client: DnsClient, tags: str) -> None:
    data = b"DKIM-Signature: v=1; a=rsa-sha256; d=message.test; s=good; " + tags.encode() + b"\r\n" + message()
    checks, _ = verify_dkim(dns_client, data, truncated=False)
    assert all(c.outcome is not DkimOutcome.PASS for c in checks)
