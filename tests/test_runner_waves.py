"""The runner's scheduling at latency, proved without timing (gate proxies, not clocks).

Early families (DNS only) start beside the resolver probe: their first questions are on the
wire while the probe's still wait for an answer. The resolver probe itself keeps its meaning:
a silent resolver is still one result (tests/test_honest_verdicts.py).
"""

from __future__ import annotations

import ipaddress
import subprocess
import sys
import textwrap
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


HALF_IMPORTED = textwrap.dedent("""
    import importlib.machinery, ipaddress, sys, threading
    sys.modules["preflight.net.checkdmarc_import"] = None  # the whole-package import path
    from preflight.engine import runner
    from preflight.engine.runconfig import RunConfig, Target
    from preflight.net import checkdmarc_bridge
    from preflight.net.dns import DnsConfig, Nameserver

    started, release = threading.Event(), threading.Event()

    class Hold:
        # checkdmarc.utils is in sys.modules, its body not yet run, until released
        def __init__(self, loader):
            self.loader = loader

        def create_module(self, spec):
            return self.loader.create_module(spec)

        def exec_module(self, module):
            started.set()
            release.wait(60)
            self.loader.exec_module(module)

    class Find:
        def find_spec(self, name, path=None, target=None):
            if name != "checkdmarc.utils":
                return None
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            spec.loader = Hold(spec.loader)
            return spec

    sys.meta_path.insert(0, Find())
    checkdmarc_bridge.preload()  # an earlier run's preload, still importing
    started.wait(60)
    config = RunConfig(Target(ips=(ipaddress.ip_address("192.0.2.10"),)),
                       DnsConfig((Nameserver("127.0.0.1", 9),)))
    try:
        report = runner.run(config, families=[])
        print("ok", len(report.results))
    finally:
        release.set()
""")


def test_a_run_starting_while_checkdmarc_is_half_imported_does_not_crash() -> None:
    # Given a preload thread (started by an earlier run in this process) inside checkdmarc.utils
    # When a new run starts and forgets checkdmarc's cached answers
    done = subprocess.run([sys.executable, "-c", HALF_IMPORTED], capture_output=True, text=True,
                          timeout=120, check=False)
    # Then it starts: a module still being imported has no cache from an earlier run to forget
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["ok", "0"], done.stdout
