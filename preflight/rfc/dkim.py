"""DKIM key records (RFC 6376 §3.6.1, RFC 8301, RFC 8463): tag list, key type and size, usage.

No I/O: the key itself is loaded with ``cryptography`` to learn its real type and size.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from preflight.rfc.problems import RecordError, problem

MAX_VERIFIED_RSA_BITS = 4096
"""RFC 8301 §3.2: verifiers must handle 1024 to 4096 bits; larger keys are often refused."""


def is_key_record(text: str) -> bool:
    """True when a TXT string at ``<selector>._domainkey`` looks like a key record."""
    return "p=" in text or text.lstrip(" \t").startswith("v=DKIM1")


@dataclass(frozen=True)
class KeyInfo:
    """What a DKIM key record holds."""

    key_type: str
    bits: int | None
    revoked: bool
    testing: bool
    hashes: tuple[str, ...] | None = None
    """``h=`` (lower case) when present: the hash algorithms the key may be used with."""
    services: tuple[str, ...] | None = None
    """``s=`` (lower case) when present: the services the key is for."""

    @property
    def sha256_allowed(self) -> bool:
        """False when ``h=`` excludes sha256: only sha1, which RFC 8301 §3.1 forbids."""
        return self.hashes is None or "sha256" in self.hashes

    @property
    def for_email(self) -> bool:
        """False when ``s=`` names neither ``email`` nor ``*`` (RFC 6376 §3.6.1)."""
        return self.services is None or bool({"email", "*"} & set(self.services))


def parse_tags(record: str) -> dict[str, str]:
    """RFC 6376 §3.2 tag-list: ``k=v; k=v``; whitespace inside values is folded away.

    Raises :class:`~preflight.rfc.problems.RecordError` (a ValueError) naming the problem."""
    tags: dict[str, str] = {}
    for part in record.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise RecordError(problem("rfc_dkim_tag_without_value", part=repr(part.strip()[:40])))
        name = name.strip()
        if name in tags:
            raise RecordError(problem("rfc_dkim_duplicate_tag", name=repr(name[:40])))
        tags[name] = "".join(value.split())
    return tags


def parse_key_record(record: str) -> KeyInfo:
    """Parse a DKIM key record; raise :class:`~preflight.rfc.problems.RecordError` (a ValueError)
    naming the problem when it is not usable."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    tags = parse_tags(record)
    version = tags.get("v")
    if version is not None and version != "DKIM1":
        raise RecordError(problem("rfc_dkim_bad_version", version=repr(version[:20])))
    if version is not None and next(iter(tags)) != "v":
        raise RecordError(problem("rfc_dkim_version_not_first"))
    hashes = _list(tags, "h")
    services = _list(tags, "s")
    if "p" not in tags:
        raise RecordError(problem("rfc_dkim_no_key"))
    key_type = tags.get("k", "rsa").lower()
    testing = "y" in tags.get("t", "").lower().split(":")
    if tags["p"] == "":
        return KeyInfo(key_type, None, True, testing, hashes, services)
    try:
        raw = base64.b64decode(tags["p"], validate=True)
    except (binascii.Error, ValueError):
        raise RecordError(problem("rfc_dkim_bad_base64")) from None
    if key_type == "ed25519":
        if len(raw) != 32:
            raise RecordError(problem("rfc_dkim_ed25519_size", size=len(raw)))
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(raw)
        except (ValueError, UnsupportedAlgorithm):
            raise RecordError(problem("rfc_dkim_not_ed25519_key")) from None
        return KeyInfo("ed25519", 256, False, testing, hashes, services)
    if key_type != "rsa":
        raise RecordError(problem("rfc_dkim_unknown_key_type", key_type=key_type[:20]))
    # A SubjectPublicKeyInfo naming an unknown algorithm raises UnsupportedAlgorithm, not
    # ValueError: it is still just an unusable key record, never a crash of the family.
    try:
        key = load_der_public_key(raw)
    except (ValueError, UnsupportedAlgorithm):
        # Some publish the bare PKCS#1 RSAPublicKey instead of SubjectPublicKeyInfo.
        try:
            key = load_der_public_key(_wrap_pkcs1(raw))
        except (ValueError, UnsupportedAlgorithm):
            raise RecordError(problem("rfc_dkim_not_rsa_key")) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise RecordError(problem("rfc_dkim_rsa_key_mismatch"))
    return KeyInfo("rsa", key.key_size, False, testing, hashes, services)


def _list(tags: dict[str, str], name: str) -> tuple[str, ...] | None:
    if name not in tags:
        return None
    return tuple(item.lower() for item in tags[name].split(":") if item)


def _wrap_pkcs1(raw: bytes) -> bytes:
    """Wrap a PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo (DER)."""
    algo = bytes.fromhex("300d06092a864886f70d0101010500")
    bitstring = b"\x03" + _der_len(len(raw) + 1) + b"\x00" + raw
    body = algo + bitstring
    return b"\x30" + _der_len(len(body)) + body


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    size = (n.bit_length() + 7) // 8
    return bytes([0x80 | size]) + n.to_bytes(size, "big")


