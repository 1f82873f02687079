"""An SSH command whose channel closes before its exit status is "could not check" (issue 12).

A real OpenSSH sshd whose ForceCommand kills the SSH session while ``cat /etc/opendkim.conf``
runs: the channel closes with no exit status. That once read as "No DKIM signer configuration
found" (warn); it must be could-not-check, and nothing may pass on the strength of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXED_NOW, make_config
from servers.sshd import (
    FileSpec,
    SshdServer,
    keygen,
    missing_prerequisite,
    postfix_missing,
    start_sshd,
)

from checks.server.conftest import DOMAIN, NEW_HOST, NEW_IP, new_server_files
from checks.support import describe
from preflight.checks.server import run
from preflight.checks.server.settings import SshSettings, with_settings
from preflight.engine import RunContext
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import Status
from preflight.net.dns import DnsClient
from preflight.net.ssh import SshTarget
from preflight.net.ssh_commands import Access, CommandResult

pytestmark = [pytest.mark.sshd, pytest.mark.postfix]

# Runs every command as asked, except that reading opendkim.conf kills the session (the sshd
# process serving this connection): the channel closes and no exit status is ever sent.
FORCE = """#!/bin/sh
case "$SSH_ORIGINAL_COMMAND" in
  *opendkim.conf*) kill -9 "$PPID"; sleep 5 ;;
esac
exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
"""


def test_a_command_result_without_exit_status_is_lost() -> None:
    lost = CommandResult("cat", "cat /etc/opendkim.conf", None, "Syslog yes\n", "", 0.1)
    assert lost.access is Access.LOST
    assert "exit status" in lost.reason
    # paramiko's recv_exit_status() says -1 when the channel closed without one
    assert CommandResult("cat", "cat /etc/opendkim.conf", -1, "", "", 0.1).access is Access.LOST


@pytest.fixture()
def killing_server(tmp_path: Path) -> Iterator[tuple[SshdServer, Path]]:
    reason = missing_prerequisite() or postfix_missing()
    if reason:
        pytest.skip(reason)
    client = tmp_path / "client_ed25519"
    keygen(client)
    files = {**new_server_files(), "preflight-force.sh": FileSpec(FORCE, mode=0o755)}
    server = start_sshd(tmp_path / "srv", files, client_key=client,
                        extra_config=("ForceCommand /etc/preflight-force.sh",))
    try:
        yield server, client
    finally:
        server.stop()


def test_channel_closed_during_cat_is_could_not_check(
    inventory_dns: LabDnsServer, killing_server: tuple[SshdServer, Path], tmp_path: Path,
) -> None:
    server, client = killing_server
    settings = SshSettings(
        new=SshTarget(server.user, server.host, server.port),
        known_hosts=str(server.known_hosts(tmp_path / "known_hosts")), key_file=str(client),
        timeout=15.0, command_timeout=30.0, port25_targets=(), port25_timeout=2,
    )
    config = with_settings(make_config(inventory_dns, ips=(NEW_IP,), hostname=NEW_HOST,
                                       domains=(DOMAIN,), selectors=("s1",), timeout=1.0), settings)
    results = run(RunContext(config, DnsClient(config.dns), FIXED_NOW)).results
    signer = [r for r in results if r.check_id == "server.dkim_signer"]
    # Then the DKIM signer is "could not check", never "none found" and never found
    assert signer, describe(results)
    assert {r.status for r in signer} == {Status.ERROR}, describe(results)
    assert all(r.outcome == "error" for r in signer)
