"""The lab's HTTPS server: MTA-STS policy hosts on loopback, with a certificate made at start.

It serves ``/.well-known/mta-sts.txt`` for each host name it is given a :class:`Route` for (chosen
by the request's Host header), and can misbehave the ways a hostile or broken policy host does:
redirect, wrong status or media type, a huge or non-UTF-8 body, or a body dripped byte by byte.
A certificate for other names is made by passing other ``names`` to the lab certificates.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from preflight.lab.certs import LabCertificates, make_certificates

POLICY_PATH = "/.well-known/mta-sts.txt"


@dataclass(frozen=True)
class Route:
    """What one policy host answers."""

    body: bytes
    status: int = 200
    content_type: str = "text/plain"
    headers: tuple[tuple[str, str], ...] = ()
    drip: float = 0.0
    """Seconds between single bytes of the body (a slow server); 0 sends it at once."""
    send_length: bool = True


@dataclass
class _State:
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        self.server.state.requests.append(f"{host}{self.path}")
        route = self.server.state.routes.get(host)
        if route is None or self.path != POLICY_PATH:
            route = Route(b"not found\n", status=404)
        try:
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            if route.send_length:
                self.send_header("Content-Length", str(len(route.body)))
            for name, value in route.headers:
                self.send_header(name, value)
            self.send_header("Connection", "close")
            self.end_headers()
            if route.drip:
                for byte in route.body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(route.drip)
            else:
                self.wfile.write(route.body)
        except (OSError, ssl.SSLError):
            return
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (or refused our certificate) is expected in the lab: stay quiet."""
        return


class LabHttpsServer:
    """A TLS web server on an ephemeral loopback port. Use as a context manager."""

    def __init__(self, names: tuple[str, ...] = ("mta-sts.example.com",), *,
                 certificates: LabCertificates | None = None, host: str = "127.0.0.1") -> None:
        self.certificates = certificates or make_certificates(names)
        self.host = host
        self.state = _State()
        self.ca_file: str | None = None
        """The lab CA certificate (PEM file), to pass as ``ca_file`` when verifying."""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._dir: Path | None = None

    @property
    def routes(self) -> dict[str, Route]:
        """Host name → what it answers (may be changed while the server runs)."""
        return self.state.routes

    @property
    def requests(self) -> list[str]:
        """``host/path`` of every request received."""
        return self.state.requests

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the server listens on."""
        assert self._server is not None, "server not started"
        return self.host, int(self._server.server_address[1])

    def start(self) -> None:
        """Bind, load the certificate, serve in a daemon thread."""
        self._dir = Path(tempfile.mkdtemp(prefix="preflight-lab-https-"))
        ca, cert, key = self.certificates.write(self._dir)
        self.ca_file = str(ca)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        _Server.address_family = family
        server = _Server((self.host, 0), _Handler, bind_and_activate=True)
        server.state = self.state
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="lab-https", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and remove the temporary certificate files."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> LabHttpsServer:  # noqa: PYI034 - final class
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
