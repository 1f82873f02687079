"""What users' mail clients meet on the new server (``client.*``).

Submission (587 STARTTLS, 465 implicit TLS), IMAPS 993 and POP3S 995 on each new IP (143/110 with
STARTTLS when named with ``--client``): TLS version, chain, the names users configured
(``--client-name``), logins only after TLS; and the SRV (RFC 6186, RFC 8314) and
autoconfig/autodiscover names of each domain leading to the new server. Nothing is probed unless
the run's config carries :class:`.settings.ClientSettings` (the CLI adds them; ``--no-client``).
"""

from __future__ import annotations

from preflight.checks.client import outcomes
from preflight.checks.client.collect import collect_config_names, collect_probe, collect_srv
from preflight.checks.client.evaluate import evaluate_config_name, evaluate_probe, evaluate_srv
from preflight.checks.client.settings import ClientSettings, settings_of, with_settings
from preflight.engine import RunContext, concurrent_map
from preflight.model import CheckResult, FamilyOutput

__all__ = ["ClientSettings", "outcomes", "run", "settings_of", "with_settings"]

MAX_PARALLEL_PROBES = 4


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: probe each client port, then the SRV and autoconfig names of each domain."""
    settings = settings_of(ctx.config)
    if settings is None:
        return FamilyOutput()
    if not settings.enabled:
        return FamilyOutput((outcomes.DISABLED("(--no-client)"),))
    target = ctx.config.target
    names = settings.names or ((target.hostname,) if target.hostname else ())
    server_name = names[0] if names else None
    probes = concurrent_map(lambda t: collect_probe(t, settings, server_name), settings.targets,
                            workers=MAX_PARALLEL_PROBES)
    results: list[CheckResult] = [r for p in probes for r in evaluate_probe(p, names)]
    new_ips = {str(ip) for ip in target.ips}
    new_names = {n.lower() for n in names} | ({target.hostname.lower()} if target.hostname else set())
    for srvs in concurrent_map(lambda d: collect_srv(ctx.dns, d), target.domains):
        results.extend(evaluate_srv(s, new_ips, new_names, target.phase) for s in srvs)
    for found in concurrent_map(lambda d: collect_config_names(ctx.dns, d), target.domains):
        for facts in found:
            result = evaluate_config_name(facts, new_ips, target.phase)
            if result is not None:
                results.append(result)
    return FamilyOutput(tuple(results))
