"""Partner impact with real servers: the new server's own policy and the old server's mail log.

Two OpenSSH servers on loopback (tests/servers/sshd.py) with their own /etc and /var/log: the new
one runs Postfix with postscreen and the stand-in lists of partners.test; the old one has a
mail log of real Postfix lines. The server and partners families run together, as in a real run:
the new server is inventoried once, and its RBL policy feeds the prediction.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FIXED_NOW, make_config, require
from servers.sshd import (
    FileSpec,
    SshdServer,
    keygen,
    missing_prerequisite,
    postfix_missing,
    start_sshd,
)

from checks.partners.conftest import NEW_IP, RBL, find, verdicts
from preflight.checks.partners import family as partners
from preflight.checks.partners.settings import PartnerSettings, parse_server_rbls
from preflight.checks.partners.settings import with_settings as with_partners
from preflight.checks.server import run as server_run
from preflight.checks.server.settings import SshSettings
from preflight.checks.server.settings import with_settings as with_ssh
from preflight.lab.dnsserver import LabDnsServer
from preflight.model import Status
from preflight.net.ssh import SshTarget
from preflight.engine import Family, Report, run

pytestmark = [pytest.mark.sshd, pytest.mark.postfix]

MAIN_CF = f"""\
myhostname = mail.partners.test
inet_interfaces = all
mynetworks = 127.0.0.0/8
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination,
    reject_rbl_client block.{RBL}, reject_unknown_client_hostname
postscreen_dnsbl_sites = heavy.{RBL}*2 light.{RBL}*1
postscreen_dnsbl_threshold = 2
postscreen_dnsbl_action = enforce
"""
MASTER_CF = """\
smtp      inet  n       -       y       -       1       postscreen
smtpd     pass  -       -       y       -       -       smtpd
dnsblog   unix  -       -       y       -       0       dnsblog
"""
# The old server's log: the busiest client is 198.19.7.32 (forward-confirmed, on no list); then
# listed.partners.test's mail server; then 198.19.7.21 (on heavy: postscreen 2 = threshold).
MAIL_LOG = "".join(
    [f"Nov 2{d} 0{h}:00:01 old postfix/smtpd[1{d}{h}]: connect from ok.fcrdns.partners.test[198.19.7.32]\n"
     for d in range(3, 9) for h in range(5)]
    + [f"Nov 2{d} 10:00:01 old postfix/smtpd[2{d}]: connect from mx.listed.partners.test[198.19.7.11]\n"
       for d in range(3, 9)]
    + ["Nov 28 11:00:01 old postfix/smtpd[300]: connect from unknown[198.19.7.21]\n",
       "Nov 28 11:00:02 old postfix/smtpd[301]: connect from localhost[127.0.0.1]\n",
       "Nov 28 11:00:03 old postfix/submission/smtpd[302]: connect from home[198.19.7.99]\n"]
)


# A new server whose restriction list asks its own access tables before the list: an indexed
# (hash:) table preflight can only query with postmap -q, and a cidr table it reads and evaluates.
TABLES_MAIN_CF = f"""\
compatibility_level = 3.6
myhostname = mail.partners.test
mynetworks = 127.0.0.0/8
smtpd_client_restrictions = check_client_access hash:/etc/postfix/client_access,
    check_client_access cidr:/etc/postfix/client_access.cidr, reject_rbl_client block.{RBL}
"""
TABLES_FILES = {"postfix/main.cf": TABLES_MAIN_CF, "postfix/master.cf": MASTER_CF,
                "postfix/client_access": "198.19.7.11 OK\n",
                "postfix/client_access.cidr": "198.19.7.21/32 REJECT\n198.19.7.0/24 DUNNO\n"}


@dataclass(frozen=True)
class PartnerLab:
    new: SshdServer
    old: SshdServer
    locked: SshdServer
    """An old server whose mail log the SSH user may not read (root:adm 0640)."""
    key: Path
    tables: SshdServer

    def known_hosts(self, path: Path) -> Path:
        servers = (self.new, self.old, self.locked, self.tables)
        path.write_text("".join(f"[{s.host}]:{s.port} {s.host_key_line}\n" for s in servers))
        return path


@pytest.fixture(scope="module")
def partner_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PartnerLab]:
    reason = missing_prerequisite() or postfix_missing()
    require(reason is None, reason or "")
    base = tmp_path_factory.mktemp("partners-sshd")
    key = base / "client_ed25519"
    keygen(key)
    started: list[SshdServer] = []
    try:
        started.append(start_sshd(base / "new", {"postfix/main.cf": MAIN_CF, "postfix/master.cf": MASTER_CF},
                                  client_key=key))
        started.append(start_sshd(base / "old", {}, client_key=key, var_log={
            "mail.log": MAIL_LOG, "mail.log.1": FileSpec(MAIL_LOG, 0o640, 0, 4)}))
        started.append(start_sshd(base / "locked", {}, client_key=key,
                                  var_log={"maillog": FileSpec(MAIL_LOG, 0o640, 0, 4)}))
        tables = start_sshd(base / "tables", TABLES_FILES, client_key=key)
        started.append(tables)
        etc = base / "tables" / "etc" / "postfix"  # that server's /etc: build its hash table there
        subprocess.run(["postmap", "-c", str(etc), f"hash:{etc}/client_access"], check=True,
                       env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"})
        yield PartnerLab(*started[:3], key, tables)
    finally:
        for server in started:
            server.stop()


def _target(server: SshdServer) -> SshTarget:
    return SshTarget(server.user, server.host, server.port)


def _run(lab: LabDnsServer, settings: SshSettings, partner_settings: PartnerSettings) -> Report:
    config = with_partners(with_ssh(make_config(lab, ips=(NEW_IP,), timeout=0.5), settings), partner_settings)
    return run(config, families=[Family("server", server_run), Family("partners", partners.run)], now=FIXED_NOW)


def _logins(server: SshdServer) -> int:
    return sum("Accepted publickey" in line for line in server.log)


def test_the_new_servers_policy_and_the_old_servers_log(dns_server: LabDnsServer, partner_lab: PartnerLab,
                                                        tmp_path: Path) -> None:
    # Given the new and the old server over SSH, one partner domain and the old server's log,
    ssh = SshSettings(new=_target(partner_lab.new), old=_target(partner_lab.old),
                      known_hosts=str(partner_lab.known_hosts(tmp_path / "known_hosts")),
                      key_file=str(partner_lab.key), timeout=15.0)
    new_logins = _logins(partner_lab.new)
    report = _run(dns_server, ssh, PartnerSettings(domains=("listed.partners.test",), from_log=True,
                                                   log_top=3, use_ssh=True))
    results = report.results
    # then the prediction uses the new server's own configuration, read once for both families,
    policy = find(results, "partners.policy")
    assert (policy.outcome, policy.status) == ("from_ssh", Status.PASS)
    assert policy.params["lists"] == f"reject_rbl_client block.{RBL}"
    assert policy.params["hostname"] == "reject_unknown_client_hostname"
    assert _logins(partner_lab.new) == new_logins + 1
    # the old server's log names the busiest clients (counted on the server; both files, one denied),
    source = find(results, "partners.source")
    assert (source.outcome, source.status) == ("log_read", Status.PASS)
    assert (source.params["connections"], source.params["clients"], source.params["top"]) == ("37", "3", "3")
    assert source.params["where"] == "/var/log/mail.log"
    assert any(e.label == "not readable" and "/var/log/mail.log.1" in e.value for e in source.evidence)
    # and every partner address gets its verdict, the log's count joining the domain's address.
    assert verdicts(report_output(report)) == {
        "listed.partners.test 198.19.7.11": ("rejected", Status.FAIL),
        "198.19.7.32": ("accepted", Status.PASS),
        "198.19.7.21": ("rejected", Status.FAIL),
    }
    listed = next(e for e in report.sections["partners"]["entries"] if e["ip"] == "198.19.7.11")
    assert [o["kind"] for o in listed["origins"]] == ["mx", "spf", "log"] and listed["log_count"] == 6
    # 198.19.7.21 is on heavy (postscreen 2 = threshold 2) and has no PTR: postscreen answers
    # first (550); the fix lets it past both postscreen and reject_unknown_client_hostname.
    both = find(results, "partners.rejected", "198.19.7.21")
    assert both.params["code"] == "550"
    assert "postscreen_dnsbl_sites" in both.params["by"]
    assert "postscreen_access_list = cidr:/etc/postfix/postscreen_access.cidr" in both.params["fix"]
    assert "check_client_access cidr:/etc/postfix/partners_access.cidr, reject_unknown_client_hostname" in \
        both.params["fix"] or "partners_rcpt_access.cidr, reject_unknown_client_hostname" in both.params["fix"]
    assert report.sections["partners"]["policy"]["source"] == "ssh"
    assert report.sections["inventory"]["servers"]["new"]["connected"]


def report_output(report: Report) -> object:
    from preflight.model import FamilyOutput

    return FamilyOutput(report.results, report.sections)


def test_access_tables_on_the_new_server_are_read_and_asked(dns_server: LabDnsServer, partner_lab: PartnerLab,
                                                            tmp_path: Path) -> None:
    # Given a new server whose hash: table allows .11 and whose cidr: table rejects .21,
    ssh = SshSettings(new=_target(partner_lab.tables), known_hosts=str(partner_lab.known_hosts(tmp_path / "kh")),
                      key_file=str(partner_lab.key), timeout=15.0)
    logins = _logins(partner_lab.tables)
    report = _run(dns_server, ssh, PartnerSettings(ips=("198.19.7.11", "198.19.7.21", "198.19.7.10"),
                                                   use_ssh=True))
    # then .11 (on block.rbl) is let in by the hash table (asked with postmap -q), .21 is
    # rejected by the cidr table (read with cat), and .10 goes on to the list and passes;
    assert verdicts(report_output(report)) == {
        "198.19.7.11": ("accepted_listed", Status.PASS),
        "198.19.7.21": ("rejected_rule", Status.FAIL),
        "198.19.7.10": ("accepted", Status.PASS),
    }
    rejected = find(report.results, "partners.rejected", "198.19.7.21")
    assert rejected.params["by"].startswith("cidr:/etc/postfix/client_access.cidr → REJECT")
    listed = find(report.results, "partners.rejected", "198.19.7.11")
    assert "hash:/etc/postfix/client_access → OK" in listed.params["why"]
    # one login for the inventory, one for the tables.
    assert _logins(partner_lab.tables) == logins + 2


def test_a_log_the_ssh_user_may_not_read(dns_server: LabDnsServer, partner_lab: PartnerLab, tmp_path: Path) -> None:
    ssh = SshSettings(new=_target(partner_lab.new), old=_target(partner_lab.locked),
                      known_hosts=str(partner_lab.known_hosts(tmp_path / "known_hosts")),
                      key_file=str(partner_lab.key), timeout=15.0)
    report = _run(dns_server, ssh, PartnerSettings(ips=("198.19.7.10",), from_log=True, use_ssh=True))
    source = find(report.results, "partners.source")
    assert (source.outcome, source.status) == ("log_denied", Status.SKIP)
    assert source.params["where"] == "/var/log/maillog"
    assert find(report.results, "partners.rejected", "198.19.7.10").status is Status.PASS


def test_a_new_server_that_cannot_be_reached(dns_server: LabDnsServer, tmp_path: Path) -> None:
    # No sshd needed: a closed loopback port.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ssh = SshSettings(new=SshTarget("admin", "127.0.0.1", port), known_hosts=str(tmp_path / "kh"), timeout=2.0)
    report = _run(dns_server, ssh, PartnerSettings(domains=("listed.partners.test",), use_ssh=True,
                                                   plan_policy=parse_server_rbls([f"reject_rbl_client block.{RBL}"])))
    policy = find(report.results, "partners.policy")
    assert (policy.outcome, policy.status) == ("unavailable", Status.ERROR)
    assert "refused" in policy.params["reason"]
    summary = find(report.results, "partners.summary")
    assert (summary.outcome, summary.status) == ("no_policy", Status.ERROR)
    assert not [r for r in report.results if r.check_id == "partners.rejected"]
    section = report.sections["partners"]
    assert section["policy"]["available"] is False and section["summary"]["partners"] == 1
