"""Property tests: every parser survives hostile text and keeps its output bounded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.inventory._ucl import parse_ucl
from preflight.inventory.codefilter import CodeFilter
from preflight.inventory.dkim import (
    parse_keytable,
    parse_opendkim_conf,
    parse_rspamd_dkim_signing,
    parse_signingtable,
)
from preflight.inventory.eol import eol_status
from preflight.inventory.mta import detect_mta
from preflight.inventory.osinfo import parse_os_release
from preflight.inventory.postfix import expand, parse_master_cf, parse_postconf, split_list
from preflight.inventory.rblconfig import parse_rbl_config
from preflight.inventory.resolv import resolv_conf_nameservers

# Text that looks a bit like configuration: keywords and punctuation mixed with anything.
TOKENS = st.sampled_from(
    [
        "=",
        " ",
        "\t",
        "\n",
        "\r",
        ",",
        ";",
        "{",
        "}",
        "[",
        "]",
        "$",
        "${",
        "$(",
        "*",
        "..",
        ".",
        ":",
        "#",
        '"',
        "'",
        "\\",
        "\x00",
        "\x1b",
        "\u202e",
        "reject_rbl_client",
        "warn_if_reject",
        "postscreen_dnsbl_sites",
        "smtpd_client_restrictions",
        "127.0.0.",
        "zen.spamhaus.org",
        "smtp inet n - y - 1 postscreen",
        "-o",
        "ID",
        "VERSION_ID",
        "nameserver",
        "domain",
        "selector",
        "KeyTable",
        "mail_version",
    ]
)
HOSTILE = st.one_of(
    st.text(max_size=2_000),
    st.lists(st.one_of(TOKENS, st.text(max_size=8)), max_size=300).map("".join),
    st.binary(max_size=2_000),
)

PARSERS: list[Callable[[Any], Any]] = [
    parse_os_release,
    parse_postconf,
    parse_master_cf,
    resolv_conf_nameservers,
    parse_opendkim_conf,
    parse_keytable,
    parse_signingtable,
    parse_rspamd_dkim_signing,
    parse_ucl,
    detect_mta,
]


def _size(obj: object) -> int:
    return len(repr(obj))


@pytest.mark.parametrize("parser", PARSERS, ids=lambda f: f.__name__)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=HOSTILE)
def test_parsers_never_raise(parser: Callable[[Any], Any], text: str | bytes) -> None:
    if parser is detect_mta and isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    result = parser(text)
    assert _size(result) < 10 * max(len(text), 1) + 10_000


@settings(max_examples=200, deadline=None)
@given(text=st.lists(st.one_of(TOKENS, st.text(max_size=8)), max_size=200).map("".join))
def test_rbl_policy_from_garbage(text: str) -> None:
    main = parse_postconf(text)
    master = parse_master_cf(text)
    policy = parse_rbl_config(main, master)
    decision = policy.decide(dict.fromkeys(policy.ip_zones, ("127.0.0.2",)))
    assert decision.postscreen_score == sum(s.weight for s in decision.postscreen_hits)
    assert all(isinstance(p, str) and len(p) < 1_000 for p in policy.problems)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(max_size=200),
    params=st.dictionaries(st.sampled_from("abc"), st.text(max_size=40), max_size=3),
)
def test_expand_and_split_never_raise(text: str, params: dict[str, str]) -> None:
    assert len(expand(text, params)) <= 65_536
    assert len(split_list(text)) <= 2_000


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=60),
        st.lists(st.sampled_from(list("0123456789.[];") + [".."]), max_size=30).map("".join),
    )
)
def test_code_filter_parse_raises_only_value_error(text: str) -> None:
    try:
        filt = CodeFilter.parse(text)
    except ValueError:
        return
    # a parsed filter renders to a pattern that parses to the same filter
    assert CodeFilter.parse(str(filt)) == filt


OCTET_SETS = st.lists(
    st.tuples(st.integers(0, 255), st.integers(0, 255)).map(lambda t: (min(t), max(t))),
    min_size=1,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(
    fields=st.lists(OCTET_SETS, min_size=4, max_size=4),
    addr=st.lists(st.integers(0, 255), min_size=4, max_size=4),
)
def test_filter_matching_is_per_octet_membership(
    fields: list[list[tuple[int, int]]], addr: list[int]
) -> None:
    pattern = ".".join("[" + ";".join(f"{lo}..{hi}" for lo, hi in f) + "]" for f in fields)
    expected = all(any(lo <= octet <= hi for lo, hi in f) for octet, f in zip(addr, fields))
    assert CodeFilter.parse(pattern).matches(".".join(map(str, addr))) is expected


@settings(max_examples=100, deadline=None)
@given(text=HOSTILE)
def test_eol_status_of_garbage_os_release(text: str | bytes) -> None:
    from datetime import date

    eol_status(parse_os_release(text), date(2026, 11, 29))


@pytest.mark.parametrize("parser", PARSERS, ids=lambda f: f.__name__)
def test_huge_lines_are_fast_and_bounded(parser: Callable[[Any], Any]) -> None:
    # Given 3 MB of one line, and 200k short lines
    for text in (
        "x = " + "a" * 3_000_000,
        "ID=x\n" * 200_000,
        "${" * 500_000,
        "{" * 200_000 + "}" * 200_000,
    ):
        result = parser(text)
        assert _size(result) < 2_000_000
