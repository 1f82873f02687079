"""Every outcome every family declares is asserted (or produced on purpose) by a test.

The families come from the registry (``Family.outcomes``), so a new family or a new outcome
without a test fails here. The check tests assert through :func:`support.expect` (or record the
results of their tables with :func:`support.record`); this test runs last (tests/checks/conftest.py
moves it) and needs every test under tests/checks in the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import RECORDED

from checks.conftest import COLLECTED
from preflight.registry import FAMILIES

KNOWN_GAPS: dict[str, frozenset[str]] = {
    "smtp": frozenset({"smtp.connect.disabled", "smtp.relay.interrupted"}),
    "partners": frozenset({
        "partners.domain.found", "partners.domain.found_large", "partners.domain.partial",
        "partners.rejected.unknown_hostname", "partners.source.log_empty", "partners.source.log_failed",
        "partners.summary.accepted", "partners.list.dead", "partners.list.refusal", "partners.list.wildcard",
        "partners.rejected.rejected_dead", "partners.rejected.rejected_hostname",
        "partners.rejected.rejected_refusal",
    }),
}
"""Outcomes no test asserts yet, by family: visible debt (an entry may only shrink)."""


def declared() -> dict[str, set[tuple[str, str]]]:
    """(check_id, outcome name) of every declared outcome, by family."""
    return {family.name: {(o.check_id, o.name) for o in family.outcomes()} for family in FAMILIES}


def test_every_family_declares_outcomes() -> None:
    found = declared()
    assert set(found) == {f.name for f in FAMILIES}
    assert all(found.values()), [name for name, outcomes in found.items() if not outcomes]


@pytest.mark.parametrize("family", [f.name for f in FAMILIES])
def test_every_declared_outcome_is_asserted_by_a_test(request: pytest.FixtureRequest, family: str) -> None:
    collected = request.config.stash.get(COLLECTED, [])
    selected = {item.nodeid for item in request.session.items}
    here = Path(__file__).resolve().parent
    modules = set(here.rglob("test_*.py"))
    ran = {(request.config.rootpath / nodeid.split("::")[0]).resolve() for nodeid in collected}
    if not set(collected) <= selected or modules - ran:
        pytest.skip("outcome coverage needs every test under tests/checks in the run")
    gaps = KNOWN_GAPS.get(family, frozenset())
    missing = {f"{c}.{n}" for c, n in declared()[family] - RECORDED} - gaps
    assert not missing, "outcomes no test asserts:\n" + "\n".join(f"  {m}" for m in sorted(missing))
    stale = gaps & {f"{c}.{n}" for c, n in RECORDED}
    assert not stale, f"asserted now, remove from KNOWN_GAPS: {sorted(stale)}"
