"""DMARC: a valid record on the domain or its organizational domain, its policy, its reports.

Records are fetched through our DNS layer; checkdmarc parses them (on our resolver).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from preflight.model import CheckResult, Evidence, FamilyOutput, Outcome, Status
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.engine import RunContext, concurrent_map
from preflight.data.suffixes import registered_domain

RECORD_OK = Outcome("dmarc.record", "valid", Status.PASS, ("domain", "location", "record"))
RECORD_MISSING = Outcome("dmarc.record", "missing", Status.FAIL, ("domain",))
RECORD_MULTIPLE = Outcome("dmarc.record", "multiple", Status.FAIL, ("domain", "location"))
RECORD_INVALID = Outcome("dmarc.record", "invalid", Status.FAIL, ("domain", "location", "error"))
RECORD_ERROR = Outcome("dmarc.record", "error", Status.ERROR, ("domain", "reason"))

POLICY_ENFORCED = Outcome("dmarc.policy", "enforced", Status.PASS, ("domain", "policy"))
POLICY_NONE = Outcome("dmarc.policy", "none", Status.WARN, ("domain",))
POLICY_SKIPPED = Outcome("dmarc.policy", "no_record", Status.SKIP, ("domain",))

RUA_OK = Outcome("dmarc.reporting", "rua", Status.PASS, ("domain", "rua"))
RUA_MISSING = Outcome("dmarc.reporting", "no_rua", Status.WARN, ("domain",))
RUA_SKIPPED = Outcome("dmarc.reporting", "no_record", Status.SKIP, ("domain",))


@dataclass(frozen=True)
class DmarcFacts:
    """DMARC records found for one domain, where, and what checkdmarc made of them."""

    domain: str
    answers: tuple[DnsAnswer | DnsError, ...]
    location: str | None = None
    records: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    parse_error: str | None = None


def organizational_domain(domain: str) -> str:
    """The registrable domain (public suffix + 1), as DMARC defines it."""
    return registered_domain(domain)


def dmarc_records(answer: DnsAnswer) -> tuple[str, ...]:
    """TXT strings that are DMARC records."""
    return tuple(r for r in answer.records if r.strip().lower().startswith("v=dmarc1"))


def collect(dns: DnsClient, domain: str) -> DmarcFacts:
    """Look up ``_dmarc.<domain>``, then the organizational domain's, and parse what is found."""
    answers: list[DnsAnswer | DnsError] = []
    candidates = [domain]
    org = organizational_domain(domain)
    if org != domain:
        candidates.append(org)
    for name in candidates:
        qname = f"_dmarc.{name}"
        try:
            answer = dns.query(qname, "TXT")
        except DnsError as exc:
            answers.append(exc)
            return DmarcFacts(domain, tuple(answers))
        answers.append(answer)
        records = dmarc_records(answer)
        if records:
            if len(records) > 1:
                return DmarcFacts(domain, tuple(answers), name, records)
            return _parsed(dns, domain, tuple(answers), name, records)
    return DmarcFacts(domain, tuple(answers))


def _parsed(dns: DnsClient, domain: str, answers: tuple[DnsAnswer | DnsError, ...], location: str,
            records: tuple[str, ...]) -> DmarcFacts:
    from checkdmarc import dmarc as cdmarc

    try:
        parsed = cdmarc.parse_dmarc_record(records[0], location, resolver=dns.resolver(),
                                           timeout=dns.config.timeout)
    except cdmarc.DMARCError as exc:
        return DmarcFacts(domain, answers, location, records, parse_error=str(exc))
    tags = {k: _tag_text(v.get("value")) for k, v in parsed.get("tags", {}).items()
            if v.get("explicit", True)}
    return DmarcFacts(domain, answers, location, records, tags)


def _tag_text(value: object) -> str:
    if isinstance(value, list):
        parts = []
        for item in value:
            if isinstance(item, dict):
                parts.append(f"{item.get('scheme', 'mailto')}:{item.get('address', '')}")
            else:
                parts.append(str(item))
        return ",".join(parts)
    return "" if value is None else str(value)


def evaluate(facts: DmarcFacts) -> list[CheckResult]:
    """dmarc.record, dmarc.policy and dmarc.reporting for one domain."""
    d = facts.domain
    evidence = [a.evidence() for a in facts.answers]
    errors = [a for a in facts.answers if isinstance(a, DnsError)]
    if errors:
        return [RECORD_ERROR(d, evidence, domain=d, reason=errors[0].reason)]
    if not facts.records:
        return [RECORD_MISSING(d, evidence, domain=d), POLICY_SKIPPED(d, domain=d),
                RUA_SKIPPED(d, domain=d)]
    location = f"_dmarc.{facts.location}"
    if len(facts.records) > 1:
        return [RECORD_MULTIPLE(d, evidence, domain=d, location=location),
                POLICY_SKIPPED(d, domain=d), RUA_SKIPPED(d, domain=d)]
    if facts.parse_error:
        evidence.append(Evidence("checkdmarc", facts.parse_error, "DMARC parser"))
        return [RECORD_INVALID(d, evidence, domain=d, location=location, error=facts.parse_error),
                POLICY_SKIPPED(d, domain=d), RUA_SKIPPED(d, domain=d)]
    out = [RECORD_OK(d, evidence, domain=d, location=location, record=facts.records[0])]
    # A subdomain found via the organizational record is governed by sp= when present.
    policy = facts.tags.get("p", "none")
    if facts.location != d and facts.tags.get("sp"):
        policy = facts.tags["sp"]
    policy_ev = [Evidence("policy in effect", policy, location)]
    out.append(POLICY_NONE(d, policy_ev, domain=d) if policy == "none"
               else POLICY_ENFORCED(d, policy_ev, domain=d, policy=policy))
    rua = facts.tags.get("rua", "")
    out.append(RUA_OK(d, [Evidence("rua", rua, location)], domain=d, rua=rua) if rua
               else RUA_MISSING(d, evidence, domain=d))
    return out


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: DMARC of every sending domain."""
    facts = concurrent_map(lambda d: collect(ctx.dns, d), ctx.config.target.domains)
    return FamilyOutput(tuple(r for f in facts for r in evaluate(f)))
