"""Fixtures of the DNS check tests: lab clients and contexts, and the outcome recorder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import FIXED_NOW, make_config

from checks.support import COVERAGE_MODULE, OutcomeRecorder
from preflight.engine import RunContext
from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import DnsClient, DnsConfig, Nameserver

COLLECTED = pytest.StashKey[list[str]]()
"""Node ids of the family tests collected in this run, before -k / --deselect."""


@pytest.fixture(scope="session")
def outcome_recorder() -> OutcomeRecorder:
    """The session's recorder: family tests feed it, the coverage test reads it."""
    return OutcomeRecorder()


@pytest.fixture()
def outcomes(outcome_recorder: OutcomeRecorder) -> OutcomeRecorder:
    """Assert results with ``outcomes.expect(results, check_id, outcome, status, **params)``."""
    return outcome_recorder


@pytest.fixture(autouse=True)
def _fresh_checkdmarc_cache() -> Iterator[None]:
    """Empty checkdmarc's process-wide DNS cache around each test.

    checkdmarc remembers answers per name for the whole process, whatever resolver asked; a
    fault a test injects must not be hidden by an answer an earlier test left behind.
    """
    import checkdmarc  # noqa: F401 - the package before a submodule (an earlier test's preload
    from checkdmarc.utils import DNS_CACHE  # thread may be importing it: see mta_sts.evaluate)

    DNS_CACHE.clear()
    yield
    DNS_CACHE.clear()


@pytest.fixture()
def client_for(dns_server: LabDnsServer) -> Callable[..., DnsClient]:
    """Build a fresh DnsClient (empty memo) on the lab with a chosen timeout, no retries."""

    def build(timeout: float = 0.5, retries: int = 0) -> DnsClient:
        host, port = dns_server.address
        return DnsClient(DnsConfig((Nameserver(host, port),), timeout=timeout, retries=retries))

    return build


@pytest.fixture()
def context_for(dns_server: LabDnsServer) -> Callable[..., RunContext]:
    """Build the RunContext a family's ``run(ctx)`` gets, from make_config() arguments."""

    def build(**kwargs: object) -> RunContext:
        config = make_config(dns_server, **kwargs)  # type: ignore[arg-type]
        return RunContext(config, DnsClient(config.dns), FIXED_NOW)

    return build


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Remember the family tests collected (before deselection) and run the coverage test last."""
    config.stash[COLLECTED] = [i.nodeid for i in items if _under_checks(i)]
    last = [i for i in items if _under_checks(i) and i.path.name == COVERAGE_MODULE]
    items[:] = [i for i in items if i not in last] + last


def _under_checks(item: pytest.Item) -> bool:
    here = Path(__file__).resolve().parent
    return here == item.path.resolve().parent or here in item.path.resolve().parents
