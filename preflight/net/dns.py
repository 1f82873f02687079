"""THE DNS layer: every DNS query preflight makes goes through :class:`DnsClient`.

Absence is a value (:class:`DnsAnswer` with ``nxdomain`` or no records); transport trouble
(timeout, SERVFAIL, REFUSED, network errors, an answer that never arrives whole: truncated over
TCP too, connection closed, garbage, wrong id) is a :class:`DnsError` — "could not check".
:meth:`DnsClient.ask` returns one or the other and never raises. The client is built from the
run's config (nameservers with ports, timeout, retries), never from module globals; its sync and
async faces share one query path and one answer cache.
"""

from __future__ import annotations

import preflight.net._features  # noqa: F401  (first: dnspython's DoH and DNSSEC parts off)

# isort: split
import asyncio
import concurrent.futures
import contextvars
import dataclasses
import functools
import ipaddress
import re
import selectors
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import dns.asyncquery
import dns.exception
import dns.flags
import dns.inet
import dns.message
import dns.name
import dns.nameserver
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.reversename

from preflight.errors import NoNameserverError, UsageError
from preflight.model import Evidence
from preflight.net import _wire
from preflight.net._udpmux import UdpMux
from preflight.net.address import host_port, split_host_port

MAX_CNAME_HOPS = 8
_T = TypeVar("_T")

_SLICE = 0.05
"""Seconds an exchange waits between looks at :meth:`DnsClient.silence`: once the resolver is
known dead, no question still on the wire waits out its timeout."""

_BATCH: contextvars.ContextVar[UdpMux | None] = contextvars.ContextVar(
    "preflight_dns_batch", default=None
)
"""The shared UDP socket of the :meth:`DnsClient.agather` batch the current task belongs to."""


@dataclass(frozen=True)
class Nameserver:
    """A DNS server to send queries to: address and port."""

    host: str
    port: int = 53

    def __str__(self) -> str:
        return host_port(self.host, self.port)

    @classmethod
    def parse(cls, text: str) -> Nameserver:
        """Parse ``HOST``, ``HOST:PORT``, ``[V6]:PORT`` or a bare IPv6 address (an IP, not a name)."""
        try:
            host, port, _ = split_host_port(text, 53)
        except ValueError as exc:
            raise UsageError(f"invalid nameserver {text!r}: {exc}") from None
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise UsageError(
                f"invalid nameserver {text!r}: give an IP address, optionally with :PORT"
            ) from None
        return cls(host, port)


@dataclass(frozen=True)
class DnsConfig:
    """How to reach DNS: empty ``nameservers`` means the system resolver (/etc/resolv.conf)."""

    nameservers: tuple[Nameserver, ...] = ()
    timeout: float = 3.0
    """Seconds to wait for one answer from one server."""
    retries: int = 1
    """Extra tries: copies of a question resent within its timeout while no reply came, and
    another round over all servers after a server failure (SERVFAIL, REFUSED…)."""
    concurrency: int = 64
    """Queries in flight at once (per async batch)."""


_ANSWERED = frozenset(dns.rcode.to_text(code).lower() for code in dns.rcode.Rcode
                      if code not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN, dns.rcode.REFUSED))
"""Failure reasons that are a server's own answer code (it is alive), see :attr:`DnsError.silent`."""


class DnsError(Exception):
    """The question could not be answered: timeout, SERVFAIL, REFUSED, network error."""

    def __init__(self, qname: str, rdtype: str, reason: str, server: str) -> None:
        super().__init__(f"{rdtype} {qname}: {reason} ({server})")
        self.qname = qname
        self.rdtype = rdtype
        self.reason = reason
        self.server = server

    @property
    def silent(self) -> bool:
        """True when no server answered at all: timeout, network error, refused, unreadable.

        False for an answer code about this name (SERVFAIL, NOTIMP, FORMERR…): the resolver is
        alive, the name's zone may be broken.
        """
        return self.reason not in _ANSWERED

    def evidence(self, label: str | None = None) -> Evidence:
        """This failure as evidence for a result."""
        return Evidence(label or f"{self.rdtype} {self.qname}", f"no answer: {self.reason}", self.server)


@dataclass(frozen=True)
class DnsAnswer:
    """An answer (possibly empty) to one question.

    ``records`` are text: A/AAAA addresses; PTR/CNAME/NS targets (lower case, no trailing dot);
    MX as ``"PREF HOST"``; TXT strings joined; anything else in presentation format.
    """

    qname: str
    rdtype: str
    records: tuple[str, ...]
    ttl: int | None
    server: str
    nxdomain: bool = False
    cname_chain: tuple[str, ...] = ()
    authenticated: bool = False
    """The resolver set the AD flag: it validated the answer with DNSSEC (RFC 4035 §3.2.3)."""
    raw: tuple[bytes, ...] = ()
    """TXT only: each record's character-strings joined, exactly as received (for pyspf)."""
    response: dns.message.Message | bytes | None = field(default=None, compare=False, repr=False)
    """The response this answer was read from, as received: the parsed message, or its wire
    bytes where a parser skipped building one. After a CNAME chase of our own it is the last
    hop's response (its question is the chased name). Libraries that want dnspython's view of
    the answer (checkdmarc, through :mod:`preflight.net.checkdmarc_bridge`) are served from it."""

    @property
    def exists(self) -> bool:
        """True when at least one record of the asked type was returned."""
        return bool(self.records)

    def describe(self) -> str:
        """Short text of the records, or of their absence."""
        if self.nxdomain:
            return "NXDOMAIN (name does not exist)"
        if not self.records:
            return "NODATA (no record of this type)"
        return "; ".join(self.records)

    def evidence(self, label: str | None = None) -> Evidence:
        """This answer as evidence: ``TXT _dmarc.example.com @ 127.0.0.1:5353``."""
        value = self.describe()
        if self.ttl is not None and self.records:
            value += f" (TTL {self.ttl})"
        return Evidence(label or f"{self.rdtype} {self.qname}", value, f"@ {self.server}")

    def mx(self) -> list[tuple[int, str]]:
        """MX records as (preference, host), lowest preference first."""
        out = []
        for rec in self.records:
            pref, _, host = rec.partition(" ")
            out.append((int(pref), host))
        return sorted(out)


Answer = DnsAnswer
"""The name :meth:`DnsClient.ask` documents: an answer, possibly empty."""

_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z", re.IGNORECASE)


def host_name_problem(name: str) -> str | None:
    """Why ``name`` (a PTR/MX/CNAME/NS target as :class:`DnsAnswer` shows it) is not a host name.

    None for a valid host name: dot-separated labels of letters, digits and inner hyphens
    (RFC 952/1123), 1–63 characters each, at most 253 in all, at least two labels. Anything a
    receiving MTA would refuse — control bytes or spaces (shown escaped as ``\\DDD``), ``<>``,
    empty or over-long labels — gives a short reason.
    """
    if not name or name == ".":
        return "empty name"
    if len(name) > 253:
        return "longer than 253 characters"
    if "\\" in name:
        return "contains escaped bytes (control characters, spaces or punctuation)"
    labels = name.rstrip(".").split(".")
    if len(labels) < 2:
        return "not a fully qualified name"
    for label in labels:
        if not label:
            return "empty label"
        if len(label) > 63:
            return "label longer than 63 characters"
        if not _LDH_LABEL.match(label):
            return "characters other than letters, digits and inner hyphens"
    return None


def _decode_rdata(rdata: Any) -> str:
    rdtype = rdata.rdtype
    if rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        return str(rdata.address)
    if rdtype in (dns.rdatatype.PTR, dns.rdatatype.CNAME, dns.rdatatype.NS):
        return rdata.target.to_text(omit_final_dot=True).lower()
    if rdtype == dns.rdatatype.MX:
        return f"{rdata.preference} {rdata.exchange.to_text(omit_final_dot=True).lower()}"
    if rdtype == dns.rdatatype.TXT:
        return b"".join(rdata.strings).decode("utf-8", errors="backslashreplace")
    return str(rdata.to_text())


def _reverse_name(ip: str) -> str:
    return dns.reversename.from_address(ip).to_text(omit_final_dot=True)


def reverse_name(ip: str) -> str:
    """``203.0.113.25`` → ``25.113.0.203.in-addr.arpa`` (IPv6: nibbles under ip6.arpa)."""
    return _reverse_name(ip)


class DnsClient:
    """Stub resolver over the configured nameservers. Thread-safe; one per run.

    :meth:`ask` (sync) and :meth:`aask` (async) share one query path (:meth:`_steps`) and one
    answer cache: families asking the same question share one query and all see the same
    answer. Neither raises: the result is a :class:`DnsAnswer` or a :class:`DnsError`.
    """

    def __init__(self, config: DnsConfig) -> None:
        self.config = config
        if config.nameservers:
            self.nameservers = config.nameservers
            self.system = False
        else:
            try:
                system = dns.resolver.Resolver(configure=True)
            except dns.resolver.NoResolverConfiguration:
                raise NoNameserverError("no system resolver configured (/etc/resolv.conf)") from None
            self.nameservers = tuple(Nameserver(str(ns), system.port) for ns in system.nameservers)
            self.system = True
        if not self.nameservers:
            raise NoNameserverError("no nameserver to query")
        self._lock = threading.Lock()
        self._memo: dict[tuple[str, str], concurrent.futures.Future[DnsAnswer | DnsError]] = {}
        self._silenced: DnsError | None = None

    def silence(self, reason: DnsError) -> None:
        """The resolver is known to answer nothing: from now on every exchange not yet sent
        fails at once with ``reason``'s words, and one already on the wire stops waiting for its
        reply within :data:`_SLICE` (a dead resolver costs the run one timeout, not two)."""
        self._silenced = reason

    def describe(self) -> dict[str, Any]:
        """The resolver as shown in reports."""
        return {
            "nameservers": [str(ns) for ns in self.nameservers],
            "system": self.system,
            "timeout": self.config.timeout,
            "retries": self.config.retries,
        }

    # -- the one query path -----------------------------------------------------------------

    def _message(self, qname: str, rdtype: str) -> tuple[dns.message.Message, dns.name.Name]:
        try:
            name = dns.name.from_text(qname)
            query = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
            query.flags |= dns.flags.AD  # RFC 6840 §5.7: ask the resolver to report validation
        except (dns.exception.DNSException, ValueError) as exc:
            raise DnsError(qname, rdtype, f"invalid query: {exc}", "-") from None
        return query, name

    def _rounds(self) -> list[Nameserver]:
        return [ns for _ in range(self.config.retries + 1) for ns in self.nameservers]

    def _steps(self, qname: str, rdtype: str, rounds: Sequence[Nameserver]) -> _Steps:
        """The query logic shared by the sync and async faces, free of I/O.

        It yields ``(query, nameserver)`` for each exchange and receives the response, or the
        reason the exchange failed; it returns the answer or the error. CNAME chains the server
        did not chase are followed here, at most :data:`MAX_CNAME_HOPS` hops.
        """
        chain: list[str] = []
        asked = qname
        for _ in range(MAX_CNAME_HOPS + 1):
            try:
                query, name = self._message(asked, rdtype)
            except DnsError as exc:
                return DnsError(qname, rdtype, exc.reason, exc.server)
            reason, last = "no nameserver", "-"
            chase: _Chase | None = None
            for ns in rounds:
                if self._silenced is not None:
                    reason, last = self._silenced.reason, self._silenced.server
                    break
                got = yield query, ns
                result = got if isinstance(got, str) else self._interpret(qname, rdtype, name, got, ns)
                if isinstance(result, DnsAnswer):
                    return _chained(result, chain)
                if isinstance(result, _Chase):
                    chase = result
                    break
                reason, last = result, str(ns)
            if chase is None:  # the error names the name that failed (a chased target)
                return DnsError(asked, rdtype, reason, last)
            chain.extend(chase.chain)
            asked = chase.target
        return DnsError(qname, rdtype, "CNAME chain too long", "-")

    def _interpret(
        self, qname: str, rdtype: str, name: dns.name.Name, resp: dns.message.Message, ns: Nameserver
    ) -> DnsAnswer | _Chase | str:
        """Turn a whole response into an answer, a CNAME to chase, or a failure reason."""
        if resp.flags & dns.flags.TC:
            return "truncated answer (TC set over TCP too)"
        rcode = resp.rcode()
        if rcode == dns.rcode.NXDOMAIN:
            return DnsAnswer(qname, rdtype, (), _negative_ttl(resp), str(ns), nxdomain=True,
                             response=resp)
        if rcode != dns.rcode.NOERROR:
            return dns.rcode.to_text(rcode).lower()
        want = dns.rdatatype.from_text(rdtype)
        current, chain = name, list[str]()
        for _ in range(MAX_CNAME_HOPS):
            rrset = resp.get_rrset(resp.answer, current, dns.rdataclass.IN, want)
            if rrset is not None:
                records = tuple(_decode_rdata(r) for r in rrset)
                raw = tuple(b"".join(r.strings) for r in rrset) if want == dns.rdatatype.TXT else ()
                return DnsAnswer(qname, rdtype, records, rrset.ttl, str(ns), cname_chain=tuple(chain),
                                 authenticated=bool(resp.flags & dns.flags.AD), raw=raw,
                                 response=resp)
            cname = resp.get_rrset(resp.answer, current, dns.rdataclass.IN, dns.rdatatype.CNAME)
            if cname is None or want == dns.rdatatype.CNAME:
                break
            current = cname[0].target
            chain.append(current.to_text(omit_final_dot=True).lower())
        if chain:
            return _Chase(current.to_text(), chain)
        return DnsAnswer(qname, rdtype, (), _negative_ttl(resp), str(ns), response=resp)

    def _slot(self, qname: str, rdtype: str
              ) -> tuple[concurrent.futures.Future[DnsAnswer | DnsError], bool]:
        key = (qname.lower().rstrip("."), rdtype.upper())
        with self._lock:
            slot = self._memo.get(key)
            if slot is not None:
                return slot, False
            slot = self._memo[key] = concurrent.futures.Future()
            return slot, True

    def _abandon(self, qname: str, rdtype: str,
                 slot: concurrent.futures.Future[DnsAnswer | DnsError]) -> None:
        """The owner of ``slot`` was interrupted: let waiters see an error, forget the slot."""
        with self._lock:
            self._memo.pop((qname.lower().rstrip("."), rdtype.upper()), None)
        if not slot.done():
            slot.set_result(DnsError(qname, rdtype, "interrupted", "-"))

    # -- sync -----------------------------------------------------------------------------

    def ask(self, qname: str, rdtype: str) -> DnsAnswer | DnsError:
        """Ask one question: the answer (possibly NXDOMAIN/NODATA) or why there is none.

        Answers and failures are remembered for the run (shared with :meth:`aask`).
        """
        slot, owner = self._slot(qname, rdtype)
        if not owner:
            return slot.result()
        timed_out: dict[Nameserver, dns.message.Message] = {}  # holds the query: no id() reuse

        def exchange(query: dns.message.Message, ns: Nameserver) -> dns.message.Message | str:
            """A server that let a question time out (its retries resent within that timeout,
            see :meth:`_udp`) is not waited for again in a later round; other failures are."""
            if timed_out.get(ns) is query:
                return "timeout"
            got = self._exchange(query, ns)
            if got == "timeout":
                timed_out[ns] = query
            return got

        try:
            steps = self._steps(qname, rdtype, self._rounds())
            try:
                result = _drive(steps, exchange)
            except Exception as exc:  # noqa: BLE001 - a response we failed to read: could not check
                result = DnsError(qname, rdtype, transport_reason(exc), "-")
            slot.set_result(result)
        except BaseException:
            self._abandon(qname, rdtype, slot)
            raise
        return slot.result()

    def _exchange(self, query: dns.message.Message, ns: Nameserver) -> dns.message.Message | str:
        """dnspython's ``udp_with_fallback()``: UDP, then TCP for a truncated reply; the wait
        for the UDP reply stops early when the client is silenced (see :meth:`_udp`)."""
        try:
            try:
                return self._udp(query, ns)
            except dns.message.Truncated:
                return dns.query.tcp(query, ns.host, timeout=self.config.timeout, port=ns.port)
        except Exception as exc:  # noqa: BLE001 - every transport failure is "could not check"
            return transport_reason(exc)

    def _udp(self, query: dns.message.Message, ns: Nameserver) -> dns.message.Message | str:
        """dnspython's ``udp()`` with ``raise_on_truncation``, the reply awaited in slices of
        :data:`_SLICE`: the silence reason once :meth:`silence` was called. As on the batch
        path, the retries are copies resent within the one timeout (a reply to any copy is the
        answer). A datagram from another address or port is passed over (off-path forgery);
        otherwise raises as ``udp()`` does (timeout, wrong id or question, unreadable,
        truncated)."""
        af = dns.inet.af_for_address(ns.host)
        destination = dns.inet.low_level_address_tuple((ns.host, ns.port), af)
        wire = query.to_wire()
        resends, interval = self.config.retries, self.config.timeout / (self.config.retries + 1)
        expiration = time.time() + self.config.timeout
        with socket.socket(af, socket.SOCK_DGRAM) as sock, selectors.DefaultSelector() as sel:
            sock.setblocking(False)
            sel.register(sock, selectors.EVENT_READ)
            dns.query.send_udp(sock, wire, destination, expiration)
            resend_at = time.time() + interval
            while True:
                while not sel.select(min(_SLICE, (resend_at if resends else expiration) - time.time())):
                    if self._silenced is not None:
                        return self._silenced.reason
                    now = time.time()
                    if now >= expiration:
                        raise dns.exception.Timeout
                    if resends and now >= resend_at:  # a lost packet: the same query again
                        dns.query.send_udp(sock, wire, destination, expiration)
                        resends, resend_at = resends - 1, resend_at + interval
                try:
                    resp, _ = dns.query.receive_udp(sock, destination, expiration,
                                                    keyring=query.keyring, request_mac=query.mac,
                                                    raise_on_truncation=True)
                except dns.query.UnexpectedSource:  # not the server's address and port: an
                    continue  # off-path forgery is passed over (as on the batch path), not an end
                break
        if not query.is_response(resp):
            raise dns.query.BadResponse
        return resp  # type: ignore[no-any-return]

    def query(self, qname: str, rdtype: str) -> DnsAnswer:
        """:meth:`ask`, raising the :class:`DnsError` (for libraries that want an exception)."""
        result = self.ask(qname, rdtype)
        if isinstance(result, DnsError):
            raise result
        return result

    def ptr(self, ip: str) -> DnsAnswer | DnsError:
        """PTR records of an IP address (see :meth:`ask`)."""
        return self.ask(_reverse_name(ip), "PTR")

    def resolver(self) -> dns.resolver.Resolver:
        """A dnspython resolver on the same servers, for libraries that take one (checkdmarc).

        It holds to the same transport truth: an answer still truncated over TCP is "all
        nameservers failed", never NODATA or NXDOMAIN.
        """
        res = WholeAnswerResolver(configure=False)
        res.nameservers = [dns.nameserver.Do53Nameserver(ns.host, ns.port) for ns in self.nameservers]
        res.timeout = self.config.timeout
        res.lifetime = self.config.timeout * (self.config.retries + 1) * len(self.nameservers)
        res.retry_servfail = False
        return res

    def probe(self, qname: str, rdtype: str) -> DnsError | None:
        """Whether the resolver answers at all, judged from one question the run asks anyway.

        Returns the error when no server answered (timeout, network error, refused, unreadable
        answers); None when one did — an answer, NXDOMAIN, NODATA or a SERVFAIL for that name
        (a broken zone, not a dead resolver). The answer stays cached for the families.
        """
        result = self.ask(qname, rdtype)
        if isinstance(result, DnsError) and result.silent:
            return result
        return None

    # -- async ----------------------------------------------------------------------------

    async def aask(self, qname: str, rdtype: str) -> DnsAnswer | DnsError:
        """Async face of :meth:`ask`: same query path, same cache."""
        slot, owner = self._slot(qname, rdtype)
        if not owner:
            return await asyncio.wrap_future(slot)
        try:
            batch = _BATCH.get()
            try:
                if batch is not None:
                    result = await self._abatch(qname, rdtype, batch)
                else:
                    steps = self._steps(qname, rdtype, self._rounds())
                    result = await _adrive(steps, lambda q, ns: self._aexchange(q, ns, None))
            except Exception as exc:  # noqa: BLE001 - a response we failed to read: could not check
                result = DnsError(qname, rdtype, transport_reason(exc), "-")
            slot.set_result(result)
        except BaseException:
            self._abandon(qname, rdtype, slot)
            raise
        return slot.result()

    # -- the batch path: common shapes without a dnspython Message ------------------------------

    async def _abatch(self, qname: str, rdtype: str, batch: UdpMux) -> DnsAnswer | DnsError:
        """:meth:`_steps` over a batch socket, with the common case read without dnspython.

        A plain question (:func:`_wire.question`) goes out packed directly, and its reply, when
        of a common shape (:func:`_wire.read`), becomes the answer. The first reply of any
        other shape is handed, as received, to the shared query logic, which goes on from there
        (dnspython's reading, TCP for TC, CNAME chasing, the remaining servers): the answer
        is the same either way. Each server is asked once; retries are resent within one
        timeout, so a dead server costs one timeout.
        """
        servers = self.nameservers
        exchange = functools.partial(self._aexchange, batch=batch)
        asked = _wire.question(qname, rdtype)
        if asked is None:
            return await _adrive(self._steps(qname, rdtype, servers), exchange)
        reason, last = "no nameserver", "-"
        for index, ns in enumerate(servers):
            if self._silenced is not None:  # as in _steps: nothing more goes out
                reason, last = self._silenced.reason, self._silenced.server
                break
            try:
                qid, data = await batch.ask(asked.tail, ns.host, ns.port, self.config.timeout,
                                            resends=self.config.retries)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - every transport failure is "could not check"
                reason, last = transport_reason(exc), str(ns)
                continue
            answer = self._read_common(asked, data, qid, ns)
            if answer is not None:
                return answer
            steps = self._steps(qname, rdtype, servers[index:])
            try:
                query, _ = next(steps)
            except StopIteration as done:  # silenced while the reply was on its way
                return done.value  # type: ignore[no-any-return]
            query.id = qid
            got = await self._afinish(query, data, ns, batch)
            return await _adrive(steps, exchange, got)
        return DnsError(qname, rdtype, reason, last)

    def _read_common(self, asked: _wire.Question, data: bytes, qid: int,
                     ns: Nameserver) -> DnsAnswer | None:
        """The answer in ``data`` if it has a common shape (what :meth:`_interpret` would say of
        dnspython's reading of it), else None."""
        got = _wire.read(data, asked, qid)
        if got is None:
            return None
        return DnsAnswer(asked.qname, asked.rdtype, got.records, got.ttl, str(ns),
                         nxdomain=got.nxdomain, authenticated=got.authenticated, raw=got.raw,
                         response=data)

    async def _afinish(self, query: dns.message.Message, data: bytes, ns: Nameserver,
                       batch: UdpMux) -> dns.message.Message | str:
        """dnspython's reading of a reply that came over the batch socket (see _aexchange)."""
        try:
            return await batch.finish(query, data, ns.host, ns.port, self.config.timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every transport failure is "could not check"
            return transport_reason(exc)

    async def _aexchange(self, query: dns.message.Message, ns: Nameserver,
                         batch: UdpMux | None) -> dns.message.Message | str:
        try:
            if batch is not None:
                return await batch.exchange(query, ns.host, ns.port, self.config.timeout,
                                            resends=self.config.retries)
            resp, _ = await self._unless_silenced(asyncio.wait_for(
                dns.asyncquery.udp_with_fallback(  # a reply from another source: passed over
                    query, ns.host, timeout=self.config.timeout, port=ns.port,
                    ignore_unexpected=True,
                ),
                timeout=self.config.timeout * 2 + 0.5,
            ))
            return resp
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every transport failure is "could not check"
            return transport_reason(exc)

    def _silence_copy(self) -> DnsError:
        """A fresh copy of the silence reason (call only once silenced)."""
        error = self._silence_error()
        assert error is not None
        return error

    def _silence_error(self) -> DnsError | None:
        """A fresh copy of the silence reason (one exception per waiter), None if not silenced."""
        got = self._silenced
        return None if got is None else DnsError(got.qname, got.rdtype, got.reason, got.server)

    async def _unless_silenced(self, work: Awaitable[_T]) -> _T:
        """``work``'s result; raises the silence reason (a :class:`DnsError`) within
        :data:`_SLICE` of :meth:`silence` instead of waiting on (``work`` is cancelled)."""
        task = asyncio.ensure_future(work)
        try:
            while not (await asyncio.wait({task}, timeout=_SLICE))[0]:
                silenced = self._silence_error()
                if silenced is not None:
                    raise silenced
            return task.result()
        finally:
            task.cancel()

    async def _stop_when_silenced(self, batch: UdpMux) -> None:
        """Watch a batch: once the client is silenced, its questions on the wire stop waiting
        (each fails with the silence reason). Runs until cancelled."""
        while True:
            await asyncio.sleep(_SLICE)
            if self._silenced is not None:
                batch.abandon(self._silence_copy)

    async def aquery(self, qname: str, rdtype: str) -> DnsAnswer:
        """:meth:`aask`, raising the :class:`DnsError`."""
        result = await self.aask(qname, rdtype)
        if isinstance(result, DnsError):
            raise result
        return result

    async def agather(
        self, questions: Sequence[tuple[str, str]], limit: int | None = None,
        on_answer: Callable[[], None] | None = None,
    ) -> list[DnsAnswer | DnsError]:
        """Ask many questions concurrently; each slot holds an answer or the error.

        ``on_answer`` is called after each question is answered (or failed): progress display.

        At most ``limit`` (default: the config's ``concurrency``) are in flight at once, and the
        batch shares one UDP socket per address family instead of one socket per query.
        """
        if not questions:
            return []
        results: list[DnsAnswer | DnsError | None] = [None] * len(questions)
        todo = iter(enumerate(questions))

        async def worker() -> None:
            # A fixed pool of workers instead of one task per question behind a semaphore:
            # asyncio.Semaphore.acquire scans its waiters (Python 3.11), quadratic for 10,000.
            for index, (qname, rdtype) in todo:
                results[index] = await self.aask(qname, rdtype)
                if on_answer is not None:
                    on_answer()

        workers = min(len(questions), max(1, limit or self.config.concurrency))
        families = {int(socket.AF_INET6 if ":" in ns.host else socket.AF_INET)
                    for ns in self.nameservers}
        try:
            batch: UdpMux | None = await UdpMux.open(families)
        except OSError:  # no socket of that family here: one socket per query, as before
            batch = None
        token = _BATCH.set(batch)
        watch = asyncio.ensure_future(self._stop_when_silenced(batch)) if batch is not None else None
        try:
            await asyncio.gather(*(worker() for _ in range(workers)))
        finally:
            if watch is not None:
                watch.cancel()
            _BATCH.reset(token)
            if batch is not None:
                batch.close()
        return [r if r is not None else DnsError(q, t, "not asked", "-")
                for r, (q, t) in zip(results, questions)]

    def gather(self, questions: Iterable[tuple[str, str]]) -> list[DnsAnswer | DnsError]:
        """Sync entry to :meth:`agather`: runs its own event loop (call from a worker thread)."""
        return asyncio.run(self.agather(list(questions)))


class WholeAnswerResolver(dns.resolver.Resolver):
    """dnspython's resolver, except that a response still truncated (TC) after the TCP retry is
    a failure to answer (:class:`dns.resolver.NoNameservers`), never an answer or an absence."""

    def resolve(self, qname: Any, rdtype: Any = dns.rdatatype.A, *args: Any,
                **kwargs: Any) -> dns.resolver.Answer:
        try:
            answer = super().resolve(qname, rdtype, *args, **kwargs)
        except dns.resolver.NoAnswer as exc:
            _refuse_truncated(exc.response(), qname, rdtype)
            raise
        except dns.resolver.NXDOMAIN as exc:
            for response in exc.responses().values():
                _refuse_truncated(response, qname, rdtype)
            raise
        _refuse_truncated(answer.response, qname, rdtype)
        return answer


def _refuse_truncated(response: dns.message.Message | None, qname: Any, rdtype: Any) -> None:
    if response is not None and response.flags & dns.flags.TC:
        request = dns.message.make_query(qname, rdtype)
        raise dns.resolver.NoNameservers(
            request=request, errors=[("-", True, 53, "truncated answer (TC set over TCP too)", None)])


_Steps = Generator[tuple[dns.message.Message, Nameserver], "dns.message.Message | str",
                   "DnsAnswer | DnsError"]


def _drive(steps: _Steps, exchange: Callable[[dns.message.Message, Nameserver],
                                              dns.message.Message | str]) -> DnsAnswer | DnsError:
    """Run the shared query logic with a blocking transport."""
    try:
        request = next(steps)
        while True:
            request = steps.send(exchange(*request))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def _adrive(steps: _Steps, exchange: Callable[[dns.message.Message, Nameserver],
                                                    Awaitable[dns.message.Message | str]],
                  first: dns.message.Message | str | None = None) -> DnsAnswer | DnsError:
    """Run the shared query logic with an async transport (``first``: the outcome of the first
    exchange, when the logic was started already and its first query sent)."""
    try:
        request = next(steps) if first is None else steps.send(first)
        while True:
            request = steps.send(await exchange(*request))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def transport_reason(exc: BaseException) -> str:
    """Why an exchange brought no whole answer, in the words of a ``DnsError.reason``."""
    if isinstance(exc, DnsError):  # the client was silenced while it waited
        return exc.reason
    if isinstance(exc, (dns.exception.Timeout, asyncio.TimeoutError, TimeoutError)):
        return "timeout"
    if isinstance(exc, EOFError):
        return "connection closed before the answer arrived"
    if isinstance(exc, (dns.query.BadResponse, dns.query.UnexpectedSource)):
        return "answer does not match the question (wrong id or question)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, OSError):
        return f"network error: {exc.strerror or exc}"
    if isinstance(exc, dns.exception.DNSException):
        return f"unreadable answer: {type(exc).__name__}"
    return f"unreadable answer: {type(exc).__name__}"


def _chained(answer: DnsAnswer, chain: list[str]) -> DnsAnswer:
    if not chain:
        return answer
    return dataclasses.replace(answer, cname_chain=tuple(chain) + answer.cname_chain)


@dataclass(frozen=True)
class _Chase:
    target: str
    chain: list[str]


def _negative_ttl(resp: dns.message.Message) -> int | None:
    for rrset in resp.authority:
        if rrset.rdtype == dns.rdatatype.SOA:
            return min(rrset.ttl, rrset[0].minimum)
    return None
