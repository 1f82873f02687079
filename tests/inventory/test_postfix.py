"""postconf / master.cf parsing, list splitting and $parameter expansion."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.inventory.postfix import expand, parse_master_cf, parse_postconf, split_list

SAMPLES = Path(__file__).parent / "samples"


def test_postconf_n_lines() -> None:
    params = parse_postconf((SAMPLES / "postconf-n-iredmail.txt").read_text())
    assert params["postscreen_dnsbl_threshold"] == "2"
    assert params["mynetworks"] == "127.0.0.1 [::1]"
    assert params["postscreen_dnsbl_sites"].startswith("zen.spamhaus.org=127.0.0.[2..11]*3")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("relayhost =\n", {"relayhost": ""}),
        ("a = 1\na = 2\n", {"a": "2"}),
        ("a = x,\n  y,\n\tz\n", {"a": "x, y, z"}),
        ("a = x\n  # indented comment\n  y\n", {"a": "x y"}),
        ("# comment\n\n  orphan continuation\nb=c", {"b": "c"}),
        ("postconf: warning: /etc/postfix/main.cf: unused parameter: foo=bar\nx = 1", {"x": "1"}),
        ("submission/inet/syslog_name = postfix/submission\n", {}),
        (
            "smtpd_hard_error_limit = ${stress?1}${stress:5}",
            {"smtpd_hard_error_limit": "${stress?1}${stress:5}"},
        ),
        ("not a parameter line\n= value\n", {}),
    ],
)
def test_postconf_edge_cases(text: str, expected: dict[str, str]) -> None:
    assert parse_postconf(text) == expected


def test_main_cf_continuations_and_comments() -> None:
    params = parse_postconf((SAMPLES / "main-cf-macros.cf").read_text())
    assert params["rbl_observe"] == (
        "warn_if_reject reject_rbl_client b.barracudacentral.org=127.0.0.2 "
        "warn_if_reject reject_rbl_client psbl.surriel.com"
    )
    assert "comment" not in params["smtpd_client_restrictions"]


def test_postconf_M_and_P() -> None:
    text = (SAMPLES / "postconf-M-postscreen.txt").read_text() + (
        SAMPLES / "postconf-P-postscreen.txt"
    ).read_text()
    master = parse_master_cf(text)
    smtp = master.service("smtp", "inet")
    assert smtp is not None and smtp.command == "postscreen" and smtp.listens_on_smtp_port
    assert master.service("smtp", "unix") is not None  # the client, same name other type
    sub = master.service("submission", "inet")
    assert sub is not None and not sub.listens_on_smtp_port
    assert sub.overrides["smtpd_tls_security_level"] == "encrypt"
    assert master.overrides_for("smtp/inet") == {"postscreen_dnsbl_threshold": "4"}
    assert master.overrides_for("smtpd/pass")["smtpd_client_restrictions"] == (
        "permit_mynetworks,reject_rbl_client,bl.example.net"
    )
    assert master.overrides_for("nope/inet") == {}


def test_master_cf_commented_services_are_not_services() -> None:
    master = parse_master_cf((SAMPLES / "master-cf-centos7.cf").read_text())
    smtp = [s for s in master.services if s.name == "smtp" and s.type == "inet"]
    assert [s.command for s in smtp] == ["smtpd"]
    assert master.service("smtpd", "pass") is None
    assert master.service("qmgr", "unix") is not None


def test_master_cf_folded_options() -> None:
    text = (
        "submission inet n - y - - smtpd\n"
        "  -o syslog_name=postfix/submission\n"
        "  -osmtpd_tls_security_level=encrypt\n"
    )
    sub = parse_master_cf(text).service("submission", "inet")
    assert sub is not None
    assert dict(sub.overrides) == {
        "syslog_name": "postfix/submission",
        "smtpd_tls_security_level": "encrypt",
    }


@pytest.mark.parametrize(
    ("name", "listens"),
    [
        ("smtp", True),
        ("25", True),
        ("192.0.2.1:smtp", True),
        ("[2001:db8::1]:25", True),
        ("2525", False),
        ("submission", False),
    ],
)
def test_port_25_detection(name: str, listens: bool) -> None:
    master = parse_master_cf(f"{name} inet n - y - - smtpd\n")
    assert master.services[0].listens_on_smtp_port is listens


@pytest.mark.parametrize(
    ("value", "items"),
    [
        ("a, b c,,d\n\te", ["a", "b", "c", "d", "e"]),
        (
            "reject_rbl_client,socks.relays.osirusoft.com",
            ["reject_rbl_client", "socks.relays.osirusoft.com"],
        ),
        (
            "check_policy_service { inet:127.0.0.1:9998, timeout=10s }, permit",
            ["check_policy_service", "inet:127.0.0.1:9998, timeout=10s", "permit"],
        ),
        ("", []),
        (" , ,", []),
    ],
)
def test_split_list(value: str, items: list[str]) -> None:
    assert split_list(value) == items


@pytest.mark.parametrize(
    ("value", "params", "result"),
    [
        ("$a", {"a": "x"}, "x"),
        ("${a}-$(a)", {"a": "x"}, "x-x"),
        ("$missing.", {}, "."),
        ("$$a", {"a": "x"}, "$a"),
        ("${a?yes}${a:no}", {"a": "1"}, "yes"),
        ("${a?yes}${a:no}", {"a": ""}, "no"),
        ("${a?{$b}:{zero}}", {"a": "1", "b": "bee"}, "bee"),
        ("${a?{$b}:{zero}}", {}, "zero"),
        ("$a", {"a": "$b", "b": "$c", "c": "deep"}, "deep"),
        (
            "${{$compatibility_level} <level {1} ? {} : {permit}}",
            {},
            "${{$compatibility_level} <level {1} ? {} : {permit}}",
        ),
        ("${unterminated", {}, "${unterminated"),
        ("trailing $", {}, "trailing $"),
    ],
)
def test_expand(value: str, params: dict[str, str], result: str) -> None:
    assert expand(value, params) == result


def test_expand_is_bounded_against_reference_bombs() -> None:
    # Given parameters that reference each other in a loop and fan out
    params = {f"p{i}": " ".join(f"$p{i + 1}" for _ in range(50)) for i in range(20)}
    params["loop"] = "$loop $loop"
    # Then expansion terminates with a bounded result
    assert len(expand("$p0", params)) <= 65_536
    assert len(expand("$loop", params)) <= 65_536
