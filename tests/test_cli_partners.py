"""The command line of the partner-impact prediction: --partner, --partner-ip, --server-rbl, the
[partners] plan, --partners-from-log, and one-line errors for bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from preflight.cli import app
from preflight.lab.dnsserver import LabDnsServer

runner = CliRunner()
RBL = "rbl.partners.test"


def base(server: LabDnsServer) -> list[str]:
    host, port = server.address
    return ["check", "--ip", "198.51.100.42", "--nameserver", f"{host}:{port}", "--timeout", "0.5",
            "--no-blocklists", "--no-smtp", "--no-client", "--json", "-"]


@pytest.mark.parametrize(("args", "message"), [
    (["--partner-ip", "nonsense"], "invalid partner IP address 'nonsense'"),
    (["--partner", "not a domain"], "invalid partner domain"),
    (["--partner", "partner.example"], "needs the new server's RBL policy"),
    (["--partner-ip", "192.0.2.7", "--server-rbl", "reject_rbl zen.spamhaus.org"], "--server-rbl:"),
    (["--partner-ip", "192.0.2.7", "--server-rbl", "reject_rbl_client zen.spamhaus.org", "--partners-from-log"],
     "give --old-ssh"),
    (["--partner-ip", "192.0.2.7", "--server-rbl", "reject_rbl_client zen.spamhaus.org",
      "--partners-log-days", "forty"], "--partners-log-days"),
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["check", "--ip", "203.0.113.25", "--nameserver", "127.0.0.1:9", *args])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("preflight: error: ") and message in lines[0]


def test_partners_from_flags(dns_server: LabDnsServer) -> None:
    result = runner.invoke(app, [*base(dns_server), "--partner", "listed.partners.test", "--partner-ip", "198.19.7.10",
                                 "--server-rbl", f"reject_rbl_client block.{RBL}"])
    assert result.exit_code == 1, result.stderr  # a partner would be rejected: not ready
    data = json.loads(result.stdout)
    summary = next(r for r in data["results"] if r["check_id"] == "partners.summary")
    assert summary["summary"] == "1 of 2 partners would be rejected by the new server: listed.partners.test"
    assert data["partners"]["summary"]["rejected_partners"] == ["listed.partners.test"]


def test_partners_from_the_plan(dns_server: LabDnsServer, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('[partners]\ndomains = ["weighted.partners.test"]\nserver_rbls = [\n'
                    f'  "postscreen_dnsbl_sites = heavy.{RBL}*2 light.{RBL}*1",\n'
                    '  "postscreen_dnsbl_threshold = 2",\n  "postscreen_dnsbl_action = enforce",\n]\n'
                    '[report]\nlang = "ja"\n')
    html = tmp_path / "report.html"
    result = runner.invoke(app, [*base(dns_server), "--config", str(plan), "--html", str(html)])
    assert result.exit_code == 1, result.stderr
    data = json.loads(result.stdout)
    verdicts = {e["ip"]: e["verdict"] for e in data["partners"]["entries"]}
    assert verdicts == {"198.19.7.20": "accepted", "198.19.7.21": "rejected", "198.19.7.22": "rejected"}
    page = html.read_text(encoding="utf-8")
    assert "1 件の取引先のうち 1 件が新サーバーに拒否されます。" in page
    assert "postscreen_dnsbl_threshold = 2" in page


def test_help_lists_the_partner_options() -> None:
    text = runner.invoke(app, ["check", "--help"]).stdout
    for option in ("--partner", "--partner-ip", "--partners-from-log", "--partners-log-days", "--partners-log-top",
                   "--server-rbl"):
        assert option in text, option


def test_the_installed_entry_point_refuses_a_bad_partner_ip() -> None:
    entry = shutil.which("preflight", path=str(Path(sys.executable).parent))
    if entry is None:
        pytest.skip("the preflight entry point is not installed next to this Python")
    done = subprocess.run([entry, "check", "--ip", "203.0.113.25", "--partner-ip", "nonsense"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == "preflight: error: invalid partner IP address 'nonsense'"


def test_the_demo_shows_the_partners_section(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--output-dir", str(tmp_path), "--lang", "en"])
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    verdicts = {(e["partner"], e["ip"]): e["verdict"] for e in data["partners"]["entries"]}
    assert verdicts == {("partner-a.example", "192.0.2.66"): "rejected",
                        ("partner-a.example", "203.0.113.77"): "accepted",
                        ("partner-b.example", "192.0.2.88"): "accepted"}
    assert data["partners"]["senders"][0]["sender"] == "google"
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<section id="partners"' in page and "1 of 2 partners would be rejected by the new server." in page
    assert "### Partners" in (tmp_path / "report.md").read_text(encoding="utf-8")
