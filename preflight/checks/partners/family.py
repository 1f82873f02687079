"""The partners family entry: collect (all I/O), assemble (pure) into results and the section."""

from __future__ import annotations

from preflight.checks.partners.addresses import origins_text
from preflight.checks.partners.collect import PartnerFacts, collect
from preflight.checks.partners.evaluate import (
    Judged,
    evaluate_domain,
    evaluate_lists,
    evaluate_log,
    evaluate_policy,
    evaluate_summary,
    judge,
)
from preflight.checks.partners.section import partners_section
from preflight.checks.partners.settings import PartnerSettings, settings_of
from preflight.data.catalogue import Catalogue
from preflight.data.loader import load_catalogue
from preflight.model import CheckResult, FamilyOutput
from preflight.engine import RunContext


def assemble(facts: PartnerFacts, settings: PartnerSettings, catalogue: Catalogue | None = None) -> FamilyOutput:
    """Every ``partners.*`` result and the ``partners`` section (pure)."""
    ignored = facts.policy.source == "ssh" and settings.plan_policy is not None
    results: list[CheckResult] = [evaluate_policy(facts.policy, ignored)]
    if facts.log is not None:
        results.append(evaluate_log(facts.log))
    results += [evaluate_domain(d) for d in facts.domains]
    judged: list[Judged] = []
    if facts.policy.policy is not None:
        judged = [judge(partner, ip, origins_text(origins), facts)
                  for partner in facts.partners for ip, origins in partner.addresses]
    results += evaluate_lists(facts, catalogue or load_catalogue(), judged)
    results += [j.result for j in judged]
    results.append(evaluate_summary(facts.partners, judged, facts.policy.policy is not None))
    return FamilyOutput(tuple(results), {"partners": partners_section(facts, settings, judged)})


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: predict every partner's fate (nothing when no partner is configured)."""
    settings = settings_of(ctx.config)
    if settings is None or not settings.requested:
        return FamilyOutput()
    catalogue = load_catalogue()
    return assemble(collect(ctx, settings, catalogue), settings, catalogue)
