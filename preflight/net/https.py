"""HTTPS GET of one small text file (an MTA-STS policy), bounded in every way.

The caller resolves the host name through preflight's DNS layer and hands over the address to
connect to: this module never asks the system resolver. The server's certificate is verified
for the host name (SNI) against the system CAs or a given PEM file. Everything is bounded: one
deadline for the whole exchange (a watchdog closes the socket when it passes, so a server that
drips bytes cannot hold the run), a size cap, no redirects followed (RFC 8461 §3.3 forbids
them), UTF-8 text and the expected media type required.

Failures are values (:class:`HttpsError` with an :class:`HttpsFailure`), never CLI words.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from preflight.net.address import host_port
from preflight.textsafe import clean

MAX_BYTES = 64 * 1024
"""RFC 8461 policies are a few hundred bytes; anything above 64 KiB is refused."""

USER_AGENT = "preflight (MTA-STS policy check)"


class HttpsFailure(str, Enum):
    """Why a fetch failed. ``connect`` and ``timeout`` may be the network preflight runs from
    ("could not check"); the others are what the server did."""

    CONNECT = "connect"
    TIMEOUT = "timeout"
    CERTIFICATE = "certificate"
    TLS = "tls"
    PROTOCOL = "protocol"
    REDIRECT = "redirect"
    STATUS = "status"
    TOO_LARGE = "too_large"
    NOT_UTF8 = "not_utf8"
    CONTENT_TYPE = "content_type"


class HttpsError(Exception):
    """A fetch that did not give a usable text: what failed, and a one-line detail."""

    def __init__(self, failure: HttpsFailure, detail: str, url: str, address: str) -> None:
        super().__init__(f"{url} ({address}): {failure.value}: {detail}")
        self.failure = failure
        self.detail = clean(detail, 300)
        self.url = url
        self.address = address


@dataclass(frozen=True)
class HttpsResponse:
    """A 200 response with a UTF-8 body of the expected media type."""

    url: str
    address: str
    status: int
    content_type: str
    text: str
    tls_version: str
    seconds: float


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying client context: host name and chain checked, TLS 1.2 or newer.

    ``ca_file`` is trusted beside the system CAs, never instead of them: a private CA given for
    the new mail server must not fail a policy host whose certificate is public.
    """
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class _Watchdog:
    """Closes the connection when the deadline passes (unblocks any read or handshake)."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                self._shut()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._shut()

    def _shut(self) -> None:
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def fetch_text(
    *,
    host: str,
    path: str,
    address: str,
    port: int = 443,
    ca_file: str | None = None,
    timeout: float = 10.0,
    max_bytes: int = MAX_BYTES,
    media_type: str = "text/plain",
) -> HttpsResponse:
    """GET ``https://host:port/path`` from ``address``; raise :class:`HttpsError` on any failure.

    ``timeout`` bounds the whole exchange (connect, handshake, headers and body).
    """
    url = f"https://{host_port(host, port) if port != 443 else host}{path}"
    where = host_port(address, port)
    started = time.monotonic()

    def fail(failure: HttpsFailure, detail: str) -> HttpsError:
        return HttpsError(failure, detail, url, where)

    with _Watchdog(timeout) as watchdog:
        try:
            raw = socket.create_connection((address, port), timeout=timeout)
        except TimeoutError:
            raise fail(HttpsFailure.TIMEOUT, f"no connection within {timeout:g} s") from None
        except OSError as exc:
            raise fail(HttpsFailure.CONNECT, exc.strerror or str(exc)) from None
        watchdog.watch(raw)
        sock: socket.socket = raw
        try:
            try:
                tls = tls_context(ca_file).wrap_socket(raw, server_hostname=host)
            except ssl.SSLCertVerificationError as exc:
                raise fail(HttpsFailure.CERTIFICATE, exc.verify_message or str(exc)) from None
            except (ssl.SSLError, OSError) as exc:
                if watchdog.fired or isinstance(exc, (socket.timeout, TimeoutError)):
                    raise fail(HttpsFailure.TIMEOUT, f"TLS handshake not done within {timeout:g} s") from None
                raise fail(HttpsFailure.TLS, str(exc)) from None
            sock = tls
            watchdog.watch(tls)
            return _exchange(tls, host, port, path, url, where, started, max_bytes, media_type,
                             watchdog, timeout, fail)
        finally:
            sock.close()


def _exchange(tls: ssl.SSLSocket, host: str, port: int, path: str, url: str, where: str,
              started: float, max_bytes: int, media_type: str, watchdog: _Watchdog,
              timeout: float, fail: Callable[[HttpsFailure, str], HttpsError]) -> HttpsResponse:
    authority = host if port == 443 else host_port(host, port)
    request = (f"GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {USER_AGENT}\r\n"
               f"Accept: {media_type}\r\nConnection: close\r\n\r\n").encode("ascii")
    try:
        tls.sendall(request)
        response = http.client.HTTPResponse(tls, method="GET")  # type: ignore[arg-type]
        response.begin()
        status = response.status
        if 300 <= status < 400:
            location = clean(response.getheader("Location") or "(no Location)", 200)
            raise fail(HttpsFailure.REDIRECT, f"HTTP {status} redirect to {location} (not followed)")
        if status != 200:
            raise fail(HttpsFailure.STATUS, f"HTTP {status} {clean(response.reason or '', 80)}".strip())
        length = response.getheader("Content-Length")
        if length and length.strip().isdigit() and int(length) > max_bytes:
            raise fail(HttpsFailure.TOO_LARGE, f"Content-Length {int(length)} bytes, more than {max_bytes}")
        body = b""
        while len(body) <= max_bytes:
            chunk = response.read(min(16384, max_bytes + 1 - len(body)))
            if not chunk:
                break
            body += chunk
        if len(body) > max_bytes:
            raise fail(HttpsFailure.TOO_LARGE, f"more than {max_bytes} bytes")
        if watchdog.fired:
            raise fail(HttpsFailure.TIMEOUT, f"not complete within {timeout:g} s")
        content_type = response.getheader("Content-Type") or ""
        if _media_type(content_type) != media_type:
            raise fail(HttpsFailure.CONTENT_TYPE, f"Content-Type {clean(content_type, 80) or '(none)'}, "
                                                  f"not {media_type}")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise fail(HttpsFailure.NOT_UTF8, f"byte {exc.start} is not UTF-8") from None
    except HttpsError:
        raise
    except TimeoutError:
        raise fail(HttpsFailure.TIMEOUT, f"not complete within {timeout:g} s") from None
    except (http.client.HTTPException, ValueError) as exc:
        if watchdog.fired:
            raise fail(HttpsFailure.TIMEOUT, f"not complete within {timeout:g} s") from None
        raise fail(HttpsFailure.PROTOCOL, f"malformed HTTP response: {type(exc).__name__} {exc}"[:200]) from None
    except OSError as exc:
        if watchdog.fired:
            raise fail(HttpsFailure.TIMEOUT, f"not complete within {timeout:g} s") from None
        raise fail(HttpsFailure.PROTOCOL, f"connection broken: {exc.strerror or exc}") from None
    return HttpsResponse(url, where, status, content_type, text, tls.version() or "",
                         time.monotonic() - started)
