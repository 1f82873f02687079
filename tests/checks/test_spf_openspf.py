"""Oracle: the official OpenSPF test suites through preflight's own SPF path and DNS layer.

Every applicable mail-from test of the RFC 7208 and RFC 4408 suites runs ``spf.collect`` (our
DnsClient, our pyspf bridge, checkdmarc on our resolver) against one lab DNS server serving the
scenario's zonedata over loopback. A test matches when preflight's RFC 7208 result for the IP is
one of the results the suite accepts. Differences preflight keeps on purpose are listed in
``BY_DESIGN`` and in the README, and asserted to stay exactly as documented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.openspf_suite import Case, ScenarioServer, applicable, load
from preflight.checks import spf
from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import DnsClient, DnsConfig, DnsError, Nameserver

README = Path(__file__).resolve().parents[2] / "README.md"
TIMEOUT = 0.5
"""Seconds per lab query: the lab answers in milliseconds; TIMEOUT names never answer."""

_LOCAL_PART = "the sender is postmaster@<domain>: %{l} macros see 'postmaster', not the suite's local part"
_CNAME_LOOP = "a CNAME loop is a DNS error in our DNS layer (as a recursive resolver's SERVFAIL): could not check"
BY_DESIGN: dict[str, tuple[str, str]] = {
    # key: (preflight's result, reason) — also listed in the README
    "rfc7208:macro-reverse-split-on-dash": ("neutral", _LOCAL_PART),
    "rfc7208:macro-multiple-delimiters": ("neutral", _LOCAL_PART),
    "rfc4408:macro-reverse-split-on-dash": ("neutral", _LOCAL_PART),
    "rfc4408:macro-multiple-delimiters": ("neutral", _LOCAL_PART),
    "rfc7208:ptr-cname-loop": ("temperror", _CNAME_LOOP),
}

CASES = {suite: [c for c in applicable(load(suite))] for suite in ("rfc7208", "rfc4408")}
ALL = [c for cases in CASES.values() for c in cases]


def rfc_result(client: DnsClient, case: Case) -> str:
    """preflight's RFC 7208 result for the case's IP, through ``spf.collect``."""
    assert case.domain is not None
    facts = spf.collect(client, case.domain, (case.host,), helo=case.helo or None)
    if isinstance(facts.txt, DnsError):
        return "temperror"
    ((_ip, result, _explanation),) = facts.check_host
    spf.evaluate(facts)  # the verdicts build from these facts without error
    return result


@pytest.fixture(scope="module")
def results() -> Iterator[dict[str, str]]:
    """Run every applicable case once, scenario by scenario, on one lab DNS server."""
    with LabDnsServer(log_queries=False) as server:
        scenarios = ScenarioServer(server)
        host, port = server.address
        out: dict[str, str] = {}
        for case in ALL:
            scenarios.serve(case.scenario)
            client = DnsClient(DnsConfig((Nameserver(host, port),), timeout=TIMEOUT, retries=0))
            out[case.key] = rfc_result(client, case)
        yield out


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.key)
def test_openspf_case(results: dict[str, str], case: Case) -> None:
    got = results[case.key]
    if case.key in BY_DESIGN:
        documented, reason = BY_DESIGN[case.key]
        assert got == documented, f"by design ({reason}), expected {documented}"
        assert got not in case.expected
        return
    assert got in case.expected, f"{case.key} (spec {case.spec}): {got}, suite says {case.expected}"


@pytest.mark.parametrize("suite", ["rfc7208", "rfc4408"])
def test_readme_states_the_suite_result(results: dict[str, str], suite: str) -> None:
    cases = CASES[suite]
    matched = sum(results[c.key] in c.expected for c in cases)
    label = {"rfc7208": "RFC 7208", "rfc4408": "RFC 4408"}[suite]
    stated = re.search(rf"OpenSPF {label}: (\d+) of (\d+)", README.read_text(encoding="utf-8"))
    assert stated, f"README must state 'OpenSPF {label}: N of M'"
    assert (int(stated.group(1)), int(stated.group(2))) == (matched, len(cases))


def test_by_design_cases_are_listed_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    for key in BY_DESIGN:
        assert f"`{key.split(':', 1)[1]}`" in text, key
