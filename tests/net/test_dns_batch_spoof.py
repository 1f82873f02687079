"""A batch socket takes a reply only from the server and port it asked (off-path spoofing).

The batch path shares one UDP socket per address family and hands a datagram to the query whose
(id, server address, server port) it carries. A forged reply with the right id and question from
another port, or from the server's port on another address, must never become the answer —
neither on the fast reader's path (A) nor on dnspython's (MX).
"""

from __future__ import annotations

import asyncio
import socket
import threading

import dns.message
import dns.rdatatype
import dns.rrset
import pytest

from preflight.net.dns import DnsAnswer, DnsClient, DnsConfig, DnsError, Nameserver

GENUINE = {"A": "192.0.2.1", "MX": "10 mx.genuine.test."}
FORGED = {"A": "203.0.113.66", "MX": "10 mx.forged.test."}


class SpoofingServer:
    """Answers each query on 127.0.0.1 from its own socket, after forged replies (right id and
    question, forged records) sent first from another port on 127.0.0.1 and from its own port
    on 127.0.0.2, and (``wrong_id``) one with another id from its own socket; ``genuine=False``:
    forgeries only."""

    wrong_id = True

    def __init__(self, genuine: bool) -> None:
        self.genuine = genuine
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.other_port = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.other_port.bind(("127.0.0.1", 0))
        self.other_host = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.other_host.bind(("127.0.0.2", self.port))
        except OSError:
            self.close()
            pytest.skip("127.0.0.2 cannot be bound here")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _reply(self, query: dns.message.Message, records: dict[str, str], qid: int) -> bytes:
        response = dns.message.make_response(query)
        response.id = qid
        question = query.question[0]
        rdtype = dns.rdatatype.to_text(question.rdtype)
        response.answer.append(dns.rrset.from_text(question.name, 300, "IN", rdtype, records[rdtype]))
        return response.to_wire()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            forged = self._reply(query, FORGED, query.id)
            # sent before the genuine reply: on loopback each lands in the client's queue first
            self.other_port.sendto(forged, peer)
            self.other_host.sendto(forged, peer)
            if self.wrong_id:
                self.sock.sendto(self._reply(query, FORGED, query.id ^ 0x5A5A), peer)
            if self.genuine:
                self.sock.sendto(self._reply(query, GENUINE, query.id), peer)

    def close(self) -> None:
        if hasattr(self, "stop"):
            self.stop.set()
            self.thread.join(5)
        for sock in (self.sock, self.other_port, self.other_host):
            sock.close()


@pytest.mark.parametrize("rdtype", ["A", "MX"])
def test_forged_replies_from_another_source_are_not_taken(rdtype: str) -> None:
    # Given a server whose genuine reply follows forgeries from another port and address
    server = SpoofingServer(genuine=True)
    try:
        client = DnsClient(DnsConfig((Nameserver("127.0.0.1", server.port),), timeout=5.0,
                                     retries=0))
        # When asked through a batch
        (answer,) = asyncio.run(client.agather([("a.spoof.test", rdtype)]))
    finally:
        server.close()
    # Then the answer is the genuine reply's
    assert isinstance(answer, DnsAnswer), answer
    assert answer.records == (GENUINE[rdtype].rstrip("."),)


def test_only_forged_replies_leave_the_question_unanswered() -> None:
    # Given a server that never answers from its own address and port, only forgeries
    server = SpoofingServer(genuine=False)
    try:
        client = DnsClient(DnsConfig((Nameserver("127.0.0.1", server.port),), timeout=0.5,
                                     retries=1))
        # When asked through a batch
        (answer,) = asyncio.run(client.agather([("a.spoof.test", "A")]))
    finally:
        server.close()
    # Then the question could not be checked (a timeout), never the forged address
    assert isinstance(answer, DnsError), answer


class StaleReplyServer(SpoofingServer):
    """From its own address and port, answers each query first with a reply carrying the query's
    id but another question (what a late reply to an earlier query whose id was drawn again
    looks like on a shared socket), then with the genuine reply."""

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            earlier = dns.message.make_query("earlier.spoof.test", query.question[0].rdtype,
                                             use_edns=0, payload=1232)
            earlier.id = query.id
            self.sock.sendto(self._reply(earlier, FORGED, query.id), peer)
            self.sock.sendto(self._reply(query, GENUINE, query.id), peer)


@pytest.mark.parametrize("rdtype", ["A", "MX"])
def test_a_reply_to_another_question_under_the_same_id_is_not_the_end(rdtype: str) -> None:
    # Given a server whose genuine reply follows a reply to another question with the same id
    server = StaleReplyServer(genuine=True)
    try:
        client = DnsClient(DnsConfig((Nameserver("127.0.0.1", server.port),), timeout=5.0,
                                     retries=0))
        # When asked through a batch
        (answer,) = asyncio.run(client.agather([("a.spoof.test", rdtype)]))
    finally:
        server.close()
    # Then the stray reply is passed over (as dnspython's resolver does), and the genuine one
    # answers: not "bad response"
    assert isinstance(answer, DnsAnswer), answer
    assert answer.records == (GENUINE[rdtype].rstrip("."),)


class UpperCaseServer(SpoofingServer):
    """Answers genuinely, echoing the question's name in upper case (as 0x20-style servers may)."""

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                data, peer = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            query = dns.message.from_wire(data)
            wire = self._reply(query, GENUINE, query.id)
            end = 12 + len(query.question[0].name.to_wire() or b"")
            self.sock.sendto(wire[:12] + wire[12:end].upper() + wire[end:], peer)


@pytest.mark.parametrize("rdtype", ["A", "MX"])
def test_a_reply_echoing_the_question_in_another_case_is_taken(rdtype: str) -> None:
    server = UpperCaseServer(genuine=True)
    try:
        client = DnsClient(DnsConfig((Nameserver("127.0.0.1", server.port),), timeout=5.0,
                                     retries=0))
        (answer,) = asyncio.run(client.agather([("a.spoof.test", rdtype)]))
    finally:
        server.close()
    assert isinstance(answer, DnsAnswer), answer
    assert answer.records == (GENUINE[rdtype].rstrip("."),)
