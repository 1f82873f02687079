#!/usr/bin/env python3
"""Benchmark: how fast `preflight --help` starts, and which heavy modules it imports.

Usage: .venv/bin/python scripts/bench_startup.py [--runs N]
Prints the median wall time of `preflight --help` and `preflight --version` over N runs, and
fails (exit 1) if importing preflight.cli pulls in a heavy module (dnspython, Jinja2,
checkdmarc, paramiko, cryptography, pyspf, aiosmtpd, rich).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("dns", "jinja2", "checkdmarc", "paramiko", "cryptography", "spf", "aiosmtpd", "rich")


def timed(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    exe = shutil.which("preflight", path=str(Path(sys.executable).parent)) or "preflight"
    probe = ("import sys, preflight.cli; "
             f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    loaded = subprocess.check_output([sys.executable, "-c", probe], text=True).strip()
    print(f"preflight --help     median {timed([exe, '--help'], args.runs) * 1000:7.1f} ms")
    print(f"preflight --version  median {timed([exe, '--version'], args.runs) * 1000:7.1f} ms")
    print(f"python -c pass       median {timed([sys.executable, '-c', 'pass'], args.runs) * 1000:7.1f} ms")
    if loaded:
        print(f"heavy modules imported at start-up: {loaded}")
        return 1
    print("heavy modules imported at start-up: none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
