"""TLS-RPT (RFC 8460): ``_smtp._tls.<domain>`` tells senders where to report TLS failures.

Without it nobody tells the admin that senders fail to negotiate TLS (or reject the new server
under MTA-STS or DANE) after cutover. The record is parsed with checkdmarc's parser; the DNS
question goes through preflight's DNS layer. Runs when the transport settings are present.
"""

from __future__ import annotations

from preflight.checks.mta_sts import TransportSettings
from preflight.engine import RunContext, concurrent_map
from preflight.i18n.problems import coded, quoted
from preflight.model import CheckResult, FamilyOutput, Outcome, Status
from preflight.net.checkdmarc_import import checkdmarc_module
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.rfc.tls_rpt import tlsrpt_records

RECORD_OK = Outcome("tls_rpt.record", "ok", Status.PASS, ("domain", "rua"))
RECORD_MISSING = Outcome("tls_rpt.record", "missing", Status.WARN, ("domain",))
RECORD_INVALID = Outcome("tls_rpt.record", "invalid", Status.WARN, ("domain", "reason", "reason_i18n"))
RECORD_MULTIPLE = Outcome("tls_rpt.record", "multiple", Status.WARN, ("domain", "count"))
RECORD_ERROR = Outcome("tls_rpt.record", "error", Status.ERROR, ("domain", "reason"))


def collect(dns: DnsClient, domain: str) -> DnsAnswer | DnsError:
    """TXT ``_smtp._tls.<domain>``."""
    return dns.ask(f"_smtp._tls.{domain}", "TXT")


def evaluate(domain: str, answer: DnsAnswer | DnsError) -> CheckResult:
    """tls_rpt.record for one domain (RFC 8460 §3: exactly one ``v=TLSRPTv1`` record)."""
    if isinstance(answer, DnsError):
        return RECORD_ERROR(domain, [answer.evidence()], domain=domain, reason=answer.reason)
    ev = [answer.evidence(f"TXT _smtp._tls.{domain}")]
    found = tlsrpt_records(answer.records)
    if not found:
        return RECORD_MISSING(domain, ev, domain=domain)
    if len(found) > 1:
        return RECORD_MULTIPLE(domain, ev, domain=domain, count=len(found))
    checkdmarc_module("smtp_tls_reporting")  # light, under one lock (see preflight.checks.mta_sts.evaluate)
    from checkdmarc.smtp_tls_reporting import SMTPTLSReportingError, parse_smtp_tls_reporting_record

    try:
        tags = parse_smtp_tls_reporting_record(found[0])["tags"]
    except SMTPTLSReportingError as exc:
        said = str(exc)[:300]  # checkdmarc's own words: quoted as its, never translated
        return RECORD_INVALID(domain, ev, domain=domain, reason=said, reason_i18n=coded(quoted("checkdmarc", said)))
    rua = tags["rua"]["value"]
    shown = ", ".join(str(u) for u in rua) if isinstance(rua, list) else str(rua)
    return RECORD_OK(domain, ev, domain=domain, rua=shown)


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: one result per sending domain (nothing when not configured)."""
    settings = ctx.config.settings_of(TransportSettings)
    if settings is None or not settings.enabled:
        return FamilyOutput()
    domains = ctx.config.target.domains
    answers = concurrent_map(lambda d: collect(ctx.dns, d), domains)
    return FamilyOutput(tuple(evaluate(d, a) for d, a in zip(domains, answers)))
