"""View model of the ``inventory`` report section: the servers' facts and old vs new, as strings.

Reads the saved JSON section (see :mod:`preflight.checks.server.section`), tolerating what older
reports lack. Everything shown came from the servers: the template escapes it (autoescape).
"""

from __future__ import annotations

from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, catalogue, localized_params, render_coded, ui

_UI = (
    "inventory_heading", "inventory_intro", "inventory_comparison", "inventory_setting", "inventory_old",
    "inventory_new", "inventory_changed", "inventory_server", "inventory_host_key", "inventory_os",
    "inventory_mta", "inventory_rbls", "inventory_dkim", "inventory_port25", "inventory_skipped",
    "inventory_commands", "inventory_allowlist", "inventory_not_connected", "inventory_none",
)


def _known(key: str, fallback: str, lang: str) -> str:
    """Words of ui ``key`` when the catalogue has it (a state, a command name), else ``fallback``.

    ``key`` ends in a stored value: a value that names a template with parameters ("line" →
    ``inventory_error_line``) is not a state of ours and is shown as stored.
    """
    text = catalogue(DEFAULT_LANG)["ui"].get(key)
    return ui(key, lang) if isinstance(text, str) and "{" not in text else fallback


def _coded(item: dict[str, Any], name: str, lang: str) -> str:
    """``item[name]`` in ``lang`` from its ``_i18n`` form; as stored when an older report has none."""
    stored = str(item.get(name, ""))
    coded = item.get(f"{name}_i18n")
    if coded:
        try:
            return render_coded(coded, lang) or stored
        except (ValueError, TypeError):
            pass
    return stored


def _text(value: Any, none: str) -> str:
    if value is None or value == "" or value == []:
        return none
    return str(value)


def _os(os_: dict[str, Any] | None, none: str, lang: str) -> str:
    if not os_:
        return none
    eol = os_.get("eol")
    raw = str(os_.get("eol_state", ""))
    state = _known(f"server_eol_{raw}", raw.replace("_", " "), lang)
    name = os_.get("name", "?")
    return ui("inventory_os_line_eol", lang, name=name, state=state, eol=eol) if eol else f"{name} — {state}"


def _rbls(policy: dict[str, Any] | None, none: str, lang: str) -> str:
    if not policy:
        return none
    parts = [f"{r.get('kind', '')} {r.get('zone', '')}" + (f"={r['filter']}" if r.get("filter") else "")
             + (" (warn_if_reject)" if r.get("warn_only") else "") for r in policy.get("rules", [])]
    screen = policy.get("postscreen") or {}
    sites = screen.get("sites") or []
    if sites:
        listed = " ".join(f"{s.get('zone', '')}*{s.get('weight', 1)}" for s in sites)
        state = ui("inventory_postscreen_on" if screen.get("enabled") else "inventory_postscreen_not_on_25", lang)
        parts.append(ui("inventory_postscreen", lang, state=state, sites=listed,
                        threshold=screen.get("threshold"), action=screen.get("action")))
    return "; ".join(parts) or none


def _key(k: dict[str, Any], lang: str) -> str:
    state = str(k.get("state"))
    return ui("inventory_key_line", lang, name=f"{k.get('selector')}._domainkey.{k.get('domain')}",
              state=_known("inventory_key_state_" + state, state, lang))


def _dkim(signers: list[dict[str, Any]], none: str, lang: str) -> str:
    keys = [f"{s.get('signer')}: {_key(k, lang)}" for s in signers for k in s.get("keys", [])]
    return "; ".join(keys) or none


def _port25(p: dict[str, Any], lang: str) -> str:
    state = str(p.get("state"))
    return (f"{p.get('target')}: {_known('inventory_port25_' + state, state, lang)}"
            + (f" — {p['greeting']}" if p.get("greeting") else ""))


def _error(error: dict[str, Any], lang: str) -> str:
    """Why a server was not inventoried: the kind in words, the reason in ``lang`` when it is ours."""
    kind, detail = str(error.get("kind", "")), str(error.get("detail", ""))
    return ui("inventory_error_line", lang, kind=_known(f"inventory_error_{kind}", kind, lang),
              detail=localized_params({"reason": detail}, lang)["reason"])


def _command(c: dict[str, Any], lang: str) -> str:
    return ui("inventory_command_line_timed_out" if c.get("timed_out") else "inventory_command_line", lang,
              command=c.get("command", ""), status=c.get("exit_status"), ms=c.get("duration_ms"))


def _server(data: dict[str, Any], lang: str) -> dict[str, Any]:
    none = ui("inventory_none", lang)
    error = data.get("error") or {}
    port25 = [_port25(p, lang) for p in data.get("port25", [])]
    role = str(data.get("role", ""))
    return {
        "role": role,
        "heading": _known(f"inventory_server_{role}", f"{ui('inventory_server', lang)} ({role})", lang),
        "target": str(data.get("target", "")),
        "connected": bool(data.get("connected")),
        "error": _error(error, lang) if error else "",
        "rows": [
            (ui("inventory_host_key", lang), _text(data.get("host_key"), none)),
            (ui("inventory_os", lang), _os(data.get("os"), none, lang)),
            (ui("inventory_mta", lang), _text(" ".join(filter(None, [(data.get("mta") or {}).get("name"),
                                                                    (data.get("mta") or {}).get("version")])),
                                              none)),
            (ui("inventory_rbls", lang), _rbls(data.get("rbl_policy"), none, lang)),
            (ui("inventory_dkim", lang), _dkim(data.get("dkim", []), none, lang)),
            (ui("inventory_port25", lang), "; ".join(port25) or none),
            (ui("inventory_skipped", lang),
             "; ".join(f"{s.get('path')}: {_coded(s, 'reason', lang)}" for s in data.get("skipped", [])) or none),
        ],
        "commands": [_command(c, lang) for c in data.get("commands", [])],
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
                "setting": _known(f"server_setting_{r.get('key')}", str(r.get("setting", r.get("key", ""))), lang),
                "old": _coded(r, "old", lang),
                "new": _coded(r, "new", lang),
                "changed": bool(r.get("changed")),
                "important": bool(r.get("important")),
            } for r in comparison.get("rows", [])],
        } if comparison else None,
        "allowlist": [(str(a.get("command", "")), _known(f"ssh_purpose_{a.get('name')}", str(a.get("purpose", "")), lang))
                      for a in section.get("allowlist", [])],
    }
