"""A dead resolver costs a run one timeout, not two: once the probe finds it silent, the early
families' questions already on the wire stop waiting (tests/net/test_dns_silence.py for each
face of the DNS client).

Proved without timing: the resolver refuses the probe's questions only once the early families'
first questions are on the wire, and never answers those; the run must end long before their
one-minute timeout (the bound is a third of it, and 100x what the run needs).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from datetime import datetime, timezone

import dns.message
import dns.rcode
import dns.rdatatype

from preflight.checks.mta_sts.settings import TransportSettings
from preflight.engine import runner
from preflight.engine.runconfig import RunConfig, Target
from preflight.model import Report
from preflight.net.dns import DnsConfig, Nameserver
from preflight.registry import FAMILIES

TIMEOUT = 60.0
BOUND = TIMEOUT / 3
FIXED = datetime(2026, 12, 7, tzinfo=timezone.utc)
PROBE = {". NS", "mx.good.test A", "good.test MX", "10.2.0.192.in-addr.arpa PTR"}
"""The probe's questions for the config below (runner.probe_questions)."""
EARLY = {"_dmarc.good.test TXT", "_25._tcp.mx.good.test TLSA", "good.test TXT"}
"""First questions of dmarc (sync), dane (a batch) and spf (sync)."""


class DeadGate:
    """A resolver that never answers the early families' questions and refuses the probe's —
    but only once all of ``EARLY`` are waiting (or ``BOUND`` passed): the probe finds it dead
    while the families' questions are on the wire."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.waiting: set[str] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _serve(self) -> None:
        held: list[tuple[dns.message.Message, tuple[str, int]]] = []
        start = time.monotonic()
        while not self.stop.is_set():
            try:
                wire, peer = self.sock.recvfrom(4096)
                query = dns.message.from_wire(wire)
                question = query.question[0]
                asked = (f"{question.name.to_text().lower().rstrip('.') or '.'} "
                         f"{dns.rdatatype.to_text(question.rdtype)}")
                self.waiting.add(asked)
                if asked in PROBE:
                    held.append((query, peer))
            except OSError:
                pass
            if EARLY <= self.waiting or time.monotonic() - start > BOUND:
                for query, peer in held:
                    reply = dns.message.make_response(query)
                    reply.set_rcode(dns.rcode.REFUSED)
                    self.sock.sendto(reply.to_wire(), peer)
                held.clear()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def test_a_dead_resolver_stops_the_early_families_questions_on_the_wire() -> None:
    # Given a resolver that refuses the probe's questions once the early families' first
    # questions wait, and never answers those; a client that would wait a minute for each
    gate = DeadGate()
    config = RunConfig(
        Target(ips=(ipaddress.ip_address("192.0.2.10"),), hostname="mx.good.test",
               domains=("good.test",)),
        DnsConfig((Nameserver("127.0.0.1", gate.port),), timeout=TIMEOUT, retries=1),
        settings=(TransportSettings(),))
    families = [f for f in FAMILIES if f.name in ("dmarc", "dane", "spf")]
    reports: list[Report] = []
    run = threading.Thread(target=lambda: reports.append(runner.run(config, families=families,
                                                                    now=FIXED)), daemon=True)
    try:
        # When the run starts
        run.start()
        run.join(BOUND)
        # Then the families' questions were on the wire when the probe found the resolver dead
        assert EARLY <= gate.waiting
    finally:
        gate.close()
    # and the run did not wait for their answers: it ended with the one dns.resolver result
    assert not run.is_alive(), "the run waited out the early families' timeouts"
    (report,) = reports
    assert [(r.check_id, r.status.value) for r in report.results] == [("dns.resolver", "error")]
    assert report.results[0].params["reason"] == "refused"
