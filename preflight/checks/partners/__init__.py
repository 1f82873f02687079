"""Partner impact: will the new server reject mail from the partners we depend on?

The case mail admins dread: the new server rejects by DNS blocklist, a partner's server is listed,
and the partner cannot be made to get delisted. Before cutover this family predicts, for each
partner address, what the new server will do with it — accepted, rejected (by which rule, with
which SMTP code, and the allowlist entry that lets it in), or *could not tell* — using the new
server's own RBL policy (SSH inventory) or the plan's ``server_rbls``.

Partners come from ``--partner DOMAIN`` (MX hosts and SPF, walked with bounds), ``--partner-ip``
and ``--partners-from-log`` (the busiest clients of the old server's mail log, counted on the
server). :mod:`.collect` does all I/O; :mod:`.evaluate`, :mod:`.predict` and :mod:`.section` are
pure; :mod:`.family` holds ``run(ctx)``. Nothing runs unless the run's config carries
:class:`.settings.PartnerSettings`. The plan table (``[partners]``) reaches the plan loader
through :mod:`preflight.registry`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from preflight.checks.partners import outcomes
from preflight.checks.partners.settings import OPTIONS, PLAN_TABLE, PartnerSettings, configure
from preflight.engine.family import Family, outcomes_in
from preflight.model import FamilyOutput

if TYPE_CHECKING:
    from preflight.engine import RunConfig, RunContext

__all__ = ["FAMILY", "PartnerSettings", "outcomes"]


def _idle(config: RunConfig) -> bool:
    """Nothing to do: no partner configured (``family.run`` would return an empty output)."""
    settings = config.settings_of(PartnerSettings)
    return settings is None or not settings.requested


def _run(ctx: RunContext) -> FamilyOutput:
    if _idle(ctx.config):
        return FamilyOutput()
    from preflight.checks.partners import family

    return family.run(ctx)


FAMILY = Family(
    "partners", _run, plan={"partners": PLAN_TABLE}, options=OPTIONS, settings=PartnerSettings,
    configure=configure, outcomes=lambda: outcomes_in(outcomes), sections=("partners",), idle=_idle,
)
"""Partner impact (see :class:`preflight.engine.Family`)."""

