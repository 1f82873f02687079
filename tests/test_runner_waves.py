"""The runner's scheduling at latency, proved without timing (gate proxies, not clocks).

Early families (DNS only) start beside the resolver probe: their first questions are on the
wire while the probe's still wait for an answer. The resolver probe itself keeps its meaning:
a silent resolver is still one result (tests/test_honest_verdicts.py).
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timezone

from checks.gate import HoldGate

from preflight.engine import runner
from preflight.engine.runconfig import RunConfig, Target
from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import DnsConfig, Nameserver
from preflight.registry import FAMILIES

FIXED = datetime(2026, 12, 7, tzinfo=timezone.utc)


def _config(port: int) -> RunConfig:
    return RunConfig(
        Target(ips=(ipaddress.ip_address("192.0.2.10"),), hostname="mx.good.test",
               domains=("good.test",)),
        DnsConfig((Nameserver("127.0.0.1", port),), timeout=10.0, retries=0))


def _family(name: str) -> runner.Family:
    return next(f for f in FAMILIES if f.name == name)


def test_early_families_ask_while_the_probe_waits(dns_server: LabDnsServer) -> None:
    # Given a gate that answers nothing until the probe's first question and the DMARC and SPF
    # families' first questions all wait at once
    required = {". NS", "_dmarc.good.test TXT", "good.test TXT"}
    gate = HoldGate(dns_server.address, required, deadline=5.0)
    try:
        report = runner.run(_config(gate.port), families=[_family("dmarc"), _family("spf")],
                            now=FIXED)
    finally:
        gate.close()
    # Then they did: the families did not wait for the probe's answer
    assert gate.met
    # And the run is whole: the families' results are in the report
    assert {r.check_id.split(".")[0] for r in report.results} == {"dmarc", "spf"}


def test_families_that_are_not_early_wait_for_the_probe() -> None:
    # The families with other I/O (SMTP, SSH, HTTPS without a probe gate) are not early
    early = {f.name for f in FAMILIES if f.early}
    assert not early & {"smtp", "server", "partners", "client", "message"}
    assert {"spf", "dmarc", "rdns", "blocklists"} <= early
