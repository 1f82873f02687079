"""The server inventory family end to end, against two real OpenSSH servers on loopback.

The servers answer the real read-only commands from their own /etc (see conftest.py): the new
one is AlmaLinux 9 with Postfix, postscreen and OpenDKIM; the old one CentOS 7.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import support
from conftest import FIXED_NOW, make_config
from report.english_words import english_phrases

from checks.server.conftest import NEW_HOST, NEW_IP, PASSWORD, SshLab
from checks.support import describe
from preflight.checks.server import run
from preflight.checks.server.section import rbl_policy_from_dict
from preflight.checks.server.settings import Port25Target, SshSettings
from preflight.engine import Report, RunContext
from preflight.i18n.messages import result_text
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import CheckResult, Status
from preflight.net.dns import DnsClient
from preflight.net.ssh import COMMANDS, ENV_PREFIX
from preflight.report.json import to_dict

Build = Callable[..., tuple[RunContext, SshSettings]]

pytestmark = [pytest.mark.sshd, pytest.mark.postfix]


def expect(results: tuple[CheckResult, ...] | list[CheckResult], check_id: str, outcome: str,
           status: Status, subject: str | None = None, **params: str) -> CheckResult:
    """:func:`support.expect` (subject given positionally)."""
    return support.expect(results, check_id, outcome, status, subject=subject, **params)


def test_not_configured_means_no_ssh(inventory_dns: LabDnsServer) -> None:
    # Given a run config without SSH settings, the family logs in nowhere and says nothing.
    config = make_config(inventory_dns, ips=(NEW_IP,), hostname=NEW_HOST)
    output = run(RunContext(config, DnsClient(config.dns), FIXED_NOW))
    assert output.results == () and not output.sections


def test_new_server_inventory(server_context: Build, port25_listener: object, closed_port: int) -> None:
    # Given the new server, a loopback "MX" that answers and a closed port,
    ctx, _ = server_context(port25=(Port25Target("127.0.0.1", port25_listener.port),  # type: ignore[attr-defined]
                                    Port25Target("127.0.0.1", closed_port)))
    # when the family runs,
    results = run(ctx).results
    # then every judgement comes from the server's real files and commands.
    expect(results, "server.ssh", "connected", Status.PASS)
    expect(results, "server.os_eol", "supported", Status.PASS, os="AlmaLinux OS 9", eol="2032-05-31")
    expect(results, "server.mta", "postfix", Status.PASS)
    expect(results, "server.helo", "consistent", Status.PASS, helo=NEW_HOST)
    expect(results, "server.mynetworks", "local", Status.PASS)
    expect(results, "server.bind_address", "bound_missing", Status.FAIL, address=NEW_IP)  # not on this host
    expect(results, "server.inet_interfaces", "all", Status.PASS)
    expect(results, "server.tls_files", "ok", Status.PASS, path="/etc/postfix/tls/mail.crt", names=NEW_HOST)
    expect(results, "server.tls_files", "key_present", Status.PASS, path="/etc/postfix/tls/mail.key")
    expect(results, "server.tls_files", "missing", Status.FAIL, path="/etc/postfix/tls/missing-ec.crt")
    expect(results, "server.tls_levels", "incoming_may", Status.PASS)
    expect(results, "server.tls_levels", "outgoing_ok", Status.PASS)
    expect(results, "server.rbls", "configured", Status.PASS,
           zones="bl.spamcop.net, dnsbl.sorbs.net, zen.spamhaus.org")
    expect(results, "server.rbl_dead", "dead", Status.FAIL, zone="dnsbl.sorbs.net")
    expect(results, "server.rbl_resolver", "ok", Status.PASS, resolvers="127.0.0.1")
    expect(results, "server.dkim_signer", "found", Status.PASS, signer="opendkim")
    expect(results, "server.dkim_dns_match", "match", Status.PASS, selector="s1")
    expect(results, "server.dkim_dns_match", "mismatch", Status.FAIL, selector="s2")
    unreadable = expect(results, "server.dkim_dns_match", "unreadable", Status.SKIP, selector="s3")
    assert "opendkim" in unreadable.params["reason"]
    expect(results, "server.dkim_dns_match", "dns_missing", Status.FAIL, selector="s4")
    expect(results, "server.dkim_dns_match", "key_missing", Status.FAIL, selector="s5")
    expect(results, "server.port25_outbound", "open", Status.PASS,
           greeting="220 mx.partner.test ESMTP preflight-test listener")
    expect(results, "server.port25_outbound", "refused", Status.WARN, target=f"127.0.0.1:{closed_port}")
    assert port25_listener.connections >= 1  # type: ignore[attr-defined]


def test_inventory_section_shape_and_commands(server_context: Build) -> None:
    ctx, _ = server_context()
    output = run(ctx)
    section = output.sections["inventory"]
    new = section["servers"]["new"]
    assert new["connected"] and new["os"]["eol"] == "2032-05-31" and new["mta"]["name"] == "postfix"
    assert new["postfix"]["effective"]["myhostname"] == NEW_HOST
    assert new["resolvers"] == ["127.0.0.1"]
    assert new["settings"]["helo"] == NEW_HOST and new["settings"]["relayhost"] == "(empty)"
    assert {"path": "/etc/opendkim/keys/s3.private", "reason": "permission denied",
            "reason_i18n": '[{"key":"server_key_denied","params":{}}]'} in new["skipped"]
    keys = {k["selector"]: k for k in new["dkim"][0]["keys"]}
    assert keys["s1"]["state"] == "ok" and keys["s1"]["public_key_sha256"].startswith("SHA256:")
    assert keys["s3"]["state"] == "denied"
    # The RBL policy is in its documented shape and reads back into an RblPolicy.
    policy = rbl_policy_from_dict(new["rbl_policy"])
    assert policy.postscreen_enabled is True and policy.postscreen_threshold == 3
    assert policy.decide({"zen.spamhaus.org": ["127.0.0.2"]}).rejected
    assert not policy.decide({"bl.spamcop.net": ["127.0.0.2"]}).rejected
    # Every command run is an allowlisted one, exactly as built, and none changed anything.
    allowed = {c.argv[0] for c in COMMANDS}
    for command in new["commands"]:
        words = command["command"].split()
        assert words[:len(ENV_PREFIX)] == list(ENV_PREFIX) and words[len(ENV_PREFIX)] in allowed
    assert section["allowlist"] and "comparison" not in section
    json.dumps(section)  # JSON-ready


def test_many_quick_commands_keep_the_connection(server_context: Build, ssh_lab: SshLab) -> None:
    # A command that ends before preflight closes its stdin: the EOF must never follow the
    # channel's CLOSE, or sshd drops the whole connection and every later read fails (which made
    # the DKIM signer - and its server.dkim_dns_match results - disappear under load)
    from preflight.net.ssh import connect

    _, settings = server_context()
    assert settings.new is not None
    with connect(settings.new, settings.options(), settings.command_timeout) as session:
        results = session.run_many([("read_file", "/etc/os-release")] * 300)
    assert [r.exit_status for r in results] == [0] * 300, {r.reason for r in results if r.exit_status}
    assert len({r.stdout for r in results}) == 1
    assert not [line for line in ssh_lab.new.log if "nonexistent channel" in line]


def test_old_vs_new(server_context: Build) -> None:
    ctx, _ = server_context(old=True)
    output = run(ctx)
    results = output.results
    expect(results, "server.ssh", "connected", Status.PASS, subject="old server")
    expect(results, "server.os_eol", "old_ended", Status.PASS, os="CentOS Linux 7", eol="2024-06-30")
    compare = expect(results, "server.compare", "changed", Status.WARN)
    for setting in ("HELO name", "smtp_tls_security_level", "DNS blocklists", "postscreen", "DKIM"):
        assert setting in compare.params["settings"]
    rows = {r["key"]: r for r in output.sections["inventory"]["comparison"]["rows"]}
    assert (rows["helo"]["old"], rows["helo"]["new"], rows["helo"]["changed"]) == (
        "old.inventory.test", NEW_HOST, True)
    assert rows["smtp_bind_address"]["old"] == "198.51.100.41"  # the master.cf -o override
    assert rows["inet_interfaces"] == {**rows["inet_interfaces"], "old": "all", "new": "all", "changed": False}
    assert rows["os"]["old"] == "CentOS Linux 7 (Core)"
    assert rows["rbls"]["old"] == "dnsbl.sorbs.net, zen.spamhaus.org"
    old = output.sections["inventory"]["servers"]["old"]
    assert old["os"]["eol_state"] == "ended"


def test_unknown_host_key_stops_before_any_command(server_context: Build, tmp_path: Path,
                                                   ssh_lab: SshLab) -> None:
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    ctx, _ = server_context(known_hosts=empty)
    output = run(ctx)
    result = expect(output.results, "server.ssh", "host_key_unknown", Status.ERROR)
    assert result.params["key"] == f"ED25519 {ssh_lab.new.host_fingerprint}"
    assert result.params["name"] == f"[127.0.0.1]:{ssh_lab.new.port}"
    assert [r.check_id for r in output.results] == ["server.ssh"]
    assert output.sections["inventory"]["servers"]["new"]["commands"] == []
    assert empty.read_text() == ""


def test_accept_new_records_then_connects(server_context: Build, tmp_path: Path, ssh_lab: SshLab) -> None:
    known = tmp_path / "fresh_known_hosts"
    ctx, _ = server_context(known_hosts=known, accept_new=True)
    first = expect(run(ctx).results, "server.ssh", "key_recorded", Status.PASS)
    assert first.params["known_hosts"] == str(known)
    assert f"[127.0.0.1]:{ssh_lab.new.port} ssh-ed25519 " in known.read_text()
    ctx, _ = server_context(known_hosts=known)
    expect(run(ctx).results, "server.ssh", "connected", Status.PASS)


def test_changed_host_key_is_refused(server_context: Build, tmp_path: Path, ssh_lab: SshLab) -> None:
    known = tmp_path / "changed_known_hosts"
    # the old server's key recorded under the new server's name: what a MITM (or a reinstall) looks like
    ssh_lab.new.known_hosts(known, key_line=ssh_lab.old.host_key_line)
    before = known.read_text()
    ctx, _ = server_context(known_hosts=known, accept_new=True)
    result = expect(run(ctx).results, "server.ssh", "host_key_changed", Status.ERROR)
    assert result.params["expected"] == f"ED25519 {ssh_lab.old.host_fingerprint}"
    assert known.read_text() == before


def test_wrong_user_key_is_could_not_check(server_context: Build, ssh_lab: SshLab) -> None:
    ctx, _ = server_context(key=ssh_lab.wrong_key)
    result = expect(run(ctx).results, "server.ssh", "auth_failed", Status.ERROR)
    assert str(ssh_lab.wrong_key) in result.params["methods"]


def test_password_login_never_shows_the_password(server_context: Build, ssh_lab: SshLab) -> None:
    ctx, settings = server_context(key=ssh_lab.wrong_key, password=PASSWORD)
    assert PASSWORD not in repr(settings)
    output = run(ctx)
    expect(output.results, "server.ssh", "connected", Status.PASS)
    report = Report(FIXED_NOW, {}, {}, output.results, dict(output.sections))
    text = json.dumps(to_dict(report))
    assert PASSWORD not in text and '"password_given": true' in text
    ctx, _ = server_context(key=ssh_lab.wrong_key, password="not the password")
    failed = expect(run(ctx).results, "server.ssh", "auth_failed", Status.ERROR)
    assert "not the password" not in repr(failed)


def test_unreachable_server_is_could_not_check(server_context: Build, closed_port: int) -> None:
    from preflight.net.ssh import SshTarget

    ctx, _ = server_context(new=SshTarget("pfcheck", "127.0.0.1", closed_port))
    result = expect(run(ctx).results, "server.ssh", "unreachable", Status.ERROR)
    # the reason is ours ("connection refused"): it reads in Japanese in a Japanese report
    ja = result_text(result.check_id, result.outcome, dict(result.params), "ja").summary
    assert ja.startswith("新サーバー") and not english_phrases(f"<p>{ja}</p>", exclude=(result.params["server"],)), ja


def test_default_settings_never_probe_mx_hosts(server_context: Build) -> None:
    # The plan's domain has an MX (mail.inventory.test) in the lab, but a SshSettings built without
    # port25_from_mx (only the CLI sets it) tests no target at all.
    ctx, settings = server_context()
    assert not settings.port25_from_mx and not settings.port25_targets
    expect(run(ctx).results, "server.port25_outbound", "no_targets", Status.SKIP)


def test_mx_targets_come_from_dns(inventory_dns: LabDnsServer) -> None:
    # The default targets are computed (not contacted) here.
    from preflight.checks.server import mx_targets

    client = DnsClient(make_config(inventory_dns, ips=(NEW_IP,)).dns)
    assert mx_targets(client, ("inventory.test", "nx.inventory.test")) == (Port25Target(NEW_HOST),)


@pytest.mark.parametrize("selectors", [("s1",), ("s2026",)])
def test_planned_selector(server_context: Build, selectors: tuple[str, ...]) -> None:
    ctx, _ = server_context(selectors=selectors)
    output = run(ctx)
    missing = [r for r in output.results if r.outcome == "selector_missing"]
    assert bool(missing) == (selectors == ("s2026",)), (describe(output.results),
                                                         output.sections["inventory"]["servers"]["new"])
