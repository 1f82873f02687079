"""Propagation: do several resolvers give the same answers for the records that matter?

After a DNS change, caches expire at their own pace. Asking each configured resolver on
its own shows who still serves the old data.
"""

from __future__ import annotations

from dataclasses import dataclass

from preflight.model import CheckResult, Evidence, FamilyOutput, Outcome, Status
from preflight.net.dns import DnsAnswer, DnsClient, DnsConfig, DnsError, Nameserver, reverse_name
from preflight.rfc.spf import is_spf_record
from preflight.engine import RunContext, concurrent_map

CONSISTENT = Outcome("propagation.consistent", "agree", Status.PASS, ("name", "rrtype", "count"))
DISAGREE = Outcome("propagation.consistent", "disagree", Status.WARN, ("name", "rrtype", "servers"))
PARTIAL = Outcome("propagation.consistent", "error", Status.ERROR, ("name", "rrtype", "servers"))


@dataclass(frozen=True)
class Observation:
    """One resolver's answer to one question."""

    server: str
    answer: DnsAnswer | DnsError

    @property
    def value(self) -> tuple[str, ...] | None:
        """The record set as a comparable value (None = could not ask)."""
        if isinstance(self.answer, DnsError):
            return None
        records = self.answer.records
        if self.answer.rdtype == "TXT":
            records = tuple(r for r in records if is_spf_record(r))
        return tuple(sorted(records)) if records else ("NXDOMAIN",) if self.answer.nxdomain else ()


def questions(domains: tuple[str, ...], hostname: str | None, ips: tuple[str, ...]) -> list[tuple[str, str]]:
    """MX and SPF of every domain, A/AAAA of the host, PTR of every IP."""
    out = [(d, t) for d in domains for t in ("MX", "TXT")]
    if hostname:
        out += [(hostname, "A"), (hostname, "AAAA")]
    out += [(reverse_name(ip), "PTR") for ip in ips]
    return out


def evaluate(name: str, rrtype: str, observations: list[Observation]) -> CheckResult:
    """propagation.consistent for one question across resolvers."""
    label = "TXT (SPF)" if rrtype == "TXT" else rrtype
    subject = f"{label} {name}"
    evidence = [Evidence(f"{label} {name}", "; ".join(o.value) if o.value else
                         (o.answer.reason if isinstance(o.answer, DnsError) else "no record"), o.server)
                for o in observations]
    failed = [o.server for o in observations if o.value is None]
    values = {o.value for o in observations if o.value is not None}
    if len(values) > 1:
        groups: dict[tuple[str, ...], list[str]] = {}
        for o in observations:
            if o.value is not None:
                groups.setdefault(o.value, []).append(o.server)
        shown = " | ".join(f"{', '.join(servers)}: {'; '.join(v) or 'no record'}" for v, servers in groups.items())
        return DISAGREE(subject, evidence, name=name, rrtype=label, servers=shown)
    if failed:
        return PARTIAL(subject, evidence, name=name, rrtype=label, servers=", ".join(failed))
    return CONSISTENT(subject, evidence, name=name, rrtype=label, count=len(observations))


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: only with two or more propagation resolvers."""
    servers: tuple[Nameserver, ...] = ctx.config.propagation
    if len(servers) < 2:
        return FamilyOutput()
    target = ctx.config.target
    clients = [DnsClient(DnsConfig(nameservers=(ns,), timeout=ctx.config.dns.timeout,
                                   retries=ctx.config.dns.retries)) for ns in servers]
    asked = questions(target.domains, target.hostname, tuple(str(ip) for ip in target.ips))
    per_server = concurrent_map(lambda c: c.gather(asked), clients, workers=len(clients))
    results = []
    for i, (name, rrtype) in enumerate(asked):
        observations = [Observation(str(servers[j]), per_server[j][i]) for j in range(len(clients))]
        results.append(evaluate(name, rrtype, observations))
    return FamilyOutput(tuple(results))
