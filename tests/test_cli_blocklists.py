"""The command line of the blocklist checks: `preflight lists`, the DQS key, the [blocklists] plan."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from preflight.cli import app
from preflight.lab.dnsserver import LabDnsServer

runner = CliRunner()
TEST_KEY = "labdqskey4tests0000000000"   # tests/zones/dq.spamhaus.net.zone


def ns(server: LabDnsServer) -> str:
    host, port = server.address
    return f"{host}:{port}"


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


# -- preflight lists -------------------------------------------------------------------------------


def test_lists_shows_the_catalogue() -> None:
    result = invoke("lists")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["id", "zone", "kind", "subjects", "enabled", "status", "why"]
    zen = next(line for line in lines if line.startswith("spamhaus-zen "))
    assert zen.split()[1:6] == ["zen.spamhaus.org", "block", "ipv4,ipv6", "yes", "active"]
    assert "on: a mail blocklist receivers use" in zen
    sorbs = next(line for line in lines if line.startswith("sorbs-dnsbl "))
    assert sorbs.split()[4:6] == ["no", "dead"] and "never queried" in sorbs
    # every zone says why it is (not) on by default
    assert "off: sells express delisting" in next(line for line in lines if line.startswith("uceprotect-1 "))
    assert "off: cannot be self-tested" in next(line for line in lines if line.startswith("0spam-bl "))
    assert "a listing only warns" in next(line for line in lines if line.startswith("dronebl "))
    assert "already contains it" in next(line for line in lines if line.startswith("spamhaus-sbl "))


def test_lists_why_follows_the_plan_and_the_language(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('[blocklists]\nzones = ["uceprotect-1"]\ndisable = ["spamcop"]\n')
    result = invoke("lists", "--config", str(plan), "--json", "-")
    assert result.exit_code == 0, result.stderr
    zones = {z["id"]: z for z in json.loads(result.stdout)["zones"]}
    assert zones["uceprotect-1"]["enabled"] and zones["uceprotect-1"]["default_why"] == "user"
    assert not zones["spamcop"]["enabled"] and zones["spamcop"]["default_why"] == "disabled-by-plan"
    assert zones["psbl"]["default_why"] == "mail-list" and zones["psbl"]["curated"]
    japanese = invoke("lists", "--lang", "ja", "--json", "-")
    rows = {z["id"]: z for z in json.loads(japanese.stdout)["zones"]}
    assert rows["uceprotect-1"]["why"].startswith("無効")


def test_lists_json_to_stdout_is_only_json() -> None:
    result = invoke("lists", "--json", "-")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["catalogue"] == "2026-12-07"
    row = next(z for z in data["zones"] if z["id"] == "spamcop")
    assert row["enabled"] is True and row["subjects"] == ["ipv4"] and "probe" not in row


def test_lists_probe_through_the_lab(dns_server: LabDnsServer) -> None:
    dns_server.reset_stats()
    result = invoke("lists", "--probe", "--nameserver", ns(dns_server), "--timeout", "5", "--json", "-")
    assert result.exit_code == 0, result.stderr
    zones = {z["id"]: z for z in json.loads(result.stdout)["zones"]}
    assert zones["spamhaus-zen"]["probe"] == "usable"
    assert zones["0spam-bl"]["probe"] == "usable (plausibility probe)"   # a random name stayed unlisted
    assert zones["barracuda-brbl"]["probe"] == "unreliable"   # the lab is not registered with it
    assert zones["sorbs-dnsbl"]["probe"] == "-"               # dead lists are never probed
    assert not [q for q in dns_server.query_log if q.name.endswith("sorbs.net.")]
    # self-tests only: every name asked is an RFC 5782 test entry
    entries = ("2.0.0.127.", "1.0.0.127.", "2.0.0.0.0.0.f.7.f.f.f.f.", "1.0.0.0.0.0.f.7.f.f.f.f.",
               "test.", "invalid.", "dbltest.com.", "_dnsbl_.test.", "_dnsblneg_.test.", "preflight-probe-")
    assert dns_server.query_log
    assert not [q.name for q in dns_server.query_log if not q.name.startswith(entries)]


def test_lists_probe_exits_3_when_an_enabled_list_is_unusable(dns_server: LabDnsServer, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('[blocklists]\nzones = ["barracuda-brbl"]\n')
    result = invoke("lists", "--probe", "--config", str(plan), "--nameserver", ns(dns_server),
                    "--timeout", "5")
    assert result.exit_code == 3
    assert "not usable from this resolver: barracuda-brbl" in result.stderr
    assert "unreliable" in next(line for line in result.stdout.splitlines() if line.startswith("barracuda"))


# -- bad input: exit 2 with one line ---------------------------------------------------------------

BAD_PLANS = [
    ('ips = ["203.0.113.25", "not-an-ip"]\n', "plan: ips: invalid IP address 'not-an-ip'"),
    ('ips = ["203.0.113.25"]\n[blocklists]\nzones = ["spamhaus-zen", "nope"]\n',
     "plan: blocklists.zones: unknown blocklist id 'nope'"),
    ('ips = ["203.0.113.25"]\n[[blocklists.custom]]\nzone = "bl..example.net"\n',
     "plan: blocklists.custom[0]: custom zone: invalid zone name"),
    ('ips = ["203.0.113.25"]\n[blocklists]\nspamhaus_dqs_key = "short"\n',
     "plan: blocklists.spamhaus_dqs_key: not a Spamhaus DQS key"),
]


@pytest.mark.parametrize(("content", "message"), BAD_PLANS)
def test_bad_plan_exits_2_with_one_line(tmp_path: Path, content: str, message: str) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(content)
    result = invoke("check", "--config", str(plan))
    assert result.exit_code == 2
    assert result.stderr.startswith("preflight: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    if "short" in content:
        assert "short" not in result.stderr


def test_bad_key_flag_exits_2_without_echoing_it() -> None:
    result = invoke("check", "--ip", "203.0.113.25", "--spamhaus-dqs-key", "bad key with spaces")
    assert result.exit_code == 2
    assert "not a Spamhaus DQS key" in result.stderr and "spaces" not in result.stderr


# -- the DQS key never reaches a report ------------------------------------------------------------


@pytest.mark.parametrize("via", ["flag", "env", "plan"])
def test_dqs_key_is_absent_from_json_and_html(dns_server: LabDnsServer, tmp_path: Path, via: str) -> None:
    html, js = tmp_path / "r.html", tmp_path / "r.json"
    args = ["check", "--ip", "198.51.100.65", "--domain", "example.net", "--nameserver", ns(dns_server),
            "--timeout", "5", "--no-smtp", "--no-client", "--html", str(html), "--json", str(js)]
    env = None
    if via == "flag":
        args += ["--spamhaus-dqs-key", TEST_KEY]
    elif via == "env":
        env = {"PREFLIGHT_SPAMHAUS_DQS_KEY": TEST_KEY}
    else:
        plan = tmp_path / "plan.toml"
        plan.write_text(f'[blocklists]\nspamhaus_dqs_key = "{TEST_KEY}"\n')
        args += ["--config", str(plan)]
    result = invoke(*args, env=env)
    assert result.exit_code in (1, 3), result.stderr
    data = json.loads(js.read_text())
    zen = [r for r in data["blocklists"] if r["zone_id"] == "spamhaus-zen"]
    assert zen and zen[0]["zone"] == "<key>.zen.dq.spamhaus.net" and zen[0]["state"] == "listed"
    for text in (js.read_text(), html.read_text(), result.stdout, result.stderr):
        assert TEST_KEY not in text.lower()
    assert "&lt;key&gt;.zen.dq.spamhaus.net" in html.read_text()


def test_help_never_shows_the_key_from_the_environment() -> None:
    result = invoke("check", "--help", env={"PREFLIGHT_SPAMHAUS_DQS_KEY": TEST_KEY})
    assert result.exit_code == 0
    assert "PREFLIGHT_SPAMHAUS_DQS_KEY" in result.stdout and TEST_KEY not in result.stdout


# -- flags -----------------------------------------------------------------------------------------


def test_no_blocklists_and_neighbourhood_flags(dns_server: LabDnsServer) -> None:
    base = ("check", "--ip", "203.0.113.25", "--nameserver", ns(dns_server), "--timeout", "5",
            "--no-smtp", "--no-client", "--json", "-")
    off = json.loads(invoke(*base, "--no-blocklists").stdout)
    assert {r["outcome"] for r in off["results"] if r["check_id"] == "blocklist.ip"} == {"disabled"}
    assert "blocklists" not in off


def test_demo_report_shows_the_blocklist_story(tmp_path: Path) -> None:
    result = invoke("demo", "--output-dir", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    data = json.loads((tmp_path / "report.json").read_text())
    schema = json.loads((resources.files("preflight") / "schema" / "report.schema.json").read_text())
    jsonschema.validate(data, schema)
    assert "blocklists" in schema["properties"] and "reputation" in schema["properties"]
    found = {(r["check_id"], r["outcome"], r["subject"]) for r in data["results"]}
    assert ("blocklist.ip", "policy", "2001:db8:25::25 in zen.spamhaus.org") in found
    assert ("blocklist.zone", "unregistered", "b.barracudacentral.org") in found
    assert ("blocklist.ip", "clear", "203.0.113.25") in found
    assert data["reputation"]["network"][0]["asn"] == "AS64500"
    html = (tmp_path / "report.html").read_text()
    assert 'id="blocklists"' in html and 'class="bl-state state-policy"' in html and 'id="reputation"' in html
