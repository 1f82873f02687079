"""TLS-RPT (RFC 8460): ``_smtp._tls.<domain>`` tells senders where to report TLS failures.

Without it nobody tells the admin that senders fail to negotiate TLS (or reject the new server
under MTA-STS or DANE) after cutover. The record is parsed with checkdmarc's parser; the DNS
question goes through preflight's DNS layer. Runs when the transport settings are present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput, Outcome

__all__ = ["FAMILY"]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.tls_rpt import family

    return family.run(ctx)


def _outcomes() -> tuple[Outcome, ...]:
    from preflight.checks.tls_rpt import family

    return outcomes_in(family)


FAMILY = Family("tls_rpt", _run, outcomes=_outcomes, early=True)
"""TLS reporting (settings: the ``mta_sts`` family's)."""


def __getattr__(name: str) -> Any:
    """The family's public names, loaded on first use (they need dnspython)."""
    if name.startswith("__") or name in ('family',):
        raise AttributeError(name)
    from preflight.checks.tls_rpt import family

    return getattr(family, name)
