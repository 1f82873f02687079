"""Server inventory over SSH: what the new (and old) server will really do.

DNS shows what the world sees; only the server shows what it will do. This family logs in to the
new server (and, with ``--old-ssh``, the old one), runs only the allowlisted read-only commands of
:mod:`preflight.net.ssh`, parses what it read with :mod:`preflight.inventory`, and judges it:
OS end of life, MTA, HELO name, mynetworks, source address, listening addresses, TLS files and
levels, the DNS blocklists enforced (dead ones, public resolvers), the DKIM signer and each key
against DNS, and outbound port 25. With an old server it also lays the settings side by side.

Nothing is contacted unless the run's config carries :class:`.settings.SshSettings` (the CLI adds
them for ``--ssh``); a bare :class:`~preflight.config.RunConfig` logs in nowhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.checks.server import outcomes
from preflight.checks.server.settings import OPTIONS, PLAN_TABLE, SshSettings, configure
from preflight.engine.family import Family, outcomes_in
from preflight.model import FamilyOutput

if TYPE_CHECKING:
    from preflight.checks.server.family import evaluate_new, evaluate_old, mx_targets, server_facts
    from preflight.checks.server.section import rbl_policy_to_dict
    from preflight.engine import RunConfig, RunContext

__all__ = [
    "FAMILY", "SshSettings", "evaluate_new", "evaluate_old", "mx_targets", "outcomes", "rbl_policy_to_dict",
    "server_facts",
]


def _idle(config: RunConfig) -> bool:
    """Nothing to do: no server to inventory (``family.run`` would return an empty output)."""
    settings = config.settings_of(SshSettings)
    return settings is None or settings.new is None


def _run(ctx: RunContext) -> FamilyOutput:
    if _idle(ctx.config):
        return FamilyOutput()
    from preflight.checks.server import family

    return family.run(ctx)


FAMILY = Family(
    "server", _run, plan={"ssh": PLAN_TABLE}, options=OPTIONS, settings=SshSettings, configure=configure,
    outcomes=lambda: outcomes_in(outcomes), sections=("inventory",), idle=_idle,
)
"""The SSH inventory of the new (and old) server (see :class:`preflight.engine.Family`)."""


def __getattr__(name: str) -> Any:
    """The family's public names, loaded on first use (they need dnspython)."""
    if name.startswith("__") or name in ('family', 'collect', 'compare', 'evaluate_dkim', 'evaluate_host', 'evaluate_postfix', 'evaluate_rbl', 'facts', 'outcomes', 'section', 'settings'):
        raise AttributeError(name)
    from preflight.checks.server import family

    return getattr(family, name)
