"""Honest verdicts (issue 12): never greener, or redder, than what was checked.

Through the real CLI against loopback lab DNS servers: the scope rule for each missing part, a
dead or refusing resolver, answers that never arrive whole in every family, and ``--nagios``.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from preflight.cli import app
from preflight.lab.dnsserver import FaultKind, LabDnsServer

runner = CliRunner()

# Everything the minimum scope asks for; example.net authorises the new IP (a ready migration).
FULL = {"--ip": "203.0.113.25", "--hostname": "mail.example.com", "--domain": "example.net",
        "--dkim-selector": "s2026"}
SCOPE_ID = {"--hostname": "scope.hostname", "--domain": "scope.domain",
            "--dkim-selector": "scope.dkim_selector"}


def ns(server: LabDnsServer) -> str:
    return f"{server.address[0]}:{server.address[1]}"


def check(server_ns: str, parts: dict[str, str], *extra: str):
    args = ["check", "--timeout", "1", "--no-smtp", "--no-client", "--nameserver", server_ns]
    for flag, value in parts.items():
        args += [flag, value]
    return runner.invoke(app, [*args, *extra])


def test_full_scope_is_ready(dns_server: LabDnsServer) -> None:
    result = check(ns(dns_server), FULL, "--json", "-")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] == "ready"
    assert not [r for r in data["results"] if r["check_id"].startswith("scope.")]


@pytest.mark.parametrize("left_out", [("--hostname",), ("--domain",), ("--dkim-selector",),
                                      ("--domain", "--dkim-selector"),
                                      ("--hostname", "--domain", "--dkim-selector")])
def test_each_missing_part_makes_the_verdict_inconclusive(
    dns_server: LabDnsServer, left_out: tuple[str, ...]
) -> None:
    # Given a run that leaves out part of the minimum scope (and nothing fails)
    parts = {k: v for k, v in FULL.items() if k not in left_out}
    result = check(ns(dns_server), parts, "--json", "-")
    # Then it is inconclusive (exit 3), never "ready"
    assert result.exit_code == 3, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] == "inconclusive"
    # with one explicit "not checked" result per missing part, naming the flag to add
    scope = {r["check_id"]: r for r in data["results"] if r["check_id"].startswith("scope.")}
    assert set(scope) == {SCOPE_ID[flag] for flag in left_out}
    for flag in left_out:
        found = scope[SCOPE_ID[flag]]
        assert found["status"] == "error" and found["params"]["flag"] == flag
        assert flag in found["summary"] and flag in found["remediation"]
    # and one line on stderr saying which flags to add
    line = [x for x in result.stderr.splitlines() if "inconclusive" in x]
    assert len(line) == 1 and all(flag in line[0] for flag in left_out)


def test_the_issue_example_is_no_longer_ready(dns_server: LabDnsServer) -> None:
    # check --ip … --hostname … --no-smtp once said "Ready for cutover: all checks passed"
    result = check(ns(dns_server), {"--ip": "203.0.113.25", "--hostname": "mail.example.com"})
    assert result.exit_code == 3
    assert "--domain" in result.stderr and "--dkim-selector" in result.stderr


def test_a_failure_still_beats_the_scope_rule(dns_server: LabDnsServer) -> None:
    # example.com's SPF misses the new IP: not ready (1), whatever was left out
    result = check(ns(dns_server), {"--ip": "203.0.113.25", "--domain": "example.com"}, "--json", "-")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["verdict"] == "not_ready"


# -- a dead or refusing resolver ---------------------------------------------------------------


@pytest.fixture()
def dead_port() -> Iterator[int]:
    """A loopback UDP port that swallows queries and never answers, with no TCP listener."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def _one_resolver_result(result, tmp: Path, resolver: str, reason: str) -> None:
    assert result.exit_code == 3, result.stderr
    assert f"preflight: resolver {resolver} did not answer ({reason})" in result.stderr.splitlines()
    data = json.loads((tmp / "r.json").read_text())
    assert data["verdict"] == "inconclusive"
    assert [(r["check_id"], r["status"]) for r in data["results"]] == [("dns.resolver", "error")]
    assert data["counts"]["pass"] == 0


def test_dead_resolver_is_one_line_and_one_result(dead_port: int, tmp_path: Path) -> None:
    resolver = f"127.0.0.1:{dead_port}"
    result = check(resolver, FULL, "--json", str(tmp_path / "r.json"))
    _one_resolver_result(result, tmp_path, resolver, "timeout")


def test_refusing_resolver_is_one_line_and_one_result(dns_server: LabDnsServer, tmp_path: Path) -> None:
    # Given a resolver that refuses every question (the root too)
    dns_server.add_fault(".", FaultKind.REFUSED, suffix=True)
    result = check(ns(dns_server), FULL, "--json", str(tmp_path / "r.json"))
    _one_resolver_result(result, tmp_path, ns(dns_server), "refused")


def test_one_unanswered_name_is_not_a_dead_resolver(dns_server: LabDnsServer) -> None:
    # A lame reverse zone times out; the resolver answers everything else: no short cut
    dns_server.add_fault("in-addr.arpa", FaultKind.TIMEOUT, suffix=True)
    result = check(ns(dns_server), FULL, "--json", "-", "--no-blocklists")
    data = json.loads(result.stdout)
    assert not [r for r in data["results"] if r["check_id"] == "dns.resolver"]
    ptr = [r for r in data["results"] if r["check_id"] == "rdns.ptr"]
    assert [r["status"] for r in ptr] == ["error"]
    assert result.exit_code == 3


# -- transport truth in every family ------------------------------------------------------------


@pytest.mark.parametrize("kind", [FaultKind.TRUNCATE_TCP, FaultKind.TCP_CLOSE, FaultKind.GARBAGE,
                                  FaultKind.WRONG_ID])
def test_answers_that_never_arrive_whole_are_could_not_check_everywhere(
    dns_server: LabDnsServer, kind: FaultKind
) -> None:
    # Given every name of the migration answered broken (the root still answers: alive)
    for zone in ("example.com", "example.net", "in-addr.arpa", "ip6.arpa"):
        dns_server.add_fault(zone, kind, suffix=True)
    result = check(ns(dns_server), {**FULL, "--domain": "example.com"}, "--json", "-",
                   "--no-blocklists", "--timeout", "0.5")
    data = json.loads(result.stdout)
    families = ("rdns.", "host.", "spf.", "dkim.", "dmarc.", "mx.", "ttl.")
    judged = [r for r in data["results"] if r["check_id"].startswith(families)]
    assert judged
    # Then nothing is a fact: no NXDOMAIN/NODATA turned into fail or pass, no crash
    assert {r["status"] for r in judged} <= {"error", "skip"}, [
        (r["check_id"], r["outcome"]) for r in judged if r["status"] not in ("error", "skip")]
    assert not [r for r in data["results"] if r["check_id"] == "internal.family"]
    assert result.exit_code == 3
    assert data["verdict"] == "inconclusive"


# -- --nagios ---------------------------------------------------------------------------------

PLUGIN_LINE = re.compile(r"\APREFLIGHT (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+ \| "
                         r"passed=\d+ warnings=\d+ failed=\d+ unknown=\d+( regressions=\d+ unchecked=\d+)?\n\Z")


@pytest.mark.parametrize(("parts", "state", "code"), [
    (FULL, "OK", 0),
    ({**FULL, "--domain": "example.com"}, "CRITICAL", 2),
    ({k: v for k, v in FULL.items() if k != "--dkim-selector"}, "UNKNOWN", 3),
])
def test_check_nagios_prints_one_plugin_line(
    dns_server: LabDnsServer, parts: dict[str, str], state: str, code: int
) -> None:
    result = check(ns(dns_server), parts, "--nagios")
    assert result.exit_code == code, result.stderr
    match = PLUGIN_LINE.match(result.stdout)
    assert match and match.group(1) == state, result.stdout


def test_nagios_and_json_on_stdout_is_a_usage_error(dns_server: LabDnsServer) -> None:
    result = check(ns(dns_server), FULL, "--nagios", "--json", "-")
    assert result.exit_code == 2
    assert "only one output can go to stdout" in result.stderr


# -- names from the network are escaped everywhere -------------------------------------------------


def test_hostile_ptr_name_fails_and_is_escaped_in_every_output(dns_server: LabDnsServer, tmp_path: Path) -> None:
    # Given IPs whose PTR names carry markup and control bytes
    result = runner.invoke(app, [
        "check", "--ip", "192.0.2.45", "--ip", "192.0.2.41", "--hostname", "mx.good.test",
        "--domain", "good.test", "--dkim-selector", "sel1", "--no-smtp", "--no-client", "--no-blocklists",
        "--timeout", "1", "--nameserver", ns(dns_server), "--json", str(tmp_path / "r.json"),
        "--html", str(tmp_path / "r.html"), "--markdown", str(tmp_path / "r.md")])
    # Then rdns.ptr fails for both, and nothing passes on the strength of those names
    assert result.exit_code == 1, result.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    rdns = {(r["check_id"], r["subject"]): r for r in data["results"] if r["check_id"].startswith("rdns.")}
    for ip in ("192.0.2.45", "192.0.2.41"):
        assert (rdns[("rdns.ptr", ip)]["status"], rdns[("rdns.ptr", ip)]["outcome"]) == ("fail", "invalid_name")
        assert all(r["status"] != "pass" for (_, subject), r in rdns.items() if subject == ip)
    # and the markup never reaches HTML or Markdown as markup; control bytes stay escaped
    html, md = (tmp_path / "r.html").read_text(), (tmp_path / "r.md").read_text()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in md
    for text in (html, md, (tmp_path / "r.json").read_text()):
        assert "\x01" not in text and "\x08" not in text


def test_tcp_closed_for_every_zone_leaves_nothing_passing(dns_server: LabDnsServer) -> None:
    # Given every served zone (blocklists, reverse zones, partners, domains) truncated over UDP
    # with the TCP retry hung up on; only the root answers, so the resolver is alive
    for origin in dns_server.origins:
        if origin != ".":
            dns_server.add_fault(origin, FaultKind.TCP_CLOSE, suffix=True)
    result = check(ns(dns_server), {**FULL, "--domain": "example.com"}, "--json", "-",
                   "--partner", "partner-a.example", "--server-rbl", "reject_rbl_client zen.spamhaus.org")
    data = json.loads(result.stdout)
    # Then every family ran without crashing, and only facts that need no DNS pass
    assert not [r for r in data["results"] if r["check_id"] == "internal.family"]
    passing = {r["check_id"] for r in data["results"] if r["status"] == "pass"}
    assert passing <= {"blocklist.resolver", "partners.policy"}, passing
    assert not [r for r in data["results"] if r["status"] == "fail"]
    assert (result.exit_code, data["verdict"]) == (3, "inconclusive")


def test_quiet_keeps_the_scope_line_out_but_still_exits_3(dns_server: LabDnsServer) -> None:
    parts = {k: v for k, v in FULL.items() if k != "--dkim-selector"}
    result = check(ns(dns_server), parts, "-q")
    assert result.exit_code == 3
    assert result.stderr == ""


def test_quiet_still_says_the_resolver_is_silent(dead_port: int) -> None:
    resolver = f"127.0.0.1:{dead_port}"
    result = check(resolver, FULL, "-q")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [f"preflight: resolver {resolver} did not answer (timeout)"]
