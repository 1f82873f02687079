"""Input validation and plan files."""

from __future__ import annotations

from pathlib import Path

import pytest

from preflight.config import (
    load_plan,
    parse_hostname,
    parse_ip,
    parse_selector,
    parse_timeout,
    validate_plan,
)
from preflight.errors import InputError, UsageError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_example_plan_is_valid() -> None:
    plan = load_plan(EXAMPLES / "plan.toml")
    assert plan["hostname"] == "mail.example.com"
    assert [str(ip) for ip in plan["ips"]] == ["203.0.113.25", "2001:db8:25::25"]
    assert plan["report.html"] == "preflight-report.html"


@pytest.mark.parametrize("text, expected", [
    ("Mail.Example.COM.", "mail.example.com"),
    ("mx-1.example.net", "mx-1.example.net"),
    ("bücher.example", "xn--bcher-kva.example"),
])
def test_hostnames_are_normalised(text: str, expected: str) -> None:
    assert parse_hostname(text) == expected


@pytest.mark.parametrize("text", ["", "localhost", "-bad.example", "bad-.example", "a..example",
                                  "under_score.example", "x" * 64 + ".example", "192.0.2.1",
                                  "<script>.example", "a.exa mple", ".".join(["a"] * 130),
                                  # 251 characters typed, 749 once IDNA-encoded: too long for DNS
                                  ".".join(["ää"] * 83) + ".de"])
def test_bad_hostnames(text: str) -> None:
    with pytest.raises(InputError):
        parse_hostname(text)


@pytest.mark.parametrize("text", ["192.0.2.1", "2001:db8::1", " 198.51.100.7 "])
def test_ips(text: str) -> None:
    assert str(parse_ip(text)) == text.strip()


@pytest.mark.parametrize("text", ["192.0.2.256", "192.0.2.0/24", "fe80::1%eth0", "mail.example.com", ""])
def test_bad_ips(text: str) -> None:
    with pytest.raises(InputError):
        parse_ip(text)


def test_selectors() -> None:
    assert parse_selector("S2026") == "s2026"
    assert parse_selector("2026.mail") == "2026.mail"
    for bad in ("", "a b", "a;b", "-x", "x" * 64):
        with pytest.raises(InputError):
            parse_selector(bad)


def test_timeouts() -> None:
    assert parse_timeout("2.5") == 2.5
    for bad in (0, -1, 121, "soon", True, None):
        with pytest.raises(InputError):
            parse_timeout(bad)


def test_unknown_keys_are_named() -> None:
    with pytest.raises(UsageError, match="unknown key 'ipz'"):
        validate_plan({"ipz": ["192.0.2.1"]})
    with pytest.raises(UsageError, match=r"report\.colour"):
        validate_plan({"report": {"colour": "red"}})


def test_non_utf8_plan(tmp_path: Path) -> None:
    plan = tmp_path / "p.toml"
    plan.write_bytes(b"ips = [\"\xff\"]")
    with pytest.raises(UsageError, match="not UTF-8"):
        load_plan(plan)
