"""MTA-STS (RFC 8461) of each sending domain, judged for the migration.

``mta_sts.record`` (the ``_mta-sts`` TXT record and its ``id``), ``mta_sts.policy`` (fetched over
HTTPS from ``https://mta-sts.<domain>/.well-known/mta-sts.txt``, verified, bounded, parsed with
checkdmarc's parser), ``mta_sts.mode``, ``mta_sts.max_age`` (the lead time of any policy change),
``mta_sts.mx`` (the patterns cover the MX hosts in use and the new server) and, with a baseline,
``mta_sts.id`` (a changed policy got a new id). Nothing is checked unless the run's config carries
:class:`.settings.TransportSettings` (the CLI and the demo add them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.checks.mta_sts import outcomes
from preflight.checks.mta_sts.settings import OPTIONS, PLAN_TABLE, TransportSettings, configure
from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.checks.mta_sts.family import MtaStsFacts
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput

__all__ = ["FAMILY", "MtaStsFacts", "TransportSettings", "outcomes"]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.mta_sts import family

    return family.run(ctx)


FAMILY = Family(
    "mta_sts", _run, plan={"transport": PLAN_TABLE}, options=OPTIONS, settings=TransportSettings,
    configure=configure, outcomes=lambda: outcomes_in(outcomes), sections=("mta_sts",),
    early=True,
)
"""MTA-STS; its settings and ``[transport]`` table serve ``tls_rpt``, ``dane`` and ``client`` too."""


def __getattr__(name: str) -> Any:
    """The family's public names, loaded on first use (they need dnspython)."""
    if name.startswith("__") or name in ('family', 'collect', 'evaluate', 'outcomes', 'settings'):
        raise AttributeError(name)
    from preflight.checks.mta_sts import family

    return getattr(family, name)
