"""Hostile messages: huge, truncated, non-UTF-8, header-injected, deeply nested MIME — bounded,
noted, never fatal; plus property tests of every parser."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from checks.message.samples import message
from preflight.checks.message.authresults import parse_field
from preflight.checks.message.headers import (
    MAX_FIELD_CHARS,
    MAX_FIELDS,
    HeaderProblem,
    parse_headers,
)
from preflight.checks.message.received import parse_received
from preflight.checks.message.senderrules import sender_rules


def test_plain_message() -> None:
    block = parse_headers(message("X-Top: 1"))
    assert block.fields[0].name == "X-Top" and block.fields[0].index == 0
    assert block.first("subject").value == "test" and not block.problems


def test_folded_fields_are_unfolded() -> None:
    block = parse_headers(b"Subject: one\r\n two\r\n\tthree\r\n\r\nbody")
    assert block.first("Subject").value == "one two three"


def test_non_utf8_bytes_are_shown_and_noted() -> None:
    block = parse_headers(b"Subject: caf\xe9 \xff\r\nFrom: a@example.com\r\n\r\n")
    assert HeaderProblem.NOT_UTF8 in block.problems
    assert "\ufffd" in block.first("Subject").value


def test_header_injection_is_noted() -> None:
    # A bare CR in a value would split it into a forged field in a naive reader.
    block = parse_headers(b"Subject: hi\rX-Spam-Flag: NO\r\nFrom: a\x00@example.com\r\n\r\nbody")
    assert {HeaderProblem.BARE_CR, HeaderProblem.NUL_BYTE} <= set(block.problems)
    assert block.first("X-Spam-Flag") is None  # not a field of its own
    assert "\x00" not in block.first("From").value


def test_lines_that_are_no_field_and_truncated_files() -> None:
    block = parse_headers(b" orphan continuation\r\nnot a header line\r\nSubject: x", truncated=True)
    assert {HeaderProblem.BAD_LINE, HeaderProblem.NO_BODY_SEPARATOR, HeaderProblem.FILE_TRUNCATED} <= set(block.problems)
    assert block.first("Subject").value == "x"


def test_too_many_and_too_long_fields_are_bounded() -> None:
    many = b"".join(b"X-N: %d\r\n" % i for i in range(MAX_FIELDS + 50)) + b"Subject: " + b"a" * (MAX_FIELD_CHARS * 2) + b"\r\n\r\n"
    block = parse_headers(many)
    assert len(block.fields) == MAX_FIELDS and HeaderProblem.TOO_MANY_FIELDS in block.problems
    long = parse_headers(b"Subject: " + b"a" * (MAX_FIELD_CHARS * 2) + b"\r\n\r\n")
    assert len(long.first("Subject").value) == MAX_FIELD_CHARS and HeaderProblem.FIELD_TOO_LONG in long.problems


def test_deeply_nested_mime_costs_nothing() -> None:
    depth = 20000
    parts = "".join(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n' for i in range(depth))
    raw = message(Content_Type_Extra="x", body=parts)
    block = parse_headers(raw)
    assert block.body_bytes > depth and block.first("From") is not None  # the body is never MIME-parsed


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_parse_headers_never_raises(data: bytes) -> None:
    block = parse_headers(data)
    assert len(block.fields) <= MAX_FIELDS
    sender_rules(block)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=600))
def test_field_parsers_never_raise(text: str) -> None:
    parse_received(text, 0)
    parse_field(text, 0)
