"""Reverse DNS of the new IPs and the forward DNS of the new host name.

Receivers look up the PTR of the connecting IP, check that it resolves back to the same IP
(forward-confirmed reverse DNS, FCrDNS), and distrust names that look like consumer or
dynamic address space. They also compare it with the HELO name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.checks.rdns.family import PtrFacts, collect_ptr, collect_ptrs
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput, Outcome

__all__ = ["FAMILY", "PtrFacts", "collect_ptr", "collect_ptrs"]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.rdns import family

    return family.run(ctx)


def _outcomes() -> tuple[Outcome, ...]:
    from preflight.checks.rdns import family

    return outcomes_in(family)


FAMILY = Family(
    "rdns", _run, outcomes=_outcomes, early=True,
)
"""The rdns family (see :class:`preflight.engine.Family`)."""


def __getattr__(name: str) -> Any:
    """The family's public names (its checks, facts and outcomes), loaded on first use."""
    if name in ("family", "outcomes", "settings") or name.startswith("__"):
        raise AttributeError(name)
    from preflight.checks.rdns import family

    return getattr(family, name)
