"""The old server around cutover: its IP in SPF, and its PTR and blocklist state for reference.

Before cutover the old IP must still be authorized (mail still leaves from it); after
cutover it should leave SPF once things have settled. The old IP's PTR and (when the blocklist
checks run) its listing state are shown for reference in the ``old_ips`` section: they explain
the old server's reputation but are not part of the new server's verdict.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput, Outcome

__all__ = ["FAMILY"]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.cutover import family

    return family.run(ctx)


def _outcomes() -> tuple[Outcome, ...]:
    from preflight.checks.cutover import family

    return outcomes_in(family)


FAMILY = Family(
    "cutover", _run, outcomes=_outcomes, early=True,
)
"""The cutover family (see :class:`preflight.engine.Family`)."""


def __getattr__(name: str) -> Any:
    """The family's public names (its checks, facts and outcomes), loaded on first use."""
    if name in ("family", "outcomes", "settings") or name.startswith("__"):
        raise AttributeError(name)
    from preflight.checks.cutover import family

    return getattr(family, name)
