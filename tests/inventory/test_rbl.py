"""RBL policy extraction from real-world configs and the pure accept/reject prediction."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.inventory.postfix import parse_master_cf, parse_postconf
from preflight.inventory.rbl import (
    PostscreenAction,
    PostscreenOutcome,
    RblKind,
    RblPolicy,
    Stage,
    redact_zone,
)
from preflight.inventory.rblconfig import parse_rbl_config

SAMPLES = Path(__file__).parent / "samples"
POSTSCREEN_MASTER = parse_master_cf(
    (SAMPLES / "postconf-M-postscreen.txt").read_text()
    + (SAMPLES / "postconf-P-postscreen.txt").read_text()
)
SERVICES_ONLY = parse_master_cf((SAMPLES / "postconf-M-postscreen.txt").read_text())
PLAIN_MASTER = parse_master_cf((SAMPLES / "master-cf-centos7.cf").read_text())


def policy(sample: str, master: object = None) -> RblPolicy:
    return parse_rbl_config(parse_postconf((SAMPLES / sample).read_text()), master)  # type: ignore[arg-type]


def inline(text: str, master: object = None) -> RblPolicy:
    return parse_rbl_config(parse_postconf(text), master)  # type: ignore[arg-type]


# ---------------------------------------------------------------- extraction from real configs


def test_iredmail_postscreen() -> None:
    p = policy("postconf-n-iredmail.txt")
    assert [(s.zone, str(s.filter), s.weight) for s in p.postscreen_sites] == [
        ("zen.spamhaus.org", "127.0.0.[2..11]", 3),
        ("b.barracudacentral.org", "127.0.0.2", 2),
    ]
    assert (p.postscreen_threshold, p.postscreen_action) == (2, PostscreenAction.DROP)
    assert p.rules == () and p.postscreen_enabled is None and p.problems == ()


def test_mailcow_weights_allowlists_and_dead_lists() -> None:
    p = policy("postconf-n-mailcow-2022.txt")
    assert len(p.postscreen_sites) == 27
    assert p.postscreen_threshold == 6 and p.postscreen_action is PostscreenAction.ENFORCE
    negative = {(s.zone, s.weight) for s in p.postscreen_sites if s.weight < 0}
    assert ("list.dnswl.org", -8) in negative and ("wl.mailspike.net", -2) in negative
    assert {"dnsbl.sorbs.net", "ix.dnsbl.manitu.net"} <= set(p.zones)
    assert p.reject_unknown_reverse_client_hostname and not p.reject_unknown_client_hostname


def test_spamhaus_public_mirror_rules_and_warn_if_reject() -> None:
    p = policy("postconf-n-spamhaus-public.txt")
    got = [(r.stage, r.kind, r.zone, str(r.filter), r.warn_only) for r in p.rules]
    assert got == [
        (Stage.RECIPIENT, RblKind.REJECT_RBL_CLIENT, "zen.spamhaus.org", "127.0.0.[2..11]", False),
        (
            Stage.RECIPIENT,
            RblKind.REJECT_RHSBL_SENDER,
            "dbl.spamhaus.org",
            "127.0.1.[2..99]",
            False,
        ),
        (Stage.RECIPIENT, RblKind.REJECT_RHSBL_HELO, "dbl.spamhaus.org", "127.0.1.[2..99]", False),
        (
            Stage.RECIPIENT,
            RblKind.REJECT_RHSBL_REVERSE_CLIENT,
            "dbl.spamhaus.org",
            "127.0.1.[2..99]",
            False,
        ),
        (
            Stage.RECIPIENT,
            RblKind.REJECT_RBL_CLIENT,
            "zen.spamhaus.org",
            "127.255.255.[1..255]",
            True,
        ),
    ]
    assert p.ip_zones == ("zen.spamhaus.org",)


def test_legacy_centos7_config_with_sorbs() -> None:
    p = policy("postconf-n-centos7-legacy.txt", PLAIN_MASTER)
    assert p.postscreen_enabled is False  # sites configured, but master.cf still runs smtpd on :25
    assert p.postscreen_allowlist_threshold == -1  # old name postscreen_dnsbl_whitelist_threshold
    assert ("client", "dnsbl.sorbs.net") in [(r.stage.value, r.zone) for r in p.rules]
    assert p.reject_unknown_client_hostname
    assert {s.zone for s in p.postscreen_sites} >= {"dnsbl.sorbs.net", "swl.spamhaus.org"}


def test_macros_classes_and_warn_only() -> None:
    p = policy("main-cf-macros.cf")
    got = [(r.stage.value, r.kind.value, r.zone, r.warn_only) for r in p.rules]
    assert got == [
        ("client", "permit_dnswl_client", "list.dnswl.org", False),
        ("client", "reject_rbl_client", "zen.spamhaus.org", False),
        ("client", "reject_rbl_client", "bl.spamcop.net", False),
        ("client", "reject_rbl_client", "b.barracudacentral.org", True),
        ("client", "reject_rbl_client", "psbl.surriel.com", True),
        ("sender", "reject_rhsbl_sender", "dbl.spamhaus.org", False),
        (
            "recipient",
            "reject_rbl_client",
            "dnsbl-1.uceprotect.net",
            False,
        ),  # via restriction class
    ]
    assert p.reject_unknown_reverse_client_hostname


def test_postscreen_enabled_by_master_and_overrides_apply() -> None:
    p = policy("postconf-n-iredmail.txt", POSTSCREEN_MASTER)
    assert p.postscreen_enabled is True
    assert p.postscreen_threshold == 4  # smtp/inet/postscreen_dnsbl_threshold = 4 (postconf -P)
    # smtpd/pass -o smtpd_client_restrictions=permit_mynetworks,reject_rbl_client,bl.example.net
    assert [(r.stage, r.zone) for r in p.rules] == [(Stage.CLIENT, "bl.example.net")]


def test_no_port_25_service_is_a_problem() -> None:
    p = parse_rbl_config({}, parse_master_cf("pickup unix n - y 60 1 pickup\n"))
    assert p.postscreen_enabled is False and "port 25" in p.problems[0]


def test_postscreen_without_smtpd_pass_is_a_problem() -> None:
    p = parse_rbl_config({}, parse_master_cf("smtp inet n - y - 1 postscreen\n"))
    assert p.postscreen_enabled is True and "pass" in p.problems[0]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("postscreen_dnsbl_sites = zen.spamhaus.org=127.0.0.[2,3]", "bad DNSBL filter syntax"),
        ("postscreen_dnsbl_sites = zen.spamhaus.org*x", "bad DNSBL weight factor"),
        ("postscreen_dnsbl_sites = zen.spamhaus.org*2*3", "bad DNSBL weight factor"),
        ("postscreen_dnsbl_sites = bad_zone!", "bad DNSBL domain name"),
        (
            "smtpd_client_restrictions = reject_rbl_client zen.spamhaus.org=127.0.0.999",
            "bad address pattern",
        ),
        ("smtpd_client_restrictions = reject_rbl_client", "without a domain"),
        ("postscreen_dnsbl_threshold = lots", "not an integer"),
        ("postscreen_dnsbl_action = reject", "unknown action"),
        ("maps_rbl_domains = a.example\nsmtpd_client_restrictions = reject_maps_rbl", "obsolete"),
    ],
)
def test_configuration_errors_become_problems(text: str, problem: str) -> None:
    p = inline(text)
    assert any(problem in msg for msg in p.problems), p.problems


def test_defaults_when_parameters_absent() -> None:
    p = parse_rbl_config({})
    assert (p.postscreen_threshold, p.postscreen_allowlist_threshold, p.postscreen_action) == (
        1,
        0,
        PostscreenAction.IGNORE,
    )
    assert p.rules == () and p.postscreen_sites == ()


def test_dqs_key_is_hidden_for_display_only() -> None:
    p = inline(
        "smtpd_client_restrictions = "
        "reject_rbl_client abc123secret.zen.dq.spamhaus.net=127.0.0.[2..11]"
    )
    assert p.rules[0].zone == "abc123secret.zen.dq.spamhaus.net"
    assert p.rules[0].display_zone == "<key>.zen.dq.spamhaus.net"
    assert redact_zone("zen.spamhaus.org") == "zen.spamhaus.org"
    assert redact_zone("k3y.combined.mail.abusix.zone") == "<key>.combined.mail.abusix.zone"


# ---------------------------------------------------------------- decide(): postscreen arithmetic

SCORE = "postscreen_dnsbl_sites = a.example*2 b.example*1 c.example=127.0.0.[2;3]*1 wl.example*-2\n"


@pytest.mark.parametrize(
    ("listed", "score", "outcome"),
    [
        ({}, 0, PostscreenOutcome.PASS),
        ({"a.example": ("127.0.0.2",)}, 2, PostscreenOutcome.PASS),  # below threshold 3
        (
            {"a.example": ("127.0.0.2",), "b.example": ("127.0.0.9",)},
            3,
            PostscreenOutcome.REJECTED,
        ),  # equal
        (
            {"a.example": ("127.0.0.2",), "b.example": ("127.0.0.2",), "c.example": ("127.0.0.3",)},
            4,
            PostscreenOutcome.REJECTED,
        ),
        (
            {"a.example": ("127.0.0.2",), "c.example": ("127.0.0.4",)},
            2,
            PostscreenOutcome.PASS,
        ),  # filter miss
        (
            {
                "a.example": ("127.0.0.2",),
                "b.example": ("127.0.0.2",),
                "wl.example": ("127.0.0.2",),
            },
            1,
            PostscreenOutcome.PASS,
        ),
        (
            {"wl.example": ("127.0.0.2",)},
            -2,
            PostscreenOutcome.ALLOWLISTED,
        ),  # <= allowlist threshold -1
        (
            {"b.example": ("127.0.0.2",), "wl.example": ("127.0.0.2",)},
            -1,
            PostscreenOutcome.ALLOWLISTED,
        ),
        # several A records of one zone add the weight once
        ({"a.example": ("127.0.0.2", "127.0.0.3"), "b.example": ()}, 2, PostscreenOutcome.PASS),
    ],
)
def test_postscreen_weights_vs_threshold(
    listed: dict, score: int, outcome: PostscreenOutcome
) -> None:
    p = inline(
        SCORE
        + "postscreen_dnsbl_threshold = 3\n"
        + "postscreen_dnsbl_allowlist_threshold = -1\n"
        + "postscreen_dnsbl_action = enforce\n"
    )
    d = p.decide(listed)
    assert (d.postscreen_score, d.postscreen_outcome) == (score, outcome)
    assert d.rejected is (outcome is PostscreenOutcome.REJECTED)


@pytest.mark.parametrize(
    ("action", "outcome", "rejected"),
    [
        ("ignore", PostscreenOutcome.LOGGED, False),
        ("enforce", PostscreenOutcome.REJECTED, True),
        ("drop", PostscreenOutcome.DROPPED, True),
        ("", PostscreenOutcome.LOGGED, False),  # default: ignore
    ],
)
def test_postscreen_action(action: str, outcome: PostscreenOutcome, rejected: bool) -> None:
    text = SCORE + "postscreen_dnsbl_threshold = 2\n"
    if action:
        text += f"postscreen_dnsbl_action = {action}\n"
    d = inline(text).decide({"a.example": ("127.0.0.2",)})
    assert (d.postscreen_outcome, d.rejected) == (outcome, rejected)


def test_allowlist_threshold_zero_never_allowlists() -> None:
    d = inline(SCORE).decide({"wl.example": ("127.0.0.2",)})
    assert (d.postscreen_score, d.postscreen_outcome) == (-2, PostscreenOutcome.PASS)


def test_postscreen_disabled_in_master_never_rejects() -> None:
    p = policy("postconf-n-iredmail.txt", PLAIN_MASTER)
    d = p.decide({"zen.spamhaus.org": ("127.0.0.4",), "b.barracudacentral.org": ("127.0.0.2",)})
    assert (d.postscreen_score, d.postscreen_outcome, d.rejected) == (
        5,
        PostscreenOutcome.DISABLED,
        False,
    )


@pytest.mark.parametrize(
    ("answers", "score", "rejected"),
    [
        ({"zen.spamhaus.org": ("127.0.0.10",)}, 3, True),  # PBL alone: 3 >= 2, action drop
        ({"b.barracudacentral.org": ("127.0.0.2",)}, 2, True),
        (
            {"zen.spamhaus.org": ("127.255.255.254",)},
            0,
            False,
        ),  # Spamhaus "public resolver" error code
        ({"zen.spamhaus.org": ()}, 0, False),
    ],
)
def test_iredmail_prediction(answers: dict, score: int, rejected: bool) -> None:
    d = policy("postconf-n-iredmail.txt", SERVICES_ONLY).decide(answers)
    assert (d.postscreen_score, d.rejected) == (score, rejected)


def test_master_override_of_threshold_changes_the_prediction() -> None:
    # postconf -P raises the threshold to 4 on smtp/inet: a PBL listing (3) alone now passes
    p = policy("postconf-n-iredmail.txt", POSTSCREEN_MASTER)
    assert not p.decide({"zen.spamhaus.org": ("127.0.0.10",)}).rejected
    both = {"zen.spamhaus.org": ("127.0.0.10",), "b.barracudacentral.org": ("127.0.0.2",)}
    assert p.decide(both).postscreen_outcome is PostscreenOutcome.DROPPED


def test_mailcow_same_zone_several_filters() -> None:
    p = policy("postconf-n-mailcow-2022.txt")
    # XBL (127.0.0.4) hits only the [4..7]*6 entry: 6 >= threshold 6
    d = p.decide({"zen.spamhaus.org": ("127.0.0.4",)})
    assert (d.postscreen_score, d.postscreen_outcome) == (6, PostscreenOutcome.REJECTED)
    # SBL + XBL answers: .2*3 and [4..7]*6 both match
    assert p.decide({"zen.spamhaus.org": ("127.0.0.2", "127.0.0.4")}).postscreen_score == 9
    # dnswl "high" trust offsets a Barracuda listing: 7 - 8 = -1
    d = p.decide({"b.barracudacentral.org": ("127.0.0.2",), "list.dnswl.org": ("127.0.10.3",)})
    assert (d.postscreen_score, d.rejected) == (-1, False)


def test_no_sites_means_no_dnsbl_test() -> None:
    d = inline("postscreen_dnsbl_threshold = 0").decide({})
    assert d.postscreen_outcome is PostscreenOutcome.PASS and not d.rejected


# ---------------------------------------------------------------- decide(): smtpd restrictions


def test_reject_rbl_client_with_filter() -> None:
    p = policy("postconf-n-spamhaus-public.txt")
    d = p.decide({"zen.spamhaus.org": ("127.0.0.2",)})
    assert d.rejected and [r.zone for r in d.rejecting_rules] == ["zen.spamhaus.org"]
    # error code: only the warn_if_reject rule matches -> logged, not rejected
    d = p.decide({"zen.spamhaus.org": ("127.255.255.254",)})
    assert not d.rejected and len(d.warning_rules) == 1
    assert p.decide({}).unknown_zones == ("zen.spamhaus.org",)


def test_rule_without_filter_matches_any_answer() -> None:
    p = policy("postconf-n-centos7-legacy.txt", PLAIN_MASTER)
    d = p.decide({"dnsbl.sorbs.net": ("127.0.0.10",)})
    assert d.rejected and d.rejecting_rules[0].stage is Stage.CLIENT


@pytest.mark.parametrize(
    ("answers", "rejected", "permits", "warnings"),
    [
        ({}, False, 0, 0),
        ({"zen.spamhaus.org": ("127.0.0.3",)}, True, 0, 0),
        # dnswl permit ends the client stage before zen is consulted
        ({"list.dnswl.org": ("127.0.10.2",), "zen.spamhaus.org": ("127.0.0.3",)}, False, 1, 0),
        # dnswl 127.0.10.0 is outside the [1..3] filter: no permit, zen rejects
        ({"list.dnswl.org": ("127.0.10.0",), "zen.spamhaus.org": ("127.0.0.3",)}, True, 0, 0),
        (
            {"b.barracudacentral.org": ("127.0.0.2",), "psbl.surriel.com": ("127.0.0.2",)},
            False,
            0,
            2,
        ),
        # a permit in the client stage does not help in the recipient stage (restriction class)
        ({"list.dnswl.org": ("127.0.10.2",), "dnsbl-1.uceprotect.net": ("127.0.0.2",)}, True, 1, 0),
    ],
)
def test_stage_walk(answers: dict, rejected: bool, permits: int, warnings: int) -> None:
    d = policy("main-cf-macros.cf").decide(answers)
    assert (d.rejected, len(d.permitting_rules), len(d.warning_rules)) == (
        rejected,
        permits,
        warnings,
    )


def test_domain_lists_are_not_evaluated_with_ip_answers() -> None:
    d = policy("postconf-n-spamhaus-public.txt").decide({"dbl.spamhaus.org": ("127.0.1.2",)})
    assert not d.rejected


def test_answer_keys_are_normalised() -> None:
    d = policy("postconf-n-spamhaus-public.txt").decide({"ZEN.Spamhaus.org.": ["127.0.0.2"]})
    assert d.rejected


def test_rules_after_unconditional_permit_are_dead() -> None:
    p = inline(
        "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, permit, "
        "reject_rbl_client zen.spamhaus.org\n"
        "smtpd_restriction_classes = ok\nok = permit\n"
        "smtpd_client_restrictions = ok, reject_rbl_client bl.spamcop.net"
    )
    assert p.rules == ()
    assert any("never evaluated" in msg and "recipient" in msg for msg in p.problems)


def test_check_access_arguments_are_not_restrictions() -> None:
    p = inline(
        "smtpd_client_restrictions = check_client_access hash:/etc/postfix/reject_rbl_client, "
        "warn_if_reject check_client_access pcre:/x, reject_rbl_client zen.spamhaus.org"
    )
    assert [(r.zone, r.warn_only) for r in p.rules] == [("zen.spamhaus.org", False)]
