"""View model of the ``old_ips`` report section: the old server's IPs, for reference."""

from __future__ import annotations

from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, ui


def _blocklists(entry: Any, lang: str) -> str:
    if not isinstance(entry, dict):
        return "—"
    parts = [", ".join(str(x) for x in entry.get("listed", []) if x)]
    if not parts[0]:
        parts = [ui("old_ip_clear", lang, checked=entry.get("checked", 0))]
    if entry.get("unverified"):
        parts.append(ui("old_ip_unverified", lang, count=entry["unverified"]))
    return "; ".join(parts)


def view(section: Any, lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    """One row per old IP: address, PTR (or the lookup error), forward confirmation, blocklists."""
    rows = []
    for entry in section if isinstance(section, list) else []:
        if not isinstance(entry, dict):
            continue
        confirmed = entry.get("forward_confirmed")
        rows.append({
            "ip": entry.get("ip", ""),
            "ptr": entry.get("ptr") or entry.get("error") or "—",
            "confirmed": "—" if confirmed is None else ui("yes" if confirmed else "no", lang),
            "blocklists": _blocklists(entry.get("blocklists"), lang),
        })
    return rows
