"""SMTP probe of the new server: banner, EHLO, STARTTLS, certificate, relay, as senders see it.

Receivers and the checkers users compare us with judge a new server by what it says on port 25.
Each finding stays its own result (see :mod:`.outcomes` for the stable check ids): a bad
certificate is never "no STARTTLS", and a throttling server is "could not check", never a fail.

Nothing is probed unless the run's config carries :class:`.settings.SmtpSettings` with targets
(the CLI adds them; a bare :class:`~preflight.config.RunConfig` probes nothing).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from preflight.checks.smtp import outcomes
from preflight.checks.smtp.collect import collect
from preflight.checks.smtp.evaluate import evaluate
from preflight.checks.smtp.facts import ProbeFacts, name_matches, read_certificate
from preflight.checks.smtp.settings import MAX_POSTMASTER_DOMAINS, SmtpSettings, settings_of
from preflight.model import FamilyOutput
from preflight.engine import RunContext, concurrent_map

__all__ = ["SmtpSettings", "name_matches", "outcomes", "probes", "read_certificate", "run", "section"]

MAX_PARALLEL_TARGETS = 4
"""Servers probed at once (each probe holds at most one connection at a time)."""


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def section(probes: list[ProbeFacts], settings: SmtpSettings, now: datetime) -> dict[str, Any]:
    """The ``smtp`` report section: per target the transcript, timings, TLS and certificate facts."""
    targets = []
    for f in probes:
        targets.append({
            "target": str(f.target),
            "address": f.address,
            "port": f.target.port,
            "timings_ms": {
                "connect": _ms(f.connect_seconds),
                "greeting": _ms(f.greeting_seconds),
                "total": _ms(f.total_seconds),
            },
            "greeting": str(f.greeting) if f.greeting is not None else None,
            "extensions": list(f.extensions),
            "tls": None if f.tls is None else {
                "version": f.tls.version,
                "cipher": f.tls.cipher,
                "bits": f.tls.bits,
                "server_name": f.tls.server_name,
            },
            "certificate": f.certificate.to_dict(now) if f.certificate is not None else None,
            "verification": None if f.verify is None else {
                "trusted": f.verify.trusted,
                "reason": f.verify.reason,
                "trust_store": f.verify.trust_store,
            },
            "stopped": None if f.stop is None else {
                "step": f.stop.step.value,
                "reason": f.stop.detail,
            },
            "transcript": list(f.transcript),
        })
    return {"settings": settings.to_dict(), "targets": targets}


def probes(ctx: RunContext) -> list[ProbeFacts] | None:
    """The run's probes of every configured target, done once per run (the ``dane`` family
    reads the certificates the new server presents from here); None when not configured."""
    settings = settings_of(ctx.config)
    if settings is None or not settings.enabled:
        return None
    target = ctx.config.target
    domains = target.domains[:MAX_POSTMASTER_DOMAINS]

    def probe_all() -> list[ProbeFacts]:
        return concurrent_map(
            lambda t: collect(t, settings, ctx.dns, hostname=target.hostname, domains=domains),
            settings.targets,
            workers=MAX_PARALLEL_TARGETS,
        )

    return ctx.memo.once(("smtp", "probes"), probe_all)


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: probe every configured target (none when not configured)."""
    settings = settings_of(ctx.config)
    if settings is None:
        return FamilyOutput()
    if not settings.enabled:
        return FamilyOutput((outcomes.CONNECT_DISABLED("(--no-smtp)"),))
    target = ctx.config.target
    domains = target.domains[:MAX_POSTMASTER_DOMAINS]
    probes_done = probes(ctx) or []
    results = []
    for facts in probes_done:
        results.extend(evaluate(
            facts, hostname=target.hostname, domains=domains, timeout=settings.timeout,
            helo=settings.helo_name, sender=settings.mail_from,
            recipient=settings.relay_test_recipient, now=ctx.now,
        ))
    return FamilyOutput(tuple(results), {"smtp": section(probes_done, settings, ctx.now)} if probes_done else {})
