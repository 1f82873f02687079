"""View model of the ``blocklists`` report section: listings and unusable lists first, the rest folded.

Input is the saved JSON section (a list of rows), so everything is read with defaults; text that
came from DNS (TXT reasons) is escaped by the template, and only http(s) URLs become links.
"""

from __future__ import annotations

from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, render_coded, ui

STATES = ("listed", "policy", "refused", "unreliable", "unreachable", "allowlisted", "clear",
          "not_applicable")
QUIET = ("clear", "not_applicable")
LISTINGS = ("listed", "policy")
_UI = ("heading", "intro", "subject", "list", "state", "codes", "meaning", "reason", "delist", "none")


KINDS = ("ipv4", "ipv6", "domain")


def _meaning(raw: dict[str, Any], state: str, lang: str) -> str:
    """The list's own words for a listing; our words, in the report's language, for the quiet rows."""
    kind = str(raw.get("subject_type", ""))
    if state == "clear":
        return ui("blocklists_meaning_clear", lang)
    if state == "not_applicable" and kind in KINDS:
        return ui("blocklists_meaning_not_applicable", lang, kind=ui(f"blocklists_kind_{kind}", lang))
    coded = raw.get("meaning_i18n")
    if coded:
        try:
            return render_coded(str(coded), lang)
        except (ValueError, TypeError):
            pass
    return str(raw.get("meaning", ""))


def _row(raw: dict[str, Any], lang: str) -> dict[str, Any]:
    state = str(raw.get("state", ""))
    state = state if state in STATES else "unreliable"
    url = str(raw.get("delist_url") or "") if state in LISTINGS else ""
    codes = raw.get("codes") or []
    return {
        "subject": str(raw.get("subject", "")),
        "list": str(raw.get("list", "")),
        "zone": str(raw.get("zone", "")),
        "state": state,
        "state_label": ui(f"state_{state}", lang),
        "codes": [str(c) for c in codes] if isinstance(codes, list) else [str(codes)],
        "meaning": _meaning(raw, state, lang),
        "reason": str(raw.get("reason", "")),
        "delist_url": url,
        "link": url.startswith(("https://", "http://")),
    }


def view(section: Any, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """What ``templates/sections/blocklists.html.j2`` shows."""
    rows = [_row(r, lang) for r in section if isinstance(r, dict)] if isinstance(section, list) else []
    order = {s: i for i, s in enumerate(STATES)}
    problems = sorted((r for r in rows if r["state"] not in QUIET), key=lambda r: order[r["state"]])
    quiet = [r for r in rows if r["state"] in QUIET]
    return {
        "ui": {key: ui(f"blocklists_{key}", lang) for key in _UI},
        "problems": problems,
        "quiet": quiet,
        "quiet_label": ui("blocklists_clear_rows", lang, count=len(quiet)),
    }
