"""DMARC: a valid record on the domain or its organizational domain, its policy, its reports.

Records are fetched through our DNS layer; checkdmarc parses them (on our resolver).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput, Outcome

__all__ = ["FAMILY"]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.dmarc import family

    return family.run(ctx)


def _outcomes() -> tuple[Outcome, ...]:
    from preflight.checks.dmarc import family

    return outcomes_in(family)


FAMILY = Family(
    "dmarc", _run, outcomes=_outcomes, early=True,
)
"""The dmarc family (see :class:`preflight.engine.Family`)."""


def __getattr__(name: str) -> Any:
    """The family's public names (its checks, facts and outcomes), loaded on first use."""
    if name in ("family", "outcomes", "settings") or name.startswith("__"):
        raise AttributeError(name)
    from preflight.checks.dmarc import family

    return getattr(family, name)
