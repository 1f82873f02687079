"""The old server around cutover: its IP in SPF, and its PTR for reference.

Before cutover the old IP must still be authorized (mail still leaves from it); after
cutover it should leave SPF once things have settled. The old IP's PTR (and, where the
blocklist family runs, its listing state) is shown for reference in the ``old_ips`` section.
"""

from __future__ import annotations

from typing import Any

from preflight.checks.rdns import collect_ptr
from preflight.checks.spf import check_host
from preflight.compare import first_seen
from preflight.model import CheckResult, Evidence, FamilyOutput, Outcome, Status
from preflight.net.dns import DnsAnswer
from preflight.runner import RunContext, concurrent_map

OLD_KEPT = Outcome("spf.old_ip", "kept_before_cutover", Status.PASS, ("domain", "ip"))
OLD_REMOVED_EARLY = Outcome("spf.old_ip", "removed_too_early", Status.FAIL, ("domain", "ip", "result"))
OLD_STILL_AUTHORIZED = Outcome("spf.old_ip", "still_authorized", Status.WARN, ("domain", "ip", "since"))
OLD_REMOVED = Outcome("spf.old_ip", "removed", Status.PASS, ("domain", "ip"))
OLD_UNKNOWN = Outcome("spf.old_ip", "error", Status.ERROR, ("domain", "ip", "reason"))


def evaluate_old_ip(domain: str, ip: str, result: str, explanation: str, phase: str,
                    since: str) -> CheckResult:
    """spf.old_ip for one (domain, old IP) from its check_host() result."""
    subject = f"{domain} ← {ip} (old)"
    ev = [Evidence(f"check_host({ip}, {domain})", f"{result}: {explanation}", "pyspf")]
    if result in ("temperror", "permerror"):
        return OLD_UNKNOWN(subject, ev, domain=domain, ip=ip, reason=f"{result}: {explanation}")
    authorized = result == "pass"
    if phase == "after":
        if authorized:
            return OLD_STILL_AUTHORIZED(subject, ev, domain=domain, ip=ip, since=since)
        return OLD_REMOVED(subject, ev, domain=domain, ip=ip)
    if authorized:
        return OLD_KEPT(subject, ev, domain=domain, ip=ip)
    return OLD_REMOVED_EARLY(subject, ev, domain=domain, ip=ip, result=result)


def _reference(ctx: RunContext, ip: str) -> dict[str, Any]:
    facts = collect_ptr(ctx.dns, ip)
    ptr = facts.ptr
    entry: dict[str, Any] = {"ip": ip, "ptr": None, "forward_confirmed": None, "error": None}
    if isinstance(ptr, DnsAnswer):
        entry["ptr"] = ", ".join(ptr.records) or None
        confirmed = [name for name, ans in facts.forward
                     if isinstance(ans, DnsAnswer) and ip in ans.records]
        entry["forward_confirmed"] = bool(confirmed) if ptr.records else None
    else:
        entry["error"] = ptr.reason
    return entry


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: only when old IPs are given."""
    target = ctx.config.target
    old = tuple(str(ip) for ip in target.old_ips)
    if not old:
        return FamilyOutput()
    pairs = [(d, ip) for d in target.domains for ip in old]
    checked = concurrent_map(lambda p: (p[0], *check_host(ctx.dns, p[1], p[0])), pairs, workers=4)
    now = ctx.now.isoformat()
    results = []
    for domain, ip, result, explanation in checked:
        subject = f"{domain} ← {ip} (old)"
        since = first_seen(ctx.baseline, "spf.old_ip", subject, "still_authorized") or now
        results.append(evaluate_old_ip(domain, ip, result, explanation, target.phase, since))
    reference = concurrent_map(lambda ip: _reference(ctx, ip), old)
    return FamilyOutput(tuple(results), {"old_ips": reference})
