"""``preflight message`` and ``check --message``: exit codes, outputs, bad files, and the lab's
own mail flow (the lab SMTP server signs and sends, a lab receiver stamps, preflight reads it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from conftest import FIXED_NOW
from typer.testing import CliRunner

from preflight.cli import app
from preflight.lab.dnsserver import LabDnsServer
from preflight.lab.environment import lab_smtp, lab_test_message

runner = CliRunner()


def ns(server: LabDnsServer) -> str:
    host, port = server.address
    return f"{host}:{port}"


@pytest.fixture(scope="module")
def lab_eml(lab: LabDnsServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's test message: signed by the lab SMTP server, stamped by the lab receiver."""
    with lab_smtp(FIXED_NOW) as smtp:
        data = lab_test_message(lab, smtp, FIXED_NOW, client_ip="203.0.113.25")
    path = tmp_path_factory.mktemp("eml") / "test.eml"
    path.write_bytes(data)
    return path


def schema() -> dict:
    return json.loads((resources.files("preflight") / "schema" / "report.schema.json").read_text())


def test_lab_mail_flow_is_stamped_as_a_receiver_would(lab_eml: Path) -> None:
    text = lab_eml.read_bytes().decode()
    top = text.split("\r\n\r\n", 1)[0]
    assert top.startswith("Return-Path: <bounce@example.com>")
    assert "Authentication-Results: mx.receiver.example;" in top and "dkim=pass header.d=example.com" in top
    # The TLS version and cipher are what the two lab servers really negotiated.
    assert "(using TLSv1." in top and "by mx.receiver.example (Postfix) with ESMTPS" in top
    assert "DKIM-Signature:" in top and "s=s2026" in top


def test_preflight_message_reads_the_lab_message(dns_server: LabDnsServer, lab_eml: Path, tmp_path: Path) -> None:
    html = tmp_path / "m.html"
    result = runner.invoke(app, ["message", str(lab_eml), "--ip", "203.0.113.25", "--nameserver", ns(dns_server),
                                 "--timeout", "1", "--json", "-", "--html", str(html)])
    data = json.loads(result.stdout)
    jsonschema.validate(data, schema())
    by = {(r["check_id"], r["subject"].split(": ")[-1]): r for r in data["results"]}
    assert by[("message.path", "test.eml")]["outcome"] == "left_new_ip"
    assert by[("message.dkim", "d=example.com s=s2026")]["status"] == "pass"
    # example.com's SPF misses the new IP (the demo's known problem): we and the receiver say fail.
    assert by[("message.spf", "example.com ← 203.0.113.25")]["outcome"] == "fail"
    # The lab receiver shares no code with our checks: agreement on all three is a real comparison.
    assert {r["params"]["method"]: r["outcome"] for r in data["results"] if r["check_id"] == "message.agreement"} == \
        {"spf": "agree", "dkim": "agree", "dmarc": "agree"}
    assert data["messages"][0]["verdicts"] == [{"method": "spf", "ours": "fail", "theirs": "fail"},
                                               {"method": "dkim", "ours": "pass", "theirs": "pass"},
                                               {"method": "dmarc", "ours": "pass", "theirs": "pass"}]
    assert result.exit_code == 1  # the SPF failure
    assert {r["check_id"].split(".")[0] for r in data["results"]} == {"message"}
    assert "Test messages" in html.read_text()


def test_message_nagios_line_is_the_plugin_state(dns_server: LabDnsServer, lab_eml: Path) -> None:
    # Given the lab message, whose SPF fails (the demo's known problem)
    result = runner.invoke(app, ["message", str(lab_eml), "--ip", "203.0.113.25", "--nameserver", ns(dns_server),
                                 "--timeout", "1", "--nagios"])
    # Then stdout holds one Monitoring Plugins line naming the failure, and the plugin exit is CRITICAL
    from report.test_nagios import GRAMMAR  # the plugin guidelines' grammar, kept in one place

    lines = result.stdout.splitlines()
    assert len(lines) == 1 and GRAMMAR.match(lines[0]), result.stdout
    assert lines[0].startswith("PREFLIGHT CRITICAL") and "message.spf" in lines[0]
    assert result.exit_code == 2
    # And --nagios claims stdout: a report on stdout beside it is a usage error
    clash = runner.invoke(app, ["message", str(lab_eml), "--nagios", "--json", "-", "--nameserver", ns(dns_server)])
    assert clash.exit_code == 2


def test_check_with_message_from_the_plan_in_japanese(dns_server: LabDnsServer, lab_eml: Path,
                                                       tmp_path: Path) -> None:
    shutil.copy(lab_eml, tmp_path / "saved.eml")
    plan = tmp_path / "plan.toml"
    plan.write_text(f'ips = ["203.0.113.25"]\ndomains = ["example.net"]\nnameservers = ["{ns(dns_server)}"]\n'
                    'timeout = 1\nmessages = ["saved.eml"]\n', encoding="utf-8")
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["check", "--config", str(plan), "--no-smtp", "--no-client", "--no-blocklists", "--lang", "ja",
                                 "--html", str(out), "--json", str(tmp_path / "r.json")])
    assert result.exit_code in (0, 1, 3), result.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert any(r["check_id"] == "message.dkim" and r["status"] == "pass" for r in data["results"])
    page = out.read_text()
    assert "テストメッセージ" in page and "受信側の判定" in page
    # No English left in the words of our own verification: the key size reads in Japanese too.
    # (a passing result's summary is in the JSON; the HTML lists passing checks compactly, issue 15)
    dkim = next(r for r in data["results"] if r["check_id"] == "message.dkim" and r["status"] == "pass")
    assert "2048 ビットの鍵" in dkim["summary"] and "bit key" not in page


def test_untrusted_text_is_escaped_in_every_output(dns_server: LabDnsServer, tmp_path: Path) -> None:
    evil = tmp_path / "evil.eml"
    evil.write_bytes(b"Received: from <script>alert(1)</script> ([203.0.113.25]) by mx.receiver.example with ESMTP; "
                     b"Mon, 7 Dec 2026 00:00:00 +0000\r\n"
                     b"Authentication-Results: mx.receiver.example; spf=pass smtp.mailfrom=<img src=x onerror=1>\r\n"
                     b"From: \x1b[31m<a@example.com>\r\nSubject: |`*x*`|\r\n\r\nbody")
    html, md = tmp_path / "e.html", tmp_path / "e.md"
    result = runner.invoke(app, ["message", str(evil), "--ip", "203.0.113.25", "--nameserver", ns(dns_server),
                                 "--timeout", "1", "--html", str(html), "--markdown", str(md), "-q"])
    assert result.exit_code in (0, 1, 3)
    page = html.read_text()
    assert "<script>" not in page and "<img" not in page and "\x1b" not in page
    assert "\x1b" not in md.read_text()


@pytest.mark.parametrize("kind", ["missing", "directory", "fifo", "device", "empty", "not_mail"])
def test_bad_files_exit_2_with_one_line(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "x.eml"
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/null")
    elif kind == "empty":
        path.write_bytes(b"\r\n\r\n")
    elif kind == "not_mail":
        path.write_bytes(bytes(range(256)) * 4)
    for args in (["message", str(path)], ["check", "--ip", "203.0.113.25", "--message", str(path)]):
        result = runner.invoke(app, [*args, "--nameserver", "127.0.0.1:9"])
        assert result.exit_code == 2, (kind, args, result.output)
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith("preflight: error: ")


def test_regular_file_that_cannot_be_read_exits_2() -> None:
    # /proc/self/mem is a regular file that refuses reading at offset 0 (EIO), even for root.
    result = runner.invoke(app, ["message", "/proc/self/mem", "--nameserver", "127.0.0.1:9"])
    assert result.exit_code == 2 and "cannot read message file" in result.stderr, result.output


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "locked.eml"
    path.write_bytes(b"Subject: x\r\n\r\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: permissions do not stop reading")
        result = runner.invoke(app, ["message", str(path), "--nameserver", "127.0.0.1:9"])
        assert result.exit_code == 2 and "cannot read" in result.stderr
    finally:
        path.chmod(0o600)


def test_real_subprocess_of_the_installed_entry_point(dns_server: LabDnsServer, lab_eml: Path) -> None:
    exe = shutil.which("preflight", path=str(Path(sys.executable).parent))
    assert exe is not None
    done = subprocess.run([exe, "message", str(lab_eml), "--ip", "203.0.113.25", "--nameserver", ns(dns_server),
                           "--timeout", "1", "--json", "-"], check=False, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["verdict"] == "not_ready"


def test_dmarc_is_undecided_not_failed_when_the_dkim_key_could_not_be_fetched(
        dns_server: LabDnsServer, lab_eml: Path) -> None:
    # The lab message's SPF fails (the demo's known problem), so DKIM is its only way to align;
    # with the key unreachable, "not aligned" would be a fail the evidence does not show.
    dns_server.add_fault("s2026._domainkey.example.com", "servfail")
    result = runner.invoke(app, ["message", str(lab_eml), "--ip", "203.0.113.25", "--nameserver", ns(dns_server),
                                 "--timeout", "1", "--json", "-"])
    data = json.loads(result.stdout)
    by = {r["check_id"]: r for r in data["results"] if r["check_id"] in ("message.dkim", "message.dmarc")}
    assert (by["message.dkim"]["status"], by["message.dkim"]["outcome"]) == ("error", "dns_error")
    assert (by["message.dmarc"]["status"], by["message.dmarc"]["outcome"]) == ("error", "undecided")
    assert "DKIM" in by["message.dmarc"]["summary"]
    assert data["messages"][0]["verdicts"][2] == {"method": "dmarc", "ours": None, "theirs": "pass"}
    assert result.exit_code == 1  # SPF still fails: that part was checked


def test_a_header_cut_at_the_limit_is_could_not_check_never_missing(dns_server: LabDnsServer, lab_eml: Path,
                                                                   tmp_path: Path) -> None:
    # 200,000 Received fields on top: the real hops, From, Date and Message-ID lie beyond the
    # reading limit. Saying "never left from the new IP" or "no Date field" would be a fail the
    # evidence does not show; "no duplicate field" a pass it does not show.
    crafted = tmp_path / "many.eml"
    crafted.write_bytes(b"Received: from a by b; Mon, 07 Dec 2026 02:56:53 +0000\r\n" * 200_000 + lab_eml.read_bytes())
    result = runner.invoke(app, ["message", str(crafted), "--ip", "203.0.113.25", "--nameserver", ns(dns_server),
                                 "--timeout", "1", "--json", "-"])
    data = json.loads(result.stdout)
    by = {r["check_id"]: r for r in data["results"]}
    assert by["message.read"]["status"] == "warn"
    for check_id in ("message.path", "message.message_id", "message.date", "message.duplicates", "message.dmarc"):
        assert (by[check_id]["status"], by[check_id]["outcome"]) == ("error", "header_cut"), by[check_id]
    assert not [r for r in data["results"] if r["status"] == "fail"]
    assert result.exit_code == 3
