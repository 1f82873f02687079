"""A received test message decides provider rows DNS cannot (one-click, format) and can veto
alignment; its "look in the spam folder" becomes a manual step of the action list."""

from __future__ import annotations

from typing import Any

import pytest

from preflight.report.actions import action_items
from preflight.report.providers import ReqState, evaluate, load


def result(check_id: str, outcome: str, status: str, **params: str) -> dict[str, Any]:
    return {"check_id": check_id, "outcome": outcome, "status": status, "subject": "t.eml", "params": params}


DNS_OK = [result("spf.record", "valid", "pass", domain="example.com"),
          result("spf.authorizes", "pass", "pass", domain="example.com"),
          result("dkim.key", "strong", "pass", domain="example.com")]


def states(results: list[dict[str, Any]]) -> dict[str, ReqState]:
    return {r.rule.id: r.state for r in evaluate({"results": results}, load())}


def test_without_a_message_these_rows_are_checked_by_hand() -> None:
    got = states(DNS_OK)
    assert {got[r] for r in ("google.one_click", "yahoo.one_click", "microsoft.unsubscribe", "google.format")} == \
        {ReqState.NOT_CHECKABLE}
    assert got["google.alignment"] is ReqState.MET


@pytest.mark.parametrize(("outcome", "status", "state"), [
    ("one_click", "pass", ReqState.MET), ("not_one_click", "warn", ReqState.NOT_MET), ("missing", "warn", ReqState.NOT_MET),
])
def test_one_click_from_the_message(outcome: str, status: str, state: ReqState) -> None:
    got = states([*DNS_OK, result("message.unsubscribe", outcome, status)])
    assert got["google.one_click"] is state and got["yahoo.one_click"] is state


def test_format_from_the_message() -> None:
    ok = [result("message.message_id", "valid", "pass"), result("message.date", "valid", "pass"),
          result("message.duplicates", "none", "pass")]
    assert states([*DNS_OK, *ok])["google.format"] is ReqState.MET
    ok[2] = result("message.duplicates", "found", "fail", fields="subject ×2")
    assert states([*DNS_OK, *ok])["google.format"] is ReqState.NOT_MET


def test_a_message_that_is_not_aligned_vetoes_alignment() -> None:
    # DNS says SPF and DKIM exist; the received message shows the From domain did not align.
    got = states([*DNS_OK, result("message.dmarc", "not_aligned", "fail", domain="example.com")])
    assert got["google.alignment"] is ReqState.NOT_MET and got["microsoft.alignment"] is ReqState.NOT_MET
    aligned = states([*DNS_OK, result("message.dmarc", "aligned", "pass", domain="example.com")])
    assert aligned["google.alignment"] is ReqState.MET
    no_record = states([*DNS_OK, result("message.dmarc", "no_record", "warn", domain="example.com")])
    assert no_record["google.alignment"] is ReqState.MET  # no DMARC record is dmarc.record's business


def test_tls_not_recorded_proves_nothing() -> None:
    smtp = [result("smtp.starttls", "offered", "pass"), result("smtp.tls_handshake", "ok", "pass"),
            result("smtp.tls_version", "ok", "pass")]
    assert states([*smtp, result("message.tls", "not_recorded", "skip")])["google.tls"] is ReqState.MET
    assert states([*smtp, result("message.tls", "plain", "fail")])["google.tls"] is ReqState.NOT_MET


def test_no_spam_verdict_is_a_manual_step() -> None:
    items = action_items({"results": [result("message.spam", "no_signals", "skip", receiver="mx.google.com")]}, "en")
    step = next(a for a in items if a["check_id"] == "message.spam")
    assert step["manual"] and step["status"] == "manual" and "spam" in step["remediation"].lower()
    assert not any(a["check_id"] == "message.spam" for a in action_items(
        {"results": [result("message.spam", "not_spam", "pass", signals="x")]}, "en"))
