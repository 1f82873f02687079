"""A DNS server for tests that bound concurrency: answers only once enough questions wait."""

from __future__ import annotations

import socket
import threading
import time

import dns.message
import dns.rcode
import dns.rdatatype


def _nxdomain(query: dns.message.Message) -> bytes:
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.NXDOMAIN)
    return bytes(response.to_wire())


class GateServer:
    """A loopback DNS server that holds every ``rdtype`` question until ``gate`` distinct ones
    are waiting at once (or ``deadline`` seconds passed since the first was held), then answers
    them all NXDOMAIN; it records the most it ever held. Other questions get NXDOMAIN at once."""

    def __init__(self, gate: int, deadline: float, rdtype: str = "PTR") -> None:
        self.gate, self.deadline, self.rdtype, self.most = gate, deadline, rdtype, 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _serve(self) -> None:
        held: dict[str, tuple[dns.message.Message, tuple[str, int]]] = {}
        since = time.monotonic()
        while not self.stop.is_set():
            try:
                wire, peer = self.sock.recvfrom(4096)
                query = dns.message.from_wire(wire)
                if dns.rdatatype.to_text(query.question[0].rdtype) != self.rdtype:
                    self.sock.sendto(_nxdomain(query), peer)
                else:
                    if not held:  # the deadline counts from the first question held
                        since = time.monotonic()
                    held[str(query.question[0].name)] = (query, peer)
                    self.most = max(self.most, len(held))
            except OSError:
                pass
            if held and (len(held) >= self.gate or time.monotonic() - since > self.deadline):
                for query, peer in held.values():
                    self.sock.sendto(_nxdomain(query), peer)
                held.clear()
                since = time.monotonic()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()
