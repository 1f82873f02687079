"""DKIM: the public key of every (domain, selector) the new server will sign with.

The key record is parsed with RFC 6376 tag=value rules; the key itself is loaded with
``cryptography`` to learn its real type and size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.checks.dkim.family import parse_tags
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput, Outcome

__all__ = ["FAMILY", "parse_tags"]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.dkim import family

    return family.run(ctx)


def _outcomes() -> tuple[Outcome, ...]:
    from preflight.checks.dkim import family

    return outcomes_in(family)


FAMILY = Family(
    "dkim", _run, outcomes=_outcomes, early=True,
)
"""The dkim family (see :class:`preflight.engine.Family`)."""


def __getattr__(name: str) -> Any:
    """The family's public names (its checks, facts and outcomes), loaded on first use."""
    if name in ("family", "outcomes", "settings") or name.startswith("__"):
        raise AttributeError(name)
    from preflight.checks.dkim import family

    return getattr(family, name)
