"""The Markdown summary: compact, in the report's language, and inert however hostile the data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from preflight.engine import Report
from preflight.i18n.messages import ui
from preflight.report import blockers, markdown
from preflight.report import json as report_json

SAMPLE = Path(__file__).parent / "samples" / "full_report.json"
HOSTILE = ["<script>alert(1)</script>", "a|b|c", "`rm -rf /`", "line\nbreak", "# heading", "[x](javascript:alert(1))",
           "![img](https://evil.example/x.png)", "*bold* _it_ ~~s~~", "<img src=x onerror=alert(1)>", "&amp;",
           "1. list", "- item", "\\", "> quote"]


def to_html(text: str) -> str:
    # CommonMark with raw HTML allowed (as many ticket systems do) plus GFM tables.
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_md_escapes_everything(text: str) -> None:
    html = to_html(f"| {markdown.md(text)} | x |\n|---|---|\n| {markdown.md(text)} | y |\n\n- {markdown.md(text)}\n")
    # The text stays one table cell and one list item, and no markup of its own appears.
    assert html.count("<td>") == 2 and html.count("<li>") == 1
    for tag in ("<script", "<img", "<a ", "<h1", "<em>", "<strong>", "<code>", "<blockquote", "<ol"):
        assert tag not in html, (text, html)


def test_hostile_report(hostile_report: Report) -> None:
    data = report_json.to_dict(hostile_report)
    text = markdown.render(data, "en")
    html = to_html(text)
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    # The overview table has exactly two columns on every row.
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert table and all(line.replace("\\|", "").count("|") == 3 for line in table)


def test_contents_in_english_and_japanese(hostile_report: Report) -> None:
    data = report_json.to_dict(hostile_report)
    en = markdown.render(data, "en", html_path="report.html")
    assert en.startswith("## Mail server migration readiness")
    assert "**Verdict:** Not ready: fix the failures first" in en
    assert "### Blockers: fix these before cutover" in en
    assert "- [ ] " in en and "Register the new IP with Microsoft SNDS" in en
    assert "`spf.record`" in en
    assert "<https://support.google.com/a/answer/81126>" in en
    assert "HTML report: report.html" in en
    ja = markdown.render(data, "ja")
    assert "**判定：** 切り替えできません" in ja
    assert "### 切り替え前に解消が必要な問題" in ja
    assert "SPF レコードがありません" in ja
    assert "Mail server" not in ja


def test_long_action_lists_are_cut(hostile_report: Report) -> None:
    data = report_json.to_dict(hostile_report)
    template = data["results"][1]
    data["results"] = [dict(template, subject=f"d{i}.test", params={"domain": f"d{i}.test"}) for i in range(60)]
    text = markdown.render(data, "en")
    assert len(re.findall(r"^- \[ \] \d+\\\. ", text, re.M)) == markdown.MAX_ACTIONS
    assert "more actions in the HTML report" in text


def test_renders_from_a_saved_report(hostile_report: Report, tmp_path: Any) -> None:
    path = tmp_path / "r.json"
    path.write_text(report_json.dumps(report_json.to_dict(hostile_report)), encoding="utf-8")
    assert markdown.render(report_json.load(path), "ja") == markdown.render(json.loads(path.read_text()), "ja")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_fixes_are_the_html_pages_fixes(lang: str) -> None:
    # Given a saved report with failures, warnings and something not checked, and a cutover date
    data = report_json.load(SAMPLE)
    data["target"]["cutover_date"] = "2026-12-28"
    view = blockers.view(data, lang)
    assert view["blockers"] and view["warnings"] and view["not_checked"]
    # When the Markdown summary is rendered
    text = markdown.render(data, lang)
    # Then it lists the same fixes as the HTML report's page 1 and warnings: same numbers and
    # titles in the same order, each with who acts, its lead time and start-by date
    numbered = re.findall(r"^- \[ \] (\d+)\\\. \*\*(.*)\*\* — ", text, re.M)
    rows = [*view["blockers"], *view["warnings"]]
    assert [int(n) for n, _ in numbered] == [r["number"] for r in rows]
    assert [t for _, t in numbered] == [markdown.md(r["title"]) for r in rows]
    for row in rows:
        assert markdown.md(row["owner_label"]) in text and markdown.md(row["start_by_label"]) in text
    # and the headings of those parts, the not-checked rows and the manual steps
    for key in ("heading_blockers", "heading_warnings", "heading_not_checked", "heading_manual"):
        assert markdown.md(ui(key, lang)) in text
    for step in view["manual"]:
        assert f"- [ ] **{markdown.md(step['title'])}**" in text
    for row in view["not_checked"]:
        assert f"`{row['check_id']}`" in text


def test_a_look_by_hand_asked_by_a_result_is_a_manual_step_in_both(tmp_path: Any) -> None:
    # Given a receiver that left no spam verdict (Gmail): someone must look in the spam folder
    data = report_json.load(SAMPLE)
    spam = next(r for r in data["results"] if r["check_id"] == "message.spam")
    spam.update(outcome="no_signals", status="skip", params={"receiver": "mx.google.com"})
    # Then page 2's manual steps and the Markdown both carry that step, once
    steps = blockers.view(data, "en")["manual"]
    assert [s["id"] for s in steps].count("message.spam.no_signals") == 1
    step = next(s for s in steps if s["id"] == "message.spam.no_signals")
    assert "spam (Junk) folder" in step["text"]
    assert f"- [ ] **{markdown.md(step['title'])}** — {markdown.md(step['text'])}" in markdown.render(data, "en")
