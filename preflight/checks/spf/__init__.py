"""SPF: one valid record per domain, within the lookup limits, and authorizing every new IP.

The record is fetched through our DNS layer (so "no record" and "could not ask" stay apart),
parsed and lookup-counted by checkdmarc, and evaluated per new IP with pyspf's RFC 7208
``check_host`` running on our resolver.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.checks.spf.family import check_host
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput, Outcome

__all__ = ["FAMILY", "check_host"]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.spf import family

    return family.run(ctx)


def _outcomes() -> tuple[Outcome, ...]:
    from preflight.checks.spf import family

    return outcomes_in(family)


FAMILY = Family(
    "spf", _run, outcomes=_outcomes, early=True,
)
"""The spf family (see :class:`preflight.engine.Family`)."""


def __getattr__(name: str) -> Any:
    """The family's public names (its checks, facts and outcomes), loaded on first use."""
    if name in ("family", "outcomes", "settings") or name.startswith("__"):
        raise AttributeError(name)
    from preflight.checks.spf import family

    return getattr(family, name)
