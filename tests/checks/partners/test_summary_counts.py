"""``partners.summary`` passes only when something was checked and accepted (issue 12, item 2)."""

from __future__ import annotations

from preflight.checks.partners.collect import Partner
from preflight.checks.partners.evaluate import evaluate_summary
from preflight.model import Status


def test_partners_with_addresses_but_nothing_judged_is_not_a_pass() -> None:
    # Given two partners with addresses, none of which was judged (the prediction never ran)
    partners = [Partner("a.example", "domain", (("192.0.2.7", ()),)),
                Partner("b.example", "ip", (("192.0.2.8", ()),))]
    # When the summary is made
    summary = evaluate_summary(partners, [], policy_ok=True)
    # Then "0 of 2 accepted" is could-not-check, naming both, never a pass
    assert (summary.outcome, summary.status) == ("unknown", Status.ERROR)
    assert summary.params["unknown"] == "2"
    assert summary.params["names"] == "a.example, b.example"


def test_no_partner_with_an_address_is_skipped_not_passed() -> None:
    summary = evaluate_summary([Partner("a.example", "domain", ())], [], policy_ok=True)
    assert summary.status is Status.SKIP
