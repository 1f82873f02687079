"""Postfix DNSBL reply filters: syntax of ip_match.c and matching."""

from __future__ import annotations

import pytest

from preflight.inventory.codefilter import CodeFilter


@pytest.mark.parametrize(
    ("pattern", "code", "matches"),
    [
        ("127.0.0.2", "127.0.0.2", True),
        ("127.0.0.2", "127.0.0.3", False),
        ("127.0.0.[2..11]", "127.0.0.2", True),
        ("127.0.0.[2..11]", "127.0.0.11", True),
        ("127.0.0.[2..11]", "127.0.0.1", False),
        ("127.0.0.[2..11]", "127.0.0.12", False),
        ("127.0.0.[2..11]", "127.255.255.254", False),
        ("127.0.0.[2;3]", "127.0.0.2", True),
        ("127.0.0.[2;3]", "127.0.0.3", True),
        ("127.0.0.[2;3]", "127.0.0.4", False),
        ("127.0.0.[2;3;4]", "127.0.0.4", True),
        ("127.0.0.[2;4..7;10]", "127.0.0.6", True),
        ("127.0.0.[2;4..7;10]", "127.0.0.8", False),
        ("127.0.[0..255].[1..3]", "127.0.15.2", True),
        ("127.0.[0..255].[1..3]", "127.0.15.0", False),
        ("[127.0.0.2]", "127.0.0.2", True),
        ("[127.0.0.[2..3]]", "127.0.0.3", True),
        ("[2..11].0.0.127", "5.0.0.127", True),
        ("127.000.0.002", "127.0.0.2", True),
        ("127.0.0.2", "not-an-ip", False),
        ("127.0.0.2", "::1", False),
        ("127.0.0.2", "", False),
    ],
)
def test_matching(pattern: str, code: str, matches: bool) -> None:
    assert CodeFilter.parse(pattern).matches(code) is matches


def test_any_of_several_answers() -> None:
    zen = CodeFilter.parse("127.0.0.[10;11]")
    assert zen.matches_any(("127.0.0.2", "127.0.0.10"))
    assert not zen.matches_any(("127.0.0.2", "127.0.0.4"))
    assert not zen.matches_any(())


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "127.0.0",
        "127.0.0.0.1",
        "127.0.0.256",
        "127.0.0.[11..2]",
        "127.0.0.[2,3]",  # commas split Postfix lists before the filter is seen
        "127.0.0.3[6..9]",
        "1.2.[3.4]",
        "[127.0.0.1",
        "127.0.0.1]",
        "a.b.c.d",
        "127.0.0.[]",
        "127.0.0.[;]",
        "127.0.0.[2..]",
        "127.0.0.[[2]]",
        "-1.0.0.1",
        "127.0.0.²",
        "[]",
    ],
)
def test_invalid_patterns(pattern: str) -> None:
    with pytest.raises(ValueError):
        CodeFilter.parse(pattern)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("127.0.0.[2..11]", "127.0.0.[2..11]"),
        ("[127.0.0.2]", "127.0.0.2"),
        ("127.0.0.[2;3;4]", "127.0.0.[2;3;4]"),
        ("127.0.0.[5..5]", "127.0.0.5"),
    ],
)
def test_str_is_canonical_pattern(pattern: str, text: str) -> None:
    assert str(CodeFilter.parse(pattern)) == text
