"""A compact Markdown summary for pasting into a ticket: verdict, counts, the action list, links.

Rendered from the report dict (the canonical JSON), in the report's language. Text from the
network (TXT records, banners, names) can hold ``<script>``, ``|`` or backticks: :func:`md`
escapes everything that is not our own markup, so it can neither break the table nor inject
HTML into a ticket system that renders Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, ui
from preflight.report import change_request

MAX_ACTIONS = 40
"""Actions listed before the rest is left to the HTML report."""

_INLINE = re.compile(r"([\\`*_\[\]|~])")
_BLOCK_START = re.compile(r"^(\s*(?:\d+(?=[.)]))?)([#+=.)-])")
_CHARS = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def md(text: object) -> str:
    """Plain text as inert Markdown: one line, HTML-escaped, Markdown punctuation backslashed."""
    value = re.sub(r"[\r\n\t\u2028\u2029]+", " ", str(text))
    value = _INLINE.sub(r"\\\1", value)
    value = _BLOCK_START.sub(r"\1\\\2", value)
    return "".join(_CHARS.get(ch, ch) for ch in value)


def _code(text: str) -> str:
    """One of our own identifiers (a check id) in a code span; anything odd is escaped instead."""
    return f"`{text}`" if re.fullmatch(r"[a-z0-9_.]+", text) else md(text)


def _url(url: str) -> str:
    """One of our own https URLs as an autolink (never network data)."""
    return f"<{url}>" if re.fullmatch(r"https://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+", url) and ">" not in url \
        else md(url)


def render(data: Mapping[str, Any], lang: str = DEFAULT_LANG, *, html_path: str | None = None) -> str:
    """The Markdown summary of a report dict."""
    cr = change_request.view(data, lang)
    overview = cr["overview"]
    target = data.get("target") or {}
    title = ui("report_title", lang)
    host = target.get("hostname")
    lines = [f"## {md(title)}" + (f" — {md(host)}" if host else ""), ""]
    lines += [ui("md_verdict_line", lang, verdict=md(ui("verdict_" + str(data.get("verdict")), lang))), ""]
    lines += [md(overview["sentence"]), ""]
    lines += [f"| {md(ui('md_item', lang))} | {md(ui('md_value', lang))} |", "|---|---|"]
    lines += [f"| {md(label)} | {md(value)} |" for label, value in overview["rows"]]
    from preflight.report.sections.partners import markdown_lines

    lines += ["", *markdown_lines(data.get("partners"), lang, md)]
    lines += [f"### {md(cr['actions']['heading'])}", ""]
    shown = 0
    total = sum(len(g["actions"]) for g in cr["actions"]["groups"])
    for group in cr["actions"]["groups"]:
        if shown >= MAX_ACTIONS:
            break
        lines += [f"**{md(group['label'])}**", ""]
        for action in group["actions"]:
            if shown >= MAX_ACTIONS:
                break
            shown += 1
            head = f"- [ ] {action['number']}\\. **{md(action['title'])}**"
            if not action["manual"]:
                head += f" {_code(action['check_id'])} — {md(action['status_label'])}"
            lines.append(head)
            for summary in action["summaries"]:
                lines.append(f"  - {md(summary)}")
            if action["remediation"]:
                lines.append(f"  - → {md(action['remediation'])}")
            if action["url"]:
                lines.append(f"  - {_url(action['url'])}")
        lines.append("")
    if total > shown:
        lines += [md(ui("md_more", lang, count=total - shown)), ""]
    providers = cr["providers"]
    lines += [f"### {md(ui('md_providers', lang))}", ""]
    for provider in providers["providers"]:
        lines.append("- " + ui("md_provider_line", lang, name=md(provider["name"]), since=md(provider["since"]),
                                 tally=md(provider["tally_text"])))
        for rule in provider["rules"]:
            if rule["state"] in ("not_met", "unknown"):
                lines.append("  - " + ui("md_rule_line", lang, state=md(rule["state_label"]), text=md(rule["text"]),
                                         scope=md(rule["scope_label"])))
    lines += ["", f"### {md(ui('md_links', lang))}", ""]
    if html_path:
        lines.append("- " + ui("md_link_html", lang, path=md(html_path)))
    for provider in providers["providers"]:
        lines.append(f"- {md(provider['name'])}: " + " · ".join(_url(u) for u in provider["sources"]))
    lines.append("")
    return "\n".join(lines)
