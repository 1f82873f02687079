"""The embedded lab: loopback servers that stand in for the Internet in the demo and tests.

Zone files live in ``examples/lab/`` (shipped in the wheel as ``preflight/_lab_zones``). They
describe one plausible company migration; :mod:`preflight.cli.demo` holds that migration's input.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import dns.name

from preflight.lab.dnsserver import LabDnsServer

if TYPE_CHECKING:
    from preflight.lab.httpsserver import LabHttpsServer
    from preflight.lab.mailstandin import LabMailServer
    from preflight.lab.smtpserver import LabSmtpServer


def zones_dir() -> Path:
    """Directory of the lab's zone files (inside the wheel, or ``examples/lab`` in a checkout)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "_lab_zones", package.parent / "examples" / "lab"):
        if candidate.is_dir() and any(candidate.glob("*.zone")):
            return candidate
    raise FileNotFoundError("lab zone files not found (broken installation)")


@contextlib.contextmanager
def lab_dns(extra_dirs: Sequence[Path] = (), host: str = "127.0.0.1") -> Iterator[LabDnsServer]:
    """Start the lab DNS server (lab zones plus ``extra_dirs``) on an ephemeral loopback port."""
    server = LabDnsServer.from_directory(zones_dir(), host=host)
    for directory in extra_dirs:
        for path in sorted(Path(directory).glob("*.zone")):
            server.add_zone(path)
    from preflight.lab.blocklists import serve_standins

    serve_standins(server)  # every other catalogue list: its RFC 5782 test entries only
    # example.com stands for a DNSSEC-signed zone behind a validating resolver: its answers carry
    # the AD flag (the lab signs nothing; this is the validator's verdict, staged).
    server.validated = frozenset({dns.name.from_text("example.com.")})
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def lab_smtp(now: datetime | None = None, host: str = "127.0.0.1") -> Iterator[LabSmtpServer]:
    """Start the lab SMTP server (STARTTLS, a CA and certificate for mail.example.com made now,
    valid from ``now``) on an ephemeral loopback port."""
    from preflight.lab.certs import make_certificates
    from preflight.lab.smtpserver import LabSmtpServer

    server = LabSmtpServer(certificates=make_certificates(("mail.example.com",), now=now), host=host)
    with server:
        yield server


DEMO_POLICY = b"version: STSv1\r\nmode: enforce\r\nmx: smtp.example.com\r\nmax_age: 604800\r\n"
"""The demo's MTA-STS policy: enforced, naming only the old MX host (the new one is missing)."""


@contextlib.contextmanager
def lab_https(now: datetime | None = None, host: str = "127.0.0.1") -> Iterator[LabHttpsServer]:
    """Start the lab HTTPS server (a CA and a certificate for mta-sts.example.com made now)
    serving the demo's MTA-STS policy, on an ephemeral loopback port."""
    from preflight.lab.certs import make_certificates
    from preflight.lab.httpsserver import LabHttpsServer, Route

    server = LabHttpsServer(certificates=make_certificates(("mta-sts.example.com",), now=now), host=host)
    server.routes["mta-sts.example.com"] = Route(DEMO_POLICY)
    with server:
        yield server


@contextlib.contextmanager
def lab_mail(now: datetime | None = None, host: str = "127.0.0.1") -> Iterator[tuple[LabMailServer, ...]]:
    """Start the lab's client-port stand-ins (submission 587-style, IMAPS, POP3S), one lab CA and
    certificate for mail.example.com made now, each on an ephemeral loopback port."""
    from preflight.lab.certs import make_certificates
    from preflight.lab.mailstandin import LabMailServer
    from preflight.net.mailclient import Service

    certificates = make_certificates(("mail.example.com",), now=now)
    servers = tuple(LabMailServer(s, certificates=certificates, host=host)
                    for s in (Service.SUBMISSION, Service.IMAPS, Service.POP3S))
    with contextlib.ExitStack() as stack:
        for server in servers:
            stack.enter_context(server)
        yield servers


def lab_test_message(server: LabDnsServer, smtp: LabSmtpServer, now: datetime, *, client_ip: str) -> bytes:
    """A test message as the receiver stored it: the lab SMTP server (the new server) signs it with
    the lab DKIM key and delivers it to a lab receiver, which stamps Received and
    Authentication-Results standing in for a connection from ``client_ip`` (the new server's IP)."""
    from preflight.lab.receiver import LabReceiver
    from preflight.net.dns import DnsClient, DnsConfig, Nameserver

    host, port = server.address
    client = DnsClient(DnsConfig(nameservers=(Nameserver(host, port),), timeout=2.0, retries=1))
    with LabReceiver(client, client_ip=client_ip, now=now) as receiver:
        smtp.send_test_message(receiver.address, ca_file=receiver.ca_file, now=now)
        with receiver.lock:
            return receiver.messages[-1]
