"""Blocklists and reputation of the new IPs and names: every relevant DNSBL, in about one round trip.

The incident that brings users to preflight is a new IP that turns out to be blocklisted, and
the worst a checker can do is a false "listed" (a refusal code, a dead list) or a false "clean"
(a resolver the lists silently refuse). So every zone answers its RFC 5782 test points in the
same run, refusal codes are never listings, and a zone that fails its self-test does not count.

Modules: :mod:`.settings` (plan ``[blocklists]``, flags, DQS key), :mod:`.queries` (query
names, pure), :mod:`.collect` (all DNS, concurrent), :mod:`.health` and :mod:`.evaluate`
(pure), :mod:`.reputation` (Team Cymru, graded scores, neighbourhood; pure),
:mod:`.outcomes` (the check ids), :mod:`.family` (``run(ctx)``), :mod:`.listing` (``preflight
lists``). This ``__init__`` declares the family (``FAMILY``) and is its public face: other families
(partners, cutover) import only its names (served from :mod:`.shared`), never its modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.checks.blocklists import outcomes
from preflight.checks.blocklists.settings import OPTIONS, PLAN_TABLE, BlocklistSettings, configure
from preflight.engine.family import Family, outcomes_in

if TYPE_CHECKING:
    from preflight.checks.blocklists.shared import (
        Answers,
        Health,
        Question,
        ZoneRef,
        build_plan,
        collect_lists,
        evaluate_subject,
        evidence_of,
        read,
        with_rfc_test_points,
        zone_health,
    )
    from preflight.engine import RunContext
    from preflight.model import FamilyOutput

__all__ = [
    "FAMILY", "Answers", "BlocklistSettings", "Health", "Question", "ZoneRef", "build_plan", "collect_lists",
    "evaluate_subject", "evidence_of", "read", "with_rfc_test_points", "zone_health",
]


def _run(ctx: RunContext) -> FamilyOutput:
    from preflight.checks.blocklists import family

    return family.run(ctx)


FAMILY = Family(
    "blocklists", _run, plan={"blocklists": PLAN_TABLE}, options=OPTIONS, settings=BlocklistSettings,
    configure=configure, outcomes=lambda: outcomes_in(outcomes), sections=("blocklists", "reputation"),
    early=True,
)
"""Blocklists and reputation (see :class:`preflight.engine.Family`)."""


def __getattr__(name: str) -> Any:
    """The family's public names, loaded on first use (they need dnspython)."""
    if name.startswith("__") or name in ('family', 'collect', 'evaluate', 'health', 'listing', 'outcomes', 'plan', 'queries', 'reputation', 'settings', 'shared'):
        raise AttributeError(name)
    from preflight.checks.blocklists import shared

    return getattr(shared, name)
