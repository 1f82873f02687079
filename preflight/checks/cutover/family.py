"""The old server around cutover: its IP in SPF, and its PTR and blocklist state for reference.

Before cutover the old IP must still be authorized (mail still leaves from it); after
cutover it should leave SPF once things have settled. The old IP's PTR and (when the blocklist
checks run) its listing state are shown for reference in the ``old_ips`` section: they explain
the old server's reputation but are not part of the new server's verdict.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import ipaddress
from typing import Any

from preflight.checks.blocklists import (
    BlocklistSettings,
    build_plan,
    collect_lists,
    evaluate_subject,
)
from preflight.checks.rdns import PtrFacts, collect_ptrs
from preflight.checks.spf import check_host
from preflight.data.catalogue import ListState
from preflight.data.loader import load_catalogue
from preflight.engine import RunContext, concurrent_map
from preflight.engine.compare import first_seen
from preflight.model import CheckResult, Evidence, FamilyOutput, Outcome, Status
from preflight.net.dns import DnsAnswer
from preflight.values import Phase

_ON_A_LIST = (ListState.LISTED, ListState.POLICY)
_ANSWERED = (ListState.CLEAR, ListState.ALLOWLISTED, ListState.LISTED, ListState.POLICY)
_CANNOT_CHECK = (ListState.REFUSED, ListState.UNREACHABLE, ListState.UNRELIABLE)

OLD_KEPT = Outcome("spf.old_ip", "kept_before_cutover", Status.PASS, ("domain", "ip"))
OLD_REMOVED_EARLY = Outcome("spf.old_ip", "removed_too_early", Status.FAIL, ("domain", "ip", "result"))
OLD_STILL_AUTHORIZED = Outcome("spf.old_ip", "still_authorized", Status.WARN, ("domain", "ip", "since"))
OLD_REMOVED = Outcome("spf.old_ip", "removed", Status.PASS, ("domain", "ip"))
OLD_UNKNOWN = Outcome("spf.old_ip", "error", Status.ERROR, ("domain", "ip", "reason"))


def evaluate_old_ip(domain: str, ip: str, result: str, explanation: str, phase: Phase,
                    since: str) -> CheckResult:
    """spf.old_ip for one (domain, old IP) from its check_host() result."""
    subject = f"{domain} ← {ip} (old)"
    ev = [Evidence(f"check_host({ip}, {domain})", f"{result}: {explanation}", "pyspf")]
    if result in ("temperror", "permerror"):
        return OLD_UNKNOWN(subject, ev, domain=domain, ip=ip, reason=f"{result}: {explanation}")
    authorized = result == "pass"
    if phase == Phase.AFTER:
        if authorized:
            return OLD_STILL_AUTHORIZED(subject, ev, domain=domain, ip=ip, since=since)
        return OLD_REMOVED(subject, ev, domain=domain, ip=ip)
    if authorized:
        return OLD_KEPT(subject, ev, domain=domain, ip=ip)
    return OLD_REMOVED_EARLY(subject, ev, domain=domain, ip=ip, result=result)


def _reference(ip: str, facts: PtrFacts) -> dict[str, Any]:
    ptr = facts.ptr
    entry: dict[str, Any] = {"ip": ip, "ptr": None, "forward_confirmed": None, "error": None}
    if isinstance(ptr, DnsAnswer):
        entry["ptr"] = ", ".join(ptr.records) or None
        wanted = ipaddress.ip_address(ip)
        confirmed = [name for name, ans in facts.forward if isinstance(ans, DnsAnswer)
                     and wanted in {ipaddress.ip_address(a) for a in ans.records}]
        entry["forward_confirmed"] = bool(confirmed) if ptr.records else None
    else:
        entry["error"] = ptr.reason
    return entry


def _old_listings(ctx: RunContext, old: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """The old IPs on the enabled blocklists, for reference only (no results, no verdict)."""
    settings = ctx.config.settings_of(BlocklistSettings) or BlocklistSettings()
    if not settings.enabled:
        return {}
    catalogue = load_catalogue()
    plan = dataclasses.replace(build_plan(catalogue, settings, ips=old), neighbourhood=False)
    facts = collect_lists(ctx.dns, plan, catalogue)
    health = plan.health(facts.answers)
    out: dict[str, dict[str, Any]] = {}
    for subject in plan.ips:
        _, rows = evaluate_subject(plan, subject, facts.answers, health)
        states = [r["state"] for r in rows]
        out[subject.subject] = {
            "listed": [f"{r['list']} ({r['state']})" for r in rows if r["state"] in _ON_A_LIST],
            "checked": sum(s in _ANSWERED for s in states),
            "unverified": sum(s in _CANNOT_CHECK for s in states),
        }
    return out


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: only when old IPs are given."""
    target = ctx.config.target
    old = tuple(str(ip) for ip in target.old_ips)
    if not old:
        return FamilyOutput()
    pairs = [(d, ip) for d in target.domains for ip in old]
    # Three independent walks side by side: SPF check_host, PTR → A, and the blocklists.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        ptrs = pool.submit(collect_ptrs, ctx.dns, old)
        listed = pool.submit(_old_listings, ctx, old)
        checked = concurrent_map(lambda p: (p[0], *check_host(ctx.dns, p[1], p[0])), pairs,
                                 workers=ctx.dns.config.concurrency)
    now = ctx.now.isoformat()
    results = []
    for domain, ip, result, explanation in checked:
        subject = f"{domain} ← {ip} (old)"
        since = first_seen(ctx.baseline, "spf.old_ip", subject, "still_authorized") or now
        results.append(evaluate_old_ip(domain, ip, result, explanation, target.phase, since))
    facts = dict(zip(old, ptrs.result()))
    reference = [_reference(ip, facts[ip]) for ip in old]
    listings = listed.result()
    for entry in reference:
        entry["blocklists"] = listings.get(entry["ip"])
    return FamilyOutput(tuple(results), {"old_ips": reference})
