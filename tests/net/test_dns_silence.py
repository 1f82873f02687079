"""A silenced client stops waiting: a question already on the wire when the resolver is found
dead gives up at once, in every face (sync, async, async batch), instead of waiting out its
timeout — so a dead resolver costs a run one timeout, not two.

Proved without timing: the server never answers and the client's timeout is a minute; each
question is silenced only once the server has received it, and must be over long before
(the bound is a third of the one timeout the old code waited, and 100x what it needs).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable

import dns.message
import dns.rcode
import pytest

from preflight.lab.dnsserver import FaultKind, LabDnsServer
from preflight.net.dns import DnsAnswer, DnsClient, DnsConfig, DnsError, Nameserver

TIMEOUT = 60.0
"""The client's wait per answer: what a question that does not notice the silence costs."""
BOUND = TIMEOUT / 3
"""How long a silenced question may still take here (it needs a fraction of a second)."""
SILENCE = DnsError(".", "NS", "the resolver did not answer", "-")

FACES: dict[str, Callable[[DnsClient, str, str], DnsAnswer | DnsError]] = {
    "sync": lambda client, q, t: client.ask(q, t),
    "async": lambda client, q, t: asyncio.run(client.aask(q, t)),
    "batch": lambda client, q, t: client.gather([(q, t)])[0],
}


def _wait_until(condition: Callable[[], bool], deadline: float = BOUND) -> bool:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.parametrize("retries", [0, 1])
@pytest.mark.parametrize("face", sorted(FACES))
def test_a_question_on_the_wire_stops_waiting_when_the_client_is_silenced(
    dns_server: LabDnsServer, face: str, retries: int
) -> None:
    # Given a server that never answers this name, and a client that would wait a minute
    dns_server.add_fault("mx.good.test", FaultKind.TIMEOUT)
    dns_server.reset_stats()
    client = DnsClient(DnsConfig((Nameserver(*dns_server.address),), timeout=TIMEOUT,
                                 retries=retries))
    found: list[DnsAnswer | DnsError] = []
    asker = threading.Thread(target=lambda: found.append(FACES[face](client, "mx.good.test", "A")),
                             daemon=True)
    asker.start()
    # When the question is on the wire and the client is then silenced
    assert _wait_until(lambda: dns_server.count_queries("mx.good.test", "A") >= 1)
    client.silence(SILENCE)
    asker.join(BOUND)
    # Then the question stopped waiting: no exchange is left in flight
    assert not asker.is_alive(), f"{face}: still waiting for its answer after silence()"
    # and it is "could not check" in the silence's words, never an answer or an absence
    (result,) = found
    assert isinstance(result, DnsError)
    assert result.reason == SILENCE.reason


def test_a_lost_packet_is_resent_within_the_one_timeout() -> None:
    # Given a server that loses the first copy of a question and answers the next one, and a
    # sync client with a minute's timeout and retries (copies due every second)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(BOUND)
    copies: list[bytes] = []

    def serve() -> None:
        with contextlib.suppress(OSError):
            for _ in range(2):
                wire, peer = sock.recvfrom(4096)
                copies.append(wire)
            reply = dns.message.make_response(dns.message.from_wire(copies[-1]))
            reply.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(reply.to_wire(), peer)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        client = DnsClient(DnsConfig((Nameserver(*sock.getsockname()),), timeout=TIMEOUT,
                                     retries=int(TIMEOUT) - 1))
        found: list[DnsAnswer | DnsError] = []
        asker = threading.Thread(target=lambda: found.append(client.ask("lost.test", "A")),
                                 daemon=True)
        asker.start()
        asker.join(BOUND)
        # Then the second copy went out within the first exchange (the same id and bytes, as on
        # the batch path) and its answer counts — not a new exchange after a whole timeout
        assert not asker.is_alive(), "the retry waited for the first copy's whole timeout"
    finally:
        sock.close()
        server.join(BOUND)
    assert len(copies) == 2 and copies[0] == copies[1]
    (result,) = found
    assert isinstance(result, DnsAnswer) and result.nxdomain
