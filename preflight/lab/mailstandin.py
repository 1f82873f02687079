"""The lab's client-port stand-ins: submission, IMAP and POP3 over TLS on loopback.

A scripted server just deep enough for preflight's client probe: greeting, capabilities,
STARTTLS (or TLS from the first byte), capabilities again. Login methods are advertised only
after TLS unless ``auth_before_tls``; nobody can log in. Made to misbehave for tests: no
STARTTLS, logins offered in clear, a certificate for other names (pass other certificates).
"""

from __future__ import annotations

import shutil
import socket
import ssl
import tempfile
import threading
from pathlib import Path

from preflight.lab.certs import LabCertificates, make_certificates
from preflight.net.mailclient import Service


class LabMailServer:
    """One service on an ephemeral loopback port. Use as a context manager."""

    def __init__(self, service: Service, *, certificates: LabCertificates | None = None,
                 starttls: bool = True, auth_before_tls: bool = False, auth_after_tls: bool = True,
                 host: str = "127.0.0.1", name: str = "mail.example.com", legacy_tls: bool = False,
                 capa: bool = True) -> None:
        self.service = service
        self.legacy_tls = legacy_tls
        """Speak TLS 1.0 only (an old server the migration must not copy)."""
        self.capa = capa
        """POP3: answer CAPA after TLS (False: -ERR, as an RFC 1939-only server does)."""
        self.certificates = certificates or make_certificates((name,))
        self.starttls = starttls
        self.auth_before_tls = auth_before_tls
        self.auth_after_tls = auth_after_tls
        self.host = host
        self.name = name
        self.ca_file: str | None = None
        self._listener: socket.socket | None = None
        self._context: ssl.SSLContext | None = None
        self._dir: Path | None = None
        self._stop = threading.Event()

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the server listens on."""
        assert self._listener is not None, "server not started"
        return self.host, int(self._listener.getsockname()[1])

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Bind, load the certificate, accept in a daemon thread."""
        self._dir = Path(tempfile.mkdtemp(prefix="preflight-lab-mail-"))
        ca, cert, key = self.certificates.write(self._dir)
        self.ca_file = str(ca)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        if self.legacy_tls:
            context.set_ciphers("ALL:@SECLEVEL=0")
            context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1
        self._context = context
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.bind((self.host, 0))
        listener.listen(16)
        listener.settimeout(0.2)
        self._listener = listener
        threading.Thread(target=self._accept, name=f"lab-{self.service.value}", daemon=True).start()

    def stop(self) -> None:
        """Stop accepting and remove the temporary certificate files."""
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> LabMailServer:  # noqa: PYI034 - final class
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self._stop.is_set():
            listener = self._listener
            if listener is None:
                return
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    # -- one session -------------------------------------------------------------------------

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        assert self._context is not None
        try:
            if self.service.implicit_tls:
                conn = self._context.wrap_socket(conn, server_side=True)
            self._session(conn, tls=self.service.implicit_tls)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    def _logins(self, tls: bool) -> bool:
        return self.auth_after_tls if tls else self.auth_before_tls

    def _session(self, conn: socket.socket, *, tls: bool) -> None:
        reader = conn.makefile("rb")
        send = conn.sendall
        protocol = self.service.protocol
        greeting = {"smtp": f"220 {self.name} ESMTP lab\r\n", "imap": "* OK lab IMAP ready\r\n",
                    "pop3": "+OK lab POP3 ready\r\n"}[protocol]
        send(greeting.encode())
        while True:
            raw = reader.readline(4096)
            if not raw:
                return
            line = raw.decode("ascii", "replace").strip()
            word = line.split(" ", 1)[0].upper()
            tag = word
            if protocol == "imap":
                parts = line.split(" ")
                tag, word = parts[0], (parts[1].upper() if len(parts) > 1 else "")
            if protocol == "smtp" and word in ("EHLO", "HELO"):
                caps = ["PIPELINING", "SIZE 10240000"]
                if not tls and self.starttls:
                    caps.append("STARTTLS")
                if self._logins(tls):
                    caps.append("AUTH PLAIN LOGIN")
                lines = [f"250-{self.name}"] + [f"250-{c}" for c in caps[:-1]] + [f"250 {caps[-1]}"]
                send(("\r\n".join(lines) + "\r\n").encode())
            elif protocol == "imap" and word == "CAPABILITY":
                caps = ["IMAP4rev1"]
                if not tls and self.starttls:
                    caps.append("STARTTLS")
                caps += ["AUTH=PLAIN"] if self._logins(tls) else ["LOGINDISABLED"]
                send(f"* CAPABILITY {' '.join(caps)}\r\n{tag} OK done\r\n".encode())
            elif protocol == "pop3" and word == "CAPA" and tls and not self.capa:
                send(b"-ERR unknown command\r\n")  # RFC 2449's CAPA is optional
            elif protocol == "pop3" and word == "CAPA":
                caps = ["TOP", "UIDL"]
                if not tls and self.starttls:
                    caps.append("STLS")
                if self._logins(tls):
                    caps += ["USER", "SASL PLAIN"]
                send(("+OK\r\n" + "".join(f"{c}\r\n" for c in caps) + ".\r\n").encode())
            elif word in ("STARTTLS", "STLS") and not tls and self.starttls:
                ok = {"smtp": "220 2.0.0 go ahead\r\n", "imap": f"{tag} OK begin TLS\r\n",
                      "pop3": "+OK begin TLS\r\n"}[protocol]
                send(ok.encode())
                assert self._context is not None
                secure = self._context.wrap_socket(conn, server_side=True)
                self._session_after_tls(secure)
                return
            elif word in ("QUIT", "LOGOUT"):
                send(b"221 bye\r\n" if protocol == "smtp" else f"{tag} OK bye\r\n".encode())
                return
            else:
                send({"smtp": b"502 5.5.2 not here\r\n", "imap": f"{tag} BAD not here\r\n".encode(),
                      "pop3": b"-ERR not here\r\n"}[protocol])

    def _session_after_tls(self, conn: socket.socket) -> None:
        """After STARTTLS the client speaks first (no new greeting)."""
        try:
            self._loop_tls(conn)
        finally:
            conn.close()

    def _loop_tls(self, conn: socket.socket) -> None:
        # The same commands as before TLS, with logins as configured for after TLS.
        reader = conn.makefile("rb")
        protocol = self.service.protocol
        while True:
            raw = reader.readline(4096)
            if not raw:
                return
            line = raw.decode("ascii", "replace").strip()
            parts = line.split(" ")
            tag, word = (parts[0], parts[1].upper() if len(parts) > 1 else "") if protocol == "imap" \
                else (parts[0], parts[0].upper())
            if protocol == "smtp" and word in ("EHLO", "HELO"):
                caps = ["PIPELINING"] + (["AUTH PLAIN LOGIN"] if self.auth_after_tls else [])
                lines = [f"250-{self.name}"] + [f"250-{c}" for c in caps[:-1]] + [f"250 {caps[-1]}"]
                conn.sendall(("\r\n".join(lines) + "\r\n").encode())
            elif protocol == "imap" and word == "CAPABILITY":
                caps = ["IMAP4rev1"] + (["AUTH=PLAIN"] if self.auth_after_tls else ["LOGINDISABLED"])
                conn.sendall(f"* CAPABILITY {' '.join(caps)}\r\n{tag} OK done\r\n".encode())
            elif protocol == "pop3" and word == "CAPA" and not self.capa:
                conn.sendall(b"-ERR unknown command\r\n")  # RFC 2449's CAPA is optional
            elif protocol == "pop3" and word == "CAPA":
                caps = ["TOP"] + (["USER", "SASL PLAIN"] if self.auth_after_tls else [])
                conn.sendall(("+OK\r\n" + "".join(f"{c}\r\n" for c in caps) + ".\r\n").encode())
            else:
                conn.sendall(b"221 bye\r\n" if protocol == "smtp" else f"{tag} OK bye\r\n".encode())
                return
