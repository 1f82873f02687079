"""MX of each sending domain, and the TTLs that decide how fast a cutover takes effect."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput, Outcome

__all__ = ["FAMILY"]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.mx import family

    return family.run(ctx)


def _outcomes() -> tuple[Outcome, ...]:
    from preflight.checks.mx import family

    return outcomes_in(family)


FAMILY = Family(
    "mx", _run, outcomes=_outcomes, early=True,
)
"""The mx family (see :class:`preflight.engine.Family`)."""


def __getattr__(name: str) -> Any:
    """The family's public names (its checks, facts and outcomes), loaded on first use."""
    if name in ("family", "outcomes", "settings") or name.startswith("__"):
        raise AttributeError(name)
    from preflight.checks.mx import family

    return getattr(family, name)
