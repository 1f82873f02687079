"""The SMTP network layer: target parsing, bounded reading, the transcript, TLS contexts."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.errors import InputError
from preflight.net.smtp import (
    MAX_LINE,
    MAX_READ,
    MAX_REPLY_LINES,
    NO_CHECK_TIME,
    Failure,
    Reply,
    SmtpConnection,
    SmtpError,
    SmtpTarget,
    Transcript,
    parse_mailbox,
    probe_tls_context,
    verify_tls_context,
)

# -- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "host", "port"), [
    ("127.0.0.1", "127.0.0.1", 25),
    ("127.0.0.1:2525", "127.0.0.1", 2525),
    ("::1", "::1", 25),
    ("[::1]:587", "::1", 587),
    ("[2001:db8::25]", "2001:db8::25", 25),
    ("2001:DB8::25", "2001:db8::25", 25),
    ("Mail.Example.COM", "mail.example.com", 25),
    ("mail.example.com.:465", "mail.example.com", 465),
    (" 203.0.113.25:25 ", "203.0.113.25", 25),
])
def test_target_parse(text: str, host: str, port: int) -> None:
    assert SmtpTarget.parse(text) == SmtpTarget(host, port)


@pytest.mark.parametrize("text", [
    "bad:port:x", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:", "host:abc", "[::1", "[::1]x",
    "[mail.example.com]:25", "localhost", "", "-bad-.example.com", "a b.example.com",
])
def test_target_parse_rejects(text: str) -> None:
    with pytest.raises(InputError, match="invalid SMTP server"):
        SmtpTarget.parse(text)


def test_target_text() -> None:
    assert str(SmtpTarget("::1", 25)) == "[::1]:25"
    assert str(SmtpTarget("127.0.0.1", 2525)) == "127.0.0.1:2525"
    assert SmtpTarget("::1").is_ip and not SmtpTarget("mail.example.com").is_ip


@pytest.mark.parametrize(("text", "expected"), [
    ("relay-test@preflight.invalid", "relay-test@preflight.invalid"),
    ("Probe+1@Example.ORG", "Probe+1@example.org"),
])
def test_mailbox(text: str, expected: str) -> None:
    assert parse_mailbox(text) == expected


@pytest.mark.parametrize("text", ["nobody", "@example.org", "a@", "a b@example.org", "a..b@example.org",
                                  "<a@example.org>", "a@b@example.org\r\nRCPT", "a@localhost"])
def test_mailbox_rejects(text: str) -> None:
    with pytest.raises(InputError):
        parse_mailbox(text)


def test_null_mailbox() -> None:
    assert parse_mailbox("<>", allow_null=True) == ""
    assert parse_mailbox("", allow_null=True) == ""
    with pytest.raises(InputError):
        parse_mailbox("")


@pytest.mark.parametrize(("lines", "enhanced"), [
    (("4.7.1 <x@y.invalid>: Relay access denied",), "4.7.1"),
    (("5.1.10 null MX",), "5.1.10"),
    (("Relay access denied",), ""),
    (("9.9.9 nope",), ""),
    ((), ""),
])
def test_reply_enhanced_code(lines: tuple[str, ...], enhanced: str) -> None:
    assert Reply(554, lines).enhanced == enhanced


# -- transcript ---------------------------------------------------------------------------


def test_transcript_is_bounded_and_printable() -> None:
    t = Transcript(max_lines=3, max_line=30)
    t.server(b"220 \x1b[31mred\x00 " + b"x" * 100)
    t.client("EHLO preflight.invalid")
    t.note("TLS")
    t.server(b"250 dropped")
    t.server(b"250 dropped too")
    lines = t.lines()
    assert len(lines) == 4 and lines[-1] == "*  … 2 more lines not kept"
    assert "\\x1b" in lines[0] and "\x1b" not in lines[0] and "\\x00" in lines[0]
    assert lines[0].startswith("S: ") and "more characters]" in lines[0]
    assert lines[1] == "C: EHLO preflight.invalid"


# -- reading from a peer --------------------------------------------------------------------


@pytest.fixture()
def pair() -> Iterator[tuple[SmtpConnection, socket.socket]]:
    """A connection talking over a socketpair; the other end is the 'server'."""
    ours, theirs = socket.socketpair()
    conn = SmtpConnection("127.0.0.1", 25, timeout=0.5, deadline=time.monotonic() + 5,
                          transcript=Transcript())
    conn.adopt(ours)
    yield conn, theirs
    conn.close()
    theirs.close()


def test_multiline_reply(pair: tuple[SmtpConnection, socket.socket]) -> None:
    conn, server = pair
    server.sendall(b"250-mail.example.com\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
    reply = conn.read_reply()
    assert reply == Reply(250, ("mail.example.com", "PIPELINING", "STARTTLS"))
    assert conn.transcript.lines() == ("S: 250-mail.example.com", "S: 250-PIPELINING", "S: 250 STARTTLS")


def test_bare_code_and_lf_only(pair: tuple[SmtpConnection, socket.socket]) -> None:
    conn, server = pair
    server.sendall(b"220\n")
    assert conn.read_reply() == Reply(220, ("",))


def test_mixed_codes_are_not_smtp(pair: tuple[SmtpConnection, socket.socket]) -> None:
    conn, server = pair
    server.sendall(b"250-one\r\n251 two\r\n")
    with pytest.raises(SmtpError) as caught:
        conn.read_reply()
    assert caught.value.failure is Failure.PROTOCOL


def test_line_too_long(pair: tuple[SmtpConnection, socket.socket]) -> None:
    conn, server = pair
    server.sendall(b"220 " + b"a" * (MAX_LINE + 10))
    with pytest.raises(SmtpError, match="longer than") as caught:
        conn.read_reply()
    assert caught.value.failure is Failure.PROTOCOL


def test_too_many_lines(pair: tuple[SmtpConnection, socket.socket]) -> None:
    conn, server = pair
    server.sendall(b"250-x\r\n" * (MAX_REPLY_LINES + 5))
    with pytest.raises(SmtpError, match="more than"):
        conn.read_reply()


def test_too_many_bytes(pair: tuple[SmtpConnection, socket.socket]) -> None:
    # Given a peer sending well-formed replies forever (each within the line and reply limits)
    conn, server = pair
    stop = threading.Event()
    reply = (b"250-" + b"y" * 1000 + b"\r\n") * 50 + b"250 end\r\n"

    def flood() -> None:
        try:
            while not stop.is_set():
                server.sendall(reply)
        except OSError:
            pass

    thread = threading.Thread(target=flood, daemon=True)
    thread.start()
    # Then the byte cap ends the conversation
    with pytest.raises(SmtpError) as caught:
        for _ in range(100):
            conn.read_reply()
    stop.set()
    assert caught.value.failure is Failure.PROTOCOL and str(MAX_READ) in caught.value.detail


def test_timeout_then_closed(pair: tuple[SmtpConnection, socket.socket]) -> None:
    conn, server = pair
    started = time.monotonic()
    with pytest.raises(SmtpError) as caught:
        conn.read_reply()
    # the failure kind proves the read timeout ended it (the deadline is 5 s away); the time bound
    # only catches a hang: 5x the 0.5 s timeout
    assert caught.value.failure is Failure.TIMEOUT
    assert time.monotonic() - started < 5 * 0.5
    server.close()
    with pytest.raises(SmtpError) as caught:
        conn.read_reply()
    assert caught.value.failure is Failure.CLOSED


def test_overall_deadline() -> None:
    ours, theirs = socket.socketpair()
    conn = SmtpConnection("127.0.0.1", 25, timeout=60, deadline=time.monotonic() + 0.3,
                          transcript=Transcript())
    conn.adopt(ours)
    started = time.monotonic()
    with pytest.raises(SmtpError) as caught:
        conn.read_reply()
    # DEADLINE, not TIMEOUT: the overall deadline ended the read (the read timeout is a minute);
    # the time bound only catches a hang: 5x the 0.3 s deadline
    assert caught.value.failure is Failure.DEADLINE
    assert time.monotonic() - started < 5 * 0.3
    conn.close()
    theirs.close()


def test_commands_are_one_line(pair: tuple[SmtpConnection, socket.socket]) -> None:
    conn, _ = pair
    with pytest.raises(ValueError):
        conn.send("RCPT TO:<a@b.example>\r\nDATA")


def test_connect_refused_is_a_failure() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    conn = SmtpConnection("127.0.0.1", port, timeout=1, deadline=time.monotonic() + 2,
                          transcript=Transcript())
    with pytest.raises(SmtpError) as caught:
        conn.connect()
    assert caught.value.failure is Failure.REFUSED
    assert conn.transcript.lines() == ("*  refused: connection refused",)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_hostile_input_ends_in_a_reply_or_an_smtp_error(payload: bytes) -> None:
    ours, theirs = socket.socketpair()
    conn = SmtpConnection("127.0.0.1", 25, timeout=0.2, deadline=time.monotonic() + 1,
                          transcript=Transcript())
    conn.adopt(ours)
    theirs.sendall(payload)
    theirs.close()
    try:
        reply = conn.read_reply()
        assert 0 <= reply.code <= 999 and len(reply.lines) <= MAX_REPLY_LINES
    except SmtpError as exc:
        assert exc.failure in (Failure.PROTOCOL, Failure.CLOSED)
    finally:
        conn.close()
    for line in conn.transcript.lines():
        assert all(ch in "\n\t" or ord(ch) >= 0x20 for ch in line)


# -- TLS contexts --------------------------------------------------------------------------


def test_probe_context_verifies_nothing() -> None:
    context = probe_tls_context()
    assert context.verify_mode is ssl.CERT_NONE and not context.check_hostname


def test_verify_context_judges_the_chain_only(tmp_path: object) -> None:
    context = verify_tls_context(None)
    assert context.verify_mode is ssl.CERT_REQUIRED and not context.check_hostname
    assert context.verify_flags & NO_CHECK_TIME
