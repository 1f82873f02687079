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
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from preflight.checks.blocklists import Answers, Health, Question, zone_health
from preflight.checks.partners import senders as large_senders
from preflight.checks.partners.addresses import DomainFacts, Origin, discover
from preflight.checks.partners.logread import LogFacts, read_log
from preflight.checks.partners.predict import ListRef, Policy, list_refs, lookup, name_question
from preflight.checks.partners.settings import PartnerSettings
from preflight.checks.partners.smtpd import with_networks
from preflight.checks.partners.tables import lookup_keys, read_tables
from preflight.checks.rdns import PtrFacts, collect_ptrs
from preflight.data.catalogue import Catalogue
from preflight.data.postfix_defaults import postfix_defaults
from preflight.engine import RunContext, concurrent_map
from preflight.inventory.access import FILE_TYPES, Table, parse_table
from preflight.inventory.parse import MasterConfig, RblPolicy, parse_rbl_config
from preflight.inventory.smtpdconfig import referenced_tables, smtpd_params
from preflight.net.dns import DnsAnswer, DnsClient, DnsError

BATCH_LIMIT = 256
MAX_TABLE_ANSWERS = 500
PLAN_COMPATIBILITY_LEVEL = "3.6"
"""A plan that does not set ``compatibility_level`` describes a current install (Debian 12's main.cf)."""


@dataclass(frozen=True)
class _Key:
    """A bare ``(name, type)`` question (for the ``reject_rhsbl_*`` lookups)."""

    key: tuple[str, str]


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
    model: Policy | None = None
    """Everything the simulation needs (effective parameters with Postfix's defaults, tables)."""
    inputs: PolicyInputs | None = None
    """What ``model`` was built from (SSH: rebuilt once the server's tables are read)."""
    table_problems: tuple[str, ...] = ()


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
    dead_zones: frozenset[str] = frozenset()
    """Zones of the policy the catalogue knows as dead or wildcarded (the fix removes them)."""


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
        inputs = PolicyInputs(postfix.main, postfix.master, postfix.policy, postfix.effective.get("mynetworks"),
                              postfix.defaults)
        model = inputs.build({}, {})
        return PolicyFacts("ssh", server, model.rbl, MappingProxyType(dict(model.params)), model=model,
                           inputs=inputs)
    assert settings.plan_policy is not None
    plan = settings.plan_policy
    main = {"compatibility_level": PLAN_COMPATIBILITY_LEVEL, **plan.params}
    model = build_policy(main, None, plan.policy, settings.tables, None)
    return PolicyFacts("plan", policy=model.rbl, params=MappingProxyType(dict(model.params)),
                       plan_lines=plan.lines, model=model)


@dataclass(frozen=True)
class PolicyInputs:
    """The server's configuration as read over SSH, to build (and rebuild) the model from."""

    main: Mapping[str, str]
    master: MasterConfig | None
    rbl: RblPolicy
    networks: str | None
    defaults: Mapping[str, str]

    def build(self, texts: Mapping[str, str], answered: Mapping[str, Table]) -> Policy:
        """The model with these table contents."""
        return build_policy(self.main, self.master, self.rbl, texts, self.networks, self.defaults, answered)


def build_policy(main: Mapping[str, str], master: MasterConfig | None, rbl: RblPolicy,
                 texts: Mapping[str, str], networks: str | None, defaults: Mapping[str, str] | None = None,
                 answered: Mapping[str, Table] | None = None) -> Policy:
    """The simulation's view of a server: parameters with defaults, ``mynetworks``, the tables.

    ``texts`` holds the tables' contents (``type:name`` → text), ``answered`` indexed tables known
    by their answers (``postmap -q``); ``networks`` the server's own effective ``mynetworks`` when
    known (``postconf -x``); ``defaults`` the server's ``postconf -d`` (else Postfix 3.7's).
    """
    params, _, _ = smtpd_params(main, master, {**postfix_defaults(), **(defaults or {})})
    if networks is not None and "mynetworks" not in main:
        params["mynetworks"] = networks
    params = with_networks(params)
    tables: dict[str, Table] = {}
    unread: list[str] = []
    for spec in referenced_tables(params):
        kind = spec.partition(":")[0].lower()
        if kind == "inline":
            tables[spec] = parse_table(spec, None)
        elif answered and spec in answered:
            tables[spec] = answered[spec]
        elif spec in texts and (kind in FILE_TYPES or kind in ("hash", "lmdb", "btree")):
            tables[spec] = parse_table(spec, texts[spec])
        else:
            unread.append(spec)
    answers = [value for table in tables.values() for value in table.results()]
    if answers:  # lists named in table answers ("192.0.2.0/24 reject_rbl_client zen.example")
        extra = parse_rbl_config({"smtpd_client_restrictions": ", ".join(answers[:MAX_TABLE_ANSWERS])}).rules
        rbl = dataclasses.replace(rbl, rules=(*rbl.rules, *extra))
    return Policy(MappingProxyType(params), rbl, MappingProxyType(tables), tuple(unread))


def with_server_tables(ctx: RunContext, policy: PolicyFacts, ips: Sequence[str], names: Sequence[str]
                       ) -> PolicyFacts:
    """SSH mode: the access tables the policy names, read on the new server (see :mod:`.tables`)."""
    if policy.inputs is None or policy.model is None or not policy.model.unread or not ips:
        return policy
    from preflight.checks.server import SshSettings

    ssh = ctx.config.settings_of(SshSettings)
    if ssh is None or ssh.new is None:
        return policy
    read = read_tables(ssh.new, ssh.options(), policy.model.unread, lookup_keys(ips, names))
    model = policy.inputs.build(read.texts, read.answered)
    return dataclasses.replace(policy, policy=model.rbl, model=model, table_problems=read.problems)


def log_facts(ctx: RunContext, settings: PartnerSettings) -> LogFacts | None:
    """The old server's log (``--partners-from-log``), after the old server's inventory."""
    if not settings.from_log:
        return None
    from preflight.checks.server import SshSettings, server_facts

    ssh = ctx.config.settings_of(SshSettings)
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


async def _ask(dns: DnsClient, questions: Sequence[Question | _Key], answers: Answers
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
        lambda: concurrent_map(lambda d: discover(ctx.dns, d, table), settings.domains,
                               workers=ctx.dns.config.concurrency),
    ]
    policy, log, domains = concurrent_map(lambda job: job(), jobs)
    partners = partners_of(settings, domains, log)
    if policy.policy is None:
        return PartnerFacts(policy, partners, tuple(domains), log)
    ips = list(dict.fromkeys(ip for p in partners for ip, _ in p.addresses))
    ptrs = dict(zip(ips, collect_ptrs(ctx.dns, ips)))
    names = {n for facts in ptrs.values() if isinstance(facts.ptr, DnsAnswer)
             for n in [r.lower().rstrip(".") for r in facts.ptr.records[:4]]}
    policy = with_server_tables(ctx, policy, ips, sorted(names))
    assert policy.policy is not None
    refs = list_refs(policy.policy, catalogue)
    answers = list_answers(ctx.dns, refs, ips) if refs and ips else {}
    health = {r.name: zone_health(r.ref, answers) for r in refs if r.ref is not None}
    names |= {p.name for p in partners if p.kind == "domain"}
    rhsbl = [name_question(r.zone, n) for r in policy.policy.rules if not r.kind.queries_client_ip
             for n in sorted(names)]
    if rhsbl:
        answers = asyncio.run(_ask(ctx.dns, [_Key(k) for k in rhsbl], answers))
    dead = frozenset(z for z in policy.policy.zones if (k := catalogue.find_by_zone_name(z)) is not None
                     and not k.is_active)
    return PartnerFacts(policy, partners, tuple(domains), log, tuple(refs), MappingProxyType(answers),
                        MappingProxyType(health), MappingProxyType(ptrs), dead)
