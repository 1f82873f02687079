"""The sync and plain async faces take a reply only from the server's address and port
(off-path spoofing; the batch path: test_dns_batch_spoof.py).

``DnsClient.ask`` waits for its UDP reply itself (in slices, see ``DnsClient._udp``), ``aask``
outside a batch through dnspython's async ``udp_with_fallback``. A forged
reply with the right id and question from another port, or from the server's port on another
address, must be passed over: never the answer, and not the end of the question either (an
off-path sender must not turn a server's answer into "could not check").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from preflight.net.dns import DnsAnswer, DnsClient, DnsConfig, DnsError, Nameserver

from .test_dns_batch_spoof import GENUINE, SpoofingServer


class OffPathServer(SpoofingServer):
    """Sends forgeries from another port and another address first, then (``genuine``) the
    genuine reply from its own address and port (no wrong-id reply from its own address: that
    one ends the question by design, as "does not match")."""

    wrong_id = False


FACES: dict[str, Callable[[DnsClient, str, str], DnsAnswer | DnsError]] = {
    "sync": lambda client, q, t: client.ask(q, t),
    "async": lambda client, q, t: asyncio.run(client.aask(q, t)),
}


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("rdtype", ["A", "MX"])
def test_faces_pass_over_forged_replies_from_another_source(face: str, rdtype: str) -> None:
    # Given a server whose genuine reply follows forgeries from another port and address
    server = OffPathServer(genuine=True)
    try:
        client = DnsClient(DnsConfig((Nameserver("127.0.0.1", server.port),), timeout=5.0,
                                     retries=0))
        # When asked through the face
        answer = FACES[face](client, "a.spoof.test", rdtype)
    finally:
        server.close()
    # Then the answer is the genuine reply's (not the forgery, not an error)
    assert isinstance(answer, DnsAnswer), answer
    assert answer.records == (GENUINE[rdtype].rstrip("."),)


@pytest.mark.parametrize("face", FACES)
def test_faces_with_only_forged_replies_are_could_not_check(face: str) -> None:
    # Given a server that only ever sends forgeries from another source
    server = OffPathServer(genuine=False)
    try:
        client = DnsClient(DnsConfig((Nameserver("127.0.0.1", server.port),), timeout=0.5,
                                     retries=1))
        # When asked through the face
        answer = FACES[face](client, "a.spoof.test", "A")
    finally:
        server.close()
    # Then the question could not be checked (a timeout), never the forged address
    assert isinstance(answer, DnsError), answer
    assert answer.reason == "timeout"


