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
from preflight.data.catalogue import Zone
from preflight.data.probes import is_public, kind_of, label_of, probe_points

KEY_PLACEHOLDER = "<key>"

__all__ = [
    "KEY_PLACEHOLDER", "Question", "ZoneRef", "is_public", "kind_of", "label_of", "neighbours", "network_of",
    "probe_points", "redact", "zone_refs",
]

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

    def key(self, label: str, rdtype: str = "A") -> tuple[str, str]:
        """``self.question(label, rdtype).key``, without building the question."""
        return f"{label}.{self.base}", rdtype


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


PLAUSIBILITY_PREFIX = "preflight-probe-"


def new_nonce() -> str:
    """A random DNS label no list lists (one per run): the plausibility probe's subject."""
    return PLAUSIBILITY_PREFIX + secrets.token_hex(6)


def neighbours(ip: str) -> list[str]:
    """The other host addresses of the IPv4 /24 around ``ip`` (.1 to .254)."""
    address = ipaddress.IPv4Address(ip)
    network = ipaddress.IPv4Network(f"{address}/24", strict=False)
    return [str(h) for h in network.hosts() if h != address]


def network_of(ip: str) -> str:
    """The IPv4 /24 around ``ip``, as text."""
    return str(ipaddress.IPv4Network(f"{ip}/24", strict=False))
