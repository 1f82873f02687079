"""Every outcome the DNS check modules declare is asserted by at least one test.

The family tests assert results through ``outcomes.expect(...)`` (checks/support.py), which
records each (check_id, outcome) it verified; this test runs last (checks/conftest.py moves it)
and compares the record with the declared ``Outcome`` constants. A new outcome without a test
fails here.
"""

from __future__ import annotations

import pytest

from checks.conftest import COLLECTED
from checks.support import FAMILY_MODULES, OutcomeRecorder
from preflight.checks import dkim, dmarc, mx, rdns, spf, tls_rpt
from preflight.checks.client import outcomes as client
from preflight.checks.dane import outcomes as dane
from preflight.checks.mta_sts import outcomes as mta_sts
from preflight.model import Outcome

MODULES = (rdns, spf, dmarc, dkim, mx, mta_sts, tls_rpt, dane, client)


def declared_outcomes() -> set[tuple[str, str]]:
    """(check_id, name) of every Outcome constant in the five DNS check modules."""
    return {
        (value.check_id, value.name)
        for module in MODULES
        for value in vars(module).values()
        if isinstance(value, Outcome)
    }


def test_the_five_modules_declare_outcomes() -> None:
    declared = declared_outcomes()
    assert {check_id.split(".")[0] for check_id, _ in declared} == {
        "rdns", "host", "spf", "dmarc", "dkim", "mx", "ttl", "mta_sts", "tls_rpt", "dane", "client"}
    assert len(declared) >= 60


def test_every_declared_outcome_is_asserted_by_a_test(
    request: pytest.FixtureRequest, outcome_recorder: OutcomeRecorder,
) -> None:
    collected = request.config.stash.get(COLLECTED, [])
    selected = {item.nodeid for item in request.session.items}
    modules = {nodeid.split("::")[0].rsplit("/", 1)[-1] for nodeid in collected}
    if modules != set(FAMILY_MODULES) or not set(collected) <= selected:
        pytest.skip("outcome coverage needs every test of tests/checks in the run")
    missing = declared_outcomes() - outcome_recorder.seen
    assert not missing, "outcomes no test asserts:\n" + "\n".join(
        f"  {check_id} {name}" for check_id, name in sorted(missing))
    unknown = outcome_recorder.seen - declared_outcomes()
    assert not unknown, f"tests asserted outcomes no module declares: {sorted(unknown)}"
