"""SPF: one valid record per domain, within the lookup limits, and authorizing every new IP.

The record is fetched through our DNS layer (so "no record" and "could not ask" stay apart),
parsed and lookup-counted by checkdmarc, and evaluated per new IP with pyspf's RFC 7208
``check_host`` running on our resolver.
"""

from __future__ import annotations

from dataclasses import dataclass

from preflight.model import CheckResult, Evidence, FamilyOutput, Outcome, Status
from preflight.net.dns import DnsAnswer, DnsClient, DnsError, pyspf_resolver
from preflight.engine import RunContext, concurrent_map

RECORD_OK = Outcome("spf.record", "valid", Status.PASS, ("domain", "record"))
RECORD_MISSING = Outcome("spf.record", "missing", Status.FAIL, ("domain",))
RECORD_MULTIPLE = Outcome("spf.record", "multiple", Status.FAIL, ("domain", "count"))
RECORD_INVALID = Outcome("spf.record", "invalid", Status.FAIL, ("domain", "error"))
RECORD_ERROR = Outcome("spf.record", "error", Status.ERROR, ("domain", "reason"))

LOOKUPS_OK = Outcome("spf.lookups", "within_limits", Status.PASS, ("domain", "lookups", "void"))
LOOKUPS_TOO_MANY = Outcome("spf.lookups", "too_many", Status.FAIL, ("domain", "error"))
LOOKUPS_VOID = Outcome("spf.lookups", "too_many_void", Status.FAIL, ("domain", "error"))
LOOKUPS_ERROR = Outcome("spf.lookups", "error", Status.ERROR, ("domain", "reason"))
LOOKUPS_SKIPPED = Outcome("spf.lookups", "no_record", Status.SKIP, ("domain",))

AUTH_PASS = Outcome("spf.authorizes", "pass", Status.PASS, ("domain", "ip"))
AUTH_FAIL = Outcome("spf.authorizes", "fail", Status.FAIL, ("domain", "ip", "result"))
AUTH_SOFTFAIL = Outcome("spf.authorizes", "softfail", Status.FAIL, ("domain", "ip"))
AUTH_NEUTRAL = Outcome("spf.authorizes", "neutral", Status.WARN, ("domain", "ip"))
AUTH_PERMERROR = Outcome("spf.authorizes", "permerror", Status.FAIL, ("domain", "ip", "reason"))
AUTH_TEMPERROR = Outcome("spf.authorizes", "temperror", Status.ERROR, ("domain", "ip", "reason"))
AUTH_SKIPPED = Outcome("spf.authorizes", "no_record", Status.SKIP, ("domain", "ip"))


@dataclass(frozen=True)
class SpfFacts:
    """What DNS, checkdmarc and pyspf say about one domain's SPF."""

    domain: str
    txt: DnsAnswer | DnsError
    records: tuple[str, ...] = ()
    parse_error: str | None = None
    parse_error_kind: str | None = None
    """``syntax``, ``lookups``, ``void`` or ``dns`` (from checkdmarc's exception type)."""
    lookups: int | None = None
    void_lookups: int | None = None
    check_host: tuple[tuple[str, str, str], ...] = ()
    """(ip, result, explanation) per new IP."""


def spf_records(txt: DnsAnswer) -> tuple[str, ...]:
    """TXT strings that are SPF records (``v=spf1`` alone or followed by a space)."""
    return tuple(
        r for r in txt.records if r.lower() == "v=spf1" or r.lower().startswith("v=spf1 ")
    )


def _parse(dns: DnsClient, domain: str, record: str) -> tuple[str | None, str | None, int | None, int | None]:
    from checkdmarc import spf as cspf

    try:
        parsed = cspf.parse_spf_record(record, domain, resolver=dns.resolver(),
                                       timeout=dns.config.timeout)
    except cspf.SPFTooManyVoidDNSLookups as exc:
        return str(exc), "void", None, None
    except cspf.SPFTooManyDNSLookups as exc:
        return str(exc), "lookups", None, None
    except (cspf.SPFSyntaxError, cspf.SPFIncludeLoop, cspf.SPFRedirectLoop) as exc:
        return str(exc), "syntax", None, None
    except cspf.SPFError as exc:
        # checkdmarc raises the same SPFRecordNotFound for an include target that publishes no
        # SPF record (a permanent error in the record: a fact) and for one whose lookup timed
        # out or failed (could not check). Only a DNS transport failure in the chain is "dns".
        return str(exc), "dns" if _transport_failure(exc) else "syntax", None, None
    return None, None, int(parsed.get("dns_lookups", 0)), int(parsed.get("dns_void_lookups", 0))


def _transport_failure(exc: BaseException) -> bool:
    """True when ``exc`` was caused by a timeout, SERVFAIL/REFUSED or a network error."""
    import dns.exception
    import dns.resolver

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (dns.exception.Timeout, dns.resolver.NoNameservers, OSError)):
            return True
        current = current.__cause__ or current.__context__
    return False


def check_host(dns: DnsClient, ip: str, domain: str) -> tuple[str, str, str]:
    """RFC 7208 check_host(ip, domain) through ``dns``: (ip, result, explanation)."""
    import spf

    with pyspf_resolver(dns):
        query = spf.query(i=ip, s=f"postmaster@{domain}", h=domain,
                          timeout=dns.config.timeout * 4, querytime=dns.config.timeout * 8)
        result, _code, explanation = query.check()
    return ip, str(result), str(explanation)


def collect(dns: DnsClient, domain: str, ips: tuple[str, ...]) -> SpfFacts:
    """Fetch, parse and evaluate the SPF of ``domain`` for every IP."""
    try:
        txt = dns.query(domain, "TXT")
    except DnsError as exc:
        return SpfFacts(domain, exc)
    records = spf_records(txt)
    if len(records) != 1:
        return SpfFacts(domain, txt, records)
    error, kind, lookups, void = _parse(dns, domain, records[0])
    checks = tuple(concurrent_map(lambda ip: check_host(dns, ip, domain), ips, workers=4))
    return SpfFacts(domain, txt, records, error, kind, lookups, void, checks)


def evaluate(facts: SpfFacts) -> list[CheckResult]:
    """spf.record, spf.lookups and spf.authorizes for one domain."""
    d = facts.domain
    if isinstance(facts.txt, DnsError):
        return [RECORD_ERROR(d, [facts.txt.evidence()], domain=d, reason=facts.txt.reason)]
    ev = [facts.txt.evidence(f"TXT {d}")]
    if not facts.records:
        return [RECORD_MISSING(d, ev, domain=d), LOOKUPS_SKIPPED(d, domain=d)]
    if len(facts.records) > 1:
        return [RECORD_MULTIPLE(d, ev, domain=d, count=len(facts.records)), LOOKUPS_SKIPPED(d, domain=d)]
    out: list[CheckResult] = []
    err, kind = facts.parse_error, facts.parse_error_kind
    err_ev = ev + ([Evidence("checkdmarc", err, "SPF parser")] if err else [])
    if kind == "syntax":
        out.append(RECORD_INVALID(d, err_ev, domain=d, error=err))
    else:
        out.append(RECORD_OK(d, ev, domain=d, record=facts.records[0]))
    if kind == "lookups":
        out.append(LOOKUPS_TOO_MANY(d, err_ev, domain=d, error=err))
    elif kind == "void":
        out.append(LOOKUPS_VOID(d, err_ev, domain=d, error=err))
    elif kind == "dns":
        out.append(LOOKUPS_ERROR(d, err_ev, domain=d, reason=err))
    elif kind is None:
        out.append(LOOKUPS_OK(d, ev, domain=d, lookups=facts.lookups, void=facts.void_lookups))
    for ip, result, explanation in facts.check_host:
        out.append(_authorizes(d, ip, result, explanation, ev))
    return out


def _authorizes(d: str, ip: str, result: str, explanation: str, ev: list[Evidence]) -> CheckResult:
    subject = f"{d} ← {ip}"
    evidence = ev + [Evidence(f"check_host({ip}, {d})", f"{result}: {explanation}", "pyspf")]
    if result == "pass":
        return AUTH_PASS(subject, evidence, domain=d, ip=ip)
    if result == "softfail":
        return AUTH_SOFTFAIL(subject, evidence, domain=d, ip=ip)
    if result == "neutral":
        return AUTH_NEUTRAL(subject, evidence, domain=d, ip=ip)
    if result == "permerror":
        return AUTH_PERMERROR(subject, evidence, domain=d, ip=ip, reason=explanation)
    if result == "temperror":
        return AUTH_TEMPERROR(subject, evidence, domain=d, ip=ip, reason=explanation)
    if result == "none":
        return AUTH_SKIPPED(subject, evidence, domain=d, ip=ip)
    return AUTH_FAIL(subject, evidence, domain=d, ip=ip, result=result)


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: SPF of every sending domain."""
    ips = tuple(str(ip) for ip in ctx.config.target.ips)
    facts = concurrent_map(lambda d: collect(ctx.dns, d, ips), ctx.config.target.domains)
    return FamilyOutput(tuple(r for f in facts for r in evaluate(f)))
