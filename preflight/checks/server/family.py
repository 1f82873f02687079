"""Server inventory over SSH: what the new (and old) server will really do.

DNS shows what the world sees; only the server shows what it will do. This family logs in to the
new server (and, with ``--old-ssh``, the old one), runs only the allowlisted read-only commands of
:mod:`preflight.net.ssh`, parses what it read with :mod:`preflight.inventory`, and judges it:
OS end of life, MTA, HELO name, mynetworks, source address, listening addresses, TLS files and
levels, the DNS blocklists enforced (dead ones, public resolvers), the DKIM signer and each key
against DNS, and outbound port 25. With an old server it also lays the settings side by side.

Nothing is contacted unless the run's config carries :class:`.settings.SshSettings` (the CLI adds
them for ``--ssh``); a bare :class:`~preflight.config.RunConfig` logs in nowhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from preflight.checks.server import outcomes
from preflight.checks.server.collect import collect_server
from preflight.checks.server.compare import comparison_rows, evaluate_comparison
from preflight.checks.server.evaluate_dkim import evaluate_keys, evaluate_signer, record_name
from preflight.checks.server.evaluate_host import (
    evaluate_connection,
    evaluate_mta,
    evaluate_os,
    evaluate_port25,
)
from preflight.checks.server.evaluate_postfix import (
    evaluate_bind,
    evaluate_helo,
    evaluate_inet_interfaces,
    evaluate_mynetworks,
    evaluate_tls_files,
    evaluate_tls_levels,
)
from preflight.checks.server.evaluate_rbl import evaluate_dead, evaluate_rbls, evaluate_resolver
from preflight.checks.server.facts import PlanFacts, ServerFacts
from preflight.checks.server.section import inventory_section, rbl_policy_to_dict
from preflight.checks.server.settings import (
    MAX_PORT25_TARGETS,
    Port25Target,
    SshSettings,
)
from preflight.data.catalogue import Catalogue
from preflight.data.loader import load_catalogue
from preflight.engine import RunContext, concurrent_map
from preflight.inventory.eol import EolTable
from preflight.model import CheckResult, FamilyOutput
from preflight.net.dns import DnsAnswer, DnsClient, DnsError, reverse_name

__all__ = [
    "SshSettings", "evaluate_new", "evaluate_old", "outcomes", "rbl_policy_to_dict", "run", "server_facts",
]


def evaluate_new(facts: ServerFacts, plan: PlanFacts, *, table: EolTable | None = None,
                 catalogue: Catalogue | None = None) -> list[CheckResult]:
    """Every judgement of the new server (pure: facts and DNS answers in, results out)."""
    out = [evaluate_connection(facts)]
    if not facts.connected:
        return out
    out.append(evaluate_os(facts, plan.now.date(), table))
    out.append(evaluate_mta(facts))
    pf = facts.postfix
    if pf is not None and pf.unread is None:
        known = catalogue if catalogue is not None else load_catalogue()
        out.append(evaluate_helo(facts, plan))
        out.append(evaluate_mynetworks(facts))
        out.extend(evaluate_bind(facts, plan))
        out.append(evaluate_inet_interfaces(facts))
        out.extend(evaluate_tls_files(facts, plan))
        out.extend(evaluate_tls_levels(facts))
        out.extend(evaluate_rbls(facts))
        out.extend(evaluate_dead(facts, known))
        out.append(evaluate_resolver(facts, known))
    out.extend(evaluate_signer(facts, plan))
    out.extend(evaluate_keys(facts, plan))
    out.extend(evaluate_port25(facts, requested=True))
    return out


def evaluate_old(facts: ServerFacts, plan: PlanFacts, *, table: EolTable | None = None) -> list[CheckResult]:
    """The old server: the login and its OS support, for context (never a fail of the migration)."""
    out = [evaluate_connection(facts)]
    if facts.connected:
        out.append(evaluate_os(facts, plan.now.date(), table))
    return out


def mx_targets(dns: DnsClient, domains: Sequence[str]) -> tuple[Port25Target, ...]:
    """The MX hosts of ``domains`` (lowest preference first), the default port-25 targets."""
    hosts: list[str] = []
    answers = concurrent_map(lambda d: _ask(dns, d, "MX"), domains, workers=dns.config.concurrency)
    for answer in answers:
        if isinstance(answer, DnsAnswer):
            hosts += [h for _, h in answer.mx() if h and h != "."]
    return tuple(Port25Target(h) for h in dict.fromkeys(hosts))[:MAX_PORT25_TARGETS]


def _ask(dns: DnsClient, name: str, rdtype: str) -> DnsAnswer | DnsError:
    return dns.ask(name, rdtype)


def plan_facts(ctx: RunContext, new: ServerFacts) -> PlanFacts:
    """The plan, and the DNS answers the judgement needs (PTRs, DKIM records), through ctx.dns."""
    target = ctx.config.target
    ips = tuple(str(ip) for ip in target.ips)
    keys = list(dict.fromkeys((p.key.domain, p.key.selector) for s in new.signers for p in s.keys
                              if p.public_der is not None))
    # (name, rdtype) per question: the PTRs of the new IPs, the DKIM record of each derived key.
    questions = [(reverse_name(ip), "PTR") for ip in ips] + [(record_name(d, s), "TXT") for d, s in keys]
    answers = (concurrent_map(lambda q: _ask(ctx.dns, *q), questions,
                              workers=ctx.dns.config.concurrency) if new.connected else [])
    by_question = dict(zip(questions, answers))
    return PlanFacts(
        ips=ips, hostname=target.hostname, domains=target.domains, selectors=target.dkim_selectors,
        now=ctx.now,
        ptr={ip: by_question[(reverse_name(ip), "PTR")] for ip in ips
             if (reverse_name(ip), "PTR") in by_question},
        dkim_txt={(d, s): by_question[(record_name(d, s), "TXT")] for d, s in keys
                  if (record_name(d, s), "TXT") in by_question},
    )


def server_facts(ctx: RunContext, role: str) -> ServerFacts | None:
    """The inventory of the ``new`` or ``old`` server, collected once per run (None when that
    server is not configured). The partners family reads the new server's RBL policy here."""
    settings = ctx.config.settings_of(SshSettings)
    target = None if settings is None else settings.new if role == "new" else settings.old
    if settings is None or target is None:
        return None

    def collect() -> ServerFacts:
        assert settings is not None and target is not None
        port25: tuple[Port25Target, ...] = ()
        if role == "new":
            port25 = settings.port25_targets
            if not port25 and settings.port25_from_mx:
                port25 = mx_targets(ctx.dns, ctx.config.target.domains)
        return collect_server(role, target, settings, port25, ctx.config.target.domains)

    return ctx.memo.once(("server.inventory", role), collect)


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: inventory the configured servers (none when not configured)."""
    settings = ctx.config.settings_of(SshSettings)
    if settings is None or settings.new is None:
        return FamilyOutput()
    roles = ["new"] if settings.old is None else ["new", "old"]
    facts = concurrent_map(lambda role: server_facts(ctx, role), roles)
    new, old = facts[0], (facts[1] if len(facts) > 1 else None)
    assert new is not None
    plan = plan_facts(ctx, new)
    results = evaluate_new(new, plan)
    rows = None
    if old is not None:
        results += evaluate_old(old, plan)
        rows = comparison_rows(old, new, ctx.now.date())
        results.append(evaluate_comparison(old, new, rows))
    section = inventory_section(settings, new, old, rows, ctx.now.date())
    return FamilyOutput(tuple(results), {"inventory": section})
