"""Loopback authoritative DNS server for the embedded lab (``preflight demo`` and the tests).

`LabDnsServer` serves RFC 1035 zone files over UDP and TCP on one loopback port and can be told,
at runtime, to misbehave for chosen names (time out, SERVFAIL, REFUSED, delay, truncate, NXDOMAIN)
or to break the transport (truncated over TCP too, TCP closed without an answer, garbage, a wrong
message id).

Design notes:

* One asyncio event loop in one daemon thread serves both transports. Delays (the server-wide
  ``latency`` and ``delay`` faults) are scheduled with ``loop.call_later``: a slow answer never
  holds up another query, and hundreds of delayed answers can be in flight at once.
* What an answer contains (RFC 1034 section 4.3.2 within the served data, wildcards, CNAME
  chasing, negative answers, truncation) is computed by :mod:`preflight.lab.dnsanswer`; this
  module receives packets, applies faults, keeps statistics and sends the replies.
* RA is set on every response: preflight points its stub resolver at the lab as if it were the
  site's recursive resolver, and a recursive resolver advertises RA. Like one, it answers a
  question about the root (``. NS``, preflight's "is the resolver alive" probe) with NOERROR
  (no data) rather than REFUSED.
* Not implemented (the lab does not need them): zone cuts and referrals (NS records below an apex
  are plain data), additional-section glue, DNSSEC, zone transfers (AXFR/IXFR are REFUSED).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.zone

from preflight.lab.dnsanswer import (
    ServedZone,
    encode_reply,
    reply_limit,
    resolve,
    to_name,
    zone_for,
)
from preflight.lab.dnstransport import CLOSE, bind_udp_tcp, serve

__all__ = ["Fault", "FaultKind", "LabDnsServer", "QueryRecord", "ZoneSource"]

log = logging.getLogger(__name__)

ZoneSource = str | os.PathLike[str] | dns.zone.Zone
"""A zone file path, or an already loaded zone (which must be absolute: ``relativize=False``)."""


class FaultKind(str, enum.Enum):
    """How the server misbehaves for a query matched by a `Fault`."""

    TIMEOUT = "timeout"  # never answer
    SERVFAIL = "servfail"
    REFUSED = "refused"
    DELAY = "delay"  # answer normally, `delay` seconds late
    TRUNCATE = "truncate"  # always set TC over UDP (forces TCP); TCP answers normally
    NXDOMAIN = "nxdomain"
    TRUNCATE_TCP = "truncate_tcp"  # TC set, no answer, over UDP and over TCP alike
    TCP_CLOSE = "tcp_close"  # TC over UDP; over TCP the connection is closed without an answer
    GARBAGE = "garbage"  # the query's id followed by bytes that are no DNS message
    WRONG_ID = "wrong_id"  # the right answer under another message id


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
        self._zones: dict[dns.name.Name, ServedZone] = {}
        self._faults: tuple[Fault, ...] = ()
        self.validated: frozenset[dns.name.Name] = frozenset()
        """Names at or below which answers carry the AD flag, as a DNSSEC-validating resolver's
        would (the lab signs nothing: this only stands in for a validator's verdict)."""
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
            zone_origin = None if origin is None else to_name(origin)
            source = dns.zone.from_file(os.fspath(source), origin=zone_origin, relativize=False)
        served = ServedZone(source)
        with self._lock:
            if served.origin in self._zones:
                raise ValueError(f"zone {served.origin} is already served")
            self._zones = {**self._zones, served.origin: served}  # copy-on-write for readers

    def remove_zone(self, origin: str | dns.name.Name) -> None:
        """Stop serving the zone at `origin` (no error if it is not served)."""
        name = to_name(origin)
        with self._lock:
            self._zones = {o: z for o, z in self._zones.items() if o != name}

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
        fault = Fault(to_name(name), fault_kind, typed, float(delay), suffix)
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
        target = to_name(name)
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
        udp, tcp, self._port = bind_udp_tcp(self._host, self._requested_port)
        return udp, tcp

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
        """Serve until `stop`, then close every socket (pending delayed replies are dropped)."""
        await serve(udp, tcp, ready, self._stopping, self._handle, self._connections)

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
        limit = reply_limit(query, transport)
        try:
            planned = self._respond(query, transport)
            if planned is None:
                return None
            response, delay, kind = planned
            return _broken(query, response, transport, kind, limit), delay
        except Exception:
            log.exception("lab DNS server failed to answer %s", query.question)
            response = dns.message.make_response(query, recursion_available=True)
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire(), 0.0

    def _respond(
        self, query: dns.message.Message, transport: str
    ) -> tuple[dns.message.Message, float, FaultKind | None] | None:
        """Build ``(response, delay, fault kind)``; None means never answer."""
        response = dns.message.make_response(query, recursion_available=True)
        if query.opcode() != dns.opcode.QUERY or len(query.question) != 1:
            is_query = query.opcode() == dns.opcode.QUERY
            response.set_rcode(dns.rcode.FORMERR if is_query else dns.rcode.NOTIMP)
            return response, self.latency, None
        qname, rdclass = query.question[0].name, query.question[0].rdclass
        rdtype = dns.rdatatype.RdataType.make(query.question[0].rdtype)
        with self._lock:
            self._queries += 1
            if self._log_queries:
                text = dns.rdatatype.to_text(rdtype)
                self._log.append(QueryRecord(qname.to_text().lower(), text, transport))
        if query.edns > 0:
            response.set_rcode(dns.rcode.BADVERS)
            return response, self.latency, None
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
        elif qname == dns.name.root and self._zone_for(qname) is None:
            pass  # a recursive resolver answers for the root: NOERROR (NODATA here), never REFUSED
        else:
            resolve(response, qname, rdtype, self._zone_for)
            if any(qname.is_subdomain(name) for name in self.validated):
                response.flags |= dns.flags.AD
        delay = self.latency + (fault.delay if fault else 0.0)
        return response, delay, kind

    def _zone_for(self, name: dns.name.Name) -> ServedZone | None:
        """The most specific served zone containing `name`, if any."""
        return zone_for(self._zones, name)


def _broken(query: dns.message.Message, response: dns.message.Message, transport: str,
            kind: FaultKind | None, limit: int) -> bytes:
    """The reply's wire form, broken as the transport fault ``kind`` asks (CLOSE: hang up)."""
    if kind is FaultKind.TCP_CLOSE and transport == "tcp":
        return CLOSE
    if kind in (FaultKind.TRUNCATE_TCP, FaultKind.TCP_CLOSE):
        return encode_reply(query, response, "udp", True, limit)
    if kind is FaultKind.GARBAGE:
        return query.id.to_bytes(2, "big") + b"\x81\x80\x00\x01\x00\x05garbage\xff\xfe"
    wire = encode_reply(query, response, transport, kind is FaultKind.TRUNCATE, limit)
    if kind is FaultKind.WRONG_ID:
        wire = ((query.id + 1) % 65536).to_bytes(2, "big") + wire[2:]
    return wire
