"""The blocklists family entry: plan, collect (all DNS), assemble (pure) into results and sections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from preflight.checks.blocklists import outcomes as o
from preflight.checks.blocklists.collect import Facts, collect
from preflight.checks.blocklists.evaluate import (
    evaluate_resolver,
    evaluate_subject,
    evaluate_zones,
    used_zones,
)
from preflight.checks.blocklists.plan import Plan, build_plan
from preflight.checks.blocklists.reputation import (
    evaluate_neighbourhood,
    evaluate_network,
    evaluate_scores,
)
from preflight.checks.blocklists.settings import settings_of
from preflight.data.catalogue import Catalogue
from preflight.data.loader import load_catalogue
from preflight.engine import RunContext
from preflight.model import CheckResult, FamilyOutput


def assemble(plan: Plan, facts: Facts, catalogue: Catalogue,
             nameservers: Sequence[tuple[str, int]]) -> FamilyOutput:
    """Every blocklist.* and reputation.* result, and the report sections (pure)."""
    answers = facts.answers
    health = plan.health(answers)
    subjects = (*plan.ips, *facts.names)
    results: list[CheckResult] = [evaluate_resolver(catalogue, nameservers)]
    results.extend(evaluate_zones(plan, health, used_zones(plan, subjects)))
    rows: list[dict[str, Any]] = []
    for subject in subjects:
        found, subject_rows = evaluate_subject(plan, subject, answers, health)
        results.extend(found)
        rows.extend(subject_rows)
    network: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    hood: list[dict[str, Any]] = []
    for ip in plan.ips:
        result, net_row = evaluate_network(catalogue, ip, answers)
        results.append(result)
        network.extend([net_row] if net_row else [])
        score_results, score_rows = evaluate_scores(plan, ip, answers, health)
        results.extend(score_results)
        scores.extend(score_rows)
        result, hood_row = evaluate_neighbourhood(plan, ip, answers, health)
        results.append(result)
        hood.extend([hood_row] if hood_row else [])
    sections: dict[str, Any] = {}
    if rows:
        sections["blocklists"] = rows
    reputation = {k: v for k, v in (("network", network), ("scores", scores),
                                    ("neighbourhood", hood)) if v}
    if reputation:
        sections["reputation"] = reputation
    return FamilyOutput(tuple(results), sections)


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: every new IP and name against every enabled list, plus reputation."""
    settings = settings_of(ctx.config)
    target = ctx.config.target
    ips = [str(ip) for ip in target.ips]
    if not settings.enabled:
        return FamilyOutput(tuple(o.IP_DISABLED(ip, ip=ip) for ip in ips))
    catalogue = load_catalogue()
    plan = build_plan(catalogue, settings, ips=ips, domains=target.domains, hostname=target.hostname)
    facts = collect(ctx.dns, plan, catalogue, progress=lambda done, total: ctx.progress("blocklists", done, total))
    nameservers = [(ns.host, ns.port) for ns in ctx.dns.nameservers]
    return assemble(plan, facts, catalogue, nameservers)
