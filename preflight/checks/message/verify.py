"""Our own verification of a received message: DKIM, SPF and the DMARC record (all I/O).

* DKIM: every signature (at most :data:`MAX_SIGNATURES`) is verified by ``dkimpy``; the key is
  fetched through preflight's DNS layer first, so "no key", "could not ask", "revoked key" and
  "bad key" stay apart, and dkimpy gets that same answer as its ``dnsfunc``. A body hash that does
  not match is reported as the body changed in transit — never as a bad key.
* SPF: RFC 7208 ``check_host`` for the receiving hop's client IP and the Return-Path domain (the
  HELO name for a null sender), through preflight's SPF path (pyspf on our resolver).
* DMARC: the record of the From domain (or its organizational domain), as the dmarc family reads it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import Enum

from preflight.checks.dmarc import DmarcFacts
from preflight.checks.dmarc import collect as collect_dmarc
from preflight.checks.spf import check_host
from preflight.i18n.messages import encode, piece
from preflight.i18n.problems import coded, quoted
from preflight.model import Evidence
from preflight.net.dns import DnsClient, DnsError

MAX_SIGNATURES = 5
_REVOKED = re.compile(r"(?:^|;)\s*p\s*=\s*(?:;|$)")
_LOG = logging.getLogger("preflight.message.dkim")
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False


class DkimOutcome(str, Enum):
    """What our verification of one DKIM signature found."""

    PASS = "pass"
    BODY_CHANGED = "body_changed"
    SIGNATURE_MISMATCH = "signature_mismatch"
    KEY_MISSING = "key_missing"
    KEY_REVOKED = "key_revoked"
    KEY_INVALID = "key_invalid"
    KEY_WEAK = "key_weak"
    EXPIRED = "expired"
    MALFORMED = "malformed"
    DNS_ERROR = "dns_error"
    NOT_JUDGED = "not_judged"
    """The message file was cut at the size limit: its body cannot be judged."""


@dataclass(frozen=True)
class DkimCheck:
    """One DKIM-Signature and what our verification found."""

    domain: str
    selector: str
    outcome: DkimOutcome
    detail: str
    evidence: tuple[Evidence, ...] = ()
    bits: int | None = None
    """The key size of a verified signature."""
    detail_i18n: str = ""
    """``detail`` as coded text: our words in the report's language, dkimpy's quoted as its own."""


def _dkimpy(domain: str, selector: str, outcome: DkimOutcome, exc: BaseException,
            evidence: tuple[Evidence, ...] = ()) -> DkimCheck:
    """A check whose detail is dkimpy's own message (quoted, never translated)."""
    text = str(exc)[:300]
    return DkimCheck(domain, selector, outcome, text, evidence, detail_i18n=coded(quoted("dkimpy", text)))


@dataclass(frozen=True)
class SpfCheck:
    """``check_host`` for the receiving hop's client."""

    ip: str
    domain: str
    identity: str
    """``mailfrom`` (the Return-Path domain) or ``helo`` (a null sender)."""
    result: str
    explanation: str


@dataclass(frozen=True)
class OwnVerdict:
    """Everything our own verification found."""

    dkim: tuple[DkimCheck, ...]
    signatures: int
    """How many DKIM-Signature fields the message has (only the first few are verified)."""
    spf: SpfCheck | None
    dmarc: DmarcFacts | None


def _text(value: bytes | None) -> str:
    return (value or b"").decode("ascii", errors="replace")[:253]


def _signature_count(data: bytes) -> int:
    import dkim

    try:
        headers, _ = dkim.rfc822_parse(data)
    except Exception:  # noqa: BLE001 - an unparsable message carries no signature dkimpy can check
        return 0
    return sum(1 for name, _ in headers if name.lower() == b"dkim-signature")


def verify_signature(dns: DnsClient, data: bytes, idx: int) -> DkimCheck:
    """Verify the ``idx``-th DKIM-Signature (0 = topmost) of ``data``."""
    import dkim

    signer = dkim.DKIM(data, logger=_LOG, timeout=dns.config.timeout, minkey=1024)
    try:
        prep = signer.verify_headerprep(idx)
    except Exception as exc:  # noqa: BLE001 - dkimpy raises its own and plain errors on hostile tags
        sig = signer.signature_fields or {}
        kind = DkimOutcome.EXPIRED if "x= value is past" in str(exc) else DkimOutcome.MALFORMED
        return _dkimpy(_text(sig.get(b"d")), _text(sig.get(b"s")), kind, exc)
    if not prep:
        return DkimCheck("", "", DkimOutcome.MALFORMED, "no DKIM-Signature at this position",
                         detail_i18n=encode([piece("message_dkim_no_signature_here")]))
    sig = prep[0]
    domain, selector = _text(sig.get(b"d")).lower(), _text(sig.get(b"s"))
    name = f"{selector}._domainkey.{domain}"
    answer = dns.ask(name, "TXT")
    if isinstance(answer, DnsError):
        return DkimCheck(domain, selector, DkimOutcome.DNS_ERROR, answer.reason, (answer.evidence(),))
    evidence = (answer.evidence(f"TXT {name}"),)
    records = [r for r in answer.records if "p=" in r]
    if not records:
        return DkimCheck(domain, selector, DkimOutcome.KEY_MISSING, answer.describe(), evidence)
    record = records[0]
    if _REVOKED.search(record):
        return DkimCheck(domain, selector, DkimOutcome.KEY_REVOKED, "p= is empty", evidence)
    key = record.encode("utf-8", errors="replace")
    try:
        dkim.evaluate_pk(name, key)
    except Exception as exc:  # noqa: BLE001 - dkimpy raises KeyFormatError, binascii.Error, ...
        return _dkimpy(domain, selector, DkimOutcome.KEY_INVALID, exc, evidence)
    try:
        ok = signer.verify(idx, dnsfunc=lambda _name, timeout=5: key)
    except dkim.ValidationError as exc:
        if "body hash mismatch" in str(exc):
            return DkimCheck(domain, selector, DkimOutcome.BODY_CHANGED, "body hash mismatch", evidence)
        return _dkimpy(domain, selector, DkimOutcome.MALFORMED, exc, evidence)
    except dkim.KeyFormatError as exc:
        kind = DkimOutcome.KEY_WEAK if "too small" in str(exc) else DkimOutcome.KEY_INVALID
        return _dkimpy(domain, selector, kind, exc, evidence)
    except Exception as exc:  # noqa: BLE001 - anything else dkimpy raises on a hostile signature
        return _dkimpy(domain, selector, DkimOutcome.MALFORMED, exc, evidence)
    if ok:
        return DkimCheck(domain, selector, DkimOutcome.PASS, f"{signer.keysize}-bit key", evidence, signer.keysize)
    return DkimCheck(domain, selector, DkimOutcome.SIGNATURE_MISMATCH,
                     "the signed header fields changed, or the key does not match", evidence)


def verify_dkim(dns: DnsClient, data: bytes, truncated: bool) -> tuple[tuple[DkimCheck, ...], int]:
    """Every DKIM signature (at most :data:`MAX_SIGNATURES`), and how many there are."""
    count = _signature_count(data)
    if truncated:
        return tuple(DkimCheck("", "", DkimOutcome.NOT_JUDGED, "message cut at the size limit")
                     for _ in range(min(count, 1))), count
    return tuple(verify_signature(dns, data, i) for i in range(min(count, MAX_SIGNATURES))), count


def verify_spf(dns: DnsClient, ip: str | None, mailfrom_domain: str | None, helo: str | None) -> SpfCheck | None:
    """check_host for the hop's IP: the Return-Path domain, or the HELO name for a null sender."""
    if not ip:
        return None
    domain, identity = (mailfrom_domain, "mailfrom") if mailfrom_domain else (helo, "helo")
    if not domain or "." not in domain:
        return None
    _, result, explanation = check_host(dns, ip, domain, helo)
    return SpfCheck(ip, domain, identity, result, explanation[:300])


def verify_dmarc(dns: DnsClient, from_domain: str | None) -> DmarcFacts | None:
    """The DMARC record that governs ``from_domain``."""
    return collect_dmarc(dns, from_domain) if from_domain else None


def own_verdict(dns: DnsClient, data: bytes, truncated: bool, ip: str | None,
                mailfrom_domain: str | None, helo: str | None, from_domain: str | None) -> OwnVerdict:
    """Our DKIM, SPF and DMARC verification of one message."""
    dkim_checks, count = verify_dkim(dns, data, truncated)
    return OwnVerdict(dkim_checks, count, verify_spf(dns, ip, mailfrom_domain, helo),
                      verify_dmarc(dns, from_domain))
