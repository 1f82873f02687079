"""No English sentence of ours in the Japanese outputs of the saved sample report and of the demo.

Every text preflight writes itself comes from ``locales/{en,ja}/*.toml``; what may stay in Latin
letters is not ours or not a sentence: values observed on the network or read from a server (evidence,
records, AS and list names, OS names), identifiers (check ids, result subjects, Postfix parameters,
file names, CLI options), and a library's message quoted as its own. Those are taken out first; any
English phrase left fails the test — so new English cannot creep back into a Japanese report.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from preflight.cli import app
from preflight.data.loader import load_catalogue
from preflight.engine.compare import compare
from preflight.i18n.localize import localize
from preflight.report import console
from preflight.report import html as report_html
from preflight.report import markdown as report_markdown
from report.english_words import english_phrases

SAMPLE = Path(__file__).parent / "samples" / "full_report.json"

NOT_OURS = (
    # identifiers and names that stay in Latin letters in Japanese business writing too
    "Blocking", "Spam Eating Monkey", "S5H blocklist", "SpamRATS", "Passive Spam", "DroneBL", "JustSpam",
    "GBUdb", "LashBack Unsubscribe Blacklist", "botnet IPs", "multi", "os-release", "KeyTable", "SigningTable",
    "myhostname", "mydestination", "relayhost", "(all)", "reload",
)
"""Blocklist product names as their operators spell them, Postfix parameters, file names, and the
command ``postfix reload`` (a remediation step written outside a code span in Markdown)."""

CLI_OPTION = re.compile(r"--[a-z][a-z0-9-]*")


def _values(data: dict[str, Any]) -> tuple[str, ...]:
    """What the report observed or names, not what it says: these are not ours to translate."""
    values: list[str] = [z.name for z in load_catalogue().zones]
    for item in data.get("results", []):
        values += [str(e.get("value", "")) for e in item.get("evidence", []) if not e.get("value_i18n")]
        values.append(str(item.get("subject", "")))
        for key, value in (item.get("params") or {}).items():
            if key.endswith("_i18n") and "quoted_library" in str(value):
                values.append(str(item["params"].get(key[: -len("_i18n")], "")))
    for row in (data.get("reputation") or {}).get("network", []) or []:
        if isinstance(row, dict):
            values += [str(v) for v in row.values()]
    for change in (data.get("comparison") or {}).get("changes", []):
        if change.get("kind") != "setting":  # a setting's label is a bare row key ("dkim"): not a value
            values.append(str(change.get("label", "")))  # check id · subject: keys, like the ids
    for server in ((data.get("inventory") or {}).get("servers") or {}).values():
        values.append(str((server.get("os") or {}).get("name", "")))  # as the server's os-release says
        said = server.get("settings_i18n") or {}
        values += [str(v) for k, v in (server.get("settings") or {}).items() if v and k not in said]
    for row in ((data.get("inventory") or {}).get("comparison") or {}).get("rows", []):
        values += [str(row.get(side, "")) for side in ("old", "new") if not row.get(f"{side}_i18n")]
    return tuple(values) + NOT_OURS


def _markdown_page(text: str) -> str:
    """Markdown as HTML for the counter: code spans and link targets are not prose."""
    text = re.sub(r"<https?://[^>]+>|\(https?://[^)]+\)", " ", text)
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.replace("\\", "").splitlines())


COMPARISON_LABEL = re.compile(r'(<tr class="change-[a-z_]+">\s*<td>.*?</td>\s*<td>).*?(<br>|</td>)', re.S)
HISTORY_LABEL = re.compile(r'(<tr><td>).*?(</td><td class="state-)', re.S)
"""The comparison and history tables' item cells start with the item's key (``check id · subject``):
an identifier, like the results' subject column, which the counter skips by its class."""


def _prose(page: str, values: tuple[str, ...], markdown: bool = False) -> set[str]:
    page = HISTORY_LABEL.sub(r"\1\2", COMPARISON_LABEL.sub(r"\1\2", page))
    if markdown:
        page = re.sub(r"`([^`]*)`", lambda m: f"<code>{m.group(1)}</code>", _markdown_page(page))
    page = CLI_OPTION.sub(" ", page)
    return english_phrases(page, exclude=values)


def _console_text(data: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> str:
    """The summary lines ``preflight check`` / ``diff`` print, in Japanese."""
    capsys.readouterr()
    console.print_summary(localize(data, "ja"), "ja")
    if data.get("comparison"):
        console.print_comparison(localize(data, "ja"), "ja")
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo-ja")
    result = CliRunner().invoke(app, ["demo", "--lang", "ja", "--output-dir", str(folder)])
    assert result.exit_code == 0, result.output
    return folder, result.output


def test_sample_report_in_japanese_has_no_english_of_ours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given the saved sample report (every section), rendered again in Japanese as a user would
    out_html, out_md = tmp_path / "r.html", tmp_path / "r.md"
    result = CliRunner().invoke(app, ["render", str(SAMPLE), "--lang", "ja", "--html", str(out_html),
                                      "--markdown", str(out_md)])
    assert result.exit_code == 0, result.output
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    values = _values(data)
    # Then no English phrase of ours is left in the HTML, the Markdown or the console lines
    for name, found in (("html", _prose(out_html.read_text(encoding="utf-8"), values)),
                        ("markdown", _prose(out_md.read_text(encoding="utf-8"), values, markdown=True)),
                        ("console", _prose(_console_text(data, capsys), values, markdown=True))):
        assert not found, f"{name}: " + "; ".join(sorted(found))


def test_demo_in_japanese_has_no_english_of_ours(demo: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    folder, printed = demo
    data = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    values = _values(data)
    page = report_html.render(localize(data, "ja"), "ja")
    for name, found in (("html", _prose((folder / "report.html").read_text(encoding="utf-8"), values)),
                        ("html from json", _prose(page, values)),
                        ("markdown", _prose((folder / "report.md").read_text(encoding="utf-8"), values, True)),
                        ("markdown from json", _prose(report_markdown.render(localize(data, "ja"), "ja"), values, True)),
                        ("console", _prose(printed, values, markdown=True))):
        assert not found, f"{name}: " + "; ".join(sorted(found))


def test_the_check_sees_english_in_every_place_it_reads(capsys: pytest.CaptureFixture[str]) -> None:
    # Not blind: a stored English detail, server value or setting name (an older report) is found.
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    for change in data["comparison"]["changes"]:
        change.pop("detail_i18n", None)
    for row in data["inventory"]["comparison"]["rows"]:
        row.pop("new_i18n", None)
        row["key"] = "renamed_" + row["key"]
    values = _values(data)
    found = _prose(report_html.render(localize(data, "ja"), "ja"), values)
    assert any("does not resolve back" in p for p in found) and "blocklists enforced" in found, found
    assert _prose("`--cutover-date` and some words", values, markdown=True) == {"and some words"}
    # a result whose outcome this preflight does not know keeps its stored (English) summary
    policy = next(r for r in data["results"] if r["check_id"] == "dmarc.policy")
    policy["outcome"] = "from_a_newer_preflight"
    assert any("monitoring only" in p for p in _prose(_console_text(data, capsys), values, markdown=True))


def test_older_reports_keep_their_stored_words() -> None:
    # Given a saved report from before the coded details, its English is shown as stored (never a key).
    data = json.loads(SAMPLE.read_text(encoding="utf-8"))
    for change in data["comparison"]["changes"]:
        change.pop("detail_i18n", None)
    for row in data["inventory"]["comparison"]["rows"]:
        row.pop("old_i18n", None)
        row.pop("new_i18n", None)
    page = report_html.render(localize(data, "ja"), "ja")
    assert "does not resolve back to 2001:db8:25::25" in page and "threshold 3, action enforce" in page
    assert "server_value_" not in page and "server_setting_" not in page
    # and a report written now reads the same in English as one without the new fields
    english = report_html.render(json.loads(SAMPLE.read_text(encoding="utf-8")), "en")
    assert report_html.render(data, "en") == english


def test_a_changed_server_setting_reads_in_japanese() -> None:
    # Given a recheck whose new server's settings differ from the baseline (the old server's values)
    current = json.loads(SAMPLE.read_text(encoding="utf-8"))
    baseline = json.loads(SAMPLE.read_text(encoding="utf-8"))
    servers = baseline["inventory"]["servers"]
    servers["new"] = {**servers["new"], "settings": servers["old"]["settings"],
                      "settings_i18n": servers["old"]["settings_i18n"]}
    current["comparison"] = compare(baseline, current)
    changed = {c["key"]: c for c in current["comparison"]["changes"] if c["kind"] == "setting"}
    assert changed["postscreen"]["before"] == "off" and changed["postscreen"]["after"] == "threshold 3, action enforce"
    # When the comparison is shown in Japanese, our words for the values are Japanese
    page = report_html.render(localize(current, "ja"), "ja")
    assert "しきい値 3、アクション enforce" in page and "無効" in page
    assert "threshold 3, action enforce" not in page and not _prose(page, _values(current))
    # and in English exactly as stored
    english = report_html.render(current, "en")
    assert "threshold 3, action enforce" in english and "しきい値" not in english
