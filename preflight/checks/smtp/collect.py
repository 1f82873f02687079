"""All the I/O of the smtp family: the probe dialogue with one server, through ``preflight.net``.

The dialogue, as a sending server would hold it::

    connect, read the greeting (timed), EHLO, STARTTLS, TLS handshake (verification off, so
    version, cipher and certificate are always learned), EHLO again, MAIL FROM:<>,
    RCPT TO:<outside address>, RCPT TO:<postmaster@domain>..., RSET, QUIT

DATA is never sent. If the handshake fails, relaying is tested on a second, plain connection.
When the handshake worked, one more connection repeats it with verification on, to learn
whether the chain is trusted. Everything shares one transcript and one deadline.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Sequence
from typing import Any

from preflight.checks.smtp.facts import (
    ProbeFacts,
    Step,
    Stop,
    TlsFacts,
    VerifyFacts,
    ehlo_extensions,
    extension,
    read_certificate,
)
from preflight.checks.smtp.settings import MAX_POSTMASTER_DOMAINS, SmtpSettings
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.net.smtp import (
    CertificateRejected,
    SmtpConnection,
    SmtpError,
    SmtpTarget,
    Transcript,
    probe_tls_context,
    verify_tls_context,
)

SYSTEM_STORE = "system CA store"
VERIFY_NOTE = "second connection: the same handshake, verifying the certificate chain"
RELAY_NOTE = "reconnecting without STARTTLS to test relaying"
"""Transcript notes in our words; report/sections/smtp.py translates them (TRANSCRIPT_NOTES)."""


class _Dialogue:
    """One probe in progress: the facts so far, the transcript, the deadline."""

    def __init__(self, target: SmtpTarget, address: str, settings: SmtpSettings,
                 server_name: str | None) -> None:
        self.target = target
        self.address = address
        self.settings = settings
        self.server_name = server_name
        self.transcript = Transcript()
        self.deadline = time.monotonic() + settings.deadline
        self.facts: dict[str, Any] = {}
        self.step = Step.CONNECT

    def connection(self) -> SmtpConnection:
        return SmtpConnection(self.address, self.target.port, timeout=self.settings.timeout,
                              deadline=self.deadline, transcript=self.transcript)

    def ehlo(self, conn: SmtpConnection) -> Any:
        return conn.send(f"EHLO {self.settings.helo_name}")

    # -- the main conversation ---------------------------------------------------------

    def run(self, domains: Sequence[str]) -> None:
        conn = self.connection()
        try:
            conn = self._talk(conn, domains)
        except SmtpError as exc:
            self.facts["stop"] = Stop(self.step, exc.failure, exc.detail)
        finally:
            conn.close()

    def _talk(self, conn: SmtpConnection, domains: Sequence[str]) -> SmtpConnection:
        f = self.facts
        self.step = Step.CONNECT
        f["connect_seconds"] = conn.connect()
        self.step = Step.GREETING
        started = time.monotonic()
        greeting = f["greeting"] = conn.read_reply()
        f["greeting_seconds"] = time.monotonic() - started
        if greeting.code != 220:
            conn.quit()
            return conn
        self.step = Step.EHLO
        ehlo = f["ehlo"] = self.ehlo(conn)
        if ehlo.code != 250:
            conn.quit()
            return conn
        if extension(ehlo_extensions(ehlo), "STARTTLS") is not None:
            self.step = Step.STARTTLS
            reply = f["starttls"] = conn.send("STARTTLS")
            if reply.code == 421:
                conn.quit()
                return conn
            if reply.code == 220:
                if not self._handshake(conn):
                    conn.close()
                    plain = self._reconnect()
                    if plain is None:
                        return conn
                    conn = plain
                else:
                    self.step = Step.EHLO_TLS
                    again = f["ehlo_tls"] = self.ehlo(conn)
                    if again.code != 250:
                        f["stop"] = Stop(Step.EHLO_TLS, None, f"EHLO after STARTTLS: {again}")
                        conn.quit()
                        return conn
        self._transaction(conn, domains)
        return conn

    def _handshake(self, conn: SmtpConnection) -> bool:
        self.step = Step.TLS
        try:
            session = conn.starttls(probe_tls_context(), self.server_name)
        except SmtpError as exc:
            self.facts["tls_stop"] = Stop(Step.TLS, exc.failure, exc.detail)
            return False
        self.facts["tls"] = TlsFacts(session.version, session.cipher, session.bits, self.server_name)
        if session.certificate is None:
            self.facts["certificate_error"] = "the server sent no certificate"
        else:
            self.facts["certificate_der"] = session.certificate
            try:
                self.facts["certificate"] = read_certificate(session.certificate)
            except ValueError as exc:
                self.facts["certificate_error"] = f"unreadable certificate: {exc}"
        return True

    def _reconnect(self) -> SmtpConnection | None:
        """After a failed handshake: a plain connection for the relay probe (or None)."""
        self.step = Step.RECONNECT
        self.transcript.note(RELAY_NOTE)
        conn = self.connection()
        try:
            conn.connect()
            greeting = conn.read_reply()
            if greeting.code == 220:
                ehlo = self.ehlo(conn)
                if ehlo.code == 250:
                    return conn
                detail = f"EHLO on reconnection: {ehlo}"
            else:
                detail = f"greeting on reconnection: {greeting}"
        except SmtpError:
            conn.close()
            raise
        self.facts["stop"] = Stop(Step.RECONNECT, None, detail)
        conn.quit()
        return None

    def _transaction(self, conn: SmtpConnection, domains: Sequence[str]) -> None:
        f = self.facts
        self.step = Step.MAIL
        mail = f["mail"] = conn.send(f"MAIL FROM:<{self.settings.mail_from}>")
        if mail.code != 250:
            conn.quit()
            return
        self.step = Step.RCPT_RELAY
        relay = f["relay"] = conn.send(f"RCPT TO:<{self.settings.relay_test_recipient}>")
        if relay.code == 421:
            conn.quit()
            return
        self.step = Step.RCPT_POSTMASTER
        answers: list[tuple[str, Any]] = []
        for domain in domains[:MAX_POSTMASTER_DOMAINS]:
            rcpt = f"postmaster@{domain}"
            reply = conn.send(f"RCPT TO:<{rcpt}>")
            answers.append((rcpt, reply))
            f["postmaster"] = tuple(answers)
            if reply.code == 421:
                conn.quit()
                return
        try:
            conn.send("RSET")
        except SmtpError:
            return
        conn.quit()

    # -- the verifying handshake -------------------------------------------------------

    def verify(self) -> VerifyFacts:
        """A second connection whose handshake verifies the chain (not the name, not the dates)."""
        store = self.settings.ca_file or SYSTEM_STORE
        try:
            context = verify_tls_context(self.settings.ca_file)
        except (ssl.SSLError, OSError) as exc:
            return VerifyFacts(None, f"cannot load CA certificates: {exc}", store)
        self.transcript.note(VERIFY_NOTE)
        conn = self.connection()
        try:
            conn.connect()
            greeting = conn.read_reply()
            if greeting.code != 220:
                return VerifyFacts(None, f"greeting: {greeting}", store)
            ehlo = self.ehlo(conn)
            if ehlo.code != 250:
                return VerifyFacts(None, f"EHLO: {ehlo}", store)
            reply = conn.send("STARTTLS")
            if reply.code != 220:
                return VerifyFacts(None, f"STARTTLS: {reply}", store)
            try:
                conn.starttls(context, self.server_name)
            except CertificateRejected as exc:
                return VerifyFacts(False, exc.detail, store)
            conn.quit()
            return VerifyFacts(True, "", store)
        except SmtpError as exc:
            return VerifyFacts(None, exc.detail, store)
        finally:
            conn.close()


def resolve(dns: DnsClient, target: SmtpTarget) -> tuple[str | None, DnsAnswer | DnsError | None]:
    """The address to connect to: the target itself, or its first A (else AAAA) record."""
    if target.is_ip:
        return target.host, None
    answer: DnsAnswer | None = None
    for rrtype in ("A", "AAAA"):
        found = dns.ask(target.host, rrtype)
        if isinstance(found, DnsError):
            return None, found
        answer = found
        if answer.records:
            return answer.records[0], answer
    return None, answer


def collect(target: SmtpTarget, settings: SmtpSettings, dns: DnsClient, *,
            hostname: str | None, domains: Sequence[str]) -> ProbeFacts:
    """Probe one server; every failure becomes a fact, nothing raises."""
    started = time.monotonic()
    address, resolved = resolve(dns, target)
    if address is None:
        return ProbeFacts(target, resolved=resolved)
    ptr = dns.ptr(address)
    server_name = hostname if target.is_ip else target.host
    dialogue = _Dialogue(target, address, settings, server_name)
    dialogue.run(domains)
    verify = dialogue.verify() if "tls" in dialogue.facts else None
    return ProbeFacts(
        target,
        address=address,
        resolved=resolved,
        ptr=ptr,
        verify=verify,
        transcript=dialogue.transcript.lines(),
        total_seconds=time.monotonic() - started,
        **dialogue.facts,
    )
