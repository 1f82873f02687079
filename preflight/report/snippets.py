"""Copy-paste fixes: the exact text an admin publishes, sends or runs.

Computed from the report dict (results' params and evidence), never typed by hand:

* SPF: the record to publish — the current record with the new IPs added before its ``all`` (or
  ``redirect=``), so the old server stays authorized until cutover — in zone-file syntax, with
  its DNS-lookup count (``ip4:``/``ip6:`` cost none, so it stays within RFC 7208's 10);
* PTR: the change request for the IP's owner, and the PTR record in zone-file syntax;
* partners: the Postfix changes as ``postconf -e …`` lines and the access-table lines.

Each snippet is ``{"label", "text", "note"}``; the HTML shows it in a code block with a copy
button. Values come from DNS and are shell-quoted where they reach a command line.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Mapping
from typing import Any

from preflight.i18n.messages import DEFAULT_LANG, ui

SPF_LOOKUP_LIMIT = 10
TXT_CHUNK = 255
_TTL = re.compile(r"\(TTL ([0-9]+)\)\s*$")
_ALL = re.compile(r"^[-+~?]?all$", re.IGNORECASE)
_PARAM = re.compile(r"^([a-z][a-z0-9_]*) = (.*)$")
_FILE_LINE = re.compile(r"^(/[^:\s]+): (.+)$")
_MAX_TTL = 3600


def _results(data: Mapping[str, Any], check_id: str) -> list[Mapping[str, Any]]:
    return [r for r in data.get("results", []) if isinstance(r, dict) and r.get("check_id") == check_id]


def _param(item: Mapping[str, Any], name: str) -> str:
    return str((item.get("params") or {}).get(name, ""))


def _ttl(item: Mapping[str, Any]) -> int:
    for ev in item.get("evidence") or []:
        found = _TTL.search(str(ev.get("value", ""))) if isinstance(ev, dict) else None
        if found:
            return min(int(found.group(1)), _MAX_TTL)
    return _MAX_TTL


def zone_txt(name: str, ttl: int, text: str) -> str:
    """A TXT record in zone-file syntax, split into strings of at most 255 characters."""
    chunks = [text[i:i + TXT_CHUNK] for i in range(0, len(text), TXT_CHUNK)] or [""]
    quoted = " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)
    return f"{name.rstrip('.')}.\t{ttl}\tIN\tTXT\t{quoted}"


def spf_with_ips(record: str, ips: list[str]) -> str:
    """``record`` with ``ip4:``/``ip6:`` terms for ``ips`` inserted before its ``all``/``redirect=``."""
    terms = record.split()
    have = {t.lower() for t in terms}
    new = []
    for ip in ips:
        address = ipaddress.ip_address(ip)
        term = f"ip{address.version}:{address.compressed}"
        if term.lower() not in have and term not in new:
            new.append(term)
    at = next((i for i, t in enumerate(terms) if _ALL.match(t) or t.lower().startswith("redirect=")), len(terms))
    return " ".join(terms[:at] + new + terms[at:])


def spf(domain: str, members: list[Mapping[str, Any]], data: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """The SPF record to publish for ``domain`` so every new IP passes."""
    ips = [_param(m, "ip") for m in members if m.get("check_id") in ("spf.authorizes", "message.spf") and _param(m, "ip")]
    ips = list(dict.fromkeys(ips))
    if not ips:
        return []
    try:
        ips = [ipaddress.ip_address(ip).compressed for ip in ips]
    except ValueError:
        return []
    order = [str(ip) for ip in (data.get("target") or {}).get("ips") or []]
    ips.sort(key=lambda ip: order.index(ip) if ip in order else len(order))
    current = next((r for r in _results(data, "spf.record") if _param(r, "domain") == domain and _param(r, "record")),
                   None)
    old = [str(ip) for ip in (data.get("target") or {}).get("old_ips") or []]
    if current is None:
        # No usable record: a new one with the new IPs and the old server's, soft-failing the rest.
        record = spf_with_ips("v=spf1 ~all", ips + old)
        lookups = 0
        ttl = _MAX_TTL
    else:
        record = spf_with_ips(_param(current, "record"), ips)
        ttl = _ttl(current)
        counted = next((r for r in _results(data, "spf.lookups") if _param(r, "domain") == domain), None)
        lookups = int(_param(counted, "lookups")) if counted and _param(counted, "lookups").isdigit() else -1
    kept = [ip for ip in old if any(t.lower().endswith(":" + ip.lower()) for t in record.split())]
    note = ui("snippet_spf_note", lang, lookups=lookups if lookups >= 0 else "?", limit=SPF_LOOKUP_LIMIT)
    if kept:
        note += " " + ui("snippet_spf_keeps_old", lang, ips=", ".join(kept))
    if lookups > SPF_LOOKUP_LIMIT:
        note += " " + ui("snippet_spf_over_limit", lang, limit=SPF_LOOKUP_LIMIT)
    return [{"label": ui("snippet_spf_label", lang, domain=domain), "text": zone_txt(domain, ttl, record),
             "note": note}]


def ptr(ip: str, data: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """The PTR change request for the IP's owner, and the record in zone-file syntax."""
    hostname = str((data.get("target") or {}).get("hostname") or "")
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return []
    if not hostname:
        return []
    forward = next((r for r in _results(data, "host.forward") if r.get("status") == "pass"), None)
    request = ui("snippet_ptr_request", lang, ip=address.compressed, hostname=hostname,
                 rrtype="AAAA" if address.version == 6 else "A")
    if forward is None:
        request += "\n" + ui("snippet_ptr_forward_first", lang, hostname=hostname, ip=address.compressed)
    return [
        {"label": ui("snippet_ptr_label", lang, ip=address.compressed), "text": request, "note": None},
        {"label": ui("snippet_ptr_zone_label", lang), "text": f"{address.reverse_pointer}.\t{_MAX_TTL}\tIN\tPTR\t"
                                                               f"{hostname.rstrip('.')}.", "note": None},
    ]


def _current_postfix(data: Mapping[str, Any]) -> dict[str, str]:
    """The new server's Postfix settings the partner prediction used (``name = value`` evidence)."""
    found: dict[str, str] = {}
    for item in _results(data, "partners.policy"):
        for ev in item.get("evidence") or []:
            if isinstance(ev, dict) and ev.get("label") == "postfix":
                match = _PARAM.match(str(ev.get("value", "")))
                if match:
                    found.setdefault(match.group(1), match.group(2))
    return found


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _merge(name: str, value: str, current: Mapping[str, str]) -> str | None:
    """A ``… new, anchor …`` value merged into the current one: new items inserted before the anchor."""
    if "…" not in value:
        return value
    items = _split(value.replace("…", ""))
    have = _split(current.get(name, ""))
    anchor = next((i for i in items if i in have), None)
    if not have or anchor is None:
        return None
    new = [i for i in items[:items.index(anchor)] if i not in have]
    at = have.index(anchor)
    return ", ".join(have[:at] + new + have[at:])


def postfix(members: list[Mapping[str, Any]], data: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """``postconf -e`` lines and access-table lines that let the rejected partners through."""
    current = _current_postfix(data)
    settings: dict[str, str] = {}
    files: dict[str, list[str]] = {}
    manual: list[str] = []
    reload = False
    for item in members:
        for part in (p.strip() for p in _param(item, "fix").split(" | ")):
            if not part:
                continue
            if part == "postfix reload":
                reload = True
            elif (line := _FILE_LINE.match(part)) is not None:
                lines = files.setdefault(line.group(1), [])
                if line.group(2) not in lines:
                    lines.append(line.group(2))
            elif (param := _PARAM.match(part)) is not None:
                merged = _merge(param.group(1), param.group(2), current)
                if merged is None:
                    manual.append(part)
                else:
                    settings.setdefault(param.group(1), merged)
            else:
                manual.append(part)
    if not settings and not files:
        return []
    out = []
    for path, lines in files.items():
        out.append(f"cat >> {shlex.quote(path)} <<'EOF'")
        out.extend(lines)
        out.append("EOF")
    out.extend("postconf -e " + shlex.quote(f"{name} = {value}") for name, value in settings.items())
    out.extend("# " + ui("snippet_postfix_by_hand", lang) + ": " + line for line in manual)
    if reload:
        out.append("postfix reload")
    return [{"label": ui("snippet_postfix_label", lang), "text": "\n".join(out),
             "note": ui("snippet_postfix_note", lang)}]


def for_fix(kind: str, key: tuple[str, ...], members: list[Mapping[str, Any]], data: Mapping[str, Any],
            lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    """The copy-paste snippets of one fix (empty when there is nothing exact to give)."""
    if kind == "spf" and len(key) > 1:
        return spf(key[1], members, data, lang)
    if kind == "ptr" and len(key) > 1:
        return ptr(key[1], data, lang)
    if kind == "partners":
        return postfix([m for m in members if m.get("check_id") == "partners.rejected"], data, lang)
    return []
