"""TLSA records (RFC 6698, RFC 7672 for SMTP): parse them, and match them against a certificate.

Pure functions: the certificate is the DER the new server presented in the SMTP probe.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

USAGES = {0: "PKIX-TA", 1: "PKIX-EE", 2: "DANE-TA", 3: "DANE-EE"}
SMTP_USAGES = (2, 3)
"""The usages DANE SMTP senders act on (RFC 7672 §3.1)."""
SELECTORS = {0: "Cert", 1: "SPKI"}
MATCHING = {0: "Full", 1: "SHA2-256", 2: "SHA2-512"}
_LENGTHS = {1: 32, 2: 64}


@dataclass(frozen=True)
class Tlsa:
    """One TLSA record: usage, selector, matching type and the association data."""

    usage: int
    selector: int
    mtype: int
    data: bytes

    @property
    def end_entity(self) -> bool:
        """Usage 3 (DANE-EE) names the server's own certificate or key (the leaf)."""
        return self.usage == 3

    @property
    def usable(self) -> bool:
        """Usable by a DANE SMTP sender: usage 2 or 3, known selector and matching type, a digest of the
        right size. RFC 7672 §3.1.3: senders may treat PKIX-TA(0) and PKIX-EE(1) as "unusable", and
        Postfix and Exim do, so a 0/1 record neither secures nor blocks delivery."""
        if self.usage not in SMTP_USAGES or self.selector not in SELECTORS or self.mtype not in MATCHING:
            return False
        return self.mtype == 0 or len(self.data) == _LENGTHS[self.mtype]

    def __str__(self) -> str:
        shown = self.data.hex()
        if len(shown) > 64:
            shown = shown[:32] + "…" + shown[-16:]
        return f"{self.usage} {self.selector} {self.mtype} {shown}"


def parse(text: str) -> Tlsa | None:
    """A TLSA record in presentation form (``3 1 1 ab12…``); None when it is not one."""
    parts = text.split()
    if len(parts) < 4 or not all(p.isdigit() for p in parts[:3]):
        return None
    try:
        data = bytes.fromhex("".join(parts[3:]))
    except ValueError:
        return None
    usage, selector, mtype = (int(p) for p in parts[:3])
    if max(usage, selector, mtype) > 255:
        return None
    return Tlsa(usage, selector, mtype, data)


def association(cert_der: bytes, selector: int, mtype: int) -> bytes:
    """The data a TLSA record with ``selector``/``mtype`` would hold for this certificate."""
    if selector == 0:
        raw = cert_der
    else:
        # on use: importing cryptography costs every check run ~0.1 s before its first query
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        key = x509.load_der_x509_certificate(cert_der).public_key()
        raw = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if mtype == 1:
        return hashlib.sha256(raw).digest()
    if mtype == 2:
        return hashlib.sha512(raw).digest()
    return raw


def matches(record: Tlsa, cert_der: bytes) -> bool:
    """Does an end-entity record match the leaf certificate ``cert_der``? (False on unreadable DER.)"""
    if not (record.usable and record.end_entity):
        return False
    try:
        return association(cert_der, record.selector, record.mtype) == record.data
    except ValueError:
        return False


def suggest(cert_der: bytes) -> str:
    """The ``3 1 1`` record (DANE-EE, SPKI, SHA-256) for this certificate's key: survives renewals
    that keep the key."""
    return f"3 1 1 {association(cert_der, 1, 1).hex()}"
