"""DKIM: the public key of every (domain, selector) the new server will sign with.

The key record is read by :mod:`preflight.rfc.dkim` (RFC 6376 tag list, RFC 8301 hash and key
size rules, RFC 8463 Ed25519); the key itself is loaded with ``cryptography`` to learn its real
type and size. Several key records at one selector are reported as ambiguous, whichever DNS
happens to list first.
"""

from __future__ import annotations

from dataclasses import dataclass

from preflight.engine import RunContext, concurrent_map
from preflight.i18n.messages import Piece, encode, piece
from preflight.i18n.problems import coded, pieces, words
from preflight.model import CheckResult, Evidence, FamilyOutput, Outcome, Status
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.rfc.dkim import (
    MAX_VERIFIED_RSA_BITS,
    KeyInfo,
    is_key_record,
    parse_key_record,
    parse_tags,
)
from preflight.rfc.problems import RecordError

__all__ = ["KeyInfo", "collect", "evaluate", "parse_key_record", "parse_tags", "run"]

# An ``x_i18n`` param is ``x`` as coded text, rendered again in the report's language.
KEY_STRONG = Outcome("dkim.key", "strong", Status.PASS, ("domain", "selector", "key", "key_i18n"))
KEY_1024 = Outcome("dkim.key", "rsa_1024", Status.WARN, ("domain", "selector"))
KEY_WEAK = Outcome("dkim.key", "weak", Status.FAIL, ("domain", "selector", "bits"))
KEY_REVOKED = Outcome("dkim.key", "revoked", Status.FAIL, ("domain", "selector"))
KEY_TESTING = Outcome("dkim.key", "testing", Status.WARN, ("domain", "selector", "key", "key_i18n"))
KEY_MISSING = Outcome("dkim.key", "missing", Status.FAIL, ("domain", "selector", "name"))
KEY_INVALID = Outcome("dkim.key", "invalid", Status.FAIL, ("domain", "selector", "error", "error_i18n"))
KEY_ERROR = Outcome("dkim.key", "error", Status.ERROR, ("domain", "selector", "reason"))
NO_SELECTOR = Outcome("dkim.key", "no_selector", Status.SKIP, ("domain",))
KEY_SHA1_ONLY = Outcome("dkim.key", "sha1_only", Status.FAIL, ("domain", "selector", "hashes"))
KEY_NOT_EMAIL = Outcome("dkim.key", "not_for_email", Status.FAIL,
                        ("domain", "selector", "services"))
KEY_TOO_LARGE = Outcome("dkim.key", "rsa_too_large", Status.WARN, ("domain", "selector", "bits"))
KEY_AMBIGUOUS = Outcome("dkim.key", "ambiguous", Status.WARN, ("domain", "selector", "count"))


@dataclass(frozen=True)
class DkimFacts:
    """The TXT answer at ``<selector>._domainkey.<domain>``."""

    domain: str
    selector: str
    answer: DnsAnswer | DnsError


def collect(dns: DnsClient, domain: str, selector: str) -> DkimFacts:
    """Fetch one selector's key record."""
    return DkimFacts(domain, selector, dns.ask(f"{selector}._domainkey.{domain}", "TXT"))


def evaluate(facts: DkimFacts) -> CheckResult:
    """dkim.key for one (domain, selector)."""
    d, s, answer = facts.domain, facts.selector, facts.answer
    subject = f"{s}._domainkey.{d}"
    if isinstance(answer, DnsError):
        return KEY_ERROR(subject, [answer.evidence()], domain=d, selector=s, reason=answer.reason)
    ev = [answer.evidence()]
    records = sorted(r for r in answer.records if is_key_record(r))
    if not records:
        return KEY_MISSING(subject, ev, domain=d, selector=s, name=subject)
    if len(records) > 1:
        # RFC 6376 §3.6.2.2 lets a verifier use any of them: the outcome depends on which.
        ev += [Evidence(f"record {i}", words(said), "preflight", value_i18n=encode(said))
               for i, said in enumerate((_describe(r) for r in records), 1)]
        return KEY_AMBIGUOUS(subject, ev, domain=d, selector=s, count=len(records))
    try:
        info = parse_key_record(records[0])
    except RecordError as exc:
        return KEY_INVALID(subject, ev, domain=d, selector=s, error=words(exc.problem),
                           error_i18n=coded(exc.problem))
    if info.revoked:
        return KEY_REVOKED(subject, ev, domain=d, selector=s)
    if not info.for_email:
        services = ":".join(info.services or ())
        return KEY_NOT_EMAIL(subject, ev, domain=d, selector=s, services=services)
    if not info.sha256_allowed:
        return KEY_SHA1_ONLY(subject, ev, domain=d, selector=s, hashes=":".join(info.hashes or ()))
    key = _key_words(info)
    described, described_i18n = words(key), encode(key)
    if info.key_type == "rsa" and info.bits is not None:
        if info.bits < 1024:
            return KEY_WEAK(subject, ev, domain=d, selector=s, bits=info.bits)
        if info.bits < 2048:
            return KEY_1024(subject, ev, domain=d, selector=s)
        if info.bits > MAX_VERIFIED_RSA_BITS:
            return KEY_TOO_LARGE(subject, ev, domain=d, selector=s, bits=info.bits)
    if info.testing:
        return KEY_TESTING(subject, ev, domain=d, selector=s, key=described, key_i18n=described_i18n)
    return KEY_STRONG(subject, ev, domain=d, selector=s, key=described, key_i18n=described_i18n)


def _key_words(info: KeyInfo) -> list[Piece]:
    """"RSA 2048 bits" / "Ed25519" as coded text."""
    if info.key_type == "rsa":
        return [piece("dkim_key_rsa", bits=info.bits)]
    return [piece("dkim_key_ed25519")]


def _describe(record: str) -> list[Piece]:
    """One record's own verdict, for the evidence of an ambiguous selector (coded text)."""
    try:
        info = parse_key_record(record)
    except RecordError as exc:
        return [piece("dkim_record_unusable", problem=pieces(exc.problem))]
    if info.revoked:
        return [piece("dkim_record_revoked")]
    return _key_words(info)


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: every selector on every sending domain."""
    target = ctx.config.target
    if not target.dkim_selectors:
        return FamilyOutput(tuple(NO_SELECTOR(d, domain=d) for d in target.domains))
    pairs = [(d, s) for d in target.domains for s in target.dkim_selectors]
    facts = concurrent_map(lambda p: collect(ctx.dns, *p), pairs, workers=ctx.dns.config.concurrency)
    return FamilyOutput(tuple(evaluate(f) for f in facts))
