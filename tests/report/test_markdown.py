"""The Markdown summary: compact, in the report's language, and inert however hostile the data."""

from __future__ import annotations

import json
from typing import Any

import pytest
from markdown_it import MarkdownIt

from preflight.report import json as report_json
from preflight.report import markdown
from preflight.engine import Report

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
    assert "### What to do before cutover" in en
    assert "- [ ] " in en and "Register the new IP with Microsoft SNDS" in en
    assert "`spf.record`" in en
    assert "<https://support.google.com/a/answer/81126>" in en
    assert "HTML report: report.html" in en
    ja = markdown.render(data, "ja")
    assert "**判定：** 切り替えできません" in ja
    assert "### 切り替え前の対応事項" in ja
    assert "SPF レコードがありません" in ja
    assert "Mail server" not in ja


def test_long_action_lists_are_cut(hostile_report: Report) -> None:
    data = report_json.to_dict(hostile_report)
    template = data["results"][1]
    data["results"] = [dict(template, subject=f"d{i}.test", params={"domain": f"d{i}.test"}) for i in range(60)]
    text = markdown.render(data, "en")
    assert text.count("- [ ] ") == markdown.MAX_ACTIONS
    assert "more actions in the HTML report" in text


def test_renders_from_a_saved_report(hostile_report: Report, tmp_path: Any) -> None:
    path = tmp_path / "r.json"
    path.write_text(report_json.dumps(report_json.to_dict(hostile_report)), encoding="utf-8")
    assert markdown.render(report_json.load(path), "ja") == markdown.render(json.loads(path.read_text()), "ja")
