"""What users' mail clients meet on the new server: submission, IMAP and POP3, with TLS.

One bounded probe per service and address: connect (to an address the caller resolved through
preflight's DNS layer), read the greeting, ask for capabilities, STARTTLS (or TLS from the first
byte on the implicit-TLS ports of RFC 8314), the capabilities again. The handshake first verifies
the chain (system CAs or a PEM file); a certificate clients would reject is a finding, and a
second, unverified handshake learns the rest. Nothing is ever logged in, nothing is sent.

Every reply is bounded (line length, lines, bytes) and one deadline covers each connection.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass, field, replace
from enum import Enum

from preflight.errors import InputError
from preflight.net.address import host_port, split_host_port
from preflight.net.smtp import NO_CHECK_TIME, probe_tls_context, verify_tls_context
from preflight.textsafe import clean

MAX_LINE = 4096
MAX_LINES = 200
MAX_BYTES = 64 * 1024
EHLO_NAME = "preflight.invalid"


class Service(str, Enum):
    """A client-facing service and how TLS starts on it."""

    SUBMISSION = "submission"
    SUBMISSIONS = "submissions"
    IMAP = "imap"
    IMAPS = "imaps"
    POP3 = "pop3"
    POP3S = "pop3s"

    @property
    def port(self) -> int:
        """The standard port (RFC 6409, RFC 8314, RFC 9051, RFC 1939)."""
        return {"submission": 587, "submissions": 465, "imap": 143, "imaps": 993, "pop3": 110,
                "pop3s": 995}[self.value]

    @property
    def implicit_tls(self) -> bool:
        """TLS from the first byte (RFC 8314) rather than STARTTLS."""
        return self.value.endswith("s")

    @property
    def protocol(self) -> str:
        """``smtp``, ``imap`` or ``pop3``."""
        return {"submission": "smtp", "submissions": "smtp", "imap": "imap", "imaps": "imap",
                "pop3": "pop3", "pop3s": "pop3"}[self.value]


class MailFailure(str, Enum):
    """Where a probe broke off."""

    REFUSED = "refused"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    CLOSED = "closed"
    PROTOCOL = "protocol"
    NO_STARTTLS = "no_starttls"
    TLS = "tls"


class _Stop(Exception):
    def __init__(self, failure: MailFailure, detail: str) -> None:
        super().__init__(detail)
        self.failure = failure
        self.detail = clean(detail, 300)


@dataclass(frozen=True)
class ClientProbe:
    """What one probe of one service at one address learned."""

    service: Service
    address: str
    port: int
    failure: MailFailure | None = None
    detail: str = ""
    starttls_offered: bool | None = None
    plain_auth: tuple[str, ...] | None = None
    """Login methods offered before TLS (None: not learned; always None on implicit-TLS ports)."""
    tls_version: str | None = None
    certificate_der: bytes | None = field(default=None, repr=False)
    verified: bool | None = None
    verify_reason: str = ""
    tls_auth: tuple[str, ...] | None = None
    """Login methods offered after TLS (None: not learned)."""


def verifying_context(ca_file: str | None) -> ssl.SSLContext:
    """Chain checked against the CAs (dates included: clients refuse expired certificates);
    names are judged by the check family against the names users configured. Legacy protocol
    versions are allowed, as in the SMTP probe, so a TLS 1.0/1.1 server is reported as such
    (``client.tls`` legacy) rather than as a failed handshake."""
    context = verify_tls_context(ca_file)
    context.verify_flags &= ~NO_CHECK_TIME  # type: ignore[assignment]
    return context


class _Line:
    """A bounded line reader/writer over one socket with one deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.buffer = b""
        self.total = 0

    def _timeout(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _Stop(MailFailure.TIMEOUT, "no complete answer before the deadline")
        return left

    def readline(self) -> str:
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise _Stop(MailFailure.PROTOCOL, f"a line longer than {MAX_LINE} bytes")
            self.sock.settimeout(self._timeout())
            try:
                chunk = self.sock.recv(4096)
            except TimeoutError:
                raise _Stop(MailFailure.TIMEOUT, "no answer in time") from None
            except OSError as exc:
                raise _Stop(MailFailure.CLOSED, f"connection lost: {exc.strerror or exc}") from None
            if not chunk:
                raise _Stop(MailFailure.CLOSED, "the server closed the connection")
            self.total += len(chunk)
            if self.total > MAX_BYTES:
                raise _Stop(MailFailure.PROTOCOL, f"more than {MAX_BYTES} bytes")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def send(self, text: str) -> None:
        self.sock.settimeout(self._timeout())
        try:
            self.sock.sendall(text.encode("ascii") + b"\r\n")
        except OSError as exc:
            raise _Stop(MailFailure.CLOSED, f"connection lost: {exc.strerror or exc}") from None

    def lines_until(self, done: object, first: str | None = None) -> list[str]:
        out = [] if first is None else [first]
        while not (out and callable(done) and done(out[-1])):
            if len(out) >= MAX_LINES:
                raise _Stop(MailFailure.PROTOCOL, f"more than {MAX_LINES} lines in one answer")
            out.append(self.readline())
        return out


# -- the three dialogues: greeting/capabilities, STARTTLS -------------------------------------------


def _smtp_caps(io: _Line, greet: bool) -> list[str]:
    if greet:
        greeting = io.lines_until(lambda s: s[3:4] != "-")
        if not greeting[-1].startswith("220"):
            raise _Stop(MailFailure.PROTOCOL, f"greeting: {greeting[-1][:200]}")
    io.send(f"EHLO {EHLO_NAME}")
    reply = io.lines_until(lambda s: s[3:4] != "-")
    if not reply[-1].startswith("250"):
        raise _Stop(MailFailure.PROTOCOL, f"EHLO: {reply[-1][:200]}")
    return [line[4:].strip().upper() for line in reply[1:]]


def _imap_caps(io: _Line, greet: bool, tag: str) -> list[str]:
    if greet:
        greeting = io.readline()
        if not greeting.upper().startswith(("* OK", "* PREAUTH")):
            raise _Stop(MailFailure.PROTOCOL, f"greeting: {greeting[:200]}")
    io.send(f"{tag} CAPABILITY")
    lines = io.lines_until(lambda s: s.startswith(f"{tag} "))
    caps = [w.upper() for line in lines if line.upper().startswith("* CAPABILITY") for w in line.split()[2:]]
    if not lines[-1].upper().startswith(f"{tag.upper()} OK"):
        raise _Stop(MailFailure.PROTOCOL, f"CAPABILITY: {lines[-1][:200]}")
    return caps


def _pop3_caps(io: _Line, greet: bool) -> list[str]:
    if greet:
        greeting = io.readline()
        if not greeting.startswith("+OK"):
            raise _Stop(MailFailure.PROTOCOL, f"greeting: {greeting[:200]}")
    io.send("CAPA")
    first = io.readline()
    if not first.startswith("+OK"):
        return []
    return [line.strip().upper() for line in io.lines_until(lambda s: s == ".")[:-1]]


def _caps(service: Service, io: _Line, greet: bool, tag: str) -> list[str]:
    if service.protocol == "smtp":
        return _smtp_caps(io, greet)
    if service.protocol == "imap":
        return _imap_caps(io, greet, tag)
    return _pop3_caps(io, greet)


def logins(service: Service, caps: list[str]) -> tuple[str, ...]:
    """Login methods the capabilities offer (SASL mechanisms, IMAP LOGIN, POP3 USER)."""
    if service.protocol == "smtp":
        found = [w for c in caps if c.startswith(("AUTH ", "AUTH=")) for w in c[5:].split()]
    elif service.protocol == "imap":
        found = [c[5:] for c in caps if c.startswith("AUTH=")]
        if "LOGINDISABLED" not in caps:
            found.append("LOGIN")
    else:
        found = [w for c in caps if c.startswith("SASL") for w in c.split()[1:]]
        if "USER" in caps:
            found.append("USER")
    return tuple(dict.fromkeys(found))


def _starttls(service: Service, io: _Line, caps: list[str]) -> None:
    word = "STLS" if service.protocol == "pop3" else "STARTTLS"
    if word not in caps:
        raise _Stop(MailFailure.NO_STARTTLS, f"{word} not offered")
    if service.protocol == "smtp":
        io.send("STARTTLS")
        reply = io.lines_until(lambda s: s[3:4] != "-")
        ok = reply[-1].startswith("220")
    elif service.protocol == "imap":
        io.send("a2 STARTTLS")
        reply = io.lines_until(lambda s: s.startswith("a2 "))
        ok = reply[-1].upper().startswith("A2 OK")
    else:
        io.send("STLS")
        reply = [io.readline()]
        ok = reply[-1].startswith("+OK")
    if not ok:
        raise _Stop(MailFailure.NO_STARTTLS, f"{word} refused: {reply[-1][:200]}")
    if io.buffer:
        raise _Stop(MailFailure.PROTOCOL, "data sent before the TLS handshake (injection risk)")


def _dialogue(service: Service, address: str, port: int, server_name: str | None, context: ssl.SSLContext,
              timeout: float) -> ClientProbe:
    found = ClientProbe(service, address, port)
    deadline = time.monotonic() + timeout * 4
    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except TimeoutError:
        return replace(found, failure=MailFailure.TIMEOUT, detail=f"no connection within {timeout:g} s")
    except ConnectionRefusedError:
        return replace(found, failure=MailFailure.REFUSED, detail="connection refused")
    except OSError as exc:
        return replace(found, failure=MailFailure.UNREACHABLE, detail=clean(exc.strerror or str(exc), 200))
    io = _Line(sock, deadline)
    try:
        if not service.implicit_tls:
            caps = _caps(service, io, True, "a1")
            offered = ("STLS" if service.protocol == "pop3" else "STARTTLS") in caps
            found = replace(found, starttls_offered=offered, plain_auth=logins(service, caps))
            _starttls(service, io, caps)
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            tls = context.wrap_socket(sock, server_hostname=server_name)
        except ssl.SSLCertVerificationError as exc:
            return replace(found, verified=False, verify_reason=clean(str(exc.verify_message or exc), 200))
        except (ssl.SSLError, OSError) as exc:
            failure = MailFailure.TIMEOUT if isinstance(exc, (socket.timeout, TimeoutError)) else MailFailure.TLS
            return replace(found, failure=failure, detail=clean(f"TLS handshake: {exc}", 200))
        sock = tls
        io.sock = tls
        found = replace(found, tls_version=tls.version(), certificate_der=tls.getpeercert(binary_form=True),
                        verified=True if context.verify_mode == ssl.CERT_REQUIRED else found.verified)
        caps = _caps(service, io, service.implicit_tls, "a3")
        if service.protocol == "pop3" and not caps:
            return found  # no CAPA (RFC 2449 is optional): the login methods are not known
        return replace(found, tls_auth=logins(service, caps))
    except _Stop as stop:
        return replace(found, failure=stop.failure, detail=stop.detail)
    finally:
        sock.close()


def probe(service: Service, address: str, port: int, *, server_name: str | None, ca_file: str | None,
          timeout: float) -> ClientProbe:
    """Probe one service at one address; every failure is a value, nothing raises."""
    try:
        context = verifying_context(ca_file)
    except (OSError, ssl.SSLError) as exc:
        return ClientProbe(service, address, port, failure=MailFailure.TLS, detail=f"cannot load CAs: {exc}")
    first = _dialogue(service, address, port, server_name, context, timeout)
    if first.verified is not False:
        return first
    second = _dialogue(service, address, port, server_name, probe_tls_context(), timeout)
    return replace(second, verified=False, verify_reason=first.verify_reason)


@dataclass(frozen=True)
class ClientTarget:
    """One service to probe: ``imaps=203.0.113.25`` or ``submission=[2001:db8::25]:2587``."""

    service: Service
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.service.value} {host_port(self.host, self.port)}"

    @classmethod
    def parse(cls, text: str) -> ClientTarget:
        """``SERVICE=HOST[:PORT]`` (an IP address; the port defaults to the service's)."""
        name, sep, rest = str(text).partition("=")
        known = ", ".join(s.value for s in Service)
        try:
            service = Service(name.strip().lower())
        except ValueError:
            raise InputError(f"invalid client target {text!r}: give SERVICE=IP[:PORT], SERVICE one of {known}") from None
        if not sep:
            raise InputError(f"invalid client target {text!r}: give SERVICE=IP[:PORT]")
        try:
            host, port, _ = split_host_port(rest.strip(), service.port)
            ipaddress.ip_address(host)
        except ValueError:
            raise InputError(f"invalid client target {text!r}: give an IP address, optionally with :PORT") from None
        return cls(service, host, port)
