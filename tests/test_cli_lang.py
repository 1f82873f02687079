"""--lang and --markdown on the command line: Japanese reports and messages, re-rendering, tickets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ns
from typer.testing import CliRunner

from preflight.cli import app
from preflight.lab.dnsserver import LabDnsServer

runner = CliRunner()

# example.com's SPF does not authorize the new IP: not ready, with remediation to translate.
BROKEN = ("--ip", "203.0.113.25", "--hostname", "mail.example.com", "--domain", "example.com",
          "--dkim-selector", "s2026", "--timeout", "5", "--no-smtp", "--no-client", "--no-blocklists")



def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def saved(server: LabDnsServer, path: Path, *extra: str) -> dict:
    result = invoke("check", *BROKEN, "--nameserver", ns(server), "--json", str(path), "-q", *extra)
    assert result.exit_code == 1, result.stderr
    return json.loads(path.read_text(encoding="utf-8"))


def test_check_in_japanese(dns_server: LabDnsServer, tmp_path: Path) -> None:
    html, js, md = tmp_path / "r.html", tmp_path / "r.json", tmp_path / "r.md"
    result = invoke("check", *BROKEN, "--nameserver", ns(dns_server), "--lang", "ja",
                    "--html", str(html), "--json", str(js), "--markdown", str(md))
    assert result.exit_code == 1, result.stderr
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["lang"] == "ja"
    spf = next(r for r in data["results"] if r["check_id"] == "spf.authorizes" and r["status"] == "fail")
    assert spf["summary"] == "example.com の SPF は 203.0.113.25 を許可していません（結果：拒否）"
    assert spf["title"] == "SPF が新しい IP を許可しているか"
    page = html.read_text(encoding="utf-8")
    assert '<html lang="ja">' in page and "切り替え前に解消が必要な問題" in page and "承認" in page
    assert "What to do" not in page
    assert md.read_text(encoding="utf-8").startswith("## メールサーバー移行 事前確認レポート")
    # The CLI's own lines are Japanese too: the written files and the console summary.
    assert f"{html} に書き出しました" in result.stderr
    assert "判定：切り替えできません" in result.stdout     # verdict and summary: stdout
    assert "不合格" in result.stdout and "fail " not in result.stdout


@pytest.mark.parametrize("env", [{"PREFLIGHT_LANG": "ja"}, {"LANG": "ja_JP.UTF-8"}, {"LC_ALL": "ja_JP.UTF-8"}])
def test_language_from_the_environment(dns_server: LabDnsServer, env: dict[str, str]) -> None:
    result = invoke("check", *BROKEN, "--nameserver", ns(dns_server), "--json", "-", env=env)
    assert json.loads(result.stdout)["lang"] == "ja"


def test_flag_beats_environment_and_plan(dns_server: LabDnsServer, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('[report]\nlang = "ja"\njson = "-"\n', encoding="utf-8")
    planned = invoke("check", *BROKEN, "--nameserver", ns(dns_server), "--config", str(plan))
    assert json.loads(planned.stdout)["lang"] == "ja"
    flagged = invoke("check", *BROKEN, "--nameserver", ns(dns_server), "--config", str(plan), "--lang", "en",
                     env={"PREFLIGHT_LANG": "ja"})
    assert json.loads(flagged.stdout)["lang"] == "en"


def test_plan_markdown_path(dns_server: LabDnsServer, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    md = tmp_path / "ticket.md"
    plan.write_text(f'[report]\nmarkdown = "{md}"\n', encoding="utf-8")
    result = invoke("check", *BROKEN, "--nameserver", ns(dns_server), "--config", str(plan), "-q")
    assert result.exit_code == 1
    assert "### Blockers: fix these before cutover" in md.read_text(encoding="utf-8")


def test_markdown_to_stdout_keeps_stdout_clean(dns_server: LabDnsServer) -> None:
    result = invoke("check", *BROKEN, "--nameserver", ns(dns_server), "--markdown", "-")
    assert result.stdout.startswith("## Mail server migration readiness")
    assert "Verdict: Not ready" not in result.stdout + result.stderr     # no console summary mixed in


@pytest.mark.parametrize("args, message", [
    (["--lang", "fr"], "unknown language 'fr'"),
    (["--json", "-", "--markdown", "-"], "only one output can go to stdout"),
])
def test_bad_options_exit_2(dns_server: LabDnsServer, args: list[str], message: str) -> None:
    result = invoke("check", *BROKEN, "--nameserver", ns(dns_server), *args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_render_a_saved_report_in_the_other_language(dns_server: LabDnsServer, tmp_path: Path) -> None:
    # Given a report saved in English
    js = tmp_path / "en.json"
    english = saved(dns_server, js)
    assert english["lang"] == "en"
    # When it is rendered again with --lang ja
    html, md = tmp_path / "ja.html", tmp_path / "ja.md"
    result = invoke("render", str(js), "--lang", "ja", "--html", str(html), "--markdown", str(md), "--json", "-")
    assert result.exit_code == 0, result.stderr
    # Then every text is Japanese, rebuilt from outcome + params
    again = json.loads(result.stdout)
    assert again["lang"] == "ja"
    assert [r["params"] for r in again["results"]] == [r["params"] for r in english["results"]]
    assert all(a["summary"] != b["summary"] for a, b in zip(again["results"], english["results"]))
    page = html.read_text(encoding="utf-8")
    assert '<html lang="ja">' in page and "example.com に DMARC" not in page
    assert "SPF が新しい IP を許可しているか" in page
    assert "判定" in md.read_text(encoding="utf-8")
    # And without --lang the saved language is kept
    kept = invoke("render", str(tmp_path / "en.json"), "--json", "-")
    assert json.loads(kept.stdout)["lang"] == "en"


def test_render_needs_something_to_write(tmp_path: Path) -> None:
    result = invoke("render", str(tmp_path / "x.json"))
    assert result.exit_code == 2 and "nothing to write" in result.stderr


def test_diff_and_history_in_japanese(dns_server: LabDnsServer, tmp_path: Path) -> None:
    saved(dns_server, tmp_path / "a.json")
    saved(dns_server, tmp_path / "b.json")
    md = tmp_path / "diff.md"
    result = invoke("diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--lang", "ja",
                    "--html", str(tmp_path / "diff.html"), "--markdown", str(md))
    assert result.exit_code == 0, result.stderr
    assert "悪化 0 件、解消 0 件" in result.stdout
    assert "ベースラインからの変化" in (tmp_path / "diff.html").read_text(encoding="utf-8")
    assert "切り替え前に解消が必要な問題" in md.read_text(encoding="utf-8")
    result = invoke("history", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--lang", "ja",
                    "--html", str(tmp_path / "h.html"))
    assert result.exit_code == 0, result.stderr
    page = (tmp_path / "h.html").read_text(encoding="utf-8")
    assert "履歴" in page and ">不合格<" in page and ">不可<" in page


def test_demo_in_japanese(tmp_path: Path) -> None:
    result = invoke("demo", "--output-dir", str(tmp_path), "--lang", "ja")
    assert result.exit_code == 0, result.stderr
    assert "ラボの DNS サーバーが" in result.stderr and "HTML レポート：" in result.stderr
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["lang"] == "ja"
    assert (tmp_path / "report.md").read_text(encoding="utf-8").startswith("## メールサーバー移行")


def test_help_documents_lang_and_markdown() -> None:
    for command in ("check", "demo", "render", "diff", "history"):
        text = invoke(command, "--help").stdout
        assert "--lang" in text and "PREFLIGHT_LANG" in text, command
    for command in ("check", "render", "diff"):
        assert "--markdown" in invoke(command, "--help").stdout, command


def test_installed_entry_point_speaks_japanese(dns_server: LabDnsServer) -> None:
    exe = Path(sys.executable).parent / "preflight"
    proc = subprocess.run([str(exe), "check", *BROKEN, "--nameserver", ns(dns_server), "--lang", "ja"],
                          capture_output=True, text=True, encoding="utf-8", timeout=60, check=False)
    assert proc.returncode == 1
    assert "判定：切り替えできません" in proc.stdout
