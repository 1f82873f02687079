"""Blocklist query labels and RFC 5782 self-test points (pure: no I/O).

IPv4 subjects are written as reversed octets, IPv6 as the 32 nibbles of the fully expanded
address in reverse (RFC 5782 section 2.4), domains as they are. Shared by the blocklist family,
partner prediction and the lab's stand-in lists.
"""

from __future__ import annotations

import ipaddress

from preflight.data.catalogue import Subject, Zone

__all__ = ["is_public", "kind_of", "label_of", "needs_plausibility", "probe_points"]

_NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
    "::/127", "::ffff:0:0/96", "fc00::/7", "fe80::/10", "ff00::/8",
))
"""Addresses no blocklist can list: private, loopback, link-local, multicast, reserved.
Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are kept:
the lab uses them."""



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


def needs_plausibility(zone: Zone) -> bool:
    """True when a zone has no "must not be listed" test entry to catch a wildcard.

    Such a zone is trusted only when, in the same run, a random label no list lists stays
    unlisted (the blocklist family's plausibility probe): a list (or resolver) that answers
    everything is unusable.
    """
    return not any(not must_list for _, _, must_list in probe_points(zone))
