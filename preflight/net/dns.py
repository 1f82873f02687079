"""THE DNS layer: every DNS query preflight makes goes through :class:`DnsClient`.

Absence is a value (:class:`DnsAnswer` with ``nxdomain`` or no records); transport trouble
(timeout, SERVFAIL, REFUSED, network errors) raises :class:`DnsError` — "could not check".
The client is built from the run's config (nameservers with ports, timeout, retries), never
from module globals, and has a sync and an async face sharing one decoding path.
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import socket
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import dns.asyncquery
import dns.exception
import dns.flags
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
from preflight.net.address import host_port, split_host_port
from preflight.net._udpmux import UdpMux

MAX_CNAME_HOPS = 8

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
    """Extra rounds over all servers after a timeout or server failure."""
    concurrency: int = 64
    """Queries in flight at once (per async batch)."""


class DnsError(Exception):
    """The question could not be answered: timeout, SERVFAIL, REFUSED, network error."""

    def __init__(self, qname: str, rdtype: str, reason: str, server: str) -> None:
        super().__init__(f"{rdtype} {qname}: {reason} ({server})")
        self.qname = qname
        self.rdtype = rdtype
        self.reason = reason
        self.server = server

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
    """Stub resolver over the configured nameservers. Thread-safe; one per run."""

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
        self._memo: dict[tuple[str, str], _Slot] = {}

    def describe(self) -> dict[str, Any]:
        """The resolver as shown in reports."""
        return {
            "nameservers": [str(ns) for ns in self.nameservers],
            "system": self.system,
            "timeout": self.config.timeout,
            "retries": self.config.retries,
        }

    # -- building --------------------------------------------------------------------------

    def _message(self, qname: str, rdtype: str) -> tuple[dns.message.Message, dns.name.Name]:
        try:
            name = dns.name.from_text(qname)
            query = dns.message.make_query(name, rdtype, use_edns=0, payload=1232)
            query.flags |= dns.flags.AD  # RFC 6840 §5.7: ask the resolver to report validation
        except (dns.exception.DNSException, ValueError) as exc:
            raise DnsError(qname, rdtype, f"invalid query: {exc}", "-") from None
        return query, name

    def _rounds(self) -> Iterator[Nameserver]:
        for _ in range(self.config.retries + 1):
            yield from self.nameservers

    def _interpret(
        self, qname: str, rdtype: str, name: dns.name.Name, resp: dns.message.Message, ns: Nameserver
    ) -> DnsAnswer | str:
        """Turn a response into an answer, or a failure reason string to try the next server."""
        rcode = resp.rcode()
        if rcode == dns.rcode.NXDOMAIN:
            return DnsAnswer(qname, rdtype, (), _negative_ttl(resp), str(ns), nxdomain=True)
        if rcode != dns.rcode.NOERROR:
            return dns.rcode.to_text(rcode).lower()
        want = dns.rdatatype.from_text(rdtype)
        current, chain = name, []
        for _ in range(MAX_CNAME_HOPS):
            rrset = resp.get_rrset(resp.answer, current, dns.rdataclass.IN, want)
            if rrset is not None:
                records = tuple(_decode_rdata(r) for r in rrset)
                raw = tuple(b"".join(r.strings) for r in rrset) if want == dns.rdatatype.TXT else ()
                return DnsAnswer(qname, rdtype, records, rrset.ttl, str(ns), cname_chain=tuple(chain),
                                 authenticated=bool(resp.flags & dns.flags.AD), raw=raw)
            cname = resp.get_rrset(resp.answer, current, dns.rdataclass.IN, dns.rdatatype.CNAME)
            if cname is None or want == dns.rdatatype.CNAME:
                break
            current = cname[0].target
            chain.append(current.to_text(omit_final_dot=True).lower())
        if chain:
            return _Chase(current.to_text(), chain)
        return DnsAnswer(qname, rdtype, (), _negative_ttl(resp), str(ns))

    # -- sync -----------------------------------------------------------------------------

    def query(self, qname: str, rdtype: str) -> DnsAnswer:
        """Ask one question; raise :class:`DnsError` if no server could answer it.

        Answers (and failures) are remembered for the run, so families asking the same
        question share one query, and all see the same answer.
        """
        key = (qname.lower().rstrip("."), rdtype.upper())
        with self._lock:
            slot = self._memo.get(key)
            owner = slot is None
            if slot is None:
                slot = self._memo[key] = _Slot()
        if owner:
            try:
                slot.value = self._query(qname, rdtype)
            except DnsError as exc:
                slot.value = exc
            finally:
                slot.done.set()
        else:
            slot.done.wait()
        if isinstance(slot.value, DnsError):
            raise slot.value
        assert slot.value is not None
        return slot.value

    def _query(self, qname: str, rdtype: str, _hops: int = 0) -> DnsAnswer:
        query, name = self._message(qname, rdtype)
        reason, last = "no nameserver", "-"
        for ns in self._rounds():
            try:
                resp, _ = dns.query.udp_with_fallback(
                    query, ns.host, timeout=self.config.timeout, port=ns.port
                )
            except dns.exception.Timeout:
                reason, last = "timeout", str(ns)
                continue
            except (OSError, dns.exception.DNSException) as exc:
                reason, last = f"network error: {exc}", str(ns)
                continue
            result = self._interpret(qname, rdtype, name, resp, ns)
            if isinstance(result, DnsAnswer):
                return result
            if isinstance(result, _Chase):
                if _hops >= MAX_CNAME_HOPS:
                    raise DnsError(qname, rdtype, "CNAME chain too long", str(ns))
                follow = self._query(result.target, rdtype, _hops + 1)
                return self._chased(qname, rdtype, result, follow)
            reason, last = result, str(ns)
        raise DnsError(qname, rdtype, reason, last)

    def ptr(self, ip: str) -> DnsAnswer:
        """PTR records of an IP address."""
        return self.query(_reverse_name(ip), "PTR")

    def resolver(self) -> dns.resolver.Resolver:
        """A dnspython resolver on the same servers, for libraries that take one (checkdmarc)."""
        res = dns.resolver.Resolver(configure=False)
        res.nameservers = [dns.nameserver.Do53Nameserver(ns.host, ns.port) for ns in self.nameservers]
        res.timeout = self.config.timeout
        res.lifetime = self.config.timeout * (self.config.retries + 1) * len(self.nameservers)
        res.retry_servfail = False
        return res

    # -- async ----------------------------------------------------------------------------

    async def aquery(self, qname: str, rdtype: str, _hops: int = 0) -> DnsAnswer:
        """Async twin of :meth:`query`."""
        query, name = self._message(qname, rdtype)
        reason, last = "no nameserver", "-"
        batch = _BATCH.get()
        # In a batch, retries are resent within one timeout: a dead server costs one timeout.
        for ns in self.nameservers if batch is not None else self._rounds():
            try:
                if batch is not None:
                    resp = await batch.exchange(query, ns.host, ns.port, self.config.timeout,
                                                resends=self.config.retries)
                else:
                    resp, _ = await asyncio.wait_for(
                        dns.asyncquery.udp_with_fallback(
                            query, ns.host, timeout=self.config.timeout, port=ns.port
                        ),
                        timeout=self.config.timeout * 2 + 0.5,
                    )
            except (dns.exception.Timeout, asyncio.TimeoutError):
                reason, last = "timeout", str(ns)
                continue
            except (OSError, dns.exception.DNSException) as exc:
                reason, last = f"network error: {exc}", str(ns)
                continue
            result = self._interpret(qname, rdtype, name, resp, ns)
            if isinstance(result, DnsAnswer):
                return result
            if isinstance(result, _Chase):
                if _hops >= MAX_CNAME_HOPS:
                    raise DnsError(qname, rdtype, "CNAME chain too long", str(ns))
                follow = await self.aquery(result.target, rdtype, _hops + 1)
                return self._chased(qname, rdtype, result, follow)
            reason, last = result, str(ns)
        raise DnsError(qname, rdtype, reason, last)

    @staticmethod
    def _chased(qname: str, rdtype: str, chase: _Chase, follow: DnsAnswer) -> DnsAnswer:
        return DnsAnswer(
            qname, rdtype, follow.records, follow.ttl, follow.server, follow.nxdomain,
            tuple(chase.chain) + follow.cname_chain, raw=follow.raw,
        )

    async def agather(
        self, questions: Sequence[tuple[str, str]], limit: int | None = None
    ) -> list[DnsAnswer | DnsError]:
        """Ask many questions concurrently; each slot holds an answer or the error.

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
                try:
                    results[index] = await self.aquery(qname, rdtype)
                except DnsError as exc:
                    results[index] = exc

        workers = min(len(questions), max(1, limit or self.config.concurrency))
        families = {int(socket.AF_INET6 if ":" in ns.host else socket.AF_INET)
                    for ns in self.nameservers}
        try:
            batch: UdpMux | None = await UdpMux.open(families)
        except OSError:  # no socket of that family here: one socket per query, as before
            batch = None
        token = _BATCH.set(batch)
        try:
            await asyncio.gather(*(worker() for _ in range(workers)))
        finally:
            _BATCH.reset(token)
            if batch is not None:
                batch.close()
        done = [r for r in results if r is not None]
        assert len(done) == len(questions)
        return done

    def gather(self, questions: Iterable[tuple[str, str]]) -> list[DnsAnswer | DnsError]:
        """Sync entry to :meth:`agather`: runs its own event loop (call from a worker thread)."""
        return asyncio.run(self.agather(list(questions)))


class _Slot:
    """One remembered question: filled once, waited on by later askers."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: DnsAnswer | DnsError | None = None


@dataclass(frozen=True)
class _Chase:
    target: str
    chain: list[str]


def _negative_ttl(resp: dns.message.Message) -> int | None:
    for rrset in resp.authority:
        if rrset.rdtype == dns.rdatatype.SOA:
            return min(rrset.ttl, rrset[0].minimum)
    return None
