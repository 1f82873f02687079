"""DANE for SMTP (RFC 7672): TLSA records of the names the new server will receive mail as.

Which names: the new server's host name (``--hostname``) and every current MX host that already
resolves to one of the new IPs (a migration that keeps the MX name). Each name's TLSA records at
``_25._tcp.<name>`` are compared with the certificate the new server presented in the run's SMTP
probe (shared through the run memo: one probe, not two), and the resolver's AD flag is reported
(a resolver that did not validate cannot vouch for DANE). Runs when the transport settings are
present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.checks.dane import outcomes
from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput

__all__ = ["FAMILY", "outcomes"]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.dane import family

    return family.run(ctx)


FAMILY = Family("dane", _run, outcomes=lambda: outcomes_in(outcomes), early=True)
"""DANE TLSA (settings: the ``mta_sts`` family's; the certificate: the ``smtp`` family's probes)."""


def __getattr__(name: str) -> Any:
    """The family's public names, loaded on first use (they need dnspython)."""
    if name.startswith("__") or name in ('family', 'evaluate', 'outcomes', 'tlsa'):
        raise AttributeError(name)
    from preflight.checks.dane import family

    return getattr(family, name)
