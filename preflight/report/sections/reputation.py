"""View model of the ``reputation`` report section: network identity, grades, neighbourhood."""

from __future__ import annotations

from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, ui

_UI = ("heading", "network", "ip", "asn", "prefix", "country", "as_name", "scores", "list", "grade",
       "neighbourhood", "network_range", "checked", "listed", "policy", "by_list")


def _rows(section: dict[str, Any], key: str) -> list[dict[str, Any]]:
    found = section.get(key, [])
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def view(section: Any, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """What ``templates/sections/reputation.html.j2`` shows."""
    section = section if isinstance(section, dict) else {}
    hood = []
    for row in _rows(section, "neighbourhood"):
        lists = row.get("lists", {})
        by_list = ", ".join(f"{k}: {v}" for k, v in lists.items()) if isinstance(lists, dict) else ""
        hood.append({**row, "by_list": by_list or ui("none", lang)})
    return {
        "ui": {key: ui(f"reputation_{key}", lang) for key in _UI},
        "network": _rows(section, "network"),
        "scores": [r for r in _rows(section, "scores") if r.get("grade") != "none"],
        "neighbourhood": hood,
    }
