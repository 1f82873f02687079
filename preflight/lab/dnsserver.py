"""Loopback authoritative DNS server for the embedded lab (``preflight demo`` and the tests).

`LabDnsServer` serves RFC 1035 zone files over UDP and TCP on one loopback port and can be told,
at runtime, to misbehave for chosen names (time out, SERVFAIL, REFUSED, delay, truncate, NXDOMAIN).

Design notes:

* One asyncio event loop in one daemon thread serves both transports. Delays (the server-wide
  ``latency`` and ``delay`` faults) are scheduled with ``loop.call_later``: a slow answer never
  holds up another query, and hundreds of delayed answers can be in flight at once.
* Answers follow RFC 1034 section 4.3.2 within the served data: AA set; NODATA and NXDOMAIN carry
  the zone SOA (TTL capped by its MINIMUM, RFC 2308); empty non-terminals are NODATA; CNAMEs are
  chased through every served zone (the rcode is that of the end of the chain, RFC 6604);
  wildcards are synthesised per RFC 4592; names outside every zone are REFUSED (without AA).
* RA is set on every response: preflight points its stub resolver at the lab as if it were the
  site's recursive resolver, and a recursive resolver advertises RA.
* Not implemented (the lab does not need them): zone cuts and referrals (NS records below an apex
  are plain data), additional-section glue, DNSSEC, zone transfers (AXFR/IXFR are REFUSED).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import errno
import logging
import os
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, cast

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.resolver
import dns.rrset
import dns.zone

__all__ = ["Fault", "FaultKind", "LabDnsServer", "QueryRecord", "ZoneSource"]

log = logging.getLogger(__name__)

ZoneSource = str | os.PathLike[str] | dns.zone.Zone
"""A zone file path, or an already loaded zone (which must be absolute: ``relativize=False``)."""

_UDP_MIN_LIMIT = 512
_TCP_LIMIT = 65535
_MAX_CNAME_CHAIN = 8
_BIND_ATTEMPTS = 10
_UDP_RCVBUF = 1 << 20  # room for bursts of hundreds of queries (capped by net.core.rmem_max)


class FaultKind(str, enum.Enum):
    """How the server misbehaves for a query matched by a `Fault`."""

    TIMEOUT = "timeout"  # never answer
    SERVFAIL = "servfail"
    REFUSED = "refused"
    DELAY = "delay"  # answer normally, `delay` seconds late
    TRUNCATE = "truncate"  # always set TC over UDP (forces TCP); TCP answers normally
    NXDOMAIN = "nxdomain"


@dataclass(frozen=True)
class Fault:
    """A fault rule: `kind` applies to `name` (and, with `suffix`, to every name below it).

    `rdtype` restricts the rule to one query type. `delay` postpones any answered kind (not only
    ``delay``) by that many seconds, on top of the server-wide latency.
    """

    name: dns.name.Name
    kind: FaultKind
    rdtype: dns.rdatatype.RdataType | None = None
    delay: float = 0.0
    suffix: bool = False

    def matches(self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> bool:
        """Return whether this rule applies to a query for `qname`/`rdtype` (case-insensitive)."""
        if self.rdtype is not None and rdtype != self.rdtype:
            return False
        return qname.is_subdomain(self.name) if self.suffix else qname == self.name


class QueryRecord(NamedTuple):
    """One received query: absolute lower-case name with trailing dot, type mnemonic, transport."""

    name: str
    rdtype: str
    transport: str  # "udp" or "tcp"


class _Outcome(enum.Enum):
    ANSWER = enum.auto()
    CNAME = enum.auto()
    NODATA = enum.auto()
    NXDOMAIN = enum.auto()


def _to_name(name: str | dns.name.Name) -> dns.name.Name:
    """Parse `name` as an absolute name ("example.com" and "example.com." are the same)."""
    if isinstance(name, dns.name.Name):
        return name if name.is_absolute() else name.derelativize(dns.name.root)
    return dns.name.from_text(name)


def _rrset(owner: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> dns.rrset.RRset:
    """Copy `rdataset` into a new RRset owned by `owner` (keeps the zone's TTL)."""
    return dns.rrset.from_rdata_list(owner, rdataset.ttl, list(rdataset))


class _ServedZone:
    """One loaded zone plus what dns.zone does not do: empty non-terminals and wildcards."""

    def __init__(self, zone: dns.zone.Zone) -> None:
        if zone.relativize or zone.origin is None:
            raise ValueError("lab zones need an origin and relativize=False")
        soa = zone.get_rdataset(zone.origin, dns.rdatatype.SOA)
        if soa is None:
            raise ValueError(f"zone {zone.origin} has no SOA at its apex")
        self.zone = zone
        self.origin: dns.name.Name = zone.origin
        names: set[dns.name.Name] = set()
        for name in zone.nodes:
            while name not in names and name.is_subdomain(self.origin):
                names.add(name)
                name = name.parent()
        self.names = frozenset(names)  # every node plus every empty non-terminal
        self.negative_soa = _rrset(self.origin, soa)
        self.negative_soa.ttl = min(soa.ttl, soa[0].minimum)

    def lookup(
        self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> tuple[_Outcome, list[dns.rrset.RRset]]:
        """Look `qname`/`rdtype` up in this zone only; answers are owned by `qname`."""
        source = qname
        if qname not in self.names:  # RFC 4592: try the wildcard at the closest encloser
            encloser = qname.parent()
            while encloser not in self.names:  # terminates: the origin is in `names`
                encloser = encloser.parent()
            source = dns.name.Name((b"*", *encloser.labels))
            if self.zone.get_node(source) is None:
                return _Outcome.NXDOMAIN, []
        node = self.zone.get_node(source)
        if node is None:  # empty non-terminal
            return _Outcome.NODATA, []
        if rdtype == dns.rdatatype.ANY:
            rrsets = [_rrset(qname, rds) for rds in node.rdatasets]
            return (_Outcome.ANSWER if rrsets else _Outcome.NODATA), rrsets
        rdataset = node.get_rdataset(dns.rdataclass.IN, rdtype)
        if rdataset:
            return _Outcome.ANSWER, [_rrset(qname, rdataset)]
        cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
        if cname:
            return _Outcome.CNAME, [_rrset(qname, cname)]
        return _Outcome.NODATA, []


class LabDnsServer:
    """Authoritative DNS server on a loopback address, serving zone files, with fault injection.

    Use as a context manager (``with LabDnsServer([path]) as server: server.address``) or call
    `start` / `stop`. Zones, faults and `latency` may be changed from any thread while it runs.
    """

    def __init__(
        self,
        zones: Iterable[ZoneSource] = (),
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        log_queries: bool = True,
    ) -> None:
        """Load `zones` (origins from each file's $ORIGIN); `port` 0 picks an ephemeral port.

        `latency` delays every answer by that many seconds (concurrently, never serialised).
        """
        if latency < 0:
            raise ValueError("latency must be >= 0")
        self._host, self._requested_port, self._port = host, port, port
        self.latency = latency
        self._log_queries = log_queries
        self._lock = threading.Lock()
        self._zones: dict[dns.name.Name, _ServedZone] = {}
        self._faults: tuple[Fault, ...] = ()
        self._queries = self._malformed = 0
        self._log: list[QueryRecord] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping = asyncio.Event()  # set (on the loop) to stop serving
        self._connections: set[asyncio.Transport] = set()  # touched on the loop only
        for source in zones:
            self.add_zone(source)

    @classmethod
    def from_directory(
        cls,
        path: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        log_queries: bool = True,
    ) -> LabDnsServer:
        """Build a server from every ``*.zone`` file in `path` (each needs an $ORIGIN)."""
        files = sorted(Path(path).glob("*.zone"))
        if not files:
            raise ValueError(f"no *.zone files in {os.fspath(path)}")
        return cls(files, host=host, port=port, latency=latency, log_queries=log_queries)

    # -- zones and faults ---------------------------------------------------------------------

    def add_zone(self, source: ZoneSource, origin: str | dns.name.Name | None = None) -> None:
        """Serve one more zone: a file (origin from its $ORIGIN unless given) or a loaded zone."""
        if not isinstance(source, dns.zone.Zone):
            zone_origin = None if origin is None else _to_name(origin)
            source = dns.zone.from_file(os.fspath(source), origin=zone_origin, relativize=False)
        served = _ServedZone(source)
        with self._lock:
            if served.origin in self._zones:
                raise ValueError(f"zone {served.origin} is already served")
            self._zones = {**self._zones, served.origin: served}  # copy-on-write for readers

    @property
    def origins(self) -> list[str]:
        """Origins of the served zones, sorted, as absolute text."""
        return sorted(origin.to_text() for origin in self._zones)

    def add_fault(
        self,
        name: str | dns.name.Name,
        kind: FaultKind | str,
        rdtype: dns.rdatatype.RdataType | str | int | None = None,
        delay: float = 0.0,
        *,
        suffix: bool = False,
    ) -> Fault:
        """Make queries for `name` (and names below it when `suffix`) misbehave as `kind`.

        When several rules match, the most specific wins: exact over suffix, then longer names,
        then typed over untyped, then the latest added. Faults apply to the query name only,
        not to CNAME targets chased while answering.
        """
        fault_kind = FaultKind(kind)
        if delay < 0 or (fault_kind is FaultKind.DELAY and delay <= 0):
            raise ValueError("delay must be >= 0 (and > 0 for a 'delay' fault)")
        typed = None if rdtype is None else dns.rdatatype.RdataType.make(rdtype)
        fault = Fault(_to_name(name), fault_kind, typed, float(delay), suffix)
        with self._lock:
            self._faults = (*self._faults, fault)
        return fault

    def remove_fault(self, fault: Fault) -> None:
        """Remove one rule returned by `add_fault` (no error if it is already gone)."""
        with self._lock:
            self._faults = tuple(f for f in self._faults if f is not fault)

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        with self._lock:
            self._faults = ()

    def _match_fault(self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> Fault | None:
        matching = [
            ((not f.suffix, len(f.name), f.rdtype is not None, i), f)
            for i, f in enumerate(self._faults)
            if f.matches(qname, rdtype)
        ]
        return max(matching, key=lambda pair: pair[0])[1] if matching else None

    # -- statistics ---------------------------------------------------------------------------

    @property
    def queries(self) -> int:
        """Number of well-formed queries received (both transports, faulted ones included)."""
        with self._lock:
            return self._queries

    @property
    def malformed(self) -> int:
        """Number of packets dropped because they did not parse as a DNS message."""
        with self._lock:
            return self._malformed

    @property
    def query_log(self) -> list[QueryRecord]:
        """A copy of the query log (always empty when built with ``log_queries=False``)."""
        with self._lock:
            return list(self._log)

    def count_queries(
        self, name: str | dns.name.Name, rdtype: str | None = None, *, suffix: bool = False
    ) -> int:
        """Count logged queries for `name` (or below it with `suffix`), optionally of one type."""
        target = _to_name(name)
        count = 0
        for record in self.query_log:
            logged = dns.name.from_text(record.name)
            if (rdtype is None or record.rdtype == rdtype.upper()) and (
                logged.is_subdomain(target) if suffix else logged == target
            ):
                count += 1
        return count

    def reset_stats(self) -> None:
        """Zero the counters and empty the query log."""
        with self._lock:
            self._queries = self._malformed = 0
            self._log = []

    # -- addresses and lifecycle --------------------------------------------------------------

    @property
    def host(self) -> str:
        """The address the server binds to."""
        return self._host

    @property
    def port(self) -> int:
        """The port shared by UDP and TCP (an ephemeral port is only known once started)."""
        if self._port == 0:
            raise RuntimeError("the server is not started: its ephemeral port is not known yet")
        return self._port

    @property
    def address(self) -> tuple[str, int]:
        """``(host, port)`` to send queries to."""
        return self._host, self.port

    def resolver(self, lifetime: float = 2.0) -> dns.resolver.Resolver:
        """A dnspython stub resolver that asks this server only (no system configuration)."""
        res = dns.resolver.Resolver(configure=False)
        res.nameservers = [self._host]
        res.port = self.port
        res.timeout = res.lifetime = lifetime
        return res

    def start(self) -> LabDnsServer:
        """Bind UDP and TCP on one port and serve from a daemon thread; returns self."""
        if self._thread is not None:
            raise RuntimeError("the server is already running")
        sockets = self._bind()
        ready, errors = threading.Event(), list[BaseException]()
        self._loop = loop = asyncio.new_event_loop()
        self._stopping = asyncio.Event()
        self._thread = threading.Thread(
            target=self._run,
            args=(loop, *sockets, ready, errors),
            name=f"lab-dns-{self._host}:{self._port}",
            daemon=True,
        )
        self._thread.start()
        if not ready.wait(5.0) or errors:
            self.stop()
            raise RuntimeError("the lab DNS server failed to start") from next(iter(errors), None)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Close every socket and join the server thread (no-op when not running)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop may already be closed
            loop.call_soon_threadsafe(self._stopping.set)
        thread.join(timeout)
        self._loop = self._thread = None
        self._port = self._requested_port

    def __enter__(self) -> LabDnsServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _bind(self) -> tuple[socket.socket, socket.socket]:
        """Bind UDP (on the requested port, or an ephemeral one), then TCP on the same number."""
        family, _, _, _, addr = socket.getaddrinfo(self._host, None, type=socket.SOCK_DGRAM)[0]
        attempts = 1 if self._requested_port else _BIND_ATTEMPTS
        for attempt in range(attempts):
            udp = socket.socket(family, socket.SOCK_DGRAM)
            tcp = socket.socket(family, socket.SOCK_STREAM)
            try:
                udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _UDP_RCVBUF)
                udp.bind((addr[0], self._requested_port, *addr[2:]))
                port = udp.getsockname()[1]
                tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                tcp.bind((addr[0], port, *addr[2:]))
                tcp.listen(socket.SOMAXCONN)
            except OSError as exc:
                udp.close()
                tcp.close()
                if exc.errno != errno.EADDRINUSE or attempt == attempts - 1:
                    raise
                continue
            udp.setblocking(False)
            tcp.setblocking(False)
            self._port = port
            return udp, tcp
        raise AssertionError("unreachable")  # pragma: no cover

    def _run(
        self,
        loop: asyncio.AbstractEventLoop,
        udp: socket.socket,
        tcp: socket.socket,
        ready: threading.Event,
        errors: list[BaseException],
    ) -> None:
        """Thread body: run `_serve` on `loop`, report a failure to start, close the loop."""
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve(udp, tcp, ready))
        except BaseException as exc:  # reported by start()
            errors.append(exc)
            udp.close()
            tcp.close()
        finally:
            ready.set()
            loop.close()

    async def _serve(self, udp: socket.socket, tcp: socket.socket, ready: threading.Event) -> None:
        """Serve until `stop`, then close every socket (pending delayed replies are dropped).

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
                    loop.connect_accepted_socket(lambda: _TcpProtocol(self), conn)
                )
                handshakes.add(task)
                task.add_done_callback(handshakes.discard)

        udp_transport, _ = await loop.create_datagram_endpoint(lambda: _UdpProtocol(self), sock=udp)
        loop.add_reader(tcp.fileno(), accept)
        try:
            ready.set()
            await self._stopping.wait()
        finally:
            loop.remove_reader(tcp.fileno())
            tcp.close()
            udp_transport.close()
            if handshakes:
                await asyncio.wait(handshakes, timeout=1.0)
            for connection in list(self._connections):
                connection.abort()
            await asyncio.sleep(0)  # let the transports release their sockets

    # -- answering ----------------------------------------------------------------------------

    def _handle(self, wire: bytes, transport: str) -> tuple[bytes, float] | None:
        """Turn one received packet into ``(reply wire, delay)``, or None to stay silent."""
        try:
            query = dns.message.from_wire(wire)
        except Exception:  # garbage: dnspython raises many exception types
            with self._lock:
                self._malformed += 1
            return None
        if query.flags & dns.flags.QR:  # a response: never answer it (no reflection loops)
            return None
        limit = _TCP_LIMIT
        if transport == "udp":
            limit = max(_UDP_MIN_LIMIT, query.payload) if query.edns >= 0 else _UDP_MIN_LIMIT
        try:
            planned = self._respond(query, transport)
            if planned is None:
                return None
            response, delay, force_tc = planned
            if not (force_tc and transport == "udp"):
                with contextlib.suppress(dns.exception.TooBig):
                    return response.to_wire(max_size=min(limit, _TCP_LIMIT)), delay
            # Truncated: only the question, the client retries over TCP.
            short = dns.message.make_response(query, recursion_available=True)
            short.flags |= dns.flags.TC | (response.flags & dns.flags.AA)
            short.set_rcode(response.rcode())
            return short.to_wire(max_size=limit), delay
        except Exception:
            log.exception("lab DNS server failed to answer %s", query.question)
            response = dns.message.make_response(query, recursion_available=True)
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire(), 0.0

    def _respond(
        self, query: dns.message.Message, transport: str
    ) -> tuple[dns.message.Message, float, bool] | None:
        """Build ``(response, delay, force UDP truncation)``; None means never answer."""
        response = dns.message.make_response(query, recursion_available=True)
        if query.opcode() != dns.opcode.QUERY or len(query.question) != 1:
            is_query = query.opcode() == dns.opcode.QUERY
            response.set_rcode(dns.rcode.FORMERR if is_query else dns.rcode.NOTIMP)
            return response, self.latency, False
        qname, rdclass = query.question[0].name, query.question[0].rdclass
        rdtype = dns.rdatatype.RdataType.make(query.question[0].rdtype)
        with self._lock:
            self._queries += 1
            if self._log_queries:
                text = dns.rdatatype.to_text(rdtype)
                self._log.append(QueryRecord(qname.to_text().lower(), text, transport))
        if query.edns > 0:
            response.set_rcode(dns.rcode.BADVERS)
            return response, self.latency, False
        fault = self._match_fault(qname, rdtype)
        kind = fault.kind if fault else None
        if kind is FaultKind.TIMEOUT:
            return None
        if kind is FaultKind.SERVFAIL:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif kind is FaultKind.REFUSED:
            response.set_rcode(dns.rcode.REFUSED)
        elif kind is FaultKind.NXDOMAIN:
            response.flags |= dns.flags.AA
            response.set_rcode(dns.rcode.NXDOMAIN)
            served = self._zone_for(qname)
            if served is not None:
                response.authority.append(served.negative_soa)
        elif rdclass != dns.rdataclass.IN or rdtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
            response.set_rcode(dns.rcode.REFUSED)
        else:
            self._resolve(response, qname, rdtype)
        delay = self.latency + (fault.delay if fault else 0.0)
        return response, delay, kind is FaultKind.TRUNCATE

    def _zone_for(self, name: dns.name.Name) -> _ServedZone | None:
        """The most specific served zone containing `name`, if any."""
        zones = self._zones
        while name not in zones:
            if len(name) <= 1:  # the root (or an empty relative name): not served
                return None
            name = name.parent()
        return zones[name]

    def _resolve(
        self, response: dns.message.Message, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> None:
        """Fill `response` from the served data, chasing CNAMEs through every served zone."""
        name, seen = qname, set[dns.name.Name]()
        while True:
            served = self._zone_for(name)
            if served is None:  # outside our data: REFUSED, or the CNAME chase stops here
                if not seen:
                    response.set_rcode(dns.rcode.REFUSED)
                return
            response.flags |= dns.flags.AA
            outcome, rrsets = served.lookup(name, rdtype)
            response.answer.extend(rrsets)
            if outcome is _Outcome.NXDOMAIN:
                response.set_rcode(dns.rcode.NXDOMAIN)
            if outcome in (_Outcome.NXDOMAIN, _Outcome.NODATA):
                response.authority.append(served.negative_soa)
            if outcome is not _Outcome.CNAME:
                return
            seen.add(name)
            name = rrsets[0][0].target
            if name in seen or len(seen) >= _MAX_CNAME_CHAIN:
                return


class _UdpProtocol(asyncio.DatagramProtocol):
    """Answers each datagram; delayed answers are scheduled, never slept on."""

    def __init__(self, server: LabDnsServer) -> None:
        self._server = server
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = self._server._handle(data, "udp")
        if reply is not None:
            asyncio.get_running_loop().call_later(reply[1], self._send, reply[0], addr)

    def _send(self, wire: bytes, addr: tuple[str, int]) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.sendto(wire, addr)

    def error_received(self, exc: Exception) -> None:
        """ICMP errors about a vanished client: nothing to do."""


class _TcpProtocol(asyncio.Protocol):
    """RFC 7766 framing (2-byte length prefix), many queries per connection, pipelining."""

    def __init__(self, server: LabDnsServer) -> None:
        self._server = server
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self._server._connections.add(self._transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._transport is not None:
            self._server._connections.discard(self._transport)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= 2:
            end = 2 + int.from_bytes(self._buffer[:2], "big")
            if len(self._buffer) < end:
                return
            message = bytes(self._buffer[2:end])
            del self._buffer[:end]
            reply = self._server._handle(message, "tcp")
            if reply is not None:
                asyncio.get_running_loop().call_later(reply[1], self._send, reply[0])

    def _send(self, wire: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(len(wire).to_bytes(2, "big") + wire)
