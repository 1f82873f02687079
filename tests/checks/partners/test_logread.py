"""Partners from the old server's mail log: the server-side count (run here by bash and awk on a
sample log), and reading what it prints (pure, hostile input tolerated)."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from preflight.checks.partners.logread import LogClient, facts_from, parse_counts, window
from preflight.net.ssh import CommandResult, SshTarget
from preflight.net.ssh_commands import MAIL_LOG_SCRIPT, build_command

TODAY = date(2026, 11, 29)

# Real Postfix lines: traditional syslog (RHEL maillog), RFC 3339 (rsyslog on Debian 12), postscreen.
SYSLOG = """\
Nov 28 10:00:01 old postfix/postscreen[100]: CONNECT from [198.19.7.10]:40000 to [198.51.100.41]:25
Nov 28 10:00:02 old postfix/postscreen[100]: PASS OLD [198.19.7.10]:40000
Nov 28 10:00:02 old postfix/smtpd[101]: connect from mx.clean.partners.test[198.19.7.10]
Nov 28 10:00:03 old postfix/smtpd[101]: 4F3A2C0123: client=mx.clean.partners.test[198.19.7.10]
Nov 28 10:00:04 old postfix/smtpd[101]: disconnect from mx.clean.partners.test[198.19.7.10] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5
Nov 28 11:00:02 old postfix/smtpd[102]: connect from mx.clean.partners.test[198.19.7.10]
Nov  2 09:00:00 old postfix/smtpd[103]: connect from unknown[198.19.7.11]
Oct  1 09:00:00 old postfix/smtpd[104]: connect from unknown[198.19.7.12]
Nov 28 12:00:00 old postfix/submission/smtpd[105]: connect from home.example[198.19.7.99]
Nov 28 12:00:01 old postfix/smtpd[106]: connect from localhost[127.0.0.1]
Nov 28 12:00:02 old postfix/smtpd[107]: connect from lan.example[192.168.1.20]
Nov 28 12:00:03 old postfix-out/smtpd[108]: connect from mail.example[198.19.7.13]
"""
ISO = """\
2026-11-27T10:00:02.123456+09:00 old postfix/smtpd[201]: connect from mail.x[2001:db8:7::41]
2026-11-27T10:00:03.000000+09:00 old postfix/smtpd[201]: connect from mail.x[2001:db8:7::41]
2025-11-27T10:00:03.000000+09:00 old postfix/smtpd[202]: connect from mail.x[198.19.7.14]
garbage line without a date
"""


def run_script(root: Path, days: int = 30, top: int = 50) -> subprocess.CompletedProcess[str]:
    """The allowlisted command's script, with /var/log pointed at ``root`` (here, not over SSH)."""
    since, listed = window(TODAY, days)
    script = MAIL_LOG_SCRIPT.replace("/var/log", str(root))
    return subprocess.run(["bash", "-c", script, since, listed, str(top)], capture_output=True, text=True,
                          timeout=30, check=False)


@pytest.fixture()
def log_dir(tmp_path: Path) -> Path:
    if not shutil.which("awk") or not shutil.which("zcat"):
        pytest.skip("awk and zcat are needed")
    (tmp_path / "mail.log").write_text(ISO)
    with gzip.open(tmp_path / "mail.log.2.gz", "wt") as handle:
        handle.write(SYSLOG)
    (tmp_path / "syslog").write_text("Nov 28 10:00:02 old postfix/smtpd[1]: connect from x[198.19.7.66]\n")
    return tmp_path


def test_the_server_side_count(log_dir: Path) -> None:
    done = run_script(log_dir)
    assert done.returncode == 0, done.stderr
    lines = sorted(done.stdout.splitlines())
    # Only smtpd/postscreen of Postfix (any instance, not submission), within the 30 days.
    assert lines == sorted(["2 s 198.19.7.10", "1 p 198.19.7.10", "1 s 198.19.7.11", "1 s 127.0.0.1",
                            "1 s 192.168.1.20", "1 s 198.19.7.13", "2 s 2001:db8:7::41"])
    assert f"#file {log_dir}/mail.log" in done.stderr and f"#file {log_dir}/mail.log.2.gz" in done.stderr
    # Then, read: loopback and private addresses dropped, busiest first, smtpd lines rank.
    counts = parse_counts(done.stdout, done.stderr, top=3)
    assert counts.kind == "smtpd"
    assert counts.clients == (LogClient("198.19.7.10", 2), LogClient("2001:db8:7::41", 2),
                              LogClient("198.19.7.11", 1))
    assert (counts.distinct, counts.connections) == (4, 6)
    assert counts.files == (f"{log_dir}/mail.log", f"{log_dir}/mail.log.2.gz")


def test_a_shorter_window_and_the_top_limit(log_dir: Path) -> None:
    done = run_script(log_dir, days=3, top=1)
    assert done.stdout.split() in (["2", "s", "198.19.7.10"], ["2", "s", "2001:db8:7::41"])


def test_old_files_are_not_read(log_dir: Path) -> None:
    import os

    old = log_dir / "mail.log.2.gz"
    os.utime(old, (0, 0))  # last written in 1970: outside the window, never opened
    done = run_script(log_dir)
    assert "mail.log.2.gz" not in done.stderr and "198.19.7.11" not in done.stdout


def test_postscreen_lines_count_only_without_smtpd_lines() -> None:
    counts = parse_counts("5 p 198.19.7.10\n3 p 198.19.7.11\n", "#journal\n", top=20)
    assert counts.kind == "postscreen" and counts.journal
    assert counts.clients[0] == LogClient("198.19.7.10", 5)


def test_journal_without_permission() -> None:
    stderr = ("#journal\nHint: You are currently not seeing messages from other users and the system.\n"
              "      Users in groups 'adm', 'systemd-journal' can see all messages.\n")
    counts = parse_counts("", stderr, top=20)
    assert counts.journal_denied and not counts.clients


def test_ipv4_mapped_addresses_and_duplicates_merge() -> None:
    counts = parse_counts("2 s ::ffff:198.19.7.10\n3 s 198.19.7.10\n", "", top=5)
    assert counts.clients == (LogClient("198.19.7.10", 5),)


@given(st.text(max_size=2000), st.text(max_size=500), st.integers(min_value=1, max_value=200))
def test_hostile_output_never_breaks_the_reader(stdout: str, stderr: str, top: int) -> None:
    counts = parse_counts(stdout, stderr, top)
    assert len(counts.clients) <= top
    assert all(c.connections > 0 for c in counts.clients)


def test_window_and_command_arguments() -> None:
    since, listed = window(TODAY, 30)
    assert since == "2026-10-31" and listed.split()[0] == "20261129" and listed.split()[-1] == "20261031"
    command = build_command("mail_log_clients", 110, since, listed, 2000)
    assert command.endswith(f"'{listed}' 2000") and " 2026-10-31 " in command


@pytest.mark.parametrize("args", [
    (110, "2026-10-31; reboot", "20261129", 20),
    (110, "2026-13-01", "20261129", 20),
    (110, "2026-10-31", "20261129 $(reboot)", 20),
    (110, "2026-10-31", "", 20),
    (110, "2026-10-31", "20261129", 0),
    (999, "2026-10-31", "20261129", 20),
])
def test_the_log_command_refuses_bad_arguments(args: tuple[object, ...]) -> None:
    from preflight.errors import InputError

    with pytest.raises(InputError):
        build_command("mail_log_clients", *args)


def test_facts_of_a_failed_command() -> None:
    target = SshTarget("root", "192.0.2.1")
    result = CommandResult("mail_log_clients", "…", None, "", "", 110.0, timed_out=True)
    facts = facts_from(target, 30, 20, result)
    assert facts.counts is None and facts.error.startswith("timed out")
