"""The OpenSPF test suites (RFC 7208 and RFC 4408 editions) as lab zones and preflight runs.

The YAML files in ``openspf/`` are copied unchanged from the pyspf 2.0.14 source distribution
on PyPI (sha256 of pyspf-2.0.14.tar.gz: 57a7ef01…7186); their BSD-style licences, kept beside
them, allow redistribution with the notice. Each scenario's ``zonedata`` becomes one root zone
served by the lab DNS server (one server for every scenario: the zone is swapped between
scenarios); ``TIMEOUT`` becomes a lab fault that never answers. The driver rules are those of
pyspf's own ``test/testspf.py``: a name listing SPF (type 99) records but no TXT record also
gets them as TXT; ``NONE`` publishes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.zone
import yaml

from preflight.errors import InputError
from preflight.lab.dnsserver import LabDnsServer
from preflight.values import parse_hostname

SUITES = {"rfc7208": "rfc7208-tests.yml", "rfc4408": "rfc4408-tests.yml"}
FOLDER = Path(__file__).parent / "openspf"
ASKED_TYPES = ("A", "AAAA", "MX", "PTR", "TXT")
"""The types RFC 7208 evaluation queries: a bare ``TIMEOUT`` entry times these out."""


@dataclass(frozen=True)
class Scenario:
    """One YAML document: a description, its zone data and its tests."""

    suite: str
    index: int
    description: str
    zonedata: Mapping[str, list[Any]]


@dataclass(frozen=True)
class Case:
    """One test of a scenario."""

    suite: str
    test_id: str
    scenario: Scenario = field(repr=False)
    spec: str
    helo: str
    host: str
    mailfrom: str
    expected: tuple[str, ...]
    explanation: str | None = None
    """The explanation the suite expects (``DEFAULT``: the implementation's own), if any."""

    @property
    def domain(self) -> str | None:
        """The mail-from domain preflight checks, or None when the test is not about one."""
        local, at, domain = self.mailfrom.rpartition("@")
        if not at:
            return None
        try:
            return parse_hostname(domain, "domain")
        except InputError:
            return None  # preflight refuses such a --domain (exit 2): nothing to compare

    @property
    def key(self) -> str:
        return f"{self.suite}:{self.test_id}"


def load(suite: str) -> list[Case]:
    """Every test of one suite, scenario by scenario, in file order."""
    cases: list[Case] = []
    with open(FOLDER / SUITES[suite], "rb") as handle:
        for index, doc in enumerate(yaml.safe_load_all(handle)):
            scenario = Scenario(suite, index, str(doc.get("description", "")), doc["zonedata"])
            for test_id, test in doc["tests"].items():
                result = test["result"]
                expected = tuple(result) if isinstance(result, list) else (result,)
                explanation = test.get("explanation")
                cases.append(Case(suite, test_id, scenario, str(test.get("spec", "")),
                                  str(test.get("helo", "")), str(test["host"]),
                                  str(test.get("mailfrom", "")), expected,
                                  None if explanation is None else str(explanation)))
    return cases


def _name(text: str) -> dns.name.Name | None:
    try:
        return dns.name.from_text(text)
    except dns.exception.DNSException:
        return None  # labels over 63 octets or empty: no such name can exist in DNS


def _txt(rdtype: str, value: Any) -> dns.rdata.Rdata:
    strings = [value] if isinstance(value, str) else list(value)
    parts: list[bytes] = []
    for text in strings:
        raw = str(text).encode("utf-8")
        parts.extend([raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""])
    kind = dns.rdatatype.from_text(rdtype)
    cls = dns.rdata.get_rdata_class(dns.rdataclass.IN, kind)
    return cls(dns.rdataclass.IN, kind, parts or [b""])


def _rdata(rdtype: str, value: Any) -> dns.rdata.Rdata | None:
    if rdtype in ("TXT", "SPF"):
        return _txt(rdtype, value)
    if rdtype == "MX":
        pref, host = value
        text = f"{int(pref)} {host or '.'}."
    elif rdtype in ("PTR", "CNAME"):
        text = f"{value}."
    else:
        text = str(value)
    try:
        return dns.rdata.from_text(dns.rdataclass.IN, rdtype, text.replace("..", "."))
    except (dns.exception.DNSException, ValueError):
        return None


def build_zone(scenario: Scenario) -> tuple[dns.zone.Zone, list[tuple[str, str | None]]]:
    """The scenario as one root zone, plus the (name, type or None) that must time out."""
    zone = dns.zone.Zone(dns.name.root, relativize=False)
    soa = dns.rdata.from_text("IN", "SOA", "ns.lab. hostmaster.lab. 1 3600 600 86400 300")
    zone.find_rdataset(dns.name.root, "SOA", create=True).add(soa, 300)
    timeouts: list[tuple[str, str | None]] = []
    for owner, entries in scenario.zonedata.items():
        name = _name(owner)
        if name is None:
            continue
        seen: set[str] = set()
        spf_only: list[Any] = []
        has_txt = False
        for entry in entries:
            if entry == "TIMEOUT":
                timeouts.extend((owner, t) for t in ASKED_TYPES if t not in seen)
                continue
            ((rdtype, value),) = entry.items()
            has_txt |= rdtype == "TXT"
            if value == "TIMEOUT":
                timeouts.append((owner, rdtype))
                continue
            if value == "NONE" or value == ["NONE"]:
                continue
            seen.add(rdtype)
            if rdtype == "SPF":
                spf_only.append(value)
            rdata = _rdata(rdtype, value)
            if rdata is not None:
                zone.find_rdataset(name, rdtype, create=True).add(rdata, 300)
        if not has_txt:
            for value in spf_only:
                zone.find_rdataset(name, "TXT", create=True).add(_txt("TXT", value), 300)
    return zone, timeouts


class ScenarioServer:
    """One lab DNS server that serves one scenario at a time."""

    def __init__(self, server: LabDnsServer) -> None:
        self.server = server
        self.current: tuple[str, int] | None = None

    def serve(self, scenario: Scenario) -> None:
        """Swap the served root zone and faults to ``scenario`` (no-op if already served)."""
        if self.current == (scenario.suite, scenario.index):
            return
        zone, timeouts = build_zone(scenario)
        self.server.remove_zone(".")
        self.server.clear_faults()
        self.server.add_zone(zone)
        for owner, rdtype in timeouts:
            self.server.add_fault(owner, "timeout", rdtype)
        self.current = (scenario.suite, scenario.index)


def applicable(cases: list[Case]) -> Iterator[Case]:
    """The mail-from tests: a sender with a domain preflight accepts as ``--domain``."""
    return (c for c in cases if c.domain is not None)
