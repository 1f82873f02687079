"""A compact Markdown summary for pasting into a ticket: verdict, counts, the fixes, links.

Rendered from the report dict (the canonical JSON), in the report's language. The fixes are the
HTML report's page 1 and its warnings (:func:`preflight.report.blockers.view`: one row per fix,
same numbers, owners, lead times and start-by dates), then the manual steps and what was not
checked — one model for both, so the ticket and the report never disagree. Text from the
network (TXT records, banners, names) can hold ``<script>``, ``|`` or backticks: :func:`md`
escapes everything that is not our own markup, so it can neither break the table nor inject
HTML into a ticket system that renders Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, ui
from preflight.report import blockers, change_request

MAX_ACTIONS = 40
"""Fixes listed before the rest is left to the HTML report."""

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
    overview = change_request.overview(data, lang)
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
    lines += _fix_lines(blockers.view(data, lang), lang)
    providers = change_request.providers(data, lang)
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


def _fix_lines(view: Mapping[str, Any], lang: str) -> list[str]:
    """Blockers, not checked, warnings and the manual steps, as the HTML report shows them."""
    lines = [f"### {md(ui('heading_blockers', lang))}", "", md(view["cutover_line"]), ""]
    rows = [*view["blockers"], *view["warnings"]]
    shown = rows[:MAX_ACTIONS]
    lines += _rows([r for r in shown if r["status"] == "fail"], ui("blockers_none", lang), lang)
    lines += [f"### {md(ui('heading_not_checked', lang))}", ""]
    if view["not_checked"]:
        lines += [md(ui("not_checked_intro", lang)), ""]
        for row in view["not_checked"]:
            text = "; ".join(md(s) for s in row["summaries"]) + (f" ({md(row['more'])})" if row["more"] else "")
            lines.append(f"- {md(row['status_label'])} {_code(row['check_id'])} {text}")
        lines.append("")
    else:
        lines += [md(ui("not_checked_none", lang)), ""]
    lines += [f"### {md(ui('heading_warnings', lang))}", ""]
    # all warnings cut off by MAX_ACTIONS: no "no warnings", the "… more" line follows
    lines += _rows([r for r in shown if r["status"] == "warn"],
                   None if view["warnings"] else ui("warnings_none", lang), lang)
    if len(rows) > len(shown):
        lines += [md(ui("md_more", lang, count=len(rows) - len(shown))), ""]
    lines += [f"#### {md(ui('heading_manual', lang))}", ""]
    for step in view["manual"]:
        lines.append(f"- [ ] **{md(step['title'])}** — {md(step['text'])}")
        lines.append("  - " + ui("md_fix_when", lang, lead_label=md(ui("label_lead", lang)), lead=md(step["lead_label"]),
                                 start_label=md(ui("label_start_by", lang)), start=md(step["start_by_label"])))
        if step["url"]:
            lines.append(f"  - {_url(step['url'])}")
    lines.append("")
    return lines


def _rows(rows: list[Mapping[str, Any]], none_text: str | None, lang: str) -> list[str]:
    """Fix rows as numbered checkboxes (the HTML report's numbers); ``none_text`` when empty."""
    if not rows:
        return [md(none_text), ""] if none_text else []
    lines = []
    for row in rows:
        lines.append(f"- [ ] {row['number']}\\. **{md(row['title'])}** — {md(row['status_label'])}")
        start = md(row["start_by_label"]) + (f" ({md(ui('label_late', lang))})" if row["late"] else "")
        lines.append("  - " + ui("md_fix_meta", lang, owner_label=md(ui("label_owner", lang)),
                                 owner=md(row["owner_label"]), lead_label=md(ui("label_lead", lang)),
                                 lead=md(row["lead_label"]), start_label=md(ui("label_start_by", lang)),
                                 start=start))
        lines.append("  - " + ui("md_fix_checks", lang, label=md(ui("actions_check", lang)),
                                 checks=" ".join(_code(c) for c in row["checks"])))
        lines += [f"  - {md(summary)}" for summary in row["summaries"]]
        lines += [f"  - → {md(remediation)}" for remediation in row["remediations"]]
    lines.append("")
    return lines
