"""Helpers of the check tests: the ``outcomes`` fixture's recorder (:mod:`support`'s ``expect``)
and small assertions on result lists. ``test_outcome_coverage.py`` runs last and compares what was
recorded with every outcome the registry's families declare.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from support import RECORDED, describe, expect

from preflight.model import CheckResult, Status

__all__ = ["OutcomeRecorder", "assert_could_not_check", "by_status", "describe", "texts"]

COVERAGE_MODULE = "test_outcome_coverage.py"


@dataclass
class OutcomeRecorder:
    """The ``outcomes`` fixture: :func:`support.expect` and the session's record."""

    seen: set[tuple[str, str]] = field(default_factory=lambda: RECORDED)

    @staticmethod
    def expect(results: Sequence[CheckResult], check_id: str, outcome: str, status: Status, *,
               subject: str | None = None, **params: object) -> CheckResult:
        """See :func:`support.expect`."""
        return expect(results, check_id, outcome, status, subject=subject, **params)


def by_status(results: Iterable[CheckResult], *statuses: Status) -> list[tuple[str, str]]:
    """(check_id, outcome) of the results with one of ``statuses``, sorted."""
    return sorted((r.check_id, r.outcome) for r in results if r.status in statuses)


def assert_could_not_check(results: Iterable[CheckResult]) -> None:
    """A question DNS did not answer is an error: no result may pass, warn or fail because of it."""
    results = list(results)
    assert any(r.status is Status.ERROR for r in results), describe(results)
    assert all(r.status in (Status.ERROR, Status.SKIP) for r in results), describe(results)


def texts(result: CheckResult) -> list[str]:
    """Every piece of text a result carries: subject, params, evidence."""
    out = [result.subject, *result.params.values()]
    for ev in result.evidence:
        out += [ev.label, ev.value, ev.source]
    return out
