"""Fixtures of the partner-impact tests: run the family against the lab DNS with a plan policy.

The lab serves tests/zones/partners.test.zone (partner domains, stand-in DNSBLs under
rbl.partners.test) and 7.19.198.in-addr.arpa.zone (their reverse DNS).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from conftest import FIXED_NOW, make_config

from preflight.checks.partners.collect import collect
from preflight.checks.partners.family import assemble
from preflight.checks.partners.settings import PartnerSettings, parse_server_rbls, with_settings
from preflight.data.catalogue import Catalogue
from preflight.data.loader import load_catalogue
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import CheckResult, FamilyOutput, Status
from preflight.net.dns import DnsClient
from preflight.engine import RunContext

NEW_IP = "198.51.100.42"
RBL = "rbl.partners.test"

Run = Callable[..., FamilyOutput]


def run_partners(server: LabDnsServer, lines: Sequence[str], *, domains: Sequence[str] = (),
                 ips: Sequence[str] = (), catalogue: Catalogue | None = None, timeout: float = 0.5) -> FamilyOutput:
    """The partners family on the lab, predicting with ``lines`` as the plan's server_rbls."""
    settings = PartnerSettings(domains=tuple(domains), ips=tuple(ips), plan_policy=parse_server_rbls(lines))
    config = with_settings(make_config(server, ips=(NEW_IP,), timeout=timeout), settings)
    ctx = RunContext(config, DnsClient(config.dns), FIXED_NOW)
    return assemble(collect(ctx, settings, catalogue or load_catalogue()), settings)


@pytest.fixture()
def partners_run(dns_server: LabDnsServer) -> Run:
    """``partners_run(lines, domains=..., ips=...)`` against the lab (faults cleared per test)."""

    def run(lines: Sequence[str], **kwargs: object) -> FamilyOutput:
        return run_partners(dns_server, lines, **kwargs)  # type: ignore[arg-type]

    return run


def find(results: Sequence[CheckResult], check_id: str, subject: str | None = None) -> CheckResult:
    """The one result of ``check_id`` (about ``subject``)."""
    found = [r for r in results if r.check_id == check_id and (subject is None or r.subject == subject)]
    assert len(found) == 1, "\n".join(f"{r.check_id} [{r.subject}] {r.outcome}" for r in results)
    return found[0]


def verdicts(output: FamilyOutput) -> dict[str, tuple[str, Status]]:
    """``{subject: (outcome, status)}`` of the partners.rejected results."""
    return {r.subject: (r.outcome, r.status) for r in output.results if r.check_id == "partners.rejected"}
