"""Independent questions of a family go out together (gate proxies, not clocks).

A :class:`checks.gate.HoldGate` answers nothing until the named questions all wait at once: a
family that asked one of them only after another's answer leaves the gate to its deadline, and
``met`` stays False. A :class:`checks.gate.GroupGate` lets questions through only in the
expected groups (MTA-STS's two waves before its fetch).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
from datetime import datetime, timezone

import dns.zone
from conftest import make_config

from checks.gate import GroupGate, HoldGate
from preflight.checks import cutover, mx, rdns
from preflight.checks.mta_sts import TransportSettings
from preflight.checks.mta_sts.collect import collect
from preflight.engine import RunContext
from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import DnsClient, DnsConfig, Nameserver

NOW = datetime(2026, 12, 7, tzinfo=timezone.utc)


def _run_behind(gate: HoldGate, dns_server: LabDnsServer, family: object, **target: object) -> list:
    config = make_config(dns_server, ips=("192.0.2.10",), domains=("good.test",))
    config = dataclasses.replace(
        config, target=dataclasses.replace(config.target, **target),
        dns=DnsConfig((Nameserver("127.0.0.1", gate.port),), timeout=10.0, retries=0))
    try:
        output = family.FAMILY.run(RunContext(config, DnsClient(config.dns), NOW))  # type: ignore[attr-defined]
    finally:
        gate.close()
    return list(output.results)


def test_cutover_walks_spf_and_the_old_ips_ptr_side_by_side(dns_server: LabDnsServer) -> None:
    # Given a gate holding everything until the SPF record's TXT and the old IP's PTR wait at once
    gate = HoldGate(dns_server.address, {"good.test TXT", "10.2.0.192.in-addr.arpa PTR"},
                    deadline=5.0)
    results = _run_behind(gate, dns_server, cutover,
                          old_ips=(ipaddress.ip_address("192.0.2.10"),))
    # Then they did, and the old IP's SPF verdict is there
    assert gate.met
    assert [r.check_id for r in results] == ["spf.old_ip"]


def test_mx_asks_its_ttl_questions_beside_the_mx_walk(dns_server: LabDnsServer) -> None:
    # Given a gate holding everything until the MX and the SPF TXT (a TTL question) wait at once
    gate = HoldGate(dns_server.address, {"good.test MX", "good.test TXT"}, deadline=5.0)
    results = _run_behind(gate, dns_server, mx)
    assert gate.met
    assert {"mx.present", "mx.new_host"} <= {r.check_id for r in results}


STS_ZONE = """
$ORIGIN sts.test.
$TTL 300
@              SOA ns hostmaster 1 3600 600 86400 300
@              NS  ns
ns             A   192.0.2.53
_mta-sts.top   TXT "v=STSv1; id=20261207"
top            MX  10 mx1
mx1            A   192.0.2.10
mta-sts.top    A   127.0.0.1
"""


def test_mta_sts_asks_in_two_waves_before_the_fetch() -> None:
    groups = [{"_mta-sts.top.sts.test TXT", "top.sts.test MX"},
              {"mta-sts.top.sts.test A", "mx1.sts.test A", "mx1.sts.test AAAA"}]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: the policy fetch is refused at once
    with LabDnsServer([dns.zone.from_text(STS_ZONE, relativize=False)]) as lab:
        gate = GroupGate(lab.address, [len(g) for g in groups], deadline=5.0)
        try:
            client = DnsClient(DnsConfig((Nameserver("127.0.0.1", gate.port),), timeout=10.0))
            facts = collect(client, "top.sts.test", TransportSettings(https_port=port, timeout=5.0))
        finally:
            gate.close()
    # Then the record with the MX, then the policy host's address with the MX hosts', each once
    assert gate.groups == groups
    assert sorted(gate.asked) == sorted(set(gate.asked))
    assert facts.policy is not None  # the fetch was tried (and refused)


def test_rdns_asks_the_host_name_beside_the_ptrs(dns_server: LabDnsServer) -> None:
    # Given a gate holding everything until the PTR and the host name's AAAA wait at once
    gate = HoldGate(dns_server.address, {"10.2.0.192.in-addr.arpa PTR", "mx.good.test AAAA"},
                    deadline=5.0)
    results = _run_behind(gate, dns_server, rdns, hostname="mx.good.test")
    assert gate.met
    assert {"rdns.ptr", "host.forward"} <= {r.check_id for r in results}
