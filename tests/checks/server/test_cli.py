"""``preflight check --ssh ...`` through the CLI: options, the [ssh] plan table, usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from checks.server.conftest import DOMAIN, NEW_HOST, NEW_IP, PASSWORD, Listener, SshLab
from preflight.cli import app
from preflight.exitcodes import ExitCode
from preflight.lab.dnsserver import LabDnsServer


def _base(dns: LabDnsServer) -> list[str]:
    host, port = dns.address
    return ["check", "--ip", NEW_IP, "--hostname", NEW_HOST, "--domain", DOMAIN, "--dkim-selector", "s1",
            "--nameserver", f"{host}:{port}", "--timeout", "1", "--no-smtp", "--no-client", "--json", "-"]


@pytest.mark.sshd
@pytest.mark.postfix
def test_check_with_ssh_and_plan(inventory_dns: LabDnsServer, ssh_lab: SshLab, port25_listener: Listener,
                                 tmp_path: Path) -> None:
    known = ssh_lab.known_hosts(tmp_path / "known_hosts")
    plan = tmp_path / "plan.toml"
    plan.write_text(f'[ssh]\nold = "{ssh_lab.old.target()}"\ntimeout = 15\n'
                    f'port25_targets = ["127.0.0.1:{port25_listener.port}"]\n')
    result = CliRunner().invoke(app, [*_base(inventory_dns), "--config", str(plan), "--ssh", ssh_lab.new.target(),
                                      "--ssh-key", str(ssh_lab.client_key), "--known-hosts", str(known)])
    assert result.exit_code == ExitCode.NOT_READY, result.output
    data = json.loads(result.stdout)
    inventory = data["inventory"]
    assert inventory["servers"]["new"]["connected"] and inventory["servers"]["old"]["connected"]
    assert inventory["settings"]["port25_targets"] == [f"127.0.0.1:{port25_listener.port}"]
    assert not inventory["settings"]["port25_from_mx"]
    ids = {r["check_id"] for r in data["results"]}
    assert {"server.ssh", "server.os_eol", "server.dkim_dns_match", "server.port25_outbound",
            "server.compare"} <= ids
    # every key the inventory names has its own dkim_dns_match result, and a signer configuration
    # that was not read over SSH is "could not check" (not_read), never a result that vanishes
    dkim = {r["subject"]: r for r in data["results"] if r["check_id"] == "server.dkim_dns_match"}
    keys = [f'{k["selector"]}._domainkey.{k["domain"]}' for signer in inventory["servers"]["new"]["dkim"]
            for k in signer["keys"]]
    assert dkim and set(keys) <= set(dkim), (keys, dkim)
    assert all(r["status"] == "error" for r in dkim.values() if r["outcome"] == "not_read")
    open_ = [r for r in data["results"] if r["check_id"] == "server.port25_outbound"]
    assert [r["outcome"] for r in open_] == ["open"]


@pytest.mark.sshd
@pytest.mark.postfix
def test_password_from_the_environment(inventory_dns: LabDnsServer, ssh_lab: SshLab, tmp_path: Path) -> None:
    known = ssh_lab.known_hosts(tmp_path / "known_hosts")
    plan = tmp_path / "plan.toml"
    plan.write_text('[ssh]\nport25_targets = ["127.0.0.1:9"]\n')
    result = CliRunner().invoke(
        app, [*_base(inventory_dns), "--config", str(plan), "--ssh", ssh_lab.new.target(),
              "--ssh-key", str(ssh_lab.wrong_key), "--known-hosts", str(known)],
        env={"PREFLIGHT_SSH_PASSWORD": PASSWORD},
    )
    assert PASSWORD not in result.output
    data = json.loads(result.stdout)
    ssh = [r for r in data["results"] if r["check_id"] == "server.ssh"]
    assert [r["outcome"] for r in ssh] == ["connected"]


@pytest.mark.parametrize(("args", "message"), [
    (["--old-ssh", "root@192.0.2.1"], "--old-ssh needs --ssh"),
    (["--ssh", "192.0.2.1"], "expected USER@HOST[:PORT]"),
    (["--ssh", "root@192.0.2.1:99999"], "port must be 1-65535"),
    (["--ssh", "root@192.0.2.1", "--ssh-key", "/nonexistent/key"], "file not found"),
    (["--ssh", "root@192.0.2.1", "--ssh-password"], "PREFLIGHT_SSH_PASSWORD"),
])
def test_usage_errors(inventory_dns: LabDnsServer, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, [*_base(inventory_dns), *args])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert message in result.output


@pytest.mark.parametrize(("plan", "message"), [
    ('[ssh]\nhost = "x"\n', "unknown key ssh.host"),
    ('[ssh]\nnew = "root@192.0.2.1"\naccept_new = "yes"\n', "ssh.accept_new must be true or false"),
    ('[ssh]\nnew = "root@192.0.2.1"\nport25_targets = ["mx.example.com:0"]\n', "port must be 1-65535"),
    ('[ssh]\nnew = "nobody"\n', "plan: ssh.new"),
    ('[ssh]\nnew = "root@192.0.2.1"\nkey = "/nonexistent"\n', "plan: ssh.key"),
])
def test_plan_errors(inventory_dns: LabDnsServer, tmp_path: Path, plan: str, message: str) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(plan)
    result = CliRunner().invoke(app, [*_base(inventory_dns), "--config", str(path)])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert message in result.output


def test_encrypted_key_is_a_usage_error(inventory_dns: LabDnsServer, tmp_path: Path) -> None:
    import subprocess

    key = tmp_path / "encrypted"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret-passphrase", "-f", str(key)],
                   check=True, capture_output=True)
    result = CliRunner().invoke(app, [*_base(inventory_dns), "--ssh", "root@192.0.2.1", "--ssh-key", str(key)])
    assert result.exit_code == ExitCode.USAGE and "ssh-agent" in result.output
