"""Page 1 of the report: what blocks the change, grouped by fix, with who acts and when to start.

Built from the report dict alone (outcomes and params), so a saved report renders the same page
in another language. One row per FIX, not per check × subject: ``preflight/data/fixes.toml`` says
which results one change resolves (the SPF record of a domain covers every new IP; one PTR change
resolves rdns.fcrdns, rdns.generic and rdns.hostname_match of that IP; ``partners.summary`` is
part of the partners fix, not a second row) and who makes it. Lead times come from
``preflight/data/lead_times.toml``; with a cutover date (``--cutover-date``, plan ``cutover_date``)
each fix gets a start-by date. Pure functions: no I/O beyond reading the shipped data once.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from preflight.i18n.dates import format_date, parse_date
from preflight.i18n.messages import DEFAULT_LANG, check_title, ui
from preflight.report import actions as action_list
from preflight.report import snippets

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RANK = {"fail": 0, "warn": 1}
OWNERS = ("we", "ip_owner", "dns_admin", "partner")
NOT_CHECKED_SHOWN = 3
"""Subjects listed per not-checked outcome; the rest are counted."""


@dataclass(frozen=True)
class FixRule:
    """Which results one fix resolves and who acts (a row of fixes.toml)."""

    prefix: str
    kind: str
    by: str | None
    owner: str


DEFAULT_RULE = FixRule("", "check", None, "we")


def parse_rules(data: Mapping[str, Any]) -> tuple[FixRule, ...]:
    """Validate the parsed TOML; raise ValueError naming the bad entry."""
    rules = []
    for entry in data.get("fix", []):
        rule = FixRule(str(entry["prefix"]), str(entry["kind"]),
                       str(entry["by"]) if "by" in entry else None, str(entry["owner"]))
        if rule.owner not in OWNERS:
            raise ValueError(f"fixes: {rule.prefix}: unknown owner {rule.owner!r}")
        rules.append(rule)
    if len({r.prefix for r in rules}) != len(rules):
        raise ValueError("fixes: a prefix is listed twice")
    return tuple(rules)


@functools.lru_cache(maxsize=1)
def load_rules() -> tuple[FixRule, ...]:
    """The shipped data file."""
    text = (resources.files("preflight") / "data" / "fixes.toml").read_text(encoding="utf-8")
    return parse_rules(tomllib.loads(text))


def rule_for(check_id: str, outcome: str, rules: tuple[FixRule, ...]) -> FixRule:
    """The longest matching prefix of ``check_id.outcome``; unmatched: one fix per check and subject."""
    key = f"{check_id}.{outcome}"
    best = DEFAULT_RULE
    for rule in rules:
        if key.startswith(rule.prefix) and len(rule.prefix) > len(best.prefix):
            best = rule
    return best


KINDS = ("spf", "dmarc", "ptr", "delist", "partners", "ttl")
"""Fix kinds with their own title (ui ``fix_<kind>_title``) and, some, copy-paste text."""


def _key(item: Mapping[str, Any], rule: FixRule) -> tuple[str, ...]:
    """What tells one fix from another: ``(kind, value of the 'by' param)``; ``check`` kinds are per
    check id and subject. ``kind = "{method}"`` takes the kind from a param (a receiver's verdict
    on SPF is the SPF fix); ``by = "identity@"`` takes the domain of an address-like param."""
    params = {str(k): str(v) for k, v in (item.get("params") or {}).items()}
    kind = rule.kind
    if "{" in kind:
        name = kind.strip("{}")
        kind = params.get(name, "check")   # a result without that param: one row of its own
    if kind not in KINDS or rule.by is None:
        return ("check", str(item["check_id"]), str(item.get("subject", "")))
    if not rule.by:
        return (kind,)
    if rule.by.endswith("@"):
        value = params.get(rule.by[:-1], "").rpartition("@")[2].strip().lower()
    else:
        value = params.get(rule.by, "")
    return (kind, value or str(item.get("subject", "")))


def _title(kind: str, key: tuple[str, ...], members: list[Mapping[str, Any]], data: Mapping[str, Any],
           lang: str) -> str:
    target = data.get("target") or {}
    if kind == "check":
        subject = key[2]
        title = check_title(key[1], lang)
        return f"{title}: {subject}" if subject else title
    value = key[1] if len(key) > 1 else ""
    names = [str((m.get("params") or {}).get("partner", "")) for m in members]
    partners = ", ".join(dict.fromkeys(n for n in names if n)) or next(
        (str((m.get("params") or {}).get("names", "")) for m in members), "")
    return ui(f"fix_{kind}_title", lang, domain=value, ip=value, list=value, partners=partners,
              hostname=target.get("hostname") or "—")


def fix_rows(data: Mapping[str, Any], lang: str = DEFAULT_LANG, *, rules: tuple[FixRule, ...] | None = None,
             table: action_list.LeadTimes | None = None) -> list[dict[str, Any]]:
    """Every fail and warn, grouped by fix; failures first, then by start-by date."""
    rules = rules or load_rules()
    table = table or action_list.load()
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for item in data.get("results", []):
        if not isinstance(item, dict) or item.get("status") not in RANK:
            continue
        rule = rule_for(str(item["check_id"]), str(item["outcome"]), rules)
        key = _key(item, rule)
        group = groups.setdefault(key, {"key": key, "kind": key[0],
                                        "owner": rule.owner, "members": []})
        group["members"].append(item)
    cutover = parse_date((data.get("target") or {}).get("cutover_date"))
    today = parse_date(data.get("generated_at"))
    rows = []
    for group in groups.values():
        members = sorted(group["members"], key=lambda m: (RANK[m["status"]], m["check_id"], m.get("subject", "")))
        status = members[0]["status"]
        deciding = [m for m in members if m["status"] == status]
        leads = [table.classify(m["check_id"], m["outcome"], m["status"]) for m in deciding]
        lead = min(leads, key=table.order)
        days = table.days(lead)
        start = cutover - dt.timedelta(days=days) if cutover else None
        words = [action_list.words(m, lang) for m in members]
        rows.append({
            "kind": group["kind"],
            "status": status,
            "status_label": ui(f"status_{status}", lang),
            "title": _title(group["kind"], group["key"], members, data, lang),
            "owner": group["owner"],
            "owner_label": ui(f"owner_{group['owner']}", lang),
            "lead": lead,
            "lead_label": ui(f"lead_{lead}_short", lang),
            "days": days,
            "start_by": start.isoformat() if start else None,
            "start_by_label": format_date(start, lang) if start else ui("start_by_no_date", lang),
            "late": bool(start and today and start < today),
            "checks": list(dict.fromkeys(str(m["check_id"]) for m in members)),
            "subjects": list(dict.fromkeys(str(m.get("subject", "")) for m in members)),
            "summaries": list(dict.fromkeys(w[1] for w in words if w[1])),
            "remediations": list(dict.fromkeys(w[2] for w in words if w[2])),
            "snippets": snippets.for_fix(group["kind"], group["key"], members, data, lang),
        })
    rows.sort(key=lambda r: (RANK[r["status"]], r["start_by"] or "", table.order(r["lead"]), r["title"]))
    for number, row in enumerate(rows, start=1):
        row["number"] = number
        row["anchor"] = f"fix-{number}"
    return rows


def not_checked(data: Mapping[str, Any], lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    """Results with status error or skip, one row per check (could-not-check first), summaries listed."""
    rows: dict[str, dict[str, Any]] = {}
    for item in sorted((i for i in data.get("results", []) if isinstance(i, dict)),
                       key=lambda i: (i.get("status") != "error", str(i.get("check_id")))):
        if item.get("status") not in ("error", "skip"):
            continue
        key = str(item["check_id"])
        _, summary, _ = action_list.words(item, lang)
        row = rows.setdefault(key, {"check_id": key, "title": check_title(key, lang),
                                    "status": item["status"], "status_label": ui(f"status_{item['status']}", lang),
                                    "summaries": [], "count": 0})
        row["count"] += 1
        if summary and summary not in row["summaries"]:
            row["summaries"].append(summary)
    out = sorted(rows.values(), key=lambda r: (r["status"] != "error", r["check_id"]))
    for row in out:
        extra = len(row["summaries"]) - NOT_CHECKED_SHOWN
        row["more"] = ui("providers_more", lang, count=extra) if extra > 0 else None
        row["summaries"] = row["summaries"][:NOT_CHECKED_SHOWN]
    return out


def manual_steps(data: Mapping[str, Any], lang: str = DEFAULT_LANG,
                 table: action_list.LeadTimes | None = None) -> list[dict[str, Any]]:
    """The steps no query can verify, with their start-by dates: the shipped ones, then one per
    result that asks for a look by hand (``manual_results`` in lead_times.toml, e.g. a receiver
    that left no spam verdict: look in the spam folder)."""
    table = table or action_list.load()
    cutover = parse_date((data.get("target") or {}).get("cutover_date"))
    steps = [(step.id, step.lead, ui(f"manual_{step.id}_title", lang), ui(f"manual_{step.id}_text", lang), step.url)
             for step in table.manual]
    for item in data.get("results", []):
        if isinstance(item, dict) and item.get("status") == "skip" \
                and f"{item.get('check_id')}.{item.get('outcome')}" in table.manual_results:
            title, _summary, remediation = action_list.words(item, lang)
            step_id = f"{item['check_id']}.{item['outcome']}"
            if remediation and step_id not in {s[0] for s in steps}:  # one step per kind of look
                steps.append((step_id, table.classify(item["check_id"], item["outcome"], "skip"), title,
                              remediation, None))
    out = []
    for step_id, lead, title, text, url in steps:
        days = table.days(lead)
        start = cutover - dt.timedelta(days=days) if cutover else None
        out.append({"id": step_id, "title": title, "text": text, "url": url,
                    "lead_label": ui(f"lead_{lead}_short", lang),
                    "start_by_label": format_date(start, lang) if start else ui("start_by_no_date", lang)})
    return out


def view(data: Mapping[str, Any], lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """Blockers (fixes with a failure), warnings (fixes with warnings only), not checked, manual steps."""
    rows = fix_rows(data, lang)
    target = data.get("target") or {}
    cutover = parse_date(target.get("cutover_date"))
    return {
        "blockers": [r for r in rows if r["status"] == "fail"],
        "warnings": [r for r in rows if r["status"] == "warn"],
        "not_checked": not_checked(data, lang),
        "manual": manual_steps(data, lang),
        "cutover": format_date(cutover, lang) if cutover else None,
        "cutover_line": ui("blockers_cutover", lang, date=format_date(cutover, lang)) if cutover
        else ui("blockers_no_cutover", lang),
    }
