"""Throwaway certificates for the lab's SMTP server: a private CA and a leaf it signs.

Made fresh at start (EC P-256: fast), valid from the given instant, never written anywhere but
a temporary directory. Tests bend them: expired, wrong name, self-signed.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class LabCertificates:
    """PEM texts: the CA certificate, the server certificate, and the server's private key."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes

    def write(self, directory: Path) -> tuple[Path, Path, Path]:
        """Write ``ca.pem``, ``cert.pem`` and ``key.pem`` into ``directory``; return the paths."""
        paths = (directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
        for path, data in zip(paths, (self.ca_pem, self.cert_pem, self.key_pem)):
            path.write_bytes(data)
        paths[2].chmod(0o600)
        return paths


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "preflight lab"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def make_certificates(
    names: tuple[str, ...] = ("mail.example.com",),
    *,
    now: datetime | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    self_signed: bool = False,
) -> LabCertificates:
    """A lab CA and a server certificate for ``names`` (valid from ``now`` for 90 days).

    ``self_signed`` makes the server certificate its own issuer (``ca_pem`` is then a
    different, unrelated CA, so verifying against it fails as it would in the wild).
    """
    start = now or datetime.now(timezone.utc).replace(microsecond=0)
    valid_from = not_before or start
    valid_to = not_after or start + timedelta(days=90)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("preflight lab CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - timedelta(days=1))
        .not_valid_after(start + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True,
                          crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(names[0])
    sans: list[x509.GeneralName] = []
    for n in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            sans.append(x509.DNSName(n))
    issuer_name, signer = (subject, key) if self_signed else (ca_name, ca_key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_to)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if not self_signed:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    cert = builder.sign(signer, hashes.SHA256())
    pem = serialization.Encoding.PEM
    return LabCertificates(
        ca_pem=ca.public_bytes(pem),
        cert_pem=cert.public_bytes(pem),
        key_pem=key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
    )
