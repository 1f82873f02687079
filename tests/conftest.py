"""Shared fixtures: the embedded lab's DNS server on loopback, and run helpers.

Tests talk to real servers over real sockets on 127.0.0.1 / ::1 only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from preflight.config import RunConfig, Target
from preflight.lab.dnsserver import LabDnsServer
from preflight.lab.environment import lab_dns
from preflight.net.dns import DnsClient, DnsConfig, Nameserver

TESTS = Path(__file__).resolve().parent
TEST_ZONES = TESTS / "zones"
FIXED_NOW = datetime(2026, 11, 29, 9, 0, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def lab() -> Iterator[LabDnsServer]:
    """The lab DNS server (examples/lab + tests/zones), shared by the session; faults cleared per test."""
    with lab_dns(extra_dirs=[TEST_ZONES]) as server:
        yield server


@pytest.fixture()
def dns_server(lab: LabDnsServer) -> Iterator[LabDnsServer]:
    """The lab server with a clean fault list for this test."""
    lab.clear_faults()
    yield lab
    lab.clear_faults()


@pytest.fixture(autouse=True)
def _english_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests expect English unless they ask for another language: a Japanese locale (or
    PREFLIGHT_LANG) on the machine running the tests must not change what they see."""
    for name in ("PREFLIGHT_LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture(scope="session")
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("preflight-cache") / "cache"


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch: pytest.MonkeyPatch, _session_cache: Path) -> None:
    """The test run keeps its catalogues and compiled templates in a cache of its own
    (``PREFLIGHT_CACHE_DIR``, also seen by the programs tests start): never the user's, and the
    package copies some tests build leave nothing behind there."""
    monkeypatch.setenv("PREFLIGHT_CACHE_DIR", str(_session_cache))


def ns(server: LabDnsServer) -> str:
    """The lab server as a ``--nameserver`` value, ``HOST:PORT``."""
    host, port = server.address
    return f"{host}:{port}"


def lab_nameserver(server: LabDnsServer) -> Nameserver:
    host, port = server.address
    return Nameserver(host, port)


@pytest.fixture()
def dns_client(dns_server: LabDnsServer) -> DnsClient:
    """A fresh DnsClient (empty memo) on the lab server, short timeouts."""
    return DnsClient(DnsConfig(nameservers=(lab_nameserver(dns_server),), timeout=0.5, retries=0))


def make_config(server: LabDnsServer, *, ips: tuple[str, ...], hostname: str | None = None,
                domains: tuple[str, ...] = (), selectors: tuple[str, ...] = (),
                timeout: float = 0.5, settings: tuple[object, ...] = (), **named: object) -> RunConfig:
    """A RunConfig aimed at the lab server, with the families' settings objects (``settings``, or
    named for readability: ``smtp=SmtpSettings(...)``; the names are only labels)."""
    return RunConfig(
        target=Target(
            ips=tuple(ipaddress.ip_address(i) for i in ips),
            hostname=hostname,
            domains=domains,
            dkim_selectors=selectors,
        ),
        dns=DnsConfig(nameservers=(lab_nameserver(server),), timeout=timeout, retries=0),
        settings=(*settings, *named.values()),
    )


# -- loopback only -----------------------------------------------------------------------------
# An audit hook (not a mock: it only watches) that stops any test from sending a packet or
# opening a connection to an address other than loopback. Names are resolved by the code
# under test through its own configured resolver (the lab), never the system's.

def _loopback_only(event: str, args: tuple[object, ...]) -> None:
    if event not in ("socket.connect", "socket.sendto"):
        return
    address = args[1] if len(args) > 1 else None
    if not isinstance(address, tuple) or not address:
        return  # AF_UNIX paths and the like
    host = str(address[0])
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        raise PermissionError(f"tests may only connect to loopback addresses, not {host!r}") from None
    if not ip.is_loopback:
        raise PermissionError(f"tests may only connect to loopback addresses, not {host}")


import sys as _sys  # noqa: E402

_sys.addaudithook(_loopback_only)


def require(condition: bool, reason: str) -> None:
    """Skip when a test prerequisite (sshd, chromium, ...) is missing — but fail under CI.

    .ci/run sets PREFLIGHT_REQUIRE_ALL=1, so CI can never pass by skipping real-server tests.
    """
    import os

    if condition:
        return
    if os.environ.get("PREFLIGHT_REQUIRE_ALL") == "1":
        pytest.fail(f"test prerequisite missing under PREFLIGHT_REQUIRE_ALL: {reason}")
    pytest.skip(reason)
