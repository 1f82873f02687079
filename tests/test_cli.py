"""The command line: exit codes, outputs, and one-line errors for bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from preflight import __version__
from preflight.cli import app
from preflight.lab.dnsserver import LabDnsServer

STATES = Path(__file__).resolve().parent / "states"

runner = CliRunner()


def ns(server: LabDnsServer) -> str:
    host, port = server.address
    return f"{host}:{port}"


def invoke(*args: str):
    return runner.invoke(app, list(args))


# A migration that is ready: example.net already authorizes the new IPv4 address.
READY = ("--ip", "203.0.113.25", "--hostname", "mail.example.com", "--domain", "example.net",
         "--dkim-selector", "s2026", "--timeout", "1", "--no-smtp", "--no-client")


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert __version__ in result.stdout


def test_help_lists_exit_codes() -> None:
    result = invoke("check", "--help")
    assert result.exit_code == 0
    assert "--nameserver" in result.stdout and "inconclusive" in result.stdout


def test_ready_exits_0(dns_server: LabDnsServer, tmp_path: Path) -> None:
    html, js = tmp_path / "r.html", tmp_path / "r.json"
    result = invoke("check", *READY, "--nameserver", ns(dns_server), "--html", str(html), "--json", str(js))
    assert result.exit_code == 0, result.stderr
    data = json.loads(js.read_text())
    assert data["verdict"] == "ready"
    assert data["target"]["domains"] == ["example.net"]
    assert "<html" in html.read_text()


def test_broken_exits_1(dns_server: LabDnsServer) -> None:
    # example.com's SPF does not authorize the new IP
    result = invoke("check", "--ip", "203.0.113.25", "--domain", "example.com", "--no-smtp", "--no-client",
                    "--nameserver", ns(dns_server), "--timeout", "1", "--json", "-")
    assert result.exit_code == 1
    data = json.loads(result.stdout)  # stdout holds nothing but the JSON
    failing = {(r["check_id"], r["outcome"]) for r in data["results"] if r["status"] == "fail"}
    assert ("spf.authorizes", "fail") in failing


def test_unanswered_query_exits_3(dns_server: LabDnsServer) -> None:
    # Given the DMARC lookup times out, and nothing else fails
    dns_server.add_fault("_dmarc.example.net", "timeout")
    result = invoke("check", *READY, "--nameserver", ns(dns_server), "--timeout", "0.3", "--json", "-")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    assert data["verdict"] == "inconclusive"
    dmarc = [r for r in data["results"] if r["check_id"] == "dmarc.record"]
    assert dmarc[0]["status"] == "error"


def test_strict_turns_warnings_into_exit_1(dns_server: LabDnsServer) -> None:
    # A DMARC p=none is a warning only (the recheck lab's "before" state has one)
    with LabDnsServer.from_directory(STATES / "before") as server:
        args = ("check", "--ip", "198.51.100.77", "--hostname", "mail.move.test", "--domain",
                "move.test", "--dkim-selector", "s1", "--nameserver", ns(server), "--timeout", "1",
                "-q", "--no-smtp", "--no-blocklists", "--no-client")
        assert invoke(*args).exit_code == 0
        assert invoke(*args, "--strict").exit_code == 1


def test_plan_file_and_flag_override(dns_server: LabDnsServer, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'ips = ["203.0.113.25"]\nhostname = "mail.example.com"\ndomains = ["example.com"]\n'
        f'dkim_selectors = ["s2026"]\nnameservers = ["{ns(dns_server)}"]\ntimeout = 1\n'
        '[report]\njson = "-"\n'
    )
    planned = invoke("check", "--config", str(plan), "--no-smtp", "--no-client")
    assert planned.exit_code == 1  # example.com's SPF misses the new IP
    overridden = invoke("check", "--config", str(plan), "--domain", "example.net", "--no-smtp", "--no-client")
    assert overridden.exit_code == 0
    assert json.loads(overridden.stdout)["target"]["domains"] == ["example.net"]


BAD_INPUT = [
    (["check", "--ip", "999.1.1.1"], "invalid IP address"),
    (["check", "--ip", "203.0.113.25", "--hostname", "bad_host!"], "invalid hostname"),
    (["check", "--ip", "203.0.113.25", "--hostname", "192.0.2.1"], "not a hostname"),
    (["check", "--ip", "203.0.113.25", "--domain", "-x.example"], "invalid domain"),
    (["check", "--ip", "203.0.113.25", "--dkim-selector", "a b"], "invalid DKIM selector"),
    (["check", "--ip", "203.0.113.25", "--nameserver", "localhost"], "invalid nameserver"),
    (["check", "--ip", "203.0.113.25", "--nameserver", "127.0.0.1:99999"], "port must be"),
    (["check", "--ip", "203.0.113.25", "--timeout", "0"], "invalid timeout"),
    (["check", "--domain", "example.com"], "at least one --ip"),
    (["check", "--config", "/nonexistent/plan.toml"], "plan file not found"),
    (["render", "/nonexistent/report.json", "--html", "x.html"], "report not found"),
]


@pytest.mark.parametrize("args, message", BAD_INPUT, ids=[m for _, m in BAD_INPUT])
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("preflight: error: ")
    assert message in lines[0]


PLANS = [
    ('ips = [', "not valid TOML"),
    ('ips = ["203.0.113.25"]\ncolour = "blue"\n', "unknown key 'colour'"),
    ('ips = 5\n', "ips must be a list of strings"),
    ('ips = ["203.0.113.25"]\ntimeout = "soon"\n', "timeout must be a number"),
    ('ips = ["not-an-ip"]\n', "plan: ips: invalid IP address"),
    ('ips = ["203.0.113.25"]\n[report]\npdf = "x"\n', "unknown key report.pdf"),
    ('ips = ["203.0.113.25"]\nreport = 3\n', "[report] must be a table"),
    ('ips = ["203.0.113.25"]\nstrict = "yes"\n', "strict must be true or false"),
    ('ips = ["203.0.113.25"]\ncutover_date = "2026-02-30"\n', "plan: cutover_date: invalid cutover date '2026-02-30': no such day"),
    ('ips = ["203.0.113.25"]\ncutover_date = 2026-12-28T10:00:00\n', "cutover_date must be a string"),
]


@pytest.mark.parametrize("content, message", PLANS, ids=[m for _, m in PLANS])
def test_bad_plan_exits_2_naming_the_key(tmp_path: Path, content: str, message: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(content)
    result = invoke("check", "--config", str(plan))
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_render_again(dns_server: LabDnsServer, tmp_path: Path) -> None:
    js = tmp_path / "r.json"
    assert invoke("check", *READY, "--nameserver", ns(dns_server), "--json", str(js), "-q").exit_code == 0
    html = tmp_path / "again.html"
    result = invoke("render", str(js), "--html", str(html))
    assert result.exit_code == 0
    assert "Ready for cutover" in html.read_text()


def test_render_rejects_foreign_json(tmp_path: Path) -> None:
    foreign = tmp_path / "package.json"
    foreign.write_text('{"name": "left-pad", "version": "1.3.0"}')
    result = invoke("render", str(foreign), "--html", str(tmp_path / "x.html"))
    assert result.exit_code == 2
    assert "not a preflight JSON report" in result.stderr
    assert not (tmp_path / "x.html").exists()


def test_demo_writes_reports(tmp_path: Path) -> None:
    result = invoke("demo", "--output-dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "report.json").read_text())
    statuses = {r["status"] for r in data["results"]}
    assert {"pass", "warn", "fail"} <= statuses
    assert "Verdict:" in result.stdout and "Verdict:" not in result.stderr   # the summary is output
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")


def _entry_point() -> str:
    found = shutil.which("preflight", path=str(Path(sys.executable).parent))
    assert found, "the preflight entry point is not installed next to this Python"
    return found


def test_installed_entry_point_bad_input_has_no_traceback() -> None:
    proc = subprocess.run([_entry_point(), "check", "--ip", "nonsense"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "preflight: error: invalid IP address 'nonsense'"
    assert proc.stdout == ""


def test_installed_entry_point_json_to_stdout(dns_server: LabDnsServer) -> None:
    proc = subprocess.run([_entry_point(), "check", *READY, "--nameserver", ns(dns_server), "--json", "-"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["verdict"] == "ready"


def test_usage_error_from_typer_is_exit_2() -> None:
    result = invoke("check", "--no-such-option")
    assert result.exit_code == 2


def test_cli_import_stays_light() -> None:
    # `preflight --help` must not pay for dnspython, Jinja2, checkdmarc, paramiko, Rich...
    probe = ("import sys, preflight.cli; heavy = ('dns', 'jinja2', 'checkdmarc', 'paramiko', "
             "'cryptography', 'spf', 'aiosmtpd', 'rich'); print([m for m in heavy if m in sys.modules])")
    out = subprocess.check_output([sys.executable, "-c", probe], text=True).strip()
    assert out == "[]"


def test_check_help_groups_options_and_shows_examples() -> None:
    # `check --help` is grouped into panels (in this order), every option in one, with three examples
    text = invoke("check", "--help").stdout
    headings = [line[:-1] for line in text.splitlines() if line.endswith(":") and not line.startswith(" ")]
    panels = ["Target", "DNS", "Blocklists", "SMTP", "SSH", "Partners", "Recheck", "Output"]
    assert [h for h in headings if h in panels] == panels
    assert "Options" not in headings                      # no flat list left over
    assert text.count("  preflight check ") == 3
    target = text.split("Target:")[1].split("DNS:")[0]
    assert "--cutover-date" in target and "--ip" in target


@pytest.mark.parametrize("value, message", [
    ("28.12.2026", "invalid cutover date '28.12.2026': use YYYY-MM-DD"),
    ("2026-13-01", "invalid cutover date '2026-13-01': no such day"),
    ("", "use YYYY-MM-DD"),
])
def test_bad_cutover_date_exits_2(value: str, message: str) -> None:
    result = invoke("check", "--ip", "203.0.113.25", "--cutover-date", value, "--no-smtp", "--no-blocklists")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_plan_takes_a_toml_date() -> None:
    from preflight.config import validate_plan

    assert validate_plan({"cutover_date": __import__("datetime").date(2026, 12, 28)})["cutover_date"] == "2026-12-28"
