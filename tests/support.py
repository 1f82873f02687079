"""The one assertion helper of the check tests, and the session's record of asserted outcomes.

``expect(results, check_id, outcome, status, subject=..., **params)`` finds the one result, asserts
its outcome, status and params, and records ``(check_id, outcome)``. Every family's tests assert
through it (directly, or through a thin adapter naming an ``Outcome`` constant), and
``tests/checks/test_outcome_coverage.py`` compares the record with every outcome the registry's
families declare.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from preflight.model import CheckResult, FamilyOutput, Status

RECORDED: set[tuple[str, str]] = set()
"""(check_id, outcome) of every result a test of this session asserted or produced on purpose."""


def describe(results: Iterable[CheckResult]) -> str:
    """One line per result, for assertion messages."""
    return "\n".join(
        f"  {r.check_id} {r.outcome} {r.status.value} [{r.subject}] {dict(r.params)}" for r in results
    )


def record(results: CheckResult | Iterable[CheckResult]) -> list[CheckResult]:
    """Record results a table-driven test produced on purpose (and checks itself)."""
    items = [results] if isinstance(results, CheckResult) else list(results)
    RECORDED.update((r.check_id, r.outcome) for r in items)
    return items


def expect(results: Sequence[CheckResult] | FamilyOutput, check_id: str, outcome: str, status: Status,
           /, *, subject: str | None = None, **params: Any) -> CheckResult:
    """The one ``check_id`` result (narrowed by ``subject`` — equal, else contained — then by
    ``params``, then by ``outcome``): assert its outcome, status and ``params``; record it."""
    found = list(results.results) if isinstance(results, FamilyOutput) else list(results)
    candidates = [r for r in found if r.check_id == check_id]
    if subject is not None:
        equal = [r for r in candidates if r.subject == subject]
        candidates = equal or [r for r in candidates if subject in r.subject]
    if len(candidates) > 1:
        candidates = [r for r in candidates if all(r.params.get(k) == str(v) for k, v in params.items())]
    if len(candidates) > 1:
        candidates = [r for r in candidates if r.outcome == outcome]
    assert len(candidates) == 1, (
        f"expected one {check_id} result (subject={subject}, {params}), "
        f"found {len(candidates)} in:\n{describe(found)}"
    )
    result = candidates[0]
    assert (result.outcome, result.status) == (outcome, status), (
        f"{check_id}: expected {outcome}/{status.value}, got:\n{describe([result])}"
    )
    for key, value in params.items():
        assert result.params.get(key) == str(value), f"{check_id} param {key}:\n{describe([result])}"
    RECORDED.add((check_id, outcome))
    return result
