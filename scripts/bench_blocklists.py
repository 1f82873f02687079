#!/usr/bin/env python3
"""Benchmark the blocklist stage against the lab DNS server with a per-query latency.

A child process runs the lab DNS server (so its CPU is not the client's) serving a stand-in for
every active catalogue list that needs no key, plus Team Cymru data; every answer is delayed by
``--latency`` seconds, like a remote resolver. The client measures, each as the median of
``--repeat`` runs with a fresh DnsClient:

* stage 1 for one IP: every list's RFC 5782 self-test and the IP on every list, one batch;
* the whole family for one clean IP, and for one IP listed on two lists (TXT reasons, AS name);
* one IP when one list never answers (costs one timeout, not one per query);
* the /24 neighbourhood of one IP on every block list;
* a naive sequential loop over the same questions as stage 1 (what a simple checker does);
* the client's CPU per query (this process's user+system time, the server being another
  process) for one batch of ``--cpu-queries`` neighbourhood questions (NXDOMAIN answers, the
  common case) — the figure the peer comparison in ``bench_whole.py`` is about.

    python scripts/bench_blocklists.py [--latency 0.05] [--repeat 5] [--timeout 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CLEAN_IP = "203.0.113.25"
LISTED_IP = "203.0.113.99"
LISTED_ON = ("spamcop", "psbl")
DEAD_ZONE = "s5h"


def serve(latency: float, ready: multiprocessing.connection.Connection,
          stop: multiprocessing.synchronize.Event) -> None:  # pragma: no cover - child process
    """Child: the lab server with stand-ins for the whole catalogue."""
    import dns.name
    import dns.rdata

    from preflight.checks.blocklists.queries import label_of
    from preflight.data.catalogue import Requirement
    from preflight.data.loader import load_catalogue
    from preflight.lab.blocklists import listing_code, standin_zone
    from preflight.lab.dnsserver import LabDnsServer
    from preflight.lab.environment import zones_dir

    server = LabDnsServer([zones_dir() / "asn.cymru.com.zone"], latency=latency, log_queries=False)
    for zone in load_catalogue().active():
        if Requirement.KEY in zone.requires:
            continue
        built = standin_zone(zone)
        code = listing_code(zone)
        if zone.id in LISTED_ON and code:
            owner = dns.name.from_text(label_of(LISTED_IP), built.origin)
            rdataset = built.find_rdataset(owner, "A", create=True)
            rdataset.add(dns.rdata.from_text("IN", "A", code), 300)
            txt = built.find_rdataset(owner, "TXT", create=True)
            txt.add(dns.rdata.from_text("IN", "TXT", '"listed for the benchmark"'), 300)
        server.add_zone(built)
    server.add_fault(load_catalogue().by_id(DEAD_ZONE).zone, "timeout", suffix=True)
    with server:
        ready.send(server.port)
        stop.wait()


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every answer")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=1.0, help="DNS timeout of the client")
    parser.add_argument("--cpu-queries", type=int, default=2048,
                        help="questions in the batch whose client CPU per query is measured")
    args = parser.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())

    from preflight.checks.blocklists import family
    from preflight.checks.blocklists.collect import BATCH_LIMIT, collect
    from preflight.checks.blocklists.plan import build_plan
    from preflight.checks.blocklists.settings import BlocklistSettings
    from preflight.config import RunConfig, Target, parse_ip
    from preflight.data.catalogue import Requirement, ZoneKind
    from preflight.data.loader import load_catalogue
    from preflight.engine import RunContext
    from preflight.net.dns import DnsClient, DnsConfig, DnsError, Nameserver

    catalogue = load_catalogue()
    every = tuple(z for z in catalogue.active() if Requirement.KEY not in z.requires)
    alive = tuple(z for z in every if z.id != DEAD_ZONE)
    blocks = tuple(z for z in alive if z.kind in (ZoneKind.BLOCK, ZoneKind.POLICY,
                                                   ZoneKind.COLLATERAL) and z.supports("ipv4"))

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    stop = ctx.Event()
    proc = ctx.Process(target=serve, args=(args.latency, child, stop), daemon=True)
    proc.start()
    port = parent.recv()
    dns_config = DnsConfig((Nameserver("127.0.0.1", port),), timeout=args.timeout, retries=0)

    def client() -> DnsClient:
        return DnsClient(dns_config)

    def settings(zones: tuple, **options: object) -> BlocklistSettings:
        return BlocklistSettings(zones=zones, **options)  # type: ignore[arg-type]

    def run_family(ip: str, zones: tuple, **options: object) -> None:
        config = RunConfig(Target(ips=(parse_ip(ip),)), dns=dns_config,
                           settings=(settings(zones, **options),))
        family.run(RunContext(config, client(), datetime.now(timezone.utc)))

    stage_plan = build_plan(catalogue, settings(alive), ips=[CLEAN_IP])
    stage_questions = [q.key for q in stage_plan.probes()] + \
        [q.key for _, _, q in stage_plan.lookups(stage_plan.ips)]

    def stage_one() -> None:
        asyncio.run(client().agather(stage_questions, limit=BATCH_LIMIT))

    def sequential() -> None:
        dns = client()
        for name, rdtype in stage_questions:
            try:
                dns.query(name, rdtype)
            except DnsError:
                pass

    hood_plan = build_plan(catalogue, settings(blocks, neighbourhood=True), ips=[CLEAN_IP])

    def neighbourhood() -> None:
        collect(client(), hood_plan, catalogue)

    hood_refs = hood_plan.neighbour_refs(hood_plan.health({}))
    cpu_questions = [(f"{i}.{j}.0.203.{ref.base}", "A") for j in range(113, 256)
                     for i in range(1, 255) for ref in hood_refs][:args.cpu_queries]

    def client_cpu() -> float:
        asyncio.run(client().agather(cpu_questions[:BATCH_LIMIT], limit=BATCH_LIMIT))  # warm
        spent = []
        for _ in range(args.repeat):
            dns = client()
            began = time.process_time()
            asyncio.run(dns.agather(cpu_questions, limit=BATCH_LIMIT))
            spent.append(time.process_time() - began)
        return statistics.median(spent) / len(cpu_questions)

    per_query = client_cpu()
    rows = [
        ("stage 1: one IP, every list, with self-tests", len(stage_questions),
         median_time(stage_one, args.repeat)),
        ("family: one clean IP (+ Team Cymru AS name)", None,
         median_time(lambda: run_family(CLEAN_IP, alive), args.repeat)),
        ("family: one IP listed on 2 lists (+ TXT reasons)", None,
         median_time(lambda: run_family(LISTED_IP, alive), args.repeat)),
        (f"family: one clean IP, one list dead ({DEAD_ZONE}, timeout {args.timeout:g} s)", None,
         median_time(lambda: run_family(CLEAN_IP, every), args.repeat)),
        ("neighbourhood: the /24 on every block list",
         len(hood_plan.neighbourhood_questions(hood_plan.health({}))),
         median_time(neighbourhood, max(1, args.repeat // 2))),
        ("naive sequential loop, same questions as stage 1", len(stage_questions),
         median_time(sequential, 1)),
    ]
    stop.set()
    proc.join(5)

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"# preflight blocklist benchmark — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}")
    print(f"lab latency {args.latency * 1000:g} ms per answer, client timeout {args.timeout:g} s, "
          f"batch limit {BATCH_LIMIT}, {len(every)} lists served, median of {args.repeat}; "
          f"load average before the run {load}")
    print()
    print("| measurement | queries | wall time | in round trips |")
    print("|---|---:|---:|---:|")
    for name, queries, seconds in rows:
        trips = f"{seconds / args.latency:.1f}" if args.latency else "–"
        shown = "" if queries is None else str(queries)
        print(f"| {name} | {shown} | {seconds * 1000:.0f} ms | {trips} |")
    print()
    print(f"client CPU per query, one batch of {len(cpu_questions)} neighbourhood questions "
          f"(NXDOMAIN), median of {args.repeat}: {per_query * 1000:.3f} ms")


if __name__ == "__main__":
    main()
