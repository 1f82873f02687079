"""The lab's SMTP server: aiosmtpd on loopback, with STARTTLS and a certificate made at start.

It stands in for the new server in ``preflight demo`` and in the tests: it greets with its
name, offers STARTTLS, accepts recipients at its local domains (so ``postmaster@`` works) and
answers relay attempts the way a default Postfix does (``454 4.7.1 ... Relay access denied``).
It never accepts a message (DATA is refused). Switches make it misbehave for tests. As the new
server it can also send: :meth:`LabSmtpServer.send_test_message` signs a test message with the
lab DKIM key and delivers it to the lab receiver (:mod:`preflight.lab.receiver`).
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from preflight.lab.certs import LabCertificates, make_certificates


class _Handler:
    def __init__(self, local_domains: tuple[str, ...], open_relay: bool) -> None:
        self.local_domains = tuple(d.lower() for d in local_domains)
        self.open_relay = open_relay

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        domain = address.rpartition("@")[2].lower()
        if self.open_relay or domain in self.local_domains:
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 Ok"
        return f"454 4.7.1 <{address}>: Relay access denied"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "554 5.7.1 The lab server accepts no messages"


def ephemeral_controller(handler: Any, *, hostname: str, **kwargs: Any) -> Any:
    """An aiosmtpd Controller bound to an ephemeral port (``.port`` is the real one once started)."""
    from aiosmtpd.controller import Controller

    class _Ephemeral(Controller):  # type: ignore[misc]
        """aiosmtpd's Controller, able to bind port 0 (it needs the real port to test it)."""

        def _create_server(self) -> Any:
            base = super()._create_server()

            async def bound() -> asyncio.AbstractServer:
                server = await base
                assert isinstance(server, asyncio.Server)
                self.port = server.sockets[0].getsockname()[1]
                return server

            return bound()

    return _Ephemeral(handler, hostname=hostname, port=0, timeout=30, **kwargs)


def _refuse_auth(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult

    return AuthResult(success=False, handled=False)


class LabSmtpServer:
    """An aiosmtpd server on an ephemeral loopback port. Use as a context manager."""

    def __init__(
        self,
        *,
        banner_name: str = "mail.example.com",
        local_domains: tuple[str, ...] = ("example.com", "example.net"),
        certificates: LabCertificates | None = None,
        starttls: bool = True,
        open_relay: bool = False,
        auth_before_tls: bool = False,
        host: str = "127.0.0.1",
    ) -> None:
        self.banner_name = banner_name
        self.local_domains = local_domains
        self.certificates = certificates if certificates is not None or not starttls \
            else make_certificates((banner_name,))
        self.open_relay = open_relay
        self.auth_before_tls = auth_before_tls
        self.host = host
        self._controller: Any = None
        self._dir: Path | None = None
        self.ca_file: str | None = None
        """The lab CA certificate (PEM file), to pass as ``ca_file`` when verifying."""

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the server listens on."""
        if self._controller is None:
            raise RuntimeError("the lab SMTP server is not running")
        return self.host, int(self._controller.port)

    def _tls_context(self) -> ssl.SSLContext | None:
        if self.certificates is None:
            return None
        assert self._dir is not None
        ca, cert, key = self.certificates.write(self._dir)
        self.ca_file = str(ca)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        return context

    def start(self) -> None:
        """Start serving in a background thread."""
        self._dir = Path(tempfile.mkdtemp(prefix="preflight-lab-smtp-"))
        kwargs: dict[str, Any] = {}
        if self.auth_before_tls:
            kwargs.update(authenticator=_refuse_auth, auth_require_tls=False)
        self._controller = ephemeral_controller(
            _Handler(self.local_domains, self.open_relay),
            hostname=self.host,
            server_hostname=self.banner_name,
            ident="ESMTP preflight-lab",
            tls_context=self._tls_context(),
            **kwargs,
        )
        try:
            self._controller.start()
        except BaseException:
            self._controller = None
            self._cleanup()
            raise

    def send_test_message(self, receiver: tuple[str, int], *, ca_file: str | None, now: datetime) -> bytes:
        """As the new server: write a test message, sign it with the lab DKIM key (selector s2026 of
        example.com) and deliver it over STARTTLS to the lab receiver at ``receiver``."""
        from preflight.lab.mailflow import deliver, signed_test_message

        message = signed_test_message(self.banner_name, now)
        deliver(message, receiver, helo=self.banner_name, ca_file=ca_file)
        return message

    def stop(self) -> None:
        """Stop serving and remove the certificate files."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        self._cleanup()

    def _cleanup(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> LabSmtpServer:  # noqa: PYI034 - final classes
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
