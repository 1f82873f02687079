"""One HOST[:PORT] splitter for --nameserver, --smtp and --ssh."""

from __future__ import annotations

import re

import pytest

from preflight.net.address import host_port, split_host_port


@pytest.mark.parametrize("text, expected", [
    ("192.0.2.1", ("192.0.2.1", 53, False)),
    ("192.0.2.1:5353", ("192.0.2.1", 5353, False)),
    ("mail.example.com:2525", ("mail.example.com", 2525, False)),
    ("2001:db8::1", ("2001:db8::1", 53, False)),
    ("[2001:db8::1]", ("2001:db8::1", 53, True)),
    ("[2001:db8::1]:5353", ("2001:db8::1", 5353, True)),
    (" 192.0.2.1 ", ("192.0.2.1", 53, False)),
])
def test_split(text: str, expected: tuple[str, int, bool]) -> None:
    assert split_host_port(text, 53) == expected


@pytest.mark.parametrize("text, reason", [
    ("192.0.2.1:", "port must be"),
    ("192.0.2.1:0", "port must be"),
    ("192.0.2.1:65536", "port must be"),
    ("192.0.2.1:５３", "port must be"),  # full-width digits are digits to str.isdigit, not to us
    ("[2001:db8::1", "missing ']'"),
    ("[2001:db8::1]53", "expected [IPv6]:PORT"),
    ("[2001:db8::1]:", "port must be"),
])
def test_malformed(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        split_host_port(text, 53)


@pytest.mark.parametrize("host, port", [("192.0.2.1", 53), ("2001:db8::1", 25), ("mx.example.com", 587)])
def test_round_trip(host: str, port: int) -> None:
    assert split_host_port(host_port(host, port), 1)[:2] == (host, port)
