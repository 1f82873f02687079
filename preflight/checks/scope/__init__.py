"""The scope rule: a verdict is only as strong as what the run covered.

``ready`` / ``ready_with_warnings`` need the minimum scope: every new IP (``--ip``, required),
the HELO host name (``--hostname``), at least one sending domain (``--domain``: SPF, DMARC, MX)
and at least one DKIM selector (``--dkim-selector``). Each part left out becomes an explicit
"not checked" result naming the flag to add (status ``error``: the verdict is ``inconclusive``,
exit 3, unless something failed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput, Outcome


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.scope import family

    return family.run(ctx)


def _outcomes() -> tuple[Outcome, ...]:
    from preflight.checks.scope import family

    return outcomes_in(family)


FAMILY = Family(
    "scope", _run, outcomes=_outcomes,
)
"""The scope family (see :class:`preflight.engine.Family`)."""


def __getattr__(name: str) -> Any:
    """The family's public names (its checks, facts and outcomes), loaded on first use."""
    if name in ("family", "outcomes", "settings") or name.startswith("__"):
        raise AttributeError(name)
    from preflight.checks.scope import family

    return getattr(family, name)
