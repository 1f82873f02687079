"""Loopback SMTP peers for the tests: the lab's aiosmtpd server in several shapes, and a raw,
scripted peer (threading + socket) that misbehaves on purpose.

Fixtures yield servers (``.address`` = (host, port)); import the ones a test module needs.
Certificates are made for the tests' fixed clock (``FIXED_NOW``): chain verification ignores
dates (the family judges them against the run's clock), so these stay valid whatever the
real date is.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from conftest import FIXED_NOW

from preflight.lab.certs import make_certificates
from preflight.lab.smtpserver import LabSmtpServer

# -- aiosmtpd servers --------------------------------------------------------------------------


def lab_server(**kwargs: Any) -> LabSmtpServer:
    """A lab SMTP server (not started) whose certificate is made for FIXED_NOW."""
    names = kwargs.pop("names", (kwargs.get("banner_name", "mail.example.com"),))
    cert_args = kwargs.pop("cert_args", {})
    if kwargs.get("starttls", True) and "certificates" not in kwargs:
        kwargs["certificates"] = make_certificates(names, now=FIXED_NOW, **cert_args)
    return LabSmtpServer(**kwargs)


@pytest.fixture(scope="module")
def tls_server() -> Iterator[LabSmtpServer]:
    """STARTTLS, a certificate for mail.example.com from the lab CA, relaying refused."""
    with lab_server() as server:
        yield server


@pytest.fixture(scope="module")
def plain_server() -> Iterator[LabSmtpServer]:
    """No STARTTLS at all."""
    with lab_server(starttls=False) as server:
        yield server


@pytest.fixture(scope="module")
def relay_server() -> Iterator[LabSmtpServer]:
    """Accepts any recipient: an open relay."""
    with lab_server(open_relay=True) as server:
        yield server


@pytest.fixture(scope="module")
def expired_server() -> Iterator[LabSmtpServer]:
    """Its certificate expired two days before FIXED_NOW."""
    cert_args = {"not_before": FIXED_NOW - timedelta(days=92), "not_after": FIXED_NOW - timedelta(days=2)}
    with lab_server(cert_args=cert_args) as server:
        yield server


@pytest.fixture(scope="module")
def mismatch_server() -> Iterator[LabSmtpServer]:
    """Greets as mail.example.com, but its certificate names other.example.org."""
    with lab_server(names=("other.example.org",)) as server:
        yield server


@pytest.fixture(scope="module")
def self_signed_server() -> Iterator[LabSmtpServer]:
    """Its certificate is its own issuer."""
    with lab_server(cert_args={"self_signed": True}) as server:
        yield server


@pytest.fixture(scope="module")
def auth_server() -> Iterator[LabSmtpServer]:
    """Offers AUTH before STARTTLS."""
    with lab_server(auth_before_tls=True) as server:
        yield server


@pytest.fixture(scope="module")
def wrong_name_server() -> Iterator[LabSmtpServer]:
    """Greets as wrong.example.org (not the PTR name, not --hostname)."""
    with lab_server(banner_name="wrong.example.org") as server:
        yield server


# -- raw scripted peer -------------------------------------------------------------------------


class PeerConn:
    """The server side of one connection, for a script to drive."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self.sock = sock
        self.stopping = stopping
        self._buffer = b""
        self.commands: list[str] = []

    def send(self, data: bytes) -> bool:
        """Send bytes; False once the client is gone."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def sleep(self, seconds: float) -> bool:
        """Wait (interruptible by the peer's stop); False if stopping."""
        return not self.stopping.wait(seconds)

    def line(self) -> str | None:
        """The next command line from the client, or None when it is gone."""
        while b"\n" not in self._buffer:
            try:
                chunk = self.sock.recv(4096)
            except OSError:
                return None
            if not chunk or len(self._buffer) > 8192:
                return None
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\n", 1)
        text = raw.rstrip(b"\r").decode("ascii", "replace")
        self.commands.append(text)
        return text

    def converse(self, replies: dict[str, bytes] | None = None) -> None:
        """Answer commands until QUIT: ``replies`` by verb (``RCPT``, ``MAIL``, ``EHLO``...),
        else a plain SMTP server without STARTTLS that refuses relaying."""
        table = {
            "EHLO": b"250-peer.example.com\r\n250 8BITMIME\r\n",
            "MAIL": b"250 2.1.0 Ok\r\n",
            "RCPT": b"554 5.7.1 Relay access denied\r\n",
            "RSET": b"250 2.0.0 Ok\r\n",
            "QUIT": b"221 2.0.0 Bye\r\n",
        }
        table.update(replies or {})
        while True:
            command = self.line()
            if command is None:
                return
            verb = command.split(" ", 1)[0].split(":", 1)[0].upper()
            if verb == "RCPT" and "postmaster@" in command.lower() and "RCPT_POSTMASTER" in table:
                verb = "RCPT_POSTMASTER"
            reply = table.get(verb, b"502 5.5.2 Command not recognized\r\n")
            if not self.send(reply) or verb == "QUIT" or reply.startswith(b"421"):
                return


Script = Callable[[PeerConn], None]


class RawSmtpPeer:
    """A TCP listener on loopback that runs ``script`` for each connection, in its own thread."""

    def __init__(self, script: Script, host: str = "127.0.0.1") -> None:
        self.script = script
        self.stopping = threading.Event()
        self.connections = 0
        self.conns: list[PeerConn] = []
        self._listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(8)
        self._listener.settimeout(0.05)
        self.address: tuple[str, int] = (host, self._listener.getsockname()[1])
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn = PeerConn(sock, self.stopping)
            self.conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: PeerConn) -> None:
        try:
            conn.sock.settimeout(10)
            self.script(conn)
        except OSError:
            pass
        finally:
            try:
                conn.sock.close()
            except OSError:  # pragma: no cover
                pass

    def stop(self) -> None:
        """Stop accepting, wake sleeping scripts, close everything."""
        self.stopping.set()
        self._acceptor.join(2)
        self._listener.close()
        for conn in self.conns:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self._threads:
            thread.join(2)


@pytest.fixture()
def raw_peer() -> Iterator[Callable[..., RawSmtpPeer]]:
    """Factory: ``raw_peer(script)`` starts a scripted peer; all are stopped after the test."""
    peers: list[RawSmtpPeer] = []

    def start(script: Script, host: str = "127.0.0.1") -> RawSmtpPeer:
        peer = RawSmtpPeer(script, host)
        peers.append(peer)
        return peer

    yield start
    for peer in peers:
        peer.stop()


def closed_port(host: str = "127.0.0.1") -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
