"""Helpers of the DNS check tests: the outcome recorder and assertions on result lists.

Every family test asserts its results through ``outcomes.expect(...)``, which checks one result's
check id, outcome name, status and key params, and records ``(check_id, outcome)`` as covered.
``test_outcome_coverage.py`` runs last and compares what was recorded with every ``Outcome``
declared in the five DNS check modules, so a new outcome without a test fails the suite.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from preflight.model import CheckResult, Status

FAMILY_MODULES = ("test_rdns.py", "test_spf.py", "test_dmarc.py", "test_dkim.py", "test_mx.py",
                  "test_end_to_end.py", "test_mta_sts.py", "test_tls_rpt.py", "test_dane.py", "test_client.py")
"""Test modules that feed the recorder; the coverage test needs all of them in the run."""

COVERAGE_MODULE = "test_outcome_coverage.py"


def describe(results: Iterable[CheckResult]) -> str:
    """One line per result, for assertion messages."""
    return "\n".join(
        f"  {r.check_id} {r.outcome} {r.status.value} [{r.subject}] {dict(r.params)}" for r in results
    )


@dataclass
class OutcomeRecorder:
    """The (check_id, outcome) pairs the tests of this run asserted."""

    seen: set[tuple[str, str]] = field(default_factory=set)

    def expect(
        self,
        results: Sequence[CheckResult],
        check_id: str,
        outcome: str,
        status: Status,
        *,
        subject: str | None = None,
        **params: object,
    ) -> CheckResult:
        """Find the one ``check_id`` result (narrowed by ``subject``, then by ``params`` when
        there are several), assert its outcome, status and ``params``, record it as covered."""
        candidates = [
            r for r in results if r.check_id == check_id and (subject is None or r.subject == subject)
        ]
        if len(candidates) > 1:
            candidates = [
                r for r in candidates if all(r.params.get(k) == str(v) for k, v in params.items())
            ]
        assert len(candidates) == 1, (
            f"expected one {check_id} result (subject={subject}, {params}), "
            f"found {len(candidates)} in:\n{describe(results)}"
        )
        result = candidates[0]
        assert (result.outcome, result.status) == (outcome, status), (
            f"{check_id}: expected {outcome}/{status.value}, got:\n{describe([result])}"
        )
        for key, value in params.items():
            assert result.params.get(key) == str(value), f"{check_id} param {key}:\n{describe([result])}"
        self.seen.add((check_id, outcome))
        return result


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
