"""View model of the ``inventory`` report section: the servers' facts and old vs new, as strings.

Reads the saved JSON section (see :mod:`preflight.checks.server.section`), tolerating what older
reports lack. Everything shown came from the servers: the template escapes it (autoescape).
"""

from __future__ import annotations

from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, ui

_UI = (
    "inventory_heading", "inventory_intro", "inventory_comparison", "inventory_setting", "inventory_old",
    "inventory_new", "inventory_changed", "inventory_server", "inventory_host_key", "inventory_os",
    "inventory_mta", "inventory_rbls", "inventory_dkim", "inventory_port25", "inventory_skipped",
    "inventory_commands", "inventory_allowlist", "inventory_not_connected", "inventory_none",
)


def _text(value: Any, none: str) -> str:
    if value is None or value == "" or value == []:
        return none
    return str(value)


def _os(os_: dict[str, Any] | None, none: str) -> str:
    if not os_:
        return none
    eol = os_.get("eol")
    state = str(os_.get("eol_state", "")).replace("_", " ")
    return f"{os_.get('name', '?')} — {state}" + (f" ({eol})" if eol else "")


def _rbls(policy: dict[str, Any] | None, none: str) -> str:
    if not policy:
        return none
    parts = [f"{r.get('kind', '')} {r.get('zone', '')}" + (f"={r['filter']}" if r.get("filter") else "")
             + (" (warn_if_reject)" if r.get("warn_only") else "") for r in policy.get("rules", [])]
    screen = policy.get("postscreen") or {}
    sites = screen.get("sites") or []
    if sites:
        listed = " ".join(f"{s.get('zone', '')}*{s.get('weight', 1)}" for s in sites)
        state = "on" if screen.get("enabled") else "not on port 25"
        parts.append(f"postscreen ({state}): {listed}; threshold {screen.get('threshold')}, "
                     f"action {screen.get('action')}")
    return "; ".join(parts) or none


def _dkim(signers: list[dict[str, Any]], none: str) -> str:
    keys = [f"{s.get('signer')}: {k.get('selector')}._domainkey.{k.get('domain')} ({k.get('state')})"
            for s in signers for k in s.get("keys", [])]
    return "; ".join(keys) or none


def _server(data: dict[str, Any], lang: str) -> dict[str, Any]:
    none = ui("inventory_none", lang)
    error = data.get("error") or {}
    port25 = [f"{p.get('target')}: {p.get('state')}" + (f" — {p['greeting']}" if p.get("greeting") else "")
              for p in data.get("port25", [])]
    return {
        "role": str(data.get("role", "")),
        "target": str(data.get("target", "")),
        "connected": bool(data.get("connected")),
        "error": f"{error.get('kind', '')}: {error.get('detail', '')}" if error else "",
        "rows": [
            (ui("inventory_host_key", lang), _text(data.get("host_key"), none)),
            (ui("inventory_os", lang), _os(data.get("os"), none)),
            (ui("inventory_mta", lang), _text(" ".join(filter(None, [(data.get("mta") or {}).get("name"),
                                                                    (data.get("mta") or {}).get("version")])),
                                              none)),
            (ui("inventory_rbls", lang), _rbls(data.get("rbl_policy"), none)),
            (ui("inventory_dkim", lang), _dkim(data.get("dkim", []), none)),
            (ui("inventory_port25", lang), "; ".join(port25) or none),
            (ui("inventory_skipped", lang),
             "; ".join(f"{s.get('path')}: {s.get('reason')}" for s in data.get("skipped", [])) or none),
        ],
        "commands": [f"{c.get('command', '')}  → exit {c.get('exit_status')}, {c.get('duration_ms')} ms"
                     + (" (timed out)" if c.get("timed_out") else "") for c in data.get("commands", [])],
    }


def view(section: dict[str, Any], lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """Display data for ``templates/sections/inventory.html.j2``."""
    servers = section.get("servers", {})
    comparison = section.get("comparison") or {}
    return {
        "ui": {key.removeprefix("inventory_"): ui(key, lang) for key in _UI},
        "servers": [_server(servers[role], lang) for role in ("new", "old") if role in servers],
        "comparison": {
            "old": str(comparison.get("old", "")),
            "new": str(comparison.get("new", "")),
            "rows": [{
                "setting": str(r.get("setting", r.get("key", ""))),
                "old": str(r.get("old", "")),
                "new": str(r.get("new", "")),
                "changed": bool(r.get("changed")),
                "important": bool(r.get("important")),
            } for r in comparison.get("rows", [])],
        } if comparison else None,
        "allowlist": [(str(a.get("command", "")), str(a.get("purpose", ""))) for a in section.get("allowlist", [])],
    }
