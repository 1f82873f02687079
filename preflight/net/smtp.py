"""THE SMTP layer: one bounded client connection, speaking just enough SMTP to probe a server.

Everything the peer sends is attacker-controlled, so every read is bounded:

* each socket operation waits at most the per-reply ``timeout``, and a whole (multi-line) reply
  must arrive within it, so a peer dripping one byte at a time cannot stretch a reply forever;
* an overall ``deadline`` (a :func:`time.monotonic` instant) caps the whole conversation;
* a reply line longer than :data:`MAX_LINE` bytes, a reply of more than :data:`MAX_REPLY_LINES`
  lines, or more than :data:`MAX_READ` bytes in one connection ends the conversation with a
  :class:`SmtpError` of kind :attr:`Failure.PROTOCOL`.

What was said is kept in a :class:`Transcript`: bounded in lines and characters, control bytes
made visible (:func:`preflight.textsafe.clean`). HTML escaping is the renderer's job.

This module never decides what a reply *means* for the migration; the smtp check family does.
"""

from __future__ import annotations

import errno
import ipaddress
import re
import socket
import ssl
import time
from dataclasses import dataclass, field
from enum import Enum

from preflight.errors import InputError
from preflight.net.address import host_port, split_host_port
from preflight.textsafe import clean

MAX_LINE = 2048
"""Longest reply line accepted, in bytes (RFC 5321 allows 512)."""
MAX_REPLY_LINES = 100
"""Most lines accepted in one multi-line reply (an EHLO reply has about 10-20)."""
MAX_READ = 64 * 1024
"""Most bytes read from the peer in one connection, TLS handshake not counted."""
MAX_TRANSCRIPT_LINES = 200
"""Transcript lines kept per probe; later lines are counted, not kept."""
MAX_TRANSCRIPT_LINE = 300
"""Characters kept of one transcript line."""

NO_CHECK_TIME = 0x200000
"""OpenSSL's X509_V_FLAG_NO_CHECK_TIME: judge the chain, not the dates (those are judged apart)."""

_REPLY = re.compile(rb"^([0-9]{3})(?:([ -])(.*))?$", re.DOTALL)
_ESC = re.compile(r"^([245])\.([0-9]{1,3})\.([0-9]{1,3})(?:\s|$)")
_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")


# -- targets and addresses --------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpTarget:
    """An SMTP server to probe: a host (IP address or name) and a port."""

    host: str
    port: int = 25

    def __str__(self) -> str:
        return host_port(self.host, self.port)

    @property
    def is_ip(self) -> bool:
        """True when ``host`` is an IP address (no DNS lookup needed)."""
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True

    @classmethod
    def parse(cls, text: str, default_port: int = 25) -> SmtpTarget:
        """Parse ``HOST``, ``HOST:PORT``, ``[V6]:PORT`` or a bare IPv6 address.

        HOST is an IP address or a host name; names are resolved later, through the run's DNS.
        """
        raw = str(text).strip()
        shown = raw[:80]
        try:
            host, port, bracketed = split_host_port(raw, default_port)
        except ValueError as exc:
            raise InputError(f"invalid SMTP server {shown!r}: {exc}") from None
        if bracketed or ":" in host:
            try:
                return cls(str(ipaddress.IPv6Address(host)), port)
            except ValueError:
                raise InputError(
                    f"invalid SMTP server {shown!r}: expected HOST, HOST:PORT or [IPv6]:PORT"
                ) from None
        try:
            return cls(str(ipaddress.ip_address(host)), port)
        except ValueError:
            pass
        from preflight.values import parse_hostname

        try:
            return cls(parse_hostname(host, "SMTP server"), port)
        except InputError:
            raise InputError(
                f"invalid SMTP server {shown!r}: expected HOST, HOST:PORT or [IPv6]:PORT"
            ) from None


def parse_mailbox(text: str, what: str = "address", *, allow_null: bool = False) -> str:
    """A plain ``local@domain`` address (no quoting, no comments); ``""`` if ``allow_null``."""
    raw = str(text).strip()
    if raw in ("", "<>") and allow_null:
        return ""
    local, at, domain = raw.rpartition("@")
    if not at or not _LOCAL.match(local) or local.startswith(".") or ".." in local:
        raise InputError(f"invalid {what} {raw[:80]!r}: expected local@domain")
    from preflight.values import parse_hostname

    return f"{local}@{parse_hostname(domain, f'{what} domain')}"


# -- replies and transcript -------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One SMTP reply: its code and the text of each line (cleaned)."""

    code: int
    lines: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The text of all lines, joined by a space."""
        return " ".join(line for line in self.lines if line)

    @property
    def enhanced(self) -> str:
        """The enhanced status code (RFC 3463) of the first line, as ``5.7.1``; ``""`` if none."""
        match = _ESC.match(self.lines[0]) if self.lines else None
        return ".".join(match.groups()) if match else ""

    def __str__(self) -> str:
        return f"{self.code} {self.text}".rstrip()


class Transcript:
    """What client and server said, bounded and printable. One per probe; not thread-safe."""

    def __init__(self, max_lines: int = MAX_TRANSCRIPT_LINES,
                 max_line: int = MAX_TRANSCRIPT_LINE) -> None:
        self.max_lines = max_lines
        self.max_line = max_line
        self._lines: list[str] = []
        self.dropped = 0

    def _add(self, prefix: str, text: object) -> None:
        if len(self._lines) >= self.max_lines:
            self.dropped += 1
            return
        self._lines.append(f"{prefix}{clean(text, self.max_line)}")

    def client(self, line: str) -> None:
        """A command we sent."""
        self._add("C: ", line)

    def server(self, raw: bytes) -> None:
        """A line the server sent (raw bytes, without CRLF)."""
        self._add("S: ", raw)

    def note(self, text: str) -> None:
        """Something that happened that is not a line of SMTP (TLS, timeout, close)."""
        self._add("*  ", text)

    def lines(self) -> tuple[str, ...]:
        """The transcript, with a last line counting what was left out."""
        if self.dropped:
            return (*self._lines, f"*  … {self.dropped} more lines not kept")
        return tuple(self._lines)

    def text(self) -> str:
        """The transcript as one block of text."""
        return "\n".join(self.lines())


# -- failures -------------------------------------------------------------------------------


class Failure(str, Enum):
    """Why a conversation ended early."""

    TIMEOUT = "timeout"
    """No (complete) answer within the timeout."""
    DEADLINE = "deadline"
    """The overall time allowed for this server was spent."""
    REFUSED = "refused"
    """The TCP connection was refused."""
    UNREACHABLE = "unreachable"
    """No route, network down, or another error while connecting."""
    CLOSED = "closed"
    """The peer closed (or reset) the connection."""
    PROTOCOL = "protocol"
    """The peer did not speak SMTP: garbage, a line or reply too long, too much data."""
    TLS = "tls"
    """The TLS handshake failed."""


class SmtpError(Exception):
    """The conversation could not go on."""

    def __init__(self, failure: Failure, detail: str) -> None:
        super().__init__(f"{failure.value}: {detail}")
        self.failure = failure
        self.detail = clean(detail, 300)


class CertificateRejected(SmtpError):
    """A verifying TLS handshake rejected the server's certificate chain."""

    def __init__(self, verify_code: int, reason: str) -> None:
        super().__init__(Failure.TLS, reason)
        self.verify_code = verify_code


@dataclass(frozen=True)
class TlsSession:
    """What a TLS handshake agreed on."""

    version: str
    cipher: str
    bits: int | None
    certificate: bytes | None = field(repr=False)
    """The server's (leaf) certificate, DER, or None if it sent none."""


def probe_tls_context() -> ssl.SSLContext:
    """A client context that verifies nothing and accepts every protocol version and cipher the
    local OpenSSL can do, so the handshake always tells us what the server offers."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    _allow_legacy(context)
    return context


def verify_tls_context(ca_file: str | None) -> ssl.SSLContext:
    """A client context that verifies the chain against the system CAs plus ``ca_file``.

    A private CA is trusted beside the public ones, never instead of them: the senders and mail
    clients whose view this predicts trust the public CAs whatever the admin adds.

    Host name and dates are not judged here: the check family judges them from the certificate,
    against the run's clock, so each problem is reported on its own.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_default_certs()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    context.verify_flags |= NO_CHECK_TIME  # type: ignore[assignment]
    _allow_legacy(context)
    return context


def _allow_legacy(context: ssl.SSLContext) -> None:
    try:
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.set_ciphers("ALL:@SECLEVEL=0")
    except (ssl.SSLError, ValueError):  # pragma: no cover - depends on the OpenSSL build
        pass


# -- connection -----------------------------------------------------------------------------


class SmtpConnection:
    """One client connection to an SMTP server, every operation bounded (see module docs)."""

    def __init__(self, address: str, port: int, *, timeout: float, deadline: float,
                 transcript: Transcript) -> None:
        self.address = address
        self.port = port
        self.timeout = timeout
        self.deadline = deadline
        self.transcript = transcript
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._read = 0

    # -- time ---------------------------------------------------------------------------

    def _remaining(self, until: float) -> float:
        now = time.monotonic()
        left = min(until, self.deadline) - now
        if left <= 0:
            if self.deadline <= until:
                raise self._fail(Failure.DEADLINE, "overall time for this server spent")
            raise self._fail(Failure.TIMEOUT, f"no complete reply within {self.timeout:g} s")
        return left

    def _fail(self, failure: Failure, detail: str) -> SmtpError:
        self.transcript.note(f"{failure.value}: {detail}")
        return SmtpError(failure, detail)

    # -- connect ------------------------------------------------------------------------

    def connect(self) -> float:
        """Open the TCP connection; return the seconds it took."""
        family = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        start = time.monotonic()
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(self._remaining(start + self.timeout))
            sock.connect((self.address, self.port))
        except SmtpError:
            sock.close()
            raise
        except TimeoutError:
            sock.close()
            raise self._fail(Failure.TIMEOUT, f"no TCP connection within {self.timeout:g} s") from None
        except ConnectionRefusedError:
            sock.close()
            raise self._fail(Failure.REFUSED, "connection refused") from None
        except OSError as exc:
            sock.close()
            reason = exc.strerror or errno.errorcode.get(exc.errno or 0, "") or type(exc).__name__
            raise self._fail(Failure.UNREACHABLE, str(reason)) from None
        self._sock = sock
        elapsed = time.monotonic() - start
        self.transcript.note(f"connected to {_hostport(self.address, self.port)}")
        return elapsed

    def adopt(self, sock: socket.socket) -> None:
        """Talk over an already connected socket (the tests use a socketpair)."""
        self._sock = sock

    # -- reading ------------------------------------------------------------------------

    def _fill(self, until: float) -> None:
        assert self._sock is not None
        self._sock.settimeout(self._remaining(until))
        try:
            chunk = self._sock.recv(4096)
        except TimeoutError:
            self._remaining(until)  # raises TIMEOUT or DEADLINE
            raise self._fail(Failure.TIMEOUT, f"no complete reply within {self.timeout:g} s") from None
        except ssl.SSLError as exc:
            raise self._fail(Failure.CLOSED, f"TLS error while reading: {exc.reason or exc}") from None
        except OSError as exc:
            raise self._fail(Failure.CLOSED, f"connection lost: {exc.strerror or exc}") from None
        if not chunk:
            raise self._fail(Failure.CLOSED, "the server closed the connection")
        self._read += len(chunk)
        if self._read > MAX_READ:
            self.transcript.server(self._buffer + chunk)
            raise self._fail(Failure.PROTOCOL, f"more than {MAX_READ} bytes from the server")
        self._buffer += chunk

    def _line(self, until: float) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if 0 <= end <= MAX_LINE:
                line, self._buffer = self._buffer[:end], self._buffer[end + 1:]
                return line[:-1] if line.endswith(b"\r") else line
            if len(self._buffer) > MAX_LINE:
                self.transcript.server(self._buffer[:MAX_LINE])
                raise self._fail(Failure.PROTOCOL, f"a line longer than {MAX_LINE} bytes")
            self._fill(until)

    def read_reply(self) -> Reply:
        """Read one (possibly multi-line) reply; it must be complete within the timeout."""
        until = time.monotonic() + self.timeout
        code: bytes | None = None
        texts: list[str] = []
        while True:
            raw = self._line(until)
            self.transcript.server(raw)
            match = _REPLY.match(raw)
            if not match or (code is not None and match.group(1) != code):
                raise self._fail(Failure.PROTOCOL, f"not an SMTP reply: {clean(raw, 80)!r}")
            code = match.group(1)
            texts.append(clean(match.group(3) or b"", 1000))
            if match.group(2) != b"-":
                return Reply(int(code), tuple(texts))
            if len(texts) >= MAX_REPLY_LINES:
                raise self._fail(Failure.PROTOCOL, f"a reply of more than {MAX_REPLY_LINES} lines")

    # -- writing ------------------------------------------------------------------------

    def send(self, line: str) -> Reply:
        """Send one command line and read its reply."""
        if self._sock is None:
            raise SmtpError(Failure.CLOSED, "not connected")
        if "\r" in line or "\n" in line:
            raise ValueError("an SMTP command is one line")
        self.transcript.client(line)
        self._sock.settimeout(self._remaining(time.monotonic() + self.timeout))
        try:
            self._sock.sendall(line.encode("ascii", errors="strict") + b"\r\n")
        except TimeoutError:
            raise self._fail(Failure.TIMEOUT, "the server does not read") from None
        except OSError as exc:
            raise self._fail(Failure.CLOSED, f"connection lost: {exc.strerror or exc}") from None
        return self.read_reply()

    # -- TLS ----------------------------------------------------------------------------

    def starttls(self, context: ssl.SSLContext, server_name: str | None) -> TlsSession:
        """Do the TLS handshake (after a 220 reply to STARTTLS); return what was agreed."""
        assert self._sock is not None
        if self._buffer:
            # RFC 3207 §6: anything sent before the handshake must be discarded (CVE-2011-0411).
            self.transcript.note(f"discarded {len(self._buffer)} bytes sent before the TLS handshake")
            self._buffer = b""
        plain = self._sock
        tls = context.wrap_socket(plain, server_hostname=server_name, do_handshake_on_connect=False)
        self._sock = tls
        tls.settimeout(self._remaining(time.monotonic() + self.timeout))
        try:
            tls.do_handshake()
        except ssl.SSLCertVerificationError as exc:
            reason = exc.verify_message or exc.reason or str(exc)
            self.transcript.note(f"TLS handshake: certificate rejected: {reason}")
            raise CertificateRejected(exc.verify_code or 0, str(reason)) from None
        except TimeoutError:
            raise self._fail(Failure.TIMEOUT, f"no TLS handshake within {self.timeout:g} s") from None
        except ssl.SSLError as exc:
            raise self._fail(Failure.TLS, f"TLS handshake failed: {exc.reason or exc}") from None
        except OSError as exc:
            raise self._fail(Failure.TLS, f"connection lost during the TLS handshake: {exc.strerror or exc}") from None
        name, _, bits = tls.cipher() or ("", "", None)
        session = TlsSession(tls.version() or "", name, bits, tls.getpeercert(binary_form=True))
        self.transcript.note(f"TLS handshake: {session.version}, {session.cipher}")
        return session

    # -- closing ------------------------------------------------------------------------

    def quit(self) -> None:
        """Say QUIT (best effort, short wait) and close."""
        if self._sock is not None:
            try:
                self.timeout = min(self.timeout, 2.0)
                self.send("QUIT")
            except SmtpError:
                pass
        self.close()

    def close(self) -> None:
        """Close the socket (idempotent)."""
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:  # pragma: no cover
                pass
            self._sock = None

    def __enter__(self) -> SmtpConnection:  # noqa: PYI034 - final classes
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _hostport(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
