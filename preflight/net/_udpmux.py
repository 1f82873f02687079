"""One UDP socket for a whole batch of DNS queries (private to :mod:`preflight.net.dns`).

:meth:`DnsClient.agather` asks hundreds of questions at once (every blocklist, every self-test).
Opening a socket and an asyncio endpoint per query costs more than the query itself, so a batch
shares one socket per address family: each query gets a random 16-bit id unused among those in
flight to the same server, and a reply is handed to the query whose (id, server address) it
carries; it must also be a response to that query's question (dnspython's ``is_response``), or
it counts as a bad response. A truncated reply is asked again over TCP.
"""

from __future__ import annotations

import preflight.net._features  # noqa: F401  (first: dnspython's DoH and DNSSEC parts off)

# isort: split
import asyncio
import contextlib
import ipaddress
import secrets
import socket
import struct
from typing import Any, cast

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.query

_RCVBUF = 1 << 20
"""Receive buffer asked for: room for the replies of a few hundred queries in flight."""


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


def _expire(future: asyncio.Future[bytes]) -> None:
    if not future.done():
        future.set_exception(dns.exception.Timeout())


class UdpMux(asyncio.DatagramProtocol):
    """A shared UDP socket that matches replies to queries by (id, server)."""

    def __init__(self) -> None:
        self.transports: dict[int, asyncio.DatagramTransport] = {}
        self.pending: dict[tuple[int, str, int], asyncio.Future[bytes]] = {}

    @classmethod
    async def open(cls, families: set[int]) -> UdpMux:
        """One socket per address family in ``families`` (AF_INET, AF_INET6)."""
        loop = asyncio.get_running_loop()
        mux = cls()
        try:
            for family in sorted(families):
                transport, _ = await loop.create_datagram_endpoint(lambda: mux, family=family)
                sock = transport.get_extra_info("socket")
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
                mux.transports[family] = cast(asyncio.DatagramTransport, transport)
        except BaseException:
            mux.close()
            raise
        return mux

    def close(self) -> None:
        """Close the sockets; queries still waiting fail."""
        for transport in self.transports.values():
            transport.close()
        self.transports.clear()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) < 12:
            return
        try:
            key = (int.from_bytes(data[:2], "big"), _host(str(addr[0])), int(addr[1]))
        except (ValueError, IndexError, TypeError):
            return
        future = self.pending.get(key)
        if future is not None and not future.done():
            future.set_result(data)

    def error_received(self, exc: Exception) -> None:
        """ICMP errors are not tied to one query on a shared socket: timeouts handle them."""

    def connection_lost(self, exc: Exception | None) -> None:
        for future in self.pending.values():
            if not future.done():
                future.set_exception(OSError("the DNS socket was closed"))

    async def exchange(self, query: dns.message.Message, host: str, port: int,
                       timeout: float, resends: int = 0) -> dns.message.Message:
        """Send ``query`` to ``host``:``port`` and return its reply (over TCP if truncated).

        ``resends`` more copies go out at even intervals within ``timeout`` (a lost packet is
        retried without a dead server costing more than one timeout). Raises
        ``dns.exception.Timeout``, ``OSError`` or ``dns.exception.DNSException``.
        """
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        transport = self.transports.get(family)
        if transport is None:
            raise OSError(f"no socket for address family {family}")
        server = _host(host)
        while True:
            key = (secrets.randbits(16), server, port)
            if key not in self.pending:
                break
        query.id = key[0]
        future: asyncio.Future[bytes] = loop.create_future()
        self.pending[key] = future
        wire = query_wire(query)
        timers = [loop.call_later(timeout, _expire, future)]
        timers += [loop.call_later(timeout * i / (resends + 1), transport.sendto, wire, (host, port))
                   for i in range(1, resends + 1)]
        try:
            transport.sendto(wire, (host, port))
            data = await future
        finally:
            for timer in timers:
                timer.cancel()
            self.pending.pop(key, None)
        response = dns.message.from_wire(data)
        if not query.is_response(response):
            raise dns.query.BadResponse
        if response.flags & dns.flags.TC:
            response = await dns.asyncquery.tcp(query, host, timeout=timeout, port=port)
        return response
