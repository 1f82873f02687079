"""evaluate(): literal facts in, results out — every message.* outcome is produced by a scenario."""

from __future__ import annotations

from dataclasses import replace

import pytest

from checks.message.samples import RECEIVED, message
from preflight.checks.dmarc import DmarcFacts
from preflight.checks.message import outcomes
from preflight.checks.message.collect import MessageFacts, read_facts
from preflight.checks.message.evaluate import evaluate
from preflight.checks.message.source import MessageFile
from preflight.checks.message.verify import DkimCheck, DkimOutcome, OwnVerdict, SpfCheck
from preflight.model import CheckResult, Outcome, Status
from preflight.net.dns import DnsAnswer, DnsError

IP = ("203.0.113.25",)
AR = "Authentication-Results: mx.receiver.example; spf=pass smtp.mailfrom=a@example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com"
TOP = (AR, f"Received: {RECEIVED['postfix']}")


def org(name: str) -> str:
    return ".".join(name.split(".")[-2:])


def dmarc(tags: dict[str, str] | None = None, *, records: int = 1, error: bool = False) -> DmarcFacts:
    if error:
        return DmarcFacts("example.com", (DnsError("_dmarc.example.com", "TXT", "timeout", "127.0.0.1:53"),))
    record = "v=DMARC1; p=reject"
    answer = DnsAnswer("_dmarc.example.com", "TXT", (record,) * records, 300, "127.0.0.1:53")
    return DmarcFacts("example.com", (answer,), "example.com", (record,) * records, tags if tags is not None else {"p": "reject"})


GOOD_DKIM = DkimCheck("example.com", "s2026", DkimOutcome.PASS, "2048-bit key")
GOOD_SPF = SpfCheck("203.0.113.25", "example.com", "mailfrom", "pass", "")
GOOD = OwnVerdict((GOOD_DKIM,), 1, GOOD_SPF, dmarc())


def facts(raw: bytes, own: OwnVerdict | None = GOOD, ips: tuple[str, ...] = IP, truncated: bool = False) -> MessageFacts:
    return replace(read_facts(MessageFile("t.eml", raw, len(raw), truncated), ips, org), own=own)


def run(raw: bytes, own: OwnVerdict | None = GOOD, **kw: object) -> list[CheckResult]:
    return evaluate(facts(raw, own, **kw), org)  # type: ignore[arg-type]


def dkim(outcome: DkimOutcome) -> OwnVerdict:
    return replace(GOOD, dkim=(DkimCheck("example.com", "s2026", outcome, "detail"),))


def spf(result: str) -> OwnVerdict:
    return replace(GOOD, spf=SpfCheck("203.0.113.25", "example.com", "mailfrom", result, "why"))


SCENARIOS: list[tuple[str, list[CheckResult]]] = [
    ("all good", run(message(*TOP, List_Unsubscribe="<https://example.com/u>",
                             List_Unsubscribe_Post="List-Unsubscribe=One-Click"))),
    ("problems", run(b"X-Note: caf\xe9\r\n" + message(*TOP))),
    ("truncated", run(message(*TOP), truncated=True)),
    ("elsewhere", run(message(AR, f"Received: {RECEIVED['old_server']}"))),
    ("guessed", run(message(*TOP), ips=())),
    ("no public hop", run(message(f"Received: {RECEIVED['submission']}"), ips=())),
    ("no received", run(message(AR))),
    ("no tls version", run(message(AR, f"Received: {RECEIVED['yahoo']}"))),
    ("old tls", run(message(AR, f"Received: {RECEIVED['tls10']}"))),
    ("plain", run(message(AR.replace("2001:db8", ""), f"Received: {RECEIVED['ipv6']}"), ips=("2001:db8:25::25",))),
    ("not recorded", run(message(AR, "Received: from mail.example.com ([203.0.113.25]) by mx.receiver.example; "
                                     "Mon, 7 Dec 2026 00:00:00 +0000"))),
    ("receiver mixed", run(message("Authentication-Results: mx.receiver.example; spf=fail smtp.mailfrom=a@example.com; "
                                   "dkim=neutral header.d=example.com", f"Received: {RECEIVED['postfix']}"))),
    ("receiver missing + untrusted", run(message(f"Received: {RECEIVED['postfix']}", AR))),
    ("other authserv", run(message("Authentication-Results: other.example; spf=pass", *TOP))),
    *[(f"dkim {o.value}", run(message(*TOP), own=dkim(o))) for o in DkimOutcome],
    ("unsigned", run(message(*TOP), own=replace(GOOD, dkim=(), signatures=0))),
    ("unplanned selector", evaluate(facts(message(*TOP)), org, ("s2019",))),
    *[(f"spf {r}", run(message(*TOP), own=spf(r))) for r in ("softfail", "neutral", "temperror")],
    ("no client", run(message(*TOP), own=replace(GOOD, spf=None))),
    ("not aligned", run(message(*TOP), own=replace(GOOD, dkim=(), signatures=0, spf=spf("fail").spf))),
    ("dmarc undecided", run(message(*TOP), own=replace(GOOD, spf=spf("fail").spf, dkim=(
        DkimCheck("example.com", "s2026", DkimOutcome.DNS_ERROR, "timeout"),)))),
    ("no dmarc", run(message(*TOP), own=replace(GOOD, dmarc=dmarc(records=0)))),
    ("dmarc error", run(message(*TOP), own=replace(GOOD, dmarc=dmarc(error=True)))),
    ("no from", run(message(*TOP).replace(b"From: Example Co. <info@example.com>\r\n", b""),
                    own=replace(GOOD, dmarc=None))),
    ("bad fields", run(message(*TOP, List_Unsubscribe="<mailto:u@example.com>").replace(
        b"Message-ID: <20261207021000.test@mail.example.com>", b"Message-ID: nope").replace(
        b"Date: Mon, 07 Dec 2026 02:10:00 +0000", b"Date: soon\r\nSubject: again"))),
    ("missing fields", run(b"\r\n".join([*(t.encode() for t in TOP), b"From: a@example.com", b"", b"x"]))),
    ("header cut", run(b"X-Filler: x\r\n" * 1001 + b"\r\n".join([*(t.encode() for t in TOP), b"", b"x"]),
                       own=replace(GOOD, dkim=(), signatures=0, dmarc=None))),
    ("spam", run(message(*TOP[:1], "X-Spam-Flag: YES", TOP[1]))),
    ("not spam", run(message("X-MS-Exchange-Organization-SCL: 1", *TOP))),
    ("unclear", run(message("X-Spam-Status: maybe", *TOP))),
]


def outcome_of(results: list[CheckResult], check_id: str) -> set[str]:
    return {r.outcome for r in results if r.check_id == check_id}


@pytest.mark.parametrize(("name", "check_id", "expected", "status"), [
    ("all good", "message.agreement", "agree", Status.PASS),
    ("elsewhere", "message.path", "not_from_new_ip", Status.FAIL),
    ("old tls", "message.tls", "old_tls", Status.FAIL),
    ("plain", "message.tls", "plain", Status.FAIL),
    ("dkim body_changed", "message.dkim", "body_changed", Status.FAIL),
    ("dkim body_changed", "message.agreement", "disagree_dkim", Status.WARN),
    ("dkim dns_error", "message.dkim", "dns_error", Status.ERROR),
    ("spf softfail", "message.agreement", "disagree_spf", Status.WARN),
    ("not aligned", "message.agreement", "disagree_dmarc", Status.WARN),
    ("spf temperror", "message.spf", "temperror", Status.ERROR),
    ("unplanned selector", "message.dkim", "unplanned_selector", Status.WARN),
    ("receiver mixed", "message.receiver", "fail", Status.FAIL),
    ("receiver missing + untrusted", "message.untrusted", "before_receiver", Status.SKIP),
    ("other authserv", "message.untrusted", "other_authserv", Status.SKIP),
    ("no dmarc", "message.dmarc", "no_record", Status.WARN),
    ("dmarc undecided", "message.dmarc", "undecided", Status.ERROR),
    *[("header cut", check_id, "header_cut", Status.ERROR) for check_id in outcomes.HEADER_CUT],
    ("dmarc undecided", "message.agreement", "not_compared", Status.SKIP),
    ("spam", "message.spam", "spam", Status.FAIL),
])
def test_scenario(name: str, check_id: str, expected: str, status: Status) -> None:
    results = dict(SCENARIOS)[name]
    found = [r for r in results if r.check_id == check_id and r.outcome == expected]
    assert found and all(r.status is status for r in found), [(r.check_id, r.outcome) for r in results]


def test_every_outcome_is_produced_by_a_scenario() -> None:
    declared = {(o.check_id, o.name) for o in vars(outcomes).values() if isinstance(o, Outcome)}
    produced = {(r.check_id, r.outcome) for _, results in SCENARIOS for r in results}
    assert declared - produced == set()


def test_warn_fail_error_results_all_have_words() -> None:
    from preflight.i18n.messages import result_text

    for _, results in SCENARIOS:
        for r in results:
            text = result_text(r.check_id, r.outcome, dict(r.params), "ja")
            assert "{" not in text.summary, (r.check_id, r.outcome, text.summary)
            if r.status in (Status.WARN, Status.FAIL, Status.ERROR):
                assert text.remediation, (r.check_id, r.outcome)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_header_problems_are_named_in_the_reports_language(lang: str) -> None:
    from preflight.checks.message.headers import HeaderProblem
    from preflight.i18n.messages import catalogue, result_text

    for problem in HeaderProblem:
        assert catalogue(lang)["ui"].get(f"message_problem_{problem.value}"), problem
    [read] = [r for r in dict(SCENARIOS)["problems"] if r.check_id == "message.read"]
    assert read.outcome == "problems" and read.params["problems"] == "not_utf8"  # the JSON keeps the code
    text = result_text(read.check_id, read.outcome, dict(read.params), lang).summary
    assert "not_utf8" not in text
    assert ("UTF-8 ではない" if lang == "ja" else "not UTF-8") in text
