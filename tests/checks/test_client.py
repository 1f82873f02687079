"""Users' mail clients (client.*): the lab's submission/IMAP/POP3 stand-ins on loopback with the
lab CA, SRV and autoconfig names in the lab zones; every state of every check, both languages."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest

from checks.support import OutcomeRecorder
from preflight.checks import client
from preflight.checks.client.evaluate import evaluate_probe
from preflight.checks.client.settings import ClientSettings, from_options
from preflight.engine import RunContext
from preflight.errors import UsageError
from preflight.i18n.messages import result_text
from preflight.lab.certs import make_certificates
from preflight.lab.dnsserver import FaultKind, LabDnsServer
from preflight.lab.mailstandin import LabMailServer
from preflight.model import CheckResult, Status
from preflight.net.mailclient import ClientProbe, ClientTarget, MailFailure, Service

Context = Callable[..., RunContext]
NAME = "mail.transport.test"


def run(context_for: Context, targets: tuple[ClientTarget, ...], *, names: tuple[str, ...] = (NAME,),
        ca_file: str | None = None, domains: tuple[str, ...] = (), phase: str = "before",
        timeout: float = 5.0, enabled: bool = True) -> list[CheckResult]:
    ctx = context_for(ips=("192.0.2.25",), hostname=None, domains=domains, client=ClientSettings(
        targets=targets, names=names, ca_file=ca_file, timeout=timeout, enabled=enabled))
    if phase != "before":
        import dataclasses

        config = dataclasses.replace(ctx.config, target=dataclasses.replace(ctx.config.target, phase=phase))
        ctx = RunContext(config, ctx.dns, ctx.now)
    return list(client.run(ctx).results)


def target_of(server: LabMailServer, service: Service | None = None) -> ClientTarget:
    return ClientTarget(service or server.service, *server.address)


@pytest.mark.parametrize("service", list(Service))
def test_a_good_service_passes_every_check(context_for: Context, service: Service,
                                           outcomes: OutcomeRecorder) -> None:
    with LabMailServer(service, name=NAME) as server:
        results = run(context_for, (target_of(server),), ca_file=server.ca_file)
    outcomes.expect(results, "client.connect", "connected", Status.PASS)
    outcomes.expect(results, "client.tls", "ok", Status.PASS, version="TLSv1.3")
    outcomes.expect(results, "client.cert_chain", "trusted", Status.PASS)
    outcomes.expect(results, "client.cert_name", "covered", Status.PASS, names=NAME)
    outcomes.expect(results, "client.auth", "tls_only", Status.PASS)
    if not service.implicit_tls:
        outcomes.expect(results, "client.starttls", "offered", Status.PASS)
    assert {r.status for r in results} == {Status.PASS}


def test_a_certificate_missing_a_configured_name_fails(context_for: Context, outcomes: OutcomeRecorder) -> None:
    with LabMailServer(Service.IMAPS, name=NAME) as server:
        results = run(context_for, (target_of(server),), ca_file=server.ca_file,
                      names=(NAME, "imap.transport.test"))
    found = outcomes.expect(results, "client.cert_name", "missing", Status.FAIL, missing="imap.transport.test",
                            covers=NAME)
    ja = result_text(found.check_id, found.outcome, dict(found.params), "ja")
    assert "imap.transport.test" in ja.summary and "証明書" in ja.summary


def test_an_untrusted_chain_fails_and_the_rest_is_still_learned(context_for: Context,
                                                                outcomes: OutcomeRecorder) -> None:
    with LabMailServer(Service.POP3S, name=NAME) as server:
        results = run(context_for, (target_of(server),), ca_file=None)  # the system CAs: lab CA unknown
    outcomes.expect(results, "client.cert_chain", "untrusted", Status.FAIL)
    outcomes.expect(results, "client.auth", "tls_only", Status.PASS)


def test_logins_before_tls_warn(context_for: Context, outcomes: OutcomeRecorder) -> None:
    with LabMailServer(Service.SUBMISSION, name=NAME, auth_before_tls=True) as server:
        results = run(context_for, (target_of(server),), ca_file=server.ca_file)
    found = outcomes.expect(results, "client.auth", "before_tls", Status.WARN, methods="PLAIN LOGIN")
    assert "smtpd_tls_auth_only" in (result_text(found.check_id, found.outcome, dict(found.params)).remediation or "")


def test_no_login_after_tls_fails(context_for: Context, outcomes: OutcomeRecorder) -> None:
    with LabMailServer(Service.IMAP, name=NAME, auth_after_tls=False) as server:
        results = run(context_for, (target_of(server),), ca_file=server.ca_file)
    outcomes.expect(results, "client.auth", "none", Status.FAIL)


def test_no_starttls_fails(context_for: Context, outcomes: OutcomeRecorder) -> None:
    with LabMailServer(Service.POP3, name=NAME, starttls=False) as server:
        results = run(context_for, (target_of(server),), ca_file=server.ca_file)
    outcomes.expect(results, "client.starttls", "missing", Status.FAIL)
    assert not [r for r in results if r.check_id == "client.tls"]


def test_plain_text_on_an_implicit_tls_port_fails_the_handshake(context_for: Context,
                                                                 outcomes: OutcomeRecorder) -> None:
    with LabMailServer(Service.IMAP, name=NAME) as server:  # plain IMAP where IMAPS is expected
        results = run(context_for, (target_of(server, Service.IMAPS),), ca_file=server.ca_file)
    outcomes.expect(results, "client.tls", "failed", Status.FAIL)


def test_a_closed_port_is_refused(context_for: Context, outcomes: OutcomeRecorder) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    results = run(context_for, (ClientTarget(Service.POP3S, "127.0.0.1", port),))
    outcomes.expect(results, "client.connect", "refused", Status.WARN)


def _listener(greeting: bytes | None) -> tuple[socket.socket, threading.Thread]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            if greeting is not None:
                conn.sendall(greeting)
            try:
                conn.recv(100)
                conn.recv(100)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


def test_a_silent_server_is_could_not_check(context_for: Context, outcomes: OutcomeRecorder) -> None:
    listener, _ = _listener(None)
    with listener:
        results = run(context_for, (ClientTarget(Service.IMAP, *listener.getsockname()),), timeout=0.5)
    outcomes.expect(results, "client.connect", "unreachable", Status.ERROR)
    assert [r.status for r in results] == [Status.ERROR]


def test_garbage_is_broken(context_for: Context, outcomes: OutcomeRecorder) -> None:
    listener, _ = _listener(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    with listener:
        results = run(context_for, (ClientTarget(Service.SUBMISSION, *listener.getsockname()),))
    outcomes.expect(results, "client.connect", "broken", Status.FAIL)


def test_no_client_is_a_skip(context_for: Context, outcomes: OutcomeRecorder) -> None:
    results = run(context_for, (), enabled=False)
    outcomes.expect(results, "client.connect", "disabled", Status.SKIP)


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1 is deprecated:DeprecationWarning")
def test_a_tls_1_0_server_is_reported_as_legacy(context_for: Context, outcomes: OutcomeRecorder) -> None:
    # Given a real IMAPS stand-in that speaks TLS 1.0 only: the probe must learn the version (not
    # stop at a failed handshake), so the finding is "legacy TLSv1", with its chain and names judged
    with LabMailServer(Service.IMAPS, name=NAME, legacy_tls=True) as server:
        results = run(context_for, (target_of(server),), ca_file=server.ca_file)
    outcomes.expect(results, "client.tls", "legacy", Status.FAIL, version="TLSv1")
    outcomes.expect(results, "client.cert_chain", "trusted", Status.PASS)
    outcomes.expect(results, "client.cert_name", "covered", Status.PASS, names=NAME)


def test_an_expired_certificate_is_untrusted(context_for: Context, outcomes: OutcomeRecorder) -> None:
    # Mail clients refuse an expired certificate: the chain check judges dates (unlike the SMTP probe's)
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    certificates = make_certificates((NAME,), not_before=now - timedelta(days=100), not_after=now - timedelta(days=1))
    with LabMailServer(Service.POP3S, name=NAME, certificates=certificates) as server:
        results = run(context_for, (target_of(server),), ca_file=server.ca_file)
    found = outcomes.expect(results, "client.cert_chain", "untrusted", Status.FAIL)
    assert "expired" in str(found.params["reason"])


def test_a_pop3_server_without_capa_is_not_judged_on_logins(context_for: Context) -> None:
    # RFC 2449's CAPA is optional: a POP3 server that refuses it may still take USER/PASS, so the
    # logins are unknown - never "no login method" (a fail)
    with LabMailServer(Service.POP3S, name=NAME, capa=False) as server:
        results = run(context_for, (target_of(server),), ca_file=server.ca_file)
    assert [r.outcome for r in results if r.check_id == "client.tls"] == ["ok"]
    assert not [r for r in results if r.check_id == "client.auth"]


def test_legacy_tls_and_unknown_names_from_literal_facts(outcomes: OutcomeRecorder) -> None:
    der = __import__("cryptography.x509", fromlist=["x"]).load_pem_x509_certificate(
        make_certificates((NAME,)).cert_pem).public_bytes(__import__(
            "cryptography.hazmat.primitives.serialization", fromlist=["x"]).Encoding.DER)
    probe = ClientProbe(Service.IMAPS, "192.0.2.25", 993, tls_version="TLSv1.1", certificate_der=der,
                        verified=True, tls_auth=("PLAIN",))
    results = evaluate_probe(probe, ())
    outcomes.expect(results, "client.tls", "legacy", Status.FAIL, version="TLSv1.1")
    outcomes.expect(results, "client.cert_name", "no_names", Status.SKIP)
    lost = evaluate_probe(ClientProbe(Service.POP3S, "2001:db8::25", 995, failure=MailFailure.TIMEOUT,
                                      detail="no answer"), (NAME,))
    assert [(r.outcome, r.subject) for r in lost] == [("unreachable", "pop3s [2001:db8::25]:995")]


def test_wildcards_cover_one_label(outcomes: OutcomeRecorder) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    der = x509.load_pem_x509_certificate(make_certificates(("*.transport.test",)).cert_pem).public_bytes(
        serialization.Encoding.DER)
    probe = ClientProbe(Service.IMAPS, "192.0.2.25", 993, tls_version="TLSv1.3", certificate_der=der, verified=True)
    outcomes.expect(evaluate_probe(probe, ("imap.transport.test",)), "client.cert_name", "covered", Status.PASS)
    outcomes.expect(evaluate_probe(probe, ("a.b.transport.test", "transport.test")), "client.cert_name", "missing",
                    Status.FAIL, missing="a.b.transport.test, transport.test")


# -- SRV and autoconfig ---------------------------------------------------------------------------------


def test_srv_and_autoconfig_before_cutover(context_for: Context, outcomes: OutcomeRecorder) -> None:
    results = run(context_for, (), domains=("covered.transport.test",))
    outcomes.expect(results, "client.srv", "points_to_new", Status.PASS,
                    name="_imaps._tcp.covered.transport.test", target="mail.transport.test:993")
    outcomes.expect(results, "client.srv", "not_yet", Status.PASS, name="_submission._tcp.covered.transport.test")
    outcomes.expect(results, "client.srv", "not_offered", Status.PASS, name="_pop3._tcp.covered.transport.test")
    outcomes.expect(results, "client.autoconfig", "points_to_new", Status.PASS,
                    name="autoconfig.covered.transport.test", addresses="192.0.2.25")
    outcomes.expect(results, "client.autoconfig", "not_yet", Status.PASS, name="autodiscover.covered.transport.test")


def test_srv_and_autoconfig_after_cutover(context_for: Context, outcomes: OutcomeRecorder) -> None:
    results = run(context_for, (), domains=("covered.transport.test",), phase="after")
    found = outcomes.expect(results, "client.srv", "still_old", Status.FAIL,
                            name="_submission._tcp.covered.transport.test", target="old.transport.test:587")
    outcomes.expect(results, "client.autoconfig", "elsewhere", Status.WARN,
                    name="autodiscover.covered.transport.test", addresses="192.0.2.10")
    assert "旧サーバー" in (result_text(found.check_id, found.outcome, dict(found.params), "ja").remediation or "")


def test_srv_and_autoconfig_dns_trouble(context_for: Context, dns_server: LabDnsServer,
                                        outcomes: OutcomeRecorder) -> None:
    dns_server.add_fault("_imaps._tcp.stale.transport.test", FaultKind.SERVFAIL)
    dns_server.add_fault("autoconfig.stale.transport.test", FaultKind.SERVFAIL)
    results = run(context_for, (), domains=("stale.transport.test",))
    outcomes.expect(results, "client.srv", "error", Status.ERROR, name="_imaps._tcp.stale.transport.test")
    outcomes.expect(results, "client.autoconfig", "error", Status.ERROR, name="autoconfig.stale.transport.test")


# -- settings ------------------------------------------------------------------------------------------


def test_defaults_and_flags() -> None:
    import ipaddress

    settings = from_options({}, ips=[ipaddress.ip_address("192.0.2.25")], names=["IMAP.transport.test"])
    assert [str(t) for t in settings.targets] == ["submission 192.0.2.25:587", "submissions 192.0.2.25:465",
                                                  "imaps 192.0.2.25:993", "pop3s 192.0.2.25:995"]
    assert settings.names == ("imap.transport.test",)
    chosen = from_options({}, ips=[], targets=["imap=[::1]:1143"])
    assert [str(t) for t in chosen.targets] == ["imap [::1]:1143"]
    assert from_options({"transport.client": False}, ips=[ipaddress.ip_address("192.0.2.25")]).targets == ()


@pytest.mark.parametrize("bad", ["imaps", "smtp=127.0.0.1", "imaps=mail.example.com", "imaps=127.0.0.1:99999"])
def test_bad_targets_are_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        ClientTarget.parse(bad)
