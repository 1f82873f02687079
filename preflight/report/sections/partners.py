"""View model of the ``partners`` report section: one sentence, then the table, rejected first.

Reads the saved JSON section (see :mod:`preflight.checks.partners.section`), tolerating what older
reports lack. Names, PTRs and TXT reasons came from the network: the template escapes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, render_coded, ui
from preflight.textsafe import clean

_UI = ("heading", "partner", "address", "from", "verdict", "why", "fix", "delist", "large", "lists",
       "list_usable", "list_unusable", "notes")
_ORDER = {"rejected": 0, "unknown": 1, "accepted": 2}
_STATUS = {"rejected": "fail", "unknown": "error", "accepted": "pass"}


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _rows(value: Any) -> list[dict[str, Any]]:
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def _origin(origin: dict[str, Any], lang: str) -> str:
    kind, via = origin.get("kind"), str(origin.get("via", ""))
    if kind == "mx":
        return ui("partners_origin_mx", lang, via=via)
    if kind == "spf":
        return ui("partners_origin_sample" if origin.get("sample") else "partners_origin_spf", lang, via=via)
    if kind == "log":
        count = origin.get("count")
        return ui("partners_origin_log", lang, count=f"{count:,}" if isinstance(count, int) else "?")
    return ui("partners_origin_given", lang)


def _host_detail(host: dict[str, Any], lang: str) -> str:
    """Why a partner's reverse DNS could not be judged, from its state (older reports: the stored detail)."""
    ptr = host.get("ptr")
    if host.get("state") == "error" and isinstance(ptr, list) and ptr:
        return ui("partners_host_forward_failed", lang, ptr=ptr[0])
    if host.get("state") == "error" and ptr == []:
        return ui("partners_host_ptr_failed", lang)
    return str(host.get("detail", ""))


def _why(entry: dict[str, Any], verdict: str, lang: str) -> str:
    """Why, in the report's language around Postfix's own words (older reports: the stored reason)."""
    if verdict == "rejected" and entry.get("rejected_by"):
        return "; ".join(str(b) for b in entry["rejected_by"])
    if verdict == "unknown" and entry.get("unknown_lists"):
        return ui("partners_why_unknown", lang, lists=", ".join(map(str, entry["unknown_lists"])))
    if verdict == "unknown" and isinstance(entry.get("hostname"), dict):
        return ui("partners_why_hostname", lang, detail=_host_detail(entry["hostname"], lang))
    if verdict == "accepted" and entry.get("listed"):
        return ui("partners_why_listed", lang, listed=", ".join(map(str, entry["listed"])),
                  why=entry.get("accepted_why") or "")
    if verdict == "accepted" and "listed" in entry:
        return ui("partners_why_clear", lang)
    return str(entry.get("reason", ""))


def sentence(section: dict[str, Any], lang: str = DEFAULT_LANG) -> str:
    """The section's lead: "2 of 14 partners would be rejected by the new server." (+ could not tell)."""
    summary, policy = _table(section.get("summary")), _table(section.get("policy"))
    partners = int(summary.get("partners", 0) or 0)
    if not partners:
        return ui("partners_sentence_none", lang)
    if policy.get("available") is False:
        return ui("partners_sentence_no_policy", lang)
    text = ui("partners_sentence", lang, rejected=summary.get("rejected", 0), partners=partners)
    if summary.get("unknown"):
        text += " " + ui("partners_sentence_unknown", lang, unknown=summary["unknown"])
    return text


def view(section: Any, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """What ``templates/sections/partners.html.j2`` shows."""
    section = _table(section)
    policy = _table(section.get("policy"))
    entries = sorted(_rows(section.get("entries")),
                     key=lambda e: _ORDER.get(str(e.get("verdict")), 3))
    rows = []
    for e in entries:
        verdict = str(e.get("verdict", ""))
        rows.append({
            "partner": str(e.get("partner", "")),
            "ip": str(e.get("ip", "")),
            "origins": [_origin(o, lang) for o in _rows(e.get("origins"))],
            "verdict": verdict,
            "status": _STATUS.get(verdict, "skip"),
            "verdict_label": ui("state_delayed", lang) if verdict == "rejected" and e.get("delayed") is True
            else ui(f"state_{verdict}", lang) if verdict in _STATUS else verdict,
            "code": str(e.get("code") or ""),
            "why": _why(e, verdict, lang),
            "fix": [str(line) for line in e.get("fix", []) if isinstance(line, str)],
            "delist": [(str(d.get("zone", "")), str(d.get("where", "")), d.get("link") is True)
                       for d in _rows(e.get("delist"))],
        })
    if policy.get("source") == "ssh":
        basis = ui("partners_policy_ssh", lang, server=policy.get("server") or "?")
    else:
        basis = ui("partners_policy_plan", lang)
    log = section.get("log") if isinstance(section.get("log"), dict) else None
    return {
        "ui": {key: ui(f"partners_{key}", lang) for key in _UI},
        "sentence": sentence(section, lang),
        "status": "fail" if rows and rows[0]["verdict"] == "rejected" else
        "error" if rows and rows[0]["verdict"] == "unknown" else "pass",
        "basis": basis,
        "lines": [str(line) for line in policy.get("lines", []) if isinstance(line, str)],
        "log": ui("partners_log", lang, where=log.get("where", ""), days=log.get("days", ""),
                  connections=f"{log.get('connections', 0):,}", clients=log.get("clients", 0))
        if log and log.get("state") == "read" else "",
        "rows": rows,
        "lists": [{"zone": str(x.get("zone", "")), "list": str(x.get("list", "")),
                   "usable": bool(x.get("usable")), "why": _coded(x, "why", lang)}
                  for x in _rows(policy.get("lists"))],
        "large": [ui("partners_large_row", lang, partner=s.get("partner", ""), name=s.get("name", ""),
                     via=s.get("via", "")) for s in _rows(section.get("senders"))],
        "notes": [f"{d.get('domain', '')}: {n}" for d in _rows(section.get("domains"))
                  for n in _notes(d, lang)],
    }


def _notes(domain: dict[str, Any], lang: str) -> list[str]:
    """A domain's notes in ``lang`` (``notes_i18n``, one per note); older reports: as stored."""
    notes = [n for n in domain.get("notes", []) if isinstance(n, str)] if isinstance(domain.get("notes"), list) else []
    coded = domain.get("notes_i18n")
    if not isinstance(coded, list) or len(coded) != len(notes):
        return notes
    # bounded and printable like any value from the network: the parameters are SPF terms from DNS
    return [clean(_coded({"note": n, "note_i18n": c}, "note", lang)) for n, c in zip(notes, coded)]


def _coded(row: dict[str, Any], name: str, lang: str) -> str:
    """``row[name]`` in ``lang`` from ``row[name + "_i18n"]`` when it is there and readable."""
    coded = row.get(name + "_i18n")
    if coded:
        try:
            return render_coded(str(coded), lang)
        except (ValueError, TypeError):
            pass
    return str(row.get(name, ""))


def markdown_lines(section: Any, lang: str, md: Callable[[object], str]) -> list[str]:
    """The Partners block of the Markdown summary: the sentence, then each rejected partner address."""
    section = _table(section)
    if not section:
        return []
    lines = [f"### {md(ui('partners_heading', lang))}", "", md(sentence(section, lang)), ""]
    for e in _rows(section.get("entries")):
        if e.get("verdict") == "rejected":
            why = "; ".join(str(b) for b in e.get("rejected_by", [])) or str(e.get("reason", ""))
            lines.append(f"- {md(e.get('partner', ''))} {md(e.get('ip', ''))} — {md(e.get('code') or '')} "
                         f"{md(why)}")
    return lines + [""] if lines[-1] else lines
