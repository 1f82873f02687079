"""DMARC: a valid record on the domain or its organizational domain, its policy, its reports.

Discovery and tag parsing follow RFC 7489 (:mod:`preflight.rfc.dmarc`), every lookup through
our DNS layer: ``_dmarc.<domain>``, then the organizational domain's; records not starting with
``v=DMARC1`` are discarded (§6.6.3). ``pct`` is applied as receivers apply it (§6.6.4). Report
destinations in another organizational domain must publish
``<domain>._report._dmarc.<destination>`` (§7.1) or no report is sent. checkdmarc (on our
resolver) is asked for its advice, which is reported as ``dmarc.advice``.
"""

from __future__ import annotations

from dataclasses import dataclass

from preflight.data.suffixes import registered_domain
from preflight.engine import RunContext, concurrent_map
from preflight.i18n.problems import coded, pieces, quoted, words
from preflight.model import CheckResult, Evidence, FamilyOutput, Outcome, Status
from preflight.net.checkdmarc_bridge import checkdmarc_dns, preload
from preflight.net.checkdmarc_import import checkdmarc_module
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.rfc.dmarc import (
    DmarcRecord,
    dmarc_records,
    effective_policy,
    parse,
    report_authorization_name,
)
from preflight.rfc.problems import problem

RECORD_OK = Outcome("dmarc.record", "valid", Status.PASS, ("domain", "location", "record"))
RECORD_MISSING = Outcome("dmarc.record", "missing", Status.FAIL, ("domain",))
RECORD_MULTIPLE = Outcome("dmarc.record", "multiple", Status.FAIL, ("domain", "location"))
RECORD_INVALID = Outcome("dmarc.record", "invalid", Status.FAIL,
                         ("domain", "location", "error", "error_i18n"))
RECORD_ERROR = Outcome("dmarc.record", "error", Status.ERROR, ("domain", "reason"))

POLICY_ENFORCED = Outcome("dmarc.policy", "enforced", Status.PASS, ("domain", "policy"))
POLICY_NONE = Outcome("dmarc.policy", "none", Status.WARN, ("domain",))
POLICY_PARTIAL = Outcome("dmarc.policy", "partial", Status.WARN,
                         ("domain", "policy", "pct", "rest"))
POLICY_PCT_ZERO = Outcome("dmarc.policy", "pct_zero", Status.WARN,
                          ("domain", "policy", "effective"))
POLICY_SKIPPED = Outcome("dmarc.policy", "no_record", Status.SKIP, ("domain",))

RUA_OK = Outcome("dmarc.reporting", "rua", Status.PASS, ("domain", "rua"))
RUA_MISSING = Outcome("dmarc.reporting", "no_rua", Status.WARN, ("domain",))
RUA_UNAUTHORIZED = Outcome("dmarc.reporting", "unauthorized", Status.WARN,
                           ("domain", "destinations", "names"))
RUA_AUTH_ERROR = Outcome("dmarc.reporting", "error", Status.ERROR, ("domain", "reason"))
RUA_SKIPPED = Outcome("dmarc.reporting", "no_record", Status.SKIP, ("domain",))

ADVICE_NONE = Outcome("dmarc.advice", "none", Status.PASS, ("domain",))
ADVICE = Outcome("dmarc.advice", "warnings", Status.WARN,
                 ("domain", "count", "warnings", "warnings_i18n"))
# An ``x_i18n`` param is ``x`` as coded text: our RFC 7489 findings in the report's language,
# checkdmarc's warnings quoted and labelled as checkdmarc's.


@dataclass(frozen=True)
class DmarcFacts:
    """DMARC records found for one domain, where, and what the lookups they need returned."""

    domain: str
    answers: tuple[DnsAnswer | DnsError, ...]
    location: str | None = None
    records: tuple[str, ...] = ()
    authorizations: tuple[tuple[str, DnsAnswer | DnsError], ...] = ()
    """(destination domain, TXT answer at <location>._report._dmarc.<destination>)."""
    advice: tuple[str, ...] = ()
    """checkdmarc's warnings (and the message of an exception it raised)."""

    @property
    def record(self) -> DmarcRecord | None:
        """The one record found, parsed (None when there are none or several)."""
        return parse(self.records[0]) if len(self.records) == 1 else None

    @property
    def parse_error(self) -> str | None:
        """Why receivers apply no DMARC with the one record found (RFC 7489 §6.6.3), or None."""
        record = self.record
        return None if record is None or record.error is None else words(record.error)

    @property
    def tags(self) -> dict[str, str]:
        """The record's known tags (names and policy/alignment values in lower case); ``p`` is
        the policy receivers apply (``none`` when only a usable ``rua=`` saved the record)."""
        record = self.record
        if record is None:
            return {}
        tags = {k: v.lower() if k in ("p", "sp", "adkim", "aspf") else v
                for k, v in record.tags.items()}
        if record.policy is not None:
            tags["p"] = record.policy
        return tags


_COVERED = (
    "A p tag value of none",
    "An sp tag value of none",
    "rua tag (destination for aggregate reports) not found",
    "does not indicate that it accepts DMARC reports about",
)
"""checkdmarc warnings that dmarc.policy (none) and dmarc.reporting (no_rua, unauthorized) give."""


def organizational_domain(domain: str) -> str:
    """The registrable domain (public suffix + 1), as DMARC defines it."""
    return registered_domain(domain)


def collect(dns: DnsClient, domain: str) -> DmarcFacts:
    """Look up ``_dmarc.<domain>``, then the organizational domain's, and what the record needs."""
    answers: list[DnsAnswer | DnsError] = []
    candidates = [domain]
    org = organizational_domain(domain)
    if org != domain:
        candidates.append(org)
    for name in candidates:
        answer = dns.ask(f"_dmarc.{name}", "TXT")
        answers.append(answer)
        if isinstance(answer, DnsError):
            return DmarcFacts(domain, tuple(answers))
        records = dmarc_records(answer.records)
        if records:
            record = parse(records[0])
            external = _external(name, record)
            # Everything the report destinations need, ours and checkdmarc's, asked at once.
            questions = _destination_questions(name, record, external)
            if questions:
                dns.gather(questions)
            auth = tuple(_authorization(dns, name, dest) for dest in external)
            return DmarcFacts(domain, tuple(answers), name, records, auth,
                              _advice(dns, name, records[0]))
    return DmarcFacts(domain, tuple(answers))


def _external(location: str, record: DmarcRecord) -> list[str]:
    """Report destination domains outside the record's organizational domain (§7.1)."""
    own = organizational_domain(location)
    hosts = {uri.host for uri in record.rua + record.ruf if uri.host}
    return sorted(h for h in hosts if organizational_domain(h) != own)


MAX_AHEAD = 10
"""Report destinations whose questions are asked ahead, together."""


def _destination_questions(location: str, record: DmarcRecord,
                           external: list[str]) -> list[tuple[str, str]]:
    """The report destinations' questions: each external one's authorization record (and the
    wildcard one checkdmarc looks for first), and every mailbox domain's MX (checkdmarc's check)."""
    mailboxes = sorted({uri.host for uri in record.rua + record.ruf if uri.host})
    ahead = external[:MAX_AHEAD]  # beyond: asked one by one, as before
    return ([(report_authorization_name(location, dest), "TXT") for dest in ahead]
            + [(f"*._report._dmarc.{dest}", "TXT") for dest in ahead]
            + [(host, "MX") for host in mailboxes[:MAX_AHEAD]])


def _authorization(dns: DnsClient, location: str, dest: str) -> tuple[str, DnsAnswer | DnsError]:
    try:
        return dest, dns.query(report_authorization_name(location, dest), "TXT")
    except DnsError as exc:
        return dest, exc


def _advice(dns: DnsClient, location: str, record: str) -> tuple[str, ...]:
    cdmarc = checkdmarc_module("dmarc")  # light: preflight.net.checkdmarc_import

    try:
        parsed = cdmarc.parse_dmarc_record(record, location, **checkdmarc_dns(dns))
    except cdmarc.DMARCError as exc:
        warnings = [str(exc)]
    else:
        warnings = [str(w) for w in parsed.get("warnings", [])]
    return tuple(w for w in warnings if not any(covered in w for covered in _COVERED))


def evaluate(facts: DmarcFacts) -> list[CheckResult]:
    """dmarc.record, dmarc.policy, dmarc.reporting and dmarc.advice for one domain."""
    d = facts.domain
    evidence = [a.evidence() for a in facts.answers]
    errors = [a for a in facts.answers if isinstance(a, DnsError)]
    if errors:
        return [RECORD_ERROR(d, evidence, domain=d, reason=errors[0].reason)]
    skipped = [POLICY_SKIPPED(d, domain=d), RUA_SKIPPED(d, domain=d)]
    if not facts.records:
        return [RECORD_MISSING(d, evidence, domain=d), *skipped]
    location = f"_dmarc.{facts.location}"
    if len(facts.records) > 1:
        return [RECORD_MULTIPLE(d, evidence, domain=d, location=location), *skipped]
    record = parse(facts.records[0])
    advice = [_advice_result(d, record, facts.advice)]
    if record.error or record.policy is None:
        found = record.error or problem("rfc_dmarc_no_policy")
        error, code = words(found), coded(found)
        evidence.append(Evidence("RFC 7489", error, "preflight", value_i18n=code))
        return [RECORD_INVALID(d, evidence, domain=d, location=location, error=error, error_i18n=code),
                *skipped, *advice]
    out = [RECORD_OK(d, evidence, domain=d, location=location, record=facts.records[0])]
    out.append(_policy(d, facts, record, location))
    out.append(_reporting(d, facts, record, location, evidence))
    return out + advice


def _advice_result(d: str, record: DmarcRecord, parser: tuple[str, ...]) -> CheckResult:
    """Values discarded under RFC 7489 §6.3 and checkdmarc's warnings, as one result."""
    ev = [Evidence("RFC 7489", words(note), "preflight", value_i18n=coded(note)) for note in record.notes]
    ev += [Evidence("checkdmarc", text, "DMARC parser") for text in parser]
    if not ev:
        return ADVICE_NONE(d, domain=d)
    said = [p for note in record.notes for p in pieces(note)]
    said += [p for text in parser for p in quoted("checkdmarc", text)]
    return ADVICE(d, ev, domain=d, count=len(ev), warnings=words(said), warnings_i18n=coded(said))


def _policy(d: str, facts: DmarcFacts, record: DmarcRecord, location: str) -> CheckResult:
    # A subdomain found via the organizational record is governed by sp= when present.
    policy = record.policy or "none"
    if facts.location != d and record.subdomain_policy:
        policy = record.subdomain_policy
    shown = f"{policy}; pct={record.pct}" if "pct" in record.tags else policy
    ev = [Evidence("policy in effect", shown, location)]
    if policy == "none":
        return POLICY_NONE(d, ev, domain=d)
    sampled, rest = effective_policy(policy, record.pct)
    if record.pct <= 0:
        return POLICY_PCT_ZERO(d, ev, domain=d, policy=policy, effective=sampled)
    if rest is not None:
        return POLICY_PARTIAL(d, ev, domain=d, policy=policy, pct=record.pct, rest=rest)
    return POLICY_ENFORCED(d, ev, domain=d, policy=policy)


def _reporting(d: str, facts: DmarcFacts, record: DmarcRecord, location: str,
               evidence: list[Evidence]) -> CheckResult:
    rua = ",".join(str(u) for u in record.rua)
    if not record.rua:
        return RUA_MISSING(d, evidence, domain=d)
    ev = [Evidence("rua", rua, location)]
    unauthorized, failed = [], []
    for dest, answer in facts.authorizations:
        name = report_authorization_name(str(facts.location), dest)
        if isinstance(answer, DnsError):
            failed.append(answer)
            ev.append(answer.evidence())
            continue
        ev.append(answer.evidence(f"TXT {name}"))
        if not dmarc_records(answer.records):
            unauthorized.append((dest, name))
    if unauthorized:
        return RUA_UNAUTHORIZED(d, ev, domain=d, destinations=", ".join(u[0] for u in unauthorized),
                                names=", ".join(u[1] for u in unauthorized))
    if failed:
        return RUA_AUTH_ERROR(d, ev, domain=d, reason=failed[0].reason)
    return RUA_OK(d, ev, domain=d, rua=rua)


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: DMARC of every sending domain."""
    if ctx.config.target.domains:
        preload()  # checkdmarc loads while the first answers are on their way
    facts = concurrent_map(lambda d: collect(ctx.dns, d), ctx.config.target.domains)
    return FamilyOutput(tuple(r for f in facts for r in evaluate(f)))
