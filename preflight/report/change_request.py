"""View data for the change-request parts of a report: overview, action list, provider rules, approval.

Everything is computed from the report dict (the canonical JSON) in the requested language, so
``preflight render --lang ja`` gives a manager the same page the admin saw, in Japanese. Used by
the HTML report (``templates/sections/overview.html.j2`` and friends) and the Markdown summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, check_title, ui
from preflight.report import actions as action_list
from preflight.report import providers as provider_rules
from preflight.i18n.dates import format_moment

DETAILS_PER_RULE = 3
"""Results shown under a requirement that is not met or unknown; the rest are counted."""

APPROVAL_ROLES = {
    "en": ("prepared", "checked", "approved"),
    # Japanese approval boxes (押印欄) read right to left: the approver's box comes first.
    "ja": ("approved", "checked", "prepared"),
}


def format_timestamp(value: object) -> str:
    """``2026-11-29T09:00:00+00:00`` → ``2026-11-29 09:00 UTC`` (unparseable text is kept as is)."""
    text = str(value or "")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _joined(values: object, lang: str) -> str:
    items = [str(v) for v in values] if isinstance(values, list) else []
    return ", ".join(items) or ui("none", lang)


def overview(data: Mapping[str, Any], lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """Target, date, tool version, resolver and the verdict in one sentence."""
    target = data.get("target") or {}
    resolver = data.get("resolver") or {}
    counts = data.get("counts") or {}
    host = str(target.get("hostname") or "")
    ips = _joined(target.get("ips"), lang)
    server = f"{host} ({ips})" if host else ips
    servers = ", ".join(str(n) for n in resolver.get("nameservers", []) or [])
    if resolver.get("system"):
        servers = f"{servers} ({ui('system_resolver', lang)})" if servers else ui("system_resolver", lang)
    params = {"failed": counts.get("fail", 0), "warned": counts.get("warn", 0),
              "errors": counts.get("error", 0), "passed": counts.get("pass", 0)}
    rows = [
        (ui("overview_server", lang), server),
        (ui("label_domains", lang), _joined(target.get("domains"), lang)),
        (ui("label_selectors", lang), _joined(target.get("dkim_selectors"), lang)),
    ]
    if target.get("phase") in ("before", "after"):
        rows.append((ui("overview_phase", lang), ui(f"phase_{target['phase']}", lang)))
    rows += [
        (ui("overview_date", lang), format_moment(data.get("generated_at"), lang)),
        (ui("label_tool", lang), f"preflight {data.get('tool_version') or (data.get('tool') or {}).get('version', '')}"),
        (ui("label_resolver", lang), servers or ui("none", lang)),
    ]
    return {
        "verdict": data.get("verdict", ""),
        "sentence": ui(f"overview_{data.get('verdict', 'inconclusive')}", lang, **params),
        "rows": rows,
    }


def actions(data: Mapping[str, Any], lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """The action list: lead-time groups, slowest first, with the manual steps as checkboxes."""
    phase = (data.get("target") or {}).get("phase")
    return {
        "heading": ui("heading_actions_after" if phase == "after" else "heading_actions", lang),
        "intro": ui("actions_intro", lang),
        "groups": action_list.action_groups(data, lang),
        "manual_label": ui("actions_manual", lang),
        "check_label": ui("actions_check", lang),
        "affected_label": ui("actions_affected", lang),
    }


def providers(data: Mapping[str, Any], lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """The provider requirements, per provider, each rule with its state and why."""
    reqs = provider_rules.load()
    judged = provider_rules.evaluate(data, reqs)
    out = []
    for pid, provider in reqs.providers.items():
        rows = []
        tally = {state.value: 0 for state in provider_rules.ReqState}
        for result in (r for r in judged if r.rule.provider == pid):
            rule = result.rule
            tally[result.state.value] += 1
            summaries = [action_list.words(item, lang)[1] for item in result.deciding]
            unique = list(dict.fromkeys(summaries))
            rows.append({
                "id": rule.id,
                "text": ui(rule.text_key, lang),
                "scope": rule.scope,
                "scope_label": ui(f"scope_{rule.scope}", lang),
                "state": result.state.value,
                "state_label": ui(f"req_state_{result.state.value}", lang),
                "checks": [(c, check_title(c, lang)) for c in dict.fromkeys(reqs.checks_of(rule))],
                "details": unique[:DETAILS_PER_RULE],
                "more": ui("providers_more", lang, count=len(unique) - DETAILS_PER_RULE)
                if len(unique) > DETAILS_PER_RULE else None,
                "note": ui(rule.note, lang) if rule.note else None,
            })
        out.append({
            "id": pid,
            "name": provider.name,
            "since": ui("provider_since", lang, date=provider.effective),
            "sources": list(provider.sources),
            "rules": rows,
            "tally": tally,
            "tally_text": ui("provider_tally", lang, met=tally["met"], not_met=tally["not_met"],
                             unknown=tally["unknown"], not_checkable=tally["not_checkable"]),
        })
    return {
        "heading": ui("heading_providers", lang),
        "intro": ui("providers_intro", lang),
        "scope_note": ui("providers_scope_note", lang),
        "labels": {key: ui(f"providers_{key}", lang) for key in ("requirement", "scope", "state", "proof",
                                                                  "sources")},
        "providers": out,
    }


def approval(lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """Labels of the approval box, in the order the language's forms use."""
    roles = APPROVAL_ROLES.get(lang, APPROVAL_ROLES["en"])
    return {
        "heading": ui("heading_approval", lang),
        "intro": ui("approval_intro", lang),
        "request_label": ui("approval_request", lang),
        "roles": [{"role": r, "label": ui(f"approval_{r}", lang)} for r in roles],
        "name_label": ui("approval_name", lang),
        "date_label": ui("approval_date", lang),
        "sign_label": ui("approval_sign", lang),
    }


def view(data: Mapping[str, Any], lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """All change-request view data of one report."""
    return {
        "overview": overview(data, lang),
        "actions": actions(data, lang),
        "providers": providers(data, lang),
        "approval": approval(lang),
    }
