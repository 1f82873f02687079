"""DNS names of blocklist lookups and self-tests (pure: no I/O).

IPv4 subjects are written as reversed octets, IPv6 as the 32 nibbles of the fully expanded
address in reverse (RFC 5782 section 2.4), domains as they are. With a Spamhaus DQS key the
query goes to ``<key>.<zone>.dq.spamhaus.net``; every name meant for people (evidence, report
rows) is the *shown* form, where the key reads ``<key>``.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from preflight.checks.blocklists.settings import DqsKey, uses_dqs
from preflight.data.catalogue import Subject, Zone

KEY_PLACEHOLDER = "<key>"

_NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
    "::/127", "::ffff:0:0/96", "fc00::/7", "fe80::/10", "ff00::/8",
))
"""Addresses no blocklist can list: private, loopback, link-local, multicast, reserved.
Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are kept:
the lab uses them."""


@dataclass(frozen=True)
class Question:
    """One DNS question: the name sent (it may carry the DQS key) and the name shown."""

    qname: str
    rdtype: str
    shown: str

    @property
    def key(self) -> tuple[str, str]:
        """``(qname, rdtype)``: what the DNS layer is asked."""
        return self.qname, self.rdtype

    @property
    def label(self) -> str:
        """Evidence label: ``A 2.0.0.127.zen.spamhaus.org``."""
        return f"{self.rdtype} {self.shown}"


@dataclass(frozen=True)
class ZoneRef:
    """A zone as this run asks it: the catalogue entry, the name queried, the name shown."""

    zone: Zone
    base: str
    shown: str

    @property
    def via_dqs(self) -> bool:
        """True when the query goes to Spamhaus DQS with a key."""
        return self.base != self.zone.zone

    def question(self, label: str, rdtype: str = "A") -> Question:
        """The question for one subject label (see :func:`label_of`)."""
        return Question(f"{label}.{self.base}", rdtype, f"{label}.{self.shown}")


def zone_refs(zones: Iterable[Zone], dqs_key: DqsKey | None) -> tuple[ZoneRef, ...]:
    """How each zone is asked in this run (DQS names when a key is given)."""
    refs = []
    for zone in zones:
        if dqs_key is not None and uses_dqs(zone):
            assert zone.dqs_zone is not None
            tail = zone.dqs_zone.split(".", 1)[1]
            refs.append(ZoneRef(zone, f"{dqs_key.value}.{tail}", f"{KEY_PLACEHOLDER}.{tail}"))
        else:
            refs.append(ZoneRef(zone, zone.zone, zone.zone))
    return tuple(refs)


def redact(text: str, key: DqsKey | None) -> str:
    """``text`` with the DQS key replaced by ``<key>`` (anything from DNS passes through here)."""
    if key is None or not text:
        return text
    return text.replace(key.value, KEY_PLACEHOLDER).replace(key.value.upper(), KEY_PLACEHOLDER)


def kind_of(subject: str) -> Subject:
    """ipv4, ipv6 or domain."""
    try:
        address = ipaddress.ip_address(subject)
    except ValueError:
        return Subject.DOMAIN
    return Subject.IPV4 if address.version == 4 else Subject.IPV6


def label_of(subject: str, kind: Subject | None = None) -> str:
    """The DNSxL label of a subject: reversed octets, reversed nibbles, or the domain itself."""
    kind = kind or kind_of(subject)
    if kind is Subject.IPV4:
        return ".".join(reversed(str(ipaddress.IPv4Address(subject)).split(".")))
    if kind is Subject.IPV6:
        return ".".join(reversed(ipaddress.IPv6Address(subject).exploded.replace(":", "")))
    return subject.strip().rstrip(".").lower()


def is_public(ip: str) -> bool:
    """False for addresses no blocklist can list (private, loopback, multicast, ...)."""
    address = ipaddress.ip_address(ip)
    return not any(address in net for net in _NOT_PUBLIC if net.version == address.version)


def probe_points(zone: Zone) -> list[tuple[str, Subject, bool]]:
    """The RFC 5782 self-test of a zone: ``(subject, kind, must be listed)`` pairs.

    One kind per zone: IPv4 when the zone lists IPv4 and has IPv4 points (the best documented),
    else domains, else IPv6. Zones without test points return nothing (not self-tested).
    """
    points = zone.test_points
    if points is None:
        return []
    for kind in (Subject.IPV4, Subject.DOMAIN, Subject.IPV6):
        if not zone.supports(kind):
            continue
        listed, not_listed = points.listed(kind), points.not_listed(kind)
        if listed is None and not_listed is None:
            continue
        out = []
        if listed is not None:
            out.append((listed, kind, True))
        if not_listed is not None:
            out.append((not_listed, kind, False))
        return out
    return []


PLAUSIBILITY_PREFIX = "preflight-probe-"


def new_nonce() -> str:
    """A random DNS label no list lists (one per run): the plausibility probe's subject."""
    return PLAUSIBILITY_PREFIX + secrets.token_hex(6)


def needs_plausibility(zone: Zone) -> bool:
    """True when a zone has no "must not be listed" test entry to catch a wildcard.

    Such a zone is trusted only when, in the same run, a random label (:func:`new_nonce`)
    stays unlisted: a list (or resolver) that answers everything is unusable.
    """
    return not any(not must_list for _, _, must_list in probe_points(zone))


def neighbours(ip: str) -> list[str]:
    """The other host addresses of the IPv4 /24 around ``ip`` (.1 to .254)."""
    address = ipaddress.IPv4Address(ip)
    network = ipaddress.IPv4Network(f"{address}/24", strict=False)
    return [str(h) for h in network.hosts() if h != address]


def network_of(ip: str) -> str:
    """The IPv4 /24 around ``ip``, as text."""
    return str(ipaddress.IPv4Network(f"{ip}/24", strict=False))
