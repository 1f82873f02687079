"""MX of each sending domain, and the TTLs that decide how fast a cutover takes effect."""

from __future__ import annotations

import concurrent.futures
import ipaddress
from dataclasses import dataclass

from preflight.engine import RunContext, concurrent_map
from preflight.model import CheckResult, Evidence, FamilyOutput, Outcome, Status
from preflight.net.dns import DnsAnswer, DnsClient, DnsError, host_name_problem
from preflight.rfc.spf import is_spf_record
from preflight.values import Phase

MX_OK = Outcome("mx.present", "resolvable", Status.PASS, ("domain", "hosts"))
MX_MISSING = Outcome("mx.present", "missing", Status.FAIL, ("domain",))
MX_NULL = Outcome("mx.present", "null_mx", Status.WARN, ("domain",))
MX_NULL_MIXED = Outcome("mx.present", "null_mx_mixed", Status.FAIL, ("domain", "hosts"))
MX_INVALID = Outcome("mx.present", "invalid_name", Status.FAIL, ("domain", "host", "problem"))
MX_UNRESOLVABLE = Outcome("mx.present", "unresolvable", Status.FAIL, ("domain", "hosts"))
MX_ERROR = Outcome("mx.present", "error", Status.ERROR, ("domain", "reason"))

NEW_HOST_YES = Outcome("mx.new_host", "points_to_new", Status.PASS, ("domain", "hosts"))
NEW_HOST_NOT_YET = Outcome("mx.new_host", "not_yet", Status.PASS, ("domain", "hosts"))
NEW_HOST_STILL_OLD = Outcome("mx.new_host", "still_old", Status.FAIL, ("domain", "hosts"))
NEW_HOST_SKIPPED = Outcome("mx.new_host", "unknown", Status.SKIP, ("domain",))
NEW_HOST_ERROR = Outcome("mx.new_host", "error", Status.ERROR, ("domain", "reason"))

TTL_OK = Outcome("ttl.records", "low", Status.PASS, ("name", "rrtype", "ttl"))
TTL_HIGH = Outcome("ttl.records", "high", Status.WARN, ("name", "rrtype", "ttl", "limit"))
TTL_ERROR = Outcome("ttl.records", "error", Status.ERROR, ("name", "rrtype", "reason"))

TTL_LIMIT = 3600
"""Seconds; above this a cutover takes too long to reach every resolver."""


@dataclass(frozen=True)
class MxFacts:
    """One domain's MX answer and the addresses of each MX host."""

    domain: str
    mx: DnsAnswer | DnsError
    hosts: tuple[tuple[str, tuple[DnsAnswer | DnsError, ...]], ...] = ()


def collect_mx(dns: DnsClient, domain: str) -> MxFacts:
    """MX of ``domain`` and A/AAAA of every exchange."""
    mx = dns.ask(domain, "MX")
    if isinstance(mx, DnsError):
        return MxFacts(domain, mx)
    hosts = [h for _, h in mx.mx() if not _null(h) and not host_name_problem(h)][:10]
    # A and AAAA of every MX host in one wave (at most 10 hosts: 20 questions).
    found = concurrent_map(lambda q: dns.ask(*q), [(h, t) for h in hosts for t in ("A", "AAAA")],
                           workers=20)
    pairs = tuple((h, tuple(found[2 * i:2 * i + 2])) for i, h in enumerate(hosts))
    return MxFacts(domain, mx, pairs)


def _null(host: str) -> bool:
    """The target of a null MX (RFC 7505): the root."""
    return host in ("", ".")


def evaluate_mx(facts: MxFacts, hostname: str | None, ips: tuple[str, ...],
                phase: Phase = Phase.BEFORE) -> list[CheckResult]:
    """mx.present and mx.new_host for one domain (after cutover, MX must point at the new host)."""
    d = facts.domain
    if isinstance(facts.mx, DnsError):
        return [MX_ERROR(d, [facts.mx.evidence()], domain=d, reason=facts.mx.reason),
                NEW_HOST_SKIPPED(d, domain=d)]
    ev = [facts.mx.evidence(f"MX {d}")]
    pairs = facts.mx.mx()
    if not pairs:
        return [MX_MISSING(d, ev, domain=d), NEW_HOST_SKIPPED(d, domain=d)]
    if all(_null(host) for _, host in pairs):  # RFC 7505: the domain accepts no mail
        return [MX_NULL(d, ev, domain=d), NEW_HOST_SKIPPED(d, domain=d)]
    shown = ", ".join(f"{p} {h}" for p, h in pairs)
    if any(_null(host) for _, host in pairs):  # RFC 7505 §3: a null MX must stand alone
        return [MX_NULL_MIXED(d, ev, domain=d, hosts=shown), NEW_HOST_SKIPPED(d, domain=d)]
    bad = [(h, p) for _, h in pairs for p in (host_name_problem(h),) if p]
    if bad:  # senders refuse an exchange that is not a host name
        return [MX_INVALID(d, ev, domain=d, host=bad[0][0], problem=bad[0][1]),
                NEW_HOST_SKIPPED(d, domain=d)]
    addresses: set[str] = set()
    dead: list[str] = []
    unanswered: list[str] = []
    for host, answers in facts.hosts:
        ev.extend(a.evidence() for a in answers)
        aliased = [t for a in answers if isinstance(a, DnsAnswer) for t in a.cname_chain
                   if host_name_problem(t)]
        if aliased:  # the exchange is an alias to a name that is no host name
            return [MX_INVALID(d, ev, domain=d, host=aliased[0], problem=host_name_problem(aliased[0])),
                    NEW_HOST_SKIPPED(d, domain=d)]
        errors = [a for a in answers if isinstance(a, DnsError)]
        found = [r for a in answers if isinstance(a, DnsAnswer) for r in a.records]
        if errors and not found:
            return [MX_ERROR(d, ev, domain=d, reason=f"{host}: {errors[0].reason}"),
                    NEW_HOST_SKIPPED(d, domain=d)]
        if errors:
            unanswered.append(f"{host}: {errors[0].reason}")
        if not found:
            dead.append(host)
        addresses.update(str(ipaddress.ip_address(x)) for x in found)
    out = [MX_UNRESOLVABLE(d, ev, domain=d, hosts=", ".join(dead)) if dead
           else MX_OK(d, ev, domain=d, hosts=shown)]
    mx_hosts = {h for _, h in pairs}
    new_ips = {str(ipaddress.ip_address(ip)) for ip in ips}
    if (hostname and hostname in mx_hosts) or (addresses & new_ips):
        out.append(NEW_HOST_YES(d, ev[:1], domain=d, hosts=shown))
    elif phase == Phase.AFTER and unanswered:
        # An address that could not be learned may be the new one: not proof of "still old".
        out.append(NEW_HOST_ERROR(d, ev, domain=d, reason="; ".join(unanswered)))
    elif phase == Phase.AFTER:
        out.append(NEW_HOST_STILL_OLD(d, ev[:1], domain=d, hosts=shown))
    else:
        out.append(NEW_HOST_NOT_YET(d, ev[:1], domain=d, hosts=shown))
    return out


def evaluate_ttl(name: str, rrtype: str, answer: DnsAnswer | DnsError) -> CheckResult | None:
    """ttl.records for one record set; None when there is no record to time."""
    subject = f"{rrtype} {name}"
    if isinstance(answer, DnsError):
        return TTL_ERROR(subject, [answer.evidence()], name=name, rrtype=rrtype, reason=answer.reason)
    if not answer.records or answer.ttl is None:
        return None
    ev = [Evidence(f"{rrtype} {name}", f"TTL {answer.ttl} s", f"@ {answer.server}")]
    if answer.ttl > TTL_LIMIT:
        return TTL_HIGH(subject, ev, name=name, rrtype=rrtype, ttl=answer.ttl, limit=TTL_LIMIT)
    return TTL_OK(subject, ev, name=name, rrtype=rrtype, ttl=answer.ttl)


def _ttl_questions(domains: tuple[str, ...], hostname: str | None) -> list[tuple[str, str]]:
    questions = [(d, rrtype) for d in domains for rrtype in ("MX", "TXT")]
    if hostname:
        questions += [(hostname, "A"), (hostname, "AAAA")]
    return questions


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: MX of every domain, then TTLs of MX, SPF TXT and the host's A/AAAA."""
    target = ctx.config.target
    ips = tuple(str(ip) for ip in target.ips)
    # The TTL questions need no MX answer: asked beside the MX walk, not after it.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(ctx.dns.gather, _ttl_questions(target.domains, target.hostname))
        mx_facts = concurrent_map(lambda d: collect_mx(ctx.dns, d), target.domains,
                                  workers=ctx.dns.config.concurrency)
        ahead.result()
    results = [r for f in mx_facts for r in evaluate_mx(f, target.hostname, ips, target.phase)]

    def timed(question: tuple[str, str]) -> CheckResult | None:
        name, rrtype = question
        answer = ctx.dns.ask(name, rrtype)
        if rrtype == "TXT" and isinstance(answer, DnsAnswer):
            spf = tuple(r for r in answer.records if is_spf_record(r))
            answer = DnsAnswer(answer.qname, answer.rdtype, spf, answer.ttl, answer.server)
            rrtype = "TXT (SPF)"
        return evaluate_ttl(name, rrtype, answer)

    ttl = concurrent_map(timed, _ttl_questions(target.domains, target.hostname),
                         workers=ctx.dns.config.concurrency)
    results.extend(r for r in ttl if r is not None)
    return FamilyOutput(tuple(results))
