"""What other families (partners, cutover) use of the blocklists family, served by its package."""

from __future__ import annotations

from preflight.checks.blocklists.collect import collect as collect_lists
from preflight.checks.blocklists.evaluate import evaluate_subject
from preflight.checks.blocklists.health import Answers, Health, evidence_of, read, zone_health
from preflight.checks.blocklists.plan import build_plan
from preflight.checks.blocklists.queries import Question, ZoneRef
from preflight.checks.blocklists.settings import with_rfc_test_points

__all__ = [
    "Answers", "Health", "Question", "ZoneRef", "build_plan", "collect_lists", "evaluate_subject",
    "evidence_of", "read", "with_rfc_test_points", "zone_health",
]
