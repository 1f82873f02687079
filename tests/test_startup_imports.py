"""Which heavy modules each path may not import (issue 16): start-up gains cannot silently regress.

Every path runs as its own interpreter (a module once imported stays for the process) and reports
the names of ``sys.modules`` it ended with; the lists are those of ``scripts/bench_startup.py``,
which times the same paths. No timing is asserted. A whole ``check`` runs against the lab's DNS
server, so it really parses SPF and DMARC (the test also asserts that it did).
"""

from __future__ import annotations

import importlib.util
import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ns

from preflight.lab.dnsserver import LabDnsServer

HERE = Path(__file__).resolve().parent
"""Where the children run: not the checkout root, so they import the installed package."""


def _bench() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "scripts" / "bench_startup.py"
    spec = importlib.util.spec_from_file_location("bench_startup", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
DEMO = ("--ip", "203.0.113.25", "--ip", "2001:db8:25::25", "--hostname", "mail.example.com",
        "--domain", "example.com", "--domain", "example.net", "--dkim-selector", "s2026",
        "--old-ip", "198.51.100.10", "--no-smtp", "--no-client", "--timeout", "5", "-q")
PROVES_A_REAL_RUN = ("checkdmarc.spf", "checkdmarc.dmarc", "checkdmarc.mta_sts", "spf", "dns.resolver",
                     "preflight.checks.spf.family", "preflight.checks.blocklists.family")

# The child: run ``preflight ARGV`` in-process and print, at exit, which watched modules it loaded.
CHILD = textwrap.dedent("""
    import atexit, json, sys
    watch = json.loads(sys.argv.pop(1))
    atexit.register(lambda: print("\\nLOADED " + json.dumps([m for m in watch if m in sys.modules])))
    sys.argv[0] = "preflight"
    from preflight.cli import app
    app()
""")


def loaded(argv: list[str], watch: tuple[str, ...]) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(watch), *argv],
                          capture_output=True, text=True, cwd=HERE, timeout=300)
    line = [x for x in proc.stdout.splitlines() if x.startswith("LOADED ")]
    assert line, (proc.returncode, proc.stderr)
    return list(json.loads(line[-1][len("LOADED "):]))


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["check", "--help"], ["render", "--help"]])
def test_version_and_help_import_nothing_heavy(argv: list[str]) -> None:
    assert loaded(argv, BENCH.HEAVY) == []


def test_whole_check_writing_json_imports_none_of_the_heavy_parts(dns_server: LabDnsServer,
                                                                 tmp_path: Path) -> None:
    # Given the demo's migration against the lab resolver, JSON only, no message, SSH or partners
    watch = BENCH.NOT_IN_CHECK + PROVES_A_REAL_RUN
    got = loaded(["check", *DEMO, "--nameserver", ns(dns_server), "--json", str(tmp_path / "r.json")], watch)
    # Then the run really checked SPF/DMARC/MTA-STS (through checkdmarc's parsers and pyspf)...
    assert [m for m in PROVES_A_REAL_RUN if m not in got] == []
    assert json.loads((tmp_path / "r.json").read_text())["results"]
    # ...without any module on the list
    assert [m for m in got if m in BENCH.NOT_IN_CHECK] == []


def test_html_output_still_loads_the_renderer(dns_server: LabDnsServer, tmp_path: Path) -> None:
    # The renderers load when asked for: the list above is about JSON-only runs.
    got = loaded(["check", *DEMO, "--nameserver", ns(dns_server), "--html", str(tmp_path / "r.html")],
                 ("jinja2", "preflight.report.html"))
    assert got == ["jinja2", "preflight.report.html"]
    assert (tmp_path / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_render_imports_no_dns_stack(dns_server: LabDnsServer, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    loaded(["check", *DEMO, "--nameserver", ns(dns_server), "--json", str(report)], ())
    got = loaded(["render", str(report), "--html", str(tmp_path / "again.html")], BENCH.NOT_IN_RENDER)
    assert got == []
    assert (tmp_path / "again.html").exists()


def test_check_before_its_first_query_imports_none_of_the_late_parts(tmp_path: Path) -> None:
    # A socket that never answers: the child reports its modules when the first question leaves.
    out = tmp_path / "modules"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        argv = ["check", *DEMO, "--json", str(tmp_path / "r.json"), "--nameserver",
                f"127.0.0.1:{sock.getsockname()[1]}"]
        subprocess.run([sys.executable, "-c", BENCH.FIRST_QUERY_PROBE, str(out),
                        ",".join(BENCH.NOT_BEFORE_FIRST_QUERY), *argv],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=HERE, timeout=300, check=False)
    assert out.exists()
    assert [m for m in out.read_text().split(",") if m] == []
