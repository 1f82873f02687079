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


DEADLOCK = textwrap.dedent("""
    import importlib._bootstrap as bootstrap, importlib.machinery, sys, threading, time
    sys.modules["preflight.net.checkdmarc_import"] = None  # the whole-package import path
    from preflight.net import checkdmarc_bridge

    class HoldPackage:
        # The first thread importing the checkdmarc package owns the package's import lock, and
        # the package is not in sys.modules yet while its module object is created: hold it
        # there until the preload thread, started now, waits on an import lock itself.
        def __init__(self, loader):
            self.loader = loader

        def create_module(self, spec):
            checkdmarc_bridge.preload()
            thread = checkdmarc_bridge._preloading[0]
            deadline = time.monotonic() + 60
            while (not bootstrap._blocking_on.get(thread.ident) and thread.is_alive()
                   and time.monotonic() < deadline):
                time.sleep(0.001)
            return self.loader.create_module(spec)

        def exec_module(self, module):
            self.loader.exec_module(module)

    class FindPackage:
        done = False

        def find_spec(self, name, path=None, target=None):
            if name != "checkdmarc" or self.done:
                return None
            self.done = True
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            spec.loader = HoldPackage(spec.loader)
            return spec

    sys.meta_path.insert(0, FindPackage())
    import checkdmarc  # a family's import (tls_rpt, mta_sts: the package first)
    from checkdmarc import spf
    checkdmarc_bridge._preloading[0].join()
    print(hasattr(spf, "parse_spf_record"))
""")


def test_the_preload_never_deadlocks_a_family_importing_the_package() -> None:
    # Given a family thread that holds checkdmarc's package import lock when the preload starts
    # When the preload imports the parsers
    done = subprocess.run([sys.executable, "-c", DEADLOCK], capture_output=True, text=True,
                          timeout=120, check=False)
    # Then it waits for the package instead of holding a submodule's lock the package needs
    # (importlib would break that deadlock by failing the family's import)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True"], done.stdout
