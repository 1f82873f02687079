"""A DNS server for tests that bound concurrency: answers only once enough questions wait."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import dns.message
import dns.rcode
import dns.rdatatype


def _nxdomain(query: dns.message.Message) -> bytes:
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.NXDOMAIN)
    return bytes(response.to_wire())


class _Loopback:
    """A UDP socket on 127.0.0.1 served by ``_serve`` on a thread until :meth:`close`."""

    def _start(self) -> None:
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
        raise NotImplementedError

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


class GateServer(_Loopback):
    """A loopback DNS server that holds every ``rdtype`` question until ``gate`` distinct ones
    are waiting at once (or ``deadline`` seconds passed since the first was held), then answers
    them all NXDOMAIN; it records the most it ever held. Other questions get NXDOMAIN at once."""

    def __init__(self, gate: int, deadline: float, rdtype: str = "PTR") -> None:
        self.gate, self.deadline, self.rdtype, self.most = gate, deadline, rdtype, 0
        self._start()

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


class GroupGate(_Loopback):
    """A loopback DNS proxy that lets questions through only in expected groups.

    It holds every question it receives until as many distinct questions wait as the next
    group of ``sizes`` holds (or ``deadline`` seconds passed), then forwards them all to
    ``upstream`` (a real lab server) and sends the answers back. ``groups`` records each
    released group as a set of ``"name TYPE"``; ``asked`` every question as it arrived.
    A client that asks a level's questions together passes through group by group; one that
    asks them one at a time leaves the gate waiting and its groups come out wrong."""

    def __init__(self, upstream: tuple[str, int], sizes: list[int], deadline: float) -> None:
        self.upstream, self.sizes, self.deadline = upstream, list(sizes), deadline
        self.groups: list[set[str]] = []
        self.asked: list[str] = []
        self._start()

    def _serve(self) -> None:
        import dns.query

        held: dict[str, tuple[dns.message.Message, tuple[str, int]]] = {}
        since = time.monotonic()
        while not self.stop.is_set():
            try:
                wire, peer = self.sock.recvfrom(4096)
                query = dns.message.from_wire(wire)
                question = query.question[0]
                key = f"{question.name.to_text(omit_final_dot=True).lower()} " \
                      f"{dns.rdatatype.to_text(question.rdtype)}"
                self.asked.append(key)
                if not held:
                    since = time.monotonic()
                held[key] = (query, peer)
            except OSError:
                pass
            want = self.sizes[len(self.groups)] if len(self.groups) < len(self.sizes) else 1
            if held and (len(held) >= want or time.monotonic() - since > self.deadline):
                self.groups.append(set(held))
                for query, peer in held.values():
                    reply = dns.query.udp(query, self.upstream[0], port=self.upstream[1], timeout=5)
                    self.sock.sendto(reply.to_wire(), peer)
                held.clear()


class HoldGate(_Loopback):
    """A loopback DNS proxy that holds every question until all of ``required`` wait at once
    (or ``deadline`` seconds passed), then answers them through ``upstream`` and lets later
    questions straight through. ``met`` tells whether the required ones ever waited together."""

    def __init__(self, upstream: tuple[str, int], required: set[str], deadline: float,
                 until: Callable[[], bool] | None = None) -> None:
        """With ``until``, the gate also waits for that condition (checked as questions wait)."""
        self.upstream, self.required, self.deadline = upstream, set(required), deadline
        self.until = until
        self.met = False
        self._start()

    def _serve(self) -> None:
        import dns.query

        held: list[tuple[dns.message.Message, tuple[str, int]]] = []
        waiting: set[str] = set()
        holding, start = True, time.monotonic()
        while not self.stop.is_set():
            try:
                wire, peer = self.sock.recvfrom(4096)
                query = dns.message.from_wire(wire)
                question = query.question[0]
                name = question.name.to_text().lower()
                waiting.add(f"{name.rstrip('.') or '.'} {dns.rdatatype.to_text(question.rdtype)}")
                held.append((query, peer))
            except OSError:
                pass
            if holding and waiting and self.required <= waiting and (
                    self.until is None or self.until()):
                self.met = True
            if holding and (self.met or time.monotonic() - start > self.deadline):
                holding = False
            if not holding:
                for query, peer in held:
                    reply = dns.query.udp(query, self.upstream[0], port=self.upstream[1], timeout=5)
                    self.sock.sendto(reply.to_wire(), peer)
                held.clear()


class FirstHopProxy(_Loopback):
    """A loopback DNS proxy in front of ``upstream`` that answers like a server that does not
    chase CNAMEs: of the answer section it keeps only the records owned by the asked name."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._start()

    def _serve(self) -> None:
        import dns.query

        while not self.stop.is_set():
            try:
                wire, peer = self.sock.recvfrom(4096)
            except OSError:
                continue
            query = dns.message.from_wire(wire)
            reply = dns.query.udp(query, self.upstream[0], port=self.upstream[1], timeout=5)
            reply.answer = [rrset for rrset in reply.answer if rrset.name == query.question[0].name]
            self.sock.sendto(reply.to_wire(), peer)
