"""DKIM key records, against the lab (tests/zones) and as literal records."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from checks.support import OutcomeRecorder, assert_could_not_check, texts
from preflight.checks import dkim
from preflight.checks.dkim import KeyInfo, evaluate, parse_key_record, parse_tags
from preflight.engine import RunContext
from preflight.i18n.problems import words
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import CheckResult, Status
from preflight.net.dns import DnsAnswer, DnsClient
from preflight.rfc.problems import RecordError

Client = Callable[..., DnsClient]
Context = Callable[..., RunContext]


def key_result(client: DnsClient, domain: str, selector: str) -> CheckResult:
    return evaluate(dkim.collect(client, domain, selector))


# -- over the lab --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "key"), [("sel1", "RSA 2048 bits"), ("ed", "Ed25519")],
)
def test_strong_keys_pass(dns_client: DnsClient, outcomes: OutcomeRecorder, selector: str, key: str) -> None:
    result = key_result(dns_client, "good.test", selector)
    outcomes.expect([result], "dkim.key", "strong", Status.PASS, subject=f"{selector}._domainkey.good.test",
                    domain="good.test", selector=selector, key=key)


def test_rsa_768_is_weak(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    result = key_result(dns_client, "broken.test", "sel1")
    outcomes.expect([result], "dkim.key", "weak", Status.FAIL, domain="broken.test", selector="sel1",
                    bits=768)


def test_rsa_1024_warns(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    result = key_result(dns_client, "cases.test", "rsa1024")
    outcomes.expect([result], "dkim.key", "rsa_1024", Status.WARN, selector="rsa1024")


def test_empty_p_is_revoked(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    result = key_result(dns_client, "cases.test", "revoked")
    outcomes.expect([result], "dkim.key", "revoked", Status.FAIL, selector="revoked")


def test_t_y_is_testing(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    result = key_result(dns_client, "cases.test", "testing")
    outcomes.expect([result], "dkim.key", "testing", Status.WARN, selector="testing", key="RSA 2048 bits")


def test_missing_selector_fails(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    result = key_result(dns_client, "cases.test", "nosuch")
    missing = outcomes.expect([result], "dkim.key", "missing", Status.FAIL, selector="nosuch",
                              name="nosuch._domainkey.cases.test")
    assert "NXDOMAIN" in missing.evidence[0].value


@pytest.mark.parametrize(
    ("selector", "error"),
    [
        ("badb64", "p= is not valid base64"),
        ("edshort", "ed25519 key must be 32 bytes, found 31"),
        ("hostile", "p= is not valid base64"),
        # an SPKI naming an unknown algorithm: cryptography raises UnsupportedAlgorithm
        ("oddalgo", "p= does not hold an RSA public key"),
    ],
)
def test_unusable_key_records_are_invalid(
    dns_client: DnsClient, outcomes: OutcomeRecorder, selector: str, error: str,
) -> None:
    result = key_result(dns_client, "cases.test", selector)
    outcomes.expect([result], "dkim.key", "invalid", Status.FAIL, selector=selector, error=error)


def test_hostile_record_text_is_inert(dns_client: DnsClient) -> None:
    result = key_result(dns_client, "cases.test", "hostile")
    assert any("<script>alert(1)</script>" in t for t in texts(result))
    assert not any(ch in t for t in texts(result) for ch in "\x07\x1b\x7f")


def test_huge_record_comes_over_tcp_and_is_bounded(
    dns_client: DnsClient, dns_server: LabDnsServer, outcomes: OutcomeRecorder,
) -> None:
    # Given a ~5 kB key record (long n= note + strong key): more than a UDP answer holds
    dns_server.reset_stats()
    result = key_result(dns_client, "cases.test", "huge")
    # Then it is fetched over TCP, judged on its key, and the evidence is capped
    outcomes.expect([result], "dkim.key", "strong", Status.PASS, selector="huge", key="RSA 2048 bits")
    assert [q.transport for q in dns_server.query_log] == ["udp", "tcp"]
    assert len(result.evidence[0].value) < 2100


@pytest.mark.parametrize("kind", ["timeout", "servfail"])
def test_lookup_failure_is_an_error(
    client_for: Client, dns_server: LabDnsServer, outcomes: OutcomeRecorder, kind: str,
) -> None:
    dns_server.add_fault("sel1._domainkey.good.test", kind)
    result = key_result(client_for(timeout=0.3), "good.test", "sel1")
    outcomes.expect([result], "dkim.key", "error", Status.ERROR, selector="sel1", reason=kind)
    assert_could_not_check([result])


def test_run_checks_every_selector_on_every_domain(context_for: Context, outcomes: OutcomeRecorder) -> None:
    # A record that makes the key parser raise must cost its own result, not the family.
    ctx = context_for(ips=("192.0.2.10",), domains=("good.test", "cases.test"),
                      selectors=("sel1", "oddalgo"))
    results = dkim.run(ctx).results
    assert [r.subject for r in results] == [
        "sel1._domainkey.good.test", "oddalgo._domainkey.good.test",
        "sel1._domainkey.cases.test", "oddalgo._domainkey.cases.test"]
    outcomes.expect(results, "dkim.key", "strong", Status.PASS, subject="sel1._domainkey.good.test")
    outcomes.expect(results, "dkim.key", "invalid", Status.FAIL, subject="oddalgo._domainkey.cases.test")


def test_run_without_selectors_skips_each_domain(context_for: Context, outcomes: OutcomeRecorder) -> None:
    results = dkim.run(context_for(ips=("192.0.2.10",), domains=("good.test", "cases.test"))).results
    assert [r.subject for r in results] == ["good.test", "cases.test"]
    outcomes.expect(results, "dkim.key", "no_selector", Status.SKIP, domain="good.test")


# -- literal records -------------------------------------------------------------------------------


def _modulus(bits: int) -> int:
    return (1 << (bits - 1)) | 0x10001 | 1  # odd, exactly ``bits`` long: enough to load


def rsa_spki(bits: int) -> str:
    key = rsa.RSAPublicNumbers(65537, _modulus(bits)).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def rsa_pkcs1(bits: int) -> str:
    key = rsa.RSAPublicNumbers(65537, _modulus(bits)).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return base64.b64encode(der).decode()


def ed_raw() -> str:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(b"\x01" * 32).public_key()
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw,
                                             serialization.PublicFormat.Raw)).decode()


def unknown_algorithm_spki() -> str:
    """An RSA SPKI whose algorithm OID is changed to 1.2.840.113549.1.1.99 (unknown)."""
    der = base64.b64decode(rsa_spki(1024))
    rsa_oid = bytes.fromhex("2a864886f70d010101")
    return base64.b64encode(der.replace(rsa_oid, rsa_oid[:-1] + b"\x63", 1)).decode()


def ec_spki() -> str:
    key = ec.derive_private_key(7, ec.SECP256R1()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


@pytest.mark.parametrize(
    ("record", "info"),
    [
        (f"v=DKIM1; k=rsa; p={rsa_spki(2048)}", KeyInfo("rsa", 2048, False, False)),
        (f"p={rsa_spki(1024)}", KeyInfo("rsa", 1024, False, False)),  # v= and k= are optional
        (f"v=DKIM1; p={rsa_pkcs1(2048)}", KeyInfo("rsa", 2048, False, False)),  # bare PKCS#1
        (f"v=DKIM1; k=RSA; p={rsa_spki(768)}", KeyInfo("rsa", 768, False, False)),
        (f"v=DKIM1; k=ed25519; p={ed_raw()}", KeyInfo("ed25519", 256, False, False)),
        (f"v=DKIM1; t=y; p={rsa_spki(2048)}", KeyInfo("rsa", 2048, False, True)),
        (f"v=DKIM1; t=s:y; p={rsa_spki(2048)}", KeyInfo("rsa", 2048, False, True)),
        (f"v=DKIM1; t=s; p={rsa_spki(2048)}", KeyInfo("rsa", 2048, False, False)),
        ("v=DKIM1; k=rsa; p=", KeyInfo("rsa", None, True, False)),
        ("v=DKIM1; p= ;", KeyInfo("rsa", None, True, False)),
        # whitespace inside the base64 (folded lines) is ignored
        (f"v=DKIM1; p={rsa_spki(2048)[:100]} \t {rsa_spki(2048)[100:]}", KeyInfo("rsa", 2048, False, False)),
        (f" v = DKIM1 ;  p = {rsa_spki(2048)} ; ", KeyInfo("rsa", 2048, False, False)),
    ],
)
def test_parse_key_record(record: str, info: KeyInfo) -> None:
    assert parse_key_record(record) == info


@pytest.mark.parametrize(
    ("record", "error"),
    [
        ("v=DKIM2; p=AAAA", "v= must be DKIM1"),
        ("v=DKIM1; k=rsa", "no p= tag"),
        ("v=DKIM1; p=!!!!", "not valid base64"),
        ("v=DKIM1; p=AAA", "not valid base64"),  # bad padding
        (f"v=DKIM1; k=dsa; p={rsa_spki(2048)}", "unknown key type k=dsa"),
        ("v=DKIM1; k=ed25519; p=" + base64.b64encode(b"\x00" * 31).decode(), "32 bytes, found 31"),
        ("v=DKIM1; p=" + base64.b64encode(b"\x30\x03\x02\x01\x00").decode(), "does not hold an RSA"),
        (f"v=DKIM1; k=rsa; p={ec_spki()}", "k=rsa but p= is not an RSA key"),
        (f"v=DKIM1; k=rsa; p={unknown_algorithm_spki()}", "does not hold an RSA"),
        ("v=DKIM1; p=A; p=B", "duplicate tag"),
        ("v=DKIM1; garbage; p=AAAA", "tag without '='"),
    ],
)
def test_parse_key_record_rejects(record: str, error: str) -> None:
    # The reader names the problem (a catalogue key); its words come from the catalogues
    with pytest.raises(RecordError) as raised:
        parse_key_record(record)
    assert isinstance(raised.value, ValueError)
    assert error in words(raised.value.problem)
    assert words(raised.value.problem, "ja") != words(raised.value.problem)


@pytest.mark.parametrize(
    ("record", "tags"),
    [
        ("", {}),
        ("v=DKIM1", {"v": "DKIM1"}),
        ("v=DKIM1;;k=rsa;", {"v": "DKIM1", "k": "rsa"}),
        ("n=a b\tc; p=AB CD", {"n": "abc", "p": "ABCD"}),
        ("p=a=b", {"p": "a=b"}),
    ],
)
def test_parse_tags(record: str, tags: dict[str, str]) -> None:
    assert parse_tags(record) == tags


@settings(max_examples=150, deadline=None)
@given(st.one_of(
    st.text(),
    st.binary(max_size=300).map(lambda raw: "v=DKIM1; p=" + base64.b64encode(raw).decode()),
    st.binary(max_size=64).map(lambda raw: "k=ed25519; p=" + base64.b64encode(raw).decode()),
))
def test_parse_key_record_only_ever_raises_value_error(record: str) -> None:
    # Hostile DNS text must give a KeyInfo or a ValueError (→ dkim.key invalid), never a crash.
    try:
        info = parse_key_record(record)
    except ValueError:
        return
    assert info.key_type in ("rsa", "ed25519")


# -- RFC 6376 / 8301 / 8463 key semantics (issue 14) ---------------------------------------------------


def _facts(*records: str) -> dkim.DkimFacts:
    return dkim.DkimFacts("d.test", "s1", DnsAnswer("s1._domainkey.d.test", "TXT", records, 300, "lab"))


@pytest.mark.parametrize(
    ("record", "outcome", "status"),
    [
        # RFC 8301 §3.1: sha1 must not be used; a key limited to it verifies nothing acceptable
        (f"v=DKIM1; h=sha1; p={rsa_spki(2048)}", "sha1_only", Status.FAIL),
        (f"v=DKIM1; h=sha1:sha256; p={rsa_spki(2048)}", "strong", Status.PASS),
        (f"v=DKIM1; h=SHA256; p={rsa_spki(2048)}", "strong", Status.PASS),
        # RFC 6376 §3.6.1 s=: a key for another service must be ignored by email verifiers
        (f"v=DKIM1; s=tlsrpt; p={rsa_spki(2048)}", "not_for_email", Status.FAIL),
        (f"v=DKIM1; s=email; p={rsa_spki(2048)}", "strong", Status.PASS),
        (f"v=DKIM1; s=*; p={rsa_spki(2048)}", "strong", Status.PASS),
        (f"v=DKIM1; s=tlsrpt:email; p={rsa_spki(2048)}", "strong", Status.PASS),
        # RFC 6376 §3.6.1: v= must be the first tag
        (f"k=rsa; v=DKIM1; p={rsa_spki(2048)}", "invalid", Status.FAIL),
        # RFC 8301 §3.2: verifiers handle 1024..4096 bits; larger keys are often refused
        (f"v=DKIM1; p={rsa_spki(4096)}", "strong", Status.PASS),
        (f"v=DKIM1; p={rsa_spki(8192)}", "rsa_too_large", Status.WARN),
        (f"v=DKIM1; p={rsa_spki(16384)}", "rsa_too_large", Status.WARN),
        (f"v=DKIM1; p={rsa_spki(65536)}", "rsa_too_large", Status.WARN),
        # RFC 8463: Ed25519 keys are 32 raw bytes
        (f"v=DKIM1; k=ed25519; p={ed_raw()}", "strong", Status.PASS),
        (f"v=DKIM1; k=ed25519; h=sha256; p={ed_raw()}", "strong", Status.PASS),
    ],
)
def test_key_semantics(record: str, outcome: str, status: Status, outcomes: OutcomeRecorder) -> None:
    outcomes.expect([evaluate(_facts(record))], "dkim.key", outcome, status, domain="d.test",
                    selector="s1")


def test_several_key_records_are_ambiguous_whatever_the_order() -> None:
    good, revoked = f"v=DKIM1; p={rsa_spki(2048)}", "v=DKIM1; p="
    first, second = evaluate(_facts(good, revoked)), evaluate(_facts(revoked, good))
    assert (first.outcome, first.status, first.params["count"]) == ("ambiguous", Status.WARN, "2")
    # the same verdict and the same per-record evidence, whichever record DNS lists first
    assert (first.outcome, first.params, first.evidence[1:]) == (
        second.outcome, second.params, second.evidence[1:])
    assert "revoked (empty p=)" in [ev.value for ev in first.evidence]


def test_ambiguous_selector_over_the_lab(dns_client: DnsClient, outcomes: OutcomeRecorder) -> None:
    result = key_result(dns_client, "cases.test", "twice")
    outcomes.expect([result], "dkim.key", "ambiguous", Status.WARN, selector="twice", count=2)
