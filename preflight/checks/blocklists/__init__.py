"""Blocklists and reputation of the new IPs and names: every relevant DNSBL, in about one round trip.

The incident that brings users to preflight is a new IP that turns out to be blocklisted, and
the worst a checker can do is a false "listed" (a refusal code, a dead list) or a false "clean"
(a resolver the lists silently refuse). So every zone answers its RFC 5782 test points in the
same run, refusal codes are never listings, and a zone that fails its self-test does not count.

Modules: :mod:`.settings` (plan ``[blocklists]``, flags, DQS key), :mod:`.queries` (query
names, pure), :mod:`.collect` (all DNS, concurrent), :mod:`.health` and :mod:`.evaluate`
(pure), :mod:`.reputation` (Team Cymru, graded scores, neighbourhood; pure),
:mod:`.outcomes` (the check ids), :mod:`.family` (``run(ctx)``), :mod:`.listing` (``preflight
lists``). This ``__init__`` is the family's public face: other families (partners, cutover)
import only the names below, never the modules.
"""

from __future__ import annotations

from preflight.checks.blocklists.collect import collect as collect_lists
from preflight.checks.blocklists.evaluate import evaluate_subject
from preflight.checks.blocklists.health import Answers, Health, evidence_of, read, zone_health
from preflight.checks.blocklists.plan import build_plan
from preflight.checks.blocklists.queries import Question, ZoneRef
from preflight.checks.blocklists.settings import settings_of, with_rfc_test_points

__all__ = [
    "Answers", "Health", "Question", "ZoneRef", "build_plan", "collect_lists", "evaluate_subject",
    "evidence_of", "read", "settings_of", "with_rfc_test_points", "zone_health",
]
