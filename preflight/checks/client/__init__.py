"""What users' mail clients meet on the new server (``client.*``).

Submission (587 STARTTLS, 465 implicit TLS), IMAPS 993 and POP3S 995 on each new IP (143/110 with
STARTTLS when named with ``--client``): TLS version, chain, the names users configured
(``--client-name``), logins only after TLS; and the SRV (RFC 6186, RFC 8314) and
autoconfig/autodiscover names of each domain leading to the new server. Nothing is probed unless
the run's config carries :class:`.settings.ClientSettings` (the CLI adds them; ``--no-client``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.checks.client import outcomes
from preflight.checks.client.settings import OPTIONS, ClientSettings, configure
from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput

__all__ = ["FAMILY", "ClientSettings", "outcomes"]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.client import family

    return family.run(ctx)


FAMILY = Family(
    "client", _run, options=OPTIONS, settings=ClientSettings, configure=configure,
    outcomes=lambda: outcomes_in(outcomes),
)
"""The mail-client ports (its plan keys live in the ``[transport]`` table of ``mta_sts``)."""


def __getattr__(name: str) -> Any:
    """The family's public names, loaded on first use (they need dnspython)."""
    if name.startswith("__") or name in ('family', 'collect', 'evaluate', 'outcomes', 'settings'):
        raise AttributeError(name)
    from preflight.checks.client import family

    return getattr(family, name)
