"""DANE for SMTP (RFC 7672): TLSA records of the names the new server will receive mail as.

Which names: the new server's host name (``--hostname``) and every current MX host that already
resolves to one of the new IPs (a migration that keeps the MX name). Each name's TLSA records at
``_25._tcp.<name>`` are compared with the certificate the new server presented in the run's SMTP
probe (shared through the run memo: one probe, not two), and the resolver's AD flag is reported
(a resolver that did not validate cannot vouch for DANE). Runs when the transport settings are
present.
"""

from __future__ import annotations

import ipaddress

from preflight.checks import smtp
from preflight.checks.dane.evaluate import Presented, evaluate
from preflight.checks.mta_sts import TransportSettings
from preflight.engine import RunContext, concurrent_map
from preflight.model import FamilyOutput
from preflight.net.dns import DnsAnswer, DnsClient, DnsError

MAX_NAMES = 10


def _names(dns: DnsClient, hostname: str | None, domains: tuple[str, ...], ips: set[str]) -> list[str]:
    """The new server's name, and MX hosts of ``domains`` already pointing at a new IP.

    Two waves: every domain's MX (with the host name's TLSA), then every MX host's A and AAAA
    with its TLSA asked ahead (one wave less than waiting to know the host is ours).
    """
    names = [hostname] if hostname else []
    found = dns.gather([(d, "MX") for d in domains] + [(_tlsa_name(n), "TLSA") for n in names])
    hosts: list[str] = []
    for mx in found[:len(domains)]:
        if isinstance(mx, DnsError):
            continue
        for _, host in mx.mx():
            if host not in ("", ".") and host not in names and host not in hosts:
                hosts.append(host)
    if hosts:
        dns.gather([(h, t) for h in hosts for t in ("A", "AAAA")]
                   + [(_tlsa_name(h), "TLSA") for h in hosts[:MAX_NAMES]])
    for host in hosts:
        for rrtype in ("A", "AAAA"):
            answer = dns.ask(host, rrtype)  # answered by the wave above
            if isinstance(answer, DnsError):
                continue
            found_ips = {str(ipaddress.ip_address(a)) for a in answer.records}
            if found_ips & ips:
                names.append(host)
                break
    return names[:MAX_NAMES]


def presented(ctx: RunContext) -> Presented:
    """The certificates the new server presented in the SMTP probe (run once per run)."""
    if not ctx.resolver_answered():  # an early family: no SMTP before the resolver answered
        return Presented(probed=False)
    probes = smtp.probes(ctx)
    if probes is None:
        return Presented(probed=False)
    certs = tuple(dict.fromkeys(p.certificate_der for p in probes if p.certificate_der))
    reasons = [p.stop.detail if p.stop else p.certificate_error or "" for p in probes]
    return Presented(certs, True, next((r for r in reasons if r), "no TLS handshake"))


def _tlsa_name(host: str) -> str:
    return f"_25._tcp.{host}"


def _tlsa(dns: DnsClient, host: str) -> DnsAnswer | DnsError:
    return dns.ask(_tlsa_name(host), "TLSA")


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: TLSA of each name, compared with the presented certificate."""
    settings = ctx.config.settings_of(TransportSettings)
    if settings is None or not settings.enabled:
        return FamilyOutput()
    target = ctx.config.target
    names = _names(ctx.dns, target.hostname, target.domains, {str(ip) for ip in target.ips})
    if not names:
        return FamilyOutput()
    answers = concurrent_map(lambda h: _tlsa(ctx.dns, h), names, workers=ctx.dns.config.concurrency)
    seen: Presented | None = None
    results = []
    for host, answer in zip(names, answers):
        if isinstance(answer, DnsAnswer) and answer.records and seen is None:
            seen = presented(ctx)
        results.extend(evaluate(host, answer, seen or Presented(probed=False)))
    return FamilyOutput(tuple(results))
