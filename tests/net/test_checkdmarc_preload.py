"""checkdmarc's parsers load while the SPF and DMARC families wait for their first answers.

In a fresh interpreter, a gate proxy holds every DNS question until checkdmarc's SPF parser is
fully imported (or a deadline passes): the spf family's questions are answered only if the
import ran while they waited — without the preload, nothing imports it until the answers came
(the gate would wait for its deadline and report it was not met).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent("""
    import ipaddress, sys
    sys.path.insert(0, sys.argv[1])
    from checks.gate import HoldGate
    from preflight.checks import spf
    from preflight.engine import RunContext
    from preflight.engine.runconfig import RunConfig, Target
    from preflight.lab.dnsserver import LabDnsServer
    from preflight.net.dns import DnsClient, DnsConfig, Nameserver
    from datetime import datetime, timezone

    assert "checkdmarc.spf" not in sys.modules
    loaded = lambda: hasattr(sys.modules.get("checkdmarc.spf"), "parse_spf_record")
    with LabDnsServer.from_directory(sys.argv[2]) as lab:
        gate = HoldGate(lab.address, set(), deadline=30.0, until=loaded)
        try:
            config = RunConfig(Target(ips=(ipaddress.ip_address("192.0.2.10"),),
                                      domains=("good.test",)),
                               DnsConfig((Nameserver("127.0.0.1", gate.port),), timeout=60.0))
            output = spf.FAMILY.run(RunContext(config, DnsClient(config.dns),
                                               datetime(2026, 12, 7, tzinfo=timezone.utc)))
        finally:
            gate.close()
    print(gate.met, sorted({r.check_id for r in output.results}))
""")


def test_checkdmarc_loads_while_the_first_answers_wait() -> None:
    tests = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tests), str(tests / "zones")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[0] == "True", done.stdout
    assert "spf.lookups" in done.stdout
