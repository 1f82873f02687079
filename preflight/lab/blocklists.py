"""Stand-in DNSBL zones for the lab: every catalogue list, answering only its RFC 5782 test entries.

The lab DNS server is authoritative for whatever it loads. Zone files in ``examples/lab`` tell
the demo's story for a few lists (Spamhaus ZEN, SpamCop, Barracuda, Team Cymru); every other
active catalogue list gets a stand-in built here: its SOA, its "listed" test entries answered
with a documented listing code, and nothing else, so every real subject reads "not listed". A
run against the lab therefore checks the full default set, as it would on a real resolver.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.zone

from preflight.data.probes import label_of, probe_points
from preflight.data.catalogue import Code, CodeState, Requirement, Zone
from preflight.data.loader import load_catalogue
from preflight.lab.dnsserver import LabDnsServer

_LISTING_STATES = (CodeState.LISTED, CodeState.POLICY, CodeState.ALLOWLISTED, CodeState.REPUTATION)
_TTL = 300


def listing_code(zone: Zone) -> str | None:
    """An address the zone answers for a listing (the low end of a pattern), or None.

    The documented answer of the zone's test entry (``listed_answers``) comes first.
    """
    if zone.test_points is not None and zone.test_points.listed_answers:
        return _lowest(Code(zone.test_points.listed_answers[0], "test answer", CodeState.LISTED))
    for wanted in _LISTING_STATES:
        for code in zone.codes:
            if code.state is wanted:
                return _lowest(code)
    return None


def _lowest(code: Code) -> str:
    octets = re.findall(r"\[\d+\.\.\d+\]|\*|\d+", code.code)
    return ".".join("0" if o == "*" else o.strip("[]").split("..")[0] for o in octets)


def standin_zone(zone: Zone, origin: str | None = None) -> dns.zone.Zone:
    """A loaded lab zone for ``zone``: SOA, NS and its listed test entries."""
    name = dns.name.from_text(origin or zone.zone)
    built = dns.zone.Zone(name, relativize=False)

    def add(owner: dns.name.Name, rdtype: str, text: str) -> None:
        rdataset = built.find_rdataset(owner, dns.rdatatype.from_text(rdtype), create=True)
        rdataset.add(dns.rdata.from_text(dns.rdataclass.IN, rdtype, text), _TTL)

    add(name, "SOA", f"ns.lab.invalid. hostmaster.lab.invalid. 2026112901 3600 600 86400 {_TTL}")
    add(name, "NS", "ns.lab.invalid.")
    code = listing_code(zone)
    if code is not None:
        for point, kind, must_list in probe_points(zone):
            if must_list:
                owner = dns.name.from_text(label_of(point, kind), name)
                add(owner, "A", code)
                add(owner, "TXT", f'"lab stand-in for {zone.name}: RFC 5782 test entry"')
    return built


def serve_standins(server: LabDnsServer, zones: Iterable[Zone] | None = None) -> list[str]:
    """Serve a stand-in for each zone the server does not already serve; return their names.

    Default: every active catalogue zone that needs no key (keyed names depend on the key).
    """
    if zones is None:
        zones = [z for z in load_catalogue().active() if Requirement.KEY not in z.requires]
    served = set(server.origins)
    added = []
    for zone in zones:
        origin = dns.name.from_text(zone.zone).to_text()
        if origin in served:
            continue
        server.add_zone(standin_zone(zone))
        served.add(origin)
        added.append(zone.zone)
    return added
