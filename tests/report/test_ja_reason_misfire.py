"""A peer's own words that happen to look like one of our short reasons are not read as ours.

:mod:`preflight.i18n.reasons` turns the reasons preflight writes ("timeout", "servfail", "MX
mx.example: timeout") into Japanese. A mail server's greeting or reply, or a server's own OS
name, is someone else's text: a POP3 server greeting ``-ERR timeout`` must not read in Japanese as
"no answer (timeout)" — the server did answer — nor an OS whose os-release name is "servfail" as a
DNS answer code.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from preflight.i18n.messages import localized_params, result_text
from preflight.net.mailclient import Service, probe


@pytest.fixture
def greeting_peer() -> Iterator[tuple[str, int, list[bytes]]]:
    """A raw TCP peer on loopback that sends the greeting put in its list, then closes."""
    greetings: list[bytes] = []
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.sendall(greetings[0] if greetings else b"+OK\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    host, port = server.getsockname()
    yield host, port, greetings
    stop.set()
    server.close()
    thread.join(timeout=10)


@pytest.mark.parametrize("words", ["timeout", "connection refused", "servfail", "authentication failed"])
def test_a_greeting_that_looks_like_our_reason_stays_the_servers(
        greeting_peer: tuple[str, int, list[bytes]], words: str) -> None:
    host, port, greetings = greeting_peer
    greetings.append(f"{words}\r\n".encode())
    # Given a real POP3 peer on loopback whose greeting is not +OK but words that look like ours
    got = probe(Service.POP3, host, port, server_name=None, ca_file=None, timeout=10.0)
    assert got.failure is not None and got.detail.endswith(words), got
    # When the result is shown in Japanese, the peer's words stay as it wrote them
    params = {"target": f"{host}:{port}", "reason": got.detail}
    ja = result_text("client.connect", "broken", params, "ja").summary
    assert got.detail in ja, ja
    assert localized_params({"reason": got.detail}, "ja")["reason"] == got.detail


@pytest.mark.parametrize("reply", ["550 5.1.1: timeout", "421 4.3.2: refused", "299 x: no answer in time",
                                   "5.1.1: servfail"])
def test_a_servers_reply_is_not_read_as_our_reason(reply: str) -> None:
    assert localized_params({"reason": reply}, "ja")["reason"] == reply


def test_names_that_failed_still_read_in_japanese() -> None:
    # The families' own "NAME: reason" and "TYPE NAME: reason" forms keep their translation
    said = localized_params({"reason": "mx1.example.com: servfail; AAAA mx2.example.com: timeout"}, "ja")["reason"]
    assert said == "mx1.example.com：サーバーが SERVFAIL を返しました；AAAA mx2.example.com：応答がありません（タイムアウト）"
    assert localized_params({"reason": "hash:/etc/postfix/access: timeout"}, "ja")["reason"] != \
        "hash:/etc/postfix/access: timeout"


@pytest.mark.parametrize("name", ["timeout", "servfail", "SSH error: x", "exit status 1"])
def test_a_servers_own_os_name_is_shown_as_written(name: str) -> None:
    # /etc/os-release is the server's text: only our own "unknown" words are translated
    assert localized_params({"os": name}, "ja")["os"] == name
    assert localized_params({"os": "unknown (no /etc/os-release)"}, "ja")["os"] != "unknown (no /etc/os-release)"
    assert localized_params({"os": "unknown", "note": "the server has no /etc/os-release"}, "ja")["os"] == "不明"


def test_an_unfinished_answer_is_not_read_as_the_servers_time_budget() -> None:
    # mailclient's "no complete answer before the deadline" says the answer did not finish; the SMTP
    # probe's "overall time for this server spent" says the per-server budget ran out: two meanings
    unfinished = localized_params({"reason": "no complete answer before the deadline"}, "ja")["reason"]
    budget = localized_params({"reason": "overall time for this server spent"}, "ja")["reason"]
    assert unfinished != budget and "応答" in unfinished and "期限" in unfinished, unfinished
