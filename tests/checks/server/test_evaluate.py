"""Table-driven tests of the server inventory's pure judgements: literal facts in, results out.

Every outcome declared in preflight/checks/server/outcomes.py must appear in some row here;
the last test checks that (when the whole module ran).
"""

from __future__ import annotations

import base64
import dataclasses
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest
from conftest import FIXED_NOW

from preflight.checks.server import evaluate_new, evaluate_old, outcomes
from preflight.checks.server.collect import parse_addresses, parse_route_source, port25_probe
from preflight.checks.server.compare import comparison_rows, evaluate_comparison
from preflight.checks.server.evaluate_dkim import evaluate_key, evaluate_keys, evaluate_signer
from preflight.checks.server.evaluate_host import (
    evaluate_connection,
    evaluate_mta,
    evaluate_os,
    evaluate_port25,
)
from preflight.checks.server.evaluate_postfix import (
    evaluate_bind,
    evaluate_helo,
    evaluate_inet_interfaces,
    evaluate_mynetworks,
    evaluate_tls_files,
    evaluate_tls_levels,
    is_public_fqdn,
    name_matches,
)
from preflight.checks.server.evaluate_rbl import evaluate_dead, evaluate_rbls, evaluate_resolver
from preflight.checks.server.facts import (
    CertProbe,
    DkimSigner,
    FileText,
    KeyFileStatus,
    KeyProbe,
    PlanFacts,
    Port25Probe,
    PostfixFacts,
    ServerFacts,
)
from preflight.checks.server.settings import Port25Target
from preflight.data.loader import load_catalogue
from preflight.inventory.eol import parse_eol_table
from preflight.inventory.parse import DkimKey, Mta, parse_rbl_config
from preflight.lab.certs import make_certificates
from preflight.model import CheckResult, Outcome, Status
from preflight.net.dns import DnsAnswer, DnsError
from preflight.net.ssh import (
    Access,
    AuthFailedError,
    ChangedHostKey,
    CommandResult,
    HostKeyInfo,
    SshError,
    SshTarget,
    UnknownHostKey,
    UnreachableError,
)

SEEN: set[tuple[str, str]] = set()
TARGET = SshTarget("admin", "192.0.2.25", 22)
KEY = HostKeyInfo("ED25519", "SHA256:abcdef")
WHERE = "ssh admin@192.0.2.25:22"


def seen(results: list[CheckResult] | CheckResult) -> list[CheckResult]:
    items = results if isinstance(results, list) else [results]
    SEEN.update((r.check_id, r.outcome) for r in items)
    return items


def one(results: list[CheckResult] | CheckResult, check_id: str | None = None) -> CheckResult:
    items = [r for r in seen(results) if check_id is None or r.check_id == check_id]
    assert len(items) == 1, items
    return items[0]


def postfix(**params: str) -> PostfixFacts:
    base = {"myhostname": "mail.example.com", "inet_interfaces": "all", "inet_protocols": "all",
            "mynetworks": "127.0.0.0/8", "smtpd_tls_security_level": "may",
            "smtp_tls_security_level": "may"}
    base.update(params)
    frozen = MappingProxyType(base)
    return PostfixFacts(main=frozen, effective=frozen, outbound=frozen, policy=parse_rbl_config(base))


def server(**kwargs: Any) -> ServerFacts:
    values: dict[str, Any] = {"role": "new", "target": TARGET, "host_key": KEY, "postfix": postfix(),
                                  "addresses": ("127.0.0.1", "192.0.2.25", "2001:db8::25"),
                                  "routes": MappingProxyType({4: "192.0.2.25", 6: "2001:db8::25"}),
                                  "resolv": FileText("/etc/resolv.conf", Access.OK, "nameserver 127.0.0.1\n"),
                                  "os_release": FileText("/etc/os-release", Access.OK, 'ID=testos\nVERSION_ID="3"\n')}
    values.update(kwargs)
    return ServerFacts(**values)


def answer(name: str, rdtype: str, *records: str, nxdomain: bool = False) -> DnsAnswer:
    return DnsAnswer(name, rdtype, tuple(records), 300, "127.0.0.1:5353", nxdomain=nxdomain)


def plan(**kwargs: Any) -> PlanFacts:
    values: dict[str, Any] = {
        "ips": ("192.0.2.25",), "hostname": "mail.example.com", "domains": ("example.com",), "selectors": (),
        "now": FIXED_NOW, "ptr": {"192.0.2.25": answer("25.2.0.192.in-addr.arpa", "PTR", "mail.example.com")},
    }
    values.update(kwargs)
    return PlanFacts(**values)


TABLE = parse_eol_table({
    "curated": "2026-11-29",
    "distro": {"testos": {"label": "TestOS", "release": [
        {"release": "1", "name": "TestOS 1", "eol": "2020-01-31"},
        {"release": "2", "name": "TestOS 2", "eol": "2027-03-01"},
        {"release": "3", "name": "TestOS 3", "eol": "2035-06-30"},
    ]}},
})


# -- server.ssh --------------------------------------------------------------------------------

@pytest.mark.parametrize(("error", "recorded", "outcome", "status"), [
    (None, False, "connected", Status.PASS),
    (None, True, "key_recorded", Status.PASS),
    (UnknownHostKey(TARGET, KEY, "/root/.ssh/known_hosts"), False, "host_key_unknown", Status.ERROR),
    (ChangedHostKey(TARGET, KEY, HostKeyInfo("RSA", "SHA256:old"), "/kh"), False, "host_key_changed",
     Status.ERROR),
    (AuthFailedError(TARGET, "Authentication failed.", "key /k"), False, "auth_failed", Status.ERROR),
    (UnreachableError(TARGET, "connection refused"), False, "unreachable", Status.ERROR),
    (SshError(TARGET, "SSH error: Error reading SSH protocol banner"), False, "failed", Status.ERROR),
])
def test_connection(error: SshError | None, recorded: bool, outcome: str, status: Status) -> None:
    facts = server(error=error, key_recorded=recorded, known_hosts="/kh",
                   host_key=None if error else KEY)
    result = one(evaluate_connection(facts))
    assert (result.outcome, result.status) == (outcome, status)
    if isinstance(error, UnknownHostKey):
        assert result.params["key"] == "ED25519 SHA256:abcdef"
        assert result.params["name"] == "192.0.2.25"


def test_failed_login_yields_only_the_connection_result() -> None:
    results = evaluate_new(server(error=UnreachableError(TARGET, "timed out")), plan())
    assert [r.check_id for r in results] == ["server.ssh"]
    assert evaluate_old(server(role="old", error=UnreachableError(TARGET, "x")), plan())[0].status is Status.ERROR


# -- server.os_eol -----------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "read", "outcome", "status"), [
    ("new", FileText("/etc/os-release", Access.OK, 'ID=testos\nVERSION_ID="3.1"\n'), "supported", Status.PASS),
    ("new", FileText("/etc/os-release", Access.OK, "ID=testos\nVERSION_ID=2\n"), "ending_soon", Status.WARN),
    ("new", FileText("/etc/os-release", Access.OK, "ID=testos\nVERSION_ID=1\n"), "ended", Status.FAIL),
    ("new", FileText("/etc/os-release", Access.OK, "ID=otheros\nVERSION_ID=1\n"), "unknown", Status.WARN),
    ("new", FileText("/etc/os-release", Access.MISSING, "", "No such file"), "unknown", Status.WARN),
    ("new", FileText("/etc/os-release", Access.DENIED, "", "Permission denied"), "unreadable", Status.SKIP),
    ("new", FileText("/etc/os-release", Access.TIMEOUT, "", "timed out"), "error", Status.ERROR),
    ("old", FileText("/etc/os-release", Access.OK, "ID=testos\nVERSION_ID=1\n"), "old_ended", Status.PASS),
    ("old", FileText("/etc/os-release", Access.OK, "ID=testos\nVERSION_ID=3\n"), "old_supported", Status.PASS),
    ("old", FileText("/etc/os-release", Access.OK, "ID=otheros\n"), "old_unknown", Status.PASS),
    ("old", FileText("/etc/os-release", Access.MISSING, "", "No such file"), "old_unknown", Status.PASS),
])
def test_os(role: str, read: FileText, outcome: str, status: Status) -> None:
    result = one(evaluate_os(server(role=role, os_release=read), FIXED_NOW.date(), TABLE))
    assert (result.outcome, result.status) == (outcome, status)


def test_os_uses_the_run_clock() -> None:
    facts = server(os_release=FileText("/etc/os-release", Access.OK, "ID=testos\nVERSION_ID=3\n"))
    assert one(evaluate_os(facts, datetime(2035, 7, 1).date(), TABLE)).outcome == "ended"
    ended = one(evaluate_os(server(role="old", os_release=FileText(
        "/etc/os-release", Access.OK, 'ID="centos"\nVERSION_ID="7"\nPRETTY_NAME="CentOS Linux 7 (Core)"\n')),
        FIXED_NOW.date()))
    assert ended.params == {"os": "CentOS Linux 7", "eol": "2024-06-30"}


# -- server.mta ---------------------------------------------------------------------------------

def _cmd(status: int, stderr: str = "", stdout: str = "") -> CommandResult:
    return CommandResult("postfix_version", "env -i ... postconf mail_version", status, stdout, stderr, 0.1)


@pytest.mark.parametrize(("mta", "problem", "outcome", "status"), [
    (Mta("postfix", "3.5.25"), None, "postfix", Status.PASS),
    (Mta("exim", "4.96"), None, "other", Status.WARN),
    (Mta("sendmail", "8.15.2"), None, "other", Status.WARN),
    (None, None, "none", Status.FAIL),
    (None, _cmd(1, "postconf: fatal: open /etc/postfix/main.cf: Permission denied"), "unreadable", Status.SKIP),
    (None, _cmd(1, "postconf: fatal: bad string length"), "error", Status.ERROR),
])
def test_mta(mta: Mta | None, problem: CommandResult | None, outcome: str, status: Status) -> None:
    result = one(evaluate_mta(server(mta=mta, mta_problem=problem)))
    assert (result.outcome, result.status) == (outcome, status)


# -- server.helo --------------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "kwargs", "outcome", "status"), [
    ({}, {}, "consistent", Status.PASS),
    ({"smtp_helo_name": "mail.example.com", "myhostname": "host.internal.example"}, {}, "consistent",
     Status.PASS),
    ({"myhostname": "localhost.localdomain"}, {}, "not_fqdn", Status.FAIL),
    ({"myhostname": "mail"}, {}, "not_fqdn", Status.FAIL),
    ({"myhostname": "smtp.example.com"}, {}, "mismatch", Status.WARN),
    ({}, {"hostname": "mx.example.com"}, "mismatch", Status.WARN),
    ({}, {"ptr": {"192.0.2.25": answer("25.2.0.192.in-addr.arpa", "PTR", nxdomain=True)}}, "mismatch",
     Status.WARN),
    ({}, {"ptr": {"192.0.2.25": DnsError("25.2.0.192.in-addr.arpa", "PTR", "timeout", "127.0.0.1:53")}},
     "dns_error", Status.ERROR),
])
def test_helo(params: dict[str, str], kwargs: dict[str, Any], outcome: str, status: Status) -> None:
    result = one(evaluate_helo(server(postfix=postfix(**params)), plan(**kwargs)))
    assert (result.outcome, result.status) == (outcome, status)


def test_helo_prefers_the_master_cf_override() -> None:
    pf = postfix()
    pf = dataclasses.replace(pf, outbound=MappingProxyType({**pf.outbound, "smtp_helo_name": "old.example.com"}))
    result = one(evaluate_helo(server(postfix=pf), plan()))
    assert result.outcome == "mismatch" and result.params["helo"] == "old.example.com"


@pytest.mark.parametrize(("name", "fqdn"), [
    ("mail.example.com", True), ("mail", False), ("localhost.example.com", False),
    ("mx.corp.local", False), ("host.localdomain", False), ("-bad.example.com", False),
])
def test_is_public_fqdn(name: str, fqdn: bool) -> None:
    assert is_public_fqdn(name) is fqdn


# -- server.mynetworks --------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "outcome", "status"), [
    ("127.0.0.0/8 [::1]/128 10.0.0.0/8 192.168.0.0/16", "local", Status.PASS),
    ("127.0.0.0/8, hash:/etc/postfix/network_table, 8.8.8.8/32", "local", Status.PASS),
    ("127.0.0.0/8 0.0.0.0/0", "open", Status.FAIL),
    ("[::]/0", "open", Status.FAIL),
    ("1.0.0.0/4", "open", Status.FAIL),
    ("127.0.0.0/8 8.8.0.0/16", "broad", Status.WARN),
    ("[2a00:1450::]/32", "broad", Status.WARN),
])
def test_mynetworks(value: str, outcome: str, status: Status) -> None:
    result = one(evaluate_mynetworks(server(postfix=postfix(mynetworks=value))))
    assert (result.outcome, result.status) == (outcome, status)


# -- server.bind_address ------------------------------------------------------------------------

@pytest.mark.parametrize(("params", "routes", "ips", "expected"), [
    ({"smtp_bind_address": "192.0.2.25"}, {}, ("192.0.2.25",), [("bound", Status.PASS)]),
    ({"smtp_bind_address": "127.0.0.1"}, {}, ("192.0.2.25",), [("bound_elsewhere", Status.FAIL)]),
    ({"smtp_bind_address": "198.51.100.41"}, {}, ("192.0.2.25",), [("bound_missing", Status.FAIL)]),
    ({}, {4: "192.0.2.25"}, ("192.0.2.25",), [("route", Status.PASS)]),
    ({}, {4: "127.0.0.1"}, ("192.0.2.25",), [("route_elsewhere", Status.WARN)]),
    ({}, {4: None}, ("192.0.2.25",), [("unknown", Status.SKIP)]),
    ({"inet_protocols": "ipv4"}, {4: "192.0.2.25"}, ("192.0.2.25", "2001:db8::25"),
     [("route", Status.PASS), ("protocol_off", Status.SKIP)]),
    ({"smtp_bind_address6": "2001:DB8::25"}, {4: "192.0.2.25"}, ("192.0.2.25", "2001:db8::25"),
     [("route", Status.PASS), ("bound", Status.PASS)]),
])
def test_bind(params: dict[str, str], routes: dict[int, str | None], ips: tuple[str, ...],
              expected: list[tuple[str, Status]]) -> None:
    results = seen(evaluate_bind(server(postfix=postfix(**params), routes=MappingProxyType(routes)),
                                 plan(ips=ips)))
    assert [(r.outcome, r.status) for r in results] == expected


# -- server.inet_interfaces ---------------------------------------------------------------------

@pytest.mark.parametrize(("value", "outcome", "status"), [
    ("all", "all", Status.PASS),
    ("", "all", Status.PASS),
    ("192.0.2.25, localhost", "listed", Status.PASS),
    ("mail.example.com", "listed", Status.PASS),
    ("loopback-only", "loopback_only", Status.WARN),
    ("127.0.0.1", "loopback_only", Status.WARN),
    ("198.51.100.41", "missing", Status.FAIL),
])
def test_inet_interfaces(value: str, outcome: str, status: Status) -> None:
    result = one(evaluate_inet_interfaces(server(postfix=postfix(inet_interfaces=value))))
    assert (result.outcome, result.status) == (outcome, status)


# -- server.tls_files / tls_levels --------------------------------------------------------------

def _cert(names: tuple[str, ...] = ("mail.example.com",), **kwargs: Any) -> str:
    return make_certificates(names, **kwargs).cert_pem.decode()


@pytest.mark.parametrize(("probe", "outcome", "status"), [
    (CertProbe("smtpd_tls_cert_file", "/c", Access.OK, _cert(now=FIXED_NOW - timedelta(days=10))), "ok",
     Status.PASS),
    (CertProbe("smtpd_tls_cert_file", "/c", Access.OK, _cert(("*.example.com",), now=FIXED_NOW)), "ok",
     Status.PASS),
    (CertProbe("smtpd_tls_cert_file", "/c", Access.OK, _cert(now=FIXED_NOW - timedelta(days=100))),
     "expired", Status.FAIL),
    (CertProbe("smtpd_tls_cert_file", "/c", Access.OK, _cert(now=FIXED_NOW - timedelta(days=80))),
     "expiring", Status.WARN),
    (CertProbe("smtpd_tls_cert_file", "/c", Access.OK, _cert(("old.example.com",), now=FIXED_NOW)),
     "name_mismatch", Status.WARN),
    (CertProbe("smtpd_tls_cert_file", "/c", Access.OK, "-----BEGIN CERTIFICATE-----\nAAAA\n"
               "-----END CERTIFICATE-----\n"), "invalid", Status.FAIL),
    (CertProbe("smtpd_tls_cert_file", "/c", Access.FAILED, "", "unable to load certificate"), "invalid",
     Status.FAIL),
    (CertProbe("smtpd_tls_cert_file", "/c", Access.MISSING, "", "No such file"), "missing", Status.FAIL),
    (CertProbe("smtpd_tls_cert_file", "/c", Access.DENIED, "", "Permission denied"), "unreadable",
     Status.SKIP),
    (CertProbe("smtpd_tls_cert_file", "/c", Access.TIMEOUT, "", "timed out"), "error", Status.ERROR),
])
def test_tls_certificate(probe: CertProbe, outcome: str, status: Status) -> None:
    result = one(evaluate_tls_files(server(certs=(probe,)), plan()))
    assert (result.outcome, result.status) == (outcome, status)


@pytest.mark.parametrize(("status_", "outcome", "status"), [
    (KeyFileStatus("smtpd_tls_key_file", "/k", Access.OK, "regular file root:root 600"), "key_present",
     Status.PASS),
    (KeyFileStatus("smtpd_tls_key_file", "/k", Access.MISSING, "No such file"), "missing", Status.FAIL),
    (KeyFileStatus("smtpd_tls_key_file", "/k", Access.DENIED, "Permission denied"), "unreadable", Status.SKIP),
    (KeyFileStatus("smtpd_tls_key_file", "/k", Access.FAILED, "stat: weird"), "error", Status.ERROR),
])
def test_tls_key_file(status_: KeyFileStatus, outcome: str, status: Status) -> None:
    result = one(evaluate_tls_files(server(key_files=(status_,)), plan()))
    assert (result.outcome, result.status) == (outcome, status)


def test_tls_none() -> None:
    assert one(evaluate_tls_files(server(), plan())).outcome == "none"


@pytest.mark.parametrize(("params", "expected"), [
    ({}, [("incoming_may", Status.PASS), ("outgoing_ok", Status.PASS)]),
    ({"smtpd_tls_security_level": "", "smtp_tls_security_level": ""},
     [("incoming_none", Status.WARN), ("outgoing_none", Status.WARN)]),
    ({"smtpd_tls_security_level": "", "smtpd_use_tls": "yes", "smtp_tls_security_level": "dane"},
     [("incoming_may", Status.PASS), ("outgoing_ok", Status.PASS)]),
    ({"smtpd_tls_security_level": "encrypt", "smtp_tls_security_level": "none"},
     [("incoming_enforced", Status.WARN), ("outgoing_none", Status.WARN)]),
    ({"smtpd_tls_security_level": "", "smtpd_enforce_tls": "yes", "smtp_tls_security_level": "",
      "smtp_use_tls": "yes"}, [("incoming_enforced", Status.WARN), ("outgoing_ok", Status.PASS)]),
])
def test_tls_levels(params: dict[str, str], expected: list[tuple[str, Status]]) -> None:
    results = seen(evaluate_tls_levels(server(postfix=postfix(**params))))
    assert [(r.outcome, r.status) for r in results] == expected


@pytest.mark.parametrize(("name", "patterns", "ok"), [
    ("mail.example.com", ["mail.example.com"], True),
    ("mail.example.com", ["*.example.com"], True),
    ("a.mail.example.com", ["*.example.com"], False),
    ("example.com", ["*.example.com"], False),
])
def test_name_matches(name: str, patterns: list[str], ok: bool) -> None:
    assert name_matches(name, patterns) is ok


# -- server.rbls, rbl_dead, rbl_resolver --------------------------------------------------------

CATALOGUE = load_catalogue()
RESTRICTIONS = "smtpd_recipient_restrictions"


@pytest.mark.parametrize(("value", "expected"), [
    ("permit_mynetworks, reject_unauth_destination, reject_rbl_client zen.spamhaus.org",
     [("configured", Status.PASS)]),
    ("permit_mynetworks, reject_unauth_destination", [("none", Status.PASS)]),
    ("reject_rbl_client zen.spamhaus.org=127.0.0.[2..300]", [("problems", Status.FAIL)]),
])
def test_rbls(value: str, expected: list[tuple[str, Status]]) -> None:
    results = seen(evaluate_rbls(server(postfix=postfix(**{RESTRICTIONS: value}))))
    assert [(r.outcome, r.status) for r in results] == expected


def test_rbl_keys_are_redacted() -> None:
    facts = server(postfix=postfix(**{RESTRICTIONS: "reject_rbl_client s3cr3tkey.zen.dq.spamhaus.net"}))
    results = seen(evaluate_rbls(facts)) + seen(evaluate_dead(facts, CATALOGUE))
    text = repr([(r.params, [e.to_dict() for e in r.evidence]) for r in results])
    assert "s3cr3tkey" not in text and "<key>.zen.dq.spamhaus.net" in text


@pytest.mark.parametrize(("value", "dead"), [
    ("reject_rbl_client zen.spamhaus.org, reject_rbl_client dnsbl.sorbs.net", ["dnsbl.sorbs.net"]),
    ("reject_rbl_client new.spam.dnsbl.sorbs.net, reject_rbl_client ix.dnsbl.manitu.net",
     ["ix.dnsbl.manitu.net", "new.spam.dnsbl.sorbs.net"]),
    ("reject_rbl_client zen.spamhaus.org", []),
])
def test_dead_lists(value: str, dead: list[str]) -> None:
    results = seen(evaluate_dead(server(postfix=postfix(**{RESTRICTIONS: value})), CATALOGUE))
    if dead:
        assert sorted(r.params["zone"] for r in results) == dead
        assert all(r.status is Status.FAIL and r.params["parameter"] == RESTRICTIONS for r in results)
    else:
        assert [(r.outcome, r.params["count"]) for r in results] == [("none_dead", "1")]


def test_dead_postscreen_site_names_its_parameter() -> None:
    facts = server(postfix=postfix(postscreen_dnsbl_sites="dnsbl.sorbs.net*2 zen.spamhaus.org*3"))
    result = one(evaluate_dead(facts, CATALOGUE))
    assert result.params["parameter"] == "postscreen_dnsbl_sites"


@pytest.mark.parametrize(("resolv", "value", "outcome", "status"), [
    ("nameserver 127.0.0.1\n", "reject_rbl_client zen.spamhaus.org", "ok", Status.PASS),
    ("nameserver 8.8.8.8\nnameserver 1.1.1.1\n", "reject_rbl_client zen.spamhaus.org", "public", Status.WARN),
    ("nameserver 8.8.8.8\n", "reject_rbl_client key123.zen.dq.spamhaus.net", "ok", Status.PASS),
    ("nameserver 8.8.8.8\n", "reject_rbl_client bl.spamcop.net", "ok", Status.PASS),
    ("# empty\n", "reject_rbl_client zen.spamhaus.org", "no_nameserver", Status.WARN),
])
def test_resolver(resolv: str, value: str, outcome: str, status: Status) -> None:
    facts = server(postfix=postfix(**{RESTRICTIONS: value}),
                   resolv=FileText("/etc/resolv.conf", Access.OK, resolv))
    result = one(evaluate_resolver(facts, CATALOGUE))
    assert (result.outcome, result.status) == (outcome, status)


def test_resolver_unreadable() -> None:
    facts = server(resolv=FileText("/etc/resolv.conf", Access.DENIED, "", "Permission denied"))
    result = one(evaluate_resolver(facts, CATALOGUE))
    assert (result.outcome, result.status) == ("unreadable", Status.SKIP)
    assert "group" in result.params["reason"]


# -- server.dkim_signer / dkim_dns_match --------------------------------------------------------

def _key_pair() -> tuple[bytes, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate().public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return der, f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}"


def _rsa_pair(pkcs1: bool = False) -> tuple[bytes, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    published = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1) if pkcs1 else der
    return der, f"v=DKIM1; k=rsa; p={base64.b64encode(published).decode()}"


ED_DER, ED_RECORD = _key_pair()
OTHER_DER, OTHER_RECORD = _key_pair()
RSA_DER, RSA_PKCS1_RECORD = _rsa_pair(pkcs1=True)
DKEY = DkimKey("example.com", "s1", "/etc/opendkim/keys/s1.private", False, "opendkim:KeyTable")
NAME = "s1._domainkey.example.com"


@pytest.mark.parametrize(("probe", "dns", "outcome", "status"), [
    (KeyProbe(DKEY, Access.OK, ED_DER), answer(NAME, "TXT", ED_RECORD), "match", Status.PASS),
    (KeyProbe(DKEY, Access.OK, RSA_DER), answer(NAME, "TXT", RSA_PKCS1_RECORD), "match", Status.PASS),
    (KeyProbe(DKEY, Access.OK, ED_DER), answer(NAME, "TXT", OTHER_RECORD), "mismatch", Status.FAIL),
    (KeyProbe(DKEY, Access.OK, RSA_DER), answer(NAME, "TXT", ED_RECORD), "mismatch", Status.FAIL),
    (KeyProbe(DKEY, Access.OK, ED_DER), answer(NAME, "TXT", nxdomain=True), "dns_missing", Status.FAIL),
    (KeyProbe(DKEY, Access.OK, ED_DER), answer(NAME, "TXT", "v=spf1 -all"), "dns_missing", Status.FAIL),
    (KeyProbe(DKEY, Access.OK, ED_DER), answer(NAME, "TXT", "v=DKIM1; p="), "dns_invalid", Status.FAIL),
    (KeyProbe(DKEY, Access.OK, ED_DER), answer(NAME, "TXT", "v=DKIM1; p=!!!"), "dns_invalid", Status.FAIL),
    (KeyProbe(DKEY, Access.OK, ED_DER), DnsError(NAME, "TXT", "SERVFAIL", "127.0.0.1:53"), "dns_error",
     Status.ERROR),
    (KeyProbe(DKEY, Access.MISSING, None, "No such file"), None, "key_missing", Status.FAIL),
    (KeyProbe(DKEY, Access.FAILED, None, "Could not read key"), None, "key_invalid", Status.FAIL),
    (KeyProbe(DKEY, Access.DENIED, None, "Permission denied"), None, "unreadable", Status.SKIP),
    (KeyProbe(dataclasses.replace(DKEY, key_path=None, inline_key=True), None), None, "inline_key",
     Status.SKIP),
    (KeyProbe(DKEY, Access.NOT_INSTALLED, None, "env: 'openssl': No such file"), None, "error", Status.ERROR),
])
def test_key_against_dns(probe: KeyProbe, dns: DnsAnswer | DnsError | None, outcome: str, status: Status) -> None:
    result = one(evaluate_key(probe, dns, WHERE))
    assert (result.outcome, result.status) == (outcome, status)
    assert result.subject == NAME


def _signer(socket: str = "inet:8891@localhost", keys: tuple[KeyProbe, ...] = (KeyProbe(DKEY, Access.OK, ED_DER),),
            **kwargs: Any) -> DkimSigner:
    return DkimSigner("opendkim", "/etc/opendkim.conf", keys, socket=socket, **kwargs)


@pytest.mark.parametrize(("facts", "plan_kwargs", "expected"), [
    ({"signers": (_signer(),)}, {}, {("found", Status.PASS)}),
    ({"signers": (_signer("local:/run/opendkim/opendkim.sock"),)}, {}, {("found", Status.PASS)}),
    ({"signers": (_signer("inet:12345@localhost"),)}, {}, {("found", Status.PASS), ("not_wired", Status.WARN)}),
    ({"signers": (_signer(),)}, {"selectors": ("s2026",)},
     {("found", Status.PASS), ("selector_missing", Status.WARN)}),
    ({"signers": (_signer(),)}, {"domains": ("example.com", "example.net")},
     {("found", Status.PASS), ("domain_uncovered", Status.WARN)}),
    ({"signers": (_signer(unread=(FileText("/etc/opendkim/KeyTable", Access.DENIED, "", "Permission denied"),)),)},
     {"domains": ("example.org",)}, {("found", Status.PASS), ("unreadable", Status.SKIP)}),
    ({"signers": (_signer(unread=(FileText("/etc/opendkim/SigningTable", Access.MISSING, "", "No such file"),)),)},
     {}, {("found", Status.PASS), ("table_missing", Status.FAIL)}),
    ({"signers": (), "signer_reads": (FileText("/etc/opendkim.conf", Access.MISSING),)}, {}, {("none", Status.WARN)}),
    ({"signers": (), "signer_reads": (FileText("/etc/opendkim.conf", Access.DENIED, "", "Permission denied"),)},
     {}, {("unreadable", Status.SKIP)}),
    # A read that never finished (channel closed, no exit status; timed out) is could-not-check
    ({"signers": (), "signer_reads": (FileText("/etc/opendkim.conf", Access.LOST, "", "channel closed"),
                                      FileText("/etc/rspamd/local.d/dkim_signing.conf", Access.MISSING))},
     {}, {("error", Status.ERROR)}),
    ({"signers": (_signer(unread=(FileText("/etc/opendkim/KeyTable", Access.TIMEOUT, "", "timed out"),)),)},
     {}, {("found", Status.PASS), ("error", Status.ERROR)}),
])
def test_signer(facts: dict[str, Any], plan_kwargs: dict[str, Any], expected: set[tuple[str, Status]]) -> None:
    pf = postfix(smtpd_milters="inet:127.0.0.1:8891, unix:/run/opendkim/opendkim.sock")
    results = seen(evaluate_signer(server(postfix=pf, **facts), plan(**plan_kwargs)))
    assert {(r.outcome, r.status) for r in results} == expected


# -- server.port25_outbound ---------------------------------------------------------------------

@pytest.mark.parametrize(("status", "stdout", "stderr", "timed_out", "state"), [
    (0, "connected\n220 mx.example.net ESMTP\r\n", "", False, "open"),
    (0, "connected\n\n", "", False, "open"),
    (124, "", "", False, "timeout"),
    (None, "", "", True, "timeout"),
    (3, "", "bash: connect: Connection refused\n", False, "refused"),
    (3, "", "bash: connect: No route to host\n", False, "unreachable"),
    (3, "", "bash: mx.nowhere.test: Name or service not known\n", False, "unresolved"),
    (127, "", "env: 'bash': No such file or directory\n", False, "error"),
])
def test_port25_probe(status: int | None, stdout: str, stderr: str, timed_out: bool, state: str) -> None:
    result = CommandResult("port25", "...", status, stdout, stderr, 1.0, timed_out=timed_out)
    assert port25_probe(Port25Target("mx.example.net"), result).state == state


@pytest.mark.parametrize(("state", "relayhost", "outcome", "status"), [
    ("open", "", "open", Status.PASS),
    ("timeout", "", "blocked", Status.FAIL),
    ("unreachable", "", "blocked", Status.FAIL),
    ("timeout", "[smtp.provider.example]:587", "blocked_relayhost", Status.WARN),
    ("refused", "", "refused", Status.WARN),
    ("unresolved", "", "unresolved", Status.ERROR),
    ("error", "", "error", Status.ERROR),
])
def test_port25(state: str, relayhost: str, outcome: str, status: Status) -> None:
    facts = server(postfix=postfix(relayhost=relayhost),
                   port25=(Port25Probe(Port25Target("mx.example.net"), state, "220 hi", "why"),))
    result = one(evaluate_port25(facts, requested=True))
    assert (result.outcome, result.status) == (outcome, status)


def test_port25_without_targets() -> None:
    assert one(evaluate_port25(server(), requested=True)).outcome == "no_targets"
    assert evaluate_port25(server(), requested=False) == []


# -- server.compare -----------------------------------------------------------------------------

def test_compare_same_changed_incomplete() -> None:
    old, new = server(role="old"), server()
    rows = comparison_rows(old, new, FIXED_NOW.date())
    assert one(evaluate_comparison(old, new, rows)).outcome == "same"
    new = server(postfix=postfix(relayhost="[smtp.provider.example]:587", myhostname="mx.example.com"))
    rows = comparison_rows(old, new, FIXED_NOW.date())
    changed = one(evaluate_comparison(old, new, rows))
    assert (changed.outcome, changed.status) == ("changed", Status.WARN)
    assert "relayhost" in changed.params["settings"] and "HELO name" in changed.params["settings"]
    row = next(r for r in rows if r["key"] == "relayhost")
    assert (row["old"], row["new"], row["changed"], row["important"]) == (
        "(empty)", "[smtp.provider.example]:587", True, True)
    broken = server(role="old", error=UnreachableError(TARGET, "refused"), postfix=None)
    rows = comparison_rows(broken, new, FIXED_NOW.date())
    assert one(evaluate_comparison(broken, new, rows)).outcome == "incomplete"
    assert not any(r["changed"] for r in rows)  # unknown never counts as a change


# -- parsers of command output ------------------------------------------------------------------

def test_parse_addresses_and_route() -> None:
    text = ("1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever\n"
            "2: eth0    inet 192.0.2.25/24 brd 192.0.2.255 scope global eth0\n"
            "2: eth0    inet6 2001:DB8::25/64 scope global \\       valid_lft forever\n")
    assert parse_addresses(text) == ("127.0.0.1", "192.0.2.25", "2001:db8::25")
    assert parse_route_source("192.0.2.1 via 192.0.2.254 dev eth0 src 192.0.2.25 uid 0\n    cache\n") \
        == "192.0.2.25"
    assert parse_route_source("RTNETLINK answers: Network is unreachable") is None


# -- the whole new-server judgement --------------------------------------------------------------

def test_evaluate_new_runs_every_postfix_check() -> None:
    facts = server(os_release=FileText("/etc/os-release", Access.OK, "ID=testos\nVERSION_ID=3\n"),
                   mta=Mta("postfix", "3.7.11"))
    ids = {r.check_id for r in evaluate_new(facts, plan(), table=TABLE, catalogue=CATALOGUE)}
    assert ids == {"server.ssh", "server.os_eol", "server.mta", "server.helo", "server.mynetworks",
                   "server.bind_address", "server.inet_interfaces", "server.tls_files", "server.tls_levels",
                   "server.rbls", "server.rbl_dead", "server.rbl_resolver", "server.dkim_signer",
                   "server.port25_outbound"}


@pytest.mark.parametrize("access", [Access.TIMEOUT, Access.LOST])
def test_a_signer_configuration_not_read_is_could_not_check_never_none_or_absent(access: Access) -> None:
    # /etc/opendkim.conf timed out (or the SSH channel failed): neither "no signer" nor a
    # server.dkim_dns_match that silently vanishes - both say could not check
    reads = (FileText("/etc/opendkim.conf", access, "", "timed out after 30 s"),
             FileText("/etc/rspamd/local.d/dkim_signing.conf", Access.MISSING, "", "No such file"))
    facts = server(signer_reads=reads)
    signer = one(evaluate_signer(facts, plan()))
    assert (signer.outcome, signer.status) == ("error", Status.ERROR)
    key = one(evaluate_keys(facts, plan()))
    assert (key.check_id, key.outcome, key.status) == ("server.dkim_dns_match", "not_read", Status.ERROR)
    assert key.params["path"] == "/etc/opendkim.conf"
    ids = [r.check_id for r in evaluate_new(facts, plan(), table=TABLE, catalogue=CATALOGUE)]
    assert ids.count("server.dkim_dns_match") == 1
    # a KeyTable that was not read: its keys are unknown, so the same
    table = FileText("/etc/opendkim/KeyTable", access, "", "timed out after 30 s")
    facts = server(signers=(_signer(keys=(), unread=(table,)),))
    key = one(evaluate_keys(facts, plan()))
    assert (key.outcome, key.params["path"]) == ("not_read", "/etc/opendkim/KeyTable")
    assert "error" in [r.outcome for r in seen(evaluate_signer(facts, plan()))]


def _declared() -> set[tuple[str, str]]:
    return {(v.check_id, v.name) for v in vars(outcomes).values() if isinstance(v, Outcome)}


def test_every_outcome_is_exercised(request: pytest.FixtureRequest) -> None:
    module_tests = [i for i in request.session.items if i.path == request.node.path]
    if len(module_tests) < 100:  # a -k selection: the tables did not all run
        pytest.skip("needs the whole module")
    missing = sorted(_declared() - SEEN)
    assert not missing, f"outcomes no test produced: {missing}"

