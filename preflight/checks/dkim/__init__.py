"""DKIM: the public key of every (domain, selector) the new server will sign with.

The key record is parsed with RFC 6376 tag=value rules; the key itself is loaded with
``cryptography`` to learn its real type and size.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from preflight.model import CheckResult, FamilyOutput, Outcome, Status
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.engine import RunContext, concurrent_map

KEY_STRONG = Outcome("dkim.key", "strong", Status.PASS, ("domain", "selector", "key"))
KEY_1024 = Outcome("dkim.key", "rsa_1024", Status.WARN, ("domain", "selector"))
KEY_WEAK = Outcome("dkim.key", "weak", Status.FAIL, ("domain", "selector", "bits"))
KEY_REVOKED = Outcome("dkim.key", "revoked", Status.FAIL, ("domain", "selector"))
KEY_TESTING = Outcome("dkim.key", "testing", Status.WARN, ("domain", "selector", "key"))
KEY_MISSING = Outcome("dkim.key", "missing", Status.FAIL, ("domain", "selector", "name"))
KEY_INVALID = Outcome("dkim.key", "invalid", Status.FAIL, ("domain", "selector", "error"))
KEY_ERROR = Outcome("dkim.key", "error", Status.ERROR, ("domain", "selector", "reason"))
NO_SELECTOR = Outcome("dkim.key", "no_selector", Status.SKIP, ("domain",))


@dataclass(frozen=True)
class KeyInfo:
    """What a DKIM key record holds."""

    key_type: str
    bits: int | None
    revoked: bool
    testing: bool


def parse_tags(record: str) -> dict[str, str]:
    """RFC 6376 §3.2 tag-list: ``k=v; k=v``; whitespace inside values is folded away."""
    tags: dict[str, str] = {}
    for part in record.split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep:
            raise ValueError(f"tag without '=': {part.strip()[:40]!r}")
        name = name.strip()
        if name in tags:
            raise ValueError(f"duplicate tag {name!r}")
        tags[name] = "".join(value.split())
    return tags


def parse_key_record(record: str) -> KeyInfo:
    """Parse a DKIM key record; raise ValueError with the reason when it is not usable."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    tags = parse_tags(record)
    version = tags.get("v")
    if version is not None and version != "DKIM1":
        raise ValueError(f"v= must be DKIM1, found {version[:20]!r}")
    if "p" not in tags:
        raise ValueError("no p= tag (public key)")
    key_type = tags.get("k", "rsa").lower()
    testing = "y" in tags.get("t", "").lower().split(":")
    if tags["p"] == "":
        return KeyInfo(key_type, None, revoked=True, testing=testing)
    try:
        raw = base64.b64decode(tags["p"], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("p= is not valid base64") from None
    if key_type == "ed25519":
        if len(raw) != 32:
            raise ValueError(f"ed25519 key must be 32 bytes, found {len(raw)}")
        ed25519.Ed25519PublicKey.from_public_bytes(raw)
        return KeyInfo("ed25519", 256, revoked=False, testing=testing)
    if key_type != "rsa":
        raise ValueError(f"unknown key type k={key_type[:20]}")
    # A SubjectPublicKeyInfo naming an unknown algorithm raises UnsupportedAlgorithm, not
    # ValueError: it is still just an unusable key record, never a crash of the family.
    try:
        key = load_der_public_key(raw)
    except (ValueError, UnsupportedAlgorithm):
        # Some publish the bare PKCS#1 RSAPublicKey instead of SubjectPublicKeyInfo.
        try:
            key = load_der_public_key(_wrap_pkcs1(raw))
        except (ValueError, UnsupportedAlgorithm):
            raise ValueError("p= does not hold an RSA public key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("k=rsa but p= is not an RSA key")
    return KeyInfo("rsa", key.key_size, revoked=False, testing=testing)


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


@dataclass(frozen=True)
class DkimFacts:
    """The TXT answer at ``<selector>._domainkey.<domain>``."""

    domain: str
    selector: str
    answer: DnsAnswer | DnsError


def collect(dns: DnsClient, domain: str, selector: str) -> DkimFacts:
    """Fetch one selector's key record."""
    try:
        return DkimFacts(domain, selector, dns.query(f"{selector}._domainkey.{domain}", "TXT"))
    except DnsError as exc:
        return DkimFacts(domain, selector, exc)


def evaluate(facts: DkimFacts) -> CheckResult:
    """dkim.key for one (domain, selector)."""
    d, s, answer = facts.domain, facts.selector, facts.answer
    subject = f"{s}._domainkey.{d}"
    if isinstance(answer, DnsError):
        return KEY_ERROR(subject, [answer.evidence()], domain=d, selector=s, reason=answer.reason)
    ev = [answer.evidence()]
    records = [r for r in answer.records if "p=" in r or r.startswith("v=DKIM1")]
    if not records:
        return KEY_MISSING(subject, ev, domain=d, selector=s, name=subject)
    try:
        info = parse_key_record(records[0])
    except ValueError as exc:
        return KEY_INVALID(subject, ev, domain=d, selector=s, error=str(exc))
    if info.revoked:
        return KEY_REVOKED(subject, ev, domain=d, selector=s)
    described = f"{info.key_type.upper()} {info.bits} bits" if info.key_type == "rsa" else "Ed25519"
    if info.key_type == "rsa" and info.bits is not None:
        if info.bits < 1024:
            return KEY_WEAK(subject, ev, domain=d, selector=s, bits=info.bits)
        if info.bits < 2048:
            return KEY_1024(subject, ev, domain=d, selector=s)
    if info.testing:
        return KEY_TESTING(subject, ev, domain=d, selector=s, key=described)
    return KEY_STRONG(subject, ev, domain=d, selector=s, key=described)


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: every selector on every sending domain."""
    target = ctx.config.target
    if not target.dkim_selectors:
        return FamilyOutput(tuple(NO_SELECTOR(d, domain=d) for d in target.domains))
    pairs = [(d, s) for d in target.domains for s in target.dkim_selectors]
    facts = concurrent_map(lambda p: collect(ctx.dns, *p), pairs, workers=ctx.dns.config.concurrency)
    return FamilyOutput(tuple(evaluate(f) for f in facts))
