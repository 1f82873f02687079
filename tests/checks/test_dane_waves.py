"""DANE at latency: two waves of questions, no more (proved with a gate proxy, not a clock).

First every domain's MX with the host name's TLSA; then every MX host's A and AAAA together with
its TLSA, asked ahead of knowing whether the host already leads to the new server. A client
asking one question at a time leaves the gate waiting and the groups come out wrong.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timezone

import dns.zone

from checks.gate import GroupGate
from preflight.checks.dane import family
from preflight.checks.mta_sts import TransportSettings
from preflight.engine import RunContext
from preflight.engine.runconfig import RunConfig, Target
from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import DnsClient, DnsConfig, Nameserver

ZONE = """
$ORIGIN dane.test.
$TTL 300
@          SOA ns hostmaster 1 3600 600 86400 300
@          NS  ns
ns         A   192.0.2.53
top        MX  10 mx1
top        MX  20 mx2
mx1        A   192.0.2.10
mx2        A   192.0.2.99
host       A   192.0.2.10
"""

GROUPS = [
    {"top.dane.test MX", "_25._tcp.host.dane.test TLSA"},
    {"mx1.dane.test A", "mx1.dane.test AAAA", "mx2.dane.test A", "mx2.dane.test AAAA",
     "_25._tcp.mx1.dane.test TLSA", "_25._tcp.mx2.dane.test TLSA"},
]


def test_dane_asks_in_two_waves() -> None:
    zone = dns.zone.from_text(ZONE, relativize=False)
    with LabDnsServer([zone]) as lab:
        gate = GroupGate(lab.address, [len(g) for g in GROUPS], deadline=5.0)
        try:
            config = RunConfig(
                Target(ips=(ipaddress.ip_address("192.0.2.10"),), hostname="host.dane.test",
                       domains=("top.dane.test",)),
                DnsConfig((Nameserver("127.0.0.1", gate.port),), timeout=10.0, retries=0),
                settings=(TransportSettings(),))
            ctx = RunContext(config, DnsClient(config.dns), datetime(2026, 12, 7, tzinfo=timezone.utc))
            output = family.run(ctx)
        finally:
            gate.close()
    # Then the questions went out as two groups, each question once
    assert gate.groups == GROUPS
    assert sorted(gate.asked) == sorted(set(gate.asked))
    # And the names checked are the host name and the MX host that leads to the new IP
    subjects = {r.subject for r in output.results}
    assert subjects == {"host.dane.test", "mx1.dane.test"}
