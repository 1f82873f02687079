"""The action list: lead-time classes as data, slowest fixes first, manual steps as checkboxes."""

from __future__ import annotations

from typing import Any

import pytest

from preflight.i18n.messages import LANGUAGES, catalogue
from preflight.report import actions


def r(check_id: str, status: str, outcome: str, subject: str = "s", **params: str) -> dict[str, Any]:
    return {"check_id": check_id, "subject": subject, "status": status, "outcome": outcome, "params": params}


@pytest.mark.parametrize("check_id, outcome, status, lead", [
    ("blocklist.ip", "listed", "fail", "days_wait"),
    ("reputation.score", "poor", "warn", "days_wait"),
    ("rdns.ptr", "missing", "fail", "days_external"),
    ("rdns.hostname_match", "differs", "warn", "days_external"),
    ("smtp.banner_ptr", "no_ptr", "warn", "days_external"),     # a PTR ticket, like rdns.*
    ("smtp.banner_ptr", "differs", "warn", "hours"),             # ... unless the banner is the fix
    ("server.port25_outbound", "blocked", "fail", "days_external"),
    ("ttl.records", "high", "warn", "before_cutover"),
    ("spf.authorizes", "fail", "fail", "hours"),
    ("dkim.key", "missing", "fail", "hours"),
    ("dmarc.record", "missing", "fail", "hours"),
    ("mx.present", "missing", "fail", "hours"),
    ("smtp.starttls", "not_offered", "fail", "hours"),
    ("server.mynetworks", "open", "fail", "hours"),
    ("spf.old_ip", "still_authorized", "warn", "after_cutover"),
    ("spf.old_ip", "removed_too_early", "fail", "hours"),
    ("dmarc.policy", "none", "warn", "after_cutover"),
    ("rdns.ptr", "error", "error", "recheck"),                  # could not check: run again
    ("future.check", "odd", "warn", "hours"),                   # unknown ids: the default
])
def test_classify(check_id: str, outcome: str, status: str, lead: str) -> None:
    assert actions.load().classify(check_id, outcome, status) == lead


def test_slowest_first_then_failures_first() -> None:
    data = {"results": [
        r("spf.authorizes", "fail", "fail", domain="a.test", ip="192.0.2.1", result="fail"),
        r("ttl.records", "warn", "high", rrtype="MX", name="a.test", ttl="86400", limit="3600"),
        r("dmarc.policy", "warn", "none", domain="a.test"),
        r("rdns.ptr", "error", "error", ip="192.0.2.1", reason="timeout"),
        r("rdns.generic", "warn", "generic_word", ip="192.0.2.1", ptr="dyn.test", word="dyn"),
        r("rdns.ptr", "fail", "missing", ip="2001:db8::1", hostname="mail.a.test"),
        r("blocklist.ip", "fail", "listed", ip="192.0.2.1"),
        r("spf.record", "pass", "valid", domain="a.test", record="v=spf1 -all"),
    ]}
    items = actions.action_items(data)
    order = [(a["lead"], a["check_id"]) for a in items if not a["manual"]]
    assert order == [
        ("days_wait", "blocklist.ip"),
        ("days_external", "rdns.ptr"),          # the failure before the warning
        ("days_external", "rdns.generic"),
        ("before_cutover", "ttl.records"),
        ("hours", "spf.authorizes"),
        ("after_cutover", "dmarc.policy"),
        ("recheck", "rdns.ptr"),
    ]
    assert not any(a["check_id"] == "spf.record" for a in items)   # passes need no action
    ptr = next(a for a in items if a["check_id"] == "rdns.ptr" and a["status"] == "fail")
    assert ptr["remediation"].startswith("Ask whoever owns 2001:db8::1")


def test_manual_steps_are_always_listed_with_their_lead_time() -> None:
    items = actions.action_items({"results": []})
    manual = {a["check_id"]: a for a in items if a["manual"]}
    assert set(manual) == {"manual.snds", "manual.postmaster_tools", "manual.partners", "manual.warmup"}
    assert manual["manual.snds"]["url"].startswith("https://")
    assert "SNDS" in manual["manual.snds"]["title"]
    assert manual["manual.warmup"]["lead"] == "before_cutover"


def test_same_fix_for_several_subjects_is_one_action() -> None:
    data = {"results": [r("dmarc.reporting", "warn", "no_rua", subject=d, domain="a.test") for d in ("x", "y")]}
    [action] = [a for a in actions.action_items(data) if not a["manual"]]
    assert action["subjects"] == ["x", "y"]
    assert len(action["summaries"]) == 1


def test_groups_are_numbered_in_order() -> None:
    data = {"results": [r("ttl.records", "warn", "high", rrtype="MX", name="a.test", ttl="86400", limit="3600"),
                        r("blocklist.ip", "fail", "listed", ip="192.0.2.1")]}
    groups = actions.action_groups(data, "ja")
    numbers = [a["number"] for g in groups for a in g["actions"]]
    assert numbers == list(range(1, len(numbers) + 1))
    assert groups[0]["lead"] == "days_wait" and groups[0]["label"].startswith("すぐに着手")
    ttl = next(a for g in groups for a in g["actions"] if a["check_id"] == "ttl.records")
    assert "TTL を 300 秒に下げ" in ttl["remediation"]


def test_stored_words_are_kept_for_unknown_outcomes() -> None:
    data = {"results": [{"check_id": "future.check", "subject": "x", "status": "warn", "outcome": "odd",
                         "title": "Future", "summary": "stored summary", "remediation": "stored fix",
                         "params": {}}]}
    [action] = [a for a in actions.action_items(data, "ja") if not a["manual"]]
    assert (action["title"], action["summaries"], action["remediation"]) == ("Future", ["stored summary"],
                                                                            "stored fix")


def test_every_prefix_names_real_checks() -> None:
    from report.declared import declared_check_ids

    ids = declared_check_ids()
    for cls in actions.load().classes:
        for prefix in cls.prefixes:
            family = prefix.split(".")[0] + "."
            assert any(i.startswith(family) for i in ids), f"{prefix} matches no check family"
            if prefix.count(".") >= 2:   # check id + outcome
                check_id = prefix.rsplit(".", 1)[0]
                assert check_id in ids, f"{prefix}: unknown check {check_id}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_class_and_manual_step_has_words(lang: str) -> None:
    words = catalogue(lang)["ui"]
    table = actions.load()
    for cls in table.classes:
        assert words.get(f"lead_{cls.id}") and words.get(f"lead_{cls.id}_hint"), f"{lang}: lead_{cls.id}"
    for step in table.manual:
        assert words.get(f"manual_{step.id}_title") and words.get(f"manual_{step.id}_text"), step.id


@pytest.mark.parametrize("bad, message", [
    ({"default": "nope", "classes": [{"id": "a", "order": 1}]}, "unknown class"),
    ({"default": "a", "classes": [{"id": "a", "order": 1}, {"id": "a", "order": 2}]}, "duplicate"),
    ({"default": "a", "classes": [{"id": "a", "order": 1, "prefixes": ["x."]},
                                  {"id": "b", "order": 2, "prefixes": ["x."]}]}, "two classes"),
    ({"default": "a", "classes": [{"id": "a", "order": 1}], "manual": [{"id": "m", "class": "a",
                                                                        "url": "http://x"}]}, "https"),
])
def test_bad_data_is_refused(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        actions.parse(bad)
