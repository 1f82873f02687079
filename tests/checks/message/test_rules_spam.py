"""Sender-rule facts, spam signals and DMARC alignment: table tests of pure functions."""

from __future__ import annotations

import pytest

from checks.message.samples import message
from preflight.checks.message.alignment import aligned, from_domains, judge, mailbox_domain
from preflight.checks.message.headers import HeaderField, parse_headers
from preflight.checks.message.senderrules import sender_rules
from preflight.checks.message.spamsignals import SpamVerdict, read_signal


def org(name: str) -> str:
    return ".".join(name.split(".")[-2:])


@pytest.mark.parametrize(("extra", "one_click", "https"), [
    ({"List_Unsubscribe": "<https://example.com/u/1>, <mailto:u@example.com>",
      "List_Unsubscribe_Post": "List-Unsubscribe=One-Click"}, True, True),
    ({"List_Unsubscribe": "<mailto:u@example.com>", "List_Unsubscribe_Post": "List-Unsubscribe=One-Click"}, False, False),
    ({"List_Unsubscribe": "<https://example.com/u/1>"}, False, True),
    ({}, False, False),
])
def test_unsubscribe(extra: dict[str, str], one_click: bool, https: bool) -> None:
    rules = sender_rules(parse_headers(message(**extra)))
    assert rules.unsubscribe.one_click is one_click and rules.unsubscribe.https is https


@pytest.mark.parametrize(("mid", "valid"), [("<a.b@example.com>", True), ("a.b@example.com", False),
                                             ("<no-at-sign>", False), ("<a@b> <c@d>", False)])
def test_message_id(mid: str, valid: bool) -> None:
    raw = message().replace(b"Message-ID: <20261207021000.test@mail.example.com>", f"Message-ID: {mid}".encode())
    assert sender_rules(parse_headers(raw)).message_id_valid is valid


def test_date_and_duplicates() -> None:
    raw = message("Subject: again", "Date: yesterday-ish")
    rules = sender_rules(parse_headers(raw))
    assert rules.date == "yesterday-ish" and rules.date_iso is None
    assert dict(rules.duplicates) == {"date": 2, "subject": 2}
    assert sender_rules(parse_headers(message())).date_iso == "2026-12-07T02:10:00+00:00"


@pytest.mark.parametrize(("name", "value", "verdict", "detail"), [
    ("X-Spam-Flag", "YES", SpamVerdict.SPAM, "YES"),
    ("X-Spam-Flag", "NO", SpamVerdict.NOT_SPAM, "NO"),
    ("X-Spam-Status", "Yes, score=7.1 required=5.0 tests=SPF_FAIL", SpamVerdict.SPAM, "score=7.1 required=5.0"),
    ("X-Spam-Status", "No, score=-0.1 required=5.0", SpamVerdict.NOT_SPAM, "score=-0.1 required=5.0"),
    ("X-MS-Exchange-Organization-SCL", "5", SpamVerdict.SPAM, "SCL 5"),
    ("X-MS-Exchange-Organization-SCL", "-1", SpamVerdict.NOT_SPAM, "SCL -1"),
    ("X-MS-Exchange-Organization-SCL", "high", SpamVerdict.UNCLEAR, "SCL high"),
    ("X-Forefront-Antispam-Report", "CIP:203.0.113.25;CTRY:JP;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:mail.example.com;",
     SpamVerdict.NOT_SPAM, "SFV:NSPM, SCL 1"),
    ("X-Forefront-Antispam-Report", "CIP:203.0.113.25;SFV:SPM;SCL:5;", SpamVerdict.SPAM, "SFV:SPM, SCL 5"),
    ("X-Forefront-Antispam-Report", "CIP:203.0.113.25;SCL:6;", SpamVerdict.SPAM, "SCL 6"),
    ("X-Forefront-Antispam-Report", "CIP:203.0.113.25;", SpamVerdict.UNCLEAR, "?"),
    ("X-Forefront-Antispam-Report", "CIP:203.0.113.25;SFV:SKA;", SpamVerdict.NOT_SPAM, "SFV:SKA"),
])
def test_spam_signals(name: str, value: str, verdict: SpamVerdict, detail: str) -> None:
    signal = read_signal(HeaderField(name, value, 0), receiver=True)
    assert signal is not None and (signal.verdict, signal.detail) == (verdict, detail)


@pytest.mark.parametrize(("a", "b", "mode", "ok"), [
    ("example.com", "example.com", "s", True), ("news.example.com", "example.com", "s", False),
    ("news.example.com", "example.com", "r", True), ("example.net", "example.com", "r", False),
])
def test_aligned(a: str, b: str, mode: str, ok: bool) -> None:
    assert aligned(a, b, mode, org) is ok


def test_judge_and_identities() -> None:
    assert from_domains(['"Co" <a@Example.COM>', "b@example.net"]) == ("example.com", "example.net")
    assert mailbox_domain("<bounce@Example.com>") == "example.com" and mailbox_domain("<>") is None
    result = judge("news.example.com", ["example.com", "other.example"], "example.com", "r", "s", org)
    assert result.aligned and result.dkim_aligned == ("example.com",) and result.dkim_unaligned == ("other.example",)
    assert not result.spf_aligned
    assert not judge(None, ["example.com"], None, "r", "r", org).aligned
