"""What one SMTP probe observed: plain values, built by ``collect`` and judged by ``evaluate``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from preflight.net.dns import DnsAnswer, DnsError
from preflight.net.smtp import Failure, Reply, SmtpTarget
from preflight.textsafe import clean

_FQDN = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")


class Step(str, Enum):
    """Steps of the probe dialogue, in order."""

    RESOLVE = "resolve"
    CONNECT = "connect"
    GREETING = "greeting"
    EHLO = "ehlo"
    STARTTLS = "starttls"
    TLS = "tls_handshake"
    EHLO_TLS = "ehlo_after_tls"
    RECONNECT = "reconnect"
    MAIL = "mail_from"
    RCPT_RELAY = "rcpt_relay"
    RCPT_POSTMASTER = "rcpt_postmaster"


@dataclass(frozen=True)
class Stop:
    """Where and why a conversation broke off (timeout, closed, garbage...)."""

    step: Step
    failure: Failure | None
    """None: the server answered, with a reply that ended the dialogue (``detail`` shows it)."""
    detail: str


@dataclass(frozen=True)
class TlsFacts:
    """What the (unverified) TLS handshake agreed on."""

    version: str
    cipher: str
    bits: int | None
    server_name: str | None
    """The SNI name sent, if any."""


@dataclass(frozen=True)
class CertFacts:
    """The server's certificate, as read by ``cryptography``."""

    subject: str
    issuer: str
    dns_names: tuple[str, ...]
    common_names: tuple[str, ...]
    not_before: datetime
    not_after: datetime
    self_signed: bool
    sha256: str
    serial: str
    key: str
    signature: str

    def to_dict(self, now: datetime) -> dict[str, Any]:
        """JSON form, with days left counted from ``now``."""
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "dns_names": list(self.dns_names),
            "common_names": list(self.common_names),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "days_left": days_left(self, now),
            "self_signed": self.self_signed,
            "sha256": self.sha256,
            "serial": self.serial,
            "key": self.key,
            "signature": self.signature,
        }


@dataclass(frozen=True)
class VerifyFacts:
    """The verifying handshake: was the chain trusted? (None: could not find out.)"""

    trusted: bool | None
    reason: str
    trust_store: str


@dataclass(frozen=True)
class ProbeFacts:
    """Everything one probe of one target saw. Replies are None for steps never reached."""

    target: SmtpTarget
    address: str | None = None
    resolved: DnsAnswer | DnsError | None = None
    """A/AAAA answer, for targets given by name."""
    ptr: DnsAnswer | DnsError | None = None
    connect_seconds: float | None = None
    greeting_seconds: float | None = None
    greeting: Reply | None = None
    ehlo: Reply | None = None
    starttls: Reply | None = None
    tls: TlsFacts | None = None
    tls_stop: Stop | None = None
    """Why the TLS handshake failed, when it did."""
    certificate: CertFacts | None = None
    certificate_der: bytes | None = field(default=None, repr=False, compare=False)
    """The leaf certificate as sent (DER): the ``dane`` family matches TLSA records against it."""
    certificate_error: str | None = None
    ehlo_tls: Reply | None = None
    mail: Reply | None = None
    relay: Reply | None = None
    postmaster: tuple[tuple[str, Reply], ...] = ()
    stop: Stop | None = None
    verify: VerifyFacts | None = None
    transcript: tuple[str, ...] = ()
    total_seconds: float | None = None

    @property
    def extensions(self) -> tuple[str, ...]:
        """ESMTP extensions offered before TLS (the EHLO reply's lines after the first)."""
        return ehlo_extensions(self.ehlo)

    def stopped_at(self, step: Step) -> Stop | None:
        """The stop, if the conversation broke off at ``step``."""
        return self.stop if self.stop is not None and self.stop.step is step else None


def ehlo_extensions(reply: Reply | None) -> tuple[str, ...]:
    """Extension lines of a 250 EHLO reply (keyword upper-cased, parameters kept)."""
    if reply is None or reply.code != 250:
        return ()
    out = []
    for line in reply.lines[1:]:
        keyword, _, params = line.strip().partition(" ")
        if keyword:
            out.append(f"{keyword.upper()} {params.strip()}".rstrip())
    return tuple(out)


def extension(extensions: tuple[str, ...], keyword: str) -> str | None:
    """Parameters of ``keyword`` if offered (``""`` when it has none), else None.

    ``AUTH=LOGIN`` (the pre-standard form some servers still send) counts as ``AUTH``.
    """
    for line in extensions:
        word, _, params = line.partition(" ")
        if word == keyword or word.startswith(keyword + "="):
            return params if word == keyword else f"{word[len(keyword) + 1:]} {params}".strip()
    return None


def banner_host(greeting: Reply | None) -> str:
    """The first word of the greeting's first line (should be the server's FQDN)."""
    if greeting is None or not greeting.lines:
        return ""
    return greeting.lines[0].split(" ", 1)[0].strip()


def is_fqdn(name: str) -> bool:
    """True for a fully qualified host name like ``mail.example.com`` (trailing dot allowed)."""
    return bool(_FQDN.match(name.lower().rstrip(".")))


def days_left(cert: CertFacts, now: datetime) -> int:
    """Whole days from ``now`` until the certificate expires (negative once expired)."""
    return int((cert.not_after - now).total_seconds() // 86400)


def read_certificate(der: bytes) -> CertFacts:
    """Read a DER certificate; ValueError if it cannot be parsed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = tuple(clean(n, 253) for n in san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        dns_names = ()
    common = tuple(
        clean(a.value if isinstance(a.value, str) else a.value.decode("utf-8", "replace"), 253)
        for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    )
    self_signed = False
    if cert.issuer == cert.subject:
        try:
            cert.verify_directly_issued_by(cert)
            self_signed = True
        except Exception:  # noqa: BLE001 - InvalidSignature, unsupported key types...
            self_signed = False
    try:
        public: object = cert.public_key()
    except Exception:  # noqa: BLE001 - UnsupportedAlgorithm and kin: name what we can, go on
        public = None
    if public is None:
        key = "unsupported public key algorithm"
    elif isinstance(public, rsa.RSAPublicKey):
        key = f"RSA {public.key_size} bits"
    elif isinstance(public, ec.EllipticCurvePublicKey):
        key = f"EC {public.curve.name}"
    elif isinstance(public, ed25519.Ed25519PublicKey):
        key = "Ed25519"
    elif isinstance(public, ed448.Ed448PublicKey):
        key = "Ed448"
    elif isinstance(public, dsa.DSAPublicKey):
        key = f"DSA {public.key_size} bits"
    else:
        key = type(public).__name__
    oid = cert.signature_algorithm_oid
    return CertFacts(
        subject=clean(cert.subject.rfc4514_string(), 500),
        issuer=clean(cert.issuer.rfc4514_string(), 500),
        dns_names=dns_names[:100],
        common_names=common,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        self_signed=self_signed,
        sha256=cert.fingerprint(hashes.SHA256()).hex(":"),
        serial=f"{cert.serial_number:x}",
        key=key,
        signature=getattr(oid, "_name", None) or oid.dotted_string,
    )


def name_matches(name: str, cert: CertFacts) -> bool:
    """RFC 6125: does the certificate cover ``name``? SAN DNS names; the CN only without them.

    A wildcard counts only as the whole left-most label and matches exactly one label.
    """
    wanted = name.lower().rstrip(".")
    patterns = cert.dns_names or cert.common_names
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if pattern == wanted:
            return True
        if pattern.startswith("*.") and "*" not in pattern[2:]:
            head, _, rest = wanted.partition(".")
            if head and rest == pattern[2:] and rest.count(".") >= 1:
                return True
    return False
