"""The message family entry: read each saved message, verify it (I/O), evaluate (pure)."""

from __future__ import annotations

from preflight.checks.message.collect import collect
from preflight.checks.message.evaluate import evaluate
from preflight.checks.message.section import messages_section
from preflight.checks.message.settings import settings_of
from preflight.engine import RunContext, concurrent_map
from preflight.model import FamilyOutput


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: every ``--message`` file (nothing when none is given)."""
    settings = settings_of(ctx.config)
    if settings is None or not settings.messages:
        return FamilyOutput()
    from preflight.checks.dmarc import organizational_domain

    ips = tuple(str(ip) for ip in ctx.config.target.ips)
    facts = concurrent_map(lambda m: collect(ctx.dns, m, ips, organizational_domain), settings.messages, workers=4)
    selectors = tuple(s.lower() for s in ctx.config.target.dkim_selectors)
    results = tuple(r for f in facts for r in evaluate(f, organizational_domain, selectors))
    return FamilyOutput(results, {"messages": messages_section(facts, organizational_domain)})
