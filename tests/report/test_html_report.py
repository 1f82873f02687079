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
    assert "<script>alert(1)" not in page and page.count("<script") == 1   # only our copy button's
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_self_contained(hostile_report: Report) -> None:
    page = render(hostile_report)
    # No external resources: no src=, no stylesheet links, no http(s) URLs in attributes.
    assert not re.search(r"<(link|img|iframe)\b", page) and not re.search(r"<script[^>]*\bsrc", page)
    assert not re.search(r"src=\"https?:", page)
    assert "<style>" in page and "@media print" in page
    # the Content-Security-Policy lets only our own inline script run (by its hash)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy and "default-src 'none'" in policy.group(1)
    script = re.search(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert script
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy.group(1)


def test_verdict_banner_and_sections(hostile_report: Report) -> None:
    page = render(hostile_report)
    assert 'data-verdict="not_ready"' in page
    for section in ("blockers", "not-checked", "approval", "warnings", "fixes", "passed", "glossary"):
        assert f'id="{section}"' in page, section
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
    assert (page.index('id="blockers"') < page.index('id="approval"') < page.index('id="warnings"')
            < page.index('id="passed"') < page.index('id="glossary"'))
