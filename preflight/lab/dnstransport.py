"""Sockets and asyncio plumbing of the lab DNS server: bind, accept, frame, send (late if asked).

:class:`preflight.lab.dnsserver.LabDnsServer` owns the thread, the event loop and the answers; this
module only moves bytes. Each received message goes to a `Handler`, which returns
``(reply wire, delay)`` or None to stay silent. Delayed replies are scheduled with
``loop.call_later``, never slept on, so a slow answer never holds up another query.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import threading
from collections.abc import Callable
from typing import cast

__all__ = ["CLOSE", "Handler", "TcpProtocol", "UdpProtocol", "bind_udp_tcp", "serve"]

log = logging.getLogger(__name__)

Handler = Callable[[bytes, str], tuple[bytes, float] | None]
"""Turns one received message and its transport ("udp" or "tcp") into ``(reply, delay)`` or None.

A reply of :data:`CLOSE` closes a TCP connection without an answer (over UDP: silence)."""

CLOSE = b""
"""The empty reply: hang up instead of answering."""

_BIND_ATTEMPTS = 10
_UDP_RCVBUF = 1 << 20  # room for bursts of hundreds of queries (capped by net.core.rmem_max)


def bind_udp_tcp(host: str, port: int) -> tuple[socket.socket, socket.socket, int]:
    """Bind UDP on `port` (0: an ephemeral one), then TCP on the same number; return both and it.

    Both sockets are non-blocking; TCP is listening. An ephemeral port taken for TCP is retried.
    """
    family, _, _, _, addr = socket.getaddrinfo(host, None, type=socket.SOCK_DGRAM)[0]
    attempts = 1 if port else _BIND_ATTEMPTS
    for attempt in range(attempts):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        tcp = socket.socket(family, socket.SOCK_STREAM)
        try:
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _UDP_RCVBUF)
            udp.bind((addr[0], port, *addr[2:]))
            bound = udp.getsockname()[1]
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind((addr[0], bound, *addr[2:]))
            tcp.listen(socket.SOMAXCONN)
        except OSError as exc:
            udp.close()
            tcp.close()
            if exc.errno != errno.EADDRINUSE or attempt == attempts - 1:
                raise
            continue
        udp.setblocking(False)
        tcp.setblocking(False)
        return udp, tcp, bound
    raise AssertionError("unreachable")  # pragma: no cover


async def serve(
    udp: socket.socket,
    tcp: socket.socket,
    ready: threading.Event,
    stopping: asyncio.Event,
    handle: Handler,
    connections: set[asyncio.Transport],
) -> None:
    """Serve until `stopping` is set, then close every socket (pending delayed replies are dropped).

    Every message goes to `handle`; `ready` is set once serving; open TCP transports are kept in
    `connections` so that they can be aborted on the way out.

    TCP clients are accepted by a reader callback rather than ``loop.create_server``: closing
    an asyncio Server (or cancelling ``sock_accept``) while a client connects leaks its socket.
    """
    loop = asyncio.get_running_loop()
    handshakes: set[asyncio.Task[object]] = set()

    def accept() -> None:
        while True:
            try:
                conn, _ = tcp.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. out of file descriptors: try again on the next wake-up
                log.warning("lab DNS server: TCP accept failed", exc_info=True)
                return
            task = loop.create_task(
                loop.connect_accepted_socket(lambda: TcpProtocol(handle, connections), conn)
            )
            handshakes.add(task)
            task.add_done_callback(handshakes.discard)

    udp_transport, _ = await loop.create_datagram_endpoint(lambda: UdpProtocol(handle), sock=udp)
    loop.add_reader(tcp.fileno(), accept)
    try:
        ready.set()
        await stopping.wait()
    finally:
        loop.remove_reader(tcp.fileno())
        tcp.close()
        udp_transport.close()
        if handshakes:
            await asyncio.wait(handshakes, timeout=1.0)
        for connection in list(connections):
            connection.abort()
        await asyncio.sleep(0)  # let the transports release their sockets


class UdpProtocol(asyncio.DatagramProtocol):
    """Answers each datagram; delayed answers are scheduled, never slept on."""

    def __init__(self, handle: Handler) -> None:
        self._handle = handle
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = self._handle(data, "udp")
        if reply is not None:
            asyncio.get_running_loop().call_later(reply[1], self._send, reply[0], addr)

    def _send(self, wire: bytes, addr: tuple[str, int]) -> None:
        if wire and self._transport is not None and not self._transport.is_closing():
            self._transport.sendto(wire, addr)

    def error_received(self, exc: Exception) -> None:
        """ICMP errors about a vanished client: nothing to do."""


class TcpProtocol(asyncio.Protocol):
    """RFC 7766 framing (2-byte length prefix), many queries per connection, pipelining."""

    def __init__(self, handle: Handler, connections: set[asyncio.Transport]) -> None:
        self._handle = handle
        self._connections = connections
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._connections.add(self._transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._connections.discard(self._transport)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= 2:
            end = 2 + int.from_bytes(self._buffer[:2], "big")
            if len(self._buffer) < end:
                return
            message = bytes(self._buffer[2:end])
            del self._buffer[:end]
            reply = self._handle(message, "tcp")
            if reply is not None:
                asyncio.get_running_loop().call_later(reply[1], self._send, reply[0])

    def _send(self, wire: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            if wire == CLOSE:
                self._transport.close()
                return
            self._transport.write(len(wire).to_bytes(2, "big") + wire)
