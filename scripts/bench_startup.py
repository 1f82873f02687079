#!/usr/bin/env python3
"""Benchmark start-up on the paths a user waits for, and which heavy modules each one imports.

Usage: .venv-test/bin/python scripts/bench_startup.py [--runs N] [--baseline OTHER-VENV/bin/python]

Times, as the median of N separate processes of the installed entry point:

* ``preflight --version`` and ``preflight --help``;
* ``preflight render REPORT --html`` of a saved report (the demo's, written once into a
  temporary directory by ``preflight demo``);
* **time to the first DNS query** of ``preflight check``, and to its 40th (``--wave``: the
  blocklist batch under way): a UDP socket on loopback plays the nameserver (NXDOMAIN to
  everything) and counts the questions that arrive — interpreter start, CLI, config, plan and
  every import on the way;
* ``python -c pass`` as the floor.

Then lists the heavy modules each path imports (in one extra process per path, with Python's
import hook): ``--version``/``--help`` must import none; ``render`` no DNS stack (dnspython,
checkdmarc, pyspf), no SSH, no cryptography; ``check`` before its first query neither
checkdmarc, pyspf, cryptography, requests/httpx (DNS over HTTPS) nor dnspython's DNSSEC algorithms;
a whole ``check`` writing JSON none of :data:`NOT_IN_CHECK` (pydantic, importlib.metadata, requests,
checkdmarc's bimi, Jinja2, the renderers, idle families' code).
Exits 1 when one of these rules is broken. Timings are never asserted: the machine may be shared.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

HEAVY = ("dns", "jinja2", "checkdmarc", "paramiko", "cryptography", "spf", "aiosmtpd", "rich",
         "publicsuffixlist", "dkim", "pydantic", "importlib.metadata", "requests", "httpx")
"""Not imported by ``--help``/``--version``."""
NOT_IN_RENDER = ("dns", "checkdmarc", "spf", "paramiko", "cryptography", "aiosmtpd", "dkim",
                 "publicsuffixlist", "pydantic", "importlib.metadata", "requests", "httpx")
NOT_BEFORE_FIRST_QUERY = ("checkdmarc", "spf", "requests", "httpx", "httpx2", "dns.dnssecalgs",
                          "cryptography", "paramiko", "aiosmtpd", "pydantic", "importlib.metadata",
                          "jinja2", "preflight.report.html")
NOT_IN_CHECK = ("pydantic", "importlib.metadata", "requests", "urllib3", "httpx", "httpcore",
                "checkdmarc.bimi",
                "xmltodict", "jinja2", "preflight.report.html", "preflight.report.markdown",
                "paramiko", "aiosmtpd", "dkim", "authres", "dns.dnssecalgs", "httpx2", "h2",
                "preflight.checks.message.family", "preflight.checks.partners.family",
                "preflight.checks.server.family", "preflight.checks.partners.smtpd", "preflight.net.ssh",
                "preflight.inventory.rbl")
"""Not imported by a whole ``check`` writing only JSON, without --message, --ssh or partners:
typer's pydantic coercion (preflight.cli.coercion), dnspython's importlib.metadata lookups
(preflight.net._features), checkdmarc's package __init__ and the HTTP clients its submodules
import (preflight.net.checkdmarc_import), the HTML/Markdown renderers, and idle families' code
(Family.idle). ``tests/test_startup_imports.py`` holds every path to these lists."""

CHECK_ARGS = ("check", "--ip", "203.0.113.25", "--ip", "2001:db8:25::25",
              "--hostname", "mail.example.com", "--domain", "example.com",
              "--domain", "example.net", "--dkim-selector", "s2026", "--old-ip", "198.51.100.10",
              "--timeout", "5", "--no-smtp", "--json", os.devnull, "-q")


@functools.cache
def no_probes(exe: str) -> tuple[str, ...]:
    """Flags that keep this build's probes off the demo's documentation IPs (loopback only):
    ``--no-client`` where the build has the client family."""
    usage = subprocess.run([exe, "check", "--help"], capture_output=True, text=True).stdout
    return ("--no-client",) if "--no-client" in usage else ()

# Run as ``python -c`` in the child: records the heavy modules present when the first UDP
# datagram (the first DNS question) is about to leave, writes them to a file and exits at once.
# checkdmarc's background preload (net/checkdmarc_bridge.preload: the SPF and DMARC families start
# importing checkdmarc on a thread of its own while their first answers are awaited) is switched
# off: it races the first question by design, and is not on the way to it.
FIRST_QUERY_PROBE = textwrap.dedent("""
    import os, socket, sys
    out, watch = sys.argv.pop(1), sys.argv.pop(1).split(",")
    def report():
        present = [m for m in watch if m in sys.modules]
        with open(out, "w") as f:
            f.write(",".join(present))
        os._exit(0)
    class Probe(socket.socket):
        def sendto(self, *args):
            if self.type == socket.SOCK_DGRAM:
                report()
            return super().sendto(*args)
        def send(self, *args):
            if self.type == socket.SOCK_DGRAM:
                report()
            return super().send(*args)
    socket.socket = Probe
    try:  # checkdmarc's preload thread (started beside the first wave, on purpose) is not the
        # start-up path: the rule is about what the way to the first question imports
        import preflight.net.checkdmarc_bridge as bridge
        bridge.preload = lambda: None
    except ImportError:
        pass
    from preflight.cli import app
    sys.argv[0] = "preflight"
    app()
""")


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(cmd: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of ``cmd`` as a process (output discarded)."""
    before = cpu_of_children()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start, cpu_of_children() - before


def first_queries(exe: str, wave: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """(wall, CPU) seconds from spawning ``preflight check`` to its first DNS question, and to
    its ``wave``-th (the blocklist batch under way). A UDP socket on loopback plays the resolver
    and answers every question NXDOMAIN at once (a silent one would stop the run after its
    first question); the process is killed once the questions are counted, its CPU read at each
    of the two moments."""
    import dns.message
    import dns.rcode

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(30)
        cmd = [exe, *CHECK_ARGS, *no_probes(exe), "--nameserver",
               f"127.0.0.1:{sock.getsockname()[1]}"]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            first = (0.0, 0.0)
            for count in range(1, wave + 1):
                data, peer = sock.recvfrom(4096)
                if count == 1:
                    first = (time.perf_counter() - start, cpu_of(proc.pid))
                response = dns.message.make_response(dns.message.from_wire(data))
                response.set_rcode(dns.rcode.NXDOMAIN)
                sock.sendto(response.to_wire(), peer)
            return first, (time.perf_counter() - start, cpu_of(proc.pid))
        finally:
            proc.kill()
            proc.wait()


def cpu_of(pid: int) -> float:
    """User + system CPU seconds of a running process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def nxdomain_resolver() -> Iterator[str]:
    """``HOST:PORT`` of a UDP responder on loopback answering NXDOMAIN to every question."""
    import dns.exception
    import dns.message
    import dns.rcode

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def answer() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
                response = dns.message.make_response(dns.message.from_wire(data))
            except (OSError, dns.exception.DNSException):
                continue
            response.set_rcode(dns.rcode.NXDOMAIN)
            sock.sendto(response.to_wire(), peer)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        sock.close()


def imported(argv: list[str], watch: tuple[str, ...], *, until_first_query: bool = False) -> list[str]:
    """The modules of ``watch`` present at exit of ``preflight ARGV`` (or at its first query)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "modules"
        if until_first_query:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.bind(("127.0.0.1", 0))
                args = [*argv, "--nameserver", f"127.0.0.1:{sock.getsockname()[1]}"]
                subprocess.run([sys.executable, "-c", FIRST_QUERY_PROBE, str(out), ",".join(watch),
                                *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=60, check=False)
        else:
            code = ("import atexit, sys\n"
                    f"atexit.register(lambda: open({str(out)!r}, 'w').write(','.join("
                    f"m for m in {watch!r} if m in sys.modules)))\n"
                    "from preflight.cli import app\nsys.argv[0] = 'preflight'\napp()\n")
            subprocess.run([sys.executable, "-c", code, *argv], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60, check=False)
        text = out.read_text() if out.exists() else "?"
    return [m for m in text.split(",") if m]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--wave", type=int, default=40,
                        help="count the check's questions up to this one (the blocklist batch)")
    parser.add_argument("--baseline", type=Path, metavar="PYTHON",
                        help="also time the preflight installed beside this interpreter (another "
                             "venv, e.g. the previous commit), interleaved run by run")
    args = parser.parse_args()
    contenders = {"": str(Path(sys.executable).parent)}
    if args.baseline:
        contenders["baseline "] = str(args.baseline.parent)
    exes = {label: shutil.which("preflight", path=where) or "preflight"
            for label, where in contenders.items()}
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average before the run {load}; median of {args.runs}, interleaved")
    samples: dict[str, list[tuple[float, float]]] = {"python -c pass": []}
    with tempfile.TemporaryDirectory() as tmp:
        exe = exes[""]
        demo = Path(tmp) / "demo"
        subprocess.run([exe, "demo", "--output-dir", str(demo)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        report = str(demo / "report.json")
        html = str(Path(tmp) / "again.html")
        for _ in range(args.runs):
            samples["python -c pass"].append(run_once([sys.executable, "-c", "pass"]))
            for label, other in exes.items():
                for name, argv in (("--version", ["--version"]), ("--help", ["--help"]),
                                   ("render report.json --html", ["render", report, "--html", html])):
                    samples.setdefault(f"{label}preflight {name}", []).append(run_once([other, *argv]))
                first, batch = first_queries(other, args.wave)
                samples.setdefault(f"{label}preflight check: first DNS query", []).append(first)
                samples.setdefault(f"{label}preflight check: {args.wave}th DNS query", []).append(batch)
        print(f"| {'path':48} | wall (median) | CPU (median) |\n|---|---:|---:|")
        for name, got in samples.items():
            wall = statistics.median(w for w, _ in got)
            cpu = statistics.median(c for _, c in got)
            print(f"| {name:48} | {wall * 1000:7.0f} ms | {cpu * 1000:6.0f} ms |")
        broken = {
            "--version": imported(["--version"], HEAVY),
            "--help": imported(["--help"], HEAVY),
            "render": imported(["render", report, "--html", html], NOT_IN_RENDER),
            "check before its first query": imported([*CHECK_ARGS, *no_probes(exe)],
                                                     NOT_BEFORE_FIRST_QUERY,
                                                     until_first_query=True),
        }
        with nxdomain_resolver() as resolver:
            broken["check, whole run (JSON only)"] = imported(
                [*CHECK_ARGS, *no_probes(exe), "--nameserver", resolver], NOT_IN_CHECK)
    failed = False
    for path, modules in broken.items():
        print(f"heavy modules imported by {path}: {', '.join(modules) or 'none'}")
        failed |= bool(modules)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
