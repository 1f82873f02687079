"""HTML report: self-contained, escaped, rendered from the JSON dict."""

from __future__ import annotations

import re

from preflight.report import html as report_html
from preflight.report import json as report_json
from preflight.engine import Report


def render(report: Report) -> str:
    return report_html.render(report_json.to_dict(report))


def test_hostile_text_is_escaped(hostile_report: Report) -> None:
    page = render(hostile_report)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_self_contained(hostile_report: Report) -> None:
    page = render(hostile_report)
    # No external resources: no src=, no stylesheet links, no http(s) URLs in attributes.
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert not re.search(r"(src|href)=\"https?:", page)
    assert "<style>" in page and "@media print" in page


def test_verdict_banner_and_sections(hostile_report: Report) -> None:
    page = render(hostile_report)
    assert 'data-verdict="not_ready"' in page
    assert 'id="findings"' in page and 'id="checks"' in page and 'id="summary"' in page
    # The failing result's remediation is shown.
    assert "Publish one TXT record" in page


def test_renders_from_the_dict_alone(hostile_report: Report) -> None:
    # A dict with an unknown check (e.g. from a newer preflight) still renders its stored words.
    data = report_json.to_dict(hostile_report)
    data["results"].append({"check_id": "future.check", "title": "Future", "subject": "x", "status": "warn",
                            "outcome": "odd", "summary": "stored summary <b>", "remediation": "stored fix",
                            "evidence": [], "params": {}})
    page = report_html.render(data)
    assert "stored summary &lt;b&gt;" in page
    assert "stored fix" in page


def test_templates_dir_is_found() -> None:
    assert (report_html.templates_dir() / "report.html.j2").is_file()


def test_page_structure_is_well_nested(hostile_report: Report) -> None:
    # Sections follow each other (findings, then summary); none is nested in another's list.
    from html.parser import HTMLParser

    class Nesting(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.nested: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "section" and "section" in self.stack:
                self.nested.append(dict(attrs).get("id") or "?")
            if tag not in ("meta", "br", "link", "img", "input", "hr"):
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass

    parser = Nesting()
    page = render(hostile_report)
    parser.feed(page)
    assert parser.nested == []
    assert page.index('id="findings"') < page.index('id="summary"') < page.index('id="checks"')
