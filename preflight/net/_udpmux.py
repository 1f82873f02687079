"""One UDP socket for a whole batch of DNS queries (private to :mod:`preflight.net.dns`).

:meth:`DnsClient.agather` asks hundreds of questions at once (every blocklist, every self-test).
Opening a socket and an asyncio endpoint per query costs more than the query itself, so a batch
shares one socket per address family: each query gets a random 16-bit id unused among those in
flight to the same server, and a reply is handed to the query whose (id, server address) it
carries. A reply there that asks another question (a late reply to an earlier query whose id
was drawn again, or a forgery) is passed over and the query waits on, as dnspython's resolver
ignores unexpected replies; one without a question section (error replies may omit it) or a
malformed one goes on to dnspython's ``is_response`` and reading. A truncated reply is asked again over
TCP.

The sockets are plain non-blocking sockets watched with ``loop.add_reader``: one wake-up reads
every reply waiting, where an asyncio datagram transport reads one per pass of the event loop.
:meth:`UdpMux.ask` hands back the reply's bytes unread, so the client can read common shapes
without dnspython (:mod:`preflight.net._wire`); :meth:`UdpMux.finish` is dnspython's reading.
"""

from __future__ import annotations

import preflight.net._features  # noqa: F401  (first: dnspython's DoH and DNSSEC parts off)

# isort: split
import asyncio
import collections
import contextlib
import ipaddress
import math
import os
import socket
import struct
from typing import cast

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.query

_RCVBUF = 1 << 20
"""Receive buffer asked for: room for the replies of a few hundred queries in flight."""
_DRAIN = 64
"""Datagrams read per wake-up at most (then the event loop runs the answered queries)."""
_MAX_DATAGRAM = 65535
_HOSTS = 64
_SLACK = 0.001
"""Seconds: resends and timeouts due this soon are handled in the same timer run."""
"""Server addresses remembered in their normalised form."""


def _host(text: str) -> str:
    return ipaddress.ip_address(text.split("%", 1)[0]).compressed


def query_wire(query: dns.message.Message) -> bytes:
    """``query.to_wire()``, built directly for the shape every stub query has.

    One question, no records, at most an EDNS OPT record without options, no TSIG: header,
    question and OPT are packed as RFC 1035/6891 lay them out, skipping dnspython's renderer
    (name compression, section bookkeeping), about a fifth of the client's CPU per query.
    Any other message goes through ``to_wire()``; a test holds the two equal.
    """
    opt = query.opt
    if (len(query.question) != 1 or query.answer or query.authority or query.additional
            or query.tsig is not None or query.pad
            or (opt is not None and (len(opt) != 1 or opt[0].options))):
        return query.to_wire()
    question = query.question[0]
    out = [struct.pack("!HHHHHH", query.id, query.flags, 1, 0, 0, 0 if opt is None else 1),
           cast(bytes, question.name.to_wire()), struct.pack("!HH", question.rdtype, question.rdclass)]
    if opt is not None:
        out.append(b"\x00" + struct.pack("!HHIH", 41, opt.rdclass, opt.ttl, 0))
    return b"".join(out)


def _question(tail: bytes) -> bytes:
    """The question of a query (``tail``: its wire after the id) as a reply echoes it: the name
    and type/class bytes, lower case (names compare without regard to ASCII case)."""
    pos = 10
    while tail[pos]:
        pos += tail[pos] + 1
    return tail[10:pos + 5].lower()


def _asks_a_question(data: bytes) -> bool:
    """True when the reply ``data`` opens its question section with a well-formed plain name and
    its type/class: a reply to some question (else malformed, for dnspython to refuse)."""
    pos, size = 12, len(data)
    while pos < size:
        count = data[pos]
        if count == 0:
            return pos + 5 <= size
        if count > 63:
            return False
        pos += count + 1
    return False


_Entry = tuple[float, "asyncio.Future[bytes]", int, bytes, tuple[str, int]]
"""A query in flight: (sent at, its reply's future, address family, wire, server address)."""


def read_response(query: dns.message.Message, data: bytes) -> dns.message.Message:
    """``data`` read by dnspython as the response to ``query`` (raises if it is not one)."""
    response = dns.message.from_wire(data)
    if not query.is_response(response):
        raise dns.query.BadResponse
    return response


class UdpMux:
    """Shared UDP sockets that match replies to queries by (id, server).

    The sockets are read by a reader callback on the event loop that takes every datagram
    waiting (up to :data:`_DRAIN`) per wake-up, instead of one per pass of the loop.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.sockets: dict[int, socket.socket] = {}
        self.pending: dict[tuple[int, str, int], tuple[asyncio.Future[bytes], bytes]] = {}
        """(id, server, port) -> (the reply's future, the question as sent, lower case)."""
        self._backlog: dict[int, collections.deque[tuple[bytes, tuple[str, int]]]] = {}
        self._hosts: dict[str, str] = {}
        self._ids = b""
        self._steps: dict[tuple[float, int], list[collections.deque[_Entry]]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    @classmethod
    async def open(cls, families: set[int]) -> UdpMux:
        """One socket per address family in ``families`` (AF_INET, AF_INET6).

        Raises OSError when a socket cannot be made (no IPv6 here) or the event loop cannot
        watch one (then the caller asks without a batch socket)."""
        mux = cls(asyncio.get_running_loop())
        try:
            for family in sorted(families):
                sock = socket.socket(family, socket.SOCK_DGRAM)
                mux.sockets[family] = sock
                sock.setblocking(False)
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
                try:
                    mux.loop.add_reader(sock.fileno(), mux._readable, sock)
                except NotImplementedError:  # an event loop without add_reader (Windows' proactor)
                    raise OSError("this event loop cannot watch a socket") from None
        except BaseException:
            mux.close()
            raise
        return mux

    def close(self) -> None:
        """Close the sockets; queries still waiting fail."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self._timer_at = None, math.inf
        self._steps.clear()
        for sock in self.sockets.values():
            with contextlib.suppress(ValueError, OSError):
                self.loop.remove_reader(sock.fileno())
                self.loop.remove_writer(sock.fileno())
            sock.close()
        self.sockets.clear()
        self._backlog.clear()
        for future, _ in self.pending.values():
            if not future.done():
                future.set_exception(OSError("the DNS socket was closed"))

    def _server(self, host: str) -> str:
        """``host`` as replies from it name it (cached: a batch talks to a few servers)."""
        server = self._hosts.get(host)
        if server is None:
            server = _host(host)
            if len(self._hosts) < _HOSTS:
                self._hosts[host] = server
        return server

    def _readable(self, sock: socket.socket) -> None:
        pending = self.pending
        for _ in range(_DRAIN):
            try:
                data, addr = sock.recvfrom(_MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # an ICMP error is not tied to one query on a shared socket
                return
            if len(data) < 12:
                continue
            try:
                key = ((data[0] << 8) | data[1], self._server(str(addr[0])), int(addr[1]))
            except (ValueError, IndexError, TypeError):
                continue
            waiting = pending.get(key)
            if waiting is None:
                continue
            future, question = waiting
            if future.done():
                continue
            if (data[4] or data[5]) and data[12:12 + len(question)].lower() != question \
                    and _asks_a_question(data):
                continue  # a reply to another question: not this query's, wait on
            future.set_result(data)

    def _send(self, family: int, wire: bytes, addr: tuple[str, int]) -> None:
        """Send now, or queue behind datagrams the kernel could not take yet. Raises OSError."""
        backlog = self._backlog.get(family)
        if backlog:
            backlog.append((wire, addr))
            return
        try:
            self.sockets[family].sendto(wire, addr)
        except (BlockingIOError, InterruptedError):
            self._backlog[family] = collections.deque([(wire, addr)])
            sock = self.sockets[family]
            self.loop.add_writer(sock.fileno(), self._writable, family)

    def _writable(self, family: int) -> None:
        backlog = self._backlog.get(family)
        sock = self.sockets.get(family)
        while backlog and sock is not None:
            wire, addr = backlog[0]
            try:
                sock.sendto(wire, addr)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # its query times out: the reason cannot reach it from here
                pass
            backlog.popleft()
        if sock is not None:
            self.loop.remove_writer(sock.fileno())

    def _resend(self, family: int, wire: bytes, addr: tuple[str, int],
                future: asyncio.Future[bytes]) -> None:
        if not future.done():
            with contextlib.suppress(OSError):  # the first copy went out: the timeout decides
                self._send(family, wire, addr)

    def _new_id(self) -> int:
        """A random 16-bit id (drawn from the OS's randomness, 512 at a time)."""
        ids = self._ids
        if not ids:
            ids = os.urandom(1024)
        self._ids = ids[2:]
        return (ids[0] << 8) | ids[1]

    async def ask(self, tail: bytes, host: str, port: int, timeout: float,
                  resends: int = 0) -> tuple[int, bytes]:
        """Send a query (``tail``: its wire after the id) to ``host``:``port``; return the id
        it went out with and the reply's bytes, unread.

        ``resends`` more copies go out at even intervals within ``timeout`` (a lost packet is
        retried without a dead server costing more than one timeout). Raises
        ``dns.exception.Timeout`` or ``OSError``.
        """
        loop = self.loop
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        if family not in self.sockets:
            raise OSError(f"no socket for address family {family}")
        server = self._server(host)
        pending = self.pending
        while True:
            key = (self._new_id(), server, port)
            if key not in pending:
                break
        future: asyncio.Future[bytes] = loop.create_future()
        pending[key] = (future, _question(tail))
        wire = key[0].to_bytes(2, "big") + tail
        addr = (host, port)
        try:
            self._send(family, wire, addr)
            self._schedule(timeout, resends, (loop.time(), future, family, wire, addr))
            return key[0], await future
        finally:
            pending.pop(key, None)

    # -- resends and timeouts: one timer for the whole batch ----------------------------------

    def _schedule(self, timeout: float, resends: int, entry: _Entry) -> None:
        """Queue ``entry`` (sent at ``entry[0]``) for its resends and its timeout.

        Queries with the same ``(timeout, resends)`` reach each step (resend 1, 2, …, timeout)
        in the order they were sent, so each step is a FIFO queue whose head is due first, and
        one timer, at the earliest head, serves every query in flight — instead of a timer per
        query and step in the event loop's heap.
        """
        queues = self._steps.get((timeout, resends))
        if queues is None:
            queues = self._steps[(timeout, resends)] = [collections.deque()
                                                       for _ in range(resends + 1)]
        queues[0].append(entry)
        self._arm(entry[0] + timeout / (resends + 1))

    def _arm(self, when: float) -> None:
        if when < self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self.loop.call_at(when, self._tick)
            self._timer_at = when

    def _tick(self) -> None:
        self._timer, self._timer_at = None, math.inf
        now = self.loop.time() + _SLACK
        earliest = math.inf
        for (timeout, resends), queues in self._steps.items():
            interval = timeout / (resends + 1)
            for step, queue in enumerate(queues):
                offset = interval * (step + 1) if step < resends else timeout
                while queue:
                    entry = queue[0]
                    due = entry[0] + offset
                    if due > now:
                        earliest = min(earliest, due)
                        break
                    queue.popleft()
                    future = entry[1]
                    if future.done():
                        continue
                    if step < resends:
                        self._resend(entry[2], entry[3], entry[4], future)
                        queues[step + 1].append(entry)
                    else:
                        future.set_exception(dns.exception.Timeout())
        if earliest < math.inf:
            self._arm(earliest)

    async def finish(self, query: dns.message.Message, data: bytes, host: str, port: int,
                     timeout: float) -> dns.message.Message:
        """dnspython's reading of the reply ``data`` to ``query``; asked again over TCP if it is
        truncated. Raises ``dns.exception.DNSException`` (incl. a wrong id or question) or
        ``OSError``."""
        response = read_response(query, data)
        if response.flags & dns.flags.TC:
            response = await dns.asyncquery.tcp(query, host, timeout=timeout, port=port)
        return response

    async def exchange(self, query: dns.message.Message, host: str, port: int,
                       timeout: float, resends: int = 0) -> dns.message.Message:
        """Send ``query`` to ``host``:``port`` and return its reply (over TCP if truncated).

        See :meth:`ask` and :meth:`finish`. Raises ``dns.exception.Timeout``, ``OSError`` or
        ``dns.exception.DNSException``.
        """
        query.id, data = await self.ask(query_wire(query)[2:], host, port, timeout, resends)
        return await self.finish(query, data, host, port, timeout)
