"""Recheck after cutover: baseline comparison, diff, after-cutover expectations, propagation, history.

Two lab states (tests/states/before and after) are served by two loopback DNS servers.
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
from preflight.engine.compare import compare, history
from preflight.lab.dnsserver import LabDnsServer

STATES = Path(__file__).resolve().parent / "states"
runner = CliRunner()
BASE = ("--ip", "198.51.100.77", "--hostname", "mail.move.test", "--domain", "move.test",
        "--dkim-selector", "s1", "--timeout", "1", "--no-smtp", "--no-client", "--no-blocklists")


@pytest.fixture(scope="module")
def before() -> Iterator[LabDnsServer]:
    with LabDnsServer.from_directory(STATES / "before") as server:
        yield server


@pytest.fixture(scope="module")
def after() -> Iterator[LabDnsServer]:
    with LabDnsServer.from_directory(STATES / "after") as server:
        yield server


def ns(server: LabDnsServer) -> str:
    return f"{server.address[0]}:{server.address[1]}"


def check(server: LabDnsServer, *args: str):
    return runner.invoke(app, ["check", *BASE, "--nameserver", ns(server), *args])


def saved(server: LabDnsServer, path: Path, *args: str) -> dict:
    result = check(server, "--json", str(path), "-q", *args)
    assert result.exit_code in (0, 1, 3), result.stderr
    return json.loads(path.read_text())


def test_baseline_comparison(before: LabDnsServer, after: LabDnsServer, tmp_path: Path) -> None:
    # Given a report saved before cutover
    saved(before, tmp_path / "before.json")
    # When the check runs again after cutover against that baseline
    result = check(after, "--baseline", str(tmp_path / "before.json"), "--json", "-")
    data = json.loads(result.stdout)
    comparison = data["comparison"]
    changes = {(c["key"], c["change"]) for c in comparison["changes"]}
    # Then the generic PTR is a regression, the tightened DMARC is resolved
    assert ("rdns.generic|198.51.100.77", "regression") in changes
    assert ("rdns.hostname_match|198.51.100.77", "regression") in changes
    assert ("dmarc.policy|move.test", "resolved") in changes
    assert comparison["regressions"] >= 2 and comparison["resolved"] == 1
    # Regressions come first, and the run exits 1 because of them
    assert comparison["changes"][0]["change"] in ("regression", "new_problem")
    assert result.exit_code == 1
    assert comparison["baseline_generated_at"]


def test_no_regression_exits_by_verdict(before: LabDnsServer, tmp_path: Path) -> None:
    saved(before, tmp_path / "b.json")
    result = check(before, "--baseline", str(tmp_path / "b.json"), "-q")
    # dmarc p=none is a warning: ready_with_warnings, no regressions → 0
    assert result.exit_code == 0


def test_diff_command(before: LabDnsServer, after: LabDnsServer, tmp_path: Path) -> None:
    saved(before, tmp_path / "before.json")
    saved(after, tmp_path / "after.json")
    regress = runner.invoke(app, ["diff", str(tmp_path / "before.json"), str(tmp_path / "after.json"),
                                  "--html", str(tmp_path / "diff.html")])
    assert regress.exit_code == 1
    assert "regressions" in regress.stdout
    page = (tmp_path / "diff.html").read_text()
    assert 'id="comparison"' in page and "got worse" in page
    # The reverse direction has the DMARC change as the regression... and same file twice: none
    same = runner.invoke(app, ["diff", str(tmp_path / "after.json"), str(tmp_path / "after.json"), "--json", "-"])
    assert same.exit_code == 0
    assert json.loads(same.stdout)["comparison"]["regressions"] == 0


def test_after_cutover_expectations(before: LabDnsServer, after: LabDnsServer, tmp_path: Path) -> None:
    # Before cutover the old IP must stay authorized
    early = json.loads(check(before, "--old-ip", "198.51.100.50", "--json", "-").stdout)
    old = [r for r in early["results"] if r["check_id"] == "spf.old_ip"]
    assert [r["outcome"] for r in old] == ["kept_before_cutover"]
    # Judged as after cutover while MX still points at the old server: fail
    still = json.loads(check(before, "--after-cutover", "--json", "-").stdout)
    mx = [r for r in still["results"] if r["check_id"] == "mx.new_host"]
    assert (mx[0]["status"], mx[0]["outcome"]) == ("fail", "still_old")
    # After cutover: MX points at the new host, the old IP still in SPF → warn with a date
    first = saved(after, tmp_path / "day1.json", "--after-cutover", "--old-ip", "198.51.100.50")
    mx = [r for r in first["results"] if r["check_id"] == "mx.new_host"]
    assert mx[0]["outcome"] == "points_to_new"
    old = [r for r in first["results"] if r["check_id"] == "spf.old_ip"][0]
    assert (old["status"], old["outcome"]) == ("warn", "still_authorized")
    assert old["params"]["since"] == first["generated_at"]
    assert first["old_ips"][0]["ptr"] == "old.move.test"
    # A later recheck against day 1 carries the first-seen date forward
    later = json.loads(check(after, "--after-cutover", "--old-ip", "198.51.100.50",
                             "--baseline", str(tmp_path / "day1.json"), "--json", "-").stdout)
    old = [r for r in later["results"] if r["check_id"] == "spf.old_ip"][0]
    assert old["params"]["since"] == first["generated_at"]


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_propagation(before: LabDnsServer, after: LabDnsServer) -> None:
    # Two resolvers with different data disagree on MX; both agree on the host's A record
    result = check(before, "--nameserver", ns(after), "--propagation", "--json", "-")
    data = json.loads(result.stdout)
    prop = {r["subject"]: r for r in data["results"] if r["check_id"] == "propagation.consistent"}
    assert prop["MX move.test"]["outcome"] == "disagree"
    assert prop["A mail.move.test"]["outcome"] == "agree"
    assert prop["PTR 77.100.51.198.in-addr.arpa"]["outcome"] == "disagree"
    # A resolver that does not answer is "could not check", not a disagreement
    dead = f"127.0.0.1:{_closed_port()}"
    result = runner.invoke(app, ["check", *BASE, "--nameserver", ns(before), "--nameserver", dead,
                                 "--propagation", "--timeout", "0.3", "--json", "-"])
    data = json.loads(result.stdout)
    prop = {r["subject"]: r for r in data["results"] if r["check_id"] == "propagation.consistent"}
    assert prop["MX move.test"]["status"] == "error"


def test_propagation_needs_two_resolvers(before: LabDnsServer) -> None:
    result = check(before, "--propagation")
    assert result.exit_code == 2
    assert "two or more resolvers" in result.stderr


@pytest.mark.parametrize("content, message", [
    ('{"schema_version": "0.9.0", "results": []}', "uses report schema 0.9.0"),
    ("{ this is not json", "not a preflight JSON report"),
    ('{"name": "something else"}', "not a preflight JSON report"),
])
def test_bad_baseline_exits_2(before: LabDnsServer, tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "baseline.json"
    bad.write_text(content)
    result = check(before, "--baseline", str(bad))
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_history_view(before: LabDnsServer, after: LabDnsServer, tmp_path: Path) -> None:
    saved(before, tmp_path / "1.json")
    saved(after, tmp_path / "2.json")
    result = runner.invoke(app, ["history", str(tmp_path / "1.json"), str(tmp_path / "2.json"),
                                 "--html", str(tmp_path / "h.html")])
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "h.html").read_text()
    assert 'id="history"' in page and "rdns.generic" in page


# -- pure comparison -----------------------------------------------------------------------

def _report(date: str, *results: tuple[str, str, str], blocklists: list[dict] | None = None) -> dict:
    return {"generated_at": date, "verdict": "ready",
            "results": [{"check_id": c, "subject": s, "status": st, "outcome": "x", "summary": ""}
                        for c, s, st in results],
            "blocklists": blocklists or []}


@pytest.mark.parametrize("before, after, change", [
    ("pass", "warn", "regression"),
    ("warn", "fail", "regression"),
    ("fail", "pass", "resolved"),
    ("warn", "warn", "unchanged_problem"),
    ("pass", "error", "unverified"),
    ("error", "fail", "new_problem"),
    ("error", "pass", "changed"),
    ("pass", "skip", "unverified"),
    # A could-not-check or skip in the new run is never resolved, never a regression
    ("fail", "skip", "unverified"),
    ("warn", "skip", "unverified"),
    ("fail", "error", "unverified"),
    ("warn", "error", "unverified"),
    ("skip", "skip", None),
    # Resolved means checked and passed: fail → warn is better, but still open
    ("fail", "warn", "unchanged_problem"),
    ("warn", "pass", "resolved"),
])
def test_compare_table(before: str, after: str, change: str) -> None:
    result = compare(_report("d1", ("a.b", "s", before)), _report("d2", ("a.b", "s", after)))
    assert [c["change"] for c in result["changes"]] == ([change] if change else [])
    assert result["resolved"] == (change == "resolved")
    assert result["unchecked"] == (change == "unverified" and before not in ("error", "skip"))


def test_checks_the_new_run_left_out_are_unchecked_not_gone() -> None:
    # Given a baseline with SPF and PTR results, and a new run that only checked the PTR
    # (a dead resolver, or a run without --domain)
    base = _report("d1", ("spf.record", "example.com", "fail"), ("rdns.ptr", "192.0.2.1", "pass"))
    new = _report("d2", ("rdns.ptr", "192.0.2.1", "pass"))
    result = compare(base, new)
    # Then the SPF failure is "could not recheck", counted as unchecked, never resolved
    assert [(c["key"], c["change"]) for c in result["changes"]] == [
        ("spf.record|example.com", "unverified")]
    assert (result["resolved"], result["regressions"], result["unchecked"]) == (0, 0, 1)


def test_a_per_list_result_that_disappears_is_gone_when_its_check_still_ran() -> None:
    # blocklist.ip has one result per list that is not clear: its absence is a fact
    base = _report("d1", ("blocklist.ip", "192.0.2.1 in zen.test", "fail"), ("blocklist.ip", "192.0.2.1", "pass"))
    new = _report("d2", ("blocklist.ip", "192.0.2.1", "pass"))
    result = compare(base, new)
    assert [c["change"] for c in result["changes"]] == ["gone"]
    assert result["unchecked"] == 0


def test_compare_blocklists_and_new_items() -> None:
    b = _report("d1", blocklists=[{"zone": "zen.test", "subject": "192.0.2.1", "state": "clear"}])
    a = _report("d2", ("new.check", "x", "fail"),
                blocklists=[{"zone": "zen.test", "subject": "192.0.2.1", "state": "listed"}])
    result = compare(b, a)
    changes = {(c["kind"], c["change"]) for c in result["changes"]}
    assert ("blocklist", "regression") in changes and ("check", "new_problem") in changes
    assert result["regressions"] == 2


@pytest.mark.parametrize("state", ["unreachable", "not_applicable", "refused", "unreliable"])
def test_listed_to_not_asked_is_never_resolved(state: str) -> None:
    b = _report("d1", blocklists=[{"zone": "zen.test", "subject": "192.0.2.1", "state": "listed"}])
    a = _report("d2", blocklists=[{"zone": "zen.test", "subject": "192.0.2.1", "state": state}])
    result = compare(b, a)
    assert [c["change"] for c in result["changes"]] == ["unverified"]
    assert (result["resolved"], result["unchecked"]) == (0, 1)


def test_listed_to_unreachable_is_not_resolved() -> None:
    b = _report("d1", blocklists=[{"zone": "zen.test", "subject": "192.0.2.1", "state": "listed"}])
    a = _report("d2", blocklists=[{"zone": "zen.test", "subject": "192.0.2.1", "state": "unreachable"}])
    assert [c["change"] for c in compare(b, a)["changes"]] == ["unverified"]


def test_history_rows() -> None:
    table = history([_report("2026-12-02", ("a.b", "s", "pass")), _report("2026-12-01", ("a.b", "s", "fail"))])
    assert [c["generated_at"] for c in table["columns"]] == ["2026-12-01", "2026-12-02"]
    assert table["rows"][0]["states"] == ["fail", "pass"]


def test_compare_server_settings() -> None:
    def with_settings(date: str, helo: str) -> dict:
        report = _report(date)
        report["inventory"] = {"servers": {"new": {"settings": {"smtp_helo_name": helo, "relayhost": ""}}}}
        return report

    result = compare(with_settings("d1", "mail.example.com"), with_settings("d2", "localhost"))
    assert [(c["kind"], c["key"], c["change"], c["before"], c["after"]) for c in result["changes"]] == [
        ("setting", "smtp_helo_name", "changed", "mail.example.com", "localhost")]


@pytest.mark.parametrize("section, value", [
    ("blocklists", 5),
    ("partners", {"entries": 5}),
    ("comparison", {"changes": 5}),
])
def test_compare_tolerates_malformed_sections(section: str, value: object) -> None:
    # Given a saved report whose optional section has the wrong shape (hand-edited, hostile)
    bad = _report("d1", ("a.b", "s", "pass"))
    bad[section] = value
    good = _report("d2", ("a.b", "s", "pass"))
    # When it is compared either way, Then the malformed section is ignored, never a crash
    assert compare(bad, good)["regressions"] == 0
    assert compare(good, bad)["regressions"] == 0
    assert history([bad, good])["rows"] == []


# -- recheck exit codes (issue 12): 1 regression, else 3 unchecked, else 0 ------------------------

DIFF_LINE = r"\APREFLIGHT (OK|WARNING|CRITICAL|UNKNOWN) - [^|\n]+ \| passed=\d+ warnings=\d+ failed=\d+ unknown=\d+ regressions=\d+ unchecked=\d+\n\Z"


def test_recheck_that_could_not_check_is_never_resolved_and_exits_3(
    before: LabDnsServer, tmp_path: Path
) -> None:
    # Given a baseline with a warning (DMARC p=none), and a recheck whose answers arrive
    # truncated over UDP and TCP alike for the domain (could not check)
    base = saved(before, tmp_path / "before.json")
    assert any(r["status"] == "warn" for r in base["results"])
    before.add_fault("move.test", "truncate_tcp", suffix=True)
    try:
        saved(before, tmp_path / "after.json")
        recheck = check(before, "--baseline", str(tmp_path / "before.json"), "--json", "-")
    finally:
        before.clear_faults()
    # Then nothing is resolved, nothing regressed, and the run exits 3 (not 0, not 1)
    comparison = json.loads(recheck.stdout)["comparison"]
    assert comparison["resolved"] == 0 and comparison["regressions"] == 0
    assert comparison["unchecked"] > 0
    assert recheck.exit_code == 3
    # and diff of the two saved reports says the same
    result = runner.invoke(app, ["diff", str(tmp_path / "before.json"), str(tmp_path / "after.json")])
    assert result.exit_code == 3, result.stderr
    nagios = runner.invoke(app, ["diff", str(tmp_path / "before.json"), str(tmp_path / "after.json"),
                                 "--nagios"])
    assert nagios.exit_code == 3
    assert re.match(DIFF_LINE, nagios.stdout) and nagios.stdout.startswith("PREFLIGHT UNKNOWN")


def test_diff_nagios_regression_is_critical(before: LabDnsServer, after: LabDnsServer, tmp_path: Path) -> None:
    saved(before, tmp_path / "before.json")
    saved(after, tmp_path / "after.json")
    result = runner.invoke(app, ["diff", str(tmp_path / "before.json"), str(tmp_path / "after.json"),
                                 "--nagios"])
    assert result.exit_code == 2
    assert re.match(DIFF_LINE, result.stdout), result.stdout
    assert result.stdout.startswith("PREFLIGHT CRITICAL - ") and "rdns.generic" in result.stdout
    # Without regressions, the plugin state is the later report's verdict (here: one PTR name of
    # the "after" lab does not resolve at all → inconclusive → UNKNOWN), while plain diff exits 0
    same = runner.invoke(app, ["diff", str(tmp_path / "after.json"), str(tmp_path / "after.json"), "--nagios"])
    assert same.exit_code == 3 and same.stdout.startswith("PREFLIGHT UNKNOWN - inconclusive"), same.stdout
    assert "regressions=0 unchecked=0" in same.stdout
