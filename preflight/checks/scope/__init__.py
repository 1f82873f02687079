"""The scope rule: a verdict is only as strong as what the run covered.

``ready`` / ``ready_with_warnings`` need the minimum scope: every new IP (``--ip``, required),
the HELO host name (``--hostname``), at least one sending domain (``--domain``: SPF, DMARC, MX)
and at least one DKIM selector (``--dkim-selector``). Each part left out becomes an explicit
"not checked" result naming the flag to add (status ``error``: the verdict is ``inconclusive``,
exit 3, unless something failed).
"""

from __future__ import annotations

from preflight.engine import RunContext
from preflight.model import CheckResult, FamilyOutput, Outcome, Status

HOSTNAME_NOT_GIVEN = Outcome("scope.hostname", "not_given", Status.ERROR, ("flag",))
DOMAIN_NOT_GIVEN = Outcome("scope.domain", "not_given", Status.ERROR, ("flag",))
SELECTOR_NOT_GIVEN = Outcome("scope.dkim_selector", "not_given", Status.ERROR, ("flag",))

SCOPE_IDS = ("scope.hostname", "scope.domain", "scope.dkim_selector")
"""Check ids of the "not checked" results, in the order the report lists them."""


def evaluate(hostname: str | None, domains: tuple[str, ...], selectors: tuple[str, ...]
             ) -> list[CheckResult]:
    """One "not checked" result per part of the minimum scope the run left out."""
    out = []
    if not hostname:
        out.append(HOSTNAME_NOT_GIVEN("--hostname", flag="--hostname"))
    if not domains:
        out.append(DOMAIN_NOT_GIVEN("--domain", flag="--domain"))
    if not selectors:
        out.append(SELECTOR_NOT_GIVEN("--dkim-selector", flag="--dkim-selector"))
    return out


def run(ctx: RunContext) -> FamilyOutput:
    """Family entry: the scope rule over the run's target."""
    target = ctx.config.target
    return FamilyOutput(tuple(evaluate(target.hostname, tuple(target.domains),
                                       tuple(target.dkim_selectors))))
