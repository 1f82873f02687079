"""SPF: one valid record per domain, within the lookup limits, and authorizing every new IP.

The record is fetched through our DNS layer (so "no record" and "could not ask" stay apart),
judged against the RFC 7208 grammar (:mod:`preflight.rfc.spf`), lookup-counted by checkdmarc,
and evaluated per new IP with pyspf's RFC 7208 ``check_host`` running on our resolver, with the
new server's ``--hostname`` as the HELO identity (``%{h}``). The sender is
``postmaster@<domain>``: a record whose answer depends on the local part (``%{l}``, ``%{s}``)
is judged for that sender only.
"""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass

from preflight.checks.spf.prefetch import prefetch
from preflight.engine import RunContext, concurrent_map
from preflight.i18n.problems import coded, quoted, words
from preflight.model import CheckResult, Evidence, FamilyOutput, Outcome, Status
from preflight.net.checkdmarc_bridge import checkdmarc_dns, preload
from preflight.net.checkdmarc_import import checkdmarc_module
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.net.spfbridge import pyspf_resolver, rfc_query
from preflight.rfc.problems import Problem, problem
from preflight.rfc.spf import is_spf_record, risky_terms, syntax_error

RECORD_OK = Outcome("spf.record", "valid", Status.PASS, ("domain", "record"))
RECORD_MISSING = Outcome("spf.record", "missing", Status.FAIL, ("domain",))
RECORD_MULTIPLE = Outcome("spf.record", "multiple", Status.FAIL, ("domain", "count"))
RECORD_INVALID = Outcome("spf.record", "invalid", Status.FAIL, ("domain", "error", "error_i18n"))
RECORD_PASS_ALL = Outcome("spf.record", "pass_all", Status.FAIL, ("domain", "record"))
RECORD_PTR = Outcome("spf.record", "ptr", Status.WARN, ("domain", "record"))
RECORD_ERROR = Outcome("spf.record", "error", Status.ERROR, ("domain", "reason"))

LOOKUPS_OK = Outcome("spf.lookups", "within_limits", Status.PASS, ("domain", "lookups", "void"))
LOOKUPS_TOO_MANY = Outcome("spf.lookups", "too_many", Status.FAIL, ("domain", "error", "error_i18n"))
LOOKUPS_VOID = Outcome("spf.lookups", "too_many_void", Status.FAIL, ("domain", "error", "error_i18n"))
LOOKUPS_ERROR = Outcome("spf.lookups", "error", Status.ERROR, ("domain", "reason", "reason_i18n"))
# An ``x_i18n`` param is ``x`` as coded text: our own findings (RFC 7208 grammar) in the report's
# language, checkdmarc's and pyspf's messages quoted and labelled as theirs.
LOOKUPS_SKIPPED = Outcome("spf.lookups", "no_record", Status.SKIP, ("domain",))

AUTH_PASS = Outcome("spf.authorizes", "pass", Status.PASS, ("domain", "ip"))
AUTH_FAIL = Outcome("spf.authorizes", "fail", Status.FAIL, ("domain", "ip", "result"))
AUTH_SOFTFAIL = Outcome("spf.authorizes", "softfail", Status.FAIL, ("domain", "ip"))
AUTH_NEUTRAL = Outcome("spf.authorizes", "neutral", Status.WARN, ("domain", "ip"))
AUTH_PERMERROR = Outcome("spf.authorizes", "permerror", Status.FAIL, ("domain", "ip", "reason", "reason_i18n"))
AUTH_TEMPERROR = Outcome("spf.authorizes", "temperror", Status.ERROR, ("domain", "ip", "reason", "reason_i18n"))
AUTH_SKIPPED = Outcome("spf.authorizes", "no_record", Status.SKIP, ("domain", "ip"))


@dataclass(frozen=True)
class SpfFacts:
    """What DNS, checkdmarc and pyspf say about one domain's SPF."""

    domain: str
    txt: DnsAnswer | DnsError
    records: tuple[str, ...] = ()
    parse_error: str | None = None
    parse_error_kind: str | None = None
    """``syntax``, ``chain``, ``lookups``, ``void`` or ``dns`` (from checkdmarc's exception type):
    ``syntax`` is checkdmarc's own grammar, ``chain`` a permanent error found through includes."""
    lookups: int | None = None
    void_lookups: int | None = None
    check_host: tuple[tuple[str, str, str], ...] = ()
    """(ip, result, explanation) per new IP."""
    raw: bytes | None = None
    """The one SPF record as received (its bytes decide RFC 7208 §3.1's ASCII rule)."""
    chain_error: Problem | None = None
    """A record reached through include:/redirect= that breaks the RFC 7208 grammar."""


def spf_records(txt: DnsAnswer) -> tuple[str, ...]:
    """TXT strings that are SPF records (RFC 7208 §4.5, :func:`preflight.rfc.spf.is_spf_record`)."""
    return tuple(r for r in txt.records if is_spf_record(r))


def _raw_record(txt: DnsAnswer) -> bytes | None:
    found = [r for r in txt.raw if is_spf_record(r)]
    return found[0] if len(found) == 1 else None


def _parse(
    dns: DnsClient, domain: str, record: str,
) -> tuple[str | None, str | None, int | None, int | None]:
    cspf = checkdmarc_module("spf")  # light: preflight.net.checkdmarc_import

    # checkdmarc's grammar wants the version in lower case; RFC 7208 §4.5 does not.
    record = "v=spf1" + record[len("v=spf1"):]
    try:
        parsed = cspf.parse_spf_record(record, domain, **checkdmarc_dns(dns))
    except cspf.SPFTooManyVoidDNSLookups as exc:
        return str(exc), "void", None, None
    except cspf.SPFTooManyDNSLookups as exc:
        return str(exc), "lookups", None, None
    except cspf.SPFSyntaxError as exc:
        return str(exc), "syntax", None, None
    except (cspf.SPFIncludeLoop, cspf.SPFRedirectLoop) as exc:
        return str(exc), "chain", None, None
    except cspf.SPFError as exc:
        # checkdmarc raises the same SPFRecordNotFound for an include target that publishes no
        # SPF record (a permanent error in the record: a fact) and for one whose lookup timed
        # out or failed (could not check). Only a DNS transport failure in the chain is "dns".
        return str(exc), "dns" if _transport_failure(exc) else "chain", None, None
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


def check_host(
    dns: DnsClient, ip: str, domain: str, helo: str | None = None,
) -> tuple[str, str, str]:
    """RFC 7208 check_host(ip, domain) through ``dns``: (ip, result, explanation).

    ``helo`` is the name the new server greets with (``--hostname``; ``%{h}``), the domain
    itself when not given.
    """
    with pyspf_resolver(dns):
        query = rfc_query()(i=ip, s=f"postmaster@{domain}", h=helo or domain,
                                timeout=dns.config.timeout * 4, querytime=dns.config.timeout * 8)
        result, _code, explanation = query.check()
    return ip, str(result), str(explanation)


def collect(dns: DnsClient, domain: str, ips: tuple[str, ...], helo: str | None = None) -> SpfFacts:
    """Fetch, parse and evaluate the SPF of ``domain`` for every IP (HELO name ``helo``)."""
    txt = dns.ask(domain, "TXT")
    if isinstance(txt, DnsError):
        return SpfFacts(domain, txt)
    records = spf_records(txt)

    def evaluate_ips() -> tuple[tuple[str, str, str], ...]:
        return tuple(concurrent_map(lambda ip: check_host(dns, ip, domain, helo), ips,
                                    workers=dns.config.concurrency))

    if len(records) != 1:
        return SpfFacts(domain, txt, records, check_host=evaluate_ips())
    # pyspf (check_host per IP) and checkdmarc (lookup counts) walk the include chain each on
    # their own, one question at a time: the prefetch asks their questions first, level by level
    # and each level at once, so both walks find every answer in the run's memo. Side by side,
    # the family waits for the longer walk (for what the prefetch could not foresee: macros).
    prefetch(dns, domain, records[0])
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        parsing = pool.submit(_parse, dns, domain, records[0])
        checks = evaluate_ips()
        error, kind, lookups, void = parsing.result()
    raw = _raw_record(txt)
    chain = None
    if kind in (None, "syntax"):
        # Records reached through include:/redirect= are judged by the RFC 7208 grammar too (and
        # a syntax error checkdmarc found may be theirs): a bad one is a permanent error.
        chain = _chain_syntax_error(dns, records[0])
        if chain and kind == "syntax":
            kind = "chain"  # the grammar problem is ours (chain), checkdmarc's text stays evidence
    return SpfFacts(domain, txt, records, error, kind, lookups, void, checks, raw, chain)


def _chain_syntax_error(dns: DnsClient, record: str, budget: int = 10) -> Problem | None:
    """The first include:/redirect= target (without macros) whose record breaks RFC 7208 §12."""
    todo, seen = [record], set()
    while todo and budget > 0:
        for target in _targets(todo.pop(0)):
            if target in seen or budget <= 0:
                continue
            seen.add(target)
            budget -= 1
            try:
                found = [r for r in dns.query(target, "TXT").raw if is_spf_record(r)]
            except DnsError:
                continue
            if len(found) != 1:
                continue
            found_problem = syntax_error(found[0])
            if found_problem:
                return problem("rfc_spf_in_target", target=target, problem=found_problem)
            todo.append(found[0].decode("ascii", "replace"))
    return None


def _targets(record: str) -> list[str]:
    """Domains named by include: and redirect= (those without macros)."""
    out = []
    for term in record.split(" ")[1:]:
        body = term.lstrip("+-~?")
        for prefix in ("include:", "redirect="):
            value = body[len(prefix):]
            if body.lower().startswith(prefix) and value and "%" not in value:
                out.append(value.lower().rstrip("."))
    return out


def evaluate(facts: SpfFacts) -> list[CheckResult]:
    """spf.record, spf.lookups and spf.authorizes for one domain."""
    d = facts.domain
    if isinstance(facts.txt, DnsError):
        return [RECORD_ERROR(d, [facts.txt.evidence()], domain=d, reason=facts.txt.reason)]
    ev = [facts.txt.evidence(f"TXT {d}")]
    if not facts.records:
        return [RECORD_MISSING(d, ev, domain=d), LOOKUPS_SKIPPED(d, domain=d)]
    if len(facts.records) > 1:
        return [RECORD_MULTIPLE(d, ev, domain=d, count=len(facts.records)),
                LOOKUPS_SKIPPED(d, domain=d)]
    out: list[CheckResult] = []
    err, kind = facts.parse_error, facts.parse_error_kind
    err_ev = ev + ([Evidence("checkdmarc", err, "SPF parser")] if err else [])
    said = coded(quoted("checkdmarc", err)) if err else ""
    record = facts.records[0]
    grammar = syntax_error(facts.raw if facts.raw is not None else record)
    if grammar:
        out.append(_grammar_invalid(d, ev, grammar))
    elif facts.chain_error:
        out.append(_grammar_invalid(d, ev, facts.chain_error))
    elif kind == "chain":
        out.append(RECORD_INVALID(d, err_ev, domain=d, error=err, error_i18n=said))
    else:
        out.append(_record_ok(d, record, ev))
    if kind == "syntax":
        # The record follows RFC 7208 (or its error is reported above) but checkdmarc's own
        # grammar refused it: its lookups were not counted.
        out.append(LOOKUPS_ERROR(d, err_ev, domain=d, reason=err, reason_i18n=said))
    elif kind == "lookups":
        out.append(LOOKUPS_TOO_MANY(d, err_ev, domain=d, error=err, error_i18n=said))
    elif kind == "void":
        out.append(LOOKUPS_VOID(d, err_ev, domain=d, error=err, error_i18n=said))
    elif kind == "dns":
        out.append(LOOKUPS_ERROR(d, err_ev, domain=d, reason=err, reason_i18n=said))
    elif kind is None:
        out.append(LOOKUPS_OK(d, ev, domain=d, lookups=facts.lookups, void=facts.void_lookups))
    for ip, result, explanation in facts.check_host:
        out.append(_authorizes(d, ip, result, explanation, ev))
    return out


def _grammar_invalid(d: str, ev: list[Evidence], grammar: Problem) -> CheckResult:
    """spf.record invalid for a problem of the RFC 7208 grammar (ours: in the report's language)."""
    text, code = words(grammar), coded(grammar)
    return RECORD_INVALID(d, ev + [Evidence("RFC 7208", text, "preflight", value_i18n=code)],
                          domain=d, error=text, error_i18n=code)


def _record_ok(d: str, record: str, ev: list[Evidence]) -> CheckResult:
    risky = risky_terms(record)
    if risky.pass_all:
        return RECORD_PASS_ALL(d, ev, domain=d, record=record)
    if risky.ptr:
        return RECORD_PTR(d, ev, domain=d, record=record)
    return RECORD_OK(d, ev, domain=d, record=record)


def _authorizes(d: str, ip: str, result: str, explanation: str, ev: list[Evidence]) -> CheckResult:
    subject = f"{d} ← {ip}"
    evidence = ev + [Evidence(f"check_host({ip}, {d})", f"{result}: {explanation}", "pyspf")]
    if result == "pass":
        return AUTH_PASS(subject, evidence, domain=d, ip=ip)
    if result == "softfail":
        return AUTH_SOFTFAIL(subject, evidence, domain=d, ip=ip)
    if result == "neutral":
        return AUTH_NEUTRAL(subject, evidence, domain=d, ip=ip)
    said = coded(quoted("pyspf", explanation)) if explanation else ""
    if result == "permerror":
        return AUTH_PERMERROR(subject, evidence, domain=d, ip=ip, reason=explanation, reason_i18n=said)
    if result == "temperror":
        return AUTH_TEMPERROR(subject, evidence, domain=d, ip=ip, reason=explanation, reason_i18n=said)
    if result == "none":
        return AUTH_SKIPPED(subject, evidence, domain=d, ip=ip)
    return AUTH_FAIL(subject, evidence, domain=d, ip=ip, result=result)


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: SPF of every sending domain."""
    ips = tuple(str(ip) for ip in ctx.config.target.ips)
    helo = ctx.config.target.hostname
    if ctx.config.target.domains:
        preload()  # checkdmarc loads while the first answers are on their way
    facts = concurrent_map(lambda d: collect(ctx.dns, d, ips, helo), ctx.config.target.domains)
    return FamilyOutput(tuple(r for f in facts for r in evaluate(f)))
