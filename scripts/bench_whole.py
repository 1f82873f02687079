#!/usr/bin/env python3
"""Benchmark a whole ``preflight check`` process against a peer, side by side, in one run.

A child process runs the embedded lab DNS server (the demo's zones plus a stand-in for every
catalogue list that needs no key) and delays every answer by ``--latency`` seconds, like a
remote resolver. For each latency, interleaved repetition by repetition (so machine load hits
every contender alike), this script times as separate processes:

* **preflight check**: the demo's migration (two IPs, HELO name, two domains, a DKIM selector,
  the old IP), SMTP off, JSON to /dev/null — the whole process, start-up included;
* **pydnsbl one IP**: pydnsbl's ``DNSBLIpChecker`` for the new IPv4 address against the same
  default lists, in a separate virtual environment this script builds (``--peer-venv``),
  pointed at the lab through aiodns's port options;
* **ideal two-wave replay**: every question the preflight run asked, sent as two concurrent
  waves (the dependency floor of a whole check: PTR → A/AAAA, SPF TXT → include TXT, …) from a
  minimal dnspython-only process — what a perfect client would pay;
* with ``--neighbourhood``: preflight's ``--neighbourhood`` /24 against pydnsbl's
  ``bulk_check`` of the same 256 addresses, as queries per second.

It prints medians of ``--repeat`` runs, client CPU per DNS query (the child's user+system time
over the queries the lab received from it), the ratios the speed goals are written in, and the
machine and load, ready to paste into ``docs/benchmarks.md``. No timing is asserted anywhere.

    .venv-test/bin/python scripts/bench_whole.py [--latency 0 0.1] [--repeat 7] [--neighbourhood]
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

PEER_PINS = ("pydnsbl==1.1.7", "aiodns==3.6.1", "pycares==4.11.0")
DEMO_IP = "203.0.113.25"
DEMO_ARGS = (
    "--ip", DEMO_IP, "--ip", "2001:db8:25::25", "--hostname", "mail.example.com",
    "--domain", "example.com", "--domain", "example.net", "--dkim-selector", "s2026",
    "--old-ip", "198.51.100.10",
)


# -- the lab, in a child process (its CPU is not the client's) ------------------------------------

def serve(latency: float, conn: Connection) -> None:  # pragma: no cover - child process
    """Child: the lab DNS server; answers 'count', 'log', 'reset', 'latency X' and 'stop'."""
    from preflight.lab.environment import lab_dns

    with lab_dns() as server:
        server.latency = latency
        conn.send(server.port)
        while True:
            command = conn.recv()
            if command == "count":
                conn.send(server.queries)
            elif command == "log":
                conn.send([(r.name, r.rdtype) for r in server.query_log])
            elif command == "reset":
                server.reset_stats()
                conn.send(True)
            elif isinstance(command, tuple) and command[0] == "latency":
                server.latency = command[1]
                conn.send(True)
            else:
                conn.send(True)
                return


class Lab:
    """Handle on the lab child process."""

    def __init__(self, latency: float) -> None:
        self._conn, child = multiprocessing.Pipe()
        self._proc = multiprocessing.Process(target=serve, args=(latency, child), daemon=True)
        self._proc.start()
        self.port: int = self._conn.recv()

    def ask(self, command: object) -> object:
        self._conn.send(command)
        return self._conn.recv()

    def stop(self) -> None:
        self.ask("stop")
        self._proc.join(5)


# -- contenders -----------------------------------------------------------------------------------

@dataclass
class Sample:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)


def timed(cmd: list[str], lab: Lab, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """(wall seconds, child CPU seconds, queries the lab received) of one process run."""
    lab.ask("reset")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                          check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"{cmd[0]} failed ({done.returncode}): {done.stderr.decode()[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, int(lab.ask("count"))  # type: ignore[call-overload]


def preflight_cmd(port: int, *extra: str, python: str = sys.executable) -> list[str]:
    exe = shutil.which("preflight", path=str(Path(python).parent)) or "preflight"
    return [exe, "check", *DEMO_ARGS, "--nameserver", f"127.0.0.1:{port}", "--timeout", "2",
            "--no-smtp", *no_probes(exe), "--json", "/dev/null", "-q", *extra]


@functools.cache
def no_probes(exe: str) -> tuple[str, ...]:
    """Flags that keep this build's probes off the demo's documentation IPs (loopback only):
    ``--no-client`` where the build has the client family."""
    usage = subprocess.run([exe, "check", "--help"], capture_output=True, text=True).stdout
    return ("--no-client",) if "--no-client" in usage else ()


PYDNSBL_ONE = textwrap.dedent("""
    import asyncio, sys, aiodns, pydnsbl
    from pydnsbl.providers import Provider
    port, ips, zones = int(sys.argv[1]), sys.argv[2].split(","), sys.argv[3].split(",")
    loop = asyncio.new_event_loop(); asyncio.set_event_loop(loop)
    checker = pydnsbl.DNSBLIpChecker(providers=[Provider(z) for z in zones], timeout=2, tries=1,
                                     loop=loop)
    checker._resolver = aiodns.DNSResolver(nameservers=["127.0.0.1"], udp_port=port,
                                           tcp_port=port, timeout=2, tries=1, loop=loop)
    results = checker.check(ips[0]) if len(ips) == 1 else checker.bulk_check(ips)
""")

REPLAY = textwrap.dedent("""
    import socket, sys, selectors, dns.message
    port, waves = int(sys.argv[1]), [w.split(";") for w in sys.argv[2:]]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); sock.setblocking(False)
    sel = selectors.DefaultSelector(); sel.register(sock, selectors.EVENT_READ)
    for wave in waves:
        pending = set()
        for i, q in enumerate(wave):
            name, rdtype = q.split(" ")
            msg = dns.message.make_query(name, rdtype); msg.id = i
            sock.sendto(msg.to_wire(), ("127.0.0.1", port)); pending.add(i)
        while pending and sel.select(timeout=5):
            data = sock.recv(65535)
            pending.discard(dns.message.from_wire(data, ignore_trailing=True).id)
""")


def ensure_peer(venv: Path) -> Path:
    """pydnsbl in its own virtual environment (built once, pinned)."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"building the peer's environment in {venv} ({', '.join(PEER_PINS)}) …",
              file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        *PEER_PINS], check=True)
    return python


def default_zones() -> list[str]:
    """The IPv4 lists preflight queries by default (what pydnsbl is given too)."""
    from preflight.data.catalogue import Requirement
    from preflight.data.loader import load_catalogue

    return [z.zone for z in load_catalogue().enabled()
            if Requirement.KEY not in z.requires and z.supports("ipv4")]


def waves_of(log: list[tuple[str, str]]) -> list[str]:
    """The distinct questions of one run, in arrival order, as two equal waves."""
    seen: dict[str, None] = {}
    for name, rdtype in log:
        seen.setdefault(f"{name} {rdtype}")
    questions = list(seen)
    half = (len(questions) + 1) // 2
    return [";".join(questions[:half]), ";".join(questions[half:])]


# -- the run --------------------------------------------------------------------------------------

def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def machine_line() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"machine: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; load average before the run {load}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency", type=float, nargs="+", default=[0.0, 0.1],
                        help="seconds added to every lab answer (several: one table each)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--peer-venv", type=Path, default=Path(".bench") / "pydnsbl-venv")
    parser.add_argument("--neighbourhood", action="store_true",
                        help="also compare --neighbourhood with pydnsbl's bulk_check of the /24")
    parser.add_argument("--baseline", type=Path, metavar="PYTHON",
                        help="also time the preflight installed beside this interpreter (another "
                             "venv, e.g. the previous commit) as a contender in the same run")
    args = parser.parse_args()

    peer = ensure_peer(args.peer_venv)
    zones = default_zones()
    print(machine_line())
    print(f"lists given to both: {len(zones)}; median of {args.repeat}\n")
    lab = Lab(args.latency[0])
    try:
        # One untimed warm-up: fills the OS page cache and records the questions to replay.
        timed(preflight_cmd(lab.port), lab)
        waves = waves_of(lab.ask("log"))  # type: ignore[arg-type]
        floor = {}
        for latency in args.latency:
            lab.ask(("latency", latency))
            contenders = {
                "preflight check (whole process)": preflight_cmd(lab.port),
                "pydnsbl, one IP (process)": [str(peer), "-c", PYDNSBL_ONE, str(lab.port),
                                              DEMO_IP, ",".join(zones)],
                "ideal two-wave replay (process)": [sys.executable, "-c", REPLAY,
                                                    str(lab.port), *waves],
            }
            if args.baseline:
                contenders["baseline preflight check (whole process)"] = preflight_cmd(
                    lab.port, python=str(args.baseline))
            if args.neighbourhood:
                net = DEMO_IP.rsplit(".", 1)[0]
                contenders["preflight --neighbourhood"] = preflight_cmd(lab.port, "--neighbourhood")
                if args.baseline:
                    contenders["baseline preflight --neighbourhood"] = preflight_cmd(
                        lab.port, "--neighbourhood", python=str(args.baseline))
                contenders["pydnsbl bulk_check of the /24"] = [
                    str(peer), "-c", PYDNSBL_ONE, str(lab.port),
                    ",".join(f"{net}.{i}" for i in range(256)), ",".join(zones)]
            samples = {name: Sample() for name in contenders}
            for _ in range(args.repeat):
                for name, cmd in contenders.items():
                    wall, cpu, queries = timed(cmd, lab)
                    samples[name].wall.append(wall)
                    samples[name].cpu.append(cpu)
                    samples[name].queries.append(queries)
            print(f"### {latency * 1000:.0f} ms per answer\n")
            print("| contender | queries | wall (median) | CPU per query | queries/s |")
            print("|---|---:|---:|---:|---:|")
            for name, s in samples.items():
                q = int(statistics.median(s.queries))
                per_query = statistics.median(s.cpu) / q * 1000 if q else float("nan")
                rate = q / statistics.median(s.wall)
                print(f"| {name} | {q} | {median_ms(s.wall):.0f} ms | {per_query:.2f} ms "
                      f"| {rate:,.0f} |")
            whole = median_ms(samples["preflight check (whole process)"].wall)
            peer_ms = median_ms(samples["pydnsbl, one IP (process)"].wall)
            replay = median_ms(samples["ideal two-wave replay (process)"].wall)
            floor[latency] = whole
            print(f"\nwhole check / pydnsbl one IP: {whole / peer_ms:.2f}×; "
                  f"whole check / ideal replay: {whole / replay:.2f}×")
            base = args.latency[0]
            if latency > base:
                added = (whole - floor[base]) / ((latency - base) * 1000)
                print(f"added by {latency * 1000:.0f} ms RTT over {base * 1000:.0f} ms: "
                      f"{whole - floor[base]:.0f} ms = {added:.1f} RTT")
            print()
    finally:
        lab.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
