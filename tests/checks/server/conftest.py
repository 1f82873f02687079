"""Fixtures of the server inventory tests: a real new and old server (OpenSSH sshd with its own
/etc, see tests/servers/sshd.py), their DKIM keys in the lab DNS, and port-25 targets on loopback.

The new server is mail.inventory.test (AlmaLinux 9, Postfix with postscreen, OpenDKIM); the old
one old.inventory.test (CentOS 7, Postfix, a dead SORBS list). DKIM keys s1..s5 cover every
case: s1 matches DNS, s2 does not, s3 is unreadable (0600 root), s4 is not in DNS, s5's file is
missing. Keys are made per session; the DNS side is the child zone _domainkey.inventory.test.
"""

from __future__ import annotations

import base64
import functools
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import dns.zone
import pytest
from conftest import FIXED_NOW, make_config, require
from servers.sshd import (
    OPENDKIM_GID,
    DirSpec,
    FileSpec,
    SshdServer,
    keygen,
    missing_prerequisite,
    postfix_missing,
    start_sshd,
)

from preflight.checks.server.settings import Port25Target, SshSettings, with_settings
from preflight.config import RunConfig
from preflight.lab.certs import make_certificates
from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import DnsClient
from preflight.engine import RunContext

SAMPLES = Path(__file__).resolve().parents[2] / "inventory" / "samples"
NEW_IP = "198.51.100.42"
NEW_HOST = "mail.inventory.test"
DOMAIN = "inventory.test"
DKIM_ZONE = "_domainkey.inventory.test."
PASSWORD = "correct horse battery staple 42"


@dataclass(frozen=True)
class DkimKeys:
    """Private keys for the server (PEM) and the TXT records for DNS, by selector."""

    private: dict[str, bytes]
    records: dict[str, str]


def _pem_traditional(key: object) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption())


def _pem_pkcs8(key: object) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _rsa_record(key: object) -> str:
    from cryptography.hazmat.primitives import serialization

    der = key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def _ed_record(key: object) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"v=DKIM1; k=ed25519; p={base64.b64encode(raw).decode()}"


@functools.lru_cache(maxsize=1)
def dkim_keys() -> DkimKeys:
    """The session's DKIM keys (one set per process, shared by every module that asks)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    s1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    s2, other = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    s3, s4 = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    return DkimKeys(
        private={"s1": _pem_traditional(s1), "s2": _pem_pkcs8(s2), "s3": _pem_pkcs8(s3),
                 "s4": _pem_pkcs8(s4)},
        records={"s1": _rsa_record(s1), "s2": _ed_record(other), "s3": _ed_record(s3)},
    )


def _txt(record: str) -> str:
    return " ".join(f'"{record[i:i + 250]}"' for i in range(0, len(record), 250))


def dkim_zone_text() -> str:
    lines = [f"$ORIGIN {DKIM_ZONE}", "$TTL 300",
             "@ IN SOA ns1.inventory.test. hostmaster.inventory.test. 1 3600 600 1209600 300",
             "@ IN NS ns1.inventory.test."]
    lines += [f"{sel} IN TXT {_txt(rec)}" for sel, rec in dkim_keys().records.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="session")
def inventory_dns(lab: LabDnsServer) -> LabDnsServer:
    """The lab DNS server, also serving this session's DKIM keys (added once)."""
    if DKIM_ZONE not in lab.origins:
        lab.add_zone(dns.zone.from_text(dkim_zone_text(), origin=DKIM_ZONE, relativize=False))
    return lab


# -- server contents -------------------------------------------------------------------------

OPENDKIM_CONF = """\
Mode\tsv
Syslog\tyes
UserID\topendkim:opendkim
Socket\tinet:8891@localhost
Canonicalization\trelaxed/relaxed
KeyTable\trefile:/etc/opendkim/KeyTable
SigningTable\trefile:/etc/opendkim/SigningTable
"""

NEW_MAIN_CF = f"""\
compatibility_level = 3.6
myhostname = {NEW_HOST}
mydomain = {DOMAIN}
mydestination = $myhostname, localhost.$mydomain, localhost
inet_interfaces = all
inet_protocols = ipv4
mynetworks = 127.0.0.0/8 [::1]/128
smtp_bind_address = {NEW_IP}
smtpd_tls_chain_files =
smtpd_tls_cert_file = /etc/postfix/tls/mail.crt
smtpd_tls_key_file = /etc/postfix/tls/mail.key
smtpd_tls_eccert_file = /etc/postfix/tls/missing-ec.crt
smtpd_tls_eckey_file = /etc/postfix/tls/missing-ec.key
smtpd_tls_security_level = may
smtp_tls_security_level = may
smtpd_milters = inet:127.0.0.1:8891
non_smtpd_milters = $smtpd_milters
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination,
    reject_rbl_client zen.spamhaus.org=127.0.0.[2..11], reject_rbl_client dnsbl.sorbs.net
postscreen_dnsbl_sites = zen.spamhaus.org*3 bl.spamcop.net*2
postscreen_dnsbl_threshold = 3
postscreen_dnsbl_action = enforce
"""

NEW_MASTER_CF = """\
smtp      inet  n       -       y       -       1       postscreen
smtpd     pass  -       -       y       -       -       smtpd
dnsblog   unix  -       -       y       -       0       dnsblog
tlsproxy  unix  -       -       y       -       0       tlsproxy
submission inet n       -       y       -       -       smtpd
  -o smtpd_tls_security_level=encrypt
pickup    unix  n       -       y       60      1       pickup
cleanup   unix  n       -       y       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
smtp      unix  -       -       y       -       -       smtp
relay     unix  -       -       y       -       -       smtp
"""

OLD_MAIN_CF = """\
myhostname = old.inventory.test
mydomain = inventory.test
inet_interfaces = all
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_tls_cert_file = /etc/pki/tls/certs/postfix.pem
smtpd_tls_key_file = /etc/pki/tls/private/postfix.key
smtpd_tls_security_level = may
smtpd_milters = inet:127.0.0.1:8891
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination,
    reject_rbl_client zen.spamhaus.org, reject_rbl_client dnsbl.sorbs.net
"""

OLD_MASTER_CF = """\
smtp      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
smtp      unix  -       -       n       -       -       smtp
  -o smtp_bind_address=198.51.100.41
"""


def new_server_files() -> dict[str, FileSpec | DirSpec | str]:
    keys = dkim_keys()
    certs = make_certificates((NEW_HOST,), now=FIXED_NOW - timedelta(days=1))
    group = {"mode": 0o640, "uid": 0, "gid": OPENDKIM_GID}
    keytable = "".join(
        f"{sel}._domainkey.{DOMAIN} {DOMAIN}:{sel}:/etc/opendkim/keys/{name}\n"
        for sel, name in (("s1", "s1.private"), ("s2", "s2.private"), ("s3", "s3.private"),
                          ("s4", "s4.private"), ("s5", "gone.private")))
    return {
        "os-release": (SAMPLES / "os-release-almalinux9").read_text(),
        "resolv.conf": "nameserver 127.0.0.1\noptions edns0\n",
        "postfix/main.cf": NEW_MAIN_CF,
        "postfix/master.cf": NEW_MASTER_CF,
        "postfix/tls": DirSpec(0o755),
        "postfix/tls/mail.crt": FileSpec(certs.cert_pem + certs.ca_pem, 0o644),
        "postfix/tls/mail.key": FileSpec(certs.key_pem, 0o600),
        "opendkim.conf": OPENDKIM_CONF,
        "opendkim": DirSpec(0o755),
        "opendkim/KeyTable": FileSpec(keytable, **group),
        "opendkim/SigningTable": FileSpec(f"*@{DOMAIN} s1._domainkey.{DOMAIN}\n", **group),
        "opendkim/keys": DirSpec(0o750, 0, OPENDKIM_GID),
        "opendkim/keys/s1.private": FileSpec(keys.private["s1"], **group),
        "opendkim/keys/s2.private": FileSpec(keys.private["s2"], **group),
        "opendkim/keys/s3.private": FileSpec(keys.private["s3"], 0o600),
        "opendkim/keys/s4.private": FileSpec(keys.private["s4"], **group),
    }


def old_server_files() -> dict[str, FileSpec | DirSpec | str]:
    keys = dkim_keys()
    group = {"mode": 0o640, "uid": 0, "gid": OPENDKIM_GID}
    return {
        "os-release": (SAMPLES / "os-release-centos7").read_text(),
        "resolv.conf": "nameserver 127.0.0.1\n",
        "postfix/main.cf": OLD_MAIN_CF,
        "postfix/master.cf": OLD_MASTER_CF,
        "opendkim.conf": OPENDKIM_CONF,
        "opendkim": DirSpec(0o755),
        "opendkim/KeyTable": FileSpec(f"s1._domainkey.{DOMAIN} {DOMAIN}:s1:/etc/opendkim/keys/s1.private\n",
                                      **group),
        "opendkim/keys": DirSpec(0o750, 0, OPENDKIM_GID),
        "opendkim/keys/s1.private": FileSpec(keys.private["s1"], **group),
    }


@dataclass(frozen=True)
class SshLab:
    """The two servers, the client key they accept, and one they do not."""

    new: SshdServer
    old: SshdServer
    client_key: Path
    wrong_key: Path
    base: Path

    def known_hosts(self, path: Path) -> Path:
        """A known_hosts file with both servers' keys."""
        path.write_text(f"[{self.new.host}]:{self.new.port} {self.new.host_key_line}\n"
                        f"[{self.old.host}]:{self.old.port} {self.old.host_key_line}\n")
        return path


@pytest.fixture(scope="session")
def ssh_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshLab]:
    """Both servers, started once per session (each in its own mount namespace)."""
    reason = missing_prerequisite() or postfix_missing()
    require(reason is None, reason or "")
    base = tmp_path_factory.mktemp("sshd")
    client, wrong = base / "client_ed25519", base / "wrong_ed25519"
    keygen(client)
    keygen(wrong)
    new = start_sshd(base / "new", new_server_files(), client_key=client, password=PASSWORD)
    try:
        old = start_sshd(base / "old", old_server_files(), client_key=client)
    except BaseException:
        new.stop()
        raise
    try:
        yield SshLab(new, old, client, wrong, base)
    finally:
        new.stop()
        old.stop()


class Listener:
    """A loopback TCP server that greets like an MTA and hangs up (the 'remote MX')."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.sendall(b"220 mx.partner.test ESMTP preflight-test listener\r\n")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="session")
def port25_listener() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture()
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def server_context(inventory_dns: LabDnsServer, ssh_lab: SshLab, tmp_path: Path
                   ) -> Callable[..., tuple[RunContext, SshSettings]]:
    """Build a RunContext for the inventory family: the plan of the test migration plus ``ssh``."""

    def build(*, old: bool = False, port25: tuple[Port25Target, ...] = (), known_hosts: Path | None = None,
              key: Path | None = None, selectors: tuple[str, ...] = ("s1",), **overrides: object
              ) -> tuple[RunContext, SshSettings]:
        settings = SshSettings(
            new=_target(ssh_lab.new), old=_target(ssh_lab.old) if old else None,
            known_hosts=str(known_hosts or ssh_lab.known_hosts(tmp_path / "known_hosts")),
            key_file=str(key or ssh_lab.client_key), timeout=15.0, command_timeout=30.0,
            port25_targets=port25, port25_timeout=2,
        )
        if overrides:
            import dataclasses

            settings = dataclasses.replace(settings, **overrides)  # type: ignore[arg-type]
        config: RunConfig = make_config(inventory_dns, ips=(NEW_IP,), hostname=NEW_HOST, domains=(DOMAIN,),
                                        selectors=selectors, timeout=1.0)
        config = with_settings(config, settings)
        return RunContext(config, DnsClient(config.dns), FIXED_NOW), settings

    return build


def _target(server: SshdServer) -> object:
    from preflight.net.ssh import SshTarget

    return SshTarget(server.user, server.host, server.port)
