"""The scope rule as a pure function: one "not checked" result per missing part, naming the flag."""

from __future__ import annotations

import pytest

from preflight.checks.scope import evaluate
from preflight.model import Status, Verdict, verdict_for


@pytest.mark.parametrize(("hostname", "domains", "selectors", "expected"), [
    ("mail.example.com", ("example.com",), ("s1",), []),
    (None, ("example.com",), ("s1",), [("scope.hostname", "--hostname")]),
    ("mail.example.com", (), ("s1",), [("scope.domain", "--domain")]),
    ("mail.example.com", ("example.com",), (), [("scope.dkim_selector", "--dkim-selector")]),
    (None, (), (), [("scope.hostname", "--hostname"), ("scope.domain", "--domain"),
                    ("scope.dkim_selector", "--dkim-selector")]),
])
def test_each_missing_part_is_one_not_checked_result(
    hostname: str | None, domains: tuple[str, ...],
    selectors: tuple[str, ...], expected: list[tuple[str, str]],
) -> None:
    results = evaluate(hostname, domains, selectors)
    assert [(r.check_id, r.params["flag"]) for r in results] == expected
    assert all((r.outcome, r.status) == ("not_given", Status.ERROR) for r in results)
    # A run with only passes besides these is inconclusive, never ready
    passes = [Status.PASS] * 5
    verdict = verdict_for([*passes, *(r.status for r in results)])
    assert verdict is (Verdict.INCONCLUSIVE if expected else Verdict.READY)
