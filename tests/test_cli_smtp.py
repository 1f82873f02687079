"""The SMTP options of ``preflight check`` and the SMTP part of ``preflight demo``.

The CLI runs on the real clock, so the server here is the demo's (certificate made now).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from preflight.cli import app
from preflight.lab.dnsserver import LabDnsServer
from preflight.lab.environment import lab_smtp
from preflight.lab.smtpserver import LabSmtpServer

runner = CliRunner()


@pytest.fixture(scope="module")
def tls_server() -> Iterator[LabSmtpServer]:
    """The demo's lab SMTP server: STARTTLS, certificate for mail.example.com valid from now."""
    with lab_smtp() as server:
        yield server

BASE = ("check", "--ip", "203.0.113.25", "--hostname", "mail.example.com", "--domain", "example.net",
        "--dkim-selector", "s2026", "--timeout", "1")


def ns(server: LabDnsServer) -> str:
    host, port = server.address
    return f"{host}:{port}"


def smtp_results(stdout: str) -> list[dict[str, object]]:
    data = json.loads(stdout)
    return [r for r in data["results"] if str(r["check_id"]).startswith("smtp.")]


def test_smtp_target_from_the_command_line(dns_server: LabDnsServer, tls_server: LabSmtpServer) -> None:
    host, port = tls_server.address
    assert tls_server.ca_file
    result = runner.invoke(app, [*BASE, "--nameserver", ns(dns_server), "--smtp", f"{host}:{port}",
                                 "--ca-file", tls_server.ca_file, "--smtp-timeout", "2", "--no-client", "--json", "-"])
    assert result.exit_code in (0, 1), result.stderr
    results = smtp_results(result.stdout)
    # only the given server was probed, never the --ip
    assert {r["subject"] for r in results if r["check_id"] != "smtp.postmaster"} == {f"{host}:{port}"}
    assert {r["status"] for r in results} == {"pass"}, [(r["check_id"], r["outcome"]) for r in results]
    section = json.loads(result.stdout)["smtp"]
    assert section["settings"]["timeout"] == 2.0 and section["targets"][0]["tls"]


def test_smtp_from_the_plan(dns_server: LabDnsServer, tls_server: LabSmtpServer, tmp_path: Path) -> None:
    host, port = tls_server.address
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'ips = ["203.0.113.25"]\nhostname = "mail.example.com"\ndomains = ["example.net"]\n'
        f'dkim_selectors = ["s2026"]\nnameservers = ["{ns(dns_server)}"]\ntimeout = 1\n'
        f'[smtp]\ntargets = ["{host}:{port}"]\ntimeout = 2\nca_file = "{tls_server.ca_file}"\n'
        f'helo_name = "probe.example.org"\n'
    )
    result = runner.invoke(app, ["check", "--config", str(plan), "--no-client", "--json", "-"])
    assert result.exit_code in (0, 1), result.stderr
    chain = [r for r in smtp_results(result.stdout) if r["check_id"] == "smtp.cert_chain"]
    assert [r["outcome"] for r in chain] == ["trusted"]
    assert "C: EHLO probe.example.org" in json.loads(result.stdout)["smtp"]["targets"][0]["transcript"]


def test_no_smtp(dns_server: LabDnsServer) -> None:
    result = runner.invoke(app, [*BASE, "--nameserver", ns(dns_server), "--no-smtp", "--no-client", "--json", "-"])
    assert result.exit_code in (0, 1), result.stderr
    assert [(r["check_id"], r["outcome"], r["status"]) for r in smtp_results(result.stdout)] == [
        ("smtp.connect", "disabled", "skip")
    ]


@pytest.mark.parametrize(("args", "message"), [
    (["--smtp", "bad:port:x"], "invalid SMTP server 'bad:port:x'"),
    (["--smtp", "127.0.0.1:99999"], "port must be 1-65535"),
    (["--smtp", "127.0.0.1", "--no-smtp"], "--smtp and --no-smtp contradict"),
    (["--ca-file", "/nonexistent/ca.pem", "--smtp", "127.0.0.1:2525"], "--ca-file: file not found"),
    (["--smtp-timeout", "0", "--smtp", "127.0.0.1:2525"], "invalid --smtp-timeout"),
])
def test_bad_smtp_options_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, [*BASE, "--nameserver", "127.0.0.1:9", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_installed_entry_point_bad_smtp_is_one_line() -> None:
    exe = Path(sys.executable).parent / "preflight"
    done = subprocess.run([str(exe), *BASE, "--smtp", "bad:port:x"], check=False, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == (
        "preflight: error: invalid SMTP server 'bad:port:x': expected HOST, HOST:PORT or [IPv6]:PORT\n"
    )


def test_demo_probes_the_lab_smtp_server(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "report.json").read_text())
    target = data["smtp"]["targets"][0]
    assert target["address"] == "127.0.0.1" and target["tls"] and target["certificate"]
    assert target["certificate"]["dns_names"] == ["mail.example.com"]
    smtp = [r for r in data["results"] if r["check_id"].startswith("smtp.")]
    assert {r["status"] for r in smtp} == {"pass"}, [(r["check_id"], r["outcome"]) for r in smtp]
    page = (tmp_path / "report.html").read_text()
    assert 'id="smtp"' in page and "C: EHLO preflight.invalid" in page
