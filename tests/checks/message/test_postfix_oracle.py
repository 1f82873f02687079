"""Oracle: a real Postfix receives a signed test message over STARTTLS and relays it on; preflight
reads the Received field that Postfix itself wrote (hop, HELO, IP, TLS version and cipher as the
client saw them) and still verifies the DKIM signature of the message Postfix passed on.

Postfix runs from a throwaway configuration directory on loopback ports (``postfix -c DIR``),
as root (CI runs as root); the relay target is an aiosmtpd sink started by the test.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import dkim
import pytest
from conftest import make_config, require

from checks.message.samples import message
from preflight.checks.dmarc import organizational_domain
from preflight.checks.message.collect import collect
from preflight.checks.message.evaluate import evaluate
from preflight.checks.message.headers import parse_headers
from preflight.checks.message.received import departure_hop, received_chain
from preflight.checks.message.source import MessageFile
from preflight.lab.certs import make_certificates
from preflight.lab.dnsserver import LabDnsServer
from preflight.lab.mailflow import lab_dkim_key
from preflight.lab.smtpserver import ephemeral_controller
from preflight.net.dns import DnsClient

pytestmark = pytest.mark.postfix

MASTER = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Sink:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(envelope.original_content)  # type: ignore[attr-defined]
        return "250 2.0.0 Ok"


def _postfix(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["postfix", "-c", str(directory), *args], capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture(scope="module")
def postfix() -> Iterator[tuple[int, _Sink]]:
    """A real Postfix on a loopback port relaying everything for receiver.example to a sink."""
    require(shutil.which("postfix") is not None and Path("/usr/lib/postfix/sbin/master").exists(),
            "Postfix is not installed")
    require(os.geteuid() == 0, "starting Postfix needs root")
    # Not under pytest's 0700 temp root: Postfix's daemons run as the postfix user.
    directory = Path(tempfile.mkdtemp(prefix="preflight-postfix-"))
    directory.chmod(0o755)
    (directory / "queue").mkdir()
    (directory / "data").mkdir()
    shutil.chown(directory / "data", "postfix")
    certs = make_certificates(("mx.oracle.test",))
    (directory / "cert.pem").write_bytes(certs.cert_pem)
    (directory / "key.pem").write_bytes(certs.key_pem)
    (directory / "key.pem").chmod(0o600)
    sink = _Sink()
    controller = ephemeral_controller(sink, hostname="127.0.0.1")
    controller.start()
    port = _free_port()
    (directory / "master.cf").write_text(MASTER.format(port=port))
    (directory / "main.cf").write_text("\n".join([
        "compatibility_level = 3.6", f"queue_directory = {directory}/queue", f"data_directory = {directory}/data",
        "mail_owner = postfix", "setgid_group = postdrop", "inet_interfaces = 127.0.0.1", "inet_protocols = ipv4",
        "myhostname = mx.oracle.test", "mydomain = oracle.test", "myorigin = oracle.test", "mydestination =",
        "relay_domains = receiver.example", f"relay_transport = smtp:[127.0.0.1]:{controller.port}",
        "mynetworks = 127.0.0.0/8", "smtpd_tls_security_level = may",
        f"smtpd_tls_cert_file = {directory}/cert.pem", f"smtpd_tls_key_file = {directory}/key.pem",
        "smtpd_tls_received_header = yes", "smtp_tls_security_level = none", "smtp_dns_support_level = disabled",
        f"maillog_file = {directory}/maillog", f"maillog_file_prefixes = {directory}",
        "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination",
        "alias_maps =", "alias_database =", "local_recipient_maps =", "",
    ]))
    started = _postfix(directory, "start")
    try:
        log = directory / "maillog"
        assert started.returncode == 0, started.stdout + started.stderr + (log.read_text() if log.exists() else "")
        yield port, sink
    finally:
        _postfix(directory, "stop")
        controller.stop()
        shutil.rmtree(directory, ignore_errors=True)


def _send(port: int, data: bytes) -> tuple[str, str]:
    """Deliver ``data`` to Postfix over STARTTLS as mail.example.com; the TLS version and cipher."""
    import smtplib

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the oracle checks what Postfix records, not its certificate
    with smtplib.SMTP("127.0.0.1", port, local_hostname="mail.example.com", timeout=30) as client:
        client.starttls(context=context)
        version, cipher = client.sock.version(), client.sock.cipher()[0]  # type: ignore[union-attr]
        client.sendmail("bounce@message.test", ["test@receiver.example"], data)
    return str(version), str(cipher)


def _relayed(sink: _Sink, count: int) -> bytes:
    for _ in range(240):  # up to 60 s: Postfix's queue manager relays within a second or two
        if len(sink.messages) >= count:
            return sink.messages[count - 1]
        time.sleep(0.25)
    raise AssertionError("Postfix did not relay the message within 60 s")


def test_received_field_written_by_postfix(postfix: tuple[int, _Sink], dns_server: LabDnsServer) -> None:
    port, sink = postfix
    raw = message().replace(b"info@example.com", b"info@message.test")
    signed = bytes(dkim.sign(raw, b"good", b"message.test", lab_dkim_key(),
                             include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])) + raw
    version, cipher = _send(port, signed)
    stored = _relayed(sink, 1)
    # Then the hop Postfix stamped is found and read as Postfix wrote it.
    hops = received_chain(parse_headers(stored))
    hop = departure_hop(hops, ["127.0.0.1"])
    assert hop is not None and hop.index == 0, stored[:600]
    assert (hop.from_helo, hop.from_ip, hop.by_host, hop.protocol) == ("mail.example.com", "127.0.0.1",
                                                                       "mx.oracle.test", "ESMTPS")
    assert hop.tls_version == version.replace("TLSv", "TLS ") and hop.tls_cipher == cipher
    assert hop.recipient == "test@receiver.example" and hop.date is not None
    # And our verification of what Postfix passed on: the signature is intact.
    config = make_config(dns_server, ips=("127.0.0.1",))
    facts = collect(DnsClient(config.dns), MessageFile("postfix.eml", stored, len(stored)), ("127.0.0.1",),
                    organizational_domain)
    results = {(r.check_id, r.outcome) for r in evaluate(facts, organizational_domain)}
    assert {("message.path", "left_new_ip"), ("message.tls", "tls"), ("message.dkim", "pass")} <= results


def test_postfix_adds_missing_message_id_and_date(postfix: tuple[int, _Sink]) -> None:
    port, sink = postfix
    before = len(sink.messages)
    _send(port, b"From: info@message.test\r\nTo: test@receiver.example\r\nSubject: bare\r\n\r\nhi\r\n")
    stored = _relayed(sink, before + 1)
    facts = parse_headers(stored)
    from preflight.checks.message.senderrules import sender_rules

    rules = sender_rules(facts)
    # Postfix writes "Mon,  7 Dec 2026 ..." (two spaces before a one-digit day) and <id@host>: both valid.
    assert rules.message_id_valid and rules.date_iso is not None, stored[:600]
