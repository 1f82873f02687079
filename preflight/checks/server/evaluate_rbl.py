"""Pure judgement of the DNS blocklists the server enforces, against the curated catalogue."""

from __future__ import annotations

from preflight.checks.server import outcomes as o
from preflight.checks.server.evaluate_host import source
from preflight.checks.server.facts import ServerFacts
from preflight.data.catalogue import Catalogue, Requirement, Zone
from preflight.inventory.parse import RblPolicy, redact_zone, resolv_conf_nameservers
from preflight.model import CheckResult, Evidence
from preflight.net.ssh import Access


def where_used(policy: RblPolicy, zone: str) -> str:
    """The Postfix parameters that name ``zone``."""
    places = sorted({r.stage.parameter for r in policy.rules if r.zone == zone})
    if any(s.zone == zone for s in policy.postscreen_sites):
        places.append("postscreen_dnsbl_sites")
    return ", ".join(places) or "main.cf"


def _policy_evidence(facts: ServerFacts, policy: RblPolicy) -> list[Evidence]:
    where = source(facts)
    ev = [Evidence(f"{r.stage.parameter}", f"{r.kind.value} {redact_zone(r.raw)}"
                   + (" (warn_if_reject)" if r.warn_only else ""), where) for r in policy.rules[:40]]
    if policy.postscreen_sites:
        ev.append(Evidence("postscreen_dnsbl_sites",
                           " ".join(redact_zone(s.raw) for s in policy.postscreen_sites[:40]), where))
        ev.append(Evidence("postscreen_dnsbl_threshold / action",
                           f"{policy.postscreen_threshold} / {policy.postscreen_action.value}"
                           + ("" if policy.postscreen_enabled else " (postscreen not on port 25)"), where))
    return ev


def evaluate_rbls(facts: ServerFacts) -> list[CheckResult]:
    """server.rbls: which lists the server enforces; configuration errors Postfix would refuse."""
    assert facts.postfix is not None and facts.postfix.policy is not None
    policy = facts.postfix.policy
    ev = _policy_evidence(facts, policy)
    out: list[CheckResult] = []
    if policy.problems:
        out.append(o.RBLS_PROBLEMS(facts.label, ev, problems="; ".join(policy.problems[:10])))
    zones = [redact_zone(z) for z in policy.zones]
    if zones:
        out.append(o.RBLS_CONFIGURED(facts.label, ev, zones=", ".join(zones)))
    elif not policy.problems:
        out.append(o.RBLS_NONE(facts.label, ev))
    return out


def evaluate_dead(facts: ServerFacts, catalogue: Catalogue) -> list[CheckResult]:
    """server.rbl_dead: every configured list the catalogue knows as dead or wildcarded."""
    assert facts.postfix is not None and facts.postfix.policy is not None
    policy = facts.postfix.policy
    out: list[CheckResult] = []
    for zone in policy.zones:
        known = catalogue.find_by_zone_name(zone)
        if known is None or known.is_active:
            continue
        shown = redact_zone(zone)
        note = known.dead_note or f"{known.name} is {known.status.value}"
        ev = [Evidence("catalogue", f"{known.name}: {known.status.value}"
                       + (f" since {known.dead_since}" if known.dead_since else ""),
                       "; ".join(known.sources[:2]) or "preflight/data/blocklists.toml")]
        out.append(o.RBL_DEAD(shown, ev, zone=shown, name=known.name, note=note,
                              parameter=where_used(policy, zone)))
    if not out:
        out.append(o.RBL_NONE_DEAD(facts.label, [], count=len(policy.zones)))
    return out


def _needs_own_resolver(zone: str, known: Zone | None) -> bool:
    if known is None or not known.is_active or Requirement.OWN_RESOLVER not in known.requires:
        return False
    keyed = known.dqs_zone is not None and zone != known.zone and zone not in known.aliases
    return not keyed  # the keyed (DQS) form works through any resolver


def evaluate_resolver(facts: ServerFacts, catalogue: Catalogue) -> CheckResult:
    """server.rbl_resolver: lists that refuse public resolvers, with the server's resolv.conf."""
    assert facts.postfix is not None and facts.postfix.policy is not None and facts.resolv is not None
    read, policy = facts.resolv, facts.postfix.policy
    if not read.ok:
        ev = [Evidence(read.path, read.reason, source(facts))]
        reason = read.skip_reason if read.access is Access.DENIED else read.reason
        return o.RESOLVER_UNREADABLE(facts.label, ev, path=read.path, reason=reason)
    servers = resolv_conf_nameservers(read.text)
    ev = [Evidence(f"nameserver ({read.path})", ", ".join(servers) or "none", source(facts))]
    if not servers:
        return o.RESOLVER_NONE(facts.label, ev, path=read.path)
    public = [f"{ip} ({name})" for ip in servers if (name := catalogue.public_resolver(ip.split("%")[0]))]
    needing = [redact_zone(z) for z in policy.zones if _needs_own_resolver(z, catalogue.find_by_zone_name(z))]
    shown = ", ".join(servers)
    if public and needing:
        return o.RESOLVER_PUBLIC(facts.label, ev, resolvers=", ".join(public), zones=", ".join(needing))
    return o.RESOLVER_OK(facts.label, ev, resolvers=shown)
