"""SMTP probe of the new server: banner, EHLO, STARTTLS, certificate, relay, as senders see it.

Receivers and the checkers users compare us with judge a new server by what it says on port 25.
Each finding stays its own result (see :mod:`.outcomes` for the stable check ids): a bad
certificate is never "no STARTTLS", and a throttling server is "could not check", never a fail.

Nothing is probed unless the run's config carries :class:`.settings.SmtpSettings` with targets
(the CLI adds them; a bare :class:`~preflight.config.RunConfig` probes nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.checks.smtp import outcomes
from preflight.checks.smtp.settings import OPTIONS, PLAN_TABLE, SmtpSettings, configure
from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.checks.smtp.facts import name_matches, read_certificate
    from preflight.checks.smtp.family import probes
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput

__all__ = ["FAMILY", "SmtpSettings", "name_matches", "outcomes", "probes", "read_certificate"]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.smtp import family

    return family.run(ctx)


FAMILY = Family(
    "smtp", _run, plan={"smtp": PLAN_TABLE}, options=OPTIONS, settings=SmtpSettings, configure=configure,
    outcomes=lambda: outcomes_in(outcomes), sections=("smtp",),
)
"""The SMTP probe (see :class:`preflight.engine.Family`)."""


def __getattr__(name: str) -> Any:
    """The family's public names, loaded on first use (they need dnspython)."""
    if name.startswith("__") or name in ('family', 'collect', 'evaluate', 'facts', 'outcomes', 'settings'):
        raise AttributeError(name)
    from preflight.checks.smtp import family

    return getattr(family, name)
