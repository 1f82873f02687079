"""Oracle: the official OpenSPF test suites through preflight's own SPF path and DNS layer.

Every applicable mail-from test of the RFC 7208 and RFC 4408 suites runs ``spf.collect`` (our
DnsClient, our pyspf bridge, checkdmarc on our resolver) against one lab DNS server serving the
scenario's zonedata over loopback. A test matches when preflight's RFC 7208 result for the IP is
one of the results the suite accepts and, where the suite names an explanation (shown as
evidence of a fail), the explanation is that one (``DEFAULT``: pyspf's own). Differences preflight
keeps on purpose are listed in ``BY_DESIGN`` and in the README, asserted to stay as documented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import spf as pyspf

from checks.openspf_suite import Case, ScenarioServer, applicable, load
from preflight.checks import spf
from preflight.lab.dnsserver import LabDnsServer
from preflight.net.dns import DnsClient, DnsConfig, DnsError, Nameserver

README = Path(__file__).resolve().parents[2] / "README.md"
TIMEOUT = 0.5
"""Seconds per lab query: the lab answers in milliseconds; TIMEOUT names never answer."""

_LOCAL_PART = ("the sender is postmaster@<domain>: %{l} macros see 'postmaster', "
               "not the suite's local part")
BY_DESIGN: dict[str, tuple[str, str]] = {
    # key: (preflight's result, reason) — also listed in the README
    "rfc7208:macro-reverse-split-on-dash": ("neutral", _LOCAL_PART),
    "rfc7208:macro-multiple-delimiters": ("neutral", _LOCAL_PART),
    "rfc4408:macro-reverse-split-on-dash": ("neutral", _LOCAL_PART),
    "rfc4408:macro-multiple-delimiters": ("neutral", _LOCAL_PART),
    # the result matches; the explanation text expands %{l} (see above)
    "rfc7208:dorky-sentinel": ("fail", _LOCAL_PART),
    "rfc7208:upper-macro": ("fail", _LOCAL_PART),
    "rfc4408:dorky-sentinel": ("fail", _LOCAL_PART),
    "rfc4408:upper-macro": ("fail", _LOCAL_PART),
}

CASES = {suite: [c for c in applicable(load(suite))] for suite in ("rfc7208", "rfc4408")}
ALL = [c for cases in CASES.values() for c in cases]


Verdict = tuple[str, str, str, str]
"""(check_host result, spf.record outcome, spf.lookups outcome, explanation)."""


def rfc_result(client: DnsClient, case: Case) -> Verdict:
    """preflight's RFC 7208 result for the case's IP, its spf.record and spf.lookups outcomes."""
    assert case.domain is not None
    facts = spf.collect(client, case.domain, (case.host,), helo=case.helo or None)
    if isinstance(facts.txt, DnsError):
        return "temperror", "error", "error", ""
    ((_ip, result, explanation),) = facts.check_host
    outcomes = {r.check_id: r.outcome for r in spf.evaluate(facts)}
    return result, outcomes["spf.record"], outcomes.get("spf.lookups", "-"), explanation


def matches(case: Case, verdict: Verdict) -> bool:
    """The suite's answer: an accepted result and, when named, the explanation."""
    result, explanation = verdict[0], verdict[3]
    if result not in case.expected:
        return False
    if case.explanation is None:
        return True
    wanted = pyspf.EXPLANATIONS.get(result) if case.explanation == "DEFAULT" else case.explanation
    return explanation == wanted


@pytest.fixture(scope="module")
def verdicts() -> Iterator[dict[str, Verdict]]:
    """Run every applicable case once, scenario by scenario, on one lab DNS server."""
    with LabDnsServer(log_queries=False) as server:
        scenarios = ScenarioServer(server)
        host, port = server.address
        out: dict[str, Verdict] = {}
        for case in ALL:
            scenarios.serve(case.scenario)
            client = DnsClient(DnsConfig((Nameserver(host, port),), timeout=TIMEOUT, retries=0))
            out[case.key] = rfc_result(client, case)
        yield out


@pytest.mark.parametrize("case", ALL, ids=lambda c: c.key)
def test_openspf_case(verdicts: dict[str, Verdict], case: Case) -> None:
    verdict = verdicts[case.key]
    if case.key in BY_DESIGN:
        documented, reason = BY_DESIGN[case.key]
        assert verdict[0] == documented, f"by design ({reason}), expected {documented}"
        assert not matches(case, verdict)
        return
    assert matches(case, verdict), (
        f"{case.key} (spec {case.spec}): {verdict[0]} / {verdict[3]!r}, suite says "
        f"{case.expected} / {case.explanation!r}")


@pytest.mark.parametrize("suite", ["rfc7208", "rfc4408"])
def test_readme_states_the_suite_result(verdicts: dict[str, Verdict], suite: str) -> None:
    cases = CASES[suite]
    matched = sum(matches(c, verdicts[c.key]) for c in cases)
    label = {"rfc7208": "RFC 7208", "rfc4408": "RFC 4408"}[suite]
    stated = re.search(rf"OpenSPF {label}: (\d+) of (\d+)", README.read_text(encoding="utf-8"))
    assert stated, f"README must state 'OpenSPF {label}: N of M'"
    assert (int(stated.group(1)), int(stated.group(2))) == (matched, len(cases))


def test_by_design_cases_are_listed_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    for key in BY_DESIGN:
        assert f"`{key.split(':', 1)[1]}`" in text, key


def test_spf_record_is_invalid_only_where_the_suite_says_permerror(
    verdicts: dict[str, Verdict],
) -> None:
    # The spf.record grammar verdict is an oracle claim too: "invalid" means receivers permerror.
    wrong = [(c.key, c.expected) for c in ALL
             if verdicts[c.key][1] == "invalid" and "permerror" not in c.expected]
    assert wrong == []


def test_every_permerror_of_the_suite_is_flagged_by_record_or_lookups(
    verdicts: dict[str, Verdict],
) -> None:
    # Where receivers can only answer permerror, spf.record or spf.lookups must not both pass.
    passing = {("valid", "within_limits"), ("pass_all", "within_limits"), ("ptr", "within_limits")}
    missed = [c.key for c in ALL if c.expected == ("permerror",)
              and verdicts[c.key][0] != "temperror" and verdicts[c.key][1:] in passing]
    assert missed == []
