"""A Spamhaus DQS / Abusix key in the server's own Postfix configuration never reaches a report."""

from __future__ import annotations

from preflight.inventory.parse import parse_rbl_config
from preflight.inventory.rbl import redact_text

KEY = "abcd1234secretkey"


def test_problem_messages_hide_the_key() -> None:
    # Given a malformed postscreen entry that quotes a keyed DQS zone
    policy = parse_rbl_config({
        "postscreen_dnsbl_sites": f"{KEY}.zen.dq.spamhaus.net=127.0.0.[2..11*3",
        "smtpd_recipient_restrictions": f"reject_rbl_client {KEY}.zen.dq.spamhaus.net=bad..filter",
    })
    assert policy.problems, "the malformed entries are reported"
    assert all(KEY not in p for p in policy.problems), policy.problems


def test_redact_text() -> None:
    assert redact_text(f"bad entry '{KEY}.zen.dq.spamhaus.net=x'") == "bad entry '<key>.zen.dq.spamhaus.net=x'"
    assert redact_text(f"{KEY.upper()}.combined.mail.abusix.zone") == "<key>.combined.mail.abusix.zone"
    assert redact_text("zen.spamhaus.org stays") == "zen.spamhaus.org stays"
