"""The answering half of the lab DNS server: served zones in, DNS responses out (no sockets, no threads).

:mod:`preflight.lab.dnsserver` receives packets, applies faults and keeps statistics; everything
about *what* an answer contains lives here:

* Answers follow RFC 1034 section 4.3.2 within the served data: AA set; NODATA and NXDOMAIN carry
  the zone SOA (TTL capped by its MINIMUM, RFC 2308); empty non-terminals are NODATA; CNAMEs are
  chased through every served zone (the rcode is that of the end of the chain, RFC 6604);
  wildcards are synthesised per RFC 4592; names outside every zone are REFUSED (without AA).
* Replies are cut to the transport's size limit (512 bytes or the EDNS payload over UDP, 65535
  over TCP); a reply that does not fit over UDP is sent as the question only with TC set.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Mapping

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone

__all__ = [
    "Outcome", "ServedZone", "encode_reply", "reply_limit", "resolve", "to_name", "zone_for",
]

_UDP_MIN_LIMIT = 512
_TCP_LIMIT = 65535
_MAX_CNAME_CHAIN = 8


class Outcome(enum.Enum):
    """What a lookup in one zone found."""

    ANSWER = enum.auto()
    CNAME = enum.auto()
    NODATA = enum.auto()
    NXDOMAIN = enum.auto()


def to_name(name: str | dns.name.Name) -> dns.name.Name:
    """Parse `name` as an absolute name ("example.com" and "example.com." are the same)."""
    if isinstance(name, dns.name.Name):
        return name if name.is_absolute() else name.derelativize(dns.name.root)
    return dns.name.from_text(name)


def _rrset(owner: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> dns.rrset.RRset:
    """Copy `rdataset` into a new RRset owned by `owner` (keeps the zone's TTL)."""
    return dns.rrset.from_rdata_list(owner, rdataset.ttl, list(rdataset))


class ServedZone:
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
                if name == self.origin:  # the root zone's apex has no parent
                    break
                name = name.parent()
        self.names = frozenset(names)  # every node plus every empty non-terminal
        self.negative_soa = _rrset(self.origin, soa)
        self.negative_soa.ttl = min(soa.ttl, soa[0].minimum)

    def lookup(
        self, qname: dns.name.Name, rdtype: dns.rdatatype.RdataType
    ) -> tuple[Outcome, list[dns.rrset.RRset]]:
        """Look `qname`/`rdtype` up in this zone only; answers are owned by `qname`."""
        source = qname
        if qname not in self.names:  # RFC 4592: try the wildcard at the closest encloser
            encloser = qname.parent()
            while encloser not in self.names:  # terminates: the origin is in `names`
                encloser = encloser.parent()
            source = dns.name.Name((b"*", *encloser.labels))
            if self.zone.get_node(source) is None:
                return Outcome.NXDOMAIN, []
        node = self.zone.get_node(source)
        if node is None:  # empty non-terminal
            return Outcome.NODATA, []
        if rdtype == dns.rdatatype.ANY:
            rrsets = [_rrset(qname, rds) for rds in node.rdatasets]
            return (Outcome.ANSWER if rrsets else Outcome.NODATA), rrsets
        rdataset = node.get_rdataset(dns.rdataclass.IN, rdtype)
        if rdataset:
            return Outcome.ANSWER, [_rrset(qname, rdataset)]
        cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
        if cname:
            return Outcome.CNAME, [_rrset(qname, cname)]
        return Outcome.NODATA, []


def zone_for(zones: Mapping[dns.name.Name, ServedZone], name: dns.name.Name) -> ServedZone | None:
    """The most specific zone of `zones` (keyed by origin) containing `name`, if any."""
    while name not in zones:
        if len(name) <= 1:  # the root (or an empty relative name): not served
            return None
        name = name.parent()
    return zones[name]


def resolve(
    response: dns.message.Message,
    qname: dns.name.Name,
    rdtype: dns.rdatatype.RdataType,
    find_zone: Callable[[dns.name.Name], ServedZone | None],
) -> None:
    """Fill `response` from the served data, chasing CNAMEs through every served zone.

    `find_zone` returns the most specific served zone containing a name (see `zone_for`).
    """
    name, seen = qname, set[dns.name.Name]()
    while True:
        served = find_zone(name)
        if served is None:  # outside our data: REFUSED, or the CNAME chase stops here
            if not seen:
                response.set_rcode(dns.rcode.REFUSED)
            return
        response.flags |= dns.flags.AA
        outcome, rrsets = served.lookup(name, rdtype)
        response.answer.extend(rrsets)
        if outcome is Outcome.NXDOMAIN:
            response.set_rcode(dns.rcode.NXDOMAIN)
        if outcome in (Outcome.NXDOMAIN, Outcome.NODATA):
            response.authority.append(served.negative_soa)
        if outcome is not Outcome.CNAME:
            return
        seen.add(name)
        name = rrsets[0][0].target
        if name in seen or len(seen) >= _MAX_CNAME_CHAIN:
            return


def reply_limit(query: dns.message.Message, transport: str) -> int:
    """The largest reply `query` may get over `transport` ("udp" or "tcp")."""
    limit = _TCP_LIMIT
    if transport == "udp":
        limit = max(_UDP_MIN_LIMIT, query.payload) if query.edns >= 0 else _UDP_MIN_LIMIT
    return limit


def encode_reply(
    query: dns.message.Message,
    response: dns.message.Message,
    transport: str,
    force_tc: bool,
    limit: int,
) -> bytes:
    """`response` as wire bytes within `limit`; truncated (question only, TC) when it does not fit.

    `force_tc` truncates every UDP reply (TCP replies are never forced).
    """
    if not (force_tc and transport == "udp"):
        with contextlib.suppress(dns.exception.TooBig):
            return response.to_wire(max_size=min(limit, _TCP_LIMIT))
    # Truncated: only the question, the client retries over TCP.
    short = dns.message.make_response(query, recursion_available=True)
    short.flags |= dns.flags.TC | (response.flags & dns.flags.AA)
    short.set_rcode(response.rcode())
    return short.to_wire(max_size=limit)
