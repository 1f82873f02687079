"""The smtp family end to end, against real servers on loopback: aiosmtpd in several shapes and a
raw peer that misbehaves. Every probe must end with a clear result within its timeout."""
# ruff: noqa: F811 - the server fixtures are imported from tests/servers/smtp.py, then requested

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import pytest
import support
from conftest import FIXED_NOW, make_config
from servers.smtp import (  # noqa: F401 - fixtures
    PeerConn,
    RawSmtpPeer,
    auth_server,
    closed_port,
    expired_server,
    lab_server,
    mismatch_server,
    plain_server,
    raw_peer,
    relay_server,
    self_signed_server,
    tls_server,
    wrong_name_server,
)

from preflight.checks import smtp
from preflight.checks.smtp.settings import SmtpSettings
from preflight.engine import run
from preflight.lab.dnsserver import FaultKind, LabDnsServer
from preflight.lab.smtpserver import LabSmtpServer
from preflight.model import CheckResult, Status
from preflight.net.smtp import SmtpTarget
from preflight.report import html as report_html
from preflight.report import json as report_json

P, W, F, E, S = Status.PASS, Status.WARN, Status.FAIL, Status.ERROR, Status.SKIP
TIMEOUT = 1.0
SMTP_ONLY = [smtp.FAMILY]


class Probe:
    """The results and report section of one run of the smtp family."""

    def __init__(self, results: list[CheckResult], section: dict[str, Any] | None, seconds: float,
                 report: Any) -> None:
        self.results = results
        self.section = section
        self.seconds = seconds
        self.report = report

    def get(self, check_id: str, subject: str | None = None) -> CheckResult:
        found = [r for r in self.results if r.check_id == check_id
                 and (subject is None or r.subject == subject)]
        assert len(found) == 1, f"{check_id}: {self.describe()}"
        return found[0]

    def expect(self, check_id: str, outcome: str, status: Status, *, subject: str | None = None,
               **params: object) -> CheckResult:
        """:func:`support.expect` over this run's results."""
        return support.expect(self.results, check_id, outcome, status, subject=subject, **params)

    def statuses(self) -> dict[str, Status]:
        return {r.check_id: r.status for r in self.results if r.check_id != "smtp.postmaster"}

    def transcript(self) -> str:
        assert self.section is not None
        return "\n".join(self.section["targets"][0]["transcript"])

    def describe(self) -> str:
        return "\n" + "\n".join(f"  {r.check_id} {r.outcome} {r.status.value} {dict(r.params)}"
                                for r in self.results)


@pytest.fixture()
def probe(dns_server: LabDnsServer) -> Callable[..., Probe]:
    """Run the smtp family against ``(host, port)`` with the lab DNS and the fixed clock."""

    def go(address: tuple[str, int], *, ca_file: str | None = None, timeout: float = TIMEOUT,
           hostname: str | None = "mail.example.com", domains: tuple[str, ...] = ("example.com",),
           **settings: Any) -> Probe:
        config = make_config(
            dns_server, ips=("127.0.0.1",), hostname=hostname, domains=domains,
            settings=(SmtpSettings(targets=(SmtpTarget(*address),), timeout=timeout, ca_file=ca_file,
                                   **settings),),
        )
        started = time.monotonic()
        report = run(config, families=SMTP_ONLY, now=FIXED_NOW)
        elapsed = time.monotonic() - started
        assert elapsed < timeout * 6 + 1, f"probe took {elapsed:.1f} s"
        return Probe(list(report.results), report.sections.get("smtp"), elapsed, report)

    return go


# -- well-behaved servers ---------------------------------------------------------------------


def test_good_server_passes_everything(probe: Callable[..., Probe], tls_server: LabSmtpServer) -> None:
    # Given the lab server with STARTTLS and a certificate from a CA we are told to trust
    p = probe(tls_server.address, ca_file=tls_server.ca_file, domains=("example.com", "example.net"))
    # Then every check passes, each on its own
    assert {r.status for r in p.results} == {P}, p.describe()
    target = f"127.0.0.1:{tls_server.address[1]}"
    p.expect("smtp.connect", "connected", P, target=target, address="127.0.0.1")
    p.expect("smtp.banner", "ok", P, banner="220 mail.example.com ESMTP preflight-lab")
    p.expect("smtp.banner_name", "fqdn", P, name="mail.example.com")
    p.expect("smtp.banner_ptr", "match", P, name="mail.example.com", address="127.0.0.1")
    p.expect("smtp.banner_hostname", "match", P)
    p.expect("smtp.ehlo", "accepted", P)
    p.expect("smtp.auth_before_tls", "not_offered", P)
    p.expect("smtp.starttls", "offered", P)
    p.expect("smtp.tls_handshake", "ok", P)
    p.expect("smtp.tls_version", "modern", P)
    p.expect("smtp.cert_chain", "trusted", P, trust_store=tls_server.ca_file)
    p.expect("smtp.cert_name", "match", P, name="mail.example.com")
    p.expect("smtp.cert_expiry", "valid", P, days=90, not_after="2027-02-27")
    p.expect("smtp.relay", "refused", P, recipient="relay-test@preflight.invalid")
    p.expect("smtp.postmaster", "accepted", P, subject=f"postmaster@example.com via {target}")
    p.expect("smtp.postmaster", "accepted", P, subject=f"postmaster@example.net via {target}")
    # And the section holds the transcript, timings, TLS and certificate facts
    assert p.section is not None
    facts = p.section["targets"][0]
    assert facts["tls"]["version"] in ("TLSv1.2", "TLSv1.3")
    assert facts["tls"]["server_name"] == "mail.example.com"
    assert facts["certificate"]["dns_names"] == ["mail.example.com"]
    assert facts["certificate"]["days_left"] == 90
    assert facts["verification"]["trusted"] is True
    assert facts["timings_ms"]["connect"] is not None and facts["timings_ms"]["greeting"] is not None
    assert "STARTTLS" in facts["extensions"]
    transcript = p.transcript()
    assert "C: MAIL FROM:<>" in transcript and "C: RSET" in transcript and "C: QUIT" in transcript
    assert "DATA" not in transcript
    assert_schema_valid(p)


def assert_schema_valid(p: Probe) -> None:
    """The report, smtp section included, matches the committed JSON Schema."""
    import json
    from importlib import resources

    import jsonschema

    schema = json.loads((resources.files("preflight") / "schema" / "report.schema.json").read_text())
    jsonschema.validate(report_json.to_dict(p.report), schema)


def test_untrusted_chain_is_not_a_starttls_problem(probe: Callable[..., Probe],
                                                    tls_server: LabSmtpServer) -> None:
    # Given the same server, but its (private) CA is not in the trust store we use
    p = probe(tls_server.address)
    # Then only the chain warns: STARTTLS and the handshake still pass
    p.expect("smtp.starttls", "offered", P)
    p.expect("smtp.tls_handshake", "ok", P)
    result = p.expect("smtp.cert_chain", "untrusted", W, trust_store="system CA store")
    assert "issuer" in result.params["reason"]
    p.expect("smtp.cert_name", "match", P)
    p.expect("smtp.cert_expiry", "valid", P)


def test_no_starttls(probe: Callable[..., Probe], plain_server: LabSmtpServer) -> None:
    p = probe(plain_server.address)
    p.expect("smtp.starttls", "not_offered", F)
    for check_id in ("smtp.tls_handshake", "smtp.tls_version"):
        p.expect(check_id, "not_tested", S)
    for check_id in ("smtp.cert_chain", "smtp.cert_name", "smtp.cert_expiry"):
        p.expect(check_id, "not_tested", S)
    # the relay test still runs, in plain text
    p.expect("smtp.relay", "refused", P)
    p.expect("smtp.postmaster", "accepted", P)
    assert p.section is not None and p.section["targets"][0]["tls"] is None


def test_open_relay_fails_with_transcript(probe: Callable[..., Probe], relay_server: LabSmtpServer) -> None:
    p = probe(relay_server.address, ca_file=relay_server.ca_file)
    result = p.expect("smtp.relay", "accepted", F, recipient="relay-test@preflight.invalid")
    transcript = next(e.value for e in result.evidence if e.label == "SMTP transcript")
    assert "C: RCPT TO:<relay-test@preflight.invalid>" in transcript
    assert "S: 250 2.1.5 Ok" in transcript
    # no message is ever sent: the transaction is reset, then QUIT
    assert "DATA" not in transcript and "C: RSET" in transcript


def test_expired_certificate_is_its_own_finding(probe: Callable[..., Probe],
                                                 expired_server: LabSmtpServer) -> None:
    p = probe(expired_server.address, ca_file=expired_server.ca_file)
    p.expect("smtp.cert_expiry", "expired", F, days=2, not_after="2026-11-27")
    p.expect("smtp.cert_chain", "trusted", P)
    p.expect("smtp.tls_handshake", "ok", P)
    p.expect("smtp.starttls", "offered", P)


def test_certificate_name_mismatch(probe: Callable[..., Probe], mismatch_server: LabSmtpServer) -> None:
    p = probe(mismatch_server.address, ca_file=mismatch_server.ca_file)
    p.expect("smtp.cert_name", "mismatch", W, name="mail.example.com", names="other.example.org")
    p.expect("smtp.cert_chain", "trusted", P)
    p.expect("smtp.cert_expiry", "valid", P)


def test_certificate_name_needs_a_name(probe: Callable[..., Probe], tls_server: LabSmtpServer) -> None:
    p = probe(tls_server.address, ca_file=tls_server.ca_file, hostname=None)
    p.expect("smtp.cert_name", "no_name", S)
    p.expect("smtp.banner_hostname", "no_hostname", S)


def test_self_signed_certificate(probe: Callable[..., Probe], self_signed_server: LabSmtpServer) -> None:
    p = probe(self_signed_server.address, ca_file=self_signed_server.ca_file)
    p.expect("smtp.cert_chain", "self_signed", W)
    assert p.section is not None and p.section["targets"][0]["certificate"]["self_signed"] is True


def test_auth_before_tls(probe: Callable[..., Probe], auth_server: LabSmtpServer) -> None:
    p = probe(auth_server.address, ca_file=auth_server.ca_file)
    p.expect("smtp.auth_before_tls", "offered", W, mechanisms="LOGIN PLAIN")
    p.expect("smtp.ehlo", "accepted", P)


def test_banner_name_differs_from_ptr_and_hostname(probe: Callable[..., Probe],
                                                   wrong_name_server: LabSmtpServer) -> None:
    p = probe(wrong_name_server.address, ca_file=wrong_name_server.ca_file)
    p.expect("smtp.banner_name", "fqdn", P, name="wrong.example.org")
    p.expect("smtp.banner_ptr", "differs", W, ptr="mail.example.com", name="wrong.example.org")
    p.expect("smtp.banner_hostname", "differs", W, hostname="mail.example.com")


LOOPBACK_PTR = "1.0.0.127.in-addr.arpa"


def test_address_without_ptr(probe: Callable[..., Probe], dns_server: LabDnsServer,
                             tls_server: LabSmtpServer) -> None:
    dns_server.add_fault(LOOPBACK_PTR, FaultKind.NXDOMAIN)
    p = probe(tls_server.address, ca_file=tls_server.ca_file)
    p.expect("smtp.banner_ptr", "no_ptr", W, address="127.0.0.1")


def test_ptr_lookup_failure_is_an_error(probe: Callable[..., Probe], dns_server: LabDnsServer,
                                        tls_server: LabSmtpServer) -> None:
    dns_server.add_fault(LOOPBACK_PTR, FaultKind.SERVFAIL)
    p = probe(tls_server.address, ca_file=tls_server.ca_file)
    p.expect("smtp.banner_ptr", "error", E, address="127.0.0.1", reason="servfail")


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback")
def test_ipv6_loopback(probe: Callable[..., Probe]) -> None:
    # the lab refuses questions outside its zones, such as the PTR of ::1
    with lab_server(host="::1") as server:
        port = server.address[1]
        p = probe(server.address, ca_file=server.ca_file)
    p.expect("smtp.connect", "connected", P, target=f"[::1]:{port}", address="::1")
    p.expect("smtp.starttls", "offered", P)
    p.expect("smtp.banner_ptr", "error", E, address="::1", reason="refused")


def test_postmaster_refused_for_a_domain_not_hosted(probe: Callable[..., Probe],
                                                    tls_server: LabSmtpServer) -> None:
    p = probe(tls_server.address, ca_file=tls_server.ca_file, domains=("example.com", "elsewhere.test"))
    target = f"127.0.0.1:{tls_server.address[1]}"
    p.expect("smtp.postmaster", "accepted", P, subject=f"postmaster@example.com via {target}")
    p.expect("smtp.postmaster", "refused", W, subject=f"postmaster@elsewhere.test via {target}")


def test_no_domain_no_postmaster(probe: Callable[..., Probe], tls_server: LabSmtpServer) -> None:
    p = probe(tls_server.address, ca_file=tls_server.ca_file, domains=())
    p.expect("smtp.postmaster", "no_domain", S)


# -- settings -------------------------------------------------------------------------------


def test_a_config_without_smtp_settings_probes_nothing(dns_server: LabDnsServer,
                                                       raw_peer: Callable[..., RawSmtpPeer]) -> None:
    config = make_config(dns_server, ips=("127.0.0.1",), hostname="mail.example.com")
    report = run(config, families=SMTP_ONLY, now=FIXED_NOW)
    assert report.results == () and "smtp" not in report.sections


def test_disabled(dns_server: LabDnsServer) -> None:
    config = make_config(dns_server, ips=("127.0.0.1",), settings=(SmtpSettings(enabled=False),))
    report = run(config, families=SMTP_ONLY, now=FIXED_NOW)
    assert [(r.check_id, r.outcome, r.status) for r in report.results] == [("smtp.connect", "disabled", S)]


# -- misbehaving peers ----------------------------------------------------------------------


def _greet_then(greeting: bytes, replies: dict[str, bytes] | None = None) -> Callable[[PeerConn], None]:
    def script(conn: PeerConn) -> None:
        if conn.send(greeting):
            conn.converse(replies)
    return script


def test_connection_refused(probe: Callable[..., Probe]) -> None:
    p = probe(("127.0.0.1", closed_port()))
    p.expect("smtp.connect", "refused", F)
    assert all(r.status is S for r in p.results if r.check_id != "smtp.connect"), p.describe()


def test_bad_banner(probe: Callable[..., Probe], raw_peer: Callable[..., RawSmtpPeer]) -> None:
    peer = raw_peer(lambda c: c.send(b"HELLO THERE\r\n") and c.sleep(5))
    p = probe(peer.address)
    p.expect("smtp.banner", "malformed", F)
    assert "not an SMTP reply" in p.get("smtp.banner").params["reason"]
    assert all(r.status is S for r in p.results if r.check_id not in ("smtp.connect", "smtp.banner"))


def test_greeting_later_than_the_timeout_is_a_tarpit(probe: Callable[..., Probe],
                                                    raw_peer: Callable[..., RawSmtpPeer]) -> None:
    # (the greeting would come a minute late: the peer's wait ends when the test stops it)
    peer = raw_peer(lambda c: c.sleep(TIMEOUT + 60) and c.send(b"220 late.example.com\r\n"))
    p = probe(peer.address)
    p.expect("smtp.banner", "no_greeting", E, seconds="1")
    assert p.seconds < 5 * TIMEOUT  # gave up after its timeout (5x margin), not after the minute
    assert not [r for r in p.results if r.status is F], p.describe()


def test_slow_drip_cannot_stretch_a_reply(probe: Callable[..., Probe],
                                          raw_peer: Callable[..., RawSmtpPeer]) -> None:
    # one byte every 50 ms: each read succeeds, the whole reply never completes in time
    def drip(conn: PeerConn) -> None:
        while conn.send(b"2") and conn.sleep(0.05):
            pass

    p = probe(raw_peer(drip).address)
    p.expect("smtp.banner", "no_greeting", E)
    assert p.seconds < 5 * TIMEOUT  # the drip never ends: only the timeout (5x margin) stops it


def test_peer_closes_before_greeting(probe: Callable[..., Probe], raw_peer: Callable[..., RawSmtpPeer]) -> None:
    p = probe(raw_peer(lambda c: None).address)
    p.expect("smtp.banner", "closed", E)


def test_endless_line_is_cut(probe: Callable[..., Probe], raw_peer: Callable[..., RawSmtpPeer]) -> None:
    def garbage(conn: PeerConn) -> None:
        while conn.send(b"\x00\xff\x1b[31m" * 512) and not conn.stopping.is_set():
            pass

    p = probe(raw_peer(garbage).address)
    result = p.expect("smtp.banner", "malformed", F)
    assert "longer than" in result.params["reason"]
    assert_schema_valid(p)
    transcript = p.transcript()
    assert "\\x1b" in transcript and "\\x00" in transcript and "\x1b" not in transcript
    assert len(transcript) < 5000


def test_endless_lines_are_cut(probe: Callable[..., Probe], raw_peer: Callable[..., RawSmtpPeer]) -> None:
    def lines(conn: PeerConn) -> None:
        while conn.send(b"220-still greeting you\r\n" * 50) and not conn.stopping.is_set():
            pass

    p = probe(raw_peer(lines).address)
    result = p.expect("smtp.banner", "malformed", F)
    assert "more than 100 lines" in result.params["reason"]
    assert p.section is not None and len(p.section["targets"][0]["transcript"]) <= 201


def test_421_greeting_is_throttling_never_a_fail(probe: Callable[..., Probe],
                                                 raw_peer: Callable[..., RawSmtpPeer]) -> None:
    peer = raw_peer(_greet_then(b"421 4.7.0 mx.example.com Too many connections, try later\r\n"))
    p = probe(peer.address)
    p.expect("smtp.banner", "throttled", E)
    assert not [r for r in p.results if r.status in (F, W)], p.describe()


def test_554_greeting_is_could_not_check(probe: Callable[..., Probe], raw_peer: Callable[..., RawSmtpPeer]) -> None:
    p = probe(raw_peer(_greet_then(b"554 5.7.1 no SMTP service here\r\n")).address)
    p.expect("smtp.banner", "rejected", E)


def test_banner_without_a_host_name(probe: Callable[..., Probe], raw_peer: Callable[..., RawSmtpPeer]) -> None:
    p = probe(raw_peer(_greet_then(b"220 ESMTP ready\r\n")).address)
    p.expect("smtp.banner", "ok", P)
    p.expect("smtp.banner_name", "not_fqdn", W, name="ESMTP")
    p.expect("smtp.banner_ptr", "no_name", S)
    p.expect("smtp.banner_hostname", "no_name", S)
    p.expect("smtp.relay", "refused", P)


def test_hostile_banner_is_escaped_everywhere(probe: Callable[..., Probe],
                                              raw_peer: Callable[..., RawSmtpPeer]) -> None:
    banner = b"220 mail.example.com <script>alert(1)</script> \x1b[2J\x07\r\n"
    p = probe(raw_peer(_greet_then(banner)).address)
    result = p.expect("smtp.banner", "ok", P)
    assert "\\x1b" in result.params["banner"] and "\x1b" not in result.params["banner"]
    page = report_html.render(report_json.to_dict(p.report))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_ehlo_rejected(probe: Callable[..., Probe], raw_peer: Callable[..., RawSmtpPeer]) -> None:
    peer = raw_peer(_greet_then(b"220 peer.example.com ESMTP\r\n",
                                {"EHLO": b"550 5.7.1 <preflight.invalid>: Helo command rejected\r\n"}))
    p = probe(peer.address)
    p.expect("smtp.ehlo", "rejected", F, helo="preflight.invalid")
    p.expect("smtp.starttls", "not_reached", S)
    p.expect("smtp.relay", "not_reached", S)


def test_ehlo_421(probe: Callable[..., Probe], raw_peer: Callable[..., RawSmtpPeer]) -> None:
    peer = raw_peer(_greet_then(b"220 mail.example.com ESMTP\r\n",
                                {"EHLO": b"421 4.4.5 too busy\r\n"}))
    p = probe(peer.address)
    p.expect("smtp.ehlo", "throttled", E)
    assert not [r for r in p.results if r.status in (F, W)], p.describe()


def test_starttls_454_is_its_own_outcome(probe: Callable[..., Probe],
                                         raw_peer: Callable[..., RawSmtpPeer]) -> None:
    peer = raw_peer(_greet_then(b"220 peer.example.com ESMTP\r\n", {
        "EHLO": b"250-peer.example.com\r\n250 STARTTLS\r\n",
        "STARTTLS": b"454 4.7.0 TLS not available due to local problem\r\n",
    }))
    p = probe(peer.address)
    p.expect("smtp.starttls", "unavailable", E)
    p.expect("smtp.tls_handshake", "not_tested", S)
    # the session goes on in plain text
    p.expect("smtp.relay", "refused", P)


def test_failed_handshake_is_not_missing_starttls(probe: Callable[..., Probe],
                                                  raw_peer: Callable[..., RawSmtpPeer]) -> None:
    # STARTTLS is offered and accepted, then the "TLS" is garbage; a second, plain connection
    # still tests relaying
    def script(conn: PeerConn) -> None:
        conn.send(b"220 peer.example.com ESMTP\r\n")
        while (command := conn.line()) is not None:
            verb = command.split(" ")[0].split(":")[0].upper()
            if verb == "EHLO":
                tls_ok = "STARTTLS" not in conn.commands
                conn.send(b"250-peer.example.com\r\n250 STARTTLS\r\n" if tls_ok else b"250 peer\r\n")
            elif verb == "STARTTLS":
                conn.send(b"220 go ahead\r\n")
                conn.sock.recv(4096)
                conn.send(b"this is not TLS\r\n")
                return
            else:
                conn.send({"MAIL": b"250 ok\r\n", "RCPT": b"550 5.7.1 relaying denied\r\n",
                           "QUIT": b"221 bye\r\n"}.get(verb, b"250 ok\r\n"))
                if verb == "QUIT":
                    return

    peer = raw_peer(script)
    p = probe(peer.address)
    p.expect("smtp.starttls", "offered", P)
    p.expect("smtp.tls_handshake", "failed", F)
    p.expect("smtp.tls_version", "not_tested", S)
    p.expect("smtp.cert_chain", "not_tested", S)
    p.expect("smtp.relay", "refused", P)
    assert peer.connections == 2
    assert "reconnecting without STARTTLS" in p.transcript()


def test_silent_handshake_times_out(probe: Callable[..., Probe], raw_peer: Callable[..., RawSmtpPeer]) -> None:
    def script(conn: PeerConn) -> None:
        conn.send(b"220 peer.example.com ESMTP\r\n")
        conn.line()
        conn.send(b"250-peer.example.com\r\n250 STARTTLS\r\n")
        conn.line()
        conn.send(b"220 go ahead\r\n")
        conn.sleep(10)

    p = probe(raw_peer(script).address)
    p.expect("smtp.tls_handshake", "timeout", E)
    assert p.seconds < 6 * TIMEOUT + 1


def test_greylisting_is_throttling(probe: Callable[..., Probe], raw_peer: Callable[..., RawSmtpPeer]) -> None:
    peer = raw_peer(_greet_then(b"220 peer.example.com ESMTP\r\n", {
        "RCPT": b"450 4.2.0 <relay-test@preflight.invalid>: Recipient address rejected: Greylisted\r\n",
    }))
    p = probe(peer.address)
    p.expect("smtp.relay", "throttled", E)
    p.expect("smtp.postmaster", "throttled", E)


def test_relay_refused_for_the_domain_is_inconclusive(probe: Callable[..., Probe],
                                                      raw_peer: Callable[..., RawSmtpPeer]) -> None:
    peer = raw_peer(_greet_then(b"220 peer.example.com ESMTP\r\n", {
        "RCPT": b"550 5.1.2 <relay-test@preflight.invalid>: Recipient address rejected: Domain not found\r\n",
        "RCPT_POSTMASTER": b"250 2.1.5 Ok\r\n",
    }))
    p = probe(peer.address)
    p.expect("smtp.relay", "inconclusive", E)
    p.expect("smtp.postmaster", "accepted", P)


def test_sender_refused(probe: Callable[..., Probe], raw_peer: Callable[..., RawSmtpPeer]) -> None:
    peer = raw_peer(_greet_then(b"220 peer.example.com ESMTP\r\n",
                                {"MAIL": b"550 5.7.1 null sender not accepted\r\n"}))
    p = probe(peer.address)
    p.expect("smtp.relay", "sender_refused", E, sender="<>")
    p.expect("smtp.postmaster", "not_reached", S)


def test_connection_lost_mid_transaction(probe: Callable[..., Probe],
                                         raw_peer: Callable[..., RawSmtpPeer]) -> None:
    def script(conn: PeerConn) -> None:
        conn.send(b"220 peer.example.com ESMTP\r\n")
        for reply in (b"250 peer\r\n", b"250 ok\r\n", b"554 5.7.1 Relay access denied\r\n"):
            if conn.line() is None:
                return
            conn.send(reply)
        conn.line()  # the postmaster RCPT: hang up without answering

    p = probe(raw_peer(script).address)
    p.expect("smtp.relay", "refused", P)
    p.expect("smtp.postmaster", "interrupted", E, recipient="postmaster@example.com")


# -- targets given by name ----------------------------------------------------------------------


def test_target_by_name_resolves_through_the_run_dns(probe: Callable[..., Probe],
                                                     tls_server: LabSmtpServer) -> None:
    # Given --smtp mx.smtp.test:PORT (the lab resolves it to 127.0.0.1)
    p = probe(("mx.smtp.test", tls_server.address[1]), ca_file=tls_server.ca_file)
    p.expect("smtp.connect", "connected", P, address="127.0.0.1")
    # Then the certificate must cover the name senders use: the target's name, not --hostname
    p.expect("smtp.cert_name", "mismatch", W, name="mx.smtp.test")
    assert p.section is not None and p.section["targets"][0]["tls"]["server_name"] == "mx.smtp.test"


@pytest.mark.parametrize(("name", "outcome", "status"), [
    ("noaddr.smtp.test", "no_address", F),
    ("missing.smtp.test", "no_address", F),
    ("elsewhere.invalid", "unresolved", E),
])
def test_target_names_without_an_address(probe: Callable[..., Probe], name: str, outcome: str,
                                         status: Status) -> None:
    p = probe((name, 25))
    p.expect("smtp.connect", outcome, status)
    assert all(r.status is S for r in p.results if r.check_id != "smtp.connect"), p.describe()
