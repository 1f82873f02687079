"""`preflight check` with the transport and client checks: flags, plan keys, bad input (exit 2),
and a whole run against the lab's DNS, HTTPS policy server and an IMAPS stand-in on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from preflight.cli import app
from preflight.lab.certs import LabCertificates, make_certificates
from preflight.lab.dnsserver import LabDnsServer
from preflight.lab.httpsserver import LabHttpsServer, Route
from preflight.lab.mailstandin import LabMailServer
from preflight.net.mailclient import Service

runner = CliRunner()
NAMES = ("mail.transport.test", "mta-sts.covered.transport.test", "mta-sts.stale.transport.test")
COVERED = b"version: STSv1\nmode: enforce\nmx: old.transport.test\nmx: mail.transport.test\nmax_age: 86400\n"
STALE = b"version: STSv1\nmode: testing\nmx: old.transport.test\nmax_age: 1209600\n"


@pytest.fixture(scope="module")
def certificates() -> LabCertificates:
    return make_certificates(NAMES)


@pytest.fixture(scope="module")
def https(certificates: LabCertificates) -> Iterator[LabHttpsServer]:
    with LabHttpsServer(certificates=certificates) as server:
        server.routes["mta-sts.covered.transport.test"] = Route(COVERED)
        server.routes["mta-sts.stale.transport.test"] = Route(STALE)
        yield server


@pytest.fixture(scope="module")
def imaps(certificates: LabCertificates) -> Iterator[LabMailServer]:
    with LabMailServer(Service.IMAPS, certificates=certificates, name="mail.transport.test") as server:
        yield server


def base(dns_server: LabDnsServer) -> list[str]:
    host, port = dns_server.address
    return ["check", "--ip", "192.0.2.25", "--hostname", "mail.transport.test", "--nameserver", f"{host}:{port}",
            "--timeout", "2", "--no-smtp", "--no-blocklists"]


def test_a_whole_run(dns_server: LabDnsServer, https: LabHttpsServer, imaps: LabMailServer) -> None:
    assert https.ca_file
    args = [*base(dns_server), "--domain", "covered.transport.test", "--domain", "stale.transport.test",
            "--https-port", str(https.address[1]), "--ca-file", https.ca_file,
            "--client", f"imaps={imaps.address[0]}:{imaps.address[1]}", "--client-name", "mail.transport.test",
            "--client-name", "imap.transport.test", "--json", "-"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.stderr
    data = json.loads(result.stdout)
    seen = {(r["check_id"], r["subject"]): (r["outcome"], r["status"]) for r in data["results"]
            if r["check_id"].split(".")[0] in ("mta_sts", "tls_rpt", "dane", "client")}
    assert seen[("mta_sts.mx", "covered.transport.test")] == ("covered", "pass")
    assert seen[("mta_sts.mx", "stale.transport.test")] == ("misses_new_testing", "warn")
    assert seen[("mta_sts.max_age", "stale.transport.test")] == ("lead_time", "pass")
    assert seen[("tls_rpt.record", "stale.transport.test")] == ("missing", "warn")
    assert seen[("dane.tlsa", "mail.transport.test")] == ("not_compared", "skip")  # --no-smtp
    target = f"imaps {imaps.address[0]}:{imaps.address[1]}"
    assert seen[("client.cert_chain", target)] == ("trusted", "pass")
    assert seen[("client.cert_name", target)] == ("missing", "fail")
    assert data["mta_sts"]["domains"]["covered.transport.test"]["mx"] == ["old.transport.test", "mail.transport.test"]


def test_the_plan_carries_the_same(dns_server: LabDnsServer, https: LabHttpsServer, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(f'domains = ["covered.transport.test"]\n[smtp]\nca_file = "{https.ca_file}"\n'
                    f'[transport]\nhttps_port = {https.address[1]}\nclient = false\n', encoding="utf-8")
    result = runner.invoke(app, [*base(dns_server), "--config", str(plan), "--json", "-"])
    data = json.loads(result.stdout)
    outcomes = {(r["check_id"], r["outcome"]) for r in data["results"]}
    assert ("mta_sts.policy", "ok") in outcomes and ("client.connect", "disabled") in outcomes


@pytest.mark.parametrize(("args", "message"), [
    (["--https-port", "0"], "--https-port"),
    (["--client", "ftp=127.0.0.1"], "invalid client target"),
    (["--client", "imaps=127.0.0.1", "--no-client"], "--client and --no-client contradict"),
    (["--client-name", "not a name"], "--client-name"),
])
def test_bad_input_is_one_line_and_exit_2(dns_server: LabDnsServer, args: list[str], message: str) -> None:
    result = runner.invoke(app, [*base(dns_server), *args])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("table", ["https_port = 70000", 'client_targets = ["imaps"]', "client = 3"])
def test_bad_plan_keys_are_exit_2(dns_server: LabDnsServer, tmp_path: Path, table: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(f"[transport]\n{table}\n", encoding="utf-8")
    result = runner.invoke(app, [*base(dns_server), "--config", str(plan)])
    assert result.exit_code == 2 and "transport." in result.stderr, result.stderr


def test_a_baseline_tells_a_changed_policy_under_the_same_id(dns_server: LabDnsServer, https: LabHttpsServer,
                                                             tmp_path: Path) -> None:
    assert https.ca_file
    args = [*base(dns_server), "--domain", "covered.transport.test", "--https-port", str(https.address[1]),
            "--ca-file", https.ca_file, "--no-client"]
    saved = tmp_path / "before.json"
    assert runner.invoke(app, [*args, "--json", str(saved), "-q"]).exit_code in (0, 1)
    data = json.loads(saved.read_text(encoding="utf-8"))
    # Given the saved policy differed (same id), when checked against that baseline, the id check fails
    data["mta_sts"]["domains"]["covered.transport.test"]["policy_sha256"] = "0" * 64
    saved.write_text(json.dumps(data), encoding="utf-8")
    result = runner.invoke(app, [*args, "--baseline", str(saved), "--json", "-"])
    found = {(r["check_id"], r["outcome"]) for r in json.loads(result.stdout)["results"]}
    assert ("mta_sts.id", "changed_same_id") in found
    # and a hostile value in that section is refused with one line, exit 2
    data["mta_sts"]["domains"]["covered.transport.test"]["policy_sha256"] = "\x1b[31m"
    saved.write_text(json.dumps(data), encoding="utf-8")
    refused = runner.invoke(app, [*args, "--baseline", str(saved)])
    assert refused.exit_code == 2 and "policy_sha256" in refused.stderr


def test_a_report_with_a_huge_policy_can_be_read_back(dns_server: LabDnsServer, https: LabHttpsServer,
                                                      tmp_path: Path) -> None:
    # Given a policy with 1500 mx patterns (within the 64 KiB cap), the saved report must stay within
    # the report schema, so that render and --baseline accept what check wrote
    assert https.ca_file
    many = b"".join(b"mx: m%d.transport.test\n" % i for i in range(1500))
    https.routes["mta-sts.covered.transport.test"] = Route(COVERED.replace(b"max_age", many + b"max_age"))
    try:
        saved = tmp_path / "r.json"
        args = [*base(dns_server), "--domain", "covered.transport.test", "--https-port", str(https.address[1]),
                "--ca-file", https.ca_file, "--no-client"]
        assert runner.invoke(app, [*args, "--json", str(saved), "-q"]).exit_code in (0, 1)
        rendered = runner.invoke(app, ["render", str(saved), "--html", str(tmp_path / "r.html")])
        assert rendered.exit_code == 0, rendered.stderr
        again = runner.invoke(app, [*args, "--baseline", str(saved), "--json", "-"])
        found = {(r["check_id"], r["outcome"]) for r in json.loads(again.stdout)["results"]}
        assert ("mta_sts.id", "policy_unchanged") in found
    finally:
        https.routes["mta-sts.covered.transport.test"] = Route(COVERED)
