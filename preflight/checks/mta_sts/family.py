"""MTA-STS (RFC 8461) of each sending domain, judged for the migration.

``mta_sts.record`` (the ``_mta-sts`` TXT record and its ``id``), ``mta_sts.policy`` (fetched over
HTTPS from ``https://mta-sts.<domain>/.well-known/mta-sts.txt``, verified, bounded, parsed with
checkdmarc's parser), ``mta_sts.mode``, ``mta_sts.max_age`` (the lead time of any policy change),
``mta_sts.mx`` (the patterns cover the MX hosts in use and the new server) and, with a baseline,
``mta_sts.id`` (a changed policy got a new id). Nothing is checked unless the run's config carries
:class:`.settings.TransportSettings` (the CLI and the demo add them).
"""

from __future__ import annotations

from typing import Any

from preflight.checks.mta_sts import outcomes
from preflight.checks.mta_sts.collect import MtaStsFacts, collect
from preflight.checks.mta_sts.evaluate import evaluate
from preflight.checks.mta_sts.settings import TransportSettings
from preflight.engine import RunContext, concurrent_map
from preflight.model import FamilyOutput

__all__ = ["MtaStsFacts", "TransportSettings", "outcomes", "run"]


def _baseline(ctx: RunContext) -> tuple[dict[str, Any], str]:
    """The saved report's ``mta_sts`` domains (hostile data: only a dict is used) and its date."""
    saved = ctx.baseline or {}
    section = saved.get("mta_sts") if isinstance(saved, dict) else None
    domains = section.get("domains") if isinstance(section, dict) else None
    date = saved.get("generated_at") if isinstance(saved, dict) else None
    return (domains if isinstance(domains, dict) else {}), (date if isinstance(date, str) else "")[:40]


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: every domain's record, policy and coverage (nothing when not configured)."""
    settings = ctx.config.settings_of(TransportSettings)
    if settings is None or not settings.enabled:
        return FamilyOutput()
    target = ctx.config.target
    facts = concurrent_map(lambda d: collect(ctx.dns, d, settings, ctx.resolver_answered),
                           target.domains, workers=4)
    saved, since = _baseline(ctx)
    new_ips = frozenset(str(ip) for ip in target.ips)
    results = []
    domains: dict[str, Any] = {}
    for f in facts:
        found, entry = evaluate(f, hostname=target.hostname, baseline=saved.get(f.domain), since=since,
                                 new_ips=new_ips)
        results.extend(found)
        if entry is not None:
            domains[f.domain] = entry
    return FamilyOutput(tuple(results), {"mta_sts": {"domains": domains}} if domains else {})
