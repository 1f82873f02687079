"""A private Postfix, its DNS and its clients inside a private network namespace (test oracle).

Run as root by the oracle tests, never on its own::

    unshare --mount --net python tests/servers/postfix_ns.py SPEC.json

Inside the fresh namespaces (nothing of the host's network or mounts is touched, and everything
ends with this process): ``lo`` comes up with the server's and the partners' addresses, a lab DNS
server answers on 127.0.0.1:53 from the spec's zone files (with its faults), ``/etc/resolv.conf``
is bind-mounted (in this mount namespace only) to point at it, and a Postfix instance with its own
config, queue and data directories (delivery: discard) starts with one smtpd or postscreen service
per case. Each probe connects from its partner address, speaks EHLO/MAIL/RCPT/DATA and records the
first reply that is not 2xx/354 (or 250 after the message). The results go to stdout as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from preflight.lab.dnsserver import LabDnsServer

SMTP_TIMEOUT = 30.0  # Postfix waits at most a few seconds here (DNS timeout:1 attempts:1, greet wait 2s)
READY_TIMEOUT = 60.0
WATCHDOG_SECONDS = int(os.environ.get("PREFLIGHT_ORACLE_WATCHDOG", "480"))
"""The whole run's bound (about 1 minute on a loaded 2-core machine): past it this process stops
its Postfix and exits, before the caller's own bound (600s) kills it."""


class Watchdog(Exception):
    """The run took longer than :data:`WATCHDOG_SECONDS`."""


def _expired(signum: int, frame: object) -> None:
    raise Watchdog(f"the oracle run exceeded {WATCHDOG_SECONDS}s")


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def network(addresses: list[str]) -> None:
    run("ip", "link", "set", "lo", "up")
    for address in addresses:
        prefix = "128" if ":" in address else "32"
        extra = ["nodad"] if ":" in address else []
        done = run("ip", "addr", "add", f"{address}/{prefix}", "dev", "lo", *extra)
        if done.returncode != 0:
            raise SystemExit(f"ip addr add {address}: {done.stderr.strip()}")


def quiet_syslog() -> None:
    """Keep this Postfix out of the machine's log: /dev/log is /dev/null in this mount namespace."""
    if os.path.exists("/dev/log"):
        run("mount", "--bind", "/dev/null", "/dev/log")


def resolver(work: Path) -> None:
    conf = work / "resolv.conf"
    conf.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    done = run("mount", "--bind", str(conf), "/etc/resolv.conf")
    if done.returncode != 0:
        raise SystemExit(f"mount --bind resolv.conf: {done.stderr.strip()}")


def postfix(work: Path, main: str, master: str) -> Path:
    etc, queue, data = work / "pf" / "etc", work / "pf" / "queue", work / "pf" / "data"
    for path in (etc, queue, data):
        path.mkdir(parents=True, exist_ok=True)
    shutil.chown(data, "postfix")
    # Postfix's own log file needs the postlogd service: one process every daemon's log lines go
    # through, which a loaded machine can starve into a watchdog exit (and the senders then
    # block). Only when asked (PREFLIGHT_ORACLE_MAILLOG=1); otherwise syslog, hidden below.
    logging = (f"maillog_file = {work}/maillog\nmaillog_file_prefixes = {work}\n"
               if os.environ.get("PREFLIGHT_ORACLE_MAILLOG") == "1" else "")
    (etc / "main.cf").write_text(f"queue_directory = {queue}\ndata_directory = {data}\n{logging}" + main)
    (etc / "master.cf").write_text(master)
    done = run("postfix", "-c", str(etc), "start")
    if done.returncode != 0:
        raise SystemExit(f"postfix start failed: {done.stdout} {done.stderr} {maillog(work)}")
    return etc


def maillog(work: Path) -> str:
    try:
        return (work / "maillog").read_text(errors="replace")[-6000:]
    except OSError:
        return ""


def wait_ready(targets: set[tuple[str, int]]) -> None:
    """Wait for the first service: master opens every listener before it reports ready, and a
    connection to each would start every service's process at once."""
    deadline = time.monotonic() + READY_TIMEOUT
    for host, port in sorted(targets)[:1]:
        while True:
            try:
                socket.create_connection((host, port), timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"Postfix did not listen on {host}:{port}") from None
                time.sleep(0.1)


def probe(item: dict[str, Any]) -> dict[str, Any]:
    """EHLO/MAIL/RCPT/DATA from the partner's address; the first reply that is not 2xx/354."""
    out = {"id": item["id"]}
    client = smtplib.SMTP(timeout=SMTP_TIMEOUT, source_address=(item["client"], 0))
    try:
        code, text = client.connect(item["server"], item["port"])
        steps = [("connect", lambda: (code, text)),
                 ("ehlo", lambda: client.ehlo(item["helo"])),
                 ("mail", lambda: client.mail(item["sender"])),
                 ("rcpt", lambda: client.rcpt(item["rcpt"])),
                 ("data", lambda: client.data(b"Subject: oracle\r\n\r\nhello\r\n"))]
        for step, call in steps:
            try:
                code, text = call()
            except smtplib.SMTPDataError as exc:
                code, text = exc.smtp_code, exc.smtp_error
            if not 200 <= code < 300:
                return {**out, "step": step, "code": code, "text": text.decode(errors="replace")[:300]}
        return {**out, "step": "data", "code": code, "text": text.decode(errors="replace")[:300]}
    except smtplib.SMTPServerDisconnected as exc:
        return {**out, "step": "disconnected", "code": 0, "text": str(exc)[:300]}
    finally:
        try:
            client.close()
        except OSError:
            pass


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    work = Path(spec["work"])
    # The probes' threads block in socket calls; the alarm interrupts the main thread's wait, and
    # the finally below stops Postfix (its master would otherwise outlive this namespace's owner).
    signal.signal(signal.SIGALRM, _expired)
    signal.signal(signal.SIGTERM, _expired)
    signal.alarm(WATCHDOG_SECONDS)
    network(spec["addresses"])
    resolver(work)
    quiet_syslog()
    dns = LabDnsServer.from_directory(spec["zones"], host="127.0.0.1", port=53, log_queries=False)
    for fault in spec["faults"]:
        dns.add_fault(fault["name"], fault["kind"], fault.get("rdtype"), suffix=fault.get("suffix", False))
    dns.start()
    etc = work / "pf" / "etc"
    try:
        postfix(work, spec["main"], spec["master"])
        wait_ready({(p["server"], p["port"]) for p in spec["probes"]})
        pool = ThreadPoolExecutor(max_workers=8)
        try:
            results = list(pool.map(probe, spec["probes"]))
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        json.dump({"results": results, "maillog": maillog(work)}, sys.stdout)
    finally:
        signal.alarm(0)
        if (etc / "main.cf").exists():  # also when the watchdog fired during the start
            run("postfix", "-c", str(etc), "stop")
        dns.stop()


if __name__ == "__main__":
    os.umask(0o022)
    main()
