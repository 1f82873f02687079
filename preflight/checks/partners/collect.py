"""All I/O of the partner-impact family: the policy, the partners' addresses, the lists, the PTRs.

The new server's policy comes from the SSH inventory, collected once per run and shared with the
server family (:func:`preflight.checks.server.server_facts`); the old server's log is read over a
second, read-only SSH session after its inventory (so a new host key is recorded once). Every DNS
question goes through the run's :class:`~preflight.net.dns.DnsClient`: domain walks in parallel,
then one bounded batch with every list's RFC 5782 self-test and every partner address on every
list, then the TXT reasons of the listings and, when the policy checks it, the reverse DNS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from preflight.checks.blocklists import Answers, Health, Question, zone_health
from preflight.checks.partners import senders as large_senders
from preflight.checks.partners.addresses import DomainFacts, Origin, discover
from preflight.checks.partners.logread import LogFacts, read_log
from preflight.checks.partners.predict import ListRef, list_refs, lookup
from preflight.checks.partners.settings import PartnerSettings
from preflight.checks.rdns import PtrFacts, collect_ptrs
from preflight.data.catalogue import Catalogue
from preflight.inventory.parse import RblPolicy
from preflight.net.dns import DnsAnswer, DnsClient, DnsError
from preflight.engine import RunContext, concurrent_map

BATCH_LIMIT = 256


@dataclass(frozen=True)
class PolicyFacts:
    """The policy to predict with, where it came from, or why there is none."""

    source: str
    """``ssh`` (the new server's own configuration) or ``plan`` (``server_rbls``)."""
    server: str = ""
    policy: RblPolicy | None = None
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    error: str = ""
    plan_lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Partner:
    """A partner and its addresses: a domain, a given IP, or a client from the old server's log."""

    name: str
    kind: str
    """``domain``, ``ip`` or ``log``."""
    addresses: tuple[tuple[str, tuple[Origin, ...]], ...]


@dataclass(frozen=True)
class PartnerFacts:
    """Everything the judgement needs."""

    policy: PolicyFacts
    partners: tuple[Partner, ...]
    domains: tuple[DomainFacts, ...] = ()
    log: LogFacts | None = None
    refs: tuple[ListRef, ...] = ()
    answers: Answers = field(default_factory=lambda: MappingProxyType({}))
    health: Mapping[str, Health] = field(default_factory=lambda: MappingProxyType({}))
    ptrs: Mapping[str, PtrFacts] = field(default_factory=lambda: MappingProxyType({}))


def policy_facts(ctx: RunContext, settings: PartnerSettings) -> PolicyFacts:
    """The new server's own policy (``--ssh``), else the plan's ``server_rbls``."""
    if settings.use_ssh:
        from preflight.checks.server import server_facts

        facts = server_facts(ctx, "new")
        if facts is None:
            return PolicyFacts("ssh", error="no new server configured")
        server = str(facts.target)
        if facts.error is not None:
            return PolicyFacts("ssh", server, error=facts.error.detail)
        postfix = facts.postfix
        if postfix is None or postfix.policy is None:
            unread = postfix.unread.skip_reason if postfix is not None and postfix.unread else ""
            return PolicyFacts("ssh", server, error=unread or "no Postfix configuration was read")
        return PolicyFacts("ssh", server, postfix.policy, MappingProxyType(dict(postfix.main)))
    assert settings.plan_policy is not None
    plan = settings.plan_policy
    return PolicyFacts("plan", policy=plan.policy, params=plan.params, plan_lines=plan.lines)


def log_facts(ctx: RunContext, settings: PartnerSettings) -> LogFacts | None:
    """The old server's log (``--partners-from-log``), after the old server's inventory."""
    if not settings.from_log:
        return None
    from preflight.checks.server import server_facts
    from preflight.checks.server import settings_of as ssh_settings_of

    ssh = ssh_settings_of(ctx.config)
    assert ssh is not None and ssh.old is not None  # checked when the settings were built
    old = server_facts(ctx, "old")
    if old is not None and old.error is not None:
        return LogFacts(ssh.old, settings.log_days, settings.log_top, error=old.error.detail)
    return read_log(ssh.old, ssh.options(), ctx.now, settings.log_days, settings.log_top)


def partners_of(settings: PartnerSettings, domains: Sequence[DomainFacts], log: LogFacts | None
                ) -> tuple[Partner, ...]:
    """Every partner with its addresses; an address seen twice joins the first partner that has it."""
    found: list[tuple[str, str, dict[str, list[Origin]]]] = []
    owner: dict[str, list[Origin]] = {}

    def add(name: str, kind: str, items: Sequence[tuple[str, Sequence[Origin]]]) -> None:
        mine: dict[str, list[Origin]] = {}
        for ip, origins in items:
            if ip not in owner:
                owner[ip] = mine.setdefault(ip, [])
            target = owner[ip]
            target.extend(o for o in origins if o not in target)
        if mine or kind == "domain":
            found.append((name, kind, mine))

    for facts in domains:
        add(facts.domain, "domain", facts.addresses)
    for ip in settings.ips:
        add(ip, "ip", [(ip, [Origin("given")])])
    if log is not None and log.counts is not None:
        for client in log.counts.clients:
            add(client.ip, "log", [(client.ip, [Origin("log", count=client.connections)])])
    return tuple(Partner(name, kind, tuple((ip, tuple(o)) for ip, o in addresses.items()))
                 for name, kind, addresses in found)


async def _ask(dns: DnsClient, questions: Sequence[Question], answers: Answers
               ) -> dict[tuple[str, str], DnsAnswer | DnsError]:
    todo = list(dict.fromkeys(q.key for q in questions if q.key not in answers))
    got = await dns.agather(todo, limit=max(BATCH_LIMIT, dns.config.concurrency)) if todo else []
    return {**answers, **dict(zip(todo, got))}


def _listed(answers: Answers, question: Question | None) -> bool:
    found = answers.get(question.key) if question is not None else None
    return isinstance(found, DnsAnswer) and bool(found.records)


def list_answers(dns: DnsClient, refs: Sequence[ListRef], ips: Sequence[str]) -> dict[tuple[str, str], Any]:
    """Self-tests and lookups in one batch, then the TXT reasons of what is listed."""
    from preflight.data.probes import label_of, probe_points

    probes = [r.ref.question(label_of(subject, kind)) for r in refs if r.ref is not None
              for subject, kind, _ in probe_points(r.ref.zone)]
    lookups = [q for r in refs for ip in ips if (q := lookup(r, ip)) is not None]

    async def ask() -> dict[tuple[str, str], Any]:
        answers = await _ask(dns, [*probes, *lookups], {})
        listed = [q for r in refs for ip in ips if _listed(answers, lookup(r, ip))
                  and (q := lookup(r, ip, "TXT")) is not None]
        return await _ask(dns, listed, answers)

    return asyncio.run(ask())


def collect(ctx: RunContext, settings: PartnerSettings, catalogue: Catalogue) -> PartnerFacts:
    """Ask everything (see the module docstring); failures are facts, never exceptions."""
    table = large_senders.load()
    jobs: list[Callable[[], Any]] = [
        lambda: policy_facts(ctx, settings),
        lambda: log_facts(ctx, settings),
        lambda: concurrent_map(lambda d: discover(ctx.dns, d, table), settings.domains),
    ]
    policy, log, domains = concurrent_map(lambda job: job(), jobs)
    partners = partners_of(settings, domains, log)
    if policy.policy is None:
        return PartnerFacts(policy, partners, tuple(domains), log)
    ips = list(dict.fromkeys(ip for p in partners for ip, _ in p.addresses))
    refs = list_refs(policy.policy, catalogue)
    answers = list_answers(ctx.dns, refs, ips) if refs and ips else {}
    health = {r.name: zone_health(r.ref, answers) for r in refs if r.ref is not None}
    ptrs: dict[str, PtrFacts] = {}
    if policy.policy.reject_unknown_client_hostname or policy.policy.reject_unknown_reverse_client_hostname:
        ptrs = dict(zip(ips, collect_ptrs(ctx.dns, ips)))
    return PartnerFacts(policy, partners, tuple(domains), log, tuple(refs), MappingProxyType(answers),
                        MappingProxyType(health), MappingProxyType(ptrs))
